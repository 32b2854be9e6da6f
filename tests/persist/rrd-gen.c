/* SPDX-License-Identifier: MIT */
/* Random RRD states and exact comparisons for the persist tests. */

#include "rrd-gen.h"

#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rrdd/macro.h"

uint64_t gen_next(GenRng *g) {
        /* splitmix64: good enough, and any seed works. */
        uint64_t z = (g->s += UINT64_C(0x9e3779b97f4a7c15));
        z = (z ^ (z >> 30)) * UINT64_C(0xbf58476d1ce4e5b9);
        z = (z ^ (z >> 27)) * UINT64_C(0x94d049bb133111eb);
        return z ^ (z >> 31);
}

uint64_t gen_below(GenRng *g, uint64_t n) {
        return n ? gen_next(g) % n : 0;
}

double gen_unit(GenRng *g) {
        return (double) (gen_next(g) >> 11) * 0x1.0p-53;
}

static const uint64_t steps[] = {1, 2, 5, 10, 60, 300};
static const uint32_t pdps[] = {1, 2, 3, 4, 7, 12};
static const uint32_t rowss[] = {1, 2, 5, 10, 30};
static const double xffs[] = {0, .25, .5, .75, .99};

/* Definitions of a random scenario. */
static void gen_defs(GenRng *g, const GenOptions *o, uint64_t *step, int64_t *start, RrdDsDef *ds,
                     size_t *n_ds, RrdRraDef *rra, size_t *n_rra) {
        static const char *const long_names[] = {"memory_internal_free", "vbd_xvda_iops_total",
                                                 "pif_aggr_rx", "cpu0", "vif_0_tx_errors"};
        *step = steps[gen_below(g, ELEMENTSOF(steps))];
        *start = 1000000000 + (int64_t) gen_below(g, 100000);
        *n_ds = 1 + gen_below(g, o->max_ds ? o->max_ds : 5);
        for (size_t i = 0; i < *n_ds; i++) {
                RrdDsDef *d = &ds[i];
                uint64_t hb[] = {*step / 2, *step, 2 * *step, 10 * *step, 100 * *step};
                double mins[] = {(double) NAN, 0, -10}, maxs[] = {(double) NAN, 100, 1e6};
                *d = (RrdDsDef){};
                d->type = (RrdDsType) gen_below(g, o->no_d_types ? 4 : _RRD_DS_TYPE_MAX);
                d->heartbeat_s = hb[gen_below(g, 5)];
                if (d->heartbeat_s < 1)
                        d->heartbeat_s = 1;
                d->min = mins[gen_below(g, 3)];
                d->max = maxs[gen_below(g, 3)];
                if (!o->rrdtool_names && gen_below(g, 3) == 0)
                        (void) snprintf(d->name, sizeof(d->name), "%s_%zu",
                                        long_names[gen_below(g, ELEMENTSOF(long_names))], i);
                else
                        (void) snprintf(d->name, sizeof(d->name), "ds%zu", i);
        }
        *n_rra = 1 + gen_below(g, o->max_rra ? o->max_rra : 5);
        for (size_t i = 0; i < *n_rra; i++)
                rra[i] = (RrdRraDef){
                        .cf = (RrdCf) gen_below(g, _RRD_CF_MAX),
                        .xff = xffs[gen_below(g, ELEMENTSOF(xffs))],
                        .pdp_per_row = pdps[gen_below(g, ELEMENTSOF(pdps))],
                        .rows = rowss[gen_below(g, ELEMENTSOF(rowss))],
                };
}

/* Per-DS generator state: counters move forward, sometimes wrap. */
typedef struct Counter {
        uint64_t u;
        int64_t i;
} Counter;

/* One random value for a data source, as text (for rrdtool) and as the engine value. */
static void gen_value(GenRng *g, const RrdDsDef *d, Counter *c, char *text, size_t size,
                      RrdValue *v) {
        if (gen_below(g, 10) == 0) {
                (void) snprintf(text, size, "U");
                *v = RRD_VALUE_U;
                return;
        }
        switch (d->type) {
        case RRD_DS_COUNTER:
                if (gen_below(g, 20) == 0)
                        c->u = gen_below(g, 1000); /* a wrap (or reset) */
                else
                        c->u += gen_below(g, 100000);
                (void) snprintf(text, size, "%" PRIu64, c->u);
                *v = rrd_value_u64(c->u);
                return;
        case RRD_DS_DERIVE:
                c->i += (int64_t) gen_below(g, 20000) - 7000;
                if (gen_below(g, 30) == 0)
                        c->i = -c->i;
                (void) snprintf(text, size, "%" PRId64, c->i);
                *v = rrd_value_i64(c->i);
                return;
        default: {
                /* Short decimals, as a sampler would print them; some integral. */
                double x;
                switch (gen_below(g, 4)) {
                case 0:
                        x = (double) (int64_t) gen_below(g, 2000) - 500.0;
                        break;
                case 1:
                        x = gen_unit(g);
                        break;
                default:
                        x = (gen_unit(g) - 0.3) * pow(10.0, (double) gen_below(g, 9) - 2.0);
                        break;
                }
                (void) snprintf(text, size, "%.6g", x);
                char *end;
                double parsed = strtod(text, &end);
                *v = rrd_value_double(parsed);
                return;
        }
        }
}

