// SPDX-License-Identifier: Apache-2.0
/*
 * bridge - the CNI plugin that plugs a container into a Linux bridge on the host.
 *
 * A drop-in replacement for the reference bridge plugin: the same config keys (see
 * bridge-config.h), the same ADD steps in the same order, the same result (interfaces
 * [bridge, host veth, container], addresses on interface 2), the same error texts. Where the
 * reference leaks we do not: a failed ADD removes everything it made (veth, nft entries, the
 * IPAM allocation), DEL removes the masquerade and spoof-check entries even without a netns,
 * CHECK verifies the kernel state (and our nft entries), and GC removes the nft entries of
 * attachments the runtime no longer lists. ipMasq and macspoofchk live in our own nftables
 * tables (src/fw); IPAM is delegated through the SDK.
 *
 * Test hooks (for crash-safety tests; test builds only, see skel_test_hook):
 * LINEN_TEST_PAUSE_AT=<step> stops the plugin with SIGSTOP at that step,
 * LINEN_TEST_FAIL_AT=<step> makes an ADD fail there. ADD steps: bridge,
 * veth, port, macspoof, ipam, container, gateway, masq, done; DEL steps (pause only): del-link,
 * del-ipam, del-fw.
 */
#include <errno.h>
#include <fcntl.h>
#include <net/if.h>
#ifndef IFF_LOWER_UP
#define IFF_LOWER_UP 0x10000
#endif
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "basic/json-util.h"
#include "basic/log.h"
#include "basic/netns.h"
#include "basic/sysctl.h"
#include "fw/macspoof.h"
#include "fw/masq.h"
#include "netlink/netlink.h"
#include "plugins/bridge/bridge-config.h"
#include "skel/plugin-net.h"
#include "skel/plugin-util.h"
#include "skel/skel.h"

/* The reference polls the host veth's oper state after 0, 50, 500, 1000 and 1000 ms. */
#define PORT_UP_TIMEOUT_MS 2550
#define DAD_TIMEOUT_MS 5000

static const char *operstate_name(uint8_t s)
{
	static const char *const names[] = {
		"unknown", "notpresent", "down", "lowerlayerdown", "testing", "dormant", "up",
	};

	return s < ELEMENTSOF(names) ? names[s] : "unknown";
}

static void mac_str(const uint8_t mac[6], char buf[static 18])
{
	nl_mac_to_string(mac, buf);
}

/* net/<proto>/conf/<ifname>/<name> = value */
static int set_if_sysctl(const char *proto, const char *ifname, const char *name, const char *value)
{
	char key[128];

	snprintf(key, sizeof(key), "net/%s/conf/%s/%s", proto, ifname, name);
	return sysctl_write(key, value);
}

/* --- ADD ------------------------------------------------------------------------------- */

struct add_state {
	struct skel_request *req;
	struct bridge_config *c;
	struct nl_sock *host, *cont;
	int host_nsfd, cont_nsfd;
	struct nl_link br;
	char host_veth[BRIDGE_IFNAMSIZ];
	int host_ifindex;
	bool cont_created;
	int cont_ifindex;
	uint8_t cont_mac[6];
	char cont_mac_str[18];
	bool macspoof_added, ipam_added, masq_added;
	struct cni_result *res;
};

static int ensure_bridge(struct add_state *st, struct cni_error *err)
{
	const struct bridge_config *c = st->c;
	struct nl_bridge_spec spec = {
		.name = c->bridge,
		.mtu = c->mtu,
		.vlan_filtering = c->vlan != 0 || c->has_trunk,
	};
	int r;

	r = nl_bridge_create(st->host, &spec);
	if (r < 0 && r != -EEXIST)
		return skel_nl_error(err, st->host, r,
			       "failed to create bridge \"%s\": could not add \"%s\"", c->bridge,
			       c->bridge);
	r = nl_link_get_by_name(st->host, c->bridge, &st->br);
	if (r < 0)
		return skel_nl_error(err, st->host, r,
			       "failed to create bridge \"%s\": could not lookup \"%s\"", c->bridge,
			       c->bridge);
	/* Checked before touching it: promisc on someone else's link would be a side effect. */
	if (!streq(st->br.kind, "bridge"))
		return cni_error_set(err, CNI_ERR_INTERNAL,
				     "failed to create bridge \"%s\": \"%s\" already exists but is "
				     "not a bridge",
				     c->bridge, c->bridge);
	if (c->promisc && !(st->br.flags & IFF_PROMISC)) {
		r = nl_link_set_promisc(st->host, st->br.ifindex, true);
		if (r < 0)
			return skel_nl_error(err, st->host, r,
				       "failed to create bridge \"%s\": could not set promiscuous "
				       "mode on \"%s\"",
				       c->bridge, c->bridge);
	}
	/* We own the routes of this interface. */
	(void)set_if_sysctl("ipv6", c->bridge, "accept_ra", "0");
	if (!nl_link_is_up(&st->br)) {
		r = nl_link_set_up(st->host, st->br.ifindex, true);
		if (r < 0)
			return skel_nl_error(err, st->host, r, "failed to create bridge \"%s\": set up",
				       c->bridge);
	}
	return 0;
}

static int add_trunk(struct nl_sock *sk, int ifindex, const uint16_t *vids, size_t n)
{
	_cleanup_free_ struct bridge_vid_range *runs = calloc(n, sizeof(*runs));
	struct nl_bridge_vlan v[256];
	size_t n_runs, k = 0;
	int r;

	if (!runs)
		return -ENOMEM;
	n_runs = bridge_vid_ranges(vids, n, runs);
	/* Tagged (no PVID, not untagged), at most 256 entries per request. */
	for (size_t i = 0; i < n_runs; i++) {
		v[k++] = (struct nl_bridge_vlan){ .vid = runs[i].first, .vid_end = runs[i].last };
		if (k == ELEMENTSOF(v) || i + 1 == n_runs) {
			r = nl_bridge_vlan_add(sk, ifindex, false, v, k);
			if (r < 0)
				return r;
			k = 0;
		}
	}
	return 0;
}

