/* SPDX-License-Identifier: MIT */
/*
 * The legacy metrics objects and data-source calls over a registry driven tick by tick, called
 * through an XML-RPC method table: which data sources feed which object, the name-based uuids
 * (expected values from Python's uuid.uuid5), the XenAPI encodings, the three
 * rrd_update_interval settings against values computed from the inputs, typed faults, and
 * record/forget of data sources.
 */

#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "consolidate/layout.h"
#include "consolidate/rrd.h"
#include "http/xmlrpc.h"
#include "rrdd/legacy.h"
#include "rrdd/registry.h"
#include "tests/tap.h"

#define HOST "99999999-8888-7777-6666-555555555555"
#define VM_A "11111111-2222-3333-4444-555555555555"
#define SESSION "OpaqueRef:good-session"
#define T_START 1700000000 /* 40 s before a minute boundary (1700000040) */
#define GIB 1073741824.0

/* ---- a world the test controls, fed into a registry ---- */

typedef struct Env {
        Registry *reg;
        Legacy *l;
        HttpRpcTable *t;
        HttpRpcValue *res; /* the last call's answer */
        int64_t t_now;     /* the next tick's time */
        unsigned n;        /* ticks so far */
        bool vm_running;
        /* counters */
        uint64_t vif_rx, vif_tx, vbd_read, vbd_write, pif_rx, pif_tx;
        /* history of gauges per tick, for expected averages */
        double mem_free_kib[64], vm_memory[64], cpu1[64];
} Env;

static bool session_ok(void *server, const char *id) {
        (void) server;
        return strcmp(id, SESSION) == 0;
}

static void emit(Env *e, SrcOwnerKind k, const char *name, SrcKind kind, double v, bool dflt) {
        SrcSample s = {
                .owner = {.kind = k},
                .name = name,
                .units = kind == SRC_GAUGE ? "B" : "B/s",
                .description = "test",
                .kind = kind,
                .value_type = kind == SRC_GAUGE ? SRC_VALUE_DOUBLE : SRC_VALUE_UINT64,
                .min = 0,
                .max = HUGE_VAL,
                .is_default = dflt,
        };
        if (kind == SRC_GAUGE)
                s.value.d = v;
        else
                s.value.u64 = (uint64_t) v;
        if (k == SRC_OWNER_VM)
                memcpy(s.owner.uuid, VM_A, sizeof(s.owner.uuid));
        (void) src_sink_emit(registry_sink(e->reg), &s);
}

/* One 5 s tick: rates are constant (rx 1 KiB/s, tx 2 KiB/s, ...), gauges change every tick. */
static void tick(Env *e) {
        unsigned i = e->n % 64;
        SrcSink *sink = registry_sink(e->reg);

        registry_begin_tick(e->reg, e->n + 1);
        registry_set_source(e->reg, 0, true);
        e->mem_free_kib[i] = 100.0 + e->n;
        e->vm_memory[i] = GIB + 4.0 * e->n;
        e->cpu1[i] = 0.5 + 0.01 * (e->n % 7);
        emit(e, SRC_OWNER_HOST, "memory_total_kib", SRC_GAUGE, 1000.0, true);
        emit(e, SRC_OWNER_HOST, "memory_free_kib", SRC_GAUGE, e->mem_free_kib[i], true);
        emit(e, SRC_OWNER_HOST, "pif_eth0_rx", SRC_DERIVE, (double) e->pif_rx, true);
        emit(e, SRC_OWNER_HOST, "pif_eth0_tx", SRC_DERIVE, (double) e->pif_tx, true);
        emit(e, SRC_OWNER_HOST, "pif_aggr_rx", SRC_DERIVE, (double) e->pif_rx, true);
        emit(e, SRC_OWNER_HOST, "pif_eth0_rx_errors", SRC_DERIVE, 0, false);
        emit(e, SRC_OWNER_HOST, "loadavg", SRC_GAUGE, 0.5, true);
        if (e->vm_running) {
                SrcOwner vm = {.kind = SRC_OWNER_VM};
                memcpy(vm.uuid, VM_A, sizeof(vm.uuid));
                (void) src_sink_announce(sink, &vm, 7);
                emit(e, SRC_OWNER_VM, "memory", SRC_GAUGE, e->vm_memory[i], true);
                emit(e, SRC_OWNER_VM, "cpu0", SRC_GAUGE, 0.25, true);
                emit(e, SRC_OWNER_VM, "cpu1", SRC_GAUGE, e->cpu1[i], true);
                emit(e, SRC_OWNER_VM, "cpu_usage", SRC_GAUGE, 0.3, true);
                emit(e, SRC_OWNER_VM, "vif_0_rx", SRC_DERIVE, (double) e->vif_rx, true);
                emit(e, SRC_OWNER_VM, "vif_0_tx", SRC_DERIVE, (double) e->vif_tx, true);
                emit(e, SRC_OWNER_VM, "vif_0_rx_errors", SRC_DERIVE, 0, false);
                emit(e, SRC_OWNER_VM, "vbd_xvda_read", SRC_DERIVE, (double) e->vbd_read, true);
                emit(e, SRC_OWNER_VM, "vbd_xvda_write", SRC_DERIVE, (double) e->vbd_write, true);
                emit(e, SRC_OWNER_VM, "vbd_xvda_iops_read", SRC_DERIVE, 0, true);
        }
        size_t state = 0;
        RrdEntry *en;
        while ((en = registry_next(e->reg, &state)))
                if (en->state == ENTRY_NEW && registry_is_resident(e->reg, en))
                        registry_decide_new(e->reg, en, false);
        TickResult res;
        (void) registry_apply_tick(e->reg, e->t_now, &res);
        e->t_now += 5;
        e->n++;
        e->vif_rx += 5 * 1024;
        e->vif_tx += 5 * 2048;
        e->vbd_read += 5 * 10240;
        e->vbd_write += 5 * 512;
        e->pif_rx += 5 * 4096;
        e->pif_tx += 5 * 256;
}

