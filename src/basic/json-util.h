/* SPDX-License-Identifier: Apache-2.0 */
/*
 * json-util.h - jansson ownership helpers.
 *
 * Owns: _cleanup_json_ (json_decref on scope exit) and small accessors used
 * at the JSON edges of every module.
 */
#pragma once

#include <jansson.h>

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
