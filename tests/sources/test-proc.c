/* SPDX-License-Identifier: MIT */
/*
 * The proc source on fixture trees: exact samples worked out by hand from the fixture files
 * (see the comments at each check), CPU fractions between consecutive samples, CPU hotplug,
 * physical-interface selection and the aggregate, and garbage or truncated files.
 * Argument: the fixtures directory.
 */

#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fixture-tree.h"
#include "rrdd/macro.h"
#include "sample-log.h"
#include "sources/proc-parse.h"
#include "sources/proc.h"
#include "sources/registry-list.h"
#include "tests/tap.h"

/* snprintf into an array, failing loudly rather than truncating. */
#define PATHF(buf, ...)                                                              \
        do {                                                                         \
                if ((size_t) snprintf(buf, sizeof(buf), __VA_ARGS__) >= sizeof(buf)) \
                        abort();                                                     \
        } while (0)

static const char *fixtures;
static char tmp_root[PATH_MAX];

typedef struct Tree {
        char root[PATH_MAX];
} Tree;

/* A writable copy of fixtures/<name> in a fresh temporary directory. */
static int tree_copy(Tree *t, const char *name) {
        char src[PATH_MAX];
        static unsigned n;

        PATHF(src, "%s/%s", fixtures, name);
        PATHF(t->root, "%s/tree%u", tmp_root, n++);
        return fixture_copy_tree(src, t->root);
}

static void tree_rewrite(const Tree *t, const char *rel, const char *text) {
        char p[PATH_MAX];

        PATHF(p, "%s/%s", t->root, rel);
        if (fixture_rewrite(p, text) < 0)
                TAP_DIAG("rewrite %s failed", p);
}

static void tree_rewrite_from(const Tree *t, const char *rel, const char *fixture_rel) {
        char p[PATH_MAX], s[PATH_MAX];

        PATHF(p, "%s/%s", t->root, rel);
        PATHF(s, "%s/%s", fixtures, fixture_rel);
        if (fixture_rewrite_from(p, s) < 0)
                TAP_DIAG("rewrite %s from %s failed", p, s);
}

static SrcInstance *open_proc(const char *root, int *ret_r) {
        SrcInstance *s = NULL;
        SrcConfig cfg = {.proc_root = root};

        if (src_instance_new(&s, &src_proc) < 0)
                return NULL;
        *ret_r = src_open(s, &cfg);
        return s;
}

static bool is_unknown(const SampleLog *l, const char *name) {
        const LoggedSample *e = sample_log_find(l, "", name);
        return e && e->s.value_type == SRC_VALUE_UNKNOWN;
}

static uint64_t u64_of(const SampleLog *l, const char *name) {
        const LoggedSample *e = sample_log_find(l, "", name);
        return e && e->s.value_type == SRC_VALUE_UINT64 ? e->s.value.u64 : UINT64_MAX;
}

static int64_t i64_of(const SampleLog *l, const char *name) {
        const LoggedSample *e = sample_log_find(l, "", name);
        return e && e->s.value_type == SRC_VALUE_INT64 ? e->s.value.i64 : -1;
}

static double d_of(const SampleLog *l, const char *name) {
        const LoggedSample *e = sample_log_find(l, "", name);
        return e && e->s.value_type == SRC_VALUE_DOUBLE ? e->s.value.d : (double) NAN;
}

