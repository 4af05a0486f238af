// SPDX-License-Identifier: Apache-2.0
/*
 * nl-link.c - links: parse RTM_NEWLINK, build create/change/delete requests,
 * bridge-port flags and VLANs.
 */
#include <net/if.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <sys/random.h>
#include <arpa/inet.h>
#include <libmnl/libmnl.h>
#include <linux/if.h>
#include <linux/if_bridge.h>
#include <linux/if_link.h>
#include <linux/rtnetlink.h>
#include <linux/veth.h>

#include "basic/mac.h"
#include "basic/macro.h"
#include "netlink/nl-internal.h"
#include "netlink/nl-link.h"

static void parse_vxlan(const struct nlattr *data, struct nl_vxlan *vx)
{
	const struct nlattr *tb[IFLA_VXLAN_MAX + 1] = {};
	uint32_t u32;
	uint16_t port;
	uint8_t u8;

	if (nl_attr_table_nested(data, tb, IFLA_VXLAN_MAX) < 0)
		return;
	nl_attr_u32(tb[IFLA_VXLAN_ID], &vx->vni);
	if (nl_attr_u32(tb[IFLA_VXLAN_LINK], &u32))
		vx->link = (int)u32;
	if (!nl_attr_ip(tb[IFLA_VXLAN_LOCAL], AF_INET, &vx->local))
		nl_attr_ip(tb[IFLA_VXLAN_LOCAL6], AF_INET6, &vx->local);
	if (!nl_attr_ip(tb[IFLA_VXLAN_GROUP], AF_INET, &vx->group))
		nl_attr_ip(tb[IFLA_VXLAN_GROUP6], AF_INET6, &vx->group);
	/* The kernel reports 0.0.0.0 for "no local address" on some versions. */
	if (ip_addr_is_zero(&vx->local))
		vx->local.family = 0;
	if (ip_addr_is_zero(&vx->group))
		vx->group.family = 0;
	if (nl_attr_u16(tb[IFLA_VXLAN_PORT], &port))
		vx->port = ntohs(port);
	if (nl_attr_u8(tb[IFLA_VXLAN_LEARNING], &u8))
		vx->learning = u8;
	if (nl_attr_u8(tb[IFLA_VXLAN_L2MISS], &u8))
		vx->l2miss = u8;
	if (nl_attr_u8(tb[IFLA_VXLAN_L3MISS], &u8))
		vx->l3miss = u8;
	nl_attr_u8(tb[IFLA_VXLAN_TTL], &vx->ttl);
	nl_attr_u8(tb[IFLA_VXLAN_TOS], &vx->tos);
	vx->gbp = tb[IFLA_VXLAN_GBP] != NULL;
}

static void parse_linkinfo(const struct nlattr *info, struct nl_link *l)
{
	const struct nlattr *tb[IFLA_INFO_MAX + 1] = {};

	if (nl_attr_table_nested(info, tb, IFLA_INFO_MAX) < 0)
		return;
	nl_attr_str(tb[IFLA_INFO_KIND], l->kind, sizeof(l->kind));
	nl_attr_str(tb[IFLA_INFO_SLAVE_KIND], l->slave_kind, sizeof(l->slave_kind));
	if (!tb[IFLA_INFO_DATA])
		return;
	if (streq(l->kind, "vxlan")) {
		parse_vxlan(tb[IFLA_INFO_DATA], &l->vxlan);
	} else if (streq(l->kind, "macvlan")) {
		const struct nlattr *mv[IFLA_MACVLAN_MAX + 1] = {};

		if (nl_attr_table_nested(tb[IFLA_INFO_DATA], mv, IFLA_MACVLAN_MAX) == 0)
			nl_attr_u32(mv[IFLA_MACVLAN_MODE], &l->macvlan_mode);
	} else if (streq(l->kind, "ipvlan")) {
		const struct nlattr *iv[IFLA_IPVLAN_MAX + 1] = {};

		if (nl_attr_table_nested(tb[IFLA_INFO_DATA], iv, IFLA_IPVLAN_MAX) == 0)
			nl_attr_u16(iv[IFLA_IPVLAN_MODE], &l->ipvlan_mode);
	} else if (streq(l->kind, "vlan")) {
		const struct nlattr *vl[IFLA_VLAN_MAX + 1] = {};

		if (nl_attr_table_nested(tb[IFLA_INFO_DATA], vl, IFLA_VLAN_MAX) == 0)
			nl_attr_u16(vl[IFLA_VLAN_ID], &l->vlan_id);
	} else if (streq(l->kind, "vrf")) {
		const struct nlattr *vr[IFLA_VRF_MAX + 1] = {};

		if (nl_attr_table_nested(tb[IFLA_INFO_DATA], vr, IFLA_VRF_MAX) == 0)
			nl_attr_u32(vr[IFLA_VRF_TABLE], &l->vrf_table);
	} else if (streq(l->kind, "bridge")) {
		const struct nlattr *br[IFLA_BR_MAX + 1] = {};
		uint8_t u8;

		if (nl_attr_table_nested(tb[IFLA_INFO_DATA], br, IFLA_BR_MAX) == 0 &&
		    nl_attr_u8(br[IFLA_BR_VLAN_FILTERING], &u8))
			l->vlan_filtering = u8;
	}
}

