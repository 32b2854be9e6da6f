#pragma once
/* SPDX-License-Identifier: MIT */
/*
 * The HTTP server (libmicrohttpd inside the daemon's own epoll loop): /rrd_updates, /host_rrd,
 * /vm_rrd, /sr_rrd, XML-RPC sessions on POST / and /RPC2, /metrics; authentication; TLS.
 * The daemon watches http_server_fd() for readability, calls http_server_run() when it is
 * readable and at least every http_server_timeout_msec().
 */

#include <stdbool.h>
#include <stdint.h>

#include "http/backend.h"

typedef struct HttpConfig {
        const char *listen;   /* ADDR:PORT or [IPv6]:PORT; port 0 picks a free one */
        const char *tls_cert; /* PEM paths; TLS when both are set, else NULL */
        const char *tls_key;
        const char *users_file;  /* user:crypt-hash lines */
        const char *pool_secret; /* host-to-host secret, NULL when none */
        bool metrics_auth;       /* /metrics needs credentials too */
        unsigned max_connections;
        unsigned connection_timeout_s;
        uint64_t request_size_max;  /* bytes of a request body */
        unsigned session_timeout_s; /* idle sessions expire */
        unsigned sessions_per_user;
} HttpConfig;

typedef struct HttpServer HttpServer;

/* Binds and starts listening. Return: 0, or -errno (with a logged reason). */
int http_server_new(HttpServer **ret, const HttpConfig *cfg, const HttpBackend *backend);
HttpServer *http_server_free(HttpServer *s);
static inline void http_server_freep(HttpServer **s) {
        if (*s)
                (void) http_server_free(*s);
}

int http_server_fd(HttpServer *s);
/* Does whatever is ready, without blocking. */
int http_server_run(HttpServer *s);
/* How long the loop may sleep before calling http_server_run() again; -1: until the fd. */
int http_server_timeout_msec(HttpServer *s);
/* The port actually bound. */
uint16_t http_server_port(const HttpServer *s);
/* Re-reads the users file (SIGHUP); the old users stay if it cannot be read. */
int http_server_reload_users(HttpServer *s);
