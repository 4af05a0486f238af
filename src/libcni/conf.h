/* SPDX-License-Identifier: Apache-2.0 */
/*
 * conf.h - network configuration lists.
 *
 * Owns: parsing and validating .conflist (and legacy .conf wrapped as a
 * list), loading a network by name from a config directory (with plugin
 * aggregation from <dir>/<name>/ *.conf files), the effective spec version, and the
 * name validators shared with the SDK (container id, ifname, network name,
 * plugin type).
 */
#pragma once

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

#include "basic/macro.h"
#include "libcni/error.h"

struct cni_plugin_conf {
	char *type;
	json_t *json; /* the whole plugin object, owned */
};

struct cni_conflist {
	char *name;
	char *cni_version;   /* may be NULL when absent */
	char **cni_versions; /* NULL-terminated, NULL when absent */
	bool disable_check, disable_gc, load_only_inlined;
	struct cni_plugin_conf *plugins;
	size_t n_plugins;
	char *bytes; /* the source bytes (NUL-terminated) */
	size_t len;
};

int cni_conflist_from_bytes(const char *data, size_t len, struct cni_conflist **ret,
			    struct cni_error *err);
/* A legacy single-plugin .conf wrapped as a list of one. */
int cni_conflist_from_conf_bytes(const char *data, size_t len, struct cni_conflist **ret,
				 struct cni_error *err);
/* Read a .conflist / .conf / .json file by extension. */
int cni_conflist_from_file(const char *path, struct cni_conflist **ret, struct cni_error *err);
/* Lexical order: *.conflist first match by name, then legacy *.conf / *.json; plugins from
 * <dir>/<name>/ (*.conf files) are appended unless loadOnlyInlinedPlugins.
 * -ENOENT if none matched. */
int cni_conflist_load(const char *dir, const char *name, struct cni_conflist **ret,
		      struct cni_error *err);
/* Highest of cniVersion and cniVersions (entries above CNI_VERSION_LATEST or unparsable are
 * dropped); "0.1.0"... never NULL: falls back to "0.1.0" like the reference's default. */
const char *cni_conflist_effective_version(const struct cni_conflist *l);
struct cni_conflist *cni_conflist_free(struct cni_conflist *l);
DEFINE_TRIVIAL_CLEANUP_FUNC(struct cni_conflist *, cni_conflist_free);

/* ^[a-zA-Z0-9][a-zA-Z0-9_.\-]*$, code 4 (empty: code 4 "missing"). */
int cni_validate_container_id(const char *id, struct cni_error *err);
/* <= 15 bytes, not "." or "..", no '/', ':' or whitespace; code 4. */
int cni_validate_ifname(const char *ifname, struct cni_error *err);
/* Same regex as the container id, code 7. */
int cni_validate_network_name(const char *name, struct cni_error *err);
/* Non-empty, no '/' or '\'; code 7. */
int cni_validate_plugin_type(const char *type, struct cni_error *err);
