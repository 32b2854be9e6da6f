/* SPDX-License-Identifier: MIT */
/*
 * The xen source: host and per-domain statistics of a Xen host, read in dom0 through
 * libxenctrl (pCPU idle time, physinfo, domain list, vCPU times), libxenstat (VBD counters),
 * xenstore (memory target, guest free memory, migration uuids, VBD names) and dom0's
 * /proc/net/dev (VIF counters) and /proc/meminfo (dom0's own free memory). Names, types and
 * units follow xcp-rrdd's cpu, netdev, squeezed and iostat plugins.
 *
 * Tests link the Xen test double (tests/sources/xen-double/) in place of the three libraries,
 * so everything below runs unchanged against scenario files.
 */

#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <xenctrl.h>
#include <xenstat.h>
#include <xenstore.h>

#include "rrdd/log.h"
#include "rrdd/macro.h"
#include "sources/registry-list.h"
#include "sources/xen-clock.h"
#include "sources/xen-parse.h"

/* Domain ids at or above DOMID_FIRST_RESERVED are special (DOMID_SELF, DOMID_IO, ...). */
#define XEN_DOMID_LIMIT ((uint32_t) DOMID_FIRST_RESERVED)
/* Domains asked for per xc_domain_getinfolist() hypercall. */
#define XEN_INFO_CHUNK 1024u
/* No Xen guest has more vCPUs than this (HVM: 128, PV: 8192 in theory); guards allocations. */
#define XEN_VCPU_LIMIT 8192u
/* Xen's cumulative times in ns: xcp-rrdd masks bit 63 off before using them, and so do we. */
#define XEN_TIME_MASK (~(UINT64_C(1) << 63))
#define XEN_PAGE_BYTES ((uint64_t) XC_PAGE_SIZE)
#define XEN_SECTOR_BYTES UINT64_C(512)
#define XEN_MEMINFO_MAX 16384
/* NAN is a float; the unknown marker here is a double. */
#define XEN_UNKNOWN ((double) NAN)

/* One guest NIC as dom0 counts it; vifD.N and its emulated twin are summed. */
typedef struct XenVif {
        uint32_t devid;
        uint64_t rx_bytes, rx_errors, tx_bytes, tx_errors;
} XenVif;

typedef struct XenVbd {
        uint32_t devid;
        char name[XEN_DEV_NAME_MAX + 1];
        bool has_prev;
        uint64_t prev_rd_reqs, prev_wr_reqs;
        unsigned seen_tick;
} XenVbd;

/*
 * What the source remembers about one domain id between ticks, and what it read for it in
 * the current tick. Keyed by domid only: a handle may change under a running domain (xenopsd
 * renames the temporary domain of a migration), and its counters go on regardless.
 */
typedef struct XenDom {
        uint32_t domid;
        unsigned seen_tick;

        /* Current tick. */
        const xc_domaininfo_t *info;
        char uuid[XEN_UUID_STR_LEN + 1]; /* after the migration-suffix rules */
        bool is_skipped, is_vanished, is_mapped, is_duplicate;
        bool is_paused;
        xenstat_domain *stat; /* NULL when libxenstat did not report it this tick */
        bool has_target, has_internal_free;
        uint64_t target_kib, internal_free_kib;

        /* vCPU times (ns): cur for this tick, prev for the previous one. */
        uint32_t n_vcpus, n_prev_vcpus;
        size_t n_vcpu_alloc;
        uint64_t *vcpu_ns, *vcpu_prev_ns;
        bool vcpus_ok;
        usec_t vcpu_usec, vcpu_prev_usec;

        /* Whole-domain cpu time (ns), taken from the domain list. */
        bool has_prev_cpu;
        uint64_t cpu_prev_ns;
        usec_t cpu_prev_usec;

        XenVif *vifs; /* this tick's, from /proc/net/dev */
        size_t n_vifs, n_vif_alloc;

        XenVbd *vbds;
        size_t n_vbds, n_vbd_alloc;
} XenDom;

typedef struct XenSource {
        xentoollog_logger logger;
        xc_interface *xch;
        struct xs_handle *xsh; /* NULL when xenstored could not be reached */
        xenstat_handle *stath; /* NULL when libxenstat could not start */
        int meminfo_fd;        /* <proc_root>/proc/meminfo for dom0's MemAvailable, or -1 */
        int netdev_fd;         /* <proc_root>/proc/net/dev for VIF counters, or -1 */
        char *netdev;          /* its contents */
        size_t netdev_size;
        unsigned tick;

        /* pCPU idle times (ns). */
        xc_cpuinfo_t *cpuinfo;
        uint64_t *idle_prev_ns;
        size_t n_cpu_alloc;
        uint32_t n_prev_pcpus;
        bool has_prev_idle;
        usec_t idle_prev_usec;

        double *busy; /* this tick's pCPU busy fractions, NaN when unknown */
        uint32_t n_pcpus;

        /* Domain list of the current tick, and the per-domid state. */
        xc_domaininfo_t *infos;
        size_t n_info_alloc;
        XenDom **by_domid;  /* XEN_DOMID_LIMIT slots */
        unsigned list_tick; /* the last tick whose domain list was read in full */
        XenDom **active;    /* domains of the current tick, in domid order */
        XenDom **prev;      /* those of the previous one */
        XenDom **sorted;    /* scratch for finding duplicate uuids */
        size_t n_active, n_prev, n_dom_alloc;

        char meminfo[XEN_MEMINFO_MAX];
} XenSource;

/* libxenctrl reports through a logger; ours sends its chatter to debug level. */
_printf_(5, 0) static void quiet_vmessage(xentoollog_logger *logger, xentoollog_level level,
                                          int errnoval, const char *context, const char *format,
                                          va_list al) {
        char buf[256];

        if (log_max_level < LOG_DEBUG)
                return;
        (void) vsnprintf(buf, sizeof(buf), format, al);
        log_debug("xen: %s: %s", context ? context : "xc", buf);
}

