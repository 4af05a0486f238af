// SPDX-License-Identifier: Apache-2.0
/*
 * fw-listing.c - reading our tables back from nft, and queries over a listing (see fw-listing.h).
 */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "basic/ip.h"
#include "basic/json-util.h"
#include "basic/macro.h"
#include "fw/fw.h"
#include "fw/nft-lib.h"

static int list_json(const char *cmd, json_t **ret)
{
	_cleanup_free_ char *out = NULL;
	json_error_t jerr;
	json_t *j;
	int r;

	r = fw_nft_run(cmd, NFT_CTX_OUTPUT_JSON, &out, NULL);
	if (r < 0)
		return r;
	j = json_loads(out, 0, &jerr);
	if (!j)
		return -EBADMSG;
	if (!json_is_array(json_object_get(j, "nftables"))) {
		json_decref(j);
		return -EBADMSG;
	}
	*ret = j;
	return 0;
}

int fw_table_exists(const char *family, const char *name)
{
	_cleanup_json_ json_t *j = NULL;
	json_t *item;
	size_t i;
	int r;

	if (!fw_identifier_valid(family) || !fw_identifier_valid(name))
		return -EINVAL;
	r = list_json("list tables", &j);
	if (r < 0)
		return r;
	json_array_foreach(json_object_get(j, "nftables"), i, item) {
		json_t *t = json_object_get(item, "table");

		if (streq_ptr(json_object_get_string(t, "family"), family) &&
		    streq_ptr(json_object_get_string(t, "name"), name))
			return 1;
	}
	return 0;
}

int fw_list_table_text(const char *family, const char *name, char **ret)
{
	_cleanup_free_ char *cmd = NULL;

	if (!fw_identifier_valid(family) || !fw_identifier_valid(name))
		return -EINVAL;
	if (asprintf(&cmd, "list table %s %s", family, name) < 0)
		return -ENOMEM;
	return fw_nft_run(cmd, 0, ret, NULL);
}

/* `list chain <family> <table> <chain>`, each part checked to be an nft identifier. */
static int list_chain_cmd(const char *family, const char *table, const char *chain, char **ret)
{
	if (!fw_identifier_valid(family) || !fw_identifier_valid(table) ||
	    !fw_identifier_valid(chain))
		return -EINVAL;
	if (asprintf(ret, "list chain %s %s %s", family, table, chain) < 0)
		return -ENOMEM;
	return 0;
}

int fw_list_chain_text(const char *family, const char *table, const char *chain, char **ret)
{
	_cleanup_free_ char *cmd = NULL;
	int r = list_chain_cmd(family, table, chain, &cmd);

	return r < 0 ? r : fw_nft_run(cmd, 0, ret, NULL);
}

int fw_check_chain_listing(const char *family, const char *table, const char *chain,
			   const char *want)
{
	_cleanup_free_ char *have = NULL;
	int r;

	r = fw_list_chain_text(family, table, chain, &have);
	if (r < 0)
		return r;
	return streq(have, want) ? 0 : -EUCLEAN;
}

int fw_list_table_json(const char *family, const char *name, json_t **ret)
{
	_cleanup_free_ char *cmd = NULL;

	if (!fw_identifier_valid(family) || !fw_identifier_valid(name))
		return -EINVAL;
	if (asprintf(&cmd, "list table %s %s", family, name) < 0)
		return -ENOMEM;
	return list_json(cmd, ret);
}

int fw_list_chain_json(const char *family, const char *table, const char *chain, json_t **ret)
{
	_cleanup_free_ char *cmd = NULL;
	int r = list_chain_cmd(family, table, chain, &cmd);

	return r < 0 ? r : list_json(cmd, ret);
}

int fw_list_table_json_or_null(const char *family, const char *name, json_t **ret)
{
	int r = fw_list_table_json(family, name, ret);

	if (r == -ENOENT) {
		*ret = NULL;
		return 0;
	}
	return r;
}

