/* SPDX-License-Identifier: MIT */
/*
 * Fixed tests of the engine: the worked examples of rrd-semantics.md §2.8–2.9, the fetch table
 * of §3.2, xcp-rrdd's archive choice (xcp-rrdd.md §1.4), default layouts, live schema changes,
 * rejected updates and counter resets. Expected numbers are the documented ones, or worked
 * out by hand from the documented arithmetic in the comments.
 */

#include <math.h>
#include <string.h>

#include "consolidate/fetch.h"
#include "consolidate/layout.h"
#include "consolidate/rrd.h"
#include "consolidate/spec.h"
#include "rrdd/macro.h"
#include "tests/tap.h"

static bool near(double a, double b) {
        if (isnan(a) || isnan(b))
                return isnan(a) && isnan(b);
        return fabs(a - b) <= 1e-12 * fmax(1.0, fabs(b));
}

static Rrd *make(uint64_t step, int64_t start, const char *const *ds, size_t n_ds,
                 const char *const *rra, size_t n_rra) {
        RrdDsDef d[16];
        RrdRraDef r[16];
        char err[SPEC_ERR_MAX];
        Rrd *rrd = NULL;

        for (size_t i = 0; i < n_ds; i++)
                if (rrd_spec_parse_ds(ds[i], &d[i], err) < 0) {
                        TAP_DIAG("%s", err);
                        return NULL;
                }
        for (size_t i = 0; i < n_rra; i++)
                if (rrd_spec_parse_rra(rra[i], step, &r[i], err) < 0) {
                        TAP_DIAG("%s", err);
                        return NULL;
                }
        if (rrd_new(&rrd, step, start, d, n_ds, r, n_rra) < 0)
                return NULL;
        return rrd;
}

static int feed(Rrd *rrd, const char *update) {
        RrdValue v[16];
        char err[SPEC_ERR_MAX];
        int64_t t;
        uint32_t us;
        int r = rrd_spec_parse_update(rrd, update, 0, &t, &us, v, err);
        if (r < 0)
                return r;
        return rrd_update_at(rrd, t, us, v);
}

static void test_example_a(void) {
        static const char *const ds[] = {"DS:g:GAUGE:10:0:U"};
        static const char *const rra[] = {"RRA:AVERAGE:0.5:2:2"};
        _cleanup_(rrd_destroyp) Rrd *rrd = make(5, 1000000000, ds, 1, rra, 1);
        RrdDsState st;
        RrdCdpState c;

        CHECK(rrd);
        if (!rrd)
                return;
        CHECK(feed(rrd, "1000000004:1.5") == 0);
        /* Inside the first PDP: S = 1.5 × 4 s. */
        rrd_get_ds_state(rrd, 0, &st);
        CHECK(st.value == 6.0 && st.unknown_sec == 0);
        CHECK(feed(rrd, "1000000012:2.5") == 0);
        rrd_get_ds_state(rrd, 0, &st);
        /* x = 2.5 × 8 = 20, split 2.5 off for …05; the rest spread 17.5/7 per second. */
        CHECK(st.value == 5.0);
        CHECK(st.unknown_sec == 0);
        CHECK(st.last_ds.kind == RRD_VALUE_DOUBLE && st.last_ds.d == 2.5);
        rrd_get_cdp_state(rrd, 0, 0, &c);
        CHECK(near(c.primary_value, 2.1)); /* (1.7 + 2.5) / 2 */
        CHECK(c.secondary_value == 2.5);
        CHECK(c.value == 0.0 && c.unknown_pdps == 0);
        CHECK(isnan(rrd_rra_row(rrd, 0, 0)[0]));
        CHECK(near(rrd_rra_row(rrd, 0, 1)[0], 2.1));
        CHECK(rrd_rra_end_time(rrd, 0) == 1000000010);
        CHECK(rrd_last_up(rrd) == 1000000012);
}

