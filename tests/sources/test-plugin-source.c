/* SPDX-License-Identifier: MIT */
/*
 * The "plugins" source end to end, on real files in a temporary directory: discovery by scan
 * and inotify (create, delete, rename, replace by rename, ignored names, the directory coming
 * and going), the samples it emits, the inverse transform, xcp-rrdd's back-off, and isolation of
 * broken plugins from healthy ones.
 */

#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "rrdd/macro.h"
#include "sources/plugin.h"
#include "tests/sources/plugin-writers.h"
#include "tests/tap.h"

#define DINF ((double) INFINITY)
#define DNAN ((double) NAN)

#define VM_UUID "2d4f8e47-3c6b-4a1e-9f0d-7b2a5c8e1f30"
#define SR_UUID "5f1b9c2e-8d7a-4e3f-b6c1-0a9e8d7c6b5a"

/* ---- a sink that keeps copies of what it is given ---- */

typedef struct Got {
        SrcOwner owner;
        char name[64];
        char description[128];
        char units[32];
        SrcKind kind;
        SrcValueType value_type;
        int64_t i64;
        double d;
        double min;
        double max;
        bool is_default;
        usec_t timestamp_usec;
} Got;

typedef struct Collector {
        SrcSink sink;
        Got got[512];
        size_t n;
        size_t n_dropped;
} Collector;

static int collect(SrcSink *sink, const SrcSample *s) {
        Collector *c = sink->userdata;
        Got *g;

        if (c->n >= ELEMENTSOF(c->got)) {
                c->n_dropped++;
                return 0;
        }
        g = &c->got[c->n++];
        *g = (Got){
                .owner = s->owner,
                .kind = s->kind,
                .value_type = s->value_type,
                .min = s->min,
                .max = s->max,
                .is_default = s->is_default,
                .timestamp_usec = s->timestamp_usec,
        };
        (void) snprintf(g->name, sizeof(g->name), "%s", s->name);
        (void) snprintf(g->description, sizeof(g->description), "%s",
                        s->description ? s->description : "");
        (void) snprintf(g->units, sizeof(g->units), "%s", s->units ? s->units : "");
        if (s->value_type == SRC_VALUE_INT64)
                g->i64 = s->value.i64;
        else if (s->value_type == SRC_VALUE_DOUBLE)
                g->d = s->value.d;
        return 0;
}

static Collector collector;

static int sample(SrcInstance *s) {
        collector.sink = (SrcSink){.emit = collect, .userdata = &collector};
        collector.n = 0;
        return src_sample(s, 0, &collector.sink);
}

static const Got *got(const char *name) {
        for (size_t i = 0; i < collector.n; i++)
                if (strcmp(collector.got[i].name, name) == 0)
                        return &collector.got[i];
        return NULL;
}

static size_t n_got(const char *name) {
        size_t n = 0;
        for (size_t i = 0; i < collector.n; i++)
                n += strcmp(collector.got[i].name, name) == 0;
        return n;
}

static SrcPluginsStats stats(const SrcInstance *s) {
        SrcPluginsStats st = {0};
        (void) src_plugins_get_stats(s, &st);
        return st;
}

/* ---- fixtures ---- */

static char top[256];

static int make_top(void) {
        const char *tmp = getenv("TMPDIR");
        (void) snprintf(top, sizeof(top), "%s/test-plugin-source-XXXXXX", tmp ? tmp : "/tmp");
        return mkdtemp(top) ? 0 : -errno;
}

/* A fresh directory under the top one; returns an O_PATH-free directory fd. */
static int make_dir(const char *name, char *path, size_t size) {
        (void) snprintf(path, size, "%s/%s", top, name);
        if (mkdir(path, 0700) < 0)
                return -errno;
        return open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
}

static int remove_entry(const char *path, const struct stat *st, int type, struct FTW *ftw) {
        (void) st;
        (void) ftw;
        return type == FTW_DP ? rmdir(path) : unlink(path);
}

static void remove_tree(const char *path) {
        (void) nftw(path, remove_entry, 16, FTW_DEPTH | FTW_PHYS);
}

