#pragma once
/* SPDX-License-Identifier: MIT */
/*
 * Where archives go in a pool, as the daemon's ArchiveOps.
 *
 * Master: data_dir, with one rule added: an archive never goes back in time. A save whose RRD
 * is older (lastupdate) than the archive already stored is dropped as superseded, so a late
 * copy (a member's retry, a spooled file sent after the master came back) cannot overwrite
 * what a later host wrote after a migration.
 *
 * Member: saves are PUT /rrd?archive=true to the master; a failed PUT fails the save (the daemon
 * keeps the RRD in memory and retries) and also leaves a copy in DATA_DIR/spool, sent once the
 * master answers again, so not even a crash loses it. On the loop thread (only the final save
 * at shutdown runs there) the spool copy counts as saved. Loads ask the master (GET /rrd), which
 * answers with the archive, redirects to the member holding the VM, or says there is none; the
 * newer of that and a spool copy wins. exists() is no network call: it answers "maybe" and
 * lets the load decide, remembering a "none" for the next question.
 */

#include <stdbool.h>
#include <stddef.h>

#include "rrdd/clock.h"
#include "rrdd/httpc.h"
#include "rrdd/macro.h"
#include "rrdd/store-dir.h"
#include "rrdd/store.h"

/* Host-to-host timeouts, for the whole exchange. */
#define POOL_TIMEOUT_MS 10000
#define POOL_SYNC_TIMEOUT_MS 3000 /* on the loop thread: start-up and shutdown */
#define POOL_RESPONSE_MAX ((size_t) 256 << 20)

/* How to talk to another host of the pool: the pool secret cookie and the CA to trust. */
typedef struct PoolLink {
        char *cookie;  /* "pool_secret=<percent-encoded secret>" */
        char *ca_file; /* NULL: the system's trust store */
} PoolLink;

int pool_link_init(PoolLink *l, const char *secret, const char *ca_file);
void pool_link_done(PoolLink *l);

/*
 * pool_link_request() - one request to base (http[s]://host:port[/prefix]) + target, with the
 * pool secret. Return: 0 when a response arrived (any status), -errno (see httpc_request()).
 */
int pool_link_request(const PoolLink *l, const char *method, const HttpcUrl *base,
                      const char *target, const char *body, size_t body_len, unsigned timeout_ms,
                      HttpcResponse *ret);

/* Splits an absolute URL into its base and its target (path and query). Return: 0, -EINVAL. */
int pool_split_url(const char *url, HttpcUrl *ret_base, char *ret_target, size_t size);

typedef struct PoolStoreConfig {
        bool member;
        DirStore *data; /* data_dir (borrowed): the master's archives; everyone's state files */
        const char *data_dir;
        bool gzip;              /* members: spool files gzip'd */
        const char *host_uuid;  /* members: named in requests (from=) */
        const char *master_url; /* members */
        const PoolLink *link;   /* borrowed */
        const RrddClock *clock; /* borrowed */
} PoolStoreConfig;

typedef struct PoolStore PoolStore;

int pool_store_new(PoolStore **ret, const PoolStoreConfig *c);
PoolStore *pool_store_free(PoolStore *s);
DEFINE_FREEP(PoolStore, pool_store_free);

/* The ArchiveOps of a PoolStore (ctx: the PoolStore). */
extern const ArchiveOps pool_store_ops;

/*
 * pool_store_put() - the master receives an archive from a member (thread-safe).
 * Return: 0 written, 1 superseded (the stored one is newer, kept), -errno.
 */
int pool_store_put(PoolStore *s, const char *uuid, const Rrd *rrd);

/*
 * pool_store_load_stored() - what this host has on disk for uuid: the master's archive, a
 * member's spool copy (thread-safe). Return: 0, -ENOENT, -errno.
 */
int pool_store_load_stored(PoolStore *s, const char *uuid, Rrd **ret);

/*
 * pool_store_flush_spool() - a member sends its spooled archives to the master, removing each
 * one the master took (or already had newer). Return: files sent, or -errno at the first
 * failure (the rest wait for the next call).
 */
int pool_store_flush_spool(PoolStore *s);
size_t pool_store_spooled(PoolStore *s);

/* A member heard from its master (a report went through): calls stop failing fast. */
void pool_store_master_answered(PoolStore *s);

/* Counters for tests and logs. */
typedef struct PoolStoreStats {
        unsigned n_put_ok, n_put_failed, n_superseded, n_spooled, n_spool_sent;
        unsigned n_fetch_remote, n_fetch_redirects, n_fetch_failed;
} PoolStoreStats;
void pool_store_stats(PoolStore *s, PoolStoreStats *ret);
