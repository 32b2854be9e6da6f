#pragma once
/* SPDX-License-Identifier: MIT */
/*
 * The xen source's own monotonic clock, read right after each hypervisor reading so that CPU
 * fractions divide by the interval the counters really covered. A separate symbol so the Xen
 * test double can provide the scenario's time instead (tests link the double, not this file).
 */

#include "rrdd/clock.h"

usec_t xen_clock_now(void);
