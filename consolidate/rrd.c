/* SPDX-License-Identifier: MIT */
/*
 * The RRD engine. rrd_update_at() follows rrdtool 1.7.2's update path (process_arg,
 * update_pdp_prep, process_all_pdp_st, update_all_cdp_prep, write_to_rras) in the same order of
 * floating-point operations, because the last bit of every row depends on it. Memory is laid out
 * per archive: CDP scratch as arrays over data sources, and the ring as rows × data sources, so
 * a tick walks memory sequentially. Nothing here allocates after rrd_new().
 */

#include "consolidate/rrd.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

/* rrdtool's COUNTER wrap corrections: 2^32 - 1 (sic), then 2^64 - 2^32. */
#define COUNTER_WRAP32 4294967295.0
#define COUNTER_WRAP64 18446744069414584320.0

typedef struct RrdArchive {
        RrdRraDef def;
        uint32_t cur_row;  /* physical index of the newest row */
        double *ring;      /* rows × n_ds */
        double *cdp_value; /* per DS */
        uint64_t *cdp_unknown;
        double *cdp_primary;
        double *cdp_secondary;
} RrdArchive;

struct Rrd {
        uint64_t step;
        int64_t last_up;
        uint32_t last_up_usec;
        size_t n_ds;
        size_t n_rra;
        RrdDsDef *ds;
        RrdValue *last_ds;
        double *pdp_value;
        uint64_t *pdp_unknown;
        RrdArchive *rra;
        /* Update scratch, sized once so rrd_update_at() never allocates. */
        double *x;   /* rate × seconds brought by this update (pdp_new) */
        double *x_o; /* the part of x that belongs to the first, split-off PDP */
        double *p;   /* the closed PDP value (pdp_temp) */
        /*
         * Everything a tick touches except the rings lives in this one block, in the order a
         * tick walks it: with 1000 RRDs, scattered small allocations made the consolidation
         * loop wait on cache misses.
         */
        void *hot;
};

static const char *const ds_type_names[_RRD_DS_TYPE_MAX] = {
        [RRD_DS_GAUGE] = "GAUGE",     [RRD_DS_ABSOLUTE] = "ABSOLUTE", [RRD_DS_DERIVE] = "DERIVE",
        [RRD_DS_COUNTER] = "COUNTER", [RRD_DS_DCOUNTER] = "DCOUNTER", [RRD_DS_DDERIVE] = "DDERIVE",
};

static const char *const cf_names[_RRD_CF_MAX] = {
        [RRD_CF_AVERAGE] = "AVERAGE",
        [RRD_CF_MIN] = "MIN",
        [RRD_CF_MAX] = "MAX",
        [RRD_CF_LAST] = "LAST",
};

const char *rrd_ds_type_to_string(RrdDsType t) {
        return (unsigned) t < _RRD_DS_TYPE_MAX ? ds_type_names[t] : NULL;
}

RrdDsType rrd_ds_type_from_string(const char *s) {
        if (s)
                for (int i = 0; i < _RRD_DS_TYPE_MAX; i++)
                        if (strcmp(ds_type_names[i], s) == 0)
                                return (RrdDsType) i;
        return _RRD_DS_TYPE_INVALID;
}

const char *rrd_cf_to_string(RrdCf cf) {
        return (unsigned) cf < _RRD_CF_MAX ? cf_names[cf] : NULL;
}

RrdCf rrd_cf_from_string(const char *s) {
        if (s)
                for (int i = 0; i < _RRD_CF_MAX; i++)
                        if (strcmp(cf_names[i], s) == 0)
                                return (RrdCf) i;
        return _RRD_CF_INVALID;
}

/*
 * An integer magnitude as rrdtool's parser would read its decimal digits: exact up to 2^53,
 * beyond that each "m * 10 + digit" step rounds.
 */
static double magnitude_to_double(uint64_t mag) {
        char digits[24];
        size_t n = 0;
        double m = 0.0;

        if (mag <= (UINT64_C(1) << 53))
                return (double) mag;
        do {
                digits[n++] = (char) (mag % 10);
                mag /= 10;
        } while (mag);
        while (n > 0)
                m = m * 10.0 + digits[--n];
        return m;
}

double rrd_value_to_double(const RrdValue *v) {
        switch (v->kind) {
        case RRD_VALUE_DOUBLE:
                return v->d;
        case RRD_VALUE_INT: {
                double m = magnitude_to_double(v->magnitude);
                return v->negative ? -m : m;
        }
        default:
                return (double) NAN;
        }
}

