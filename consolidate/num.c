/* SPDX-License-Identifier: MIT */
/*
 * Numbers as text. The rrdtool-compatible routines reproduce rrdtool's own algorithms (their
 * rounding is part of the file format); the others are for our own archives and wire formats.
 */

#include "consolidate/num.h"

#include <errno.h>
#include <float.h>
#include <locale.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

static bool is_space(char c) {
        return c == ' ' || c == '\t' || c == '\n' || c == '\v' || c == '\f' || c == '\r';
}

static bool is_digit(char c) {
        return c >= '0' && c <= '9';
}

/**
 * num_rrd_strtod() - rrdtool's decimal parser, reproduced for identical rounding.
 * @s: text, NUL-terminated.
 * @ret_end: set to the first character not used (s itself when there were no digits).
 *
 * Every digit, before or after the point, goes into one double as m = m * 10 + d; the decimal
 * exponent is then applied by repeated squaring of 10, dividing for negative exponents. Both
 * steps round, which is why this differs from a correctly rounded strtod in the last bit for
 * about a quarter of decimal inputs.
 *
 * Return: the value; 0.0 when no digits were found; HUGE_VAL for an exponent out of range.
 */
double num_rrd_strtod(const char *s, const char **ret_end) {
        const char *p = s;
        double m = 0.0, p10;
        int exp10 = 0, n_digits = 0, n;
        bool negative = false;

        if (ret_end)
                *ret_end = s;
        while (is_space(*p))
                p++;
        if (*p == '-' || *p == '+')
                negative = *p++ == '-';
        for (; is_digit(*p); p++, n_digits++)
                m = m * 10.0 + (*p - '0');
        if (*p == '.') {
                for (p++; is_digit(*p); p++, n_digits++, exp10--)
                        m = m * 10.0 + (*p - '0');
        }
        if (n_digits == 0)
                return 0.0;
        if (negative)
                m = -m;
        if (*p == 'e' || *p == 'E') {
                bool exp_negative = false;
                int e = 0;

                p++;
                if (*p == '-' || *p == '+')
                        exp_negative = *p++ == '-';
                /* rrdtool accumulates the exponent in an int too; cap it to stay defined. */
                for (; is_digit(*p); p++)
                        if (e < 100000)
                                e = e * 10 + (*p - '0');
                exp10 += exp_negative ? -e : e;
        }
        if (exp10 < DBL_MIN_EXP || exp10 > DBL_MAX_EXP) {
                if (ret_end)
                        *ret_end = p;
                return HUGE_VAL;
        }
        p10 = 10.0;
        n = exp10 < 0 ? -exp10 : exp10;
        while (n) {
                if (n & 1) {
                        if (exp10 < 0)
                                m /= p10;
                        else
                                m *= p10;
                }
                n >>= 1;
                p10 *= p10;
        }
        if (ret_end)
                *ret_end = p;
        return m;
}

/**
 * num_rrd_parse_value() - an update value or min/max as rrdtool reads it.
 * @s: the token.
 * @ret: the number.
 *
 * Return: 0, or -EINVAL when the token is empty or not entirely a number.
 */
int num_rrd_parse_value(const char *s, double *ret) {
        const char *end;
        const char *t = s;

        while (is_space(*t))
                t++;
        if (strcasecmp(t, "nan") == 0 || strcasecmp(t, "-nan") == 0 ||
            strcasecmp(t, "+nan") == 0) {
                *ret = NAN;
                return 0;
        }
        if (strcasecmp(t, "inf") == 0 || strcasecmp(t, "+inf") == 0) {
                *ret = INFINITY;
                return 0;
        }
        if (strcasecmp(t, "-inf") == 0) {
                *ret = -INFINITY;
                return 0;
        }
        double v = num_rrd_strtod(s, &end);
        if (end == s || *end != '\0')
                return -EINVAL;
        *ret = v;
        return 0;
}

static locale_t c_locale(void) {
        static locale_t loc = (locale_t) 0;

        if (loc == (locale_t) 0)
                loc = newlocale(LC_ALL_MASK, "C", (locale_t) 0);
        return loc;
}

size_t num_format_rrd_e10(char *buf, double v) {
        if (isnan(v))
                return (size_t) snprintf(buf, NUM_BUF_SIZE, "NaN");
        if (isinf(v))
                return (size_t) snprintf(buf, NUM_BUF_SIZE, v > 0 ? "inf" : "-inf");
        if (v == 0.0)
                v = 0.0; /* rrdtool prints -0.0 without its sign */
        return (size_t) snprintf(buf, NUM_BUF_SIZE, "%0.10e", v);
}

