/* SPDX-License-Identifier: MIT */
/* rrdd-tool: offline commands around rrdd's RRDs. */

#include <stdio.h>
#include <string.h>

#include "tools/archive.h"
#include "tools/dump.h"
#include "tools/replay.h"

static void usage(FILE *f) {
        fputs("usage: rrdd-tool COMMAND [ARGS...]\n"
              "commands:\n"
              "  dump     print an archive (any accepted form) as rrdd's XML or JSON\n"
              "  replay   feed rrdtool update lines to a new RRD and print it\n"
              "  import   store archives (xcp-rrdd, rrdtool .rrd, XML) in a data directory\n"
              "  export   write an archive as an rrdtool .rrd or an xcp-rrdd <uuid>.gz\n"
              "  graph    draw an archive's data sources as a PNG\n"
              "Run 'rrdd-tool COMMAND --help' for a command's options.\n",
              f);
}

int main(int argc, char **argv) {
        if (argc < 2) {
                usage(stderr);
                return 2;
        }
        if (strcmp(argv[1], "dump") == 0)
                return tool_dump(argc - 1, argv + 1);
        if (strcmp(argv[1], "replay") == 0)
                return tool_replay(argc - 1, argv + 1);
        if (strcmp(argv[1], "import") == 0)
                return tool_import(argc - 1, argv + 1);
        if (strcmp(argv[1], "export") == 0)
                return tool_export(argc - 1, argv + 1);
        if (strcmp(argv[1], "graph") == 0)
                return tool_graph(argc - 1, argv + 1);
        if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0) {
                usage(stdout);
                return 0;
        }
        fprintf(stderr, "rrdd-tool: unknown command '%s'\n", argv[1]);
        usage(stderr);
        return 2;
}
