// SPDX-License-Identifier: Apache-2.0
/*
 * nl-addr.c - interface addresses.
 */
#include <stdlib.h>
#include <time.h>
#include <libmnl/libmnl.h>
#include <linux/rtnetlink.h>

#include "basic/macro.h"
#include "netlink/nl-addr.h"
#include "netlink/nl-internal.h"

void nl_addr_set_broadcast(struct nl_addr *a)
{
	if (a->prefix.addr.family != AF_INET || a->prefix.len >= 31)
		return;
	ip_prefix_last(&a->prefix, &a->broadcast);
}

int nl_addr_parse(const struct nlmsghdr *nlh, struct nl_addr *ret)
{
	const struct nlattr *tb[IFA_MAX + 1] = {};
	const struct ifaddrmsg *ifa;
	struct nl_addr a = {};
	struct ip_addr local = {}, address = {};
	int r;

	if (nlh->nlmsg_type != RTM_NEWADDR && nlh->nlmsg_type != RTM_DELADDR)
		return -EINVAL;
	if (mnl_nlmsg_get_payload_len(nlh) < sizeof(*ifa))
		return -EBADMSG;
	ifa = mnl_nlmsg_get_payload(nlh);
	if (ifa->ifa_family != AF_INET && ifa->ifa_family != AF_INET6)
		return -EAFNOSUPPORT;
	if (ifa->ifa_prefixlen > ip_family_bits(ifa->ifa_family))
		return -EBADMSG;
	r = nl_attr_table(nlh, sizeof(*ifa), tb, IFA_MAX);
	if (r < 0)
		return r;
	a.ifindex = (int)ifa->ifa_index;
	a.scope = ifa->ifa_scope;
	a.flags = ifa->ifa_flags;
	nl_attr_u32(tb[IFA_FLAGS], &a.flags);
	nl_attr_ip(tb[IFA_LOCAL], ifa->ifa_family, &local);
	nl_attr_ip(tb[IFA_ADDRESS], ifa->ifa_family, &address);
	/* IFA_LOCAL is our address; IFA_ADDRESS is the peer on point-to-point links. */
	if (local.family) {
		a.prefix.addr = local;
		if (address.family && !ip_addr_equal(&local, &address))
			a.peer = address;
	} else if (address.family) {
		a.prefix.addr = address;
	} else {
		return -EBADMSG;
	}
	a.prefix.len = ifa->ifa_prefixlen;
	nl_attr_ip(tb[IFA_BROADCAST], AF_INET, &a.broadcast);
	nl_attr_str(tb[IFA_LABEL], a.label, sizeof(a.label));
	*ret = a;
	return 0;
}

int nl_addr_msg(void *buf, uint16_t type, uint16_t nlflags, const struct nl_addr *a)
{
	int family = a->prefix.addr.family;
	struct nlmsghdr *nlh;
	struct ifaddrmsg *ifa;

	if (family != AF_INET && family != AF_INET6)
		return -EAFNOSUPPORT;
	if (a->ifindex <= 0 || a->prefix.len > ip_family_bits(family))
		return -EINVAL;
	if (a->peer.family && a->peer.family != family)
		return -EINVAL;
	nlh = nl_msg_new(buf, type, nlflags);
	ifa = mnl_nlmsg_put_extra_header(nlh, sizeof(*ifa));
	ifa->ifa_family = family;
	ifa->ifa_prefixlen = a->prefix.len;
	ifa->ifa_flags = a->flags & 0xff;
	ifa->ifa_scope = a->scope;
	ifa->ifa_index = (uint32_t)a->ifindex;
	nl_put_ip(nlh, IFA_LOCAL, &a->prefix.addr);
	nl_put_ip(nlh, IFA_ADDRESS, a->peer.family ? &a->peer : &a->prefix.addr);
	if (type == RTM_NEWADDR) {
		if (family == AF_INET && a->broadcast.family == AF_INET)
			nl_put_ip(nlh, IFA_BROADCAST, &a->broadcast);
		if (a->label[0])
			mnl_attr_put_strz(nlh, IFA_LABEL, a->label);
		/* Flags above 0xff (NOPREFIXROUTE, MANAGETEMPADDR) only fit here. */
		if (a->flags)
			mnl_attr_put_u32(nlh, IFA_FLAGS, a->flags);
	}
	return 0;
}

static int addr_send(struct nl_sock *sk, uint16_t type, uint16_t nlflags,
		     const struct nl_addr *a)
{
	char buf[NL_MSG_MAX];
	int r = nl_addr_msg(buf, type, nlflags, a);

	return r < 0 ? r : nl_sock_request(sk, (struct nlmsghdr *)buf);
}

int nl_addr_add(struct nl_sock *sk, const struct nl_addr *a)
{
	return addr_send(sk, RTM_NEWADDR, NLM_F_CREATE | NLM_F_EXCL, a);
}

int nl_addr_replace(struct nl_sock *sk, const struct nl_addr *a)
{
	return addr_send(sk, RTM_NEWADDR, NLM_F_CREATE | NLM_F_REPLACE, a);
}

int nl_addr_del(struct nl_sock *sk, const struct nl_addr *a)
{
	int r = addr_send(sk, RTM_DELADDR, 0, a);

	return (r == -EADDRNOTAVAIL || r == -ENOENT || r == -ENODEV) ? 0 : r;
}

struct dump_ctx {
	int ifindex;
	struct nl_addr *v;
	size_t n, cap;
};

static int dump_cb(const struct nlmsghdr *nlh, void *userdata)
{
	struct dump_ctx *c = userdata;
	struct nl_addr a;

	if (nl_addr_parse(nlh, &a) < 0)
		return 0;
	if (c->ifindex && a.ifindex != c->ifindex)
		return 0;
	return nl_vec_push(&c->v, &c->n, &c->cap, &a, sizeof(a));
}

int nl_addr_dump(struct nl_sock *sk, int family, int ifindex, struct nl_addr **ret,
		 size_t *ret_n)
{
	char buf[NL_MSG_MAX];
	struct nlmsghdr *nlh = nl_msg_new(buf, RTM_GETADDR, NLM_F_DUMP);
	struct ifaddrmsg *ifa = mnl_nlmsg_put_extra_header(nlh, sizeof(*ifa));
	struct dump_ctx c = { .ifindex = ifindex };
	int r;

	ifa->ifa_family = family;
	r = nl_sock_dump(sk, nlh, dump_cb, &c);
	if (r < 0) {
		free(c.v);
		return r;
	}
	*ret = c.v;
	*ret_n = c.n;
	return 0;
}

int nl_addr_wait_dad(struct nl_sock *sk, int family, int ifindex, unsigned timeout_ms)
{
	for (unsigned waited = 0;; waited += 50) {
		_cleanup_free_ struct nl_addr *v = NULL;
		bool tentative = false;
		size_t n;
		int r;

		r = nl_addr_dump(sk, family, ifindex, &v, &n);
		if (r < 0)
			return r;
		for (size_t i = 0; i < n; i++) {
			if (v[i].flags & IFA_F_DADFAILED)
				return -EADDRNOTAVAIL;
			if (v[i].flags & IFA_F_TENTATIVE)
				tentative = true;
		}
		if (!tentative)
			return 0;
		if (waited >= timeout_ms)
			return -ETIMEDOUT;
		nanosleep(&(struct timespec){ .tv_nsec = 50 * 1000 * 1000 }, NULL);
	}
}
