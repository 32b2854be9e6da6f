/* SPDX-License-Identifier: MIT */
/*
 * The two xcp-rrdd plugin file formats, decoded the way xcp-rrdd's reader does (checks in its
 * order, same defaults, same "invalid payload" cases), plus what its reader lacks: bounds on
 * every length, a cache that is only committed after a fully successful read, and tolerance of
 * timestamps written as integer seconds (see v2_timestamp()).
 */

#include "sources/plugin-proto.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <zlib.h>

#include "rrdd/macro.h"
#include "sources/json.h"
#include "sources/md5.h"

/* The members of one data-source object that the readers look at (first occurrence wins). */
typedef struct DsFields {
        const JsonNode *description;
        const JsonNode *units;
        const JsonNode *type;
        const JsonNode *value_type;
        const JsonNode *owner;
        const JsonNode *is_default;
        const JsonNode *min;
        const JsonNode *max;
        const JsonNode *transform;
        const JsonNode *value;
} DsFields;

struct PluginDecoder {
        JsonDoc *doc;
        PluginValue *values;
        size_t n_values_alloc;
        DsFields *fields;
        size_t n_fields_alloc;
};

/**
 * plugin_meta_free() - free parsed metadata
 * @meta: the metadata, or NULL
 *
 * Return: NULL.
 */
PluginMeta *plugin_meta_free(PluginMeta *meta) {
        /* One allocation holds the struct, the data-source array and the strings. */
        free(meta);
        return NULL;
}

/**
 * plugin_reader_deinit() - release what a reader caches and return it to its initial state
 * @r: the reader
 */
void plugin_reader_deinit(PluginReader *r) {
        r->meta = plugin_meta_free(r->meta);
        *r = (PluginReader){0};
}

/**
 * plugin_decoder_new() - create the scratch space for plugin_read()
 * @ret: the decoder
 *
 * Return: 0, or -ENOMEM.
 */
int plugin_decoder_new(PluginDecoder **ret) {
        _cleanup_(plugin_decoder_freep) PluginDecoder *dec = calloc(1, sizeof(*dec));
        /* Metadata nests three deep ({"datasources":{name:{key:value}}}); allow some slack. */
        JsonLimits limits = {
                .max_text_bytes = PLUGIN_MAX_PAYLOAD_BYTES,
                .max_depth = 8,
        };
        int r;

        if (!dec)
                return -ENOMEM;
        r = json_doc_new(&dec->doc, &limits);
        if (r < 0)
                return r;
        *ret = TAKE_PTR(dec);
        return 0;
}

/**
 * plugin_decoder_free() - free a decoder
 * @dec: the decoder, or NULL
 *
 * Return: NULL.
 */
PluginDecoder *plugin_decoder_free(PluginDecoder *dec) {
        if (!dec)
                return NULL;
        json_doc_free(dec->doc);
        free(dec->values);
        free(dec->fields);
        free(dec);
        return NULL;
}

static int decoder_reserve(PluginDecoder *dec, size_t n) {
        /* Never NULL, even for no data sources: payloads always carry a values array. */
        if (n > dec->n_values_alloc || !dec->values) {
                size_t want = n < 64 ? 64 : n;
                PluginValue *v = realloc(dec->values, want * sizeof(*v));
                if (!v)
                        return -ENOMEM;
                dec->values = v;
                dec->n_values_alloc = want;
        }
        if (n > dec->n_fields_alloc || !dec->fields) {
                size_t want = n < 64 ? 64 : n;
                DsFields *f = realloc(dec->fields, want * sizeof(*f));
                if (!f)
                        return -ENOMEM;
                dec->fields = f;
                dec->n_fields_alloc = want;
        }
        return 0;
}

static uint32_t be32(const uint8_t *p) {
        return (uint32_t) p[0] << 24 | (uint32_t) p[1] << 16 | (uint32_t) p[2] << 8 | p[3];
}

static uint64_t be64(const uint8_t *p) {
        return (uint64_t) be32(p) << 32 | be32(p + 4);
}

static uint32_t crc32_of(const uint8_t *p, size_t n) {
        return (uint32_t) crc32_z(crc32_z(0L, Z_NULL, 0), p, n);
}

static bool is_timestamp_valid(double ts) {
        return isfinite(ts) && ts > 0 && ts < PLUGIN_MAX_TIMESTAMP;
}

