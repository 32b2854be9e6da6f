#pragma once
/* SPDX-License-Identifier: MIT */
/*
 * The sampler interface. A source opens once, is asked for samples every tick and emits them
 * through a sink; it never sees the RRD engine. Modelled on a driver vtable with per-instance
 * data, so the daemon can hold any number of sources without knowing what they read.
 */

#include <stdbool.h>
#include <stdint.h>

#include "rrdd/clock.h"

#define SRC_UUID_LEN 36

typedef enum SrcOwnerKind {
        SRC_OWNER_HOST,
        SRC_OWNER_VM,
        SRC_OWNER_SR,
        _SRC_OWNER_KIND_MAX,
} SrcOwnerKind;

/* Who a data source belongs to. uuid is empty for the host. */
typedef struct SrcOwner {
        SrcOwnerKind kind;
        char uuid[SRC_UUID_LEN + 1];
} SrcOwner;

/* The data-source type, with rrdtool's meaning (the RRD engine turns counters into rates). */
typedef enum SrcKind {
        SRC_GAUGE,
        SRC_ABSOLUTE,
        SRC_DERIVE,
        SRC_COUNTER,
        _SRC_KIND_MAX,
} SrcKind;

typedef enum SrcValueType {
        SRC_VALUE_UNKNOWN, /* nothing could be read this time: archived as unknown */
        SRC_VALUE_INT64,
        SRC_VALUE_UINT64,
        SRC_VALUE_DOUBLE,
        _SRC_VALUE_TYPE_MAX,
} SrcValueType;

/*
 * One reading. Every pointer is borrowed for the duration of the emit call only: the sink
 * copies what it keeps, so sources may pass stack buffers.
 */
typedef struct SrcSample {
        SrcOwner owner;
        const char *name;        /* xcp-rrdd's data-source name, e.g. "cpu0", "vif_0_rx" */
        const char *description; /* may be NULL */
        const char *units;       /* xcp-rrdd's units, e.g. "B/s", "(fraction)", "KiB" */
        SrcKind kind;
        SrcValueType value_type;
        union {
                int64_t i64;
                uint64_t u64;
                double d;
        } value;
        double min;      /* -INFINITY when unbounded */
        double max;      /* +INFINITY when unbounded */
        bool is_default; /* archived without being asked for */
        /*
         * Changes when the owner's counters restart (for a VM: its domid, so 0 for dom0), so
         * the daemon knows the next counter delta is not a real one. Sources that announce
         * their owners pass the same value to src_sink_announce(), which is what counts; 0 in
         * a sample means "not applicable".
         */
        uint64_t generation;
        /* When the value was taken (CLOCK_REALTIME, µs); 0 means "at the tick time". */
        usec_t timestamp_usec;
} SrcSample;

/*
 * Where samples go. The daemon provides one; tests provide their own to collect samples.
 * emit() copies the sample. announce() tells the daemon that a VM (or SR) is resident now
 * with the given generation; domain-aware sources (xen, sim) call it once per resident
 * owner per sample() call, even when no value could be read for it.
 */
typedef struct SrcSink {
        int (*emit)(struct SrcSink *sink, const SrcSample *sample);
        int (*announce)(struct SrcSink *sink, const SrcOwner *owner, uint64_t generation);
        void *userdata;
} SrcSink;

static inline int src_sink_emit(SrcSink *sink, const SrcSample *sample) {
        return sink->emit(sink, sample);
}

static inline int src_sink_announce(SrcSink *sink, const SrcOwner *owner, uint64_t generation) {
        return sink->announce ? sink->announce(sink, owner, generation) : 0;
}

/* What sources may be told; filled by the daemon from its own configuration. */
typedef struct SrcConfig {
        const char *proc_root;  /* prefix for /proc and /sys, "/" normally; fixtures in tests */
        const char *plugin_dir; /* xcp-rrdd plugin files, default /dev/shm/metrics */
        const char *sim_dir;    /* simulated VM lifecycle files */
        unsigned sim_count;     /* simulated VMs started at open when sim_dir is empty */
        bool plugin_default;    /* archive every plugin data source, not just default ones */
        /*
         * The xen source is open, so host cpuN, cpu_avg and memory come from the hypervisor;
         * proc leaves them out (in dom0 /proc sees only dom0's vCPUs and memory).
         */
        bool host_from_xen;
        uint64_t seed; /* for the simulator's deterministic randomness */
} SrcConfig;

typedef struct SrcInstance SrcInstance;

/*
 * A source's vtable.
 * open(): 0, -ENODEV when the thing sampled does not exist on this host (not an error to
 *         log), or another -errno.
 * sample(): emits zero or more samples; returns 0 or -errno (the daemon logs with a rate
 *         limit and reopens the source after repeated failures).
 * close(): releases everything open() acquired; called once, also after a failed open().
 */
typedef struct SrcOps {
        const char *name;
        int (*open)(SrcInstance *s, const SrcConfig *cfg);
        int (*sample)(SrcInstance *s, usec_t now, SrcSink *sink);
        void (*close)(SrcInstance *s);
} SrcOps;

/* The static registry: every source compiled in, NULL-terminated. */
extern const SrcOps *const src_registry[];

const SrcOps *src_find(const char *name);

int src_instance_new(SrcInstance **ret, const SrcOps *ops);
SrcInstance *src_instance_free(SrcInstance *s);
static inline void src_instance_freep(SrcInstance **s) {
        if (*s)
                (void) src_instance_free(*s);
}

const SrcOps *src_instance_ops(const SrcInstance *s);
void *src_get_data(const SrcInstance *s);
void src_set_data(SrcInstance *s, void *data);

/* Convenience wrappers that call through the vtable. */
int src_open(SrcInstance *s, const SrcConfig *cfg);
int src_sample(SrcInstance *s, usec_t now, SrcSink *sink);
void src_close(SrcInstance *s);

const char *src_kind_to_string(SrcKind k);
const char *src_owner_kind_to_string(SrcOwnerKind k);
