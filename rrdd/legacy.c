/* SPDX-License-Identifier: MIT */
/*
 * Legacy XenAPI metrics objects and data-source calls over XML-RPC. The object set follows the
 * registry (one snapshot per tick); its values are the newest row of the 5 s or 1-minute AVERAGE
 * archive, read when rrd_update_interval says a refresh is due and kept until the next one.
 */

#include "rrdd/legacy.h"

#include <gnutls/crypto.h>
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "consolidate/rrd.h"
#include "rrdd/log.h"

#define REF_PREFIX "OpaqueRef:"
#define REF_PREFIX_LEN (sizeof(REF_PREFIX) - 1)
#define LEGACY_MINUTE_S 60
/* Said of a data source that is archived but has not been reported since its RRD was loaded. */
#define ARCHIVED_ONLY_DESCRIPTION "archived; not reported since the archive was loaded"

/* ---- names, uuids and values ---- */

static const char *const class_names[_LEGACY_CLASS_MAX] = {
        [LEGACY_HOST_METRICS] = "host_metrics", [LEGACY_VM_METRICS] = "VM_metrics",
        [LEGACY_VIF_METRICS] = "VIF_metrics",   [LEGACY_VBD_METRICS] = "VBD_metrics",
        [LEGACY_PIF_METRICS] = "PIF_metrics",
};

/**
 * legacy_class_to_string() - the XenAPI class name.
 * @c: the class.
 *
 * Return: "host_metrics", "VM_metrics", ..., or NULL for a value out of range.
 */
const char *legacy_class_to_string(LegacyClass c) {
        return (unsigned) c < _LEGACY_CLASS_MAX ? class_names[c] : NULL;
}

static bool has_prefix(const char *s, const char *p) {
        return strncmp(s, p, strlen(p)) == 0;
}

static bool all_digits(const char *s, size_t n) {
        if (n == 0 || n > 9) /* 9 digits: an index that fits in an int */
                return false;
        for (size_t i = 0; i < n; i++)
                if (s[i] < '0' || s[i] > '9')
                        return false;
        return true;
}

/* "<prefix><middle><suffix>" with a non-empty middle: copies the middle to dev. */
static bool split(const char *name, const char *prefix, const char *suffix, char *dev, size_t size,
                  const char **ret_mid, size_t *ret_len) {
        size_t n = strlen(name), p = strlen(prefix), s = strlen(suffix);

        if (n <= p + s || !has_prefix(name, prefix) || strcmp(name + n - s, suffix) != 0)
                return false;
        size_t len = n - p - s;
        if (len >= size)
                return false;
        memcpy(dev, name + p, len);
        dev[len] = '\0';
        *ret_mid = name + p;
        *ret_len = len;
        return true;
}

/**
 * legacy_classify() - what a data source feeds in the legacy objects.
 * @owner: the kind of owner reporting it (host or VM; SRs feed nothing).
 * @name: the data-source name.
 * @ret_device: where the device goes: the vCPU index for cpuN, the VIF number, the VBD or PIF
 *              device name; empty for the host and VM memory fields.
 * @size: bytes at @ret_device.
 *
 * VIF numbers and vCPU indexes are digits only; VBD devices have no underscore (so
 * vbd_xvda_iops_read is not the "read" of a device "xvda_iops"); PIF devices may, and
 * pif_aggr_* (the sum over every PIF) is not a device.
 *
 * Return: the field, or LEGACY_FIELD_NONE.
 */
LegacyField legacy_classify(SrcOwnerKind owner, const char *name, char *ret_device, size_t size) {
        const char *mid;
        size_t len;

        if (size == 0)
                return LEGACY_FIELD_NONE;
        ret_device[0] = '\0';
        if (owner == SRC_OWNER_HOST) {
                if (strcmp(name, "memory_total_kib") == 0)
                        return LEGACY_FIELD_MEMORY_TOTAL;
                if (strcmp(name, "memory_free_kib") == 0)
                        return LEGACY_FIELD_MEMORY_FREE;
                for (int tx = 0; tx <= 1; tx++)
                        if (split(name, "pif_", tx ? "_tx" : "_rx", ret_device, size, &mid, &len)) {
                                if (strcmp(ret_device, "aggr") == 0)
                                        break;
                                return tx ? LEGACY_FIELD_PIF_TX : LEGACY_FIELD_PIF_RX;
                        }
        } else if (owner == SRC_OWNER_VM) {
                if (strcmp(name, "memory") == 0)
                        return LEGACY_FIELD_MEMORY;
                if (split(name, "cpu", "", ret_device, size, &mid, &len) && all_digits(mid, len))
                        return LEGACY_FIELD_VCPU;
                for (int tx = 0; tx <= 1; tx++)
                        if (split(name, "vif_", tx ? "_tx" : "_rx", ret_device, size, &mid, &len) &&
                            all_digits(mid, len))
                                return tx ? LEGACY_FIELD_VIF_TX : LEGACY_FIELD_VIF_RX;
                for (int w = 0; w <= 1; w++)
                        if (split(name, "vbd_", w ? "_write" : "_read", ret_device, size, &mid,
                                  &len) &&
                            !memchr(mid, '_', len))
                                return w ? LEGACY_FIELD_VBD_WRITE : LEGACY_FIELD_VBD_READ;
        }
        ret_device[0] = '\0';
        return LEGACY_FIELD_NONE;
}

static LegacyClass field_class(LegacyField f) {
        switch (f) {
        case LEGACY_FIELD_VIF_RX:
        case LEGACY_FIELD_VIF_TX:
                return LEGACY_VIF_METRICS;
        case LEGACY_FIELD_VBD_READ:
        case LEGACY_FIELD_VBD_WRITE:
                return LEGACY_VBD_METRICS;
        case LEGACY_FIELD_PIF_RX:
        case LEGACY_FIELD_PIF_TX:
                return LEGACY_PIF_METRICS;
        case LEGACY_FIELD_MEMORY_TOTAL:
        case LEGACY_FIELD_MEMORY_FREE:
                return LEGACY_HOST_METRICS;
        default:
                return LEGACY_VM_METRICS;
        }
}

static int parse_uuid(const char *s, uint8_t out[16]) {
        size_t j = 0;

        if (strlen(s) != LEGACY_UUID_LEN)
                return -EINVAL;
        for (size_t i = 0; i < LEGACY_UUID_LEN; i++) {
                char c = s[i];
                if (i == 8 || i == 13 || i == 18 || i == 23) {
                        if (c != '-')
                                return -EINVAL;
                        continue;
                }
                int v = c >= '0' && c <= '9'   ? c - '0'
                        : c >= 'a' && c <= 'f' ? c - 'a' + 10
                        : c >= 'A' && c <= 'F' ? c - 'A' + 10
                                               : -1;
                if (v < 0)
                        return -EINVAL;
                if (j % 2 == 0)
                        out[j / 2] = (uint8_t) (v << 4);
                else
                        out[j / 2] |= (uint8_t) v;
                j++;
        }
        return 0;
}

