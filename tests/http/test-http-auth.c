/* SPDX-License-Identifier: MIT */
/*
 * Credentials: users-file parsing, crypt(3) checks against hashes made by `openssl passwd -6`,
 * the verification cache, Basic headers, constant-time comparison, and sessions (ids, idle
 * expiry, the per-user cap, logout, sweeping).
 */

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "http/auth.h"
#include "http/session.h"
#include "tests/tap.h"

/* `openssl passwd -6 -salt rrddtestsalt 'correct horse'` and `... -salt othersalt 'p:ss w0rd'` */
#define HASH_ALICE                                                                               \
        "$6$rrddtestsalt$BA02PktEnYo5DXH0v8J0zJRIlwwIj5s2Hq3WN07FeOxZvAbC6VKdAVHi4PXCBQ20YXQFdg" \
        "rygKLw80w3DkcTF1"
#define HASH_BOB                                                                                   \
        "$6$othersalt$bdt31jV.28ufohPEq2B2LHG7S.9OAxmy9MC62sju/C7luTXF6h/DFptDeCxIoumW9lU1z5a6hKH" \
        "SVgL1ltVqs1"

static void test_users_parse(void) {
        HttpUsers *u = NULL;
        unsigned skipped = 99, first_bad = 99;
        const char *text = "# rrdd users\n"
                           "\n"
                           "alice:" HASH_ALICE "\r\n"
                           "   \t\n"
                           "bob:" HASH_BOB "  \n"
                           "no-colon-here\n"
                           ":nouser\n"
                           "nohash:\n"
                           "alice:$6$x$duplicate\n"
                           "sp ace:$6$x$y\n"
                           "carol:*\n"; /* a locked account: present, never matches */

        CHECK(http_users_parse(&u, text, strlen(text), &skipped, &first_bad) == 0);
        CHECK(http_users_count(u) == 3);
        CHECK(skipped == 5);
        CHECK(first_bad == 6);
        CHECK(http_users_hash(u, "alice") && strcmp(http_users_hash(u, "alice"), HASH_ALICE) == 0);
        CHECK(http_users_hash(u, "bob") && strcmp(http_users_hash(u, "bob"), HASH_BOB) == 0);
        CHECK(http_users_hash(u, "carol") && strcmp(http_users_hash(u, "carol"), "*") == 0);
        CHECK(http_users_hash(u, "nohash") == NULL);
        CHECK(http_users_hash(u, "") == NULL);
        http_users_free(u);

        CHECK(http_users_parse(&u, "", 0, &skipped, &first_bad) == 0);
        CHECK(http_users_count(u) == 0 && skipped == 0 && first_bad == 0);
        http_users_free(u);

        char *big = malloc(HTTP_USERS_FILE_MAX + 1);
        memset(big, '#', HTTP_USERS_FILE_MAX + 1);
        CHECK(http_users_parse(&u, big, HTTP_USERS_FILE_MAX + 1, NULL, NULL) == -EFBIG);
        free(big);
}

static void test_passwords(void) {
        HttpUsers *u = NULL;
        HttpAuth *a = NULL;
        const char *text = "alice:" HASH_ALICE "\nbob:" HASH_BOB "\ncarol:*\n";
        usec_t t = 1000 * USEC_PER_SEC;

        CHECK(http_users_parse(&u, text, strlen(text), NULL, NULL) == 0);
        CHECK(http_auth_new(&a, u) == 0);
        CHECK(http_auth_check_password(a, "alice", "correct horse", t));
        CHECK(http_auth_n_crypt(a) == 1);
        /* Verified a moment ago: no second crypt. */
        CHECK(http_auth_check_password(a, "alice", "correct horse", t + USEC_PER_SEC));
        CHECK(http_auth_n_crypt(a) == 1);
        /* A wrong password is never served from the cache. */
        CHECK(!http_auth_check_password(a, "alice", "correct horse ", t + 2 * USEC_PER_SEC));
        CHECK(!http_auth_check_password(a, "alice", "", t + 2 * USEC_PER_SEC));
        CHECK(http_auth_n_crypt(a) == 3);
        /* The cache expires. */
        CHECK(http_auth_check_password(a, "alice", "correct horse",
                                       t + HTTP_PASSWORD_CACHE_USEC + USEC_PER_SEC));
        CHECK(http_auth_n_crypt(a) == 4);
        /* Another user, a password with ':' and ' ' in it. */
        CHECK(http_auth_check_password(a, "bob", "p:ss w0rd", t));
        CHECK(!http_auth_check_password(a, "bob", "correct horse", t));
        /* Unknown users cost a crypt too and never pass; locked accounts never pass. */
        uint64_t before = http_auth_n_crypt(a);
        CHECK(!http_auth_check_password(a, "mallory", "correct horse", t));
        CHECK(http_auth_n_crypt(a) == before + 1);
        CHECK(!http_auth_check_password(a, "carol", "*", t));
        CHECK(!http_auth_check_password(a, "carol", "", t));

        /* New users forget what was cached for the old ones. */
        HttpUsers *u2 = NULL;
        const char *text2 = "alice:" HASH_BOB "\n";
        CHECK(http_users_parse(&u2, text2, strlen(text2), NULL, NULL) == 0);
        http_auth_set_users(a, u2);
        CHECK(!http_auth_check_password(a, "alice", "correct horse", t + 3 * USEC_PER_SEC));
        CHECK(http_auth_check_password(a, "alice", "p:ss w0rd", t + 3 * USEC_PER_SEC));
        CHECK(!http_auth_check_password(a, "bob", "p:ss w0rd", t + 3 * USEC_PER_SEC));
        http_auth_free(a);

        /* Nobody can log in without a users file. */
        CHECK(http_auth_new(&a, NULL) == 0);
        CHECK(!http_auth_check_password(a, "alice", "correct horse", t));
        http_auth_free(a);
}

