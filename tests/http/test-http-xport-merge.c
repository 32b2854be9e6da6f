/* SPDX-License-Identifier: MIT */
/*
 * Pool-wide /rrd_updates: members' xport documents read back (and refused when they do not
 * hold together), merged by timestamp on hand-made documents whose every cell is worked out
 * below, and written in both formats; and our own /rrd_updates output reads back to the
 * document it came from, byte for byte once written again.
 *
 * Merge case (step 5, now 1030):
 *   M (master): end 1020, rows 1020 1015 1010, column x = 1 2 3
 *   A:          end 1025, rows 1025 1020 1015, columns y = 10 20 30, z = NaN 5 6
 *   C:          end 960 on a 60 s grid, column w = 7
 *   merged: end 1025 (newest), rows back to 1010 (the oldest start; 4 rows, which is at most
 *   one more than the longest document), columns x y z w:
 *     1025: NaN 10 NaN NaN      1020: 1 20 5 NaN      1015: 2 30 6 NaN      1010: 3 NaN NaN NaN
 *   (C's only row, at 960, falls outside; its column is all NaN.)
 */

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "consolidate/rrd.h"
#include "http/xport-merge.h"
#include "http/xport.h"
#include "tests/tap.h"

#define DECL "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
#define MU "11111111-1111-4111-8111-000000000000"
#define AU "22222222-2222-4222-8222-000000000000"
#define VU "00000000-0000-4000-8000-000000000001"

static const char doc_m[] =
        DECL "<xport><meta><start>1010</start><step>5</step><end>1020</end><rows>3</rows>"
             "<columns>1</columns><legend><entry>AVERAGE:host:" MU ":x</entry></legend></meta>"
             "<data><row><t>1020</t><v>1.0</v></row><row><t>1015</t><v>2</v></row>"
             "<row><t>1010</t><v>3</v></row></data></xport>";

/* Indented, with comments and a later meta element: what a person or another writer sends. */
static const char doc_a[] =
        "<?xml version=\"1.0\"?>\n<!-- from A -->\n<xport>\n  <meta>\n    <start>1015</start>\n"
        "    <step>5</step>\n    <end>1025</end>\n    <rows>3</rows>\n    <columns>2</columns>\n"
        "    <legend>\n      <entry>AVERAGE:host:" AU ":y</entry>\n"
        "      <entry>AVERAGE:vm:" VU ":z</entry>\n    </legend>\n"
        "    <missing_hosts><host>x</host></missing_hosts>\n  </meta>\n  <data>\n"
        "    <row><t>1025</t><v>10</v><v>NaN</v></row>\n"
        "    <row><t>1020</t><v> 20 </v><v>5</v></row>\n"
        "    <row><t>1015</t><v>3e1</v><v>6</v></row>\n  </data>\n</xport>\n";

static const char doc_c[] =
        "<xport><meta><start>960</start><step>60</step><end>960</end><rows>1</rows>"
        "<columns>1</columns><legend><entry>AVERAGE:host:c:w</entry></legend></meta>"
        "<data><row><t>960</t><v>7</v></row></data></xport>";

static HttpXportDoc *parse(const char *text, char *reason) {
        HttpXportDoc *d = NULL;
        return http_xport_doc_parse(text, strlen(text), NULL, &d, reason, 160) == 0 ? d : NULL;
}

static bool cell(const HttpXportDoc *d, size_t row, size_t col, double want) {
        double v = d->values[row * d->n_cols + col];
        return isnan(want) ? isnan(v) : v == want;
}

static void test_parse(void) {
        char reason[160] = "";
        HttpXportDoc *m = parse(doc_m, reason), *a = parse(doc_a, reason);

        CHECKF(m && a, "%s", reason);
        if (!m || !a)
                return;
        CHECK(m->start == 1010 && m->end == 1020 && m->step == 5 && m->n_rows == 3 &&
              m->n_cols == 1);
        CHECK(strcmp(m->legend[0], "AVERAGE:host:" MU ":x") == 0);
        CHECK(cell(m, 0, 0, 1) && cell(m, 1, 0, 2) && cell(m, 2, 0, 3));
        CHECK(a->n_cols == 2 && strcmp(a->legend[1], "AVERAGE:vm:" VU ":z") == 0);
        CHECK(cell(a, 0, 0, 10) && cell(a, 0, 1, (double) NAN) && cell(a, 1, 0, 20) &&
              cell(a, 2, 0, 30));
        http_xport_doc_free(m);
        http_xport_doc_free(a);
}

