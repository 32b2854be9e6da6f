/* SPDX-License-Identifier: MIT */
/*
 * The master's table of members and its redirect decisions: who holds a VM (running before
 * leaving, then the newest report, never the asker), what an arrived archive clears, URLs made
 * from the reporting address, and members forgotten after three silent minutes.
 */

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "rrdd/pool-members.h"
#include "tests/tap.h"

#define HA "aaaaaaaa-0000-4000-8000-000000000000"
#define HB "bbbbbbbb-0000-4000-8000-000000000000"
#define X "00000000-0000-4000-8000-000000000001"
#define Y "00000000-0000-4000-8000-000000000002"

#define SEC USEC_PER_SEC

static PoolReport report(const char *host, const char *url, uint16_t port, bool tls) {
        PoolReport r = {.port = port, .tls = tls};
        memcpy(r.host_uuid, host, POOL_UUID_LEN + 1);
        if (url)
                (void) snprintf(r.url, sizeof(r.url), "%s", url);
        return r;
}

static const char *holder(PoolMembers *m, const char *uuid, const char *except, usec_t now) {
        const PoolMember *p = pool_members_holder(m, uuid, except, now);
        return p ? p->host_uuid : NULL;
}

static void test_urls(void) {
        char url[POOL_URL_MAX];

        CHECK(pool_member_url("10.0.0.7", 8089, false, url, sizeof(url)) == 0 &&
              strcmp(url, "http://10.0.0.7:8089") == 0);
        CHECK(pool_member_url("fd00::7", 443, true, url, sizeof(url)) == 0 &&
              strcmp(url, "https://[fd00::7]:443") == 0);
        CHECK(pool_member_url("", 80, false, url, sizeof(url)) == -EINVAL);
        CHECK(pool_member_url("10.0.0.7", 0, false, url, sizeof(url)) == -EINVAL);
        CHECK(pool_member_url("a/b", 80, false, url, sizeof(url)) == -EINVAL);
        CHECK(pool_member_url("10.0.0.7", 80, false, url, 10) == -EINVAL);
}

