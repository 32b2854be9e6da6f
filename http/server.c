/* SPDX-License-Identifier: MIT */
/*
 * libmicrohttpd inside the daemon's epoll loop (MHD_USE_EPOLL without a thread of its own): the
 * daemon polls MHD's epoll fd and calls http_server_run(). Routing, the authentication gate,
 * error answers, and the glue that streams /rrd_updates and dumps through content-reader
 * callbacks from snapshots taken when each request arrived.
 */

#include "http/server.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <limits.h>
#include <microhttpd.h>
#include <netinet/in.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>

#include "http/auth.h"
#include "http/buf.h"
#include "http/dump.h"
#include "http/metrics.h"
#include "http/negotiate.h"
#include "http/query.h"
#include "http/session.h"
#include "http/xport-merge.h"
#include "http/xport.h"
#include "persist/reader.h"
#include "rrdd/clock.h"
#include "rrdd/log.h"

#define STREAM_BLOCK_BYTES (64 * 1024) /* produced per content-reader call */
/*
 * Request line and headers must fit in about half of this (500 vm_uuid parameters do). MHD
 * clears the whole pool for every request, so more costs every small request time.
 */
#define CONNECTION_MEMORY_BYTES (64 * 1024)
#define PEM_FILE_MAX (1024 * 1024)
#define SMALL_ANSWER_BYTES (256 * 1024)        /* answers up to this are written at once */
#define SNAPSHOTS_BYTES_MAX ((size_t) 2 << 30) /* answers being streamed, all together */
#define REALM "rrdd"
#define POOL_REF "OpaqueRef:rrdd-pool"
#define API_VERSION_MAJOR "2" /* XenAPI 2.21 (XenServer 8), as the version calls report */
#define API_VERSION_MINOR "21"
#define DEFERRED_MAX 64             /* requests answered off the loop thread at once */
#define POOL_FETCH_TIMEOUT_MS 10000 /* per member, for pool=true */
#define POOL_FETCH_THREADS 16       /* members asked at once */
#define MISSING_HEADER "X-Rrdd-Missing-Hosts"

typedef struct Deferred Deferred;

struct HttpServer {
        struct MHD_Daemon *mhd;
        HttpBackend backend;
        HttpAuth *auth;
        HttpSessions *sessions;
        HttpRpcTable *rpc;
        char *users_file;
        char *pool_secret;
        size_t pool_secret_len;
        char *tls_cert_pem;
        char *tls_key_pem;
        bool metrics_auth;
        uint64_t request_size_max;
        unsigned max_connections;
        int listen_fd;
        uint16_t port;
        size_t snapshot_bytes; /* held by answers being streamed */
        uint64_t requests_by_code[HTTP_STATUS_CODES];
        Deferred *deferred; /* requests whose work runs on a thread of its own */
        unsigned n_deferred;
        /*
         * What the loop watches: MHD's epoll fd and wake_fd, which a deferred request's thread
         * writes once it resumed its connection (MHD's own wake-up is not seen from outside).
         */
        int epoll_fd;
        int wake_fd;
};

/* ---- routing ---- */

typedef enum Route {
        ROUTE_NONE,
        ROUTE_RRD_UPDATES,
        ROUTE_HOST_RRD,
        ROUTE_VM_RRD,
        ROUTE_SR_RRD,
        ROUTE_METRICS,
        ROUTE_RPC,
        ROUTE_RRD,         /* GET/PUT /rrd: host to host, pool secret only */
        ROUTE_POOL_REPORT, /* POST /pool/report: member to master, pool secret only */
} Route;

static Route route_of(const char *path, size_t len) {
        static const struct {
                const char *path;
                Route route;
        } table[] = {
                {"/rrd_updates", ROUTE_RRD_UPDATES},
                {"/host_rrd", ROUTE_HOST_RRD},
                {"/host_rrds", ROUTE_HOST_RRD}, /* XenCenter's plural aliases */
                {"/vm_rrd", ROUTE_VM_RRD},
                {"/vm_rrds", ROUTE_VM_RRD},
                {"/sr_rrd", ROUTE_SR_RRD},
                {"/metrics", ROUTE_METRICS},
                {"/", ROUTE_RPC},
                {"/RPC2", ROUTE_RPC},
                {"/rrd", ROUTE_RRD},
                {"/pool/report", ROUTE_POOL_REPORT},
        };
        for (size_t i = 0; i < ELEMENTSOF(table); i++)
                if (strlen(table[i].path) == len && memcmp(table[i].path, path, len) == 0)
                        return table[i].route;
        return ROUTE_NONE;
}

/*
 * Per connection, reused by each of its requests: MHD does not report the end of a request it
 * refused before the handler ran (a request line too long, say), but it always reports the
 * end of a connection, so that is where the memory goes.
 */
typedef struct Request {
        HttpServer *server;
        char *uri;         /* as received: path and raw query */
        Route route;       /* decided on the first call */
        const char *query; /* the raw query, inside uri */
        bool started;
        bool answered;
        bool too_large;
        bool wants_body;    /* XML-RPC, PUT /rrd, POST /pool/report */
        Deferred *deferred; /* being answered off the loop thread (connection suspended) */
        HttpBuf body;
} Request;

/* ---- small helpers ---- */

static usec_t now_mono(void) {
        return clock_now(CLOCK_MONOTONIC);
}

static int64_t now_real_s(void) {
        return (int64_t) (clock_now(CLOCK_REALTIME) / USEC_PER_SEC);
}

static void count_status(HttpServer *s, unsigned status) {
        if (status < HTTP_STATUS_CODES)
                s->requests_by_code[status]++;
}

static enum MHD_Result queue(Request *rq, struct MHD_Connection *c, unsigned status,
                             struct MHD_Response *resp) {
        if (!resp)
                return MHD_NO;
        (void) MHD_add_response_header(resp, "Cache-Control", "no-cache, no-store");
        enum MHD_Result r = MHD_queue_response(c, status, resp);
        MHD_destroy_response(resp);
        rq->answered = true;
        count_status(rq->server, status);
        return r;
}

static struct MHD_Response *buffer_response(char *data, size_t len, const char *type) {
        struct MHD_Response *resp =
                MHD_create_response_from_buffer(len, data, MHD_RESPMEM_MUST_FREE);
        if (!resp) {
                free(data);
                return NULL;
        }
        if (type)
                (void) MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE, type);
        return resp;
}

/* A one-line plain-text answer: "reason\n". */
static enum MHD_Result answer_text(Request *rq, struct MHD_Connection *c, unsigned status,
                                   const char *reason) {
        char *text = NULL;
        int n = asprintf(&text, "%s\n", reason);
        if (n < 0)
                return MHD_NO;
        struct MHD_Response *resp = buffer_response(text, (size_t) n, "text/plain; charset=utf-8");
        if (!resp)
                return MHD_NO;
        if (status == MHD_HTTP_UNAUTHORIZED)
                (void) MHD_add_response_header(resp, MHD_HTTP_HEADER_WWW_AUTHENTICATE,
                                               "Basic realm=\"" REALM "\"");
        return queue(rq, c, status, resp);
}

static enum MHD_Result answer_method(Request *rq, struct MHD_Connection *c, const char *allow) {
        char *text = NULL;
        int n = asprintf(&text, "method not allowed here; use %s\n", allow);
        if (n < 0)
                return MHD_NO;
        struct MHD_Response *resp = buffer_response(text, (size_t) n, "text/plain; charset=utf-8");
        if (!resp)
                return MHD_NO;
        (void) MHD_add_response_header(resp, MHD_HTTP_HEADER_ALLOW, allow);
        return queue(rq, c, MHD_HTTP_METHOD_NOT_ALLOWED, resp);
}

static const char *header(struct MHD_Connection *c, const char *name) {
        return MHD_lookup_connection_value(c, MHD_HEADER_KIND, name);
}

/* ---- authentication ---- */

typedef struct Credentials {
        bool ok;
        const char *user; /* for sessions and Basic; valid during the request */
        char *basic_user; /* owned */
} Credentials;

static void credentials_done(Credentials *cr) {
        free(cr->basic_user);
}

/* A cookie or query value, percent-decoded into a malloc'd string; NULL if absent. */
static char *credential_value(struct MHD_Connection *c, const HttpQuery *q, const char *name,
                              size_t *ret_len) {
        const char *cookie = MHD_lookup_connection_value(c, MHD_COOKIE_KIND, name);
        if (cookie) {
                size_t n = strlen(cookie);
                char *out = malloc(n + 1);
                if (!out)
                        return NULL;
                *ret_len = http_percent_decode(out, cookie, n);
                out[*ret_len] = 0;
                return out;
        }
        const HttpQueryParam *p = http_query_get(q, name);
        if (!p)
                return NULL;
        char *out = malloc(p->value_len + 1);
        if (!out)
                return NULL;
        memcpy(out, p->value, p->value_len + 1);
        *ret_len = p->value_len;
        return out;
}

static void authenticate(HttpServer *s, struct MHD_Connection *c, const HttpQuery *q,
                         Credentials *ret) {
        size_t len = 0;

        *ret = (Credentials){0};
        if (s->pool_secret_len > 0) {
                _cleanup_free_ char *v = credential_value(c, q, "pool_secret", &len);
                if (v && http_memeq_ct(v, len, s->pool_secret, s->pool_secret_len)) {
                        ret->ok = true;
                        return;
                }
        }
        _cleanup_free_ char *sid = credential_value(c, q, "session_id", &len);
        if (sid) {
                const char *user = http_sessions_check(s->sessions, sid, len, now_mono());
                if (user) {
                        ret->ok = true;
                        ret->user = user;
                        return;
                }
        }
        const char *authz = header(c, MHD_HTTP_HEADER_AUTHORIZATION);
        if (authz) {
                _cleanup_free_ char *user = NULL, *password = NULL;
                if (http_basic_parse(authz, &user, &password) == 0) {
                        bool ok = http_auth_check_password(s->auth, user, password, now_mono());
                        explicit_bzero(password, strlen(password));
                        if (ok) {
                                ret->ok = true;
                                ret->basic_user = TAKE_PTR(user);
                                ret->user = ret->basic_user;
                        }
                }
        }
}

