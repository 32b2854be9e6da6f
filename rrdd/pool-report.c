/* SPDX-License-Identifier: MIT */
/*
 * The member report (see pool-report.h): written by members, parsed by the master from an
 * authenticated but still outside request body, so every line is checked and bounded.
 */

#include "rrdd/pool-report.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rrdd/httpc.h"
#include "rrdd/macro.h"

#define LINE_MAX_BYTES 1024

static const char *const state_names[_POOL_VM_STATE_MAX] = {
        [POOL_VM_RESIDENT] = "resident",
        [POOL_VM_LEAVING] = "leaving",
};

/**
 * pool_uuid_is_valid() - whether a string is a canonical uuid, safe in a URL and a file name.
 * @s: the string (may be NULL).
 *
 * Return: true for exactly 8-4-4-4-12 hex digits, either case.
 */
bool pool_uuid_is_valid(const char *s) {
        if (!s)
                return false;
        for (size_t i = 0; i < POOL_UUID_LEN; i++) {
                char c = s[i];
                if (i == 8 || i == 13 || i == 18 || i == 23) {
                        if (c != '-')
                                return false;
                } else if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') ||
                             (c >= 'A' && c <= 'F')))
                        return false;
        }
        return s[POOL_UUID_LEN] == '\0';
}

/**
 * pool_url_is_valid() - whether a URL may be used between hosts and put in a Location header.
 * @url: the URL.
 *
 * Return: true for http[s]://host[:port][/path] without query, fragment, credentials, blanks,
 * controls or quotes, shorter than POOL_URL_MAX.
 */
bool pool_url_is_valid(const char *url) {
        HttpcUrl u;
        size_t n = strlen(url);

        if (n == 0 || n >= POOL_URL_MAX)
                return false;
        for (const char *p = url; *p; p++)
                if ((unsigned char) *p <= ' ' || *p == 0x7f || *p == '?' || *p == '#' ||
                    *p == '@' || *p == '"' || *p == '<' || *p == '>' || *p == '\\')
                        return false;
        return httpc_parse_url(url, &u) == 0;
}

static void lower(char *s) {
        for (; *s; s++)
                if (*s >= 'A' && *s <= 'F')
                        *s = (char) (*s - 'A' + 'a');
}

/**
 * pool_report_add() - appends a VM to a report (its uuid in lower case).
 * @r: the report.
 * @uuid: the VM's uuid.
 * @state: resident or leaving.
 *
 * Return: 0, -EINVAL for a bad uuid or state, -E2BIG beyond POOL_REPORT_VMS_MAX, -ENOMEM.
 */
int pool_report_add(PoolReport *r, const char *uuid, PoolVmState state) {
        if (!pool_uuid_is_valid(uuid) || (unsigned) state >= _POOL_VM_STATE_MAX)
                return -EINVAL;
        if (r->n_vms >= POOL_REPORT_VMS_MAX)
                return -E2BIG;
        if (r->n_vms == r->n_alloc) {
                size_t n = r->n_alloc ? r->n_alloc * 2 : 64;
                PoolReportVm *v = realloc(r->vms, n * sizeof(*v));
                if (!v)
                        return -ENOMEM;
                r->vms = v;
                r->n_alloc = n;
        }
        PoolReportVm *vm = &r->vms[r->n_vms++];
        memcpy(vm->uuid, uuid, POOL_UUID_LEN + 1);
        lower(vm->uuid);
        vm->state = state;
        return 0;
}

/**
 * pool_report_done() - frees a report's VM list; the report may be reused.
 * @r: the report.
 */
void pool_report_done(PoolReport *r) {
        free(r->vms);
        r->vms = NULL;
        r->n_vms = r->n_alloc = 0;
}

/**
 * pool_report_format() - renders a report as the text the master parses.
 * @r: the report.
 * @ret: the text, malloc'd and NUL-terminated.
 * @ret_len: its length.
 *
 * Return: 0, or -ENOMEM.
 */
int pool_report_format(const PoolReport *r, char **ret, size_t *ret_len) {
        /* A line per VM is "leaving " + 36 + "\n" at most; the head fits in a URL and change. */
        size_t cap = 128 + POOL_URL_MAX + r->n_vms * (8 + POOL_UUID_LEN + 2), len = 0;
        char *text = malloc(cap);

        if (!text)
                return -ENOMEM;
        len += (size_t) snprintf(text + len, cap - len, "%s\nhost %s\n", POOL_REPORT_MAGIC,
                                 r->host_uuid);
        if (r->url[0])
                len += (size_t) snprintf(text + len, cap - len, "url %s\n", r->url);
        len += (size_t) snprintf(text + len, cap - len, "port %u\ntls %d\n", r->port,
                                 r->tls ? 1 : 0);
        for (size_t i = 0; i < r->n_vms; i++)
                len += (size_t) snprintf(text + len, cap - len, "%s %s\n",
                                         state_names[r->vms[i].state], r->vms[i].uuid);
        *ret = text;
        *ret_len = len;
        return 0;
}

static int fail(char *reason, size_t size, unsigned line, const char *fmt, ...)
        __attribute__((format(printf, 4, 5)));
static int fail(char *reason, size_t size, unsigned line, const char *fmt, ...) {
        va_list ap;
        int n = 0;

        if (!reason || size == 0)
                return -EINVAL;
        if (line > 0)
                n = snprintf(reason, size, "line %u: ", line);
        if (n < 0 || (size_t) n >= size)
                return -EINVAL;
        va_start(ap, fmt);
        (void) vsnprintf(reason + n, size - (size_t) n, fmt, ap);
        va_end(ap);
        return -EINVAL;
}