static void test_example_b(void) {
        static const char *const ds[] = {"DS:g:GAUGE:30:U:U", "DS:d:DERIVE:30:U:U",
                                         "DS:a:ABSOLUTE:30:U:U", "DS:c:COUNTER:30:U:U"};
        static const char *const rra[] = {"RRA:AVERAGE:0.5:1:6", "RRA:AVERAGE:0.5:3:3",
                                          "RRA:MAX:0.5:3:3", "RRA:LAST:0.5:3:3"};
        static const char *const updates[] = {
                "1000000003:10:1000:30:4294967290", "1000000007:20:1100:40:5",
                "1000000009:U:1150:U:25",           "1000000021:40:1100:60:85",
                "1000000024:50:1200:10:100",
        };
        _cleanup_(rrd_destroyp) Rrd *rrd = make(5, 1000000000, ds, 4, rra, 4);
        RrdCdpState c;
        RrdFetch f = {};

        CHECK(rrd);
        if (!rrd)
                return;
        /* 1000000000 mod 15 = 10: the 3-PDP archives start with 2 PDPs lost before creation. */
        rrd_get_cdp_state(rrd, 1, 0, &c);
        CHECK(c.unknown_pdps == 2 && isnan(c.value));
        for (size_t i = 0; i < ELEMENTSOF(updates); i++)
                CHECK(feed(rrd, updates[i]) == 0);

        /* The fetch of §2.9: rows …05 to …25, the last one past the data (aligned end + step). */
        CHECK(rrd_fetch_rows(rrd, RRD_CF_AVERAGE, 1000000000, 1000000020, 1, &f) == 0);
        CHECK(f.start == 1000000000 && f.end == 1000000025 && f.step == 5 && f.n_rows == 5);
        CHECK(f.i_rra == 0 && f.n_ds == 4);
        const double expect[5][4] = {
                {14, (double) NAN, 10, (double) NAN},
                {80.0 / 3, 19.0 + 1.0 / 6, 25.0 / 3, 6},
                {40, -4.0 - 1.0 / 6, 5, 5},
                {40, -4.0 - 1.0 / 6, 5, 5},
                {(double) NAN, (double) NAN, (double) NAN, (double) NAN},
        };
        bool all = f.data != NULL;
        for (size_t r = 0; all && r < 5; r++)
                for (size_t i = 0; i < 4; i++)
                        if (!near(f.data[r * 4 + i], expect[r][i])) {
                                TAP_DIAG("row %zu ds %zu: %.17g, expected %.17g", r, i,
                                         f.data[r * 4 + i], expect[r][i]);
                                all = false;
                        }
        CHECK(all);
        rrd_fetch_done(&f);

        /* 3-PDP archives: the row …05 is unknown (u = 2 > 1.5); the row …20 consolidates. */
        CHECK(isnan(rrd_rra_value_back(rrd, 1, 1, 0)));
        CHECK(near(rrd_rra_value_back(rrd, 1, 0, 0), (80.0 / 3 + 40 * 2) / 3)); /* 35.556 */
        CHECK(rrd_rra_value_back(rrd, 2, 0, 0) == 40);                          /* MAX g */
        CHECK(near(rrd_rra_value_back(rrd, 2, 0, 1), 19.0 + 1.0 / 6));          /* MAX d */
        CHECK(rrd_rra_value_back(rrd, 3, 0, 0) == 40);                          /* LAST g */
        CHECK(near(rrd_rra_value_back(rrd, 3, 0, 1), -4.0 - 1.0 / 6));          /* LAST d */
        /* After the close, MAX restarts from -inf and LAST from unknown. */
        rrd_get_cdp_state(rrd, 2, 0, &c);
        CHECK(isinf(c.value) && c.value < 0);
        rrd_get_cdp_state(rrd, 3, 0, &c);
        CHECK(isnan(c.value));
}

