/* SPDX-License-Identifier: MIT */
/*
 * Deterministic traits and values of simulated VMs. A VM's traits are drawn from a generator
 * seeded with hash(seed, uuid); its values at time t are closed-form integrals of smooth rate
 * curves, so a counter at t needs no state and stays monotonic whatever times it is read at.
 */

#include "sources/sim-model.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#include "rrdd/macro.h"

#define SIM_PI 3.14159265358979323846
/* Seconds between the knots of the noise added to every rate. */
#define SIM_NOISE_KNOT_S 20u

/* A 64-bit mixing function (the splitmix64 finaliser): a bijection with good avalanche. */
static uint64_t mix64(uint64_t x) {
        x += UINT64_C(0x9e3779b97f4a7c15);
        x = (x ^ (x >> 30)) * UINT64_C(0xbf58476d1ce4e5b9);
        x = (x ^ (x >> 27)) * UINT64_C(0x94d049bb133111eb);
        return x ^ (x >> 31);
}

typedef struct SimRng {
        uint64_t state;
} SimRng;

static uint64_t rng_next(SimRng *g) {
        g->state += UINT64_C(0x9e3779b97f4a7c15);
        return mix64(g->state);
}

/* Uniform in [0, 1). */
static double rng_unit(SimRng *g) {
        return (double) (rng_next(g) >> 11) * 0x1p-53;
}

static double rng_uniform(SimRng *g, double lo, double hi) {
        return lo + (hi - lo) * rng_unit(g);
}

/* Log-uniform in [lo, hi): rates spread over orders of magnitude, as real fleets do. */
static double rng_log_uniform(SimRng *g, double lo, double hi) {
        return exp(log(lo) + (log(hi) - log(lo)) * rng_unit(g));
}

static unsigned rng_below(SimRng *g, unsigned n) {
        return (unsigned) (rng_next(g) % n);
}

/**
 * sim_uuid_is_canonical() - whether @s is a uuid in canonical lowercase form.
 *
 * Return: true for 8-4-4-4-12 lowercase hex digits and nothing else.
 */
bool sim_uuid_is_canonical(const char *s) {
        if (!uuid_is_valid(s))
                return false;
        for (size_t i = 0; i < SRC_UUID_LEN; i++)
                if (s[i] >= 'A' && s[i] <= 'F')
                        return false;
        return true;
}

/**
 * sim_vm_uuid() - the uuid of simulated VM number @index for @seed.
 * @ret: receives the canonical lowercase uuid (a random-looking version 4 uuid).
 */
void sim_vm_uuid(uint64_t seed, unsigned index, char ret[SRC_UUID_LEN + 1]) {
        uint64_t hi = mix64(mix64(seed ^ UINT64_C(0x73696d2d766d2d75)) ^ index);
        uint64_t lo = mix64(hi ^ UINT64_C(0x5f6c6f775f686173));

        hi = (hi & ~UINT64_C(0xf000)) | UINT64_C(0x4000);       /* version 4 */
        lo = (lo & ~(UINT64_C(3) << 62)) | (UINT64_C(2) << 62); /* RFC 4122 variant */
        (void) snprintf(ret, SRC_UUID_LEN + 1, "%08x-%04x-%04x-%04x-%012llx", (unsigned) (hi >> 32),
                        (unsigned) ((hi >> 16) & 0xffff), (unsigned) (hi & 0xffff),
                        (unsigned) (lo >> 48),
                        (unsigned long long) (lo & UINT64_C(0xffffffffffff)));
}

static unsigned hex_value(char c) {
        return c <= '9' ? (unsigned) (c - '0') : (unsigned) (c - 'a' + 10);
}

static void curve_init(SimCurve *c, SimRng *g, double base) {
        c->base = base;
        c->amp[0] = rng_uniform(g, 0.2, 0.4);
        c->amp[1] = rng_uniform(g, 0.05, 0.2);
        c->period_s[0] = 600 + rng_below(g, 3001);
        c->period_s[1] = 60 + rng_below(g, 241);
        c->phase[0] = rng_uniform(g, 0.0, 2 * SIM_PI);
        c->phase[1] = rng_uniform(g, 0.0, 2 * SIM_PI);
        c->noise_key = rng_next(g);
}

/* Byte rates are whole bytes per second, so that counters can be computed exactly. */
static double whole(double v) {
        return fmax(1.0, round(v));
}

/**
 * sim_vm_model_init() - derive a VM's traits from @seed and its @uuid.
 * @m: result.
 * @uuid: canonical lowercase uuid (see sim_uuid_is_canonical()).
 *
 * Each VM gets a profile (idle, web, database or batch) that sets the scale of its CPU, network
 * and disk rates; within a profile the rates are log-uniform, so a fleet spans orders of
 * magnitude as real ones do.
 */
