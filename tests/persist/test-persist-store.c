/* SPDX-License-Identifier: MIT */
/*
 * The archive store: uuid checks before any path, save/load in both forms, and the promise that
 * a failed or interrupted save never costs the previous archive: RLIMIT_FSIZE, a full file
 * system, a read-only one, and kill -9 at random moments of repeated saves.
 */

#include <dirent.h>
#include <fcntl.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "consolidate/layout.h"
#include "persist/store.h"
#include "rrd-gen.h"
#include "rrdd/macro.h"
#include "tests/tap.h"

static const char uuid[] = "6f1e2d3c-4b5a-4978-8a9b-0c1d2e3f4a5b";

static void tap_skip(const char *why) {
        tap_n_checks++;
        printf("ok %d # SKIP %s\n", tap_n_checks, why);
        fflush(stdout);
}

static double now_s(void) {
        struct timespec ts;
        (void) clock_gettime(CLOCK_MONOTONIC, &ts);
        return (double) ts.tv_sec + (double) ts.tv_nsec / 1e9;
}

/* Entries of dir other than . and .. ; names written to list (space-separated) if given. */
static int count_entries(const char *dir, char *list, size_t size) {
        DIR *d = opendir(dir);
        struct dirent *e;
        int n = 0;

        if (list && size)
                list[0] = '\0';
        if (!d)
                return -1;
        while ((e = readdir(d)))
                if (strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0) {
                        n++;
                        if (list)
                                (void) snprintf(list + strlen(list), size - strlen(list), "%s ",
                                                e->d_name);
                }
        (void) closedir(d);
        return n;
}

static int rm_rf_flat(const char *dir) {
        DIR *d = opendir(dir);
        struct dirent *e;
        char p[4096];

        if (!d)
                return -errno;
        while ((e = readdir(d)))
                if (strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0) {
                        (void) snprintf(p, sizeof(p), "%s/%s", dir, e->d_name);
                        (void) unlink(p);
                }
        (void) closedir(d);
        return rmdir(dir) < 0 ? -errno : 0;
}

static Rrd *make_rrd(uint64_t seed, size_t n_ds, size_t n_updates) {
        GenRng g = {seed};
        Rrd *rrd = NULL;

        if (gen_layout_rrd(&g, RRD_LAYOUT_VM, NULL, n_ds, n_updates, &rrd) < 0)
                return NULL;
        return rrd;
}

/* Whether the store holds exactly `want` under uuid. */
static bool holds(const PersistStore *s, const Rrd *want) {
        _cleanup_(rrd_destroyp) Rrd *got = NULL;
        char why[300];

        if (persist_store_load(s, uuid, NULL, &got, NULL) < 0)
                return false;
        return gen_rrd_equal(want, got, why, sizeof(why));
}

static void test_uuid(void) {
        static const char *const good[] = {
                "6f1e2d3c-4b5a-4978-8a9b-0c1d2e3f4a5b",
                "6F1E2D3C-4B5A-4978-8A9B-0C1D2E3F4A5B",
                "00000000-0000-0000-0000-000000000000",
        };
        static const char *const bad[] = {
                "",
                "6f1e2d3c-4b5a-4978-8a9b-0c1d2e3f4a5",
                "6f1e2d3c-4b5a-4978-8a9b-0c1d2e3f4a5b0",
                "6f1e2d3c4b5a-4978-8a9b-0c1d2e3f4a5b-",
                "6f1e2d3c-4b5a-4978-8a9b-0c1d2e3f4a5g",
                "../../../../etc/passwd-xxxxxxxxxxxxx",
                "6f1e2d3c-4b5a-4978-8a9b-0c1d2e3f4a5b\n",
                "6f1e2d3c/4b5a-4978-8a9b-0c1d2e3f4a5b",
                "{6f1e2d3c-4b5a-4978-8a9b-0c1d2e3f4a5}",
        };
        for (size_t i = 0; i < ELEMENTSOF(good); i++)
                CHECKF(persist_uuid_is_valid(good[i]), "%s", good[i]);
        for (size_t i = 0; i < ELEMENTSOF(bad); i++)
                CHECKF(!persist_uuid_is_valid(bad[i]), "'%s'", bad[i]);
        CHECK(!persist_uuid_is_valid(NULL));
}