int nl_link_parse(const struct nlmsghdr *nlh, struct nl_link *ret)
{
	const struct nlattr *tb[IFLA_MAX + 1] = {};
	const struct ifinfomsg *ifi;
	struct nl_link l = { .link_netnsid = -1 };
	uint32_t u32;
	int r;

	if (nlh->nlmsg_type != RTM_NEWLINK && nlh->nlmsg_type != RTM_DELLINK)
		return -EINVAL;
	if (mnl_nlmsg_get_payload_len(nlh) < sizeof(*ifi))
		return -EBADMSG;
	ifi = mnl_nlmsg_get_payload(nlh);
	r = nl_attr_table(nlh, sizeof(*ifi), tb, IFLA_MAX);
	if (r < 0)
		return r;
	l.ifindex = ifi->ifi_index;
	l.type = ifi->ifi_type;
	l.flags = ifi->ifi_flags;
	if (!nl_attr_str(tb[IFLA_IFNAME], l.name, sizeof(l.name)))
		return -EBADMSG;
	if (tb[IFLA_IFALIAS])
		nl_attr_str(tb[IFLA_IFALIAS], l.alias, sizeof(l.alias));
	nl_attr_u32(tb[IFLA_MTU], &l.mtu);
	nl_attr_u32(tb[IFLA_TXQLEN], &l.txqlen);
	nl_attr_u8(tb[IFLA_OPERSTATE], &l.operstate);
	if (nl_attr_u32(tb[IFLA_MASTER], &u32))
		l.master = (int)u32;
	if (nl_attr_u32(tb[IFLA_LINK], &u32))
		l.link = (int)u32;
	if (nl_attr_u32(tb[IFLA_LINK_NETNSID], &u32))
		l.link_netnsid = (int)u32;
	if (tb[IFLA_ADDRESS] && mnl_attr_get_payload_len(tb[IFLA_ADDRESS]) == 6) {
		memcpy(l.mac, mnl_attr_get_payload(tb[IFLA_ADDRESS]), 6);
		l.has_mac = true;
	}
	if (tb[IFLA_LINKINFO])
		parse_linkinfo(tb[IFLA_LINKINFO], &l);
	if (tb[IFLA_STATS64] &&
	    mnl_attr_get_payload_len(tb[IFLA_STATS64]) >= 2 * sizeof(uint64_t)) {
		/* struct rtnl_link_stats64 starts with rx_packets, tx_packets */
		memcpy(&l.tx_packets, (const uint8_t *)mnl_attr_get_payload(tb[IFLA_STATS64]) +
		       sizeof(uint64_t), sizeof(uint64_t));
	}
	*ret = l;
	return 0;
}

bool nl_vxlan_matches(const struct nl_vxlan *have, const struct nl_vxlan *want)
{
	uint16_t hp = have->port ? have->port : NL_VXLAN_DEFAULT_PORT;
	uint16_t wp = want->port ? want->port : NL_VXLAN_DEFAULT_PORT;

	return have->vni == want->vni && have->link == want->link &&
	       ip_addr_equal(&have->local, &want->local) &&
	       ip_addr_equal(&have->group, &want->group) && have->l2miss == want->l2miss &&
	       hp == wp && have->gbp == want->gbp;
}

struct get_ctx {
	struct nl_link link;
	bool found;
};

static int get_cb(const struct nlmsghdr *nlh, void *userdata)
{
	struct get_ctx *c = userdata;

	if (nl_link_parse(nlh, &c->link) == 0)
		c->found = true;
	return 0;
}

static int link_get(struct nl_sock *sk, int ifindex, const char *name, struct nl_link *ret)
{
	char buf[NL_MSG_MAX];
	struct nlmsghdr *nlh = nl_msg_new(buf, RTM_GETLINK, 0);
	struct ifinfomsg *ifi = mnl_nlmsg_put_extra_header(nlh, sizeof(*ifi));
	struct get_ctx c = {};
	int r;

	ifi->ifi_family = AF_UNSPEC;
	ifi->ifi_index = ifindex;
	if (name) {
		if (!nl_ifname_valid(name))
			return -EINVAL;
		mnl_attr_put_strz(nlh, IFLA_IFNAME, name);
	}
	/* Skip VF and stats blobs we never read. */
	mnl_attr_put_u32(nlh, IFLA_EXT_MASK, RTEXT_FILTER_SKIP_STATS);
	r = nl_sock_dump(sk, nlh, get_cb, &c);
	if (r < 0)
		return r;
	if (!c.found)
		return -ENODEV;
	*ret = c.link;
	return 0;
}