/*
 * The host side of a new port: up, accept_ra off, enslaved, hairpin and isolation, VLANs.
 * Shared by the container's veth and the `<bridge>.<vlan>` gateway port.
 */
static int setup_port(struct add_state *st, const char *name, bool hairpin, bool isolated,
		      uint16_t vlan, const uint16_t *trunk, size_t n_trunk, int *ret_ifindex,
		      struct cni_error *err)
{
	const struct bridge_config *c = st->c;
	struct nl_brport_opts o = {
		.hairpin = hairpin,
		.isolated = isolated ? 1 : NL_UNCHANGED,
		.learning = NL_UNCHANGED,
	};
	struct nl_link l;
	int r;

	r = nl_link_get_by_name(st->host, name, &l);
	if (r < 0)
		return skel_nl_error(err, st->host, r, "failed to lookup \"%s\"", name);
	r = nl_link_set_up(st->host, l.ifindex, true);
	if (r < 0)
		return skel_nl_error(err, st->host, r, "failed to set \"%s\" up", name);
	(void)set_if_sysctl("ipv6", name, "accept_ra", "0");
	r = nl_link_set_master(st->host, l.ifindex, st->br.ifindex);
	if (r < 0)
		return skel_nl_error(err, st->host, r, "failed to connect \"%s\" to bridge %s", name,
			       c->bridge);
	r = nl_brport_set(st->host, l.ifindex, &o);
	if (r < 0)
		return skel_nl_error(err, st->host, r, "failed to setup hairpin mode for %s", name);
	if ((vlan || n_trunk) && !c->preserve_default_vlan) {
		_cleanup_free_ struct nl_bridge_vlan *v = NULL;
		size_t n = 0;

		r = nl_bridge_vlan_list(st->host, l.ifindex, &v, &n);
		for (size_t i = 0; r >= 0 && i < n; i++) {
			struct nl_bridge_vlan d = { .vid = v[i].vid };

			r = nl_bridge_vlan_del(st->host, l.ifindex, false, &d, 1);
		}
		if (r < 0)
			return skel_nl_error(err, st->host, r,
				       "failed to remove default vlan on interface \"%s\"", name);
	}
	if (vlan) {
		struct nl_bridge_vlan v = { .vid = vlan, .pvid = true, .untagged = true };

		r = nl_bridge_vlan_add(st->host, l.ifindex, false, &v, 1);
		if (r < 0)
			return skel_nl_error(err, st->host, r,
				       "failed to setup vlan tag on interface \"%s\"", name);
	}
	if (n_trunk) {
		r = add_trunk(st->host, l.ifindex, trunk, n_trunk);
		if (r < 0)
			return skel_nl_error(err, st->host, r,
				       "failed to setup vlan tag on interface \"%s\"", name);
	}
	*ret_ifindex = l.ifindex;
	return 0;
}

/*
 * A veth pair whose first end (name) is made through sk and whose peer, named veth + 8 random
 * hex digits, lands directly in the host namespace; retried on a clash of the random name.
 */
static int make_veth(struct add_state *st, struct nl_sock *sk, const char *name, uint32_t mtu,
		     const uint8_t *mac, bool *created, char peer[static BRIDGE_IFNAMSIZ],
		     struct cni_error *err)
{
	for (int i = 0; i < 10; i++) {
		struct nl_veth_spec spec = {
			.name = name,
			.mtu = mtu,
			.mac = mac,
			.peer_name = peer,
			.peer_mtu = mtu,
			.peer_netns_fd = st->host_nsfd,
		};
		int r = bridge_random_veth_name(peer);

		if (r < 0)
			return cni_error_set(err, CNI_ERR_INTERNAL,
					     "failed to generate random veth name: %s",
					     strerror(-r));
		r = nl_veth_create(sk, &spec);
		if (r == 0) {
			*created = true;
			return 0;
		}
		if (r == -EEXIST) {
			if (nl_link_name_to_index(st->host, peer) > 0)
				continue;
			return cni_error_set(err, CNI_ERR_INTERNAL,
					     "container veth name (\"%s\") peer provided (\"%s\") "
					     "already exists",
					     name, peer);
		}
		return skel_nl_error(err, sk, r, "failed to make veth pair");
	}
	return cni_error_set(err, CNI_ERR_INTERNAL, "failed to find a unique veth name");
}

static int setup_veth(struct add_state *st, struct cni_error *err)
{
	const struct bridge_config *c = st->c;
	const char *ifname = st->req->ifname;
	struct nl_link l;
	int r;

	r = make_veth(st, st->cont, ifname, c->mtu, c->has_mac ? c->mac : NULL, &st->cont_created,
		      st->host_veth, err);
	if (r < 0)
		return r;
	r = nl_link_get_by_name(st->cont, ifname, &l);
	if (r < 0)
		return skel_nl_error(err, st->cont, r, "failed to lookup \"%s\"", ifname);
	st->cont_ifindex = l.ifindex;
	memcpy(st->cont_mac, l.mac, 6);
	mac_str(l.mac, st->cont_mac_str);

	r = skel_test_hook("port", err);
	if (r < 0)
		return r;
	return setup_port(st, st->host_veth, c->hairpin, c->port_isolation, c->vlan, c->trunk,
			  c->n_trunk, &st->host_ifindex, err);
}

/* --- container side (runs inside the container's namespace, for /proc/sys) --- */

