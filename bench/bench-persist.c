/* SPDX-License-Identifier: MIT */
/*
 * bench-persist [N_RRDS] [DISK_DIR]
 * Saves and loads N (default 1000) VM RRDs - 20 data sources (DERIVE/GAUGE mix), the default VM
 * layout (4 AVERAGE tiers, 774 rows), every row filled with realistic values - through the
 * archive store, on a disk directory and on /dev/shm, with 1 and 2 threads; then the same data
 * through librrd: rrd_restore (which is also how the .rrd files are made, from rrdtool-format
 * dumps written by tools/dump-rrdtool.c) and rrd_dump_r. Prints times, throughput and ratios,
 * and a breakdown of where the time goes. librrd is dlopen'ed (RTLD_LOCAL | RTLD_DEEPBIND), so
 * its symbols stay apart from ours and this benchmark still runs its own half without it.
 */

#include <dlfcn.h>
#include <errno.h>
#include <inttypes.h>
#include <libxml/xmlreader.h>
#include <math.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "consolidate/layout.h"
#include "consolidate/num.h"
#include "persist/numtext.h"
#include "persist/reader.h"
#include "persist/store.h"
#include "persist/writer.h"
#include "rrdd/macro.h"
#include "tools/dump-rrdtool.h"

#define N_DS 20

typedef struct Bench {
        size_t n;
        Rrd **rrds;
        char (*uuids)[PERSIST_UUID_LEN + 1];
        uint64_t xml_bytes;
} Bench;

static double now_s(void) {
        struct timespec ts;
        (void) clock_gettime(CLOCK_MONOTONIC, &ts);
        return (double) ts.tv_sec + (double) ts.tv_nsec / 1e9;
}

/* CPU seconds of the whole process (all threads): robust on a shared, loaded machine. */
static double cpu_s(void) {
        struct timespec ts;
        (void) clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
        return (double) ts.tv_sec + (double) ts.tv_nsec / 1e9;
}

static uint64_t rng_state = 0x2545f4914f6cdd1dULL;

static uint64_t rnd(void) {
        uint64_t x = rng_state;
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        return rng_state = x;
}

static double unit(void) {
        return (double) (rnd() >> 11) * 0x1.0p-53;
}

/*
 * One VM: cpu fractions and memory (GAUGE), network/disk byte counters (DERIVE). Rows hold what
 * the engine would compute: 5 s rates of integer counter deltas, averages of them in the coarse
 * tiers, CPU fractions as full doubles; then a few real updates for live scratch state.
 */
static int make_vm(Rrd **ret) {
        static const char *const kinds[] = {"cpu", "memory", "vif_rx", "vif_tx", "vbd_read"};
        RrdRraDef rra[RRD_LAYOUT_MAX_RRA];
        RrdDsDef ds[N_DS];
        size_t n_rra = rrd_layout(RRD_LAYOUT_VM, NULL, rra);
        double row[N_DS];
        RrdValue v[N_DS];
        uint64_t ctr[N_DS] = {};
        int64_t t = 1700000000;
        Rrd *rrd = NULL;
        int r;

        for (size_t i = 0; i < N_DS; i++) {
                char name[32];
                bool gauge = i % 5 < 2;
                (void) snprintf(name, sizeof(name), "%s%zu", kinds[i % 5], i / 5);
                r = rrd_layout_ds(&ds[i], name, gauge ? RRD_DS_GAUGE : RRD_DS_DERIVE, 0.0,
                                  (double) NAN);
                if (r < 0)
                        return r;
        }
        r = rrd_new(&rrd, RRD_DEFAULT_STEP_S, t, ds, N_DS, rra, n_rra);
        if (r < 0)
                return r;
        for (size_t a = 0; a < n_rra; a++)
                for (uint32_t i_row = 0; i_row < rra[a].rows; i_row++) {
                        for (size_t i = 0; i < N_DS; i++) {
                                switch (i % 5) {
                                case 0: /* cpu */
                                        row[i] = unit() * 0.3;
                                        break;
                                case 1: /* memory, bytes */
                                        row[i] = (double) (2147483648ULL - rnd() % 100000000ULL);
                                        break;
                                default: /* byte rates */
                                        row[i] = (double) (rnd() % 50000000ULL) / 5.0;
                                        if (rra[a].pdp_per_row > 1)
                                                row[i] /= (double) (1 + rnd() % 12);
                                        break;
                                }
                        }
                        rrd_rra_set_row(rrd, a, i_row, row);
                }
        for (int k = 0; k < 3; k++) {
                t += 5;
                for (size_t i = 0; i < N_DS; i++) {
                        ctr[i] += rnd() % 10000000;
                        v[i] = i % 5 < 2 ? rrd_value_double(unit()) : rrd_value_u64(ctr[i]);
                }
                (void) rrd_update_at(rrd, t, (uint32_t) (rnd() % 1000000), v);
        }
        *ret = rrd;
        return 0;
}

