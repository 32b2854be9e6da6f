#pragma once
/* SPDX-License-Identifier: MIT */
/*
 * What a pool member tells its master every minute and whenever it changes: who it is, where it
 * can be reached, and which VMs it holds in memory (running there, or left and not yet
 * archived). A small line-based text format, so the master's parser stays simple and fuzzable.
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define POOL_UUID_LEN 36
#define POOL_URL_MAX 512
#define POOL_REPORT_VMS_MAX 100000
#define POOL_REPORT_MAGIC "rrdd-pool-report 1"

typedef enum PoolVmState {
        POOL_VM_RESIDENT, /* running on the member, its RRD live there */
        POOL_VM_LEAVING,  /* gone from the member, RRD still in its memory (being archived) */
        _POOL_VM_STATE_MAX,
} PoolVmState;

typedef struct PoolReportVm {
        char uuid[POOL_UUID_LEN + 1]; /* lower case */
        PoolVmState state;
} PoolReportVm;

/* A plain value type; vms is owned (pool_report_done()). */
typedef struct PoolReport {
        char host_uuid[POOL_UUID_LEN + 1];
        char url[POOL_URL_MAX]; /* the member's public_url; "" lets the master derive it */
        uint16_t port;          /* the member's HTTP port, for a derived URL */
        bool tls;               /* whether that port speaks TLS */
        PoolReportVm *vms;
        size_t n_vms, n_alloc;
} PoolReport;

/* Appends a VM. Return: 0, -EINVAL (not a uuid), -E2BIG, -ENOMEM. */
int pool_report_add(PoolReport *r, const char *uuid, PoolVmState state);
void pool_report_done(PoolReport *r);

/*
 * pool_report_format() - the report as text:
 *   rrdd-pool-report 1
 *   host UUID
 *   url URL            (only when set)
 *   port N
 *   tls 0|1
 *   resident UUID      (one line per VM)
 *   leaving UUID
 * Return: 0 with a malloc'd NUL-terminated *ret, or -ENOMEM.
 */
int pool_report_format(const PoolReport *r, char **ret, size_t *ret_len);

/*
 * pool_report_parse() - reads a report of len bytes (no NUL needed). Lines end with LF (CR LF
 * accepted); unknown keywords are errors, so a typo never passes silently.
 * Return: 0, or -EINVAL with a one-line reason (line number and what is wrong), -ENOMEM.
 */
int pool_report_parse(const char *text, size_t len, PoolReport *ret, char *reason,
                      size_t reason_size);

/* Whether s is a canonical 8-4-4-4-12 uuid (either case). */
bool pool_uuid_is_valid(const char *s);

/*
 * pool_url_is_valid() - an http:// or https:// URL that host-to-host calls can use: a host,
 * an optional port, an optional path, no query, no credentials, no blanks or controls, shorter
 * than POOL_URL_MAX.
 */
bool pool_url_is_valid(const char *url);
