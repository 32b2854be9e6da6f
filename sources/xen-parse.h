#pragma once
/* SPDX-License-Identifier: MIT */
/*
 * Pure parsers and formatters for the xen source: text that comes from xenstore or /proc
 * (uuids, KiB values, device names, MemAvailable) and the VBD device-number decoding. No Xen
 * headers and no I/O, so they build and fuzz on any host.
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* "xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx" plus NUL. */
#define XEN_UUID_STR_LEN 36
/* Longest VBD device name we accept, e.g. "xvdaa15" is 7; xenstore could say anything. */
#define XEN_DEV_NAME_MAX 32

int xen_uuid_format(const uint8_t handle[16], char ret[XEN_UUID_STR_LEN + 1]);
int xen_uuid_parse(const char *s, size_t len, char ret[XEN_UUID_STR_LEN + 1]);
bool xen_uuid_is_skipped(const char *uuid);

typedef enum XenUuidSuffix {
        XEN_UUID_PLAIN,
        XEN_UUID_MIGRATION_ORIGIN, /* ends in 000000000000: look up origin-uuid */
        XEN_UUID_MIGRATION_FINAL,  /* ends in 000000000001: look up final-uuid */
} XenUuidSuffix;

XenUuidSuffix xen_uuid_suffix(const char *uuid);

int xen_parse_kib(const char *s, size_t len, uint64_t *ret_kib);
int xen_parse_meminfo_available(const char *s, size_t len, uint64_t *ret_kib);
int xen_dev_name_parse(const char *s, size_t len, char ret[XEN_DEV_NAME_MAX + 1]);
int xen_vbd_name_from_devid(uint32_t devid, char ret[XEN_DEV_NAME_MAX + 1]);

/* One guest network interface of dom0's /proc/net/dev, as dom0 counts it (not swapped). */
typedef struct XenNetdev {
        uint32_t domid;
        uint32_t devid;
        bool is_emulated; /* tapD.N or vifD.N-emu: the emulated twin of vifD.N in HVM guests */
        uint64_t rx_bytes, rx_errors, tx_bytes, tx_errors;
} XenNetdev;

int xen_netdev_parse_line(const char *s, size_t len, XenNetdev *ret);
typedef int (*XenNetdevFn)(const XenNetdev *dev, void *userdata);
int xen_netdev_parse(const char *s, size_t len, XenNetdevFn fn, void *userdata);
