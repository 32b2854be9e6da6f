/* SPDX-License-Identifier: MIT */
/*
 * The "sim" source. A file named by a canonical lowercase uuid in cfg->sim_dir is a running
 * VM; deleting it halts the VM, moving it to another daemon's sim_dir migrates it, and
 * rewriting it with a new "domid=N" reboots it (a new generation). The directory is watched
 * with inotify, so an idle tick costs one non-blocking read; without inotify it is rescanned
 * every tick. Values come from sim-model.c and depend only on (seed, uuid, time).
 */

#include "sources/sim.h"

#include <dirent.h>
#include <fcntl.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/inotify.h>
#include <sys/stat.h>
#include <unistd.h>

#include "rrdd/macro.h"
#include "sources/registry-list.h"
#include "sources/sim-model.h"

/* Events that can change which VMs run or their domid. */
#define SIM_WATCH_MASK                                                                      \
        (IN_CREATE | IN_DELETE | IN_MOVED_FROM | IN_MOVED_TO | IN_CLOSE_WRITE | IN_MODIFY | \
         IN_ATTRIB | IN_DELETE_SELF | IN_MOVE_SELF | IN_ONLYDIR)

typedef struct SimVm {
        char uuid[SRC_UUID_LEN + 1];
        uint64_t generation; /* the domid from the file; 0 when it names none */
        SimVmModel model;
        /* The iops are per-tick differences of request counters: the previous reading. */
        bool has_last_requests;
        uint64_t last_requests[SIM_N_VBDS][2];
        /* The file as last read, so a rescan re-reads only what changed. */
        dev_t dev;
        ino_t ino;
        struct timespec mtime;
        off_t size;
        bool is_marked; /* seen by the rescan in progress */
} SimVm;

typedef struct Sim {
        uint64_t seed;
        char *dir;         /* NULL: the VMs live in memory only */
        int dir_fd;        /* the directory as of the last full scan */
        int inotify_fd;    /* -1 when inotify is unavailable: rescan every tick */
        int wd;            /* the watch on dir, -1 when lost */
        dev_t watched_dev; /* the directory the watch is on */
        ino_t watched_ino;
        bool need_rescan;
        SimVm **vms; /* sorted by uuid */
        size_t n_vms;
        size_t n_alloc;
} Sim;

static SimVm *sim_vm_free(SimVm *vm) {
        free(vm);
        return NULL;
}
DEFINE_FREEP(SimVm, sim_vm_free)

static Sim *sim_free(Sim *sim) {
        if (!sim)
                return NULL;
        for (size_t i = 0; i < sim->n_vms; i++)
                sim_vm_free(sim->vms[i]);
        free(sim->vms);
        if (sim->inotify_fd >= 0)
                (void) close(sim->inotify_fd);
        if (sim->dir_fd >= 0)
                (void) close(sim->dir_fd);
        free(sim->dir);
        free(sim);
        return NULL;
}
DEFINE_FREEP(Sim, sim_free)

/**
 * sim_vm_file_parse() - read the domid from a VM file's text.
 * @buf: the text, @len bytes, not NUL-terminated; lines of "key=value", blanks allowed around
 *       both; unknown keys are ignored.
 * @ret_domid: the value of the first "domid" line.
 *
 * Return: 0, -ENODATA when no line names a domid, -EBADMSG when the domid is not a decimal
 * number below 2^32.
 */
int sim_vm_file_parse(const char *buf, size_t len, uint32_t *ret_domid) {
        size_t pos = 0;

        while (pos < len) {
                const char *line = buf + pos, *nl = memchr(line, '\n', len - pos);
                size_t n = nl ? (size_t) (nl - line) : len - pos, i = 0;
                uint64_t v = 0;

                pos += n + 1;
                while (i < n && (line[i] == ' ' || line[i] == '\t'))
                        i++;
                if (n - i < 5 || memcmp(line + i, "domid", 5) != 0)
                        continue;
                i += 5;
                while (i < n && (line[i] == ' ' || line[i] == '\t'))
                        i++;
                if (i == n || line[i] != '=')
                        continue;
                i++;
                while (i < n && (line[i] == ' ' || line[i] == '\t'))
                        i++;
                if (i == n || line[i] < '0' || line[i] > '9')
                        return -EBADMSG;
                for (; i < n && line[i] >= '0' && line[i] <= '9'; i++) {
                        v = v * 10 + (uint64_t) (line[i] - '0');
                        if (v > UINT32_MAX)
                                return -EBADMSG;
                }
                while (i < n && (line[i] == ' ' || line[i] == '\t' || line[i] == '\r'))
                        i++;
                if (i != n)
                        return -EBADMSG;
                *ret_domid = (uint32_t) v;
                return 0;
        }
        return -ENODATA;
}

