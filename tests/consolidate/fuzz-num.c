/* SPDX-License-Identifier: MIT */
/*
 * Fuzz target for consolidate/num.c. The input is text for all three parsers, which must not
 * crash; every finite double they produce must survive num_format_shortest() and
 * num_format_rrd_exact() -> num_parse_double() with the same bits. The first 8 bytes, read as
 * a double, go through all the formatters as well.
 */

#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "consolidate/num.h"

#define REQUIRE(x)               \
        do {                     \
                if (!(x))        \
                        abort(); \
        } while (0)

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static bool same_bits(double a, double b) {
        return memcmp(&a, &b, sizeof(a)) == 0;
}

/* A formatter's output parses back to v (zero loses its sign, NaN its payload). */
static void check_reads_back(const char *buf, size_t n, double v) {
        double r;

        REQUIRE(n < NUM_BUF_SIZE && n == strlen(buf));
        REQUIRE(num_parse_double(buf, n, &r) == 0);
        if (isnan(v))
                REQUIRE(isnan(r));
        else if (v == 0.0)
                REQUIRE(r == 0.0);
        else
                REQUIRE(same_bits(r, v));
}

static void check_value(double v) {
        char buf[NUM_BUF_SIZE], shortest[NUM_BUF_SIZE];
        size_t n;
        double r;

        n = num_format_shortest(shortest, v);
        check_reads_back(shortest, n, v);

        n = num_format_rrd_exact(buf, v);
        check_reads_back(buf, n, v);
        if (strcmp(buf, shortest) != 0) {
                /* a longer string is only chosen when rrdtool's parser reads it as v too */
                const char *end;
                r = num_rrd_strtod(buf, &end);
                REQUIRE(*end == '\0' && same_bits(r, v));
        }

        n = num_format_rrd_e10(buf, v);
        REQUIRE(n < NUM_BUF_SIZE && n == strlen(buf));
        if (isfinite(v))
                REQUIRE(num_parse_double(buf, n, &r) == 0);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
        char *text = malloc(size + 1);
        const char *end;
        double v;

        if (!text)
                return 0;
        memcpy(text, data, size);
        text[size] = '\0';

        /* the correct parser takes a length: no NUL, embedded NULs are just bad input */
        if (num_parse_double((const char *) data, size, &v) == 0)
                check_value(v);

        v = num_rrd_strtod(text, &end);
        REQUIRE(end >= text && end <= text + strlen(text));
        if (end != text)
                check_value(v);

        if (num_rrd_parse_value(text, &v) == 0)
                check_value(v);

        if (size >= sizeof(double)) {
                memcpy(&v, data, sizeof(v));
                check_value(v);
        }
        free(text);
        return 0;
}
