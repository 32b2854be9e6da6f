/* SPDX-License-Identifier: MIT */
/* Users file, password verification with crypt_r and an HMAC cache, Basic headers. */

#include "http/auth.h"

#include <crypt.h>
#include <fcntl.h>
#include <gnutls/crypto.h>
#include <gnutls/gnutls.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/random.h>
#include <sys/stat.h>

#include "rrdd/log.h"

#define MAC_SIZE 32 /* HMAC-SHA256 */

typedef struct HttpUser {
        char *name;
        char *hash;
        /* The last password that verified, as HMAC(key, password), and when (monotonic). */
        bool has_cached;
        usec_t cached_at;
        uint8_t cached_mac[MAC_SIZE];
} HttpUser;

struct HttpUsers {
        HttpUser *v;
        size_t n;
};

struct HttpAuth {
        HttpUsers *users;
        struct crypt_data *crypt; /* ~32 KiB: one per server, the loop is single-threaded */
        uint8_t key[32];          /* HMAC key for the verification cache, random per process */
        uint64_t n_crypt;
        char dummy_setting[32]; /* hashed against when the user does not exist */
};

/**
 * http_memeq_ct() - byte-string equality in time that depends only on the lengths.
 * @a: one string.
 * @a_len: its length.
 * @b: the other.
 * @b_len: its length.
 *
 * Return: true if equal.
 */
bool http_memeq_ct(const void *a, size_t a_len, const void *b, size_t b_len) {
        const volatile uint8_t *x = a, *y = b;
        size_t n = a_len < b_len ? a_len : b_len;
        uint8_t d = a_len == b_len ? 0 : 1;

        for (size_t i = 0; i < n; i++)
                d |= x[i] ^ y[i];
        return d == 0;
}

HttpUsers *http_users_free(HttpUsers *u) {
        if (!u)
                return NULL;
        for (size_t i = 0; i < u->n; i++) {
                free(u->v[i].name);
                if (u->v[i].hash) {
                        explicit_bzero(u->v[i].hash, strlen(u->v[i].hash));
                        free(u->v[i].hash);
                }
        }
        free(u->v);
        free(u);
        return NULL;
}

static HttpUser *users_find(const HttpUsers *u, const char *name) {
        if (!u)
                return NULL;
        for (size_t i = 0; i < u->n; i++)
                if (strcmp(u->v[i].name, name) == 0)
                        return &u->v[i];
        return NULL;
}

static bool is_blank(char c) {
        return c == ' ' || c == '\t' || c == '\r';
}

/**
 * http_users_parse() - users file text to a user table; see auth.h for the format.
 * @ret: the table.
 * @text: the file's bytes (no NUL needed).
 * @len: their number.
 * @ret_n_skipped: malformed or repeated lines skipped, or NULL.
 * @ret_first_bad_line: the first of those (1-based, 0 if none), or NULL.
 *
 * Return: 0, -EFBIG, -ENOMEM.
 */
int http_users_parse(HttpUsers **ret, const char *text, size_t len, unsigned *ret_n_skipped,
                     unsigned *ret_first_bad_line) {
        _cleanup_(http_users_freep) HttpUsers *u = NULL;
        unsigned n_skipped = 0, first_bad = 0, line_no = 0;
        size_t n_alloc = 0;

        if (len > HTTP_USERS_FILE_MAX)
                return -EFBIG;
        u = calloc(1, sizeof(*u));
        if (!u)
                return -ENOMEM;
        for (size_t pos = 0; pos < len;) {
                const char *line = text + pos;
                const char *nl = memchr(line, '\n', len - pos);
                size_t n = nl ? (size_t) (nl - line) : len - pos;
                pos += n + 1;
                line_no++;
                while (n > 0 && is_blank(line[n - 1]))
                        n--;
                size_t lead = 0;
                while (lead < n && is_blank(line[lead]))
                        lead++;
                if (lead == n || line[lead] == '#')
                        continue;
                line += lead;
                n -= lead;
                const char *colon = memchr(line, ':', n);
                bool ok = colon && colon > line && colon < line + n - 1 &&
                          (size_t) (colon - line) <= HTTP_USER_NAME_MAX && !memchr(line, 0, n);
                for (size_t i = 0; ok && i < n; i++)
                        if ((unsigned char) line[i] <= ' ' || line[i] == 0x7f)
                                ok = false;
                if (ok) {
                        _cleanup_free_ char *name = strndup(line, (size_t) (colon - line));
                        if (!name)
                                return -ENOMEM;
                        if (users_find(u, name))
                                ok = false;
                        else {
                                if (u->n == HTTP_USERS_MAX)
                                        return -EFBIG;
                                if (u->n == n_alloc) {
                                        size_t m = n_alloc ? 2 * n_alloc : 8;
                                        HttpUser *v = realloc(u->v, m * sizeof(*v));
                                        if (!v)
                                                return -ENOMEM;
                                        u->v = v;
                                        n_alloc = m;
                                }
                                char *hash = strndup(colon + 1, (size_t) (line + n - colon - 1));
                                if (!hash)
                                        return -ENOMEM;
                                u->v[u->n++] = (HttpUser){.name = TAKE_PTR(name), .hash = hash};
                        }
                }
                if (!ok) {
                        n_skipped++;
                        if (first_bad == 0)
                                first_bad = line_no;
                }
        }
        if (ret_n_skipped)
                *ret_n_skipped = n_skipped;
        if (ret_first_bad_line)
                *ret_first_bad_line = first_bad;
        *ret = TAKE_PTR(u);
        return 0;
}

