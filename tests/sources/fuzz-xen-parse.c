/* SPDX-License-Identifier: MIT */
/*
 * Fuzz target for the xen source's parsers of xenstore values, /proc/meminfo and
 * /proc/net/dev: any bytes go through every parser, and what they accept must satisfy the
 * parser's contract.
 */

#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "sources/xen-parse.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static bool is_alnum(char c) {
        return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

/* Counts the guest interfaces found; stopping the parse must work too. */
static int count_netdev(const XenNetdev *d, void *userdata) {
        unsigned *n = userdata;

        (*n)++;
        return *n >= 1000 ? -E2BIG : 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
        const char *s = (const char *) data;
        char uuid[XEN_UUID_STR_LEN + 1], again[XEN_UUID_STR_LEN + 1];
        char dev[XEN_DEV_NAME_MAX + 1];
        uint64_t v;

        if (xen_uuid_parse(s, size, uuid) == 0) {
                /* Canonical form: parsing it again changes nothing. */
                if (strlen(uuid) != XEN_UUID_STR_LEN ||
                    xen_uuid_parse(uuid, strlen(uuid), again) != 0 || strcmp(uuid, again) != 0)
                        abort();
                (void) xen_uuid_is_skipped(uuid);
                (void) xen_uuid_suffix(uuid);
        }
        if (xen_parse_kib(s, size, &v) == 0 && v > (uint64_t) INT64_MAX / 1024)
                abort();
        if (xen_parse_meminfo_available(s, size, &v) == 0 && v > (uint64_t) INT64_MAX / 1024)
                abort();
        if (xen_dev_name_parse(s, size, dev) == 0) {
                size_t n = strlen(dev);
                if (n == 0 || n > XEN_DEV_NAME_MAX)
                        abort();
                for (size_t i = 0; i < n; i++)
                        if (!is_alnum(dev[i]))
                                abort();
        }
        /* At most one interface per line, and each needs its colon. */
        unsigned n_netdevs = 0, n_colons = 0;
        int r = xen_netdev_parse(s, size, count_netdev, &n_netdevs);
        for (size_t i = 0; i < size; i++)
                n_colons += s[i] == ':';
        if ((r < 0 && r != -E2BIG) || n_netdevs > n_colons)
                abort();

        if (size >= 4) {
                uint32_t devid;
                memcpy(&devid, data, sizeof(devid));
                if (xen_vbd_name_from_devid(devid, dev) == 0) {
                        size_t n = strlen(dev);
                        if (n < 3 || n > XEN_DEV_NAME_MAX)
                                abort();
                        for (size_t i = 0; i < n; i++)
                                if (!is_alnum(dev[i]))
                                        abort();
                }
        }
        return 0;
}
