/* SPDX-License-Identifier: MIT */
/*
 * Fuzz target for the URLs a member takes from outside: the Location of a master's redirect
 * (pool_split_url()) and URLs in reports (pool_url_is_valid()). Any bytes are accepted or
 * refused, never crash; what is accepted has a host, and a target that starts with '/'.
 */

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "rrdd/pool-report.h"
#include "rrdd/pool-store.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
        char *s = malloc(size + 1), target[2048];
        HttpcUrl u;

        if (!s)
                return 0;
        memcpy(s, data, size);
        s[size] = '\0';
        if (pool_split_url(s, &u, target, sizeof(target)) == 0) {
                if (!u.host[0] || target[0] != '/' || u.port == 0)
                        abort();
                for (const char *p = target; *p; p++)
                        if ((unsigned char) *p <= ' ')
                                abort(); /* a request line must not be split */
        }
        if (pool_url_is_valid(s) && (strpbrk(s, " \r\n?#@") || strlen(s) >= POOL_URL_MAX))
                abort();
        free(s);
        return 0;
}