/* Ticks, then the loop hook: the snapshot is taken right after each tick. */
static void ticks(Env *e, unsigned n) {
        for (unsigned i = 0; i < n; i++) {
                tick(e);
                (void) legacy_sync(e->l);
        }
}

/* Calls method with string arguments (NULL-terminated); the answer stays in e->res. */
static const HttpRpcValue *call(Env *e, const char *method, ...) {
        HttpRpcValue *params = http_rpc_array();
        HttpRpcCall c = {.method = method};
        va_list ap;
        const char *a;

        va_start(ap, method);
        while ((a = va_arg(ap, const char *)))
                (void) http_rpc_array_append(params, http_rpc_string(a));
        va_end(ap);
        e->res = http_rpc_value_free(e->res);
        if (http_rpc_table_dispatch(e->t, &c, params, &e->res) < 0)
                e->res = NULL;
        http_rpc_value_free(params);
        return e->res;
}

/* The Value of a Success, or NULL. */
static const HttpRpcValue *value(const HttpRpcValue *res) {
        const HttpRpcValue *st = res ? http_rpc_struct_get(res, "Status") : NULL;
        if (!st || !http_rpc_get_string(st) || strcmp(http_rpc_get_string(st), "Success") != 0)
                return NULL;
        return http_rpc_struct_get(res, "Value");
}

/* ErrorDescription[i] of a Failure, or "". */
static const char *error(const HttpRpcValue *res, size_t i) {
        const HttpRpcValue *d = res ? http_rpc_struct_get(res, "ErrorDescription") : NULL;
        if (!d || d->type != HTTP_RPC_ARRAY || i >= d->array.n)
                return "";
        const char *s = http_rpc_get_string(d->array.items[i]);
        return s ? s : "";
}

static const char *str_member(const HttpRpcValue *s, const char *name) {
        const HttpRpcValue *v = s ? http_rpc_struct_get(s, name) : NULL;
        return v && (v->type == HTTP_RPC_STRING || v->type == HTTP_RPC_DATETIME) ? v->str.s : "";
}

static double dbl_member(const HttpRpcValue *s, const char *name) {
        const HttpRpcValue *v = s ? http_rpc_struct_get(s, name) : NULL;
        return v && v->type == HTTP_RPC_DOUBLE ? v->d : -12345.0;
}

static bool same(double a, double b) {
        return fabs(a - b) <= 1e-9 * fmax(1.0, fabs(b));
}

static char *ref_of(const char *uuid) {
        char *r = NULL;
        return asprintf(&r, "OpaqueRef:%s", uuid) < 0 ? NULL : r;
}

/* A copy of the record of the first object of class c (get_all_records), or NULL. */
static HttpRpcValue *first_record(Env *e, const char *cls, char **ret_ref) {
        char m[64];
        (void) snprintf(m, sizeof(m), "%s.get_all_records", cls);
        HttpRpcValue *v = NULL;
        if (!value(call(e, m, SESSION, NULL)))
                return NULL;
        for (size_t i = 0; i < e->res->strct.n; i++)
                if (strcmp(e->res->strct.members[i].name, "Value") == 0)
                        v = e->res->strct.members[i].value;
        if (!v || v->type != HTTP_RPC_STRUCT || v->strct.n == 0)
                return NULL;
        if (ret_ref)
                *ret_ref = strdup(v->strct.members[0].name);
        /* Detach it so the next call does not free it. */
        HttpRpcValue *rec = v->strct.members[0].value;
        v->strct.members[0].value = http_rpc_nil();
        return rec;
}

static int env_init(Env *e, UpdateInterval iv) {
        RrdLayoutOptions lo = {};
        RegistryOptions ro = {
                .step_s = 5,
                .vm_layout = lo,
                .host_layout = {.min_max = true},
                .domain_sources = true,
                .host_uuid = HOST,
        };
        *e = (Env){.t_now = T_START, .vm_running = true};
        if (registry_new(&e->reg, &ro) < 0 || legacy_new(&e->l, e->reg, iv) < 0 ||
            http_rpc_table_new(&e->t) < 0 || legacy_register_table(e->l, e->t, session_ok) < 0)
                return -1;
        return 0;
}

