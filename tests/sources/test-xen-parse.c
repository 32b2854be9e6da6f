/* SPDX-License-Identifier: MIT */
/*
 * The xen source's parsers of outside text (xenstore values, /proc/meminfo) and its VBD
 * device-number decoding, with expected values from Xen's vbd numbering written out by hand.
 */

#include <errno.h>
#include <string.h>

#include "sources/xen-parse.h"
#include "tests/tap.h"

#define S(lit) lit, sizeof(lit) - 1

static void test_uuid(void) {
        static const uint8_t h[16] = {0x12, 0x34, 0x56, 0x78, 0x9a, 0xbc, 0xde, 0xf0,
                                      0x01, 0x23, 0x45, 0x67, 0x89, 0xab, 0xcd, 0xef};
        char u[XEN_UUID_STR_LEN + 1] = "untouched";

        CHECK(xen_uuid_format(h, u) == 0);
        CHECK(strcmp(u, "12345678-9abc-def0-0123-456789abcdef") == 0);

        CHECK(xen_uuid_parse(S("AAAAAAAA-bbbb-CCCC-dddd-0123456789EF\n"), u) == 0);
        CHECK(strcmp(u, "aaaaaaaa-bbbb-cccc-dddd-0123456789ef") == 0);
        strcpy(u, "untouched");
        CHECK(xen_uuid_parse(S("aaaaaaaa-bbbb-cccc-dddd-0123456789e"), u) == -EINVAL);
        CHECK(xen_uuid_parse(S("aaaaaaaa-bbbb-cccc-dddd-0123456789efa"), u) == -EINVAL);
        CHECK(xen_uuid_parse(S("aaaaaaaabbbbb-cccc-dddd-0123456789ef"), u) == -EINVAL);
        CHECK(xen_uuid_parse(S("gaaaaaaa-bbbb-cccc-dddd-0123456789ef"), u) == -EINVAL);
        CHECK(xen_uuid_parse(S("aaaaaaaa-bbbb-cccc-dddd-0123456789e\0"), u) == -EINVAL);
        CHECK(xen_uuid_parse(S(" aaaaaaa-bbbb-cccc-dddd-0123456789ef"), u) == -EINVAL);
        CHECK(xen_uuid_parse(NULL, 0, u) == -EINVAL);
        CHECK(strcmp(u, "untouched") == 0);

        CHECK(xen_uuid_is_skipped("00000000-0000-0000-0000-000000000000"));
        CHECK(xen_uuid_is_skipped("00000000-0000-0000-1234-000000000001"));
        CHECK(xen_uuid_is_skipped("deadbeef-dead-beef-0000-000000000042"));
        CHECK(!xen_uuid_is_skipped("00000000-0000-0001-0000-000000000000"));
        CHECK(!xen_uuid_is_skipped("deadbeef-dead-beee-0000-000000000042"));

        CHECK(xen_uuid_suffix("12345678-9abc-def0-0123-000000000000") == XEN_UUID_MIGRATION_ORIGIN);
        CHECK(xen_uuid_suffix("12345678-9abc-def0-0123-000000000001") == XEN_UUID_MIGRATION_FINAL);
        CHECK(xen_uuid_suffix("12345678-9abc-def0-0123-000000000002") == XEN_UUID_PLAIN);
        CHECK(xen_uuid_suffix("12345678-9abc-def0-0123-100000000000") == XEN_UUID_PLAIN);
}

static void test_kib(void) {
        uint64_t v = 7;

        CHECK(xen_parse_kib(S("524288"), &v) == 0 && v == 524288);
        CHECK(xen_parse_kib(S("0"), &v) == 0 && v == 0);
        CHECK(xen_parse_kib(S("1048576\n"), &v) == 0 && v == 1048576);
        CHECK(xen_parse_kib(S("42 \t\r\n"), &v) == 0 && v == 42);
        /* INT64_MAX / 1024 is the largest that still fits in bytes. */
        CHECK(xen_parse_kib(S("9007199254740991"), &v) == 0 && v == 9007199254740991ULL);
        v = 7;
        CHECK(xen_parse_kib(S("9007199254740992"), &v) == -ERANGE);
        CHECK(xen_parse_kib(S("99999999999999999999999"), &v) == -ERANGE);
        CHECK(xen_parse_kib(S(""), &v) == -EINVAL);
        CHECK(xen_parse_kib(S("\n"), &v) == -EINVAL);
        CHECK(xen_parse_kib(S("-1"), &v) == -EINVAL);
        CHECK(xen_parse_kib(S("+1"), &v) == -EINVAL);
        CHECK(xen_parse_kib(S(" 1"), &v) == -EINVAL);
        CHECK(xen_parse_kib(S("12x"), &v) == -EINVAL);
        CHECK(xen_parse_kib(S("1 2"), &v) == -EINVAL);
        CHECK(xen_parse_kib(S("12\0"), &v) == -EINVAL);
        CHECK(xen_parse_kib(S("0x10"), &v) == -EINVAL);
        CHECK(v == 7);
}

