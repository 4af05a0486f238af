/* SPDX-License-Identifier: Apache-2.0 */
/*
 * args.h - CNI_ARGS ("K=V;K2=V2").
 *
 * Owns: splitting CNI_ARGS into pairs the way the reference does (';'
 * separated, exactly one '=' per pair) and the IgnoreUnknown rule.
 */
#pragma once

#include <stddef.h>

#include "libcni/error.h"

struct cni_args {
	size_t n;
	char **keys;
	char **values;
};

/* s may be NULL or "" (no pairs). Error code 4 on a malformed pair; -ENOMEM. */
int cni_args_parse(const char *s, struct cni_args *ret, struct cni_error *err);
/* The value of the last pair named key, or NULL. */
const char *cni_args_get(const struct cni_args *a, const char *key);
/* An unknown key is an error (code 4) unless IgnoreUnknown is 1/true (any case). */
int cni_args_check_known(const struct cni_args *a, const char *const *known, struct cni_error *err);
void cni_args_done(struct cni_args *a);
