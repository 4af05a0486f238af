// SPDX-License-Identifier: Apache-2.0
/*
 * fw.c - libnftables transactions and reads, and the identifier rules (see fw.h).
 */
#include <ctype.h>
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "basic/ip.h"
#include "basic/json-util.h"
#include "basic/log.h"
#include "basic/macro.h"
#include "basic/sha512.h"
#include "fw/fw.h"
#include "fw/nft-lib.h"

/*
 * libnftables reports failure as -1 and the cause only as text (the kernel's strerror). Map the
 * causes a caller may act on back to an errno.
 */
static int error_from_text(const char *err)
{
	static const struct {
		const char *text;
		int error;
	} table[] = {
		{ "No such file or directory", ENOENT },
		{ "File exists", EEXIST },
		{ "Device or resource busy", EBUSY },
		{ "Operation not permitted", EPERM },
		{ "syntax error", EINVAL },
		{ "Could not process rule: Invalid argument", EINVAL },
	};

	if (!err)
		return -EIO;
	for (size_t i = 0; i < ELEMENTSOF(table); i++)
		if (strstr(err, table[i].text))
			return -table[i].error;
	return -EIO;
}

/* The outcome of one nft run, out and err being its buffers (freed by the caller after). */
static int finish(int r, const char *out, const char *err, char **ret_out, char **ret_err)
{
	if (r != 0) {
		r = error_from_text(err);
		log_debug("fw: nft failed (%d): %s", r, err ? err : "");
		if (ret_err) {
			*ret_err = strdup(err && *err ? err : "nft: unknown error");
			if (!*ret_err)
				return -ENOMEM;
		}
		return r;
	}
	if (ret_out) {
		*ret_out = strdup(out ? out : "");
		if (!*ret_out)
			return -ENOMEM;
	}
	return 0;
}

/* Run cmd; on success *ret_out (if asked) gets the output, on failure *ret_err gets the errors. */
static int run(const char *cmd, unsigned output_flags, char **ret_out, char **ret_err)
{
	const struct fw_nft_lib *nft;
	const char *out, *err, *why;
	struct nft_ctx *ctx;
	int r;

	r = fw_nft_lib(&nft, &why);
	if (r < 0) {
		if (ret_err && asprintf(ret_err, "cannot load libnftables: %s", why) < 0)
			*ret_err = NULL;
		return r;
	}
	ctx = nft->ctx_new(NFT_CTX_DEFAULT);
	if (!ctx)
		return -ENOMEM;
	nft->ctx_output_set_flags(ctx, output_flags);
	if (nft->ctx_buffer_output(ctx) < 0 || nft->ctx_buffer_error(ctx) < 0) {
		nft->ctx_free(ctx);
		return -ENOMEM;
	}

	r = nft->run_cmd_from_buffer(ctx, cmd);
	out = nft->ctx_get_output_buffer(ctx);
	err = nft->ctx_get_error_buffer(ctx);
	r = finish(r, out, err, ret_out, ret_err);
	nft->ctx_free(ctx);
	return r;
}

int fw_apply(const char *nft_text, char **ret_error_text)
{
	if (!nft_text)
		return -EINVAL;
	return run(nft_text, 0, NULL, ret_error_text);
}

