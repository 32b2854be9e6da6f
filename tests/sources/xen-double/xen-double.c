/* SPDX-License-Identifier: MIT */
/*
 * The Xen test double. It defines exactly the libxenctrl, libxenstat and xenstore functions
 * the xen source calls, with the real prototypes (from the real headers) and the real error
 * conventions (-1 or NULL with errno), over one simulated host that scenario steps change.
 * The production source links against it unchanged. What dom0 would show in /proc (guest
 * NICs in proc/net/dev, MemAvailable in proc/meminfo) it writes as files under a directory
 * that tests pass to the source as its proc_root. Lookups are O(1) or O(log n), so a benchmark
 * through the double measures mostly the source.
 */

#include "tests/sources/xen-double/xen-double.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <xenctrl.h>
#include <xenstat.h>
#include <xenstore.h>

#include "rrdd/macro.h"
#include "sources/xen-clock.h"
#include "tests/sources/xen-double/xen-scenario.h"

#define DBL_DOMID_LIMIT 0x7FF0u
#define DBL_ERR_MAX 512

typedef struct DblVcpu {
        uint64_t time_ns;
        bool online, blocked, running;
} DblVcpu;

/* dom0's side of vif<domid>.<id> (or tap<domid>.<id>), as /proc/net/dev shows it. */
typedef struct DblVif {
        unsigned id;
        bool is_tap;
        unsigned long long rx, tx, rx_errors, tx_errors;
} DblVif;

struct xenstat_vbd {
        unsigned devid, type;
        unsigned long long rd_reqs, wr_reqs, rd_sect, wr_sect, oo_reqs;
        bool error;
};

struct xenstat_domain {
        uint32_t domid;
        uint8_t handle[16];
        uint64_t pages;
        bool paused, dying;
        bool vanishing; /* goes at the first call that names it */
        bool gone;      /* went mid-sample; freed when the next step starts */
        DblVcpu *vcpus;
        unsigned n_vcpus;
        DblVif *vifs;
        unsigned n_vifs;
        struct xenstat_vbd *vbds;
        unsigned n_vbds;
};

struct xenstat_node {
        unsigned flags;
        struct xenstat_domain **doms;
        unsigned n_doms;
};

struct xenstat_handle {
        int unused;
};

struct xc_interface_core {
        int unused;
};

struct xs_handle {
        int unused;
};

typedef struct XsEntry {
        char *path; /* NULL: empty slot; XS_TOMBSTONE: removed */
        char *value;
        size_t len;
} XsEntry;

static char xs_tombstone;
#define XS_TOMBSTONE (&xs_tombstone)

typedef struct World {
        bool hypervisor, xenstored;
        unsigned n_pcpus;
        uint64_t *idle_ns;
        uint64_t total_pages, free_pages;
        struct xenstat_domain *by_domid[DBL_DOMID_LIMIT];
        uint32_t *domids; /* existing domains, ascending */
        size_t n_domids, n_domid_alloc;
        XsEntry *xs;
        size_t n_xs_slots, n_xs_used; /* used counts tombstones too */
        usec_t now;
        bool has_meminfo;
        uint64_t meminfo_available_kib;
        int fail_errno[_SCN_FN_MAX];
        uint64_t fail_after[_SCN_FN_MAX]; /* calls that still succeed this step */
        unsigned calls[_XEN_DOUBLE_CALL_MAX];
        unsigned open_handles;
        Scenario *scn;
        size_t cursor;
        char err[DBL_ERR_MAX];
} World;

static World *world;

static World *w(void) {
        if (!world) {
                world = calloc(1, sizeof(*world));
                if (!world)
                        abort(); /* tests cannot run without it */
                world->hypervisor = world->xenstored = true;
        }
        return world;
}

/* ---- xenstore store: open addressing on an FNV-1a hash ---- */

static uint64_t fnv1a(const char *s) {
        uint64_t h = UINT64_C(14695981039346656037);

        for (; *s; s++)
                h = (h ^ (unsigned char) *s) * UINT64_C(1099511628211);
        return h;
}

static XsEntry *xs_find(const char *path) {
        World *x = w();

        if (x->n_xs_slots == 0)
                return NULL;
        for (size_t i = fnv1a(path) & (x->n_xs_slots - 1), n = 0; n < x->n_xs_slots;
             i = (i + 1) & (x->n_xs_slots - 1), n++) {
                XsEntry *e = &x->xs[i];
                if (!e->path)
                        return NULL;
                if (e->path != XS_TOMBSTONE && strcmp(e->path, path) == 0)
                        return e;
        }
        return NULL;
}

