// SPDX-License-Identifier: Apache-2.0
/*
 * nltest - a command-line driver over the nl_* API, for integration tests.
 *
 * Each subcommand is one API call (or a dump printed one object per line as
 * key=value words), so bats can drive the library against the real kernel
 * and check the result with iproute2. `-n PATH` opens the socket in another
 * namespace; otherwise run it under `ip netns exec`. Failures print
 * "error: <strerror>[: <extended ack>]" and exit 1.
 */
#include <fcntl.h>
#include <net/if.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>
#include <linux/if_link.h>

#include "basic/ip.h"
#include "basic/macro.h"
#include "basic/netns.h"
#include "basic/sysctl.h"
#include "netlink/netlink.h"

static struct nl_sock *sk;
static const char *ns_path;

static int ifindex_of(const char *name)
{
	int r = nl_link_name_to_index(sk, name);

	if (r == 0) {
		fprintf(stderr, "error: no link %s\n", name);
		exit(1);
	}
	return r;
}

static void print_link(const struct nl_link *l)
{
	char mac[18], ip[IP_ADDR_STRLEN];

	printf("ifindex=%d name=%s kind=%s slave_kind=%s mtu=%u txqlen=%u mac=%s up=%d "
	       "promisc=%d allmulti=%d operstate=%u master=%d link=%d link_netnsid=%d",
	       l->ifindex, l->name, l->kind[0] ? l->kind : "-",
	       l->slave_kind[0] ? l->slave_kind : "-", l->mtu, l->txqlen,
	       l->has_mac ? nl_mac_to_string(l->mac, mac) : "-", !!(l->flags & IFF_UP),
	       !!(l->flags & IFF_PROMISC), !!(l->flags & IFF_ALLMULTI), l->operstate, l->master,
	       l->link, l->link_netnsid);
	if (streq(l->kind, "bridge"))
		printf(" vlan_filtering=%d", l->vlan_filtering);
	if (streq(l->kind, "vxlan"))
		printf(" vni=%u local=%s port=%u vxlan_link=%d learning=%d gbp=%d ttl=%u tos=%u "
		       "l2miss=%d l3miss=%d",
		       l->vxlan.vni,
		       l->vxlan.local.family ? ip_addr_to_string(&l->vxlan.local, ip) : "-",
		       l->vxlan.port, l->vxlan.link, l->vxlan.learning, l->vxlan.gbp, l->vxlan.ttl,
		       l->vxlan.tos, l->vxlan.l2miss, l->vxlan.l3miss);
	printf("\n");
}

static void print_route(const struct nl_route *r)
{
	char d[IP_PREFIX_STRLEN], g[IP_ADDR_STRLEN], s[IP_ADDR_STRLEN];

	printf("dst=%s gw=%s src=%s oif=%d table=%u metric=%u proto=%u scope=%u type=%u "
	       "onlink=%d mtu=%u advmss=%u\n",
	       ip_prefix_to_string(&r->dst, d), r->gw.family ? ip_addr_to_string(&r->gw, g) : "-",
	       r->prefsrc.family ? ip_addr_to_string(&r->prefsrc, s) : "-", r->oif, r->table,
	       r->priority, r->protocol, r->scope, r->type, !!(r->flags & RTNH_F_ONLINK), r->mtu,
	       r->advmss);
}

static void print_neigh(const struct nl_neigh *n)
{
	char ip[IP_ADDR_STRLEN], mac[18];

	printf("family=%d ifindex=%d dst=%s lladdr=%s state=0x%x flags=0x%x vlan=%u\n", n->family,
	       n->ifindex, n->dst.family ? ip_addr_to_string(&n->dst, ip) : "-",
	       n->has_lladdr ? nl_mac_to_string(n->lladdr, mac) : "-", n->state, n->flags, n->vlan);
}

static uint8_t *mac_arg(const char *s, uint8_t buf[6])
{
	if (!s || streq(s, "-"))
		return NULL;
	if (nl_mac_parse(s, buf) < 0) {
		fprintf(stderr, "error: bad mac %s\n", s);
		exit(2);
	}
	return buf;
}

