// SPDX-License-Identifier: Apache-2.0
/*
 * nl-tc.c - TBF, ingress and clsact qdiscs, u32 mirred-redirect and mirred-mirror filters,
 * IFB alias tags.
 */
#include <stdio.h>
#include <stdlib.h>
#include <arpa/inet.h>
#include <libmnl/libmnl.h>
#include <linux/if_ether.h>
#include <linux/if_link.h>
#include <linux/gen_stats.h>
#include <linux/pkt_cls.h>
#include <linux/pkt_sched.h>
#include <linux/rtnetlink.h>
#include <linux/tc_act/tc_mirred.h>

#include "basic/fileio.h"
#include "basic/macro.h"
#include "netlink/nl-internal.h"
#include "netlink/nl-tc.h"

int nl_tc_tick_in_usec(double *ret)
{
	_cleanup_free_ char *data = NULL;
	unsigned t2us, us2t, clock_res;
	int r;

	r = read_full_file("/proc/net/psched", 4096, &data, NULL);
	if (r < 0)
		return r;
	if (sscanf(data, "%x %x %x", &t2us, &us2t, &clock_res) != 3 || us2t == 0 ||
	    clock_res == 0)
		return -EBADMSG;
	/* As tc(8): a clock_res of 1e9 means "high resolution", factor 1. */
	if (clock_res == 1000000000)
		t2us = us2t;
	*ret = (double)t2us / us2t * ((double)clock_res / 1000000.0);
	return 0;
}

uint32_t nl_tc_usec_to_ticks(double usec, double tick_in_usec)
{
	double t = usec * tick_in_usec;

	return t >= 4294967295.0 ? UINT32_MAX : (uint32_t)t;
}

static struct nlmsghdr *tc_start(void *buf, uint16_t type, uint16_t nlflags, int ifindex,
				 uint32_t handle, uint32_t parent, uint32_t info)
{
	struct nlmsghdr *nlh = nl_msg_new(buf, type, nlflags);
	struct tcmsg *tcm = mnl_nlmsg_put_extra_header(nlh, sizeof(*tcm));

	tcm->tcm_family = AF_UNSPEC;
	tcm->tcm_ifindex = ifindex;
	tcm->tcm_handle = handle;
	tcm->tcm_parent = parent;
	tcm->tcm_info = info;
	return nlh;
}

int nl_qdisc_tbf_msg(void *buf, uint16_t nlflags, int ifindex, const struct nl_tbf *t)
{
	struct tc_tbf_qopt q = {};
	struct nlmsghdr *nlh;
	struct nlattr *opts;

	if (ifindex <= 0 || t->rate == 0 || t->buffer == 0 || t->limit == 0)
		return -EINVAL;
	nlh = tc_start(buf, RTM_NEWQDISC, nlflags, ifindex, NL_TC_HANDLE(1, 0), NL_TC_H_ROOT, 0);
	mnl_attr_put_strz(nlh, TCA_KIND, "tbf");
	/* Ethernet link layer, as tc(8) sets it; the kernel then needs no rate table. */
	q.rate.linklayer = TC_LINKLAYER_ETHERNET;
	q.rate.rate = t->rate >= (1ull << 32) ? UINT32_MAX : (uint32_t)t->rate;
	q.limit = t->limit;
	q.buffer = t->buffer;
	opts = mnl_attr_nest_start(nlh, TCA_OPTIONS);
	mnl_attr_put(nlh, TCA_TBF_PARMS, sizeof(q), &q);
	if (t->rate >= (1ull << 32))
		mnl_attr_put_u64(nlh, TCA_TBF_RATE64, t->rate);
	mnl_attr_nest_end(nlh, opts);
	return 0;
}

int nl_qdisc_tbf_replace(struct nl_sock *sk, int ifindex, const struct nl_tbf *t)
{
	char buf[NL_MSG_MAX];
	int r = nl_qdisc_tbf_msg(buf, NLM_F_CREATE | NLM_F_REPLACE, ifindex, t);

	return r < 0 ? r : nl_sock_request(sk, (struct nlmsghdr *)buf);
}