static int xs_rehash(size_t slots) {
        World *x = w();
        XsEntry *old = x->xs, *n = calloc(slots, sizeof(*n));
        size_t n_old = x->n_xs_slots;

        if (!n)
                return -ENOMEM;
        x->xs = n;
        x->n_xs_slots = slots;
        x->n_xs_used = 0;
        for (size_t i = 0; i < n_old; i++) {
                if (!old[i].path || old[i].path == XS_TOMBSTONE)
                        continue;
                size_t j = fnv1a(old[i].path) & (slots - 1);
                while (n[j].path)
                        j = (j + 1) & (slots - 1);
                n[j] = old[i];
                x->n_xs_used++;
        }
        free(old);
        return 0;
}

static int xs_put(const char *path, const char *value, size_t len) {
        World *x = w();
        XsEntry *e = xs_find(path);
        char *v = malloc(len + 1);

        if (!v)
                return -ENOMEM;
        memcpy(v, value, len);
        v[len] = '\0';
        if (e) {
                free(e->value);
                e->value = v;
                e->len = len;
                return 0;
        }
        if ((x->n_xs_used + 1) * 2 > x->n_xs_slots &&
            xs_rehash(x->n_xs_slots ? x->n_xs_slots * 2 : 64) < 0) {
                free(v);
                return -ENOMEM;
        }
        size_t i = fnv1a(path) & (x->n_xs_slots - 1);
        while (x->xs[i].path && x->xs[i].path != XS_TOMBSTONE)
                i = (i + 1) & (x->n_xs_slots - 1);
        if (!x->xs[i].path)
                x->n_xs_used++;
        x->xs[i].path = strdup(path);
        if (!x->xs[i].path) {
                x->xs[i].path = XS_TOMBSTONE;
                free(v);
                return -ENOMEM;
        }
        x->xs[i].value = v;
        x->xs[i].len = len;
        return 0;
}

/* Removes path and everything below it. */
static void xs_remove_tree(const char *path) {
        World *x = w();
        size_t n = strlen(path);

        for (size_t i = 0; i < x->n_xs_slots; i++) {
                XsEntry *e = &x->xs[i];
                if (!e->path || e->path == XS_TOMBSTONE)
                        continue;
                if (strncmp(e->path, path, n) == 0 && (e->path[n] == '\0' || e->path[n] == '/')) {
                        free(e->path);
                        free(e->value);
                        *e = (XsEntry){.path = XS_TOMBSTONE};
                }
        }
}

/* ---- domains ---- */

static void dom_destroy(uint32_t domid) {
        World *x = w();
        struct xenstat_domain *d = x->by_domid[domid];
        char path[64];

        if (!d)
                return;
        free(d->vcpus);
        free(d->vifs);
        free(d->vbds);
        free(d);
        x->by_domid[domid] = NULL;
        for (size_t i = 0; i < x->n_domids; i++)
                if (x->domids[i] == domid) {
                        memmove(x->domids + i, x->domids + i + 1,
                                (x->n_domids - i - 1) * sizeof(*x->domids));
                        x->n_domids--;
                        break;
                }
        /* The toolstack removes a dead domain's xenstore directory. */
        (void) snprintf(path, sizeof(path), "/local/domain/%u", domid);
        xs_remove_tree(path);
}

static struct xenstat_domain *dom_create(uint32_t domid) {
        World *x = w();
        struct xenstat_domain *d;
        size_t i;

        if (x->n_domids == x->n_domid_alloc) {
                size_t n = x->n_domid_alloc ? x->n_domid_alloc * 2 : 16;
                uint32_t *a = realloc(x->domids, n * sizeof(*a));
                if (!a)
                        return NULL;
                x->domids = a;
                x->n_domid_alloc = n;
        }
        d = calloc(1, sizeof(*d));
        if (!d)
                return NULL;
        d->domid = domid;
        x->by_domid[domid] = d;
        for (i = x->n_domids; i > 0 && x->domids[i - 1] > domid; i--)
                x->domids[i] = x->domids[i - 1];
        x->domids[i] = domid;
        x->n_domids++;
        return d;
}

/* A domain the source may see: existing, and not gone mid-sample. */
static struct xenstat_domain *dom_live(uint32_t domid) {
        struct xenstat_domain *d = domid < DBL_DOMID_LIMIT ? w()->by_domid[domid] : NULL;

        return d && !d->gone ? d : NULL;
}

/* The first call that names a vanishing domain finds it gone, and so does every later one. */
static void dom_touch(struct xenstat_domain *d) {
        char path[64];

        if (!d->vanishing)
                return;
        d->vanishing = false;
        d->gone = true;
        (void) snprintf(path, sizeof(path), "/local/domain/%u", d->domid);
        xs_remove_tree(path);
}

