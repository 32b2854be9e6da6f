/* SPDX-License-Identifier: MIT */
/*
 * The xen source against the Xen test double: every scenario in xen-scenarios/ is stepped
 * through and the samples and announcements of each step are compared with values worked out
 * by hand in the comments below. Argument: the directory holding xen-scenarios/. The double
 * writes dom0's proc/net/dev and proc/meminfo into a temporary directory, the source's
 * proc_root.
 */

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "rrdd/macro.h"
#include "sources/registry-list.h"
#include "tests/sources/xen-double/xen-double.h"
#include "tests/tap.h"

/* The registry for this test binary: the xen source alone. */
const SrcOps *const src_registry[] = {&src_xen, NULL};

#define A_UUID "11111111-2222-3333-4444-555555555555"
#define MAX_EVENTS 1024

typedef struct Event {
        bool is_announce;
        SrcOwner owner;
        uint64_t generation;
        char name[64];
        char units[32];
        SrcKind kind;
        SrcValueType value_type;
        double value; /* NaN when unknown */
        double min, max;
        bool is_default;
} Event;

static Event events[MAX_EVENTS];
static size_t n_events;
static unsigned n_order_errors; /* samples of a VM not announced before them */
static const char *dir;
static char proc_root[] = "/tmp/test-xen.XXXXXX";

static int record(SrcSink *sink, const SrcSample *s) {
        Event *e;

        if (n_events >= MAX_EVENTS)
                return -ENOBUFS;
        e = &events[n_events++];
        *e = (Event){.owner = s->owner,
                     .generation = s->generation,
                     .kind = s->kind,
                     .value_type = s->value_type,
                     .min = s->min,
                     .max = s->max,
                     .is_default = s->is_default};
        (void) snprintf(e->name, sizeof(e->name), "%s", s->name);
        (void) snprintf(e->units, sizeof(e->units), "%s", s->units ? s->units : "");
        switch (s->value_type) {
        case SRC_VALUE_INT64:
                e->value = (double) s->value.i64;
                break;
        case SRC_VALUE_UINT64:
                e->value = (double) s->value.u64;
                break;
        case SRC_VALUE_DOUBLE:
                e->value = s->value.d;
                break;
        default:
                e->value = (double) NAN;
        }
        if (s->owner.kind == SRC_OWNER_VM) {
                bool found = false;
                for (size_t i = 0; i + 1 < n_events; i++)
                        if (events[i].is_announce &&
                            strcmp(events[i].owner.uuid, s->owner.uuid) == 0 &&
                            events[i].generation == s->generation)
                                found = true;
                if (!found)
                        n_order_errors++;
        }
        return 0;
}

static int announce(SrcSink *sink, const SrcOwner *owner, uint64_t generation) {
        if (n_events >= MAX_EVENTS)
                return -ENOBUFS;
        events[n_events++] =
                (Event){.is_announce = true, .owner = *owner, .generation = generation};
        return 0;
}

static SrcSink sink = {.emit = record, .announce = announce};

/* The sample of owner (NULL: host) called name in the current step, or NULL. */
static const Event *find(const char *uuid, const char *name) {
        const Event *found = NULL;
        unsigned n = 0;

        for (size_t i = 0; i < n_events; i++) {
                const Event *e = &events[i];
                if (e->is_announce || strcmp(e->name, name) != 0)
                        continue;
                if (uuid ? (e->owner.kind != SRC_OWNER_VM || strcmp(e->owner.uuid, uuid) != 0)
                         : e->owner.kind != SRC_OWNER_HOST)
                        continue;
                found = e;
                n++;
        }
        return n == 1 ? found : NULL; /* a name twice for one owner is a failure too */
}

static unsigned n_announced(const char *uuid) {
        unsigned n = 0;

        for (size_t i = 0; i < n_events; i++)
                if (events[i].is_announce && strcmp(events[i].owner.uuid, uuid) == 0)
                        n++;
        return n;
}

