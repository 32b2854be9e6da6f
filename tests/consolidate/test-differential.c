/* SPDX-License-Identifier: MIT */
/*
 * Differential test of the RRD engine against librrd 1.7.2. Seeded random scenarios (all six
 * data-source types, 1-5 data sources, 1-5 archives, irregular and fractional times, unknowns,
 * 32/64-bit wraps, gaps longer than the heartbeat and the archive) are fed as the same update
 * strings to rrd_update_r() and to rrd_update_at(). After every update the whole state is compared
 * bit for bit (NaN equals NaN), read from rrdtool's binary file: last update time, per data
 * source last_ds / value / unknown_sec, per archive and data source the CDP value, unknown PDPs,
 * primary and secondary values, and every row in logical order. At the end of each scenario,
 * rrd_fetch_r() and rrd_fetch_rows() are compared for several windows and CFs.
 *
 * Environment: RRDD_DIFF_SEED (default 1), RRDD_DIFF_SCENARIOS (default 400). A failure prints
 * the seed, the scenario number, the create arguments and the updates so far.
 */

#include <fcntl.h>
#include <inttypes.h>
#include <math.h>
#include <rrd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "consolidate/fetch.h"
#include "consolidate/rrd.h"
#include "consolidate/spec.h"
#include "rrdd/macro.h"
#include "tests/tap.h"

#define MAX_DS 5
#define MAX_RRA 5
#define MAX_UPDATES 200
#define ARG_MAX_LEN 512

/* splitmix64: small, seedable, good enough to pick scenarios. */
static uint64_t rng_state;

static uint64_t rng_next(void) {
        uint64_t z = (rng_state += UINT64_C(0x9E3779B97F4A7C15));
        z = (z ^ (z >> 30)) * UINT64_C(0xBF58476D1CE4E5B9);
        z = (z ^ (z >> 27)) * UINT64_C(0x94D049BB133111EB);
        return z ^ (z >> 31);
}

static uint64_t rng_below(uint64_t n) {
        return n ? rng_next() % n : 0;
}

static double rng_unit(void) {
        return (double) (rng_next() >> 11) / 9007199254740992.0;
}

static bool rng_chance(unsigned percent) {
        return rng_below(100) < percent;
}

#define PICK(arr) ((arr)[rng_below(ELEMENTSOF(arr))])

/* What rrdtool's binary file says, x86-64 layout of format version 3 and 5. */
typedef struct FileState {
        int64_t last_up;
        long last_up_usec;
        size_t n_ds, n_rra;
        char last_ds[MAX_DS][31];
        uint64_t unknown_sec[MAX_DS];
        double pdp_value[MAX_DS];
        double cdp_value[MAX_RRA][MAX_DS];
        uint64_t cdp_unknown[MAX_RRA][MAX_DS];
        double cdp_primary[MAX_RRA][MAX_DS];
        double cdp_secondary[MAX_RRA][MAX_DS];
        uint64_t rows[MAX_RRA];
        uint64_t cur_row[MAX_RRA];
        double *ring[MAX_RRA];
} FileState;

static void file_state_done(FileState *s) {
        for (size_t a = 0; a < MAX_RRA; a++) {
                free(s->ring[a]);
                s->ring[a] = NULL;
        }
}

static uint64_t rd_u64(const uint8_t *p) {
        uint64_t v;
        memcpy(&v, p, 8);
        return v;
}

static double rd_f64(const uint8_t *p) {
        double v;
        memcpy(&v, p, 8);
        return v;
}

