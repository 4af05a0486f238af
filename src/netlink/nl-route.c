// SPDX-License-Identifier: Apache-2.0
/*
 * nl-route.c - routes.
 */
#include <stdlib.h>
#include <libmnl/libmnl.h>
#include <linux/rtnetlink.h>

#include "basic/macro.h"
#include "netlink/nl-internal.h"
#include "netlink/nl-route.h"

static void parse_metrics(const struct nlattr *m, struct nl_route *r)
{
	const struct nlattr *tb[RTAX_MAX + 1] = {};

	if (nl_attr_table_nested(m, tb, RTAX_MAX) < 0)
		return;
	nl_attr_u32(tb[RTAX_MTU], &r->mtu);
	nl_attr_u32(tb[RTAX_ADVMSS], &r->advmss);
}

int nl_route_parse(const struct nlmsghdr *nlh, struct nl_route *ret, size_t max,
		   size_t *ret_n)
{
	const struct nlattr *tb[RTA_MAX + 1] = {};
	const struct rtmsg *rtm;
	struct nl_route base = {};
	uint32_t u32;
	size_t n = 0;
	int r;

	if (nlh->nlmsg_type != RTM_NEWROUTE && nlh->nlmsg_type != RTM_DELROUTE)
		return -EINVAL;
	if (max == 0)
		return -ENOBUFS;
	if (mnl_nlmsg_get_payload_len(nlh) < sizeof(*rtm))
		return -EBADMSG;
	rtm = mnl_nlmsg_get_payload(nlh);
	if (rtm->rtm_family != AF_INET && rtm->rtm_family != AF_INET6)
		return -EAFNOSUPPORT;
	if (rtm->rtm_dst_len > ip_family_bits(rtm->rtm_family))
		return -EBADMSG;
	r = nl_attr_table(nlh, sizeof(*rtm), tb, RTA_MAX);
	if (r < 0)
		return r;
	base.family = rtm->rtm_family;
	base.dst.addr.family = rtm->rtm_family;
	nl_attr_ip(tb[RTA_DST], rtm->rtm_family, &base.dst.addr);
	base.dst.len = rtm->rtm_dst_len;
	base.table = rtm->rtm_table;
	nl_attr_u32(tb[RTA_TABLE], &base.table);
	base.protocol = rtm->rtm_protocol;
	base.scope = rtm->rtm_scope;
	base.type = rtm->rtm_type;
	base.flags = rtm->rtm_flags;
	nl_attr_u32(tb[RTA_PRIORITY], &base.priority);
	nl_attr_ip(tb[RTA_PREFSRC], rtm->rtm_family, &base.prefsrc);
	nl_attr_ip(tb[RTA_GATEWAY], rtm->rtm_family, &base.gw);
	if (nl_attr_u32(tb[RTA_OIF], &u32))
		base.oif = (int)u32;
	if (tb[RTA_METRICS])
		parse_metrics(tb[RTA_METRICS], &base);

	if (tb[RTA_MULTIPATH]) {
		const uint8_t *p = mnl_attr_get_payload(tb[RTA_MULTIPATH]);
		size_t left = mnl_attr_get_payload_len(tb[RTA_MULTIPATH]);

		while (left >= sizeof(struct rtnexthop)) {
			const struct rtnexthop *nh = (const void *)p;
			size_t nhlen = nh->rtnh_len;
			struct nl_route e = base;

			if (nhlen < sizeof(*nh) || nhlen > left)
				return -EBADMSG;
			if (n == max)
				return -ENOBUFS;
			e.oif = nh->rtnh_ifindex;
			e.flags = base.flags | nh->rtnh_flags;
			e.gw = (struct ip_addr){};
			/* The next hop's own attributes follow its header. */
			size_t off = RTNH_ALIGN(sizeof(*nh));

			while (off + sizeof(struct nlattr) <= nhlen) {
				const struct nlattr *a = (const void *)(p + off);

				if (a->nla_len < sizeof(*a) || off + a->nla_len > nhlen)
					return -EBADMSG;
				if (mnl_attr_get_type(a) == RTA_GATEWAY)
					nl_attr_ip(a, base.family, &e.gw);
				off += MNL_ALIGN(a->nla_len);
			}
			ret[n++] = e;
			nhlen = RTNH_ALIGN(nhlen);
			if (nhlen >= left)
				break;
			p += nhlen;
			left -= nhlen;
		}
		if (n == 0)
			return -EBADMSG;
	} else {
		ret[n++] = base;
	}
	*ret_n = n;
	return 0;
}

