#pragma once
/* SPDX-License-Identifier: MIT */
/*
 * The simulator's numbers: every value of a simulated VM is a pure function of (seed, VM uuid,
 * time), so two daemons with the same seed agree and a VM moved between them carries on.
 */

#include <stdbool.h>
#include <stdint.h>

#include "rrdd/clock.h"
#include "sources/source.h"

#define SIM_N_VCPUS 2
#define SIM_N_VIFS 2
#define SIM_N_VBDS 2
/* The gauges of CPU use average over this window ending at the sample time (one tick). */
#define SIM_CPU_WINDOW_USEC (5 * USEC_PER_SEC)

/*
 * A rate that wanders smoothly around `base` (units per second): two cosines of relative
 * amplitude amp[] plus smooth noise, never below 0.1 × base nor above 1.9 × base, with an
 * analytic integral so counters need no history.
 */
typedef struct SimCurve {
        double base;
        double amp[2];
        uint32_t period_s[2];
        double phase[2]; /* radians */
        uint64_t noise_key;
} SimCurve;

/* A VM's fixed traits, derived from (seed, uuid) once. */
typedef struct SimVmModel {
        SimCurve cpu[SIM_N_VCPUS];             /* base: mean busy fraction, at most 0.5 */
        SimCurve vif[SIM_N_VIFS][2];           /* [vif][0 = rx, 1 = tx]; base: integer B/s */
        SimCurve vbd[SIM_N_VBDS][2];           /* [vbd][0 = read, 1 = write]; base: integer B/s */
        uint32_t request_bytes[SIM_N_VBDS][2]; /* average request size, for the iops */
        uint64_t bytes_per_vif_error;          /* 0: this VM's vifs never see errors */
        uint64_t memory_bytes;                 /* also the balloon target */
        SimCurve free_fraction;                /* base: mean share of memory the guest has free */
} SimVmModel;

bool sim_uuid_is_canonical(const char *s);
void sim_vm_uuid(uint64_t seed, unsigned index, char ret[SRC_UUID_LEN + 1]);
void sim_vm_model_init(SimVmModel *m, uint64_t seed, const char *uuid);

double sim_curve_window_average(const SimCurve *c, usec_t t, usec_t window);
uint64_t sim_curve_counter(const SimCurve *c, usec_t t);

double sim_vm_cpu_fraction(const SimVmModel *m, unsigned vcpu, usec_t t);
uint64_t sim_vm_vif_bytes(const SimVmModel *m, unsigned vif, bool is_tx, usec_t t);
uint64_t sim_vm_vif_errors(const SimVmModel *m, unsigned vif, bool is_tx, usec_t t);
uint64_t sim_vm_vbd_bytes(const SimVmModel *m, unsigned vbd, bool is_write, usec_t t);
uint64_t sim_vm_vbd_requests(const SimVmModel *m, unsigned vbd, bool is_write, usec_t t);
int64_t sim_vm_memory_internal_free_kib(const SimVmModel *m, usec_t t);
