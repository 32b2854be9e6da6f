/* SPDX-License-Identifier: MIT */
/*
 * The archive serialiser. The document is cut into small items (the header, one <ds> block, one
 * archive head, one cdp_prep entry, one row value, a closing tag), each at most ITEM_MAX bytes
 * and fully determined by the RRD, so the bytes produced do not depend on how the caller slices
 * its reads. An item goes straight into the caller's buffer when ITEM_MAX bytes are free there,
 * otherwise into a staging buffer that drains over the following reads. Nothing is allocated
 * after persist_writer_new().
 */

#include "persist/writer.h"

#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "consolidate/num.h"
#include "persist/numtext.h"

/*
 * The largest item: a <ds> block with a 127-byte name escaped at 6 bytes per character, five
 * numbers and the tags around them, well under 2 KiB.
 */
#define ITEM_MAX 2048

typedef enum Phase {
        PHASE_HEAD,
        PHASE_DS,
        PHASE_DS_END,
        PHASE_RRA_HEAD,
        PHASE_CDP,
        PHASE_CDP_END,
        PHASE_ROWS,
        PHASE_RRA_END,
        PHASE_END,
        PHASE_DONE,
} Phase;

struct PersistWriter {
        const Rrd *rrd;
        PersistFormat fmt;
        size_t (*format_double)(char *buf, double v);
        Phase phase;
        size_t n_ds;
        size_t n_rra;
        size_t i_ds;
        size_t i_rra;
        size_t i_row;
        uint32_t n_rows;   /* rows of archive i_rra */
        const double *row; /* row i_row of archive i_rra, while in PHASE_ROWS */
        size_t stage_len;
        size_t stage_pos;
        bool rrdtool_names;
        bool xcp_internal;
        char stage[ITEM_MAX];
};

#define PUT_LIT(p, s)                            \
        ({                                       \
                memcpy((p), (s), sizeof(s) - 1); \
                (p) + sizeof(s) - 1;             \
        })

static char *put_str(char *p, const char *s) {
        size_t n = strlen(s);
        memcpy(p, s, n);
        return p + n;
}

static char *put_double(const PersistWriter *w, char *p, double v) {
        return p + w->format_double(p, v);
}

static char *put_u64(char *p, uint64_t v) {
        return p + num_format_u64(p, v);
}

static char *put_i64(char *p, int64_t v) {
        return p + num_format_i64(p, v);
}

/*
 * last_ds keeps its kind across a save and a load: 'U' when unknown (rrdtool's spelling),
 * integers as bare digits, doubles always with a '.', an exponent or a letter so that the
 * reader, which maps bare digits to an integer, gives back a double.
 */
static char *put_last_ds(const PersistWriter *w, char *p, const RrdValue *v) {
        switch (v->kind) {
        case RRD_VALUE_INT:
                if (v->negative)
                        *p++ = '-';
                return put_u64(p, v->magnitude);
        case RRD_VALUE_DOUBLE: {
                char *start = p;
                p = put_double(w, p, v->d);
                for (char *q = start; q < p; q++)
                        if (!(*q >= '0' && *q <= '9') && *q != '-')
                                return p;
                return PUT_LIT(p, ".0");
        }
        default:
                *p++ = 'U';
                return p;
        }
}

/* Names are validated by the engine to exclude XML and JSON specials; escape anyway. */
static char *put_escaped(char *p, const char *s, PersistFormat fmt) {
        for (; *s; s++) {
                unsigned char c = (unsigned char) *s;
                if (fmt == PERSIST_FORMAT_XML) {
                        switch (c) {
                        case '<':
                                p = PUT_LIT(p, "&lt;");
                                continue;
                        case '>':
                                p = PUT_LIT(p, "&gt;");
                                continue;
                        case '&':
                                p = PUT_LIT(p, "&amp;");
                                continue;
                        case '"':
                                p = PUT_LIT(p, "&quot;");
                                continue;
                        default:
                                break;
                        }
                } else if (c == '"' || c == '\\') {
                        *p++ = '\\';
                } else if (c < 0x20) {
                        static const char hex[] = "0123456789abcdef";
                        p = PUT_LIT(p, "\\u00");
                        *p++ = hex[c >> 4];
                        *p++ = hex[c & 15];
                        continue;
                }
                *p++ = (char) c;
        }
        return p;
}

