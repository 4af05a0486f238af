/* SPDX-License-Identifier: Apache-2.0 */
/*
 * static-config.h - the static IPAM plugin's config and the result it hands back.
 *
 * Owns: decoding the reference's static Net/IPAMConfig (addresses, routes, dns) through
 * godec, the address sources and their precedence (config addresses, then CNI_ARGS IP and
 * GATEWAY appended; args.cni.ips replaces them all; runtimeConfig.ips replaces again), the
 * reference's error texts, the result built from it, and CHECK's address comparison.
 */
#pragma once

#include <jansson.h>

#include "basic/ip.h"
#include "libcni/args.h"
#include "libcni/error.h"
#include "libcni/result.h"

struct static_address {
	struct ip_prefix address; /* host bits kept, as the reference prints them */
	struct ip_addr gateway;   /* family 0 = none */
};

struct static_config {
	struct static_address *addrs;
	size_t n_addrs;
	struct cni_route *routes;
	size_t n_routes;
	struct cni_dns dns;
};

struct static_config *static_config_free(struct static_config *c);
DEFINE_TRIVIAL_CLEANUP_FUNC(struct static_config *, static_config_free);

/*
 * Decode config (the whole stdin object) as the reference's LoadIPAMConfig does, with
 * CNI_ARGS in args (may be NULL) and the config's cniVersion. Errors: code 7 with the
 * reference's text (a type error, "IPAM config missing 'ipam' key", a bad CIDR...), code 4
 * for unknown CNI_ARGS keys.
 */
int static_config_parse(const json_t *config, const char *cni_version,
			const struct cni_args *args, struct static_config **ret,
			struct cni_error *err);

/* The ADD result: the addresses (with gateways) in order, the routes and dns. */
int static_config_result(const struct static_config *c, struct cni_result **ret);

/*
 * CHECK as the reference does it: a configured address found in prev must carry the
 * configured gateway, when one is configured. A configured address missing from prev is
 * not an error there either. Code 999 "static: Failed to match addr <ip> on interface <if>".
 */
int static_config_check(const struct static_config *c, const struct cni_result *prev,
			const char *ifname, struct cni_error *err);
