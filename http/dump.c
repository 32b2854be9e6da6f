/* SPDX-License-Identifier: MIT */
/* Full dumps through persist/writer.h, over an RRD the dump owns. */

#include "http/dump.h"

#include <stdlib.h>

#include "persist/writer.h"

struct HttpDump {
        Rrd *rrd;
        PersistWriter *writer;
};

/**
 * http_dump_new() - a streamed dump of an RRD the dump then owns.
 * @ret: the dump.
 * @rrd: a copy (rrd_dup()) or a loaded archive; taken over, also on failure.
 * @fmt: XML or JSON.
 *
 * Return: 0, -ENOMEM.
 */
int http_dump_new(HttpDump **ret, Rrd *rrd, HttpFormat fmt) {
        _cleanup_(rrd_destroyp) Rrd *owned = rrd;
        HttpDump *d;
        int r;

        d = calloc(1, sizeof(*d));
        if (!d)
                return -ENOMEM;
        r = persist_writer_new(&d->writer, owned,
                               fmt == HTTP_FORMAT_JSON ? PERSIST_FORMAT_JSON : PERSIST_FORMAT_XML,
                               PERSIST_WRITER_SHORTEST);
        if (r < 0) {
                free(d);
                return r;
        }
        d->rrd = TAKE_PTR(owned);
        *ret = d;
        return 0;
}

HttpDump *http_dump_free(HttpDump *d) {
        if (!d)
                return NULL;
        persist_writer_free(d->writer);
        rrd_destroy(d->rrd);
        free(d);
        return NULL;
}

ssize_t http_dump_read(HttpDump *d, char *buf, size_t max) {
        return persist_writer_read(d->writer, buf, max);
}

size_t http_dump_memory_bytes(const HttpDump *d) {
        return rrd_memory_bytes(d->rrd);
}