static void env_done(Env *e) {
        http_rpc_value_free(e->res);
        legacy_free(e->l);
        http_rpc_table_free(e->t);
        registry_free(e->reg);
}

/* ---- pure mapping ---- */

static void test_classify(void) {
        static const struct {
                SrcOwnerKind owner;
                const char *name;
                LegacyField field;
                const char *device;
        } cases[] = {
                {SRC_OWNER_HOST, "memory_total_kib", LEGACY_FIELD_MEMORY_TOTAL, ""},
                {SRC_OWNER_HOST, "memory_free_kib", LEGACY_FIELD_MEMORY_FREE, ""},
                {SRC_OWNER_HOST, "pif_eth0_rx", LEGACY_FIELD_PIF_RX, "eth0"},
                {SRC_OWNER_HOST, "pif_bond0_tx", LEGACY_FIELD_PIF_TX, "bond0"},
                {SRC_OWNER_HOST, "pif_my_nic_rx", LEGACY_FIELD_PIF_RX, "my_nic"},
                {SRC_OWNER_HOST, "pif_aggr_rx", LEGACY_FIELD_NONE, ""},
                {SRC_OWNER_HOST, "pif_eth0_rx_errors", LEGACY_FIELD_NONE, ""},
                {SRC_OWNER_HOST, "pif__rx", LEGACY_FIELD_NONE, ""},
                {SRC_OWNER_HOST, "cpu0", LEGACY_FIELD_NONE, ""},
                {SRC_OWNER_HOST, "memory", LEGACY_FIELD_NONE, ""},
                {SRC_OWNER_VM, "memory", LEGACY_FIELD_MEMORY, ""},
                {SRC_OWNER_VM, "memory_target", LEGACY_FIELD_NONE, ""},
                {SRC_OWNER_VM, "cpu0", LEGACY_FIELD_VCPU, "0"},
                {SRC_OWNER_VM, "cpu17", LEGACY_FIELD_VCPU, "17"},
                {SRC_OWNER_VM, "cpu_usage", LEGACY_FIELD_NONE, ""},
                {SRC_OWNER_VM, "cpu", LEGACY_FIELD_NONE, ""},
                {SRC_OWNER_VM, "cpu1x", LEGACY_FIELD_NONE, ""},
                {SRC_OWNER_VM, "vif_0_rx", LEGACY_FIELD_VIF_RX, "0"},
                {SRC_OWNER_VM, "vif_12_tx", LEGACY_FIELD_VIF_TX, "12"},
                {SRC_OWNER_VM, "vif_0_rx_errors", LEGACY_FIELD_NONE, ""},
                {SRC_OWNER_VM, "vif_a_rx", LEGACY_FIELD_NONE, ""},
                {SRC_OWNER_VM, "vbd_xvda_read", LEGACY_FIELD_VBD_READ, "xvda"},
                {SRC_OWNER_VM, "vbd_hdb_write", LEGACY_FIELD_VBD_WRITE, "hdb"},
                {SRC_OWNER_VM, "vbd_xvda_iops_read", LEGACY_FIELD_NONE, ""},
                {SRC_OWNER_VM, "vbd_xvda_read_latency", LEGACY_FIELD_NONE, ""},
                {SRC_OWNER_VM, "vbd_xvda_io_throughput_write", LEGACY_FIELD_NONE, ""},
                {SRC_OWNER_VM, "pif_eth0_rx", LEGACY_FIELD_NONE, ""},
                {SRC_OWNER_SR, "memory", LEGACY_FIELD_NONE, ""},
        };
        char dev[64];

        for (size_t i = 0; i < ELEMENTSOF(cases); i++) {
                LegacyField f = legacy_classify(cases[i].owner, cases[i].name, dev, sizeof(dev));
                CHECKF(f == cases[i].field && strcmp(dev, cases[i].device) == 0,
                       "%s: field %d device '%s'", cases[i].name, f, dev);
        }
        /* A device that does not fit is not a device. */
        CHECK(legacy_classify(SRC_OWNER_VM, "vbd_xvdaaaaaaa_read", dev, 5) == LEGACY_FIELD_NONE);
}

