// SPDX-License-Identifier: Apache-2.0
/*
 * Fuzz the parsers of what etcd's HTTP/JSON gateway sends: the same bytes as a unary reply
 * (with a 200 and an error HTTP status), as one watch stream line, and as base64. Never
 * crash, never leak; the results themselves are not checked.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "linend/etcd.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const long statuses[] = { 200, 0, 404, 503 };
	struct etcd_watch_update u;
	struct etcd_result r;
	char *s, *dec = NULL;
	size_t len;

	for (size_t i = 0; i < sizeof(statuses) / sizeof(statuses[0]); i++) {
		if (etcd_result_parse((const char *)data, size, statuses[i], &r) == 0)
			etcd_result_done(&r);
	}
	if (etcd_watch_update_parse((const char *)data, size, &u) == 0)
		etcd_watch_update_done(&u);

	s = malloc(size + 1);
	if (!s)
		return 0;
	memcpy(s, data, size);
	s[size] = 0;
	if (etcd_base64_decode(s, &dec, &len) == 0)
		free(dec);
	free(s);
	return 0;
}
