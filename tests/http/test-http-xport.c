/* SPDX-License-Identifier: MIT */
/*
 * The /rrd_updates writer, byte for byte, on two tiny RRDs whose every row was worked out by
 * hand (step 5, created at 995, GAUGE updates at 1000..1020):
 *
 *   host H, DS x = 1 2 3 4 5; archives AVERAGE 1×3, AVERAGE 2×2, MIN 2×2
 *       5 s rows (newest first): 1020:5 1015:4 1010:3
 *       10 s AVERAGE: 1020:(4+5)/2=4.5 1010:(2+3)/2=2.5; MIN: 1020:4 1010:2
 *   VM V, DS a = 10 20 30 40 50, b = 0.5 0.5 U 0.5 0.5; archives AVERAGE 1×3, AVERAGE 2×2
 *       5 s rows: 1020: 50 0.5; 1015: 40 0.5; 1010: 30 NaN
 */

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "consolidate/rrd.h"
#include "http/xport.h"
#include "tests/tap.h"

#define HU "11111111-1111-4111-8111-000000000000"
#define VU "00000000-0000-4000-8000-000000000001"
#define XML_DECL "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"

static Rrd *host, *vm;

static const char *t_host_uuid(void *u) {
        return HU;
}

static const Rrd *t_find(void *u, HttpOwnerKind kind, const char *uuid) {
        if (kind == HTTP_OWNER_HOST)
                return host;
        if (kind == HTTP_OWNER_VM && uuid && strcmp(uuid, VU) == 0)
                return vm;
        return NULL;
}

static int t_for_each(void *u, HttpOwnerKind kind, HttpRrdCallback cb, void *cbdata) {
        if (kind == HTTP_OWNER_HOST)
                return cb(cbdata, HU, host);
        if (kind == HTTP_OWNER_VM)
                return cb(cbdata, VU, vm);
        return 0;
}

static const HttpBackend backend = {
        .host_uuid = t_host_uuid,
        .find = t_find,
        .for_each = t_for_each,
};

static void build(void) {
        RrdDsDef dx = {.name = "x",
                       .type = RRD_DS_GAUGE,
                       .heartbeat_s = 300,
                       .min = (double) NAN,
                       .max = (double) NAN};
        RrdDsDef dab[2] = {
                {.name = "a",
                 .type = RRD_DS_GAUGE,
                 .heartbeat_s = 300,
                 .min = (double) NAN,
                 .max = (double) NAN},
                {.name = "b",
                 .type = RRD_DS_GAUGE,
                 .heartbeat_s = 300,
                 .min = (double) NAN,
                 .max = (double) NAN},
        };
        RrdRraDef rra[3] = {
                {.cf = RRD_CF_AVERAGE, .xff = 0.5, .pdp_per_row = 1, .rows = 3},
                {.cf = RRD_CF_AVERAGE, .xff = 0.5, .pdp_per_row = 2, .rows = 2},
                {.cf = RRD_CF_MIN, .xff = 0.5, .pdp_per_row = 2, .rows = 2},
        };

        CHECK(rrd_new(&host, 5, 995, &dx, 1, rra, 3) == 0);
        CHECK(rrd_new(&vm, 5, 995, dab, 2, rra, 2) == 0);
        for (int i = 0; i < 5; i++) {
                int64_t t = 1000 + 5 * i;
                RrdValue x = rrd_value_double(i + 1);
                RrdValue ab[2] = {rrd_value_double(10.0 * (i + 1)),
                                  i == 2 ? RRD_VALUE_U : rrd_value_double(0.5)};
                CHECK(rrd_update_at(host, t, 0, &x) == 0);
                CHECK(rrd_update_at(vm, t, 0, ab) == 0);
        }
}

/* The whole document for a query, read in pieces of `chunk` bytes. */
static char *render(const char *raw, HttpFormat fmt, int64_t now, size_t chunk, int *ret_r,
                    char *reason) {
        HttpQuery q;
        HttpXportQuery xq;
        HttpXport *x = NULL;
        size_t cap = 1 << 16, len = 0;
        char *out = malloc(cap);

        reason[0] = 0;
        CHECK(http_query_parse(&q, raw, strlen(raw)) == 0);
        CHECK(http_xport_query_parse(&q, &xq, reason, HTTP_REASON_MAX) == 0);
        http_query_done(&q);
        *ret_r = http_xport_new(&x, &backend, &xq, fmt, now, reason, HTTP_REASON_MAX);
        http_xport_query_done(&xq);
        if (*ret_r < 0) {
                free(out);
                return NULL;
        }
        for (;;) {
                size_t n = http_xport_read(x, out + len,
                                           chunk < cap - len - 1 ? chunk : cap - len - 1);
                if (n == 0)
                        break;
                len += n;
        }
        out[len] = 0;
        http_xport_free(x);
        return out;
}

