/* SPDX-License-Identifier: MIT */
/*
 * The registry of RRDs and the sink sources emit into. Per tick: sources emit samples, which are
 * stored on the owner's known data source (cheaply: names arrive in the same order every tick,
 * so a moving hint usually finds them at once); registry_apply_tick() then turns them into one
 * rrd_update_at() per owner. Allocation happens only when something new appears.
 */

#include "rrdd/registry.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "rrdd/hashmap.h"
#include "rrdd/log.h"
#include "rrdd/macro.h"

#define MAX_SOURCES 16

struct Registry {
        RegistryOptions opts;
        char host_uuid[SRC_UUID_LEN + 1];
        RrdEntry *host;
        Hashmap *vms; /* uuid → RrdEntry */
        Hashmap *srs;
        SrcSink sink;
        uint64_t tick;
        int source;
        bool source_ok[MAX_SOURCES];
        RrdEntry *last; /* the entry the previous sample went to */
        char *fresh;    /* scratch for names of entries decided "fresh" */
};

static void entry_free(RrdEntry *e) {
        if (!e)
                return;
        rrd_destroy(e->rrd);
        for (size_t i = 0; i < e->n_known; i++) {
                free(e->known[i].name);
                free(e->known[i].description);
                free(e->known[i].units);
        }
        free(e->known);
        free(e->column);
        free(e->values);
        free(e);
}

static RrdEntry *entry_new(SrcOwnerKind kind, const char *uuid) {
        RrdEntry *e = calloc(1, sizeof(*e));
        if (!e)
                return NULL;
        e->kind = kind;
        (void) snprintf(e->uuid, sizeof(e->uuid), "%s", uuid);
        e->state = ENTRY_NEW;
        e->announcer = -1;
        return e;
}

static Hashmap *map_for(Registry *r, SrcOwnerKind kind) {
        return kind == SRC_OWNER_VM ? r->vms : kind == SRC_OWNER_SR ? r->srs : NULL;
}

static RrdEntry *entry_for(Registry *r, const SrcOwner *o, bool create) {
        Hashmap *m;
        RrdEntry *e;

        if (o->kind == SRC_OWNER_HOST)
                return r->host;
        /* Samples come grouped by owner: most lookups are the previous owner again. */
        if (r->last && r->last->kind == o->kind &&
            memcmp(r->last->uuid, o->uuid, SRC_UUID_LEN) == 0)
                return r->last;
        m = map_for(r, o->kind);
        if (!m)
                return NULL;
        e = hashmap_get(m, o->uuid);
        if (!e && create) {
                if (!uuid_is_valid(o->uuid))
                        return NULL;
                e = entry_new(o->kind, o->uuid);
                if (!e)
                        return NULL;
                if (hashmap_put(m, e->uuid, e) < 0) {
                        entry_free(e);
                        return NULL;
                }
        }
        if (e)
                r->last = e;
        return e;
}

static int sink_announce(SrcSink *sink, const SrcOwner *owner, uint64_t generation) {
        Registry *r = sink->userdata;
        RrdEntry *e = entry_for(r, owner, true);

        if (!e)
                return -EINVAL;
        e->announced_tick = r->tick;
        e->announcer = r->source;
        e->pending_generation = generation;
        e->has_pending_generation = true;
        return 0;
}

static RrdValue to_rrd_value(const SrcSample *s) {
        switch (s->value_type) {
        case SRC_VALUE_INT64:
                return rrd_value_i64(s->value.i64);
        case SRC_VALUE_UINT64:
                return rrd_value_u64(s->value.u64);
        case SRC_VALUE_DOUBLE:
                return rrd_value_double(s->value.d);
        default:
                return RRD_VALUE_U;
        }
}

static char *strdup_or_empty(const char *s) {
        return strdup(s ? s : "");
}

static KnownDs *known_add(RrdEntry *e, const SrcSample *s) {
        KnownDs *k;

        if (e->n_known == e->cap_known) {
                size_t cap = e->cap_known ? e->cap_known * 2 : 32;
                KnownDs *n = realloc(e->known, cap * sizeof(*n));
                long *c = realloc(e->column, cap * sizeof(*c));
                if (n)
                        e->known = n;
                if (c)
                        e->column = c;
                if (!n || !c)
                        return NULL;
                e->cap_known = cap;
        }
        k = &e->known[e->n_known];
        *k = (KnownDs){
                .name = strdup(s->name),
                .description = strdup_or_empty(s->description),
                .units = strdup_or_empty(s->units),
                .kind = s->kind,
                .min = s->min,
                .max = s->max,
                .is_default = s->is_default,
        };
        if (!k->name || !k->description || !k->units) {
                free(k->name);
                free(k->description);
                free(k->units);
                return NULL;
        }
        e->column[e->n_known] = e->rrd ? rrd_ds_index(e->rrd, k->name) : -1;
        if (e->column[e->n_known] < 0)
                e->column[e->n_known] = -1;
        e->n_known++;
        return k;
}

