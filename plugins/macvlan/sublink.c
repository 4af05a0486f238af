// SPDX-License-Identifier: Apache-2.0
/*
 * sublink.c - ADD, DEL, CHECK of macvlan, ipvlan, vlan and dummy (see sublink.h).
 *
 * Differences from the reference, all on the safe side: a config error is code 7 (the
 * reference's Go skel wraps everything as 999) with the same text; a kernel without the
 * link type gets an error naming it; vlan and dummy refuse a missing IPAM before creating
 * anything (the reference creates the vlan link first and leaves it behind); DEL never
 * needs the master (the reference's vlan and ipvlan DEL fail when it is gone) and keeps
 * going past a failed IPAM DEL to remove the link.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>
#include <linux/rtnetlink.h>

#include "basic/mac.h"
#include "basic/netns.h"
#include "basic/sysctl.h"
#include "netlink/netlink.h"
#include "plugins/macvlan/sublink.h"
#include "skel/plugin-net.h"
#include "skel/plugin-util.h"
#include "skel/skel.h"

#define DAD_TIMEOUT_MS 10000

/*
 * Test builds only (-Dtest_hooks=true): LINEN_TEST_FAIL_AT=<step> fails ADD there, so the
 * rollback of a late failure is testable. Steps: link (after the link is made), ipam (after
 * IPAM answered).
 */
static int test_hook(const char *step, struct cni_error *err)
{
#ifdef LINEN_TEST_HOOKS
	const char *f = getenv("LINEN_TEST_FAIL_AT");

	if (f && streq(f, step))
		return cni_error_set(err, CNI_ERR_INTERNAL, "test failure injected at %s", step);
#endif
	return 0;
}

static const struct sublink_kind *K;

static void dns_done(struct cni_dns *d)
{
	strv_free(d->nameservers);
	free(d->domain);
	strv_free(d->search);
	strv_free(d->options);
	memset(d, 0, sizeof(*d));
}

static const char *load_prefix(enum skel_command cmd)
{
	/* Only macvlan's DEL spells it "netConf". */
	if (cmd == SKEL_DEL && K == &sublink_macvlan)
		return "failed to load netConf: ";
	return "failed to load netconf: ";
}

/* --- the master --------------------------------------------------------------------- */

/* The reference's getDefaultRouteInterfaceName: the first main-table route without a dst. */
static int default_route_link(struct nl_sock *sk, struct nl_link *ret)
{
	_cleanup_free_ struct nl_route *v = NULL;
	struct nl_route_filter f = { .table = RT_TABLE_MAIN };
	size_t n = 0;
	int r;

	r = nl_route_dump(sk, AF_UNSPEC, &f, &v, &n);
	if (r < 0)
		return r;
	for (size_t i = 0; i < n; i++)
		if (v[i].dst.len == 0 && v[i].oif > 0)
			return nl_link_get_by_index(sk, v[i].oif, ret);
	return -ENOENT;
}

static int find_master(struct skel_request *req, struct sublink_config *c, struct nl_sock *sk,
		       struct nl_link *ret, struct cni_error *err)
{
	int r;

	if (!c->master && K->master_from_prev && req->prev_result) {
		const struct cni_result *p = req->prev_result;

		if (p->n_interfaces != 1 || !p->interfaces[0].name || !*p->interfaces[0].name)
			return cni_error_set(err, CNI_ERR_INVALID_CONFIG,
					     "chained master failure. PrevResult lacks a single "
					     "named interface");
		c->master = strdup(p->interfaces[0].name);
		if (!c->master)
			return -ENOMEM;
	}
	if (!c->master) {
		r = default_route_link(sk, ret);
		if (r == -ENOENT)
			return cni_error_set(err, CNI_ERR_INVALID_CONFIG,
					     "no default route interface found");
		if (r < 0)
			return skel_nl_error(err, sk, r, "failed to find the default route");
		c->master = strdup(ret->name);
		return c->master ? 0 : -ENOMEM;
	}
	r = nl_link_get_by_name(sk, c->master, ret);
	if (r == -ENODEV || r == -EINVAL) {
		/* macvlan and vlan look the master up for its MTU first: netlink's bare text. */
		if (K->master_mtu_check)
			return cni_error_set(err, CNI_ERR_INVALID_CONFIG, "Link not found");
		return cni_error_set(err, CNI_ERR_INVALID_CONFIG,
				     "failed to lookup master \"%s\": Link not found", c->master);
	}
	if (r < 0)
		return skel_nl_error(err, sk, r, "failed to lookup master \"%s\"", c->master);
	return 0;
}