/* ---- streamed answers ---- */

typedef struct Stream {
        HttpServer *server;
        size_t bytes; /* counted in server->snapshot_bytes */
        HttpXport *xport;
        HttpDump *dump;
} Stream;

static ssize_t stream_read(void *cls, uint64_t pos, char *buf, size_t max) {
        Stream *st = cls;

        if (st->xport) {
                size_t n = http_xport_read(st->xport, buf, max);
                return n > 0 ? (ssize_t) n : MHD_CONTENT_READER_END_OF_STREAM;
        }
        ssize_t n = http_dump_read(st->dump, buf, max);
        if (n < 0)
                return MHD_CONTENT_READER_END_WITH_ERROR;
        return n > 0 ? n : MHD_CONTENT_READER_END_OF_STREAM;
}

static void stream_free(void *cls) {
        Stream *st = cls;

        st->server->snapshot_bytes -= st->bytes;
        http_xport_free(st->xport);
        http_dump_free(st->dump);
        free(st);
}

/* What xcp-rrdd sends with data, for browser-based clients. */
static void add_data_headers(struct MHD_Response *resp) {
        (void) MHD_add_response_header(resp, "Access-Control-Allow-Origin", "*");
        (void) MHD_add_response_header(resp, "Access-Control-Allow-Headers", "X-Requested-With");
}

static enum MHD_Result answer_stream(Request *rq, struct MHD_Connection *c, Stream *st,
                                     HttpFormat fmt) {
        st->server = rq->server;
        rq->server->snapshot_bytes += st->bytes;
        struct MHD_Response *resp = MHD_create_response_from_callback(
                MHD_SIZE_UNKNOWN, STREAM_BLOCK_BYTES, stream_read, st, stream_free);
        if (!resp) {
                stream_free(st);
                return MHD_NO;
        }
        (void) MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE,
                                       http_format_content_type(fmt));
        add_data_headers(resp);
        return queue(rq, c, MHD_HTTP_OK, resp);
}

static bool over_snapshot_budget(HttpServer *s, size_t bytes) {
        return s->snapshot_bytes > SNAPSHOTS_BYTES_MAX ||
               bytes > SNAPSHOTS_BYTES_MAX - s->snapshot_bytes;
}

/* ---- handlers ---- */

static enum MHD_Result handle_pool_updates(Request *rq, struct MHD_Connection *c,
                                           HttpXportQuery *xq, HttpFormat fmt);

static enum MHD_Result handle_rrd_updates(Request *rq, struct MHD_Connection *c,
                                          const HttpQuery *q) {
        HttpServer *s = rq->server;
        HttpXportQuery xq;
        char reason[HTTP_REASON_MAX] = "";
        _cleanup_(http_xport_freep) HttpXport *x = NULL;
        int r;

        r = http_xport_query_parse(q, &xq, reason, sizeof(reason));
        if (r == -EINVAL)
                return answer_text(rq, c, MHD_HTTP_BAD_REQUEST, reason);
        if (r < 0)
                return answer_text(rq, c, MHD_HTTP_INTERNAL_SERVER_ERROR, "out of memory");
        HttpFormat fmt = http_negotiate_format(header(c, MHD_HTTP_HEADER_ACCEPT), xq.json);
        /* pool=true (beyond xcp-rrdd): every host of the pool in one answer, on the master. */
        const HttpQueryParam *pp = http_query_get(q, "pool");
        bool pool = false;
        if (pp && http_parse_bool(pp->value, pp->value_len, &pool) < 0) {
                http_xport_query_done(&xq);
                return answer_text(rq, c, MHD_HTTP_BAD_REQUEST, "pool must be true or false");
        }
        if (pool && s->backend.pool_role == HTTP_POOL_MEMBER) {
                http_xport_query_done(&xq);
                return answer_text(rq, c, MHD_HTTP_BAD_REQUEST,
                                   "pool=true is answered by the pool master");
        }
        if (pool && s->backend.pool_role == HTTP_POOL_MASTER && s->backend.pool_members &&
            s->backend.pool_fetch) {
                enum MHD_Result res = handle_pool_updates(rq, c, &xq, fmt);
                http_xport_query_done(&xq);
                return res;
        }
        r = http_xport_new(&x, &s->backend, &xq, fmt, now_real_s(), reason, sizeof(reason));
        http_xport_query_done(&xq);
        if (r == -ENOENT)
                return answer_text(rq, c, MHD_HTTP_NOT_FOUND, reason);
        if (r < 0) {
                log_warning_errno(r, "/rrd_updates: %m");
                return answer_text(rq, c, MHD_HTTP_INTERNAL_SERVER_ERROR, "out of memory");
        }
        /*
         * A small answer is written at once and sent with a Content-Length, in one go; only
         * large ones are streamed.
         */
        size_t bound = http_xport_size_bound(x);
        if (bound <= SMALL_ANSWER_BYTES) {
                char *doc = malloc(bound + 1);
                if (!doc)
                        return answer_text(rq, c, MHD_HTTP_INTERNAL_SERVER_ERROR, "out of memory");
                size_t len = 0;
                for (size_t n; (n = http_xport_read(x, doc + len, bound - len)) > 0;)
                        len += n;
                struct MHD_Response *resp =
                        buffer_response(doc, len, http_format_content_type(fmt));
                if (!resp)
                        return MHD_NO;
                add_data_headers(resp);
                return queue(rq, c, MHD_HTTP_OK, resp);
        }
        size_t bytes = http_xport_memory_bytes(x);
        if (over_snapshot_budget(s, bytes))
                return answer_text(rq, c, MHD_HTTP_SERVICE_UNAVAILABLE,
                                   "too many large answers in progress, retry later");
        Stream *st = calloc(1, sizeof(*st));
        if (!st)
                return MHD_NO;
        st->xport = TAKE_PTR(x);
        st->bytes = bytes;
        return answer_stream(rq, c, st, fmt);
}

/* A whole RRD (taken), streamed in fmt. */
static enum MHD_Result answer_dump(Request *rq, struct MHD_Connection *c, Rrd *copy,
                                   HttpFormat fmt) {
        HttpServer *s = rq->server;
        size_t bytes = rrd_memory_bytes(copy);
        int r;

        if (over_snapshot_budget(s, bytes)) {
                rrd_destroy(copy);
                return answer_text(rq, c, MHD_HTTP_SERVICE_UNAVAILABLE,
                                   "too many large answers in progress, retry later");
        }
        Stream *st = calloc(1, sizeof(*st));
        if (!st) {
                rrd_destroy(copy);
                return MHD_NO;
        }
        r = http_dump_new(&st->dump, copy, fmt);
        if (r < 0) {
                free(st);
                return answer_text(rq, c, MHD_HTTP_INTERNAL_SERVER_ERROR, "out of memory");
        }
        st->bytes = bytes;
        return answer_stream(rq, c, st, fmt);
}

static enum MHD_Result answer_redirect(Request *rq, struct MHD_Connection *c, unsigned status,
                                       const char *location) {
        char *text = NULL;
        int n = asprintf(&text, "see %s\n", location);
        if (n < 0)
                return MHD_NO;
        struct MHD_Response *resp = buffer_response(text, (size_t) n, "text/plain; charset=utf-8");
        if (!resp)
                return MHD_NO;
        (void) MHD_add_response_header(resp, MHD_HTTP_HEADER_LOCATION, location);
        return queue(rq, c, status, resp);
}

static enum MHD_Result defer_load_stored(Request *rq, struct MHD_Connection *c, const char *uuid,
                                         HttpFormat fmt);
static enum MHD_Result answer_pool_location(Request *rq, struct MHD_Connection *c,
                                            HttpPoolLocation *loc, const char *uuid, HttpFormat fmt,
                                            bool is_vm_rrd);

static enum MHD_Result handle_dump(Request *rq, struct MHD_Connection *c, const HttpQuery *q,
                                   HttpOwnerKind kind) {
        HttpServer *s = rq->server;
        const HttpBackend *b = &s->backend;
        HttpUuid uuid = "";
        _cleanup_(rrd_destroyp) Rrd *copy = NULL;
        const char *what = http_owner_kind_to_string(kind);
        char reason[HTTP_REASON_MAX];
        int r;

        if (kind != HTTP_OWNER_HOST) {
                const HttpQueryParam *p = http_query_get(q, "uuid");
                if (!p) {
                        (void) snprintf(reason, sizeof(reason), "uuid is required (the %s's uuid)",
                                        what);
                        return answer_text(rq, c, MHD_HTTP_BAD_REQUEST, reason);
                }
                if (http_parse_uuid(p->value, p->value_len, uuid) < 0)
                        return answer_text(rq, c, MHD_HTTP_BAD_REQUEST, "uuid must be a uuid");
        }
        HttpFormat fmt =
                http_negotiate_format(header(c, MHD_HTTP_HEADER_ACCEPT), http_query_wants_json(q));
        const Rrd *live =
                b->find ? b->find(b->userdata, kind, kind == HTTP_OWNER_HOST ? NULL : uuid) : NULL;
        if (!live && kind == HTTP_OWNER_VM && b->pool_locate) {
                /* In a pool: left here, running elsewhere, or in the master's archive. */
                HttpPoolLocation loc = {0};
                bool no_redirect = false;
                const HttpQueryParam *nr = http_query_get(q, "no_redirect");
                if (nr && http_parse_bool(nr->value, nr->value_len, &no_redirect) < 0)
                        return answer_text(rq, c, MHD_HTTP_BAD_REQUEST,
                                           "no_redirect must be true or false");
                r = b->pool_locate(b->pool_userdata, kind, uuid, no_redirect, NULL, &loc);
                if (r < 0) {
                        log_warning_errno(r, "locating VM %s in the pool: %m", uuid);
                        return answer_text(rq, c, MHD_HTTP_INTERNAL_SERVER_ERROR,
                                           "the pool could not be asked");
                }
                return answer_pool_location(rq, c, &loc, uuid, fmt, true);
        }
        if (live) {
                r = rrd_dup(live, &copy);
                if (r < 0)
                        return answer_text(rq, c, MHD_HTTP_INTERNAL_SERVER_ERROR, "out of memory");
        } else if (kind != HTTP_OWNER_HOST && b->load_archive) {
                r = b->load_archive(b->userdata, kind, uuid, &copy);
                if (r == -ENOENT)
                        copy = NULL;
                else if (r < 0) {
                        log_warning_errno(r, "archive of %s %s: %m", what, uuid);
                        return answer_text(rq, c, MHD_HTTP_INTERNAL_SERVER_ERROR,
                                           "the archive could not be read");
                }
        }
        if (!copy) {
                if (kind == HTTP_OWNER_HOST)
                        return answer_text(rq, c, MHD_HTTP_NOT_FOUND, "no RRD for the host yet");
                (void) snprintf(reason, sizeof(reason), "no RRD for %s %s", what, uuid);
                return answer_text(rq, c, MHD_HTTP_NOT_FOUND, reason);
        }
        return answer_dump(rq, c, TAKE_PTR(copy), fmt);
}

