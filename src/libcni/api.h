/* SPDX-License-Identifier: Apache-2.0 */
/*
 * api.h - internals behind the public include/cni/libcni.h.
 *
 * Owns: the handle structs of the public API and the chain runner (building each
 * plugin's request, running the chain for every verb, the GC and STATUS walks).
 * The public functions are thin wrappers that copy struct cni_error out.
 */
#pragma once

#include <jansson.h>
#include <stdbool.h>

#include "cni/libcni.h"
#include "libcni/conf.h"
#include "libcni/error.h"

struct libcni {
	char *cni_path;
	char *cache_dir;     /* the given one or the default */
	bool cache_dir_set;  /* given explicitly: wins over a per-attachment one */
	unsigned timeout_ms;
};

struct libcni_netconf {
	struct cni_conflist *list;
};

struct libcni_rt {
	char *container_id;
	char *netns;
	char *ifname;
	char **arg_keys;
	char **arg_values;
	size_t n_args;
	json_t *capability_args; /* object or NULL */
	char *cache_dir;         /* NULL: the handle's */
};

/* The request a plugin gets: its config with cniVersion and name injected, prevResult
 * (may be NULL), runtimeConfig = capability args it declared in "capabilities". */
int cni_build_request(const struct cni_plugin_conf *p, const char *name, const char *version,
		      const json_t *prev_result, const json_t *capability_args, json_t **ret);
