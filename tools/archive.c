/* SPDX-License-Identifier: MIT */
/*
 * rrdd-tool import, export and graph: moving archives between xcp-rrdd (<uuid>.gz, internal XML),
 * rrdtool (binary .rrd) and rrdd's data_dir, and drawing a PNG. rrdtool's side goes through
 * librrd (rrd_dump_cb_r, rrd_restore, rrd_graph).
 */

#include "tools/archive.h"

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

#include "persist/reader.h"
#include "persist/store.h"
#include "persist/writer.h"
#include "rrdd/macro.h"

#ifdef HAVE_LIBRRD
#include <rrd.h>
#endif

#define DEFAULT_DATA_DIR "/var/lib/rrdd"

typedef struct Mem {
        char *data;
        size_t len, cap;
} Mem;

static int mem_append(Mem *m, const void *p, size_t n) {
        if (m->len + n + 1 > m->cap) {
                size_t cap = m->cap ? m->cap : 65536;
                while (cap < m->len + n + 1)
                        cap *= 2;
                char *d = realloc(m->data, cap);
                if (!d)
                        return -ENOMEM;
                m->data = d;
                m->cap = cap;
        }
        memcpy(m->data + m->len, p, n);
        m->len += n;
        m->data[m->len] = '\0';
        return 0;
}

static bool is_rrdtool_binary(const char *path) {
        _cleanup_close_ int fd = open(path, O_RDONLY | O_CLOEXEC);
        char magic[4];
        return fd >= 0 && read(fd, magic, 4) == 4 && memcmp(magic, "RRD", 4) == 0;
}

#ifdef HAVE_LIBRRD
static size_t dump_to_mem(const void *data, size_t len, void *user) {
        return mem_append(user, data, len) < 0 ? 0 : len;
}
#endif

/* Any archive form, binary .rrd files included, into an Rrd. Prints the reason on failure. */
static int load_any(const char *path, Rrd **ret) {
        PersistError err = {};
        char msg[400];
        int r;

        if (is_rrdtool_binary(path)) {
#ifdef HAVE_LIBRRD
                _cleanup_free_ char *data = NULL;
                Mem m = {};
                rrd_clear_error();
                r = rrd_dump_cb_r(path, 0, dump_to_mem, &m);
                data = m.data;
                if (r != 0) {
                        fprintf(stderr, "%s: rrdtool cannot read it: %s\n", path, rrd_get_error());
                        return -EINVAL;
                }
                r = persist_load_memory(m.data, m.len, NULL, ret, &err);
#else
                fprintf(stderr,
                        "%s: a binary rrdtool file, and rrdd-tool was built without "
                        "librrd\n",
                        path);
                return -EOPNOTSUPP;
#endif
        } else
                r = persist_load_file(path, NULL, ret, &err);
        if (r < 0)
                fprintf(stderr, "%s: %s\n", path, persist_error_to_string(&err, msg, sizeof(msg)));
        return r;
}

/* The uuid an archive file is named by: <uuid>, <uuid>.xml, <uuid>.gz, <uuid>.rrd, ... */
static bool uuid_from_path(const char *path, char ret[UUID_STRING_LEN + 1]) {
        const char *base = strrchr(path, '/');
        base = base ? base + 1 : path;
        if (strlen(base) < UUID_STRING_LEN)
                return false;
        memcpy(ret, base, UUID_STRING_LEN);
        ret[UUID_STRING_LEN] = '\0';
        if (base[UUID_STRING_LEN] != '\0' && base[UUID_STRING_LEN] != '.')
                return false;
        return uuid_is_valid(ret);
}

static void lower(char *s) {
        for (; *s; s++)
                if (*s >= 'A' && *s <= 'Z')
                        *s = (char) (*s - 'A' + 'a');
}

