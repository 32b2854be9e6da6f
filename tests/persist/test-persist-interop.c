/* SPDX-License-Identifier: MIT */
/*
 * Interop with rrdtool 1.7.2, through its CLI (the programs users run) and its binary file:
 *  A. every archive we save (numbers as the store writes them: shortest exact text) passes
 *     `rrdtool restore`, which stores exactly what rrd_strtod makes of our text (a few ulps from
 *     our value at most); `rrdtool dump` of the result loads back, and printing what we loaded
 *     in rrdtool's format (%0.10e, tools/dump-rrdtool.c) gives rrdtool's dump text exactly.
 *  B. a file made by `rrdtool create` + `rrdtool update` (random scenarios, all six types, U,
 *     fractional times, wraps) is dumped by rrdtool; we load that dump, and the state is bit for
 *     bit what `rrdtool restore` of the same dump stores, read from the binary .rrd (layout in
 *     rrd-semantics.md §6.4): definitions, PDP and CDP scratch with primary/secondary values,
 *     every row.
 */

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <math.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "consolidate/layout.h"
#include "consolidate/num.h"
#include "persist/numtext.h"
#include "persist/reader.h"
#include "persist/writer.h"
#include "rrd-gen.h"
#include "rrdd/macro.h"
#include "tests/tap.h"
#include "tools/dump-rrdtool.h"

static char dir[] = "/tmp/rrdd-interop-XXXXXX";
static char errbuf[400];

static const char *describe(const PersistError *e) {
        return persist_error_to_string(e, errbuf, sizeof(errbuf));
}

/* Runs argv (no shell), stdout to out_path when given; true on exit status 0. */
static bool run(const char *const *argv, const char *out_path) {
        posix_spawn_file_actions_t fa;
        pid_t pid;
        int status;

        if (posix_spawn_file_actions_init(&fa) != 0)
                return false;
        if (out_path)
                (void) posix_spawn_file_actions_addopen(&fa, 1, out_path,
                                                        O_WRONLY | O_CREAT | O_TRUNC, 0644);
        int r = posix_spawnp(&pid, argv[0], &fa, NULL, (char *const *) (uintptr_t) argv, environ);
        (void) posix_spawn_file_actions_destroy(&fa);
        if (r != 0)
                return false;
        if (waitpid(pid, &status, 0) < 0)
                return false;
        return WIFEXITED(status) && WEXITSTATUS(status) == 0;
}

static char *read_all(const char *path, size_t *ret_len) {
        FILE *f = fopen(path, "re");
        char *buf = NULL;
        size_t len = 0;

        if (!f)
                return NULL;
        if (fseek(f, 0, SEEK_END) == 0) {
                long n = ftell(f);
                if (n >= 0 && fseek(f, 0, SEEK_SET) == 0 && (buf = malloc((size_t) n + 1))) {
                        len = fread(buf, 1, (size_t) n, f);
                        buf[len] = '\0';
                }
        }
        (void) fclose(f);
        if (ret_len)
                *ret_len = len;
        return buf;
}

static bool write_file(const char *path, const char *data, size_t len) {
        FILE *f = fopen(path, "we");
        bool ok = f && fwrite(data, 1, len, f) == len;
        if (f)
                ok = fclose(f) == 0 && ok;
        return ok;
}

/* rrdtool's dump format of an RRD, as tools/dump-rrdtool.c writes it. */
static char *rrdtool_text(const Rrd *rrd) {
        char *buf = NULL;
        size_t len = 0;
        FILE *f = open_memstream(&buf, &len);

        if (!f)
                return NULL;
        int r = dump_rrdtool(f, rrd, NULL);
        if (fclose(f) != 0 || r < 0) {
                free(buf);
                return NULL;
        }
        return buf;
}

