/* SPDX-License-Identifier: MIT */
/* Fuzz target for the HTTP client's response reader: bytes from a peer through a socketpair. */

#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "rrdd/httpc.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
        int sv[2];
        HttpcResponse resp;

        /* The whole input must fit in the socket buffer, since nobody reads while we write. */
        if (size > 100000 || socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) < 0)
                return 0;
        int buf = 1 << 20;
        (void) setsockopt(sv[1], SOL_SOCKET, SO_SNDBUF, &buf, sizeof(buf));
        if (write(sv[1], data, size) != (ssize_t) size) {
                close(sv[0]);
                close(sv[1]);
                return 0;
        }
        close(sv[1]);
        if (httpc_read_response_fd(sv[0], "GET", 65536, 1000, &resp) == 0) {
                if (!resp.body || resp.status < 100 || resp.status > 599 ||
                    strlen(resp.body) > resp.body_len)
                        abort();
                httpc_response_done(&resp);
        }
        close(sv[0]);
        return 0;
}