static int vm_cmp(const void *key, const void *elem) {
        return strcmp(key, (*(SimVm *const *) elem)->uuid);
}

/* Index of uuid in sim->vms, or where it would go (*ret_found false). */
static size_t vm_find(const Sim *sim, const char *uuid, bool *ret_found) {
        size_t lo = 0, hi = sim->n_vms;

        while (lo < hi) {
                size_t mid = lo + (hi - lo) / 2;
                int c = vm_cmp(uuid, &sim->vms[mid]);
                if (c == 0) {
                        *ret_found = true;
                        return mid;
                }
                if (c < 0)
                        hi = mid;
                else
                        lo = mid + 1;
        }
        *ret_found = false;
        return lo;
}

static int vm_add(Sim *sim, const char *uuid, uint64_t generation, SimVm **ret) {
        _cleanup_(sim_vm_freep) SimVm *vm = NULL;
        bool found;
        size_t i = vm_find(sim, uuid, &found);

        if (found) {
                *ret = sim->vms[i];
                return 0;
        }
        if (sim->n_vms == sim->n_alloc) {
                size_t n = sim->n_alloc ? sim->n_alloc * 2 : 16;
                SimVm **a = reallocarray(sim->vms, n, sizeof(*a));
                if (!a)
                        return -ENOMEM;
                sim->vms = a;
                sim->n_alloc = n;
        }
        vm = calloc(1, sizeof(*vm));
        if (!vm)
                return -ENOMEM;
        memcpy(vm->uuid, uuid, SRC_UUID_LEN + 1);
        vm->generation = generation;
        sim_vm_model_init(&vm->model, sim->seed, uuid);
        memmove(&sim->vms[i + 1], &sim->vms[i], (sim->n_vms - i) * sizeof(*sim->vms));
        sim->vms[i] = vm;
        sim->n_vms++;
        *ret = TAKE_PTR(vm);
        return 0;
}

static void vm_remove_at(Sim *sim, size_t i) {
        sim_vm_free(sim->vms[i]);
        memmove(&sim->vms[i], &sim->vms[i + 1], (sim->n_vms - i - 1) * sizeof(*sim->vms));
        sim->n_vms--;
}

static bool same_file(const SimVm *vm, const struct stat *st) {
        return vm->dev == st->st_dev && vm->ino == st->st_ino &&
               vm->mtime.tv_sec == st->st_mtim.tv_sec && vm->mtime.tv_nsec == st->st_mtim.tv_nsec &&
               vm->size == st->st_size;
}

/*
 * Brings the VM named `name` in line with its file: added if it is a regular file, removed if
 * it is gone, its generation re-read when the file changed (or always, if `force`).
 */
static int vm_refresh(Sim *sim, const char *name, bool force) {
        _cleanup_close_ int fd = -1;
        char buf[SIM_VM_FILE_MAX];
        struct stat st;
        uint32_t domid = 0;
        SimVm *vm;
        ssize_t n;
        bool found;
        size_t i;
        int r;

        if (!sim_uuid_is_canonical(name))
                return 0;
        i = vm_find(sim, name, &found);
        fd = openat(sim->dir_fd, name, O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK);
        if (fd < 0 || fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
                /* Gone (halted or migrated away), or not a file we understand. */
                if (found)
                        vm_remove_at(sim, i);
                return 0;
        }
        if (found && !force && same_file(sim->vms[i], &st)) {
                sim->vms[i]->is_marked = true;
                return 0;
        }
        n = read(fd, buf, sizeof(buf));
        if (n < 0)
                n = 0;
        /* A file without a usable domid runs with generation 0 ("not applicable"). */
        if (sim_vm_file_parse(buf, (size_t) n, &domid) < 0)
                domid = 0;

        r = vm_add(sim, name, domid, &vm);
        if (r < 0)
                return r;
        vm->generation = domid;
        vm->dev = st.st_dev;
        vm->ino = st.st_ino;
        vm->mtime = st.st_mtim;
        vm->size = st.st_size;
        vm->is_marked = true;
        return 0;
}

