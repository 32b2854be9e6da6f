/* SPDX-License-Identifier: MIT */
/*
 * Runs inside dom0 of a Xen booted under QEMU (see run.sh): opens the xen source through the
 * registry, samples a few ticks and prints every announcement and sample as a line on stdout
 * (the serial console), for run.sh to check from the host. With --dom0-uuid it first gives
 * dom0 a handle, as xapi does on XenServer, so dom0 becomes a VM owner.
 *
 *   XENPROBE open RC
 *   XENPROBE tick N RC
 *   XENPROBE announce UUID GENERATION
 *   XENPROBE sample OWNER NAME KIND UNITS VALUE|U
 */

#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <xenctrl.h>

#include "sources/registry-list.h"

static int print_sample(SrcSink *sink, const SrcSample *s) {
        char value[64];

        switch (s->value_type) {
        case SRC_VALUE_INT64:
                (void) snprintf(value, sizeof(value), "%lld", (long long) s->value.i64);
                break;
        case SRC_VALUE_UINT64:
                (void) snprintf(value, sizeof(value), "%llu", (unsigned long long) s->value.u64);
                break;
        case SRC_VALUE_DOUBLE:
                (void) snprintf(value, sizeof(value), "%.6f", s->value.d);
                break;
        default:
                (void) snprintf(value, sizeof(value), "U");
        }
        printf("XENPROBE sample %s %s %s %s %s\n",
               s->owner.kind == SRC_OWNER_HOST ? "host" : s->owner.uuid, s->name,
               src_kind_to_string(s->kind), s->units, value);
        return 0;
}

static int print_announce(SrcSink *sink, const SrcOwner *owner, uint64_t generation) {
        printf("XENPROBE announce %s %llu\n", owner->uuid, (unsigned long long) generation);
        return 0;
}

static int set_dom0_handle(const char *uuid) {
        xen_domain_handle_t h;
        xc_interface *xch;
        int r;

        for (int i = 0, o = 0; i < 16; i++) {
                unsigned byte;
                if (uuid[o] == '-')
                        o++;
                if (sscanf(uuid + o, "%2x", &byte) != 1)
                        return -EINVAL;
                h[i] = (uint8_t) byte;
                o += 2;
        }
        xch = xc_interface_open(NULL, NULL, 0);
        if (!xch)
                return -errno;
        r = xc_domain_sethandle(xch, 0, h) < 0 ? -errno : 0;
        (void) xc_interface_close(xch);
        return r;
}

int main(int argc, char **argv) {
        static const struct option opts[] = {
                {"ticks", required_argument, NULL, 't'},
                {"interval-ms", required_argument, NULL, 'i'},
                {"dom0-uuid", required_argument, NULL, 'u'},
                {},
        };
        SrcSink sink = {.emit = print_sample, .announce = print_announce};
        SrcInstance *s = NULL;
        unsigned ticks = 3, interval_ms = 1000;
        const char *dom0_uuid = NULL;
        int c, r;

        while ((c = getopt_long(argc, argv, "", opts, NULL)) >= 0) {
                switch (c) {
                case 't':
                        ticks = (unsigned) strtoul(optarg, NULL, 10);
                        break;
                case 'i':
                        interval_ms = (unsigned) strtoul(optarg, NULL, 10);
                        break;
                case 'u':
                        dom0_uuid = optarg;
                        break;
                default:
                        return 2;
                }
        }
        setvbuf(stdout, NULL, _IOLBF, 0);
        if (dom0_uuid) {
                r = set_dom0_handle(dom0_uuid);
                printf("XENPROBE sethandle %d\n", r);
        }
        r = src_instance_new(&s, src_find("xen"));
        if (r < 0)
                return 1;
        r = src_open(s, &(SrcConfig){.proc_root = "/"});
        printf("XENPROBE open %d\n", r);
        for (unsigned t = 1; r == 0 && t <= ticks; t++) {
                struct timespec ts = {.tv_sec = interval_ms / 1000,
                                      .tv_nsec = (long) (interval_ms % 1000) * 1000000L};
                if (t > 1)
                        (void) nanosleep(&ts, NULL);
                printf("XENPROBE tick %u %d\n", t, src_sample(s, 0, &sink));
        }
        s = src_instance_free(s);
        printf("XENPROBE done\n");
        return 0;
}
