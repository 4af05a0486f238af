/* SPDX-License-Identifier: Apache-2.0 */
/*
 * tap-config.h - the tap plugin's config.
 *
 * Owns: decoding the reference's tap NetConf (multiQueue, mtu, mac, owner, group,
 * selinuxContext, bridge, args, runtimeConfig.mac, ipam, dns) through godec, the MAC's
 * sources in the reference's order (config, then CNI_ARGS MAC, then runtimeConfig.mac), and
 * checking that MAC before anything is created.
 */
#pragma once

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

#include "libcni/args.h"
#include "libcni/error.h"
#include "libcni/result.h"

struct tap_config {
	bool multi_queue;
	int mtu;             /* 0 = kernel default */
	char *mac;           /* NULL = kernel's random one */
	uint8_t mac_bytes[6];
	bool has_owner, has_group;
	uint32_t owner, group;
	char *selinux_context;
	char *bridge;
	char *ipam_type;
	struct cni_dns dns;
};

struct tap_config *tap_config_free(struct tap_config *c);
DEFINE_TRIVIAL_CLEANUP_FUNC(struct tap_config *, tap_config_free);

/*
 * Errors: code 7 "failed to load netconf: <Go type error>", "invalid args <mac> for MAC
 * addr: address <mac>: invalid MAC address"; code 4 for unknown CNI_ARGS keys.
 */
int tap_config_parse(const json_t *config, const struct cni_args *args,
		     struct tap_config **ret, struct cni_error *err);
