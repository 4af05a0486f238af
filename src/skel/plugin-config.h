/* SPDX-License-Identifier: Apache-2.0 */
/*
 * plugin-config.h - the plugin side of basic/godec.h (part of the plugin SDK).
 *
 * Owns: a godec context whose type errors become the plugin's CNI error (code 7, the
 * spec's "invalid network config"; the Go reference reports 999 only because its skel
 * wraps every plain error), and the decoding of the types.NetConf fields every reference
 * plugin embeds (ipam.type, dns, capabilities), so each plugin's config parser reads only
 * its own keys.
 */
#pragma once

#include <jansson.h>
#include <stdbool.h>

#include "basic/godec.h"
#include "libcni/error.h"
#include "libcni/result.h"

/* Type errors land in err->msg after prefix ("failed to load netconf: "), code 7; strct is
 * the plugin's Go struct ("NetConf", "TuningConf"...). */
struct godec skel_godec(struct cni_error *err, const char *prefix, const char *strct);

/*
 * The embedded types.NetConf beyond name/cniVersion (which skel checks): "ipam" is a
 * types.IPAM whose "type" is returned in *ret_ipam_type (borrowed, NULL when absent or
 * ""), "dns" a types.DNS, "capabilities" a map[string]bool. ret_ipam_type may be NULL.
 */
int skel_decode_netconf(const struct godec *d, const json_t *config, const char **ret_ipam_type);

/* The "dns" member (types.DNS) into ret, which the caller owns; *ret_set as Go's nil test
 * (ptp's dnsConfSet): a list given, even empty, or a non-empty domain. */
int skel_decode_dns(const struct godec *d, const json_t *config, struct cni_dns *ret,
		    bool *ret_set);
