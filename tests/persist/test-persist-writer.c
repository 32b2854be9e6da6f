/* SPDX-License-Identifier: MIT */
/*
 * The serialiser: the exact document for a hand-built RRD (XML and JSON), the element order
 * clients depend on, number and last_ds spellings, JSON validity, and output that does not
 * depend on the sizes of the reads.
 */

#include <libxml/parser.h>
#include <libxml/tree.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "consolidate/layout.h"
#include "persist/writer.h"
#include "rrd-gen.h"
#include "rrdd/macro.h"
#include "tests/tap.h"

static const char expected_xml[] =
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
        "<rrd><version>0003</version><step>5</step>"
        "<lastupdate usec=\"250000\">1000000012</lastupdate>"
        "<ds><name>g</name><type>GAUGE</type><minimal_heartbeat>300</minimal_heartbeat>"
        "<min>NaN</min><max>NaN</max><last_ds>5.0</last_ds><value>-0.0</value>"
        "<unknown_sec>3</unknown_sec></ds>"
        "<ds><name>c</name><type>COUNTER</type><minimal_heartbeat>600</minimal_heartbeat>"
        "<min>0.0</min><max>1.5e+16</max><last_ds>12345</last_ds><value>NaN</value>"
        "<unknown_sec>0</unknown_sec></ds>"
        "<rra><cf>AVERAGE</cf><pdp_per_row>1</pdp_per_row><params><xff>0.5</xff></params>"
        "<cdp_prep><ds><primary_value>0.5</primary_value><secondary_value>-1e-05</secondary_value>"
        "<value>2.5</value><unknown_datapoints>0</unknown_datapoints></ds>"
        "<ds><primary_value>Infinity</primary_value><secondary_value>-Infinity</secondary_value>"
        "<value>NaN</value><unknown_datapoints>2</unknown_datapoints></ds></cdp_prep>"
        "<database><row><v>NaN</v><v>Infinity</v></row><row><v>-Infinity</v><v>0.1</v></row>"
        "<row><v>1.5e+16</v><v>-0.0</v></row></database></rra>"
        "<rra><cf>MAX</cf><pdp_per_row>12</pdp_per_row><params><xff>0.25</xff></params>"
        "<cdp_prep><ds><primary_value>0.0</primary_value><secondary_value>0.0</secondary_value>"
        "<value>0.1</value><unknown_datapoints>1</unknown_datapoints></ds>"
        "<ds><primary_value>0.0</primary_value><secondary_value>0.0</secondary_value>"
        "<value>1e-05</value><unknown_datapoints>11</unknown_datapoints></ds></cdp_prep>"
        "<database><row><v>7.25</v><v>1e-05</v></row></database></rra></rrd>";

static const char expected_json[] =
        "{\"version\":\"0003\",\"step\":\"5\",\"lastupdate\":\"1000000012.25\",\"ds\":["
        "{\"name\":\"g\",\"type\":\"GAUGE\",\"minimal_heartbeat\":\"300\",\"min\":\"NaN\","
        "\"max\":\"NaN\",\"last_ds\":\"5.0\",\"value\":\"-0.0\",\"unknown_sec\":\"3\","
        "\"last_updated\":\"1000000012.25\"},"
        "{\"name\":\"c\",\"type\":\"COUNTER\",\"minimal_heartbeat\":\"600\",\"min\":\"0.0\","
        "\"max\":\"1.5e+16\",\"last_ds\":\"12345\",\"value\":\"NaN\",\"unknown_sec\":\"0\","
        "\"last_updated\":\"1000000012.25\"}],\"rra\":["
        "{\"cf\":\"AVERAGE\",\"pdp_per_row\":\"1\",\"params\":{\"xff\":\"0.5\"},\"cdp_prep\":{"
        "\"ds\":["
        "{\"primary_value\":\"0.5\",\"secondary_value\":\"-1e-05\",\"value\":\"2.5\","
        "\"unknown_datapoints\":\"0\"},"
        "{\"primary_value\":\"Infinity\",\"secondary_value\":\"-Infinity\",\"value\":\"NaN\","
        "\"unknown_datapoints\":\"2\"}]},"
        "\"database\":[[\"NaN\",\"Infinity\"],[\"-Infinity\",\"0.1\"],[\"1.5e+16\",\"-0.0\"]]},"
        "{\"cf\":\"MAX\",\"pdp_per_row\":\"12\",\"params\":{\"xff\":\"0.25\"},\"cdp_prep\":{\"ds\":"
        "["
        "{\"primary_value\":\"0.0\",\"secondary_value\":\"0.0\",\"value\":\"0.1\","
        "\"unknown_datapoints\":\"1\"},"
        "{\"primary_value\":\"0.0\",\"secondary_value\":\"0.0\",\"value\":\"1e-05\","
        "\"unknown_datapoints\":\"11\"}]},"
        "\"database\":[[\"7.25\",\"1e-05\"]]}]}";

