/* SPDX-License-Identifier: MIT */
/*
 * Numbers as text. The rrdtool-compatible routines reproduce rrdtool's own algorithms (their
 * rounding is part of the file format); the others are for our own archives and wire formats:
 * a Schubfach-style shortest formatter and an Eisel-Lemire-style correctly rounded parser, both
 * built on one table of 128-bit powers of ten, with strtod_l() as the parser's exact fallback.
 */

#include "consolidate/num.h"

#include <errno.h>
#include <float.h>
#include <locale.h>
#include <math.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/*
 * Every routine here relies on IEEE double arithmetic rounding each operation once: x87 excess
 * precision would change the rrdtool emulation and the exact fast paths. A fused multiply-add
 * would too (rrdtool's `m * 10 + d` is two roundings), so contraction is switched off when the
 * target has FMA.
 */
#if FLT_EVAL_METHOD != 0
#error "num.c needs FLT_EVAL_METHOD == 0 (SSE2 double arithmetic)"
#endif
#if defined(__clang__)
#pragma STDC FP_CONTRACT OFF
#elif defined(__FP_FAST_FMA)
#pragma GCC optimize("fp-contract=off")
#endif

__extension__ typedef unsigned __int128 u128;

/* Exponents from this one up print in scientific notation, as C's %.15g (xcp-rrdd) does. */
#define SHORTEST_SCI_EXP 15

static bool is_space(char c) {
        return c == ' ' || c == '\t' || c == '\n' || c == '\v' || c == '\f' || c == '\r';
}

static bool is_digit(char c) {
        return c >= '0' && c <= '9';
}

static uint64_t double_bits(double v) {
        uint64_t b;

        memcpy(&b, &v, sizeof(b));
        return b;
}

static double bits_double(uint64_t b) {
        double v;

        memcpy(&v, &b, sizeof(v));
        return v;
}

static const uint64_t pow10_u64[20] = {
        1u,
        10u,
        100u,
        1000u,
        10000u,
        100000u,
        1000000u,
        10000000u,
        100000000u,
        1000000000u,
        10000000000u,
        100000000000u,
        1000000000000u,
        10000000000000u,
        100000000000000u,
        1000000000000000u,
        10000000000000000u,
        100000000000000000u,
        1000000000000000000u,
        10000000000000000000u,
};

static const char digit_pairs[201] = "00010203040506070809"
                                     "10111213141516171819"
                                     "20212223242526272829"
                                     "30313233343536373839"
                                     "40414243444546474849"
                                     "50515253545556575859"
                                     "60616263646566676869"
                                     "70717273747576777879"
                                     "80818283848586878889"
                                     "90919293949596979899";

/* The number of decimal digits of v (1 for 0). */
static int n_decimal_digits(uint64_t v) {
        /* bit length * log10(2), then one comparison to settle the rounding of the estimate */
        int t = ((64 - __builtin_clzll(v | 1)) * 1233) >> 12;

        return t + (v >= pow10_u64[t]) + (v == 0);
}

/* Writes the n = n_decimal_digits(v) digits of v ending just before end. */
static void write_digits(char *end, uint64_t v) {
        while (v >= 100) {
                uint64_t q = v / 100;
                end -= 2;
                memcpy(end, digit_pairs + 2 * (v - q * 100), 2);
                v = q;
        }
        if (v >= 10) {
                end -= 2;
                memcpy(end, digit_pairs + 2 * v, 2);
        } else
                *--end = (char) ('0' + v);
}

/* Writes exactly n digits of v < 10^n, with leading zeros, at p. */
static void write_fixed_digits(char *p, uint64_t v, int n) {
        for (; n >= 2; n -= 2) {
                uint64_t q = v / 100;
                memcpy(p + n - 2, digit_pairs + 2 * (v - q * 100), 2);
                v = q;
        }
        if (n)
                *p = (char) ('0' + v);
}

/* Writes "e+XX", "e-XX" or a three-digit exponent; returns the end. */
static char *write_exponent(char *p, int x) {
        unsigned a = (unsigned) (x < 0 ? -x : x);

        *p++ = 'e';
        *p++ = x < 0 ? '-' : '+';
        if (a >= 100) {
                *p++ = (char) ('0' + a / 100);
                a %= 100;
        }
        memcpy(p, digit_pairs + 2 * a, 2);
        return p + 2;
}

/* ---- rrdtool's parser ----------------------------------------------------------------------- */

/**
 * num_rrd_strtod() - rrdtool's decimal parser, reproduced for identical rounding.
 * @s: text, NUL-terminated.
 * @ret_end: set to the first character not used (s itself when nothing was converted).
 *
 * Every digit, before or after the point, goes into one double as m = m * 10 + d; the decimal
 * exponent is then applied by repeated squaring of 10, dividing for negative exponents. Both
 * steps round, which is why this differs from a correctly rounded strtod in the last bit for
 * about a quarter of decimal inputs. The exponent digits accumulate in a 32-bit int that wraps
 * as rrdtool's does on x86-64 ("1e4294967297" is 10). An exponent outside [DBL_MIN_EXP,
 * DBL_MAX_EXP] (-1021..1024, counting the fraction digits) makes rrdtool return HUGE_VAL
 * without setting its end pointer, i.e. nothing converted; "1e400" is inside and gives inf.
 *
 * Return: the value; 0.0 when no digits were found; HUGE_VAL for an exponent out of range.
 */
double num_rrd_strtod(const char *s, const char **ret_end) {
        const char *p = s;
        double m = 0.0, p10;
        unsigned exp10 = 0, n_digits = 0, n;
        bool negative = false;

        if (ret_end)
                *ret_end = s;
        while (is_space(*p))
                p++;
        if (*p == '-' || *p == '+')
                negative = *p++ == '-';
        for (; is_digit(*p); p++, n_digits++)
                m = m * 10.0 + (*p - '0');
        if (*p == '.') {
                for (p++; is_digit(*p); p++, n_digits++, exp10--)
                        m = m * 10.0 + (*p - '0');
        }
        if (n_digits == 0)
                return 0.0;
        if (negative)
                m = -m;
        if (*p == 'e' || *p == 'E') {
                bool exp_negative = false;
                unsigned e = 0;

                p++;
                if (*p == '-' || *p == '+')
                        exp_negative = *p++ == '-';
                for (; is_digit(*p); p++)
                        e = e * 10u + (unsigned) (*p - '0');
                exp10 = exp_negative ? exp10 - e : exp10 + e;
        }
        /* int arithmetic wrapping modulo 2^32, as the x86-64 build of rrdtool behaves */
        int e10 = (int) exp10;
        if (e10 < DBL_MIN_EXP || e10 > DBL_MAX_EXP)
                return HUGE_VAL;
        p10 = 10.0;
        n = (unsigned) (e10 < 0 ? -e10 : e10);
        while (n) {
                if (n & 1) {
                        if (e10 < 0)
                                m /= p10;
                        else
                                m *= p10;
                }
                n >>= 1;
                p10 *= p10;
        }
        if (ret_end)
                *ret_end = p;
        return m;
}

/**
 * num_rrd_parse_value() - an update value or min/max as rrdtool reads it (rrd_strtodbl() == 2).
 * @s: the token.
 * @ret: the number.
 *
 * A token that rrd_strtod() converts must be used up entirely. One it cannot convert at all is
 * checked for the special spellings by prefix and in any case, exactly as rrdtool 1.7.2 does:
 * "nan…" and "-nan…" are NaN (the latter with its sign bit set), "inf…" (so also "infinity")
 * is +inf and "-inf…" -inf. Leading whitespace and '+' are not allowed before them.
 *
 * Return: 0, or -EINVAL when the token is empty or not entirely a number.
 */
int num_rrd_parse_value(const char *s, double *ret) {
        const char *end;
        double v = num_rrd_strtod(s, &end);

        if (end == s) {
                if (strncasecmp(s, "-nan", 4) == 0)
                        v = -(double) NAN;
                else if (strncasecmp(s, "nan", 3) == 0)
                        v = (double) NAN;
                else if (strncasecmp(s, "inf", 3) == 0)
                        v = HUGE_VAL;
                else if (strncasecmp(s, "-inf", 4) == 0)
                        v = -HUGE_VAL;
                else
                        return -EINVAL;
        } else if (*end != '\0')
                return -EINVAL;
        *ret = v;
        return 0;
}

/* ---- rrdtool's %0.10e ----------------------------------------------------------------------- */

/*
 * rrd_pow10[k + 308] is rrdtool's mypow10(k): 1.0 multiplied by 10 k times, or divided by 10
 * -k times, rounding at every step (so only 10^0..10^22 are exact). Generated with that very
 * loop; test-num's model of fmtflt runs the loop again for values in every decade.
 */
/* clang-format off */
static const double rrd_pow10[617] = {
        0x0.730d67819e8d6p-1022, 0x1.1fa182c40c618p-1020, 0x1.6789e3750f79ep-1017,
        0x1.c16c5c5253586p-1014, 0x1.18e3b9b374174p-1010, 0x1.5f1ca820511d1p-1007,
        0x1.b6e3d22865645p-1004, 0x1.124e63593f5ebp-1000, 0x1.56e1fc2f8f366p-997,
        0x1.ac9a7b3b7304p-994, 0x1.0be08d0527e28p-990, 0x1.4ed8b04671db2p-987,
        0x1.a28edc580e51ep-984, 0x1.059949b708f33p-980, 0x1.46ff9c24cb3p-977,
        0x1.98bf832dfdfcp-974, 0x1.feef63f97d7bp-971, 0x1.3f559e7bee6cep-967,
        0x1.8f2b061aea082p-964, 0x1.f2f5c7a1a48a2p-961, 0x1.37d99cc506d65p-957,
        0x1.85d003f6488bep-954, 0x1.e74404f3daaedp-951, 0x1.308a831868ad4p-947,
        0x1.7cad23de82d89p-944, 0x1.dbd86cd6238ebp-941, 0x1.29674405d6393p-937,
        0x1.73c115074bc78p-934, 0x1.d0b15a491eb96p-931, 0x1.226ed86db333ep-927,
        0x1.6b0a8e892000dp-924, 0x1.c5cd322b6801p-921, 0x1.1ba03f5b2100ap-917,
        0x1.62884f31e940dp-914, 0x1.bb2a62fe6391p-911, 0x1.14fa7ddefe3aap-907,
        0x1.5a391d56bdc95p-904, 0x1.b0c764ac6d3bap-901, 0x1.0e7c9eebc4454p-897,
        0x1.521bc6a6b5569p-894, 0x1.a6a2b85062ac3p-891, 0x1.0825b3323dabap-887,
        0x1.4a2f1ffecd169p-884, 0x1.9cbae7fe805c3p-881, 0x1.01f4d0ff1039ap-877,
        0x1.4272053ed448p-874, 0x1.930e868e895ap-871, 0x1.f7d228322bb08p-868,
        0x1.3ae3591f5b4e5p-864, 0x1.899c2f673221ep-861, 0x1.ec033b40feaa5p-858,
        0x1.338205089f2a7p-854, 0x1.8062864ac6f51p-851, 0x1.e07b27dd78b25p-848,
        0x1.2c4cf8ea6b6f7p-844, 0x1.77603725064b5p-841, 0x1.d53844ee47de2p-838,
        0x1.25432b14eceadp-834, 0x1.6e93f5da28258p-831, 0x1.ca38f350b22eep-828,
        0x1.1e6398126f5d5p-824, 0x1.65fc7e170b34ap-821, 0x1.bf7b9d9cce01dp-818,
        0x1.17ad428200c12p-814, 0x1.5d98932280f16p-811, 0x1.b4feb7eb212dbp-808,
        0x1.111f32f2f4bc9p-804, 0x1.5566ffafb1ebbp-801, 0x1.aac0bf9b9e66ap-798,
        0x1.0ab877c143002p-794, 0x1.4d6695b193c02p-791, 0x1.a0c03b1df8b03p-788,
        0x1.047824f2bb6e2p-784, 0x1.45962e2f6a49ap-781, 0x1.96fbb9bb44dcp-778,
        0x1.fcbaa82a1613p-775, 0x1.3df4a91a4dcbep-771, 0x1.8d71d360e13edp-768,
        0x1.f0ce4839198e8p-765, 0x1.3680ed23aff91p-761, 0x1.8421286c9bf75p-758,
        0x1.e5297287c2f52p-755, 0x1.2f39e794d9d93p-751, 0x1.7b08617a104f8p-748,
        0x1.d9ca79d894636p-745, 0x1.281e8c275cbe2p-741, 0x1.72262f3133edap-738,
        0x1.ceafbafd80e9p-735, 0x1.212dd4de7091ap-731, 0x1.69794a160cb6p-728,
        0x1.c3d79c9b8fe38p-725, 0x1.1a66c1e139ee3p-721, 0x1.610072598869cp-718,
        0x1.b9408eefea843p-715, 0x1.13c85955f292ap-711, 0x1.58ba6fab6f375p-708,
        0x1.aee90b964b052p-705, 0x1.0d51a73deee33p-701, 0x1.50a6110d6a9cp-698,
        0x1.a4cf9550c543p-695, 0x1.0701bd527b49ep-691, 0x1.48c22ca71a1c5p-688,
        0x1.9af2b7d0e0a36p-685, 0x1.00d7b2e28c662p-681, 0x1.410d9f9b2f7fap-678,
        0x1.91510781fb5f8p-675, 0x1.f5a549627a376p-672, 0x1.39874ddd8c62ap-668,
        0x1.87e92154ef7b5p-665, 0x1.e9e369aa2b5a2p-662, 0x1.322e220a5b185p-658,
        0x1.7eb9aa8cf1de6p-655, 0x1.de6815302e56p-652, 0x1.2b010d3e1cf5cp-648,
        0x1.75c1508da4333p-645, 0x1.d331a4b10d4p-642, 0x1.23ff06eea848p-638,
        0x1.6cfec8aa525ap-635, 0x1.c83e7ad4e6f08p-632, 0x1.1d270cc510565p-628,
        0x1.6470cff6546bep-625, 0x1.bd8d03f3e986dp-622, 0x1.1678227871f44p-618,
        0x1.5c162b168e715p-615, 0x1.b31bb5dc320dap-612, 0x1.0ff151a99f488p-608,
        0x1.53eda614071aap-605, 0x1.a8e90f9908e15p-602, 0x1.0991a9bfa58cdp-598,
        0x1.4bf6142f8efp-595, 0x1.9ef3993b72acp-592, 0x1.03583fc527ab8p-588,
        0x1.442e4fb671966p-585, 0x1.9539e3a40dfcp-582, 0x1.fa885c8d117bp-579,
        0x1.3c9539d82aecep-575, 0x1.8bba884e35a82p-572, 0x1.eea92a61c3122p-569,
        0x1.3529ba7d19eb5p-565, 0x1.8274291c60662p-562, 0x1.e3113363787fap-559,
        0x1.2deac01e2b4fcp-555, 0x1.79657025b623bp-552, 0x1.d7becc2f23acap-549,
        0x1.26d73f9d764bep-545, 0x1.708d0f84d3deep-542, 0x1.ccb0536608d6ap-539,
        0x1.1fee341fc5862p-535, 0x1.67e9c127b6e7bp-532, 0x1.c1e43171a4a1ap-529,
        0x1.192e9ee706e5p-525, 0x1.5f7a46a0c89e4p-522, 0x1.b758d848fac5dp-519,
        0x1.1297872d9cbbap-515, 0x1.573d68f903ea9p-512, 0x1.ad0cc33744e53p-509,
        0x1.0c27fa028b0f4p-505, 0x1.4f31f8832dd31p-502, 0x1.a2fe76a3f947dp-499,
        0x1.05df0a267bccep-495, 0x1.4756ccb01ac02p-492, 0x1.992c7fdc21702p-489,
        0x1.ff779fd329cc2p-486, 0x1.3faac3e3fa1f9p-482, 0x1.8f9574dcf8a77p-479,
        0x1.f37ad21436d15p-476, 0x1.382cc34ca242dp-472, 0x1.8637f41fcad38p-469,
        0x1.e7c5f127bd886p-466, 0x1.30dbb6b8d6754p-462, 0x1.7d12a4670c129p-459,
        0x1.dc574d80cf173p-456, 0x1.29b69070816e8p-452, 0x1.7424348ca1ca2p-449,
        0x1.d12d41afca3cap-446, 0x1.22bc490dde65ep-442, 0x1.6b6b5b5155ff6p-439,
        0x1.c6463225ab7f3p-436, 0x1.1bebdf578b2f8p-432, 0x1.62e6d72d6dfb6p-429,
        0x1.bba08cf8c97a3p-426, 0x1.1544581b7dec6p-422, 0x1.5a956e225d678p-419,
        0x1.b13ac9aaf4c16p-416, 0x1.0ec4be0ad8f8ep-412, 0x1.5275ed8d8f371p-409,
        0x1.a71368f0f304dp-406, 0x1.086c219697e3p-402, 0x1.4a8729fc3ddbcp-399,
        0x1.9d28f47b4d52bp-396, 0x1.023998cd1053bp-392, 0x1.42c7ff005468ap-389,
        0x1.9379fec06982dp-386, 0x1.f8587e7083e38p-383, 0x1.3b374f06526e3p-379,
        0x1.8a0522c7e709cp-376, 0x1.ec866b79e0cc3p-373, 0x1.33d4032c2c7fap-369,
        0x1.80c903f7379f8p-366, 0x1.e0fb44f505876p-363, 0x1.2c9d0b192374ap-359,
        0x1.77c44ddf6c51cp-356, 0x1.d5b5615747663p-353, 0x1.25915cd68c9fep-349,
        0x1.6ef5b40c2fc7ep-346, 0x1.cab3210f3bb9dp-343, 0x1.1eaff4a985542p-339,
        0x1.665bf1d3e6a92p-336, 0x1.bff2ee48e0536p-333, 0x1.17f7d4ed8c342p-329,
        0x1.5df5ca28ef412p-326, 0x1.b5733cb32b116p-323, 0x1.116805effaeaep-319,
        0x1.55c2076bf9a5ap-316, 0x1.ab328946f80fp-313, 0x1.0aff95cc5b096p-309,
        0x1.4dbf7b3f71cbbp-306, 0x1.a12f5a0f4e3eap-303, 0x1.04bd984990e72p-299,
        0x1.45ecfe5bf520ep-296, 0x1.97683df2f2692p-293, 0x1.fd424d6faf036p-290,
        0x1.3e497065cd622p-286, 0x1.8ddbcc7f40baap-283, 0x1.f152bf9f10e95p-280,
        0x1.36d3b7c36a91dp-276, 0x1.8488a5b445364p-273, 0x1.e5aacf215683dp-270,
        0x1.2f8ac174d6126p-266, 0x1.7b6d71d20b96fp-263, 0x1.da48ce468e7cbp-260,
        0x1.286d80ec190dfp-256, 0x1.7288e1271f517p-253, 0x1.cf2b1970e725dp-250,
        0x1.217aefe69077ap-246, 0x1.69d9abe034958p-243, 0x1.c45016d841baep-240,
        0x1.1ab20e472914dp-236, 0x1.615e91d8f35ap-233, 0x1.b9b6364f30308p-230,
        0x1.1411e1f17e1e5p-226, 0x1.59165a6ddda5ep-223, 0x1.af5bf109550f6p-220,
        0x1.0d9976a5d529ap-216, 0x1.50ffd44f4a74p-213, 0x1.a53fc9631d11p-210,
        0x1.0747ddddf22aap-206, 0x1.4919d5556eb55p-203, 0x1.9b604aaaca62ap-200,
        0x1.011c2eaabe7dap-196, 0x1.41633a556e1dp-193, 0x1.91bc08eac9a44p-190,
        0x1.f62b0b257c0d5p-187, 0x1.39dae6f76d885p-183, 0x1.8851a0b548ea6p-180,
        0x1.ea6608e29b25p-177, 0x1.327fc58da0f72p-173, 0x1.7f1fb6f10934ep-170,
        0x1.dee7a4ad4b822p-167, 0x1.2b50c6ec4f315p-163, 0x1.7624f8a762fdap-160,
        0x1.d3ae36d13bbdp-157, 0x1.244ce242c5562p-153, 0x1.6d601ad376abbp-150,
        0x1.c8b821885456ap-147, 0x1.1d7314f534b62p-143, 0x1.64cfda3281e3bp-140,
        0x1.be03d0bf225cap-137, 0x1.16c262777579ep-133, 0x1.5c72fb1552d86p-130,
        0x1.b38fb9daa78e8p-127, 0x1.1039d428a8b91p-123, 0x1.54484932d2e75p-120,
        0x1.a95a5b7f87a12p-117, 0x1.09d8792fb4c4bp-113, 0x1.4c4e977ba1f5ep-110,
        0x1.9f623d5a8a735p-107, 0x1.039d665896881p-103, 0x1.4484bfeebc2a1p-100,
        0x1.95a5efea6b349p-97, 0x1.fb0f6be50601bp-94, 0x1.3ce9a36f23c11p-90,
        0x1.8c240c4aecb15p-87, 0x1.ef2d0f5da7ddap-84, 0x1.357c299a88ea8p-80,
        0x1.82db34012b252p-77, 0x1.e392010175ee6p-74, 0x1.2e3b40a0e9b5p-70,
        0x1.79ca10c924224p-67, 0x1.d83c94fb6d2adp-64, 0x1.2725dd1d243acp-60,
        0x1.70ef54646d497p-57, 0x1.cd2b297d889bdp-54, 0x1.203af9ee75616p-50,
        0x1.6849b86a12b9cp-47, 0x1.c25c268497683p-44, 0x1.19799812dea12p-40,
        0x1.5fd7fe1796497p-37, 0x1.b7cdfd9d7bdbdp-34, 0x1.12e0be826d696p-30,
        0x1.5798ee2308c3bp-27, 0x1.ad7f29abcaf4ap-24, 0x1.0c6f7a0b5ed8ep-20,
        0x1.4f8b588e368f1p-17, 0x1.a36e2eb1c432dp-14, 0x1.0624dd2f1a9fcp-10,
        0x1.47ae147ae147bp-7, 0x1.999999999999ap-4, 0x1p+0,
        0x1.4p+3, 0x1.9p+6, 0x1.f4p+9,
        0x1.388p+13, 0x1.86ap+16, 0x1.e848p+19,
        0x1.312dp+23, 0x1.7d784p+26, 0x1.dcd65p+29,
        0x1.2a05f2p+33, 0x1.74876e8p+36, 0x1.d1a94a2p+39,
        0x1.2309ce54p+43, 0x1.6bcc41e9p+46, 0x1.c6bf52634p+49,
        0x1.1c37937e08p+53, 0x1.6345785d8ap+56, 0x1.bc16d674ec8p+59,
        0x1.158e460913dp+63, 0x1.5af1d78b58c4p+66, 0x1.b1ae4d6e2ef5p+69,
        0x1.0f0cf064dd592p+73, 0x1.52d02c7e14af6p+76, 0x1.a784379d99db4p+79,
        0x1.08b2a2c28029p+83, 0x1.4adf4b7320334p+86, 0x1.9d971e4fe8401p+89,
        0x1.027e72f1f1281p+93, 0x1.431e0fae6d721p+96, 0x1.93e5939a08ce9p+99,
        0x1.f8def8808b023p+102, 0x1.3b8b5b5056e16p+106, 0x1.8a6e32246c99cp+109,
        0x1.ed09bead87c03p+112, 0x1.3426172c74d82p+116, 0x1.812f9cf7920e2p+119,
        0x1.e17b84357691ap+122, 0x1.2ced32a16a1bp+126, 0x1.78287f49c4a1cp+129,
        0x1.d6329f1c35ca3p+132, 0x1.25dfa371a19e6p+136, 0x1.6f578c4e0a06p+139,
        0x1.cb2d6f618c878p+142, 0x1.1efc659cf7d4bp+146, 0x1.66bb7f0435c9ep+149,
        0x1.c06a5ec5433c6p+152, 0x1.18427b3b4a05cp+156, 0x1.5e531a0a1c873p+159,
        0x1.b5e7e08ca3a9p+162, 0x1.11b0ec57e649ap+166, 0x1.561d276ddfdcp+169,
        0x1.aba4714957d3p+172, 0x1.0b46c6cdd6e3ep+176, 0x1.4e1878814c9cep+179,
        0x1.a19e96a19fc42p+182, 0x1.05031e2503da9p+186, 0x1.4643e5ae44d13p+189,
        0x1.97d4df19d6058p+192, 0x1.fdca16e04b86ep+195, 0x1.3e9e4e4c2f345p+199,
        0x1.8e45e1df3b016p+202, 0x1.f1d75a5709c1cp+205, 0x1.3726987666192p+209,
        0x1.84f03e93ff9f6p+212, 0x1.e62c4e38ff874p+215, 0x1.2fdbb0e39fb48p+219,
        0x1.7bd29d1c87a1ap+222, 0x1.dac74463a98ap+225, 0x1.28bc8abe49f64p+229,
        0x1.72ebad6ddc73dp+232, 0x1.cfa698c95390cp+235, 0x1.21c81f7dd43a8p+239,
        0x1.6a3a275d49492p+242, 0x1.c4c8b1349b9b6p+245, 0x1.1afd6ec0e1412p+249,
        0x1.61bcca7119916p+252, 0x1.ba2bfd0d5ff5cp+255, 0x1.145b7e285bf9ap+259,
        0x1.59725db272f8p+262, 0x1.afcef51f0fb6p+265, 0x1.0de1593369d1cp+269,
        0x1.5159af8044463p+272, 0x1.a5b01b605557cp+275, 0x1.078e111c3556ep+279,
        0x1.4971956342acap+282, 0x1.9bcdfabc1357cp+285, 0x1.0160bcb58c16ep+289,
        0x1.41b8ebe2ef1cap+292, 0x1.922726dbaae3cp+295, 0x1.f6b0f092959cbp+298,
        0x1.3a2e965b9d81fp+302, 0x1.88ba3bf284e27p+305, 0x1.eae8caef261b1p+308,
        0x1.32d17ed577d0fp+312, 0x1.7f85de8ad5c53p+315, 0x1.df67562d8b368p+318,
        0x1.2ba095dc77021p+322, 0x1.7688bb5394c29p+325, 0x1.d42aea2879f33p+328,
        0x1.249ad2594c38p+332, 0x1.6dc186ef9f46p+335, 0x1.c931e8ab87178p+338,
        0x1.1dbf316b346ebp+342, 0x1.652efdc6018a6p+345, 0x1.be7abd3781edp+348,
        0x1.170cb642b1342p+352, 0x1.5ccfe3d35d812p+355, 0x1.b403dcc834e16p+358,
        0x1.108269fd210cep+362, 0x1.54a3047c69502p+365, 0x1.a9cbc59b83a42p+368,
        0x1.0a1f5b8132469p+372, 0x1.4ca732617ed83p+375, 0x1.9fd0fef9de8e4p+378,
        0x1.03e29f5c2b18ep+382, 0x1.44db473335df2p+385, 0x1.961219000356ep+388,
        0x1.fb969f40042cap+391, 0x1.3d3e2388029bep+395, 0x1.8c8dac6a0342ep+398,
        0x1.efb117848413ap+401, 0x1.35ceaeb2d28c4p+405, 0x1.83425a5f872f5p+408,
        0x1.e412f0f768fb2p+411, 0x1.2e8bd69aa19cfp+415, 0x1.7a2ecc414a043p+418,
        0x1.d8ba7f519c854p+421, 0x1.27748f9301d34p+425, 0x1.7151b377c2481p+428,
        0x1.cda62055b2da1p+431, 0x1.2087d4358fc85p+435, 0x1.68a9c942f3ba6p+438,
        0x1.c2d43b93b0a9p+441, 0x1.19c4a53c4e69ap+445, 0x1.6035ce8b6204p+448,
        0x1.b843422e3a85p+451, 0x1.132a095ce4932p+455, 0x1.57f48bb41db7ep+458,
        0x1.adf1aea12525ep+461, 0x1.0cb70d24b737bp+465, 0x1.4fe4d06de505ap+468,
        0x1.a3de04895e47p+471, 0x1.066ac2d5daec6p+475, 0x1.4805738b51a78p+478,
        0x1.9a06d06e26116p+481, 0x1.00444244d7caep+485, 0x1.405552d60dbdap+488,
        0x1.906aa78b912dp+491, 0x1.f485516e75784p+494, 0x1.38d352e5096b2p+498,
        0x1.8708279e4bc5ep+501, 0x1.e8ca3185deb76p+504, 0x1.317e5ef3ab32ap+508,
        0x1.7dddf6b095ff4p+511, 0x1.dd55745cbb7f1p+514, 0x1.2a5568b9f52f7p+518,
        0x1.74eac2e8727b5p+521, 0x1.d22573a28f1a2p+524, 0x1.2357684599705p+528,
        0x1.6c2d4256ffcc6p+531, 0x1.c73892ecbfbf8p+534, 0x1.1c835bd3f7d7bp+538,
        0x1.63a432c8f5cdap+541, 0x1.bc8d3f7b3341p+544, 0x1.15d847ad0008ap+548,
        0x1.5b4e5998400acp+551, 0x1.b221effe500d7p+554, 0x1.0f5535fef2086p+558,
        0x1.532a837eae8a8p+561, 0x1.a7f5245e5a2d2p+564, 0x1.08f936baf85c3p+568,
        0x1.4b378469b6734p+571, 0x1.9e05658424101p+574, 0x1.02c35f72968a1p+578,
        0x1.4374374f3c2c9p+581, 0x1.945145230b37bp+584, 0x1.f965966bce05ap+587,
        0x1.3bdf7e0360c38p+591, 0x1.8ad75d8438f46p+594, 0x1.ed8d34e547318p+597,
        0x1.3478410f4c7efp+601, 0x1.819651531f9ebp+604, 0x1.e1fbe5a7e7866p+607,
        0x1.2d3d6f88f0b4p+611, 0x1.788ccb6b2ce1p+614, 0x1.d6affe45f8194p+617,
        0x1.262dfeebbb0fcp+621, 0x1.6fb97ea6a9d3bp+624, 0x1.cba7de505448ap+627,
        0x1.1f48eaf234ad6p+631, 0x1.671b25aec1d8cp+634, 0x1.c0e1ef1a724efp+637,
        0x1.188d357087715p+641, 0x1.5eb082cca94dap+644, 0x1.b65ca37fd3a1p+647,
        0x1.11f9e62fe444ap+651, 0x1.56785fbbdd55cp+654, 0x1.ac1677aad4ab3p+657,
        0x1.0b8e0acac4ebp+661, 0x1.4e718d7d7625cp+664, 0x1.a20df0dcd3af3p+667,
        0x1.0548b68a044d8p+671, 0x1.469ae42c8560ep+674, 0x1.98419d37a6b92p+677,
        0x1.fe52048590676p+680, 0x1.3ef342d37a40ap+684, 0x1.8eb0138858d0cp+687,
        0x1.f25c186a6f04fp+690, 0x1.37798f4285631p+694, 0x1.8557f31326bbdp+697,
        0x1.e6adefd7f06acp+700, 0x1.302cb5e6f642cp+704, 0x1.7c37e360b3d37p+707,
        0x1.db45dc38e0c85p+710, 0x1.290ba9a38c7d3p+714, 0x1.734e940c6f9c8p+717,
        0x1.d022390f8b83ap+720, 0x1.221563a9b7324p+724, 0x1.6a9abc9424fedp+727,
        0x1.c5416bb92e3e8p+730, 0x1.1b48e353bce71p+734, 0x1.621b1c28ac20dp+737,
        0x1.baa1e332d729p+740, 0x1.14a52dffc679ap+744, 0x1.59ce797fb818p+747,
        0x1.b04217dfa61ep+750, 0x1.0e294eebc7d2cp+754, 0x1.51b3a2a6b9c77p+757,
        0x1.a6208b5068395p+760, 0x1.07d457124123dp+764, 0x1.49c96cd6d16ccp+767,
        0x1.9c3bc80c85c7fp+770, 0x1.01a55d07d39cfp+774, 0x1.420eb449c8843p+777,
        0x1.9292615c3aa54p+780, 0x1.f736f9b3494e9p+783, 0x1.3a825c100dd12p+787,
        0x1.8922f31411456p+790, 0x1.eb6bafd91596cp+793, 0x1.33234de7ad7e4p+797,
        0x1.7fec216198dddp+800, 0x1.dfe729b9ff154p+803, 0x1.2bf07a143f6d4p+807,
        0x1.76ec98994f489p+810, 0x1.d4a7bebfa31abp+813, 0x1.24e8d737c5f0bp+817,
        0x1.6e230d05b76cep+820, 0x1.c9abd04725482p+823, 0x1.1e0b622c774d1p+827,
        0x1.658e3ab795205p+830, 0x1.bef1c9657a686p+833, 0x1.17571ddf6c814p+837,
        0x1.5d2ce55747a19p+840, 0x1.b4781ead1989fp+843, 0x1.10cb132c2ff63p+847,
        0x1.54fdd7f73bf3cp+850, 0x1.aa3d4df50af0bp+853, 0x1.0a6650b926d67p+857,
        0x1.4cffe4e7708c1p+860, 0x1.a03fde214caf1p+863, 0x1.0427ead4cfed7p+867,
        0x1.4531e58a03e8dp+870, 0x1.967e5eec84e3p+873, 0x1.fc1df6a7a61bcp+876,
        0x1.3d92ba28c7d16p+880, 0x1.8cf768b2f9c5cp+883, 0x1.f03542dfb8373p+886,
        0x1.362149cbd3228p+890, 0x1.83a99c3ec7eb2p+893, 0x1.e494034e79e5ep+896,
        0x1.2edc82110c2fbp+900, 0x1.7a93a2954f3bap+903, 0x1.d9388b3aa30a8p+906,
        0x1.27c35704a5e69p+910, 0x1.71b42cc5cf603p+913, 0x1.ce2137f743384p+916,
        0x1.20d4c2fa8a032p+920, 0x1.6909f3b92c83ep+923, 0x1.c34c70a777a4ep+926,
        0x1.1a0fc668aac71p+930, 0x1.6093b802d578dp+933, 0x1.b8b8a6038ad7p+936,
        0x1.137367c236c66p+940, 0x1.585041b2c478p+943, 0x1.ae64521f7596p+946,
        0x1.0cfeb353a97dcp+950, 0x1.503e602893dd3p+953, 0x1.a44df832b8d48p+956,
        0x1.06b0bb1fb384dp+960, 0x1.485ce9e7a066p+963, 0x1.9a742461887f8p+966,
        0x1.008896bcf54fbp+970, 0x1.40aabc6c32a3ap+973, 0x1.90d56b873f4c8p+976,
        0x1.f50ac6690f1fap+979, 0x1.3926bc01a973cp+983, 0x1.87706b0213d0bp+986,
        0x1.e94c85c298c4ep+989, 0x1.31cfd3999f7b1p+993, 0x1.7e43c8800759dp+996,
        0x1.ddd4baa009304p+999, 0x1.2aa4f4a405be2p+1003, 0x1.754e31cd072dap+1006,
        0x1.d2a1be4048f9p+1009, 0x1.23a516e82d9bap+1013, 0x1.6c8e5ca239028p+1016,
        0x1.c7b1f3cac7432p+1019, 0x1.1ccf385ebc89fp+1023,
};
/* clang-format on */

static double rrd_mypow10(int k) {
        return rrd_pow10[k + 308];
}

/*
 * rrdtool's getexponent() as it is built on x86-64 Debian (LDOUBLE is plain double there):
 * multiply by 10 until >= 1, stopping at 10^-308, or divide by 10 while >= 10. Every step
 * rounds, so near a power of ten the answer can differ from floor(log10(a)).
 */
static int rrd_exponent_loop(double a) {
        double t = a;
        int e = 0;

        while (t < 1.0 && t > 0.0 && --e >= DBL_MIN_10_EXP)
                t *= 10;
        while (t >= 10.0 && ++e <= DBL_MAX_10_EXP)
                t /= 10;
        return e;
}

/*
 * The same result without the loop for 1e-300 <= a < 1e300. k steps of the loop carry a
 * relative error below k * 2^-53 and the table entry another as much, so when a lies further
 * than that from both 10^k and 10^(k+1) the loop must stop at k. Exact powers 10^0..10^22 are
 * divided exactly by the loop and stop at their own exponent. Anything else near a power of
 * ten, and the extremes, run the loop itself.
 */
static int rrd_exponent(double a) {
        if (!(a >= 1e-300 && a < 1e300))
                return rrd_exponent_loop(a);

        int e2 = (int) ((double_bits(a) >> 52) & 0x7ff) - 1023;
        int k = (e2 * 78913) >> 18; /* floor(e2 * log10(2)): floor(log10(a)) or one less */
        if (a >= rrd_mypow10(k + 1))
                k++;

        double margin = (double) (2 * (k < 0 ? -k : k) + 4) * 0x1p-53;
        if (a >= rrd_mypow10(k) * (1.0 + margin) && a < rrd_mypow10(k + 1) * (1.0 - margin))
                return k;
        if (k >= 0 && k <= 22 && a == rrd_mypow10(k))
                return k;
        return rrd_exponent_loop(a);
}

/**
 * num_format_rrd_e10() - rrdtool's rrd_snprintf("%0.10e", v), bit for bit.
 * @buf: NUM_BUF_SIZE bytes.
 * @v: the value.
 *
 * rrdtool formats with its bundled C99 snprintf (fmtflt), which Debian's x86-64 librrd 1.7.2
 * builds with double arithmetic: the decimal exponent comes from the rounding loop above, the
 * value is divided by the rounded power of ten, the integer part truncated, and the fraction
 * digits are round-half-up of 1e10 times the remainder, all in double. So ties and near-ties
 * round differently from glibc (5230643.71875 gives 5.2306437187e+06), and the exponent search
 * stops at -308, which prints subnormals as "0.6084410087e-308". -0.0 prints without a sign.
 * NaN prints "NaN" and the infinities "inf" / "-inf", as `rrdtool dump` does.
 *
 * Return: the length written, not counting the NUL.
 */
size_t num_format_rrd_e10(char *buf, double v) {
        char *p = buf;
        double a = fabs(v), u = 0.0;
        int k = 0;

        if (isnan(v)) {
                memcpy(buf, "NaN", 4);
                return 3;
        }
        if (isinf(v)) {
                if (v < 0)
                        *p++ = '-';
                memcpy(p, "inf", 4);
                return (size_t) (p - buf) + 3;
        }
        if (v < 0.0)
                *p++ = '-';
        if (a > 0.0) {
                k = rrd_exponent(a);
                u = a / rrd_mypow10(k);
        }

        /* u < 10 except after an unlucky rounding; rrdtool then prints two integer digits */
        uint64_t ip = (uint64_t) u;
        double fr = 1e10 * (u - (double) ip);
        uint64_t fp = (uint64_t) fr;
        if (fr - (double) fp >= 0.5)
                fp++;
        if (fp >= 10000000000u) {
                ip++;
                fp = 0;
                if (ip == 10) {
                        ip = 1;
                        k++;
                }
        }

        if (ip < 10)
                *p++ = (char) ('0' + ip);
        else {
                int n = n_decimal_digits(ip);
                write_digits(p + n, ip);
                p += n;
        }
        *p++ = '.';
        write_fixed_digits(p, fp, 10);
        p += 10;
        p = write_exponent(p, k);
        *p = '\0';
        return (size_t) (p - buf);
}

/* ---- shortest round trip (Schubfach) --------------------------------------------------------- */

/*
 * pow10_128[q + 342] = floor(10^q * 2^(127 - floor(log2(10^q)))), the 128 leading bits of 10^q
 * with the top bit set, for q = -342..324 (exact for q = 0..55). Generated with exact rational
 * arithmetic; test-num's round trips over every decade use every entry, and any wrong bit
 * would make some double there print or parse wrongly.
 */
#define POW10_128_MIN (-342)
#define POW10_128_MAX 324
static const uint64_t pow10_128[POW10_128_MAX - POW10_128_MIN + 1][2] = {
        {0xeef453d6923bd65au, 0x113faa2906a13b3fu}, {0x9558b4661b6565f8u, 0x4ac7ca59a424c507u},
        {0xbaaee17fa23ebf76u, 0x5d79bcf00d2df649u}, {0xe95a99df8ace6f53u, 0xf4d82c2c107973dcu},
        {0x91d8a02bb6c10594u, 0x79071b9b8a4be869u}, {0xb64ec836a47146f9u, 0x9748e2826cdee284u},
        {0xe3e27a444d8d98b7u, 0xfd1b1b2308169b25u}, {0x8e6d8c6ab0787f72u, 0xfe30f0f5e50e20f7u},
        {0xb208ef855c969f4fu, 0xbdbd2d335e51a935u}, {0xde8b2b66b3bc4723u, 0xad2c788035e61382u},
        {0x8b16fb203055ac76u, 0x4c3bcb5021afcc31u}, {0xaddcb9e83c6b1793u, 0xdf4abe242a1bbf3du},
        {0xd953e8624b85dd78u, 0xd71d6dad34a2af0du}, {0x87d4713d6f33aa6bu, 0x8672648c40e5ad68u},
        {0xa9c98d8ccb009506u, 0x680efdaf511f18c2u}, {0xd43bf0effdc0ba48u, 0x0212bd1b2566def2u},
        {0x84a57695fe98746du, 0x014bb630f7604b57u}, {0xa5ced43b7e3e9188u, 0x419ea3bd35385e2du},
        {0xcf42894a5dce35eau, 0x52064cac828675b9u}, {0x818995ce7aa0e1b2u, 0x7343efebd1940993u},
        {0xa1ebfb4219491a1fu, 0x1014ebe6c5f90bf8u}, {0xca66fa129f9b60a6u, 0xd41a26e077774ef6u},
        {0xfd00b897478238d0u, 0x8920b098955522b4u}, {0x9e20735e8cb16382u, 0x55b46e5f5d5535b0u},
        {0xc5a890362fddbc62u, 0xeb2189f734aa831du}, {0xf712b443bbd52b7bu, 0xa5e9ec7501d523e4u},
        {0x9a6bb0aa55653b2du, 0x47b233c92125366eu}, {0xc1069cd4eabe89f8u, 0x999ec0bb696e840au},
        {0xf148440a256e2c76u, 0xc00670ea43ca250du}, {0x96cd2a865764dbcau, 0x380406926a5e5728u},
        {0xbc807527ed3e12bcu, 0xc605083704f5ecf2u}, {0xeba09271e88d976bu, 0xf7864a44c633682eu},
        {0x93445b8731587ea3u, 0x7ab3ee6afbe0211du}, {0xb8157268fdae9e4cu, 0x5960ea05bad82964u},
        {0xe61acf033d1a45dfu, 0x6fb92487298e33bdu}, {0x8fd0c16206306babu, 0xa5d3b6d479f8e056u},
        {0xb3c4f1ba87bc8696u, 0x8f48a4899877186cu}, {0xe0b62e2929aba83cu, 0x331acdabfe94de87u},
        {0x8c71dcd9ba0b4925u, 0x9ff0c08b7f1d0b14u}, {0xaf8e5410288e1b6fu, 0x07ecf0ae5ee44dd9u},
        {0xdb71e91432b1a24au, 0xc9e82cd9f69d6150u}, {0x892731ac9faf056eu, 0xbe311c083a225cd2u},
        {0xab70fe17c79ac6cau, 0x6dbd630a48aaf406u}, {0xd64d3d9db981787du, 0x092cbbccdad5b108u},
        {0x85f0468293f0eb4eu, 0x25bbf56008c58ea5u}, {0xa76c582338ed2621u, 0xaf2af2b80af6f24eu},
        {0xd1476e2c07286faau, 0x1af5af660db4aee1u}, {0x82cca4db847945cau, 0x50d98d9fc890ed4du},
        {0xa37fce126597973cu, 0xe50ff107bab528a0u}, {0xcc5fc196fefd7d0cu, 0x1e53ed49a96272c8u},
        {0xff77b1fcbebcdc4fu, 0x25e8e89c13bb0f7au}, {0x9faacf3df73609b1u, 0x77b191618c54e9acu},
        {0xc795830d75038c1du, 0xd59df5b9ef6a2417u}, {0xf97ae3d0d2446f25u, 0x4b0573286b44ad1du},
        {0x9becce62836ac577u, 0x4ee367f9430aec32u}, {0xc2e801fb244576d5u, 0x229c41f793cda73fu},
        {0xf3a20279ed56d48au, 0x6b43527578c1110fu}, {0x9845418c345644d6u, 0x830a13896b78aaa9u},
        {0xbe5691ef416bd60cu, 0x23cc986bc656d553u}, {0xedec366b11c6cb8fu, 0x2cbfbe86b7ec8aa8u},
        {0x94b3a202eb1c3f39u, 0x7bf7d71432f3d6a9u}, {0xb9e08a83a5e34f07u, 0xdaf5ccd93fb0cc53u},
        {0xe858ad248f5c22c9u, 0xd1b3400f8f9cff68u}, {0x91376c36d99995beu, 0x23100809b9c21fa1u},
        {0xb58547448ffffb2du, 0xabd40a0c2832a78au}, {0xe2e69915b3fff9f9u, 0x16c90c8f323f516cu},
        {0x8dd01fad907ffc3bu, 0xae3da7d97f6792e3u}, {0xb1442798f49ffb4au, 0x99cd11cfdf41779cu},
        {0xdd95317f31c7fa1du, 0x40405643d711d583u}, {0x8a7d3eef7f1cfc52u, 0x482835ea666b2572u},
        {0xad1c8eab5ee43b66u, 0xda3243650005eecfu}, {0xd863b256369d4a40u, 0x90bed43e40076a82u},
        {0x873e4f75e2224e68u, 0x5a7744a6e804a291u}, {0xa90de3535aaae202u, 0x711515d0a205cb36u},
        {0xd3515c2831559a83u, 0x0d5a5b44ca873e03u}, {0x8412d9991ed58091u, 0xe858790afe9486c2u},
        {0xa5178fff668ae0b6u, 0x626e974dbe39a872u}, {0xce5d73ff402d98e3u, 0xfb0a3d212dc8128fu},
        {0x80fa687f881c7f8eu, 0x7ce66634bc9d0b99u}, {0xa139029f6a239f72u, 0x1c1fffc1ebc44e80u},
        {0xc987434744ac874eu, 0xa327ffb266b56220u}, {0xfbe9141915d7a922u, 0x4bf1ff9f0062baa8u},
        {0x9d71ac8fada6c9b5u, 0x6f773fc3603db4a9u}, {0xc4ce17b399107c22u, 0xcb550fb4384d21d3u},
        {0xf6019da07f549b2bu, 0x7e2a53a146606a48u}, {0x99c102844f94e0fbu, 0x2eda7444cbfc426du},
        {0xc0314325637a1939u, 0xfa911155fefb5308u}, {0xf03d93eebc589f88u, 0x793555ab7eba27cau},
        {0x96267c7535b763b5u, 0x4bc1558b2f3458deu}, {0xbbb01b9283253ca2u, 0x9eb1aaedfb016f16u},
        {0xea9c227723ee8bcbu, 0x465e15a979c1cadcu}, {0x92a1958a7675175fu, 0x0bfacd89ec191ec9u},
        {0xb749faed14125d36u, 0xcef980ec671f667bu}, {0xe51c79a85916f484u, 0x82b7e12780e7401au},
        {0x8f31cc0937ae58d2u, 0xd1b2ecb8b0908810u}, {0xb2fe3f0b8599ef07u, 0x861fa7e6dcb4aa15u},
        {0xdfbdcece67006ac9u, 0x67a791e093e1d49au}, {0x8bd6a141006042bdu, 0xe0c8bb2c5c6d24e0u},
        {0xaecc49914078536du, 0x58fae9f773886e18u}, {0xda7f5bf590966848u, 0xaf39a475506a899eu},
        {0x888f99797a5e012du, 0x6d8406c952429603u}, {0xaab37fd7d8f58178u, 0xc8e5087ba6d33b83u},
        {0xd5605fcdcf32e1d6u, 0xfb1e4a9a90880a64u}, {0x855c3be0a17fcd26u, 0x5cf2eea09a55067fu},
        {0xa6b34ad8c9dfc06fu, 0xf42faa48c0ea481eu}, {0xd0601d8efc57b08bu, 0xf13b94daf124da26u},
        {0x823c12795db6ce57u, 0x76c53d08d6b70858u}, {0xa2cb1717b52481edu, 0x54768c4b0c64ca6eu},
        {0xcb7ddcdda26da268u, 0xa9942f5dcf7dfd09u}, {0xfe5d54150b090b02u, 0xd3f93b35435d7c4cu},
        {0x9efa548d26e5a6e1u, 0xc47bc5014a1a6dafu}, {0xc6b8e9b0709f109au, 0x359ab6419ca1091bu},
        {0xf867241c8cc6d4c0u, 0xc30163d203c94b62u}, {0x9b407691d7fc44f8u, 0x79e0de63425dcf1du},
        {0xc21094364dfb5636u, 0x985915fc12f542e4u}, {0xf294b943e17a2bc4u, 0x3e6f5b7b17b2939du},
        {0x979cf3ca6cec5b5au, 0xa705992ceecf9c42u}, {0xbd8430bd08277231u, 0x50c6ff782a838353u},
        {0xece53cec4a314ebdu, 0xa4f8bf5635246428u}, {0x940f4613ae5ed136u, 0x871b7795e136be99u},
        {0xb913179899f68584u, 0x28e2557b59846e3fu}, {0xe757dd7ec07426e5u, 0x331aeada2fe589cfu},
        {0x9096ea6f3848984fu, 0x3ff0d2c85def7621u}, {0xb4bca50b065abe63u, 0x0fed077a756b53a9u},
        {0xe1ebce4dc7f16dfbu, 0xd3e8495912c62894u}, {0x8d3360f09cf6e4bdu, 0x64712dd7abbbd95cu},
        {0xb080392cc4349decu, 0xbd8d794d96aacfb3u}, {0xdca04777f541c567u, 0xecf0d7a0fc5583a0u},
        {0x89e42caaf9491b60u, 0xf41686c49db57244u}, {0xac5d37d5b79b6239u, 0x311c2875c522ced5u},
        {0xd77485cb25823ac7u, 0x7d633293366b828bu}, {0x86a8d39ef77164bcu, 0xae5dff9c02033197u},
        {0xa8530886b54dbdebu, 0xd9f57f830283fdfcu}, {0xd267caa862a12d66u, 0xd072df63c324fd7bu},
        {0x8380dea93da4bc60u, 0x4247cb9e59f71e6du}, {0xa46116538d0deb78u, 0x52d9be85f074e608u},
        {0xcd795be870516656u, 0x67902e276c921f8bu}, {0x806bd9714632dff6u, 0x00ba1cd8a3db53b6u},
        {0xa086cfcd97bf97f3u, 0x80e8a40eccd228a4u}, {0xc8a883c0fdaf7df0u, 0x6122cd128006b2cdu},
        {0xfad2a4b13d1b5d6cu, 0x796b805720085f81u}, {0x9cc3a6eec6311a63u, 0xcbe3303674053bb0u},
        {0xc3f490aa77bd60fcu, 0xbedbfc4411068a9cu}, {0xf4f1b4d515acb93bu, 0xee92fb5515482d44u},
        {0x991711052d8bf3c5u, 0x751bdd152d4d1c4au}, {0xbf5cd54678eef0b6u, 0xd262d45a78a0635du},
        {0xef340a98172aace4u, 0x86fb897116c87c34u}, {0x9580869f0e7aac0eu, 0xd45d35e6ae3d4da0u},
        {0xbae0a846d2195712u, 0x8974836059cca109u}, {0xe998d258869facd7u, 0x2bd1a438703fc94bu},
        {0x91ff83775423cc06u, 0x7b6306a34627ddcfu}, {0xb67f6455292cbf08u, 0x1a3bc84c17b1d542u},
        {0xe41f3d6a7377eecau, 0x20caba5f1d9e4a93u}, {0x8e938662882af53eu, 0x547eb47b7282ee9cu},
        {0xb23867fb2a35b28du, 0xe99e619a4f23aa43u}, {0xdec681f9f4c31f31u, 0x6405fa00e2ec94d4u},
        {0x8b3c113c38f9f37eu, 0xde83bc408dd3dd04u}, {0xae0b158b4738705eu, 0x9624ab50b148d445u},
        {0xd98ddaee19068c76u, 0x3badd624dd9b0957u}, {0x87f8a8d4cfa417c9u, 0xe54ca5d70a80e5d6u},
        {0xa9f6d30a038d1dbcu, 0x5e9fcf4ccd211f4cu}, {0xd47487cc8470652bu, 0x7647c3200069671fu},
        {0x84c8d4dfd2c63f3bu, 0x29ecd9f40041e073u}, {0xa5fb0a17c777cf09u, 0xf468107100525890u},
        {0xcf79cc9db955c2ccu, 0x7182148d4066eeb4u}, {0x81ac1fe293d599bfu, 0xc6f14cd848405530u},
        {0xa21727db38cb002fu, 0xb8ada00e5a506a7cu}, {0xca9cf1d206fdc03bu, 0xa6d90811f0e4851cu},
        {0xfd442e4688bd304au, 0x908f4a166d1da663u}, {0x9e4a9cec15763e2eu, 0x9a598e4e043287feu},
        {0xc5dd44271ad3cdbau, 0x40eff1e1853f29fdu}, {0xf7549530e188c128u, 0xd12bee59e68ef47cu},
        {0x9a94dd3e8cf578b9u, 0x82bb74f8301958ceu}, {0xc13a148e3032d6e7u, 0xe36a52363c1faf01u},
        {0xf18899b1bc3f8ca1u, 0xdc44e6c3cb279ac1u}, {0x96f5600f15a7b7e5u, 0x29ab103a5ef8c0b9u},
        {0xbcb2b812db11a5deu, 0x7415d448f6b6f0e7u}, {0xebdf661791d60f56u, 0x111b495b3464ad21u},
        {0x936b9fcebb25c995u, 0xcab10dd900beec34u}, {0xb84687c269ef3bfbu, 0x3d5d514f40eea742u},
        {0xe65829b3046b0afau, 0x0cb4a5a3112a5112u}, {0x8ff71a0fe2c2e6dcu, 0x47f0e785eaba72abu},
        {0xb3f4e093db73a093u, 0x59ed216765690f56u}, {0xe0f218b8d25088b8u, 0x306869c13ec3532cu},
        {0x8c974f7383725573u, 0x1e414218c73a13fbu}, {0xafbd2350644eeacfu, 0xe5d1929ef90898fau},
        {0xdbac6c247d62a583u, 0xdf45f746b74abf39u}, {0x894bc396ce5da772u, 0x6b8bba8c328eb783u},
        {0xab9eb47c81f5114fu, 0x066ea92f3f326564u}, {0xd686619ba27255a2u, 0xc80a537b0efefebdu},
        {0x8613fd0145877585u, 0xbd06742ce95f5f36u}, {0xa798fc4196e952e7u, 0x2c48113823b73704u},
        {0xd17f3b51fca3a7a0u, 0xf75a15862ca504c5u}, {0x82ef85133de648c4u, 0x9a984d73dbe722fbu},
        {0xa3ab66580d5fdaf5u, 0xc13e60d0d2e0ebbau}, {0xcc963fee10b7d1b3u, 0x318df905079926a8u},
        {0xffbbcfe994e5c61fu, 0xfdf17746497f7052u}, {0x9fd561f1fd0f9bd3u, 0xfeb6ea8bedefa633u},
        {0xc7caba6e7c5382c8u, 0xfe64a52ee96b8fc0u}, {0xf9bd690a1b68637bu, 0x3dfdce7aa3c673b0u},
        {0x9c1661a651213e2du, 0x06bea10ca65c084eu}, {0xc31bfa0fe5698db8u, 0x486e494fcff30a62u},
        {0xf3e2f893dec3f126u, 0x5a89dba3c3efccfau}, {0x986ddb5c6b3a76b7u, 0xf89629465a75e01cu},
        {0xbe89523386091465u, 0xf6bbb397f1135823u}, {0xee2ba6c0678b597fu, 0x746aa07ded582e2cu},
        {0x94db483840b717efu, 0xa8c2a44eb4571cdcu}, {0xba121a4650e4ddebu, 0x92f34d62616ce413u},
        {0xe896a0d7e51e1566u, 0x77b020baf9c81d17u}, {0x915e2486ef32cd60u, 0x0ace1474dc1d122eu},
        {0xb5b5ada8aaff80b8u, 0x0d819992132456bau}, {0xe3231912d5bf60e6u, 0x10e1fff697ed6c69u},
        {0x8df5efabc5979c8fu, 0xca8d3ffa1ef463c1u}, {0xb1736b96b6fd83b3u, 0xbd308ff8a6b17cb2u},
        {0xddd0467c64bce4a0u, 0xac7cb3f6d05ddbdeu}, {0x8aa22c0dbef60ee4u, 0x6bcdf07a423aa96bu},
        {0xad4ab7112eb3929du, 0x86c16c98d2c953c6u}, {0xd89d64d57a607744u, 0xe871c7bf077ba8b7u},
        {0x87625f056c7c4a8bu, 0x11471cd764ad4972u}, {0xa93af6c6c79b5d2du, 0xd598e40d3dd89bcfu},
        {0xd389b47879823479u, 0x4aff1d108d4ec2c3u}, {0x843610cb4bf160cbu, 0xcedf722a585139bau},
        {0xa54394fe1eedb8feu, 0xc2974eb4ee658828u}, {0xce947a3da6a9273eu, 0x733d226229feea32u},
        {0x811ccc668829b887u, 0x0806357d5a3f525fu}, {0xa163ff802a3426a8u, 0xca07c2dcb0cf26f7u},
        {0xc9bcff6034c13052u, 0xfc89b393dd02f0b5u}, {0xfc2c3f3841f17c67u, 0xbbac2078d443ace2u},
        {0x9d9ba7832936edc0u, 0xd54b944b84aa4c0du}, {0xc5029163f384a931u, 0x0a9e795e65d4df11u},
        {0xf64335bcf065d37du, 0x4d4617b5ff4a16d5u}, {0x99ea0196163fa42eu, 0x504bced1bf8e4e45u},
        {0xc06481fb9bcf8d39u, 0xe45ec2862f71e1d6u}, {0xf07da27a82c37088u, 0x5d767327bb4e5a4cu},
        {0x964e858c91ba2655u, 0x3a6a07f8d510f86fu}, {0xbbe226efb628afeau, 0x890489f70a55368bu},
        {0xeadab0aba3b2dbe5u, 0x2b45ac74ccea842eu}, {0x92c8ae6b464fc96fu, 0x3b0b8bc90012929du},
        {0xb77ada0617e3bbcbu, 0x09ce6ebb40173744u}, {0xe55990879ddcaabdu, 0xcc420a6a101d0515u},
        {0x8f57fa54c2a9eab6u, 0x9fa946824a12232du}, {0xb32df8e9f3546564u, 0x47939822dc96abf9u},
        {0xdff9772470297ebdu, 0x59787e2b93bc56f7u}, {0x8bfbea76c619ef36u, 0x57eb4edb3c55b65au},
        {0xaefae51477a06b03u, 0xede622920b6b23f1u}, {0xdab99e59958885c4u, 0xe95fab368e45ecedu},
        {0x88b402f7fd75539bu, 0x11dbcb0218ebb414u}, {0xaae103b5fcd2a881u, 0xd652bdc29f26a119u},
        {0xd59944a37c0752a2u, 0x4be76d3346f0495fu}, {0x857fcae62d8493a5u, 0x6f70a4400c562ddbu},
        {0xa6dfbd9fb8e5b88eu, 0xcb4ccd500f6bb952u}, {0xd097ad07a71f26b2u, 0x7e2000a41346a7a7u},
        {0x825ecc24c873782fu, 0x8ed400668c0c28c8u}, {0xa2f67f2dfa90563bu, 0x728900802f0f32fau},
        {0xcbb41ef979346bcau, 0x4f2b40a03ad2ffb9u}, {0xfea126b7d78186bcu, 0xe2f610c84987bfa8u},
        {0x9f24b832e6b0f436u, 0x0dd9ca7d2df4d7c9u}, {0xc6ede63fa05d3143u, 0x91503d1c79720dbbu},
        {0xf8a95fcf88747d94u, 0x75a44c6397ce912au}, {0x9b69dbe1b548ce7cu, 0xc986afbe3ee11abau},
        {0xc24452da229b021bu, 0xfbe85badce996168u}, {0xf2d56790ab41c2a2u, 0xfae27299423fb9c3u},
        {0x97c560ba6b0919a5u, 0xdccd879fc967d41au}, {0xbdb6b8e905cb600fu, 0x5400e987bbc1c920u},
        {0xed246723473e3813u, 0x290123e9aab23b68u}, {0x9436c0760c86e30bu, 0xf9a0b6720aaf6521u},
        {0xb94470938fa89bceu, 0xf808e40e8d5b3e69u}, {0xe7958cb87392c2c2u, 0xb60b1d1230b20e04u},
        {0x90bd77f3483bb9b9u, 0xb1c6f22b5e6f48c2u}, {0xb4ecd5f01a4aa828u, 0x1e38aeb6360b1af3u},
        {0xe2280b6c20dd5232u, 0x25c6da63c38de1b0u}, {0x8d590723948a535fu, 0x579c487e5a38ad0eu},
        {0xb0af48ec79ace837u, 0x2d835a9df0c6d851u}, {0xdcdb1b2798182244u, 0xf8e431456cf88e65u},
        {0x8a08f0f8bf0f156bu, 0x1b8e9ecb641b58ffu}, {0xac8b2d36eed2dac5u, 0xe272467e3d222f3fu},
        {0xd7adf884aa879177u, 0x5b0ed81dcc6abb0fu}, {0x86ccbb52ea94baeau, 0x98e947129fc2b4e9u},
        {0xa87fea27a539e9a5u, 0x3f2398d747b36224u}, {0xd29fe4b18e88640eu, 0x8eec7f0d19a03aadu},
        {0x83a3eeeef9153e89u, 0x1953cf68300424acu}, {0xa48ceaaab75a8e2bu, 0x5fa8c3423c052dd7u},
        {0xcdb02555653131b6u, 0x3792f412cb06794du}, {0x808e17555f3ebf11u, 0xe2bbd88bbee40bd0u},
        {0xa0b19d2ab70e6ed6u, 0x5b6aceaeae9d0ec4u}, {0xc8de047564d20a8bu, 0xf245825a5a445275u},
        {0xfb158592be068d2eu, 0xeed6e2f0f0d56712u}, {0x9ced737bb6c4183du, 0x55464dd69685606bu},
        {0xc428d05aa4751e4cu, 0xaa97e14c3c26b886u}, {0xf53304714d9265dfu, 0xd53dd99f4b3066a8u},
        {0x993fe2c6d07b7fabu, 0xe546a8038efe4029u}, {0xbf8fdb78849a5f96u, 0xde98520472bdd033u},
        {0xef73d256a5c0f77cu, 0x963e66858f6d4440u}, {0x95a8637627989aadu, 0xdde7001379a44aa8u},
        {0xbb127c53b17ec159u, 0x5560c018580d5d52u}, {0xe9d71b689dde71afu, 0xaab8f01e6e10b4a6u},
        {0x9226712162ab070du, 0xcab3961304ca70e8u}, {0xb6b00d69bb55c8d1u, 0x3d607b97c5fd0d22u},
        {0xe45c10c42a2b3b05u, 0x8cb89a7db77c506au}, {0x8eb98a7a9a5b04e3u, 0x77f3608e92adb242u},
        {0xb267ed1940f1c61cu, 0x55f038b237591ed3u}, {0xdf01e85f912e37a3u, 0x6b6c46dec52f6688u},
        {0x8b61313bbabce2c6u, 0x2323ac4b3b3da015u}, {0xae397d8aa96c1b77u, 0xabec975e0a0d081au},
        {0xd9c7dced53c72255u, 0x96e7bd358c904a21u}, {0x881cea14545c7575u, 0x7e50d64177da2e54u},
        {0xaa242499697392d2u, 0xdde50bd1d5d0b9e9u}, {0xd4ad2dbfc3d07787u, 0x955e4ec64b44e864u},
        {0x84ec3c97da624ab4u, 0xbd5af13bef0b113eu}, {0xa6274bbdd0fadd61u, 0xecb1ad8aeacdd58eu},
        {0xcfb11ead453994bau, 0x67de18eda5814af2u}, {0x81ceb32c4b43fcf4u, 0x80eacf948770ced7u},
        {0xa2425ff75e14fc31u, 0xa1258379a94d028du}, {0xcad2f7f5359a3b3eu, 0x096ee45813a04330u},
        {0xfd87b5f28300ca0du, 0x8bca9d6e188853fcu}, {0x9e74d1b791e07e48u, 0x775ea264cf55347du},
        {0xc612062576589ddau, 0x95364afe032a819du}, {0xf79687aed3eec551u, 0x3a83ddbd83f52204u},
        {0x9abe14cd44753b52u, 0xc4926a9672793542u}, {0xc16d9a0095928a27u, 0x75b7053c0f178293u},
        {0xf1c90080baf72cb1u, 0x5324c68b12dd6338u}, {0x971da05074da7beeu, 0xd3f6fc16ebca5e03u},
        {0xbce5086492111aeau, 0x88f4bb1ca6bcf584u}, {0xec1e4a7db69561a5u, 0x2b31e9e3d06c32e5u},
        {0x9392ee8e921d5d07u, 0x3aff322e62439fcfu}, {0xb877aa3236a4b449u, 0x09befeb9fad487c2u},
        {0xe69594bec44de15bu, 0x4c2ebe687989a9b3u}, {0x901d7cf73ab0acd9u, 0x0f9d37014bf60a10u},
        {0xb424dc35095cd80fu, 0x538484c19ef38c94u}, {0xe12e13424bb40e13u, 0x2865a5f206b06fb9u},
        {0x8cbccc096f5088cbu, 0xf93f87b7442e45d3u}, {0xafebff0bcb24aafeu, 0xf78f69a51539d748u},
        {0xdbe6fecebdedd5beu, 0xb573440e5a884d1bu}, {0x89705f4136b4a597u, 0x31680a88f8953030u},
        {0xabcc77118461cefcu, 0xfdc20d2b36ba7c3du}, {0xd6bf94d5e57a42bcu, 0x3d32907604691b4cu},
        {0x8637bd05af6c69b5u, 0xa63f9a49c2c1b10fu}, {0xa7c5ac471b478423u, 0x0fcf80dc33721d53u},
        {0xd1b71758e219652bu, 0xd3c36113404ea4a8u}, {0x83126e978d4fdf3bu, 0x645a1cac083126e9u},
        {0xa3d70a3d70a3d70au, 0x3d70a3d70a3d70a3u}, {0xccccccccccccccccu, 0xccccccccccccccccu},
        {0x8000000000000000u, 0x0000000000000000u}, {0xa000000000000000u, 0x0000000000000000u},
        {0xc800000000000000u, 0x0000000000000000u}, {0xfa00000000000000u, 0x0000000000000000u},
        {0x9c40000000000000u, 0x0000000000000000u}, {0xc350000000000000u, 0x0000000000000000u},
        {0xf424000000000000u, 0x0000000000000000u}, {0x9896800000000000u, 0x0000000000000000u},
        {0xbebc200000000000u, 0x0000000000000000u}, {0xee6b280000000000u, 0x0000000000000000u},
        {0x9502f90000000000u, 0x0000000000000000u}, {0xba43b74000000000u, 0x0000000000000000u},
        {0xe8d4a51000000000u, 0x0000000000000000u}, {0x9184e72a00000000u, 0x0000000000000000u},
        {0xb5e620f480000000u, 0x0000000000000000u}, {0xe35fa931a0000000u, 0x0000000000000000u},
        {0x8e1bc9bf04000000u, 0x0000000000000000u}, {0xb1a2bc2ec5000000u, 0x0000000000000000u},
        {0xde0b6b3a76400000u, 0x0000000000000000u}, {0x8ac7230489e80000u, 0x0000000000000000u},
        {0xad78ebc5ac620000u, 0x0000000000000000u}, {0xd8d726b7177a8000u, 0x0000000000000000u},
        {0x878678326eac9000u, 0x0000000000000000u}, {0xa968163f0a57b400u, 0x0000000000000000u},
        {0xd3c21bcecceda100u, 0x0000000000000000u}, {0x84595161401484a0u, 0x0000000000000000u},
        {0xa56fa5b99019a5c8u, 0x0000000000000000u}, {0xcecb8f27f4200f3au, 0x0000000000000000u},
        {0x813f3978f8940984u, 0x4000000000000000u}, {0xa18f07d736b90be5u, 0x5000000000000000u},
        {0xc9f2c9cd04674edeu, 0xa400000000000000u}, {0xfc6f7c4045812296u, 0x4d00000000000000u},
        {0x9dc5ada82b70b59du, 0xf020000000000000u}, {0xc5371912364ce305u, 0x6c28000000000000u},
        {0xf684df56c3e01bc6u, 0xc732000000000000u}, {0x9a130b963a6c115cu, 0x3c7f400000000000u},
        {0xc097ce7bc90715b3u, 0x4b9f100000000000u}, {0xf0bdc21abb48db20u, 0x1e86d40000000000u},
        {0x96769950b50d88f4u, 0x1314448000000000u}, {0xbc143fa4e250eb31u, 0x17d955a000000000u},
        {0xeb194f8e1ae525fdu, 0x5dcfab0800000000u}, {0x92efd1b8d0cf37beu, 0x5aa1cae500000000u},
        {0xb7abc627050305adu, 0xf14a3d9e40000000u}, {0xe596b7b0c643c719u, 0x6d9ccd05d0000000u},
        {0x8f7e32ce7bea5c6fu, 0xe4820023a2000000u}, {0xb35dbf821ae4f38bu, 0xdda2802c8a800000u},
        {0xe0352f62a19e306eu, 0xd50b2037ad200000u}, {0x8c213d9da502de45u, 0x4526f422cc340000u},
        {0xaf298d050e4395d6u, 0x9670b12b7f410000u}, {0xdaf3f04651d47b4cu, 0x3c0cdd765f114000u},
        {0x88d8762bf324cd0fu, 0xa5880a69fb6ac800u}, {0xab0e93b6efee0053u, 0x8eea0d047a457a00u},
        {0xd5d238a4abe98068u, 0x72a4904598d6d880u}, {0x85a36366eb71f041u, 0x47a6da2b7f864750u},
        {0xa70c3c40a64e6c51u, 0x999090b65f67d924u}, {0xd0cf4b50cfe20765u, 0xfff4b4e3f741cf6du},
        {0x82818f1281ed449fu, 0xbff8f10e7a8921a4u}, {0xa321f2d7226895c7u, 0xaff72d52192b6a0du},
        {0xcbea6f8ceb02bb39u, 0x9bf4f8a69f764490u}, {0xfee50b7025c36a08u, 0x02f236d04753d5b4u},
        {0x9f4f2726179a2245u, 0x01d762422c946590u}, {0xc722f0ef9d80aad6u, 0x424d3ad2b7b97ef5u},
        {0xf8ebad2b84e0d58bu, 0xd2e0898765a7deb2u}, {0x9b934c3b330c8577u, 0x63cc55f49f88eb2fu},
        {0xc2781f49ffcfa6d5u, 0x3cbf6b71c76b25fbu}, {0xf316271c7fc3908au, 0x8bef464e3945ef7au},
        {0x97edd871cfda3a56u, 0x97758bf0e3cbb5acu}, {0xbde94e8e43d0c8ecu, 0x3d52eeed1cbea317u},
        {0xed63a231d4c4fb27u, 0x4ca7aaa863ee4bddu}, {0x945e455f24fb1cf8u, 0x8fe8caa93e74ef6au},
        {0xb975d6b6ee39e436u, 0xb3e2fd538e122b44u}, {0xe7d34c64a9c85d44u, 0x60dbbca87196b616u},
        {0x90e40fbeea1d3a4au, 0xbc8955e946fe31cdu}, {0xb51d13aea4a488ddu, 0x6babab6398bdbe41u},
        {0xe264589a4dcdab14u, 0xc696963c7eed2dd1u}, {0x8d7eb76070a08aecu, 0xfc1e1de5cf543ca2u},
        {0xb0de65388cc8ada8u, 0x3b25a55f43294bcbu}, {0xdd15fe86affad912u, 0x49ef0eb713f39ebeu},
        {0x8a2dbf142dfcc7abu, 0x6e3569326c784337u}, {0xacb92ed9397bf996u, 0x49c2c37f07965404u},
        {0xd7e77a8f87daf7fbu, 0xdc33745ec97be906u}, {0x86f0ac99b4e8dafdu, 0x69a028bb3ded71a3u},
        {0xa8acd7c0222311bcu, 0xc40832ea0d68ce0cu}, {0xd2d80db02aabd62bu, 0xf50a3fa490c30190u},
        {0x83c7088e1aab65dbu, 0x792667c6da79e0fau}, {0xa4b8cab1a1563f52u, 0x577001b891185938u},
        {0xcde6fd5e09abcf26u, 0xed4c0226b55e6f86u}, {0x80b05e5ac60b6178u, 0x544f8158315b05b4u},
        {0xa0dc75f1778e39d6u, 0x696361ae3db1c721u}, {0xc913936dd571c84cu, 0x03bc3a19cd1e38e9u},
        {0xfb5878494ace3a5fu, 0x04ab48a04065c723u}, {0x9d174b2dcec0e47bu, 0x62eb0d64283f9c76u},
        {0xc45d1df942711d9au, 0x3ba5d0bd324f8394u}, {0xf5746577930d6500u, 0xca8f44ec7ee36479u},
        {0x9968bf6abbe85f20u, 0x7e998b13cf4e1ecbu}, {0xbfc2ef456ae276e8u, 0x9e3fedd8c321a67eu},
        {0xefb3ab16c59b14a2u, 0xc5cfe94ef3ea101eu}, {0x95d04aee3b80ece5u, 0xbba1f1d158724a12u},
        {0xbb445da9ca61281fu, 0x2a8a6e45ae8edc97u}, {0xea1575143cf97226u, 0xf52d09d71a3293bdu},
        {0x924d692ca61be758u, 0x593c2626705f9c56u}, {0xb6e0c377cfa2e12eu, 0x6f8b2fb00c77836cu},
        {0xe498f455c38b997au, 0x0b6dfb9c0f956447u}, {0x8edf98b59a373fecu, 0x4724bd4189bd5eacu},
        {0xb2977ee300c50fe7u, 0x58edec91ec2cb657u}, {0xdf3d5e9bc0f653e1u, 0x2f2967b66737e3edu},
        {0x8b865b215899f46cu, 0xbd79e0d20082ee74u}, {0xae67f1e9aec07187u, 0xecd8590680a3aa11u},
        {0xda01ee641a708de9u, 0xe80e6f4820cc9495u}, {0x884134fe908658b2u, 0x3109058d147fdcddu},
        {0xaa51823e34a7eedeu, 0xbd4b46f0599fd415u}, {0xd4e5e2cdc1d1ea96u, 0x6c9e18ac7007c91au},
        {0x850fadc09923329eu, 0x03e2cf6bc604ddb0u}, {0xa6539930bf6bff45u, 0x84db8346b786151cu},
        {0xcfe87f7cef46ff16u, 0xe612641865679a63u}, {0x81f14fae158c5f6eu, 0x4fcb7e8f3f60c07eu},
        {0xa26da3999aef7749u, 0xe3be5e330f38f09du}, {0xcb090c8001ab551cu, 0x5cadf5bfd3072cc5u},
        {0xfdcb4fa002162a63u, 0x73d9732fc7c8f7f6u}, {0x9e9f11c4014dda7eu, 0x2867e7fddcdd9afau},
        {0xc646d63501a1511du, 0xb281e1fd541501b8u}, {0xf7d88bc24209a565u, 0x1f225a7ca91a4226u},
        {0x9ae757596946075fu, 0x3375788de9b06958u}, {0xc1a12d2fc3978937u, 0x0052d6b1641c83aeu},
        {0xf209787bb47d6b84u, 0xc0678c5dbd23a49au}, {0x9745eb4d50ce6332u, 0xf840b7ba963646e0u},
        {0xbd176620a501fbffu, 0xb650e5a93bc3d898u}, {0xec5d3fa8ce427affu, 0xa3e51f138ab4cebeu},
        {0x93ba47c980e98cdfu, 0xc66f336c36b10137u}, {0xb8a8d9bbe123f017u, 0xb80b0047445d4184u},
        {0xe6d3102ad96cec1du, 0xa60dc059157491e5u}, {0x9043ea1ac7e41392u, 0x87c89837ad68db2fu},
        {0xb454e4a179dd1877u, 0x29babe4598c311fbu}, {0xe16a1dc9d8545e94u, 0xf4296dd6fef3d67au},
        {0x8ce2529e2734bb1du, 0x1899e4a65f58660cu}, {0xb01ae745b101e9e4u, 0x5ec05dcff72e7f8fu},
        {0xdc21a1171d42645du, 0x76707543f4fa1f73u}, {0x899504ae72497ebau, 0x6a06494a791c53a8u},
        {0xabfa45da0edbde69u, 0x0487db9d17636892u}, {0xd6f8d7509292d603u, 0x45a9d2845d3c42b6u},
        {0x865b86925b9bc5c2u, 0x0b8a2392ba45a9b2u}, {0xa7f26836f282b732u, 0x8e6cac7768d7141eu},
        {0xd1ef0244af2364ffu, 0x3207d795430cd926u}, {0x8335616aed761f1fu, 0x7f44e6bd49e807b8u},
        {0xa402b9c5a8d3a6e7u, 0x5f16206c9c6209a6u}, {0xcd036837130890a1u, 0x36dba887c37a8c0fu},
        {0x802221226be55a64u, 0xc2494954da2c9789u}, {0xa02aa96b06deb0fdu, 0xf2db9baa10b7bd6cu},
        {0xc83553c5c8965d3du, 0x6f92829494e5acc7u}, {0xfa42a8b73abbf48cu, 0xcb772339ba1f17f9u},
        {0x9c69a97284b578d7u, 0xff2a760414536efbu}, {0xc38413cf25e2d70du, 0xfef5138519684abau},
        {0xf46518c2ef5b8cd1u, 0x7eb258665fc25d69u}, {0x98bf2f79d5993802u, 0xef2f773ffbd97a61u},
        {0xbeeefb584aff8603u, 0xaafb550ffacfd8fau}, {0xeeaaba2e5dbf6784u, 0x95ba2a53f983cf38u},
        {0x952ab45cfa97a0b2u, 0xdd945a747bf26183u}, {0xba756174393d88dfu, 0x94f971119aeef9e4u},
        {0xe912b9d1478ceb17u, 0x7a37cd5601aab85du}, {0x91abb422ccb812eeu, 0xac62e055c10ab33au},
        {0xb616a12b7fe617aau, 0x577b986b314d6009u}, {0xe39c49765fdf9d94u, 0xed5a7e85fda0b80bu},
        {0x8e41ade9fbebc27du, 0x14588f13be847307u}, {0xb1d219647ae6b31cu, 0x596eb2d8ae258fc8u},
        {0xde469fbd99a05fe3u, 0x6fca5f8ed9aef3bbu}, {0x8aec23d680043beeu, 0x25de7bb9480d5854u},
        {0xada72ccc20054ae9u, 0xaf561aa79a10ae6au}, {0xd910f7ff28069da4u, 0x1b2ba1518094da04u},
        {0x87aa9aff79042286u, 0x90fb44d2f05d0842u}, {0xa99541bf57452b28u, 0x353a1607ac744a53u},
        {0xd3fa922f2d1675f2u, 0x42889b8997915ce8u}, {0x847c9b5d7c2e09b7u, 0x69956135febada11u},
        {0xa59bc234db398c25u, 0x43fab9837e699095u}, {0xcf02b2c21207ef2eu, 0x94f967e45e03f4bbu},
        {0x8161afb94b44f57du, 0x1d1be0eebac278f5u}, {0xa1ba1ba79e1632dcu, 0x6462d92a69731732u},
        {0xca28a291859bbf93u, 0x7d7b8f7503cfdcfeu}, {0xfcb2cb35e702af78u, 0x5cda735244c3d43eu},
        {0x9defbf01b061adabu, 0x3a0888136afa64a7u}, {0xc56baec21c7a1916u, 0x088aaa1845b8fdd0u},
        {0xf6c69a72a3989f5bu, 0x8aad549e57273d45u}, {0x9a3c2087a63f6399u, 0x36ac54e2f678864bu},
        {0xc0cb28a98fcf3c7fu, 0x84576a1bb416a7ddu}, {0xf0fdf2d3f3c30b9fu, 0x656d44a2a11c51d5u},
        {0x969eb7c47859e743u, 0x9f644ae5a4b1b325u}, {0xbc4665b596706114u, 0x873d5d9f0dde1feeu},
        {0xeb57ff22fc0c7959u, 0xa90cb506d155a7eau}, {0x9316ff75dd87cbd8u, 0x09a7f12442d588f2u},
        {0xb7dcbf5354e9beceu, 0x0c11ed6d538aeb2fu}, {0xe5d3ef282a242e81u, 0x8f1668c8a86da5fau},
        {0x8fa475791a569d10u, 0xf96e017d694487bcu}, {0xb38d92d760ec4455u, 0x37c981dcc395a9acu},
        {0xe070f78d3927556au, 0x85bbe253f47b1417u}, {0x8c469ab843b89562u, 0x93956d7478ccec8eu},
        {0xaf58416654a6babbu, 0x387ac8d1970027b2u}, {0xdb2e51bfe9d0696au, 0x06997b05fcc0319eu},
        {0x88fcf317f22241e2u, 0x441fece3bdf81f03u}, {0xab3c2fddeeaad25au, 0xd527e81cad7626c3u},
        {0xd60b3bd56a5586f1u, 0x8a71e223d8d3b074u}, {0x85c7056562757456u, 0xf6872d5667844e49u},
        {0xa738c6bebb12d16cu, 0xb428f8ac016561dbu}, {0xd106f86e69d785c7u, 0xe13336d701beba52u},
        {0x82a45b450226b39cu, 0xecc0024661173473u}, {0xa34d721642b06084u, 0x27f002d7f95d0190u},
        {0xcc20ce9bd35c78a5u, 0x31ec038df7b441f4u}, {0xff290242c83396ceu, 0x7e67047175a15271u},
        {0x9f79a169bd203e41u, 0x0f0062c6e984d386u}, {0xc75809c42c684dd1u, 0x52c07b78a3e60868u},
        {0xf92e0c3537826145u, 0xa7709a56ccdf8a82u}, {0x9bbcc7a142b17ccbu, 0x88a66076400bb691u},
        {0xc2abf989935ddbfeu, 0x6acff893d00ea435u}, {0xf356f7ebf83552feu, 0x0583f6b8c4124d43u},
        {0x98165af37b2153deu, 0xc3727a337a8b704au}, {0xbe1bf1b059e9a8d6u, 0x744f18c0592e4c5cu},
        {0xeda2ee1c7064130cu, 0x1162def06f79df73u}, {0x9485d4d1c63e8be7u, 0x8addcb5645ac2ba8u},
        {0xb9a74a0637ce2ee1u, 0x6d953e2bd7173692u}, {0xe8111c87c5c1ba99u, 0xc8fa8db6ccdd0437u},
        {0x910ab1d4db9914a0u, 0x1d9c9892400a22a2u}, {0xb54d5e4a127f59c8u, 0x2503beb6d00cab4bu},
        {0xe2a0b5dc971f303au, 0x2e44ae64840fd61du}, {0x8da471a9de737e24u, 0x5ceaecfed289e5d2u},
        {0xb10d8e1456105dadu, 0x7425a83e872c5f47u}, {0xdd50f1996b947518u, 0xd12f124e28f77719u},
        {0x8a5296ffe33cc92fu, 0x82bd6b70d99aaa6fu}, {0xace73cbfdc0bfb7bu, 0x636cc64d1001550bu},
        {0xd8210befd30efa5au, 0x3c47f7e05401aa4eu}, {0x8714a775e3e95c78u, 0x65acfaec34810a71u},
        {0xa8d9d1535ce3b396u, 0x7f1839a741a14d0du}, {0xd31045a8341ca07cu, 0x1ede48111209a050u},
        {0x83ea2b892091e44du, 0x934aed0aab460432u}, {0xa4e4b66b68b65d60u, 0xf81da84d5617853fu},
        {0xce1de40642e3f4b9u, 0x36251260ab9d668eu}, {0x80d2ae83e9ce78f3u, 0xc1d72b7c6b426019u},
        {0xa1075a24e4421730u, 0xb24cf65b8612f81fu}, {0xc94930ae1d529cfcu, 0xdee033f26797b627u},
        {0xfb9b7cd9a4a7443cu, 0x169840ef017da3b1u}, {0x9d412e0806e88aa5u, 0x8e1f289560ee864eu},
        {0xc491798a08a2ad4eu, 0xf1a6f2bab92a27e2u}, {0xf5b5d7ec8acb58a2u, 0xae10af696774b1dbu},
        {0x9991a6f3d6bf1765u, 0xacca6da1e0a8ef29u}, {0xbff610b0cc6edd3fu, 0x17fd090a58d32af3u},
        {0xeff394dcff8a948eu, 0xddfc4b4cef07f5b0u}, {0x95f83d0a1fb69cd9u, 0x4abdaf101564f98eu},
        {0xbb764c4ca7a4440fu, 0x9d6d1ad41abe37f1u}, {0xea53df5fd18d5513u, 0x84c86189216dc5edu},
        {0x92746b9be2f8552cu, 0x32fd3cf5b4e49bb4u}, {0xb7118682dbb66a77u, 0x3fbc8c33221dc2a1u},
        {0xe4d5e82392a40515u, 0x0fabaf3feaa5334au}, {0x8f05b1163ba6832du, 0x29cb4d87f2a7400eu},
        {0xb2c71d5bca9023f8u, 0x743e20e9ef511012u}, {0xdf78e4b2bd342cf6u, 0x914da9246b255416u},
        {0x8bab8eefb6409c1au, 0x1ad089b6c2f7548eu}, {0xae9672aba3d0c320u, 0xa184ac2473b529b1u},
        {0xda3c0f568cc4f3e8u, 0xc9e5d72d90a2741eu}, {0x8865899617fb1871u, 0x7e2fa67c7a658892u},
        {0xaa7eebfb9df9de8du, 0xddbb901b98feeab7u}, {0xd51ea6fa85785631u, 0x552a74227f3ea565u},
        {0x8533285c936b35deu, 0xd53a88958f87275fu}, {0xa67ff273b8460356u, 0x8a892abaf368f137u},
        {0xd01fef10a657842cu, 0x2d2b7569b0432d85u}, {0x8213f56a67f6b29bu, 0x9c3b29620e29fc73u},
        {0xa298f2c501f45f42u, 0x8349f3ba91b47b8fu}, {0xcb3f2f7642717713u, 0x241c70a936219a73u},
        {0xfe0efb53d30dd4d7u, 0xed238cd383aa0110u}, {0x9ec95d1463e8a506u, 0xf4363804324a40aau},
        {0xc67bb4597ce2ce48u, 0xb143c6053edcd0d5u}, {0xf81aa16fdc1b81dau, 0xdd94b7868e94050au},
        {0x9b10a4e5e9913128u, 0xca7cf2b4191c8326u}, {0xc1d4ce1f63f57d72u, 0xfd1c2f611f63a3f0u},
        {0xf24a01a73cf2dccfu, 0xbc633b39673c8cecu}, {0x976e41088617ca01u, 0xd5be0503e085d813u},
        {0xbd49d14aa79dbc82u, 0x4b2d8644d8a74e18u}, {0xec9c459d51852ba2u, 0xddf8e7d60ed1219eu},
        {0x93e1ab8252f33b45u, 0xcabb90e5c942b503u}, {0xb8da1662e7b00a17u, 0x3d6a751f3b936243u},
        {0xe7109bfba19c0c9du, 0x0cc512670a783ad4u}, {0x906a617d450187e2u, 0x27fb2b80668b24c5u},
        {0xb484f9dc9641e9dau, 0xb1f9f660802dedf6u}, {0xe1a63853bbd26451u, 0x5e7873f8a0396973u},
        {0x8d07e33455637eb2u, 0xdb0b487b6423e1e8u}, {0xb049dc016abc5e5fu, 0x91ce1a9a3d2cda62u},
        {0xdc5c5301c56b75f7u, 0x7641a140cc7810fbu}, {0x89b9b3e11b6329bau, 0xa9e904c87fcb0a9du},
        {0xac2820d9623bf429u, 0x546345fa9fbdcd44u}, {0xd732290fbacaf133u, 0xa97c177947ad4095u},
        {0x867f59a9d4bed6c0u, 0x49ed8eabcccc485du}, {0xa81f301449ee8c70u, 0x5c68f256bfff5a74u},
        {0xd226fc195c6a2f8cu, 0x73832eec6fff3111u}, {0x83585d8fd9c25db7u, 0xc831fd53c5ff7eabu},
        {0xa42e74f3d032f525u, 0xba3e7ca8b77f5e55u}, {0xcd3a1230c43fb26fu, 0x28ce1bd2e55f35ebu},
        {0x80444b5e7aa7cf85u, 0x7980d163cf5b81b3u}, {0xa0555e361951c366u, 0xd7e105bcc332621fu},
        {0xc86ab5c39fa63440u, 0x8dd9472bf3fefaa7u}, {0xfa856334878fc150u, 0xb14f98f6f0feb951u},
        {0x9c935e00d4b9d8d2u, 0x6ed1bf9a569f33d3u}, {0xc3b8358109e84f07u, 0x0a862f80ec4700c8u},
        {0xf4a642e14c6262c8u, 0xcd27bb612758c0fau}, {0x98e7e9cccfbd7dbdu, 0x8038d51cb897789cu},
        {0xbf21e44003acdd2cu, 0xe0470a63e6bd56c3u}, {0xeeea5d5004981478u, 0x1858ccfce06cac74u},
        {0x95527a5202df0ccbu, 0x0f37801e0c43ebc8u}, {0xbaa718e68396cffdu, 0xd30560258f54e6bau},
        {0xe950df20247c83fdu, 0x47c6b82ef32a2069u}, {0x91d28b7416cdd27eu, 0x4cdc331d57fa5441u},
        {0xb6472e511c81471du, 0xe0133fe4adf8e952u}, {0xe3d8f9e563a198e5u, 0x58180fddd97723a6u},
        {0x8e679c2f5e44ff8fu, 0x570f09eaa7ea7648u}, {0xb201833b35d63f73u, 0x2cd2cc6551e513dau},
        {0xde81e40a034bcf4fu, 0xf8077f7ea65e58d1u}, {0x8b112e86420f6191u, 0xfb04afaf27faf782u},
        {0xadd57a27d29339f6u, 0x79c5db9af1f9b563u}, {0xd94ad8b1c7380874u, 0x18375281ae7822bcu},
        {0x87cec76f1c830548u, 0x8f2293910d0b15b5u}, {0xa9c2794ae3a3c69au, 0xb2eb3875504ddb22u},
        {0xd433179d9c8cb841u, 0x5fa60692a46151ebu}, {0x849feec281d7f328u, 0xdbc7c41ba6bcd333u},
        {0xa5c7ea73224deff3u, 0x12b9b522906c0800u}, {0xcf39e50feae16befu, 0xd768226b34870a00u},
        {0x81842f29f2cce375u, 0xe6a1158300d46640u}, {0xa1e53af46f801c53u, 0x60495ae3c1097fd0u},
        {0xca5e89b18b602368u, 0x385bb19cb14bdfc4u}, {0xfcf62c1dee382c42u, 0x46729e03dd9ed7b5u},
        {0x9e19db92b4e31ba9u, 0x6c07a2c26a8346d1u},
};

/* floor(q * log10(2)), floor(log10(3/4 * 2^q)) and floor(e * log2(10)), exact for |q| < 2000. */
static int floor_log10_pow2(int q) {
        return (int) (((int64_t) q * 661971961083) >> 41);
}

static int floor_log10_three_quarters_pow2(int q) {
        return (int) (((int64_t) q * 661971961083 - 274743187321) >> 41);
}

static int floor_log2_pow10(int e) {
        return (int) (((int64_t) e * 913124641741) >> 38);
}

/* A decimal f * 10^e. */
typedef struct Decimal {
        uint64_t f;
        int e;
} Decimal;

/*
 * Schubfach's r_o': floor(g * cp / 2^64) / 2^63 rounded to odd, i.e. the integer part with its
 * lowest bit set when the 63 bits below it are not all zero. The 64 bits below those are
 * dropped on purpose: they hold nothing but g's excess over the true power of ten, which must
 * not make an exactly representable boundary look inexact (7e22 is the lower end of its
 * double's interval). That keeps every comparison with integers exact.
 */
static uint64_t round_to_odd(u128 g, uint64_t cp) {
        u128 low = (u128) (uint64_t) g * cp;
        u128 mid = (u128) (uint64_t) (g >> 64) * cp + (uint64_t) (low >> 64);
        uint64_t sticky = (uint64_t) mid & (((uint64_t) 1 << 63) - 1);

        return (uint64_t) (mid >> 63) | (sticky != 0);
}

/* Removes the trailing zeros of f != 0 into the exponent. */
static Decimal strip_zeros(uint64_t f, int e) {
        while (f % 10000 == 0) {
                f /= 10000;
                e += 4;
        }
        while (f % 10 == 0) {
                f /= 10;
                e++;
        }
        return (Decimal){f, e};
}

/*
 * The shortest decimal in the rounding interval of the positive finite double with these bits
 * (the closest one to it when there are several, the even one on a tie), trailing zeros
 * removed. This is Giulietti's Schubfach: with k = floor(log10(ulp)) the interval holds at
 * least one multiple of 10^k and at most one of 10^(k+1), so the answer is one of the two
 * multiples of 10^(k+1) around v, or else one of the two multiples of 10^k around it. All
 * values are scaled by 4 so the interval ends are integers.
 */
static Decimal shortest_decimal(uint64_t bits) {
        uint64_t frac = bits & (((uint64_t) 1 << 52) - 1);
        int biased = (int) (bits >> 52);
        uint64_t c;
        int q;

        if (biased != 0) {
                c = frac | ((uint64_t) 1 << 52);
                q = biased - 1075;
                /* an integer below 2^53 is its own shortest form */
                if (q <= 0 && q > -53 && (c & (((uint64_t) 1 << -q) - 1)) == 0)
                        return strip_zeros(c >> -q, 0);
        } else {
                c = frac;
                q = -1074;
        }

        uint64_t cb = c << 2, cbr = cb + 2, cbl;
        int k;
        if (frac != 0 || biased <= 1) {
                cbl = cb - 2;
                k = floor_log10_pow2(q);
        } else {
                /* at a power of two the gap below is half the gap above */
                cbl = cb - 1;
                k = floor_log10_three_quarters_pow2(q);
        }
        int h = q + floor_log2_pow10(-k) + 2;
        const uint64_t *t = pow10_128[-k - POW10_128_MIN];
        u128 g = ((((u128) t[0] << 64) | t[1]) >> 2) + 1;

        uint64_t vb = round_to_odd(g, cb << h);
        uint64_t vbl = round_to_odd(g, cbl << h);
        uint64_t vbr = round_to_odd(g, cbr << h);
        uint64_t out = c & 1; /* an odd significand's interval excludes its ends */
        uint64_t s = vb >> 2;

        /*
         * Java's Schubfach skips this below 100 as it always prints two digits; we want "5e-323",
         * not "4.9e-323", for the subnormals where s has only two digits.
         */
        if (s >= 10) {
                uint64_t sp10 = s / 10 * 10, tp10 = sp10 + 10;
                bool u_in = vbl + out <= sp10 << 2;
                bool w_in = (tp10 << 2) + out <= vbr;
                if (u_in != w_in)
                        return strip_zeros(u_in ? sp10 : tp10, k);
        }
        uint64_t t1 = s + 1;
        bool u_in = vbl + out <= s << 2;
        bool w_in = (t1 << 2) + out <= vbr;
        if (u_in != w_in)
                return strip_zeros(u_in ? s : t1, k);
        int64_t cmp = (int64_t) (vb - ((s + t1) << 1));
        return strip_zeros(cmp < 0 || (cmp == 0 && (s & 1) == 0) ? s : t1, k);
}

/*
 * Lays out the digits of f (no trailing zeros) times 10^e as %.15g would: fixed notation for
 * decimal exponents -4..14 ("0.0001", "300", "123456.789"), scientific otherwise ("1e-05",
 * "1.5e+16"), never a trailing ".0".
 */
static size_t layout_decimal(char *buf, bool negative, uint64_t f, int e) {
        char digits[20];
        char *p = buf;
        int n = n_decimal_digits(f);
        int x = e + n - 1;

        write_digits(digits + n, f);
        if (negative)
                *p++ = '-';
        if (x < -4 || x >= SHORTEST_SCI_EXP) {
                *p++ = digits[0];
                if (n > 1) {
                        *p++ = '.';
                        memcpy(p, digits + 1, (size_t) n - 1);
                        p += n - 1;
                }
                p = write_exponent(p, x);
        } else if (x >= n - 1) {
                memcpy(p, digits, (size_t) n);
                memset(p + n, '0', (size_t) (x - n + 1));
                p += x + 1;
        } else if (x >= 0) {
                memcpy(p, digits, (size_t) x + 1);
                p[x + 1] = '.';
                memcpy(p + x + 2, digits + x + 1, (size_t) (n - x - 1));
                p += n + 1;
        } else {
                p[0] = '0';
                p[1] = '.';
                memset(p + 2, '0', (size_t) (-x - 1));
                memcpy(p + 1 - x, digits, (size_t) n);
                p += 1 - x + n;
        }
        *p = '\0';
        return (size_t) (p - buf);
}

static size_t format_special(char *buf, double v) {
        const char *s = isnan(v) ? "NaN" : isinf(v) ? (v > 0 ? "Infinity" : "-Infinity") : "0.0";
        size_t n = strlen(s);

        memcpy(buf, s, n + 1);
        return n;
}

/**
 * num_format_shortest() - the shortest decimal that reads back as exactly v.
 * @buf: NUM_BUF_SIZE bytes.
 * @v: the value.
 *
 * The digits are the shortest that a correctly rounded parser maps back to v (the closest to v
 * among several, as Schubfach picks them). They are laid out as %.15g lays out numbers, which
 * is xcp-rrdd's format: fixed notation for decimal exponents -4..14, scientific beyond, so a
 * value that needs at most 15 digits prints exactly as xcp-rrdd prints it ("0.5", "300",
 * "1e-05", "1.5e+16", "123456.789"). Zero prints "0.0", NaN "NaN", the infinities "Infinity"
 * and "-Infinity".
 *
 * Return: the length written, not counting the NUL.
 */
size_t num_format_shortest(char *buf, double v) {
        uint64_t bits = double_bits(v);

        if (!isfinite(v) || v == 0.0)
                return format_special(buf, v);
        Decimal d = shortest_decimal(bits & ~((uint64_t) 1 << 63));
        return layout_decimal(buf, bits >> 63, d.f, d.e);
}

/* ---- correctly rounded parser (Clinger, Eisel-Lemire, strtod_l) ------------------------------ */

static const double exact_pow10[23] = {
        1e0,  1e1,  1e2,  1e3,  1e4,  1e5,  1e6,  1e7,  1e8,  1e9,  1e10, 1e11,
        1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22,
};

/*
 * w * 10^q rounded to nearest-even, when that can be decided from a 128-bit product; false
 * when it cannot (then the caller asks strtod_l). w != 0.
 */
static bool decimal_to_double(uint64_t w, int64_t q, double *ret) {
        if (q < POW10_128_MIN) {
                /* w < 2^64 makes the value < 2^-1075, half the smallest subnormal */
                *ret = 0.0;
                return true;
        }
        if (q > 308) {
                *ret = HUGE_VAL;
                return true;
        }
        /* Clinger: both operands exact, so the one rounding of * or / is the answer */
        if (w <= ((uint64_t) 1 << 53) && q >= -22 && q <= 22) {
                *ret = q < 0 ? (double) w / exact_pow10[-q] : (double) w * exact_pow10[q];
                return true;
        }

        /*
         * Eisel-Lemire. w (shifted left so its top bit is set) times the 128-bit 10^q gives the
         * leading bits of the value; the 64 high bits of the first 64x128 partial product hold
         * the 53-bit significand, the rounding bit and 9 or 10 bits below. The table entry is
         * truncated, so the true product is a little larger: only when those low bits are all
         * ones can the missing part carry into the rounding bit, and only then is the second
         * partial product needed.
         */
        int lz = __builtin_clzll(w);
        uint64_t wn = w << lz;
        const uint64_t *t = pow10_128[q - POW10_128_MIN];
        u128 p = (u128) wn * t[0];
        uint64_t hi = (uint64_t) (p >> 64), lo = (uint64_t) p;

        if ((hi & 0x1ff) == 0x1ff && lo + wn < lo) {
                uint64_t hi2 = (uint64_t) (((u128) wn * t[1]) >> 64);
                lo += hi2;
                hi += lo < hi2;
                if ((hi & 0x1ff) == 0x1ff && lo == UINT64_MAX)
                        return false;
        }
        /*
         * For q in 0..27 the entry is 5^q exactly with a zero low word, so (hi, lo) is the exact
         * product and a remainder of zero is a true tie. Otherwise the true value lies strictly
         * above what we computed, so an apparent tie must round up.
         */
        bool exact = q >= 0 && q <= 27;
        int upper = (int) (hi >> 63);
        int e_hi = floor_log2_pow10((int) q) + 1 - lz; /* value ~ hi * 2^e_hi */
        int e = e_hi + upper + 10;                     /* exponent of the significand's unit */
        int sh = upper + 10;
        if (e < -1074) {
                sh += -1074 - e;
                e = -1074;
        }

        uint64_t m;
        if (sh > 64)
                m = 0;
        else {
                uint64_t half = (uint64_t) 1 << (sh - 1);
                uint64_t rest = (hi & (half - 1)) | lo | !exact;
                m = sh == 64 ? 0 : hi >> sh;
                if ((hi & half) && (rest != 0 || (m & 1)))
                        m++;
        }
        uint64_t b = ((uint64_t) (e + 1074) << 52) + m;
        *ret = b >= 0x7ff0000000000000u ? HUGE_VAL : bits_double(b);
        return true;
}

static locale_t c_locale(void) {
        static _Atomic(locale_t) cached;
        locale_t loc = atomic_load_explicit(&cached, memory_order_acquire), expected = NULL;

        if (loc)
                return loc;
        loc = newlocale(LC_ALL_MASK, "C", (locale_t) 0);
        if (!loc)
                return NULL;
        if (!atomic_compare_exchange_strong(&cached, &expected, loc)) {
                freelocale(loc);
                loc = expected;
        }
        return loc;
}

/* The slow exact answer: glibc's strtod in the C locale on a NUL-terminated copy. */
static int parse_with_strtod(const char *s, size_t len, double *ret) {
        char stack[128];
        char *tmp = len < sizeof(stack) ? stack : malloc(len + 1);
        locale_t loc = c_locale();

        if (!tmp || !loc) {
                if (tmp != stack)
                        free(tmp);
                return -ENOMEM;
        }
        memcpy(tmp, s, len);
        tmp[len] = '\0';
        *ret = strtod_l(tmp, NULL, loc);
        if (tmp != stack)
                free(tmp);
        return 0;
}

static int parse_special(const char *s, size_t len, double *ret) {
        size_t i = 0;
        bool negative = false;

        if (i < len && (s[i] == '-' || s[i] == '+'))
                negative = s[i++] == '-';
        if (len - i == 3 && strncasecmp(s + i, "nan", 3) == 0) {
                *ret = negative ? -(double) NAN : (double) NAN;
                return 0;
        }
        if ((len - i == 3 && strncasecmp(s + i, "inf", 3) == 0) ||
            (len - i == 8 && strncasecmp(s + i, "infinity", 8) == 0)) {
                *ret = negative ? -HUGE_VAL : HUGE_VAL;
                return 0;
        }
        return -EINVAL;
}

/**
 * num_parse_double() - a correctly rounded decimal parser, without locale.
 * @s: the text (no NUL needed).
 * @len: its length.
 * @ret: the value.
 *
 * Accepts [+|-] digits [. [digits]] [e|E [+|-] digits], or [+|-] . digits [exponent], and the
 * spellings nan, inf and infinity in any case with an optional sign; nothing else, not even
 * surrounding whitespace. The result is what glibc's strtod() returns for the same text (±inf
 * beyond the range, ±0.0 below it). Up to 19 significant digits are handled without strtod:
 * exactly with double arithmetic when the digits and the power of ten are both exact
 * (Clinger's fast path), otherwise from a 128-bit product (Eisel-Lemire). Longer inputs are
 * truncated to 19 digits and accepted when the truncated value and its successor round alike.
 * The rare undecidable cases go to strtod_l() in the C locale.
 *
 * Return: 0; -EINVAL unless all of the text is a number; -ENOMEM if the fallback could not
 * allocate.
 */
int num_parse_double(const char *s, size_t len, double *ret) {
        size_t i = 0;
        bool negative = false, any_digit = false, truncated = false;
        uint64_t w = 0;
        int n_sig = 0;
        int64_t q = 0;

        if (i < len && (s[i] == '-' || s[i] == '+'))
                negative = s[i++] == '-';
        if (i < len && !is_digit(s[i]) && s[i] != '.')
                return parse_special(s, len, ret);

        /* keep the first 19 significant digits in w; q counts what the point and the rest do */
        for (; i < len && is_digit(s[i]); i++) {
                any_digit = true;
                if (n_sig < 19) {
                        w = w * 10 + (uint64_t) (s[i] - '0');
                        n_sig += w != 0;
                } else {
                        q++;
                        truncated |= s[i] != '0';
                }
        }
        if (i < len && s[i] == '.')
                for (i++; i < len && is_digit(s[i]); i++) {
                        any_digit = true;
                        if (n_sig < 19) {
                                w = w * 10 + (uint64_t) (s[i] - '0');
                                n_sig += w != 0;
                                q--;
                        } else
                                truncated |= s[i] != '0';
                }
        if (!any_digit)
                return -EINVAL;
        if (i < len && (s[i] == 'e' || s[i] == 'E')) {
                bool exp_negative = false;
                int64_t e = 0;

                i++;
                if (i < len && (s[i] == '-' || s[i] == '+'))
                        exp_negative = s[i++] == '-';
                if (i >= len || !is_digit(s[i]))
                        return -EINVAL;
                /*
                 * Capped at 10^15: a larger exponent outweighs every digit and leading zero a
                 * text in memory can hold, so the value is 0 or inf either way.
                 */
                for (; i < len && is_digit(s[i]); i++)
                        if (e < 1000000000000000)
                                e = e * 10 + (s[i] - '0');
                q += exp_negative ? -e : e;
        }
        if (i != len)
                return -EINVAL;

        double v = 0.0, v_next;
        if (w != 0) {
                bool ok = decimal_to_double(w, q, &v);
                /* the truncated digits put the value between w and w + 1 (times 10^q) */
                if (ok && truncated)
                        ok = decimal_to_double(w + 1, q, &v_next) && v_next == v;
                if (!ok)
                        return parse_with_strtod(s, len, ret);
        }
        *ret = negative ? -v : v;
        return 0;
}

/* w * 10^j correctly rounded, through strtod_l() when the 128-bit product cannot decide. */
static double decimal_to_double_exact(uint64_t w, int j) {
        char text[NUM_BUF_SIZE];
        size_t n;
        double r;

        if (decimal_to_double(w, j, &r))
                return r;
        n = num_format_u64(text, w);
        text[n++] = 'e';
        n += num_format_i64(text + n, j);
        if (parse_with_strtod(text, n, &r) < 0)
                return (double) NAN;
        return r;
}

/* ---- shortest for both parsers ----------------------------------------------------------------
 */

/* Whether rrdtool's parser reads the text back as exactly v. */
static bool rrd_reads_back(const char *buf, double v) {
        const char *end;
        double r = num_rrd_strtod(buf, &end);

        return *end == '\0' && double_bits(r) == double_bits(v);
}

/*
 * Tries the decimals m * 10^j with exactly L significant digits (m in [10^(L-1), 10^L)) that
 * a correct parser reads as v, starting at m0 and walking outwards (dir > 0 only up, dir < 0
 * only down, 0 both ways, nearest first) until the rounding interval ends. Returns the length
 * of the first layout rrdtool also reads as v, or 0.
 */
static size_t try_candidates(char *buf, double v, bool negative, int L, int j, uint64_t m0,
                             int dir) {
        double a = fabs(v), r;
        uint64_t lo = pow10_u64[L - 1], hi = pow10_u64[L] - 1;
        bool up = dir >= 0, down = dir <= 0;

        for (uint64_t step = 0; up || down; step++) {
                for (int side = 0; side < 2; side++) {
                        bool *alive = side == 0 ? &up : &down;
                        if (!*alive || (step == 0 && side == 1 && dir == 0))
                                continue;
                        uint64_t m = side == 0 ? m0 + step : m0 - step;
                        if ((side == 0 && m > hi) || (side == 1 && (step > m0 || m < lo)) ||
                            (r = decimal_to_double_exact(m, j), r != a)) {
                                *alive = false;
                                continue;
                        }
                        /* trailing zeros make it a shorter decimal, tried already */
                        if (m % 10 == 0)
                                continue;
                        size_t len = layout_decimal(buf, negative, m, j);
                        if (rrd_reads_back(buf, v))
                                return len;
                }
        }
        return 0;
}

/**
 * num_format_rrd_exact() - the shortest decimal both a correct parser and rrdtool read as v.
 * @buf: NUM_BUF_SIZE bytes.
 * @v: the value.
 *
 * Our archives are read back by us (correctly rounded) and by `rrdtool restore`
 * (num_rrd_strtod(), which is not). The shortest round-trip string satisfies both for most
 * values; otherwise this tries, by increasing number of significant digits up to 17, the other
 * decimals inside v's rounding interval, nearest to the shortest one first, laid out as
 * num_format_shortest() lays them out (the layout matters to rrdtool's parser). When none of
 * them works, which happens mostly at extreme exponents where rrdtool's scaling is several
 * ulps off, the shortest round-trip string is returned. Zero, NaN and the infinities print as
 * in num_format_shortest().
 *
 * Return: the length written, not counting the NUL.
 */
size_t num_format_rrd_exact(char *buf, double v) {
        uint64_t bits = double_bits(v);
        bool negative = bits >> 63;

        if (!isfinite(v) || v == 0.0)
                return format_special(buf, v);
        Decimal d = shortest_decimal(bits & ~((uint64_t) 1 << 63));
        size_t len = layout_decimal(buf, negative, d.f, d.e);
        if (rrd_reads_back(buf, v))
                return len;

        int n = n_decimal_digits(d.f), x = d.e + n - 1;
        for (int L = n; L <= 17; L++) {
                int j = x - L + 1;
                /* the shortest itself was tried above; longer ones start from it padded */
                len = try_candidates(buf, v, negative, L, j, d.f * pow10_u64[L - n], 0);
                /* just below 10^x the digits count from one place further right ... */
                if (!len)
                        len = try_candidates(buf, v, negative, L, j - 1, pow10_u64[L] - 1, -1);
                /* ... and from 10^(x+1) one place further left */
                if (!len)
                        len = try_candidates(buf, v, negative, L, j + 1, pow10_u64[L - 1], 1);
                if (len)
                        return len;
        }
        return layout_decimal(buf, negative, d.f, d.e);
}

/* ---- integers ----------------------------------------------------------------------------------
 */

size_t num_format_u64(char *buf, uint64_t v) {
        int n = n_decimal_digits(v);

        write_digits(buf + n, v);
        buf[n] = '\0';
        return (size_t) n;
}

size_t num_format_i64(char *buf, int64_t v) {
        if (v >= 0)
                return num_format_u64(buf, (uint64_t) v);
        buf[0] = '-';
        return 1 + num_format_u64(buf + 1, (uint64_t) 0 - (uint64_t) v);
}

int num_parse_u64(const char *s, size_t len, uint64_t *ret) {
        uint64_t v = 0;

        if (len == 0)
                return -EINVAL;
        for (size_t i = 0; i < len; i++) {
                if (!is_digit(s[i]))
                        return -EINVAL;
                unsigned d = (unsigned) (s[i] - '0');
                if (v > (UINT64_MAX - d) / 10)
                        return -ERANGE;
                v = v * 10 + d;
        }
        *ret = v;
        return 0;
}

int num_parse_i64(const char *s, size_t len, int64_t *ret) {
        uint64_t mag;
        bool negative = false;
        int r;

        if (len > 0 && s[0] == '-') {
                negative = true;
                s++;
                len--;
        }
        r = num_parse_u64(s, len, &mag);
        if (r < 0)
                return r;
        if (negative) {
                if (mag > (uint64_t) INT64_MAX + 1)
                        return -ERANGE;
                *ret = (int64_t) ((uint64_t) 0 - mag);
        } else {
                if (mag > (uint64_t) INT64_MAX)
                        return -ERANGE;
                *ret = (int64_t) mag;
        }
        return 0;
}
