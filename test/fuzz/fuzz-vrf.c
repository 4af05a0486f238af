// SPDX-License-Identifier: Apache-2.0
/*
 * Fuzz the vrf plugin's config parser: an error has a message and no config; a config has
 * a non-empty VRF name.
 */
#include <stdint.h>
#include <stdlib.h>

#include "basic/json-util.h"
#include "plugins/vrf/vrf-config.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	_cleanup_json_ json_t *j = NULL;
	struct vrf_config *c = NULL;
	struct cni_error err = {};

	j = json_loadb((const char *)data, size, JSON_DECODE_ANY, NULL);
	if (!j)
		return 0;
	if (vrf_config_parse(j, &c, &err) < 0) {
		if (c || !err.msg[0])
			abort();
		return 0;
	}
	if (!c->vrfname || !*c->vrfname)
		abort();
	vrf_config_free(c);
	return 0;
}
