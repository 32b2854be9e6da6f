#pragma once
/* SPDX-License-Identifier: MIT */
/*
 * The daemon's configuration: defaults, then a `key = value` file, then command-line flags, all
 * through one table of keys. Errors name the file, line and key.
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define CONFIG_DEFAULT_PATH "/etc/rrdd.conf"
#define CONFIG_ERROR_MAX 512

typedef enum PoolRole {
        POOL_ROLE_STANDALONE,
        POOL_ROLE_MASTER,
        POOL_ROLE_MEMBER,
        _POOL_ROLE_MAX,
} PoolRole;

typedef enum UpdateInterval {
        UPDATE_INTERVAL_NEVER, /* legacy metrics objects return zeros */
        UPDATE_INTERVAL_5S,    /* "1": refreshed every 5 s from the 5 s archive */
        UPDATE_INTERVAL_60S,   /* "2": refreshed every 60 s from the 1-minute archive */
        _UPDATE_INTERVAL_MAX,
} UpdateInterval;

typedef enum LogTargetKind {
        LOG_TO_STDERR,
        LOG_TO_SYSLOG,
} LogTargetKind;

/* A plain struct: strings are owned (freed by rrdd_config_done()). */
typedef struct RrddConfig {
        char *listen;   /* ADDR:PORT, IPv6 as [ADDR]:PORT */
        char *tls_cert; /* PEM file; TLS when both cert and key are set */
        char *tls_key;
        char *data_dir;       /* archives, host-uuid, the default users file */
        char *users_file;     /* user:crypt-hash per line */
        char *host_uuid;      /* empty: from /etc/xensource-inventory, else generated */
        char *inventory_file; /* where INSTALLATION_UUID is looked up */
        char *sources;        /* "auto" or a list of proc, xen, plugins, sim:N */
        char *sim_dir;        /* simulated VM lifecycle files; empty: data_dir/sim */
        char *plugin_dir;     /* xcp-rrdd plugin files */
        char *snapshot_dir;   /* host-metrics.json / vm-metrics.json; empty: no snapshots */
        char *proc_root;      /* prefix of /proc and /sys, for tests */
        bool create_min_max_in_new_vm_rrds;
        bool last_archives;
        bool plugin_default;
        bool archive_gzip;
        bool metrics_auth; /* whether /metrics needs credentials too */
        UpdateInterval rrd_update_interval;
        uint64_t backup_interval_s;
        PoolRole pool_role;
        char *master_url;
        char *pool_secret_file;
        char *public_url;   /* how the other hosts reach this one; empty: the master derives it */
        char *pool_ca_file; /* PEM bundle for https between hosts; empty: the system's */
        int log_level;      /* syslog priority */
        LogTargetKind log_target;
        uint64_t max_connections;
        uint64_t connection_timeout_s;
        uint64_t request_size_max;  /* bytes of a request body (XML-RPC, PUT /rrd) */
        uint64_t session_timeout_s; /* idle sessions expire */
        uint64_t sessions_per_user;
        uint64_t tick_s; /* 5; other values only for tests and demos */
} RrddConfig;

/* Fills every field with its default; strings are allocated. Return: 0 or -ENOMEM. */
int rrdd_config_init(RrddConfig *c);
void rrdd_config_done(RrddConfig *c);

/*
 * rrdd_config_set() - one key from any origin. origin/line name where it came from in error
 * messages ("--flag" or a file name and line). Return: 0, -ENOENT (unknown key), -EINVAL.
 */
int rrdd_config_set(RrddConfig *c, const char *key, const char *value, const char *origin,
                    unsigned line, char err[CONFIG_ERROR_MAX]);

/* Parses `key = value` text: '#' comments, blank lines, optional quotes around values. */
int rrdd_config_parse(RrddConfig *c, const char *text, size_t len, const char *origin,
                      char err[CONFIG_ERROR_MAX]);
int rrdd_config_load_file(RrddConfig *c, const char *path, char err[CONFIG_ERROR_MAX]);

/* Cross-field checks, once, after every origin has been applied. */
int rrdd_config_validate(const RrddConfig *c, char err[CONFIG_ERROR_MAX]);

/* The keys, for --help and for deriving command-line flags. */
typedef struct ConfigKeyInfo {
        const char *name;
        const char *help;
} ConfigKeyInfo;
const ConfigKeyInfo *rrdd_config_keys(size_t *ret_n);

/* "sources" split: which are requested. */
typedef struct SourceList {
        bool is_auto;
        bool proc, xen, plugins, sim;
        unsigned sim_count;
} SourceList;
int rrdd_config_parse_sources(const char *s, SourceList *ret, char err[CONFIG_ERROR_MAX]);

const char *pool_role_to_string(PoolRole r);