static unsigned n_announces(void) {
        unsigned n = 0;

        for (size_t i = 0; i < n_events; i++)
                n += events[i].is_announce;
        return n;
}

/* The generation a VM was announced with, or -1. */
static int64_t generation(const char *uuid) {
        for (size_t i = 0; i < n_events; i++)
                if (events[i].is_announce && strcmp(events[i].owner.uuid, uuid) == 0)
                        return (int64_t) events[i].generation;
        return -1;
}

static void expect(const char *uuid, const char *name, double want, double tol) {
        const Event *e = find(uuid, name);

        CHECKF(e && !isnan(e->value) && fabs(e->value - want) <= tol,
               "%s %s: want %.10g got %s%.10g", uuid ? uuid : "host", name, want,
               e ? "" : "(absent) ", e ? e->value : (double) NAN);
}

static void expect_unknown(const char *uuid, const char *name) {
        const Event *e = find(uuid, name);

        CHECKF(e && e->value_type == SRC_VALUE_UNKNOWN && isnan(e->value),
               "%s %s: want unknown, got %s%g", uuid ? uuid : "host", name, e ? "" : "(absent) ",
               e ? e->value : (double) NAN);
}

static void expect_absent(const char *uuid, const char *name) {
        CHECKF(!find(uuid, name), "%s %s: want absent", uuid ? uuid : "host", name);
}

static void expect_meta(const char *uuid, const char *name, SrcKind kind, const char *units,
                        double min, double max, bool is_default) {
        const Event *e = find(uuid, name);

        CHECKF(e && e->kind == kind && strcmp(e->units, units) == 0 && e->min == min &&
                       e->max == max && e->is_default == is_default,
               "%s %s: type/units/min/max/default", uuid ? uuid : "host", name);
}

/* No busy fraction may ever leave [0, 1]: it would be archived as unknown. */
static void expect_fractions_in_range(void) {
        unsigned bad = 0;

        for (size_t i = 0; i < n_events; i++) {
                const Event *e = &events[i];
                if (!e->is_announce && strcmp(e->units, "(fraction)") == 0 &&
                    strcmp(e->name, "hostload") != 0 && !isnan(e->value) &&
                    (e->value < 0 || e->value > 1))
                        bad++;
        }
        CHECKF(bad == 0, "%u fractions outside [0, 1]", bad);
}

typedef struct Run {
        SrcInstance *inst;
        SrcConfig cfg;
} Run;

static void load(const char *scenario) {
        char path[4096];
        int r;

        (void) snprintf(path, sizeof(path), "%s/xen-scenarios/%s", dir, scenario);
        r = xen_double_load_file(path);
        CHECKF(r == 0, "load %s: %s", scenario, xen_double_error());
}

/* Applies the next step and samples; returns what sample() returned. */
static int step(Run *run) {
        int r = xen_double_step();

        CHECKF(r == 1, "scenario step: %d %s", r, xen_double_error());
        n_events = 0;
        n_order_errors = 0;
        r = src_sample(run->inst, 0, &sink);
        CHECKF(n_order_errors == 0, "%u samples before their owner's announcement", n_order_errors);
        expect_fractions_in_range();
        return r;
}

static int open_run(Run *run) {
        int r;

        run->cfg = (SrcConfig){.proc_root = proc_root};
        r = src_instance_new(&run->inst, src_find("xen"));
        if (r < 0)
                return r;
        return src_open(run->inst, &run->cfg);
}

static void close_run(Run *run) {
        run->inst = src_instance_free(run->inst);
        CHECKF(xen_double_open_handles() == 0, "%u Xen handles left open",
               xen_double_open_handles());
}