static int read_file_state(const char *path, FileState *s) {
        _cleanup_close_ int fd = open(path, O_RDONLY | O_CLOEXEC);
        struct stat st;
        _cleanup_free_ uint8_t *buf = NULL;
        size_t off;

        if (fd < 0 || fstat(fd, &st) < 0)
                return -errno;
        buf = malloc((size_t) st.st_size);
        if (!buf || read(fd, buf, (size_t) st.st_size) != st.st_size)
                return -EIO;
        s->n_ds = rd_u64(buf + 24);
        s->n_rra = rd_u64(buf + 32);
        if (s->n_ds > MAX_DS || s->n_rra > MAX_RRA)
                return -E2BIG;
        off = 128 + 120 * s->n_ds;
        for (size_t a = 0; a < s->n_rra; a++)
                s->rows[a] = rd_u64(buf + off + 120 * a + 24);
        off += 120 * s->n_rra;
        s->last_up = (int64_t) rd_u64(buf + off);
        s->last_up_usec = (long) rd_u64(buf + off + 8);
        off += 16;
        for (size_t i = 0; i < s->n_ds; i++) {
                const uint8_t *p = buf + off + 112 * i;
                memcpy(s->last_ds[i], p, 30);
                s->last_ds[i][30] = '\0';
                s->unknown_sec[i] = rd_u64(p + 32);
                s->pdp_value[i] = rd_f64(p + 40);
        }
        off += 112 * s->n_ds;
        for (size_t a = 0; a < s->n_rra; a++)
                for (size_t i = 0; i < s->n_ds; i++) {
                        const uint8_t *p = buf + off + 80 * (a * s->n_ds + i);
                        s->cdp_value[a][i] = rd_f64(p);
                        s->cdp_unknown[a][i] = rd_u64(p + 8);
                        s->cdp_primary[a][i] = rd_f64(p + 64);
                        s->cdp_secondary[a][i] = rd_f64(p + 72);
                }
        off += 80 * s->n_rra * s->n_ds;
        for (size_t a = 0; a < s->n_rra; a++)
                s->cur_row[a] = rd_u64(buf + off + 8 * a);
        off += 8 * s->n_rra;
        for (size_t a = 0; a < s->n_rra; a++) {
                size_t n = s->rows[a] * s->n_ds;
                if (off + n * 8 > (size_t) st.st_size)
                        return -EIO;
                s->ring[a] = malloc(n * sizeof(double));
                if (!s->ring[a])
                        return -ENOMEM;
                memcpy(s->ring[a], buf + off, n * sizeof(double));
                off += n * 8;
        }
        return 0;
}

static bool same_double(double a, double b) {
        if (isnan(a) || isnan(b))
                return isnan(a) && isnan(b);
        return memcmp(&a, &b, sizeof(double)) == 0;
}

/* The scenario being run, kept for the failure report. */
typedef struct Scenario {
        unsigned index;
        int n_create;
        char create[1 + MAX_DS + MAX_RRA][ARG_MAX_LEN];
        unsigned long step;
        int64_t start;
        int n_updates;
        char updates[MAX_UPDATES][ARG_MAX_LEN];
} Scenario;

static uint64_t seed;
static unsigned long n_total_updates, n_rejected_updates, n_state_checks, n_fetch_checks;

static void report(const Scenario *sc, const char *what) {
        printf("# MISMATCH seed=%" PRIu64 " scenario=%u: %s\n", seed, sc->index, what);
        printf("# rrdtool create x.rrd --start %" PRId64 " --step %lu", sc->start, sc->step);
        for (int i = 0; i < sc->n_create; i++)
                printf(" %s", sc->create[i]);
        printf("\n# updates:");
        for (int i = 0; i < sc->n_updates; i++)
                printf(" %s", sc->updates[i]);
        printf("\n");
}