/**
 * plugin_parse_float() - a number as xcp-rrdd plugins write them in strings
 * @text: "0.00", "-1e3", "inf", "-inf", "infinity", "nan" (case-insensitive), …
 * @ret: the value
 *
 * Return: 0, or -EINVAL if @text is empty, has surrounding blanks or is not a number.
 */
int plugin_parse_float(const char *text, double *ret) {
        char *end;
        double v;

        /* strtod() skips leading blanks; the OCaml reader does not accept them. */
        if (!text[0] || text[0] == ' ' || (text[0] >= '\t' && text[0] <= '\r'))
                return -EINVAL;
        v = strtod(text, &end);
        if (*end != '\0' || end == text)
                return -EINVAL;
        /* Overflow gives ±HUGE_VAL, which is what "too large" should mean here; underflow 0. */
        *ret = v;
        return 0;
}

/**
 * plugin_parse_owner() - "host", "vm <uuid>" or "sr <uuid>", case-insensitive
 * @text: the owner field of a data source
 * @ret: the owner, uuid lower-cased
 *
 * Beyond xcp-rrdd, the uuid must be a canonical 36-character uuid: it ends up in file names
 * and URLs.
 *
 * Return: 0, or -EINVAL.
 */
int plugin_parse_owner(const char *text, SrcOwner *ret) {
        char lower[3 + 1 + SRC_UUID_LEN + 1];
        size_t len = strlen(text);
        SrcOwner owner = {0};

        if (len >= sizeof(lower))
                return -EINVAL;
        for (size_t i = 0; i <= len; i++)
                lower[i] =
                        (text[i] >= 'A' && text[i] <= 'Z') ? (char) (text[i] - 'A' + 'a') : text[i];
        if (strcmp(lower, "host") == 0) {
                owner.kind = SRC_OWNER_HOST;
        } else if ((strncmp(lower, "vm ", 3) == 0 || strncmp(lower, "sr ", 3) == 0) &&
                   uuid_is_valid(lower + 3)) {
                owner.kind = lower[0] == 'v' ? SRC_OWNER_VM : SRC_OWNER_SR;
                memcpy(owner.uuid, lower + 3, SRC_UUID_LEN + 1);
        } else
                return -EINVAL;
        *ret = owner;
        return 0;
}

/* Files the members of a data-source object under the keys the readers know. */
static void ds_fields_collect(const JsonDoc *doc, const JsonNode *ds, DsFields *f) {
        *f = (DsFields){0};
        for (const JsonNode *m = json_child(doc, ds); m; m = json_next(doc, m)) {
                size_t len;
                const char *key = json_key(doc, m, &len);
                const JsonNode **slot = NULL;

                switch (len) {
                case 3:
                        if (memcmp(key, "min", 3) == 0)
                                slot = &f->min;
                        else if (memcmp(key, "max", 3) == 0)
                                slot = &f->max;
                        break;
                case 4:
                        if (memcmp(key, "type", 4) == 0)
                                slot = &f->type;
                        break;
                case 5:
                        if (memcmp(key, "units", 5) == 0)
                                slot = &f->units;
                        else if (memcmp(key, "owner", 5) == 0)
                                slot = &f->owner;
                        else if (memcmp(key, "value", 5) == 0)
                                slot = &f->value;
                        break;
                case 7:
                        if (memcmp(key, "default", 7) == 0)
                                slot = &f->is_default;
                        break;
                case 9:
                        if (memcmp(key, "transform", 9) == 0)
                                slot = &f->transform;
                        break;
                case 10:
                        if (memcmp(key, "value_type", 10) == 0)
                                slot = &f->value_type;
                        break;
                case 11:
                        if (memcmp(key, "description", 11) == 0)
                                slot = &f->description;
                        break;
                default:
                        break;
                }
                /* Unknown keys are ignored; for repeated ones the first counts (List.assoc). */
                if (slot && !*slot)
                        *slot = m;
        }
}

/* A field that must be a JSON string when present. */
static int field_string(const JsonDoc *doc, const JsonNode *n, const char *dflt, const char **ret,
                        size_t *ret_len) {
        if (!n) {
                *ret = dflt;
                *ret_len = strlen(dflt);
                return 0;
        }
        if (n->type != JSON_STRING)
                return -EINVAL;
        *ret = json_text(doc, n, ret_len);
        return 0;
}

