/* SPDX-License-Identifier: MIT */
/*
 * The reader: the forms it must accept (rrdtool dump output as rrdtool wrote it, xcp-rrdd's
 * public and internal forms, flip_flop.xml, gzip) with the values they hold, and the documents
 * it must refuse, each with the line, element and reason, never with a partial RRD.
 */

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <zlib.h>

#include "consolidate/num.h"
#include "persist/numtext.h"
#include "persist/reader.h"
#include "rrd-gen.h"
#include "rrdd/macro.h"
#include "tests/tap.h"

static char errbuf[400];

static const char *describe(const PersistError *e) {
        return persist_error_to_string(e, errbuf, sizeof(errbuf));
}

static int load_corpus(const char *name, Rrd **ret, PersistError *err) {
        const char *src = getenv("RRDD_SOURCE_ROOT");
        char path[1024];

        (void) snprintf(path, sizeof(path), "%s/tests/persist/corpus/fuzz-persist-load/%s",
                        src ? src : ".", name);
        return persist_load_file(path, NULL, ret, err);
}

static RrdDsState ds_state(const Rrd *rrd, size_t i) {
        RrdDsState s = {};
        rrd_get_ds_state(rrd, i, &s);
        return s;
}

static RrdCdpState cdp_state(const Rrd *rrd, size_t a, size_t i) {
        RrdCdpState s = {};
        rrd_get_cdp_state(rrd, a, i, &s);
        return s;
}

static bool is_double(RrdValue v, double d) {
        return v.kind == RRD_VALUE_DOUBLE && gen_same_double(v.d, d);
}

static bool is_int(RrdValue v, bool negative, uint64_t mag) {
        return v.kind == RRD_VALUE_INT && v.negative == negative && v.magnitude == mag;
}

/* Worked example A of rrd-semantics.md §2.8, dumped by rrdtool 1.7.2 in three header modes. */
static void test_rrdtool_example_a(void) {
        static const char *const files[] = {"rrdtool-example-a.xml",
                                            "rrdtool-example-a-noheader.xml",
                                            "rrdtool-example-a-xsd.xml"};
        _cleanup_(rrd_destroyp) Rrd *a = NULL;
        PersistError err;
        char why[300];

        CHECKF(load_corpus(files[0], &a, &err) == 0, "%s", describe(&err));
        if (!a)
                return;
        const RrdDsDef *d = rrd_ds_def(a, 0);
        const RrdRraDef *r = rrd_rra_def(a, 0);
        /* rrdtool restore reads "2.1000000000e+00" with rrd_strtod; so do we. */
        const double v21 = num_rrd_strtod("2.1000000000e+00", NULL);
        CHECK(rrd_step(a) == 5 && rrd_last_up(a) == 1000000012 && rrd_last_up_usec(a) == 0);
        CHECK(rrd_n_ds(a) == 1 && rrd_n_rra(a) == 1);
        CHECK(strcmp(d->name, "g") == 0 && d->type == RRD_DS_GAUGE && d->heartbeat_s == 10);
        CHECK(d->min == 0.0 && isnan(d->max));
        CHECK(is_double(ds_state(a, 0).last_ds, 2.5));
        CHECK(ds_state(a, 0).value == 5.0 && ds_state(a, 0).unknown_sec == 0);
        CHECK(r->cf == RRD_CF_AVERAGE && r->pdp_per_row == 2 && r->rows == 2 && r->xff == 0.5);
        CHECK(gen_same_double(cdp_state(a, 0, 0).primary_value, v21));
        CHECK(cdp_state(a, 0, 0).secondary_value == 2.5 && cdp_state(a, 0, 0).value == 0.0);
        CHECK(cdp_state(a, 0, 0).unknown_pdps == 0);
        CHECK(isnan(rrd_rra_row(a, 0, 0)[0]) && gen_same_double(rrd_rra_row(a, 0, 1)[0], v21));

        for (size_t i = 1; i < ELEMENTSOF(files); i++) {
                _cleanup_(rrd_destroyp) Rrd *b = NULL;
                CHECKF(load_corpus(files[i], &b, &err) == 0, "%s: %s", files[i], describe(&err));
                CHECKF(b && gen_rrd_equal(a, b, why, sizeof(why)), "%s: %s", files[i], why);
        }
}