static const uint64_t gap_kinds = 10;

static uint64_t gen_gap(GenRng *g, uint64_t step) {
        switch (gen_below(g, gap_kinds)) {
        case 0:
                return 1;
        case 1:
                return 2;
        case 2:
                return 3;
        case 3:
                return step / 2 ? step / 2 : 1;
        case 4:
                return step;
        case 5:
                return step + 1;
        case 6:
                return 2 * step + gen_below(g, step);
        case 7:
                return 5 * step;
        case 8:
                return gen_below(g, 8) == 0 ? 200 * step : 20 * step;
        default:
                return step;
        }
}

int gen_random_rrd(GenRng *g, const GenOptions *o, Rrd **ret) {
        RrdDsDef ds[64];
        RrdRraDef rra[RRD_MAX_RRA];
        size_t n_ds, n_rra;
        uint64_t step;
        int64_t t;
        uint32_t usec = 0;
        Rrd *rrd = NULL;
        Counter c[64] = {};
        RrdValue v[64];
        char text[64];
        int r;

        gen_defs(g, o, &step, &t, ds, &n_ds, rra, &n_rra);
        r = rrd_new(&rrd, step, t, ds, n_ds, rra, n_rra);
        if (r < 0)
                return r;
        for (size_t k = 0; k < o->n_updates; k++) {
                t += (int64_t) gen_gap(g, step);
                usec = gen_below(g, 5) == 0 ? (uint32_t) gen_below(g, 1000000) : 0;
                for (size_t i = 0; i < n_ds; i++) {
                        gen_value(g, &ds[i], &c[i], text, sizeof(text), &v[i]);
                        /* The engine also takes raw doubles for any type; cover those kinds. */
                        if (ds[i].type == RRD_DS_GAUGE && gen_below(g, 8) == 0)
                                v[i] = rrd_value_i64((int64_t) gen_below(g, 100));
                }
                r = rrd_update_at(rrd, t, usec, v);
                if (r < 0 && r != -ERANGE) {
                        rrd_destroy(rrd);
                        return r;
                }
        }
        *ret = rrd;
        return 0;
}

int gen_random_scenario(GenRng *g, const GenOptions *o, uint64_t *ret_step, int64_t *ret_start,
                        RrdDsDef *ds, size_t *ret_n_ds, RrdRraDef *rra, size_t *ret_n_rra,
                        char ***ret_lines, size_t *ret_n_lines) {
        Counter c[64] = {};
        char **lines;
        size_t n_ds, n_rra;
        int64_t t;
        RrdValue v;

        gen_defs(g, o, ret_step, ret_start, ds, &n_ds, rra, &n_rra);
        lines = calloc(o->n_updates ? o->n_updates : 1, sizeof(char *));
        if (!lines)
                return -ENOMEM;
        t = *ret_start;
        for (size_t k = 0; k < o->n_updates; k++) {
                char buf[64 * 40], *p = buf;
                uint32_t usec = gen_below(g, 5) == 0 ? (uint32_t) gen_below(g, 1000000) : 0;
                t += (int64_t) gen_gap(g, *ret_step);
                p += usec ? sprintf(p, "%" PRId64 ".%06" PRIu32, t, usec)
                          : sprintf(p, "%" PRId64, t);
                for (size_t i = 0; i < n_ds; i++) {
                        char text[64];
                        gen_value(g, &ds[i], &c[i], text, sizeof(text), &v);
                        p += sprintf(p, ":%s", text);
                }
                lines[k] = strdup(buf);
                if (!lines[k]) {
                        for (size_t j = 0; j < k; j++)
                                free(lines[j]);
                        free(lines);
                        return -ENOMEM;
                }
        }
        *ret_n_ds = n_ds;
        *ret_n_rra = n_rra;
        *ret_lines = lines;
        *ret_n_lines = o->n_updates;
        return 0;
}

