/* SPDX-License-Identifier: MIT */
/*
 * The daemon's tick and VM lifecycle under a fake clock, a fake source and an in-memory store:
 * VMs appear, halt (archived, then dropped), start again (history continues from the archive),
 * reboot with a new domid (no false counter delta), fail to archive (kept, retried), and the
 * wall clock steps both ways. Also the tick schedule's arithmetic.
 */

#include <math.h>
#include <string.h>

#include "consolidate/fetch.h"
#include "rrdd/config.h"
#include "rrdd/macro.h"
#include "rrdd/registry.h"
#include "rrdd/rrdd.h"
#include "rrdd/schedule.h"
#include "tests/fake-clock.h"
#include "tests/rrdd/test-helpers.h"
#include "tests/tap.h"

#define T0 1700000000 /* a multiple of 5 */
#define VM_A "11111111-2222-3333-4444-555555555555"
#define VM_B "aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee"
#define HOST "99999999-8888-7777-6666-555555555555"

typedef struct Env {
        RrddConfig cfg;
        FakeClock clock;
        FakeWorld world;
        MemStore *store;
        Rrdd *d;
        int64_t t;
} Env;

static int env_start(Env *e, MemStore *store) {
        char err[CONFIG_ERROR_MAX];
        memset(&e->world, 0, sizeof(e->world));
        if (rrdd_config_init(&e->cfg) < 0 ||
            rrdd_config_set(&e->cfg, "sources", "sim:0", "test", 0, err) < 0 ||
            rrdd_config_set(&e->cfg, "snapshot_dir", "", "test", 0, err) < 0)
                return -1;
        fake_clock_init(&e->clock, (usec_t) T0 * USEC_PER_SEC);
        e->t = T0;
        e->store = store;
        if (rrdd_new(&e->d, &e->cfg, &e->clock.clock, &mem_store_ops, store, HOST) < 0)
                return -1;
        SrcInstance *s = fake_source_new(&e->world);
        if (!s || rrdd_add_source(e->d, s) < 0)
                return -1;
        return 0;
}

static void env_stop(Env *e) {
        e->d = rrdd_free(e->d);
        rrdd_config_done(&e->cfg);
}

static FakeVm *add_vm(Env *e, const char *uuid, uint64_t domid) {
        FakeVm *vm = &e->world.vms[e->world.n_vms++];
        memset(vm, 0, sizeof(*vm));
        strcpy(vm->uuid, uuid);
        vm->running = true;
        vm->domid = domid;
        vm->memory = 1 << 30;
        return vm;
}

/* Advances 5 s, moves every running VM's counter by rate × 5, ticks. */
static void tick(Env *e, uint64_t rx_rate) {
        fake_clock_advance(&e->clock, 5 * USEC_PER_SEC);
        e->t += 5;
        for (size_t i = 0; i < e->world.n_vms; i++)
                if (e->world.vms[i].running)
                        e->world.vms[i].rx_bytes += rx_rate * 5;
        (void) rrdd_tick(e->d, e->t);
}

static RrdEntry *vm(Env *e, const char *uuid) {
        return registry_find(rrdd_registry(e->d), SRC_OWNER_VM, uuid);
}

/* Newest 5 s value of a data source of a VM. */
static double newest(Env *e, const char *uuid, const char *ds) {
        RrdEntry *en = vm(e, uuid);
        int i;
        if (!en || !en->rrd || (i = rrd_ds_index(en->rrd, ds)) < 0)
                return -1;
        return rrd_rra_value_back(en->rrd, 0, 0, (size_t) i);
}

