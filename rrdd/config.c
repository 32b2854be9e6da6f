/* SPDX-License-Identifier: MIT */
/*
 * Configuration keys live in one table {name, type, offset, bounds, default, help}; the file
 * parser, the command-line flags and --help all go through it, so a key exists everywhere or
 * nowhere.
 */

#include "rrdd/config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <syslog.h>
#include <unistd.h>

#include "rrdd/log.h"
#include "rrdd/macro.h"

#define CONFIG_FILE_MAX (1024 * 1024)

typedef enum KeyType {
        KEY_STRING,
        KEY_BOOL,
        KEY_UINT,
        KEY_ROLE,
        KEY_UPDATE_INTERVAL,
        KEY_LOG_LEVEL,
        KEY_LOG_TARGET,
        KEY_LISTEN,
        KEY_SOURCES,
} KeyType;

typedef struct Key {
        const char *name;
        KeyType type;
        size_t offset;
        uint64_t min, max; /* KEY_UINT bounds, inclusive */
        const char *def;
        const char *help;
} Key;

#define F(field) offsetof(RrddConfig, field)

static const Key keys[] = {
        {"listen", KEY_LISTEN, F(listen), 0, 0, "127.0.0.1:8089", "HTTP address, ADDR:PORT"},
        {"tls_cert", KEY_STRING, F(tls_cert), 0, 0, "", "PEM certificate; TLS with tls_key"},
        {"tls_key", KEY_STRING, F(tls_key), 0, 0, "", "PEM private key"},
        {"data_dir", KEY_STRING, F(data_dir), 0, 0, "/var/lib/rrdd", "archives and state"},
        {"users_file", KEY_STRING, F(users_file), 0, 0, "",
         "user:crypt-hash lines; default DATA_DIR/users, created on first start"},
        {"host_uuid", KEY_STRING, F(host_uuid), 0, 0, "",
         "default: INSTALLATION_UUID of the inventory, else generated once"},
        {"inventory_file", KEY_STRING, F(inventory_file), 0, 0, "/etc/xensource-inventory",
         "where INSTALLATION_UUID is read"},
        {"sources", KEY_SOURCES, F(sources), 0, 0, "auto",
         "auto, or a list of proc, xen, plugins, sim:N"},
        {"sim_dir", KEY_STRING, F(sim_dir), 0, 0, "", "simulated VMs; default DATA_DIR/sim"},
        {"plugin_dir", KEY_STRING, F(plugin_dir), 0, 0, "/dev/shm/metrics",
         "xcp-rrdd plugin files"},
        {"snapshot_dir", KEY_STRING, F(snapshot_dir), 0, 0, "",
         "host-metrics.json and vm-metrics.json each tick; empty: none"},
        {"proc_root", KEY_STRING, F(proc_root), 0, 0, "/", "prefix of /proc and /sys"},
        {"create_min_max_in_new_VM_RRDs", KEY_BOOL, F(create_min_max_in_new_vm_rrds), 0, 0, "false",
         "MIN and MAX archives in new VM and SR RRDs"},
        {"last_archives", KEY_BOOL, F(last_archives), 0, 0, "false",
         "LAST archives on the coarse tiers of new RRDs"},
        {"plugin_default", KEY_BOOL, F(plugin_default), 0, 0, "false",
         "archive every plugin data source, not just default ones"},
        {"archive_gzip", KEY_BOOL, F(archive_gzip), 0, 0, "false", "gzip archives on disk"},
        {"metrics_auth", KEY_BOOL, F(metrics_auth), 0, 0, "false",
         "require credentials for /metrics"},
        {"rrd_update_interval", KEY_UPDATE_INTERVAL, F(rrd_update_interval), 0, 0, "never",
         "legacy metrics: never, 1 (5 s) or 2 (60 s)"},
        {"backup_interval", KEY_UINT, F(backup_interval_s), 60, 31536000, "86400",
         "seconds between backups of every RRD"},
        {"pool_role", KEY_ROLE, F(pool_role), 0, 0, "standalone", "standalone, master or member"},
        {"master_url", KEY_STRING, F(master_url), 0, 0, "", "the master, for members"},
        {"pool_secret_file", KEY_STRING, F(pool_secret_file), 0, 0, "",
         "file holding the pool secret"},
        {"public_url", KEY_STRING, F(public_url), 0, 0, "",
         "this host's URL for the other hosts; empty: the master uses the address it sees"},
        {"pool_ca_file", KEY_STRING, F(pool_ca_file), 0, 0, "",
         "PEM CA bundle verifying https between hosts; empty: the system's"},
        {"log_level", KEY_LOG_LEVEL, F(log_level), 0, 0, "info",
         "error, warning, notice, info or debug"},
        {"log_target", KEY_LOG_TARGET, F(log_target), 0, 0, "stderr", "stderr or syslog"},
        {"max_connections", KEY_UINT, F(max_connections), 1, 100000, "512",
         "simultaneous HTTP connections"},
        {"connection_timeout", KEY_UINT, F(connection_timeout_s), 1, 86400, "30",
         "seconds an idle HTTP connection is kept"},
        {"request_size_max", KEY_UINT, F(request_size_max), 1024, UINT64_C(1) << 32, "67108864",
         "bytes of a request body"},
        {"session_timeout", KEY_UINT, F(session_timeout_s), 10, 31536000, "3600",
         "seconds an idle session lives"},
        {"sessions_per_user", KEY_UINT, F(sessions_per_user), 1, 100000, "64",
         "open sessions per user"},
        {"tick", KEY_UINT, F(tick_s), 1, 3600, "5", "seconds per sample; archives assume 5"},
};