/* Compares the whole engine state with the file; returns the number of mismatches. */
static int compare_state(const Scenario *sc, const Rrd *rrd, const FileState *fs,
                         char last_text[MAX_DS][ARG_MAX_LEN]) {
        char what[256];
        int bad = 0;

#define MISMATCH(...)                                             \
        do {                                                      \
                (void) snprintf(what, sizeof(what), __VA_ARGS__); \
                report(sc, what);                                 \
                bad++;                                            \
        } while (0)

        if (fs->last_up != rrd_last_up(rrd) || fs->last_up_usec != (long) rrd_last_up_usec(rrd))
                MISMATCH("last_up %" PRId64 ".%06ld vs ours %" PRId64 ".%06u", fs->last_up,
                         fs->last_up_usec, rrd_last_up(rrd), rrd_last_up_usec(rrd));
        for (size_t i = 0; i < fs->n_ds; i++) {
                RrdDsState st;
                rrd_get_ds_state(rrd, i, &st);
                bool file_unknown = fs->last_ds[i][0] == 'U';
                if (file_unknown != (st.last_ds.kind == RRD_VALUE_UNKNOWN))
                        MISMATCH("ds %zu last_ds '%s' vs ours kind %d", i, fs->last_ds[i],
                                 st.last_ds.kind);
                else if (!file_unknown && strncmp(fs->last_ds[i], last_text[i], 29) != 0)
                        MISMATCH("ds %zu last_ds '%s' vs fed '%s'", i, fs->last_ds[i],
                                 last_text[i]);
                if (!same_double(fs->pdp_value[i], st.value))
                        MISMATCH("ds %zu pdp value %.17g vs ours %.17g", i, fs->pdp_value[i],
                                 st.value);
                if (fs->unknown_sec[i] != st.unknown_sec)
                        MISMATCH("ds %zu unknown_sec %" PRIu64 " vs ours %" PRIu64, i,
                                 fs->unknown_sec[i], st.unknown_sec);
        }
        for (size_t a = 0; a < fs->n_rra; a++) {
                for (size_t i = 0; i < fs->n_ds; i++) {
                        RrdCdpState c;
                        rrd_get_cdp_state(rrd, a, i, &c);
                        if (!same_double(fs->cdp_value[a][i], c.value))
                                MISMATCH("rra %zu ds %zu cdp value %.17g vs ours %.17g", a, i,
                                         fs->cdp_value[a][i], c.value);
                        if (fs->cdp_unknown[a][i] != c.unknown_pdps)
                                MISMATCH("rra %zu ds %zu unknown pdps %" PRIu64 " vs ours %" PRIu64,
                                         a, i, fs->cdp_unknown[a][i], c.unknown_pdps);
                        if (!same_double(fs->cdp_primary[a][i], c.primary_value))
                                MISMATCH("rra %zu ds %zu primary %.17g vs ours %.17g", a, i,
                                         fs->cdp_primary[a][i], c.primary_value);
                        if (!same_double(fs->cdp_secondary[a][i], c.secondary_value))
                                MISMATCH("rra %zu ds %zu secondary %.17g vs ours %.17g", a, i,
                                         fs->cdp_secondary[a][i], c.secondary_value);
                }
                for (uint64_t r = 0; r < fs->rows[a]; r++) {
                        size_t phys = (size_t) ((fs->cur_row[a] + 1 + r) % fs->rows[a]);
                        const double *ours = rrd_rra_row(rrd, a, (size_t) r);
                        for (size_t i = 0; i < fs->n_ds; i++) {
                                double theirs = fs->ring[a][phys * fs->n_ds + i];
                                if (!same_double(theirs, ours[i]))
                                        MISMATCH("rra %zu row %" PRIu64 " ds %zu: %.17g vs "
                                                 "ours %.17g",
                                                 a, r, i, theirs, ours[i]);
                        }
                }
        }
#undef MISMATCH
        return bad;
}

/* Fetch windows compared at the end of a scenario. */
static int compare_fetch(const Scenario *sc, const char *path, const Rrd *rrd) {
        static const char *const cfs[] = {"AVERAGE", "MIN", "MAX", "LAST"};
        int bad = 0;
        int64_t last = rrd_last_up(rrd);

        for (int k = 0; k < 6; k++) {
                const char *cf = PICK(cfs);
                int64_t span = (int64_t) (1 + rng_below(400)) * (int64_t) sc->step;
                int64_t end = last - (int64_t) rng_below(3 * sc->step + 1);
                int64_t start = end - span;
                unsigned long req_step = rng_chance(50) ? 1 : sc->step * (1 + rng_below(20));
                time_t t_start = (time_t) start, t_end = (time_t) end;
                unsigned long r_step = req_step, ds_cnt = 0;
                char **names = NULL;
                rrd_value_t *data = NULL;
                RrdFetch f = {};

                rrd_clear_error();
                int rr = rrd_fetch_r(path, cf, &t_start, &t_end, &r_step, &ds_cnt, &names, &data);
                int ro = rrd_fetch_rows(rrd, rrd_cf_from_string(cf), start, end, req_step, &f);
                if ((rr == 0) != (ro == 0)) {
                        char what[200];
                        (void) snprintf(what, sizeof(what),
                                        "fetch %s %" PRId64 "..%" PRId64 " step %lu: rrdtool %d "
                                        "(%s), ours %d",
                                        cf, start, end, req_step, rr, rrd_get_error(), ro);
                        report(sc, what);
                        bad++;
                } else if (rr == 0) {
                        size_t n_rows = (size_t) ((t_end - t_start) / (time_t) r_step);
                        if ((int64_t) t_start != f.start || (int64_t) t_end != f.end ||
                            r_step != f.step || n_rows != f.n_rows) {
                                char what[200];
                                (void) snprintf(what, sizeof(what),
                                                "fetch %s %" PRId64 "..%" PRId64 " step %lu: "
                                                "rrdtool %ld..%ld/%lu ours %" PRId64 "..%" PRId64
                                                "/%" PRIu64,
                                                cf, start, end, req_step, (long) t_start,
                                                (long) t_end, r_step, f.start, f.end, f.step);
                                report(sc, what);
                                bad++;
                        } else
                                for (size_t j = 0; j < n_rows * ds_cnt; j++)
                                        if (!same_double(data[j], f.data[j])) {
                                                char what[200];
                                                (void) snprintf(what, sizeof(what),
                                                                "fetch %s cell %zu: %.17g vs "
                                                                "ours %.17g",
                                                                cf, j, data[j], f.data[j]);
                                                report(sc, what);
                                                bad++;
                                                break;
                                        }
                }
                /* On failure librrd may leave these pointing at memory it already freed. */
                if (rr == 0) {
                        for (unsigned long j = 0; j < ds_cnt; j++)
                                rrd_freemem(names[j]);
                        rrd_freemem(names);
                        rrd_freemem(data);
                }
                rrd_fetch_done(&f);
                n_fetch_checks++;
        }
        return bad;
}

