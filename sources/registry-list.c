/* SPDX-License-Identifier: MIT */
/* The registry array. Order is the order the daemon samples in. */

#include "sources/registry-list.h"

#include <stddef.h>

const SrcOps *const src_registry[] = {

        /* proc */
        &src_proc,

        /* xen */
        &src_xen,

        /* plugins */
        &src_plugins,

        /* sim */
        &src_sim,

        NULL,
};
