/* SPDX-License-Identifier: MIT */
/* Fuzz target for the configuration parser: any bytes parse or fail with a message, never crash. */

#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "rrdd/config.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
        RrddConfig c;
        char err[CONFIG_ERROR_MAX];

        if (rrdd_config_init(&c) < 0)
                return 0;
        err[0] = '\0';
        int r = rrdd_config_parse(&c, (const char *) data, size, "fuzz", err);
        if (r < 0 && err[0] == '\0' && r != -ENOMEM)
                abort(); /* every refusal explains itself */
        if (r == 0)
                (void) rrdd_config_validate(&c, err);
        rrdd_config_done(&c);
        return 0;
}