int tool_import(int argc, char **argv) {
        static const struct option opts[] = {
                {"data-dir", required_argument, NULL, 'd'},
                {"uuid", required_argument, NULL, 'u'},
                {"gzip", no_argument, NULL, 'z'},
                {"help", no_argument, NULL, 'h'},
                {},
        };
        const char *dir = DEFAULT_DATA_DIR, *uuid_opt = NULL;
        unsigned flags = 0;
        int c, failures = 0;

        optind = 1;
        while ((c = getopt_long(argc, argv, "d:u:zh", opts, NULL)) >= 0) {
                switch (c) {
                case 'd':
                        dir = optarg;
                        break;
                case 'u':
                        uuid_opt = optarg;
                        break;
                case 'z':
                        flags |= PERSIST_STORE_GZIP;
                        break;
                case 'h':
                        fputs("usage: rrdd-tool import [--data-dir DIR] [--uuid UUID] [--gzip] "
                              "FILE...\n"
                              "Stores each archive (xcp-rrdd <uuid>.gz, rrdtool .rrd or dump XML, "
                              "rrdd XML) in DIR\n(default " DEFAULT_DATA_DIR
                              ") as <uuid>.xml, the uuid taken from the file name or --uuid.\n",
                              stdout);
                        return 0;
                default:
                        return 2;
                }
        }
        if (optind >= argc || (uuid_opt && argc - optind != 1)) {
                fputs("import: one or more FILEs (exactly one with --uuid)\n", stderr);
                return 2;
        }
        if (uuid_opt && !uuid_is_valid(uuid_opt)) {
                fprintf(stderr, "import: '%s' is not a uuid\n", uuid_opt);
                return 2;
        }
        _cleanup_(persist_store_freep) PersistStore *store = NULL;
        int r = persist_store_new(&store, dir);
        if (r < 0) {
                fprintf(stderr, "import: %s: %s\n", dir, strerror(-r));
                return 1;
        }
        for (int i = optind; i < argc; i++) {
                char uuid[UUID_STRING_LEN + 1];
                _cleanup_(rrd_destroyp) Rrd *rrd = NULL;

                if (uuid_opt)
                        (void) snprintf(uuid, sizeof(uuid), "%s", uuid_opt);
                else if (!uuid_from_path(argv[i], uuid)) {
                        fprintf(stderr,
                                "%s: the file name does not start with a uuid (use "
                                "--uuid)\n",
                                argv[i]);
                        failures++;
                        continue;
                }
                lower(uuid);
                if (load_any(argv[i], &rrd) < 0) {
                        failures++;
                        continue;
                }
                r = persist_store_save(store, uuid, rrd, flags);
                if (r < 0) {
                        fprintf(stderr, "%s: cannot store it in %s: %s\n", argv[i], dir,
                                strerror(-r));
                        failures++;
                        continue;
                }
                printf("%s -> %s/%s.xml%s (%zu data sources, %zu archives)\n", argv[i], dir, uuid,
                       flags ? ".gz" : "", rrd_n_ds(rrd), rrd_n_rra(rrd));
        }
        return failures ? 1 : 0;
}

/* ARCHIVE is a file, or a uuid looked up in the data directory. */
static int load_archive_arg(const char *arg, const char *dir, Rrd **ret, char uuid[37]) {
        char path[4096];

        if (uuid_is_valid(arg)) {
                _cleanup_(persist_store_freep) PersistStore *store = NULL;
                PersistError err = {};
                char msg[400];
                int r = persist_store_new(&store, dir);
                if (r == 0)
                        r = persist_store_load(store, arg, NULL, ret, &err);
                if (r < 0)
                        fprintf(stderr, "%s in %s: %s\n", arg, dir,
                                r == -ENOENT ? "no such archive"
                                             : persist_error_to_string(&err, msg, sizeof(msg)));
                (void) snprintf(uuid, 37, "%s", arg);
                lower(uuid);
                return r;
        }
        (void) snprintf(path, sizeof(path), "%s", arg);
        if (!uuid_from_path(arg, uuid))
                (void) snprintf(uuid, 37, "export");
        return load_any(path, ret);
}

