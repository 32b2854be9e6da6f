/* SPDX-License-Identifier: MIT */
/*
 * Sampling cost of the xen source per tick, through the Xen test double: 1000 domains with
 * 2 vCPUs, 2 VIFs and 2 VBDs each on a 64-pCPU host, every counter moving every tick.
 *
 * What it measures is the source's own cost (domain bookkeeping, uuid and xenstore value
 * handling, parsing /proc/net/dev, building and emitting samples) plus the double's cheap
 * stand-ins for the library calls. It does not measure the hypercalls, xenstored round trips
 * or libxenstat's sysfs reads of a real host, which benchmarks.md estimates at 50-100 µs per
 * domain; /proc/net/dev here is a file on tmpfs, not the kernel's generated text.
 */

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "sources/registry-list.h"
#include "tests/sources/xen-double/xen-double.h"

const SrcOps *const src_registry[] = {&src_xen, NULL};

#define N_DOMAINS 1000
#define N_PCPUS 64
#define N_TICKS 200
#define TICK_USEC 5000000ULL

static unsigned long n_samples, n_announces;

static int count_sample(SrcSink *sink, const SrcSample *s) {
        n_samples++;
        return 0;
}

static int count_announce(SrcSink *sink, const SrcOwner *owner, uint64_t generation) {
        n_announces++;
        return 0;
}

static double now_usec(void) {
        struct timespec ts;

        (void) clock_gettime(CLOCK_MONOTONIC, &ts);
        return (double) ts.tv_sec * 1e6 + (double) ts.tv_nsec / 1e3;
}

static int compare_double(const void *a, const void *b) {
        double x = *(const double *) a, y = *(const double *) b;
        return x < y ? -1 : x > y;
}

/* The host as it is at tick t: every counter a deterministic function of t. */
static int write_tick(FILE *f, unsigned t, bool first) {
        uint64_t s = (uint64_t) t;

        if (first) {
                fprintf(f, "host pcpus=%d total_pages=67108864 free_pages=8388608\n", N_PCPUS);
                for (unsigned d = 1; d <= N_DOMAINS; d++) {
                        fprintf(f,
                                "domain %u uuid=%08x-1111-2222-3333-5555%08x vcpus=2 "
                                "pages=262144\n",
                                d, d, d);
                        fprintf(f, "xs /local/domain/%u/memory/target 1048576\n", d);
                        fprintf(f, "xs /local/domain/%u/data/meminfo_free 524288\n", d);
                        fprintf(f, "xs /local/domain/0/backend/vbd/%u/51712/dev xvda\n", d);
                        fprintf(f, "xs /local/domain/0/backend/vbd/%u/51728/dev xvdb\n", d);
                }
        }
        for (unsigned c = 0; c < N_PCPUS; c++)
                fprintf(f, "pcpu %u idle=%llu\n", c, (unsigned long long) (s * 2500000000ULL));
        for (unsigned d = 1; d <= N_DOMAINS; d++) {
                for (unsigned v = 0; v < 2; v++)
                        fprintf(f, "vcpu %u %u time=%llu\n", d, v,
                                (unsigned long long) (s * (1000000000ULL + d * 1000 + v)));
                for (unsigned n = 0; n < 2; n++)
                        fprintf(f, "vif %u %u rx=%llu tx=%llu\n", d, n,
                                (unsigned long long) (s * 150000 * (n + 1)),
                                (unsigned long long) (s * 90000 * (n + 1)));
                for (unsigned b = 0; b < 2; b++)
                        fprintf(f,
                                "vbd %u %u rd_reqs=%llu wr_reqs=%llu rd_sect=%llu wr_sect=%llu\n",
                                d, 51712 + b * 16, (unsigned long long) (s * 40),
                                (unsigned long long) (s * 25), (unsigned long long) (s * 320),
                                (unsigned long long) (s * 200));
        }
        fprintf(f, "sample at=%llu\n", (unsigned long long) (1000000ULL + s * TICK_USEC));
        return ferror(f) ? -EIO : 0;
}

