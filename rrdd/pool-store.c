/* SPDX-License-Identifier: MIT */
/*
 * Archives in a pool (see pool-store.h). save() and load() run on the archive worker (and on the
 * loop thread at start-up and shutdown); exists() on the loop thread; pool_store_put() and
 * pool_store_load_stored() on HTTP request threads; the spool flush on the reporter thread.
 * One mutex guards the small shared state: the master's lastupdate cache (held across a write,
 * so two writers of one uuid cannot both pass the newer-wins check), the member's load notes and
 * its spool directory.
 */

#include "rrdd/pool-store.h"

#include <dirent.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "persist/reader.h"
#include "persist/store.h"
#include "persist/writer.h"
#include "rrdd/hashmap.h"
#include "rrdd/log.h"

#define DOWN_USEC (5 * USEC_PER_SEC)        /* after a failed call, fail fast this long */
#define ABSENT_TTL_USEC (60 * USEC_PER_SEC) /* a "no archive" answer is trusted this long */
#define LOAD_ATTEMPTS 12                    /* failed loads (one per tick) before starting afresh */
#define NOTES_PRUNE_AT 256
#define NOTE_MAX_AGE_USEC (600 * USEC_PER_SEC)
#define SPOOL_FILE_MAX ((off_t) 1 << 30)
#define POOL_SPLIT_BASE_MAX 600

typedef struct LoadNote {
        usec_t when;
        unsigned n_failures;
        bool absent;
} LoadNote;

struct PoolStore {
        bool member;
        DirStore *data;
        PersistStore *spool; /* members: DATA_DIR/spool */
        int spool_fd;
        bool gzip;
        char host_uuid[64];
        HttpcUrl master;
        const PoolLink *link;
        RrddClock clock;
        pthread_t loop_thread;

        pthread_mutex_t lock;       /* small state: never held across I/O on a member */
        pthread_mutex_t spool_lock; /* members: the spool directory's files */
        Hashmap *lastup; /* master: uuid → int64_t * (lastupdate, µs) of the stored archive */
        Hashmap *notes;  /* member: uuid → LoadNote * */
        usec_t down_until;
        PoolStoreStats stats;
};

/* ---- talking to other hosts ---- */

/**
 * pool_link_init() - what requests to other hosts carry: the secret as a cookie, the CA file.
 * @l: the link.
 * @secret: the pool secret (at most 1024 bytes).
 * @ca_file: a PEM bundle to verify https peers with, or NULL/"" for the system's store.
 *
 * Return: 0, -EINVAL, -ENOMEM.
 */
int pool_link_init(PoolLink *l, const char *secret, const char *ca_file) {
        char esc[3 * 1024 + 1];
        *l = (PoolLink){};
        if (!secret || httpc_escape(secret, esc, sizeof(esc)) < 0)
                return -EINVAL;
        if (asprintf(&l->cookie, "pool_secret=%s", esc) < 0) {
                l->cookie = NULL;
                return -ENOMEM;
        }
        explicit_bzero(esc, sizeof(esc));
        if (ca_file && *ca_file && !(l->ca_file = strdup(ca_file))) {
                pool_link_done(l);
                return -ENOMEM;
        }
        return 0;
}

/**
 * pool_link_done() - wipes and frees a link.
 * @l: the link.
 */
void pool_link_done(PoolLink *l) {
        if (l->cookie) {
                explicit_bzero(l->cookie, strlen(l->cookie));
                free(l->cookie);
        }
        free(l->ca_file);
        *l = (PoolLink){};
}

/**
 * pool_link_request() - one host-to-host request carrying the pool secret.
 * @l: the secret and the CA file.
 * @method: "GET", "PUT", "POST".
 * @base: the host (and path prefix).
 * @target: path and query, from '/'.
 * @body: a body, or NULL.
 * @body_len: its length.
 * @timeout_ms: for the whole exchange.
 * @ret: the response (release with httpc_response_done()).
 *
 * Return: 0 when a response arrived, whatever its status; -errno otherwise.
 */
