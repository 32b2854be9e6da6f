/* SPDX-License-Identifier: MIT */
/* Parsers for rrdtool's DS, RRA and update syntax. */

#include "consolidate/spec.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "consolidate/num.h"

#define SPEC_FIELDS_MAX 8
#define SPEC_TOKEN_MAX 256

static int fail(char *err, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static int fail(char *err, const char *fmt, ...) {
        va_list ap;

        if (err) {
                va_start(ap, fmt);
                (void) vsnprintf(err, SPEC_ERR_MAX, fmt, ap);
                va_end(ap);
        }
        return -EINVAL;
}

/* Splits s at ':' into at most max fields held in buf. Return: field count, or -E2BIG. */
static int split(const char *s, char *buf, size_t buf_size, char **fields, int max) {
        size_t len = strlen(s);
        int n = 0;

        if (len >= buf_size)
                return -E2BIG;
        memcpy(buf, s, len + 1);
        fields[n++] = buf;
        for (char *p = buf; *p; p++)
                if (*p == ':') {
                        if (n >= max)
                                return -E2BIG;
                        *p = '\0';
                        fields[n++] = p + 1;
                }
        return n;
}

int rrd_spec_parse_duration(const char *s, uint64_t *ret) {
        static const struct {
                char suffix;
                uint64_t seconds;
        } units[] = {
                {'s', 1},      {'m', 60},         {'h', 3600},        {'d', 86400},
                {'w', 604800}, {'M', 31 * 86400}, {'y', 366 * 86400},
        };
        size_t len = strlen(s), digits = len;
        uint64_t v, mult = 1;

        if (len == 0)
                return -EINVAL;
        if (s[len - 1] < '0' || s[len - 1] > '9') {
                bool found = false;
                for (size_t i = 0; i < sizeof(units) / sizeof(units[0]); i++)
                        if (units[i].suffix == s[len - 1]) {
                                mult = units[i].seconds;
                                found = true;
                        }
                if (!found)
                        return -EINVAL;
                digits = len - 1;
        }
        if (num_parse_u64(s, digits, &v) < 0)
                return -EINVAL;
        if (v > UINT64_MAX / mult)
                return -ERANGE;
        *ret = v * mult;
        return 0;
}

static bool has_suffix(const char *s) {
        size_t len = strlen(s);
        return len > 0 && (s[len - 1] < '0' || s[len - 1] > '9');
}

static int parse_bound(const char *s, double *ret) {
        if (strcmp(s, "U") == 0) {
                *ret = (double) NAN;
                return 0;
        }
        return num_rrd_parse_value(s, ret);
}

int rrd_spec_parse_ds(const char *s, RrdDsDef *ret, char err[SPEC_ERR_MAX]) {
        char buf[SPEC_TOKEN_MAX], *f[SPEC_FIELDS_MAX];
        RrdDsDef d = {};
        int n = split(s, buf, sizeof(buf), f, SPEC_FIELDS_MAX);

        if (n != 6 || strcmp(f[0], "DS") != 0)
                return fail(err, "'%s': expected DS:name:TYPE:heartbeat:min:max", s);
        if (!rrd_ds_name_is_valid(f[1]))
                return fail(err, "'%s': invalid data-source name '%s'", s, f[1]);
        strcpy(d.name, f[1]);
        d.type = rrd_ds_type_from_string(f[2]);
        if ((int) d.type < 0)
                return fail(err, "'%s': unknown data-source type '%s'", s, f[2]);
        if (rrd_spec_parse_duration(f[3], &d.heartbeat_s) < 0 || d.heartbeat_s < 1)
                return fail(err, "'%s': invalid heartbeat '%s'", s, f[3]);
        if (parse_bound(f[4], &d.min) < 0)
                return fail(err, "'%s': invalid min '%s'", s, f[4]);
        if (parse_bound(f[5], &d.max) < 0)
                return fail(err, "'%s': invalid max '%s'", s, f[5]);
        if (!isnan(d.min) && !isnan(d.max) && d.min >= d.max)
                return fail(err, "'%s': min must be less than max", s);
        *ret = d;
        return 0;
}

int rrd_spec_parse_rra(const char *s, uint64_t step_s, RrdRraDef *ret, char err[SPEC_ERR_MAX]) {
        char buf[SPEC_TOKEN_MAX], *f[SPEC_FIELDS_MAX];
        RrdRraDef d = {};
        uint64_t steps, rows;
        double xff;
        int n = split(s, buf, sizeof(buf), f, SPEC_FIELDS_MAX);

        if (n != 5 || strcmp(f[0], "RRA") != 0)
                return fail(err, "'%s': expected RRA:CF:xff:steps:rows", s);
        d.cf = rrd_cf_from_string(f[1]);
        if ((int) d.cf < 0)
                return fail(err, "'%s': unknown consolidation function '%s'", s, f[1]);
        if (num_rrd_parse_value(f[2], &xff) < 0 || !(xff >= 0.0 && xff < 1.0))
                return fail(err, "'%s': xff must be a number in [0, 1)", s);
        d.xff = xff;
        if (rrd_spec_parse_duration(f[3], &steps) < 0 || steps < 1)
                return fail(err, "'%s': invalid steps '%s'", s, f[3]);
        if (has_suffix(f[3])) {
                if (steps % step_s != 0)
                        return fail(err, "'%s': %s is not a multiple of the step", s, f[3]);
                steps /= step_s;
        }
        if (rrd_spec_parse_duration(f[4], &rows) < 0 || rows < 1)
                return fail(err, "'%s': invalid rows '%s'", s, f[4]);
        if (has_suffix(f[4])) {
                if (rows % (steps * step_s) != 0)
                        return fail(err, "'%s': %s is not a multiple of the row length", s, f[4]);
                rows /= steps * step_s;
        }
        if (steps > UINT32_MAX || rows > RRD_MAX_ROWS)
                return fail(err, "'%s': archive too large", s);
        d.pdp_per_row = (uint32_t) steps;
        d.rows = (uint32_t) rows;
        *ret = d;
        return 0;
}

static int parse_value(const RrdDsDef *d, const char *tok, RrdValue *ret, char *err) {
        size_t len = strlen(tok), i = 0;
        double v;

        if (tok[0] == 'U') {
                *ret = RRD_VALUE_U;
                return 0;
        }
        switch (d->type) {
        case RRD_DS_COUNTER:
        case RRD_DS_DERIVE: {
                RrdValue iv = {.kind = RRD_VALUE_INT};
                if (d->type == RRD_DS_DERIVE && tok[0] == '-') {
                        iv.negative = true;
                        i = 1;
                }
                if (len == i)
                        return fail(err, "'%s' for %s: not a simple %sinteger", tok, d->name,
                                    d->type == RRD_DS_COUNTER ? "unsigned " : "");
                for (size_t k = i; k < len; k++)
                        if (tok[k] < '0' || tok[k] > '9')
                                return fail(err, "'%s' for %s: not a simple %sinteger", tok,
                                            d->name, d->type == RRD_DS_COUNTER ? "unsigned " : "");
                if (num_parse_u64(tok + i, len - i, &iv.magnitude) < 0)
                        return fail(err, "'%s' for %s: more than 64 bits", tok, d->name);
                *ret = iv;
                return 0;
        }
        default:
                if (len == 0 || num_rrd_parse_value(tok, &v) < 0)
                        return fail(err, "'%s' for %s: not a number", tok, d->name);
                *ret = rrd_value_double(v);
                return 0;
        }
}

int rrd_spec_parse_update(const Rrd *rrd, const char *s, uint64_t now_usec, int64_t *ret_t,
                          uint32_t *ret_usec, RrdValue *values, char err[SPEC_ERR_MAX]) {
        char buf[4096], *fields[RRD_MAX_DS + 1];
        size_t n_ds = rrd_n_ds(rrd), len = strlen(s);
        size_t n = 0;
        double t;

        if (len >= sizeof(buf))
                return fail(err, "update too long (%zu bytes)", len);
        memcpy(buf, s, len + 1);
        fields[n++] = buf;
        for (char *p = buf; *p; p++)
                if (*p == ':') {
                        if (n > n_ds)
                                return fail(err, "'%s': more values than the %zu data sources", s,
                                            n_ds);
                        *p = '\0';
                        fields[n++] = p + 1;
                }
        if (n != n_ds + 1)
                return fail(err, "'%s': expected %zu values, found %zu", s, n_ds, n - 1);

        if (strcmp(fields[0], "N") == 0)
                t = (double) (now_usec / 1000000) + (double) (now_usec % 1000000) / 1e6;
        else {
                const char *end;
                t = num_rrd_strtod(fields[0], &end);
                if (end == fields[0] || *end != '\0' || !isfinite(t))
                        return fail(err, "'%s': invalid time '%s'", s, fields[0]);
                if (t < 0.0)
                        t += (double) (now_usec / 1000000) + (double) (now_usec % 1000000) / 1e6;
        }
        if (!(t >= 1.0 && t < 9.2e18))
                return fail(err, "'%s': time out of range", s);
        double whole = floor(t);
        for (size_t i = 0; i < n_ds; i++) {
                int r = parse_value(rrd_ds_def(rrd, i), fields[i + 1], &values[i], err);
                if (r < 0)
                        return r;
        }
        *ret_t = (int64_t) whole;
        *ret_usec = (uint32_t) (long) ((t - whole) * 1e6);
        return 0;
}
