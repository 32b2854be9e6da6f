/* SPDX-License-Identifier: MIT */
/*
 * The pool glue (see pool.h). On the loop thread: the HTTP callbacks that look at the registry
 * (where is this VM, replace that RRD, record a report) and, on a member, a 1 s timer that
 * builds the report and hands it to the reporter thread when it changed or a minute passed.
 * The reporter thread posts it to the master and, when the master answers, sends what waits in
 * the spool. The HTTP callbacks marked "any" in http/backend.h run on request threads and touch
 * only thread-safe state (the store, the link).
 */

#include "rrdd/pool.h"

#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/timerfd.h>
#include <unistd.h>

#include "rrdd/httpc.h"
#include "rrdd/log.h"
#include "rrdd/pool-members.h"
#include "rrdd/pool-report.h"
#include "rrdd/pool-store.h"
#include "rrdd/registry.h"

#define REPORT_RETRY_MIN_USEC (5 * USEC_PER_SEC)
#define REPORT_RETRY_MAX_USEC (30 * USEC_PER_SEC)

typedef struct Reporter {
        int timer_fd;
        pthread_t thread;
        bool started;
        pthread_mutex_t lock;
        pthread_cond_t wake;
        /* Under lock: what to send next, and how the last send went. */
        char *pending;
        bool sending, stop, has_result, last_ok, ever_ok;
        /* Loop thread only. */
        char *last_queued;
        usec_t next_due;
        unsigned n_failures;
} Reporter;

struct Pool {
        PoolRole role;
        char host_uuid[POOL_UUID_LEN + 1];
        char master_url[POOL_URL_MAX];
        HttpcUrl master;
        char public_url[POOL_URL_MAX];
        PoolLink link;
        PoolStore *store;
        PoolMembers *members; /* master */
        RrddClock clock;
        Rrdd *d;
        uint16_t http_port;
        bool tls;
        Reporter rep;
};

/* ---- life cycle ---- */

/**
 * pool_new() - the pool side of a master or member.
 * @ret: the pool.
 * @cfg: the configuration (pool_role, master_url, public_url, pool_ca_file, data_dir).
 * @secret: the pool secret.
 * @host_uuid: this host's uuid.
 * @data: the data_dir store, borrowed.
 * @clock: borrowed.
 *
 * Call it on the loop thread (see pool_store_new()).
 *
 * Return: 0; -EINVAL or -errno after logging why.
 */
int pool_new(Pool **ret, const RrddConfig *cfg, const char *secret, const char *host_uuid,
             DirStore *data, const RrddClock *clock) {
        _cleanup_(pool_freep) Pool *p = calloc(1, sizeof(*p));
        int r;

        if (!p)
                return -ENOMEM;
        p->rep.timer_fd = -1;
        pthread_mutex_init(&p->rep.lock, NULL);
        pthread_cond_init(&p->rep.wake, NULL);
        p->role = cfg->pool_role;
        p->clock = *clock;
        (void) snprintf(p->host_uuid, sizeof(p->host_uuid), "%s", host_uuid);
        if (p->role != POOL_ROLE_MASTER && p->role != POOL_ROLE_MEMBER)
                return -EINVAL;
        if (p->role == POOL_ROLE_MEMBER) {
                if (!pool_url_is_valid(cfg->master_url) ||
                    httpc_parse_url(cfg->master_url, &p->master) < 0)
                        return log_error_errno(-EINVAL,
                                               "master_url = '%s': expected "
                                               "http[s]://host[:port][/path]",
                                               cfg->master_url);
                (void) snprintf(p->master_url, sizeof(p->master_url), "%s", cfg->master_url);
                size_t n = strlen(p->master_url);
                while (n > 0 && p->master_url[n - 1] == '/')
                        p->master_url[--n] = '\0';
        }
        if (*cfg->public_url) {
                if (!pool_url_is_valid(cfg->public_url))
                        return log_error_errno(-EINVAL,
                                               "public_url = '%s': expected "
                                               "http[s]://host[:port][/path]",
                                               cfg->public_url);
                (void) snprintf(p->public_url, sizeof(p->public_url), "%s", cfg->public_url);
        }
        if (*cfg->pool_ca_file && access(cfg->pool_ca_file, R_OK) < 0)
                return log_error_errno(-errno, "pool_ca_file = '%s': %m", cfg->pool_ca_file);
        r = pool_link_init(&p->link, secret, cfg->pool_ca_file);
        if (r < 0)
                return log_error_errno(r, "the pool secret cannot be used: %m");
        PoolStoreConfig sc = {
                .member = p->role == POOL_ROLE_MEMBER,
                .data = data,
                .data_dir = cfg->data_dir,
                .gzip = cfg->archive_gzip,
                .host_uuid = p->host_uuid,
                .master_url = p->master_url,
                .link = &p->link,
                .clock = &p->clock,
        };
        r = pool_store_new(&p->store, &sc);
        if (r < 0)
                return log_error_errno(r, "cannot set up the pool's archive store: %m");
        if (p->role == POOL_ROLE_MASTER && (r = pool_members_new(&p->members)) < 0)
                return r;
        *ret = TAKE_PTR(p);
        return 0;
}

