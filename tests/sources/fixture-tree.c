/* SPDX-License-Identifier: MIT */
/* Writable copies of fixture trees, for tests that change files between samples. */

#include "fixture-tree.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "rrdd/macro.h"

static int read_all(const char *path, char **ret, size_t *ret_len) {
        _cleanup_close_ int fd = open(path, O_RDONLY | O_CLOEXEC);
        _cleanup_free_ char *buf = NULL;
        size_t len = 0, size = 0;

        if (fd < 0)
                return -errno;
        for (;;) {
                ssize_t n;
                if (len == size) {
                        char *b = realloc(buf, size ? size * 2 : 4096);
                        if (!b)
                                return -ENOMEM;
                        buf = b;
                        size = size ? size * 2 : 4096;
                }
                n = read(fd, buf + len, size - len);
                if (n < 0)
                        return -errno;
                if (n == 0)
                        break;
                len += (size_t) n;
        }
        *ret = TAKE_PTR(buf);
        *ret_len = len;
        return 0;
}

static int write_all(int fd, const char *buf, size_t len) {
        while (len > 0) {
                ssize_t n = write(fd, buf, len);
                if (n < 0)
                        return -errno;
                buf += n;
                len -= (size_t) n;
        }
        return 0;
}

static int copy_file(const char *src, const char *dst) {
        _cleanup_free_ char *buf = NULL;
        _cleanup_close_ int fd = -1;
        size_t len;
        int r;

        r = read_all(src, &buf, &len);
        if (r < 0)
                return r;
        fd = open(dst, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
        if (fd < 0)
                return -errno;
        return write_all(fd, buf, len);
}

int fixture_copy_tree(const char *src, const char *dst) {
        struct stat st;

        if (lstat(src, &st) < 0)
                return -errno;
        if (S_ISLNK(st.st_mode)) {
                char target[PATH_MAX];
                ssize_t n = readlink(src, target, sizeof(target) - 1);
                if (n < 0)
                        return -errno;
                target[n] = '\0';
                return symlink(target, dst) < 0 ? -errno : 0;
        }
        if (S_ISREG(st.st_mode))
                return copy_file(src, dst);
        if (!S_ISDIR(st.st_mode))
                return -EINVAL;
        if (mkdir(dst, 0755) < 0)
                return -errno;

        struct dirent **names = NULL;
        int n = scandir(src, &names, NULL, alphasort), r = 0;
        if (n < 0)
                return -errno;
        for (int i = 0; i < n; i++) {
                const char *e = names[i]->d_name;
                if (r >= 0 && strcmp(e, ".") != 0 && strcmp(e, "..") != 0) {
                        char s[PATH_MAX], d[PATH_MAX];
                        (void) snprintf(s, sizeof(s), "%s/%s", src, e);
                        (void) snprintf(d, sizeof(d), "%s/%s", dst, e);
                        r = fixture_copy_tree(s, d);
                }
                free(names[i]);
        }
        free(names);
        return r;
}

static int remove_one(const char *path, const struct stat *st, int flag, struct FTW *ftw) {
        return remove(path) < 0 ? -1 : 0;
}

int fixture_remove_tree(const char *path) {
        return nftw(path, remove_one, 16, FTW_DEPTH | FTW_PHYS) < 0 ? -errno : 0;
}

int fixture_rewrite(const char *path, const char *text) {
        _cleanup_close_ int fd = open(path, O_WRONLY | O_TRUNC | O_CLOEXEC);

        if (fd < 0)
                return -errno;
        return write_all(fd, text, strlen(text));
}

int fixture_rewrite_from(const char *path, const char *src) {
        _cleanup_free_ char *buf = NULL;
        _cleanup_close_ int fd = -1;
        size_t len;
        int r;

        r = read_all(src, &buf, &len);
        if (r < 0)
                return r;
        fd = open(path, O_WRONLY | O_TRUNC | O_CLOEXEC);
        if (fd < 0)
                return -errno;
        return write_all(fd, buf, len);
}

int fixture_write_new(const char *path, const char *text) {
        _cleanup_close_ int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);

        if (fd < 0)
                return -errno;
        return write_all(fd, text, strlen(text));
}
