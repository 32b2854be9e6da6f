/* SPDX-License-Identifier: MIT */
/*
 * rrdd: argv, configuration, first-start state, then the loop. Stays in the foreground (systemd
 * supervises it). Without a configuration file it runs on any Linux box: /proc, a data directory
 * it creates, 127.0.0.1, a users file with a random password, and a simulated fleet where there
 * is no hypervisor.
 */

#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include "http/server.h"
#include "rrdd/config.h"
#include "rrdd/firstboot.h"
#include "rrdd/http-backend.h"
#include "rrdd/legacy.h"
#include "rrdd/log.h"
#include "rrdd/macro.h"
#include "rrdd/pool.h"
#include "rrdd/rrdd.h"
#include "rrdd/store-dir.h"

#define RRDD_VERSION "0.1.0"

static void usage(FILE *f) {
        size_t n;
        const ConfigKeyInfo *keys = rrdd_config_keys(&n);

        fprintf(f,
                "usage: rrdd [--config FILE] [--KEY VALUE]...\n"
                "Collects Xen host and VM statistics into round-robin archives and serves them\n"
                "over HTTP. Without --config, %s is read if it exists; otherwise the embedded\n"
                "default runs. Every configuration key is also a flag (underscores may be\n"
                "dashes); flags override the file.\n\nKeys:\n",
                CONFIG_DEFAULT_PATH);
        for (size_t i = 0; i < n; i++)
                fprintf(f, "  --%-30s %s\n", keys[i].name, keys[i].help);
        fprintf(f, "\n  --config FILE                    configuration file\n"
                   "  --help, --version\n");
}

/* The state directory for an unprivileged embedded run. */
static int user_data_dir(char *buf, size_t size) {
        const char *xdg = getenv("XDG_STATE_HOME"), *home = getenv("HOME");
        int n;
        if (xdg && *xdg == '/')
                n = snprintf(buf, size, "%s/rrdd", xdg);
        else if (home && *home == '/')
                n = snprintf(buf, size, "%s/.local/state/rrdd", home);
        else
                return -ENOENT;
        return (size_t) n < size ? 0 : -ENAMETOOLONG;
}

static bool flag_given(int argc, char **argv, const char *key) {
        size_t k = strlen(key);
        for (int i = 1; i < argc; i++) {
                const char *a = argv[i];
                if (strncmp(a, "--", 2) != 0)
                        continue;
                a += 2;
                bool same = strlen(a) >= k;
                for (size_t j = 0; same && j < k; j++)
                        same = a[j] == key[j] || (key[j] == '_' && a[j] == '-');
                if (same && (a[k] == '\0' || a[k] == '='))
                        return true;
        }
        return false;
}

/* Callbacks for the loop, with the types it wants. */
static int http_run(void *s) {
        return http_server_run(s);
}

static int http_timeout(void *s) {
        return http_server_timeout_msec(s);
}

static void http_reload(void *s) {
        int r = http_server_reload_users(s);
        if (r < 0)
                log_warning_errno(r, "SIGHUP: cannot re-read the users file: %m; keeping the "
                                     "users it had");
        else
                log_info("SIGHUP: users file re-read");
}

/* ---- legacy metrics (issue #8): XenAPI metrics objects, rrd_update_interval on SIGHUP ---- */

typedef struct LegacyReload {
        HttpServer *http;
        Legacy *legacy;
        const char *config_path; /* NULL: nothing to re-read */
        bool interval_from_flag; /* --rrd_update_interval given: it wins over the file */
} LegacyReload;

static void legacy_reload(void *u) {
        LegacyReload *lr = u;
        RrddConfig c;
        char err[CONFIG_ERROR_MAX];

        http_reload(lr->http);
        if (!lr->config_path || lr->interval_from_flag || rrdd_config_init(&c) < 0)
                return;
        if (rrdd_config_load_file(&c, lr->config_path, err) < 0)
                log_warning("SIGHUP: %s; keeping rrd_update_interval", err);
        else if (c.rrd_update_interval != legacy_interval(lr->legacy)) {
                legacy_set_interval(lr->legacy, c.rrd_update_interval);
                log_info("SIGHUP: rrd_update_interval %s",
                         c.rrd_update_interval == UPDATE_INTERVAL_5S    ? "1 (every 5 s)"
                         : c.rrd_update_interval == UPDATE_INTERVAL_60S ? "2 (every 60 s)"
                                                                        : "never");
        }
        rrdd_config_done(&c);
}