static KnownDs *known_find(RrdEntry *e, const char *name) {
        if (e->hint < e->n_known && strcmp(e->known[e->hint].name, name) == 0)
                return &e->known[e->hint++];
        for (size_t i = 0; i < e->n_known; i++)
                if (strcmp(e->known[i].name, name) == 0) {
                        e->hint = i + 1;
                        return &e->known[i];
                }
        return NULL;
}

static int sink_emit(SrcSink *sink, const SrcSample *s) {
        Registry *r = sink->userdata;
        RrdEntry *e;
        KnownDs *k;

        if (!s->name || (unsigned) s->kind >= _SRC_KIND_MAX)
                return -EINVAL;
        e = entry_for(r, &s->owner, true);
        if (!e)
                return -EINVAL;
        k = known_find(e, s->name);
        if (!k) {
                /* Checked once, when the name first appears: every tick repeats it. */
                if (!rrd_ds_name_is_valid(s->name))
                        return -EINVAL;
                k = known_add(e, s);
                if (!k)
                        return -ENOMEM;
        }
        k->value = to_rrd_value(s);
        k->last_seen_tick = r->tick;
        e->sampled_tick = r->tick;
        if (s->generation != 0 && e->kind != SRC_OWNER_HOST) {
                e->pending_generation = s->generation;
                e->has_pending_generation = true;
        }
        return 0;
}

int registry_new(Registry **ret, const RegistryOptions *opts) {
        _cleanup_(registry_freep) Registry *r = calloc(1, sizeof(*r));
        int k;

        if (!r)
                return -ENOMEM;
        r->opts = *opts;
        if (r->opts.step_s == 0)
                r->opts.step_s = RRD_DEFAULT_STEP_S;
        if (r->opts.vanish_ticks == 0)
                r->opts.vanish_ticks = 12;
        (void) snprintf(r->host_uuid, sizeof(r->host_uuid), "%s",
                        opts->host_uuid ? opts->host_uuid : "");
        r->opts.host_uuid = r->host_uuid;
        if ((k = hashmap_new(&r->vms)) < 0 || (k = hashmap_new(&r->srs)) < 0)
                return k;
        r->host = entry_new(SRC_OWNER_HOST, r->host_uuid);
        if (!r->host)
                return -ENOMEM;
        r->sink = (SrcSink){.emit = sink_emit, .announce = sink_announce, .userdata = r};
        r->source = -1;
        *ret = TAKE_PTR(r);
        return 0;
}

static void free_map(Hashmap *m) {
        size_t i = 0;
        void *v;

        if (!m)
                return;
        while (hashmap_iterate(m, &i, NULL, &v))
                entry_free(v);
        hashmap_free(m);
}

Registry *registry_free(Registry *r) {
        if (!r)
                return NULL;
        entry_free(r->host);
        free_map(r->vms);
        free_map(r->srs);
        free(r->fresh);
        free(r);
        return NULL;
}

uint64_t registry_tick(const Registry *r) {
        return r->tick;
}

SrcSink *registry_sink(Registry *r) {
        return &r->sink;
}

void registry_begin_tick(Registry *r, uint64_t tick_no) {
        r->tick = tick_no;
        r->source = -1;
        r->last = NULL;
        memset(r->source_ok, 0, sizeof(r->source_ok));
}

void registry_set_source(Registry *r, int source_index, bool sampled_ok) {
        r->source = source_index;
        if (source_index >= 0 && source_index < MAX_SOURCES)
                r->source_ok[source_index] = sampled_ok;
}

RrdEntry *registry_host(Registry *r) {
        return r->host;
}

RrdEntry *registry_find(Registry *r, SrcOwnerKind kind, const char *uuid) {
        Hashmap *m;

        if (kind == SRC_OWNER_HOST)
                return r->host;
        m = map_for(r, kind);
        return m ? hashmap_get(m, uuid) : NULL;
}

