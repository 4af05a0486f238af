/* SPDX-License-Identifier: Apache-2.0 */
/*
 * vrf-config.h - the vrf meta plugin's config and its pure decisions.
 *
 * Owns: parsing `vrfname` (required) and `table` (0 = pick one) with the reference's texts,
 * the first routing table no VRF of the namespace uses, and which of an interface's routes
 * must be carried into the VRF's table by hand (the kernel makes the prefix and local
 * routes again in the VRF's table when the interface is enslaved; the rest would be
 * lost). Unit tested in test/unit/plugins/test-vrf.c.
 */
#pragma once

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "basic/macro.h"
#include "libcni/error.h"
#include "netlink/nl-link.h"
#include "netlink/nl-route.h"

struct vrf_config {
	char *vrfname;
	uint32_t table;          /* 0 = the first free one */
};

struct vrf_config *vrf_config_free(struct vrf_config *c);
DEFINE_TRIVIAL_CLEANUP_FUNC(struct vrf_config *, vrf_config_free);

/* Errors: code 7, "failed to load netconf: ..." (Go's type errors) or "configuration is
 * expected to have a valid vrf name". */
int vrf_config_parse(const json_t *config, struct vrf_config **ret, struct cni_error *err);

/* The lowest table id >= 1 used by no link of kind "vrf" in links[]; 0 when none is free. */
uint32_t vrf_free_table(const struct nl_link *links, size_t n);

/* Whether route r (one of the interface being enslaved) must be re-added into the VRF's
 * table: a unicast route of the main table that the kernel did not make. */
bool vrf_route_to_move(const struct nl_route *r);
