/* SPDX-License-Identifier: Apache-2.0 */
/*
 * macspoof.h - the bridge plugin's macspoofchk.
 *
 * Owns: table `bridge linen-macspoof`. Its base chain `prerouting` (filter hook prerouting)
 * dispatches on the input port name through the verdict map `ports` to one chain per attachment
 * (network name + container ID + ifname), which lets frames with the container's MAC as source
 * through and drops every other frame entering from that host veth.
 */
#pragma once

#include "fw/fw.h"

#define FW_MACSPOOF_FAMILY "bridge"
#define FW_MACSPOOF_TABLE "linen-macspoof"

int fw_macspoof_chain_name(const char *net, const char *container_id, const char *ifname,
			   char buf[static FW_CHAIN_NAME_MAX]);

/* Pure: the nft text (re)creating the base objects and the attachment's chain and element. */
int fw_macspoof_render_add(const char *net, const char *container_id, const char *ifname,
			   const char *host_ifname, const char *mac, char **ret_text);
/* Pure: the attachment's chain exactly as `nft list chain` prints it, for CHECK. */
int fw_macspoof_render_chain_listing(const char *net, const char *container_id,
				     const char *ifname, const char *mac, char **ret_text);

int fw_macspoof_add(const char *net, const char *container_id, const char *ifname,
		    const char *host_ifname, const char *mac, char **ret_error_text);
/* Idempotent: an absent table, chain or element counts as deleted. */
int fw_macspoof_del(const char *net, const char *container_id, const char *ifname,
		    char **ret_error_text);
/* 0 when in place, -ENOENT when missing, -EUCLEAN when present but different. */
int fw_macspoof_check(const char *net, const char *container_id, const char *ifname,
		      const char *host_ifname, const char *mac);
/* Remove every attachment of network net that is not in valid[0..n_valid). */
int fw_macspoof_gc(const char *net, const struct fw_attachment *valid, size_t n_valid,
		   char **ret_error_text);