RrdEntry *registry_next(Registry *r, size_t *state) {
        /* State 0 is the host; then VMs; then SRs (offset by the VM map's slot count). */
        void *v;

        if (*state == 0) {
                *state = 1;
                return r->host;
        }
        size_t s = *state - 1;
        if ((s & ((size_t) 1 << 62)) == 0) {
                if (hashmap_iterate(r->vms, &s, NULL, &v)) {
                        *state = s + 1;
                        return v;
                }
                s = 0;
        } else
                s &= ~((size_t) 1 << 62);
        if (hashmap_iterate(r->srs, &s, NULL, &v)) {
                *state = (s | ((size_t) 1 << 62)) + 1;
                return v;
        }
        *state = (s | ((size_t) 1 << 62)) + 1;
        return NULL;
}

size_t registry_count(const Registry *r, SrcOwnerKind kind) {
        if (kind == SRC_OWNER_HOST)
                return 1;
        return hashmap_size(kind == SRC_OWNER_VM ? r->vms : r->srs);
}

static void rebuild_columns(RrdEntry *e) {
        for (size_t i = 0; i < e->n_known; i++) {
                int c = e->rrd ? rrd_ds_index(e->rrd, e->known[i].name) : -1;
                e->column[i] = c >= 0 ? c : -1;
        }
}

static int ensure_values(RrdEntry *e) {
        size_t n = e->rrd ? rrd_n_ds(e->rrd) : 0;
        if (n <= e->cap_values)
                return 0;
        RrdValue *v = realloc(e->values, n * sizeof(*v));
        if (!v)
                return -ENOMEM;
        e->values = v;
        e->cap_values = n;
        return 0;
}

static RrdDsType ds_type(SrcKind k) {
        switch (k) {
        case SRC_ABSOLUTE:
                return RRD_DS_ABSOLUTE;
        case SRC_DERIVE:
                return RRD_DS_DERIVE;
        case SRC_COUNTER:
                return RRD_DS_COUNTER;
        default:
                return RRD_DS_GAUGE;
        }
}

static int known_to_def(const KnownDs *k, RrdDsDef *ret) {
        if (rrd_layout_ds(ret, k->name, ds_type(k->kind), k->min, k->max) == 0)
                return 0;
        /* Metadata rrdtool would refuse (min >= max, say): keep the data, drop the bounds. */
        return rrd_layout_ds(ret, k->name, ds_type(k->kind), -HUGE_VAL, HUGE_VAL);
}

static bool wants(const Registry *r, const KnownDs *k) {
        return k->wanted || k->is_default || r->opts.archive_all;
}

static int create_rrd(Registry *r, RrdEntry *e, int64_t tick_s) {
        RrdRraDef rra[RRD_LAYOUT_MAX_RRA];
        _cleanup_free_ RrdDsDef *ds = NULL;
        size_t n_ds = 0, n_rra;
        RrdLayoutKind kind = e->kind == SRC_OWNER_HOST ? RRD_LAYOUT_HOST
                             : e->kind == SRC_OWNER_VM ? RRD_LAYOUT_VM
                                                       : RRD_LAYOUT_SR;
        const RrdLayoutOptions *lo =
                e->kind == SRC_OWNER_HOST ? &r->opts.host_layout : &r->opts.vm_layout;

        n_rra = rrd_layout(kind, lo, rra);
        ds = calloc(e->n_known ? e->n_known : 1, sizeof(*ds));
        if (!ds)
                return -ENOMEM;
        for (size_t i = 0; i < e->n_known && n_ds < RRD_MAX_DS; i++) {
                const KnownDs *k = &e->known[i];
                if (k->last_seen_tick == r->tick && wants(r, k) && known_to_def(k, &ds[n_ds]) == 0)
                        n_ds++;
        }
        if (n_ds == 0)
                return 0; /* nothing to archive yet: stay NEW */
        /* Created one step before this tick, so this tick's samples fill the first PDP. */
        int k = rrd_new(&e->rrd, r->opts.step_s, tick_s - (int64_t) r->opts.step_s, ds, n_ds, rra,
                        n_rra);
        if (k < 0)
                return k;
        e->state = ENTRY_LIVE;
        rebuild_columns(e);
        return 1;
}

