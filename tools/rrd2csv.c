/* SPDX-License-Identifier: MIT */
/*
 * rrd2csv: polls /rrd_updates and prints CSV, as xcp-rrdd's rrd2csv does. Selectors
 * CF:SOURCE:UUID:METRIC pick columns (an empty field matches anything; METRIC matches by prefix);
 * the first line is the header "timestamp, <legend>…", then one line per new row, oldest first,
 * values printed as integers when integral, else with %f, unknown as N/A.
 */

#include <getopt.h>
#include <libxml/xmlreader.h>
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "consolidate/num.h"
#include "rrdd/httpc.h"
#include "rrdd/macro.h"
#include "tools/rrd2csv-parse.h"

#define MAX_SELECTORS 64

static volatile sig_atomic_t stop;

static void on_signal(int sig) {
        (void) sig;
        stop = 1;
}

static void usage(FILE *f) {
        fputs("usage: rrd2csv [--url URL] [--user U --password P | --session S] [--interval S]\n"
              "               [--count N] [--cacert FILE] [SELECTOR...]\n"
              "Polls URL/rrd_updates (default http://127.0.0.1:8089; RRDD_URL, RRDD_USER and\n"
              "RRDD_PASSWORD are read from the environment) and prints CSV: a header line\n"
              "'timestamp, CF:KIND:UUID:NAME, ...' then one line per new row. A SELECTOR is\n"
              "CF:KIND:UUID:METRIC where an empty field matches anything and METRIC matches by\n"
              "prefix, e.g. ':vm::', 'AVERAGE:host::', 'MIN:::memory'. Without selectors\n"
              "every AVERAGE column is printed. --count stops after N rows.\n",
              f);
}

static void print_value(double v) {
        char buf[NUM_BUF_SIZE];
        if (isnan(v))
                fputs(", N/A", stdout);
        else if (v == floor(v) && fabs(v) < 1e15) {
                (void) num_format_i64(buf, (int64_t) v);
                printf(", %s", buf);
        } else
                printf(", %f", v);
}