static bool is_name_valid(const char *name, size_t len) {
        if (len == 0 || len > PLUGIN_MAX_NAME_BYTES)
                return false;
        /* Control characters cannot be carried by the XML outputs. */
        for (size_t i = 0; i < len; i++)
                if ((unsigned char) name[i] < 0x20 || name[i] == 0x7F)
                        return false;
        return true;
}

static bool same_ds(const PluginDs *a, const PluginDs *b) {
        return a->kind == b->kind && a->is_int64 == b->is_int64 && a->owner.kind == b->owner.kind &&
               strcmp(a->owner.uuid, b->owner.uuid) == 0 && strcmp(a->name, b->name) == 0;
}

/*
 * Inverse counters need their previous reading; when metadata is re-parsed (the OCaml writer
 * changes it every cycle) it is carried over from the old metadata, same position first.
 */
static void meta_carry_over(PluginMeta *meta, const PluginMeta *old) {
        if (!old)
                return;
        for (size_t i = 0; i < meta->n_ds; i++) {
                PluginDs *ds = &meta->ds[i];
                const PluginDs *match = NULL;

                if (!ds->is_inverse)
                        continue;
                if (i < old->n_ds && same_ds(&old->ds[i], ds))
                        match = &old->ds[i];
                else
                        for (size_t j = 0; j < old->n_ds && !match; j++)
                                if (old->ds[j].is_inverse && same_ds(&old->ds[j], ds))
                                        match = &old->ds[j];
                if (match) {
                        ds->has_prev = match->has_prev;
                        ds->prev = match->prev;
                        ds->prev_timestamp = match->prev_timestamp;
                }
        }
}

/* The value of a v1 data source: a JSON number or a string, typed by its value_type. */
static int v1_value(const JsonDoc *doc, const JsonNode *n, bool is_int64, PluginValue *ret) {
        size_t len;
        const char *text;

        if (!n)
                return -EINVAL;
        if (n->type == JSON_NUMBER)
                return is_int64 ? json_number_int64(doc, n, &ret->i64)
                                : json_number_double(doc, n, &ret->d);
        if (n->type != JSON_STRING)
                return -EINVAL;
        text = json_text(doc, n, &len);
        return is_int64 ? json_parse_int64(text, len, &ret->i64)
                        : plugin_parse_float(text, &ret->d);
}

/*
 * Builds the data sources from the "datasources" object; for v1 also takes their values into
 * dec->values. One allocation holds the result. Fails with -EINVAL and a reason on any field
 * xcp-rrdd would call an invalid payload.
 */