int nl_link_get_by_name(struct nl_sock *sk, const char *name, struct nl_link *ret)
{
	if (!name)
		return -EINVAL;
	return link_get(sk, 0, name, ret);
}

int nl_link_get_by_index(struct nl_sock *sk, int ifindex, struct nl_link *ret)
{
	if (ifindex <= 0)
		return -EINVAL;
	return link_get(sk, ifindex, NULL, ret);
}

int nl_link_name_to_index(struct nl_sock *sk, const char *name)
{
	struct nl_link l;
	int r = nl_link_get_by_name(sk, name, &l);

	if (r == -ENODEV)
		return 0;
	return r < 0 ? r : l.ifindex;
}

struct dump_ctx {
	struct nl_link *v;
	size_t n, cap;
};

static int dump_cb(const struct nlmsghdr *nlh, void *userdata)
{
	struct dump_ctx *c = userdata;
	struct nl_link l;

	if (nl_link_parse(nlh, &l) < 0)
		return 0;
	return nl_vec_push(&c->v, &c->n, &c->cap, &l, sizeof(l));
}

int nl_link_dump(struct nl_sock *sk, struct nl_link **ret, size_t *ret_n)
{
	char buf[NL_MSG_MAX];
	struct nlmsghdr *nlh = nl_msg_new(buf, RTM_GETLINK, NLM_F_DUMP);
	struct ifinfomsg *ifi = mnl_nlmsg_put_extra_header(nlh, sizeof(*ifi));
	struct dump_ctx c = {};
	int r;

	ifi->ifi_family = AF_UNSPEC;
	mnl_attr_put_u32(nlh, IFLA_EXT_MASK, RTEXT_FILTER_SKIP_STATS);
	r = nl_sock_dump(sk, nlh, dump_cb, &c);
	if (r < 0) {
		free(c.v);
		return r;
	}
	*ret = c.v;
	*ret_n = c.n;
	return 0;
}

/* --- creation --- */

static struct nlmsghdr *newlink_start(void *buf, const char *name, uint32_t mtu,
				      const uint8_t *mac)
{
	struct nlmsghdr *nlh = nl_msg_new(buf, RTM_NEWLINK, NLM_F_CREATE | NLM_F_EXCL);
	struct ifinfomsg *ifi = mnl_nlmsg_put_extra_header(nlh, sizeof(*ifi));

	ifi->ifi_family = AF_UNSPEC;
	mnl_attr_put_strz(nlh, IFLA_IFNAME, name);
	if (mtu)
		mnl_attr_put_u32(nlh, IFLA_MTU, mtu);
	if (mac)
		mnl_attr_put(nlh, IFLA_ADDRESS, 6, mac);
	return nlh;
}

int nl_bridge_create_msg(void *buf, const struct nl_bridge_spec *s)
{
	struct nlmsghdr *nlh;
	struct nlattr *info, *data;

	if (!nl_ifname_valid(s->name))
		return -EINVAL;
	nlh = newlink_start(buf, s->name, s->mtu, s->mac);
	info = mnl_attr_nest_start(nlh, IFLA_LINKINFO);
	mnl_attr_put_strz(nlh, IFLA_INFO_KIND, "bridge");
	if (s->vlan_filtering) {
		data = mnl_attr_nest_start(nlh, IFLA_INFO_DATA);
		mnl_attr_put_u8(nlh, IFLA_BR_VLAN_FILTERING, 1);
		mnl_attr_nest_end(nlh, data);
	}
	mnl_attr_nest_end(nlh, info);
	return 0;
}

int nl_veth_create_msg(void *buf, const struct nl_veth_spec *s)
{
	struct nlmsghdr *nlh;
	struct nlattr *info, *data, *peer;
	struct ifinfomsg *pifi;

	if (!nl_ifname_valid(s->name) || !nl_ifname_valid(s->peer_name))
		return -EINVAL;
	nlh = newlink_start(buf, s->name, s->mtu, s->mac);
	info = mnl_attr_nest_start(nlh, IFLA_LINKINFO);
	mnl_attr_put_strz(nlh, IFLA_INFO_KIND, "veth");
	data = mnl_attr_nest_start(nlh, IFLA_INFO_DATA);
	/* The peer is a whole ifinfomsg + attributes, created in its own namespace. */
	peer = mnl_attr_nest_start(nlh, VETH_INFO_PEER);
	pifi = mnl_nlmsg_put_extra_header(nlh, sizeof(*pifi));
	pifi->ifi_family = AF_UNSPEC;
	mnl_attr_put_strz(nlh, IFLA_IFNAME, s->peer_name);
	if (s->peer_mtu || s->mtu)
		mnl_attr_put_u32(nlh, IFLA_MTU, s->peer_mtu ? s->peer_mtu : s->mtu);
	if (s->peer_mac)
		mnl_attr_put(nlh, IFLA_ADDRESS, 6, s->peer_mac);
	if (s->peer_netns_fd >= 0)
		mnl_attr_put_u32(nlh, IFLA_NET_NS_FD, (uint32_t)s->peer_netns_fd);
	mnl_attr_nest_end(nlh, peer);
	mnl_attr_nest_end(nlh, data);
	mnl_attr_nest_end(nlh, info);
	return 0;
}

