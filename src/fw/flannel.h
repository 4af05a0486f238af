/* SPDX-License-Identifier: Apache-2.0 */
/*
 * flannel.h - linend's masquerade and forward rules (flannel's --ip-masq and
 * --iptables-forward-rules).
 *
 * Owns: tables `ip linend` and `ip6 linend`, one per address family, each replaced whole in one
 * transaction. Chain `postrtg` keeps flannel's iptables semantics (not its nftables mode, which
 * returns before masquerading host→remote-pod traffic); chain `forward` accepts traffic from and
 * to the cluster network so a DROP forward policy elsewhere cannot cut pods off.
 */
#pragma once

#include <stdbool.h>

#include "basic/ip.h"

#define FW_FLANNEL_TABLE "linend"

struct fw_flannel_rules {
	int family;               /* AF_INET or AF_INET6 */
	struct ip_prefix network; /* N: the whole cluster network (host bits are ignored) */
	struct ip_prefix subnet;  /* P: this node's pod subnet, inside N */
	bool masquerade;          /* chain postrtg */
	bool fully_random;        /* masquerade fully-random (iptables --random-fully) */
	bool forward;             /* chain forward */
};

/*
 * Pure: the whole table exactly as `nft list table` prints it; that text is also what apply
 * loads, so CHECK is a string comparison. -EINVAL on a family mismatch or when P is not in N.
 */
int fw_flannel_render(const struct fw_flannel_rules *rules, char **ret_text);
/* Pure: the transaction replacing the table (or removing it when no chain is enabled). */
int fw_flannel_render_apply(const struct fw_flannel_rules *rules, char **ret_text);

int fw_flannel_apply(const struct fw_flannel_rules *rules, char **ret_error_text);
/* 0 when the table is exactly as rendered, -ENOENT when absent, -EUCLEAN when different. */
int fw_flannel_check(const struct fw_flannel_rules *rules);
/* Idempotent removal of the family's table. */
int fw_flannel_remove(int family, char **ret_error_text);