static int meta_build(PluginDecoder *dec, const JsonNode *dss, PluginProtocol protocol,
                      PluginMeta **ret, const char **ret_reason) {
        const JsonDoc *doc = dec->doc;
        size_t n = dss->n_children, strings_bytes = 0, i = 0, head;
        _cleanup_(plugin_meta_freep) PluginMeta *meta = NULL;
        const char *why = NULL;
        char *s;
        int r;

        if (n > PLUGIN_MAX_DS) {
                *ret_reason = "too many data sources";
                return -E2BIG;
        }
        r = decoder_reserve(dec, n);
        if (r < 0)
                return r;

        /* Pass 1: find each data source's fields and size the strings. */
        for (const JsonNode *m = json_child(doc, dss); m; m = json_next(doc, m), i++) {
                DsFields *f = &dec->fields[i];
                size_t len;

                if (m->type != JSON_OBJECT) {
                        *ret_reason = "a data source is not an object";
                        return -EINVAL;
                }
                ds_fields_collect(doc, m, f);
                strings_bytes += m->key_len + 1;
                if (f->description && f->description->type == JSON_STRING) {
                        (void) json_text(doc, f->description, &len);
                        strings_bytes += len;
                }
                if (f->units && f->units->type == JSON_STRING) {
                        (void) json_text(doc, f->units, &len);
                        strings_bytes += len;
                }
                strings_bytes += 2;
        }

        head = sizeof(PluginMeta) + n * sizeof(PluginDs);
        meta = malloc(head + strings_bytes);
        if (!meta)
                return -ENOMEM;
        *meta = (PluginMeta){
                .n_ds = n,
                .ds = (PluginDs *) (meta + 1),
                .strings = (char *) meta + head,
        };
        s = meta->strings;

        /* Pass 2: check and convert every field. */
        i = 0;
        for (const JsonNode *m = json_child(doc, dss); m; m = json_next(doc, m), i++) {
                const DsFields *f = &dec->fields[i];
                PluginDs *ds = &meta->ds[i];
                const char *name, *text;
                size_t name_len, len;

                *ds = (PluginDs){0};
                name = json_key(doc, m, &name_len);
                if (!is_name_valid(name, name_len)) {
                        why = "invalid data-source name";
                        goto invalid;
                }
                memcpy(s, name, name_len + 1);
                ds->name = s;
                s += name_len + 1;

                if (field_string(doc, f->description, "", &text, &len) < 0) {
                        why = "description is not a string";
                        goto invalid;
                }
                memcpy(s, text, len + 1);
                ds->description = s;
                s += len + 1;

                if (field_string(doc, f->units, "", &text, &len) < 0) {
                        why = "units is not a string";
                        goto invalid;
                }
                memcpy(s, text, len + 1);
                ds->units = s;
                s += len + 1;

                /* value_type: required and exact in v2; optional, any case, in v1. */
                if (protocol == PLUGIN_PROTOCOL_V2 && !f->value_type) {
                        why = "value_type missing";
                        goto invalid;
                }
                if (field_string(doc, f->value_type, "float", &text, &len) < 0) {
                        why = "value_type is not a string";
                        goto invalid;
                }
                if (protocol == PLUGIN_PROTOCOL_V2 ? strcmp(text, "int64") == 0
                                                   : strcasecmp(text, "int64") == 0)
                        ds->is_int64 = true;
                else if (!(protocol == PLUGIN_PROTOCOL_V2 ? strcmp(text, "float") == 0
                                                          : strcasecmp(text, "float") == 0)) {
                        why = "value_type is neither int64 nor float";
                        goto invalid;
                }

                if (field_string(doc, f->type, "absolute", &text, &len) < 0) {
                        why = "type is not a string";
                        goto invalid;
                }
                if (strcasecmp(text, "gauge") == 0)
                        ds->kind = SRC_GAUGE;
                else if (strcasecmp(text, "absolute") == 0)
                        ds->kind = SRC_ABSOLUTE;
                else if (strcasecmp(text, "derive") == 0)
                        ds->kind = SRC_DERIVE;
                else {
                        why = "type is not gauge, absolute or derive";
                        goto invalid;
                }

                if (field_string(doc, f->owner, "host", &text, &len) < 0 ||
                    plugin_parse_owner(text, &ds->owner) < 0) {
                        why = "owner is not host, vm <uuid> or sr <uuid>";
                        goto invalid;
                }

                if (field_string(doc, f->is_default, "false", &text, &len) < 0) {
                        why = "default is not a string";
                        goto invalid;
                }
                if (strcmp(text, "true") == 0)
                        ds->is_default = true;
                else if (strcmp(text, "false") != 0) {
                        why = "default is neither \"true\" nor \"false\"";
                        goto invalid;
                }

                if (field_string(doc, f->min, "-infinity", &text, &len) < 0 ||
                    plugin_parse_float(text, &ds->min) < 0) {
                        why = "min is not a number in a string";
                        goto invalid;
                }
                if (field_string(doc, f->max, "infinity", &text, &len) < 0 ||
                    plugin_parse_float(text, &ds->max) < 0) {
                        why = "max is not a number in a string";
                        goto invalid;
                }

                /* Protocol v1 has no transform; its reader never looks for the key. */
                if (protocol == PLUGIN_PROTOCOL_V2) {
                        if (field_string(doc, f->transform, "identity", &text, &len) < 0) {
                                why = "transform is not a string";
                                goto invalid;
                        }
                        if (strcmp(text, "inverse") == 0)
                                ds->is_inverse = true;
                        else if (strcmp(text, "identity") != 0) {
                                why = "transform is neither inverse nor identity";
                                goto invalid;
                        }
                } else if (v1_value(doc, f->value, ds->is_int64, &dec->values[i]) < 0) {
                        why = "value missing or not of its value_type";
                        goto invalid;
                }
        }

        *ret = TAKE_PTR(meta);
        return 0;

invalid:
        *ret_reason = why;
        return -EINVAL;
}

