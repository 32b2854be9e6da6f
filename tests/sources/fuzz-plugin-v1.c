/* SPDX-License-Identifier: MIT */
/*
 * Fuzz target: protocol-v1 plugin files. The first input byte picks the mode: even, the rest is
 * a whole file; odd, the rest is the JSON, wrapped with a correct length and MD5 so the fuzzer
 * reaches the payload checks. Accepted files are read again to exercise "no update".
 */

#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "tests/sources/fuzz-plugin-common.h"
#include "tests/sources/plugin-writers.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
        _cleanup_(plugin_decoder_freep) PluginDecoder *dec = NULL;
        PluginReader r = {0};
        PluginPayload pl;
        TwImage img = {0};
        size_t need = 0;
        int k;

        if (size < 1 || plugin_decoder_new(&dec) < 0)
                return 0;
        if (data[0] % 2 == 0) {
                img.size = size - 1;
                img.data = malloc(img.size ? img.size : 1);
                if (!img.data)
                        return 0;
                memcpy(img.data, data + 1, img.size);
        } else if (tw_v1_raw((const char *) data + 1, size - 1, data[0] & 2, &img) < 0)
                return 0;

        k = plugin_read(&r, dec, img.data, img.size, &pl, &need, NULL);
        if (k == PLUGIN_READ_NEED_MORE)
                FUZZ_CHECK(need > img.size);
        else
                FUZZ_CHECK(k == PLUGIN_READ_OK || k == -EPROTO || k == -EBADMSG || k == -EINVAL ||
                           k == -E2BIG || k == -ENOMEM);
        if (k == PLUGIN_READ_OK) {
                fuzz_check_payload(&pl, pl.protocol);
                k = plugin_read(&r, dec, img.data, img.size, &pl, &need, NULL);
                FUZZ_CHECK(k == PLUGIN_READ_NO_UPDATE);
        }
        plugin_reader_deinit(&r);
        tw_image_free(&img);
        return 0;
}
