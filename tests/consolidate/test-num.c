/* SPDX-License-Identifier: MIT */
/*
 * Unit tests for consolidate/num.c: edge cases with expected strings worked out by hand, bulk
 * round trips against glibc's strtod, shortest-ness against a %.Ne search, the parsers' grammar,
 * and num_format_rrd_e10() against a literal transcription of rrdtool's fmtflt algorithm.
 * NUM_TEST_SCALE multiplies the bulk counts.
 */

#include <errno.h>
#include <float.h>
#include <inttypes.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "consolidate/num.h"
#include "tests/tap.h"

static uint64_t rng_state = 0x243f6a8885a308d3u;

static uint64_t rng(void) {
        /* xorshift64*, fixed seed: a failure reproduces */
        rng_state ^= rng_state >> 12;
        rng_state ^= rng_state << 25;
        rng_state ^= rng_state >> 27;
        return rng_state * 0x2545f4914f6cdd1du;
}

/*
 * Bulk counts: 4 million doubles and strings each under the sanitizers, three times that (past
 * the 10 million the brief asks for) in a plain build.
 */
#if defined(__SANITIZE_ADDRESS__)
#define DEFAULT_SCALE 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define DEFAULT_SCALE 1
#endif
#endif
#ifndef DEFAULT_SCALE
#define DEFAULT_SCALE 3
#endif

static long scale = DEFAULT_SCALE;

static long scaled(long n) {
        return n * scale;
}

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

static bool same_bits(double a, double b) {
        return bits_of(a) == bits_of(b);
}

static double random_finite(void) {
        double v;
        do
                v = double_of(rng());
        while (!isfinite(v));
        return v;
}

/* Doubles of the classes the brief lists: bit patterns, ratios, integers, powers, extremes. */
static double random_double(long i) {
        double v;

        switch (i % 8) {
        case 0:
                v = random_finite();
                break;
        case 1: /* ratios of small integers: where rounding ties live */
                v = (double) (rng() % 100000) / (double) (rng() % 1000 + 1);
                break;
        case 2: /* dyadic fractions, exact ties for a 10-digit printer */
                v = (double) (rng() % 100000000) / (double) (1u << (rng() % 24));
                break;
        case 3: /* integers of every size */
                v = (double) (rng() >> (rng() % 64));
                break;
        case 4: /* subnormals and the smallest normals */
                v = double_of((rng() & 0x800fffffffffffffu) | ((rng() % 3) << 52));
                break;
        case 5: /* powers of ten and their neighbours */
                v = pow(10.0, (double) ((int) (rng() % 630) - 320));
                if (rng() & 1)
                        v = nextafter(v, (rng() & 1) ? 0.0 : HUGE_VAL);
                break;
        case 6: /* powers of two and their neighbours: the asymmetric intervals */
                v = ldexp(1.0, (int) (rng() % 2098) - 1074);
                if (rng() & 1)
                        v = nextafter(v, (rng() & 1) ? 0.0 : HUGE_VAL);
                break;
        default: /* largest values */
                v = double_of(0x7fe0000000000000u | (rng() & 0x800fffffffffffffu));
                break;
        }
        if (rng() & 1)
                v = -v;
        return v;
}

/* ---- num_format_rrd_e10 ---------------------------------------------------------------------- */

/*
 * rrdtool 1.7.2's fmtflt for "%0.10e" as built on x86-64 Debian (LDOUBLE is double), written
 * out literally with its loops; deliberately nothing like num.c's table-driven version.
 */
static void rrd_e10_model(char *buf, double value) {
        double tmp = fabs(value), u = fabs(value), r = 1.0;
        int exponent = 0;

        while (tmp < 1.0 && tmp > 0.0 && --exponent >= DBL_MIN_10_EXP)
                tmp *= 10;
        while (tmp >= 10.0 && ++exponent <= DBL_MAX_10_EXP)
                tmp /= 10;
        for (int e = exponent; e > 0; e--)
                r *= 10;
        for (int e = exponent; e < 0; e++)
                r /= 10;
        u /= r;
        uint64_t intpart = (uint64_t) u;
        double frac = 10000000000.0 * (u - (double) intpart);
        uint64_t fracpart = (uint64_t) frac;
        if (frac - (double) fracpart >= 0.5)
                fracpart++;
        if (fracpart >= 10000000000u) {
                intpart++;
                fracpart = 0;
                if (intpart == 10) {
                        intpart = 1;
                        exponent++;
                }
        }
        (void) snprintf(buf, 64, "%s%" PRIu64 ".%010" PRIu64 "e%c%02d", value < 0 ? "-" : "",
                        intpart, fracpart, exponent < 0 ? '-' : '+', abs(exponent));
}