static void test_uuids(void) {
        /* Expected: Python's uuid.uuid5(uuid.UUID(LEGACY_UUID_NAMESPACE), name). */
        static const struct {
                LegacyClass c;
                const char *owner, *device, *uuid;
        } cases[] = {
                {LEGACY_VM_METRICS, VM_A, "", "b2cff3c4-9986-5c75-b3e0-c98e38dc3293"},
                {LEGACY_VIF_METRICS, VM_A, "0", "54e0a277-7f7d-54ad-98df-95c3bfaba950"},
                {LEGACY_HOST_METRICS, HOST, "", "d71518ff-b71d-5cc3-b523-3bdceb664612"},
                {LEGACY_PIF_METRICS, HOST, "eth0", "e010665c-1825-5146-aa0d-1b8ceba86c78"},
                {LEGACY_VBD_METRICS, VM_A, "xvda", "c76f2f7b-5152-5f03-82cb-94e3d1090073"},
        };
        char u[LEGACY_UUID_LEN + 1];

        for (size_t i = 0; i < ELEMENTSOF(cases); i++) {
                int r = legacy_object_uuid(cases[i].c, cases[i].owner, cases[i].device, u);
                CHECKF(r == 0 && strcmp(u, cases[i].uuid) == 0, "%s: %s", cases[i].uuid, u);
        }
        CHECK(legacy_object_uuid(_LEGACY_CLASS_MAX, VM_A, "", u) == -EINVAL);
}

static void test_values(void) {
        CHECK(legacy_kib_to_bytes(1000.0) == 1024000);
        CHECK(legacy_kib_to_bytes(0.5) == 512);
        CHECK(legacy_kib_to_bytes((double) NAN) == 0);
        CHECK(legacy_kib_to_bytes((double) INFINITY) == 0);
        CHECK(legacy_bytes(GIB + 0.4) == 1073741824);
        CHECK(legacy_bytes(GIB + 0.6) == 1073741825);
        CHECK(legacy_bytes(1e300) == 0);
        CHECK(legacy_kbs(2048.0) == 2.0);
        CHECK(legacy_kbs(1.0) == 1.0 / 1024.0);
        CHECK(legacy_kbs((double) NAN) == 0.0);
        CHECK(strcmp(legacy_class_to_string(LEGACY_PIF_METRICS), "PIF_metrics") == 0);
}

/* ---- rrd_update_interval ---- */

static void test_never(void) {
        Env e;
        if (!CHECK(env_init(&e, UPDATE_INTERVAL_NEVER) == 0))
                return;
        ticks(&e, 4);
        static const char *const classes[] = {"host_metrics", "VM_metrics", "VIF_metrics",
                                              "VBD_metrics", "PIF_metrics"};
        for (size_t c = 0; c < ELEMENTSOF(classes); c++) {
                char m[64];
                (void) snprintf(m, sizeof(m), "%s.get_all", classes[c]);
                const HttpRpcValue *v = value(call(&e, m, SESSION, NULL));
                CHECKF(v && v->type == HTTP_RPC_ARRAY && v->array.n == 1, "%s: one object",
                       classes[c]);
        }
        HttpRpcValue *h = first_record(&e, "host_metrics", NULL);
        CHECK(strcmp(str_member(h, "memory_total"), "0") == 0);
        CHECK(strcmp(str_member(h, "memory_free"), "0") == 0);
        CHECK(strcmp(str_member(h, "last_updated"), "19700101T00:00:00Z") == 0);
        CHECK(http_rpc_struct_get(h, "last_updated")->type == HTTP_RPC_DATETIME);
        http_rpc_value_free(h);
        HttpRpcValue *vm = first_record(&e, "VM_metrics", NULL);
        CHECK(strcmp(str_member(vm, "memory_actual"), "0") == 0);
        CHECK(strcmp(str_member(vm, "VCPUs_number"), "0") == 0);
        const HttpRpcValue *u = vm ? http_rpc_struct_get(vm, "VCPUs_utilisation") : NULL;
        CHECK(u && u->type == HTTP_RPC_STRUCT && u->strct.n == 0);
        CHECK(strcmp(str_member(vm, "VM"), "OpaqueRef:" VM_A) == 0);
        http_rpc_value_free(vm);
        HttpRpcValue *vif = first_record(&e, "VIF_metrics", NULL);
        CHECK(dbl_member(vif, "io_read_kbs") == 0.0 && dbl_member(vif, "io_write_kbs") == 0.0);
        CHECK(strcmp(str_member(vif, "device"), "0") == 0);
        http_rpc_value_free(vif);
        LegacyStats st;
        legacy_stats(e.l, &st);
        CHECK(st.n_value_refreshes == 0);
        env_done(&e);
}

