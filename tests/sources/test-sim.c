/* SPDX-License-Identifier: MIT */
/*
 * The sim source: data-source names, types and units (xcp-rrdd's, listed here independently),
 * determinism, realistic ranges, continuity across instances (migration), the file-driven
 * lifecycle between two directories, and the announce calls.
 */

#include <fcntl.h>
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
#include "sources/registry-list.h"
#include "sources/sim-model.h"
#include "sources/sim.h"
#include "tests/tap.h"

/* snprintf into an array, failing loudly rather than truncating. */
#define PATHF(buf, ...)                                                              \
        do {                                                                         \
                if ((size_t) snprintf(buf, sizeof(buf), __VA_ARGS__) >= sizeof(buf)) \
                        abort();                                                     \
        } while (0)

#define T0 (UINT64_C(1700000000) * USEC_PER_SEC)
#define TICK (5 * USEC_PER_SEC)

static char tmp_root[PATH_MAX];

/* What each simulated VM must report, from the xcp-rrdd tables (cpu, netdev, squeezed, iostat). */
static const struct {
        const char *name;
        SrcKind kind;
        SrcValueType value_type;
        const char *units;
        double max;
        bool is_default;
} expected_ds[] = {
        {"cpu0", SRC_GAUGE, SRC_VALUE_DOUBLE, "(fraction)", 1.0, true},
        {"cpu1", SRC_GAUGE, SRC_VALUE_DOUBLE, "(fraction)", 1.0, true},
        {"cpu_usage", SRC_GAUGE, SRC_VALUE_DOUBLE, "(fraction)", 1.0, true},
        {"memory", SRC_GAUGE, SRC_VALUE_INT64, "B", (double) INFINITY, true},
        {"memory_target", SRC_GAUGE, SRC_VALUE_INT64, "B", (double) INFINITY, true},
        {"memory_internal_free", SRC_GAUGE, SRC_VALUE_INT64, "KiB", (double) INFINITY, true},
        {"vif_0_rx", SRC_DERIVE, SRC_VALUE_UINT64, "B/s", (double) INFINITY, true},
        {"vif_0_tx", SRC_DERIVE, SRC_VALUE_UINT64, "B/s", (double) INFINITY, true},
        {"vif_1_rx", SRC_DERIVE, SRC_VALUE_UINT64, "B/s", (double) INFINITY, true},
        {"vif_1_tx", SRC_DERIVE, SRC_VALUE_UINT64, "B/s", (double) INFINITY, true},
        {"vbd_xvda_read", SRC_DERIVE, SRC_VALUE_UINT64, "B/s", (double) INFINITY, true},
        {"vbd_xvda_write", SRC_DERIVE, SRC_VALUE_UINT64, "B/s", (double) INFINITY, true},
        {"vbd_xvdb_read", SRC_DERIVE, SRC_VALUE_UINT64, "B/s", (double) INFINITY, true},
        {"vbd_xvdb_write", SRC_DERIVE, SRC_VALUE_UINT64, "B/s", (double) INFINITY, true},
        {"vbd_xvda_iops_read", SRC_ABSOLUTE, SRC_VALUE_INT64, "requests/s", (double) INFINITY,
         true},
        {"vbd_xvda_iops_write", SRC_ABSOLUTE, SRC_VALUE_INT64, "requests/s", (double) INFINITY,
         true},
        {"vbd_xvda_iops_total", SRC_ABSOLUTE, SRC_VALUE_INT64, "requests/s", (double) INFINITY,
         true},
        {"vbd_xvdb_iops_read", SRC_ABSOLUTE, SRC_VALUE_INT64, "requests/s", (double) INFINITY,
         true},
        {"vbd_xvdb_iops_write", SRC_ABSOLUTE, SRC_VALUE_INT64, "requests/s", (double) INFINITY,
         true},
        {"vbd_xvdb_iops_total", SRC_ABSOLUTE, SRC_VALUE_INT64, "requests/s", (double) INFINITY,
         true},
        {"vif_0_rx_errors", SRC_DERIVE, SRC_VALUE_UINT64, "err/s", (double) INFINITY, false},
        {"vif_0_tx_errors", SRC_DERIVE, SRC_VALUE_UINT64, "err/s", (double) INFINITY, false},
        {"vif_1_rx_errors", SRC_DERIVE, SRC_VALUE_UINT64, "err/s", (double) INFINITY, false},
        {"vif_1_tx_errors", SRC_DERIVE, SRC_VALUE_UINT64, "err/s", (double) INFINITY, false},
};
#define N_DS ELEMENTSOF(expected_ds)
/* Positions in expected_ds[]. */
enum {
        DS_CPU0 = 0,
        DS_CPU1 = 1,
        DS_CPU_USAGE = 2,
        DS_MEMORY = 3,
        DS_MEMORY_TARGET = 4,
        DS_MEMORY_INTERNAL_FREE = 5,
        DS_VIF0_RX = 6,
        DS_XVDA_IOPS_READ = 14,
        DS_VIF0_RX_ERRORS = 20,
};

