// SPDX-License-Identifier: Apache-2.0
#include <arpa/inet.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "basic/ip.h"
#include "basic/macro.h"

int ip_addr_parse(const char *s, struct ip_addr *ret)
{
	struct ip_addr a = {};

	if (!s)
		return -EINVAL;
	if (inet_pton(AF_INET, s, &a.in) == 1)
		a.family = AF_INET;
	else if (inet_pton(AF_INET6, s, &a.in6) == 1)
		a.family = AF_INET6;
	else
		return -EINVAL;
	*ret = a;
	return 0;
}

static int parse_len(const char *s, unsigned max, unsigned char *ret)
{
	unsigned v = 0;

	/* Strictly decimal without sign or leading zeros, as Go's ParseCIDR. */
	if (!*s || strlen(s) > 3 || (s[0] == '0' && s[1]))
		return -EINVAL;
	for (; *s; s++) {
		if (*s < '0' || *s > '9')
			return -EINVAL;
		v = v * 10 + (unsigned)(*s - '0');
	}
	if (v > max)
		return -EINVAL;
	*ret = (unsigned char)v;
	return 0;
}

int ip_prefix_parse(const char *s, struct ip_prefix *ret)
{
	char buf[IP_PREFIX_STRLEN];
	struct ip_prefix p = {};
	char *slash;
	int r;

	if (!s || strlen(s) >= sizeof(buf))
		return -EINVAL;
	strcpy(buf, s);
	slash = strchr(buf, '/');
	if (!slash)
		return -EINVAL;
	*slash = 0;
	r = ip_addr_parse(buf, &p.addr);
	if (r < 0)
		return r;
	r = parse_len(slash + 1, ip_family_bits(p.addr.family), &p.len);
	if (r < 0)
		return r;
	*ret = p;
	return 0;
}

int ip_prefix_parse_optional_len(const char *s, struct ip_prefix *ret)
{
	struct ip_prefix p = {};
	int r;

	if (s && strchr(s, '/'))
		return ip_prefix_parse(s, ret);
	r = ip_addr_parse(s, &p.addr);
	if (r < 0)
		return r;
	p.len = (unsigned char)ip_family_bits(p.addr.family);
	*ret = p;
	return 0;
}

/*
 * RFC 5952 text, as Go prints it: glibc's inet_ntop writes addresses in ::/96
 * as "::0.10.0.11", which would name host-local's store files differently
 * from the reference. IPv4-mapped addresses keep the dotted tail.
 */
static void ip6_to_string(const uint8_t *b, char *buf)
{
	static const uint8_t mapped[12] = { [10] = 0xff, [11] = 0xff };
	int best = -1, best_len = 0;
	char *p = buf;

	if (memcmp(b, mapped, 12) == 0) {
		sprintf(buf, "::ffff:%u.%u.%u.%u", b[12], b[13], b[14], b[15]);
		return;
	}
	for (int i = 0; i < 8;) {
		int j = i;

		while (j < 8 && b[2 * j] == 0 && b[2 * j + 1] == 0)
			j++;
		if (j - i > best_len && j - i >= 2) {
			best = i;
			best_len = j - i;
		}
		i = j > i ? j : i + 1;
	}
	for (int i = 0; i < 8; i++) {
		if (i == best) {
			*p++ = ':';
			*p++ = ':';
			i += best_len - 1;
			continue;
		}
		if (i > 0 && p[-1] != ':')
			*p++ = ':';
		p += sprintf(p, "%x", (unsigned)(b[2 * i] << 8 | b[2 * i + 1]));
	}
	*p = 0;
}

const char *ip_addr_to_string(const struct ip_addr *a, char buf[static IP_ADDR_STRLEN])
{
	if (a->family == AF_INET6)
		ip6_to_string(a->bytes, buf);
	else if (!a->family || !inet_ntop(a->family, a->bytes, buf, IP_ADDR_STRLEN))
		strcpy(buf, "<nil>");
	return buf;
}