/* Per data source generator state. */
typedef struct DsGen {
        RrdDsType type;
        uint64_t counter; /* COUNTER: current value; wraps at 2^32 or 2^64 */
        bool wrap32;
        int64_t derive; /* DERIVE */
        double dvalue;  /* DCOUNTER/DDERIVE */
} DsGen;

static void format_double(char *buf, size_t size, double v) {
        if (rng_chance(50))
                (void) snprintf(buf, size, "%.6g", v);
        else
                (void) snprintf(buf, size, "%.17g", v);
}

static void gen_value(DsGen *g, const RrdDsDef *d, char *buf, size_t size) {
        if (rng_chance(10)) {
                (void) snprintf(buf, size, "%s", rng_chance(80) ? "U" : "UNKNOWN");
                return;
        }
        switch (g->type) {
        case RRD_DS_COUNTER: {
                uint64_t inc = rng_chance(80) ? rng_below(5000) : rng_next() >> rng_below(64);
                if (rng_chance(5))
                        g->counter = (g->wrap32 ? UINT64_C(0xFFFFFFFF) : UINT64_MAX) -
                                     rng_below(20); /* close to a wrap */
                g->counter += inc;
                if (g->wrap32)
                        g->counter &= UINT64_C(0xFFFFFFFF);
                (void) snprintf(buf, size, "%" PRIu64, g->counter);
                return;
        }
        case RRD_DS_DERIVE: {
                int64_t inc;
                switch (rng_below(10)) {
                case 0:
                        inc = -7;
                        break;
                case 1:
                        inc = -(INT64_C(1) << 33);
                        break;
                case 2:
                        inc = (int64_t) rng_below(UINT64_C(1) << 40);
                        break;
                default:
                        inc = (int64_t) rng_below(1000);
                }
                g->derive += inc;
                (void) snprintf(buf, size, "%" PRId64, g->derive);
                return;
        }
        case RRD_DS_DCOUNTER:
        case RRD_DS_DDERIVE:
                g->dvalue += (rng_unit() - (g->type == RRD_DS_DDERIVE ? 0.4 : 0.05)) * 1000.0;
                format_double(buf, size, g->dvalue);
                return;
        default: {
                double v;
                if (rng_chance(3)) {
                        (void) snprintf(buf, size, "%s", rng_chance(50) ? "nan" : "-inf");
                        return;
                }
                v = (rng_unit() - 0.1) * PICK(((const double[]){1.0, 100.0, 1e6, 3e8}));
                (void) d;
                format_double(buf, size, v);
                return;
        }
        }
}