static void quiet_destroy(xentoollog_logger *logger) {
}

static void *grow(void *p, size_t *n_alloc, size_t need, size_t elem) {
        size_t n = *n_alloc ? *n_alloc : 8, bytes;
        void *q;

        if (need <= *n_alloc)
                return p;
        while (n < need)
                n *= 2;
        if (size_mul(n, elem, &bytes) < 0)
                return NULL;
        q = realloc(p, bytes);
        if (!q)
                return NULL;
        *n_alloc = n;
        return q;
}

static XenDom *dom_free(XenDom *d) {
        if (!d)
                return NULL;
        free(d->vcpu_ns);
        free(d->vcpu_prev_ns);
        free(d->vifs);
        free(d->vbds);
        free(d);
        return NULL;
}

/* Frees a domain's state and its slot. (Not by_domid[d->domid] = dom_free(d): the order in
 * which C evaluates the two sides is unspecified, and d->domid may be read after the free.) */
static void dom_forget(XenSource *x, XenDom *d) {
        uint32_t domid = d->domid;

        x->by_domid[domid] = dom_free(d);
}

static void xen_close(SrcInstance *s) {
        XenSource *x = src_get_data(s);

        if (!x)
                return;
        /* Every state lives in by_domid, also one left behind by a tick that failed. */
        if (x->by_domid)
                for (size_t i = 0; i < XEN_DOMID_LIMIT; i++)
                        x->by_domid[i] = dom_free(x->by_domid[i]);
        free(x->by_domid);
        free(x->active);
        free(x->prev);
        free(x->sorted);
        free(x->infos);
        free(x->cpuinfo);
        free(x->idle_prev_ns);
        free(x->busy);
        if (x->stath)
                xenstat_uninit(x->stath);
        if (x->xsh)
                xs_close(x->xsh);
        if (x->xch)
                (void) xc_interface_close(x->xch);
        if (x->meminfo_fd >= 0)
                (void) close(x->meminfo_fd);
        if (x->netdev_fd >= 0)
                (void) close(x->netdev_fd);
        free(x->netdev);
        free(x);
        src_set_data(s, NULL);
}

static int xen_open(SrcInstance *s, const SrcConfig *cfg) {
        XenSource *x;
        xc_physinfo_t pi = {};
        const char *root = cfg && cfg->proc_root && *cfg->proc_root ? cfg->proc_root : "/";
        char path[4096];

        x = calloc(1, sizeof(*x));
        if (!x)
                return -ENOMEM;
        x->meminfo_fd = x->netdev_fd = -1;
        x->logger.vmessage = quiet_vmessage;
        x->logger.destroy = quiet_destroy;
        /* From here on close() releases whatever is set, whatever open() returns. */
        src_set_data(s, x);

        x->xch = xc_interface_open(&x->logger, &x->logger, 0);
        if (!x->xch) {
                int e = errno;
                /* No privcmd device: not running on Xen, or not in a domain that can be dom0. */
                if (e == ENOENT || e == ENODEV || e == ENXIO)
                        return -ENODEV;
                return e > 0 ? -e : -EIO;
        }
        /* A domU may have privcmd too, but only the control domain may ask for physinfo. */
        if (xc_physinfo(x->xch, &pi) < 0) {
                int e = errno;
                if (e == EPERM || e == EACCES || e == ENOSYS)
                        return -ENODEV;
                return e > 0 ? -e : -EIO;
        }

        x->by_domid = calloc(XEN_DOMID_LIMIT, sizeof(*x->by_domid));
        if (!x->by_domid)
                return -ENOMEM;

        /* Without xenstored the memory target, guest free memory, migration uuids and VBD
         * names are unavailable, and xenstat cannot start: the rest still works. */
        x->xsh = xs_open(0);
        if (!x->xsh)
                log_debug("xen: cannot reach xenstore (%s), ignoring", strerror(errno));
        x->stath = xenstat_init();
        if (!x->stath)
                log_debug("xen: libxenstat unavailable, no VBD statistics, ignoring");

        (void) snprintf(path, sizeof(path), "%s/proc/meminfo", root);
        x->meminfo_fd = open(path, O_RDONLY | O_CLOEXEC);
        if (x->meminfo_fd < 0)
                log_debug("xen: cannot open %s (%s), no dom0 memory_internal_free, ignoring", path,
                          strerror(errno));
        /*
         * VIF counters come from dom0's /proc/net/dev, as xcp-rrdd reads them from netlink,
         * not from libxenstat: libxenstat 4.17 gives a vif's counters to its domain only when
         * some Linux bridge exists, so on a host with Open vSwitch (XenServer's default) or
         * routed networking it reports none at all.
         */
        (void) snprintf(path, sizeof(path), "%s/proc/net/dev", root);
        x->netdev_fd = open(path, O_RDONLY | O_CLOEXEC);
        if (x->netdev_fd < 0)
                log_debug("xen: cannot open %s (%s), no VIF statistics, ignoring", path,
                          strerror(errno));
        return 0;
}

/* ---- emitting ---- */

typedef struct XenEmit {
        SrcSink *sink;
        SrcOwner owner;
        uint64_t generation;
} XenEmit;

static int emit(XenEmit *e, const char *name, const char *description, const char *units,
                SrcKind kind, SrcValueType vt, double d, int64_t i, double max, bool is_default) {
        SrcSample sm = {
                .owner = e->owner,
                .name = name,
                .description = description,
                .units = units,
                .kind = kind,
                .value_type = vt,
                .min = 0,
                .max = max,
                .is_default = is_default,
                .generation = e->generation,
        };

        if (vt == SRC_VALUE_DOUBLE)
                sm.value.d = d;
        else if (vt == SRC_VALUE_INT64)
                sm.value.i64 = i;
        return src_sink_emit(e->sink, &sm);
}

