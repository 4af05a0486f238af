/* SPDX-License-Identifier: Apache-2.0 */
/*
 * reconcile.h - the pure half of linend's dataplane: desired state, its diff against the
 * kernel, and which remote leases are acceptable at all.
 *
 * Owns: struct dp_state (the ARP/NDP entries, vxlan FDB entries and routes linend wants or
 * finds), dp_diff() turning "want" and "have" into an ordered list of netlink operations
 * (neighbour, then FDB, then route when adding, so the kernel never resolves a route
 * through a missing entry; the reverse when deleting), and dp_lease_check() with the reasons
 * a lease is refused. No sockets and no logging: the engine (dataplane.c) dumps the kernel,
 * calls these and sends the operations.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>

#include "linend/lease.h"
#include "linend/netconfig.h"
#include "netlink/netlink.h"

struct dp_state {
	struct nl_neigh *neighs; /* AF_INET/AF_INET6: key (ifindex, dst) */
	size_t n_neighs, cap_neighs;
	struct nl_neigh *fdbs;   /* AF_BRIDGE: key (ifindex, lladdr) */
	size_t n_fdbs, cap_fdbs;
	struct nl_route *routes; /* key (family, dst, table) */
	size_t n_routes, cap_routes;
};

void dp_state_clear(struct dp_state *s);
int dp_state_add_neigh(struct dp_state *s, const struct nl_neigh *n);
int dp_state_add_fdb(struct dp_state *s, const struct nl_neigh *n);
int dp_state_add_route(struct dp_state *s, const struct nl_route *r);
/* Sort every array by key (dp_diff needs sorted input; it sorts copies itself). */
void dp_state_sort(struct dp_state *s);

enum dp_op_kind {
	DP_OP_REPLACE,
	DP_OP_DELETE,
};

enum dp_obj_kind {
	DP_OBJ_NEIGH,
	DP_OBJ_FDB,
	DP_OBJ_ROUTE,
};

struct dp_op {
	enum dp_op_kind op;
	enum dp_obj_kind obj;
	union {
		struct nl_neigh neigh; /* DP_OBJ_NEIGH, DP_OBJ_FDB */
		struct nl_route route; /* DP_OBJ_ROUTE */
	};
};

/*
 * The operations turning have into want. Entries of want that are missing from have or
 * differ (MAC, remote, gateway, device, state) become replaces; with prune, entries of have
 * whose key is not in want become deletes (only pass have entries linend owns). Order:
 * route deletes, neighbour replaces, FDB replaces, route replaces, FDB deletes, neighbour
 * deletes. Both states are sorted in place.
 */
int dp_diff(struct dp_state *want, struct dp_state *have, bool prune, struct dp_op **ret,
	    size_t *ret_n);

/* Equality as dp_diff judges it (what the kernel must show for an entry to count). */
bool dp_neigh_same(const struct nl_neigh *want, const struct nl_neigh *have);
bool dp_fdb_same(const struct nl_neigh *want, const struct nl_neigh *have);
bool dp_route_same(const struct nl_route *want, const struct nl_route *have);

enum dp_reject {
	DP_REJECT_NONE,
	DP_REJECT_OUTSIDE_NETWORK,  /* subnet (or IPv6 subnet) not inside the configured Network */
	DP_REJECT_OVERLAPS_OWN,     /* overlaps our own subnet */
	DP_REJECT_BAD_PUBLIC_IP,    /* unspecified, loopback, multicast, or our own address */
	DP_REJECT_BAD_MAC,          /* VtepMAC zero, multicast or broadcast */
	DP_REJECT_BACKEND_MISMATCH, /* BackendType/BackendData not what this backend needs */
	DP_REJECT_NOT_ON_LINK,      /* host-gw: the peer is not directly reachable */
	_DP_REJECT_MAX,
};

/* "outside-network", "overlaps-own", … (the metric label). */
const char *dp_reject_str(enum dp_reject r);

/*
 * Whether a remote lease may be programmed. own: our lease (may be NULL before we hold
 * one); self_ip/self_ip6: our addresses (family 0: none); want_type: the BackendType the
 * lease must carry. What a kind needs of BackendData it checks itself (dp_kind.lease_accept).
 */
enum dp_reject dp_lease_check(const struct net_config *cfg, const struct lease *own,
			      const struct ip_addr *self_ip, const struct ip_addr *self_ip6,
			      const char *want_type, const struct lease *l);

/* A MAC usable as a VTEP address: unicast and not all zero. */
bool dp_mac_valid(const uint8_t mac[static 6]);