/* The 50 % rule looks at what was unknown before the closing update only (§2.5 item 1). */
static void test_half_unknown_rule(void) {
        static const char *const ds[] = {"DS:g:GAUGE:100:U:U"};
        static const char *const rra[] = {"RRA:AVERAGE:0.5:1:4"};
        _cleanup_(rrd_destroyp) Rrd *a = make(10, 1000000000, ds, 1, rra, 1);
        _cleanup_(rrd_destroyp) Rrd *b = make(10, 1000000000, ds, 1, rra, 1);

        CHECK(a && b);
        if (!a || !b)
                return;
        CHECK(feed(a, "1000000002:7") == 0);
        CHECK(feed(a, "1000000010:U") == 0);
        CHECK(rrd_rra_value_back(a, 0, 0, 0) == 7.0); /* known for 2 s of 10, still 7 */
        CHECK(feed(b, "1000000008:U") == 0);
        CHECK(feed(b, "1000000010:7") == 0);
        CHECK(isnan(rrd_rra_value_back(b, 0, 0, 0))); /* 8 s unknown first: NaN */
}

/* The split of the first PDP evades the heartbeat (§2.5 item 3). */
static void test_split_and_heartbeat(void) {
        static const char *const ds20[] = {"DS:g:GAUGE:20:U:U"};
        static const char *const ds3[] = {"DS:g:GAUGE:3:U:U"};
        static const char *const rra[] = {"RRA:AVERAGE:0.5:1:10"};
        _cleanup_(rrd_destroyp) Rrd *a = make(5, 1000000000, ds20, 1, rra, 1);
        _cleanup_(rrd_destroyp) Rrd *b = make(5, 1000000000, ds3, 1, rra, 1);

        CHECK(a && b);
        if (!a || !b)
                return;
        CHECK(feed(a, "1000000004:7") == 0);
        CHECK(feed(a, "1000000031:8") == 0);
        /* PDP …05 keeps its known 4 s; the gap after it is unknown. */
        CHECK(rrd_rra_value_back(a, 0, 5, 0) == 7.0);
        CHECK(isnan(rrd_rra_value_back(a, 0, 0, 0)));
        CHECK(feed(b, "1000000002:7") == 0);
        CHECK(feed(b, "1000000006:7") == 0);
        CHECK(isnan(rrd_rra_value_back(b, 0, 0, 0))); /* E = 1, Δ = 4 > hb 3: NaN */
}

/* COUNTER wraps add 2^32 - 1; DERIVE across a sign change is unknown (§2.2). */
static void test_counter_wrap_and_derive_sign(void) {
        static const char *const ds[] = {"DS:c:COUNTER:100:U:U", "DS:d:DERIVE:100:U:U"};
        static const char *const rra[] = {"RRA:LAST:0:1:4"};
        _cleanup_(rrd_destroyp) Rrd *rrd = make(10, 1000000000, ds, 2, rra, 1);

        CHECK(rrd);
        if (!rrd)
                return;
        CHECK(feed(rrd, "1000000010:4294967290:-5") == 0);
        CHECK(feed(rrd, "1000000020:5:5") == 0);
        /* 5 - 4294967290 + 4294967295 = 10 over 10 s. */
        CHECK(rrd_rra_value_back(rrd, 0, 0, 0) == 1.0);
        CHECK(isnan(rrd_rra_value_back(rrd, 0, 0, 1)));
        CHECK(feed(rrd, "1000000030:18446744073709551610:15") == 0);
        CHECK(feed(rrd, "1000000040:4:25") == 0);
        /* 64-bit wrap: the doubles lose the small difference, as in rrdtool: rate 0. */
        CHECK(rrd_rra_value_back(rrd, 0, 0, 0) == 0.0);
        CHECK(rrd_rra_value_back(rrd, 0, 0, 1) == 1.0);
}

