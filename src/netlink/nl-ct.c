// SPDX-License-Identifier: Apache-2.0
/*
 * nl-ct.c - conntrack entry deletion by destination port.
 *
 * ctnetlink has no "delete by port" request, so we dump the table, keep the
 * original tuples that match, and delete each by its tuple once the dump is
 * over (a socket cannot take requests in the middle of its own dump).
 */
#include <stdlib.h>
#include <arpa/inet.h>
#include <libmnl/libmnl.h>
#include <linux/netfilter/nfnetlink.h>
#include <linux/netfilter/nfnetlink_conntrack.h>

#include "basic/macro.h"
#include "netlink/nl-ct.h"
#include "netlink/nl-internal.h"

static struct nlmsghdr *ct_start(void *buf, uint8_t msg, uint16_t flags, int family)
{
	struct nlmsghdr *nlh = nl_msg_new(buf, (NFNL_SUBSYS_CTNETLINK << 8) | msg, flags);
	struct nfgenmsg *nfg = mnl_nlmsg_put_extra_header(nlh, sizeof(*nfg));

	nfg->nfgen_family = family;
	nfg->version = NFNETLINK_V0;
	nfg->res_id = 0;
	return nlh;
}

int nl_conntrack_dump_msg(void *buf, int family)
{
	if (family != AF_INET && family != AF_INET6)
		return -EAFNOSUPPORT;
	ct_start(buf, IPCTNL_MSG_CT_GET, NLM_F_DUMP, family);
	return 0;
}

int nl_conntrack_delete_msg(void *buf, int family, const struct nlattr *tuple_orig,
			    bool has_zone, uint16_t zone_be)
{
	struct nlmsghdr *nlh;

	if (family != AF_INET && family != AF_INET6)
		return -EAFNOSUPPORT;
	if (!tuple_orig || tuple_orig->nla_len > NL_MSG_MAX / 2)
		return -EINVAL;
	nlh = ct_start(buf, IPCTNL_MSG_CT_DELETE, 0, family);
	/* The tuple goes back exactly as the kernel gave it to us. */
	memcpy(mnl_nlmsg_get_payload_tail(nlh), tuple_orig, tuple_orig->nla_len);
	nlh->nlmsg_len += MNL_ALIGN(tuple_orig->nla_len);
	if (has_zone)
		mnl_attr_put_u16(nlh, CTA_ZONE, zone_be);
	return 0;
}

struct match {
	_Alignas(4) uint8_t tuple[256];
	bool has_zone;
	uint16_t zone;  /* network order, as read */
};

struct ctx {
	uint8_t proto;
	uint16_t dport;   /* network order */
	struct match *v;
	size_t n, cap;
};

static int dump_cb(const struct nlmsghdr *nlh, void *userdata)
{
	const struct nlattr *tb[CTA_MAX + 1] = {}, *tt[CTA_TUPLE_MAX + 1] = {};
	const struct nlattr *tp[CTA_PROTO_MAX + 1] = {};
	struct ctx *c = userdata;
	struct match m = {};
	uint8_t proto;
	uint16_t port;

	if (nl_attr_table(nlh, sizeof(struct nfgenmsg), tb, CTA_MAX) < 0 || !tb[CTA_TUPLE_ORIG])
		return 0;
	if (nl_attr_table_nested(tb[CTA_TUPLE_ORIG], tt, CTA_TUPLE_MAX) < 0 ||
	    nl_attr_table_nested(tt[CTA_TUPLE_PROTO], tp, CTA_PROTO_MAX) < 0)
		return 0;
	if (!nl_attr_u8(tp[CTA_PROTO_NUM], &proto) || proto != c->proto)
		return 0;
	if (!nl_attr_u16(tp[CTA_PROTO_DST_PORT], &port) || port != c->dport)
		return 0;
	if (tb[CTA_TUPLE_ORIG]->nla_len > sizeof(m.tuple))
		return 0;
	memcpy(m.tuple, tb[CTA_TUPLE_ORIG], tb[CTA_TUPLE_ORIG]->nla_len);
	m.has_zone = nl_attr_u16(tb[CTA_ZONE], &m.zone);
	return nl_vec_push(&c->v, &c->n, &c->cap, &m, sizeof(m));
}

int nl_conntrack_delete_dport(int family, uint8_t proto, uint16_t dport)
{
	_cleanup_(nl_sock_freep) struct nl_sock *sk = NULL;
	struct ctx c = { .proto = proto, .dport = htons(dport) };
	_Alignas(4) char dump[NL_MSG_MAX];
	int r, deleted = 0;

	r = nl_sock_open_protocol(NETLINK_NETFILTER, &sk);
	if (r < 0)
		return r;
	r = nl_conntrack_dump_msg(dump, family);
	if (r >= 0)
		r = nl_sock_dump(sk, (struct nlmsghdr *)dump, dump_cb, &c);
	for (size_t i = 0; r >= 0 && i < c.n; i++) {
		_Alignas(4) char buf[NL_MSG_MAX];
		int q;

		q = nl_conntrack_delete_msg(buf, family, (const struct nlattr *)c.v[i].tuple,
					    c.v[i].has_zone, c.v[i].zone);
		if (q >= 0)
			q = nl_sock_request(sk, (struct nlmsghdr *)buf);
		/* Gone in the meantime (timed out, or deleted by someone else) is fine. */
		if (q == -ENOENT)
			continue;
		if (q < 0)
			r = q;
		else
			deleted++;
	}
	free(c.v);
	return r < 0 ? r : deleted;
}
