/* SPDX-License-Identifier: MIT */
/* /metrics: family names, devices and unit conversions; a whole small exposition, both formats. */

#include <math.h>
#include <string.h>

#include "http/metrics.h"
#include "tests/tap.h"

static void test_families(void) {
        static const struct {
                const char *name, *units, *family, *device;
                double scale;
        } cases[] = {
                {"vif_0_rx", "B/s", "vif_rx_bytes_per_second", "0", 1},
                {"vif_12_tx_errors", "err/s", "vif_tx_errors_per_second", "12", 1},
                {"pif_eth0_rx", "B/s", "pif_rx_bytes_per_second", "eth0", 1},
                {"pif_bond_0_tx_errors", "err/s", "pif_tx_errors_per_second", "bond_0", 1},
                {"pif_aggr_rx", "B/s", "pif_aggr_rx_bytes_per_second", "", 1},
                {"vbd_xvda_read", "B/s", "vbd_read_bytes_per_second", "xvda", 1},
                {"vbd_xvda_read_latency", "\xce\xbcs", "vbd_read_latency_seconds", "xvda", 1e-6},
                {"vbd_hdb_io_throughput_total", "MiB/s", "vbd_io_throughput_total_bytes_per_second",
                 "hdb", 1048576},
                {"vbd_xvdb_iops_total", "requests/s", "vbd_iops_total_per_second", "xvdb", 1},
                {"vbd_xvdb_inflight", "requests", "vbd_inflight", "xvdb", 1},
                {"cpu3", "(fraction)", "cpu_ratio", "3", 1},
                {"cpu_avg", "(fraction)", "cpu_avg_ratio", "", 1},
                {"cpu0-C1", "(fraction)", "cpu_c1_ratio", "0", 1},
                {"CPU12-avg-freq", "MHz", "cpu_avg_freq_hertz", "12", 1e6},
                {"memory_total_kib", "KiB", "memory_total_bytes", "", 1024},
                {"memory_internal_free", "KiB", "memory_internal_free_bytes", "", 1024},
                {"memory", "B", "memory_bytes", "", 1},
                {"memory_numa_node_1", "B", "memory_numa_node_bytes", "1", 1},
                {"sr_2d8c7a1e-1b2c-4d3e-8f90-0123456789ab_cache_hits", "hits/s",
                 "sr_cache_hits_per_second", "2d8c7a1e-1b2c-4d3e-8f90-0123456789ab", 1},
                {"statefile/6ee6ec3b-55b4-4c53-9d1b-3ec8e4f1c5a1/latency", "s",
                 "statefile_6ee6ec3b_55b4_4c53_9d1b_3ec8e4f1c5a1_latency_seconds", "", 1},
                {"xapi_open_fds", "count", "xapi_open_fds", "", 1},
                {"hostload", "(fraction)", "hostload_ratio", "", 1},
                {"running_vcpus", "", "running_vcpus", "", 1},
                {"loadavg", NULL, "loadavg", "", 1},
                {"2fast", "%", "ds_2fast_ratio", "", 0.01},
                {"daemon_ticks", "", "ds_daemon_ticks", "", 1},
                {"read_ms", "ms", "read_seconds", "", 1e-3},
                {"temp", "degC", "temp_celsius", "", 1},
        };
        for (size_t i = 0; i < ELEMENTSOF(cases); i++) {
                HttpMetricFamily f;
                http_metric_family(cases[i].name, cases[i].units, &f);
                CHECKF(strcmp(f.family, cases[i].family) == 0 &&
                               strcmp(f.device, cases[i].device) == 0 && f.scale == cases[i].scale,
                       "%s (%s): family '%s' device '%s' scale %g", cases[i].name,
                       cases[i].units ? cases[i].units : "NULL", f.family, f.device, f.scale);
        }
}

static int metrics(void *u, HttpMetricCallback cb, void *cbdata) {
        static const HttpMetric m[] = {
                {HTTP_OWNER_VM, "00000000-0000-4000-8000-000000000002", "vif_1_rx", "B/s",
                 "Bytes per second received", 1.5},
                {HTTP_OWNER_HOST, "11111111-1111-4111-8111-000000000000", "memory_free_kib", "KiB",
                 "", 2},
                {HTTP_OWNER_VM, "00000000-0000-4000-8000-000000000001", "vif_0_rx", "B/s",
                 "Bytes per second received", (double) NAN},
                {HTTP_OWNER_SR, "22222222-2222-4222-8222-000000000000", "odd\"name", "",
                 "a \\ and a\nnewline", (double) INFINITY},
        };
        for (size_t i = 0; i < ELEMENTSOF(m); i++) {
                int r = cb(cbdata, &m[i]);
                if (r < 0)
                        return r;
        }
        return 0;
}

static const double le[] = {0.01, 0.1};
static const uint64_t bucket_n[] = {3, 1, 2};

static void health(void *u, HttpHealth *ret) {
        *ret = (HttpHealth){
                .n_ticks = 6,
                .n_missed_ticks = 1,
                .n_rrds = {1, 2, 0},
                .rrd_memory_bytes = 4096,
                .last_tick_seconds = 0.005,
                .tick_seconds_sum = 0.75,
                .tick_bucket_le = le,
                .tick_bucket_n = bucket_n,
                .n_tick_buckets = 2,
        };
}