/* All six types, version 0005, last_ds texts of every kind (rrdtool 1.7.2 dump). */
static void test_rrdtool_all_types(void) {
        static const RrdDsType types[] = {RRD_DS_GAUGE,    RRD_DS_COUNTER,  RRD_DS_DERIVE,
                                          RRD_DS_ABSOLUTE, RRD_DS_DCOUNTER, RRD_DS_DDERIVE};
        _cleanup_(rrd_destroyp) Rrd *a = NULL;
        PersistError err;
        bool ok = true;

        CHECKF(load_corpus("rrdtool-all-types.xml", &a, &err) == 0, "%s", describe(&err));
        if (!a)
                return;
        CHECK(rrd_n_ds(a) == 6 && rrd_n_rra(a) == 4 && rrd_last_up(a) == 1000000017);
        for (size_t i = 0; i < 6 && i < rrd_n_ds(a); i++)
                ok = ok && rrd_ds_def(a, i)->type == types[i];
        CHECK(ok);
        CHECK(is_double(ds_state(a, 0).last_ds, 33.3));
        CHECK(is_int(ds_state(a, 1).last_ds, false, 4000));
        CHECK(is_int(ds_state(a, 2).last_ds, true, 7));
        CHECK(ds_state(a, 3).last_ds.kind == RRD_VALUE_UNKNOWN);
        CHECK(is_double(ds_state(a, 4).last_ds, 1000.0));
        CHECK(is_double(ds_state(a, 5).last_ds, -2e-3));
        CHECK(rrd_rra_def(a, 1)->cf == RRD_CF_MAX && rrd_rra_def(a, 2)->xff == 0.25);
        CHECK(rrd_rra_def(a, 3)->cf == RRD_CF_LAST && rrd_rra_def(a, 3)->rows == 2);
}

static void test_xcp(void) {
        _cleanup_(rrd_destroyp) Rrd *pub = NULL, *in = NULL;
        PersistError err;

        CHECKF(load_corpus("xcp-public.xml", &pub, &err) == 0, "%s", describe(&err));
        CHECKF(load_corpus("xcp-internal.xml", &in, &err) == 0, "%s", describe(&err));
        if (!pub || !in)
                return;
        for (int k = 0; k < 2; k++) {
                const Rrd *x = k ? in : pub;
                CHECK(rrd_last_up(x) == 1213616574 && rrd_n_ds(x) == 2 && rrd_n_rra(x) == 2);
                /* Heartbeat Infinity: the largest heartbeat we can store. */
                CHECK(rrd_ds_def(x, 1)->heartbeat_s == UINT64_MAX);
                CHECK(rrd_ds_def(x, 0)->heartbeat_s == 300);
                CHECK(isinf(rrd_ds_def(x, 0)->max) && rrd_ds_def(x, 0)->max > 0);
                CHECK(is_int(ds_state(x, 0).last_ds, false, 2070172));
                CHECK(ds_state(x, 1).value == 0.0282000005245209);
                CHECK(rrd_rra_row(x, 0, 0)[0] == 209715200.0);
                CHECK(rrd_rra_row(x, 0, 1)[1] == 1e-05 && isnan(rrd_rra_row(x, 0, 1)[0]));
                CHECK(rrd_rra_row(x, 0, 2)[1] == -HUGE_VAL);
                CHECK(rrd_rra_def(x, 1)->cf == RRD_CF_MAX && rrd_rra_def(x, 1)->xff == 1.0);
                CHECK(rrd_rra_row(x, 1, 0)[0] == 1.5e16 && cdp_state(x, 1, 1).unknown_pdps == 1);
        }
        /* Public form: last_ds as written. Internal form: a counter's last_ds is unknown. */
        CHECK(is_double(ds_state(pub, 1).last_ds, 0.0));
        CHECK(ds_state(in, 1).last_ds.kind == RRD_VALUE_UNKNOWN);
}

