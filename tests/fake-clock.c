/* SPDX-License-Identifier: MIT */
/* The fake clock (see fake-clock.h). */

#include "tests/fake-clock.h"

static usec_t now_mono(void *ctx) {
        return ((FakeClock *) ctx)->mono;
}

static usec_t now_real(void *ctx) {
        return ((FakeClock *) ctx)->real;
}

void fake_clock_init(FakeClock *c, usec_t real) {
        c->mono = 1000 * USEC_PER_SEC;
        c->real = real;
        c->clock = (RrddClock){.now_mono = now_mono, .now_real = now_real, .ctx = c};
}

void fake_clock_advance(FakeClock *c, usec_t delta) {
        c->mono += delta;
        c->real += delta;
}

void fake_clock_step_real(FakeClock *c, int64_t delta) {
        c->real = (usec_t) ((int64_t) c->real + delta);
}