static enum MHD_Result handle_metrics(Request *rq, struct MHD_Connection *c) {
        HttpServer *s = rq->server;
        HttpBuf b = HTTP_BUF_NULL;
        char *text = NULL;
        size_t len = 0;
        bool om = http_negotiate_openmetrics(header(c, MHD_HTTP_HEADER_ACCEPT));
        /* This request is counted before the body is made, so the body includes it. */
        count_status(s, MHD_HTTP_OK);
        HttpMetricsExtra extra = {
                .requests_by_code = s->requests_by_code,
                .n_sessions = http_sessions_count(s->sessions),
        };
        int r = http_metrics_render(&b, &s->backend, &extra, om);
        s->requests_by_code[MHD_HTTP_OK]--;
        if (r < 0 || http_buf_take(&b, &text, &len) < 0) {
                http_buf_done(&b);
                return answer_text(rq, c, MHD_HTTP_INTERNAL_SERVER_ERROR,
                                   "the metrics could not be rendered");
        }
        return queue(rq, c, MHD_HTTP_OK,
                     buffer_response(text, len,
                                     om ? HTTP_METRICS_OPENMETRICS_TYPE : HTTP_METRICS_TEXT_TYPE));
}

static enum MHD_Result answer_rpc(Request *rq, struct MHD_Connection *c, unsigned status,
                                  HttpBuf *b) {
        char *text = NULL;
        size_t len = 0;

        if (http_buf_take(b, &text, &len) < 0)
                return MHD_NO;
        return queue(rq, c, status, buffer_response(text, len, "text/xml"));
}

static enum MHD_Result handle_rpc(Request *rq, struct MHD_Connection *c, const HttpQuery *q) {
        HttpServer *s = rq->server;
        _cleanup_free_ char *method = NULL;
        _cleanup_(http_rpc_value_freep) HttpRpcValue *params = NULL, *result = NULL;
        char reason[HTTP_REASON_MAX] = "";
        HttpBuf out = HTTP_BUF_NULL;
        Credentials cr;
        int r;

        if (rq->too_large) {
                http_rpc_write_fault(&out, 413, "the request body is too large");
                return answer_rpc(rq, c, MHD_HTTP_CONTENT_TOO_LARGE, &out);
        }
        r = http_rpc_parse_call(rq->body.data ? rq->body.data : "", rq->body.len, &method, &params,
                                reason, sizeof(reason));
        if (r == -ENOMEM)
                return MHD_NO;
        if (r < 0) {
                http_rpc_write_fault(&out, 400, reason);
                return answer_rpc(rq, c, MHD_HTTP_BAD_REQUEST, &out);
        }
        authenticate(s, c, q, &cr);
        HttpRpcCall call = {
                .method = method,
                .http_authenticated = cr.ok,
                .http_user = cr.user,
                .server = s,
        };
        r = http_rpc_table_dispatch(s->rpc, &call, params, &result);
        credentials_done(&cr);
        if (r < 0)
                return MHD_NO;
        http_rpc_write_response(&out, result);
        return answer_rpc(rq, c, MHD_HTTP_OK, &out);
}

/* ---- built-in XML-RPC methods ---- */

static int rpc_login(void *userdata, const HttpRpcCall *call, const HttpRpcValue *params,
                     HttpRpcValue **ret) {
        HttpServer *s = userdata;
        char id[HTTP_SESSION_ID_LEN + 1];

        if (params->array.n < 2 || !http_rpc_get_string(params->array.items[0]) ||
            !http_rpc_get_string(params->array.items[1])) {
                char got[24];
                (void) snprintf(got, sizeof(got), "%zu", params->array.n);
                *ret = http_rpc_failure("MESSAGE_PARAMETER_COUNT_MISMATCH", call->method, "2", got,
                                        NULL);
                return *ret ? 0 : -ENOMEM;
        }
        const char *user = http_rpc_get_string(params->array.items[0]);
        const char *password = http_rpc_get_string(params->array.items[1]);
        if (!http_auth_check_password(s->auth, user, password, now_mono())) {
                *ret = http_rpc_failure("SESSION_AUTHENTICATION_FAILED", user,
                                        "Authentication failure", NULL);
                return *ret ? 0 : -ENOMEM;
        }
        int r = http_sessions_open(s->sessions, user, now_mono(), id);
        if (r < 0)
                return r;
        *ret = http_rpc_success(http_rpc_string(id));
        return *ret ? 0 : -ENOMEM;
}

static int rpc_logout(void *userdata, const HttpRpcCall *call, const HttpRpcValue *params,
                      HttpRpcValue **ret) {
        HttpServer *s = userdata;
        const char *id = params->array.n >= 1 ? http_rpc_get_string(params->array.items[0]) : NULL;

        if (!id || http_sessions_close(s->sessions, id, strlen(id)) < 0)
                *ret = http_rpc_failure("SESSION_INVALID", id ? id : "", NULL);
        else
                *ret = http_rpc_success(NULL);
        return *ret ? 0 : -ENOMEM;
}

/*
 * The few calls XenAPI client libraries make right after logging in (Python's XenAPI.Session
 * asks for the pool, its master and the API version before handing the session out), so that
 * they can log in here. Refs are opaque to clients: the host's is derived from its uuid.
 */
static int rpc_session_param(HttpServer *s, const HttpRpcValue *params, HttpRpcValue **ret) {
        const char *id = params->array.n >= 1 ? http_rpc_get_string(params->array.items[0]) : NULL;

        if (id && http_server_session_user(s, id))
                return 1;
        *ret = http_rpc_failure("SESSION_INVALID", id ? id : "", NULL);
        return *ret ? 0 : -ENOMEM;
}

static HttpRpcValue *host_ref(HttpServer *s) {
        const char *u = s->backend.host_uuid ? s->backend.host_uuid(s->backend.userdata) : NULL;
        char ref[64];

        (void) snprintf(ref, sizeof(ref), "OpaqueRef:%s", u ? u : "");
        return http_rpc_string(ref);
}

static int rpc_pool_get_all(void *userdata, const HttpRpcCall *call, const HttpRpcValue *params,
                            HttpRpcValue **ret) {
        int r = rpc_session_param(userdata, params, ret);
        if (r <= 0)
                return r;
        HttpRpcValue *a = http_rpc_array();
        if (http_rpc_array_append(a, http_rpc_string(POOL_REF)) < 0) {
                http_rpc_value_free(a);
                return -ENOMEM;
        }
        *ret = http_rpc_success(a);
        return *ret ? 0 : -ENOMEM;
}

static int rpc_host_ref(void *userdata, const HttpRpcCall *call, const HttpRpcValue *params,
                        HttpRpcValue **ret) {
        int r = rpc_session_param(userdata, params, ret);
        if (r <= 0)
                return r;
        *ret = http_rpc_success(host_ref(userdata));
        return *ret ? 0 : -ENOMEM;
}

static int rpc_api_version(void *userdata, const HttpRpcCall *call, const HttpRpcValue *params,
                           HttpRpcValue **ret) {
        int r = rpc_session_param(userdata, params, ret);
        if (r <= 0)
                return r;
        bool major = strcmp(call->method, "host.get_API_version_major") == 0;
        *ret = http_rpc_success(http_rpc_string(major ? API_VERSION_MAJOR : API_VERSION_MINOR));
        return *ret ? 0 : -ENOMEM;
}

/**
 * http_server_register_method() - adds or replaces an XML-RPC method on POST / and /RPC2.
 * @s: the server.
 * @name: the method name, e.g. "VM_metrics.get_record".
 * @handler: called on the loop thread with the params; see HttpRpcHandler.
 * @userdata: passed to @handler.
 *
 * Return: 0, -EINVAL for an empty name or no handler, -ENOMEM.
 */
int http_server_register_method(HttpServer *s, const char *name, HttpRpcHandler handler,
                                void *userdata) {
        return http_rpc_table_register(s->rpc, name, handler, userdata);
}

/**
 * http_server_session_user() - checks a session id (constant time over every session) and
 * marks the session used.
 * @s: the server.
 * @session_id: "OpaqueRef:..." as the client sent it, or NULL.
 *
 * Return: the session's user (valid until the next session call), or NULL.
 */
const char *http_server_session_user(HttpServer *s, const char *session_id) {
        if (!session_id)
                return NULL;
        return http_sessions_check(s->sessions, session_id, strlen(session_id), now_mono());
}

/* ---- requests answered off the loop thread ---- */

/*
 * Work that must not run on the loop thread (a member's archive parsed and written, an archive
 * read from disk, the pool asked for pool=true): the connection is suspended, a thread does
 * the work and resumes it, and libmicrohttpd calls on_request() again, where finish() answers
 * on the loop thread. Deferred requests are listed in the server, which joins their threads
 * before it stops.
 */
