/* SPDX-License-Identifier: MIT */
/*
 * The plugin file decoder against files written the ways xcp-rrdd's writers write them: round
 * trips of every field, value order, checksums, the metadata cache, "no update", truncation at
 * every byte, torn in-place writes, and the payloads xcp-rrdd calls invalid.
 */

#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "sources/plugin-proto.h"
#include "tests/sources/plugin-writers.h"
#include "tests/tap.h"

#define DINF ((double) INFINITY)
#define DNAN ((double) NAN)

#define VM_UUID "2d4f8e47-3c6b-4a1e-9f0d-7b2a5c8e1f30"
#define SR_UUID "5f1b9c2e-8d7a-4e3f-b6c1-0a9e8d7c6b5a"

/* A spread of fields: every owner kind, type and value type, inverse, defaults, bounds. */
static const TwDs sample_ds[] = {
        {.name = "memory_total_kib",
         .description = "Total amount of memory in the host",
         .owner = "host",
         .type = "gauge",
         .is_int64 = true,
         .i64 = 16777216,
         .is_default = true,
         .units = "KiB",
         .min = 0,
         .max = DINF},
        {.name = "cpu_avg",
         .description = "Average physical CPU usage",
         .owner = "host",
         .type = "derive",
         .d = 123456.25,
         .is_default = true,
         .units = "(fraction)",
         .min = 0,
         .max = 1,
         .is_inverse = true},
        {.name = "vbd_xvda_read",
         .description = "Reads from device xvda, in bytes per second",
         .owner = "vm " VM_UUID,
         .type = "derive",
         .is_int64 = true,
         .i64 = -5,
         .units = "B/s",
         .min = 0,
         .max = DINF},
        {.name = "physical_utilisation",
         .description = "",
         .owner = "SR 5F1B9C2E-8D7A-4E3F-B6C1-0A9E8D7C6B5A",
         .type = "absolute",
         .d = -1.5,
         .units = "B",
         .min = -DINF,
         .max = DINF},
        {.name = "io_throughput/total",
         .description = "a \"quoted\" / slashed \\ description",
         .owner = "host",
         .type = "Gauge",
         .d = 64.33,
         .units = "MiB/s",
         .min = -1.5,
         .max = 100},
};
#define N_SAMPLE ELEMENTSOF(sample_ds)

/* Which writer produced a file, for the expectations that differ between writers. */
typedef enum Writer {
        W_V2_OCAML,
        W_V2_OCAML_INT_TS,
        W_V2_PYTHON,
        W_V2_C,
        W_V1_OCAML,
        W_V1_PYTHON,
        _W_MAX,
} Writer;

static const char *const writer_names[_W_MAX] = {
        "v2 ocaml", "v2 ocaml int64 timestamp", "v2 python", "v2 c", "v1 ocaml", "v1 python",
};

static int write_with(Writer w, const TwDs *ds, size_t n, double ts, TwImage *img) {
        switch (w) {
        case W_V2_OCAML:
                return tw_v2_ocaml(ds, n, ts, false, img);
        case W_V2_OCAML_INT_TS:
                return tw_v2_ocaml(ds, n, ts, true, img);
        case W_V2_PYTHON:
                return tw_v2_python(ds, n, ts, img);
        case W_V2_C:
                return tw_v2_c(ds, n, ts, img);
        case W_V1_OCAML:
                return tw_v1_ocaml(ds, n, ts, img);
        default:
                return tw_v1_python(ds, n, ts, img);
        }
}

static bool is_v1(Writer w) {
        return w == W_V1_OCAML || w == W_V1_PYTHON;
}

static int read_image(PluginReader *r, PluginDecoder *dec, const TwImage *img, PluginPayload *pl,
                      const char **reason) {
        size_t need = 0;
        return plugin_read(r, dec, img->data, img->size, pl, &need, reason);
}

static SrcKind expected_kind(const char *type) {
        if (!type || strcasecmp(type, "absolute") == 0)
                return SRC_ABSOLUTE;
        return strcasecmp(type, "gauge") == 0 ? SRC_GAUGE : SRC_DERIVE;
}

/* The value the writer's text format keeps: "%.2f" for OCaml v1 floats. */
static double expected_double(Writer w, double d) {
        char text[64];

        if (w != W_V1_OCAML)
                return d;
        (void) snprintf(text, sizeof(text), "%.2f", d);
        return strtod(text, NULL);
}

static bool same_double(double a, double b) {
        return (isnan(a) && isnan(b)) || memcmp(&a, &b, sizeof(a)) == 0;
}

/* The position the writer gives data source i: the Python writers sort by name. */
static const TwDs *expected_at(Writer w, const TwDs *ds, size_t n, size_t i) {
        if (w != W_V2_PYTHON && w != W_V1_PYTHON)
                return &ds[i];
        const TwDs *sorted[16];
        for (size_t k = 0; k < n; k++)
                sorted[k] = &ds[k];
        for (size_t a = 0; a < n; a++)
                for (size_t b = a + 1; b < n; b++)
                        if (strcmp(sorted[b]->name, sorted[a]->name) < 0) {
                                const TwDs *t = sorted[a];
                                sorted[a] = sorted[b];
                                sorted[b] = t;
                        }
        return sorted[i];
}