/* The RRD both expected documents above describe. */
static Rrd *hand_built(void) {
        RrdDsDef ds[2] = {
                {.name = "g",
                 .type = RRD_DS_GAUGE,
                 .heartbeat_s = 300,
                 .min = (double) NAN,
                 .max = (double) NAN},
                {.name = "c", .type = RRD_DS_COUNTER, .heartbeat_s = 600, .min = 0, .max = 1.5e16},
        };
        RrdRraDef rra[2] = {
                {.cf = RRD_CF_AVERAGE, .xff = 0.5, .pdp_per_row = 1, .rows = 3},
                {.cf = RRD_CF_MAX, .xff = 0.25, .pdp_per_row = 12, .rows = 1},
        };
        Rrd *rrd = NULL;

        if (rrd_new(&rrd, 5, 1000000000, ds, 2, rra, 2) < 0)
                return NULL;
        (void) rrd_set_last_up(rrd, 1000000012, 250000);
        rrd_set_ds_state(
                rrd, 0,
                &(RrdDsState){.last_ds = rrd_value_double(5.0), .value = -0.0, .unknown_sec = 3});
        rrd_set_ds_state(rrd, 1,
                         &(RrdDsState){.last_ds = rrd_value_u64(12345), .value = (double) NAN});
        rrd_set_cdp_state(
                rrd, 0, 0,
                &(RrdCdpState){.value = 2.5, .primary_value = 0.5, .secondary_value = -1e-05});
        rrd_set_cdp_state(rrd, 0, 1,
                          &(RrdCdpState){.value = (double) NAN,
                                         .unknown_pdps = 2,
                                         .primary_value = HUGE_VAL,
                                         .secondary_value = -HUGE_VAL});
        rrd_set_cdp_state(rrd, 1, 0, &(RrdCdpState){.value = 0.1, .unknown_pdps = 1});
        rrd_set_cdp_state(rrd, 1, 1, &(RrdCdpState){.value = 1e-05, .unknown_pdps = 11});
        rrd_rra_set_row(rrd, 0, 0, (double[]){(double) NAN, HUGE_VAL});
        rrd_rra_set_row(rrd, 0, 1, (double[]){-HUGE_VAL, 0.1});
        rrd_rra_set_row(rrd, 0, 2, (double[]){1.5e16, -0.0});
        rrd_rra_set_row(rrd, 1, 0, (double[]){7.25, 1e-05});
        return rrd;
}

static void test_exact_documents(void) {
        _cleanup_(rrd_destroyp) Rrd *rrd = hand_built();
        _cleanup_free_ char *xml = NULL, *json = NULL, *plain = NULL;
        size_t len;

        CHECK(rrd);
        if (!rrd)
                return;
        CHECK(gen_write_all(rrd, PERSIST_FORMAT_XML, 65536, NULL, &xml, &len) == 0);
        CHECKF(xml && strcmp(xml, expected_xml) == 0, "got %s", xml);
        CHECK(gen_write_all(rrd, PERSIST_FORMAT_JSON, 65536, NULL, &json, &len) == 0);
        CHECKF(json && strcmp(json, expected_json) == 0, "got %s", json);

        /* Whole seconds: no usec attribute, JSON lastupdate without a fraction. */
        CHECK(rrd_set_last_up(rrd, 1000000012, 0) == 0);
        CHECK(gen_write_all(rrd, PERSIST_FORMAT_XML, 65536, NULL, &plain, &len) == 0);
        CHECK(plain && strstr(plain, "<lastupdate>1000000012</lastupdate>") != NULL);
        free(plain);
        plain = NULL;
        CHECK(gen_write_all(rrd, PERSIST_FORMAT_JSON, 65536, NULL, &plain, &len) == 0);
        CHECK(plain && strstr(plain, "\"lastupdate\":\"1000000012\",") != NULL);
}

