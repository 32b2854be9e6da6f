/* SPDX-License-Identifier: MIT */
/*
 * Numbers as text: ns per value for consolidate/num.c against glibc's printf and strtod, on a
 * mix shaped like what rrdd writes (rates with full precision, fractions, integers, short
 * decimals, NaN). Also counts how often num_format_rrd_exact() needs more than the shortest
 * string. Prints what it measured; asserts nothing.
 */

#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "consolidate/num.h"

#define N_VALUES 200000
#define N_ROUNDS 5

static uint64_t rng_state = 0x9e3779b97f4a7c15u;

static uint64_t rng(void) {
        /* xorshift64*: fixed seed, so every run measures the same values */
        rng_state ^= rng_state >> 12;
        rng_state ^= rng_state << 25;
        rng_state ^= rng_state >> 27;
        return rng_state * 0x2545f4914f6cdd1du;
}

static double uniform(void) {
        return (double) (rng() >> 11) * 0x1p-53;
}

/* One value of the mix: 30 % rates, 25 % fractions, 25 % integers, 15 % short decimals, 5 % NaN. */
static double mix_value(void) {
        unsigned r = (unsigned) (rng() % 100);

        if (r < 30) /* a counter delta over an interval near 5 s: 12345.678901234567 */
                return (double) (rng() % 100000000) / (4.9 + uniform() * 0.2);
        if (r < 55) /* a CPU or memory fraction: 0.012345678901234567 */
                return uniform() * (r < 40 ? 1.0 : 0.05);
        if (r < 80) /* bytes, counts */
                return (double) (rng() % 10000000000u);
        if (r < 95) { /* a value that came in as short decimal text: 12345.678 */
                char text[32];
                (void) snprintf(text, sizeof(text), "%u.%03u", (unsigned) (rng() % 100000),
                                (unsigned) (rng() % 1000));
                return strtod(text, NULL);
        }
        return (double) NAN;
}

static double now_ns(void) {
        struct timespec ts;

        clock_gettime(CLOCK_MONOTONIC, &ts);
        return (double) ts.tv_sec * 1e9 + (double) ts.tv_nsec;
}

/* A sink the compiler cannot see through, so no call is optimised away. */
static volatile size_t sink;

typedef size_t (*FormatFn)(char *buf, double v);

static size_t glibc_e10(char *buf, double v) {
        return (size_t) snprintf(buf, NUM_BUF_SIZE, "%0.10e", v);
}

static size_t glibc_17g(char *buf, double v) {
        return (size_t) snprintf(buf, NUM_BUF_SIZE, "%.17g", v);
}

static double time_format_n(FormatFn fn, const double *values, size_t n) {
        char buf[NUM_BUF_SIZE];
        double best = HUGE_VAL;

        if (n == 0)
                return 0.0;
        for (int round = 0; round < N_ROUNDS; round++) {
                size_t total = 0;
                double t0 = now_ns();
                for (size_t i = 0; i < n; i++)
                        total += fn(buf, values[i]);
                double t = (now_ns() - t0) / (double) n;
                sink = total;
                if (t < best)
                        best = t;
        }
        return best;
}

static double time_format(FormatFn fn, const double *values) {
        return time_format_n(fn, values, N_VALUES);
}

static double time_parse(bool ours, char *const *texts, const size_t *lens) {
        double best = HUGE_VAL;

        for (int round = 0; round < N_ROUNDS; round++) {
                double total = 0.0, v = 0.0;
                double t0 = now_ns();
                for (size_t i = 0; i < N_VALUES; i++) {
                        if (ours)
                                (void) num_parse_double(texts[i], lens[i], &v);
                        else
                                v = strtod(texts[i], NULL);
                        total += v;
                }
                double t = (now_ns() - t0) / N_VALUES;
                sink = (size_t) (total != 0.0);
                if (t < best)
                        best = t;
        }
        return best;
}

static void row(const char *what, double ours, const char *libc_what, double libc) {
        if (libc > 0)
                printf("%-26s %8.1f   %-22s %8.1f   %5.1fx\n", what, ours, libc_what, libc,
                       libc / ours);
        else
                printf("%-26s %8.1f\n", what, ours);
}

