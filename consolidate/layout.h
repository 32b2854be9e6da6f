#pragma once
/* SPDX-License-Identifier: MIT */
/*
 * The default archive layouts of host, VM and SR RRDs: step 5 s, heartbeat 300 s, xff 0.5;
 * tiers 120 × 5 s, 120 × 1 min, 168 × 1 h, 366 × 1 day.
 */

#include <stdbool.h>
#include <stddef.h>

#include "consolidate/rrd.h"

#define RRD_DEFAULT_STEP_S 5
#define RRD_DEFAULT_HEARTBEAT_S 300
#define RRD_DEFAULT_XFF 0.5
#define RRD_LAYOUT_MAX_RRA 16

typedef enum RrdLayoutKind {
        RRD_LAYOUT_HOST,
        RRD_LAYOUT_VM,
        RRD_LAYOUT_SR,
        _RRD_LAYOUT_KIND_MAX,
} RrdLayoutKind;

typedef struct RrdLayoutOptions {
        bool min_max; /* MIN and MAX on the three coarse tiers (always on for the host) */
        bool last;    /* LAST on the three coarse tiers */
} RrdLayoutOptions;

/*
 * rrd_layout() - the archives of a new RRD, tier by tier: AVERAGE first, then MIN, MAX, LAST.
 * The first archive is always the 5 s AVERAGE one. Return: the number written to ret, which
 * must hold RRD_LAYOUT_MAX_RRA.
 */
size_t rrd_layout(RrdLayoutKind kind, const RrdLayoutOptions *opts, RrdRraDef *ret);

/* A data-source definition with the default heartbeat; min/max NaN mean unbounded. */
int rrd_layout_ds(RrdDsDef *ret, const char *name, RrdDsType type, double min, double max);
