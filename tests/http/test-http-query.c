/* SPDX-License-Identifier: MIT */
/* Query strings: splitting, decoding, typed readers and the /rrd_updates parameters. */

#include <string.h>

#include "http/query.h"
#include "http/xport.h"
#include "tests/tap.h"

static bool param_is(const HttpQueryParam *p, const char *key, const char *value, bool has_value) {
        return p && p->key_len == strlen(key) && memcmp(p->key, key, p->key_len) == 0 &&
               p->value_len == strlen(value) && memcmp(p->value, value, p->value_len) == 0 &&
               p->has_value == has_value;
}

static void test_split(void) {
        HttpQuery q;
        const char *raw = "start=-10&&vm_uuid=a&json&vm_uuid=b&empty=&x=1#frag=2";

        CHECK(http_query_parse(&q, raw, strlen(raw)) == 0);
        CHECK(q.n_params == 6);
        CHECK(param_is(&q.params[0], "start", "-10", true));
        CHECK(param_is(&q.params[1], "vm_uuid", "a", true));
        CHECK(param_is(&q.params[2], "json", "", false));
        CHECK(param_is(&q.params[3], "vm_uuid", "b", true));
        CHECK(param_is(&q.params[4], "empty", "", true));
        CHECK(param_is(&q.params[5], "x", "1", true)); /* the fragment is not part of it */
        CHECK(http_query_count(&q, "vm_uuid") == 2);
        CHECK(http_query_get(&q, "vm_uuid") == &q.params[1]); /* the first one */
        CHECK(http_query_get(&q, "frag") == NULL);
        CHECK(http_query_get(&q, "missing") == NULL);
        http_query_done(&q);

        CHECK(http_query_parse(&q, "", 0) == 0);
        CHECK(q.n_params == 0);
        http_query_done(&q);
        CHECK(http_query_parse(&q, "&&&", 3) == 0);
        CHECK(q.n_params == 0);
        http_query_done(&q);
}

static void test_decode(void) {
        HttpQuery q;
        const char *raw = "session_id=OpaqueRef%3Aabc&a%20b=%41%62&plus=a+b&bad=%zz%4&nul=x%00y&"
                          "end=%";

        CHECK(http_query_parse(&q, raw, strlen(raw)) == 0);
        CHECK(param_is(&q.params[0], "session_id", "OpaqueRef:abc", true));
        CHECK(param_is(&q.params[1], "a b", "Ab", true));
        CHECK(param_is(&q.params[2], "plus", "a+b", true));  /* RFC 3986: '+' is a plus */
        CHECK(param_is(&q.params[3], "bad", "%zz%4", true)); /* malformed escapes stay */
        CHECK(q.params[4].value_len == 3 && memcmp(q.params[4].value, "x\0y", 3) == 0);
        CHECK(param_is(&q.params[5], "end", "%", true));
        http_query_done(&q);
}

static void test_limit(void) {
        HttpQuery q;
        size_t n = HTTP_QUERY_PARAMS_MAX + 1;
        char *raw = malloc(n * 2);

        for (size_t i = 0; i < n; i++) {
                raw[2 * i] = 'a';
                raw[2 * i + 1] = '&';
        }
        CHECK(http_query_parse(&q, raw, n * 2 - 1) == -E2BIG);
        CHECK(http_query_parse(&q, raw, (n - 1) * 2 - 1) == 0);
        CHECK(q.n_params == HTTP_QUERY_PARAMS_MAX);
        http_query_done(&q);
        free(raw);
}

static void test_typed(void) {
        int64_t v;
        bool b;
        char u[HTTP_UUID_STRING_LEN + 1];

        CHECK(http_parse_i64("-600", 4, &v) == 0 && v == -600);
        CHECK(http_parse_i64("1700000000", 10, &v) == 0 && v == 1700000000);
        CHECK(http_parse_i64("9223372036854775807", 19, &v) == 0 && v == INT64_MAX);
        CHECK(http_parse_i64("9223372036854775808", 19, &v) < 0);
        CHECK(http_parse_i64("", 0, &v) < 0);
        CHECK(http_parse_i64("12a", 3, &v) < 0);
        CHECK(http_parse_i64("1.5", 3, &v) < 0);
        CHECK(http_parse_i64("+5", 2, &v) < 0);
        CHECK(http_parse_i64("5\0", 2, &v) < 0);

        CHECK(http_parse_bool("true", 4, &b) == 0 && b);
        CHECK(http_parse_bool("TRUE", 4, &b) == 0 && b);
        CHECK(http_parse_bool("1", 1, &b) == 0 && b);
        CHECK(http_parse_bool("false", 5, &b) == 0 && !b);
        CHECK(http_parse_bool("", 0, &b) == 0 && !b);
        CHECK(http_parse_bool("maybe", 5, &b) == -EINVAL);

        CHECK(http_parse_uuid("ECD8D7A0-1be3-4d91-bd0e-4888c0e30ab3", 36, u) == 0);
        CHECK(strcmp(u, "ecd8d7a0-1be3-4d91-bd0e-4888c0e30ab3") == 0);
        CHECK(http_parse_uuid("ecd8d7a0-1be3-4d91-bd0e-4888c0e30ab", 35, u) < 0);
        CHECK(http_parse_uuid("ecd8d7a0x1be3-4d91-bd0e-4888c0e30ab3", 36, u) < 0);
        CHECK(http_parse_uuid("gcd8d7a0-1be3-4d91-bd0e-4888c0e30ab3", 36, u) < 0);
        CHECK(http_parse_uuid("../../../../etc/passwd-aaaaaaaaaaaaa", 36, u) < 0);
}

