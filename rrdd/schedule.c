/* SPDX-License-Identifier: MIT */
/* Tick schedule arithmetic (see schedule.h). */

#include "rrdd/schedule.h"

void tick_schedule_init(TickSchedule *s, usec_t period_usec) {
        *s = (TickSchedule){.period_usec = period_usec ? period_usec : 5 * USEC_PER_SEC};
}

void tick_schedule_start(TickSchedule *s, usec_t now_mono, usec_t now_real) {
        s->last_tick_s = (int64_t) (now_real / s->period_usec * s->period_usec / USEC_PER_SEC);
        s->last_tick_mono = now_mono;
        s->started = true;
}

usec_t tick_schedule_deadline(const TickSchedule *s, usec_t now_mono, usec_t now_real) {
        usec_t next = (now_real / s->period_usec + 1) * s->period_usec;
        return now_mono + (next - now_real);
}

bool tick_schedule_due(TickSchedule *s, usec_t now_mono, usec_t now_real, TickDue *ret) {
        usec_t boundary = now_real / s->period_usec * s->period_usec;
        int64_t tick_s = (int64_t) (boundary / USEC_PER_SEC);
        TickDue d = {.tick_s = tick_s};

        if ((s->n_ticks > 0 || s->started) && tick_s == s->last_tick_s)
                return false; /* this boundary is done; woken early or twice */

        if (s->n_ticks > 0) {
                usec_t elapsed = now_mono - s->last_tick_mono;
                int64_t wall = (tick_s - s->last_tick_s) * (int64_t) USEC_PER_SEC;
                /* Periods that passed by the monotonic clock, rounded to the nearest. */
                uint64_t periods = (elapsed + s->period_usec / 2) / s->period_usec;
                if (periods > 1)
                        d.missed = periods - 1;
                /* The wall clock moved by more than a period beyond what really elapsed. */
                int64_t drift = wall - (int64_t) (periods * s->period_usec);
                if (drift > (int64_t) s->period_usec || drift < -(int64_t) s->period_usec) {
                        d.step_usec = drift;
                        s->n_clock_steps++;
                }
                s->n_missed += d.missed;
        }
        s->last_tick_s = tick_s;
        s->last_tick_mono = now_mono;
        s->n_ticks++;
        *ret = d;
        return true;
}
