/* SPDX-License-Identifier: MIT */
/*
 * Member reports: the text a member writes is what the master reads back; every malformed
 * report is refused with a reason naming the line; URLs are checked before they can become a
 * Location header.
 */

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rrdd/pool-report.h"
#include "tests/tap.h"

#define H "11111111-1111-4111-8111-000000000000"
#define V1 "00000000-0000-4000-8000-000000000001"
#define V2 "00000000-0000-4000-8000-000000000002"

static int parse(const char *text, PoolReport *r, char *reason) {
        return pool_report_parse(text, strlen(text), r, reason, 160);
}

static void test_round_trip(void) {
        PoolReport r = {.port = 8089, .tls = true}, back = {};
        char *text = NULL, reason[160] = "";
        size_t len = 0;

        memcpy(r.host_uuid, H, sizeof(H));
        strcpy(r.url, "https://host-a.example:8443");
        CHECK(pool_report_add(&r, V1, POOL_VM_RESIDENT) == 0);
        CHECK(pool_report_add(&r, "00000000-0000-4000-8000-00000000000A", POOL_VM_LEAVING) == 0);
        CHECK(pool_report_add(&r, "not-a-uuid", POOL_VM_RESIDENT) == -EINVAL);
        CHECK(pool_report_format(&r, &text, &len) == 0);
        CHECK(strcmp(text, "rrdd-pool-report 1\nhost " H "\nurl https://host-a.example:8443\n"
                           "port 8089\ntls 1\nresident " V1 "\n"
                           "leaving 00000000-0000-4000-8000-00000000000a\n") == 0);
        CHECK(len == strlen(text));
        CHECK(pool_report_parse(text, len, &back, reason, sizeof(reason)) == 0);
        CHECK(strcmp(back.host_uuid, H) == 0);
        CHECK(strcmp(back.url, "https://host-a.example:8443") == 0);
        CHECK(back.port == 8089 && back.tls);
        CHECK(back.n_vms == 2);
        CHECK(back.n_vms == 2 && strcmp(back.vms[0].uuid, V1) == 0 &&
              back.vms[0].state == POOL_VM_RESIDENT);
        CHECK(back.n_vms == 2 && back.vms[1].state == POOL_VM_LEAVING &&
              strcmp(back.vms[1].uuid, "00000000-0000-4000-8000-00000000000a") == 0);
        free(text);
        pool_report_done(&r);
        pool_report_done(&back);
}

static void test_minimal_and_lenient(void) {
        PoolReport r = {};
        char reason[160];

        /* No url, no VMs, CR LF line ends, blank lines, upper-case uuids. */
        CHECK(parse("rrdd-pool-report 1\r\nhost 11111111-1111-4111-8111-00000000000F\r\n\r\n"
                    "port 1\r\ntls 0\r\n",
                    &r, reason) == 0);
        CHECK(strcmp(r.host_uuid, "11111111-1111-4111-8111-00000000000f") == 0);
        CHECK(r.url[0] == '\0' && r.port == 1 && !r.tls && r.n_vms == 0);
        pool_report_done(&r);
}

