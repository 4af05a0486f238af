// SPDX-License-Identifier: Apache-2.0
/*
 * Fuzz conflist parsing (list and legacy single-plugin forms): whatever is
 * accepted must satisfy the validation rules, and the stored bytes must parse
 * again to the same list.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "libcni/conf.h"
#include "libcni/version.h"

static void check(const struct cni_conflist *l)
{
	_cleanup_(cni_conflist_freep) struct cni_conflist *again = NULL;
	struct cni_error err = {};

	if (!l->name || cni_validate_network_name(l->name, &err) < 0 || l->n_plugins == 0)
		abort();
	for (size_t i = 0; i < l->n_plugins; i++)
		if (cni_validate_plugin_type(l->plugins[i].type, &err) < 0 || !l->plugins[i].json)
			abort();
	if (!cni_conflist_effective_version(l) || !l->bytes || strlen(l->bytes) > l->len)
		abort();
	if (cni_conflist_from_bytes(l->bytes, l->len, &again, &err) < 0)
		abort();
	if (strcmp(again->name, l->name) != 0 || again->n_plugins != l->n_plugins ||
	    strcmp(cni_conflist_effective_version(again), cni_conflist_effective_version(l)))
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	_cleanup_(cni_conflist_freep) struct cni_conflist *a = NULL, *b = NULL;
	struct cni_error err = {};

	if (size > 65536)
		return 0;
	if (cni_conflist_from_bytes((const char *)data, size, &a, &err) == 0)
		check(a);
	else if (!cni_error_is_set(&err))
		abort();
	if (cni_conflist_from_conf_bytes((const char *)data, size, &b, &err) == 0) {
		check(b);
		if (b->n_plugins != 1)
			abort();
	}
	return 0;
}
