/* SPDX-License-Identifier: MIT */
/*
 * Where /vm_rrd and GET /rrd send a request, decided by the pool callbacks over a real daemon
 * (fake source, fake clock, archives in a temporary data_dir): a VM in memory here is answered
 * here; on the master, a VM a member reported is redirected there, finally (the member must
 * not redirect again), except to the member asking; a leaving claim ends when its archive
 * arrives; a member silent three minutes is forgotten; what nobody holds is looked up in the
 * master's archives. A member sends everything it does not hold to the master.
 */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "http/backend.h"
#include "rrdd/config.h"
#include "rrdd/pool.h"
#include "rrdd/registry.h"
#include "rrdd/rrdd.h"
#include "tests/fake-clock.h"
#include "tests/rrdd/test-helpers.h"
#include "tests/tap.h"

#define T0 1700000000
#define HOST "99999999-8888-7777-6666-555555555555"
#define MEMBER "aaaaaaaa-0000-4000-8000-000000000000"
#define X "00000000-0000-4000-8000-000000000001" /* runs on the master */
#define Y "00000000-0000-4000-8000-000000000002" /* runs on the member */
#define Z "00000000-0000-4000-8000-000000000003" /* left the member, not archived yet */
#define W "00000000-0000-4000-8000-000000000004"
#define SECRET "a pool secret of some length"

static char root[] = "/tmp/test-pool-locate-XXXXXX";

typedef struct Env {
        RrddConfig cfg;
        FakeClock clock;
        FakeWorld world;
        DirStore *store;
        Pool *pool;
        Rrdd *d;
        HttpBackend b;
        int64_t t;
} Env;

static int env_start(Env *e, const char *role, const char *dir) {
        char err[CONFIG_ERROR_MAX], path[256];
        const ArchiveOps *ops;
        void *ctx;

        memset(e, 0, sizeof(*e));
        (void) snprintf(path, sizeof(path), "%s/%s", root, dir);
        if (mkdir(path, 0755) < 0 || rrdd_config_init(&e->cfg) < 0 ||
            rrdd_config_set(&e->cfg, "sources", "sim:0", "test", 0, err) < 0 ||
            rrdd_config_set(&e->cfg, "snapshot_dir", "", "test", 0, err) < 0 ||
            rrdd_config_set(&e->cfg, "data_dir", path, "test", 0, err) < 0 ||
            rrdd_config_set(&e->cfg, "pool_role", role, "test", 0, err) < 0 ||
            rrdd_config_set(&e->cfg, "master_url", "http://127.0.0.1:9/pool", "test", 0, err) < 0)
                return -1;
        fake_clock_init(&e->clock, (usec_t) T0 * USEC_PER_SEC);
        e->t = T0;
        if (dir_store_new(&e->store, path, false) < 0 ||
            pool_new(&e->pool, &e->cfg, SECRET, HOST, e->store, &e->clock.clock) < 0)
                return -1;
        pool_archive_ops(e->pool, &ops, &ctx);
        if (rrdd_new(&e->d, &e->cfg, &e->clock.clock, ops, ctx, HOST) < 0)
                return -1;
        SrcInstance *s = fake_source_new(&e->world);
        if (!s || rrdd_add_source(e->d, s) < 0)
                return -1;
        pool_attach(e->pool, e->d, &e->b);
        return 0;
}

static void env_stop(Env *e) {
        e->d = rrdd_free(e->d);
        e->pool = pool_free(e->pool);
        e->store = dir_store_free(e->store);
        rrdd_config_done(&e->cfg);
}

static void tick(Env *e) {
        fake_clock_advance(&e->clock, 5 * USEC_PER_SEC);
        e->t += 5;
        (void) rrdd_tick(e->d, e->t);
        rrdd_wait_jobs(e->d);
}

static HttpPoolLocation locate(Env *e, HttpOwnerKind kind, const char *uuid, bool no_redirect,
                               const char *from) {
        HttpPoolLocation loc = {0};
        if (e->b.pool_locate(e->b.pool_userdata, kind, uuid, no_redirect, from, &loc) < 0)
                loc.where = (HttpPoolWhere) -1;
        return loc;
}

static bool is_memory(HttpPoolLocation loc) {
        bool ok = loc.where == HTTP_POOL_MEMORY && loc.rrd != NULL;
        rrd_destroy(loc.rrd);
        return ok;
}

static int report(Env *e, const char *text, const char *peer, char *reason) {
        return e->b.pool_report(e->b.pool_userdata, text, strlen(text), peer, reason, 160);
}