static bool has_d_types(const Rrd *rrd) {
        for (size_t i = 0; i < rrd_n_ds(rrd); i++) {
                RrdDsType t = rrd_ds_def(rrd, i)->type;
                if (t == RRD_DS_DCOUNTER || t == RRD_DS_DDERIVE)
                        return true;
        }
        return false;
}

/* lastupdate with its microseconds as a decimal fraction, trailing zeros dropped (JSON). */
static char *put_time_fraction(char *p, int64_t s, uint32_t usec) {
        p = put_i64(p, s);
        if (usec > 0) {
                char frac[7];
                int n = 6;
                for (int k = 5; k >= 0; k--) {
                        frac[k] = (char) ('0' + usec % 10);
                        usec /= 10;
                }
                while (n > 1 && frac[n - 1] == '0')
                        n--;
                *p++ = '.';
                memcpy(p, frac, (size_t) n);
                p += n;
        }
        return p;
}

static char *emit_head(PersistWriter *w, char *p) {
        const Rrd *rrd = w->rrd;
        const char *version = has_d_types(rrd) ? "0005" : "0003";
        uint32_t usec = rrd_last_up_usec(rrd);

        if (w->fmt == PERSIST_FORMAT_XML) {
                p = PUT_LIT(p, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<rrd><version>");
                p = put_str(p, version);
                p = PUT_LIT(p, "</version><step>");
                p = put_u64(p, rrd_step(rrd));
                p = PUT_LIT(p, "</step><lastupdate");
                /* rrdtool restore ignores attributes; the text stays an integer for clients. */
                if (usec > 0) {
                        p = PUT_LIT(p, " usec=\"");
                        p = put_u64(p, usec);
                        *p++ = '"';
                }
                *p++ = '>';
                p = put_i64(p, rrd_last_up(rrd));
                p = PUT_LIT(p, "</lastupdate>");
        } else {
                p = PUT_LIT(p, "{\"version\":\"");
                p = put_str(p, version);
                p = PUT_LIT(p, "\",\"step\":\"");
                p = put_u64(p, rrd_step(rrd));
                p = PUT_LIT(p, "\",\"lastupdate\":\"");
                p = put_time_fraction(p, rrd_last_up(rrd), usec);
                p = PUT_LIT(p, "\",\"ds\":[");
        }
        return p;
}

static bool rrdtool_accepts(const char *name) {
        size_t n = strlen(name);
        if (n == 0 || n > 19)
                return false;
        for (size_t i = 0; i < n; i++) {
                char c = name[i];
                if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                      c == '_' || c == '-'))
                        return false;
        }
        return true;
}

static void rewrite_name(const char *name, uint32_t salt, char ret[20]) {
        size_t n = strlen(name), k = n > 19 ? 14 : n;
        uint32_t h = 2166136261u ^ salt;

        for (size_t i = 0; i < k; i++) {
                char c = name[i];
                ret[i] = ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
                          (c >= '0' && c <= '9') || c == '-')
                                 ? c
                                 : '_';
        }
        ret[k] = '\0';
        if (n <= 19 && salt == 0)
                return;
        for (size_t i = 0; i < n; i++) {
                h ^= (unsigned char) name[i];
                h *= 16777619u;
        }
        if (k > 14)
                k = 14;
        (void) snprintf(ret + k, 20 - k, "_%04x", (unsigned) (h & 0xffff));
}

