/* SPDX-License-Identifier: MIT */
/*
 * xcp-rrdd's plugin scale test as a benchmark: 4096 plugin files with 0-3 random data sources
 * each, rewritten in place every tick (through shared mappings, as the OCaml writer does), and
 * the "plugins" source's sample() timed per tick. Scenarios: protocol v2 with stable metadata
 * (the Python writer: metadata cache hits), v2 with metadata that embeds the values (the OCaml
 * writer: parsed every tick), v1, and a mix; with descriptors held between ticks and without.
 * Prints what it measured; asserts nothing.
 */

#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "sources/plugin.h"
#include "tests/sources/plugin-writers.h"

#define DINF ((double) INFINITY)

#define N_PLUGINS 4096
#define FILE_BYTES 4096
#define N_WARMUP 3

typedef enum Writer {
        WRITER_V2_PYTHON,
        WRITER_V2_OCAML,
        WRITER_V1_OCAML,
} Writer;

typedef struct Plugin {
        Writer writer;
        size_t n_ds;
        TwDs ds[3];
        char names[3][32];
        uint8_t *map; /* the file, FILE_BYTES long, shared */
} Plugin;

static Plugin plugins[N_PLUGINS];
static uint64_t rng = 0x9E3779B97F4A7C15ULL;

static uint64_t next_random(void) {
        /* xorshift64*: deterministic, so runs compare. */
        rng ^= rng >> 12;
        rng ^= rng << 25;
        rng ^= rng >> 27;
        return rng * 0x2545F4914F6CDD1DULL;
}

static uint64_t now_ns(void) {
        struct timespec ts;
        (void) clock_gettime(CLOCK_MONOTONIC, &ts);
        return (uint64_t) ts.tv_sec * 1000000000ULL + (uint64_t) ts.tv_nsec;
}

static size_t n_emitted;

static int count(SrcSink *sink, const SrcSample *s) {
        (void) sink;
        (void) s;
        n_emitted++;
        return 0;
}

static void make_plugin(Plugin *p, size_t index) {
        static const char *const types[] = {"gauge", "absolute", "derive"};
        static const char *const owners[] = {"host", "vm 2d4f8e47-3c6b-4a1e-9f0d-7b2a5c8e1f30",
                                             "sr 5f1b9c2e-8d7a-4e3f-b6c1-0a9e8d7c6b5a"};

        p->n_ds = next_random() % 4;
        for (size_t j = 0; j < p->n_ds; j++) {
                TwDs *d = &p->ds[j];
                (void) snprintf(p->names[j], sizeof(p->names[j]), "ds_%zu_%zu", index, j);
                *d = (TwDs){
                        .name = p->names[j],
                        .description = "A data source of the scale test",
                        .owner = owners[next_random() % 3],
                        .type = types[next_random() % 3],
                        .is_int64 = next_random() % 2,
                        .is_default = next_random() % 2,
                        .units = "B/s",
                        .min = 0,
                        .max = DINF,
                };
        }
}

/* One writer cycle: new values, new timestamp, the whole payload copied into the file. */
static int write_plugin(Plugin *p, double ts) {
        TwImage img;
        int r;

        for (size_t j = 0; j < p->n_ds; j++) {
                p->ds[j].i64 += (int64_t) (next_random() % 100000);
                p->ds[j].d += (double) (next_random() % 100000) / 100;
        }
        switch (p->writer) {
        case WRITER_V2_PYTHON:
                r = tw_v2_python(p->ds, p->n_ds, ts, &img);
                break;
        case WRITER_V2_OCAML:
                r = tw_v2_ocaml(p->ds, p->n_ds, ts, false, &img);
                break;
        default:
                r = tw_v1_ocaml(p->ds, p->n_ds, ts, &img);
                break;
        }
        if (r < 0)
                return r;
        if (img.payload_size > FILE_BYTES) {
                tw_image_free(&img);
                return -E2BIG;
        }
        memcpy(p->map, img.data, img.payload_size);
        tw_image_free(&img);
        return 0;
}

static int cmp_u64(const void *a, const void *b) {
        uint64_t x = *(const uint64_t *) a, y = *(const uint64_t *) b;
        return x < y ? -1 : x > y;
}

