/* SPDX-License-Identifier: MIT */
/*
 * The daemon: ticks, VM lifecycle, archives and backups. One thread runs the loop; archive
 * reads and writes go to the worker with private copies of the RRDs, so neither a slow disk nor
 * a 1000-RRD backup ever delays a tick.
 */

#include "rrdd/rrdd.h"

#include <fcntl.h>
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/signalfd.h>
#include <sys/stat.h>
#include <sys/timerfd.h>
#include <time.h>
#include <unistd.h>

#include "consolidate/num.h"
#include "rrdd/hashmap.h"
#include "rrdd/log.h"
#include "rrdd/macro.h"
#include "rrdd/notify.h"
#include "rrdd/schedule.h"
#include "rrdd/worker.h"

#define MAX_SOURCES 16
#define SOURCE_REOPEN_AFTER 5 /* consecutive failures before a source is reopened */
#define BACKUP_BATCH 50       /* RRDs copied per loop iteration during a backup */
#define ARCHIVE_RETRY_MAX_TICKS 120

const double rrdd_tick_bucket_ms[11] = {1, 2, 5, 10, 20, 50, 100, 200, 500, 1000, 2000};

typedef struct BackupItem {
        SrcOwnerKind kind;
        char uuid[SRC_UUID_LEN + 1];
} BackupItem;

struct Rrdd {
        const RrddConfig *cfg;
        RrddClock clock;
        ArchiveOps ops;
        void *ops_ctx;
        char host_uuid[SRC_UUID_LEN + 1];
        Registry *registry;
        Worker *worker;
        SrcInstance *sources[MAX_SOURCES];
        unsigned source_failures[MAX_SOURCES];
        SrcConfig src_cfg;
        bool have_src_cfg;
        size_t n_sources;
        uint64_t tick_no;
        TickSchedule schedule;
        RrddStats stats;
        bool refused_logged;
        BackupItem *backup;
        size_t n_backup, i_backup;
        usec_t next_backup_mono;
        /* VM uuid → generation + 1, as recorded at the last clean shutdown. */
        Hashmap *generations;
        RrddIo io[4];
        size_t n_io;
        char *config_path;
        void (*reload_hook)(void *);
        void *reload_userdata;
        void (*tick_hook)(void *);
        void *tick_userdata;
        bool log_level_fixed;
};

int rrdd_new(Rrdd **ret, const RrddConfig *cfg, const RrddClock *clock, const ArchiveOps *ops,
             void *ops_ctx, const char *host_uuid) {
        _cleanup_(rrdd_freep) Rrdd *d = calloc(1, sizeof(*d));
        RegistryOptions ro;
        bool domain = false;
        SourceList sl;
        char err[CONFIG_ERROR_MAX];
        int r;

        if (!d)
                return -ENOMEM;
        d->cfg = cfg;
        d->clock = *clock;
        d->ops = *ops;
        d->ops_ctx = ops_ctx;
        (void) snprintf(d->host_uuid, sizeof(d->host_uuid), "%s", host_uuid);
        if (rrdd_config_parse_sources(cfg->sources, &sl, err) == 0)
                domain = sl.is_auto || sl.xen || sl.sim;
        ro = (RegistryOptions){
                .step_s = cfg->tick_s,
                .vm_layout = {.min_max = cfg->create_min_max_in_new_vm_rrds,
                              .last = cfg->last_archives},
                .host_layout = {.min_max = true, .last = cfg->last_archives},
                .archive_all = cfg->plugin_default,
                .domain_sources = domain,
                .host_uuid = d->host_uuid,
        };
        r = registry_new(&d->registry, &ro);
        if (r < 0)
                return r;
        r = worker_new(&d->worker, ops, ops_ctx);
        if (r < 0)
                return r;
        r = hashmap_new(&d->generations);
        if (r < 0)
                return r;
        tick_schedule_init(&d->schedule, cfg->tick_s * USEC_PER_SEC);
        *ret = TAKE_PTR(d);
        return 0;
}

Rrdd *rrdd_free(Rrdd *d) {
        if (!d)
                return NULL;
        worker_free(d->worker); /* finishes what was queued */
        for (size_t i = 0; i < d->n_sources; i++)
                src_instance_free(d->sources[i]);
        registry_free(d->registry);
        free(d->backup);
        hashmap_free(d->generations);
        free(d->config_path);
        free(d);
        return NULL;
}