/* Compares two dump texts line by line, skipping <last_ds> lines (raw input text, see below). */
static bool same_dump_text(const char *a, const char *b, char *why, size_t size) {
        unsigned line = 1;

        while (*a || *b) {
                const char *ea = strchr(a, '\n'), *eb = strchr(b, '\n');
                size_t la = ea ? (size_t) (ea - a) : strlen(a),
                       lb = eb ? (size_t) (eb - b) : strlen(b);
                bool skip = strstr(a, "<last_ds>") && strstr(a, "<last_ds>") < a + la &&
                            strstr(b, "<last_ds>") && strstr(b, "<last_ds>") < b + lb;
                if (!skip && (la != lb || memcmp(a, b, la) != 0)) {
                        (void) snprintf(why, size, "line %u: '%.*s' vs '%.*s'", line, (int) la, a,
                                        (int) lb, b);
                        return false;
                }
                a += la + (ea ? 1 : 0);
                b += lb + (eb ? 1 : 0);
                line++;
        }
        return true;
}

/* The text of the i-th <last_ds> of a document. */
static bool nth_last_ds(const char *doc, size_t i, char *buf, size_t size) {
        const char *p = doc;

        for (size_t k = 0; (p = strstr(p, "<last_ds>")); k++) {
                p += strlen("<last_ds>");
                if (k == i) {
                        const char *e = strstr(p, "</last_ds>");
                        if (!e || (size_t) (e - p) >= size)
                                return false;
                        (void) snprintf(buf, size, "%.*s", (int) (e - p), p);
                        return true;
                }
        }
        return false;
}

/* ulps between two finite doubles of the same sign (0 when bitwise equal or both NaN). */
static uint64_t ulps(double a, double b) {
        int64_t x, y;

        if (gen_same_double(a, b) || (a == 0.0 && b == 0.0))
                return 0;
        if (isnan(a) || isnan(b) || isinf(a) || isinf(b) || signbit(a) != signbit(b))
                return UINT64_MAX;
        memcpy(&x, &a, 8);
        memcpy(&y, &b, 8);
        return x > y ? (uint64_t) (x - y) : (uint64_t) (y - x);
}

/* Largest ulp distance between the doubles of two RRDs of the same shape. */
static uint64_t max_ulps(const Rrd *a, const Rrd *b) {
        uint64_t m = 0, u;
        size_t n_ds = rrd_n_ds(a);

#define TAKE(x, y)                  \
        do {                        \
                u = ulps((x), (y)); \
                if (u > m)          \
                        m = u;      \
        } while (0)
        for (size_t i = 0; i < n_ds; i++) {
                RrdDsState s, t;
                rrd_get_ds_state(a, i, &s);
                rrd_get_ds_state(b, i, &t);
                TAKE(s.value, t.value);
                TAKE(rrd_ds_def(a, i)->min, rrd_ds_def(b, i)->min);
                TAKE(rrd_ds_def(a, i)->max, rrd_ds_def(b, i)->max);
        }
        for (size_t r = 0; r < rrd_n_rra(a); r++) {
                for (size_t i = 0; i < n_ds; i++) {
                        RrdCdpState s, t;
                        rrd_get_cdp_state(a, r, i, &s);
                        rrd_get_cdp_state(b, r, i, &t);
                        TAKE(s.value, t.value);
                        TAKE(s.primary_value, t.primary_value);
                        TAKE(s.secondary_value, t.secondary_value);
                }
                for (uint32_t row = 0; row < rrd_rra_def(a, r)->rows; row++)
                        for (size_t i = 0; i < n_ds; i++)
                                TAKE(rrd_rra_row(a, r, row)[i], rrd_rra_row(b, r, row)[i]);
        }
#undef TAKE
        return m;
}

/* The state of an x86-64 version-3 .rrd file, read directly (rrd-semantics.md §6.4). */
typedef struct BinRrd {
        uint8_t *data;
        size_t len;
        uint64_t n_ds, n_rra, step;
        size_t off_ds, off_rra, off_live, off_pdp, off_cdp, off_ptr, off_rows;
} BinRrd;

static uint64_t u64_at(const BinRrd *b, size_t off) {
        uint64_t v;
        memcpy(&v, b->data + off, 8);
        return v;
}

static double f64_at(const BinRrd *b, size_t off) {
        double v;
        memcpy(&v, b->data + off, 8);
        return v;
}