int pool_link_request(const PoolLink *l, const char *method, const HttpcUrl *base,
                      const char *target, const char *body, size_t body_len, unsigned timeout_ms,
                      HttpcResponse *ret) {
        HttpcRequest rq = {
                .method = method,
                .url = base,
                .target = target,
                .cookie = l->cookie,
                .content_type = body ? "application/xml" : NULL,
                .body = body,
                .body_len = body_len,
                .ca_file = l->ca_file,
                .timeout_ms = timeout_ms,
                .max_response = POOL_RESPONSE_MAX,
        };
        return httpc_request(&rq, ret);
}

/**
 * pool_split_url() - splits "http[s]://host[:port]/path?query" into a base and a target.
 * @url: an absolute URL (a Location header).
 * @ret_base: the scheme, host and port (no path prefix).
 * @ret_target: the path and query ("/" when there is none).
 * @size: bytes at @ret_target.
 *
 * Return: 0, or -EINVAL.
 */
int pool_split_url(const char *url, HttpcUrl *ret_base, char *ret_target, size_t size) {
        const char *host = strstr(url, "://");
        char base[POOL_SPLIT_BASE_MAX];
        const char *slash;
        size_t n;

        if (!host)
                return -EINVAL;
        slash = strchr(host + 3, '/');
        n = slash ? (size_t) (slash - url) : strlen(url);
        if (n >= sizeof(base) || strlen(slash ? slash : "/") >= size)
                return -EINVAL;
        memcpy(base, url, n);
        base[n] = '\0';
        if (strpbrk(base + (host - url) + 3, "?#"))
                return -EINVAL;
        for (const char *p = slash ? slash : ""; *p; p++)
                if ((unsigned char) *p <= ' ' || *p == 0x7f)
                        return -EINVAL;
        if (httpc_parse_url(base, ret_base) < 0)
                return -EINVAL;
        (void) snprintf(ret_target, size, "%s", slash ? slash : "/");
        return 0;
}

/* ---- shared helpers ---- */

static usec_t now_mono(PoolStore *s) {
        return clock_mono(&s->clock);
}

static bool on_loop_thread(PoolStore *s) {
        return pthread_equal(pthread_self(), s->loop_thread);
}

static int64_t lastup_usec(const Rrd *rrd) {
        return rrd_last_up(rrd) * (int64_t) USEC_PER_SEC + (int64_t) rrd_last_up_usec(rrd);
}

/* The archive as our own XML, in one buffer (the wire form: shortest exact numbers). */
static int serialize(const Rrd *rrd, char **ret, size_t *ret_len) {
        _cleanup_(persist_writer_freep) PersistWriter *w = NULL;
        size_t len = 0, cap = 64 * 1024;
        _cleanup_free_ char *buf = malloc(cap);
        int r;

        if (!buf)
                return -ENOMEM;
        r = persist_writer_new(&w, rrd, PERSIST_FORMAT_XML, PERSIST_WRITER_SHORTEST);
        if (r < 0)
                return r;
        for (;;) {
                if (cap - len < 16 * 1024) {
                        char *n = realloc(buf, cap * 2);
                        if (!n)
                                return -ENOMEM;
                        buf = n;
                        cap *= 2;
                }
                ssize_t k = persist_writer_read(w, buf + len, cap - len);
                if (k < 0)
                        return (int) k;
                if (k == 0)
                        break;
                len += (size_t) k;
        }
        *ret_len = len;
        *ret = TAKE_PTR(buf);
        return 0;
}

static int parse_rrd(const char *body, size_t len, const char *what, const char *uuid, Rrd **ret) {
        PersistError err = {};
        char msg[300];
        int r = persist_load_memory(body, len, NULL, ret, &err);
        if (r < 0 && r != -ENOMEM)
                log_warning("the RRD of %s from %s is unreadable: %s", uuid, what,
                            persist_error_to_string(&err, msg, sizeof(msg)));
        return r;
}

/* ---- master: data_dir, never back in time ---- */

