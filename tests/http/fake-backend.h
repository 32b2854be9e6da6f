#pragma once
/* SPDX-License-Identifier: MIT */
/*
 * A test backend for http/: a host, N VMs, M SRs and halted VMs whose RRDs are built with the
 * engine in the default layouts from deterministic GAUGE updates every 5 s, so every row value
 * is known in advance (fake_value(); tests/http/fakedata.py computes the same numbers).
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "consolidate/rrd.h"
#include "http/backend.h"

#define FAKE_DS_MAX 64

typedef struct FakeOptions {
        size_t n_vms;
        size_t n_srs;
        size_t n_halted;
        size_t n_vm_ds;    /* data sources per VM (names from a fixed list, then ds_<i>) */
        int64_t history_s; /* updates from now - history_s to now */
        bool vm_min_max;   /* VMs get MIN/MAX archives too */
        bool noisy;        /* feed fake_value() / 7: full-precision decimals, as real rates */
} FakeOptions;

typedef struct FakeOwner {
        HttpOwnerKind kind;
        char uuid[37];
        size_t index; /* the k in fake_value(): host 0, VM i 1+i, SR i 100000+i, halted 200000+i */
        Rrd *rrd;
} FakeOwner;

typedef struct FakeBackend {
        char host_uuid[37];
        double divisor;    /* what fake_value() is divided by before the update (1 or 7) */
        FakeOwner *owners; /* host, VMs, SRs (live) */
        size_t n_owners;
        size_t n_vms;
        FakeOwner *halted; /* archived only */
        size_t n_halted;
        uint64_t n_loads; /* load_archive() calls */
        uint64_t n_ticks;
} FakeBackend;

/* uuid of the i-th owner of a kind (halted VMs: kind VM, halted true). */
void fake_uuid(char *ret, HttpOwnerKind kind, size_t i, bool halted);

/* The value data source ds of owner k was given at time t (NaN: the update said U). */
double fake_value(size_t k, size_t ds, int64_t t);

/* Data-source names and units. */
const char *fake_ds_name(HttpOwnerKind kind, size_t ds, char *buf, size_t size);
const char *fake_ds_units(HttpOwnerKind kind, size_t ds);
size_t fake_n_ds(HttpOwnerKind kind, const FakeOptions *o);

/* Builds every RRD, last updated at end_s (a multiple of 5). Return: 0 or -errno. */
int fake_backend_new(FakeBackend **ret, const FakeOptions *o, int64_t end_s);
FakeBackend *fake_backend_free(FakeBackend *b);

/* Updates every live RRD at t (a multiple of 5, after the last update). */
int fake_backend_tick(FakeBackend *b, int64_t t);
int64_t fake_backend_last(const FakeBackend *b);

/* The HttpBackend table serving b. */
void fake_backend_table(FakeBackend *b, HttpBackend *ret);