static int fail(char *err, const char *origin, unsigned line, const char *fmt, ...)
        __attribute__((format(printf, 4, 5)));
static int fail(char *err, const char *origin, unsigned line, const char *fmt, ...) {
        va_list ap;
        int n;

        if (!err)
                return -EINVAL;
        /* "origin:line: message", or "origin: message" when there is no line. */
        if (line > 0)
                n = snprintf(err, CONFIG_ERROR_MAX, "%.200s:%u: ", origin, line);
        else
                n = snprintf(err, CONFIG_ERROR_MAX, "%.200s: ", origin);
        if (n < 0 || n >= CONFIG_ERROR_MAX)
                return -EINVAL;
        va_start(ap, fmt);
        (void) vsnprintf(err + n, CONFIG_ERROR_MAX - (size_t) n, fmt, ap);
        va_end(ap);
        return -EINVAL;
}

static const Key *find_key(const char *name) {
        for (size_t i = 0; i < ELEMENTSOF(keys); i++) {
                const char *a = keys[i].name, *b = name;
                /* Flags spell keys with dashes; files with underscores. Case matters. */
                for (; *a && *b; a++, b++)
                        if (*a != *b && !(*a == '_' && *b == '-'))
                                break;
                if (*a == '\0' && *b == '\0')
                        return &keys[i];
        }
        return NULL;
}

static bool parse_bool(const char *s, bool *ret) {
        static const char *const yes[] = {"true", "yes", "on", "1"};
        static const char *const no[] = {"false", "no", "off", "0"};
        for (size_t i = 0; i < ELEMENTSOF(yes); i++) {
                if (strcmp(s, yes[i]) == 0) {
                        *ret = true;
                        return true;
                }
                if (strcmp(s, no[i]) == 0) {
                        *ret = false;
                        return true;
                }
        }
        return false;
}

static bool parse_uint(const char *s, uint64_t *ret) {
        uint64_t v = 0;
        if (!*s)
                return false;
        for (; *s; s++) {
                if (*s < '0' || *s > '9' || v > (UINT64_MAX - 9) / 10)
                        return false;
                v = v * 10 + (uint64_t) (*s - '0');
        }
        *ret = v;
        return true;
}

