/* SPDX-License-Identifier: MIT */
/*
 * Fuzz target for rrdtool's command-line syntax and the update path. Input: lines; those
 * starting "DS:" or "RRA:" define the RRD (step 5, start 1000000000), every other line is an
 * update argument. Whatever the bytes, parsing must fail cleanly or succeed, and an accepted
 * update must move last_up to its time; a refused one must leave the state alone.
 */

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "consolidate/fetch.h"
#include "consolidate/rrd.h"
#include "consolidate/spec.h"
#include "rrdd/macro.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
        RrdDsDef ds[8];
        RrdRraDef rra[8];
        size_t n_ds = 0, n_rra = 0;
        char err[SPEC_ERR_MAX];
        _cleanup_free_ char *text = malloc(size + 1);
        _cleanup_(rrd_destroyp) Rrd *rrd = NULL;
        char *save = NULL;

        if (!text || size > 65536)
                return 0;
        memcpy(text, data, size);
        text[size] = '\0';

        for (char *line = strtok_r(text, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
                if (strncmp(line, "DS:", 3) == 0) {
                        if (n_ds < ELEMENTSOF(ds) && !rrd)
                                (void) (rrd_spec_parse_ds(line, &ds[n_ds], err) == 0 && n_ds++);
                        continue;
                }
                if (strncmp(line, "RRA:", 4) == 0) {
                        if (n_rra < ELEMENTSOF(rra) && !rrd &&
                            rrd_spec_parse_rra(line, 5, &rra[n_rra], err) == 0 &&
                            rra[n_rra].rows <= 1000 && rra[n_rra].pdp_per_row <= 100000)
                                n_rra++;
                        continue;
                }
                if (!rrd && (n_ds == 0 || n_rra == 0 ||
                             rrd_new(&rrd, 5, 1000000000, ds, n_ds, rra, n_rra) < 0))
                        return 0;

                RrdValue v[8];
                int64_t t;
                uint32_t us;
                if (rrd_spec_parse_update(rrd, line, 1000000000ULL * 1000000, &t, &us, v, err) < 0)
                        continue;
                int64_t before = rrd_last_up(rrd);
                int r = rrd_update_at(rrd, t, us, v);
                if (r == 0 && rrd_last_up(rrd) != t)
                        abort();
                if (r < 0 && (r != -ERANGE && r != -EINVAL))
                        abort();
                if (r < 0 && rrd_last_up(rrd) != before)
                        abort();
        }
        if (rrd) {
                RrdFetch f = {};
                if (rrd_fetch_rows(rrd, RRD_CF_AVERAGE, rrd_last_up(rrd) - 3600, rrd_last_up(rrd),
                                   1, &f) == 0)
                        rrd_fetch_done(&f);
        }
        return 0;
}