/**
 * legacy_object_uuid() - the stable uuid of a metrics object.
 * @c: its class.
 * @owner_uuid: the host's uuid (host_metrics, PIF_metrics) or the VM's.
 * @device: the VIF number, VBD or PIF device; ignored for host_metrics and VM_metrics.
 * @ret: where the 36 characters and a NUL go.
 *
 * RFC 4122 version 5 (SHA-1, name-based) in LEGACY_UUID_NAMESPACE, so the same object keeps
 * its uuid and reference across ticks and restarts, and anyone can recompute it.
 *
 * Return: 0, -EINVAL for a bad class or a name too long, -EIO if hashing failed.
 */
int legacy_object_uuid(LegacyClass c, const char *owner_uuid, const char *device,
                       char ret[LEGACY_UUID_LEN + 1]) {
        uint8_t buf[16 + 256], digest[20];
        int n;

        if ((unsigned) c >= _LEGACY_CLASS_MAX)
                return -EINVAL;
        if (parse_uuid(LEGACY_UUID_NAMESPACE, buf) < 0)
                return -EINVAL;
        if (c == LEGACY_HOST_METRICS || c == LEGACY_VM_METRICS)
                n = snprintf((char *) buf + 16, sizeof(buf) - 16, "%s:%s", class_names[c],
                             owner_uuid);
        else
                n = snprintf((char *) buf + 16, sizeof(buf) - 16, "%s:%s:%s", class_names[c],
                             owner_uuid, device ? device : "");
        if (n < 0 || (size_t) n >= sizeof(buf) - 16)
                return -EINVAL;
        if (gnutls_hash_fast(GNUTLS_DIG_SHA1, buf, 16 + (size_t) n, digest) < 0)
                return -EIO;
        digest[6] = (uint8_t) ((digest[6] & 0x0f) | 0x50); /* version 5 */
        digest[8] = (uint8_t) ((digest[8] & 0x3f) | 0x80); /* RFC 4122 variant */
        (void) snprintf(ret, LEGACY_UUID_LEN + 1,
                        "%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-%02x%02x%02x%02x%02x%02x",
                        digest[0], digest[1], digest[2], digest[3], digest[4], digest[5], digest[6],
                        digest[7], digest[8], digest[9], digest[10], digest[11], digest[12],
                        digest[13], digest[14], digest[15]);
        return 0;
}

/* XenAPI ints are 64-bit; unknown or absurd cells give 0, as xapi's never-updated fields. */
static int64_t to_int64(double v) {
        if (!isfinite(v) || v <= -9.2e18 || v >= 9.2e18)
                return 0;
        return (int64_t) llround(v);
}

/**
 * legacy_kib_to_bytes() - a KiB cell (memory_total_kib, memory_free_kib) as whole bytes.
 * @kib: the archive cell, NaN when unknown.
 *
 * Return: kib × 1024 rounded to the nearest byte; 0 when unknown or out of range.
 */
int64_t legacy_kib_to_bytes(double kib) {
        return to_int64(kib * 1024.0);
}

/**
 * legacy_bytes() - a byte cell (VM memory) as whole bytes: an average over several samples
 * need not be an integer.
 * @bytes: the archive cell, NaN when unknown.
 *
 * Return: the nearest integer; 0 when unknown or out of range.
 */
int64_t legacy_bytes(double bytes) {
        return to_int64(bytes);
}

/**
 * legacy_kbs() - a rate cell in B/s as KiB/s (io_read_kbs, io_write_kbs).
 * @bytes_per_s: the archive cell, NaN when unknown.
 *
 * Return: bytes_per_s / 1024 (exact: a power of two), 0 when unknown.
 */
double legacy_kbs(double bytes_per_s) {
        return isfinite(bytes_per_s) ? bytes_per_s / 1024.0 : 0.0;
}

/* ---- the snapshot ---- */

typedef struct LegacyVcpu {
        unsigned index;
        long col; /* cpuN's column in the owner's RRD, -1 if not archived */
        double value;
} LegacyVcpu;

/* A host or VM whose RRD the objects were built from. */
typedef struct LegacyOwner {
        SrcOwnerKind kind;
        char uuid[SRC_UUID_LEN + 1];
} LegacyOwner;

typedef struct LegacyObj {
        char uuid[LEGACY_UUID_LEN + 1];
        size_t owner; /* index in Snapshot.owners */
        char *device; /* "" for host_metrics and VM_metrics */
        /*
         * Two archive cells as last read (NaN unknown) and their columns (-1: not archived):
         * host memory_total_kib and memory_free_kib; VM memory (bytes, second unused); devices
         * rx/read and tx/write in B/s. Converted when answered.
         */
        long col[2];
        double v[2];
        LegacyVcpu *vcpus; /* VM_metrics: by index */
        size_t n_vcpus;
        int64_t last_updated; /* end time of the archive row read; 0 (the epoch) if none */
} LegacyObj;

typedef struct ObjSet {
        LegacyObj *v;
        size_t n, cap;
} ObjSet;

/* The objects (sorted by uuid per class) and the owners they belong to. */
typedef struct Snapshot {
        ObjSet sets[_LEGACY_CLASS_MAX];
        LegacyOwner *owners;
        size_t n_owners, cap_owners;
} Snapshot;

typedef struct Binding Binding;

struct Legacy {
        Registry *reg;
        UpdateInterval interval;
        LegacySessionCheck check;
        Snapshot snap;
        bool have_snap;
        bool attempted;    /* a snapshot was tried (a failed one is not retried before a tick) */
        bool dirty;        /* look at the registry again although no tick happened */
        bool force_values; /* the next snapshot reads the archives whatever the cadence */
        uint64_t snap_tick;
        uint64_t fingerprint; /* of the live RRDs the objects were built from */
        int64_t values_time;  /* newest tick time at the last value refresh, -1 none */
        Binding *bindings;
        size_t n_bindings;
        LegacyStats stats;
};

static void snapshot_done(Snapshot *s) {
        for (size_t c = 0; c < _LEGACY_CLASS_MAX; c++) {
                for (size_t i = 0; i < s->sets[c].n; i++) {
                        free(s->sets[c].v[i].device);
                        free(s->sets[c].v[i].vcpus);
                }
                free(s->sets[c].v);
        }
        free(s->owners);
        *s = (Snapshot){};
}

static int cmp_obj(const void *a, const void *b) {
        return strcmp(((const LegacyObj *) a)->uuid, ((const LegacyObj *) b)->uuid);
}

static LegacyObj *set_find(const ObjSet *s, const char *uuid) {
        LegacyObj key;

        if (s->n == 0 || strlen(uuid) != LEGACY_UUID_LEN)
                return NULL;
        (void) snprintf(key.uuid, sizeof(key.uuid), "%s", uuid);
        return bsearch(&key, s->v, s->n, sizeof(*s->v), cmp_obj);
}