static int open_source(SrcInstance **ret, const char *dir, bool plugin_default) {
        SrcConfig cfg = {.plugin_dir = dir, .plugin_default = plugin_default};
        int r = src_instance_new(ret, &src_plugins);
        return r < 0 ? r : src_open(*ret, &cfg);
}

/* One gauge named @name with value @v, written as @style at time @ts. */
typedef enum Style {
        STYLE_V2_OCAML,
        STYLE_V2_PYTHON,
        STYLE_V1_OCAML,
} Style;

static int write_gauge(int dir_fd, const char *file, Style style, const char *name, double v,
                       double ts) {
        TwDs ds = {.name = name,
                   .type = "gauge",
                   .d = v,
                   .min = -DINF,
                   .max = DINF,
                   .is_default = true};
        TwImage img;
        int r = style == STYLE_V2_OCAML    ? tw_v2_ocaml(&ds, 1, ts, false, &img)
                : style == STYLE_V2_PYTHON ? tw_v2_python(&ds, 1, ts, &img)
                                           : tw_v1_ocaml(&ds, 1, ts, &img);
        if (r < 0)
                return r;
        r = tw_write_in_place(dir_fd, file, &img, SIZE_MAX);
        tw_image_free(&img);
        return r;
}

/* ---- tests ---- */

/* Every field of every data source reaches the sink as the plugin wrote it. */
static void test_fields(void) {
        static const TwDs ds[] = {
                {.name = "memory_total_kib",
                 .description = "Total memory",
                 .owner = "host",
                 .type = "gauge",
                 .is_int64 = true,
                 .i64 = 16777216,
                 .is_default = true,
                 .units = "KiB",
                 .min = 0,
                 .max = DINF},
                {.name = "vif_0_rx",
                 .description = "Bytes per second received",
                 .owner = "vm " VM_UUID,
                 .type = "derive",
                 .is_int64 = true,
                 .i64 = 123456789,
                 .is_default = true,
                 .units = "B/s",
                 .min = 0,
                 .max = DINF},
                {.name = "io_throughput_read",
                 .owner = "sr " SR_UUID,
                 .type = "absolute",
                 .d = 2.5,
                 .units = "MiB/s",
                 .min = DNAN,
                 .max = 100},
        };
        _cleanup_(src_instance_freep) SrcInstance *s = NULL;
        char path[512];
        int dir = make_dir("fields", path, sizeof(path));
        TwImage img;
        const Got *g;

        CHECK(dir >= 0);
        CHECK(tw_v2_ocaml(ds, ELEMENTSOF(ds), 1700000000.5, false, &img) == 0);
        CHECK(tw_write_in_place(dir, "fields", &img, SIZE_MAX) == 0);
        tw_image_free(&img);
        CHECK(open_source(&s, path, false) == 0);
        CHECK(sample(s) == 0);
        CHECK(collector.n == 3);

        g = got("memory_total_kib");
        if (CHECK(g)) {
                CHECK(g->owner.kind == SRC_OWNER_HOST && g->owner.uuid[0] == '\0');
                CHECK(g->kind == SRC_GAUGE && g->value_type == SRC_VALUE_INT64);
                CHECK(g->i64 == 16777216 && g->is_default);
                CHECK(strcmp(g->description, "Total memory") == 0 && strcmp(g->units, "KiB") == 0);
                CHECK(g->min == 0 && g->max == DINF);
                CHECK(g->timestamp_usec == 1700000000500000ULL);
        }
        g = got("vif_0_rx");
        if (CHECK(g)) {
                CHECK(g->owner.kind == SRC_OWNER_VM && strcmp(g->owner.uuid, VM_UUID) == 0);
                CHECK(g->kind == SRC_DERIVE && g->value_type == SRC_VALUE_INT64);
                CHECK(g->i64 == 123456789);
        }
        g = got("io_throughput_read");
        if (CHECK(g)) {
                CHECK(g->owner.kind == SRC_OWNER_SR && strcmp(g->owner.uuid, SR_UUID) == 0);
                CHECK(g->kind == SRC_ABSOLUTE && g->value_type == SRC_VALUE_DOUBLE);
                CHECK(g->d == 2.5 && !g->is_default);
                CHECK(strcmp(g->description, "") == 0);
                /* A NaN bound means no bound. */
                CHECK(g->min == -DINF && g->max == 100);
        }
        (void) close(dir);
}

