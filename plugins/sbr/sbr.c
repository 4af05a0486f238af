// SPDX-License-Identifier: Apache-2.0
/*
 * sbr.c - the source-based routing plugin (chained): each address of the interface gets a
 * rule "from <ip> lookup <table>" and a table of its own holding the interface's routes
 * (and a default via its gateway); the routes leave the main table. With "table" set, only
 * the rules are made and the table is the user's.
 *
 * We hold the same lock as the reference (flock on the netns file) so the two never pick
 * the same table at once.
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/rtnetlink.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <unistd.h>

#include "basic/macro.h"
#include "netlink/nl-addr.h"
#include "netlink/nl-link.h"
#include "netlink/nl-route.h"
#include "netlink/nl-rule.h"
#include "netlink/nl-sock.h"
#include "plugins/sbr/sbr-config.h"
#include "skel/plugin-net.h"
#include "skel/plugin-util.h"
#include "skel/skel.h"

/* flock(2) on the netns file, as the reference's filemutex does. -ENOENT when it is gone. */
static int lock_netns(const char *path, int *ret_fd)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		return -errno;
	if (flock(fd, LOCK_EX) < 0) {
		int r = -errno;

		close(fd);
		return r;
	}
	*ret_fd = fd;
	return 0;
}

static void host_prefix(const struct ip_addr *a, struct ip_prefix *ret)
{
	*ret = (struct ip_prefix){ .addr = *a, .len = (unsigned char)ip_family_bits(a->family) };
}

/* The tables no rule names, and the main table the reference's route list holds. */
static int used_tables(struct nl_sock *sk, uint32_t **ret, size_t *ret_n)
{
	_cleanup_free_ struct nl_rule *rules = NULL;
	uint32_t *v;
	size_t n = 0;
	int r;

	r = nl_rule_dump(sk, AF_UNSPEC, &rules, &n);
	if (r < 0)
		return r;
	v = calloc(n + 1, sizeof(*v));
	if (!v)
		return -ENOMEM;
	for (size_t i = 0; i < n; i++)
		v[i] = rules[i].table;
	v[n] = RT_TABLE_MAIN;
	*ret = v;
	*ret_n = n + 1;
	return 0;
}

static int add_fixed_table(struct nl_sock *sk, const struct sbr_config *c,
			   const struct cni_result *prev, const size_t *sel, size_t n_sel,
			   struct cni_error *err)
{
	for (size_t i = 0; i < n_sel; i++) {
		struct nl_rule rule = { .table = (uint32_t)c->table };
		int r;

		host_prefix(&prev->ips[sel[i]].address.addr, &rule.src);
		r = nl_rule_add(sk, &rule);
		if (r < 0 && r != -EEXIST)
			return skel_nl_error(err, sk, r, "failed to add rule");
	}
	return 0;
}

