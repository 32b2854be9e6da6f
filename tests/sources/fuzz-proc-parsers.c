/* SPDX-License-Identifier: MIT */
/*
 * Fuzz target for the /proc parsers: the input is fed to each of the stat, meminfo, net/dev
 * and loadavg parsers, which must neither crash nor read out of bounds, and whose results must
 * keep the invariants the proc source relies on.
 */

#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "sources/proc-parse.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
        const char *buf = (const char *) data;
        ProcStat st;
        ProcNetDevList nd;
        ProcMeminfo m;
        double load;

        proc_stat_init(&st);
        if (proc_stat_parse(&st, buf, size) == 0) {
                if (!st.has_all && st.n_cpus == 0)
                        abort();
                if (st.has_all && st.all.idle_jiffies > st.all.total_jiffies)
                        abort();
                for (size_t i = 0; i < st.n_cpus; i++) {
                        if (st.cpus[i].idle_jiffies > st.cpus[i].total_jiffies ||
                            st.cpus[i].index > PROC_CPU_INDEX_MAX)
                                abort();
                        /* sorted, no duplicates: the source matches CPUs by a merge walk */
                        if (i > 0 && st.cpus[i - 1].index >= st.cpus[i].index)
                                abort();
                }
        }
        /* Parsing twice into the same object reuses its array. */
        (void) proc_stat_parse(&st, buf, size / 2);
        proc_stat_deinit(&st);

        proc_netdev_list_init(&nd);
        if (proc_netdev_parse(&nd, buf, size) == 0) {
                if (nd.n_devs == 0)
                        abort();
                for (size_t i = 0; i < nd.n_devs; i++)
                        if (!proc_ifname_is_valid(nd.devs[i].name, strlen(nd.devs[i].name)))
                                abort();
        }
        proc_netdev_list_deinit(&nd);

        if (proc_meminfo_parse(&m, buf, size) == 0 && !m.has_total && !m.has_free &&
            !m.has_available)
                abort();

        if (proc_loadavg_parse(&load, buf, size) == 0 && !(load >= 0.0 && isfinite(load)))
                abort();
        return 0;
}