/* --- ADD ------------------------------------------------------------------------------ */

struct add_state {
	struct skel_request *req;
	struct sublink_config *c;
	struct nl_sock *host, *cont;
	int cont_nsfd;
	char tmp[NL_IFNAMSIZ];
	bool created, renamed, ipam_added;
	int ifindex;
	struct cni_result *res;
};

static int set_sysctls(struct add_state *st, bool v6, struct cni_error *err)
{
	const char *ifname = st->req->ifname;
	char key[128];
	int saved = -1, r = 0, k;

	k = netns_enter(st->cont_nsfd, &saved);
	if (k < 0)
		return cni_error_set(err, CNI_ERR_INTERNAL, "failed to enter netns \"%s\": %s",
				     st->req->netns, strerror(-k));
	/* The kernel announces the new MAC (gratuitous ARP, unsolicited NA) when it goes up. */
	if (K->notify) {
		snprintf(key, sizeof(key), "net/ipv4/conf/%s/arp_notify", ifname);
		(void)sysctl_write(key, "1");
		snprintf(key, sizeof(key), "net/ipv6/conf/%s/ndisc_notify", ifname);
		(void)sysctl_write(key, "1");
	}
	if (v6) {
		_cleanup_free_ char *v = NULL;

		snprintf(key, sizeof(key), "net/ipv6/conf/%s/disable_ipv6", ifname);
		if (sysctl_read(key, &v) >= 0 && !streq(v, "0"))
			r = sysctl_write(key, "0");
	}
	k = netns_restore(&saved);
	if (r < 0)
		return cni_error_set(err, CNI_ERR_INTERNAL,
				     "failed to enable IPv6 for interface \"%s\": %s", ifname,
				     strerror(-r));
	if (k < 0)
		return cni_error_set(err, CNI_ERR_INTERNAL,
				     "failed to return to the host netns: %s", strerror(-k));
	return 0;
}

