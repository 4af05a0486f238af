// SPDX-License-Identifier: Apache-2.0
/*
 * ptp - the CNI plugin that gives a container a routed point-to-point veth to the host.
 *
 * A drop-in replacement for the reference ptp plugin: the same config keys (ptp-config.h), the
 * same result (interfaces [host veth, container], every address on interface 1), the same kernel
 * state. In the container each address gets `gw/32 dev if scope link src ip` and `subnet via gw
 * src ip` instead of the kernel's subnet route, then the IPAM routes; on the host the veth gets
 * every gateway as /32 (/128) and a host route per container address. Differences, all on the
 * safe side: container addresses are added with IFA_F_NOPREFIXROUTE (the reference deletes the
 * kernel's subnet route afterwards; a later down/up would bring it back), the host's IPv6
 * gateway skips DAD, a failed ADD removes everything it made, DEL removes the masquerade
 * entries even without CNI_NETNS, CHECK also verifies the host side, and GC removes the
 * masquerade entries of attachments the runtime no longer lists. ipMasq lives in our own
 * nftables table (src/fw/masq.h); IPAM is delegated through the SDK.
 *
 * Test hooks (for rollback and crash tests; test builds only, see skel_test_hook): LINEN_TEST_FAIL_AT=<step> fails there,
 * LINEN_TEST_PAUSE_AT=<step> stops with SIGSTOP. ADD steps: ipam, veth, container, host, masq,
 * done; DEL steps (pause only): del-ipam, del-link, del-fw.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "basic/godec.h"
#include "basic/log.h"
#include "basic/netns.h"
#include "basic/sysctl.h"
#include "fw/masq.h"
#include "netlink/netlink.h"
#include "plugins/ptp/ptp-config.h"
#include "skel/plugin-net.h"
#include "skel/plugin-util.h"
#include "skel/skel.h"

/* The reference waits up to 10 s for IPv6 addresses to leave the tentative state. */
#define DAD_TIMEOUT_MS 10000

/* The container's addresses (with their subnet length) for the masquerade entries. */
static int result_prefixes(const struct cni_result *r, struct ip_prefix **ret, size_t *ret_n)
{
	struct ip_prefix *v = calloc(r->n_ips + 1, sizeof(*v));

	if (!v)
		return -ENOMEM;
	for (size_t i = 0; i < r->n_ips; i++)
		v[i] = r->ips[i].address;
	*ret = v;
	*ret_n = r->n_ips;
	return 0;
}

/* --- ADD ------------------------------------------------------------------------------- */

struct add_state {
	struct skel_request *req;
	struct ptp_config *c;
	struct nl_sock *host, *cont;
	int host_nsfd, cont_nsfd;
	char host_veth[PTP_IFNAMSIZ];
	int host_ifindex, cont_ifindex;
	bool cont_created, ipam_added, masq_added;
	struct cni_result *res;
	struct ptp_plan plan;
};

/* The container end is made in the container, its peer directly in the host namespace. */
static int make_veth(struct add_state *st, struct cni_error *err)
{
	const char *ifname = st->req->ifname;
	struct nl_link l;
	int r;

	for (int i = 0; i < 10; i++) {
		struct nl_veth_spec spec = {
			.name = ifname,
			.mtu = st->c->mtu,
			.peer_name = st->host_veth,
			.peer_mtu = st->c->mtu,
			.peer_netns_fd = st->host_nsfd,
		};

		r = ptp_random_veth_name(st->host_veth);
		if (r < 0)
			return cni_error_set(err, CNI_ERR_INTERNAL,
					     "failed to generate random veth name: %s", strerror(-r));
		r = nl_veth_create(st->cont, &spec);
		if (r == 0)
			break;
		if (r == -EEXIST) {
			/* A clash of the random host name is retried; the container's name is not. */
			if (nl_link_name_to_index(st->host, st->host_veth) > 0)
				continue;
			return cni_error_set(err, CNI_ERR_INTERNAL,
					     "container veth name (\"%s\") peer provided (\"%s\") already exists",
					     ifname, st->host_veth);
		}
		return skel_nl_error(err, st->cont, r, "failed to make veth pair");
	}
	if (r < 0)
		return cni_error_set(err, CNI_ERR_INTERNAL, "failed to find a unique veth name");
	st->cont_created = true;

	r = nl_link_get_by_name(st->cont, ifname, &l);
	if (r < 0)
		return skel_nl_error(err, st->cont, r, "failed to look up %s", ifname);
	st->cont_ifindex = l.ifindex;
	r = nl_link_get_by_name(st->host, st->host_veth, &l);
	if (r < 0)
		return skel_nl_error(err, st->host, r, "failed to lookup %s", st->host_veth);
	st->host_ifindex = l.ifindex;
	r = nl_link_set_up(st->host, l.ifindex, true);
	if (r < 0)
		return skel_nl_error(err, st->host, r, "failed to set %s up", st->host_veth);
	return 0;
}