/* The 2-CPU tree, first sample: everything but the CPU fractions is known at once. */
static void test_two_cpu_first_sample(void) {
        SampleLog log;
        SrcInstance *s;
        char root[PATH_MAX];
        int r;

        PATHF(root, "%s/proc-2cpu", fixtures);
        s = open_proc(root, &r);
        CHECKF(s && r == 0, "open: %d", r);
        sample_log_init(&log);
        r = src_sample(s, 1700000000 * USEC_PER_SEC, &log.sink);
        CHECKF(r == 0, "sample: %d", r);

        /* No previous reading: the fractions are unknown, but emitted so the DSs exist. */
        CHECK(is_unknown(&log, "cpu0"));
        CHECK(is_unknown(&log, "cpu1"));
        CHECK(is_unknown(&log, "cpu_avg"));
        CHECK(!sample_log_find(&log, "", "cpu2"));

        const LoggedSample *e = sample_log_find(&log, "", "cpu0");
        CHECK(e && e->s.kind == SRC_GAUGE && strcmp(e->s.units, "(fraction)") == 0 &&
              e->s.min == 0.0 && e->s.max == 1.0 && e->s.is_default &&
              e->s.owner.kind == SRC_OWNER_HOST && e->s.generation == 0);

        /* loadavg: the first field of "0.52 0.58 0.59 2/602 12345". */
        CHECK(d_of(&log, "loadavg") == 0.52);
        e = sample_log_find(&log, "", "loadavg");
        CHECK(e && e->s.kind == SRC_GAUGE && strcmp(e->s.units, "(fraction)") == 0);

        /* meminfo: MemTotal 16318480 kB; free is MemAvailable 9876540, not MemFree 1203400. */
        CHECK(i64_of(&log, "memory_total_kib") == 16318480);
        CHECK(i64_of(&log, "memory_free_kib") == 9876540);
        e = sample_log_find(&log, "", "memory_free_kib");
        CHECK(e && e->s.kind == SRC_GAUGE && strcmp(e->s.units, "KiB") == 0 && e->s.min == 0.0 &&
              e->s.is_default);

        /* Physical interfaces: eth0 (NIC), eth1 and eth2 (NICs in bond0), bond0 (bond). */
        CHECK(u64_of(&log, "pif_eth0_rx") == 5000000000u);
        CHECK(u64_of(&log, "pif_eth0_tx") == 2000000000u);
        CHECK(u64_of(&log, "pif_eth0_rx_errors") == 3);
        CHECK(u64_of(&log, "pif_eth0_tx_errors") == 1);
        CHECK(u64_of(&log, "pif_eth1_rx") == 700000 && u64_of(&log, "pif_eth1_tx") == 300000);
        CHECK(u64_of(&log, "pif_eth1_tx_errors") == 2);
        CHECK(u64_of(&log, "pif_eth2_rx") == 500000 && u64_of(&log, "pif_eth2_rx_errors") == 5);
        CHECK(u64_of(&log, "pif_bond0_rx") == 1200000 && u64_of(&log, "pif_bond0_tx") == 500000);
        e = sample_log_find(&log, "", "pif_eth0_rx");
        CHECK(e && e->s.kind == SRC_DERIVE && strcmp(e->s.units, "B/s") == 0 && e->s.min == 0.0 &&
              e->s.max == (double) INFINITY && e->s.is_default);
        e = sample_log_find(&log, "", "pif_eth0_rx_errors");
        CHECK(e && e->s.kind == SRC_DERIVE && strcmp(e->s.units, "err/s") == 0 && e->s.min == 0.0 &&
              !e->s.is_default);

        /* Not pifs: loopback, a bridge, a netback vif (it has a device link), a qemu tap, a
         * veth and a VLAN. */
        static const char *const not_pifs[] = {"lo",     "xenbr0", "vif1.0",
                                               "tap2.0", "veth0",  "eth0.100"};
        for (size_t i = 0; i < ELEMENTSOF(not_pifs); i++) {
                char name[64];
                PATHF(name, "pif_%s_rx", not_pifs[i]);
                CHECKF(!sample_log_find(&log, "", name), "%s reported", name);
        }

        /* Aggregate: eth0 + bond0, the bond members being counted by their bond.
         * rx 5000000000 + 1200000, tx 2000000000 + 500000. */
        CHECK(u64_of(&log, "pif_aggr_rx") == 5001200000u);
        CHECK(u64_of(&log, "pif_aggr_tx") == 2000500000u);

        /* Every name once: 2 cpus + avg, loadavg, 2 memory, 4 pifs x 4, 2 aggregates. */
        CHECK(log.n_samples == 3 + 1 + 2 + 16 + 2);
        for (size_t i = 0; i < log.n_samples; i++)
                CHECKF(sample_log_count_name(&log, "", log.samples[i].name) == 1, "%s repeated",
                       log.samples[i].name);

        sample_log_deinit(&log);
        src_instance_free(s);
}

