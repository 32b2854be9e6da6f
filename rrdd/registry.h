#pragma once
/* SPDX-License-Identifier: MIT */
/*
 * The registry of RRDs: one for the host, one per VM, one per SR, with every data source ever
 * reported for each owner ("known" data sources, archived or not). It is the SrcSink the sources
 * emit into: samples are buffered during a tick and applied to the RRDs at its end, because a
 * plugin may report for a VM that a domain source announces later in the same tick.
 * The registry does no I/O: loading and saving archives is the caller's, through the entry
 * states below.
 */

#include <stdbool.h>
#include <stdint.h>

#include "consolidate/layout.h"
#include "consolidate/rrd.h"
#include "sources/source.h"

typedef struct Registry Registry;

typedef enum EntryState {
        ENTRY_NEW,            /* owner seen, RRD not decided yet (archive lookup pending) */
        ENTRY_LOADING,        /* its archive is being read; samples are not applied */
        ENTRY_LIVE,           /* has an RRD that ticks update */
        ENTRY_ARCHIVING,      /* gone; a copy is being written; dropped once written */
        ENTRY_ARCHIVE_FAILED, /* gone; the write failed: kept in memory, retried */
} EntryState;

/* A data source reported for an owner, with what its source said about it. */
typedef struct KnownDs {
        char *name;
        char *description;
        char *units;
        SrcKind kind;
        double min, max; /* as reported; ±inf when unbounded */
        bool is_default;
        bool wanted; /* asked to be archived (record), or default */
        uint64_t last_seen_tick;
        RrdValue value; /* value of the current tick, when present */
        bool present;
} KnownDs;

typedef struct RrdEntry {
        SrcOwnerKind kind;
        char uuid[SRC_UUID_LEN + 1];
        EntryState state;
        Rrd *rrd;            /* NULL before it is created or loaded */
        uint64_t generation; /* counters restart when it changes (VM domid) */
        bool has_generation;
        uint64_t announced_tick; /* VMs: last tick a domain source said it is resident */
        int announcer;           /* index of the source that announced it */
        uint64_t sampled_tick;   /* last tick with at least one sample */
        uint64_t pending_generation;
        bool has_pending_generation;
        KnownDs *known;
        size_t n_known, cap_known;
        size_t hint;  /* where the next sample's name is likely to be */
        long *column; /* per known DS: index in rrd, or -1 */
        size_t cap_column;
        RrdValue *values; /* scratch for rrd_update_at(), one per RRD column */
        size_t cap_values;
        /* Archive bookkeeping, for the daemon. */
        bool job_in_flight; /* a save or load of it is with the worker */
        unsigned n_archive_failures;
        uint64_t archive_retry_tick;
        uint64_t n_refused_updates; /* clock went backwards */
} RrdEntry;

typedef struct RegistryOptions {
        uint64_t step_s;
        RrdLayoutOptions vm_layout; /* min_max: create_min_max_in_new_VM_RRDs; last */
        RrdLayoutOptions host_layout;
        bool archive_all;      /* plugin_default: archive every data source */
        bool domain_sources;   /* some source announces residency (xen, sim) */
        uint64_t vanish_ticks; /* without domain sources: ticks without samples ⇒ gone */
        const char *host_uuid;
} RegistryOptions;

int registry_new(Registry **ret, const RegistryOptions *opts);
Registry *registry_free(Registry *r);
static inline void registry_freep(Registry **r) {
        if (*r)
                (void) registry_free(*r);
}

/* The sink sources emit into; valid for the registry's lifetime. */
SrcSink *registry_sink(Registry *r);

/*
 * Begins a tick: samples emitted from now on belong to tick number tick_no. source_index names
 * the source about to sample (for residency attribution); set it before each source.
 */
void registry_begin_tick(Registry *r, uint64_t tick_no);
void registry_set_source(Registry *r, int source_index, bool sampled_ok);

/* Results of applying a tick. */
typedef struct TickResult {
        size_t n_updated;
        size_t n_refused; /* updates refused because time went backwards */
        size_t n_created;
        size_t n_ds_added;
} TickResult;

/*
 * Applies the buffered samples at time tick_s: creates RRDs for new owners that have no archive
 * (the caller decided, see registry_entries_needing_decision()), adds newly reported data
 * sources, restarts counters on a new generation, updates every live RRD that had samples or is
 * resident. Owners that left are put in state ENTRY_ARCHIVING for the caller to save.
 */
int registry_apply_tick(Registry *r, int64_t tick_s, TickResult *ret);

/* Whether the owner is running here this tick (VMs: announced; others: sampled). */
bool registry_is_resident(const Registry *r, const RrdEntry *e);
uint64_t registry_tick(const Registry *r);

/* Lookup and iteration. The host entry has kind SRC_OWNER_HOST and the host uuid. */
RrdEntry *registry_host(Registry *r);
RrdEntry *registry_find(Registry *r, SrcOwnerKind kind, const char *uuid);
/* Iterates every entry, host first; *state starts at 0. */
RrdEntry *registry_next(Registry *r, size_t *state);
size_t registry_count(const Registry *r, SrcOwnerKind kind);

/*
 * Lifecycle helpers for the daemon.
 * registry_decide_new(): a NEW entry gets a fresh RRD at the next apply (has_archive false),
 * or waits in ENTRY_LOADING (true) until registry_loaded() hands over the loaded RRD (or NULL
 * when loading failed: then a fresh one is created). generation is the owner's generation
 * when the archive was written, if known: counters carry on only if the owner still has it;
 * when unknown (NULL), the first counter delta after the load is unknown rather than risk a
 * delta against another incarnation's counters.
 */
void registry_decide_new(Registry *r, RrdEntry *e, bool has_archive);
int registry_loaded(Registry *r, RrdEntry *e, Rrd *rrd, const uint64_t *generation);
/* Written successfully: drops the entry unless the owner came back meanwhile. */
void registry_archived(Registry *r, RrdEntry *e);
void registry_archive_failed(Registry *r, RrdEntry *e, uint64_t retry_tick);
/* Replaces (or creates) an entry's RRD wholesale, e.g. an upload from a pool member. */
int registry_replace(Registry *r, SrcOwnerKind kind, const char *uuid, Rrd *rrd);
/* Removes an entry now, whatever its state. */
void registry_drop(Registry *r, RrdEntry *e);

/* Data-source management (xe *-data-source-record / -forget). */
int registry_record_ds(Registry *r, RrdEntry *e, const char *name);
int registry_forget_ds(Registry *r, RrdEntry *e, const char *name);

/* The newest 5 s AVERAGE value of a data source ("current value"), NaN when none. */
double registry_current_value(const RrdEntry *e, size_t i_ds);