bool nl_route_match(const struct nl_route *r, const struct nl_route_filter *f)
{
	if (!f)
		return true;
	if (f->table && r->table != f->table)
		return false;
	if (f->protocol && r->protocol != f->protocol)
		return false;
	if (f->oif && r->oif != f->oif)
		return false;
	return true;
}

int nl_route_msg(void *buf, uint16_t type, uint16_t nlflags, const struct nl_route *r)
{
	int family = r->family ? r->family : r->dst.addr.family;
	uint32_t table = r->table ? r->table : RT_TABLE_MAIN;
	struct nlmsghdr *nlh;
	struct rtmsg *rtm;

	if (family != AF_INET && family != AF_INET6)
		return -EAFNOSUPPORT;
	if (r->dst.addr.family && r->dst.addr.family != family)
		return -EINVAL;
	if (r->dst.len > ip_family_bits(family))
		return -EINVAL;
	if ((r->gw.family && r->gw.family != family) ||
	    (r->prefsrc.family && r->prefsrc.family != family))
		return -EINVAL;
	nlh = nl_msg_new(buf, type, nlflags);
	rtm = mnl_nlmsg_put_extra_header(nlh, sizeof(*rtm));
	rtm->rtm_family = family;
	rtm->rtm_dst_len = r->dst.len;
	rtm->rtm_table = table < 256 ? table : RT_TABLE_UNSPEC;
	rtm->rtm_flags = r->flags;
	if (type == RTM_DELROUTE) {
		/* Zero/NOWHERE match anything: delete whatever route has this key. */
		rtm->rtm_protocol = r->protocol;
		rtm->rtm_scope = RT_SCOPE_NOWHERE;
		rtm->rtm_type = r->type;
	} else {
		rtm->rtm_protocol = r->protocol ? r->protocol : RTPROT_BOOT;
		rtm->rtm_scope = r->scope;
		rtm->rtm_type = r->type ? r->type : RTN_UNICAST;
	}
	mnl_attr_put_u32(nlh, RTA_TABLE, table);
	if (r->dst.len > 0) {
		struct ip_prefix dst = r->dst;

		/* The kernel refuses host bits in the destination; mask as `ip route` does. */
		dst.addr.family = family;
		ip_prefix_mask(&dst);
		nl_put_ip(nlh, RTA_DST, &dst.addr);
	}
	if (r->prefsrc.family)
		nl_put_ip(nlh, RTA_PREFSRC, &r->prefsrc);
	if (r->gw.family)
		nl_put_ip(nlh, RTA_GATEWAY, &r->gw);
	if (r->oif > 0)
		mnl_attr_put_u32(nlh, RTA_OIF, (uint32_t)r->oif);
	if (r->priority)
		mnl_attr_put_u32(nlh, RTA_PRIORITY, r->priority);
	if (r->mtu || r->advmss) {
		struct nlattr *m = mnl_attr_nest_start(nlh, RTA_METRICS);

		if (r->mtu)
			mnl_attr_put_u32(nlh, RTAX_MTU, r->mtu);
		if (r->advmss)
			mnl_attr_put_u32(nlh, RTAX_ADVMSS, r->advmss);
		mnl_attr_nest_end(nlh, m);
	}
	return 0;
}

static int route_send(struct nl_sock *sk, uint16_t type, uint16_t nlflags,
		      const struct nl_route *r)
{
	char buf[NL_MSG_MAX];
	int q = nl_route_msg(buf, type, nlflags, r);

	return q < 0 ? q : nl_sock_request(sk, (struct nlmsghdr *)buf);
}

int nl_route_add(struct nl_sock *sk, const struct nl_route *r)
{
	return route_send(sk, RTM_NEWROUTE, NLM_F_CREATE | NLM_F_EXCL, r);
}

int nl_route_replace(struct nl_sock *sk, const struct nl_route *r)
{
	return route_send(sk, RTM_NEWROUTE, NLM_F_CREATE | NLM_F_REPLACE, r);
}