int nl_vxlan_create_msg(void *buf, const struct nl_vxlan_spec *s)
{
	const struct nl_vxlan *vx = &s->vx;
	struct nlmsghdr *nlh;
	struct nlattr *info, *data;

	if (!nl_ifname_valid(s->name) || vx->vni >= (1u << 24))
		return -EINVAL;
	if (vx->local.family && vx->local.family != AF_INET && vx->local.family != AF_INET6)
		return -EAFNOSUPPORT;
	if (vx->group.family && vx->group.family != AF_INET && vx->group.family != AF_INET6)
		return -EAFNOSUPPORT;
	nlh = newlink_start(buf, s->name, s->mtu, s->mac);
	info = mnl_attr_nest_start(nlh, IFLA_LINKINFO);
	mnl_attr_put_strz(nlh, IFLA_INFO_KIND, "vxlan");
	data = mnl_attr_nest_start(nlh, IFLA_INFO_DATA);
	mnl_attr_put_u32(nlh, IFLA_VXLAN_ID, vx->vni);
	if (vx->link > 0)
		mnl_attr_put_u32(nlh, IFLA_VXLAN_LINK, (uint32_t)vx->link);
	if (vx->local.family == AF_INET)
		nl_put_ip(nlh, IFLA_VXLAN_LOCAL, &vx->local);
	else if (vx->local.family == AF_INET6)
		nl_put_ip(nlh, IFLA_VXLAN_LOCAL6, &vx->local);
	/* A unicast remote (the mirror plugin's collector) is sent as the group. */
	if (vx->group.family == AF_INET)
		nl_put_ip(nlh, IFLA_VXLAN_GROUP, &vx->group);
	else if (vx->group.family == AF_INET6)
		nl_put_ip(nlh, IFLA_VXLAN_GROUP6, &vx->group);
	/* Explicit zeros, as flannel sends them: an existing kernel default never leaks in. */
	mnl_attr_put_u8(nlh, IFLA_VXLAN_TTL, vx->ttl);
	mnl_attr_put_u8(nlh, IFLA_VXLAN_TOS, vx->tos);
	mnl_attr_put_u8(nlh, IFLA_VXLAN_LEARNING, vx->learning);
	mnl_attr_put_u8(nlh, IFLA_VXLAN_PROXY, 0);
	mnl_attr_put_u8(nlh, IFLA_VXLAN_RSC, 0);
	mnl_attr_put_u8(nlh, IFLA_VXLAN_L2MISS, vx->l2miss);
	mnl_attr_put_u8(nlh, IFLA_VXLAN_L3MISS, vx->l3miss);
	mnl_attr_put_u8(nlh, IFLA_VXLAN_UDP_ZERO_CSUM6_TX, 0);
	mnl_attr_put_u8(nlh, IFLA_VXLAN_UDP_ZERO_CSUM6_RX, 0);
	if (vx->gbp)
		mnl_attr_put(nlh, IFLA_VXLAN_GBP, 0, NULL);
	if (vx->port)
		mnl_attr_put_u16(nlh, IFLA_VXLAN_PORT, htons(vx->port));
	mnl_attr_nest_end(nlh, data);
	mnl_attr_nest_end(nlh, info);
	return 0;
}

int nl_ifb_create_msg(void *buf, const char *name, uint32_t mtu)
{
	struct nlmsghdr *nlh;
	struct nlattr *info;

	if (!nl_ifname_valid(name))
		return -EINVAL;
	nlh = newlink_start(buf, name, mtu, NULL);
	info = mnl_attr_nest_start(nlh, IFLA_LINKINFO);
	mnl_attr_put_strz(nlh, IFLA_INFO_KIND, "ifb");
	mnl_attr_nest_end(nlh, info);
	return 0;
}