/* A busy fraction in [0, 1]; NaN means unknown. */
static int emit_fraction(XenEmit *e, const char *name, const char *description, double v) {
        return emit(e, name, description, "(fraction)", SRC_GAUGE,
                    isnan(v) ? SRC_VALUE_UNKNOWN : SRC_VALUE_DOUBLE, v, 0, 1.0, true);
}

static int emit_i64(XenEmit *e, const char *name, const char *description, const char *units,
                    SrcKind kind, bool is_known, uint64_t v, bool is_default) {
        /* Counters are int64 in xcp-rrdd; a u64 past INT64_MAX is not seen in practice. */
        int64_t i = v > (uint64_t) INT64_MAX ? INT64_MAX : (int64_t) v;
        return emit(e, name, description, units, kind,
                    is_known ? SRC_VALUE_INT64 : SRC_VALUE_UNKNOWN, 0, i, HUGE_VAL, is_default);
}

/*
 * Why CPU values are gauges the source computes, not counters: the daemon stamps every
 * sample of a tick with the tick's time, while the hypervisor's counters were read some
 * milliseconds earlier or later. A counter of busy nanoseconds turned into a rate by the RRD
 * engine would then divide by the wrong interval, and a fully busy or fully idle CPU would come
 * out at 1.0003 or -0.0002, outside [0, 1], and be archived as unknown. So the source
 * divides the busy time by the interval it measured itself, right after reading the
 * counters, clamps to [0, 1] and emits a GAUGE. Byte and request counters keep xcp-rrdd's
 * DERIVE/ABSOLUTE types: they have no upper bound to fall outside of.
 *
 * busy_ns: busy time over the interval; interval_usec: the interval. NaN when unknown.
 */
static double busy_fraction(uint64_t busy_ns, usec_t interval_usec) {
        double f;

        if (interval_usec == 0)
                return XEN_UNKNOWN;
        f = (double) busy_ns / ((double) interval_usec * 1000.0);
        return f < 0.0 ? 0.0 : f > 1.0 ? 1.0 : f;
}

/* ---- host ---- */

/*
 * Reads the pCPU idle times into x->busy: busy = 1 - Δidle / Δelapsed. A failed read leaves
 * cpuN out for this tick and starts the deltas again.
 */
static int read_pcpus(XenSource *x, const xc_physinfo_t *pi) {
        uint32_t max = pi->max_cpu_id + 1, n;
        int nr = 0;
        usec_t t, dt;
        bool has_prev;

        x->n_pcpus = 0;
        if (pi->max_cpu_id >= 65536)
                return 0;
        if (max > x->n_cpu_alloc) {
                xc_cpuinfo_t *c = realloc(x->cpuinfo, sizeof(*c) * max);
                if (!c)
                        return -ENOMEM;
                x->cpuinfo = c;
                uint64_t *p = realloc(x->idle_prev_ns, sizeof(*p) * max);
                if (!p)
                        return -ENOMEM;
                x->idle_prev_ns = p;
                double *b = realloc(x->busy, sizeof(*b) * max);
                if (!b)
                        return -ENOMEM;
                x->busy = b;
                x->n_cpu_alloc = max;
        }
        if (xc_getcpuinfo(x->xch, (int) max, x->cpuinfo, &nr) < 0 || nr < 0 ||
            (uint32_t) nr > max) {
                log_debug("xen: xc_getcpuinfo: %s, ignoring", strerror(errno));
                x->has_prev_idle = false;
                return 0;
        }
        t = xen_clock_now();
        n = (uint32_t) nr;
        /* A changed pCPU count renumbers nothing we could trust: start again. */
        has_prev = x->has_prev_idle && x->n_prev_pcpus == n && t > x->idle_prev_usec;
        dt = has_prev ? t - x->idle_prev_usec : 0;
        for (uint32_t i = 0; i < n; i++) {
                uint64_t idle = x->cpuinfo[i].idletime & XEN_TIME_MASK;

                x->busy[i] = XEN_UNKNOWN;
                if (has_prev && idle >= x->idle_prev_ns[i])
                        x->busy[i] = 1.0 - busy_fraction(idle - x->idle_prev_ns[i], dt);
                x->idle_prev_ns[i] = idle;
        }
        x->n_pcpus = n;
        x->n_prev_pcpus = n;
        x->idle_prev_usec = t;
        x->has_prev_idle = true;
        return 0;
}

static int emit_host(XenSource *x, SrcSink *sink, const xc_physinfo_t *pi, unsigned running_vcpus,
                     unsigned running_domains) {
        XenEmit e = {.sink = sink, .owner.kind = SRC_OWNER_HOST};
        double sum = 0;
        unsigned n_known = 0;
        char name[32];
        int r;

        for (uint32_t i = 0; i < x->n_pcpus; i++) {
                (void) snprintf(name, sizeof(name), "cpu%u", i);
                r = emit_fraction(&e, name, "Physical CPU busy fraction", x->busy[i]);
                if (r < 0)
                        return r;
                if (!isnan(x->busy[i])) {
                        sum += x->busy[i];
                        n_known++;
                }
        }
        if (x->n_pcpus > 0) {
                r = emit_fraction(&e, "cpu_avg", "Mean physical CPU busy fraction",
                                  n_known ? sum / n_known : XEN_UNKNOWN);
                if (r < 0)
                        return r;
        }
        r = emit_i64(&e, "memory_total_kib", "Total host memory", "KiB", SRC_GAUGE, true,
                     pi->total_pages * (XEN_PAGE_BYTES / 1024), true);
        if (r >= 0)
                r = emit_i64(&e, "memory_free_kib", "Free host memory", "KiB", SRC_GAUGE, true,
                             pi->free_pages * (XEN_PAGE_BYTES / 1024), true);
        if (r >= 0)
                r = emit_i64(&e, "running_vcpus", "vCPUs online and not blocked", "count",
                             SRC_GAUGE, true, running_vcpus, true);
        if (r >= 0)
                r = emit_i64(&e, "running_domains", "Domains not paused", "count", SRC_GAUGE, true,
                             running_domains, true);
        if (r >= 0)
                r = emit(&e, "hostload", "Running vCPUs per physical CPU", "(fraction)", SRC_GAUGE,
                         pi->nr_cpus ? SRC_VALUE_DOUBLE : SRC_VALUE_UNKNOWN,
                         pi->nr_cpus ? (double) running_vcpus / pi->nr_cpus : 0, 0, HUGE_VAL, true);
        return r;
}