const char *fw_verdict_target(json_t *v)
{
	json_t *t = json_object_get(v, "jump");

	if (!t)
		t = json_object_get(v, "goto");
	return json_string_value(json_object_get(t, "target"));
}

bool fw_rule_jumps_to(json_t *rule, const char *chain)
{
	json_t *expr;
	size_t i;

	json_array_foreach(json_object_get(rule, "expr"), i, expr)
		if (streq_ptr(fw_verdict_target(expr), chain))
			return true;
	return false;
}

int fw_map_keys_for_chain(json_t *table_json, const char *map, const char *chain,
			  char ***ret_keys)
{
	_cleanup_strv_free_ char **keys = NULL;
	size_t n = 0, i, k;
	json_t *item, *elem;
	int r;

	keys = calloc(1, sizeof(char *));
	if (!keys)
		return -ENOMEM;
	json_array_foreach(json_object_get(table_json, "nftables"), i, item) {
		json_t *m = json_object_get(item, "map");

		if (!m || !streq_ptr(json_object_get_string(m, "name"), map))
			continue;
		json_array_foreach(json_object_get(m, "elem"), k, elem) {
			json_t *key = json_array_get(elem, 0);
			const char *target = fw_verdict_target(json_array_get(elem, 1));

			if (!json_is_string(key) || !streq_ptr(target, chain))
				continue;
			r = fw_strv_push(&keys, &n, json_string_value(key));
			if (r < 0)
				return r;
		}
	}
	*ret_keys = TAKE_PTR(keys);
	return 0;
}

bool fw_table_has_chain(json_t *table_json, const char *chain)
{
	json_t *item;
	size_t i;

	json_array_foreach(json_object_get(table_json, "nftables"), i, item) {
		json_t *c = json_object_get(item, "chain");

		if (streq_ptr(json_object_get_string(c, "name"), chain))
			return true;
	}
	return false;
}

int fw_chains_with_prefix(json_t *table_json, const char *prefix, char ***ret_names)
{
	const char *const prefixes[] = { prefix, NULL };
	_cleanup_strv_free_ char **names = NULL;
	size_t n = 0;
	int r;

	r = fw_collect_chains(table_json, prefixes, NULL, &names, &n);
	if (r < 0)
		return r;
	*ret_names = TAKE_PTR(names);
	return 0;
}

int fw_collect_chains(json_t *table_json, const char *const *prefixes, char *const *keep,
		      char ***v, size_t *n)
{
	json_t *item;
	size_t i;
	int r;

	if (!*v) {
		*v = calloc(1, sizeof(char *));
		if (!*v)
			return -ENOMEM;
	}
	json_array_foreach(json_object_get(table_json, "nftables"), i, item) {
		const char *name = json_object_get_string(json_object_get(item, "chain"), "name");
		bool match = false;

		for (const char *const *p = prefixes; name && *p && !match; p++)
			match = startswith(name, *p);
		if (!match || fw_strv_contains(keep, name) || fw_strv_contains(*v, name))
			continue;
		r = fw_strv_push(v, n, name);
		if (r < 0)
			return r;
	}
	return 0;
}

int fw_map_count_keys_for_chain(json_t *table_json, const char *map, const char *chain,
				const struct ip_prefix *ips, size_t n_ips)
{
	_cleanup_strv_free_ char **keys = NULL;
	int r, n = 0;

	r = fw_map_keys_for_chain(table_json, map, chain, &keys);
	if (r < 0)
		return r;
	for (char **k = keys; *k; k++, n++) {
		struct ip_addr a;
		bool found = false;

		if (ip_addr_parse(*k, &a) < 0)
			return -EUCLEAN;
		for (size_t i = 0; i < n_ips && !found; i++)
			found = ip_addr_equal(&a, &ips[i].addr);
		if (!found)
			return -EUCLEAN;
	}
	return n;
}