static void test_every_5s(void) {
        Env e;
        if (!CHECK(env_init(&e, UPDATE_INTERVAL_5S) == 0))
                return;
        ticks(&e, 5);
        int64_t last = e.t_now - 5;
        unsigned i = (e.n - 1) % 64;
        char *ref = NULL, when[32];
        struct tm tm;
        time_t tt = (time_t) last;
        (void) strftime(when, sizeof(when), "%Y%m%dT%H:%M:%SZ", gmtime_r(&tt, &tm));

        HttpRpcValue *h = first_record(&e, "host_metrics", &ref);
        CHECK(strcmp(str_member(h, "memory_total"), "1024000") == 0);
        char want[32];
        (void) snprintf(want, sizeof(want), "%.0f", e.mem_free_kib[i] * 1024);
        CHECKF(strcmp(str_member(h, "memory_free"), want) == 0, "memory_free %s, want %s",
               str_member(h, "memory_free"), want);
        CHECKF(strcmp(str_member(h, "last_updated"), when) == 0, "%s vs %s",
               str_member(h, "last_updated"), when);
        CHECK(strcmp(str_member(h, "host"), "OpaqueRef:" HOST) == 0);
        CHECK(strcmp(str_member(h, "uuid"), "d71518ff-b71d-5cc3-b523-3bdceb664612") == 0);
        http_rpc_value_free(h);
        /* The getters and get_record agree with get_all_records. */
        CHECK(strcmp(http_rpc_get_string(
                             value(call(&e, "host_metrics.get_memory_total", SESSION, ref, NULL))),
                     "1024000") == 0);
        CHECK(value(call(&e, "host_metrics.get_live", SESSION, ref, NULL))->b);
        const HttpRpcValue *rec = value(call(&e, "host_metrics.get_record", SESSION, ref, NULL));
        CHECK(rec && strcmp(str_member(rec, "memory_free"), want) == 0);
        CHECK(strcmp(http_rpc_get_string(value(call(&e, "host_metrics.get_by_uuid", SESSION,
                                                    "d71518ff-b71d-5cc3-b523-3bdceb664612", NULL))),
                     ref) == 0);
        free(ref);

        HttpRpcValue *vm = first_record(&e, "VM_metrics", &ref);
        (void) snprintf(want, sizeof(want), "%.0f", e.vm_memory[i]);
        CHECK(strcmp(str_member(vm, "memory_actual"), want) == 0);
        CHECK(strcmp(str_member(vm, "VCPUs_number"), "2") == 0);
        const HttpRpcValue *u = vm ? http_rpc_struct_get(vm, "VCPUs_utilisation") : NULL;
        CHECK(u && u->strct.n == 2 && dbl_member(u, "0") == 0.25 &&
              same(dbl_member(u, "1"), e.cpu1[i]));
        http_rpc_value_free(vm);
        /* VM.get_metrics leads to the same object. */
        CHECK(strcmp(http_rpc_get_string(
                             value(call(&e, "VM.get_metrics", SESSION, "OpaqueRef:" VM_A, NULL))),
                     ref) == 0);
        free(ref);

        HttpRpcValue *vif = first_record(&e, "VIF_metrics", NULL);
        CHECK(dbl_member(vif, "io_read_kbs") == 1.0 && dbl_member(vif, "io_write_kbs") == 2.0);
        http_rpc_value_free(vif);
        HttpRpcValue *vbd = first_record(&e, "VBD_metrics", NULL);
        CHECK(strcmp(str_member(vbd, "device"), "xvda") == 0);
        CHECK(dbl_member(vbd, "io_read_kbs") == 10.0 && dbl_member(vbd, "io_write_kbs") == 0.5);
        http_rpc_value_free(vbd);
        HttpRpcValue *pif = first_record(&e, "PIF_metrics", NULL);
        CHECK(strcmp(str_member(pif, "device"), "eth0") == 0);
        CHECK(dbl_member(pif, "io_read_kbs") == 4.0 && dbl_member(pif, "io_write_kbs") == 0.25);
        CHECK(strcmp(str_member(pif, "host"), "OpaqueRef:" HOST) == 0);
        http_rpc_value_free(pif);
        /* Only eth0 and xvda: no "aggr" PIF, no "xvda_iops" VBD. */
        CHECK(value(call(&e, "PIF_metrics.get_all", SESSION, NULL))->array.n == 1);
        CHECK(value(call(&e, "VBD_metrics.get_all", SESSION, NULL))->array.n == 1);

        /* Refreshed every tick; the objects are not rebuilt while nothing changes. */
        LegacyStats st0, st1;
        legacy_stats(e.l, &st0);
        ticks(&e, 1);
        legacy_stats(e.l, &st1);
        CHECK(st1.n_value_refreshes == st0.n_value_refreshes + 1 &&
              st1.n_snapshots == st0.n_snapshots && st1.values_time == e.t_now - 5);
        i = (e.n - 1) % 64;
        vm = first_record(&e, "VM_metrics", NULL);
        (void) snprintf(want, sizeof(want), "%.0f", e.vm_memory[i]);
        CHECK(strcmp(str_member(vm, "memory_actual"), want) == 0);
        http_rpc_value_free(vm);

        /* A VM that halts takes its objects with it. */
        e.vm_running = false;
        ticks(&e, 1);
        legacy_stats(e.l, &st0);
        CHECK(st0.n_snapshots == st1.n_snapshots + 1);
        CHECK(value(call(&e, "VM_metrics.get_all", SESSION, NULL))->array.n == 0);
        CHECK(value(call(&e, "VIF_metrics.get_all_records", SESSION, NULL))->strct.n == 0);
        CHECK(strcmp(error(call(&e, "VM.get_metrics", SESSION, "OpaqueRef:" VM_A, NULL), 0),
                     "HANDLE_INVALID") == 0);
        env_done(&e);
}

