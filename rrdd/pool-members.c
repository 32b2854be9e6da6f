/* SPDX-License-Identifier: MIT */
/*
 * The master's table of members (see pool-members.h): a short array (a pool has a handful of
 * hosts), each member with a hash set of the VMs it reported. Runs on the loop thread only.
 */

#include "rrdd/pool-members.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MEMBERS_MAX 1024

struct PoolMembers {
        PoolMember **v;
        size_t n, n_alloc;
};

static PoolMember *member_free(PoolMember *p) {
        if (p) {
                hashmap_free(p->vms);
                free(p);
        }
        return NULL;
}

/**
 * pool_members_new() - an empty table of members.
 * @ret: the table.
 *
 * Return: 0 or -ENOMEM.
 */
int pool_members_new(PoolMembers **ret) {
        PoolMembers *m = calloc(1, sizeof(*m));
        if (!m)
                return -ENOMEM;
        *ret = m;
        return 0;
}

/**
 * pool_members_free() - frees the table.
 * @m: the table, or NULL.
 *
 * Return: NULL.
 */
PoolMembers *pool_members_free(PoolMembers *m) {
        if (!m)
                return NULL;
        for (size_t i = 0; i < m->n; i++)
                member_free(m->v[i]);
        free(m->v);
        free(m);
        return NULL;
}

/**
 * pool_member_url() - the base URL of a member that did not name one.
 * @peer: the numeric address its report came from (IPv6 without brackets).
 * @port: its HTTP port.
 * @tls: whether that port speaks TLS.
 * @ret: where to write.
 * @size: bytes at @ret.
 *
 * Return: 0, or -EINVAL for an empty or odd peer or a URL that does not fit.
 */
int pool_member_url(const char *peer, uint16_t port, bool tls, char *ret, size_t size) {
        bool v6 = strchr(peer, ':') != NULL;
        int n;

        if (!*peer || port == 0 || strpbrk(peer, " /[]@?#%"))
                return -EINVAL;
        n = snprintf(ret, size, "%s://%s%s%s:%u", tls ? "https" : "http", v6 ? "[" : "", peer,
                     v6 ? "]" : "", port);
        return n > 0 && (size_t) n < size ? 0 : -EINVAL;
}

static PoolMember *find(PoolMembers *m, const char *host, size_t *ret_i) {
        for (size_t i = 0; i < m->n; i++)
                if (strcmp(m->v[i]->host_uuid, host) == 0) {
                        if (ret_i)
                                *ret_i = i;
                        return m->v[i];
                }
        return NULL;
}

/**
 * pool_members_update() - replaces what the master knows of the reporting member.
 * @m: the table.
 * @r: the report (borrowed).
 * @peer: the address the report came from, for a URL when the report names none.
 * @now: monotonic time of arrival.
 *
 * Return: 0, -EINVAL when no URL can be made, -E2BIG beyond 1024 members, -ENOMEM.
 */
int pool_members_update(PoolMembers *m, const PoolReport *r, const char *peer, usec_t now) {
        _cleanup_(hashmap_freep) Hashmap *vms = NULL;
        char url[POOL_URL_MAX];
        PoolMember *p;
        int k;

        if (r->url[0])
                (void) snprintf(url, sizeof(url), "%s", r->url);
        else if ((k = pool_member_url(peer ? peer : "", r->port, r->tls, url, sizeof(url))) < 0)
                return k;
        while (url[0] && url[strlen(url) - 1] == '/')
                url[strlen(url) - 1] = '\0';
        k = hashmap_new(&vms);
        if (k < 0)
                return k;
        for (size_t i = 0; i < r->n_vms; i++) {
                void *v = (void *) (uintptr_t) (r->vms[i].state + 1);
                /* A VM named twice: the resident claim wins. */
                void *old = hashmap_get(vms, r->vms[i].uuid);
                if (old) {
                        if (r->vms[i].state == POOL_VM_RESIDENT) {
                                (void) hashmap_remove(vms, r->vms[i].uuid);
                                k = hashmap_put(vms, r->vms[i].uuid, v);
                        }
                } else
                        k = hashmap_put(vms, r->vms[i].uuid, v);
                if (k < 0)
                        return k;
        }
        p = find(m, r->host_uuid, NULL);
        if (!p) {
                if (m->n >= MEMBERS_MAX)
                        return -E2BIG;
                if (m->n == m->n_alloc) {
                        size_t n = m->n_alloc ? 2 * m->n_alloc : 8;
                        PoolMember **v = realloc(m->v, n * sizeof(*v));
                        if (!v)
                                return -ENOMEM;
                        m->v = v;
                        m->n_alloc = n;
                }
                p = calloc(1, sizeof(*p));
                if (!p)
                        return -ENOMEM;
                memcpy(p->host_uuid, r->host_uuid, sizeof(p->host_uuid));
                m->v[m->n++] = p;
        }
        hashmap_free(p->vms);
        p->vms = TAKE_PTR(vms);
        memcpy(p->url, url, sizeof(p->url));
        p->last_report = now;
        return 0;
}

