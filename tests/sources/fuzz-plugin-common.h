#pragma once
/* SPDX-License-Identifier: MIT */
/* Checks shared by the plugin-file fuzz targets: what any accepted payload must look like. */

#include "sources/plugin-proto.h"

#include <assert.h>
#include <math.h>
#include <string.h>

static inline void fuzz_check_payload(const PluginPayload *pl, PluginProtocol protocol) {
        assert(pl->protocol == protocol);
        assert(pl->meta && pl->values);
        assert(isfinite(pl->timestamp) && pl->timestamp > 0 &&
               pl->timestamp < PLUGIN_MAX_TIMESTAMP);
        for (size_t i = 0; i < pl->meta->n_ds; i++) {
                const PluginDs *ds = &pl->meta->ds[i];
                size_t len = strlen(ds->name);

                assert(len > 0 && len <= PLUGIN_MAX_NAME_BYTES);
                assert(ds->description && ds->units);
                assert(ds->kind == SRC_GAUGE || ds->kind == SRC_ABSOLUTE || ds->kind == SRC_DERIVE);
                assert(ds->owner.kind < _SRC_OWNER_KIND_MAX);
                if (ds->owner.kind == SRC_OWNER_HOST)
                        assert(ds->owner.uuid[0] == '\0');
                else
                        assert(strlen(ds->owner.uuid) == SRC_UUID_LEN);
                assert(protocol == PLUGIN_PROTOCOL_V2 || !ds->is_inverse);
        }
}
