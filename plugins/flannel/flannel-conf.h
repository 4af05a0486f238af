/* SPDX-License-Identifier: Apache-2.0 */
/*
 * flannel-conf.h - the pure half of the flannel CNI plugin.
 *
 * Owns: reading flanneld's subnet.env (comma-separated network lists,
 * de-duplicated, CIDRs in network form), reading the plugin's own config
 * keys (subnetFile, dataDir, delegate, ipam, runtimeConfig), building the
 * delegate config exactly like the reference plugin, and rendering it in
 * the reference's bytes (Go json.Marshal: keys sorted). No I/O beyond
 * reading subnet.env; the verbs and the saved files live in flannel.c.
 */
#pragma once

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

#include "basic/ip.h"
#include "libcni/error.h"

#define FLANNEL_DEFAULT_SUBNET_FILE "/run/flannel/subnet.env"
#define FLANNEL_DEFAULT_DATA_DIR "/var/lib/cni/flannel"

/* What flanneld wrote. Prefixes are in network form (10.1.17.1/24 → 10.1.17.0/24). */
struct flannel_env {
	struct ip_prefix *networks;   /* FLANNEL_NETWORK list, de-duplicated, in file order */
	size_t n_networks;
	struct ip_prefix *networks6;  /* FLANNEL_IPV6_NETWORK list */
	size_t n_networks6;
	bool has_subnet, has_subnet6;
	struct ip_prefix subnet, subnet6;
	bool has_mtu, has_ipmasq;
	unsigned mtu;
	bool ipmasq;
};

/* Parse subnet.env text; `path` only names the file in messages. Lines are split at the
 * first '=', unknown keys ignored, a later duplicate key wins. Missing keys → code 7
 * "<path> is missing FLANNEL_NETWORK, ..."; bad values → code 7 with Go's message. */
int flannel_env_parse(const char *data, size_t len, const char *path, struct flannel_env *ret,
		      struct cni_error *err);
/* Read and parse the file. -ENOENT (err set, code 5) when it does not exist. */
int flannel_env_load(const char *path, struct flannel_env *ret, struct cni_error *err);
void flannel_env_done(struct flannel_env *e);

/* The plugin's own keys; every pointer borrows from the config object. */
struct flannel_conf {
	const char *name;               /* "" when absent, like Go's zero value */
	const char *cni_version;        /* NULL when absent or empty */
	const char *subnet_file;        /* default FLANNEL_DEFAULT_SUBNET_FILE */
	const char *data_dir;           /* default FLANNEL_DEFAULT_DATA_DIR */
	const json_t *delegate;         /* object or NULL */
	const json_t *ipam;             /* object or NULL */
	const json_t *runtime_config;   /* object or NULL */
};

/* Read the keys; a key of the wrong JSON type is code 7 (the reference fails to unmarshal).
 * An empty subnetFile/dataDir means the default (the reference would use "" and write the
 * saved config into its working directory). */
int flannel_conf_parse(const json_t *config, struct flannel_conf *ret, struct cni_error *err);

/* The delegate config for ADD (and for DEL/CHECK/GC/STATUS when nothing was saved):
 * delegate keys win except name/cniVersion/ipam; defaults type=bridge, ipMasq=!IPMASQ,
 * mtu=MTU, isGateway=true (bridge only); ipam = input ipam, type host-local, ranges from
 * the subnets, routes = input routes + one per network. Errors: the reference's texts. */
int flannel_delegate_build(const struct flannel_conf *c, const struct flannel_env *env,
			   json_t **ret, struct cni_error *err);

/* When subnet.env is gone too: a host-local-only config that can still free this
 * container's address ({"cniVersion","name","ipam":{type,ranges,dataDir}}). The range is
 * a placeholder: host-local DEL/GC work on the whole <dataDir>/<name> store by owner, the
 * range only has to be valid. -EOPNOTSUPP when the configured IPAM is not host-local. */
int flannel_ipam_only_build(const struct flannel_conf *c, json_t **ret, struct cni_error *err);

/* Bytes of a delegate config as the reference saves and sends them (no trailing newline).
 * ipam.routes entries are Go structs (field order), everything else a map (sorted). */
char *flannel_delegate_dumps(const json_t *delegate);