static void test_plugin_default(void) {
        for (int is_all = 0; is_all <= 1; is_all++) {
                _cleanup_(src_instance_freep) SrcInstance *s = NULL;
                TwDs ds[] = {
                        {.name = "on", .type = "gauge", .d = 1, .is_default = true},
                        {.name = "off", .type = "gauge", .d = 2, .is_default = false},
                };
                char path[512], name[32];
                TwImage img;
                int dir;

                (void) snprintf(name, sizeof(name), "default-%d", is_all);
                dir = make_dir(name, path, sizeof(path));
                CHECK(tw_v2_ocaml(ds, 2, 1700000000, false, &img) == 0);
                CHECK(tw_write_in_place(dir, "p", &img, SIZE_MAX) == 0);
                tw_image_free(&img);
                CHECK(open_source(&s, path, is_all) == 0);
                CHECK(sample(s) == 0 && collector.n == 2);
                CHECK(got("on") && got("on")->is_default);
                CHECK(got("off") && got("off")->is_default == (bool) is_all);
                (void) close(dir);
        }
}

static void test_discovery(void) {
        _cleanup_(src_instance_freep) SrcInstance *s = NULL;
        char path[512];
        int dir = make_dir("discovery", path, sizeof(path));
        double ts = 1700000000;

        /* Present at start: one plugin, and names discovery must skip. */
        CHECK(write_gauge(dir, "a", STYLE_V2_OCAML, "a_value", 1, ts) == 0);
        CHECK(write_gauge(dir, "b.tmp", STYLE_V2_OCAML, "b_value", 2, ts) == 0);
        CHECK(write_gauge(dir, "tap-3-51712", STYLE_V2_OCAML, "tap_value", 3, ts) == 0);
        CHECK(mkdirat(dir, "sub", 0700) == 0);
        CHECK(open_source(&s, path, false) == 0);
        CHECK(sample(s) == 0);
        CHECK(collector.n == 1 && got("a_value") && got("a_value")->d == 1);
        CHECK(stats(s).n_plugins == 1);

        /* Created later, in both protocols; ignored names stay ignored. */
        ts += 5;
        CHECK(write_gauge(dir, "a", STYLE_V2_OCAML, "a_value", 10, ts) == 0);
        CHECK(write_gauge(dir, "c", STYLE_V1_OCAML, "c_value", 4, ts) == 0);
        CHECK(write_gauge(dir, "tap-4-51713", STYLE_V2_OCAML, "tap_value", 3, ts) == 0);
        CHECK(write_gauge(dir, "x.tmp", STYLE_V2_OCAML, "x_value", 3, ts) == 0);
        CHECK(sample(s) == 0);
        CHECK(collector.n == 2 && got("a_value") && got("c_value") && got("c_value")->d == 4);
        CHECK(got("a_value") && got("a_value")->d == 10);

        /* Written as a temporary file and renamed into place. */
        {
                TwDs ds = {.name = "d_value", .type = "gauge", .d = 5};
                TwImage img;
                CHECK(tw_v2_python(&ds, 1, ts, &img) == 0);
                CHECK(tw_write_rename(dir, "d", &img) == 0);
                tw_image_free(&img);
        }
        ts += 5;
        CHECK(write_gauge(dir, "a", STYLE_V2_OCAML, "a_value", 11, ts) == 0);
        CHECK(write_gauge(dir, "c", STYLE_V1_OCAML, "c_value", 12, ts) == 0);
        CHECK(sample(s) == 0);
        CHECK(collector.n == 3 && got("d_value") && got("d_value")->d == 5);

        /* Deleted: gone. Renamed: the old name is gone, the new one is a new plugin. */
        ts += 5;
        CHECK(unlinkat(dir, "a", 0) == 0);
        CHECK(renameat(dir, "c", dir, "e") == 0);
        CHECK(sample(s) == 0);
        CHECK(!got("a_value"));
        CHECK(got("c_value") && got("c_value")->d == 12); /* "e": same contents, fresh plugin */
        CHECK(stats(s).n_plugins == 2);
        CHECK(src_plugins_get_backoff(s, "c", NULL, NULL) == -ENOENT);
        CHECK(src_plugins_get_backoff(s, "e", NULL, NULL) == 0);
        CHECK(src_plugins_get_backoff(s, "b.tmp", NULL, NULL) == -ENOENT);
        (void) close(dir);
}

