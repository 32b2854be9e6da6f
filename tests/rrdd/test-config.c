/* SPDX-License-Identifier: MIT */
/* Configuration parsing and first-start state (host uuid, users file). */

#include <crypt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "rrdd/config.h"
#include "rrdd/firstboot.h"
#include "rrdd/macro.h"
#include "tests/tap.h"

static int parse(RrddConfig *c, const char *text, char *err) {
        return rrdd_config_parse(c, text, strlen(text), "test.conf", err);
}

static void test_defaults_and_file(void) {
        RrddConfig c;
        char err[CONFIG_ERROR_MAX];

        CHECK(rrdd_config_init(&c) == 0);
        CHECK(strcmp(c.listen, "127.0.0.1:8089") == 0);
        CHECK(c.backup_interval_s == 86400 && c.tick_s == 5);
        CHECK(c.rrd_update_interval == UPDATE_INTERVAL_NEVER &&
              c.pool_role == POOL_ROLE_STANDALONE);
        CHECK(!c.create_min_max_in_new_vm_rrds && !c.metrics_auth);
        CHECK(rrdd_config_validate(&c, err) == 0);

        CHECK(parse(&c,
                    "# a comment\n"
                    "\n"
                    "listen = 0.0.0.0:9000\n"
                    "  data_dir=/srv/rrdd   # trailing comment\n"
                    "create_min_max_in_new_VM_RRDs = yes\n"
                    "rrd_update_interval = 2\n"
                    "backup_interval = 3600\n"
                    "sources = proc, sim:3\n"
                    "snapshot_dir = \"/dev/shm/with # hash\"\n"
                    "log_level = debug\n",
                    err) == 0);
        CHECK(strcmp(c.listen, "0.0.0.0:9000") == 0);
        CHECK(strcmp(c.data_dir, "/srv/rrdd") == 0);
        CHECK(c.create_min_max_in_new_vm_rrds);
        CHECK(c.rrd_update_interval == UPDATE_INTERVAL_60S && c.backup_interval_s == 3600);
        CHECK(strcmp(c.snapshot_dir, "/dev/shm/with # hash") == 0);
        CHECK(c.log_level == 7);
        /* Flags spell keys with dashes and override. */
        CHECK(rrdd_config_set(&c, "backup-interval", "600", "--flag", 0, err) == 0);
        CHECK(c.backup_interval_s == 600);
        rrdd_config_done(&c);
}

static void test_errors(void) {
        static const struct {
                const char *text;
                const char *expect; /* in the message */
        } bad[] = {
                {"listen = nowhere\n", "test.conf:1: listen: expected ADDR:PORT"},
                {"\n\nfoo = 1\n", "test.conf:3: unknown key 'foo'"},
                {"backup_interval = 10\n", "backup_interval: expected a whole number from 60"},
                {"backup_interval = 1h\n", "got '1h'"},
                {"metrics_auth = maybe\n", "metrics_auth: expected true or false"},
                {"pool_role = leader\n", "expected standalone, master or member"},
                {"rrd_update_interval = 3\n", "expected never, 1 or 2"},
                {"sources = proc,nfs\n", "unknown source 'nfs'"},
                {"sources = sim:x\n", "sim:N wants N"},
                {"just words\n", "test.conf:1: expected 'key = value'"},
                {" = 3\n", "missing key"},
                {"log_level = loud\n", "log_level: expected error"},
        };
        char err[CONFIG_ERROR_MAX];

        for (size_t i = 0; i < ELEMENTSOF(bad); i++) {
                RrddConfig c;
                CHECK(rrdd_config_init(&c) == 0);
                err[0] = '\0';
                int r = parse(&c, bad[i].text, err);
                CHECKF(r < 0 && strstr(err, bad[i].expect), "'%s' gave %d '%s'", bad[i].text, r,
                       err);
                rrdd_config_done(&c);
        }

        RrddConfig c;
        CHECK(rrdd_config_init(&c) == 0);
        CHECK(parse(&c, "tls_cert = /etc/cert.pem\n", err) == 0);
        CHECK(rrdd_config_validate(&c, err) < 0 && strstr(err, "tls_cert and tls_key"));
        rrdd_config_done(&c);
        CHECK(rrdd_config_init(&c) == 0);
        CHECK(parse(&c, "pool_role = member\npool_secret_file = /etc/s\n", err) == 0);
        CHECK(rrdd_config_validate(&c, err) < 0 && strstr(err, "needs master_url"));
        CHECK(parse(&c, "master_url = ftp://x\n", err) == 0);
        CHECK(rrdd_config_validate(&c, err) < 0 && strstr(err, "http:// or https://"));
        CHECK(parse(&c, "master_url = https://10.0.0.1\n", err) == 0);
        CHECK(rrdd_config_validate(&c, err) == 0);
        CHECK(parse(&c, "data_dir = relative\n", err) == 0);
        CHECK(rrdd_config_validate(&c, err) < 0 && strstr(err, "absolute"));
        rrdd_config_done(&c);

        CHECK(rrdd_config_init(&c) == 0);
        CHECK(rrdd_config_load_file(&c, "/nonexistent/rrdd.conf", err) == -ENOENT);
        CHECK(strstr(err, "/nonexistent/rrdd.conf") != NULL);
        rrdd_config_done(&c);
}