static void test_basic(void) {
        Run run = {};

        load("basic.scn");
        CHECK(xen_double_step() == 1);
        CHECK(open_run(&run) == 0);
        n_events = 0;
        CHECK(src_sample(run.inst, 0, &sink) == 0);
        expect_fractions_in_range();

        /* Step 1: first readings. No CPU fraction is known yet. */
        expect_unknown(NULL, "cpu0");
        expect_unknown(NULL, "cpu1");
        expect_unknown(NULL, "cpu_avg");
        expect_absent(NULL, "cpu2");
        expect(NULL, "memory_total_kib", 2097152.0 * 4, 0); /* pages × 4 KiB */
        expect(NULL, "memory_free_kib", 524288.0 * 4, 0);
        /* dom0's vCPU and domain 1's vCPU 0 run; vCPU 1 is blocked. */
        expect(NULL, "running_vcpus", 2, 0);
        expect(NULL, "running_domains", 2, 0);
        expect(NULL, "hostload", 2.0 / 2, 0);
        /* dom0's handle is all zeros: skipped, not announced. */
        CHECK(n_announced("00000000-0000-0000-0000-000000000000") == 0);
        CHECK(n_announces() == 1);
        CHECK(generation(A_UUID) == 1);
        expect_unknown(A_UUID, "cpu0");
        expect_unknown(A_UUID, "cpu1");
        expect_unknown(A_UUID, "cpu_usage");
        expect(A_UUID, "memory", 262144.0 * 4096, 0);
        expect(A_UUID, "memory_target", 1048576.0 * 1024, 0);
        expect(A_UUID, "memory_internal_free", 524288, 0);
        /* Guest's view: dom0 sent 2000 bytes to the guest, which is what the guest received. */
        expect(A_UUID, "vif_0_rx", 2000, 0);
        expect(A_UUID, "vif_0_tx", 1000, 0);
        expect(A_UUID, "vif_0_rx_errors", 4, 0);
        expect(A_UUID, "vif_0_tx_errors", 3, 0);
        expect(A_UUID, "vbd_xvda_read", 100.0 * 512, 0);
        expect(A_UUID, "vbd_xvda_write", 200.0 * 512, 0);
        expect_unknown(A_UUID, "vbd_xvda_iops_read");
        expect_unknown(A_UUID, "vbd_xvda_iops_write");
        expect_unknown(A_UUID, "vbd_xvda_iops_total");
        expect_absent(A_UUID, "vbd_xvda_latency");
        expect_absent(A_UUID, "vbd_xvda_inflight");

        /* Types, units and limits, as xcp-rrdd has them. */
        expect_meta(NULL, "cpu0", SRC_GAUGE, "(fraction)", 0, 1, true);
        expect_meta(NULL, "memory_total_kib", SRC_GAUGE, "KiB", 0, HUGE_VAL, true);
        expect_meta(NULL, "running_vcpus", SRC_GAUGE, "count", 0, HUGE_VAL, true);
        expect_meta(NULL, "hostload", SRC_GAUGE, "(fraction)", 0, HUGE_VAL, true);
        expect_meta(A_UUID, "cpu_usage", SRC_GAUGE, "(fraction)", 0, 1, true);
        expect_meta(A_UUID, "memory", SRC_GAUGE, "B", 0, HUGE_VAL, true);
        expect_meta(A_UUID, "memory_target", SRC_GAUGE, "B", 0, HUGE_VAL, true);
        expect_meta(A_UUID, "memory_internal_free", SRC_GAUGE, "KiB", 0, HUGE_VAL, true);
        expect_meta(A_UUID, "vif_0_rx", SRC_DERIVE, "B/s", 0, HUGE_VAL, true);
        expect_meta(A_UUID, "vif_0_rx_errors", SRC_DERIVE, "err/s", 0, HUGE_VAL, false);
        expect_meta(A_UUID, "vbd_xvda_read", SRC_DERIVE, "B/s", 0, HUGE_VAL, true);
        expect_meta(A_UUID, "vbd_xvda_iops_total", SRC_ABSOLUTE, "requests/s", 0, HUGE_VAL, true);
        /* Every VM sample carries the domid as its generation. */
        const Event *e = find(A_UUID, "memory");
        CHECK(e && e->generation == 1);

        /* Step 2, 5 s later. pCPU 0 idled 4 of 5 s: busy 0.2; pCPU 1 idled 5 s: busy 0. */
        CHECK(step(&run) == 0);
        expect(NULL, "cpu0", 0.2, 1e-12);
        expect(NULL, "cpu1", 0.0, 0);
        expect(NULL, "cpu_avg", 0.1, 1e-12);
        expect(NULL, "running_vcpus", 3, 0);
        expect(NULL, "hostload", 1.5, 0);
        /* vCPU 0 ran 2.5 of 5 s, vCPU 1 all 5 s; together 7.5 s of 2 × 5 s. */
        expect(A_UUID, "cpu0", 0.5, 1e-12);
        expect(A_UUID, "cpu1", 1.0, 0);
        expect(A_UUID, "cpu_usage", 0.75, 1e-12);
        expect(A_UUID, "memory_target", 786432.0 * 1024, 0);
        expect(A_UUID, "vif_0_rx", 12000, 0);
        expect(A_UUID, "vif_0_tx", 6000, 0);
        expect(A_UUID, "vbd_xvda_read", 140.0 * 512, 0);
        expect(A_UUID, "vbd_xvda_write", 300.0 * 512, 0);
        expect(A_UUID, "vbd_xvda_iops_read", 5, 0);   /* 15 - 10 */
        expect(A_UUID, "vbd_xvda_iops_write", 7, 0);  /* 27 - 20 */
        expect(A_UUID, "vbd_xvda_iops_total", 12, 0); /* 5 + 7 */

        /* Step 3: pCPU 0 never idle: 1. pCPU 1 idle 5.002 s in 5 s: clamped, busy 0 and not
         * -0.0004. vCPU 0 ran 5.001 s in 5 s: clamped to 1; cpu_usage 5.001 s / 10 s. */
        CHECK(step(&run) == 0);
        expect(NULL, "cpu0", 1.0, 0);
        expect(NULL, "cpu1", 0.0, 0);
        expect(NULL, "cpu_avg", 0.5, 0);
        expect(A_UUID, "cpu0", 1.0, 0);
        expect(A_UUID, "cpu1", 0.0, 0);
        expect(A_UUID, "cpu_usage", 0.5001, 1e-12);
        expect_absent(A_UUID, "memory_target"); /* removed from xenstore */
        expect(A_UUID, "vbd_xvda_iops_read", 0, 0);
        expect(A_UUID, "vbd_xvda_iops_total", 0, 0);

        CHECK(xen_double_step() == 0);
        close_run(&run);
}

