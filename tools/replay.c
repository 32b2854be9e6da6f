/* SPDX-License-Identifier: MIT */
/*
 * rrdd-tool replay --start T --step S DS:… RRA:… < updates
 * Reads update arguments (`T:v1:v2…`, several per line allowed, '#' comments) from stdin, applies
 * them to a fresh RRD with rrdtool's semantics and prints the result: rrdd's dump XML (the archive
 * format) by default, JSON, or the exact text of `rrdtool dump` with --format rrdtool. Any bad
 * line stops the replay with its line number and a non-zero exit.
 */

#include "tools/replay.h"

#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "consolidate/rrd.h"
#include "consolidate/spec.h"
#include "persist/writer.h"
#include "rrdd/clock.h"
#include "rrdd/macro.h"
#include "tools/dump-rrdtool.h"

#define LAST_DS_TEXT_MAX 29 /* rrdtool keeps at most 29 characters of the last input */

static void usage(FILE *f) {
        fputs("usage: rrdd-tool replay --start T [--step S] [--format xml|json|rrdtool]\n"
              "                        DS:name:TYPE:heartbeat:min:max... RRA:CF:xff:steps:rows...\n"
              "Reads rrdtool update arguments T:v1:v2... from stdin and prints the final RRD.\n",
              f);
}

