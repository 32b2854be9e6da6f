/* SPDX-License-Identifier: MIT */
/* The Prometheus / OpenMetrics exposition of latest values and daemon health. */

#include "http/metrics.h"

#include <ctype.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "consolidate/num.h"
#include "http/xport.h"

typedef struct UnitMap {
        const char *units;
        const char *suffix; /* the family's unit suffix, NULL: none */
        double scale;
        const char *same; /* a name suffix that already says this unit, dropped first */
} UnitMap;

static const UnitMap unit_map[] = {
        {"B", "bytes", 1, "_b"},
        {"bytes", "bytes", 1, "_bytes"},
        {"KiB", "bytes", 1024, "_kib"},
        {"KB", "bytes", 1024, "_kb"},
        {"MiB", "bytes", 1048576, "_mib"},
        {"GiB", "bytes", 1073741824, "_gib"},
        {"B/s", "bytes_per_second", 1, NULL},
        {"bytes/s", "bytes_per_second", 1, NULL},
        {"KiB/s", "bytes_per_second", 1024, NULL},
        {"MiB/s", "bytes_per_second", 1048576, NULL},
        {"(fraction)", "ratio", 1, NULL},
        {"fraction", "ratio", 1, NULL},
        {"%", "ratio", 0.01, "_percent"},
        {"percent", "ratio", 0.01, "_percent"},
        {"s", "seconds", 1, "_s"},
        {"seconds", "seconds", 1, "_seconds"},
        {"ms", "seconds", 1e-3, "_ms"},
        {"\xce\xbcs", "seconds", 1e-6, "_us"}, /* U+03BC GREEK SMALL LETTER MU */
        {"\xc2\xb5s", "seconds", 1e-6, "_us"}, /* U+00B5 MICRO SIGN */
        {"us", "seconds", 1e-6, "_us"},
        {"ns", "seconds", 1e-9, "_ns"},
        {"Hz", "hertz", 1, "_hz"},
        {"kHz", "hertz", 1e3, "_khz"},
        {"MHz", "hertz", 1e6, "_mhz"},
        {"GHz", "hertz", 1e9, "_ghz"},
        {"W", "watts", 1, "_w"},
        {"degC", "celsius", 1, NULL},
        {"\xc2\xb0"
         "C",
         "celsius", 1, NULL},
};

static bool ends_with(const char *s, const char *suffix) {
        size_t n = strlen(s), k = strlen(suffix);
        return n >= k && strcmp(s + n - k, suffix) == 0;
}

static bool all_digits(const char *s, size_t n) {
        if (n == 0)
                return false;
        for (size_t i = 0; i < n; i++)
                if (s[i] < '0' || s[i] > '9')
                        return false;
        return true;
}

static void copy_str(char *dst, size_t size, const char *a, const char *b) {
        size_t na = strlen(a), nb = b ? strlen(b) : 0;
        if (na >= size)
                na = size - 1;
        if (nb >= size - na)
                nb = size - na - 1;
        memmove(dst, a, na);
        memmove(dst + na, b ? b : "", nb);
        dst[na + nb] = 0;
}

static void set_device(HttpMetricFamily *f, const char *s, size_t n) {
        if (n >= sizeof(f->device))
                n = sizeof(f->device) - 1;
        memcpy(f->device, s, n);
        f->device[n] = 0;
}

