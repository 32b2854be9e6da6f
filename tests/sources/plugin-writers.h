#pragma once
/* SPDX-License-Identifier: MIT */
/*
 * Test-only writers of xcp-rrdd plugin files, each imitating one of xcp-rrdd's own writers:
 * the OCaml library, Python's rrdd.py and the C rrd-client library, with their layouts, JSON
 * styles and orders of writing.
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* One data source to write. */
typedef struct TwDs {
        const char *name;
        const char *description; /* NULL: none (the OCaml writer then omits the key) */
        const char *owner;       /* "host", "vm <uuid>", "sr <uuid>"; NULL: "host" */
        const char *type;        /* "gauge", "absolute", "derive"; NULL: "absolute" */
        bool is_int64;
        int64_t i64;
        double d;
        bool is_default;
        const char *units; /* NULL: "" */
        double min;
        double max;
        bool is_inverse;
} TwDs;

#define TW_MAX_SEGMENTS 16

/* A file's bytes, and the order in which its writer puts them into the file. */
typedef struct TwImage {
        uint8_t *data;
        size_t size;         /* the whole file, padding included */
        size_t payload_size; /* the bytes a reader needs */
        size_t n_segments;
        struct {
                size_t offset;
                size_t size;
        } segments[TW_MAX_SEGMENTS];
} TwImage;

void tw_image_free(TwImage *img);

/*
 * Protocol v2 as the OCaml writer does it: compact metadata embedding each value ("%.2f" or
 * "%Ld", so it changes with the values), file size a multiple of 4096, written header, metadata
 * CRC, count, timestamp, values, metadata, length and the data CRC last. The timestamp is a
 * double, or with @ts_as_int64 whole seconds as int64 (writers before the change to doubles).
 */
int tw_v2_ocaml(const TwDs *ds, size_t n, double timestamp, bool ts_as_int64, TwImage *ret);
/*
 * Protocol v2 as Python's rrdd.py does it: data sources sorted by name, keys sorted, ", " and
 * ": " separators, every data source default "true", timestamp as int64 seconds; writes the
 * values and metadata first, then the header block.
 */
int tw_v2_python(const TwDs *ds, size_t n, double timestamp, TwImage *ret);
/*
 * Protocol v2 as the C rrd-client library does it: pretty-printed metadata (parson style, "/"
 * escaped) whose length and CRC count the terminating NUL, a double timestamp, and a fixed-size
 * zero-padded buffer written in one go.
 */
int tw_v2_c(const TwDs *ds, size_t n, double timestamp, TwImage *ret);
/* Protocol v1 as the OCaml writer does it: lowercase hex length, values as strings. */
int tw_v1_ocaml(const TwDs *ds, size_t n, double timestamp, TwImage *ret);
/*
 * Protocol v1 as the old rrdd.py did it: uppercase hex length, JSON indented by 2 with sorted
 * keys, values as JSON numbers, integer timestamp, and no type, owner or default keys.
 */
int tw_v1_python(const TwDs *ds, size_t n, double timestamp, TwImage *ret);

/* A v2 file around arbitrary metadata text (not NUL-terminated) and raw 64-bit values. */
int tw_v2_raw(const char *metadata, size_t m, const uint64_t *value_bits, size_t n,
              uint64_t ts_bits, TwImage *ret);
/* A v1 file around an arbitrary JSON text. */
int tw_v1_raw(const char *json, size_t len, bool upper_hex, TwImage *ret);

/* Writes the first @n_segments of the image's segments into the file, in place. */
int tw_write_in_place(int dir_fd, const char *name, const TwImage *img, size_t n_segments);
/* Writes the image to "<name>.tmp" and renames it over @name. */
int tw_write_rename(int dir_fd, const char *name, const TwImage *img);
/* Replaces the file by the image's first @size bytes. */
int tw_write_prefix(int dir_fd, const char *name, const TwImage *img, size_t size);
