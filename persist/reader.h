#pragma once
/* SPDX-License-Identifier: MIT */
/*
 * Loading an RRD from dump XML: our own archives, `rrdtool dump` output, xcp-rrdd's public and
 * internal forms, plain or gzip-compressed. libxml2's xmlTextReader (streaming) for anything but
 * our own compact form, which has a faster path; bounded by limits, and all-or-nothing: on any
 * error no RRD is returned and the error says where.
 */

#include <stddef.h>
#include <stdint.h>

#include "consolidate/rrd.h"

/* Where and why a document was refused. */
typedef struct PersistError {
        unsigned long line; /* 1-based line of the offending node; 0 when not known */
        char element[32];   /* local name of the element being read, "" when none */
        char message[200];  /* one line, no trailing newline */
} PersistError;

/* Bounds on what a document may make us allocate; zero fields take the defaults below. */
typedef struct PersistLimits {
        uint64_t max_bytes;  /* of XML text, after decompression */
        size_t max_ds;       /* data sources */
        size_t max_rra;      /* archives */
        uint32_t max_rows;   /* rows of one archive */
        uint64_t max_values; /* rows × data sources, summed over the archives */
} PersistLimits;

/*
 * Defaults: room for a host RRD with all RRD_MAX_DS data sources in the MIN/MAX layout (2082
 * rows, 8.5 M values, about 200 MB of XML), while bounding what a hostile file can make a load
 * allocate (128 MiB of values while reading, as much again for the RRD).
 */
#define PERSIST_DEFAULT_MAX_BYTES (UINT64_C(256) << 20)
#define PERSIST_DEFAULT_MAX_VALUES (UINT64_C(16) << 20)

int persist_load_memory(const void *data, size_t size, const PersistLimits *limits, Rrd **ret,
                        PersistError *err);
int persist_load_fd(int fd, const PersistLimits *limits, Rrd **ret, PersistError *err);
int persist_load_file(const char *path, const PersistLimits *limits, Rrd **ret, PersistError *err);

/*
 * Our own archives first go through a fast path of our own (a tokenizer for the subset of XML
 * the writer produces); everything else, and every refusal, through xmlTextReader. These two
 * take one path only, for tests and benchmarks: _fast returns -EOPNOTSUPP where the full loader
 * would fall back to libxml2.
 */
int persist_load_memory_fast(const void *data, size_t size, const PersistLimits *limits, Rrd **ret);
int persist_load_memory_libxml(const void *data, size_t size, const PersistLimits *limits,
                               Rrd **ret, PersistError *err);

/* "line 3: <step>: message", or "message" when there is no position; returns buf. */
const char *persist_error_to_string(const PersistError *err, char *buf, size_t size);
