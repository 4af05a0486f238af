/* SPDX-License-Identifier: Apache-2.0 */
/*
 * ip.h - IPv4/IPv6 addresses and prefixes, and the arithmetic on them.
 *
 * Owns: struct ip_addr and struct ip_prefix, their text forms (the same
 * canonical forms Go's net package prints, so file names and JSON match the
 * reference implementation), and 128-bit offset arithmetic used by IPAM and
 * subnet allocation.
 */
#pragma once

#include <netinet/in.h>
#include <stdbool.h>
#include <stdint.h>

#define IP_ADDR_STRLEN INET6_ADDRSTRLEN
#define IP_PREFIX_STRLEN (INET6_ADDRSTRLEN + 4)

struct ip_addr {
	int family; /* AF_INET, AF_INET6, or 0 when unset */
	union {
		struct in_addr in;
		struct in6_addr in6;
		uint8_t bytes[16];
	};
};

struct ip_prefix {
	struct ip_addr addr;
	unsigned char len;
};

typedef unsigned __int128 ip_u128;

static inline unsigned ip_family_bits(int family)
{
	return family == AF_INET ? 32 : 128;
}

static inline unsigned ip_addr_size(int family)
{
	return family == AF_INET ? 4 : 16;
}

/* Parse "10.1.2.3" or "fd00::1". -EINVAL on anything else. */
int ip_addr_parse(const char *s, struct ip_addr *ret);
/* Parse "10.1.2.3/24"; host bits are kept. -EINVAL on bad syntax or length. */
int ip_prefix_parse(const char *s, struct ip_prefix *ret);
/* Parse an address with an optional "/len"; a bare address gets the full length. */
int ip_prefix_parse_optional_len(const char *s, struct ip_prefix *ret);

const char *ip_addr_to_string(const struct ip_addr *a, char buf[static IP_ADDR_STRLEN]);
const char *ip_prefix_to_string(const struct ip_prefix *p, char buf[static IP_PREFIX_STRLEN]);

bool ip_addr_equal(const struct ip_addr *a, const struct ip_addr *b);
/* Orders by family, then numerically. */
int ip_addr_cmp(const struct ip_addr *a, const struct ip_addr *b);
bool ip_addr_is_zero(const struct ip_addr *a);

ip_u128 ip_addr_to_u128(const struct ip_addr *a);
void ip_addr_from_u128(int family, ip_u128 v, struct ip_addr *ret);
/* a + delta (delta may be negative); -ERANGE when it leaves the family's space. */
int ip_addr_add(const struct ip_addr *a, __int128 delta, struct ip_addr *ret);

/* Clear the host bits in place. */
void ip_prefix_mask(struct ip_prefix *p);
bool ip_prefix_is_network(const struct ip_prefix *p);
void ip_prefix_last(const struct ip_prefix *p, struct ip_addr *ret);
/* Number of addresses in the prefix minus one (fits even for ::/0). */
ip_u128 ip_prefix_span(const struct ip_prefix *p);
bool ip_prefix_contains(const struct ip_prefix *p, const struct ip_addr *a);
bool ip_prefix_overlaps(const struct ip_prefix *a, const struct ip_prefix *b);
bool ip_prefix_equal(const struct ip_prefix *a, const struct ip_prefix *b);