/* ---- our side ---- */

typedef struct Job {
        const Bench *b;
        const PersistStore *s;
        size_t from, to;
        unsigned flags;
        bool load;
        int failures;
} Job;

static void *run_job(void *p) {
        Job *j = p;

        for (size_t i = j->from; i < j->to; i++) {
                if (j->load) {
                        Rrd *rrd = NULL;
                        if (persist_store_load(j->s, j->b->uuids[i], NULL, &rrd, NULL) < 0)
                                j->failures++;
                        rrd_destroy(rrd);
                } else if (persist_store_save(j->s, j->b->uuids[i], j->b->rrds[i], j->flags) < 0)
                        j->failures++;
        }
        return NULL;
}

static double last_cpu; /* CPU seconds of the last pass */

/* Saves or loads everything with n_threads threads; returns wall seconds, or -1. */
static double store_pass(const Bench *b, const PersistStore *s, bool load, unsigned flags,
                         int n_threads) {
        Job jobs[2];
        pthread_t t[2];
        double t0 = now_s(), c0 = cpu_s();
        int failures = 0;

        for (int k = 0; k < n_threads; k++) {
                jobs[k] = (Job){.b = b,
                                .s = s,
                                .load = load,
                                .flags = flags,
                                .from = b->n * (size_t) k / (size_t) n_threads,
                                .to = b->n * (size_t) (k + 1) / (size_t) n_threads};
                if (pthread_create(&t[k], NULL, run_job, &jobs[k]) != 0)
                        return -1;
        }
        for (int k = 0; k < n_threads; k++) {
                (void) pthread_join(t[k], NULL);
                failures += jobs[k].failures;
        }
        if (failures) {
                fprintf(stderr, "%d failures\n", failures);
                return -1;
        }
        last_cpu = cpu_s() - c0;
        return now_s() - t0;
}

static void report(const char *what, double s, double cpu, uint64_t bytes) {
        if (s < 0)
                printf("  %-40s FAILED\n", what);
        else
                printf("  %-40s %7.3f s wall %7.3f s CPU %7.1f MB/s\n", what, s, cpu,
                       (double) bytes / s / 1e6);
}

static int ours(Bench *b, const char *dir, const char *label, double *ret_save, double *ret_load) {
        _cleanup_(persist_store_freep) PersistStore *s = NULL;
        char what[128];
        double t;
        int r;

        r = persist_store_new(&s, dir);
        if (r < 0) {
                fprintf(stderr, "store %s: %s\n", dir, strerror(-r));
                return r;
        }
        printf("rrdd persist, %s (%s):\n", label, dir);
        for (int th = 1; th <= 2; th++) {
                (void) snprintf(what, sizeof(what), "save all, %d thread%s (fsync, rename)", th,
                                th > 1 ? "s" : "");
                t = store_pass(b, s, false, 0, th);
                report(what, t, last_cpu, b->xml_bytes);
                if (th == 1)
                        *ret_save = t;
                (void) snprintf(what, sizeof(what), "load all, %d thread%s", th, th > 1 ? "s" : "");
                t = store_pass(b, s, true, 0, th);
                report(what, t, last_cpu, b->xml_bytes);
                if (th == 1)
                        *ret_load = t;
        }
        t = store_pass(b, s, false, PERSIST_STORE_GZIP, 1);
        report("save all gzip'd, 1 thread", t, last_cpu, b->xml_bytes);
        t = store_pass(b, s, true, 0, 1);
        report("load all gzip'd, 1 thread", t, last_cpu, b->xml_bytes);
        for (size_t i = 0; i < b->n; i++)
                (void) persist_store_remove(s, b->uuids[i]);
        return 0;
}

