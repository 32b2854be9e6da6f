/* SPDX-License-Identifier: MIT */
/* rrd2csv's parsing: selectors, legend matching, xport documents compact or indented. */

#include <math.h>
#include <string.h>

#include "rrdd/macro.h"
#include "tests/tap.h"
#include "tools/rrd2csv-parse.h"

static const char doc[] =
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
        "<xport><meta><start>1700000000</start><step>5</step><end>1700000005</end><rows>2</rows>"
        "<columns>3</columns><legend>"
        "<entry>AVERAGE:host:2d8c0000-0000-4000-8000-000000000001:cpu0</entry>"
        "<entry>AVERAGE:vm:11111111-2222-3333-4444-555555555555:memory_target</entry>"
        "<entry>MIN:vm:11111111-2222-3333-4444-555555555555:statefile/x:y</entry>"
        "</legend></meta><data>"
        "<row><t>1700000005</t><v>0.5</v><v>1073741824</v><v>NaN</v></row>"
        "<row><t>1700000000</t><v>0.25</v><v>Infinity</v><v>-3.5e-05</v></row>"
        "</data></xport>";

static void test_parse(void) {
        Xport x = {};

        CHECK(rrd2csv_parse_xport(doc, strlen(doc), &x) == 0);
        CHECK(x.start == 1700000000 && x.end == 1700000005 && x.step == 5);
        CHECK(x.n_cols == 3 && x.n_rows == 2);
        CHECK(x.t && x.t[0] == 1700000005 && x.t[1] == 1700000000);
        CHECK(x.v && x.v[0] == 0.5 && x.v[1] == 1073741824.0 && isnan(x.v[2]));
        CHECK(x.v && isinf(x.v[4]) && x.v[5] == -3.5e-05);
        CHECK(x.legend && strcmp(x.legend[2],
                                 "MIN:vm:11111111-2222-3333-4444-555555555555:statefile/x:y") == 0);
        xport_done(&x);

        /* Indented documents (whitespace between elements) read the same. */
        static const char pretty[] =
                "<xport>\n  <meta>\n    <start>10</start>\n    <step>5</step>\n    <end>15</end>\n"
                "    <legend>\n      <entry>AVERAGE:host:u:cpu0</entry>\n    </legend>\n  </meta>\n"
                "  <data>\n    <row><t>15</t><v>1</v></row>\n  </data>\n</xport>\n";
        CHECK(rrd2csv_parse_xport(pretty, strlen(pretty), &x) == 0);
        CHECK(x.n_cols == 1 && x.n_rows == 1 && x.t[0] == 15 && x.v[0] == 1.0);
        xport_done(&x);

        static const char *const bad[] = {
                "",
                "<xport><meta><step>x</step></meta></xport>",
                "<xport><meta><step>5</step><legend><entry>a</entry></legend></meta>"
                "<data><row><t>1</t><v>1</v><v>2</v></row></data></xport>",
                "<xport><meta><step>5</step></meta><data><row><t>1</t><v>1</v>",
                "<xport><meta><step>5</step><legend><entry>a</entry></legend></meta>"
                "<data><row><t>1</t><v>one</v></row></data></xport>",
        };
        for (size_t i = 0; i < ELEMENTSOF(bad); i++) {
                CHECKF(rrd2csv_parse_xport(bad[i], strlen(bad[i]), &x) < 0, "bad document %zu", i);
                xport_done(&x);
        }
}

static void test_selectors(void) {
        Selector s[3] = {};
        const char *host_cpu = "AVERAGE:host:2d8c0000-0000-4000-8000-000000000001:cpu0";
        const char *vm_mem = "AVERAGE:vm:11111111-2222-3333-4444-555555555555:memory_target";
        const char *vm_min = "MIN:vm:11111111-2222-3333-4444-555555555555:memory";

        /* No selectors: every AVERAGE column. */
        CHECK(rrd2csv_matches(s, 0, host_cpu) && rrd2csv_matches(s, 0, vm_mem));
        CHECK(!rrd2csv_matches(s, 0, vm_min));
        CHECK(rrd2csv_parse_selector(":vm::", &s[0]) == 0);
        CHECK(rrd2csv_matches(s, 1, vm_mem) && rrd2csv_matches(s, 1, vm_min) &&
              !rrd2csv_matches(s, 1, host_cpu));
        CHECK(rrd2csv_parse_selector("MIN:::memory", &s[0]) == 0);
        CHECK(rrd2csv_matches(s, 1, vm_min) && !rrd2csv_matches(s, 1, vm_mem));
        CHECK(rrd2csv_parse_selector(":::memory", &s[0]) == 0); /* the metric is a prefix */
        CHECK(rrd2csv_matches(s, 1, vm_mem) && rrd2csv_matches(s, 1, vm_min));
        CHECK(rrd2csv_parse_selector("AVERAGE:host::", &s[0]) == 0 &&
              rrd2csv_parse_selector("::11111111-2222-3333-4444-555555555555:", &s[1]) == 0);
        CHECK(rrd2csv_matches(s, 2, host_cpu) && rrd2csv_matches(s, 2, vm_min));
        CHECK(rrd2csv_parse_selector("AVERAGE:host", &s[0]) < 0);
        CHECK(rrd2csv_parse_selector("toolongcfnameeeeeeeeee:::", &s[0]) < 0);
        CHECK(!rrd2csv_matches(s, 2, "garbage"));
}

int main(void) {
        test_parse();
        test_selectors();
        return TAP_DONE();
}
