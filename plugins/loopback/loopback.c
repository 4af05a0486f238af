// SPDX-License-Identifier: Apache-2.0
/*
 * loopback - the CNI plugin that brings up `lo` in the container's namespace.
 *
 * A drop-in replacement for the reference loopback plugin: CNI_IFNAME is ignored (it is always
 * `lo`); ADD sets it up and refuses a loopback that carries a non-loopback address; the result is
 * prevResult unchanged when chained, else interface `lo` (MAC 00:00:00:00:00:00, sandbox =
 * CNI_NETNS) with its first IPv4 and first IPv6 address. DEL sets it down and succeeds when
 * CNI_NETNS is empty or the namespace is gone. CHECK requires it up. GC and STATUS have nothing
 * to do. No config fields. Every spec version.
 *
 * One deliberate difference: below spec 1.0.0 the reference prints its 1.0.0-shaped result
 * under the old version number (no ip4/ip6, no ips[].version), which those versions' parsers
 * misread; we render the same data by the spec's conversion rules (skel does).
 */
#include <errno.h>
#include <string.h>

#include "netlink/netlink.h"
#include "skel/plugin-config.h"
#include "skel/skel.h"

#define LO "lo"

/* Go's net.IP.IsLoopback: 127.0.0.0/8 (also IPv4-mapped) and ::1. */
static bool addr_is_loopback(const struct ip_addr *a)
{
	static const uint8_t mapped[12] = { [10] = 0xff, [11] = 0xff };
	static const uint8_t one[16] = { [15] = 1 };

	if (a->family == AF_INET)
		return a->bytes[0] == 127;
	if (memcmp(a->bytes, mapped, sizeof(mapped)) == 0)
		return a->bytes[12] == 127;
	return memcmp(a->bytes, one, sizeof(one)) == 0;
}

static int open_lo(const char *netns, struct nl_sock **ret_sk, struct nl_link *ret_lo,
		   struct cni_error *err)
{
	_cleanup_(nl_sock_freep) struct nl_sock *sk = NULL;
	int r;

	r = nl_sock_open_netns_path(netns, &sk);
	if (r < 0)
		return cni_error_set(err, CNI_ERR_INTERNAL, "failed to open netns %s: %s", netns,
				     strerror(-r));
	r = nl_link_get_by_name(sk, LO, ret_lo);
	if (r < 0)
		return cni_error_set(err, CNI_ERR_INTERNAL, "failed to look up %s: %s", LO,
				     strerror(-r));
	*ret_sk = TAKE_PTR(sk);
	return 0;
}

/* The first address of the family, after checking that every one is a loopback address. */
static int first_loopback_addr(struct nl_sock *sk, int ifindex, int family,
			       struct ip_prefix *ret, bool *ret_found, struct cni_error *err)
{
	_cleanup_free_ struct nl_addr *v = NULL;
	size_t n = 0;
	int r;

	r = nl_addr_dump(sk, family, ifindex, &v, &n);
	if (r < 0)
		return cni_error_set(err, CNI_ERR_INTERNAL, "failed to list addresses of %s: %s", LO,
				     strerror(-r));
	for (size_t i = 0; i < n; i++)
		if (!addr_is_loopback(&v[i].prefix.addr)) {
			char s[IP_ADDR_STRLEN];

			return cni_error_set(err, CNI_ERR_INTERNAL,
					     "loopback interface found with non-loopback address \"%s\"",
					     ip_addr_to_string(&v[i].prefix.addr, s));
		}
	*ret_found = n > 0;
	if (n > 0)
		*ret = v[0].prefix;
	return 0;
}

/* No fields of its own, but the embedded types.NetConf is decoded as the reference does. */
static int parse_conf(const struct skel_request *req, struct cni_error *err)
{
	const struct godec d = skel_godec(err, "failed to parse network config: ", "NetConf");
	int r = skel_decode_netconf(&d, req->config, NULL);

	if (r >= 0)
		cni_error_clear(err);
	return r;
}

