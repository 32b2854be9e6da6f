/* SPDX-License-Identifier: MIT */
/* First-start state: the host uuid and the users file with a random password. */

#include "rrdd/firstboot.h"

#include <crypt.h>
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <unistd.h>

#include "rrdd/macro.h"

static int random_bytes(void *buf, size_t n) {
        size_t got = 0;
        while (got < n) {
                ssize_t r = getrandom((char *) buf + got, n - got, 0);
                if (r < 0 && errno == EINTR)
                        continue;
                if (r < 0)
                        return -errno;
                got += (size_t) r;
        }
        return 0;
}

int uuid_generate_random(char ret[UUID_STRING_MAX]) {
        uint8_t b[16];
        int r = random_bytes(b, sizeof(b));
        if (r < 0)
                return r;
        b[6] = (uint8_t) ((b[6] & 0x0f) | 0x40); /* version 4 */
        b[8] = (uint8_t) ((b[8] & 0x3f) | 0x80); /* RFC 4122 variant */
        (void) snprintf(ret, UUID_STRING_MAX,
                        "%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-%02x%02x%02x%02x%02x%02x",
                        b[0], b[1], b[2], b[3], b[4], b[5], b[6], b[7], b[8], b[9], b[10], b[11],
                        b[12], b[13], b[14], b[15]);
        return 0;
}

/* Writes text to path through a temporary file and a rename, so a crash leaves no half file. */
static int write_file_atomic(const char *path, const char *text, mode_t mode) {
        char tmp[4096];
        _cleanup_close_ int fd = -1;
        size_t len = strlen(text);
        int r = 0;

        if ((size_t) snprintf(tmp, sizeof(tmp), "%s.XXXXXX", path) >= sizeof(tmp))
                return -ENAMETOOLONG;
        fd = mkostemp(tmp, O_CLOEXEC);
        if (fd < 0)
                return -errno;
        if (fchmod(fd, mode) < 0 || write(fd, text, len) != (ssize_t) len || fsync(fd) < 0)
                r = errno ? -errno : -EIO;
        if (r == 0 && rename(tmp, path) < 0)
                r = -errno;
        if (r < 0)
                (void) unlink(tmp);
        return r;
}

static int read_small_file(const char *path, char *buf, size_t size) {
        _cleanup_close_ int fd = open(path, O_RDONLY | O_CLOEXEC);
        ssize_t n;

        if (fd < 0)
                return -errno;
        n = read(fd, buf, size - 1);
        if (n < 0)
                return -errno;
        buf[n] = '\0';
        return 0;
}

int host_uuid_resolve(const char *inventory_path, const char *data_dir, char ret[UUID_STRING_MAX]) {
        char buf[8192], path[4096];
        int r;

        /* The xensource inventory: KEY='value' lines; INSTALLATION_UUID is the host's. */
        if (inventory_path && *inventory_path &&
            read_small_file(inventory_path, buf, sizeof(buf)) == 0) {
                char *p = strstr(buf, "INSTALLATION_UUID=");
                if (p) {
                        char v[64] = "";
                        p += strlen("INSTALLATION_UUID=");
                        if (*p == '\'' || *p == '"')
                                p++;
                        size_t n = strcspn(p, "'\"\n");
                        if (n < sizeof(v)) {
                                memcpy(v, p, n);
                                v[n] = '\0';
                        }
                        if (uuid_is_valid(v)) {
                                for (char *c = v; *c; c++)
                                        *c = (char) tolower((unsigned char) *c);
                                memcpy(ret, v, UUID_STRING_MAX);
                                return 0;
                        }
                }
        }
        if ((size_t) snprintf(path, sizeof(path), "%s/host-uuid", data_dir) >= sizeof(path))
                return -ENAMETOOLONG;
        if (read_small_file(path, buf, sizeof(buf)) == 0) {
                buf[strcspn(buf, "\n")] = '\0';
                if (uuid_is_valid(buf)) {
                        memcpy(ret, buf, UUID_STRING_MAX);
                        return 0;
                }
                return -EBADMSG;
        }
        r = uuid_generate_random(ret);
        if (r < 0)
                return r;
        (void) snprintf(buf, sizeof(buf), "%s\n", ret);
        return write_file_atomic(path, buf, 0644);
}

int users_file_ensure(const char *path, const char *password_path) {
        static const char alphabet[] =
                "ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz23456789"; /* no 0/O/1/l/I */
        uint8_t rnd[20], salt_rnd[16];
        char password[21], salt[64], line[512];
        struct crypt_data cd;
        const char *hash;
        struct stat st;
        int r;

        if (stat(path, &st) == 0)
                return 0;
        if (errno != ENOENT)
                return -errno;
        if ((r = random_bytes(rnd, sizeof(rnd))) < 0 ||
            (r = random_bytes(salt_rnd, sizeof(salt_rnd))) < 0)
                return r;
        for (size_t i = 0; i < 20; i++)
                password[i] = alphabet[rnd[i] % (sizeof(alphabet) - 1)];
        password[20] = '\0';
        if (!crypt_gensalt_rn("$6$", 0, (const char *) salt_rnd, sizeof(salt_rnd), salt,
                              sizeof(salt)))
                return -errno ? -errno : -EINVAL;
        memset(&cd, 0, sizeof(cd));
        hash = crypt_r(password, salt, &cd);
        if (!hash || hash[0] == '*')
                return -EINVAL;
        (void) snprintf(line, sizeof(line), "%s\n", password);
        r = write_file_atomic(password_path, line, 0600);
        if (r < 0)
                return r;
        (void) snprintf(line, sizeof(line),
                        "# rrdd users: name:crypt(3) hash (openssl passwd -6)\n"
                        "root:%s\n",
                        hash);
        r = write_file_atomic(path, line, 0600);
        return r < 0 ? r : 1;
}

int mkdir_parents(const char *path, unsigned mode) {
        char buf[4096];
        size_t n = strlen(path);

        if (n == 0 || n >= sizeof(buf))
                return -EINVAL;
        memcpy(buf, path, n + 1);
        for (char *p = buf + 1; *p; p++) {
                if (*p != '/')
                        continue;
                *p = '\0';
                if (mkdir(buf, 0755) < 0 && errno != EEXIST)
                        return -errno;
                *p = '/';
        }
        if (mkdir(buf, (mode_t) mode) < 0 && errno != EEXIST)
                return -errno;
        return 0;
}
