// SPDX-License-Identifier: Apache-2.0
/*
 * sbr-config.c - config, address selection, table ids and route choice of the sbr plugin.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "basic/godec.h"
#include "basic/macro.h"
#include "plugins/sbr/sbr-config.h"
#include "skel/plugin-config.h"

int sbr_config_parse(const json_t *config, struct sbr_config *ret, struct cni_error *err)
{
	const struct godec d = skel_godec(err, "failed to parse network configuration: ",
					  "PluginConf");
	struct sbr_config c = {};
	int64_t table = 0;
	int r;

	if ((r = skel_decode_netconf(&d, config, NULL)) < 0 ||
	    (r = godec_int(&d, config, "table", "int", INT64_MIN, INT64_MAX, &table,
			   &c.has_table)) < 0)
		return r;
	/* the kernel's table ids are 32 bits; 0 (unspec) and 255 (local) are not ours */
	if (c.has_table && (table <= 0 || table > UINT32_MAX))
		return cni_error_set(err, CNI_ERR_INVALID_CONFIG,
				     "failed to parse network configuration: invalid table %lld",
				     (long long)table);
	c.table = (int)table;
	cni_error_clear(err);
	*ret = c;
	return 0;
}

int sbr_select_ips(const struct cni_result *prev, const char *ifname, size_t **ret,
		   size_t *ret_n, struct cni_error *err)
{
	size_t *v, n = 0;

	if (prev->n_ips == 0)
		return cni_error_set(err, CNI_ERR_INTERNAL,
				     "No IP addresses supplied on interface: %s", ifname);
	v = calloc(prev->n_ips, sizeof(*v));
	if (!v)
		return -ENOMEM;
	for (size_t i = 0; i < prev->n_ips; i++) {
		int idx = prev->ips[i].interface;

		if (idx >= 0 && (size_t)idx < prev->n_interfaces &&
		    !streq(prev->interfaces[idx].name ? prev->interfaces[idx].name : "", ifname))
			continue;
		v[n++] = i;
	}
	*ret = v;
	*ret_n = n;
	return 0;
}

uint32_t sbr_next_table(const uint32_t *used, size_t n_used, uint32_t candidate)
{
	for (;;) {
		bool taken = false;

		for (size_t i = 0; i < n_used && !taken; i++)
			taken = used[i] == candidate;
		if (!taken)
			return candidate;
		candidate++;
	}
}

bool sbr_route_follows(const struct ip_prefix *address, const struct ip_addr *prefsrc,
		       const struct ip_addr *gw)
{
	struct ip_prefix net = *address;

	if (!prefsrc->family && !gw->family)
		return true;
	ip_prefix_mask(&net);
	return (prefsrc->family == net.addr.family && ip_prefix_contains(&net, prefsrc)) ||
	       (gw->family == net.addr.family && ip_prefix_contains(&net, gw));
}