static bool bin_open(BinRrd *b, const char *path) {
        b->data = (uint8_t *) read_all(path, &b->len);
        if (!b->data || b->len < 128 || memcmp(b->data, "RRD", 4) != 0)
                return false;
        b->n_ds = u64_at(b, 24);
        b->n_rra = u64_at(b, 32);
        b->step = u64_at(b, 40);
        b->off_ds = 128;
        b->off_rra = b->off_ds + 120 * b->n_ds;
        b->off_live = b->off_rra + 120 * b->n_rra;
        b->off_pdp = b->off_live + 16;
        b->off_cdp = b->off_pdp + 112 * b->n_ds;
        b->off_ptr = b->off_cdp + 80 * b->n_ds * b->n_rra;
        b->off_rows = b->off_ptr + 8 * b->n_rra;
        return b->off_rows <= b->len;
}

/* last_ds text as our reader types it. */
static bool same_last_ds(const RrdValue *v, const char *text) {
        if (strcmp(text, "U") == 0 || text[0] == '\0')
                return v->kind == RRD_VALUE_UNKNOWN;
        const char *digits = text[0] == '-' ? text + 1 : text;
        if (*digits && strspn(digits, "0123456789") == strlen(digits))
                return v->kind == RRD_VALUE_INT && v->negative == (text[0] == '-') &&
                       v->magnitude == strtoull(digits, NULL, 10);
        return v->kind == RRD_VALUE_DOUBLE && gen_same_double(v->d, strtod(text, NULL));
}

/* What `rrdtool restore` makes of the text we write for v: rrd_strtod, or nan/inf by name. */
static double rrdtool_reads(double v) {
        char text[NUM_BUF_SIZE];

        if (isnan(v) || isinf(v))
                return v;
        (void) persist_format_double_shortest(text, v);
        return num_rrd_strtod(text, NULL);
}

/*
 * Largest ulp distance between an RRD's doubles and a binary file's; counts the inexact ones
 * and those that are not what rrd_strtod makes of our text.
 */
static uint64_t bin_max_ulps(const Rrd *rrd, const BinRrd *b, size_t *ret_inexact,
                             size_t *ret_unexplained) {
        const size_t n_ds = rrd_n_ds(rrd);
        size_t rows_off = b->off_rows, inexact = 0, unexplained = 0;
        uint64_t m = 0;

#define TAKE(x, y)                                                      \
        do {                                                            \
                uint64_t u_ = ulps((x), (y));                           \
                unexplained += !gen_same_double((x), rrdtool_reads(y)); \
                inexact += u_ > 0;                                      \
                m = u_ > m ? u_ : m;                                    \
        } while (0)
        for (size_t i = 0; i < n_ds; i++) {
                RrdDsState st;
                rrd_get_ds_state(rrd, i, &st);
                TAKE(f64_at(b, b->off_pdp + 112 * i + 40), st.value);
        }
        for (size_t a = 0; a < rrd_n_rra(rrd); a++) {
                const RrdRraDef *def = rrd_rra_def(rrd, a);
                uint64_t cur = u64_at(b, b->off_ptr + 8 * a);
                for (size_t i = 0; i < n_ds; i++) {
                        size_t c = b->off_cdp + 80 * (a * n_ds + i);
                        RrdCdpState st;
                        rrd_get_cdp_state(rrd, a, i, &st);
                        TAKE(f64_at(b, c), st.value);
                        TAKE(f64_at(b, c + 64), st.primary_value);
                        TAKE(f64_at(b, c + 72), st.secondary_value);
                }
                for (uint32_t row = 0; row < def->rows; row++) {
                        size_t phys = (size_t) ((cur + 1 + row) % def->rows);
                        for (size_t i = 0; i < n_ds; i++)
                                TAKE(f64_at(b, rows_off + 8 * (phys * n_ds + i)),
                                     rrd_rra_row(rrd, a, row)[i]);
                }
                rows_off += 8 * (size_t) def->rows * n_ds;
        }
#undef TAKE
        *ret_inexact = inexact;
        *ret_unexplained = unexplained;
        return m;
}

/*
 * A: save -> rrdtool restore -> rrdtool dump -> load. Returns false (with a diagnostic) on the
 * first failure; *ret_ulps gets the largest distance between saved and reloaded values.
 */
static size_t n_inexact_total, n_unexplained_total, n_values_total;