/**
 * pool_free() - stops the reporter (waiting for a report in flight) and frees the pool.
 * @p: the pool, or NULL.
 *
 * Return: NULL.
 */
Pool *pool_free(Pool *p) {
        if (!p)
                return NULL;
        if (p->rep.started) {
                pthread_mutex_lock(&p->rep.lock);
                p->rep.stop = true;
                pthread_cond_signal(&p->rep.wake);
                pthread_mutex_unlock(&p->rep.lock);
                (void) pthread_join(p->rep.thread, NULL);
        }
        free(p->rep.pending);
        free(p->rep.last_queued);
        if (p->rep.timer_fd >= 0)
                (void) close(p->rep.timer_fd);
        pthread_cond_destroy(&p->rep.wake);
        pthread_mutex_destroy(&p->rep.lock);
        pool_members_free(p->members);
        pool_store_free(p->store);
        pool_link_done(&p->link);
        free(p);
        return NULL;
}

/**
 * pool_archive_ops() - the ArchiveOps the daemon must use in this pool.
 * @p: the pool.
 * @ret_ops: the table.
 * @ret_ctx: its context.
 */
void pool_archive_ops(Pool *p, const ArchiveOps **ret_ops, void **ret_ctx) {
        *ret_ops = &pool_store_ops;
        *ret_ctx = p->store;
}

static usec_t now_mono(Pool *p) {
        return clock_mono(&p->clock);
}

/* ---- HTTP callbacks ---- */

static bool in_memory(const RrdEntry *e) {
        return e && e->rrd &&
               (e->state == ENTRY_LIVE || e->state == ENTRY_ARCHIVING ||
                e->state == ENTRY_ARCHIVE_FAILED);
}

/* loop: see HttpBackend.pool_locate. */
static int cb_locate(void *u, HttpOwnerKind kind, const char *uuid, bool no_redirect,
                     const char *from, HttpPoolLocation *ret) {
        Pool *p = u;
        Registry *reg = rrdd_registry(p->d);
        bool any = kind == _HTTP_OWNER_KIND_MAX;
        RrdEntry *e = NULL;

        *ret = (HttpPoolLocation){.where = HTTP_POOL_NONE};
        if (kind == HTTP_OWNER_VM || any)
                e = registry_find(reg, SRC_OWNER_VM, uuid);
        if (!e && any)
                e = registry_find(reg, SRC_OWNER_SR, uuid);
        if (!e && any && strcasecmp(uuid, p->host_uuid) == 0)
                e = registry_host(reg);
        if (in_memory(e)) {
                int r = rrd_dup(e->rrd, &ret->rrd);
                if (r < 0)
                        return r;
                ret->where = HTTP_POOL_MEMORY;
                return 0;
        }
        if (no_redirect) {
                ret->where = HTTP_POOL_STORED;
                return 0;
        }
        if (p->role == POOL_ROLE_MEMBER) {
                /* The master knows where it runs, or has its archive. */
                ret->where = HTTP_POOL_ELSEWHERE;
                (void) snprintf(ret->url, sizeof(ret->url), "%s", p->master_url);
                return 0;
        }
        const PoolMember *m = pool_members_holder(p->members, uuid, from, now_mono(p));
        if (m) {
                ret->where = HTTP_POOL_ELSEWHERE;
                ret->is_final = true;
                (void) snprintf(ret->url, sizeof(ret->url), "%s", m->url);
                return 0;
        }
        ret->where = HTTP_POOL_STORED;
        return 0;
}

