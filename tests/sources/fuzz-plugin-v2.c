/* SPDX-License-Identifier: MIT */
/*
 * Fuzz target: protocol-v2 plugin files. The first input byte picks the mode: even, the rest is
 * a whole file; odd, the rest is [count byte][values][metadata] wrapped into a file with correct
 * CRCs, so the fuzzer reaches the metadata checks without having to forge CRC-32. Accepted files
 * are read again to exercise "no update" and the metadata cache.
 */

#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#include "tests/sources/fuzz-plugin-common.h"
#include "tests/sources/plugin-writers.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_result(int r, size_t need, size_t size) {
        if (r == PLUGIN_READ_NEED_MORE)
                FUZZ_CHECK(need > size);
        else
                FUZZ_CHECK(r == PLUGIN_READ_OK || r == PLUGIN_READ_NO_UPDATE || r == -EPROTO ||
                           r == -EBADMSG || r == -EINVAL || r == -E2BIG || r == -ENOMEM);
}

/* Rewrites the timestamp and the data CRC, as a writer's next cycle would. */
static void next_cycle(uint8_t *file, size_t size) {
        uint32_t n = (uint32_t) file[19] << 24 | (uint32_t) file[20] << 16 |
                     (uint32_t) file[21] << 8 | file[22];
        size_t end = PLUGIN_V2_VALUES_OFFSET + (size_t) n * 8;
        uLong crc;

        FUZZ_CHECK(end <= size);
        file[PLUGIN_V2_TIMESTAMP_OFFSET + 7] ^= 0x01;
        crc = crc32_z(crc32_z(0L, Z_NULL, 0), file + PLUGIN_V2_TIMESTAMP_OFFSET,
                      end - PLUGIN_V2_TIMESTAMP_OFFSET);
        file[11] = (uint8_t) (crc >> 24);
        file[12] = (uint8_t) (crc >> 16);
        file[13] = (uint8_t) (crc >> 8);
        file[14] = (uint8_t) crc;
}

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
        } else {
                size_t n = size > 1 ? data[1] % 16 : 0;
                uint64_t bits[16] = {0};
                const uint8_t *p = data + 2, *end = data + size;

                if (size < 2)
                        return 0;
                for (size_t i = 0; i < n && end - p >= 8; i++, p += 8)
                        memcpy(&bits[i], p, 8);
                if (tw_v2_raw((const char *) p, (size_t) (end - p), bits, n, 1700000000, &img) < 0)
                        return 0;
        }

        k = plugin_read(&r, dec, img.data, img.size, &pl, &need, NULL);
        check_result(k, need, img.size);
        if (k == PLUGIN_READ_OK) {
                PluginMeta *meta = pl.meta;

                fuzz_check_payload(&pl, PLUGIN_PROTOCOL_V2);
                /* The same bytes again: no update, nothing changed. */
                FUZZ_CHECK(plugin_read(&r, dec, img.data, img.size, &pl, &need, NULL) ==
                           PLUGIN_READ_NO_UPDATE);
                FUZZ_CHECK(r.meta == meta);
                /* A new timestamp with the same metadata CRC: served from the cache. */
                next_cycle(img.data, img.size);
                k = plugin_read(&r, dec, img.data, img.size, &pl, &need, NULL);
                check_result(k, need, img.size);
                if (k == PLUGIN_READ_OK) {
                        FUZZ_CHECK(!pl.is_meta_parsed && pl.meta == meta);
                        fuzz_check_payload(&pl, PLUGIN_PROTOCOL_V2);
                }
        }
        plugin_reader_deinit(&r);
        tw_image_free(&img);
        return 0;
}