static double mean_back(const double *hist, unsigned n_ticks, unsigned count) {
        double s = 0;
        for (unsigned k = 0; k < count; k++)
                s += hist[(n_ticks - 1 - k) % 64];
        return s / count;
}

static void test_every_60s(void) {
        Env e;
        if (!CHECK(env_init(&e, UPDATE_INTERVAL_60S) == 0))
                return;
        /* Up to 1700000035: the first refresh reads the 1-minute row that is still empty. */
        ticks(&e, 8);
        HttpRpcValue *h = first_record(&e, "host_metrics", NULL);
        CHECKF(strcmp(str_member(h, "memory_free"), "0") == 0, "%s", str_member(h, "memory_free"));
        CHECK(strcmp(str_member(h, "last_updated"), "20231114T22:13:00Z") == 0); /* 1699999980 */
        http_rpc_value_free(h);
        /* Through the minute boundary 1700000040 and on to 1700000095: no refresh in between. */
        ticks(&e, 1);
        h = first_record(&e, "host_metrics", NULL);
        CHECK(strcmp(str_member(h, "last_updated"), "20231114T22:14:00Z") == 0);
        http_rpc_value_free(h);
        LegacyStats st0, st1;
        legacy_stats(e.l, &st0);
        ticks(&e, 11);
        legacy_stats(e.l, &st1);
        /* Cheap when not due: no rebuild, no archive read. */
        CHECK(st1.n_snapshots == st0.n_snapshots && st1.n_value_refreshes == st0.n_value_refreshes);
        h = first_record(&e, "host_metrics", NULL);
        CHECK(strcmp(str_member(h, "last_updated"), "20231114T22:14:00Z") == 0);
        http_rpc_value_free(h);
        /* 1700000100: the row of (1700000040, 1700000100] holds the twelve ticks before it. */
        ticks(&e, 1);
        CHECK(e.t_now - 5 == 1700000100);
        h = first_record(&e, "host_metrics", NULL);
        CHECK(strcmp(str_member(h, "last_updated"), "20231114T22:15:00Z") == 0);
        char want[32];
        (void) snprintf(want, sizeof(want), "%.0f", mean_back(e.mem_free_kib, e.n, 12) * 1024);
        CHECKF(strcmp(str_member(h, "memory_free"), want) == 0, "%s vs %s",
               str_member(h, "memory_free"), want);
        http_rpc_value_free(h);
        HttpRpcValue *vm = first_record(&e, "VM_metrics", NULL);
        (void) snprintf(want, sizeof(want), "%.0f", mean_back(e.vm_memory, e.n, 12));
        CHECKF(strcmp(str_member(vm, "memory_actual"), want) == 0, "%s vs %s",
               str_member(vm, "memory_actual"), want);
        const HttpRpcValue *u = vm ? http_rpc_struct_get(vm, "VCPUs_utilisation") : NULL;
        CHECK(u && same(dbl_member(u, "1"), mean_back(e.cpu1, e.n, 12)));
        http_rpc_value_free(vm);
        HttpRpcValue *vif = first_record(&e, "VIF_metrics", NULL);
        CHECK(dbl_member(vif, "io_read_kbs") == 1.0 && dbl_member(vif, "io_write_kbs") == 2.0);
        http_rpc_value_free(vif);
        LegacyStats st;
        legacy_stats(e.l, &st);
        CHECKF(st.n_value_refreshes == 3 && st.values_time == 1700000100, "refreshes %llu at %lld",
               (unsigned long long) st.n_value_refreshes, (long long) st.values_time);

        /* SIGHUP to never: zeros at once; back to 1: the 5 s row at once. */
        legacy_set_interval(e.l, UPDATE_INTERVAL_NEVER);
        h = first_record(&e, "host_metrics", NULL);
        CHECK(strcmp(str_member(h, "memory_total"), "0") == 0);
        http_rpc_value_free(h);
        legacy_set_interval(e.l, UPDATE_INTERVAL_5S);
        h = first_record(&e, "host_metrics", NULL);
        (void) snprintf(want, sizeof(want), "%.0f", e.mem_free_kib[(e.n - 1) % 64] * 1024);
        CHECK(strcmp(str_member(h, "memory_free"), want) == 0);
        CHECK(strcmp(str_member(h, "last_updated"), "20231114T22:15:00Z") == 0);
        http_rpc_value_free(h);
        env_done(&e);
}

/* ---- faults ---- */