static int enable_ipv6(const char *ifname, struct cni_error *err)
{
	const char *names[2] = { "lo", ifname };

	for (size_t i = 0; i < 2; i++) {
		char key[128];
		_cleanup_free_ char *v = NULL;
		int r;

		snprintf(key, sizeof(key), "net/ipv6/conf/%s/disable_ipv6", names[i]);
		if (sysctl_read(key, &v) < 0 || streq(v, "0"))
			continue;
		r = sysctl_write(key, "0");
		if (r < 0)
			return cni_error_set(err, CNI_ERR_INTERNAL,
					     "failed to enable IPv6 for interface \"%s\" (%s=%s): "
					     "%s",
					     names[i], key, v, strerror(-r));
	}
	/* Addresses survive a down/up of the link, as IPv4 ones do. */
	(void)set_if_sysctl("ipv6", ifname, "keep_addr_on_down", "1");
	return 0;
}

static int configure_iface(struct add_state *st, struct cni_error *err)
{
	const struct cni_result *res = st->res;
	const char *ifname = st->req->ifname;
	struct ip_addr v4gw = {}, v6gw = {};
	bool v6_enabled = false;
	int r;

	for (size_t i = 0; i < res->n_ips; i++) {
		const struct cni_ipconfig *ip = &res->ips[i];
		char ps[IP_PREFIX_STRLEN];
		struct nl_addr a = { .ifindex = st->cont_ifindex, .prefix = ip->address };

		if (ip->interface < 0)
			continue;
		ip_prefix_to_string(&ip->address, ps);
		if ((size_t)ip->interface >= res->n_interfaces ||
		    !streq_ptr(res->interfaces[ip->interface].name, ifname))
			return cni_error_set(err, CNI_ERR_INTERNAL,
					     "failed to add IP addr %s to \"%s\": invalid "
					     "interface index",
					     ps, ifname);
		if (ip->address.addr.family == AF_INET6 && !v6_enabled) {
			r = enable_ipv6(ifname, err);
			if (r < 0)
				return r;
			v6_enabled = true;
		}
		if (ip->address.addr.family == AF_INET)
			nl_addr_set_broadcast(&a);
		r = nl_addr_add(st->cont, &a);
		if (r < 0)
			return skel_nl_error(err, st->cont, r, "failed to add IP addr %s to \"%s\"", ps,
				       ifname);
		if (ip->gateway.family == AF_INET && !v4gw.family)
			v4gw = ip->gateway;
		else if (ip->gateway.family == AF_INET6 && !v6gw.family)
			v6gw = ip->gateway;
	}
	r = nl_link_set_up(st->cont, st->cont_ifindex, true);
	if (r < 0)
		return skel_nl_error(err, st->cont, r, "failed to set \"%s\" UP", ifname);

	/* Routes via an IPv6 gateway need the source address out of DAD first. */
	if (v6gw.family) {
		r = nl_addr_wait_dad(st->cont, AF_INET6, st->cont_ifindex, DAD_TIMEOUT_MS);
		if (r == -EADDRNOTAVAIL)
			return cni_error_set(err, CNI_ERR_INTERNAL,
					     "failed to settle addresses on \"%s\": duplicate "
					     "address detected",
					     ifname);
		if (r == -ETIMEDOUT) {
			struct nl_link l;

			/* Without carrier DAD cannot finish; that is not our failure. */
			if (nl_link_get_by_index(st->cont, st->cont_ifindex, &l) >= 0 &&
			    (l.flags & IFF_LOWER_UP))
				return cni_error_set(err, CNI_ERR_INTERNAL,
						     "failed to settle addresses on \"%s\": timed "
						     "out",
						     ifname);
		} else if (r < 0)
			return skel_nl_error(err, st->cont, r, "failed to settle addresses on \"%s\"",
				       ifname);
	}

	for (size_t i = 0; i < res->n_routes; i++) {
		const struct cni_route *cr = &res->routes[i];
		int fam = cr->dst.addr.family;
		struct nl_route rt = {
			.family = fam,
			.dst = cr->dst,
			.oif = st->cont_ifindex,
			.table = cr->has_table ? (uint32_t)cr->table : 0,
			.priority = (uint32_t)cr->priority,
			.scope = cr->has_scope ? (uint8_t)cr->scope : 0,
			.mtu = (uint32_t)cr->mtu,
			.advmss = (uint32_t)cr->advmss,
		};
		char ds[IP_PREFIX_STRLEN], gs[IP_ADDR_STRLEN] = "<nil>";

		if (cr->gw.family)
			rt.gw = cr->gw;
		else if (fam == AF_INET && v4gw.family)
			rt.gw = v4gw;
		else if (fam == AF_INET6 && v6gw.family)
			rt.gw = v6gw;
		ip_prefix_mask(&rt.dst);
		r = nl_route_append(st->cont, &rt);
		if (r < 0) {
			if (rt.gw.family)
				ip_addr_to_string(&rt.gw, gs);
			return skel_nl_error(err, st->cont, r, "failed to add route '%s via %s dev %s'",
				       ip_prefix_to_string(&cr->dst, ds), gs, ifname);
		}
	}
	return 0;
}

static int configure_container(struct add_state *st, struct cni_error *err)
{
	const char *ifname = st->req->ifname;
	int saved = -1, r, k;

	r = netns_enter(st->cont_nsfd, &saved);
	if (r < 0)
		return cni_error_set(err, CNI_ERR_INTERNAL, "failed to enter netns \"%s\": %s",
				     st->req->netns, strerror(-r));
	/* Hairpin and promiscuous ports echo our own NS; DAD would fail on them (plugins#695). */
	if (st->c->enabledad) {
		(void)set_if_sysctl("ipv6", ifname, "enhanced_dad", "1");
		(void)set_if_sysctl("ipv6", ifname, "accept_dad", "1");
	} else
		(void)set_if_sysctl("ipv6", ifname, "accept_dad", "0");
	(void)set_if_sysctl("ipv4", ifname, "arp_notify", "1");
	r = configure_iface(st, err);
	k = netns_restore(&saved);
	if (k < 0 && r >= 0)
		return cni_error_set(err, CNI_ERR_INTERNAL,
				     "failed to return to the host netns: %s", strerror(-k));
	return r;
}

/* --- gateway addresses on the bridge (or on <bridge>.<vlan>) --- */

