/* SPDX-License-Identifier: MIT */
/*
 * B1 of benchmarks.md: consolidation cost per 5 s tick for 1000 VMs × 20 data sources in the
 * host layout (AVERAGE on four tiers, MIN and MAX on the three coarse ones: 10 archives), fed
 * DERIVE counters. The same update stream then goes through librrd's rrd_update_r() on files
 * in /dev/shm, in the same run, and the ratio is printed.
 *
 * Usage: bench-engine [ticks] [librrd_ticks]   (defaults 2000 and 20)
 */

#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "consolidate/layout.h"
#include "consolidate/rrd.h"
#include "rrdd/macro.h"

#ifdef HAVE_LIBRRD
#include <rrd.h>
#endif

#define N_RRD 1000
#define N_DS 20

static double now_sec(void) {
        struct timespec ts;
        (void) clock_gettime(CLOCK_MONOTONIC, &ts);
        return (double) ts.tv_sec + (double) ts.tv_nsec / 1e9;
}

static int cmp_double(const void *a, const void *b) {
        double x = *(const double *) a, y = *(const double *) b;
        return x < y ? -1 : x > y;
}

/* Deterministic counter increments: bytes per 5 s, varied per VM and data source. */
static uint64_t increment(unsigned vm, unsigned ds, unsigned tick) {
        uint64_t h = (uint64_t) vm * 2654435761u ^ (uint64_t) ds * 40503u ^ (uint64_t) tick * 97u;
        return 1000 + (h % 100000);
}

