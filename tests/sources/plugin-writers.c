/* SPDX-License-Identifier: MIT */
/*
 * Writers of plugin files in the styles of xcp-rrdd's OCaml, Python and C writers (test-only).
 * JSON is built as a small tree of members and rendered in each writer's style; checksums come
 * from zlib (CRC-32) and the project's MD5, which its own test checks against RFC 1321.
 */

#include "tests/sources/plugin-writers.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

#include "rrdd/macro.h"
#include "sources/md5.h"

/* ---- a growable byte buffer ---- */

typedef struct Buf {
        char *p;
        size_t len;
        size_t alloc;
        bool is_oom;
} Buf;

static void buf_put(Buf *b, const void *data, size_t n) {
        if (b->is_oom)
                return;
        if (b->len + n + 1 > b->alloc) {
                size_t a = (b->len + n + 1) * 2;
                char *q = realloc(b->p, a);
                if (!q) {
                        b->is_oom = true;
                        return;
                }
                b->p = q;
                b->alloc = a;
        }
        memcpy(b->p + b->len, data, n);
        b->len += n;
        b->p[b->len] = '\0';
}

static void buf_puts(Buf *b, const char *s) {
        buf_put(b, s, strlen(s));
}

static _printf_(2, 3) void buf_printf(Buf *b, const char *fmt, ...) {
        char tmp[512];
        va_list ap;
        int n;

        va_start(ap, fmt);
        n = vsnprintf(tmp, sizeof(tmp), fmt, ap);
        va_end(ap);
        if (n < 0 || (size_t) n >= sizeof(tmp)) {
                b->is_oom = true;
                return;
        }
        buf_put(b, tmp, (size_t) n);
}

static void buf_json_string(Buf *b, const char *s, bool escape_slash) {
        buf_puts(b, "\"");
        for (; *s; s++) {
                unsigned char c = (unsigned char) *s;
                if (c == '"' || c == '\\')
                        buf_printf(b, "\\%c", c);
                else if (c == '/' && escape_slash)
                        buf_puts(b, "\\/");
                else if (c == '\n')
                        buf_puts(b, "\\n");
                else if (c < 0x20)
                        buf_printf(b, "\\u%04x", c);
                else
                        buf_put(b, s, 1);
        }
        buf_puts(b, "\"");
}

/* ---- a JSON object tree, rendered in a writer's style ---- */

typedef struct Obj Obj;
typedef struct Member {
        char *key;
        char *raw; /* a rendered scalar, or NULL when obj is set */
        Obj *obj;
} Member;
struct Obj {
        Member *m;
        size_t n;
};

typedef struct Style {
        unsigned indent;        /* 0: everything on one line */
        bool space_after_colon; /* "k": v */
        bool space_after_comma; /* compact style only: ", " */
        bool escape_slash;      /* parson writes "\/" */
        bool sort_keys;
} Style;

static Obj *obj_new(void) {
        return calloc(1, sizeof(Obj));
}

static void obj_free(Obj *o) {
        if (!o)
                return;
        for (size_t i = 0; i < o->n; i++) {
                free(o->m[i].key);
                free(o->m[i].raw);
                obj_free(o->m[i].obj);
        }
        free(o->m);
        free(o);
}

static Member *obj_add(Obj *o, const char *key) {
        Member *m = realloc(o->m, (o->n + 1) * sizeof(*m));
        if (!m)
                abort();
        o->m = m;
        m = &o->m[o->n++];
        *m = (Member){.key = strdup(key)};
        if (!m->key)
                abort();
        return m;
}

static void obj_str(Obj *o, const char *key, const char *value, bool escape_slash) {
        Buf b = {0};
        buf_json_string(&b, value, escape_slash);
        if (b.is_oom)
                abort();
        obj_add(o, key)->raw = b.p;
}

static void obj_raw(Obj *o, const char *key, const char *raw) {
        obj_add(o, key)->raw = strdup(raw);
}

