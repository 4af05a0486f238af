/* SPDX-License-Identifier: Apache-2.0 */
/*
 * bridge-config.h - the bridge plugin's network configuration.
 *
 * Owns: turning the plugin's stdin object (plus CNI_ARGS) into struct bridge_config with the
 * reference plugin's defaults and validation rules: bridge "cni0", preserveDefaultVlan true,
 * vlan 0..4094, vlanTrunk entries {id} or {minID,maxID}, vlan and vlanTrunk exclusive, MAC
 * precedence CNI_ARGS MAC < args.cni.mac < runtimeConfig.mac, `dns` replacing IPAM's. Pure:
 * no kernel, no files, so it is unit tested field by field.
 */
#pragma once

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "basic/macro.h"
#include "libcni/args.h"
#include "libcni/error.h"
#include "libcni/result.h"

#define BRIDGE_DEFAULT_NAME "cni0"
#define BRIDGE_IFNAMSIZ 16

struct bridge_config {
	char bridge[BRIDGE_IFNAMSIZ];
	bool is_gw;            /* isGateway, or implied by isDefaultGateway */
	bool is_default_gw;
	bool force_address;
	bool ip_masq;
	uint32_t mtu;          /* 0 = kernel default */
	bool hairpin;
	bool promisc;
	uint16_t vlan;         /* 0 = none */
	uint16_t *trunk;       /* sorted, unique VIDs of vlanTrunk; NULL when not set */
	size_t n_trunk;
	bool has_trunk;        /* vlanTrunk present (turns vlan_filtering on at creation) */
	bool preserve_default_vlan;
	bool macspoofchk;
	bool enabledad;
	bool disable_container_interface;
	bool port_isolation;
	char *ipam_type;       /* NULL = layer 2 only */
	bool has_mac;
	uint8_t mac[6];        /* container interface MAC */
	char mac_str[18];
	bool has_dns;          /* `dns` had at least one field set */
	struct cni_dns dns;
};

struct bridge_config *bridge_config_free(struct bridge_config *c);
DEFINE_TRIVIAL_CLEANUP_FUNC(struct bridge_config *, bridge_config_free);

/*
 * Parse config (the whole stdin object). args may be NULL (DEL ignores CNI_ARGS so an
 * unknown key can never keep an address allocated); when given, unknown keys other than MAC
 * are refused unless IgnoreUnknown is set, as the reference does. Errors: code 7 with the
 * reference's message.
 */
int bridge_config_parse(const json_t *config, const struct cni_args *args,
			struct bridge_config **ret, struct cni_error *err);

/* A run of consecutive VLAN IDs, sent to the kernel as one range. */
struct bridge_vid_range {
	uint16_t first, last;
};

/* Collapse sorted, unique VIDs into runs; ret has room for n. Returns the number of runs. */
size_t bridge_vid_ranges(const uint16_t *vids, size_t n, struct bridge_vid_range *ret);

/* The host veth name: "veth" + 8 lower-case hex digits of 4 random bytes. */
int bridge_random_veth_name(char buf[static BRIDGE_IFNAMSIZ]);

/* The gateway the reference derives when IPAM gave none: the network address + 1. */
void bridge_default_gateway(const struct ip_prefix *addr, struct ip_addr *ret);

/*
 * Apply the reference's calcGateways to an IPAM result: every IP points at interface 2 (the
 * container), missing gateways are derived when is_gw, a default route per family is appended
 * when is_default_gw and the result has none with a gateway, and the bridge addresses
 * (gateway + the container's prefix length) are returned per family in ret_gws (IPv4 first),
 * *ret_n of them, at most n_ips.
 */
int bridge_calc_gateways(struct cni_result *r, const struct bridge_config *c,
			 struct ip_prefix *ret_gws, size_t *ret_n);