static int cached_lastup(PoolStore *s, SrcOwnerKind kind, const char *uuid, int64_t *ret) {
        int64_t *v = hashmap_get(s->lastup, uuid);
        Rrd *old = NULL;
        int r;

        if (v) {
                *ret = *v;
                return 1;
        }
        /* Not seen since start-up: read what is stored (once; the cache remembers). */
        r = dir_store_ops.load(s->data, kind, uuid, &old);
        if (r == -ENOENT || r == -EBADMSG || r == -EINVAL || r == -E2BIG || r == -EFBIG)
                return 0; /* none, or unreadable (set aside by the dir store) */
        if (r < 0)
                return r;
        *ret = lastup_usec(old);
        rrd_destroy(old);
        return 1;
}

static int remember_lastup(PoolStore *s, const char *uuid, int64_t lu) {
        int64_t *v = hashmap_get(s->lastup, uuid);
        if (v) {
                *v = lu;
                return 0;
        }
        v = malloc(sizeof(*v));
        if (!v)
                return -ENOMEM;
        *v = lu;
        int r = hashmap_put(s->lastup, uuid, v);
        if (r < 0)
                free(v);
        return r;
}

static int master_save(PoolStore *s, SrcOwnerKind kind, const char *uuid, const Rrd *rrd) {
        int64_t lu = lastup_usec(rrd), stored = 0;
        int r;

        pthread_mutex_lock(&s->lock);
        r = cached_lastup(s, kind, uuid, &stored);
        if (r > 0 && stored > lu) {
                s->stats.n_superseded++;
                pthread_mutex_unlock(&s->lock);
                log_info("archive of %s not replaced: the stored one is newer (%lld > %lld)", uuid,
                         (long long) (stored / (int64_t) USEC_PER_SEC),
                         (long long) (lu / (int64_t) USEC_PER_SEC));
                return 1;
        }
        if (r >= 0)
                r = dir_store_ops.save(s->data, kind, uuid, rrd, 0);
        if (r >= 0)
                (void) remember_lastup(s, uuid, lu);
        pthread_mutex_unlock(&s->lock);
        return r;
}

/**
 * pool_store_put() - writes an archive a member sent, unless the stored one is newer.
 * @s: the master's store.
 * @uuid: whose (validated by the caller).
 * @rrd: the RRD (borrowed).
 *
 * Return: 0 written, 1 superseded, -errno (the previous archive is intact).
 */
int pool_store_put(PoolStore *s, const char *uuid, const Rrd *rrd) {
        if (s->member || !persist_uuid_is_valid(uuid))
                return -EINVAL;
        return master_save(s, SRC_OWNER_VM, uuid, rrd);
}

/* ---- member: the master over HTTP, a local spool ---- */

static bool master_is_down(PoolStore *s) {
        pthread_mutex_lock(&s->lock);
        bool down = now_mono(s) < s->down_until;
        pthread_mutex_unlock(&s->lock);
        return down;
}

static void note_master(PoolStore *s, bool answered) {
        pthread_mutex_lock(&s->lock);
        s->down_until = answered ? 0 : now_mono(s) + DOWN_USEC;
        pthread_mutex_unlock(&s->lock);
}

static int spool_save(PoolStore *s, const char *uuid, const Rrd *rrd) {
        pthread_mutex_lock(&s->spool_lock);
        int r = persist_store_save(s->spool, uuid, rrd, s->gzip ? PERSIST_STORE_GZIP : 0);
        pthread_mutex_unlock(&s->spool_lock);
        if (r >= 0) {
                pthread_mutex_lock(&s->lock);
                s->stats.n_spooled++;
                pthread_mutex_unlock(&s->lock);
        }
        return r;
}

static void spool_remove(PoolStore *s, const char *uuid) {
        pthread_mutex_lock(&s->spool_lock);
        (void) persist_store_remove(s->spool, uuid);
        pthread_mutex_unlock(&s->spool_lock);
}