/* ---- domains ---- */

static int read_domain_list(XenSource *x, size_t *ret_n) {
        uint32_t first = 0;
        size_t n = 0;

        for (;;) {
                int r;

                x->infos = grow(x->infos, &x->n_info_alloc, n + XEN_INFO_CHUNK, sizeof(*x->infos));
                if (!x->infos)
                        return -ENOMEM;
                r = xc_domain_getinfolist(x->xch, first, XEN_INFO_CHUNK, x->infos + n);
                if (r < 0)
                        return negative_errno();
                if ((unsigned) r > XEN_INFO_CHUNK)
                        return -EIO;
                n += (size_t) r;
                if ((unsigned) r < XEN_INFO_CHUNK || n == 0)
                        break;
                first = (uint32_t) x->infos[n - 1].domain + 1;
                if (first >= XEN_DOMID_LIMIT)
                        break;
        }
        *ret_n = n;
        return 0;
}

/*
 * After an ESRCH: is the domain really gone, or was it only this call that failed? Gone when
 * the list no longer starts at it; when the list itself cannot be read, we cannot tell, and
 * the domain stays.
 */
static bool domain_gone(XenSource *x, uint32_t domid) {
        xc_domaininfo_t one = {};
        int r = xc_domain_getinfolist(x->xch, domid, 1, &one);

        return r == 0 || (r > 0 && one.domain != domid);
}

/*
 * The state of a domid in this tick's list. A state that was not in the previous list read in
 * full belongs to an earlier domain with the same id (ids are reused after wrapping), or was
 * left by a failed tick: it starts afresh.
 */
static XenDom *dom_get(XenSource *x, uint32_t domid) {
        XenDom *d = x->by_domid[domid];

        if (d && d->seen_tick != x->list_tick)
                d = x->by_domid[domid] = dom_free(d);
        if (d)
                return d;
        d = calloc(1, sizeof(*d));
        if (!d)
                return NULL;
        d->domid = domid;
        x->by_domid[domid] = d;
        return d;
}

/*
 * Reads every vCPU of a domain. Counts the running ones (online and not blocked, as
 * xcp-rrdd's hostload does) into *running. A failure with ESRCH for a domain that is then
 * gone marks it vanished; any other failure only costs the domain its cpuN this tick.
 */
static int read_vcpus(XenSource *x, XenDom *d, unsigned *running) {
        const xc_domaininfo_t *info = d->info;
        uint32_t n = info->max_vcpu_id == XEN_INVALID_MAX_VCPU_ID ? 0 : info->max_vcpu_id + 1;
        unsigned n_running = 0;

        /* Keep the previous readings before this tick's overwrite them. */
        if (d->vcpus_ok) {
                uint64_t *t = d->vcpu_prev_ns;
                d->vcpu_prev_ns = d->vcpu_ns;
                d->vcpu_ns = t;
                d->n_prev_vcpus = d->n_vcpus;
                d->vcpu_prev_usec = d->vcpu_usec;
        } else
                d->n_prev_vcpus = 0;
        d->vcpus_ok = false;
        d->n_vcpus = 0;

        if (n > XEN_VCPU_LIMIT)
                return 0;
        if (n > d->n_vcpu_alloc) {
                uint64_t *a = realloc(d->vcpu_ns, sizeof(*a) * n);
                if (!a)
                        return -ENOMEM;
                d->vcpu_ns = a;
                uint64_t *b = realloc(d->vcpu_prev_ns, sizeof(*b) * n);
                if (!b)
                        return -ENOMEM;
                d->vcpu_prev_ns = b;
                d->n_vcpu_alloc = n;
        }

        for (uint32_t v = 0; v < n; v++) {
                xc_vcpuinfo_t vi = {};

                if (xc_vcpu_getinfo(x->xch, d->domid, v, &vi) < 0) {
                        int e = errno;
                        if ((e == ESRCH || e == ENOENT) && domain_gone(x, d->domid)) {
                                d->is_vanished = true;
                                return 0;
                        }
                        log_debug("xen: domain %u vCPU %u: %s, ignoring", d->domid, v, strerror(e));
                        *running += n_running;
                        return 0;
                }
                d->vcpu_ns[v] = vi.cpu_time & XEN_TIME_MASK;
                if (vi.online && !vi.blocked)
                        n_running++;
        }
        d->vcpu_usec = xen_clock_now();
        d->n_vcpus = n;
        d->vcpus_ok = true;
        *running += n_running;
        return 0;
}

/*
 * xs_read() with the error kept: returns the malloc'ed value or NULL with *ret_errno set
 * (ENOENT when the key does not exist, ENODEV when there is no xenstore connection).
 */