void sim_vm_model_init(SimVmModel *m, uint64_t seed, const char *uuid) {
        static const struct {
                double cpu[2], net[2], disk[2];
        } profiles[] = {
                /* busy fraction, vif0 rx B/s, xvda read B/s */
                {{0.01, 0.06}, {500, 20e3}, {200, 20e3}},    /* idle */
                {{0.08, 0.30}, {50e3, 2e6}, {10e3, 300e3}},  /* web */
                {{0.10, 0.40}, {20e3, 500e3}, {200e3, 4e6}}, /* database */
                {{0.25, 0.50}, {5e3, 100e3}, {500e3, 8e6}},  /* batch */
        };
        static const uint32_t request_sizes[] = {4096, 8192, 16384, 32768, 65536, 131072};
        static const uint64_t memory_mib[] = {512, 1024, 2048, 2048, 4096, 4096, 8192, 16384};
        uint64_t hi = 0, lo = 0;
        SimRng g;
        unsigned p;

        for (size_t i = 0, n = 0; i < SRC_UUID_LEN; i++) {
                if (uuid[i] == '-')
                        continue;
                if (n < 16)
                        hi = hi << 4 | hex_value(uuid[i]);
                else
                        lo = lo << 4 | hex_value(uuid[i]);
                n++;
        }
        g.state = mix64(mix64(seed ^ hi) ^ lo);
        *m = (SimVmModel){};

        p = rng_below(&g, ELEMENTSOF(profiles));
        {
                double cpu0 = rng_log_uniform(&g, profiles[p].cpu[0], profiles[p].cpu[1]);
                curve_init(&m->cpu[0], &g, cpu0);
                curve_init(&m->cpu[1], &g, cpu0 * rng_uniform(&g, 0.4, 1.0));
        }
        {
                double rx = rng_log_uniform(&g, profiles[p].net[0], profiles[p].net[1]);
                double tx = rx * rng_log_uniform(&g, 0.2, 5.0);
                /* vif 1 is a management network: a few percent of vif 0. */
                double scale = rng_log_uniform(&g, 0.01, 0.2);
                curve_init(&m->vif[0][0], &g, whole(rx));
                curve_init(&m->vif[0][1], &g, whole(tx));
                curve_init(&m->vif[1][0], &g, whole(rx * scale));
                curve_init(&m->vif[1][1], &g, whole(tx * scale));
        }
        {
                double rd = rng_log_uniform(&g, profiles[p].disk[0], profiles[p].disk[1]);
                double wr = rd * rng_log_uniform(&g, 0.3, 2.0);
                /* xvdb is a data disk, busier or quieter than the system disk. */
                double scale = rng_log_uniform(&g, 0.1, 3.0);
                curve_init(&m->vbd[0][0], &g, whole(rd));
                curve_init(&m->vbd[0][1], &g, whole(wr));
                curve_init(&m->vbd[1][0], &g, whole(rd * scale));
                curve_init(&m->vbd[1][1], &g, whole(wr * scale));
        }
        for (size_t v = 0; v < SIM_N_VBDS; v++)
                for (size_t w = 0; w < 2; w++)
                        m->request_bytes[v][w] =
                                request_sizes[rng_below(&g, ELEMENTSOF(request_sizes))];
        /* Half the VMs never see a network error; the others one per 64 MiB to 4 GiB. */
        if (rng_below(&g, 2))
                m->bytes_per_vif_error = (uint64_t) rng_log_uniform(&g, 0x1p26, 0x1p32);
        m->memory_bytes = memory_mib[rng_below(&g, ELEMENTSOF(memory_mib))] << 20;
        curve_init(&m->free_fraction, &g, rng_uniform(&g, 0.1, 0.45));
}

/* A noise knot in [-1, 1]. */
static double noise_knot(uint64_t key, uint64_t k) {
        return (double) (mix64(key ^ mix64(k)) >> 11) * 0x1p-52 - 1.0;
}

/*
 * The integral of the curve's rate from 0 to t minus base × t, plus a constant that keeps it
 * non-negative. Bounded by about base × (period_s[0] + 4 × SIM_NOISE_KNOT_S), so it stays exact
 * enough in a double whatever t is. Time is split into whole seconds and a fraction, and the
 * periods are whole seconds, so the phase is computed without the rounding of a large t.
 *
 * The cosine terms add base·amp·cos(...) to the rate; the noise is a smoothstep between random
 * knots every SIM_NOISE_KNOT_S seconds, of height A = 0.1·base·K, whose slope is at most
 * 3A/K = 0.3·base. With amp[0] + amp[1] <= 0.6 the rate stays within [0.1, 1.9] × base.
 */