/* PUT /rrd?uuid=U&archive=true&from=H. Return: 0 (taken or superseded), -errno. */
static int put_archive(PoolStore *s, const char *uuid, const char *body, size_t len,
                       unsigned timeout_ms) {
        HttpcResponse resp;
        char target[160];
        int r;

        if (master_is_down(s))
                return -EHOSTDOWN;
        (void) snprintf(target, sizeof(target), "/rrd?uuid=%s&archive=true&from=%s", uuid,
                        s->host_uuid);
        r = pool_link_request(s->link, "PUT", &s->master, target, body, len, timeout_ms, &resp);
        note_master(s, r == 0);
        if (r < 0)
                return r;
        int status = resp.status;
        httpc_response_done(&resp);
        pthread_mutex_lock(&s->lock);
        if (status == 200 || status == 409)
                s->stats.n_put_ok++;
        else
                s->stats.n_put_failed++;
        pthread_mutex_unlock(&s->lock);
        if (status == 200 || status == 409) /* 409: the master's copy is newer; ours is spent */
                return 0;
        log_ratelimited(LOG_WARNING, 0, 60 * USEC_PER_SEC, 3,
                        "the master refused the archive of %s: HTTP %d", uuid, status);
        return status == 401 ? -EACCES : status == 413 ? -EFBIG : -EPROTO;
}

static int member_save(PoolStore *s, SrcOwnerKind kind, const char *uuid, const Rrd *rrd,
                       bool final) {
        /* At shutdown nothing retries: wait longer for the master, and a spooled copy counts. */
        bool sync = final;
        _cleanup_free_ char *body = NULL;
        size_t len = 0;
        int r;

        if (kind == SRC_OWNER_HOST) {
                /* Our own copy too, for a start-up while the master is away. */
                r = dir_store_ops.save(s->data, kind, uuid, rrd, 0);
                if (r < 0)
                        log_warning_errno(r, "cannot keep a local copy of the host RRD: %m");
        }
        r = serialize(rrd, &body, &len);
        if (r < 0)
                return r;
        r = put_archive(s, uuid, body, len, sync ? POOL_SYNC_TIMEOUT_MS : POOL_TIMEOUT_MS);
        if (r == 0) {
                spool_remove(s, uuid); /* an older copy waiting there is spent too */
                return 0;
        }
        int k = spool_save(s, uuid, rrd);
        if (k < 0) {
                log_ratelimited(LOG_ERR, k, 60 * USEC_PER_SEC, 3,
                                "cannot spool the archive of %s %s either: %m",
                                src_owner_kind_to_string(kind), uuid);
                return r;
        }
        /* At shutdown the spool copy is the save; otherwise the daemon keeps it and retries. */
        return sync ? 0 : r;
}

static int fetch_one(PoolStore *s, const HttpcUrl *base, const char *target, unsigned timeout_ms,
                     const char *uuid, Rrd **ret, HttpcResponse *resp) {
        int r = pool_link_request(s->link, "GET", base, target, NULL, 0, timeout_ms, resp);
        if (r < 0)
                return r;
        if (resp->status == 200) {
                r = parse_rrd(resp->body, resp->body_len, base->host, uuid, ret);
                return r < 0 ? r : 200;
        }
        return resp->status;
}

/*
 * Asks the master for uuid, following one redirect to the member holding it; when that member
 * no longer has it, asks the master again for its own copy only.
 */