static int write_xml(const Rrd *rrd, unsigned flags, Mem *out) {
        _cleanup_(persist_writer_freep) PersistWriter *w = NULL;
        char buf[65536];
        ssize_t n;
        int r = persist_writer_new(&w, rrd, PERSIST_FORMAT_XML, flags);

        if (r < 0)
                return r;
        while ((n = persist_writer_read(w, buf, sizeof(buf))) > 0)
                if ((r = mem_append(out, buf, (size_t) n)) < 0)
                        return r;
        return n < 0 ? (int) n : 0;
}

#ifdef HAVE_LIBRRD
/* An rrdtool file at path from rrd, through rrdtool's own restore. */
static int to_rrdtool_file(const Rrd *rrd, const char *path) {
        _cleanup_free_ char *xml = NULL;
        char tmp[4200];
        Mem m = {};
        int r, fd;

        r = write_xml(rrd, PERSIST_WRITER_RRDTOOL_NAMES, &m);
        xml = m.data;
        if (r < 0)
                return r;
        (void) snprintf(tmp, sizeof(tmp), "%s.XXXXXX.xml", path);
        fd = mkostemps(tmp, 4, O_CLOEXEC);
        if (fd < 0)
                return -errno;
        if (write(fd, m.data, m.len) != (ssize_t) m.len) {
                r = -errno;
                close(fd);
                unlink(tmp);
                return r ? r : -EIO;
        }
        close(fd);
        /* rrd_restore() wants writable strings. */
        char a0[] = "restore", a1[] = "-f", a3[4096];
        (void) snprintf(a3, sizeof(a3), "%s", path);
        char *args[] = {a0, a1, tmp, a3, NULL};
        rrd_clear_error();
        r = rrd_restore(4, args);
        unlink(tmp);
        if (r != 0) {
                fprintf(stderr, "rrdtool restore: %s\n", rrd_get_error());
                return -EINVAL;
        }
        return 0;
}
#endif

int tool_export(int argc, char **argv) {
        static const struct option opts[] = {
                {"format", required_argument, NULL, 'f'},
                {"data-dir", required_argument, NULL, 'd'},
                {"output", required_argument, NULL, 'o'},
                {"help", no_argument, NULL, 'h'},
                {},
        };
        const char *format = NULL, *dir = DEFAULT_DATA_DIR, *output = NULL;
        char uuid[37], out[4096];
        int c, r;

        optind = 1;
        while ((c = getopt_long(argc, argv, "f:d:o:h", opts, NULL)) >= 0) {
                switch (c) {
                case 'f':
                        format = optarg;
                        break;
                case 'd':
                        dir = optarg;
                        break;
                case 'o':
                        output = optarg;
                        break;
                case 'h':
                        fputs("usage: rrdd-tool export --format rrdtool|xcp [--data-dir DIR] "
                              "[--output FILE] ARCHIVE\n"
                              "ARCHIVE is a file or a uuid in DIR. rrdtool: a binary .rrd "
                              "(data-source names rrdtool\nrefuses are rewritten); xcp: "
                              "xcp-rrdd's <uuid>.gz (internal XML, gzip).\n",
                              stdout);
                        return 0;
                default:
                        return 2;
                }
        }
        if (!format || (strcmp(format, "rrdtool") != 0 && strcmp(format, "xcp") != 0) ||
            optind + 1 != argc) {
                fputs("export: --format rrdtool|xcp and one ARCHIVE\n", stderr);
                return 2;
        }
        _cleanup_(rrd_destroyp) Rrd *rrd = NULL;
        if (load_archive_arg(argv[optind], dir, &rrd, uuid) < 0)
                return 1;

        if (strcmp(format, "xcp") == 0) {
                /* xcp-rrdd knows GAUGE, ABSOLUTE and DERIVE only. */
                for (size_t i = 0; i < rrd_n_ds(rrd); i++) {
                        RrdDsType t = rrd_ds_def(rrd, i)->type;
                        if (t != RRD_DS_GAUGE && t != RRD_DS_ABSOLUTE && t != RRD_DS_DERIVE) {
                                fprintf(stderr, "export: %s is a %s; xcp-rrdd has no such type\n",
                                        rrd_ds_def(rrd, i)->name, rrd_ds_type_to_string(t));
                                return 1;
                        }
                }
                (void) snprintf(out, sizeof(out), "%s", output ? output : "");
                if (!output)
                        (void) snprintf(out, sizeof(out), "%s.gz", uuid);
                _cleanup_free_ char *xml = NULL;
                Mem m = {};
                r = write_xml(rrd, PERSIST_WRITER_SHORTEST | PERSIST_WRITER_XCP_INTERNAL, &m);
                xml = m.data;
                gzFile gz = r == 0 ? gzopen(out, "wb") : NULL;
                if (!gz || gzwrite(gz, m.data, (unsigned) m.len) != (int) m.len ||
                    gzclose(gz) != Z_OK) {
                        fprintf(stderr, "export: cannot write %s\n", out);
                        return 1;
                }
                printf("%s\n", out);
                return 0;
        }
#ifdef HAVE_LIBRRD
        (void) snprintf(out, sizeof(out), "%s", output ? output : "");
        if (!output)
                (void) snprintf(out, sizeof(out), "%s.rrd", uuid);
        r = to_rrdtool_file(rrd, out);
        if (r < 0) {
                fprintf(stderr, "export: cannot write %s: %s\n", out, strerror(-r));
                return 1;
        }
        printf("%s\n", out);
        return 0;
#else
        fputs("export: rrdd-tool was built without librrd\n", stderr);
        return 1;
#endif
}

