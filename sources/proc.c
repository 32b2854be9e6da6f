/* SPDX-License-Identifier: MIT */
/*
 * The "proc" source. Reads /proc/stat, /proc/meminfo, /proc/net/dev and /proc/loadavg below
 * cfg->proc_root through descriptors kept open across ticks (pread at offset 0 saves a third
 * to three quarters of open+read+close on these small files), and /sys/class/net to tell
 * physical NICs from the rest. CPU busy fractions are computed here from jiffy deltas between
 * our own samples.
 */

#include "sources/proc.h"

#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "rrdd/macro.h"
#include "sources/proc-parse.h"
#include "sources/registry-list.h"

/* The files read each tick; /proc/stat is the one whose absence means "not Linux". */
typedef enum ProcFileId {
        PROC_FILE_STAT,
        PROC_FILE_MEMINFO,
        PROC_FILE_NETDEV,
        PROC_FILE_LOADAVG,
        _PROC_FILE_MAX,
} ProcFileId;

static const char *const proc_file_paths[_PROC_FILE_MAX] = {
        [PROC_FILE_STAT] = "proc/stat",
        [PROC_FILE_MEMINFO] = "proc/meminfo",
        [PROC_FILE_NETDEV] = "proc/net/dev",
        [PROC_FILE_LOADAVG] = "proc/loadavg",
};

/* No /proc file we read comes close; /proc/stat of a 8192-CPU host is about 1 MiB. */
#define PROC_FILE_SIZE_MAX (16u * 1024 * 1024)
#define PROC_FILE_SIZE_INITIAL 4096u
/* Interfaces are classified again this often (in samples), to notice a NIC joining a bond. */
#define PROC_RECLASSIFY_SAMPLES 60
/* An interface missing from /proc/net/dev for this many samples is forgotten. */
#define PROC_IFACE_FORGET_SAMPLES 60

typedef struct ProcFile {
        int fd;         /* kept open; -1 until opened, or after an error (reopened next time) */
        bool is_absent; /* ENOENT at open: this host has no such file, not retried */
        char *buf;
        size_t size; /* allocated bytes of buf */
        size_t len;  /* bytes read last time */
} ProcFile;

typedef struct ProcIface {
        char name[PROC_IFNAME_MAX + 1];
        ProcPifClass cls;
        bool has_last;
        uint64_t last_rx_bytes;
        uint64_t last_tx_bytes;
        uint64_t seen_at; /* n_samples when last read from /proc/net/dev */
} ProcIface;

typedef struct Proc {
        bool host_from_xen;   /* cpu and memory come from the xen source */
        int root_fd;          /* O_PATH descriptor of proc_root */
        int sys_class_net_fd; /* O_PATH descriptor of sys/class/net, -1 when absent */
        ProcFile files[_PROC_FILE_MAX];
        uint64_t n_samples;

        ProcStat stat;
        ProcCpuTimes *prev_cpus; /* the previous good reading, sorted by index */
        size_t n_prev_cpus;
        size_t n_prev_alloc;

        ProcNetDevList netdev;
        ProcIface *ifaces; /* every interface seen recently, sorted by name */
        size_t n_ifaces;
        size_t n_ifaces_alloc;
        bool has_aggr;
        uint64_t aggr_rx_bytes; /* counters the source keeps itself, see sample_net() */
        uint64_t aggr_tx_bytes;
} Proc;

static Proc *proc_free(Proc *p) {
        if (!p)
                return NULL;
        for (size_t i = 0; i < _PROC_FILE_MAX; i++) {
                if (p->files[i].fd >= 0)
                        (void) close(p->files[i].fd);
                free(p->files[i].buf);
        }
        if (p->sys_class_net_fd >= 0)
                (void) close(p->sys_class_net_fd);
        if (p->root_fd >= 0)
                (void) close(p->root_fd);
        proc_stat_deinit(&p->stat);
        free(p->prev_cpus);
        proc_netdev_list_deinit(&p->netdev);
        free(p->ifaces);
        free(p);
        return NULL;
}
DEFINE_FREEP(Proc, proc_free)

