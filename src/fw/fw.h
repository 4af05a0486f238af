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

/* One attachment (container ID + interface in it), as the CNI GC verb lists them. */
struct fw_attachment {
	const char *container_id;
	const char *ifname;
};

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
/* `list table` as libnftables JSON ({"nftables": [...]}); -ENOENT when absent. */
int fw_list_table_json(const char *family, const char *name, json_t **ret);

/*
 * Keys of the elements of verdict map `map` (in a table listed with fw_list_table_json) whose
 * verdict is `jump <chain>` or `goto <chain>`, as the strings nft prints. NULL-terminated.
 */
int fw_map_keys_for_chain(json_t *table_json, const char *map, const char *chain,
			  char ***ret_keys);
/* Names of the chains of a listed table that start with prefix. NULL-terminated. */
int fw_chains_with_prefix(json_t *table_json, const char *prefix, char ***ret_names);

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
/* `comment "net=… id=… if=…"` for an attachment chain, hostile parts hashed (≤ 128 bytes). */
void fw_render_attachment_comment(FILE *f, const char *net, const char *container_id,
				  const char *ifname);

/*
 * Whole-table features: the transaction that replaces table `family name` by table_text (a
 * `table family name { … }` block, or NULL for none) atomically — declaring the table first
 * makes the delete valid whether or not it existed, so re-applying is idempotent.
 */
int fw_render_table_replace(const char *family, const char *name, const char *table_text,
			    char **ret_text);
/* Idempotently remove table `family name`. */
int fw_table_remove(const char *family, const char *name, char **ret_error_text);