static int set_vcpus(struct xenstat_domain *d, unsigned n) {
        if (n > d->n_vcpus) {
                DblVcpu *v = realloc(d->vcpus, n * sizeof(*v));
                if (!v)
                        return -ENOMEM;
                for (unsigned i = d->n_vcpus; i < n; i++)
                        v[i] = (DblVcpu){.online = true};
                d->vcpus = v;
        }
        d->n_vcpus = n;
        return 0;
}

/* ---- scenario application ---- */

static void set_error(unsigned line, const char *what) {
        (void) snprintf(w()->err, sizeof(w()->err), "line %u: %s", line, what);
}

static int apply_cmd(const ScnCmd *c) {
        World *x = w();
        struct xenstat_domain *d = NULL;

        if (c->kind == SCN_VCPU || c->kind == SCN_VIF || c->kind == SCN_VBD || c->kind == SCN_TAP ||
            c->kind == SCN_UNPLUG || c->kind == SCN_VANISH || c->kind == SCN_DESTROY) {
                d = x->by_domid[c->a];
                if (!d) {
                        set_error(c->line, "no such domain");
                        return -EINVAL;
                }
        }

        switch (c->kind) {
        case SCN_HYPERVISOR:
                x->hypervisor = c->flag;
                return 0;
        case SCN_XENSTORED:
                x->xenstored = c->flag;
                return 0;
        case SCN_HOST:
                if (scn_has(c, SCN_K_PCPUS)) {
                        uint64_t n = c->v[SCN_K_PCPUS];
                        if (n > 4096) {
                                set_error(c->line, "too many pCPUs");
                                return -EINVAL;
                        }
                        uint64_t *a = realloc(x->idle_ns, (n ? n : 1) * sizeof(*a));
                        if (!a)
                                return -ENOMEM;
                        for (uint64_t i = x->n_pcpus; i < n; i++)
                                a[i] = 0;
                        x->idle_ns = a;
                        x->n_pcpus = (unsigned) n;
                }
                if (scn_has(c, SCN_K_TOTAL_PAGES))
                        x->total_pages = c->v[SCN_K_TOTAL_PAGES];
                if (scn_has(c, SCN_K_FREE_PAGES))
                        x->free_pages = c->v[SCN_K_FREE_PAGES];
                return 0;
        case SCN_PCPU:
                if (c->a >= x->n_pcpus) {
                        set_error(c->line, "pCPU index beyond host pcpus");
                        return -EINVAL;
                }
                if (scn_has(c, SCN_K_IDLE))
                        x->idle_ns[c->a] = c->v[SCN_K_IDLE];
                return 0;
        case SCN_DOMAIN:
                d = x->by_domid[c->a];
                if (!d) {
                        d = dom_create(c->a);
                        if (!d || set_vcpus(d, 1) < 0)
                                return -ENOMEM;
                }
                if (scn_has(c, SCN_K_UUID))
                        memcpy(d->handle, c->uuid, sizeof(d->handle));
                if (scn_has(c, SCN_K_VCPUS)) {
                        if (c->v[SCN_K_VCPUS] > 8192) {
                                set_error(c->line, "too many vCPUs");
                                return -EINVAL;
                        }
                        if (set_vcpus(d, (unsigned) c->v[SCN_K_VCPUS]) < 0)
                                return -ENOMEM;
                }
                if (scn_has(c, SCN_K_PAGES))
                        d->pages = c->v[SCN_K_PAGES];
                if (scn_has(c, SCN_K_PAUSED))
                        d->paused = c->v[SCN_K_PAUSED];
                if (scn_has(c, SCN_K_DYING))
                        d->dying = c->v[SCN_K_DYING];
                return 0;
        case SCN_VCPU: {
                if (c->b >= d->n_vcpus) {
                        set_error(c->line, "vCPU index beyond the domain's vcpus");
                        return -EINVAL;
                }
                DblVcpu *v = &d->vcpus[c->b];
                if (scn_has(c, SCN_K_TIME))
                        v->time_ns = c->v[SCN_K_TIME];
                if (scn_has(c, SCN_K_ONLINE))
                        v->online = c->v[SCN_K_ONLINE];
                if (scn_has(c, SCN_K_BLOCKED))
                        v->blocked = c->v[SCN_K_BLOCKED];
                if (scn_has(c, SCN_K_RUNNING))
                        v->running = c->v[SCN_K_RUNNING];
                return 0;
        }
        case SCN_VIF:
        case SCN_TAP: {
                DblVif *n = NULL;
                for (unsigned i = 0; i < d->n_vifs; i++)
                        if (d->vifs[i].id == c->b && d->vifs[i].is_tap == (c->kind == SCN_TAP))
                                n = &d->vifs[i];
                if (!n) {
                        DblVif *a = realloc(d->vifs, (d->n_vifs + 1) * sizeof(*a));
                        if (!a)
                                return -ENOMEM;
                        d->vifs = a;
                        n = &d->vifs[d->n_vifs++];
                        *n = (DblVif){.id = c->b, .is_tap = c->kind == SCN_TAP};
                }
                if (scn_has(c, SCN_K_RX))
                        n->rx = c->v[SCN_K_RX];
                if (scn_has(c, SCN_K_TX))
                        n->tx = c->v[SCN_K_TX];
                if (scn_has(c, SCN_K_RX_ERRORS))
                        n->rx_errors = c->v[SCN_K_RX_ERRORS];
                if (scn_has(c, SCN_K_TX_ERRORS))
                        n->tx_errors = c->v[SCN_K_TX_ERRORS];
                return 0;
        }
        case SCN_VBD: {
                struct xenstat_vbd *b = NULL;
                for (unsigned i = 0; i < d->n_vbds; i++)
                        if (d->vbds[i].devid == c->b)
                                b = &d->vbds[i];
                if (!b) {
                        struct xenstat_vbd *a = realloc(d->vbds, (d->n_vbds + 1) * sizeof(*a));
                        if (!a)
                                return -ENOMEM;
                        d->vbds = a;
                        b = &d->vbds[d->n_vbds++];
                        *b = (struct xenstat_vbd){.devid = c->b, .type = 1};
                }
                if (scn_has(c, SCN_K_TYPE))
                        b->type = (unsigned) c->v[SCN_K_TYPE];
                if (scn_has(c, SCN_K_RD_REQS))
                        b->rd_reqs = c->v[SCN_K_RD_REQS];
                if (scn_has(c, SCN_K_WR_REQS))
                        b->wr_reqs = c->v[SCN_K_WR_REQS];
                if (scn_has(c, SCN_K_RD_SECT))
                        b->rd_sect = c->v[SCN_K_RD_SECT];
                if (scn_has(c, SCN_K_WR_SECT))
                        b->wr_sect = c->v[SCN_K_WR_SECT];
                if (scn_has(c, SCN_K_OO_REQS))
                        b->oo_reqs = c->v[SCN_K_OO_REQS];
                if (scn_has(c, SCN_K_ERROR))
                        b->error = c->v[SCN_K_ERROR];
                return 0;
        }
        case SCN_UNPLUG:
                if (c->unplug == SCN_VBD) {
                        for (unsigned i = 0; i < d->n_vbds; i++)
                                if (d->vbds[i].devid == c->b) {
                                        d->vbds[i] = d->vbds[--d->n_vbds];
                                        return 0;
                                }
                } else {
                        for (unsigned i = 0; i < d->n_vifs; i++)
                                if (d->vifs[i].id == c->b &&
                                    d->vifs[i].is_tap == (c->unplug == SCN_TAP)) {
                                        d->vifs[i] = d->vifs[--d->n_vifs];
                                        return 0;
                                }
                }
                set_error(c->line, "no such device");
                return -EINVAL;
        case SCN_DESTROY:
                dom_destroy(c->a);
                return 0;
        case SCN_MEMINFO:
                x->has_meminfo = true;
                x->meminfo_available_kib = c->v[SCN_K_AVAILABLE];
                return 0;
        case SCN_VANISH:
                d->vanishing = true;
                return 0;
        case SCN_XS:
                return xs_put(c->path, c->value, c->value_len);
        case SCN_XS_RM:
                xs_remove_tree(c->path);
                return 0;
        case SCN_FAIL:
                x->fail_errno[c->fn] = c->err;
                x->fail_after[c->fn] = scn_has(c, SCN_K_AFTER) ? c->v[SCN_K_AFTER] : 0;
                return 0;
        case SCN_SAMPLE:
                x->now = c->v[SCN_K_AT];
                return 0;
        default:
                return -EINVAL;
        }
}

