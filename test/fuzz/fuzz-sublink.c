// SPDX-License-Identifier: Apache-2.0
/*
 * Fuzz the config parser of macvlan, ipvlan, vlan and dummy (the whole stdin object and the
 * CNI_ARGS are outside input): the first byte picks the kind, and a CNI_ARGS string is taken
 * from the config's "args" member when it is a string. Invariants: an error has a message
 * and no config; a config has a mode of its kind, a VLAN ID in range, a MAC that parses.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "basic/json-util.h"
#include "basic/mac.h"
#include "plugins/macvlan/sublink-config.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const struct sublink_kind *const kinds[] = {
		&sublink_macvlan, &sublink_ipvlan, &sublink_vlan, &sublink_dummy,
	};
	const struct sublink_kind *k;
	_cleanup_json_ json_t *j = NULL;
	struct sublink_config *c = NULL;
	struct cni_args a = {};
	struct cni_error err = {};
	bool have_args = false;
	json_t *args;
	uint8_t mac[6];

	if (size < 1)
		return 0;
	k = kinds[data[0] % 4];
	j = json_loadb((const char *)data + 1, size - 1, JSON_DECODE_ANY, NULL);
	if (!j)
		return 0;
	args = json_object_get(j, "args");
	if (json_is_string(args))
		have_args = cni_args_parse(json_string_value(args), &a, &err) == 0;
	cni_error_clear(&err);
	if (sublink_config_parse(k, j, have_args ? &a : NULL, true, "failed to load netconf: ",
				 &c, &err) < 0) {
		if (c || !err.msg[0])
			abort();
		goto out;
	}
	if (k->modes && !sublink_mode_name(k, c->mode_value))
		abort();
	if (c->vlan_id < 0 || c->vlan_id > 4094)
		abort();
	if (c->mac && mac_parse_go(c->mac, mac) < 0)
		abort();
	if ((c->master && !*c->master) || (c->ipam_type && !*c->ipam_type) || !c->mode)
		abort();
	sublink_config_free(c);
out:
	if (have_args)
		cni_args_done(&a);
	return 0;
}