/* Refused updates change nothing and say why. */
static void test_rejections(void) {
        static const char *const ds[] = {"DS:g:GAUGE:100:U:U", "DS:c:COUNTER:100:U:U"};
        static const char *const rra[] = {"RRA:AVERAGE:0.5:1:4"};
        _cleanup_(rrd_destroyp) Rrd *rrd = make(10, 1000000000, ds, 2, rra, 1);
        RrdDsState before, after;
        RrdValue v[2];
        char err[SPEC_ERR_MAX];
        int64_t t;
        uint32_t us;

        CHECK(rrd);
        if (!rrd)
                return;
        CHECK(feed(rrd, "1000000005:1:100") == 0);
        rrd_get_ds_state(rrd, 1, &before);
        CHECK(feed(rrd, "1000000005:2:200") == -ERANGE);
        CHECK(feed(rrd, "1000000004:2:200") == -ERANGE);
        CHECK(feed(rrd, "1000000005.5:2:200") == 0); /* later microseconds are later */
        rrd_get_ds_state(rrd, 1, &before);
        v[0] = rrd_value_double(3);
        v[1] = rrd_value_i64(-1); /* a COUNTER never goes negative */
        CHECK(rrd_update_at(rrd, 1000000006, 0, v) == -EINVAL);
        rrd_get_ds_state(rrd, 1, &after);
        CHECK(memcmp(&before, &after, sizeof(before)) == 0);
        CHECK(rrd_last_up(rrd) == 1000000005 && rrd_last_up_usec(rrd) == 500000);
        CHECK(rrd_update_at(rrd, 1000000006, 1000000, v) == -EINVAL);

        CHECK(rrd_spec_parse_update(rrd, "1000000009:1.5:1.5", 0, &t, &us, v, err) == -EINVAL);
        CHECK(strstr(err, "not a simple unsigned integer") != NULL);
        CHECK(rrd_spec_parse_update(rrd, "1000000009:1", 0, &t, &us, v, err) == -EINVAL);
        CHECK(strstr(err, "expected 2 values") != NULL);
        CHECK(rrd_spec_parse_update(rrd, "1000000009:1:2:3", 0, &t, &us, v, err) == -EINVAL);
        CHECK(rrd_spec_parse_update(rrd, "x:1:2", 0, &t, &us, v, err) == -EINVAL);
        CHECK(rrd_spec_parse_update(rrd, "1000000009:abc:2", 0, &t, &us, v, err) == -EINVAL);
        CHECK(rrd_spec_parse_update(rrd, "1000000009:UNKNOWN:U", 0, &t, &us, v, err) == 0);
        CHECK(v[0].kind == RRD_VALUE_UNKNOWN && v[1].kind == RRD_VALUE_UNKNOWN);
        CHECK(rrd_spec_parse_update(rrd, "-10:1:2", 1000000100ULL * 1000000, &t, &us, v, err) == 0);
        CHECK(t == 1000000090);
}

/* The fetch table of rrd-semantics.md §3.2. */
static void test_fetch_table(void) {
        static const char *const ds[] = {"DS:g:GAUGE:100:U:U"};
        static const char *const rra[] = {"RRA:AVERAGE:0.5:1:10", "RRA:AVERAGE:0.5:6:10",
                                          "RRA:AVERAGE:0.5:60:10", "RRA:MAX:0.5:6:10"};
        static const struct {
                RrdCf cf;
                int64_t start, end;
                uint64_t step;
                int64_t o_start, o_end;
                uint64_t o_step;
                size_t rows, i_rra;
        } table[] = {
                {RRD_CF_AVERAGE, 1000000100, 1000000200, 1, 1000000100, 1000000210, 10, 11, 0},
                {RRD_CF_AVERAGE, 1000000099, 1000000200, 1, 1000000080, 1000000260, 60, 3, 1},
                {RRD_CF_AVERAGE, 999999599, 1000000200, 1, 999999000, 1000000800, 600, 3, 2},
                {RRD_CF_AVERAGE, 999990000, 1000000200, 1, 999990000, 1000000800, 600, 18, 2},
                {RRD_CF_MAX, 1000000100, 1000000200, 1, 1000000100, 1000000210, 10, 11, 0},
        };
        _cleanup_(rrd_destroyp) Rrd *rrd = make(10, 1000000200, ds, 1, rra, 4);

        CHECK(rrd);
        if (!rrd)
                return;
        for (size_t i = 0; i < ELEMENTSOF(table); i++) {
                RrdFetch f = {};
                int r = rrd_fetch_rows(rrd, table[i].cf, table[i].start, table[i].end,
                                       table[i].step, &f);
                CHECKF(r == 0 && f.start == table[i].o_start && f.end == table[i].o_end &&
                               f.step == table[i].o_step && f.n_rows == table[i].rows &&
                               f.i_rra == table[i].i_rra,
                       "table row %zu: got %lld..%lld step %llu rows %zu rra %zu", i,
                       (long long) f.start, (long long) f.end, (unsigned long long) f.step,
                       f.n_rows, f.i_rra);
                rrd_fetch_done(&f);
        }
}

