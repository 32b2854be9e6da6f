/* SPDX-License-Identifier: MIT */
/*
 * Writes the seed corpora of the plugin fuzz targets (tests/sources/corpus/fuzz-plugin-*):
 * files from every test writer, damaged variants, and metadata texts for the wrapped modes.
 * Run by hand after changing the writers: gen-plugin-corpus <tests/sources/corpus>.
 */

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tests/sources/plugin-writers.h"

#define DINF ((double) INFINITY)

static const char *top;

static void put(const char *target, const char *name, uint8_t mode, const void *data, size_t size) {
        char path[1024];
        FILE *f;

        (void) snprintf(path, sizeof(path), "%s/%s/%s", top, target, name);
        f = fopen(path, "we");
        if (!f) {
                perror(path);
                exit(1);
        }
        if (mode != 0xff)
                (void) fputc(mode, f);
        if (size > 0 && fwrite(data, 1, size, f) != size) {
                perror(path);
                exit(1);
        }
        (void) fclose(f);
}

static void put_str(const char *target, const char *name, uint8_t mode, const char *s) {
        put(target, name, mode, s, strlen(s));
}

int main(int argc, char **argv) {
        static const TwDs ds[] = {
                {.name = "memory_total_kib",
                 .description = "Total memory",
                 .owner = "host",
                 .type = "gauge",
                 .is_int64 = true,
                 .i64 = 16777216,
                 .is_default = true,
                 .units = "KiB",
                 .min = 0,
                 .max = DINF},
                {.name = "cpu0",
                 .description = "Physical cpu usage",
                 .type = "derive",
                 .d = 123456.25,
                 .is_default = true,
                 .units = "(fraction)",
                 .min = 0,
                 .max = 1,
                 .is_inverse = true},
                {.name = "cpu0",
                 .owner = "vm 2d4f8e47-3c6b-4a1e-9f0d-7b2a5c8e1f30",
                 .type = "derive",
                 .d = 17.5,
                 .units = "(fraction)",
                 .min = 0,
                 .max = 1},
                {.name = "physical_utilisation",
                 .owner = "sr 5f1b9c2e-8d7a-4e3f-b6c1-0a9e8d7c6b5a",
                 .type = "absolute",
                 .is_int64 = true,
                 .i64 = -3,
                 .units = "B",
                 .min = -DINF,
                 .max = DINF},
        };
        TwImage img;

        if (argc != 2) {
                fprintf(stderr, "usage: %s CORPUS-DIR\n", argv[0]);
                return 2;
        }
        top = argv[1];

        /* v2, whole files (mode byte 0). */
        if (tw_v2_ocaml(ds, 4, 1700000000.5, false, &img) < 0)
                return 1;
        put("fuzz-plugin-v2", "ocaml", 0, img.data, img.payload_size);
        put("fuzz-plugin-v2", "ocaml-truncated", 0, img.data, img.payload_size - 7);
        img.data[40] ^= 1;
        put("fuzz-plugin-v2", "ocaml-bad-crc", 0, img.data, img.payload_size);
        tw_image_free(&img);
        if (tw_v2_ocaml(ds, 4, 1700000000, true, &img) < 0)
                return 1;
        put("fuzz-plugin-v2", "ocaml-int-timestamp", 0, img.data, img.payload_size);
        tw_image_free(&img);
        if (tw_v2_python(ds, 2, 1700000000, &img) < 0)
                return 1;
        put("fuzz-plugin-v2", "python", 0, img.data, img.size);
        tw_image_free(&img);
        if (tw_v2_c(ds, 4, 1700000000.25, &img) < 0)
                return 1;
        put("fuzz-plugin-v2", "c-nul-counted", 0, img.data, img.payload_size + 16);
        tw_image_free(&img);
        if (tw_v2_ocaml(ds, 0, 1700000000, false, &img) < 0)
                return 1;
        put("fuzz-plugin-v2", "empty", 0, img.data, img.payload_size);
        tw_image_free(&img);
        put_str("fuzz-plugin-v2", "not-a-plugin", 0, "DATASOURCEZ");

        /* v2, metadata wrapped with correct CRCs (mode byte 1, then the count byte). */
        static const char *const metas[] = {
                "\x01\x00\x00\x00\x00\x00\x00\x00\x07{\"datasources\":{\"x\":{\"value_type\":"
                "\"int64\",\"type\":\"gauge\",\"owner\":\"host\",\"default\":\"true\"}}}",
                "\x02\x3f\xf0\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x01"
                "{\"datasources\":{\"cpu0\":{\"value_type\":\"float\",\"type\":\"derive\","
                "\"transform\":\"inverse\",\"min\":\"0.00\",\"max\":\"1.00\"},\"cpu0\":{"
                "\"value_type\":\"int64\",\"owner\":\"VM 2D4F8E47-3C6B-4A1E-9F0D-7B2A5C8E1F30\"}}}",
                "\x01\x00\x00\x00\x00\x00\x00\x00\x00{\"datasources\":{\"x\":{\"value_type\":"
                "\"float\",\"min\":\"-inf\",\"max\":\"nan\",\"units\":\"\\u00b5s\","
                "\"description\":\"\\ud83d\\ude00\"}}}",
                "\x01\x00\x00\x00\x00\x00\x00\x00\x00{\"datasources\":{\"x\":{\"type\":\"gauge\"}}"
                "}",
                "\x00{\"datasources\":{}}\x00",
        };
        for (size_t i = 0; i < sizeof(metas) / sizeof(metas[0]); i++) {
                char name[32];
                size_t len = strlen(metas[i] + 1) + 1;
                /* Embedded NULs in the values: take the lengths from the layout. */
                if (i == 0 || i == 2 || i == 3)
                        len = 9 + strlen(metas[i] + 9);
                else if (i == 1)
                        len = 17 + strlen(metas[i] + 17);
                else
                        len = 1 + strlen(metas[i] + 1) + 1;
                (void) snprintf(name, sizeof(name), "wrapped-%zu", i);
                put("fuzz-plugin-v2", name, 1, metas[i], len);
        }

        /* v1, whole files and wrapped JSON. */
        if (tw_v1_ocaml(ds, 4, 1700000000.5, &img) < 0)
                return 1;
        put("fuzz-plugin-v1", "ocaml", 0, img.data, img.size);
        put("fuzz-plugin-v1", "ocaml-truncated", 0, img.data, img.size - 9);
        tw_image_free(&img);
        if (tw_v1_python(ds, 4, 1700000000, &img) < 0)
                return 1;
        put("fuzz-plugin-v1", "python", 0, img.data, img.size);
        tw_image_free(&img);
        put_str("fuzz-plugin-v1", "wrapped-strings", 1,
                "{\"timestamp\":\"1700000000.5\",\"datasources\":{\"a\":{\"value\":\"12\","
                "\"value_type\":\"INT64\"},\"b\":{\"value\":\"-inf\"}}}");
        put_str("fuzz-plugin-v1", "wrapped-numbers", 3,
                "{\"timestamp\":1700000000,\"datasources\":{\"a\":{\"value\":12,"
                "\"value_type\":\"int64\",\"owner\":\"sr 5f1b9c2e-8d7a-4e3f-b6c1-0a9e8d7c6b5a\"},"
                "\"b\":{\"value\":1.5e3,\"type\":\"Derive\",\"default\":\"true\"}}}");
        put_str("fuzz-plugin-v1", "wrapped-no-value", 1,
                "{\"timestamp\":1700000000,\"datasources\":{\"a\":{}}}");

        /* JSON texts. */
        put_str("fuzz-plugin-json", "metadata", 0xff,
                "{\"datasources\":{\"memory_total_kib\":{\"description\":\"Total amount of "
                "memory in the host\",\"owner\":\"host\",\"value\":\"16777216\",\"value_type\":"
                "\"int64\",\"type\":\"gauge\",\"default\":\"true\",\"units\":\"KiB\",\"min\":"
                "\"0.00\",\"max\":\"inf\"}}}");
        put_str("fuzz-plugin-json", "pretty", 0xff,
                "{\n    \"datasources\": {\n        \"a\\/b\": {\n            \"min\": \"-inf\"\n"
                "        }\n    }\n}");
        put_str("fuzz-plugin-json", "scalars", 0xff,
                "[true, false, null, 0, -0.5e-3, 12345678901234567890, \"\\u00e9\\ud83d\\ude00\","
                " \"\\\"\\\\\\/\\b\\f\\n\\r\\t\", [], {}]");
        put_str("fuzz-plugin-json", "utf8", 0xff, "[\"\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80\"]");
        put_str("fuzz-plugin-json", "deep", 0xff,
                "[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[1]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]"
                "]");
        put_str("fuzz-plugin-json", "bad-trailing-comma", 0xff, "{\"a\":[1,2,],}");
        put_str("fuzz-plugin-json", "bad-surrogate", 0xff, "[\"\\ud800x\"]");
        return 0;
}