int nl_qdisc_ingress_msg(void *buf, int ifindex)
{
	struct nlmsghdr *nlh;

	if (ifindex <= 0)
		return -EINVAL;
	nlh = tc_start(buf, RTM_NEWQDISC, NLM_F_CREATE | NLM_F_EXCL, ifindex,
		       NL_TC_HANDLE(0xffff, 0), NL_TC_H_INGRESS, 0);
	mnl_attr_put_strz(nlh, TCA_KIND, "ingress");
	return 0;
}

int nl_qdisc_ingress_add(struct nl_sock *sk, int ifindex)
{
	char buf[NL_MSG_MAX];
	int r = nl_qdisc_ingress_msg(buf, ifindex);

	return r < 0 ? r : nl_sock_request(sk, (struct nlmsghdr *)buf);
}

int nl_qdisc_clsact_msg(void *buf, int ifindex)
{
	struct nlmsghdr *nlh;

	if (ifindex <= 0)
		return -EINVAL;
	/* TC_H_CLSACT is the same number as TC_H_INGRESS; the kind tells them apart. */
	nlh = tc_start(buf, RTM_NEWQDISC, NLM_F_CREATE | NLM_F_EXCL, ifindex,
		       NL_TC_HANDLE(0xffff, 0), NL_TC_H_INGRESS, 0);
	mnl_attr_put_strz(nlh, TCA_KIND, "clsact");
	return 0;
}

int nl_qdisc_clsact_add(struct nl_sock *sk, int ifindex)
{
	char buf[NL_MSG_MAX];
	int r = nl_qdisc_clsact_msg(buf, ifindex);

	return r < 0 ? r : nl_sock_request(sk, (struct nlmsghdr *)buf);
}

int nl_qdisc_del_msg(void *buf, int ifindex, uint32_t parent)
{
	if (ifindex <= 0)
		return -EINVAL;
	tc_start(buf, RTM_DELQDISC, 0, ifindex, 0, parent, 0);
	return 0;
}

int nl_qdisc_del(struct nl_sock *sk, int ifindex, uint32_t parent)
{
	char buf[NL_MSG_MAX];
	int r = nl_qdisc_del_msg(buf, ifindex, parent);

	if (r < 0)
		return r;
	r = nl_sock_request(sk, (struct nlmsghdr *)buf);
	if (r == -ENOENT || r == -ENODEV)
		return 0;
	if (r == -EINVAL) {
		/*
		 * What is left is the kernel's built-in qdisc (handle 0), which it refuses
		 * to delete: nothing of ours is there.
		 */
		_cleanup_free_ struct nl_qdisc *v = NULL;
		size_t n;

		if (nl_qdisc_dump(sk, ifindex, &v, &n) < 0)
			return r;
		for (size_t i = 0; i < n; i++)
			if (v[i].parent == parent && v[i].handle != 0)
				return r;
		return 0;
	}
	return r;
}

