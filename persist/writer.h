#pragma once
/* SPDX-License-Identifier: MIT */
/*
 * A pull-based serialiser of an RRD as dump XML or dump JSON: the caller asks for the next bytes
 * into its own buffer, so an HTTP content-reader callback or a file writer can stream an archive
 * of any size through a fixed buffer.
 */

#include <stddef.h>
#include <sys/types.h>

#include "consolidate/rrd.h"
#include "rrdd/macro.h"

typedef enum PersistFormat {
        PERSIST_FORMAT_XML,  /* our archive format: xcp-rrdd's element order, rrdtool-restorable */
        PERSIST_FORMAT_JSON, /* xcp-rrdd's JSON dump: every scalar a string */
        _PERSIST_FORMAT_MAX,
        _PERSIST_FORMAT_INVALID = -EINVAL,
} PersistFormat;

typedef struct PersistWriter PersistWriter;

typedef enum PersistWriterFlags {
        /*
         * Numbers as the shortest correctly rounded text, without also making them exact for
         * rrdtool's parser (num_format_rrd_exact): about 3x cheaper to format. Loading stays
         * exact; `rrdtool restore` may then store some values a few ulps away. For HTTP answers.
         */
        PERSIST_WRITER_SHORTEST = 1U << 0,
        /*
         * Data-source names as rrdtool accepts them (1-19 of [-a-zA-Z0-9_]): others are
         * rewritten, deterministically and without collisions (persist_rrdtool_name()). For
         * `rrdtool restore` of RRDs with xcp-rrdd names such as memory_internal_free.
         */
        PERSIST_WRITER_RRDTOOL_NAMES = 1U << 1,
        /*
         * xcp-rrdd's internal form (its on-disk <uuid>.gz files): a <last_updated> element at the
         * end of every <ds>, which xcp-rrdd's reader requires and rrdtool restore refuses. XML
         * only.
         */
        PERSIST_WRITER_XCP_INTERNAL = 1U << 2,
} PersistWriterFlags;

#define PERSIST_WRITER_FLAGS_ALL                                              \
        ((unsigned) (PERSIST_WRITER_SHORTEST | PERSIST_WRITER_RRDTOOL_NAMES | \
                     PERSIST_WRITER_XCP_INTERNAL))

/*
 * persist_rrdtool_name() - the name rrdtool would accept for data source i_ds of rrd: the name
 * itself when it is 1-19 characters of [-a-zA-Z0-9_]; otherwise other characters become '_'
 * and a longer name keeps its first 14 characters, then '_' and 4 hex digits of a hash of the
 * whole name, chosen so that no two data sources of rrd end up with the same name.
 */
void persist_rrdtool_name(const Rrd *rrd, size_t i_ds, char ret[20]);

int persist_writer_new(PersistWriter **ret, const Rrd *rrd, PersistFormat fmt, unsigned flags);
PersistWriter *persist_writer_free(PersistWriter *w);
DEFINE_FREEP(PersistWriter, persist_writer_free);

ssize_t persist_writer_read(PersistWriter *w, char *buf, size_t max);

/* Writes the whole document to fd (write(2) loop, short writes and EINTR handled). */
int persist_write_fd(int fd, const Rrd *rrd, PersistFormat fmt, unsigned flags);

/* The content type of a format, for HTTP. */
const char *persist_format_content_type(PersistFormat fmt);
