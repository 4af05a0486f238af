// SPDX-License-Identifier: Apache-2.0
/*
 * backend-hostgw.c - flannel's host-gw backend: a plain route per remote lease,
 * `<subnet> via <PublicIP> dev <iface>` (and the IPv6 one via PublicIPv6), tagged with our
 * protocol. A peer the kernel does not reach directly on the external interface cannot be a
 * next hop: its lease is refused with a warning and counted (reason "not-on-link"), and
 * re-checked on every pass. Like flannel, refuses to start when the public address is not
 * the interface's own (NAT). MTU: the interface's.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "basic/log.h"
#include "linend/dataplane.h"

struct hostgw {
	struct dp *dp;
};

static enum dp_reject hostgw_accept(void *state, struct dp_lease *dl)
{
	struct hostgw *h = state;
	const struct lease *l = &dl->lease;
	bool v6 = dp_config(h->dp)->enable_ipv6 && l->subnet6.addr.family == AF_INET6 &&
		  l->attrs.public_ipv6.family == AF_INET6;

	/* a next hop the kernel cannot reach directly on the link would route into nowhere */
	if (!dp_on_link(h->dp, &l->attrs.public_ip) ||
	    (v6 && !dp_on_link(h->dp, &l->attrs.public_ipv6)))
		return DP_REJECT_NOT_ON_LINK;
	return DP_REJECT_NONE;
}

static int hostgw_lease_state(void *state, const struct dp_lease *dl, struct dp_state *s)
{
	struct hostgw *h = state;
	const struct net_config *cfg = dp_config(h->dp);
	int oif = dp_ext(h->dp)->ifindex;
	const struct lease *l = &dl->lease;
	struct nl_route rt = { .family = AF_INET, .dst = l->subnet, .gw = l->attrs.public_ip,
			       .oif = oif, .protocol = NL_RTPROT_LINEN };
	int r;

	if (cfg->enable_ipv4) {
		r = dp_state_add_route(s, &rt);
		if (r < 0)
			return r;
	}
	if (cfg->enable_ipv6 && l->subnet6.addr.family == AF_INET6 &&
	    l->attrs.public_ipv6.family == AF_INET6) {
		rt = (struct nl_route){ .family = AF_INET6, .dst = l->subnet6,
					.gw = l->attrs.public_ipv6, .oif = oif,
					.protocol = NL_RTPROT_LINEN };
		r = dp_state_add_route(s, &rt);
		if (r < 0)
			return r;
	}
	return 0;
}

/* host-gw has no devices of its own: routes only, on the external interface. */
static const struct dp_kind hostgw_kind = {
	.type = "host-gw",
	.lease_accept = hostgw_accept,
	.accept_hint = "host-gw needs every node on one link; use vxlan",
	.lease_state = hostgw_lease_state,
};

static int hostgw_register(const struct net_config *cfg, const struct backend_ext_iface *ext,
			   const struct backend_env *env, void **ret_state,
			   struct backend_network *ret)
{
	struct backend_network n = { .mtu = ext->mtu };
	struct hostgw *h;
	int r;

	for (int v6 = 0; v6 <= (cfg->enable_ipv6 ? 1 : 0); v6++) {
		const struct ip_addr *pub = v6 ? &ext->ext_addr6 : &ext->ext_addr;
		const struct ip_addr *own = v6 ? &ext->iface_addr6 : &ext->iface_addr;
		char a[IP_ADDR_STRLEN], b[IP_ADDR_STRLEN] = "none";

		if (ip_addr_equal(pub, own))
			continue;
		if (own->family)
			ip_addr_to_string(own, b);
		log_error("host-gw: the public address must be the interface's own (no NAT): "
			  "peers route to it directly; public IPv%c %s, %s has %s",
			  v6 ? '6' : '4', ip_addr_to_string(pub, a), ext->name, b);
		return -EINVAL;
	}
	h = calloc(1, sizeof(*h));
	if (!h)
		return -ENOMEM;
	r = dp_new(&hostgw_kind, h, cfg, ext, env, &h->dp);
	if (r < 0) {
		free(h);
		return r;
	}
	strcpy(n.type, "host-gw");
	*ret_state = h;
	*ret = n;
	return 0;
}

static int hostgw_acquired(void *state, const struct lease *own)
{
	return dp_lease_acquired(((struct hostgw *)state)->dp, own);
}

static int hostgw_added(void *state, const struct lease *l)
{
	return dp_lease_added(((struct hostgw *)state)->dp, l);
}

static int hostgw_removed(void *state, const struct lease *l)
{
	return dp_lease_removed(((struct hostgw *)state)->dp, l);
}

static int hostgw_reconcile(void *state)
{
	return dp_reconcile(((struct hostgw *)state)->dp);
}

static void hostgw_synced(void *state)
{
	dp_leases_synced(((struct hostgw *)state)->dp);
}

static int hostgw_metrics(void *state, FILE *f)
{
	return dp_metrics(((struct hostgw *)state)->dp, f);
}

static void hostgw_free(void *state)
{
	struct hostgw *h = state;

	if (!h)
		return;
	dp_free(h->dp);
	free(h);
}

const struct backend_ops backend_hostgw_ops = {
	.name = "host-gw",
	.register_network = hostgw_register,
	.lease_acquired = hostgw_acquired,
	.lease_added = hostgw_added,
	.lease_removed = hostgw_removed,
	.reconcile = hostgw_reconcile,
	.reconcile_interval_usec = DP_RECONCILE_INTERVAL_USEC,
	.leases_synced = hostgw_synced,
	.metrics = hostgw_metrics,
	.free = hostgw_free,
};
