#pragma once
/* SPDX-License-Identifier: MIT */
/*
 * Decoding of xcp-rrdd plugin files, protocol v2 (binary, CRC-32) and v1 (text, MD5), into
 * data-source descriptions and values. No I/O: the caller hands in the bytes it read.
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "rrdd/macro.h"
#include "sources/source.h"

/* Largest plugin payload we read; xcp-rrdd's biggest (cpu on a large host) is a few MiB. */
#define PLUGIN_MAX_PAYLOAD_BYTES ((size_t) 64 << 20)
/* Most data sources in one plugin; xcp-rrdd-cpu on a large host has some tens of thousands. */
#define PLUGIN_MAX_DS ((size_t) 1 << 20)
/* Protocol v2: "DATASOURCES", data CRC, metadata CRC, count, then the 8-byte timestamp. */
#define PLUGIN_V2_MAGIC "DATASOURCES"
#define PLUGIN_V2_MAGIC_BYTES 11
#define PLUGIN_V2_TIMESTAMP_OFFSET 23
#define PLUGIN_V2_VALUES_OFFSET 31
/* Protocol v1: "DATASOURCES\n", 8 hex digits and '\n', 32 hex digits and '\n', then JSON. */
#define PLUGIN_V1_PAYLOAD_OFFSET 54
/* Timestamps past this (year 5138) are taken for garbage, not for time. */
#define PLUGIN_MAX_TIMESTAMP 1e11
#define PLUGIN_MAX_NAME_BYTES 255

typedef enum PluginProtocol {
        PLUGIN_PROTOCOL_NONE,
        PLUGIN_PROTOCOL_V1,
        PLUGIN_PROTOCOL_V2,
        _PLUGIN_PROTOCOL_MAX,
} PluginProtocol;

typedef union PluginValue {
        int64_t i64;
        double d;
} PluginValue;

/* One data source as a plugin's metadata describes it. */
typedef struct PluginDs {
        SrcOwner owner;
        const char *name; /* name, description and units point into PluginMeta.strings */
        const char *description;
        const char *units;
        SrcKind kind;  /* SRC_GAUGE, SRC_ABSOLUTE or SRC_DERIVE */
        bool is_int64; /* value_type "int64"; otherwise "float" */
        bool is_default;
        bool is_inverse; /* transform "inverse": the daemon wants 1 - x (see plugin.c) */
        double min;      /* as written, NaN included */
        double max;
        /* The previous reading, kept for inverse counters across metadata changes. */
        bool has_prev;
        PluginValue prev;
        double prev_timestamp; /* seconds */
} PluginDs;

/* The data sources of one plugin, in the order its values come. */
typedef struct PluginMeta {
        uint32_t crc; /* v2: CRC-32 of the metadata bytes this was parsed from */
        size_t n_ds;
        PluginDs *ds;
        char *strings;
} PluginMeta;

PluginMeta *plugin_meta_free(PluginMeta *meta);
DEFINE_FREEP(PluginMeta, plugin_meta_free);

/*
 * What one plugin's previous accepted read looked like: the checksum that detects "no update"
 * and the metadata cached by its CRC. Embedded in the caller's per-plugin state; zero-filled is
 * the initial state.
 */
typedef struct PluginReader {
        PluginProtocol protocol; /* of the last accepted read; NONE before the first */
        uint32_t last_data_crc;  /* v2 */
        uint8_t last_md5[16];    /* v1 */
        PluginMeta *meta;        /* v2: cached by its CRC; v1: that of the last payload */
} PluginReader;

void plugin_reader_deinit(PluginReader *r);

/* Scratch space shared by every plugin of a source: the JSON document and the values. */
typedef struct PluginDecoder PluginDecoder;

int plugin_decoder_new(PluginDecoder **ret);
PluginDecoder *plugin_decoder_free(PluginDecoder *dec);
DEFINE_FREEP(PluginDecoder, plugin_decoder_free);

/* A successful read. Pointers stay valid until the next plugin_read() with the same decoder. */
typedef struct PluginPayload {
        PluginProtocol protocol;
        double timestamp;          /* seconds since the epoch, as the plugin wrote it */
        PluginMeta *meta;          /* owned by the reader */
        const PluginValue *values; /* meta->n_ds of them; owned by the decoder */
        bool is_meta_parsed;       /* false: v2 metadata came from the cache */
} PluginPayload;

/* plugin_read()'s non-error results. */
enum {
        PLUGIN_READ_OK = 0,
        PLUGIN_READ_NO_UPDATE = 1, /* same checksum as the last accepted read */
        PLUGIN_READ_NEED_MORE = 2, /* the payload extends past the bytes given */
};

int plugin_read(PluginReader *r, PluginDecoder *dec, const uint8_t *buf, size_t size,
                PluginPayload *ret, size_t *ret_need, const char **ret_reason);

int plugin_parse_float(const char *text, double *ret);
int plugin_parse_owner(const char *text, SrcOwner *ret);