/* any */
static int cb_load_stored(void *u, const char *uuid, Rrd **ret) {
        Pool *p = u;
        return pool_store_load_stored(p->store, uuid, ret);
}

/* any */
static int cb_store(void *u, const char *uuid, const Rrd *rrd) {
        Pool *p = u;
        return pool_store_put(p->store, uuid, rrd);
}

/* loop */
static void cb_stored(void *u, const char *uuid, const char *from) {
        Pool *p = u;
        pool_members_forget_leaving(p->members, from, uuid);
}

/* loop */
static int cb_replace(void *u, const char *uuid, Rrd *rrd) {
        Pool *p = u;
        int r = registry_replace(rrdd_registry(p->d), SRC_OWNER_VM, uuid, rrd);
        if (r >= 0)
                log_info("VM %s: its RRD was replaced by one sent over HTTP", uuid);
        return r;
}

/* loop */
static int cb_report(void *u, const char *body, size_t len, const char *peer, char *reason,
                     size_t reason_size) {
        Pool *p = u;
        PoolReport rep = {};
        int r;

        r = pool_report_parse(body, len, &rep, reason, reason_size);
        if (r < 0) {
                log_ratelimited(LOG_WARNING, r, 60 * USEC_PER_SEC, 3,
                                "a member report from %s is refused: %s", peer, reason);
                return r;
        }
        bool known = false;
        size_t n = pool_members_count(p->members, now_mono(p));
        for (size_t i = 0; i < n; i++)
                known |= strcmp(pool_members_get(p->members, i)->host_uuid, rep.host_uuid) == 0;
        r = pool_members_update(p->members, &rep, peer, now_mono(p));
        if (r == -EINVAL)
                (void) snprintf(reason, reason_size,
                                "no url given and none can be made from address '%s'", peer);
        else if (r >= 0 && !known) {
                size_t i = 0;
                const PoolMember *m;
                while ((m = pool_members_get(p->members, i++)))
                        if (strcmp(m->host_uuid, rep.host_uuid) == 0)
                                log_info("pool member %s reports from %s (%zu VMs)", m->host_uuid,
                                         m->url, rep.n_vms);
        }
        pool_report_done(&rep);
        return r;
}

/* loop */
static int cb_members(void *u, HttpPoolMember **ret, size_t *ret_n) {
        Pool *p = u;
        size_t n = pool_members_count(p->members, now_mono(p)), k = 0;
        HttpPoolMember *v = calloc(n ? n : 1, sizeof(*v));

        if (!v)
                return -ENOMEM;
        for (size_t i = 0; i < n; i++) {
                const PoolMember *m = pool_members_get(p->members, i);
                if (strcmp(m->host_uuid, p->host_uuid) == 0)
                        continue;
                (void) snprintf(v[k].host_uuid, sizeof(v[k].host_uuid), "%s", m->host_uuid);
                (void) snprintf(v[k].url, sizeof(v[k].url), "%s", m->url);
                k++;
        }
        *ret = v;
        *ret_n = k;
        return 0;
}

/* any */
static int cb_fetch(void *u, const char *url, const char *target, unsigned timeout_ms,
                    int *ret_status, char **ret_body, size_t *ret_len) {
        Pool *p = u;
        HttpcResponse resp;
        HttpcUrl base;
        int r;

        if (httpc_parse_url(url, &base) < 0)
                return -EINVAL;
        r = pool_link_request(&p->link, "GET", &base, target, NULL, 0, timeout_ms, &resp);
        if (r < 0)
                return r;
        *ret_status = resp.status;
        *ret_body = resp.body;
        *ret_len = resp.body_len;
        return 0;
}

/**
 * pool_attach() - fills the pool callbacks of the HTTP backend.
 * @p: the pool.
 * @d: the daemon whose registry the callbacks read (on the loop thread).
 * @b: the backend to complete.
 */