static void ip_arg(const char *s, struct ip_addr *a)
{
	if (ip_addr_parse(s, a) < 0) {
		fprintf(stderr, "error: bad address %s\n", s);
		exit(2);
	}
}

static int parse_route(char **argv, int argc, struct nl_route *r)
{
	*r = (struct nl_route){};
	if (streq(argv[0], "default")) {
		r->dst.addr.family = AF_INET;
	} else if (streq(argv[0], "default6")) {
		r->dst.addr.family = AF_INET6;
	} else if (ip_prefix_parse_optional_len(argv[0], &r->dst) < 0) {
		fprintf(stderr, "error: bad prefix %s\n", argv[0]);
		exit(2);
	}
	for (int i = 1; i < argc; i++) {
		const char *k = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;

		if (streq(k, "onlink")) {
			r->flags |= RTNH_F_ONLINK;
			continue;
		}
		if (streq(k, "blackhole")) {
			r->type = RTN_BLACKHOLE;
			continue;
		}
		if (!v)
			return -EINVAL;
		i++;
		if (streq(k, "via"))
			ip_arg(v, &r->gw);
		else if (streq(k, "src"))
			ip_arg(v, &r->prefsrc);
		else if (streq(k, "dev"))
			r->oif = ifindex_of(v);
		else if (streq(k, "scope"))
			r->scope = streq(v, "link") ? RT_SCOPE_LINK :
				   streq(v, "host") ? RT_SCOPE_HOST : (uint8_t)atoi(v);
		else if (streq(k, "table"))
			r->table = (uint32_t)atoi(v);
		else if (streq(k, "metric"))
			r->priority = (uint32_t)atoi(v);
		else if (streq(k, "proto"))
			r->protocol = (uint8_t)atoi(v);
		else if (streq(k, "mtu"))
			r->mtu = (uint32_t)atoi(v);
		else if (streq(k, "advmss"))
			r->advmss = (uint32_t)atoi(v);
		else
			return -EINVAL;
	}
	return 0;
}

static int parse_addr(char **argv, int argc, struct nl_addr *a)
{
	*a = (struct nl_addr){ .ifindex = ifindex_of(argv[0]) };
	if (ip_prefix_parse_optional_len(argv[1], &a->prefix) < 0)
		return -EINVAL;
	for (int i = 2; i < argc; i++) {
		if (streq(argv[i], "nodad"))
			a->flags |= IFA_F_NODAD;
		else if (streq(argv[i], "noprefixroute"))
			a->flags |= IFA_F_NOPREFIXROUTE;
		else if (streq(argv[i], "brd"))
			nl_addr_set_broadcast(a);
		else if (streq(argv[i], "scope-link"))
			a->scope = RT_SCOPE_LINK;
		else
			return -EINVAL;
	}
	return 0;
}

static int print_event(const struct nl_event *ev, void *ud)
{
	char buf[IP_PREFIX_STRLEN];

	switch (ev->kind) {
	case NL_EVENT_LINK:
		printf("%s link %s\n", ev->deleted ? "del" : "new", ev->link.name);
		break;
	case NL_EVENT_ADDR:
		printf("%s addr %s\n", ev->deleted ? "del" : "new",
		       ip_prefix_to_string(&ev->addr.prefix, buf));
		break;
	case NL_EVENT_ROUTE:
		printf("%s route %s proto %u\n", ev->deleted ? "del" : "new",
		       ip_prefix_to_string(&ev->route.dst, buf), ev->route.protocol);
		break;
	case NL_EVENT_NEIGH:
		printf("%s neigh %s\n", ev->deleted ? "del" : "new",
		       ev->neigh.dst.family ? ip_addr_to_string(&ev->neigh.dst, buf) : "-");
		break;
	}
	(*(int *)ud)++;
	return 0;
}