/* The plugin directory may be missing at start, and may vanish and come back. */
static void test_directory_lifecycle(void) {
        _cleanup_(src_instance_freep) SrcInstance *s = NULL;
        char path[512];
        int dir;

        (void) snprintf(path, sizeof(path), "%s/later", top);
        CHECK(open_source(&s, path, false) == 0);
        CHECK(sample(s) == 0 && collector.n == 0);

        dir = make_dir("later", path, sizeof(path));
        CHECK(write_gauge(dir, "p1", STYLE_V2_OCAML, "p1_value", 1, 1700000000) == 0);
        CHECK(sample(s) == 0 && collector.n == 1 && got("p1_value"));
        (void) close(dir);

        remove_tree(path);
        CHECK(sample(s) == 0 && collector.n == 0);
        CHECK(stats(s).n_plugins == 0);

        dir = make_dir("later", path, sizeof(path));
        CHECK(write_gauge(dir, "p2", STYLE_V2_OCAML, "p2_value", 2, 1700000005) == 0);
        CHECK(sample(s) == 0 && collector.n == 1 && got("p2_value") && got("p2_value")->d == 2);
        (void) close(dir);
}

/*
 * Writers may rewrite in place or replace the file by rename; a descriptor held across reads
 * must not keep reading a replaced file (xcp-rrdd's mmap does).
 */
static void test_rewrite_and_replace(void) {
        for (int budget = 0; budget <= 1; budget++) {
                _cleanup_(src_instance_freep) SrcInstance *s = NULL;
                char path[512], name[32];
                TwDs ds = {.name = "v", .type = "gauge", .d = 1};
                TwImage img;
                int dir;

                (void) snprintf(name, sizeof(name), "replace-%d", budget);
                dir = make_dir(name, path, sizeof(path));
                CHECK(tw_v2_ocaml(&ds, 1, 1700000000, false, &img) == 0);
                CHECK(tw_write_in_place(dir, "p", &img, SIZE_MAX) == 0);
                tw_image_free(&img);
                CHECK(open_source(&s, path, false) == 0);
                CHECK(src_plugins_set_max_fds(s, budget ? 64 : 0) == 0);
                CHECK(sample(s) == 0 && got("v") && got("v")->d == 1);
                CHECK(stats(s).n_fds_held == (size_t) budget);

                ds.d = 2;
                CHECK(tw_v2_ocaml(&ds, 1, 1700000005, false, &img) == 0);
                CHECK(tw_write_in_place(dir, "p", &img, SIZE_MAX) == 0);
                tw_image_free(&img);
                CHECK(sample(s) == 0 && got("v") && got("v")->d == 2);

                ds.d = 3;
                CHECK(tw_v2_ocaml(&ds, 1, 1700000010, false, &img) == 0);
                CHECK(tw_write_rename(dir, "p", &img) == 0);
                tw_image_free(&img);
                CHECK(sample(s) == 0 && got("v") && got("v")->d == 3);

                /* Shrinking in place (a truncating writer) is just another rewrite. */
                ds.d = 4;
                CHECK(tw_v2_python(&ds, 1, 1700000015, &img) == 0);
                CHECK(tw_write_prefix(dir, "p", &img, img.size) == 0);
                tw_image_free(&img);
                CHECK(sample(s) == 0 && got("v") && got("v")->d == 4);
                if (budget)
                        CHECK(stats(s).n_reopens >= 1);
                (void) close(dir);
        }
}

