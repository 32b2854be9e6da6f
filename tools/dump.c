/* SPDX-License-Identifier: MIT */
/*
 * rrdd-tool dump [--json] FILE
 * Loads FILE ('-' for stdin) in any form the archive reader accepts (rrdd's own XML, `rrdtool
 * dump` output, xcp-rrdd's XML, any of them gzip'd) and prints it as rrdd's dump XML, or JSON.
 * The output is the exact document, without a trailing newline.
 */

#include "tools/dump.h"

#include <getopt.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "persist/reader.h"
#include "persist/writer.h"
#include "rrdd/macro.h"

static void usage(FILE *f) {
        fputs("usage: rrdd-tool dump [--json] [--rrd-exact] [--rrdtool-names] FILE\n"
              "Prints an archive (rrdd XML, rrdtool dump XML, xcp-rrdd XML, gzip'd or not;\n"
              "FILE '-' reads stdin) as rrdd's dump XML, or as JSON with --json.\n"
              "--rrd-exact writes numbers that `rrdtool restore` also reads back exactly\n"
              "where such text exists (slower; the default is the shortest exact text).\n"
              "--rrdtool-names rewrites data-source names rrdtool would refuse (over 19\n"
              "characters, or outside [-a-zA-Z0-9_]) so that `rrdtool restore` takes the file.\n",
              f);
}

/**
 * tool_dump() - `rrdd-tool dump`.
 * @argc: arguments, "dump" first.
 * @argv: the arguments.
 *
 * Return: the exit status: 0, 1 for a file that could not be read or written, 2 for usage.
 */
int tool_dump(int argc, char **argv) {
        static const struct option opts[] = {
                {"json", no_argument, NULL, 'j'},
                {"rrd-exact", no_argument, NULL, 'x'},
                {"rrdtool-names", no_argument, NULL, 'n'},
                {"help", no_argument, NULL, 'h'},
                {},
        };
        PersistFormat fmt = PERSIST_FORMAT_XML;
        unsigned flags = PERSIST_WRITER_SHORTEST;
        _cleanup_(rrd_destroyp) Rrd *rrd = NULL;
        PersistError err;
        char msg[320];
        const char *path;
        int c, r;

        optind = 1;
        while ((c = getopt_long(argc, argv, "jxnh", opts, NULL)) >= 0) {
                switch (c) {
                case 'j':
                        fmt = PERSIST_FORMAT_JSON;
                        break;
                case 'x':
                        flags &= ~(unsigned) PERSIST_WRITER_SHORTEST;
                        break;
                case 'n':
                        flags |= PERSIST_WRITER_RRDTOOL_NAMES;
                        break;
                case 'h':
                        usage(stdout);
                        return 0;
                default:
                        usage(stderr);
                        return 2;
                }
        }
        if (optind + 1 != argc) {
                usage(stderr);
                return 2;
        }
        path = argv[optind];
        if (strcmp(path, "-") == 0)
                r = persist_load_fd(STDIN_FILENO, NULL, &rrd, &err);
        else
                r = persist_load_file(path, NULL, &rrd, &err);
        if (r < 0) {
                fprintf(stderr, "dump: %s: %s\n", path,
                        persist_error_to_string(&err, msg, sizeof(msg)));
                return 1;
        }
        r = persist_write_fd(STDOUT_FILENO, rrd, fmt, flags);
        if (r < 0) {
                fprintf(stderr, "dump: writing stdout: %s\n", strerror(-r));
                return 1;
        }
        return 0;
}