/* A decimal number in [0, max], digits only. */
static bool parse_small_uint(const char *s, unsigned long max, unsigned long *ret) {
        unsigned long v = 0;

        if (!*s || strlen(s) > 10)
                return false;
        for (; *s; s++) {
                if (*s < '0' || *s > '9')
                        return false;
                v = v * 10 + (unsigned long) (*s - '0');
        }
        if (v > max)
                return false;
        *ret = v;
        return true;
}

/**
 * pool_report_parse() - reads a member's report.
 * @text: the body (not necessarily NUL-terminated).
 * @len: its length in bytes.
 * @ret: the report, on success only; release with pool_report_done().
 * @reason: a one-line reason for a refusal.
 * @reason_size: bytes at @reason.
 *
 * The first line must be the magic line; host, port and tls must each appear once; url at
 * most once; then any number of resident/leaving lines (at most POOL_REPORT_VMS_MAX).
 *
 * Return: 0, -EINVAL with @reason, -ENOMEM.
 */
int pool_report_parse(const char *text, size_t len, PoolReport *ret, char *reason,
                      size_t reason_size) {
        PoolReport r = {};
        bool has_host = false, has_port = false, has_tls = false, has_url = false;
        unsigned line = 0;
        size_t pos = 0;
        int k = 0;

        while (pos < len) {
                const char *start = text + pos, *nl = memchr(start, '\n', len - pos);
                size_t n = nl ? (size_t) (nl - start) : len - pos;
                char buf[LINE_MAX_BYTES], *arg;

                pos += n + (nl ? 1 : 0);
                line++;
                if (n > 0 && start[n - 1] == '\r')
                        n--;
                if (n >= sizeof(buf)) {
                        k = fail(reason, reason_size, line, "line longer than %d bytes",
                                 LINE_MAX_BYTES - 1);
                        goto out;
                }
                memcpy(buf, start, n);
                buf[n] = '\0';
                if (memchr(buf, '\0', n)) {
                        k = fail(reason, reason_size, line, "NUL byte");
                        goto out;
                }
                if (line == 1) {
                        if (strcmp(buf, POOL_REPORT_MAGIC) != 0) {
                                k = fail(reason, reason_size, line, "expected '%s'",
                                         POOL_REPORT_MAGIC);
                                goto out;
                        }
                        continue;
                }
                if (n == 0)
                        continue;
                arg = strchr(buf, ' ');
                if (!arg) {
                        k = fail(reason, reason_size, line, "expected 'keyword value'");
                        goto out;
                }
                *arg++ = '\0';
                if (strcmp(buf, "resident") == 0 || strcmp(buf, "leaving") == 0) {
                        PoolVmState st = buf[0] == 'r' ? POOL_VM_RESIDENT : POOL_VM_LEAVING;
                        k = pool_report_add(&r, arg, st);
                        if (k == -EINVAL) {
                                k = fail(reason, reason_size, line, "%s: not a uuid", buf);
                                goto out;
                        }
                        if (k == -E2BIG) {
                                k = fail(reason, reason_size, line, "more than %d VMs",
                                         POOL_REPORT_VMS_MAX);
                                goto out;
                        }
                        if (k < 0)
                                goto out;
                } else if (strcmp(buf, "host") == 0) {
                        if (has_host || !pool_uuid_is_valid(arg)) {
                                k = fail(reason, reason_size, line,
                                         has_host ? "host given twice" : "host: not a uuid");
                                goto out;
                        }
                        memcpy(r.host_uuid, arg, POOL_UUID_LEN + 1);
                        lower(r.host_uuid);
                        has_host = true;
                } else if (strcmp(buf, "url") == 0) {
                        if (has_url || !pool_url_is_valid(arg)) {
                                k = fail(reason, reason_size, line,
                                         has_url ? "url given twice"
                                                 : "url: expected http[s]://host[:port][/path]");
                                goto out;
                        }
                        (void) snprintf(r.url, sizeof(r.url), "%s", arg);
                        has_url = true;
                } else if (strcmp(buf, "port") == 0) {
                        unsigned long v;
                        if (has_port || !parse_small_uint(arg, 65535, &v) || v == 0) {
                                k = fail(reason, reason_size, line,
                                         has_port ? "port given twice"
                                                  : "port: expected 1 to 65535");
                                goto out;
                        }
                        r.port = (uint16_t) v;
                        has_port = true;
                } else if (strcmp(buf, "tls") == 0) {
                        if (has_tls || (strcmp(arg, "0") != 0 && strcmp(arg, "1") != 0)) {
                                k = fail(reason, reason_size, line,
                                         has_tls ? "tls given twice" : "tls: expected 0 or 1");
                                goto out;
                        }
                        r.tls = arg[0] == '1';
                        has_tls = true;
                } else {
                        k = fail(reason, reason_size, line, "unknown keyword '%.40s'", buf);
                        goto out;
                }
        }
        if (line == 0) {
                k = fail(reason, reason_size, 0, "empty report");
                goto out;
        }
        if (!has_host || !has_port || !has_tls) {
                k = fail(reason, reason_size, 0, "host, port and tls are required");
                goto out;
        }
        *ret = r;
        return 0;
out:
        pool_report_done(&r);
        return k;
}
