/* SPDX-License-Identifier: Apache-2.0 */
/*
 * sha512.h - SHA-512 (FIPS 180-4).
 *
 * The reference plugins name chains, devices and container IDs from a
 * SHA-512 of their inputs; we need the same digest to produce the same
 * names, and nothing else needs a crypto library.
 */
#pragma once

#include <stddef.h>
#include <stdint.h>

#define SHA512_DIGEST_SIZE 64

void sha512(const void *data, size_t len, uint8_t out[SHA512_DIGEST_SIZE]);
/* Lower-case hex of the first n bytes of the digest into buf (2n+1 bytes). */
char *sha512_hex(const void *data, size_t len, size_t n, char *buf);