static int run_scenario(unsigned index, const char *dir) {
        static const unsigned long steps[] = {1, 2, 5, 10, 60, 300};
        static const unsigned n_per_row[] = {1, 2, 3, 4, 7, 12};
        static const unsigned rows_choice[] = {1, 2, 5, 10, 30, 3, 17};
        static const double xffs[] = {0.0, 0.25, 0.5, 0.75, 0.99};
        static const char *const cfs[] = {"AVERAGE", "MIN", "MAX", "LAST"};
        static const char *const types[] = {"GAUGE",   "ABSOLUTE", "DERIVE",
                                            "COUNTER", "DCOUNTER", "DDERIVE"};
        _cleanup_free_ Scenario *sc = calloc(1, sizeof(Scenario));
        char path[512], err[SPEC_ERR_MAX];
        char last_text[MAX_DS][ARG_MAX_LEN] = {};
        const char *argv[1 + MAX_DS + MAX_RRA];
        RrdDsDef ds[MAX_DS];
        RrdRraDef rra[MAX_RRA];
        DsGen gen[MAX_DS] = {};
        _cleanup_(rrd_destroyp) Rrd *rrd = NULL;
        int n_ds, n_rra, bad = 0;

        if (!sc)
                return 1;
        sc->index = index;
        sc->step = PICK(steps);
        sc->start = 1000000000 + (int64_t) rng_below(100000);
        n_ds = 1 + (int) rng_below(MAX_DS);
        n_rra = 1 + (int) rng_below(MAX_RRA);
        for (int i = 0; i < n_ds; i++) {
                static const char *const mins[] = {"U", "0", "-10"};
                static const char *const maxs[] = {"U", "100", "1e6"};
                unsigned long hbs[] = {sc->step / 2 ? sc->step / 2 : 1, sc->step, 2 * sc->step,
                                       10 * sc->step, 100 * sc->step};
                const char *type = PICK(types);
                (void) snprintf(sc->create[sc->n_create], ARG_MAX_LEN, "DS:d%d:%s:%lu:%s:%s", i,
                                type, PICK(hbs), PICK(mins), PICK(maxs));
                if (rrd_spec_parse_ds(sc->create[sc->n_create], &ds[i], err) < 0) {
                        printf("# bad DS spec %s: %s\n", sc->create[sc->n_create], err);
                        return 1;
                }
                gen[i].type = ds[i].type;
                gen[i].wrap32 = rng_chance(50);
                gen[i].counter = rng_below(UINT64_C(1) << 31);
                gen[i].derive = (int64_t) rng_below(1000000) - (rng_chance(30) ? 2000000 : 0);
                gen[i].dvalue = rng_unit() * 1e5;
                sc->n_create++;
        }
        for (int a = 0; a < n_rra; a++) {
                (void) snprintf(sc->create[sc->n_create], ARG_MAX_LEN, "RRA:%s:%g:%u:%u", PICK(cfs),
                                PICK(xffs), PICK(n_per_row), PICK(rows_choice));
                if (rrd_spec_parse_rra(sc->create[sc->n_create], sc->step, &rra[a], err) < 0) {
                        printf("# bad RRA spec %s: %s\n", sc->create[sc->n_create], err);
                        return 1;
                }
                sc->n_create++;
        }
        for (int i = 0; i < sc->n_create; i++)
                argv[i] = sc->create[i];

        (void) snprintf(path, sizeof(path), "%s/s%u.rrd", dir, index);
        (void) unlink(path);
        rrd_clear_error();
        if (rrd_create_r(path, sc->step, (time_t) sc->start, sc->n_create, argv) != 0) {
                report(sc, rrd_get_error());
                return 1;
        }
        if (rrd_new(&rrd, sc->step, sc->start, ds, (size_t) n_ds, rra, (size_t) n_rra) < 0) {
                report(sc, "rrd_new refused a definition rrdtool accepted");
                return 1;
        }

        /* Compare the freshly created state too. */
        {
                FileState fs = {};
                if (read_file_state(path, &fs) < 0) {
                        report(sc, "cannot read the rrd file");
                        return 1;
                }
                bad += compare_state(sc, rrd, &fs, last_text);
                file_state_done(&fs);
        }

        int64_t t = sc->start;
        long usec = 0;
        int n_updates = 60 + (int) rng_below(41);
        for (int u = 0; u < n_updates && u < MAX_UPDATES && bad == 0; u++) {
                char *arg = sc->updates[sc->n_updates];
                const char *uargv[1] = {arg};
                RrdValue values[MAX_DS];
                int64_t gap;
                size_t len;

                switch (rng_below(14)) {
                case 0:
                        gap = 1;
                        break;
                case 1:
                        gap = 2;
                        break;
                case 2:
                        gap = 3;
                        break;
                case 3:
                        gap = (int64_t) sc->step / 2;
                        break;
                case 4:
                case 5:
                case 6:
                        gap = (int64_t) sc->step;
                        break;
                case 7:
                        gap = (int64_t) sc->step + 1;
                        break;
                case 8:
                        gap = 2 * (int64_t) sc->step + (int64_t) rng_below(sc->step);
                        break;
                case 9:
                        gap = 5 * (int64_t) sc->step;
                        break;
                case 10:
                        gap = 20 * (int64_t) sc->step;
                        break;
                case 11:
                        gap = 200 * (int64_t) sc->step;
                        break;
                case 12:
                        gap = 0; /* same second, later microseconds (or a rejected update) */
                        break;
                default:
                        /* land exactly on a PDP boundary */
                        gap = (int64_t) sc->step - (t % (int64_t) sc->step);
                }
                long new_usec = rng_chance(20) ? (long) rng_below(1000000) : 0;
                if (gap == 0 && new_usec <= usec && !rng_chance(30))
                        new_usec = usec + 1 + (long) rng_below((unsigned long) (999999 - usec));
                if (new_usec > 999999)
                        new_usec = 999999;

                int64_t nt = t + gap;
                if (new_usec)
                        len = (size_t) snprintf(arg, ARG_MAX_LEN, "%" PRId64 ".%06ld", nt,
                                                new_usec);
                else
                        len = (size_t) snprintf(arg, ARG_MAX_LEN, "%" PRId64, nt);
                char vals[MAX_DS][64];
                for (int i = 0; i < n_ds; i++) {
                        gen_value(&gen[i], &ds[i], vals[i], sizeof(vals[i]));
                        len += (size_t) snprintf(arg + len, ARG_MAX_LEN - len, ":%s", vals[i]);
                }
                sc->n_updates++;

                rrd_clear_error();
                int rr = rrd_update_r(path, NULL, 1, uargv);
                int64_t pt;
                uint32_t pu;
                int ro = rrd_spec_parse_update(rrd, arg, 0, &pt, &pu, values, err);
                if (ro == 0)
                        ro = rrd_update_at(rrd, pt, pu, values);
                if ((rr == 0) != (ro == 0)) {
                        char what[300];
                        (void) snprintf(what, sizeof(what), "update %s: rrdtool %d (%s), ours %d",
                                        arg, rr, rrd_get_error(), ro);
                        report(sc, what);
                        bad++;
                        break;
                }
                if (rr == 0) {
                        t = pt;
                        usec = (long) pu;
                        for (int i = 0; i < n_ds; i++)
                                (void) snprintf(last_text[i], ARG_MAX_LEN, "%s", vals[i]);
                }
                n_total_updates++;
                if (rr != 0)
                        n_rejected_updates++;
                FileState fs = {};
                if (read_file_state(path, &fs) < 0) {
                        report(sc, "cannot read the rrd file");
                        return 1;
                }
                bad += compare_state(sc, rrd, &fs, last_text);
                n_state_checks++;
                file_state_done(&fs);
        }
        if (bad == 0)
                bad += compare_fetch(sc, path, rrd);
        (void) unlink(path);
        return bad;
}