static void test_basics(void) {
        char dir[] = "/tmp/rrdd-store-XXXXXX", sub[64], path[128], list[512];
        _cleanup_(persist_store_freep) PersistStore *s = NULL;
        _cleanup_(rrd_destroyp) Rrd *a = make_rrd(1, 4, 100), *b = make_rrd(2, 4, 100);
        Rrd *none = NULL;
        PersistError err;

        CHECK(mkdtemp(dir) != NULL);
        (void) snprintf(sub, sizeof(sub), "%s/data", dir);
        /* The directory is created when missing. */
        CHECK(persist_store_new(&s, sub) == 0);
        if (!s || !a || !b)
                return;
        CHECK(persist_store_load(s, uuid, NULL, &none, &err) == -ENOENT && !none);
        CHECK(persist_store_save(s, "../evil", a, 0) == -EINVAL);
        CHECK(persist_store_load(s, "../evil", NULL, &none, &err) == -EINVAL);
        CHECK(persist_store_save(s, uuid, a, 1U << 7) == -EINVAL);
        CHECK(count_entries(sub, NULL, 0) == 0);

        CHECK(persist_store_save(s, uuid, a, 0) == 0);
        CHECK(holds(s, a));
        CHECK(count_entries(sub, list, sizeof(list)) == 1);
        /* Switching to gzip replaces the plain file; and back. */
        CHECK(persist_store_save(s, uuid, b, PERSIST_STORE_GZIP) == 0);
        CHECK(holds(s, b));
        (void) snprintf(path, sizeof(path), "%s/%s.xml.gz", sub, uuid);
        CHECKF(count_entries(sub, list, sizeof(list)) == 1 && access(path, F_OK) == 0, "%s", list);
        CHECK(persist_store_save(s, uuid, a, 0) == 0);
        CHECK(holds(s, a) && access(path, F_OK) < 0);

        /* Both forms present (a crash between rename and unlink): the newer wins. */
        CHECK(persist_store_save(s, "11111111-2222-3333-4444-555555555555", b,
                                 PERSIST_STORE_GZIP) == 0);
        char from[160];
        (void) snprintf(from, sizeof(from), "%s/11111111-2222-3333-4444-555555555555.xml.gz", sub);
        CHECK(rename(from, path) == 0);
        struct timespec old_times[2] = {{.tv_sec = 1000000000}, {.tv_sec = 1000000000}};
        CHECK(utimensat(AT_FDCWD, path, old_times, 0) == 0);
        CHECK(holds(s, a));
        char plain[160];
        (void) snprintf(plain, sizeof(plain), "%s/%s.xml", sub, uuid);
        CHECK(utimensat(AT_FDCWD, plain, old_times, 0) == 0);
        CHECK(utimensat(AT_FDCWD, path, NULL, 0) == 0);
        CHECK(holds(s, b));
        CHECK(persist_store_remove(s, uuid) == 0);
        CHECK(persist_store_remove(s, uuid) == -ENOENT);

        /* A corrupt archive is reported, not replaced or half-loaded. */
        int fd = open(plain, O_WRONLY | O_CREAT | O_TRUNC, 0644);
        CHECK(fd >= 0 && write(fd, "<rrd><step>5", 12) == 12);
        (void) close(fd);
        CHECK(persist_store_load(s, uuid, NULL, &none, &err) == -EBADMSG && !none);
        CHECK(err.message[0] != '\0');

        /* Leftover temporaries are cleaned, nothing else. */
        (void) snprintf(path, sizeof(path), "%s/.%s.xml.0123456789abcdef.tmp", sub, uuid);
        fd = open(path, O_WRONLY | O_CREAT, 0644);
        (void) close(fd);
        (void) snprintf(path, sizeof(path), "%s/other.tmp", sub);
        fd = open(path, O_WRONLY | O_CREAT, 0644);
        (void) close(fd);
        CHECK(persist_store_clean(s) == 1);
        CHECK(count_entries(sub, NULL, 0) == 2);
        s = persist_store_free(s);
        CHECK(rm_rf_flat(sub) == 0 && rmdir(dir) == 0);
}

/* Saves and loads of different uuids from two threads at once. */
typedef struct ThreadArg {
        const PersistStore *s;
        const Rrd *rrd;
        char uuid[40];
        int failures;
} ThreadArg;