int tool_replay(int argc, char **argv) {
        static const struct option opts[] = {
                {"start", required_argument, NULL, 's'},
                {"step", required_argument, NULL, 't'},
                {"format", required_argument, NULL, 'f'},
                {"help", no_argument, NULL, 'h'},
                {},
        };
        RrdDsDef ds[RRD_MAX_DS];
        RrdRraDef rra[RRD_MAX_RRA];
        size_t n_ds = 0, n_rra = 0;
        int64_t start = 0;
        uint64_t step = 300;
        bool have_start = false, rrdtool_format = false;
        PersistFormat fmt = PERSIST_FORMAT_XML;
        char err[SPEC_ERR_MAX];
        int c;

        optind = 1;
        while ((c = getopt_long(argc, argv, "s:t:f:h", opts, NULL)) >= 0) {
                switch (c) {
                case 's': {
                        char *end;
                        long long v = strtoll(optarg, &end, 10);
                        if (*optarg == '\0' || *end != '\0' || v <= 0) {
                                fprintf(stderr,
                                        "replay: --start wants a positive integer, got '%s'\n",
                                        optarg);
                                return 2;
                        }
                        start = v;
                        have_start = true;
                        break;
                }
                case 't':
                        if (rrd_spec_parse_duration(optarg, &step) < 0 || step < 1) {
                                fprintf(stderr, "replay: invalid --step '%s'\n", optarg);
                                return 2;
                        }
                        break;
                case 'f':
                        rrdtool_format = strcmp(optarg, "rrdtool") == 0;
                        if (strcmp(optarg, "xml") == 0)
                                fmt = PERSIST_FORMAT_XML;
                        else if (strcmp(optarg, "json") == 0)
                                fmt = PERSIST_FORMAT_JSON;
                        else if (!rrdtool_format) {
                                fprintf(stderr,
                                        "replay: unknown --format '%s' (xml, json, rrdtool)\n",
                                        optarg);
                                return 2;
                        }
                        break;
                case 'h':
                        usage(stdout);
                        return 0;
                default:
                        usage(stderr);
                        return 2;
                }
        }
        if (!have_start) {
                fputs("replay: --start is required\n", stderr);
                usage(stderr);
                return 2;
        }
        for (int i = optind; i < argc; i++) {
                if (strncmp(argv[i], "DS:", 3) == 0) {
                        if (n_ds >= RRD_MAX_DS) {
                                fputs("replay: too many data sources\n", stderr);
                                return 2;
                        }
                        if (rrd_spec_parse_ds(argv[i], &ds[n_ds++], err) < 0) {
                                fprintf(stderr, "replay: %s\n", err);
                                return 2;
                        }
                } else if (strncmp(argv[i], "RRA:", 4) == 0) {
                        if (n_rra >= RRD_MAX_RRA) {
                                fputs("replay: too many archives\n", stderr);
                                return 2;
                        }
                        if (rrd_spec_parse_rra(argv[i], step, &rra[n_rra++], err) < 0) {
                                fprintf(stderr, "replay: %s\n", err);
                                return 2;
                        }
                } else {
                        fprintf(stderr, "replay: unexpected argument '%s'\n", argv[i]);
                        return 2;
                }
        }
        if (n_ds == 0 || n_rra == 0) {
                fputs("replay: at least one DS and one RRA are needed\n", stderr);
                return 2;
        }

        _cleanup_(rrd_destroyp) Rrd *rrd = NULL;
        int r = rrd_new(&rrd, step, start, ds, n_ds, rra, n_rra);
        if (r < 0) {
                fputs("replay: the definitions are inconsistent (duplicate names?)\n", stderr);
                return 2;
        }

        _cleanup_free_ RrdValue *values = calloc(n_ds, sizeof(RrdValue));
        _cleanup_free_ char *last_text = calloc(n_ds, LAST_DS_TEXT_MAX + 1);
        _cleanup_free_ const char **last_ptr = calloc(n_ds, sizeof(char *));
        _cleanup_free_ char *line = NULL;
        size_t line_cap = 0;
        unsigned long line_no = 0;
        if (!values || !last_text || !last_ptr) {
                fputs("replay: out of memory\n", stderr);
                return 1;
        }

        while (getline(&line, &line_cap, stdin) >= 0) {
                char *save = NULL;
                line_no++;
                for (char *tok = strtok_r(line, " \t\r\n", &save); tok;
                     tok = strtok_r(NULL, " \t\r\n", &save)) {
                        int64_t t;
                        uint32_t usec;

                        if (tok[0] == '#')
                                break;
                        r = rrd_spec_parse_update(rrd, tok, clock_now(CLOCK_REALTIME), &t, &usec,
                                                  values, err);
                        if (r < 0) {
                                fprintf(stderr, "replay: line %lu: %s\n", line_no, err);
                                return 1;
                        }
                        r = rrd_update_at(rrd, t, usec, values);
                        if (r == -ERANGE) {
                                fprintf(stderr,
                                        "replay: line %lu: illegal attempt to update using time "
                                        "%" PRId64 " when last update time is %" PRId64
                                        " (minimum one second step)\n",
                                        line_no, t, rrd_last_up(rrd));
                                return 1;
                        }
                        if (r < 0) {
                                fprintf(stderr, "replay: line %lu: '%s' rejected: %s\n", line_no,
                                        tok, strerror(-r));
                                return 1;
                        }
                        /* Keep the raw text, as rrdtool's last_ds does, for a faithful dump. */
                        char *p = strchr(tok, ':');
                        for (size_t i = 0; i < n_ds && p; i++) {
                                char *v = p + 1, *q = strchr(v, ':');
                                size_t len = q ? (size_t) (q - v) : strlen(v);
                                if (len > LAST_DS_TEXT_MAX)
                                        len = LAST_DS_TEXT_MAX;
                                memcpy(last_text + i * (LAST_DS_TEXT_MAX + 1), v, len);
                                last_text[i * (LAST_DS_TEXT_MAX + 1) + len] = '\0';
                                last_ptr[i] = last_text + i * (LAST_DS_TEXT_MAX + 1);
                                p = q;
                        }
                }
        }
        if (ferror(stdin)) {
                fputs("replay: error reading stdin\n", stderr);
                return 1;
        }
        if (rrdtool_format) {
                if (dump_rrdtool(stdout, rrd, last_ptr) < 0 || fflush(stdout) != 0) {
                        fputs("replay: error writing stdout\n", stderr);
                        return 1;
                }
        } else {
                r = persist_write_fd(STDOUT_FILENO, rrd, fmt, PERSIST_WRITER_SHORTEST);
                if (r < 0) {
                        fprintf(stderr, "replay: error writing stdout: %s\n", strerror(-r));
                        return 1;
                }
        }
        return 0;
}