static int xparse(const char *raw, HttpXportQuery *x, char *reason) {
        HttpQuery q;
        int r = http_query_parse(&q, raw, strlen(raw));
        if (r < 0)
                return r;
        reason[0] = 0;
        r = http_xport_query_parse(&q, x, reason, HTTP_REASON_MAX);
        http_query_done(&q);
        return r;
}

#define U1 "00000000-0000-4000-8000-000000000001"
#define U2 "00000000-0000-4000-8000-000000000002"

static void test_xport_query(void) {
        HttpXportQuery x;
        char reason[HTTP_REASON_MAX];

        /* Defaults: every VM, no SR, no host, all CFs, finest interval, XML. */
        CHECK(xparse("start=-600", &x, reason) == 0);
        CHECK(x.start == -600 && x.interval_s == 0 && x.cf == -1 && !x.host && !x.json);
        CHECK(x.vms.all && x.vms.n_uuids == 0);
        CHECK(!x.srs.all && x.srs.n_uuids == 0);
        http_xport_query_done(&x);

        /* Everything set; unknown parameters ignored; keys in any order; repeats collapse. */
        CHECK(xparse("session_id=OpaqueRef%3Ax&cf=average&interval=60&host=true&vm_uuid=" U1
                     "&vm_uuid=" U2 "&vm_uuid=" U1 "&task_id=x&json=true&sr_uuid=all&start=1",
                     &x, reason) == 0);
        CHECK(x.start == 1 && x.interval_s == 60 && x.cf == RRD_CF_AVERAGE && x.host && x.json);
        CHECK(!x.vms.all && x.vms.n_uuids == 2);
        CHECK(strcmp(x.vms.uuids[0], U1) == 0 && strcmp(x.vms.uuids[1], U2) == 0);
        CHECK(x.srs.all);
        http_xport_query_done(&x);

        /* Keywords: none, empty, all (all wins over uuids). */
        CHECK(xparse("start=0&vm_uuid=none&sr_uuid=", &x, reason) == 0);
        CHECK(!x.vms.all && x.vms.n_uuids == 0 && !x.srs.all && x.srs.n_uuids == 0);
        http_xport_query_done(&x);
        CHECK(xparse("start=0&vm_uuid=" U1 "&vm_uuid=ALL", &x, reason) == 0);
        CHECK(x.vms.all && x.vms.n_uuids == 0);
        http_xport_query_done(&x);
        CHECK(xparse("start=0&cf=Max&json", &x, reason) == 0);
        CHECK(x.cf == RRD_CF_MAX && x.json);
        http_xport_query_done(&x);
        CHECK(xparse("start=0&cf=", &x, reason) == 0);
        CHECK(x.cf == -1);
        http_xport_query_done(&x);
        CHECK(xparse("start=0&cf=last&json=false&host=false", &x, reason) == 0);
        CHECK(x.cf == RRD_CF_LAST && !x.json && !x.host);
        http_xport_query_done(&x);

        /* Malformed known parameters: -EINVAL with a one-line reason naming the parameter. */
        static const struct {
                const char *raw;
                const char *word;
        } bad[] = {
                {"", "start"},
                {"interval=5", "start"},
                {"start=", "start"},
                {"start=now", "start"},
                {"start=1.5", "start"},
                {"start=0&interval=-5", "interval"},
                {"start=0&interval=x", "interval"},
                {"start=0&cf=AVG", "cf"},
                {"start=0&host=maybe", "host"},
                {"start=0&vm_uuid=foo", "vm_uuid"},
                {"start=0&sr_uuid=../etc", "sr_uuid"},
        };
        for (size_t i = 0; i < ELEMENTSOF(bad); i++) {
                int r = xparse(bad[i].raw, &x, reason);
                CHECKF(r == -EINVAL && strstr(reason, bad[i].word) && !strchr(reason, '\n'),
                       "'%s' -> %d '%s'", bad[i].raw, r, reason);
        }
}

static void test_wants_json(void) {
        static const struct {
                const char *raw;
                bool json;
        } cases[] = {
                {"json", true},        {"json=", true},    {"json=true", true},
                {"json=1", true},      {"json=yes", true}, {"json=anything", true},
                {"json=false", false}, {"json=0", false},  {"x=json", false},
                {"", false},
        };
        for (size_t i = 0; i < ELEMENTSOF(cases); i++) {
                HttpQuery q;
                CHECK(http_query_parse(&q, cases[i].raw, strlen(cases[i].raw)) == 0);
                CHECKF(http_query_wants_json(&q) == cases[i].json, "%s", cases[i].raw);
                http_query_done(&q);
        }
}

int main(void) {
        test_split();
        test_decode();
        test_limit();
        test_typed();
        test_xport_query();
        test_wants_json();
        return TAP_DONE();
}