static int proc_new(Proc **ret, const char *root) {
        _cleanup_(proc_freep) Proc *p = NULL;

        p = calloc(1, sizeof(*p));
        if (!p)
                return -ENOMEM;
        p->root_fd = p->sys_class_net_fd = -1;
        for (size_t i = 0; i < _PROC_FILE_MAX; i++)
                p->files[i].fd = -1;
        proc_stat_init(&p->stat);
        proc_netdev_list_init(&p->netdev);

        p->root_fd = open(root, O_PATH | O_DIRECTORY | O_CLOEXEC);
        if (p->root_fd < 0)
                return -errno;
        for (size_t i = 0; i < _PROC_FILE_MAX; i++) {
                ProcFile *f = &p->files[i];

                f->buf = malloc(PROC_FILE_SIZE_INITIAL);
                if (!f->buf)
                        return -ENOMEM;
                f->size = PROC_FILE_SIZE_INITIAL;
                f->fd = openat(p->root_fd, proc_file_paths[i], O_RDONLY | O_CLOEXEC);
                if (f->fd < 0 && errno == ENOENT) {
                        /* Without /proc/stat this is not a Linux /proc: the source is absent. */
                        if (i == PROC_FILE_STAT)
                                return -ENODEV;
                        f->is_absent = true;
                }
                /* Other errors are retried at each sample. */
        }
        p->sys_class_net_fd = openat(p->root_fd, "sys/class/net", O_PATH | O_DIRECTORY | O_CLOEXEC);
        *ret = TAKE_PTR(p);
        return 0;
}

/* Reads the whole file at offset 0 into f->buf, growing it as needed. */
static int pread_whole(ProcFile *f) {
        size_t off = 0;

        for (;;) {
                ssize_t n = pread(f->fd, f->buf + off, f->size - off, (off_t) off);
                if (n < 0) {
                        if (errno == EINTR)
                                continue;
                        return -errno;
                }
                if (n == 0)
                        break;
                off += (size_t) n;
                if (off == f->size) {
                        char *b;
                        if (f->size >= PROC_FILE_SIZE_MAX)
                                return -EFBIG;
                        b = realloc(f->buf, f->size * 2);
                        if (!b)
                                return -ENOMEM;
                        f->buf = b;
                        f->size *= 2;
                }
        }
        f->len = off;
        return 0;
}

/*
 * Refreshes one file's text. A failed read closes the descriptor and tries once more on a fresh
 * one (a /proc file can go stale, e.g. after a network namespace change); if that fails too the
 * next tick tries again.
 */
static int proc_file_read(Proc *p, ProcFileId id) {
        ProcFile *f = &p->files[id];
        int r = -EIO;

        if (f->is_absent)
                return -ENOENT;
        for (int attempt = 0; attempt < 2; attempt++) {
                if (f->fd < 0) {
                        f->fd = openat(p->root_fd, proc_file_paths[id], O_RDONLY | O_CLOEXEC);
                        if (f->fd < 0)
                                return -errno;
                }
                r = pread_whole(f);
                if (r >= 0 || r == -ENOMEM)
                        return r;
                (void) close(f->fd);
                f->fd = -1;
        }
        return r;
}

static bool has_prefix(const char *s, const char *prefix) {
        return strncmp(s, prefix, strlen(prefix)) == 0;
}

static bool sys_exists(int dir_fd, const char *dev, const char *leaf) {
        char path[PROC_IFNAME_MAX + 32];

        (void) snprintf(path, sizeof(path), "%s/%s", dev, leaf);
        return faccessat(dir_fd, path, F_OK, 0) == 0;
}

/**
 * proc_pif_classify() - decide whether an interface is a physical one ("pif").
 * @sys_class_net_fd: directory descriptor of /sys/class/net (under proc_root), or -1.
 * @dev: interface name as /proc/net/dev spells it (already validated).
 *
 * The rule, first match wins:
 *  1. "lo", names starting with "vif" or "tap" (Xen netback and qemu devices carrying guest
 *     traffic; netback vifs even have a device link, to the xen-backend bus) and names with a
 *     '.' (VLANs, whose traffic their parent NIC already counts) are not pifs;
 *  2. a kernel bond (<dev>/bonding exists) is a pif;
 *  3. an interface backed by a bus device (<dev>/device exists: PCI, USB, virtio, netfront) is
 *     a pif, flagged as a bond member when <dev>/bonding_slave exists;
 *  4. anything else (bridges, veth, tun/tap, dummy, Open vSwitch internal ports) is not.
 * Without /sys nothing is a pif.
 *
 * Return: the class.
 */