static void test_flip_flop(void) {
        _cleanup_(rrd_destroyp) Rrd *a = NULL;
        PersistError err;

        CHECKF(load_corpus("xcp-flip-flop.xml", &a, &err) == 0, "%s", describe(&err));
        if (!a)
                return;
        const RrdDsDef *d = rrd_ds_def(a, 0);
        CHECK(rrd_last_up(a) == 100 && rrd_step(a) == 5 && rrd_n_ds(a) == 1 && rrd_n_rra(a) == 3);
        CHECK(strcmp(d->name, "flip_flop") == 0 && d->type == RRD_DS_DERIVE);
        CHECK(d->heartbeat_s == UINT64_MAX && d->min == 0.0 && d->max == HUGE_VAL);
        CHECK(rrd_rra_def(a, 0)->cf == RRD_CF_AVERAGE && rrd_rra_def(a, 1)->cf == RRD_CF_MIN &&
              rrd_rra_def(a, 2)->cf == RRD_CF_MAX);
        for (size_t r = 0; r < 3; r++)
                CHECK(rrd_rra_def(a, r)->rows == 100 && rrd_rra_def(a, r)->xff == 0.5);
        CHECK(rrd_rra_value_back(a, 0, 0, 0) == 19.0 && rrd_rra_value_back(a, 0, 1, 0) == -19.0);
        CHECK(rrd_rra_value_back(a, 1, 0, 0) == -19.0 && rrd_rra_value_back(a, 2, 1, 0) == 17.0);
        CHECK(isnan(rrd_rra_row(a, 0, 0)[0]) && rrd_rra_value_back(a, 0, 19, 0) == 0.0);
        CHECK(cdp_state(a, 1, 0).value == 19.0);
}

/* A valid document over several lines; the cases below edit it. */
static const char base[] = "<?xml version=\"1.0\"?>\n"
                           "<rrd>\n"
                           "<version>0003</version>\n"
                           "<step>5</step>\n"
                           "<lastupdate>1000000000</lastupdate>\n"
                           "<ds><name>a</name><type>GAUGE</type><minimal_heartbeat>10"
                           "</minimal_heartbeat><min>NaN</min><max>NaN</max><last_ds>U</last_ds>"
                           "<value>NaN</value><unknown_sec>0</unknown_sec></ds>\n"
                           "<ds><name>b</name><type>DERIVE</type><minimal_heartbeat>10"
                           "</minimal_heartbeat><min>0</min><max>NaN</max><last_ds>7</last_ds>"
                           "<value>0.0</value><unknown_sec>0</unknown_sec></ds>\n"
                           "<rra><cf>AVERAGE</cf><pdp_per_row>1</pdp_per_row>"
                           "<params><xff>0.5</xff></params>\n"
                           "<cdp_prep><ds><primary_value>0</primary_value><secondary_value>0"
                           "</secondary_value><value>NaN</value><unknown_datapoints>0"
                           "</unknown_datapoints></ds><ds><primary_value>0</primary_value>"
                           "<secondary_value>0</secondary_value><value>NaN</value>"
                           "<unknown_datapoints>0</unknown_datapoints></ds></cdp_prep>\n"
                           "<database>\n"
                           "<row><v>1</v><v>2</v></row>\n"
                           "<row><v>3</v><v>4</v></row>\n"
                           "</database></rra>\n"
                           "</rrd>\n";

