// SPDX-License-Identifier: Apache-2.0
/*
 * fw-reference.c - what the reference plugins name and leave in `ip/ip6 nat` (see
 * fw-reference.h).
 */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "basic/json-util.h"
#include "basic/macro.h"
#include "basic/sha512.h"
#include "fw/fw.h"
#include "fw/fw-listing.h"
#include "fw/fw-reference.h"
#include "fw/masq.h"
#include "fw/portmap.h"

void fw_render_delete_jumps(json_t *chain_listing, const char *family, const char *table,
			    const char *from, const char *target, FILE *f)
{
	json_t *item, *rule;
	size_t i;

	json_array_foreach(json_object_get(chain_listing, "nftables"), i, item) {
		rule = json_object_get(item, "rule");
		if (rule && streq_ptr(json_object_get_string(rule, "chain"), from) &&
		    fw_rule_jumps_to(rule, target))
			fprintf(f, "delete rule %s %s %s handle %" JSON_INTEGER_FORMAT "\n", family,
				table, from, json_integer_value(json_object_get(rule, "handle")));
	}
}

void fw_render_chain_removal(json_t *from_listing, const char *family, const char *table,
			     const char *from, const char *chain, FILE *f)
{
	fw_render_delete_jumps(from_listing, family, table, from, chain, f);
	fprintf(f, "flush chain %s %s %s\ndelete chain %s %s %s\n", family, table, chain, family,
		table, chain);
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
		fw_render_chain_removal(j, families[i], "nat", from, chain, f);
		any = true;
	}
	if (fclose(f) != 0 && r >= 0)
		r = -ENOMEM;
	if (r < 0 || !any)
		return r;
	return fw_apply(text, ret_error_text);
}

int fw_portmap_reference_chain_name(const char *net, const char *container_id,
				    char buf[static FW_PORTMAP_REF_CHAIN_MAX])
{
	/* 21 digits: 28 bytes in all, the reference's iptables chain name length */
	return fw_reference_chain_name("CNI-DN-", 21, net, container_id, buf,
				       FW_PORTMAP_REF_CHAIN_MAX);
}

int fw_masq_reference_chain_name(const char *net, const char *container_id,
				 char buf[static FW_MASQ_REF_CHAIN_MAX])
{
	return fw_reference_chain_name("CNI-", 24, net, container_id, buf, FW_MASQ_REF_CHAIN_MAX);
}

static const char *flanneld_table(const char *family)
{
	return streq(family, "ip") ? "flannel-ipv4" : "flannel-ipv6";
}

int fw_flanneld_render_remove(const char *family, bool has_masq, json_t *postrouting,
			      bool has_fwd, json_t *forward, bool has_table, char **ret_text)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f;

	if (!streq_ptr(family, "ip") && !streq_ptr(family, "ip6"))
		return -EINVAL;
	f = open_memstream(&buf, &len);
	if (!f)
		return -ENOMEM;
	if (has_masq)
		fw_render_chain_removal(postrouting, family, "nat", "POSTROUTING",
					FW_FLANNELD_MASQ_CHAIN, f);
	if (has_fwd)
		fw_render_chain_removal(forward, family, "filter", "FORWARD", FW_FLANNELD_FWD_CHAIN,
					f);
	if (has_table)
		fprintf(f, "delete table %s %s\n", family, flanneld_table(family));
	return fw_memstream_finish(f, &buf, ret_text);
}

/* Probe chain of family table; if there, list `from` (absent: nothing jumps to it). */
static int probe_chain(const char *family, const char *table, const char *chain,
		       const char *from, bool *ret_has, json_t **ret_from)
{
	_cleanup_json_ json_t *c = NULL, *j = NULL;
	int r;

	r = fw_list_chain_json(family, table, chain, &c);
	if (r == -ENOENT) {
		*ret_has = false;
		*ret_from = NULL;
		return 0;
	}
	if (r < 0)
		return r;
	r = fw_list_chain_json(family, table, from, &j);
	if (r < 0 && r != -ENOENT)
		return r;
	*ret_has = true;
	*ret_from = TAKE_PTR(j);
	return 0;
}

int fw_flanneld_remove(int family, unsigned *ret_removed, char **ret_error_text)
{
	const char *fam = family == AF_INET ? "ip" : family == AF_INET6 ? "ip6" : NULL;
	_cleanup_json_ json_t *post = NULL, *fwd = NULL;
	_cleanup_free_ char *text = NULL;
	bool has_masq, has_fwd;
	int has_table, r;

	if (!fam)
		return -EINVAL;
	/* Two failed lookups and a table probe when flanneld never ran here. */
	r = probe_chain(fam, "nat", FW_FLANNELD_MASQ_CHAIN, "POSTROUTING", &has_masq, &post);
	if (r < 0)
		return r;
	r = probe_chain(fam, "filter", FW_FLANNELD_FWD_CHAIN, "FORWARD", &has_fwd, &fwd);
	if (r < 0)
		return r;
	has_table = fw_table_exists(fam, flanneld_table(fam));
	if (has_table < 0)
		return has_table;
	r = fw_flanneld_render_remove(fam, has_masq, post, has_fwd, fwd, has_table, &text);
	if (r < 0)
		return r;
	if (*text) {
		r = fw_apply(text, ret_error_text);
		if (r < 0)
			return r;
	}
	*ret_removed = has_masq + has_fwd + (has_table > 0);
	return 0;
}
