#pragma once
/* SPDX-License-Identifier: MIT */
/*
 * The legacy XenAPI metrics objects (host_metrics, VM_metrics, VIF_metrics, VBD_metrics,
 * PIF_metrics) and the data-source calls of `xe host-/vm-/sr-data-source-*`, as XML-RPC methods.
 * Values come from a snapshot of the RRDs taken after a tick when rrd_update_interval says one
 * is due; the handlers only read the snapshot (and the registry, for data sources).
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "http/server.h"
#include "http/xmlrpc.h"
#include "rrdd/config.h"
#include "rrdd/macro.h"
#include "rrdd/registry.h"
#include "rrdd/rrdd.h"

/*
 * The namespace of the metrics objects' name-based (version 5, SHA-1) uuids. An object's uuid
 * is uuid5(LEGACY_UUID_NAMESPACE, name) with name "host_metrics:<host uuid>",
 * "VM_metrics:<vm uuid>", "VIF_metrics:<vm uuid>:<n>", "VBD_metrics:<vm uuid>:<device>" or
 * "PIF_metrics:<host uuid>:<device>"; its reference is "OpaqueRef:<that uuid>".
 */
#define LEGACY_UUID_NAMESPACE "8b09db12-5eea-4dcc-8862-8e242b2d63c7"
#define LEGACY_UUID_LEN 36

typedef enum LegacyClass {
        LEGACY_HOST_METRICS,
        LEGACY_VM_METRICS,
        LEGACY_VIF_METRICS,
        LEGACY_VBD_METRICS,
        LEGACY_PIF_METRICS,
        _LEGACY_CLASS_MAX,
} LegacyClass;

/* What a data source feeds in the legacy objects. */
typedef enum LegacyField {
        LEGACY_FIELD_NONE,
        LEGACY_FIELD_MEMORY_TOTAL, /* host memory_total_kib */
        LEGACY_FIELD_MEMORY_FREE,  /* host memory_free_kib */
        LEGACY_FIELD_MEMORY,       /* VM memory (bytes) */
        LEGACY_FIELD_VCPU,         /* VM cpuN; the device is N */
        LEGACY_FIELD_VIF_RX,       /* VM vif_<n>_rx (B/s received by the guest) */
        LEGACY_FIELD_VIF_TX,
        LEGACY_FIELD_VBD_READ, /* VM vbd_<dev>_read (B/s) */
        LEGACY_FIELD_VBD_WRITE,
        LEGACY_FIELD_PIF_RX, /* host pif_<dev>_rx (B/s), not pif_aggr_* */
        LEGACY_FIELD_PIF_TX,
        _LEGACY_FIELD_MAX,
} LegacyField;

const char *legacy_class_to_string(LegacyClass c);

/*
 * legacy_classify() - what the data source `name` of an owner of kind `owner` feeds. The device
 * (VIF number, VBD or PIF device, vCPU index) is written to ret_device (size bytes).
 * Return: the field, LEGACY_FIELD_NONE for data sources the legacy objects do not use.
 */
LegacyField legacy_classify(SrcOwnerKind owner, const char *name, char *ret_device, size_t size);

/* The name-based uuid of a metrics object (see LEGACY_UUID_NAMESPACE). Return: 0, -EINVAL. */
int legacy_object_uuid(LegacyClass c, const char *owner_uuid, const char *device,
                       char ret[LEGACY_UUID_LEN + 1]);

/* Legacy values from archive cells: bytes from KiB, KiB/s from B/s; unknown is 0. */
int64_t legacy_kib_to_bytes(double kib);
int64_t legacy_bytes(double bytes);
double legacy_kbs(double bytes_per_s);

typedef struct Legacy Legacy;

/* A session check, for the methods' first parameter: the server's, or a test's. */
typedef bool (*LegacySessionCheck)(void *server, const char *session_id);

/* A legacy object set over the registry (borrowed for its lifetime). Return: 0, -errno. */
int legacy_new(Legacy **ret, Registry *reg, UpdateInterval interval);
Legacy *legacy_free(Legacy *l);
DEFINE_FREEP(Legacy, legacy_free);

/* Switches the refresh cadence (SIGHUP); the next snapshot reads the archives at once. */
void legacy_set_interval(Legacy *l, UpdateInterval interval);
UpdateInterval legacy_interval(const Legacy *l);

/* Registers every method on the server, sessions checked with http_server_session_user(). */
int legacy_register(Legacy *l, HttpServer *s);
/* Registers every method in a bare table (tests), sessions checked with check. */
int legacy_register_table(Legacy *l, HttpRpcTable *t, LegacySessionCheck check);

/*
 * Brings the snapshot up to date after a tick: the objects are rebuilt only when the live RRDs
 * changed, the values re-read only when the interval says so. Return: 0, -ENOMEM (the previous
 * snapshot stays).
 */
int legacy_sync(Legacy *l);
/* Whether a tick happened since the last snapshot (the loop then calls legacy_sync()). */
bool legacy_is_stale(const Legacy *l);

/*
 * The tick hook (rrdd_set_tick_hook()): takes the snapshot right after a tick, when the interval
 * is not never (for never the handlers sync on demand).
 */
void legacy_after_tick(void *userdata);

/* Snapshot counters, for tests. */
typedef struct LegacyStats {
        uint64_t n_snapshots;       /* rebuilds of the object set */
        uint64_t n_value_refreshes; /* times the values were re-read from the archives */
        int64_t values_time;        /* archive row time of the last value refresh, 0 if none */
} LegacyStats;
void legacy_stats(const Legacy *l, LegacyStats *ret);