static Rrd *make_layout(RrdLayoutKind kind, bool min_max, int64_t start) {
        RrdRraDef rra[RRD_LAYOUT_MAX_RRA];
        RrdLayoutOptions o = {.min_max = min_max};
        RrdDsDef ds[2];
        Rrd *rrd = NULL;
        size_t n = rrd_layout(kind, &o, rra);

        if (rrd_layout_ds(&ds[0], "cpu0", RRD_DS_GAUGE, 0, 1) < 0 ||
            rrd_layout_ds(&ds[1], "memory", RRD_DS_GAUGE, 0, HUGE_VAL) < 0)
                return NULL;
        if (rrd_new(&rrd, RRD_DEFAULT_STEP_S, start, ds, 2, rra, n) < 0)
                return NULL;
        return rrd;
}

static void test_layouts(void) {
        RrdRraDef rra[RRD_LAYOUT_MAX_RRA];
        RrdLayoutOptions none = {}, mm = {.min_max = true}, last = {.last = true};
        size_t rows_total = 0;
        size_t n = rrd_layout(RRD_LAYOUT_HOST, &none, rra);

        /* Host: AVERAGE on every tier, MIN and MAX on the three coarse ones. */
        CHECK(n == 10);
        CHECK(rra[0].cf == RRD_CF_AVERAGE && rra[0].pdp_per_row == 1 && rra[0].rows == 120);
        CHECK(rra[1].cf == RRD_CF_AVERAGE && rra[1].pdp_per_row == 12 && rra[1].rows == 120);
        CHECK(rra[2].cf == RRD_CF_MIN && rra[3].cf == RRD_CF_MAX);
        CHECK(rra[4].pdp_per_row == 720 && rra[4].rows == 168);
        CHECK(rra[7].pdp_per_row == 17280 && rra[7].rows == 366);
        for (size_t i = 0; i < n; i++)
                CHECK(rra[i].xff == 0.5);
        /* VM and SR: AVERAGE only, unless asked for MIN/MAX. */
        n = rrd_layout(RRD_LAYOUT_VM, &none, rra);
        CHECK(n == 4);
        for (size_t i = 0; i < n; i++) {
                CHECK(rra[i].cf == RRD_CF_AVERAGE);
                rows_total += rra[i].rows;
        }
        CHECK(rows_total == 774);
        CHECK(rrd_layout(RRD_LAYOUT_VM, &mm, rra) == 10);
        CHECK(rrd_layout(RRD_LAYOUT_SR, &none, rra) == 4);
        n = rrd_layout(RRD_LAYOUT_VM, &last, rra);
        CHECK(n == 7 && rra[2].cf == RRD_CF_LAST && rra[0].cf == RRD_CF_AVERAGE);

        /* Rings are exactly rows × data sources. */
        _cleanup_(rrd_destroyp) Rrd *rrd = make_layout(RRD_LAYOUT_VM, false, 1000000000);
        CHECK(rrd && rrd_memory_bytes(rrd) >= 774 * 2 * sizeof(double));
        CHECK(rrd && rrd_memory_bytes(rrd) < 774 * 2 * sizeof(double) + 4096);
        RrdDsDef d;
        CHECK(rrd_layout_ds(&d, "x", RRD_DS_DERIVE, -HUGE_VAL, HUGE_VAL) == 0);
        CHECK(isnan(d.min) && isnan(d.max) && d.heartbeat_s == 300);
        CHECK(rrd_layout_ds(&d, "bad:name", RRD_DS_GAUGE, 0, 1) == -EINVAL);
        CHECK(rrd_layout_ds(&d, "x", RRD_DS_GAUGE, 1, 1) == -EINVAL);
}