static Obj *obj_obj(Obj *o, const char *key) {
        Obj *c = obj_new();
        if (!c)
                abort();
        obj_add(o, key)->obj = c;
        return c;
}

static int member_cmp(const void *a, const void *b) {
        return strcmp(((const Member *) a)->key, ((const Member *) b)->key);
}

static void indent_to(Buf *b, const Style *st, unsigned depth) {
        buf_puts(b, "\n");
        for (unsigned i = 0; i < depth * st->indent; i++)
                buf_puts(b, " ");
}

static void obj_render(Buf *b, Obj *o, const Style *st, unsigned depth) {
        if (st->sort_keys && o->n > 1)
                /* Stable enough for tests: Python's sort_keys, no duplicate keys here. */
                qsort(o->m, o->n, sizeof(*o->m), member_cmp);
        buf_puts(b, "{");
        for (size_t i = 0; i < o->n; i++) {
                if (i > 0)
                        buf_puts(b, st->indent == 0 && st->space_after_comma ? ", " : ",");
                if (st->indent > 0)
                        indent_to(b, st, depth + 1);
                buf_json_string(b, o->m[i].key, st->escape_slash);
                buf_puts(b, st->space_after_colon ? ": " : ":");
                if (o->m[i].obj)
                        obj_render(b, o->m[i].obj, st, depth + 1);
                else
                        buf_puts(b, o->m[i].raw);
        }
        if (st->indent > 0 && o->n > 0)
                indent_to(b, st, depth);
        buf_puts(b, "}");
}

/* ---- number formats of the writers ---- */

/* OCaml's Printf "%.2f": "inf", "-inf", "nan" for the non-finite values. */
static void fmt_ocaml_2f(char *out, size_t size, double v) {
        if (isnan(v))
                (void) snprintf(out, size, "nan");
        else
                (void) snprintf(out, size, "%.2f", v);
}

/* Python's repr() of a float: the shortest text that reads back, with ".0" when integral. */
static void fmt_python_float(char *out, size_t size, double v) {
        if (isinf(v)) {
                (void) snprintf(out, size, v > 0 ? "inf" : "-inf");
                return;
        }
        if (isnan(v)) {
                (void) snprintf(out, size, "nan");
                return;
        }
        for (int prec = 1; prec <= 17; prec++) {
                (void) snprintf(out, size, "%.*g", prec, v);
                if (strtod(out, NULL) == v)
                        break;
        }
        if (!strpbrk(out, ".en"))
                (void) strncat(out, ".0", size - strlen(out) - 1);
}

static const char *ds_owner(const TwDs *d) {
        return d->owner ? d->owner : "host";
}

static const char *ds_type(const TwDs *d) {
        return d->type ? d->type : "absolute";
}

static const char *ds_units(const TwDs *d) {
        return d->units ? d->units : "";
}

/* ---- images ---- */

void tw_image_free(TwImage *img) {
        free(img->data);
        *img = (TwImage){0};
}

static void put_be32(uint8_t *p, uint32_t v) {
        p[0] = (uint8_t) (v >> 24);
        p[1] = (uint8_t) (v >> 16);
        p[2] = (uint8_t) (v >> 8);
        p[3] = (uint8_t) v;
}

static void put_be64(uint8_t *p, uint64_t v) {
        put_be32(p, (uint32_t) (v >> 32));
        put_be32(p + 4, (uint32_t) v);
}

static uint32_t crc(const uint8_t *p, size_t n) {
        return (uint32_t) crc32_z(crc32_z(0L, Z_NULL, 0), p, n);
}

static void segment(TwImage *img, size_t offset, size_t size) {
        if (img->n_segments >= TW_MAX_SEGMENTS)
                abort();
        img->segments[img->n_segments].offset = offset;
        img->segments[img->n_segments].size = size;
        img->n_segments++;
}