const char *ip_prefix_to_string(const struct ip_prefix *p, char buf[static IP_PREFIX_STRLEN])
{
	char a[IP_ADDR_STRLEN];

	snprintf(buf, IP_PREFIX_STRLEN, "%s/%u", ip_addr_to_string(&p->addr, a), p->len);
	return buf;
}

bool ip_addr_equal(const struct ip_addr *a, const struct ip_addr *b)
{
	return a->family == b->family && memcmp(a->bytes, b->bytes, ip_addr_size(a->family)) == 0;
}

int ip_addr_cmp(const struct ip_addr *a, const struct ip_addr *b)
{
	if (a->family != b->family)
		return a->family < b->family ? -1 : 1;
	return memcmp(a->bytes, b->bytes, ip_addr_size(a->family));
}

bool ip_addr_is_zero(const struct ip_addr *a)
{
	return ip_addr_to_u128(a) == 0;
}

ip_u128 ip_addr_to_u128(const struct ip_addr *a)
{
	ip_u128 v = 0;

	for (unsigned i = 0; i < ip_addr_size(a->family); i++)
		v = (v << 8) | a->bytes[i];
	return v;
}

void ip_addr_from_u128(int family, ip_u128 v, struct ip_addr *ret)
{
	struct ip_addr a = { .family = family };
	unsigned n = ip_addr_size(family);

	for (unsigned i = n; i-- > 0;) {
		a.bytes[i] = (uint8_t)v;
		v >>= 8;
	}
	*ret = a;
}

static ip_u128 family_max(int family)
{
	return family == AF_INET ? (ip_u128)UINT32_MAX : ~(ip_u128)0;
}

int ip_addr_add(const struct ip_addr *a, __int128 delta, struct ip_addr *ret)
{
	ip_u128 v = ip_addr_to_u128(a), max = family_max(a->family);

	if (delta >= 0) {
		if ((ip_u128)delta > max - v)
			return -ERANGE;
		v += (ip_u128)delta;
	} else {
		ip_u128 d = (ip_u128)(-(delta + 1)) + 1;

		if (d > v)
			return -ERANGE;
		v -= d;
	}
	ip_addr_from_u128(a->family, v, ret);
	return 0;
}

static ip_u128 host_mask(int family, unsigned len)
{
	unsigned bits = ip_family_bits(family);

	if (len >= bits)
		return 0;
	return family_max(family) >> len;
}

void ip_prefix_mask(struct ip_prefix *p)
{
	ip_u128 v = ip_addr_to_u128(&p->addr) & ~host_mask(p->addr.family, p->len);

	ip_addr_from_u128(p->addr.family, v & family_max(p->addr.family), &p->addr);
}

bool ip_prefix_is_network(const struct ip_prefix *p)
{
	return (ip_addr_to_u128(&p->addr) & host_mask(p->addr.family, p->len)) == 0;
}

void ip_prefix_last(const struct ip_prefix *p, struct ip_addr *ret)
{
	ip_u128 v = ip_addr_to_u128(&p->addr) | host_mask(p->addr.family, p->len);

	ip_addr_from_u128(p->addr.family, v, ret);
}

ip_u128 ip_prefix_span(const struct ip_prefix *p)
{
	return host_mask(p->addr.family, p->len);
}

bool ip_prefix_contains(const struct ip_prefix *p, const struct ip_addr *a)
{
	ip_u128 m;

	if (p->addr.family != a->family)
		return false;
	m = ~host_mask(a->family, p->len);
	return (ip_addr_to_u128(&p->addr) & m) == (ip_addr_to_u128(a) & m);
}

bool ip_prefix_overlaps(const struct ip_prefix *a, const struct ip_prefix *b)
{
	if (a->addr.family != b->addr.family)
		return false;
	return ip_prefix_contains(a, &b->addr) || ip_prefix_contains(b, &a->addr);
}

bool ip_prefix_equal(const struct ip_prefix *a, const struct ip_prefix *b)
{
	return a->len == b->len && ip_addr_equal(&a->addr, &b->addr);
}