int nl_qdisc_parse(const struct nlmsghdr *nlh, struct nl_qdisc *ret)
{
	const struct nlattr *tb[TCA_MAX + 1] = {};
	const struct tcmsg *tcm;
	struct nl_qdisc q = {};
	int r;

	if (nlh->nlmsg_type != RTM_NEWQDISC && nlh->nlmsg_type != RTM_DELQDISC)
		return -EINVAL;
	if (mnl_nlmsg_get_payload_len(nlh) < sizeof(*tcm))
		return -EBADMSG;
	tcm = mnl_nlmsg_get_payload(nlh);
	r = nl_attr_table(nlh, sizeof(*tcm), tb, TCA_MAX);
	if (r < 0)
		return r;
	q.ifindex = tcm->tcm_ifindex;
	q.handle = tcm->tcm_handle;
	q.parent = tcm->tcm_parent;
	nl_attr_str(tb[TCA_KIND], q.kind, sizeof(q.kind));
	if (streq(q.kind, "tbf") && tb[TCA_OPTIONS]) {
		const struct nlattr *o[TCA_TBF_MAX + 1] = {};

		if (nl_attr_table_nested(tb[TCA_OPTIONS], o, TCA_TBF_MAX) == 0 &&
		    o[TCA_TBF_PARMS] &&
		    mnl_attr_get_payload_len(o[TCA_TBF_PARMS]) >= sizeof(struct tc_tbf_qopt)) {
			const struct tc_tbf_qopt *p = mnl_attr_get_payload(o[TCA_TBF_PARMS]);

			q.has_tbf = true;
			q.tbf.rate = p->rate.rate;
			q.tbf.limit = p->limit;
			q.tbf.buffer = p->buffer;
			if (o[TCA_TBF_RATE64] && mnl_attr_get_payload_len(o[TCA_TBF_RATE64]) >= 8)
				q.tbf.rate = mnl_attr_get_u64(o[TCA_TBF_RATE64]);
		}
	}
	*ret = q;
	return 0;
}

struct dump_ctx {
	int ifindex;
	struct nl_qdisc *v;
	size_t n, cap;
};

static int dump_cb(const struct nlmsghdr *nlh, void *userdata)
{
	struct dump_ctx *c = userdata;
	struct nl_qdisc q;

	if (nl_qdisc_parse(nlh, &q) < 0)
		return 0;
	if (c->ifindex && q.ifindex != c->ifindex)
		return 0;
	return nl_vec_push(&c->v, &c->n, &c->cap, &q, sizeof(q));
}

int nl_qdisc_dump(struct nl_sock *sk, int ifindex, struct nl_qdisc **ret, size_t *ret_n)
{
	char buf[NL_MSG_MAX];
	struct nlmsghdr *nlh = tc_start(buf, RTM_GETQDISC, NLM_F_DUMP, ifindex, 0, 0, 0);
	struct dump_ctx c = { .ifindex = ifindex };
	int r;

	r = nl_sock_dump(sk, nlh, dump_cb, &c);
	if (r < 0) {
		free(c.v);
		return r;
	}
	*ret = c.v;
	*ret_n = c.n;
	return 0;
}

static void put_mirred(struct nlmsghdr *nlh, uint16_t order, int action, int target_ifindex)
{
	struct tc_mirred m = {
		.action = action,
		.eaction = TCA_EGRESS_REDIR,
		.ifindex = (uint32_t)target_ifindex,
	};
	struct nlattr *act, *aopts;

	act = mnl_attr_nest_start(nlh, order);
	mnl_attr_put_strz(nlh, TCA_ACT_KIND, "mirred");
	aopts = mnl_attr_nest_start(nlh, TCA_ACT_OPTIONS);
	mnl_attr_put(nlh, TCA_MIRRED_PARMS, sizeof(m), &m);
	mnl_attr_nest_end(nlh, aopts);
	mnl_attr_nest_end(nlh, act);
}

static int redirect_msg(void *buf, int ifindex, uint32_t parent, uint16_t prio,
			int target_ifindex, bool compat)
{
	/* A selector followed by its one key (keys[] is a flexible array member). */
	_Alignas(struct tc_u32_sel) uint8_t sel[sizeof(struct tc_u32_sel) +
						 sizeof(struct tc_u32_key)] = {};
	struct nlattr *opts, *acts;
	struct nlmsghdr *nlh;

	if (ifindex <= 0 || target_ifindex <= 0 || prio == 0)
		return -EINVAL;
	nlh = tc_start(buf, RTM_NEWTFILTER, NLM_F_CREATE | NLM_F_EXCL, ifindex, 0, parent,
		       NL_TC_HANDLE(prio, htons(ETH_P_ALL)));
	mnl_attr_put_strz(nlh, TCA_KIND, "u32");
	opts = mnl_attr_nest_start(nlh, TCA_OPTIONS);
	/* One all-zero key: "match u32 0 0", i.e. every packet. */
	((struct tc_u32_sel *)sel)->flags = TC_U32_TERMINAL;
	((struct tc_u32_sel *)sel)->nkeys = 1;
	mnl_attr_put(nlh, TCA_U32_SEL, sizeof(sel), sel);
	if (compat)
		mnl_attr_put_u32(nlh, TCA_U32_CLASSID, NL_TC_HANDLE(1, 1));
	acts = mnl_attr_nest_start(nlh, TCA_U32_ACT);
	put_mirred(nlh, 1, TC_ACT_STOLEN, target_ifindex);
	if (compat)
		put_mirred(nlh, 2, TC_ACT_OK, target_ifindex);
	mnl_attr_nest_end(nlh, acts);
	mnl_attr_nest_end(nlh, opts);
	return 0;
}