/* The object of (class, device) among those of the current owner (from index `from` on). */
static LegacyObj *set_get(Snapshot *snap, LegacyClass c, size_t from, const char *device) {
        ObjSet *s = &snap->sets[c];
        const LegacyOwner *own = &snap->owners[snap->n_owners - 1];

        for (size_t i = from; i < s->n; i++)
                if (strcmp(s->v[i].device, device) == 0)
                        return &s->v[i];
        if (s->n == s->cap) {
                size_t cap = s->cap ? s->cap * 2 : 16;
                LegacyObj *v = realloc(s->v, cap * sizeof(*v));
                if (!v)
                        return NULL;
                s->v = v;
                s->cap = cap;
        }
        LegacyObj *o = &s->v[s->n];
        *o = (LegacyObj){
                .owner = snap->n_owners - 1, .col = {-1, -1}, .v = {(double) NAN, (double) NAN}};
        o->device = strdup(device);
        if (!o->device)
                return NULL;
        if (legacy_object_uuid(c, own->uuid, device, o->uuid) < 0) {
                free(o->device);
                return NULL;
        }
        s->n++;
        return o;
}

static LegacyVcpu *vcpu_get(LegacyObj *o, unsigned index) {
        for (size_t i = 0; i < o->n_vcpus; i++)
                if (o->vcpus[i].index == index)
                        return &o->vcpus[i];
        LegacyVcpu *v = realloc(o->vcpus, (o->n_vcpus + 1) * sizeof(*v));
        if (!v)
                return NULL;
        o->vcpus = v;
        v[o->n_vcpus] = (LegacyVcpu){.index = index, .col = -1, .value = (double) NAN};
        return &v[o->n_vcpus++];
}

static int cmp_vcpu(const void *a, const void *b) {
        unsigned x = ((const LegacyVcpu *) a)->index, y = ((const LegacyVcpu *) b)->index;
        return x < y ? -1 : x > y;
}

/* Records that data source `f` of device `device` exists, archived in column col (or -1). */
static int note(Snapshot *snap, const size_t from[_LEGACY_CLASS_MAX], LegacyClass mc, LegacyField f,
                const char *device, long col) {
        LegacyObj *own = &snap->sets[mc].v[from[mc]];

        if (f == LEGACY_FIELD_VCPU) {
                LegacyVcpu *v = vcpu_get(own, (unsigned) strtoul(device, NULL, 10));
                if (!v)
                        return -ENOMEM;
                if (col >= 0)
                        v->col = col;
                return 0;
        }
        LegacyClass c = field_class(f);
        LegacyObj *o = own;
        if (c != LEGACY_HOST_METRICS && c != LEGACY_VM_METRICS) {
                o = set_get(snap, c, from[c], device);
                if (!o)
                        return -ENOMEM;
        }
        bool second = f == LEGACY_FIELD_MEMORY_FREE || f == LEGACY_FIELD_VIF_TX ||
                      f == LEGACY_FIELD_VBD_WRITE || f == LEGACY_FIELD_PIF_TX;
        if (col >= 0)
                o->col[second] = col;
        return 0;
}

/* The objects of one live RRD: its metrics object, then one per device. */
static int add_owner(Snapshot *snap, const RrdEntry *e) {
        LegacyClass mc = e->kind == SRC_OWNER_HOST ? LEGACY_HOST_METRICS : LEGACY_VM_METRICS;
        size_t from[_LEGACY_CLASS_MAX];
        char dev[RRD_DS_NAME_MAX + 1];
        int r;

        if (snap->n_owners == snap->cap_owners) {
                size_t cap = snap->cap_owners ? snap->cap_owners * 2 : 16;
                LegacyOwner *o = realloc(snap->owners, cap * sizeof(*o));
                if (!o)
                        return -ENOMEM;
                snap->owners = o;
                snap->cap_owners = cap;
        }
        LegacyOwner *own = &snap->owners[snap->n_owners++];
        own->kind = e->kind;
        (void) snprintf(own->uuid, sizeof(own->uuid), "%s", e->uuid);
        for (size_t c = 0; c < _LEGACY_CLASS_MAX; c++)
                from[c] = snap->sets[c].n;
        if (!set_get(snap, mc, from[mc], ""))
                return -ENOMEM;

        /* Devices and vCPUs: whatever was reported, and whatever is archived (with columns). */
        size_t n_ds = rrd_n_ds(e->rrd);
        for (size_t i = 0; i < e->n_known + n_ds; i++) {
                bool archived = i >= e->n_known;
                const char *name =
                        archived ? rrd_ds_def(e->rrd, i - e->n_known)->name : e->known[i].name;
                LegacyField f = legacy_classify(e->kind, name, dev, sizeof(dev));
                if (f == LEGACY_FIELD_NONE)
                        continue;
                r = note(snap, from, mc, f, dev, archived ? (long) (i - e->n_known) : -1);
                if (r < 0)
                        return r;
        }
        LegacyObj *m = &snap->sets[mc].v[from[mc]];
        if (m->n_vcpus > 1)
                qsort(m->vcpus, m->n_vcpus, sizeof(*m->vcpus), cmp_vcpu);
        return 0;
}

/* Values of the last refresh, for objects that existed then; the others have none yet. */
static void carry_values(Snapshot *to, const Snapshot *from) {
        for (size_t c = 0; c < _LEGACY_CLASS_MAX; c++)
                for (size_t i = 0; i < to->sets[c].n; i++) {
                        LegacyObj *o = &to->sets[c].v[i];
                        const LegacyObj *p = set_find(&from->sets[c], o->uuid);
                        if (!p)
                                continue;
                        o->v[0] = p->v[0];
                        o->v[1] = p->v[1];
                        o->last_updated = p->last_updated;
                        for (size_t k = 0; k < o->n_vcpus; k++)
                                for (size_t j = 0; j < p->n_vcpus; j++)
                                        if (p->vcpus[j].index == o->vcpus[k].index)
                                                o->vcpus[k].value = p->vcpus[j].value;
                }
}

/*
 * The archive the values come from: the finest AVERAGE one for every 5 s, the finest AVERAGE
 * one whose rows span at least a minute for every 60 s. -1 if the RRD has none.
 */
static long pick_archive(const Rrd *rrd, UpdateInterval iv) {
        long best = -1;
        uint64_t best_span = 0;

        for (size_t a = 0; a < rrd_n_rra(rrd); a++) {
                const RrdRraDef *d = rrd_rra_def(rrd, a);
                uint64_t span = (uint64_t) d->pdp_per_row * rrd_step(rrd);
                if (d->cf != RRD_CF_AVERAGE)
                        continue;
                if (iv == UPDATE_INTERVAL_60S && span < LEGACY_MINUTE_S)
                        continue;
                if (best < 0 || span < best_span) {
                        best = (long) a;
                        best_span = span;
                }
        }
        return best;
}

/* Where an owner's values are read from during a refresh. */
typedef struct OwnerArchive {
        const Rrd *rrd; /* NULL: gone since the objects were built */
        long archive;
        int64_t end;
} OwnerArchive;

