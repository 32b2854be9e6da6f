/* SPDX-License-Identifier: MIT */
/*
 * ArchiveOps on data_dir: persist/ writes and reads <uuid>.xml[.gz] atomically. An archive that
 * cannot be read is renamed aside (<name>.unreadable-<time>) before the daemon starts a new RRD
 * for its owner, so the next save cannot destroy what may still be recovered by hand.
 */

#include "rrdd/store-dir.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "persist/store.h"
#include "rrdd/log.h"
#include "rrdd/macro.h"

struct DirStore {
        PersistStore *store;
        char *dir;
        bool gzip;
};

int dir_store_new(DirStore **ret, const char *data_dir, bool gzip) {
        DirStore *s = calloc(1, sizeof(*s));
        int r;

        if (!s)
                return -ENOMEM;
        s->gzip = gzip;
        s->dir = strdup(data_dir);
        if (!s->dir) {
                free(s);
                return -ENOMEM;
        }
        r = persist_store_new(&s->store, data_dir);
        if (r < 0) {
                dir_store_free(s);
                return r;
        }
        *ret = s;
        return 0;
}

DirStore *dir_store_free(DirStore *s) {
        if (!s)
                return NULL;
        persist_store_free(s->store);
        free(s->dir);
        free(s);
        return NULL;
}

static int ds_save(void *ctx, SrcOwnerKind kind, const char *uuid, const Rrd *rrd, unsigned flags) {
        DirStore *s = ctx;
        (void) kind;
        return persist_store_save(s->store, uuid, rrd, s->gzip ? PERSIST_STORE_GZIP : 0);
}

static void set_aside(DirStore *s, const char *uuid) {
        static const char *const suffixes[] = {".xml", ".xml.gz"};
        char from[4096], to[4200];

        for (size_t i = 0; i < ELEMENTSOF(suffixes); i++) {
                (void) snprintf(from, sizeof(from), "%s/%s%s", s->dir, uuid, suffixes[i]);
                (void) snprintf(to, sizeof(to), "%s.unreadable-%lld", from, (long long) time(NULL));
                if (rename(from, to) == 0)
                        log_warning("set the unreadable archive aside as %s", to);
        }
}

static int ds_load(void *ctx, SrcOwnerKind kind, const char *uuid, Rrd **ret) {
        DirStore *s = ctx;
        PersistError err = {};
        char msg[512];
        int r;
        (void) kind;

        r = persist_store_load(s->store, uuid, NULL, ret, &err);
        if (r < 0 && r != -ENOENT && r != -ENOMEM && r != -EMFILE && r != -ENFILE) {
                log_error("archive %s: %s", uuid, persist_error_to_string(&err, msg, sizeof(msg)));
                /* Only content errors: a missing or busy file is not a broken one. */
                if (r == -EBADMSG || r == -EINVAL || r == -E2BIG || r == -EFBIG)
                        set_aside(s, uuid);
        }
        return r;
}

static int ds_exists(void *ctx, SrcOwnerKind kind, const char *uuid) {
        DirStore *s = ctx;
        char path[4096];
        struct stat st;
        (void) kind;

        if (!persist_uuid_is_valid(uuid))
                return -EINVAL;
        (void) snprintf(path, sizeof(path), "%s/%s.xml", s->dir, uuid);
        if (stat(path, &st) == 0)
                return 1;
        (void) snprintf(path, sizeof(path), "%s/%s.xml.gz", s->dir, uuid);
        if (stat(path, &st) == 0)
                return 1;
        return errno == ENOENT ? 0 : -errno;
}

static int state_path(const DirStore *s, const char *name, char *buf, size_t size) {
        if (strchr(name, '/') || name[0] == '.')
                return -EINVAL;
        if ((size_t) snprintf(buf, size, "%s/%s", s->dir, name) >= size)
                return -ENAMETOOLONG;
        return 0;
}

static int ds_save_state(void *ctx, const char *name, const char *text) {
        DirStore *s = ctx;
        char path[4096], tmp[4200];
        _cleanup_close_ int fd = -1;
        size_t len = strlen(text);
        int r = state_path(s, name, path, sizeof(path));

        if (r < 0)
                return r;
        (void) snprintf(tmp, sizeof(tmp), "%s.XXXXXX", path);
        fd = mkostemp(tmp, O_CLOEXEC);
        if (fd < 0)
                return -errno;
        if (write(fd, text, len) != (ssize_t) len || fsync(fd) < 0 || rename(tmp, path) < 0) {
                r = errno ? -errno : -EIO;
                (void) unlink(tmp);
                return r;
        }
        return 0;
}

static int ds_load_state(void *ctx, const char *name, char **ret) {
        DirStore *s = ctx;
        char path[4096];
        _cleanup_close_ int fd = -1;
        struct stat st;
        int r = state_path(s, name, path, sizeof(path));

        if (r < 0)
                return r;
        fd = open(path, O_RDONLY | O_CLOEXEC);
        if (fd < 0)
                return -errno;
        if (fstat(fd, &st) < 0)
                return -errno;
        if (st.st_size > 16 * 1024 * 1024)
                return -EFBIG;
        char *buf = malloc((size_t) st.st_size + 1);
        if (!buf)
                return -ENOMEM;
        ssize_t n = read(fd, buf, (size_t) st.st_size);
        if (n < 0) {
                free(buf);
                return -errno;
        }
        buf[n] = '\0';
        *ret = buf;
        return 0;
}

const ArchiveOps dir_store_ops = {
        .save = ds_save,
        .load = ds_load,
        .exists = ds_exists,
        .save_state = ds_save_state,
        .load_state = ds_load_state,
};
