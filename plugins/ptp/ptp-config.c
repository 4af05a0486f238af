// SPDX-License-Identifier: Apache-2.0
/*
 * ptp-config.c - the ptp plugin's config parser and ADD plan. See ptp-config.h.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>

#include "basic/godec.h"
#include "plugins/ptp/ptp-config.h"
#include "skel/plugin-config.h"

static void dns_done(struct cni_dns *d)
{
	strv_free(d->nameservers);
	free(d->domain);
	strv_free(d->search);
	strv_free(d->options);
	memset(d, 0, sizeof(*d));
}

struct ptp_config *ptp_config_free(struct ptp_config *c)
{
	if (!c)
		return NULL;
	free(c->ipam_type);
	dns_done(&c->dns);
	free(c);
	return NULL;
}

int ptp_config_parse(const json_t *config, struct ptp_config **ret, struct cni_error *err)
{
	_cleanup_(ptp_config_freep) struct ptp_config *c = NULL;
	const char *backend = NULL, *ipam_type = NULL;
	int64_t mtu = 0;
	struct godec d;
	int r;

	if (!json_is_object(config))
		return cni_error_set(err, CNI_ERR_DECODE, "failed to load netconf: not an object");
	c = calloc(1, sizeof(*c));
	if (!c)
		return -ENOMEM;

	d = skel_godec(err, "failed to load netconf: ", "NetConf");
	if ((r = godec_bool(&d, config, "ipMasq", &c->ip_masq, NULL)) < 0 ||
	    (r = godec_string(&d, config, "ipMasqBackend", &backend, NULL)) < 0 ||
	    (r = godec_int(&d, config, "mtu", "int", INT64_MIN, INT64_MAX, &mtu, NULL)) < 0 ||
	    (r = skel_decode_netconf(&d, config, &ipam_type)) < 0 ||
	    (r = skel_decode_dns(&d, config, &c->dns, &c->has_dns)) < 0)
		return r;
	cni_error_clear(err);
	/* Accepted for compatibility; masquerading always goes through our own nft table. */
	if (backend && *backend && !streq(backend, "iptables") && !streq(backend, "nftables"))
		return cni_error_set(err, CNI_ERR_INVALID_CONFIG, "unknown ipMasqBackend \"%.64s\"",
				     backend);
	if (mtu < 0 || mtu > 65535)
		return cni_error_set(err, CNI_ERR_INVALID_CONFIG, "invalid MTU %lld", (long long)mtu);
	c->mtu = (uint32_t)mtu;
	if (ipam_type) {
		c->ipam_type = strdup(ipam_type);
		if (!c->ipam_type)
			return -ENOMEM;
	}
	*ret = TAKE_PTR(c);
	return 0;
}

void ptp_config_apply_dns(struct ptp_config *c, struct cni_result *r)
{
	if (!c->has_dns)
		return;
	dns_done(&r->dns);
	r->dns = c->dns;
	memset(&c->dns, 0, sizeof(c->dns));
}

void ptp_plan_done(struct ptp_plan *p)
{
	free(p->cont_routes);
	free(p->ipam_routes);
	free(p->host_addrs);
	free(p->host_routes);
	memset(p, 0, sizeof(*p));
}

static bool route_planned(const struct nl_route *v, size_t n, const struct nl_route *r)
{
	for (size_t i = 0; i < n; i++)
		if (nl_route_equal(&v[i], r) && ip_addr_equal(&v[i].prefsrc, &r->prefsrc) &&
		    v[i].scope == r->scope)
			return true;
	return false;
}

static void push_route(struct nl_route *v, size_t *n, const struct nl_route *r)
{
	if (!route_planned(v, *n, r))
		v[(*n)++] = *r;
}

int ptp_plan_build(const struct cni_result *r, int cont_ifindex, int host_ifindex,
		   struct ptp_plan *ret, struct cni_error *err)
{
	_cleanup_(ptp_plan_done) struct ptp_plan p = {};
	const struct ip_addr *gw4 = NULL, *gw6 = NULL;

	p.cont_routes = calloc(2 * r->n_ips + 1, sizeof(*p.cont_routes));
	p.ipam_routes = calloc(r->n_routes + 1, sizeof(*p.ipam_routes));
	p.host_addrs = calloc(r->n_ips + 1, sizeof(*p.host_addrs));
	p.host_routes = calloc(r->n_ips + 1, sizeof(*p.host_routes));
	if (!p.cont_routes || !p.ipam_routes || !p.host_addrs || !p.host_routes)
		return -ENOMEM;

