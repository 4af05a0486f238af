/* SPDX-License-Identifier: Apache-2.0 */
/*
 * fw-reference.h - what the reference plugins left, for a node that switched to us.
 *
 * Owns: the reference's chain-name rules (utils.FormatChainName and its prefixed forms:
 * "CNI-<hash>" of ipMasq, "CNI-DN-<hash>" of portmap), and removing such a chain from
 * `ip/ip6 nat` with the rules jumping to it. Made through iptables-nft, they are in nft's
 * sight; made with iptables-legacy they are not, and stay.
 */
#pragma once

#include <jansson.h>
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