static void check_owner(const char *owner_text, const SrcOwner *owner) {
        if (!owner_text || strcasecmp(owner_text, "host") == 0) {
                CHECK(owner->kind == SRC_OWNER_HOST && owner->uuid[0] == '\0');
                return;
        }
        CHECK(owner->kind ==
              (tolower((unsigned char) owner_text[0]) == 'v' ? SRC_OWNER_VM : SRC_OWNER_SR));
        /* Lower-cased, as xcp-rrdd does. */
        for (size_t i = 0; i < SRC_UUID_LEN; i++)
                if (owner->uuid[i] != tolower((unsigned char) owner_text[3 + i])) {
                        CHECKF(false, "uuid %s vs %s", owner->uuid, owner_text + 3);
                        return;
                }
        CHECK(owner->uuid[SRC_UUID_LEN] == '\0');
}

static void test_round_trip(Writer w) {
        _cleanup_(plugin_decoder_freep) PluginDecoder *dec = NULL;
        PluginReader r = {0};
        PluginPayload pl = {0};
        TwImage img;
        const char *reason = NULL;
        const double ts = 1700000000.25;
        /* The C writer's parson and Python's dict cannot both keep '/' in keys the same way;
         * all writers handle it, but the v1 python writer has no owner: keep the set uniform. */
        size_t n = N_SAMPLE;

        TAP_DIAG("round trip: %s", writer_names[w]);
        CHECK(plugin_decoder_new(&dec) == 0);
        CHECK(write_with(w, sample_ds, n, ts, &img) == 0);
        CHECK(img.payload_size <= img.size);
        if (!CHECKF(read_image(&r, dec, &img, &pl, &reason) == PLUGIN_READ_OK, "%s",
                    reason ? reason : "")) {
                tw_image_free(&img);
                return;
        }
        CHECK(pl.protocol == (is_v1(w) ? PLUGIN_PROTOCOL_V1 : PLUGIN_PROTOCOL_V2));
        CHECK(pl.is_meta_parsed);
        /* Python writers and the pre-double OCaml writer keep whole seconds only. */
        CHECK(pl.timestamp ==
              (w == W_V2_OCAML_INT_TS || w == W_V2_PYTHON || w == W_V1_PYTHON ? 1700000000.0 : ts));
        if (!CHECK(pl.meta && pl.meta->n_ds == n)) {
                tw_image_free(&img);
                plugin_reader_deinit(&r);
                return;
        }
        for (size_t i = 0; i < n; i++) {
                const TwDs *e = expected_at(w, sample_ds, n, i);
                const PluginDs *d = &pl.meta->ds[i];

                CHECKF(strcmp(d->name, e->name) == 0, "%s vs %s", d->name, e->name);
                CHECK(strcmp(d->description, e->description ? e->description : "") == 0);
                CHECK(strcmp(d->units, e->units ? e->units : "") == 0);
                /* The old Python v1 writer writes no type, owner or default: defaults apply. */
                if (w == W_V1_PYTHON) {
                        CHECK(d->kind == SRC_ABSOLUTE);
                        CHECK(d->owner.kind == SRC_OWNER_HOST);
                        CHECK(!d->is_default);
                } else {
                        CHECK(d->kind == expected_kind(e->type));
                        check_owner(e->owner, &d->owner);
                        /* rrdd.py marks every data source default. */
                        CHECK(d->is_default == (w == W_V2_PYTHON ? true : e->is_default));
                }
                CHECK(d->is_int64 == e->is_int64);
                CHECK(d->is_inverse == (is_v1(w) ? false : e->is_inverse));
                CHECKF(same_double(d->min, e->min), "min %g vs %g", d->min, e->min);
                CHECKF(same_double(d->max, e->max), "max %g vs %g", d->max, e->max);
                if (e->is_int64)
                        CHECK(pl.values[i].i64 == e->i64);
                else
                        CHECKF(same_double(pl.values[i].d, expected_double(w, e->d)), "%.17g",
                               pl.values[i].d);
        }
        tw_image_free(&img);
        plugin_reader_deinit(&r);
}

/* The order of keys in "datasources" is the order of the values, duplicates included. */
static void test_key_order(void) {
        static const TwDs ds[] = {
                {.name = "zeta", .type = "gauge", .is_int64 = true, .i64 = 1},
                {.name = "alpha", .type = "gauge", .d = 2.5},
                {.name = "cpu0", .owner = "host", .type = "gauge", .is_int64 = true, .i64 = 3},
                {.name = "cpu0", .owner = "vm " VM_UUID, .type = "gauge", .d = 4.5},
                {.name = "mid", .type = "gauge", .is_int64 = true, .i64 = 5},
        };
        _cleanup_(plugin_decoder_freep) PluginDecoder *dec = NULL;
        PluginReader r = {0};
        PluginPayload pl = {0};
        TwImage img;

        CHECK(plugin_decoder_new(&dec) == 0);
        CHECK(tw_v2_ocaml(ds, ELEMENTSOF(ds), 1700000000, false, &img) == 0);
        CHECK(read_image(&r, dec, &img, &pl, NULL) == PLUGIN_READ_OK);
        if (CHECK(pl.meta && pl.meta->n_ds == 5)) {
                CHECK(strcmp(pl.meta->ds[0].name, "zeta") == 0 && pl.values[0].i64 == 1);
                CHECK(strcmp(pl.meta->ds[1].name, "alpha") == 0 && pl.values[1].d == 2.5);
                CHECK(strcmp(pl.meta->ds[2].name, "cpu0") == 0 &&
                      pl.meta->ds[2].owner.kind == SRC_OWNER_HOST && pl.values[2].i64 == 3);
                CHECK(strcmp(pl.meta->ds[3].name, "cpu0") == 0 &&
                      pl.meta->ds[3].owner.kind == SRC_OWNER_VM && pl.values[3].d == 4.5);
                CHECK(strcmp(pl.meta->ds[4].name, "mid") == 0 && pl.values[4].i64 == 5);
        }
        tw_image_free(&img);
        plugin_reader_deinit(&r);
}