static bool via_rrdtool(const Rrd *rrd, const char *what, uint64_t *ret_ulps) {
        char xml_path[256], rrd_path[256], dump_path[256], why[600] = "";
        _cleanup_free_ char *xml = NULL, *dump = NULL, *ours = NULL;
        _cleanup_(rrd_destroyp) Rrd *back = NULL;
        PersistError err;
        size_t len, dump_len;

        (void) snprintf(xml_path, sizeof(xml_path), "%s/a.xml", dir);
        (void) snprintf(rrd_path, sizeof(rrd_path), "%s/a.rrd", dir);
        (void) snprintf(dump_path, sizeof(dump_path), "%s/a-dump.xml", dir);
        if (gen_write_all_flags(rrd, PERSIST_FORMAT_XML, PERSIST_WRITER_SHORTEST, 65536, NULL, &xml,
                                &len) < 0 ||
            !write_file(xml_path, xml, len))
                return CHECKF(false, "%s: save", what);
        (void) unlink(rrd_path);
        if (!run((const char *[]){"rrdtool", "restore", "-f", xml_path, rrd_path, NULL}, NULL))
                return CHECKF(false, "%s: rrdtool restore refused our file", what);
        BinRrd bin = {};
        size_t inexact = 0, unexplained = 0;
        bool bin_ok = bin_open(&bin, rrd_path);
        if (bin_ok)
                *ret_ulps = bin_max_ulps(rrd, &bin, &inexact, &unexplained);
        free(bin.data);
        if (!bin_ok)
                return CHECKF(false, "%s: reading the restored .rrd", what);
        n_inexact_total += inexact;
        n_unexplained_total += unexplained;
        n_values_total += rrd_n_ds(rrd) * (1 + 3 * rrd_n_rra(rrd));
        for (size_t a = 0; a < rrd_n_rra(rrd); a++)
                n_values_total += rrd_n_ds(rrd) * rrd_rra_def(rrd, a)->rows;
        if (!run((const char *[]){"rrdtool", "dump", rrd_path, NULL}, dump_path) ||
            !(dump = read_all(dump_path, &dump_len)))
                return CHECKF(false, "%s: rrdtool dump", what);
        if (persist_load_memory(dump, dump_len, NULL, &back, &err) < 0)
                return CHECKF(false, "%s: loading rrdtool's dump: %s", what, describe(&err));
        ours = rrdtool_text(back);
        if (!ours || !same_dump_text(dump, ours, why, sizeof(why)))
                return CHECKF(false, "%s: %%0.10e text differs: %s", what, why);
        /* last_ds is kept verbatim by rrdtool: our text went through unchanged. */
        for (size_t i = 0; i < rrd_n_ds(rrd); i++) {
                char a[64], b[64];
                if (!nth_last_ds(xml, i, a, sizeof(a)) || !nth_last_ds(dump, i, b, sizeof(b)) ||
                    strcmp(a, b) != 0)
                        return CHECKF(false, "%s: last_ds %zu changed", what, i);
        }
        /* What we reloaded from the 10-digit dump is our value to 10 digits. */
        if (max_ulps(rrd, back) >= (UINT64_C(1) << 22))
                return CHECKF(false, "%s: reloaded values beyond 10 significant digits", what);
        return true;
}

