// SPDX-License-Identifier: Apache-2.0
/*
 * fake-kernel.c - see fake-kernel.h. Requests are decoded with the nl_*_parse functions
 * the daemon uses for the kernel's replies (a request has the same layout), replies are
 * built with the nl_*_msg builders; a plain get ends with an ACK, a dump with NLMSG_DONE.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <libmnl/libmnl.h>
#include <net/if.h>
#include <linux/if_link.h>
#include <linux/rtnetlink.h>

#include "fake-kernel.h"
#include "linend/lease.h"
#include "netlink/nl-internal.h"

struct fk_reply {
	struct fk_reply *next;
	size_t len;
	_Alignas(4) uint8_t buf[];
};

static void push(struct fk *f, const struct nlmsghdr *nlh, uint32_t seq, uint16_t flags)
{
	struct fk_reply *r = malloc(sizeof(*r) + NLMSG_ALIGN(nlh->nlmsg_len));
	struct nlmsghdr *m;

	if (!r)
		abort();
	r->next = NULL;
	r->len = NLMSG_ALIGN(nlh->nlmsg_len);
	memcpy(r->buf, nlh, nlh->nlmsg_len);
	m = (struct nlmsghdr *)r->buf;
	m->nlmsg_seq = seq;
	m->nlmsg_pid = NL_FAKE_PORTID;
	m->nlmsg_flags = flags;
	if (f->tail)
		f->tail->next = r;
	else
		f->head = r;
	f->tail = r;
}

static void push_error(struct fk *f, uint32_t seq, int err)
{
	_Alignas(4) uint8_t buf[64] = {};
	struct nlmsghdr *nlh = (struct nlmsghdr *)buf;
	struct nlmsgerr *e = NLMSG_DATA(nlh);

	nlh->nlmsg_type = NLMSG_ERROR;
	nlh->nlmsg_len = NLMSG_LENGTH(sizeof(*e));
	e->error = err;
	e->msg.nlmsg_seq = seq;
	push(f, nlh, seq, NLM_F_CAPPED);
}

static void push_done(struct fk *f, uint32_t seq)
{
	_Alignas(4) uint8_t buf[32] = {};
	struct nlmsghdr *nlh = (struct nlmsghdr *)buf;

	nlh->nlmsg_type = NLMSG_DONE;
	nlh->nlmsg_len = NLMSG_LENGTH(sizeof(int));
	push(f, nlh, seq, NLM_F_MULTI);
}

/* Log a change, or refuse it when a failure is scripted for it. */
static int change(struct fk *f, const char *line)
{
	for (size_t i = 0; i < f->n_fail; i++) {
		if (!f->fail[i].times || strncmp(line, f->fail[i].match, strlen(f->fail[i].match)))
			continue;
		if (f->fail[i].times > 0)
			f->fail[i].times--;
		f->n_failed++;
		return f->fail[i].err;
	}
	if (f->n_log < 256)
		snprintf(f->log[f->n_log++], FK_LINE, "%s", line);
	return 0;
}

static struct fk_link *link_find(struct fk *f, int ifindex, const char *name)
{
	for (size_t i = 0; i < f->n_links; i++)
		if ((ifindex && f->links[i].ifindex == ifindex) ||
		    (!ifindex && name && !strcmp(f->links[i].name, name)))
			return &f->links[i];
	return NULL;
}

static void push_link(struct fk *f, const struct fk_link *l, uint32_t seq, uint16_t flags)
{
	_Alignas(4) uint8_t buf[NL_MSG_MAX];
	struct nl_vxlan_spec spec = { .name = l->name, .vx = l->vx, .mtu = l->mtu, .mac = l->mac };
	struct nlmsghdr *nlh = (struct nlmsghdr *)buf;
	struct ifinfomsg *ifi;

	if (nl_vxlan_create_msg(buf, &spec) < 0)
		abort();
	ifi = NLMSG_DATA(nlh);
	ifi->ifi_index = l->ifindex;
	ifi->ifi_flags = l->up ? IFF_UP : 0;
	push(f, nlh, seq, flags);
}

