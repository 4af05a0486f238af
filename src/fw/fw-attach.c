// SPDX-License-Identifier: Apache-2.0
/*
 * fw-attach.c - per-attachment chains behind verdict maps: names, rendering, DEL and GC
 * (see fw-attach.h).
 */
#include <ctype.h>
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "basic/ip.h"
#include "basic/json-util.h"
#include "basic/macro.h"
#include "fw/fw.h"

int fw_attachments_from_json(const json_t *valid_attachments, struct fw_attachment **ret,
			     size_t *ret_n)
{
	_cleanup_free_ struct fw_attachment *v = NULL;
	size_t n = 0, i;
	json_t *a;

	v = calloc(json_array_size(valid_attachments) + 1, sizeof(*v));
	if (!v)
		return -ENOMEM;
	json_array_foreach(valid_attachments, i, a) {
		const char *cid = json_object_get_string(a, "containerID");
		const char *ifname = json_object_get_string(a, "ifname");

		if (cid && ifname)
			v[n++] = (struct fw_attachment){ .container_id = cid, .ifname = ifname };
	}
	*ret = TAKE_PTR(v);
	*ret_n = n;
	return 0;
}

int fw_attachment_chain_prefix(char kind, const char *net, char buf[static FW_CHAIN_NAME_MAX])
{
	const char *parts[] = { net };
	char hex[17];
	int r;

	if (!isascii(kind) || !isalpha(kind) || !net || !*net)
		return -EINVAL;
	r = fw_hash_parts(parts, 1, 8, hex);
	if (r < 0)
		return r;
	snprintf(buf, FW_CHAIN_NAME_MAX, "%c-%s-", kind, hex);
	return 0;
}

int fw_attachment_chain_name(char kind, const char *net, const char *container_id,
			     const char *ifname, char buf[static FW_CHAIN_NAME_MAX])
{
	const char *parts[] = { net, container_id, ifname };
	char nethex[17], hex[33];
	int r;

	if (!isascii(kind) || !isalpha(kind) || !net || !*net || !container_id ||
	    !*container_id || !ifname || !*ifname)
		return -EINVAL;
	r = fw_hash_parts(parts, 1, 8, nethex);
	if (r < 0)
		return r;
	r = fw_hash_parts(parts, 3, 16, hex);
	if (r < 0)
		return r;
	snprintf(buf, FW_CHAIN_NAME_MAX, "%c-%.16s-%.32s", kind, nethex, hex);
	return 0;
}

void fw_render_attachment_comment(FILE *f, const char *net, const char *container_id,
				  const char *ifname)
{
	char tn[FW_TOKEN_MAX], tc[FW_TOKEN_MAX], ti[FW_TOKEN_MAX];

	/* 4+32 + 4+64 + 4+31 < 128, nft's comment limit. */
	fprintf(f, "comment \"net=%s id=%s if=%s\"", fw_comment_token(net, 32, tn),
		fw_comment_token(container_id, 64, tc), fw_comment_token(ifname, 15, ti));
}

void fw_render_add_attachment_chain(FILE *f, const char *family, const char *table,
				    const char *chain, const char *net, const char *container_id,
				    const char *ifname)
{
	fprintf(f, "add chain %s %s %s { ", family, table, chain);
	fw_render_attachment_comment(f, net, container_id, ifname);
	fputs("; }\n", f);
}

void fw_render_chain_listing_head(FILE *f, const char *family, const char *table,
				  const char *chain, const char *net, const char *container_id,
				  const char *ifname)
{
	fprintf(f, "table %s %s {\n\tchain %s {\n\t\t", family, table, chain);
	fw_render_attachment_comment(f, net, container_id, ifname);
	fputc('\n', f);
}

void fw_render_chain_listing_tail(FILE *f)
{
	fputs("\t}\n}\n", f);
}

/* Write a map key back as nft text: an address bare, an interface name quoted. */
static int print_key(FILE *f, const char *key)
{
	char buf[IP_PREFIX_STRLEN];
	struct ip_addr a;

	if (ip_addr_parse(key, &a) == 0)
		return fputs(ip_addr_to_string(&a, buf), f) < 0 ? -ENOMEM : 0;
	if (fw_ifname_valid(key))
		return fprintf(f, "\"%s\"", key) < 0 ? -ENOMEM : 0;
	return -EBADMSG;
}

