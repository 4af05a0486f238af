/* SPDX-License-Identifier: Apache-2.0 */
/*
 * error.h - CNI error codes and the error object.
 *
 * Owns: struct cni_error (code, msg, details in fixed buffers so error paths
 * never allocate) and its JSON form {"cniVersion","code","msg","details"}.
 */
#pragma once

#include <jansson.h>

#include "basic/macro.h"

enum cni_error_code {
	CNI_ERR_UNKNOWN = 0,
	CNI_ERR_INCOMPATIBLE_VERSION = 1,
	CNI_ERR_UNSUPPORTED_FIELD = 2,
	CNI_ERR_UNKNOWN_CONTAINER = 3,
	CNI_ERR_INVALID_ENV = 4,
	CNI_ERR_IO = 5,
	CNI_ERR_DECODE = 6,
	CNI_ERR_INVALID_CONFIG = 7,
	CNI_ERR_INVALID_NETNS = 8,
	CNI_ERR_TRY_AGAIN = 11,
	CNI_ERR_NOT_AVAILABLE = 50,
	CNI_ERR_LIMITED = 51,
	CNI_ERR_INTERNAL = 999,
};

struct cni_error {
	unsigned code;
	char msg[1024];
	char details[1024];
};

/* Fill code and msg, clear details. Returns -EINVAL so callers can `return cni_error_set(...)`. */
int cni_error_set(struct cni_error *e, unsigned code, const char *fmt, ...) _printf_(3, 4);
/* Set details. Returns -EINVAL. */
int cni_error_set_details(struct cni_error *e, const char *fmt, ...) _printf_(2, 3);
/* Empty the error (code 0, empty msg and details). */
void cni_error_clear(struct cni_error *e);
/* true when msg has been set. */
static inline int cni_error_is_set(const struct cni_error *e)
{
	return e && e->msg[0] != '\0';
}
/* {"cniVersion", "code", "msg", "details"?}; NULL on allocation failure. */
json_t *cni_error_to_json(const struct cni_error *e, const char *cni_version);
/* Read an error object (needs a numeric "code"); -EINVAL if j is not one. */
int cni_error_from_json(const json_t *j, struct cni_error *ret);
