/* SPDX-License-Identifier: Apache-2.0 */
/*
 * netconfig.h - flannel's network configuration (the JSON at <prefix>/config).
 *
 * Owns: parsing with flannel's defaults (EnableIPv4 true, SubnetLen auto, SubnetMin/Max the
 * second and the last subnet, Backend udp when absent), its validation (CheckNetworkConfig)
 * with flannel's error texts, the typed backend section (a backend never sees JSON), and a
 * canonical text dump used by the golden tests and by the "config changed" comparison.
 * Pure code.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "basic/ip.h"
#include "linend/lease.h"

#define NET_CONFIG_CMD_MAX 1024
enum { EXT_PRE_STARTUP, EXT_POST_STARTUP, EXT_SUBNET_ADD, EXT_SUBNET_REMOVE };
extern const char *const net_config_ext_keys[4];

struct backend_config {
	char type[LEASE_TYPE_MAX]; /* Backend.Type, lower case */
	/* vxlan */
	uint32_t vni;  /* default 1 */
	uint16_t port; /* 0: kernel default (8472) */
	bool gbp;
	bool learning;
	bool direct_routing;
	unsigned mtu; /* 0: the external interface's MTU */
	/* extension: PreStartupCommand, PostStartupCommand, SubnetAdd/RemoveCommand; "": none */
	char ext_cmd[4][NET_CONFIG_CMD_MAX];
	unsigned ext_timeout; /* CommandTimeout (linen's): seconds per command, default 60 */
};

struct net_config {
	bool enable_ipv4;
	bool enable_ipv6;
	bool enable_nftables;
	struct ip_prefix network;
	unsigned subnet_len;
	struct ip_addr subnet_min, subnet_max;
	struct ip_prefix ipv6_network;
	unsigned ipv6_subnet_len;
	struct ip_addr ipv6_subnet_min, ipv6_subnet_max;
	struct backend_config backend;
};

/* Parse and validate. On error, -EINVAL and a one-line reason in err. */
int net_config_parse(const char *json, size_t len, struct net_config *ret, char *err,
		     size_t errlen);
/* Canonical "Key=value" lines of every field after defaults. */
int net_config_format(const struct net_config *c, char **ret);
bool net_config_equal(const struct net_config *a, const struct net_config *b);
