#pragma once
/* SPDX-License-Identifier: MIT */
/*
 * XenAPI-style sessions: session.login_with_password hands out "OpaqueRef:<random uuid>",
 * which then authenticates HTTP requests (session_id query parameter or cookie). Sessions
 * expire after an idle time, a user holds at most a fixed number (the least recently used one
 * makes way), and lookups compare every stored id in constant time.
 */

#include <stdbool.h>
#include <stddef.h>

#include "rrdd/clock.h"
#include "rrdd/macro.h"

#define HTTP_SESSION_ID_LEN 46 /* "OpaqueRef:" + 36 */
#define HTTP_SESSIONS_MAX 4096 /* in total, whatever the per-user cap */

typedef struct HttpSessions HttpSessions;

int http_sessions_new(HttpSessions **ret, usec_t idle_timeout_usec, unsigned per_user);
HttpSessions *http_sessions_free(HttpSessions *s);
DEFINE_FREEP(HttpSessions, http_sessions_free);

/*
 * http_sessions_open() - a new session for user at now (CLOCK_MONOTONIC); its id is written to
 * ret_id (HTTP_SESSION_ID_LEN + 1 bytes). Evicts the user's least recently used session when
 * the user is at the cap, or the overall least recently used one at HTTP_SESSIONS_MAX.
 * Return: 0, -ENOMEM, or -errno from getrandom().
 */
int http_sessions_open(HttpSessions *s, const char *user, usec_t now, char *ret_id);

/*
 * http_sessions_check() - whether id (len bytes) is a live session; touches it. An expired one
 * is dropped. Return: the session's user (valid until the next call on s), or NULL.
 */
const char *http_sessions_check(HttpSessions *s, const char *id, size_t len, usec_t now);

/* Ends a session. Return: 0, or -ENOENT if there was none with that id. */
int http_sessions_close(HttpSessions *s, const char *id, size_t len);

/* Drops expired sessions, and with keep non-NULL those whose user keep() refuses. */
void http_sessions_sweep(HttpSessions *s, usec_t now, bool (*keep)(void *u, const char *user),
                         void *userdata);

size_t http_sessions_count(const HttpSessions *s);
size_t http_sessions_count_user(const HttpSessions *s, const char *user);