/* What happens between two samples: domains that vanished are gone, failures are over. */
static void step_begin(void) {
        World *x = w();

        for (size_t i = x->n_domids; i > 0; i--) {
                struct xenstat_domain *d = x->by_domid[x->domids[i - 1]];
                if (d->gone || d->vanishing)
                        dom_destroy(d->domid);
        }
        memset(x->fail_errno, 0, sizeof(x->fail_errno));
        memset(x->fail_after, 0, sizeof(x->fail_after));
}

/* Where proc/net/dev and proc/meminfo are written; kept across resets. */
static char *proc_root;

/**
 * xen_double_set_proc_root() - write dom0's /proc files of each step under a directory
 * @dir: the directory (made if needed), or NULL to write nothing
 *
 * The source reads VIF counters from <proc_root>/proc/net/dev and dom0's free memory from
 * <proc_root>/proc/meminfo; the double writes both, in the kernel's format, when a step's
 * `sample` line is reached. Files are rewritten in place, so descriptors kept open see them.
 *
 * Return: 0 or -errno.
 */
int xen_double_set_proc_root(const char *dir) {
        char path[4096];

        free(proc_root);
        proc_root = NULL;
        if (!dir)
                return 0;
        proc_root = strdup(dir);
        if (!proc_root)
                return -ENOMEM;
        (void) snprintf(path, sizeof(path), "%s/proc", dir);
        if (mkdir(path, 0755) < 0 && errno != EEXIST)
                return -errno;
        (void) snprintf(path, sizeof(path), "%s/proc/net", dir);
        if (mkdir(path, 0755) < 0 && errno != EEXIST)
                return -errno;
        return 0;
}