int gen_layout_rrd(GenRng *g, RrdLayoutKind kind, const RrdLayoutOptions *opts, size_t n_ds,
                   size_t n_updates, Rrd **ret) {
        static const char *const names[] = {"cpu", "memory", "vif_rx", "vbd_read", "load"};
        RrdRraDef rra[RRD_LAYOUT_MAX_RRA];
        _cleanup_free_ RrdDsDef *ds = calloc(n_ds, sizeof(*ds));
        _cleanup_free_ RrdValue *v = calloc(n_ds, sizeof(*v));
        _cleanup_free_ double *row = calloc(n_ds, sizeof(*row));
        _cleanup_free_ uint64_t *ctr = calloc(n_ds, sizeof(*ctr));
        size_t n_rra = rrd_layout(kind, opts, rra);
        Rrd *rrd = NULL;
        int64_t t = 1700000000;
        int r;

        if (!ds || !v || !row || !ctr)
                return -ENOMEM;
        for (size_t i = 0; i < n_ds; i++) {
                char name[64];
                RrdDsType type = i % 3 == 0   ? RRD_DS_GAUGE
                                 : i % 3 == 1 ? RRD_DS_DERIVE
                                              : RRD_DS_ABSOLUTE;
                (void) snprintf(name, sizeof(name), "%s%zu", names[i % ELEMENTSOF(names)], i);
                r = rrd_layout_ds(&ds[i], name, type, type == RRD_DS_GAUGE ? 0.0 : (double) NAN,
                                  (double) NAN);
                if (r < 0)
                        return r;
        }
        r = rrd_new(&rrd, RRD_DEFAULT_STEP_S, t, ds, n_ds, rra, n_rra);
        if (r < 0)
                return r;
        /* Every row filled first, then real updates on top, so rows and scratch are both live. */
        for (size_t a = 0; a < n_rra; a++)
                for (uint32_t i_row = 0; i_row < rra[a].rows; i_row++) {
                        for (size_t i = 0; i < n_ds; i++)
                                row[i] = gen_below(g, 50) == 0 ? (double) NAN : gen_unit(g) * 1e4;
                        rrd_rra_set_row(rrd, a, i_row, row);
                }
        for (size_t k = 0; k < n_updates; k++) {
                t += 5;
                for (size_t i = 0; i < n_ds; i++) {
                        ctr[i] += gen_below(g, 1000000);
                        if (ds[i].type == RRD_DS_GAUGE)
                                v[i] = rrd_value_double(gen_unit(g));
                        else
                                v[i] = rrd_value_u64(ctr[i]);
                }
                r = rrd_update_at(rrd, t, (uint32_t) gen_below(g, 1000000), v);
                if (r < 0) {
                        rrd_destroy(rrd);
                        return r;
                }
        }
        *ret = rrd;
        return 0;
}

bool gen_same_double(double a, double b) {
        if (isnan(a) || isnan(b))
                return isnan(a) && isnan(b);
        return memcmp(&a, &b, sizeof(a)) == 0;
}

static bool same_value(const RrdValue *a, const RrdValue *b) {
        if (a->kind != b->kind)
                return false;
        switch (a->kind) {
        case RRD_VALUE_INT:
                return a->negative == b->negative && a->magnitude == b->magnitude;
        case RRD_VALUE_DOUBLE:
                return gen_same_double(a->d, b->d);
        default:
                return true;
        }
}

#define DIFF(...)                                                    \
        do {                                                         \
                if (why)                                             \
                        (void) snprintf(why, why_size, __VA_ARGS__); \
                return false;                                        \
        } while (0)

