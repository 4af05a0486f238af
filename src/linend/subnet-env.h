/* SPDX-License-Identifier: Apache-2.0 */
/*
 * subnet-env.h - /run/flannel/subnet.env, as flanneld writes and reads it.
 *
 * Owns: rendering (FLANNEL_NETWORK, FLANNEL_SUBNET with the subnet's .1 address, the IPv6
 * pair, FLANNEL_MTU, FLANNEL_IPMASQ, in flannel's order), writing it atomically with mode
 * 0644 (parent created 0755), and reading the previous subnets back at start.
 */
#pragma once

#include <stdbool.h>

#include "basic/ip.h"
#include "linend/netconfig.h"

int subnet_env_render(const struct net_config *cfg, const struct ip_prefix *subnet,
		      const struct ip_prefix *subnet6, unsigned mtu, bool ipmasq, char **ret);
int subnet_env_write(const char *path, const char *text);
/* Parse FLANNEL_SUBNET / FLANNEL_IPV6_SUBNET into networks; a missing value leaves family 0. */
int subnet_env_parse(const char *text, struct ip_prefix *ret_subnet,
		     struct ip_prefix *ret_subnet6);
int subnet_env_read(const char *path, struct ip_prefix *ret_subnet,
		    struct ip_prefix *ret_subnet6);