int http_users_load(HttpUsers **ret, const char *path) {
        _cleanup_close_ int fd = -1;
        _cleanup_free_ char *text = NULL;
        struct stat st;
        size_t len = 0;
        unsigned n_skipped = 0, first_bad = 0;
        HttpUsers *u = NULL;
        int r;

        fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
        if (fd < 0)
                return log_error_errno(-errno, "users file '%s': %m", path);
        if (fstat(fd, &st) < 0)
                return log_error_errno(-errno, "users file '%s': %m", path);
        if (!S_ISREG(st.st_mode))
                return log_error_errno(-EINVAL, "users file '%s': not a regular file", path);
        if (st.st_size > HTTP_USERS_FILE_MAX)
                return log_error_errno(-EFBIG, "users file '%s': larger than %d bytes", path,
                                       HTTP_USERS_FILE_MAX);
        text = malloc((size_t) st.st_size + 1);
        if (!text)
                return -ENOMEM;
        while (len < (size_t) st.st_size) {
                ssize_t k = read(fd, text + len, (size_t) st.st_size - len);
                if (k < 0 && errno == EINTR)
                        continue;
                if (k < 0)
                        return log_error_errno(-errno, "users file '%s': %m", path);
                if (k == 0)
                        break;
                len += (size_t) k;
        }
        r = http_users_parse(&u, text, len, &n_skipped, &first_bad);
        explicit_bzero(text, len);
        if (r < 0)
                return log_error_errno(r, "users file '%s': %s", path,
                                       r == -EFBIG ? "too many users" : "out of memory");
        if (n_skipped > 0)
                log_warning("users file '%s': %u malformed or repeated line(s), the first at "
                            "line %u, ignoring them",
                            path, n_skipped, first_bad);
        *ret = u;
        return 0;
}

size_t http_users_count(const HttpUsers *u) {
        return u ? u->n : 0;
}

const char *http_users_hash(const HttpUsers *u, const char *user) {
        HttpUser *e = users_find(u, user);
        return e ? e->hash : NULL;
}

int http_auth_new(HttpAuth **ret, HttpUsers *users) {
        _cleanup_(http_users_freep) HttpUsers *owned = users;
        _cleanup_(http_auth_freep) HttpAuth *a = NULL;
        uint8_t salt[12];

        a = calloc(1, sizeof(*a));
        if (!a)
                return -ENOMEM;
        a->crypt = calloc(1, sizeof(*a->crypt));
        if (!a->crypt)
                return -ENOMEM;
        if (getrandom(a->key, sizeof(a->key), 0) != (ssize_t) sizeof(a->key) ||
            getrandom(salt, sizeof(salt), 0) != (ssize_t) sizeof(salt))
                return negative_errno();
        /* A SHA-512 setting with a random salt: unknown users cost what known ones do. */
        memcpy(a->dummy_setting, "$6$", 3);
        for (size_t i = 0; i < sizeof(salt); i++)
                a->dummy_setting[3 + i] =
                        "./0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"[salt[i] &
                                                                                           63];
        memcpy(a->dummy_setting + 3 + sizeof(salt), "$", 2);
        a->users = TAKE_PTR(owned);
        *ret = TAKE_PTR(a);
        return 0;
}

HttpAuth *http_auth_free(HttpAuth *a) {
        if (!a)
                return NULL;
        http_users_free(a->users);
        if (a->crypt) {
                explicit_bzero(a->crypt, sizeof(*a->crypt));
                free(a->crypt);
        }
        explicit_bzero(a->key, sizeof(a->key));
        free(a);
        return NULL;
}

void http_auth_set_users(HttpAuth *a, HttpUsers *users) {
        http_users_free(a->users);
        a->users = users;
}

const HttpUsers *http_auth_users(const HttpAuth *a) {
        return a->users;
}