static int remote_fetch(PoolStore *s, const char *uuid, unsigned timeout_ms, Rrd **ret) {
        HttpcResponse resp = {};
        HttpcUrl holder;
        char target[256], next[2048];
        int r;

        if (master_is_down(s))
                return -EHOSTDOWN;
        (void) snprintf(target, sizeof(target), "/rrd?uuid=%s&from=%s", uuid, s->host_uuid);
        r = fetch_one(s, &s->master, target, timeout_ms, uuid, ret, &resp);
        note_master(s, r != -ECONNREFUSED && r != -ETIMEDOUT && r != -EHOSTUNREACH);
        if (r == 200 || r < 0 || r == 404) {
                httpc_response_done(&resp);
                return r == 200 ? 0 : r == 404 ? -ENOENT : r;
        }
        bool redirect = r == 307 || r == 302 || r == 303 || r == 301;
        bool split = redirect && pool_split_url(resp.location, &holder, next, sizeof(next)) == 0;
        httpc_response_done(&resp);
        if (!redirect) {
                log_ratelimited(LOG_WARNING, 0, 60 * USEC_PER_SEC, 3,
                                "the master answered HTTP %d for the RRD of %s", r, uuid);
                return r == 401 ? -EACCES : -EPROTO;
        }
        pthread_mutex_lock(&s->lock);
        s->stats.n_fetch_redirects++;
        pthread_mutex_unlock(&s->lock);
        if (split) {
                r = fetch_one(s, &holder, next, timeout_ms, uuid, ret, &resp);
                httpc_response_done(&resp);
                if (r == 200)
                        return 0;
                log_debug("%s: the member %s no longer has it (%d); asking the master again", uuid,
                          holder.host, r);
        }
        (void) snprintf(target, sizeof(target), "/rrd?uuid=%s&from=%s&no_redirect=true", uuid,
                        s->host_uuid);
        r = fetch_one(s, &s->master, target, timeout_ms, uuid, ret, &resp);
        httpc_response_done(&resp);
        if (r == 200)
                return 0;
        if (r == 404)
                return -ENOENT;
        return r < 0 ? r : -EPROTO;
}

static void note_load(PoolStore *s, const char *uuid, int result) {
        usec_t now = now_mono(s);
        LoadNote *n;

        pthread_mutex_lock(&s->lock);
        if (hashmap_size(s->notes) >= NOTES_PRUNE_AT) {
                /* Notes nobody came back for: their owners left again. */
                const char *stale[64];
                size_t i = 0, n_stale = 0;
                const char *k;
                void *v;
                while (n_stale < ELEMENTSOF(stale) && hashmap_iterate(s->notes, &i, &k, &v))
                        if (now - ((LoadNote *) v)->when > NOTE_MAX_AGE_USEC)
                                stale[n_stale++] = k;
                for (size_t j = 0; j < n_stale; j++)
                        free(hashmap_remove(s->notes, stale[j]));
        }
        n = hashmap_get(s->notes, uuid);
        if (result == 0) {
                free(hashmap_remove(s->notes, uuid));
                goto out;
        }
        if (!n) {
                n = calloc(1, sizeof(*n));
                if (!n || hashmap_put(s->notes, uuid, n) < 0) {
                        free(n);
                        goto out;
                }
        }
        n->when = now;
        if (result == -ENOENT)
                n->absent = true;
        else
                n->n_failures++;
out:
        pthread_mutex_unlock(&s->lock);
}

static int member_load(PoolStore *s, SrcOwnerKind kind, const char *uuid, Rrd **ret) {
        unsigned timeout = on_loop_thread(s) ? POOL_SYNC_TIMEOUT_MS : POOL_TIMEOUT_MS;
        _cleanup_(rrd_destroyp) Rrd *local = NULL, *remote = NULL;
        PersistError err = {};
        int rl, rr;

        rl = persist_store_load(s->spool, uuid, NULL, &local, &err);
        if (rl < 0 && rl != -ENOENT) {
                char msg[300];
                log_warning("spooled archive %s is unreadable: %s, ignoring", uuid,
                            persist_error_to_string(&err, msg, sizeof(msg)));
        }
        if (kind == SRC_OWNER_HOST) {
                /* The local copy of our own RRD, when newer than the spool's. */
                Rrd *mine = NULL;
                if (dir_store_ops.load(s->data, kind, uuid, &mine) == 0) {
                        if (!local || lastup_usec(mine) > lastup_usec(local)) {
                                rrd_destroy(local);
                                local = mine;
                                rl = 0;
                        } else
                                rrd_destroy(mine);
                }
        }
        rr = remote_fetch(s, uuid, timeout, &remote);
        pthread_mutex_lock(&s->lock);
        if (rr == 0)
                s->stats.n_fetch_remote++;
        else if (rr != -ENOENT)
                s->stats.n_fetch_failed++;
        pthread_mutex_unlock(&s->lock);
        if (rr < 0 && rr != -ENOENT)
                log_ratelimited(LOG_WARNING, rr, 60 * USEC_PER_SEC, 3,
                                "cannot ask the master for the RRD of %s %s: %m%s",
                                src_owner_kind_to_string(kind), uuid,
                                local ? "; using the spooled copy" : "");

        int result;
        if (local && (!remote || lastup_usec(local) > lastup_usec(remote)))
                *ret = TAKE_PTR(local), result = 0;
        else if (remote)
                *ret = TAKE_PTR(remote), result = 0;
        else
                result = rr == -ENOENT && (rl == -ENOENT || rl < 0) ? -ENOENT : rr;
        if (kind != SRC_OWNER_HOST)
                note_load(s, uuid, result);
        return result;
}