static void test_ours_through_rrdtool(void) {
        GenOptions o = {.max_ds = 5, .max_rra = 5, .n_updates = 300, .rrdtool_names = true};
        GenRng g = {21};
        uint64_t worst = 0, u;
        int n = 0, n_ok = 0;

        for (int kind = 0; kind < _RRD_LAYOUT_KIND_MAX; kind++) {
                _cleanup_(rrd_destroyp) Rrd *rrd = NULL;
                RrdLayoutOptions lo = {.min_max = true, .last = kind == RRD_LAYOUT_SR};
                CHECK(gen_layout_rrd(&g, (RrdLayoutKind) kind, &lo, 6, 1000, &rrd) == 0);
                n++;
                if (rrd && via_rrdtool(rrd, "layout", &u)) {
                        n_ok++;
                        worst = u > worst ? u : worst;
                }
        }
        for (int i = 0; i < 40; i++) {
                _cleanup_(rrd_destroyp) Rrd *rrd = NULL;
                char what[64];
                (void) snprintf(what, sizeof(what), "random state %d", i);
                CHECK(gen_random_rrd(&g, &o, &rrd) == 0);
                n++;
                if (rrd && via_rrdtool(rrd, what, &u)) {
                        n_ok++;
                        worst = u > worst ? u : worst;
                }
        }
        static const char *const files[] = {"xcp-flip-flop.xml", "xcp-public.xml",
                                            "xcp-internal.xml", "rrdtool-all-types.xml"};
        for (size_t i = 0; i < ELEMENTSOF(files); i++) {
                const char *src = getenv("RRDD_SOURCE_ROOT");
                char path[1024];
                _cleanup_(rrd_destroyp) Rrd *rrd = NULL;
                (void) snprintf(path, sizeof(path), "%s/tests/persist/corpus/fuzz-persist-load/%s",
                                src ? src : ".", files[i]);
                CHECK(persist_load_file(path, NULL, &rrd, NULL) == 0);
                n++;
                if (rrd && via_rrdtool(rrd, files[i], &u)) {
                        n_ok++;
                        worst = u > worst ? u : worst;
                }
        }
        CHECKF(n_ok == n, "%d of %d archives restored, dumped and reloaded exactly", n_ok, n);
        /*
         * rrdtool restore stores exactly what rrd_strtod makes of our text. The writer picks text
         * that rrd_strtod reads back as our value (num_format_rrd_exact) whenever a decimal of
         * at most 17 digits allows it; for the rest rrd_strtod lands a few ulps away
         * (rrd-semantics.md §6.4 allows 4).
         */
        CHECKF(n_unexplained_total == 0,
               "%zu values stored by rrdtool restore differ from rrd_strtod of our text",
               n_unexplained_total);
        CHECKF(worst <= 4, "rrdtool restore stores our values within %" PRIu64 " ulps", worst);
        TAP_DIAG("%zu of %zu values stored by rrdtool restore differ from ours in the last bits",
                 n_inexact_total, n_values_total);
}

#define BDIFF(...)                                       \
        do {                                             \
                (void) snprintf(why, size, __VA_ARGS__); \
                return false;                            \
        } while (0)

