/* SPDX-License-Identifier: MIT */
/*
 * The HTTP client (see httpc.h). Non-blocking sockets under poll() give one deadline for the
 * whole exchange; responses may be Content-Length, chunked or close-delimited.
 */

#include "rrdd/httpc.h"

#include <errno.h>
#include <fcntl.h>
#include <gnutls/gnutls.h>
#include <netdb.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "rrdd/macro.h"

#define HEADER_MAX (64 * 1024)

typedef struct Conn {
        int fd;
        gnutls_session_t tls;
        gnutls_certificate_credentials_t cred;
        int64_t deadline_ms;
} Conn;

static int64_t now_ms(void) {
        struct timespec ts;
        (void) clock_gettime(CLOCK_MONOTONIC, &ts);
        return (int64_t) ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static int wait_fd(Conn *c, short events) {
        for (;;) {
                int64_t left = c->deadline_ms - now_ms();
                if (left <= 0)
                        return -ETIMEDOUT;
                struct pollfd p = {.fd = c->fd, .events = events};
                int r = poll(&p, 1, (int) left);
                if (r < 0 && errno == EINTR)
                        continue;
                if (r < 0)
                        return -errno;
                if (r > 0)
                        return 0;
        }
}

int httpc_parse_url(const char *url, HttpcUrl *ret) {
        HttpcUrl u = {};
        const char *p, *host_end, *path;
        size_t n;

        if (strncmp(url, "https://", 8) == 0) {
                u.tls = true;
                p = url + 8;
                u.port = 443;
        } else if (strncmp(url, "http://", 7) == 0) {
                p = url + 7;
                u.port = 80;
        } else
                return -EINVAL;
        path = p + strcspn(p, "/?#");
        if (*p == '[') {
                host_end = memchr(p, ']', (size_t) (path - p));
                if (!host_end)
                        return -EINVAL;
                n = (size_t) (host_end - p - 1);
                if (n == 0 || n >= sizeof(u.host))
                        return -EINVAL;
                memcpy(u.host, p + 1, n);
                p = host_end + 1;
        } else {
                host_end = p;
                while (host_end < path && *host_end != ':')
                        host_end++;
                n = (size_t) (host_end - p);
                if (n == 0 || n >= sizeof(u.host))
                        return -EINVAL;
                memcpy(u.host, p, n);
                p = host_end;
        }
        if (p < path && *p == ':') {
                unsigned long port = 0;
                if (p + 1 == path)
                        return -EINVAL;
                for (p++; p < path; p++) {
                        if (*p < '0' || *p > '9' ||
                            (port = port * 10 + (unsigned) (*p - '0')) > 65535)
                                return -EINVAL;
                }
                if (port == 0)
                        return -EINVAL;
                u.port = (uint16_t) port;
        } else if (p != path)
                return -EINVAL;
        if (*path == '/') {
                n = strcspn(path, "?#");
                while (n > 0 && path[n - 1] == '/')
                        n--;
                if (n >= sizeof(u.path))
                        return -EINVAL;
                memcpy(u.path, path, n);
        }
        for (const char *c = u.host; *c; c++)
                if (*c <= ' ' || *c == '/' || *c == '@')
                        return -EINVAL;
        *ret = u;
        return 0;
}

static int conn_open(Conn *c, const HttpcUrl *u, const char *ca_file) {
        struct addrinfo hints = {.ai_socktype = SOCK_STREAM}, *res = NULL;
        char port[8];
        int r = -ECONNREFUSED;

        (void) snprintf(port, sizeof(port), "%u", u->port);
        if (getaddrinfo(u->host, port, &hints, &res) != 0)
                return -EHOSTUNREACH;
        for (struct addrinfo *a = res; a; a = a->ai_next) {
                c->fd = socket(a->ai_family, a->ai_socktype | SOCK_CLOEXEC | SOCK_NONBLOCK,
                               a->ai_protocol);
                if (c->fd < 0) {
                        r = -errno;
                        continue;
                }
                if (connect(c->fd, a->ai_addr, a->ai_addrlen) == 0 || errno == EINPROGRESS) {
                        int err = 0;
                        socklen_t len = sizeof(err);
                        r = wait_fd(c, POLLOUT);
                        if (r == 0 && getsockopt(c->fd, SOL_SOCKET, SO_ERROR, &err, &len) == 0 &&
                            err == 0)
                                break;
                        if (r == 0)
                                r = -(err ? err : ECONNREFUSED);
                } else
                        r = -errno;
                close(c->fd);
                c->fd = -1;
        }
        freeaddrinfo(res);
        if (c->fd < 0)
                return r;
        if (!u->tls)
                return 0;

        if (gnutls_certificate_allocate_credentials(&c->cred) < 0)
                return -ENOMEM;
        r = ca_file ? gnutls_certificate_set_x509_trust_file(c->cred, ca_file, GNUTLS_X509_FMT_PEM)
                    : gnutls_certificate_set_x509_system_trust(c->cred);
        if (r < 0)
                return -EPROTO;
        if (gnutls_init(&c->tls, GNUTLS_CLIENT | GNUTLS_NONBLOCK) < 0)
                return -ENOMEM;
        if (gnutls_set_default_priority(c->tls) < 0 ||
            gnutls_credentials_set(c->tls, GNUTLS_CRD_CERTIFICATE, c->cred) < 0)
                return -EPROTO;
        (void) gnutls_server_name_set(c->tls, GNUTLS_NAME_DNS, u->host, strlen(u->host));
        gnutls_session_set_verify_cert(c->tls, u->host, 0);
        gnutls_transport_set_int(c->tls, c->fd);
        for (;;) {
                r = gnutls_handshake(c->tls);
                if (r == GNUTLS_E_SUCCESS)
                        return 0;
                if (r != GNUTLS_E_AGAIN && r != GNUTLS_E_INTERRUPTED)
                        return -EPROTO;
                r = wait_fd(c, gnutls_record_get_direction(c->tls) ? POLLOUT : POLLIN);
                if (r < 0)
                        return r;
        }
}

static void conn_close(Conn *c) {
        if (c->tls) {
                gnutls_deinit(c->tls);
                c->tls = NULL;
        }
        if (c->cred) {
                gnutls_certificate_free_credentials(c->cred);
                c->cred = NULL;
        }
        if (c->fd >= 0) {
                close(c->fd);
                c->fd = -1;
        }
}

static int conn_send(Conn *c, const char *buf, size_t len) {
        while (len > 0) {
                ssize_t n;
                if (c->tls) {
                        n = gnutls_record_send(c->tls, buf, len);
                        if (n == GNUTLS_E_AGAIN || n == GNUTLS_E_INTERRUPTED) {
                                int r = wait_fd(c, POLLOUT);
                                if (r < 0)
                                        return r;
                                continue;
                        }
                        if (n < 0)
                                return -EPROTO;
                } else {
                        n = send(c->fd, buf, len, MSG_NOSIGNAL);
                        if (n < 0 && (errno == EAGAIN || errno == EINTR)) {
                                int r = wait_fd(c, POLLOUT);
                                if (r < 0)
                                        return r;
                                continue;
                        }
                        if (n < 0)
                                return -errno;
                }
                buf += n;
                len -= (size_t) n;
        }
        return 0;
}

/* Return: bytes read, 0 at end of stream, -errno. */
static ssize_t conn_recv(Conn *c, char *buf, size_t len) {
        for (;;) {
                ssize_t n;
                if (c->tls) {
                        n = gnutls_record_recv(c->tls, buf, len);
                        if (n == GNUTLS_E_AGAIN || n == GNUTLS_E_INTERRUPTED) {
                                int r = wait_fd(c, POLLIN);
                                if (r < 0)
                                        return r;
                                continue;
                        }
                        if (n == GNUTLS_E_PREMATURE_TERMINATION)
                                return 0;
                        if (n < 0)
                                return -EPROTO;
                        return n;
                }
                n = recv(c->fd, buf, len, 0);
                if (n < 0 && (errno == EAGAIN || errno == EINTR)) {
                        int r = wait_fd(c, POLLIN);
                        if (r < 0)
                                return r;
                        continue;
                }
                return n < 0 ? -errno : n;
        }
}

/* A growable buffer of what was received but not consumed. */
typedef struct Buf {
        char *data;
        size_t len, cap;
} Buf;

static int buf_reserve(Buf *b, size_t more) {
        if (b->len + more + 1 <= b->cap)
                return 0;
        size_t cap = b->cap ? b->cap : 16384;
        while (cap < b->len + more + 1)
                cap *= 2;
        char *n = realloc(b->data, cap);
        if (!n)
                return -ENOMEM;
        b->data = n;
        b->cap = cap;
        return 0;
}

static void buf_done(Buf *b) {
        free(b->data);
        b->data = NULL;
}

static ssize_t fill(Conn *c, Buf *b) {
        int r = buf_reserve(b, 16384);
        if (r < 0)
                return r;
        ssize_t n = conn_recv(c, b->data + b->len, b->cap - b->len - 1);
        if (n > 0)
                b->len += (size_t) n;
        return n;
}

static const char *header_value(const char *headers, const char *name) {
        size_t n = strlen(name);
        for (const char *l = strstr(headers, "\r\n"); l; l = strstr(l + 2, "\r\n"))
                if (strncasecmp(l + 2, name, n) == 0 && l[2 + n] == ':') {
                        const char *v = l + 3 + n;
                        while (*v == ' ' || *v == '\t')
                                v++;
                        return v;
                }
        return NULL;
}

static int read_body(Conn *c, Buf *in, size_t start, const char *headers, size_t max,
                     HttpcResponse *ret) {
        const char *te = header_value(headers, "Transfer-Encoding");
        const char *cl = header_value(headers, "Content-Length");
        _cleanup_(buf_done) Buf out = {};
        int r = 0;

        if (te && strncasecmp(te, "chunked", 7) == 0) {
                size_t pos = start;
                for (;;) {
                        char *eol;
                        while (!(eol = memmem(in->data + pos, in->len - pos, "\r\n", 2))) {
                                if (in->len - pos > 64)
                                        return -EPROTO; /* no chunk-size line is that long */
                                ssize_t n = fill(c, in);
                                if (n <= 0)
                                        return n < 0 ? (int) n : -EPROTO;
                        }
                        in->data[in->len] = '\0';
                        char *end;
                        unsigned long size = strtoul(in->data + pos, &end, 16);
                        if (end == in->data + pos)
                                return -EPROTO;
                        pos = (size_t) (eol - in->data) + 2;
                        if (size == 0)
                                break;
                        /* size comes from the peer: no sum below may wrap */
                        if (size > max || out.len > max - size)
                                return -EFBIG;
                        while (in->len < pos + size + 2) {
                                ssize_t n = fill(c, in);
                                if (n <= 0)
                                        return n < 0 ? (int) n : -EPROTO;
                        }
                        if (in->data[pos + size] != '\r' || in->data[pos + size + 1] != '\n')
                                return -EPROTO; /* the chunk is not the size it announced */
                        if ((r = buf_reserve(&out, size)) < 0)
                                return r;
                        memcpy(out.data + out.len, in->data + pos, size);
                        out.len += size;
                        pos += size + 2;
                }
        } else {
                unsigned long long want = 0;
                bool sized = cl != NULL;
                if (sized) {
                        char *end;
                        want = strtoull(cl, &end, 10);
                        if (end == cl)
                                return -EPROTO;
                        if (want > max)
                                return -EFBIG;
                }
                for (;;) {
                        size_t have = in->len - start;
                        if (sized && have >= want)
                                break;
                        if (!sized && have > max)
                                return -EFBIG;
                        ssize_t n = fill(c, in);
                        if (n < 0)
                                return (int) n;
                        if (n == 0) {
                                if (sized)
                                        return -EPROTO; /* shorter than announced */
                                break;
                        }
                }
                size_t len = sized ? (size_t) want : in->len - start;
                if ((r = buf_reserve(&out, len)) < 0)
                        return r;
                memcpy(out.data, in->data + start, len);
                out.len = len;
        }
        if ((r = buf_reserve(&out, 0)) < 0)
                return r;
        out.data[out.len] = '\0';
        ret->body = TAKE_PTR(out.data);
        ret->body_len = out.len;
        return 0;
}

static int read_response(Conn *c, Buf *in, const char *method, size_t max, HttpcResponse *ret) {
        char *end;
        int r;

        for (;;) {
                ssize_t got;
                if (in->len > 0) {
                        in->data[in->len] = '\0';
                        if ((end = strstr(in->data, "\r\n\r\n")))
                                break;
                }
                if (in->len > HEADER_MAX)
                        return -EPROTO;
                got = fill(c, in);
                if (got <= 0)
                        return got < 0 ? (int) got : -EPROTO;
        }
        size_t body_start = (size_t) (end - in->data) + 4;
        end[2] = '\0'; /* headers end with "\r\n", as header_value() expects */
        int status;
        if (sscanf(in->data, "HTTP/1.%*1[01] %3d", &status) != 1 || status < 100 || status > 599)
                return -EPROTO;
        ret->status = status;
        const char *loc = header_value(in->data, "Location");
        if (loc) {
                size_t l = strcspn(loc, "\r\n");
                if (l >= sizeof(ret->location))
                        l = sizeof(ret->location) - 1;
                memcpy(ret->location, loc, l);
                ret->location[l] = '\0';
        }
        char *headers = strdup(in->data);
        if (!headers)
                return -ENOMEM;
        if (status == 204 || status == 304 || strcmp(method, "HEAD") == 0) {
                ret->body = calloc(1, 1);
                r = ret->body ? 0 : -ENOMEM;
        } else
                r = read_body(c, in, body_start, headers, max, ret);
        free(headers);
        return r;
}

int httpc_read_response_fd(int fd, const char *method, size_t max_response, unsigned timeout_ms,
                           HttpcResponse *ret) {
        Conn c = {.fd = fd, .deadline_ms = now_ms() + (timeout_ms ? timeout_ms : 30000)};
        Buf in = {};
        int r;

        memset(ret, 0, sizeof(*ret));
        r = read_response(&c, &in, method, max_response ? max_response : (size_t) 256 << 20, ret);
        free(in.data);
        if (r < 0)
                httpc_response_done(ret);
        return r;
}

int httpc_request(const HttpcRequest *req, HttpcResponse *ret) {
        Conn c = {.fd = -1};
        Buf in = {};
        char head[4096];
        size_t max = req->max_response ? req->max_response : (size_t) 256 << 20;
        int n, r;

        memset(ret, 0, sizeof(*ret));
        c.deadline_ms = now_ms() + (req->timeout_ms ? req->timeout_ms : 30000);
        r = conn_open(&c, req->url, req->ca_file);
        if (r < 0)
                goto out;

        bool v6 = strchr(req->url->host, ':') != NULL;
        n = snprintf(head, sizeof(head),
                     "%s %s%s HTTP/1.1\r\nHost: %s%s%s:%u\r\nUser-Agent: rrdd/0.1.0\r\n"
                     "Accept-Encoding: identity\r\nConnection: close\r\n",
                     req->method, req->url->path, req->target ? req->target : "/", v6 ? "[" : "",
                     req->url->host, v6 ? "]" : "", req->url->port);
        if (req->cookie)
                n += snprintf(head + n, sizeof(head) - (size_t) n, "Cookie: %s\r\n", req->cookie);
        if (req->authorization)
                n += snprintf(head + n, sizeof(head) - (size_t) n, "Authorization: %s\r\n",
                              req->authorization);
        if (req->body)
                n += snprintf(head + n, sizeof(head) - (size_t) n,
                              "Content-Type: %s\r\nContent-Length: %zu\r\n",
                              req->content_type ? req->content_type : "application/octet-stream",
                              req->body_len);
        else if (strcmp(req->method, "GET") != 0)
                n += snprintf(head + n, sizeof(head) - (size_t) n, "Content-Length: 0\r\n");
        n += snprintf(head + n, sizeof(head) - (size_t) n, "\r\n");
        if (n < 0 || (size_t) n >= sizeof(head)) {
                r = -ENAMETOOLONG;
                goto out;
        }
        if ((r = conn_send(&c, head, (size_t) n)) < 0)
                goto out;
        if (req->body && (r = conn_send(&c, req->body, req->body_len)) < 0)
                goto out;

        r = read_response(&c, &in, req->method, max, ret);
out:
        free(in.data);
        conn_close(&c);
        if (r < 0)
                httpc_response_done(ret);
        return r;
}

void httpc_response_done(HttpcResponse *r) {
        free(r->body);
        r->body = NULL;
        r->body_len = 0;
}

int httpc_escape(const char *s, char *buf, size_t size) {
        static const char hex[] = "0123456789ABCDEF";
        size_t n = 0;

        for (; *s; s++) {
                unsigned char ch = (unsigned char) *s;
                bool plain = (ch >= 'A' && ch <= 'Z') || (ch >= 'a' && ch <= 'z') ||
                             (ch >= '0' && ch <= '9') || ch == '-' || ch == '_' || ch == '.' ||
                             ch == '~';
                if (n + (plain ? 1 : 3) >= size)
                        return -ENAMETOOLONG;
                if (plain)
                        buf[n++] = (char) ch;
                else {
                        buf[n++] = '%';
                        buf[n++] = hex[ch >> 4];
                        buf[n++] = hex[ch & 15];
                }
        }
        buf[n] = '\0';
        return (int) n;
}