static void expect(const char *raw, HttpFormat fmt, int64_t now, const char *want) {
        static const size_t chunks[] = {1, 7, 95, 96, 97, 4096};
        char reason[HTTP_REASON_MAX];
        int r;

        for (size_t i = 0; i < ELEMENTSOF(chunks); i++) {
                char *got = render(raw, fmt, now, chunks[i], &r, reason);
                CHECKF(r == 0 && got && strcmp(got, want) == 0,
                       "query '%s' chunk %zu\n#  got: %s\n# want: %s", raw, chunks[i],
                       got ? got : reason, want);
                free(got);
        }
}

static void test_documents(void) {
        /* 5 s archive: every CF at that resolution is AVERAGE only; host first; NaN spelt so. */
        expect("start=1010&host=true", HTTP_FORMAT_XML, 1023,
               XML_DECL "<xport><meta><start>1010</start><step>5</step><end>1020</end>"
                        "<rows>3</rows><columns>3</columns><legend>"
                        "<entry>AVERAGE:host:" HU ":x</entry>"
                        "<entry>AVERAGE:vm:" VU ":a</entry>"
                        "<entry>AVERAGE:vm:" VU ":b</entry></legend></meta><data>"
                        "<row><t>1020</t><v>5</v><v>50</v><v>0.5</v></row>"
                        "<row><t>1015</t><v>4</v><v>40</v><v>0.5</v></row>"
                        "<row><t>1010</t><v>3</v><v>30</v><v>NaN</v></row>"
                        "</data></xport>");

        /* interval=10 skips the 5 s archive; start 1000 is not covered by 2×2 (span 20 s from
         * 1020 reaches only past 1000), so the coarsest archives decide: AVERAGE and MIN. */
        expect("start=1000&interval=10&host=true&vm_uuid=none", HTTP_FORMAT_JSON, 1023,
               "{\"meta\":{\"start\":\"1010\",\"step\":\"10\",\"end\":\"1020\",\"rows\":\"2\","
               "\"columns\":\"2\",\"legend\":[\"AVERAGE:host:" HU ":x\",\"MIN:host:" HU
               ":x\"]},\"data\":[{\"t\":\"1020\",\"values\":[\"4.5\",\"4\"]},"
               "{\"t\":\"1010\",\"values\":[\"2.5\",\"2\"]}]}");

        /* The VM has no MIN archive: only the host's 10 s archives have that shape... */
        expect("start=1000&interval=10&host=true&cf=min", HTTP_FORMAT_XML, 1023,
               XML_DECL "<xport><meta><start>1010</start><step>10</step><end>1020</end>"
                        "<rows>2</rows><columns>1</columns><legend>"
                        "<entry>MIN:host:" HU ":x</entry></legend></meta><data>"
                        "<row><t>1020</t><v>4</v></row><row><t>1010</t><v>2</v></row>"
                        "</data></xport>");

        /* ...while at 5 s, MIN of one PDP is the PDP: the AVERAGE ring stands in, for both. */
        expect("start=1015&host=true&cf=MIN", HTTP_FORMAT_XML, 1023,
               XML_DECL "<xport><meta><start>1015</start><step>5</step><end>1020</end>"
                        "<rows>2</rows><columns>3</columns><legend>"
                        "<entry>MIN:host:" HU ":x</entry>"
                        "<entry>MIN:vm:" VU ":a</entry>"
                        "<entry>MIN:vm:" VU ":b</entry></legend></meta><data>"
                        "<row><t>1020</t><v>5</v><v>50</v><v>0.5</v></row>"
                        "<row><t>1015</t><v>4</v><v>40</v><v>0.5</v></row>"
                        "</data></xport>");

        /* A negative start counts back from now (1023 - 10 = 1013: rows 1020 and 1015). */
        expect("start=-10&vm_uuid=" VU, HTTP_FORMAT_JSON, 1023,
               "{\"meta\":{\"start\":\"1015\",\"step\":\"5\",\"end\":\"1020\",\"rows\":\"2\","
               "\"columns\":\"2\",\"legend\":[\"AVERAGE:vm:" VU ":a\",\"AVERAGE:vm:" VU
               ":b\"]},\"data\":[{\"t\":\"1020\",\"values\":[\"50\",\"0.5\"]},"
               "{\"t\":\"1015\",\"values\":[\"40\",\"0.5\"]}]}");

        /* start is inclusive: asking from the end gives exactly the newest row. */
        expect("start=1020&vm_uuid=none&host=1", HTTP_FORMAT_XML, 1023,
               XML_DECL "<xport><meta><start>1020</start><step>5</step><end>1020</end>"
                        "<rows>1</rows><columns>1</columns><legend>"
                        "<entry>AVERAGE:host:" HU ":x</entry></legend></meta><data>"
                        "<row><t>1020</t><v>5</v></row></data></xport>");

        /* Nothing selected: an empty document, not an error. */
        expect("start=1011&vm_uuid=none", HTTP_FORMAT_XML, 1023,
               XML_DECL "<xport><meta><start>1015</start><step>5</step><end>1020</end>"
                        "<rows>0</rows><columns>0</columns><legend/></meta><data/></xport>");
        expect("start=1011&vm_uuid=none&interval=60", HTTP_FORMAT_JSON, 1023,
               "{\"meta\":{\"start\":\"1020\",\"step\":\"60\",\"end\":\"1020\",\"rows\":\"0\","
               "\"columns\":\"0\",\"legend\":[]},\"data\":[]}");

        /* A start in the future: the columns, no rows. */
        expect("start=1030&host=true&vm_uuid=none", HTTP_FORMAT_XML, 1023,
               XML_DECL "<xport><meta><start>1030</start><step>5</step><end>1020</end>"
                        "<rows>0</rows><columns>1</columns><legend>"
                        "<entry>AVERAGE:host:" HU ":x</entry></legend></meta><data/></xport>");
        expect("start=1030&host=true&vm_uuid=none", HTTP_FORMAT_JSON, 1023,
               "{\"meta\":{\"start\":\"1030\",\"step\":\"5\",\"end\":\"1020\",\"rows\":\"0\","
               "\"columns\":\"1\",\"legend\":[\"AVERAGE:host:" HU ":x\"]},\"data\":[]}");

        /* An interval no archive reaches: empty, with the step asked for. */
        expect("start=0&interval=86400&host=true", HTTP_FORMAT_XML, 1023,
               XML_DECL "<xport><meta><start>0</start><step>86400</step><end>0</end>"
                        "<rows>0</rows><columns>0</columns><legend/></meta><data/></xport>");
}

