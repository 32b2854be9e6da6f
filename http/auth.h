#pragma once
/* SPDX-License-Identifier: MIT */
/*
 * Credentials: the users file (user:crypt-hash lines, as `openssl passwd -6` prints hashes),
 * password checks through crypt_r(3) with a short-lived cache of verified passwords (kept as
 * HMACs under a per-process key, so a Basic request costs one crypt only now and then), HTTP
 * Basic header parsing and constant-time comparison.
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "rrdd/clock.h"
#include "rrdd/macro.h"

#define HTTP_USERS_FILE_MAX (1024 * 1024) /* bytes */
#define HTTP_USERS_MAX 10000
#define HTTP_USER_NAME_MAX 255
/* A verified password is trusted again without crypt for this long (per user). */
#define HTTP_PASSWORD_CACHE_USEC (300 * USEC_PER_SEC)

typedef struct HttpUsers HttpUsers;

/*
 * http_users_parse() - reads users file text: one `user:hash` per line; blank lines and lines
 * starting with '#' are ignored; trailing white space and CR are dropped. A malformed line
 * (no ':', empty user or hash, spaces inside, over-long user) or a repeated user is skipped
 * and counted in *ret_n_skipped (first line wins), with the number of the first such line in
 * *ret_first_bad_line. Return: 0, -EFBIG (too large or too many users), -ENOMEM.
 */
int http_users_parse(HttpUsers **ret, const char *text, size_t len, unsigned *ret_n_skipped,
                     unsigned *ret_first_bad_line);
/* Reads and parses a users file, logging skipped lines. Return: 0 or -errno. */
int http_users_load(HttpUsers **ret, const char *path);
HttpUsers *http_users_free(HttpUsers *u);
DEFINE_FREEP(HttpUsers, http_users_free);

size_t http_users_count(const HttpUsers *u);
/* The stored hash of a user, or NULL. */
const char *http_users_hash(const HttpUsers *u, const char *user);

typedef struct HttpAuth HttpAuth;

/* Takes ownership of users (may be NULL: nobody can log in). */
int http_auth_new(HttpAuth **ret, HttpUsers *users);
HttpAuth *http_auth_free(HttpAuth *a);
DEFINE_FREEP(HttpAuth, http_auth_free);

/* Replaces the users (takes ownership); cached verifications of the old set are forgotten. */
void http_auth_set_users(HttpAuth *a, HttpUsers *users);
const HttpUsers *http_auth_users(const HttpAuth *a);

/*
 * http_auth_check_password() - whether password is the user's. Costs one crypt_r() unless the
 * same password was verified less than HTTP_PASSWORD_CACHE_USEC ago; an unknown user costs a
 * crypt_r() too, so timing does not tell which users exist. now is CLOCK_MONOTONIC.
 */
bool http_auth_check_password(HttpAuth *a, const char *user, const char *password, usec_t now);

/* How many crypt_r() calls were made (for tests of the cache). */
uint64_t http_auth_n_crypt(const HttpAuth *a);

/*
 * http_basic_parse() - an Authorization header value "Basic base64(user:password)" (scheme
 * case-insensitive). Return: 0 with malloc'd *ret_user and *ret_password, -ENOENT when the
 * scheme is not Basic, -EINVAL when malformed, -ENOMEM.
 */
int http_basic_parse(const char *header, char **ret_user, char **ret_password);

/* Equality of two byte strings in time that depends only on their lengths. */
bool http_memeq_ct(const void *a, size_t a_len, const void *b, size_t b_len);
