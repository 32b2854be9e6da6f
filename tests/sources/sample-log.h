#pragma once
/* SPDX-License-Identifier: MIT */
/* A test SrcSink that keeps a copy of every sample and announcement, in the order received. */

#include <stddef.h>

#include "sources/source.h"

typedef struct LoggedSample {
        SrcSample s; /* name, description and units point into the copies below */
        char *name;
        char *description;
        char *units;
        size_t seq; /* position among all calls to the sink */
} LoggedSample;

typedef struct LoggedAnnounce {
        SrcOwner owner;
        uint64_t generation;
        size_t seq;
} LoggedAnnounce;

typedef struct SampleLog {
        SrcSink sink; /* hand &log.sink to src_sample() */
        LoggedSample *samples;
        size_t n_samples;
        size_t n_samples_alloc;
        LoggedAnnounce *announces;
        size_t n_announces;
        size_t n_announces_alloc;
        size_t n_calls;
} SampleLog;

void sample_log_init(SampleLog *l);
void sample_log_clear(SampleLog *l);
void sample_log_deinit(SampleLog *l);

/* The sample `name` of owner `uuid` ("" for the host), or NULL; the last one if repeated. */
const LoggedSample *sample_log_find(const SampleLog *l, const char *uuid, const char *name);
/* How many samples carry `name` for owner `uuid` (a name emitted twice is a bug). */
size_t sample_log_count_name(const SampleLog *l, const char *uuid, const char *name);
/* The announcement of `uuid`, or NULL. */
const LoggedAnnounce *sample_log_find_announce(const SampleLog *l, const char *uuid);
/* The value of a known sample as a double; NaN when missing or unknown. */
double sample_log_value(const SampleLog *l, const char *uuid, const char *name);