static SrcInstance *open_sim(const char *dir, unsigned count, uint64_t seed, int *ret_r) {
        SrcInstance *s = NULL;
        SrcConfig cfg = {.sim_dir = dir, .sim_count = count, .seed = seed};

        if (src_instance_new(&s, &src_sim) < 0)
                return NULL;
        *ret_r = src_open(s, &cfg);
        return s;
}

static uint64_t u64_of(const SampleLog *l, const char *uuid, const char *name) {
        const LoggedSample *e = sample_log_find(l, uuid, name);
        return e && e->s.value_type == SRC_VALUE_UINT64 ? e->s.value.u64 : UINT64_MAX;
}

/* Whether the log's announced owners are exactly `uuids` (in any order). */
static bool announced_exactly(const SampleLog *l, const char *const *uuids, size_t n) {
        if (l->n_announces != n)
                return false;
        for (size_t i = 0; i < n; i++)
                if (!sample_log_find_announce(l, uuids[i]))
                        return false;
        return true;
}

static bool is_lower_hex(char c) {
        return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f');
}

static void test_uuids(void) {
        char a[SRC_UUID_LEN + 1], b[SRC_UUID_LEN + 1];
        char seen[100][SRC_UUID_LEN + 1];
        bool ok = true;

        for (unsigned i = 0; i < 100; i++) {
                sim_vm_uuid(42, i, seen[i]);
                /* 8-4-4-4-12 lowercase hex, version 4, RFC 4122 variant */
                for (size_t k = 0; k < SRC_UUID_LEN; k++)
                        if ((k == 8 || k == 13 || k == 18 || k == 23) ? seen[i][k] != '-'
                                                                      : !is_lower_hex(seen[i][k]))
                                ok = false;
                if (strlen(seen[i]) != SRC_UUID_LEN || seen[i][14] != '4' ||
                    !strchr("89ab", seen[i][19]))
                        ok = false;
                for (unsigned j = 0; j < i; j++)
                        if (strcmp(seen[i], seen[j]) == 0)
                                ok = false;
        }
        CHECK(ok);
        sim_vm_uuid(42, 7, a);
        CHECK(strcmp(a, seen[7]) == 0);
        sim_vm_uuid(43, 7, b);
        CHECK(strcmp(a, b) != 0);

        CHECK(sim_uuid_is_canonical(a));
        CHECK(!sim_uuid_is_canonical("01234567-89AB-cdef-0123-456789abcdef"));
        CHECK(!sim_uuid_is_canonical("01234567-89ab-cdef-0123-456789abcdef0"));
        CHECK(!sim_uuid_is_canonical("01234567-89ab-cdef-0123-456789abcde"));
        CHECK(!sim_uuid_is_canonical("0123456789ab-cdef-0123-456789abcdef-"));
        CHECK(sim_uuid_is_canonical("01234567-89ab-cdef-0123-456789abcdef"));
}

