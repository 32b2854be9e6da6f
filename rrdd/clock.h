#pragma once
/* SPDX-License-Identifier: MIT */
/* One time type for the whole project, and the clock seam that tests replace. */

#include <stdint.h>

typedef uint64_t usec_t;

#define USEC_PER_SEC ((usec_t) 1000000ULL)
#define USEC_PER_MSEC ((usec_t) 1000ULL)
#define NSEC_PER_USEC ((uint64_t) 1000ULL)
#define USEC_INFINITY ((usec_t) UINT64_MAX)

/*
 * Where the daemon gets its time from. now_mono drives the tick timer (CLOCK_MONOTONIC),
 * now_real stamps RRD updates (CLOCK_REALTIME). Tests pass tests/fake-clock.c instead.
 */
typedef struct RrddClock {
        usec_t (*now_mono)(void *ctx);
        usec_t (*now_real)(void *ctx);
        void *ctx;
} RrddClock;

/* The real clock, reading clock_gettime(). */
extern const RrddClock clock_system;

usec_t clock_now(int clockid);

static inline usec_t clock_mono(const RrddClock *c) {
        return c->now_mono(c->ctx);
}

static inline usec_t clock_real(const RrddClock *c) {
        return c->now_real(c->ctx);
}
