#pragma once
/* SPDX-License-Identifier: MIT */
/*
 * The "sim" source: simulated VMs for demos, tests and benchmarks, started, stopped and moved
 * between daemons by files named after their uuids in a directory.
 */

#include <stddef.h>
#include <stdint.h>

#include "sources/source.h"

/* A VM file is read up to this size; the rest is ignored. */
#define SIM_VM_FILE_MAX 4096

int sim_vm_file_parse(const char *buf, size_t len, uint32_t *ret_domid);
