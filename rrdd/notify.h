#pragma once
/* SPDX-License-Identifier: MIT */
/* systemd's readiness protocol: datagrams to $NOTIFY_SOCKET (READY, WATCHDOG, STATUS, STOPPING). */

#include <stdint.h>

#include "rrdd/clock.h"

/* Sends one notification (e.g. "READY=1\nSTATUS=..."); 0 when not under systemd too. */
int notify_send(const char *message);

/* The watchdog interval systemd asked for ($WATCHDOG_USEC for this pid), or 0. */
usec_t notify_watchdog_usec(void);
