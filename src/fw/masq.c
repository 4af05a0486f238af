// SPDX-License-Identifier: Apache-2.0
/*
 * masq.c - ipMasq for bridge/ptp attachments (see masq.h).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "basic/json-util.h"
#include "basic/macro.h"
#include "fw/masq.h"

#define T FW_MASQ_FAMILY " " FW_MASQ_TABLE

static const char *const masq_maps[] = { "masq4", "masq6" };
static const struct fw_vmap_table masq_table = {
	.family = FW_MASQ_FAMILY,
	.table = FW_MASQ_TABLE,
	.maps = masq_maps,
	.n_maps = ELEMENTSOF(masq_maps),
};

/* The base chain as `nft list chain` prints it. */
static const char masq_dispatch_listing[] =
	"table " T " {\n"
	"\tchain postrouting {\n"
	"\t\ttype nat hook postrouting priority srcnat; policy accept;\n"
	"\t\tip saddr vmap @masq4\n"
	"\t\tip6 saddr vmap @masq6\n"
	"\t}\n"
	"}\n";

int fw_masq_chain_name(const char *net, const char *container_id, const char *ifname,
		       char buf[static FW_CHAIN_NAME_MAX])
{
	if (!fw_ifname_valid(ifname))
		return -EINVAL;
	return fw_attachment_chain_name('c', net, container_id, ifname, buf);
}

static int validate(const char *net, const char *container_id, const char *ifname,
		    const struct ip_prefix *ips, size_t n_ips, char chain[static FW_CHAIN_NAME_MAX])
{
	if (n_ips == 0 || !ips)
		return -EINVAL;
	for (size_t i = 0; i < n_ips; i++) {
		if (ips[i].addr.family != AF_INET && ips[i].addr.family != AF_INET6)
			return -EINVAL;
		if (ips[i].len > ip_family_bits(ips[i].addr.family))
			return -EINVAL;
	}
	return fw_masq_chain_name(net, container_id, ifname, chain);
}

/* A prefix as nft prints it: a full-length prefix is a bare address. */
static const char *prefix_text(const struct ip_prefix *p, char buf[static IP_PREFIX_STRLEN])
{
	if (p->len == ip_family_bits(p->addr.family))
		return ip_addr_to_string(&p->addr, buf);
	return ip_prefix_to_string(p, buf);
}

/* The attachment chain's rules, each line started by lead. */
static void render_rules(FILE *f, const char *lead, const struct ip_prefix *ips, size_t n_ips)
{
	for (size_t i = 0; i < n_ips; i++) {
		const struct ip_prefix *p = &ips[i];
		bool v4 = p->addr.family == AF_INET;
		const char *fam = v4 ? "ip" : "ip6";
		char a[IP_ADDR_STRLEN], s[IP_PREFIX_STRLEN];
		struct ip_prefix subnet = *p;

		if (fw_ip_seen_before(ips, i))
			continue;
		ip_prefix_mask(&subnet);
		ip_addr_to_string(&p->addr, a);
		fprintf(f, "%s%s saddr %s %s daddr %s return\n", lead, fam, a, fam,
			prefix_text(&subnet, s));
		fprintf(f, "%s%s saddr %s %s daddr %s return\n", lead, fam, a, fam,
			v4 ? "224.0.0.0/4" : "ff00::/8");
		fprintf(f, "%s%s saddr %s masquerade\n", lead, fam, a);
	}
}

int fw_masq_render_add(const char *net, const char *container_id, const char *ifname,
		       const struct ip_prefix *ips, size_t n_ips, char **ret_text)
{
	_cleanup_free_ char *buf = NULL, *lead = NULL;
	char chain[FW_CHAIN_NAME_MAX];
	size_t size = 0;
	FILE *f;
	int r;

	r = validate(net, container_id, ifname, ips, n_ips, chain);
	if (r < 0)
		return r;
	if (asprintf(&lead, "add rule " T " %s ", chain) < 0)
		return -ENOMEM;
	f = open_memstream(&buf, &size);
	if (!f)
		return -ENOMEM;

	/* Base objects: "add" is a no-op when they exist; the dispatch chain is rewritten. */
	fputs("add table " T "\n"
	      "add map " T " masq4 { type ipv4_addr : verdict; }\n"
	      "add map " T " masq6 { type ipv6_addr : verdict; }\n"
	      "add chain " T " postrouting"
	      " { type nat hook postrouting priority srcnat; policy accept; }\n"
	      "flush chain " T " postrouting\n"
	      "add rule " T " postrouting ip saddr vmap @masq4\n"
	      "add rule " T " postrouting ip6 saddr vmap @masq6\n", f);

	/* The attachment: its chain is rewritten whole, so a repeated ADD is idempotent. */
	fw_render_add_attachment_chain(f, FW_MASQ_FAMILY, FW_MASQ_TABLE, chain, net, container_id,
				       ifname);
	fprintf(f, "flush chain " T " %s\n", chain);
	render_rules(f, lead, ips, n_ips);
	for (size_t i = 0; i < n_ips; i++) {
		char a[IP_ADDR_STRLEN];

		if (fw_ip_seen_before(ips, i))
			continue;
		fprintf(f, "add element " T " %s { %s : jump %s }\n",
			ips[i].addr.family == AF_INET ? "masq4" : "masq6",
			ip_addr_to_string(&ips[i].addr, a), chain);
	}
	return fw_memstream_finish(f, &buf, ret_text);
}

