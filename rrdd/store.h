#pragma once
/* SPDX-License-Identifier: MIT */
/*
 * Where archives go: the daemon talks to this table, so tests can use an in-memory store that
 * fails on demand, and a pool member can send to its master instead of a local directory.
 * save() and load() run on the worker thread and must be thread-safe; exists() runs on the
 * loop thread and must be cheap.
 */

#include "consolidate/rrd.h"
#include "sources/source.h"

/* save() flags. */
enum {
        /* The daemon is shutting down: nothing will retry a failure, so keep what can be kept. */
        ARCHIVE_SAVE_FINAL = 1U << 0,
};

typedef struct ArchiveOps {
        /* Writes rrd (borrowed) atomically. Return: 0 or -errno; the old archive survives. */
        int (*save)(void *ctx, SrcOwnerKind kind, const char *uuid, const Rrd *rrd, unsigned flags);
        /* Return: 0 with *ret, -ENOENT when there is none, or another -errno. */
        int (*load)(void *ctx, SrcOwnerKind kind, const char *uuid, Rrd **ret);
        /* Return: 1 if an archive exists, 0 if not, -errno. */
        int (*exists)(void *ctx, SrcOwnerKind kind, const char *uuid);
        /*
         * Small named state the daemon keeps next to the archives (which VM ran with which
         * domid at shutdown). Optional: NULL means not kept. load_state() returns -ENOENT when
         * there is none and hands back a NUL-terminated malloc'd string.
         */
        int (*save_state)(void *ctx, const char *name, const char *text);
        int (*load_state)(void *ctx, const char *name, char **ret);
} ArchiveOps;