typedef enum DeferredKind {
        DEFER_LOAD_STORED,  /* read this host's archive of uuid */
        DEFER_PUT,          /* parse a PUT /rrd body; with archive, store it */
        DEFER_POOL_UPDATES, /* ask every member, merge with our own document */
} DeferredKind;

struct Deferred {
        HttpServer *server;
        struct MHD_Connection *connection;
        DeferredKind kind;
        pthread_t thread;
        bool joined;
        atomic_bool done;
        Deferred *next;

        HttpUuid uuid;
        char from[HTTP_UUID_STRING_LEN + 1];
        bool archive;
        HttpFormat fmt;
        char *body; /* PUT: the request body; pool=true: our own document (NULL: none) */
        size_t body_len;
        HttpPoolMember *members;
        size_t n_members;
        char *target; /* pool=true: what members are asked */
        int64_t now_s;

        int result;
        bool parsed; /* PUT: the body is an RRD */
        Rrd *rrd;
        char reason[HTTP_REASON_MAX];
        char *out; /* pool=true: the merged document */
        size_t out_len;
        char *missing; /* pool=true: "uuid, uuid" of members that did not answer */
};

static Deferred *deferred_free(Deferred *df) {
        if (!df)
                return NULL;
        if (df->body && df->kind == DEFER_PUT)
                explicit_bzero(df->body, df->body_len);
        free(df->body);
        free(df->members);
        free(df->target);
        rrd_destroy(df->rrd);
        free(df->out);
        free(df->missing);
        free(df);
        return NULL;
}

static void *deferred_main(void *arg);

/* Suspends the connection and starts df's thread. Takes df. */
static enum MHD_Result defer(Request *rq, struct MHD_Connection *c, Deferred *df) {
        HttpServer *s = rq->server;
        sigset_t all, old;
        int r;

        if (s->n_deferred >= DEFERRED_MAX) {
                deferred_free(df);
                return answer_text(rq, c, MHD_HTTP_SERVICE_UNAVAILABLE,
                                   "too many requests in progress, retry later");
        }
        df->server = s;
        df->connection = c;
        atomic_init(&df->done, false);
        MHD_suspend_connection(c);
        /* The thread must never take a signal meant for the loop's signalfd. */
        sigfillset(&all);
        (void) pthread_sigmask(SIG_BLOCK, &all, &old);
        r = pthread_create(&df->thread, NULL, deferred_main, df);
        (void) pthread_sigmask(SIG_SETMASK, &old, NULL);
        if (r != 0) {
                MHD_resume_connection(c);
                deferred_free(df);
                log_warning_errno(-r, "cannot start a request thread: %m");
                return answer_text(rq, c, MHD_HTTP_SERVICE_UNAVAILABLE,
                                   "too many requests in progress, retry later");
        }
        df->next = s->deferred;
        s->deferred = df;
        s->n_deferred++;
        rq->deferred = df;
        return MHD_YES;
}

static void deferred_unlink(HttpServer *s, Deferred *df) {
        for (Deferred **p = &s->deferred; *p; p = &(*p)->next)
                if (*p == df) {
                        *p = df->next;
                        s->n_deferred--;
                        return;
                }
}

/* -- DEFER_LOAD_STORED -- */

static void work_load_stored(Deferred *df) {
        const HttpBackend *b = &df->server->backend;
        df->result = b->pool_load_stored ? b->pool_load_stored(b->pool_userdata, df->uuid, &df->rrd)
                                         : -ENOENT;
}

static enum MHD_Result finish_load_stored(Request *rq, struct MHD_Connection *c, Deferred *df) {
        char reason[HTTP_REASON_MAX];

        if (df->result == 0 && df->rrd)
                return answer_dump(rq, c, TAKE_PTR(df->rrd), df->fmt);
        if (df->result != -ENOENT) {
                log_warning_errno(df->result, "archive of %s: %m", df->uuid);
                return answer_text(rq, c, MHD_HTTP_INTERNAL_SERVER_ERROR,
                                   "the archive could not be read");
        }
        (void) snprintf(reason, sizeof(reason), "no RRD for %s", df->uuid);
        return answer_text(rq, c, MHD_HTTP_NOT_FOUND, reason);
}

static enum MHD_Result defer_load_stored(Request *rq, struct MHD_Connection *c, const char *uuid,
                                         HttpFormat fmt) {
        Deferred *df = calloc(1, sizeof(*df));
        if (!df)
                return MHD_NO;
        df->kind = DEFER_LOAD_STORED;
        (void) snprintf(df->uuid, sizeof(df->uuid), "%s", uuid);
        df->fmt = fmt;
        return defer(rq, c, df);
}

/* Answers a pool_locate() result for /vm_rrd (is_vm_rrd) or GET /rrd. */
static enum MHD_Result answer_pool_location(Request *rq, struct MHD_Connection *c,
                                            HttpPoolLocation *loc, const char *uuid, HttpFormat fmt,
                                            bool is_vm_rrd) {
        char reason[HTTP_REASON_MAX];

        switch (loc->where) {
        case HTTP_POOL_MEMORY:
                if (!loc->rrd)
                        break;
                return answer_dump(rq, c, TAKE_PTR(loc->rrd), fmt);
        case HTTP_POOL_STORED:
                return defer_load_stored(rq, c, uuid, fmt);
        case HTTP_POOL_ELSEWHERE: {
                _cleanup_free_ char *location = NULL;
                int n;
                if (is_vm_rrd) {
                        /* The same request, with its query as sent, on the host holding it. */
                        const char *uri = rq->uri ? rq->uri : "/vm_rrd";
                        n = asprintf(&location, "%s%s%s", loc->url, uri,
                                     loc->is_final ? (strchr(uri, '?') ? "&no_redirect=true"
                                                                       : "?no_redirect=true")
                                                   : "");
                } else
                        n = asprintf(&location, "%s/rrd?uuid=%s&no_redirect=true", loc->url, uuid);
                if (n < 0)
                        return MHD_NO;
                return answer_redirect(
                        rq, c, is_vm_rrd ? MHD_HTTP_FOUND : MHD_HTTP_TEMPORARY_REDIRECT, location);
        }
        case HTTP_POOL_NONE:
                break;
        }
        (void) snprintf(reason, sizeof(reason), "no RRD for %s", uuid);
        return answer_text(rq, c, MHD_HTTP_NOT_FOUND, reason);
}

/* -- GET /rrd: another host of the pool wants an RRD -- */

static int query_uuid(const HttpQuery *q, const char *key, bool required, char *ret) {
        const HttpQueryParam *p = http_query_get(q, key);
        if (!p)
                return required ? -ENOENT : 0;
        return http_parse_uuid(p->value, p->value_len, ret) < 0 ? -EINVAL : 1;
}

static enum MHD_Result handle_rrd_get(Request *rq, struct MHD_Connection *c, const HttpQuery *q) {
        const HttpBackend *b = &rq->server->backend;
        HttpUuid uuid = "", from = "";
        HttpPoolLocation loc = {0};
        bool no_redirect = false;
        int r;

        if (!b->pool_locate)
                return answer_text(rq, c, MHD_HTTP_NOT_FOUND, "this host is not in a pool");
        r = query_uuid(q, "uuid", true, uuid);
        if (r < 0)
                return answer_text(rq, c, MHD_HTTP_BAD_REQUEST,
                                   r == -ENOENT ? "uuid is required" : "uuid must be a uuid");
        if (query_uuid(q, "from", false, from) < 0)
                return answer_text(rq, c, MHD_HTTP_BAD_REQUEST, "from must be a host uuid");
        const HttpQueryParam *nr = http_query_get(q, "no_redirect");
        if (nr && http_parse_bool(nr->value, nr->value_len, &no_redirect) < 0)
                return answer_text(rq, c, MHD_HTTP_BAD_REQUEST,
                                   "no_redirect must be true or false");
        r = b->pool_locate(b->pool_userdata, _HTTP_OWNER_KIND_MAX, uuid, no_redirect,
                           from[0] ? from : NULL, &loc);
        if (r < 0)
                return answer_text(rq, c, MHD_HTTP_INTERNAL_SERVER_ERROR,
                                   "the pool could not be asked");
        return answer_pool_location(rq, c, &loc, uuid, HTTP_FORMAT_XML, false);
}

/* -- PUT /rrd: a member sends an RRD -- */

static void work_put(Deferred *df) {
        const HttpBackend *b = &df->server->backend;
        PersistError err = {0};
        char msg[HTTP_REASON_MAX];

        df->result = persist_load_memory(df->body, df->body_len, NULL, &df->rrd, &err);
        if (df->result < 0) {
                (void) snprintf(df->reason, sizeof(df->reason), "the RRD is refused: %s",
                                persist_error_to_string(&err, msg, sizeof(msg)));
                return;
        }
        df->parsed = true;
        if (df->archive) {
                df->result = b->pool_store(b->pool_userdata, df->uuid, df->rrd);
                df->rrd = rrd_destroy(df->rrd);
        }
}

static enum MHD_Result finish_put(Request *rq, struct MHD_Connection *c, Deferred *df) {
        const HttpBackend *b = &rq->server->backend;

        if (!df->parsed)
                return df->result == -ENOMEM
                               ? answer_text(rq, c, MHD_HTTP_INTERNAL_SERVER_ERROR, "out of memory")
                               : answer_text(rq, c, MHD_HTTP_BAD_REQUEST, df->reason);
        if (df->archive) {
                if (df->result < 0) {
                        log_warning_errno(df->result, "cannot store the archive of %s: %m",
                                          df->uuid);
                        return answer_text(rq, c, MHD_HTTP_INTERNAL_SERVER_ERROR,
                                           "the archive could not be written");
                }
                /* Written, or superseded: either way the sender no longer holds it. */
                if (b->pool_stored)
                        b->pool_stored(b->pool_userdata, df->uuid, df->from[0] ? df->from : NULL);
                if (df->result > 0)
                        return answer_text(rq, c, MHD_HTTP_CONFLICT,
                                           "superseded: the stored archive is newer");
                return answer_text(rq, c, MHD_HTTP_OK, "archived");
        }
        int r = b->pool_replace(b->pool_userdata, df->uuid, TAKE_PTR(df->rrd));
        if (r < 0)
                return answer_text(rq, c, MHD_HTTP_INTERNAL_SERVER_ERROR,
                                   "the RRD could not be replaced");
        return answer_text(rq, c, MHD_HTTP_OK, "replaced");
}