int fw_masq_render_chain_listing(const char *net, const char *container_id, const char *ifname,
				 const struct ip_prefix *ips, size_t n_ips, char **ret_text)
{
	_cleanup_free_ char *buf = NULL;
	char chain[FW_CHAIN_NAME_MAX];
	size_t size = 0;
	FILE *f;
	int r;

	r = validate(net, container_id, ifname, ips, n_ips, chain);
	if (r < 0)
		return r;
	f = open_memstream(&buf, &size);
	if (!f)
		return -ENOMEM;
	fw_render_chain_listing_head(f, FW_MASQ_FAMILY, FW_MASQ_TABLE, chain, net, container_id,
				     ifname);
	render_rules(f, "\t\t", ips, n_ips);
	fw_render_chain_listing_tail(f);
	return fw_memstream_finish(f, &buf, ret_text);
}

int fw_masq_add(const char *net, const char *container_id, const char *ifname,
		const struct ip_prefix *ips, size_t n_ips, char **ret_error_text)
{
	_cleanup_free_ char *text = NULL;
	int r;

	r = fw_masq_render_add(net, container_id, ifname, ips, n_ips, &text);
	if (r < 0)
		return r;
	return fw_apply(text, ret_error_text);
}

static int reference_del(const char *net, const char *container_id, char **ret_error_text)
{
	char chain[FW_MASQ_REF_CHAIN_MAX];
	int r;

	r = fw_masq_reference_chain_name(net, container_id, chain);
	if (r < 0)
		return r;
	return fw_reference_nat_chain_del(chain, "POSTROUTING", ret_error_text);
}

int fw_masq_del(const char *net, const char *container_id, const char *ifname,
		char **ret_error_text)
{
	char chain[FW_CHAIN_NAME_MAX];
	char *chains[] = { chain, NULL };
	int r;

	r = fw_masq_chain_name(net, container_id, ifname, chain);
	if (r < 0)
		return r;
	r = fw_delete_chains(&masq_table, chains, ret_error_text);
	if (r < 0)
		return r;
	/* an attachment the reference plugin made before the node switched to us */
	return reference_del(net, container_id, ret_error_text);
}

int fw_masq_check(const char *net, const char *container_id, const char *ifname,
		  const struct ip_prefix *ips, size_t n_ips)
{
	_cleanup_free_ char *want = NULL;
	_cleanup_json_ json_t *j = NULL;
	char chain[FW_CHAIN_NAME_MAX];
	size_t n_want = 0, n_have = 0;
	int r;

	r = fw_masq_render_chain_listing(net, container_id, ifname, ips, n_ips, &want);
	if (r < 0)
		return r;
	r = fw_masq_chain_name(net, container_id, ifname, chain);
	if (r < 0)
		return r;
	r = fw_check_chain_listing(FW_MASQ_FAMILY, FW_MASQ_TABLE, chain, want);
	if (r < 0)
		return r;
	/* A flushed dispatch chain would silently disable every attachment. */
	r = fw_check_chain_listing(FW_MASQ_FAMILY, FW_MASQ_TABLE, "postrouting",
				   masq_dispatch_listing);
	if (r < 0)
		return r;

	r = fw_list_table_json(FW_MASQ_FAMILY, FW_MASQ_TABLE, &j);
	if (r < 0)
		return r;
	/* The dispatch must lead every address, and only those, to this chain. */
	for (size_t m = 0; m < ELEMENTSOF(masq_maps); m++) {
		r = fw_map_count_keys_for_chain(j, masq_maps[m], chain, ips, n_ips);
		if (r < 0)
			return r;
		n_have += r;
	}
	for (size_t i = 0; i < n_ips; i++)
		if (!fw_ip_seen_before(ips, i))
			n_want++;
	if (n_have != n_want)
		return n_have < n_want ? -ENOENT : -EUCLEAN;
	return 0;
}

int fw_masq_gc(const char *net, const struct fw_attachment *valid, size_t n_valid,
	       char **ret_error_text)
{
	return fw_gc_attachment_chains(&masq_table, 'c', net, valid, n_valid, ret_error_text);
}