static int cmd_monitor(int count, int timeout_ms)
{
	const unsigned groups = NL_MON_LINK | NL_MON_ADDR | NL_MON_ROUTE | NL_MON_NEIGH;
	_cleanup_(nl_monitor_freep) struct nl_monitor *m = NULL;
	_cleanup_close_ int nsfd = -1;
	int r;

	if (ns_path) {
		nsfd = netns_open(ns_path);
		if (nsfd < 0)
			return nsfd;
		r = nl_monitor_open_netns(nsfd, groups, &m);
	} else {
		r = nl_monitor_open(groups, &m);
	}
	if (r < 0)
		return r;
	printf("ready\n");
	fflush(stdout);
	while (count > 0) {
		struct pollfd p = { .fd = nl_monitor_fd(m), .events = POLLIN };
		int seen = 0;

		r = poll(&p, 1, timeout_ms);
		if (r < 0)
			return -errno;
		if (r == 0)
			return -ETIMEDOUT;
		r = nl_monitor_read(m, print_event, &seen);
		if (r < 0)
			return r;
		fflush(stdout);
		count -= seen;
	}
	return 0;
}

static int run(int argc, char **argv)
{
	const char *c = argv[0];
	uint8_t m1[6], m2[6];
	int r;

#define NEED(n)                                                 \
	do {                                                    \
		if (argc < (n)) {                               \
			fprintf(stderr, "error: %s: missing arguments\n", c); \
			exit(2);                                \
		}                                               \
	} while (0)

	if (streq(c, "show")) {
		struct nl_link l;

		NEED(2);
		r = nl_link_get_by_name(sk, argv[1], &l);
		if (r >= 0)
			print_link(&l);
		return r;
	}
	if (streq(c, "links")) {
		_cleanup_free_ struct nl_link *v = NULL;
		size_t n;

		r = nl_link_dump(sk, &v, &n);
		for (size_t i = 0; r >= 0 && i < n; i++)
			print_link(&v[i]);
		return r;
	}
	if (streq(c, "bridge")) {
		NEED(2);
		return nl_bridge_create(sk, &(struct nl_bridge_spec){
			.name = argv[1],
			.mtu = argc > 2 ? (uint32_t)atoi(argv[2]) : 0,
			.vlan_filtering = argc > 3 && atoi(argv[3]),
		});
	}
	if (streq(c, "veth")) {
		/* veth NAME PEER PEER_NS|- [MTU] [MAC|-] [PEERMAC|-] */
		_cleanup_close_ int nsfd = -1;

		NEED(4);
		if (!streq(argv[3], "-")) {
			nsfd = netns_open(argv[3]);
			if (nsfd < 0)
				return nsfd;
		}
		return nl_veth_create(sk, &(struct nl_veth_spec){
			.name = argv[1],
			.peer_name = argv[2],
			.peer_netns_fd = nsfd,
			.mtu = argc > 4 ? (uint32_t)atoi(argv[4]) : 0,
			.mac = argc > 5 ? mac_arg(argv[5], m1) : NULL,
			.peer_mac = argc > 6 ? mac_arg(argv[6], m2) : NULL,
		});
	}
	if (streq(c, "vxlan")) {
		/* vxlan NAME VNI DEV LOCAL PORT LEARNING GBP MTU [MAC] */
		struct nl_vxlan_spec s = { .name = argv[1] };

		NEED(9);
		s.vx.vni = (uint32_t)atoi(argv[2]);
		s.vx.link = streq(argv[3], "-") ? 0 : ifindex_of(argv[3]);
		if (!streq(argv[4], "-"))
			ip_arg(argv[4], &s.vx.local);
		s.vx.port = (uint16_t)atoi(argv[5]);
		s.vx.learning = atoi(argv[6]);
		s.vx.gbp = atoi(argv[7]);
		s.mtu = (uint32_t)atoi(argv[8]);
		s.mac = argc > 9 ? mac_arg(argv[9], m1) : NULL;
		return nl_vxlan_create(sk, &s);
	}
	if (streq(c, "ifb")) {
		NEED(2);
		return nl_ifb_create(sk, argv[1], argc > 2 ? (uint32_t)atoi(argv[2]) : 0);
	}
	if (streq(c, "up") || streq(c, "down")) {
		NEED(2);
		return nl_link_set_up(sk, ifindex_of(argv[1]), streq(c, "up"));
	}
	if (streq(c, "mtu")) {
		NEED(3);
		return nl_link_set_mtu(sk, ifindex_of(argv[1]), (uint32_t)atoi(argv[2]));
	}
	if (streq(c, "mac")) {
		NEED(3);
		return nl_link_set_mac(sk, ifindex_of(argv[1]), mac_arg(argv[2], m1));
	}
	if (streq(c, "master")) {
		NEED(3);
		return nl_link_set_master(sk, ifindex_of(argv[1]),
					  streq(argv[2], "none") ? 0 : ifindex_of(argv[2]));
	}
	if (streq(c, "promisc") || streq(c, "allmulti")) {
		NEED(3);
		if (streq(c, "promisc"))
			return nl_link_set_promisc(sk, ifindex_of(argv[1]), streq(argv[2], "on"));
		return nl_link_set_allmulti(sk, ifindex_of(argv[1]), streq(argv[2], "on"));
	}
	if (streq(c, "txqlen")) {
		NEED(3);
		return nl_link_set_txqlen(sk, ifindex_of(argv[1]), (uint32_t)atoi(argv[2]));
	}
	if (streq(c, "rename")) {
		NEED(3);
		return nl_link_set_name(sk, ifindex_of(argv[1]), argv[2]);
	}
	if (streq(c, "setns")) {
		_cleanup_close_ int nsfd = -1;

		NEED(3);
		nsfd = netns_open(argv[2]);
		if (nsfd < 0)
			return nsfd;
		return nl_link_set_netns(sk, ifindex_of(argv[1]), nsfd, argc > 3 ? argv[3] : NULL);
	}
	if (streq(c, "del")) {
		NEED(2);
		return nl_link_del_by_name(sk, argv[1]);
	}
	if (streq(c, "wait-up")) {
		NEED(3);
		return nl_link_wait_oper_up(sk, ifindex_of(argv[1]), (unsigned)atoi(argv[2]));
	}
	if (streq(c, "brport")) {
		/* brport DEV HAIRPIN ISOLATED (-1 = unchanged) */
		NEED(4);
		return nl_brport_set(sk, ifindex_of(argv[1]), &(struct nl_brport_opts){
			.hairpin = atoi(argv[2]),
			.isolated = atoi(argv[3]),
			.learning = NL_UNCHANGED,
		});
	}
	if (streq(c, "vlan-add") || streq(c, "vlan-del")) {
		/* vlan-add DEV VID[-END] [pvid] [untagged] [self] */
		struct nl_bridge_vlan v = {};
		bool self = false;
		unsigned a, b = 0;

		NEED(3);
		if (sscanf(argv[2], "%u-%u", &a, &b) < 1)
			return -EINVAL;
		v.vid = (uint16_t)a;
		v.vid_end = (uint16_t)b;
		for (int i = 3; i < argc; i++) {
			v.pvid |= streq(argv[i], "pvid");
			v.untagged |= streq(argv[i], "untagged");
			self |= streq(argv[i], "self");
		}
		if (streq(c, "vlan-add"))
			return nl_bridge_vlan_add(sk, ifindex_of(argv[1]), self, &v, 1);
		return nl_bridge_vlan_del(sk, ifindex_of(argv[1]), self, &v, 1);
	}
	if (streq(c, "vlan-list")) {
		_cleanup_free_ struct nl_bridge_vlan *v = NULL;
		size_t n;

		NEED(2);
		r = nl_bridge_vlan_list(sk, ifindex_of(argv[1]), &v, &n);
		for (size_t i = 0; r >= 0 && i < n; i++)
			printf("vid=%u pvid=%d untagged=%d\n", v[i].vid, v[i].pvid, v[i].untagged);
		return r;
	}
	if (startswith(c, "addr-") && !streq(c, "addr-list")) {
		struct nl_addr a;

		NEED(3);
		if (parse_addr(argv + 1, argc - 1, &a) < 0)
			return -EINVAL;
		if (streq(c, "addr-add"))
			return nl_addr_add(sk, &a);
		if (streq(c, "addr-replace"))
			return nl_addr_replace(sk, &a);
		if (streq(c, "addr-del"))
			return nl_addr_del(sk, &a);
		return -EINVAL;
	}
	if (streq(c, "addr-list")) {
		_cleanup_free_ struct nl_addr *v = NULL;
		char buf[IP_PREFIX_STRLEN];
		size_t n;

		NEED(2);
		r = nl_addr_dump(sk, AF_UNSPEC, ifindex_of(argv[1]), &v, &n);
		for (size_t i = 0; r >= 0 && i < n; i++)
			printf("addr=%s flags=0x%x scope=%u\n",
			       ip_prefix_to_string(&v[i].prefix, buf), v[i].flags, v[i].scope);
		return r;
	}
	if (startswith(c, "route-") && !streq(c, "route-list") && !streq(c, "route-get")) {
		struct nl_route rt;

		NEED(2);
		if (parse_route(argv + 1, argc - 1, &rt) < 0)
			return -EINVAL;
		if (streq(c, "route-add"))
			return nl_route_add(sk, &rt);
		if (streq(c, "route-replace"))
			return nl_route_replace(sk, &rt);
		if (streq(c, "route-append"))
			return nl_route_append(sk, &rt);
		if (streq(c, "route-del"))
			return nl_route_del(sk, &rt);
		return -EINVAL;
	}
	if (streq(c, "route-list")) {
		/* route-list FAMILY(4|6|0) [proto N] [table N] [dev D] */
		_cleanup_free_ struct nl_route *v = NULL;
		struct nl_route_filter f = {};
		int family;
		size_t n;

		NEED(2);
		family = streq(argv[1], "4") ? AF_INET : streq(argv[1], "6") ? AF_INET6 : AF_UNSPEC;
		for (int i = 2; i + 1 < argc; i += 2) {
			if (streq(argv[i], "proto"))
				f.protocol = (uint8_t)atoi(argv[i + 1]);
			else if (streq(argv[i], "table"))
				f.table = (uint32_t)atoi(argv[i + 1]);
			else if (streq(argv[i], "dev"))
				f.oif = ifindex_of(argv[i + 1]);
		}
		r = nl_route_dump(sk, family, &f, &v, &n);
		for (size_t i = 0; r >= 0 && i < n; i++)
			print_route(&v[i]);
		return r;
	}
	if (streq(c, "route-get")) {
		struct nl_route rt;
		struct ip_addr ip;

		NEED(2);
		ip_arg(argv[1], &ip);
		r = nl_route_get(sk, &ip, &rt);
		if (r >= 0)
			print_route(&rt);
		return r;
	}
	if (streq(c, "wait-dad")) {
		NEED(3);
		return nl_addr_wait_dad(sk, AF_INET6, ifindex_of(argv[1]), (unsigned)atoi(argv[2]));
	}
	if (streq(c, "neigh-replace") || streq(c, "neigh-del")) {
		/* neigh-replace DEV IP MAC */
		struct nl_neigh nb;
		struct ip_addr ip;

		NEED(4);
		ip_arg(argv[2], &ip);
		nl_neigh_init_permanent(&nb, ifindex_of(argv[1]), &ip, mac_arg(argv[3], m1));
		return streq(c, "neigh-del") ? nl_neigh_del(sk, &nb) : nl_neigh_replace(sk, &nb);
	}
	if (streq(c, "fdb-replace") || streq(c, "fdb-del")) {
		/* fdb-replace DEV MAC DST */
		struct nl_neigh nb;
		struct ip_addr ip;

		NEED(4);
		ip_arg(argv[3], &ip);
		nl_fdb_init_vxlan(&nb, ifindex_of(argv[1]), mac_arg(argv[2], m1), &ip);
		return streq(c, "fdb-del") ? nl_neigh_del(sk, &nb) : nl_neigh_replace(sk, &nb);
	}
	if (streq(c, "neigh-list") || streq(c, "fdb-list")) {
		_cleanup_free_ struct nl_neigh *v = NULL;
		size_t n;

		NEED(2);
		r = nl_neigh_dump(sk, streq(c, "fdb-list") ? AF_BRIDGE : AF_UNSPEC,
				  ifindex_of(argv[1]), &v, &n);
		for (size_t i = 0; r >= 0 && i < n; i++)
			print_neigh(&v[i]);
		return r;
	}
	if (streq(c, "tbf")) {
		/* tbf DEV RATE_BYTES BURST_BYTES LATENCY_MS: the bandwidth plugin's arithmetic */
		double tick, burst_us;
		struct nl_tbf t;

		NEED(5);
		r = nl_tc_tick_in_usec(&tick);
		if (r < 0)
			return r;
		t.rate = strtoull(argv[2], NULL, 10);
		burst_us = (double)strtoull(argv[3], NULL, 10) * 1e6 / (double)t.rate;
		t.buffer = nl_tc_usec_to_ticks(burst_us, tick);
		t.limit = (uint32_t)((double)t.rate * atof(argv[4]) / 1000.0) +
			  (uint32_t)strtoul(argv[3], NULL, 10);
		return nl_qdisc_tbf_replace(sk, ifindex_of(argv[1]), &t);
	}
	if (streq(c, "ingress")) {
		NEED(2);
		return nl_qdisc_ingress_add(sk, ifindex_of(argv[1]));
	}
	if (streq(c, "qdisc-del")) {
		NEED(3);
		return nl_qdisc_del(sk, ifindex_of(argv[1]),
				    streq(argv[2], "ingress") ? NL_TC_H_INGRESS : NL_TC_H_ROOT);
	}
	if (streq(c, "qdisc-list")) {
		_cleanup_free_ struct nl_qdisc *v = NULL;
		size_t n;

		NEED(2);
		r = nl_qdisc_dump(sk, ifindex_of(argv[1]), &v, &n);
		for (size_t i = 0; r >= 0 && i < n; i++) {
			printf("kind=%s handle=%x parent=%x", v[i].kind, v[i].handle, v[i].parent);
			if (v[i].has_tbf)
				printf(" rate=%llu buffer=%u limit=%u",
				       (unsigned long long)v[i].tbf.rate, v[i].tbf.buffer,
				       v[i].tbf.limit);
			printf("\n");
		}
		return r;
	}
	if (streq(c, "redirect")) {
		NEED(3);
		return nl_filter_redirect_add(sk, ifindex_of(argv[1]), NL_TC_HANDLE(0xffff, 0), 1,
					      ifindex_of(argv[2]));
	}
	if (streq(c, "ct-del-dport")) {
		/* ct-del-dport 4|6 udp|tcp PORT: prints how many entries went */
		NEED(4);
		r = nl_conntrack_delete_dport(streq(argv[1], "6") ? AF_INET6 : AF_INET,
					      streq(argv[2], "tcp") ? IPPROTO_TCP : IPPROTO_UDP,
					      (uint16_t)atoi(argv[3]));
		if (r >= 0)
			printf("deleted=%d\n", r);
		return r;
	}
	if (streq(c, "monitor")) {
		NEED(2);
		return cmd_monitor(atoi(argv[1]), argc > 2 ? atoi(argv[2]) : 5000);
	}
	if (streq(c, "sysctl-write")) {
		NEED(3);
		return sysctl_write(argv[1], argv[2]);
	}
	if (streq(c, "sysctl-read")) {
		_cleanup_free_ char *v = NULL;

		NEED(2);
		r = sysctl_read(argv[1], &v);
		if (r >= 0)
			printf("%s\n", v);
		return r;
	}
	fprintf(stderr, "error: unknown command %s\n", c);
	exit(2);
}

int main(int argc, char **argv)
{
	const char *ns = NULL;
	int r;

	if (argc > 2 && streq(argv[1], "-n")) {
		ns = argv[2];
		argv += 2;
		argc -= 2;
	}
	if (argc < 2) {
		fprintf(stderr, "usage: nltest [-n NETNS_PATH] COMMAND ARGS...\n");
		return 2;
	}
	ns_path = ns;
	r = ns ? nl_sock_open_netns_path(ns, &sk) : nl_sock_open(&sk);
	if (r < 0) {
		fprintf(stderr, "error: open: %s\n", strerror(-r));
		return 1;
	}
	r = run(argc - 1, argv + 1);
	if (r < 0) {
		const char *e = nl_sock_errmsg(sk);

		fprintf(stderr, "error: %s%s%s\n", strerror(-r), *e ? ": " : "", e);
		nl_sock_free(sk);
		return 1;
	}
	nl_sock_free(sk);
	return 0;
}