/* base with the first occurrence of `from` replaced by `to`. */
static char *edit(const char *from, const char *to) {
        const char *at = strstr(base, from);
        size_t n = strlen(base) + strlen(to) + 1;
        char *s = malloc(n);

        if (!s || !at) {
                free(s);
                return NULL;
        }
        (void) snprintf(s, n, "%.*s%s%s", (int) (at - base), base, to, at + strlen(from));
        return s;
}

static void expect_load(const char *doc, size_t len, const PersistLimits *limits, int rc,
                        unsigned long line, const char *element, const char *msg,
                        const char *what) {
        Rrd *rrd = NULL;
        PersistError err;
        int r = persist_load_memory(doc, len, limits, &rrd, &err);

        if (rc == 0) {
                CHECKF(r == 0 && rrd, "%s: %s", what, describe(&err));
                rrd_destroy(rrd);
                return;
        }
        CHECKF(r == rc && !rrd, "%s: returned %d (%s)", what, r, describe(&err));
        if (line)
                CHECKF(err.line == line, "%s: line %lu, want %lu", what, err.line, line);
        if (element)
                CHECKF(strcmp(err.element, element) == 0, "%s: element '%s', want '%s'", what,
                       err.element, element);
        if (msg)
                CHECKF(strstr(err.message, msg), "%s: message '%s' lacks '%s'", what, err.message,
                       msg);
        rrd_destroy(rrd);
}

static void expect_edit(const char *from, const char *to, int rc, unsigned long line,
                        const char *element, const char *msg) {
        _cleanup_free_ char *doc = edit(from, to);
        char what[160];

        (void) snprintf(what, sizeof(what), "'%.50s' -> '%.50s'", from, to);
        CHECKF(doc, "%s: edit applies", what);
        if (doc)
                expect_load(doc, strlen(doc), NULL, rc, line, element, msg, what);
}

static void test_lenient(void) {
        /* Blanks, comments, PIs, CDATA, attributes and padding are all fine. */
        expect_edit("<rrd>\n",
                    "<!DOCTYPE rrd SYSTEM \"https://oss.oetiker.ch/rrdtool/rrdtool.dtd\">"
                    "<!-- Round Robin Database Dump --><rrd x=\"1\">\n",
                    0, 0, NULL, NULL);
        expect_edit("<step>5</step>", "<step> 5 </step> <!-- Seconds --><?pi x?>", 0, 0, NULL,
                    NULL);
        expect_edit("<name>a</name>", "<name>\ta \n</name>", 0, 0, NULL, NULL);
        expect_edit("<v>3</v>", "<v><![CDATA[3]]></v>", 0, 0, NULL, NULL);
        expect_edit("<v>3</v>", "<v>3.0000000000e+00</v>", 0, 0, NULL, NULL);
        expect_edit("<v>3</v>", "<v>-inf</v>", 0, 0, NULL, NULL);
        expect_edit("<v>3</v>", "<v>nan</v>", 0, 0, NULL, NULL);
        expect_edit("<last_ds>U</last_ds>", "<last_ds></last_ds>", 0, 0, NULL, NULL);
        expect_edit("<minimal_heartbeat>10</minimal_heartbeat>",
                    "<minimal_heartbeat>300.0</minimal_heartbeat>", 0, 0, NULL, NULL);
        expect_edit("<version>0003</version>", "<version>0005</version>", 0, 0, NULL, NULL);
        expect_edit("<lastupdate>1000000000</lastupdate>", "<lastupdate>1000000000.25</lastupdate>",
                    0, 0, NULL, NULL);

        _cleanup_free_ char *usec = edit("<lastupdate>1000000000</lastupdate>",
                                         "<lastupdate usec=\"250000\">1000000000</lastupdate>");
        _cleanup_free_ char *frac = edit("<lastupdate>1000000000</lastupdate>",
                                         "<lastupdate>1000000000.2113</lastupdate>");
        _cleanup_(rrd_destroyp) Rrd *a = NULL, *b = NULL;
        CHECK(usec && persist_load_memory(usec, strlen(usec), NULL, &a, NULL) == 0);
        CHECK(a && rrd_last_up(a) == 1000000000 && rrd_last_up_usec(a) == 250000);
        CHECK(frac && persist_load_memory(frac, strlen(frac), NULL, &b, NULL) == 0);
        CHECK(b && rrd_last_up_usec(b) == 211300);
}