/* The descriptor budget is respected, and plugins beyond it are still read. */
static void test_fd_budget(void) {
        _cleanup_(src_instance_freep) SrcInstance *s = NULL;
        char path[512];
        int dir = make_dir("budget", path, sizeof(path));

        for (int i = 0; i < 10; i++) {
                char file[16], name[16];
                (void) snprintf(file, sizeof(file), "p%d", i);
                (void) snprintf(name, sizeof(name), "v%d", i);
                CHECK(write_gauge(dir, file, STYLE_V2_PYTHON, name, i, 1700000000) == 0);
        }
        CHECK(open_source(&s, path, false) == 0);
        CHECK(src_plugins_set_max_fds(s, 4) == 0);
        CHECK(sample(s) == 0 && collector.n == 10);
        CHECK(stats(s).n_fds_held == 4);
        CHECK(src_plugins_set_max_fds(s, 1) == 0 && stats(s).n_fds_held == 1);
        (void) close(dir);
}

/* Inverse gauges become 1 - v; inverse counters the complement of their rate. */
static void test_inverse(Style style) {
        _cleanup_(src_instance_freep) SrcInstance *s = NULL;
        static const double ts[] = {1000, 1005, 1010, 1010, 1012.5, 1017.5};
        static const double idle[] = {100, 104, 104.5, 106, 107, 107.5};
        static const int64_t idle_ns[] = {0,          4000000000, 4500000000,
                                          6000000000, 7000000000, 7500000000};
        char path[512], name[32];
        int dir;

        (void) snprintf(name, sizeof(name), "inverse-%d", style);
        dir = make_dir(name, path, sizeof(path));
        CHECK(open_source(&s, path, false) == 0);
        for (size_t k = 0; k < ELEMENTSOF(ts); k++) {
                TwDs ds[] = {
                        {.name = "g",
                         .type = "gauge",
                         .d = 0.25 + (double) k / 100,
                         .min = 0,
                         .max = 1,
                         .is_inverse = true},
                        {.name = "cpu0",
                         .type = "derive",
                         .d = idle[k],
                         .min = 0,
                         .max = 1,
                         .is_default = true,
                         .is_inverse = true},
                        {.name = "cpu_ns",
                         .type = "derive",
                         .is_int64 = true,
                         .i64 = idle_ns[k],
                         .min = -DINF,
                         .max = DINF,
                         .is_inverse = true},
                        {.name = "abs", .type = "absolute", .d = 2.5, .is_inverse = true},
                        {.name = "plain", .type = "derive", .d = idle[k]},
                };
                TwImage img;
                const Got *g;

                if (style == STYLE_V2_OCAML)
                        CHECK(tw_v2_ocaml(ds, ELEMENTSOF(ds), ts[k], false, &img) == 0);
                else
                        CHECK(tw_v2_python(ds, ELEMENTSOF(ds), ts[k], &img) == 0);
                CHECK(tw_write_in_place(dir, "cpu", &img, SIZE_MAX) == 0);
                tw_image_free(&img);
                CHECK(sample(s) == 0 && collector.n == ELEMENTSOF(ds));

                g = got("g");
                CHECK(g && g->kind == SRC_GAUGE && g->value_type == SRC_VALUE_DOUBLE &&
                      fabs(g->d - (1 - (0.25 + (double) k / 100))) < 1e-12);
                g = got("plain");
                CHECK(g && g->kind == SRC_DERIVE && g->d == idle[k]);

                /* Unknown on the first reading and when time did not advance. */
                bool is_known = k > 0 && ts[k] > ts[k - 1];
                g = got("cpu0");
                if (!CHECK(g && g->kind == SRC_GAUGE))
                        continue;
                CHECK(g->min == 0 && g->max == 1 && g->is_default);
                if (!is_known) {
                        CHECK(g->value_type == SRC_VALUE_UNKNOWN);
                        CHECK(got("cpu_ns")->value_type == SRC_VALUE_UNKNOWN);
                        CHECK(got("abs")->value_type == SRC_VALUE_UNKNOWN);
                        continue;
                }
                /* rrdd.py writes whole seconds. */
                double dt = style == STYLE_V2_PYTHON ? floor(ts[k]) - floor(ts[k - 1])
                                                     : ts[k] - ts[k - 1];
                double want = 1 - (idle[k] - idle[k - 1]) / dt;
                CHECKF(g->value_type == SRC_VALUE_DOUBLE && fabs(g->d - want) < 1e-12,
                       "step %zu: %g, want %g", k, g->d, want);
                g = got("cpu_ns");
                want = 1 - (double) (idle_ns[k] - idle_ns[k - 1]) / dt;
                CHECK(g->value_type == SRC_VALUE_DOUBLE && fabs(g->d - want) < 1e-6);
                g = got("abs");
                CHECK(g->value_type == SRC_VALUE_DOUBLE && fabs(g->d - (1 - 2.5 / dt)) < 1e-12);
        }
        (void) close(dir);
}

