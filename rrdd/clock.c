/* SPDX-License-Identifier: MIT */
/* The system clock behind RrddClock. */

#include "rrdd/clock.h"

#include <time.h>

usec_t clock_now(int clockid) {
        struct timespec ts;

        if (clock_gettime(clockid, &ts) < 0)
                return 0;
        return (usec_t) ts.tv_sec * USEC_PER_SEC + (usec_t) ts.tv_nsec / NSEC_PER_USEC;
}

static usec_t system_mono(void *ctx) {
        (void) ctx;
        return clock_now(CLOCK_MONOTONIC);
}

static usec_t system_real(void *ctx) {
        (void) ctx;
        return clock_now(CLOCK_REALTIME);
}

const RrddClock clock_system = {
        .now_mono = system_mono,
        .now_real = system_real,
        .ctx = NULL,
};