/*
 * Second sample of the 2-CPU tree (fixtures/proc-2cpu-step2):
 *  cpu0 user +100, idle +280, iowait +20, guest +100 (already inside user): Δtotal 400,
 *       Δidle 300, busy 100/400 = 0.25;
 *  cpu1 user +200, system +50, irq +20, softirq +30, idle +80, iowait +20: Δtotal 400,
 *       Δidle 100, busy 300/400 = 0.75;
 *  cpu_avg (100 + 300) / (400 + 400) = 0.5.
 * net/dev: eth0 rx +1000 tx +500, bond0 rx +500 tx +150 ⇒ aggregate rx 5001201500,
 * tx 2000500650.
 */
static void test_two_cpu_consecutive(void) {
        SampleLog log;
        SrcInstance *s;
        Tree t;
        int r;

        CHECK(tree_copy(&t, "proc-2cpu") == 0);
        s = open_proc(t.root, &r);
        CHECK(s && r == 0);
        sample_log_init(&log);
        CHECK(src_sample(s, 1700000000 * USEC_PER_SEC, &log.sink) == 0);
        sample_log_clear(&log);

        tree_rewrite_from(&t, "proc/stat", "proc-2cpu-step2/stat");
        tree_rewrite_from(&t, "proc/net/dev", "proc-2cpu-step2/net-dev");
        CHECK(src_sample(s, 1700000005 * USEC_PER_SEC, &log.sink) == 0);
        CHECKF(d_of(&log, "cpu0") == 0.25, "cpu0 %g", d_of(&log, "cpu0"));
        CHECKF(d_of(&log, "cpu1") == 0.75, "cpu1 %g", d_of(&log, "cpu1"));
        CHECKF(d_of(&log, "cpu_avg") == 0.5, "cpu_avg %g", d_of(&log, "cpu_avg"));
        CHECK(u64_of(&log, "pif_eth0_rx") == 5000001000u);
        CHECK(u64_of(&log, "pif_eth0_rx_errors") == 4);
        CHECK(u64_of(&log, "pif_aggr_rx") == 5001201500u);
        CHECK(u64_of(&log, "pif_aggr_tx") == 2000500650u);

        /* Nothing changed: no jiffy went by, so no fraction can be given; the counters stay. */
        sample_log_clear(&log);
        CHECK(src_sample(s, 1700000010 * USEC_PER_SEC, &log.sink) == 0);
        CHECK(is_unknown(&log, "cpu0") && is_unknown(&log, "cpu_avg"));
        CHECK(u64_of(&log, "pif_aggr_rx") == 5001201500u);

        /*
         * eth0's driver reloads (counters restart: rx 700, tx 300) and a new NIC eth3 shows up
         * with rx 123456. The aggregate adds eth0's 700/300 since the reset and nothing for
         * eth3's first reading, so it never jumps; bond0 +100/+50.
         */
        char p[PATH_MAX];
        PATHF(p, "%s/sys/class/net/eth3", t.root);
        CHECK(mkdir(p, 0755) == 0);
        PATHF(p, "%s/sys/class/net/eth3/device", t.root);
        CHECK(mkdir(p, 0755) == 0);
        tree_rewrite(&t, "proc/net/dev",
                     "Inter-|   Receive |  Transmit\n"
                     " face |bytes packets errs drop fifo frame compressed multicast|bytes "
                     "packets errs drop fifo colls carrier compressed\n"
                     "  eth0: 700 1 0 0 0 0 0 0 300 1 0 0 0 0 0 0\n"
                     " bond0: 1200600 1 5 0 0 0 0 0 500300 1 2 0 0 0 0 0\n"
                     "  eth3: 123456 1 0 0 0 0 0 0 654321 1 0 0 0 0 0 0\n");
        sample_log_clear(&log);
        CHECK(src_sample(s, 1700000015 * USEC_PER_SEC, &log.sink) == 0);
        CHECK(u64_of(&log, "pif_eth3_rx") == 123456);
        CHECK(!sample_log_find(&log, "", "pif_eth1_rx")); /* gone from net/dev: not emitted */
        CHECKF(u64_of(&log, "pif_aggr_rx") == 5001201500u + 700 + 100, "aggr rx %" PRIu64,
               u64_of(&log, "pif_aggr_rx"));
        CHECK(u64_of(&log, "pif_aggr_tx") == 2000500650u + 300 + 150);

        /* eth3 now counts: +1000 rx. */
        tree_rewrite(&t, "proc/net/dev",
                     "  eth0: 800 1 0 0 0 0 0 0 300 1 0 0 0 0 0 0\n"
                     " bond0: 1200600 1 5 0 0 0 0 0 500300 1 2 0 0 0 0 0\n"
                     "  eth3: 124456 1 0 0 0 0 0 0 654321 1 0 0 0 0 0 0\n");
        sample_log_clear(&log);
        CHECK(src_sample(s, 1700000020 * USEC_PER_SEC, &log.sink) == 0);
        CHECK(u64_of(&log, "pif_aggr_rx") == 5001201500u + 700 + 100 + 100 + 1000);

        sample_log_deinit(&log);
        src_instance_free(s);
        (void) fixture_remove_tree(t.root);
}

