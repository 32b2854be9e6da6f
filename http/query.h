#pragma once
/* SPDX-License-Identifier: MIT */
/*
 * Query strings: split on '&', percent-decoded (RFC 3986: '+' stays '+', a malformed escape is
 * kept literally), repeated keys kept in order, a key without '=' has the value "". Plus the
 * typed readers the handlers share: integers, booleans, uuids.
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "rrdd/macro.h"

#define HTTP_QUERY_PARAMS_MAX 8192
#define HTTP_UUID_STRING_LEN 36

typedef struct HttpQueryParam {
        const char *key; /* decoded, NUL-terminated; may contain NUL bytes before key_len */
        size_t key_len;
        const char *value; /* decoded, NUL-terminated, "" when the key had no '=' */
        size_t value_len;
        bool has_value; /* an '=' was present */
} HttpQueryParam;

typedef struct HttpQuery {
        HttpQueryParam *params;
        size_t n_params;
        char *storage; /* the decoded bytes all params point into */
} HttpQuery;

#define HTTP_QUERY_NULL ((HttpQuery){0})

/*
 * http_query_parse() - splits and decodes a query string of len bytes (what follows '?', up to
 * an optional '#'). Return: 0, -E2BIG beyond HTTP_QUERY_PARAMS_MAX parameters, -ENOMEM.
 */
int http_query_parse(HttpQuery *ret, const char *raw, size_t len);
void http_query_done(HttpQuery *q);

/* Percent-decodes n bytes of s into out (at least n bytes); returns the decoded length. */
size_t http_percent_decode(char *out, const char *s, size_t n);

/* The first parameter named key, or NULL. */
const HttpQueryParam *http_query_get(const HttpQuery *q, const char *key);
size_t http_query_count(const HttpQuery *q, const char *key);

/* Whether `json` is present with no value or a value that is not false-ish (0, no, off...). */
bool http_query_wants_json(const HttpQuery *q);

/* Whether the n bytes are a decimal int64 ('-' allowed): 0, -EINVAL, -ERANGE. */
int http_parse_i64(const char *s, size_t n, int64_t *ret);

/*
 * A boolean parameter: true|1|yes|on and false|0|no|off|"" (case-insensitive).
 * Return: 0 or -EINVAL.
 */
int http_parse_bool(const char *s, size_t n, bool *ret);

/*
 * A uuid in canonical form (8-4-4-4-12 hex digits, either case), copied in lower case into ret
 * (HTTP_UUID_STRING_LEN + 1 bytes). Return: 0 or -EINVAL.
 */
int http_parse_uuid(const char *s, size_t n, char *ret);

/* Case-insensitive comparison of n bytes with a NUL-terminated literal. */
bool http_strn_eq_ci(const char *s, size_t n, const char *lit);