static int update_entry(Registry *r, RrdEntry *e, int64_t tick_s, TickResult *res) {
        size_t n_ds;
        int k;

        if (e->has_pending_generation) {
                if (e->has_generation && e->generation != e->pending_generation)
                        rrd_reset_counters(e->rrd);
                e->generation = e->pending_generation;
                e->has_generation = true;
                e->has_pending_generation = false;
        }
        /* Newly reported data sources join the RRD. */
        for (size_t i = 0; i < e->n_known; i++) {
                KnownDs *kd = &e->known[i];
                RrdDsDef def;
                if (e->column[i] >= 0 || kd->last_seen_tick != r->tick || !wants(r, kd))
                        continue;
                if (known_to_def(kd, &def) < 0)
                        continue;
                k = rrd_add_ds(e->rrd, &def);
                if (k < 0 && k != -EEXIST) {
                        log_ratelimited(LOG_WARNING, k, 60 * USEC_PER_SEC, 5,
                                        "%s %s: cannot add data source %s: %m, ignoring",
                                        src_owner_kind_to_string(e->kind), e->uuid, kd->name);
                        continue;
                }
                rebuild_columns(e);
                res->n_ds_added++;
        }
        k = ensure_values(e);
        if (k < 0)
                return k;
        n_ds = rrd_n_ds(e->rrd);
        for (size_t i = 0; i < n_ds; i++)
                e->values[i] = RRD_VALUE_U;
        for (size_t i = 0; i < e->n_known; i++)
                if (e->column[i] >= 0 && e->known[i].last_seen_tick == r->tick)
                        e->values[e->column[i]] = e->known[i].value;
        k = rrd_update_at(e->rrd, tick_s, 0, e->values);
        if (k == -ERANGE) {
                e->n_refused_updates++;
                res->n_refused++;
                return 0;
        }
        if (k < 0)
                return k;
        res->n_updated++;
        return 0;
}

bool registry_is_resident(const Registry *r, const RrdEntry *e) {
        if (e->kind == SRC_OWNER_HOST)
                return true;
        if (e->kind == SRC_OWNER_VM && r->opts.domain_sources)
                return e->announced_tick == r->tick;
        return e->sampled_tick == r->tick;
}

static bool has_left(const Registry *r, const RrdEntry *e) {
        if (e->kind == SRC_OWNER_HOST)
                return false;
        if (e->kind == SRC_OWNER_VM && r->opts.domain_sources) {
                /* Only the source that announced it can tell it is gone, and only if it worked. */
                if (e->announced_tick == r->tick)
                        return false;
                if (e->announcer < 0 || e->announcer >= MAX_SOURCES)
                        return r->tick - e->sampled_tick >= r->opts.vanish_ticks;
                return r->source_ok[e->announcer];
        }
        return r->tick - e->sampled_tick >= r->opts.vanish_ticks;
}

static int apply_entry(Registry *r, RrdEntry *e, int64_t tick_s, TickResult *res) {
        bool resident = registry_is_resident(r, e);
        int k;

        switch (e->state) {
        case ENTRY_NEW:
                if (!resident)
                        return 0;
                k = create_rrd(r, e, tick_s);
                if (k <= 0)
                        return k;
                res->n_created++;
                /* Created a step ago, so these first samples already fill a PDP. */
                return update_entry(r, e, tick_s, res);
        case ENTRY_LOADING:
                return 0;
        case ENTRY_ARCHIVING:
        case ENTRY_ARCHIVE_FAILED:
                if (!resident)
                        return 0;
                /* It came back before (or while) being written: carry on in memory. */
                e->state = ENTRY_LIVE;
                _fallthrough_;
        case ENTRY_LIVE:
                if (resident)
                        return update_entry(r, e, tick_s, res);
                if (has_left(r, e))
                        e->state = ENTRY_ARCHIVING;
                return 0;
        }
        return 0;
}

/* An owner that never became resident (plugin samples for a VM not running here, say). */
static bool is_stale_new(const Registry *r, const RrdEntry *e) {
        uint64_t seen = e->sampled_tick > e->announced_tick ? e->sampled_tick : e->announced_tick;
        return e->state == ENTRY_NEW && e->kind != SRC_OWNER_HOST &&
               r->tick - seen >= r->opts.vanish_ticks;
}

int registry_apply_tick(Registry *r, int64_t tick_s, TickResult *ret) {
        TickResult res = {};
        size_t state = 0, n_stale = 0;
        RrdEntry *e;
        int first_error = 0;

        while ((e = registry_next(r, &state))) {
                int k = apply_entry(r, e, tick_s, &res);
                if (k < 0 && first_error == 0)
                        first_error = k;
                if (is_stale_new(r, e))
                        n_stale++;
        }
        /* Drop stale entries after the walk: the maps must not change while iterated. */
        while (n_stale > 0) {
                state = 0;
                while ((e = registry_next(r, &state)) && !is_stale_new(r, e))
                        ;
                if (!e)
                        break;
                registry_drop(r, e);
                n_stale--;
        }
        if (ret)
                *ret = res;
        return first_error;
}

