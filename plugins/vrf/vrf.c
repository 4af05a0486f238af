// SPDX-License-Identifier: Apache-2.0
/*
 * vrf - the CNI meta plugin that puts the container's interface into a VRF.
 *
 * A drop-in replacement for the reference vrf plugin: keys `vrfname` (required) and `table`
 * (0 = the first table no VRF of the container uses). ADD finds or creates the VRF in the
 * container (an existing one with another table is an error), enslaves CNI_IFNAME to it,
 * puts back IPv6 addresses the enslaving dropped and carries the interface's routes from the
 * main table into the VRF's; prevResult is passed on. DEL frees the interface and removes
 * the VRF with its last member; CHECK wants the interface in the VRF.
 *
 * Differences, on the safe side: config errors are code 7 (the reference's Go skel says
 * 999) with the same text; a VRF this ADD created is removed again when a later step fails;
 * DEL of an interface that is gone, or without CNI_NETNS, succeeds; a kernel without VRFs
 * gets an error naming the link type.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <linux/rtnetlink.h>

#include "netlink/netlink.h"
#include "plugins/vrf/vrf-config.h"
#include "skel/plugin-net.h"
#include "skel/plugin-util.h"
#include "skel/skel.h"

static const char *const vrf_versions[] = { "0.3.1", "0.4.0", "1.0.0", "1.1.0", NULL };

/* -ENODEV when there is no link of that name, -ENOTTY when it is not a VRF. */
static int find_vrf(struct nl_sock *sk, const char *name, struct nl_link *ret)
{
	int r = nl_link_get_by_name(sk, name, ret);

	if (r < 0)
		return r;
	return streq(ret->kind, "vrf") ? 0 : -ENOTTY;
}

static int create_vrf(struct nl_sock *sk, const struct vrf_config *c, struct nl_link *ret,
		      struct cni_error *err)
{
	_cleanup_free_ struct nl_link *links = NULL;
	struct nl_sublink_spec spec = {
		.kind = NL_SUBLINK_VRF, .name = c->vrfname, .netns_fd = -1, .table = c->table,
	};
	size_t n = 0;
	int r;

	if (!spec.table) {
		r = nl_link_dump(sk, &links, &n);
		if (r < 0)
			return skel_nl_error(err, sk, r, "createVRF: Failed to find links");
		spec.table = vrf_free_table(links, n);
		if (!spec.table)
			return cni_error_set(err, CNI_ERR_INTERNAL,
					     "findFreeRoutingTableID: Failed to find an available "
					     "routing id");
	}
	r = nl_sublink_create(sk, &spec);
	if (r == -EOPNOTSUPP)
		return cni_error_set(err, CNI_ERR_INTERNAL,
				     "could not add VRF %s: %s (this kernel has no vrf link type)",
				     c->vrfname, strerror(-r));
	if (r < 0)
		return skel_nl_error(err, sk, r, "could not add VRF %s", c->vrfname);
	r = nl_link_get_by_name(sk, c->vrfname, ret);
	if (r >= 0)
		r = nl_link_set_up(sk, ret->ifindex, true);
	if (r < 0)
		return skel_nl_error(err, sk, r, "could not set link up for VRF %s", c->vrfname);
	return 0;
}

static int add_interface(struct nl_sock *sk, const struct nl_link *vrf, const char *ifname,
			 struct cni_error *err)
{
	_cleanup_free_ struct nl_addr *before = NULL, *after = NULL;
	_cleanup_free_ struct nl_route *routes = NULL;
	struct nl_route_filter f = { .table = RT_TABLE_MAIN };
	size_t n_before = 0, n_after = 0, n_routes = 0;
	struct nl_link l, m;
	int r;

