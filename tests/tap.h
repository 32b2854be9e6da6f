#pragma once
/* SPDX-License-Identifier: MIT */
/* A minimal TAP producer: CHECK() prints "ok N" or "not ok N - expr (file:line)". */

#include <stdio.h>

static int tap_n_checks;
static int tap_n_failed;

#define CHECK(expr)                                                                       \
        ({                                                                                \
                int _ok = !!(expr);                                                       \
                tap_n_checks++;                                                           \
                if (_ok)                                                                  \
                        printf("ok %d\n", tap_n_checks);                                  \
                else {                                                                    \
                        tap_n_failed++;                                                   \
                        printf("not ok %d - %s (%s:%d)\n", tap_n_checks, #expr, __FILE__, \
                               __LINE__);                                                 \
                }                                                                         \
                fflush(stdout);                                                           \
                _ok;                                                                      \
        })

/* Like CHECK, with a printf-style description printed on failure. */
#define CHECKF(expr, ...)                    \
        ({                                   \
                int _okf = CHECK(expr);      \
                if (!_okf) {                 \
                        printf("# ");        \
                        printf(__VA_ARGS__); \
                        printf("\n");        \
                }                            \
                _okf;                        \
        })

#define TAP_DIAG(...)                \
        do {                         \
                printf("# ");        \
                printf(__VA_ARGS__); \
                printf("\n");        \
        } while (0)

#define TAP_DONE()                                             \
        ({                                                     \
                printf("1..%d\n", tap_n_checks);               \
                tap_n_failed == 0 && tap_n_checks > 0 ? 0 : 1; \
        })