static int cmd_add(struct skel_request *req, struct cni_result **ret_result,
		   struct cni_error *err)
{
	_cleanup_(nl_sock_freep) struct nl_sock *sk = NULL;
	_cleanup_(cni_result_freep) struct cni_result *res = NULL;
	struct ip_prefix a4 = {}, a6 = {};
	bool has4 = false, has6 = false;
	struct nl_link lo;
	int r;

	r = parse_conf(req, err);
	if (r < 0)
		return r;
	r = open_lo(req->netns, &sk, &lo, err);
	if (r < 0)
		return r;
	if (!nl_link_is_up(&lo)) {
		r = nl_link_set_up(sk, lo.ifindex, true);
		if (r < 0)
			return cni_error_set(err, CNI_ERR_INTERNAL, "failed to set %s up: %s", LO,
					     strerror(-r));
	}
	r = first_loopback_addr(sk, lo.ifindex, AF_INET, &a4, &has4, err);
	if (r < 0)
		return r;
	r = first_loopback_addr(sk, lo.ifindex, AF_INET6, &a6, &has6, err);
	if (r < 0)
		return r;

	/* Chained after another plugin: pass its result through untouched. */
	if (req->prev_result)
		res = TAKE_PTR(req->prev_result);
	else {
		res = cni_result_new();
		if (!res)
			return -ENOMEM;
		r = cni_result_add_interface(res, LO, "00:00:00:00:00:00", req->netns);
		if (r >= 0 && has4)
			r = cni_result_add_ip(res, &a4, NULL, 0);
		if (r >= 0 && has6)
			r = cni_result_add_ip(res, &a6, NULL, 0);
		if (r < 0)
			return r;
	}
	r = cni_result_set_version(res, req->cni_version);
	if (r < 0)
		return r;
	*ret_result = TAKE_PTR(res);
	return 0;
}

static int cmd_del(struct skel_request *req, struct cni_error *err)
{
	_cleanup_(nl_sock_freep) struct nl_sock *sk = NULL;
	struct nl_link lo;
	int r;

	if (!req->netns)
		return 0;
	r = nl_sock_open_netns_path(req->netns, &sk);
	/* The namespace is gone (or its mount point is a leftover file): so is its lo. */
	if (r == -ENOENT || r == -EINVAL)
		return 0;
	if (r < 0)
		return cni_error_set(err, CNI_ERR_INTERNAL, "failed to open netns %s: %s",
				     req->netns, strerror(-r));
	r = nl_link_get_by_name(sk, LO, &lo);
	if (r < 0)
		return cni_error_set(err, CNI_ERR_INTERNAL, "failed to look up %s: %s", LO,
				     strerror(-r));
	if (!nl_link_is_up(&lo))
		return 0;
	r = nl_link_set_up(sk, lo.ifindex, false);
	if (r < 0)
		return cni_error_set(err, CNI_ERR_INTERNAL, "failed to set %s down: %s", LO,
				     strerror(-r));
	return 0;
}

static int cmd_check(struct skel_request *req, struct cni_error *err)
{
	_cleanup_(nl_sock_freep) struct nl_sock *sk = NULL;
	struct nl_link lo;
	int r;

	r = parse_conf(req, err);
	if (r < 0)
		return r;
	r = open_lo(req->netns, &sk, &lo, err);
	if (r < 0)
		return r;
	if (!nl_link_is_up(&lo))
		return cni_error_set(err, CNI_ERR_INTERNAL, "loopback interface is down");
	return 0;
}

int main(int argc, char **argv)
{
	static const struct skel_plugin plugin = {
		.name = "CNI loopback plugin (linen)",
		.versions = cni_versions_all,
		.add = cmd_add,
		.del = cmd_del,
		.check = cmd_check,
	};

	return skel_main(argc, argv, &plugin);
}
