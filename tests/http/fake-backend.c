/* SPDX-License-Identifier: MIT */
/* The deterministic test backend: RRDs fed by the engine from a formula. */

#include "fake-backend.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "consolidate/layout.h"
#include "rrdd/macro.h"

static const struct {
        const char *name;
        const char *units;
} vm_ds[] =
        {
                {"cpu0", "(fraction)"},
                {"cpu1", "(fraction)"},
                {"memory", "B"},
                {"memory_target", "B"},
                {"memory_internal_free", "KiB"},
                {"cpu_usage", "(fraction)"},
                {"vif_0_rx", "B/s"},
                {"vif_0_tx", "B/s"},
                {"vif_1_rx", "B/s"},
                {"vif_1_tx", "B/s"},
                {"vbd_xvda_read", "B/s"},
                {"vbd_xvda_write", "B/s"},
                {"vbd_xvda_read_latency", "\xce\xbcs"},
                {"vbd_xvda_write_latency", "\xce\xbcs"},
                {"vbd_xvdb_read", "B/s"},
                {"vbd_xvdb_write", "B/s"},
                {"vbd_xvdb_iops_read", "requests/s"},
                {"vbd_xvdb_iops_write", "requests/s"},
                {"vbd_xvdb_iops_total", "requests/s"},
                {"vbd_xvdb_inflight", "requests"},
},
  host_ds[] =
          {
                  {"cpu0", "(fraction)"},     {"cpu1", "(fraction)"},
                  {"cpu_avg", "(fraction)"},  {"memory_total_kib", "KiB"},
                  {"memory_free_kib", "KiB"}, {"loadavg", ""},
                  {"pif_eth0_rx", "B/s"},     {"pif_eth0_tx", "B/s"},
},
  sr_ds[] = {
          {"physical_utilisation", "B"},
          {"size", "B"},
          {"io_throughput_read", "MiB/s"},
};

void fake_uuid(char *ret, HttpOwnerKind kind, size_t i, bool halted) {
        const char *p = halted                    ? "33333333-3333-4333-8333-"
                        : kind == HTTP_OWNER_HOST ? "11111111-1111-4111-8111-"
                        : kind == HTTP_OWNER_SR   ? "22222222-2222-4222-8222-"
                                                  : "00000000-0000-4000-8000-";
        (void) snprintf(ret, 37, "%s%012zx", p, i);
}

double fake_value(size_t k, size_t ds, int64_t t) {
        int64_t n = t / 5;
        /* Data source 1 is unknown once every 13 steps, so NaN shows up in every archive. */
        if (ds == 1 && n % 13 == 0)
                return (double) NAN;
        /* Multiples of 1/4 below 250: sums of up to 17280 of them stay exact in a double. */
        return (double) ((n * (int64_t) (ds + 1) + 7 * (int64_t) k) % 997) / 4.0;
}

const char *fake_ds_name(HttpOwnerKind kind, size_t ds, char *buf, size_t size) {
        if (kind == HTTP_OWNER_HOST && ds < ELEMENTSOF(host_ds))
                return host_ds[ds].name;
        if (kind == HTTP_OWNER_SR && ds < ELEMENTSOF(sr_ds))
                return sr_ds[ds].name;
        if (kind == HTTP_OWNER_VM && ds < ELEMENTSOF(vm_ds))
                return vm_ds[ds].name;
        (void) snprintf(buf, size, "ds_%zu", ds);
        return buf;
}

const char *fake_ds_units(HttpOwnerKind kind, size_t ds) {
        if (kind == HTTP_OWNER_HOST && ds < ELEMENTSOF(host_ds))
                return host_ds[ds].units;
        if (kind == HTTP_OWNER_SR && ds < ELEMENTSOF(sr_ds))
                return sr_ds[ds].units;
        if (kind == HTTP_OWNER_VM && ds < ELEMENTSOF(vm_ds))
                return vm_ds[ds].units;
        return "";
}

size_t fake_n_ds(HttpOwnerKind kind, const FakeOptions *o) {
        if (kind == HTTP_OWNER_HOST)
                return ELEMENTSOF(host_ds);
        if (kind == HTTP_OWNER_SR)
                return ELEMENTSOF(sr_ds);
        return o->n_vm_ds;
}