static void test_unknown_uuid(void) {
        char reason[HTTP_REASON_MAX];
        int r;

        char *doc = render("start=0&vm_uuid=00000000-0000-4000-8000-00000000dead", HTTP_FORMAT_XML,
                           1023, 4096, &r, reason);
        CHECK(doc == NULL && r == -ENOENT);
        CHECK(strstr(reason, "00000000-0000-4000-8000-00000000dead") != NULL);
        /* One known and one unknown: the known one is served. */
        doc = render("start=1020&vm_uuid=00000000-0000-4000-8000-00000000dead&vm_uuid=" VU,
                     HTTP_FORMAT_XML, 1023, 4096, &r, reason);
        CHECK(r == 0 && doc && strstr(doc, "<columns>2</columns>"));
        free(doc);
        /* SR uuids are only looked at when asked for; an unknown one is 404 too. */
        doc = render("start=0&sr_uuid=22222222-2222-4222-8222-000000000000", HTTP_FORMAT_XML, 1023,
                     4096, &r, reason);
        CHECK(doc == NULL && r == -ENOENT);
}

static void test_snapshot(void) {
        HttpQuery q;
        HttpXportQuery xq;
        HttpXport *x = NULL;
        char reason[HTTP_REASON_MAX], buf[4096];
        const char *raw = "start=1010&host=true";
        size_t len;

        CHECK(http_query_parse(&q, raw, strlen(raw)) == 0);
        CHECK(http_xport_query_parse(&q, &xq, reason, sizeof(reason)) == 0);
        http_query_done(&q);
        CHECK(http_xport_new(&x, &backend, &xq, HTTP_FORMAT_XML, 1023, reason, sizeof(reason)) ==
              0);
        http_xport_query_done(&xq);
        CHECK(http_xport_rows(x) == 3 && http_xport_columns(x) == 3 && http_xport_step(x) == 5);
        /* Half a document, then a tick, then the rest: the answer is the one from before. */
        len = http_xport_read(x, buf, 200);
        RrdValue xv = rrd_value_double(99);
        RrdValue ab[2] = {rrd_value_double(99), rrd_value_double(99)};
        CHECK(rrd_update_at(host, 1025, 0, &xv) == 0);
        CHECK(rrd_update_at(vm, 1025, 0, ab) == 0);
        for (size_t n; (n = http_xport_read(x, buf + len, sizeof(buf) - 1 - len)) > 0;)
                len += n;
        buf[len] = 0;
        CHECK(strstr(buf, "<end>1020</end>") && strstr(buf, "<row><t>1020</t><v>5</v>") &&
              !strstr(buf, "99") && strstr(buf, "</data></xport>"));
        http_xport_free(x);
        /* A new request sees the tick (from 1015: 1010 is no longer inside the 5 s archive). */
        int r;
        char *doc = render("start=1015&host=true", HTTP_FORMAT_XML, 1028, 4096, &r, reason);
        CHECKF(doc && strstr(doc, "<end>1025</end>") && strstr(doc, "<row><t>1025</t><v>99</v>"),
               "%s", doc ? doc : reason);
        free(doc);
}

int main(void) {
        build();
        test_documents();
        test_unknown_uuid();
        test_snapshot();
        rrd_destroy(host);
        rrd_destroy(vm);
        return TAP_DONE();
}