int nl_filter_redirect_msg(void *buf, int ifindex, uint32_t parent, uint16_t prio,
			   int target_ifindex)
{
	return redirect_msg(buf, ifindex, parent, prio, target_ifindex, false);
}

int nl_filter_redirect_compat_msg(void *buf, int ifindex, uint32_t parent, uint16_t prio,
				  int target_ifindex)
{
	return redirect_msg(buf, ifindex, parent, prio, target_ifindex, true);
}

int nl_filter_redirect_compat_add(struct nl_sock *sk, int ifindex, uint32_t parent,
				  uint16_t prio, int target_ifindex)
{
	char buf[NL_MSG_MAX];
	int r = nl_filter_redirect_compat_msg(buf, ifindex, parent, prio, target_ifindex);

	return r < 0 ? r : nl_sock_request(sk, (struct nlmsghdr *)buf);
}

int nl_filter_redirect_add(struct nl_sock *sk, int ifindex, uint32_t parent, uint16_t prio,
			   int target_ifindex)
{
	char buf[NL_MSG_MAX];
	int r = nl_filter_redirect_msg(buf, ifindex, parent, prio, target_ifindex);

	return r < 0 ? r : nl_sock_request(sk, (struct nlmsghdr *)buf);
}

int nl_filter_mirror_msg(void *buf, int ifindex, uint32_t parent, uint16_t prio,
			 int target_ifindex, const uint8_t *cookie, size_t cookie_len)
{
	struct tc_mirred m = {
		/* pipe: the original goes on to the next action and filter, as if untouched */
		.action = TC_ACT_PIPE,
		.eaction = TCA_EGRESS_MIRROR,
		.ifindex = (uint32_t)target_ifindex,
	};
	_Alignas(struct tc_u32_sel) uint8_t sel[sizeof(struct tc_u32_sel) +
						 sizeof(struct tc_u32_key)] = {};
	struct nlattr *opts, *acts, *act, *aopts;
	struct nlmsghdr *nlh;

	if (ifindex <= 0 || target_ifindex <= 0 || prio == 0 || !cookie || cookie_len == 0 ||
	    cookie_len > NL_TC_COOKIE_MAX)
		return -EINVAL;
	nlh = tc_start(buf, RTM_NEWTFILTER, NLM_F_CREATE | NLM_F_EXCL, ifindex, 0, parent,
		       NL_TC_HANDLE(prio, htons(ETH_P_ALL)));
	/* u32 rather than matchall: every kernel that has tc has u32 (some lack matchall). */
	mnl_attr_put_strz(nlh, TCA_KIND, "u32");
	opts = mnl_attr_nest_start(nlh, TCA_OPTIONS);
	((struct tc_u32_sel *)sel)->flags = TC_U32_TERMINAL;
	((struct tc_u32_sel *)sel)->nkeys = 1;
	mnl_attr_put(nlh, TCA_U32_SEL, sizeof(sel), sel);
	acts = mnl_attr_nest_start(nlh, TCA_U32_ACT);
	act = mnl_attr_nest_start(nlh, 1);
	mnl_attr_put_strz(nlh, TCA_ACT_KIND, "mirred");
	/* The cookie is how DEL and GC tell this attachment's filters from anybody else's. */
	mnl_attr_put(nlh, TCA_ACT_COOKIE, cookie_len, cookie);
	aopts = mnl_attr_nest_start(nlh, TCA_ACT_OPTIONS);
	mnl_attr_put(nlh, TCA_MIRRED_PARMS, sizeof(m), &m);
	mnl_attr_nest_end(nlh, aopts);
	mnl_attr_nest_end(nlh, act);
	mnl_attr_nest_end(nlh, acts);
	mnl_attr_nest_end(nlh, opts);
	return 0;
}