/* One sample of 3 in-memory VMs: the names, metadata, generations and announce order. */
static void test_in_memory(void) {
        char uuids[3][SRC_UUID_LEN + 1];
        const char *ptrs[3];
        SampleLog log;
        SrcInstance *s;
        bool meta_ok = true, order_ok = true;
        size_t n_default = 0;
        int r;

        s = open_sim(NULL, 3, 42, &r);
        CHECK(s && r == 0);
        sample_log_init(&log);
        CHECK(src_sample(s, T0, &log.sink) == 0);
        for (unsigned i = 0; i < 3; i++) {
                sim_vm_uuid(42, i, uuids[i]);
                ptrs[i] = uuids[i];
        }
        CHECK(announced_exactly(&log, ptrs, 3));
        for (unsigned i = 0; i < 3; i++) {
                const LoggedAnnounce *a = sample_log_find_announce(&log, uuids[i]);
                CHECKF(a && a->owner.kind == SRC_OWNER_VM && a->generation == i + 1,
                       "vm %u generation", i);
        }
        CHECK(log.n_samples == 3 * N_DS);

        for (unsigned i = 0; i < 3; i++)
                for (size_t d = 0; d < N_DS; d++) {
                        const LoggedSample *e =
                                sample_log_find(&log, uuids[i], expected_ds[d].name);
                        if (!e || sample_log_count_name(&log, uuids[i], expected_ds[d].name) != 1 ||
                            e->s.kind != expected_ds[d].kind ||
                            strcmp(e->s.units, expected_ds[d].units) != 0 || e->s.min != 0.0 ||
                            e->s.max != expected_ds[d].max ||
                            e->s.is_default != expected_ds[d].is_default ||
                            e->s.owner.kind != SRC_OWNER_VM || e->s.generation != i + 1 ||
                            !e->s.description || !strstr(e->s.description, "Simulated")) {
                                TAP_DIAG("vm %u ds %s metadata", i, expected_ds[d].name);
                                meta_ok = false;
                        }
                        /* iops are per-tick differences: unknown on the first sample only */
                        if (e && e->s.value_type != (e->s.kind == SRC_ABSOLUTE
                                                             ? SRC_VALUE_UNKNOWN
                                                             : expected_ds[d].value_type)) {
                                TAP_DIAG("vm %u ds %s value type", i, expected_ds[d].name);
                                meta_ok = false;
                        }
                        if (i == 0 && expected_ds[d].is_default)
                                n_default++;
                }
        CHECK(meta_ok);
        CHECK(n_default == 20);

        /* Every sample follows the announcement of its own VM, with no other in between. */
        for (size_t k = 0; k < log.n_samples; k++) {
                const LoggedAnnounce *last = NULL;
                for (size_t a = 0; a < log.n_announces; a++)
                        if (log.announces[a].seq < log.samples[k].seq)
                                last = &log.announces[a];
                if (!last || strcmp(last->owner.uuid, log.samples[k].s.owner.uuid) != 0)
                        order_ok = false;
        }
        CHECK(order_ok);

        /* Announced again on every sample. */
        sample_log_clear(&log);
        CHECK(src_sample(s, T0 + TICK, &log.sink) == 0);
        CHECK(announced_exactly(&log, ptrs, 3));
        CHECK(sample_log_find(&log, uuids[0], "vbd_xvda_iops_read")->s.value_type ==
              SRC_VALUE_INT64);

        sample_log_deinit(&log);
        src_instance_free(s);
        CHECK(src_find("sim") == &src_sim);
}

static bool same_sample(const LoggedSample *a, const LoggedSample *b) {
        return strcmp(a->name, b->name) == 0 && strcmp(a->s.owner.uuid, b->s.owner.uuid) == 0 &&
               a->s.value_type == b->s.value_type && a->s.generation == b->s.generation &&
               memcmp(&a->s.value, &b->s.value, sizeof(a->s.value)) == 0;
}

/* Two instances with the same seed agree exactly; another seed gives another fleet. */
static void test_determinism(void) {
        SampleLog la, lb, lc;
        SrcInstance *a, *b, *c;
        bool same = true, differs = false;
        int ra, rb, rc;

        a = open_sim(NULL, 10, 1234, &ra);
        b = open_sim(NULL, 10, 1234, &rb);
        c = open_sim(NULL, 10, 1235, &rc);
        CHECK(ra == 0 && rb == 0 && rc == 0);
        sample_log_init(&la);
        sample_log_init(&lb);
        sample_log_init(&lc);
        for (unsigned k = 0; k < 20; k++) {
                /* Irregular times, as a daemon that missed ticks would sample. */
                usec_t t = T0 + k * TICK + (k % 3) * 1234567;
                sample_log_clear(&la);
                sample_log_clear(&lb);
                sample_log_clear(&lc);
                CHECK(src_sample(a, t, &la.sink) == 0 && src_sample(b, t, &lb.sink) == 0 &&
                      src_sample(c, t, &lc.sink) == 0);
                if (la.n_samples != lb.n_samples || la.n_samples != 10 * N_DS)
                        same = false;
                for (size_t i = 0; same && i < la.n_samples; i++)
                        same = same_sample(&la.samples[i], &lb.samples[i]);
                for (size_t i = 0; i < la.n_samples && i < lc.n_samples; i++)
                        if (strcmp(la.samples[i].s.owner.uuid, lc.samples[i].s.owner.uuid) != 0)
                                differs = true;
        }
        CHECK(same);
        CHECK(differs);
        sample_log_deinit(&la);
        sample_log_deinit(&lb);
        sample_log_deinit(&lc);
        src_instance_free(a);
        src_instance_free(b);
        src_instance_free(c);
}