static void test_refusals(void) {
        static const struct {
                const char *text;
                const char *reason;
        } bad[] = {
                {"", "not well-formed"},
                {"<xport/>", "empty"},
                {"<rrd/>", "expected <xport>"},
                {"<xport><meta><start>1</start></meta></xport>", "expected <step>"},
                {"<xport><meta><start>x</start></meta></xport>", "integer"},
                /* rows that do not match the meta */
                {"<xport><meta><start>10</start><step>5</step><end>10</end><rows>2</rows>"
                 "<columns>0</columns><legend/></meta><data/></xport>",
                 "<start> is not"},
                {"<xport><meta><start>10</start><step>5</step><end>10</end><rows>1</rows>"
                 "<columns>1</columns><legend><entry>a</entry></legend></meta><data/></xport>",
                 "0 rows, not 1"},
                {"<xport><meta><start>10</start><step>5</step><end>10</end><rows>1</rows>"
                 "<columns>1</columns><legend><entry>a</entry></legend></meta><data>"
                 "<row><t>15</t><v>1</v></row></data></xport>",
                 "not end"},
                {"<xport><meta><start>10</start><step>5</step><end>10</end><rows>1</rows>"
                 "<columns>1</columns><legend><entry>a</entry></legend></meta><data>"
                 "<row><t>10</t><v>1x</v></row></data></xport>",
                 "not a number"},
                {"<xport><meta><start>10</start><step>5</step><end>10</end><rows>1</rows>"
                 "<columns>2</columns><legend><entry>a</entry><entry>b</entry></legend></meta>"
                 "<data><row><t>10</t><v>1</v></row></data></xport>",
                 "1 values, not 2"},
                {"<xport><meta><start>10</start><step>5</step><end>10</end><rows>0</rows>"
                 "<columns>2</columns><legend><entry>a</entry></legend></meta><data/></xport>",
                 "1 legend entries for 2"},
                {"<!DOCTYPE x [<!ENTITY e \"1\">]><xport/>", "DTD"},
                {"<xport><meta><start>10</start><step>5</step><end>10</end><rows>0</rows>"
                 "<columns>0</columns><legend/></meta><data/></xport><x/>",
                 "not well-formed"},
                {"<xport><meta><start>10</start><step>0</step><end>10</end><rows>1</rows>"
                 "<columns>0</columns><legend/></meta><data/></xport>",
                 "positive"},
                {"<xport><meta><start>10</start><step>5</step><end>10</end><rows>1</rows>"
                 "<columns>5000000</columns><legend/></meta><data/></xport>",
                 "beyond the limit"},
                {"<xport><meta><start>0</start><step>4611686018427387904</step>"
                 "<end>9223372036854775807</end><rows>3</rows><columns>0</columns><legend/>"
                 "</meta><data/></xport>",
                 "<start> is not"},
        };
        for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
                char reason[160] = "";
                HttpXportDoc *d = NULL;
                int k = http_xport_doc_parse(bad[i].text, strlen(bad[i].text), NULL, &d, reason,
                                             sizeof(reason));
                CHECKF(k < 0 && d == NULL && strstr(reason, bad[i].reason),
                       "case %zu: %d '%s' (wanted '%s')", i, k, reason, bad[i].reason);
        }
}