static void *saver(void *p) {
        ThreadArg *a = p;

        for (int i = 0; i < 20; i++) {
                Rrd *back = NULL;
                char why[300];
                if (persist_store_save(a->s, a->uuid, a->rrd, i % 2 ? PERSIST_STORE_GZIP : 0) < 0 ||
                    persist_store_load(a->s, a->uuid, NULL, &back, NULL) < 0 ||
                    !gen_rrd_equal(a->rrd, back, why, sizeof(why)))
                        a->failures++;
                rrd_destroy(back);
        }
        return NULL;
}

static void test_threads(void) {
        char dir[] = "/tmp/rrdd-store-XXXXXX";
        _cleanup_(persist_store_freep) PersistStore *s = NULL;
        _cleanup_(rrd_destroyp) Rrd *a = make_rrd(3, 6, 50), *b = make_rrd(4, 6, 50);
        ThreadArg args[2] = {{.rrd = a}, {.rrd = b}};
        pthread_t t[2];

        CHECK(mkdtemp(dir) && persist_store_new(&s, dir) == 0);
        if (!s || !a || !b)
                return;
        for (int i = 0; i < 2; i++) {
                args[i].s = s;
                (void) snprintf(args[i].uuid, sizeof(args[i].uuid),
                                "%08d-aaaa-bbbb-cccc-dddddddddddd", i);
                CHECK(pthread_create(&t[i], NULL, saver, &args[i]) == 0);
        }
        for (int i = 0; i < 2; i++)
                CHECK(pthread_join(t[i], NULL) == 0 && args[i].failures == 0);
        s = persist_store_free(s);
        CHECK(rm_rf_flat(dir) == 0);
}

/*
 * Results of a fault scenario run in a child (so rlimits and mounts stay there): the save's
 * return code, whether the old archive still loads identical, the directory's entries.
 */
typedef struct Outcome {
        int skipped; /* errno of the setup step that was not possible, or 0 */
        int first_save;
        int failed_save;
        int intact;
        int n_entries;
        int second_failed_save;
        int second_intact;
        int second_n_entries;
} Outcome;

_noreturn_ static void report(int fd, const Outcome *o) {
        /* A short write shows up in the parent as a missing outcome. */
        _exit(write(fd, o, sizeof(*o)) == (ssize_t) sizeof(*o) ? 0 : 1);
}

static bool run_child(void (*fn)(int fd, const char *dir), const char *dir, Outcome *ret) {
        int p[2], status;
        pid_t pid;

        *ret = (Outcome){.skipped = -1};
        if (pipe(p) < 0)
                return false;
        pid = fork();
        if (pid < 0)
                return false;
        if (pid == 0) {
                (void) close(p[0]);
                fn(p[1], dir);
                _exit(1);
        }
        (void) close(p[1]);
        ssize_t n = read(p[0], ret, sizeof(*ret));
        (void) close(p[0]);
        (void) waitpid(pid, &status, 0);
        return n == (ssize_t) sizeof(*ret) && WIFEXITED(status) && WEXITSTATUS(status) == 0;
}

_noreturn_ static void fsize_child(int fd, const char *dir) {
        _cleanup_(persist_store_freep) PersistStore *s = NULL;
        _cleanup_(rrd_destroyp) Rrd *small = make_rrd(5, 2, 10), *big = make_rrd(6, 20, 10);
        Outcome o = {};
        struct stat st;
        char path[256];

        if (persist_store_new(&s, dir) < 0 || !small || !big)
                _exit(1);
        o.first_save = persist_store_save(s, uuid, small, 0);
        (void) snprintf(path, sizeof(path), "%s/%s.xml", dir, uuid);
        if (stat(path, &st) < 0)
                _exit(1);
        /* Without this the kernel's SIGXFSZ would kill us; rrdd ignores it the same way. */
        (void) signal(SIGXFSZ, SIG_IGN);
        struct rlimit rl = {.rlim_cur = (rlim_t) st.st_size + 4096,
                            .rlim_max = (rlim_t) st.st_size + 4096};
        if (setrlimit(RLIMIT_FSIZE, &rl) < 0)
                _exit(1);
        o.failed_save = persist_store_save(s, uuid, big, 0);
        o.intact = holds(s, small);
        o.n_entries = count_entries(dir, NULL, 0);
        o.second_failed_save = persist_store_save(s, uuid, big, PERSIST_STORE_GZIP);
        o.second_intact = holds(s, small);
        o.second_n_entries = count_entries(dir, NULL, 0);
        report(fd, &o);
}

