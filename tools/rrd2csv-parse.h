#pragma once
/* SPDX-License-Identifier: MIT */
/* rrd2csv's parsing: selectors, legend matching, and /rrd_updates XML as the server sends it. */

#include <stdbool.h>
#include <stddef.h>

#define MAX_COLUMNS 65536

typedef struct Selector {
        char cf[16], kind[8], uuid[64], metric[256];
} Selector;

typedef struct Xport {
        long long start, end, step;
        size_t n_cols, n_rows;
        char **legend; /* n_cols */
        long long *t;  /* n_rows, newest first as served */
        double *v;     /* n_rows × n_cols */
} Xport;

void xport_done(Xport *x);
/* CF:KIND:UUID:METRIC, empty fields match anything. Return: 0 or -EINVAL. */
int rrd2csv_parse_selector(const char *s, Selector *ret);
/* Whether a legend entry CF:kind:uuid:name is selected (no selectors: every AVERAGE one). */
bool rrd2csv_matches(const Selector *sel, size_t n_sel, const char *legend);
/* An xport document into x (freed with xport_done()). Return: 0, -EBADMSG, -ENOMEM. */
int rrd2csv_parse_xport(const char *body, size_t len, Xport *x);