static int add_interfaces(struct add_state *st)
{
	struct nl_link h, k;
	char hm[18], km[18];
	int r;

	r = nl_link_get_by_index(st->host, st->host_ifindex, &h);
	if (r >= 0)
		r = nl_link_get_by_index(st->cont, st->cont_ifindex, &k);
	if (r < 0)
		return r;
	nl_mac_to_string(h.mac, hm);
	nl_mac_to_string(k.mac, km);
	if ((r = cni_result_add_interface(st->res, st->host_veth, hm, NULL)) < 0 ||
	    (r = cni_result_add_interface(st->res, st->req->ifname, km, st->req->netns)) < 0)
		return r;
	for (size_t i = 0; i < st->res->n_ips; i++)
		st->res->ips[i].interface = 1;
	return 0;
}

/* disable_ipv6=0 on the container interface: /proc/sys/net is the current thread's netns. */
static int enable_ipv6_in_container(struct add_state *st, struct cni_error *err)
{
	char key[128];
	_cleanup_free_ char *v = NULL;
	int saved = -1, r, k;

	snprintf(key, sizeof(key), "net/ipv6/conf/%s/disable_ipv6", st->req->ifname);
	r = netns_enter(st->cont_nsfd, &saved);
	if (r < 0)
		return cni_error_set(err, CNI_ERR_INTERNAL, "failed to enter netns %s: %s",
				     st->req->netns, strerror(-r));
	r = sysctl_read(key, &v);
	if (r >= 0 && !streq(v, "0"))
		r = sysctl_write(key, "0");
	k = netns_restore(&saved);
	if (r < 0)
		return cni_error_set(err, CNI_ERR_INTERNAL,
				     "failed to enable IPv6 for interface \"%s\": %s", st->req->ifname,
				     strerror(-r));
	if (k < 0)
		return cni_error_set(err, CNI_ERR_INTERNAL, "failed to return to the host netns: %s",
				     strerror(-k));
	return 0;
}

static int configure_container(struct add_state *st, struct cni_error *err)
{
	const struct cni_result *res = st->res;
	const char *ifname = st->req->ifname;
	bool v6 = false;
	int r;

	for (size_t i = 0; i < res->n_ips; i++)
		v6 |= res->ips[i].address.addr.family == AF_INET6;
	if (v6) {
		r = enable_ipv6_in_container(st, err);
		if (r < 0)
			return r;
	}
	for (size_t i = 0; i < res->n_ips; i++) {
		/* No kernel subnet route: ptp routes the subnet via the gateway instead. */
		struct nl_addr a = {
			.ifindex = st->cont_ifindex,
			.prefix = res->ips[i].address,
			.flags = IFA_F_NOPREFIXROUTE,
		};
		char s[IP_PREFIX_STRLEN];

		if (a.prefix.addr.family == AF_INET)
			nl_addr_set_broadcast(&a);
		r = nl_addr_add(st->cont, &a);
		if (r < 0 && r != -EEXIST)
			return skel_nl_error(err, st->cont, r, "failed to add IP addr %s to \"%s\"",
				       ip_prefix_to_string(&a.prefix, s), ifname);
	}
	r = nl_link_set_up(st->cont, st->cont_ifindex, true);
	if (r < 0)
		return skel_nl_error(err, st->cont, r, "failed to set \"%s\" UP", ifname);
	/* A route with a tentative IPv6 source is refused: wait for DAD as the reference does. */
	if (v6) {
		r = nl_addr_wait_dad(st->cont, AF_INET6, st->cont_ifindex, DAD_TIMEOUT_MS);
		if (r < 0)
			return skel_nl_error(err, st->cont, r, "failed while waiting for addresses of %s",
				       ifname);
	}
	for (size_t i = 0; i < st->plan.n_cont_routes; i++) {
		const struct nl_route *rt = &st->plan.cont_routes[i];
		char d[IP_PREFIX_STRLEN];

		r = nl_route_add(st->cont, rt);
		if (r < 0 && r != -EEXIST)
			return skel_nl_error(err, st->cont, r, "failed to add route %s",
				       ip_prefix_to_string(&rt->dst, d));
	}
	for (size_t i = 0; i < st->plan.n_ipam_routes; i++) {
		const struct nl_route *rt = &st->plan.ipam_routes[i];
		char d[IP_PREFIX_STRLEN], g[IP_ADDR_STRLEN] = "<nil>";

		r = nl_route_append(st->cont, rt);
		if (r < 0 && r != -EEXIST) {
			if (rt->gw.family)
				ip_addr_to_string(&rt->gw, g);
			return skel_nl_error(err, st->cont, r, "failed to add route '%s via %s dev %s'",
				       ip_prefix_to_string(&rt->dst, d), g, ifname);
		}
	}
	return 0;
}

