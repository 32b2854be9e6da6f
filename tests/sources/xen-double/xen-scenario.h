#pragma once
/* SPDX-License-Identifier: MIT */
/*
 * The scenario language of the Xen test double: a line-based text that describes a Xen host
 * over time (pCPUs, domains, vCPUs, VIFs, VBDs, xenstore keys, injected failures), cut into
 * steps by `sample` lines. Parsing only checks syntax; xen-double.c gives it meaning.
 *
 *   # comment                     blank lines are ignored
 *   hypervisor absent|present     xc_interface_open() fails with ENOENT while absent
 *   xenstored absent|present      xs_open() and xenstat_init() fail while absent
 *   host pcpus=N total_pages=N free_pages=N
 *   pcpu I idle=NS                cumulative idle time of pCPU I, ns
 *   domain D [uuid=U] [vcpus=N] [pages=N] [paused=0|1] [dying=0|1]
 *                                 creates or updates domain D; new vCPUs are online, time 0
 *   vcpu D I [time=NS] [online=0|1] [blocked=0|1] [running=0|1]
 *   vif D N [rx=B] [tx=B] [rx_errors=N] [tx_errors=N]     dom0's side of vifD.N
 *   tap D N [rx=B] ...            likewise for tapD.N, an HVM guest's emulated NIC
 *   meminfo available=KIB         dom0's /proc/meminfo says MemAvailable: KIB kB
 *   vbd D DEVID [type=vbd|tap|qdisk] [rd_reqs=N] [wr_reqs=N] [rd_sect=N] [wr_sect=N]
 *              [oo_reqs=N] [error=0|1]
 *   unplug D vif|tap|vbd ID
 *   destroy D                     the domain and its /local/domain/D subtree go
 *   vanish D                      listed by the next xc_domain_getinfolist, gone from the
 *                                 first call that names it (vCPU query, xenstore read) on
 *   xs PATH VALUE                 VALUE is the rest of the line (a # in it is data), or
 *                                 "quoted" with \n \t \\ \" \xHH escapes
 *   xs-rm PATH                    removes PATH and everything below it
 *   fail FUNCTION ERRNO [after=N] every call of FUNCTION fails with ERRNO until the next
 *                                 step, except the first N of the step
 *   sample at=USEC                ends a step; the monotonic clock reads USEC during it
 *
 * Numbers are decimal. Every key may appear once per line. VIFs and dom0's free memory are
 * not library calls: the double writes them as proc/net/dev and proc/meminfo under the
 * directory given to xen_double_set_proc_root(), which the source reads as its proc_root.
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef enum ScnKind {
        SCN_HYPERVISOR,
        SCN_XENSTORED,
        SCN_HOST,
        SCN_PCPU,
        SCN_DOMAIN,
        SCN_VCPU,
        SCN_VIF,
        SCN_VBD,
        SCN_TAP,
        SCN_MEMINFO,
        SCN_UNPLUG,
        SCN_DESTROY,
        SCN_VANISH,
        SCN_XS,
        SCN_XS_RM,
        SCN_FAIL,
        SCN_SAMPLE,
        _SCN_KIND_MAX,
} ScnKind;

typedef enum ScnKey {
        SCN_K_PCPUS,
        SCN_K_TOTAL_PAGES,
        SCN_K_FREE_PAGES,
        SCN_K_IDLE,
        SCN_K_UUID,
        SCN_K_VCPUS,
        SCN_K_PAGES,
        SCN_K_PAUSED,
        SCN_K_DYING,
        SCN_K_TIME,
        SCN_K_ONLINE,
        SCN_K_BLOCKED,
        SCN_K_RUNNING,
        SCN_K_RX,
        SCN_K_TX,
        SCN_K_RX_ERRORS,
        SCN_K_TX_ERRORS,
        SCN_K_TYPE,
        SCN_K_RD_REQS,
        SCN_K_WR_REQS,
        SCN_K_RD_SECT,
        SCN_K_WR_SECT,
        SCN_K_OO_REQS,
        SCN_K_ERROR,
        SCN_K_AT,
        SCN_K_AVAILABLE,
        SCN_K_AFTER,
        _SCN_K_MAX,
} ScnKey;

/* Functions `fail` can break. */
typedef enum ScnFn {
        SCN_FN_XC_INTERFACE_OPEN,
        SCN_FN_XC_PHYSINFO,
        SCN_FN_XC_GETCPUINFO,
        SCN_FN_XC_DOMAIN_GETINFOLIST,
        SCN_FN_XC_VCPU_GETINFO,
        SCN_FN_XS_OPEN,
        SCN_FN_XS_READ,
        SCN_FN_XENSTAT_INIT,
        SCN_FN_XENSTAT_GET_NODE,
        _SCN_FN_MAX,
} ScnFn;

typedef struct ScnCmd {
        ScnKind kind;
        unsigned line;
        uint32_t a, b;  /* positional numbers: domid, index / devid */
        bool flag;      /* present (hypervisor, xenstored) */
        ScnKind unplug; /* unplug: SCN_VIF, SCN_TAP or SCN_VBD */
        uint32_t set;   /* bit per ScnKey given on the line */
        uint64_t v[_SCN_K_MAX];
        uint8_t uuid[16];
        char *path;  /* xs, xs-rm */
        char *value; /* xs: the bytes, NUL-terminated for convenience */
        size_t value_len;
        ScnFn fn; /* fail */
        int err;  /* fail: the errno */
} ScnCmd;

typedef struct Scenario {
        ScnCmd *cmds;
        size_t n_cmds;
        size_t n_steps;
} Scenario;

int scenario_parse(const char *text, size_t len, Scenario **ret, char *errbuf, size_t errlen);
Scenario *scenario_free(Scenario *s);
const char *scenario_fn_name(ScnFn fn);

static inline bool scn_has(const ScnCmd *c, ScnKey k) {
        return c->set & (UINT32_C(1) << k);
}
