#pragma once
/* SPDX-License-Identifier: MIT */
/*
 * A small blocking HTTP/1.1 client for host-to-host calls (a member sending an RRD to the
 * master, the master asking members): one request per connection, bodies in memory, TLS through
 * GnuTLS with certificate verification, a deadline on the whole exchange. Thread-safe: it keeps
 * no state between calls. Runs on the worker or a fan-out thread, never on the loop thread.
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct HttpcUrl {
        bool tls;
        char host[256]; /* a name, an IPv4 address, or an IPv6 address without brackets */
        uint16_t port;
        char path[1024]; /* prefix path, "" or starting with '/', no trailing '/' */
} HttpcUrl;

/* Parses http[s]://host[:port][/path]. Return: 0 or -EINVAL. */
int httpc_parse_url(const char *url, HttpcUrl *ret);

typedef struct HttpcRequest {
        const char *method;        /* "GET", "PUT", "POST" */
        const HttpcUrl *url;       /* where to */
        const char *target;        /* path and query appended to url->path, e.g. "/rrd?uuid=…" */
        const char *cookie;        /* Cookie header value, or NULL */
        const char *authorization; /* Authorization header value ("Basic …"), or NULL */
        const char *content_type;  /* for a body */
        const char *body;
        size_t body_len;
        const char *ca_file; /* PEM bundle to verify the server with; NULL: system trust */
        unsigned timeout_ms; /* for the whole exchange; 0: 30 s */
        size_t max_response; /* bytes of response body accepted; 0: 256 MiB */
} HttpcRequest;

typedef struct HttpcResponse {
        int status; /* e.g. 200, 302, 404 */
        char location[2048];
        char *body; /* NUL-terminated, malloc'd */
        size_t body_len;
} HttpcResponse;

/*
 * httpc_request() - one request. Return: 0 when a response arrived (whatever its status),
 * -ETIMEDOUT, -ECONNREFUSED, -EPROTO (malformed response or TLS failure), -EFBIG, -errno.
 */
int httpc_request(const HttpcRequest *req, HttpcResponse *ret);
void httpc_response_done(HttpcResponse *r);

/*
 * Reads one response from a connected plain-text socket (the part of httpc_request() after the
 * request was sent); for tests and fuzzing. Return: as httpc_request().
 */
int httpc_read_response_fd(int fd, const char *method, size_t max_response, unsigned timeout_ms,
                           HttpcResponse *ret);

/* Percent-encodes s for a query value into buf. Return: length, or -ENAMETOOLONG. */
int httpc_escape(const char *s, char *buf, size_t size);