/* Rewrites a file in place (same inode) with a NUL-terminated text. */
static int write_in_place(const char *path, const char *text) {
        _cleanup_fclose_ FILE *f = fopen(path, "we");

        if (!f)
                return -errno;
        if (fputs(text, f) < 0 || fflush(f) != 0)
                return -EIO;
        return 0;
}

static int render_proc(void) {
        World *x = w();
        char path[4096];
        _cleanup_free_ char *buf = NULL;
        size_t size = 0;
        FILE *f;
        int r;

        if (!proc_root)
                return 1;
        f = open_memstream(&buf, &size);
        if (!f)
                return -ENOMEM;
        /* The kernel's layout (net/core/net-procfs.c), with lo and eth0 around the guests. */
        fputs("Inter-|   Receive                                                |  Transmit\n"
              " face |bytes    packets errs drop fifo frame compressed multicast|bytes    "
              "packets errs drop fifo colls carrier compressed\n"
              "    lo:    1234      12    0    0    0     0          0         0     1234      "
              "12    0    0    0     0       0          0\n",
              f);
        for (size_t i = 0; i < x->n_domids; i++) {
                const struct xenstat_domain *d = x->by_domid[x->domids[i]];
                for (unsigned k = 0; k < d->n_vifs; k++) {
                        const DblVif *v = &d->vifs[k];
                        char name[32];
                        (void) snprintf(name, sizeof(name), "%s%u.%u", v->is_tap ? "tap" : "vif",
                                        d->domid, v->id);
                        fprintf(f,
                                "%6s: %7llu %7llu %4llu %4llu %4llu %5llu %10llu %9llu %8llu "
                                "%7llu %4llu %4llu %4llu %5llu %7llu %10llu\n",
                                name, v->rx, v->rx / 100, v->rx_errors, 0ULL, 0ULL, 0ULL, 0ULL,
                                0ULL, v->tx, v->tx / 100, v->tx_errors, 0ULL, 0ULL, 0ULL, 0ULL,
                                0ULL);
                }
        }
        fputs("  eth0: 9876543   54321    0    0    0     0          0         0  8765432   "
              "43210    0    0    0     0       0          0\n",
              f);
        if (fclose(f) != 0)
                return -ENOMEM;
        (void) snprintf(path, sizeof(path), "%s/proc/net/dev", proc_root);
        r = write_in_place(path, buf);
        if (r < 0)
                return r;

        (void) snprintf(path, sizeof(path), "%s/proc/meminfo", proc_root);
        if (!x->has_meminfo) {
                (void) unlink(path);
                return 1;
        }
        free(buf);
        buf = NULL;
        if (asprintf(&buf,
                     "MemTotal:        4194304 kB\nMemFree:         1048576 kB\n"
                     "MemAvailable:   %8llu kB\nBuffers:           12345 kB\n",
                     (unsigned long long) x->meminfo_available_kib) < 0)
                return -ENOMEM;
        r = write_in_place(path, buf);
        return r < 0 ? r : 1;
}

/* Applies commands from the cursor through the next `sample`. */
static int run_step(Scenario *s, size_t *cursor) {
        step_begin();
        while (*cursor < s->n_cmds) {
                const ScnCmd *c = &s->cmds[(*cursor)++];
                int r = apply_cmd(c);
                if (r < 0) {
                        if (r == -ENOMEM)
                                set_error(c->line, "out of memory");
                        return r;
                }
                if (c->kind == SCN_SAMPLE)
                        return render_proc();
        }
        return 0;
}

/**
 * xen_double_reset() - forget the simulated host and the loaded scenario
 *
 * Afterwards the host has a hypervisor and xenstored, no pCPUs and no domains.
 */
void xen_double_reset(void) {
        World *x = world;

        if (!x)
                return;
        for (size_t i = x->n_domids; i > 0; i--)
                dom_destroy(x->domids[i - 1]);
        for (size_t i = 0; i < x->n_xs_slots; i++)
                if (x->xs[i].path && x->xs[i].path != XS_TOMBSTONE) {
                        free(x->xs[i].path);
                        free(x->xs[i].value);
                }
        free(x->xs);
        free(x->domids);
        free(x->idle_ns);
        x->scn = scenario_free(x->scn);
        free(x);
        world = NULL;
}