static int ensure_addr(struct add_state *st, const char *name, int ifindex,
		       const struct ip_prefix *gw, struct cni_error *err)
{
	_cleanup_free_ struct nl_addr *v = NULL;
	char gs[IP_PREFIX_STRLEN];
	struct nl_addr a = { .ifindex = ifindex, .prefix = *gw };
	struct nl_link l;
	size_t n = 0;
	int r;

	ip_prefix_to_string(gw, gs);
	r = nl_addr_dump(st->host, gw->addr.family, ifindex, &v, &n);
	if (r < 0)
		return skel_nl_error(err, st->host, r, "could not get list of IP addresses");
	for (size_t i = 0; i < n; i++) {
		if (ip_prefix_equal(&v[i].prefix, gw))
			return 0;
		/* Several IPv6 addresses may share the bridge if their subnets do not overlap. */
		if (gw->addr.family == AF_INET || ip_prefix_contains(&v[i].prefix, &gw->addr) ||
		    ip_prefix_contains(gw, &v[i].prefix.addr)) {
			if (!st->c->force_address)
				return cni_error_set(err, CNI_ERR_INTERNAL,
						     "\"%s\" already has an IP address different "
						     "from %s",
						     name, gs);
			r = nl_addr_del(st->host, &v[i]);
			if (r < 0)
				return skel_nl_error(err, st->host, r,
					       "could not remove IP address from \"%s\"", name);
		}
	}
	if (gw->addr.family == AF_INET)
		nl_addr_set_broadcast(&a);
	r = nl_addr_add(st->host, &a);
	if (r < 0 && r != -EEXIST)
		return skel_nl_error(err, st->host, r, "could not add IP address to \"%s\"", name);
	/* Pin the MAC: a bridge otherwise takes the lowest port MAC, changing as ports churn. */
	r = nl_link_get_by_index(st->host, ifindex, &l);
	if (r >= 0 && l.has_mac)
		r = nl_link_set_mac(st->host, ifindex, l.mac);
	if (r < 0)
		return skel_nl_error(err, st->host, r, "could not set bridge's mac");
	return 0;
}

/* The `<bridge>.<vlan>` port that carries the gateway address on a VLAN. */
static int ensure_vlan_iface(struct add_state *st, char name[static BRIDGE_IFNAMSIZ],
			     int *ret_ifindex, struct cni_error *err)
{
	char peer[BRIDGE_IFNAMSIZ];
	bool created = false;
	struct nl_link l;
	int r, port;

	if (snprintf(name, BRIDGE_IFNAMSIZ, "%s.%u", st->c->bridge, st->c->vlan) >= BRIDGE_IFNAMSIZ)
		return cni_error_set(err, CNI_ERR_INVALID_CONFIG,
				     "failed to create vlan interface: name \"%s.%u\" is too long",
				     st->c->bridge, st->c->vlan);
	r = nl_link_get_by_name(st->host, name, &l);
	if (r >= 0) {
		*ret_ifindex = l.ifindex;
		return 0;
	}
	if (r != -ENODEV)
		return skel_nl_error(err, st->host, r, "failed to find interface \"%s\"", name);
	r = make_veth(st, st->host, name, st->br.mtu, NULL, &created, peer, err);
	if (r < 0)
		return r;
	r = setup_port(st, peer, false, false, st->c->vlan, NULL, 0, &port, err);
	if (r >= 0)
		r = nl_link_get_by_name(st->host, name, &l);
	if (r >= 0)
		r = nl_link_set_up(st->host, l.ifindex, true);
	if (r < 0) {
		(void)nl_link_del_by_name(st->host, name);
		if (!cni_error_is_set(err))
			return skel_nl_error(err, st->host, r, "failed to create vlan gateway \"%s\"",
				       name);
		return r;
	}
	*ret_ifindex = l.ifindex;
	return 0;
}

static int setup_gateways(struct add_state *st, const struct ip_prefix *gws, size_t n,
			  struct cni_error *err)
{
	bool fam_v4 = false, fam_v6 = false, vlan_listed = false;
	int r;

	for (size_t i = 0; i < n; i++) {
		char vname[BRIDGE_IFNAMSIZ];
		int ifindex = st->br.ifindex;
		const char *name = st->c->bridge;

		if (st->c->vlan) {
			struct nl_link l;

			r = ensure_vlan_iface(st, vname, &ifindex, err);
			if (r < 0)
				return r;
			if (!vlan_listed) {
				char ms[18] = "";

				if (nl_link_get_by_index(st->host, ifindex, &l) >= 0 && l.has_mac)
					mac_str(l.mac, ms);
				r = cni_result_add_interface(st->res, vname, ms[0] ? ms : NULL,
							     NULL);
				if (r < 0)
					return r;
				vlan_listed = true;
			}
			name = vname;
		}
		r = ensure_addr(st, name, ifindex, &gws[i], err);
		if (r < 0) {
			char msg[sizeof(err->msg)];

			snprintf(msg, sizeof(msg), "%s", err->msg);
			return cni_error_set(err, CNI_ERR_INTERNAL, "%s: %s",
					     st->c->vlan ? "failed to set vlan interface for "
							   "bridge with addr"
							 : "failed to set bridge addr",
					     msg);
		}
		if (gws[i].addr.family == AF_INET)
			fam_v4 = true;
		else
			fam_v6 = true;
	}
	if ((fam_v4 && (r = skel_enable_forward(AF_INET)) < 0) ||
	    (fam_v6 && (r = skel_enable_forward(AF_INET6)) < 0))
		return cni_error_set(err, CNI_ERR_INTERNAL, "failed to enable forwarding: %s",
				     strerror(-r));
	return 0;
}

