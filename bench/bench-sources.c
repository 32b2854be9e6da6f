/* SPDX-License-Identifier: MIT */
/*
 * Sampling cost per tick of each source: one src_sample() call into a sink that only counts,
 * timed over many ticks (wall time: mean, median, p99, max in µs; and the thread's CPU time,
 * which other load on the machine disturbs less). The times handed to the source advance
 * 5 s per tick as the daemon's would; the ticks themselves run back to back.
 *
 * Usage: bench-sources [-n TICKS] [CASE...]   (all cases by default; a case may skip itself)
 *
 * To add a case, write a setup function (fill the SrcConfig, prepare files; return -ENODEV to
 * skip) and optionally a teardown, and add a row to bench_cases[].
 */

#include <errno.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "rrdd/clock.h"
#include "rrdd/macro.h"
#include "sources/registry-list.h"
#include "sources/source.h"

#define BENCH_TICKS_DEFAULT 500
#define BENCH_TICKS_MIN 200

typedef struct BenchCase BenchCase;

/* Per-case scratch space the setup may use (a temporary directory, say). */
typedef struct BenchScratch {
        char dir[256];
} BenchScratch;

struct BenchCase {
        const char *name;
        const char *what;
        const SrcOps *ops;
        int (*setup)(SrcConfig *cfg, BenchScratch *scratch);
        void (*teardown)(BenchScratch *scratch);
};

typedef struct CountingSink {
        SrcSink sink;
        uint64_t n_samples;
        uint64_t n_announces;
} CountingSink;

static int count_emit(SrcSink *sink, const SrcSample *sample) {
        CountingSink *c = sink->userdata;

        /* Touch the sample, as a real sink would copy it. */
        c->n_samples += sample->name[0] != '\0';
        return 0;
}

static int count_announce(SrcSink *sink, const SrcOwner *owner, uint64_t generation) {
        CountingSink *c = sink->userdata;

        c->n_announces += owner->kind != SRC_OWNER_HOST;
        return 0;
}

static uint64_t ns_of(clockid_t id) {
        struct timespec ts;

        (void) clock_gettime(id, &ts);
        return (uint64_t) ts.tv_sec * 1000000000u + (uint64_t) ts.tv_nsec;
}

static uint64_t now_ns(void) {
        return ns_of(CLOCK_MONOTONIC);
}

static int cmp_u64(const void *a, const void *b) {
        uint64_t x = *(const uint64_t *) a, y = *(const uint64_t *) b;
        return x < y ? -1 : x > y;
}

/* ---- proc ---- */

static int setup_proc_real(SrcConfig *cfg, BenchScratch *scratch) {
        if (access("/proc/stat", R_OK) < 0)
                return -ENODEV;
        cfg->proc_root = "/";
        return 0;
}

/* ---- sim ---- */

static int setup_sim_memory(SrcConfig *cfg, BenchScratch *scratch) {
        cfg->sim_dir = NULL;
        cfg->sim_count = 1000;
        cfg->seed = 1;
        return 0;
}

static int setup_sim_dir(SrcConfig *cfg, BenchScratch *scratch) {
        (void) snprintf(scratch->dir, sizeof(scratch->dir), "/tmp/rrdd-bench-sim-XXXXXX");
        if (!mkdtemp(scratch->dir))
                return -errno;
        /* The source fills the empty directory with 1000 VM files at open. */
        cfg->sim_dir = scratch->dir;
        cfg->sim_count = 1000;
        cfg->seed = 1;
        return 0;
}

static int remove_one(const char *path, const struct stat *st, int flag, struct FTW *ftw) {
        return remove(path) < 0 ? -1 : 0;
}

static void teardown_dir(BenchScratch *scratch) {
        if (scratch->dir[0] && nftw(scratch->dir, remove_one, 16, FTW_DEPTH | FTW_PHYS) < 0)
                fprintf(stderr, "could not remove %s\n", scratch->dir);
}

static const BenchCase bench_cases[] = {
        /* ---- proc and sim ---- */
        {"proc", "proc source on this host's /proc and /sys", &src_proc, setup_proc_real, NULL},
        {"sim-1000", "sim source, 1000 VMs in memory", &src_sim, setup_sim_memory, NULL},
        {"sim-1000-dir", "sim source, 1000 VMs from files in a directory (inotify)", &src_sim,
         setup_sim_dir, teardown_dir},
        /* ---- end proc and sim ---- */
};