/* last_ds keeps its kind through the text: integral doubles get a ".0", integers do not. */
static void test_last_ds_spelling(void) {
        static const struct {
                RrdValue v;
                const char *text;
        } cases[] = {
                {{.kind = RRD_VALUE_UNKNOWN}, "<last_ds>U</last_ds>"},
                {{.kind = RRD_VALUE_DOUBLE, .d = -3.0}, "<last_ds>-3.0</last_ds>"},
                {{.kind = RRD_VALUE_DOUBLE, .d = 1.5e16}, "<last_ds>1.5e+16</last_ds>"},
                {{.kind = RRD_VALUE_DOUBLE, .d = 0.0}, "<last_ds>0.0</last_ds>"},
                {{.kind = RRD_VALUE_DOUBLE, .d = (double) NAN}, "<last_ds>NaN</last_ds>"},
                {{.kind = RRD_VALUE_INT, .negative = true, .magnitude = 0},
                 "<last_ds>-0</last_ds>"},
                {{.kind = RRD_VALUE_INT, .negative = true, .magnitude = 42},
                 "<last_ds>-42</last_ds>"},
                {{.kind = RRD_VALUE_INT, .magnitude = UINT64_MAX},
                 "<last_ds>18446744073709551615</last_ds>"},
        };
        RrdDsDef ds = {.name = "x",
                       .type = RRD_DS_DERIVE,
                       .heartbeat_s = 10,
                       .min = (double) NAN,
                       .max = (double) NAN};
        RrdRraDef rra = {.cf = RRD_CF_LAST, .xff = 0, .pdp_per_row = 1, .rows = 1};

        for (size_t i = 0; i < ELEMENTSOF(cases); i++) {
                _cleanup_(rrd_destroyp) Rrd *rrd = NULL;
                _cleanup_free_ char *xml = NULL;
                size_t len;
                CHECK(rrd_new(&rrd, 1, 1000, &ds, 1, &rra, 1) == 0);
                rrd_set_ds_state(rrd, 0,
                                 &(RrdDsState){.last_ds = cases[i].v, .value = (double) NAN});
                CHECK(gen_write_all(rrd, PERSIST_FORMAT_XML, 4096, NULL, &xml, &len) == 0);
                CHECKF(xml && strstr(xml, cases[i].text), "case %zu wants %s in %s", i,
                       cases[i].text, xml);
        }
}

/* DCOUNTER/DDERIVE make rrdtool write version 0005; we do the same. */
static void test_version(void) {
        RrdDsDef ds = {.name = "d",
                       .type = RRD_DS_DCOUNTER,
                       .heartbeat_s = 10,
                       .min = (double) NAN,
                       .max = (double) NAN};
        RrdRraDef rra = {.cf = RRD_CF_AVERAGE, .xff = 0.5, .pdp_per_row = 1, .rows = 1};
        _cleanup_(rrd_destroyp) Rrd *rrd = NULL;
        _cleanup_free_ char *xml = NULL;
        size_t len;

        CHECK(rrd_new(&rrd, 1, 1000, &ds, 1, &rra, 1) == 0);
        CHECK(gen_write_all(rrd, PERSIST_FORMAT_XML, 4096, NULL, &xml, &len) == 0);
        CHECK(xml && strstr(xml, "<version>0005</version>"));
}