static void test_lifecycle(void) {
        Run run = {};
        const char *a = "aaaaaaaa-0000-0000-0000-00000000000a";
        const char *b = "bbbbbbbb-0000-0000-0000-00000000000b";
        const char *c = "cccccccc-0000-0000-0000-00000000000c";

        load("lifecycle.scn");
        CHECK(xen_double_step() == 1);
        CHECK(open_run(&run) == 0);
        n_events = 0;
        CHECK(src_sample(run.inst, 0, &sink) == 0);
        CHECK(generation(a) == 1);
        CHECK(generation(b) == 2);
        CHECK(n_announces() == 2);

        /* Step 2: domain 3 appears, domain 2 vanishes mid-sample (skipped, not fatal). */
        CHECK(step(&run) == 0);
        CHECK(generation(a) == 1);
        CHECK(generation(c) == 3);
        CHECK(n_announced(b) == 0);
        expect_absent(b, "cpu0");
        expect_absent(b, "memory");
        expect_absent(b, "vif_0_rx");  /* still in /proc/net/dev, but its domain is gone */
        expect(a, "cpu0", 0.4, 1e-12); /* 2 s of 5 s */
        expect_unknown(c, "cpu0");
        expect_unknown(c, "cpu1");
        expect_unknown(c, "cpu_usage");
        expect(NULL, "running_domains", 3, 0); /* dom0, 1, 3 */
        expect(NULL, "running_vcpus", 4, 0);   /* 1 + 1 + 2 */
        expect(NULL, "hostload", 1.0, 0);      /* 4 of 4 pCPUs */

        /* Step 3: VM a rebooted as domain 4: new generation, counters start again. Domain 3
         * is paused: CPU values still come, memory values do not (CA-34383). */
        CHECK(step(&run) == 0);
        CHECK(generation(a) == 4);
        CHECK(n_announced(a) == 1);
        expect_unknown(a, "cpu0");
        expect_unknown(a, "cpu_usage");
        expect(a, "memory", 65536.0 * 4096, 0);
        CHECK(generation(c) == 3);
        expect(c, "cpu0", 0.2, 1e-12); /* 1 s of 5 s */
        expect(c, "cpu1", 0.0, 0);
        expect(c, "cpu_usage", 0.1, 1e-12); /* 1 s of 2 × 5 s */
        expect_absent(c, "memory");
        expect_absent(c, "memory_target");
        expect_absent(c, "memory_internal_free");
        expect(NULL, "running_domains", 2, 0); /* dom0 and 4; 3 is paused */
        /* xcp-rrdd counts vCPUs online and not blocked, paused or not: 1 + 1 + 2. */
        expect(NULL, "running_vcpus", 4, 0);

        /* Step 4: migration suffixes. */
        CHECK(step(&run) == 0);
        CHECK(generation("eeeeeeee-0000-0000-0000-00000000000e") == 5); /* origin-uuid */
        CHECK(n_announced("dddddddd-0000-0000-0000-000000000000") == 0);
        CHECK(generation("12345678-0000-0000-0000-00000000000f") == 6); /* final-uuid */
        CHECK(n_announced("ffffffff-0000-0000-0000-000000000001") == 0);
        /* No origin-uuid in xenstore: the handle's own uuid stands. */
        CHECK(generation("77777777-0000-0000-0000-000000000000") == 7);
        CHECK(n_announced("deadbeef-dead-beef-0000-000000000008") == 0);
        /* Domain 9 maps onto VM a (upper case in xenstore), which domain 4 holds: one owner,
         * one generation. */
        CHECK(n_announced(a) == 1);
        CHECK(generation(a) == 4);
        CHECK(n_announced("99999999-0000-0000-0000-000000000000") == 0);
        /* A final-uuid that is not a uuid: the handle's own uuid. */
        CHECK(generation("10101010-0000-0000-0000-000000000001") == 10);
        CHECK(n_announces() == 6); /* a, c, e.., 1234.., 7777.., 1010.. */
        const Event *e = find("eeeeeeee-0000-0000-0000-00000000000e", "cpu_usage");
        CHECK(e && e->generation == 5);

        /* Step 5: domain 4 gone; domain 9 is now the one for VM a. */
        CHECK(step(&run) == 0);
        CHECK(generation(a) == 9);
        CHECK(n_announced(a) == 1);

        close_run(&run);
}