/*
 * Lays out a v2 file: header, values, metadata (m bytes, NUL included if the writer counts it),
 * file size at least @file_size. Segments are added by the caller.
 */
static int v2_layout(const TwDs *const *ds, size_t n, double timestamp, bool ts_as_int64,
                     const char *metadata, size_t m, size_t file_size, TwImage *ret) {
        size_t payload = 35 + 8 * n + m;
        TwImage img = {0};
        uint64_t ts_bits;

        img.payload_size = payload;
        img.size = file_size > payload ? file_size : payload;
        img.data = calloc(1, img.size);
        if (!img.data)
                return -ENOMEM;
        memcpy(img.data, "DATASOURCES", 11);
        put_be32(img.data + 15, crc((const uint8_t *) metadata, m));
        put_be32(img.data + 19, (uint32_t) n);
        if (ts_as_int64)
                ts_bits = (uint64_t) (int64_t) timestamp;
        else
                memcpy(&ts_bits, &timestamp, sizeof(ts_bits));
        put_be64(img.data + 23, ts_bits);
        for (size_t i = 0; i < n; i++) {
                uint64_t bits;
                if (ds[i]->is_int64)
                        bits = (uint64_t) ds[i]->i64;
                else
                        memcpy(&bits, &ds[i]->d, sizeof(bits));
                put_be64(img.data + 31 + 8 * i, bits);
        }
        put_be32(img.data + 31 + 8 * n, (uint32_t) m);
        memcpy(img.data + 35 + 8 * n, metadata, m);
        put_be32(img.data + 11, crc(img.data + 23, 8 + 8 * n));
        *ret = img;
        return 0;
}

int tw_v2_raw(const char *metadata, size_t m, const uint64_t *value_bits, size_t n,
              uint64_t ts_bits, TwImage *ret) {
        TwImage img = {0};

        img.size = img.payload_size = 35 + 8 * n + m;
        img.data = calloc(1, img.size);
        if (!img.data)
                return -ENOMEM;
        memcpy(img.data, "DATASOURCES", 11);
        put_be32(img.data + 15, crc((const uint8_t *) metadata, m));
        put_be32(img.data + 19, (uint32_t) n);
        put_be64(img.data + 23, ts_bits);
        for (size_t i = 0; i < n; i++)
                put_be64(img.data + 31 + 8 * i, value_bits[i]);
        put_be32(img.data + 31 + 8 * n, (uint32_t) m);
        memcpy(img.data + 35 + 8 * n, metadata, m);
        put_be32(img.data + 11, crc(img.data + 23, 8 + 8 * n));
        *ret = img;
        segment(ret, 0, ret->size);
        return 0;
}

int tw_v2_ocaml(const TwDs *ds, size_t n, double timestamp, bool ts_as_int64, TwImage *ret) {
        const Style st = {0};
        _cleanup_free_ const TwDs **order = calloc(n + 1, sizeof(*order));
        Obj *root = obj_new(), *dss;
        Buf b = {0};
        int r;

        if (!root || !order)
                abort();
        dss = obj_obj(root, "datasources");
        for (size_t i = 0; i < n; i++) {
                Obj *o = obj_obj(dss, ds[i].name);
                char num[64];

                order[i] = &ds[i];
                /* Rrd_json's order and formats. */
                if (ds[i].description && ds[i].description[0])
                        obj_str(o, "description", ds[i].description, false);
                obj_str(o, "owner", ds_owner(&ds[i]), false);
                if (ds[i].is_inverse)
                        obj_str(o, "transform", "inverse", false);
                if (ds[i].is_int64)
                        (void) snprintf(num, sizeof(num), "%" PRId64, ds[i].i64);
                else
                        fmt_ocaml_2f(num, sizeof(num), ds[i].d);
                obj_str(o, "value", num, false);
                obj_str(o, "value_type", ds[i].is_int64 ? "int64" : "float", false);
                obj_str(o, "type", ds_type(&ds[i]), false);
                obj_str(o, "default", ds[i].is_default ? "true" : "false", false);
                obj_str(o, "units", ds_units(&ds[i]), false);
                fmt_ocaml_2f(num, sizeof(num), ds[i].min);
                obj_str(o, "min", num, false);
                fmt_ocaml_2f(num, sizeof(num), ds[i].max);
                obj_str(o, "max", num, false);
        }
        obj_render(&b, root, &st, 0);
        obj_free(root);
        if (b.is_oom)
                abort();

        size_t payload = 35 + 8 * n + b.len;
        r = v2_layout(order, n, timestamp, ts_as_int64, b.p, b.len, (payload + 4095) / 4096 * 4096,
                      ret);
        free(b.p);
        if (r < 0)
                return r;
        /* Rrd_protocol_v2.write_payload's order: the data CRC goes in last. */
        segment(ret, 0, 11);
        segment(ret, 15, 4);
        segment(ret, 19, 4);
        segment(ret, 23, 8);
        segment(ret, 31, 8 * n);
        segment(ret, 35 + 8 * n, ret->payload_size - 35 - 8 * n);
        segment(ret, 31 + 8 * n, 4);
        segment(ret, 11, 4);
        return 0;
}