/* The reference's ipam.ConfigureIface: addresses, up, then the routes via the gateways. */
static int configure_iface(struct add_state *st, struct cni_error *err)
{
	const struct cni_result *res = st->res;
	const char *ifname = st->req->ifname;
	struct ip_addr gw4 = {}, gw6 = {};
	bool v6 = false;
	int r;

	for (size_t i = 0; i < res->n_ips; i++)
		v6 |= res->ips[i].address.addr.family == AF_INET6;
	r = set_sysctls(st, v6, err);
	if (r < 0)
		return r;
	for (size_t i = 0; i < res->n_ips; i++) {
		const struct cni_ipconfig *ip = &res->ips[i];
		struct nl_addr a = { .ifindex = st->ifindex, .prefix = ip->address };
		char s[IP_PREFIX_STRLEN];

		if (a.prefix.addr.family == AF_INET)
			nl_addr_set_broadcast(&a);
		r = nl_addr_add(st->cont, &a);
		if (r < 0 && r != -EEXIST)
			return skel_nl_error(err, st->cont, r, "failed to add IP addr %s to \"%s\"",
					     ip_prefix_to_string(&a.prefix, s), ifname);
		if (ip->gateway.family == AF_INET && !gw4.family)
			gw4 = ip->gateway;
		if (ip->gateway.family == AF_INET6 && !gw6.family)
			gw6 = ip->gateway;
	}
	r = nl_link_set_up(st->cont, st->ifindex, true);
	if (r < 0)
		return skel_nl_error(err, st->cont, r, "failed to set \"%s\" UP", ifname);
	if (v6) {
		r = nl_addr_wait_dad(st->cont, AF_INET6, st->ifindex, DAD_TIMEOUT_MS);
		if (r < 0 && r != -ETIMEDOUT)
			return skel_nl_error(err, st->cont, r,
					     "failed to settle addresses on \"%s\"", ifname);
	}
	for (size_t i = 0; i < res->n_routes; i++) {
		const struct cni_route *cr = &res->routes[i];
		int fam = cr->dst.addr.family;
		struct nl_route rt = {
			.family = fam,
			.dst = cr->dst,
			.gw = cr->gw,
			.oif = st->ifindex,
			.table = cr->has_table && cr->table > 0 ? (uint32_t)cr->table : 0,
			.priority = cr->priority > 0 ? (uint32_t)cr->priority : 0,
			.scope = cr->has_scope ? (uint8_t)cr->scope : 0,
			.mtu = cr->mtu > 0 ? (uint32_t)cr->mtu : 0,
			.advmss = cr->advmss > 0 ? (uint32_t)cr->advmss : 0,
		};
		char ds[IP_PREFIX_STRLEN], gs[IP_ADDR_STRLEN] = "<nil>";

		if (!rt.gw.family)
			rt.gw = fam == AF_INET ? gw4 : gw6;
		ip_prefix_mask(&rt.dst);
		r = nl_route_append(st->cont, &rt);
		if (r < 0 && r != -EEXIST) {
			if (rt.gw.family)
				ip_addr_to_string(&rt.gw, gs);
			return skel_nl_error(err, st->cont, r,
					     "failed to add route '%s via %s dev %s'",
					     ip_prefix_to_string(&cr->dst, ds), gs, ifname);
		}
	}
	return 0;
}

static int create_link(struct add_state *st, const struct nl_link *master, struct cni_error *err)
{
	struct sublink_config *c = st->c;
	const char *ifname = st->req->ifname;
	/* The master's namespace is where the link is born; it goes to the container at once. */
	struct nl_sock *sk = c->link_in_container ? st->cont : st->host;
	uint8_t mac[6];
	struct nl_sublink_spec spec = {
		.kind = K->nl,
		.link = master ? master->ifindex : 0,
		.mtu = c->mtu > 0 ? (uint32_t)c->mtu : 0,
		.netns_fd = sk == st->host ? st->cont_nsfd : -1,
		.mode = c->mode_value,
		.vlan_id = (uint16_t)c->vlan_id,
	};
	int r;

	if (c->mac) {
		(void)mac_parse_go(c->mac, mac); /* checked by the parser */
		spec.mac = mac;
	}
	if (K->has_master) {
		/* A name taken on the host would make the kernel refuse the move: a temp one. */
		r = sublink_random_name(st->tmp);
		if (r < 0)
			return cni_error_set(err, CNI_ERR_INTERNAL,
					     "failed to generate random name: %s", strerror(-r));
		spec.name = st->tmp;
	} else
		spec.name = ifname;
	r = nl_sublink_create(sk, &spec);
	if (r == -EOPNOTSUPP)
		return cni_error_set(err, CNI_ERR_INTERNAL,
				     "failed to create %s: %s (this kernel has no %s link type)",
				     K->name, strerror(-r), K->name);
	if (r < 0)
		return skel_nl_error(err, sk, r, "failed to create %s", K->name);
	st->created = true;
	if (K->has_master) {
		int idx = nl_link_name_to_index(st->cont, st->tmp);

		if (idx <= 0)
			return skel_nl_error(err, st->cont, idx < 0 ? idx : -ENODEV,
					     "failed to rename %s to \"%s\"", K->name, ifname);
		r = nl_link_set_name(st->cont, idx, ifname);
		if (r < 0)
			return skel_nl_error(err, st->cont, r, "failed to rename %s to \"%s\"",
					     K->name, ifname);
	}
	st->renamed = true;
	return 0;
}

