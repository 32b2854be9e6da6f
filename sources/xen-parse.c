/* SPDX-License-Identifier: MIT */
/*
 * Parsers for the little text the xen source reads from outside: xenstore values (uuids, KiB
 * numbers, device names) and /proc/meminfo. Every function takes a buffer and its length,
 * because xenstore values are byte strings that may hold anything, NULs included.
 */

#include "sources/xen-parse.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "rrdd/macro.h"

static bool is_space(char c) {
        return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

static bool is_digit(char c) {
        return c >= '0' && c <= '9';
}

static bool is_alnum(char c) {
        return is_digit(c) || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

/* Length without trailing whitespace: toolstacks and humans with xenstore-write add newlines. */
static size_t trim_right(const char *s, size_t len) {
        while (len > 0 && is_space(s[len - 1]))
                len--;
        return len;
}

/**
 * xen_uuid_format() - format a Xen domain handle as a lower-case uuid string
 * @handle: the 16 bytes of xen_domain_handle_t
 * @ret: receives the 36 characters and a NUL
 *
 * Return: 0.
 */
int xen_uuid_format(const uint8_t handle[16], char ret[XEN_UUID_STR_LEN + 1]) {
        static const char digits[] = "0123456789abcdef";
        size_t o = 0;

        for (size_t i = 0; i < 16; i++) {
                if (i == 4 || i == 6 || i == 8 || i == 10)
                        ret[o++] = '-';
                ret[o++] = digits[handle[i] >> 4];
                ret[o++] = digits[handle[i] & 0xf];
        }
        ret[o] = '\0';
        return 0;
}

/**
 * xen_uuid_parse() - validate a uuid read from xenstore and normalise it to lower case
 * @s: the bytes read (not necessarily NUL-terminated)
 * @len: their number
 * @ret: receives the canonical 36-character form and a NUL; untouched on error
 *
 * Accepts exactly the 8-4-4-4-12 hex form, with trailing whitespace ignored.
 *
 * Return: 0, or -EINVAL when @s is not a uuid.
 */
int xen_uuid_parse(const char *s, size_t len, char ret[XEN_UUID_STR_LEN + 1]) {
        char buf[XEN_UUID_STR_LEN + 1];

        if (!s)
                return -EINVAL;
        len = trim_right(s, len);
        if (len != XEN_UUID_STR_LEN)
                return -EINVAL;
        for (size_t i = 0; i < len; i++) {
                if (i == 8 || i == 13 || i == 18 || i == 23) {
                        if (s[i] != '-')
                                return -EINVAL;
                        buf[i] = '-';
                        continue;
                }
                int v = unhexchar(s[i]);
                if (v < 0)
                        return -EINVAL;
                buf[i] = "0123456789abcdef"[v];
        }
        buf[len] = '\0';
        memcpy(ret, buf, sizeof(buf));
        return 0;
}

/**
 * xen_uuid_is_skipped() - whether a domain with this uuid is left out, as xcp-rrdd does
 * @uuid: canonical lower-case uuid
 *
 * Handles starting 00000000-0000-0000 were never set by a toolstack (dom0 on a host without
 * xapi, a domain still being built); deadbeef-dead-beef is what xenopsd gives a domain it is
 * tearing down. Neither belongs to a VM whose RRD should be touched.
 *
 * Return: true when the domain is skipped.
 */
bool xen_uuid_is_skipped(const char *uuid) {
        return strncmp(uuid, "00000000-0000-0000", 18) == 0 ||
               strncmp(uuid, "deadbeef-dead-beef", 18) == 0;
}

/**
 * xen_uuid_suffix() - classify the migration suffix of a uuid
 * @uuid: canonical lower-case uuid
 *
 * During a migration xenopsd gives the temporary domain a uuid whose last 12 digits are
 * 000000000000 (its VM is in xenstore /vm/<uuid>/origin-uuid) or 000000000001 (final-uuid).
 *
 * Return: which of the two lookups applies, or XEN_UUID_PLAIN.
 */
XenUuidSuffix xen_uuid_suffix(const char *uuid) {
        const char *tail = uuid + XEN_UUID_STR_LEN - 12;

        if (strcmp(tail, "000000000000") == 0)
                return XEN_UUID_MIGRATION_ORIGIN;
        if (strcmp(tail, "000000000001") == 0)
                return XEN_UUID_MIGRATION_FINAL;
        return XEN_UUID_PLAIN;
}

/* Decimal digits into a u64 that must stay <= max; -EINVAL without digits, -ERANGE past max. */
static int parse_u64_digits(const char *s, size_t len, size_t *pos, uint64_t max, uint64_t *ret) {
        uint64_t v = 0;
        size_t i = *pos, start = *pos;

        for (; i < len && is_digit(s[i]); i++) {
                unsigned d = (unsigned) (s[i] - '0');
                if (v > (max - d) / 10)
                        return -ERANGE;
                v = v * 10 + d;
        }
        if (i == start)
                return -EINVAL;
        *pos = i;
        *ret = v;
        return 0;
}

/**
 * xen_parse_kib() - parse a xenstore KiB value such as memory/target or data/meminfo_free
 * @s: the bytes read
 * @len: their number
 * @ret_kib: receives the value in KiB
 *
 * Only decimal digits, optionally followed by whitespace. The limit keeps value × 1024 inside
 * int64, because memory_target is emitted in bytes as an int64.
 *
 * Return: 0, -EINVAL when malformed, -ERANGE when too large.
 */
int xen_parse_kib(const char *s, size_t len, uint64_t *ret_kib) {
        size_t pos = 0;
        uint64_t v;
        int r;

        if (!s)
                return -EINVAL;
        len = trim_right(s, len);
        r = parse_u64_digits(s, len, &pos, (uint64_t) INT64_MAX / 1024, &v);
        if (r < 0)
                return r;
        if (pos != len)
                return -EINVAL;
        *ret_kib = v;
        return 0;
}

/**
 * xen_parse_meminfo_available() - find MemAvailable in the text of /proc/meminfo
 * @s: the file's contents
 * @len: their length
 * @ret_kib: receives the value in KiB
 *
 * Return: 0, -ENOENT when there is no MemAvailable line (kernels before 3.14), -EINVAL when the
 * line is malformed, -ERANGE when the number does not fit.
 */
int xen_parse_meminfo_available(const char *s, size_t len, uint64_t *ret_kib) {
        static const char key[] = "MemAvailable:";
        size_t line = 0;

        if (!s)
                return -EINVAL;
        while (line < len) {
                const char *nl = memchr(s + line, '\n', len - line);
                size_t end = nl ? (size_t) (nl - s) : len;

                if (end - line >= sizeof(key) - 1 && memcmp(s + line, key, sizeof(key) - 1) == 0) {
                        size_t pos = line + sizeof(key) - 1;
                        uint64_t v;
                        int r;

                        while (pos < end && (s[pos] == ' ' || s[pos] == '\t'))
                                pos++;
                        r = parse_u64_digits(s, end, &pos, (uint64_t) INT64_MAX / 1024, &v);
                        if (r < 0)
                                return r;
                        while (pos < end && s[pos] == ' ')
                                pos++;
                        /* The kernel prints "kB"; accept its absence, reject anything else. */
                        if (end - pos >= 2 && s[pos] == 'k' && s[pos + 1] == 'B')
                                pos += 2;
                        if (trim_right(s + pos, end - pos) != 0)
                                return -EINVAL;
                        *ret_kib = v;
                        return 0;
                }
                line = end + 1;
        }
        return -ENOENT;
}

/**
 * xen_dev_name_parse() - validate a VBD device name read from xenstore (backend .../dev)
 * @s: the bytes read
 * @len: their number
 * @ret: receives the name and a NUL; untouched on error
 *
 * The name becomes part of a data-source name (vbd_<dev>_read), so only ASCII letters and
 * digits are allowed; trailing whitespace is ignored.
 *
 * Return: 0, or -EINVAL.
 */
int xen_dev_name_parse(const char *s, size_t len, char ret[XEN_DEV_NAME_MAX + 1]) {
        if (!s)
                return -EINVAL;
        len = trim_right(s, len);
        if (len == 0 || len > XEN_DEV_NAME_MAX)
                return -EINVAL;
        for (size_t i = 0; i < len; i++)
                if (!is_alnum(s[i]))
                        return -EINVAL;
        memcpy(ret, s, len);
        ret[len] = '\0';
        return 0;
}

/* Disk index to letters: 0 -> a, 25 -> z, 26 -> aa (bijective base 26, as Linux names disks). */
static size_t disk_letters(uint32_t disk, char *buf, size_t size) {
        char tmp[16];
        size_t n = 0;
        uint64_t d = (uint64_t) disk + 1;

        while (d > 0 && n < sizeof(tmp)) {
                d--;
                tmp[n++] = (char) ('a' + d % 26);
                d /= 26;
        }
        if (n >= size)
                return 0;
        for (size_t i = 0; i < n; i++)
                buf[i] = tmp[n - 1 - i];
        buf[n] = '\0';
        return n;
}

/**
 * xen_vbd_name_from_devid() - the Linux-style name of a VBD from its virtual device number
 * @devid: the number in backend/vbd/<domid>/<devid> (Xen's xen-vbd-interface numbering)
 * @ret: receives e.g. "xvda", "xvdb1", "hdc", "sda2"
 *
 * Used when xenstore gives no usable backend "dev" value. Schemes: 202<<8 | disk<<4 | part
 * (xvd, disks 0-15), 1<<28 | disk<<8 | part (xvd, any disk), 8<<8 | disk<<4 | part (sd),
 * 3<<8 | disk<<6 | part (hd, disks 0-1) and 22<<8 | (disk-2)<<6 | part (hd, disks 2-3).
 *
 * Return: 0, or -EINVAL for a number outside these schemes.
 */
int xen_vbd_name_from_devid(uint32_t devid, char ret[XEN_DEV_NAME_MAX + 1]) {
        const char *prefix;
        uint32_t disk, part;
        char letters[16];

        if (devid & (UINT32_C(1) << 28)) {
                if (devid >> 29)
                        return -EINVAL;
                prefix = "xvd";
                disk = (devid & ((UINT32_C(1) << 28) - 1)) >> 8;
                part = devid & 0xff;
        } else {
                uint32_t major = devid >> 8, minor = devid & 0xff;

                switch (major) {
                case 202:
                        prefix = "xvd";
                        disk = minor >> 4;
                        part = minor & 0xf;
                        break;
                case 8:
                        prefix = "sd";
                        disk = minor >> 4;
                        part = minor & 0xf;
                        break;
                case 3:
                        prefix = "hd";
                        disk = minor >> 6;
                        part = minor & 0x3f;
                        break;
                case 22:
                        prefix = "hd";
                        disk = 2 + (minor >> 6);
                        part = minor & 0x3f;
                        break;
                default:
                        return -EINVAL;
                }
        }
        if (disk_letters(disk, letters, sizeof(letters)) == 0)
                return -EINVAL;
        if (part == 0)
                (void) snprintf(ret, XEN_DEV_NAME_MAX + 1, "%s%s", prefix, letters);
        else
                (void) snprintf(ret, XEN_DEV_NAME_MAX + 1, "%s%s%u", prefix, letters, part);
        return 0;
}

/* "<prefix><domid>.<devid>" with both numbers in range; the rest of the name in *ret_end. */
static bool parse_vif_name(const char *s, size_t len, const char *prefix, uint32_t *domid,
                           uint32_t *devid, size_t *ret_end) {
        size_t p = strlen(prefix), pos;
        uint64_t d, n;

        if (len <= p || memcmp(s, prefix, p) != 0)
                return false;
        pos = p;
        if (parse_u64_digits(s, len, &pos, UINT32_MAX, &d) < 0 || pos >= len || s[pos] != '.')
                return false;
        pos++;
        if (parse_u64_digits(s, len, &pos, UINT32_MAX, &n) < 0)
                return false;
        *domid = (uint32_t) d;
        *devid = (uint32_t) n;
        *ret_end = pos;
        return true;
}

/**
 * xen_netdev_parse_line() - parse one line of /proc/net/dev if it is a guest interface
 * @s: the line, without its newline
 * @len: its length
 * @ret: receives the interface's counters; untouched unless 0 is returned
 *
 * Guest interfaces are vif<domid>.<devid> (netback), and tap<domid>.<devid> or
 * vif<domid>.<devid>-emu (the emulated NIC of an HVM guest, counted with its vif as xcp-rrdd
 * does). The kernel prints the name right-aligned, a colon, then 16 counters: receive bytes,
 * packets, errs, drop, fifo, frame, compressed, multicast, then transmit bytes, packets, errs,
 * drop, fifo, colls, carrier, compressed.
 *
 * Return: 0 for a guest interface, -ENOENT for any other line (header, lo, eth0, ...),
 * -EINVAL for a guest interface whose counters are malformed.
 */
int xen_netdev_parse_line(const char *s, size_t len, XenNetdev *ret) {
        const char *colon;
        size_t start = 0, name_len, end, pos;
        XenNetdev d = {};
        uint64_t v[16];

        if (!s)
                return -EINVAL;
        while (start < len && s[start] == ' ')
                start++;
        colon = memchr(s + start, ':', len - start);
        if (!colon)
                return -ENOENT;
        name_len = (size_t) (colon - (s + start));
        if (parse_vif_name(s + start, name_len, "vif", &d.domid, &d.devid, &end)) {
                if (end == name_len)
                        d.is_emulated = false;
                else if (name_len - end == 4 && memcmp(s + start + end, "-emu", 4) == 0)
                        d.is_emulated = true;
                else
                        return -ENOENT;
        } else if (parse_vif_name(s + start, name_len, "tap", &d.domid, &d.devid, &end) &&
                   end == name_len)
                d.is_emulated = true;
        else
                return -ENOENT;

        pos = (size_t) (colon - s) + 1;
        for (size_t i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
                while (pos < len && (s[pos] == ' ' || s[pos] == '\t'))
                        pos++;
                if (parse_u64_digits(s, len, &pos, UINT64_MAX, &v[i]) < 0)
                        return -EINVAL;
        }
        if (trim_right(s + pos, len - pos) != 0)
                return -EINVAL;
        d.rx_bytes = v[0];
        d.rx_errors = v[2];
        d.tx_bytes = v[8];
        d.tx_errors = v[10];
        *ret = d;
        return 0;
}

/**
 * xen_netdev_parse() - find the guest interfaces in the text of /proc/net/dev
 * @s: the file's contents
 * @len: their length
 * @fn: called for each guest interface, in file order; a negative return stops the parse
 * @userdata: passed to @fn
 *
 * Lines that are not guest interfaces are skipped, and so are malformed guest lines (one bad
 * line must not cost the other guests their counters).
 *
 * Return: 0, or what @fn returned when negative.
 */
int xen_netdev_parse(const char *s, size_t len, XenNetdevFn fn, void *userdata) {
        size_t line = 0;

        if (!s)
                return 0;
        while (line < len) {
                const char *nl = memchr(s + line, '\n', len - line);
                size_t end = nl ? (size_t) (nl - s) : len;
                XenNetdev d;

                if (xen_netdev_parse_line(s + line, end - line, &d) == 0) {
                        int r = fn(&d, userdata);
                        if (r < 0)
                                return r;
                }
                line = end + 1;
        }
        return 0;
}