/* Values travel as raw 64-bit patterns: extremes and special doubles survive exactly. */
static void test_value_bits(void) {
        static const int64_t ints[] = {INT64_MIN, -1, 0, 1, INT64_MAX};
        static const double dbls[] = {-0.0, 5e-324, 1.7976931348623157e308, -DINF, DNAN};
        TwDs ds[ELEMENTSOF(ints) + ELEMENTSOF(dbls)];
        char names[ELEMENTSOF(ds)][8];
        _cleanup_(plugin_decoder_freep) PluginDecoder *dec = NULL;
        PluginReader r = {0};
        PluginPayload pl = {0};
        TwImage img;
        size_t n = 0;

        for (size_t i = 0; i < ELEMENTSOF(ints); i++, n++) {
                (void) snprintf(names[n], sizeof(names[n]), "i%zu", i);
                ds[n] = (TwDs){.name = names[n],
                               .type = "gauge",
                               .is_int64 = true,
                               .i64 = ints[i],
                               .min = -DINF,
                               .max = DINF};
        }
        for (size_t i = 0; i < ELEMENTSOF(dbls); i++, n++) {
                (void) snprintf(names[n], sizeof(names[n]), "d%zu", i);
                ds[n] = (TwDs){
                        .name = names[n], .type = "gauge", .d = dbls[i], .min = -DINF, .max = DINF};
        }
        CHECK(plugin_decoder_new(&dec) == 0);
        CHECK(tw_v2_c(ds, n, 1700000000.5, &img) == 0);
        CHECK(read_image(&r, dec, &img, &pl, NULL) == PLUGIN_READ_OK);
        for (size_t i = 0; i < ELEMENTSOF(ints); i++)
                CHECK(pl.values[i].i64 == ints[i]);
        for (size_t i = 0; i < ELEMENTSOF(dbls); i++)
                CHECK(same_double(pl.values[ELEMENTSOF(ints) + i].d, dbls[i]));
        CHECK(signbit(pl.values[ELEMENTSOF(ints)].d));
        tw_image_free(&img);
        plugin_reader_deinit(&r);
}

static void test_no_update(Writer w) {
        _cleanup_(plugin_decoder_freep) PluginDecoder *dec = NULL;
        PluginReader r = {0};
        PluginPayload pl = {0};
        TwImage a, b;

        CHECK(plugin_decoder_new(&dec) == 0);
        CHECK(write_with(w, sample_ds, N_SAMPLE, 1700000000, &a) == 0);
        CHECK(write_with(w, sample_ds, N_SAMPLE, 1700000005, &b) == 0);
        CHECK(read_image(&r, dec, &a, &pl, NULL) == PLUGIN_READ_OK);
        CHECK(read_image(&r, dec, &a, &pl, NULL) == PLUGIN_READ_NO_UPDATE);
        CHECK(read_image(&r, dec, &b, &pl, NULL) == PLUGIN_READ_OK);
        CHECK(pl.timestamp == 1700000005);
        CHECK(read_image(&r, dec, &b, &pl, NULL) == PLUGIN_READ_NO_UPDATE);
        /* Going back to older contents is an update too: only "unchanged" is not. */
        CHECK(read_image(&r, dec, &a, &pl, NULL) == PLUGIN_READ_OK);
        tw_image_free(&a);
        tw_image_free(&b);
        plugin_reader_deinit(&r);
}

static void flip(TwImage *img, size_t offset) {
        img->data[offset] ^= 0x01;
}