void persist_rrdtool_name(const Rrd *rrd, size_t i_ds, char ret[20]) {
        const char *name = rrd_ds_def(rrd, i_ds)->name;

        if (rrdtool_accepts(name)) {
                memcpy(ret, name, strlen(name) + 1);
                return;
        }
        /* A salt until the rewritten name is nobody else's (original or rewritten). */
        for (uint32_t salt = 0;; salt++) {
                bool taken = false;
                rewrite_name(name, salt, ret);
                for (size_t j = 0; j < rrd_n_ds(rrd) && !taken; j++) {
                        const char *other = rrd_ds_def(rrd, j)->name;
                        char o[20];
                        if (j == i_ds)
                                continue;
                        if (rrdtool_accepts(other))
                                taken = strcmp(other, ret) == 0;
                        else if (j < i_ds) {
                                persist_rrdtool_name(rrd, j, o);
                                taken = strcmp(o, ret) == 0;
                        }
                }
                if (!taken)
                        return;
        }
}

static char *emit_ds(PersistWriter *w, char *p) {
        const RrdDsDef *d = rrd_ds_def(w->rrd, w->i_ds);
        char short_name[20];
        const char *name = d->name;
        RrdDsState st;

        if (w->rrdtool_names) {
                persist_rrdtool_name(w->rrd, w->i_ds, short_name);
                name = short_name;
        }
        rrd_get_ds_state(w->rrd, w->i_ds, &st);
        if (w->fmt == PERSIST_FORMAT_XML) {
                p = PUT_LIT(p, "<ds><name>");
                p = put_escaped(p, name, w->fmt);
                p = PUT_LIT(p, "</name><type>");
                p = put_str(p, rrd_ds_type_to_string(d->type));
                p = PUT_LIT(p, "</type><minimal_heartbeat>");
                p = put_u64(p, d->heartbeat_s);
                p = PUT_LIT(p, "</minimal_heartbeat><min>");
                p = put_double(w, p, d->min);
                p = PUT_LIT(p, "</min><max>");
                p = put_double(w, p, d->max);
                p = PUT_LIT(p, "</max><last_ds>");
                p = put_last_ds(w, p, &st.last_ds);
                p = PUT_LIT(p, "</last_ds><value>");
                p = put_double(w, p, st.value);
                p = PUT_LIT(p, "</value><unknown_sec>");
                p = put_u64(p, st.unknown_sec);
                if (w->xcp_internal) {
                        /* xcp-rrdd keeps a time per data source; ours is the RRD's. */
                        p = PUT_LIT(p, "</unknown_sec><last_updated>");
                        p = put_time_fraction(p, rrd_last_up(w->rrd), rrd_last_up_usec(w->rrd));
                        p = PUT_LIT(p, "</last_updated></ds>");
                } else
                        p = PUT_LIT(p, "</unknown_sec></ds>");
        } else {
                if (w->i_ds > 0)
                        *p++ = ',';
                p = PUT_LIT(p, "{\"name\":\"");
                p = put_escaped(p, name, w->fmt);
                p = PUT_LIT(p, "\",\"type\":\"");
                p = put_str(p, rrd_ds_type_to_string(d->type));
                p = PUT_LIT(p, "\",\"minimal_heartbeat\":\"");
                p = put_u64(p, d->heartbeat_s);
                p = PUT_LIT(p, "\",\"min\":\"");
                p = put_double(w, p, d->min);
                p = PUT_LIT(p, "\",\"max\":\"");
                p = put_double(w, p, d->max);
                p = PUT_LIT(p, "\",\"last_ds\":\"");
                p = put_last_ds(w, p, &st.last_ds);
                p = PUT_LIT(p, "\",\"value\":\"");
                p = put_double(w, p, st.value);
                p = PUT_LIT(p, "\",\"unknown_sec\":\"");
                p = put_u64(p, st.unknown_sec);
                /* xcp-rrdd's JSON always carries a per-DS last_updated; ours is the RRD's. */
                p = PUT_LIT(p, "\",\"last_updated\":\"");
                p = put_time_fraction(p, rrd_last_up(w->rrd), rrd_last_up_usec(w->rrd));
                p = PUT_LIT(p, "\"}");
        }
        return p;
}