static void test_failures(void) {
        Run run = {};
        const char *u = "11111111-0000-0000-0000-00000000abcd";

        load("failures.scn");
        CHECK(xen_double_step() == 1);
        CHECK(open_run(&run) == 0);
        CHECK(src_sample(run.inst, 0, &sink) == 0);

        /* 2: physinfo fails: -EIO, nothing emitted, nothing announced. */
        CHECK(step(&run) == -EIO);
        CHECK(n_events == 0);

        /* 3: deltas over the 10 s since step 1. pCPU 0 idle 5 of 10 s, pCPU 1 idle 10 s. */
        CHECK(step(&run) == 0);
        expect(NULL, "cpu0", 0.5, 1e-12);
        expect(NULL, "cpu1", 0.0, 0);
        expect(NULL, "cpu_avg", 0.25, 1e-12);
        expect(u, "cpu0", 0.5, 1e-12);
        expect(u, "cpu_usage", 0.5, 1e-12);

        /* 4: the pCPU read fails: no cpuN, the rest is there. */
        CHECK(step(&run) == 0);
        expect_absent(NULL, "cpu0");
        expect_absent(NULL, "cpu_avg");
        expect(NULL, "memory_total_kib", 1048576.0 * 4, 0);
        CHECK(generation(u) == 1);
        expect(u, "cpu0", 0.0, 0);

        /* 5: pCPU deltas start again. 6: fully busy (idle did not move). */
        CHECK(step(&run) == 0);
        expect_unknown(NULL, "cpu0");
        expect_unknown(NULL, "cpu_avg");
        CHECK(step(&run) == 0);
        expect(NULL, "cpu0", 1.0, 0);
        expect(NULL, "cpu1", 1.0, 0);

        /* 7: libxenstat fails: no VBD, the domain is still announced with its CPU and VIF. */
        CHECK(step(&run) == 0);
        CHECK(generation(u) == 1);
        expect_absent(u, "vbd_xvda_read");
        expect(u, "vif_0_rx", 2, 0);
        expect(u, "cpu0", 0.0, 0);
        expect(u, "memory_target", 4096.0 * 1024, 0);

        /* 8: xenstore fails: no memory_target nor memory_internal_free. */
        CHECK(step(&run) == 0);
        expect_absent(u, "memory_target");
        expect_absent(u, "memory_internal_free");
        expect(u, "memory", 1024.0 * 4096, 0);
        expect(u, "vif_0_rx", 2, 0);
        expect(u, "vbd_xvda_read", 0, 0); /* no xenstore name: decoded from 202:0 */

        /* 9: vCPU reads fail: no cpuN, cpu_usage from the domain list: 2.5 s of 5 s. */
        CHECK(step(&run) == 0);
        CHECK(generation(u) == 1);
        expect_absent(u, "cpu0");
        expect(u, "cpu_usage", 0.5, 1e-12);
        expect(NULL, "running_vcpus", 0, 0);

        /* 10: ESRCH, but the domain is still listed: not vanished, only no cpuN. */
        CHECK(step(&run) == 0);
        CHECK(generation(u) == 1);
        expect_absent(u, "cpu0");
        expect(u, "cpu_usage", 0.0, 0);

        /* 11: vCPU deltas start again. */
        CHECK(step(&run) == 0);
        expect_unknown(u, "cpu0");
        expect(u, "cpu_usage", 0.0, 0);

        /* 11b: ESRCH and the re-check fails too: the domain stays, without cpuN. */
        CHECK(step(&run) == 0);
        CHECK(generation(u) == 1);
        expect_absent(u, "cpu0");
        expect(u, "cpu_usage", 0.0, 0);
        expect(NULL, "running_domains", 2, 0);

        /* 12: the domain list fails: the tick fails. */
        CHECK(step(&run) == -EIO);
        CHECK(n_events == 0);

        close_run(&run);
}