/* Every field of our RRD against the binary file, bit for bit. */
static bool same_as_binary(const Rrd *rrd, const BinRrd *b, char *why, size_t size) {
        const size_t n_ds = rrd_n_ds(rrd);

        if (b->n_ds != n_ds || b->n_rra != rrd_n_rra(rrd) || b->step != rrd_step(rrd))
                BDIFF("shape");
        if ((int64_t) u64_at(b, b->off_live) != rrd_last_up(rrd) ||
            u64_at(b, b->off_live + 8) != rrd_last_up_usec(rrd))
                BDIFF("last update");
        for (size_t i = 0; i < n_ds; i++) {
                size_t d = b->off_ds + 120 * i, p = b->off_pdp + 112 * i;
                const RrdDsDef *def = rrd_ds_def(rrd, i);
                RrdDsState st;
                char last[31];
                rrd_get_ds_state(rrd, i, &st);
                if (strncmp((const char *) b->data + d, def->name, 20) != 0 ||
                    strncmp((const char *) b->data + d + 20, rrd_ds_type_to_string(def->type),
                            20) != 0 ||
                    u64_at(b, d + 40) != def->heartbeat_s ||
                    !gen_same_double(f64_at(b, d + 48), def->min) ||
                    !gen_same_double(f64_at(b, d + 56), def->max))
                        BDIFF("ds %zu definition", i);
                memcpy(last, b->data + p, 30);
                last[30] = '\0';
                if (!same_last_ds(&st.last_ds, last))
                        BDIFF("ds %zu last_ds '%s'", i, last);
                if (u64_at(b, p + 32) != st.unknown_sec ||
                    !gen_same_double(f64_at(b, p + 40), st.value))
                        BDIFF("ds %zu pdp %.17g vs %.17g", i, f64_at(b, p + 40), st.value);
        }
        size_t rows_off = b->off_rows;
        for (size_t a = 0; a < rrd_n_rra(rrd); a++) {
                const RrdRraDef *def = rrd_rra_def(rrd, a);
                size_t r = b->off_rra + 120 * a;
                if (strncmp((const char *) b->data + r, rrd_cf_to_string(def->cf), 20) != 0 ||
                    u64_at(b, r + 24) != def->rows || u64_at(b, r + 32) != def->pdp_per_row ||
                    !gen_same_double(f64_at(b, r + 40), def->xff))
                        BDIFF("rra %zu definition", a);
                for (size_t i = 0; i < n_ds; i++) {
                        size_t c = b->off_cdp + 80 * (a * n_ds + i);
                        RrdCdpState st;
                        rrd_get_cdp_state(rrd, a, i, &st);
                        if (!gen_same_double(f64_at(b, c), st.value) ||
                            u64_at(b, c + 8) != st.unknown_pdps ||
                            !gen_same_double(f64_at(b, c + 64), st.primary_value) ||
                            !gen_same_double(f64_at(b, c + 72), st.secondary_value))
                                BDIFF("rra %zu ds %zu cdp %.17g/%.17g p %.17g/%.17g s %.17g/%.17g",
                                      a, i, f64_at(b, c), st.value, f64_at(b, c + 64),
                                      st.primary_value, f64_at(b, c + 72), st.secondary_value);
                }
                uint64_t cur = u64_at(b, b->off_ptr + 8 * a);
                for (uint32_t row = 0; row < def->rows; row++) {
                        size_t phys = (size_t) ((cur + 1 + row) % def->rows);
                        for (size_t i = 0; i < n_ds; i++) {
                                double v = f64_at(b, rows_off + 8 * (phys * n_ds + i));
                                if (!gen_same_double(v, rrd_rra_row(rrd, a, row)[i]))
                                        BDIFF("rra %zu row %" PRIu32 " ds %zu: %.17g vs %.17g", a,
                                              row, i, v, rrd_rra_row(rrd, a, row)[i]);
                        }
                }
                rows_off += 8 * (size_t) def->rows * n_ds;
        }
        if (rows_off != b->len)
                BDIFF("file size %zu, expected %zu", b->len, rows_off);
        return true;
}

/* The check of part B on the file an rrdtool scenario made: false with a diagnostic. */
static bool check_dump(int k, const char *dump_path, const char *back_path) {
        _cleanup_(rrd_destroyp) Rrd *ours = NULL;
        PersistError err;
        BinRrd bin = {};
        char why[600] = "";
        bool ok = false;

        if (persist_load_file(dump_path, NULL, &ours, &err) < 0)
                CHECKF(false, "scenario %d: load: %s", k, describe(&err));
        else if (!bin_open(&bin, back_path))
                CHECKF(false, "scenario %d: reading the restored .rrd", k);
        else if (!same_as_binary(ours, &bin, why, sizeof(why)))
                CHECKF(false, "scenario %d: %s", k, why);
        else
                ok = true;
        free(bin.data);
        return ok;
}