/*
 * new - old for COUNTER/DERIVE. For two integers this is rrdtool's digit-string subtraction:
 * unknown when the signs differ, otherwise the exact difference, read back as rrdtool reads
 * digits. A double on either side (our extension: rrdtool refuses non-integers here) falls back
 * to a plain subtraction.
 */
static double counter_delta(const RrdValue *new_v, const RrdValue *old_v) {
        if (new_v->kind == RRD_VALUE_INT && old_v->kind == RRD_VALUE_INT) {
                uint64_t a = new_v->magnitude, b = old_v->magnitude;
                double d;

                /* rrdtool decides on the '-' character, so "-0" counts as negative. */
                if (new_v->negative != old_v->negative)
                        return (double) NAN;
                if (a >= b)
                        d = magnitude_to_double(a - b);
                else
                        d = -magnitude_to_double(b - a);
                return new_v->negative ? -d : d;
        }
        return rrd_value_to_double(new_v) - rrd_value_to_double(old_v);
}

bool rrd_ds_name_is_valid(const char *name) {
        size_t n;

        if (!name)
                return false;
        n = strlen(name);
        if (n == 0 || n > RRD_DS_NAME_MAX)
                return false;
        for (size_t i = 0; i < n; i++) {
                unsigned char c = (unsigned char) name[i];
                /* Printable ASCII without XML specials; no ':' so legends keep three colons. */
                if (c <= 0x20 || c >= 0x7f || strchr("<>&\"':\\", c))
                        return false;
        }
        return true;
}

int rrd_ds_def_validate(const RrdDsDef *def) {
        if (!rrd_ds_name_is_valid(def->name))
                return -EINVAL;
        if ((unsigned) def->type >= _RRD_DS_TYPE_MAX)
                return -EINVAL;
        if (def->heartbeat_s < 1)
                return -EINVAL;
        if (!isnan(def->min) && !isnan(def->max) && def->min >= def->max)
                return -EINVAL;
        return 0;
}

int rrd_rra_def_validate(const RrdRraDef *def) {
        if ((unsigned) def->cf >= _RRD_CF_MAX)
                return -EINVAL;
        /* rrdtool create wants xff < 1; xcp-rrdd writes 1.0, which behaves, so accept it. */
        if (!(def->xff >= 0.0 && def->xff <= 1.0))
                return -EINVAL;
        if (def->pdp_per_row < 1 || def->rows < 1 || def->rows > RRD_MAX_ROWS)
                return -EINVAL;
        return 0;
}

Rrd *rrd_destroy(Rrd *rrd) {
        if (!rrd)
                return NULL;
        if (rrd->rra)
                for (size_t i = 0; i < rrd->n_rra; i++)
                        free(rrd->rra[i].ring);
        free(rrd->ds);
        free(rrd->hot);
        free(rrd);
        return NULL;
}

/* Carves n elements of size sz out of the hot block, keeping 8-byte alignment. */
static void *carve(char **cursor, size_t n, size_t sz) {
        void *p = *cursor;
        *cursor += (n * sz + 7) & ~(size_t) 7;
        return p;
}

/* Allocates every array for the given shape, contents zeroed. */
static int rrd_alloc(Rrd **ret, uint64_t step, size_t n_ds, const RrdRraDef *rra, size_t n_rra) {
        Rrd *rrd = calloc(1, sizeof(*rrd));
        size_t m = n_ds ? n_ds : 1;
        size_t hot_size;
        char *cursor;

        if (!rrd)
                return -ENOMEM;
        rrd->step = step;
        rrd->n_ds = n_ds;
        rrd->n_rra = n_rra;
        hot_size = ((n_rra * sizeof(RrdArchive) + 7) & ~(size_t) 7) + m * sizeof(RrdValue) +
                   m * 5 * sizeof(double) + n_rra * m * 4 * sizeof(double);
        rrd->hot = calloc(1, hot_size);
        rrd->ds = calloc(m, sizeof(*rrd->ds));
        if (!rrd->hot || !rrd->ds) {
                rrd_destroy(rrd);
                return -ENOMEM;
        }
        cursor = rrd->hot;
        rrd->rra = carve(&cursor, n_rra, sizeof(RrdArchive));
        rrd->last_ds = carve(&cursor, m, sizeof(RrdValue));
        rrd->pdp_value = carve(&cursor, m, sizeof(double));
        rrd->pdp_unknown = carve(&cursor, m, sizeof(uint64_t));
        rrd->x = carve(&cursor, m, sizeof(double));
        rrd->x_o = carve(&cursor, m, sizeof(double));
        rrd->p = carve(&cursor, m, sizeof(double));
        for (size_t i = 0; i < n_rra; i++) {
                RrdArchive *a = &rrd->rra[i];
                a->def = rra[i];
                a->cur_row = rra[i].rows - 1;
                a->cdp_value = carve(&cursor, m, sizeof(double));
                a->cdp_unknown = carve(&cursor, m, sizeof(uint64_t));
                a->cdp_primary = carve(&cursor, m, sizeof(double));
                a->cdp_secondary = carve(&cursor, m, sizeof(double));
        }
        for (size_t i = 0; i < n_rra; i++) {
                RrdArchive *a = &rrd->rra[i];
                a->ring = calloc((size_t) rra[i].rows * m, sizeof(double));
                if (!a->ring) {
                        rrd_destroy(rrd);
                        return -ENOMEM;
                }
        }
        *ret = rrd;
        return 0;
}

