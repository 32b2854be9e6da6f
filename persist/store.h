#pragma once
/* SPDX-License-Identifier: MIT */
/*
 * The archive store: one file per RRD, data_dir/<uuid>.xml (or .xml.gz), replaced atomically so
 * that a crash or a failed save at any moment leaves the previous archive whole.
 */

#include <stdbool.h>

#include "consolidate/rrd.h"
#include "persist/reader.h"
#include "rrdd/macro.h"

typedef struct PersistStore PersistStore;

typedef enum PersistStoreFlags {
        PERSIST_STORE_GZIP = 1U << 0, /* write <uuid>.xml.gz instead of <uuid>.xml */
} PersistStoreFlags;

#define PERSIST_UUID_LEN 36

bool persist_uuid_is_valid(const char *uuid);

int persist_store_new(PersistStore **ret, const char *data_dir);
PersistStore *persist_store_free(PersistStore *s);
DEFINE_FREEP(PersistStore, persist_store_free);

int persist_store_save(const PersistStore *s, const char *uuid, const Rrd *rrd, unsigned flags);
int persist_store_load(const PersistStore *s, const char *uuid, const PersistLimits *limits,
                       Rrd **ret, PersistError *err);
int persist_store_remove(const PersistStore *s, const char *uuid);
int persist_store_clean(const PersistStore *s);
