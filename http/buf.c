/* SPDX-License-Identifier: MIT */
/* The growable buffer behind every body the HTTP layer renders. */

#include "http/buf.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "consolidate/num.h"

int http_buf_reserve(HttpBuf *b, size_t extra) {
        if (b->failed)
                return -ENOMEM;
        if (extra < b->cap - b->len && b->data)
                return 0;
        size_t need = b->len + extra + 1, cap = b->cap ? b->cap : 256;
        if (need < b->len) {
                b->failed = true;
                return -ENOMEM;
        }
        while (cap < need) {
                if (cap > SIZE_MAX / 2) {
                        cap = need;
                        break;
                }
                cap *= 2;
        }
        char *p = realloc(b->data, cap);
        if (!p) {
                b->failed = true;
                return -ENOMEM;
        }
        b->data = p;
        b->cap = cap;
        return 0;
}

void http_buf_put(HttpBuf *b, const void *p, size_t n) {
        if (http_buf_reserve(b, n) < 0)
                return;
        if (n > 0)
                memcpy(b->data + b->len, p, n);
        b->len += n;
        b->data[b->len] = 0;
}

void http_buf_puts(HttpBuf *b, const char *s) {
        http_buf_put(b, s, strlen(s));
}

void http_buf_putc(HttpBuf *b, char c) {
        http_buf_put(b, &c, 1);
}

void http_buf_printf(HttpBuf *b, const char *fmt, ...) {
        va_list ap;
        char small[256];

        va_start(ap, fmt);
        int n = vsnprintf(small, sizeof(small), fmt, ap);
        va_end(ap);
        if (n < 0) {
                b->failed = true;
                return;
        }
        if ((size_t) n < sizeof(small)) {
                http_buf_put(b, small, (size_t) n);
                return;
        }
        if (http_buf_reserve(b, (size_t) n) < 0)
                return;
        va_start(ap, fmt);
        (void) vsnprintf(b->data + b->len, (size_t) n + 1, fmt, ap);
        va_end(ap);
        b->len += (size_t) n;
}

void http_buf_put_i64(HttpBuf *b, int64_t v) {
        char t[NUM_BUF_SIZE];
        http_buf_put(b, t, num_format_i64(t, v));
}

void http_buf_put_u64(HttpBuf *b, uint64_t v) {
        char t[NUM_BUF_SIZE];
        http_buf_put(b, t, num_format_u64(t, v));
}

void http_buf_put_xml_escaped(HttpBuf *b, const char *s, size_t n) {
        size_t run = 0;

        for (size_t i = 0; i < n; i++) {
                unsigned char c = (unsigned char) s[i];
                const char *rep = NULL;
                switch (c) {
                case '<':
                        rep = "&lt;";
                        break;
                case '>':
                        rep = "&gt;";
                        break;
                case '&':
                        rep = "&amp;";
                        break;
                case '"':
                        rep = "&quot;";
                        break;
                default:
                        if (c < 0x20 && c != '\t' && c != '\n' && c != '\r')
                                rep = "";
                }
                if (!rep)
                        continue;
                http_buf_put(b, s + run, i - run);
                http_buf_puts(b, rep);
                run = i + 1;
        }
        http_buf_put(b, s + run, n - run);
}

void http_buf_put_json_escaped(HttpBuf *b, const char *s, size_t n) {
        size_t run = 0;

        for (size_t i = 0; i < n; i++) {
                unsigned char c = (unsigned char) s[i];
                if (c != '"' && c != '\\' && c >= 0x20)
                        continue;
                http_buf_put(b, s + run, i - run);
                switch (c) {
                case '"':
                        http_buf_puts(b, "\\\"");
                        break;
                case '\\':
                        http_buf_puts(b, "\\\\");
                        break;
                case '\n':
                        http_buf_puts(b, "\\n");
                        break;
                case '\r':
                        http_buf_puts(b, "\\r");
                        break;
                case '\t':
                        http_buf_puts(b, "\\t");
                        break;
                default:
                        http_buf_printf(b, "\\u%04x", c);
                }
                run = i + 1;
        }
        http_buf_put(b, s + run, n - run);
}

int http_buf_take(HttpBuf *b, char **ret, size_t *ret_len) {
        if (b->failed || http_buf_reserve(b, 0) < 0) {
                http_buf_done(b);
                return -ENOMEM;
        }
        b->data[b->len] = 0;
        *ret = b->data;
        if (ret_len)
                *ret_len = b->len;
        *b = HTTP_BUF_NULL;
        return 0;
}

void http_buf_done(HttpBuf *b) {
        free(b->data);
        *b = HTTP_BUF_NULL;
}