/*
 * 64 possible CPUs, 13 and 42 offline; /proc/stat is over 4 KiB (a long intr line), so the
 * read buffer has to grow. Rule of the fixture: between the two files cpu k gains
 * 20 × (k mod 6) busy and 100 − 20 × (k mod 6) idle jiffies.
 */
static void test_many_cpus(void) {
        SampleLog log;
        SrcInstance *s;
        Tree t;
        uint64_t busy = 0, total = 0;
        size_t n_cpu = 0;
        bool all_right = true;
        int r;

        CHECK(tree_copy(&t, "proc-64cpu") == 0);
        s = open_proc(t.root, &r);
        CHECKF(s && r == 0, "open without meminfo, net/dev, loadavg or sys: %d", r);
        sample_log_init(&log);
        CHECK(src_sample(s, 1700000000 * USEC_PER_SEC, &log.sink) == 0);
        tree_rewrite_from(&t, "proc/stat", "proc-64cpu-step2/stat");
        sample_log_clear(&log);
        CHECK(src_sample(s, 1700000005 * USEC_PER_SEC, &log.sink) == 0);

        for (unsigned k = 0; k < 64; k++) {
                char name[16];
                PATHF(name, "cpu%u", k);
                if (k == 13 || k == 42) {
                        CHECKF(!sample_log_find(&log, "", name), "offline %s emitted", name);
                        continue;
                }
                double want = (double) (20 * (k % 6)) / 100.0;
                if (d_of(&log, name) != want) {
                        TAP_DIAG("%s = %g, want %g", name, d_of(&log, name), want);
                        all_right = false;
                }
                busy += 20 * (k % 6);
                total += 100;
                n_cpu++;
        }
        CHECK(all_right);
        CHECK(n_cpu == 62);
        CHECKF(fabs(d_of(&log, "cpu_avg") - (double) busy / (double) total) < 1e-15,
               "cpu_avg %g want %g", d_of(&log, "cpu_avg"), (double) busy / (double) total);
        /* Only CPU data: the other files are absent from this tree, which is not an error. */
        CHECK(log.n_samples == 62 + 1);

        sample_log_deinit(&log);
        src_instance_free(s);
        (void) fixture_remove_tree(t.root);
}

/* /proc/stat with the given CPUs, cpu k at step n: total 100n jiffies, busy (k+1) × 10n. */
static void write_hotplug_stat(const Tree *t, const unsigned *cpus, size_t n_cpus, unsigned step) {
        char text[4096];
        size_t len = 0;

        len += (size_t) snprintf(text + len, sizeof(text) - len, "cpu  1 1 1 1 0 0 0 0 0 0\n");
        for (size_t i = 0; i < n_cpus; i++) {
                unsigned k = cpus[i], b = (k + 1) * 10 * step;
                len += (size_t) snprintf(text + len, sizeof(text) - len,
                                         "cpu%u %u 0 0 %u 0 0 0 0 0 0\n", k, b, 100 * step - b);
        }
        tree_rewrite(t, "proc/stat", text);
}

/*
 * Hotplug: cpu2 goes offline and comes back, cpu4 appears. Each CPU has its own fraction
 * ((k + 1) / 10), so a value given to the wrong CPU shows.
 */