static void test_merge(void) {
        char reason[160] = "";
        HttpXportDoc *m = parse(doc_m, reason), *a = parse(doc_a, reason);
        HttpXportDoc *c = parse(doc_c, reason), *r = NULL;
        HttpXportDoc *docs[] = {m, NULL, a, c};

        CHECKF(m && a && c, "%s", reason);
        if (!m || !a || !c)
                return;
        CHECK(http_xport_merge(docs, 4, 1030, &r) == 0);
        CHECK(r->step == 5 && r->end == 1025 && r->start == 1010 && r->n_rows == 4);
        CHECK(r->n_cols == 4);
        CHECK(strcmp(r->legend[0], "AVERAGE:host:" MU ":x") == 0 &&
              strcmp(r->legend[1], "AVERAGE:host:" AU ":y") == 0 &&
              strcmp(r->legend[3], "AVERAGE:host:c:w") == 0);
        static const double want[4][4] = {
                {(double) NAN, 10, (double) NAN, (double) NAN},
                {1, 20, 5, (double) NAN},
                {2, 30, 6, (double) NAN},
                {3, (double) NAN, (double) NAN, (double) NAN},
        };
        bool ok = true;
        for (size_t i = 0; i < 4; i++)
                for (size_t j = 0; j < 4; j++)
                        ok &= cell(r, i, j, want[i][j]);
        CHECK(ok);

        /* Written out: the XML a client gets, missing hosts named after the legend. */
        const char *missing[] = {"33333333-3333-4333-8333-000000000000"};
        char *text = NULL;
        size_t len = 0;
        CHECK(http_xport_doc_render(r, HTTP_FORMAT_XML, missing, 1, &text, &len) == 0);
        CHECK(strcmp(text, DECL "<xport><meta><start>1010</start><step>5</step><end>1025</end>"
                                "<rows>4</rows><columns>4</columns><legend>"
                                "<entry>AVERAGE:host:" MU ":x</entry>"
                                "<entry>AVERAGE:host:" AU ":y</entry>"
                                "<entry>AVERAGE:vm:" VU ":z</entry>"
                                "<entry>AVERAGE:host:c:w</entry></legend>"
                                "<missing_hosts><host>33333333-3333-4333-8333-000000000000</host>"
                                "</missing_hosts></meta><data>"
                                "<row><t>1025</t><v>NaN</v><v>10</v><v>NaN</v><v>NaN</v></row>"
                                "<row><t>1020</t><v>1</v><v>20</v><v>5</v><v>NaN</v></row>"
                                "<row><t>1015</t><v>2</v><v>30</v><v>6</v><v>NaN</v></row>"
                                "<row><t>1010</t><v>3</v><v>NaN</v><v>NaN</v><v>NaN</v></row>"
                                "</data></xport>") == 0);
        CHECK(len == strlen(text));
        free(text);
        CHECK(http_xport_doc_render(r, HTTP_FORMAT_JSON, missing, 1, &text, &len) == 0);
        CHECK(strncmp(text,
                      "{\"meta\":{\"start\":\"1010\",\"step\":\"5\",\"end\":\"1025\","
                      "\"rows\":\"4\",\"columns\":\"4\",\"legend\":[\"AVERAGE:host:" MU ":x\",",
                      120) == 0);
        CHECK(strstr(text, "\"missing_hosts\":[\"33333333-3333-4333-8333-000000000000\"]},"
                           "\"data\":[{\"t\":\"1025\",\"values\":[\"NaN\",\"10\",\"NaN\",\"NaN\""
                           "]},{\"t\":\"1020\"") != NULL);
        CHECK(len > 2 && strcmp(text + len - 2, "]}") == 0);
        free(text);
        http_xport_doc_free(r);

        /* A member whose clock runs ahead: nothing after the master's present. */
        r = NULL;
        CHECK(http_xport_merge(docs, 4, 1022, &r) == 0);
        CHECK(r && r->end == 1020 && r->n_rows == 3 && cell(r, 0, 0, 1) && cell(r, 0, 1, 20));
        http_xport_doc_free(r);

        /* Nobody has rows: an empty document in the first one's frame. */
        HttpXportDoc *e = parse("<xport><meta><start>1000</start><step>5</step><end>995</end>"
                                "<rows>0</rows><columns>0</columns><legend/></meta><data/>"
                                "</xport>",
                                reason);
        HttpXportDoc *only[] = {e};
        r = NULL;
        CHECK(e && http_xport_merge(only, 1, 1030, &r) == 0 && r->n_rows == 0 && r->n_cols == 0);
        CHECK(http_xport_doc_render(r, HTTP_FORMAT_XML, NULL, 0, &text, &len) == 0);
        CHECK(strcmp(text, DECL "<xport><meta><start>1000</start><step>5</step><end>995</end>"
                                "<rows>0</rows><columns>0</columns><legend/><missing_hosts/></meta>"
                                "<data/></xport>") == 0);
        free(text);
        http_xport_doc_free(r);
        http_xport_doc_free(e);
        http_xport_doc_free(m);
        http_xport_doc_free(a);
        http_xport_doc_free(c);
}

