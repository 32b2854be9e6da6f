#pragma once
/* SPDX-License-Identifier: MIT */
/*
 * Test doubles for the daemon: a source whose VMs and values the test sets before each tick, and
 * an archive store in memory that can be made to fail.
 */

#include <stdbool.h>
#include <stdint.h>

#include "rrdd/store.h"
#include "sources/source.h"

#define FAKE_MAX_VMS 16

typedef struct FakeVm {
        char uuid[SRC_UUID_LEN + 1];
        bool running;
        uint64_t domid;
        uint64_t rx_bytes; /* DERIVE counter "vif_0_rx" */
        double memory;     /* GAUGE "memory" */
} FakeVm;

typedef struct FakeWorld {
        FakeVm vms[FAKE_MAX_VMS];
        size_t n_vms;
        double host_load; /* GAUGE "loadavg" */
        bool fail_sample; /* sample() returns -EIO */
        unsigned n_samples;
} FakeWorld;

extern const SrcOps fake_source_ops;
/* A source instance reading `world` (borrowed). */
SrcInstance *fake_source_new(FakeWorld *world);

typedef struct MemStore MemStore;
MemStore *mem_store_new(void);
void mem_store_free(MemStore *m);
extern const ArchiveOps mem_store_ops;
/* While set, save() fails with this -errno. */
void mem_store_fail_saves(MemStore *m, int error);
/* A copy of what is stored for uuid, or NULL. */
struct Rrd *mem_store_get(MemStore *m, const char *uuid);
unsigned mem_store_n_saves(MemStore *m);
