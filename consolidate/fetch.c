/* SPDX-License-Identifier: MIT */
/*
 * Reading an RRD back: rrdtool's fetch (rrd_fetch_fn's archive choice and its alignment, which
 * moves an aligned end one row later) and xcp-rrdd's archive choice for /rrd_updates.
 */

#include "consolidate/fetch.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

static bool cf_is_classic(RrdCf cf) {
        return (unsigned) cf < _RRD_CF_MAX;
}

/**
 * rrd_fetch_rows() - rows of one CF between start and end, as rrd_fetch_r() returns them.
 * @rrd: the RRD.
 * @cf: the consolidation function asked for.
 * @start: requested start (exclusive: the first row ends after it).
 * @end: requested end.
 * @req_step: the resolution wished for, seconds (rrdtool's default is 1).
 * @ret: the rows; release with rrd_fetch_done().
 *
 * Return: 0, -ENOENT when no archive serves @cf, -EINVAL for start > end or step 0, -ENOMEM.
 */
int rrd_fetch_rows(const Rrd *rrd, RrdCf cf, int64_t start, int64_t end, uint64_t req_step,
                   RrdFetch *ret) {
        const uint64_t step = rrd_step(rrd);
        const int64_t last_up = rrd_last_up(rrd);
        long best_full = -1, best_part = -1;
        uint64_t best_full_diff = 0, best_part_diff = 0;
        int64_t best_match = 0;

        if (!ret || start > end || req_step == 0 || !cf_is_classic(cf))
                return -EINVAL;

        for (size_t a = 0; a < rrd_n_rra(rrd); a++) {
                const RrdRraDef *d = rrd_rra_def(rrd, a);
                /* A 1-PDP archive of any classic CF serves every classic CF. */
                if (d->cf != cf && d->pdp_per_row != 1)
                        continue;
                uint64_t len = (uint64_t) d->pdp_per_row * step;
                int64_t cal_end = last_up - (int64_t) ((uint64_t) last_up % len);
                int64_t cal_start = cal_end - (int64_t) (len * d->rows);
                uint64_t diff = req_step > len ? req_step - len : len - req_step;

                if (cal_start <= start) {
                        if (best_full < 0 || diff < best_full_diff) {
                                best_full = (long) a;
                                best_full_diff = diff;
                        }
                } else {
                        int64_t match = (end - start) - (cal_start - start);
                        if (best_part < 0 || best_match < match ||
                            (best_match == match && diff < best_part_diff)) {
                                best_part = (long) a;
                                best_part_diff = diff;
                                best_match = match;
                        }
                }
        }
        long chosen = best_full >= 0 ? best_full : best_part;
        if (chosen < 0)
                return -ENOENT;

        const RrdRraDef *d = rrd_rra_def(rrd, (size_t) chosen);
        const int64_t s = (int64_t) ((uint64_t) d->pdp_per_row * step);
        int64_t out_start = start - (start % s + s) % s;
        int64_t out_end = end + (s - (end % s + s) % s);
        size_t n_rows = (size_t) ((out_end - out_start) / s);
        size_t n_ds = rrd_n_ds(rrd);
        double *data = malloc((n_rows ? n_rows : 1) * (n_ds ? n_ds : 1) * sizeof(double));
        if (!data)
                return -ENOMEM;

        const int64_t rra_end = rrd_rra_end_time(rrd, (size_t) chosen);
        const int64_t rra_start = rra_end - s * (int64_t) (d->rows - 1);
        for (size_t r = 0; r < n_rows; r++) {
                int64_t t = out_start + s * (int64_t) (r + 1);
                double *row = data + r * n_ds;
                if (t < rra_start || t > rra_end) {
                        for (size_t i = 0; i < n_ds; i++)
                                row[i] = (double) NAN;
                        continue;
                }
                size_t back = (size_t) ((rra_end - t) / s);
                for (size_t i = 0; i < n_ds; i++)
                        row[i] = rrd_rra_value_back(rrd, (size_t) chosen, back, i);
        }
        *ret = (RrdFetch){
                .start = out_start,
                .end = out_end,
                .step = (uint64_t) s,
                .n_rows = n_rows,
                .n_ds = n_ds,
                .i_rra = (size_t) chosen,
                .data = data,
        };
        return 0;
}

