/* SPDX-License-Identifier: MIT */
/*
 * Differential test of consolidate/num.c against librrd 1.7.2 itself: rrd_snprintf("%0.10e"),
 * rrd_strtod() and rrd_strtodbl() are the oracles for num_format_rrd_e10(), num_rrd_strtod()
 * and num_rrd_parse_value(); num_format_rrd_exact()'s choices are read back by rrd_strtod().
 * NUM_TEST_SCALE (default 1) multiplies the counts.
 */

#include <inttypes.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "consolidate/num.h"
#include "tests/tap.h"

/* Exported by librrd 1.7.2 but not declared in its rrd.h. */
int rrd_snprintf(char *str, size_t size, const char *format, ...);
double rrd_strtod(const char *str, char **endptr);
unsigned int rrd_strtodbl(const char *str, char **endptr, double *dbl, char *error);

static uint64_t rng_state = 0x13198a2e03707344u;

static uint64_t rng(void) {
        rng_state ^= rng_state >> 12;
        rng_state ^= rng_state << 25;
        rng_state ^= rng_state >> 27;
        return rng_state * 0x2545f4914f6cdd1du;
}

static long scale = 1;

static uint64_t bits_of(double v) {
        uint64_t b;
        memcpy(&b, &v, sizeof(b));
        return b;
}

static double double_of(uint64_t b) {
        double v;
        memcpy(&v, &b, sizeof(v));
        return v;
}

static double random_finite(void) {
        double v;
        do
                v = double_of(rng());
        while (!isfinite(v));
        return v;
}

/* ---- num_format_rrd_e10 against rrd_snprintf
 * ----------------------------------------------------- */

static double e10_value(int cls) {
        double v;

        switch (cls) {
        case 0:
                v = random_finite();
                break;
        case 1: /* ratios of small integers: 0.14 % of these differ from glibc */
                v = (double) (rng() % 100000) / (double) (rng() % 1000 + 1);
                if (rng() & 1)
                        v *= (double) (rng() % 1000);
                break;
        case 2: /* dyadic values: exact ties in the eleventh digit */
                v = (double) (rng() % 100000000) / (double) (1u << (rng() % 24));
                break;
        case 3: /* subnormals and tiny normals */
                v = double_of((rng() & 0x800fffffffffffffu) | ((rng() % 60) << 52));
                break;
        case 4: /* at and around powers of ten, where the exponent loop can go either way */
                v = pow(10.0, (double) ((int) (rng() % 640) - 324));
                v = double_of(bits_of(v) + (rng() % 5) - 2);
                break;
        default: /* the values rrdtool dumps: rates and fractions */
                v = (double) (rng() % 1000000000) / (4.9 + (double) (rng() % 1000) / 5000.0);
                break;
        }
        return (rng() & 1) ? -v : v;
}

static void test_e10(void) {
        static const char *const names[] = {"random bits", "ratios",        "dyadic",
                                            "subnormals",  "powers of ten", "rates"};
        char want[64], got[NUM_BUF_SIZE];

        for (int cls = 0; cls < 6; cls++) {
                long n = 500000 * scale, n_bad = 0;
                for (long i = 0; i < n; i++) {
                        double v = e10_value(cls);
                        if (!isfinite(v))
                                continue;
                        (void) rrd_snprintf(want, sizeof(want), "%0.10e", v);
                        (void) num_format_rrd_e10(got, v);
                        if (strcmp(want, got) != 0 && n_bad++ < 5)
                                TAP_DIAG("%a: rrd_snprintf '%s', num '%s'", v, want, got);
                }
                CHECKF(n_bad == 0, "e10 %s: %ld of %ld differ", names[cls], n_bad, n);
        }
        /* the special values print as rrdtool dump prints them */
        const double specials[] = {0.0, -0.0, HUGE_VAL, -HUGE_VAL, 0x1p-1074, -0x1p-1074};
        for (size_t i = 0; i < sizeof(specials) / sizeof(specials[0]); i++) {
                (void) rrd_snprintf(want, sizeof(want), "%0.10e", specials[i]);
                (void) num_format_rrd_e10(got, specials[i]);
                CHECKF(strcmp(want, got) == 0, "%a: '%s' vs '%s'", specials[i], want, got);
        }
}

