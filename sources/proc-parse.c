/* SPDX-License-Identifier: MIT */
/*
 * Parsers for /proc/stat, /proc/meminfo, /proc/net/dev and /proc/loadavg. The text comes from
 * the kernel, but a fixture, a truncated read or a future kernel may bend it, so every field is
 * checked and a line that does not fit is skipped rather than guessed at.
 */

#include "sources/proc-parse.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "rrdd/macro.h"

/* A read position inside one line. */
typedef struct Cursor {
        const char *p;
        const char *end;
} Cursor;

static bool is_blank(char c) {
        return c == ' ' || c == '\t';
}

static bool is_digit(char c) {
        return c >= '0' && c <= '9';
}

/*
 * Steps *pos to the next line. Only lines ended by '\n' count: an unterminated tail is what a
 * truncated read leaves, and its last number may be cut short.
 */
static bool next_line(const char *buf, size_t len, size_t *pos, Cursor *ret) {
        const char *nl;

        if (*pos >= len)
                return false;
        nl = memchr(buf + *pos, '\n', len - *pos);
        if (!nl)
                return false;
        ret->p = buf + *pos;
        ret->end = nl;
        *pos = (size_t) (nl - buf) + 1;
        return true;
}

static void skip_blanks(Cursor *c) {
        while (c->p < c->end && is_blank(*c->p))
                c->p++;
}

static bool at_end(const Cursor *c) {
        return c->p >= c->end;
}

/* A decimal number ended by a blank or the end of the line; false on overflow or junk. */
static bool cursor_u64(Cursor *c, uint64_t *ret) {
        uint64_t v = 0;
        const char *start = c->p;

        while (c->p < c->end && is_digit(*c->p)) {
                unsigned d = (unsigned) (*c->p - '0');
                if (v > (UINT64_MAX - d) / 10)
                        return false;
                v = v * 10 + d;
                c->p++;
        }
        if (c->p == start || (c->p < c->end && !is_blank(*c->p)))
                return false;
        *ret = v;
        return true;
}

/**
 * proc_stat_init() - prepare @st for proc_stat_parse(); owns nothing yet.
 */
void proc_stat_init(ProcStat *st) {
        *st = (ProcStat){};
}

/**
 * proc_stat_deinit() - free what proc_stat_parse() allocated in @st, leaving it initialised.
 */
void proc_stat_deinit(ProcStat *st) {
        free(st->cpus);
        *st = (ProcStat){};
}

static int cpu_times_cmp(const void *a, const void *b) {
        const ProcCpuTimes *x = a, *y = b;

        /* Whole-entry order, so that which of two duplicate lines survives is well defined. */
        if (x->index != y->index)
                return x->index < y->index ? -1 : 1;
        if (x->total_jiffies != y->total_jiffies)
                return x->total_jiffies < y->total_jiffies ? -1 : 1;
        if (x->idle_jiffies != y->idle_jiffies)
                return x->idle_jiffies < y->idle_jiffies ? -1 : 1;
        return 0;
}

/* Reads the numbers of one "cpu" line; false unless at least user, nice, system, idle. */
static bool parse_cpu_fields(Cursor *c, ProcCpuTimes *ret) {
        /* user nice system idle iowait irq softirq steal guest guest_nice */
        uint64_t f[10] = {};
        size_t n = 0;
        uint64_t total = 0;

        for (;;) {
                skip_blanks(c);
                /* Fields a future kernel may append are ignored. */
                if (at_end(c) || n == ELEMENTSOF(f))
                        break;
                if (!cursor_u64(c, &f[n]))
                        return false;
                n++;
        }
        if (n < 4)
                return false;
        for (size_t i = 0; i < n && i < 8; i++) {
                if (f[i] > UINT64_MAX - total)
                        return false;
                total += f[i];
        }
        ret->total_jiffies = total;
        /* f[3] + f[4] <= total, which was summed without overflow. */
        ret->idle_jiffies = f[3] + f[4];
        return true;
}

/**
 * proc_stat_parse() - read the CPU lines of /proc/stat.
 * @st: result, initialised with proc_stat_init(); its array is reused.
 * @buf: the file's text, @len bytes, not NUL-terminated.
 *
 * Return: 0 when the aggregate line or at least one "cpuN" line was read, -EBADMSG when
 * neither was, -ENOMEM.
 */
