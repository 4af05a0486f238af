/* SPDX-License-Identifier: Apache-2.0 */
/*
 * gojson.h - JSON text exactly as Go's encoding/json.Marshal writes it.
 *
 * Owns: rendering a jansson value byte for byte like the reference flannel
 * plugin's json.Marshal of a map[string]interface{}: compact, object keys
 * sorted (Go maps) unless the caller marks an object as a Go struct (fields
 * in declaration order = our insertion order), every number formatted as a
 * float64 (strconv 'f'/'e' shortest form), strings with Go's escapes
 * (\u003c \u003e \u0026 \u2028 \u2029, lowercase hex). Files the reference
 * wrote and files we write are then the same bytes.
 */
#pragma once

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

/* Decides whether an object is a Go struct (keep insertion order) rather than a map. */
typedef bool (*gojson_is_struct_fn)(const json_t *object, void *userdata);

/* Render v; is_struct may be NULL (every object is a map). NULL on allocation failure or
 * when v holds something Go cannot produce (NaN/Inf). The string has no trailing newline. */
char *gojson_dumps(const json_t *v, gojson_is_struct_fn is_struct, void *userdata);

/* Format one float64 as encoding/json does, into buf (at least 32 bytes). Returns buf. */
const char *gojson_format_float(double f, char buf[static 32]);
