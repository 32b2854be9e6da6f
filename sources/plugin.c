/* SPDX-License-Identifier: MIT */
/*
 * The "plugins" source. Every file in the plugin directory (but *.tmp and tap-*) is one plugin,
 * named by its file name. Files are found by a scan at start and then by inotify, whose queue is
 * drained without blocking at the start of each sample(); a lost queue (overflow, no inotify)
 * means a full rescan. Each plugin is read with pread() from offset 0 every sample() unless it
 * is backing off, so writers may rewrite in place (truncating or not) or replace the file by
 * rename, and a writer shrinking the file can never fault us as it could an mmap reader.
 *
 * Back-off is xcp-rrdd's (§8.2): a failed read, "no update" included, doubles the plugin's
 * interval between attempts (1, 2, 4 … 256 sample() calls, so 1, 3, 7 … 255 calls are skipped);
 * a successful read sets it back to every call.
 *
 * The inverse transform (x -> 1 - x, used by xcp-rrdd-cpu for idle time) is applied here, since
 * the RRD engine has no transforms: a gauge is emitted as 1 - v; a derive (or absolute) is
 * turned into its rate from this plugin's consecutive readings and timestamps and emitted as a
 * GAUGE 1 - rate, unknown for the first reading and when the timestamp did not increase. A
 * GAUGE over the same interval carries the same PDP that rrdtool would compute for the counter,
 * so the archives match what xcp-rrdd records for these data sources.
 */

#include "sources/plugin.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/inotify.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include "rrdd/log.h"
#include "rrdd/macro.h"
#include "sources/plugin-proto.h"

/* One read covers a plugin file sized in one page, as the OCaml writer sizes them. */
#define PLUGIN_FIRST_READ_BYTES 4096
#define PLUGIN_INOTIFY_MASK                                                                      \
        (IN_CREATE | IN_MOVED_TO | IN_DELETE | IN_MOVED_FROM | IN_CLOSE_WRITE | IN_DELETE_SELF | \
         IN_MOVE_SELF | IN_ONLYDIR | IN_EXCL_UNLINK)

typedef struct Plugin {
        PluginReader reader;
        int fd;           /* kept open between reads, or -1 */
        uint16_t backoff; /* interval between attempts, in sample() calls: 1 … 256 */
        uint16_t skip;    /* sample() calls left before the next attempt */
        bool is_seen;     /* mark of the current rescan */
        char name[];
} Plugin;

typedef struct Plugins {
        char *dir_path;
        bool plugin_default;
        int dir_fd;    /* the directory while attached, else -1 */
        dev_t dir_dev; /* … and which directory that is */
        ino_t dir_ino;
        int inotify_fd; /* -1 when inotify is unavailable: then every sample() rescans */
        int watch;      /* the directory's watch descriptor, or -1 */
        bool need_rescan;
        Plugin **plugins; /* sorted by name */
        size_t n_plugins;
        size_t n_plugins_alloc;
        PluginDecoder *decoder;
        uint8_t *buf; /* the file being decoded; shared by every plugin */
        size_t buf_alloc;
        size_t max_fds; /* budget of descriptors held between reads */
        SrcPluginsStats stats;
} Plugins;

static Plugin *plugin_free(Plugins *ps, Plugin *p) {
        if (!p)
                return NULL;
        if (p->fd >= 0) {
                (void) close(p->fd);
                ps->stats.n_fds_held--;
        }
        plugin_reader_deinit(&p->reader);
        free(p);
        return NULL;
}

static void plugin_drop_fd(Plugins *ps, Plugin *p) {
        if (p->fd < 0)
                return;
        (void) close(p->fd);
        p->fd = -1;
        ps->stats.n_fds_held--;
        ps->stats.n_reopens++;
}

/* The index of @name, or where it would be inserted; *ret_found says which. */
static size_t plugins_search(const Plugins *ps, const char *name, bool *ret_found) {
        size_t lo = 0, hi = ps->n_plugins;

        while (lo < hi) {
                size_t mid = lo + (hi - lo) / 2;
                int c = strcmp(ps->plugins[mid]->name, name);
                if (c == 0) {
                        *ret_found = true;
                        return mid;
                }
                if (c < 0)
                        lo = mid + 1;
                else
                        hi = mid;
        }
        *ret_found = false;
        return lo;
}