static void test_devices(void) {
        Run run = {};
        const char *u = "33333333-0000-0000-0000-00000000abcd";
        unsigned reads;

        load("devices.scn");
        CHECK(xen_double_step() == 1);
        CHECK(open_run(&run) == 0);
        n_events = 0;
        CHECK(src_sample(run.inst, 0, &sink) == 0);
        expect_absent(u, "memory_target");          /* "12x" */
        expect(u, "memory_internal_free", 2048, 0); /* "2048\n" */
        expect(u, "vbd_xvdb_read", 0, 0);           /* 202:16, no xenstore name */
        expect(u, "vbd_xvdaa_read", 0, 0);          /* 1<<28 | 26<<8 */
        expect(u, "vbd_hdc_read", 0, 0);            /* xenstore's name wins over hda */
        expect_absent(u, "vbd_hda_read");
        expect(u, "vbd_sdb1_read", 0, 0); /* xenstore's "bad/name" refused */
        expect(u, "vbd_12345678_read", 0, 0);
        /* vif3.0 plus tap3.0, swapped to the guest's view. */
        expect(u, "vif_0_rx", 2000 + 200, 0);
        expect(u, "vif_0_tx", 1000 + 100, 0);
        expect(u, "vif_0_rx_errors", 2 + 20, 0);
        expect(u, "vif_0_tx_errors", 1 + 10, 0);
        expect(u, "vif_1_rx", 6, 0);
        expect(u, "vif_1_tx", 5, 0);
        expect_absent(u, "vif_2_rx");

        /* Step 2: vCPU 2 hot-plugged, VBD xvdb unreadable, hdc unplugged. */
        CHECK(step(&run) == 0);
        expect(u, "cpu0", 1.0, 0);
        expect(u, "cpu1", 0.0, 0);
        expect_unknown(u, "cpu2");
        expect_unknown(u, "vbd_xvdb_read");
        expect_unknown(u, "vbd_xvdb_iops_read");
        expect_absent(u, "vbd_hdc_read");
        expect(u, "vif_0_rx", 2000, 0); /* tap3.0 gone */

        /* Step 3: vCPU 0's time went backwards: unknown, and so is cpu_usage. xvdb readable
         * again, but its deltas start afresh; hdc re-plugged likewise. */
        CHECK(step(&run) == 0);
        expect_unknown(u, "cpu0");
        expect(u, "cpu2", 0.0, 0);
        expect_unknown(u, "cpu_usage");
        expect_unknown(u, "vbd_xvdb_iops_read");
        expect(u, "vbd_xvdb_read", 0, 0);
        expect_unknown(u, "vbd_hdc_iops_read");
        expect_absent(u, "vif_1_rx");
        expect(u, "vif_0_tx", 1000, 0);

        /* Step 4: 12 - 9 requests. */
        CHECK(step(&run) == 0);
        expect(u, "vbd_xvdb_iops_read", 3, 0);
        expect(u, "vbd_hdc_iops_read", 0, 0);
        expect(u, "cpu0", 0.0, 0);

        /* Step 5: VBD names are read once: a steady tick reads only memory/target and
         * data/meminfo_free. */
        reads = xen_double_calls(XEN_DOUBLE_XS_READ);
        CHECK(step(&run) == 0);
        CHECKF(xen_double_calls(XEN_DOUBLE_XS_READ) - reads == 2, "%u xenstore reads",
               xen_double_calls(XEN_DOUBLE_XS_READ) - reads);
        close_run(&run);
}