static int update(FakeOwner *w, int64_t t, double divisor) {
        RrdValue v[FAKE_DS_MAX];
        size_t n = rrd_n_ds(w->rrd);

        for (size_t d = 0; d < n; d++) {
                double x = fake_value(w->index, d, t);
                if (divisor != 1)
                        x /= divisor;
                v[d] = isnan(x) ? RRD_VALUE_U : rrd_value_double(x);
        }
        return rrd_update_at(w->rrd, t, 0, v);
}

static int build(FakeOwner *w, HttpOwnerKind kind, size_t i, size_t index, bool halted,
                 const FakeOptions *o, int64_t end_s) {
        RrdRraDef rra[RRD_LAYOUT_MAX_RRA];
        RrdDsDef ds[FAKE_DS_MAX];
        char buf[32];
        size_t n_ds = fake_n_ds(kind, o);
        RrdLayoutOptions lo = {.min_max = o->vm_min_max};
        size_t n_rra = rrd_layout(kind == HTTP_OWNER_HOST ? RRD_LAYOUT_HOST
                                  : kind == HTTP_OWNER_SR ? RRD_LAYOUT_SR
                                                          : RRD_LAYOUT_VM,
                                  &lo, rra);
        int r;

        if (n_ds > FAKE_DS_MAX)
                return -EINVAL;
        for (size_t d = 0; d < n_ds; d++) {
                r = rrd_layout_ds(&ds[d], fake_ds_name(kind, d, buf, sizeof(buf)), RRD_DS_GAUGE,
                                  (double) NAN, (double) NAN);
                if (r < 0)
                        return r;
        }
        w->kind = kind;
        w->index = index;
        fake_uuid(w->uuid, kind, i, halted);
        int64_t first = end_s - o->history_s;
        r = rrd_new(&w->rrd, 5, first - 5, ds, n_ds, rra, n_rra);
        if (r < 0)
                return r;
        for (int64_t t = first; t <= end_s; t += 5) {
                r = update(w, t, o->noisy ? 7 : 1);
                if (r < 0)
                        return r;
        }
        return 0;
}

int fake_backend_new(FakeBackend **ret, const FakeOptions *o, int64_t end_s) {
        FakeBackend *b = calloc(1, sizeof(*b));
        int r = 0;

        if (!b)
                return -ENOMEM;
        fake_uuid(b->host_uuid, HTTP_OWNER_HOST, 0, false);
        b->divisor = o->noisy ? 7 : 1;
        b->owners = calloc(1 + o->n_vms + o->n_srs, sizeof(*b->owners));
        b->halted = calloc(o->n_halted + 1, sizeof(*b->halted));
        if (!b->owners || !b->halted) {
                fake_backend_free(b);
                return -ENOMEM;
        }
        r = build(&b->owners[b->n_owners++], HTTP_OWNER_HOST, 0, 0, false, o, end_s);
        b->n_vms = o->n_vms;
        for (size_t i = 0; r >= 0 && i < o->n_vms; i++)
                r = build(&b->owners[b->n_owners++], HTTP_OWNER_VM, i, 1 + i, false, o, end_s);
        for (size_t i = 0; r >= 0 && i < o->n_srs; i++)
                r = build(&b->owners[b->n_owners++], HTTP_OWNER_SR, i, 100000 + i, false, o, end_s);
        for (size_t i = 0; r >= 0 && i < o->n_halted; i++)
                r = build(&b->halted[b->n_halted++], HTTP_OWNER_VM, i, 200000 + i, true, o, end_s);
        if (r < 0) {
                fake_backend_free(b);
                return r;
        }
        *ret = b;
        return 0;
}

FakeBackend *fake_backend_free(FakeBackend *b) {
        if (!b)
                return NULL;
        for (size_t i = 0; i < b->n_owners; i++)
                rrd_destroy(b->owners[i].rrd);
        for (size_t i = 0; i < b->n_halted; i++)
                rrd_destroy(b->halted[i].rrd);
        free(b->owners);
        free(b->halted);
        free(b);
        return NULL;
}

int fake_backend_tick(FakeBackend *b, int64_t t) {
        for (size_t i = 0; i < b->n_owners; i++) {
                int r = update(&b->owners[i], t, b->divisor);
                if (r < 0)
                        return r;
        }
        b->n_ticks++;
        return 0;
}

int64_t fake_backend_last(const FakeBackend *b) {
        return b->n_owners > 0 ? rrd_last_up(b->owners[0].rrd) : 0;
}

/* ---- the table ---- */