static int add_tables(struct nl_sock *sk, const char *ifname, const struct cni_result *prev,
		      const size_t *sel, size_t n_sel, struct cni_error *err)
{
	_cleanup_free_ struct nl_route *routes = NULL;
	_cleanup_free_ uint32_t *used = NULL;
	size_t n_routes = 0, n_used = 0;
	struct nl_link l;
	uint32_t table;
	int r;

	r = used_tables(sk, &used, &n_used);
	if (r < 0)
		return skel_nl_error(err, sk, r, "Failed to list all rules");
	table = sbr_next_table(used, n_used, SBR_FIRST_TABLE);
	r = nl_link_get_by_name(sk, ifname, &l);
	if (r < 0)
		return skel_nl_error(err, sk, r, "Cannot find network interface %s", ifname);
	r = nl_route_dump(sk, AF_UNSPEC, &(struct nl_route_filter){ .table = RT_TABLE_MAIN,
								    .oif = l.ifindex },
			  &routes, &n_routes);
	if (r < 0)
		return skel_nl_error(err, sk, r, "Unable to list routes");

	for (size_t i = 0; i < n_sel; i++) {
		const struct cni_ipconfig *ip = &prev->ips[sel[i]];
		struct nl_rule rule = { .table = table };
		char g[IP_ADDR_STRLEN];

		host_prefix(&ip->address.addr, &rule.src);
		r = nl_rule_add(sk, &rule);
		if (r < 0 && r != -EEXIST)
			return skel_nl_error(err, sk, r, "Failed to add rule");
		if (ip->gateway.family) {
			struct nl_route dflt = { .family = ip->address.addr.family,
						 .gw = ip->gateway, .oif = l.ifindex,
						 .table = table };

			dflt.dst.addr.family = dflt.family;
			r = nl_route_add(sk, &dflt);
			if (r < 0 && r != -EEXIST)
				return skel_nl_error(err, sk, r,
						     "Failed to add default route to %s",
						     ip_addr_to_string(&ip->gateway, g));
		}
		/* the interface's routes of this address follow it into its table */
		for (size_t k = 0; k < n_routes; k++) {
			struct nl_route rt = routes[k];

			if (!sbr_route_follows(&ip->address, &rt.prefsrc, &rt.gw))
				continue;
			rt.table = table;
			rt.flags = 0;
			r = nl_route_replace(sk, &rt);
			if (r < 0)
				return skel_nl_error(err, sk, r, "Failed to readd route");
		}
		table = sbr_next_table(used, n_used, table + 1);
	}
	for (size_t k = 0; k < n_routes; k++) {
		r = nl_route_del(sk, &routes[k]);
		if (r < 0)
			return skel_nl_error(err, sk, r, "Failed to delete route");
	}
	return 0;
}

static int cmd_add(struct skel_request *req, struct cni_result **ret_result,
		   struct cni_error *err)
{
	_cleanup_(nl_sock_freep) struct nl_sock *sk = NULL;
	_cleanup_free_ size_t *sel = NULL;
	_cleanup_close_ int lock = -EBADF;
	struct sbr_config c;
	size_t n_sel = 0;
	int r;

	r = sbr_config_parse(req->config, &c, err);
	if (r < 0)
		return r;
	if (!req->prev_result)
		return cni_error_set(err, CNI_ERR_INTERNAL,
				     "This plugin must be called as chained plugin");
	r = sbr_select_ips(req->prev_result, req->ifname, &sel, &n_sel, err);
	if (r < 0)
		return r;
	r = lock_netns(req->netns, &lock);
	if (r >= 0)
		r = nl_sock_open_netns_path(req->netns, &sk);
	if (r < 0)
		return cni_error_set(err, CNI_ERR_INTERNAL, "failed to open netns \"%s\": %s",
				     req->netns, strerror(-r));
	r = c.has_table ? add_fixed_table(sk, &c, req->prev_result, sel, n_sel, err) :
			  add_tables(sk, req->ifname, req->prev_result, sel, n_sel, err);
	if (r < 0)
		return r;
	return skel_pass_prev_result(req, ret_result);
}

/* Rules whose source is an address of ifname, and (ours) the routes of ifname they led to. */
static int tidy(struct nl_sock *sk, const struct sbr_config *c, const char *ifname,
		struct cni_error *err)
{
	_cleanup_free_ struct nl_rule *rules = NULL;
	_cleanup_free_ struct nl_addr *addrs = NULL;
	size_t n_rules = 0, n_addrs = 0;
	struct cni_error first = {};
	int first_r = 0, r;
	struct nl_link l;

	r = nl_rule_dump(sk, AF_UNSPEC, &rules, &n_rules);
	if (r < 0)
		return skel_nl_error(err, sk, r, "Failed to list all rules to tidy");
	r = nl_link_get_by_name(sk, ifname, &l);
	if (r == -ENODEV)
		return 0;
	if (r < 0)
		return skel_nl_error(err, sk, r, "Failed to get link %s", ifname);
	r = nl_addr_dump(sk, AF_UNSPEC, l.ifindex, &addrs, &n_addrs);
	if (r < 0)
		return skel_nl_error(err, sk, r, "Failed to list all addrs");

