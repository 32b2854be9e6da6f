#pragma once
/* SPDX-License-Identifier: MIT */
/*
 * Test helpers for persist/: RRDs in random but reproducible states (built by driving the
 * engine with random updates, as the differential tests do), RRDs in the default layouts, and
 * an exact comparison of two RRDs' whole state.
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "consolidate/layout.h"
#include "consolidate/rrd.h"

typedef struct GenRng {
        uint64_t s;
} GenRng;

uint64_t gen_next(GenRng *g);
uint64_t gen_below(GenRng *g, uint64_t n); /* 0 .. n-1 */
double gen_unit(GenRng *g);                /* [0, 1) */

typedef struct GenOptions {
        size_t max_ds;      /* 1 .. ; data sources drawn from 1..max_ds */
        size_t max_rra;     /* 1 .. */
        size_t n_updates;   /* updates driven through the engine */
        bool rrdtool_names; /* names of at most 19 characters (rrdtool's limit) */
        bool no_d_types;    /* leave out DCOUNTER and DDERIVE */
} GenOptions;

/* A random RRD with every type, U values, fractional times, wraps and long gaps. */
int gen_random_rrd(GenRng *g, const GenOptions *opts, Rrd **ret);

/*
 * The update arguments a random scenario would feed to rrdtool ("T[.frac]:v1:v2..."), for the
 * librrd side of interop tests: fills defs and returns the lines through ret_lines (malloc'd,
 * each malloc'd). Values are short decimals so that rrdtool keeps them verbatim in last_ds.
 */
int gen_random_scenario(GenRng *g, const GenOptions *opts, uint64_t *ret_step, int64_t *ret_start,
                        RrdDsDef *ds, size_t *ret_n_ds, RrdRraDef *rra, size_t *ret_n_rra,
                        char ***ret_lines, size_t *ret_n_lines);

/* An RRD in a default layout (consolidate/layout.h) with realistic data sources, driven by
 * n_updates 5-s updates and with every row filled. */
int gen_layout_rrd(GenRng *g, RrdLayoutKind kind, const RrdLayoutOptions *opts, size_t n_ds,
                   size_t n_updates, Rrd **ret);

/* Bitwise equality, NaN equal to any NaN. */
bool gen_same_double(double a, double b);

/*
 * Compares every field of two RRDs (definitions, last update with microseconds, PDP and CDP
 * scratch including primary/secondary values, every row). On the first difference writes a
 * description to why (if not NULL) and returns false.
 */
bool gen_rrd_equal(const Rrd *a, const Rrd *b, char *why, size_t why_size);

#include "persist/writer.h"

/*
 * The whole document in one malloc'd buffer (NUL-terminated), read from the writer in pieces of
 * `chunk` bytes, or of random sizes 1..4096 when chunk is 0 and g is given.
 */
int gen_write_all(const Rrd *rrd, PersistFormat fmt, size_t chunk, GenRng *g, char **ret,
                  size_t *ret_len);
/* The same with writer flags. */
int gen_write_all_flags(const Rrd *rrd, PersistFormat fmt, unsigned flags, size_t chunk, GenRng *g,
                        char **ret, size_t *ret_len);
