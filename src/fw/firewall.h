/* SPDX-License-Identifier: Apache-2.0 */
/*
 * firewall.h - the firewall plugin's forward rules, in nftables.
 *
 * Owns: table `inet linen-cni-firewall`, and (only while some attachment has ingressPolicy
 * "isolated") table `bridge linen-cni-firewall`. The nftables equivalent of the reference's
 * iptables backend:
 *  - inet base chain `forward` (filter): first `jump <admin chain>` for every admin chain in
 *    the table (iptablesAdminChainName, default CNI-ADMIN: created empty, left for the
 *    administrator's own rules, never changed by us), then `ip daddr vmap @dst4`,
 *    `ip6 daddr vmap @dst6`, `ip saddr vmap @src4`, `ip6 saddr vmap @src6` keyed by the pod
 *    addresses to the attachment's chain `f-<net hash>-<attachment hash>`:
 *        [isolated]    ip daddr P iifname "<bridge>" drop
 *        [not open]    ip daddr P iifname != "<bridge>" ip saddr vmap @iso4
 *                      ip daddr P ct state established,related accept
 *                      ip saddr P accept
 *  - `iso4`/`iso6`: the addresses of pods whose policy is not "open", to their chain
 *    `i-…` (`drop`). So traffic into a pod of a non-open network coming from a pod of another
 *    non-open bridge is dropped — the reference's CNI-ISOLATION-STAGE-1/2 — and traffic from
 *    the host's other interfaces still flows;
 *  - isolated: also between pods of one bridge. Bridged frames never reach the inet forward
 *    hook (without br_netfilter), so `bridge linen-cni-firewall` has a forward chain with
 *    `ip daddr vmap @dst4` (and 6) to the attachment's `f-…` chain there: `drop`.
 * An `accept` here ends only our chain: nftables runs every table's base chains, and a drop
 * in another table (or an iptables-nft FORWARD policy DROP) still wins. The isolation drops
 * are final everywhere.
 * ADD first removes what the attachment had (idempotent, converges); DEL and GC remove the
 * attachment's chains and elements, and a table when no attachment is left in it (the inet
 * one only when the admin chains are empty). Callers serialise calls (plugin lock file).
 */
#pragma once

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

#include "basic/ip.h"
#include "fw/fw.h"

#define FW_FIREWALL_TABLE "linen-cni-firewall"
#define FW_FIREWALL_ADMIN_DEFAULT "CNI-ADMIN"

enum fw_ingress_policy {
	FW_INGRESS_OPEN,
	FW_INGRESS_SAME_BRIDGE,
	FW_INGRESS_ISOLATED,
};

struct fw_firewall_spec {
	const char *net, *container_id, *ifname;
	const struct ip_prefix *ips; /* the pod's addresses (prefix length ignored) */
	size_t n_ips;
	enum fw_ingress_policy policy;
	const char *bridge;          /* the pod's bridge; required unless policy is open */
	const char *admin_chain;     /* NULL = FW_FIREWALL_ADMIN_DEFAULT */
};

/* "open", "same-bridge", "isolated" ("" and NULL = open); -EINVAL otherwise. */
int fw_ingress_policy_from_string(const char *s, enum fw_ingress_policy *ret);
const char *fw_ingress_policy_to_string(enum fw_ingress_policy p);

/* An admin chain name we accept: an nft identifier that is none of our own names. */
bool fw_firewall_admin_chain_valid(const char *name);

/* The attachment's chain names: 'f' (both tables) and 'i' (isolation source). */
int fw_firewall_chain_names(const char *net, const char *container_id, const char *ifname,
			    char f[static FW_CHAIN_NAME_MAX], char i[static FW_CHAIN_NAME_MAX]);

/*
 * Pure: the ADD transaction, from the listings of the inet and bridge tables
 * (fw_list_table_json(); NULL when absent).
 */
int fw_firewall_render_add(const struct fw_firewall_spec *s, json_t *inet_listing,
			   json_t *bridge_listing, char **ret_text);
/*
 * Pure: the attachment's inet `f-` chain, its `i-` chain (NULL when open) and its bridge
 * `f-` chain (NULL unless isolated) as `nft list chain` prints them.
 */
int fw_firewall_render_listing(const struct fw_firewall_spec *s, char **ret_f, char **ret_i,
			       char **ret_bridge_f);
/* Pure: the DEL/GC transaction removing the attachments whose 'f' chains are `fchains`. */
int fw_firewall_render_delete(json_t *inet_listing, json_t *bridge_listing,
			      char *const *fchains, char *const *ichains, char **ret_text);

int fw_firewall_add(const struct fw_firewall_spec *s, char **ret_error_text);
int fw_firewall_del(const char *net, const char *container_id, const char *ifname,
		    char **ret_error_text);
/* 0, -ENOENT (missing) or -EUCLEAN (different). */
int fw_firewall_check(const struct fw_firewall_spec *s);
int fw_firewall_gc(const char *net, const struct fw_attachment *valid, size_t n_valid,
		   char **ret_error_text);