static int configure_host(struct add_state *st, struct cni_error *err)
{
	int r;

	for (size_t i = 0; i < st->plan.n_host_addrs; i++) {
		struct nl_addr a = st->plan.host_addrs[i];
		char s[IP_PREFIX_STRLEN];

		r = nl_addr_add(st->host, &a);
		if (r < 0 && r != -EEXIST)
			return skel_nl_error(err, st->host, r, "failed to add IP addr %s to veth",
				       ip_prefix_to_string(&a.prefix, s));
	}
	for (size_t i = 0; i < st->plan.n_host_routes; i++) {
		const struct nl_route *rt = &st->plan.host_routes[i];

		/*
		 * Replace, not add: a host route to this address left by an attachment that is
		 * gone (an ADD killed, then GC'ed; its veth lives on while its netns does) would
		 * otherwise win over ours and send the pod's traffic into the old veth. The
		 * reference keeps the stale route; nothing but the kernel's route changes here.
		 */
		r = nl_route_replace(st->host, rt);
		if (r < 0)
			return skel_nl_error(err, st->host, r, "failed to add route on host");
	}
	return 0;
}

static int do_add(struct add_state *st, struct cni_error *err)
{
	struct skel_request *req = st->req;
	_cleanup_(cni_result_freep) struct cni_result *ir = NULL;
	bool fam4 = false, fam6 = false;
	int r;

	if (!st->c->ipam_type)
		return cni_error_set(err, CNI_ERR_INVALID_CONFIG,
				     "ptp needs an IPAM plugin: \"ipam\" has no \"type\"");
	r = nl_sock_open(&st->host);
	if (r < 0)
		return cni_error_set(err, CNI_ERR_INTERNAL, "failed to open netlink: %s",
				     strerror(-r));
	st->host_nsfd = open("/proc/self/ns/net", O_RDONLY | O_CLOEXEC);
	if (st->host_nsfd < 0)
		return cni_error_set(err, CNI_ERR_INTERNAL, "failed to open host netns: %s",
				     strerror(errno));
	/* Before IPAM: a bad namespace must not cost an allocation. */
	st->cont_nsfd = netns_open(req->netns);
	if (st->cont_nsfd < 0)
		return cni_error_set(err, CNI_ERR_INTERNAL, "failed to open netns \"%s\": %s",
				     req->netns, strerror(-st->cont_nsfd));
	r = nl_sock_open_netns(st->cont_nsfd, &st->cont);
	if (r < 0)
		return cni_error_set(err, CNI_ERR_INTERNAL, "failed to open netns \"%s\": %s",
				     req->netns, strerror(-r));

	r = skel_test_hook("ipam", err);
	if (r < 0)
		return r;
	r = skel_delegate_add(req, st->c->ipam_type, req->stdin_data, req->stdin_len, &ir, err);
	if (r < 0)
		return r;
	st->ipam_added = true;
	st->res = cni_result_new();
	if (!st->res)
		return -ENOMEM;
	/* Addresses, routes and DNS come from IPAM; its interfaces (if any) do not. */
	st->res->ips = TAKE_PTR(ir->ips);
	st->res->n_ips = ir->n_ips;
	ir->n_ips = 0;
	st->res->routes = TAKE_PTR(ir->routes);
	st->res->n_routes = ir->n_routes;
	ir->n_routes = 0;
	st->res->dns = ir->dns;
	memset(&ir->dns, 0, sizeof(ir->dns));
	if (st->res->n_ips == 0)
		return cni_error_set(err, CNI_ERR_INTERNAL, "IPAM plugin returned missing IP config");
	/* Validates the gateways before anything is created. */
	r = ptp_plan_build(st->res, 0, 0, &st->plan, err);
	if (r < 0)
		return r;
	ptp_plan_done(&st->plan);

	for (size_t i = 0; i < st->res->n_ips; i++) {
		fam4 |= st->res->ips[i].address.addr.family == AF_INET;
		fam6 |= st->res->ips[i].address.addr.family == AF_INET6;
	}
	if ((fam4 && (r = skel_enable_forward(AF_INET)) < 0) ||
	    (fam6 && (r = skel_enable_forward(AF_INET6)) < 0))
		return cni_error_set(err, CNI_ERR_INTERNAL, "Could not enable IP forwarding: %s",
				     strerror(-r));

	r = skel_test_hook("veth", err);
	if (r < 0)
		return r;
	r = make_veth(st, err);
	if (r < 0)
		return r;
	r = add_interfaces(st);
	if (r < 0)
		return skel_nl_error(err, NULL, r, "failed to read back the veth pair");
	r = ptp_plan_build(st->res, st->cont_ifindex, st->host_ifindex, &st->plan, err);
	if (r < 0)
		return r;

	r = skel_test_hook("container", err);
	if (r < 0)
		return r;
	r = configure_container(st, err);
	if (r < 0)
		return r;
	r = skel_test_hook("host", err);
	if (r < 0)
		return r;
	r = configure_host(st, err);
	if (r < 0)
		return r;

	r = skel_test_hook("masq", err);
	if (r < 0)
		return r;
	if (st->c->ip_masq) {
		_cleanup_free_ struct ip_prefix *ips = NULL;
		_cleanup_free_ char *text = NULL;
		size_t n = 0;

		r = result_prefixes(st->res, &ips, &n);
		if (r < 0)
			return r;
		st->masq_added = true; /* one transaction; DEL of an absent chain is a no-op */
		r = fw_masq_add(req->name, req->container_id, req->ifname, ips, n, &text);
		if (r < 0)
			return skel_text_error(err, "failed to set up IP masquerade", r, text);
	}
	r = skel_test_hook("done", err);
	if (r < 0)
		return r;
	ptp_config_apply_dns(st->c, st->res);
	return 0;
}