int main(void) {
        const char *s = getenv("RRDD_DIFF_SEED");
        const char *n = getenv("RRDD_DIFF_SCENARIOS");
        unsigned n_scenarios = n ? (unsigned) strtoul(n, NULL, 10) : 400;
        char dir[] = "/dev/shm/rrdd-diff-XXXXXX";
        char dir_tmp[] = "/tmp/rrdd-diff-XXXXXX";
        char *d;
        unsigned n_bad = 0;

        seed = s ? strtoull(s, NULL, 10) : 1;
        rng_state = seed;
        d = mkdtemp(dir);
        if (!d)
                d = mkdtemp(dir_tmp);
        if (!d) {
                printf("Bail out! cannot create a temporary directory\n");
                return 1;
        }
        for (unsigned i = 0; i < n_scenarios; i++) {
                int bad = run_scenario(i, d);
                if (bad)
                        n_bad++;
                CHECKF(bad == 0, "scenario %u (seed %" PRIu64 ") differs from librrd", i, seed);
                if (n_bad >= 5) {
                        TAP_DIAG("stopping after 5 failing scenarios");
                        break;
                }
        }
        (void) rmdir(d);
        TAP_DIAG("seed %" PRIu64 ", %u scenarios, %lu updates (%lu rejected by both), "
                 "%lu full-state comparisons, %lu fetch comparisons",
                 seed, n_scenarios, n_total_updates, n_rejected_updates, n_state_checks,
                 n_fetch_checks);
        return TAP_DONE();
}