int proc_stat_parse(ProcStat *st, const char *buf, size_t len) {
        size_t pos = 0;
        bool is_sorted = true;
        Cursor c;

        st->has_all = false;
        st->n_cpus = 0;
        while (next_line(buf, len, &pos, &c)) {
                ProcCpuTimes t = {};
                bool is_all;

                if (c.end - c.p < 3 || memcmp(c.p, "cpu", 3) != 0)
                        continue;
                c.p += 3;
                if (!at_end(&c) && is_digit(*c.p)) {
                        uint64_t index;
                        if (!cursor_u64(&c, &index) || index > PROC_CPU_INDEX_MAX)
                                continue;
                        t.index = (uint32_t) index;
                        is_all = false;
                } else if (!at_end(&c) && is_blank(*c.p))
                        is_all = true;
                else
                        continue;
                if (!parse_cpu_fields(&c, &t))
                        continue;

                if (is_all) {
                        /* A second aggregate line can only be garbage; the first one wins. */
                        if (!st->has_all) {
                                st->all = t;
                                st->has_all = true;
                        }
                        continue;
                }
                if (st->n_cpus == st->n_alloc) {
                        size_t n = st->n_alloc ? st->n_alloc * 2 : 16;
                        ProcCpuTimes *p = reallocarray(st->cpus, n, sizeof(*p));
                        if (!p)
                                return -ENOMEM;
                        st->cpus = p;
                        st->n_alloc = n;
                }
                if (st->n_cpus > 0 && t.index <= st->cpus[st->n_cpus - 1].index)
                        is_sorted = false;
                st->cpus[st->n_cpus++] = t;
        }

        if (!is_sorted) {
                size_t n = 0;
                qsort(st->cpus, st->n_cpus, sizeof(st->cpus[0]), cpu_times_cmp);
                for (size_t i = 0; i < st->n_cpus; i++)
                        if (n == 0 || st->cpus[i].index != st->cpus[n - 1].index)
                                st->cpus[n++] = st->cpus[i];
                st->n_cpus = n;
        }
        return st->has_all || st->n_cpus > 0 ? 0 : -EBADMSG;
}

/**
 * proc_meminfo_parse() - read MemTotal, MemFree and MemAvailable from /proc/meminfo.
 * @ret: result; fields not found are flagged absent.
 * @buf: the file's text, @len bytes, not NUL-terminated.
 *
 * Values must be plain decimal numbers, optionally followed by "kB" (the kernel's only unit
 * there, meaning KiB). Return: 0 when at least one of the three was read, else -EBADMSG.
 */
int proc_meminfo_parse(ProcMeminfo *ret, const char *buf, size_t len) {
        static const struct {
                const char *key;
                size_t offset_value;
                size_t offset_has;
        } keys[] = {
                {"MemTotal", offsetof(ProcMeminfo, total_kib), offsetof(ProcMeminfo, has_total)},
                {"MemFree", offsetof(ProcMeminfo, free_kib), offsetof(ProcMeminfo, has_free)},
                {"MemAvailable", offsetof(ProcMeminfo, available_kib),
                 offsetof(ProcMeminfo, has_available)},
        };
        ProcMeminfo m = {};
        size_t pos = 0;
        Cursor c;

        while (next_line(buf, len, &pos, &c)) {
                const char *colon = memchr(c.p, ':', (size_t) (c.end - c.p));
                uint64_t v;

                if (!colon)
                        continue;
                for (size_t i = 0; i < ELEMENTSOF(keys); i++) {
                        size_t klen = strlen(keys[i].key);
                        bool *has = (bool *) ((char *) &m + keys[i].offset_has);
                        Cursor vc = {colon + 1, c.end};

                        if ((size_t) (colon - c.p) != klen || memcmp(c.p, keys[i].key, klen) != 0)
                                continue;
                        if (*has)
                                break; /* a repeated key is garbage; keep the first */
                        skip_blanks(&vc);
                        if (!cursor_u64(&vc, &v))
                                break;
                        skip_blanks(&vc);
                        if (!at_end(&vc)) {
                                if (vc.end - vc.p < 2 || memcmp(vc.p, "kB", 2) != 0)
                                        break;
                                vc.p += 2;
                                skip_blanks(&vc);
                                if (!at_end(&vc))
                                        break;
                        }
                        *(uint64_t *) ((char *) &m + keys[i].offset_value) = v;
                        *has = true;
                        break;
                }
        }
        m.is_complete = len > 0 && buf[len - 1] == '\n';
        if (!m.has_total && !m.has_free && !m.has_available)
                return -EBADMSG;
        *ret = m;
        return 0;
}

/**
 * proc_netdev_list_init() - prepare @l for proc_netdev_parse(); owns nothing yet.
 */
void proc_netdev_list_init(ProcNetDevList *l) {
        *l = (ProcNetDevList){};
}

