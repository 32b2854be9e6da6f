#pragma once
/* SPDX-License-Identifier: MIT */
/* Small helpers shared by every module: cleanup attributes, ownership transfer, array sizes. */

#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#define _cleanup_(f) __attribute__((cleanup(f)))
#define _unused_ __attribute__((unused))
#define _pure_ __attribute__((pure))
#define _const_ __attribute__((const))
#define _noreturn_ __attribute__((noreturn))
#define _printf_(a, b) __attribute__((format(printf, a, b)))
#define _likely_(x) (__builtin_expect(!!(x), 1))
#define _unlikely_(x) (__builtin_expect(!!(x), 0))
#define _warn_unused_result_ __attribute__((warn_unused_result))
#define _fallthrough_ __attribute__((fallthrough))

#define ELEMENTSOF(x) (sizeof(x) / sizeof((x)[0]))

/* Hand the pointer over and leave NULL behind, so a cleanup attribute frees nothing. */
#define TAKE_PTR(p)                        \
        ({                                 \
                __typeof__(p) _ptr_ = (p); \
                (p) = NULL;                \
                _ptr_;                     \
        })

#define TAKE_FD(fd)              \
        ({                       \
                int _fd_ = (fd); \
                (fd) = -1;       \
                _fd_;            \
        })

/* For a NULL-accepting `T *f(T *)` destructor, define `void fp(T **)` for _cleanup_. */
#define DEFINE_FREEP(type, func)               \
        static inline void func##p(type **p) { \
                if (*p)                        \
                        (void) func(*p);       \
        }

static inline void freep(void *p) {
        free(*(void **) p);
}
#define _cleanup_free_ _cleanup_(freep)

static inline void closep(int *fd) {
        if (*fd >= 0) {
                int saved = errno;
                (void) close(*fd);
                errno = saved;
        }
}
#define _cleanup_close_ _cleanup_(closep)

static inline void fclosep(FILE **f) {
        if (*f)
                (void) fclose(*f);
}
#define _cleanup_fclose_ _cleanup_(fclosep)

/* Saturating helpers keep size arithmetic honest when counts come from outside input. */
static inline int size_mul(size_t a, size_t b, size_t *ret) {
        if (b != 0 && a > (size_t) -1 / b)
                return -EOVERFLOW;
        *ret = a * b;
        return 0;
}

/* The value of a hexadecimal digit of either case, or -1. */
static inline int unhexchar(char c) {
        if (c >= '0' && c <= '9')
                return c - '0';
        if (c >= 'a' && c <= 'f')
                return c - 'a' + 10;
        if (c >= 'A' && c <= 'F')
                return c - 'A' + 10;
        return -1;
}

#define UUID_STRING_LEN 36

/*
 * Whether s is a uuid as text: exactly 8-4-4-4-12 hex digits of either case, NUL-terminated.
 * Everything that puts a uuid in a file name or a map key checks it with this first.
 */
static inline bool uuid_is_valid(const char *s) {
        if (!s)
                return false;
        for (int i = 0; i < UUID_STRING_LEN; i++) {
                if (i == 8 || i == 13 || i == 18 || i == 23) {
                        if (s[i] != '-')
                                return false;
                } else if (unhexchar(s[i]) < 0)
                        return false;
        }
        return s[UUID_STRING_LEN] == '\0';
}

static inline int negative_errno(void) {
        return errno > 0 ? -errno : -EIO;
}