static void test_master(void) {
        Env e;
        HttpPoolLocation loc;
        char reason[160] = "";

        CHECK(env_start(&e, "master", "master") == 0);
        CHECK(e.b.pool_role == HTTP_POOL_MASTER && e.b.pool_store && e.b.pool_report);
        FakeVm *x = &e.world.vms[e.world.n_vms++];
        strcpy(x->uuid, X);
        x->running = true;
        x->domid = 1;
        x->memory = 1 << 20;
        tick(&e);
        tick(&e);

        /* In memory here: answered here, for /vm_rrd and for another host's GET /rrd. */
        CHECK(is_memory(locate(&e, HTTP_OWNER_VM, X, false, NULL)));
        CHECK(is_memory(locate(&e, _HTTP_OWNER_KIND_MAX, X, true, MEMBER)));
        CHECK(is_memory(locate(&e, _HTTP_OWNER_KIND_MAX, HOST, false, NULL)));

        /* A member reports Y running and Z leaving. */
        CHECK(report(&e,
                     "rrdd-pool-report 1\nhost " MEMBER "\nport 8089\ntls 0\nresident " Y
                     "\nleaving " Z "\n",
                     "10.0.0.5", reason) == 0);
        loc = locate(&e, HTTP_OWNER_VM, Y, false, NULL);
        CHECK(loc.where == HTTP_POOL_ELSEWHERE && loc.is_final &&
              strcmp(loc.url, "http://10.0.0.5:8089") == 0);
        CHECK(locate(&e, HTTP_OWNER_VM, Z, false, NULL).where == HTTP_POOL_ELSEWHERE);
        /* Never back to the member asking, nor further once redirected. */
        CHECK(locate(&e, _HTTP_OWNER_KIND_MAX, Y, false, MEMBER).where == HTTP_POOL_STORED);
        CHECK(locate(&e, HTTP_OWNER_VM, Y, true, NULL).where == HTTP_POOL_STORED);
        /* Z's archive arrives from the member: it no longer holds it. */
        e.b.pool_stored(e.b.pool_userdata, Z, MEMBER);
        CHECK(locate(&e, HTTP_OWNER_VM, Z, false, NULL).where == HTTP_POOL_STORED);
        CHECK(locate(&e, HTTP_OWNER_VM, Y, false, NULL).where == HTTP_POOL_ELSEWHERE);

        /* Who pool=true asks. */
        HttpPoolMember *m = NULL;
        size_t n = 0;
        CHECK(e.b.pool_members(e.b.pool_userdata, &m, &n) == 0 && n == 1 &&
              strcmp(m[0].host_uuid, MEMBER) == 0 && strcmp(m[0].url, "http://10.0.0.5:8089") == 0);
        free(m);

        /* A report that does not parse, or names no usable address, changes nothing. */
        CHECK(report(&e, "rrdd-pool-report 1\nhost x\n", "10.0.0.6", reason) == -EINVAL);
        CHECK(strstr(reason, "line 2") != NULL);
        CHECK(report(&e, "rrdd-pool-report 1\nhost " W "\nport 1\ntls 0\n", "", reason) == -EINVAL);
        CHECK(e.b.pool_members(e.b.pool_userdata, &m, &n) == 0 && n == 1);
        free(m);

        /* X halts: written to the master's archives, dropped from memory, found there. */
        x->running = false;
        tick(&e);
        tick(&e);
        CHECK(registry_find(rrdd_registry(e.d), SRC_OWNER_VM, X) == NULL);
        CHECK(locate(&e, HTTP_OWNER_VM, X, false, NULL).where == HTTP_POOL_STORED);
        Rrd *back = NULL;
        CHECK(e.b.pool_load_stored(e.b.pool_userdata, X, &back) == 0 && back);
        rrd_destroy(back);
        CHECK(e.b.pool_load_stored(e.b.pool_userdata, W, &back) == -ENOENT);

        /* PUT /rrd without archive replaces (creates) a VM's RRD here. */
        Rrd *copy = NULL;
        CHECK(e.b.pool_load_stored(e.b.pool_userdata, X, &copy) == 0);
        CHECK(e.b.pool_replace(e.b.pool_userdata, W, copy) == 0);
        CHECK(is_memory(locate(&e, HTTP_OWNER_VM, W, false, NULL)));

        /* Three minutes of silence: the member is forgotten. */
        fake_clock_advance(&e.clock, 181 * USEC_PER_SEC);
        CHECK(locate(&e, HTTP_OWNER_VM, Y, false, NULL).where == HTTP_POOL_STORED);
        CHECK(e.b.pool_members(e.b.pool_userdata, &m, &n) == 0 && n == 0);
        free(m);
        env_stop(&e);
}

static void test_member(void) {
        Env e;

        CHECK(env_start(&e, "member", "member") == 0);
        CHECK(e.b.pool_role == HTTP_POOL_MEMBER);
        /* Only the master stores archives, takes reports and answers pool=true. */
        CHECK(!e.b.pool_store && !e.b.pool_report && !e.b.pool_members && e.b.pool_locate &&
              e.b.pool_load_stored && e.b.pool_replace && e.b.pool_fetch);
        HttpPoolLocation loc = locate(&e, HTTP_OWNER_VM, Y, false, NULL);
        CHECK(loc.where == HTTP_POOL_ELSEWHERE && !loc.is_final &&
              strcmp(loc.url, "http://127.0.0.1:9/pool") == 0);
        /* Redirected here by the master: answered here (its spool), never sent back. */
        CHECK(locate(&e, HTTP_OWNER_VM, Y, true, NULL).where == HTTP_POOL_STORED);
        CHECK(is_memory(locate(&e, _HTTP_OWNER_KIND_MAX, HOST, true, NULL)) == false);
        env_stop(&e);
}

int main(void) {
        char cmd[300];

        if (!mkdtemp(root))
                return 1;
        test_master();
        test_member();
        (void) snprintf(cmd, sizeof(cmd), "rm -rf '%s'", root);
        CHECK(system(cmd) == 0);
        return TAP_DONE();
}
