// SPDX-License-Identifier: Apache-2.0
/*
 * nl-rule.c - policy routing rules: build and parse RTM_*RULE, add, delete, dump.
 */
#include <errno.h>
#include <stdlib.h>
#include <libmnl/libmnl.h>
#include <linux/fib_rules.h>
#include <linux/rtnetlink.h>

#include "basic/macro.h"
#include "netlink/nl-internal.h"
#include "netlink/nl-rule.h"

static int rule_family(const struct nl_rule *r)
{
	if (r->family)
		return r->family;
	if (r->src.addr.family)
		return r->src.addr.family;
	return r->dst.addr.family;
}

int nl_rule_msg(void *buf, uint16_t type, uint16_t nlflags, const struct nl_rule *r)
{
	int family = rule_family(r);
	struct nlmsghdr *nlh;
	struct fib_rule_hdr *frh;

	if (family != AF_INET && family != AF_INET6)
		return -EAFNOSUPPORT;
	if ((r->src.addr.family && r->src.addr.family != family) ||
	    (r->dst.addr.family && r->dst.addr.family != family) ||
	    r->src.len > ip_family_bits(family) || r->dst.len > ip_family_bits(family))
		return -EINVAL;
	nlh = nl_msg_new(buf, type, nlflags);
	frh = mnl_nlmsg_put_extra_header(nlh, sizeof(*frh));
	frh->family = family;
	frh->src_len = r->src.addr.family ? r->src.len : 0;
	frh->dst_len = r->dst.addr.family ? r->dst.len : 0;
	frh->table = r->table < 256 ? r->table : RT_TABLE_UNSPEC;
	frh->action = r->action ? r->action : (type == RTM_NEWRULE ? FR_ACT_TO_TBL : 0);
	if (r->src.addr.family)
		nl_put_ip(nlh, FRA_SRC, &r->src.addr);
	if (r->dst.addr.family)
		nl_put_ip(nlh, FRA_DST, &r->dst.addr);
	if (r->has_priority)
		mnl_attr_put_u32(nlh, FRA_PRIORITY, r->priority);
	if (r->table)
		mnl_attr_put_u32(nlh, FRA_TABLE, r->table);
	if (r->protocol)
		mnl_attr_put_u8(nlh, FRA_PROTOCOL, r->protocol);
	return 0;
}

int nl_rule_parse(const struct nlmsghdr *nlh, struct nl_rule *ret)
{
	const struct nlattr *tb[FRA_MAX + 1] = {};
	const struct fib_rule_hdr *frh;
	struct nl_rule r = {};
	int q;

	if (nlh->nlmsg_type != RTM_NEWRULE && nlh->nlmsg_type != RTM_DELRULE)
		return -EINVAL;
	if (mnl_nlmsg_get_payload_len(nlh) < sizeof(*frh))
		return -EBADMSG;
	frh = mnl_nlmsg_get_payload(nlh);
	if (frh->family != AF_INET && frh->family != AF_INET6)
		return -EAFNOSUPPORT;
	q = nl_attr_table(nlh, sizeof(*frh), tb, FRA_MAX);
	if (q < 0)
		return q;
	r.family = frh->family;
	r.action = frh->action;
	r.table = frh->table;
	if (tb[FRA_SRC]) {
		if (!nl_attr_ip(tb[FRA_SRC], r.family, &r.src.addr) ||
		    frh->src_len > ip_family_bits(r.family))
			return -EBADMSG;
		r.src.len = frh->src_len;
	}
	if (tb[FRA_DST]) {
		if (!nl_attr_ip(tb[FRA_DST], r.family, &r.dst.addr) ||
		    frh->dst_len > ip_family_bits(r.family))
			return -EBADMSG;
		r.dst.len = frh->dst_len;
	}
	nl_attr_u32(tb[FRA_TABLE], &r.table);
	r.has_priority = nl_attr_u32(tb[FRA_PRIORITY], &r.priority);
	nl_attr_u8(tb[FRA_PROTOCOL], &r.protocol);
	*ret = r;
	return 0;
}

static int rule_send(struct nl_sock *sk, uint16_t type, uint16_t nlflags, const struct nl_rule *r)
{
	char buf[NL_MSG_MAX];
	int q = nl_rule_msg(buf, type, nlflags, r);

	return q < 0 ? q : nl_sock_request(sk, (struct nlmsghdr *)buf);
}

int nl_rule_add(struct nl_sock *sk, const struct nl_rule *r)
{
	return rule_send(sk, RTM_NEWRULE, NLM_F_CREATE | NLM_F_EXCL, r);
}

int nl_rule_del(struct nl_sock *sk, const struct nl_rule *r)
{
	int q = rule_send(sk, RTM_DELRULE, 0, r);

	return (q == -ENOENT || q == -ESRCH) ? 0 : q;
}

struct dump_ctx {
	struct nl_rule *v;
	size_t n, cap;
};

static int dump_cb(const struct nlmsghdr *nlh, void *userdata)
{
	struct dump_ctx *c = userdata;
	struct nl_rule r;

	if (nl_rule_parse(nlh, &r) < 0)
		return 0;
	return nl_vec_push(&c->v, &c->n, &c->cap, &r, sizeof(r));
}

int nl_rule_dump(struct nl_sock *sk, int family, struct nl_rule **ret, size_t *ret_n)
{
	int r = -EAGAIN;

	for (int i = 0; i < NL_DUMP_RETRIES && r == -EAGAIN; i++) {
		char buf[NL_MSG_MAX];
		struct nlmsghdr *nlh = nl_msg_new(buf, RTM_GETRULE, NLM_F_DUMP);
		struct fib_rule_hdr *frh = mnl_nlmsg_put_extra_header(nlh, sizeof(*frh));
		struct dump_ctx c = {};

		frh->family = family;
		r = nl_sock_dump(sk, nlh, dump_cb, &c);
		if (r < 0) {
			free(c.v);
			continue;
		}
		*ret = c.v;
		*ret_n = c.n;
	}
	return r;
}