static int ds_name_cmp(const void *a, const void *b) {
        return strcmp((*(const TwDs *const *) a)->name, (*(const TwDs *const *) b)->name);
}

int tw_v2_python(const TwDs *ds, size_t n, double timestamp, TwImage *ret) {
        const Style st = {.space_after_colon = true, .space_after_comma = true, .sort_keys = true};
        _cleanup_free_ const TwDs **order = calloc(n + 1, sizeof(*order));
        Obj *root = obj_new(), *dss;
        Buf b = {0};
        int r;

        if (!root || !order)
                abort();
        for (size_t i = 0; i < n; i++)
                order[i] = &ds[i];
        /* Data sources in name order, so the values are too. */
        qsort(order, n, sizeof(*order), ds_name_cmp);
        dss = obj_obj(root, "datasources");
        for (size_t i = 0; i < n; i++) {
                const TwDs *d = order[i];
                Obj *o = obj_obj(dss, d->name);
                char num[64];

                obj_str(o, "description", d->description ? d->description : "", false);
                obj_str(o, "units", ds_units(d), false);
                obj_str(o, "type", ds_type(d), false);
                obj_str(o, "value_type", d->is_int64 ? "int64" : "float", false);
                obj_str(o, "owner", ds_owner(d), false);
                obj_str(o, "default", "true", false);
                fmt_python_float(num, sizeof(num), d->min);
                obj_str(o, "min", num, false);
                fmt_python_float(num, sizeof(num), d->max);
                obj_str(o, "max", num, false);
                if (d->is_inverse)
                        obj_str(o, "transform", "inverse", false);
        }
        obj_render(&b, root, &st, 0);
        obj_free(root);
        if (b.is_oom)
                abort();
        r = v2_layout(order, n, timestamp, true, b.p, b.len, 0, ret);
        free(b.p);
        if (r < 0)
                return r;
        /* Values, then metadata length and text, then the header block with both CRCs. */
        segment(ret, 31, 8 * n);
        segment(ret, 31 + 8 * n, ret->payload_size - 31 - 8 * n);
        segment(ret, 0, 31);
        return 0;
}