	r = nl_link_get_by_name(sk, ifname, &l);
	if (r < 0)
		return cni_error_set(err, CNI_ERR_INTERNAL, "could not get link by name %s",
				     ifname);
	if (l.master) {
		if (nl_link_get_by_index(sk, l.master, &m) < 0)
			return cni_error_set(err, CNI_ERR_INTERNAL,
					     "interface %s has already a master set, could not "
					     "retrieve the name",
					     ifname);
		return cni_error_set(err, CNI_ERR_INTERNAL,
				     "interface %s has already a master set: %s", ifname, m.name);
	}
	/* Enslaving cycles the link: IPv6 addresses go unless keep_addr_on_down, routes go. */
	f.oif = l.ifindex;
	r = nl_addr_dump(sk, AF_INET6, l.ifindex, &before, &n_before);
	if (r < 0)
		return cni_error_set(err, CNI_ERR_INTERNAL, "failed getting ipv6 addresses for %s",
				     ifname);
	r = nl_route_dump(sk, AF_UNSPEC, &f, &routes, &n_routes);
	if (r < 0)
		return skel_nl_error(err, sk, r, "failed getting routes for %s", ifname);
	r = nl_link_set_master(sk, l.ifindex, vrf->ifindex);
	if (r < 0)
		return skel_nl_error(err, sk, r, "could not set vrf %s as master of %s", vrf->name,
				     ifname);
	r = nl_addr_dump(sk, AF_INET6, l.ifindex, &after, &n_after);
	if (r < 0)
		return cni_error_set(err, CNI_ERR_INTERNAL,
				     "failed getting ipv6 new addresses for %s", ifname);
	for (size_t i = 0; i < n_before; i++) {
		struct nl_addr a = before[i];
		char s[IP_PREFIX_STRLEN];
		bool found = false;

		for (size_t k = 0; k < n_after && !found; k++)
			found = ip_prefix_equal(&after[k].prefix, &a.prefix);
		/* link-local ones the kernel makes again itself */
		if (found || (a.scope == RT_SCOPE_LINK))
			continue;
		a.flags &= IFA_F_NODAD | IFA_F_NOPREFIXROUTE | IFA_F_MANAGETEMPADDR;
		r = nl_addr_add(sk, &a);
		if (r < 0 && r != -EEXIST)
			return skel_nl_error(err, sk, r, "could not restore address %s to %s @ %s",
					     ip_prefix_to_string(&a.prefix, s), ifname, vrf->name);
	}
	for (size_t i = 0; i < n_routes; i++) {
		struct nl_route rt = routes[i];
		char d[IP_PREFIX_STRLEN];

		if (!vrf_route_to_move(&rt))
			continue;
		rt.table = vrf->vrf_table;
		/* LINKDOWN/DEAD as dumped (the link was down) are refused in a request. */
		rt.flags &= RTNH_F_ONLINK;
		r = nl_route_append(sk, &rt);
		if (r < 0 && r != -EEXIST)
			return skel_nl_error(err, sk, r, "could not add route '%s' to VRF %s",
					     ip_prefix_to_string(&rt.dst, d), vrf->name);
	}
	return 0;
}

/* "cmdAdd failed: " before the message, as the reference wraps everything in the netns. */
static int wrap_add(struct cni_error *err, int r)
{
	static const char pre[] = "cmdAdd failed: ";
	size_t n = strnlen(err->msg, sizeof(err->msg) - sizeof(pre));

	memmove(err->msg + sizeof(pre) - 1, err->msg, n);
	memcpy(err->msg, pre, sizeof(pre) - 1);
	err->msg[sizeof(pre) - 1 + n] = '\0';
	return r;
}

static int cmd_add(struct skel_request *req, struct cni_result **ret_result,
		   struct cni_error *err)
{
	_cleanup_(vrf_config_freep) struct vrf_config *c = NULL;
	_cleanup_(nl_sock_freep) struct nl_sock *sk = NULL;
	struct nl_link vrf;
	bool created = false;
	int r;

	r = vrf_config_parse(req->config, &c, err);
	if (r < 0)
		return r;
	if (!req->prev_result)
		return cni_error_set(err, CNI_ERR_INVALID_CONFIG,
				     "missing prevResult from earlier plugin");
	r = nl_sock_open_netns_path(req->netns, &sk);
	if (r < 0)
		return cni_error_set(err, CNI_ERR_INTERNAL, "failed to open netns \"%s\": %s",
				     req->netns, strerror(-r));
	r = find_vrf(sk, c->vrfname, &vrf);
	if (r == -ENOTTY)
		return wrap_add(err, cni_error_set(err, CNI_ERR_INTERNAL,
						   "Netlink %s is not a VRF", c->vrfname));
	if (r == 0 && c->table && vrf.vrf_table != c->table)
		return wrap_add(err, cni_error_set(err, CNI_ERR_INTERNAL,
						   "VRF %s already exist with different routing "
						   "table %u",
						   c->vrfname, vrf.vrf_table));
	if (r == -ENODEV) {
		r = create_vrf(sk, c, &vrf, err);
		if (r < 0)
			return wrap_add(err, r);
		created = true;
	} else if (r < 0)
		return wrap_add(err, skel_nl_error(err, sk, r, "Link not found"));
	r = add_interface(sk, &vrf, req->ifname, err);
	if (r < 0) {
		if (created)
			(void)nl_link_del(sk, vrf.ifindex);
		return wrap_add(err, r);
	}
	return skel_pass_prev_result(req, ret_result);
}