/* ---- where the time goes ---- */

static void breakdown(Bench *b) {
        _cleanup_free_ char *buf = malloc(4 << 20);
        char num[NUM_BUF_SIZE];
        uint64_t n_values = 0;
        size_t len = 0;
        double t0, t_ser = 0, t_ser_short = 0, t_fmt, t_mem = 0, t_lib = 0, t_xml = 0, sink = 0;
        /* All single-threaded: CPU time of the process, which is what it costs. */
        size_t n_sample = b->n < 200 ? b->n : 200;

        if (!buf)
                return;
        /* Serialise into memory only. */
        for (size_t i = 0; i < n_sample; i++) {
                _cleanup_(persist_writer_freep) PersistWriter *w = NULL;
                ssize_t n;
                t0 = cpu_s();
                if (persist_writer_new(&w, b->rrds[i], PERSIST_FORMAT_XML, 0) < 0)
                        return;
                len = 0;
                while ((n = persist_writer_read(w, buf + len, 65536)) > 0)
                        len += (size_t) n;
                t_ser += cpu_s() - t0;
                {
                        /* Into a buffer of its own: buf must keep the document parsed below. */
                        _cleanup_(persist_writer_freep) PersistWriter *ws = NULL;
                        _cleanup_free_ char *other = malloc(8 << 20);
                        size_t k = 0;
                        if (!other)
                                return;
                        t0 = cpu_s();
                        if (persist_writer_new(&ws, b->rrds[i], PERSIST_FORMAT_XML,
                                               PERSIST_WRITER_SHORTEST) < 0)
                                return;
                        while ((n = persist_writer_read(ws, other + k, 65536)) > 0)
                                k += (size_t) n;
                        t_ser_short += cpu_s() - t0;
                }
                /* Parse from memory; then libxml2's reader alone over the same text. */
                Rrd *rrd = NULL;
                t0 = cpu_s();
                int lr = persist_load_memory(buf, len, NULL, &rrd, NULL);
                t_mem += cpu_s() - t0;
                if (lr < 0) {
                        fprintf(stderr, "load from memory failed: %s\n", strerror(-lr));
                        return;
                }
                rrd_destroy(rrd);
                rrd = NULL;
                t0 = cpu_s();
                lr = persist_load_memory_libxml(buf, len, NULL, &rrd, NULL);
                t_lib += cpu_s() - t0;
                if (lr < 0)
                        return;
                rrd_destroy(rrd);
                t0 = cpu_s();
                xmlTextReaderPtr r = xmlReaderForMemory(buf, (int) len, NULL, NULL,
                                                        XML_PARSE_NONET | XML_PARSE_COMPACT);
                while (r && xmlTextReaderRead(r) == 1)
                        sink += xmlTextReaderNodeType(r);
                xmlFreeTextReader(r);
                t_xml += cpu_s() - t0;
        }
        /* Number formatting alone, every double of the same RRDs. */
        t0 = cpu_s();
        for (size_t i = 0; i < n_sample; i++)
                for (size_t a = 0; a < rrd_n_rra(b->rrds[i]); a++)
                        for (uint32_t row = 0; row < rrd_rra_def(b->rrds[i], a)->rows; row++) {
                                const double *v = rrd_rra_row(b->rrds[i], a, row);
                                for (size_t k = 0; k < N_DS; k++, n_values++)
                                        sink += (double) persist_format_double(num, v[k]);
                        }
        t_fmt = cpu_s() - t0;
        double scale = (double) b->n / (double) n_sample;
        printf("where the time goes (CPU time, measured on %zu RRDs, scaled to %zu):\n", n_sample,
               b->n);
        printf("  %-44s %7.3f s  (%.0f ns per value)\n", "serialise to memory", t_ser * scale,
               t_ser / (double) n_values * 1e9);
        printf("  %-44s %7.3f s  (%.0f ns per value)\n", "  of which formatting doubles",
               t_fmt * scale, t_fmt / (double) n_values * 1e9);
        printf("  %-44s %7.3f s  (%.0f ns per value)\n", "serialise, PERSIST_WRITER_SHORTEST",
               t_ser_short * scale, t_ser_short / (double) n_values * 1e9);
        printf("  %-44s %7.3f s  (%.0f ns per value)\n", "load from memory (the fast path)",
               t_mem * scale, t_mem / (double) n_values * 1e9);
        printf("  %-44s %7.3f s  (%.0f ns per value)\n", "load from memory, libxml2 path only",
               t_lib * scale, t_lib / (double) n_values * 1e9);
        printf("  %-44s %7.3f s  (%.0f ns per value)\n", "  of which xmlTextReader alone",
               t_xml * scale, t_xml / (double) n_values * 1e9);
        if (sink == 1.2345)
                printf("\n");
}