static void test_basic(void) {
        char *user = NULL, *pw = NULL;

        /* base64("alice:correct horse") */
        CHECK(http_basic_parse("Basic YWxpY2U6Y29ycmVjdCBob3JzZQ==", &user, &pw) == 0);
        CHECK(user && strcmp(user, "alice") == 0 && pw && strcmp(pw, "correct horse") == 0);
        free(user);
        free(pw);
        /* Scheme case, padding left out, a ':' inside the password (base64("bob:p:ss w0rd")). */
        CHECK(http_basic_parse("basic Ym9iOnA6c3MgdzByZA", &user, &pw) == 0);
        CHECK(strcmp(user, "bob") == 0 && strcmp(pw, "p:ss w0rd") == 0);
        free(user);
        free(pw);
        /* Empty password: base64("u:") */
        CHECK(http_basic_parse("Basic dTo=", &user, &pw) == 0);
        CHECK(strcmp(user, "u") == 0 && strcmp(pw, "") == 0);
        free(user);
        free(pw);
        CHECK(http_basic_parse("Bearer abc", &user, &pw) == -ENOENT);
        CHECK(http_basic_parse("Basicabc", &user, &pw) == -ENOENT);
        CHECK(http_basic_parse("Basic !!!!", &user, &pw) == -EINVAL);
        CHECK(http_basic_parse("Basic YWxpY2U=", &user, &pw) == -EINVAL); /* "alice": no ':' */
        CHECK(http_basic_parse("Basic YQBiOmM=", &user, &pw) == -EINVAL); /* "a\0b:c" */
        CHECK(http_basic_parse("Basic Y", &user, &pw) == -EINVAL);
}

static void test_memeq(void) {
        CHECK(http_memeq_ct("abc", 3, "abc", 3));
        CHECK(!http_memeq_ct("abc", 3, "abd", 3));
        CHECK(!http_memeq_ct("abc", 3, "abcd", 4));
        CHECK(!http_memeq_ct("abcd", 4, "abc", 3));
        CHECK(http_memeq_ct("", 0, "", 0));
        CHECK(!http_memeq_ct("", 0, "a", 1));
        CHECK(!http_memeq_ct("a\0b", 3, "a\0c", 3));
}

static bool looks_like_ref(const char *id) {
        if (strlen(id) != HTTP_SESSION_ID_LEN || strncmp(id, "OpaqueRef:", 10) != 0)
                return false;
        for (size_t i = 10; i < HTTP_SESSION_ID_LEN; i++) {
                size_t k = i - 10;
                bool dash = k == 8 || k == 13 || k == 18 || k == 23;
                if (dash ? id[i] != '-' : !isxdigit((unsigned char) id[i]))
                        return false;
        }
        return id[10 + 14] == '4'; /* version 4 */
}

static bool keep_not_bob(void *u, const char *user) {
        return strcmp(user, "bob") != 0;
}

