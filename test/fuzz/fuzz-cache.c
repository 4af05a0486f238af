// SPDX-License-Identifier: Apache-2.0
/*
 * Fuzz the result cache parser (files in /var/lib/cni/results survive reboots and crashes,
 * cni#1055): parse, render a v1 entry, parse the rendering, render again, compare.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "libcni/cache.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct cni_cache_entry *e = NULL, *f = NULL;
	char *out = NULL, *out2 = NULL;
	size_t len, len2;

	if (cni_cache_parse((const char *)data, size, &e) < 0)
		return 0;
	if (e->legacy || cni_cache_render(e, &out, &len) < 0)
		goto done;
	/* what we write must read back to the same thing */
	if (cni_cache_parse(out, len, &f) < 0)
		abort();
	if (cni_cache_render(f, &out2, &len2) < 0 || len != len2 || memcmp(out, out2, len) != 0)
		abort();
done:
	free(out);
	free(out2);
	cni_cache_entry_free(e);
	cni_cache_entry_free(f);
	return 0;
}