static double curve_wobble(const SimCurve *c, uint64_t sec, double frac) {
        const double knot = SIM_NOISE_KNOT_S;
        double v = 0.0, u, s, h0, h1;
        uint64_t k;

        for (size_t i = 0; i < 2; i++) {
                double period = c->period_s[i];
                double x = ((double) (sec % c->period_s[i]) + frac) / period;
                v += c->amp[i] * period / (2 * SIM_PI) * (sin(2 * SIM_PI * x + c->phase[i]) + 1.0);
        }
        v *= c->base;

        k = sec / SIM_NOISE_KNOT_S;
        u = ((double) (sec % SIM_NOISE_KNOT_S) + frac) / knot;
        s = u * u * (3.0 - 2.0 * u);
        h0 = noise_knot(c->noise_key, k);
        h1 = noise_knot(c->noise_key, k + 1);
        v += 0.1 * c->base * knot * (h0 + (h1 - h0) * s + 1.0);
        return v;
}

/**
 * sim_curve_counter() - the integral of a curve with a whole-number base from 0 to @t (µs).
 *
 * Return: the counter, floored; non-decreasing in @t.
 */
uint64_t sim_curve_counter(const SimCurve *c, usec_t t) {
        uint64_t sec = t / USEC_PER_SEC;
        double frac = (double) (t % USEC_PER_SEC) / (double) USEC_PER_SEC;
        uint64_t base = (uint64_t) c->base;

        /* base × sec is exact in integers; only the small remainder goes through a double. */
        return base * sec + (uint64_t) floor((double) base * frac + curve_wobble(c, sec, frac));
}

/**
 * sim_curve_window_average() - the curve's mean rate over [@t - @window, @t] (µs).
 *
 * Times before @window read as at @window. Return: the mean, within [0.1, 1.9] × base.
 */
double sim_curve_window_average(const SimCurve *c, usec_t t, usec_t window) {
        usec_t t0;
        double w1, w0;

        if (window == 0)
                return c->base;
        if (t < window)
                t = window;
        t0 = t - window;
        w1 = curve_wobble(c, t / USEC_PER_SEC, (double) (t % USEC_PER_SEC) / (double) USEC_PER_SEC);
        w0 = curve_wobble(c, t0 / USEC_PER_SEC,
                          (double) (t0 % USEC_PER_SEC) / (double) USEC_PER_SEC);
        return c->base + (w1 - w0) / ((double) window / (double) USEC_PER_SEC);
}

/**
 * sim_vm_cpu_fraction() - the busy fraction of vCPU @vcpu over the tick ending at @t (µs).
 *
 * Return: a fraction in [0, 1].
 */
double sim_vm_cpu_fraction(const SimVmModel *m, unsigned vcpu, usec_t t) {
        double v = sim_curve_window_average(&m->cpu[vcpu], t, SIM_CPU_WINDOW_USEC);
        return fmin(1.0, fmax(0.0, v));
}

/**
 * sim_vm_vif_bytes() - bytes the guest received (@is_tx false) or sent on vif @vif by @t (µs).
 *
 * Return: the counter.
 */
uint64_t sim_vm_vif_bytes(const SimVmModel *m, unsigned vif, bool is_tx, usec_t t) {
        return sim_curve_counter(&m->vif[vif][is_tx], t);
}

/**
 * sim_vm_vif_errors() - receive or transmit errors of vif @vif by @t (µs), in proportion to
 * its traffic.
 *
 * Return: the counter.
 */
uint64_t sim_vm_vif_errors(const SimVmModel *m, unsigned vif, bool is_tx, usec_t t) {
        if (m->bytes_per_vif_error == 0)
                return 0;
        return sim_vm_vif_bytes(m, vif, is_tx, t) / m->bytes_per_vif_error;
}

/**
 * sim_vm_vbd_bytes() - bytes read (@is_write false) or written on disk @vbd by @t (µs).
 *
 * Return: the counter.
 */
uint64_t sim_vm_vbd_bytes(const SimVmModel *m, unsigned vbd, bool is_write, usec_t t) {
        return sim_curve_counter(&m->vbd[vbd][is_write], t);
}

/**
 * sim_vm_vbd_requests() - read or write requests completed on disk @vbd by @t (µs): its bytes
 * over the VM's average request size for that disk and direction.
 *
 * Return: the counter.
 */
uint64_t sim_vm_vbd_requests(const SimVmModel *m, unsigned vbd, bool is_write, usec_t t) {
        return sim_vm_vbd_bytes(m, vbd, is_write, t) / m->request_bytes[vbd][is_write];
}

/**
 * sim_vm_memory_internal_free_kib() - memory the guest reports free at @t (µs), in KiB: a
 * share of its memory that drifts over a minute-long average.
 *
 * Return: KiB, within [0, memory_bytes / 1024].
 */
int64_t sim_vm_memory_internal_free_kib(const SimVmModel *m, usec_t t) {
        double f = sim_curve_window_average(&m->free_fraction, t, 60 * USEC_PER_SEC);
        f = fmin(1.0, fmax(0.0, f));
        return (int64_t) floor(f * (double) (m->memory_bytes / 1024));
}
