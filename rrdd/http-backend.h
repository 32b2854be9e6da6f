#pragma once
/* SPDX-License-Identifier: MIT */
/* The daemon's side of http/backend.h: RRDs and values from the registry, archives from the store.
 */

#include "http/backend.h"
#include "rrdd/rrdd.h"
#include "rrdd/store.h"

/* Fills *ret so that it serves d's registry and reads halted VMs' archives through ops/ctx. */
void rrdd_http_backend(HttpBackend *ret, Rrdd *d, const ArchiveOps *ops, void *ops_ctx);