static void test_meminfo(void) {
        uint64_t v = 7;

        CHECK(xen_parse_meminfo_available(S("MemTotal:  100 kB\nMemFree:  50 kB\n"
                                            "MemAvailable:     372204 kB\nBuffers: 0 kB\n"),
                                          &v) == 0 &&
              v == 372204);
        CHECK(xen_parse_meminfo_available(S("MemAvailable: 5"), &v) == 0 && v == 5);
        CHECK(xen_parse_meminfo_available(S("XMemAvailable: 5 kB\nMemAvailable:\t6 kB"), &v) == 0 &&
              v == 6);
        v = 7;
        CHECK(xen_parse_meminfo_available(S("MemTotal: 100 kB\nMemFree: 50 kB\n"), &v) == -ENOENT);
        CHECK(xen_parse_meminfo_available(S(""), &v) == -ENOENT);
        CHECK(xen_parse_meminfo_available(S("MemAvailable: kB\n"), &v) == -EINVAL);
        CHECK(xen_parse_meminfo_available(S("MemAvailable: 12 MB\n"), &v) == -EINVAL);
        CHECK(xen_parse_meminfo_available(S("MemAvailable: 99999999999999999999 kB\n"), &v) ==
              -ERANGE);
        CHECK(v == 7);
}

static void test_dev_names(void) {
        char n[XEN_DEV_NAME_MAX + 1] = "untouched";

        CHECK(xen_dev_name_parse(S("xvda"), n) == 0 && strcmp(n, "xvda") == 0);
        CHECK(xen_dev_name_parse(S("hdc\n"), n) == 0 && strcmp(n, "hdc") == 0);
        strcpy(n, "untouched");
        CHECK(xen_dev_name_parse(S(""), n) == -EINVAL);
        CHECK(xen_dev_name_parse(S("bad/name"), n) == -EINVAL);
        CHECK(xen_dev_name_parse(S("xvd_a"), n) == -EINVAL);
        CHECK(xen_dev_name_parse(S("xv da"), n) == -EINVAL);
        CHECK(xen_dev_name_parse(S("abcdefghijabcdefghijabcdefghijabc"), n) == -EINVAL);
        CHECK(strcmp(n, "untouched") == 0);
        CHECK(xen_dev_name_parse(S("abcdefghijabcdefghijabcdefghijab"), n) == 0);

        static const struct {
                uint32_t devid;
                const char *name;
        } names[] = {
                {202u << 8, "xvda"},              /* 51712 */
                {(202u << 8) | 1, "xvda1"},       /* 51713 */
                {(202u << 8) | (1 << 4), "xvdb"}, /* 51728 */
                {(202u << 8) | (15 << 4) | 15, "xvdp15"},
                {3u << 8, "hda"},              /* 768 */
                {(3u << 8) | (1 << 6), "hdb"}, /* 832 */
                {(3u << 8) | (1 << 6) | 2, "hdb2"},
                {22u << 8, "hdc"}, /* 5632 */
                {(22u << 8) | (1 << 6), "hdd"},
                {8u << 8, "sda"},                   /* 2048 */
                {(8u << 8) | (1 << 4) | 1, "sdb1"}, /* 2065 */
                {(1u << 28) | (0 << 8), "xvda"},
                {(1u << 28) | (25 << 8), "xvdz"},
                {(1u << 28) | (26 << 8), "xvdaa"},
                {(1u << 28) | (701u << 8) | 3, "xvdzz3"}, /* 701 = 26 × 27 - 1 */
                {(1u << 28) | (702u << 8), "xvdaaa"},
        };
        for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
                CHECKF(xen_vbd_name_from_devid(names[i].devid, n) == 0 &&
                               strcmp(n, names[i].name) == 0,
                       "%u: want %s got %s", names[i].devid, names[i].name, n);
        }
        CHECK(xen_vbd_name_from_devid(12345678, n) == -EINVAL);
        CHECK(xen_vbd_name_from_devid(7u << 8, n) == -EINVAL);
        CHECK(xen_vbd_name_from_devid((1u << 29) | (1u << 28), n) == -EINVAL);
        CHECK(xen_vbd_name_from_devid(UINT32_MAX, n) == -EINVAL);
        /* The largest extended disk number still names itself within the limit. */
        CHECK(xen_vbd_name_from_devid((1u << 28) | 0x0fffffffu, n) == 0 && strlen(n) < 16);
}

