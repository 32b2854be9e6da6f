#pragma once
/* SPDX-License-Identifier: MIT */
/* Checks shared by the plugin-file fuzz targets: what any accepted payload must look like. */

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sources/plugin-proto.h"

/* Like assert(), but also in release builds (-DNDEBUG), where fuzzing runs too. */
#define FUZZ_CHECK(expr)                                                                         \
        do {                                                                                     \
                if (!(expr)) {                                                                   \
                        fprintf(stderr, "%s:%d: check failed: %s\n", __FILE__, __LINE__, #expr); \
                        abort();                                                                 \
                }                                                                                \
        } while (0)

static inline void fuzz_check_payload(const PluginPayload *pl, PluginProtocol protocol) {
        FUZZ_CHECK(pl->protocol == protocol);
        FUZZ_CHECK(pl->meta && pl->values);
        FUZZ_CHECK(isfinite(pl->timestamp) && pl->timestamp > 0 &&
                   pl->timestamp < PLUGIN_MAX_TIMESTAMP);
        for (size_t i = 0; i < pl->meta->n_ds; i++) {
                const PluginDs *ds = &pl->meta->ds[i];
                size_t len = strlen(ds->name);

                FUZZ_CHECK(len > 0 && len <= PLUGIN_MAX_NAME_BYTES);
                FUZZ_CHECK(ds->description && ds->units);
                FUZZ_CHECK(ds->kind == SRC_GAUGE || ds->kind == SRC_ABSOLUTE ||
                           ds->kind == SRC_DERIVE);
                FUZZ_CHECK(ds->owner.kind < _SRC_OWNER_KIND_MAX);
                if (ds->owner.kind == SRC_OWNER_HOST)
                        FUZZ_CHECK(ds->owner.uuid[0] == '\0');
                else
                        FUZZ_CHECK(strlen(ds->owner.uuid) == SRC_UUID_LEN);
                FUZZ_CHECK(protocol == PLUGIN_PROTOCOL_V2 || !ds->is_inverse);
        }
}
