// SPDX-License-Identifier: Apache-2.0
/*
 * macspoof.c - per-port source MAC enforcement on the bridge (see macspoof.h).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "basic/json-util.h"
#include "basic/macro.h"
#include "fw/macspoof.h"

#define T FW_MACSPOOF_FAMILY " " FW_MACSPOOF_TABLE

static const char *const macspoof_maps[] = { "ports" };
static const struct fw_vmap_table macspoof_table = {
	.family = FW_MACSPOOF_FAMILY,
	.table = FW_MACSPOOF_TABLE,
	.maps = macspoof_maps,
	.n_maps = ELEMENTSOF(macspoof_maps),
};

/* The base chain as `nft list chain` prints it. */
static const char macspoof_dispatch_listing[] =
	"table " T " {\n"
	"\tchain prerouting {\n"
	"\t\ttype filter hook prerouting priority filter; policy accept;\n"
	"\t\tiifname vmap @ports\n"
	"\t}\n"
	"}\n";

int fw_macspoof_chain_name(const char *net, const char *container_id, const char *ifname,
			   char buf[static FW_CHAIN_NAME_MAX])
{
	if (!fw_ifname_valid(ifname))
		return -EINVAL;
	return fw_attachment_chain_name('p', net, container_id, ifname, buf);
}

static void render_rules(FILE *f, const char *lead, const char *mac)
{
	fprintf(f, "%sether saddr %s return\n", lead, mac);
	fprintf(f, "%sdrop\n", lead);
}

int fw_macspoof_render_add(const char *net, const char *container_id, const char *ifname,
			   const char *host_ifname, const char *mac, char **ret_text)
{
	_cleanup_free_ char *buf = NULL, *lead = NULL;
	char chain[FW_CHAIN_NAME_MAX], m[FW_MAC_STRLEN];
	size_t size = 0;
	FILE *f;
	int r;

	if (!fw_ifname_valid(host_ifname))
		return -EINVAL;
	r = fw_mac_normalize(mac, m);
	if (r < 0)
		return r;
	r = fw_macspoof_chain_name(net, container_id, ifname, chain);
	if (r < 0)
		return r;
	if (asprintf(&lead, "add rule " T " %s ", chain) < 0)
		return -ENOMEM;
	f = open_memstream(&buf, &size);
	if (!f)
		return -ENOMEM;

	fputs("add table " T "\n"
	      "add map " T " ports { type ifname : verdict; }\n"
	      "add chain " T " prerouting"
	      " { type filter hook prerouting priority filter; policy accept; }\n"
	      "flush chain " T " prerouting\n"
	      "add rule " T " prerouting iifname vmap @ports\n", f);
	fw_render_add_attachment_chain(f, FW_MACSPOOF_FAMILY, FW_MACSPOOF_TABLE, chain, net,
				       container_id, ifname);
	fprintf(f, "flush chain " T " %s\n", chain);
	render_rules(f, lead, m);
	fprintf(f, "add element " T " ports { \"%s\" : jump %s }\n", host_ifname, chain);
	return fw_memstream_finish(f, &buf, ret_text);
}

int fw_macspoof_render_chain_listing(const char *net, const char *container_id,
				     const char *ifname, const char *mac, char **ret_text)
{
	_cleanup_free_ char *buf = NULL;
	char chain[FW_CHAIN_NAME_MAX], m[FW_MAC_STRLEN];
	size_t size = 0;
	FILE *f;
	int r;

	r = fw_mac_normalize(mac, m);
	if (r < 0)
		return r;
	r = fw_macspoof_chain_name(net, container_id, ifname, chain);
	if (r < 0)
		return r;
	f = open_memstream(&buf, &size);
	if (!f)
		return -ENOMEM;
	fw_render_chain_listing_head(f, FW_MACSPOOF_FAMILY, FW_MACSPOOF_TABLE, chain, net,
				     container_id, ifname);
	render_rules(f, "\t\t", m);
	fw_render_chain_listing_tail(f);
	return fw_memstream_finish(f, &buf, ret_text);
}

int fw_macspoof_add(const char *net, const char *container_id, const char *ifname,
		    const char *host_ifname, const char *mac, char **ret_error_text)
{
	_cleanup_free_ char *text = NULL;
	int r;

	r = fw_macspoof_render_add(net, container_id, ifname, host_ifname, mac, &text);
	if (r < 0)
		return r;
	return fw_apply(text, ret_error_text);
}

int fw_macspoof_del(const char *net, const char *container_id, const char *ifname,
		    char **ret_error_text)
{
	char chain[FW_CHAIN_NAME_MAX];
	char *chains[] = { chain, NULL };
	int r;

	r = fw_macspoof_chain_name(net, container_id, ifname, chain);
	if (r < 0)
		return r;
	return fw_delete_chains(&macspoof_table, chains, ret_error_text);
}

int fw_macspoof_check(const char *net, const char *container_id, const char *ifname,
		      const char *host_ifname, const char *mac)
{
	_cleanup_free_ char *want = NULL;
	_cleanup_strv_free_ char **keys = NULL;
	_cleanup_json_ json_t *j = NULL;
	char chain[FW_CHAIN_NAME_MAX];
	int r;

	if (!fw_ifname_valid(host_ifname))
		return -EINVAL;
	r = fw_macspoof_render_chain_listing(net, container_id, ifname, mac, &want);
	if (r < 0)
		return r;
	r = fw_macspoof_chain_name(net, container_id, ifname, chain);
	if (r < 0)
		return r;
	r = fw_check_chain_listing(FW_MACSPOOF_FAMILY, FW_MACSPOOF_TABLE, chain, want);
	if (r < 0)
		return r;
	/* A flushed dispatch chain would silently disable every attachment. */
	r = fw_check_chain_listing(FW_MACSPOOF_FAMILY, FW_MACSPOOF_TABLE, "prerouting",
				   macspoof_dispatch_listing);
	if (r < 0)
		return r;
	r = fw_list_table_json(FW_MACSPOOF_FAMILY, FW_MACSPOOF_TABLE, &j);
	if (r < 0)
		return r;
	r = fw_map_keys_for_chain(j, "ports", chain, &keys);
	if (r < 0)
		return r;
	if (!keys[0])
		return -ENOENT;
	if (keys[1] || !streq(keys[0], host_ifname))
		return -EUCLEAN;
	return 0;
}

int fw_macspoof_gc(const char *net, const struct fw_attachment *valid, size_t n_valid,
		   char **ret_error_text)
{
	return fw_gc_attachment_chains(&macspoof_table, 'p', net, valid, n_valid, ret_error_text);
}
