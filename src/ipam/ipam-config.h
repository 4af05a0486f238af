/* SPDX-License-Identifier: Apache-2.0 */
/*
 * ipam-config.h - the host-local IPAM configuration, typed.
 *
 * Owns: parsing the "ipam" section of a plugin config (ranges / range sets,
 * the legacy top-level subnet/rangeStart/rangeEnd/gateway, the ipRanges
 * capability, routes, dataDir, resolvConf) plus the requested IPs from
 * CNI_ARGS IP=, args.cni.ips and runtimeConfig.ips, with the reference's
 * defaults, validation rules and error texts; and reading a resolv.conf into
 * DNS settings. Keys and type errors follow Go's encoding/json (basic/godec.h),
 * as the reference's json.Unmarshal into allocator.Net. Pure: no store access.
 */
#pragma once

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

#include "basic/ip.h"
#include "basic/macro.h"

/* Every ipam_* function that can fail for a user-visible reason writes a message here. */
#define IPAM_ERR_MAX 1024

#define IPAM_DEFAULT_DATA_DIR "/var/lib/cni/networks"

struct ipam_range {
	struct ip_prefix subnet; /* network address, host bits zero */
	struct ip_addr start;    /* inclusive */
	struct ip_addr end;      /* inclusive */
	struct ip_addr gateway;  /* never allocated */
};

struct ipam_range_set {
	struct ipam_range *ranges;
	size_t n_ranges;
};

struct ipam_route {
	struct ip_prefix dst; /* host bits kept as written */
	struct ip_addr gw;    /* family 0 = none */
	int mtu, advmss, priority; /* 0 = none */
	bool has_table, has_scope;
	int table, scope;
};

struct ipam_dns {
	char **nameservers; /* NULL-terminated, NULL = none */
	char *domain;
	char **search;
	char **options;
};

struct ipam_config {
	char *name;        /* network name (the store directory) */
	char *cni_version; /* config version, "0.1.0" when absent */
	struct ipam_range_set *sets;
	size_t n_sets;
	struct ipam_route *routes;
	size_t n_routes;
	char *data_dir;
	char *resolv_conf; /* NULL = none */
	struct ip_addr *requested; /* requested IPs, deduplicated, in the order given */
	size_t n_requested;
};

/*
 * Parse a whole plugin config (the IPAM plugin gets the caller's full config).
 * env_ip: the CNI_ARGS "IP" value or NULL. Returns 0, -ENOMEM, or -EINVAL with a
 * message in err (the reference's text where it has one).
 */
int ipam_config_parse(const json_t *netconf, const char *env_ip, struct ipam_config **ret,
		      char err[static IPAM_ERR_MAX]);
/*
 * Only what locating the store needs (name, cniVersion, ipam.dataDir); ranges
 * are not read. DEL and GC use this so that a range edited into an invalid
 * one can still release what was allocated under it.
 */
int ipam_config_parse_store(const json_t *netconf, struct ipam_config **ret,
			    char err[static IPAM_ERR_MAX]);
struct ipam_config *ipam_config_free(struct ipam_config *c);
DEFINE_TRIVIAL_CLEANUP_FUNC(struct ipam_config *, ipam_config_free);

/* Range membership: same family, inside [start, end]. */
bool ipam_range_contains(const struct ipam_range *r, const struct ip_addr *a);
/* The range of the set holding a, or NULL. */
const struct ipam_range *ipam_range_set_find(const struct ipam_range_set *s,
					     const struct ip_addr *a);
int ipam_range_set_family(const struct ipam_range_set *s);
/* "start-end,start-end" as the reference prints a range set. */
void ipam_range_set_to_string(const struct ipam_range_set *s, char *buf, size_t len);

/* Read a resolv.conf (nameserver, domain, search, options lines). -errno on I/O failure. */
int ipam_dns_parse_resolv_conf(const char *path, struct ipam_dns *ret);
/* Same, from text in memory. */
int ipam_dns_parse_resolv_text(const char *text, struct ipam_dns *ret);
void ipam_dns_done(struct ipam_dns *d);