static void test_e10_fixed(void) {
        static const struct {
                double v;
                const char *text;
        } cases[] = {
                {0.0, "0.0000000000e+00"},
                {-0.0, "0.0000000000e+00"}, /* no sign: rrdtool tests v < 0 */
                {1.0, "1.0000000000e+00"},
                {-1.5, "-1.5000000000e+00"},
                {0.1, "1.0000000000e-01"},
                {300.0, "3.0000000000e+02"},
                {1e300, "1.0000000000e+300"},
                {DBL_MAX, "1.7976931349e+308"},
                {2.5e-308, "2.5000000000e-308"},
                /* rounding: .5 in the 11th digit rounds up even where glibc rounds to even */
                {5230643.71875, "5.2306437187e+06"}, /* 5.23064371875 is below in double */
                {9.99999999995, "1.0000000000e+01"}, /* rounds up into a new decade */
                /* the exponent search stops at -308, so subnormals keep a leading 0 */
                {6.0844100870000008e-309, "0.6084410087e-308"},
                {1e-308, "1.0000000000e-308"}, /* 0.99999999999999991 rounds up */
                {4.9406564584124654e-324, "0.0000000000e-308"},
                {-4.9406564584124654e-324, "-0.0000000000e-308"},
        };
        char buf[NUM_BUF_SIZE];

        for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
                size_t n = num_format_rrd_e10(buf, cases[i].v);
                CHECKF(strcmp(buf, cases[i].text) == 0 && n == strlen(cases[i].text),
                       "e10(%a) = '%s', want '%s'", cases[i].v, buf, cases[i].text);
        }
        CHECK(num_format_rrd_e10(buf, (double) NAN) == 3 && strcmp(buf, "NaN") == 0);
        CHECK(num_format_rrd_e10(buf, -(double) NAN) == 3 && strcmp(buf, "NaN") == 0);
        CHECK(num_format_rrd_e10(buf, HUGE_VAL) == 3 && strcmp(buf, "inf") == 0);
        CHECK(num_format_rrd_e10(buf, -HUGE_VAL) == 4 && strcmp(buf, "-inf") == 0);
}

static void test_e10_model(void) {
        char a[64], b[NUM_BUF_SIZE];
        long n = 1000000, n_bad = 0; /* the loops are slow; test-num-librrd does millions */

        for (long i = 0; i < n; i++) {
                double v = random_double(i);
                if (!isfinite(v))
                        continue;
                rrd_e10_model(a, v);
                (void) num_format_rrd_e10(b, v);
                if (strcmp(a, b) != 0 && n_bad++ < 5)
                        TAP_DIAG("e10(%a): model '%s', num.c '%s'", v, a, b);
        }
        /* every decade, at and around its power of ten: walks every table entry */
        for (int e = -330; e <= 308; e++) {
                double p = pow(10.0, e);
                double vs[] = {p, nextafter(p, 0.0), nextafter(p, HUGE_VAL), p * 1.5, p * 9.99};
                for (size_t j = 0; j < sizeof(vs) / sizeof(vs[0]); j++) {
                        if (!isfinite(vs[j]))
                                continue;
                        rrd_e10_model(a, vs[j]);
                        (void) num_format_rrd_e10(b, vs[j]);
                        if (strcmp(a, b) != 0 && n_bad++ < 5)
                                TAP_DIAG("e10(%a): model '%s', num.c '%s'", vs[j], a, b);
                }
        }
        CHECKF(n_bad == 0, "%ld of %ld values differ from the fmtflt model", n_bad, n);
}

/* ---- num_format_shortest -----------------------------------------------------------------------
 */

