/* SPDX-License-Identifier: MIT */
/*
 * Save -> load -> identical state, every field, bit for bit: every default layout, and random
 * states reached by driving the engine (all types, U, fractional times, wraps, long gaps). Also
 * through gzip, through the store, and through a pipe that delivers the document in small
 * random pieces; and a second save of what was loaded gives the same bytes. Our own documents
 * take the reader's fast path, and its libxml2 path reads them into the same state.
 */

#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>
#include <zlib.h>

#include "consolidate/layout.h"
#include "persist/reader.h"
#include "persist/store.h"
#include "persist/writer.h"
#include "rrd-gen.h"
#include "rrdd/macro.h"
#include "tests/tap.h"

static char errbuf[400];

static const char *why_load(const PersistError *e) {
        return persist_error_to_string(e, errbuf, sizeof(errbuf));
}

/*
 * Our own text takes the reader's fast path, and both of its paths build exactly the state that
 * was saved.
 */
static bool both_paths(const Rrd *rrd, const char *xml, size_t len, char *why, size_t why_size) {
        _cleanup_(rrd_destroyp) Rrd *fast = NULL, *slow = NULL;
        PersistError err;

        if (persist_load_memory_fast(xml, len, NULL, &fast) < 0) {
                (void) snprintf(why, why_size, "our own document missed the fast path");
                return false;
        }
        if (persist_load_memory_libxml(xml, len, NULL, &slow, &err) < 0) {
                (void) snprintf(why, why_size, "libxml2 path: %s", why_load(&err));
                return false;
        }
        return gen_rrd_equal(rrd, fast, why, why_size) && gen_rrd_equal(rrd, slow, why, why_size);
}

/* rrd -> XML -> rrd2 == rrd, and rrd2 -> XML is the same text. */
static bool roundtrip_memory(const Rrd *rrd, const char *what, bool quiet) {
        _cleanup_free_ char *xml = NULL, *xml2 = NULL;
        _cleanup_(rrd_destroyp) Rrd *back = NULL;
        PersistError err;
        size_t len, len2;
        char why[300] = "";
        bool ok;

        if (gen_write_all(rrd, PERSIST_FORMAT_XML, 65536, NULL, &xml, &len) < 0)
                return CHECKF(false, "%s: write", what);
        int r = persist_load_memory(xml, len, NULL, &back, &err);
        if (r < 0)
                return CHECKF(false, "%s: load: %s", what, why_load(&err));
        ok = gen_rrd_equal(rrd, back, why, sizeof(why)) &&
             both_paths(rrd, xml, len, why, sizeof(why));
        if (ok && gen_write_all(back, PERSIST_FORMAT_XML, 65536, NULL, &xml2, &len2) == 0)
                ok = len2 == len && memcmp(xml, xml2, len) == 0;
        if (!quiet || !ok)
                CHECKF(ok, "%s: %s", what, why[0] ? why : "second save differs");
        return ok;
}

static void test_layouts(void) {
        static const RrdLayoutOptions opts[] = {
                {},
                {.min_max = true},
                {.last = true},
                {.min_max = true, .last = true},
        };
        GenRng g = {1};

        for (int kind = 0; kind < _RRD_LAYOUT_KIND_MAX; kind++)
                for (size_t o = 0; o < ELEMENTSOF(opts); o++) {
                        _cleanup_(rrd_destroyp) Rrd *rrd = NULL;
                        char what[64];
                        (void) snprintf(what, sizeof(what), "layout %d options %zu", kind, o);
                        /* 3000 updates = about 4 h: the 1 h tier consolidates too. */
                        CHECK(gen_layout_rrd(&g, (RrdLayoutKind) kind, &opts[o], 8, 3000, &rrd) ==
                              0);
                        if (rrd)
                                roundtrip_memory(rrd, what, false);
                }
}

static void test_random_states(void) {
        GenOptions o = {.max_ds = 6, .max_rra = 5, .n_updates = 300};
        GenRng g = {2};
        int n_ok = 0, n = 300;

        for (int i = 0; i < n; i++) {
                _cleanup_(rrd_destroyp) Rrd *rrd = NULL;
                char what[64];
                (void) snprintf(what, sizeof(what), "random state %d", i);
                o.n_updates = (size_t) gen_below(&g, 400);
                if (gen_random_rrd(&g, &o, &rrd) < 0) {
                        CHECKF(false, "%s: generate", what);
                        continue;
                }
                n_ok += roundtrip_memory(rrd, what, true);
        }
        CHECKF(n_ok == n, "%d of %d random states round-trip exactly", n_ok, n);
}

static int gzip_buffer(const char *in, size_t len, char **ret, size_t *ret_len) {
        z_stream z = {};
        size_t cap = compressBound((uLong) len) + 64;
        char *out = malloc(cap);

        if (!out || deflateInit2(&z, 6, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY) != Z_OK) {
                free(out);
                return -ENOMEM;
        }
        z.next_in = (Bytef *) (uintptr_t) in;
        z.avail_in = (uInt) len;
        z.next_out = (Bytef *) out;
        z.avail_out = (uInt) cap;
        int r = deflate(&z, Z_FINISH);
        *ret_len = cap - z.avail_out;
        (void) deflateEnd(&z);
        if (r != Z_STREAM_END) {
                free(out);
                return -EIO;
        }
        *ret = out;
        return 0;
}