/* ---- librrd ---- */

typedef int (*rrd_restore_fn)(int, char **);
typedef int (*rrd_dump_r_fn)(const char *, char *);
typedef char *(*rrd_get_error_fn)(void);
typedef void (*rrd_clear_error_fn)(void);

static int librrd(Bench *b, const char *dir, const char *label, double our_save, double our_load) {
        void *h = dlopen("librrd.so.8", RTLD_NOW | RTLD_LOCAL | RTLD_DEEPBIND);
        rrd_restore_fn restore;
        rrd_dump_r_fn dump;
        rrd_get_error_fn get_error;
        rrd_clear_error_fn clear_error;
        char in[512], out[512];
        double t_restore = 0, t_dump = 0, c_restore = 0, c_dump, t0, c0;
        uint64_t restore_bytes = 0, dump_bytes = 0;

        if (!h) {
                printf("librrd: not available (%s)\n", dlerror());
                return -ENOENT;
        }
        restore = (rrd_restore_fn) dlsym(h, "rrd_restore");
        dump = (rrd_dump_r_fn) dlsym(h, "rrd_dump_r");
        get_error = (rrd_get_error_fn) dlsym(h, "rrd_get_error");
        clear_error = (rrd_clear_error_fn) dlsym(h, "rrd_clear_error");
        if (!restore || !dump || !get_error || !clear_error) {
                printf("librrd: symbols missing\n");
                return -ENOENT;
        }
        printf("librrd 1.7.2, %s (%s):\n", label, dir);
        for (size_t i = 0; i < b->n; i++) {
                struct stat st;
                (void) snprintf(in, sizeof(in), "%s/%s.in.xml", dir, b->uuids[i]);
                (void) snprintf(out, sizeof(out), "%s/%s.rrd", dir, b->uuids[i]);
                FILE *f = fopen(in, "we");
                if (!f || dump_rrdtool(f, b->rrds[i], NULL) < 0 || fclose(f) != 0)
                        return -EIO;
                if (stat(in, &st) == 0)
                        restore_bytes += (uint64_t) st.st_size;
                char cmd[] = "restore", force[] = "-f";
                char *argv[] = {cmd, force, in, out, NULL};
                clear_error();
                t0 = now_s();
                c0 = cpu_s();
                int r = restore(4, argv);
                t_restore += now_s() - t0;
                c_restore += cpu_s() - c0;
                if (r != 0) {
                        printf("  rrd_restore: %s\n", get_error());
                        return -EIO;
                }
                (void) unlink(in);
        }
        t0 = now_s();
        c0 = cpu_s();
        for (size_t i = 0; i < b->n; i++) {
                (void) snprintf(in, sizeof(in), "%s/%s.rrd", dir, b->uuids[i]);
                (void) snprintf(out, sizeof(out), "%s/%s.out.xml", dir, b->uuids[i]);
                if (dump(in, out) != 0) {
                        printf("  rrd_dump_r: %s\n", get_error());
                        return -EIO;
                }
        }
        t_dump = now_s() - t0;
        c_dump = cpu_s() - c0;
        for (size_t i = 0; i < b->n; i++) {
                struct stat st;
                (void) snprintf(out, sizeof(out), "%s/%s.out.xml", dir, b->uuids[i]);
                if (stat(out, &st) == 0)
                        dump_bytes += (uint64_t) st.st_size;
                (void) unlink(out);
                (void) snprintf(in, sizeof(in), "%s/%s.rrd", dir, b->uuids[i]);
                (void) unlink(in);
        }
        report("rrd_dump_r all (no fsync)", t_dump, c_dump, dump_bytes);
        report("rrd_restore all (timed calls only)", t_restore, c_restore, restore_bytes);
        printf("  ratio dump/our save: %.2fx   restore/our load: %.2fx\n", t_dump / our_save,
               t_restore / our_load);
        return 0;
}