	for (size_t i = 0; i < n_rules; i++) {
		const struct nl_rule *rule = &rules[i];
		bool mine = false;

		if (!rule->src.addr.family || (c->has_table && rule->table != (uint32_t)c->table))
			continue;
		for (size_t k = 0; k < n_addrs && !mine; k++)
			mine = ip_addr_equal(&rule->src.addr, &addrs[k].prefix.addr);
		if (!mine)
			continue;
		r = nl_rule_del(sk, rule);
		if (r < 0) {
			struct cni_error e = {};

			skel_nl_error(&e, sk, r, "Failed to delete rule");
			skel_keep_first(&first, &first_r, r, &e);
			continue;
		}
		/* the table we made for it: the routes of ifname there go too */
		if (!c->has_table && rule->table != RT_TABLE_MAIN && rule->table != RT_TABLE_LOCAL &&
		    rule->table != RT_TABLE_DEFAULT) {
			_cleanup_free_ struct nl_route *routes = NULL;
			size_t n = 0;

			if (nl_route_dump(sk, AF_UNSPEC,
					  &(struct nl_route_filter){ .table = rule->table,
								     .oif = l.ifindex },
					  &routes, &n) < 0)
				continue;
			for (size_t k = 0; k < n; k++)
				(void)nl_route_del(sk, &routes[k]);
		}
	}
	if (first_r < 0) {
		*err = first;
		return first_r;
	}
	return 0;
}

static int cmd_del(struct skel_request *req, struct cni_error *err)
{
	_cleanup_(nl_sock_freep) struct nl_sock *sk = NULL;
	_cleanup_close_ int lock = -EBADF;
	struct sbr_config c;
	int r;

	r = sbr_config_parse(req->config, &c, err);
	if (r < 0)
		return r;
	if (!req->netns)
		return 0;
	r = lock_netns(req->netns, &lock);
	if (r >= 0)
		r = nl_sock_open_netns_path(req->netns, &sk);
	/* a namespace that is gone took its rules and routes with it */
	if (r == -ENOENT || r == -EINVAL)
		return 0;
	if (r < 0)
		return cni_error_set(err, CNI_ERR_INTERNAL, "failed to open netns \"%s\": %s",
				     req->netns, strerror(-r));
	return tidy(sk, &c, req->ifname, err);
}

/* The reference checks nothing; we check that every address still has its rule. */
static int cmd_check(struct skel_request *req, struct cni_error *err)
{
	_cleanup_(nl_sock_freep) struct nl_sock *sk = NULL;
	_cleanup_free_ struct nl_rule *rules = NULL;
	_cleanup_free_ size_t *sel = NULL;
	size_t n_sel = 0, n_rules = 0;
	struct sbr_config c;
	int r;

	r = sbr_config_parse(req->config, &c, err);
	if (r < 0)
		return r;
	if (!req->prev_result)
		return 0;
	r = sbr_select_ips(req->prev_result, req->ifname, &sel, &n_sel, err);
	if (r < 0)
		return r;
	r = nl_sock_open_netns_path(req->netns, &sk);
	if (r < 0)
		return cni_error_set(err, CNI_ERR_INTERNAL, "failed to open netns \"%s\": %s",
				     req->netns, strerror(-r));
	r = nl_rule_dump(sk, AF_UNSPEC, &rules, &n_rules);
	if (r < 0)
		return skel_nl_error(err, sk, r, "Failed to list all rules");
	for (size_t i = 0; i < n_sel; i++) {
		const struct ip_addr *a = &req->prev_result->ips[sel[i]].address.addr;
		char s[IP_ADDR_STRLEN];
		bool found = false;

		for (size_t k = 0; k < n_rules && !found; k++)
			found = ip_addr_equal(&rules[k].src.addr, a) &&
				rules[k].src.len == ip_family_bits(a->family) &&
				(!c.has_table || rules[k].table == (uint32_t)c.table);
		if (!found)
			return cni_error_set(err, CNI_ERR_INTERNAL, "sbr: no rule for source %s",
					     ip_addr_to_string(a, s));
	}
	return 0;
}

int main(int argc, char **argv)
{
	static const struct skel_plugin plugin = {
		.name = "CNI sbr plugin (linen)",
		.versions = cni_versions_all,
		.add = cmd_add,
		.del = cmd_del,
		.check = cmd_check,
	};

	return skel_main(argc, argv, &plugin);
}