/* xcp-rrdd's archive choice, with the four (interval, start) pairs a web UI relies on. */
static void test_pick_archives(void) {
        const int64_t now = 1700000000; /* a multiple of 5 */
        _cleanup_(rrd_destroyp) Rrd *host = make_layout(RRD_LAYOUT_HOST, true, now);
        _cleanup_(rrd_destroyp) Rrd *vm = make_layout(RRD_LAYOUT_VM, false, now);
        RrdPick p[RRD_MAX_RRA];
        static const struct {
                uint64_t interval;
                int64_t back;
                uint32_t ppr;
                size_t n_host;
        } pairs[] = {
                {5, 595, 1, 1},
                {60, 7140, 12, 3},
                {3600, 167 * 3600, 720, 3},
                {86400, 365 * 86400, 17280, 3},
        };

        CHECK(host && vm);
        if (!host || !vm)
                return;
        for (size_t i = 0; i < ELEMENTSOF(pairs); i++) {
                size_t n = rrd_pick_archives(host, now - pairs[i].back, pairs[i].interval, -1, p,
                                             RRD_MAX_RRA);
                bool ok = n == pairs[i].n_host;
                for (size_t k = 0; ok && k < n; k++)
                        ok = rrd_rra_def(host, p[k].i_rra)->pdp_per_row == pairs[i].ppr;
                CHECKF(ok, "interval %llu start now-%lld: %zu picks",
                       (unsigned long long) pairs[i].interval, (long long) pairs[i].back, n);
                /* The same requests without the interval still land on the same tier. */
                n = rrd_pick_archives(host, now - pairs[i].back, 0, RRD_CF_AVERAGE, p, RRD_MAX_RRA);
                CHECK(n == 1 && rrd_rra_def(host, p[0].i_rra)->pdp_per_row == pairs[i].ppr);
        }
        /* All CFs at the chosen resolution, in stored order. */
        size_t n = rrd_pick_archives(host, now - 7000, 0, -1, p, RRD_MAX_RRA);
        CHECK(n == 3 && p[0].cf == RRD_CF_AVERAGE && p[1].cf == RRD_CF_MIN &&
              p[2].cf == RRD_CF_MAX);
        /* Start before every archive: the longest decides. */
        n = rrd_pick_archives(host, 0, 0, -1, p, RRD_MAX_RRA);
        CHECK(n == 3 && rrd_rra_def(host, p[0].i_rra)->pdp_per_row == 17280);
        /* An interval above the coarsest tier: nothing qualifies. */
        CHECK(rrd_pick_archives(host, now - 10, 86405, -1, p, RRD_MAX_RRA) == 0);
        /* A VM without MIN: its 5 s AVERAGE stands in at 5 s, nothing at coarser tiers. */
        n = rrd_pick_archives(vm, now - 100, 0, RRD_CF_MIN, p, RRD_MAX_RRA);
        CHECK(n == 1 && p[0].i_rra == 0 && p[0].cf == RRD_CF_MIN);
        CHECK(rrd_pick_archives(vm, now - 7000, 60, RRD_CF_MIN, p, RRD_MAX_RRA) == 0);
        n = rrd_pick_archives(vm, now - 100, 0, RRD_CF_LAST, p, RRD_MAX_RRA);
        CHECK(n == 1 && p[0].cf == RRD_CF_LAST);
        /* Restricting to a reference shape, as an export across several RRDs does. */
        CHECK(rrd_pick_archives_shape(vm, 120, 12, -1, p, RRD_MAX_RRA) == 1);
        CHECK(rrd_pick_archives_shape(vm, 120, 12, RRD_CF_MAX, p, RRD_MAX_RRA) == 0);
        CHECK(rrd_pick_archives_shape(host, 120, 12, RRD_CF_MAX, p, RRD_MAX_RRA) == 1);
}