static void test_shortest_fixed(void) {
        static const struct {
                double v;
                const char *text;
        } cases[] = {
                /* the brief's and xcp-rrdd's examples */
                {0.5, "0.5"},
                {300.0, "300"},
                {1.0, "1"},
                {1e-05, "1e-05"},
                {209715200.0, "209715200"},
                {1.5e16, "1.5e+16"},
                {0.1, "0.1"},
                {123456.789, "123456.789"},
                /* %.15g's switch to scientific notation: exponents below -4 and from 15 */
                {0.0001, "0.0001"},
                {0.00012, "0.00012"},
                {0.000012, "1.2e-05"},
                {1e14, "100000000000000"},
                {123456789012345.0, "123456789012345"},
                {1e15, "1e+15"},
                {1234567890123456.0, "1.234567890123456e+15"},
                {9007199254740992.0, "9.007199254740992e+15"},
                {-1.5e-7, "-1.5e-07"},
                {1e100, "1e+100"},
                {-2.5, "-2.5"},
                /* shortest digits */
                {0.3, "0.3"},
                {0.1 + 0.2, "0.30000000000000004"},
                {1.0 / 3.0, "0.3333333333333333"},
                {2.0 / 3.0, "0.6666666666666666"},
                {1e23, "1e+23"},
                {0x1.52d02c7e14af7p+76, "1.0000000000000001e+23"},
                {7e22, "7e+22"}, /* the lower end of its interval, included (even) */
                {5e-324, "5e-324"},
                {1e-323, "1e-323"},
                {4.9406564584124654e-323, "5e-323"},
                {DBL_MIN, "2.2250738585072014e-308"},
                {DBL_MAX, "1.7976931348623157e+308"},
                {0x1p-1017, "7.120236347223045e-307"}, /* shorter than the nearest 16 digits */
        };
        char buf[NUM_BUF_SIZE];

        for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
                size_t n = num_format_shortest(buf, cases[i].v);
                CHECKF(strcmp(buf, cases[i].text) == 0 && n == strlen(cases[i].text),
                       "shortest(%a) = '%s', want '%s'", cases[i].v, buf, cases[i].text);
        }
        CHECK(num_format_shortest(buf, 0.0) == 3 && strcmp(buf, "0.0") == 0);
        CHECK(num_format_shortest(buf, -0.0) == 3 && strcmp(buf, "0.0") == 0);
        CHECK(num_format_shortest(buf, (double) NAN) == 3 && strcmp(buf, "NaN") == 0);
        CHECK(num_format_shortest(buf, HUGE_VAL) == 8 && strcmp(buf, "Infinity") == 0);
        CHECK(num_format_shortest(buf, -HUGE_VAL) == 9 && strcmp(buf, "-Infinity") == 0);
}

/* Significant digits of a %g-style string, trailing zeros of an integer not counted. */
static int significant_digits(const char *s) {
        const char *e = strchr(s, 'e'), *end = e ? e : s + strlen(s);
        int n = 0, last_nonzero = 0;
        bool seen = false;

        for (const char *p = s; p < end; p++) {
                if (*p < '0' || *p > '9')
                        continue;
                seen |= *p != '0';
                if (seen) {
                        n++;
                        if (*p != '0')
                                last_nonzero = n;
                }
        }
        return last_nonzero;
}

/* The fewest digits %.Ne needs to round trip: an upper bound for the shortest string. */
static int printf_search_digits(double v) {
        char buf[64];

        for (int p = 1; p < 17; p++) {
                (void) snprintf(buf, sizeof(buf), "%.*e", p - 1, v);
                if (strtod(buf, NULL) == v)
                        return p;
        }
        return 17;
}

static void check_shortest_value(double v, long *n_bad, long *n_long, bool search) {
        char buf[NUM_BUF_SIZE];
        double r;
        size_t n = num_format_shortest(buf, v);

        if (n != strlen(buf) || !same_bits(strtod(buf, NULL), v) ||
            num_parse_double(buf, n, &r) < 0 || !same_bits(r, v)) {
                if ((*n_bad)++ < 5)
                        TAP_DIAG("shortest(%a) = '%s' does not read back", v, buf);
                return;
        }
        if (search && significant_digits(buf) > printf_search_digits(v) && (*n_long)++ < 5)
                TAP_DIAG("shortest(%a) = '%s' is longer than %%.%de", v, buf,
                         printf_search_digits(v) - 1);
}

