/* SPDX-License-Identifier: MIT */
/*
 * MD5 as RFC 1321 defines it: 64-byte blocks, four rounds of sixteen steps over a 128-bit state,
 * little-endian words, the message padded with 0x80, zeros and its bit length.
 */

#include "sources/md5.h"

#include <string.h>

/* Per-step additive constants: the integer part of 2^32 * |sin(i + 1)|, i = 0..63. */
static const uint32_t md5_k[64] = {
        0xd76aa478, 0xe8c7b756, 0x242070db, 0xc1bdceee, 0xf57c0faf, 0x4787c62a, 0xa8304613,
        0xfd469501, 0x698098d8, 0x8b44f7af, 0xffff5bb1, 0x895cd7be, 0x6b901122, 0xfd987193,
        0xa679438e, 0x49b40821, 0xf61e2562, 0xc040b340, 0x265e5a51, 0xe9b6c7aa, 0xd62f105d,
        0x02441453, 0xd8a1e681, 0xe7d3fbc8, 0x21e1cde6, 0xc33707d6, 0xf4d50d87, 0x455a14ed,
        0xa9e3e905, 0xfcefa3f8, 0x676f02d9, 0x8d2a4c8a, 0xfffa3942, 0x8771f681, 0x6d9d6122,
        0xfde5380c, 0xa4beea44, 0x4bdecfa9, 0xf6bb4b60, 0xbebfbc70, 0x289b7ec6, 0xeaa127fa,
        0xd4ef3085, 0x04881d05, 0xd9d4d039, 0xe6db99e5, 0x1fa27cf8, 0xc4ac5665, 0xf4292244,
        0x432aff97, 0xab9423a7, 0xfc93a039, 0x655b59c3, 0x8f0ccc92, 0xffeff47d, 0x85845dd1,
        0x6fa87e4f, 0xfe2ce6e0, 0xa3014314, 0x4e0811a1, 0xf7537e82, 0xbd3af235, 0x2ad7d2bb,
        0xeb86d391,
};

/* Left-rotation amounts: four per round, repeated four times within the round. */
static const uint8_t md5_shift[4][4] = {
        {7, 12, 17, 22},
        {5, 9, 14, 20},
        {4, 11, 16, 23},
        {6, 10, 15, 21},
};

static inline uint32_t rotl32(uint32_t x, unsigned n) {
        return (x << n) | (x >> (32 - n));
}

static void md5_compress(uint32_t state[4], const uint8_t block[64]) {
        uint32_t w[16], a = state[0], b = state[1], c = state[2], d = state[3];

        for (unsigned i = 0; i < 16; i++)
                w[i] = (uint32_t) block[4 * i] | (uint32_t) block[4 * i + 1] << 8 |
                       (uint32_t) block[4 * i + 2] << 16 | (uint32_t) block[4 * i + 3] << 24;

        for (unsigned i = 0; i < 64; i++) {
                unsigned round = i / 16, g;
                uint32_t f;

                /* Each round has its own mixing function and its own word order. */
                switch (round) {
                case 0:
                        f = (b & c) | (~b & d);
                        g = i;
                        break;
                case 1:
                        f = (b & d) | (c & ~d);
                        g = (5 * i + 1) % 16;
                        break;
                case 2:
                        f = b ^ c ^ d;
                        g = (3 * i + 5) % 16;
                        break;
                default:
                        f = c ^ (b | ~d);
                        g = (7 * i) % 16;
                        break;
                }
                f += a + md5_k[i] + w[g];
                a = d;
                d = c;
                c = b;
                b += rotl32(f, md5_shift[round][i % 4]);
        }

        state[0] += a;
        state[1] += b;
        state[2] += c;
        state[3] += d;
}

/**
 * md5_init() - start a new digest
 * @m: the digest state to (re)initialise
 */
void md5_init(Md5 *m) {
        m->state[0] = 0x67452301;
        m->state[1] = 0xefcdab89;
        m->state[2] = 0x98badcfe;
        m->state[3] = 0x10325476;
        m->n_bytes = 0;
}

/**
 * md5_update() - feed bytes into a digest
 * @m: the digest state
 * @data: the bytes
 * @size: how many, in bytes (0 is fine)
 */
void md5_update(Md5 *m, const void *data, size_t size) {
        const uint8_t *p = data;
        size_t used = (size_t) (m->n_bytes % 64);

        m->n_bytes += size;
        if (used > 0) {
                size_t take = 64 - used < size ? 64 - used : size;
                memcpy(m->block + used, p, take);
                p += take;
                size -= take;
                if (used + take < 64)
                        return;
                md5_compress(m->state, m->block);
        }
        for (; size >= 64; p += 64, size -= 64)
                md5_compress(m->state, p);
        if (size > 0)
                memcpy(m->block, p, size);
}

/**
 * md5_final() - finish a digest
 * @m: the digest state; it must be re-initialised before further use
 * @ret_digest: where the 16-byte digest goes
 */
void md5_final(Md5 *m, uint8_t ret_digest[MD5_DIGEST_SIZE]) {
        uint64_t n_bits = m->n_bytes * 8;
        size_t used = (size_t) (m->n_bytes % 64);

        /* One 0x80 byte, zeros up to 56 mod 64, then the length in bits, little-endian. */
        m->block[used++] = 0x80;
        if (used > 56) {
                memset(m->block + used, 0, 64 - used);
                md5_compress(m->state, m->block);
                used = 0;
        }
        memset(m->block + used, 0, 56 - used);
        for (unsigned i = 0; i < 8; i++)
                m->block[56 + i] = (uint8_t) (n_bits >> (8 * i));
        md5_compress(m->state, m->block);

        for (unsigned i = 0; i < 4; i++)
                for (unsigned j = 0; j < 4; j++)
                        ret_digest[4 * i + j] = (uint8_t) (m->state[i] >> (8 * j));
}

/**
 * md5_buffer() - digest of one contiguous buffer
 * @data: the bytes
 * @size: how many, in bytes
 * @ret_digest: where the 16-byte digest goes
 */
void md5_buffer(const void *data, size_t size, uint8_t ret_digest[MD5_DIGEST_SIZE]) {
        Md5 m;

        md5_init(&m);
        md5_update(&m, data, size);
        md5_final(&m, ret_digest);
}
