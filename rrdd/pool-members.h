#pragma once
/* SPDX-License-Identifier: MIT */
/*
 * The master's view of its members, built from their reports: where each can be reached and
 * which VMs it holds in memory. It answers "who holds this VM?" for redirects and hand-overs,
 * and "who is alive?" for pool-wide answers. Members silent for POOL_MEMBER_TIMEOUT_USEC are
 * forgotten. No I/O, no clock of its own: the caller passes the time.
 */

#include <stdbool.h>
#include <stddef.h>

#include "rrdd/clock.h"
#include "rrdd/hashmap.h"
#include "rrdd/macro.h"
#include "rrdd/pool-report.h"

#define POOL_MEMBER_TIMEOUT_USEC (180 * USEC_PER_SEC)

typedef struct PoolMember {
        char host_uuid[POOL_UUID_LEN + 1];
        char url[POOL_URL_MAX]; /* base URL, no trailing '/' */
        usec_t last_report;     /* monotonic */
        Hashmap *vms;           /* uuid → (void *) (PoolVmState + 1) */
} PoolMember;

typedef struct PoolMembers PoolMembers;

int pool_members_new(PoolMembers **ret);
PoolMembers *pool_members_free(PoolMembers *m);
DEFINE_FREEP(PoolMembers, pool_members_free);

/*
 * pool_members_update() - applies a report received at now (monotonic). peer is the numeric
 * address the report came from (IPv6 without brackets): with the report's port and tls it
 * makes the member's URL when the report names none.
 * Return: 0, -EINVAL when no URL can be made, -ENOMEM.
 */
int pool_members_update(PoolMembers *m, const PoolReport *r, const char *peer, usec_t now);

/* Forgets members whose last report is older than POOL_MEMBER_TIMEOUT_USEC. */
void pool_members_expire(PoolMembers *m, usec_t now);

/*
 * pool_members_holder() - the live member holding uuid in memory: one where it is resident
 * before one where it is leaving, then the most recent report. except (a host uuid, or NULL)
 * is never chosen: the member asking. Return: the member (valid until the next change), or
 * NULL.
 */
const PoolMember *pool_members_holder(PoolMembers *m, const char *uuid, const char *except,
                                      usec_t now);

/*
 * pool_members_forget_leaving() - the archive of uuid has arrived: the member host (NULL: any)
 * no longer holds it if it reported it as leaving. A resident claim stays (a backup of a
 * running VM also arrives as an archive).
 */
void pool_members_forget_leaving(PoolMembers *m, const char *host, const char *uuid);

/* Live members, after expiry: count and the i-th (valid until the next change). */
size_t pool_members_count(PoolMembers *m, usec_t now);
const PoolMember *pool_members_get(const PoolMembers *m, size_t i);

/* Makes scheme://peer:port (brackets around an IPv6 peer). Return: 0 or -EINVAL. */
int pool_member_url(const char *peer, uint16_t port, bool tls, char *ret, size_t size);
