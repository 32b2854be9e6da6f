#pragma once
/* SPDX-License-Identifier: MIT */
/*
 * Numbers as text, without libc's locale or speed problems: rrdtool's own parser and %0.10e
 * printer reproduced exactly (so we read and write what rrdtool does, bit for bit), and a fast
 * shortest round-trip formatter with a correctly rounded parser for our own archives.
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Enough for any output of this module, NUL included. */
#define NUM_BUF_SIZE 40

/*
 * num_rrd_strtod() - rrdtool 1.7.2's rrd_strtod(): digits accumulated into a double one by one,
 * then scaled by powers of ten through repeated squaring. Not correctly rounded, on purpose.
 * Leading whitespace and a sign are accepted; *ret_end points after the last character used
 * (== s when nothing was converted). Out-of-range exponents return HUGE_VAL.
 */
double num_rrd_strtod(const char *s, const char **ret_end);

/*
 * num_rrd_parse_value() - how rrdtool reads a GAUGE/ABSOLUTE/DCOUNTER/DDERIVE update value or a
 * create-time min/max: the whole token must be a number (rrd_strtod), or nan/inf/-inf in any
 * case. Return: 0, or -EINVAL if the token is not entirely a number.
 */
int num_rrd_parse_value(const char *s, double *ret);

/*
 * num_format_rrd_e10() - rrdtool's rrd_snprintf("%0.10e", v), bit for bit (x87 long double
 * arithmetic, round half up), as used in `rrdtool dump` and xport. NaN prints "NaN",
 * infinities "inf" / "-inf", -0.0 "0.0000000000e+00". Return: the length written (no NUL
 * counted); buf must hold NUM_BUF_SIZE bytes.
 */
size_t num_format_rrd_e10(char *buf, double v);

/*
 * num_format_shortest() - the shortest decimal that parses back to exactly v (correctly
 * rounded), in the style of C's %.17g: "0.5", "300", "1e-05", "1.5e+16", "0.1". Zero of either
 * sign prints "0.0", NaN "NaN", infinities "Infinity" / "-Infinity" (xcp-rrdd's spellings,
 * which Python float(), JavaScript Number() and rrdtool restore all read). Return: length
 * written; buf must hold NUM_BUF_SIZE bytes.
 * Note: scientific notation starts at exponent 15, as in %.15g (xcp-rrdd's format), which is
 * what gives "1.5e+16" above; %.17g would print 15000000000000000.
 */
size_t num_format_shortest(char *buf, double v);

/*
 * num_format_rrd_exact() - the shortest decimal (at most 17 significant digits, laid out as
 * num_format_shortest() does) that reads back as exactly v both with a correctly rounded parser
 * and with num_rrd_strtod() (`rrdtool restore`); the shortest round-trip string when no such
 * decimal exists. Zero, NaN and infinities as num_format_shortest(). Return: length written;
 * buf must hold NUM_BUF_SIZE bytes.
 */
size_t num_format_rrd_exact(char *buf, double v);

/*
 * num_parse_double() - a correctly rounded parser for decimal text of length len (no NUL
 * needed): [sign] digits [. digits] [e|E [sign] digits], plus NaN/nan/-nan, inf/-inf,
 * Infinity/-Infinity in any case. Return: 0, or -EINVAL unless all of the text is consumed.
 */
int num_parse_double(const char *s, size_t len, double *ret);

/* Integers as decimal text; return the length written (buf of NUM_BUF_SIZE). */
size_t num_format_u64(char *buf, uint64_t v);
size_t num_format_i64(char *buf, int64_t v);

/*
 * num_parse_u64() / num_parse_i64() - strict decimal integers of length len: optional sign
 * ('-' only for i64, '+' never), digits only, no overflow. Return: 0 or -EINVAL / -ERANGE.
 */
int num_parse_u64(const char *s, size_t len, uint64_t *ret);
int num_parse_i64(const char *s, size_t len, int64_t *ret);
