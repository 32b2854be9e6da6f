#pragma once
/* SPDX-License-Identifier: MIT */
/*
 * /metrics: every data source's latest value as a Prometheus gauge in base units (bytes,
 * seconds, ratios; KiB, MiB/s, ms, μs, MHz and % converted), with labels kind, uuid and, when
 * the name encodes one, device (vif_0_rx ⇒ family vif_rx, device "0"); plus the daemon's
 * health and HTTP requests by status code. Text format 0.0.4, or OpenMetrics 1.0.0.
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "http/backend.h"
#include "http/buf.h"

#define HTTP_METRIC_FAMILY_MAX 192
#define HTTP_METRIC_DEVICE_MAX 128
#define HTTP_STATUS_CODES 600 /* requests are counted per code 0..599 */

/* How one data source maps to a family. */
typedef struct HttpMetricFamily {
        char family[HTTP_METRIC_FAMILY_MAX]; /* without the "rrdd_" prefix */
        char device[HTTP_METRIC_DEVICE_MAX]; /* empty when the name encodes none */
        double scale;                        /* multiply the value by this for base units */
} HttpMetricFamily;

/* http_metric_family() - the family, device and scale of a data-source name with its units. */
void http_metric_family(const char *name, const char *units, HttpMetricFamily *ret);

typedef struct HttpMetricsExtra {
        const uint64_t *requests_by_code; /* HTTP_STATUS_CODES counters, or NULL */
        uint64_t n_sessions;
} HttpMetricsExtra;

/* Content types of the two formats. */
#define HTTP_METRICS_TEXT_TYPE "text/plain; version=0.0.4; charset=utf-8"
#define HTTP_METRICS_OPENMETRICS_TYPE "application/openmetrics-text; version=1.0.0; charset=utf-8"

/*
 * http_metrics_render() - the whole exposition into b. Return: 0, -ENOMEM, or a negative
 * return of the backend's walk.
 */
int http_metrics_render(HttpBuf *b, const HttpBackend *backend, const HttpMetricsExtra *extra,
                        bool openmetrics);