int nl_route_append(struct nl_sock *sk, const struct nl_route *r)
{
	return route_send(sk, RTM_NEWROUTE, NLM_F_CREATE | NLM_F_APPEND, r);
}

int nl_route_del(struct nl_sock *sk, const struct nl_route *r)
{
	int q = route_send(sk, RTM_DELROUTE, 0, r);

	return (q == -ESRCH || q == -ENOENT) ? 0 : q;
}

struct dump_ctx {
	const struct nl_route_filter *f;
	struct nl_route *v;
	size_t n, cap;
};

static int dump_cb(const struct nlmsghdr *nlh, void *userdata)
{
	struct dump_ctx *c = userdata;
	const struct rtmsg *rtm = mnl_nlmsg_get_payload(nlh);
	struct nl_route rs[32];
	size_t n;

	if (mnl_nlmsg_get_payload_len(nlh) < sizeof(*rtm) || (rtm->rtm_flags & RTM_F_CLONED))
		return 0;
	if (nl_route_parse(nlh, rs, ELEMENTSOF(rs), &n) < 0)
		return 0;
	for (size_t i = 0; i < n; i++) {
		int r;

		if (!nl_route_match(&rs[i], c->f))
			continue;
		r = nl_vec_push(&c->v, &c->n, &c->cap, &rs[i], sizeof(rs[i]));
		if (r < 0)
			return r;
	}
	return 0;
}

int nl_route_dump(struct nl_sock *sk, int family, const struct nl_route_filter *f,
		  struct nl_route **ret, size_t *ret_n)
{
	char buf[NL_MSG_MAX];
	struct nlmsghdr *nlh = nl_msg_new(buf, RTM_GETROUTE, NLM_F_DUMP);
	struct rtmsg *rtm = mnl_nlmsg_put_extra_header(nlh, sizeof(*rtm));
	struct dump_ctx c = { .f = f };
	int r;

	rtm->rtm_family = family;
	r = nl_sock_dump(sk, nlh, dump_cb, &c);
	if (r < 0) {
		free(c.v);
		return r;
	}
	*ret = c.v;
	*ret_n = c.n;
	return 0;
}

bool nl_route_equal(const struct nl_route *a, const struct nl_route *b)
{
	uint32_t ta = a->table ? a->table : RT_TABLE_MAIN, tb = b->table ? b->table : RT_TABLE_MAIN;
	uint8_t ya = a->type ? a->type : RTN_UNICAST, yb = b->type ? b->type : RTN_UNICAST;

	return ip_prefix_equal(&a->dst, &b->dst) && ip_addr_equal(&a->gw, &b->gw) &&
	       a->oif == b->oif && ta == tb && ya == yb && a->priority == b->priority;
}

int nl_route_get_msg(void *buf, const struct ip_addr *dst)
{
	struct nlmsghdr *nlh;
	struct rtmsg *rtm;

	if (dst->family != AF_INET && dst->family != AF_INET6)
		return -EAFNOSUPPORT;
	nlh = nl_msg_new(buf, RTM_GETROUTE, 0);
	rtm = mnl_nlmsg_put_extra_header(nlh, sizeof(*rtm));
	rtm->rtm_family = dst->family;
	rtm->rtm_dst_len = ip_family_bits(dst->family);
	nl_put_ip(nlh, RTA_DST, dst);
	return 0;
}

struct get_ctx {
	struct nl_route r;
	bool found;
};

static int get_cb(const struct nlmsghdr *nlh, void *userdata)
{
	struct get_ctx *c = userdata;
	size_t n;

	if (!c->found && nl_route_parse(nlh, &c->r, 1, &n) == 0)
		c->found = true;
	return 0;
}

int nl_route_get(struct nl_sock *sk, const struct ip_addr *dst, struct nl_route *ret)
{
	char buf[NL_MSG_MAX];
	struct get_ctx c = {};
	int r;

	r = nl_route_get_msg(buf, dst);
	if (r < 0)
		return r;
	r = nl_sock_dump(sk, (struct nlmsghdr *)buf, get_cb, &c);
	if (r < 0)
		return r;
	if (!c.found)
		return -ENETUNREACH;
	*ret = c.r;
	return 0;
}