void registry_decide_new(Registry *r, RrdEntry *e, bool has_archive) {
        (void) r;
        if (e->state == ENTRY_NEW && has_archive)
                e->state = ENTRY_LOADING;
}

int registry_loaded(Registry *r, RrdEntry *e, Rrd *rrd, const uint64_t *generation) {
        (void) r;
        if (e->state != ENTRY_LOADING) {
                rrd_destroy(rrd);
                return -ESTALE;
        }
        if (!rrd) {
                e->state = ENTRY_NEW; /* unreadable archive: start afresh */
                return 0;
        }
        rrd_destroy(e->rrd);
        e->rrd = rrd;
        e->state = ENTRY_LIVE;
        if (generation) {
                e->generation = *generation;
                e->has_generation = true;
        } else {
                if (e->kind != SRC_OWNER_HOST)
                        rrd_reset_counters(e->rrd);
                e->has_generation = false;
        }
        rebuild_columns(e);
        return 0;
}

void registry_archived(Registry *r, RrdEntry *e) {
        if (e->state == ENTRY_ARCHIVING || e->state == ENTRY_ARCHIVE_FAILED)
                registry_drop(r, e);
}

void registry_archive_failed(Registry *r, RrdEntry *e, uint64_t retry_tick) {
        (void) r;
        if (e->state != ENTRY_ARCHIVING && e->state != ENTRY_ARCHIVE_FAILED)
                return;
        e->state = ENTRY_ARCHIVE_FAILED;
        e->n_archive_failures++;
        e->archive_retry_tick = retry_tick;
}

int registry_replace(Registry *r, SrcOwnerKind kind, const char *uuid, Rrd *rrd) {
        SrcOwner o = {.kind = kind};
        RrdEntry *e;

        (void) snprintf(o.uuid, sizeof(o.uuid), "%s", uuid);
        e = entry_for(r, &o, true);
        if (!e) {
                rrd_destroy(rrd);
                return -EINVAL;
        }
        rrd_destroy(e->rrd);
        e->rrd = rrd;
        e->state = ENTRY_LIVE;
        e->has_generation = false;
        rebuild_columns(e);
        return 0;
}

void registry_drop(Registry *r, RrdEntry *e) {
        Hashmap *m;

        if (!e || e == r->host)
                return;
        if (r->last == e)
                r->last = NULL;
        m = map_for(r, e->kind);
        if (m)
                (void) hashmap_remove(m, e->uuid);
        entry_free(e);
}

int registry_record_ds(Registry *r, RrdEntry *e, const char *name) {
        KnownDs *k = NULL;
        RrdDsDef def;
        int rc;

        for (size_t i = 0; i < e->n_known; i++)
                if (strcmp(e->known[i].name, name) == 0)
                        k = &e->known[i];
        if (!k)
                return -ENOENT;
        k->wanted = true;
        if (!e->rrd || rrd_ds_index(e->rrd, name) >= 0)
                return 0;
        if (known_to_def(k, &def) < 0)
                return -EINVAL;
        rc = rrd_add_ds(e->rrd, &def);
        if (rc < 0)
                return rc;
        (void) r;
        rebuild_columns(e);
        return 0;
}

int registry_forget_ds(Registry *r, RrdEntry *e, const char *name) {
        int i;
        (void) r;
        for (size_t j = 0; j < e->n_known; j++)
                if (strcmp(e->known[j].name, name) == 0)
                        e->known[j].wanted = false;
        if (!e->rrd || (i = rrd_ds_index(e->rrd, name)) < 0)
                return 0; /* forgetting twice is fine */
        int rc = rrd_remove_ds(e->rrd, (size_t) i);
        if (rc < 0)
                return rc;
        rebuild_columns(e);
        return 0;
}

double registry_current_value(const RrdEntry *e, size_t i_ds) {
        if (!e->rrd || i_ds >= rrd_n_ds(e->rrd))
                return (double) NAN;
        for (size_t a = 0; a < rrd_n_rra(e->rrd); a++) {
                const RrdRraDef *d = rrd_rra_def(e->rrd, a);
                if (d->cf == RRD_CF_AVERAGE && d->pdp_per_row == 1)
                        return rrd_rra_value_back(e->rrd, a, 0, i_ds);
        }
        return (double) NAN;
}