int main(int argc, char **argv) {
        unsigned n_ticks = argc > 1 ? (unsigned) strtoul(argv[1], NULL, 10) : 2000;
        unsigned n_librrd_ticks = argc > 2 ? (unsigned) strtoul(argv[2], NULL, 10) : 20;
        RrdRraDef rra[RRD_LAYOUT_MAX_RRA];
        RrdDsDef ds[N_DS];
        size_t n_rra = rrd_layout(RRD_LAYOUT_HOST, &(RrdLayoutOptions){.min_max = true}, rra);
        /* Start 1000 s before midnight so the run crosses hour and day boundaries. */
        const int64_t t0 = 1700006400 - 1000;
        Rrd **rrds = calloc(N_RRD, sizeof(Rrd *));
        uint64_t *counters = calloc((size_t) N_RRD * N_DS, sizeof(uint64_t));
        double *tick_ms = calloc(n_ticks ? n_ticks : 1, sizeof(double));
        RrdValue values[N_DS];
        size_t bytes = 0;

        if (!rrds || !counters || !tick_ms)
                return 1;
        for (unsigned i = 0; i < N_DS; i++) {
                char name[32];
                (void) snprintf(name, sizeof(name), "ds%u", i);
                if (rrd_layout_ds(&ds[i], name, RRD_DS_DERIVE, 0, HUGE_VAL) < 0)
                        return 1;
        }
        for (unsigned v = 0; v < N_RRD; v++) {
                if (rrd_new(&rrds[v], 5, t0, ds, N_DS, rra, n_rra) < 0)
                        return 1;
                bytes += rrd_memory_bytes(rrds[v]);
        }

        for (unsigned t = 0; t < n_ticks; t++) {
                int64_t when = t0 + 5 * (int64_t) (t + 1);
                double start = now_sec();
                for (unsigned v = 0; v < N_RRD; v++) {
                        for (unsigned i = 0; i < N_DS; i++) {
                                uint64_t *c = &counters[(size_t) v * N_DS + i];
                                *c += increment(v, i, t);
                                values[i] = rrd_value_u64(*c);
                        }
                        if (rrd_update_at(rrds[v], when, 0, values) < 0) {
                                fprintf(stderr, "update failed\n");
                                return 1;
                        }
                }
                tick_ms[t] = (now_sec() - start) * 1e3;
        }

        double first = tick_ms[0], sum = 0;
        for (unsigned t = 1; t < n_ticks; t++)
                sum += tick_ms[t];
        double mean = n_ticks > 1 ? sum / (n_ticks - 1) : first;
        qsort(tick_ms + 1, n_ticks - 1, sizeof(double), cmp_double);
        double p50 = tick_ms[1 + (n_ticks - 1) / 2];
        double p99 = tick_ms[1 + (size_t) ((n_ticks - 1) * 0.99)];
        double max = tick_ms[n_ticks - 1];

        printf("engine: %d RRDs x %d DS, %zu archives each (host layout), %u ticks\n", N_RRD, N_DS,
               n_rra, n_ticks);
        printf("  memory held by the RRDs: %.1f MB (%.0f bytes per data source)\n", bytes / 1e6,
               (double) bytes / (N_RRD * N_DS));
        printf("  first tick %.3f ms; then mean %.3f ms, p50 %.3f ms, p99 %.3f ms, max %.3f ms\n",
               first, mean, p50, p99, max);
        printf("  %.1f ns per data source per tick (mean)\n", mean * 1e6 / (N_RRD * N_DS));

#ifdef HAVE_LIBRRD
        /* The same stream through librrd, one rrd_update_r() per file per tick. */
        char dir[] = "/dev/shm/bench-engine-XXXXXX";
        if (!mkdtemp(dir)) {
                printf("librrd: cannot create a directory in /dev/shm, skipped\n");
                return 0;
        }
        const char *argv_create[N_DS + RRD_LAYOUT_MAX_RRA];
        char defs[N_DS + RRD_LAYOUT_MAX_RRA][64];
        int n_args = 0;
        for (unsigned i = 0; i < N_DS; i++) {
                (void) snprintf(defs[n_args], sizeof(defs[0]), "DS:ds%u:DERIVE:300:0:U", i);
                argv_create[n_args] = defs[n_args];
                n_args++;
        }
        for (size_t a = 0; a < n_rra; a++) {
                (void) snprintf(defs[n_args], sizeof(defs[0]), "RRA:%s:0.5:%u:%u",
                                rrd_cf_to_string(rra[a].cf), rra[a].pdp_per_row, rra[a].rows);
                argv_create[n_args] = defs[n_args];
                n_args++;
        }
        char path[256];
        for (unsigned v = 0; v < N_RRD; v++) {
                (void) snprintf(path, sizeof(path), "%s/vm%u.rrd", dir, v);
                if (rrd_create_r(path, 5, (time_t) t0, n_args, argv_create) != 0) {
                        printf("librrd: create failed: %s\n", rrd_get_error());
                        return 1;
                }
        }
        memset(counters, 0, (size_t) N_RRD * N_DS * sizeof(uint64_t));
        double librrd_sum = 0;
        char arg[N_DS * 24 + 32];
        for (unsigned t = 0; t < n_librrd_ticks; t++) {
                int64_t when = t0 + 5 * (int64_t) (t + 1);
                double start = now_sec();
                for (unsigned v = 0; v < N_RRD; v++) {
                        size_t len = (size_t) snprintf(arg, sizeof(arg), "%" PRId64, when);
                        for (unsigned i = 0; i < N_DS; i++) {
                                uint64_t *c = &counters[(size_t) v * N_DS + i];
                                *c += increment(v, i, t);
                                len += (size_t) snprintf(arg + len, sizeof(arg) - len, ":%" PRIu64,
                                                         *c);
                        }
                        const char *uargv[1] = {arg};
                        (void) snprintf(path, sizeof(path), "%s/vm%u.rrd", dir, v);
                        if (rrd_update_r(path, NULL, 1, uargv) != 0) {
                                printf("librrd: update failed: %s\n", rrd_get_error());
                                return 1;
                        }
                }
                if (t > 0)
                        librrd_sum += now_sec() - start;
        }
        for (unsigned v = 0; v < N_RRD; v++) {
                (void) snprintf(path, sizeof(path), "%s/vm%u.rrd", dir, v);
                (void) unlink(path);
        }
        (void) rmdir(dir);
        if (n_librrd_ticks > 1) {
                double librrd_mean = librrd_sum / (n_librrd_ticks - 1) * 1e3;
                printf("librrd rrd_update_r on tmpfs, same stream, %u ticks: mean %.3f ms per "
                       "tick\n",
                       n_librrd_ticks, librrd_mean);
                printf("  ratio librrd / engine: %.0fx\n", librrd_mean / mean);
        }
#else
        printf("librrd not available: comparison skipped\n");
#endif
        for (unsigned v = 0; v < N_RRD; v++)
                rrd_destroy(rrds[v]);
        free(rrds);
        free(counters);
        free(tick_ms);
        return 0;
}