static int take_ipam(struct add_state *st, struct cni_result *ir)
{
	st->res->ips = TAKE_PTR(ir->ips);
	st->res->n_ips = ir->n_ips;
	ir->n_ips = 0;
	st->res->routes = TAKE_PTR(ir->routes);
	st->res->n_routes = ir->n_routes;
	ir->n_routes = 0;
	st->res->dns = ir->dns;
	memset(&ir->dns, 0, sizeof(ir->dns));
	return 0;
}

static int do_add(struct add_state *st, struct cni_error *err)
{
	struct skel_request *req = st->req;
	struct sublink_config *c = st->c;
	_cleanup_(cni_result_freep) struct cni_result *ir = NULL;
	struct nl_link master, l;
	char mac[MAC_STRLEN];
	bool use_prev = K->ipam_from_prev && !c->ipam_type && req->prev_result &&
			req->prev_result->n_ips > 0;
	int r;

	if (K->ipam_required && !c->ipam_type)
		return cni_error_set(err, CNI_ERR_INVALID_CONFIG,
				     "%s interface requires an IPAM configuration", K->name);
	if (K->ipam_from_prev && !c->ipam_type && !use_prev)
		return cni_error_set(err, CNI_ERR_INVALID_CONFIG,
				     "%s needs an IPAM configuration or a prevResult with "
				     "addresses", K->name);
	st->cont_nsfd = netns_open(req->netns);
	if (st->cont_nsfd < 0)
		return cni_error_set(err, CNI_ERR_INTERNAL, "failed to open netns \"%s\": %s",
				     req->netns, strerror(-st->cont_nsfd));
	r = nl_sock_open_netns(st->cont_nsfd, &st->cont);
	if (r >= 0)
		r = nl_sock_open(&st->host);
	if (r < 0)
		return cni_error_set(err, CNI_ERR_INTERNAL, "failed to open netlink: %s",
				     strerror(-r));
	if (K->has_master) {
		r = find_master(req, c, c->link_in_container ? st->cont : st->host, &master, err);
		if (r < 0)
			return r;
		if (K->master_mtu_check && (c->mtu < 0 || c->mtu > (int64_t)master.mtu))
			return cni_error_set(err, CNI_ERR_INVALID_CONFIG,
					     "invalid MTU %lld, must be [0, master MTU(%u)]",
					     (long long)c->mtu, master.mtu);
	}
	r = create_link(st, K->has_master ? &master : NULL, err);
	if (r < 0)
		return r;
	r = nl_link_get_by_name(st->cont, req->ifname, &l);
	if (r < 0)
		return skel_nl_error(err, st->cont, r, "failed to refetch %s \"%s\"", K->name,
				     req->ifname);
	st->ifindex = l.ifindex;
	r = test_hook("link", err);
	if (r < 0)
		return r;

	st->res = cni_result_new();
	if (!st->res)
		return -ENOMEM;
	r = cni_result_add_interface(st->res, req->ifname, mac_format(l.mac, mac), req->netns);
	if (r < 0)
		return r;

	if (use_prev) {
		ir = TAKE_PTR(req->prev_result);
		take_ipam(st, ir);
	} else if (c->ipam_type) {
		r = skel_delegate_add(req, c->ipam_type, req->stdin_data, req->stdin_len, &ir, err);
		if (r < 0) {
			if (K == &sublink_vlan) {
				static const char pre[] = "failed to execute IPAM delegate: ";
				size_t n = strnlen(err->msg, sizeof(err->msg) - sizeof(pre));

				memmove(err->msg + sizeof(pre) - 1, err->msg, n);
				memcpy(err->msg, pre, sizeof(pre) - 1);
				err->msg[sizeof(pre) - 1 + n] = '\0';
			}
			return r;
		}
		st->ipam_added = true;
		take_ipam(st, ir);
	} else {
		/* Layer 2 only (macvlan without IPAM): the link just goes up. */
		r = nl_link_set_up(st->cont, st->ifindex, true);
		if (r < 0)
			return skel_nl_error(err, st->cont, r, "failed to set \"%s\" UP",
					     req->ifname);
		goto dns;
	}
	r = test_hook("ipam", err);
	if (r < 0)
		return r;
	if (st->res->n_ips == 0)
		return cni_error_set(err, CNI_ERR_INTERNAL,
				     "IPAM plugin returned missing IP config");
	for (size_t i = 0; i < st->res->n_ips; i++)
		st->res->ips[i].interface = 0;
	r = configure_iface(st, err);
	if (r < 0)
		return r;
dns:
	if (K->dns_from_config) {
		dns_done(&st->res->dns);
		st->res->dns = c->dns;
		memset(&c->dns, 0, sizeof(c->dns));
	}
	return 0;
}