static int apply_tick(unsigned t) {
        char *buf = NULL;
        size_t size = 0;
        FILE *f = open_memstream(&buf, &size);
        int r;

        if (!f)
                return -ENOMEM;
        r = write_tick(f, t, t == 0);
        if (fclose(f) != 0 && r == 0)
                r = -ENOMEM;
        if (r == 0)
                r = xen_double_apply(buf, size);
        free(buf);
        return r;
}

int main(void) {
        char root[] = "/tmp/bench-xen.XXXXXX", path[64];
        SrcSink sink = {.emit = count_sample, .announce = count_announce};
        SrcInstance *s = NULL;
        static double cost[N_TICKS];
        double sum = 0;
        unsigned reads_before, reads_after;
        int r;

        if (!mkdtemp(root) || xen_double_set_proc_root(root) < 0) {
                fprintf(stderr, "cannot make %s\n", root);
                return 1;
        }
        r = apply_tick(0);
        if (r < 0) {
                fprintf(stderr, "scenario: %s\n", xen_double_error());
                return 1;
        }
        if (src_instance_new(&s, &src_xen) < 0 ||
            src_open(s, &(SrcConfig){.proc_root = root}) < 0) {
                fprintf(stderr, "cannot open the xen source\n");
                return 1;
        }
        /* The first tick names every VBD and starts every delta; it is not counted. */
        if (src_sample(s, 0, &sink) < 0)
                return 1;

        reads_before = xen_double_calls(XEN_DOUBLE_XS_READ);
        n_samples = n_announces = 0;
        for (unsigned t = 0; t < N_TICKS; t++) {
                double t0;

                if (apply_tick(t + 1) < 0) {
                        fprintf(stderr, "scenario: %s\n", xen_double_error());
                        return 1;
                }
                t0 = now_usec();
                r = src_sample(s, 0, &sink);
                cost[t] = now_usec() - t0;
                if (r < 0) {
                        fprintf(stderr, "sample: %s\n", strerror(-r));
                        return 1;
                }
                sum += cost[t];
        }
        reads_after = xen_double_calls(XEN_DOUBLE_XS_READ);
        qsort(cost, N_TICKS, sizeof(cost[0]), compare_double);

        printf("bench-xen: %d domains x (2 vCPU, 2 VIF, 2 VBD), %d pCPUs, %d ticks\n", N_DOMAINS,
               N_PCPUS, N_TICKS);
        printf("  per tick: mean %.0f us, median %.0f us, p99 %.0f us, max %.0f us\n",
               sum / N_TICKS, cost[N_TICKS / 2], cost[N_TICKS * 99 / 100], cost[N_TICKS - 1]);
        printf("  per tick: %lu samples, %lu announcements, %u xenstore reads\n",
               n_samples / N_TICKS, n_announces / N_TICKS, (reads_after - reads_before) / N_TICKS);
        printf("  per domain: %.2f us; per sample: %.0f ns\n", sum / N_TICKS / N_DOMAINS,
               sum * 1000 / (double) n_samples);
        printf("  the source's own cost through the test double; the hypercalls, xenstored and\n"
               "  libxenstat's sysfs reads of a real host are not included\n");

        s = src_instance_free(s);
        xen_double_reset();
        (void) xen_double_set_proc_root(NULL);
        (void) snprintf(path, sizeof(path), "%s/proc/net/dev", root);
        (void) unlink(path);
        (void) snprintf(path, sizeof(path), "%s/proc/meminfo", root);
        (void) unlink(path);
        (void) snprintf(path, sizeof(path), "%s/proc/net", root);
        (void) rmdir(path);
        (void) snprintf(path, sizeof(path), "%s/proc", root);
        (void) rmdir(path);
        (void) rmdir(root);
        return 0;
}