int main(int argc, char **argv) {
        Bench b = {.n = argc > 1 ? (size_t) strtoul(argv[1], NULL, 10) : 1000};
        char disk[256] = "/var/tmp/rrdd-bench-XXXXXX", shm[] = "/dev/shm/rrdd-bench-XXXXXX";
        double t0, save_disk = 0, load_disk = 0, save_shm = 0, load_shm = 0;

        if (argc > 2 && strlen(argv[2]) < 200) {
                memcpy(disk, argv[2], strlen(argv[2]) + 1);
                if (mkdir(disk, 0755) < 0 && errno != EEXIST)
                        return 1;
        } else if (!mkdtemp(disk))
                return 1;
        if (!mkdtemp(shm) || b.n == 0)
                return 1;
        (void) signal(SIGXFSZ, SIG_IGN);
        setenv("TZ", "UTC", 1);
        b.rrds = calloc(b.n, sizeof(*b.rrds));
        b.uuids = calloc(b.n, sizeof(*b.uuids));
        if (!b.rrds || !b.uuids)
                return 1;

        t0 = now_s();
        for (size_t i = 0; i < b.n; i++) {
                if (make_vm(&b.rrds[i]) < 0)
                        return 1;
                (void) snprintf(b.uuids[i], sizeof(b.uuids[i]), "%08x-0000-4000-8000-%012x",
                                (unsigned) i, (unsigned) i);
        }
        {
                _cleanup_(persist_writer_freep) PersistWriter *w = NULL;
                static char buf[65536];
                ssize_t n;
                if (persist_writer_new(&w, b.rrds[0], PERSIST_FORMAT_XML, 0) < 0)
                        return 1;
                while ((n = persist_writer_read(w, buf, sizeof(buf))) > 0)
                        b.xml_bytes += (uint64_t) n;
                b.xml_bytes *= b.n;
        }
        printf("%zu VM RRDs: %d DS (GAUGE/DERIVE), %zu AVERAGE archives, %u rows each; "
               "%.1f MB of XML (built in %.1f s)\n",
               b.n, N_DS, rrd_n_rra(b.rrds[0]), 774U, (double) b.xml_bytes / 1e6, now_s() - t0);

        if (ours(&b, disk, "disk", &save_disk, &load_disk) < 0 ||
            ours(&b, shm, "tmpfs", &save_shm, &load_shm) < 0)
                return 1;
        breakdown(&b);
        (void) librrd(&b, shm, "tmpfs", save_shm, load_shm);
        (void) librrd(&b, disk, "disk", save_disk, load_disk);
        printf("reference figures (benchmarks.md 1.5): rrd_dump_r x1000 2.3 s, rrd_restore x1000 "
               "10.0 s\n");

        (void) rmdir(shm);
        if (argc <= 2)
                (void) rmdir(disk);
        for (size_t i = 0; i < b.n; i++)
                rrd_destroy(b.rrds[i]);
        free(b.rrds);
        free(b.uuids);
        return 0;
}