const char *nl_sublink_kind_name(enum nl_sublink_kind k)
{
	switch (k) {
	case NL_SUBLINK_MACVLAN:
		return "macvlan";
	case NL_SUBLINK_IPVLAN:
		return "ipvlan";
	case NL_SUBLINK_VLAN:
		return "vlan";
	case NL_SUBLINK_DUMMY:
		return "dummy";
	case NL_SUBLINK_VRF:
		return "vrf";
	}
	return NULL;
}

static bool sublink_needs_parent(enum nl_sublink_kind k)
{
	switch (k) {
	case NL_SUBLINK_MACVLAN:
	case NL_SUBLINK_IPVLAN:
	case NL_SUBLINK_VLAN:
		return true;
	case NL_SUBLINK_DUMMY:
	case NL_SUBLINK_VRF:
		return false;
	}
	return false;
}

int nl_sublink_create_msg(void *buf, const struct nl_sublink_spec *s)
{
	const char *kind = nl_sublink_kind_name(s->kind);
	struct nlmsghdr *nlh;
	struct nlattr *info, *data = NULL;

	if (!kind || !nl_ifname_valid(s->name))
		return -EINVAL;
	if (sublink_needs_parent(s->kind) ? s->link <= 0 : s->link != 0)
		return -EINVAL;
	/* 802.1Q: 0 and 4095 are reserved, but the kernel takes 0 (priority tags only). */
	if (s->kind == NL_SUBLINK_VLAN && s->vlan_id > 4094)
		return -ERANGE;
	nlh = newlink_start(buf, s->name, s->mtu, s->mac);
	if (s->link > 0)
		mnl_attr_put_u32(nlh, IFLA_LINK, (uint32_t)s->link);
	if (s->netns_fd >= 0)
		mnl_attr_put_u32(nlh, IFLA_NET_NS_FD, (uint32_t)s->netns_fd);
	info = mnl_attr_nest_start(nlh, IFLA_LINKINFO);
	mnl_attr_put_strz(nlh, IFLA_INFO_KIND, kind);
	switch (s->kind) {
	case NL_SUBLINK_MACVLAN:
		data = mnl_attr_nest_start(nlh, IFLA_INFO_DATA);
		mnl_attr_put_u32(nlh, IFLA_MACVLAN_MODE, s->mode);
		break;
	case NL_SUBLINK_IPVLAN:
		data = mnl_attr_nest_start(nlh, IFLA_INFO_DATA);
		mnl_attr_put_u16(nlh, IFLA_IPVLAN_MODE, (uint16_t)s->mode);
		break;
	case NL_SUBLINK_VLAN:
		data = mnl_attr_nest_start(nlh, IFLA_INFO_DATA);
		mnl_attr_put_u16(nlh, IFLA_VLAN_ID, s->vlan_id);
		break;
	case NL_SUBLINK_VRF:
		data = mnl_attr_nest_start(nlh, IFLA_INFO_DATA);
		mnl_attr_put_u32(nlh, IFLA_VRF_TABLE, s->table);
		break;
	case NL_SUBLINK_DUMMY:
		break;
	}
	if (data)
		mnl_attr_nest_end(nlh, data);
	mnl_attr_nest_end(nlh, info);
	return 0;
}

#define SEND_BUILT(sk, build)                   \
	({                                      \
		char _buf[NL_MSG_MAX];          \
		int _r = (build);               \
		if (_r >= 0)                    \
			_r = nl_sock_request((sk), (struct nlmsghdr *)_buf); \
		_r;                             \
	})

int nl_bridge_create(struct nl_sock *sk, const struct nl_bridge_spec *s)
{
	return SEND_BUILT(sk, nl_bridge_create_msg(_buf, s));
}

int nl_veth_create(struct nl_sock *sk, const struct nl_veth_spec *s)
{
	return SEND_BUILT(sk, nl_veth_create_msg(_buf, s));
}

int nl_vxlan_create(struct nl_sock *sk, const struct nl_vxlan_spec *s)
{
	return SEND_BUILT(sk, nl_vxlan_create_msg(_buf, s));
}

int nl_sublink_create(struct nl_sock *sk, const struct nl_sublink_spec *s)
{
	return SEND_BUILT(sk, nl_sublink_create_msg(_buf, s));
}

int nl_ifb_create(struct nl_sock *sk, const char *name, uint32_t mtu)
{
	return SEND_BUILT(sk, nl_ifb_create_msg(_buf, name, mtu));
}

/* --- changes --- */

static struct nlmsghdr *setlink_start(void *buf, int family, int ifindex,
				      struct ifinfomsg **ret_ifi)
{
	struct nlmsghdr *nlh = nl_msg_new(buf, RTM_SETLINK, 0);
	struct ifinfomsg *ifi = mnl_nlmsg_put_extra_header(nlh, sizeof(*ifi));

	ifi->ifi_family = family;
	ifi->ifi_index = ifindex;
	if (ret_ifi)
		*ret_ifi = ifi;
	return nlh;
}

