#pragma once
/* SPDX-License-Identifier: MIT */
/* The "proc" source: host CPU, load, memory and physical-NIC counters of any Linux host. */

#include "sources/source.h"

/* What an interface of /proc/net/dev is to us. */
typedef enum ProcPifClass {
        PROC_PIF_NONE,        /* not a physical interface: not reported */
        PROC_PIF,             /* a NIC or a bond: reported, counted in pif_aggr_* */
        PROC_PIF_BOND_MEMBER, /* a NIC enslaved to a kernel bond: reported, not in the aggregate */
} ProcPifClass;

ProcPifClass proc_pif_classify(int sys_class_net_fd, const char *dev);