static void add_rollback(struct add_state *st)
{
	struct skel_request *req = st->req;
	struct cni_error e = {};
	int r;

	if (st->created && st->cont) {
		r = nl_link_del_by_name(st->cont, st->renamed ? req->ifname : st->tmp);
		/* Born on the host and not moved: it would still be there. */
		if (r < 0 || !st->renamed)
			(void)nl_link_del_by_name(st->host, st->tmp);
	}
	if (st->ipam_added)
		(void)skel_delegate(req, st->c->ipam_type, "DEL", req->stdin_data, req->stdin_len,
				    &e);
}

static int cmd_add(struct skel_request *req, struct cni_result **ret_result,
		   struct cni_error *err)
{
	_cleanup_(sublink_config_freep) struct sublink_config *c = NULL;
	struct add_state st = { .req = req, .cont_nsfd = -1 };
	int r;

	r = sublink_config_parse(K, req->config, &req->args, true, load_prefix(SKEL_ADD), &c,
				 err);
	if (r < 0)
		return r;
	st.c = c;
	r = do_add(&st, err);
	if (r >= 0)
		r = cni_result_set_version(st.res, req->cni_version);
	if (r >= 0)
		*ret_result = TAKE_PTR(st.res);
	else
		add_rollback(&st);
	cni_result_free(st.res);
	nl_sock_free(st.host);
	nl_sock_free(st.cont);
	if (st.cont_nsfd >= 0)
		close(st.cont_nsfd);
	return r;
}

/* --- DEL ------------------------------------------------------------------------------ */

static int cmd_del(struct skel_request *req, struct cni_error *err)
{
	_cleanup_(sublink_config_freep) struct sublink_config *c = NULL;
	struct cni_error first = {}, e = {};
	int first_r = 0, r;

	r = sublink_config_parse(K, req->config, NULL, false, load_prefix(SKEL_DEL), &c, err);
	if (r < 0)
		return r;
	if (c->ipam_type) {
		r = skel_delegate(req, c->ipam_type, "DEL", req->stdin_data, req->stdin_len, &e);
		skel_keep_first(&first, &first_r, r, &e);
	}
	if (req->netns) {
		cni_error_clear(&e);
		r = skel_del_container_link(req->netns, req->ifname, &e);
		skel_keep_first(&first, &first_r, r, &e);
	}
	if (first_r < 0)
		*err = first;
	return first_r;
}

/* --- CHECK ---------------------------------------------------------------------------- */

static int check_addrs(struct nl_sock *sk, const struct nl_link *l, const struct cni_result *p,
		       struct cni_error *err)
{
	_cleanup_free_ struct nl_addr *have = NULL;
	size_t n = 0;
	int r;