int nl_filter_mirror_add(struct nl_sock *sk, int ifindex, uint32_t parent, uint16_t prio,
			 int target_ifindex, const uint8_t *cookie, size_t cookie_len)
{
	char buf[NL_MSG_MAX];
	int r = nl_filter_mirror_msg(buf, ifindex, parent, prio, target_ifindex, cookie,
				     cookie_len);

	return r < 0 ? r : nl_sock_request(sk, (struct nlmsghdr *)buf);
}

int nl_filter_del_msg(void *buf, int ifindex, uint32_t parent, uint16_t prio, uint32_t handle)
{
	if (ifindex <= 0 || prio == 0)
		return -EINVAL;
	tc_start(buf, RTM_DELTFILTER, 0, ifindex, handle, parent,
		 NL_TC_HANDLE(prio, htons(ETH_P_ALL)));
	return 0;
}

int nl_filter_del(struct nl_sock *sk, int ifindex, uint32_t parent, uint16_t prio,
		  uint32_t handle)
{
	char buf[NL_MSG_MAX];
	int r = nl_filter_del_msg(buf, ifindex, parent, prio, handle);

	if (r < 0)
		return r;
	r = nl_sock_request(sk, (struct nlmsghdr *)buf);
	return r == -ENOENT || r == -ENODEV ? 0 : r;
}

/* --- reading filters back --- */

/* The packet counter of an action: TCA_STATS_PKT64 when the kernel sends it, else basic. */
static uint64_t act_packets(const struct nlattr *stats)
{
	const struct nlattr *st[TCA_STATS_MAX + 1] = {};
	uint64_t pkt = 0;

	if (!stats || nl_attr_table_nested(stats, st, TCA_STATS_MAX) < 0)
		return 0;
	if (st[TCA_STATS_PKT64] && mnl_attr_get_payload_len(st[TCA_STATS_PKT64]) >= 8)
		return mnl_attr_get_u64(st[TCA_STATS_PKT64]);
	/* struct gnet_stats_basic: u64 bytes, then u32 packets */
	if (st[TCA_STATS_BASIC] && mnl_attr_get_payload_len(st[TCA_STATS_BASIC]) >= 12) {
		uint32_t p;

		memcpy(&p, (const uint8_t *)mnl_attr_get_payload(st[TCA_STATS_BASIC]) + 8,
		       sizeof(p));
		pkt = p;
	}
	return pkt;
}

