/* SPDX-License-Identifier: Apache-2.0 */
/*
 * godec.h - reading a plugin config the way Go's encoding/json fills a struct.
 *
 * Owns: the one decoder every plugin config, IPAM config and capability argument goes
 * through, with encoding/json's rules: a key matches a field by its exact name or ASCII
 * case-insensitively, and Go decodes every matching key in document order, so the last one
 * given wins and a wrong type in any of them is an error; JSON null leaves the field as it
 * was; a value of the wrong JSON type is Go's UnmarshalTypeError, word for
 * word ("json: cannot unmarshal string into Go struct field NetConf.mtu of type int"), and
 * so is a number that is not an integer or does not fit the Go type ("number 1.5 ...",
 * "number -1 ... of type uint64"). The reference plugins print that text after their own
 * prefix ("failed to load netconf: "), so runtimes and users see the same words from us.
 *
 * Known gaps, both rare: a type error is reported in the order the parser asks for fields,
 * where Go reports the first one in document order (matters only with two wrong keys); a
 * number's text in the message is its shortest float form ("1e3" reads back as "1000"),
 * as jansson keeps no literal; integers beyond int64 already fail in the JSON loader.
 *
 * Pure (jansson only) and free of libcni, so src/ipam can use it; the caller turns the
 * -EINVAL and the message into its own error (a CNI error with code 7 in the plugins).
 */
#pragma once

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define GODEC_MSG_MAX 1024

/* Where a type error is reported: the Go struct being filled and the JSON path to it. */
struct godec {
	const char *prefix;     /* before every message, e.g. "failed to load netconf: " */
	const char *strct;      /* innermost Go struct type, "NetConf"; "" for an anonymous one */
	const char *path;       /* field names from the top down to this struct, "" at the top */
	char *msg;              /* receives the message, msg_size bytes */
	size_t msg_size;
};

/* Go's lookup: the last key equal to key ignoring ASCII case whose value is not null. NULL
 * when there is none or o is not an object (Go leaves the field alone). No type check: the
 * accessors below are for fields; this is for code that only peeks. */
json_t *godec_get(const json_t *o, const char *key);

/* A member of a Go map[string]interface{} (a delegate config, flannel's ipam): map keys
 * match exactly, unlike struct fields, and a null value is present. */
static inline json_t *godec_map_get(const json_t *map, const char *key)
{
	return json_object_get(map, key);
}

/* The word encoding/json uses for a JSON value's kind: "string", "number", "object"... */
const char *godec_kind(const json_t *v);

/* Write "json: cannot unmarshal <kind> into Go struct field <strct>.<path.>key of type
 * <gotype>" (after d->prefix) to d->msg. Returns -EINVAL. */
int godec_type_error(const struct godec *d, const json_t *v, const char *key,
		     const char *gotype);

/*
 * A nested struct's context: field key of d holds a struct of Go type strct. path_buf (at
 * least GODEC_PATH_MAX bytes) holds the joined path; it must outlive the returned context.
 */
#define GODEC_PATH_MAX 256
struct godec godec_nested(const struct godec *d, const char *strct, const char *key,
			  char path_buf[static GODEC_PATH_MAX]);

/*
 * The typed accessors. Each leaves *ret untouched when the key is absent or null (so the
 * caller's default stays, and a later source can override an earlier one), sets *present
 * (when not NULL) to true when it was given, and returns 0, -EINVAL with Go's type error in
 * d->msg, or -ENOMEM. ret may be NULL to only check the type.
 */
int godec_bool(const struct godec *d, const json_t *o, const char *key, bool *ret,
	       bool *present);
/* A Go integer type named gotype ("int", "uint64", "int32"...) holding [min, max]. */
int godec_int(const struct godec *d, const json_t *o, const char *key, const char *gotype,
	      int64_t min, int64_t max, int64_t *ret, bool *present);
/* A Go uint64 (jansson's integers stop at INT64_MAX). */
int godec_uint64(const struct godec *d, const json_t *o, const char *key, const char *gotype,
		 uint64_t *ret, bool *present);
/* A borrowed string. */
int godec_string(const struct godec *d, const json_t *o, const char *key, const char **ret,
		 bool *present);
/* A Go type read from a JSON string (net.IP, types.IPNet): a type error names gotype. */
int godec_text(const struct godec *d, const json_t *o, const char *key, const char *gotype,
	       const char **ret, bool *present);
/* A Go []string as a NULL-terminated copy; *ret is freed and replaced when given. */
int godec_strv(const struct godec *d, const json_t *o, const char *key, char ***ret,
	       bool *present);
/* An object (a Go struct or map) of Go type gotype; borrowed. */
int godec_object(const struct godec *d, const json_t *o, const char *key, const char *gotype,
		 const json_t **ret);
/* An array of Go type gotype ("[]types.Route"); borrowed. */
int godec_array(const struct godec *d, const json_t *o, const char *key, const char *gotype,
		const json_t **ret);

/*
 * A Go map[string]string: calls fn for every member whose value is a string; a value of
 * another kind is a type error "... of type string" (null is skipped, as Go stores "").
 * The object itself must already have been read with godec_object.
 */
int godec_map_strings(const struct godec *d, const json_t *map, const char *key,
		      int (*fn)(const char *k, const char *v, void *userdata), void *userdata);

/* The shortest text that reads back as the number (for "number 1.5" in messages). */
const char *godec_number_text(const json_t *v, char buf[static 32]);