static int list_json(const char *cmd, json_t **ret)
{
	_cleanup_free_ char *out = NULL;
	json_error_t jerr;
	json_t *j;
	int r;

	r = run(cmd, NFT_CTX_OUTPUT_JSON, &out, NULL);
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
	return run(cmd, 0, ret, NULL);
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

	return r < 0 ? r : run(cmd, 0, ret, NULL);
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

int fw_strv_push(char ***v, size_t *n, const char *s)
{
	char **nv;
	char *d;

	d = strdup(s);
	if (!d)
		return -ENOMEM;
	nv = realloc(*v, (*n + 2) * sizeof(char *));
	if (!nv) {
		free(d);
		return -ENOMEM;
	}
	nv[(*n)++] = d;
	nv[*n] = NULL;
	*v = nv;
	return 0;
}

static const char *verdict_target(json_t *v)
{
	json_t *t = json_object_get(v, "jump");

	if (!t)
		t = json_object_get(v, "goto");
	return json_object_get_string(t, "target");
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
			const char *target = verdict_target(json_array_get(elem, 1));

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

bool fw_strv_contains(char *const *v, const char *s)
{
	for (; v && *v; v++)
		if (streq(*v, s))
			return true;
	return false;
}

bool fw_ip_seen_before(const struct ip_prefix *ips, size_t i)
{
	for (size_t k = 0; k < i; k++)
		if (ip_addr_equal(&ips[k].addr, &ips[i].addr))
			return true;
	return false;
}

bool fw_ifname_valid(const char *ifname)
{
	size_t l;

	if (!ifname)
		return false;
	l = strlen(ifname);
	if (l == 0 || l > 15 || streq(ifname, ".") || streq(ifname, ".."))
		return false;
	for (const char *p = ifname; *p; p++)
		if (!isascii(*p) || !(isalnum(*p) || strchr("_.@+-", *p)))
			return false;
	return true;
}

bool fw_identifier_valid(const char *name)
{
	size_t l;

	if (!name)
		return false;
	l = strlen(name);
	if (l == 0 || l > 64 || !isascii(name[0]) || !isalpha(name[0]))
		return false;
	for (const char *p = name; *p; p++)
		if (!isascii(*p) || !(isalnum(*p) || *p == '_' || *p == '-'))
			return false;
	return true;
}

int fw_hash_parts(const char *const *parts, size_t n_parts, size_t nbytes, char *buf)
{
	_cleanup_free_ char *joined = NULL;
	size_t len = 0, off = 0;

	/* NUL separators: ("ab", "c") and ("a", "bc") must not collide. */
	for (size_t i = 0; i < n_parts; i++)
		len += strlen(parts[i]) + 1;
	joined = malloc(len + 1);
	if (!joined)
		return -ENOMEM;
	for (size_t i = 0; i < n_parts; i++) {
		size_t l = strlen(parts[i]);

		memcpy(joined + off, parts[i], l);
		off += l;
		joined[off++] = '\0';
	}
	/* Hash without the last separator so a single part hashes as itself. */
	sha512_hex(joined, off ? off - 1 : 0, nbytes, buf);
	return 0;
}

const char *fw_comment_token(const char *s, size_t maxlen, char buf[static FW_TOKEN_MAX])
{
	char hex[25];
	size_t l = s ? strlen(s) : 0;
	bool safe;

	maxlen = MIN(MAX(maxlen, (size_t)FW_TOKEN_HASH_LEN), (size_t)FW_TOKEN_MAX - 1);
	safe = l > 0 && l <= maxlen;

	for (size_t i = 0; safe && i < l; i++)
		safe = isascii(s[i]) && (isalnum(s[i]) || strchr("_.:/@+-", s[i]));
	/* A hostile string could pretend to be a hash; keep that prefix for real hashes. */
	if (safe && startswith(s, "sha512:"))
		safe = false;
	if (safe) {
		memcpy(buf, s, l + 1);
		return buf;
	}
	sha512_hex(s ? s : "", l, 12, hex);
	snprintf(buf, FW_TOKEN_MAX, "sha512:%s", hex);
	return buf;
}

int fw_mac_normalize(const char *s, char ret[static FW_MAC_STRLEN])
{
	static const char hexdigits[] = "0123456789abcdef";
	char out[FW_MAC_STRLEN];

	if (!s || strlen(s) != 17)
		return -EINVAL;
	for (size_t i = 0; i < 17; i++) {
		if (i % 3 == 2) {
			if (s[i] != ':')
				return -EINVAL;
			out[i] = ':';
			continue;
		}
		if (!isascii(s[i]) || !isxdigit(s[i]))
			return -EINVAL;
		out[i] = hexdigits[isdigit(s[i]) ? s[i] - '0' : tolower(s[i]) - 'a' + 10];
	}
	out[17] = '\0';
	memcpy(ret, out, sizeof(out));
	return 0;
}

int fw_memstream_finish(FILE *f, char **buf, char **ret)
{
	bool bad = ferror(f);

	if (fclose(f) != 0)
		bad = true;
	if (bad || !*buf) {
		free(*buf);
		*buf = NULL;
		return -ENOMEM;
	}
	*ret = *buf;
	*buf = NULL;
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

void fw_render_attachment_comment(FILE *f, const char *net, const char *container_id,
				  const char *ifname)
{
	char tn[FW_TOKEN_MAX], tc[FW_TOKEN_MAX], ti[FW_TOKEN_MAX];

	/* 4+32 + 4+64 + 4+31 < 128, nft's comment limit. */
	fprintf(f, "comment \"net=%s id=%s if=%s\"", fw_comment_token(net, 32, tn),
		fw_comment_token(container_id, 64, tc), fw_comment_token(ifname, 15, ti));
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

int fw_render_table_replace(const char *family, const char *name, const char *table_text,
			    char **ret_text)
{
	char *s;

	if (!fw_identifier_valid(family) || !fw_identifier_valid(name))
		return -EINVAL;
	if (asprintf(&s, "table %s %s\ndelete table %s %s\n%s", family, name, family, name,
		     table_text ? table_text : "") < 0)
		return -ENOMEM;
	*ret_text = s;
	return 0;
}

int fw_table_remove(const char *family, const char *name, char **ret_error_text)
{
	_cleanup_free_ char *text = NULL;
	int r;

	r = fw_render_table_replace(family, name, NULL, &text);
	if (r < 0)
		return r;
	return fw_apply(text, ret_error_text);
}

/* Whether rule (a listed {"rule": …} body) is in chain `in` and jumps to `target`. */
static bool rule_jumps(json_t *rule, const char *in, const char *target)
{
	const char *chain = json_string_value(json_object_get(rule, "chain"));
	json_t *e;
	size_t i;

	if (!chain || !streq(chain, in))
		return false;
	json_array_foreach(json_object_get(rule, "expr"), i, e) {
		const char *t = json_string_value(json_object_get(json_object_get(e, "jump"),
								  "target"));

		if (t && streq(t, target))
			return true;
	}
	return false;
}

void fw_render_delete_jumps(json_t *chain_listing, const char *family, const char *table,
			    const char *from, const char *target, FILE *f)
{
	json_t *item, *rule;
	size_t i;

	json_array_foreach(json_object_get(chain_listing, "nftables"), i, item) {
		rule = json_object_get(item, "rule");
		if (rule && rule_jumps(rule, from, target))
			fprintf(f, "delete rule %s %s %s handle %" JSON_INTEGER_FORMAT "\n", family,
				table, from, json_integer_value(json_object_get(rule, "handle")));
	}
}

int fw_reference_chain_name(const char *prefix, size_t digits, const char *net,
			    const char *container_id, char *buf, size_t size)
{
	_cleanup_free_ char *s = NULL;
	char hex[2 * 64 + 1];

	if (!net || !container_id || digits > 2 * 64)
		return -EINVAL;
	if (asprintf(&s, "%s%s", net, container_id) < 0)
		return -ENOMEM;
	sha512_hex(s, strlen(s), (digits + 1) / 2, hex);
	if ((size_t)snprintf(buf, size, "%s%.*s", prefix, (int)digits, hex) >= size)
		return -ENAMETOOLONG;
	return 0;
}

int fw_reference_nat_chain_del(const char *chain, const char *from, char **ret_error_text)
{
	static const char *const families[] = { "ip", "ip6" };
	_cleanup_free_ char *text = NULL;
	size_t len = 0;
	bool any = false;
	FILE *f;
	int r = 0;

	f = open_memstream(&text, &len);
	if (!f)
		return -ENOMEM;
	for (size_t i = 0; i < ELEMENTSOF(families) && r >= 0; i++) {
		_cleanup_json_ json_t *c = NULL, *j = NULL;

		/*
		 * Only the chain and `from` are listed, never the whole table: on a node with
		 * kube-proxy in iptables mode `nat` holds thousands of rules, and this runs on
		 * every DEL. The common case (no such chain) costs one failed lookup.
		 */
		r = fw_list_chain_json(families[i], "nat", chain, &c);
		if (r == -ENOENT) {
			r = 0;
			continue;
		}
		if (r >= 0)
			r = fw_list_chain_json(families[i], "nat", from, &j);
		if (r == -ENOENT)
			r = 0; /* a chain nothing jumps to */
		if (r < 0)
			break;
		fw_render_delete_jumps(j, families[i], "nat", from, chain, f);
		fprintf(f, "flush chain %s nat %s\ndelete chain %s nat %s\n", families[i], chain,
			families[i], chain);
		any = true;
	}
	if (fclose(f) != 0 && r >= 0)
		r = -ENOMEM;
	if (r < 0 || !any)
		return r;
	return fw_apply(text, ret_error_text);
}