static void test_hotplug(void) {
        static const unsigned step1[] = {0, 1, 2, 3}, step2[] = {0, 1, 3},
                              step3[] = {0, 1, 2, 3, 4};
        SampleLog log;
        SrcInstance *s;
        Tree t;
        int r;

        CHECK(tree_copy(&t, "proc-2cpu") == 0);
        write_hotplug_stat(&t, step1, ELEMENTSOF(step1), 1);
        s = open_proc(t.root, &r);
        CHECK(s && r == 0);
        sample_log_init(&log);
        CHECK(src_sample(s, 5 * USEC_PER_SEC, &log.sink) == 0);

        write_hotplug_stat(&t, step2, ELEMENTSOF(step2), 2);
        sample_log_clear(&log);
        CHECK(src_sample(s, 10 * USEC_PER_SEC, &log.sink) == 0);
        CHECK(d_of(&log, "cpu0") == 0.1 && d_of(&log, "cpu1") == 0.2);
        CHECK(!sample_log_find(&log, "", "cpu2"));
        CHECKF(d_of(&log, "cpu3") == 0.4, "cpu3 %g", d_of(&log, "cpu3"));
        /* (10 + 20 + 40) / 300 */
        CHECK(fabs(d_of(&log, "cpu_avg") - 70.0 / 300.0) < 1e-15);

        write_hotplug_stat(&t, step3, ELEMENTSOF(step3), 3);
        sample_log_clear(&log);
        CHECK(src_sample(s, 15 * USEC_PER_SEC, &log.sink) == 0);
        CHECK(d_of(&log, "cpu3") == 0.4);
        CHECK(is_unknown(&log, "cpu2")); /* back online: one unknown reading */
        CHECK(is_unknown(&log, "cpu4")); /* new */

        write_hotplug_stat(&t, step3, ELEMENTSOF(step3), 4);
        sample_log_clear(&log);
        CHECK(src_sample(s, 20 * USEC_PER_SEC, &log.sink) == 0);
        CHECK(d_of(&log, "cpu2") == 0.3 && d_of(&log, "cpu4") == 0.5);
        CHECK(d_of(&log, "cpu_avg") == (10.0 + 20 + 30 + 40 + 50) / 500.0);

        /* A counter going backwards (not a real CPU) is unknown, never a negative fraction. */
        write_hotplug_stat(&t, step3, ELEMENTSOF(step3), 2);
        sample_log_clear(&log);
        CHECK(src_sample(s, 25 * USEC_PER_SEC, &log.sink) == 0);
        CHECK(is_unknown(&log, "cpu0") && is_unknown(&log, "cpu_avg"));

        sample_log_deinit(&log);
        src_instance_free(s);
        (void) fixture_remove_tree(t.root);
}