/* The sample() calls (1-based) at which a plugin that fails every time is attempted. */
static void expected_attempts(bool attempts[], size_t n_calls) {
        size_t next = 1, interval = 1;

        memset(attempts, 0, n_calls + 1);
        while (next <= n_calls) {
                attempts[next] = true;
                interval = interval * 2 > 256 ? 256 : interval * 2;
                next += interval;
        }
}

/* Read errors double the interval between attempts up to 256 calls; success resets it. */
static void test_backoff_errors(void) {
        _cleanup_(src_instance_freep) SrcInstance *s = NULL;
        enum { N_CALLS = 1100 };
        static bool want[N_CALLS + 1];
        char path[512];
        int dir = make_dir("backoff", path, sizeof(path));
        size_t n_wrong = 0, last_attempt = 0;
        unsigned backoff = 0, skip = 0;

        uint8_t junk[] = "DATASOURCES junk";
        CHECK(tw_write_prefix(dir, "bad", &(TwImage){.data = junk, .size = 16}, 16) == 0);
        CHECK(open_source(&s, path, false) == 0);
        expected_attempts(want, N_CALLS);
        for (size_t call = 1; call <= N_CALLS; call++) {
                uint64_t before = stats(s).n_attempts;

                /* A healthy neighbour, rewritten every call, is read every call. */
                if (write_gauge(dir, "good", STYLE_V2_PYTHON, "good_value", (double) call,
                                1700000000 + 5 * (double) call) < 0)
                        n_wrong++;
                (void) sample(s);
                bool is_attempt = stats(s).n_attempts - before == 2;
                if (is_attempt != want[call] || !got("good_value") ||
                    got("good_value")->d != (double) call)
                        n_wrong++;
                if (is_attempt)
                        last_attempt = call;
        }
        CHECKF(n_wrong == 0, "%zu calls off the expected schedule", n_wrong);
        CHECK(src_plugins_get_backoff(s, "bad", &backoff, &skip) == 0 &&
              backoff == SRC_PLUGINS_MAX_BACKOFF);

        /* Fixed: read at its next attempt, then every call again. */
        CHECK(write_gauge(dir, "bad", STYLE_V2_OCAML, "bad_value", 1, 1700000000) == 0);
        size_t fixed_at = 0;
        for (size_t call = N_CALLS + 1; call <= N_CALLS + 300 && !fixed_at; call++) {
                (void) write_gauge(dir, "good", STYLE_V2_PYTHON, "good_value", 1,
                                   1700000000 + 5 * (double) call);
                (void) sample(s);
                if (got("bad_value"))
                        fixed_at = call;
        }
        CHECK(fixed_at == last_attempt + 256);
        CHECK(src_plugins_get_backoff(s, "bad", &backoff, &skip) == 0 && backoff == 1 && skip == 0);
        CHECK(write_gauge(dir, "bad", STYLE_V2_OCAML, "bad_value", 2, 1700000005) == 0);
        CHECK(sample(s) == 0 && got("bad_value") && got("bad_value")->d == 2);
        (void) close(dir);
}