static void test_lifecycle(void) {
        MemStore *store = mem_store_new();
        Env e;

        CHECK(env_start(&e, store) == 0);
        FakeVm *a = add_vm(&e, VM_A, 3);
        e.world.host_load = 0.25;

        /* Appears: no archive, so a new RRD; the first tick fills the memory PDP. */
        tick(&e, 100);
        CHECK(vm(&e, VM_A) && vm(&e, VM_A)->state == ENTRY_LIVE);
        CHECK(newest(&e, VM_A, "memory") == (double) (1 << 30));
        CHECK(isnan(newest(&e, VM_A, "vif_0_rx"))); /* a counter's first reading has no delta */
        /* Only default data sources are archived; the others are known. */
        CHECK(rrd_ds_index(vm(&e, VM_A)->rrd, "vif_0_rx_errors") < 0);
        CHECK(vm(&e, VM_A)->n_known == 3);
        tick(&e, 100);
        CHECK(newest(&e, VM_A, "vif_0_rx") == 100.0);
        tick(&e, 300);
        CHECK(newest(&e, VM_A, "vif_0_rx") == 300.0);
        RrdEntry *host = registry_host(rrdd_registry(e.d));
        CHECK(host->rrd && rrd_rra_value_back(host->rrd, 0, 0, 0) == 0.25);
        CHECK(rrd_n_rra(host->rrd) == 10 && rrd_n_rra(vm(&e, VM_A)->rrd) == 4);

        /* Halts: archived, then dropped from memory. */
        a->running = false;
        tick(&e, 0);
        CHECK(vm(&e, VM_A) && (vm(&e, VM_A)->state == ENTRY_ARCHIVING));
        rrdd_wait_jobs(e.d);
        CHECK(vm(&e, VM_A) == NULL);
        _cleanup_(rrd_destroyp) Rrd *stored = mem_store_get(store, VM_A);
        CHECK(stored && rrd_last_up(stored) == T0 + 15);
        CHECK(stored &&
              rrd_rra_value_back(stored, 0, 0, (size_t) rrd_ds_index(stored, "vif_0_rx")) == 300.0);
        CHECK(rrdd_stats(e.d)->n_archives_written == 1);

        /* Starts again two ticks later: the archive is loaded, history continues. */
        tick(&e, 0);
        a->running = true;
        a->domid = 4;
        tick(&e, 200);
        CHECK(vm(&e, VM_A) && vm(&e, VM_A)->state == ENTRY_LOADING);
        rrdd_wait_jobs(e.d);
        CHECK(vm(&e, VM_A) && vm(&e, VM_A)->state == ENTRY_LIVE);
        tick(&e, 200);
        /* A new domid since the archive was written: the first delta is unknown, not one
         * measured against the previous incarnation's counters. */
        CHECK(isnan(newest(&e, VM_A, "vif_0_rx")));
        tick(&e, 200);
        CHECK(newest(&e, VM_A, "vif_0_rx") == 200.0);
        /* The old rows are still there, followed by the unknown gap of the halt. */
        RrdEntry *ea = vm(&e, VM_A);
        int rx = rrd_ds_index(ea->rrd, "vif_0_rx");
        CHECK(rx >= 0 && rrd_last_up(ea->rrd) == T0 + 40);
        /* Rows back from …40: 200, then unknown back to …20, then …15 300 and …10 100. */
        CHECK(rrd_rra_value_back(ea->rrd, 0, 6, (size_t) rx) == 100.0);
        CHECK(rrd_rra_value_back(ea->rrd, 0, 5, (size_t) rx) == 300.0);
        for (size_t back = 1; back <= 4; back++)
                CHECK(isnan(rrd_rra_value_back(ea->rrd, 0, back, (size_t) rx)));
        CHECK(rrd_rra_value_back(ea->rrd, 0, 0, (size_t) rx) == 200.0);
        env_stop(&e);
        mem_store_free(store);
}

static void test_reboot(void) {
        MemStore *store = mem_store_new();
        Env e;

        CHECK(env_start(&e, store) == 0);
        FakeVm *a = add_vm(&e, VM_A, 7);
        a->rx_bytes = 1000000;
        tick(&e, 100);
        tick(&e, 100);
        CHECK(newest(&e, VM_A, "vif_0_rx") == 100.0);
        /* Reboot: same uuid, new domid, counters restart from a small value. */
        a->domid = 8;
        a->rx_bytes = 0;
        tick(&e, 100);
        CHECK(vm(&e, VM_A)->state == ENTRY_LIVE);
        /* The delta across the restart is unknown, never a spike or a negative rate. */
        CHECK(isnan(newest(&e, VM_A, "vif_0_rx")));
        tick(&e, 100);
        CHECK(newest(&e, VM_A, "vif_0_rx") == 100.0);
        CHECK(mem_store_n_saves(store) == 0); /* a reboot archives nothing */
        env_stop(&e);
        mem_store_free(store);
}

