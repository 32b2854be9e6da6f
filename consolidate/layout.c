/* SPDX-License-Identifier: MIT */
/* Default archive layouts (SPEC §3), tier by tier. */

#include "consolidate/layout.h"

#include <math.h>
#include <string.h>

static const struct {
        uint32_t rows;
        uint32_t pdp_per_row;
} tiers[] = {
        {120, 1},     /* 5 s for 10 minutes */
        {120, 12},    /* 1 minute for 2 hours */
        {168, 720},   /* 1 hour for a week */
        {366, 17280}, /* 1 day for a year */
};

size_t rrd_layout(RrdLayoutKind kind, const RrdLayoutOptions *opts, RrdRraDef *ret) {
        bool min_max = kind == RRD_LAYOUT_HOST || (opts && opts->min_max);
        bool last = opts && opts->last;
        size_t n = 0;

        for (size_t t = 0; t < sizeof(tiers) / sizeof(tiers[0]); t++) {
                RrdRraDef d = {
                        .cf = RRD_CF_AVERAGE,
                        .xff = RRD_DEFAULT_XFF,
                        .pdp_per_row = tiers[t].pdp_per_row,
                        .rows = tiers[t].rows,
                };
                ret[n++] = d;
                /* MIN, MAX and LAST of a single PDP are the PDP: only coarse tiers get them. */
                if (tiers[t].pdp_per_row == 1)
                        continue;
                if (min_max) {
                        d.cf = RRD_CF_MIN;
                        ret[n++] = d;
                        d.cf = RRD_CF_MAX;
                        ret[n++] = d;
                }
                if (last) {
                        d.cf = RRD_CF_LAST;
                        ret[n++] = d;
                }
        }
        return n;
}

int rrd_layout_ds(RrdDsDef *ret, const char *name, RrdDsType type, double min, double max) {
        RrdDsDef d = {
                .type = type,
                .heartbeat_s = RRD_DEFAULT_HEARTBEAT_S,
                .min = isinf(min) && min < 0 ? (double) NAN : min,
                .max = isinf(max) && max > 0 ? (double) NAN : max,
        };

        if (!name || strlen(name) > RRD_DS_NAME_MAX)
                return -EINVAL;
        strcpy(d.name, name);
        if (rrd_ds_def_validate(&d) < 0)
                return -EINVAL;
        *ret = d;
        return 0;
}