/**
 * xen_double_load() - reset the host and load a scenario; the first step is not applied yet
 * @text: scenario text
 * @len: its length
 *
 * Return: 0, or -EINVAL with the reason in xen_double_error().
 */
int xen_double_load(const char *text, size_t len) {
        Scenario *s = NULL;
        char err[DBL_ERR_MAX];
        int r;

        xen_double_reset();
        r = scenario_parse(text, len, &s, err, sizeof(err));
        if (r < 0) {
                (void) snprintf(w()->err, sizeof(w()->err), "%s", err);
                return r;
        }
        w()->scn = s;
        return 0;
}

/**
 * xen_double_load_file() - xen_double_load() on a file's contents
 * @path: the scenario file
 *
 * Return: 0 or -errno.
 */
int xen_double_load_file(const char *path) {
        _cleanup_close_ int fd = open(path, O_RDONLY | O_CLOEXEC);
        _cleanup_free_ char *buf = NULL;
        struct stat st;
        size_t got = 0;

        if (fd < 0 || fstat(fd, &st) < 0) {
                int e = errno;
                xen_double_reset();
                (void) snprintf(w()->err, sizeof(w()->err), "%s: %s", path, strerror(e));
                return -e;
        }
        buf = malloc((size_t) st.st_size + 1);
        if (!buf)
                return -ENOMEM;
        while (got < (size_t) st.st_size) {
                ssize_t n = read(fd, buf + got, (size_t) st.st_size - got);
                if (n < 0)
                        return -errno;
                if (n == 0)
                        break;
                got += (size_t) n;
        }
        return xen_double_load(buf, got);
}

/**
 * xen_double_step() - apply the loaded scenario's next step
 *
 * Return: 1 when a step was applied (the host is ready to be sampled), 0 when the scenario is
 * over, -EINVAL when a line makes no sense for the host (see xen_double_error()).
 */
int xen_double_step(void) {
        World *x = w();

        if (!x->scn)
                return 0;
        return run_step(x->scn, &x->cursor);
}

/**
 * xen_double_apply() - parse scenario text and apply all of it at once
 * @text: the text, which must end with a `sample` line like any scenario
 * @len: its length
 *
 * For benchmarks that generate each step; the loaded scenario, if any, is left alone.
 *
 * Return: 0 or -errno (see xen_double_error()).
 */
int xen_double_apply(const char *text, size_t len) {
        Scenario *s = NULL;
        char err[DBL_ERR_MAX];
        size_t cursor = 0;
        int r;

        r = scenario_parse(text, len, &s, err, sizeof(err));
        if (r < 0) {
                (void) snprintf(w()->err, sizeof(w()->err), "%s", err);
                return r;
        }
        do
                r = run_step(s, &cursor);
        while (r > 0);
        scenario_free(s);
        return r;
}

/**
 * xen_double_error() - what was wrong with the last scenario loaded or step applied
 *
 * Return: "line N: reason", or an empty string.
 */
const char *xen_double_error(void) {
        return w()->err;
}

/**
 * xen_double_calls() - how often a library function was called since the last reset
 * @c: the function
 *
 * Return: the count.
 */
unsigned xen_double_calls(XenDoubleCall c) {
        return (unsigned) c < _XEN_DOUBLE_CALL_MAX ? w()->calls[c] : 0;
}

/**
 * xen_double_open_handles() - handles opened and not closed yet
 *
 * Counts xc_interface, xs_handle, xenstat handles and nodes, so tests can check the source
 * releases all of them.
 *
 * Return: the number still open.
 */
unsigned xen_double_open_handles(void) {
        return w()->open_handles;
}

/* Whether an injected failure applies; sets errno when it does. */
static bool failing(ScnFn fn) {
        World *x = w();
        int e = x->fail_errno[fn];

        if (!e)
                return false;
        if (x->fail_after[fn] > 0) {
                x->fail_after[fn]--;
                return false;
        }
        errno = e;
        return true;
}

/* ---- the clock seam of sources/xen-clock.h ---- */

usec_t xen_clock_now(void) {
        return w()->now;
}

/* ---- libxenctrl ---- */

xc_interface *xc_interface_open(xentoollog_logger *logger, xentoollog_logger *dombuild_logger,
                                unsigned open_flags) {
        xc_interface *h;

        if (failing(SCN_FN_XC_INTERFACE_OPEN))
                return NULL;
        if (!w()->hypervisor) {
                errno = ENOENT; /* no /dev/xen/privcmd */
                return NULL;
        }
        h = calloc(1, sizeof(*h));
        if (!h) {
                errno = ENOMEM;
                return NULL;
        }
        w()->open_handles++;
        return h;
}