static void test_shortest_bulk(void) {
        long n = scaled(4000000), n_bad = 0, n_long = 0, n_search = 0;

        for (long i = 0; i < n; i++) {
                double v = random_double(i);
                if (v == 0.0)
                        continue;
                bool search = i % 64 == 0;
                n_search += search;
                check_shortest_value(v, &n_bad, &n_long, search);
        }
        CHECKF(n_bad == 0, "%ld of %ld values do not round trip", n_bad, n);
        CHECKF(n_long == 0, "%ld of %ld values longer than the %%.Ne search", n_long, n_search);

        /* the smallest subnormals, where the digit count is 1 or 2, exhaustively */
        n_bad = n_long = 0;
        for (uint64_t b = 1; b < 100000; b++)
                check_shortest_value(double_of(b), &n_bad, &n_long, true);
        CHECKF(n_bad == 0 && n_long == 0, "subnormals: %ld bad, %ld too long", n_bad, n_long);
}

/* ---- num_parse_double --------------------------------------------------------------------------
 */

static void test_parse_grammar(void) {
        static const struct {
                const char *text;
                double v;
        } good[] = {
                {"0", 0.0},
                {"-0", -0.0},
                {"+1", 1.0},
                {"1.", 1.0},
                {".5", 0.5},
                {"-.5e1", -5.0},
                {"00012", 12.0},
                {"0.000", 0.0},
                {"1e5", 1e5},
                {"1E+05", 1e5},
                {"1e-5", 1e-5},
                {"1.5e0", 1.5},
                {"123456.789", 123456.789},
                {"0.1", 0.1},
                {"1e400", HUGE_VAL},
                {"-1e400", -HUGE_VAL},
                {"1e-400", 0.0},
                {"-1e-400", -0.0},
                {"1e99999999999999999999", HUGE_VAL},
                {"0e99999999999999999999", 0.0},
                {"4.9406564584124654e-324", 0x1p-1074},
                {"2.4703282292062328e-324", 0x1p-1074}, /* just above half of it */
                {"2.4703282292062327e-324", 0.0},       /* just below */
                {"1.7976931348623157e308", DBL_MAX},
                {"1.7976931348623159e308", HUGE_VAL},
                {"9007199254740993", 0x1p53}, /* tie: to even */
                {"9007199254740993.00000000000000000001", 0x1p53 + 2},
                {"9007199254740995", 0x1p53 + 4},
                {"0.30000000000000004", 0.1 + 0.2},
                {"100000000000000000000000", 1e23},
                {"7e22", 7e22},
                {"nan", (double) NAN},
                {"NaN", (double) NAN},
                {"-nan", (double) NAN},
                {"inf", HUGE_VAL},
                {"-Inf", -HUGE_VAL},
                {"+inf", HUGE_VAL},
                {"Infinity", HUGE_VAL},
                {"-INFINITY", -HUGE_VAL},
        };
        static const char *const bad[] = {
                "",      "-",   "+",    ".",     "-.",   "e5",    "1e",      "1e+", "1.5.3",
                " 1",    "1 ",  "0x10", "1,5",   "nanx", "infin", "infinit", "--1", "+-1",
                "1e5.5", "1d5", "in",   "1e--5", "- 1",  "1_000", "١",
        };
        double v;

        for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
                int r = num_parse_double(good[i].text, strlen(good[i].text), &v);
                bool ok = r == 0 && (isnan(good[i].v) ? isnan(v) : same_bits(v, good[i].v));
                CHECKF(ok, "parse('%s') = %d, %a; want %a", good[i].text, r, v, good[i].v);
        }
        for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
                v = 42.0;
                int r = num_parse_double(bad[i], strlen(bad[i]), &v);
                CHECKF(r == -EINVAL && v == 42.0, "parse('%s') = %d, want -EINVAL", bad[i], r);
        }
        /* the length bounds the text: no NUL needed, nothing read beyond */
        CHECK(num_parse_double("12345", 3, &v) == 0 && v == 123.0);
        CHECK(num_parse_double("1e5x", 3, &v) == 0 && v == 1e5);
        CHECK(num_parse_double("1.5e", 3, &v) == 0 && v == 1.5);
        CHECK(num_parse_double("nanx", 3, &v) == 0 && isnan(v));
        CHECK(num_parse_double("12", 0, &v) == -EINVAL);

        /* longer than any buffer: the slow path takes the whole text */
        size_t len = 5000;
        char *text = malloc(len + 1);
        if (CHECK(text != NULL)) {
                memset(text, '0', len);
                text[0] = '1';
                text[1] = '.';
                memcpy(text + len - 4, "1e-3", 4);
                text[len] = '\0';
                CHECK(num_parse_double(text, len, &v) == 0 && same_bits(v, strtod(text, NULL)));
                /* 4990 zeros: the exact value is 1.0e-3 plus a tiny bit, i.e. 0.001 */
                CHECK(same_bits(v, 0.001));

                /* leading zeros and exponent cancel: 0.000...01e4000 and 1000...0e-4000 */
                memcpy(text, "0.", 2);
                memset(text + 2, '0', 3999);
                len = (size_t) sprintf(text + 4001, "1e3999") + 4001;
                CHECK(num_parse_double(text, len, &v) == 0 && same_bits(v, 0.1));
                text[0] = '1';
                memset(text + 1, '0', 4000);
                len = (size_t) sprintf(text + 4001, "e-4000") + 4001;
                CHECK(num_parse_double(text, len, &v) == 0 && same_bits(v, 1.0));
                free(text);
        }
}

