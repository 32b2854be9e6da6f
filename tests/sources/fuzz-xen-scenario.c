/* SPDX-License-Identifier: MIT */
/*
 * Fuzz target for the Xen test double's scenario parser, and through it for the xen source:
 * a scenario that parses is played step by step against the source, whose samples must keep
 * its contract (fractions in [0, 1], every VM announced before its samples) whatever the
 * counters, uuids and xenstore values say.
 */

#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "sources/registry-list.h"
#include "tests/sources/xen-double/xen-double.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

const SrcOps *const src_registry[] = {&src_xen, NULL};

#define MAX_STEPS 64
#define MAX_ANNOUNCED 256

static SrcOwner announced[MAX_ANNOUNCED];
static uint64_t announced_gen[MAX_ANNOUNCED];
static size_t n_announced;

static int check_emit(SrcSink *sink, const SrcSample *s) {
        if (!s->name || !s->units)
                abort();
        if (s->value_type == SRC_VALUE_DOUBLE && strcmp(s->units, "(fraction)") == 0 &&
            strcmp(s->name, "hostload") != 0 && !(s->value.d >= 0.0 && s->value.d <= 1.0))
                abort();
        if (s->owner.kind == SRC_OWNER_VM) {
                bool found = false;
                for (size_t i = 0; i < n_announced; i++)
                        if (strcmp(announced[i].uuid, s->owner.uuid) == 0 &&
                            announced_gen[i] == s->generation)
                                found = true;
                if (!found && n_announced < MAX_ANNOUNCED)
                        abort();
        }
        return 0;
}

static int check_announce(SrcSink *sink, const SrcOwner *owner, uint64_t generation) {
        if (strlen(owner->uuid) != SRC_UUID_LEN)
                abort();
        /* One announcement per VM per tick. */
        for (size_t i = 0; i < n_announced; i++)
                if (strcmp(announced[i].uuid, owner->uuid) == 0)
                        abort();
        if (n_announced < MAX_ANNOUNCED) {
                announced[n_announced] = *owner;
                announced_gen[n_announced++] = generation;
        }
        return 0;
}

/* dom0's proc files, written by the double each step; one directory for the whole run. */
static char proc_root[] = "/tmp/fuzz-xen-scenario.XXXXXX";

static void remove_proc_root(void) {
        char path[sizeof(proc_root) + 32];

        (void) xen_double_set_proc_root(NULL);
        (void) snprintf(path, sizeof(path), "%s/proc/net/dev", proc_root);
        (void) unlink(path);
        (void) snprintf(path, sizeof(path), "%s/proc/meminfo", proc_root);
        (void) unlink(path);
        (void) snprintf(path, sizeof(path), "%s/proc/net", proc_root);
        (void) rmdir(path);
        (void) snprintf(path, sizeof(path), "%s/proc", proc_root);
        (void) rmdir(path);
        (void) rmdir(proc_root);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
        SrcSink sink = {.emit = check_emit, .announce = check_announce};
        SrcInstance *s = NULL;
        bool is_open = false;
        static bool has_root;

        if (!has_root) {
                if (!mkdtemp(proc_root) || xen_double_set_proc_root(proc_root) < 0)
                        abort();
                (void) atexit(remove_proc_root);
                has_root = true;
        }

        if (size > 65536 || xen_double_load((const char *) data, size) < 0) {
                xen_double_reset();
                return 0;
        }
        if (src_instance_new(&s, &src_xen) < 0)
                abort();
        for (unsigned i = 0; i < MAX_STEPS && xen_double_step() > 0; i++) {
                if (!is_open) {
                        is_open = src_open(s, &(SrcConfig){.proc_root = proc_root}) == 0;
                        if (!is_open)
                                continue;
                }
                n_announced = 0;
                (void) src_sample(s, 0, &sink);
        }
        s = src_instance_free(s);
        if (xen_double_open_handles() != 0)
                abort();
        xen_double_reset();
        return 0;
}
