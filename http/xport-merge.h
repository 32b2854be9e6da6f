#pragma once
/* SPDX-License-Identifier: MIT */
/*
 * Pool-wide /rrd_updates (`pool=true` on the master): every host's xport XML is parsed back
 * into columns, the documents are merged into one (rows aligned by timestamp, columns
 * concatenated host after host, so each host's uuid heads its own group of columns), and the
 * result is written as xport XML or JSON with the hosts that did not answer named in the meta.
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "http/negotiate.h"
#include "rrdd/macro.h"

/* One parsed (or merged) document. Row i is at time end - i * step (newest first). */
typedef struct HttpXportDoc {
        int64_t start, end;
        uint64_t step;
        size_t n_rows, n_cols;
        char **legend;  /* n_cols entries "CF:kind:uuid:name" */
        double *values; /* n_rows × n_cols, row-major, newest row first */
} HttpXportDoc;

typedef struct HttpXportLimits {
        size_t max_cols;  /* columns of one document */
        size_t max_cells; /* rows × columns of one document */
} HttpXportLimits;

#define HTTP_XPORT_MAX_COLS ((size_t) 1 << 20)
#define HTTP_XPORT_MAX_CELLS ((size_t) 32 << 20)

HttpXportDoc *http_xport_doc_free(HttpXportDoc *d);
DEFINE_FREEP(HttpXportDoc, http_xport_doc_free);

/*
 * http_xport_doc_parse() - reads a compact or indented xport XML document (what /rrd_updates
 * answers without json): <xport><meta> start, step, end, rows, columns, legend (later meta
 * elements are skipped) </meta><data> rows </data></xport>. Counts must agree with what
 * follows, rows must run newest first one step apart from end, values must be numbers (NaN,
 * Infinity allowed). No DTD, no entities, no network. limits NULL: the defaults above.
 * Return: 0, -EBADMSG or -E2BIG with a one-line reason, -ENOMEM.
 */
int http_xport_doc_parse(const char *text, size_t len, const HttpXportLimits *limits,
                         HttpXportDoc **ret, char *reason, size_t reason_size);

/*
 * http_xport_merge() - one document from n (the master's first). The step is the first
 * document's with rows; the newest row is the newest of any document (but not after now_s);
 * rows go back to the oldest start, at most one more than the longest document has. Values
 * are matched by time: a document on another grid, or without a row at some time, gives NaN
 * there. Columns are concatenated in document order. Return: 0, -E2BIG, -ENOMEM.
 */
int http_xport_merge(HttpXportDoc *const *docs, size_t n, int64_t now_s, HttpXportDoc **ret);

/*
 * http_xport_doc_render() - the document as /rrd_updates writes it (compact XML with the
 * declaration, or JSON with every scalar a string), plus, after the legend, the hosts that
 * did not answer: <missing_hosts><host>UUID</host>…</missing_hosts> in XML,
 * "missing_hosts":["UUID",…] in JSON. Return: 0 with a malloc'd text, or -ENOMEM.
 */
int http_xport_doc_render(const HttpXportDoc *d, HttpFormat fmt, const char *const *missing,
                          size_t n_missing, char **ret, size_t *ret_len);