/* Splits a device out of the name into f->device, writing the rest to base. */
static void split_device(const char *name, HttpMetricFamily *f, char *base, size_t base_size) {
        size_t n = strlen(name);
        static const char *const pif_keys[] = {"_rx_errors", "_tx_errors", "_rx", "_tx"};

        f->device[0] = 0;
        copy_str(base, base_size, name, NULL);

        /* vif_<n>_<key> */
        if (strncmp(name, "vif_", 4) == 0) {
                const char *u = strchr(name + 4, '_');
                if (u && all_digits(name + 4, (size_t) (u - name - 4))) {
                        set_device(f, name + 4, (size_t) (u - name - 4));
                        copy_str(base, base_size, "vif", u);
                }
                return;
        }
        /* pif_<dev>_<rx|tx>[_errors]; pif_aggr_* is a sum, not a device */
        if (strncmp(name, "pif_", 4) == 0 && strncmp(name, "pif_aggr_", 9) != 0) {
                for (size_t i = 0; i < ELEMENTSOF(pif_keys); i++) {
                        size_t k = strlen(pif_keys[i]);
                        if (n > 4 + k && ends_with(name, pif_keys[i])) {
                                set_device(f, name + 4, n - 4 - k);
                                copy_str(base, base_size, "pif", pif_keys[i]);
                                return;
                        }
                }
                return;
        }
        /* vbd_<dev>_<key>: block device names have no '_' */
        if (strncmp(name, "vbd_", 4) == 0) {
                const char *u = strchr(name + 4, '_');
                if (u && u > name + 4 && u[1]) {
                        set_device(f, name + 4, (size_t) (u - name - 4));
                        copy_str(base, base_size, "vbd", u);
                }
                return;
        }
        /* cpu<N>, cpu<N>-C<M>, CPU<N>-avg-freq */
        if (strncasecmp(name, "cpu", 3) == 0) {
                size_t d = 3;
                while (name[d] >= '0' && name[d] <= '9')
                        d++;
                if (d > 3 && (name[d] == 0 || name[d] == '-' || name[d] == '_')) {
                        set_device(f, name + 3, d - 3);
                        copy_str(base, base_size, "cpu", name + d);
                }
                return;
        }
        /* memory_numa_node_<k> */
        if (strncmp(name, "memory_numa_node_", 17) == 0 && all_digits(name + 17, n - 17)) {
                set_device(f, name + 17, n - 17);
                copy_str(base, base_size, "memory_numa_node", NULL);
                return;
        }
        /* sr_<uuid>_<key> (the local cache SR's data sources) */
        if (strncmp(name, "sr_", 3) == 0 && n > 3 + HTTP_UUID_STRING_LEN + 1 &&
            name[3 + HTTP_UUID_STRING_LEN] == '_') {
                char u[HTTP_UUID_STRING_LEN + 1];
                if (http_parse_uuid(name + 3, HTTP_UUID_STRING_LEN, u) == 0) {
                        set_device(f, u, HTTP_UUID_STRING_LEN);
                        copy_str(base, base_size, "sr", name + 3 + HTTP_UUID_STRING_LEN);
                }
        }
}

