/* SPDX-License-Identifier: MIT */
/*
 * The pool's archive stores. Master: an archive never goes back in time, across restarts too.
 * Member, against a scripted HTTP "master" in this process: what a save sends, what a refused or
 * failed save leaves (spool, and the result a worker or the shutdown sees), the spool sent once
 * the master answers, loads following a redirect to the member holding a VM and asking the
 * master again when that member no longer has it, the newer of spool and master winning, and
 * exists() answering "maybe" until a load said "none" (or failed often enough).
 */

#include <arpa/inet.h>
#include <math.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include "persist/reader.h"
#include "persist/writer.h"
#include "rrdd/pool-store.h"
#include "tests/fake-clock.h"
#include "tests/tap.h"

#define HOST "11111111-1111-4111-8111-000000000000"
#define X "00000000-0000-4000-8000-000000000001"
#define Y "00000000-0000-4000-8000-000000000002"
#define SECRET "the pool secret, 0123456789"

/* ---- an RRD last updated at t, its one value telling copies apart ---- */

static Rrd *make_rrd(int64_t t, double v) {
        RrdDsDef ds = {.name = "memory",
                       .type = RRD_DS_GAUGE,
                       .heartbeat_s = 300,
                       .min = (double) NAN,
                       .max = (double) NAN};
        RrdRraDef rra = {.cf = RRD_CF_AVERAGE, .xff = 0.5, .pdp_per_row = 1, .rows = 10};
        Rrd *r = NULL;
        if (rrd_new(&r, 5, t - 10, &ds, 1, &rra, 1) < 0)
                return NULL;
        RrdValue val = rrd_value_double(v);
        (void) rrd_update_at(r, t - 5, 0, &val);
        (void) rrd_update_at(r, t, 0, &val);
        return r;
}

static double last_value(const Rrd *r) {
        return r ? rrd_rra_value_back(r, 0, 0, 0) : (double) NAN;
}

static char *xml_of(const Rrd *r, size_t *len) {
        char *buf = malloc(1 << 20);
        size_t n = 0;
        PersistWriter *w = NULL;
        (void) persist_writer_new(&w, r, PERSIST_FORMAT_XML, 0);
        for (ssize_t k; w && (k = persist_writer_read(w, buf + n, (1 << 20) - n)) > 0;)
                n += (size_t) k;
        persist_writer_free(w);
        *len = n;
        return buf;
}

/* ---- a scripted HTTP server ---- */

#define LOG_MAX 64

typedef struct Answer {
        const char *prefix; /* of "METHOD target" */
        int status;
        const char *location; /* "%d" is replaced by the port */
        const Rrd *rrd;       /* body: this RRD as XML */
} Answer;

typedef struct Fake {
        int fd;
        uint16_t port;
        pthread_t thread;
        atomic_bool stop;
        pthread_mutex_t lock;
        Answer answers[8];
        size_t n_answers;
        char log[LOG_MAX][600]; /* "METHOD target" of each request */
        char cookies[LOG_MAX][128];
        char *bodies[LOG_MAX];
        size_t body_lens[LOG_MAX];
        size_t n_log;
} Fake;

static void fake_script(Fake *f, const Answer *a, size_t n) {
        pthread_mutex_lock(&f->lock);
        memcpy(f->answers, a, n * sizeof(*a));
        f->n_answers = n;
        for (size_t i = 0; i < f->n_log; i++)
                free(f->bodies[i]);
        f->n_log = 0;
        pthread_mutex_unlock(&f->lock);
}

