/* SPDX-License-Identifier: Apache-2.0 */
/*
 * nl-neigh.h - neighbour entries (RTM_NEWNEIGH / RTM_DELNEIGH).
 *
 * Owns: struct nl_neigh for ARP/NDP entries (AF_INET/AF_INET6) and bridge
 * FDB entries (AF_BRIDGE: a MAC, optionally with NDA_DST pointing at a
 * remote VTEP for vxlan), replace/delete/dump.
 */
#pragma once

#include <stdbool.h>
#include <stdint.h>
#include <linux/neighbour.h>

#include "basic/ip.h"
#include "netlink/nl-sock.h"

struct nl_neigh {
	int family;            /* AF_INET, AF_INET6 or AF_BRIDGE (FDB) */
	int ifindex;
	struct ip_addr dst;    /* ARP/NDP: the IP; FDB: remote VTEP (NDA_DST), family 0 = none */
	uint8_t lladdr[6];
	bool has_lladdr;
	uint16_t state;        /* NUD_PERMANENT, NUD_REACHABLE ... */
	uint8_t flags;         /* NTF_SELF, NTF_MASTER ... */
	uint16_t vlan;         /* FDB only, 0 = none */
	int master;            /* read back only */
};

int nl_neigh_parse(const struct nlmsghdr *nlh, struct nl_neigh *ret);
int nl_neigh_msg(void *buf, uint16_t type, uint16_t nlflags, const struct nl_neigh *n);

/* Create or replace (NLM_F_CREATE|NLM_F_REPLACE). */
int nl_neigh_replace(struct nl_sock *sk, const struct nl_neigh *n);
/* An entry that is not there counts as deleted. */
int nl_neigh_del(struct nl_sock *sk, const struct nl_neigh *n);
/* family AF_INET/AF_INET6/AF_BRIDGE (AF_UNSPEC for IP both); ifindex 0 = every link. */
int nl_neigh_dump(struct nl_sock *sk, int family, int ifindex, struct nl_neigh **ret,
		  size_t *ret_n);

/* A permanent ARP (AF_INET) or NDP (AF_INET6) entry ip → mac on ifindex. */
void nl_neigh_init_permanent(struct nl_neigh *n, int ifindex, const struct ip_addr *ip,
			     const uint8_t mac[6]);
/*
 * A permanent vxlan FDB entry mac → remote with NTF_SELF
 * (`bridge fdb replace <mac> dev <vxlan> dst <remote> self permanent`).
 */
void nl_fdb_init_vxlan(struct nl_neigh *n, int ifindex, const uint8_t mac[6],
		       const struct ip_addr *remote);