/* The children of parent are exactly these elements, with nothing (not even blanks) between. */
static bool names_are(xmlNodePtr parent, const char *const *names, size_t n_names) {
        size_t i = 0;

        for (xmlNodePtr c = parent->children; c; c = c->next, i++)
                if (c->type != XML_ELEMENT_NODE || i >= n_names ||
                    strcmp((const char *) c->name, names[i]) != 0)
                        return false;
        return i == n_names;
}

/* A row: exactly n <v> elements. */
static bool is_row(xmlNodePtr row, size_t n) {
        size_t i = 0;

        if (strcmp((const char *) row->name, "row") != 0)
                return false;
        for (xmlNodePtr c = row->children; c; c = c->next, i++)
                if (c->type != XML_ELEMENT_NODE || strcmp((const char *) c->name, "v") != 0)
                        return false;
        return i == n;
}

/*
 * The structure clients walk by position (client-expectations.md §3): root children version,
 * step, lastupdate, ds*, rra*; ds children exactly name..unknown_sec; rra children exactly cf,
 * pdp_per_row, params, cdp_prep, database; first archive the 5 s AVERAGE; rows of n_ds values.
 */
static void test_structure(const Rrd *rrd, const char *xml, size_t len, const char *what) {
        static const char *const ds_names[] = {"name",  "type",       "minimal_heartbeat",
                                               "min",   "max",        "last_ds",
                                               "value", "unknown_sec"};
        static const char *const rra_names[] = {"cf", "pdp_per_row", "params", "cdp_prep",
                                                "database"};
        static const char prolog[] = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<rrd><version>";
        xmlDocPtr doc = xmlReadMemory(xml, (int) len, NULL, NULL, XML_PARSE_NONET);
        bool ok = doc != NULL;
        size_t n_ds = 0, n_rra = 0;

        CHECKF(strncmp(xml, prolog, sizeof(prolog) - 1) == 0, "%s: prolog", what);
        CHECKF(xml[len - 1] == '>', "%s: no trailing newline", what);
        CHECKF(ok, "%s: well-formed XML", what);
        if (!ok)
                return;
        xmlNodePtr root = xmlDocGetRootElement(doc);
        xmlNodePtr c = root->children;
        ok = strcmp((const char *) root->name, "rrd") == 0;
        for (int k = 0; k < 3 && c; k++, c = c->next)
                ok = ok && strcmp((const char *) c->name,
                                  (const char *[]){"version", "step", "lastupdate"}[k]) == 0;
        for (; ok && c && strcmp((const char *) c->name, "ds") == 0; c = c->next, n_ds++)
                ok = names_are(c, ds_names, ELEMENTSOF(ds_names));
        for (; ok && c && strcmp((const char *) c->name, "rra") == 0; c = c->next, n_rra++) {
                ok = names_are(c, rra_names, ELEMENTSOF(rra_names));
                if (!ok)
                        break;
                xmlNodePtr db = c->children->next->next->next->next;
                size_t rows = 0;
                for (xmlNodePtr row = db->children; ok && row; row = row->next, rows++)
                        ok = is_row(row, rrd_n_ds(rrd));
                ok = ok && rows == rrd_rra_def(rrd, n_rra)->rows &&
                     xmlChildElementCount(c->children->next->next->next) == rrd_n_ds(rrd);
        }
        CHECKF(ok && !c && n_ds == rrd_n_ds(rrd) && n_rra == rrd_n_rra(rrd), "%s: structure", what);
        xmlFreeDoc(doc);
}

static void check_json(const char *json, size_t len, const char *what) {
        char path[] = "/tmp/rrdd-json-XXXXXX", cmd[512];
        const char *src = getenv("RRDD_SOURCE_ROOT");
        int fd = mkstemp(path);

        CHECK(fd >= 0);
        if (fd < 0)
                return;
        CHECK(write(fd, json, len) == (ssize_t) len);
        (void) close(fd);
        (void) snprintf(cmd, sizeof(cmd), "/usr/bin/python3 %s/tests/persist/check-json.py %s",
                        src ? src : ".", path);
        CHECKF(system(cmd) == 0, "%s: JSON checks", what);
        (void) unlink(path);
}