uint64_t http_auth_n_crypt(const HttpAuth *a) {
        return a->n_crypt;
}

static bool crypt_matches(HttpAuth *a, const char *password, const char *hash) {
        a->n_crypt++;
        const char *out = crypt_r(password, hash, a->crypt);
        /* libxcrypt reports failure as NULL or a string starting with '*'. */
        if (!out || out[0] == '*')
                return false;
        return http_memeq_ct(out, strlen(out), hash, strlen(hash));
}

/**
 * http_auth_check_password() - whether a password is a user's.
 * @a: the verifier.
 * @user: the user name.
 * @password: the password.
 * @now: CLOCK_MONOTONIC microseconds.
 *
 * One crypt_r() with the stored hash, unless the same password (compared as HMAC-SHA256 under
 * a per-process key, in constant time) verified less than HTTP_PASSWORD_CACHE_USEC ago.
 *
 * Return: true if it is.
 */
bool http_auth_check_password(HttpAuth *a, const char *user, const char *password, usec_t now) {
        HttpUser *u = users_find(a->users, user);
        uint8_t mac[MAC_SIZE];

        if (!u) {
                (void) crypt_matches(a, password, a->dummy_setting);
                return false;
        }
        if (gnutls_hmac_fast(GNUTLS_MAC_SHA256, a->key, sizeof(a->key), password, strlen(password),
                             mac) < 0)
                return crypt_matches(a, password, u->hash);
        if (u->has_cached && now - u->cached_at < HTTP_PASSWORD_CACHE_USEC &&
            http_memeq_ct(mac, sizeof(mac), u->cached_mac, sizeof(mac)))
                return true;
        if (!crypt_matches(a, password, u->hash))
                return false;
        u->has_cached = true;
        u->cached_at = now;
        memcpy(u->cached_mac, mac, sizeof(mac));
        return true;
}

static int b64_value(char c) {
        if (c >= 'A' && c <= 'Z')
                return c - 'A';
        if (c >= 'a' && c <= 'z')
                return c - 'a' + 26;
        if (c >= '0' && c <= '9')
                return c - '0' + 52;
        if (c == '+')
                return 62;
        if (c == '/')
                return 63;
        return -1;
}

/* Standard base64 with optional padding; NUL bytes in the result are refused. */
static int b64_decode(const char *s, size_t n, char **ret, size_t *ret_len) {
        while (n > 0 && s[n - 1] == '=')
                n--;
        if (n % 4 == 1)
                return -EINVAL;
        _cleanup_free_ char *out = malloc(n * 3 / 4 + 1);
        size_t o = 0;
        uint32_t acc = 0;
        unsigned bits = 0;

        if (!out)
                return -ENOMEM;
        for (size_t i = 0; i < n; i++) {
                int v = b64_value(s[i]);
                if (v < 0)
                        return -EINVAL;
                acc = acc << 6 | (uint32_t) v;
                bits += 6;
                if (bits >= 8) {
                        bits -= 8;
                        char c = (char) (acc >> bits & 0xff);
                        if (c == 0)
                                return -EINVAL;
                        out[o++] = c;
                }
        }
        out[o] = 0;
        *ret = TAKE_PTR(out);
        *ret_len = o;
        return 0;
}

/**
 * http_basic_parse() - the user and password of an Authorization: Basic header.
 * @header: the header value.
 * @ret_user: the user (before the first ':'), malloc'd.
 * @ret_password: the rest, malloc'd.
 *
 * Return: 0, -ENOENT for another scheme, -EINVAL when malformed, -ENOMEM.
 */
int http_basic_parse(const char *header, char **ret_user, char **ret_password) {
        _cleanup_free_ char *decoded = NULL;
        size_t n;
        int r;

        while (*header == ' ' || *header == '\t')
                header++;
        if (strncasecmp(header, "Basic", 5) != 0 || (header[5] != ' ' && header[5] != '\t'))
                return -ENOENT;
        header += 5;
        while (*header == ' ' || *header == '\t')
                header++;
        size_t len = strlen(header);
        while (len > 0 && (header[len - 1] == ' ' || header[len - 1] == '\t'))
                len--;
        r = b64_decode(header, len, &decoded, &n);
        if (r < 0)
                return r;
        char *colon = memchr(decoded, ':', n);
        if (!colon) {
                explicit_bzero(decoded, n);
                return -EINVAL;
        }
        _cleanup_free_ char *user = strndup(decoded, (size_t) (colon - decoded));
        char *password = strdup(colon + 1);
        explicit_bzero(decoded, n);
        if (!user || !password) {
                free(password);
                return -ENOMEM;
        }
        *ret_user = TAKE_PTR(user);
        *ret_password = password;
        return 0;
}
