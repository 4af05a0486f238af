/* SPDX-License-Identifier: Apache-2.0 */
/*
 * masq.h - the ipMasq of the bridge and ptp plugins.
 *
 * Owns: table `inet linen-cni-masq`. Its base chain `postrouting` (nat, srcnat) dispatches on the
 * source address through the verdict maps `masq4`/`masq6` to one chain per attachment (network
 * name + container ID + ifname). That chain masquerades traffic from each container address to
 * destinations outside the address's subnet that are not multicast (224.0.0.0/4, ff00::/8).
 * ADD, DEL and GC of one attachment touch only its chain and map elements, in one transaction.
 *
 * Also, for a node that switched from the reference plugins: DEL removes what their ipMasq
 * made for the attachment through iptables-nft (chain CNI-<hash> in table ip/ip6 nat and the
 * POSTROUTING rule jumping to it). Rules made with iptables-legacy are out of nft's sight.
 */
#pragma once

#include <stddef.h>

#include "basic/ip.h"
#include "fw/fw.h"

#define FW_MASQ_FAMILY "inet"
#define FW_MASQ_TABLE "linen-cni-masq"

/* The attachment's chain name ("c-<net hash>-<attachment hash>"). */
int fw_masq_chain_name(const char *net, const char *container_id, const char *ifname,
		       char buf[static FW_CHAIN_NAME_MAX]);

/*
 * Pure: the nft text that (re)creates the table's base objects (idempotently) and the
 * attachment's chain and map elements for each container address ips[i] (address + subnet
 * prefix length, host bits kept). Duplicate addresses are written once.
 */
int fw_masq_render_add(const char *net, const char *container_id, const char *ifname,
		       const struct ip_prefix *ips, size_t n_ips, char **ret_text);
/* Pure: the attachment's chain exactly as `nft list chain` prints it, for CHECK. */
int fw_masq_render_chain_listing(const char *net, const char *container_id, const char *ifname,
				 const struct ip_prefix *ips, size_t n_ips, char **ret_text);

int fw_masq_add(const char *net, const char *container_id, const char *ifname,
		const struct ip_prefix *ips, size_t n_ips, char **ret_error_text);
/* Idempotent: an absent table, chain or element counts as deleted. */
int fw_masq_del(const char *net, const char *container_id, const char *ifname,
		char **ret_error_text);
/* 0 when the attachment's chain and every element are in place, -ENOENT when missing,
 * -EUCLEAN when present but different. */
int fw_masq_check(const char *net, const char *container_id, const char *ifname,
		  const struct ip_prefix *ips, size_t n_ips);
/* Remove every attachment of network net that is not in valid[0..n_valid). */
int fw_masq_gc(const char *net, const struct fw_attachment *valid, size_t n_valid,
	       char **ret_error_text);
