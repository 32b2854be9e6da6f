/* SPDX-License-Identifier: MIT */
/*
 * The archive store. A save writes a hidden temporary file in the same directory, checks every
 * write, fsyncs it, renames it over <uuid>.xml[.gz] and fsyncs the directory (the pattern of
 * redis' rdbSave): a reader, a crash or a power cut sees either the old archive or the new one,
 * never a mix. Any failure removes the temporary file and returns -errno, leaving the previous
 * archive untouched so the caller can keep its RRD and retry.
 *
 * A PersistStore holds nothing but a directory descriptor, so saves and loads may run in any
 * thread at the same time. Writes beyond RLIMIT_FSIZE raise SIGXFSZ, which kills a process by
 * default: the daemon ignores that signal, and the failing write then returns EFBIG here.
 */

#include "persist/store.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <zlib.h>

#include "persist/writer.h"

#define WRITE_CHUNK (64 * 1024)
#define TMP_SUFFIX ".tmp"
#define NAME_MAX_LEN 128 /* ".<uuid>.xml.gz.<16 hex>.tmp" is 67 bytes */

struct PersistStore {
        int dir_fd;
};

/**
 * persist_uuid_is_valid() - whether a string is a canonical uuid, safe to put in a file name.
 * @uuid: the string (may be NULL).
 *
 * Return: true for exactly 8-4-4-4-12 hex digits, lower or upper case.
 */
bool persist_uuid_is_valid(const char *uuid) {
        return uuid_is_valid(uuid);
}

/**
 * persist_store_new() - open (creating it if missing, mode 0755) the archive directory.
 * @ret: the store.
 * @data_dir: the directory.
 *
 * Return: 0 or -errno.
 */
