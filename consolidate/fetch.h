#pragma once
/* SPDX-License-Identifier: MIT */
/*
 * Reading rows back out of an RRD: rrdtool's fetch (archive choice, alignment, NaN outside the
 * archive) and xcp-rrdd's archive choice for /rrd_updates (first archive at or above the
 * interval that covers start, all CFs of that resolution).
 */

#include <stddef.h>
#include <stdint.h>

#include "consolidate/rrd.h"

typedef struct RrdFetch {
        int64_t start; /* aligned start; the first row is labelled start + step */
        int64_t end;   /* label of the last row */
        uint64_t step; /* seconds per row */
        size_t n_rows; /* (end - start) / step */
        size_t n_ds;
        size_t i_rra; /* the archive the rows came from */
        double *data; /* n_rows × n_ds, oldest row first; owned, free with rrd_fetch_done() */
} RrdFetch;

/*
 * rrd_fetch_rows() - rrd_fetch_r(): candidates are the archives of that CF plus any 1-PDP archive
 * of a classic CF; the best full match (covering start, closest step) wins, else the widest partial
 * match. The end moves one step later even when aligned, as in rrdtool. Return: 0, -ENOENT when no
 * archive matches the CF, -EINVAL when start > end or step is 0.
 */
int rrd_fetch_rows(const Rrd *rrd, RrdCf cf, int64_t start, int64_t end, uint64_t req_step,
                   RrdFetch *ret);
void rrd_fetch_done(RrdFetch *f);

/* An archive picked for an export, maybe standing in for a CF the RRD does not have. */
typedef struct RrdPick {
        uint32_t i_rra; /* archive whose rows are served */
        RrdCf cf;       /* CF the column is labelled with */
} RrdPick;

/*
 * rrd_pick_archives() - xcp-rrdd's choice for /rrd_updates on one RRD. Only archives with
 * pdp_per_row >= interval_s / step qualify. An archive covers t iff
 * t > last_pdp - step * rows * pdp_per_row. The first qualifying archive (of the requested CF,
 * or of any CF when cf < 0) covering start decides the resolution and every archive with its
 * (rows, pdp_per_row) is returned, in stored order; if none covers start, the last qualifying
 * one decides. When a CF is asked for that the RRD lacks, its 1-PDP archive of another classic
 * CF stands in (MIN, MAX and LAST of one PDP are the PDP itself); at coarser resolutions such
 * an RRD contributes nothing.
 * Return: the number of picks written to ret (at most max), 0 if nothing qualifies.
 */
size_t rrd_pick_archives(const Rrd *rrd, int64_t start, uint64_t interval_s, int cf, RrdPick *ret,
                         size_t max);

/* Like rrd_pick_archives(), restricted to archives with exactly (rows, pdp_per_row). */
size_t rrd_pick_archives_shape(const Rrd *rrd, uint32_t rows, uint32_t pdp_per_row, int cf,
                               RrdPick *ret, size_t max);