static void test_rejections(void) {
        expect_load("", 0, NULL, -EBADMSG, 0, NULL, "empty document", "empty");
        expect_load("hello", 5, NULL, -EBADMSG, 1, NULL, "malformed XML", "not XML");
        expect_load("<foo/>", 6, NULL, -EBADMSG, 1, "foo", "root element must be <rrd>", "root");
        expect_load("<rrd/>", 6, NULL, -EBADMSG, 1, "rrd", "is empty", "empty root");
        expect_edit("<step>5</step>\n", "", -EBADMSG, 0, "rrd", "<rrd> has no <step>");
        expect_edit("<version>0003</version>\n", "", -EBADMSG, 0, "rrd", "no <version>");
        expect_edit("<step>5</step>", "<step>5</step><foo/>", -EBADMSG, 4, "foo",
                    "unknown element <foo> in <rrd>");
        expect_edit("<step>5</step>", "<step>5</step><step>5</step>", -EBADMSG, 4, "step",
                    "appears twice");
        expect_edit("<step>5</step>", "<step><b>5</b></step>", -EBADMSG, 4, "step",
                    "unexpected element <b> inside <step>");
        expect_edit("<step>5</step>", "<step>0</step>", -EBADMSG, 4, "step", "step must be");
        expect_edit("<step>5</step>", "<step>0x5</step>", -EBADMSG, 4, "step",
                    "not an unsigned integer");
        expect_edit("<version>0003</version>", "<version>0006</version>", -EBADMSG, 3, "version",
                    "unsupported version");
        expect_edit("<lastupdate>1000000000</lastupdate>", "<lastupdate>0</lastupdate>", -EBADMSG,
                    5, "lastupdate", "positive time");
        expect_edit("<lastupdate>1000000000</lastupdate>", "<lastupdate>12ab</lastupdate>",
                    -EBADMSG, 5, "lastupdate", NULL);
        expect_edit("<lastupdate>", "<lastupdate usec=\"1000000\">", -EBADMSG, 5, "lastupdate",
                    "microseconds");
        expect_edit("<type>GAUGE</type>", "<type>gauge</type>", -EBADMSG, 6, "type",
                    "unsupported data source type 'gauge'");
        expect_edit("<type>GAUGE</type>", "<type>COMPUTE</type>", -EBADMSG, 6, "type",
                    "unsupported data source type");
        expect_edit("<name>a</name>", "<name>a b</name>", -EBADMSG, 6, "name",
                    "not a valid data source name");
        expect_edit("<name>b</name>", "<name>a</name>", -EBADMSG, 7, "ds", "appears twice");
        expect_edit("<minimal_heartbeat>10</minimal_heartbeat>",
                    "<minimal_heartbeat>0</minimal_heartbeat>", -EBADMSG, 6, "ds", "at least 1");
        expect_edit("<minimal_heartbeat>10</minimal_heartbeat>",
                    "<minimal_heartbeat>1.5</minimal_heartbeat>", -EBADMSG, 6, "minimal_heartbeat",
                    "whole number");
        expect_edit("<minimal_heartbeat>10</minimal_heartbeat>",
                    "<minimal_heartbeat>-Infinity</minimal_heartbeat>", -EBADMSG, 6,
                    "minimal_heartbeat", NULL);
        expect_edit("<min>0</min><max>NaN</max>", "<min>5</min><max>5</max>", -EBADMSG, 7, "ds",
                    "min is not below max");
        expect_edit("<last_ds>7</last_ds>", "<last_ds>seven</last_ds>", -EBADMSG, 7, "last_ds",
                    "not a number");
        expect_edit("<unknown_sec>0</unknown_sec></ds>\n<ds><name>b",
                    "<unknown_sec>-1</unknown_sec></ds>\n<ds><name>b", -EBADMSG, 6, "unknown_sec",
                    "not an unsigned integer");
        expect_edit("<value>NaN</value><unknown_sec>0</unknown_sec></ds>\n<ds><name>b",
                    "<unknown_sec>0</unknown_sec></ds>\n<ds><name>b", -EBADMSG, 6, "ds",
                    "has no <value>");
        expect_edit("<last_ds>U</last_ds>", "<last_ds>U</last_ds><rows/>", -EBADMSG, 6, "rows",
                    "unknown element");
        expect_edit("<last_ds>U</last_ds>", "<last_ds>U</last_ds><xff>1</xff>", -EBADMSG, 6, "xff",
                    "unexpected <xff> in <ds>");
        expect_edit("</rra>\n", "</rra>\n<ds/>", -EBADMSG, 14, "ds", "after the first <rra>");
        expect_edit("<cf>AVERAGE</cf>", "<cf>HWPREDICT</cf>", -EBADMSG, 8, "cf",
                    "unsupported consolidation function");
        expect_edit("<cf>AVERAGE</cf>", "<cf>average</cf>", -EBADMSG, 8, "cf", NULL);
        expect_edit("<pdp_per_row>1</pdp_per_row>", "<pdp_per_row>0</pdp_per_row>", -EBADMSG, 8,
                    "pdp_per_row", NULL);
        expect_edit("<xff>0.5</xff>", "<xff>1.5</xff>", -EBADMSG, 0, "rra", "xff must be in");
        expect_edit("<params><xff>0.5</xff></params>", "<params></params>", -EBADMSG, 8, "params",
                    NULL);
        expect_edit("<params><xff>0.5</xff></params>", "", -EBADMSG, 0, "rra", "has no <params>");
        expect_edit(
                "<value>NaN</value><unknown_datapoints>0</unknown_datapoints></ds></cdp_prep>",
                "<value>NaN</value><unknown_datapoints>0</unknown_datapoints></ds><ds/></cdp_prep>",
                -EBADMSG, 9, "cdp_prep", "more than 2");
        expect_edit("<ds><primary_value>0</primary_value><secondary_value>0</secondary_value>"
                    "<value>NaN</value><unknown_datapoints>0</unknown_datapoints></ds></cdp_prep>",
                    "</cdp_prep>", -EBADMSG, 9, "cdp_prep", "1 <ds>, expected 2");
        expect_edit("<row><v>3</v><v>4</v></row>", "<row><v>3x</v><v>4</v></row>", -EBADMSG, 12,
                    "v", "row 1, value 0: '3x' is not a number");
        expect_edit("<row><v>3</v><v>4</v></row>", "<row><v>3</v><v></v></row>", -EBADMSG, 12, "v",
                    "is not a number");
        expect_edit("<row><v>3</v><v>4</v></row>", "<row><v>3</v><v/></row>", -EBADMSG, 12, "v",
                    NULL);
        expect_edit("<row><v>3</v><v>4</v></row>", "<row><v>3</v></row>", -EBADMSG, 12, "row",
                    "1 values, expected 2");
        expect_edit("<row><v>3</v><v>4</v></row>", "<row><v>3</v><v>4</v><v>5</v></row>", -EBADMSG,
                    12, "row", "more than 2 values");
        expect_edit("<row><v>3</v><v>4</v></row>", "<row><v>3</v><x>4</x></row>", -EBADMSG, 12, "x",
                    "unexpected <x> in <row>");
        expect_edit("<row><v>3</v><v>4</v></row>", "<row>3<v>3</v><v>4</v></row>", -EBADMSG, 12,
                    "row", "unexpected text");
        expect_edit("<database>\n<row><v>1</v><v>2</v></row>\n<row><v>3</v><v>4</v></row>\n",
                    "<database>\n", -EBADMSG, 0, "database", "has no rows");
        expect_edit("<step>5</step>", "<step>5</step>junk", -EBADMSG, 0, "rrd", "unexpected text");
        expect_edit("</rrd>\n", "</rrd>\n<rrd/>", -EBADMSG, 15, NULL, "malformed XML");
        expect_edit("</database></rra>\n</rrd>\n", "</database>", -EBADMSG, 0, NULL,
                    "malformed XML");
        expect_edit("<v>1</v>", "<v>&x;</v>", -EBADMSG, 11, NULL, "malformed XML");
        expect_edit("<rrd>\n", "<!DOCTYPE rrd [<!ENTITY x \"5\">]><rrd>\n", -EBADMSG, 0, NULL,
                    "internal subset");
        _cleanup_free_ char *long_text = malloc(400);
        if (long_text) {
                memset(long_text, '1', 399);
                long_text[399] = '\0';
                _cleanup_free_ char *tag = malloc(420);
                (void) snprintf(tag, 420, "<v>%s</v>", long_text);
                expect_edit("<v>1</v>", tag, -EBADMSG, 11, "v", "too long");
        }
}

