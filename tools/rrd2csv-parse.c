/* SPDX-License-Identifier: MIT */
/* rrd2csv's parsing (see rrd2csv-parse.h): selectors, legend matching, xport documents. */

#include "tools/rrd2csv-parse.h"

#include <errno.h>
#include <libxml/xmlreader.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "consolidate/num.h"

void xport_done(Xport *x) {
        for (size_t i = 0; i < x->n_cols; i++)
                free(x->legend ? x->legend[i] : NULL);
        free(x->legend);
        free(x->t);
        free(x->v);
        memset(x, 0, sizeof(*x));
}

int rrd2csv_parse_selector(const char *s, Selector *ret) {
        Selector sel = {};
        const char *p = s;
        char *fields[4] = {sel.cf, sel.kind, sel.uuid, sel.metric};
        size_t sizes[4] = {sizeof(sel.cf), sizeof(sel.kind), sizeof(sel.uuid), sizeof(sel.metric)};

        for (int i = 0; i < 4; i++) {
                const char *end = i < 3 ? strchr(p, ':') : p + strlen(p);
                if (!end)
                        return -EINVAL;
                size_t n = (size_t) (end - p);
                if (n >= sizes[i])
                        return -EINVAL;
                memcpy(fields[i], p, n);
                fields[i][n] = '\0';
                p = end + (i < 3 ? 1 : 0);
        }
        *ret = sel;
        return 0;
}

/* legend entries are CF:kind:uuid:name, the name possibly holding more colons */
bool rrd2csv_matches(const Selector *sel, size_t n_sel, const char *legend) {
        char cf[16] = "", kind[8] = "", uuid[64] = "";
        const char *a = strchr(legend, ':'), *b = a ? strchr(a + 1, ':') : NULL,
                   *c = b ? strchr(b + 1, ':') : NULL;

        if (!c || (size_t) (a - legend) >= sizeof(cf) || (size_t) (b - a - 1) >= sizeof(kind) ||
            (size_t) (c - b - 1) >= sizeof(uuid))
                return false;
        memcpy(cf, legend, (size_t) (a - legend));
        memcpy(kind, a + 1, (size_t) (b - a - 1));
        memcpy(uuid, b + 1, (size_t) (c - b - 1));
        const char *name = c + 1;
        if (n_sel == 0)
                return strcmp(cf, "AVERAGE") == 0;
        for (size_t i = 0; i < n_sel; i++) {
                const Selector *s = &sel[i];
                if ((!*s->cf || strcasecmp(s->cf, cf) == 0) &&
                    (!*s->kind || strcmp(s->kind, kind) == 0) &&
                    (!*s->uuid || strcmp(s->uuid, uuid) == 0) &&
                    (!*s->metric || strncmp(s->metric, name, strlen(s->metric)) == 0))
                        return true;
        }
        return false;
}

static bool parse_ll(const xmlChar *s, long long *ret) {
        char *end;
        if (!s)
                return false;
        long long v = strtoll((const char *) s, &end, 10);
        if (end == (const char *) s || *end)
                return false;
        *ret = v;
        return true;
}

/* Reads an xport document (compact or not) into x. Return: 0 or -EBADMSG. */
int rrd2csv_parse_xport(const char *body, size_t len, Xport *x) {
        xmlTextReaderPtr r =
                xmlReaderForMemory(body, (int) len, NULL, NULL,
                                   XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING);
        size_t cap_cols = 0, cap_rows = 0, i_v = 0;
        bool has_t = false;
        int ret = -EBADMSG, k;
        char path[4][16] = {}; /* element names by depth: xport, meta|data, field|row, t|v */

        if (!r)
                return -ENOMEM;
        while ((k = xmlTextReaderRead(r)) == 1) {
                int depth = xmlTextReaderDepth(r), type = xmlTextReaderNodeType(r);
                const xmlChar *name = xmlTextReaderConstLocalName(r);

                if (type == XML_READER_TYPE_ELEMENT && depth < 4)
                        (void) snprintf(path[depth], sizeof(path[depth]), "%s", name);
                if (type == XML_READER_TYPE_ELEMENT && depth == 2 && strcmp(path[1], "data") == 0 &&
                    strcmp((const char *) name, "row") == 0) {
                        /* The previous row must have been complete: its time and every value. */
                        if (x->n_rows > 0 && (!has_t || i_v != x->n_cols))
                                goto out;
                        if (x->n_rows == cap_rows) {
                                cap_rows = cap_rows ? 2 * cap_rows : 16;
                                long long *t = realloc(x->t, cap_rows * sizeof(*t));
                                double *v = realloc(x->v, cap_rows * (x->n_cols ? x->n_cols : 1) *
                                                                  sizeof(*v));
                                if (t)
                                        x->t = t;
                                if (v)
                                        x->v = v;
                                if (!t || !v)
                                        goto out;
                        }
                        x->n_rows++;
                        i_v = 0;
                        has_t = false;
                        continue;
                }
                if (type != XML_READER_TYPE_TEXT || depth < 1)
                        continue;
                const xmlChar *text = xmlTextReaderConstValue(r);
                if (depth == 3 && strcmp(path[1], "meta") == 0) {
                        long long v;
                        const char *field = path[2];
                        if (!parse_ll(text, &v))
                                goto out;
                        if (strcmp(field, "start") == 0)
                                x->start = v;
                        else if (strcmp(field, "end") == 0)
                                x->end = v;
                        else if (strcmp(field, "step") == 0)
                                x->step = v;
                } else if (depth == 4 && strcmp(path[1], "meta") == 0 &&
                           strcmp(path[2], "legend") == 0) {
                        /* Columns are fixed once rows began: they size every row. */
                        if (x->n_cols >= MAX_COLUMNS || x->n_rows > 0)
                                goto out;
                        if (x->n_cols == cap_cols) {
                                cap_cols = cap_cols ? 2 * cap_cols : 64;
                                char **l = realloc(x->legend, cap_cols * sizeof(*l));
                                if (!l)
                                        goto out;
                                x->legend = l;
                        }
                        x->legend[x->n_cols] = strdup((const char *) text);
                        if (!x->legend[x->n_cols++])
                                goto out;
                } else if (depth == 4 && strcmp(path[1], "data") == 0 &&
                           strcmp(path[2], "row") == 0 && x->n_rows > 0) {
                        if (strcmp(path[3], "t") == 0 && !has_t && i_v == 0) {
                                long long t;
                                if (!parse_ll(text, &t))
                                        goto out;
                                x->t[x->n_rows - 1] = t;
                                has_t = true;
                        } else if (strcmp(path[3], "v") == 0 && has_t && i_v < x->n_cols) {
                                double v;
                                if (num_parse_double((const char *) text,
                                                     strlen((const char *) text), &v) < 0)
                                        goto out;
                                x->v[(x->n_rows - 1) * x->n_cols + i_v++] = v;
                        } else
                                goto out;
                }
        }
        if (x->n_rows > 0 && (!has_t || i_v != x->n_cols))
                goto out;
        ret = k == 0 && x->step > 0 ? 0 : -EBADMSG;
out:
        xmlFreeTextReader(r);
        return ret;
}
