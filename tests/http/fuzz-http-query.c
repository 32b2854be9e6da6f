/* SPDX-License-Identifier: MIT */
/*
 * Fuzz target for what arrives in a request line and headers: the query-string parser with the
 * /rrd_updates parameter reader and the typed readers, the Accept negotiation, Basic header
 * parsing and the users-file parser, all on the same bytes.
 */

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "http/auth.h"
#include "http/negotiate.h"
#include "http/query.h"
#include "http/xport.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
        HttpQuery q;
        char reason[HTTP_REASON_MAX];

        if (size > 1 << 20)
                return 0;
        if (http_query_parse(&q, (const char *) data, size) == 0) {
                HttpXportQuery xq;
                for (size_t i = 0; i < q.n_params; i++) {
                        const HttpQueryParam *p = &q.params[i];
                        int64_t v;
                        bool b;
                        char u[HTTP_UUID_STRING_LEN + 1];
                        /* Every decoded key and value is NUL-terminated at its length. */
                        if (p->key[p->key_len] != 0 || p->value[p->value_len] != 0)
                                abort();
                        (void) http_parse_i64(p->value, p->value_len, &v);
                        (void) http_parse_bool(p->value, p->value_len, &b);
                        if (http_parse_uuid(p->value, p->value_len, u) == 0 &&
                            strlen(u) != HTTP_UUID_STRING_LEN)
                                abort();
                }
                reason[0] = 0;
                int r = http_xport_query_parse(&q, &xq, reason, sizeof(reason));
                if (r == 0)
                        http_xport_query_done(&xq);
                else if (r == -EINVAL && (reason[0] == 0 || strchr(reason, '\n')))
                        abort(); /* a refusal always says why, on one line */
                (void) http_query_wants_json(&q);
                http_query_done(&q);
        }

        /* The same bytes as header values and as a users file. */
        char *s = malloc(size + 1);
        if (!s)
                return 0;
        memcpy(s, data, size);
        s[size] = 0;
        (void) http_negotiate_format(s, false);
        (void) http_negotiate_openmetrics(s);
        char *user = NULL, *pw = NULL;
        if (http_basic_parse(s, &user, &pw) == 0) {
                if (strchr(user, ':'))
                        abort(); /* the user ends at the first ':' */
                free(user);
                free(pw);
        }
        HttpUsers *users = NULL;
        unsigned skipped, first_bad;
        if (http_users_parse(&users, s, size, &skipped, &first_bad) == 0)
                http_users_free(users);
        free(s);
        return 0;
}