static void test_sources(void) {
        SourceList l;
        char err[CONFIG_ERROR_MAX];

        CHECK(rrdd_config_parse_sources("auto", &l, err) == 0 && l.is_auto);
        CHECK(rrdd_config_parse_sources("xen, plugins", &l, err) == 0 && l.xen && l.plugins &&
              !l.proc && !l.sim);
        CHECK(rrdd_config_parse_sources("sim:1000", &l, err) == 0 && l.sim && l.sim_count == 1000);
        CHECK(rrdd_config_parse_sources("sim", &l, err) == 0 && l.sim_count == 10);
        CHECK(rrdd_config_parse_sources("", &l, err) < 0);
        CHECK(rrdd_config_parse_sources("proc,,xen", &l, err) < 0);
}

static void test_firstboot(void) {
        char dir[] = "/tmp/rrdd-test-config-XXXXXX";
        char path[4096], inv[4096], pw[4096], uuid1[UUID_STRING_MAX], uuid2[UUID_STRING_MAX];

        CHECK(mkdtemp(dir) != NULL);
        /* No inventory: generated once, then kept. */
        CHECK(host_uuid_resolve("/nonexistent", dir, uuid1) == 0);
        CHECK(strlen(uuid1) == 36 && uuid1[14] == '4');
        CHECK(host_uuid_resolve("/nonexistent", dir, uuid2) == 0);
        CHECK(strcmp(uuid1, uuid2) == 0);
        /* An inventory wins. */
        (void) snprintf(inv, sizeof(inv), "%s/inventory", dir);
        FILE *f = fopen(inv, "w");
        CHECK(f != NULL);
        if (f) {
                fputs("BUILD_NUMBER='1'\nINSTALLATION_UUID='2D8CF3B0-1C0D-4F6A-9A52-0123456789AB'"
                      "\n",
                      f);
                fclose(f);
        }
        CHECK(host_uuid_resolve(inv, dir, uuid2) == 0);
        CHECK(strcmp(uuid2, "2d8cf3b0-1c0d-4f6a-9a52-0123456789ab") == 0);

        /* The users file: created once, with a hash of the password written next to it. */
        (void) snprintf(path, sizeof(path), "%s/sub/users", dir);
        (void) snprintf(pw, sizeof(pw), "%s/initial-password", dir);
        CHECK(users_file_ensure(path, pw) < 0); /* its directory does not exist */
        (void) snprintf(path, sizeof(path), "%s/users", dir);
        CHECK(users_file_ensure(path, pw) == 1);
        CHECK(users_file_ensure(path, pw) == 0);
        char password[64] = "", line[512] = "";
        f = fopen(pw, "r");
        CHECK(f && fgets(password, sizeof(password), f));
        if (f)
                fclose(f);
        password[strcspn(password, "\n")] = '\0';
        CHECK(strlen(password) == 20);
        f = fopen(path, "r");
        while (f && fgets(line, sizeof(line), f) && line[0] == '#')
                ;
        if (f)
                fclose(f);
        line[strcspn(line, "\n")] = '\0';
        CHECK(strncmp(line, "root:$6$", 8) == 0);
        struct crypt_data cd = {};
        const char *hash = line + 5;
        const char *again = crypt_r(password, hash, &cd);
        CHECK(again && strcmp(again, hash) == 0);
        cd = (struct crypt_data){};
        again = crypt_r("wrong", hash, &cd);
        CHECK(!again || strcmp(again, hash) != 0);
        struct stat st;
        CHECK(stat(path, &st) == 0 && (st.st_mode & 077) == 0);
        CHECK(stat(pw, &st) == 0 && (st.st_mode & 077) == 0);

        (void) snprintf(path, sizeof(path), "%s/a/b/c", dir);
        CHECK(mkdir_parents(path, 0750) == 0 && stat(path, &st) == 0 && S_ISDIR(st.st_mode));
        char cmd[4200];
        (void) snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
        CHECK(system(cmd) == 0);
}

/* The man page documents every key there is, and no other. */
static void test_man_page(void) {
        const char *root = getenv("RRDD_SOURCE_ROOT");
        char path[4096], line[1024];
        size_t n, n_documented = 0;
        const ConfigKeyInfo *keys = rrdd_config_keys(&n);
        bool *seen = calloc(n, sizeof(bool));

        (void) snprintf(path, sizeof(path), "%s/docs/rrdd.conf.5", root ? root : ".");
        FILE *f = fopen(path, "r");
        CHECKF(f != NULL, "cannot open %s", path);
        while (f && seen && fgets(line, sizeof(line), f)) {
                if (strncmp(line, ".B ", 3) != 0)
                        continue;
                line[strcspn(line, "\n")] = '\0';
                bool known = false;
                for (size_t i = 0; i < n; i++)
                        if (strcmp(line + 3, keys[i].name) == 0)
                                known = seen[i] = true;
                /* Section markup uses .B too, for words that are not keys: only key-like ones. */
                if (!known && strchr(line + 3, ' ') == NULL && strchr(line + 3, '_'))
                        CHECKF(false, "rrdd.conf.5 documents unknown key '%s'", line + 3);
                n_documented += known;
        }
        if (f)
                fclose(f);
        for (size_t i = 0; seen && i < n; i++)
                CHECKF(seen[i], "rrdd.conf.5 does not document '%s'", keys[i].name);
        CHECK(n_documented == n);
        free(seen);
}

int main(void) {
        test_man_page();
        test_defaults_and_file();
        test_errors();
        test_sources();
        test_firstboot();
        return TAP_DONE();
}
