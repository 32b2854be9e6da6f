/* SPDX-License-Identifier: MIT */
/* Fuzz target for rrd2csv's reading of /rrd_updates answers and of selectors. */

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "tools/rrd2csv-parse.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
        Xport x = {};

        if (size > (1 << 20))
                return 0;
        if (rrd2csv_parse_xport((const char *) data, size, &x) == 0) {
                /* Every row has its time and one value per legend entry. */
                if (x.n_rows > 0 && (!x.t || (x.n_cols > 0 && !x.v)))
                        abort();
                for (size_t i = 0; i < x.n_cols; i++) {
                        Selector s;
                        if (rrd2csv_parse_selector(x.legend[i], &s) == 0)
                                (void) rrd2csv_matches(&s, 1, x.legend[i]);
                }
        }
        xport_done(&x);
        return 0;
}
