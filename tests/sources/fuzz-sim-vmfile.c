/* SPDX-License-Identifier: MIT */
/* Fuzz target for the simulator's VM files ("domid=N" lines). */

#include <errno.h>
#include <stdint.h>
#include <stdlib.h>

#include "sources/sim.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
        uint32_t domid = 0xdeadbeef;
        int r = sim_vm_file_parse((const char *) data, size, &domid);

        if (r != 0 && r != -ENODATA && r != -EBADMSG)
                abort();
        /* A failed parse leaves the output alone. */
        if (r != 0 && domid != 0xdeadbeef)
                abort();
        return 0;
}
