// SPDX-License-Identifier: Apache-2.0
/*
 * nl-neigh.c - ARP/NDP entries and bridge/vxlan FDB entries.
 */
#include <stdlib.h>
#include <libmnl/libmnl.h>
#include <linux/rtnetlink.h>

#include "basic/macro.h"
#include "netlink/nl-internal.h"
#include "netlink/nl-neigh.h"

int nl_neigh_parse(const struct nlmsghdr *nlh, struct nl_neigh *ret)
{
	const struct nlattr *tb[NDA_MAX + 1] = {};
	const struct ndmsg *ndm;
	struct nl_neigh n = {};
	uint32_t u32;
	int r;

	if (nlh->nlmsg_type != RTM_NEWNEIGH && nlh->nlmsg_type != RTM_DELNEIGH)
		return -EINVAL;
	if (mnl_nlmsg_get_payload_len(nlh) < sizeof(*ndm))
		return -EBADMSG;
	ndm = mnl_nlmsg_get_payload(nlh);
	if (ndm->ndm_family != AF_INET && ndm->ndm_family != AF_INET6 &&
	    ndm->ndm_family != AF_BRIDGE)
		return -EAFNOSUPPORT;
	r = nl_attr_table(nlh, sizeof(*ndm), tb, NDA_MAX);
	if (r < 0)
		return r;
	n.family = ndm->ndm_family;
	n.ifindex = ndm->ndm_ifindex;
	n.state = ndm->ndm_state;
	n.flags = ndm->ndm_flags;
	if (tb[NDA_DST]) {
		/* FDB entries carry the remote VTEP of either family. */
		if (!nl_attr_ip(tb[NDA_DST], AF_INET, &n.dst))
			nl_attr_ip(tb[NDA_DST], AF_INET6, &n.dst);
	}
	if (tb[NDA_LLADDR] && mnl_attr_get_payload_len(tb[NDA_LLADDR]) == 6) {
		memcpy(n.lladdr, mnl_attr_get_payload(tb[NDA_LLADDR]), 6);
		n.has_lladdr = true;
	}
	nl_attr_u16(tb[NDA_VLAN], &n.vlan);
	if (nl_attr_u32(tb[NDA_MASTER], &u32))
		n.master = (int)u32;
	*ret = n;
	return 0;
}

int nl_neigh_msg(void *buf, uint16_t type, uint16_t nlflags, const struct nl_neigh *n)
{
	struct nlmsghdr *nlh;
	struct ndmsg *ndm;

	if (n->family != AF_INET && n->family != AF_INET6 && n->family != AF_BRIDGE)
		return -EAFNOSUPPORT;
	if (n->ifindex <= 0)
		return -EINVAL;
	if (n->family != AF_BRIDGE && n->dst.family != n->family)
		return -EINVAL;
	if (n->family == AF_BRIDGE && !n->has_lladdr)
		return -EINVAL;
	nlh = nl_msg_new(buf, type, nlflags);
	ndm = mnl_nlmsg_put_extra_header(nlh, sizeof(*ndm));
	ndm->ndm_family = n->family;
	ndm->ndm_ifindex = n->ifindex;
	ndm->ndm_state = n->state;
	ndm->ndm_flags = n->flags;
	if (n->dst.family)
		nl_put_ip(nlh, NDA_DST, &n->dst);
	if (n->has_lladdr)
		mnl_attr_put(nlh, NDA_LLADDR, 6, n->lladdr);
	if (n->vlan)
		mnl_attr_put_u16(nlh, NDA_VLAN, n->vlan);
	return 0;
}

static int neigh_send(struct nl_sock *sk, uint16_t type, uint16_t nlflags,
		      const struct nl_neigh *n)
{
	char buf[NL_MSG_MAX];
	int r = nl_neigh_msg(buf, type, nlflags, n);

	return r < 0 ? r : nl_sock_request(sk, (struct nlmsghdr *)buf);
}

int nl_neigh_replace(struct nl_sock *sk, const struct nl_neigh *n)
{
	return neigh_send(sk, RTM_NEWNEIGH, NLM_F_CREATE | NLM_F_REPLACE, n);
}

int nl_neigh_del(struct nl_sock *sk, const struct nl_neigh *n)
{
	int r = neigh_send(sk, RTM_DELNEIGH, 0, n);

	return (r == -ENOENT || r == -ENODEV) ? 0 : r;
}

void nl_neigh_init_permanent(struct nl_neigh *n, int ifindex, const struct ip_addr *ip,
			     const uint8_t mac[6])
{
	*n = (struct nl_neigh){
		.family = ip->family,
		.ifindex = ifindex,
		.dst = *ip,
		.has_lladdr = true,
		.state = NUD_PERMANENT,
	};
	memcpy(n->lladdr, mac, 6);
}

void nl_fdb_init_vxlan(struct nl_neigh *n, int ifindex, const uint8_t mac[6],
		       const struct ip_addr *remote)
{
	*n = (struct nl_neigh){
		.family = AF_BRIDGE,
		.ifindex = ifindex,
		.has_lladdr = true,
		.state = NUD_PERMANENT,
		.flags = NTF_SELF,
	};
	if (remote)
		n->dst = *remote;
	memcpy(n->lladdr, mac, 6);
}

struct dump_ctx {
	int ifindex;
	struct nl_neigh *v;
	size_t n, cap;
};

static int dump_cb(const struct nlmsghdr *nlh, void *userdata)
{
	struct dump_ctx *c = userdata;
	struct nl_neigh n;

	if (nl_neigh_parse(nlh, &n) < 0)
		return 0;
	if (c->ifindex && n.ifindex != c->ifindex)
		return 0;
	return nl_vec_push(&c->v, &c->n, &c->cap, &n, sizeof(n));
}

int nl_neigh_dump(struct nl_sock *sk, int family, int ifindex, struct nl_neigh **ret,
		  size_t *ret_n)
{
	char buf[NL_MSG_MAX];
	struct nlmsghdr *nlh = nl_msg_new(buf, RTM_GETNEIGH, NLM_F_DUMP);
	struct ndmsg *ndm = mnl_nlmsg_put_extra_header(nlh, sizeof(*ndm));
	struct dump_ctx c = { .ifindex = ifindex };
	int r;

	ndm->ndm_family = family;
	r = nl_sock_dump(sk, nlh, dump_cb, &c);
	if (r < 0) {
		free(c.v);
		return r;
	}
	*ret = c.v;
	*ret_n = c.n;
	return 0;
}
