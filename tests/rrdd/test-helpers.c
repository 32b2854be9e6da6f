/* SPDX-License-Identifier: MIT */
/* Test doubles for the daemon (see test-helpers.h). */

#include "tests/rrdd/test-helpers.h"

#include <errno.h>
#include <math.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "consolidate/rrd.h"

static int fake_open(SrcInstance *s, const SrcConfig *cfg) {
        (void) cfg;
        return src_get_data(s) ? 0 : -EINVAL;
}

static int fake_sample(SrcInstance *s, usec_t now, SrcSink *sink) {
        FakeWorld *w = src_get_data(s);
        (void) now;

        w->n_samples++;
        if (w->fail_sample)
                return -EIO;
        SrcSample h = {
                .owner = {.kind = SRC_OWNER_HOST},
                .name = "loadavg",
                .units = "(fraction)",
                .kind = SRC_GAUGE,
                .value_type = SRC_VALUE_DOUBLE,
                .value.d = w->host_load,
                .min = 0,
                .max = HUGE_VAL,
                .is_default = true,
        };
        (void) src_sink_emit(sink, &h);
        for (size_t i = 0; i < w->n_vms; i++) {
                FakeVm *vm = &w->vms[i];
                SrcSample v = {
                        .owner = {.kind = SRC_OWNER_VM},
                        .is_default = true,
                        .generation = vm->domid,
                        .min = 0,
                        .max = HUGE_VAL,
                };
                if (!vm->running)
                        continue;
                memcpy(v.owner.uuid, vm->uuid, sizeof(v.owner.uuid));
                (void) src_sink_announce(sink, &v.owner, vm->domid);
                v.name = "vif_0_rx";
                v.units = "B/s";
                v.kind = SRC_DERIVE;
                v.value_type = SRC_VALUE_UINT64;
                v.value.u64 = vm->rx_bytes;
                (void) src_sink_emit(sink, &v);
                v.name = "memory";
                v.units = "B";
                v.kind = SRC_GAUGE;
                v.value_type = SRC_VALUE_DOUBLE;
                v.value.d = vm->memory;
                (void) src_sink_emit(sink, &v);
                /* A non-default data source: known, not archived unless recorded. */
                v.name = "vif_0_rx_errors";
                v.is_default = false;
                v.kind = SRC_DERIVE;
                v.value_type = SRC_VALUE_UINT64;
                v.value.u64 = 0;
                (void) src_sink_emit(sink, &v);
        }
        return 0;
}

static void fake_close(SrcInstance *s) {
        (void) s;
}

const SrcOps fake_source_ops = {
        .name = "fake",
        .open = fake_open,
        .sample = fake_sample,
        .close = fake_close,
};

SrcInstance *fake_source_new(FakeWorld *world) {
        SrcInstance *s = NULL;
        if (src_instance_new(&s, &fake_source_ops) < 0)
                return NULL;
        /* open() only checks that the world is there. */
        src_set_data(s, world);
        if (src_open(s, &(SrcConfig){}) < 0) {
                src_instance_free(s);
                return NULL;
        }
        return s;
}

#define MEM_MAX 64

struct MemStore {
        pthread_mutex_t lock;
        char uuid[MEM_MAX][SRC_UUID_LEN + 1];
        Rrd *rrd[MEM_MAX];
        size_t n;
        int fail;
        unsigned n_saves;
        char *state;
};

MemStore *mem_store_new(void) {
        MemStore *m = calloc(1, sizeof(*m));
        if (m)
                pthread_mutex_init(&m->lock, NULL);
        return m;
}

void mem_store_free(MemStore *m) {
        if (!m)
                return;
        for (size_t i = 0; i < m->n; i++)
                rrd_destroy(m->rrd[i]);
        free(m->state);
        pthread_mutex_destroy(&m->lock);
        free(m);
}

static long find(MemStore *m, const char *uuid) {
        for (size_t i = 0; i < m->n; i++)
                if (strcmp(m->uuid[i], uuid) == 0)
                        return (long) i;
        return -1;
}

static int mem_save(void *ctx, SrcOwnerKind kind, const char *uuid, const Rrd *rrd,
                    unsigned flags) {
        MemStore *m = ctx;
        Rrd *copy = NULL;
        int r = 0;
        (void) kind;

        pthread_mutex_lock(&m->lock);
        if (m->fail)
                r = m->fail;
        else if ((r = rrd_dup(rrd, &copy)) == 0) {
                long i = find(m, uuid);
                if (i < 0 && m->n < MEM_MAX) {
                        i = (long) m->n++;
                        strcpy(m->uuid[i], uuid);
                }
                if (i < 0)
                        r = -ENOSPC;
                else {
                        rrd_destroy(m->rrd[i]);
                        m->rrd[i] = copy;
                        copy = NULL;
                        m->n_saves++;
                }
        }
        pthread_mutex_unlock(&m->lock);
        rrd_destroy(copy);
        return r;
}

static int mem_load(void *ctx, SrcOwnerKind kind, const char *uuid, Rrd **ret) {
        MemStore *m = ctx;
        int r;
        (void) kind;

        pthread_mutex_lock(&m->lock);
        long i = find(m, uuid);
        r = i < 0 ? -ENOENT : rrd_dup(m->rrd[i], ret);
        pthread_mutex_unlock(&m->lock);
        return r;
}

static int mem_exists(void *ctx, SrcOwnerKind kind, const char *uuid) {
        MemStore *m = ctx;
        (void) kind;
        pthread_mutex_lock(&m->lock);
        int r = find(m, uuid) >= 0;
        pthread_mutex_unlock(&m->lock);
        return r;
}

static int mem_save_state(void *ctx, const char *name, const char *text) {
        MemStore *m = ctx;
        (void) name;
        free(m->state);
        m->state = strdup(text);
        return m->state ? 0 : -ENOMEM;
}

static int mem_load_state(void *ctx, const char *name, char **ret) {
        MemStore *m = ctx;
        (void) name;
        if (!m->state)
                return -ENOENT;
        *ret = strdup(m->state);
        return *ret ? 0 : -ENOMEM;
}

const ArchiveOps mem_store_ops = {
        .save = mem_save,
        .load = mem_load,
        .exists = mem_exists,
        .save_state = mem_save_state,
        .load_state = mem_load_state,
};

void mem_store_fail_saves(MemStore *m, int error) {
        pthread_mutex_lock(&m->lock);
        m->fail = error;
        pthread_mutex_unlock(&m->lock);
}

Rrd *mem_store_get(MemStore *m, const char *uuid) {
        Rrd *copy = NULL;
        pthread_mutex_lock(&m->lock);
        long i = find(m, uuid);
        if (i >= 0)
                (void) rrd_dup(m->rrd[i], &copy);
        pthread_mutex_unlock(&m->lock);
        return copy;
}

unsigned mem_store_n_saves(MemStore *m) {
        pthread_mutex_lock(&m->lock);
        unsigned n = m->n_saves;
        pthread_mutex_unlock(&m->lock);
        return n;
}