static char *emit_rra_head(PersistWriter *w, char *p) {
        const RrdRraDef *d = rrd_rra_def(w->rrd, w->i_rra);

        if (w->fmt == PERSIST_FORMAT_XML) {
                p = PUT_LIT(p, "<rra><cf>");
                p = put_str(p, rrd_cf_to_string(d->cf));
                p = PUT_LIT(p, "</cf><pdp_per_row>");
                p = put_u64(p, d->pdp_per_row);
                p = PUT_LIT(p, "</pdp_per_row><params><xff>");
                p = put_double(w, p, d->xff);
                p = PUT_LIT(p, "</xff></params><cdp_prep>");
        } else {
                if (w->i_rra > 0)
                        *p++ = ',';
                p = PUT_LIT(p, "{\"cf\":\"");
                p = put_str(p, rrd_cf_to_string(d->cf));
                p = PUT_LIT(p, "\",\"pdp_per_row\":\"");
                p = put_u64(p, d->pdp_per_row);
                p = PUT_LIT(p, "\",\"params\":{\"xff\":\"");
                p = put_double(w, p, d->xff);
                p = PUT_LIT(p, "\"},\"cdp_prep\":{\"ds\":[");
        }
        return p;
}

static char *emit_cdp(PersistWriter *w, char *p) {
        RrdCdpState st;

        rrd_get_cdp_state(w->rrd, w->i_rra, w->i_ds, &st);
        if (w->fmt == PERSIST_FORMAT_XML) {
                p = PUT_LIT(p, "<ds><primary_value>");
                p = put_double(w, p, st.primary_value);
                p = PUT_LIT(p, "</primary_value><secondary_value>");
                p = put_double(w, p, st.secondary_value);
                p = PUT_LIT(p, "</secondary_value><value>");
                p = put_double(w, p, st.value);
                p = PUT_LIT(p, "</value><unknown_datapoints>");
                p = put_u64(p, st.unknown_pdps);
                p = PUT_LIT(p, "</unknown_datapoints></ds>");
        } else {
                if (w->i_ds > 0)
                        *p++ = ',';
                p = PUT_LIT(p, "{\"primary_value\":\"");
                p = put_double(w, p, st.primary_value);
                p = PUT_LIT(p, "\",\"secondary_value\":\"");
                p = put_double(w, p, st.secondary_value);
                p = PUT_LIT(p, "\",\"value\":\"");
                p = put_double(w, p, st.value);
                p = PUT_LIT(p, "\",\"unknown_datapoints\":\"");
                p = put_u64(p, st.unknown_pdps);
                p = PUT_LIT(p, "\"}");
        }
        return p;
}

/* One value of one row, with the row's opening and closing around the first and last. */
static char *emit_value(PersistWriter *w, char *p) {
        const bool xml = w->fmt == PERSIST_FORMAT_XML;
        const size_t i = w->i_ds;

        if (i == 0) {
                w->row = rrd_rra_row(w->rrd, w->i_rra, w->i_row);
                if (xml)
                        p = PUT_LIT(p, "<row>");
                else {
                        if (w->i_row > 0)
                                *p++ = ',';
                        *p++ = '[';
                }
        }
        if (w->n_ds > 0) {
                if (xml) {
                        p = PUT_LIT(p, "<v>");
                        p = put_double(w, p, w->row[i]);
                        p = PUT_LIT(p, "</v>");
                } else {
                        if (i > 0)
                                *p++ = ',';
                        *p++ = '"';
                        p = put_double(w, p, w->row[i]);
                        *p++ = '"';
                }
        }
        if (i + 1 >= w->n_ds)
                p = xml ? PUT_LIT(p, "</row>") : PUT_LIT(p, "]");
        return p;
}

/* Advances past one row value; leaves PHASE_ROWS after the last row. */
static void next_value(PersistWriter *w) {
        if (++w->i_ds >= w->n_ds) {
                w->i_ds = 0;
                if (++w->i_row >= w->n_rows)
                        w->phase = PHASE_RRA_END;
        }
}

