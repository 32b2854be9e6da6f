/* SPDX-License-Identifier: MIT */
/* A collecting SrcSink for the source tests: copies what it is given, as the daemon's does. */

#include "sample-log.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

static char *dup_or_null(const char *s) {
        return s ? strdup(s) : NULL;
}

static int log_emit(SrcSink *sink, const SrcSample *sample) {
        SampleLog *l = sink->userdata;
        LoggedSample *e;

        if (l->n_samples == l->n_samples_alloc) {
                size_t n = l->n_samples_alloc ? l->n_samples_alloc * 2 : 64;
                LoggedSample *a = realloc(l->samples, n * sizeof(*a));
                if (!a)
                        return -ENOMEM;
                l->samples = a;
                l->n_samples_alloc = n;
        }
        e = &l->samples[l->n_samples++];
        *e = (LoggedSample){
                .s = *sample,
                .name = dup_or_null(sample->name),
                .description = dup_or_null(sample->description),
                .units = dup_or_null(sample->units),
                .seq = l->n_calls++,
        };
        e->s.name = e->name;
        e->s.description = e->description;
        e->s.units = e->units;
        return 0;
}

static int log_announce(SrcSink *sink, const SrcOwner *owner, uint64_t generation) {
        SampleLog *l = sink->userdata;

        if (l->n_announces == l->n_announces_alloc) {
                size_t n = l->n_announces_alloc ? l->n_announces_alloc * 2 : 16;
                LoggedAnnounce *a = realloc(l->announces, n * sizeof(*a));
                if (!a)
                        return -ENOMEM;
                l->announces = a;
                l->n_announces_alloc = n;
        }
        l->announces[l->n_announces++] = (LoggedAnnounce){
                .owner = *owner,
                .generation = generation,
                .seq = l->n_calls++,
        };
        return 0;
}

void sample_log_init(SampleLog *l) {
        *l = (SampleLog){
                .sink = {.emit = log_emit, .announce = log_announce, .userdata = l},
        };
}

void sample_log_clear(SampleLog *l) {
        for (size_t i = 0; i < l->n_samples; i++) {
                free(l->samples[i].name);
                free(l->samples[i].description);
                free(l->samples[i].units);
        }
        l->n_samples = 0;
        l->n_announces = 0;
        l->n_calls = 0;
}

void sample_log_deinit(SampleLog *l) {
        sample_log_clear(l);
        free(l->samples);
        free(l->announces);
        *l = (SampleLog){};
}

static bool owner_is(const SrcOwner *o, const char *uuid) {
        if (!uuid || !*uuid)
                return o->kind == SRC_OWNER_HOST;
        return o->kind != SRC_OWNER_HOST && strcmp(o->uuid, uuid) == 0;
}

const LoggedSample *sample_log_find(const SampleLog *l, const char *uuid, const char *name) {
        for (size_t i = l->n_samples; i-- > 0;)
                if (owner_is(&l->samples[i].s.owner, uuid) && strcmp(l->samples[i].name, name) == 0)
                        return &l->samples[i];
        return NULL;
}

size_t sample_log_count_name(const SampleLog *l, const char *uuid, const char *name) {
        size_t n = 0;

        for (size_t i = 0; i < l->n_samples; i++)
                if (owner_is(&l->samples[i].s.owner, uuid) && strcmp(l->samples[i].name, name) == 0)
                        n++;
        return n;
}

const LoggedAnnounce *sample_log_find_announce(const SampleLog *l, const char *uuid) {
        for (size_t i = 0; i < l->n_announces; i++)
                if (owner_is(&l->announces[i].owner, uuid))
                        return &l->announces[i];
        return NULL;
}

double sample_log_value(const SampleLog *l, const char *uuid, const char *name) {
        const LoggedSample *e = sample_log_find(l, uuid, name);

        if (!e)
                return (double) NAN;
        switch (e->s.value_type) {
        case SRC_VALUE_INT64:
                return (double) e->s.value.i64;
        case SRC_VALUE_UINT64:
                return (double) e->s.value.u64;
        case SRC_VALUE_DOUBLE:
                return e->s.value.d;
        default:
                return (double) NAN;
        }
}