static double cell(const OwnerArchive *oa, long col) {
        if (!oa->rrd || oa->archive < 0 || col < 0 || (size_t) col >= rrd_n_ds(oa->rrd))
                return (double) NAN;
        return rrd_rra_value_back(oa->rrd, (size_t) oa->archive, 0, (size_t) col);
}

/*
 * Reads every object's cells from the newest row of its owner's archive. Owners are looked up
 * again, so a stale column can at worst read another cell of a live RRD, never freed memory.
 */
static int refresh_values(Legacy *l) {
        Snapshot *s = &l->snap;
        _cleanup_free_ OwnerArchive *oa = calloc(s->n_owners + 1, sizeof(*oa));

        if (!oa)
                return -ENOMEM;
        for (size_t i = 0; i < s->n_owners; i++) {
                const LegacyOwner *o = &s->owners[i];
                RrdEntry *e = o->kind == SRC_OWNER_HOST ? registry_host(l->reg)
                                                        : registry_find(l->reg, o->kind, o->uuid);
                if (!e || e->state != ENTRY_LIVE || !e->rrd || strcmp(e->uuid, o->uuid) != 0)
                        continue;
                oa[i].rrd = e->rrd;
                oa[i].archive = pick_archive(e->rrd, l->interval);
                oa[i].end =
                        oa[i].archive >= 0 ? rrd_rra_end_time(e->rrd, (size_t) oa[i].archive) : 0;
        }
        for (size_t c = 0; c < _LEGACY_CLASS_MAX; c++)
                for (size_t i = 0; i < s->sets[c].n; i++) {
                        LegacyObj *o = &s->sets[c].v[i];
                        const OwnerArchive *a = &oa[o->owner];
                        o->v[0] = cell(a, o->col[0]);
                        o->v[1] = cell(a, o->col[1]);
                        for (size_t k = 0; k < o->n_vcpus; k++)
                                o->vcpus[k].value = cell(a, o->vcpus[k].col);
                        o->last_updated = a->rrd && a->archive >= 0 ? a->end : 0;
                }
        return 0;
}

static uint64_t fnv(uint64_t h, const void *p, size_t n) {
        const unsigned char *b = p;
        for (size_t i = 0; i < n; i++)
                h = (h ^ b[i]) * 1099511628211ULL;
        return h;
}

/*
 * What the object set depends on: the live host and VM RRDs (uuid, identity, column names) and
 * how many data sources were reported for each. Equal ⇒ the objects and columns are still right.
 */
static uint64_t fingerprint(Registry *reg, int64_t *ret_newest) {
        uint64_t h = 14695981039346656037ULL;
        size_t state = 0;
        int64_t newest = 0;
        RrdEntry *e;

        while ((e = registry_next(reg, &state))) {
                if (e->state != ENTRY_LIVE || !e->rrd || e->kind == SRC_OWNER_SR)
                        continue;
                uintptr_t id = (uintptr_t) e->rrd;
                size_t n_ds = rrd_n_ds(e->rrd);
                h = fnv(h, e->uuid, strlen(e->uuid) + 1);
                h = fnv(h, &id, sizeof(id));
                h = fnv(h, &e->n_known, sizeof(e->n_known));
                h = fnv(h, &n_ds, sizeof(n_ds));
                for (size_t i = 0; i < n_ds; i++) {
                        const char *name = rrd_ds_def(e->rrd, i)->name;
                        h = fnv(h, name, strlen(name) + 1);
                }
                if (rrd_last_up(e->rrd) > newest)
                        newest = rrd_last_up(e->rrd);
        }
        *ret_newest = newest;
        return h;
}

static int rebuild(Legacy *l, uint64_t fp) {
        Snapshot snap = {};
        size_t state = 0;
        RrdEntry *e;
        int r = 0;

        while ((e = registry_next(l->reg, &state))) {
                if (e->state != ENTRY_LIVE || !e->rrd || e->kind == SRC_OWNER_SR)
                        continue;
                r = add_owner(&snap, e);
                if (r < 0) {
                        snapshot_done(&snap);
                        return r;
                }
        }
        for (size_t c = 0; c < _LEGACY_CLASS_MAX; c++)
                if (snap.sets[c].n > 1)
                        qsort(snap.sets[c].v, snap.sets[c].n, sizeof(*snap.sets[c].v), cmp_obj);
        carry_values(&snap, &l->snap);
        snapshot_done(&l->snap);
        l->snap = snap;
        l->fingerprint = fp;
        l->have_snap = true;
        l->stats.n_snapshots++;
        return 0;
}

static int64_t floor_to(int64_t t, int64_t m) {
        return t >= 0 ? t - t % m : t - (m + t % m) % m;
}

/**
 * legacy_is_stale() - whether the registry moved on since the last snapshot.
 * @l: the legacy object set.
 *
 * Return: true if a tick happened (or a data source was recorded or forgotten, or the interval
 * changed) since the snapshot was taken.
 */
bool legacy_is_stale(const Legacy *l) {
        return !l->attempted || l->dirty || registry_tick(l->reg) != l->snap_tick;
}

/**
 * legacy_sync() - brings the snapshot up to date if the registry moved on since the last one.
 * @l: the legacy object set.
 *
 * The objects are rebuilt only when the live RRDs changed (an owner came or went, a data
 * source was added, recorded or forgotten). Values are re-read when due: every tick for
 * rrd_update_interval 1; for 2, once the newest tick is in a later minute than the last
 * refresh (the 1-minute archive then has a new row); never for never (zeros are answered).
 * Otherwise nothing is done but one pass over the registry.
 *
 * Return: 0, or -ENOMEM (the previous snapshot stays until the next tick).
 */
int legacy_sync(Legacy *l) {
        int64_t newest;
        int r = 0;

        if (!legacy_is_stale(l))
                return 0;
        uint64_t fp = fingerprint(l->reg, &newest);
        bool read = l->force_values;
        if (l->interval == UPDATE_INTERVAL_5S)
                read = true;
        else if (l->interval == UPDATE_INTERVAL_60S)
                read = read || l->values_time < 0 ||
                       floor_to(newest, LEGACY_MINUTE_S) !=
                               floor_to(l->values_time, LEGACY_MINUTE_S);
        else
                read = false;

        /* Tried for this tick either way: a failure is not retried in a busy loop. */
        l->snap_tick = registry_tick(l->reg);
        l->attempted = true;
        l->dirty = false;
        if (!l->have_snap || fp != l->fingerprint)
                r = rebuild(l, fp);
        if (r >= 0 && read)
                r = refresh_values(l);
        if (r < 0)
                return log_ratelimited(LOG_WARNING, r, 60 * USEC_PER_SEC, 1,
                                       "legacy metrics: cannot take a snapshot: %m; keeping the "
                                       "previous one");
        if (read) {
                l->force_values = false;
                l->values_time = newest;
                l->stats.n_value_refreshes++;
                l->stats.values_time = l->interval == UPDATE_INTERVAL_60S
                                               ? floor_to(newest, LEGACY_MINUTE_S)
                                               : newest;
        }
        return 0;
}

