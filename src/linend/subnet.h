/* SPDX-License-Identifier: Apache-2.0 */
/*
 * subnet.h - choosing this node's subnet from the leases in etcd.
 *
 * Owns: flannel's acquisition order as a pure function of (config, current leases, our
 * public IP, a preferred subnet, a random source): our own compatible lease first (a
 * reservation before a TTL lease), then the preferred subnet (the one in subnet.env, or the
 * one we held before etcd lost it) if it is free and fits the config, then a uniformly
 * random free subnet among the first 100 free ones from SubnetMin to SubnetMax. The caller
 * talks to etcd; this file only decides, so it is unit-tested with fake lease lists.
 */
#pragma once

#include <stddef.h>
#include <stdint.h>

#include "linend/lease.h"
#include "linend/netconfig.h"

#define SUBNET_CANDIDATES 100

enum subnet_choice_kind {
	SUBNET_CHOICE_OWN,       /* our lease or reservation exists: reuse it */
	SUBNET_CHOICE_PREFERRED, /* the preferred subnet is free: claim it */
	SUBNET_CHOICE_FREE,      /* a random free subnet: claim it */
};

struct subnet_choice {
	enum subnet_choice_kind kind;
	struct ip_prefix subnet;
	struct ip_prefix subnet6; /* family 0 when IPv6 is off */
	size_t own;               /* OWN: index into the lease array */
};

typedef uint32_t (*subnet_random_fn)(void *userdata);

/* Does the lease fit the config (range, prefix length, IPv6 presence)? */
bool subnet_lease_compatible(const struct net_config *cfg, const struct lease *l);
/* -ENOSPC: out of subnets. */
int subnet_choose(const struct net_config *cfg, const struct lease *leases, size_t n,
		  const struct ip_addr *public_ip, const struct ip_prefix *preferred,
		  const struct ip_prefix *preferred6, subnet_random_fn rnd, void *rnd_userdata,
		  struct subnet_choice *ret);