	r = nl_addr_dump(sk, AF_UNSPEC, l->ifindex, &have, &n);
	if (r < 0)
		return skel_nl_error(err, sk, r, "failed to list addresses of %s", l->name);
	for (size_t i = 0; i < p->n_ips; i++) {
		char s[IP_PREFIX_STRLEN];
		bool found = false;

		for (size_t k = 0; k < n && !found; k++)
			found = ip_prefix_equal(&have[k].prefix, &p->ips[i].address);
		if (!found)
			return cni_error_set(err, CNI_ERR_INTERNAL,
					     "Failed to match addr %s on interface %s",
					     ip_prefix_to_string(&p->ips[i].address, s), l->name);
	}
	return 0;
}

/* The reference's ValidateExpectedRoute: a route to each dst (with its gateway, if any). */
static int check_routes(struct nl_sock *sk, const struct cni_result *p, struct cni_error *err)
{
	_cleanup_free_ struct nl_route *have = NULL;
	size_t n = 0;
	int r;

	if (p->n_routes == 0)
		return 0;
	r = nl_route_dump(sk, AF_UNSPEC, NULL, &have, &n);
	if (r < 0)
		return skel_nl_error(err, sk, r, "failed to list routes");
	for (size_t i = 0; i < p->n_routes; i++) {
		struct ip_prefix dst = p->routes[i].dst;
		char s[IP_PREFIX_STRLEN];
		bool found = false;

		ip_prefix_mask(&dst);
		for (size_t k = 0; k < n && !found; k++)
			found = ip_prefix_equal(&have[k].dst, &dst) &&
				(!p->routes[i].gw.family ||
				 ip_addr_equal(&have[k].gw, &p->routes[i].gw));
		if (!found)
			return cni_error_set(err, CNI_ERR_INTERNAL, "Failed to match route %s",
					     ip_prefix_to_string(&dst, s));
	}
	return 0;
}