static int run_case(const BenchCase *bc, unsigned n_ticks) {
        _cleanup_(src_instance_freep) SrcInstance *s = NULL;
        _cleanup_free_ uint64_t *ns = NULL;
        CountingSink c = {.sink = {.emit = count_emit, .announce = count_announce}};
        BenchScratch scratch = {};
        SrcConfig cfg = {};
        usec_t t = UINT64_C(1700000000) * USEC_PER_SEC;
        uint64_t open_ns, sum = 0, cpu_sum = 0;
        int r;

        c.sink.userdata = &c;
        r = bc->setup(&cfg, &scratch);
        if (r == -ENODEV) {
                printf("%-14s skipped (not available here)\n", bc->name);
                return 0;
        }
        if (r < 0)
                goto out;
        ns = calloc(n_ticks, sizeof(*ns));
        r = ns ? src_instance_new(&s, bc->ops) : -ENOMEM;
        if (r < 0)
                goto out;
        open_ns = now_ns();
        r = src_open(s, &cfg);
        open_ns = now_ns() - open_ns;
        if (r == -ENODEV) {
                printf("%-14s skipped (source absent)\n", bc->name);
                r = 0;
                goto out;
        }
        if (r < 0)
                goto out;

        /* One warm-up tick: the first sample sizes buffers and classifies interfaces. */
        r = src_sample(s, t, &c.sink);
        if (r < 0)
                goto out;
        c.n_samples = c.n_announces = 0;
        for (unsigned i = 0; i < n_ticks; i++) {
                uint64_t t0, cpu0;
                t += 5 * USEC_PER_SEC;
                cpu0 = ns_of(CLOCK_THREAD_CPUTIME_ID);
                t0 = now_ns();
                r = src_sample(s, t, &c.sink);
                ns[i] = now_ns() - t0;
                cpu_sum += ns_of(CLOCK_THREAD_CPUTIME_ID) - cpu0;
                if (r < 0)
                        goto out;
                sum += ns[i];
        }
        qsort(ns, n_ticks, sizeof(*ns), cmp_u64);
        printf("%-14s %u ticks, %.0f samples/tick, %.0f owners/tick, open %.1f ms\n"
               "%-14s wall: mean %.1f µs  median %.1f µs  p99 %.1f µs  max %.1f µs per tick\n"
               "%-14s cpu:  mean %.1f µs per tick (%.3f µs per sample)\n"
               "%-14s (%s)\n",
               bc->name, n_ticks, (double) c.n_samples / n_ticks, (double) c.n_announces / n_ticks,
               (double) open_ns / 1e6, "", (double) sum / n_ticks / 1e3,
               (double) ns[n_ticks / 2] / 1e3, (double) ns[(size_t) ((n_ticks - 1) * 0.99)] / 1e3,
               (double) ns[n_ticks - 1] / 1e3, "", (double) cpu_sum / n_ticks / 1e3,
               c.n_samples ? (double) cpu_sum / (double) c.n_samples / 1e3 : 0.0, "", bc->what);
out:
        if (r < 0)
                printf("%-14s failed: %s\n", bc->name, strerror(-r));
        s = src_instance_free(s);
        if (bc->teardown)
                bc->teardown(&scratch);
        return r;
}

int main(int argc, char **argv) {
        unsigned n_ticks = BENCH_TICKS_DEFAULT;
        int opt, r = 0;

        while ((opt = getopt(argc, argv, "n:")) != -1) {
                if (opt != 'n') {
                        fprintf(stderr, "usage: %s [-n TICKS] [CASE...]\n", argv[0]);
                        return 2;
                }
                n_ticks = (unsigned) strtoul(optarg, NULL, 10);
        }
        if (n_ticks < BENCH_TICKS_MIN)
                n_ticks = BENCH_TICKS_MIN;

        for (size_t i = 0; i < ELEMENTSOF(bench_cases); i++) {
                bool wanted = optind >= argc;
                for (int a = optind; a < argc; a++)
                        wanted = wanted || strcmp(argv[a], bench_cases[i].name) == 0;
                if (wanted && run_case(&bench_cases[i], n_ticks) < 0)
                        r = 1;
        }
        return r;
}
