/* SPDX-License-Identifier: MIT */
/*
 * Number text in archives.
 *
 * Writing: the shortest decimal that reads back as the same double both with a correctly rounded
 * parser and with rrdtool's rrd_strtod (num_format_rrd_exact), so our reader and `rrdtool
 * restore` store identical bits; NaN / Infinity / -Infinity spelled as xcp-rrdd does, and zero
 * with its sign.
 *
 * Reading: a token in exactly rrdtool's dump shape, [-]d.dddddddddde[+-]dd, is parsed with
 * rrdtool's own rrd_strtod (num_rrd_strtod), so an `rrdtool dump` file loads into the very
 * doubles `rrdtool restore` would store; rrd_strtod is not correctly rounded and differs in the
 * last bit for about a quarter of such tokens. Every other token goes through the correctly
 * rounded parser. The writer never emits a token of that shape unless rrd_strtod reads it back
 * exactly, so our own archives round-trip bit for bit whichever parser a token meets.
 */

#include "persist/numtext.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

static bool is_digit(char c) {
        return c >= '0' && c <= '9';
}

/**
 * persist_is_rrd_e10_text() - whether text has the exact shape rrdtool's %0.10e produces.
 * @s: the text.
 * @n: its length.
 *
 * Return: true for [-]d.dddddddddde(+|-)dd[d].
 */
bool persist_is_rrd_e10_text(const char *s, size_t n) {
        size_t i = 0;

        if (n > 0 && s[0] == '-')
                i = 1;
        if (n - i < 16 || n - i > 17)
                return false;
        if (!is_digit(s[i]) || s[i + 1] != '.')
                return false;
        for (size_t k = i + 2; k < i + 12; k++)
                if (!is_digit(s[k]))
                        return false;
        if (s[i + 12] != 'e' || (s[i + 13] != '+' && s[i + 13] != '-'))
                return false;
        for (size_t k = i + 14; k < n; k++)
                if (!is_digit(s[k]))
                        return false;
        return true;
}

static size_t format_zero(char *buf, double v) {
        /* num_format_*() drop the sign of zero; a DERIVE PDP can be -0.0. */
        if (signbit(v)) {
                memcpy(buf, "-0.0", 5);
                return 4;
        }
        memcpy(buf, "0.0", 4);
        return 3;
}

/* Text of rrdtool's %0.10e shape is read with rrd_strtod: keep such text only if that is exact. */
static size_t keep_exact_for_reader(char *buf, size_t n, double v) {
        if (persist_is_rrd_e10_text(buf, n) && num_rrd_strtod(buf, NULL) != v)
                /* 16 fraction digits: never the %0.10e shape, still exact for a correct parser. */
                n = (size_t) snprintf(buf, NUM_BUF_SIZE, "%.16e", v);
        return n;
}

/**
 * persist_format_double() - a double as archive text.
 * @buf: at least NUM_BUF_SIZE bytes; NUL-terminated on return.
 * @v: the value.
 *
 * When no decimal of at most 17 digits satisfies both parsers (a fifth of
 * full-precision values), the text is the correctly rounded shortest one, and only `rrdtool
 * restore` may land a few ulps away.
 *
 * Return: the length written.
 */
size_t persist_format_double(char *buf, double v) {
        if (v == 0.0)
                return format_zero(buf, v);
        return keep_exact_for_reader(buf, num_format_rrd_exact(buf, v), v);
}

/**
 * persist_format_double_shortest() - a double as the shortest correctly rounded text.
 * @buf: at least NUM_BUF_SIZE bytes; NUL-terminated on return.
 * @v: the value.
 *
 * Like persist_format_double(), still exact through our reader, but without the search for a
 * text rrd_strtod also reads back exactly: about 3x cheaper on full-precision values, for
 * answers that no rrdtool restore will read.
 *
 * Return: the length written.
 */
size_t persist_format_double_shortest(char *buf, double v) {
        if (v == 0.0)
                return format_zero(buf, v);
        return keep_exact_for_reader(buf, num_format_shortest(buf, v), v);
}

/**
 * persist_parse_double() - archive text to a double.
 * @s: the text, trimmed, with a NUL at s[n].
 * @n: its length.
 * @ret: the value.
 *
 * Return: 0, or -EINVAL when the whole text is not a number (NaN, Infinity, inf in any case
 * count as numbers).
 */
int persist_parse_double(const char *s, size_t n, double *ret) {
        if (persist_is_rrd_e10_text(s, n)) {
                const char *end;
                double v = num_rrd_strtod(s, &end);
                if (end == s + n) {
                        *ret = v;
                        return 0;
                }
        }
        return num_parse_double(s, n, ret) < 0 ? -EINVAL : 0;
}