/* Undo a failed ADD: everything this run made, in reverse; errors only logged. */
static void add_rollback(struct add_state *st)
{
	struct skel_request *req = st->req;
	_cleanup_free_ char *text = NULL;
	struct cni_error e = {};
	int r;

	if (st->masq_added) {
		r = fw_masq_del(req->name, req->container_id, req->ifname, &text);
		if (r < 0)
			log_warning("ptp: rollback: masquerade: %s", text ? text : strerror(-r));
	}
	/* The host end, its addresses and host routes go with the pair. */
	if (st->cont_created && st->cont) {
		r = st->cont_ifindex > 0 ? nl_link_del(st->cont, st->cont_ifindex)
					 : nl_link_del_by_name(st->cont, req->ifname);
		if (r < 0)
			log_warning("ptp: rollback: delete %s: %s", req->ifname, strerror(-r));
	}
	if (st->ipam_added) {
		r = skel_delegate(req, st->c->ipam_type, "DEL", req->stdin_data, req->stdin_len, &e);
		if (r < 0)
			log_warning("ptp: rollback: IPAM DEL: %s", e.msg);
	}
}

static int cmd_add(struct skel_request *req, struct cni_result **ret_result,
		   struct cni_error *err)
{
	_cleanup_(ptp_config_freep) struct ptp_config *c = NULL;
	struct add_state st = { .req = req, .host_nsfd = -1, .cont_nsfd = -1 };
	int r;

