/* SPDX-License-Identifier: MIT */
/*
 * Pool-wide /rrd_updates (see xport-merge.h). Members' answers are parsed with libxml2's
 * streaming reader (a member may send millions of values: no tree), checked against their own
 * counts, merged by timestamp and written out in the formats xport.c writes.
 */

#include "http/xport-merge.h"

#include <libxml/xmlreader.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "consolidate/num.h"
#include "http/buf.h"

#define TEXT_MAX 1024 /* longest element text: a legend entry */

/**
 * http_xport_doc_free() - frees a document.
 * @d: the document, or NULL.
 *
 * Return: NULL.
 */
HttpXportDoc *http_xport_doc_free(HttpXportDoc *d) {
        if (!d)
                return NULL;
        for (size_t i = 0; d->legend && i < d->n_cols; i++)
                free(d->legend[i]);
        free(d->legend);
        free(d->values);
        free(d);
        return NULL;
}

/* ---- parsing ---- */

typedef struct Parser {
        xmlTextReaderPtr r;
        char *reason;
        size_t reason_size;
        int type;         /* of the current node */
        const char *name; /* local name of the current node */
        bool empty;       /* the current element is <x/> */
        char text[TEXT_MAX];
        size_t text_len;
} Parser;

static int pfail(Parser *p, int error, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static int pfail(Parser *p, int error, const char *fmt, ...) {
        va_list ap;
        int line = p->r ? xmlTextReaderGetParserLineNumber(p->r) : 0;
        int n = 0;

        if (p->reason && p->reason_size > 0) {
                if (line > 0)
                        n = snprintf(p->reason, p->reason_size, "line %d: ", line);
                if (n >= 0 && (size_t) n < p->reason_size) {
                        va_start(ap, fmt);
                        (void) vsnprintf(p->reason + n, p->reason_size - (size_t) n, fmt, ap);
                        va_end(ap);
                }
        }
        return error;
}

static void silent(void *arg, const char *msg, xmlParserSeverities s, xmlTextReaderLocatorPtr l) {
}

/* The next node that matters: comments and blank text are skipped. */
static int next(Parser *p) {
        for (;;) {
                int k = xmlTextReaderRead(p->r);
                if (k < 0)
                        return pfail(p, -EBADMSG, "not well-formed XML");
                if (k == 0)
                        return pfail(p, -EBADMSG, "the document ends early");
                p->type = xmlTextReaderNodeType(p->r);
                if (p->type == XML_READER_TYPE_COMMENT || p->type == XML_READER_TYPE_WHITESPACE ||
                    p->type == XML_READER_TYPE_SIGNIFICANT_WHITESPACE ||
                    p->type == XML_READER_TYPE_XML_DECLARATION)
                        continue;
                if (p->type == XML_READER_TYPE_DOCUMENT_TYPE ||
                    p->type == XML_READER_TYPE_ENTITY_REFERENCE ||
                    p->type == XML_READER_TYPE_ENTITY ||
                    p->type == XML_READER_TYPE_PROCESSING_INSTRUCTION)
                        return pfail(p, -EBADMSG,
                                     "DTDs, entities and processing instructions "
                                     "are not allowed");
                const xmlChar *n = xmlTextReaderConstLocalName(p->r);
                p->name = n ? (const char *) n : "";
                p->empty = p->type == XML_READER_TYPE_ELEMENT && xmlTextReaderIsEmptyElement(p->r);
                return 0;
        }
}

static bool at_start(const Parser *p, const char *name) {
        return p->type == XML_READER_TYPE_ELEMENT && strcmp(p->name, name) == 0;
}

static bool at_end(const Parser *p, const char *name) {
        return p->type == XML_READER_TYPE_END_ELEMENT && strcmp(p->name, name) == 0;
}

static int expect_start(Parser *p, const char *name) {
        int k = next(p);
        if (k < 0)
                return k;
        if (!at_start(p, name))
                return pfail(p, -EBADMSG, "expected <%s>", name);
        return 0;
}

static int expect_end(Parser *p, const char *name) {
        int k = next(p);
        if (k < 0)
                return k;
        if (!at_end(p, name))
                return pfail(p, -EBADMSG, "expected </%s>", name);
        return 0;
}

/* The text of the element just opened, up to and including its end tag. */
static int read_text(Parser *p, const char *name) {
        p->text_len = 0;
        p->text[0] = '\0';
        if (p->empty)
                return 0;
        for (;;) {
                int k = next(p);
                if (k < 0)
                        return k;
                if (at_end(p, name))
                        return 0;
                if (p->type != XML_READER_TYPE_TEXT && p->type != XML_READER_TYPE_CDATA)
                        return pfail(p, -EBADMSG, "<%s> may hold only text", name);
                const xmlChar *v = xmlTextReaderConstValue(p->r);
                size_t n = v ? strlen((const char *) v) : 0;
                if (p->text_len + n >= sizeof(p->text))
                        return pfail(p, -EBADMSG, "<%s> is too long", name);
                memcpy(p->text + p->text_len, v, n);
                p->text_len += n;
                p->text[p->text_len] = '\0';
        }
}

static void trim(const char **s, size_t *n) {
        while (*n > 0 && (**s == ' ' || **s == '\t' || **s == '\n' || **s == '\r')) {
                (*s)++;
                (*n)--;
        }
        while (*n > 0 && ((*s)[*n - 1] == ' ' || (*s)[*n - 1] == '\t' || (*s)[*n - 1] == '\n' ||
                          (*s)[*n - 1] == '\r'))
                (*n)--;
}

static int read_i64(Parser *p, const char *name, int64_t *ret) {
        int k = expect_start(p, name);
        if (k >= 0)
                k = read_text(p, name);
        if (k < 0)
                return k;
        const char *s = p->text;
        size_t n = p->text_len;
        trim(&s, &n);
        if (num_parse_i64(s, n, ret) < 0)
                return pfail(p, -EBADMSG, "<%s> must be an integer", name);
        return 0;
}

static int read_count(Parser *p, const char *name, size_t max, size_t *ret) {
        int64_t v;
        int k = read_i64(p, name, &v);
        if (k < 0)
                return k;
        if (v < 0)
                return pfail(p, -EBADMSG, "<%s> must not be negative", name);
        if ((uint64_t) v > max)
                return pfail(p, -E2BIG, "<%s> %lld is beyond the limit %zu", name, (long long) v,
                             max);
        *ret = (size_t) v;
        return 0;
}

static int parse_meta(Parser *p, const HttpXportLimits *lim, HttpXportDoc *d) {
        int64_t step;
        size_t cells;
        int k;

        if ((k = expect_start(p, "meta")) < 0 || (k = read_i64(p, "start", &d->start)) < 0 ||
            (k = read_i64(p, "step", &step)) < 0 || (k = read_i64(p, "end", &d->end)) < 0 ||
            (k = read_count(p, "rows", lim->max_cells, &d->n_rows)) < 0 ||
            (k = read_count(p, "columns", lim->max_cols, &d->n_cols)) < 0)
                return k;
        if (step <= 0 && d->n_rows > 0)
                return pfail(p, -EBADMSG, "<step> must be positive");
        d->step = step > 0 ? (uint64_t) step : 0;
        if (size_mul(d->n_rows, d->n_cols, &cells) < 0 || cells > lim->max_cells)
                return pfail(p, -E2BIG, "%zu rows of %zu columns are beyond the limit %zu",
                             d->n_rows, d->n_cols, lim->max_cells);
        if (d->n_rows > 0) {
                /* end - (rows - 1) * step, without overflow, must be the start. */
                uint64_t span;
                if (d->n_rows - 1 > UINT64_MAX / d->step)
                        return pfail(p, -EBADMSG, "<rows> times <step> overflows");
                span = (uint64_t) (d->n_rows - 1) * d->step;
                if (span > (uint64_t) INT64_MAX || d->end < INT64_MIN + (int64_t) span ||
                    d->end - (int64_t) span != d->start)
                        return pfail(p, -EBADMSG, "<start> is not <end> - (<rows> - 1) * <step>");
        }
        d->legend = calloc(d->n_cols ? d->n_cols : 1, sizeof(*d->legend));
        if (!d->legend)
                return -ENOMEM;
        if ((k = expect_start(p, "legend")) < 0)
                return k;
        size_t i = 0;
        if (!p->empty)
                for (;;) {
                        if ((k = next(p)) < 0)
                                return k;
                        if (at_end(p, "legend"))
                                break;
                        if (!at_start(p, "entry"))
                                return pfail(p, -EBADMSG, "<legend> may hold only <entry>");
                        if ((k = read_text(p, "entry")) < 0)
                                return k;
                        if (i >= d->n_cols)
                                return pfail(p, -EBADMSG, "more legend entries than <columns>");
                        if (memchr(p->text, '\0', p->text_len) || p->text_len == 0)
                                return pfail(p, -EBADMSG, "an empty legend entry");
                        d->legend[i] = strdup(p->text);
                        if (!d->legend[i])
                                return -ENOMEM;
                        i++;
                }
        if (i != d->n_cols)
                return pfail(p, -EBADMSG, "%zu legend entries for %zu columns", i, d->n_cols);
        /* Whatever else meta holds (a pool answer's missing_hosts) is not ours to read. */
        for (unsigned depth = 0;;) {
                if ((k = next(p)) < 0)
                        return k;
                if (depth == 0 && at_end(p, "meta"))
                        return 0;
                if (p->type == XML_READER_TYPE_ELEMENT && !p->empty)
                        depth++;
                else if (p->type == XML_READER_TYPE_END_ELEMENT && depth > 0)
                        depth--;
                else if (depth == 0 && p->type != XML_READER_TYPE_ELEMENT)
                        return pfail(p, -EBADMSG, "unexpected text in <meta>");
                if (depth > 16)
                        return pfail(p, -EBADMSG, "<meta> nests too deep");
        }
}

static int parse_data(Parser *p, HttpXportDoc *d) {
        size_t cells = d->n_rows * d->n_cols, row = 0;
        int k;

        if (cells > 0) {
                d->values = malloc(cells * sizeof(double));
                if (!d->values)
                        return -ENOMEM;
        }
        if ((k = expect_start(p, "data")) < 0)
                return k;
        if (!p->empty)
                for (;;) {
                        int64_t t;
                        if ((k = next(p)) < 0)
                                return k;
                        if (at_end(p, "data"))
                                break;
                        if (!at_start(p, "row"))
                                return pfail(p, -EBADMSG, "<data> may hold only <row>");
                        if (row >= d->n_rows)
                                return pfail(p, -EBADMSG, "more rows than <rows>");
                        if (p->empty || (k = read_i64(p, "t", &t)) < 0)
                                return p->empty ? pfail(p, -EBADMSG, "an empty <row>") : k;
                        if (t != d->end - (int64_t) (row * d->step))
                                return pfail(p, -EBADMSG,
                                             "row %zu is at %lld, not end - %zu * step", row,
                                             (long long) t, row);
                        size_t col = 0;
                        for (;;) {
                                if ((k = next(p)) < 0)
                                        return k;
                                if (at_end(p, "row"))
                                        break;
                                if (!at_start(p, "v"))
                                        return pfail(p, -EBADMSG, "<row> may hold only <v>");
                                if ((k = read_text(p, "v")) < 0)
                                        return k;
                                if (col >= d->n_cols)
                                        return pfail(p, -EBADMSG, "more values than <columns>");
                                const char *s = p->text;
                                size_t n = p->text_len;
                                trim(&s, &n);
                                if (num_parse_double(s, n, &d->values[row * d->n_cols + col]) < 0)
                                        return pfail(p, -EBADMSG, "'%.40s' is not a number", s);
                                col++;
                        }
                        if (col != d->n_cols)
                                return pfail(p, -EBADMSG, "row %zu has %zu values, not %zu", row,
                                             col, d->n_cols);
                        row++;
                }
        if (row != d->n_rows)
                return pfail(p, -EBADMSG, "%zu rows, not %zu", row, d->n_rows);
        return 0;
}

/**
 * http_xport_doc_parse() - reads an xport XML document back into columns.
 * @text: the document (no NUL needed).
 * @len: its length.
 * @limits: bounds, or NULL for HTTP_XPORT_MAX_COLS and HTTP_XPORT_MAX_CELLS.
 * @ret: the document.
 * @reason: a one-line reason when refused.
 * @reason_size: bytes at @reason.
 *
 * Return: 0, -EBADMSG or -E2BIG (with @reason), -ENOMEM.
 */
int http_xport_doc_parse(const char *text, size_t len, const HttpXportLimits *limits,
                         HttpXportDoc **ret, char *reason, size_t reason_size) {
        HttpXportLimits lim = {HTTP_XPORT_MAX_COLS, HTTP_XPORT_MAX_CELLS};
        _cleanup_(http_xport_doc_freep) HttpXportDoc *d = NULL;
        Parser p = {.reason = reason, .reason_size = reason_size};
        int k;

        if (limits) {
                if (limits->max_cols)
                        lim.max_cols = limits->max_cols;
                if (limits->max_cells)
                        lim.max_cells = limits->max_cells;
        }
        if (len > INT32_MAX)
                return pfail(&p, -E2BIG, "document too large");
        d = calloc(1, sizeof(*d));
        if (!d)
                return -ENOMEM;
        p.r = xmlReaderForMemory(text, (int) len, NULL, NULL,
                                 XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING);
        if (!p.r)
                return -ENOMEM;
        xmlTextReaderSetErrorHandler(p.r, silent, NULL);
        k = expect_start(&p, "xport");
        if (k >= 0 && p.empty)
                k = pfail(&p, -EBADMSG, "<xport> is empty");
        if (k >= 0)
                k = parse_meta(&p, &lim, d);
        if (k >= 0)
                k = parse_data(&p, d);
        if (k >= 0)
                k = expect_end(&p, "xport");
        if (k >= 0) {
                /* Nothing but comments and blanks may follow. */
                int r;
                while ((r = xmlTextReaderRead(p.r)) == 1) {
                        int t = xmlTextReaderNodeType(p.r);
                        if (t != XML_READER_TYPE_COMMENT && t != XML_READER_TYPE_WHITESPACE &&
                            t != XML_READER_TYPE_SIGNIFICANT_WHITESPACE) {
                                k = pfail(&p, -EBADMSG, "content after </xport>");
                                break;
                        }
                }
                if (k >= 0 && r < 0)
                        k = pfail(&p, -EBADMSG, "not well-formed XML");
        }
        xmlFreeTextReader(p.r);
        if (k < 0)
                return k;
        *ret = TAKE_PTR(d);
        return 0;
}

/* ---- merging ---- */

static int64_t floor_to(int64_t t, int64_t step) {
        int64_t q = t / step;
        if (t % step != 0 && t < 0)
                q--;
        return q * step;
}

/**
 * http_xport_merge() - one document from several hosts' documents.
 * @docs: the documents, the master's first (NULL entries are skipped).
 * @n: how many.
 * @now_s: the master's wall clock: no row after it.
 * @ret: the merged document.
 *
 * Return: 0, -E2BIG when the result would exceed HTTP_XPORT_MAX_CELLS, -ENOMEM.
 */
int http_xport_merge(HttpXportDoc *const *docs, size_t n, int64_t now_s, HttpXportDoc **ret) {
        _cleanup_(http_xport_doc_freep) HttpXportDoc *m = calloc(1, sizeof(*m));
        const HttpXportDoc *ref = NULL;
        size_t max_rows = 0, cells, col;
        int64_t oldest = 0;

        if (!m)
                return -ENOMEM;
        for (size_t i = 0; i < n; i++) {
                const HttpXportDoc *d = docs[i];
                if (!d)
                        continue;
                m->n_cols += d->n_cols;
                if (d->n_rows > 0 && d->n_cols > 0 && !ref)
                        ref = d;
        }
        if (m->n_cols > HTTP_XPORT_MAX_COLS)
                return -E2BIG;
        m->legend = calloc(m->n_cols ? m->n_cols : 1, sizeof(*m->legend));
        if (!m->legend)
                return -ENOMEM;
        col = 0;
        for (size_t i = 0; i < n; i++)
                for (size_t c = 0; docs[i] && c < docs[i]->n_cols; c++) {
                        m->legend[col] = strdup(docs[i]->legend[c]);
                        if (!m->legend[col])
                                return -ENOMEM;
                        col++;
                }
        if (!ref) {
                /* No rows anywhere: the first document's frame, empty. */
                for (size_t i = 0; i < n && !ref; i++)
                        ref = docs[i];
                if (ref) {
                        m->start = ref->start;
                        m->end = ref->end;
                        m->step = ref->step;
                }
                *ret = TAKE_PTR(m);
                return 0;
        }
        m->step = ref->step;
        int64_t step = (int64_t) m->step;
        bool first = true;
        for (size_t i = 0; i < n; i++) {
                const HttpXportDoc *d = docs[i];
                if (!d || d->n_rows == 0 || d->n_cols == 0 || d->step != m->step)
                        continue;
                if (first || d->end > m->end)
                        m->end = d->end;
                if (first || d->start < oldest)
                        oldest = d->start;
                if (d->n_rows > max_rows)
                        max_rows = d->n_rows;
                first = false;
        }
        /* A host whose clock runs ahead must not push rows past the master's present. */
        int64_t latest = floor_to(now_s, step), diff;
        if (m->end > latest && ref->end <= latest)
                m->end = latest;
        /* Stay on the reference grid (members' documents come from hosts we do not control:
         * every difference of their times is checked for overflow). */
        if (__builtin_sub_overflow(m->end, ref->end, &diff))
                m->end = ref->end;
        else
                m->end = ref->end + floor_to(diff, step);
        if (oldest > m->end)
                oldest = m->end;
        uint64_t span_rows = __builtin_sub_overflow(m->end, oldest, &diff)
                                     ? UINT64_MAX
                                     : (uint64_t) diff / m->step + 1;
        m->n_rows = span_rows < max_rows + 1 ? (size_t) span_rows : max_rows + 1;
        /* As many rows as fit between INT64_MIN and end. */
        uint64_t room = (uint64_t) m->end - (uint64_t) INT64_MIN;
        if (m->n_rows - 1 > room / m->step)
                m->n_rows = (size_t) (room / m->step) + 1;
        m->start = (int64_t) ((uint64_t) m->end - (uint64_t) (m->n_rows - 1) * m->step);
        if (size_mul(m->n_rows, m->n_cols, &cells) < 0 || cells > HTTP_XPORT_MAX_CELLS)
                return -E2BIG;
        m->values = malloc((cells ? cells : 1) * sizeof(double));
        if (!m->values)
                return -ENOMEM;
        for (size_t i = 0; i < cells; i++)
                m->values[i] = (double) NAN;
        col = 0;
        for (size_t i = 0; i < n; i++) {
                const HttpXportDoc *d = docs[i];
                if (!d)
                        continue;
                for (size_t r = 0; r < d->n_rows && d->step > 0; r++) {
                        int64_t t = d->end - (int64_t) (r * d->step);
                        if (t > m->end || t < m->start || (m->end - t) % step != 0)
                                continue;
                        size_t row = (size_t) ((m->end - t) / step);
                        memcpy(m->values + row * m->n_cols + col, d->values + r * d->n_cols,
                               d->n_cols * sizeof(double));
                }
                col += d->n_cols;
        }
        *ret = TAKE_PTR(m);
        return 0;
}

/* ---- writing ---- */

static void put_meta_int(HttpBuf *b, bool xml, const char *name, int64_t v, bool first) {
        if (xml) {
                http_buf_printf(b, "<%s>", name);
                http_buf_put_i64(b, v);
                http_buf_printf(b, "</%s>", name);
        } else {
                http_buf_printf(b, "%s\"%s\":\"", first ? "" : ",", name);
                http_buf_put_i64(b, v);
                http_buf_putc(b, '"');
        }
}

/**
 * http_xport_doc_render() - writes a document as /rrd_updates does, naming missing hosts.
 * @d: the document.
 * @fmt: XML or JSON.
 * @missing: host uuids that did not answer.
 * @n_missing: how many.
 * @ret: the text (malloc'd, NUL-terminated).
 * @ret_len: its length.
 *
 * Return: 0, or -ENOMEM.
 */
int http_xport_doc_render(const HttpXportDoc *d, HttpFormat fmt, const char *const *missing,
                          size_t n_missing, char **ret, size_t *ret_len) {
        bool xml = fmt == HTTP_FORMAT_XML;
        HttpBuf b = HTTP_BUF_NULL;
        char num[NUM_BUF_SIZE];

        /* Most of the text is values: reserve roughly what they take. */
        (void) http_buf_reserve(&b, 256 + d->n_cols * 64 + d->n_rows * (d->n_cols + 1) * 16);
        http_buf_puts(&b, xml ? "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<xport><meta>"
                              : "{\"meta\":{");
        put_meta_int(&b, xml, "start", d->start, true);
        put_meta_int(&b, xml, "step", (int64_t) d->step, false);
        put_meta_int(&b, xml, "end", d->end, false);
        put_meta_int(&b, xml, "rows", (int64_t) d->n_rows, false);
        put_meta_int(&b, xml, "columns", (int64_t) d->n_cols, false);
        http_buf_puts(&b, xml ? (d->n_cols ? "<legend>" : "<legend/>") : ",\"legend\":[");
        for (size_t c = 0; c < d->n_cols; c++) {
                const char *e = d->legend[c];
                if (xml) {
                        http_buf_puts(&b, "<entry>");
                        http_buf_put_xml_escaped(&b, e, strlen(e));
                        http_buf_puts(&b, "</entry>");
                } else {
                        http_buf_puts(&b, c ? ",\"" : "\"");
                        http_buf_put_json_escaped(&b, e, strlen(e));
                        http_buf_putc(&b, '"');
                }
        }
        http_buf_puts(&b, xml ? (d->n_cols ? "</legend>" : "") : "]");
        http_buf_puts(&b, xml ? (n_missing ? "<missing_hosts>" : "<missing_hosts/>")
                              : ",\"missing_hosts\":[");
        for (size_t i = 0; i < n_missing; i++) {
                if (xml) {
                        http_buf_puts(&b, "<host>");
                        http_buf_put_xml_escaped(&b, missing[i], strlen(missing[i]));
                        http_buf_puts(&b, "</host>");
                } else {
                        http_buf_puts(&b, i ? ",\"" : "\"");
                        http_buf_put_json_escaped(&b, missing[i], strlen(missing[i]));
                        http_buf_putc(&b, '"');
                }
        }
        if (xml)
                http_buf_puts(&b, n_missing ? "</missing_hosts>" : "");
        else
                http_buf_puts(&b, "]");
        http_buf_puts(&b, xml ? (d->n_rows ? "</meta><data>" : "</meta><data/>") : "},\"data\":[");
        for (size_t r = 0; r < d->n_rows; r++) {
                int64_t t = d->end - (int64_t) (r * d->step);
                size_t k = num_format_i64(num, t);
                if (xml) {
                        http_buf_puts(&b, "<row><t>");
                        http_buf_put(&b, num, k);
                        http_buf_puts(&b, "</t>");
                } else {
                        http_buf_puts(&b, r ? ",{\"t\":\"" : "{\"t\":\"");
                        http_buf_put(&b, num, k);
                        http_buf_puts(&b, "\",\"values\":[");
                }
                for (size_t c = 0; c < d->n_cols; c++) {
                        k = num_format_shortest(num, d->values[r * d->n_cols + c]);
                        if (xml) {
                                http_buf_puts(&b, "<v>");
                                http_buf_put(&b, num, k);
                                http_buf_puts(&b, "</v>");
                        } else {
                                http_buf_puts(&b, c ? ",\"" : "\"");
                                http_buf_put(&b, num, k);
                                http_buf_putc(&b, '"');
                        }
                }
                http_buf_puts(&b, xml ? "</row>" : "]}");
        }
        if (xml)
                http_buf_puts(&b, d->n_rows ? "</data></xport>" : "</xport>");
        else
                http_buf_puts(&b, "]}");
        if (b.failed) {
                http_buf_done(&b);
                return -ENOMEM;
        }
        return http_buf_take(&b, ret, ret_len);
}
