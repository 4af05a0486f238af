// SPDX-License-Identifier: Apache-2.0
/* Fuzz the address and prefix parsers: parse, print, parse again, compare. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "basic/ip.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char in[128], out[IP_PREFIX_STRLEN];
	struct ip_prefix p, q;

	if (size >= sizeof(in))
		return 0;
	memcpy(in, data, size);
	in[size] = 0;
	if (ip_prefix_parse_optional_len(in, &p) < 0)
		return 0;
	ip_prefix_to_string(&p, out);
	if (ip_prefix_parse(out, &q) < 0 || !ip_prefix_equal(&p, &q))
		abort();
	ip_prefix_mask(&q);
	if (!ip_prefix_contains(&q, &p.addr))
		abort();
	return 0;
}