static int parse_json(PluginDecoder *dec, const uint8_t *text, size_t len, const JsonNode **ret_dss,
                      const char **ret_reason) {
        const JsonNode *root, *dss;
        int r;

        r = json_doc_parse(dec->doc, (const char *) text, len);
        if (r < 0) {
                if (r == -EBADMSG || r == -E2BIG) {
                        *ret_reason = json_doc_error(dec->doc, NULL);
                        return -EINVAL;
                }
                return r;
        }
        root = json_doc_root(dec->doc);
        dss = json_member(dec->doc, root, "datasources");
        if (!dss || dss->type != JSON_OBJECT) {
                *ret_reason = "no \"datasources\" object";
                return -EINVAL;
        }
        *ret_dss = dss;
        return 0;
}

/*
 * The v2 timestamp is specified as an IEEE double, but Python's rrdd.py and the OCaml writers
 * before the change to doubles store whole seconds as an int64. The two cannot be confused: a
 * plausible date as int64 (< 2^52) has a zero exponent field when taken as a double, which no
 * plausible double date has.
 */
static double v2_timestamp(const uint8_t *p) {
        uint64_t bits = be64(p);
        double d;

        if (bits >> 52 == 0)
                return (double) bits;
        memcpy(&d, &bits, sizeof(d));
        return d;
}

static int read_v2(PluginReader *r, PluginDecoder *dec, const uint8_t *buf, size_t size,
                   PluginPayload *ret, size_t *ret_need, const char **ret_reason) {
        _cleanup_(plugin_meta_freep) PluginMeta *parsed = NULL;
        PluginMeta *meta;
        uint32_t n, data_crc, meta_crc;
        size_t values_end;
        double ts;
        int k;

        if (size < PLUGIN_V2_TIMESTAMP_OFFSET) {
                *ret_need = PLUGIN_V2_TIMESTAMP_OFFSET;
                return PLUGIN_READ_NEED_MORE;
        }
        data_crc = be32(buf + 11);
        meta_crc = be32(buf + 15);
        n = be32(buf + 19);
        if (n > PLUGIN_MAX_DS) {
                *ret_reason = "too many data sources";
                return -E2BIG;
        }
        /* xcp-rrdd's order: "no update" is decided on the stored checksum alone. */
        if (r->protocol == PLUGIN_PROTOCOL_V2 && data_crc == r->last_data_crc)
                return PLUGIN_READ_NO_UPDATE;

        values_end = PLUGIN_V2_VALUES_OFFSET + (size_t) n * 8;
        if (size < values_end) {
                *ret_need = values_end;
                return PLUGIN_READ_NEED_MORE;
        }
        if (crc32_of(buf + PLUGIN_V2_TIMESTAMP_OFFSET, values_end - PLUGIN_V2_TIMESTAMP_OFFSET) !=
            data_crc) {
                *ret_reason = "data checksum mismatch";
                return -EBADMSG;
        }
        ts = v2_timestamp(buf + PLUGIN_V2_TIMESTAMP_OFFSET);
        if (!is_timestamp_valid(ts)) {
                *ret_reason = "timestamp out of range";
                return -EINVAL;
        }

        if (r->protocol == PLUGIN_PROTOCOL_V2 && r->meta && r->meta->crc == meta_crc) {
                /* Cache hit: the metadata bytes are not even looked at. */
                meta = r->meta;
                if (meta->n_ds != n) {
                        *ret_reason = "data-source count differs from the cached metadata";
                        return -EINVAL;
                }
        } else {
                const uint8_t *text;
                size_t m;

                if (size < values_end + 4) {
                        *ret_need = values_end + 4;
                        return PLUGIN_READ_NEED_MORE;
                }
                m = be32(buf + values_end);
                if (m > PLUGIN_MAX_PAYLOAD_BYTES - values_end - 4) {
                        *ret_reason = "metadata too large";
                        return -E2BIG;
                }
                if (size < values_end + 4 + m) {
                        *ret_need = values_end + 4 + m;
                        return PLUGIN_READ_NEED_MORE;
                }
                text = buf + values_end + 4;
                if (crc32_of(text, m) != meta_crc) {
                        *ret_reason = "metadata checksum mismatch";
                        return -EBADMSG;
                }
                /* A C writer counts (and checksums) the string's terminating NUL. */
                while (m > 0 && text[0] == '\0') {
                        text++;
                        m--;
                }
                while (m > 0 && text[m - 1] == '\0')
                        m--;

                const JsonNode *dss;
                k = parse_json(dec, text, m, &dss, ret_reason);
                if (k < 0)
                        return k;
                k = meta_build(dec, dss, PLUGIN_PROTOCOL_V2, &parsed, ret_reason);
                if (k < 0)
                        return k;
                if (parsed->n_ds != n) {
                        *ret_reason = "data-source count differs from the metadata";
                        return -EINVAL;
                }
                parsed->crc = meta_crc;
                meta = parsed;
        }

        k = decoder_reserve(dec, n);
        if (k < 0)
                return k;
        for (size_t i = 0; i < n; i++) {
                uint64_t bits = be64(buf + PLUGIN_V2_VALUES_OFFSET + 8 * i);
                if (meta->ds[i].is_int64)
                        dec->values[i].i64 = (int64_t) bits;
                else
                        memcpy(&dec->values[i].d, &bits, sizeof(double));
        }

        /* Everything checked: commit. */
        bool is_parsed = parsed;
        if (parsed) {
                meta_carry_over(parsed, r->protocol == PLUGIN_PROTOCOL_V2 ? r->meta : NULL);
                plugin_meta_free(r->meta);
                r->meta = TAKE_PTR(parsed);
        }
        r->protocol = PLUGIN_PROTOCOL_V2;
        r->last_data_crc = data_crc;
        *ret = (PluginPayload){
                .protocol = PLUGIN_PROTOCOL_V2,
                .timestamp = ts,
                .meta = r->meta,
                .values = dec->values,
                .is_meta_parsed = is_parsed,
        };
        return PLUGIN_READ_OK;
}

