/* SPDX-License-Identifier: MIT */
/*
 * The xen source when rrdd is built without libxenctrl/libxenstat/xenstore: it reports itself
 * absent, like the real one on a host without a hypervisor, so the daemon needs no #ifdef.
 */

#include <errno.h>

#include "sources/registry-list.h"

static int xen_open(SrcInstance *s, const SrcConfig *cfg) {
        return -ENODEV;
}

static int xen_sample(SrcInstance *s, usec_t now, SrcSink *sink) {
        return -ENODEV;
}

static void xen_close(SrcInstance *s) {
}

const SrcOps src_xen = {
        .name = "xen",
        .open = xen_open,
        .sample = xen_sample,
        .close = xen_close,
};