static void test_checksums(void) {
        _cleanup_(plugin_decoder_freep) PluginDecoder *dec = NULL;
        PluginReader r = {0};
        PluginPayload pl = {0};
        const char *reason;
        TwImage img;

        CHECK(plugin_decoder_new(&dec) == 0);

        /* v2: a value bit, a timestamp bit, a metadata bit. */
        CHECK(tw_v2_ocaml(sample_ds, N_SAMPLE, 1700000000, false, &img) == 0);
        flip(&img, PLUGIN_V2_VALUES_OFFSET + 3);
        CHECK(read_image(&r, dec, &img, &pl, &reason) == -EBADMSG);
        CHECK(reason && strstr(reason, "data checksum"));
        flip(&img, PLUGIN_V2_VALUES_OFFSET + 3);
        flip(&img, PLUGIN_V2_TIMESTAMP_OFFSET + 7);
        CHECK(read_image(&r, dec, &img, &pl, NULL) == -EBADMSG);
        flip(&img, PLUGIN_V2_TIMESTAMP_OFFSET + 7);
        flip(&img, img.payload_size - 2);
        CHECK(read_image(&r, dec, &img, &pl, &reason) == -EBADMSG);
        CHECK(reason && strstr(reason, "metadata checksum"));
        flip(&img, img.payload_size - 2);
        CHECK(r.protocol == PLUGIN_PROTOCOL_NONE && !r.meta); /* nothing committed */
        CHECK(read_image(&r, dec, &img, &pl, NULL) == PLUGIN_READ_OK);
        tw_image_free(&img);
        plugin_reader_deinit(&r);

        /* v1: a payload bit; a checksum digit. */
        CHECK(tw_v1_ocaml(sample_ds, N_SAMPLE, 1700000000, &img) == 0);
        flip(&img, PLUGIN_V1_PAYLOAD_OFFSET + 10);
        CHECK(read_image(&r, dec, &img, &pl, &reason) == -EBADMSG);
        CHECK(reason && strstr(reason, "checksum"));
        flip(&img, PLUGIN_V1_PAYLOAD_OFFSET + 10);
        img.data[30] = img.data[30] == '0' ? '1' : '0';
        CHECK(read_image(&r, dec, &img, &pl, NULL) == -EBADMSG);
        img.data[30] = 'g';
        CHECK(read_image(&r, dec, &img, &pl, NULL) == -EBADMSG);
        tw_image_free(&img);

        /* v1: a length that is not hex. */
        CHECK(tw_v1_ocaml(sample_ds, N_SAMPLE, 1700000000, &img) == 0);
        img.data[19] = 'x';
        CHECK(read_image(&r, dec, &img, &pl, &reason) < 0);
        tw_image_free(&img);
        plugin_reader_deinit(&r);
}

/* The metadata cache, keyed by the metadata CRC field (xcp-rrdd Q11 for the OCaml writer). */
static void test_metadata_cache(void) {
        _cleanup_(plugin_decoder_freep) PluginDecoder *dec = NULL;
        PluginReader r = {0};
        PluginPayload pl = {0};
        TwDs ds[N_SAMPLE];
        TwImage a, b;

        memcpy(ds, sample_ds, sizeof(ds));
        CHECK(plugin_decoder_new(&dec) == 0);

        /* Python writer: metadata without values, so it stays the same: parsed once. */
        CHECK(tw_v2_python(ds, N_SAMPLE, 1700000000, &a) == 0);
        ds[0].i64 += 1000;
        ds[4].d += 1;
        CHECK(tw_v2_python(ds, N_SAMPLE, 1700000005, &b) == 0);
        CHECK(read_image(&r, dec, &a, &pl, NULL) == PLUGIN_READ_OK && pl.is_meta_parsed);
        PluginMeta *cached = r.meta;
        /* A hit does not look at the metadata bytes at all: garble them, keep the CRC field. */
        memset(b.data + b.payload_size - 20, 'x', 10);
        CHECK(read_image(&r, dec, &b, &pl, NULL) == PLUGIN_READ_OK);
        CHECK(!pl.is_meta_parsed && r.meta == cached);
        CHECK(pl.values[2].i64 == sample_ds[0].i64 + 1000); /* sorted: memory_total_kib */
        tw_image_free(&a);
        tw_image_free(&b);

        /* A new metadata CRC is a miss, parsed and cached in turn. */
        ds[1].units = "percent";
        CHECK(tw_v2_python(ds, N_SAMPLE, 1700000010, &a) == 0);
        CHECK(read_image(&r, dec, &a, &pl, NULL) == PLUGIN_READ_OK && pl.is_meta_parsed);
        CHECK(strcmp(pl.meta->ds[0].units, "percent") == 0); /* sorted: cpu_avg */
        tw_image_free(&a);
        plugin_reader_deinit(&r);

        /* OCaml writer: its metadata embeds the values, so a changed value is a miss… */
        memcpy(ds, sample_ds, sizeof(ds));
        CHECK(tw_v2_ocaml(ds, N_SAMPLE, 1700000000, false, &a) == 0);
        ds[0].i64 += 1;
        CHECK(tw_v2_ocaml(ds, N_SAMPLE, 1700000005, false, &b) == 0);
        CHECK(read_image(&r, dec, &a, &pl, NULL) == PLUGIN_READ_OK && pl.is_meta_parsed);
        CHECK(read_image(&r, dec, &b, &pl, NULL) == PLUGIN_READ_OK && pl.is_meta_parsed);
        CHECK(pl.values[0].i64 == sample_ds[0].i64 + 1);
        tw_image_free(&a);
        tw_image_free(&b);
        /* … and a new timestamp with the same values is a hit. */
        CHECK(tw_v2_ocaml(ds, N_SAMPLE, 1700000010, false, &a) == 0);
        CHECK(read_image(&r, dec, &a, &pl, NULL) == PLUGIN_READ_OK && !pl.is_meta_parsed);
        tw_image_free(&a);
        plugin_reader_deinit(&r);
}