/*
 * How often num_format_rrd_exact() returns the shortest string rrdtool already reads back, a
 * longer or neighbouring one, or (none exists) the shortest anyway; and its cost in each case.
 */
static void rrd_exact_report(const char *what, const double *values) {
        double *by_kind[3];
        size_t n[3] = {0, 0, 0}, n_total = 0;
        static const char *const kinds[3] = {
                "shortest string already read back by rrdtool",
                "a longer or neighbouring string needed",
                "no string of <= 17 digits works for both",
        };

        for (int k = 0; k < 3; k++) {
                by_kind[k] = calloc(N_VALUES, sizeof(double));
                if (!by_kind[k])
                        return;
        }
        for (size_t i = 0; i < N_VALUES; i++) {
                char a[NUM_BUF_SIZE], b[NUM_BUF_SIZE];
                const char *end;
                double v = values[i];
                int kind;

                if (!isfinite(v) || v == 0.0)
                        continue;
                (void) num_format_shortest(a, v);
                (void) num_format_rrd_exact(b, v);
                double r = num_rrd_strtod(b, &end);
                if (strcmp(a, b) != 0)
                        kind = 1;
                else if (r == v && *end == '\0')
                        kind = 0;
                else
                        kind = 2;
                by_kind[kind][n[kind]++] = v;
                n_total++;
        }
        printf("\nnum_format_rrd_exact on %zu finite non-zero values (%s):\n", n_total, what);
        for (int k = 0; k < 3; k++) {
                printf("  %-46s %6.2f %%  %7.1f ns\n", kinds[k],
                       100.0 * (double) n[k] / (double) n_total,
                       time_format_n(num_format_rrd_exact, by_kind[k], n[k]));
                free(by_kind[k]);
        }
}

int main(void) {
        double *values = calloc(N_VALUES, sizeof(double));
        char **texts = calloc(N_VALUES, sizeof(char *));
        char **texts_e10 = calloc(N_VALUES, sizeof(char *));
        size_t *lens = calloc(N_VALUES, sizeof(size_t));
        size_t *lens_e10 = calloc(N_VALUES, sizeof(size_t));
        char *pool = calloc(2 * N_VALUES, NUM_BUF_SIZE);

        if (!values || !texts || !texts_e10 || !lens || !lens_e10 || !pool) {
                fprintf(stderr, "out of memory\n");
                return 1;
        }
        for (size_t i = 0; i < N_VALUES; i++) {
                values[i] = mix_value();
                texts[i] = pool + 2 * i * NUM_BUF_SIZE;
                texts_e10[i] = texts[i] + NUM_BUF_SIZE;
                lens[i] = num_format_shortest(texts[i], values[i]);
                lens_e10[i] = num_format_rrd_e10(texts_e10[i], values[i]);
        }

        printf("bench-num: %d values (30%% rates, 25%% fractions, 25%% integers, 15%% short "
               "decimals, 5%% NaN), best of %d rounds\n\n",
               N_VALUES, N_ROUNDS);
        printf("%-26s %8s   %-22s %8s   %6s\n", "ns per value", "rrdd", "glibc", "", "speedup");
        row("num_format_rrd_e10", time_format(num_format_rrd_e10, values), "snprintf(\"%0.10e\")",
            time_format(glibc_e10, values));
        row("num_format_shortest", time_format(num_format_shortest, values), "snprintf(\"%.17g\")",
            time_format(glibc_17g, values));
        row("num_format_rrd_exact", time_format(num_format_rrd_exact, values), "", 0);
        row("num_parse_double (shortest)", time_parse(true, texts, lens), "strtod",
            time_parse(false, texts, lens));
        row("num_parse_double (%0.10e)", time_parse(true, texts_e10, lens_e10), "strtod",
            time_parse(false, texts_e10, lens_e10));

        rrd_exact_report("the mix", values);
        for (size_t i = 0; i < N_VALUES; i++) {
                uint64_t bits = rng();
                memcpy(&values[i], &bits, sizeof(double));
        }
        rrd_exact_report("random bit patterns", values);

        free(values);
        free(texts);
        free(texts_e10);
        free(lens);
        free(lens_e10);
        free(pool);
        return 0;
}
