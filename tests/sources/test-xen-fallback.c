/* SPDX-License-Identifier: MIT */
/* The xen source built without libxen: registered, and absent (-ENODEV) on every host. */

#include <errno.h>
#include <stddef.h>

#include "sources/registry-list.h"
#include "tests/tap.h"

const SrcOps *const src_registry[] = {&src_xen, NULL};

static int no_emit(SrcSink *sink, const SrcSample *s) {
        return -EINVAL;
}

int main(void) {
        SrcInstance *s = NULL;
        SrcSink sink = {.emit = no_emit};

        CHECK(src_find("xen") == &src_xen);
        CHECK(src_instance_new(&s, &src_xen) == 0);
        CHECK(src_open(s, &(SrcConfig){.proc_root = "/"}) == -ENODEV);
        /* A source whose open failed is closed and never sampled. */
        CHECK(src_sample(s, 0, &sink) == -EBADF);
        s = src_instance_free(s);
        CHECK(s == NULL);
        return TAP_DONE();
}
