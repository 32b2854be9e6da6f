/* SPDX-License-Identifier: MIT */
/*
 * The daemon with the real archive store: a VM that halts while data_dir is read-only stays in
 * memory, and is archived (and dropped) once data_dir is writable again; the file then loads
 * back into what the daemon had. As root this runs in a private mount namespace on a tmpfs it
 * remounts read-only; otherwise it takes the write permission away from the directory.
 */

#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "persist/store.h"
#include "rrdd/config.h"
#include "rrdd/macro.h"
#include "rrdd/registry.h"
#include "rrdd/rrdd.h"
#include "rrdd/store-dir.h"
#include "tests/fake-clock.h"
#include "tests/rrdd/test-helpers.h"
#include "tests/tap.h"

#define T0 1700000000
#define VM "12345678-90ab-cdef-1234-567890abcdef"
#define HOST "99999999-8888-7777-6666-555555555555"

static bool use_mount;

static int set_readonly(const char *dir, bool ro) {
        if (use_mount)
                return mount(NULL, dir, NULL, MS_REMOUNT | (ro ? MS_RDONLY : 0), NULL);
        return chmod(dir, ro ? 0555 : 0755);
}

static bool same_rows(const Rrd *a, const Rrd *b) {
        if (rrd_n_ds(a) != rrd_n_ds(b) || rrd_n_rra(a) != rrd_n_rra(b) ||
            rrd_last_up(a) != rrd_last_up(b))
                return false;
        for (size_t r = 0; r < rrd_n_rra(a); r++)
                for (size_t i = 0; i < rrd_rra_def(a, r)->rows; i++)
                        if (memcmp(rrd_rra_row(a, r, i), rrd_rra_row(b, r, i),
                                   rrd_n_ds(a) * sizeof(double)) != 0)
                                return false;
        return true;
}

static void run(const char *dir) {
        RrddConfig cfg;
        char err[CONFIG_ERROR_MAX];
        FakeClock clock;
        FakeWorld world = {};
        _cleanup_(dir_store_freep) DirStore *store = NULL;
        _cleanup_(rrdd_freep) Rrdd *d = NULL;
        int64_t t = T0;

        CHECK(rrdd_config_init(&cfg) == 0);
        CHECK(rrdd_config_set(&cfg, "sources", "sim:0", "test", 0, err) == 0);
        fake_clock_init(&clock, (usec_t) T0 * USEC_PER_SEC);
        CHECK(dir_store_new(&store, dir, false) == 0);
        CHECK(rrdd_new(&d, &cfg, &clock.clock, &dir_store_ops, store, HOST) == 0);
        CHECK(rrdd_add_source(d, fake_source_new(&world)) == 0);
        FakeVm *vm = &world.vms[world.n_vms++];
        strcpy(vm->uuid, VM);
        vm->running = true;
        vm->domid = 5;
        vm->memory = 1e9;
        for (int i = 0; i < 4; i++) {
                fake_clock_advance(&clock, 5 * USEC_PER_SEC);
                vm->rx_bytes += 1000;
                (void) rrdd_tick(d, t += 5);
        }
        Registry *reg = rrdd_registry(d);
        CHECK(registry_find(reg, SRC_OWNER_VM, VM) != NULL);

        /* Halts while data_dir is read-only: kept in memory, retried. */
        CHECK(set_readonly(dir, true) == 0);
        vm->running = false;
        for (int i = 0; i < 3; i++) {
                fake_clock_advance(&clock, 5 * USEC_PER_SEC);
                (void) rrdd_tick(d, t += 5);
                rrdd_wait_jobs(d);
        }
        RrdEntry *e = registry_find(reg, SRC_OWNER_VM, VM);
        CHECK(e && e->state == ENTRY_ARCHIVE_FAILED && e->rrd);
        CHECK(rrdd_stats(d)->n_archive_failures >= 1);
        char path[4096];
        struct stat st;
        (void) snprintf(path, sizeof(path), "%s/%s.xml", dir, VM);
        CHECK(stat(path, &st) < 0);
        _cleanup_(rrd_destroyp) Rrd *expected = NULL;
        CHECK(e && rrd_dup(e->rrd, &expected) == 0);

        /* Writable again: the next retry writes it and drops it from memory. */
        CHECK(set_readonly(dir, false) == 0);
        for (int i = 0; i < 10 && registry_find(reg, SRC_OWNER_VM, VM); i++) {
                fake_clock_advance(&clock, 5 * USEC_PER_SEC);
                (void) rrdd_tick(d, t += 5);
                rrdd_wait_jobs(d);
        }
        CHECK(registry_find(reg, SRC_OWNER_VM, VM) == NULL);
        CHECK(stat(path, &st) == 0);
        _cleanup_(persist_store_freep) PersistStore *ps = NULL;
        _cleanup_(rrd_destroyp) Rrd *loaded = NULL;
        CHECK(persist_store_new(&ps, dir) == 0);
        CHECK(persist_store_load(ps, VM, NULL, &loaded, NULL) == 0);
        CHECK(loaded && expected && same_rows(loaded, expected));

        /* Shutdown saves the host too; a second daemon loads it at start. */
        CHECK(rrdd_save_all(d) == 0);
        d = rrdd_free(d);
        CHECK(rrdd_new(&d, &cfg, &clock.clock, &dir_store_ops, store, HOST) == 0);
        CHECK(rrdd_load_host(d) == 1);
        CHECK(rrd_last_up(registry_host(rrdd_registry(d))->rrd) == t);
        rrdd_config_done(&cfg);
}

int main(void) {
        char dir[] = "/tmp/rrdd-test-store-XXXXXX";

        if (!mkdtemp(dir)) {
                printf("Bail out! mkdtemp\n");
                return 1;
        }
        /*
         * root ignores file modes, so a read-only data_dir needs a read-only mount: a tmpfs of
         * our own, in a mount namespace of our own. Where "/" is not a mount point (a chroot)
         * it cannot be made private; the directory bound onto itself can.
         */
        bool bound = false;
        if (geteuid() == 0 && unshare(CLONE_NEWNS) == 0) {
                if (mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0)
                        bound = mount(dir, dir, NULL, MS_BIND, NULL) == 0 &&
                                mount(NULL, dir, NULL, MS_PRIVATE, NULL) == 0;
                use_mount = mount("tmpfs", dir, "tmpfs", 0, "size=64m,mode=0755") == 0;
        }
        TAP_DIAG("read-only by %s", use_mount ? "remounting a tmpfs" : "chmod");
        run(dir);
        if (use_mount)
                (void) umount(dir);
        if (bound)
                (void) umount(dir);
        char cmd[4200];
        (void) snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
        if (system(cmd) != 0)
                TAP_DIAG("could not remove %s", dir);
        return TAP_DONE();
}