/* PDP scratch of a data source that starts existing at last_up (rrdtool create). */
static void ds_init_state(Rrd *rrd, size_t i) {
        rrd->last_ds[i] = RRD_VALUE_U;
        rrd->pdp_value[i] = (double) NAN;
        rrd->pdp_unknown[i] = (uint64_t) rrd->last_up % rrd->step;
}

/* CDP scratch of archive a for data source i, created at last_up. */
static void cdp_init_state(Rrd *rrd, RrdArchive *a, size_t i) {
        uint64_t pdp_start = (uint64_t) rrd->last_up - (uint64_t) rrd->last_up % rrd->step;
        uint64_t cdp_len = (uint64_t) a->def.pdp_per_row * rrd->step;

        a->cdp_value[i] = (double) NAN;
        /* The PDPs of the current CDP that elapsed before the RRD existed count as unknown. */
        a->cdp_unknown[i] = (pdp_start % cdp_len) / rrd->step;
        a->cdp_primary[i] = 0.0;
        a->cdp_secondary[i] = 0.0;
        for (uint32_t r = 0; r < a->def.rows; r++)
                a->ring[(size_t) r * rrd->n_ds + i] = (double) NAN;
}

static bool ds_names_unique(const RrdDsDef *ds, size_t n_ds) {
        for (size_t i = 0; i < n_ds; i++)
                for (size_t j = i + 1; j < n_ds; j++)
                        if (strcmp(ds[i].name, ds[j].name) == 0)
                                return false;
        return true;
}

/**
 * rrd_new() - an RRD as `rrdtool create` makes it.
 * @ret: the new RRD.
 * @step_s: seconds per PDP.
 * @last_up_s: the creation time (rrdtool's --start), > 0.
 * @ds: data-source definitions, @n_ds of them (1 .. RRD_MAX_DS).
 * @rra: archive definitions, @n_rra of them (1 .. RRD_MAX_RRA).
 *
 * Return: 0, -EINVAL for a definition rrdtool would refuse, -ENOMEM.
 */
int rrd_new(Rrd **ret, uint64_t step_s, int64_t last_up_s, const RrdDsDef *ds, size_t n_ds,
            const RrdRraDef *rra, size_t n_rra) {
        Rrd *rrd = NULL;
        int r;

        if (!ret || step_s < 1 || step_s > UINT32_MAX || last_up_s <= 0 || n_ds > RRD_MAX_DS ||
            n_rra < 1 || n_rra > RRD_MAX_RRA || (n_ds > 0 && !ds))
                return -EINVAL;
        for (size_t i = 0; i < n_ds; i++)
                if (rrd_ds_def_validate(&ds[i]) < 0)
                        return -EINVAL;
        if (!ds_names_unique(ds, n_ds))
                return -EINVAL;
        for (size_t i = 0; i < n_rra; i++)
                if (rrd_rra_def_validate(&rra[i]) < 0)
                        return -EINVAL;

        r = rrd_alloc(&rrd, step_s, n_ds, rra, n_rra);
        if (r < 0)
                return r;
        rrd->last_up = last_up_s;
        rrd->last_up_usec = 0;
        for (size_t i = 0; i < n_ds; i++) {
                rrd->ds[i] = ds[i];
                ds_init_state(rrd, i);
        }
        for (size_t a = 0; a < n_rra; a++)
                for (size_t i = 0; i < n_ds; i++)
                        cdp_init_state(rrd, &rrd->rra[a], i);
        *ret = rrd;
        return 0;
}