bool gen_rrd_equal(const Rrd *a, const Rrd *b, char *why, size_t why_size) {
        if (rrd_step(a) != rrd_step(b))
                DIFF("step %" PRIu64 " vs %" PRIu64, rrd_step(a), rrd_step(b));
        if (rrd_last_up(a) != rrd_last_up(b) || rrd_last_up_usec(a) != rrd_last_up_usec(b))
                DIFF("last update %" PRId64 ".%06" PRIu32 " vs %" PRId64 ".%06" PRIu32,
                     rrd_last_up(a), rrd_last_up_usec(a), rrd_last_up(b), rrd_last_up_usec(b));
        if (rrd_n_ds(a) != rrd_n_ds(b) || rrd_n_rra(a) != rrd_n_rra(b))
                DIFF("shape %zu/%zu vs %zu/%zu", rrd_n_ds(a), rrd_n_rra(a), rrd_n_ds(b),
                     rrd_n_rra(b));
        for (size_t i = 0; i < rrd_n_ds(a); i++) {
                const RrdDsDef *x = rrd_ds_def(a, i), *y = rrd_ds_def(b, i);
                RrdDsState s, t;
                if (strcmp(x->name, y->name) != 0 || x->type != y->type ||
                    x->heartbeat_s != y->heartbeat_s || !gen_same_double(x->min, y->min) ||
                    !gen_same_double(x->max, y->max))
                        DIFF("ds %zu definition", i);
                rrd_get_ds_state(a, i, &s);
                rrd_get_ds_state(b, i, &t);
                if (!same_value(&s.last_ds, &t.last_ds))
                        DIFF("ds %zu last_ds kind %d/%d %.17g/%.17g", i, s.last_ds.kind,
                             t.last_ds.kind, rrd_value_to_double(&s.last_ds),
                             rrd_value_to_double(&t.last_ds));
                if (!gen_same_double(s.value, t.value) || s.unknown_sec != t.unknown_sec)
                        DIFF("ds %zu value %.17g/%.17g unknown_sec %" PRIu64 "/%" PRIu64, i,
                             s.value, t.value, s.unknown_sec, t.unknown_sec);
        }
        for (size_t r = 0; r < rrd_n_rra(a); r++) {
                const RrdRraDef *x = rrd_rra_def(a, r), *y = rrd_rra_def(b, r);
                if (x->cf != y->cf || !gen_same_double(x->xff, y->xff) ||
                    x->pdp_per_row != y->pdp_per_row || x->rows != y->rows)
                        DIFF("rra %zu definition", r);
                for (size_t i = 0; i < rrd_n_ds(a); i++) {
                        RrdCdpState s, t;
                        rrd_get_cdp_state(a, r, i, &s);
                        rrd_get_cdp_state(b, r, i, &t);
                        if (!gen_same_double(s.value, t.value) ||
                            s.unknown_pdps != t.unknown_pdps ||
                            !gen_same_double(s.primary_value, t.primary_value) ||
                            !gen_same_double(s.secondary_value, t.secondary_value))
                                DIFF("rra %zu ds %zu cdp %.17g/%.17g %" PRIu64 "/%" PRIu64
                                     " p %.17g/%.17g s %.17g/%.17g",
                                     r, i, s.value, t.value, s.unknown_pdps, t.unknown_pdps,
                                     s.primary_value, t.primary_value, s.secondary_value,
                                     t.secondary_value);
                }
                for (uint32_t row = 0; row < x->rows; row++) {
                        const double *p = rrd_rra_row(a, r, row), *q = rrd_rra_row(b, r, row);
                        for (size_t i = 0; i < rrd_n_ds(a); i++)
                                if (!gen_same_double(p[i], q[i]))
                                        DIFF("rra %zu row %" PRIu32 " ds %zu: %.17g vs %.17g", r,
                                             row, i, p[i], q[i]);
                }
        }
        return true;
}

int gen_write_all(const Rrd *rrd, PersistFormat fmt, size_t chunk, GenRng *g, char **ret,
                  size_t *ret_len) {
        return gen_write_all_flags(rrd, fmt, 0, chunk, g, ret, ret_len);
}

int gen_write_all_flags(const Rrd *rrd, PersistFormat fmt, unsigned flags, size_t chunk, GenRng *g,
                        char **ret, size_t *ret_len) {
        _cleanup_(persist_writer_freep) PersistWriter *w = NULL;
        char *buf = NULL;
        size_t len = 0, cap = 0;
        int r;

        r = persist_writer_new(&w, rrd, fmt, flags);
        if (r < 0)
                return r;
        for (;;) {
                size_t want = chunk ? chunk : 1 + (size_t) gen_below(g, 4096);
                if (len + want + 1 > cap) {
                        size_t ncap = (cap ? cap * 2 : 65536) + want + 1;
                        char *n = realloc(buf, ncap);
                        if (!n) {
                                free(buf);
                                return -ENOMEM;
                        }
                        buf = n;
                        cap = ncap;
                }
                ssize_t n = persist_writer_read(w, buf + len, want);
                if (n < 0) {
                        free(buf);
                        return (int) n;
                }
                if ((size_t) n > want) {
                        free(buf);
                        return -EOVERFLOW;
                }
                if (n == 0)
                        break;
                len += (size_t) n;
        }
        buf[len] = '\0';
        *ret = buf;
        *ret_len = len;
        return 0;
}