static int run(const char *dir, const char *label, int mix, bool hold_fds, unsigned n_ticks) {
        SrcConfig cfg = {.plugin_dir = dir};
        SrcSink sink = {.emit = count};
        SrcInstance *s = NULL;
        SrcPluginsStats st0, st1;
        uint64_t *tick_ns = calloc(n_ticks, sizeof(*tick_ns));
        double ts = 1700000000, sum = 0;
        size_t n_samples = 0;
        int r;

        if (!tick_ns)
                return -ENOMEM;
        for (size_t i = 0; i < N_PLUGINS; i++)
                plugins[i].writer =
                        mix >= 0 ? (Writer) mix : (i % 2 ? WRITER_V1_OCAML : WRITER_V2_OCAML);
        r = src_instance_new(&s, &src_plugins);
        if (r >= 0)
                r = src_open(s, &cfg);
        if (r < 0)
                goto out;
        (void) src_plugins_set_max_fds(s, hold_fds ? N_PLUGINS : 0);

        for (unsigned t = 0; t < N_WARMUP + n_ticks; t++) {
                uint64_t t0;

                ts += 5;
                for (size_t i = 0; i < N_PLUGINS; i++) {
                        r = write_plugin(&plugins[i], ts);
                        if (r < 0)
                                goto out;
                }
                if (t == N_WARMUP)
                        (void) src_plugins_get_stats(s, &st0);
                n_emitted = 0;
                t0 = now_ns();
                r = src_sample(s, 0, &sink);
                if (r < 0)
                        goto out;
                if (t >= N_WARMUP) {
                        tick_ns[t - N_WARMUP] = now_ns() - t0;
                        n_samples += n_emitted;
                }
        }
        (void) src_plugins_get_stats(s, &st1);

        for (unsigned i = 0; i < n_ticks; i++)
                sum += (double) tick_ns[i];
        qsort(tick_ns, n_ticks, sizeof(*tick_ns), cmp_u64);
        printf("%-26s %-5s %9.0f %9.0f %9.0f %9.0f %8.3f %7.0f %6.1f%% %6.1f%%\n", label,
               hold_fds ? "held" : "open", sum / n_ticks / 1e3, (double) tick_ns[n_ticks / 2] / 1e3,
               (double) tick_ns[(size_t) ceil(0.99 * n_ticks) - 1] / 1e3,
               (double) tick_ns[n_ticks - 1] / 1e3, sum / n_ticks / 1e3 / N_PLUGINS,
               (double) n_samples / n_ticks,
               100.0 * (double) (st1.n_ok - st0.n_ok) / ((double) n_ticks * N_PLUGINS),
               100.0 * (double) (st1.n_meta_parsed - st0.n_meta_parsed) /
                       ((double) (st1.n_ok - st0.n_ok) + 1e-9));
        r = 0;
out:
        if (r < 0)
                fprintf(stderr, "%s: %s\n", label, strerror(-r));
        src_instance_free(s);
        free(tick_ns);
        return r;
}

int main(int argc, char **argv) {
        unsigned n_ticks = argc > 1 ? (unsigned) atoi(argv[1]) : 50;
        const char *base = access("/dev/shm", W_OK) == 0 ? "/dev/shm" : "/tmp";
        char dir[256], path[512];
        size_t n_ds = 0;
        struct rlimit rl;
        int r = 0;

        if (n_ticks < 1)
                n_ticks = 1;
        /* Holding 4096 descriptors needs the hard limit; the daemon's budget is a quarter. */
        if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
                rl.rlim_cur = rl.rlim_max;
                (void) setrlimit(RLIMIT_NOFILE, &rl);
        }
        (void) snprintf(dir, sizeof(dir), "%s/bench-plugins-XXXXXX", base);
        if (!mkdtemp(dir)) {
                perror("mkdtemp");
                return 1;
        }
        for (size_t i = 0; i < N_PLUGINS; i++) {
                int fd;

                make_plugin(&plugins[i], i);
                n_ds += plugins[i].n_ds;
                (void) snprintf(path, sizeof(path), "%s/plugin-%04zu", dir, i);
                fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
                if (fd < 0 || ftruncate(fd, FILE_BYTES) < 0) {
                        perror(path);
                        return 1;
                }
                plugins[i].map = mmap(NULL, FILE_BYTES, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
                (void) close(fd);
                if (plugins[i].map == MAP_FAILED) {
                        perror("mmap");
                        return 1;
                }
        }

        printf("bench-plugins: %d plugin files in %s, %zu data sources (0-3 each), %u ticks "
               "after %d warm-up\n",
               N_PLUGINS, base, n_ds, n_ticks, N_WARMUP);
        printf("times are of one sample() call (µs); per-plugin = mean / %d\n", N_PLUGINS);
        printf("%-26s %-5s %9s %9s %9s %9s %8s %7s %7s %7s\n", "scenario", "fds", "mean", "p50",
               "p99", "max", "/plugin", "samples", "read", "parsed");
        static const struct {
                const char *label;
                int writer;
        } scenarios[] = {
                {"v2 python (meta cached)", WRITER_V2_PYTHON},
                {"v2 ocaml (meta changes)", WRITER_V2_OCAML},
                {"v1 ocaml", WRITER_V1_OCAML},
                {"v2 ocaml + v1, half each", -1},
        };
        for (size_t i = 0; i < sizeof(scenarios) / sizeof(scenarios[0]) && r == 0; i++)
                for (int hold = 1; hold >= 0 && r == 0; hold--)
                        r = run(dir, scenarios[i].label, scenarios[i].writer, hold, n_ticks);

        for (size_t i = 0; i < N_PLUGINS; i++) {
                (void) munmap(plugins[i].map, FILE_BYTES);
                (void) snprintf(path, sizeof(path), "%s/plugin-%04zu", dir, i);
                (void) unlink(path);
        }
        (void) rmdir(dir);
        return r < 0 ? 1 : 0;
}
