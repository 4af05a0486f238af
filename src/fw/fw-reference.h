/* SPDX-License-Identifier: Apache-2.0 */
/*
 * fw-reference.h - what the reference plugins left, for a node that switched to us.
 *
 * Owns: the reference's chain-name rules (utils.FormatChainName and its prefixed forms:
 * "CNI-<hash>" of ipMasq, "CNI-DN-<hash>" of portmap), and removing such a chain from
 * `ip/ip6 nat` with the rules jumping to it. Made through iptables-nft, they are in nft's
 * sight; made with iptables-legacy they are not, and stay. Likewise flanneld's own rules, for a
 * node that switched from flanneld to linend (fw_flanneld_*).
 */
#pragma once

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

/*
 * What the reference plugins made through iptables-nft, for a node that switched to us. Into f:
 * `delete rule` for each rule of chain `from` (as fw_list_chain_json lists it; NULL: none)
 * that jumps to target.
 */
void fw_render_delete_jumps(json_t *chain_listing, const char *family, const char *table,
			    const char *from, const char *target, FILE *f);
/*
 * The reference's name for a chain of an attachment: prefix + the first `digits` hex digits
 * of SHA-512(net + containerID) (utils.FormatChainName and its prefixed forms).
 */
int fw_reference_chain_name(const char *prefix, size_t digits, const char *net,
			    const char *container_id, char *buf, size_t size);
/*
 * Delete chain of table `ip nat` and `ip6 nat` with the rules of chain `from` that jump to it,
 * in one transaction. Nothing there counts as done; chain and from must be nft identifiers.
 */
int fw_reference_nat_chain_del(const char *chain, const char *from, char **ret_error_text);

/* ipMasq's chain: "CNI-" + the first 24 hex digits of SHA-512(net + containerID). */
#define FW_MASQ_REF_CHAIN_MAX 29
int fw_masq_reference_chain_name(const char *net, const char *container_id,
				 char buf[static FW_MASQ_REF_CHAIN_MAX]);

/*
 * portmap's chain for a container (table ip/ip6 nat): "CNI-DN-" + the first 21 hex digits of
 * SHA-512(net + containerID). DEL removes it and the CNI-HOSTPORT-DNAT rules jumping to it
 * (the shared chains stay, as the reference leaves them).
 */
#define FW_PORTMAP_REF_CHAIN_MAX 29
int fw_portmap_reference_chain_name(const char *net, const char *container_id,
				    char buf[static FW_PORTMAP_REF_CHAIN_MAX]);

/*
 * flanneld's (v0.28) masquerade and forward rules: iptables-nft chains FLANNEL-POSTRTG (table
 * nat, jumped from POSTROUTING) and FLANNEL-FWD (table filter, jumped from FORWARD), and the
 * tables of its nftables mode, `ip flannel-ipv4` / `ip6 flannel-ipv6`.
 */
#define FW_FLANNELD_MASQ_CHAIN "FLANNEL-POSTRTG"
#define FW_FLANNELD_FWD_CHAIN "FLANNEL-FWD"

/*
 * Pure, into f: remove chain `chain` of `family table` with the rules of chain `from` (as
 * fw_list_chain_json lists it; NULL: none) that jump to it.
 */
void fw_render_chain_removal(json_t *from_listing, const char *family, const char *table,
			     const char *from, const char *chain, FILE *f);
/*
 * Pure: the transaction removing what flanneld left for one family ("ip" or "ip6"): each of
 * its two chains found (has_masq/has_fwd) with the jumps listed in postrouting/forward, and
 * its nftables-mode table when has_table. *ret_text is "" when nothing is there.
 */
int fw_flanneld_render_remove(const char *family, bool has_masq, json_t *postrouting,
			      bool has_fwd, json_t *forward, bool has_table, char **ret_text);
/*
 * Remove flanneld's rules of a family (AF_INET/AF_INET6) in one transaction, probing each
 * chain and listing only the base chain that jumps to it, never a whole table. *ret_removed:
 * how many chains and tables went (0: nothing there).
 */
int fw_flanneld_remove(int family, unsigned *ret_removed, char **ret_error_text);
