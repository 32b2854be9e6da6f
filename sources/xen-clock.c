/* SPDX-License-Identifier: MIT */
/* CLOCK_MONOTONIC for the xen source; see xen-clock.h for why it is its own symbol. */

#include "sources/xen-clock.h"

#include <time.h>

/**
 * xen_clock_now() - the current CLOCK_MONOTONIC time
 *
 * Return: microseconds since an arbitrary start, 0 if the clock cannot be read.
 */
usec_t xen_clock_now(void) {
        return clock_now(CLOCK_MONOTONIC);
}
