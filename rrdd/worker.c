/* SPDX-License-Identifier: MIT */
/*
 * One worker thread with a FIFO of jobs and a FIFO of results; an eventfd wakes the loop when
 * results are waiting. The only state shared with the loop thread is these queues, under one
 * mutex.
 */

#include "rrdd/worker.h"

#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include "rrdd/macro.h"

struct Worker {
        ArchiveOps ops;
        void *ops_ctx;
        pthread_t thread;
        bool started;
        pthread_mutex_t lock;
        pthread_cond_t wake; /* jobs arrived, or stop */
        pthread_cond_t idle; /* the queue drained */
        Job *todo_head, *todo_tail;
        Job *done_head, *done_tail;
        size_t n_pending; /* submitted and not yet finished */
        bool stop;
        int event_fd;
};

Job *job_new(JobKind kind, JobReason reason, SrcOwnerKind owner, const char *uuid, Rrd *rrd) {
        Job *j = calloc(1, sizeof(*j));
        if (!j)
                return NULL;
        j->kind = kind;
        j->reason = reason;
        j->owner_kind = owner;
        (void) snprintf(j->uuid, sizeof(j->uuid), "%s", uuid);
        j->rrd = rrd;
        return j;
}

Job *job_free(Job *j) {
        if (j) {
                rrd_destroy(j->rrd);
                free(j);
        }
        return NULL;
}

static void run_job(Worker *w, Job *j) {
        if (j->kind == JOB_SAVE) {
                j->result = w->ops.save(w->ops_ctx, j->owner_kind, j->uuid, j->rrd, 0);
                /* The copy has served its purpose; do not carry it back. */
                j->rrd = rrd_destroy(j->rrd);
        } else {
                Rrd *rrd = NULL;
                j->result = w->ops.load(w->ops_ctx, j->owner_kind, j->uuid, &rrd);
                j->rrd = j->result == 0 ? rrd : NULL;
        }
}

static void *worker_main(void *arg) {
        Worker *w = arg;
        sigset_t all;

        /* Signals are the loop thread's business (signalfd); never let one land here. */
        sigfillset(&all);
        (void) pthread_sigmask(SIG_BLOCK, &all, NULL);

        pthread_mutex_lock(&w->lock);
        for (;;) {
                while (!w->todo_head && !w->stop)
                        pthread_cond_wait(&w->wake, &w->lock);
                if (!w->todo_head && w->stop)
                        break;
                Job *j = w->todo_head;
                w->todo_head = j->next;
                if (!w->todo_head)
                        w->todo_tail = NULL;
                j->next = NULL;
                pthread_mutex_unlock(&w->lock);

                run_job(w, j);

                pthread_mutex_lock(&w->lock);
                if (w->done_tail)
                        w->done_tail->next = j;
                else
                        w->done_head = j;
                w->done_tail = j;
                w->n_pending--;
                if (w->n_pending == 0)
                        pthread_cond_broadcast(&w->idle);
                uint64_t one = 1;
                (void) !write(w->event_fd, &one, sizeof(one));
        }
        pthread_mutex_unlock(&w->lock);
        return NULL;
}

int worker_new(Worker **ret, const ArchiveOps *ops, void *ops_ctx) {
        Worker *w = calloc(1, sizeof(*w));
        int r;

        if (!w)
                return -ENOMEM;
        w->ops = *ops;
        w->ops_ctx = ops_ctx;
        pthread_mutex_init(&w->lock, NULL);
        pthread_cond_init(&w->wake, NULL);
        pthread_cond_init(&w->idle, NULL);
        w->event_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
        if (w->event_fd < 0) {
                r = -errno;
                worker_free(w);
                return r;
        }
        r = pthread_create(&w->thread, NULL, worker_main, w);
        if (r != 0) {
                worker_free(w);
                return -r;
        }
        w->started = true;
        *ret = w;
        return 0;
}

Worker *worker_free(Worker *w) {
        if (!w)
                return NULL;
        if (w->started) {
                pthread_mutex_lock(&w->lock);
                w->stop = true;
                pthread_cond_signal(&w->wake);
                pthread_mutex_unlock(&w->lock);
                pthread_join(w->thread, NULL);
        }
        for (Job *j = w->todo_head, *n; j; j = n) {
                n = j->next;
                job_free(j);
        }
        for (Job *j = w->done_head, *n; j; j = n) {
                n = j->next;
                job_free(j);
        }
        if (w->event_fd >= 0)
                close(w->event_fd);
        pthread_cond_destroy(&w->wake);
        pthread_cond_destroy(&w->idle);
        pthread_mutex_destroy(&w->lock);
        free(w);
        return NULL;
}

int worker_fd(const Worker *w) {
        return w->event_fd;
}

int worker_submit(Worker *w, Job *job) {
        pthread_mutex_lock(&w->lock);
        job->next = NULL;
        if (w->todo_tail)
                w->todo_tail->next = job;
        else
                w->todo_head = job;
        w->todo_tail = job;
        w->n_pending++;
        pthread_cond_signal(&w->wake);
        pthread_mutex_unlock(&w->lock);
        return 0;
}

Job *worker_take_done(Worker *w) {
        Job *j;
        uint64_t v;

        pthread_mutex_lock(&w->lock);
        j = w->done_head;
        if (j) {
                w->done_head = j->next;
                if (!w->done_head)
                        w->done_tail = NULL;
                j->next = NULL;
        } else
                (void) !read(w->event_fd, &v, sizeof(v)); /* drained: clear the event */
        pthread_mutex_unlock(&w->lock);
        return j;
}

void worker_wait_idle(Worker *w) {
        pthread_mutex_lock(&w->lock);
        while (w->n_pending > 0)
                pthread_cond_wait(&w->idle, &w->lock);
        pthread_mutex_unlock(&w->lock);
}

size_t worker_pending(Worker *w) {
        size_t n;
        pthread_mutex_lock(&w->lock);
        n = w->n_pending;
        pthread_mutex_unlock(&w->lock);
        return n;
}
