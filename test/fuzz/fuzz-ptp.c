// SPDX-License-Identifier: Apache-2.0
/*
 * Fuzz the ptp plugin's config parser (the whole stdin object is outside input) and, when the
 * config carries a prevResult (as CHECK's does), the ADD plan built from that result: check
 * the invariants the plugin relies on (bounded counts, every container route on the container
 * interface, host addresses and routes full-length on the host veth, gateways of the right
 * family).
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "basic/json-util.h"
#include "plugins/ptp/ptp-config.h"

static void check_plan(const struct cni_result *r, const struct ptp_plan *p)
{
	if (p->n_cont_routes > 2 * r->n_ips || p->n_host_addrs > r->n_ips ||
	    p->n_host_routes > r->n_ips || p->n_ipam_routes > r->n_routes)
		abort();
	for (size_t i = 0; i < p->n_cont_routes; i++)
		if (p->cont_routes[i].oif != 7 || !p->cont_routes[i].prefsrc.family)
			abort();
	for (size_t i = 0; i < p->n_ipam_routes; i++)
		if (p->ipam_routes[i].oif != 7 ||
		    (p->ipam_routes[i].gw.family &&
		     p->ipam_routes[i].gw.family != p->ipam_routes[i].dst.addr.family))
			abort();
	for (size_t i = 0; i < p->n_host_addrs; i++)
		if (p->host_addrs[i].ifindex != 9 ||
		    p->host_addrs[i].prefix.len != ip_family_bits(p->host_addrs[i].prefix.addr.family))
			abort();
	for (size_t i = 0; i < p->n_host_routes; i++)
		if (p->host_routes[i].oif != 9 ||
		    p->host_routes[i].dst.len != ip_family_bits(p->host_routes[i].dst.addr.family))
			abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	_cleanup_json_ json_t *j = NULL;
	struct ptp_config *c = NULL;
	struct cni_result *r = NULL;
	struct cni_error err = {};
	json_t *prev;

	j = json_loadb((const char *)data, size, JSON_DECODE_ANY, NULL);
	if (!j)
		return 0;
	if (ptp_config_parse(j, &c, &err) < 0) {
		if (c || !err.msg[0])
			abort();
		return 0;
	}
	if (c->mtu > 65535 || (c->ipam_type && !*c->ipam_type))
		abort();
	prev = json_object_get(j, "prevResult");
	if (prev && cni_result_from_json(prev, "1.0.0", &r, &err) == 0) {
		struct ptp_plan p = {};

		if (ptp_plan_build(r, 7, 9, &p, &err) == 0)
			check_plan(r, &p);
		ptp_plan_done(&p);
		ptp_config_apply_dns(c, r);
		cni_result_free(r);
	}
	ptp_config_free(c);
	return 0;
}