/* ADDR:PORT with ADDR an IPv4 address, a host name, or [IPv6]; PORT 0..65535. */
static bool listen_is_valid(const char *s) {
        const char *colon = strrchr(s, ':');
        uint64_t port;

        if (!colon || colon == s || !parse_uint(colon + 1, &port) || port > 65535)
                return false;
        if (s[0] == '[')
                return colon[-1] == ']' && colon - s > 2;
        for (const char *p = s; p < colon; p++)
                if (*p == ':' || *p == ' ' || *p == '[' || *p == ']')
                        return false;
        return true;
}

int rrdd_config_parse_sources(const char *s, SourceList *ret, char err[CONFIG_ERROR_MAX]) {
        SourceList l = {};
        const char *p = s;

        if (strcmp(s, "auto") == 0) {
                l.is_auto = true;
                *ret = l;
                return 0;
        }
        while (*p) {
                const char *end = strchr(p, ',');
                size_t n = end ? (size_t) (end - p) : strlen(p);
                char item[64];

                while (n > 0 && (*p == ' ' || *p == '\t')) {
                        p++;
                        n--;
                }
                while (n > 0 && (p[n - 1] == ' ' || p[n - 1] == '\t'))
                        n--;
                if (n == 0 || n >= sizeof(item))
                        return fail(err, "sources", 0, "empty or overlong item in '%s'", s);
                memcpy(item, p, n);
                item[n] = '\0';
                if (strcmp(item, "proc") == 0)
                        l.proc = true;
                else if (strcmp(item, "xen") == 0)
                        l.xen = true;
                else if (strcmp(item, "plugins") == 0)
                        l.plugins = true;
                else if (strncmp(item, "sim:", 4) == 0 || strcmp(item, "sim") == 0) {
                        uint64_t count = 10;
                        if (item[3] == ':' && (!parse_uint(item + 4, &count) || count > 100000))
                                return fail(err, "sources", 0,
                                            "'%s': sim:N wants N between 0 and 100000", item);
                        l.sim = true;
                        l.sim_count = (unsigned) count;
                } else
                        return fail(err, "sources", 0,
                                    "unknown source '%s' (proc, xen, plugins, sim:N)", item);
                p += end ? (size_t) (end - p) + 1 : strlen(p);
        }
        if (!l.proc && !l.xen && !l.plugins && !l.sim)
                return fail(err, "sources", 0, "no source named in '%s'", s);
        *ret = l;
        return 0;
}