static int collect(const XenNetdev *d, void *userdata) {
        XenNetdev *out = userdata;
        unsigned i = 0;

        while (out[i].domid != UINT32_MAX)
                i++;
        if (i >= 3)
                return -E2BIG;
        out[i] = *d;
        return 0;
}

static void test_netdev(void) {
        XenNetdev d = {.domid = 99};
        XenNetdev all[4];

        /* Receive bytes, packets, errs, ... then transmit bytes, packets, errs, ... */
        CHECK(xen_netdev_parse_line(S("vif1.0:     432       6    7    0    0     0          0 "
                                      "        0      516       6    9    0    0     0       0 "
                                      "         0"),
                                    &d) == 0);
        CHECK(d.domid == 1 && d.devid == 0 && !d.is_emulated);
        CHECK(d.rx_bytes == 432 && d.rx_errors == 7 && d.tx_bytes == 516 && d.tx_errors == 9);
        CHECK(xen_netdev_parse_line(S("  tap12.3: 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16\n"), &d) ==
              0);
        CHECK(d.domid == 12 && d.devid == 3 && d.is_emulated && d.rx_bytes == 1 &&
              d.rx_errors == 3 && d.tx_bytes == 9 && d.tx_errors == 11);
        CHECK(xen_netdev_parse_line(S("vif7.1-emu:1 0 0 0 0 0 0 0 2 0 0 0 0 0 0 0"), &d) == 0);
        CHECK(d.domid == 7 && d.devid == 1 && d.is_emulated && d.tx_bytes == 2);
        d.domid = 99;
        CHECK(xen_netdev_parse_line(S("    lo: 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16"), &d) ==
              -ENOENT);
        CHECK(xen_netdev_parse_line(S("  eth0: 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16"), &d) ==
              -ENOENT);
        CHECK(xen_netdev_parse_line(S("vifx.0: 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16"), &d) ==
              -ENOENT);
        CHECK(xen_netdev_parse_line(S("vif1.0a: 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16"), &d) ==
              -ENOENT);
        CHECK(xen_netdev_parse_line(S("vif4294967296.0: 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16"),
                                    &d) == -ENOENT);
        CHECK(xen_netdev_parse_line(S("Inter-|   Receive  |  Transmit"), &d) == -ENOENT);
        CHECK(xen_netdev_parse_line(S("vif1.0: 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15"), &d) ==
              -EINVAL);
        CHECK(xen_netdev_parse_line(S("vif1.0: 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17"), &d) ==
              -EINVAL);
        CHECK(xen_netdev_parse_line(
                      S("vif1.0: 1 2 3 4 5 6 7 8 99999999999999999999 10 11 12 13 14 15 16"), &d) ==
              -EINVAL);
        CHECK(d.domid == 99);

        /* A whole file: guests only, a malformed guest line skipped, file order kept. */
        for (size_t i = 0; i < 4; i++)
                all[i] = (XenNetdev){.domid = UINT32_MAX};
        CHECK(xen_netdev_parse(S("Inter-|   Receive |  Transmit\n"
                                 " face |bytes    packets|bytes    packets\n"
                                 "    lo: 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16\n"
                                 "vif3.0: 1 0 0 0 0 0 0 0 2 0 0 0 0 0 0 0\n"
                                 "vif4.0: broken\n"
                                 "tap3.0: 5 0 0 0 0 0 0 0 6 0 0 0 0 0 0 0"),
                               collect, all) == 0);
        CHECK(all[0].domid == 3 && !all[0].is_emulated && all[0].rx_bytes == 1);
        CHECK(all[1].domid == 3 && all[1].is_emulated && all[1].tx_bytes == 6);
        CHECK(all[2].domid == UINT32_MAX);
}

int main(void) {
        test_uuid();
        test_kib();
        test_meminfo();
        test_dev_names();
        test_netdev();
        return TAP_DONE();
}