int fw_render_delete_chains(const struct fw_vmap_table *t, json_t *table_json,
			    char *const *chains, char **ret_text)
{
	_cleanup_free_ char *buf = NULL;
	size_t size = 0;
	FILE *f;
	int r = 0;

	if (!fw_identifier_valid(t->family) || !fw_identifier_valid(t->table))
		return -EINVAL;
	for (char *const *c = chains; *c; c++)
		if (!fw_identifier_valid(*c))
			return -EINVAL;
	f = open_memstream(&buf, &size);
	if (!f)
		return -ENOMEM;
	for (char *const *c = chains; *c && r >= 0; c++) {
		if (!fw_table_has_chain(table_json, *c))
			continue;
		for (size_t m = 0; m < t->n_maps && r >= 0; m++) {
			_cleanup_strv_free_ char **keys = NULL;

			r = fw_map_keys_for_chain(table_json, t->maps[m], *c, &keys);
			if (r < 0 || !keys[0])
				continue;
			fprintf(f, "delete element %s %s %s { ", t->family, t->table, t->maps[m]);
			for (char **k = keys; *k && r >= 0; k++) {
				if (k != keys)
					fputs(", ", f);
				r = print_key(f, *k);
			}
			fputs(" }\n", f);
		}
		fprintf(f, "delete chain %s %s %s\n", t->family, t->table, *c);
	}
	if (r < 0) {
		fclose(f);
		return r;
	}
	return fw_memstream_finish(f, &buf, ret_text);
}

/* Delete chains as listed now; a concurrent change between list and apply is retried. */
static int delete_chains_filtered(const struct fw_vmap_table *t, const char *prefix,
				  char *const *chains, char *const *keep, char **ret_error_text)
{
	int r = 0;

	for (int attempt = 0; attempt < 3; attempt++) {
		_cleanup_json_ json_t *j = NULL;
		_cleanup_strv_free_ char **found = NULL;
		_cleanup_free_ char *text = NULL;
		_cleanup_free_ char *err = NULL;

		r = fw_list_table_json(t->family, t->table, &j);
		if (r == -ENOENT)
			return 0;
		if (r < 0)
			return r;
		if (prefix) {
			const char *const prefixes[] = { prefix, NULL };
			size_t n = 0;

			r = fw_collect_chains(j, prefixes, keep, &found, &n);
			if (r < 0)
				return r;
			chains = found;
		}
		r = fw_render_delete_chains(t, j, chains, &text);
		if (r < 0)
			return r;
		if (!*text)
			return 0;
		r = fw_apply(text, &err);
		if (r != -ENOENT) {
			if (r < 0 && ret_error_text)
				*ret_error_text = TAKE_PTR(err);
			return r;
		}
	}
	return r;
}

int fw_delete_chains(const struct fw_vmap_table *t, char *const *chains, char **ret_error_text)
{
	return delete_chains_filtered(t, NULL, chains, NULL, ret_error_text);
}

int fw_gc_chains(const struct fw_vmap_table *t, const char *prefix, char *const *keep,
		 char **ret_error_text)
{
	if (!prefix || !*prefix)
		return -EINVAL;
	return delete_chains_filtered(t, prefix, NULL, keep, ret_error_text);
}

int fw_attachment_keep_list(const char *kinds, const char *net, const struct fw_attachment *valid,
			    size_t n_valid, bool need_ifname, char ***ret_keep)
{
	_cleanup_strv_free_ char **keep = NULL;
	size_t n = 0;

	keep = calloc(strlen(kinds) * n_valid + 1, sizeof(char *));
	if (!keep)
		return -ENOMEM;
	for (size_t v = 0; v < n_valid; v++) {
		size_t first = n;

		if (need_ifname && !fw_ifname_valid(valid[v].ifname))
			continue;
		for (const char *k = kinds; *k; k++) {
			char chain[FW_CHAIN_NAME_MAX];

			/* An attachment we could never have added cannot be ours to keep. */
			if (fw_attachment_chain_name(*k, net, valid[v].container_id,
						     valid[v].ifname, chain) < 0) {
				while (n > first) {
					free(keep[--n]);
					keep[n] = NULL;
				}
				break;
			}
			keep[n] = strdup(chain);
			if (!keep[n++])
				return -ENOMEM;
		}
	}
	*ret_keep = TAKE_PTR(keep);
	return 0;
}

