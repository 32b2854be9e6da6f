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

/* ---- pools (issue #7) ---- */

typedef enum HttpPoolRole {
        HTTP_POOL_STANDALONE, /* no pool: the pool_* callbacks are NULL */
        HTTP_POOL_MASTER,
        HTTP_POOL_MEMBER,
} HttpPoolRole;

#define HTTP_POOL_URL_MAX 512

/* Where an RRD that is not live here can be found (pool_locate()). */
typedef enum HttpPoolWhere {
        HTTP_POOL_NONE,      /* nowhere: 404 */
        HTTP_POOL_MEMORY,    /* in this host's memory (an owner that left): rrd is a copy */
        HTTP_POOL_STORED,    /* maybe on this host's disk: pool_load_stored() off the loop */
        HTTP_POOL_ELSEWHERE, /* another host holds it: url is that host's base URL */
} HttpPoolWhere;

typedef struct HttpPoolLocation {
        HttpPoolWhere where;
        Rrd *rrd;                    /* HTTP_POOL_MEMORY: owned by the caller */
        char url[HTTP_POOL_URL_MAX]; /* HTTP_POOL_ELSEWHERE: no trailing '/' */
        bool is_final; /* ELSEWHERE: the target must answer itself (no_redirect=true) */
} HttpPoolLocation;

typedef struct HttpPoolMember {
        char host_uuid[37];
        char url[HTTP_POOL_URL_MAX];
} HttpPoolMember;

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

        /*
         * Pools (issue #7). With pool_role HTTP_POOL_STANDALONE every pool_* callback is NULL.
         * "loop": called on the loop thread; "any": called on request threads, thread-safe.
         */
        HttpPoolRole pool_role;
        void *pool_userdata; /* what the pool_* callbacks get as u */

        /*
         * loop: where the RRD of uuid (a VM, or any owner when kind is _HTTP_OWNER_KIND_MAX)
         * is, given that it is not live here. no_redirect: the request must be answered here
         * (it was redirected already). from: the host asking (never redirected to), or NULL.
         */
        int (*pool_locate)(void *u, HttpOwnerKind kind, const char *uuid, bool no_redirect,
                           const char *from, HttpPoolLocation *ret);

        /* any: the archive this host keeps on disk for uuid. Return: 0, -ENOENT, -errno. */
        int (*pool_load_stored)(void *u, const char *uuid, Rrd **ret);

        /*
         * any: PUT /rrd?archive=true (the master): writes the archive unless the stored one is
         * newer. Return: 0 written, 1 superseded, -errno.
         */
        int (*pool_store)(void *u, const char *uuid, const Rrd *rrd);

        /* loop: after pool_store(): the sender (from, or NULL) no longer holds uuid. */
        void (*pool_stored)(void *u, const char *uuid, const char *from);

        /* loop: PUT /rrd without archive: rrd (taken) replaces the live RRD of VM uuid. */
        int (*pool_replace)(void *u, const char *uuid, Rrd *rrd);

        /*
         * loop: POST /pool/report from a member; peer is the numeric address it came from.
         * Return: 0, -EINVAL with a one-line reason, -errno.
         */
        int (*pool_report)(void *u, const char *body, size_t len, const char *peer, char *reason,
                           size_t reason_size);

        /* loop: the live members (not this host), malloc'd array. Return: 0 or -ENOMEM. */
        int (*pool_members)(void *u, HttpPoolMember **ret, size_t *ret_n);

        /*
         * any: GET url + target with the pool secret, within timeout_ms. Return: 0 with the
         * status and a malloc'd body (NUL-terminated), or -errno when no answer came.
         */
        int (*pool_fetch)(void *u, const char *url, const char *target, unsigned timeout_ms,
                          int *ret_status, char **ret_body, size_t *ret_len);
} HttpBackend;