static void test_archive_failure(void) {
        MemStore *store = mem_store_new();
        Env e;

        CHECK(env_start(&e, store) == 0);
        FakeVm *b = add_vm(&e, VM_B, 1);
        tick(&e, 50);
        tick(&e, 50);
        mem_store_fail_saves(store, -EROFS);
        b->running = false;
        tick(&e, 0);
        rrdd_wait_jobs(e.d);
        /* The write failed: the RRD stays in memory and will be retried. */
        CHECK(vm(&e, VM_B) && vm(&e, VM_B)->state == ENTRY_ARCHIVE_FAILED);
        CHECK(vm(&e, VM_B)->rrd != NULL);
        CHECK(rrdd_stats(e.d)->n_archive_failures == 1);
        for (int i = 0; i < 3; i++) {
                tick(&e, 0);
                rrdd_wait_jobs(e.d);
        }
        CHECK(vm(&e, VM_B) && rrdd_stats(e.d)->n_archive_failures >= 2);
        /* Writable again: the next retry succeeds and the VM is dropped. */
        mem_store_fail_saves(store, 0);
        for (int i = 0; i < 8 && vm(&e, VM_B); i++) {
                tick(&e, 0);
                rrdd_wait_jobs(e.d);
        }
        CHECK(vm(&e, VM_B) == NULL);
        _cleanup_(rrd_destroyp) Rrd *stored = mem_store_get(store, VM_B);
        CHECK(stored && rrd_last_up(stored) == T0 + 10);
        env_stop(&e);
        mem_store_free(store);
}

static void test_clock_steps(void) {
        MemStore *store = mem_store_new();
        Env e;

        CHECK(env_start(&e, store) == 0);
        add_vm(&e, VM_A, 1);
        e.world.host_load = 1.0;
        tick(&e, 10);
        tick(&e, 10);
        RrdEntry *host = registry_host(rrdd_registry(e.d));
        int64_t before = rrd_last_up(host->rrd);
        /* The wall clock goes back a minute: updates are refused, nothing changes. */
        fake_clock_step_real(&e.clock, -60 * (int64_t) USEC_PER_SEC);
        e.t -= 60;
        tick(&e, 10);
        CHECK(rrd_last_up(host->rrd) == before);
        CHECK(rrdd_stats(e.d)->n_refused_updates >= 2); /* host and the VM */
        /* Forward again past the last update: ticks resume. */
        fake_clock_step_real(&e.clock, 60 * (int64_t) USEC_PER_SEC);
        e.t += 60;
        tick(&e, 10);
        CHECK(rrd_last_up(host->rrd) == before + 10);
        /* A jump forward of ten minutes behaves like a gap: unknown rows, then data again. */
        e.t += 600;
        fake_clock_step_real(&e.clock, 600 * (int64_t) USEC_PER_SEC);
        e.world.host_load = 2.0;
        tick(&e, 10);
        CHECK(rrd_last_up(host->rrd) == before + 615);
        CHECK(isnan(rrd_rra_value_back(host->rrd, 0, 1, 0)));
        tick(&e, 10);
        CHECK(rrd_rra_value_back(host->rrd, 0, 0, 0) == 2.0);
        env_stop(&e);
        mem_store_free(store);
}

static void test_save_all_and_restart(void) {
        MemStore *store = mem_store_new();
        Env e;

        CHECK(env_start(&e, store) == 0);
        add_vm(&e, VM_A, 1);
        add_vm(&e, VM_B, 2);
        e.world.host_load = 0.5;
        for (int i = 0; i < 4; i++)
                tick(&e, 40);
        CHECK(rrdd_save_all(e.d) == 0);
        CHECK(mem_store_n_saves(store) == 3);
        int64_t t = e.t;
        env_stop(&e);

        /* A restart resumes: the host RRD loads at start, VMs as they appear. */
        CHECK(env_start(&e, store) == 0);
        e.t = t;
        fake_clock_advance(&e.clock, (usec_t) (t - T0) * USEC_PER_SEC);
        CHECK(rrdd_load_host(e.d) == 1);
        RrdEntry *host = registry_host(rrdd_registry(e.d));
        CHECK(host->state == ENTRY_LIVE && rrd_last_up(host->rrd) == t);
        /* The VM kept running while the daemon restarted: its counter carried on. */
        add_vm(&e, VM_A, 1)->rx_bytes = 4 * 40 * 5;
        e.world.host_load = 0.5;
        tick(&e, 40);
        rrdd_wait_jobs(e.d);
        CHECK(vm(&e, VM_A) && vm(&e, VM_A)->state == ENTRY_LIVE);
        CHECK(rrd_last_up(vm(&e, VM_A)->rrd) == t); /* loaded, not yet updated */
        tick(&e, 40);
        CHECK(rrd_last_up(vm(&e, VM_A)->rrd) == t + 10);
        CHECK(rrd_rra_value_back(host->rrd, 0, 0, 0) == 0.5);
        /* Same domid as at shutdown: the counter carried on across the restart. */
        CHECK(newest(&e, VM_A, "vif_0_rx") == 40.0);
        /* VM B came back with another domid: its first delta after the load is unknown. */
        add_vm(&e, VM_B, 9);
        tick(&e, 40);
        rrdd_wait_jobs(e.d);
        tick(&e, 40);
        CHECK(isnan(newest(&e, VM_B, "vif_0_rx")));
        tick(&e, 40);
        CHECK(newest(&e, VM_B, "vif_0_rx") == 40.0);
        env_stop(&e);
        mem_store_free(store);
}

