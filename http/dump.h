#pragma once
/* SPDX-License-Identifier: MIT */
/*
 * /host_rrd, /vm_rrd, /sr_rrd: a whole RRD streamed as dump XML or JSON by the persistence
 * serialiser, from a private copy, so the live RRD may tick while the answer is sent.
 */

#include <stddef.h>

#include "consolidate/rrd.h"
#include "http/negotiate.h"
#include "rrdd/macro.h"

typedef struct HttpDump HttpDump;

/* Takes ownership of rrd (a copy or a loaded archive), also on failure. Return: 0 or -errno. */
int http_dump_new(HttpDump **ret, Rrd *rrd, HttpFormat fmt);
HttpDump *http_dump_free(HttpDump *d);
DEFINE_FREEP(HttpDump, http_dump_free);

/* The next bytes into buf (max > 0); 0 at the end; -errno on failure. */
ssize_t http_dump_read(HttpDump *d, char *buf, size_t max);
size_t http_dump_memory_bytes(const HttpDump *d);