static int do_link(struct fk *f, const struct nlmsghdr *req)
{
	const struct ifinfomsg *ifi = NLMSG_DATA(req);
	char line[FK_LINE], name[NL_IFNAMSIZ] = "", m[18];
	const struct nlattr *a;
	struct fk_link *l;
	int r;

	mnl_attr_for_each(a, req, sizeof(*ifi))
		if (mnl_attr_get_type(a) == IFLA_IFNAME)
			nl_attr_str(a, name, sizeof(name));
	switch (req->nlmsg_type) {
	case RTM_GETLINK:
		l = link_find(f, ifi->ifi_index, name);
		if (!l)
			return -ENODEV;
		push_link(f, l, req->nlmsg_seq, 0);
		return 0;
	case RTM_NEWLINK: {
		struct nl_link nl;
		struct fk_link n = {};

		if (link_find(f, 0, name))
			return -EEXIST;
		r = nl_link_parse(req, &nl);
		if (r < 0)
			return r;
		snprintf(line, sizeof(line), "link+ %s", name);
		r = change(f, line);
		if (r < 0)
			return r;
		n.ifindex = f->next_ifindex++;
		snprintf(n.name, sizeof(n.name), "%s", name);
		n.vx = nl.vxlan;
		n.mtu = nl.mtu;
		memcpy(n.mac, nl.mac, 6);
		f->links[f->n_links++] = n;
		return 0;
	}
	case RTM_SETLINK:
		l = link_find(f, ifi->ifi_index, NULL);
		if (!l)
			return -ENODEV;
		mnl_attr_for_each(a, req, sizeof(*ifi)) {
			if (mnl_attr_get_type(a) == IFLA_MTU) {
				snprintf(line, sizeof(line), "set %d mtu %u", l->ifindex,
					 mnl_attr_get_u32(a));
				if ((r = change(f, line)) < 0)
					return r;
				l->mtu = mnl_attr_get_u32(a);
			} else if (mnl_attr_get_type(a) == IFLA_ADDRESS) {
				snprintf(line, sizeof(line), "set %d mac %s", l->ifindex,
					 mac_format(mnl_attr_get_payload(a), m));
				if ((r = change(f, line)) < 0)
					return r;
				memcpy(l->mac, mnl_attr_get_payload(a), 6);
			}
		}
		if (ifi->ifi_change & IFF_UP) {
			snprintf(line, sizeof(line), "set %d %s", l->ifindex,
				 ifi->ifi_flags & IFF_UP ? "up" : "down");
			if ((r = change(f, line)) < 0)
				return r;
			l->up = ifi->ifi_flags & IFF_UP;
		}
		return 0;
	case RTM_DELLINK:
		l = link_find(f, ifi->ifi_index, name);
		if (!l)
			return -ENODEV;
		snprintf(line, sizeof(line), "link- %s", l->name);
		if ((r = change(f, line)) < 0)
			return r;
		*l = f->links[--f->n_links];
		return 0;
	}
	return -EOPNOTSUPP;
}

static int do_addr(struct fk *f, const struct nlmsghdr *req)
{
	char line[FK_LINE], p[IP_PREFIX_STRLEN];
	struct nl_addr a;
	int r;

	if (req->nlmsg_type == RTM_GETADDR) {
		for (size_t i = 0; i < f->n_addrs; i++) {
			_Alignas(4) uint8_t buf[NL_MSG_MAX];

			nl_addr_msg(buf, RTM_NEWADDR, 0, &f->addrs[i]);
			push(f, (struct nlmsghdr *)buf, req->nlmsg_seq, NLM_F_MULTI);
		}
		push_done(f, req->nlmsg_seq);
		return 1;
	}
	r = nl_addr_parse(req, &a);
	if (r < 0)
		return r;
	snprintf(line, sizeof(line), "addr%c %s dev %d", req->nlmsg_type == RTM_NEWADDR ? '+' : '-',
		 ip_prefix_to_string(&a.prefix, p), a.ifindex);
	for (size_t i = 0; i < f->n_addrs; i++)
		if (f->addrs[i].ifindex == a.ifindex &&
		    ip_addr_equal(&f->addrs[i].prefix.addr, &a.prefix.addr)) {
			if ((r = change(f, line)) < 0)
				return r;
			if (req->nlmsg_type == RTM_NEWADDR)
				f->addrs[i] = a;
			else
				f->addrs[i] = f->addrs[--f->n_addrs];
			return 0;
		}
	if (req->nlmsg_type == RTM_DELADDR)
		return -EADDRNOTAVAIL;
	if ((r = change(f, line)) < 0)
		return r;
	f->addrs[f->n_addrs++] = a;
	return 0;
}