void rrd_fetch_done(RrdFetch *f) {
        if (!f)
                return;
        free(f->data);
        f->data = NULL;
}

/*
 * The candidates for one CF: its own archives, or, if it has no 1-PDP archive of that CF, the
 * first 1-PDP archive of another classic CF standing in for it (one PDP's MIN, MAX, LAST and
 * AVERAGE are all the PDP). cf < 0 means every archive, labelled with its own CF.
 */
static size_t candidates(const Rrd *rrd, int cf, RrdPick *ret, size_t max) {
        size_t n = 0;
        bool has_own_single = false;

        if (cf < 0) {
                for (size_t a = 0; a < rrd_n_rra(rrd) && n < max; a++)
                        ret[n++] = (RrdPick){.i_rra = (uint32_t) a, .cf = rrd_rra_def(rrd, a)->cf};
                return n;
        }
        for (size_t a = 0; a < rrd_n_rra(rrd); a++) {
                const RrdRraDef *d = rrd_rra_def(rrd, a);
                if ((int) d->cf == cf && d->pdp_per_row == 1)
                        has_own_single = true;
        }
        for (size_t a = 0; a < rrd_n_rra(rrd) && n < max; a++) {
                const RrdRraDef *d = rrd_rra_def(rrd, a);
                if ((int) d->cf == cf)
                        ret[n++] = (RrdPick){.i_rra = (uint32_t) a, .cf = (RrdCf) cf};
                else if (!has_own_single && d->pdp_per_row == 1) {
                        ret[n++] = (RrdPick){.i_rra = (uint32_t) a, .cf = (RrdCf) cf};
                        has_own_single = true;
                }
        }
        return n;
}

static bool covers(const Rrd *rrd, const RrdRraDef *d, uint64_t pdp_interval, int64_t last_pdp,
                   int64_t t) {
        if (d->pdp_per_row < pdp_interval)
                return false;
        return t > last_pdp - (int64_t) (rrd_step(rrd) * d->rows * d->pdp_per_row);
}

size_t rrd_pick_archives(const Rrd *rrd, int64_t start, uint64_t interval_s, int cf, RrdPick *ret,
                         size_t max) {
        RrdPick cand[RRD_MAX_RRA];
        const uint64_t step = rrd_step(rrd);
        const int64_t last_pdp = rrd_last_up(rrd) - (int64_t) ((uint64_t) rrd_last_up(rrd) % step);
        const uint64_t pdp_interval = interval_s / step;
        size_t n = candidates(rrd, cf, cand, RRD_MAX_RRA);
        const RrdRraDef *ref = NULL;
        int64_t t = start;

        if (n == 0)
                return 0;
        for (size_t k = 0; k < n && !ref; k++) {
                const RrdRraDef *d = rrd_rra_def(rrd, cand[k].i_rra);
                if (covers(rrd, d, pdp_interval, last_pdp, start))
                        ref = d;
        }
        if (!ref) {
                /* Nothing reaches back to start: the longest archive decides, from its oldest. */
                const RrdRraDef *last = rrd_rra_def(rrd, cand[n - 1].i_rra);
                t = 1 + last_pdp - (int64_t) (step * last->rows * last->pdp_per_row);
        }
        size_t n_out = 0;
        for (size_t k = 0; k < n && n_out < max; k++) {
                const RrdRraDef *d = rrd_rra_def(rrd, cand[k].i_rra);
                if (ref ? (d->rows == ref->rows && d->pdp_per_row == ref->pdp_per_row)
                        : covers(rrd, d, pdp_interval, last_pdp, t))
                        ret[n_out++] = cand[k];
        }
        return n_out;
}

size_t rrd_pick_archives_shape(const Rrd *rrd, uint32_t rows, uint32_t pdp_per_row, int cf,
                               RrdPick *ret, size_t max) {
        RrdPick cand[RRD_MAX_RRA];
        size_t n = candidates(rrd, cf, cand, RRD_MAX_RRA), n_out = 0;

        for (size_t k = 0; k < n && n_out < max; k++) {
                const RrdRraDef *d = rrd_rra_def(rrd, cand[k].i_rra);
                if (d->rows == rows && d->pdp_per_row == pdp_per_row)
                        ret[n_out++] = cand[k];
        }
        return n_out;
}