static char *xs_get(XenSource *x, const char *path, unsigned *ret_len, int *ret_errno) {
        char *v;

        if (!x->xsh) {
                *ret_errno = ENODEV;
                return NULL;
        }
        v = xs_read(x->xsh, XBT_NULL, path, ret_len);
        if (!v)
                *ret_errno = errno > 0 ? errno : EIO;
        return v;
}

static bool xs_get_kib(XenSource *x, const char *path, uint64_t *ret_kib) {
        unsigned len = 0;
        int e = 0, r;
        _cleanup_free_ char *v = xs_get(x, path, &len, &e);

        if (!v)
                return false;
        r = xen_parse_kib(v, len, ret_kib);
        if (r < 0) {
                log_debug("xen: %s: not a KiB value, ignoring", path);
                return false;
        }
        return true;
}

/* The uuid of the VM a domain belongs to, with xcp-rrdd's skip and migration rules. */
static void resolve_uuid(XenSource *x, XenDom *d) {
        char own[XEN_UUID_STR_LEN + 1], path[96];
        XenUuidSuffix suffix;

        (void) xen_uuid_format(d->info->handle, own);
        memcpy(d->uuid, own, sizeof(own));
        d->is_mapped = false;
        d->is_skipped = xen_uuid_is_skipped(own);
        if (d->is_skipped)
                return;

        suffix = xen_uuid_suffix(own);
        if (suffix == XEN_UUID_PLAIN)
                return;
        (void) snprintf(path, sizeof(path), "/vm/%s/%s", own,
                        suffix == XEN_UUID_MIGRATION_ORIGIN ? "origin-uuid" : "final-uuid");

        unsigned len = 0;
        int e = 0;
        _cleanup_free_ char *v = xs_get(x, path, &len, &e);
        char mapped[XEN_UUID_STR_LEN + 1];

        /* Absent (ENOENT) means "not migrating after all": the handle's own uuid stands. */
        if (!v)
                return;
        if (xen_uuid_parse(v, len, mapped) < 0) {
                log_debug("xen: %s does not hold a uuid, ignoring", path);
                return;
        }
        memcpy(d->uuid, mapped, sizeof(mapped));
        d->is_mapped = true;
        d->is_skipped = xen_uuid_is_skipped(mapped);
}

static void read_memory(XenSource *x, XenDom *d) {
        char path[96];

        d->has_target = d->has_internal_free = false;
        /* CA-34383: a paused domain's balloon figures are stale, so none are emitted. */
        if (d->is_paused)
                return;
        (void) snprintf(path, sizeof(path), "/local/domain/%u/memory/target", d->domid);
        d->has_target = xs_get_kib(x, path, &d->target_kib);

        if (d->domid != 0) {
                (void) snprintf(path, sizeof(path), "/local/domain/%u/data/meminfo_free", d->domid);
                d->has_internal_free = xs_get_kib(x, path, &d->internal_free_kib);
        } else if (x->meminfo_fd >= 0) {
                ssize_t n = pread(x->meminfo_fd, x->meminfo, sizeof(x->meminfo), 0);
                if (n > 0)
                        d->has_internal_free =
                                xen_parse_meminfo_available(x->meminfo, (size_t) n,
                                                            &d->internal_free_kib) == 0;
        }
}

/* Names a VBD once: xenstore's backend "dev" (what xcp-rrdd uses), else its device number. */
static void vbd_name(XenSource *x, uint32_t domid, unsigned type, XenVbd *vbd) {
        static const char *const backends[] = {[1] = "vbd", [2] = "tap", [3] = "qdisk"};
        char path[128];

        if (type < ELEMENTSOF(backends) && backends[type]) {
                unsigned len = 0;
                int e = 0;
                (void) snprintf(path, sizeof(path), "/local/domain/0/backend/%s/%u/%u/dev",
                                backends[type], domid, vbd->devid);
                _cleanup_free_ char *v = xs_get(x, path, &len, &e);
                if (v && xen_dev_name_parse(v, len, vbd->name) == 0)
                        return;
        }
        if (xen_vbd_name_from_devid(vbd->devid, vbd->name) < 0)
                (void) snprintf(vbd->name, sizeof(vbd->name), "%u", vbd->devid);
}

static XenVbd *vbd_get(XenSource *x, XenDom *d, uint32_t devid, unsigned type) {
        XenVbd *vbd;

        for (size_t i = 0; i < d->n_vbds; i++)
                if (d->vbds[i].devid == devid)
                        return &d->vbds[i];
        d->vbds = grow(d->vbds, &d->n_vbd_alloc, d->n_vbds + 1, sizeof(*d->vbds));
        if (!d->vbds) {
                d->n_vbds = d->n_vbd_alloc = 0;
                return NULL;
        }
        vbd = &d->vbds[d->n_vbds++];
        *vbd = (XenVbd){.devid = devid};
        vbd_name(x, d->domid, type, vbd);
        return vbd;
}

static int compare_uuid(const void *a, const void *b) {
        const XenDom *x = *(XenDom *const *) a, *y = *(XenDom *const *) b;
        int c = strcmp(x->uuid, y->uuid);

        if (c != 0)
                return c;
        /* The domain whose own handle is the uuid wins over one mapped to it. */
        if (x->is_mapped != y->is_mapped)
                return x->is_mapped ? 1 : -1;
        return x->domid < y->domid ? -1 : x->domid > y->domid;
}

/*
 * Two domains may claim one VM during a local migration (the temporary domain maps to its
 * origin). Announcing both would flip the VM's generation every tick, so only one is kept:
 * the domain whose handle is the uuid itself, else the lowest domid.
 */