/* ---- lifecycle ---- */

/**
 * legacy_new() - the legacy objects over a registry.
 * @ret: the new object.
 * @reg: the registry (borrowed for the object's lifetime).
 * @interval: rrd_update_interval.
 *
 * Return: 0 or -ENOMEM.
 */
int legacy_new(Legacy **ret, Registry *reg, UpdateInterval interval) {
        _cleanup_(legacy_freep) Legacy *l = calloc(1, sizeof(*l));

        if (!l)
                return -ENOMEM;
        l->reg = reg;
        l->interval = interval;
        l->values_time = -1;
        *ret = TAKE_PTR(l);
        return 0;
}

/**
 * legacy_free() - frees the snapshot and the method bindings; methods registered on a server
 * must not be called afterwards (free the server first).
 * @l: the object, or NULL.
 *
 * Return: NULL.
 */
Legacy *legacy_free(Legacy *l) {
        if (!l)
                return NULL;
        snapshot_done(&l->snap);
        free(l->bindings);
        free(l);
        return NULL;
}

/**
 * legacy_set_interval() - a new rrd_update_interval (SIGHUP). The next snapshot reads the
 * archives at once (or zeroes everything for never), without waiting for a minute boundary.
 * @l: the legacy object set.
 * @interval: the new value.
 */
void legacy_set_interval(Legacy *l, UpdateInterval interval) {
        if (interval == l->interval)
                return;
        l->interval = interval;
        l->force_values = true;
        l->values_time = -1;
        l->dirty = true;
}

/**
 * legacy_interval() - the current rrd_update_interval.
 * @l: the legacy object set.
 *
 * Return: the interval.
 */
UpdateInterval legacy_interval(const Legacy *l) {
        return l->interval;
}

/**
 * legacy_stats() - counters of the snapshots taken so far.
 * @l: the legacy object set.
 * @ret: where they go.
 */
void legacy_stats(const Legacy *l, LegacyStats *ret) {
        *ret = l->stats;
}

/**
 * legacy_after_tick() - the tick hook (rrdd_set_tick_hook()): takes the snapshot when one is due.
 * @userdata: the legacy object set.
 */
void legacy_after_tick(void *userdata) {
        Legacy *l = userdata;
        /* For never there is nothing to refresh: handlers sync on demand. */
        if (l->interval != UPDATE_INTERVAL_NEVER && legacy_is_stale(l))
                (void) legacy_sync(l);
}

/* ---- XML-RPC values ---- */

static HttpRpcValue *rpc_int64(int64_t v) {
        char buf[24];
        (void) snprintf(buf, sizeof(buf), "%" PRId64, v);
        return http_rpc_string(buf); /* XenAPI ints travel as decimal strings */
}

static HttpRpcValue *rpc_ref(const char *uuid) {
        char buf[REF_PREFIX_LEN + LEGACY_UUID_LEN + 1];
        (void) snprintf(buf, sizeof(buf), REF_PREFIX "%s", uuid);
        return http_rpc_string(buf);
}

/* The uuid inside "OpaqueRef:<uuid>", or NULL. */
static const char *ref_uuid(const char *ref) {
        if (!ref || strncmp(ref, REF_PREFIX, REF_PREFIX_LEN) != 0 ||
            strlen(ref + REF_PREFIX_LEN) != LEGACY_UUID_LEN)
                return NULL;
        return ref + REF_PREFIX_LEN;
}

/*
 * A struct for n members with distinct names (references), filled by map_add() without
 * http_rpc_struct_set()'s duplicate check, which would make a map of thousands quadratic.
 */
static HttpRpcValue *rpc_map(size_t n) {
        HttpRpcValue *m = http_rpc_struct();
        if (!m || n == 0)
                return m;
        m->strct.members = calloc(n, sizeof(*m->strct.members));
        if (!m->strct.members)
                return http_rpc_value_free(m);
        return m;
}

/* Takes ownership of v, also on failure; the map must have room (rpc_map()). */
static int map_add(HttpRpcValue *m, const char *name, HttpRpcValue *v) {
        char *n = strdup(name);
        if (!n || !v) {
                free(n);
                http_rpc_value_free(v);
                return -ENOMEM;
        }
        m->strct.members[m->strct.n++] = (HttpRpcMember){.name = n, .value = v};
        return 0;
}

static HttpRpcValue *failure(HttpRpcValue **ret, HttpRpcValue *v) {
        *ret = v;
        return v;
}

/* ---- fields ---- */

typedef HttpRpcValue *(*FieldFn)(const Legacy *l, const LegacyObj *o);

typedef struct FieldDef {
        const char *name;
        FieldFn fn;
} FieldDef;

/* never: every value is zero, whatever was read before a SIGHUP changed the interval. */
static bool zeros(const Legacy *l) {
        return l->interval == UPDATE_INTERVAL_NEVER;
}

static HttpRpcValue *f_uuid(const Legacy *l, const LegacyObj *o) {
        return http_rpc_string(o->uuid);
}

static HttpRpcValue *f_owner(const Legacy *l, const LegacyObj *o) {
        return rpc_ref(l->snap.owners[o->owner].uuid);
}

static HttpRpcValue *f_device(const Legacy *l, const LegacyObj *o) {
        return http_rpc_string(o->device);
}

static HttpRpcValue *f_memory_total(const Legacy *l, const LegacyObj *o) {
        return rpc_int64(zeros(l) ? 0 : legacy_kib_to_bytes(o->v[0]));
}

static HttpRpcValue *f_memory_free(const Legacy *l, const LegacyObj *o) {
        return rpc_int64(zeros(l) ? 0 : legacy_kib_to_bytes(o->v[1]));
}

static HttpRpcValue *f_memory_actual(const Legacy *l, const LegacyObj *o) {
        return rpc_int64(zeros(l) ? 0 : legacy_bytes(o->v[0]));
}

static HttpRpcValue *f_vcpus_number(const Legacy *l, const LegacyObj *o) {
        return rpc_int64(zeros(l) ? 0 : (int64_t) o->n_vcpus);
}

static HttpRpcValue *f_vcpus_utilisation(const Legacy *l, const LegacyObj *o) {
        HttpRpcValue *s = http_rpc_struct();
        for (size_t i = 0; s && !zeros(l) && i < o->n_vcpus; i++) {
                char key[16];
                double v = o->vcpus[i].value;
                (void) snprintf(key, sizeof(key), "%u", o->vcpus[i].index);
                if (http_rpc_struct_set(s, key, http_rpc_double(isfinite(v) ? v : 0.0)) < 0)
                        return http_rpc_value_free(s);
        }
        return s;
}

static HttpRpcValue *f_io_read(const Legacy *l, const LegacyObj *o) {
        return http_rpc_double(zeros(l) ? 0.0 : legacy_kbs(o->v[0]));
}