static bool neigh_key(const struct nl_neigh *a, const struct nl_neigh *b)
{
	if (a->ifindex != b->ifindex)
		return false;
	if (a->family == AF_BRIDGE)
		return memcmp(a->lladdr, b->lladdr, 6) == 0;
	return ip_addr_equal(&a->dst, &b->dst);
}

static int do_neigh(struct fk *f, const struct nlmsghdr *req)
{
	const struct ndmsg *ndm = NLMSG_DATA(req);
	char line[FK_LINE], ip[IP_ADDR_STRLEN], m[18];
	struct nl_neigh n, *tab;
	size_t *cnt;
	int r;

	if (req->nlmsg_type == RTM_GETNEIGH) {
		bool fdb = ndm->ndm_family == AF_BRIDGE;

		tab = fdb ? f->fdbs : f->neighs;
		cnt = fdb ? &f->n_fdbs : &f->n_neighs;
		for (size_t i = 0; i < *cnt; i++) {
			_Alignas(4) uint8_t buf[NL_MSG_MAX];

			if (ndm->ndm_ifindex && tab[i].ifindex != ndm->ndm_ifindex)
				continue;
			nl_neigh_msg(buf, RTM_NEWNEIGH, 0, &tab[i]);
			push(f, (struct nlmsghdr *)buf, req->nlmsg_seq, NLM_F_MULTI);
		}
		push_done(f, req->nlmsg_seq);
		return 1;
	}
	r = nl_neigh_parse(req, &n);
	if (r < 0)
		return r;
	tab = n.family == AF_BRIDGE ? f->fdbs : f->neighs;
	cnt = n.family == AF_BRIDGE ? &f->n_fdbs : &f->n_neighs;
	if (n.family == AF_BRIDGE)
		snprintf(line, sizeof(line), "fdb%c %s dev %d",
			 req->nlmsg_type == RTM_NEWNEIGH ? '+' : '-', mac_format(n.lladdr, m),
			 n.ifindex);
	else
		snprintf(line, sizeof(line), "neigh%c %s dev %d",
			 req->nlmsg_type == RTM_NEWNEIGH ? '+' : '-',
			 ip_addr_to_string(&n.dst, ip), n.ifindex);
	for (size_t i = 0; i < *cnt; i++)
		if (neigh_key(&tab[i], &n)) {
			if ((r = change(f, line)) < 0)
				return r;
			if (req->nlmsg_type == RTM_NEWNEIGH)
				tab[i] = n;
			else
				tab[i] = tab[--*cnt];
			return 0;
		}
	if (req->nlmsg_type == RTM_DELNEIGH)
		return -ENOENT;
	if ((r = change(f, line)) < 0)
		return r;
	if (*cnt == FK_MAX)
		return -ENOSPC;
	tab[(*cnt)++] = n;
	return 0;
}

static int do_route(struct fk *f, const struct nlmsghdr *req)
{
	char line[FK_LINE], p[IP_PREFIX_STRLEN];
	struct nl_route rt;
	size_t n;
	int r;

	if (req->nlmsg_type == RTM_GETROUTE) {
		_Alignas(4) uint8_t buf[NL_MSG_MAX];

		if ((req->nlmsg_flags & NLM_F_DUMP) == NLM_F_DUMP) {
			for (size_t i = 0; i < f->n_routes; i++) {
				nl_route_msg(buf, RTM_NEWROUTE, 0, &f->routes[i]);
				push(f, (struct nlmsghdr *)buf, req->nlmsg_seq, NLM_F_MULTI);
			}
			push_done(f, req->nlmsg_seq);
			return 1;
		}
		/* `ip route get`: the request carries the address as RTA_DST */
		{
			const struct rtmsg *rtm = NLMSG_DATA(req);
			const struct nlattr *a;
			struct ip_addr dst = {};
			bool direct = false;

			mnl_attr_for_each(a, req, sizeof(*rtm))
				if (mnl_attr_get_type(a) == RTA_DST)
					nl_attr_ip(a, rtm->rtm_family, &dst);
			for (size_t i = 0; i < f->n_on_link; i++)
				direct |= ip_addr_equal(&f->on_link[i], &dst);
			rt = (struct nl_route){ .family = dst.family, .oif = f->ext_ifindex,
						.type = RTN_UNICAST, .dst.addr = dst };
			rt.dst.len = (unsigned char)ip_family_bits(dst.family);
			if (!direct)
				ip_addr_parse(dst.family == AF_INET ? "192.0.2.254" : "fe80::1",
					      &rt.gw);
			nl_route_msg(buf, RTM_NEWROUTE, 0, &rt);
			push(f, (struct nlmsghdr *)buf, req->nlmsg_seq, 0);
			return 0;
		}
	}
	r = nl_route_parse(req, &rt, 1, &n);
	if (r < 0)
		return r;
	snprintf(line, sizeof(line), "route%c %s", req->nlmsg_type == RTM_NEWROUTE ? '+' : '-',
		 ip_prefix_to_string(&rt.dst, p));
	for (size_t i = 0; i < f->n_routes; i++)
		if (ip_prefix_equal(&f->routes[i].dst, &rt.dst)) {
			if ((r = change(f, line)) < 0)
				return r;
			if (req->nlmsg_type == RTM_NEWROUTE)
				f->routes[i] = rt;
			else
				f->routes[i] = f->routes[--f->n_routes];
			return 0;
		}
	if (req->nlmsg_type == RTM_DELROUTE)
		return -ESRCH;
	if ((r = change(f, line)) < 0)
		return r;
	if (f->n_routes == FK_MAX)
		return -ENOSPC;
	f->routes[f->n_routes++] = rt;
	return 0;
}

