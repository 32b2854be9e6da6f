/* SPDX-License-Identifier: MIT */
/*
 * Replays fuzz inputs without libFuzzer: every file named on the command line, or every file in
 * a directory named there, is fed once to LLVMFuzzerTestOneInput(). Output is TAP.
 */

#include <dirent.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "rrdd/macro.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int n_run;

static int run_file(const char *path) {
        _cleanup_fclose_ FILE *f = fopen(path, "re");
        _cleanup_free_ uint8_t *buf = NULL;
        long len;

        if (!f)
                return -errno;
        if (fseek(f, 0, SEEK_END) < 0 || (len = ftell(f)) < 0 || fseek(f, 0, SEEK_SET) < 0)
                return -errno;
        buf = malloc((size_t) len + 1);
        if (!buf)
                return -ENOMEM;
        if (len > 0 && fread(buf, 1, (size_t) len, f) != (size_t) len)
                return -EIO;
        /* A private copy exactly len bytes long lets ASan catch reads past the end. */
        uint8_t *exact = malloc(len > 0 ? (size_t) len : 1);
        if (!exact)
                return -ENOMEM;
        memcpy(exact, buf, (size_t) len);
        (void) LLVMFuzzerTestOneInput(exact, (size_t) len);
        free(exact);
        n_run++;
        printf("ok %d - %s\n", n_run, path);
        return 0;
}

static int run_path(const char *path) {
        struct stat st;

        if (stat(path, &st) < 0)
                return -errno;
        if (!S_ISDIR(st.st_mode))
                return run_file(path);

        struct dirent **names = NULL;
        int n = scandir(path, &names, NULL, alphasort), r = 0;
        if (n < 0)
                return -errno;
        for (int i = 0; i < n; i++) {
                if (names[i]->d_name[0] != '.' && r >= 0) {
                        char p[4096];
                        (void) snprintf(p, sizeof(p), "%s/%s", path, names[i]->d_name);
                        r = run_path(p);
                }
                free(names[i]);
        }
        free(names);
        return r;
}

int main(int argc, char **argv) {
        for (int i = 1; i < argc; i++) {
                int r = run_path(argv[i]);
                if (r < 0) {
                        printf("not ok %d - %s: %s\n", ++n_run, argv[i], strerror(-r));
                        printf("1..%d\n", n_run);
                        return 1;
                }
        }
        printf("1..%d\n", n_run);
        return n_run > 0 ? 0 : 1;
}
