/* SPDX-License-Identifier: MIT */
/*
 * /rrd_updates. The answer is decided and copied in http_xport_new() (on the loop thread, while
 * the RRDs are valid): the head of the document, legend included, is rendered into one buffer
 * and the rows are copied into a matrix, newest row first. http_xport_read() then only formats
 * numbers out of that private copy.
 */

#include "http/xport.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "consolidate/fetch.h"
#include "consolidate/num.h"
#include "http/buf.h"

/* The largest item formatted at once: a row head or one value with its tags (JSON: quotes). */
#define ITEM_MAX 96
#define BASE_STEP_S 5 /* the step of an empty answer's arithmetic, as every layout uses */

typedef enum Phase {
        PHASE_HEAD,
        PHASE_ROW_HEAD,
        PHASE_VALUE,
        PHASE_ROW_END,
        PHASE_TAIL,
        PHASE_DONE,
} Phase;

struct HttpXport {
        HttpFormat fmt;
        int64_t start, end;
        uint64_t step;
        size_t n_rows, n_cols;
        char *head; /* everything before the first row */
        size_t head_len;
        double *values; /* n_rows × n_cols, newest row first */

        Phase phase;
        size_t head_pos;
        size_t i_row, i_col;
        char stage[ITEM_MAX];
        size_t stage_len, stage_pos;
};

const char *http_owner_kind_to_string(HttpOwnerKind k) {
        switch (k) {
        case HTTP_OWNER_HOST:
                return "host";
        case HTTP_OWNER_VM:
                return "vm";
        case HTTP_OWNER_SR:
                return "sr";
        default:
                return "unknown";
        }
}

/* ---- the query ---- */

static int fail(char *reason, size_t size, const char *msg) {
        (void) snprintf(reason, size, "%s", msg);
        return -EINVAL;
}

static int selection_add(HttpOwnerSelection *sel, const HttpQueryParam *p, const char *what,
                         char *reason, size_t reason_size) {
        HttpUuid u;

        if (p->value_len == 0 || http_strn_eq_ci(p->value, p->value_len, "none"))
                return 0;
        if (http_strn_eq_ci(p->value, p->value_len, "all")) {
                sel->all = true;
                return 0;
        }
        if (http_parse_uuid(p->value, p->value_len, u) < 0) {
                char msg[HTTP_REASON_MAX];
                (void) snprintf(msg, sizeof(msg), "%s must be a uuid, all or none", what);
                return fail(reason, reason_size, msg);
        }
        for (size_t i = 0; i < sel->n_uuids; i++)
                if (strcmp(sel->uuids[i], u) == 0)
                        return 0;
        HttpUuid *v = realloc(sel->uuids, (sel->n_uuids + 1) * sizeof(*v));
        if (!v)
                return -ENOMEM;
        sel->uuids = v;
        memcpy(sel->uuids[sel->n_uuids++], u, sizeof(u));
        return 0;
}

static int selection_parse(const HttpQuery *q, const char *key, bool default_all,
                           HttpOwnerSelection *sel, char *reason, size_t reason_size) {
        bool any = false;
        int r;

        for (size_t i = 0; i < q->n_params; i++) {
                const HttpQueryParam *p = &q->params[i];
                if (p->key_len != strlen(key) || memcmp(p->key, key, p->key_len) != 0)
                        continue;
                any = true;
                r = selection_add(sel, p, key, reason, reason_size);
                if (r < 0)
                        return r;
        }
        if (!any)
                sel->all = default_all;
        if (sel->all) {
                free(sel->uuids);
                sel->uuids = NULL;
                sel->n_uuids = 0;
        }
        return 0;
}

/**
 * http_xport_query_parse() - the /rrd_updates parameters of a parsed query.
 * @q: the query.
 * @ret: the parameters; release with http_xport_query_done().
 * @reason: a one-line reason when refused.
 * @reason_size: bytes at @reason.
 *
 * Return: 0, -EINVAL (with @reason) for a malformed known parameter, -ENOMEM.
 */