static HttpRpcValue *f_io_write(const Legacy *l, const LegacyObj *o) {
        return http_rpc_double(zeros(l) ? 0.0 : legacy_kbs(o->v[1]));
}

static HttpRpcValue *f_last_updated(const Legacy *l, const LegacyObj *o) {
        return http_rpc_datetime(zeros(l) ? 0 : o->last_updated);
}

static HttpRpcValue *f_live(const Legacy *l, const LegacyObj *o) {
        return http_rpc_bool(true);
}

static HttpRpcValue *f_other_config(const Legacy *l, const LegacyObj *o) {
        return http_rpc_struct();
}

static const FieldDef host_fields[] = {
        {"uuid", f_uuid},
        {"host", f_owner},
        {"memory_total", f_memory_total},
        {"memory_free", f_memory_free},
        {"live", f_live},
        {"last_updated", f_last_updated},
        {"other_config", f_other_config},
};

static const FieldDef vm_fields[] = {
        {"uuid", f_uuid},
        {"VM", f_owner},
        {"memory_actual", f_memory_actual},
        {"VCPUs_number", f_vcpus_number},
        {"VCPUs_utilisation", f_vcpus_utilisation},
        {"last_updated", f_last_updated},
        {"other_config", f_other_config},
};

static const FieldDef vm_device_fields[] = {
        {"uuid", f_uuid},
        {"VM", f_owner},
        {"device", f_device},
        {"io_read_kbs", f_io_read},
        {"io_write_kbs", f_io_write},
        {"last_updated", f_last_updated},
        {"other_config", f_other_config},
};

static const FieldDef pif_fields[] = {
        {"uuid", f_uuid},
        {"host", f_owner},
        {"device", f_device},
        {"io_read_kbs", f_io_read},
        {"io_write_kbs", f_io_write},
        {"last_updated", f_last_updated},
        {"other_config", f_other_config},
};

static const FieldDef *class_fields(LegacyClass c, size_t *ret_n) {
        switch (c) {
        case LEGACY_HOST_METRICS:
                *ret_n = ELEMENTSOF(host_fields);
                return host_fields;
        case LEGACY_VM_METRICS:
                *ret_n = ELEMENTSOF(vm_fields);
                return vm_fields;
        case LEGACY_PIF_METRICS:
                *ret_n = ELEMENTSOF(pif_fields);
                return pif_fields;
        default:
                *ret_n = ELEMENTSOF(vm_device_fields);
                return vm_device_fields;
        }
}

static HttpRpcValue *record_of(const Legacy *l, LegacyClass c, const LegacyObj *o) {
        size_t n;
        const FieldDef *f = class_fields(c, &n);
        HttpRpcValue *s = http_rpc_struct();

        for (size_t i = 0; s && i < n; i++)
                if (http_rpc_struct_set(s, f[i].name, f[i].fn(l, o)) < 0)
                        return http_rpc_value_free(s);
        return s;
}

/* ---- methods ---- */

typedef enum MethodKind {
        M_GET_ALL,
        M_GET_ALL_RECORDS,
        M_GET_RECORD,
        M_GET_BY_UUID,
        M_GET_FIELD,
        M_OWNER_GET_ALL,
        M_OWNER_GET_BY_UUID,
        M_OWNER_GET_UUID,
        M_OWNER_GET_METRICS,
        M_DS_LIST,
        M_DS_QUERY,
        M_DS_RECORD,
        M_DS_FORGET,
} MethodKind;

struct Binding {
        Legacy *l;
        MethodKind kind;
        LegacyClass cls;    /* object methods */
        SrcOwnerKind owner; /* host/VM/SR methods */
        size_t field;       /* M_GET_FIELD: index in class_fields() */
};

static const char *const owner_class[_SRC_OWNER_KIND_MAX] = {
        [SRC_OWNER_HOST] = "host",
        [SRC_OWNER_VM] = "VM",
        [SRC_OWNER_SR] = "SR",
};

/* Parameters after the session, per method kind. */
static size_t n_args(MethodKind k) {
        switch (k) {
        case M_GET_ALL:
        case M_GET_ALL_RECORDS:
        case M_OWNER_GET_ALL:
                return 0;
        case M_DS_QUERY:
        case M_DS_RECORD:
        case M_DS_FORGET:
                return 2;
        default:
                return 1;
        }
}

static const char *arg_name(MethodKind k, size_t i) {
        if (i == 0)
                return k == M_GET_BY_UUID || k == M_OWNER_GET_BY_UUID ? "uuid" : "self";
        return "data_source";
}

/*
 * Checks the parameter count, the session and that every argument is a string. Return: 1 to
 * go on (args filled), 0 with a Failure in *ret, -ENOMEM.
 */
static int begin(const Binding *b, const HttpRpcCall *call, const HttpRpcValue *params,
                 const char *args[2], HttpRpcValue **ret) {
        size_t want = 1 + n_args(b->kind);
        char w[24], got[24];

        if (params->type != HTTP_RPC_ARRAY || params->array.n != want) {
                (void) snprintf(w, sizeof(w), "%zu", want);
                (void) snprintf(got, sizeof(got), "%zu",
                                params->type == HTTP_RPC_ARRAY ? params->array.n : 0);
                return failure(ret, http_rpc_failure("MESSAGE_PARAMETER_COUNT_MISMATCH",
                                                     call->method, w, got, NULL))
                               ? 0
                               : -ENOMEM;
        }
        const char *session = http_rpc_get_string(params->array.items[0]);
        if (!session || !b->l->check || !b->l->check(call->server, session))
                return failure(ret,
                               http_rpc_failure("SESSION_INVALID", session ? session : "", NULL))
                               ? 0
                               : -ENOMEM;
        for (size_t i = 0; i < want - 1; i++) {
                args[i] = http_rpc_get_string(params->array.items[1 + i]);
                if (!args[i])
                        return failure(ret, http_rpc_failure("FIELD_TYPE_ERROR",
                                                             arg_name(b->kind, i), NULL))
                                       ? 0
                                       : -ENOMEM;
        }
        return 1;
}

static int ok(HttpRpcValue **ret, HttpRpcValue *v) {
        if (!v)
                return -ENOMEM;
        *ret = http_rpc_success(v);
        return *ret ? 0 : -ENOMEM;
}

static int fail(HttpRpcValue **ret, HttpRpcValue *v) {
        *ret = v;
        return v ? 0 : -ENOMEM;
}

