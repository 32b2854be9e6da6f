#pragma once
/* SPDX-License-Identifier: MIT */
/* The archive store in data_dir, as the daemon's ArchiveOps (persist/ underneath). */

#include <stdbool.h>

#include "rrdd/store.h"

typedef struct DirStore DirStore;

int dir_store_new(DirStore **ret, const char *data_dir, bool gzip);
DirStore *dir_store_free(DirStore *s);
static inline void dir_store_freep(DirStore **s) {
        if (*s)
                (void) dir_store_free(*s);
}

extern const ArchiveOps dir_store_ops;