static Plugin *plugins_find(const Plugins *ps, const char *name) {
        bool found;
        size_t i = plugins_search(ps, name, &found);
        return found ? ps->plugins[i] : NULL;
}

/* xcp-rrdd's discovery skips these: files being written, and blktap's statistics. */
static bool is_ignored(const char *name) {
        size_t len = strlen(name);

        if (len == 0 || strcmp(name, ".") == 0 || strcmp(name, "..") == 0)
                return true;
        if (len >= 4 && strcmp(name + len - 4, ".tmp") == 0)
                return true;
        return strncmp(name, "tap-", 4) == 0;
}

/* Registers a plugin file unless it is known already; returns it (or NULL if ignored). */
static int plugins_add(Plugins *ps, const char *name, Plugin **ret) {
        size_t len = strlen(name), i;
        bool found;
        Plugin *p;

        *ret = NULL;
        if (is_ignored(name))
                return 0;
        i = plugins_search(ps, name, &found);
        if (found) {
                *ret = ps->plugins[i];
                return 0;
        }
        if (ps->n_plugins == ps->n_plugins_alloc) {
                size_t n = ps->n_plugins_alloc ? ps->n_plugins_alloc * 2 : 64;
                Plugin **a = realloc(ps->plugins, n * sizeof(*a));
                if (!a)
                        return -ENOMEM;
                ps->plugins = a;
                ps->n_plugins_alloc = n;
        }
        p = calloc(1, sizeof(*p) + len + 1);
        if (!p)
                return -ENOMEM;
        p->fd = -1;
        p->backoff = 1;
        memcpy(p->name, name, len + 1);
        memmove(ps->plugins + i + 1, ps->plugins + i, (ps->n_plugins - i) * sizeof(*ps->plugins));
        ps->plugins[i] = p;
        ps->n_plugins++;
        ps->stats.n_plugins = ps->n_plugins;
        *ret = p;
        return 0;
}

static void plugins_remove_at(Plugins *ps, size_t i) {
        plugin_free(ps, ps->plugins[i]);
        memmove(ps->plugins + i, ps->plugins + i + 1,
                (ps->n_plugins - i - 1) * sizeof(*ps->plugins));
        ps->n_plugins--;
        ps->stats.n_plugins = ps->n_plugins;
}

static void plugins_remove(Plugins *ps, const char *name) {
        bool found;
        size_t i = plugins_search(ps, name, &found);

        if (found)
                plugins_remove_at(ps, i);
}

static void plugins_detach(Plugins *ps) {
        while (ps->n_plugins > 0)
                plugins_remove_at(ps, ps->n_plugins - 1);
        if (ps->watch >= 0 && ps->inotify_fd >= 0)
                (void) inotify_rm_watch(ps->inotify_fd, ps->watch);
        ps->watch = -1;
        if (ps->dir_fd >= 0)
                (void) close(ps->dir_fd);
        ps->dir_fd = -1;
}

/*
 * Lists the directory: adds new files, forgets vanished ones, and drops every held descriptor,
 * since a file may have been replaced without our hearing of it.
 */