static int object_method(const Binding *b, const char *const args[2], HttpRpcValue **ret) {
        Legacy *l = b->l;
        const ObjSet *s = &l->snap.sets[b->cls];
        const char *cname = class_names[b->cls];
        int r = legacy_sync(l);

        if (r < 0 && !l->have_snap)
                return r;
        switch (b->kind) {
        case M_GET_ALL: {
                HttpRpcValue *a = http_rpc_array();
                for (size_t i = 0; a && i < s->n; i++)
                        if (http_rpc_array_append(a, rpc_ref(s->v[i].uuid)) < 0)
                                return http_rpc_value_free(a), -ENOMEM;
                return ok(ret, a);
        }
        case M_GET_ALL_RECORDS: {
                HttpRpcValue *m = rpc_map(s->n);
                char ref[REF_PREFIX_LEN + LEGACY_UUID_LEN + 1];
                for (size_t i = 0; m && i < s->n; i++) {
                        (void) snprintf(ref, sizeof(ref), REF_PREFIX "%s", s->v[i].uuid);
                        if (map_add(m, ref, record_of(l, b->cls, &s->v[i])) < 0)
                                return http_rpc_value_free(m), -ENOMEM;
                }
                return ok(ret, m);
        }
        case M_GET_BY_UUID: {
                const LegacyObj *o = set_find(s, args[0]);
                if (!o)
                        return fail(ret, http_rpc_failure("UUID_INVALID", cname, args[0], NULL));
                return ok(ret, rpc_ref(o->uuid));
        }
        default: {
                const char *u = ref_uuid(args[0]);
                const LegacyObj *o = u ? set_find(s, u) : NULL;
                if (!o)
                        return fail(ret, http_rpc_failure("HANDLE_INVALID", cname, args[0], NULL));
                if (b->kind == M_GET_RECORD)
                        return ok(ret, record_of(l, b->cls, o));
                size_t n;
                const FieldDef *f = class_fields(b->cls, &n);
                return ok(ret, f[b->field].fn(l, o));
        }
        }
}

/* The live RRD a host/VM/SR reference names, or NULL. */
static RrdEntry *owner_entry(Legacy *l, SrcOwnerKind k, const char *uuid) {
        if (!uuid)
                return NULL;
        RrdEntry *e = k == SRC_OWNER_HOST ? registry_host(l->reg) : registry_find(l->reg, k, uuid);
        if (!e || e->state != ENTRY_LIVE || !e->rrd || strcmp(e->uuid, uuid) != 0)
                return NULL;
        return e;
}

typedef struct DsItem {
        const char *name;
        const KnownDs *k; /* NULL: archived, not reported since the RRD was loaded */
        long column;      /* in the RRD, -1 if not archived */
} DsItem;

static int cmp_ds(const void *a, const void *b) {
        return strcmp(((const DsItem *) a)->name, ((const DsItem *) b)->name);
}

static double bound(double v, double unbounded) {
        return isnan(v) ? unbounded : v;
}

/* One data_source record as xe data-source-list shows it. NULL when out of memory. */
static HttpRpcValue *ds_record(const RrdEntry *e, const DsItem *d) {
        const RrdDsDef *def = d->column >= 0 ? rrd_ds_def(e->rrd, (size_t) d->column) : NULL;
        double min = d->k ? d->k->min : bound(def->min, -HUGE_VAL);
        double max = d->k ? d->k->max : bound(def->max, HUGE_VAL);
        /* Not archived: no current value; 0 as xapi's data_source records always say. */
        double value = d->column >= 0 ? registry_current_value(e, (size_t) d->column) : 0.0;
        HttpRpcValue *s = http_rpc_struct();

        if (http_rpc_struct_set(s, "name_label", http_rpc_string(d->name)) < 0 ||
            http_rpc_struct_set(
                    s, "name_description",
                    http_rpc_string(d->k ? d->k->description : ARCHIVED_ONLY_DESCRIPTION)) < 0 ||
            http_rpc_struct_set(s, "enabled", http_rpc_bool(d->column >= 0)) < 0 ||
            http_rpc_struct_set(s, "standard", http_rpc_bool(d->k && d->k->is_default)) < 0 ||
            http_rpc_struct_set(s, "units", http_rpc_string(d->k ? d->k->units : "unknown")) < 0 ||
            http_rpc_struct_set(s, "min", http_rpc_double(min)) < 0 ||
            http_rpc_struct_set(s, "max", http_rpc_double(max)) < 0 ||
            http_rpc_struct_set(s, "value", http_rpc_double(value)) < 0)
                return http_rpc_value_free(s);
        return s;
}

static int ds_list(const RrdEntry *e, HttpRpcValue **ret) {
        size_t n_ds = rrd_n_ds(e->rrd), n = 0;
        _cleanup_free_ DsItem *items = calloc(e->n_known + n_ds + 1, sizeof(*items));

        if (!items)
                return -ENOMEM;
        for (size_t i = 0; i < e->n_known; i++) {
                int col = rrd_ds_index(e->rrd, e->known[i].name);
                items[n++] = (DsItem){e->known[i].name, &e->known[i], col >= 0 ? col : -1};
        }
        for (size_t i = 0; i < n_ds; i++) {
                const char *name = rrd_ds_def(e->rrd, i)->name;
                bool known = false;
                for (size_t j = 0; j < e->n_known && !known; j++)
                        known = strcmp(e->known[j].name, name) == 0;
                if (!known)
                        items[n++] = (DsItem){name, NULL, (long) i};
        }
        qsort(items, n, sizeof(*items), cmp_ds);

        HttpRpcValue *a = http_rpc_array();
        for (size_t i = 0; a && i < n; i++)
                if (http_rpc_array_append(a, ds_record(e, &items[i])) < 0)
                        return http_rpc_value_free(a), -ENOMEM;
        return ok(ret, a);
}

static const KnownDs *known_named(const RrdEntry *e, const char *name) {
        for (size_t i = 0; i < e->n_known; i++)
                if (strcmp(e->known[i].name, name) == 0)
                        return &e->known[i];
        return NULL;
}