/* Garbage and truncated files: unknown values, an error code, never a wrong number. */
static void test_garbage(void) {
        SampleLog log;
        SrcInstance *s;
        Tree t;
        int r;

        CHECK(tree_copy(&t, "proc-2cpu") == 0);
        s = open_proc(t.root, &r);
        CHECK(s && r == 0);
        sample_log_init(&log);
        CHECK(src_sample(s, 5 * USEC_PER_SEC, &log.sink) == 0);

        /* /proc/stat is garbage: the CPUs known so far read unknown, the rest is unharmed. */
        tree_rewrite(&t, "proc/stat", "hello\nworld 1 2 3\ncpuX 1 2 3 4\ncpu0 1 2\n");
        sample_log_clear(&log);
        r = src_sample(s, 10 * USEC_PER_SEC, &log.sink);
        CHECKF(r == -EBADMSG, "garbage stat: %d", r);
        CHECK(is_unknown(&log, "cpu0") && is_unknown(&log, "cpu1") && is_unknown(&log, "cpu_avg"));
        CHECK(i64_of(&log, "memory_total_kib") == 16318480);
        CHECK(u64_of(&log, "pif_eth0_rx") == 5000000000u);

        /* A good file again: the delta runs from the last good reading (fixture step 2). */
        tree_rewrite_from(&t, "proc/stat", "proc-2cpu-step2/stat");
        sample_log_clear(&log);
        CHECK(src_sample(s, 15 * USEC_PER_SEC, &log.sink) == 0);
        CHECK(d_of(&log, "cpu0") == 0.25 && d_of(&log, "cpu1") == 0.75);

        /* Truncated in cpu1's line: cpu1 is dropped (not read as a smaller number). */
        tree_rewrite(&t, "proc/stat",
                     "cpu  3300 20 950 14360 340 150 180 0 300 0\n"
                     "cpu0 1200 20 300 8560 140 30 50 0 400 0\n"
                     "cpu1 2300 0 6");
        sample_log_clear(&log);
        CHECK(src_sample(s, 20 * USEC_PER_SEC, &log.sink) == 0);
        /* cpu0: Δbusy 100, Δidle 300 ⇒ 0.25 again; the average is cpu0's alone. */
        CHECK(d_of(&log, "cpu0") == 0.25 && !sample_log_find(&log, "", "cpu1"));
        CHECK(d_of(&log, "cpu_avg") == 0.25);

        /* meminfo truncated before MemAvailable: free is unknown, not MemFree in disguise. */
        tree_rewrite(&t, "proc/meminfo",
                     "MemTotal:       16318480 kB\nMemFree:         1203400 kB\nMemAvail");
        sample_log_clear(&log);
        CHECK(src_sample(s, 25 * USEC_PER_SEC, &log.sink) == 0);
        CHECK(i64_of(&log, "memory_total_kib") == 16318480);
        CHECK(is_unknown(&log, "memory_free_kib"));

        /* A kernel older than 3.14 has no MemAvailable: MemFree it is. */
        tree_rewrite(&t, "proc/meminfo", "MemTotal: 2048 kB\nMemFree: 1024 kB\nBuffers: 1 kB\n");
        sample_log_clear(&log);
        CHECK(src_sample(s, 30 * USEC_PER_SEC, &log.sink) == 0);
        CHECK(i64_of(&log, "memory_total_kib") == 2048 && i64_of(&log, "memory_free_kib") == 1024);

        /* Wrong unit, overflowing number, then nothing usable at all. */
        tree_rewrite(&t, "proc/meminfo",
                     "MemTotal: 2048 MB\nMemAvailable: 99999999999999999999999 kB\n");
        sample_log_clear(&log);
        r = src_sample(s, 35 * USEC_PER_SEC, &log.sink);
        CHECKF(r == -EBADMSG, "garbage meminfo: %d", r);
        CHECK(is_unknown(&log, "memory_total_kib") && is_unknown(&log, "memory_free_kib"));

        tree_rewrite(&t, "proc/meminfo", "MemTotal: 2048 kB\nMemAvailable: 512 kB\n");
        /* loadavg: garbage, empty, cut after "0.5", and what strtod would take but /proc never
         * writes. */
        static const char *const bad_loadavg[] = {"garbage\n", "",        "0.5",    "-1 0 0\n",
                                                  ".5 1\n",    "1e3 0\n", "nan 0\n"};
        for (size_t i = 0; i < ELEMENTSOF(bad_loadavg); i++) {
                tree_rewrite(&t, "proc/loadavg", bad_loadavg[i]);
                sample_log_clear(&log);
                r = src_sample(s, (40 + i) * USEC_PER_SEC, &log.sink);
                CHECKF(r == -EBADMSG && is_unknown(&log, "loadavg"), "loadavg \"%s\": %d",
                       bad_loadavg[i], r);
        }
        tree_rewrite(&t, "proc/loadavg", "12.25 3.00 1.00 1/1 1\n");
        sample_log_clear(&log);
        CHECK(src_sample(s, 50 * USEC_PER_SEC, &log.sink) == 0);
        CHECK(d_of(&log, "loadavg") == 12.25);

        /* net/dev with junk lines, a duplicate, a short line and an over-long name. */
        tree_rewrite(&t, "proc/net/dev",
                     "junk\n"
                     "  eth0: 5000002000 1 0 0 0 0 0 0 2000001000 1 0 0 0 0 0 0\n"
                     "  eth0: 1 1 1 1 1 1 1 1 1 1 1 1 1 1 1 1\n"
                     "  eth1: 1 2 3\n"
                     "averyveryverylongname: 1 1 1 1 1 1 1 1 1 1 1 1 1 1 1 1\n"
                     "  eth2: 500300 x 0 0 0 0 0 0 200100 1 0 0 0 0 0 0\n"
                     "   ../x: 1 1 1 1 1 1 1 1 1 1 1 1 1 1 1 1\n"
                     " bond0: 1200600 1 5 0 0 0 0 0 500300 1 2 0 0 0 0 0\n");
        sample_log_clear(&log);
        CHECK(src_sample(s, 55 * USEC_PER_SEC, &log.sink) == 0);
        CHECK(u64_of(&log, "pif_eth0_rx") == 5000002000u);
        CHECK(sample_log_count_name(&log, "", "pif_eth0_rx") == 1);
        CHECK(!sample_log_find(&log, "", "pif_eth1_rx") &&
              !sample_log_find(&log, "", "pif_eth2_rx"));
        CHECK(u64_of(&log, "pif_bond0_rx") == 1200600);
        /* First reading 5001200000; +2000 on eth0 and +600 on bond0 since. */
        CHECK(u64_of(&log, "pif_aggr_rx") == 5001200000u + 2000 + 600);

        /* Nothing usable: pifs seen last time and the aggregate read unknown. */
        tree_rewrite(&t, "proc/net/dev", "garbage: with a colon\n");
        sample_log_clear(&log);
        r = src_sample(s, 60 * USEC_PER_SEC, &log.sink);
        CHECK(r == -EBADMSG);
        CHECK(is_unknown(&log, "pif_eth0_rx") && is_unknown(&log, "pif_bond0_tx") &&
              is_unknown(&log, "pif_aggr_rx"));

        sample_log_deinit(&log);
        src_instance_free(s);
        (void) fixture_remove_tree(t.root);
}