typedef struct VmTrack {
        char uuid[SRC_UUID_LEN + 1];
        uint64_t last[N_DS];
        double rate_min, rate_max; /* vif_0_rx B/s between ticks */
} VmTrack;

/* 50 VMs over 300 ticks: values within their ranges, counters monotonic, rates that move. */
static void test_ranges(void) {
        enum { N_VMS = 50, N_TICKS = 300 };
        static VmTrack vms[N_VMS];
        SampleLog log;
        SrcInstance *s;
        bool fractions_ok = true, mean_ok = true, memory_ok = true, monotonic_ok = true,
             iops_ok = true, errors_ok = true, sample_ok = true;
        unsigned n_moving = 0, n_sizes = 0;
        double sum_usage = 0;
        uint64_t sizes[N_VMS];
        int r;

        s = open_sim(NULL, N_VMS, 99, &r);
        CHECK(s && r == 0);
        for (unsigned v = 0; v < N_VMS; v++) {
                sim_vm_uuid(99, v, vms[v].uuid);
                vms[v].rate_min = (double) INFINITY;
                vms[v].rate_max = 0;
        }
        sample_log_init(&log);
        for (unsigned k = 0; k < N_TICKS; k++) {
                sample_log_clear(&log);
                if (src_sample(s, T0 + k * TICK, &log.sink) != 0)
                        sample_ok = false;
                /* One pass over the log into a table: [vm][ds] as in expected_ds[]. */
                static const LoggedSample *tab[N_VMS][N_DS];
                memset(tab, 0, sizeof(tab));
                for (size_t i = 0; i < log.n_samples; i++) {
                        const LoggedSample *e = &log.samples[i];
                        for (unsigned v = 0; v < N_VMS; v++)
                                if (strcmp(e->s.owner.uuid, vms[v].uuid) == 0)
                                        for (size_t d = 0; d < N_DS; d++)
                                                if (strcmp(e->name, expected_ds[d].name) == 0)
                                                        tab[v][d] = e;
                }
                for (unsigned v = 0; v < N_VMS; v++) {
                        VmTrack *vm = &vms[v];
                        double val[N_DS];

                        for (size_t d = 0; d < N_DS; d++) {
                                const LoggedSample *e = tab[v][d];
                                val[d] = (double) NAN;
                                if (!e) {
                                        sample_ok = false;
                                        continue;
                                }
                                if (e->s.value_type == SRC_VALUE_DOUBLE)
                                        val[d] = e->s.value.d;
                                else if (e->s.value_type == SRC_VALUE_INT64)
                                        val[d] = (double) e->s.value.i64;
                                else if (e->s.value_type == SRC_VALUE_UINT64) {
                                        val[d] = (double) e->s.value.u64;
                                        if (k > 0 && e->s.value.u64 < vm->last[d])
                                                monotonic_ok = false;
                                        if (k > 0 && d == DS_VIF0_RX) {
                                                double rate =
                                                        (double) (e->s.value.u64 - vm->last[d]) / 5;
                                                vm->rate_min = fmin(vm->rate_min, rate);
                                                vm->rate_max = fmax(vm->rate_max, rate);
                                        }
                                        vm->last[d] = e->s.value.u64;
                                }
                        }
                        double c0 = val[DS_CPU0], c1 = val[DS_CPU1], cu = val[DS_CPU_USAGE];
                        double mem = val[DS_MEMORY], target = val[DS_MEMORY_TARGET];
                        double free_kib = val[DS_MEMORY_INTERNAL_FREE];

                        if (!(c0 >= 0 && c0 <= 1 && c1 >= 0 && c1 <= 1 && cu >= 0 && cu <= 1))
                                fractions_ok = false;
                        if (fabs(cu - (c0 + c1) / 2) > 1e-15)
                                mean_ok = false;
                        sum_usage += cu;
                        if (!(mem == target && mem >= 256.0 * 1024 * 1024 &&
                              fmod(mem, 1024.0 * 1024) == 0 && free_kib > 0 &&
                              free_kib <= mem / 1024))
                                memory_ok = false;
                        if (k == 0)
                                sizes[v] = (uint64_t) mem;
                        /* Errors are rare: at most one per 64 MiB of traffic. */
                        if (vm->last[DS_VIF0_RX_ERRORS] > vm->last[DS_VIF0_RX] / (64u << 20))
                                errors_ok = false;
                        for (unsigned b = 0; b < 2; b++) {
                                double rd = val[DS_XVDA_IOPS_READ + 3 * b];
                                double wr = val[DS_XVDA_IOPS_READ + 3 * b + 1];
                                double tot = val[DS_XVDA_IOPS_READ + 3 * b + 2];
                                if (k == 0 ? !(isnan(rd) && isnan(wr) && isnan(tot))
                                           : !(rd >= 0 && wr >= 0 && tot == rd + wr))
                                        iops_ok = false;
                        }
                }
        }
        CHECK(sample_ok);
        CHECK(fractions_ok);
        CHECK(mean_ok);
        CHECK(memory_ok);
        CHECK(monotonic_ok);
        CHECK(iops_ok);
        CHECK(errors_ok);
        for (unsigned v = 0; v < N_VMS; v++)
                if (vms[v].rate_max > 1.1 * vms[v].rate_min)
                        n_moving++;
        CHECKF(n_moving >= N_VMS * 9 / 10, "%u of %u VMs with a varying vif_0_rx rate", n_moving,
               N_VMS);
        /* A fleet, not clones: several memory sizes and a plausible mean CPU load. */
        for (unsigned v = 0; v < N_VMS; v++) {
                bool dup = false;
                for (unsigned w = 0; w < v; w++)
                        dup = dup || sizes[w] == sizes[v];
                n_sizes += !dup;
        }
        CHECK(n_sizes >= 3);
        sum_usage /= (double) N_VMS * N_TICKS;
        CHECKF(sum_usage > 0.02 && sum_usage < 0.5, "mean cpu_usage %g", sum_usage);

        sample_log_deinit(&log);
        src_instance_free(s);
}

