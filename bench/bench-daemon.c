/* SPDX-License-Identifier: MIT */
/*
 * B2 of benchmarks.md for the daemon: the whole tick (sampling 1000 simulated VMs with ~20 data
 * sources each, buffering the samples, one rrd_update_at() per RRD) with the VM layout of the
 * daemon, on a fake clock. Archive I/O is a store that keeps nothing, so only the tick is timed.
 *
 * Usage: bench-daemon [vms] [ticks]   (defaults 1000 and 720)
 */

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>

#include "rrdd/config.h"
#include "rrdd/log.h"
#include "rrdd/macro.h"
#include "rrdd/rrdd.h"

static usec_t fake_mono, fake_real;

static usec_t now_mono(void *ctx) {
        (void) ctx;
        return fake_mono;
}

static usec_t now_real(void *ctx) {
        (void) ctx;
        return fake_real;
}

static int null_save(void *ctx, SrcOwnerKind kind, const char *uuid, const Rrd *rrd,
                     unsigned flags) {
        return 0;
}

static int null_load(void *ctx, SrcOwnerKind kind, const char *uuid, Rrd **ret) {
        return -ENOENT;
}

static int null_exists(void *ctx, SrcOwnerKind kind, const char *uuid) {
        return 0;
}

static double cpu_seconds(void) {
        struct rusage ru;
        (void) getrusage(RUSAGE_SELF, &ru);
        return (double) ru.ru_utime.tv_sec + (double) ru.ru_utime.tv_usec / 1e6 +
               (double) ru.ru_stime.tv_sec + (double) ru.ru_stime.tv_usec / 1e6;
}

static double wall_ms(void) {
        struct timespec ts;
        (void) clock_gettime(CLOCK_MONOTONIC, &ts);
        return (double) ts.tv_sec * 1e3 + (double) ts.tv_nsec / 1e6;
}

static int cmp(const void *a, const void *b) {
        double x = *(const double *) a, y = *(const double *) b;
        return x < y ? -1 : x > y;
}

int main(int argc, char **argv) {
        unsigned n_vms = argc > 1 ? (unsigned) strtoul(argv[1], NULL, 10) : 1000;
        unsigned n_ticks = argc > 2 ? (unsigned) strtoul(argv[2], NULL, 10) : 720;
        const ArchiveOps ops = {.save = null_save, .load = null_load, .exists = null_exists};
        RrddClock clock = {.now_mono = now_mono, .now_real = now_real};
        RrddConfig cfg;
        char err[CONFIG_ERROR_MAX], sources[32];
        _cleanup_(rrdd_freep) Rrdd *d = NULL;
        double *ms = calloc(n_ticks ? n_ticks : 1, sizeof(double));
        int64_t t = 1700006400 - 1800;

        log_set_max_level(LOG_WARNING);
        fake_real = (usec_t) t * USEC_PER_SEC;
        fake_mono = 1000 * USEC_PER_SEC;
        (void) snprintf(sources, sizeof(sources), "sim:%u", n_vms);
        if (!ms || rrdd_config_init(&cfg) < 0 ||
            rrdd_config_set(&cfg, "sources", sources, "bench", 0, err) < 0 ||
            rrdd_new(&d, &cfg, &clock, &ops, NULL, "99999999-8888-7777-6666-555555555555") < 0)
                return 1;
        SrcConfig sc = {.sim_count = n_vms, .seed = 42};
        if (rrdd_open_sources(d, &sc) < 0 || rrdd_n_sources(d) != 1) {
                fprintf(stderr, "cannot open the sim source\n");
                return 1;
        }

        /* The first tick creates every RRD: timed apart. */
        double cpu0 = cpu_seconds();
        for (unsigned i = 0; i <= n_ticks; i++) {
                fake_mono += 5 * USEC_PER_SEC;
                fake_real += 5 * USEC_PER_SEC;
                t += 5;
                double start = wall_ms();
                (void) rrdd_tick(d, t);
                double took = wall_ms() - start;
                if (i == 0) {
                        printf("daemon tick, %u simulated VMs: first tick (creates the RRDs) %.2f "
                               "ms\n",
                               n_vms, took);
                        cpu0 = cpu_seconds();
                } else
                        ms[i - 1] = took;
        }
        double cpu = cpu_seconds() - cpu0, sum = 0;
        for (unsigned i = 0; i < n_ticks; i++)
                sum += ms[i];
        qsort(ms, n_ticks, sizeof(double), cmp);
        Registry *reg = rrdd_registry(d);
        size_t n_ds = 0, bytes = 0, state = 0;
        RrdEntry *e;
        while ((e = registry_next(reg, &state)))
                if (e->rrd) {
                        n_ds += rrd_n_ds(e->rrd);
                        bytes += rrd_memory_bytes(e->rrd);
                }
        printf("  %zu RRDs, %zu data sources, %.1f MB of RRD state\n",
               registry_count(reg, SRC_OWNER_VM) + 1, n_ds, (double) bytes / 1e6);
        printf("  %u ticks: mean %.2f ms, p50 %.2f ms, p99 %.2f ms, max %.2f ms; CPU %.2f ms per "
               "tick (%.3f %% of a core at 5 s)\n",
               n_ticks, sum / n_ticks, ms[n_ticks / 2], ms[(size_t) (n_ticks * 0.99)],
               ms[n_ticks - 1], cpu * 1e3 / n_ticks, cpu * 1e3 / n_ticks / 5000.0 * 100.0);
        free(ms);
        rrdd_config_done(&cfg);
        return 0;
}
