#pragma once
/* SPDX-License-Identifier: MIT */
/*
 * The in-memory round-robin database: data sources, their PDP scratch, archives (RRAs) with
 * CDP scratch and rings. Arithmetic is rrdtool 1.7.2's, operation for operation, so rows and
 * scratch values are bit-identical to librrd's for the same update stream. No I/O, no clock,
 * no logging: times are arguments.
 */

#include <errno.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define RRD_DS_NAME_MAX 127 /* bytes, without the NUL; rrdtool itself allows 19 */
#define RRD_MAX_DS 4096
#define RRD_MAX_RRA 64
#define RRD_MAX_ROWS (1U << 24)

typedef enum RrdDsType {
        RRD_DS_GAUGE,
        RRD_DS_ABSOLUTE,
        RRD_DS_DERIVE,
        RRD_DS_COUNTER,
        RRD_DS_DCOUNTER,
        RRD_DS_DDERIVE,
        _RRD_DS_TYPE_MAX,
        _RRD_DS_TYPE_INVALID = -EINVAL,
} RrdDsType;

typedef enum RrdCf {
        RRD_CF_AVERAGE,
        RRD_CF_MIN,
        RRD_CF_MAX,
        RRD_CF_LAST,
        _RRD_CF_MAX,
        _RRD_CF_INVALID = -EINVAL,
} RrdCf;

const char *rrd_ds_type_to_string(RrdDsType t);
RrdDsType rrd_ds_type_from_string(const char *s); /* exact, case-sensitive, as rrdtool */
const char *rrd_cf_to_string(RrdCf cf);
RrdCf rrd_cf_from_string(const char *s); /* exact, case-sensitive */

/*
 * One input value, or the remembered last input of a data source (rrdtool's last_ds).
 * Integers keep their exact digits so COUNTER/DERIVE deltas are computed the way rrdtool
 * subtracts digit strings; doubles are what GAUGE & co. receive.
 */
typedef enum RrdValueKind {
        RRD_VALUE_UNKNOWN,
        RRD_VALUE_DOUBLE,
        RRD_VALUE_INT, /* (negative ? -1 : 1) * magnitude */
} RrdValueKind;

typedef struct RrdValue {
        uint8_t kind;  /* RrdValueKind */
        bool negative; /* RRD_VALUE_INT only */
        union {
                uint64_t magnitude; /* RRD_VALUE_INT */
                double d;           /* RRD_VALUE_DOUBLE */
        };
} RrdValue;

#define RRD_VALUE_U ((RrdValue){.kind = RRD_VALUE_UNKNOWN})

static inline RrdValue rrd_value_double(double d) {
        return (RrdValue){.kind = RRD_VALUE_DOUBLE, .d = d};
}

static inline RrdValue rrd_value_u64(uint64_t u) {
        return (RrdValue){.kind = RRD_VALUE_INT, .magnitude = u};
}

static inline RrdValue rrd_value_i64(int64_t i) {
        return (RrdValue){.kind = RRD_VALUE_INT,
                          .negative = i < 0,
                          .magnitude = i < 0 ? (uint64_t) 0 - (uint64_t) i : (uint64_t) i};
}

/* The number a value stands for, as rrdtool would parse its digits (NaN when unknown). */
double rrd_value_to_double(const RrdValue *v);

typedef struct RrdDsDef {
        char name[RRD_DS_NAME_MAX + 1];
        RrdDsType type;
        uint64_t heartbeat_s; /* minimal_heartbeat */
        double min;           /* NaN = unbounded */
        double max;           /* NaN = unbounded */
} RrdDsDef;

typedef struct RrdRraDef {
        RrdCf cf;
        double xff; /* [0, 1] */
        uint32_t pdp_per_row;
        uint32_t rows;
} RrdRraDef;

/* PDP scratch of one data source (the <ds> block of a dump). */
typedef struct RrdDsState {
        RrdValue last_ds; /* the last input, or unknown */
        double value;     /* running sum of rate × seconds of the PDP in progress, NaN if none */
        uint64_t unknown_sec; /* whole unknown seconds in the PDP in progress */
} RrdDsState;

/* CDP scratch of one archive × data source. */
typedef struct RrdCdpState {
        double value;           /* AVERAGE: sum of PDPs; MIN/MAX: running extreme; LAST: last */
        uint64_t unknown_pdps;  /* unknown PDPs in the CDP in progress */
        double primary_value;   /* value of the first row written by the last bulk write */
        double secondary_value; /* value of the other rows of that write */
} RrdCdpState;