int tw_v2_c(const TwDs *ds, size_t n, double timestamp, TwImage *ret) {
        /* rrd-client-lib: 16 sources at most, 2048 bytes of JSON each, one fixed buffer. */
        const size_t max_sources = 16, max_json = 2048 * 16;
        const Style st = {.indent = 4, .space_after_colon = true, .escape_slash = true};
        _cleanup_free_ const TwDs **order = calloc(n + 1, sizeof(*order));
        Obj *root = obj_new(), *dss;
        Buf b = {0};
        int r;

        if (!root || !order || n > max_sources)
                abort();
        dss = obj_obj(root, "datasources");
        for (size_t i = 0; i < n; i++) {
                Obj *o = obj_obj(dss, ds[i].name);
                char num[64];

                order[i] = &ds[i];
                obj_str(o, "description", ds[i].description ? ds[i].description : "", true);
                obj_str(o, "units", ds_units(&ds[i]), true);
                (void) snprintf(num, sizeof(num), "%g", ds[i].min);
                obj_str(o, "min", num, true);
                (void) snprintf(num, sizeof(num), "%g", ds[i].max);
                obj_str(o, "max", num, true);
                obj_str(o, "default", ds[i].is_default ? "true" : "false", true);
                obj_str(o, "owner", ds_owner(&ds[i]), true);
                obj_str(o, "value_type", ds[i].is_int64 ? "int64" : "float", true);
                obj_str(o, "type", ds_type(&ds[i]), true);
                if (ds[i].is_inverse)
                        obj_str(o, "transform", "inverse", true);
        }
        obj_render(&b, root, &st, 0);
        obj_free(root);
        if (b.is_oom)
                abort();
        /* The serialised size counts the terminating NUL, and so do the length and the CRC. */
        r = v2_layout(order, n, timestamp, false, b.p, b.len + 1,
                      31 + 8 * max_sources + 4 + max_json, ret);
        free(b.p);
        if (r < 0)
                return r;
        segment(ret, 0, ret->size);
        return 0;
}

static int v1_finish(Buf *json, bool upper_hex, TwImage *ret) {
        uint8_t md5[MD5_DIGEST_SIZE];
        Buf b = {0};
        TwImage img = {0};

        md5_buffer(json->p, json->len, md5);
        buf_puts(&b, "DATASOURCES\n");
        buf_printf(&b, upper_hex ? "%08zX\n" : "%08zx\n", json->len);
        for (unsigned i = 0; i < MD5_DIGEST_SIZE; i++)
                buf_printf(&b, "%02x", md5[i]);
        buf_puts(&b, "\n");
        buf_put(&b, json->p, json->len);
        if (b.is_oom)
                return -ENOMEM;
        img.data = (uint8_t *) b.p;
        img.size = img.payload_size = b.len;
        *ret = img;
        segment(ret, 0, ret->size);
        return 0;
}

int tw_v1_raw(const char *json, size_t len, bool upper_hex, TwImage *ret) {
        Buf b = {0};

        buf_put(&b, json, len);
        if (b.is_oom)
                return -ENOMEM;
        int r = v1_finish(&b, upper_hex, ret);
        free(b.p);
        return r;
}

int tw_v1_ocaml(const TwDs *ds, size_t n, double timestamp, TwImage *ret) {
        const Style st = {0};
        Obj *root = obj_new(), *dss;
        Buf b = {0};
        char num[64];
        int r;

        if (!root)
                abort();
        (void) snprintf(num, sizeof(num), "%.17g", timestamp);
        obj_raw(root, "timestamp", num);
        dss = obj_obj(root, "datasources");
        for (size_t i = 0; i < n; i++) {
                Obj *o = obj_obj(dss, ds[i].name);

                if (ds[i].description && ds[i].description[0])
                        obj_str(o, "description", ds[i].description, false);
                obj_str(o, "owner", ds_owner(&ds[i]), false);
                if (ds[i].is_int64)
                        (void) snprintf(num, sizeof(num), "%" PRId64, ds[i].i64);
                else
                        fmt_ocaml_2f(num, sizeof(num), ds[i].d);
                obj_str(o, "value", num, false);
                obj_str(o, "value_type", ds[i].is_int64 ? "int64" : "float", false);
                obj_str(o, "type", ds_type(&ds[i]), false);
                obj_str(o, "default", ds[i].is_default ? "true" : "false", false);
                obj_str(o, "units", ds_units(&ds[i]), false);
                fmt_ocaml_2f(num, sizeof(num), ds[i].min);
                obj_str(o, "min", num, false);
                fmt_ocaml_2f(num, sizeof(num), ds[i].max);
                obj_str(o, "max", num, false);
        }
        obj_render(&b, root, &st, 0);
        obj_free(root);
        buf_puts(&b, "\n");
        if (b.is_oom)
                abort();
        r = v1_finish(&b, false, ret);
        free(b.p);
        return r;
}