int rrd_dup(const Rrd *src, Rrd **ret) {
        RrdRraDef defs[RRD_MAX_RRA];
        Rrd *rrd = NULL;
        size_t m = src->n_ds ? src->n_ds : 1;
        int r;

        for (size_t a = 0; a < src->n_rra; a++)
                defs[a] = src->rra[a].def;
        r = rrd_alloc(&rrd, src->step, src->n_ds, defs, src->n_rra);
        if (r < 0)
                return r;
        rrd->last_up = src->last_up;
        rrd->last_up_usec = src->last_up_usec;
        memcpy(rrd->ds, src->ds, m * sizeof(*rrd->ds));
        memcpy(rrd->last_ds, src->last_ds, m * sizeof(*rrd->last_ds));
        memcpy(rrd->pdp_value, src->pdp_value, m * sizeof(double));
        memcpy(rrd->pdp_unknown, src->pdp_unknown, m * sizeof(uint64_t));
        for (size_t a = 0; a < src->n_rra; a++) {
                const RrdArchive *s = &src->rra[a];
                RrdArchive *d = &rrd->rra[a];
                d->cur_row = s->cur_row;
                memcpy(d->ring, s->ring, (size_t) s->def.rows * m * sizeof(double));
                memcpy(d->cdp_value, s->cdp_value, m * sizeof(double));
                memcpy(d->cdp_unknown, s->cdp_unknown, m * sizeof(uint64_t));
                memcpy(d->cdp_primary, s->cdp_primary, m * sizeof(double));
                memcpy(d->cdp_secondary, s->cdp_secondary, m * sizeof(double));
        }
        *ret = rrd;
        return 0;
}

uint64_t rrd_step(const Rrd *rrd) {
        return rrd->step;
}

int64_t rrd_last_up(const Rrd *rrd) {
        return rrd->last_up;
}

uint32_t rrd_last_up_usec(const Rrd *rrd) {
        return rrd->last_up_usec;
}

size_t rrd_n_ds(const Rrd *rrd) {
        return rrd->n_ds;
}

size_t rrd_n_rra(const Rrd *rrd) {
        return rrd->n_rra;
}

const RrdDsDef *rrd_ds_def(const Rrd *rrd, size_t i_ds) {
        return i_ds < rrd->n_ds ? &rrd->ds[i_ds] : NULL;
}

const RrdRraDef *rrd_rra_def(const Rrd *rrd, size_t i_rra) {
        return i_rra < rrd->n_rra ? &rrd->rra[i_rra].def : NULL;
}

int rrd_ds_index(const Rrd *rrd, const char *name) {
        for (size_t i = 0; i < rrd->n_ds; i++)
                if (strcmp(rrd->ds[i].name, name) == 0)
                        return (int) i;
        return -ENOENT;
}

size_t rrd_memory_bytes(const Rrd *rrd) {
        size_t m = rrd->n_ds ? rrd->n_ds : 1;
        size_t b = sizeof(*rrd) + rrd->n_rra * sizeof(RrdArchive);

        b += m * (sizeof(RrdDsDef) + sizeof(RrdValue) + 5 * sizeof(double));
        for (size_t a = 0; a < rrd->n_rra; a++)
                b += m * (4 * sizeof(double)) + (size_t) rrd->rra[a].def.rows * m * sizeof(double);
        return b;
}

/*
 * Step 1 of an update: what this update brings to each data source, as rate × seconds
 * (rrdtool's pdp_new). interval is Δ in seconds, fractional.
 */
static void compute_contributions(Rrd *rrd, const RrdValue *values, double interval) {
        for (size_t i = 0; i < rrd->n_ds; i++) {
                const RrdDsDef *d = &rrd->ds[i];
                const RrdValue *v = &values[i];
                RrdValue *last = &rrd->last_ds[i];
                double x = (double) NAN, rate = (double) NAN;

                /* A gap longer than the heartbeat forgets the previous reading. */
                if ((double) d->heartbeat_s < interval)
                        *last = RRD_VALUE_U;
                else if (v->kind != RRD_VALUE_UNKNOWN) {
                        switch (d->type) {
                        case RRD_DS_COUNTER:
                        case RRD_DS_DERIVE:
                                if (last->kind == RRD_VALUE_UNKNOWN)
                                        break;
                                x = counter_delta(v, last);
                                if (d->type == RRD_DS_COUNTER) {
                                        if (x < 0.0)
                                                x += COUNTER_WRAP32;
                                        if (x < 0.0)
                                                x += COUNTER_WRAP64;
                                }
                                rate = x / interval;
                                break;
                        case RRD_DS_DCOUNTER:
                        case RRD_DS_DDERIVE: {
                                if (last->kind == RRD_VALUE_UNKNOWN)
                                        break;
                                double nv = rrd_value_to_double(v), ov = rrd_value_to_double(last);
                                /* A DCOUNTER going down (away from zero) was reset. */
                                if (d->type == RRD_DS_DCOUNTER &&
                                    ((nv > 0.0 && ov > nv) || (nv < 0.0 && nv > ov)))
                                        break;
                                x = nv - ov;
                                rate = x / interval;
                                break;
                        }
                        case RRD_DS_ABSOLUTE:
                                x = rrd_value_to_double(v);
                                rate = x / interval;
                                break;
                        case RRD_DS_GAUGE:
                        default:
                                rate = rrd_value_to_double(v);
                                x = rate * interval;
                                break;
                        }
                        /* Out-of-range rates make this update's contribution unknown. */
                        if (!isnan(rate) && ((!isnan(d->max) && rate > d->max) ||
                                             (!isnan(d->min) && rate < d->min)))
                                x = (double) NAN;
                }
                rrd->x[i] = x;
                *last = *v;
        }
}