static void mark_duplicates(XenSource *x) {
        size_t n = 0;

        for (size_t i = 0; i < x->n_active; i++) {
                XenDom *d = x->active[i];
                d->is_duplicate = false;
                if (!d->is_skipped)
                        x->sorted[n++] = d;
        }
        if (n < 2)
                return;
        qsort(x->sorted, n, sizeof(*x->sorted), compare_uuid);
        for (size_t i = 1; i < n; i++)
                if (strcmp(x->sorted[i]->uuid, x->sorted[i - 1]->uuid) == 0)
                        x->sorted[i]->is_duplicate = true;
}

static int emit_domain_cpus(XenEmit *e, XenDom *d, usec_t dom_usec) {
        char name[32];
        int r;

        if (d->vcpus_ok) {
                bool has_prev = d->n_prev_vcpus > 0 && d->vcpu_usec > d->vcpu_prev_usec;
                usec_t dt = has_prev ? d->vcpu_usec - d->vcpu_prev_usec : 0;

                for (uint32_t v = 0; v < d->n_vcpus; v++) {
                        double f = XEN_UNKNOWN;
                        if (has_prev && v < d->n_prev_vcpus && d->vcpu_ns[v] >= d->vcpu_prev_ns[v])
                                f = busy_fraction(d->vcpu_ns[v] - d->vcpu_prev_ns[v], dt);
                        (void) snprintf(name, sizeof(name), "cpu%u", v);
                        r = emit_fraction(e, name, "Fraction of time this vCPU ran", f);
                        if (r < 0)
                                return r;
                }
        }

        /* cpu_usage: domain CPU time over (elapsed × online vCPUs). */
        uint64_t cpu = d->info->cpu_time & XEN_TIME_MASK;
        uint32_t online = d->info->nr_online_vcpus;
        double f = XEN_UNKNOWN;

        if (d->has_prev_cpu && cpu >= d->cpu_prev_ns && dom_usec > d->cpu_prev_usec && online > 0)
                f = busy_fraction(cpu - d->cpu_prev_ns, (dom_usec - d->cpu_prev_usec) * online);
        d->has_prev_cpu = true;
        d->cpu_prev_ns = cpu;
        d->cpu_prev_usec = dom_usec;
        return emit_fraction(e, "cpu_usage", "Domain CPU usage over its online vCPUs", f);
}

static int emit_domain_memory(XenEmit *e, XenDom *d) {
        int r;

        if (d->is_paused)
                return 0;
        r = emit_i64(e, "memory", "Memory currently allocated to the domain", "B", SRC_GAUGE, true,
                     d->info->tot_pages * XEN_PAGE_BYTES, true);
        if (r >= 0 && d->has_target)
                r = emit_i64(e, "memory_target", "Balloon target", "B", SRC_GAUGE, true,
                             d->target_kib * 1024, true);
        if (r >= 0 && d->has_internal_free)
                r = emit_i64(e, "memory_internal_free", "Free memory as the guest sees it", "KiB",
                             SRC_GAUGE, true, d->internal_free_kib, true);
        return r;
}

static int emit_domain_vifs(XenEmit *e, XenDom *d) {
        char name[64];
        int r;

        for (size_t i = 0; i < d->n_vifs; i++) {
                const XenVif *v = &d->vifs[i];

                /* /proc/net/dev counts dom0's side of vif<domid>.<n>: what dom0 transmits the
                 * guest receives, so rx and tx swap to give the guest's view. */
                (void) snprintf(name, sizeof(name), "vif_%u_rx", v->devid);
                r = emit_i64(e, name, "Bytes per second received by the guest", "B/s", SRC_DERIVE,
                             true, v->tx_bytes, true);
                if (r < 0)
                        return r;
                (void) snprintf(name, sizeof(name), "vif_%u_tx", v->devid);
                r = emit_i64(e, name, "Bytes per second sent by the guest", "B/s", SRC_DERIVE, true,
                             v->rx_bytes, true);
                if (r < 0)
                        return r;
                (void) snprintf(name, sizeof(name), "vif_%u_rx_errors", v->devid);
                r = emit_i64(e, name, "Receive errors per second", "err/s", SRC_DERIVE, true,
                             v->tx_errors, false);
                if (r < 0)
                        return r;
                (void) snprintf(name, sizeof(name), "vif_%u_tx_errors", v->devid);
                r = emit_i64(e, name, "Transmit errors per second", "err/s", SRC_DERIVE, true,
                             v->rx_errors, false);
                if (r < 0)
                        return r;
        }
        return 0;
}

/* ΔABSOLUTE: the number of requests completed since the previous reading. */
static bool delta(bool has_prev, uint64_t prev, uint64_t cur, uint64_t *ret) {
        if (!has_prev || cur < prev)
                return false;
        *ret = cur - prev;
        return true;
}

/*
 * VBD counters from blkback's statistics: bytes (sectors × 512) as DERIVE and completed
 * requests per tick as ABSOLUTE, like xcp-rrdd's iostat plugin. blkback does not expose
 * request latency or in-flight requests, so vbd_<dev>_latency/inflight are not emitted.
 */