static const char *be_host_uuid(void *u) {
        FakeBackend *b = u;
        return b->host_uuid;
}

static const Rrd *be_find(void *u, HttpOwnerKind kind, const char *uuid) {
        FakeBackend *b = u;

        /* Owners are stored host, VMs, SRs with uuids that end in their number: try there. */
        if (kind != HTTP_OWNER_HOST && uuid && strlen(uuid) == 36) {
                size_t i = strtoull(uuid + 24, NULL, 16);
                size_t at = kind == HTTP_OWNER_VM ? 1 + i : 1 + b->n_vms + i;
                if (at < b->n_owners && b->owners[at].kind == kind &&
                    strcmp(b->owners[at].uuid, uuid) == 0)
                        return b->owners[at].rrd;
        }

        for (size_t i = 0; i < b->n_owners; i++)
                if (b->owners[i].kind == kind &&
                    (kind == HTTP_OWNER_HOST || (uuid && strcmp(b->owners[i].uuid, uuid) == 0)))
                        return b->owners[i].rrd;
        return NULL;
}

static int be_for_each(void *u, HttpOwnerKind kind, HttpRrdCallback cb, void *cbdata) {
        FakeBackend *b = u;

        for (size_t i = 0; i < b->n_owners; i++) {
                if (b->owners[i].kind != kind)
                        continue;
                int r = cb(cbdata, b->owners[i].uuid, b->owners[i].rrd);
                if (r < 0)
                        return r;
        }
        return 0;
}

static int be_load_archive(void *u, HttpOwnerKind kind, const char *uuid, Rrd **ret) {
        FakeBackend *b = u;

        b->n_loads++;
        for (size_t i = 0; i < b->n_halted; i++)
                if (b->halted[i].kind == kind && strcmp(b->halted[i].uuid, uuid) == 0)
                        return rrd_dup(b->halted[i].rrd, ret);
        return -ENOENT;
}

static int be_for_each_metric(void *u, HttpMetricCallback cb, void *cbdata) {
        FakeBackend *b = u;
        char buf[32];

        for (size_t i = 0; i < b->n_owners; i++) {
                const FakeOwner *w = &b->owners[i];
                for (size_t d = 0; d < rrd_n_ds(w->rrd); d++) {
                        HttpMetric m = {
                                .kind = w->kind,
                                .uuid = w->kind == HTTP_OWNER_HOST ? b->host_uuid : w->uuid,
                                .name = fake_ds_name(w->kind, d, buf, sizeof(buf)),
                                .units = fake_ds_units(w->kind, d),
                                .description = d == 0 ? "The first data source" : "",
                                .value = rrd_rra_value_back(w->rrd, 0, 0, d),
                        };
                        int r = cb(cbdata, &m);
                        if (r < 0)
                                return r;
                }
        }
        return 0;
}

static const double tick_le[] = {0.001, 0.01, 0.1, 1};

static void be_health(void *u, HttpHealth *ret) {
        FakeBackend *b = u;
        static uint64_t buckets[5];

        /* Fixed, recognisable numbers: ticks in the 10 ms bucket, one slow one. */
        buckets[0] = 0;
        buckets[1] = b->n_ticks;
        buckets[2] = 0;
        buckets[3] = 0;
        buckets[4] = 1;
        *ret = (HttpHealth){
                .n_ticks = b->n_ticks + 1,
                .n_missed_ticks = 2,
                .n_clock_steps = 3,
                .n_refused_updates = 4,
                .n_source_errors = 5,
                .n_archives_written = 6,
                .n_archive_failures = 7,
                .n_backups_written = 8,
                .n_backup_failures = 9,
                .rrd_memory_bytes = 12345,
                .last_tick_seconds = 0.0025,
                .tick_seconds_sum = 1.5,
                .tick_bucket_le = tick_le,
                .tick_bucket_n = buckets,
                .n_tick_buckets = ELEMENTSOF(tick_le),
        };
        for (size_t i = 0; i < b->n_owners; i++)
                ret->n_rrds[b->owners[i].kind]++;
}

void fake_backend_table(FakeBackend *b, HttpBackend *ret) {
        *ret = (HttpBackend){
                .userdata = b,
                .host_uuid = be_host_uuid,
                .find = be_find,
                .for_each = be_for_each,
                .load_archive = be_load_archive,
                .for_each_metric = be_for_each_metric,
                .health = be_health,
        };
}
