#pragma once
/* SPDX-License-Identifier: MIT */
/*
 * The daemon object: owns the sources, the registry of RRDs, the archive worker and the tick
 * schedule; rrdd_run() is the epoll loop. Everything runs on one thread except archive I/O.
 * Tests drive it without the loop: rrdd_tick() with chosen times, rrdd_wait_jobs().
 */

#include <stdbool.h>
#include <stdint.h>

#include "rrdd/clock.h"
#include "rrdd/config.h"
#include "rrdd/registry.h"
#include "rrdd/store.h"
#include "sources/source.h"

typedef struct Rrdd Rrdd;

typedef struct RrddStats {
        uint64_t n_ticks;
        uint64_t n_missed_ticks; /* boundaries skipped because a tick ran late */
        uint64_t n_clock_steps;
        uint64_t n_refused_updates; /* updates refused because the clock went backwards */
        uint64_t n_source_errors;
        uint64_t n_archives_written; /* owners that left, written and dropped */
        uint64_t n_archive_failures;
        uint64_t n_backups_written;
        uint64_t n_backup_failures;
        uint64_t n_loads;
        usec_t last_tick_usec; /* duration of the last tick */
        usec_t max_tick_usec;
        double sum_tick_usec;
        uint64_t tick_buckets[12]; /* tick durations ≤ 1,2,5,10,20,50,100,200,500,1000,2000 ms, +inf
                                    */
        /* How late ticks start after their wall-clock boundary, same buckets. */
        usec_t last_lateness_usec;
        usec_t max_lateness_usec;
        double sum_lateness_usec;
        uint64_t lateness_buckets[12];
} RrddStats;

extern const double rrdd_tick_bucket_ms[11];

/*
 * rrdd_new() - a daemon with no sources yet. The config and clock are borrowed for its
 * lifetime; ops/ops_ctx is where archives are written and read.
 */
int rrdd_new(Rrdd **ret, const RrddConfig *cfg, const RrddClock *clock, const ArchiveOps *ops,
             void *ops_ctx, const char *host_uuid);
Rrdd *rrdd_free(Rrdd *d);
static inline void rrdd_freep(Rrdd **d) {
        if (*d)
                (void) rrdd_free(*d);
}

/* Adds an opened source; takes ownership. At most 16. */
int rrdd_add_source(Rrdd *d, SrcInstance *s);

/* Opens the sources the configuration names ("auto" picks what this host has). */
int rrdd_open_sources(Rrdd *d, const SrcConfig *sc);

/* Loads the host RRD from its archive, synchronously (start-up). */
int rrdd_load_host(Rrdd *d);

/* One tick labelled tick_s: sample, apply, archive leavers, snapshots. */
int rrdd_tick(Rrdd *d, int64_t tick_s);

/* Handles finished archive jobs (non-blocking). */
void rrdd_process_jobs(Rrdd *d);
/* Waits for the worker to finish everything submitted, then handles the results. */
void rrdd_wait_jobs(Rrdd *d);

/* Starts a backup of every RRD; rrdd_backup_step() copies and queues up to max of them. */
int rrdd_backup_begin(Rrdd *d);
bool rrdd_backup_step(Rrdd *d, size_t max);

/* Writes every RRD now, on this thread (shutdown). Return: number of failures. */
unsigned rrdd_save_all(Rrdd *d);

/* The snapshot files host-metrics.json and vm-metrics.json in cfg->snapshot_dir. */
int rrdd_write_snapshots(Rrdd *d);

/*
 * Another event source for the loop (the HTTP server): fd is watched for readability, run() is
 * called when it is readable and whenever timeout_msec() (-1: none) has passed.
 */
typedef struct RrddIo {
        int fd;
        int (*run)(void *userdata);
        int (*timeout_msec)(void *userdata);
        void *userdata;
} RrddIo;
int rrdd_add_io(Rrdd *d, const RrddIo *io);

/* Called at the end of every tick (after the RRDs were updated), on the loop thread. */
void rrdd_set_tick_hook(Rrdd *d, void (*hook)(void *userdata), void *userdata);

/* The log level came from the command line: SIGHUP must not take it from the file. */
void rrdd_keep_log_level(Rrdd *d);

/* Called on SIGHUP, after the log level has been re-read from config_path (NULL: none). */
void rrdd_set_reload(Rrdd *d, const char *config_path, void (*hook)(void *userdata),
                     void *userdata);

/* The epoll loop: ticks, jobs, signals, extra I/O. Returns the exit status. */
int rrdd_run(Rrdd *d);

Registry *rrdd_registry(Rrdd *d);
const RrddStats *rrdd_stats(const Rrdd *d);
const char *rrdd_host_uuid(const Rrdd *d);
size_t rrdd_n_sources(const Rrdd *d);
