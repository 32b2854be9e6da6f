#pragma once
/* SPDX-License-Identifier: MIT */
/*
 * Parsers for the text of /proc/stat, /proc/meminfo, /proc/net/dev and /proc/loadavg. They work
 * on a buffer of known length (no NUL needed), do no I/O, and skip what they cannot read: a
 * malformed line is dropped, and so is a last line without its newline (a truncated read).
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Highest N accepted in "cpuN"; Linux's NR_CPUS tops out at 8192 today. */
#define PROC_CPU_INDEX_MAX 65535u
/* Longest interface name (IFNAMSIZ - 1). */
#define PROC_IFNAME_MAX 15

/* Jiffy counters of one "cpu" or "cpuN" line of /proc/stat, in USER_HZ ticks. */
typedef struct ProcCpuTimes {
        uint32_t index; /* N of "cpuN"; 0 and meaningless for the aggregate line */
        /* user+nice+system+idle+iowait+irq+softirq+steal; guest and guest_nice are left out
         * because the kernel already counts them in user and nice. */
        uint64_t total_jiffies;
        uint64_t idle_jiffies; /* idle + iowait */
} ProcCpuTimes;

/* What /proc/stat says about CPU time. cpus[] is reused from one parse to the next. */
typedef struct ProcStat {
        bool has_all;       /* the aggregate "cpu" line was read */
        ProcCpuTimes all;   /* the aggregate line: sums over every possible CPU */
        ProcCpuTimes *cpus; /* "cpuN" lines, sorted by index, without duplicates */
        size_t n_cpus;
        size_t n_alloc;
} ProcStat;

void proc_stat_init(ProcStat *st);
void proc_stat_deinit(ProcStat *st);
int proc_stat_parse(ProcStat *st, const char *buf, size_t len);

/* The three /proc/meminfo lines we use, in KiB (the kernel's "kB"). */
typedef struct ProcMeminfo {
        uint64_t total_kib;
        uint64_t free_kib;
        uint64_t available_kib;
        bool has_total;
        bool has_free;
        bool has_available;
        bool is_complete; /* the text ended with a newline: a missing line is really absent */
} ProcMeminfo;

int proc_meminfo_parse(ProcMeminfo *ret, const char *buf, size_t len);

/* One interface of /proc/net/dev; counters as the kernel keeps them (bytes, error events). */
typedef struct ProcNetDev {
        char name[PROC_IFNAME_MAX + 1];
        uint64_t rx_bytes;
        uint64_t rx_errors;
        uint64_t tx_bytes;
        uint64_t tx_errors;
} ProcNetDev;

/* The interfaces in file order (a repeated name is kept: the caller skips it). devs[] is reused
 * from one parse to the next. */
typedef struct ProcNetDevList {
        ProcNetDev *devs;
        size_t n_devs;
        size_t n_alloc;
} ProcNetDevList;

void proc_netdev_list_init(ProcNetDevList *l);
void proc_netdev_list_deinit(ProcNetDevList *l);
int proc_netdev_parse(ProcNetDevList *l, const char *buf, size_t len);
bool proc_ifname_is_valid(const char *s, size_t len);

int proc_loadavg_parse(double *ret, const char *buf, size_t len);
