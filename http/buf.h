#pragma once
/* SPDX-License-Identifier: MIT */
/*
 * A growable byte buffer for building HTTP bodies and XML-RPC answers. Appends after a failed
 * allocation are ignored and the failure is remembered, so a writer checks once at the end.
 */

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "rrdd/macro.h"

typedef struct HttpBuf {
        char *data;  /* NUL-terminated whenever len > 0 or after http_buf_take() */
        size_t len;  /* bytes used, without the NUL */
        size_t cap;  /* bytes allocated */
        bool failed; /* an allocation failed; the content is incomplete */
} HttpBuf;

#define HTTP_BUF_NULL ((HttpBuf){0})

/* Makes room for at least extra more bytes (plus the NUL). Return: 0 or -ENOMEM. */
int http_buf_reserve(HttpBuf *b, size_t extra);
void http_buf_put(HttpBuf *b, const void *p, size_t n);
void http_buf_puts(HttpBuf *b, const char *s);
void http_buf_putc(HttpBuf *b, char c);
void http_buf_printf(HttpBuf *b, const char *fmt, ...) _printf_(2, 3);
void http_buf_put_i64(HttpBuf *b, int64_t v);
void http_buf_put_u64(HttpBuf *b, uint64_t v);
/* XML character data / attribute text: < > & " escaped; control bytes other than tab, LF and
 * CR (which XML 1.0 cannot carry) dropped. */
void http_buf_put_xml_escaped(HttpBuf *b, const char *s, size_t n);
/* The inside of a JSON string: " \ and control characters escaped. */
void http_buf_put_json_escaped(HttpBuf *b, const char *s, size_t n);

/* Hands the malloc'd, NUL-terminated content over (an empty string rather than NULL). */
int http_buf_take(HttpBuf *b, char **ret, size_t *ret_len);
void http_buf_done(HttpBuf *b);
