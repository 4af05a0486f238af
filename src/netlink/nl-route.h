/* SPDX-License-Identifier: Apache-2.0 */
/*
 * nl-route.h - routes (RTM_NEWROUTE / RTM_DELROUTE).
 *
 * Owns: struct nl_route and add/replace/append (ECMP)/delete/dump, with our
 * own protocol number so a daemon restart can find and clean up exactly the
 * routes it made (as OpenBGPD does with RTPROT_BGP).
 */
#pragma once

#include <stdint.h>
#include <linux/rtnetlink.h>

#include "basic/ip.h"
#include "netlink/nl-sock.h"

/*
 * Our routing protocol number: 76 = 0x4c, 'L' for linen. Unused by
 * iproute2's rt_protos and by <linux/rtnetlink.h>; `ip route show proto 76`
 * lists what linen installed. Add "76 linen" to /etc/iproute2/rt_protos.d/
 * for a name.
 */
#define NL_RTPROT_LINEN 76

struct nl_route {
	int family;               /* AF_INET / AF_INET6; taken from dst when 0 */
	struct ip_prefix dst;     /* len 0 = default route */
	struct ip_addr gw;        /* family 0 = no gateway */
	struct ip_addr prefsrc;   /* RTA_PREFSRC; family 0 = none */
	int oif;                  /* 0 = none */
	uint32_t table;           /* 0 = RT_TABLE_MAIN */
	uint32_t priority;        /* metric */
	uint8_t protocol;         /* 0 = RTPROT_BOOT, as `ip route add` */
	uint8_t scope;            /* sent as is: RT_SCOPE_UNIVERSE (0), RT_SCOPE_LINK ... */
	uint8_t type;             /* 0 = RTN_UNICAST; RTN_BLACKHOLE ... */
	uint32_t flags;           /* RTNH_F_ONLINK */
	uint32_t mtu;             /* RTAX_MTU, 0 = none */
	uint32_t advmss;          /* RTAX_ADVMSS, 0 = none */
};

/* Filter for dumps: 0 fields match anything. */
struct nl_route_filter {
	uint32_t table;
	uint8_t protocol;
	int oif;
};

/*
 * Parse one RTM_NEWROUTE. A multipath route yields one nl_route per next
 * hop: ret has room for max entries, *ret_n gets how many were written.
 */
int nl_route_parse(const struct nlmsghdr *nlh, struct nl_route *ret, size_t max,
		   size_t *ret_n);
bool nl_route_match(const struct nl_route *r, const struct nl_route_filter *f);

int nl_route_msg(void *buf, uint16_t type, uint16_t nlflags, const struct nl_route *r);

/* -EEXIST when a route with the same key exists. */
int nl_route_add(struct nl_sock *sk, const struct nl_route *r);
int nl_route_replace(struct nl_sock *sk, const struct nl_route *r);
/* Add a next hop to an existing route (ECMP). */
int nl_route_append(struct nl_sock *sk, const struct nl_route *r);
/* A route that is not there counts as deleted. */
int nl_route_del(struct nl_sock *sk, const struct nl_route *r);
/*
 * Same route key and next hop: dst, gateway, oif, table (0 = main), type
 * (0 = unicast) and metric. What host-gw reconciliation compares.
 */
bool nl_route_equal(const struct nl_route *a, const struct nl_route *b);

/* `ip route get <dst>`: the route the kernel would use (RTM_GETROUTE for one address). */
int nl_route_get_msg(void *buf, const struct ip_addr *dst);
int nl_route_get(struct nl_sock *sk, const struct ip_addr *dst, struct nl_route *ret);

/*
 * family AF_UNSPEC for both; f may be NULL. Entries of the local table are
 * included unless filtered by table; cached clones never are.
 */
int nl_route_dump(struct nl_sock *sk, int family, const struct nl_route_filter *f,
		  struct nl_route **ret, size_t *ret_n);
