/* SPDX-License-Identifier: MIT */
/*
 * Fuzz target for the parser of members' /rrd_updates answers (pool=true): any bytes parse or
 * are refused with a reason, never crash; an accepted document, merged with itself and written
 * out, parses back with the same shape and values.
 */

#include <errno.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "http/xport-merge.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* The written form keeps every value but the sign of a zero (xcp-rrdd prints both "0.0"). */
static bool same(double a, double b) {
        return (isnan(a) && isnan(b)) || a == b;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
        HttpXportLimits lim = {.max_cols = 4096, .max_cells = 1 << 16};
        HttpXportDoc *d = NULL, *m = NULL, *back = NULL;
        char reason[200] = "", *text = NULL;
        const char *missing[] = {"00000000-0000-4000-8000-000000000001"};
        size_t len = 0;

        int k = http_xport_doc_parse((const char *) data, size, &lim, &d, reason, sizeof(reason));
        if (k < 0) {
                if (k != -ENOMEM && reason[0] == '\0')
                        abort();
                return 0;
        }
        HttpXportDoc *docs[2] = {d, d};
        k = http_xport_merge(docs, 2, INT64_MAX, &m);
        if (k == 0 && http_xport_doc_render(d, HTTP_FORMAT_XML, missing, 1, &text, &len) == 0) {
                if (http_xport_doc_parse(text, len, NULL, &back, reason, sizeof(reason)) < 0)
                        abort(); /* what we write, we read */
                if (back->n_rows != d->n_rows || back->n_cols != d->n_cols || back->end != d->end ||
                    (d->n_rows > 0 && back->step != d->step))
                        abort();
                for (size_t i = 0; i < d->n_rows * d->n_cols; i++)
                        if (!same(back->values[i], d->values[i]))
                                abort();
                for (size_t c = 0; c < d->n_cols; c++)
                        if (strcmp(back->legend[c], d->legend[c]) != 0 &&
                            strchr(d->legend[c], '\r') == NULL)
                                abort();
                /* Merged with itself: twice the columns, the same rows. */
                if (m->n_cols != 2 * d->n_cols ||
                    (d->n_rows > 0 && d->n_cols > 0 && m->n_rows < d->n_rows))
                        abort();
        }
        free(text);
        http_xport_doc_free(back);
        http_xport_doc_free(m);
        http_xport_doc_free(d);
        return 0;
}