int http_xport_query_parse(const HttpQuery *q, HttpXportQuery *ret, char *reason,
                           size_t reason_size) {
        HttpXportQuery x = {.cf = -1};
        const HttpQueryParam *p;
        int r;

        p = http_query_get(q, "start");
        if (!p)
                return fail(reason, reason_size,
                            "start is required (seconds since the epoch, "
                            "or negative: relative to now)");
        if (http_parse_i64(p->value, p->value_len, &x.start) < 0)
                return fail(reason, reason_size, "start must be an integer number of seconds");

        p = http_query_get(q, "interval");
        if (p) {
                int64_t v;
                if (http_parse_i64(p->value, p->value_len, &v) < 0 || v < 0)
                        return fail(reason, reason_size,
                                    "interval must be a non-negative integer number of seconds");
                x.interval_s = (uint64_t) v;
        }

        p = http_query_get(q, "cf");
        if (p && p->value_len > 0) { /* cf= (empty) means no restriction, like no cf */
                x.cf = -1;
                for (int cf = 0; cf < _RRD_CF_MAX; cf++)
                        if (http_strn_eq_ci(p->value, p->value_len, rrd_cf_to_string(cf)))
                                x.cf = cf;
                if (x.cf < 0)
                        return fail(reason, reason_size, "cf must be AVERAGE, MIN, MAX or LAST");
        }

        p = http_query_get(q, "host");
        if (p && http_parse_bool(p->value, p->value_len, &x.host) < 0)
                return fail(reason, reason_size, "host must be true or false");

        x.json = http_query_wants_json(q);

        r = selection_parse(q, "vm_uuid", true, &x.vms, reason, reason_size);
        if (r >= 0)
                r = selection_parse(q, "sr_uuid", false, &x.srs, reason, reason_size);
        if (r < 0) {
                http_xport_query_done(&x);
                return r;
        }
        *ret = x;
        return 0;
}

void http_xport_query_done(HttpXportQuery *q) {
        free(q->vms.uuids);
        free(q->srs.uuids);
        q->vms = q->srs = (HttpOwnerSelection){0};
}

/* ---- selection and archive choice ---- */

typedef struct Source {
        HttpOwnerKind kind;
        HttpUuid uuid;
        const Rrd *rrd;
        RrdPick picks[RRD_MAX_RRA];
        size_t n_picks;
} Source;

typedef struct Sources {
        Source *v;
        size_t n, n_alloc;
} Sources;

static int sources_add(Sources *s, HttpOwnerKind kind, const char *uuid, const Rrd *rrd) {
        if (!rrd)
                return 0;
        if (s->n == s->n_alloc) {
                size_t m = s->n_alloc ? 2 * s->n_alloc : 16;
                Source *v = realloc(s->v, m * sizeof(*v));
                if (!v)
                        return -ENOMEM;
                s->v = v;
                s->n_alloc = m;
        }
        Source *e = &s->v[s->n++];
        e->kind = kind;
        (void) snprintf(e->uuid, sizeof(e->uuid), "%s", uuid ? uuid : "");
        e->rrd = rrd;
        e->n_picks = 0;
        return 0;
}

typedef struct WalkCtx {
        Sources *s;
        HttpOwnerKind kind;
} WalkCtx;

static int walk_cb(void *cbdata, const char *uuid, const Rrd *rrd) {
        WalkCtx *w = cbdata;
        return sources_add(w->s, w->kind, uuid, rrd);
}

static int select_kind(const HttpBackend *b, HttpOwnerKind kind, const HttpOwnerSelection *sel,
                       Sources *s, size_t *n_named, size_t *n_found, const char **first_missing) {
        if (sel->all) {
                WalkCtx w = {.s = s, .kind = kind};
                return b->for_each ? b->for_each(b->userdata, kind, walk_cb, &w) : 0;
        }
        for (size_t i = 0; i < sel->n_uuids; i++) {
                const Rrd *rrd = b->find ? b->find(b->userdata, kind, sel->uuids[i]) : NULL;
                (*n_named)++;
                if (!rrd) {
                        if (!*first_missing)
                                *first_missing = sel->uuids[i];
                        continue;
                }
                (*n_found)++;
                int r = sources_add(s, kind, sel->uuids[i], rrd);
                if (r < 0)
                        return r;
        }
        return 0;
}