typedef struct Rrd Rrd;

/*
 * Naming note: librrd exports rrd_update(), rrd_fetch() and rrd_free(), and tools, tests and
 * benchmarks link librrd next to this engine, so those three are spelt rrd_update_at(),
 * rrd_fetch_rows() and rrd_destroy() here.
 */

/*
 * rrd_new() - an empty RRD as `rrdtool create --start last_up_s --step step_s` makes it.
 * Validation follows rrdtool create: names unique and well-formed, heartbeat >= 1,
 * min < max when both set, 0 <= xff < 1, pdp_per_row >= 1, rows >= 1. Return: 0 or -EINVAL.
 */
int rrd_new(Rrd **ret, uint64_t step_s, int64_t last_up_s, const RrdDsDef *ds, size_t n_ds,
            const RrdRraDef *rra, size_t n_rra);
Rrd *rrd_destroy(Rrd *rrd);
static inline void rrd_destroyp(Rrd **p) {
        if (*p)
                (void) rrd_destroy(*p);
}

/* A deep copy (for serialising outside the tick, for instance). */
int rrd_dup(const Rrd *rrd, Rrd **ret);

/* Accessors. */
uint64_t rrd_step(const Rrd *rrd);
int64_t rrd_last_up(const Rrd *rrd);       /* seconds */
uint32_t rrd_last_up_usec(const Rrd *rrd); /* microseconds within that second */
size_t rrd_n_ds(const Rrd *rrd);
size_t rrd_n_rra(const Rrd *rrd);
const RrdDsDef *rrd_ds_def(const Rrd *rrd, size_t i_ds);
const RrdRraDef *rrd_rra_def(const Rrd *rrd, size_t i_rra);
int rrd_ds_index(const Rrd *rrd, const char *name); /* index, or -ENOENT */
size_t rrd_memory_bytes(const Rrd *rrd);

/*
 * rrd_update_at() - one update at (t_s, t_usec) with one value per data source, in index order.
 * Atomic: on error nothing changes (unlike rrdtool, which may have touched last_ds).
 * Return: 0; -ERANGE if the time is not after the last update; -EINVAL for a value the data
 * source type refuses (a negative COUNTER, say) or t_usec >= 1e6.
 */
int rrd_update_at(Rrd *rrd, int64_t t_s, uint32_t t_usec, const RrdValue *values);

/*
 * Forget the last input of every COUNTER/DERIVE-like data source, so the next delta is
 * unknown rather than a spike (used when a VM reboots and its counters restart).
 */
void rrd_reset_counters(Rrd *rrd);

/* Scratch state, for persistence. Setters validate nothing but the index range. */
void rrd_get_ds_state(const Rrd *rrd, size_t i_ds, RrdDsState *ret);
void rrd_set_ds_state(Rrd *rrd, size_t i_ds, const RrdDsState *state);
void rrd_get_cdp_state(const Rrd *rrd, size_t i_rra, size_t i_ds, RrdCdpState *ret);
void rrd_set_cdp_state(Rrd *rrd, size_t i_rra, size_t i_ds, const RrdCdpState *state);
int rrd_set_last_up(Rrd *rrd, int64_t t_s, uint32_t t_usec);

/*
 * Rows in logical order. i_row 0 is the oldest row of the archive, rows-1 the newest; the row
 * is ds-contiguous (n_ds doubles). The newest row ends at rrd_rra_end_time().
 */
const double *rrd_rra_row(const Rrd *rrd, size_t i_rra, size_t i_row);
void rrd_rra_set_row(Rrd *rrd, size_t i_rra, size_t i_row, const double *values);
/* The value i_back rows before the newest (0 = newest). */
double rrd_rra_value_back(const Rrd *rrd, size_t i_rra, size_t i_back, size_t i_ds);
/* Time label of the newest row: last_up - last_up mod (pdp_per_row * step). */
int64_t rrd_rra_end_time(const Rrd *rrd, size_t i_rra);

/*
 * Live schema changes. rrd_add_ds() appends a column to every archive (rows unknown, CDP
 * scratch as if created at the last update); rrd_remove_ds() drops one. These allocate.
 */
int rrd_add_ds(Rrd *rrd, const RrdDsDef *def);
int rrd_remove_ds(Rrd *rrd, size_t i_ds);

/* Validation helpers shared by the loaders. */
bool rrd_ds_name_is_valid(const char *name);
int rrd_ds_def_validate(const RrdDsDef *def);
int rrd_rra_def_validate(const RrdRraDef *def);