static int container_ips(const struct cni_result *res, int iface, struct ip_prefix **ret,
			 size_t *ret_n)
{
	struct ip_prefix *v = calloc(res->n_ips + 1, sizeof(*v));
	size_t n = 0;

	if (!v)
		return -ENOMEM;
	for (size_t i = 0; i < res->n_ips; i++)
		if (res->ips[i].interface == iface || res->ips[i].interface < 0)
			v[n++] = res->ips[i].address;
	*ret = v;
	*ret_n = n;
	return 0;
}

static int setup_l3(struct add_state *st, struct cni_error *err)
{
	_cleanup_(cni_result_freep) struct cni_result *ir = NULL;
	_cleanup_free_ struct ip_prefix *gws = NULL;
	size_t n_gws = 0;
	int r;

	r = skel_test_hook("ipam", err);
	if (r < 0)
		return r;
	r = skel_delegate_add(st->req, st->c->ipam_type, st->req->stdin_data, st->req->stdin_len,
			      &ir, err);
	if (r < 0)
		return r;
	st->ipam_added = true;
	r = skel_test_hook("container", err);
	if (r < 0)
		return r;

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
		return cni_error_set(err, CNI_ERR_INTERNAL,
				     "IPAM plugin returned missing IP config");

	gws = calloc(st->res->n_ips, sizeof(*gws));
	if (!gws)
		return -ENOMEM;
	r = bridge_calc_gateways(st->res, st->c, gws, &n_gws);
	if (r < 0)
		return r;
	r = configure_container(st, err);
	if (r < 0)
		return r;

	r = skel_test_hook("gateway", err);
	if (r < 0)
		return r;
	if (st->c->is_gw) {
		r = setup_gateways(st, gws, n_gws, err);
		if (r < 0)
			return r;
	}

	r = skel_test_hook("masq", err);
	if (r < 0)
		return r;
	if (st->c->ip_masq) {
		_cleanup_free_ struct ip_prefix *ips = NULL;
		_cleanup_free_ char *text = NULL;
		size_t n = 0;

		r = container_ips(st->res, 2, &ips, &n);
		if (r < 0)
			return r;
		/* One transaction: a failed one leaves nothing, and the DEL is idempotent. */
		st->masq_added = true;
		r = fw_masq_add(st->req->name, st->req->container_id, st->req->ifname, ips, n,
				&text);
		if (r < 0)
			return skel_text_error(err, "failed to set up IP masquerade", r, text);
	}
	return 0;
}

static int wait_port_up(struct add_state *st, struct cni_error *err)
{
	struct nl_link l;
	int r;

	r = nl_link_wait_oper_up(st->host, st->host_ifindex, PORT_UP_TIMEOUT_MS);
	if (r == -ETIMEDOUT) {
		if (nl_link_get_by_index(st->host, st->host_ifindex, &l) < 0)
			l.operstate = 0;
		return cni_error_set(err, CNI_ERR_INTERNAL, "bridge port in error state: %s",
				     operstate_name(l.operstate));
	}
	if (r < 0)
		return skel_nl_error(err, st->host, r, "failed to lookup \"%s\"", st->host_veth);
	return 0;
}

static int replace_mac(struct cni_interface *i, const uint8_t mac[6])
{
	char buf[18];
	char *s;

	mac_str(mac, buf);
	s = strdup(buf);
	if (!s)
		return -ENOMEM;
	free(i->mac);
	i->mac = s;
	return 0;
}

static int do_add(struct add_state *st, struct cni_error *err)
{
	const struct bridge_config *c = st->c;
	struct skel_request *req = st->req;
	char ms[18];
	struct nl_link l;
	int r;

	if (c->ipam_type && c->disable_container_interface)
		return cni_error_set(err, CNI_ERR_INVALID_CONFIG,
				     "cannot use IPAM when DisableContainerInterface flag is set");
	if (c->hairpin && c->promisc)
		return cni_error_set(err, CNI_ERR_INVALID_CONFIG,
				     "cannot set hairpin mode and promiscuous mode at the same "
				     "time");

	r = nl_sock_open(&st->host);
	if (r < 0)
		return cni_error_set(err, CNI_ERR_INTERNAL, "failed to open netlink: %s",
				     strerror(-r));
	st->host_nsfd = open("/proc/self/ns/net", O_RDONLY | O_CLOEXEC);
	if (st->host_nsfd < 0)
		return cni_error_set(err, CNI_ERR_INTERNAL, "failed to open host netns: %s",
				     strerror(errno));
	r = skel_test_hook("bridge", err);
	if (r < 0)
		return r;
	r = ensure_bridge(st, err);
	if (r < 0)
		return r;

	st->cont_nsfd = netns_open(req->netns);
	if (st->cont_nsfd < 0)
		return cni_error_set(err, CNI_ERR_INTERNAL, "failed to open netns \"%s\": %s",
				     req->netns, strerror(-st->cont_nsfd));
	r = nl_sock_open_netns(st->cont_nsfd, &st->cont);
	if (r < 0)
		return cni_error_set(err, CNI_ERR_INTERNAL, "failed to open netns \"%s\": %s",
				     req->netns, strerror(-r));

	r = skel_test_hook("veth", err);
	if (r < 0)
		return r;
	r = setup_veth(st, err);
	if (r < 0)
		return r;

	st->res = cni_result_new();
	if (!st->res)
		return -ENOMEM;
	mac_str(st->br.mac, ms);
	if ((r = cni_result_add_interface(st->res, c->bridge, ms, NULL)) < 0 ||
	    (r = cni_result_add_interface(st->res, st->host_veth, NULL, NULL)) < 0 ||
	    (r = cni_result_add_interface(st->res, req->ifname, st->cont_mac_str, req->netns)) < 0)
		return r;

	r = skel_test_hook("macspoof", err);
	if (r < 0)
		return r;
	if (c->macspoofchk) {
		_cleanup_free_ char *text = NULL;

		st->macspoof_added = true;
		r = fw_macspoof_add(req->name, req->container_id, req->ifname, st->host_veth,
				    st->cont_mac_str, &text);
		if (r < 0)
			return skel_text_error(err, "failed to set up mac spoof check", r, text);
	}

	if (c->ipam_type) {
		r = setup_l3(st, err);
		if (r < 0)
			return r;
	} else if (!c->disable_container_interface) {
		/* Layer 2 only: nobody else will bring the container end up. */
		r = nl_link_set_up(st->cont, st->cont_ifindex, true);
		if (r < 0)
			return skel_nl_error(err, st->cont, r, "failed to set \"%s\" up", req->ifname);
	}

	if (!c->disable_container_interface) {
		r = wait_port_up(st, err);
		if (r < 0)
			return r;
	}
	/* The host veth's MAC may change, and the bridge's does when its first port joins. */
	r = nl_link_get_by_index(st->host, st->host_ifindex, &l);
	if (r < 0)
		return skel_nl_error(err, st->host, r, "failed to lookup \"%s\"", st->host_veth);
	r = replace_mac(&st->res->interfaces[1], l.mac);
	if (r < 0)
		return r;
	r = nl_link_get_by_index(st->host, st->br.ifindex, &l);
	if (r < 0)
		return skel_nl_error(err, st->host, r, "could not lookup \"%s\"", c->bridge);
	r = replace_mac(&st->res->interfaces[0], l.mac);
	if (r < 0)
		return r;

	r = skel_test_hook("done", err);
	if (r < 0)
		return r;
	if (c->has_dns) {
		strv_free(st->res->dns.nameservers);
		free(st->res->dns.domain);
		strv_free(st->res->dns.search);
		strv_free(st->res->dns.options);
		st->res->dns = st->c->dns;
		memset(&st->c->dns, 0, sizeof(st->c->dns));
	}
	/*
	 * Render once here: a result the config's version cannot express (layer 2 in 0.1.0/0.2.0
	 * has no IP) must fail while we can still undo the ADD, not after we reported success.
	 */
	{
		_cleanup_json_ json_t *j = NULL;

		r = cni_result_to_json(st->res, req->cni_version, &j, err);
		if (r < 0 && cni_error_is_set(err))
			err->code = CNI_ERR_INTERNAL; /* the reference reports this as 999 */
		if (r < 0)
			return r;
	}
	return 0;
}