static int cmd_del(struct skel_request *req, struct cni_error *err)
{
	_cleanup_(vrf_config_freep) struct vrf_config *c = NULL;
	_cleanup_(nl_sock_freep) struct nl_sock *sk = NULL;
	_cleanup_free_ struct nl_link *links = NULL;
	struct nl_link vrf, l;
	size_t n = 0;
	bool members = false;
	int r;

	r = vrf_config_parse(req->config, &c, err);
	if (r < 0)
		return r;
	if (!req->netns)
		return 0;
	r = nl_sock_open_netns_path(req->netns, &sk);
	if (r == -ENOENT || r == -EINVAL)
		return 0; /* the namespace is gone, and the VRF with it */
	if (r < 0)
		return cni_error_set(err, CNI_ERR_INTERNAL, "failed to open netns \"%s\": %s",
				     req->netns, strerror(-r));
	r = find_vrf(sk, c->vrfname, &vrf);
	if (r == -ENODEV)
		return 0;
	if (r == -ENOTTY)
		return cni_error_set(err, CNI_ERR_INTERNAL, "Netlink %s is not a VRF", c->vrfname);
	if (r < 0)
		return skel_nl_error(err, sk, r, "failed to look up VRF %s", c->vrfname);
	r = nl_link_get_by_name(sk, req->ifname, &l);
	if (r >= 0 && l.master == vrf.ifindex) {
		r = nl_link_set_master(sk, l.ifindex, 0);
		if (r < 0)
			return skel_nl_error(err, sk, r, "resetMaster: could reset master to %s",
					     req->ifname);
	}
	r = nl_link_dump(sk, &links, &n);
	if (r < 0)
		return skel_nl_error(err, sk, r, "getAssignedInterfaces: Failed to find links");
	for (size_t i = 0; i < n; i++)
		members |= links[i].master == vrf.ifindex;
	/* The last member gone: the VRF goes too. */
	if (!members) {
		r = nl_link_del(sk, vrf.ifindex);
		if (r < 0)
			return skel_nl_error(err, sk, r, "failed to delete VRF %s", c->vrfname);
	}
	return 0;
}

static int cmd_check(struct skel_request *req, struct cni_error *err)
{
	_cleanup_(vrf_config_freep) struct vrf_config *c = NULL;
	_cleanup_(nl_sock_freep) struct nl_sock *sk = NULL;
	struct nl_link vrf, l;
	int r;

	r = vrf_config_parse(req->config, &c, err);
	if (r < 0)
		return r;
	if (!req->prev_result)
		return cni_error_set(err, CNI_ERR_INVALID_CONFIG,
				     "missing prevResult from earlier plugin");
	r = nl_sock_open_netns_path(req->netns, &sk);
	if (r < 0)
		return cni_error_set(err, CNI_ERR_INTERNAL, "failed to open netns \"%s\": %s",
				     req->netns, strerror(-r));
	r = find_vrf(sk, c->vrfname, &vrf);
	if (r == -ENOTTY)
		return cni_error_set(err, CNI_ERR_INTERNAL, "Netlink %s is not a VRF", c->vrfname);
	if (r < 0)
		return cni_error_set(err, CNI_ERR_INTERNAL, "Link not found");
	if (nl_link_get_by_name(sk, req->ifname, &l) < 0 || l.master != vrf.ifindex)
		return cni_error_set(err, CNI_ERR_INTERNAL,
				     "Failed to find %s associated to vrf %s", req->ifname,
				     c->vrfname);
	return 0;
}

int main(int argc, char **argv)
{
	static const struct skel_plugin plugin = {
		.name = "CNI vrf plugin (linen)",
		.versions = vrf_versions,
		.add = cmd_add,
		.del = cmd_del,
		.check = cmd_check,
	};

	return skel_main(argc, argv, &plugin);
}
