#pragma once
/* SPDX-License-Identifier: MIT */
/*
 * Content negotiation. Data endpoints answer XML unless the query has `json` or the Accept
 * header explicitly prefers application/json over XML (SPEC §6: `*\/\*` gets XML, unlike
 * xcp-rrdd); /metrics answers OpenMetrics when Accept asks for it.
 */

#include <stdbool.h>

typedef enum HttpFormat {
        HTTP_FORMAT_XML,
        HTTP_FORMAT_JSON,
        _HTTP_FORMAT_MAX,
} HttpFormat;

/* q values in thousandths, as HTTP allows at most three decimals. */
#define HTTP_Q_MAX 1000

/*
 * http_accept_q() - the q (0..1000) an Accept header gives a media type, taken from the most
 * specific range that matches it (type/sub, then type/\*, then \*\/\*); -1 if no range matches,
 * and also when accept is NULL. Parameters other than q are ignored; ranges that do not parse
 * are skipped. With explicit_only, only a range naming the type exactly counts.
 */
int http_accept_q(const char *accept, const char *type, bool explicit_only);

/* The format of a data answer: json_param is whether the query carries `json` (not false). */
HttpFormat http_negotiate_format(const char *accept, bool json_param);

/* Whether /metrics should answer in OpenMetrics 1.0.0 rather than Prometheus text 0.0.4. */
bool http_negotiate_openmetrics(const char *accept);

const char *http_format_content_type(HttpFormat f);