static void change_flag(struct ifinfomsg *ifi, unsigned flag, bool on)
{
	ifi->ifi_change |= flag;
	if (on)
		ifi->ifi_flags |= flag;
}

int nl_link_change_msg(void *buf, int ifindex, const struct nl_link_change *c)
{
	struct ifinfomsg *ifi;
	struct nlmsghdr *nlh;

	if (ifindex <= 0 || c->set == 0)
		return -EINVAL;
	if ((c->set & NL_LINK_SET_NAME) && !nl_ifname_valid(c->name))
		return -EINVAL;
	if ((c->set & NL_LINK_SET_NETNS_FD) && c->netns_fd < 0)
		return -EBADF;
	if ((c->set & NL_LINK_SET_ALIAS) && (!c->alias || strlen(c->alias) >= NL_IFALIASZ))
		return -EINVAL;
	nlh = setlink_start(buf, AF_UNSPEC, ifindex, &ifi);
	if (c->set & NL_LINK_SET_UP)
		change_flag(ifi, IFF_UP, c->up);
	if (c->set & NL_LINK_SET_PROMISC)
		change_flag(ifi, IFF_PROMISC, c->promisc);
	if (c->set & NL_LINK_SET_ALLMULTI)
		change_flag(ifi, IFF_ALLMULTI, c->allmulti);
	if (c->set & NL_LINK_SET_NAME)
		mnl_attr_put_strz(nlh, IFLA_IFNAME, c->name);
	if (c->set & NL_LINK_SET_MTU)
		mnl_attr_put_u32(nlh, IFLA_MTU, c->mtu);
	if (c->set & NL_LINK_SET_MAC)
		mnl_attr_put(nlh, IFLA_ADDRESS, 6, c->mac);
	if (c->set & NL_LINK_SET_MASTER)
		mnl_attr_put_u32(nlh, IFLA_MASTER, (uint32_t)c->master);
	if (c->set & NL_LINK_SET_TXQLEN)
		mnl_attr_put_u32(nlh, IFLA_TXQLEN, c->txqlen);
	if (c->set & NL_LINK_SET_NETNS_FD)
		mnl_attr_put_u32(nlh, IFLA_NET_NS_FD, (uint32_t)c->netns_fd);
	/* without the NUL, as iproute2 sends it: the kernel stores exactly len bytes */
	if (c->set & NL_LINK_SET_ALIAS)
		mnl_attr_put(nlh, IFLA_IFALIAS, strlen(c->alias), c->alias);
	return 0;
}

int nl_link_change(struct nl_sock *sk, int ifindex, const struct nl_link_change *c)
{
	return SEND_BUILT(sk, nl_link_change_msg(_buf, ifindex, c));
}

int nl_link_set_up(struct nl_sock *sk, int ifindex, bool up)
{
	return nl_link_change(sk, ifindex, &(struct nl_link_change){ .set = NL_LINK_SET_UP,
								    .up = up });
}

int nl_link_set_mtu(struct nl_sock *sk, int ifindex, uint32_t mtu)
{
	return nl_link_change(sk, ifindex, &(struct nl_link_change){ .set = NL_LINK_SET_MTU,
								    .mtu = mtu });
}

int nl_link_set_mac(struct nl_sock *sk, int ifindex, const uint8_t mac[6])
{
	struct nl_link_change c = { .set = NL_LINK_SET_MAC };

	memcpy(c.mac, mac, 6);
	return nl_link_change(sk, ifindex, &c);
}

int nl_link_set_master(struct nl_sock *sk, int ifindex, int master)
{
	return nl_link_change(sk, ifindex, &(struct nl_link_change){ .set = NL_LINK_SET_MASTER,
								    .master = master });
}

int nl_link_set_promisc(struct nl_sock *sk, int ifindex, bool on)
{
	return nl_link_change(sk, ifindex, &(struct nl_link_change){ .set = NL_LINK_SET_PROMISC,
								    .promisc = on });
}

int nl_link_set_allmulti(struct nl_sock *sk, int ifindex, bool on)
{
	return nl_link_change(sk, ifindex,
			      &(struct nl_link_change){ .set = NL_LINK_SET_ALLMULTI,
							.allmulti = on });
}

int nl_link_set_txqlen(struct nl_sock *sk, int ifindex, uint32_t txqlen)
{
	return nl_link_change(sk, ifindex, &(struct nl_link_change){ .set = NL_LINK_SET_TXQLEN,
								    .txqlen = txqlen });
}

int nl_link_set_name(struct nl_sock *sk, int ifindex, const char *name)
{
	return nl_link_change(sk, ifindex, &(struct nl_link_change){ .set = NL_LINK_SET_NAME,
								    .name = name });
}