	r = ptp_config_parse(req->config, &c, err);
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
	ptp_plan_done(&st.plan);
	nl_sock_free(st.host);
	nl_sock_free(st.cont);
	if (st.host_nsfd >= 0)
		close(st.host_nsfd);
	if (st.cont_nsfd >= 0)
		close(st.cont_nsfd);
	return r;
}

/* --- DEL ------------------------------------------------------------------------------- */

static int cmd_del(struct skel_request *req, struct cni_error *err)
{
	_cleanup_(ptp_config_freep) struct ptp_config *c = NULL;
	struct cni_error first = {}, e = {};
	int first_r = 0, r;

	r = ptp_config_parse(req->config, &c, err);
	if (r < 0)
		return r;
	/* The reference's order: the address goes back first, then the link. */
	(void)skel_test_hook("del-ipam", &e);
	if (c->ipam_type) {
		cni_error_clear(&e);
		r = skel_delegate(req, c->ipam_type, "DEL", req->stdin_data, req->stdin_len, &e);
		skel_keep_first(&first, &first_r, r, &e);
	}
	(void)skel_test_hook("del-link", &e);
	if (req->netns) {
		cni_error_clear(&e);
		r = skel_del_container_link(req->netns, req->ifname, &e);
		skel_keep_first(&first, &first_r, r, &e);
	}
	(void)skel_test_hook("del-fw", &e);
	/* Unlike the reference, also without CNI_NETNS: our entries are keyed by attachment. */
	if (c->ip_masq) {
		_cleanup_free_ char *text = NULL;

		cni_error_clear(&e);
		r = fw_masq_del(req->name, req->container_id, req->ifname, &text);
		if (r < 0)
			skel_text_error(&e, "failed to tear down IP masquerade", r, text);
		skel_keep_first(&first, &first_r, r, &e);
	}
	if (first_r < 0)
		*err = first;
	return first_r;
}

/* --- CHECK ----------------------------------------------------------------------------- */

static bool mac_matches(const char *want, const struct nl_link *l)
{
	char have[18];

	if (!want || !*want)
		return true;
	nl_mac_to_string(l->mac, have);
	return strcasecmp(want, have) == 0;
}

static bool route_present(const struct nl_route *have, size_t n, const struct nl_route *want)
{
	for (size_t i = 0; i < n; i++) {
		const struct nl_route *h = &have[i];
		uint32_t table = want->table ? want->table : RT_TABLE_MAIN;

		if (h->family != want->family || !ip_prefix_equal(&h->dst, &want->dst) ||
		    h->table != table)
			continue;
		if (want->gw.family && !ip_addr_equal(&h->gw, &want->gw))
			continue;
		if (want->oif && h->oif != want->oif)
			continue;
		if (want->prefsrc.family && !ip_addr_equal(&h->prefsrc, &want->prefsrc))
			continue;
		return true;
	}
	return false;
}

static int check_routes(struct nl_sock *sk, const struct nl_route *want, size_t n_want,
			const char *where, struct cni_error *err)
{
	_cleanup_free_ struct nl_route *have = NULL;
	size_t n = 0;
	int r;

	if (n_want == 0)
		return 0;
	r = nl_route_dump(sk, AF_UNSPEC, NULL, &have, &n);
	if (r < 0)
		return skel_nl_error(err, sk, r, "failed to list routes");
	for (size_t i = 0; i < n_want; i++) {
		char d[IP_PREFIX_STRLEN];

		if (!route_present(have, n, &want[i]))
			return cni_error_set(err, CNI_ERR_INTERNAL, "Failed to match route %s %s",
					     ip_prefix_to_string(&want[i].dst, d), where);
	}
	return 0;
}