/* Every way of slicing the reads gives the same bytes. */
static void test_slicing(const Rrd *rrd, PersistFormat fmt, GenRng *g, const char *what) {
        static const size_t sizes[] = {1, 2, 3, 7, 64, 1000, 2047, 2048, 2049, 4096, 65536};
        _cleanup_free_ char *ref = NULL;
        size_t ref_len;
        bool ok = true;

        CHECK(gen_write_all(rrd, fmt, 1 << 22, NULL, &ref, &ref_len) == 0);
        for (size_t i = 0; i <= ELEMENTSOF(sizes) && ref; i++) {
                _cleanup_free_ char *s = NULL;
                size_t len;
                int r = gen_write_all(rrd, fmt, i < ELEMENTSOF(sizes) ? sizes[i] : 0, g, &s, &len);
                ok = ok && r == 0 && len == ref_len && memcmp(s, ref, len) == 0;
        }
        CHECKF(ok, "%s: identical output for every read size", what);
        if (ref && fmt == PERSIST_FORMAT_XML)
                test_structure(rrd, ref, ref_len, what);
        if (ref && fmt == PERSIST_FORMAT_JSON)
                check_json(ref, ref_len, what);
}

static void test_layouts(void) {
        GenRng g = {7};

        for (int kind = 0; kind < _RRD_LAYOUT_KIND_MAX; kind++) {
                _cleanup_(rrd_destroyp) Rrd *rrd = NULL;
                _cleanup_free_ char *xml = NULL;
                size_t len;
                RrdLayoutOptions o = {.min_max = kind == RRD_LAYOUT_VM, .last = true};

                CHECK(gen_layout_rrd(&g, (RrdLayoutKind) kind, &o, 3, 400, &rrd) == 0);
                if (!rrd)
                        continue;
                CHECK(gen_write_all(rrd, PERSIST_FORMAT_XML, 65536, NULL, &xml, &len) == 0);
                /* The first archive is the 5 s AVERAGE one, as clients assume. */
                CHECK(xml && strstr(xml, "<rra><cf>AVERAGE</cf><pdp_per_row>1</pdp_per_row>"
                                         "<params><xff>0.5</xff></params><cdp_prep>") ==
                                     strstr(xml, "<rra>"));
                test_slicing(rrd, PERSIST_FORMAT_XML, &g, "layout xml");
                test_slicing(rrd, PERSIST_FORMAT_JSON, &g, "layout json");
        }
}

static void test_random(void) {
        GenOptions o = {.max_ds = 6, .max_rra = 5, .n_updates = 200};
        GenRng g = {11};

        for (int i = 0; i < 10; i++) {
                _cleanup_(rrd_destroyp) Rrd *rrd = NULL;
                CHECK(gen_random_rrd(&g, &o, &rrd) == 0);
                if (!rrd)
                        continue;
                test_slicing(rrd, PERSIST_FORMAT_XML, &g, "random xml");
                if (i < 3)
                        test_slicing(rrd, PERSIST_FORMAT_JSON, &g, "random json");
        }
}

static void test_api(void) {
        _cleanup_(rrd_destroyp) Rrd *rrd = hand_built();
        _cleanup_(persist_writer_freep) PersistWriter *w = NULL;
        char buf[8192];
        ssize_t n, total = 0;

        CHECK(persist_writer_new(&w, rrd, (PersistFormat) 7, 0) == -EINVAL);
        CHECK(persist_writer_new(&w, rrd, PERSIST_FORMAT_XML, 1U << 5) == -EINVAL);
        CHECK(persist_writer_new(&w, rrd, PERSIST_FORMAT_JSON, PERSIST_WRITER_SHORTEST) == 0);
        w = persist_writer_free(w);
        CHECK(persist_writer_new(&w, NULL, PERSIST_FORMAT_XML, 0) == -EINVAL);
        CHECK(persist_writer_new(&w, rrd, PERSIST_FORMAT_XML, 0) == 0);
        CHECK(persist_writer_read(w, buf, 0) == -EINVAL);
        while ((n = persist_writer_read(w, buf, sizeof(buf))) > 0)
                total += n;
        CHECK(n == 0 && total == (ssize_t) strlen(expected_xml));
        /* Once complete it stays complete. */
        CHECK(persist_writer_read(w, buf, sizeof(buf)) == 0);
        CHECK(strcmp(persist_format_content_type(PERSIST_FORMAT_JSON), "application/json") == 0);
}