int fw_gc_attachment_chains(const struct fw_vmap_table *t, char kind, const char *net,
			    const struct fw_attachment *valid, size_t n_valid,
			    char **ret_error_text)
{
	_cleanup_strv_free_ char **keep = NULL;
	char prefix[FW_CHAIN_NAME_MAX];
	int r;

	r = fw_attachment_chain_prefix(kind, net, prefix);
	if (r < 0)
		return r;
	r = fw_attachment_keep_list((char[]){ kind, 0 }, net, valid, n_valid, true, &keep);
	if (r < 0)
		return r;
	return fw_gc_chains(t, prefix, keep, ret_error_text);
}

/* Delete element lines for the keys of map `map` leading to chain. */
static int render_delete_elements(FILE *f, const struct fw_vmap_table *t, json_t *listing,
				  const char *map, const char *chain)
{
	_cleanup_strv_free_ char **keys = NULL;
	int r;

	r = fw_map_keys_for_chain(listing, map, chain, &keys);
	if (r < 0)
		return r;
	for (char **k = keys; *k; k++) {
		char a[IP_ADDR_STRLEN];
		struct ip_addr addr;

		/* Re-validated before it is written back into nft text. */
		if (ip_addr_parse(*k, &addr) < 0)
			return -EBADMSG;
		fprintf(f, "delete element %s %s %s { %s }\n", t->family, t->table, map,
			ip_addr_to_string(&addr, a));
	}
	return 0;
}

int fw_render_delete_attachment_chain(FILE *f, const struct fw_vmap_table *t, json_t *listing,
				      const char *chain)
{
	json_t *item;
	size_t i;
	int r;

	if (!fw_identifier_valid(chain) || !fw_identifier_valid(t->family) ||
	    !fw_identifier_valid(t->table))
		return -EINVAL;
	if (!fw_table_has_chain(listing, chain))
		return 0;
	json_array_foreach(json_object_get(listing, "nftables"), i, item) {
		json_t *rule = json_object_get(item, "rule");
		const char *in = json_object_get_string(rule, "chain");
		json_t *h = json_object_get(rule, "handle");

		if (!rule || !fw_rule_jumps_to(rule, chain))
			continue;
		if (!fw_identifier_valid(in) || !json_is_integer(h))
			return -EBADMSG;
		fprintf(f, "delete rule %s %s %s handle %lld\n", t->family, t->table, in,
			(long long)json_integer_value(h));
	}
	for (size_t m = 0; m < t->n_maps; m++) {
		r = render_delete_elements(f, t, listing, t->maps[m], chain);
		if (r < 0)
			return r;
	}
	fprintf(f, "delete chain %s %s %s\n", t->family, t->table, chain);
	return 0;
}

int fw_render_delete_stale_element(FILE *f, const struct fw_vmap_table *t, json_t *listing,
				   const char *map, const struct ip_addr *key,
				   const char *keep_chain)
{
	json_t *item, *elem;
	size_t i, j;

	json_array_foreach(json_object_get(listing, "nftables"), i, item) {
		json_t *m = json_object_get(item, "map");

		if (!m || !streq_ptr(json_object_get_string(m, "name"), map))
			continue;
		json_array_foreach(json_object_get(m, "elem"), j, elem) {
			const char *k = json_string_value(json_array_get(elem, 0));
			const char *to = fw_verdict_target(json_array_get(elem, 1));
			struct ip_addr a;
			char as[IP_ADDR_STRLEN];

			if (!k || ip_addr_parse(k, &a) < 0 || !ip_addr_equal(&a, key) ||
			    streq_ptr(to, keep_chain))
				continue;
			fprintf(f, "delete element %s %s %s { %s }\n", t->family, t->table, map,
				ip_addr_to_string(&a, as));
		}
	}
	return 0;
}