void pool_attach(Pool *p, Rrdd *d, HttpBackend *b) {
        p->d = d;
        b->pool_role = p->role == POOL_ROLE_MASTER ? HTTP_POOL_MASTER : HTTP_POOL_MEMBER;
        b->pool_locate = cb_locate;
        b->pool_load_stored = cb_load_stored;
        b->pool_replace = cb_replace;
        b->pool_fetch = cb_fetch;
        if (p->role == POOL_ROLE_MASTER) {
                b->pool_store = cb_store;
                b->pool_stored = cb_stored;
                b->pool_report = cb_report;
                b->pool_members = cb_members;
        }
        /* The callbacks get the pool, not the daemon's backend context. */
        b->pool_userdata = p;
}

/* ---- a member's reports ---- */

static int cmp_vm(const void *a, const void *b) {
        return strcmp(((const PoolReportVm *) a)->uuid, ((const PoolReportVm *) b)->uuid);
}

/* The report as of now: who we are and which VMs we hold (sorted, so equal means unchanged). */
static int build_report(Pool *p, char **ret, size_t *ret_len) {
        Registry *reg = rrdd_registry(p->d);
        PoolReport rep = {.port = p->http_port, .tls = p->tls};
        size_t state = 0;
        RrdEntry *e;
        int r = 0;

        (void) snprintf(rep.host_uuid, sizeof(rep.host_uuid), "%s", p->host_uuid);
        (void) snprintf(rep.url, sizeof(rep.url), "%s", p->public_url);
        while (r >= 0 && (e = registry_next(reg, &state))) {
                if (e->kind != SRC_OWNER_VM || !in_memory(e))
                        continue;
                r = pool_report_add(&rep, e->uuid,
                                    e->state == ENTRY_LIVE ? POOL_VM_RESIDENT : POOL_VM_LEAVING);
        }
        if (r == -E2BIG)
                r = 0; /* the first POOL_REPORT_VMS_MAX are enough to go on with */
        if (r >= 0) {
                if (rep.n_vms > 1)
                        qsort(rep.vms, rep.n_vms, sizeof(*rep.vms), cmp_vm);
                r = pool_report_format(&rep, ret, ret_len);
        }
        pool_report_done(&rep);
        return r;
}

static void *reporter_main(void *arg) {
        Pool *p = arg;
        Reporter *rp = &p->rep;
        char target[128];

        (void) snprintf(target, sizeof(target), "/pool/report?from=%s", p->host_uuid);
        pthread_mutex_lock(&rp->lock);
        for (;;) {
                while (!rp->pending && !rp->stop)
                        pthread_cond_wait(&rp->wake, &rp->lock);
                if (rp->stop)
                        break;
                char *text = TAKE_PTR(rp->pending);
                rp->sending = true;
                pthread_mutex_unlock(&rp->lock);

                HttpcResponse resp;
                int r = pool_link_request(&p->link, "POST", &p->master, target, text, strlen(text),
                                          POOL_TIMEOUT_MS, &resp);
                int status = r < 0 ? r : resp.status;
                if (r == 0)
                        httpc_response_done(&resp);
                free(text);
                bool ok = status == 200;
                if (!ok && status < 0)
                        log_ratelimited(LOG_WARNING, status, 300 * USEC_PER_SEC, 2,
                                        "cannot report to the master %s: %m", p->master_url);
                else if (!ok)
                        log_ratelimited(LOG_WARNING, 0, 300 * USEC_PER_SEC, 2,
                                        "cannot report to the master %s: HTTP %d", p->master_url,
                                        status);
                if (ok)
                        pool_store_master_answered(p->store);
                /* The master answers: what waited for it goes now. */
                if (ok && pool_store_spooled(p->store) > 0) {
                        int n = pool_store_flush_spool(p->store);
                        if (n < 0)
                                log_warning_errno(n, "sending the spooled archives: %m; "
                                                     "retrying with the next report");
                }

                pthread_mutex_lock(&rp->lock);
                if (ok && !rp->ever_ok)
                        log_info("reporting to the pool master %s", p->master_url);
                rp->ever_ok |= ok;
                rp->sending = false;
                rp->has_result = true;
                rp->last_ok = ok;
        }
        pthread_mutex_unlock(&rp->lock);
        return NULL;
}