/*
 * The model's counters and gauges agree: the counter's advance over a tick, divided by the
 * tick, is the curve's window average; counters never step back, second by second.
 */
static void test_model(void) {
        bool monotonic = true, consistent = true, bounded = true;
        char uuid[SRC_UUID_LEN + 1];
        SimVmModel m;

        for (unsigned v = 0; v < 5; v++) {
                sim_vm_uuid(5, v, uuid);
                sim_vm_model_init(&m, 5, uuid);
                for (unsigned w = 0; w < 2; w++) {
                        const SimCurve *c = &m.vbd[0][w];
                        uint64_t prev = sim_curve_counter(c, T0);
                        for (usec_t t = T0 + USEC_PER_SEC; t <= T0 + 7200 * USEC_PER_SEC;
                             t += USEC_PER_SEC) {
                                uint64_t now = sim_curve_counter(c, t);
                                if (now < prev)
                                        monotonic = false;
                                prev = now;
                        }
                        for (usec_t t = T0; t < T0 + 3600 * USEC_PER_SEC; t += 37 * USEC_PER_SEC) {
                                double avg = sim_curve_window_average(c, t + TICK, TICK);
                                double from_counter = (double) (sim_curve_counter(c, t + TICK) -
                                                                sim_curve_counter(c, t)) /
                                                      5.0;
                                /* the counters are floored: one unit of slack per end */
                                if (fabs(avg - from_counter) > 2.0 / 5.0 + 1e-9 * avg)
                                        consistent = false;
                                if (avg < 0.1 * c->base - 1e-9 || avg > 1.9 * c->base + 1e-9)
                                        bounded = false;
                        }
                }
                /* cpu fractions: within [0, 1] even at the start of time */
                if (!(sim_vm_cpu_fraction(&m, 0, 0) >= 0 && sim_vm_cpu_fraction(&m, 1, 0) <= 1))
                        bounded = false;
        }
        CHECK(monotonic);
        CHECK(consistent);
        CHECK(bounded);
}

