/* SPDX-License-Identifier: Apache-2.0 */
/*
 * fw-listing.h - reading our nft tables back.
 *
 * Owns: `list table`/`list chain`/`list tables` through libnftables (text, and JSON as
 * {"nftables": [...]}), and the pure queries over such a JSON listing: which chains a table
 * has, which map elements and rules lead to a chain. Identifiers are validated before they
 * go into a command; a listing is never trusted (fuzzed and canned input reads it too).
 */
#pragma once

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

#include "basic/ip.h"

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
 * The chain a listed verdict jumps or goes to: v is a rule's expression or a verdict map
 * element's value, {"jump": {"target": …}} or {"goto": {"target": …}}. NULL for any other
 * verdict (accept, drop, return, a vmap lookup …) or a malformed one. Every reader of a jump
 * target in src/fw goes through here, so `goto` is never forgotten in one place.
 */
const char *fw_verdict_target(json_t *v);
/* Whether one of the expressions of a listed rule ({"rule": …}'s body) jumps or goes to chain. */
bool fw_rule_jumps_to(json_t *rule, const char *chain);

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