int main(int argc, char **argv) {
        static const struct option opts[] = {
                {"url", required_argument, NULL, 'U'},
                {"user", required_argument, NULL, 'u'},
                {"password", required_argument, NULL, 'p'},
                {"session", required_argument, NULL, 's'},
                {"interval", required_argument, NULL, 'i'},
                {"count", required_argument, NULL, 'c'},
                {"cacert", required_argument, NULL, 'C'},
                {"help", no_argument, NULL, 'h'},
                {},
        };
        const char *url = getenv("RRDD_URL"), *user = getenv("RRDD_USER");
        const char *password = getenv("RRDD_PASSWORD"), *session = NULL, *cacert = NULL;
        long interval = 5, count = -1;
        Selector sel[MAX_SELECTORS];
        size_t n_sel = 0;
        HttpcUrl u;
        int c;

        while ((c = getopt_long(argc, argv, "U:u:p:s:i:c:C:h", opts, NULL)) >= 0) {
                switch (c) {
                case 'U':
                        url = optarg;
                        break;
                case 'u':
                        user = optarg;
                        break;
                case 'p':
                        password = optarg;
                        break;
                case 's':
                        session = optarg;
                        break;
                case 'i':
                        interval = strtol(optarg, NULL, 10);
                        if (interval < 1 || interval > 86400) {
                                fprintf(stderr, "rrd2csv: --interval wants 1..86400 seconds\n");
                                return 2;
                        }
                        break;
                case 'c':
                        count = strtol(optarg, NULL, 10);
                        break;
                case 'C':
                        cacert = optarg;
                        break;
                case 'h':
                        usage(stdout);
                        return 0;
                default:
                        usage(stderr);
                        return 2;
                }
        }
        for (int i = optind; i < argc; i++) {
                if (n_sel >= MAX_SELECTORS || rrd2csv_parse_selector(argv[i], &sel[n_sel]) < 0) {
                        fprintf(stderr, "rrd2csv: '%s' is not a selector CF:KIND:UUID:METRIC\n",
                                argv[i]);
                        return 2;
                }
                n_sel++;
        }
        if (httpc_parse_url(url ? url : "http://127.0.0.1:8089", &u) < 0) {
                fprintf(stderr, "rrd2csv: invalid URL '%s'\n", url);
                return 2;
        }
        if ((user != NULL) != (password != NULL)) {
                fprintf(stderr, "rrd2csv: --user and --password go together\n");
                return 2;
        }
        (void) signal(SIGINT, on_signal);
        (void) signal(SIGTERM, on_signal);
        (void) signal(SIGPIPE, SIG_IGN);

        long long next_start = -10;
        char header_done = 0, auth[520] = "Basic ", esc[256], target[1024];
        if (user) {
                /* Basic credentials go in the URL userinfo-free way: an Authorization header. */
                static const char b64[] =
                        "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
                char raw[384];
                int n = snprintf(raw, sizeof(raw), "%s:%s", user, password);
                size_t o = strlen(auth);
                if (n < 0 || (size_t) n >= sizeof(raw)) {
                        fprintf(stderr, "rrd2csv: credentials too long\n");
                        return 2;
                }
                for (int i = 0; i < n; i += 3) {
                        unsigned v = (unsigned char) raw[i] << 16;
                        if (i + 1 < n)
                                v |= (unsigned char) raw[i + 1] << 8;
                        if (i + 2 < n)
                                v |= (unsigned char) raw[i + 2];
                        auth[o++] = b64[(v >> 18) & 63];
                        auth[o++] = b64[(v >> 12) & 63];
                        auth[o++] = i + 1 < n ? b64[(v >> 6) & 63] : '=';
                        auth[o++] = i + 2 < n ? b64[v & 63] : '=';
                }
                auth[o] = '\0';
        }
        size_t *cols = calloc(MAX_COLUMNS, sizeof(size_t));
        if (!cols)
                return 1;
        long printed = 0;
        int failures = 0;
        while (!stop && (count < 0 || printed < count)) {
                HttpcResponse resp;
                Xport x = {};
                int len = snprintf(target, sizeof(target), "/rrd_updates?start=%lld&host=true",
                                   next_start);
                if (session && httpc_escape(session, esc, sizeof(esc)) >= 0)
                        len += snprintf(target + len, sizeof(target) - (size_t) len,
                                        "&session_id=%s", esc);
                HttpcRequest req = {
                        .method = "GET",
                        .url = &u,
                        .target = target,
                        .authorization = user ? auth : NULL,
                        .ca_file = cacert,
                        .timeout_ms = 30000,
                };
                int r = httpc_request(&req, &resp);
                if (r < 0 || resp.status != 200) {
                        if (r >= 0 && (resp.status == 401 || resp.status == 403)) {
                                fprintf(stderr, "rrd2csv: %d: credentials refused\n", resp.status);
                                httpc_response_done(&resp);
                                return 1;
                        }
                        fprintf(stderr, "rrd2csv: %s\n",
                                r < 0 ? strerror(-r) : "unexpected HTTP status");
                        httpc_response_done(&resp);
                        if (++failures >= 5)
                                return 1;
                        sleep((unsigned) interval);
                        continue;
                }
                failures = 0;
                r = rrd2csv_parse_xport(resp.body, resp.body_len, &x);
                httpc_response_done(&resp);
                if (r < 0) {
                        fprintf(stderr, "rrd2csv: malformed /rrd_updates answer\n");
                        xport_done(&x);
                        return 1;
                }
                size_t n_cols = 0;
                for (size_t i = 0; i < x.n_cols; i++)
                        if (rrd2csv_matches(sel, n_sel, x.legend[i]))
                                cols[n_cols++] = i;
                if (!header_done) {
                        fputs("timestamp", stdout);
                        for (size_t i = 0; i < n_cols; i++)
                                printf(", %s", x.legend[cols[i]]);
                        putchar('\n');
                        header_done = 1;
                }
                /* Rows come newest first; print the new ones oldest first. */
                for (size_t k = x.n_rows; k-- > 0 && (count < 0 || printed < count);) {
                        char when[32];
                        time_t t = (time_t) x.t[k];
                        struct tm tm;
                        if (x.t[k] < next_start && next_start > 0)
                                continue;
                        (void) strftime(when, sizeof(when), "%Y-%m-%dT%H:%M:%SZ",
                                        gmtime_r(&t, &tm));
                        fputs(when, stdout);
                        for (size_t i = 0; i < n_cols; i++)
                                print_value(x.v[k * x.n_cols + cols[i]]);
                        putchar('\n');
                        printed++;
                        next_start = x.t[k] + 1;
                }
                fflush(stdout);
                xport_done(&x);
                if (count >= 0 && printed >= count)
                        break;
                sleep((unsigned) interval);
        }
        free(cols);
        return 0;
}