static void test_refusals(void) {
        static const struct {
                const char *text;
                const char *reason; /* a part of the reason */
        } bad[] = {
                {"", "empty"},
                {"rrdd-pool-report 2\nhost " H "\nport 1\ntls 0\n", "line 1"},
                {"rrdd-pool-report 1\nport 1\ntls 0\n", "required"},
                {"rrdd-pool-report 1\nhost " H "\ntls 0\n", "required"},
                {"rrdd-pool-report 1\nhost " H "\nport 1\n", "required"},
                {"rrdd-pool-report 1\nhost nope\nport 1\ntls 0\n", "line 2: host"},
                {"rrdd-pool-report 1\nhost " H "\nhost " H "\nport 1\ntls 0\n", "twice"},
                {"rrdd-pool-report 1\nhost " H "\nport 0\ntls 0\n", "port"},
                {"rrdd-pool-report 1\nhost " H "\nport 65536\ntls 0\n", "port"},
                {"rrdd-pool-report 1\nhost " H "\nport 80x\ntls 0\n", "port"},
                {"rrdd-pool-report 1\nhost " H "\nport 1\ntls yes\n", "tls"},
                {"rrdd-pool-report 1\nhost " H "\nport 1\ntls 0\nresident " V1 "x\n", "line 5"},
                {"rrdd-pool-report 1\nhost " H "\nport 1\ntls 0\nrunning " V1 "\n", "unknown"},
                {"rrdd-pool-report 1\nhost " H "\nport 1\ntls 0\nresident\n", "keyword value"},
                {"rrdd-pool-report 1\nhost " H "\nurl ftp://x\nport 1\ntls 0\n", "url"},
                {"rrdd-pool-report 1\nhost " H "\nurl http://x/?a=b\nport 1\ntls 0\n", "url"},
                {"rrdd-pool-report 1\nhost " H "\nurl http://u@x\nport 1\ntls 0\n", "url"},
        };
        for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
                PoolReport r = {};
                char reason[160] = "";
                int k = parse(bad[i].text, &r, reason);
                CHECKF(k == -EINVAL && strstr(reason, bad[i].reason),
                       "case %zu: %d '%s' (wanted '%s')", i, k, reason, bad[i].reason);
                CHECK(r.vms == NULL); /* nothing handed out on failure */
        }

        /* A NUL byte and an overlong line. */
        PoolReport r = {};
        char reason[160] = "", buf[2048];
        const char nul[] = "rrdd-pool-report 1\nhost " H "\0\nport 1\ntls 0\n";
        CHECK(pool_report_parse(nul, sizeof(nul) - 1, &r, reason, sizeof(reason)) == -EINVAL);
        CHECK(strstr(reason, "NUL") != NULL);
        memset(buf, 'a', sizeof(buf));
        memcpy(buf, "rrdd-pool-report 1\nurl ", 23);
        CHECK(pool_report_parse(buf, sizeof(buf), &r, reason, sizeof(reason)) == -EINVAL);
        CHECK(strstr(reason, "longer") != NULL);
}

static void test_limits(void) {
        /* POOL_REPORT_VMS_MAX VMs parse; one more is refused. */
        size_t n = POOL_REPORT_VMS_MAX + 1, cap = 128 + n * 46, len = 0;
        char *text = malloc(cap), reason[160] = "";
        PoolReport r = {};

        len += (size_t) snprintf(text, cap, "rrdd-pool-report 1\nhost " H "\nport 1\ntls 0\n");
        for (size_t i = 0; i < POOL_REPORT_VMS_MAX; i++)
                len += (size_t) snprintf(text + len, cap - len,
                                         "resident 00000000-0000-4000-8000-%012zx\n", i);
        CHECK(pool_report_parse(text, len, &r, reason, sizeof(reason)) == 0);
        CHECK(r.n_vms == POOL_REPORT_VMS_MAX);
        pool_report_done(&r);
        len += (size_t) snprintf(text + len, cap - len, "leaving " V2 "\n");
        CHECK(pool_report_parse(text, len, &r, reason, sizeof(reason)) == -EINVAL);
        CHECK(strstr(reason, "more than") != NULL);
        free(text);
}

static void test_urls(void) {
        CHECK(pool_url_is_valid("http://10.0.0.2:8089"));
        CHECK(pool_url_is_valid("https://[fe80::1]:443/rrdd"));
        CHECK(pool_url_is_valid("http://host.example"));
        CHECK(!pool_url_is_valid(""));
        CHECK(!pool_url_is_valid("host:80"));
        CHECK(!pool_url_is_valid("http://"));
        CHECK(!pool_url_is_valid("http://a b"));
        CHECK(!pool_url_is_valid("http://a\r\nSet-Cookie: x"));
        CHECK(!pool_url_is_valid("http://a/x?y"));
        CHECK(!pool_url_is_valid("http://user@a"));
        CHECK(!pool_url_is_valid("http://a:99999"));
        CHECK(pool_uuid_is_valid(H) && !pool_uuid_is_valid(H "0") && !pool_uuid_is_valid("x"));
}

int main(void) {
        test_round_trip();
        test_minimal_and_lenient();
        test_refusals();
        test_limits();
        test_urls();
        return TAP_DONE();
}