ProcPifClass proc_pif_classify(int sys_class_net_fd, const char *dev) {
        if (strcmp(dev, "lo") == 0 || has_prefix(dev, "vif") || has_prefix(dev, "tap") ||
            strchr(dev, '.'))
                return PROC_PIF_NONE;
        if (sys_class_net_fd < 0)
                return PROC_PIF_NONE;
        if (sys_exists(sys_class_net_fd, dev, "bonding"))
                return PROC_PIF;
        if (sys_exists(sys_class_net_fd, dev, "device"))
                return sys_exists(sys_class_net_fd, dev, "bonding_slave") ? PROC_PIF_BOND_MEMBER
                                                                          : PROC_PIF;
        return PROC_PIF_NONE;
}

static const SrcOwner host_owner = {.kind = SRC_OWNER_HOST};

static int emit_fraction(SrcSink *sink, const char *name, const char *desc, bool is_known,
                         double v) {
        SrcSample smp = {
                .owner = host_owner,
                .name = name,
                .description = desc,
                .units = "(fraction)",
                .kind = SRC_GAUGE,
                .value_type = is_known ? SRC_VALUE_DOUBLE : SRC_VALUE_UNKNOWN,
                .value.d = is_known ? v : 0.0,
                .min = 0.0,
                .max = 1.0,
                .is_default = true,
        };
        return src_sink_emit(sink, &smp);
}

static int emit_kib(SrcSink *sink, const char *name, const char *desc, bool is_known,
                    uint64_t kib) {
        bool ok = is_known && kib <= (uint64_t) INT64_MAX;
        SrcSample smp = {
                .owner = host_owner,
                .name = name,
                .description = desc,
                .units = "KiB",
                .kind = SRC_GAUGE,
                .value_type = ok ? SRC_VALUE_INT64 : SRC_VALUE_UNKNOWN,
                .value.i64 = ok ? (int64_t) kib : 0,
                .min = 0.0,
                .max = (double) INFINITY,
                .is_default = true,
        };
        return src_sink_emit(sink, &smp);
}

static int emit_counter(SrcSink *sink, const char *name, const char *desc, const char *units,
                        bool is_default, bool is_known, uint64_t v) {
        SrcSample smp = {
                .owner = host_owner,
                .name = name,
                .description = desc,
                .units = units,
                .kind = SRC_DERIVE,
                .value_type = is_known ? SRC_VALUE_UINT64 : SRC_VALUE_UNKNOWN,
                .value.u64 = is_known ? v : 0,
                .min = 0.0,
                .max = (double) INFINITY,
                .is_default = is_default,
        };
        return src_sink_emit(sink, &smp);
}

static void keep_first_error(int *r, int k) {
        if (k < 0 && *r >= 0)
                *r = k;
}

/*
 * Busy jiffies and total jiffies of one CPU between two readings; false when either is missing
 * or a counter went backwards (garbage, or idle time re-based across a hotplug).
 */
static bool cpu_delta(const ProcCpuTimes *prev, const ProcCpuTimes *cur, uint64_t *ret_busy,
                      uint64_t *ret_total) {
        uint64_t prev_busy, cur_busy;

        if (!prev || !cur)
                return false;
        prev_busy = prev->total_jiffies - prev->idle_jiffies;
        cur_busy = cur->total_jiffies - cur->idle_jiffies;
        if (cur->total_jiffies <= prev->total_jiffies || cur->idle_jiffies < prev->idle_jiffies ||
            cur_busy < prev_busy)
                return false;
        *ret_busy = cur_busy - prev_busy;
        *ret_total = cur->total_jiffies - prev->total_jiffies;
        return true;
}

static int emit_cpu(SrcSink *sink, uint32_t index, bool is_known, double v) {
        char name[32], desc[64];

        (void) snprintf(name, sizeof(name), "cpu%" PRIu32, index);
        (void) snprintf(desc, sizeof(desc), "Fraction of time CPU %" PRIu32 " was busy", index);
        return emit_fraction(sink, name, desc, is_known, v);
}

static const char cpu_avg_desc[] = "Fraction of the online CPUs' time spent busy";

/*
 * cpuN: Δbusy/Δtotal of that CPU between this reading and the previous one, busy being all
 * jiffies but idle and iowait. cpu_avg: Σ Δbusy / Σ Δtotal over the CPUs with a fraction this
 * time, i.e. the share of all online CPU time that was busy. A CPU absent from the previous
 * reading (first sample, or just brought online) reads unknown once: its counters may have
 * been re-based while offline. An offline CPU is simply not emitted.
 */