static void test_dom0(void) {
        Run run = {};
        const char *u = "d0d0d0d0-0000-0000-0000-0000000000d0";

        load("dom0.scn");
        CHECK(xen_double_step() == 1);
        CHECK(open_run(&run) == 0);
        n_events = 0;
        CHECK(src_sample(run.inst, 0, &sink) == 0);
        CHECK(generation(u) == 0);
        expect(u, "memory", 500.0 * 4096, 0);
        expect(u, "memory_target", 2000.0 * 1024, 0);
        /* MemAvailable of dom0's own proc/meminfo, not xenstore's 999. */
        expect(u, "memory_internal_free", 372204, 0);
        expect_unknown(u, "cpu0");
        close_run(&run);
}

static void test_absent(void) {
        Run run = {};

        load("absent.scn");
        /* No hypervisor: -ENODEV, the "not on this host" answer. */
        CHECK(xen_double_step() == 1);
        CHECK(open_run(&run) == -ENODEV);
        close_run(&run);
        /* A domU: physinfo refused. */
        CHECK(xen_double_step() == 1);
        CHECK(open_run(&run) == -ENODEV);
        close_run(&run);
        /* Any other failure is an error. */
        CHECK(xen_double_step() == 1);
        CHECK(open_run(&run) == -EIO);
        close_run(&run);
        /* No xenstored: it runs, with what libxenctrl alone gives. */
        CHECK(xen_double_step() == 1);
        CHECK(open_run(&run) == 0);
        n_events = 0;
        CHECK(src_sample(run.inst, 0, &sink) == 0);
        CHECK(generation("11111111-0000-0000-0000-00000000abcd") == 1);
        expect("11111111-0000-0000-0000-00000000abcd", "memory", 10.0 * 4096, 0);
        expect_absent("11111111-0000-0000-0000-00000000abcd", "memory_target");
        expect_absent("11111111-0000-0000-0000-00000000abcd", "vbd_xvda_read");
        expect("11111111-0000-0000-0000-00000000abcd", "vif_0_rx", 2, 0);
        close_run(&run);
}

