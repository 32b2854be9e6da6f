/* SPDX-License-Identifier: MIT */
/* The session table: a small array scanned whole, so lookups take the same time per entry. */

#include "http/session.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>

#include "http/auth.h"

typedef struct HttpSession {
        char id[HTTP_SESSION_ID_LEN + 1];
        char *user;
        usec_t last_used;
} HttpSession;

struct HttpSessions {
        HttpSession *v;
        size_t n, n_alloc;
        usec_t timeout_usec;
        unsigned per_user;
};

int http_sessions_new(HttpSessions **ret, usec_t idle_timeout_usec, unsigned per_user) {
        HttpSessions *s = calloc(1, sizeof(*s));

        if (!s)
                return -ENOMEM;
        s->timeout_usec = idle_timeout_usec;
        s->per_user = per_user > 0 ? per_user : 1;
        *ret = s;
        return 0;
}

static void drop(HttpSessions *s, size_t i) {
        explicit_bzero(s->v[i].id, sizeof(s->v[i].id));
        free(s->v[i].user);
        s->v[i] = s->v[--s->n];
}

HttpSessions *http_sessions_free(HttpSessions *s) {
        if (!s)
                return NULL;
        while (s->n > 0)
                drop(s, s->n - 1);
        free(s->v);
        free(s);
        return NULL;
}

static bool expired(const HttpSessions *s, const HttpSession *e, usec_t now) {
        return s->timeout_usec > 0 && now > e->last_used && now - e->last_used > s->timeout_usec;
}

void http_sessions_sweep(HttpSessions *s, usec_t now, bool (*keep)(void *u, const char *user),
                         void *userdata) {
        for (size_t i = s->n; i-- > 0;)
                if (expired(s, &s->v[i], now) || (keep && !keep(userdata, s->v[i].user)))
                        drop(s, i);
}

/* The least recently used session (of user, or of anyone when user is NULL); -1 if none. */
static long lru(const HttpSessions *s, const char *user) {
        long best = -1;

        for (size_t i = 0; i < s->n; i++)
                if ((!user || strcmp(s->v[i].user, user) == 0) &&
                    (best < 0 || s->v[i].last_used < s->v[best].last_used))
                        best = (long) i;
        return best;
}

static int random_uuid(char *ret) {
        uint8_t b[16];
        size_t o = 0;

        if (getrandom(b, sizeof(b), 0) != (ssize_t) sizeof(b))
                return -errno ? -errno : -EIO;
        b[6] = (uint8_t) ((b[6] & 0x0f) | 0x40); /* version 4 */
        b[8] = (uint8_t) ((b[8] & 0x3f) | 0x80); /* RFC 4122 variant */
        for (size_t i = 0; i < sizeof(b); i++) {
                if (i == 4 || i == 6 || i == 8 || i == 10)
                        ret[o++] = '-';
                ret[o++] = "0123456789abcdef"[b[i] >> 4];
                ret[o++] = "0123456789abcdef"[b[i] & 15];
        }
        ret[o] = 0;
        return 0;
}

/**
 * http_sessions_open() - a new session for a user who has just logged in.
 * @s: the table.
 * @user: the user.
 * @now: CLOCK_MONOTONIC microseconds.
 * @ret_id: "OpaqueRef:" and a random version-4 uuid (HTTP_SESSION_ID_LEN + 1 bytes).
 *
 * Return: 0, -ENOMEM, or getrandom()'s -errno.
 */
int http_sessions_open(HttpSessions *s, const char *user, usec_t now, char *ret_id) {
        HttpSession e = {.last_used = now};
        int r;

        http_sessions_sweep(s, now, NULL, NULL);
        memcpy(e.id, "OpaqueRef:", 10);
        r = random_uuid(e.id + 10);
        if (r < 0)
                return r;
        e.user = strdup(user);
        if (!e.user)
                return -ENOMEM;
        if (http_sessions_count_user(s, user) >= s->per_user)
                drop(s, (size_t) lru(s, user));
        else if (s->n >= HTTP_SESSIONS_MAX)
                drop(s, (size_t) lru(s, NULL));
        if (s->n == s->n_alloc) {
                size_t m = s->n_alloc ? 2 * s->n_alloc : 16;
                HttpSession *v = realloc(s->v, m * sizeof(*v));
                if (!v) {
                        free(e.user);
                        return -ENOMEM;
                }
                s->v = v;
                s->n_alloc = m;
        }
        s->v[s->n++] = e;
        memcpy(ret_id, e.id, sizeof(e.id));
        return 0;
}

/* Index of the session with that id, scanning every entry in full; -1 if none. */
static long find(const HttpSessions *s, const char *id, size_t len) {
        long found = -1;

        for (size_t i = 0; i < s->n; i++)
                if (http_memeq_ct(s->v[i].id, HTTP_SESSION_ID_LEN, id, len))
                        found = (long) i;
        return found;
}

/**
 * http_sessions_check() - the user of a live session, which is marked used.
 * @s: the table.
 * @id: the id as sent.
 * @len: its length.
 * @now: CLOCK_MONOTONIC microseconds.
 *
 * Return: the user, or NULL (unknown, or idle too long: then it is dropped).
 */
const char *http_sessions_check(HttpSessions *s, const char *id, size_t len, usec_t now) {
        long i = find(s, id, len);

        if (i < 0)
                return NULL;
        if (expired(s, &s->v[i], now)) {
                drop(s, (size_t) i);
                return NULL;
        }
        if (now > s->v[i].last_used)
                s->v[i].last_used = now;
        return s->v[i].user;
}

int http_sessions_close(HttpSessions *s, const char *id, size_t len) {
        long i = find(s, id, len);

        if (i < 0)
                return -ENOENT;
        drop(s, (size_t) i);
        return 0;
}

size_t http_sessions_count(const HttpSessions *s) {
        return s->n;
}

size_t http_sessions_count_user(const HttpSessions *s, const char *user) {
        size_t n = 0;

        for (size_t i = 0; i < s->n; i++)
                if (strcmp(s->v[i].user, user) == 0)
                        n++;
        return n;
}
