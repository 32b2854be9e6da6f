/* SPDX-License-Identifier: MIT */
/* The static list of compiled-in sources, and the instance object that carries their state. */

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "sources/registry-list.h"
#include "sources/source.h"

struct SrcInstance {
        const SrcOps *ops;
        void *data;
        bool is_open;
};

const SrcOps *src_find(const char *name) {
        if (!name)
                return NULL;
        for (size_t i = 0; src_registry[i]; i++)
                if (strcmp(src_registry[i]->name, name) == 0)
                        return src_registry[i];
        return NULL;
}

int src_instance_new(SrcInstance **ret, const SrcOps *ops) {
        SrcInstance *s;

        if (!ret || !ops)
                return -EINVAL;
        s = calloc(1, sizeof(*s));
        if (!s)
                return -ENOMEM;
        s->ops = ops;
        *ret = s;
        return 0;
}

SrcInstance *src_instance_free(SrcInstance *s) {
        if (!s)
                return NULL;
        src_close(s);
        free(s);
        return NULL;
}

const SrcOps *src_instance_ops(const SrcInstance *s) {
        return s->ops;
}

void *src_get_data(const SrcInstance *s) {
        return s->data;
}

void src_set_data(SrcInstance *s, void *data) {
        s->data = data;
}

int src_open(SrcInstance *s, const SrcConfig *cfg) {
        int r;

        if (s->is_open)
                return -EALREADY;
        r = s->ops->open(s, cfg);
        /* close() undoes a partial open, so it runs whatever open() returned. */
        s->is_open = true;
        if (r < 0)
                src_close(s);
        return r;
}

int src_sample(SrcInstance *s, usec_t now, SrcSink *sink) {
        if (!s->is_open)
                return -EBADF;
        return s->ops->sample(s, now, sink);
}

void src_close(SrcInstance *s) {
        if (!s->is_open)
                return;
        s->ops->close(s);
        s->data = NULL;
        s->is_open = false;
}

const char *src_kind_to_string(SrcKind k) {
        static const char *const names[_SRC_KIND_MAX] = {
                [SRC_GAUGE] = "GAUGE",
                [SRC_ABSOLUTE] = "ABSOLUTE",
                [SRC_DERIVE] = "DERIVE",
                [SRC_COUNTER] = "COUNTER",
        };
        return (unsigned) k < _SRC_KIND_MAX ? names[k] : NULL;
}

const char *src_owner_kind_to_string(SrcOwnerKind k) {
        static const char *const names[_SRC_OWNER_KIND_MAX] = {
                [SRC_OWNER_HOST] = "host",
                [SRC_OWNER_VM] = "vm",
                [SRC_OWNER_SR] = "sr",
        };
        return (unsigned) k < _SRC_OWNER_KIND_MAX ? names[k] : NULL;
}