static int reporter_run(void *userdata) {
        Pool *p = userdata;
        Reporter *rp = &p->rep;
        usec_t now = now_mono(p);
        uint64_t expirations;
        _cleanup_free_ char *text = NULL;
        size_t len;
        bool busy;

        (void) !read(rp->timer_fd, &expirations, sizeof(expirations));
        pthread_mutex_lock(&rp->lock);
        if (rp->has_result) {
                rp->has_result = false;
                if (rp->last_ok) {
                        rp->n_failures = 0;
                        rp->next_due = now + POOL_REPORT_PERIOD_USEC;
                } else {
                        /* 5, 10, 20, then every 30 s: a report is small and a refused
                         * connection cheap, and the first one through also sends the spool. */
                        usec_t wait = REPORT_RETRY_MIN_USEC
                                      << (rp->n_failures < 3 ? rp->n_failures : 3);
                        rp->n_failures++;
                        rp->next_due =
                                now + (wait < REPORT_RETRY_MAX_USEC ? wait : REPORT_RETRY_MAX_USEC);
                }
        }
        busy = rp->pending || rp->sending;
        pthread_mutex_unlock(&rp->lock);
        if (busy || build_report(p, &text, &len) < 0)
                return 0;
        bool changed = !rp->last_queued || strcmp(text, rp->last_queued) != 0;
        if (!changed && now < rp->next_due)
                return 0;
        char *copy = strdup(text);
        if (!copy)
                return 0;
        pthread_mutex_lock(&rp->lock);
        rp->pending = copy;
        pthread_cond_signal(&rp->wake);
        pthread_mutex_unlock(&rp->lock);
        free(rp->last_queued);
        rp->last_queued = TAKE_PTR(text);
        rp->next_due = now + POOL_REPORT_PERIOD_USEC;
        return 0;
}

/**
 * pool_start() - starts a member's reports once its HTTP server listens.
 * @p: the pool.
 * @http_port: the port bound, for the URL the master derives.
 * @tls: whether that port speaks TLS.
 * @ret_io: the timer for the loop to watch (fd -1 on a master).
 *
 * Return: 0 or -errno.
 */
int pool_start(Pool *p, uint16_t http_port, bool tls, RrddIo *ret_io) {
        Reporter *rp = &p->rep;
        sigset_t all, old;
        int r;

        *ret_io = (RrddIo){.fd = -1};
        p->http_port = http_port;
        p->tls = tls;
        if (p->role != POOL_ROLE_MEMBER)
                return 0;
        rp->timer_fd = timerfd_create(CLOCK_MONOTONIC, TFD_CLOEXEC | TFD_NONBLOCK);
        if (rp->timer_fd < 0)
                return -errno;
        struct itimerspec its = {
                .it_value = {.tv_nsec = 100 * 1000 * 1000}, /* the first report at once */
                .it_interval = {.tv_sec = POOL_REPORT_CHECK_MSEC / 1000,
                                .tv_nsec = (POOL_REPORT_CHECK_MSEC % 1000) * 1000000L},
        };
        if (timerfd_settime(rp->timer_fd, 0, &its, NULL) < 0)
                return -errno;
        sigfillset(&all);
        (void) pthread_sigmask(SIG_BLOCK, &all, &old);
        r = pthread_create(&rp->thread, NULL, reporter_main, p);
        (void) pthread_sigmask(SIG_SETMASK, &old, NULL);
        if (r != 0)
                return -r;
        rp->started = true;
        *ret_io = (RrddIo){.fd = rp->timer_fd, .run = reporter_run, .userdata = p};
        return 0;
}

/**
 * pool_reported() - whether a report ever reached the master.
 * @p: the pool.
 *
 * Return: true once the master accepted one.
 */
bool pool_reported(Pool *p) {
        pthread_mutex_lock(&p->rep.lock);
        bool ok = p->rep.ever_ok;
        pthread_mutex_unlock(&p->rep.lock);
        return ok;
}
