#pragma once
/* SPDX-License-Identifier: MIT */
/*
 * What the HTTP layer needs from the daemon, as a table of callbacks: http/ sees RRDs (the engine's
 * type) and plain values, never the daemon's registry. Every callback runs on the loop thread,
 * as do the request handlers; pointers handed out are valid until the handler returns (a tick
 * may change or free them afterwards, so copy what a streamed response needs).
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "consolidate/rrd.h"

typedef enum HttpOwnerKind {
        HTTP_OWNER_HOST,
        HTTP_OWNER_VM,
        HTTP_OWNER_SR,
        _HTTP_OWNER_KIND_MAX,
} HttpOwnerKind;

/* One data source's latest value with what its source said about it (for /metrics). */
typedef struct HttpMetric {
        HttpOwnerKind kind;
        const char *uuid;        /* the owner's uuid (the host's for the host) */
        const char *name;        /* xcp-rrdd's data-source name */
        const char *units;       /* xcp-rrdd's units, e.g. "B/s", "(fraction)", "KiB" */
        const char *description; /* may be empty */
        double value;            /* newest 5 s AVERAGE, NaN if unknown */
} HttpMetric;

/* The daemon's own health, for /metrics. */
typedef struct HttpHealth {
        uint64_t n_ticks;
        uint64_t n_missed_ticks;
        uint64_t n_clock_steps;
        uint64_t n_refused_updates;
        uint64_t n_source_errors;
        uint64_t n_archives_written;
        uint64_t n_archive_failures;
        uint64_t n_backups_written;
        uint64_t n_backup_failures;
        uint64_t n_rrds[_HTTP_OWNER_KIND_MAX]; /* RRDs held in memory */
        uint64_t rrd_memory_bytes;
        double last_tick_seconds;
        double tick_seconds_sum;
        const double *tick_bucket_le;  /* upper bounds in seconds, n_tick_buckets of them */
        const uint64_t *tick_bucket_n; /* per bucket (not cumulative), plus one for +Inf */
        size_t n_tick_buckets;
        /*
         * Added by the http module (issue #6), for rrdd/http-backend.c: how late ticks start
         * after their 5 s boundary, in the buckets above (tick_bucket_le); NULL: not measured.
         */
        double tick_lateness_seconds_sum;
        const uint64_t *tick_lateness_bucket_n; /* per bucket, plus one for +Inf */
        double max_tick_lateness_seconds;
} HttpHealth;

typedef int (*HttpRrdCallback)(void *cbdata, const char *uuid, const Rrd *rrd);
typedef int (*HttpMetricCallback)(void *cbdata, const HttpMetric *m);

typedef struct HttpBackend {
        void *userdata;

        /* The host's uuid: legends, /host_rrd. */
        const char *(*host_uuid)(void *u);

        /* The live RRD of an owner, or NULL. For the host, uuid may be NULL. */
        const Rrd *(*find)(void *u, HttpOwnerKind kind, const char *uuid);

        /*
         * Every live RRD of a kind (the host: one), in a stable order. cb's negative return
         * stops the walk and is returned.
         */
        int (*for_each)(void *u, HttpOwnerKind kind, HttpRrdCallback cb, void *cbdata);

        /*
         * An archived RRD (a halted VM's, from data_dir), loaded for the caller, who owns
         * *ret. Return: 0, -ENOENT, or another -errno. The uuid has been validated.
         */
        int (*load_archive)(void *u, HttpOwnerKind kind, const char *uuid, Rrd **ret);

        /* Latest values with metadata, for /metrics. */
        int (*for_each_metric)(void *u, HttpMetricCallback cb, void *cbdata);

        void (*health)(void *u, HttpHealth *ret);
} HttpBackend;
