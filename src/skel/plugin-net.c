// SPDX-License-Identifier: Apache-2.0
/*
 * plugin-net.c - netlink errors, container link removal and interface configuration for
 * plugins (see plugin-net.h).
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "netlink/nl-addr.h"
#include "netlink/nl-link.h"
#include "netlink/nl-route.h"
#include "skel/plugin-net.h"

int skel_nl_error(struct cni_error *err, struct nl_sock *sk, int r, const char *fmt, ...)
{
	const char *ext = sk ? nl_sock_errmsg(sk) : "";
	char msg[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (ext && *ext)
		return cni_error_set(err, CNI_ERR_INTERNAL, "%s: %s (%s)", msg, strerror(-r), ext);
	return cni_error_set(err, CNI_ERR_INTERNAL, "%s: %s", msg, strerror(-r));
}

int skel_del_container_link(const char *netns_path, const char *ifname, struct cni_error *err)
{
	_cleanup_(nl_sock_freep) struct nl_sock *sk = NULL;
	struct nl_link l;
	int r;

	r = nl_sock_open_netns_path(netns_path, &sk);
	/* A vanished netns (or a leftover mount point file) took its interfaces with it. */
	if (r == -ENOENT || r == -EINVAL)
		return 0;
	if (r < 0)
		return cni_error_set(err, CNI_ERR_INTERNAL, "failed to open netns \"%s\": %s",
				     netns_path, strerror(-r));
	r = nl_link_get_by_name(sk, ifname, &l);
	if (r == -ENODEV)
		return 0;
	if (r < 0)
		return skel_nl_error(err, sk, r, "failed to lookup \"%s\"", ifname);
	r = nl_link_del(sk, l.ifindex);
	if (r < 0 && r != -ENODEV)
		return skel_nl_error(err, sk, r, "failed to delete \"%s\"", ifname);
	return 0;
}

#define SKEL_DAD_TIMEOUT_MS 10000

int skel_configure_iface(struct nl_sock *sk, int ifindex, const char *ifname,
			 const struct cni_result *res, struct cni_error *err)
{
	struct ip_addr v4gw = {}, v6gw = {};
	int r;

	r = nl_link_set_up(sk, ifindex, true);
	if (r < 0)
		return skel_nl_error(err, sk, r, "failed to set \"%s\" UP", ifname);
	for (size_t i = 0; i < res->n_ips; i++) {
		const struct cni_ipconfig *ip = &res->ips[i];
		struct nl_addr a = { .ifindex = ifindex, .prefix = ip->address };
		char s[IP_PREFIX_STRLEN];

		if (a.prefix.addr.family == AF_INET)
			nl_addr_set_broadcast(&a);
		r = nl_addr_add(sk, &a);
		if (r < 0 && r != -EEXIST)
			return skel_nl_error(err, sk, r, "failed to add IP addr %s to \"%s\"",
					     ip_prefix_to_string(&a.prefix, s), ifname);
		if (ip->gateway.family == AF_INET && !v4gw.family)
			v4gw = ip->gateway;
		else if (ip->gateway.family == AF_INET6 && !v6gw.family)
			v6gw = ip->gateway;
	}
	/* a route via an IPv6 gateway is refused while our address is tentative */
	if (v6gw.family) {
		r = nl_addr_wait_dad(sk, AF_INET6, ifindex, SKEL_DAD_TIMEOUT_MS);
		if (r < 0)
			return skel_nl_error(err, sk, r, "failed while waiting for addresses of %s",
					     ifname);
	}
	for (size_t i = 0; i < res->n_routes; i++) {
		const struct cni_route *rt = &res->routes[i];
		struct nl_route nr = { .family = rt->dst.addr.family, .dst = rt->dst, .gw = rt->gw,
				       .oif = ifindex };
		char d[IP_PREFIX_STRLEN], g[IP_ADDR_STRLEN] = "<nil>";

		if (!nr.gw.family)
			nr.gw = nr.family == AF_INET ? v4gw : v6gw;
		r = nl_route_append(sk, &nr);
		if (r < 0 && r != -EEXIST) {
			if (nr.gw.family)
				ip_addr_to_string(&nr.gw, g);
			return skel_nl_error(err, sk, r, "failed to add route '%s via %s dev %s'",
					     ip_prefix_to_string(&rt->dst, d), g, ifname);
		}
	}
	return 0;
}

int skel_check_iface_ips(struct nl_sock *sk, int ifindex, const char *ifname,
			 const struct cni_result *res, struct cni_error *err)
{
	_cleanup_free_ struct nl_addr *addrs = NULL;
	size_t n = 0;
	int r;

	r = nl_addr_dump(sk, AF_UNSPEC, ifindex, &addrs, &n);
	if (r < 0)
		return skel_nl_error(err, sk, r, "failed to list addresses of %s", ifname);
	for (size_t i = 0; i < res->n_ips; i++) {
		char s[IP_PREFIX_STRLEN];
		bool found = false;

		for (size_t k = 0; k < n && !found; k++)
			found = ip_prefix_equal(&addrs[k].prefix, &res->ips[i].address);
		if (!found)
			return cni_error_set(err, CNI_ERR_INTERNAL,
					     "Failed to match addr %s on interface %s",
					     ip_prefix_to_string(&res->ips[i].address, s), ifname);
	}
	return 0;
}

int skel_check_routes(struct nl_sock *sk, const struct cni_result *res, struct cni_error *err)
{
	_cleanup_free_ struct nl_route *routes = NULL;
	size_t n = 0;
	int r;

	if (res->n_routes == 0)
		return 0;
	r = nl_route_dump(sk, AF_UNSPEC, NULL, &routes, &n);
	if (r < 0)
		return skel_nl_error(err, sk, r, "failed to list routes");
	for (size_t i = 0; i < res->n_routes; i++) {
		const struct cni_route *want = &res->routes[i];
		char d[IP_PREFIX_STRLEN];
		bool found = false;

		for (size_t k = 0; k < n && !found; k++)
			found = ip_prefix_equal(&routes[k].dst, &want->dst) &&
				(!want->gw.family || ip_addr_equal(&routes[k].gw, &want->gw));
		if (!found)
			return cni_error_set(err, CNI_ERR_INTERNAL, "Failed to match route %s",
					     ip_prefix_to_string(&want->dst, d));
	}
	return 0;
}
