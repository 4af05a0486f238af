/* SPDX-License-Identifier: Apache-2.0 */
/*
 * json-util.h - jansson ownership helpers.
 *
 * Owns: _cleanup_json_ (json_decref on scope exit) and small accessors used
 * at the JSON edges of every module.
 */
#pragma once

#include <jansson.h>
#include <strings.h>

#include "basic/macro.h"

/* Named apart from jansson >= 2.11's own json_decrefp(), which clashes. */
static inline void linen_json_decrefp(json_t **j)
{
	if (*j)
		json_decref(*j);
}

#define _cleanup_json_ _cleanup_(linen_json_decrefp)

/* A borrowed string member, or NULL when absent or not a string. */
static inline const char *json_object_get_string(const json_t *o, const char *key)
{
	json_t *v = json_object_get(o, key);

	return json_is_string(v) ? json_string_value(v) : NULL;
}

/*
 * Look a member up the way Go's encoding/json does: the exact key first, then
 * a case-insensitive match. Runtimes built on Go send capability arguments
 * with Go field names (containerd: "HostPort", "IngressRate"); the reference
 * plugins accept them, so config and capability parsing must too.
 */
static inline json_t *json_object_get_ci(const json_t *o, const char *key)
{
	const char *k;
	json_t *v = json_object_get(o, key);

	if (v || !json_is_object(o))
		return v;
	json_object_foreach((json_t *)o, k, v)
		if (strcasecmp(k, key) == 0)
			return v;
	return NULL;
}