static const char text_expected[] =
        "# HELP rrdd_memory_free_bytes data source memory_free_kib in KiB\n"
        "# TYPE rrdd_memory_free_bytes gauge\n"
        "rrdd_memory_free_bytes{kind=\"host\",uuid=\"11111111-1111-4111-8111-000000000000\"} 2048\n"
        "# HELP rrdd_odd_name a \\\\ and a\\nnewline\n"
        "# TYPE rrdd_odd_name gauge\n"
        "rrdd_odd_name{kind=\"sr\",uuid=\"22222222-2222-4222-8222-000000000000\"} +Inf\n"
        "# HELP rrdd_vif_rx_bytes_per_second Bytes per second received\n"
        "# TYPE rrdd_vif_rx_bytes_per_second gauge\n"
        "rrdd_vif_rx_bytes_per_second{kind=\"vm\",uuid=\"00000000-0000-4000-8000-000000000002\","
        "device=\"1\"} 1.5\n"
        "rrdd_vif_rx_bytes_per_second{kind=\"vm\",uuid=\"00000000-0000-4000-8000-000000000001\","
        "device=\"0\"} NaN\n";

static void test_render(void) {
        HttpBackend b = {.for_each_metric = metrics, .health = health};
        uint64_t codes[HTTP_STATUS_CODES] = {0};
        HttpMetricsExtra extra = {.requests_by_code = codes, .n_sessions = 2};
        HttpBuf out = HTTP_BUF_NULL;

        codes[200] = 10;
        codes[401] = 3;
        CHECK(http_metrics_render(&out, &b, &extra, false) == 0);
        CHECKF(strncmp(out.data, text_expected, strlen(text_expected)) == 0, "got:\n%s", out.data);
        /* Counters, the per-kind gauge, the histogram (cumulative) and requests by code. */
        CHECK(strstr(out.data, "# HELP rrdd_daemon_ticks_total ") &&
              strstr(out.data,
                     "# TYPE rrdd_daemon_ticks_total counter\nrrdd_daemon_ticks_total 6\n"));
        CHECK(strstr(out.data, "rrdd_daemon_missed_ticks_total 1\n"));
        CHECK(strstr(out.data,
                     "rrdd_daemon_rrds{kind=\"host\"} 1\nrrdd_daemon_rrds{kind=\"vm\"} 2\n"
                     "rrdd_daemon_rrds{kind=\"sr\"} 0\n"));
        CHECK(strstr(out.data, "rrdd_daemon_rrd_memory_bytes 4096\n"));
        CHECK(strstr(out.data, "# TYPE rrdd_daemon_tick_duration_seconds histogram\n"
                               "rrdd_daemon_tick_duration_seconds_bucket{le=\"0.01\"} 3\n"
                               "rrdd_daemon_tick_duration_seconds_bucket{le=\"0.1\"} 4\n"
                               "rrdd_daemon_tick_duration_seconds_bucket{le=\"+Inf\"} 6\n"
                               "rrdd_daemon_tick_duration_seconds_sum 0.75\n"
                               "rrdd_daemon_tick_duration_seconds_count 6\n"));
        CHECK(strstr(out.data, "rrdd_daemon_http_sessions 2\n"));
        CHECK(strstr(out.data, "# TYPE rrdd_daemon_http_requests_total counter\n"
                               "rrdd_daemon_http_requests_total{code=\"200\"} 10\n"
                               "rrdd_daemon_http_requests_total{code=\"401\"} 3\n"));
        CHECK(!strstr(out.data, "# EOF"));
        /* Every family has HELP and TYPE right before its first sample. */
        size_t n_help = 0, n_type = 0;
        for (const char *p = out.data; (p = strstr(p, "# HELP ")); p++)
                n_help++;
        for (const char *p = out.data; (p = strstr(p, "# TYPE ")); p++)
                n_type++;
        CHECK(n_help == n_type && n_help == 3 + 9 + 6);
        http_buf_done(&out);

        CHECK(http_metrics_render(&out, &b, &extra, true) == 0);
        /* OpenMetrics: counter families lose _total in HELP/TYPE, HELP escapes '"', # EOF ends. */
        CHECK(strstr(out.data, "# TYPE rrdd_daemon_ticks counter\nrrdd_daemon_ticks_total 6\n"));
        CHECK(strstr(out.data, "# TYPE rrdd_daemon_http_requests counter\n"));
        CHECK(strstr(out.data, "# HELP rrdd_odd_name a \\\\ and a\\nnewline\n"));
        size_t len = out.len;
        CHECK(len > 6 && strcmp(out.data + len - 6, "# EOF\n") == 0);
        http_buf_done(&out);

        /* A backend that stops the walk: the error comes back, nothing half-done is kept. */
        HttpBackend none = {0};
        CHECK(http_metrics_render(&out, &none, NULL, false) == 0 && out.len == 0);
        http_buf_done(&out);
}

int main(void) {
        test_families();
        test_render();
        return TAP_DONE();
}