int tw_v1_python(const TwDs *ds, size_t n, double timestamp, TwImage *ret) {
        const Style st = {.indent = 2, .space_after_colon = true, .sort_keys = true};
        Obj *root = obj_new(), *dss;
        Buf b = {0};
        char num[64];
        int r;

        if (!root)
                abort();
        (void) snprintf(num, sizeof(num), "%" PRId64, (int64_t) timestamp);
        obj_raw(root, "timestamp", num);
        dss = obj_obj(root, "datasources");
        for (size_t i = 0; i < n; i++) {
                Obj *o = obj_obj(dss, ds[i].name);

                if (ds[i].is_int64)
                        (void) snprintf(num, sizeof(num), "%" PRId64, ds[i].i64);
                else
                        fmt_python_float(num, sizeof(num), ds[i].d);
                obj_raw(o, "value", num);
                obj_str(o, "description", ds[i].description ? ds[i].description : "", false);
                obj_str(o, "units", ds_units(&ds[i]), false);
                obj_str(o, "value_type", ds[i].is_int64 ? "int64" : "float", false);
                fmt_python_float(num, sizeof(num), ds[i].min);
                obj_str(o, "min", num, false);
                fmt_python_float(num, sizeof(num), ds[i].max);
                obj_str(o, "max", num, false);
        }
        obj_render(&b, root, &st, 0);
        obj_free(root);
        if (b.is_oom)
                abort();
        r = v1_finish(&b, true, ret);
        free(b.p);
        return r;
}

/* ---- files ---- */

static int pwrite_all(int fd, const uint8_t *p, size_t n, off_t offset) {
        while (n > 0) {
                ssize_t k = pwrite(fd, p, n, offset);
                if (k < 0) {
                        if (errno == EINTR)
                                continue;
                        return -errno;
                }
                p += k;
                n -= (size_t) k;
                offset += k;
        }
        return 0;
}

int tw_write_in_place(int dir_fd, const char *name, const TwImage *img, size_t n_segments) {
        _cleanup_close_ int fd = openat(dir_fd, name, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
        struct stat st;

        if (fd < 0 || fstat(fd, &st) < 0)
                return -errno;
        /* Writers size the file once and then only overwrite; it never shrinks. */
        if ((size_t) st.st_size < img->size && ftruncate(fd, (off_t) img->size) < 0)
                return -errno;
        if (n_segments > img->n_segments)
                n_segments = img->n_segments;
        for (size_t i = 0; i < n_segments; i++) {
                int r = pwrite_all(fd, img->data + img->segments[i].offset, img->segments[i].size,
                                   (off_t) img->segments[i].offset);
                if (r < 0)
                        return r;
        }
        return 0;
}

int tw_write_prefix(int dir_fd, const char *name, const TwImage *img, size_t size) {
        _cleanup_close_ int fd =
                openat(dir_fd, name, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);

        if (fd < 0)
                return -errno;
        return pwrite_all(fd, img->data, size < img->size ? size : img->size, 0);
}

int tw_write_rename(int dir_fd, const char *name, const TwImage *img) {
        char tmp[512];
        int r;

        (void) snprintf(tmp, sizeof(tmp), "%s.tmp", name);
        r = tw_write_prefix(dir_fd, tmp, img, img->size);
        if (r < 0)
                return r;
        if (renameat(dir_fd, tmp, dir_fd, name) < 0)
                return -errno;
        return 0;
}