/**
 * proc_netdev_list_deinit() - free what proc_netdev_parse() allocated in @l, leaving it
 * initialised.
 */
void proc_netdev_list_deinit(ProcNetDevList *l) {
        free(l->devs);
        *l = (ProcNetDevList){};
}

/**
 * proc_ifname_is_valid() - whether @s (@len bytes) is a name we accept for an interface.
 *
 * The name becomes part of a data-source name and of a path under /sys, so besides the kernel's
 * own rules (1 to 15 bytes, no '/', ':' or whitespace, not "." or "..") it must be printable
 * ASCII without XML specials. Return: true if acceptable.
 */
bool proc_ifname_is_valid(const char *s, size_t len) {
        if (len == 0 || len > PROC_IFNAME_MAX)
                return false;
        if ((len == 1 && s[0] == '.') || (len == 2 && s[0] == '.' && s[1] == '.'))
                return false;
        for (size_t i = 0; i < len; i++) {
                unsigned char ch = (unsigned char) s[i];
                if (ch <= 0x20 || ch >= 0x7f || strchr("/:<>&\"'\\", ch))
                        return false;
        }
        return true;
}

/**
 * proc_netdev_parse() - read the per-interface lines of /proc/net/dev.
 * @l: result, initialised with proc_netdev_list_init(); its array is reused.
 * @buf: the file's text, @len bytes, not NUL-terminated.
 *
 * A line is "name: " and 16 counters (8 receive, 8 transmit); the two header lines have no
 * colon and are skipped. Names are not deduplicated here (that would cost O(n²) with thousands
 * of vifs); the caller ignores a repeat. Return: 0 when at least one interface was read, else
 * -EBADMSG; -ENOMEM.
 */
int proc_netdev_parse(ProcNetDevList *l, const char *buf, size_t len) {
        size_t pos = 0;
        Cursor c;

        l->n_devs = 0;
        while (next_line(buf, len, &pos, &c)) {
                const char *colon = memchr(c.p, ':', (size_t) (c.end - c.p));
                const char *name, *name_end;
                uint64_t f[16];
                ProcNetDev *d;
                bool ok = true;

                if (!colon)
                        continue;
                name = c.p;
                name_end = colon;
                while (name < name_end && is_blank(*name))
                        name++;
                while (name_end > name && is_blank(name_end[-1]))
                        name_end--;
                if (!proc_ifname_is_valid(name, (size_t) (name_end - name)))
                        continue;

                c.p = colon + 1;
                for (size_t i = 0; i < 16 && ok; i++) {
                        skip_blanks(&c);
                        ok = cursor_u64(&c, &f[i]);
                }
                if (!ok)
                        continue;

                if (l->n_devs == l->n_alloc) {
                        size_t n = l->n_alloc ? l->n_alloc * 2 : 8;
                        ProcNetDev *p = reallocarray(l->devs, n, sizeof(*p));
                        if (!p)
                                return -ENOMEM;
                        l->devs = p;
                        l->n_alloc = n;
                }
                d = &l->devs[l->n_devs++];
                *d = (ProcNetDev){
                        .rx_bytes = f[0],
                        .rx_errors = f[2],
                        .tx_bytes = f[8],
                        .tx_errors = f[10],
                };
                memcpy(d->name, name, (size_t) (name_end - name));
                d->name[name_end - name] = '\0';
        }
        return l->n_devs > 0 ? 0 : -EBADMSG;
}

/**
 * proc_loadavg_parse() - read the 1-minute load average, the first field of /proc/loadavg.
 * @ret: the load average (runnable + uninterruptible tasks, exponentially averaged).
 * @buf: the file's text, @len bytes, not NUL-terminated.
 *
 * The field must be digits with an optional fraction, ended by a blank or newline (so a
 * truncated "0.5" of "0.52" is refused). Return: 0, or -EBADMSG.
 */
int proc_loadavg_parse(double *ret, const char *buf, size_t len) {
        char token[32];
        size_t n = 0;
        bool has_dot = false;

        while (n < len && (is_digit(buf[n]) || (buf[n] == '.' && !has_dot && n > 0))) {
                has_dot = has_dot || buf[n] == '.';
                n++;
        }
        if (n == 0 || n >= sizeof(token) || buf[n - 1] == '.')
                return -EBADMSG;
        if (n == len || !(is_blank(buf[n]) || buf[n] == '\n'))
                return -EBADMSG;
        memcpy(token, buf, n);
        token[n] = '\0';
        /* The token is plain [0-9]+(.[0-9]+)?, which strtod reads the same in the C locale
         * (the daemon never changes LC_NUMERIC). */
        *ret = strtod(token, NULL);
        return 0;
}
