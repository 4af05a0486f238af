// SPDX-License-Identifier: Apache-2.0
/*
 * vrf-config.c - the vrf plugin's config parser and pure decisions. See vrf-config.h.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <linux/rtnetlink.h>

#include "basic/godec.h"
#include "plugins/vrf/vrf-config.h"
#include "skel/plugin-config.h"

struct vrf_config *vrf_config_free(struct vrf_config *c)
{
	if (!c)
		return NULL;
	free(c->vrfname);
	free(c);
	return NULL;
}

int vrf_config_parse(const json_t *config, struct vrf_config **ret, struct cni_error *err)
{
	_cleanup_(vrf_config_freep) struct vrf_config *c = NULL;
	const char *name = NULL;
	int64_t table = 0;
	struct godec d;
	int r;

	if (!json_is_object(config))
		return cni_error_set(err, CNI_ERR_DECODE, "failed to load netconf: not an object");
	c = calloc(1, sizeof(*c));
	if (!c)
		return -ENOMEM;
	d = skel_godec(err, "failed to load netconf: ", "VRFNetConf");
	if ((r = skel_decode_netconf(&d, config, NULL)) < 0 ||
	    (r = godec_string(&d, config, "vrfname", &name, NULL)) < 0 ||
	    (r = godec_int(&d, config, "table", "uint32", 0, UINT32_MAX, &table, NULL)) < 0)
		return r;
	cni_error_clear(err);
	if (!name || !*name)
		return cni_error_set(err, CNI_ERR_INVALID_CONFIG,
				     "configuration is expected to have a valid vrf name");
	c->vrfname = strdup(name);
	if (!c->vrfname)
		return -ENOMEM;
	c->table = (uint32_t)table;
	*ret = TAKE_PTR(c);
	return 0;
}

uint32_t vrf_free_table(const struct nl_link *links, size_t n)
{
	/* n links use at most n tables: one of 1..n+1 is free. */
	for (uint32_t t = 1; t <= (uint32_t)n + 1 && t != 0; t++) {
		bool used = false;

		for (size_t i = 0; i < n && !used; i++)
			used = streq(links[i].kind, "vrf") && links[i].vrf_table == t;
		if (!used)
			return t;
	}
	return 0;
}

bool vrf_route_to_move(const struct nl_route *r)
{
	/* The kernel's own (prefix, link-local, local table) come back in the VRF's table. */
	if ((r->table != RT_TABLE_MAIN && r->table != 0) || r->protocol == RTPROT_KERNEL)
		return false;
	return r->type == RTN_UNICAST || r->type == 0;
}