static void test_billion_laughs(void) {
        static const char doc[] =
                "<?xml version=\"1.0\"?>\n<!DOCTYPE rrd [\n"
                "<!ENTITY a \"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\">\n"
                "<!ENTITY b \"&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;\">\n"
                "<!ENTITY c \"&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;\">\n"
                "<!ENTITY d \"&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;\">\n"
                "<!ENTITY e \"&d;&d;&d;&d;&d;&d;&d;&d;&d;&d;&d;&d;&d;&d;&d;&d;\">\n"
                "<!ENTITY f \"&e;&e;&e;&e;&e;&e;&e;&e;&e;&e;&e;&e;&e;&e;&e;&e;\">\n"
                "]>\n<rrd x=\"&f;\"><version>&f;</version></rrd>\n";
        struct timespec t0, t1;

        (void) clock_gettime(CLOCK_MONOTONIC, &t0);
        expect_load(doc, strlen(doc), NULL, -EBADMSG, 0, NULL, NULL, "billion laughs");
        (void) clock_gettime(CLOCK_MONOTONIC, &t1);
        CHECK((t1.tv_sec - t0.tv_sec) * 1000 + (t1.tv_nsec - t0.tv_nsec) / 1000000 < 1000);
}

static void test_limits(void) {
        size_t len = strlen(base);

        expect_load(base, len, &(PersistLimits){.max_bytes = 100}, -EFBIG, 0, NULL,
                    "larger than 100 bytes", "max_bytes");
        expect_load(base, len, &(PersistLimits){.max_bytes = len}, 0, 0, NULL, NULL,
                    "max_bytes exact");
        expect_load(base, len, &(PersistLimits){.max_ds = 1}, -EFBIG, 7, "ds",
                    "more than 1 data sources", "max_ds");
        expect_load(base, len, &(PersistLimits){.max_rows = 1}, -EFBIG, 12, "row",
                    "more than 1 rows", "max_rows");
        expect_load(base, len, &(PersistLimits){.max_values = 3}, -EFBIG, 12, "row",
                    "more than 3 values", "max_values");
        _cleanup_free_ char *two = edit("</rra>\n", "</rra>\n<rra/>");
        if (two)
                expect_load(two, strlen(two), &(PersistLimits){.max_rra = 1}, -EFBIG, 14, "rra",
                            "more than 1 archives", "max_rra");
}