/*
 * A VM that moves to another daemon carries on: a fresh instance sampling at t gives exactly
 * what the long-running one gives at t (the iops excepted, which need a previous tick).
 */
static void test_continuity(void) {
        SampleLog la, lb;
        SrcInstance *a, *b;
        bool same = true;
        int ra, rb;

        a = open_sim(NULL, 5, 77, &ra);
        CHECK(a && ra == 0);
        sample_log_init(&la);
        sample_log_init(&lb);
        for (unsigned k = 0; k <= 10; k++) {
                sample_log_clear(&la);
                CHECK(src_sample(a, T0 + k * TICK, &la.sink) == 0);
        }
        b = open_sim(NULL, 5, 77, &rb);
        CHECK(b && rb == 0);
        CHECK(src_sample(b, T0 + 10 * TICK, &lb.sink) == 0);
        CHECK(la.n_samples == lb.n_samples);
        for (size_t i = 0; i < la.n_samples && i < lb.n_samples; i++) {
                if (la.samples[i].s.kind == SRC_ABSOLUTE)
                        same = same && lb.samples[i].s.value_type == SRC_VALUE_UNKNOWN;
                else
                        same = same && same_sample(&la.samples[i], &lb.samples[i]);
        }
        CHECK(same);
        sample_log_deinit(&la);
        sample_log_deinit(&lb);
        src_instance_free(a);
        src_instance_free(b);
}

static void path_of(char *buf, size_t size, const char *dir, const char *name) {
        if ((size_t) snprintf(buf, size, "%s/%s", dir, name) >= size)
                abort();
}

static bool file_has(const char *path, const char *text) {
        char buf[256] = {};
        int fd = open(path, O_RDONLY | O_CLOEXEC);
        ssize_t n;

        if (fd < 0)
                return false;
        n = read(fd, buf, sizeof(buf) - 1);
        (void) close(fd);
        return n > 0 && strstr(buf, text);
}