static int legacy_setup(Rrdd *d, HttpServer *http, const RrddConfig *cfg, Legacy **ret) {
        _cleanup_(legacy_freep) Legacy *l = NULL;
        int r = legacy_new(&l, rrdd_registry(d), cfg->rrd_update_interval);
        if (r < 0)
                return r;
        r = legacy_register(l, http);
        if (r < 0)
                return r;
        rrdd_set_tick_hook(d, legacy_after_tick, l);
        *ret = TAKE_PTR(l);
        return 0;
}

static int read_secret(const char *path, char **ret) {
        FILE *f = fopen(path, "re");
        char buf[1024];

        if (!f)
                return -errno;
        if (!fgets(buf, sizeof(buf), f)) {
                fclose(f);
                return -ENODATA;
        }
        fclose(f);
        buf[strcspn(buf, "\r\n")] = '\0';
        if (strlen(buf) < 16)
                return -EINVAL; /* too short to be a secret worth the name */
        *ret = strdup(buf);
        return *ret ? 0 : -ENOMEM;
}

static void config_donep(RrddConfig *c) {
        rrdd_config_done(c);
}

int main(int argc, char **argv) {
        _cleanup_(config_donep) RrddConfig cfg = {};
        char err[CONFIG_ERROR_MAX];
        const char *config_path = NULL;
        bool embedded = false;
        int r;

        log_open(LOG_TARGET_STDERR, "rrdd");
        /*
         * Block the signals the loop reads through signalfd before any thread exists (the
         * archive worker starts in rrdd_new()): a SIGTERM delivered to another thread would
         * kill the process without the final save.
         */
        sigset_t mask;
        sigemptyset(&mask);
        sigaddset(&mask, SIGTERM);
        sigaddset(&mask, SIGINT);
        sigaddset(&mask, SIGHUP);
        (void) sigprocmask(SIG_BLOCK, &mask, NULL);
        (void) signal(SIGPIPE, SIG_IGN);
        /* A write past RLIMIT_FSIZE must fail with EFBIG (old archive kept), not kill us. */
        (void) signal(SIGXFSZ, SIG_IGN);
        /* Thousands of plugin files stay open between reads: take every descriptor allowed. */
        struct rlimit rl;
        if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
                rl.rlim_cur = rl.rlim_max;
                (void) setrlimit(RLIMIT_NOFILE, &rl);
        }
        if (rrdd_config_init(&cfg) < 0) {
                log_error("out of memory");
                return 1;
        }

        /* First pass: --help, --version, --config. */
        for (int i = 1; i < argc; i++) {
                if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
                        usage(stdout);
                        return 0;
                }
                if (strcmp(argv[i], "--version") == 0) {
                        printf("rrdd %s\n", RRDD_VERSION);
                        return 0;
                }
                if (strcmp(argv[i], "--config") == 0 && i + 1 < argc)
                        config_path = argv[++i];
                else if (strncmp(argv[i], "--config=", 9) == 0)
                        config_path = argv[i] + 9;
        }
        if (config_path) {
                r = rrdd_config_load_file(&cfg, config_path, err);
                if (r < 0) {
                        log_error("%s", err);
                        return 1;
                }
        } else if (access(CONFIG_DEFAULT_PATH, F_OK) == 0) {
                config_path = CONFIG_DEFAULT_PATH;
                r = rrdd_config_load_file(&cfg, config_path, err);
                if (r < 0) {
                        log_error("%s", err);
                        return 1;
                }
        } else
                embedded = true;

        /* Second pass: every other flag is a configuration key. */
        for (int i = 1; i < argc; i++) {
                const char *a = argv[i], *value;
                char key[128];

                if (strcmp(a, "--config") == 0) {
                        i++;
                        continue;
                }
                if (strncmp(a, "--config=", 9) == 0)
                        continue;
                if (strncmp(a, "--", 2) != 0) {
                        log_error("unexpected argument '%s' (see --help)", a);
                        return 2;
                }
                a += 2;
                const char *eq = strchr(a, '=');
                size_t klen = eq ? (size_t) (eq - a) : strlen(a);
                if (klen == 0 || klen >= sizeof(key)) {
                        log_error("invalid flag '%s'", argv[i]);
                        return 2;
                }
                memcpy(key, a, klen);
                key[klen] = '\0';
                if (eq)
                        value = eq + 1;
                else if (i + 1 < argc)
                        value = argv[++i];
                else {
                        log_error("flag --%s needs a value", key);
                        return 2;
                }
                r = rrdd_config_set(&cfg, key, value, "command line", 0, err);
                if (r < 0) {
                        log_error("%s%s", err, r == -ENOENT ? " (see --help)" : "");
                        return 2;
                }
        }

        /* The embedded default must work unprivileged too: state goes under $HOME then. */
        if (embedded && geteuid() != 0 && !flag_given(argc, argv, "data_dir")) {
                char dir[4096];
                if (user_data_dir(dir, sizeof(dir)) == 0)
                        (void) rrdd_config_set(&cfg, "data_dir", dir, "default", 0, err);
        }
        r = rrdd_config_validate(&cfg, err);
        if (r < 0) {
                log_error("%s", err);
                return 1;
        }
        log_set_max_level(cfg.log_level);
        if (cfg.log_target == LOG_TO_SYSLOG)
                log_open(LOG_TARGET_SYSLOG, "rrdd");
        if (embedded)
                log_info("no configuration file: running with the embedded default");

        r = mkdir_parents(cfg.data_dir, 0750);
        if (r < 0) {
                log_error_errno(r, "cannot create data_dir %s: %m", cfg.data_dir);
                return 1;
        }
        char host_uuid[UUID_STRING_MAX];
        r = host_uuid_resolve(cfg.inventory_file, cfg.data_dir, host_uuid);
        if (r < 0) {
                log_error_errno(r, "cannot determine the host uuid: %m");
                return 1;
        }
        if (*cfg.host_uuid)
                (void) snprintf(host_uuid, sizeof(host_uuid), "%s", cfg.host_uuid);

        char users[4096], password_file[4096], sim_dir[4096];
        (void) snprintf(users, sizeof(users), "%s", *cfg.users_file ? cfg.users_file : "");
        if (!*users)
                (void) snprintf(users, sizeof(users), "%s/users", cfg.data_dir);
        (void) snprintf(password_file, sizeof(password_file), "%s/initial-password", cfg.data_dir);
        r = users_file_ensure(users, password_file);
        if (r < 0) {
                log_error_errno(r, "cannot create the users file %s: %m", users);
                return 1;
        }
        if (r > 0)
                log_notice("created %s with user 'root'; its password is in %s", users,
                           password_file);

        _cleanup_free_ char *secret = NULL;
        if (*cfg.pool_secret_file) {
                r = read_secret(cfg.pool_secret_file, &secret);
                if (r < 0) {
                        log_error_errno(r,
                                        "cannot read the pool secret from %s: %m (at least "
                                        "16 characters on the first line)",
                                        cfg.pool_secret_file);
                        return 1;
                }
        }

        _cleanup_(dir_store_freep) DirStore *store = NULL;
        r = dir_store_new(&store, cfg.data_dir, cfg.archive_gzip);
        if (r < 0) {
                log_error_errno(r, "cannot open the archive store in %s: %m", cfg.data_dir);
                return 1;
        }

        /* ---- pool (issue #7): archives go through the pool's store ---- */
        _cleanup_(pool_freep) Pool *pool = NULL;
        const ArchiveOps *ops = &dir_store_ops;
        void *ops_ctx = store;
        if (cfg.pool_role != POOL_ROLE_STANDALONE) {
                r = pool_new(&pool, &cfg, secret, host_uuid, store, &clock_system);
                if (r < 0)
                        return 1;
                pool_archive_ops(pool, &ops, &ops_ctx);
                log_info("pool %s%s%s", pool_role_to_string(cfg.pool_role),
                         cfg.pool_role == POOL_ROLE_MEMBER ? " of " : "",
                         cfg.pool_role == POOL_ROLE_MEMBER ? cfg.master_url : "");
        }
        /* ---- end pool ---- */

        _cleanup_(rrdd_freep) Rrdd *d = NULL;
        r = rrdd_new(&d, &cfg, &clock_system, ops, ops_ctx, host_uuid);
        if (r < 0) {
                log_error_errno(r, "cannot start: %m");
                return 1;
        }

        (void) snprintf(sim_dir, sizeof(sim_dir), "%s", *cfg.sim_dir ? cfg.sim_dir : "");
        if (!*sim_dir)
                (void) snprintf(sim_dir, sizeof(sim_dir), "%s/sim", cfg.data_dir);
        uint64_t seed = 1469598103934665603ULL;
        for (const char *p = host_uuid; *p; p++)
                seed = (seed ^ (unsigned char) *p) * 1099511628211ULL;
        SrcConfig sc = {
                .proc_root = cfg.proc_root,
                .plugin_dir = cfg.plugin_dir,
                .sim_dir = sim_dir,
                .plugin_default = cfg.plugin_default,
                .seed = seed,
        };
        r = rrdd_open_sources(d, &sc);
        if (r < 0)
                return 1;
        (void) rrdd_load_host(d);

        HttpBackend backend;
        rrdd_http_backend(&backend, d, &dir_store_ops, store);
        if (pool)
                pool_attach(pool, d, &backend);
        HttpConfig hc = {
                .listen = cfg.listen,
                .tls_cert = *cfg.tls_cert ? cfg.tls_cert : NULL,
                .tls_key = *cfg.tls_key ? cfg.tls_key : NULL,
                .users_file = users,
                .pool_secret = secret,
                .metrics_auth = cfg.metrics_auth,
                .max_connections = (unsigned) cfg.max_connections,
                .connection_timeout_s = (unsigned) cfg.connection_timeout_s,
                .request_size_max = cfg.request_size_max,
                .session_timeout_s = (unsigned) cfg.session_timeout_s,
                .sessions_per_user = (unsigned) cfg.sessions_per_user,
        };
        _cleanup_(http_server_freep) HttpServer *http = NULL;
        r = http_server_new(&http, &hc, &backend);
        if (r < 0) {
                log_error_errno(r, "cannot serve HTTP on %s: %m", cfg.listen);
                return 1;
        }
        log_notice("listening on %s (port %u); try: curl -u root:$(cat %s) "
                   "'%s://127.0.0.1:%u/rrd_updates?start=-60&host=true'",
                   cfg.listen, http_server_port(http), password_file,
                   hc.tls_cert ? "https" : "http", http_server_port(http));
        RrddIo io = {
                .fd = http_server_fd(http),
                .run = http_run,
                .timeout_msec = http_timeout,
                .userdata = http,
        };
        if ((r = rrdd_add_io(d, &io)) < 0) {
                log_error_errno(r, "cannot watch the HTTP server: %m");
                return 1;
        }

        /* Legacy metrics (issue #8). Freed before the server, which calls no method then. */
        _cleanup_(legacy_freep) Legacy *legacy = NULL;
        r = legacy_setup(d, http, &cfg, &legacy);
        if (r < 0) {
                log_error_errno(r, "cannot set up the legacy metrics objects: %m");
                return 1;
        }
        LegacyReload lr = {
                .http = http,
                .legacy = legacy,
                .config_path = config_path,
                .interval_from_flag = flag_given(argc, argv, "rrd_update_interval"),
        };
        rrdd_set_reload(d, config_path, legacy_reload, &lr);
        if (flag_given(argc, argv, "log_level"))
                rrdd_keep_log_level(d);

        /* ---- pool (issue #7): a member reports to its master from now on ---- */
        if (pool) {
                RrddIo pio;
                r = pool_start(pool, http_server_port(http), hc.tls_cert != NULL, &pio);
                if (r >= 0 && pio.fd >= 0)
                        r = rrdd_add_io(d, &pio);
                if (r < 0) {
                        log_error_errno(r, "cannot start the pool reporter: %m");
                        return 1;
                }
        }
        /* ---- end pool ---- */

        return rrdd_run(d);
}