static int check_addrs(struct nl_sock *sk, int ifindex, const char *ifname,
		       const struct ip_prefix *want, size_t n_want, struct cni_error *err)
{
	_cleanup_free_ struct nl_addr *have = NULL;
	size_t n = 0;
	int r;

	r = nl_addr_dump(sk, AF_UNSPEC, ifindex, &have, &n);
	if (r < 0)
		return skel_nl_error(err, sk, r, "failed to list addresses of %s", ifname);
	for (size_t i = 0; i < n_want; i++) {
		char s[IP_PREFIX_STRLEN];
		bool found = false;

		for (size_t k = 0; k < n && !found; k++)
			found = ip_prefix_equal(&have[k].prefix, &want[i]);
		if (!found)
			return cni_error_set(err, CNI_ERR_INTERNAL,
					     "Failed to match addr %s on interface %s",
					     ip_prefix_to_string(&want[i], s), ifname);
	}
	return 0;
}

static int cmd_check(struct skel_request *req, struct cni_error *err)
{
	_cleanup_(ptp_config_freep) struct ptp_config *c = NULL;
	_cleanup_(nl_sock_freep) struct nl_sock *host = NULL, *cont = NULL;
	_cleanup_(ptp_plan_done) struct ptp_plan plan = {};
	_cleanup_free_ struct ip_prefix *ips = NULL, *gws = NULL;
	_cleanup_close_ int fd = -1;
	const struct cni_result *prev = req->prev_result;
	const struct cni_interface *ci = NULL, *hi = NULL;
	struct nl_link cl, hl;
	size_t n_ips = 0;
	int r;

	r = ptp_config_parse(req->config, &c, err);
	if (r < 0)
		return r;
	fd = netns_open(req->netns);
	if (fd < 0)
		return cni_error_set(err, CNI_ERR_INTERNAL, "failed to open netns \"%s\": %s",
				     req->netns, strerror(-fd));
	if (c->ipam_type) {
		r = skel_delegate(req, c->ipam_type, "CHECK", req->stdin_data, req->stdin_len, err);
		if (r < 0)
			return r;
	}
	if (!prev)
		return cni_error_set(err, CNI_ERR_INTERNAL, "ptp: Required prevResult missing");
	for (size_t i = 0; i < prev->n_interfaces; i++) {
		const struct cni_interface *x = &prev->interfaces[i];

		if (streq_ptr(x->name, req->ifname) && streq_ptr(x->sandbox, req->netns))
			ci = x;
		else if (!hi && x->name && (!x->sandbox || !*x->sandbox))
			hi = x;
	}
	if (!ci)
		return cni_error_set(err, CNI_ERR_INTERNAL,
				     "Sandbox in prevResult doesn't match configured netns: %s",
				     req->netns);

	/* The container side: a veth with the listed MAC, its addresses and every route. */
	r = nl_sock_open_netns(fd, &cont);
	if (r < 0)
		return cni_error_set(err, CNI_ERR_INTERNAL, "failed to open netns \"%s\": %s",
				     req->netns, strerror(-r));
	r = nl_link_get_by_name(cont, ci->name, &cl);
	if (r < 0)
		return cni_error_set(err, CNI_ERR_INTERNAL,
				     "ptp: Container Interface name in prevResult: %s not found",
				     ci->name);
	if (!streq(cl.kind, "veth"))
		return cni_error_set(err, CNI_ERR_INTERNAL,
				     "Error: Container interface %s not of type veth/p2p", ci->name);
	if (!mac_matches(ci->mac, &cl))
		return cni_error_set(err, CNI_ERR_INTERNAL,
				     "ptp: Interface %s Mac %s doesn't match container Mac", ci->name,
				     ci->mac);
	if (!nl_link_is_up(&cl))
		return cni_error_set(err, CNI_ERR_INTERNAL, "ptp: Container interface %s is down",
				     ci->name);
	r = result_prefixes(prev, &ips, &n_ips);
	if (r < 0)
		return r;
	r = check_addrs(cont, cl.ifindex, ci->name, ips, n_ips, err);
	if (r < 0)
		return r;

	/* The host side: the listed host veth must be the container veth's peer. */
	r = nl_sock_open(&host);
	if (r < 0)
		return cni_error_set(err, CNI_ERR_INTERNAL, "failed to open netlink: %s",
				     strerror(-r));
	if (!hi || nl_link_get_by_name(host, hi->name, &hl) < 0 || !streq(hl.kind, "veth") ||
	    hl.ifindex != cl.link)
		return cni_error_set(err, CNI_ERR_INTERNAL,
				     "ptp: host veth of %s in prevResult not found", ci->name);
	if (!mac_matches(hi->mac, &hl))
		return cni_error_set(err, CNI_ERR_INTERNAL, "ptp: Interface %s Mac %s doesn't match",
				     hi->name, hi->mac);

	r = ptp_plan_build(prev, cl.ifindex, hl.ifindex, &plan, err);
	if (r < 0)
		return r;
	r = check_routes(cont, plan.cont_routes, plan.n_cont_routes, "in the container", err);
	if (r < 0)
		return r;
	/* The result's routes as they were asked for, as the reference checks them. */
	r = check_routes(cont, plan.ipam_routes, plan.n_ipam_routes, "in the container", err);
	if (r < 0)
		return r;
	gws = calloc(plan.n_host_addrs + 1, sizeof(*gws));
	if (!gws)
		return -ENOMEM;
	for (size_t i = 0; i < plan.n_host_addrs; i++)
		gws[i] = plan.host_addrs[i].prefix;
	r = check_addrs(host, hl.ifindex, hi->name, gws, plan.n_host_addrs, err);
	if (r < 0)
		return r;
	r = check_routes(host, plan.host_routes, plan.n_host_routes, "on the host", err);
	if (r < 0)
		return r;

	if (c->ip_masq) {
		r = fw_masq_check(req->name, req->container_id, req->ifname, ips, n_ips);
		if (r < 0)
			return cni_error_set(err, CNI_ERR_INTERNAL, "IP masquerade rules %s",
					     r == -ENOENT ? "missing" : "differ");
	}
	return 0;
}