/* A child writes the document into a pipe in random pieces of 1..97 bytes. */
static int load_through_pipe(const char *doc, size_t len, uint64_t seed, Rrd **ret,
                             PersistError *err) {
        int p[2], status, r;
        pid_t pid;

        if (pipe(p) < 0)
                return -errno;
        pid = fork();
        if (pid < 0)
                return -errno;
        if (pid == 0) {
                GenRng g = {seed};
                (void) close(p[0]);
                for (size_t off = 0; off < len;) {
                        size_t k = 1 + (size_t) gen_below(&g, 97);
                        if (k > len - off)
                                k = len - off;
                        ssize_t n = write(p[1], doc + off, k);
                        if (n <= 0)
                                _exit(1);
                        off += (size_t) n;
                        if (gen_below(&g, 16) == 0)
                                (void) usleep(50);
                }
                _exit(0);
        }
        (void) close(p[1]);
        r = persist_load_fd(p[0], NULL, ret, err);
        (void) close(p[0]);
        (void) waitpid(pid, &status, 0);
        return r;
}

static void test_streams(void) {
        GenOptions o = {.max_ds = 5, .max_rra = 4, .n_updates = 200};
        GenRng g = {3};

        for (int i = 0; i < 6; i++) {
                _cleanup_(rrd_destroyp) Rrd *rrd = NULL, *a = NULL, *b = NULL, *c = NULL;
                _cleanup_free_ char *xml = NULL, *gz = NULL;
                size_t len, gz_len;
                PersistError err;
                char why[300] = "";

                CHECK(gen_random_rrd(&g, &o, &rrd) == 0);
                CHECK(gen_write_all(rrd, PERSIST_FORMAT_XML, 65536, NULL, &xml, &len) == 0);
                CHECK(gzip_buffer(xml, len, &gz, &gz_len) == 0);
                if (!xml || !gz)
                        continue;
                CHECKF(persist_load_memory(gz, gz_len, NULL, &a, &err) == 0, "gzip: %s",
                       why_load(&err));
                CHECKF(a && gen_rrd_equal(rrd, a, why, sizeof(why)), "gzip: %s", why);
                CHECKF(load_through_pipe(xml, len, (uint64_t) i, &b, &err) == 0, "pipe: %s",
                       why_load(&err));
                CHECKF(b && gen_rrd_equal(rrd, b, why, sizeof(why)), "pipe: %s", why);
                CHECKF(load_through_pipe(gz, gz_len, (uint64_t) i + 100, &c, &err) == 0,
                       "gzip pipe: %s", why_load(&err));
                CHECKF(c && gen_rrd_equal(rrd, c, why, sizeof(why)), "gzip pipe: %s", why);
        }
}

/*
 * PERSIST_WRITER_SHORTEST (for HTTP answers) writes other text for some values, but loads back
 * just as exactly.
 */
static void test_shortest_flag(void) {
        GenOptions o = {.max_ds = 6, .max_rra = 5, .n_updates = 300};
        GenRng g = {5};
        int n = 50, n_ok = 0, n_differ = 0;

        for (int i = 0; i < n; i++) {
                _cleanup_(rrd_destroyp) Rrd *rrd = NULL, *back = NULL;
                _cleanup_free_ char *a = NULL, *b = NULL;
                size_t la, lb;
                char why[300];
                if (gen_random_rrd(&g, &o, &rrd) < 0 ||
                    gen_write_all_flags(rrd, PERSIST_FORMAT_XML, PERSIST_WRITER_SHORTEST, 4096,
                                        NULL, &a, &la) < 0 ||
                    gen_write_all(rrd, PERSIST_FORMAT_XML, 4096, NULL, &b, &lb) < 0)
                        continue;
                n_differ += la != lb || memcmp(a, b, la) != 0;
                if (persist_load_memory(a, la, NULL, &back, NULL) == 0 &&
                    gen_rrd_equal(rrd, back, why, sizeof(why)) &&
                    both_paths(rrd, a, la, why, sizeof(why)))
                        n_ok++;
        }
        CHECKF(n_ok == n, "%d of %d round-trip exactly with PERSIST_WRITER_SHORTEST", n_ok, n);
        CHECKF(n_differ > 0, "the flag changes the text of some documents (%d of %d)", n_differ, n);
}

static void test_store(void) {
        static const char uuid[] = "0f2d4a4e-8e6b-4b1a-9b7e-3d2a1c0b9e8f";
        char dir[] = "/tmp/rrdd-persist-rt-XXXXXX";
        _cleanup_(persist_store_freep) PersistStore *s = NULL;
        GenRng g = {4};

        CHECK(mkdtemp(dir) != NULL);
        CHECK(persist_store_new(&s, dir) == 0);
        if (!s)
                return;
        for (unsigned flags = 0; flags <= PERSIST_STORE_GZIP; flags += PERSIST_STORE_GZIP) {
                _cleanup_(rrd_destroyp) Rrd *rrd = NULL, *back = NULL;
                PersistError err;
                char why[300] = "";

                CHECK(gen_layout_rrd(&g, RRD_LAYOUT_HOST, NULL, 12, 500, &rrd) == 0);
                CHECK(persist_store_save(s, uuid, rrd, flags) == 0);
                CHECKF(persist_store_load(s, uuid, NULL, &back, &err) == 0, "%s", why_load(&err));
                CHECKF(back && gen_rrd_equal(rrd, back, why, sizeof(why)), "store %u: %s", flags,
                       why);
        }
        CHECK(persist_store_remove(s, uuid) == 0);
        CHECK(rmdir(dir) == 0);
}

int main(void) {
        test_layouts();
        test_random_states();
        test_streams();
        test_shortest_flag();
        test_store();
        return TAP_DONE();
}