/* Start, halt, migrate, reboot and rubbish, through files in two directories. */
static void test_lifecycle(void) {
        char dir_a[PATH_MAX], dir_b[PATH_MAX], p[PATH_MAX], q[PATH_MAX];
        char u[4][SRC_UUID_LEN + 1], u_dir[SRC_UUID_LEN + 1], u_link[SRC_UUID_LEN + 1],
                u_bad[SRC_UUID_LEN + 1], upper[SRC_UUID_LEN + 1];
        const char *foreign = "01234567-89ab-cdef-0123-456789abcdef";
        SampleLog la, lb;
        SrcInstance *a, *b;
        uint64_t rx_before;
        int r;

        PATHF(dir_a, "%s/a", tmp_root);
        PATHF(dir_b, "%s/b", tmp_root);
        for (unsigned i = 0; i < 4; i++)
                sim_vm_uuid(7, i, u[i]);
        sim_vm_uuid(7, 50, u_dir);
        sim_vm_uuid(7, 51, u_link);
        sim_vm_uuid(7, 60, u_bad);
        sample_log_init(&la);
        sample_log_init(&lb);

        /* A missing directory is created and, being empty, filled with sim_count VMs. */
        a = open_sim(dir_a, 3, 7, &r);
        CHECKF(a && r == 0, "open a: %d", r);
        for (unsigned i = 0; i < 3; i++) {
                char want[32];
                path_of(p, sizeof(p), dir_a, u[i]);
                PATHF(want, "domid=%u\n", i + 1);
                CHECKF(file_has(p, want), "%s has %s", p, want);
                PATHF(want, "sim-vm-%u", i);
                CHECK(file_has(p, want));
        }
        path_of(p, sizeof(p), dir_a, u[3]);
        CHECK(access(p, F_OK) < 0);
        CHECK(src_sample(a, T0, &la.sink) == 0);
        CHECK(announced_exactly(&la, (const char *[]){u[0], u[1], u[2]}, 3));
        CHECK(sample_log_find_announce(&la, u[1])->generation == 2);
        rx_before = u64_of(&la, u[1], "vif_0_rx");

        /* An empty directory with sim_count 0 runs nothing. */
        CHECK(mkdir(dir_b, 0755) == 0);
        b = open_sim(dir_b, 0, 7, &r);
        CHECK(b && r == 0);
        CHECK(src_sample(b, T0, &lb.sink) == 0 && lb.n_announces == 0 && lb.n_samples == 0);

        /* Migrate u1 from a to b. */
        path_of(p, sizeof(p), dir_a, u[1]);
        path_of(q, sizeof(q), dir_b, u[1]);
        CHECK(rename(p, q) == 0);
        sample_log_clear(&la);
        sample_log_clear(&lb);
        CHECK(src_sample(a, T0 + TICK, &la.sink) == 0);
        CHECK(src_sample(b, T0 + TICK, &lb.sink) == 0);
        CHECK(announced_exactly(&la, (const char *[]){u[0], u[2]}, 2));
        CHECK(announced_exactly(&lb, (const char *[]){u[1]}, 1));
        CHECK(sample_log_find_announce(&lb, u[1])->generation == 2);
        CHECK(!sample_log_find(&la, u[1], "vif_0_rx"));
        {
                /* b continues a's counter, with exactly the value the model gives */
                SimVmModel m;
                uint64_t rx_after = u64_of(&lb, u[1], "vif_0_rx");
                sim_vm_model_init(&m, 7, u[1]);
                CHECK(rx_after == sim_vm_vif_bytes(&m, 0, false, T0 + TICK));
                CHECK(rx_after >= rx_before);
        }

        /* Halt u0. */
        path_of(p, sizeof(p), dir_a, u[0]);
        CHECK(unlink(p) == 0);
        sample_log_clear(&la);
        CHECK(src_sample(a, T0 + 2 * TICK, &la.sink) == 0);
        CHECK(announced_exactly(&la, (const char *[]){u[2]}, 1));
        CHECK(la.n_samples == N_DS);

        /* Reboot u2: its file rewritten in place with a new domid, then replaced by rename. */
        path_of(p, sizeof(p), dir_a, u[2]);
        CHECK(fixture_rewrite(p, "domid=17\n") == 0);
        sample_log_clear(&la);
        CHECK(src_sample(a, T0 + 3 * TICK, &la.sink) == 0);
        CHECK(sample_log_find_announce(&la, u[2]) &&
              sample_log_find_announce(&la, u[2])->generation == 17);
        CHECK(sample_log_find(&la, u[2], "cpu0")->s.generation == 17);
        path_of(q, sizeof(q), dir_a, ".next");
        CHECK(fixture_write_new(q, "name=x\ndomid=18\n") == 0);
        CHECK(rename(q, p) == 0);
        sample_log_clear(&la);
        CHECK(src_sample(a, T0 + 4 * TICK, &la.sink) == 0);
        CHECK(sample_log_find_announce(&la, u[2]) &&
              sample_log_find_announce(&la, u[2])->generation == 18);
        CHECK(sample_log_find(&la, u[2], "vbd_xvda_read")->s.generation == 18);

        /* Rubbish in the directory is ignored; odd contents still run the VM, generation 0. */
        memcpy(upper, u[0], sizeof(upper));
        for (char *c = upper; *c; c++)
                if (*c >= 'a' && *c <= 'f')
                        *c = (char) (*c - 'a' + 'A');
        static const char *const junk[] = {"README", ".hidden", "tap-1", "x.tmp"};
        for (size_t i = 0; i < ELEMENTSOF(junk); i++) {
                path_of(p, sizeof(p), dir_a, junk[i]);
                CHECK(fixture_write_new(p, "domid=3\n") == 0);
        }
        path_of(p, sizeof(p), dir_a, upper);
        CHECK(fixture_write_new(p, "domid=3\n") == 0);
        PATHF(p, "%s/%s.tmp", dir_a, u[3]);
        CHECK(fixture_write_new(p, "domid=3\n") == 0);
        path_of(p, sizeof(p), dir_a, u_dir);
        CHECK(mkdir(p, 0755) == 0);
        path_of(p, sizeof(p), dir_a, u_link);
        CHECK(symlink(u[2], p) == 0);
        path_of(p, sizeof(p), dir_a, u_bad);
        CHECK(fixture_write_new(p, "domid=abc\n") == 0);
        path_of(p, sizeof(p), dir_a, foreign);
        CHECK(fixture_write_new(p, "") == 0);
        sample_log_clear(&la);
        CHECK(src_sample(a, T0 + 5 * TICK, &la.sink) == 0);
        CHECK(announced_exactly(&la, (const char *[]){u[2], u_bad, foreign}, 3));
        CHECK(sample_log_find_announce(&la, u_bad) &&
              sample_log_find_announce(&la, u_bad)->generation == 0);
        CHECK(sample_log_find_announce(&la, foreign) &&
              sample_log_find_announce(&la, foreign)->generation == 0);

        /* Reopening a directory that has VMs creates none. */
        src_instance_free(a);
        a = open_sim(dir_a, 3, 7, &r);
        CHECK(a && r == 0);
        sample_log_clear(&la);
        CHECK(src_sample(a, T0 + 6 * TICK, &la.sink) == 0);
        CHECK(announced_exactly(&la, (const char *[]){u[2], u_bad, foreign}, 3));
        path_of(p, sizeof(p), dir_a, u[0]);
        CHECK(access(p, F_OK) < 0);

        /* b's directory disappears (nothing runs, no error), then comes back with a VM. */
        path_of(p, sizeof(p), dir_b, u[1]);
        CHECK(unlink(p) == 0);
        CHECK(rmdir(dir_b) == 0);
        sample_log_clear(&lb);
        r = src_sample(b, T0 + 7 * TICK, &lb.sink);
        CHECKF(r == 0 && lb.n_announces == 0, "after rmdir: %d, %zu", r, lb.n_announces);
        CHECK(mkdir(dir_b, 0755) == 0);
        path_of(p, sizeof(p), dir_b, u[3]);
        CHECK(fixture_write_new(p, "domid=9\n") == 0);
        sample_log_clear(&lb);
        CHECK(src_sample(b, T0 + 8 * TICK, &lb.sink) == 0);
        CHECK(announced_exactly(&lb, (const char *[]){u[3]}, 1));
        /* and is watched again: a change is seen on the next tick */
        CHECK(fixture_rewrite(p, "domid=10\n") == 0);
        sample_log_clear(&lb);
        CHECK(src_sample(b, T0 + 9 * TICK, &lb.sink) == 0);
        CHECK(sample_log_find_announce(&lb, u[3]) &&
              sample_log_find_announce(&lb, u[3])->generation == 10);

        sample_log_deinit(&la);
        sample_log_deinit(&lb);
        src_instance_free(a);
        src_instance_free(b);
}

