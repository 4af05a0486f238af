/* SPDX-License-Identifier: Apache-2.0 */
/*
 * portmap.h - host ports of the portmap plugin, in nftables.
 *
 * Owns: table `inet linen-cni-portmap`. Layout:
 *  - base chains `prerouting` (nat, dstnat) and `output` (nat, -100): `fib daddr type local jump
 *    hostports`, so a host port is reached through any local address, from other hosts and
 *    from the host itself (127.0.0.1 needs route_localnet=1 on the interface towards the
 *    container, which the plugin sets);
 *  - `hostports`: per attachment one rule per (protocol, host port) jumping to the
 *    attachment's DNAT chain `p-<net hash>-<attachment hash>`. Several containers may share a
 *    port on different host IPs: a chain that does not DNAT returns and the next one is tried;
 *  - the DNAT chain: per mapping and container family `[ip daddr H | meta nfproto F] P dport HP
 *    [conditions] dnat to C:CP`, preceded (snat) by rules setting bit markMasqBit of the packet
 *    mark on traffic that must be masqueraded: from the container's own subnet (hairpin) and
 *    from 127.0.0.1, or from anywhere with masqAll;
 *  - `postrouting` (nat, srcnat): `ip daddr vmap @masq4`, `ip6 daddr vmap @masq6`, keyed by the
 *    container address (after DNAT) to the attachment's chain `m-…`: `meta mark & bit == bit
 *    masquerade`.
 * Every call is one transaction built from a listing of the table: ADD first removes whatever
 * the attachment had (so it is idempotent and a changed config converges), DEL and GC remove
 * the attachment's rules (found by their jump target), map elements and chains, and the whole
 * table when no attachment is left. Callers serialise calls (the plugin holds a lock file):
 * the listing must not change between render and apply.
 */
#pragma once

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "basic/ip.h"
#include "fw/fw.h"

#define FW_PORTMAP_FAMILY "inet"
#define FW_PORTMAP_TABLE "linen-cni-portmap"
#define FW_PORTMAP_MARK_BIT_DEFAULT 13

enum fw_portmap_proto {
	FW_PORTMAP_TCP,
	FW_PORTMAP_UDP,
	FW_PORTMAP_SCTP,
};

struct fw_portmap_entry {
	enum fw_portmap_proto proto;
	uint16_t host_port;      /* 1..65535 */
	uint16_t container_port; /* 1..65535 */
	/* family 0 = every family; 0.0.0.0 / :: = every address of that family only */
	struct ip_addr host_ip;
};

struct fw_portmap_spec {
	const char *net, *container_id, *ifname;
	/* Container addresses with their prefix length (host bits kept); family 0 = none. */
	struct ip_prefix ip4, ip6;
	const struct fw_portmap_entry *entries;
	size_t n_entries;
	bool snat;             /* mark + masquerade hairpin and localhost traffic */
	bool masq_all;         /* masquerade every DNATed connection */
	unsigned mark_bit;     /* 0..31 */
	/* nft match tokens joined with spaces into every DNAT rule; NULL = none. */
	char *const *conditions4, *const *conditions6;
};

const char *fw_portmap_proto_to_string(enum fw_portmap_proto p);
/* "tcp", "udp", "sctp" (any case); -EINVAL otherwise. */
int fw_portmap_proto_from_string(const char *s, enum fw_portmap_proto *ret);

/*
 * 0 when the condition tokens are safe to splice into one nft rule: printable ASCII without
 * ; # " ' \ or newlines, balanced braces, no verdict or NAT statement keyword. -EPROTO when the
 * first token starts with '-' or '!' (iptables syntax), -EINVAL otherwise.
 */
int fw_portmap_conditions_valid(char *const *tokens);

/* The attachment's DNAT ('p') and masquerade ('m') chain names. */
int fw_portmap_chain_names(const char *net, const char *container_id, const char *ifname,
			   char dnat[static FW_CHAIN_NAME_MAX],
			   char masq[static FW_CHAIN_NAME_MAX]);

/*
 * Pure: the transaction for ADD. listing is the table as fw_list_table_json() returns it, or
 * NULL when the table does not exist; what the attachment already has there is removed first,
 * as are elements of the masquerade maps for its addresses that point elsewhere (a stale
 * attachment whose address was handed out again).
 */
int fw_portmap_render_add(const struct fw_portmap_spec *s, json_t *listing, char **ret_text);

/*
 * Pure: the attachment's DNAT chain, and its masquerade chain (NULL when !snat), as
 * `nft list chain` prints them, for CHECK.
 */
int fw_portmap_render_listing(const struct fw_portmap_spec *s, char **ret_dnat,
			      char **ret_masq);

/*
 * Pure: the transaction deleting `chains` (NULL-terminated; absent ones skipped) with every
 * rule jumping to them and the map elements leading to them; when no attachment chain
 * would remain, just `delete table`. "" when there is nothing to do.
 */
int fw_portmap_render_delete(json_t *listing, char *const *chains, char **ret_text);

/* Pure: the UDP host ports the DNAT chain `chain` of a listing maps (for conntrack flushing). */
int fw_portmap_listing_udp_ports(json_t *listing, const char *chain, uint16_t **ret_ports,
				 size_t *ret_n);

int fw_portmap_add(const struct fw_portmap_spec *s, char **ret_error_text);
/*
 * Idempotent. ret_udp_ports (may be NULL) gets the UDP host ports the removed attachment
 * mapped, so the caller can flush their conntrack entries.
 */
int fw_portmap_del(const char *net, const char *container_id, const char *ifname,
		   uint16_t **ret_udp_ports, size_t *ret_n, char **ret_error_text);
/*
 * 0 when everything of the attachment is in place, -ENOENT when (a part) is missing,
 * -EUCLEAN when present but different. Rules with conditions are compared around the
 * conditions, which nft may print normalised.
 */
int fw_portmap_check(const struct fw_portmap_spec *s);
/* Remove every attachment of network net that is not in valid[0..n_valid). */
int fw_portmap_gc(const char *net, const struct fw_attachment *valid, size_t n_valid,
		  char **ret_error_text);