static int plugins_rescan(Plugins *ps) {
        DIR *d;
        struct dirent *de;
        int fd, r = 0;

        ps->stats.n_rescans++;
        ps->need_rescan = false;
        fd = openat(ps->dir_fd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (fd < 0)
                return -errno;
        d = fdopendir(fd);
        if (!d) {
                r = -errno;
                (void) close(fd);
                return r;
        }
        for (size_t i = 0; i < ps->n_plugins; i++) {
                ps->plugins[i]->is_seen = false;
                plugin_drop_fd(ps, ps->plugins[i]);
        }
        while ((errno = 0, de = readdir(d))) {
                Plugin *p;

                if (de->d_type != DT_REG && de->d_type != DT_UNKNOWN)
                        continue;
                r = plugins_add(ps, de->d_name, &p);
                if (r < 0)
                        break;
                if (p)
                        p->is_seen = true;
        }
        if (r == 0 && errno != 0)
                r = -errno;
        (void) closedir(d);
        if (r < 0) {
                /* Forget nothing on a partial listing; the next rescan finishes the job. */
                ps->need_rescan = true;
                return r;
        }
        for (size_t i = ps->n_plugins; i > 0; i--)
                if (!ps->plugins[i - 1]->is_seen)
                        plugins_remove_at(ps, i - 1);
        return 0;
}

/*
 * Starts watching and reading the directory. An absent directory is not an error: it is tried
 * again at every sample(), since plugins create it when they first write.
 */
static int plugins_attach(Plugins *ps) {
        struct stat st;

        if (ps->inotify_fd >= 0) {
                /* Watch first, then list: a file created in between is seen twice, not lost. */
                ps->watch = inotify_add_watch(ps->inotify_fd, ps->dir_path, PLUGIN_INOTIFY_MASK);
                if (ps->watch < 0) {
                        if (errno == ENOENT || errno == ENOTDIR || errno == EACCES)
                                return 0;
                        /* Out of watches or similar: fall back to listing every time. */
                        log_debug("plugins: cannot watch '%s', rescanning every sample: %m",
                                  ps->dir_path);
                        (void) close(ps->inotify_fd);
                        ps->inotify_fd = -1;
                }
        }
        ps->dir_fd = open(ps->dir_path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (ps->dir_fd < 0 || fstat(ps->dir_fd, &st) < 0) {
                int r = -errno;
                plugins_detach(ps);
                return r == -ENOENT || r == -ENOTDIR || r == -EACCES ? 0 : r;
        }
        ps->dir_dev = st.st_dev;
        ps->dir_ino = st.st_ino;
        ps->need_rescan = true;
        return 0;
}

/*
 * Whether the path still names the directory we hold. Holding it keeps the kernel from sending
 * IN_DELETE_SELF when it is removed (so does any other process holding it), so a directory
 * removed and created again is only noticed by looking: one stat() per sample().
 */
static bool plugins_dir_is_current(const Plugins *ps) {
        struct stat st;

        return stat(ps->dir_path, &st) == 0 && S_ISDIR(st.st_mode) && st.st_dev == ps->dir_dev &&
               st.st_ino == ps->dir_ino;
}

static int plugins_handle_event(Plugins *ps, const struct inotify_event *ev) {
        Plugin *p;
        int r;

        if (ev->mask & IN_Q_OVERFLOW) {
                ps->need_rescan = true;
                return 0;
        }
        if (ev->wd != ps->watch)
                return 0;
        if (ev->mask & (IN_IGNORED | IN_DELETE_SELF | IN_MOVE_SELF | IN_UNMOUNT)) {
                /* The directory itself went away; its watch is gone with it. */
                if (ev->mask & IN_IGNORED)
                        ps->watch = -1;
                plugins_detach(ps);
                return 0;
        }
        if (ev->len == 0 || (ev->mask & IN_ISDIR))
                return 0;
        if (ev->mask & (IN_DELETE | IN_MOVED_FROM)) {
                plugins_remove(ps, ev->name);
                return 0;
        }
        p = plugins_find(ps, ev->name);
        if (p) {
                /* A new inode under a known name: the held descriptor reads the old one. */
                if (ev->mask & (IN_CREATE | IN_MOVED_TO))
                        plugin_drop_fd(ps, p);
                return 0;
        }
        r = plugins_add(ps, ev->name, &p);
        return r < 0 ? r : 0;
}

/* Applies every queued inotify event, without blocking. */
static int plugins_drain(Plugins *ps) {
        char buf[16384] __attribute__((aligned(__alignof__(struct inotify_event))));

        for (;;) {
                ssize_t n = read(ps->inotify_fd, buf, sizeof(buf));

                if (n < 0) {
                        if (errno == EINTR)
                                continue;
                        if (errno == EAGAIN)
                                return 0;
                        ps->need_rescan = true;
                        return -errno;
                }
                for (char *q = buf; q < buf + n;) {
                        const struct inotify_event *ev = (const struct inotify_event *) q;
                        int r = plugins_handle_event(ps, ev);
                        if (r < 0) {
                                ps->need_rescan = true;
                                return r;
                        }
                        q += sizeof(*ev) + ev->len;
                }
        }
}

static int buf_reserve(Plugins *ps, size_t size) {
        uint8_t *b;

        if (size <= ps->buf_alloc)
                return 0;
        if (size < ps->buf_alloc * 2)
                size = ps->buf_alloc * 2;
        b = realloc(ps->buf, size);
        if (!b)
                return -ENOMEM;
        ps->buf = b;
        ps->buf_alloc = size;
        return 0;
}

/* Reads as much of the plugin's file as its payload needs and decodes it. */
static int plugin_fetch(Plugins *ps, Plugin *p, PluginPayload *ret, const char **ret_reason) {
        _cleanup_close_ int owned_fd = -1;
        size_t have = 0, want = PLUGIN_FIRST_READ_BYTES, need = 0;
        bool is_eof = false;
        int fd = p->fd, r;

        if (fd < 0) {
                /* O_NONBLOCK: a FIFO dropped into the directory must not hang the daemon. */
                owned_fd = openat(ps->dir_fd, p->name,
                                  O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK | O_NOFOLLOW);
                if (owned_fd < 0) {
                        *ret_reason = "cannot open";
                        return -errno;
                }
                /* Only with inotify do we hear of replacements that would stale a held fd. */
                if (ps->inotify_fd >= 0 && ps->stats.n_fds_held < ps->max_fds) {
                        p->fd = TAKE_FD(owned_fd);
                        ps->stats.n_fds_held++;
                }
                fd = p->fd >= 0 ? p->fd : owned_fd;
        }

        for (;;) {
                r = buf_reserve(ps, want);
                if (r < 0)
                        return r;
                while (have < want && !is_eof) {
                        ssize_t n = pread(fd, ps->buf + have, want - have, (off_t) have);
                        if (n < 0) {
                                if (errno == EINTR)
                                        continue;
                                r = -errno;
                                plugin_drop_fd(ps, p);
                                *ret_reason = "cannot read";
                                return r;
                        }
                        /* A regular file returns less than asked only at its end. */
                        if ((size_t) n < want - have)
                                is_eof = true;
                        have += (size_t) n;
                }
                r = plugin_read(&p->reader, ps->decoder, ps->buf, have, ret, &need, ret_reason);
                if (r != PLUGIN_READ_NEED_MORE)
                        return r;
                if (is_eof || need <= have) {
                        *ret_reason = "truncated";
                        return -ENODATA;
                }
                want = need;
        }
}

/* The inverse transform; see the top of this file. */
static void plugin_inverse(PluginDs *ds, PluginValue v, double ts, SrcSample *s) {
        double x = ds->is_int64 ? (double) v.i64 : v.d;

        s->kind = SRC_GAUGE;
        s->value_type = SRC_VALUE_DOUBLE;
        if (ds->kind == SRC_GAUGE) {
                s->value.d = 1.0 - x;
                return;
        }
        if (ds->has_prev && ts > ds->prev_timestamp) {
                double delta = x;
                if (ds->kind == SRC_DERIVE)
                        /* As xcp-rrdd: int64 differences wrap in two's complement. */
                        delta = ds->is_int64 ? (double) (int64_t) ((uint64_t) v.i64 -
                                                                   (uint64_t) ds->prev.i64)
                                             : v.d - ds->prev.d;
                s->value.d = 1.0 - delta / (ts - ds->prev_timestamp);
        } else
                s->value_type = SRC_VALUE_UNKNOWN;
        ds->has_prev = true;
        ds->prev = v;
        ds->prev_timestamp = ts;
}

static int plugin_emit(Plugins *ps, const PluginPayload *pl, SrcSink *sink) {
        usec_t ts_usec = (usec_t) llround(pl->timestamp * 1e6);
        int first_error = 0;

        for (size_t i = 0; i < pl->meta->n_ds; i++) {
                PluginDs *ds = &pl->meta->ds[i];
                SrcSample s = {
                        .owner = ds->owner,
                        .name = ds->name,
                        .description = ds->description,
                        .units = ds->units,
                        .kind = ds->kind,
                        /* rrdtool's "U" bound: a NaN limit means no limit. */
                        .min = isnan(ds->min) ? -(double) INFINITY : ds->min,
                        .max = isnan(ds->max) ? (double) INFINITY : ds->max,
                        .is_default = ps->plugin_default || ds->is_default,
                        .timestamp_usec = ts_usec,
                };
                int r;

                if (ds->is_inverse)
                        plugin_inverse(ds, pl->values[i], pl->timestamp, &s);
                else if (ds->is_int64) {
                        s.value_type = SRC_VALUE_INT64;
                        s.value.i64 = pl->values[i].i64;
                } else {
                        s.value_type = SRC_VALUE_DOUBLE;
                        s.value.d = pl->values[i].d;
                }
                r = src_sink_emit(sink, &s);
                if (r < 0 && first_error == 0)
                        first_error = r;
        }
        return first_error;
}

static void plugin_backoff(Plugin *p) {
        unsigned b = p->backoff * 2u;

        p->backoff = (uint16_t) (b > SRC_PLUGINS_MAX_BACKOFF ? SRC_PLUGINS_MAX_BACKOFF : b);
        p->skip = p->backoff;
}

static Plugins *plugins_free(Plugins *ps) {
        if (!ps)
                return NULL;
        plugins_detach(ps);
        if (ps->inotify_fd >= 0)
                (void) close(ps->inotify_fd);
        free(ps->plugins);
        plugin_decoder_free(ps->decoder);
        free(ps->buf);
        free(ps->dir_path);
        free(ps);
        return NULL;
}
DEFINE_FREEP(Plugins, plugins_free);

static int plugins_open(SrcInstance *s, const SrcConfig *cfg) {
        _cleanup_(plugins_freep) Plugins *ps = calloc(1, sizeof(*ps));
        struct rlimit rl;
        int r;

        if (!ps)
                return -ENOMEM;
        ps->dir_fd = ps->inotify_fd = ps->watch = -1;
        ps->plugin_default = cfg && cfg->plugin_default;
        ps->dir_path =
                strdup(cfg && cfg->plugin_dir && cfg->plugin_dir[0] ? cfg->plugin_dir
                                                                    : SRC_PLUGINS_DEFAULT_DIR);
        if (!ps->dir_path)
                return -ENOMEM;
        r = plugin_decoder_new(&ps->decoder);
        if (r < 0)
                return r;
        /* Hold descriptors within a quarter of the process's budget; reopen the rest. */
        ps->max_fds = 256;
        if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur != RLIM_INFINITY)
                ps->max_fds = (size_t) rl.rlim_cur / 4;
        ps->inotify_fd = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
        if (ps->inotify_fd < 0)
                log_debug("plugins: no inotify, rescanning every sample: %m");
        r = plugins_attach(ps);
        if (r < 0)
                return r;
        src_set_data(s, TAKE_PTR(ps));
        return 0;
}

static int plugins_sample(SrcInstance *s, usec_t now, SrcSink *sink) {
        Plugins *ps = src_get_data(s);
        int r, first_error = 0;

        if (ps->dir_fd >= 0 && !plugins_dir_is_current(ps))
                plugins_detach(ps);
        if (ps->dir_fd < 0) {
                r = plugins_attach(ps);
                if (r < 0)
                        return r;
        }
        if (ps->dir_fd >= 0 && ps->inotify_fd >= 0)
                (void) plugins_drain(ps); /* failures set need_rescan */
        if (ps->dir_fd >= 0 && (ps->inotify_fd < 0 || ps->need_rescan)) {
                r = plugins_rescan(ps);
                if (r < 0)
                        (void) log_debug_errno(r, "plugins: cannot list '%s': %m", ps->dir_path);
        }

        for (size_t i = 0; i < ps->n_plugins; i++) {
                Plugin *p = ps->plugins[i];
                PluginPayload pl;
                const char *reason = NULL;

                /* As xcp-rrdd: count down first, read when the count reaches zero. */
                if (p->skip > 0 && --p->skip > 0) {
                        ps->stats.n_skipped++;
                        continue;
                }
                ps->stats.n_attempts++;
                r = plugin_fetch(ps, p, &pl, &reason);
                if (r == PLUGIN_READ_OK) {
                        ps->stats.n_ok++;
                        if (pl.is_meta_parsed)
                                ps->stats.n_meta_parsed++;
                        else
                                ps->stats.n_meta_cached++;
                        p->backoff = 1;
                        p->skip = 0;
                        r = plugin_emit(ps, &pl, sink);
                        if (r < 0 && first_error == 0)
                                first_error = r;
                        continue;
                }
                if (r == PLUGIN_READ_NO_UPDATE)
                        ps->stats.n_no_update++;
                else {
                        ps->stats.n_errors++;
                        if (r == -ENOMEM && first_error == 0)
                                first_error = r;
                        (void) log_debug_errno(r, "plugins: %s/%s: %s, backing off: %m",
                                               ps->dir_path, p->name, reason ? reason : "error");
                }
                plugin_backoff(p);
        }
        return first_error;
}

static void plugins_close(SrcInstance *s) {
        plugins_free(src_get_data(s));
}

const SrcOps src_plugins = {
        .name = "plugins",
        .open = plugins_open,
        .sample = plugins_sample,
        .close = plugins_close,
};

/**
 * src_plugins_get_stats() - the plugins source's counters
 * @s: an open instance of src_plugins
 * @ret: the counters since open()
 *
 * Return: 0, or -EINVAL if @s is not an open plugins source.
 */
int src_plugins_get_stats(const SrcInstance *s, SrcPluginsStats *ret) {
        const Plugins *ps;

        if (!s || src_instance_ops(s) != &src_plugins || !(ps = src_get_data(s)))
                return -EINVAL;
        *ret = ps->stats;
        return 0;
}

/**
 * src_plugins_set_max_fds() - how many plugin files may stay open between reads
 * @s: an open instance of src_plugins
 * @max_fds: the budget; 0 reopens every file at every read. Descriptors held beyond a lowered
 *           budget are closed now.
 *
 * Return: 0, or -EINVAL.
 */
int src_plugins_set_max_fds(SrcInstance *s, size_t max_fds) {
        Plugins *ps;

        if (!s || src_instance_ops(s) != &src_plugins || !(ps = src_get_data(s)))
                return -EINVAL;
        ps->max_fds = max_fds;
        for (size_t i = 0; i < ps->n_plugins && ps->stats.n_fds_held > max_fds; i++)
                if (ps->plugins[i]->fd >= 0) {
                        (void) close(ps->plugins[i]->fd);
                        ps->plugins[i]->fd = -1;
                        ps->stats.n_fds_held--;
                }
        return 0;
}

/**
 * src_plugins_get_backoff() - one plugin's back-off state
 * @s: an open instance of src_plugins
 * @name: the plugin's file name
 * @ret_backoff: if not NULL, the interval between attempts, in sample() calls
 * @ret_skip: if not NULL, the sample() calls left before the next attempt
 *
 * Return: 0, -ENOENT if no such plugin is known, -EINVAL.
 */
int src_plugins_get_backoff(const SrcInstance *s, const char *name, unsigned *ret_backoff,
                            unsigned *ret_skip) {
        const Plugins *ps;
        const Plugin *p;

        if (!s || !name || src_instance_ops(s) != &src_plugins || !(ps = src_get_data(s)))
                return -EINVAL;
        p = plugins_find(ps, name);
        if (!p)
                return -ENOENT;
        if (ret_backoff)
                *ret_backoff = p->backoff;
        if (ret_skip)
                *ret_skip = p->skip;
        return 0;
}