/*
 * ClosePDP (rrdtool's process_pdp_st): finishes the PDP in progress with the part of x that
 * falls before the boundary, computes the value p shared by all `elapsed` closed PDPs, and
 * starts the next PDP with the part after it.
 */
static void close_pdps(Rrd *rrd, const double *x, double interval, double pre, double post,
                       uint64_t elapsed) {
        const double half_step = (double) rrd->step / 2.0;
        const uint64_t span = elapsed * rrd->step;

        for (size_t i = 0; i < rrd->n_ds; i++) {
                double *s = &rrd->pdp_value[i];
                uint64_t *u = &rrd->pdp_unknown[i];
                double pre_unknown = 0.0;

                if (isnan(x[i]))
                        pre_unknown = pre;
                else {
                        if (isnan(*s))
                                *s = 0.0;
                        *s += x[i] / interval * pre;
                }
                /* The 50 % rule looks at what was unknown before this update only. */
                if (interval > (double) rrd->ds[i].heartbeat_s || half_step < (double) *u)
                        rrd->p[i] = (double) NAN;
                else
                        rrd->p[i] = *s / ((double) (span - *u) - pre_unknown);

                if (isnan(x[i])) {
                        *u = (uint64_t) floor(post);
                        *s = (double) NAN;
                } else {
                        *u = 0;
                        *s = x[i] / interval * post;
                }
        }
}

static double cf_initial(RrdCf cf) {
        switch (cf) {
        case RRD_CF_AVERAGE:
                return 0.0;
        case RRD_CF_MAX:
                return -HUGE_VAL;
        case RRD_CF_MIN:
                return HUGE_VAL;
        default:
                return (double) NAN;
        }
}

/*
 * Consolidate (rrdtool's update_cdp_prep + the 1-PDP shortcuts) and the bulk row write, for
 * `elapsed` PDPs all equal to p, the first of which has index pdp_index.
 */