/* "No update" (the same checksum again) backs off like an error, as in xcp-rrdd. */
static void test_backoff_no_update(Style style) {
        _cleanup_(src_instance_freep) SrcInstance *s = NULL;
        char path[512], name[32];
        int dir;
        size_t n_wrong = 0;

        (void) snprintf(name, sizeof(name), "noupdate-%d", style);
        dir = make_dir(name, path, sizeof(path));
        CHECK(write_gauge(dir, "still", style, "still_value", 7, 1700000000) == 0);
        CHECK(open_source(&s, path, false) == 0);
        CHECK(sample(s) == 0 && got("still_value"));
        /* After a success at call 1: attempts at 2, 4, 8, 16, 32, 64 (1, 3, 7 … skipped). */
        for (size_t call = 2; call <= 64; call++) {
                uint64_t before = stats(s).n_no_update;
                (void) sample(s);
                bool is_attempt = stats(s).n_no_update - before == 1;
                if (is_attempt != ((call & (call - 1)) == 0) || collector.n != 0)
                        n_wrong++;
        }
        CHECK(n_wrong == 0);
        /* Rewritten between attempts: picked up at the next one (call 128), then every call. */
        CHECK(write_gauge(dir, "still", style, "still_value", 8, 1700000005) == 0);
        for (size_t call = 65; call < 128; call++) {
                (void) sample(s);
                if (collector.n != 0)
                        n_wrong++;
        }
        CHECK(n_wrong == 0);
        CHECK(sample(s) == 0 && got("still_value") && got("still_value")->d == 8);
        CHECK(write_gauge(dir, "still", style, "still_value", 9, 1700000010) == 0);
        CHECK(sample(s) == 0 && got("still_value") && got("still_value")->d == 9);
        (void) close(dir);
}

/*
 * A plugin file cut at every byte offset never crashes the source, never emits any of its data
 * sources, and never disturbs a healthy plugin next to it.
 */
static void test_truncated_neighbours(Style style) {
        _cleanup_(src_instance_freep) SrcInstance *s = NULL;
        TwDs ds[] = {
                {.name = "bad_a",
                 .type = "derive",
                 .is_int64 = true,
                 .i64 = 5,
                 .owner = "vm " VM_UUID,
                 .description = "something",
                 .units = "B/s"},
                {.name = "bad_b", .type = "gauge", .d = 0.5, .is_inverse = true},
        };
        char path[512], name[32];
        TwImage img;
        size_t n_wrong = 0;
        int dir;

        (void) snprintf(name, sizeof(name), "truncated-%d", style);
        dir = make_dir(name, path, sizeof(path));
        CHECK(open_source(&s, path, false) == 0);
        if (style == STYLE_V2_OCAML)
                CHECK(tw_v2_ocaml(ds, 2, 1700000000, false, &img) == 0);
        else if (style == STYLE_V2_PYTHON)
                CHECK(tw_v2_python(ds, 2, 1700000000, &img) == 0);
        else
                CHECK(tw_v1_ocaml(ds, 2, 1700000000, &img) == 0);

        for (size_t k = 0; k < img.payload_size; k++) {
                uint64_t errors = stats(s).n_errors;

                /* Deleted and created again: a new plugin, attempted at once. */
                (void) unlinkat(dir, "bad", 0);
                if (tw_write_prefix(dir, "bad", &img, k) < 0 ||
                    write_gauge(dir, "good", STYLE_V2_OCAML, "good_value", (double) k,
                                1700000000 + 5 * (double) k) < 0) {
                        n_wrong++;
                        continue;
                }
                if (sample(s) != 0 || collector.n != 1 || !got("good_value") ||
                    got("good_value")->d != (double) k || stats(s).n_errors != errors + 1)
                        n_wrong++;
        }
        CHECKF(n_wrong == 0, "style %d: %zu offsets misbehaved", style, n_wrong);
        /* And the whole file is fine. */
        (void) unlinkat(dir, "bad", 0);
        CHECK(tw_write_prefix(dir, "bad", &img, img.size) == 0);
        CHECK(sample(s) == 0 && got("bad_a") && got("bad_b") && n_got("bad_a") == 1);
        tw_image_free(&img);
        (void) close(dir);
}