int nl_link_set_netns(struct nl_sock *sk, int ifindex, int nsfd, const char *new_name)
{
	struct nl_link_change c = { .set = NL_LINK_SET_NETNS_FD, .netns_fd = nsfd };

	if (new_name) {
		c.set |= NL_LINK_SET_NAME;
		c.name = new_name;
	}
	return nl_link_change(sk, ifindex, &c);
}

int nl_link_del_msg(void *buf, int ifindex)
{
	struct nlmsghdr *nlh;
	struct ifinfomsg *ifi;

	if (ifindex <= 0)
		return -EINVAL;
	nlh = nl_msg_new(buf, RTM_DELLINK, 0);
	ifi = mnl_nlmsg_put_extra_header(nlh, sizeof(*ifi));
	ifi->ifi_family = AF_UNSPEC;
	ifi->ifi_index = ifindex;
	return 0;
}

int nl_link_del(struct nl_sock *sk, int ifindex)
{
	int r = SEND_BUILT(sk, nl_link_del_msg(_buf, ifindex));

	return r == -ENODEV ? 0 : r;
}

int nl_link_del_by_name(struct nl_sock *sk, const char *name)
{
	int ifindex = nl_link_name_to_index(sk, name);

	if (ifindex <= 0)
		return ifindex;
	return nl_link_del(sk, ifindex);
}

int nl_link_wait_oper_up(struct nl_sock *sk, int ifindex, unsigned timeout_ms)
{
	unsigned waited = 0;

	for (;;) {
		struct nl_link l;
		int r = nl_link_get_by_index(sk, ifindex, &l);

		if (r < 0)
			return r;
		if (l.operstate == IF_OPER_UP ||
		    (l.operstate == IF_OPER_UNKNOWN && (l.flags & IFF_RUNNING)))
			return 0;
		if (waited >= timeout_ms)
			return -ETIMEDOUT;
		nanosleep(&(struct timespec){ .tv_nsec = 20 * 1000 * 1000 }, NULL);
		waited += 20;
	}
}

/* --- bridge ports --- */

int nl_brport_set_msg(void *buf, int ifindex, const struct nl_brport_opts *o)
{
	struct nlmsghdr *nlh;
	struct nlattr *pi;

	if (ifindex <= 0)
		return -EINVAL;
	nlh = setlink_start(buf, AF_BRIDGE, ifindex, NULL);
	/* NLA_F_NESTED (set by libmnl) tells br_setlink this is not the legacy u8 state. */
	pi = mnl_attr_nest_start(nlh, IFLA_PROTINFO);
	if (o->hairpin != NL_UNCHANGED)
		mnl_attr_put_u8(nlh, IFLA_BRPORT_MODE, !!o->hairpin);
	if (o->isolated != NL_UNCHANGED)
		mnl_attr_put_u8(nlh, IFLA_BRPORT_ISOLATED, !!o->isolated);
	if (o->learning != NL_UNCHANGED)
		mnl_attr_put_u8(nlh, IFLA_BRPORT_LEARNING, !!o->learning);
	mnl_attr_nest_end(nlh, pi);
	return 0;
}

int nl_brport_set(struct nl_sock *sk, int ifindex, const struct nl_brport_opts *o)
{
	return SEND_BUILT(sk, nl_brport_set_msg(_buf, ifindex, o));
}

int nl_bridge_vlan_msg(void *buf, bool add, int ifindex, bool self,
		       const struct nl_bridge_vlan *v, size_t n)
{
	struct nlmsghdr *nlh;
	struct nlattr *spec;

	if (ifindex <= 0 || n == 0 || n > 256)
		return -EINVAL;
	nlh = setlink_start(buf, AF_BRIDGE, ifindex, NULL);
	if (!add)
		nlh->nlmsg_type = RTM_DELLINK;
	spec = mnl_attr_nest_start(nlh, IFLA_AF_SPEC);
	if (self)
		mnl_attr_put_u16(nlh, IFLA_BRIDGE_FLAGS, BRIDGE_FLAGS_SELF);
	for (size_t i = 0; i < n; i++) {
		struct bridge_vlan_info vi = { .vid = v[i].vid };
		uint16_t end = v[i].vid_end;

		if (v[i].vid < 1 || v[i].vid > 4094 || (end && (end < v[i].vid || end > 4094)))
			return -EINVAL;
		if (v[i].pvid)
			vi.flags |= BRIDGE_VLAN_INFO_PVID;
		if (v[i].untagged)
			vi.flags |= BRIDGE_VLAN_INFO_UNTAGGED;
		if (end && end != v[i].vid) {
			/* A PVID names one VLAN; the kernel rejects it on a range. */
			if (v[i].pvid)
				return -EINVAL;
			vi.flags |= BRIDGE_VLAN_INFO_RANGE_BEGIN;
			mnl_attr_put(nlh, IFLA_BRIDGE_VLAN_INFO, sizeof(vi), &vi);
			vi.flags &= ~BRIDGE_VLAN_INFO_RANGE_BEGIN;
			vi.flags |= BRIDGE_VLAN_INFO_RANGE_END;
			vi.vid = end;
		}
		mnl_attr_put(nlh, IFLA_BRIDGE_VLAN_INFO, sizeof(vi), &vi);
	}
	mnl_attr_nest_end(nlh, spec);
	return 0;
}