static void test_add_remove_ds(void) {
        static const char *const ds[] = {"DS:a:GAUGE:100:U:U", "DS:b:DERIVE:100:U:U"};
        static const char *const rra[] = {"RRA:AVERAGE:0.5:1:5", "RRA:MAX:0.5:3:4"};
        _cleanup_(rrd_destroyp) Rrd *rrd = make(10, 1000000000, ds, 2, rra, 2);
        RrdDsDef c;
        char err[SPEC_ERR_MAX];
        RrdDsState st;
        RrdCdpState cdp;

        CHECK(rrd);
        if (!rrd)
                return;
        CHECK(feed(rrd, "1000000010:1:100") == 0);
        CHECK(feed(rrd, "1000000020:2:200") == 0);
        CHECK(feed(rrd, "1000000025:3:250") == 0);
        double a_before = rrd_rra_value_back(rrd, 0, 0, 0);
        double b_before = rrd_rra_value_back(rrd, 0, 0, 1);
        CHECK(a_before == 2.0 && b_before == 10.0);

        CHECK(rrd_spec_parse_ds("DS:c:GAUGE:100:0:U", &c, err) == 0);
        CHECK(rrd_add_ds(rrd, &c) == 0);
        CHECK(rrd_add_ds(rrd, &c) == -EEXIST);
        CHECK(rrd_n_ds(rrd) == 3 && rrd_ds_index(rrd, "c") == 2);
        CHECK(rrd_rra_value_back(rrd, 0, 0, 0) == a_before);
        CHECK(rrd_rra_value_back(rrd, 0, 0, 1) == b_before);
        CHECK(isnan(rrd_rra_value_back(rrd, 0, 0, 2)));
        /* The new column starts as if created at the last update (…25): the 5 s of its PDP
         * before that are unknown; its 3-PDP CDP began at …20 (a multiple of 30 s), so no
         * PDP of it was lost, while the MAX column of b carries on. */
        rrd_get_ds_state(rrd, 2, &st);
        CHECK(st.unknown_sec == 5 && isnan(st.value) && st.last_ds.kind == RRD_VALUE_UNKNOWN);
        rrd_get_cdp_state(rrd, 1, 2, &cdp);
        CHECK(cdp.unknown_pdps == 0 && isnan(cdp.value));
        rrd_get_cdp_state(rrd, 1, 1, &cdp);
        CHECK(cdp.value == -HUGE_VAL); /* b's MAX CDP was reset at …20 and has no PDP yet */

        CHECK(feed(rrd, "1000000030:4:300:7") == 0);
        CHECK(feed(rrd, "1000000040:5:400:8") == 0);
        CHECK(rrd_rra_value_back(rrd, 0, 0, 2) == 8.0);
        CHECK(rrd_rra_value_back(rrd, 0, 0, 1) == 10.0);

        CHECK(rrd_remove_ds(rrd, 0) == 0);
        CHECK(rrd_remove_ds(rrd, 5) == -ENOENT);
        CHECK(rrd_n_ds(rrd) == 2 && strcmp(rrd_ds_def(rrd, 0)->name, "b") == 0);
        CHECK(rrd_rra_value_back(rrd, 0, 0, 0) == 10.0 && rrd_rra_value_back(rrd, 0, 0, 1) == 8.0);
        CHECK(rrd_rra_value_back(rrd, 0, 2, 0) == b_before);
        CHECK(feed(rrd, "1000000050:500:9") == 0);
        CHECK(rrd_rra_value_back(rrd, 0, 0, 0) == 10.0 && rrd_rra_value_back(rrd, 0, 0, 1) == 9.0);
}