int xc_interface_close(xc_interface *xch) {
        if (xch) {
                w()->open_handles--;
                free(xch);
        }
        return 0;
}

int xc_physinfo(xc_interface *xch, xc_physinfo_t *info) {
        World *x = w();

        x->calls[XEN_DOUBLE_XC_PHYSINFO]++;
        if (failing(SCN_FN_XC_PHYSINFO))
                return -1;
        memset(info, 0, sizeof(*info));
        info->threads_per_core = 1;
        info->cores_per_socket = x->n_pcpus;
        info->nr_cpus = x->n_pcpus;
        info->max_cpu_id = x->n_pcpus ? x->n_pcpus - 1 : 0;
        info->nr_nodes = 1;
        info->total_pages = x->total_pages;
        info->free_pages = x->free_pages;
        return 0;
}

int xc_getcpuinfo(xc_interface *xch, int max_cpus, xc_cpuinfo_t *info, int *nr_cpus) {
        World *x = w();
        unsigned n;

        x->calls[XEN_DOUBLE_XC_GETCPUINFO]++;
        if (failing(SCN_FN_XC_GETCPUINFO))
                return -1;
        if (max_cpus < 0) {
                errno = EINVAL;
                return -1;
        }
        n = (unsigned) max_cpus < x->n_pcpus ? (unsigned) max_cpus : x->n_pcpus;
        for (unsigned i = 0; i < n; i++)
                info[i].idletime = x->idle_ns[i];
        if (nr_cpus)
                *nr_cpus = (int) n;
        return 0;
}

static void fill_info(const struct xenstat_domain *d, xc_domaininfo_t *info) {
        uint64_t cpu = 0;
        unsigned online = 0, running = 0, blocked = 0;

        memset(info, 0, sizeof(*info));
        /* As in Xen: the domain's time is the sum of its vCPUs'. */
        for (unsigned i = 0; i < d->n_vcpus; i++) {
                cpu += d->vcpus[i].time_ns;
                online += d->vcpus[i].online;
                running += d->vcpus[i].running;
                blocked += d->vcpus[i].online && d->vcpus[i].blocked;
        }
        info->domain = (domid_t) d->domid;
        info->flags = (d->paused ? XEN_DOMINF_paused : 0) | (d->dying ? XEN_DOMINF_dying : 0) |
                      (running ? XEN_DOMINF_running : 0) |
                      (online && blocked == online ? XEN_DOMINF_blocked : 0);
        info->tot_pages = d->pages;
        info->max_pages = d->pages;
        info->cpu_time = cpu;
        info->nr_online_vcpus = online;
        info->max_vcpu_id = d->n_vcpus ? d->n_vcpus - 1 : XEN_INVALID_MAX_VCPU_ID;
        memcpy(info->handle, d->handle, sizeof(info->handle));
}

int xc_domain_getinfolist(xc_interface *xch, uint32_t first_domain, unsigned int max_domains,
                          xc_domaininfo_t *info) {
        World *x = w();
        size_t lo = 0, hi = x->n_domids;
        unsigned n = 0;

        x->calls[XEN_DOUBLE_XC_DOMAIN_GETINFOLIST]++;
        if (failing(SCN_FN_XC_DOMAIN_GETINFOLIST))
                return -1;
        while (lo < hi) {
                size_t mid = (lo + hi) / 2;
                if (x->domids[mid] < first_domain)
                        lo = mid + 1;
                else
                        hi = mid;
        }
        for (size_t i = lo; i < x->n_domids && n < max_domains; i++) {
                const struct xenstat_domain *d = x->by_domid[x->domids[i]];
                if (d->gone)
                        continue;
                fill_info(d, &info[n++]);
        }
        return (int) n;
}

int xc_vcpu_getinfo(xc_interface *xch, uint32_t domid, uint32_t vcpu, xc_vcpuinfo_t *info) {
        struct xenstat_domain *d;

        w()->calls[XEN_DOUBLE_XC_VCPU_GETINFO]++;
        if (failing(SCN_FN_XC_VCPU_GETINFO))
                return -1;
        d = dom_live(domid);
        if (d)
                dom_touch(d);
        if (!d || d->gone) {
                errno = ESRCH;
                return -1;
        }
        if (vcpu >= d->n_vcpus) {
                errno = EINVAL;
                return -1;
        }
        memset(info, 0, sizeof(*info));
        info->vcpu = vcpu;
        info->online = d->vcpus[vcpu].online;
        info->blocked = d->vcpus[vcpu].blocked;
        info->running = d->vcpus[vcpu].running;
        info->cpu_time = d->vcpus[vcpu].time_ns;
        return 0;
}

/* ---- xenstore ---- */

struct xs_handle *xs_open(unsigned long flags) {
        struct xs_handle *h;

