#pragma once
/* SPDX-License-Identifier: MIT */
/* A clock tests move by hand: monotonic and wall time advance together unless stepped. */

#include "rrdd/clock.h"

typedef struct FakeClock {
        usec_t mono;
        usec_t real;
        RrddClock clock;
} FakeClock;

void fake_clock_init(FakeClock *c, usec_t real);
void fake_clock_advance(FakeClock *c, usec_t delta);
/* Moves the wall clock only (an NTP step, a manual date change). */
void fake_clock_step_real(FakeClock *c, int64_t delta);