static void serve_one(Fake *f, int c) {
        char buf[1 << 16] = "";
        size_t n = 0;
        char *end = NULL;

        while (n < sizeof(buf) - 1 && !(end = strstr(buf, "\r\n\r\n"))) {
                ssize_t k = recv(c, buf + n, sizeof(buf) - 1 - n, 0);
                if (k <= 0)
                        return;
                n += (size_t) k;
                buf[n] = 0;
        }
        if (!end)
                return;
        size_t head = (size_t) (end - buf) + 4, clen = 0;
        const char *cl = strcasestr(buf, "\r\nContent-Length:");
        if (cl)
                clen = strtoul(cl + 17, NULL, 10);
        char *body = malloc(clen + 1);
        size_t have = n - head < clen ? n - head : clen;
        memcpy(body, buf + head, have);
        while (have < clen) {
                ssize_t k = recv(c, body + have, clen - have, 0);
                if (k <= 0)
                        break;
                have += (size_t) k;
        }
        body[have] = 0;
        char line[600], method[8] = "", target[590] = "";
        (void) sscanf(buf, "%7s %589s", method, target);
        (void) snprintf(line, sizeof(line), "%s %s", method, target);
        const char *ck = strcasestr(buf, "\r\nCookie: ");

        pthread_mutex_lock(&f->lock);
        const Answer *a = NULL;
        for (size_t i = 0; i < f->n_answers && !a; i++)
                if (strncmp(line, f->answers[i].prefix, strlen(f->answers[i].prefix)) == 0)
                        a = &f->answers[i];
        if (f->n_log < LOG_MAX) {
                (void) snprintf(f->log[f->n_log], sizeof(f->log[0]), "%s", line);
                (void) snprintf(f->cookies[f->n_log], sizeof(f->cookies[0]), "%.*s",
                                ck ? (int) strcspn(ck + 10, "\r") : 0, ck ? ck + 10 : "");
                f->bodies[f->n_log] = body;
                f->body_lens[f->n_log] = have;
                f->n_log++;
                body = NULL;
        }
        int status = a ? a->status : 404;
        char loc[300] = "";
        if (a && a->location) {
                /* "%d" in the script stands for our port. */
                const char *d = strstr(a->location, "%d");
                if (d)
                        (void) snprintf(loc, sizeof(loc), "%.*s%u%s", (int) (d - a->location),
                                        a->location, f->port, d + 2);
                else
                        (void) snprintf(loc, sizeof(loc), "%s", a->location);
        }
        size_t out_len = 0;
        char *out = a && a->rrd ? xml_of(a->rrd, &out_len) : NULL;
        pthread_mutex_unlock(&f->lock);
        free(body);

        char resp[1024];
        int k = snprintf(resp, sizeof(resp),
                         "HTTP/1.1 %d X\r\nContent-Length: %zu\r\n%s%s%sConnection: close\r\n\r\n",
                         status, out_len, loc[0] ? "Location: " : "", loc, loc[0] ? "\r\n" : "");
        (void) !send(c, resp, (size_t) k, MSG_NOSIGNAL);
        if (out)
                (void) !send(c, out, out_len, MSG_NOSIGNAL);
        free(out);
}

static void *fake_main(void *arg) {
        Fake *f = arg;
        while (!atomic_load(&f->stop)) {
                struct pollfd p = {.fd = f->fd, .events = POLLIN};
                if (poll(&p, 1, 50) <= 0)
                        continue;
                int c = accept(f->fd, NULL, NULL);
                if (c < 0)
                        continue;
                serve_one(f, c);
                close(c);
        }
        return NULL;
}