/*
 * A NIC that joins a bond after start is noticed by the periodic reclassification (every 60
 * samples) and leaves the aggregate, which from then on grows only by the bond's traffic.
 */
static void test_reclassify(void) {
        SampleLog log;
        SrcInstance *s;
        Tree t;
        char p[PATH_MAX];
        uint64_t aggr;
        bool all_ok = true;
        int r;

        CHECK(tree_copy(&t, "proc-2cpu") == 0);
        s = open_proc(t.root, &r);
        CHECK(s && r == 0);
        sample_log_init(&log);
        CHECK(src_sample(s, 5 * USEC_PER_SEC, &log.sink) == 0);
        aggr = u64_of(&log, "pif_aggr_rx");
        PATHF(p, "%s/sys/class/net/eth0/bonding_slave", t.root);
        CHECK(mkdir(p, 0755) == 0);
        for (unsigned i = 2; i <= 60; i++) {
                sample_log_clear(&log);
                if (src_sample(s, i * 5 * USEC_PER_SEC, &log.sink) != 0)
                        all_ok = false;
        }
        CHECK(all_ok);
        /* eth0 +1000, bond0 +500 rx: only the bond's 500 count now. */
        tree_rewrite_from(&t, "proc/net/dev", "proc-2cpu-step2/net-dev");
        sample_log_clear(&log);
        CHECK(src_sample(s, 61 * 5 * USEC_PER_SEC, &log.sink) == 0);
        CHECKF(u64_of(&log, "pif_aggr_rx") == aggr + 500, "aggr %" PRIu64 " want %" PRIu64,
               u64_of(&log, "pif_aggr_rx"), aggr + 500);
        CHECK(u64_of(&log, "pif_eth0_rx") == 5000001000u); /* still reported */

        sample_log_deinit(&log);
        src_instance_free(s);
        (void) fixture_remove_tree(t.root);
}

/* This machine's own /proc, whatever it holds: plausible values, nothing malformed. */
static void test_real_proc(void) {
        SampleLog log;
        SrcInstance *s;
        int r;

        if (access("/proc/stat", R_OK) < 0) {
                TAP_DIAG("no /proc here, skipping the real /proc check");
                return;
        }
        s = open_proc("/", &r);
        CHECK(s && r == 0);
        sample_log_init(&log);
        CHECK(src_sample(s, 5 * USEC_PER_SEC, &log.sink) == 0);
        /* Let some jiffies pass so the fractions are defined. */
        (void) usleep(50 * 1000);
        sample_log_clear(&log);
        CHECK(src_sample(s, 10 * USEC_PER_SEC, &log.sink) == 0);
        CHECK(sample_log_find(&log, "", "cpu0") != NULL);
        double avg = d_of(&log, "cpu_avg");
        CHECKF(isnan(avg) || (avg >= 0 && avg <= 1), "cpu_avg %g", avg);
        CHECK(i64_of(&log, "memory_total_kib") > 0);
        CHECK(i64_of(&log, "memory_free_kib") >= 0 &&
              i64_of(&log, "memory_free_kib") <= i64_of(&log, "memory_total_kib"));
        CHECK(d_of(&log, "loadavg") >= 0);
        CHECK(sample_log_find(&log, "", "pif_aggr_rx") != NULL);
        sample_log_deinit(&log);
        src_instance_free(s);
}