/* Every proper prefix of a file is "need more" or an error, never a payload. */
static void test_truncation(Writer w) {
        _cleanup_(plugin_decoder_freep) PluginDecoder *dec = NULL;
        PluginPayload pl = {0};
        TwImage img;
        size_t n_bad = 0, n_need_more = 0;

        CHECK(plugin_decoder_new(&dec) == 0);
        CHECK(write_with(w, sample_ds, N_SAMPLE, 1700000000, &img) == 0);
        for (size_t k = 0; k < img.payload_size; k++) {
                PluginReader r = {0};
                size_t need = 0;
                /* An exact-size copy, so a read past the end is caught by ASan. */
                uint8_t *copy = malloc(k ? k : 1);
                int ret;

                memcpy(copy, img.data, k);
                ret = plugin_read(&r, dec, copy, k, &pl, &need, NULL);
                if (ret == PLUGIN_READ_NEED_MORE) {
                        n_need_more++;
                        if (need <= k || need > img.payload_size)
                                n_bad++;
                } else if (ret >= 0)
                        n_bad++;
                free(copy);
                plugin_reader_deinit(&r);
        }
        CHECKF(n_bad == 0, "%s: %zu prefixes decoded or asked for a wrong size", writer_names[w],
               n_bad);
        CHECK(n_need_more > 0);
        tw_image_free(&img);
}

static TwImage image_copy(const TwImage *img) {
        TwImage c = *img;
        c.data = malloc(img->size);
        memcpy(c.data, img->data, img->size);
        return c;
}

static void apply_segments(TwImage *dst, const TwImage *src, size_t k) {
        for (size_t i = 0; i < k; i++)
                memcpy(dst->data + src->segments[i].offset, src->data + src->segments[i].offset,
                       src->segments[i].size);
}

/*
 * A reader between two of a writer's writes: since the data CRC is written last, a reader that
 * accepted the old contents sees "no update" until the new contents are complete; a reader that
 * did not sees an error or one of the two complete contents, never a mixture.
 */
static void test_torn_writes(Writer w) {
        _cleanup_(plugin_decoder_freep) PluginDecoder *dec = NULL;
        TwDs ds[N_SAMPLE];
        TwImage old_img, new_img;
        PluginPayload pl = {0};
        size_t n_bad = 0;

        memcpy(ds, sample_ds, sizeof(ds));
        CHECK(plugin_decoder_new(&dec) == 0);
        CHECK(write_with(w, ds, N_SAMPLE, 1700000000, &old_img) == 0);
        for (size_t i = 0; i < N_SAMPLE; i++) {
                ds[i].i64 += 7;
                ds[i].d += 7;
        }
        CHECK(write_with(w, ds, N_SAMPLE, 1700000005, &new_img) == 0);
        CHECK(old_img.size == new_img.size && new_img.n_segments > 1);

        for (size_t k = 0; k <= new_img.n_segments; k++) {
                TwImage torn = image_copy(&old_img);
                PluginReader seen = {0}, fresh = {0};
                int ret;

                apply_segments(&torn, &new_img, k);
                CHECK(read_image(&seen, dec, &old_img, &pl, NULL) == PLUGIN_READ_OK);
                ret = read_image(&seen, dec, &torn, &pl, NULL);
                if (k < new_img.n_segments ? ret != PLUGIN_READ_NO_UPDATE
                                           : ret != PLUGIN_READ_OK || pl.timestamp != 1700000005)
                        n_bad++;

                ret = read_image(&fresh, dec, &torn, &pl, NULL);
                if (ret == PLUGIN_READ_OK) {
                        const TwImage *whole = pl.timestamp == 1700000005 ? &new_img : &old_img;
                        /* A payload must be one writer state exactly. */
                        if (memcmp(torn.data + 23, whole->data + 23, 8 + 8 * N_SAMPLE) != 0)
                                n_bad++;
                } else if (ret >= 0)
                        n_bad++;
                tw_image_free(&torn);
                plugin_reader_deinit(&seen);
                plugin_reader_deinit(&fresh);
        }
        CHECKF(n_bad == 0, "%s: %zu torn states misread", writer_names[w], n_bad);
        tw_image_free(&old_img);
        tw_image_free(&new_img);
}

/* ---- metadata xcp-rrdd accepts or calls an invalid payload ---- */

static int read_v2_meta(const char *meta, size_t n_values, const PluginMeta **ret_meta,
                        const char **ret_reason) {
        static PluginDecoder *dec;
        static PluginReader r;
        uint64_t bits[8] = {0};
        PluginPayload pl = {0};
        TwImage img;
        int ret;

        if (!dec && plugin_decoder_new(&dec) < 0)
                abort();
        plugin_reader_deinit(&r);
        if (tw_v2_raw(meta, strlen(meta), bits, n_values, 1700000000, &img) < 0)
                abort();
        ret = read_image(&r, dec, &img, &pl, ret_reason);
        if (ret_meta)
                *ret_meta = ret == PLUGIN_READ_OK ? pl.meta : NULL;
        tw_image_free(&img);
        if (!meta[0]) { /* the last call frees the static state */
                plugin_reader_deinit(&r);
                dec = plugin_decoder_free(dec);
        }
        return ret;
}

#define DS1(fields) "{\"datasources\":{\"x\":{" fields "}}}"