/* ---- num_rrd_strtod against rrd_strtod ----------------------------------------------------------
 */

static void strtod_text(char *buf, size_t size, int cls) {
        switch (cls) {
        case 0: /* integers, up to 20 digits */
                (void) snprintf(buf, size, "%" PRIu64, rng() >> (rng() % 64));
                break;
        case 1:
                (void) snprintf(buf, size, "%u.%03u", (unsigned) (rng() % 100000),
                                (unsigned) (rng() % 1000));
                break;
        case 2:
                (void) snprintf(buf, size, "%.6g", random_finite());
                break;
        case 3:
                (void) snprintf(buf, size, "%.10e", random_finite());
                break;
        case 4:
                (void) snprintf(buf, size, "%.15g", random_finite());
                break;
        case 5:
                (void) snprintf(buf, size, "%.17g", random_finite());
                break;
        case 6: { /* exponents in and out of range, long and wrapping ones */
                int e = (int) (rng() % 2200) - 1100;
                int n = snprintf(buf, size, "%u.%u", (unsigned) (rng() % 1000),
                                 (unsigned) (rng() % 100000));
                switch (rng() % 4) {
                case 0: /* past 2^31: the int wraps */
                        (void) snprintf(buf + n, size - (size_t) n, "e%" PRIu64,
                                        rng() % 100000000000u);
                        break;
                case 1:
                        (void) snprintf(buf + n, size - (size_t) n, "E%+d", e);
                        break;
                case 2:
                        (void) snprintf(buf + n, size - (size_t) n, "e%010d", e);
                        break;
                default:
                        (void) snprintf(buf + n, size - (size_t) n, "e%d", e);
                        break;
                }
                break;
        }
        case 7: { /* leading whitespace of every kind */
                static const char ws[] = " \t\n\v\f\r";
                size_t n = rng() % 4;
                for (size_t i = 0; i < n; i++)
                        buf[i] = ws[rng() % 6];
                (void) snprintf(buf + n, size - n, "%.*g", (int) (rng() % 17) + 1, random_finite());
                break;
        }
        default: { /* signs, bare points, trailing junk */
                static const char *const heads[] = {"+", "-", "", "+-", ".", "-."};
                static const char *const tails[] = {"", "x", "e", "e+", ".", " 1", "e-x"};
                (void) snprintf(buf, size, "%s%u.%u%s", heads[rng() % 6],
                                (unsigned) (rng() % 100000), (unsigned) (rng() % 1000),
                                tails[rng() % 7]);
                break;
        }
        }
}

static void test_strtod(void) {
        static const char *const names[] = {"integers",  "12345.678",  "%.6g",
                                            "%.10e",     "%.15g",      "%.17g",
                                            "exponents", "whitespace", "signs and junk"};
        char buf[128];

        for (int cls = 0; cls < 9; cls++) {
                long n = 1000000 * scale, n_bad = 0;
                for (long i = 0; i < n; i++) {
                        strtod_text(buf, sizeof(buf), cls);
                        /* rrd_strtod leaves the end alone when it converts nothing */
                        char *want_end = buf;
                        const char *got_end;
                        double want = rrd_strtod(buf, &want_end);
                        double got = num_rrd_strtod(buf, &got_end);
                        if ((bits_of(want) != bits_of(got) || want_end != got_end) && n_bad++ < 5)
                                TAP_DIAG("'%s': rrd %a used %d, num %a used %d", buf, want,
                                         (int) (want_end - buf), got, (int) (got_end - buf));
                }
                CHECKF(n_bad == 0, "strtod %s: %ld of %ld differ", names[cls], n_bad, n);
        }
}