/* Undo a failed ADD: everything this run made, in reverse; errors only logged. */
static void add_rollback(struct add_state *st)
{
	struct skel_request *req = st->req;
	_cleanup_free_ char *t1 = NULL, *t2 = NULL;
	struct cni_error e = {};
	int r;

	if (st->masq_added) {
		r = fw_masq_del(req->name, req->container_id, req->ifname, &t1);
		if (r < 0)
			log_warning("bridge: rollback: masquerade: %s", t1 ? t1 : strerror(-r));
	}
	if (st->cont_created && st->cont) {
		r = st->cont_ifindex > 0 ? nl_link_del(st->cont, st->cont_ifindex)
					 : nl_link_del_by_name(st->cont, req->ifname);
		if (r < 0)
			log_warning("bridge: rollback: delete %s: %s", req->ifname, strerror(-r));
	}
	if (st->macspoof_added) {
		r = fw_macspoof_del(req->name, req->container_id, req->ifname, &t2);
		if (r < 0)
			log_warning("bridge: rollback: spoof check: %s", t2 ? t2 : strerror(-r));
	}
	if (st->ipam_added) {
		r = skel_delegate(req, st->c->ipam_type, "DEL", req->stdin_data, req->stdin_len,
				  &e);
		if (r < 0)
			log_warning("bridge: rollback: IPAM DEL: %s", e.msg);
	}
}

