/* SPDX-License-Identifier: MIT */
/*
 * Fuzz target for the archive reader: any input either is refused with a message, or loads into
 * an RRD that saves, reloads into exactly the same state and saves into exactly the same bytes
 * (XML -> Rrd -> XML -> Rrd is stable). JSON output of what loaded must be producible too. The
 * reader's fast path accepts nothing its libxml2 path refuses, and builds the same state.
 */

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "persist/reader.h"
#include "persist/writer.h"
#include "rrd-gen.h"
#include "rrdd/macro.h"

/* Small limits keep the fuzzer fast; real archives are far below the defaults. */
static const PersistLimits limits = {
        .max_bytes = 4 << 20,
        .max_values = 1 << 20,
};

_noreturn_ static void die(const char *what, const char *detail) {
        fprintf(stderr, "fuzz-persist-load: %s: %s\n", what, detail ? detail : "");
        abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
        _cleanup_(rrd_destroyp) Rrd *a = NULL, *b = NULL, *fast = NULL, *slow = NULL;
        _cleanup_free_ char *x1 = NULL, *x2 = NULL, *json = NULL;
        size_t n1, n2, nj;
        PersistError err;
        char why[300];

        if (persist_load_memory_fast(data, size, &limits, &fast) == 0) {
                if (persist_load_memory_libxml(data, size, &limits, &slow, &err) < 0)
                        die("the fast path accepts what libxml2 refuses",
                            persist_error_to_string(&err, why, sizeof(why)));
                if (!gen_rrd_equal(slow, fast, why, sizeof(why)))
                        die("the fast path and libxml2 differ", why);
        }
        if (persist_load_memory(data, size, &limits, &a, &err) < 0) {
                if (a)
                        die("refused input returned an RRD", NULL);
                if (!err.message[0])
                        die("refused input without a message", NULL);
                return 0;
        }
        if (gen_write_all(a, PERSIST_FORMAT_XML, 65536, NULL, &x1, &n1) < 0)
                die("save", NULL);
        if (persist_load_memory(x1, n1, NULL, &b, &err) < 0)
                die("reloading our own output", persist_error_to_string(&err, why, sizeof(why)));
        if (!gen_rrd_equal(a, b, why, sizeof(why)))
                die("state changed through save and load", why);
        if (gen_write_all(b, PERSIST_FORMAT_XML, 4093, NULL, &x2, &n2) < 0)
                die("second save", NULL);
        if (n1 != n2 || memcmp(x1, x2, n1) != 0)
                die("second save differs", NULL);
        if (gen_write_all(a, PERSIST_FORMAT_JSON, 65536, NULL, &json, &nj) < 0)
                die("json", NULL);
        return 0;
}