int tool_graph(int argc, char **argv) {
#ifdef HAVE_LIBRRD
        static const struct option opts[] = {
                {"output", required_argument, NULL, 'o'},
                {"data-dir", required_argument, NULL, 'd'},
                {"ds", required_argument, NULL, 's'},
                {"cf", required_argument, NULL, 'c'},
                {"start", required_argument, NULL, 'S'},
                {"end", required_argument, NULL, 'E'},
                {"title", required_argument, NULL, 't'},
                {"width", required_argument, NULL, 'w'},
                {"height", required_argument, NULL, 'H'},
                {"help", no_argument, NULL, 'h'},
                {},
        };
        static const char *const colors[] = {"1f77b4", "ff7f0e", "2ca02c", "d62728", "9467bd",
                                             "8c564b", "e377c2", "7f7f7f", "bcbd22", "17becf"};
        const char *output = NULL, *dir = DEFAULT_DATA_DIR, *cf = "AVERAGE", *title = NULL;
        const char *ds_names[16];
        long long start = 0, end = 0;
        int width = 800, height = 300, n_names = 0, c, r;
        char uuid[37];

        optind = 1;
        while ((c = getopt_long(argc, argv, "o:d:s:c:S:E:t:w:H:h", opts, NULL)) >= 0) {
                switch (c) {
                case 'o':
                        output = optarg;
                        break;
                case 'd':
                        dir = optarg;
                        break;
                case 's':
                        if (n_names >= 16) {
                                fputs("graph: at most 16 --ds\n", stderr);
                                return 2;
                        }
                        ds_names[n_names++] = optarg;
                        break;
                case 'c':
                        cf = optarg;
                        break;
                case 'S':
                        start = strtoll(optarg, NULL, 10);
                        break;
                case 'E':
                        end = strtoll(optarg, NULL, 10);
                        break;
                case 't':
                        title = optarg;
                        break;
                case 'w':
                        width = atoi(optarg);
                        break;
                case 'H':
                        height = atoi(optarg);
                        break;
                case 'h':
                        fputs("usage: rrdd-tool graph --output PNG [--ds NAME]... [--cf CF] "
                              "[--start T] [--end T]\n"
                              "                       [--title T] [--width W] [--height H] "
                              "[--data-dir DIR] ARCHIVE\n"
                              "Draws the data sources (all of them by default, up to 10) of an "
                              "archive over [start,\nend] (default: the day before its last "
                              "update). Negative times are relative to the end.\n",
                              stdout);
                        return 0;
                default:
                        return 2;
                }
        }
        if (!output || optind + 1 != argc || (int) rrd_cf_from_string(cf) < 0 || width < 100 ||
            height < 50) {
                fputs("graph: --output PNG, a valid --cf, and one ARCHIVE\n", stderr);
                return 2;
        }
        _cleanup_(rrd_destroyp) Rrd *rrd = NULL;
        if (load_archive_arg(argv[optind], dir, &rrd, uuid) < 0)
                return 1;
        if (end <= 0)
                end = rrd_last_up(rrd) + end;
        if (start <= 0)
                start = end + (start ? start : -86400);
        if (start >= end) {
                fputs("graph: the start must come before the end\n", stderr);
                return 2;
        }

        char tmp[] = "/tmp/rrdd-graph-XXXXXX";
        if (!mkdtemp(tmp))
                return 1;
        char rrd_path[128];
        (void) snprintf(rrd_path, sizeof(rrd_path), "%s/g.rrd", tmp);
        r = to_rrdtool_file(rrd, rrd_path);
        if (r < 0) {
                rmdir(tmp);
                return 1;
        }

        /* rrd_graph() wants writable strings: every argument lives in store[]. */
        char *args[64];
        static char store[48][4200];
        int na = 0, ns = 0;
#define ARG(...)                                                            \
        do {                                                                \
                (void) snprintf(store[ns], sizeof(store[ns]), __VA_ARGS__); \
                args[na++] = store[ns++];                                   \
        } while (0)
        ARG("graph");
        ARG("%s", output);
        ARG("--imgformat");
        ARG("PNG");
        ARG("--start=%lld", start);
        ARG("--end=%lld", end);
        ARG("--width=%d", width);
        ARG("--height=%d", height);
        if (title)
                ARG("--title=%s", title);
        int drawn = 0;
        for (size_t i = 0; i < rrd_n_ds(rrd) && drawn < 10 && ns < 44; i++) {
                const char *name = rrd_ds_def(rrd, i)->name;
                bool wanted = n_names == 0;
                for (int k = 0; k < n_names; k++)
                        wanted |= strcmp(ds_names[k], name) == 0;
                if (!wanted)
                        continue;
                char short_name[20];
                persist_rrdtool_name(rrd, i, short_name);
                ARG("DEF:d%d=%s:%s:%s", drawn, rrd_path, short_name, cf);
                /* rrdtool's graph language gives ':' a meaning: escape it in the legend. */
                char legend[140];
                size_t o = 0;
                for (const char *p = name; *p && o + 2 < sizeof(legend); p++) {
                        if (*p == ':')
                                legend[o++] = '\\';
                        legend[o++] = *p;
                }
                legend[o] = '\0';
                ARG("LINE1:d%d#%s:%s", drawn, colors[drawn % 10], legend);
                drawn++;
        }
#undef ARG
        args[na] = NULL;
        if (drawn == 0) {
                fputs("graph: none of the --ds names is in the archive\n", stderr);
                unlink(rrd_path);
                rmdir(tmp);
                return 1;
        }
        char **calcpr = NULL;
        int xsize, ysize;
        double ymin, ymax;
        rrd_clear_error();
        r = rrd_graph(na, args, &calcpr, &xsize, &ysize, NULL, &ymin, &ymax);
        if (calcpr) {
                for (char **p = calcpr; *p; p++)
                        rrd_freemem(*p);
                rrd_freemem(calcpr);
        }
        unlink(rrd_path);
        rmdir(tmp);
        if (r != 0) {
                fprintf(stderr, "graph: %s\n", rrd_get_error());
                return 1;
        }
        printf("%s (%dx%d, %d data sources)\n", output, xsize, ysize, drawn);
        return 0;
#else
        (void) argc;
        (void) argv;
        fputs("graph: rrdd-tool was built without librrd\n", stderr);
        return 1;
#endif
}