Registry *rrdd_registry(Rrdd *d) {
        return d->registry;
}

const RrddStats *rrdd_stats(const Rrdd *d) {
        return &d->stats;
}

const char *rrdd_host_uuid(const Rrdd *d) {
        return d->host_uuid;
}

size_t rrdd_n_sources(const Rrdd *d) {
        return d->n_sources;
}

int rrdd_add_source(Rrdd *d, SrcInstance *s) {
        if (d->n_sources >= MAX_SOURCES)
                return -E2BIG;
        d->sources[d->n_sources++] = s;
        return 0;
}

static int open_one(Rrdd *d, const char *name, const SrcConfig *sc, bool required) {
        const SrcOps *ops = src_find(name);
        _cleanup_(src_instance_freep) SrcInstance *s = NULL;
        int r;

        if (!ops) {
                if (required)
                        return log_error_errno(-ENOENT, "source '%s' is not built in", name);
                return 0;
        }
        r = src_instance_new(&s, ops);
        if (r < 0)
                return r;
        r = src_open(s, sc);
        if (r == -ENODEV) {
                if (required)
                        log_warning("source '%s' is not available on this host, ignoring", name);
                return 0;
        }
        if (r < 0)
                return log_error_errno(r, "source '%s' failed to open: %m", name);
        log_info("source '%s' opened", name);
        r = rrdd_add_source(d, TAKE_PTR(s));
        return r < 0 ? r : 1;
}

int rrdd_open_sources(Rrdd *d, const SrcConfig *sc) {
        SourceList sl;
        char err[CONFIG_ERROR_MAX];
        SrcConfig c = *sc;
        int r;

        r = rrdd_config_parse_sources(d->cfg->sources, &sl, err);
        if (r < 0)
                return log_error_errno(r, "%s", err);
        d->src_cfg = c;
        d->have_src_cfg = true;
        if (sl.is_auto) {
                /* Whatever this host has: a hypervisor, plugins; a demo fleet if no Xen. */
                int have_xen = open_one(d, "xen", &c, false);
                c.host_from_xen = have_xen > 0;
                (void) open_one(d, "proc", &c, false);
                (void) open_one(d, "plugins", &c, false);
                if (have_xen <= 0) {
                        if (c.sim_count == 0)
                                c.sim_count = 10;
                        (void) open_one(d, "sim", &c, false);
                }
        } else {
                int have_xen = 0;
                if (sl.xen && (have_xen = open_one(d, "xen", &c, true)) < 0)
                        return have_xen;
                c.host_from_xen = have_xen > 0;
                if (sl.proc && (r = open_one(d, "proc", &c, true)) < 0)
                        return r;
                if (sl.plugins && (r = open_one(d, "plugins", &c, true)) < 0)
                        return r;
                if (sl.sim) {
                        c.sim_count = sl.sim_count;
                        if ((r = open_one(d, "sim", &c, true)) < 0)
                                return r;
                }
        }
        d->src_cfg = c;
        if (d->n_sources == 0)
                log_warning("no source could be opened: only stored archives will be served");
        return 0;
}

/* "uuid generation" lines for the VMs running at shutdown. */
static int save_generations(Rrdd *d) {
        size_t state = 0, len = 0, cap = 4096;
        RrdEntry *e;
        _cleanup_free_ char *text = malloc(cap);

        if (!d->ops.save_state)
                return 0;
        if (!text)
                return -ENOMEM;
        text[0] = '\0';
        while ((e = registry_next(d->registry, &state))) {
                if (e->kind != SRC_OWNER_VM || e->state != ENTRY_LIVE || !e->has_generation)
                        continue;
                if (len + 64 > cap) {
                        char *n = realloc(text, cap *= 2);
                        if (!n)
                                return -ENOMEM;
                        text = n;
                }
                len += (size_t) snprintf(text + len, cap - len, "%s %llu\n", e->uuid,
                                         (unsigned long long) e->generation);
        }
        return d->ops.save_state(d->ops_ctx, "generations", text);
}