/* As many row values as fit while at least ITEM_MAX bytes remain before end. */
static char *emit_rows(PersistWriter *w, char *p, const char *end) {
        do {
                p = emit_value(w, p);
                next_value(w);
        } while (p <= end && w->phase == PHASE_ROWS);
        return p;
}

/* Writes the next item at p (ITEM_MAX bytes available) and advances; returns the new end. */
static char *emit(PersistWriter *w, char *p) {
        const bool xml = w->fmt == PERSIST_FORMAT_XML;

        switch (w->phase) {
        case PHASE_HEAD:
                p = emit_head(w, p);
                w->i_ds = 0;
                w->phase = w->n_ds > 0 ? PHASE_DS : PHASE_DS_END;
                break;
        case PHASE_DS:
                p = emit_ds(w, p);
                if (++w->i_ds >= w->n_ds)
                        w->phase = PHASE_DS_END;
                break;
        case PHASE_DS_END:
                if (!xml)
                        p = PUT_LIT(p, "],\"rra\":[");
                w->i_rra = 0;
                w->phase = w->n_rra > 0 ? PHASE_RRA_HEAD : PHASE_END;
                break;
        case PHASE_RRA_HEAD:
                p = emit_rra_head(w, p);
                w->n_rows = rrd_rra_def(w->rrd, w->i_rra)->rows;
                w->i_ds = 0;
                w->phase = w->n_ds > 0 ? PHASE_CDP : PHASE_CDP_END;
                break;
        case PHASE_CDP:
                p = emit_cdp(w, p);
                if (++w->i_ds >= w->n_ds)
                        w->phase = PHASE_CDP_END;
                break;
        case PHASE_CDP_END:
                p = xml ? PUT_LIT(p, "</cdp_prep><database>") : PUT_LIT(p, "]},\"database\":[");
                w->i_row = 0;
                w->i_ds = 0;
                w->phase = w->n_rows > 0 ? PHASE_ROWS : PHASE_RRA_END;
                break;
        case PHASE_ROWS:
                p = emit_value(w, p);
                next_value(w);
                break;
        case PHASE_RRA_END:
                p = xml ? PUT_LIT(p, "</database></rra>") : PUT_LIT(p, "]}");
                w->phase = ++w->i_rra < w->n_rra ? PHASE_RRA_HEAD : PHASE_END;
                break;
        case PHASE_END:
                p = xml ? PUT_LIT(p, "</rrd>") : PUT_LIT(p, "]}");
                w->phase = PHASE_DONE;
                break;
        case PHASE_DONE:
                break;
        }
        return p;
}

/**
 * persist_writer_new() - start serialising an RRD.
 * @ret: the new writer.
 * @rrd: the RRD, borrowed until the writer is freed; it must not change meanwhile (callers
 *       that keep updating the live RRD pass a copy made with rrd_dup()).
 * @fmt: PERSIST_FORMAT_XML or PERSIST_FORMAT_JSON.
 * @flags: 0, or PERSIST_WRITER_SHORTEST.
 *
 * Return: 0, -EINVAL for a bad format or flag, -ENOMEM.
 */
int persist_writer_new(PersistWriter **ret, const Rrd *rrd, PersistFormat fmt, unsigned flags) {
        PersistWriter *w;

        if (!ret || !rrd || (unsigned) fmt >= _PERSIST_FORMAT_MAX ||
            (flags & ~PERSIST_WRITER_FLAGS_ALL))
                return -EINVAL;
        w = calloc(1, sizeof(*w));
        if (!w)
                return -ENOMEM;
        w->rrd = rrd;
        w->fmt = fmt;
        w->format_double = (flags & PERSIST_WRITER_SHORTEST) ? persist_format_double_shortest
                                                             : persist_format_double;
        w->rrdtool_names = (flags & PERSIST_WRITER_RRDTOOL_NAMES) != 0;
        w->xcp_internal = (flags & PERSIST_WRITER_XCP_INTERNAL) != 0 && fmt == PERSIST_FORMAT_XML;
        w->phase = PHASE_HEAD;
        w->n_ds = rrd_n_ds(rrd);
        w->n_rra = rrd_n_rra(rrd);
        *ret = w;
        return 0;
}

