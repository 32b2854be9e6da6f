#pragma once
/* SPDX-License-Identifier: MIT */
/*
 * rrdtool's command-line syntax: `DS:name:TYPE:heartbeat:min:max`, `RRA:CF:xff:steps:rows` and
 * update arguments `time:v1:v2…`, parsed the way rrdtool create/update parse them. Errors come
 * back as -EINVAL with a one-line reason in the caller's buffer.
 */

#include <stddef.h>
#include <stdint.h>

#include "consolidate/rrd.h"

#define SPEC_ERR_MAX 160

/* Seconds with rrdtool's suffixes s, m, h, d, w, M (31 d), y (366 d); no suffix = seconds. */
int rrd_spec_parse_duration(const char *s, uint64_t *ret);

int rrd_spec_parse_ds(const char *s, RrdDsDef *ret, char err[SPEC_ERR_MAX]);

/* steps and rows may be durations (with a suffix), converted with the RRD's step. */
int rrd_spec_parse_rra(const char *s, uint64_t step_s, RrdRraDef *ret, char err[SPEC_ERR_MAX]);

/*
 * rrd_spec_parse_update() - one update argument for rrd. The time is seconds (fractional
 * allowed, rrdtool's own parser), `N` for now_usec, or negative for relative to now_usec. Values
 * starting with 'U' are unknown; COUNTER wants digits only, DERIVE an optional '-' and digits,
 * the others any number or nan/inf. values must hold rrd_n_ds(rrd) entries.
 */
int rrd_spec_parse_update(const Rrd *rrd, const char *s, uint64_t now_usec, int64_t *ret_t,
                          uint32_t *ret_usec, RrdValue *values, char err[SPEC_ERR_MAX]);