static void test_scenario_errors(void) {
        static const struct {
                const char *text;
                const char *want;
        } bad[] = {
                {"domain 1 uuid=xyz\nsample at=1\n", "line 1: 'xyz' is not a uuid"},
                {"host pcpus=2\n", "no 'sample' line"},
                {"host pcpus=2 pcpus=3\nsample at=1\n", "line 1: 'pcpus' given twice"},
                {"frobnicate\nsample at=1\n", "line 1: unknown command 'frobnicate'"},
                {"sample at=1\nhost pcpus=1\n", "the last step has no 'sample' line"},
                {"sample\n", "line 1: sample needs at=USEC"},
                {"domain 1 paused=2\nsample at=1\n", "line 1: 'paused' must be 0 or 1"},
                {"xs /a \"unterminated\nsample at=1\n", "line 1: unterminated quoted value"},
                {"fail xc_frob EIO\nsample at=1\n", "line 1: 'xc_frob' cannot be made to fail"},
        };

        for (size_t i = 0; i < ELEMENTSOF(bad); i++) {
                int r = xen_double_load(bad[i].text, strlen(bad[i].text));
                CHECKF(r == -EINVAL && strstr(xen_double_error(), bad[i].want),
                       "scenario %zu: got %d '%s'", i, r, xen_double_error());
        }
        /* Semantic errors show when the step is applied. */
        const char *t = "vcpu 4 0 time=1\nsample at=1\n";
        CHECK(xen_double_load(t, strlen(t)) == 0);
        CHECK(xen_double_step() == -EINVAL);
        CHECK(strstr(xen_double_error(), "line 1: no such domain") != NULL);
}

static void remove_proc_root(void) {
        char path[4096];

        (void) snprintf(path, sizeof(path), "%s/proc/net/dev", proc_root);
        (void) unlink(path);
        (void) snprintf(path, sizeof(path), "%s/proc/meminfo", proc_root);
        (void) unlink(path);
        (void) snprintf(path, sizeof(path), "%s/proc/net", proc_root);
        (void) rmdir(path);
        (void) snprintf(path, sizeof(path), "%s/proc", proc_root);
        (void) rmdir(path);
        (void) rmdir(proc_root);
}

int main(int argc, char **argv) {
        dir = argc > 1 ? argv[1] : ".";
        if (!mkdtemp(proc_root) || xen_double_set_proc_root(proc_root) < 0) {
                printf("Bail out! cannot make %s\n", proc_root);
                return 1;
        }

        CHECK(src_find("xen") == &src_xen);
        test_basic();
        test_lifecycle();
        test_failures();
        test_devices();
        test_dom0();
        test_absent();
        test_scenario_errors();
        xen_double_reset();
        (void) xen_double_set_proc_root(NULL);
        remove_proc_root();
        return TAP_DONE();
}