static void test_fsize(void) {
        char dir[] = "/tmp/rrdd-store-XXXXXX";
        Outcome o;

        CHECK(mkdtemp(dir) != NULL);
        CHECK(run_child(fsize_child, dir, &o));
        CHECK(o.first_save == 0);
        CHECKF(o.failed_save == -EFBIG, "save under RLIMIT_FSIZE: %d", o.failed_save);
        CHECK(o.intact && o.n_entries == 1);
        /* gzip output of a 20-DS VM is also far above the limit. */
        CHECKF(o.second_failed_save == -EFBIG, "gzip save under RLIMIT_FSIZE: %d",
               o.second_failed_save);
        CHECK(o.second_intact && o.second_n_entries == 1);
        CHECK(rm_rf_flat(dir) == 0);
}

/* In a private mount namespace: a small tmpfs that fills up, then turns read-only. */
_noreturn_ static void tmpfs_child(int fd, const char *dir) {
        _cleanup_(persist_store_freep) PersistStore *s = NULL;
        _cleanup_(rrd_destroyp) Rrd *small = make_rrd(7, 2, 10), *big = make_rrd(8, 20, 10);
        Outcome o = {};
        char filler[256];

        if (unshare(CLONE_NEWNS) < 0 || mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0 ||
            mount("tmpfs", dir, "tmpfs", 0, "size=256k,mode=0755") < 0) {
                o.skipped = errno ? errno : EPERM;
                report(fd, &o);
        }
        if (persist_store_new(&s, dir) < 0 || !small || !big)
                _exit(1);
        o.first_save = persist_store_save(s, uuid, small, 0);
        /* Leave about 64 KiB free: far less than the big RRD's XML (about 200 KiB). */
        (void) snprintf(filler, sizeof(filler), "%s/filler", dir);
        int ffd = open(filler, O_WRONLY | O_CREAT, 0644);
        char block[4096] = {};
        for (;;) {
                struct stat st;
                if (ffd < 0 || fstat(ffd, &st) < 0 || write(ffd, block, sizeof(block)) < 0)
                        break;
                if (st.st_size > 256 * 1024 - 64 * 1024 - 4096 * 4)
                        break;
        }
        (void) close(ffd);
        o.failed_save = persist_store_save(s, uuid, big, 0);
        o.intact = holds(s, small);
        o.n_entries = count_entries(dir, NULL, 0);
        (void) unlink(filler);
        if (mount(NULL, dir, NULL, MS_REMOUNT | MS_RDONLY, NULL) < 0)
                _exit(1);
        o.second_failed_save = persist_store_save(s, uuid, big, 0);
        o.second_intact = holds(s, small);
        o.second_n_entries = count_entries(dir, NULL, 0);
        report(fd, &o);
}

/* Unprivileged fallback for the read-only case: a directory without write permission. */
_noreturn_ static void readonly_child(int fd, const char *dir) {
        _cleanup_(persist_store_freep) PersistStore *s = NULL;
        _cleanup_(rrd_destroyp) Rrd *small = make_rrd(7, 2, 10), *big = make_rrd(8, 20, 10);
        Outcome o = {};

        if (persist_store_new(&s, dir) < 0 || !small || !big)
                _exit(1);
        o.first_save = persist_store_save(s, uuid, small, 0);
        if (chmod(dir, 0555) < 0)
                _exit(1);
        o.second_failed_save = persist_store_save(s, uuid, big, 0);
        o.second_intact = holds(s, small);
        o.second_n_entries = count_entries(dir, NULL, 0);
        (void) chmod(dir, 0755);
        report(fd, &o);
}