        if (failing(SCN_FN_XS_OPEN))
                return NULL;
        if (!w()->xenstored) {
                errno = ECONNREFUSED;
                return NULL;
        }
        h = calloc(1, sizeof(*h));
        if (!h) {
                errno = ENOMEM;
                return NULL;
        }
        w()->open_handles++;
        return h;
}

void xs_close(struct xs_handle *xsh) {
        if (xsh) {
                w()->open_handles--;
                free(xsh);
        }
}

void *xs_read(struct xs_handle *h, xs_transaction_t t, const char *path, unsigned int *len) {
        World *x = w();
        const XsEntry *e;
        unsigned domid;
        char *v;

        x->calls[XEN_DOUBLE_XS_READ]++;
        if (failing(SCN_FN_XS_READ))
                return NULL;
        if (!x->xenstored) {
                errno = EIO;
                return NULL;
        }
        /* Reading a vanishing domain's keys is a call that names it. */
        if (sscanf(path, "/local/domain/%u/", &domid) == 1) {
                struct xenstat_domain *d = dom_live(domid);
                if (d)
                        dom_touch(d);
        }
        e = xs_find(path);
        if (!e) {
                errno = ENOENT;
                return NULL;
        }
        v = malloc(e->len + 1);
        if (!v) {
                errno = ENOMEM;
                return NULL;
        }
        memcpy(v, e->value, e->len + 1);
        if (len)
                *len = (unsigned) e->len;
        return v;
}

/* ---- libxenstat ---- */

xenstat_handle *xenstat_init(void) {
        xenstat_handle *h;

        /* The real one opens libxenctrl and xenstore itself and fails when either does. */
        if (failing(SCN_FN_XENSTAT_INIT))
                return NULL;
        if (!w()->hypervisor || !w()->xenstored) {
                errno = ENOENT;
                return NULL;
        }
        h = calloc(1, sizeof(*h));
        if (h)
                w()->open_handles++;
        return h;
}

void xenstat_uninit(xenstat_handle *handle) {
        if (handle) {
                w()->open_handles--;
                free(handle);
        }
}

xenstat_node *xenstat_get_node(xenstat_handle *handle, unsigned int flags) {
        World *x = w();
        xenstat_node *n;

        x->calls[XEN_DOUBLE_XENSTAT_GET_NODE]++;
        if (failing(SCN_FN_XENSTAT_GET_NODE))
                return NULL;
        n = calloc(1, sizeof(*n));
        if (!n)
                return NULL;
        n->flags = flags;
        n->doms = malloc((x->n_domids ? x->n_domids : 1) * sizeof(*n->doms));
        if (!n->doms) {
                free(n);
                return NULL;
        }
        for (size_t i = 0; i < x->n_domids; i++) {
                struct xenstat_domain *d = x->by_domid[x->domids[i]];
                if (!d->gone)
                        n->doms[n->n_doms++] = d;
        }
        x->open_handles++;
        return n;
}

void xenstat_free_node(xenstat_node *node) {
        if (!node)
                return;
        w()->open_handles--;
        free(node->doms);
        free(node);
}

unsigned int xenstat_node_num_domains(xenstat_node *node) {
        return node->n_doms;
}

xenstat_domain *xenstat_node_domain_by_index(xenstat_node *node, unsigned int index) {
        return index < node->n_doms ? node->doms[index] : NULL;
}

unsigned xenstat_domain_id(xenstat_domain *domain) {
        return domain->domid;
}

/*
 * The real library leaves out VBDs when the node was fetched without XENSTAT_VBD; the source
 * always asks for them, so the double always has them.
 */
unsigned int xenstat_domain_num_vbds(xenstat_domain *domain) {
        return domain->n_vbds;
}

xenstat_vbd *xenstat_domain_vbd(xenstat_domain *domain, unsigned int vbd) {
        return vbd < xenstat_domain_num_vbds(domain) ? &domain->vbds[vbd] : NULL;
}

unsigned int xenstat_vbd_dev(xenstat_vbd *vbd) {
        return vbd->devid;
}

unsigned int xenstat_vbd_type(xenstat_vbd *vbd) {
        return vbd->type;
}

bool xenstat_vbd_error(xenstat_vbd *vbd) {
        return vbd->error;
}

unsigned long long xenstat_vbd_rd_reqs(xenstat_vbd *vbd) {
        return vbd->rd_reqs;
}

unsigned long long xenstat_vbd_wr_reqs(xenstat_vbd *vbd) {
        return vbd->wr_reqs;
}

unsigned long long xenstat_vbd_rd_sects(xenstat_vbd *vbd) {
        return vbd->rd_sect;
}

unsigned long long xenstat_vbd_wr_sects(xenstat_vbd *vbd) {
        return vbd->wr_sect;
}