static void test_v2_invalid(void) {
        static const struct {
                const char *meta;
                size_t n;
        } bad[] = {
                {DS1("\"type\":\"gauge\""), 1},       /* value_type missing */
                {DS1("\"value_type\":\"Float\""), 1}, /* exact in v2 */
                {DS1("\"value_type\":\"double\""), 1},
                {DS1("\"value_type\":\"float\",\"type\":\"rate\""), 1}, /* pre-1.1 names */
                {DS1("\"value_type\":\"float\",\"default\":\"True\""), 1},
                {DS1("\"value_type\":\"float\",\"default\":true"), 1}, /* not a string */
                {DS1("\"value_type\":\"float\",\"owner\":\"vm 1234\""), 1},
                {DS1("\"value_type\":\"float\",\"owner\":\"vm  " VM_UUID "\""), 1},
                {DS1("\"value_type\":\"float\",\"owner\":\"vm\""), 1},
                {DS1("\"value_type\":\"float\",\"owner\":\"pool\""), 1},
                {DS1("\"value_type\":\"float\",\"min\":\"abc\""), 1},
                {DS1("\"value_type\":\"float\",\"min\":\" 1\""), 1},
                {DS1("\"value_type\":\"float\",\"max\":\"\""), 1},
                {DS1("\"value_type\":\"float\",\"max\":1"), 1},
                {DS1("\"value_type\":\"float\",\"transform\":\"invert\""), 1},
                {DS1("\"value_type\":\"float\",\"description\":5"), 1},
                {DS1("\"value_type\":\"float\",\"units\":null"), 1},
                {DS1("\"value_type\":\"float\""), 2}, /* count mismatch */
                {DS1("\"value_type\":\"float\""), 0},
                {"{\"datasources\":{\"\":{\"value_type\":\"float\"}}}", 1}, /* empty name */
                {"{\"datasources\":{\"a\\nb\":{\"value_type\":\"float\"}}}", 1},
                {"{\"datasources\":{\"x\":[]}}", 1},
                {"{\"datasources\":[]}", 0},
                {"{\"data_sources\":{}}", 0}, /* the design doc's spelling is not the code's */
                {"[]", 0},
                {"{\"datasources\":{}} x", 0},
                {"{\"datasources\":{},}", 0},
                {"", 0},
        };
        const char *reason;

        for (size_t i = 0; i < ELEMENTSOF(bad); i++) {
                reason = NULL;
                int ret = read_v2_meta(bad[i].meta, bad[i].n, NULL, &reason);
                CHECKF(ret == -EINVAL && reason, "case %zu: %s -> %d", i, bad[i].meta, ret);
        }
}

static void test_v2_accepted(void) {
        const PluginMeta *m;
        const char *reason = NULL;

        /* Defaults: absolute, host, not default, identity, unbounded, empty texts. */
        CHECK(read_v2_meta(DS1("\"value_type\":\"int64\""), 1, &m, &reason) == PLUGIN_READ_OK);
        if (CHECK(m && m->n_ds == 1)) {
                CHECK(m->ds[0].kind == SRC_ABSOLUTE && m->ds[0].is_int64);
                CHECK(m->ds[0].owner.kind == SRC_OWNER_HOST && !m->ds[0].is_default);
                CHECK(!m->ds[0].is_inverse);
                CHECK(m->ds[0].min == -DINF && m->ds[0].max == DINF);
                CHECK(strcmp(m->ds[0].description, "") == 0 && strcmp(m->ds[0].units, "") == 0);
        }
        /* Case-insensitive type and owner, float texts, unknown keys, first duplicate wins. */
        CHECK(read_v2_meta(DS1("\"value_type\":\"float\",\"type\":\"DeRiVe\","
                               "\"owner\":\"Vm " VM_UUID "\",\"min\":\"-INF\","
                               "\"max\":\"Infinity\",\"default\":\"true\",\"type\":\"gauge\","
                               "\"value\":17,\"colour\":[1,{\"a\":null}],"
                               "\"transform\":\"inverse\",\"description\":\"d\\u00e9j\\u00e0\""),
                           1, &m, &reason) == PLUGIN_READ_OK);
        if (CHECK(m && m->n_ds == 1)) {
                CHECK(m->ds[0].kind == SRC_DERIVE && !m->ds[0].is_int64);
                CHECK(m->ds[0].owner.kind == SRC_OWNER_VM &&
                      strcmp(m->ds[0].owner.uuid, VM_UUID) == 0);
                CHECK(m->ds[0].min == -DINF && m->ds[0].max == DINF);
                CHECK(m->ds[0].is_default && m->ds[0].is_inverse);
                CHECK(strcmp(m->ds[0].description, "d\xc3\xa9j\xc3\xa0") == 0);
        }
        CHECK(read_v2_meta(DS1("\"value_type\":\"float\",\"min\":\"nan\",\"max\":\"1e3\""), 1, &m,
                           NULL) == PLUGIN_READ_OK);
        CHECK(m && isnan(m->ds[0].min) && m->ds[0].max == 1000);
        /* Whitespace anywhere JSON allows it; no data sources at all. */
        CHECK(read_v2_meta(" \n{ \"datasources\" :\t{ } }\r\n", 0, &m, NULL) == PLUGIN_READ_OK);
        CHECK(m && m->n_ds == 0);
        /* A name is any non-empty text without control characters. */
        CHECK(read_v2_meta("{\"datasources\":{\"sr_5f1b9c2e_cache:hits/s \\u2603\":"
                           "{\"value_type\":\"float\"}}}",
                           1, &m, NULL) == PLUGIN_READ_OK);
        CHECK(m && strcmp(m->ds[0].name, "sr_5f1b9c2e_cache:hits/s \xe2\x98\x83") == 0);
        (void) read_v2_meta("", 0, NULL, NULL);
}