int rrdd_config_set(RrddConfig *c, const char *key, const char *value, const char *origin,
                    unsigned line, char err[CONFIG_ERROR_MAX]) {
        const Key *k = find_key(key);
        void *field;

        if (!k) {
                fail(err, origin, line, "unknown key '%s'", key);
                return -ENOENT;
        }
        field = (char *) c + k->offset;
        switch (k->type) {
        case KEY_LISTEN:
                if (!listen_is_valid(value))
                        return fail(err, origin, line,
                                    "%s: expected ADDR:PORT or [IPv6]:PORT, got '%s'", k->name,
                                    value);
                break;
        case KEY_SOURCES: {
                SourceList l;
                char inner[CONFIG_ERROR_MAX];
                if (rrdd_config_parse_sources(value, &l, inner) < 0)
                        return fail(err, origin, line, "%.300s", inner);
                break;
        }
        case KEY_BOOL:
                if (!parse_bool(value, (bool *) field))
                        return fail(err, origin, line, "%s: expected true or false, got '%s'",
                                    k->name, value);
                return 0;
        case KEY_UINT: {
                uint64_t v;
                if (!parse_uint(value, &v) || v < k->min || v > k->max)
                        return fail(err, origin, line,
                                    "%s: expected a whole number from %llu to %llu, got '%s'",
                                    k->name, (unsigned long long) k->min,
                                    (unsigned long long) k->max, value);
                *(uint64_t *) field = v;
                return 0;
        }
        case KEY_ROLE:
                for (int r = 0; r < _POOL_ROLE_MAX; r++)
                        if (strcmp(value, pool_role_to_string((PoolRole) r)) == 0) {
                                *(PoolRole *) field = (PoolRole) r;
                                return 0;
                        }
                return fail(err, origin, line,
                            "%s: expected standalone, master or member, got '%s'", k->name, value);
        case KEY_UPDATE_INTERVAL:
                if (strcmp(value, "never") == 0 || strcmp(value, "0") == 0)
                        *(UpdateInterval *) field = UPDATE_INTERVAL_NEVER;
                else if (strcmp(value, "1") == 0)
                        *(UpdateInterval *) field = UPDATE_INTERVAL_5S;
                else if (strcmp(value, "2") == 0)
                        *(UpdateInterval *) field = UPDATE_INTERVAL_60S;
                else
                        return fail(err, origin, line, "%s: expected never, 1 or 2, got '%s'",
                                    k->name, value);
                return 0;
        case KEY_LOG_LEVEL: {
                int l = log_level_from_string(value);
                if (l < 0)
                        return fail(err, origin, line,
                                    "%s: expected error, warning, notice, info or debug, got '%s'",
                                    k->name, value);
                *(int *) field = l;
                return 0;
        }
        case KEY_LOG_TARGET:
                if (strcmp(value, "stderr") == 0)
                        *(LogTargetKind *) field = LOG_TO_STDERR;
                else if (strcmp(value, "syslog") == 0)
                        *(LogTargetKind *) field = LOG_TO_SYSLOG;
                else
                        return fail(err, origin, line, "%s: expected stderr or syslog, got '%s'",
                                    k->name, value);
                return 0;
        case KEY_STRING:
                break;
        }
        /* String-valued keys (including the validated ones above). */
        if (strlen(value) > 4096)
                return fail(err, origin, line, "%s: value too long", k->name);
        char *copy = strdup(value);
        if (!copy)
                return -ENOMEM;
        free(*(char **) field);
        *(char **) field = copy;
        return 0;
}

int rrdd_config_init(RrddConfig *c) {
        char err[CONFIG_ERROR_MAX];

        memset(c, 0, sizeof(*c));
        for (size_t i = 0; i < ELEMENTSOF(keys); i++) {
                int r = rrdd_config_set(c, keys[i].name, keys[i].def, "default", 0, err);
                if (r < 0)
                        return r == -EINVAL ? -EINVAL : r;
        }
        return 0;
}

void rrdd_config_done(RrddConfig *c) {
        for (size_t i = 0; i < ELEMENTSOF(keys); i++)
                if (keys[i].type == KEY_STRING || keys[i].type == KEY_LISTEN ||
                    keys[i].type == KEY_SOURCES) {
                        char **f = (char **) ((char *) c + keys[i].offset);
                        free(*f);
                        *f = NULL;
                }
}

static bool is_blank(char ch) {
        return ch == ' ' || ch == '\t' || ch == '\r';
}

int rrdd_config_parse(RrddConfig *c, const char *text, size_t len, const char *origin,
                      char err[CONFIG_ERROR_MAX]) {
        unsigned line = 0;
        size_t pos = 0;

        while (pos < len) {
                const char *start = text + pos;
                const char *nl = memchr(start, '\n', len - pos);
                size_t n = nl ? (size_t) (nl - start) : len - pos;
                char buf[8192];
                char *key, *value, *eq, *end;
                int r;

                pos += n + (nl ? 1 : 0);
                line++;
                if (n >= sizeof(buf))
                        return fail(err, origin, line, "line too long");
                memcpy(buf, start, n);
                buf[n] = '\0';
                if (memchr(buf, '\0', n))
                        return fail(err, origin, line, "NUL byte in line");
                key = buf;
                while (is_blank(*key))
                        key++;
                if (*key == '\0' || *key == '#' || *key == ';')
                        continue;
                eq = strchr(key, '=');
                if (!eq)
                        return fail(err, origin, line, "expected 'key = value'");
                end = eq;
                while (end > key && is_blank(end[-1]))
                        end--;
                *end = '\0';
                if (*key == '\0')
                        return fail(err, origin, line, "missing key before '='");
                value = eq + 1;
                while (is_blank(*value))
                        value++;
                end = value + strlen(value);
                while (end > value && is_blank(end[-1]))
                        end--;
                *end = '\0';
                /* A value may be quoted to keep leading or trailing blanks or a '#'. */
                if (end - value >= 2 && (value[0] == '"' || value[0] == '\'') &&
                    end[-1] == value[0]) {
                        end[-1] = '\0';
                        value++;
                } else {
                        char *hash = strstr(value, " #");
                        if (hash) {
                                *hash = '\0';
                                end = hash;
                                while (end > value && is_blank(end[-1]))
                                        *--end = '\0';
                        }
                }
                r = rrdd_config_set(c, key, value, origin, line, err);
                if (r < 0)
                        return r;
        }
        return 0;
}