/* ---- num_rrd_parse_value against rrd_strtodbl
 * ---------------------------------------------------- */

static void check_parse_value(const char *text, long *n_bad) {
        double want = 0.0, got = 0.0;
        unsigned r = rrd_strtodbl(text, NULL, &want, NULL);
        int ours = num_rrd_parse_value(text, &got);

        if ((r == 2) != (ours == 0) || (ours == 0 && bits_of(want) != bits_of(got))) {
                if ((*n_bad)++ < 5)
                        TAP_DIAG("'%s': rrd_strtodbl %u %a, num %d %a", text, r, want, ours, got);
        }
}

static void test_parse_value(void) {
        static const char *const spellings[] = {
                "nan",       "NaN",       "NAN",   "-nan",   "-NaN",   "+nan",     " nan",
                "nanx",      "NAN(1)",    "-nanq", "na",     "n",      "inf",      "Inf",
                "INF",       "-inf",      "-Inf",  "+inf",   " inf",   "infinity", "Infinity",
                "-Infinity", "-INFINITY", "infx",  "in",     "-in",    "-i",       "-",
                "+",         "",          " ",     "U",      "u",      "x",        "1",
                " 1",        "1 ",        "1e400", "-1e400", "1e1025", "1e-1022",  "1e-1021",
                "0x1p3",     "1,5",       "1.5.5", "--1",    "1e+",    "1e",       ".e1",
                "0.",        ".0",
        };
        static const char alphabet[] = " \t+-.0123456789eEnNaAiIfFtTyYx";
        char buf[32];
        long n_bad = 0, n = 1000000 * scale;

        for (size_t i = 0; i < sizeof(spellings) / sizeof(spellings[0]); i++)
                check_parse_value(spellings[i], &n_bad);
        CHECKF(n_bad == 0, "parse_value: %ld of the fixed spellings differ", n_bad);
        n_bad = 0;
        for (long i = 0; i < n; i++) {
                size_t len = rng() % 12;
                for (size_t k = 0; k < len; k++)
                        buf[k] = alphabet[rng() % (sizeof(alphabet) - 1)];
                buf[len] = '\0';
                check_parse_value(buf, &n_bad);
        }
        CHECKF(n_bad == 0, "parse_value: %ld of %ld random tokens differ", n_bad, n);
}

/* ---- num_format_rrd_exact read back by rrdtool
 * ---------------------------------------------------- */

static void test_rrd_exact(void) {
        char out[NUM_BUF_SIZE], shortest[NUM_BUF_SIZE];
        long n = 200000 * scale, n_bad = 0, n_other = 0;

        for (long i = 0; i < n; i++) {
                double v = e10_value((int) (i % 6));
                if (!isfinite(v) || v == 0.0)
                        continue;
                (void) num_format_rrd_exact(out, v);
                (void) num_format_shortest(shortest, v);
                char *end = out;
                double back = rrd_strtod(out, &end);
                const char *our_end;
                bool rrd_ok = *end == '\0' && bits_of(back) == bits_of(v);
                bool num_ok = bits_of(num_rrd_strtod(out, &our_end)) == bits_of(v);
                bool other = strcmp(out, shortest) != 0;
                n_other += other;
                if ((rrd_ok != num_ok || (other && !rrd_ok)) && n_bad++ < 5)
                        TAP_DIAG("%a: '%s' (shortest '%s') rrd_strtod %a", v, out, shortest, back);
        }
        CHECKF(n_bad == 0, "rrd_exact: %ld of %ld not read back by librrd (%ld longer)", n_bad, n,
               n_other);
}

int main(void) {
        const char *s = getenv("NUM_TEST_SCALE");

        if (s && atol(s) > 0)
                scale = atol(s);
        test_e10();
        test_strtod();
        test_parse_value();
        test_rrd_exact();
        return TAP_DONE();
}