static int gzip_buffer(const void *in, size_t len, uint8_t *out, size_t cap, size_t *ret_len) {
        z_stream z = {};

        if (deflateInit2(&z, 6, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY) != Z_OK)
                return -ENOMEM;
        z.next_in = (Bytef *) (uintptr_t) in;
        z.avail_in = (uInt) len;
        z.next_out = out;
        z.avail_out = (uInt) cap;
        int r = deflate(&z, Z_FINISH);
        *ret_len = cap - z.avail_out;
        (void) deflateEnd(&z);
        return r == Z_STREAM_END ? 0 : -EIO;
}

static void test_gzip(void) {
        uint8_t gz[8192];
        size_t n, half = strlen(base) / 2, n1, n2;

        CHECK(gzip_buffer(base, strlen(base), gz, sizeof(gz), &n) == 0);
        expect_load((const char *) gz, n, NULL, 0, 0, NULL, NULL, "gzip");
        expect_load((const char *) gz, n - 10, NULL, -EBADMSG, 0, NULL, "truncated", "gzip cut");
        gz[n / 2] ^= 0x55;
        gz[n / 2 + 1] ^= 0x55;
        expect_load((const char *) gz, n, NULL, -EBADMSG, 0, NULL, NULL, "gzip corrupt");
        /* Two members, as `cat a.gz b.gz` makes: one document. */
        CHECK(gzip_buffer(base, half, gz, sizeof(gz), &n1) == 0);
        CHECK(gzip_buffer(base + half, strlen(base) - half, gz + n1, sizeof(gz) - n1, &n2) == 0);
        expect_load((const char *) gz, n1 + n2, NULL, 0, 0, NULL, NULL, "gzip members");
        /* A gzip bomb stops at the byte limit. */
        _cleanup_free_ char *blanks = malloc(1 << 22);
        _cleanup_free_ uint8_t *bomb = malloc(1 << 16);
        if (blanks) {
                memset(blanks, ' ', 1 << 22);
                memcpy(blanks, "<rrd>", 5);
        }
        if (blanks && bomb && gzip_buffer(blanks, 1 << 22, bomb, 1 << 16, &n) == 0)
                expect_load((const char *) bomb, n, &(PersistLimits){.max_bytes = 1 << 20}, -EFBIG,
                            0, NULL, "larger than", "gzip bomb");
}

