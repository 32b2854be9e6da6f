/* SPDX-License-Identifier: MIT */
/* The host-to-host HTTP client against a canned server on loopback. */

#include <arpa/inet.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "rrdd/httpc.h"
#include "rrdd/macro.h"
#include "tests/tap.h"

typedef struct Canned {
        int listen_fd;
        const char *reply; /* sent after the request headers (and body) arrive */
        size_t reply_len;
        bool hang; /* never answer */
        char request[8192];
} Canned;

static void *serve_once(void *arg) {
        Canned *c = arg;
        int fd = accept(c->listen_fd, NULL, NULL);
        size_t got = 0;

        if (fd < 0)
                return NULL;
        /* Read until the headers and a Content-Length body have arrived. */
        for (;;) {
                ssize_t n = read(fd, c->request + got, sizeof(c->request) - 1 - got);
                if (n <= 0)
                        break;
                got += (size_t) n;
                c->request[got] = '\0';
                char *end = strstr(c->request, "\r\n\r\n");
                if (!end)
                        continue;
                char *cl = strstr(c->request, "Content-Length: ");
                size_t want = cl ? strtoul(cl + 16, NULL, 10) : 0;
                if (got >= (size_t) (end - c->request) + 4 + want)
                        break;
        }
        if (c->hang) {
                sleep(2);
                close(fd);
                return NULL;
        }
        (void) !write(fd, c->reply, c->reply_len);
        close(fd);
        return NULL;
}

static int start(Canned *c, const char *reply, uint16_t *port) {
        struct sockaddr_in sa = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
        socklen_t len = sizeof(sa);

        c->listen_fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
        if (c->listen_fd < 0 || bind(c->listen_fd, (struct sockaddr *) &sa, sizeof(sa)) < 0 ||
            listen(c->listen_fd, 4) < 0 ||
            getsockname(c->listen_fd, (struct sockaddr *) &sa, &len) < 0)
                return -1;
        c->reply = reply;
        c->reply_len = reply ? strlen(reply) : 0;
        *port = ntohs(sa.sin_port);
        return 0;
}

static int run(const char *reply, bool hang, const char *method, const char *body,
               unsigned timeout_ms, size_t max, HttpcResponse *resp, Canned *c) {
        pthread_t t;
        uint16_t port;
        char url_text[64];
        HttpcUrl url;
        int r;

        memset(c, 0, sizeof(*c));
        c->hang = hang;
        if (start(c, reply, &port) < 0)
                return -999;
        (void) snprintf(url_text, sizeof(url_text), "http://127.0.0.1:%u/base", port);
        if (httpc_parse_url(url_text, &url) < 0)
                return -998;
        pthread_create(&t, NULL, serve_once, c);
        HttpcRequest req = {
                .method = method,
                .url = &url,
                .target = "/rrd?uuid=x",
                .cookie = "pool_secret=s3cret",
                .content_type = body ? "text/xml" : NULL,
                .body = body,
                .body_len = body ? strlen(body) : 0,
                .timeout_ms = timeout_ms,
                .max_response = max,
        };
        r = httpc_request(&req, resp);
        pthread_join(t, NULL);
        close(c->listen_fd);
        return r;
}