/* Decimal strings of the classes rrdd reads, plus exact midpoints between doubles. */
static int random_decimal_text(char *buf, size_t size, long i) {
        switch (i % 9) {
        case 0:
                return snprintf(buf, size, "%.17g", random_finite());
        case 1:
                return snprintf(buf, size, "%.15g", random_finite());
        case 2:
                return snprintf(buf, size, "%.6g",
                                (double) (rng() % 1000000) / (double) (rng() % 997 + 1));
        case 3:
                return snprintf(buf, size, "%.10e", random_finite());
        case 4:
                return snprintf(buf, size, "%" PRIu64, rng() >> (rng() % 64));
        case 5:
                return snprintf(buf, size, "%u.%03u", (unsigned) (rng() % 100000),
                                (unsigned) (rng() % 1000));
        case 6: { /* the exact decimal of a midpoint, cut short or nudged up: the hard cases */
                long double lo = (long double) random_finite();
                long double hi = (long double) nextafter((double) lo, HUGE_VAL);
                long double mid = isinf((double) hi) ? lo : (lo + hi) / 2;
                int n = snprintf(buf, size, "%.*Le", (int) (rng() % 40) + 15, mid);
                if (rng() % 3 == 0) {
                        char *e = strchr(buf, 'e');
                        memmove(e + 1, e, strlen(e) + 1);
                        *e = '1';
                        n++;
                }
                return n;
        }
        case 7: { /* digits, point and exponent anywhere */
                size_t n = 0, n_digits = rng() % 30 + 1, dot = rng() % (n_digits + 1);
                if (rng() & 1)
                        buf[n++] = '-';
                for (size_t k = 0; k < n_digits; k++) {
                        if (k == dot)
                                buf[n++] = '.';
                        buf[n++] = (char) ('0' + rng() % 10);
                }
                if (rng() & 1)
                        n += (size_t) snprintf(buf + n, size - n, "e%d", (int) (rng() % 700) - 350);
                buf[n] = '\0';
                return (int) n;
        }
        default:
                return snprintf(buf, size, "%.*g", (int) (rng() % 17) + 1,
                                double_of(rng() % ((uint64_t) 1 << 53)));
        }
}

static void test_parse_bulk(void) {
        char buf[128];
        long n = scaled(4000000), n_bad = 0;

        for (long i = 0; i < n; i++) {
                int len = random_decimal_text(buf, sizeof(buf), i);
                double want = strtod(buf, NULL), got = 0.0;
                int r = num_parse_double(buf, (size_t) len, &got);
                if ((r < 0 || !same_bits(got, want)) && n_bad++ < 5)
                        TAP_DIAG("parse('%s') = %d, %a; strtod %a", buf, r, got, want);
        }
        CHECKF(n_bad == 0, "%ld of %ld strings differ from strtod", n_bad, n);
}

