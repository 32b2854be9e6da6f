/* SPDX-License-Identifier: MIT */
/*
 * HttpBackend over the registry. Only live RRDs are exported as "resident": an owner being
 * archived has left, and its archive (or the copy still in memory) answers /vm_rrd instead.
 */

#include "rrdd/http-backend.h"

#include <math.h>
#include <string.h>

#include "rrdd/macro.h"
#include "rrdd/registry.h"

typedef struct Ctx {
        Rrdd *d;
        ArchiveOps ops;
        void *ops_ctx;
} Ctx;

/* One per daemon; the daemon is a singleton in its process. */
static Ctx backend_ctx;

static SrcOwnerKind owner_kind(HttpOwnerKind k) {
        return k == HTTP_OWNER_VM   ? SRC_OWNER_VM
               : k == HTTP_OWNER_SR ? SRC_OWNER_SR
                                    : SRC_OWNER_HOST;
}

static HttpOwnerKind http_kind(SrcOwnerKind k) {
        return k == SRC_OWNER_VM   ? HTTP_OWNER_VM
               : k == SRC_OWNER_SR ? HTTP_OWNER_SR
                                   : HTTP_OWNER_HOST;
}

static const char *be_host_uuid(void *u) {
        return rrdd_host_uuid(((Ctx *) u)->d);
}

static const Rrd *be_find(void *u, HttpOwnerKind kind, const char *uuid) {
        Registry *r = rrdd_registry(((Ctx *) u)->d);
        RrdEntry *e = kind == HTTP_OWNER_HOST ? registry_host(r)
                                              : registry_find(r, owner_kind(kind), uuid);
        return e && e->state == ENTRY_LIVE ? e->rrd : NULL;
}

static int be_for_each(void *u, HttpOwnerKind kind, HttpRrdCallback cb, void *cbdata) {
        Registry *r = rrdd_registry(((Ctx *) u)->d);
        size_t state = 0;
        RrdEntry *e;

        while ((e = registry_next(r, &state))) {
                if (e->kind != owner_kind(kind) || e->state != ENTRY_LIVE || !e->rrd)
                        continue;
                int k = cb(cbdata, e->uuid, e->rrd);
                if (k < 0)
                        return k;
        }
        return 0;
}

static int be_load_archive(void *u, HttpOwnerKind kind, const char *uuid, Rrd **ret) {
        Ctx *c = u;
        Registry *r = rrdd_registry(c->d);
        RrdEntry *e = registry_find(r, owner_kind(kind), uuid);

        /* Left but not yet written (or the write failed): the copy in memory is the newest. */
        if (e && e->rrd && (e->state == ENTRY_ARCHIVING || e->state == ENTRY_ARCHIVE_FAILED))
                return rrd_dup(e->rrd, ret);
        return c->ops.load(c->ops_ctx, owner_kind(kind), uuid, ret);
}

static int be_for_each_metric(void *u, HttpMetricCallback cb, void *cbdata) {
        Registry *r = rrdd_registry(((Ctx *) u)->d);
        size_t state = 0;
        RrdEntry *e;

        while ((e = registry_next(r, &state))) {
                if (e->state != ENTRY_LIVE || !e->rrd)
                        continue;
                for (size_t k = 0; k < e->n_known; k++) {
                        const KnownDs *kd = &e->known[k];
                        int i = rrd_ds_index(e->rrd, kd->name);
                        if (i < 0)
                                continue;
                        HttpMetric m = {
                                .kind = http_kind(e->kind),
                                .uuid = e->uuid,
                                .name = kd->name,
                                .units = kd->units,
                                .description = kd->description,
                                .value = registry_current_value(e, (size_t) i),
                        };
                        int rc = cb(cbdata, &m);
                        if (rc < 0)
                                return rc;
                }
        }
        return 0;
}

static void be_health(void *u, HttpHealth *ret) {
        static double le[ELEMENTSOF(rrdd_tick_bucket_ms)];
        Rrdd *d = ((Ctx *) u)->d;
        const RrddStats *s = rrdd_stats(d);
        Registry *r = rrdd_registry(d);
        size_t state = 0;
        RrdEntry *e;

        for (size_t i = 0; i < ELEMENTSOF(le); i++)
                le[i] = rrdd_tick_bucket_ms[i] / 1000.0;
        *ret = (HttpHealth){
                .n_ticks = s->n_ticks,
                .n_missed_ticks = s->n_missed_ticks,
                .n_clock_steps = s->n_clock_steps,
                .n_refused_updates = s->n_refused_updates,
                .n_source_errors = s->n_source_errors,
                .n_archives_written = s->n_archives_written,
                .n_archive_failures = s->n_archive_failures,
                .n_backups_written = s->n_backups_written,
                .n_backup_failures = s->n_backup_failures,
                .last_tick_seconds = (double) s->last_tick_usec / 1e6,
                .tick_seconds_sum = s->sum_tick_usec / 1e6,
                .tick_bucket_le = le,
                .tick_bucket_n = s->tick_buckets,
                .n_tick_buckets = ELEMENTSOF(le),
                .tick_lateness_seconds_sum = s->sum_lateness_usec / 1e6,
                .tick_lateness_bucket_n = s->lateness_buckets,
                .max_tick_lateness_seconds = (double) s->max_lateness_usec / 1e6,
        };
        while ((e = registry_next(r, &state)))
                if (e->rrd) {
                        ret->n_rrds[http_kind(e->kind)]++;
                        ret->rrd_memory_bytes += rrd_memory_bytes(e->rrd);
                }
}

void rrdd_http_backend(HttpBackend *ret, Rrdd *d, const ArchiveOps *ops, void *ops_ctx) {
        backend_ctx = (Ctx){.d = d, .ops = *ops, .ops_ctx = ops_ctx};
        *ret = (HttpBackend){
                .userdata = &backend_ctx,
                .host_uuid = be_host_uuid,
                .find = be_find,
                .for_each = be_for_each,
                .load_archive = be_load_archive,
                .for_each_metric = be_for_each_metric,
                .health = be_health,
        };
}