static void test_responses(void) {
        HttpcResponse resp;
        Canned c;

        CHECK(run("HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhello", false, "GET", NULL, 0, 0,
                  &resp, &c) == 0);
        CHECK(resp.status == 200 && resp.body_len == 5 && strcmp(resp.body, "hello") == 0);
        CHECK(strncmp(c.request, "GET /base/rrd?uuid=x HTTP/1.1\r\n", 31) == 0);
        CHECK(strstr(c.request, "\r\nCookie: pool_secret=s3cret\r\n") != NULL);
        CHECK(strstr(c.request, "\r\nHost: 127.0.0.1:") != NULL);
        httpc_response_done(&resp);

        CHECK(run("HTTP/1.1 200 OK\r\nTransfer-Encoding: "
                  "chunked\r\n\r\n4\r\nabcd\r\n3\r\nefg\r\n0\r\n\r\n",
                  false, "GET", NULL, 0, 0, &resp, &c) == 0);
        CHECK(resp.status == 200 && strcmp(resp.body, "abcdefg") == 0 && resp.body_len == 7);
        httpc_response_done(&resp);

        CHECK(run("HTTP/1.0 200 OK\r\nContent-Type: text/xml\r\n\r\n<rrd/>", false, "GET", NULL, 0,
                  0, &resp, &c) == 0);
        CHECK(resp.status == 200 && strcmp(resp.body, "<rrd/>") == 0);
        httpc_response_done(&resp);

        CHECK(run("HTTP/1.1 302 Found\r\nLocation: http://10.0.0.2:8089/rrd?uuid=x\r\n"
                  "Content-Length: 0\r\n\r\n",
                  false, "GET", NULL, 0, 0, &resp, &c) == 0);
        CHECK(resp.status == 302 && strcmp(resp.location, "http://10.0.0.2:8089/rrd?uuid=x") == 0);
        httpc_response_done(&resp);

        /* A PUT carries its body with a length. */
        CHECK(run("HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n", false, "PUT", "<rrd></rrd>", 0, 0,
                  &resp, &c) == 0);
        CHECK(resp.status == 200);
        CHECK(strstr(c.request, "Content-Length: 11\r\n") &&
              strstr(c.request, "\r\n\r\n<rrd></rrd>"));
        httpc_response_done(&resp);
}

static void test_failures(void) {
        HttpcResponse resp;
        Canned c;

        CHECK(run("HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\nshort", false, "GET", NULL, 0, 0,
                  &resp, &c) == -EPROTO);
        CHECK(run("garbage\r\n\r\n", false, "GET", NULL, 0, 0, &resp, &c) == -EPROTO);
        CHECK(run("HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\n0123456789", false, "GET", NULL, 0,
                  4, &resp, &c) == -EFBIG);
        CHECK(run(NULL, true, "GET", NULL, 300, 0, &resp, &c) == -ETIMEDOUT);
        /* A chunk shorter or longer than its size line says (the body read so far is freed). */
        CHECK(run("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabcd\r\n0\r\n\r\n",
                  false, "GET", NULL, 0, 0, &resp, &c) == -EPROTO);
        CHECK(run("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nab\r\n"
                  "8\r\nabc{d\r\n0\r\n\r\n",
                  false, "GET", NULL, 0, 0, &resp, &c) == -EPROTO);
        /* A size line near 2^64 must not wrap the limit check. */
        CHECK(run("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n1\r\na\r\n"
                  "ffffffffffffffff\r\nx\r\n0\r\n\r\n",
                  false, "GET", NULL, 0, 0, &resp, &c) == -EFBIG);

        /* Nobody listening. */
        HttpcUrl url;
        CHECK(httpc_parse_url("http://127.0.0.1:1", &url) == 0);
        HttpcRequest req = {.method = "GET", .url = &url, .target = "/", .timeout_ms = 2000};
        CHECK(httpc_request(&req, &resp) == -ECONNREFUSED);
}

static void test_urls(void) {
        HttpcUrl u;
        char buf[64];

        CHECK(httpc_parse_url("https://master.example:8443/pool/", &u) == 0);
        CHECK(u.tls && strcmp(u.host, "master.example") == 0 && u.port == 8443 &&
              strcmp(u.path, "/pool") == 0);
        CHECK(httpc_parse_url("http://10.0.0.1", &u) == 0 && !u.tls && u.port == 80 &&
              u.path[0] == 0);
        CHECK(httpc_parse_url("https://[fd00::1]:9000", &u) == 0 &&
              strcmp(u.host, "fd00::1") == 0 && u.port == 9000);
        CHECK(httpc_parse_url("ftp://x", &u) == -EINVAL);
        CHECK(httpc_parse_url("http://", &u) == -EINVAL);
        CHECK(httpc_parse_url("http://h:0", &u) == -EINVAL);
        CHECK(httpc_parse_url("http://h:70000", &u) == -EINVAL);
        CHECK(httpc_parse_url("http://h:80x/", &u) == -EINVAL);
        CHECK(httpc_parse_url("http://user@h/", &u) == -EINVAL);
        CHECK(httpc_escape("a b/c:d", buf, sizeof(buf)) == 13 && strcmp(buf, "a%20b%2Fc%3Ad") == 0);
        CHECK(httpc_escape("abcdef", buf, 4) == -ENAMETOOLONG);
}

int main(void) {
        test_urls();
        test_responses();
        test_failures();
        return TAP_DONE();
}
