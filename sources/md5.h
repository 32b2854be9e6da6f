#pragma once
/* SPDX-License-Identifier: MIT */
/*
 * MD5 (RFC 1321). Only for the checksum field of xcp-rrdd's protocol-v1 plugin files, which
 * guards against torn reads, not against an adversary.
 */

#include <stddef.h>
#include <stdint.h>

#define MD5_DIGEST_SIZE 16

/* A running digest: feed it with md5_update(), read it out once with md5_final(). */
typedef struct Md5 {
        uint32_t state[4];
        uint64_t n_bytes;  /* message length so far, in bytes */
        uint8_t block[64]; /* the partial block not yet compressed */
} Md5;

void md5_init(Md5 *m);
void md5_update(Md5 *m, const void *data, size_t size);
void md5_final(Md5 *m, uint8_t ret_digest[MD5_DIGEST_SIZE]);
void md5_buffer(const void *data, size_t size, uint8_t ret_digest[MD5_DIGEST_SIZE]);