static enum MHD_Result handle_rrd_put(Request *rq, struct MHD_Connection *c, const HttpQuery *q) {
        const HttpBackend *b = &rq->server->backend;
        Deferred *df;
        HttpUuid uuid = "", from = "";
        bool archive = false;
        int r;

        if (rq->too_large)
                return answer_text(rq, c, MHD_HTTP_CONTENT_TOO_LARGE,
                                   "the RRD is larger than request_size_max");
        r = query_uuid(q, "uuid", true, uuid);
        if (r < 0)
                return answer_text(rq, c, MHD_HTTP_BAD_REQUEST,
                                   r == -ENOENT ? "uuid is required" : "uuid must be a uuid");
        if (query_uuid(q, "from", false, from) < 0)
                return answer_text(rq, c, MHD_HTTP_BAD_REQUEST, "from must be a host uuid");
        const HttpQueryParam *ap = http_query_get(q, "archive");
        if (ap && http_parse_bool(ap->value, ap->value_len, &archive) < 0)
                return answer_text(rq, c, MHD_HTTP_BAD_REQUEST, "archive must be true or false");
        if (archive ? !b->pool_store : !b->pool_replace)
                return answer_text(rq, c, MHD_HTTP_BAD_REQUEST,
                                   archive ? "archives go to the pool master"
                                           : "this host is not in a pool");
        const char *own = b->host_uuid ? b->host_uuid(b->userdata) : NULL;
        if (own && strcasecmp(own, uuid) == 0)
                return answer_text(rq, c, MHD_HTTP_BAD_REQUEST,
                                   "that is this host's own uuid: its RRD is not replaced from "
                                   "outside");
        if (rq->body.len == 0)
                return answer_text(rq, c, MHD_HTTP_BAD_REQUEST, "the body must be an RRD (XML)");
        df = calloc(1, sizeof(*df));
        if (!df)
                return MHD_NO;
        df->kind = DEFER_PUT;
        memcpy(df->uuid, uuid, sizeof(uuid));
        memcpy(df->from, from, sizeof(from));
        df->archive = archive;
        if (http_buf_take(&rq->body, &df->body, &df->body_len) < 0) {
                deferred_free(df);
                return MHD_NO;
        }
        return defer(rq, c, df);
}

/* -- POST /pool/report -- */