static void parse_mirred(const struct nlattr *acts, struct nl_filter *f)
{
	const struct nlattr *a;

	mnl_attr_for_each_nested(a, acts) {
		const struct nlattr *at[TCA_ACT_MAX + 1] = {};
		const struct nlattr *mo[TCA_MIRRED_MAX + 1] = {};
		char kind[16];

		if (nl_attr_table_nested(a, at, TCA_ACT_MAX) < 0 ||
		    !nl_attr_str(at[TCA_ACT_KIND], kind, sizeof(kind)) || !streq(kind, "mirred") ||
		    !at[TCA_ACT_OPTIONS] ||
		    nl_attr_table_nested(at[TCA_ACT_OPTIONS], mo, TCA_MIRRED_MAX) < 0 ||
		    !mo[TCA_MIRRED_PARMS] ||
		    mnl_attr_get_payload_len(mo[TCA_MIRRED_PARMS]) < sizeof(struct tc_mirred))
			continue;
		const struct tc_mirred *m = mnl_attr_get_payload(mo[TCA_MIRRED_PARMS]);

		if (m->eaction == TCA_EGRESS_REDIR && m->ifindex > 0) {
			f->redirect_ifindex = (int)m->ifindex;
			return;
		}
		if (m->eaction == TCA_EGRESS_MIRROR && m->ifindex > 0 && !f->mirror_ifindex) {
			size_t n = at[TCA_ACT_COOKIE] ? mnl_attr_get_payload_len(at[TCA_ACT_COOKIE])
						      : 0;

			f->mirror_ifindex = (int)m->ifindex;
			if (n > NL_TC_COOKIE_MAX)
				n = 0;
			if (n)
				memcpy(f->cookie, mnl_attr_get_payload(at[TCA_ACT_COOKIE]), n);
			f->cookie_len = n;
			f->packets = act_packets(at[TCA_ACT_STATS]);
		}
	}
}

int nl_filter_parse(const struct nlmsghdr *nlh, struct nl_filter *ret)
{
	const struct nlattr *tb[TCA_MAX + 1] = {};
	const struct tcmsg *tcm;
	struct nl_filter f = {};
	int r;

	if (nlh->nlmsg_type != RTM_NEWTFILTER && nlh->nlmsg_type != RTM_DELTFILTER)
		return -EINVAL;
	if (mnl_nlmsg_get_payload_len(nlh) < sizeof(*tcm))
		return -EBADMSG;
	tcm = mnl_nlmsg_get_payload(nlh);
	r = nl_attr_table(nlh, sizeof(*tcm), tb, TCA_MAX);
	if (r < 0)
		return r;
	f.ifindex = tcm->tcm_ifindex;
	f.parent = tcm->tcm_parent;
	f.prio = (uint16_t)(tcm->tcm_info >> 16);
	f.protocol = (uint16_t)(tcm->tcm_info & 0xffff);
	f.handle = tcm->tcm_handle;
	nl_attr_str(tb[TCA_KIND], f.kind, sizeof(f.kind));
	if (streq(f.kind, "u32") && tb[TCA_OPTIONS]) {
		const struct nlattr *o[TCA_U32_MAX + 1] = {};

		if (nl_attr_table_nested(tb[TCA_OPTIONS], o, TCA_U32_MAX) == 0 && o[TCA_U32_ACT])
			parse_mirred(o[TCA_U32_ACT], &f);
	}
	*ret = f;
	return 0;
}

int nl_filter_dump_msg(void *buf, int ifindex, uint32_t parent)
{
	if (ifindex <= 0)
		return -EINVAL;
	tc_start(buf, RTM_GETTFILTER, NLM_F_DUMP, ifindex, 0, parent, 0);
	return 0;
}

struct filter_ctx {
	struct nl_filter *v;
	size_t n, cap;
};

static int filter_cb(const struct nlmsghdr *nlh, void *userdata)
{
	struct filter_ctx *c = userdata;
	struct nl_filter f;

	if (nl_filter_parse(nlh, &f) < 0)
		return 0;
	return nl_vec_push(&c->v, &c->n, &c->cap, &f, sizeof(f));
}

int nl_filter_dump(struct nl_sock *sk, int ifindex, uint32_t parent, struct nl_filter **ret,
		   size_t *ret_n)
{
	char buf[NL_MSG_MAX];
	struct filter_ctx c = {};
	int r;

	r = nl_filter_dump_msg(buf, ifindex, parent);
	if (r < 0)
		return r;
	r = nl_sock_dump(sk, (struct nlmsghdr *)buf, filter_cb, &c);
	if (r < 0) {
		free(c.v);
		return r;
	}
	*ret = c.v;
	*ret_n = c.n;
	return 0;
}

/* --- IFBs and their alias tag --- */