static int cmd_add(struct skel_request *req, struct cni_result **ret_result, struct cni_error *err)
{
	_cleanup_(bridge_config_freep) struct bridge_config *c = NULL;
	struct add_state st = { .req = req, .host_nsfd = -1, .cont_nsfd = -1 };
	int r;

	r = bridge_config_parse(req->config, &req->args, &c, err);
	if (r < 0)
		return r;
	st.c = c;
	r = do_add(&st, err);
	if (r < 0)
		add_rollback(&st);
	else {
		r = cni_result_set_version(st.res, req->cni_version);
		if (r >= 0)
			*ret_result = TAKE_PTR(st.res);
		else
			add_rollback(&st);
	}
	cni_result_free(st.res);
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
	_cleanup_(bridge_config_freep) struct bridge_config *c = NULL;
	struct cni_error first = {}, e = {};
	int first_r = 0, r;

	/* CNI_ARGS are not read: an unknown key must never keep an address or a rule. */
	r = bridge_config_parse(req->config, NULL, &c, err);
	if (r < 0)
		return r;
	(void)skel_test_hook("del-link", &e);
	if (req->netns) {
		r = skel_del_container_link(req->netns, req->ifname, &e);
		skel_keep_first(&first, &first_r, r, &e);
	}
	if (c->ipam_type) {
		(void)skel_test_hook("del-ipam", &e);
		cni_error_clear(&e);
		r = skel_delegate(req, c->ipam_type, "DEL", req->stdin_data, req->stdin_len, &e);
		skel_keep_first(&first, &first_r, r, &e);
	}
	(void)skel_test_hook("del-fw", &e);
	/* Unlike the reference, also without CNI_NETNS: our entries are keyed by attachment. */
	if (c->macspoofchk) {
		_cleanup_free_ char *text = NULL;

		cni_error_clear(&e);
		r = fw_macspoof_del(req->name, req->container_id, req->ifname, &text);
		if (r < 0)
			skel_text_error(&e, "failed to remove mac spoof check", r, text);
		skel_keep_first(&first, &first_r, r, &e);
	}
	if (c->ipam_type && c->ip_masq) {
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

struct check_ctx {
	struct skel_request *req;
	const struct bridge_config *c;
	const struct cni_result *prev;
	int cont_i;
	struct nl_link cont;
};

static bool mac_matches(const char *want, const struct nl_link *l)
{
	char have[18];

	if (!want || !*want)
		return true;
	mac_str(l->mac, have);
	return strcasecmp(want, have) == 0;
}

static int check_container(struct check_ctx *x, struct nl_sock *sk, struct cni_error *err)
{
	const struct cni_interface *ci = &x->prev->interfaces[x->cont_i];
	_cleanup_free_ struct nl_addr *addrs = NULL;
	_cleanup_free_ struct nl_route *routes = NULL;
	size_t n_addrs = 0, n_routes = 0;
	int r;

	r = nl_link_get_by_name(sk, ci->name, &x->cont);
	if (r < 0)
		return cni_error_set(err, CNI_ERR_INTERNAL, "Container Interface %s not found",
				     ci->name);
	if (!streq(x->cont.kind, "veth"))
		return cni_error_set(err, CNI_ERR_INTERNAL,
				     "Error: Container interface %s not of type veth", ci->name);
	if (!mac_matches(ci->mac, &x->cont))
		return cni_error_set(err, CNI_ERR_INTERNAL,
				     "Interface %s Mac %s doesn't match container Mac", ci->name,
				     ci->mac);
	if (!x->c->disable_container_interface && !nl_link_is_up(&x->cont))
		return cni_error_set(err, CNI_ERR_INTERNAL, "Container interface %s is down",
				     ci->name);

	r = nl_addr_dump(sk, AF_UNSPEC, x->cont.ifindex, &addrs, &n_addrs);
	if (r < 0)
		return skel_nl_error(err, sk, r, "failed to list addresses of %s", ci->name);
	for (size_t i = 0; i < x->prev->n_ips; i++) {
		const struct cni_ipconfig *ip = &x->prev->ips[i];
		char ps[IP_PREFIX_STRLEN];
		bool found = false;

		if (ip->interface >= 0 && ip->interface != x->cont_i)
			continue;
		for (size_t k = 0; k < n_addrs && !found; k++)
			found = ip_prefix_equal(&addrs[k].prefix, &ip->address);
		if (!found)
			return cni_error_set(err, CNI_ERR_INTERNAL,
					     "Failed to match addr %s on interface %s",
					     ip_prefix_to_string(&ip->address, ps), ci->name);
	}

	r = nl_route_dump(sk, AF_UNSPEC, NULL, &routes, &n_routes);
	if (r < 0)
		return skel_nl_error(err, sk, r, "failed to list routes");
	for (size_t i = 0; i < x->prev->n_routes; i++) {
		const struct cni_route *cr = &x->prev->routes[i];
		struct ip_prefix dst = cr->dst;
		char ds[IP_PREFIX_STRLEN];
		bool found = false;

		ip_prefix_mask(&dst);
		for (size_t k = 0; k < n_routes && !found; k++) {
			const struct nl_route *nr = &routes[k];

			if (nr->family != dst.addr.family || !ip_prefix_equal(&nr->dst, &dst))
				continue;
			if (cr->has_table && nr->table != (uint32_t)cr->table)
				continue;
			if (cr->gw.family && !ip_addr_equal(&nr->gw, &cr->gw))
				continue;
			found = true;
		}
		if (!found)
			return cni_error_set(err, CNI_ERR_INTERNAL, "Failed to match route %s",
					     ip_prefix_to_string(&cr->dst, ds));
	}
	return 0;
}

static int check_vlans(struct nl_sock *host, const struct bridge_config *c, int ifindex,
		       const char *name, struct cni_error *err)
{
	_cleanup_free_ struct nl_bridge_vlan *v = NULL;
	size_t n = 0;
	int r;

	if (!c->vlan && !c->n_trunk)
		return 0;
	r = nl_bridge_vlan_list(host, ifindex, &v, &n);
	if (r < 0)
		return skel_nl_error(err, host, r, "failed to list VLANs of %s", name);
	if (c->vlan) {
		bool ok = false;

		for (size_t i = 0; i < n; i++)
			ok |= v[i].vid == c->vlan && v[i].pvid && v[i].untagged;
		if (!ok)
			return cni_error_set(err, CNI_ERR_INTERNAL,
					     "VLAN %u is not the untagged PVID of %s", c->vlan,
					     name);
	}
	for (size_t t = 0; t < c->n_trunk; t++) {
		bool ok = false;

		for (size_t i = 0; i < n && !ok; i++)
			ok = v[i].vid == c->trunk[t];
		if (!ok)
			return cni_error_set(err, CNI_ERR_INTERNAL, "trunk VLAN %u missing on %s",
					     c->trunk[t], name);
	}
	return 0;
}

static int cmd_check(struct skel_request *req, struct cni_error *err)
{
	_cleanup_(bridge_config_freep) struct bridge_config *c = NULL;
	_cleanup_(nl_sock_freep) struct nl_sock *host = NULL, *cont = NULL;
	_cleanup_close_ int fd = -1;
	struct check_ctx x = { .req = req, .cont_i = -1 };
	const struct cni_result *prev = req->prev_result;
	struct nl_link br, veth;
	int br_i = -1, veth_i = -1, r;

	r = bridge_config_parse(req->config, &req->args, &c, err);
	if (r < 0)
		return r;
	x.c = c;
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
		return cni_error_set(err, CNI_ERR_INTERNAL, "Required prevResult missing");
	x.prev = prev;
	for (size_t i = 0; i < prev->n_interfaces; i++) {
		const struct cni_interface *ci = &prev->interfaces[i];

		if (streq_ptr(ci->name, c->bridge) && br_i < 0)
			br_i = (int)i;
		else if (streq_ptr(ci->name, req->ifname) && streq_ptr(ci->sandbox, req->netns) &&
			 x.cont_i < 0)
			x.cont_i = (int)i;
	}

	r = nl_sock_open(&host);
	if (r < 0)
		return cni_error_set(err, CNI_ERR_INTERNAL, "failed to open netlink: %s",
				     strerror(-r));
	if (br_i < 0 || nl_link_get_by_name(host, c->bridge, &br) < 0)
		return cni_error_set(err, CNI_ERR_INTERNAL,
				     "CNI created bridge %s in host namespace was not found",
				     c->bridge);
	if (!streq(br.kind, "bridge"))
		return cni_error_set(err, CNI_ERR_INTERNAL, "Error: Bridge interface %s not found",
				     c->bridge);
	if (!mac_matches(prev->interfaces[br_i].mac, &br))
		return cni_error_set(err, CNI_ERR_INTERNAL,
				     "Bridge interface %s Mac doesn't match: %s", c->bridge,
				     prev->interfaces[br_i].mac);
	if (!!(br.flags & IFF_PROMISC) != c->promisc)
		return cni_error_set(err, CNI_ERR_INTERNAL,
				     "Bridge interface %s configured Promisc Mode %s doesn't match "
				     "current state: %s",
				     c->bridge, c->promisc ? "true" : "false",
				     c->promisc ? "false" : "true");
	if (x.cont_i < 0)
		return cni_error_set(err, CNI_ERR_INTERNAL,
				     "Sandbox in prevResult doesn't match configured netns: %s",
				     req->netns);

	r = nl_sock_open_netns(fd, &cont);
	if (r < 0)
		return cni_error_set(err, CNI_ERR_INTERNAL, "failed to open netns \"%s\": %s",
				     req->netns, strerror(-r));
	r = check_container(&x, cont, err);
	if (r < 0)
		return r;

	/* The host veth: a listed host-side veth whose peer is the container interface. */
	for (size_t i = 0; i < prev->n_interfaces && veth_i < 0; i++) {
		const struct cni_interface *ci = &prev->interfaces[i];

		if ((int)i == br_i || (int)i == x.cont_i || (ci->sandbox && *ci->sandbox) ||
		    !ci->name)
			continue;
		if (nl_link_get_by_name(host, ci->name, &veth) < 0 || !streq(veth.kind, "veth") ||
		    veth.ifindex != x.cont.link)
			continue;
		if (veth.master != br.ifindex)
			return cni_error_set(err, CNI_ERR_INTERNAL,
					     "Interface %s not part of bridge %s", ci->name,
					     c->bridge);
		if (!mac_matches(ci->mac, &veth))
			return cni_error_set(err, CNI_ERR_INTERNAL,
					     "Interface %s Mac doesn't match: %s", ci->name,
					     ci->mac);
		veth_i = (int)i;
	}
	if (veth_i < 0)
		return cni_error_set(err, CNI_ERR_INTERNAL,
				     "CNI veth created for bridge %s was not found", c->bridge);
	r = check_vlans(host, c, veth.ifindex, veth.name, err);
	if (r < 0)
		return r;

	if (c->macspoofchk) {
		char ms[18];

		mac_str(x.cont.mac, ms);
		r = fw_macspoof_check(req->name, req->container_id, req->ifname, veth.name, ms);
		if (r < 0)
			return cni_error_set(err, CNI_ERR_INTERNAL,
					     "mac spoof check rules for %s %s", veth.name,
					     r == -ENOENT ? "missing" : "differ");
	}
	if (c->ipam_type && c->ip_masq) {
		_cleanup_free_ struct ip_prefix *ips = NULL;
		size_t n = 0;

		r = container_ips(prev, x.cont_i, &ips, &n);
		if (r < 0)
			return r;
		r = fw_masq_check(req->name, req->container_id, req->ifname, ips, n);
		if (r < 0)
			return cni_error_set(err, CNI_ERR_INTERNAL, "IP masquerade rules %s",
					     r == -ENOENT ? "missing" : "differ");
	}
	return 0;
}

/* --- GC, STATUS ------------------------------------------------------------------------ */

static int cmd_gc(struct skel_request *req, struct cni_error *err)
{
	_cleanup_(bridge_config_freep) struct bridge_config *c = NULL;
	_cleanup_free_ struct fw_attachment *valid = NULL;
	struct cni_error first = {}, e = {};
	int first_r = 0, r;

	r = bridge_config_parse(req->config, NULL, &c, err);
	if (r < 0)
		return r;
	if (c->ipam_type) {
		r = skel_delegate(req, c->ipam_type, "GC", req->stdin_data, req->stdin_len, &e);
		skel_keep_first(&first, &first_r, r, &e);
	}
	/* Without the list we cannot tell ours from theirs: keep everything. */
	if (json_is_array(req->valid_attachments)) {
		const json_t *va = req->valid_attachments, *o;
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
		for (int pass = 0; pass < 2; pass++) {
			_cleanup_free_ char *text = NULL;

			cni_error_clear(&e);
			r = pass == 0 ? fw_masq_gc(req->name, valid, n, &text)
				      : fw_macspoof_gc(req->name, valid, n, &text);
			if (r < 0)
				skel_text_error(&e,
					pass == 0 ? "GC of IP masquerade" : "GC of mac spoof check",
					r, text);
			skel_keep_first(&first, &first_r, r, &e);
		}
	}
	if (first_r < 0)
		*err = first;
	return first_r;
}

static int cmd_status(struct skel_request *req, struct cni_error *err)
{
	_cleanup_(bridge_config_freep) struct bridge_config *c = NULL;
	int r;

	r = bridge_config_parse(req->config, NULL, &c, err);
	if (r < 0)
		return r;
	if (!c->ipam_type)
		return 0;
	return skel_delegate(req, c->ipam_type, "STATUS", req->stdin_data, req->stdin_len, err);
}

int main(int argc, char **argv)
{
	static const struct skel_plugin plugin = {
		.name = "CNI bridge plugin (linen)",
		.versions = cni_versions_all,
		.add = cmd_add,
		.del = cmd_del,
		.check = cmd_check,
		.gc = cmd_gc,
		.status = cmd_status,
	};

	return skel_main(argc, argv, &plugin);
}