/* The metadata cache seen from outside: stable metadata is parsed once. */
static void test_metadata_cache(void) {
        _cleanup_(src_instance_freep) SrcInstance *s = NULL;
        char path[512];
        int dir = make_dir("cache", path, sizeof(path));

        CHECK(open_source(&s, path, false) == 0);
        for (int k = 0; k < 5; k++) {
                CHECK(write_gauge(dir, "py", STYLE_V2_PYTHON, "py_value", k, 1700000000 + 5 * k) ==
                      0);
                CHECK(write_gauge(dir, "ml", STYLE_V2_OCAML, "ml_value", k, 1700000000 + 5 * k) ==
                      0);
                CHECK(sample(s) == 0 && collector.n == 2);
        }
        /* Python's metadata is parsed once; OCaml's, which embeds the value, every time. */
        CHECK(stats(s).n_meta_parsed == 1 + 5);
        CHECK(stats(s).n_meta_cached == 4);
        (void) close(dir);
}

/* Things that are not plugin files: a FIFO must not block, a directory is not a plugin. */
static void test_odd_files(void) {
        _cleanup_(src_instance_freep) SrcInstance *s = NULL;
        char path[512];
        int dir = make_dir("odd", path, sizeof(path));

        CHECK(write_gauge(dir, "ok", STYLE_V2_OCAML, "ok_value", 1, 1700000000) == 0);
        CHECK(symlinkat("ok", dir, "link-at-start") == 0);
        CHECK(open_source(&s, path, false) == 0);
        CHECK(sample(s) == 0 && collector.n == 1 && got("ok_value"));
        /* Created while running, they are tried (and fail) without hanging anything. */
        CHECK(mkfifoat(dir, "fifo", 0600) == 0);
        CHECK(symlinkat("ok", dir, "link") == 0);
        CHECK(mkdirat(dir, "subdir", 0700) == 0);
        CHECK(write_gauge(dir, "ok", STYLE_V2_OCAML, "ok_value", 2, 1700000005) == 0);
        CHECK(sample(s) == 0 && collector.n == 1);
        CHECK(src_plugins_get_backoff(s, "subdir", NULL, NULL) == -ENOENT);
        CHECK(stats(s).n_errors >= 1);
        (void) close(dir);
}

/* Many plugins at once: all found by the scan, all read. */
static void test_many(void) {
        _cleanup_(src_instance_freep) SrcInstance *s = NULL;
        char path[512];
        int dir = make_dir("many", path, sizeof(path));
        enum { N = 300 };

        for (int i = 0; i < N; i++) {
                char file[16];
                (void) snprintf(file, sizeof(file), "plugin-%03d", i);
                if (write_gauge(dir, file, i % 2 ? STYLE_V1_OCAML : STYLE_V2_PYTHON, "v", i,
                                1700000000) < 0)
                        break;
        }
        CHECK(open_source(&s, path, false) == 0);
        CHECK(sample(s) == 0 && collector.n == N && n_got("v") == N);
        CHECK(stats(s).n_plugins == N);
        (void) close(dir);
}

int main(void) {
        if (!CHECK(make_top() == 0))
                return TAP_DONE();
        test_fields();
        test_plugin_default();
        test_discovery();
        test_directory_lifecycle();
        test_rewrite_and_replace();
        test_fd_budget();
        test_inverse(STYLE_V2_OCAML);
        test_inverse(STYLE_V2_PYTHON);
        test_backoff_errors();
        test_backoff_no_update(STYLE_V2_OCAML);
        test_backoff_no_update(STYLE_V1_OCAML);
        test_truncated_neighbours(STYLE_V2_OCAML);
        test_truncated_neighbours(STYLE_V2_PYTHON);
        test_truncated_neighbours(STYLE_V1_OCAML);
        test_metadata_cache();
        test_odd_files();
        test_many();
        remove_tree(top);
        return TAP_DONE();
}