int nl_link_set_alias_msg(void *buf, int ifindex, const char *alias)
{
	struct nlmsghdr *nlh;
	struct ifinfomsg *ifi;
	size_t len = strlen(alias);

	if (ifindex <= 0 || len >= NL_IFALIAS_MAX)
		return -EINVAL;
	nlh = nl_msg_new(buf, RTM_SETLINK, 0);
	ifi = mnl_nlmsg_put_extra_header(nlh, sizeof(*ifi));
	ifi->ifi_family = AF_UNSPEC;
	ifi->ifi_index = ifindex;
	/* An empty attribute is how the kernel is told to drop the alias. */
	if (len)
		mnl_attr_put_strz(nlh, IFLA_IFALIAS, alias);
	else
		mnl_attr_put(nlh, IFLA_IFALIAS, 0, NULL);
	return 0;
}

int nl_link_set_alias(struct nl_sock *sk, int ifindex, const char *alias)
{
	char buf[NL_MSG_MAX];
	int r = nl_link_set_alias_msg(buf, ifindex, alias);

	return r < 0 ? r : nl_sock_request(sk, (struct nlmsghdr *)buf);
}

int nl_ifb_parse(const struct nlmsghdr *nlh, struct nl_ifb *ret)
{
	const struct nlattr *tb[IFLA_MAX + 1] = {};
	const struct nlattr *li[IFLA_INFO_MAX + 1] = {};
	const struct ifinfomsg *ifi;
	struct nl_ifb b = {};
	char kind[16] = "";
	int r;

	if (nlh->nlmsg_type != RTM_NEWLINK)
		return -EINVAL;
	if (mnl_nlmsg_get_payload_len(nlh) < sizeof(*ifi))
		return -EBADMSG;
	ifi = mnl_nlmsg_get_payload(nlh);
	r = nl_attr_table(nlh, sizeof(*ifi), tb, IFLA_MAX);
	if (r < 0)
		return r;
	if (!nl_attr_str(tb[IFLA_IFNAME], b.name, sizeof(b.name)))
		return -EBADMSG;
	if (tb[IFLA_LINKINFO] && nl_attr_table_nested(tb[IFLA_LINKINFO], li, IFLA_INFO_MAX) == 0)
		nl_attr_str(li[IFLA_INFO_KIND], kind, sizeof(kind));
	if (!streq(kind, "ifb"))
		return -ENOENT;
	b.ifindex = ifi->ifi_index;
	nl_attr_str(tb[IFLA_IFALIAS], b.alias, sizeof(b.alias));
	if (tb[IFLA_ADDRESS] && mnl_attr_get_payload_len(tb[IFLA_ADDRESS]) == 6) {
		memcpy(b.mac, mnl_attr_get_payload(tb[IFLA_ADDRESS]), 6);
		b.has_mac = true;
	}
	*ret = b;
	return 0;
}

struct ifb_ctx {
	struct nl_ifb *v;
	size_t n, cap;
};

static int ifb_cb(const struct nlmsghdr *nlh, void *userdata)
{
	struct ifb_ctx *c = userdata;
	struct nl_ifb b;

	if (nl_ifb_parse(nlh, &b) < 0)
		return 0;
	return nl_vec_push(&c->v, &c->n, &c->cap, &b, sizeof(b));
}

int nl_ifb_list(struct nl_sock *sk, struct nl_ifb **ret, size_t *ret_n)
{
	char buf[NL_MSG_MAX];
	struct nlmsghdr *nlh = nl_msg_new(buf, RTM_GETLINK, NLM_F_DUMP);
	struct ifinfomsg *ifi = mnl_nlmsg_put_extra_header(nlh, sizeof(*ifi));
	struct ifb_ctx c = {};
	int r;

	ifi->ifi_family = AF_UNSPEC;
	r = nl_sock_dump(sk, nlh, ifb_cb, &c);
	if (r < 0) {
		free(c.v);
		return r;
	}
	*ret = c.v;
	*ret_n = c.n;
	return 0;
}
