/* SPDX-License-Identifier: Apache-2.0 */
/*
 * fw.h - the nftables engine every firewall feature of linen is built on.
 *
 * Owns: running nft text as ONE libnftables transaction in the current network namespace,
 * reading our tables back (text and JSON), and the rules that keep outside strings (container
 * IDs, network names, interface names, MACs) from ever being spliced into nft text unchecked.
 *
 * A feature renders its owned table or objects as text with a pure function (golden-tested),
 * then applies it here. Each feature owns its own table, so a restart reconciles only our state.
 * Names we put into nft are either validated against a strict alphabet or replaced by a SHA-512
 * hash; nothing is ever quoted by escaping.
 *
 * Adding a feature (portmap, firewall, …): pick a table of its own; render with a pure function
 * into an open_memstream() and finish with fw_memstream_finish(); apply with fw_apply().
 *  - A table replaced whole (like flannel.c): fw_render_table_replace() + fw_apply(); CHECK
 *    compares fw_list_table_text() with the table rendered in nft's listing format.
 *  - Per-attachment state (like masq.c, macspoof.c): base chain dispatching through verdict maps
 *    to chains named by fw_attachment_chain_name(); DEL/GC via fw_delete_chains()/fw_gc_chains().
 * fw_identifier_valid() does not know nft's keywords: fixed names must not be one ("mark",
 * "nat", …); generated names ("c-<hex>-<hex>") never are.
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

/* Append a copy of s to the NULL-terminated *v of n entries (*v may be NULL). */
int fw_strv_push(char ***v, size_t *n, const char *s);
/* Whether s is one of the NULL-terminated v (NULL counts as empty). */
bool fw_strv_contains(char *const *v, const char *s);
/* Whether the address of ips[i] already stands in ips[0..i): such a duplicate is written once. */
bool fw_ip_seen_before(const struct ip_prefix *ips, size_t i);

/*
 * Apply nft_text (any number of commands/blocks) as one atomic transaction. On failure returns
 * -ENOENT, -EEXIST, -EBUSY, -EPERM, -EINVAL (syntax) or -EIO, and, if ret_error_text is not NULL,
 * stores nft's error text there (the one out-parameter written on failure: it is the error).
 */
int fw_apply(const char *nft_text, char **ret_error_text);

/* 1 if the table exists, 0 if not, -errno on failure. family: "ip", "ip6", "inet", "bridge"… */
int fw_table_exists(const char *family, const char *name);

/* `list table` as nft prints it (no handles); -ENOENT when absent. */
int fw_list_table_text(const char *family, const char *name, char **ret);
/* `list chain` as nft prints it (no handles); -ENOENT when the table or chain is absent. */
int fw_list_chain_text(const char *family, const char *table, const char *chain, char **ret);
/* 0 when `list chain` prints exactly want, -EUCLEAN when not, -ENOENT when absent. */
int fw_check_chain_listing(const char *family, const char *table, const char *chain,
			   const char *want);
/* `list table` as libnftables JSON ({"nftables": [...]}); -ENOENT when absent. */
int fw_list_table_json(const char *family, const char *name, json_t **ret);
/* `list chain` as libnftables JSON; -ENOENT when the table or chain is absent. */
int fw_list_chain_json(const char *family, const char *table, const char *chain, json_t **ret);
/* The same, but an absent table is success with *ret = NULL. */
int fw_list_table_json_or_null(const char *family, const char *name, json_t **ret);

/*
 * Keys of the elements of verdict map `map` (in a table listed with fw_list_table_json) whose
 * verdict is `jump <chain>` or `goto <chain>`, as the strings nft prints. NULL-terminated.
 */
int fw_map_keys_for_chain(json_t *table_json, const char *map, const char *chain,
			  char ***ret_keys);
/* Whether a listed table (NULL: none) has chain. */
bool fw_table_has_chain(json_t *table_json, const char *chain);
/* Names of the chains of a listed table that start with prefix. NULL-terminated. */
int fw_chains_with_prefix(json_t *table_json, const char *prefix, char ***ret_names);
/*
 * Append to the NULL-terminated *v (n entries; *v may be NULL and is then allocated even when
 * nothing is found) each chain of a listed table whose name starts with one of prefixes
 * (NULL-terminated) and is neither in keep nor already in *v, in listing order.
 */
int fw_collect_chains(json_t *table_json, const char *const *prefixes, char *const *keep,
		      char ***v, size_t *n);
/*
 * How many elements of verdict map `map` lead to chain; -EUCLEAN when the key of one is not
 * the address of one of ips[0..n_ips).
 */
int fw_map_count_keys_for_chain(json_t *table_json, const char *map, const char *chain,
				const struct ip_prefix *ips, size_t n_ips);

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

/* A Linux interface name that is also safe inside an nft "string": [A-Za-z0-9_.@+-], 1..15. */
bool fw_ifname_valid(const char *ifname);
/* An nft identifier we accept for tables/chains/maps: [A-Za-z][A-Za-z0-9_-]*, ≤ 64 chars. */
bool fw_identifier_valid(const char *name);

/* Lower-case hex of the first nbytes of SHA-512(parts[0] NUL parts[1] NUL …); buf: 2n+1. */
int fw_hash_parts(const char *const *parts, size_t n_parts, size_t nbytes, char *buf);

/*
 * A token safe inside an nft comment (nft allows 128 bytes per comment): s itself when it is
 * 1..maxlen chars of [A-Za-z0-9_.:/@+-], otherwise "sha512:" + 24 hex of its digest
 * (FW_TOKEN_HASH_LEN chars). maxlen is clamped to [FW_TOKEN_HASH_LEN, FW_TOKEN_MAX - 1].
 */
#define FW_TOKEN_MAX 65
#define FW_TOKEN_HASH_LEN 31
const char *fw_comment_token(const char *s, size_t maxlen, char buf[static FW_TOKEN_MAX]);

/* Parse a MAC "aa:bb:cc:dd:ee:ff" (any case) into canonical lower case; -EINVAL otherwise. */
#define FW_MAC_STRLEN 18
int fw_mac_normalize(const char *s, char ret[static FW_MAC_STRLEN]);

/*
 * Finish a memstream opened by a renderer: on success hand the text to *ret, else -ENOMEM.
 * Always closes f and frees the buffer on failure.
 */
int fw_memstream_finish(FILE *f, char **buf, char **ret);

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
 * Whole-table features: the transaction that replaces table `family name` by table_text (a
 * `table family name { … }` block, or NULL for none) atomically — declaring the table first
 * makes the delete valid whether or not it existed, so re-applying is idempotent.
 */
int fw_render_table_replace(const char *family, const char *name, const char *table_text,
			    char **ret_text);
/* Idempotently remove table `family name`. */
int fw_table_remove(const char *family, const char *name, char **ret_error_text);