/* NUL bytes around the metadata (a C writer's counted terminator) are stripped, and only they. */
static void test_v2_nul_padding(void) {
        static const char meta[] = "\0\0{\"datasources\":{\"x\":{\"value_type\":\"float\"}}}\0\0";
        _cleanup_(plugin_decoder_freep) PluginDecoder *dec = NULL;
        PluginReader r = {0};
        PluginPayload pl = {0};
        uint64_t bits = 0;
        TwImage img;

        CHECK(plugin_decoder_new(&dec) == 0);
        CHECK(tw_v2_raw(meta, sizeof(meta) - 1, &bits, 1, 1700000000, &img) == 0);
        CHECK(read_image(&r, dec, &img, &pl, NULL) == PLUGIN_READ_OK && pl.meta->n_ds == 1);
        tw_image_free(&img);
        plugin_reader_deinit(&r);
        static const char inner[] = "{\"datasources\":{\"x\":{\"value_type\":\"fl\0at\"}}}";
        CHECK(tw_v2_raw(inner, sizeof(inner) - 1, &bits, 1, 1700000000, &img) == 0);
        CHECK(read_image(&r, dec, &img, &pl, NULL) == -EINVAL);
        tw_image_free(&img);
        plugin_reader_deinit(&r);
}

static void test_v2_header(void) {
        _cleanup_(plugin_decoder_freep) PluginDecoder *dec = NULL;
        PluginReader r = {0};
        PluginPayload pl = {0};
        size_t need = 0;
        TwImage img;
        double d;
        uint64_t bits;
        const char *meta = "{\"datasources\":{}}";

        CHECK(plugin_decoder_new(&dec) == 0);
        CHECK(plugin_read(&r, dec, (const uint8_t *) "", 0, &pl, &need, NULL) ==
                      PLUGIN_READ_NEED_MORE &&
              need > 0);
        CHECK(plugin_read(&r, dec, (const uint8_t *) "DATASOURCE", 10, &pl, &need, NULL) ==
              PLUGIN_READ_NEED_MORE);
        CHECK(plugin_read(&r, dec, (const uint8_t *) "datasources", 11, &pl, &need, NULL) ==
              -EPROTO);
        CHECK(plugin_read(&r, dec, (const uint8_t *) "{\"json\": 1}", 11, &pl, &need, NULL) ==
              -EPROTO);

        /* Timestamps: a double, whole seconds as int64, and nonsense. */
        d = 1700000000.75;
        memcpy(&bits, &d, sizeof(bits));
        CHECK(tw_v2_raw(meta, strlen(meta), NULL, 0, bits, &img) == 0);
        CHECK(read_image(&r, dec, &img, &pl, NULL) == PLUGIN_READ_OK && pl.timestamp == d);
        tw_image_free(&img);
        CHECK(tw_v2_raw(meta, strlen(meta), NULL, 0, 1700000001, &img) == 0);
        CHECK(read_image(&r, dec, &img, &pl, NULL) == PLUGIN_READ_OK && pl.timestamp == 1700000001);
        tw_image_free(&img);
        plugin_reader_deinit(&r);
        static const double bad_ts[] = {0, -1700000000, DNAN, DINF, 2e11};
        for (size_t i = 0; i < ELEMENTSOF(bad_ts); i++) {
                memcpy(&bits, &bad_ts[i], sizeof(bits));
                CHECK(tw_v2_raw(meta, strlen(meta), NULL, 0, bits, &img) == 0);
                CHECK(read_image(&r, dec, &img, &pl, NULL) == -EINVAL);
                tw_image_free(&img);
        }

        /* Counts and lengths beyond the cap are refused before anything is read. */
        CHECK(tw_v2_raw(meta, strlen(meta), NULL, 0, 1700000000, &img) == 0);
        img.data[19] = 0x7f;
        CHECK(read_image(&r, dec, &img, &pl, NULL) == -E2BIG);
        img.data[19] = 0;
        img.data[31] = 0x7f; /* metadata length */
        CHECK(read_image(&r, dec, &img, &pl, NULL) == -E2BIG);
        tw_image_free(&img);
        plugin_reader_deinit(&r);
}

static int read_v1_json(const char *json, bool upper, const PluginMeta **ret_meta,
                        PluginPayload *ret_pl) {
        static PluginDecoder *dec;
        static PluginReader r;
        PluginPayload pl = {0};
        TwImage img;
        int ret;

        if (!dec && plugin_decoder_new(&dec) < 0)
                abort();
        plugin_reader_deinit(&r);
        if (tw_v1_raw(json, strlen(json), upper, &img) < 0)
                abort();
        ret = read_image(&r, dec, &img, &pl, NULL);
        if (ret_meta)
                *ret_meta = ret == PLUGIN_READ_OK ? pl.meta : NULL;
        if (ret_pl)
                *ret_pl = pl;
        tw_image_free(&img);
        if (!json[0]) {
                plugin_reader_deinit(&r);
                dec = plugin_decoder_free(dec);
        }
        return ret;
}