/* ---- rrdtool's parser
 * ------------------------------------------------------------------------------ */

static void test_rrd_strtod(void) {
        static const struct {
                const char *text;
                double v;
                int used; /* characters consumed */
        } cases[] = {
                {"1", 1.0, 1},
                {"  \t-3", -3.0, 5},
                {"+.5", 0.5, 3},
                {"1.", 1.0, 2},
                {"1.5x", 1.5, 3},
                {"1e", 1.0, 2}, /* the 'e' is taken even without digits */
                {"1e+", 1.0, 3},
                {"-0", -0.0, 2},
                {"0x10", 0.0, 1},
                /* digits accumulate exactly here; the scaling divides by 10 then by 10^4 */
                {"3e-5", (3.0 / 10.0) / 10000.0, 4},
                {"7e-3", (7.0 / 10.0) / 100.0, 4},
                {"76784.124", (76784124.0 / 10.0) / 100.0, 9},
                {"12345.678", (12345678.0 / 10.0) / 100.0, 9},
                {"1e400", HUGE_VAL, 5}, /* 10^256 overflows to inf on the way */
                {"1e-400", 0.0, 6},
                {"1e4294967297", 10.0, 12}, /* the int exponent wraps to 1 */
                /* out of range: HUGE_VAL and nothing converted, even for negative numbers */
                {"1e1025", HUGE_VAL, 0},
                {"-1e1025", HUGE_VAL, 0},
                {"1e-1022", HUGE_VAL, 0},
                {"0.1e-1021", HUGE_VAL, 0},
                {"1e2147483648", HUGE_VAL, 0},
                {"", 0.0, 0},
                {"-", 0.0, 0},
                {".", 0.0, 0},
                {"abc", 0.0, 0},
                {"nan", 0.0, 0},
        };
        const char *end;

        for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
                double v = num_rrd_strtod(cases[i].text, &end);
                CHECKF(same_bits(v, cases[i].v) && end == cases[i].text + cases[i].used,
                       "rrd_strtod('%s') = %a used %d; want %a used %d", cases[i].text, v,
                       (int) (end - cases[i].text), cases[i].v, cases[i].used);
        }
        /* these are the point: a correctly rounded parser gives a different double */
        CHECK(!same_bits(num_rrd_strtod("3e-5", NULL), 3e-5));
        CHECK(!same_bits(num_rrd_strtod("76784.124", NULL), 76784.124));
}

static void test_rrd_parse_value(void) {
        static const struct {
                const char *text;
                double v;
        } good[] = {
                {"1", 1.0},
                {" 1.5", 1.5},
                {"-2e3", -2000.0},
                {"1e400", HUGE_VAL},
                {"inf", HUGE_VAL},
                {"INF", HUGE_VAL},
                {"Infinity", HUGE_VAL},
                {"infx", HUGE_VAL}, /* rrdtool compares a prefix only */
                {"-inf", -HUGE_VAL},
                {"-Infinity", -HUGE_VAL},
        };
        static const char *const nans[] = {"nan", "NaN", "NAN(123)", "nanx", "-nan", "-NaN"};
        static const char *const bad[] = {
                "",     " ",    "x",      "-",       "+",  ".",  "1.5x", "1 ", "+nan", "+inf",
                " nan", " inf", "1e1025", "1e-1022", "na", "in", "-in",  "U",  "0x10", "--1",
        };
        double v;

        for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++)
                CHECKF(num_rrd_parse_value(good[i].text, &v) == 0 && same_bits(v, good[i].v),
                       "parse_value('%s')", good[i].text);
        for (size_t i = 0; i < sizeof(nans) / sizeof(nans[0]); i++)
                CHECKF(num_rrd_parse_value(nans[i], &v) == 0 && isnan(v) &&
                               !!signbit(v) == (nans[i][0] == '-'),
                       "parse_value('%s')", nans[i]);
        for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
                v = 42.0;
                CHECKF(num_rrd_parse_value(bad[i], &v) == -EINVAL && v == 42.0,
                       "parse_value('%s') accepted", bad[i]);
        }
}

/* ---- num_format_rrd_exact
 * ---------------------------------------------------------------------------- */

static bool rrd_reads(const char *text, double v) {
        const char *end;
        double r = num_rrd_strtod(text, &end);
        return *end == '\0' && same_bits(r, v);
}