/*
 * The number rule (persist/numtext.c): a token of rrdtool's %0.10e shape is read with
 * rrd_strtod, anything else correctly rounded; and our writer keeps values for which the two
 * disagree out of that shape, so they still round-trip.
 */
static void test_number_rule(void) {
        char e10[64], g11[64], shortest[NUM_BUF_SIZE];
        bool found = false;
        double v = 0;

        for (int k = 1; k < 100000 && !found; k++) {
                v = (double) k / 7.0 * 1e-5;
                (void) snprintf(e10, sizeof(e10), "%.10e", v);
                found = num_rrd_strtod(e10, NULL) != strtod(e10, NULL);
        }
        CHECK(found);
        /* The same decimal spelled differently: "d.dddddddddde-XX" -> "ddddddddddde-(XX+10)". */
        (void) snprintf(g11, sizeof(g11), "%c%.10se%d", e10[0], e10 + 2, atoi(e10 + 13) - 10);
        double a, b;
        CHECK(persist_parse_double(e10, strlen(e10), &a) == 0 && a == num_rrd_strtod(e10, NULL));
        CHECK(persist_parse_double(g11, strlen(g11), &b) == 0 && b == strtod(g11, NULL));
        /* The correctly rounded value of that e10 text prints as that text in shortest form. */
        size_t n = persist_format_double(shortest, strtod(e10, NULL));
        CHECKF(!persist_is_rrd_e10_text(shortest, n) ||
                       num_rrd_strtod(shortest, NULL) == strtod(e10, NULL),
               "writer kept %s", shortest);
        double back;
        CHECK(persist_parse_double(shortest, n, &back) == 0 && back == strtod(e10, NULL));
}

int main(void) {
        test_rrdtool_example_a();
        test_rrdtool_all_types();
        test_xcp();
        test_flip_flop();
        test_lenient();
        test_rejections();
        test_billion_laughs();
        test_limits();
        test_gzip();
        test_number_rule();
        return TAP_DONE();
}