static int fk_send(void *ud, const struct nlmsghdr *req)
{
	struct fk *f = ud;
	int r = -EOPNOTSUPP;

	switch (req->nlmsg_type) {
	case RTM_GETLINK:
	case RTM_NEWLINK:
	case RTM_SETLINK:
	case RTM_DELLINK:
		r = do_link(f, req);
		break;
	case RTM_GETADDR:
	case RTM_NEWADDR:
	case RTM_DELADDR:
		r = do_addr(f, req);
		break;
	case RTM_GETNEIGH:
	case RTM_NEWNEIGH:
	case RTM_DELNEIGH:
		r = do_neigh(f, req);
		break;
	case RTM_GETROUTE:
	case RTM_NEWROUTE:
	case RTM_DELROUTE:
		r = do_route(f, req);
		break;
	}
	if (r <= 0)
		push_error(f, req->nlmsg_seq, r); /* the ACK, or the error */
	return 0;
}

static ssize_t fk_recv(void *ud, void *buf, size_t size)
{
	struct fk *f = ud;
	struct fk_reply *r = f->head;
	size_t n;

	if (!r) {
		/* a real socket would block: the fake forgot to answer */
		errno = EWOULDBLOCK;
		return -1;
	}
	f->head = r->next;
	if (!f->head)
		f->tail = NULL;
	n = r->len <= size ? r->len : size;
	memcpy(buf, r->buf, n);
	free(r);
	return (ssize_t)n;
}

static const struct nl_fake_ops fk_ops = { fk_send, fk_recv };

void fk_init(struct fk *f, int ext_ifindex)
{
	memset(f, 0, sizeof(*f));
	f->ext_ifindex = ext_ifindex;
	f->next_ifindex = 7;
}

void fk_done(struct fk *f)
{
	while (f->head) {
		struct fk_reply *r = f->head;

		f->head = r->next;
		free(r);
	}
	f->tail = NULL;
}

struct nl_sock *fk_sock(struct fk *f)
{
	struct nl_sock *sk = NULL;

	if (nl_sock_open_fake(&fk_ops, f, &sk) < 0)
		abort();
	return sk;
}

void fk_fail(struct fk *f, const char *match, int err, int times)
{
	size_t i = f->n_fail++;

	snprintf(f->fail[i].match, FK_LINE, "%s", match);
	f->fail[i].err = err;
	f->fail[i].times = times;
}

void fk_on_link(struct fk *f, const char *ip)
{
	if (ip_addr_parse(ip, &f->on_link[f->n_on_link]) < 0)
		abort();
	f->n_on_link++;
}

int fk_logged(const struct fk *f, const char *prefix)
{
	for (size_t i = 0; i < f->n_log; i++)
		if (!strncmp(f->log[i], prefix, strlen(prefix)))
			return (int)i;
	return -1;
}