/* Our layout written out from a digit string (no trailing zeros) and its decimal exponent. */
static void layout_model(char *buf, bool negative, const char *digits, int x) {
        int n = (int) strlen(digits);
        char *p = buf;

        if (negative)
                *p++ = '-';
        if (x < -4 || x >= 15) {
                *p++ = digits[0];
                if (n > 1)
                        p += sprintf(p, ".%s", digits + 1);
                (void) sprintf(p, "e%c%02d", x < 0 ? '-' : '+', abs(x));
        } else if (x >= n - 1) {
                p += sprintf(p, "%s", digits);
                for (int i = 0; i < x - n + 1; i++)
                        *p++ = '0';
                *p = '\0';
        } else if (x >= 0)
                (void) sprintf(p, "%.*s.%s", x + 1, digits, digits + x + 1);
        else {
                p += sprintf(p, "0.");
                for (int i = 0; i < -x - 1; i++)
                        *p++ = '0';
                (void) sprintf(p, "%s", digits);
        }
}

/* Walks the 17-digit grid 10^g from m while strtod reads v; returns the fewest digits working. */
static int walk_grid(double v, int x, int g, uint64_t m, int dir, int best) {
        char text[64], digits[32], out[64];

        for (; m >= 10000000000000000u && m <= 99999999999999999u; m += (uint64_t) (int64_t) dir) {
                (void) snprintf(text, sizeof(text), "%" PRIu64 "e%d", m, g);
                if (strtod(text, NULL) != fabs(v))
                        break;
                int n = snprintf(digits, sizeof(digits), "%" PRIu64, m);
                while (digits[n - 1] == '0')
                        digits[--n] = '\0';
                layout_model(out, v < 0, digits, x);
                if (rrd_reads(out, v) && (best == 0 || n < best))
                        best = n;
        }
        return best;
}

/*
 * Brute force: every decimal of at most 17 significant digits that strtod reads as v, walked
 * on the 17-digit grids of v's decade and of the decades either side, laid out by the model
 * above and read by rrdtool's parser. Returns the fewest digits that work, or 0 for none.
 */
static int brute_force_rrd_digits(double v) {
        char text[64];
        uint64_t m0 = 0;
        int best = 0;

        (void) snprintf(text, sizeof(text), "%.16e", fabs(v));
        int x = atoi(strchr(text, 'e') + 1);
        for (const char *p = text; *p != 'e'; p++)
                if (*p >= '0' && *p <= '9')
                        m0 = m0 * 10 + (uint64_t) (*p - '0');
        best = walk_grid(v, x, x - 16, m0, -1, best);
        best = walk_grid(v, x, x - 16, m0 + 1, 1, best);
        best = walk_grid(v, x - 1, x - 17, 99999999999999999u, -1, best);
        best = walk_grid(v, x + 1, x - 15, 10000000000000000u, 1, best);
        return best;
}