static void test_source_failure(void) {
        MemStore *store = mem_store_new();
        Env e;

        CHECK(env_start(&e, store) == 0);
        add_vm(&e, VM_A, 1);
        tick(&e, 10);
        tick(&e, 10);
        /* A source that fails does not make its VMs look halted. */
        e.world.fail_sample = true;
        tick(&e, 10);
        tick(&e, 10);
        CHECK(vm(&e, VM_A) && vm(&e, VM_A)->state == ENTRY_LIVE);
        CHECK(rrdd_stats(e.d)->n_source_errors == 2);
        e.world.fail_sample = false;
        tick(&e, 10);
        CHECK(vm(&e, VM_A)->state == ENTRY_LIVE);
        env_stop(&e);
        mem_store_free(store);
}

static void test_schedule(void) {
        TickSchedule s;
        TickDue d;
        usec_t mono = 100 * USEC_PER_SEC;
        usec_t real = (usec_t) T0 * USEC_PER_SEC + 1234567; /* 1.23 s past a boundary */

        tick_schedule_init(&s, 5 * USEC_PER_SEC);
        /* The deadline is the next wall-clock multiple of 5 s. */
        CHECK(tick_schedule_deadline(&s, mono, real) == mono + 5 * USEC_PER_SEC - 1234567);
        CHECK(tick_schedule_due(&s, mono, real, &d) && d.tick_s == T0 && d.missed == 0);
        CHECK(!tick_schedule_due(&s, mono + 1000, real + 1000, &d)); /* same boundary */
        /* The next boundary, on time. */
        mono += 5 * USEC_PER_SEC - 1234567 + 300;
        real += 5 * USEC_PER_SEC - 1234567 + 300;
        CHECK(tick_schedule_due(&s, mono, real, &d) && d.tick_s == T0 + 5 && d.missed == 0);
        CHECK(d.step_usec == 0);
        /* An overrun of 12 s: two boundaries missed, counted, not queued. */
        mono += 17 * USEC_PER_SEC;
        real += 17 * USEC_PER_SEC;
        CHECK(tick_schedule_due(&s, mono, real, &d) && d.tick_s == T0 + 20 && d.missed == 2);
        CHECK(!tick_schedule_due(&s, mono + 10, real + 10, &d));
        CHECK(s.n_missed == 2);
        /* The wall clock steps back an hour: a tick, a clock step, no missed ticks. */
        mono += 5 * USEC_PER_SEC;
        real += 5 * USEC_PER_SEC - 3600 * USEC_PER_SEC;
        CHECK(tick_schedule_due(&s, mono, real, &d) && d.tick_s == T0 + 25 - 3600);
        CHECK(d.missed == 0 && d.step_usec == -3600 * (int64_t) USEC_PER_SEC);
        CHECK(s.n_clock_steps == 1);
        /* Started between boundaries: nothing is due until the next boundary, which then is. */
        TickSchedule fresh;
        usec_t m0 = 500 * USEC_PER_SEC, r0 = (usec_t) T0 * USEC_PER_SEC + 1200000;
        tick_schedule_init(&fresh, 5 * USEC_PER_SEC);
        tick_schedule_start(&fresh, m0, r0);
        CHECK(!tick_schedule_due(&fresh, m0 + 1000, r0 + 1000, &d)); /* an early wake-up */
        CHECK(!tick_schedule_due(&fresh, m0 + 3700000, r0 + 3700000, &d));
        CHECK(tick_schedule_due(&fresh, m0 + 3800100, r0 + 3800100, &d) && d.tick_s == T0 + 5 &&
              d.missed == 0);
        /* Drift-free: a thousand on-time ticks later, still on the boundaries. */
        for (int i = 0; i < 1000; i++) {
                usec_t dl = tick_schedule_deadline(&s, mono, real);
                real += dl - mono;
                mono = dl;
                if (!tick_schedule_due(&s, mono, real, &d) || real % (5 * USEC_PER_SEC) != 0)
                        break;
        }
        CHECK(real % (5 * USEC_PER_SEC) == 0 && s.n_missed == 2);
}

int main(void) {
        test_schedule();
        test_lifecycle();
        test_reboot();
        test_archive_failure();
        test_clock_steps();
        test_save_all_and_restart();
        test_source_failure();
        return TAP_DONE();
}