/* A reboot restarts counters: the next delta is unknown, never a spike. */
static void test_reset_counters(void) {
        static const char *const ds[] = {"DS:d:DERIVE:100:0:U", "DS:g:GAUGE:100:U:U"};
        static const char *const rra[] = {"RRA:AVERAGE:0.5:1:5"};
        _cleanup_(rrd_destroyp) Rrd *rrd = make(5, 1000000000, ds, 2, rra, 1);

        CHECK(rrd);
        if (!rrd)
                return;
        CHECK(feed(rrd, "1000000005:1000000:1") == 0);
        CHECK(feed(rrd, "1000000010:1000500:1") == 0);
        CHECK(rrd_rra_value_back(rrd, 0, 0, 0) == 100.0);
        rrd_reset_counters(rrd);
        CHECK(feed(rrd, "1000000015:20:1") == 0);
        CHECK(isnan(rrd_rra_value_back(rrd, 0, 0, 0)));
        CHECK(rrd_rra_value_back(rrd, 0, 0, 1) == 1.0);
        CHECK(feed(rrd, "1000000020:520:1") == 0);
        CHECK(rrd_rra_value_back(rrd, 0, 0, 0) == 100.0);
}

static void test_definitions(void) {
        RrdDsDef d;
        RrdRraDef r;
        char err[SPEC_ERR_MAX];
        Rrd *rrd = NULL;

        CHECK(rrd_spec_parse_ds("DS:x:GAUGE:5m:U:U", &d, err) == 0 && d.heartbeat_s == 300);
        CHECK(rrd_spec_parse_ds("DS:x:GAUGE:10:5:1", &d, err) == -EINVAL);
        CHECK(rrd_spec_parse_ds("DS:x:gauge:10:U:U", &d, err) == -EINVAL);
        CHECK(rrd_spec_parse_ds("DS:x:GAUGE:0:U:U", &d, err) == -EINVAL);
        CHECK(rrd_spec_parse_ds("DS::GAUGE:10:U:U", &d, err) == -EINVAL);
        CHECK(rrd_spec_parse_ds("DS:x:GAUGE:10:U", &d, err) == -EINVAL);
        CHECK(rrd_spec_parse_rra("RRA:AVERAGE:0.5:1m:1h", 5, &r, err) == 0);
        CHECK(r.pdp_per_row == 12 && r.rows == 60);
        CHECK(rrd_spec_parse_rra("RRA:AVERAGE:1:1:10", 5, &r, err) == -EINVAL);
        CHECK(rrd_spec_parse_rra("RRA:AVERAGE:0.5:0:10", 5, &r, err) == -EINVAL);
        CHECK(rrd_spec_parse_rra("RRA:AVG:0.5:1:10", 5, &r, err) == -EINVAL);
        CHECK(rrd_spec_parse_rra("RRA:AVERAGE:0.5:7s:10", 5, &r, err) == -EINVAL);

        CHECK(rrd_spec_parse_ds("DS:x:GAUGE:10:U:U", &d, err) == 0);
        CHECK(rrd_spec_parse_rra("RRA:AVERAGE:0.5:1:10", 5, &r, err) == 0);
        RrdDsDef two[2] = {d, d};
        CHECK(rrd_new(&rrd, 5, 1000000000, two, 2, &r, 1) == -EINVAL); /* duplicate names */
        CHECK(rrd_new(&rrd, 5, 0, &d, 1, &r, 1) == -EINVAL);
        CHECK(rrd_new(&rrd, 0, 1000000000, &d, 1, &r, 1) == -EINVAL);
        CHECK(rrd_new(&rrd, 5, 1000000000, &d, 1, &r, 0) == -EINVAL);
        CHECK(rrd == NULL);
}

int main(void) {
        test_example_a();
        test_example_b();
        test_half_unknown_rule();
        test_split_and_heartbeat();
        test_counter_wrap_and_derive_sign();
        test_rejections();
        test_fetch_table();
        test_layouts();
        test_pick_archives();
        test_add_remove_ds();
        test_reset_counters();
        test_definitions();
        return TAP_DONE();
}
