/* SPDX-License-Identifier: MIT */
/* MD5 against the test suite of RFC 1321 (appendix A.5) and a well-known long message. */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sources/md5.h"
#include "tests/tap.h"

static void hex(const uint8_t d[MD5_DIGEST_SIZE], char out[2 * MD5_DIGEST_SIZE + 1]) {
        for (unsigned i = 0; i < MD5_DIGEST_SIZE; i++)
                (void) snprintf(out + 2 * i, 3, "%02x", d[i]);
}

int main(void) {
        static const struct {
                const char *msg;
                const char *digest;
        } rfc[] = {
                {"", "d41d8cd98f00b204e9800998ecf8427e"},
                {"a", "0cc175b9c0f1b6a831c399e269772661"},
                {"abc", "900150983cd24fb0d6963f7d28e17f72"},
                {"message digest", "f96b697d7cb7938d525a2f31aaf161d0"},
                {"abcdefghijklmnopqrstuvwxyz", "c3fcd3d76192e4007dfb496cca67e13b"},
                {"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789",
                 "d174ab98d277d9f5a5611c2c9f419d9f"},
                {"1234567890123456789012345678901234567890123456789012345678901234567890123456789"
                 "0",
                 "57edf4a22be3c955ac49da2e2107b67a"},
        };
        uint8_t d[MD5_DIGEST_SIZE], e[MD5_DIGEST_SIZE];
        char h[2 * MD5_DIGEST_SIZE + 1];

        for (size_t i = 0; i < sizeof(rfc) / sizeof(rfc[0]); i++) {
                md5_buffer(rfc[i].msg, strlen(rfc[i].msg), d);
                hex(d, h);
                CHECKF(strcmp(h, rfc[i].digest) == 0, "MD5(\"%s\") = %s", rfc[i].msg, h);
        }

        /* One million 'a': crosses every block boundary case many times. */
        size_t n = 1000000;
        char *a = malloc(n);
        memset(a, 'a', n);
        md5_buffer(a, n, d);
        hex(d, h);
        CHECK(strcmp(h, "7707d6ae4e027c70eea2a935c2296f21") == 0);

        /* Fed in uneven pieces (incl. empty ones and ones ending at 55, 56, 63, 64 bytes), the
         * digest is the same as in one go. */
        static const size_t pieces[] = {0, 1, 54, 55, 56, 57, 63, 64, 65, 127, 128, 1000, 0, 3};
        for (size_t len = 0; len < 300; len += 7) {
                Md5 m;
                size_t off = 0, k = 0;

                md5_buffer(a, len, d);
                md5_init(&m);
                while (off < len) {
                        size_t take = pieces[k++ % (sizeof(pieces) / sizeof(pieces[0]))];
                        if (take > len - off)
                                take = len - off;
                        md5_update(&m, a + off, take);
                        off += take;
                }
                md5_final(&m, e);
                CHECKF(memcmp(d, e, sizeof(d)) == 0, "length %zu", len);
        }
        free(a);
        return TAP_DONE();
}