static void test_rrd_exact(void) {
        char out[NUM_BUF_SIZE], shortest[NUM_BUF_SIZE];
        long n = scaled(200000), n_bad = 0, n_other = 0, n_none = 0, n_checked = 0;

        /* a value whose shortest text rrdtool reads 1 ulp off, and one it reads right */
        double v = 76784.124;
        CHECK(!rrd_reads("76784.124", v));
        (void) num_format_rrd_exact(out, v);
        CHECKF(rrd_reads(out, v) && strtod(out, NULL) == v && significant_digits(out) <= 17,
               "rrd_exact(76784.124) = '%s'", out);
        CHECK(num_format_rrd_exact(out, 0.5) == 3 && strcmp(out, "0.5") == 0);
        CHECK(num_format_rrd_exact(out, -0.0) == 3 && strcmp(out, "0.0") == 0);
        CHECK(num_format_rrd_exact(out, (double) NAN) == 3 && strcmp(out, "NaN") == 0);
        CHECK(num_format_rrd_exact(out, -HUGE_VAL) == 9 && strcmp(out, "-Infinity") == 0);

        for (long i = 0; i < n; i++) {
                v = random_double(i);
                if (v == 0.0)
                        continue;
                size_t len = num_format_rrd_exact(out, v);
                (void) num_format_shortest(shortest, v);
                double r;
                bool ok = len == strlen(out) && same_bits(strtod(out, NULL), v) &&
                          num_parse_double(out, len, &r) == 0 && same_bits(r, v) &&
                          significant_digits(out) <= 17 &&
                          significant_digits(out) >= significant_digits(shortest);
                bool both = rrd_reads(out, v);
                if (strcmp(out, shortest) != 0) {
                        n_other++;
                        ok &= both; /* a longer string is only worth it if rrdtool agrees */
                } else if (!both)
                        n_none++;
                /* on a sample, brute force must agree on the digit count (0: none exists) */
                if (i % 64 == 0) {
                        n_checked++;
                        int want = brute_force_rrd_digits(v);
                        ok &= both ? want == significant_digits(out) : want == 0;
                }
                if (!ok && n_bad++ < 5)
                        TAP_DIAG("rrd_exact(%a) = '%s' (shortest '%s')", v, out, shortest);
        }
        CHECKF(n_bad == 0, "%ld of %ld values wrong (%ld brute-forced)", n_bad, n, n_checked);
        TAP_DIAG("rrd_exact: %.2f%% needed another string, %.2f%% have none",
                 100.0 * (double) n_other / (double) n, 100.0 * (double) n_none / (double) n);
}

/* ---- integers
 * ------------------------------------------------------------------------------------- */

static void test_integers(void) {
        char buf[NUM_BUF_SIZE];
        uint64_t u;
        int64_t s;

        CHECK(num_format_u64(buf, 0) == 1 && strcmp(buf, "0") == 0);
        CHECK(num_format_u64(buf, UINT64_MAX) == 20 && strcmp(buf, "18446744073709551615") == 0);
        CHECK(num_format_i64(buf, INT64_MIN) == 20 && strcmp(buf, "-9223372036854775808") == 0);
        CHECK(num_format_i64(buf, -7) == 2 && strcmp(buf, "-7") == 0);
        CHECK(num_parse_u64("18446744073709551615", 20, &u) == 0 && u == UINT64_MAX);
        CHECK(num_parse_u64("18446744073709551616", 20, &u) == -ERANGE);
        CHECK(num_parse_u64("+1", 2, &u) == -EINVAL);
        CHECK(num_parse_u64("", 0, &u) == -EINVAL);
        CHECK(num_parse_i64("-9223372036854775808", 20, &s) == 0 && s == INT64_MIN);
        CHECK(num_parse_i64("9223372036854775808", 19, &s) == -ERANGE);
        CHECK(num_parse_i64("-", 1, &s) == -EINVAL);
        for (int i = 0; i < 10000; i++) {
                uint64_t v = rng() >> (rng() % 64);
                size_t n = num_format_u64(buf, v);
                char want[32];
                (void) snprintf(want, sizeof(want), "%" PRIu64, v);
                if (strcmp(buf, want) != 0 || num_parse_u64(buf, n, &u) < 0 || u != v) {
                        CHECKF(false, "u64 %" PRIu64 " -> '%s'", v, buf);
                        break;
                }
        }
}

static void timed(const char *name, void (*fn)(void)) {
        struct timespec t0, t1;

        clock_gettime(CLOCK_MONOTONIC, &t0);
        fn();
        clock_gettime(CLOCK_MONOTONIC, &t1);
        TAP_DIAG("%s: %.2f s", name,
                 (double) (t1.tv_sec - t0.tv_sec) + (double) (t1.tv_nsec - t0.tv_nsec) / 1e9);
}

int main(void) {
        const char *s = getenv("NUM_TEST_SCALE");

        if (s && atol(s) > 0)
                scale = atol(s);
        timed("e10 fixed", test_e10_fixed);
        timed("e10 model", test_e10_model);
        timed("shortest fixed", test_shortest_fixed);
        timed("shortest bulk", test_shortest_bulk);
        timed("parse grammar", test_parse_grammar);
        timed("parse bulk", test_parse_bulk);
        timed("rrd_strtod", test_rrd_strtod);
        timed("rrd_parse_value", test_rrd_parse_value);
        timed("rrd_exact", test_rrd_exact);
        timed("integers", test_integers);
        return TAP_DONE();
}
