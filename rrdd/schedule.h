#pragma once
/* SPDX-License-Identifier: MIT */
/*
 * When to tick. Ticks fall on wall-clock multiples of the period (PDP boundaries), so the
 * schedule is recomputed from CLOCK_REALTIME at every wake-up: never drifts, and never sleeps
 * through a step of the wall clock. Overruns are measured on CLOCK_MONOTONIC, so a clock step is
 * not mistaken for missed ticks. Pure arithmetic, driven by the caller's clock readings.
 */

#include <stdbool.h>
#include <stdint.h>

#include "rrdd/clock.h"

typedef struct TickSchedule {
        usec_t period_usec;
        int64_t last_tick_s;   /* wall-clock label of the last tick, 0 before the first */
        usec_t last_tick_mono; /* when it ran */
        uint64_t n_ticks;
        uint64_t n_missed;      /* ticks skipped because the daemon was late */
        uint64_t n_clock_steps; /* wall-clock jumps detected between ticks */
        bool started;           /* tick_schedule_start() was called */
} TickSchedule;

typedef struct TickDue {
        int64_t tick_s;    /* the boundary being ticked, seconds */
        uint64_t missed;   /* boundaries skipped since the previous tick */
        int64_t step_usec; /* wall-clock jump since the previous tick (0 if none) */
} TickDue;

void tick_schedule_init(TickSchedule *s, usec_t period_usec);

/*
 * At start: the boundary just passed counts as done, so the first tick is the next boundary
 * (not whatever wakes the loop first, stamped with a boundary up to a period old).
 */
void tick_schedule_start(TickSchedule *s, usec_t now_mono, usec_t now_real);

/* The monotonic time to wake at for the next boundary after now. */
usec_t tick_schedule_deadline(const TickSchedule *s, usec_t now_mono, usec_t now_real);

/*
 * Called on wake-up. Return: true when a boundary not ticked yet has passed (fills *ret and
 * records the tick), false when woken early.
 */
bool tick_schedule_due(TickSchedule *s, usec_t now_mono, usec_t now_real, TickDue *ret);
