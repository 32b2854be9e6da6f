/* SPDX-License-Identifier: MIT */
/* Query-string splitting and decoding, and the small typed parsers every handler uses. */

#include "http/query.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "consolidate/num.h"
#include "rrdd/macro.h"

size_t http_percent_decode(char *out, const char *s, size_t n) {
        size_t o = 0;

        for (size_t i = 0; i < n; i++) {
                if (s[i] == '%' && i + 2 < n) {
                        int hi = unhexchar(s[i + 1]), lo = unhexchar(s[i + 2]);
                        if (hi >= 0 && lo >= 0) {
                                out[o++] = (char) (hi << 4 | lo);
                                i += 2;
                                continue;
                        }
                }
                out[o++] = s[i];
        }
        return o;
}

/**
 * http_query_parse() - splits and decodes a query string.
 * @ret: the parameters, in order; release with http_query_done().
 * @raw: the text after '?' (a '#' and what follows is ignored).
 * @len: its length.
 *
 * Return: 0, -E2BIG beyond HTTP_QUERY_PARAMS_MAX parameters, -ENOMEM.
 */
int http_query_parse(HttpQuery *ret, const char *raw, size_t len) {
        _cleanup_free_ HttpQueryParam *params = NULL;
        _cleanup_free_ char *storage = NULL;
        size_t n = 0, n_alloc = 0, pos = 0;

        const char *hash = memchr(raw, '#', len);
        if (hash)
                len = (size_t) (hash - raw);

        /* Every segment needs at most its own length plus two NULs in storage. */
        storage = malloc(len + 2 * (len + 1) + 1);
        if (!storage)
                return -ENOMEM;

        for (size_t i = 0; i <= len;) {
                const char *seg = raw + i;
                const char *amp = memchr(seg, '&', len - i);
                size_t seg_len = amp ? (size_t) (amp - seg) : len - i;
                i += seg_len + 1;
                if (seg_len == 0)
                        continue;
                if (n == HTTP_QUERY_PARAMS_MAX)
                        return -E2BIG;
                if (n == n_alloc) {
                        size_t m = n_alloc ? n_alloc * 2 : 8;
                        HttpQueryParam *p = realloc(params, m * sizeof(*p));
                        if (!p)
                                return -ENOMEM;
                        params = p;
                        n_alloc = m;
                }
                const char *eq = memchr(seg, '=', seg_len);
                size_t k_len = eq ? (size_t) (eq - seg) : seg_len;
                HttpQueryParam *p = &params[n++];
                char *k = storage + pos;
                p->key_len = http_percent_decode(k, seg, k_len);
                k[p->key_len] = 0;
                pos += p->key_len + 1;
                char *v = storage + pos;
                p->has_value = eq != NULL;
                p->value_len = eq ? http_percent_decode(v, eq + 1, seg_len - k_len - 1) : 0;
                v[p->value_len] = 0;
                pos += p->value_len + 1;
                /* Pointers are offsets until storage stops moving; it never does. */
                p->key = k;
                p->value = v;
        }
        *ret = (HttpQuery){
                .params = TAKE_PTR(params),
                .n_params = n,
                .storage = TAKE_PTR(storage),
        };
        return 0;
}

void http_query_done(HttpQuery *q) {
        free(q->params);
        free(q->storage);
        *q = HTTP_QUERY_NULL;
}

const HttpQueryParam *http_query_get(const HttpQuery *q, const char *key) {
        size_t kl = strlen(key);

        for (size_t i = 0; i < q->n_params; i++)
                if (q->params[i].key_len == kl && memcmp(q->params[i].key, key, kl) == 0)
                        return &q->params[i];
        return NULL;
}

size_t http_query_count(const HttpQuery *q, const char *key) {
        size_t kl = strlen(key), n = 0;

        for (size_t i = 0; i < q->n_params; i++)
                if (q->params[i].key_len == kl && memcmp(q->params[i].key, key, kl) == 0)
                        n++;
        return n;
}

int http_parse_i64(const char *s, size_t n, int64_t *ret) {
        if (n == 0 || memchr(s, 0, n))
                return -EINVAL;
        return num_parse_i64(s, n, ret);
}

bool http_strn_eq_ci(const char *s, size_t n, const char *lit) {
        return strlen(lit) == n && strncasecmp(s, lit, n) == 0;
}

int http_parse_bool(const char *s, size_t n, bool *ret) {
        static const char *const yes[] = {"true", "1", "yes", "on"};
        static const char *const no[] = {"false", "0", "no", "off", ""};

        for (size_t i = 0; i < ELEMENTSOF(yes); i++)
                if (http_strn_eq_ci(s, n, yes[i])) {
                        *ret = true;
                        return 0;
                }
        for (size_t i = 0; i < ELEMENTSOF(no); i++)
                if (http_strn_eq_ci(s, n, no[i])) {
                        *ret = false;
                        return 0;
                }
        return -EINVAL;
}

int http_parse_uuid(const char *s, size_t n, char *ret) {
        char out[HTTP_UUID_STRING_LEN + 1];

        if (n != HTTP_UUID_STRING_LEN)
                return -EINVAL;
        for (size_t i = 0; i < n; i++) {
                if (i == 8 || i == 13 || i == 18 || i == 23) {
                        if (s[i] != '-')
                                return -EINVAL;
                        out[i] = '-';
                        continue;
                }
                int h = unhexchar(s[i]);
                if (h < 0)
                        return -EINVAL;
                out[i] = "0123456789abcdef"[h];
        }
        out[n] = 0;
        memcpy(ret, out, sizeof(out));
        return 0;
}

bool http_query_wants_json(const HttpQuery *q) {
        const HttpQueryParam *p = http_query_get(q, "json");
        bool b;

        if (!p)
                return false;
        /* xcp-rrdd looks at presence only; json=false and json=0 reading as XML is kinder. */
        return p->value_len == 0 || http_parse_bool(p->value, p->value_len, &b) < 0 || b;
}
