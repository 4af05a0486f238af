// SPDX-License-Identifier: Apache-2.0
/*
 * subnet.c - flannel's tryAcquireLease decision, without the etcd calls.
 *
 * The free-subnet walk sorts the taken ranges once and sweeps them alongside the candidate
 * subnets, so 5000 leases cost one sort rather than 100 x 5000 overlap checks.
 */
#include <errno.h>
#include <stdlib.h>

#include "basic/macro.h"
#include "linend/subnet.h"

static bool prefix_in_range(const struct ip_prefix *p, unsigned len, const struct ip_addr *min,
			    const struct ip_addr *max)
{
	return p->len == len && ip_addr_cmp(&p->addr, min) >= 0 &&
	       ip_addr_cmp(&p->addr, max) <= 0;
}

bool subnet_lease_compatible(const struct net_config *cfg, const struct lease *l)
{
	if (!prefix_in_range(&l->subnet, cfg->subnet_len, &cfg->subnet_min, &cfg->subnet_max))
		return false;
	if (!cfg->enable_ipv6)
		return l->subnet6.addr.family == 0;
	return l->subnet6.addr.family == AF_INET6 &&
	       prefix_in_range(&l->subnet6, cfg->ipv6_subnet_len, &cfg->ipv6_subnet_min,
			       &cfg->ipv6_subnet_max);
}

struct range {
	ip_u128 first, last;
};

static int range_cmp(const void *a, const void *b)
{
	const struct range *x = a, *y = b;

	return x->first < y->first ? -1 : x->first > y->first;
}

static bool taken(const struct lease *leases, size_t n, const struct ip_prefix *p)
{
	for (size_t i = 0; i < n; i++) {
		const struct ip_prefix *q = p->addr.family == AF_INET ? &leases[i].subnet
								      : &leases[i].subnet6;

		if (q->addr.family == p->addr.family && ip_prefix_overlaps(p, q))
			return true;
	}
	return false;
}

/* Collect up to SUBNET_CANDIDATES free subnets of one family and pick one at random. */
static int pick_free(int family, unsigned len, const struct ip_addr *min,
		     const struct ip_addr *max, const struct lease *leases, size_t n,
		     subnet_random_fn rnd, void *ud, struct ip_prefix *ret)
{
	_cleanup_free_ struct range *taken_r = NULL;
	ip_u128 cand[SUBNET_CANDIDATES], step, cur, end;
	size_t nt = 0, nc = 0, j = 0;

	taken_r = calloc(n ? n : 1, sizeof(*taken_r));
	if (!taken_r)
		return -ENOMEM;
	for (size_t i = 0; i < n; i++) {
		const struct ip_prefix *q = family == AF_INET ? &leases[i].subnet
							      : &leases[i].subnet6;

		if (q->addr.family != family)
			continue;
		taken_r[nt].first = ip_addr_to_u128(&q->addr);
		taken_r[nt].last = taken_r[nt].first + ip_prefix_span(q);
		nt++;
	}
	qsort(taken_r, nt, sizeof(*taken_r), range_cmp);
	step = (ip_u128)1 << (ip_family_bits(family) - len);
	cur = ip_addr_to_u128(min);
	end = ip_addr_to_u128(max);
	while (cur <= end && nc < SUBNET_CANDIDATES) {
		ip_u128 last = cur + step - 1;
		bool busy = false;

		/* drop taken ranges wholly below this candidate */
		while (j < nt && taken_r[j].last < cur)
			j++;
		for (size_t k = j; k < nt && taken_r[k].first <= last; k++)
			if (taken_r[k].last >= cur) {
				busy = true;
				break;
			}
		if (!busy)
			cand[nc++] = cur;
		if (end - cur < step)
			break; /* the next step would wrap */
		cur += step;
	}
	if (nc == 0)
		return -ENOSPC;
	ret->len = (unsigned char)len;
	ip_addr_from_u128(family, cand[rnd(ud) % nc], &ret->addr);
	return 0;
}

int subnet_choose(const struct net_config *cfg, const struct lease *leases, size_t n,
		  const struct ip_addr *public_ip, const struct ip_prefix *preferred,
		  const struct ip_prefix *preferred6, subnet_random_fn rnd, void *rnd_userdata,
		  struct subnet_choice *ret)
{
	struct subnet_choice c = {};
	size_t own = n;
	int r;

	/* 1. our own lease: a reservation wins over a TTL lease */
	for (size_t i = 0; i < n; i++) {
		if (!ip_addr_equal(&leases[i].attrs.public_ip, public_ip) ||
		    !subnet_lease_compatible(cfg, &leases[i]))
			continue;
		if (own == n || (leases[i].etcd_lease == 0 && leases[own].etcd_lease != 0))
			own = i;
	}
	if (own < n) {
		c.kind = SUBNET_CHOICE_OWN;
		c.own = own;
		c.subnet = leases[own].subnet;
		c.subnet6 = leases[own].subnet6;
		*ret = c;
		return 0;
	}

	/* 2. the preferred subnet(s), when free and compatible */
	if (preferred && preferred->addr.family == AF_INET) {
		struct lease probe = { .subnet = *preferred };
		bool ok;

		if (cfg->enable_ipv6 && preferred6 && preferred6->addr.family == AF_INET6)
			probe.subnet6 = *preferred6;
		ok = prefix_in_range(&probe.subnet, cfg->subnet_len, &cfg->subnet_min,
				     &cfg->subnet_max) &&
		     !taken(leases, n, &probe.subnet);
		if (ok && cfg->enable_ipv6) {
			if (probe.subnet6.addr.family == AF_INET6 &&
			    prefix_in_range(&probe.subnet6, cfg->ipv6_subnet_len,
					    &cfg->ipv6_subnet_min, &cfg->ipv6_subnet_max) &&
			    !taken(leases, n, &probe.subnet6)) {
				/* keep it */
			} else {
				r = pick_free(AF_INET6, cfg->ipv6_subnet_len, &cfg->ipv6_subnet_min,
					      &cfg->ipv6_subnet_max, leases, n, rnd, rnd_userdata,
					      &probe.subnet6);
				if (r < 0)
					return r;
			}
		}
		if (ok) {
			c.kind = SUBNET_CHOICE_PREFERRED;
			c.subnet = probe.subnet;
			c.subnet6 = probe.subnet6;
			*ret = c;
			return 0;
		}
	}

	/* 3. a random free one */
	c.kind = SUBNET_CHOICE_FREE;
	r = pick_free(AF_INET, cfg->subnet_len, &cfg->subnet_min, &cfg->subnet_max, leases, n, rnd,
		      rnd_userdata, &c.subnet);
	if (r < 0)
		return r;
	if (cfg->enable_ipv6) {
		r = pick_free(AF_INET6, cfg->ipv6_subnet_len, &cfg->ipv6_subnet_min,
			      &cfg->ipv6_subnet_max, leases, n, rnd, rnd_userdata, &c.subnet6);
		if (r < 0)
			return r;
	}
	*ret = c;
	return 0;
}