int nl_bridge_vlan_add(struct nl_sock *sk, int ifindex, bool self,
		       const struct nl_bridge_vlan *v, size_t n)
{
	return SEND_BUILT(sk, nl_bridge_vlan_msg(_buf, true, ifindex, self, v, n));
}

int nl_bridge_vlan_del(struct nl_sock *sk, int ifindex, bool self,
		       const struct nl_bridge_vlan *v, size_t n)
{
	return SEND_BUILT(sk, nl_bridge_vlan_msg(_buf, false, ifindex, self, v, n));
}

struct vlan_ctx {
	int ifindex;
	struct nl_bridge_vlan *v;
	size_t n, cap;
};

static int vlan_cb(const struct nlmsghdr *nlh, void *userdata)
{
	struct vlan_ctx *c = userdata;
	const struct nlattr *tb[IFLA_MAX + 1] = {};
	const struct ifinfomsg *ifi = mnl_nlmsg_get_payload(nlh);
	const struct nlattr *a;
	uint16_t range_start = 0;

	if (nlh->nlmsg_type != RTM_NEWLINK || mnl_nlmsg_get_payload_len(nlh) < sizeof(*ifi))
		return 0;
	if (ifi->ifi_index != c->ifindex || nl_attr_table(nlh, sizeof(*ifi), tb, IFLA_MAX) < 0)
		return 0;
	if (!tb[IFLA_AF_SPEC])
		return 0;
	mnl_attr_for_each_nested(a, tb[IFLA_AF_SPEC]) {
		const struct bridge_vlan_info *vi;
		uint16_t first, last;

		if (mnl_attr_get_type(a) != IFLA_BRIDGE_VLAN_INFO ||
		    mnl_attr_get_payload_len(a) < sizeof(*vi))
			continue;
		vi = mnl_attr_get_payload(a);
		if (vi->flags & BRIDGE_VLAN_INFO_RANGE_BEGIN) {
			range_start = vi->vid;
			continue;
		}
		first = last = vi->vid;
		if ((vi->flags & BRIDGE_VLAN_INFO_RANGE_END) && range_start && range_start < last)
			first = range_start;
		range_start = 0;
		for (unsigned vid = first; vid <= last; vid++) {
			struct nl_bridge_vlan e = {
				.vid = (uint16_t)vid,
				.pvid = vi->flags & BRIDGE_VLAN_INFO_PVID,
				.untagged = vi->flags & BRIDGE_VLAN_INFO_UNTAGGED,
			};
			int r = nl_vec_push(&c->v, &c->n, &c->cap, &e, sizeof(e));

			if (r < 0)
				return r;
		}
	}
	return 0;
}

int nl_bridge_vlan_list(struct nl_sock *sk, int ifindex, struct nl_bridge_vlan **ret,
			size_t *ret_n)
{
	char buf[NL_MSG_MAX];
	struct nlmsghdr *nlh = nl_msg_new(buf, RTM_GETLINK, NLM_F_DUMP);
	struct ifinfomsg *ifi = mnl_nlmsg_put_extra_header(nlh, sizeof(*ifi));
	struct vlan_ctx c = { .ifindex = ifindex };
	int r;

	ifi->ifi_family = AF_BRIDGE;
	mnl_attr_put_u32(nlh, IFLA_EXT_MASK, RTEXT_FILTER_BRVLAN);
	r = nl_sock_dump(sk, nlh, vlan_cb, &c);
	if (r < 0) {
		free(c.v);
		return r;
	}
	*ret = c.v;
	*ret_n = c.n;
	return 0;
}

/* The one parser and formatter are basic/mac.h's; these keep the nl_ names working. */
int nl_mac_parse(const char *s, uint8_t ret[6])
{
	return mac_parse(s, ret);
}

const char *nl_mac_to_string(const uint8_t mac[6], char buf[static 18])
{
	return mac_format(mac, buf);
}

int nl_mac_random(uint8_t ret[6])
{
	uint8_t m[6];

	if (getrandom(m, sizeof(m), 0) != sizeof(m))
		return negative_errno();
	m[0] = (m[0] & 0xfe) | 0x02;
	memcpy(ret, m, 6);
	return 0;
}