static int cmd_check(struct skel_request *req, struct cni_error *err)
{
	_cleanup_(sublink_config_freep) struct sublink_config *c = NULL;
	_cleanup_(nl_sock_freep) struct nl_sock *host = NULL, *cont = NULL;
	_cleanup_close_ int fd = -EBADF;
	const struct cni_result *p = req->prev_result;
	const struct cni_interface *ci = NULL;
	struct nl_link l, m;
	char mac[MAC_STRLEN];
	int r;

	r = sublink_config_parse(K, req->config, &req->args, true, load_prefix(SKEL_CHECK), &c,
				 err);
	if (r < 0)
		return r;
	if (K->ipam_required && !c->ipam_type && K == &sublink_dummy)
		return cni_error_set(err, CNI_ERR_INVALID_CONFIG,
				     "dummy interface requires an IPAM configuration");
	fd = netns_open(req->netns);
	if (fd < 0)
		return cni_error_set(err, CNI_ERR_INTERNAL, "failed to open netns \"%s\": %s",
				     req->netns, strerror(-fd));
	if (c->ipam_type) {
		r = skel_delegate(req, c->ipam_type, "CHECK", req->stdin_data, req->stdin_len, err);
		if (r < 0)
			return r;
	}
	if (!p)
		return cni_error_set(err, CNI_ERR_INTERNAL, "%s", K->msg_no_prev);
	for (size_t i = 0; i < p->n_interfaces; i++)
		if (streq_ptr(p->interfaces[i].name, req->ifname) &&
		    streq_ptr(p->interfaces[i].sandbox, req->netns))
			ci = &p->interfaces[i];
	if (!ci)
		return cni_error_set(err, CNI_ERR_INTERNAL,
				     "%sandbox in prevResult %s doesn't match configured netns: %s",
				     K->head_sandbox, "", req->netns);
	r = nl_sock_open_netns(fd, &cont);
	if (r >= 0)
		r = nl_sock_open(&host);
	if (r < 0)
		return cni_error_set(err, CNI_ERR_INTERNAL, "failed to open netlink: %s",
				     strerror(-r));
	if (K->has_master) {
		struct nl_sock *sk = c->link_in_container ? cont : host;

		if (!c->master && K->master_from_prev) {
			/* CHECK's prevResult is the plugin's own: no chained master to find. */
		} else if (!c->master) {
			r = default_route_link(sk, &m);
			if (r < 0)
				return cni_error_set(err, CNI_ERR_INTERNAL,
						     "no default route interface found");
		} else if (nl_link_get_by_name(sk, c->master, &m) < 0)
			return cni_error_set(err, CNI_ERR_INTERNAL,
					     "failed to lookup master \"%s\": Link not found",
					     c->master);
	}
	r = nl_link_get_by_name(cont, ci->name, &l);
	if (r < 0)
		return cni_error_set(err, CNI_ERR_INTERNAL,
				     "%sontainer Interface name in prevResult: %s not found",
				     K->head_not_found, ci->name);
	if (!streq(l.kind, K->name))
		return cni_error_set(err, CNI_ERR_INTERNAL,
				     "%srror: Container interface %s not of type %s",
				     K->head_not_kind, l.name, K->name);
	if (K->modes) {
		uint32_t have = K->nl == NL_SUBLINK_IPVLAN ? l.ipvlan_mode : l.macvlan_mode;
		const char *hs = sublink_mode_name(K, have);

		if (have != c->mode_value)
			return cni_error_set(err, CNI_ERR_INTERNAL,
					     "%sontainer %s mode %s does not match expected "
					     "value: %s",
					     K->head_mode, K->mode_word, hs ? hs : "?",
					     sublink_mode_name(K, c->mode_value));
	}
	mac_format(l.mac, mac);
	if (ci->mac && *ci->mac && strcasecmp(ci->mac, mac) != 0)
		return cni_error_set(err, CNI_ERR_INTERNAL,
				     "%snterface %s Mac %s doesn't match container Mac: %s",
				     K->head_mac, ci->name, ci->mac, mac);
	if (K->has_vlan_id) {
		if (l.vlan_id != c->vlan_id)
			return cni_error_set(err, CNI_ERR_INTERNAL,
					     "Error: Tuning link %s configured promisc is %lld, "
					     "current value is %u",
					     ci->name, (long long)c->vlan_id, l.vlan_id);
		if (c->mtu != 0 && c->mtu != (int64_t)l.mtu)
			return cni_error_set(err, CNI_ERR_INTERNAL,
					     "Error: Tuning configured MTU of %s is %lld, current "
					     "value is %u",
					     ci->name, (long long)c->mtu, l.mtu);
	}
	if (K->check_up && !nl_link_is_up(&l))
		return cni_error_set(err, CNI_ERR_INTERNAL, "Interface %s is down", ci->name);
	r = check_addrs(cont, &l, p, err);
	if (r < 0)
		return r;
	if (K->check_routes)
		return check_routes(cont, p, err);
	return 0;
}

/* --- GC, STATUS: IPAM's ---------------------------------------------------------------- */

static int forward(struct skel_request *req, const char *cmd, struct cni_error *err)
{
	_cleanup_(sublink_config_freep) struct sublink_config *c = NULL;
	int r;

	r = sublink_config_parse(K, req->config, NULL, false, load_prefix(SKEL_GC), &c, err);
	if (r < 0 || !c->ipam_type)
		return r;
	return skel_delegate(req, c->ipam_type, cmd, req->stdin_data, req->stdin_len, err);
}

static int cmd_gc(struct skel_request *req, struct cni_error *err)
{
	return forward(req, "GC", err);
}

static int cmd_status(struct skel_request *req, struct cni_error *err)
{
	return forward(req, "STATUS", err);
}

int sublink_main(int argc, char **argv, const struct sublink_kind *kind, const char *about)
{
	const struct skel_plugin plugin = {
		.name = about,
		.versions = cni_versions_all,
		.add = cmd_add,
		.del = cmd_del,
		.check = cmd_check,
		.gc = cmd_gc,
		.status = cmd_status,
	};

	K = kind;
	return skel_main(argc, argv, &plugin);
}
