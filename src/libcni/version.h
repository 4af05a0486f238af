/* SPDX-License-Identifier: Apache-2.0 */
/*
 * version.h - CNI spec versions.
 *
 * Owns: the list of spec versions we speak and semver comparison of
 * version strings ("X.Y.Z", as the reference's version package parses them).
 */
#pragma once

#include <stdbool.h>

#define CNI_VERSION_LATEST "1.1.0"

/* "0.1.0", "0.2.0", "0.3.0", "0.3.1", "0.4.0", "1.0.0", "1.1.0", NULL */
extern const char *const cni_versions_all[];

/* Semver order; <0, 0, >0. An unparsable version sorts below every valid one. */
int cni_version_cmp(const char *a, const char *b);
/* true when v parses as X.Y.Z (non-negative decimal numbers). */
bool cni_version_valid(const char *v);
/* v >= min (false when v is unparsable). */
bool cni_version_ge(const char *v, const char *min);
/* v is exactly one of the NULL-terminated list. */
bool cni_version_in(const char *v, const char *const *list);
/* Parse "X.Y.Z" into numbers; -EINVAL when malformed. */
int cni_version_parse(const char *v, unsigned *ret_major, unsigned *ret_minor, unsigned *ret_micro);