static void test_sessions(void) {
        HttpSessions *s = NULL;
        char a1[HTTP_SESSION_ID_LEN + 1], a2[HTTP_SESSION_ID_LEN + 1], a3[HTTP_SESSION_ID_LEN + 1];
        char b1[HTTP_SESSION_ID_LEN + 1];
        usec_t t = 5000 * USEC_PER_SEC, idle = 60 * USEC_PER_SEC;
        const char *user;

        CHECK(http_sessions_new(&s, idle, 2) == 0);
        CHECK(http_sessions_open(s, "alice", t, a1) == 0);
        CHECK(looks_like_ref(a1));
        CHECK(http_sessions_open(s, "alice", t + 1, a2) == 0);
        CHECK(strcmp(a1, a2) != 0);
        CHECK(http_sessions_count_user(s, "alice") == 2);
        user = http_sessions_check(s, a1, strlen(a1), t + 2);
        CHECK(user && strcmp(user, "alice") == 0);
        /* A prefix, a longer string or another case is not the session. */
        CHECK(http_sessions_check(s, a1, strlen(a1) - 1, t + 2) == NULL);
        char longer[HTTP_SESSION_ID_LEN + 2];
        memcpy(longer, a1, HTTP_SESSION_ID_LEN);
        longer[HTTP_SESSION_ID_LEN] = 'x';
        CHECK(http_sessions_check(s, longer, HTTP_SESSION_ID_LEN + 1, t + 2) == NULL);
        CHECK(http_sessions_check(s, "", 0, t + 2) == NULL);

        /* At the cap, the least recently used one (a2: a1 was used at t+2) makes way. */
        CHECK(http_sessions_open(s, "alice", t + 3, a3) == 0);
        CHECK(http_sessions_count_user(s, "alice") == 2);
        CHECK(http_sessions_check(s, a2, strlen(a2), t + 4) == NULL);
        CHECK(http_sessions_check(s, a1, strlen(a1), t + 4) != NULL);
        CHECK(http_sessions_check(s, a3, strlen(a3), t + 4) != NULL);
        /* Other users have their own allowance. */
        CHECK(http_sessions_open(s, "bob", t + 5, b1) == 0);
        CHECK(http_sessions_count(s) == 3);

        /* Use keeps a session alive; idleness ends it. */
        CHECK(http_sessions_check(s, a1, strlen(a1), t + idle) != NULL);
        CHECK(http_sessions_check(s, a1, strlen(a1), t + 2 * idle) != NULL);
        CHECK(http_sessions_check(s, a3, strlen(a3), t + 2 * idle) == NULL); /* idle since t+4 */
        CHECK(http_sessions_count(s) == 2);
        CHECK(http_sessions_check(s, a1, strlen(a1), t + 3 * idle + 1) == NULL);

        /* Logout. */
        CHECK(http_sessions_open(s, "alice", t + 4 * idle, a1) == 0);
        CHECK(http_sessions_close(s, a1, strlen(a1)) == 0);
        CHECK(http_sessions_close(s, a1, strlen(a1)) == -ENOENT);
        CHECK(http_sessions_check(s, a1, strlen(a1), t + 4 * idle) == NULL);

        /* Sweeping drops the expired ones and those of users who are gone. */
        CHECK(http_sessions_open(s, "alice", t + 5 * idle, a1) == 0);
        CHECK(http_sessions_open(s, "bob", t + 5 * idle, b1) == 0);
        http_sessions_sweep(s, t + 5 * idle, keep_not_bob, NULL);
        CHECK(http_sessions_count(s) == 1);
        CHECK(http_sessions_check(s, b1, strlen(b1), t + 5 * idle) == NULL);
        CHECK(http_sessions_check(s, a1, strlen(a1), t + 5 * idle) != NULL);
        http_sessions_free(s);

        /* The overall cap: the oldest session of anyone goes. */
        CHECK(http_sessions_new(&s, 0, HTTP_SESSIONS_MAX + 10) == 0);
        char first[HTTP_SESSION_ID_LEN + 1], id[HTTP_SESSION_ID_LEN + 1];
        CHECK(http_sessions_open(s, "u", 1, first) == 0);
        for (size_t i = 1; i < HTTP_SESSIONS_MAX; i++)
                (void) http_sessions_open(s, "u", 1 + i, id);
        CHECK(http_sessions_count(s) == HTTP_SESSIONS_MAX);
        CHECK(http_sessions_check(s, first, strlen(first), 1 + HTTP_SESSIONS_MAX) != NULL);
        /* first was just touched, so the next-oldest goes instead. */
        CHECK(http_sessions_open(s, "v", 2 + HTTP_SESSIONS_MAX, id) == 0);
        CHECK(http_sessions_count(s) == HTTP_SESSIONS_MAX);
        CHECK(http_sessions_check(s, first, strlen(first), 3 + HTTP_SESSIONS_MAX) != NULL);
        /* No timeout configured: sessions never expire by age. */
        CHECK(http_sessions_check(s, id, strlen(id), UINT64_MAX / 2) != NULL);
        http_sessions_free(s);
}

int main(void) {
        test_users_parse();
        test_passwords();
        test_basic();
        test_memeq();
        test_sessions();
        return TAP_DONE();
}