static int sample_cpu(Proc *p, SrcSink *sink) {
        ProcStat *st = &p->stat;
        uint64_t sum_busy = 0, sum_total = 0;
        size_t j = 0;
        int r, k = 0;

        r = proc_file_read(p, PROC_FILE_STAT);
        if (r >= 0)
                r = proc_stat_parse(st, p->files[PROC_FILE_STAT].buf, p->files[PROC_FILE_STAT].len);
        if (r < 0) {
                /* Keep the last good reading: the next delta then spans the gap, still right. */
                for (size_t i = 0; i < p->n_prev_cpus; i++)
                        keep_first_error(&k, emit_cpu(sink, p->prev_cpus[i].index, false, 0.0));
                keep_first_error(&k, emit_fraction(sink, "cpu_avg", cpu_avg_desc, false, 0.0));
                return k < 0 ? k : r;
        }

        for (size_t i = 0; i < st->n_cpus; i++) {
                const ProcCpuTimes *cur = &st->cpus[i], *prev = NULL;
                uint64_t busy, total;
                bool ok;

                /* Both lists are sorted by index: match by CPU number, never by position. */
                while (j < p->n_prev_cpus && p->prev_cpus[j].index < cur->index)
                        j++;
                if (j < p->n_prev_cpus && p->prev_cpus[j].index == cur->index)
                        prev = &p->prev_cpus[j];
                ok = cpu_delta(prev, cur, &busy, &total);
                if (ok && sum_total <= UINT64_MAX - total) {
                        sum_busy += busy;
                        sum_total += total;
                }
                keep_first_error(&k, emit_cpu(sink, cur->index, ok,
                                              ok ? (double) busy / (double) total : 0.0));
        }
        keep_first_error(
                &k, emit_fraction(sink, "cpu_avg", cpu_avg_desc, sum_total > 0,
                                  sum_total > 0 ? (double) sum_busy / (double) sum_total : 0.0));

        if (st->n_cpus > p->n_prev_alloc) {
                ProcCpuTimes *a = reallocarray(p->prev_cpus, st->n_cpus, sizeof(*a));
                if (!a)
                        return -ENOMEM;
                p->prev_cpus = a;
                p->n_prev_alloc = st->n_cpus;
        }
        if (st->n_cpus > 0)
                memcpy(p->prev_cpus, st->cpus, st->n_cpus * sizeof(*st->cpus));
        p->n_prev_cpus = st->n_cpus;
        return k;
}

static int sample_loadavg(Proc *p, SrcSink *sink) {
        ProcFile *f = &p->files[PROC_FILE_LOADAVG];
        double v = 0.0;
        int r, k;

        if (f->is_absent)
                return 0;
        r = proc_file_read(p, PROC_FILE_LOADAVG);
        if (r >= 0)
                r = proc_loadavg_parse(&v, f->buf, f->len);
        k = src_sink_emit(sink, &(SrcSample){
                                        .owner = host_owner,
                                        .name = "loadavg",
                                        .description = "Load average over the last minute",
                                        .units = "(fraction)",
                                        .kind = SRC_GAUGE,
                                        .value_type = r >= 0 ? SRC_VALUE_DOUBLE : SRC_VALUE_UNKNOWN,
                                        .value.d = v,
                                        .min = 0.0,
                                        .max = (double) INFINITY,
                                        .is_default = true,
                                });
        return r < 0 ? r : k;
}

/*
 * memory_free_kib is MemAvailable: what can be handed to new work without swapping, counting
 * the page cache and reclaimable slab the kernel gives back on demand. MemFree leaves those
 * out, so on a busy Linux host it drifts towards zero and would make the host look full. Xen's
 * free pages (xcp-rrdd's meaning of this name) are likewise memory a new guest can have, and
 * xcp-rrdd uses MemAvailable for dom0's own free memory. Kernels before 3.14 lack MemAvailable;
 * there MemFree is the best there is, but only when the file was read whole, so a truncated
 * read never switches the meaning.
 */