static void peer_address(struct MHD_Connection *c, char *buf, size_t size) {
        const union MHD_ConnectionInfo *info =
                MHD_get_connection_info(c, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
        const struct sockaddr *sa = info ? info->client_addr : NULL;

        buf[0] = '\0';
        if (!sa)
                return;
        if (sa->sa_family == AF_INET)
                (void) inet_ntop(AF_INET, &((const struct sockaddr_in *) sa)->sin_addr, buf,
                                 (socklen_t) size);
        else if (sa->sa_family == AF_INET6) {
                const struct in6_addr *a = &((const struct sockaddr_in6 *) sa)->sin6_addr;
                /* A v4-mapped peer (a dual-stack socket) is named as plain IPv4. */
                if (IN6_IS_ADDR_V4MAPPED(a))
                        (void) inet_ntop(AF_INET, &a->s6_addr[12], buf, (socklen_t) size);
                else
                        (void) inet_ntop(AF_INET6, a, buf, (socklen_t) size);
        }
}

static enum MHD_Result handle_pool_report(Request *rq, struct MHD_Connection *c) {
        const HttpBackend *b = &rq->server->backend;
        char reason[HTTP_REASON_MAX] = "", peer[INET6_ADDRSTRLEN + 1];

        if (!b->pool_report)
                return answer_text(rq, c, MHD_HTTP_BAD_REQUEST, "this host is not the pool master");
        if (rq->too_large)
                return answer_text(rq, c, MHD_HTTP_CONTENT_TOO_LARGE,
                                   "the report is larger than request_size_max");
        peer_address(c, peer, sizeof(peer));
        int r = b->pool_report(b->pool_userdata, rq->body.data ? rq->body.data : "", rq->body.len,
                               peer, reason, sizeof(reason));
        if (r == -EINVAL)
                return answer_text(rq, c, MHD_HTTP_BAD_REQUEST,
                                   reason[0] ? reason : "the report is refused");
        if (r < 0)
                return answer_text(rq, c, MHD_HTTP_INTERNAL_SERVER_ERROR,
                                   "the report could not be recorded");
        return answer_text(rq, c, MHD_HTTP_OK, "ok");
}

/* -- /rrd_updates?pool=true on the master -- */

typedef struct Fetch {
        Deferred *df;
        atomic_size_t next;
        int *status; /* per member: HTTP status, or -errno */
        char **bodies;
        size_t *lens;
} Fetch;

static void *fetch_main(void *arg) {
        Fetch *f = arg;
        const HttpBackend *b = &f->df->server->backend;

        for (;;) {
                size_t i = atomic_fetch_add(&f->next, 1);
                if (i >= f->df->n_members)
                        return NULL;
                int st = 0;
                int r = b->pool_fetch(b->pool_userdata, f->df->members[i].url, f->df->target,
                                      POOL_FETCH_TIMEOUT_MS, &st, &f->bodies[i], &f->lens[i]);
                f->status[i] = r < 0 ? r : st;
        }
}

static void work_pool_updates(Deferred *df) {
        size_t n = df->n_members, n_threads = n < POOL_FETCH_THREADS ? n : POOL_FETCH_THREADS;
        Fetch f = {.df = df};
        pthread_t threads[POOL_FETCH_THREADS];
        size_t started = 0;
        HttpXportDoc **docs = calloc(n + 1, sizeof(*docs));
        HttpXportDoc *merged = NULL;
        HttpBuf missing = HTTP_BUF_NULL;
        const char **missing_v = calloc(n + 1, sizeof(*missing_v));
        size_t n_missing = 0, n_docs = 0;
        char reason[HTTP_REASON_MAX];
        int r;

        atomic_init(&f.next, 0);
        f.status = calloc(n + 1, sizeof(*f.status));
        f.bodies = calloc(n + 1, sizeof(*f.bodies));
        f.lens = calloc(n + 1, sizeof(*f.lens));
        if (!docs || !missing_v || !f.status || !f.bodies || !f.lens) {
                df->result = -ENOMEM;
                goto out;
        }
        for (; started < n_threads; started++)
                if (pthread_create(&threads[started], NULL, fetch_main, &f) != 0)
                        break;
        if (started == 0 && n > 0)
                (void) fetch_main(&f); /* no thread to spare: ask them one after another */
        for (size_t i = 0; i < started; i++)
                (void) pthread_join(threads[i], NULL);

        if (df->body) {
                r = http_xport_doc_parse(df->body, df->body_len, NULL, &docs[n_docs], reason,
                                         sizeof(reason));
                if (r < 0) {
                        df->result = r == -ENOMEM ? -ENOMEM : -EIO;
                        log_warning("pool=true: our own document is unreadable: %s", reason);
                        goto out;
                }
                n_docs++;
        }
        for (size_t i = 0; i < n; i++) {
                int st = f.status[i];
                if (st == 200) {
                        r = http_xport_doc_parse(f.bodies[i], f.lens[i], NULL, &docs[n_docs],
                                                 reason, sizeof(reason));
                        if (r == 0) {
                                n_docs++;
                                continue;
                        }
                        log_warning("pool=true: the answer of %s (%s) is refused: %s",
                                    df->members[i].host_uuid, df->members[i].url, reason);
                } else if (st == 404)
                        continue; /* it holds none of the VMs asked for */
                else if (st < 0)
                        log_info("pool=true: %s (%s) did not answer: %s", df->members[i].host_uuid,
                                 df->members[i].url, strerror(-st));
                else
                        log_info("pool=true: %s (%s) answered HTTP %d", df->members[i].host_uuid,
                                 df->members[i].url, st);
                missing_v[n_missing++] = df->members[i].host_uuid;
                http_buf_puts(&missing, n_missing > 1 ? ", " : "");
                http_buf_puts(&missing, df->members[i].host_uuid);
        }
        if (n_docs == 0 && n_missing == 0) {
                df->result = -ENOENT;
                goto out;
        }
        r = http_xport_merge(docs, n_docs, df->now_s, &merged);
        if (r == 0)
                r = http_xport_doc_render(merged, df->fmt, missing_v, n_missing, &df->out,
                                          &df->out_len);
        if (r == 0 && n_missing > 0)
                r = http_buf_take(&missing, &df->missing, &(size_t){0});
        df->result = r;
out:
        for (size_t i = 0; docs && i < n_docs; i++)
                http_xport_doc_free(docs[i]);
        for (size_t i = 0; f.bodies && i < n; i++)
                free(f.bodies[i]);
        http_xport_doc_free(merged);
        http_buf_done(&missing);
        free(docs);
        free(missing_v);
        free(f.status);
        free(f.bodies);
        free(f.lens);
}

static enum MHD_Result finish_pool_updates(Request *rq, struct MHD_Connection *c, Deferred *df) {
        if (df->result == -ENOENT)
                return answer_text(rq, c, MHD_HTTP_NOT_FOUND,
                                   "no host of the pool has an RRD for the uuids asked for");
        if (df->result == -E2BIG)
                return answer_text(rq, c, MHD_HTTP_CONTENT_TOO_LARGE,
                                   "the pool-wide answer would be too large; ask for fewer "
                                   "VMs or a shorter time");
        if (df->result < 0 || !df->out)
                return answer_text(rq, c, MHD_HTTP_INTERNAL_SERVER_ERROR,
                                   "the pool-wide answer could not be made");
        struct MHD_Response *resp =
                buffer_response(TAKE_PTR(df->out), df->out_len, http_format_content_type(df->fmt));
        if (!resp)
                return MHD_NO;
        add_data_headers(resp);
        if (df->missing)
                (void) MHD_add_response_header(resp, MISSING_HEADER, df->missing);
        return queue(rq, c, MHD_HTTP_OK, resp);
}

/* The members' query: the same selection with an absolute start, always XML. */
static char *member_target(const HttpXportQuery *xq, int64_t start) {
        HttpBuf b = HTTP_BUF_NULL;
        char *out = NULL;
        size_t len;

        http_buf_printf(&b, "/rrd_updates?start=%lld&interval=%llu&host=%s", (long long) start,
                        (unsigned long long) xq->interval_s, xq->host ? "true" : "false");
        if (xq->cf >= 0)
                http_buf_printf(&b, "&cf=%s", rrd_cf_to_string(xq->cf));
        if (!xq->vms.all && xq->vms.n_uuids == 0)
                http_buf_puts(&b, "&vm_uuid=none");
        for (size_t i = 0; !xq->vms.all && i < xq->vms.n_uuids; i++)
                http_buf_printf(&b, "&vm_uuid=%s", xq->vms.uuids[i]);
        if (xq->srs.all)
                http_buf_puts(&b, "&sr_uuid=all");
        for (size_t i = 0; !xq->srs.all && i < xq->srs.n_uuids; i++)
                http_buf_printf(&b, "&sr_uuid=%s", xq->srs.uuids[i]);
        if (b.failed || http_buf_take(&b, &out, &len) < 0) {
                http_buf_done(&b);
                return NULL;
        }
        return out;
}

static enum MHD_Result handle_pool_updates(Request *rq, struct MHD_Connection *c,
                                           HttpXportQuery *xq, HttpFormat fmt) {
        HttpServer *s = rq->server;
        const HttpBackend *b = &s->backend;
        _cleanup_(http_xport_freep) HttpXport *x = NULL;
        char reason[HTTP_REASON_MAX] = "";
        int64_t now = now_real_s();
        Deferred *df;
        int r;

        /* Every host answers for the same instant. */
        if (xq->start < 0)
                xq->start = now < INT64_MIN - xq->start ? 0 : now + xq->start;
        df = calloc(1, sizeof(*df));
        if (!df)
                return MHD_NO;
        df->kind = DEFER_POOL_UPDATES;
        df->fmt = fmt;
        df->now_s = now;
        r = http_xport_new(&x, b, xq, HTTP_FORMAT_XML, now, reason, sizeof(reason));
        if (r == 0) {
                size_t bound = http_xport_size_bound(x), len = 0;
                df->body = malloc(bound + 1);
                if (df->body)
                        for (size_t k; (k = http_xport_read(x, df->body + len, bound - len)) > 0;)
                                len += k;
                df->body_len = len;
        }
        df->target = member_target(xq, xq->start);
        if ((r < 0 && r != -ENOENT) || (r == 0 && !df->body) || !df->target ||
            b->pool_members(b->pool_userdata, &df->members, &df->n_members) < 0) {
                deferred_free(df);
                return answer_text(rq, c, MHD_HTTP_INTERNAL_SERVER_ERROR, "out of memory");
        }
        return defer(rq, c, df);
}

static void *deferred_main(void *arg) {
        Deferred *df = arg;

        switch (df->kind) {
        case DEFER_LOAD_STORED:
                work_load_stored(df);
                break;
        case DEFER_PUT:
                work_put(df);
                break;
        case DEFER_POOL_UPDATES:
                work_pool_updates(df);
                break;
        }
        int wake = df->server->wake_fd;
        atomic_store(&df->done, true);
        MHD_resume_connection(df->connection);
        /* df may be gone from here on: the loop answers as soon as it wakes. */
        uint64_t one = 1;
        (void) !write(wake, &one, sizeof(one));
        return NULL;
}

/* Back on the loop thread, the work done: answer, and forget the deferred request. */
static enum MHD_Result finish_deferred(Request *rq, struct MHD_Connection *c) {
        Deferred *df = rq->deferred;
        enum MHD_Result res;

        if (!df->joined)
                (void) pthread_join(df->thread, NULL);
        df->joined = true;
        deferred_unlink(rq->server, df);
        rq->deferred = NULL;
        switch (df->kind) {
        case DEFER_LOAD_STORED:
                res = finish_load_stored(rq, c, df);
                break;
        case DEFER_PUT:
                res = finish_put(rq, c, df);
                break;
        default:
                res = finish_pool_updates(rq, c, df);
                break;
        }
        deferred_free(df);
        return res;
}

/* The pool secret, and nothing else, from the cookie or the query. */
static bool pool_secret_ok(HttpServer *s, struct MHD_Connection *c, const HttpQuery *q) {
        size_t len = 0;

        if (s->pool_secret_len == 0)
                return false;
        _cleanup_free_ char *v = credential_value(c, q, "pool_secret", &len);
        bool ok = v && http_memeq_ct(v, len, s->pool_secret, s->pool_secret_len);
        if (v)
                explicit_bzero(v, len);
        return ok;
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *c, const char *url,
                                  const char *method, const char *version, const char *upload_data,
                                  size_t *upload_data_size, void **req_cls) {
        HttpServer *s = cls;
        Request *rq = *req_cls;

        if (!rq)
                return MHD_NO; /* the URI callback always makes one; out of memory */
        if (rq->deferred) {
                /* Resumed: the work is done (only its thread resumes the connection). */
                if (!atomic_load(&rq->deferred->done))
                        return MHD_YES;
                return finish_deferred(rq, c);
        }
        if (rq->answered) {
                /* Left-over body of a request already answered (413): discard it. */
                *upload_data_size = 0;
                return MHD_YES;
        }
        if (!rq->started) {
                /*
                 * The first call only sees the headers. Answering now would make MHD 0.9.75
                 * close the connection, so normal answers wait for the last call; only a body
                 * announced too large is refused at once.
                 */
                rq->started = true;
                const char *raw = rq->uri ? rq->uri : url;
                const char *qmark = strchr(raw, '?');
                size_t path_len = qmark ? (size_t) (qmark - raw) : strlen(raw);
                char *path = malloc(path_len + 1);
                if (!path)
                        return MHD_NO;
                path_len = http_percent_decode(path, raw, path_len);
                path[path_len] = 0;
                rq->route = route_of(path, path_len);
                free(path);
                rq->query = qmark ? qmark + 1 : "";
                bool post = strcmp(method, MHD_HTTP_METHOD_POST) == 0;
                bool put = strcmp(method, MHD_HTTP_METHOD_PUT) == 0;
                rq->wants_body = (rq->route == ROUTE_RPC && post) ||
                                 (rq->route == ROUTE_RRD && put) ||
                                 (rq->route == ROUTE_POOL_REPORT && post);
                if (rq->wants_body && rq->route != ROUTE_RPC) {
                        /* Host to host: the pool secret, checked before any body is read. */
                        HttpQuery q = HTTP_QUERY_NULL;
                        bool ok = http_query_parse(&q, rq->query, strlen(rq->query)) == 0 &&
                                  pool_secret_ok(s, c, &q);
                        http_query_done(&q);
                        if (!ok)
                                return answer_text(rq, c, MHD_HTTP_UNAUTHORIZED,
                                                   "the pool secret is required here");
                }
                const char *cl = header(c, MHD_HTTP_HEADER_CONTENT_LENGTH);
                int64_t n;
                if (rq->wants_body && cl && http_parse_i64(cl, strlen(cl), &n) == 0 &&
                    (uint64_t) n > s->request_size_max) {
                        if (rq->route != ROUTE_RPC)
                                return answer_text(rq, c, MHD_HTTP_CONTENT_TOO_LARGE,
                                                   "the body is larger than request_size_max");
                        HttpBuf out = HTTP_BUF_NULL;
                        http_rpc_write_fault(&out, 413, "the request body is too large");
                        return answer_rpc(rq, c, MHD_HTTP_CONTENT_TOO_LARGE, &out);
                }
                return MHD_YES;
        }
        if (*upload_data_size > 0) {
                /* Only XML-RPC and the pool's uploads read a body; anything else is dropped. */
                if (rq->wants_body) {
                        if (rq->body.len + *upload_data_size > s->request_size_max)
                                rq->too_large = true;
                        if (!rq->too_large)
                                http_buf_put(&rq->body, upload_data, *upload_data_size);
                        if (rq->body.failed)
                                return MHD_NO;
                }
                *upload_data_size = 0;
                return MHD_YES;
        }

        /* The request is complete: answer it. */
        bool is_get = strcmp(method, MHD_HTTP_METHOD_GET) == 0 ||
                      strcmp(method, MHD_HTTP_METHOD_HEAD) == 0;
        if (rq->route == ROUTE_NONE)
                return answer_text(rq, c, MHD_HTTP_NOT_FOUND, "no such path");
        bool is_put = strcmp(method, MHD_HTTP_METHOD_PUT) == 0;
        bool is_post = strcmp(method, MHD_HTTP_METHOD_POST) == 0;
        if ((rq->route == ROUTE_RPC || rq->route == ROUTE_POOL_REPORT) && !is_post)
                return answer_method(rq, c, "POST");
        if (rq->route == ROUTE_RRD && !is_get && !is_put)
                return answer_method(rq, c, "GET, PUT");
        if (rq->route != ROUTE_RPC && rq->route != ROUTE_RRD && rq->route != ROUTE_POOL_REPORT &&
            !is_get)
                return answer_method(rq, c, "GET, HEAD");

        HttpQuery q = HTTP_QUERY_NULL;
        int r = http_query_parse(&q, rq->query, strlen(rq->query));
        if (r == -E2BIG)
                return answer_text(rq, c, MHD_HTTP_BAD_REQUEST, "too many query parameters");
        if (r < 0)
                return MHD_NO;

        enum MHD_Result res;
        if (rq->route == ROUTE_RPC)
                res = handle_rpc(rq, c, &q);
        else if (rq->route == ROUTE_RRD || rq->route == ROUTE_POOL_REPORT) {
                /* Host to host only: Basic and sessions are not enough. */
                if (!pool_secret_ok(s, c, &q))
                        res = answer_text(rq, c, MHD_HTTP_UNAUTHORIZED,
                                          "the pool secret is required here");
                else if (rq->route == ROUTE_POOL_REPORT)
                        res = handle_pool_report(rq, c);
                else if (is_put)
                        res = handle_rrd_put(rq, c, &q);
                else
                        res = handle_rrd_get(rq, c, &q);
        } else {
                Credentials cr = {.ok = true};
                if (rq->route != ROUTE_METRICS || s->metrics_auth)
                        authenticate(s, c, &q, &cr);
                if (!cr.ok)
                        res = answer_text(rq, c, MHD_HTTP_UNAUTHORIZED,
                                          "credentials are missing or wrong (HTTP Basic, "
                                          "session_id or pool_secret)");
                else if (rq->route == ROUTE_RRD_UPDATES)
                        res = handle_rrd_updates(rq, c, &q);
                else if (rq->route == ROUTE_HOST_RRD)
                        res = handle_dump(rq, c, &q, HTTP_OWNER_HOST);
                else if (rq->route == ROUTE_VM_RRD)
                        res = handle_dump(rq, c, &q, HTTP_OWNER_VM);
                else if (rq->route == ROUTE_SR_RRD)
                        res = handle_dump(rq, c, &q, HTTP_OWNER_SR);
                else
                        res = handle_metrics(rq, c);
                credentials_done(&cr);
        }
        http_query_done(&q);
        return res;
}

/* Forgets the previous request of a connection. */
static void request_reset(Request *rq) {
        HttpServer *s = rq->server;

        if (rq->deferred) {
                /*
                 * The client left while the work was done: libmicrohttpd closes the connection
                 * once resumed, without calling on_request() again. The thread has finished (it
                 * resumed the connection), so it is joined at once.
                 */
                Deferred *df = rq->deferred;
                if (!df->joined)
                        (void) pthread_join(df->thread, NULL);
                df->joined = true;
                deferred_unlink(s, df);
                deferred_free(df);
        }
        free(rq->uri);
        if (rq->body.data)
                explicit_bzero(rq->body.data, rq->body.len); /* may hold a password */
        http_buf_done(&rq->body);
        *rq = (Request){.server = s};
}

static void on_connection(void *cls, struct MHD_Connection *c, void **socket_context,
                          enum MHD_ConnectionNotificationCode toe) {
        if (toe == MHD_CONNECTION_NOTIFY_STARTED) {
                Request *rq = calloc(1, sizeof(*rq));
                if (rq)
                        rq->server = cls;
                *socket_context = rq;
        } else if (*socket_context) {
                request_reset(*socket_context);
                free(*socket_context);
                *socket_context = NULL;
        }
}

static void *on_uri(void *cls, const char *uri, struct MHD_Connection *c) {
        const union MHD_ConnectionInfo *info =
                MHD_get_connection_info(c, MHD_CONNECTION_INFO_SOCKET_CONTEXT);
        Request *rq = info ? info->socket_context : NULL;

        if (!rq)
                return NULL;
        request_reset(rq);
        rq->uri = strdup(uri);
        return rq->uri ? rq : NULL;
}

static void on_completed(void *cls, struct MHD_Connection *c, void **req_cls,
                         enum MHD_RequestTerminationCode toe) {
        if (*req_cls)
                request_reset(*req_cls);
        *req_cls = NULL;
}

static void on_mhd_log(void *cls, const char *fmt, va_list ap)
        __attribute__((format(printf, 2, 0)));
static void on_mhd_log(void *cls, const char *fmt, va_list ap) {
        char msg[512];

        (void) vsnprintf(msg, sizeof(msg), fmt, ap);
        size_t n = strlen(msg);
        while (n > 0 && msg[n - 1] == '\n')
                msg[--n] = 0;
        log_debug("libmicrohttpd: %s", msg);
}

/* ---- set-up ---- */

static int parse_listen(const char *listen, struct sockaddr_storage *ret, socklen_t *ret_len) {
        char host[INET6_ADDRSTRLEN + 2];
        const char *colon, *port_s;
        size_t host_len;

        if (!listen || !*listen)
                return -EINVAL;
        if (listen[0] == '[') {
                const char *close = strchr(listen, ']');
                if (!close || close[1] != ':')
                        return -EINVAL;
                host_len = (size_t) (close - listen - 1);
                if (host_len >= sizeof(host))
                        return -EINVAL;
                memcpy(host, listen + 1, host_len);
                port_s = close + 2;
        } else {
                colon = strrchr(listen, ':');
                if (!colon)
                        return -EINVAL;
                host_len = (size_t) (colon - listen);
                if (host_len >= sizeof(host))
                        return -EINVAL;
                memcpy(host, listen, host_len);
                port_s = colon + 1;
        }
        host[host_len] = 0;
        int64_t port;
        if (http_parse_i64(port_s, strlen(port_s), &port) < 0 || port < 0 || port > 65535)
                return -EINVAL;

        memset(ret, 0, sizeof(*ret));
        struct sockaddr_in *in4 = (struct sockaddr_in *) ret;
        struct sockaddr_in6 *in6 = (struct sockaddr_in6 *) ret;
        if (host_len == 0 || strcmp(host, "*") == 0) {
                in4->sin_family = AF_INET;
                in4->sin_addr.s_addr = htonl(INADDR_ANY);
        } else if (strcmp(host, "localhost") == 0) {
                in4->sin_family = AF_INET;
                in4->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        } else if (inet_pton(AF_INET, host, &in4->sin_addr) == 1) {
                in4->sin_family = AF_INET;
        } else if (inet_pton(AF_INET6, host, &in6->sin6_addr) == 1) {
                in6->sin6_family = AF_INET6;
        } else
                return -EINVAL;
        if (ret->ss_family == AF_INET) {
                in4->sin_port = htons((uint16_t) port);
                *ret_len = sizeof(*in4);
        } else {
                in6->sin6_port = htons((uint16_t) port);
                *ret_len = sizeof(*in6);
        }
        return 0;
}

static int bind_listen(const char *address, int *ret_fd, uint16_t *ret_port) {
        struct sockaddr_storage ss;
        socklen_t len;
        _cleanup_close_ int fd = -1;
        int one = 1, r;

        r = parse_listen(address, &ss, &len);
        if (r < 0)
                return log_error_errno(r, "listen = '%s': expected ADDR:PORT or [IPv6]:PORT",
                                       address ? address : "");
        fd = socket(ss.ss_family, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
        if (fd < 0)
                return log_error_errno(-errno, "socket for %s: %m", address);
        (void) setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
        if (bind(fd, (struct sockaddr *) &ss, len) < 0)
                return log_error_errno(-errno, "bind %s: %m", address);
        if (listen(fd, SOMAXCONN) < 0)
                return log_error_errno(-errno, "listen on %s: %m", address);
        len = sizeof(ss);
        if (getsockname(fd, (struct sockaddr *) &ss, &len) < 0)
                return log_error_errno(-errno, "getsockname: %m");
        *ret_port = ntohs(ss.ss_family == AF_INET ? ((struct sockaddr_in *) &ss)->sin_port
                                                  : ((struct sockaddr_in6 *) &ss)->sin6_port);
        *ret_fd = TAKE_FD(fd);
        return 0;
}

static int read_pem(const char *path, char **ret) {
        _cleanup_close_ int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
        _cleanup_free_ char *buf = NULL;
        size_t len = 0;
        struct stat st;

        if (fd < 0)
                return log_error_errno(-errno, "TLS file '%s': %m", path);
        if (fstat(fd, &st) < 0)
                return log_error_errno(-errno, "TLS file '%s': %m", path);
        if (!S_ISREG(st.st_mode) || st.st_size > PEM_FILE_MAX)
                return log_error_errno(-EINVAL,
                                       "TLS file '%s': not a regular file of at most "
                                       "1 MiB",
                                       path);
        buf = malloc((size_t) st.st_size + 1);
        if (!buf)
                return -ENOMEM;
        while (len < (size_t) st.st_size) {
                ssize_t k = read(fd, buf + len, (size_t) st.st_size - len);
                if (k < 0 && errno == EINTR)
                        continue;
                if (k < 0)
                        return log_error_errno(-errno, "TLS file '%s': %m", path);
                if (k == 0)
                        break;
                len += (size_t) k;
        }
        buf[len] = 0;
        *ret = TAKE_PTR(buf);
        return 0;
}

/**
 * http_server_new() - binds cfg->listen and starts serving (inside the caller's loop).
 * @ret: the server.
 * @cfg: the settings, copied.
 * @backend: the daemon's callbacks, copied; its userdata must outlive the server.
 *
 * Return: 0, or -errno after logging why (bad listen address, bind failure, unreadable users
 * file or TLS files, libmicrohttpd refusing to start).
 */
int http_server_new(HttpServer **ret, const HttpConfig *cfg, const HttpBackend *backend) {
        _cleanup_(http_server_freep) HttpServer *s = NULL;
        _cleanup_(http_users_freep) HttpUsers *users = NULL;
        int r;

        s = calloc(1, sizeof(*s));
        if (!s)
                return -ENOMEM;
        s->listen_fd = s->epoll_fd = s->wake_fd = -1;
        s->backend = *backend;
        s->metrics_auth = cfg->metrics_auth;
        s->max_connections = cfg->max_connections > 0 ? cfg->max_connections : 256;
        s->request_size_max = cfg->request_size_max > 0 ? cfg->request_size_max : 1024 * 1024;
        if (cfg->users_file && *cfg->users_file) {
                r = http_users_load(&users, cfg->users_file);
                if (r < 0)
                        return r;
                s->users_file = strdup(cfg->users_file);
                if (!s->users_file)
                        return -ENOMEM;
        }
        if (cfg->pool_secret && *cfg->pool_secret) {
                s->pool_secret = strdup(cfg->pool_secret);
                if (!s->pool_secret)
                        return -ENOMEM;
                s->pool_secret_len = strlen(s->pool_secret);
        }
        r = http_auth_new(&s->auth, TAKE_PTR(users));
        if (r < 0)
                return r;
        r = http_sessions_new(&s->sessions, (usec_t) cfg->session_timeout_s * USEC_PER_SEC,
                              cfg->sessions_per_user);
        if (r < 0)
                return r;
        r = http_rpc_table_new(&s->rpc);
        if (r < 0)
                return r;
        static const struct {
                const char *name;
                HttpRpcHandler handler;
        } builtin[] = {
                {"session.login_with_password", rpc_login},
                {"session.logout", rpc_logout},
                {"session.get_this_host", rpc_host_ref},
                {"pool.get_all", rpc_pool_get_all},
                {"pool.get_master", rpc_host_ref},
                {"host.get_API_version_major", rpc_api_version},
                {"host.get_API_version_minor", rpc_api_version},
        };
        for (size_t i = 0; i < ELEMENTSOF(builtin); i++) {
                r = http_rpc_table_register(s->rpc, builtin[i].name, builtin[i].handler, s);
                if (r < 0)
                        return r;
        }

        bool tls = cfg->tls_cert && *cfg->tls_cert && cfg->tls_key && *cfg->tls_key;
        if (tls) {
                r = read_pem(cfg->tls_cert, &s->tls_cert_pem);
                if (r >= 0)
                        r = read_pem(cfg->tls_key, &s->tls_key_pem);
                if (r < 0)
                        return r;
        }
        r = bind_listen(cfg->listen, &s->listen_fd, &s->port);
        if (r < 0)
                return r;

        /* Suspend/resume: requests whose work runs on a thread of its own (pool). */
        unsigned flags = MHD_USE_EPOLL | MHD_USE_ERROR_LOG | MHD_ALLOW_SUSPEND_RESUME |
                         (tls ? MHD_USE_TLS : 0);
        struct MHD_OptionItem opts[] = {
                {MHD_OPTION_LISTEN_SOCKET, s->listen_fd, NULL},
                {MHD_OPTION_CONNECTION_LIMIT, (intptr_t) s->max_connections, NULL},
                {MHD_OPTION_CONNECTION_TIMEOUT,
                 cfg->connection_timeout_s > 0 ? (intptr_t) cfg->connection_timeout_s : 60, NULL},
                {MHD_OPTION_CONNECTION_MEMORY_LIMIT, CONNECTION_MEMORY_BYTES, NULL},
                {MHD_OPTION_URI_LOG_CALLBACK, (intptr_t) on_uri, s},
                {MHD_OPTION_NOTIFY_COMPLETED, (intptr_t) on_completed, s},
                {MHD_OPTION_NOTIFY_CONNECTION, (intptr_t) on_connection, s},
                {MHD_OPTION_EXTERNAL_LOGGER, (intptr_t) on_mhd_log, s},
                {tls ? MHD_OPTION_HTTPS_MEM_CERT : MHD_OPTION_END, 0, s->tls_cert_pem},
                {tls ? MHD_OPTION_HTTPS_MEM_KEY : MHD_OPTION_END, 0, s->tls_key_pem},
                {MHD_OPTION_END, 0, NULL},
        };
        s->mhd = MHD_start_daemon(flags, 0, NULL, NULL, on_request, s, MHD_OPTION_ARRAY, opts,
                                  MHD_OPTION_END);
        if (!s->mhd)
                return log_error_errno(-EIO, "libmicrohttpd did not start on %s%s", cfg->listen,
                                       tls ? " (check the TLS certificate and key)" : "");
        const union MHD_DaemonInfo *info = MHD_get_daemon_info(s->mhd, MHD_DAEMON_INFO_EPOLL_FD);
        s->wake_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
        s->epoll_fd = epoll_create1(EPOLL_CLOEXEC);
        if (!info || s->wake_fd < 0 || s->epoll_fd < 0)
                return log_error_errno(-errno, "epoll/eventfd for the HTTP server: %m");
        struct epoll_event ev = {.events = EPOLLIN};
        if (epoll_ctl(s->epoll_fd, EPOLL_CTL_ADD, info->epoll_fd, &ev) < 0 ||
            epoll_ctl(s->epoll_fd, EPOLL_CTL_ADD, s->wake_fd, &ev) < 0)
                return log_error_errno(-errno, "epoll_ctl for the HTTP server: %m");
        log_info("HTTP%s on port %u", tls ? "S" : "", s->port);
        *ret = TAKE_PTR(s);
        return 0;
}

/**
 * http_server_free() - stops serving, closes every connection and frees the server.
 * @s: the server, or NULL.
 *
 * Return: NULL.
 */
HttpServer *http_server_free(HttpServer *s) {
        if (!s)
                return NULL;
        /*
         * Requests still being worked on: their threads finish (every one has a deadline) and
         * resume their connections; libmicrohttpd must see them resumed and answered before it
         * stops, as it refuses to stop with a connection suspended.
         */
        for (Deferred *df = s->deferred; df; df = df->next) {
                (void) pthread_join(df->thread, NULL);
                df->joined = true;
        }
        for (unsigned i = 0; s->mhd && s->deferred && i < 100; i++)
                (void) MHD_run(s->mhd);
        if (s->mhd)
                MHD_stop_daemon(s->mhd);
        while (s->deferred) {
                Deferred *df = s->deferred;
                s->deferred = df->next;
                deferred_free(df);
        }
        if (s->epoll_fd >= 0)
                (void) close(s->epoll_fd);
        if (s->wake_fd >= 0)
                (void) close(s->wake_fd);
        if (s->listen_fd >= 0)
                (void) close(s->listen_fd);
        http_rpc_table_free(s->rpc);
        http_sessions_free(s->sessions);
        http_auth_free(s->auth);
        free(s->users_file);
        if (s->pool_secret) {
                explicit_bzero(s->pool_secret, s->pool_secret_len);
                free(s->pool_secret);
        }
        free(s->tls_cert_pem);
        if (s->tls_key_pem) {
                explicit_bzero(s->tls_key_pem, strlen(s->tls_key_pem));
                free(s->tls_key_pem);
        }
        free(s);
        return NULL;
}

/**
 * http_server_fd() - the fd the daemon's loop watches for readability.
 * @s: the server.
 *
 * Return: an epoll fd holding libmicrohttpd's and the server's own wake-up.
 */
int http_server_fd(HttpServer *s) {
        return s->epoll_fd;
}

static unsigned n_connections(HttpServer *s) {
        const union MHD_DaemonInfo *info =
                MHD_get_daemon_info(s->mhd, MHD_DAEMON_INFO_CURRENT_CONNECTIONS);
        return info ? info->num_connections : 0;
}

/**
 * http_server_run() - does whatever is ready (accepts, reads, handlers, writes) without
 * blocking; call it when the fd is readable and when http_server_timeout_msec() runs out.
 * @s: the server.
 *
 * Return: 0, or -EIO when libmicrohttpd fails.
 */
int http_server_run(HttpServer *s) {
        unsigned before = n_connections(s);
        uint64_t n;

        (void) !read(s->wake_fd, &n, sizeof(n));
        if (MHD_run(s->mhd) != MHD_YES)
                return -EIO;
        /*
         * At max_connections MHD takes the listening socket out of its epoll set, and puts it
         * back only at the start of its next run. If connections closed in this run, nothing
         * would wake the loop for that next run while clients wait in the backlog: run again.
         */
        if (before >= s->max_connections && n_connections(s) < s->max_connections &&
            MHD_run(s->mhd) != MHD_YES)
                return -EIO;
        return 0;
}

/**
 * http_server_timeout_msec() - how long the loop may sleep before the next run.
 * @s: the server.
 *
 * Return: milliseconds (0: run again at once), or -1 to wait for the fd only.
 */
int http_server_timeout_msec(HttpServer *s) {
        MHD_UNSIGNED_LONG_LONG t = 0;

        /*
         * A deferred request whose thread is done was resumed, but libmicrohttpd 0.9.75 calls
         * its handler again only on a later run, with nothing to wake the loop for it.
         */
        for (Deferred *df = s->deferred; df; df = df->next)
                if (atomic_load(&df->done))
                        return 0;
        if (MHD_get_timeout(s->mhd, &t) != MHD_YES)
                return -1;
        return t > INT_MAX ? INT_MAX : (int) t;
}

/**
 * http_server_port() - the port bound (useful with port 0 in the listen address).
 * @s: the server.
 *
 * Return: the port in host order.
 */
uint16_t http_server_port(const HttpServer *s) {
        return s->port;
}

static bool user_exists(void *userdata, const char *user) {
        return http_users_hash(userdata, user) != NULL;
}

/**
 * http_server_reload_users() - re-reads the users file (SIGHUP). Sessions of users who are no
 * longer in it end; cached password checks are forgotten.
 * @s: the server.
 *
 * Return: 0 (also without a users file), or -errno with the previous users kept.
 */
int http_server_reload_users(HttpServer *s) {
        HttpUsers *users = NULL;
        int r;

        if (!s->users_file)
                return 0;
        r = http_users_load(&users, s->users_file);
        if (r < 0) {
                log_warning("keeping the previous users");
                return r;
        }
        http_auth_set_users(s->auth, users);
        /* Sessions of users who are gone end now. */
        http_sessions_sweep(s->sessions, now_mono(), user_exists, users);
        log_info("users reloaded from '%s': %zu user(s)", s->users_file, http_users_count(users));
        return 0;
}