static int member_exists(PoolStore *s, SrcOwnerKind kind, const char *uuid) {
        usec_t now = now_mono(s);
        int r = 1; /* maybe: the load on the worker decides */

        if (kind == SRC_OWNER_HOST)
                return 0; /* asked at start-up already (rrdd_load_host()) */

        pthread_mutex_lock(&s->lock);
        LoadNote *n = hashmap_get(s->notes, uuid);
        if (n && n->absent && now - n->when < ABSENT_TTL_USEC) {
                free(hashmap_remove(s->notes, uuid));
                r = 0;
        } else if (n && n->n_failures >= LOAD_ATTEMPTS) {
                free(hashmap_remove(s->notes, uuid));
                log_warning("%s %s: the master has not answered %d times; starting a new RRD "
                            "(the master's archive stays until this one is archived)",
                            src_owner_kind_to_string(kind), uuid, LOAD_ATTEMPTS);
                r = 0;
        } else if (n && n->absent)
                free(hashmap_remove(s->notes, uuid)); /* too old to trust: ask again */
        pthread_mutex_unlock(&s->lock);
        return r;
}

/* One spooled file: read it, send it, remove it unless it was replaced meanwhile. */
static int flush_one(PoolStore *s, const char *name) {
        char uuid[PERSIST_UUID_LEN + 1];
        _cleanup_free_ char *data = NULL;
        struct stat st, st2;
        int r;

        memcpy(uuid, name, PERSIST_UUID_LEN);
        uuid[PERSIST_UUID_LEN] = '\0';
        pthread_mutex_lock(&s->spool_lock);
        _cleanup_close_ int fd = openat(s->spool_fd, name, O_RDONLY | O_CLOEXEC | O_NOCTTY);
        if (fd < 0 || fstat(fd, &st) < 0) {
                r = errno == ENOENT ? 0 : -errno;
                pthread_mutex_unlock(&s->spool_lock);
                return r;
        }
        if (!S_ISREG(st.st_mode) || st.st_size > SPOOL_FILE_MAX) {
                pthread_mutex_unlock(&s->spool_lock);
                return -EFBIG;
        }
        data = malloc((size_t) st.st_size + 1);
        ssize_t n = data ? pread(fd, data, (size_t) st.st_size, 0) : -1;
        pthread_mutex_unlock(&s->spool_lock);
        if (n != st.st_size)
                return data ? -EIO : -ENOMEM;

        r = put_archive(s, uuid, data, (size_t) n, POOL_TIMEOUT_MS);
        if (r < 0)
                return r;
        pthread_mutex_lock(&s->spool_lock);
        /* A newer copy spooled while this one travelled stays for the next flush. */
        if (fstatat(s->spool_fd, name, &st2, 0) == 0 && st2.st_ino == st.st_ino &&
            st2.st_mtim.tv_sec == st.st_mtim.tv_sec && st2.st_mtim.tv_nsec == st.st_mtim.tv_nsec)
                (void) unlinkat(s->spool_fd, name, 0);
        pthread_mutex_unlock(&s->spool_lock);
        pthread_mutex_lock(&s->lock);
        s->stats.n_spool_sent++;
        pthread_mutex_unlock(&s->lock);
        log_info("sent the spooled archive of %s to the master", uuid);
        return 1;
}