/* --- GC, STATUS ------------------------------------------------------------------------ */

static int cmd_gc(struct skel_request *req, struct cni_error *err)
{
	_cleanup_(ptp_config_freep) struct ptp_config *c = NULL;
	_cleanup_free_ struct fw_attachment *valid = NULL;
	struct cni_error first = {}, e = {};
	int first_r = 0, r;

	r = ptp_config_parse(req->config, &c, err);
	if (r < 0)
		return r;
	if (c->ipam_type) {
		r = skel_delegate(req, c->ipam_type, "GC", req->stdin_data, req->stdin_len, &e);
		skel_keep_first(&first, &first_r, r, &e);
	}
	/* Without the list we cannot tell ours from theirs: keep everything. */
	if (json_is_array(req->valid_attachments)) {
		const json_t *va = req->valid_attachments, *o;
		_cleanup_free_ char *text = NULL;
		size_t n = 0, i;

		valid = calloc(json_array_size(va) + 1, sizeof(*valid));
		if (!valid)
			return -ENOMEM;
		json_array_foreach(va, i, o) {
			const char *id, *ifn;

			skel_attachment(o, &id, &ifn);
			if (id && ifn)
				valid[n++] = (struct fw_attachment){ id, ifn };
		}
		cni_error_clear(&e);
		r = fw_masq_gc(req->name, valid, n, &text);
		if (r < 0)
			skel_text_error(&e, "GC of IP masquerade", r, text);
		skel_keep_first(&first, &first_r, r, &e);
	}
	if (first_r < 0)
		*err = first;
	return first_r;
}

static int cmd_status(struct skel_request *req, struct cni_error *err)
{
	_cleanup_(ptp_config_freep) struct ptp_config *c = NULL;
	int r;

	r = ptp_config_parse(req->config, &c, err);
	if (r < 0)
		return r;
	if (!c->ipam_type)
		return 0;
	return skel_delegate(req, c->ipam_type, "STATUS", req->stdin_data, req->stdin_len, err);
}

int main(int argc, char **argv)
{
	static const struct skel_plugin plugin = {
		.name = "CNI ptp plugin (linen)",
		.versions = cni_versions_all,
		.add = cmd_add,
		.del = cmd_del,
		.check = cmd_check,
		.gc = cmd_gc,
		.status = cmd_status,
	};

	return skel_main(argc, argv, &plugin);
}
