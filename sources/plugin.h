#pragma once
/* SPDX-License-Identifier: MIT */
/*
 * The "plugins" source: xcp-rrdd plugin files (protocol v2 and v1) in a directory, discovered
 * with inotify, read every sample() with xcp-rrdd's per-plugin back-off.
 */

#include <stddef.h>
#include <stdint.h>

#include "sources/source.h"

#define SRC_PLUGINS_DEFAULT_DIR "/dev/shm/metrics"
/* Back-off cap, in sample() calls between attempts (xcp-rrdd: 256 cycles, about 21 min). */
#define SRC_PLUGINS_MAX_BACKOFF 256u

extern const SrcOps src_plugins;

/* Counters since open(), for tests, benchmarks and the daemon's own health metrics. */
typedef struct SrcPluginsStats {
        size_t n_plugins;       /* plugin files known now */
        uint64_t n_attempts;    /* plugin reads attempted */
        uint64_t n_ok;          /* … that produced samples */
        uint64_t n_no_update;   /* … that found the same checksum as last time */
        uint64_t n_errors;      /* … that failed (I/O, truncated, checksum, invalid payload) */
        uint64_t n_skipped;     /* plugin reads left out because of back-off */
        uint64_t n_meta_parsed; /* metadata parsed: v2 cache misses and every v1 read */
        uint64_t n_meta_cached; /* v2 reads whose metadata came from the cache */
        uint64_t n_rescans;     /* full directory scans (start, inotify overflow, fallback) */
        uint64_t n_reopens;     /* held descriptors dropped because the file was replaced */
        size_t n_fds_held;      /* descriptors kept open between reads */
} SrcPluginsStats;

int src_plugins_get_stats(const SrcInstance *s, SrcPluginsStats *ret);
int src_plugins_set_max_fds(SrcInstance *s, size_t max_fds);
int src_plugins_get_backoff(const SrcInstance *s, const char *name, unsigned *ret_backoff,
                            unsigned *ret_skip);