static bool rrdtool_name_ok(const char *s) {
        size_t n = strlen(s);
        if (n == 0 || n > 19)
                return false;
        return strspn(s, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-") == n;
}

/* Names for rrdtool restore: valid, unique, stable, the short ones untouched. */
static void test_rrdtool_names(void) {
        static const char *const names[] = {
                "memory_internal_free",
                "vbd_xvda_read_latency",
                "vbd_xvda_read_latencx",
                "cpu0",
                "statefile/ab12/latency",
                "a/b",
                "a_b",
                "Tapdisks_in_low_memory_mode",
                "memory_interna_6fd3",
        };
        RrdDsDef ds[ELEMENTSOF(names)];
        RrdRraDef rra = {.cf = RRD_CF_AVERAGE, .xff = 0.5, .pdp_per_row = 1, .rows = 2};
        _cleanup_(rrd_destroyp) Rrd *rrd = NULL;
        char got[ELEMENTSOF(names)][20], again[20];

        for (size_t i = 0; i < ELEMENTSOF(names); i++)
                CHECK(rrd_layout_ds(&ds[i], names[i], RRD_DS_GAUGE, 0, 1) == 0);
        CHECK(rrd_new(&rrd, 5, 1000000000, ds, ELEMENTSOF(names), &rra, 1) == 0);
        if (!rrd)
                return;
        for (size_t i = 0; i < ELEMENTSOF(names); i++) {
                persist_rrdtool_name(rrd, i, got[i]);
                CHECKF(rrdtool_name_ok(got[i]), "'%s' became '%s'", names[i], got[i]);
                persist_rrdtool_name(rrd, i, again);
                CHECK(strcmp(got[i], again) == 0);
                for (size_t j = 0; j < i; j++)
                        CHECKF(strcmp(got[i], got[j]) != 0, "'%s' and '%s' both became '%s'",
                               names[i], names[j], got[i]);
        }
        CHECK(strcmp(got[3], "cpu0") == 0 && strcmp(got[6], "a_b") == 0);
        CHECK(strncmp(got[0], "memory_interna_", 15) == 0);
        CHECK(strncmp(got[4], "statefile_ab12", 14) == 0);
        /* "a/b" must not take "a_b", which is someone else's name. */
        CHECK(strcmp(got[5], "a_b") != 0);

        /* The writer uses them with the flag, and only then. */
        char buf[65536];
        ssize_t n;
        _cleanup_(persist_writer_freep) PersistWriter *w = NULL;
        CHECK(persist_writer_new(&w, rrd, PERSIST_FORMAT_XML, PERSIST_WRITER_RRDTOOL_NAMES) == 0);
        n = w ? persist_writer_read(w, buf, sizeof(buf) - 1) : -1;
        CHECK(n > 0);
        buf[n > 0 ? n : 0] = '\0';
        CHECK(strstr(buf, "<name>memory_interna_") && !strstr(buf, "memory_internal_free"));
        w = persist_writer_free(w);
        CHECK(persist_writer_new(&w, rrd, PERSIST_FORMAT_XML, 0) == 0);
        n = w ? persist_writer_read(w, buf, sizeof(buf) - 1) : -1;
        buf[n > 0 ? n : 0] = '\0';
        CHECK(strstr(buf, "<name>memory_internal_free</name>") != NULL);
}

int main(void) {
        test_rrdtool_names();
        test_exact_documents();
        test_last_ds_spelling();
        test_version();
        test_api();
        test_layouts();
        test_random();
        return TAP_DONE();
}
