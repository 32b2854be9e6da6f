/* SPDX-License-Identifier: MIT */
/*
 * Fuzz target for the member report parser (the body of POST /pool/report): any bytes parse or
 * are refused with a reason; an accepted report written out again reads back the same.
 */

#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "rrdd/pool-report.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
        PoolReport r = {}, back = {};
        char reason[200] = "", *text = NULL;
        size_t len = 0;

        int k = pool_report_parse((const char *) data, size, &r, reason, sizeof(reason));
        if (k < 0) {
                if (k != -ENOMEM && reason[0] == '\0')
                        abort(); /* every refusal explains itself */
                return 0;
        }
        if (pool_report_format(&r, &text, &len) < 0)
                abort();
        if (pool_report_parse(text, len, &back, reason, sizeof(reason)) < 0)
                abort();
        if (strcmp(r.host_uuid, back.host_uuid) != 0 || strcmp(r.url, back.url) != 0 ||
            r.port != back.port || r.tls != back.tls || r.n_vms != back.n_vms)
                abort();
        for (size_t i = 0; i < r.n_vms; i++)
                if (strcmp(r.vms[i].uuid, back.vms[i].uuid) != 0 ||
                    r.vms[i].state != back.vms[i].state)
                        abort();
        free(text);
        pool_report_done(&r);
        pool_report_done(&back);
        return 0;
}
