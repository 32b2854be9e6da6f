#pragma once
/* SPDX-License-Identifier: MIT */
/*
 * The daemon in a pool (pool_role = master | member). A master keeps every member's archives in
 * its data_dir, knows from their reports where each VM runs, redirects /vm_rrd and hand-overs
 * there, and answers /rrd_updates?pool=true for the whole pool. A member sends its archives to
 * the master, asks it for the history of every VM that appears, and reports its VMs every
 * minute and whenever they change. See pool-store.h for the archive rules.
 */

#include <stdbool.h>
#include <stdint.h>

#include "http/backend.h"
#include "rrdd/clock.h"
#include "rrdd/config.h"
#include "rrdd/macro.h"
#include "rrdd/rrdd.h"
#include "rrdd/store-dir.h"
#include "rrdd/store.h"

#define POOL_REPORT_PERIOD_USEC (60 * USEC_PER_SEC)
#define POOL_REPORT_CHECK_MSEC 1000 /* how often a member looks for changes to report */

typedef struct Pool Pool;

/*
 * pool_new() - the pool side of a daemon whose cfg->pool_role is master or member.
 * @secret: the pool secret (copied). @data: the data_dir store (borrowed, outlives the pool).
 * @clock: borrowed. Return: 0, -EINVAL with a logged reason (bad master_url, public_url or
 * pool_ca_file), -errno.
 */
int pool_new(Pool **ret, const RrddConfig *cfg, const char *secret, const char *host_uuid,
             DirStore *data, const RrddClock *clock);
Pool *pool_free(Pool *p);
DEFINE_FREEP(Pool, pool_free);

/* Where the daemon's archives go (for rrdd_new()). */
void pool_archive_ops(Pool *p, const ArchiveOps **ret_ops, void **ret_ctx);

/* Fills the pool callbacks of an HttpBackend for daemon d (both outlive the HTTP server). */
void pool_attach(Pool *p, Rrdd *d, HttpBackend *b);

/*
 * pool_start() - after the HTTP server is up: a member starts reporting (http_port and tls
 * make its URL when public_url is not set); *ret_io is the timer the loop must watch (fd -1:
 * nothing to watch, on a master). Return: 0 or -errno.
 */
int pool_start(Pool *p, uint16_t http_port, bool tls, RrddIo *ret_io);

/* For tests: whether the last report reached the master, and how many were sent. */
bool pool_reported(Pool *p);
