/* SPDX-License-Identifier: Apache-2.0 */
/*
 * nl-addr.h - interface addresses (RTM_NEWADDR / RTM_DELADDR).
 *
 * Owns: struct nl_addr and add/replace/delete/dump of IPv4 and IPv6
 * addresses, with IFA_F_* flags (NODAD, NOPREFIXROUTE ...) and scope.
 */
#pragma once

#include <stdint.h>
#include <linux/if_addr.h>

#include "basic/ip.h"
#include "netlink/nl-sock.h"

struct nl_addr {
	int ifindex;
	struct ip_prefix prefix;   /* address with its prefix length, host bits kept */
	struct ip_addr peer;       /* IFA_ADDRESS when it differs from IFA_LOCAL (ptp), else 0 */
	struct ip_addr broadcast;  /* IPv4 only; family 0 = none */
	uint32_t flags;            /* IFA_F_* (IFA_F_TENTATIVE, IFA_F_DADFAILED ... on read) */
	uint8_t scope;             /* RT_SCOPE_UNIVERSE (0), RT_SCOPE_LINK, RT_SCOPE_HOST */
	char label[16];
};

/* Fill the IPv4 broadcast address (last address of the prefix) as `ip addr add ... brd +`. */
void nl_addr_set_broadcast(struct nl_addr *a);

int nl_addr_parse(const struct nlmsghdr *nlh, struct nl_addr *ret);

/* msg type RTM_NEWADDR with nlflags NLM_F_CREATE|NLM_F_EXCL (add) or |NLM_F_REPLACE. */
int nl_addr_msg(void *buf, uint16_t type, uint16_t nlflags, const struct nl_addr *a);

/* -EEXIST when present. */
int nl_addr_add(struct nl_sock *sk, const struct nl_addr *a);
int nl_addr_replace(struct nl_sock *sk, const struct nl_addr *a);
/* An address that is not there counts as deleted. */
int nl_addr_del(struct nl_sock *sk, const struct nl_addr *a);
/* family AF_UNSPEC for both; ifindex 0 for every link. */
int nl_addr_dump(struct nl_sock *sk, int family, int ifindex, struct nl_addr **ret,
		 size_t *ret_n);

/*
 * Poll until no address of the family on ifindex is IFA_F_TENTATIVE (IPv6
 * duplicate address detection done). -EADDRNOTAVAIL when one has
 * IFA_F_DADFAILED, -ETIMEDOUT after timeout_ms.
 */
int nl_addr_wait_dad(struct nl_sock *sk, int family, int ifindex, unsigned timeout_ms);