/**
 * persist_writer_free() - release a writer (the RRD stays the caller's).
 * @w: the writer, or NULL.
 *
 * Return: NULL.
 */
PersistWriter *persist_writer_free(PersistWriter *w) {
        free(w);
        return NULL;
}

/**
 * persist_writer_read() - the next bytes of the document.
 * @w: the writer.
 * @buf: where to put them.
 * @max: room in @buf (> 0).
 *
 * The concatenation of every read is the same document whatever the sizes asked for. Suitable
 * as the body of a libmicrohttpd content-reader callback.
 *
 * Return: the number of bytes written (1 .. @max), 0 once the document is complete, -EINVAL
 * when @max is 0.
 */
ssize_t persist_writer_read(PersistWriter *w, char *buf, size_t max) {
        size_t n = 0;

        if (max == 0)
                return -EINVAL;
        if (max > SSIZE_MAX)
                max = SSIZE_MAX;
        while (n < max) {
                if (w->stage_pos < w->stage_len) {
                        size_t k = w->stage_len - w->stage_pos;
                        if (k > max - n)
                                k = max - n;
                        memcpy(buf + n, w->stage + w->stage_pos, k);
                        w->stage_pos += k;
                        n += k;
                        continue;
                }
                if (w->phase == PHASE_DONE)
                        break;
                if (max - n >= ITEM_MAX) {
                        /* Room for whole items: write them in place, no copy. */
                        char *p = buf + n, *end = buf + max - ITEM_MAX;
                        do
                                p = w->phase == PHASE_ROWS ? emit_rows(w, p, end) : emit(w, p);
                        while (p <= end && w->phase != PHASE_DONE);
                        n = (size_t) (p - buf);
                } else {
                        w->stage_len = (size_t) (emit(w, w->stage) - w->stage);
                        w->stage_pos = 0;
                }
        }
        return (ssize_t) n;
}

/**
 * persist_write_fd() - write a whole document to a file descriptor.
 * @fd: where to write (blocking).
 * @rrd: the RRD.
 * @fmt: the format.
 *
 * Every write(2) result is checked, so a full disk or RLIMIT_FSIZE (with SIGXFSZ ignored)
 * comes back as an error rather than a short file.
 *
 * Return: 0 or -errno.
 */
int persist_write_fd(int fd, const Rrd *rrd, PersistFormat fmt, unsigned flags) {
        _cleanup_(persist_writer_freep) PersistWriter *w = NULL;
        _cleanup_free_ char *buf = NULL;
        const size_t size = 64 * 1024;
        int r;

        r = persist_writer_new(&w, rrd, fmt, flags);
        if (r < 0)
                return r;
        buf = malloc(size);
        if (!buf)
                return -ENOMEM;
        for (;;) {
                ssize_t n = persist_writer_read(w, buf, size);
                if (n < 0)
                        return (int) n;
                if (n == 0)
                        return 0;
                for (ssize_t off = 0; off < n;) {
                        ssize_t k = write(fd, buf + off, (size_t) (n - off));
                        if (k < 0) {
                                if (errno == EINTR)
                                        continue;
                                return -errno;
                        }
                        if (k == 0)
                                return -EIO;
                        off += k;
                }
        }
}

/**
 * persist_format_content_type() - the HTTP Content-Type of a format.
 * @fmt: the format.
 *
 * Return: "text/xml" or "application/json"; NULL for an unknown format.
 */
const char *persist_format_content_type(PersistFormat fmt) {
        switch (fmt) {
        case PERSIST_FORMAT_XML:
                return "text/xml";
        case PERSIST_FORMAT_JSON:
                return "application/json";
        default:
                return NULL;
        }
}