/* The VM file parser on its own. */
static void test_vm_file(void) {
        uint32_t d = 0;

        CHECK(sim_vm_file_parse("domid=5\n", 8, &d) == 0 && d == 5);
        CHECK(sim_vm_file_parse("name=a\n  domid = 42 \r\n", 22, &d) == 0 && d == 42);
        CHECK(sim_vm_file_parse("domid=7", 7, &d) == 0 && d == 7);
        CHECK(sim_vm_file_parse("domid=4294967295\n", 17, &d) == 0 && d == UINT32_MAX);
        CHECK(sim_vm_file_parse("domid=4294967296\n", 17, &d) == -EBADMSG);
        CHECK(sim_vm_file_parse("domid=12x\n", 10, &d) == -EBADMSG);
        CHECK(sim_vm_file_parse("domid=\n", 7, &d) == -EBADMSG);
        CHECK(sim_vm_file_parse("domidx=1\nname=b\n", 16, &d) == -ENODATA);
        CHECK(sim_vm_file_parse("", 0, &d) == -ENODATA);
}

int main(void) {
        PATHF(tmp_root, "/tmp/rrdd-test-sim-XXXXXX");
        if (!mkdtemp(tmp_root)) {
                perror("mkdtemp");
                return 2;
        }
        test_uuids();
        test_vm_file();
        test_in_memory();
        test_determinism();
        test_ranges();
        test_model();
        test_continuity();
        test_lifecycle();
        (void) fixture_remove_tree(tmp_root);
        return TAP_DONE();
}