static void consolidate(Rrd *rrd, uint64_t elapsed, uint64_t pdp_index) {
        const size_t n_ds = rrd->n_ds;
        const double *p = rrd->p;

        for (size_t a_i = 0; a_i < rrd->n_rra; a_i++) {
                RrdArchive *a = &rrd->rra[a_i];
                const uint64_t n = a->def.pdp_per_row;
                const uint64_t missing = n - pdp_index % n; /* PDPs still needed for this CDP */
                uint64_t n_rows = 0;

                if (missing <= elapsed) {
                        n_rows = (elapsed - missing) / n + 1;
                        if (n_rows > a->def.rows)
                                n_rows = a->def.rows;
                }

                if (n == 1) {
                        /* Nothing to consolidate; the scratch just remembers the value. */
                        memcpy(a->cdp_primary, p, n_ds * sizeof(double));
                        if (elapsed >= 2)
                                memcpy(a->cdp_secondary, p, n_ds * sizeof(double));
                } else if (n_rows > 0) {
                        const uint64_t carry = (elapsed - missing) % n;
                        const double xff_limit = (double) n * a->def.xff;
                        const RrdCf cf = a->def.cf;

                        for (size_t i = 0; i < n_ds; i++) {
                                double *v = &a->cdp_value[i];
                                uint64_t *u = &a->cdp_unknown[i];
                                const double pi = p[i];

                                if (isnan(pi)) {
                                        *u += missing;
                                        a->cdp_secondary[i] = (double) NAN;
                                } else
                                        a->cdp_secondary[i] = pi;

                                if ((double) *u > xff_limit)
                                        a->cdp_primary[i] = (double) NAN;
                                else {
                                        double cum, cur;
                                        switch (cf) {
                                        case RRD_CF_AVERAGE:
                                                /* All unknown with xff 1 gives 0/0 = NaN. */
                                                cum = isnan(*v) ? 0.0 : *v;
                                                cur = isnan(pi) ? 0.0 : pi;
                                                a->cdp_primary[i] = (cum + cur * (double) missing) /
                                                                    (double) (n - *u);
                                                break;
                                        case RRD_CF_MAX:
                                                cum = isnan(*v) ? -HUGE_VAL : *v;
                                                cur = isnan(pi) ? -HUGE_VAL : pi;
                                                a->cdp_primary[i] = cur > cum ? cur : cum;
                                                break;
                                        case RRD_CF_MIN:
                                                cum = isnan(*v) ? HUGE_VAL : *v;
                                                cur = isnan(pi) ? HUGE_VAL : pi;
                                                a->cdp_primary[i] = cur < cum ? cur : cum;
                                                break;
                                        default:
                                                a->cdp_primary[i] = pi;
                                                break;
                                        }
                                }
                                /* Carry the PDPs past the last full CDP into the next one. */
                                if (carry == 0 || isnan(pi))
                                        *v = cf_initial(cf);
                                else
                                        *v = cf == RRD_CF_AVERAGE ? pi * (double) carry : pi;
                                *u = isnan(pi) ? carry : 0;
                        }
                } else {
                        const RrdCf cf = a->def.cf;

                        for (size_t i = 0; i < n_ds; i++) {
                                double *v = &a->cdp_value[i];
                                const double pi = p[i];

                                if (isnan(pi)) {
                                        a->cdp_unknown[i] += elapsed;
                                        continue;
                                }
                                if (isnan(*v)) {
                                        *v = cf == RRD_CF_AVERAGE ? pi * (double) elapsed : pi;
                                        continue;
                                }
                                switch (cf) {
                                case RRD_CF_AVERAGE:
                                        *v = *v + pi * (double) elapsed;
                                        break;
                                case RRD_CF_MIN:
                                        *v = pi < *v ? pi : *v;
                                        break;
                                case RRD_CF_MAX:
                                        *v = pi > *v ? pi : *v;
                                        break;
                                default:
                                        *v = pi;
                                        break;
                                }
                        }
                }

                /* The bulk fill: the first row gets the primary values, the rest the secondary. */
                for (uint64_t k = 0; k < n_rows; k++) {
                        if (++a->cur_row >= a->def.rows)
                                a->cur_row = 0;
                        memcpy(a->ring + (size_t) a->cur_row * n_ds,
                               k == 0 ? a->cdp_primary : a->cdp_secondary, n_ds * sizeof(double));
                }
        }
}

/**
 * rrd_update_at() - feed one update to the RRD.
 * @rrd: the RRD.
 * @t_s: time of the update, seconds since the epoch.
 * @t_usec: microseconds within @t_s (< 1000000).
 * @values: one value per data source, in definition order.
 *
 * Return: 0; -ERANGE if (t_s, t_usec) is not strictly after the last update; -EINVAL for a
 * negative COUNTER value or an out-of-range t_usec. Nothing changes on error.
 */