int fk_count(const struct fk *f, const char *prefix)
{
	int n = 0;

	for (size_t i = 0; i < f->n_log; i++)
		n += !strncmp(f->log[i], prefix, strlen(prefix));
	return n;
}

void fk_log_clear(struct fk *f)
{
	f->n_log = 0;
	f->n_failed = 0;
}

bool fk_del_neigh(struct fk *f, const char *ip)
{
	struct ip_addr a;

	if (ip_addr_parse(ip, &a) < 0)
		return false;
	for (size_t i = 0; i < f->n_neighs; i++)
		if (ip_addr_equal(&f->neighs[i].dst, &a)) {
			f->neighs[i] = f->neighs[--f->n_neighs];
			return true;
		}
	return false;
}

bool fk_del_route(struct fk *f, const char *prefix)
{
	struct ip_prefix p;

	if (ip_prefix_parse(prefix, &p) < 0)
		return false;
	for (size_t i = 0; i < f->n_routes; i++)
		if (ip_prefix_equal(&f->routes[i].dst, &p)) {
			f->routes[i] = f->routes[--f->n_routes];
			return true;
		}
	return false;
}

bool fk_del_fdb(struct fk *f, const uint8_t mac[6])
{
	for (size_t i = 0; i < f->n_fdbs; i++)
		if (!memcmp(f->fdbs[i].lladdr, mac, 6)) {
			f->fdbs[i] = f->fdbs[--f->n_fdbs];
			return true;
		}
	return false;
}

const struct fk_link *fk_link_by_name(const struct fk *f, const char *name)
{
	return link_find((struct fk *)f, 0, name);
}

/* --- node fixture --- */

#include <dirent.h>
#include <unistd.h>

#include "linend/dataplane.h"
#include "linend/loop.h"

static void node_changed(void *userdata, const struct backend_network *net)
{
	struct fk_node *n = userdata;

	n->n_changed++;
	n->changed = *net;
}

int fk_node_up_in(struct fk_node *n, const struct backend_ops *ops, const char *cfg_json,
		  const char *pub4, const char *pub6, const char *dir)
{
	char err[256];

	memset(n, 0, sizeof(*n));
	fk_init(&n->k, 2);
	snprintf(n->dir, sizeof(n->dir), "%s", dir);
	if (net_config_parse(cfg_json, strlen(cfg_json), &n->cfg, err, sizeof(err)) < 0)
		abort();
	n->ext = (struct backend_ext_iface){ .name = "eth0", .ifindex = 2, .mtu = 1500 };
	if (pub4 && ip_addr_parse(pub4, &n->ext.ext_addr) < 0)
		abort();
	if (pub6 && ip_addr_parse(pub6, &n->ext.ext_addr6) < 0)
		abort();
	n->ext.iface_addr = n->ext.ext_addr;
	n->ext.iface_addr6 = n->ext.ext_addr6;
	if (loop_new(&n->loop) < 0)
		abort();
	n->env = (struct backend_env){ .loop = n->loop, .state_dir = n->dir,
				       .net_changed = node_changed, .net_changed_userdata = n };
	n->ops = ops;
	dp_test_next_sock(fk_sock(&n->k));
	return ops->register_network(&n->cfg, &n->ext, &n->env, &n->state, &n->net);
}

int fk_node_up(struct fk_node *n, const struct backend_ops *ops, const char *cfg_json,
	       const char *pub4, const char *pub6)
{
	char dir[] = "/tmp/linend-unit-XXXXXX";

	if (!mkdtemp(dir))
		abort();
	return fk_node_up_in(n, ops, cfg_json, pub4, pub6, dir);
}

void fk_node_down(struct fk_node *n)
{
	if (n->state)
		n->ops->free(n->state);
	n->state = NULL;
	dp_test_next_sock(NULL);
	n->loop = loop_free(n->loop);
	fk_done(&n->k);
}

void fk_node_rmdir(const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *e;

	if (!d)
		return;
	while ((e = readdir(d)))
		if (e->d_name[0] != '.')
			(void)unlinkat(dirfd(d), e->d_name, 0);
	closedir(d);
	(void)rmdir(dir);
}

struct lease fk_lease(const char *key, const char *json)
{
	struct lease l = {};

	if (lease_key_parse(key, &l.subnet, &l.subnet6) < 0 ||
	    lease_attrs_parse(json, strlen(json), &l.attrs) < 0)
		abort();
	return l;
}