static void test_full_and_readonly(void) {
        char dir[] = "/tmp/rrdd-store-XXXXXX";
        Outcome o;

        CHECK(mkdtemp(dir) != NULL);
        if (geteuid() != 0) {
                tap_skip("full file system: needs root to mount a small tmpfs");
                CHECK(run_child(readonly_child, dir, &o));
                CHECK(o.first_save == 0);
                CHECKF(o.second_failed_save == -EACCES, "save into read-only dir: %d",
                       o.second_failed_save);
                CHECK(o.second_intact && o.second_n_entries == 1);
                CHECK(rm_rf_flat(dir) == 0);
                return;
        }
        CHECK(run_child(tmpfs_child, dir, &o));
        if (o.skipped) {
                tap_skip("cannot mount a tmpfs here (no mount namespace)");
                CHECK(rmdir(dir) == 0);
                return;
        }
        CHECK(o.first_save == 0);
        CHECKF(o.failed_save == -ENOSPC, "save into a full tmpfs: %d", o.failed_save);
        CHECK(o.intact && o.n_entries == 2); /* the archive and the filler, no temporary */
        CHECKF(o.second_failed_save == -EROFS, "save into a read-only tmpfs: %d",
               o.second_failed_save);
        CHECK(o.second_intact && o.second_n_entries == 1);
        /* The tmpfs went away with the child's mount namespace. */
        CHECK(count_entries(dir, NULL, 0) == 0);
        CHECK(rmdir(dir) == 0);
}

/*
 * kill -9 at random moments of a loop of saves that alternate two RRDs: afterwards the archive
 * always loads and is exactly one of the two.
 */
static void test_kill9(void) {
        char dir[] = "/tmp/rrdd-store-XXXXXX";
        _cleanup_(persist_store_freep) PersistStore *s = NULL;
        _cleanup_(rrd_destroyp) Rrd *a = make_rrd(9, 4, 200), *b = make_rrd(10, 4, 300);
        const int iterations = 120;
        int n_good = 0, n_mid = 0;
        GenRng g = {12};
        double t0, per_save;

        CHECK(mkdtemp(dir) && persist_store_new(&s, dir) == 0);
        if (!s || !a || !b)
                return;
        t0 = now_s();
        CHECK(persist_store_save(s, uuid, a, 0) == 0);
        CHECK(persist_store_save(s, uuid, b, 0) == 0);
        per_save = (now_s() - t0) / 2;
        for (int i = 0; i < iterations; i++) {
                pid_t pid = fork();
                if (pid < 0)
                        break;
                if (pid == 0) {
                        for (unsigned k = 0;; k++)
                                (void) persist_store_save(s, uuid, k % 2 ? a : b,
                                                          k % 3 == 2 ? PERSIST_STORE_GZIP : 0);
                }
                /* Somewhere in the first three saves. */
                (void) usleep((useconds_t) (gen_unit(&g) * per_save * 3e6));
                (void) kill(pid, SIGKILL);
                (void) waitpid(pid, NULL, 0);

                _cleanup_(rrd_destroyp) Rrd *got = NULL;
                char why[300];
                if (persist_store_load(s, uuid, NULL, &got, NULL) == 0 &&
                    (gen_rrd_equal(a, got, why, sizeof(why)) ||
                     gen_rrd_equal(b, got, why, sizeof(why))))
                        n_good++;
                if (persist_store_clean(s) > 0)
                        n_mid++;
        }
        CHECKF(n_good == iterations, "%d of %d kills left a valid archive", n_good, iterations);
        /* The kills did land inside saves (a temporary file was left behind). */
        CHECKF(n_mid > 0, "%d kills interrupted a save", n_mid);
        TAP_DIAG("%d iterations, %d interrupted mid-save, save %.1f ms", iterations, n_mid,
                 per_save * 1e3);
        /*
         * Only archives remain: <uuid>.xml, and <uuid>.xml.gz too when a kill fell between a
         * rename and the removal of the other form (loading then takes the newer).
         */
        char list[512], plain[64], gz[64];
        (void) snprintf(plain, sizeof(plain), "%s.xml ", uuid);
        (void) snprintf(gz, sizeof(gz), "%s.xml.gz ", uuid);
        int n = count_entries(dir, list, sizeof(list));
        CHECKF((n == 1 && (strcmp(list, plain) == 0 || strcmp(list, gz) == 0)) ||
                       (n == 2 && strstr(list, plain) && strstr(list, gz)),
               "left: %s", list);
        s = persist_store_free(s);
        CHECK(rm_rf_flat(dir) == 0);
}

int main(void) {
        test_uuid();
        test_basics();
        test_threads();
        test_fsize();
        test_full_and_readonly();
        test_kill9();
        return TAP_DONE();
}