static void test_v1_fields(void) {
        const PluginMeta *m;
        PluginPayload pl = {0};

        /* timestamp as a string; value as a number or a string; value_type in any case. */
        CHECK(read_v1_json("{\"timestamp\":\"1700000000.5\",\"datasources\":{"
                           "\"a\":{\"value\":42,\"value_type\":\"INT64\"},"
                           "\"b\":{\"value\":\"-7\",\"value_type\":\"int64\"},"
                           "\"c\":{\"value\":\"inf\"},"
                           "\"d\":{\"value\":1.25e2,\"transform\":\"inverse\"}}}",
                           true, &m, &pl) == PLUGIN_READ_OK);
        if (CHECK(m && m->n_ds == 4)) {
                CHECK(pl.timestamp == 1700000000.5);
                CHECK(m->ds[0].is_int64 && pl.values[0].i64 == 42);
                CHECK(m->ds[1].is_int64 && pl.values[1].i64 == -7);
                CHECK(!m->ds[2].is_int64 && pl.values[2].d == DINF);
                CHECK(!m->ds[3].is_int64 && pl.values[3].d == 125);
                /* v1 cannot express a transform: the key means nothing there. */
                CHECK(!m->ds[3].is_inverse);
                CHECK(m->ds[0].kind == SRC_ABSOLUTE);
        }
        static const char *const bad[] = {
                "{\"timestamp\":1700000000,\"datasources\":{\"a\":{}}}",
                "{\"timestamp\":1700000000,\"datasources\":{\"a\":{\"value\":true}}}",
                "{\"timestamp\":1700000000,\"datasources\":{\"a\":{\"value\":1.5,"
                "\"value_type\":\"int64\"}}}",
                "{\"timestamp\":1700000000,\"datasources\":{\"a\":{\"value\":\"1x\"}}}",
                "{\"timestamp\":1700000000,\"datasources\":{\"a\":{\"value\":99999999999999999999,"
                "\"value_type\":\"int64\"}}}",
                "{\"timestamp\":1700000000,\"data_sources\":{}}",
                "{\"datasources\":{}}",
                "{\"timestamp\":\"soon\",\"datasources\":{}}",
                "{\"timestamp\":[1],\"datasources\":{}}",
                "{\"timestamp\":-5,\"datasources\":{}}",
                "{\"timestamp\":1700000000,\"datasources\":{\"a\":{\"value\":1,\"type\":\"x\"}}}",
                "{\"timestamp\":1700000000,\"datasources\":{}",
        };
        for (size_t i = 0; i < ELEMENTSOF(bad); i++)
                CHECKF(read_v1_json(bad[i], false, NULL, NULL) == -EINVAL, "%s", bad[i]);
        (void) read_v1_json("", false, NULL, NULL);
}

static void test_parsers(void) {
        SrcOwner o;
        double d;

        CHECK(plugin_parse_owner("HOST", &o) == 0 && o.kind == SRC_OWNER_HOST);
        CHECK(plugin_parse_owner("sr " SR_UUID, &o) == 0 && o.kind == SRC_OWNER_SR &&
              strcmp(o.uuid, SR_UUID) == 0);
        CHECK(plugin_parse_owner("vm " VM_UUID " ", &o) == -EINVAL);
        CHECK(plugin_parse_owner(" host", &o) == -EINVAL);
        CHECK(plugin_parse_owner("vm 2d4f8e47-3c6b-4a1e-9f0d-7b2a5c8e1f3g", &o) == -EINVAL);
        CHECK(plugin_parse_owner("vm 2d4f8e47x3c6b-4a1e-9f0d-7b2a5c8e1f30", &o) == -EINVAL);
        CHECK(plugin_parse_owner("", &o) == -EINVAL);

        CHECK(plugin_parse_float("0.00", &d) == 0 && d == 0);
        CHECK(plugin_parse_float("-inf", &d) == 0 && d == -DINF);
        CHECK(plugin_parse_float("infinity", &d) == 0 && d == DINF);
        CHECK(plugin_parse_float("-Infinity", &d) == 0 && d == -DINF);
        CHECK(plugin_parse_float("NaN", &d) == 0 && isnan(d));
        CHECK(plugin_parse_float("2.2250738585072014e-308", &d) == 0 && d > 0);
        CHECK(plugin_parse_float("65534", &d) == 0 && d == 65534);
        CHECK(plugin_parse_float("", &d) == -EINVAL);
        CHECK(plugin_parse_float("1 ", &d) == -EINVAL);
        CHECK(plugin_parse_float("\t1", &d) == -EINVAL);
        CHECK(plugin_parse_float("one", &d) == -EINVAL);
}

int main(void) {
        for (Writer w = 0; w < _W_MAX; w++)
                test_round_trip(w);
        test_key_order();
        test_value_bits();
        for (Writer w = 0; w < _W_MAX; w++)
                test_no_update(w);
        test_checksums();
        test_metadata_cache();
        for (Writer w = 0; w < _W_MAX; w++)
                test_truncation(w);
        test_torn_writes(W_V2_OCAML);
        test_torn_writes(W_V2_PYTHON);
        test_v2_invalid();
        test_v2_accepted();
        test_v2_nul_padding();
        test_v2_header();
        test_v1_fields();
        test_parsers();
        return TAP_DONE();
}