static int sample_memory(Proc *p, SrcSink *sink) {
        ProcFile *f = &p->files[PROC_FILE_MEMINFO];
        ProcMeminfo m = {};
        uint64_t free_kib = 0;
        bool has_free = false;
        int r, k = 0;

        if (f->is_absent)
                return 0;
        r = proc_file_read(p, PROC_FILE_MEMINFO);
        if (r >= 0)
                r = proc_meminfo_parse(&m, f->buf, f->len);
        if (r >= 0 && m.has_available) {
                free_kib = m.available_kib;
                has_free = true;
        } else if (r >= 0 && m.has_free && m.is_complete) {
                free_kib = m.free_kib;
                has_free = true;
        }
        keep_first_error(&k, emit_kib(sink, "memory_total_kib", "Total memory of the host",
                                      m.has_total, m.total_kib));
        keep_first_error(&k, emit_kib(sink, "memory_free_kib",
                                      "Memory available for new work (MemAvailable)", has_free,
                                      free_kib));
        return r < 0 ? r : k;
}

static int iface_cmp(const void *key, const void *elem) {
        return strcmp(key, ((const ProcIface *) elem)->name);
}

/* The state of interface `name`, created (and classified) on first sight. */
static ProcIface *iface_get(Proc *p, const char *name) {
        size_t lo = 0, hi = p->n_ifaces;
        ProcIface *f;

        while (lo < hi) {
                size_t mid = lo + (hi - lo) / 2;
                int c = iface_cmp(name, &p->ifaces[mid]);
                if (c == 0)
                        return &p->ifaces[mid];
                if (c < 0)
                        hi = mid;
                else
                        lo = mid + 1;
        }
        if (p->n_ifaces == p->n_ifaces_alloc) {
                size_t n = p->n_ifaces_alloc ? p->n_ifaces_alloc * 2 : 16;
                ProcIface *a = reallocarray(p->ifaces, n, sizeof(*a));
                if (!a)
                        return NULL;
                p->ifaces = a;
                p->n_ifaces_alloc = n;
        }
        f = &p->ifaces[lo];
        memmove(f + 1, f, (p->n_ifaces - lo) * sizeof(*f));
        p->n_ifaces++;
        *f = (ProcIface){.cls = proc_pif_classify(p->sys_class_net_fd, name)};
        (void) snprintf(f->name, sizeof(f->name), "%s", name);
        return f;
}

static void ifaces_reclassify(Proc *p) {
        if (p->sys_class_net_fd < 0)
                p->sys_class_net_fd =
                        openat(p->root_fd, "sys/class/net", O_PATH | O_DIRECTORY | O_CLOEXEC);
        for (size_t i = 0; i < p->n_ifaces; i++)
                p->ifaces[i].cls = proc_pif_classify(p->sys_class_net_fd, p->ifaces[i].name);
}

static void ifaces_forget_old(Proc *p) {
        size_t n = 0;

        for (size_t i = 0; i < p->n_ifaces; i++)
                if (p->n_samples - p->ifaces[i].seen_at < PROC_IFACE_FORGET_SAMPLES)
                        p->ifaces[n++] = p->ifaces[i];
        p->n_ifaces = n;
}

static int emit_pif(SrcSink *sink, const char *dev, bool is_known, const ProcNetDev *d) {
        static const struct {
                const char *suffix;
                const char *units;
                const char *what;
                bool is_default;
                size_t offset;
        } fields[] = {
                {"rx", "B/s", "Bytes received", true, offsetof(ProcNetDev, rx_bytes)},
                {"tx", "B/s", "Bytes sent", true, offsetof(ProcNetDev, tx_bytes)},
                {"rx_errors", "err/s", "Receive errors", false, offsetof(ProcNetDev, rx_errors)},
                {"tx_errors", "err/s", "Transmit errors", false, offsetof(ProcNetDev, tx_errors)},
        };
        int k = 0;

        for (size_t i = 0; i < ELEMENTSOF(fields); i++) {
                char name[64], desc[96];
                uint64_t v = d ? *(const uint64_t *) ((const char *) d + fields[i].offset) : 0;

                (void) snprintf(name, sizeof(name), "pif_%s_%s", dev, fields[i].suffix);
                (void) snprintf(desc, sizeof(desc), "%s on physical interface %s", fields[i].what,
                                dev);
                keep_first_error(&k, emit_counter(sink, name, desc, fields[i].units,
                                                  fields[i].is_default, is_known, v));
        }
        return k;
}