static int owner_method(const Binding *b, const char *const args[2], HttpRpcValue **ret) {
        Legacy *l = b->l;
        const char *cname = owner_class[b->owner];
        size_t state = 0;
        RrdEntry *e;
        int r;

        switch (b->kind) {
        case M_OWNER_GET_ALL: {
                HttpRpcValue *a = http_rpc_array();
                while (a && (e = registry_next(l->reg, &state)))
                        if (e->kind == b->owner && e->state == ENTRY_LIVE && e->rrd &&
                            http_rpc_array_append(a, rpc_ref(e->uuid)) < 0)
                                return http_rpc_value_free(a), -ENOMEM;
                return ok(ret, a);
        }
        case M_OWNER_GET_BY_UUID:
                if (!owner_entry(l, b->owner, args[0]))
                        return fail(ret, http_rpc_failure("UUID_INVALID", cname, args[0], NULL));
                return ok(ret, rpc_ref(args[0]));
        default:
                break;
        }

        e = owner_entry(l, b->owner, ref_uuid(args[0]));
        if (!e)
                return fail(ret, http_rpc_failure("HANDLE_INVALID", cname, args[0], NULL));
        switch (b->kind) {
        case M_OWNER_GET_UUID:
                return ok(ret, http_rpc_string(e->uuid));
        case M_OWNER_GET_METRICS: {
                char uuid[LEGACY_UUID_LEN + 1];
                LegacyClass c =
                        b->owner == SRC_OWNER_HOST ? LEGACY_HOST_METRICS : LEGACY_VM_METRICS;
                r = legacy_object_uuid(c, e->uuid, "", uuid);
                if (r < 0)
                        return r;
                return ok(ret, rpc_ref(uuid));
        }
        case M_DS_LIST:
                return ds_list(e, ret);
        case M_DS_QUERY: {
                int col = rrd_ds_index(e->rrd, args[1]);
                if (col < 0)
                        return fail(ret, http_rpc_failure("DATASOURCE_MISSING", args[1], NULL));
                return ok(ret, http_rpc_double(registry_current_value(e, (size_t) col)));
        }
        case M_DS_RECORD:
                if (rrd_ds_index(e->rrd, args[1]) < 0) {
                        if (!known_named(e, args[1]))
                                return fail(ret,
                                            http_rpc_failure("DATASOURCE_MISSING", args[1], NULL));
                        r = registry_record_ds(l->reg, e, args[1]);
                        if (r < 0)
                                return r;
                        l->dirty = true;
                        log_info("recording %s of %s %s", args[1], cname, e->uuid);
                }
                return ok(ret, http_rpc_string(""));
        case M_DS_FORGET: {
                bool had = rrd_ds_index(e->rrd, args[1]) >= 0;
                r = registry_forget_ds(l->reg, e, args[1]);
                if (r < 0)
                        return r;
                l->dirty = true;
                if (had)
                        log_info("forgot the archives of %s of %s %s", args[1], cname, e->uuid);
                return ok(ret, http_rpc_string(""));
        }
        default:
                return -EINVAL;
        }
}

static int handler(void *userdata, const HttpRpcCall *call, const HttpRpcValue *params,
                   HttpRpcValue **ret) {
        const Binding *b = userdata;
        const char *args[2] = {};
        int r = begin(b, call, params, args, ret);

        if (r <= 0)
                return r;
        if (b->kind <= M_GET_FIELD)
                return object_method(b, args, ret);
        return owner_method(b, args, ret);
}

/* ---- registration ---- */

typedef int (*Registrar)(void *target, const char *name, HttpRpcHandler h, void *userdata);

static int bind_all(Legacy *l, Registrar reg, void *target) {
        static const struct {
                const char *suffix;
                MethodKind kind;
        } object_methods[] = {
                {"get_all", M_GET_ALL},
                {"get_all_records", M_GET_ALL_RECORDS},
                {"get_record", M_GET_RECORD},
                {"get_by_uuid", M_GET_BY_UUID},
        };
        static const struct {
                const char *suffix;
                MethodKind kind;
                bool has_metrics;
        } owner_methods[] = {
                {"get_all", M_OWNER_GET_ALL, false},
                {"get_by_uuid", M_OWNER_GET_BY_UUID, false},
                {"get_uuid", M_OWNER_GET_UUID, false},
                {"get_metrics", M_OWNER_GET_METRICS, true},
                {"get_data_sources", M_DS_LIST, false},
                {"query_data_source", M_DS_QUERY, false},
                {"record_data_source", M_DS_RECORD, false},
                {"forget_data_source_archives", M_DS_FORGET, false},
        };
        size_t n = 0, cap = 0;
        char name[128];
        int r;

        for (size_t c = 0; c < _LEGACY_CLASS_MAX; c++) {
                size_t nf;
                (void) class_fields((LegacyClass) c, &nf);
                cap += ELEMENTSOF(object_methods) + nf;
        }
        cap += ELEMENTSOF(owner_methods) * _SRC_OWNER_KIND_MAX;
        free(l->bindings);
        l->bindings = calloc(cap, sizeof(*l->bindings));
        l->n_bindings = 0;
        if (!l->bindings)
                return -ENOMEM;

        for (size_t c = 0; c < _LEGACY_CLASS_MAX; c++) {
                size_t nf;
                const FieldDef *f = class_fields((LegacyClass) c, &nf);
                for (size_t i = 0; i < ELEMENTSOF(object_methods) + nf; i++) {
                        Binding *b = &l->bindings[n++];
                        *b = (Binding){.l = l, .cls = (LegacyClass) c};
                        if (i < ELEMENTSOF(object_methods)) {
                                b->kind = object_methods[i].kind;
                                (void) snprintf(name, sizeof(name), "%s.%s", class_names[c],
                                                object_methods[i].suffix);
                        } else {
                                b->kind = M_GET_FIELD;
                                b->field = i - ELEMENTSOF(object_methods);
                                (void) snprintf(name, sizeof(name), "%s.get_%s", class_names[c],
                                                f[b->field].name);
                        }
                        r = reg(target, name, handler, b);
                        if (r < 0)
                                return r;
                }
        }
        for (size_t o = 0; o < _SRC_OWNER_KIND_MAX; o++)
                for (size_t i = 0; i < ELEMENTSOF(owner_methods); i++) {
                        if (owner_methods[i].has_metrics && o == SRC_OWNER_SR)
                                continue;
                        Binding *b = &l->bindings[n++];
                        *b = (Binding){
                                .l = l, .kind = owner_methods[i].kind, .owner = (SrcOwnerKind) o};
                        (void) snprintf(name, sizeof(name), "%s.%s", owner_class[o],
                                        owner_methods[i].suffix);
                        r = reg(target, name, handler, b);
                        if (r < 0)
                                return r;
                }
        l->n_bindings = n;
        return 0;
}

static int reg_server(void *target, const char *name, HttpRpcHandler h, void *userdata) {
        return http_server_register_method(target, name, h, userdata);
}

static int reg_table(void *target, const char *name, HttpRpcHandler h, void *userdata) {
        return http_rpc_table_register(target, name, h, userdata);
}

static bool server_session_ok(void *server, const char *session_id) {
        return server && http_server_session_user(server, session_id) != NULL;
}

/**
 * legacy_register() - adds every legacy method to the server's XML-RPC table: for each metrics
 * class get_all, get_all_records, get_record, get_by_uuid and get_<field>; for host, VM and SR
 * get_all, get_by_uuid, get_uuid, get_metrics (not SR) and the four data-source calls.
 * @l: the legacy object set (must outlive the server's use of the methods).
 * @s: the server.
 *
 * Return: 0 or -ENOMEM.
 */
int legacy_register(Legacy *l, HttpServer *s) {
        l->check = server_session_ok;
        return bind_all(l, reg_server, s);
}

/**
 * legacy_register_table() - legacy_register() into a bare method table, for tests.
 * @l: the legacy object set.
 * @t: the table.
 * @check: says whether a session id is valid (HttpRpcCall.server is passed through).
 *
 * Return: 0 or -ENOMEM.
 */
int legacy_register_table(Legacy *l, HttpRpcTable *t, LegacySessionCheck check) {
        l->check = check;
        return bind_all(l, reg_table, t);
}
