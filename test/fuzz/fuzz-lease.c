// SPDX-License-Identifier: Apache-2.0
/* Fuzz flannel's lease key and value parsers: whatever parses must re-encode and re-parse equal. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "linend/lease.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char key[64], *val = NULL;
	struct ip_prefix s4, s6;
	struct lease_attrs a, b;
	size_t n = size < sizeof(key) - 1 ? size : sizeof(key) - 1;

	memcpy(key, data, n);
	key[n] = 0;
	if (lease_key_parse(key, &s4, &s6) == 0) {
		char out[LEASE_KEY_MAX];

		lease_key_format(&s4, &s6, out);
		if (lease_key_parse(out, &s4, &s6) < 0)
			abort();
	}
	if (lease_attrs_parse((const char *)data, size, &a) < 0)
		return 0;
	if (lease_attrs_format(&a, &val) < 0)
		abort();
	if (lease_attrs_parse(val, strlen(val), &b) < 0 || !lease_attrs_equal(&a, &b))
		abort();
	free(val);
	return 0;
}
