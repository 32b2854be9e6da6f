/* SPDX-License-Identifier: MIT */
/*
 * sd_notify() without libsystemd: one datagram to the socket named in $NOTIFY_SOCKET, where a
 * leading '@' means the abstract namespace.
 */

#include "rrdd/notify.h"

#include <errno.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "rrdd/macro.h"

int notify_send(const char *message) {
        const char *path = getenv("NOTIFY_SOCKET");
        struct sockaddr_un sa = {.sun_family = AF_UNIX};
        _cleanup_close_ int fd = -1;
        size_t len;
        socklen_t salen;

        if (!path || !*path)
                return 0;
        len = strlen(path);
        if (len >= sizeof(sa.sun_path) || (path[0] != '/' && path[0] != '@'))
                return -EINVAL;
        memcpy(sa.sun_path, path, len);
        if (sa.sun_path[0] == '@')
                sa.sun_path[0] = '\0';
        salen = (socklen_t) (offsetof(struct sockaddr_un, sun_path) + len);
        fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
        if (fd < 0)
                return -errno;
        if (sendto(fd, message, strlen(message), MSG_NOSIGNAL, (struct sockaddr *) &sa, salen) < 0)
                return -errno;
        return 1;
}

usec_t notify_watchdog_usec(void) {
        const char *usec = getenv("WATCHDOG_USEC"), *pid = getenv("WATCHDOG_PID");
        char *end;

        if (!usec)
                return 0;
        if (pid && (pid_t) strtol(pid, NULL, 10) != getpid())
                return 0;
        unsigned long long v = strtoull(usec, &end, 10);
        return *end == '\0' ? (usec_t) v : 0;
}