int rrdd_config_load_file(RrddConfig *c, const char *path, char err[CONFIG_ERROR_MAX]) {
        _cleanup_close_ int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
        _cleanup_free_ char *buf = NULL;
        struct stat st;
        size_t got = 0;

        if (fd < 0) {
                int r = -errno;
                (void) snprintf(err, CONFIG_ERROR_MAX, "%s: %s", path, strerror(-r));
                return r;
        }
        if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode) || st.st_size > CONFIG_FILE_MAX) {
                (void) snprintf(err, CONFIG_ERROR_MAX, "%s: not a regular file under 1 MiB", path);
                return -EINVAL;
        }
        buf = malloc((size_t) st.st_size + 1);
        if (!buf)
                return -ENOMEM;
        while (got < (size_t) st.st_size) {
                ssize_t n = read(fd, buf + got, (size_t) st.st_size - got);
                if (n < 0 && errno == EINTR)
                        continue;
                if (n <= 0)
                        break;
                got += (size_t) n;
        }
        return rrdd_config_parse(c, buf, got, path, err);
}

int rrdd_config_validate(const RrddConfig *c, char err[CONFIG_ERROR_MAX]) {
        if (!*c->tls_cert != !*c->tls_key)
                return fail(err, "config", 0, "tls_cert and tls_key go together");
        if (!*c->data_dir)
                return fail(err, "config", 0, "data_dir must not be empty");
        if (c->data_dir[0] != '/')
                return fail(err, "config", 0, "data_dir must be an absolute path, got '%s'",
                            c->data_dir);
        if (c->pool_role == POOL_ROLE_MEMBER && !*c->master_url)
                return fail(err, "config", 0, "pool_role = member needs master_url");
        if (c->pool_role != POOL_ROLE_STANDALONE && !*c->pool_secret_file)
                return fail(err, "config", 0, "pool_role = %s needs pool_secret_file",
                            pool_role_to_string(c->pool_role));
        if (*c->master_url && strncmp(c->master_url, "http://", 7) != 0 &&
            strncmp(c->master_url, "https://", 8) != 0)
                return fail(err, "config", 0, "master_url must start with http:// or https://");
        if (*c->public_url && strncmp(c->public_url, "http://", 7) != 0 &&
            strncmp(c->public_url, "https://", 8) != 0)
                return fail(err, "config", 0, "public_url must start with http:// or https://");
        return 0;
}

const ConfigKeyInfo *rrdd_config_keys(size_t *ret_n) {
        static ConfigKeyInfo info[ELEMENTSOF(keys)];
        for (size_t i = 0; i < ELEMENTSOF(keys); i++)
                info[i] = (ConfigKeyInfo){.name = keys[i].name, .help = keys[i].help};
        *ret_n = ELEMENTSOF(keys);
        return info;
}

const char *pool_role_to_string(PoolRole r) {
        static const char *const names[_POOL_ROLE_MAX] = {
                [POOL_ROLE_STANDALONE] = "standalone",
                [POOL_ROLE_MASTER] = "master",
                [POOL_ROLE_MEMBER] = "member",
        };
        return (unsigned) r < _POOL_ROLE_MAX ? names[r] : NULL;
}