int rrd_update_at(Rrd *rrd, int64_t t_s, uint32_t t_usec, const RrdValue *values) {
        const uint64_t step = rrd->step;
        double interval, pre, post;
        uint64_t boundary_last, boundary_now, elapsed, pdp_index;

        if (t_usec >= 1000000)
                return -EINVAL;
        if (t_s < rrd->last_up || (t_s == rrd->last_up && t_usec <= rrd->last_up_usec))
                return -ERANGE;
        for (size_t i = 0; i < rrd->n_ds; i++) {
                if (values[i].kind > RRD_VALUE_INT)
                        return -EINVAL;
                if (rrd->ds[i].type == RRD_DS_COUNTER && values[i].kind == RRD_VALUE_INT &&
                    values[i].negative)
                        return -EINVAL;
        }

        interval = (double) (t_s - rrd->last_up) +
                   (double) ((long) t_usec - (long) rrd->last_up_usec) / 1e6;
        compute_contributions(rrd, values, interval);

        boundary_last = (uint64_t) rrd->last_up - (uint64_t) rrd->last_up % step;
        boundary_now = (uint64_t) t_s - (uint64_t) t_s % step;
        elapsed = (boundary_now - boundary_last) / step;
        pdp_index = boundary_last / step;

        if (elapsed == 0) {
                /* Still inside the same PDP: accumulate. */
                for (size_t i = 0; i < rrd->n_ds; i++) {
                        if (isnan(rrd->x[i]))
                                rrd->pdp_unknown[i] += (uint64_t) floor(interval);
                        else if (isnan(rrd->pdp_value[i]))
                                rrd->pdp_value[i] = rrd->x[i];
                        else
                                rrd->pdp_value[i] += rrd->x[i];
                }
        } else {
                pre = (double) (int64_t) (boundary_now - (uint64_t) rrd->last_up) -
                      (double) rrd->last_up_usec / 1e6;
                post = (double) ((uint64_t) t_s % step) + (double) t_usec / 1e6;

                if (elapsed > 1) {
                        /*
                         * The first PDP is only partly covered by this update: close it on
                         * its own with the share of x that falls into its remaining seconds.
                         */
                        uint64_t head = (uint64_t) (unsigned long) pre % step;
                        if (head > 0) {
                                for (size_t i = 0; i < rrd->n_ds; i++) {
                                        if (!isnan(rrd->x[i]) && interval > 0.0) {
                                                rrd->x_o[i] = rrd->x[i] * (double) head / interval;
                                                rrd->x[i] -= rrd->x_o[i];
                                        } else
                                                rrd->x_o[i] = (double) NAN;
                                }
                                close_pdps(rrd, rrd->x_o, (double) head, (double) head, 0.0, 1);
                                consolidate(rrd, 1, pdp_index);
                                interval -= (double) head;
                                pre -= (double) head;
                                elapsed -= 1;
                                pdp_index += 1;
                        }
                }
                close_pdps(rrd, rrd->x, interval, pre, post, elapsed);
                consolidate(rrd, elapsed, pdp_index);
        }
        rrd->last_up = t_s;
        rrd->last_up_usec = t_usec;
        return 0;
}

void rrd_reset_counters(Rrd *rrd) {
        for (size_t i = 0; i < rrd->n_ds; i++)
                switch (rrd->ds[i].type) {
                case RRD_DS_COUNTER:
                case RRD_DS_DERIVE:
                case RRD_DS_DCOUNTER:
                case RRD_DS_DDERIVE:
                        rrd->last_ds[i] = RRD_VALUE_U;
                        break;
                default:
                        break;
                }
}

void rrd_get_ds_state(const Rrd *rrd, size_t i_ds, RrdDsState *ret) {
        if (i_ds >= rrd->n_ds)
                return;
        ret->last_ds = rrd->last_ds[i_ds];
        ret->value = rrd->pdp_value[i_ds];
        ret->unknown_sec = rrd->pdp_unknown[i_ds];
}

void rrd_set_ds_state(Rrd *rrd, size_t i_ds, const RrdDsState *state) {
        if (i_ds >= rrd->n_ds)
                return;
        rrd->last_ds[i_ds] = state->last_ds;
        rrd->pdp_value[i_ds] = state->value;
        rrd->pdp_unknown[i_ds] = state->unknown_sec;
}

void rrd_get_cdp_state(const Rrd *rrd, size_t i_rra, size_t i_ds, RrdCdpState *ret) {
        if (i_rra >= rrd->n_rra || i_ds >= rrd->n_ds)
                return;
        const RrdArchive *a = &rrd->rra[i_rra];
        ret->value = a->cdp_value[i_ds];
        ret->unknown_pdps = a->cdp_unknown[i_ds];
        ret->primary_value = a->cdp_primary[i_ds];
        ret->secondary_value = a->cdp_secondary[i_ds];
}

void rrd_set_cdp_state(Rrd *rrd, size_t i_rra, size_t i_ds, const RrdCdpState *state) {
        if (i_rra >= rrd->n_rra || i_ds >= rrd->n_ds)
                return;
        RrdArchive *a = &rrd->rra[i_rra];
        a->cdp_value[i_ds] = state->value;
        a->cdp_unknown[i_ds] = state->unknown_pdps;
        a->cdp_primary[i_ds] = state->primary_value;
        a->cdp_secondary[i_ds] = state->secondary_value;
}

int rrd_set_last_up(Rrd *rrd, int64_t t_s, uint32_t t_usec) {
        if (t_s <= 0 || t_usec >= 1000000)
                return -EINVAL;
        rrd->last_up = t_s;
        rrd->last_up_usec = t_usec;
        return 0;
}

/* Physical index of logical row i_row (0 = oldest). */
static size_t physical_row(const RrdArchive *a, size_t i_row) {
        return ((size_t) a->cur_row + 1 + i_row) % a->def.rows;
}

const double *rrd_rra_row(const Rrd *rrd, size_t i_rra, size_t i_row) {
        if (i_rra >= rrd->n_rra || i_row >= rrd->rra[i_rra].def.rows)
                return NULL;
        const RrdArchive *a = &rrd->rra[i_rra];
        return a->ring + physical_row(a, i_row) * rrd->n_ds;
}