/* One random scenario through rrdtool create, update, dump and restore, then check_dump(). */
static bool scenario(int k, GenRng *g, const GenOptions *o) {
        RrdDsDef ds[64];
        RrdRraDef rra[RRD_MAX_RRA];
        size_t n_ds, n_rra, n_lines = 0, ac = 0;
        uint64_t step;
        int64_t start;
        char **lines = NULL, rrd_path[256], dump_path[256], back_path[256];
        char step_s[32], start_s[32];
        const char **argv = NULL;
        char(*defs)[96] = NULL;
        bool ok = false;

        if (gen_random_scenario(g, o, &step, &start, ds, &n_ds, rra, &n_rra, &lines, &n_lines) < 0)
                return CHECKF(false, "scenario %d: generate", k);
        (void) snprintf(rrd_path, sizeof(rrd_path), "%s/b.rrd", dir);
        (void) snprintf(dump_path, sizeof(dump_path), "%s/b-dump.xml", dir);
        (void) snprintf(back_path, sizeof(back_path), "%s/b-back.rrd", dir);
        (void) snprintf(step_s, sizeof(step_s), "%" PRIu64, step);
        (void) snprintf(start_s, sizeof(start_s), "%" PRId64, start);
        (void) unlink(rrd_path);
        /* restore -f does not truncate an existing file: start from none. */
        (void) unlink(back_path);

        argv = calloc(8 + n_ds + n_rra + n_lines, sizeof(char *));
        defs = calloc(n_ds + n_rra, sizeof(*defs));
        if (!argv || !defs)
                goto out;
        /* rrdtool create FILE --start T --step S DS:... RRA:... */
        argv[ac++] = "rrdtool";
        argv[ac++] = "create";
        argv[ac++] = rrd_path;
        argv[ac++] = "--start";
        argv[ac++] = start_s;
        argv[ac++] = "--step";
        argv[ac++] = step_s;
        for (size_t i = 0; i < n_ds; i++) {
                char mn[32] = "U", mx[32] = "U";
                if (!isnan(ds[i].min))
                        (void) snprintf(mn, sizeof(mn), "%g", ds[i].min);
                if (!isnan(ds[i].max))
                        (void) snprintf(mx, sizeof(mx), "%g", ds[i].max);
                (void) snprintf(defs[i], sizeof(defs[i]), "DS:%.19s:%s:%" PRIu64 ":%s:%s",
                                ds[i].name, rrd_ds_type_to_string(ds[i].type), ds[i].heartbeat_s,
                                mn, mx);
                argv[ac++] = defs[i];
        }
        for (size_t i = 0; i < n_rra; i++) {
                (void) snprintf(defs[n_ds + i], sizeof(defs[0]), "RRA:%s:%g:%" PRIu32 ":%" PRIu32,
                                rrd_cf_to_string(rra[i].cf), rra[i].xff, rra[i].pdp_per_row,
                                rra[i].rows);
                argv[ac++] = defs[n_ds + i];
        }
        argv[ac] = NULL;
        if (!run(argv, NULL)) {
                CHECKF(false, "scenario %d: rrdtool create", k);
                goto out;
        }
        /* rrdtool update FILE T:v... (all updates in one call) */
        ac = 0;
        argv[ac++] = "rrdtool";
        argv[ac++] = "update";
        argv[ac++] = rrd_path;
        for (size_t i = 0; i < n_lines; i++)
                argv[ac++] = lines[i];
        argv[ac] = NULL;
        if (!run(argv, NULL)) {
                CHECKF(false, "scenario %d: rrdtool update", k);
                goto out;
        }
        if (!run((const char *[]){"rrdtool", "dump", rrd_path, NULL}, dump_path) ||
            !run((const char *[]){"rrdtool", "restore", "-f", dump_path, back_path, NULL}, NULL)) {
                CHECKF(false, "scenario %d: rrdtool dump/restore", k);
                goto out;
        }
        ok = check_dump(k, dump_path, back_path);
out:
        free(argv);
        free(defs);
        for (size_t i = 0; i < n_lines; i++)
                free(lines[i]);
        free(lines);
        return ok;
}

static void test_rrdtool_files(void) {
        GenOptions o = {.max_ds = 6, .max_rra = 5, .n_updates = 250, .rrdtool_names = true};
        GenRng g = {31};
        int n = 30, n_ok = 0;

        for (int k = 0; k < n; k++)
                n_ok += scenario(k, &g, &o);
        CHECKF(n_ok == n, "%d of %d rrdtool dumps load into exactly what rrdtool restore stores",
               n_ok, n);
}

static int rm_dir(void) {
        static const char *const names[] = {"a.xml", "a.rrd",      "a-dump.xml",
                                            "b.rrd", "b-dump.xml", "b-back.rrd"};
        char p[300];
        for (size_t i = 0; i < ELEMENTSOF(names); i++) {
                (void) snprintf(p, sizeof(p), "%s/%s", dir, names[i]);
                (void) unlink(p);
        }
        return rmdir(dir);
}

int main(void) {
        if (!run((const char *[]){"rrdtool", "--version", NULL}, "/dev/null")) {
                printf("1..0 # SKIP rrdtool CLI not installed\n");
                return 0;
        }
        if (!mkdtemp(dir)) {
                CHECK(false);
                return TAP_DONE();
        }
        test_ours_through_rrdtool();
        test_rrdtool_files();
        CHECK(rm_dir() == 0);
        return TAP_DONE();
}