/* ---- building the snapshot ---- */

/*
 * The legend, fast: it is most of a small answer (20 000 entries for 1000 VMs). The names of an
 * RRD are escaped once into "name</entry>" fragments, each archive's "<entry>CF:kind:uuid:"
 * prefix once, and the entries are then two memcpy()s each into space reserved up front.
 */
static int put_legend(HttpBuf *b, HttpFormat fmt, const Source *v, size_t n) {
        bool xml = fmt == HTTP_FORMAT_XML, first = true;
        HttpBuf frags = HTTP_BUF_NULL, prefix = HTTP_BUF_NULL;
        size_t *ends = NULL, n_ends = 0;
        int r = 0;

        for (size_t i = 0; i < n && r >= 0; i++) {
                const Source *s = &v[i];
                size_t n_ds = rrd_n_ds(s->rrd);
                if (s->n_picks == 0 || n_ds == 0)
                        continue;
                if (n_ds > n_ends) {
                        size_t *e = realloc(ends, n_ds * sizeof(*e));
                        if (!e) {
                                r = -ENOMEM;
                                break;
                        }
                        ends = e;
                        n_ends = n_ds;
                }
                frags.len = 0;
                for (size_t d = 0; d < n_ds; d++) {
                        const char *name = rrd_ds_def(s->rrd, d)->name;
                        if (xml) {
                                http_buf_put_xml_escaped(&frags, name, strlen(name));
                                http_buf_put(&frags, "</entry>", 8);
                        } else {
                                http_buf_put_json_escaped(&frags, name, strlen(name));
                                http_buf_putc(&frags, '"');
                        }
                        ends[d] = frags.len;
                }
                for (size_t k = 0; k < s->n_picks; k++) {
                        prefix.len = 0;
                        http_buf_puts(&prefix, xml ? "<entry>" : ",\"");
                        http_buf_puts(&prefix, rrd_cf_to_string(s->picks[k].cf));
                        http_buf_putc(&prefix, ':');
                        http_buf_puts(&prefix, http_owner_kind_to_string(s->kind));
                        http_buf_putc(&prefix, ':');
                        if (xml)
                                http_buf_put_xml_escaped(&prefix, s->uuid, strlen(s->uuid));
                        else
                                http_buf_put_json_escaped(&prefix, s->uuid, strlen(s->uuid));
                        http_buf_putc(&prefix, ':');
                        if (prefix.failed || frags.failed ||
                            http_buf_reserve(b, n_ds * prefix.len + frags.len) < 0) {
                                r = -ENOMEM;
                                break;
                        }
                        char *p = b->data + b->len;
                        for (size_t d = 0, from = 0; d < n_ds; from = ends[d], d++) {
                                /* JSON's prefix starts with the ',' that only the first lacks. */
                                size_t skip = !xml && first ? 1 : 0;
                                memcpy(p, prefix.data + skip, prefix.len - skip);
                                p += prefix.len - skip;
                                memcpy(p, frags.data + from, ends[d] - from);
                                p += ends[d] - from;
                                first = false;
                        }
                        b->len = (size_t) (p - b->data);
                        b->data[b->len] = 0;
                }
        }
        http_buf_done(&frags);
        http_buf_done(&prefix);
        free(ends);
        return r;
}

static void put_meta_int(HttpBuf *b, HttpFormat fmt, const char *name, int64_t v, bool first) {
        if (fmt == HTTP_FORMAT_XML) {
                http_buf_printf(b, "<%s>", name);
                http_buf_put_i64(b, v);
                http_buf_printf(b, "</%s>", name);
        } else {
                http_buf_printf(b, "%s\"%s\":\"", first ? "" : ",", name);
                http_buf_put_i64(b, v);
                http_buf_putc(b, '"');
        }
}

