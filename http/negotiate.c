/* SPDX-License-Identifier: MIT */
/* Accept-header parsing for the XML/JSON and Prometheus/OpenMetrics choices. */

#include "http/negotiate.h"

#include <stddef.h>
#include <string.h>
#include <strings.h>

static bool is_space(char c) {
        return c == ' ' || c == '\t';
}

static void trim(const char **s, size_t *n) {
        while (*n > 0 && is_space(**s)) {
                (*s)++;
                (*n)--;
        }
        while (*n > 0 && is_space((*s)[*n - 1]))
                (*n)--;
}

/* "0", "1", "0.5", "1.000", "0.125": RFC 9110's qvalue. Return: 0..1000, or -1. */
static int parse_q(const char *s, size_t n) {
        int q;
        size_t i;

        if (n == 0 || (s[0] != '0' && s[0] != '1'))
                return -1;
        q = (s[0] - '0') * 1000;
        if (n == 1)
                return q;
        if (s[1] != '.' || n > 5)
                return -1;
        int scale = 100;
        for (i = 2; i < n; i++, scale /= 10) {
                if (s[i] < '0' || s[i] > '9')
                        return -1;
                q += (s[i] - '0') * scale;
        }
        return q > 1000 ? -1 : q;
}

int http_accept_q(const char *accept, const char *type, bool explicit_only) {
        const char *slash = strchr(type, '/');
        size_t main_len = slash ? (size_t) (slash - type) : strlen(type);
        int best_spec = -1, best_q = -1;

        if (!accept)
                return -1;
        for (const char *p = accept; *p;) {
                const char *end = strchr(p, ',');
                size_t len = end ? (size_t) (end - p) : strlen(p);
                const char *range = p;
                p = end ? end + 1 : p + len;

                /* media-range [; param]* */
                const char *semi = memchr(range, ';', len);
                size_t mlen = semi ? (size_t) (semi - range) : len;
                const char *m = range;
                trim(&m, &mlen);
                int q = HTTP_Q_MAX;
                bool bad = false;
                for (const char *par = semi; par && par < range + len;) {
                        const char *next = memchr(par + 1, ';', (size_t) (range + len - par - 1));
                        const char *ps = par + 1;
                        size_t pl = (size_t) ((next ? next : range + len) - ps);
                        trim(&ps, &pl);
                        if (pl >= 2 && (ps[0] == 'q' || ps[0] == 'Q') && ps[1] == '=') {
                                const char *v = ps + 2;
                                size_t vl = pl - 2;
                                trim(&v, &vl);
                                q = parse_q(v, vl);
                                if (q < 0)
                                        bad = true;
                        }
                        par = next;
                }
                const char *ms = memchr(m, '/', mlen);
                if (bad || !ms || ms == m || ms == m + mlen - 1)
                        continue;
                size_t tl = (size_t) (ms - m), sl = mlen - tl - 1;
                int spec;
                if (tl == 1 && m[0] == '*') {
                        if (sl != 1 || ms[1] != '*')
                                continue;
                        spec = 0;
                } else if (tl != main_len || strncasecmp(m, type, tl) != 0)
                        continue;
                else if (sl == 1 && ms[1] == '*')
                        spec = 1;
                else if (slash && strlen(slash + 1) == sl &&
                         strncasecmp(ms + 1, slash + 1, sl) == 0)
                        spec = 2;
                else
                        continue;
                if (explicit_only && spec != 2)
                        continue;
                /* The most specific range decides; equally specific ones: the best q. */
                if (spec > best_spec || (spec == best_spec && q > best_q)) {
                        best_spec = spec;
                        best_q = q;
                }
        }
        return best_q;
}

static int max_int(int a, int b) {
        return a > b ? a : b;
}

/**
 * http_negotiate_format() - XML or JSON for a data answer.
 * @accept: the Accept header, or NULL.
 * @json_param: whether the query asks for JSON.
 *
 * JSON when asked in the query, or when Accept names application/json with a q above every
 * XML type named and not below a wildcard's; XML otherwise, `*\/\*` included.
 *
 * Return: the format.
 */
HttpFormat http_negotiate_format(const char *accept, bool json_param) {
        if (json_param)
                return HTTP_FORMAT_JSON;
        if (!accept)
                return HTTP_FORMAT_XML;
        int json_q = http_accept_q(accept, "application/json", true);
        if (json_q <= 0)
                return HTTP_FORMAT_XML;
        /* XML wins ties: an explicit XML type at least as good, or a wildcard better. */
        int xml_explicit = max_int(http_accept_q(accept, "text/xml", true),
                                   http_accept_q(accept, "application/xml", true));
        int xml_any = max_int(http_accept_q(accept, "text/xml", false),
                              http_accept_q(accept, "application/xml", false));
        if (xml_explicit >= json_q || xml_any > json_q)
                return HTTP_FORMAT_XML;
        return HTTP_FORMAT_JSON;
}

bool http_negotiate_openmetrics(const char *accept) {
        int om = http_accept_q(accept, "application/openmetrics-text", true);
        if (om <= 0)
                return false;
        return om >= http_accept_q(accept, "text/plain", false);
}

const char *http_format_content_type(HttpFormat f) {
        return f == HTTP_FORMAT_JSON ? "application/json" : "text/xml";
}