static int read_v1(PluginReader *r, PluginDecoder *dec, const uint8_t *buf, size_t size,
                   PluginPayload *ret, size_t *ret_need, const char **ret_reason) {
        _cleanup_(plugin_meta_freep) PluginMeta *parsed = NULL;
        const JsonNode *dss, *ts_node;
        uint8_t md5_field[MD5_DIGEST_SIZE], md5[MD5_DIGEST_SIZE];
        size_t len = 0;
        double ts;
        int k;

        if (size < PLUGIN_V1_PAYLOAD_OFFSET) {
                *ret_need = PLUGIN_V1_PAYLOAD_OFFSET;
                return PLUGIN_READ_NEED_MORE;
        }
        /* Eight hex digits of length (writers differ in case), then 32 of MD5. */
        for (unsigned i = 12; i < 20; i++) {
                int h = unhexchar((char) buf[i]);
                if (h < 0) {
                        *ret_reason = "invalid length field";
                        return -EINVAL;
                }
                len = len << 4 | (size_t) h;
        }
        if (buf[20] != '\n') {
                *ret_reason = "invalid length field";
                return -EINVAL;
        }
        for (unsigned i = 0; i < MD5_DIGEST_SIZE; i++) {
                int hi = unhexchar((char) buf[21 + 2 * i]), lo = unhexchar((char) buf[22 + 2 * i]);
                if (hi < 0 || lo < 0) {
                        *ret_reason = "invalid checksum field";
                        return -EBADMSG;
                }
                md5_field[i] = (uint8_t) (hi << 4 | lo);
        }
        if (buf[53] != '\n') {
                *ret_reason = "invalid checksum field";
                return -EBADMSG;
        }
        if (len > PLUGIN_MAX_PAYLOAD_BYTES - PLUGIN_V1_PAYLOAD_OFFSET) {
                *ret_reason = "payload too large";
                return -E2BIG;
        }
        if (size < PLUGIN_V1_PAYLOAD_OFFSET + len) {
                *ret_need = PLUGIN_V1_PAYLOAD_OFFSET + len;
                return PLUGIN_READ_NEED_MORE;
        }
        /* xcp-rrdd's order: verify the payload, then compare with the last accepted one. */
        md5_buffer(buf + PLUGIN_V1_PAYLOAD_OFFSET, len, md5);
        if (memcmp(md5, md5_field, sizeof(md5)) != 0) {
                *ret_reason = "payload checksum mismatch";
                return -EBADMSG;
        }
        if (r->protocol == PLUGIN_PROTOCOL_V1 && memcmp(md5, r->last_md5, sizeof(md5)) == 0)
                return PLUGIN_READ_NO_UPDATE;

        k = parse_json(dec, buf + PLUGIN_V1_PAYLOAD_OFFSET, len, &dss, ret_reason);
        if (k < 0)
                return k;
        ts_node = json_member(dec->doc, json_doc_root(dec->doc), "timestamp");
        if (!ts_node) {
                *ret_reason = "no timestamp";
                return -EINVAL;
        }
        if (ts_node->type == JSON_NUMBER)
                (void) json_number_double(dec->doc, ts_node, &ts);
        else if (ts_node->type != JSON_STRING ||
                 plugin_parse_float(json_text(dec->doc, ts_node, NULL), &ts) < 0) {
                *ret_reason = "timestamp is not a number";
                return -EINVAL;
        }
        if (!is_timestamp_valid(ts)) {
                *ret_reason = "timestamp out of range";
                return -EINVAL;
        }
        k = meta_build(dec, dss, PLUGIN_PROTOCOL_V1, &parsed, ret_reason);
        if (k < 0)
                return k;

        meta_carry_over(parsed, r->protocol == PLUGIN_PROTOCOL_V1 ? r->meta : NULL);
        plugin_meta_free(r->meta);
        r->meta = TAKE_PTR(parsed);
        r->protocol = PLUGIN_PROTOCOL_V1;
        memcpy(r->last_md5, md5, sizeof(md5));
        *ret = (PluginPayload){
                .protocol = PLUGIN_PROTOCOL_V1,
                .timestamp = ts,
                .meta = r->meta,
                .values = dec->values,
                .is_meta_parsed = true,
        };
        return PLUGIN_READ_OK;
}

