// SPDX-License-Identifier: Apache-2.0
/*
 * Fuzz the result model: parse any JSON as a result (the first byte picks
 * the default version), render it in every version, and check that each
 * rendering re-parses and renders to the same bytes.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "basic/json-util.h"
#include "libcni/result.h"
#include "libcni/version.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	_cleanup_json_ json_t *j = NULL;
	_cleanup_(cni_result_freep) struct cni_result *r = NULL;
	struct cni_error err = {};
	const char *def;

	if (size < 1 || size > 65536)
		return 0;
	def = cni_versions_all[data[0] % 7];
	j = json_loadb((const char *)data + 1, size - 1, 0, NULL);
	if (!j || cni_result_from_json(j, def, &r, &err) < 0)
		return 0;
	for (const char *const *v = cni_versions_all; *v; v++) {
		_cleanup_json_ json_t *a = NULL, *b = NULL;
		_cleanup_(cni_result_freep) struct cni_result *r2 = NULL;
		_cleanup_free_ char *sa = NULL, *sb = NULL;

		if (cni_result_to_json(r, *v, &a, &err) < 0) {
			if (!cni_error_is_set(&err))
				abort();
			continue;
		}
		if (cni_result_from_json(a, NULL, &r2, &err) < 0)
			abort();
		if (cni_result_to_json(r2, *v, &b, &err) < 0)
			abort();
		sa = cni_result_dumps(a);
		sb = cni_result_dumps(b);
		if (!sa || !sb || strcmp(sa, sb) != 0)
			abort();
	}
	return 0;
}