static bool is_spool_name(const char *n) {
        char uuid[PERSIST_UUID_LEN + 1];
        if (strlen(n) < PERSIST_UUID_LEN + 4)
                return false;
        memcpy(uuid, n, PERSIST_UUID_LEN);
        uuid[PERSIST_UUID_LEN] = '\0';
        return persist_uuid_is_valid(uuid) && (strcmp(n + PERSIST_UUID_LEN, ".xml") == 0 ||
                                               strcmp(n + PERSIST_UUID_LEN, ".xml.gz") == 0);
}

/* Calls f(s, name) for every spooled file. Return: sum of positive results, or the error. */
static int spool_walk(PoolStore *s, int (*f)(PoolStore *, const char *)) {
        int fd = openat(s->spool_fd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        struct dirent *e;
        int total = 0;
        DIR *d;

        if (fd < 0)
                return -errno;
        d = fdopendir(fd);
        if (!d) {
                int r = -errno;
                (void) close(fd);
                return r;
        }
        while ((e = readdir(d))) {
                if (!is_spool_name(e->d_name))
                        continue;
                int r = f(s, e->d_name);
                if (r < 0) {
                        (void) closedir(d);
                        return r;
                }
                total += r;
        }
        (void) closedir(d);
        return total;
}

/**
 * pool_store_master_answered() - the master answered another call: stop failing fast.
 * @s: a member's store.
 */
void pool_store_master_answered(PoolStore *s) {
        note_master(s, true);
}

/**
 * pool_store_flush_spool() - sends a member's spooled archives to the master.
 * @s: the store (a master's has no spool: 0).
 *
 * Each file taken by the master (or superseded there) is removed, unless a newer copy
 * replaced it meanwhile.
 *
 * Return: the number of files sent, or -errno at the first failure.
 */
int pool_store_flush_spool(PoolStore *s) {
        if (!s->member)
                return 0;
        return spool_walk(s, flush_one);
}

static int count_one(PoolStore *s, const char *name) {
        return 1;
}

/**
 * pool_store_spooled() - how many archives wait in a member's spool.
 * @s: the store.
 *
 * Return: the count (0 on a master or when the spool cannot be read).
 */
size_t pool_store_spooled(PoolStore *s) {
        int n = s->member ? spool_walk(s, count_one) : 0;
        return n > 0 ? (size_t) n : 0;
}

/**
 * pool_store_load_stored() - what this host has on disk for a uuid.
 * @s: the store.
 * @uuid: whose RRD.
 * @ret: the RRD.
 *
 * A master reads its data_dir, a member its spool; no network. Thread-safe.
 *
 * Return: 0, -ENOENT, -EINVAL for a bad uuid, -errno.
 */
int pool_store_load_stored(PoolStore *s, const char *uuid, Rrd **ret) {
        PersistError err = {};
        if (!persist_uuid_is_valid(uuid))
                return -EINVAL;
        if (s->member)
                return persist_store_load(s->spool, uuid, NULL, ret, &err);
        int r = dir_store_ops.load(s->data, SRC_OWNER_VM, uuid, ret);
        if (r == 0) {
                pthread_mutex_lock(&s->lock);
                (void) remember_lastup(s, uuid, lastup_usec(*ret));
                pthread_mutex_unlock(&s->lock);
        }
        return r;
}

/* ---- the ArchiveOps ---- */

static int ps_save(void *ctx, SrcOwnerKind kind, const char *uuid, const Rrd *rrd, unsigned flags) {
        PoolStore *s = ctx;
        if (s->member)
                return member_save(s, kind, uuid, rrd, flags & ARCHIVE_SAVE_FINAL);
        int r = master_save(s, kind, uuid, rrd);
        return r > 0 ? 0 : r; /* superseded: there is nothing left to keep */
}

static int ps_load(void *ctx, SrcOwnerKind kind, const char *uuid, Rrd **ret) {
        PoolStore *s = ctx;
        if (s->member)
                return member_load(s, kind, uuid, ret);
        int r = dir_store_ops.load(s->data, kind, uuid, ret);
        if (r == 0) {
                pthread_mutex_lock(&s->lock);
                (void) remember_lastup(s, uuid, lastup_usec(*ret));
                pthread_mutex_unlock(&s->lock);
        }
        return r;
}

static int ps_exists(void *ctx, SrcOwnerKind kind, const char *uuid) {
        PoolStore *s = ctx;
        if (s->member)
                return member_exists(s, kind, uuid);
        return dir_store_ops.exists(s->data, kind, uuid);
}

static int ps_save_state(void *ctx, const char *name, const char *text) {
        PoolStore *s = ctx;
        return dir_store_ops.save_state(s->data, name, text);
}

static int ps_load_state(void *ctx, const char *name, char **ret) {
        PoolStore *s = ctx;
        return dir_store_ops.load_state(s->data, name, ret);
}

const ArchiveOps pool_store_ops = {
        .save = ps_save,
        .load = ps_load,
        .exists = ps_exists,
        .save_state = ps_save_state,
        .load_state = ps_load_state,
};

/* ---- life cycle ---- */

/**
 * pool_store_new() - the archive store of a pool master or member.
 * @ret: the store.
 * @c: the settings; the pointers in it are borrowed and must outlive the store.
 *
 * Call it on the thread that runs the daemon's loop: saves made on that thread are the final
 * ones (shutdown) and count a spooled copy as saved. A member's spool directory is created.
 *
 * Return: 0, -EINVAL (bad master_url), -errno.
 */
int pool_store_new(PoolStore **ret, const PoolStoreConfig *c) {
        _cleanup_(pool_store_freep) PoolStore *s = calloc(1, sizeof(*s));
        char dir[4096];
        int r;

        if (!s)
                return -ENOMEM;
        s->spool_fd = -1;
        pthread_mutex_init(&s->lock, NULL);
        pthread_mutex_init(&s->spool_lock, NULL);
        s->member = c->member;
        s->data = c->data;
        s->gzip = c->gzip;
        s->link = c->link;
        s->clock = *c->clock;
        s->loop_thread = pthread_self();
        (void) snprintf(s->host_uuid, sizeof(s->host_uuid), "%s", c->host_uuid ? c->host_uuid : "");
        if ((r = hashmap_new(&s->lastup)) < 0 || (r = hashmap_new(&s->notes)) < 0)
                return r;
        if (s->member) {
                if (!c->master_url || httpc_parse_url(c->master_url, &s->master) < 0)
                        return -EINVAL;
                if ((size_t) snprintf(dir, sizeof(dir), "%s/spool", c->data_dir) >= sizeof(dir))
                        return -ENAMETOOLONG;
                if (mkdir(dir, 0750) < 0 && errno != EEXIST)
                        return -errno;
                r = persist_store_new(&s->spool, dir);
                if (r < 0)
                        return r;
                (void) persist_store_clean(s->spool);
                s->spool_fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
                if (s->spool_fd < 0)
                        return -errno;
        }
        *ret = TAKE_PTR(s);
        return 0;
}

static void free_values(Hashmap *h) {
        size_t i = 0;
        void *v;
        while (h && hashmap_iterate(h, &i, NULL, &v))
                free(v);
        hashmap_free(h);
}

/**
 * pool_store_free() - frees the store.
 * @s: the store, or NULL.
 *
 * Return: NULL.
 */
PoolStore *pool_store_free(PoolStore *s) {
        if (!s)
                return NULL;
        free_values(s->lastup);
        free_values(s->notes);
        persist_store_free(s->spool);
        if (s->spool_fd >= 0)
                (void) close(s->spool_fd);
        pthread_mutex_destroy(&s->lock);
        pthread_mutex_destroy(&s->spool_lock);
        free(s);
        return NULL;
}

/**
 * pool_store_stats() - counters since the store was made.
 * @s: the store.
 * @ret: the counters.
 */
void pool_store_stats(PoolStore *s, PoolStoreStats *ret) {
        pthread_mutex_lock(&s->lock);
        *ret = s->stats;
        pthread_mutex_unlock(&s->lock);
}
