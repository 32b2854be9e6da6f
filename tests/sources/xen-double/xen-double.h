#pragma once
/* SPDX-License-Identifier: MIT */
/*
 * The Xen test double: a library that defines the libxenctrl, libxenstat and xenstore
 * functions the xen source calls (same names, same prototypes, same error conventions) plus
 * xen_clock_now(), over a simulated host that a scenario drives step by step, and writes the
 * host's proc/net/dev and proc/meminfo where the source reads them. Linked only into tests and
 * benchmarks, in place of the real libraries.
 */

#include <stdbool.h>
#include <stddef.h>

/* Calls counted, for tests that assert how much the source asks for. */
typedef enum XenDoubleCall {
        XEN_DOUBLE_XC_PHYSINFO,
        XEN_DOUBLE_XC_GETCPUINFO,
        XEN_DOUBLE_XC_DOMAIN_GETINFOLIST,
        XEN_DOUBLE_XC_VCPU_GETINFO,
        XEN_DOUBLE_XS_READ,
        XEN_DOUBLE_XENSTAT_GET_NODE,
        _XEN_DOUBLE_CALL_MAX,
} XenDoubleCall;

int xen_double_load(const char *text, size_t len);
int xen_double_load_file(const char *path);
int xen_double_step(void);
int xen_double_apply(const char *text, size_t len);
int xen_double_set_proc_root(const char *dir);
void xen_double_reset(void);
const char *xen_double_error(void);
unsigned xen_double_calls(XenDoubleCall c);
unsigned xen_double_open_handles(void);