/* Reads the whole directory again: the start, a lost watch, an inotify overflow, no inotify. */
static int sim_rescan(Sim *sim) {
        _cleanup_close_ int fd = -1;
        DIR *d;
        struct dirent *de;
        size_t n = 0;
        int r = 0;

        fd = open(sim->dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (fd < 0 && errno != ENOENT)
                return -errno;
        /* Without the directory nothing runs here; with it, per-name refreshes use it too. */
        if (sim->dir_fd >= 0)
                (void) close(sim->dir_fd);
        sim->dir_fd = TAKE_FD(fd);
        for (size_t i = 0; i < sim->n_vms; i++)
                sim->vms[i]->is_marked = false;

        if (sim->dir_fd >= 0) {
                int dfd = dup(sim->dir_fd);
                if (dfd < 0)
                        return -errno;
                d = fdopendir(dfd);
                if (!d) {
                        r = -errno;
                        (void) close(dfd);
                        return r;
                }
                /* The dup shares the directory's read position with dir_fd: start over. */
                rewinddir(d);
                while ((de = readdir(d))) {
                        r = vm_refresh(sim, de->d_name, false);
                        if (r < 0)
                                break;
                }
                (void) closedir(d);
                if (r < 0)
                        return r;
        }
        for (size_t i = 0; i < sim->n_vms; i++)
                if (sim->vms[i]->is_marked)
                        sim->vms[n++] = sim->vms[i];
                else
                        sim_vm_free(sim->vms[i]);
        sim->n_vms = n;
        sim->need_rescan = false;
        return 0;
}

static int sim_watch(Sim *sim) {
        struct stat st;

        if (sim->inotify_fd < 0 || sim->wd >= 0)
                return 0;
        sim->wd = inotify_add_watch(sim->inotify_fd, sim->dir, SIM_WATCH_MASK);
        if (sim->wd < 0)
                return -errno;
        if (stat(sim->dir, &st) == 0) {
                sim->watched_dev = st.st_dev;
                sim->watched_ino = st.st_ino;
        }
        /* Whatever happened while unwatched is only visible to a scan. */
        sim->need_rescan = true;
        return 0;
}

/*
 * Drops the watch when the directory was removed or replaced. inotify reports that only once
 * the old directory is freed, which an open descriptor (ours, or a shell sitting in it) can
 * put off indefinitely; one stat() per tick cannot be put off.
 */
static void sim_check_dir(Sim *sim) {
        struct stat st;

        if (sim->wd < 0)
                return;
        if (stat(sim->dir, &st) == 0 && st.st_dev == sim->watched_dev &&
            st.st_ino == sim->watched_ino)
                return;
        (void) inotify_rm_watch(sim->inotify_fd, sim->wd);
        sim->wd = -1;
        sim->need_rescan = true;
}

/* Applies the queued inotify events. */
static int sim_drain_events(Sim *sim) {
        _Alignas(struct inotify_event) char buf[16384];

        for (;;) {
                ssize_t n = read(sim->inotify_fd, buf, sizeof(buf));
                if (n < 0) {
                        if (errno == EAGAIN)
                                return 0;
                        if (errno == EINTR)
                                continue;
                        return -errno;
                }
                for (char *p = buf; p < buf + n;) {
                        const struct inotify_event *ev = (const struct inotify_event *) p;
                        p += sizeof(*ev) + ev->len;

                        if (ev->mask & IN_Q_OVERFLOW)
                                sim->need_rescan = true;
                        if (ev->mask & (IN_IGNORED | IN_DELETE_SELF | IN_MOVE_SELF | IN_UNMOUNT)) {
                                /* The directory itself went away: watch it again by path. */
                                if (ev->wd == sim->wd && sim->wd >= 0) {
                                        (void) inotify_rm_watch(sim->inotify_fd, sim->wd);
                                        sim->wd = -1;
                                }
                                sim->need_rescan = true;
                        }
                        if (ev->wd == sim->wd && ev->len > 0 && !sim->need_rescan) {
                                int r = vm_refresh(sim, ev->name, true);
                                if (r < 0)
                                        return r;
                        }
                }
        }
}

/* Catches up with the directory; cheap when nothing changed. */
static int sim_sync(Sim *sim) {
        int r;

        if (!sim->dir)
                return 0;
        if (sim->inotify_fd >= 0) {
                sim_check_dir(sim);
                (void) sim_watch(sim);
                r = sim_drain_events(sim);
                if (r < 0)
                        return r;
        }
        if (sim->inotify_fd < 0 || sim->wd < 0 || sim->need_rescan)
                return sim_rescan(sim);
        return 0;
}

/* Creates `count` VM files, written aside and renamed so no reader sees half a file. */
static int sim_populate(Sim *sim, unsigned count) {
        for (unsigned i = 0; i < count; i++) {
                char uuid[SRC_UUID_LEN + 1], tmp[SRC_UUID_LEN + 8], text[64];
                _cleanup_close_ int fd = -1;
                int len;

                sim_vm_uuid(sim->seed, i, uuid);
                (void) snprintf(tmp, sizeof(tmp), ".%s.tmp", uuid);
                len = snprintf(text, sizeof(text), "domid=%u\nname=sim-vm-%u\n", i + 1, i);
                fd = openat(sim->dir_fd, tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
                if (fd < 0)
                        return -errno;
                if (write(fd, text, (size_t) len) != len)
                        return errno > 0 ? -errno : -EIO;
                if (renameat(sim->dir_fd, tmp, sim->dir_fd, uuid) < 0)
                        return -errno;
        }
        return 0;
}

static bool dir_has_vm_files(int dir_fd) {
        int dfd = dup(dir_fd);
        struct dirent *de;
        bool found = false;
        DIR *d;

        if (dfd < 0)
                return false;
        d = fdopendir(dfd);
        if (!d) {
                (void) close(dfd);
                return false;
        }
        rewinddir(d);
        while (!found && (de = readdir(d)))
                found = sim_uuid_is_canonical(de->d_name);
        (void) closedir(d);
        return found;
}

static int sim_new(Sim **ret, const SrcConfig *cfg) {
        _cleanup_(sim_freep) Sim *sim = NULL;
        int r;

        sim = calloc(1, sizeof(*sim));
        if (!sim)
                return -ENOMEM;
        sim->dir_fd = sim->inotify_fd = sim->wd = -1;
        sim->seed = cfg->seed;

        if (!cfg->sim_dir) {
                for (unsigned i = 0; i < cfg->sim_count; i++) {
                        char uuid[SRC_UUID_LEN + 1];
                        SimVm *vm;
                        sim_vm_uuid(sim->seed, i, uuid);
                        r = vm_add(sim, uuid, i + 1, &vm);
                        if (r < 0)
                                return r;
                }
                *ret = TAKE_PTR(sim);
                return 0;
        }

        sim->dir = strdup(cfg->sim_dir);
        if (!sim->dir)
                return -ENOMEM;
        if (mkdir(sim->dir, 0755) < 0 && errno != EEXIST)
                return -errno;
        sim->dir_fd = open(sim->dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (sim->dir_fd < 0)
                return -errno;
        /* Watch first, so nothing done to the directory from now on goes unseen. */
        sim->inotify_fd = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
        (void) sim_watch(sim);
        if (!dir_has_vm_files(sim->dir_fd)) {
                r = sim_populate(sim, cfg->sim_count);
                if (r < 0)
                        return r;
        }
        /* Our own files queued events; a scan after dropping them misses nothing. */
        if (sim->inotify_fd >= 0) {
                r = sim_drain_events(sim);
                if (r < 0)
                        return r;
        }
        r = sim_rescan(sim);
        if (r < 0)
                return r;
        *ret = TAKE_PTR(sim);
        return 0;
}

/* What a VM reports; names, types and units are xcp-rrdd's (cpu, netdev, squeezed, iostat). */
typedef enum SimValue {
        SIM_CPU0,
        SIM_CPU1,
        SIM_CPU_USAGE,
        SIM_MEMORY,
        SIM_MEMORY_TARGET,
        SIM_MEMORY_INTERNAL_FREE,
        SIM_VIF0_RX,
        SIM_VIF0_TX,
        SIM_VIF1_RX,
        SIM_VIF1_TX,
        SIM_VBD0_READ,
        SIM_VBD0_WRITE,
        SIM_VBD1_READ,
        SIM_VBD1_WRITE,
        SIM_VBD0_IOPS_READ,
        SIM_VBD0_IOPS_WRITE,
        SIM_VBD0_IOPS_TOTAL,
        SIM_VBD1_IOPS_READ,
        SIM_VBD1_IOPS_WRITE,
        SIM_VBD1_IOPS_TOTAL,
        SIM_VIF0_RX_ERRORS,
        SIM_VIF0_TX_ERRORS,
        SIM_VIF1_RX_ERRORS,
        SIM_VIF1_TX_ERRORS,
        _SIM_VALUE_MAX,
} SimValue;

typedef struct SimDs {
        const char *name;
        const char *description;
        const char *units;
        SrcKind kind;
        SrcValueType value_type;
        double max;
        bool is_default;
} SimDs;

#define FRACTION(n, d) \
        { n, d, "(fraction)", SRC_GAUGE, SRC_VALUE_DOUBLE, 1.0, true }
#define BYTES(n, d, u) \
        { n, d, u, SRC_GAUGE, SRC_VALUE_INT64, (double) INFINITY, true }
#define COUNTER(n, d, u, def) \
        { n, d, u, SRC_DERIVE, SRC_VALUE_UINT64, (double) INFINITY, def }
#define IOPS(n, d) \
        { n, d, "requests/s", SRC_ABSOLUTE, SRC_VALUE_INT64, (double) INFINITY, true }

static const SimDs sim_ds[_SIM_VALUE_MAX] = {
        [SIM_CPU0] = FRACTION("cpu0", "Simulated: fraction of time vCPU 0 was busy"),
        [SIM_CPU1] = FRACTION("cpu1", "Simulated: fraction of time vCPU 1 was busy"),
        [SIM_CPU_USAGE] = FRACTION("cpu_usage", "Simulated: mean busy fraction of the vCPUs"),
        [SIM_MEMORY] = BYTES("memory", "Simulated: memory allocated to the domain", "B"),
        [SIM_MEMORY_TARGET] = BYTES("memory_target", "Simulated: balloon target", "B"),
        [SIM_MEMORY_INTERNAL_FREE] =
                BYTES("memory_internal_free", "Simulated: memory the guest reports free", "KiB"),
        [SIM_VIF0_RX] = COUNTER("vif_0_rx", "Simulated: bytes received on vif 0", "B/s", true),
        [SIM_VIF0_TX] = COUNTER("vif_0_tx", "Simulated: bytes sent on vif 0", "B/s", true),
        [SIM_VIF1_RX] = COUNTER("vif_1_rx", "Simulated: bytes received on vif 1", "B/s", true),
        [SIM_VIF1_TX] = COUNTER("vif_1_tx", "Simulated: bytes sent on vif 1", "B/s", true),
        [SIM_VBD0_READ] = COUNTER("vbd_xvda_read", "Simulated: bytes read from xvda", "B/s", true),
        [SIM_VBD0_WRITE] =
                COUNTER("vbd_xvda_write", "Simulated: bytes written to xvda", "B/s", true),
        [SIM_VBD1_READ] = COUNTER("vbd_xvdb_read", "Simulated: bytes read from xvdb", "B/s", true),
        [SIM_VBD1_WRITE] =
                COUNTER("vbd_xvdb_write", "Simulated: bytes written to xvdb", "B/s", true),
        [SIM_VBD0_IOPS_READ] = IOPS("vbd_xvda_iops_read", "Simulated: read requests on xvda"),
        [SIM_VBD0_IOPS_WRITE] = IOPS("vbd_xvda_iops_write", "Simulated: write requests on xvda"),
        [SIM_VBD0_IOPS_TOTAL] = IOPS("vbd_xvda_iops_total", "Simulated: requests on xvda"),
        [SIM_VBD1_IOPS_READ] = IOPS("vbd_xvdb_iops_read", "Simulated: read requests on xvdb"),
        [SIM_VBD1_IOPS_WRITE] = IOPS("vbd_xvdb_iops_write", "Simulated: write requests on xvdb"),
        [SIM_VBD1_IOPS_TOTAL] = IOPS("vbd_xvdb_iops_total", "Simulated: requests on xvdb"),
        [SIM_VIF0_RX_ERRORS] =
                COUNTER("vif_0_rx_errors", "Simulated: receive errors on vif 0", "err/s", false),
        [SIM_VIF0_TX_ERRORS] =
                COUNTER("vif_0_tx_errors", "Simulated: transmit errors on vif 0", "err/s", false),
        [SIM_VIF1_RX_ERRORS] =
                COUNTER("vif_1_rx_errors", "Simulated: receive errors on vif 1", "err/s", false),
        [SIM_VIF1_TX_ERRORS] =
                COUNTER("vif_1_tx_errors", "Simulated: transmit errors on vif 1", "err/s", false),
};

/* Fills in one VM's values at `now` (µs); iops with no previous reading are unknown. */
static void vm_values(SimVm *vm, usec_t now, SrcSample *out) {
        const SimVmModel *m = &vm->model;
        uint64_t req[SIM_N_VBDS][2];
        double cpu[SIM_N_VCPUS];

        for (unsigned c = 0; c < SIM_N_VCPUS; c++) {
                cpu[c] = sim_vm_cpu_fraction(m, c, now);
                out[SIM_CPU0 + c].value.d = cpu[c];
        }
        out[SIM_CPU_USAGE].value.d = (cpu[0] + cpu[1]) / SIM_N_VCPUS;
        out[SIM_MEMORY].value.i64 = (int64_t) m->memory_bytes;
        out[SIM_MEMORY_TARGET].value.i64 = (int64_t) m->memory_bytes;
        out[SIM_MEMORY_INTERNAL_FREE].value.i64 = sim_vm_memory_internal_free_kib(m, now);
        for (unsigned v = 0; v < SIM_N_VIFS; v++)
                for (unsigned tx = 0; tx < 2; tx++) {
                        out[SIM_VIF0_RX + 2 * v + tx].value.u64 = sim_vm_vif_bytes(m, v, tx, now);
                        out[SIM_VIF0_RX_ERRORS + 2 * v + tx].value.u64 =
                                sim_vm_vif_errors(m, v, tx, now);
                }
        for (unsigned b = 0; b < SIM_N_VBDS; b++) {
                bool ok = vm->has_last_requests;
                int64_t delta[2] = {};

                for (unsigned w = 0; w < 2; w++) {
                        out[SIM_VBD0_READ + 2 * b + w].value.u64 = sim_vm_vbd_bytes(m, b, w, now);
                        req[b][w] = sim_vm_vbd_requests(m, b, w, now);
                        /* Counters only grow with time; a clock stepping back reads unknown. */
                        if (ok && req[b][w] >= vm->last_requests[b][w])
                                delta[w] = (int64_t) (req[b][w] - vm->last_requests[b][w]);
                        else
                                ok = false;
                }
                out[SIM_VBD0_IOPS_READ + 3 * b].value.i64 = delta[0];
                out[SIM_VBD0_IOPS_WRITE + 3 * b].value.i64 = delta[1];
                out[SIM_VBD0_IOPS_TOTAL + 3 * b].value.i64 = delta[0] + delta[1];
                for (unsigned k = 0; k < 3; k++)
                        out[SIM_VBD0_IOPS_READ + 3 * b + k].value_type =
                                ok ? SRC_VALUE_INT64 : SRC_VALUE_UNKNOWN;
        }
        memcpy(vm->last_requests, req, sizeof(req));
        vm->has_last_requests = true;
}

static int sim_sample(SrcInstance *s, usec_t now, SrcSink *sink) {
        Sim *sim = src_get_data(s);
        SrcSample out[_SIM_VALUE_MAX];
        int r;

        r = sim_sync(sim);
        if (r < 0)
                return r;
        for (size_t v = 0; v < _SIM_VALUE_MAX; v++)
                out[v] = (SrcSample){
                        .owner.kind = SRC_OWNER_VM,
                        .name = sim_ds[v].name,
                        .description = sim_ds[v].description,
                        .units = sim_ds[v].units,
                        .kind = sim_ds[v].kind,
                        .value_type = sim_ds[v].value_type,
                        .min = 0.0,
                        .max = sim_ds[v].max,
                        .is_default = sim_ds[v].is_default,
                };

        for (size_t i = 0; i < sim->n_vms; i++) {
                SimVm *vm = sim->vms[i];
                SrcOwner owner = {.kind = SRC_OWNER_VM};

                memcpy(owner.uuid, vm->uuid, sizeof(owner.uuid));
                r = src_sink_announce(sink, &owner, vm->generation);
                if (r < 0)
                        return r;
                vm_values(vm, now, out);
                for (size_t v = 0; v < _SIM_VALUE_MAX; v++) {
                        out[v].owner = owner;
                        out[v].generation = vm->generation;
                        r = src_sink_emit(sink, &out[v]);
                        if (r < 0)
                                return r;
                }
        }
        return 0;
}

static int sim_open(SrcInstance *s, const SrcConfig *cfg) {
        Sim *sim = NULL;
        int r;

        if (!cfg)
                return -EINVAL;
        r = sim_new(&sim, cfg);
        if (r < 0)
                return r;
        src_set_data(s, sim);
        return 0;
}

static void sim_close(SrcInstance *s) {
        sim_free(src_get_data(s));
        src_set_data(s, NULL);
}

const SrcOps src_sim = {
        .name = "sim",
        .open = sim_open,
        .sample = sim_sample,
        .close = sim_close,
};