size_t num_format_shortest(char *buf, double v) {
        if (isnan(v))
                return (size_t) snprintf(buf, NUM_BUF_SIZE, "NaN");
        if (isinf(v))
                return (size_t) snprintf(buf, NUM_BUF_SIZE, v > 0 ? "Infinity" : "-Infinity");
        if (v == 0.0)
                return (size_t) snprintf(buf, NUM_BUF_SIZE, "0.0");
        for (int prec = 1; prec <= 17; prec++) {
                int n = snprintf(buf, NUM_BUF_SIZE, "%.*g", prec, v);
                if (strtod_l(buf, NULL, c_locale()) == v)
                        return (size_t) n;
        }
        return (size_t) snprintf(buf, NUM_BUF_SIZE, "%.17g", v);
}

static int parse_special(const char *s, size_t len, double *ret) {
        size_t i = 0;
        bool negative = false;

        if (i < len && (s[i] == '-' || s[i] == '+'))
                negative = s[i++] == '-';
        if (len - i == 3 && strncasecmp(s + i, "nan", 3) == 0) {
                *ret = NAN;
                return 0;
        }
        if ((len - i == 3 && strncasecmp(s + i, "inf", 3) == 0) ||
            (len - i == 8 && strncasecmp(s + i, "infinity", 8) == 0)) {
                *ret = negative ? -INFINITY : INFINITY;
                return 0;
        }
        return -EINVAL;
}

int num_parse_double(const char *s, size_t len, double *ret) {
        char tmp[128];
        size_t i = 0;
        bool any_digit = false;

        if (parse_special(s, len, ret) == 0)
                return 0;
        if (len == 0 || len >= sizeof(tmp))
                return -EINVAL;
        /* Only the plain decimal grammar: strtod alone would also take hex and "0x". */
        if (s[i] == '-' || s[i] == '+')
                i++;
        for (; i < len && is_digit(s[i]); i++)
                any_digit = true;
        if (i < len && s[i] == '.')
                for (i++; i < len && is_digit(s[i]); i++)
                        any_digit = true;
        if (!any_digit)
                return -EINVAL;
        if (i < len && (s[i] == 'e' || s[i] == 'E')) {
                size_t j = i + 1;
                if (j < len && (s[j] == '-' || s[j] == '+'))
                        j++;
                if (j >= len || !is_digit(s[j]))
                        return -EINVAL;
                for (; j < len && is_digit(s[j]); j++)
                        ;
                i = j;
        }
        if (i != len)
                return -EINVAL;
        memcpy(tmp, s, len);
        tmp[len] = '\0';
        *ret = strtod_l(tmp, NULL, c_locale());
        return 0;
}

size_t num_format_u64(char *buf, uint64_t v) {
        char tmp[24];
        size_t n = 0;

        do {
                tmp[n++] = (char) ('0' + v % 10);
                v /= 10;
        } while (v);
        for (size_t i = 0; i < n; i++)
                buf[i] = tmp[n - 1 - i];
        buf[n] = '\0';
        return n;
}

size_t num_format_i64(char *buf, int64_t v) {
        if (v >= 0)
                return num_format_u64(buf, (uint64_t) v);
        buf[0] = '-';
        return 1 + num_format_u64(buf + 1, (uint64_t) 0 - (uint64_t) v);
}

int num_parse_u64(const char *s, size_t len, uint64_t *ret) {
        uint64_t v = 0;

        if (len == 0)
                return -EINVAL;
        for (size_t i = 0; i < len; i++) {
                if (!is_digit(s[i]))
                        return -EINVAL;
                unsigned d = (unsigned) (s[i] - '0');
                if (v > (UINT64_MAX - d) / 10)
                        return -ERANGE;
                v = v * 10 + d;
        }
        *ret = v;
        return 0;
}

int num_parse_i64(const char *s, size_t len, int64_t *ret) {
        uint64_t mag;
        bool negative = false;
        int r;

        if (len > 0 && s[0] == '-') {
                negative = true;
                s++;
                len--;
        }
        r = num_parse_u64(s, len, &mag);
        if (r < 0)
                return r;
        if (negative) {
                if (mag > (uint64_t) INT64_MAX + 1)
                        return -ERANGE;
                *ret = (int64_t) ((uint64_t) 0 - mag);
        } else {
                if (mag > (uint64_t) INT64_MAX)
                        return -ERANGE;
                *ret = (int64_t) mag;
        }
        return 0;
}