/**
 * pool_members_expire() - forgets members silent for longer than POOL_MEMBER_TIMEOUT_USEC.
 * @m: the table.
 * @now: monotonic time.
 */
void pool_members_expire(PoolMembers *m, usec_t now) {
        size_t i = 0;

        while (i < m->n) {
                PoolMember *p = m->v[i];
                if (now > p->last_report && now - p->last_report > POOL_MEMBER_TIMEOUT_USEC) {
                        member_free(p);
                        m->v[i] = m->v[--m->n];
                } else
                        i++;
        }
}

/**
 * pool_members_holder() - the live member holding a VM in memory.
 * @m: the table (expired members are forgotten first).
 * @uuid: the VM.
 * @except: a host never to choose (the one asking), or NULL.
 * @now: monotonic time.
 *
 * A member where the VM is resident wins over one where it is leaving; among equals, the most
 * recent report.
 *
 * Return: the member, valid until the table changes, or NULL.
 */
const PoolMember *pool_members_holder(PoolMembers *m, const char *uuid, const char *except,
                                      usec_t now) {
        const PoolMember *best = NULL;
        PoolVmState best_state = POOL_VM_LEAVING;

        pool_members_expire(m, now);
        for (size_t i = 0; i < m->n; i++) {
                const PoolMember *p = m->v[i];
                if (except && strcmp(p->host_uuid, except) == 0)
                        continue;
                void *v = hashmap_get(p->vms, uuid);
                if (!v)
                        continue;
                PoolVmState st = (PoolVmState) ((uintptr_t) v - 1);
                if (!best || (st == POOL_VM_RESIDENT && best_state != POOL_VM_RESIDENT) ||
                    (st == best_state && p->last_report > best->last_report)) {
                        best = p;
                        best_state = st;
                }
        }
        return best;
}

/**
 * pool_members_forget_leaving() - an archive of a VM arrived: drops "leaving" claims on it.
 * @m: the table.
 * @host: the member that sent it, or NULL for every member.
 * @uuid: the VM.
 *
 * Resident claims stay: a member's backup of a running VM arrives as an archive too.
 */
void pool_members_forget_leaving(PoolMembers *m, const char *host, const char *uuid) {
        for (size_t i = 0; i < m->n; i++) {
                PoolMember *p = m->v[i];
                if (host && strcmp(p->host_uuid, host) != 0)
                        continue;
                void *v = hashmap_get(p->vms, uuid);
                if (v && (PoolVmState) ((uintptr_t) v - 1) == POOL_VM_LEAVING)
                        (void) hashmap_remove(p->vms, uuid);
        }
}

/**
 * pool_members_count() - how many members are alive.
 * @m: the table (expired members are forgotten first).
 * @now: monotonic time.
 *
 * Return: the number of members, which pool_members_get() indexes.
 */
size_t pool_members_count(PoolMembers *m, usec_t now) {
        pool_members_expire(m, now);
        return m->n;
}

/**
 * pool_members_get() - the i-th member.
 * @m: the table.
 * @i: index, below pool_members_count().
 *
 * Return: the member, valid until the table changes, or NULL past the end.
 */
const PoolMember *pool_members_get(const PoolMembers *m, size_t i) {
        return i < m->n ? m->v[i] : NULL;
}
