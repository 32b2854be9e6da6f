#pragma once
/* SPDX-License-Identifier: MIT */
/*
 * A background thread for archive I/O, so writing and reading XML never delays a tick. Jobs go
 * in with worker_submit(); finished ones come back through worker_take_done() once the eventfd
 * from worker_fd() is readable. The RRDs a job carries are private copies.
 */

#include <stdbool.h>
#include <stdint.h>

#include "consolidate/rrd.h"
#include "rrdd/store.h"
#include "sources/source.h"

typedef enum JobKind {
        JOB_SAVE,
        JOB_LOAD,
} JobKind;

typedef enum JobReason {
        JOB_BACKUP,  /* periodic or on shutdown */
        JOB_ARCHIVE, /* the owner left: drop it from memory once written */
        JOB_APPEAR,  /* load: the owner appeared */
} JobReason;

typedef struct Job {
        JobKind kind;
        JobReason reason;
        SrcOwnerKind owner_kind;
        char uuid[SRC_UUID_LEN + 1];
        Rrd *rrd;   /* SAVE: the copy to write (owned); LOAD: the result (owned) */
        int result; /* 0 or -errno once done */
        struct Job *next;
} Job;

typedef struct Worker Worker;

int worker_new(Worker **ret, const ArchiveOps *ops, void *ops_ctx);
/* Finishes queued jobs, stops the thread; unclaimed finished jobs are freed. */
Worker *worker_free(Worker *w);
static inline void worker_freep(Worker **w) {
        if (*w)
                (void) worker_free(*w);
}

int worker_fd(const Worker *w);
/* Takes ownership of job. */
int worker_submit(Worker *w, Job *job);
/* One finished job, or NULL; the caller owns it (free with job_free()). */
Job *worker_take_done(Worker *w);
/* Blocks until every submitted job is finished (they wait in the done queue). */
void worker_wait_idle(Worker *w);
size_t worker_pending(Worker *w);

Job *job_new(JobKind kind, JobReason reason, SrcOwnerKind owner, const char *uuid, Rrd *rrd);
Job *job_free(Job *j);