static int64_t floor_div(int64_t a, int64_t b) {
        int64_t q = a / b;
        return (a % b != 0 && (a < 0) != (b < 0)) ? q - 1 : q;
}

static int64_t ceil_to(int64_t t, int64_t step) {
        if (t <= 0)
                return t / step * step; /* truncation rounds a negative t up */
        if (t > INT64_MAX - step)
                return t;
        return (t + step - 1) / step * step;
}

/**
 * http_xport_new() - chooses the RRDs and archives and copies the rows the answer needs.
 * @ret: the snapshot, which owns everything the document needs.
 * @b: the backend (its RRDs are read now, never later).
 * @q: the parameters.
 * @fmt: XML or JSON.
 * @now_s: wall-clock seconds, for a negative start.
 * @reason: a one-line reason for -ENOENT.
 * @reason_size: bytes at @reason.
 *
 * Archive choice per RRD is rrd_pick_archives(); the first RRD with a choice sets the
 * (rows, pdp_per_row) every other RRD must match (xcp-rrdd §1.4 step 5). Rows run newest
 * first from that RRD's end while t >= start.
 *
 * Return: 0, -ENOENT when uuids were named and none has an RRD, -ENOMEM.
 */
int http_xport_new(HttpXport **ret, const HttpBackend *b, const HttpXportQuery *q, HttpFormat fmt,
                   int64_t now_s, char *reason, size_t reason_size) {
        _cleanup_(http_xport_freep) HttpXport *x = NULL;
        Sources src = {0};
        HttpBuf head = HTTP_BUF_NULL;
        size_t n_named = 0, n_found = 0;
        const char *missing = NULL;
        const Source *ref = NULL;
        int64_t start;
        int r;

        x = calloc(1, sizeof(*x));
        if (!x)
                return -ENOMEM;
        x->fmt = fmt;

        /* Saturating: a start far in the past or future just selects everything or nothing. */
        if (q->start >= 0)
                start = q->start;
        else
                start = now_s < INT64_MIN - q->start ? INT64_MIN : now_s + q->start;

        if (q->host) {
                const char *hu = b->host_uuid ? b->host_uuid(b->userdata) : NULL;
                r = sources_add(&src, HTTP_OWNER_HOST, hu,
                                b->find ? b->find(b->userdata, HTTP_OWNER_HOST, NULL) : NULL);
                if (r < 0)
                        goto out;
        }
        r = select_kind(b, HTTP_OWNER_VM, &q->vms, &src, &n_named, &n_found, &missing);
        if (r >= 0)
                r = select_kind(b, HTTP_OWNER_SR, &q->srs, &src, &n_named, &n_found, &missing);
        if (r < 0)
                goto out;
        if (n_named > 0 && n_found == 0) {
                (void) snprintf(reason, reason_size, "no RRD for uuid %s", missing);
                r = -ENOENT;
                goto out;
        }

        /* The first RRD with a usable archive sets the resolution (rows, pdp_per_row). */
        for (size_t i = 0; i < src.n && !ref; i++) {
                Source *s = &src.v[i];
                s->n_picks = rrd_pick_archives(s->rrd, start, q->interval_s, q->cf, s->picks,
                                               RRD_MAX_RRA);
                if (s->n_picks > 0)
                        ref = s;
        }
        uint32_t ref_rows = 0, ref_ppr = 0;
        uint64_t ref_step = 0;
        if (ref) {
                const RrdRraDef *d = rrd_rra_def(ref->rrd, ref->picks[0].i_rra);
                ref_rows = d->rows;
                ref_ppr = d->pdp_per_row;
                ref_step = rrd_step(ref->rrd);
                x->step = ref_step * ref_ppr;
                x->end = rrd_rra_end_time(ref->rrd, ref->picks[0].i_rra);
        } else {
                uint64_t s = q->interval_s - q->interval_s % BASE_STEP_S;
                x->step = s > BASE_STEP_S ? s : BASE_STEP_S;
                x->end = floor_div(now_s, (int64_t) x->step) * (int64_t) x->step;
        }

        /* Every RRD of the same step contributes its archives of exactly that shape. */
        for (size_t i = 0; i < src.n; i++) {
                Source *s = &src.v[i];
                if (!ref || rrd_step(s->rrd) != ref_step) {
                        s->n_picks = 0;
                        continue;
                }
                s->n_picks = rrd_pick_archives_shape(s->rrd, ref_rows, ref_ppr, q->cf, s->picks,
                                                     RRD_MAX_RRA);
                x->n_cols += s->n_picks * rrd_n_ds(s->rrd);
        }
        if (x->n_cols == 0)
                ref_rows = 0;
        while (x->n_rows < ref_rows && x->end - (int64_t) (x->n_rows * x->step) >= start)
                x->n_rows++;
        if (x->n_rows > 0)
                x->start = x->end - (int64_t) ((x->n_rows - 1) * x->step);
        else
                /* The earliest row time the request could have had: start rounded up. */
                x->start = ceil_to(start, (int64_t) x->step);

        /* The rows, newest first, column blocks in legend order. */
        size_t n_cells;
        if (size_mul(x->n_rows, x->n_cols, &n_cells) < 0 ||
            size_mul(n_cells, sizeof(double), &n_cells) < 0) {
                r = -ENOMEM;
                goto out;
        }
        if (n_cells > 0) {
                x->values = malloc(n_cells);
                if (!x->values) {
                        r = -ENOMEM;
                        goto out;
                }
        }
        size_t col = 0;
        for (size_t i = 0; i < src.n; i++) {
                const Source *s = &src.v[i];
                size_t n_ds = rrd_n_ds(s->rrd);
                for (size_t k = 0; k < s->n_picks; k++) {
                        for (size_t row = 0; row < x->n_rows; row++) {
                                const double *v =
                                        rrd_rra_row(s->rrd, s->picks[k].i_rra, ref_rows - 1 - row);
                                memcpy(x->values + row * x->n_cols + col, v, n_ds * sizeof(double));
                        }
                        col += n_ds;
                }
        }

        /* The head: declaration, meta with the legend, the opening of data. */
        if (fmt == HTTP_FORMAT_XML)
                http_buf_puts(&head, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<xport><meta>");
        else
                http_buf_puts(&head, "{\"meta\":{");
        put_meta_int(&head, fmt, "start", x->start, true);
        put_meta_int(&head, fmt, "step", (int64_t) x->step, false);
        put_meta_int(&head, fmt, "end", x->end, false);
        put_meta_int(&head, fmt, "rows", (int64_t) x->n_rows, false);
        put_meta_int(&head, fmt, "columns", (int64_t) x->n_cols, false);
        if (fmt == HTTP_FORMAT_XML)
                http_buf_puts(&head, x->n_cols > 0 ? "<legend>" : "<legend/>");
        else
                http_buf_puts(&head, ",\"legend\":[");
        r = put_legend(&head, fmt, src.v, src.n);
        if (r < 0)
                goto out;
        if (fmt == HTTP_FORMAT_XML) {
                if (x->n_cols > 0)
                        http_buf_puts(&head, "</legend>");
                http_buf_puts(&head, x->n_rows > 0 ? "</meta><data>" : "</meta><data/>");
        } else
                http_buf_puts(&head, "]},\"data\":[");
        r = http_buf_take(&head, &x->head, &x->head_len);
        if (r < 0)
                goto out;
        x->phase = PHASE_HEAD;
        *ret = TAKE_PTR(x);
        r = 0;
out:
        http_buf_done(&head);
        free(src.v);
        return r;
}

HttpXport *http_xport_free(HttpXport *x) {
        if (!x)
                return NULL;
        free(x->head);
        free(x->values);
        free(x);
        return NULL;
}

size_t http_xport_rows(const HttpXport *x) {
        return x->n_rows;
}

size_t http_xport_columns(const HttpXport *x) {
        return x->n_cols;
}

uint64_t http_xport_step(const HttpXport *x) {
        return x->step;
}

size_t http_xport_memory_bytes(const HttpXport *x) {
        return sizeof(*x) + x->head_len + x->n_rows * x->n_cols * sizeof(double);
}

size_t http_xport_size_bound(const HttpXport *x) {
        /* A value item is at most ITEM_MAX bytes, a row head or end too. */
        return x->head_len + x->n_rows * (x->n_cols + 2) * ITEM_MAX + ITEM_MAX;
}

/* ---- streaming ---- */

#define PUT_LIT(p, s)                            \
        ({                                       \
                memcpy((p), (s), sizeof(s) - 1); \
                (p) + sizeof(s) - 1;             \
        })

/* Formats the next item at p (ITEM_MAX bytes free) and advances the state; returns its end. */
static char *next_item(HttpXport *x, char *p) {
        bool xml = x->fmt == HTTP_FORMAT_XML;

        switch (x->phase) {
        case PHASE_ROW_HEAD: {
                int64_t t = x->end - (int64_t) (x->i_row * x->step);
                if (xml)
                        p = PUT_LIT(p, "<row><t>");
                else {
                        if (x->i_row > 0)
                                *p++ = ',';
                        p = PUT_LIT(p, "{\"t\":\"");
                }
                p += num_format_i64(p, t);
                p = xml ? PUT_LIT(p, "</t>") : PUT_LIT(p, "\",\"values\":[");
                x->i_col = 0;
                x->phase = x->n_cols > 0 ? PHASE_VALUE : PHASE_ROW_END;
                return p;
        }
        case PHASE_VALUE: {
                double v = x->values[x->i_row * x->n_cols + x->i_col];
                if (xml)
                        p = PUT_LIT(p, "<v>");
                else {
                        if (x->i_col > 0)
                                *p++ = ',';
                        *p++ = '"';
                }
                p += num_format_shortest(p, v);
                p = xml ? PUT_LIT(p, "</v>") : PUT_LIT(p, "\"");
                if (++x->i_col == x->n_cols)
                        x->phase = PHASE_ROW_END;
                return p;
        }
        case PHASE_ROW_END:
                p = xml ? PUT_LIT(p, "</row>") : PUT_LIT(p, "]}");
                x->phase = ++x->i_row < x->n_rows ? PHASE_ROW_HEAD : PHASE_TAIL;
                return p;
        case PHASE_TAIL:
                if (xml)
                        p = x->n_rows > 0 ? PUT_LIT(p, "</data></xport>") : PUT_LIT(p, "</xport>");
                else
                        p = PUT_LIT(p, "]}");
                x->phase = PHASE_DONE;
                return p;
        default:
                return p;
        }
}

/**
 * http_xport_read() - the next bytes of the document.
 * @x: the snapshot.
 * @buf: where to write.
 * @max: room at @buf.
 *
 * The concatenation of all reads is the same whatever the sizes asked for.
 *
 * Return: bytes written, 0 once the document is complete.
 */
size_t http_xport_read(HttpXport *x, char *buf, size_t max) {
        size_t n = 0;

        while (n < max) {
                if (x->stage_pos < x->stage_len) {
                        size_t k = x->stage_len - x->stage_pos;
                        if (k > max - n)
                                k = max - n;
                        memcpy(buf + n, x->stage + x->stage_pos, k);
                        x->stage_pos += k;
                        n += k;
                        continue;
                }
                if (x->phase == PHASE_DONE)
                        break;
                if (x->phase == PHASE_HEAD) {
                        size_t k = x->head_len - x->head_pos;
                        if (k > max - n)
                                k = max - n;
                        memcpy(buf + n, x->head + x->head_pos, k);
                        x->head_pos += k;
                        n += k;
                        if (x->head_pos == x->head_len)
                                x->phase = x->n_rows > 0 ? PHASE_ROW_HEAD : PHASE_TAIL;
                        continue;
                }
                if (max - n >= ITEM_MAX) {
                        n = (size_t) (next_item(x, buf + n) - buf);
                        continue;
                }
                x->stage_len = (size_t) (next_item(x, x->stage) - x->stage);
                x->stage_pos = 0;
        }
        return n;
}