static int emit_domain_vbds(XenSource *x, XenEmit *e, XenDom *d) {
        unsigned n = xenstat_domain_num_vbds(d->stat);
        char name[XEN_DEV_NAME_MAX + 32];
        int r;

        for (unsigned i = 0; i < n; i++) {
                xenstat_vbd *sv = xenstat_domain_vbd(d->stat, i);
                XenVbd *vbd;

                if (!sv)
                        continue;
                vbd = vbd_get(x, d, xenstat_vbd_dev(sv), xenstat_vbd_type(sv));
                if (!vbd)
                        return -ENOMEM;
                vbd->seen_tick = x->tick;

                /* libxenstat flags a VBD whose statistics it could not read. */
                bool ok = !xenstat_vbd_error(sv);
                uint64_t rd = ok ? xenstat_vbd_rd_reqs(sv) : 0,
                         wr = ok ? xenstat_vbd_wr_reqs(sv) : 0;
                uint64_t d_rd = 0, d_wr = 0;
                bool has_rd = ok && delta(vbd->has_prev, vbd->prev_rd_reqs, rd, &d_rd);
                bool has_wr = ok && delta(vbd->has_prev, vbd->prev_wr_reqs, wr, &d_wr);

                vbd->has_prev = ok;
                vbd->prev_rd_reqs = rd;
                vbd->prev_wr_reqs = wr;

                (void) snprintf(name, sizeof(name), "vbd_%s_read", vbd->name);
                r = emit_i64(e, name, "Bytes per second read", "B/s", SRC_DERIVE, ok,
                             ok ? xenstat_vbd_rd_sects(sv) * XEN_SECTOR_BYTES : 0, true);
                if (r < 0)
                        return r;
                (void) snprintf(name, sizeof(name), "vbd_%s_write", vbd->name);
                r = emit_i64(e, name, "Bytes per second written", "B/s", SRC_DERIVE, ok,
                             ok ? xenstat_vbd_wr_sects(sv) * XEN_SECTOR_BYTES : 0, true);
                if (r < 0)
                        return r;
                (void) snprintf(name, sizeof(name), "vbd_%s_iops_read", vbd->name);
                r = emit_i64(e, name, "Read requests per second", "requests/s", SRC_ABSOLUTE,
                             has_rd, d_rd, true);
                if (r < 0)
                        return r;
                (void) snprintf(name, sizeof(name), "vbd_%s_iops_write", vbd->name);
                r = emit_i64(e, name, "Write requests per second", "requests/s", SRC_ABSOLUTE,
                             has_wr, d_wr, true);
                if (r < 0)
                        return r;
                (void) snprintf(name, sizeof(name), "vbd_%s_iops_total", vbd->name);
                r = emit_i64(e, name, "Requests per second", "requests/s", SRC_ABSOLUTE,
                             has_rd && has_wr, d_rd + d_wr, true);
                if (r < 0)
                        return r;
        }

        /* Forget unplugged VBDs, so a re-plugged one starts its deltas afresh. */
        size_t k = 0;
        for (size_t i = 0; i < d->n_vbds; i++)
                if (d->vbds[i].seen_tick == x->tick)
                        d->vbds[k++] = d->vbds[i];
        d->n_vbds = k;
        return 0;
}

static int emit_domain(XenSource *x, SrcSink *sink, XenDom *d, usec_t dom_usec) {
        XenEmit e = {.sink = sink, .owner.kind = SRC_OWNER_VM, .generation = d->domid};
        int r;

        memcpy(e.owner.uuid, d->uuid, sizeof(e.owner.uuid));
        /* Announced before its samples, once per tick, whatever could be read for it. */
        r = src_sink_announce(sink, &e.owner, e.generation);
        if (r < 0)
                return r;
        r = emit_domain_cpus(&e, d, dom_usec);
        if (r >= 0)
                r = emit_domain_memory(&e, d);
        if (r >= 0)
                r = emit_domain_vifs(&e, d);
        if (r >= 0 && d->stat)
                r = emit_domain_vbds(x, &e, d);
        return r;
}

static void xenstat_nodep(xenstat_node **n) {
        if (*n)
                xenstat_free_node(*n);
}

/*
 * Builds this tick's domain list from the hypervisor's, reading every domain's vCPUs, and
 * forgets the domains of the previous tick that are gone.
 */
static int collect_domains(XenSource *x, size_t n_infos, unsigned *running_vcpus,
                           unsigned *running_domains) {
        XenDom **t;
        int r;

        if (n_infos > x->n_dom_alloc) {
                XenDom **a = realloc(x->active, sizeof(*a) * n_infos);
                if (!a)
                        return -ENOMEM;
                x->active = a;
                XenDom **p = realloc(x->prev, sizeof(*p) * n_infos);
                if (!p)
                        return -ENOMEM;
                x->prev = p;
                XenDom **q = realloc(x->sorted, sizeof(*q) * n_infos);
                if (!q)
                        return -ENOMEM;
                x->sorted = q;
                x->n_dom_alloc = n_infos;
        }
        /* The previous tick's list becomes prev; this one is built in the hypervisor's (domid)
         * order. */
        t = x->prev;
        x->prev = x->active;
        x->active = t;
        x->n_prev = x->n_active;
        x->n_active = 0;

        for (size_t i = 0; i < n_infos; i++) {
                const xc_domaininfo_t *info = &x->infos[i];
                XenDom *d;

                if (info->domain >= XEN_DOMID_LIMIT ||
                    (x->n_active > 0 && info->domain <= x->active[x->n_active - 1]->domid))
                        continue; /* reserved id, or listed twice across hypercalls */
                d = dom_get(x, info->domain);
                if (!d) {
                        r = -ENOMEM;
                        goto out;
                }
                x->active[x->n_active++] = d;
                d->seen_tick = x->tick;
                d->info = info;
                d->stat = NULL;
                d->n_vifs = 0;
                d->is_vanished = d->is_skipped = d->is_duplicate = false;
                d->is_paused = info->flags & XEN_DOMINF_paused;

                r = read_vcpus(x, d, running_vcpus);
                if (r < 0)
                        goto out;
                if (!d->is_vanished && !d->is_paused)
                        (*running_domains)++;
        }
        x->list_tick = x->tick;

        for (size_t i = 0; i < x->n_prev; i++) {
                XenDom *d = x->prev[i];
                if (d->seen_tick != x->tick && x->by_domid[d->domid] == d)
                        dom_forget(x, d);
        }
        x->n_prev = 0;
        return 0;

out:
        /* Half a list is no list: forget both, so no pointer outlives a state reset later.
         * The states stay in by_domid until their id is seen again or the source closes. */
        x->n_active = x->n_prev = 0;
        return r;
}

