#pragma once
/* SPDX-License-Identifier: MIT */
/*
 * /rrd_updates: the query, the archive choice across RRDs (xcp-rrdd's, reference §1.4), a
 * private snapshot of the chosen rows taken on the loop thread when the request arrives, and a
 * pull-based writer that streams the snapshot as compact xport XML or all-string JSON, so a
 * tick between chunks never changes an answer and no chunk costs the loop much.
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "http/backend.h"
#include "http/negotiate.h"
#include "http/query.h"
#include "rrdd/macro.h"

typedef char HttpUuid[HTTP_UUID_STRING_LEN + 1];

/* Which owners of one kind a request selects. */
typedef struct HttpOwnerSelection {
        bool all;        /* every live RRD of the kind */
        HttpUuid *uuids; /* otherwise these, in request order, without repeats */
        size_t n_uuids;
} HttpOwnerSelection;

typedef struct HttpXportQuery {
        int64_t start;       /* as sent; negative: relative to now */
        uint64_t interval_s; /* minimum row interval, 0: the finest */
        int cf;              /* RrdCf, or -1: every CF at the chosen resolution */
        bool host;
        HttpOwnerSelection vms; /* default: all */
        HttpOwnerSelection srs; /* default: none */
        bool json;              /* `json` present and not false-ish */
} HttpXportQuery;

#define HTTP_REASON_MAX 160

/*
 * http_xport_query_parse() - reads start (required), interval, cf (case-insensitive), host,
 * vm_uuid / sr_uuid (repeatable; `all` selects every one, `none` and empty values select
 * nothing, anything else must be a uuid) and json; every other parameter is ignored.
 * Return: 0, -EINVAL with a one-line reason for a malformed known parameter, -ENOMEM.
 */
int http_xport_query_parse(const HttpQuery *q, HttpXportQuery *ret, char *reason,
                           size_t reason_size);
void http_xport_query_done(HttpXportQuery *q);

typedef struct HttpXport HttpXport;

/*
 * http_xport_new() - selects the RRDs (host first, then VMs, then SRs), chooses the archives
 * and copies the rows into a snapshot owned by the returned object. now_s is the wall clock
 * for a negative start. When nothing is selected or no archive qualifies, the document is
 * empty but well-formed (rows 0, columns 0, step max(interval rounded down to the base step,
 * the base step)). Return: 0; -ENOENT with a reason when uuids were named and none of them
 * has an RRD; -ENOMEM.
 */
int http_xport_new(HttpXport **ret, const HttpBackend *b, const HttpXportQuery *q, HttpFormat fmt,
                   int64_t now_s, char *reason, size_t reason_size);
HttpXport *http_xport_free(HttpXport *x);
DEFINE_FREEP(HttpXport, http_xport_free);

/* The next bytes of the document into buf (at most max); 0 at the end. */
size_t http_xport_read(HttpXport *x, char *buf, size_t max);

/* What the snapshot holds, for limits and tests. */
size_t http_xport_rows(const HttpXport *x);
size_t http_xport_columns(const HttpXport *x);
uint64_t http_xport_step(const HttpXport *x);
size_t http_xport_memory_bytes(const HttpXport *x);
/* An upper bound of the document's length in bytes. */
size_t http_xport_size_bound(const HttpXport *x);

/* The kind's name in legends and labels: host, vm, sr. */
const char *http_owner_kind_to_string(HttpOwnerKind k);
