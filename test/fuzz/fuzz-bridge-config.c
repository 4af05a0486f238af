// SPDX-License-Identifier: Apache-2.0
/*
 * Fuzz the bridge plugin's config parser (the whole stdin object is outside input), with the
 * input's first line used as CNI_ARGS; on every config that parses, check the invariants the
 * plugin relies on and run the gateway arithmetic on a small result.
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "basic/json-util.h"
#include "plugins/bridge/bridge-config.h"

static void check(const struct bridge_config *c)
{
	struct ip_prefix gws[2];
	struct ip_prefix p;
	size_t n = 0;
	struct cni_result *r;

	if (strlen(c->bridge) == 0 || strlen(c->bridge) >= BRIDGE_IFNAMSIZ ||
	    strchr(c->bridge, '/'))
		abort();
	if (c->vlan > 4094 || (c->vlan && c->n_trunk))
		abort();
	for (size_t i = 0; i < c->n_trunk; i++)
		if (c->trunk[i] < 1 || c->trunk[i] > 4094 || (i && c->trunk[i] <= c->trunk[i - 1]))
			abort();
	if (c->is_default_gw && !c->is_gw)
		abort();
	if (c->has_mac && strlen(c->mac_str) != 17)
		abort();

	r = cni_result_new();
	if (!r)
		return;
	if (ip_prefix_parse("10.1.2.3/24", &p) == 0)
		(void)cni_result_add_ip(r, &p, NULL, -1);
	if (ip_prefix_parse("fd00::3/64", &p) == 0)
		(void)cni_result_add_ip(r, &p, NULL, -1);
	if (bridge_calc_gateways(r, c, gws, &n) == 0 && (n > r->n_ips || (c->is_gw && n != 2)))
		abort();
	cni_result_free(r);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const uint8_t *nl = memchr(data, '\n', size);
	_cleanup_free_ char *argstr = NULL;
	_cleanup_json_ json_t *j = NULL;
	struct bridge_config *c = NULL;
	struct cni_args a = {};
	struct cni_error err = {};
	size_t off = 0;
	int r;

	if (nl) {
		argstr = strndup((const char *)data, (size_t)(nl - data));
		off = (size_t)(nl - data) + 1;
	}
	j = json_loadb((const char *)data + off, size - off, 0, NULL);
	if (!j)
		return 0;
	if (argstr && cni_args_parse(argstr, &a, &err) < 0)
		return 0;
	r = bridge_config_parse(j, argstr ? &a : NULL, &c, &err);
	if (r == 0) {
		check(c);
		bridge_config_free(c);
	} else if (r != -ENOMEM && !err.msg[0])
		abort(); /* every refusal tells the runtime why */
	cni_args_done(&a);
	return 0;
}
