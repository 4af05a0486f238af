// SPDX-License-Identifier: Apache-2.0
/*
 * Fuzz CNI_ARGS parsing: an accepted string re-joined with ';' and '='
 * parses to the same pairs; the IgnoreUnknown check never crashes.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "libcni/args.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *const known[] = { "IP", "MAC", "K8S_POD_NAME", NULL };
	struct cni_args a = {}, b = {};
	struct cni_error err = {};
	char *s, *joined;
	size_t used = 0;

	if (size > 4096)
		return 0;
	s = strndup((const char *)data, size);
	if (!s)
		return 0;
	if (cni_args_parse(s, &a, &err) < 0) {
		free(s);
		return 0;
	}
	joined = calloc(1, size + 1);
	if (!joined)
		abort();
	for (size_t i = 0; i < a.n; i++) {
		if (strchr(a.keys[i], ';') || strchr(a.keys[i], '=') || strchr(a.values[i], ';') ||
		    strchr(a.values[i], '='))
			abort();
		used += (size_t)sprintf(joined + used, "%s%s=%s", i ? ";" : "", a.keys[i],
					a.values[i]);
	}
	if (strcmp(joined, s) != 0)
		abort();
	if (cni_args_parse(joined, &b, &err) < 0 || b.n != a.n)
		abort();
	(void)cni_args_check_known(&a, known, &err);
	cni_args_done(&a);
	cni_args_done(&b);
	free(joined);
	free(s);
	return 0;
}