static void test_faults(void) {
        Env e;
        if (!CHECK(env_init(&e, UPDATE_INTERVAL_5S) == 0))
                return;
        ticks(&e, 2);
        CHECK(strcmp(error(call(&e, "VM_metrics.get_all", "OpaqueRef:bad", NULL), 0),
                     "SESSION_INVALID") == 0);
        CHECK(strcmp(error(e.res, 1), "OpaqueRef:bad") == 0);
        CHECK(strcmp(error(call(&e, "VM_metrics.get_all", NULL), 0),
                     "MESSAGE_PARAMETER_COUNT_MISMATCH") == 0);
        CHECK(strcmp(error(e.res, 1), "VM_metrics.get_all") == 0 &&
              strcmp(error(e.res, 2), "1") == 0 && strcmp(error(e.res, 3), "0") == 0);
        CHECK(strcmp(error(call(&e, "VM_metrics.get_record", SESSION, NULL), 0),
                     "MESSAGE_PARAMETER_COUNT_MISMATCH") == 0);
        CHECK(strcmp(error(call(&e, "host.query_data_source", SESSION, "OpaqueRef:" HOST, "a", "b",
                                NULL),
                           0),
                     "MESSAGE_PARAMETER_COUNT_MISMATCH") == 0);
        CHECK(strcmp(error(e.res, 2), "3") == 0 && strcmp(error(e.res, 3), "4") == 0);
        CHECK(strcmp(error(call(&e, "VM_metrics.get_record", SESSION, "OpaqueRef:nope", NULL), 0),
                     "HANDLE_INVALID") == 0);
        CHECK(strcmp(error(e.res, 1), "VM_metrics") == 0);
        /* A VM reference is not a VM_metrics reference. */
        CHECK(strcmp(error(call(&e, "VM_metrics.get_memory_actual", SESSION, "OpaqueRef:" VM_A,
                                NULL),
                           0),
                     "HANDLE_INVALID") == 0);
        CHECK(strcmp(error(call(&e, "PIF_metrics.get_by_uuid", SESSION, VM_A, NULL), 0),
                     "UUID_INVALID") == 0);
        CHECK(strcmp(error(call(&e, "VIF_metrics.get_by_uuid", SESSION,
                                "54e0a277-7f7d-54ad-98df-95c3bfaba950-and-more", NULL),
                           0),
                     "UUID_INVALID") == 0);
        CHECK(strcmp(error(call(&e, "VM.get_data_sources", SESSION,
                                "OpaqueRef:00000000-0000-0000-0000-000000000000", NULL),
                           0),
                     "HANDLE_INVALID") == 0);
        CHECK(strcmp(error(call(&e, "host.get_data_sources", SESSION, "OpaqueRef:" VM_A, NULL), 0),
                     "HANDLE_INVALID") == 0);
        CHECK(strcmp(error(call(&e, "VM_metrics.get_colour", SESSION, "x", NULL), 0),
                     "MESSAGE_METHOD_UNKNOWN") == 0);
        /* A reference that is not a string. */
        HttpRpcValue *params = http_rpc_array();
        (void) http_rpc_array_append(params, http_rpc_string(SESSION));
        (void) http_rpc_array_append(params, http_rpc_int(3));
        HttpRpcCall c = {.method = "VM_metrics.get_record"};
        e.res = http_rpc_value_free(e.res);
        CHECK(http_rpc_table_dispatch(e.t, &c, params, &e.res) == 0);
        CHECK(strcmp(error(e.res, 0), "FIELD_TYPE_ERROR") == 0);
        http_rpc_value_free(params);
        /* The session is checked before anything is looked up. */
        CHECK(strcmp(error(call(&e, "VM_metrics.get_record", "OpaqueRef:bad", "OpaqueRef:nope",
                                NULL),
                           0),
                     "SESSION_INVALID") == 0);
        env_done(&e);
}

/* ---- data sources ---- */

static const HttpRpcValue *ds_named(const HttpRpcValue *list, const char *name) {
        for (size_t i = 0; list && i < list->array.n; i++)
                if (strcmp(str_member(list->array.items[i], "name_label"), name) == 0)
                        return list->array.items[i];
        return NULL;
}

static bool flag(const HttpRpcValue *s, const char *name) {
        const HttpRpcValue *v = s ? http_rpc_struct_get(s, name) : NULL;
        return v && v->type == HTTP_RPC_BOOL && v->b;
}