static void fake_start(Fake *f) {
        struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
        socklen_t len = sizeof(a);
        int one = 1;

        pthread_mutex_init(&f->lock, NULL);
        f->fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
        (void) setsockopt(f->fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
        if (f->port)
                a.sin_port = htons(f->port);
        (void) bind(f->fd, (struct sockaddr *) &a, sizeof(a));
        (void) listen(f->fd, 16);
        (void) getsockname(f->fd, (struct sockaddr *) &a, &len);
        f->port = ntohs(a.sin_port);
        atomic_store(&f->stop, false);
        (void) pthread_create(&f->thread, NULL, fake_main, f);
}

static void fake_stop(Fake *f) {
        atomic_store(&f->stop, true);
        pthread_join(f->thread, NULL);
        close(f->fd);
}

static void fake_done(Fake *f) {
        for (size_t i = 0; i < f->n_log; i++)
                free(f->bodies[i]);
        pthread_mutex_destroy(&f->lock);
}

/* ---- helpers ---- */

static char root[] = "/tmp/test-pool-store-XXXXXX";
static FakeClock fclock;

static DirStore *data_store(const char *name) {
        char dir[256];
        DirStore *d = NULL;
        (void) snprintf(dir, sizeof(dir), "%s/%s", root, name);
        (void) mkdir(dir, 0755);
        (void) dir_store_new(&d, dir, false);
        return d;
}

static bool exists_file(const char *name, const char *sub) {
        char path[512];
        (void) snprintf(path, sizeof(path), "%s/%s/%s.xml", root, sub, name);
        return access(path, F_OK) == 0;
}

typedef struct SaveCall {
        PoolStore *s;
        SrcOwnerKind kind;
        const char *uuid;
        const Rrd *rrd;
        int result;
} SaveCall;

static void *save_thread(void *arg) {
        SaveCall *c = arg;
        c->result = pool_store_ops.save(c->s, c->kind, c->uuid, c->rrd, 0);
        return NULL;
}

/* A save as the archive worker does it: on another thread than the one that made the store. */
static int save_on_worker(PoolStore *s, const char *uuid, const Rrd *rrd) {
        SaveCall c = {.s = s, .kind = SRC_OWNER_VM, .uuid = uuid, .rrd = rrd};
        pthread_t t;
        pthread_create(&t, NULL, save_thread, &c);
        pthread_join(t, NULL);
        return c.result;
}

/* ---- master ---- */

static void test_master(void) {
        DirStore *data = data_store("master");
        PoolLink link;
        PoolStore *s = NULL;
        Rrd *r100 = make_rrd(1000000100, 1), *r200 = make_rrd(1000000200, 2);
        Rrd *r200b = make_rrd(1000000200, 3), *back = NULL;
        char dir[256];

        (void) snprintf(dir, sizeof(dir), "%s/master", root);
        CHECK(pool_link_init(&link, SECRET, NULL) == 0);
        PoolStoreConfig c = {.data = data, .data_dir = dir, .link = &link, .clock = &fclock.clock};
        CHECK(pool_store_new(&s, &c) == 0);
        CHECK(pool_store_put(s, X, r200) == 0);
        CHECK(pool_store_put(s, X, r100) == 1); /* older: superseded, nothing written */
        CHECK(pool_store_load_stored(s, X, &back) == 0 && last_value(back) == 2);
        back = rrd_destroy(back);
        CHECK(pool_store_put(s, X, r200b) == 0); /* as new: the later copy wins a tie */
        CHECK(pool_store_load_stored(s, X, &back) == 0 && last_value(back) == 3);
        back = rrd_destroy(back);
        /* The daemon's own saves follow the same rule, and see "superseded" as done. */
        CHECK(pool_store_ops.save(s, SRC_OWNER_VM, X, r100, ARCHIVE_SAVE_FINAL) == 0);
        CHECK(pool_store_load_stored(s, X, &back) == 0 && last_value(back) == 3);
        back = rrd_destroy(back);
        PoolStoreStats st;
        pool_store_stats(s, &st);
        CHECK(st.n_superseded == 2);
        pool_store_free(s);

        /* After a restart the rule holds from what is on disk. */
        CHECK(pool_store_new(&s, &c) == 0);
        CHECK(pool_store_put(s, X, r100) == 1);
        CHECK(pool_store_ops.exists(s, SRC_OWNER_VM, X) == 1);
        CHECK(pool_store_ops.exists(s, SRC_OWNER_VM, Y) == 0);
        CHECK(pool_store_load_stored(s, Y, &back) == -ENOENT);
        CHECK(pool_store_put(s, "../etc/passwd-0000-4000-8000-00000000", r100) == -EINVAL);
        pool_store_free(s);
        pool_link_done(&link);
        dir_store_free(data);
        rrd_destroy(r100);
        rrd_destroy(r200);
        rrd_destroy(r200b);
}

/* ---- member ---- */

static PoolStore *member_store(Fake *f, DirStore *data, PoolLink *link) {
        char dir[256], url[128];
        PoolStore *s = NULL;
        (void) snprintf(dir, sizeof(dir), "%s/member", root);
        (void) snprintf(url, sizeof(url), "http://127.0.0.1:%u", f->port);
        PoolStoreConfig c = {.member = true,
                             .data = data,
                             .data_dir = dir,
                             .host_uuid = HOST,
                             .master_url = url,
                             .link = link,
                             .clock = &fclock.clock};
        return pool_store_new(&s, &c) == 0 ? s : NULL;
}

static void test_member_save(Fake *f, PoolStore *s) {
        Rrd *r = make_rrd(1000000300, 7), *back = NULL;
        PersistError err;

        Answer ok[] = {{"PUT /rrd?", 200}};
        fake_script(f, ok, 1);
        CHECK(save_on_worker(s, X, r) == 0);
        CHECK(f->n_log == 1);
        CHECK(strcmp(f->log[0], "PUT /rrd?uuid=" X "&archive=true&from=" HOST) == 0);
        CHECKF(strcmp(f->cookies[0], "pool_secret=the%20pool%20secret%2C%200123456789") == 0,
               "cookie %s", f->cookies[0]);
        CHECK(persist_load_memory(f->bodies[0], f->body_lens[0], NULL, &back, &err) == 0);
        CHECK(back && rrd_last_up(back) == 1000000300 && last_value(back) == 7);
        back = rrd_destroy(back);
        CHECK(!exists_file(X, "member/spool"));

        /* The master refuses: the worker sees a failure (the daemon keeps it), a copy waits. */
        Answer refuse[] = {{"PUT /rrd?", 500}};
        fake_script(f, refuse, 1);
        CHECK(save_on_worker(s, X, r) < 0);
        CHECK(exists_file(X, "member/spool"));
        /* At shutdown the spooled copy counts as saved. */
        fake_clock_advance(&fclock, 10 * USEC_PER_SEC);
        CHECK(pool_store_ops.save(s, SRC_OWNER_VM, Y, r, ARCHIVE_SAVE_FINAL) == 0);
        CHECK(exists_file(Y, "member/spool"));
        CHECK(pool_store_spooled(s) == 2);

        /* 409: the master has a newer one; ours is spent, the spool copy too. */
        Answer newer[] = {{"PUT /rrd?", 409}};
        fake_script(f, newer, 1);
        fake_clock_advance(&fclock, 10 * USEC_PER_SEC);
        CHECK(save_on_worker(s, X, r) == 0);
        CHECK(!exists_file(X, "member/spool"));

        /* The master answers again: the spool goes to it and is emptied. */
        fake_script(f, ok, 1);
        CHECK(pool_store_flush_spool(s) == 1);
        CHECK(f->n_log == 1 && strncmp(f->log[0], "PUT /rrd?uuid=" Y "&archive=true", 45) == 0);
        CHECK(pool_store_spooled(s) == 0);
        rrd_destroy(r);
}

static void test_member_master_down(Fake *f, PoolStore *s) {
        Rrd *r = make_rrd(1000000400, 8), *back = NULL;

        fake_stop(f); /* connections are now refused */
        fake_clock_advance(&fclock, 10 * USEC_PER_SEC);
        CHECK(save_on_worker(s, X, r) == -ECONNREFUSED);
        CHECK(exists_file(X, "member/spool"));
        /* Within a few seconds of a failure, calls fail at once without trying. */
        CHECK(save_on_worker(s, X, r) == -EHOSTDOWN);
        /* A load then takes the spooled copy. */
        fake_clock_advance(&fclock, 10 * USEC_PER_SEC);
        CHECK(pool_store_ops.load(s, SRC_OWNER_VM, X, &back) == 0 && last_value(back) == 8);
        back = rrd_destroy(back);
        /* Without a copy, a load fails: exists() says "maybe" for a while, then gives up. */
        int maybe = 0;
        for (int i = 0; i < 20; i++) {
                int e = pool_store_ops.exists(s, SRC_OWNER_VM, Y);
                if (e == 0)
                        break;
                maybe++;
                fake_clock_advance(&fclock, 5 * USEC_PER_SEC);
                CHECK(pool_store_ops.load(s, SRC_OWNER_VM, Y, &back) < 0);
        }
        CHECKF(maybe == 12, "exists() said maybe %d times", maybe);
        fake_start(f);
        rrd_destroy(r);
}

static void test_member_load(Fake *f, PoolStore *s) {
        Rrd *held = make_rrd(1000000500, 5), *stored = make_rrd(1000000450, 4), *back = NULL;

        fake_clock_advance(&fclock, 10 * USEC_PER_SEC);
        /* The master redirects to the member holding Y, which answers. */
        Answer a1[] = {{"GET /rrd?uuid=" Y "&from=" HOST, 307,
                        "http://127.0.0.1:%d/holder/rrd?uuid=" Y "&no_redirect=true"},
                       {"GET /holder/rrd?uuid=" Y, 200, NULL, held}};
        fake_script(f, a1, 2);
        CHECK(pool_store_ops.exists(s, SRC_OWNER_VM, Y) == 1);
        CHECK(pool_store_ops.load(s, SRC_OWNER_VM, Y, &back) == 0 && last_value(back) == 5);
        back = rrd_destroy(back);
        CHECK(f->n_log == 2 && strncmp(f->log[1], "GET /holder/rrd?uuid=" Y, 57) == 0);

        /* The holder no longer has it: the master is asked for its own copy. */
        Answer a2[] = {{"GET /rrd?uuid=" Y "&from=" HOST "&no_redirect=true", 200, NULL, stored},
                       {"GET /rrd?uuid=" Y, 307,
                        "http://127.0.0.1:%d/holder/rrd?uuid=" Y "&no_redirect=true"},
                       {"GET /holder/", 404}};
        fake_script(f, a2, 3);
        CHECK(pool_store_ops.load(s, SRC_OWNER_VM, Y, &back) == 0 && last_value(back) == 4);
        back = rrd_destroy(back);
        CHECK(f->n_log == 3);
        CHECK(strstr(f->log[2], "no_redirect=true") != NULL);

        /* Nobody has it: a new RRD (exists() says no once, then asks again). */
        Answer none[] = {{"GET /rrd?", 404}};
        fake_script(f, none, 1);
        CHECK(pool_store_ops.load(s, SRC_OWNER_VM, Y, &back) == -ENOENT);
        CHECK(pool_store_ops.exists(s, SRC_OWNER_VM, Y) == 0);
        CHECK(pool_store_ops.exists(s, SRC_OWNER_VM, Y) == 1);

        /* A spooled copy and the master's: the newer wins, either way round. */
        Rrd *newer = make_rrd(1000000900, 9);
        Answer refuse[] = {{"PUT /rrd?", 503}};
        fake_script(f, refuse, 1);
        CHECK(save_on_worker(s, Y, newer) < 0); /* spooled */
        Answer master_old[] = {{"GET /rrd?", 200, NULL, stored}};
        fake_script(f, master_old, 1);
        CHECK(pool_store_ops.load(s, SRC_OWNER_VM, Y, &back) == 0 && last_value(back) == 9);
        back = rrd_destroy(back);
        Answer master_new[] = {{"GET /rrd?", 200, NULL, held}};
        Rrd *old = make_rrd(1000000100, 1);
        fake_clock_advance(&fclock, 10 * USEC_PER_SEC);
        fake_script(f, refuse, 1);
        CHECK(save_on_worker(s, X, old) < 0);
        fake_script(f, master_new, 1);
        CHECK(pool_store_ops.load(s, SRC_OWNER_VM, X, &back) == 0 && last_value(back) == 5);
        back = rrd_destroy(back);

        /* A master answering garbage is a failed load, not a crash or an empty RRD. */
        Answer garbage[] = {{"GET /rrd?", 302, "not a url"}};
        fake_script(f, garbage, 1);
        CHECK(pool_store_ops.load(s, SRC_OWNER_VM, "00000000-0000-4000-8000-000000000003", &back) <
              0);
        CHECK(back == NULL);
        rrd_destroy(held);
        rrd_destroy(stored);
        rrd_destroy(newer);
        rrd_destroy(old);
}

static void test_member_host(Fake *f, PoolStore *s) {
        Rrd *mine = make_rrd(1000000600, 6), *back = NULL;

        fake_clock_advance(&fclock, 10 * USEC_PER_SEC);
        Answer ok[] = {{"PUT /rrd?", 200}};
        fake_script(f, ok, 1);
        /* The host RRD goes to the master and stays here too, for a start without it. */
        CHECK(pool_store_ops.save(s, SRC_OWNER_HOST, HOST, mine, ARCHIVE_SAVE_FINAL) == 0);
        CHECK(exists_file(HOST, "member"));
        CHECK(pool_store_ops.exists(s, SRC_OWNER_HOST, HOST) == 0);
        fake_stop(f);
        CHECK(pool_store_ops.load(s, SRC_OWNER_HOST, HOST, &back) == 0 && last_value(back) == 6);
        back = rrd_destroy(back);
        fake_start(f);
        rrd_destroy(mine);
}

static void test_split_url(void) {
        HttpcUrl u;
        char t[64];
        CHECK(pool_split_url("http://h:81/rrd?uuid=x", &u, t, sizeof(t)) == 0 && u.port == 81 &&
              strcmp(u.host, "h") == 0 && strcmp(t, "/rrd?uuid=x") == 0);
        CHECK(pool_split_url("https://[::1]", &u, t, sizeof(t)) == 0 && u.tls &&
              strcmp(t, "/") == 0);
        CHECK(pool_split_url("/rrd?uuid=x", &u, t, sizeof(t)) == -EINVAL);
        CHECK(pool_split_url("http://h/a b", &u, t, sizeof(t)) == -EINVAL);
        CHECK(pool_split_url("http://h?x/y", &u, t, sizeof(t)) == -EINVAL);
        CHECK(pool_split_url("http://h/0123456789012345678901234567890123456789012345678901234567"
                             "890123456789",
                             &u, t, sizeof(t)) == -EINVAL); /* longer than t */
}

int main(void) {
        Fake f = {0};
        PoolLink link;
        char cmd[300];

        if (!mkdtemp(root))
                return 1;
        fake_clock_init(&fclock, (usec_t) 1000000000 * USEC_PER_SEC);
        test_master();

        fake_start(&f);
        DirStore *data = data_store("member");
        CHECK(pool_link_init(&link, SECRET, NULL) == 0);
        PoolStore *s = member_store(&f, data, &link);
        CHECK(s != NULL);
        if (s) {
                test_member_save(&f, s);
                test_member_master_down(&f, s);
                test_member_load(&f, s);
                test_member_host(&f, s);
                pool_store_free(s);
        }
        test_split_url();
        fake_stop(&f);
        fake_done(&f);
        pool_link_done(&link);
        dir_store_free(data);
        (void) snprintf(cmd, sizeof(cmd), "rm -rf '%s'", root);
        CHECK(system(cmd) == 0);
        return TAP_DONE();
}