/* A domain that vanished mid-tick leaves no state behind: its id, if reused, starts afresh. */
static void drop_vanished(XenSource *x) {
        size_t k = 0;

        for (size_t i = 0; i < x->n_active; i++) {
                XenDom *d = x->active[i];
                if (d->is_vanished)
                        dom_forget(x, d);
                else
                        x->active[k++] = d;
        }
        x->n_active = k;
}

/* Adds one /proc/net/dev interface to its domain, if the domain is resident this tick. */
static int add_vif(const XenNetdev *nd, void *userdata) {
        XenSource *x = userdata;
        XenDom *d = nd->domid < XEN_DOMID_LIMIT ? x->by_domid[nd->domid] : NULL;
        XenVif *v = NULL;

        if (!d || d->seen_tick != x->tick)
                return 0;
        for (size_t i = 0; i < d->n_vifs; i++)
                if (d->vifs[i].devid == nd->devid)
                        v = &d->vifs[i];
        if (!v) {
                if (d->n_vifs == d->n_vif_alloc) {
                        size_t n = d->n_vif_alloc ? d->n_vif_alloc * 2 : 2;
                        XenVif *a = realloc(d->vifs, n * sizeof(*a));
                        if (!a)
                                return -ENOMEM;
                        d->vifs = a;
                        d->n_vif_alloc = n;
                }
                v = &d->vifs[d->n_vifs++];
                *v = (XenVif){.devid = nd->devid};
        }
        /* An HVM guest's emulated NIC and its PV vif are one device to the guest. */
        v->rx_bytes += nd->rx_bytes;
        v->rx_errors += nd->rx_errors;
        v->tx_bytes += nd->tx_bytes;
        v->tx_errors += nd->tx_errors;
        return 0;
}

/* Reads dom0's /proc/net/dev whole (it grows by a line per guest NIC) and hands out its vifs. */
static int read_vifs(XenSource *x) {
        size_t len = 0;

        if (x->netdev_fd < 0)
                return 0;
        if (lseek(x->netdev_fd, 0, SEEK_SET) < 0)
                return 0;
        for (;;) {
                ssize_t n;

                if (len + 4096 > x->netdev_size) {
                        size_t size = x->netdev_size ? x->netdev_size * 2 : 65536;
                        char *b = realloc(x->netdev, size);
                        if (!b)
                                return -ENOMEM;
                        x->netdev = b;
                        x->netdev_size = size;
                }
                n = read(x->netdev_fd, x->netdev + len, x->netdev_size - len);
                if (n < 0) {
                        log_debug("xen: reading /proc/net/dev: %s, ignoring", strerror(errno));
                        return 0;
                }
                if (n == 0)
                        break;
                len += (size_t) n;
        }
        return xen_netdev_parse(x->netdev, len, add_vif, x);
}

/*
 * One tick. @now (the daemon's tick time) is not used: CPU fractions divide by the source's
 * own clock, read next to each hypervisor reading (see busy_fraction()).
 */
static int xen_sample(SrcInstance *s, usec_t now, SrcSink *sink) {
        XenSource *x = src_get_data(s);
        xc_physinfo_t pi = {};
        _cleanup_(xenstat_nodep) xenstat_node *node = NULL;
        unsigned running_vcpus = 0, running_domains = 0;
        size_t n_infos = 0;
        usec_t dom_usec;
        int r;

        /* Everything is read first and emitted after, so a tick that fails emits nothing. */
        x->tick++;
        if (xc_physinfo(x->xch, &pi) < 0)
                return negative_errno();
        r = read_pcpus(x, &pi);
        if (r < 0)
                return r;
        r = read_domain_list(x, &n_infos);
        if (r < 0)
                return r;
        dom_usec = xen_clock_now();
        r = collect_domains(x, n_infos, &running_vcpus, &running_domains);
        if (r < 0)
                return r;
        drop_vanished(x);
        r = read_vifs(x);
        if (r < 0)
                return r;

        if (x->stath) {
                node = xenstat_get_node(x->stath, XENSTAT_VBD);
                if (!node)
                        log_debug("xen: xenstat_get_node failed, no VBD values, ignoring");
        }
        /* Pair libxenstat's domains with ours by domid, in one pass over its list. */
        if (node) {
                unsigned n = xenstat_node_num_domains(node);
                for (unsigned i = 0; i < n; i++) {
                        xenstat_domain *sd = xenstat_node_domain_by_index(node, i);
                        XenDom *d;
                        unsigned id;

                        if (!sd)
                                continue;
                        id = xenstat_domain_id(sd);
                        d = id < XEN_DOMID_LIMIT ? x->by_domid[id] : NULL;
                        if (d && d->seen_tick == x->tick)
                                d->stat = sd;
                }
        }

        for (size_t i = 0; i < x->n_active; i++) {
                XenDom *d = x->active[i];
                resolve_uuid(x, d);
                if (!d->is_skipped)
                        read_memory(x, d);
        }
        mark_duplicates(x);

        r = emit_host(x, sink, &pi, running_vcpus, running_domains);
        if (r < 0)
                return r;
        for (size_t i = 0; i < x->n_active; i++) {
                XenDom *d = x->active[i];
                if (d->is_skipped || d->is_duplicate)
                        continue;
                r = emit_domain(x, sink, d, dom_usec);
                if (r < 0)
                        return r;
        }
        return 0;
}

const SrcOps src_xen = {
        .name = "xen",
        .open = xen_open,
        .sample = xen_sample,
        .close = xen_close,
};