	for (size_t i = 0; i < r->n_ips; i++) {
		const struct cni_ipconfig *ip = &r->ips[i];
		int family = ip->address.addr.family;
		unsigned bits = ip_family_bits(family);
		struct ip_prefix gwhost = { .addr = ip->gateway, .len = bits };
		struct ip_prefix subnet = ip->address, self = { .addr = ip->address.addr, .len = bits };
		struct nl_addr ha = { .ifindex = host_ifindex, .prefix = gwhost };
		bool dup = false;
		char s[IP_PREFIX_STRLEN];

		/* Every route of ptp goes through the gateway: without one there is no link. */
		if (ip->gateway.family != family)
			return cni_error_set(err, CNI_ERR_INVALID_CONFIG,
					     "IPAM result has no %s gateway for %s: ptp needs one",
					     family == AF_INET ? "IPv4" : "IPv6",
					     ip_prefix_to_string(&ip->address, s));
		if (family == AF_INET && !gw4)
			gw4 = &ip->gateway;
		if (family == AF_INET6 && !gw6)
			gw6 = &ip->gateway;
		ip_prefix_mask(&subnet);

		push_route(p.cont_routes, &p.n_cont_routes, &(struct nl_route){
			.family = family, .dst = gwhost, .oif = cont_ifindex,
			.scope = RT_SCOPE_LINK, .prefsrc = ip->address.addr });
		/* A /32 (/128) address is its own subnet: the gateway route alone reaches out. */
		if (ip->address.len < bits)
			push_route(p.cont_routes, &p.n_cont_routes, &(struct nl_route){
				.family = family, .dst = subnet, .gw = ip->gateway,
				.oif = cont_ifindex, .prefsrc = ip->address.addr });

		for (size_t k = 0; k < p.n_host_addrs; k++)
			dup |= ip_prefix_equal(&p.host_addrs[k].prefix, &gwhost);
		if (!dup) {
			/* The gateway is ours on every host veth by design: no DAD for it. */
			ha.flags = family == AF_INET6 ? IFA_F_NODAD : 0;
			p.host_addrs[p.n_host_addrs++] = ha;
		}
		push_route(p.host_routes, &p.n_host_routes, &(struct nl_route){
			.family = family, .dst = self, .oif = host_ifindex });
	}

	for (size_t i = 0; i < r->n_routes; i++) {
		const struct cni_route *cr = &r->routes[i];
		int family = cr->dst.addr.family;
		struct nl_route nr = {
			.family = family,
			.dst = cr->dst,
			.gw = cr->gw,
			.oif = cont_ifindex,
			.priority = cr->priority > 0 ? (uint32_t)cr->priority : 0,
			.mtu = cr->mtu > 0 ? (uint32_t)cr->mtu : 0,
			.advmss = cr->advmss > 0 ? (uint32_t)cr->advmss : 0,
			.table = cr->has_table && cr->table > 0 ? (uint32_t)cr->table : 0,
			.scope = cr->has_scope ? (uint8_t)cr->scope : RT_SCOPE_UNIVERSE,
		};

		ip_prefix_mask(&nr.dst);
		if (nr.gw.family && nr.gw.family != family) {
			char d[IP_PREFIX_STRLEN], g[IP_ADDR_STRLEN];

			return cni_error_set(err, CNI_ERR_INVALID_CONFIG,
					     "route %s has a gateway of another family: %s",
					     ip_prefix_to_string(&cr->dst, d),
					     ip_addr_to_string(&cr->gw, g));
		}
		/* A route without a gateway goes via the first gateway of its family. */
		if (!nr.gw.family) {
			const struct ip_addr *g = family == AF_INET ? gw4 : gw6;

			if (g)
				nr.gw = *g;
		}
		push_route(p.ipam_routes, &p.n_ipam_routes, &nr);
	}
	*ret = p;
	memset(&p, 0, sizeof(p));
	return 0;
}

int ptp_random_veth_name(char buf[static PTP_IFNAMSIZ])
{
	uint8_t b[4];

	if (getrandom(b, sizeof(b), 0) != (ssize_t)sizeof(b))
		return -errno;
	snprintf(buf, PTP_IFNAMSIZ, "veth%02x%02x%02x%02x", b[0], b[1], b[2], b[3]);
	return 0;
}