static void test_holder(void) {
        PoolMembers *m = NULL;
        PoolReport a = report(HA, NULL, 8089, false), b = report(HB, "http://b.example:9/", 1, 0);

        CHECK(pool_members_new(&m) == 0);
        /* A has X running; B has X leaving (it migrated from B to A) and Y running. */
        CHECK(pool_report_add(&a, X, POOL_VM_RESIDENT) == 0);
        CHECK(pool_report_add(&b, X, POOL_VM_LEAVING) == 0);
        CHECK(pool_report_add(&b, Y, POOL_VM_RESIDENT) == 0);
        CHECK(pool_members_update(m, &b, "10.0.0.2", 100 * SEC) == 0);
        CHECK(pool_members_update(m, &a, "10.0.0.1", 90 * SEC) == 0);
        CHECK(pool_members_count(m, 100 * SEC) == 2);

        const PoolMember *pa = pool_members_holder(m, X, NULL, 100 * SEC);
        CHECK(pa && strcmp(pa->host_uuid, HA) == 0);
        CHECK(pa && strcmp(pa->url, "http://10.0.0.1:8089") == 0); /* made from the address */
        const PoolMember *pb = pool_members_holder(m, Y, NULL, 100 * SEC);
        CHECK(pb && strcmp(pb->url, "http://b.example:9") == 0); /* given; no trailing '/' */
        /* Running beats leaving although B reported later; the asker is never chosen. */
        CHECK(holder(m, X, HA, 100 * SEC) && strcmp(holder(m, X, HA, 100 * SEC), HB) == 0);
        CHECK(holder(m, Y, HB, 100 * SEC) == NULL);
        CHECK(holder(m, "00000000-0000-4000-8000-000000000009", NULL, 100 * SEC) == NULL);

        /* X's archive arrives from A: A reported it running, so the claim stays (a backup). */
        pool_members_forget_leaving(m, HA, X);
        CHECK(holder(m, X, NULL, 100 * SEC) && strcmp(holder(m, X, NULL, 100 * SEC), HA) == 0);
        /* From B, which had it leaving: B no longer holds it. */
        pool_members_forget_leaving(m, HB, X);
        CHECK(holder(m, X, HA, 100 * SEC) == NULL);
        /* Without a sender named: every leaving claim goes, running ones stay. */
        pool_report_done(&b);
        b = report(HB, NULL, 9, false);
        CHECK(pool_report_add(&b, X, POOL_VM_LEAVING) == 0);
        CHECK(pool_members_update(m, &b, "10.0.0.2", 101 * SEC) == 0);
        CHECK(holder(m, X, HA, 101 * SEC) != NULL);
        pool_members_forget_leaving(m, NULL, X);
        CHECK(holder(m, X, HA, 101 * SEC) == NULL);
        CHECK(holder(m, X, NULL, 101 * SEC) != NULL);
        /* A report replaces what the member said before: B no longer has Y. */
        CHECK(holder(m, Y, NULL, 101 * SEC) == NULL);

        /* Two members both leaving: the newest report wins. */
        pool_report_done(&a);
        a = report(HA, NULL, 8089, false);
        CHECK(pool_report_add(&a, X, POOL_VM_LEAVING) == 0);
        CHECK(pool_members_update(m, &a, "10.0.0.1", 102 * SEC) == 0);
        CHECK(pool_members_update(m, &b, "10.0.0.2", 103 * SEC) == 0);
        CHECK(holder(m, X, NULL, 103 * SEC) && strcmp(holder(m, X, NULL, 103 * SEC), HB) == 0);

        /* A URL that cannot be made is refused, and changes nothing. */
        PoolReport bad = report("cccccccc-0000-4000-8000-000000000000", NULL, 80, false);
        CHECK(pool_members_update(m, &bad, "", 104 * SEC) == -EINVAL);
        CHECK(pool_members_count(m, 104 * SEC) == 2);

        pool_report_done(&a);
        pool_report_done(&b);
        pool_members_free(m);
}

static void test_expiry(void) {
        PoolMembers *m = NULL;
        PoolReport a = report(HA, NULL, 1, false), b = report(HB, NULL, 2, false);

        CHECK(pool_members_new(&m) == 0);
        CHECK(pool_report_add(&a, X, POOL_VM_RESIDENT) == 0);
        CHECK(pool_members_update(m, &a, "127.0.0.1", 1000 * SEC) == 0);
        CHECK(pool_members_update(m, &b, "127.0.0.1", 1100 * SEC) == 0);
        /* Exactly three minutes of silence is still alive; a microsecond more is not. */
        CHECK(pool_members_count(m, 1000 * SEC + POOL_MEMBER_TIMEOUT_USEC) == 2);
        CHECK(holder(m, X, NULL, 1000 * SEC + POOL_MEMBER_TIMEOUT_USEC) != NULL);
        CHECK(holder(m, X, NULL, 1000 * SEC + POOL_MEMBER_TIMEOUT_USEC + 1) == NULL);
        CHECK(pool_members_count(m, 1000 * SEC + POOL_MEMBER_TIMEOUT_USEC + 1) == 1);
        CHECK(strcmp(pool_members_get(m, 0)->host_uuid, HB) == 0);
        CHECK(pool_members_get(m, 1) == NULL);
        /* It comes back with its next report. */
        CHECK(pool_members_update(m, &a, "127.0.0.1", 1200 * SEC) == 0);
        CHECK(holder(m, X, NULL, 1200 * SEC) != NULL);
        CHECK(pool_members_count(m, 1200 * SEC) == 2);
        pool_report_done(&a);
        pool_report_done(&b);
        pool_members_free(m);
}

int main(void) {
        test_urls();
        test_holder();
        test_expiry();
        return TAP_DONE();
}
