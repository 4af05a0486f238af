// SPDX-License-Identifier: Apache-2.0
/* Fuzz the network config parser: never crash; an accepted config has a consistent range. */
#include <stdint.h>
#include <stdlib.h>

#include "linend/netconfig.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct net_config c;
	char err[256], *dump = NULL;

	if (net_config_parse((const char *)data, size, &c, err, sizeof(err)) < 0)
		return 0;
	if (ip_addr_cmp(&c.subnet_min, &c.subnet_max) > 0 || c.subnet_len > 30)
		abort();
	if (net_config_format(&c, &dump) < 0)
		abort();
	free(dump);
	return 0;
}