static void test_open(void) {
        SrcInstance *s;
        Tree t;
        char p[PATH_MAX];
        int r;

        /* No /proc/stat: not a Linux /proc, the source is absent (not an error to log). */
        CHECK(tree_copy(&t, "proc-2cpu") == 0);
        PATHF(p, "%s/proc/stat", t.root);
        CHECK(unlink(p) == 0);
        s = open_proc(t.root, &r);
        CHECKF(r == -ENODEV, "open without stat: %d", r);
        src_instance_free(s);
        (void) fixture_remove_tree(t.root);

        PATHF(p, "%s/does-not-exist", tmp_root);
        s = open_proc(p, &r);
        CHECKF(r == -ENOENT, "open missing root: %d", r);
        src_instance_free(s);

        CHECK(src_find("proc") == &src_proc);
}

/* The pif rule on its own, on the fixture's sysfs tree. */
static void test_classify(void) {
        char p[PATH_MAX];
        int fd;

        PATHF(p, "%s/proc-2cpu/sys/class/net", fixtures);
        fd = open(p, O_PATH | O_DIRECTORY | O_CLOEXEC);
        CHECK(fd >= 0);
        CHECK(proc_pif_classify(fd, "eth0") == PROC_PIF);
        CHECK(proc_pif_classify(fd, "bond0") == PROC_PIF);
        CHECK(proc_pif_classify(fd, "eth1") == PROC_PIF_BOND_MEMBER);
        CHECK(proc_pif_classify(fd, "vif1.0") == PROC_PIF_NONE);
        CHECK(proc_pif_classify(fd, "xenbr0") == PROC_PIF_NONE);
        CHECK(proc_pif_classify(fd, "tap2.0") == PROC_PIF_NONE);
        CHECK(proc_pif_classify(fd, "lo") == PROC_PIF_NONE);
        CHECK(proc_pif_classify(fd, "nosuch") == PROC_PIF_NONE);
        CHECK(proc_pif_classify(-1, "eth0") == PROC_PIF_NONE);
        (void) close(fd);
}

/* With the xen source open, host cpu and memory are the hypervisor's: proc leaves them out. */
static void test_host_from_xen(void) {
        SampleLog log;
        SrcInstance *s = NULL;
        char root[PATH_MAX];
        SrcConfig cfg = {.host_from_xen = true};
        int r;

        PATHF(root, "%s/proc-2cpu", fixtures);
        cfg.proc_root = root;
        CHECK(src_instance_new(&s, &src_proc) == 0 && src_open(s, &cfg) == 0);
        for (int i = 0; i < 2; i++) {
                sample_log_init(&log);
                r = src_sample(s, (1700000000 + 5 * (usec_t) i) * USEC_PER_SEC, &log.sink);
                CHECK(r == 0);
                CHECK(!sample_log_find(&log, "", "cpu0") && !sample_log_find(&log, "", "cpu_avg"));
                CHECK(!sample_log_find(&log, "", "memory_total_kib") &&
                      !sample_log_find(&log, "", "memory_free_kib"));
                CHECK(d_of(&log, "loadavg") == 0.52);
                CHECK(sample_log_find(&log, "", "pif_eth0_rx") != NULL);
                sample_log_deinit(&log);
        }
        src_instance_free(s);
}

int main(int argc, char **argv) {
        if (argc < 2) {
                fprintf(stderr, "usage: %s FIXTURES-DIR\n", argv[0]);
                return 2;
        }
        fixtures = argv[1];
        PATHF(tmp_root, "/tmp/rrdd-test-proc-XXXXXX");
        if (!mkdtemp(tmp_root)) {
                perror("mkdtemp");
                return 2;
        }

        test_two_cpu_first_sample();
        test_host_from_xen();
        test_two_cpu_consecutive();
        test_many_cpus();
        test_hotplug();
        test_garbage();
        test_reclassify();
        test_real_proc();
        test_open();
        test_classify();

        (void) fixture_remove_tree(tmp_root);
        return TAP_DONE();
}