static int emit_aggr(Proc *p, SrcSink *sink, bool is_known) {
        int k = 0;

        is_known = is_known && p->has_aggr;
        keep_first_error(&k, emit_counter(sink, "pif_aggr_rx",
                                          "Bytes received on all physical interfaces", "B/s", true,
                                          is_known, p->aggr_rx_bytes));
        keep_first_error(&k,
                         emit_counter(sink, "pif_aggr_tx", "Bytes sent on all physical interfaces",
                                      "B/s", true, is_known, p->aggr_tx_bytes));
        return k;
}

/* What a byte counter added since the last reading; a smaller value means it was reset. */
static uint64_t counter_advance(uint64_t last, uint64_t now) {
        return now >= last ? now - last : now;
}

/*
 * pif_<dev>_* are the kernel's counters as they are. pif_aggr_rx/tx are counters this source
 * keeps: they start at the sum over the pifs of the first reading and then grow by each pif's
 * advance between readings. So a NIC that appears or leaves the set (hotplug, reclassification)
 * changes the aggregate's rate, never makes it jump, and bond members are left out because
 * their bond already counts their traffic.
 */
static int sample_net(Proc *p, SrcSink *sink) {
        ProcFile *f = &p->files[PROC_FILE_NETDEV];
        bool is_first = !p->has_aggr;
        int r, k = 0;

        if (f->is_absent)
                return 0;
        if (p->n_samples % PROC_RECLASSIFY_SAMPLES == 0)
                ifaces_reclassify(p);
        r = proc_file_read(p, PROC_FILE_NETDEV);
        if (r >= 0)
                r = proc_netdev_parse(&p->netdev, f->buf, f->len);
        if (r < 0) {
                for (size_t i = 0; i < p->n_ifaces; i++)
                        if (p->ifaces[i].cls != PROC_PIF_NONE &&
                            p->ifaces[i].seen_at + 1 == p->n_samples)
                                keep_first_error(&k,
                                                 emit_pif(sink, p->ifaces[i].name, false, NULL));
                keep_first_error(&k, emit_aggr(p, sink, false));
                return k < 0 ? k : r;
        }

        for (size_t i = 0; i < p->netdev.n_devs; i++) {
                const ProcNetDev *d = &p->netdev.devs[i];
                ProcIface *fc = iface_get(p, d->name);

                if (!fc)
                        return -ENOMEM;
                if (fc->seen_at == p->n_samples)
                        continue; /* a repeated line: garbage */
                fc->seen_at = p->n_samples;
                if (fc->cls == PROC_PIF_NONE)
                        continue;
                keep_first_error(&k, emit_pif(sink, d->name, true, d));
                if (fc->cls == PROC_PIF) {
                        if (is_first) {
                                p->aggr_rx_bytes += d->rx_bytes;
                                p->aggr_tx_bytes += d->tx_bytes;
                        } else if (fc->has_last) {
                                p->aggr_rx_bytes += counter_advance(fc->last_rx_bytes, d->rx_bytes);
                                p->aggr_tx_bytes += counter_advance(fc->last_tx_bytes, d->tx_bytes);
                        }
                }
                fc->last_rx_bytes = d->rx_bytes;
                fc->last_tx_bytes = d->tx_bytes;
                fc->has_last = true;
        }
        p->has_aggr = true;
        keep_first_error(&k, emit_aggr(p, sink, true));
        ifaces_forget_old(p);
        return k;
}

static int proc_open(SrcInstance *s, const SrcConfig *cfg) {
        Proc *p = NULL;
        int r;

        r = proc_new(&p, cfg && cfg->proc_root ? cfg->proc_root : "/");
        if (r < 0)
                return r;
        p->host_from_xen = cfg && cfg->host_from_xen;
        src_set_data(s, p);
        return 0;
}

static int proc_sample(SrcInstance *s, usec_t now, SrcSink *sink) {
        Proc *p = src_get_data(s);
        int r = 0;

        /* Starts at 1, so that seen_at == 0 means "never". */
        p->n_samples++;
        if (!p->host_from_xen)
                keep_first_error(&r, sample_cpu(p, sink));
        keep_first_error(&r, sample_loadavg(p, sink));
        if (!p->host_from_xen)
                keep_first_error(&r, sample_memory(p, sink));
        keep_first_error(&r, sample_net(p, sink));
        return r;
}

static void proc_close(SrcInstance *s) {
        proc_free(src_get_data(s));
        src_set_data(s, NULL);
}

const SrcOps src_proc = {
        .name = "proc",
        .open = proc_open,
        .sample = proc_sample,
        .close = proc_close,
};