int persist_store_new(PersistStore **ret, const char *data_dir) {
        _cleanup_close_ int fd = -1;
        PersistStore *s;

        if (!ret || !data_dir || !*data_dir)
                return -EINVAL;
        if (mkdir(data_dir, 0755) < 0 && errno != EEXIST)
                return -errno;
        fd = open(data_dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (fd < 0)
                return -errno;
        s = calloc(1, sizeof(*s));
        if (!s)
                return -ENOMEM;
        s->dir_fd = TAKE_FD(fd);
        *ret = s;
        return 0;
}

/**
 * persist_store_free() - close the archive directory.
 * @s: the store, or NULL.
 *
 * Return: NULL.
 */
PersistStore *persist_store_free(PersistStore *s) {
        if (!s)
                return NULL;
        if (s->dir_fd >= 0)
                (void) close(s->dir_fd);
        free(s);
        return NULL;
}

static void archive_name(char *buf, const char *uuid, bool gzip) {
        (void) snprintf(buf, NAME_MAX_LEN, "%.36s%s", uuid, gzip ? ".xml.gz" : ".xml");
}

static int write_all(int fd, const void *data, size_t len) {
        const char *p = data;

        while (len > 0) {
                ssize_t n = write(fd, p, len);
                if (n < 0) {
                        if (errno == EINTR)
                                continue;
                        return -errno;
                }
                if (n == 0)
                        return -EIO;
                p += n;
                len -= (size_t) n;
        }
        return 0;
}

/*
 * Archives use the shortest round-trip numbers: our loader reads them back bit for bit, and the
 * text that would also be exact for rrdtool's own parser costs three times as much to find
 * (134 against 41 ns per value: 1.4 s more per 1000 VM archives) while no such text exists for
 * about a fifth of full-precision values anyway. `rrdtool restore` of an archive may therefore
 * store some values an ulp or two away from ours; `rrdd-tool dump --rrd-exact` writes the
 * rrdtool-exact form when that matters.
 */
#define ARCHIVE_WRITER_FLAGS PERSIST_WRITER_SHORTEST

static int write_gzip(int fd, const Rrd *rrd) {
        _cleanup_(persist_writer_freep) PersistWriter *w = NULL;
        _cleanup_free_ char *in = malloc(WRITE_CHUNK), *out = malloc(WRITE_CHUNK);
        z_stream z = {};
        int r, zr = Z_OK;

        if (!in || !out)
                return -ENOMEM;
        r = persist_writer_new(&w, rrd, PERSIST_FORMAT_XML, ARCHIVE_WRITER_FLAGS);
        if (r < 0)
                return r;
        /*
         * 15 + 16: a gzip wrapper, as gzip(1) and xcp-rrdd write. Level 1: on dump XML it is
         * about 8 % larger than level 6 for a quarter of the CPU (14 s -> 4 s per 1000 VMs).
         */
        if (deflateInit2(&z, Z_BEST_SPEED, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY) != Z_OK)
                return -ENOMEM;
        for (bool end = false; zr != Z_STREAM_END;) {
                if (z.avail_in == 0 && !end) {
                        ssize_t n = persist_writer_read(w, in, WRITE_CHUNK);
                        if (n < 0) {
                                r = (int) n;
                                break;
                        }
                        end = n == 0;
                        z.next_in = (Bytef *) in;
                        z.avail_in = (uInt) n;
                }
                z.next_out = (Bytef *) out;
                z.avail_out = WRITE_CHUNK;
                zr = deflate(&z, end ? Z_FINISH : Z_NO_FLUSH);
                if (zr != Z_OK && zr != Z_STREAM_END && zr != Z_BUF_ERROR) {
                        r = -EIO;
                        break;
                }
                r = write_all(fd, out, WRITE_CHUNK - z.avail_out);
                if (r < 0)
                        break;
        }
        (void) deflateEnd(&z);
        return r;
}

/* A fresh hidden temporary file next to the archive: .<uuid>.xml[.gz].<random>.tmp */
static int open_temp(const PersistStore *s, const char *uuid, bool gzip, char *ret_name) {
        for (int attempt = 0; attempt < 16; attempt++) {
                uint64_t rnd;
                if (getrandom(&rnd, sizeof(rnd), GRND_NONBLOCK) != sizeof(rnd)) {
                        struct timespec ts;
                        (void) clock_gettime(CLOCK_MONOTONIC, &ts);
                        rnd = ((uint64_t) getpid() << 32) ^ (uint64_t) gettid() ^
                              (uint64_t) ts.tv_nsec ^ ((uint64_t) attempt << 48);
                }
                (void) snprintf(ret_name, NAME_MAX_LEN, ".%.36s%s.%016" PRIx64 TMP_SUFFIX, uuid,
                                gzip ? ".xml.gz" : ".xml", rnd);
                int fd = openat(s->dir_fd, ret_name,
                                O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0644);
                if (fd >= 0)
                        return fd;
                if (errno != EEXIST)
                        return -errno;
        }
        return -EEXIST;
}

/**
 * persist_store_save() - write an RRD's archive, atomically replacing the previous one.
 * @s: the store.
 * @uuid: whose RRD (validated before any path is built).
 * @rrd: the RRD, read but not changed; it must not change during the call (pass a copy made
 *       with rrd_dup() when saving from another thread).
 * @flags: PERSIST_STORE_GZIP for <uuid>.xml.gz.
 *
 * After the new archive is in place, the other form (.xml vs .xml.gz) is removed.
 *
 * Return: 0; -EINVAL for a bad uuid or flag; -errno of the step that failed (ENOSPC, EIO,
 * EROFS, EFBIG, EACCES, ...), in which case the previous archive is untouched and no temporary
 * file remains.
 */
int persist_store_save(const PersistStore *s, const char *uuid, const Rrd *rrd, unsigned flags) {
        char final[NAME_MAX_LEN], other[NAME_MAX_LEN], tmp[NAME_MAX_LEN];
        const bool gzip = flags & PERSIST_STORE_GZIP;
        _cleanup_close_ int fd = -1;
        int r;

        if (!s || !rrd || !persist_uuid_is_valid(uuid) || (flags & ~PERSIST_STORE_GZIP))
                return -EINVAL;
        archive_name(final, uuid, gzip);
        archive_name(other, uuid, !gzip);

        fd = open_temp(s, uuid, gzip, tmp);
        if (fd < 0)
                return fd;
        r = gzip ? write_gzip(fd, rrd)
                 : persist_write_fd(fd, rrd, PERSIST_FORMAT_XML, ARCHIVE_WRITER_FLAGS);
        if (r >= 0 && fsync(fd) < 0)
                r = -errno;
        if (r >= 0) {
                /* close() can report a deferred write error (NFS); it counts. */
                int cr = close(TAKE_FD(fd));
                if (cr < 0)
                        r = -errno;
        }
        if (r >= 0 && renameat(s->dir_fd, tmp, s->dir_fd, final) < 0)
                r = -errno;
        if (r < 0) {
                (void) unlinkat(s->dir_fd, tmp, 0);
                return r;
        }
        /* The rename is durable only once the directory is. */
        if (fsync(s->dir_fd) < 0)
                return -errno;
        /* A leftover of the other form would be stale; loading prefers the newer file anyway. */
        (void) unlinkat(s->dir_fd, other, 0);
        return 0;
}

/**
 * persist_store_load() - read an RRD's archive.
 * @s: the store.
 * @uuid: whose RRD.
 * @limits: bounds on the document, NULL for the defaults.
 * @ret: the RRD; untouched on failure.
 * @err: why the archive was refused (may be NULL).
 *
 * Reads <uuid>.xml or <uuid>.xml.gz, whichever exists; if both do (a crash between a save and
 * the removal of the other form), the more recently modified one, .xml on a tie (file times
 * are as coarse as the kernel clock tick, so two saves within one tick are a tie).
 *
 * Return: 0; -EINVAL for a bad uuid; -ENOENT when there is no archive; otherwise as
 * persist_load_fd().
 */
int persist_store_load(const PersistStore *s, const char *uuid, const PersistLimits *limits,
                       Rrd **ret, PersistError *err) {
        char plain[NAME_MAX_LEN], gz[NAME_MAX_LEN];
        _cleanup_close_ int fd_plain = -1, fd_gz = -1;
        struct stat st_plain, st_gz;
        int fd;

        if (!s || !ret || !persist_uuid_is_valid(uuid))
                return -EINVAL;
        archive_name(plain, uuid, false);
        archive_name(gz, uuid, true);
        fd_plain = openat(s->dir_fd, plain, O_RDONLY | O_CLOEXEC | O_NOCTTY);
        if (fd_plain < 0 && errno != ENOENT)
                return -errno;
        fd_gz = openat(s->dir_fd, gz, O_RDONLY | O_CLOEXEC | O_NOCTTY);
        if (fd_gz < 0 && errno != ENOENT)
                return -errno;
        if (fd_plain < 0 && fd_gz < 0)
                return -ENOENT;
        if (fd_plain >= 0 && fd_gz >= 0) {
                if (fstat(fd_plain, &st_plain) < 0 || fstat(fd_gz, &st_gz) < 0)
                        return -errno;
                bool gz_newer = st_gz.st_mtim.tv_sec > st_plain.st_mtim.tv_sec ||
                                (st_gz.st_mtim.tv_sec == st_plain.st_mtim.tv_sec &&
                                 st_gz.st_mtim.tv_nsec > st_plain.st_mtim.tv_nsec);
                fd = gz_newer ? fd_gz : fd_plain;
        } else
                fd = fd_plain >= 0 ? fd_plain : fd_gz;
        return persist_load_fd(fd, limits, ret, err);
}

/**
 * persist_store_remove() - delete an RRD's archive (both forms).
 * @s: the store.
 * @uuid: whose RRD.
 *
 * Return: 0 if something was removed, -ENOENT if there was nothing, -EINVAL, -errno.
 */
int persist_store_remove(const PersistStore *s, const char *uuid) {
        char name[NAME_MAX_LEN];
        bool removed = false;

        if (!s || !persist_uuid_is_valid(uuid))
                return -EINVAL;
        for (int gzip = 0; gzip <= 1; gzip++) {
                archive_name(name, uuid, gzip);
                if (unlinkat(s->dir_fd, name, 0) == 0)
                        removed = true;
                else if (errno != ENOENT)
                        return -errno;
        }
        if (!removed)
                return -ENOENT;
        return fsync(s->dir_fd) < 0 ? -errno : 0;
}

/* Our temporary files: "." + uuid + ".xml" ... + ".tmp". */
static bool is_temp_name(const char *n) {
        size_t len = strlen(n);
        char uuid[PERSIST_UUID_LEN + 1];

        if (n[0] != '.' || len < 1 + PERSIST_UUID_LEN + strlen(TMP_SUFFIX) ||
            strcmp(n + len - strlen(TMP_SUFFIX), TMP_SUFFIX) != 0)
                return false;
        memcpy(uuid, n + 1, PERSIST_UUID_LEN);
        uuid[PERSIST_UUID_LEN] = '\0';
        return persist_uuid_is_valid(uuid) && strncmp(n + 1 + PERSIST_UUID_LEN, ".xml", 4) == 0;
}

/**
 * persist_store_clean() - remove temporary files left by saves that were killed.
 * @s: the store.
 *
 * Call it at start-up, before any save: a save running meanwhile would lose its temporary file
 * and fail (harmlessly, its caller retries).
 *
 * Return: the number of files removed, or -errno.
 */
int persist_store_clean(const PersistStore *s) {
        DIR *d;
        struct dirent *e;
        int fd, n = 0, r = 0;

        if (!s)
                return -EINVAL;
        fd = openat(s->dir_fd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (fd < 0)
                return -errno;
        d = fdopendir(fd);
        if (!d) {
                r = -errno;
                (void) close(fd);
                return r;
        }
        while ((errno = 0, e = readdir(d))) {
                if (!is_temp_name(e->d_name))
                        continue;
                if (unlinkat(s->dir_fd, e->d_name, 0) == 0)
                        n++;
                else if (errno != ENOENT && r == 0)
                        r = -errno;
        }
        if (errno != 0 && r == 0)
                r = -errno;
        (void) closedir(d);
        return r < 0 ? r : n;
}