void rrd_rra_set_row(Rrd *rrd, size_t i_rra, size_t i_row, const double *values) {
        if (i_rra >= rrd->n_rra || i_row >= rrd->rra[i_rra].def.rows)
                return;
        RrdArchive *a = &rrd->rra[i_rra];
        memcpy(a->ring + physical_row(a, i_row) * rrd->n_ds, values, rrd->n_ds * sizeof(double));
}

double rrd_rra_value_back(const Rrd *rrd, size_t i_rra, size_t i_back, size_t i_ds) {
        if (i_rra >= rrd->n_rra || i_ds >= rrd->n_ds)
                return (double) NAN;
        const RrdArchive *a = &rrd->rra[i_rra];
        if (i_back >= a->def.rows)
                return (double) NAN;
        size_t phys = ((size_t) a->cur_row + a->def.rows - i_back) % a->def.rows;
        return a->ring[phys * rrd->n_ds + i_ds];
}

int64_t rrd_rra_end_time(const Rrd *rrd, size_t i_rra) {
        uint64_t len = (uint64_t) rrd->rra[i_rra].def.pdp_per_row * rrd->step;
        return rrd->last_up - (int64_t) ((uint64_t) rrd->last_up % len);
}

/* Rebuilds every per-DS array with a new column set; keep[j] is the old index or -1 (new). */
static int rrd_reshape(Rrd *rrd, size_t n_new, const long *keep, const RrdDsDef *added) {
        RrdRraDef defs[RRD_MAX_RRA];
        Rrd *n = NULL;
        int r;

        for (size_t a = 0; a < rrd->n_rra; a++)
                defs[a] = rrd->rra[a].def;
        r = rrd_alloc(&n, rrd->step, n_new, defs, rrd->n_rra);
        if (r < 0)
                return r;
        n->last_up = rrd->last_up;
        n->last_up_usec = rrd->last_up_usec;
        for (size_t j = 0; j < n_new; j++) {
                if (keep[j] >= 0) {
                        size_t o = (size_t) keep[j];
                        n->ds[j] = rrd->ds[o];
                        n->last_ds[j] = rrd->last_ds[o];
                        n->pdp_value[j] = rrd->pdp_value[o];
                        n->pdp_unknown[j] = rrd->pdp_unknown[o];
                } else {
                        n->ds[j] = *added;
                        ds_init_state(n, j);
                }
        }
        for (size_t a = 0; a < rrd->n_rra; a++) {
                RrdArchive *src = &rrd->rra[a], *dst = &n->rra[a];
                dst->cur_row = src->cur_row;
                for (size_t j = 0; j < n_new; j++) {
                        if (keep[j] < 0) {
                                cdp_init_state(n, dst, j);
                                continue;
                        }
                        size_t o = (size_t) keep[j];
                        dst->cdp_value[j] = src->cdp_value[o];
                        dst->cdp_unknown[j] = src->cdp_unknown[o];
                        dst->cdp_primary[j] = src->cdp_primary[o];
                        dst->cdp_secondary[j] = src->cdp_secondary[o];
                        for (uint32_t row = 0; row < src->def.rows; row++)
                                dst->ring[(size_t) row * n_new + j] =
                                        src->ring[(size_t) row * rrd->n_ds + o];
                }
        }
        /* Swap contents so the caller's pointer stays valid. */
        Rrd tmp = *rrd;
        *rrd = *n;
        *n = tmp;
        rrd_destroy(n);
        return 0;
}

int rrd_add_ds(Rrd *rrd, const RrdDsDef *def) {
        long keep[RRD_MAX_DS];

        if (rrd_ds_def_validate(def) < 0)
                return -EINVAL;
        if (rrd_ds_index(rrd, def->name) >= 0)
                return -EEXIST;
        if (rrd->n_ds >= RRD_MAX_DS)
                return -E2BIG;
        for (size_t j = 0; j < rrd->n_ds; j++)
                keep[j] = (long) j;
        keep[rrd->n_ds] = -1;
        return rrd_reshape(rrd, rrd->n_ds + 1, keep, def);
}

int rrd_remove_ds(Rrd *rrd, size_t i_ds) {
        long keep[RRD_MAX_DS];

        if (i_ds >= rrd->n_ds)
                return -ENOENT;
        for (size_t j = 0, o = 0; o < rrd->n_ds; o++)
                if (o != i_ds)
                        keep[j++] = (long) o;
        return rrd_reshape(rrd, rrd->n_ds - 1, keep, NULL);
}