/* Lower case, [a-z0-9_] only, no repeated or edge '_'. */
static void sanitize(const char *in, char *out, size_t out_size) {
        size_t o = 0;
        bool pending = false;

        for (const char *p = in; *p && o + 2 < out_size; p++) {
                char c = (char) tolower((unsigned char) *p);
                if ((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9')) {
                        if (pending && o > 0)
                                out[o++] = '_';
                        pending = false;
                        out[o++] = c;
                } else
                        pending = true;
        }
        out[o] = 0;
}

/**
 * http_metric_family() - the Prometheus family of a data source.
 * @name: xcp-rrdd's data-source name.
 * @units: its units, or NULL.
 * @ret: family (without "rrdd_"), device label value, and the scale to base units.
 */
void http_metric_family(const char *name, const char *units, HttpMetricFamily *ret) {
        char base[HTTP_METRIC_FAMILY_MAX], clean[HTTP_METRIC_FAMILY_MAX];
        const UnitMap *u = NULL;
        const char *suffix = NULL;

        for (size_t i = 0; units && i < ELEMENTSOF(unit_map); i++)
                if (strcmp(units, unit_map[i].units) == 0) {
                        u = &unit_map[i];
                        break;
                }
        ret->scale = u ? u->scale : 1;
        suffix = u ? u->suffix : NULL;
        if (!u && units && ends_with(units, "/s") && strlen(units) > 2)
                suffix = "per_second"; /* requests/s, err/s, hits/s */

        split_device(name, ret, base, sizeof(base));
        sanitize(base, clean, sizeof(clean));
        if (clean[0] == 0)
                (void) snprintf(clean, sizeof(clean), "unnamed");
        if (u && u->same && ends_with(clean, u->same) && strlen(clean) > strlen(u->same))
                clean[strlen(clean) - strlen(u->same)] = 0;

        /* "ds_" keeps names valid (no leading digit) and clear of the daemon's own families. */
        const char *pre = (clean[0] >= '0' && clean[0] <= '9') || strncmp(clean, "daemon_", 7) == 0
                                  ? "ds_"
                                  : "";
        bool has_suffix = false;
        if (suffix) {
                char tail[64];
                copy_str(tail, sizeof(tail), "_", suffix);
                has_suffix = ends_with(clean, tail) || strcmp(clean, suffix) == 0;
        }
        copy_str(ret->family, sizeof(ret->family), pre, clean);
        if (suffix && !has_suffix) {
                char tail[64];
                copy_str(tail, sizeof(tail), "_", suffix);
                copy_str(ret->family, sizeof(ret->family), ret->family, tail);
        }
}

/* ---- rendering ---- */

typedef struct Sample {
        char *family; /* full name, "rrdd_" included */
        char *labels; /* rendered label set without braces */
        char *help;
        double value;
        size_t order;
} Sample;

typedef struct Collect {
        Sample *v;
        size_t n, n_alloc;
        bool failed;
} Collect;

static void put_value(HttpBuf *b, double v) {
        char t[NUM_BUF_SIZE];

        if (isnan(v))
                http_buf_puts(b, "NaN");
        else if (isinf(v))
                http_buf_puts(b, v > 0 ? "+Inf" : "-Inf");
        else
                http_buf_put(b, t, num_format_shortest(t, v));
}

static void put_label_value(HttpBuf *b, const char *s) {
        for (; *s; s++) {
                if (*s == '\\')
                        http_buf_puts(b, "\\\\");
                else if (*s == '"')
                        http_buf_puts(b, "\\\"");
                else if (*s == '\n')
                        http_buf_puts(b, "\\n");
                else
                        http_buf_putc(b, *s);
        }
}

static void put_help_text(HttpBuf *b, const char *s, bool openmetrics) {
        for (; *s; s++) {
                if (*s == '\\')
                        http_buf_puts(b, "\\\\");
                else if (*s == '\n')
                        http_buf_puts(b, "\\n");
                else if (*s == '"' && openmetrics)
                        http_buf_puts(b, "\\\"");
                else if ((unsigned char) *s >= 0x20)
                        http_buf_putc(b, *s);
        }
}

static int collect_cb(void *cbdata, const HttpMetric *m) {
        Collect *c = cbdata;
        HttpMetricFamily f;
        HttpBuf labels = HTTP_BUF_NULL, help = HTTP_BUF_NULL;

        if (!m || !m->name)
                return 0;
        http_metric_family(m->name, m->units, &f);
        if (c->n == c->n_alloc) {
                size_t k = c->n_alloc ? 2 * c->n_alloc : 64;
                Sample *v = realloc(c->v, k * sizeof(*v));
                if (!v)
                        return -ENOMEM;
                c->v = v;
                c->n_alloc = k;
        }
        http_buf_puts(&labels, "kind=\"");
        http_buf_puts(&labels, http_owner_kind_to_string(m->kind));
        http_buf_puts(&labels, "\",uuid=\"");
        put_label_value(&labels, m->uuid ? m->uuid : "");
        http_buf_putc(&labels, '"');
        if (f.device[0]) {
                http_buf_puts(&labels, ",device=\"");
                put_label_value(&labels, f.device);
                http_buf_putc(&labels, '"');
        }
        if (m->description && m->description[0])
                http_buf_puts(&help, m->description);
        else
                http_buf_printf(&help, "data source %s%s%s", m->name,
                                m->units && m->units[0] ? " in " : "", m->units ? m->units : "");
        Sample s = {.value = m->value * f.scale, .order = c->n};
        if (asprintf(&s.family, "rrdd_%s", f.family) < 0)
                s.family = NULL;
        if (!s.family || http_buf_take(&labels, &s.labels, NULL) < 0 ||
            http_buf_take(&help, &s.help, NULL) < 0) {
                free(s.family);
                free(s.labels);
                http_buf_done(&labels);
                http_buf_done(&help);
                return -ENOMEM;
        }
        c->v[c->n++] = s;
        return 0;
}

static int sample_cmp(const void *a, const void *b) {
        const Sample *x = a, *y = b;
        int r = strcmp(x->family, y->family);
        if (r != 0)
                return r;
        return x->order < y->order ? -1 : x->order > y->order;
}

static void family_head(HttpBuf *b, const char *name, const char *type, const char *help,
                        bool openmetrics) {
        /* OpenMetrics names a counter family without its _total sample suffix. */
        size_t n = strlen(name);
        if (openmetrics && strcmp(type, "counter") == 0 && ends_with(name, "_total"))
                n -= 6;
        http_buf_puts(b, "# HELP ");
        http_buf_put(b, name, n);
        http_buf_putc(b, ' ');
        put_help_text(b, help, openmetrics);
        http_buf_puts(b, "\n# TYPE ");
        http_buf_put(b, name, n);
        http_buf_putc(b, ' ');
        http_buf_puts(b, type);
        http_buf_putc(b, '\n');
}

static void counter(HttpBuf *b, const char *name, const char *help, uint64_t v, bool om) {
        family_head(b, name, "counter", help, om);
        http_buf_printf(b, "%s ", name);
        http_buf_put_u64(b, v);
        http_buf_putc(b, '\n');
}

static void gauge(HttpBuf *b, const char *name, const char *help, double v, bool om) {
        family_head(b, name, "gauge", help, om);
        http_buf_printf(b, "%s ", name);
        put_value(b, v);
        http_buf_putc(b, '\n');
}

/* A histogram from per-bucket counts (n_tick_buckets bounds, then +Inf); nothing if n is NULL. */
static void histogram(HttpBuf *b, const char *name, const char *help, const HttpHealth *h,
                      const uint64_t *n, double sum, bool om) {
        uint64_t cum = 0;

        if (!n || (h->n_tick_buckets > 0 && !h->tick_bucket_le))
                return;
        family_head(b, name, "histogram", help, om);
        for (size_t i = 0; i <= h->n_tick_buckets; i++) {
                cum += n[i];
                http_buf_printf(b, "%s_bucket{le=\"", name);
                if (i < h->n_tick_buckets)
                        put_value(b, h->tick_bucket_le[i]);
                else
                        http_buf_puts(b, "+Inf");
                http_buf_puts(b, "\"} ");
                http_buf_put_u64(b, cum);
                http_buf_putc(b, '\n');
        }
        http_buf_printf(b, "%s_sum ", name);
        put_value(b, sum);
        http_buf_printf(b, "\n%s_count ", name);
        http_buf_put_u64(b, cum);
        http_buf_putc(b, '\n');
}

static void render_health(HttpBuf *b, const HttpHealth *h, const HttpMetricsExtra *extra, bool om) {
        counter(b, "rrdd_daemon_ticks_total", "Ticks run (one every 5 s).", h->n_ticks, om);
        counter(b, "rrdd_daemon_missed_ticks_total",
                "Tick boundaries skipped because a tick ran late.", h->n_missed_ticks, om);
        counter(b, "rrdd_daemon_clock_steps_total", "Wall-clock steps detected.", h->n_clock_steps,
                om);
        counter(b, "rrdd_daemon_refused_updates_total",
                "RRD updates refused because the clock went backwards.", h->n_refused_updates, om);
        counter(b, "rrdd_daemon_source_errors_total", "Sampling errors of the sources.",
                h->n_source_errors, om);
        counter(b, "rrdd_daemon_archives_written_total",
                "RRDs of owners that left, written to their archive.", h->n_archives_written, om);
        counter(b, "rrdd_daemon_archive_failures_total", "Archive writes that failed.",
                h->n_archive_failures, om);
        counter(b, "rrdd_daemon_backups_written_total", "RRDs written by periodic backups.",
                h->n_backups_written, om);
        counter(b, "rrdd_daemon_backup_failures_total", "Backup writes that failed.",
                h->n_backup_failures, om);

        family_head(b, "rrdd_daemon_rrds", "gauge", "RRDs held in memory, by owner kind.", om);
        for (int k = 0; k < _HTTP_OWNER_KIND_MAX; k++) {
                http_buf_printf(b, "rrdd_daemon_rrds{kind=\"%s\"} ", http_owner_kind_to_string(k));
                http_buf_put_u64(b, h->n_rrds[k]);
                http_buf_putc(b, '\n');
        }
        gauge(b, "rrdd_daemon_rrd_memory_bytes", "Memory held by the RRDs.",
              (double) h->rrd_memory_bytes, om);
        gauge(b, "rrdd_daemon_last_tick_duration_seconds", "How long the last tick took.",
              h->last_tick_seconds, om);

        histogram(b, "rrdd_daemon_tick_duration_seconds", "How long ticks take.", h,
                  h->tick_bucket_n, h->tick_seconds_sum, om);
        histogram(b, "rrdd_daemon_tick_lateness_seconds",
                  "How late ticks start after their 5 s boundary.", h, h->tick_lateness_bucket_n,
                  h->tick_lateness_seconds_sum, om);
        if (h->tick_lateness_bucket_n)
                gauge(b, "rrdd_daemon_tick_lateness_max_seconds",
                      "The latest a tick has started after its boundary.",
                      h->max_tick_lateness_seconds, om);
}

int http_metrics_render(HttpBuf *b, const HttpBackend *backend, const HttpMetricsExtra *extra,
                        bool om) {
        Collect c = {0};
        int r = 0;

        if (backend->for_each_metric)
                r = backend->for_each_metric(backend->userdata, collect_cb, &c);
        if (r >= 0 && c.n > 0) {
                qsort(c.v, c.n, sizeof(*c.v), sample_cmp);
                for (size_t i = 0; i < c.n; i++) {
                        const Sample *s = &c.v[i];
                        if (i == 0 || strcmp(s->family, c.v[i - 1].family) != 0)
                                family_head(b, s->family, "gauge", s->help, om);
                        http_buf_printf(b, "%s{%s} ", s->family, s->labels);
                        put_value(b, s->value);
                        http_buf_putc(b, '\n');
                }
        }
        for (size_t i = 0; i < c.n; i++) {
                free(c.v[i].family);
                free(c.v[i].labels);
                free(c.v[i].help);
        }
        free(c.v);
        if (r < 0)
                return r;

        if (backend->health) {
                HttpHealth h = {0};
                backend->health(backend->userdata, &h);
                render_health(b, &h, extra, om);
        }
        if (extra) {
                gauge(b, "rrdd_daemon_http_sessions", "Open XML-RPC sessions.",
                      (double) extra->n_sessions, om);
                family_head(b, "rrdd_daemon_http_requests_total", "counter",
                            "HTTP requests answered, by status code.", om);
                for (int code = 0; extra->requests_by_code && code < HTTP_STATUS_CODES; code++) {
                        if (extra->requests_by_code[code] == 0)
                                continue;
                        http_buf_printf(b, "rrdd_daemon_http_requests_total{code=\"%d\"} ", code);
                        http_buf_put_u64(b, extra->requests_by_code[code]);
                        http_buf_putc(b, '\n');
                }
        }
        if (om)
                http_buf_puts(b, "# EOF\n");
        return b->failed ? -ENOMEM : 0;
}