/* Our own /rrd_updates output, from a real RRD, reads back and is written again identically. */
static Rrd *host_rrd;

static const char *t_host_uuid(void *u) {
        return MU;
}

static const Rrd *t_find(void *u, HttpOwnerKind kind, const char *uuid) {
        return kind == HTTP_OWNER_HOST ? host_rrd : NULL;
}

static int t_for_each(void *u, HttpOwnerKind kind, HttpRrdCallback cb, void *cbdata) {
        return kind == HTTP_OWNER_HOST ? cb(cbdata, MU, host_rrd) : 0;
}

static void test_own_output(void) {
        RrdDsDef ds[2] = {
                {.name = "cpu_avg",
                 .type = RRD_DS_GAUGE,
                 .heartbeat_s = 300,
                 .min = (double) NAN,
                 .max = (double) NAN},
                {.name = "rx_bytes",
                 .type = RRD_DS_GAUGE,
                 .heartbeat_s = 300,
                 .min = (double) NAN,
                 .max = (double) NAN},
        };
        RrdRraDef rra[2] = {{RRD_CF_AVERAGE, 0.5, 1, 20}, {RRD_CF_MAX, 0.5, 1, 20}};
        HttpBackend b = {.host_uuid = t_host_uuid, .find = t_find, .for_each = t_for_each};
        HttpXportQuery q = {.start = 1000, .cf = -1, .host = true, .vms.all = true};
        HttpXport *x = NULL;
        char reason[160] = "";

        CHECK(rrd_new(&host_rrd, 5, 995, ds, 2, rra, 2) == 0);
        for (int64_t t = 1000; t <= 1060; t += 5) {
                RrdValue v[2] = {rrd_value_double((double) t / 8.0),
                                 t % 15 ? rrd_value_double(1e300) : RRD_VALUE_U};
                (void) rrd_update_at(host_rrd, t, 0, v);
        }
        CHECK(http_xport_new(&x, &b, &q, HTTP_FORMAT_XML, 1062, reason, sizeof(reason)) == 0);
        size_t bound = http_xport_size_bound(x), len = 0;
        char *doc = malloc(bound + 1);
        for (size_t k; (k = http_xport_read(x, doc + len, bound - len)) > 0;)
                len += k;
        doc[len] = 0;
        HttpXportDoc *d = NULL;
        CHECKF(http_xport_doc_parse(doc, len, NULL, &d, reason, sizeof(reason)) == 0, "%s", reason);
        CHECK(d && d->n_rows == http_xport_rows(x) && d->n_cols == 4 && d->n_rows == 13);
        CHECK(d && cell(d, 0, 0, 132.5) && cell(d, 12, 0, 125));
        char *again = NULL;
        size_t again_len = 0;
        CHECK(d && http_xport_doc_render(d, HTTP_FORMAT_XML, NULL, 0, &again, &again_len) == 0);
        /* The same bytes but for the one element the pool adds. */
        char *p = again ? strstr(again, "<missing_hosts/>") : NULL;
        if (p)
                memmove(p, p + 16, strlen(p + 16) + 1);
        CHECK(again && strcmp(again, doc) == 0);
        free(again);
        http_xport_doc_free(d);
        http_xport_free(x);
        free(doc);
        rrd_destroy(host_rrd);
}

int main(void) {
        test_parse();
        test_refusals();
        test_merge();
        test_own_output();
        return TAP_DONE();
}