/**
 * plugin_read() - decode one plugin file's contents
 * @r: that plugin's reader state; updated only when PLUGIN_READ_OK is returned
 * @dec: scratch space, shared by all plugins
 * @buf: the file's first @size bytes
 * @size: how many bytes @buf holds
 * @ret: the payload, on PLUGIN_READ_OK
 * @ret_need: on PLUGIN_READ_NEED_MORE, the total size in bytes that the payload needs so far
 *            (call again with at least that many; if the file is shorter, it is truncated)
 * @ret_reason: on errors, a static one-line description
 *
 * The protocol is recognised per call: "DATASOURCES\n" and eight hex digits make v1, the bare
 * "DATASOURCES" v2 (a v2 count below 0x30000000 cannot look like hex digits).
 *
 * Return: PLUGIN_READ_OK, PLUGIN_READ_NO_UPDATE, PLUGIN_READ_NEED_MORE; -EPROTO for a file in
 * neither format, -EBADMSG for a checksum mismatch, -EINVAL for an invalid payload, -E2BIG for
 * lengths beyond PLUGIN_MAX_PAYLOAD_BYTES, -ENOMEM.
 */
int plugin_read(PluginReader *r, PluginDecoder *dec, const uint8_t *buf, size_t size,
                PluginPayload *ret, size_t *ret_need, const char **ret_reason) {
        const char *reason_dummy;
        size_t need_dummy;
        bool is_v1 = true;

        if (!ret_reason)
                ret_reason = &reason_dummy;
        if (!ret_need)
                ret_need = &need_dummy;
        *ret_reason = NULL;

        if (memcmp(buf, PLUGIN_V2_MAGIC,
                   size < PLUGIN_V2_MAGIC_BYTES ? size : PLUGIN_V2_MAGIC_BYTES) != 0) {
                *ret_reason = "no DATASOURCES header";
                return -EPROTO;
        }
        /* Both formats are longer than this; below it they cannot be told apart yet. */
        if (size < 20) {
                *ret_need = 20;
                return PLUGIN_READ_NEED_MORE;
        }
        if (buf[11] != '\n')
                is_v1 = false;
        for (unsigned i = 12; i < 20 && is_v1; i++)
                is_v1 = unhexchar((char) buf[i]) >= 0;
        if (is_v1)
                return read_v1(r, dec, buf, size, ret, ret_need, ret_reason);
        return read_v2(r, dec, buf, size, ret, ret_need, ret_reason);
}