static void load_generations(Rrdd *d) {
        _cleanup_free_ char *text = NULL;
        char *save = NULL;

        if (!d->ops.load_state || d->ops.load_state(d->ops_ctx, "generations", &text) < 0)
                return;
        for (char *line = strtok_r(text, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
                char uuid[SRC_UUID_LEN + 1];
                unsigned long long gen;
                if (sscanf(line, "%36s %llu", uuid, &gen) == 2 && gen < UINT64_MAX)
                        (void) hashmap_put(d->generations, uuid, (void *) (uintptr_t) (gen + 1));
        }
}

int rrdd_load_host(Rrdd *d) {
        RrdEntry *host = registry_host(d->registry);
        Rrd *rrd = NULL;
        int r;

        load_generations(d);
        r = d->ops.load(d->ops_ctx, SRC_OWNER_HOST, d->host_uuid, &rrd);
        if (r == -ENOENT) {
                log_info("no archive for host %s yet: starting a new host RRD", d->host_uuid);
                return 0;
        }
        if (r < 0)
                return log_error_errno(r, "cannot load the host archive %s: %m; starting afresh",
                                       d->host_uuid);
        registry_decide_new(d->registry, host, true);
        (void) registry_loaded(d->registry, host, rrd, NULL);
        d->stats.n_loads++;
        log_info("loaded host archive %s (last update %lld)", d->host_uuid,
                 (long long) rrd_last_up(rrd));
        return 1;
}

static int submit(Rrdd *d, JobKind kind, JobReason reason, RrdEntry *e) {
        Rrd *copy = NULL;
        Job *j;
        int r;

        if (kind == JOB_SAVE) {
                if (!e->rrd)
                        return 0;
                r = rrd_dup(e->rrd, &copy);
                if (r < 0)
                        return r;
        }
        j = job_new(kind, reason, e->kind, e->uuid, copy);
        if (!j) {
                rrd_destroy(copy);
                return -ENOMEM;
        }
        e->job_in_flight = true;
        return worker_submit(d->worker, j);
}

static void sample_sources(Rrdd *d, usec_t now_real) {
        SrcSink *sink = registry_sink(d->registry);

        for (size_t i = 0; i < d->n_sources; i++) {
                SrcInstance *s = d->sources[i];
                int r;

                registry_set_source(d->registry, (int) i, true);
                r = src_sample(s, now_real, sink);
                if (r >= 0) {
                        d->source_failures[i] = 0;
                        continue;
                }
                registry_set_source(d->registry, (int) i, false);
                d->stats.n_source_errors++;
                d->source_failures[i]++;
                log_ratelimited(LOG_WARNING, r, 60 * USEC_PER_SEC, 3,
                                "source '%s' failed to sample: %m", src_instance_ops(s)->name);
                if (d->source_failures[i] >= SOURCE_REOPEN_AFTER && d->have_src_cfg) {
                        src_close(s);
                        r = src_open(s, &d->src_cfg);
                        log_info("source '%s' reopened after %u failures: %s",
                                 src_instance_ops(s)->name, d->source_failures[i],
                                 r < 0 ? strerror(-r) : "ok");
                        d->source_failures[i] = 0;
                }
        }
}

/* New owners: look for their archive; if there is one, load it in the background. */
static void decide_new_owners(Rrdd *d) {
        size_t state = 0;
        RrdEntry *e;

        while ((e = registry_next(d->registry, &state))) {
                if (e->state != ENTRY_NEW || e->job_in_flight ||
                    !registry_is_resident(d->registry, e))
                        continue;
                int r = d->ops.exists(d->ops_ctx, e->kind, e->uuid);
                if (r < 0)
                        log_ratelimited(LOG_WARNING, r, 60 * USEC_PER_SEC, 3,
                                        "cannot look for the archive of %s %s: %m",
                                        src_owner_kind_to_string(e->kind), e->uuid);
                registry_decide_new(d->registry, e, r > 0);
                if (e->state == ENTRY_LOADING) {
                        r = submit(d, JOB_LOAD, JOB_APPEAR, e);
                        if (r < 0)
                                (void) registry_loaded(d->registry, e, NULL, NULL);
                }
        }
}

/* Owners that left: write them out (again, after a failure, once the back-off passed). */
static void archive_leavers(Rrdd *d) {
        size_t state = 0;
        RrdEntry *e;

        while ((e = registry_next(d->registry, &state))) {
                if (e->job_in_flight)
                        continue;
                if (e->state == ENTRY_ARCHIVING ||
                    (e->state == ENTRY_ARCHIVE_FAILED && d->tick_no >= e->archive_retry_tick)) {
                        int r = submit(d, JOB_SAVE, JOB_ARCHIVE, e);
                        if (r < 0)
                                registry_archive_failed(d->registry, e, d->tick_no + 1);
                }
        }
}

static size_t bucket_of(usec_t usec) {
        size_t b = 0;
        double ms = (double) usec / 1000.0;
        while (b < ELEMENTSOF(rrdd_tick_bucket_ms) && ms > rrdd_tick_bucket_ms[b])
                b++;
        return b;
}

static void account_tick(Rrdd *d, usec_t duration, usec_t lateness) {
        d->stats.n_ticks++;
        d->stats.last_tick_usec = duration;
        if (duration > d->stats.max_tick_usec)
                d->stats.max_tick_usec = duration;
        d->stats.sum_tick_usec += (double) duration;
        d->stats.tick_buckets[bucket_of(duration)]++;
        d->stats.last_lateness_usec = lateness;
        if (lateness > d->stats.max_lateness_usec)
                d->stats.max_lateness_usec = lateness;
        d->stats.sum_lateness_usec += (double) lateness;
        d->stats.lateness_buckets[bucket_of(lateness)]++;
}

int rrdd_tick(Rrdd *d, int64_t tick_s) {
        usec_t t0 = clock_mono(&d->clock), real0 = clock_real(&d->clock);
        usec_t boundary = (usec_t) tick_s * USEC_PER_SEC;
        usec_t lateness = real0 > boundary ? real0 - boundary : 0;
        TickResult res;
        int r;

        registry_begin_tick(d->registry, ++d->tick_no);
        sample_sources(d, clock_real(&d->clock));
        decide_new_owners(d);
        r = registry_apply_tick(d->registry, tick_s, &res);
        if (r < 0)
                log_ratelimited(LOG_ERR, r, 60 * USEC_PER_SEC, 3, "applying tick %lld: %m",
                                (long long) tick_s);
        if (res.n_refused > 0) {
                d->stats.n_refused_updates += res.n_refused;
                if (!d->refused_logged)
                        log_warning("the clock went backwards: %zu RRD updates at %lld refused "
                                    "(not before the last update); they resume once the clock "
                                    "passes it",
                                    res.n_refused, (long long) tick_s);
                d->refused_logged = true;
        } else if (res.n_updated > 0)
                d->refused_logged = false;
        archive_leavers(d);
        if (d->cfg->snapshot_dir && *d->cfg->snapshot_dir) {
                r = rrdd_write_snapshots(d);
                if (r < 0)
                        log_ratelimited(LOG_WARNING, r, 300 * USEC_PER_SEC, 1,
                                        "cannot write snapshot files in %s: %m, ignoring",
                                        d->cfg->snapshot_dir);
        }
        if (d->tick_hook)
                d->tick_hook(d->tick_userdata);
        account_tick(d, clock_mono(&d->clock) - t0, lateness);
        return 0;
}

static uint64_t retry_delay_ticks(unsigned failures) {
        uint64_t t = 1;
        for (unsigned i = 1; i < failures && t < ARCHIVE_RETRY_MAX_TICKS; i++)
                t *= 2;
        return t < ARCHIVE_RETRY_MAX_TICKS ? t : ARCHIVE_RETRY_MAX_TICKS;
}

/* Errors of a store on the network (a pool member's master): worth asking again. */
static bool is_transient(int r) {
        switch (-r) {
        case EAGAIN:
        case ETIMEDOUT:
        case ECONNREFUSED:
        case ECONNRESET:
        case EHOSTUNREACH:
        case ENETUNREACH:
        case EHOSTDOWN:
        case EPIPE:
        case ENOTCONN:
                return true;
        default:
                return false;
        }
}

static void job_done(Rrdd *d, Job *j) {
        RrdEntry *e = registry_find(d->registry, j->owner_kind, j->uuid);

        if (e)
                e->job_in_flight = false;
        switch (j->kind) {
        case JOB_LOAD:
                if (!e)
                        break;
                if (j->result == 0) {
                        void *g = hashmap_remove(d->generations, j->uuid);
                        uint64_t gen = (uint64_t) (uintptr_t) g - 1;
                        d->stats.n_loads++;
                        (void) registry_loaded(d->registry, e, TAKE_PTR(j->rrd), g ? &gen : NULL);
                } else {
                        /*
                         * Back to NEW either way: the next tick asks the store again, and the
                         * store decides when to stop asking (exists() answering 0).
                         */
                        if (is_transient(j->result))
                                log_ratelimited(LOG_INFO, j->result, 60 * USEC_PER_SEC, 3,
                                                "the archive of %s %s cannot be fetched now "
                                                "(%m); asking again next tick",
                                                src_owner_kind_to_string(j->owner_kind), j->uuid);
                        else if (j->result != -ENOENT)
                                log_error_errno(j->result, "cannot load the archive of %s %s: %m",
                                                src_owner_kind_to_string(j->owner_kind), j->uuid);
                        (void) registry_loaded(d->registry, e, NULL, NULL);
                }
                break;
        case JOB_SAVE:
                if (j->reason == JOB_BACKUP) {
                        if (j->result == 0)
                                d->stats.n_backups_written++;
                        else {
                                d->stats.n_backup_failures++;
                                log_ratelimited(LOG_ERR, j->result, 60 * USEC_PER_SEC, 5,
                                                "backup of %s %s failed: %m",
                                                src_owner_kind_to_string(j->owner_kind), j->uuid);
                        }
                        break;
                }
                if (!e)
                        break;
                if (j->result == 0) {
                        d->stats.n_archives_written++;
                        log_info("%s %s archived", src_owner_kind_to_string(j->owner_kind),
                                 j->uuid);
                        registry_archived(d->registry, e);
                } else {
                        d->stats.n_archive_failures++;
                        uint64_t delay = retry_delay_ticks(e->n_archive_failures + 1);
                        log_ratelimited(LOG_ERR, j->result, 60 * USEC_PER_SEC, 5,
                                        "cannot archive %s %s: %m; keeping it in memory, "
                                        "retrying in %llu ticks",
                                        src_owner_kind_to_string(j->owner_kind), j->uuid,
                                        (unsigned long long) delay);
                        registry_archive_failed(d->registry, e, d->tick_no + delay);
                }
                break;
        }
        job_free(j);
}

void rrdd_process_jobs(Rrdd *d) {
        Job *j;
        while ((j = worker_take_done(d->worker)))
                job_done(d, j);
}

void rrdd_wait_jobs(Rrdd *d) {
        worker_wait_idle(d->worker);
        rrdd_process_jobs(d);
}

int rrdd_backup_begin(Rrdd *d) {
        size_t n = 1 + registry_count(d->registry, SRC_OWNER_VM) +
                   registry_count(d->registry, SRC_OWNER_SR);
        size_t state = 0, k = 0;
        RrdEntry *e;
        BackupItem *items = calloc(n, sizeof(*items));

        if (!items)
                return -ENOMEM;
        while ((e = registry_next(d->registry, &state)) && k < n)
                if (e->rrd) {
                        items[k].kind = e->kind;
                        memcpy(items[k].uuid, e->uuid, sizeof(items[k].uuid));
                        k++;
                }
        free(d->backup);
        d->backup = items;
        d->n_backup = k;
        d->i_backup = 0;
        log_info("backup of %zu RRDs started", k);
        return 0;
}

bool rrdd_backup_step(Rrdd *d, size_t max) {
        size_t done = 0;

        while (d->i_backup < d->n_backup && done < max) {
                BackupItem *it = &d->backup[d->i_backup++];
                RrdEntry *e = registry_find(d->registry, it->kind, it->uuid);
                /* Leavers are written by the archive path; skip them here. */
                if (!e || !e->rrd || e->state != ENTRY_LIVE)
                        continue;
                if (submit(d, JOB_SAVE, JOB_BACKUP, e) < 0)
                        d->stats.n_backup_failures++;
                done++;
        }
        if (d->i_backup < d->n_backup)
                return true;
        free(d->backup);
        d->backup = NULL;
        d->n_backup = d->i_backup = 0;
        return false;
}

unsigned rrdd_save_all(Rrdd *d) {
        size_t state = 0;
        RrdEntry *e;
        unsigned failures = 0, written = 0;

        rrdd_wait_jobs(d);
        while ((e = registry_next(d->registry, &state))) {
                if (!e->rrd)
                        continue;
                int r = d->ops.save(d->ops_ctx, e->kind, e->uuid, e->rrd, ARCHIVE_SAVE_FINAL);
                if (r < 0) {
                        failures++;
                        log_error_errno(r, "cannot save %s %s: %m",
                                        src_owner_kind_to_string(e->kind), e->uuid);
                } else
                        written++;
        }
        int r = save_generations(d);
        if (r < 0)
                log_warning_errno(r, "cannot record the running VMs' generations: %m; their "
                                     "first counter delta after a restart will be unknown");
        log_info("saved %u RRDs, %u failures", written, failures);
        return failures;
}

/* JSON for one value: numbers as such, the non-finite as xcp-rrdd spells them, in strings. */
static void json_value(FILE *f, double v) {
        char buf[NUM_BUF_SIZE];
        if (isnan(v))
                fputs("\"NaN\"", f);
        else if (isinf(v))
                fputs(v > 0 ? "\"infinity\"" : "\"-infinity\"", f);
        else {
                (void) num_format_shortest(buf, v);
                fputs(buf, f);
        }
}

static void json_entry_values(FILE *f, const RrdEntry *e) {
        size_t n = e->rrd ? rrd_n_ds(e->rrd) : 0;
        fputc('{', f);
        for (size_t i = 0; i < n; i++) {
                /* Data-source names are printable ASCII without quotes or backslashes. */
                fprintf(f, "%s\"%s\":", i ? "," : "", rrd_ds_def(e->rrd, i)->name);
                json_value(f, registry_current_value(e, i));
        }
        fputc('}', f);
}

static int write_atomically(const char *dir, const char *name, Rrdd *d,
                            void (*fill)(FILE *, Rrdd *)) {
        char path[4096], tmp[4096];
        FILE *f;
        int fd, r = 0;

        if ((size_t) snprintf(path, sizeof(path), "%s/%s", dir, name) >= sizeof(path) ||
            (size_t) snprintf(tmp, sizeof(tmp), "%s/.%s.XXXXXX", dir, name) >= sizeof(tmp))
                return -ENAMETOOLONG;
        fd = mkostemp(tmp, O_CLOEXEC);
        if (fd < 0)
                return -errno;
        f = fdopen(fd, "w");
        if (!f) {
                r = -errno;
                close(fd);
                unlink(tmp);
                return r;
        }
        fill(f, d);
        fputc('\n', f);
        if (fchmod(fd, 0644) < 0)
                r = -errno;
        if (fclose(f) != 0 && r == 0)
                r = -errno;
        if (r == 0 && rename(tmp, path) < 0)
                r = -errno;
        if (r < 0)
                unlink(tmp);
        return r;
}

static void fill_host(FILE *f, Rrdd *d) {
        json_entry_values(f, registry_host(d->registry));
}

static void fill_vms(FILE *f, Rrdd *d) {
        size_t state = 0;
        RrdEntry *e;
        bool first = true;

        fputc('{', f);
        while ((e = registry_next(d->registry, &state)))
                if (e->kind == SRC_OWNER_VM && e->rrd && e->state == ENTRY_LIVE) {
                        fprintf(f, "%s\"%s\":", first ? "" : ",", e->uuid);
                        json_entry_values(f, e);
                        first = false;
                }
        fputc('}', f);
}

int rrdd_write_snapshots(Rrdd *d) {
        int r = write_atomically(d->cfg->snapshot_dir, "host-metrics.json", d, fill_host);
        if (r < 0)
                return r;
        return write_atomically(d->cfg->snapshot_dir, "vm-metrics.json", d, fill_vms);
}

/* ---- the loop ---- */

static int setup_signals(int *ret_fd) {
        sigset_t mask;
        sigemptyset(&mask);
        sigaddset(&mask, SIGTERM);
        sigaddset(&mask, SIGINT);
        sigaddset(&mask, SIGHUP);
        if (sigprocmask(SIG_BLOCK, &mask, NULL) < 0)
                return -errno;
        int fd = signalfd(-1, &mask, SFD_CLOEXEC | SFD_NONBLOCK);
        if (fd < 0)
                return -errno;
        *ret_fd = fd;
        return 0;
}

static int epoll_add(int ep, int fd, uint32_t tag) {
        struct epoll_event ev = {.events = EPOLLIN, .data.u32 = tag};
        return epoll_ctl(ep, EPOLL_CTL_ADD, fd, &ev) < 0 ? -errno : 0;
}

enum { TAG_TIMER = 1, TAG_SIGNAL, TAG_WORKER, TAG_IO };

int rrdd_add_io(Rrdd *d, const RrddIo *io) {
        if (d->n_io >= ELEMENTSOF(d->io))
                return -E2BIG;
        d->io[d->n_io++] = *io;
        return 0;
}

void rrdd_set_reload(Rrdd *d, const char *config_path, void (*hook)(void *userdata),
                     void *userdata) {
        free(d->config_path);
        d->config_path = config_path ? strdup(config_path) : NULL;
        d->reload_hook = hook;
        d->reload_userdata = userdata;
}

void rrdd_set_tick_hook(Rrdd *d, void (*hook)(void *userdata), void *userdata) {
        d->tick_hook = hook;
        d->tick_userdata = userdata;
}

void rrdd_keep_log_level(Rrdd *d) {
        d->log_level_fixed = true;
}

static void reload(Rrdd *d) {
        /* The log level comes from the configuration file again; other keys need a restart. */
        if (d->config_path && !d->log_level_fixed) {
                RrddConfig c;
                char err[CONFIG_ERROR_MAX];
                if (rrdd_config_init(&c) == 0) {
                        if (rrdd_config_load_file(&c, d->config_path, err) == 0) {
                                log_set_max_level(c.log_level);
                                log_info("SIGHUP: log level %s", log_level_to_string(c.log_level));
                        } else
                                log_warning("SIGHUP: %s; keeping the current log level", err);
                        rrdd_config_done(&c);
                }
        }
        if (d->reload_hook)
                d->reload_hook(d->reload_userdata);
}

int rrdd_run(Rrdd *d) {
        _cleanup_close_ int ep = -1, tfd = -1, sfd = -1;
        usec_t watchdog = notify_watchdog_usec();
        usec_t backup_period = d->cfg->backup_interval_s * USEC_PER_SEC;
        char status[256];
        int r, exit_status = 0;

        ep = epoll_create1(EPOLL_CLOEXEC);
        tfd = timerfd_create(CLOCK_MONOTONIC, TFD_CLOEXEC | TFD_NONBLOCK);
        if (ep < 0 || tfd < 0)
                return log_error_errno(-errno, "epoll/timerfd: %m");
        r = setup_signals(&sfd);
        if (r < 0)
                return log_error_errno(r, "signalfd: %m");
        if ((r = epoll_add(ep, tfd, TAG_TIMER)) < 0 || (r = epoll_add(ep, sfd, TAG_SIGNAL)) < 0 ||
            (r = epoll_add(ep, worker_fd(d->worker), TAG_WORKER)) < 0)
                return log_error_errno(r, "epoll_ctl: %m");
        for (size_t i = 0; i < d->n_io; i++)
                if ((r = epoll_add(ep, d->io[i].fd, TAG_IO + (uint32_t) i)) < 0)
                        return log_error_errno(r, "epoll_ctl: %m");

        d->next_backup_mono = clock_mono(&d->clock) + backup_period;
        tick_schedule_start(&d->schedule, clock_mono(&d->clock), clock_real(&d->clock));
        (void) notify_send("READY=1\nSTATUS=running");
        log_info("rrdd running: host %s, %zu sources, tick %llus", d->host_uuid, d->n_sources,
                 (unsigned long long) d->cfg->tick_s);

        for (;;) {
                usec_t now_mono = clock_mono(&d->clock), now_real = clock_real(&d->clock);
                usec_t deadline = tick_schedule_deadline(&d->schedule, now_mono, now_real);
                struct itimerspec its = {
                        .it_value = {.tv_sec = (time_t) (deadline / USEC_PER_SEC),
                                     .tv_nsec = (long) (deadline % USEC_PER_SEC) * 1000},
                };
                struct epoll_event evs[16];
                int timeout = d->backup ? 0 : -1;
                for (size_t i = 0; i < d->n_io; i++) {
                        int t = d->io[i].timeout_msec ? d->io[i].timeout_msec(d->io[i].userdata)
                                                      : -1;
                        if (t >= 0 && (timeout < 0 || t < timeout))
                                timeout = t;
                }

                (void) timerfd_settime(tfd, TFD_TIMER_ABSTIME, &its, NULL);
                int n = epoll_wait(ep, evs, (int) ELEMENTSOF(evs), timeout);
                if (n < 0 && errno != EINTR)
                        return log_error_errno(-errno, "epoll_wait: %m");

                bool io_ran[ELEMENTSOF(d->io)] = {};
                for (int i = 0; i < n; i++) {
                        uint64_t v;
                        if (evs[i].data.u32 >= TAG_IO) {
                                size_t k = evs[i].data.u32 - TAG_IO;
                                if (k < d->n_io) {
                                        (void) d->io[k].run(d->io[k].userdata);
                                        io_ran[k] = true;
                                }
                                continue;
                        }
                        switch (evs[i].data.u32) {
                        case TAG_TIMER:
                                (void) !read(tfd, &v, sizeof(v));
                                break;
                        case TAG_WORKER:
                                rrdd_process_jobs(d);
                                break;
                        case TAG_SIGNAL: {
                                struct signalfd_siginfo si;
                                while (read(sfd, &si, sizeof(si)) == sizeof(si)) {
                                        if (si.ssi_signo == SIGHUP) {
                                                reload(d);
                                                continue;
                                        }
                                        log_info("signal %u: saving every RRD and exiting",
                                                 si.ssi_signo);
                                        (void) notify_send("STOPPING=1\nSTATUS=saving");
                                        exit_status = rrdd_save_all(d) > 0 ? 1 : 0;
                                        return exit_status;
                                }
                                break;
                        }
                        }
                }

                /* Timers of the extra I/O (idle connections, say) run even without traffic. */
                for (size_t k = 0; k < d->n_io; k++)
                        if (!io_ran[k] && d->io[k].timeout_msec &&
                            d->io[k].timeout_msec(d->io[k].userdata) == 0)
                                (void) d->io[k].run(d->io[k].userdata);

                TickDue due;
                now_mono = clock_mono(&d->clock);
                now_real = clock_real(&d->clock);
                if (tick_schedule_due(&d->schedule, now_mono, now_real, &due)) {
                        if (due.missed > 0)
                                log_warning("tick overrun: %llu tick(s) missed before %lld",
                                            (unsigned long long) due.missed,
                                            (long long) due.tick_s);
                        if (due.step_usec != 0)
                                log_warning("the wall clock jumped by %+.1f s",
                                            (double) due.step_usec / 1e6);
                        d->stats.n_missed_ticks = d->schedule.n_missed;
                        d->stats.n_clock_steps = d->schedule.n_clock_steps;
                        (void) rrdd_tick(d, due.tick_s);
                        if (watchdog)
                                (void) notify_send("WATCHDOG=1");
                        (void) snprintf(status, sizeof(status),
                                        "STATUS=%zu VMs, last tick %.1f ms, %llu missed",
                                        registry_count(d->registry, SRC_OWNER_VM),
                                        (double) d->stats.last_tick_usec / 1000.0,
                                        (unsigned long long) d->stats.n_missed_ticks);
                        (void) notify_send(status);
                }
                if (!d->backup && now_mono >= d->next_backup_mono) {
                        (void) rrdd_backup_begin(d);
                        d->next_backup_mono = now_mono + backup_period;
                }
                if (d->backup)
                        (void) rrdd_backup_step(d, BACKUP_BATCH);
        }
}
