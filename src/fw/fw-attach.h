/* SPDX-License-Identifier: Apache-2.0 */
/*
 * fw-attach.h - per-attachment chains reached through verdict maps.
 *
 * Owns: the attachment list of the CNI GC verb, the names of per-attachment chains
 * (fw_attachment_chain_name()), rendering them (add, comment, the listing CHECK compares), and
 * removing them with every map element and rule leading to them, for DEL and GC. Used by
 * portmap, firewall, masq and macspoof alike; the feature owns its table and maps.
 */
#pragma once

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "basic/ip.h"

/* One attachment (container ID + interface in it), as the CNI GC verb lists them. */
struct fw_attachment {
	const char *container_id;
	const char *ifname;
};

/*
 * The GC input `cni.dev/valid-attachments` (an array of {containerID, ifname}) as a list;
 * entries without both strings are skipped. The strings are borrowed from the JSON.
 */
int fw_attachments_from_json(const json_t *valid_attachments, struct fw_attachment **ret,
			     size_t *ret_n);

/*
 * Per-attachment chains: a feature keeps one chain per attachment, named
 * "<kind>-<16 hex of SHA-512(net)>-<32 hex of SHA-512(net, cid, ifname)>", reached only through
 * elements of verdict maps in its table. ADD/DEL of one attachment is then an atomic add/delete
 * of its elements and chain, without rule handles; GC of a network keeps the chains whose names
 * it recomputes from the valid attachments.
 */
#define FW_CHAIN_NAME_MAX 64
int fw_attachment_chain_prefix(char kind, const char *net, char buf[static FW_CHAIN_NAME_MAX]);
int fw_attachment_chain_name(char kind, const char *net, const char *container_id,
			     const char *ifname, char buf[static FW_CHAIN_NAME_MAX]);

/* A table of ours holding per-attachment chains reached from the verdict maps `maps`. */
struct fw_vmap_table {
	const char *family;
	const char *table;
	const char *const *maps;
	size_t n_maps;
};

/*
 * Pure: the nft text deleting each of `chains` (NULL-terminated) that exists in the listed
 * table, with the map elements jumping to it. Chains absent from the listing are skipped; an
 * empty string is returned when nothing is to be done. Keys are re-validated (IP address or
 * interface name) before they are written back.
 */
int fw_render_delete_chains(const struct fw_vmap_table *t, json_t *table_json,
			    char *const *chains, char **ret_text);
/* List, render and apply the above; absent table or chains count as done. */
int fw_delete_chains(const struct fw_vmap_table *t, char *const *chains, char **ret_error_text);
/* Delete every chain named prefix* that is not in keep (NULL-terminated). */
int fw_gc_chains(const struct fw_vmap_table *t, const char *prefix, char *const *keep,
		 char **ret_error_text);
/*
 * The chains a GC of network net keeps: for each valid attachment, its chain of each kind in
 * kinds (e.g. "pm"). With need_ifname an attachment whose ifname fails fw_ifname_valid() is
 * skipped (a feature that requires one could never have added it). NULL-terminated.
 */
int fw_attachment_keep_list(const char *kinds, const char *net, const struct fw_attachment *valid,
			    size_t n_valid, bool need_ifname, char ***ret_keep);
/*
 * GC of a feature with one chain of `kind` per attachment (valid interface names only):
 * delete the chains of network net that no valid attachment names, with their map elements.
 */
int fw_gc_attachment_chains(const struct fw_vmap_table *t, char kind, const char *net,
			    const struct fw_attachment *valid, size_t n_valid,
			    char **ret_error_text);
/* `comment "net=… id=… if=…"` for an attachment chain, hostile parts hashed (≤ 128 bytes). */
void fw_render_attachment_comment(FILE *f, const char *net, const char *container_id,
				  const char *ifname);
/* `add chain <family> <table> <chain> { comment "…"; }` and a newline. */
void fw_render_add_attachment_chain(FILE *f, const char *family, const char *table,
				    const char *chain, const char *net, const char *container_id,
				    const char *ifname);
/*
 * An attachment chain as `nft list chain` prints it: the head (table and chain lines and the
 * comment line), then the caller's rules (indented by two tabs), then the tail.
 */
void fw_render_chain_listing_head(FILE *f, const char *family, const char *table,
				  const char *chain, const char *net, const char *container_id,
				  const char *ifname);
void fw_render_chain_listing_tail(FILE *f);

/*
 * For a table of per-attachment chains reached by rules (found by jump target, deleted by
 * handle) and verdict-map elements keyed by addresses, write to f the commands deleting
 * `chain`, its map elements and every rule jumping to it (nothing when the listing has no such
 * chain)...
 */
int fw_render_delete_attachment_chain(FILE *f, const struct fw_vmap_table *t, json_t *listing,
				      const char *chain);
/* ... and those deleting elements of `map` keyed `key` that lead elsewhere than keep_chain. */
int fw_render_delete_stale_element(FILE *f, const struct fw_vmap_table *t, json_t *listing,
				   const char *map, const struct ip_addr *key,
				   const char *keep_chain);