static void test_data_sources(void) {
        Env e;
        if (!CHECK(env_init(&e, UPDATE_INTERVAL_NEVER) == 0))
                return;
        ticks(&e, 3);
        const HttpRpcValue *l =
                value(call(&e, "VM.get_data_sources", SESSION, "OpaqueRef:" VM_A, NULL));
        CHECK(l && l->type == HTTP_RPC_ARRAY && l->array.n == 10);
        bool sorted = l != NULL;
        for (size_t i = 1; l && i < l->array.n; i++)
                sorted = sorted && strcmp(str_member(l->array.items[i - 1], "name_label"),
                                          str_member(l->array.items[i], "name_label")) < 0;
        CHECK(sorted);
        const HttpRpcValue *rx = ds_named(l, "vif_0_rx");
        CHECK(flag(rx, "enabled") && flag(rx, "standard"));
        CHECK(strcmp(str_member(rx, "units"), "B/s") == 0 &&
              strcmp(str_member(rx, "name_description"), "test") == 0);
        CHECK(dbl_member(rx, "min") == 0.0 && dbl_member(rx, "max") == HUGE_VAL);
        CHECK(dbl_member(rx, "value") == 1024.0);
        const HttpRpcValue *err = ds_named(l, "vif_0_rx_errors");
        CHECK(err && !flag(err, "enabled") && !flag(err, "standard"));

        /* query: the newest 5 s AVERAGE cell. */
        const HttpRpcValue *q = value(
                call(&e, "VM.query_data_source", SESSION, "OpaqueRef:" VM_A, "vif_0_tx", NULL));
        CHECK(q && q->type == HTTP_RPC_DOUBLE && q->d == 2048.0);
        CHECK(strcmp(error(call(&e, "VM.query_data_source", SESSION, "OpaqueRef:" VM_A,
                                "vif_0_rx_errors", NULL),
                           0),
                     "DATASOURCE_MISSING") == 0);
        CHECK(strcmp(error(call(&e, "VM.record_data_source", SESSION, "OpaqueRef:" VM_A,
                                "no_such_thing", NULL),
                           0),
                     "DATASOURCE_MISSING") == 0);

        /* record: archived at once, filled from the next tick on. */
        RrdEntry *vm = registry_find(e.reg, SRC_OWNER_VM, VM_A);
        CHECK(value(call(&e, "VM.record_data_source", SESSION, "OpaqueRef:" VM_A, "vif_0_rx_errors",
                         NULL)));
        CHECK(vm && rrd_ds_index(vm->rrd, "vif_0_rx_errors") >= 0);
        ticks(&e, 2);
        l = value(call(&e, "VM.get_data_sources", SESSION, "OpaqueRef:" VM_A, NULL));
        CHECK(flag(ds_named(l, "vif_0_rx_errors"), "enabled"));
        q = value(call(&e, "VM.query_data_source", SESSION, "OpaqueRef:" VM_A, "vif_0_rx_errors",
                       NULL));
        CHECK(q && q->d == 0.0);

        /* forget a non-default one: gone, and stays gone. */
        CHECK(value(call(&e, "VM.forget_data_source_archives", SESSION, "OpaqueRef:" VM_A,
                         "vif_0_rx_errors", NULL)));
        CHECK(rrd_ds_index(vm->rrd, "vif_0_rx_errors") < 0);
        ticks(&e, 1);
        CHECK(rrd_ds_index(vm->rrd, "vif_0_rx_errors") < 0);
        l = value(call(&e, "VM.get_data_sources", SESSION, "OpaqueRef:" VM_A, NULL));
        CHECK(ds_named(l, "vif_0_rx_errors") && !flag(ds_named(l, "vif_0_rx_errors"), "enabled"));
        /* Forgetting twice, or something unknown, is fine. */
        CHECK(value(call(&e, "VM.forget_data_source_archives", SESSION, "OpaqueRef:" VM_A,
                         "vif_0_rx_errors", NULL)));
        CHECK(value(call(&e, "VM.forget_data_source_archives", SESSION, "OpaqueRef:" VM_A,
                         "never_heard_of", NULL)));

        /* forget a default one: gone now, back empty at the next tick. */
        RrdEntry *host = registry_host(e.reg);
        CHECK(value(call(&e, "host.forget_data_source_archives", SESSION, "OpaqueRef:" HOST,
                         "loadavg", NULL)));
        CHECK(rrd_ds_index(host->rrd, "loadavg") < 0);
        ticks(&e, 1);
        int col = rrd_ds_index(host->rrd, "loadavg");
        CHECK(col >= 0);
        /* Its history is gone: only the cell of the tick after it came back is known. */
        CHECK(col >= 0 && isnan(rrd_rra_value_back(host->rrd, 0, 1, (size_t) col)));

        /* host/VM/SR lookups. */
        CHECK(strcmp(http_rpc_get_string(value(call(&e, "VM.get_by_uuid", SESSION, VM_A, NULL))),
                     "OpaqueRef:" VM_A) == 0);
        CHECK(strcmp(http_rpc_get_string(
                             value(call(&e, "VM.get_uuid", SESSION, "OpaqueRef:" VM_A, NULL))),
                     VM_A) == 0);
        CHECK(value(call(&e, "VM.get_all", SESSION, NULL))->array.n == 1);
        CHECK(value(call(&e, "host.get_all", SESSION, NULL))->array.n == 1);
        CHECK(value(call(&e, "SR.get_all", SESSION, NULL))->array.n == 0);
        CHECK(strcmp(error(call(&e, "SR.get_by_uuid", SESSION, VM_A, NULL), 0), "UUID_INVALID") ==
              0);
        char *hm = ref_of("d71518ff-b71d-5cc3-b523-3bdceb664612");
        CHECK(hm && strcmp(http_rpc_get_string(value(
                                   call(&e, "host.get_metrics", SESSION, "OpaqueRef:" HOST, NULL))),
                           hm) == 0);
        free(hm);
        env_done(&e);
}

int main(void) {
        test_classify();
        test_uuids();
        test_values();
        test_never();
        test_every_5s();
        test_every_60s();
        test_faults();
        test_data_sources();
        return TAP_DONE();
}
