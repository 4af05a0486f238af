// SPDX-License-Identifier: Apache-2.0
/*
 * firewall.c - the firewall plugin's forward rules and isolation in nftables (see firewall.h).
 */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "basic/json-util.h"
#include "basic/macro.h"
#include "fw/firewall.h"
#include "fw/portmap.h"

#define TI "inet " FW_FIREWALL_TABLE
#define TB "bridge " FW_FIREWALL_TABLE

static const char *const inet_maps[] = { "dst4", "dst6", "src4", "src6", "iso4", "iso6" };
static const struct fw_vmap_table inet_table = {
	.family = "inet",
	.table = FW_FIREWALL_TABLE,
	.maps = inet_maps,
	.n_maps = ELEMENTSOF(inet_maps),
};

static const char *const bridge_maps[] = { "dst4", "dst6" };
static const struct fw_vmap_table bridge_table = {
	.family = "bridge",
	.table = FW_FIREWALL_TABLE,
	.maps = bridge_maps,
	.n_maps = ELEMENTSOF(bridge_maps),
};

static const char forward_dispatch[] =
	"ip daddr vmap @dst4\n"
	"ip6 daddr vmap @dst6\n"
	"ip saddr vmap @src4\n"
	"ip6 saddr vmap @src6\n";

int fw_ingress_policy_from_string(const char *s, enum fw_ingress_policy *ret)
{
	if (!s || !*s || streq(s, "open"))
		*ret = FW_INGRESS_OPEN;
	else if (streq(s, "same-bridge"))
		*ret = FW_INGRESS_SAME_BRIDGE;
	else if (streq(s, "isolated"))
		*ret = FW_INGRESS_ISOLATED;
	else
		return -EINVAL;
	return 0;
}

const char *fw_ingress_policy_to_string(enum fw_ingress_policy p)
{
	switch (p) {
	case FW_INGRESS_OPEN:
		return "open";
	case FW_INGRESS_SAME_BRIDGE:
		return "same-bridge";
	case FW_INGRESS_ISOLATED:
		return "isolated";
	}
	return NULL;
}

static bool is_attachment_chain(const char *name)
{
	return name && (startswith(name, "f-") || startswith(name, "i-"));
}

bool fw_firewall_admin_chain_valid(const char *name)
{
	bool marked = false;

	/* nft keywords are all lower-case letters: an upper-case letter or '-' rules them out. */
	if (!fw_identifier_valid(name) || is_attachment_chain(name) || streq(name, "forward"))
		return false;
	for (const char *p = name; *p; p++)
		if (isupper(*p) || *p == '-')
			marked = true;
	return marked;
}

int fw_firewall_chain_names(const char *net, const char *container_id, const char *ifname,
			    char f[static FW_CHAIN_NAME_MAX], char i[static FW_CHAIN_NAME_MAX])
{
	int r;

	r = fw_attachment_chain_name('f', net, container_id, ifname, f);
	if (r < 0)
		return r;
	return fw_attachment_chain_name('i', net, container_id, ifname, i);
}

static json_t *items(json_t *listing)
{
	return json_object_get(listing, "nftables");
}

static const char *item_chain_name(json_t *item)
{
	return json_object_get_string(json_object_get(item, "chain"), "name");
}

static int validate(const struct fw_firewall_spec *s)
{
	if (!s || !s->net || !s->container_id || !s->ifname ||
	    !fw_ingress_policy_to_string(s->policy))
		return -EINVAL;
	if (s->policy != FW_INGRESS_OPEN && !fw_ifname_valid(s->bridge))
		return -EINVAL;
	if (s->admin_chain && !fw_firewall_admin_chain_valid(s->admin_chain))
		return -EINVAL;
	for (size_t i = 0; i < s->n_ips; i++)
		if (s->ips[i].addr.family != AF_INET && s->ips[i].addr.family != AF_INET6)
			return -EINVAL;
	return 0;
}

static const char *admin_of(const struct fw_firewall_spec *s)
{
	return s->admin_chain ? s->admin_chain : FW_FIREWALL_ADMIN_DEFAULT;
}

/* The attachment's inet f- chain rules, each line started by lead. */
static void render_f_rules(FILE *f, const char *lead, const struct fw_firewall_spec *s)
{
	for (size_t i = 0; i < s->n_ips; i++) {
		bool v4 = s->ips[i].addr.family == AF_INET;
		const char *fam = v4 ? "ip" : "ip6";
		char a[IP_ADDR_STRLEN];

		if (fw_ip_seen_before(s->ips, i))
			continue;
		ip_addr_to_string(&s->ips[i].addr, a);
		if (s->policy == FW_INGRESS_ISOLATED)
			fprintf(f, "%s%s daddr %s iifname \"%s\" drop\n", lead, fam, a, s->bridge);
		if (s->policy != FW_INGRESS_OPEN)
			fprintf(f, "%s%s daddr %s iifname != \"%s\" %s saddr vmap @iso%c\n", lead,
				fam, a, s->bridge, fam, v4 ? '4' : '6');
		fprintf(f, "%s%s daddr %s ct state established,related accept\n", lead, fam, a);
		fprintf(f, "%s%s saddr %s accept\n", lead, fam, a);
	}
}

/* Admin chains already in the table (our own names excluded), in listing order. */
static int listed_admin_chains(json_t *listing, char ***ret)
{
	_cleanup_strv_free_ char **v = calloc(1, sizeof(char *));
	size_t n = 0, i;
	json_t *item;
	int r;

	if (!v)
		return -ENOMEM;
	json_array_foreach(items(listing), i, item) {
		const char *name = item_chain_name(item);

		if (!name || !fw_firewall_admin_chain_valid(name) || fw_strv_contains(v, name))
			continue;
		r = fw_strv_push(&v, &n, name);
		if (r < 0)
			return r;
	}
	*ret = TAKE_PTR(v);
	return 0;
}

int fw_firewall_render_add(const struct fw_firewall_spec *s, json_t *inet_listing,
			   json_t *bridge_listing, char **ret_text)
{
	_cleanup_free_ char *buf = NULL;
	_cleanup_strv_free_ char **admins = NULL;
	char fc[FW_CHAIN_NAME_MAX], ic[FW_CHAIN_NAME_MAX], lead[128];
	const char *admin;
	size_t size = 0;
	FILE *f;
	int r;

	r = validate(s);
	if (r < 0)
		return r;
	r = fw_firewall_chain_names(s->net, s->container_id, s->ifname, fc, ic);
	if (r < 0)
		return r;
	admin = admin_of(s);
	r = listed_admin_chains(inet_listing, &admins);
	if (r < 0)
		return r;
	f = open_memstream(&buf, &size);
	if (!f)
		return -ENOMEM;

	fputs("add table " TI "\n", f);
	for (size_t m = 0; m < ELEMENTSOF(inet_maps); m++)
		fprintf(f, "add map " TI " %s { type %s : verdict; }\n", inet_maps[m],
			inet_maps[m][3] == '4' ? "ipv4_addr" : "ipv6_addr");
	fputs("add chain " TI " forward { type filter hook forward priority filter; "
	      "policy accept; }\n", f);
	fprintf(f, "add chain " TI " %s\n", admin);
	fputs("flush chain " TI " forward\n", f);
	for (char **a = admins; *a; a++)
		fprintf(f, "add rule " TI " forward jump %s\n", *a);
	if (!fw_strv_contains(admins, admin))
		fprintf(f, "add rule " TI " forward jump %s\n", admin);
	for (const char *p = forward_dispatch; *p;) {
		size_t l = strcspn(p, "\n");

		fprintf(f, "add rule " TI " forward %.*s\n", (int)l, p);
		p += l + 1;
	}

	/* What the attachment had, and elements of its addresses left by a stale attachment. */
	r = 0;
	if (inet_listing) {
		r = fw_render_delete_attachment_chain(f, &inet_table, inet_listing, fc);
		if (r >= 0)
			r = fw_render_delete_attachment_chain(f, &inet_table, inet_listing, ic);
		for (size_t i = 0; i < s->n_ips && r >= 0; i++) {
			char v = s->ips[i].addr.family == AF_INET ? '4' : '6';
			char dst[] = { 'd', 's', 't', v, 0 }, src[] = { 's', 'r', 'c', v, 0 };
			char iso[] = { 'i', 's', 'o', v, 0 };

			r = fw_render_delete_stale_element(f, &inet_table, inet_listing, dst,
							   &s->ips[i].addr, fc);
			if (r >= 0)
				r = fw_render_delete_stale_element(f, &inet_table, inet_listing,
								   src, &s->ips[i].addr, fc);
			if (r >= 0)
				r = fw_render_delete_stale_element(f, &inet_table, inet_listing,
								   iso, &s->ips[i].addr, ic);
		}
	}
	if (r >= 0 && bridge_listing) {
		r = fw_render_delete_attachment_chain(f, &bridge_table, bridge_listing, fc);
		for (size_t i = 0; i < s->n_ips && r >= 0; i++) {
			char v = s->ips[i].addr.family == AF_INET ? '4' : '6';
			char dst[] = { 'd', 's', 't', v, 0 };

			r = fw_render_delete_stale_element(f, &bridge_table, bridge_listing, dst,
							   &s->ips[i].addr, fc);
		}
	}
	if (r < 0) {
		fclose(f);
		return r;
	}

	fw_render_add_attachment_chain(f, "inet", FW_FIREWALL_TABLE, fc, s->net, s->container_id,
				       s->ifname);
	snprintf(lead, sizeof(lead), "add rule " TI " %s ", fc);
	render_f_rules(f, lead, s);
	if (s->policy != FW_INGRESS_OPEN) {
		fw_render_add_attachment_chain(f, "inet", FW_FIREWALL_TABLE, ic, s->net,
					       s->container_id, s->ifname);
		fprintf(f, "add rule " TI " %s drop\n", ic);
	}
	for (size_t i = 0; i < s->n_ips; i++) {
		char a[IP_ADDR_STRLEN], v = s->ips[i].addr.family == AF_INET ? '4' : '6';

		if (fw_ip_seen_before(s->ips, i))
			continue;
		ip_addr_to_string(&s->ips[i].addr, a);
		fprintf(f, "add element " TI " dst%c { %s : jump %s }\n", v, a, fc);
		fprintf(f, "add element " TI " src%c { %s : jump %s }\n", v, a, fc);
		if (s->policy != FW_INGRESS_OPEN)
			fprintf(f, "add element " TI " iso%c { %s : jump %s }\n", v, a, ic);
	}

	if (s->policy == FW_INGRESS_ISOLATED) {
		/* Bridged frames between pods never see the inet forward hook. */
		fputs("add table " TB "\n"
		      "add map " TB " dst4 { type ipv4_addr : verdict; }\n"
		      "add map " TB " dst6 { type ipv6_addr : verdict; }\n"
		      "add chain " TB " forward { type filter hook forward priority filter; "
		      "policy accept; }\n"
		      "flush chain " TB " forward\n"
		      "add rule " TB " forward ip daddr vmap @dst4\n"
		      "add rule " TB " forward ip6 daddr vmap @dst6\n", f);
		fw_render_add_attachment_chain(f, "bridge", FW_FIREWALL_TABLE, fc, s->net,
					       s->container_id, s->ifname);
		fprintf(f, "add rule " TB " %s drop\n", fc);
		for (size_t i = 0; i < s->n_ips; i++) {
			char a[IP_ADDR_STRLEN];

			if (fw_ip_seen_before(s->ips, i))
				continue;
			fprintf(f, "add element " TB " dst%c { %s : jump %s }\n",
				s->ips[i].addr.family == AF_INET ? '4' : '6',
				ip_addr_to_string(&s->ips[i].addr, a), fc);
		}
	}
	return fw_memstream_finish(f, &buf, ret_text);
}

static int render_chain_listing(const char *family, const char *chain,
				const struct fw_firewall_spec *s,
				void (*body)(FILE *f, const struct fw_firewall_spec *s),
				char **ret)
{
	_cleanup_free_ char *buf = NULL;
	size_t size = 0;
	FILE *f = open_memstream(&buf, &size);

	if (!f)
		return -ENOMEM;
	fw_render_chain_listing_head(f, family, FW_FIREWALL_TABLE, chain, s->net, s->container_id,
				     s->ifname);
	body(f, s);
	fw_render_chain_listing_tail(f);
	return fw_memstream_finish(f, &buf, ret);
}

static void body_f(FILE *f, const struct fw_firewall_spec *s)
{
	render_f_rules(f, "\t\t", s);
}

static void body_drop(FILE *f, const struct fw_firewall_spec *s)
{
	fputs("\t\tdrop\n", f);
}

int fw_firewall_render_listing(const struct fw_firewall_spec *s, char **ret_f, char **ret_i,
			       char **ret_bridge_f)
{
	_cleanup_free_ char *lf = NULL, *li = NULL, *lb = NULL;
	char fc[FW_CHAIN_NAME_MAX], ic[FW_CHAIN_NAME_MAX];
	int r;

	r = validate(s);
	if (r < 0)
		return r;
	r = fw_firewall_chain_names(s->net, s->container_id, s->ifname, fc, ic);
	if (r < 0)
		return r;
	r = render_chain_listing("inet", fc, s, body_f, &lf);
	if (r >= 0 && s->policy != FW_INGRESS_OPEN)
		r = render_chain_listing("inet", ic, s, body_drop, &li);
	if (r >= 0 && s->policy == FW_INGRESS_ISOLATED)
		r = render_chain_listing("bridge", fc, s, body_drop, &lb);
	if (r < 0)
		return r;
	*ret_f = TAKE_PTR(lf);
	*ret_i = TAKE_PTR(li);
	*ret_bridge_f = TAKE_PTR(lb);
	return 0;
}

/* Whether an attachment chain not in doomed remains, or (inet) an admin chain has rules. */
static bool table_still_used(json_t *listing, char *const *doomed1, char *const *doomed2,
			     bool count_admin_rules)
{
	json_t *item;
	size_t i;

	json_array_foreach(items(listing), i, item) {
		const char *name = item_chain_name(item);
		json_t *rule = json_object_get(item, "rule");

		if (is_attachment_chain(name) && !fw_strv_contains(doomed1, name) && !fw_strv_contains(doomed2, name))
			return true;
		if (count_admin_rules && rule &&
		    fw_firewall_admin_chain_valid(json_object_get_string(rule, "chain")))
			return true;
	}
	return false;
}

static bool listing_has_any(json_t *listing, char *const *chains)
{
	json_t *item;
	size_t i;

	json_array_foreach(items(listing), i, item) {
		const char *name = item_chain_name(item);

		if (name && fw_strv_contains(chains, name))
			return true;
	}
	return false;
}

int fw_firewall_render_delete(json_t *inet_listing, json_t *bridge_listing,
			      char *const *fchains, char *const *ichains, char **ret_text)
{
	_cleanup_free_ char *buf = NULL;
	size_t size = 0;
	FILE *f;
	int r = 0;

	f = open_memstream(&buf, &size);
	if (!f)
		return -ENOMEM;
	/* A table left without attachments (a policy changed on re-ADD) goes as well. */
	if (inet_listing && (listing_has_any(inet_listing, fchains) ||
			     listing_has_any(inet_listing, ichains) ||
			     !table_still_used(inet_listing, NULL, NULL, true))) {
		if (!table_still_used(inet_listing, fchains, ichains, true)) {
			fputs("delete table " TI "\n", f);
		} else {
			for (char *const *c = fchains; *c && r >= 0; c++)
				r = fw_render_delete_attachment_chain(f, &inet_table, inet_listing,
								      *c);
			for (char *const *c = ichains; *c && r >= 0; c++)
				r = fw_render_delete_attachment_chain(f, &inet_table, inet_listing,
								      *c);
		}
	}
	if (r >= 0 && bridge_listing && (listing_has_any(bridge_listing, fchains) ||
					 !table_still_used(bridge_listing, NULL, NULL, false))) {
		if (!table_still_used(bridge_listing, fchains, NULL, false))
			fputs("delete table " TB "\n", f);
		else
			for (char *const *c = fchains; *c && r >= 0; c++)
				r = fw_render_delete_attachment_chain(f, &bridge_table,
								      bridge_listing, *c);
	}
	if (r < 0) {
		fclose(f);
		return r;
	}
	return fw_memstream_finish(f, &buf, ret_text);
}

static int list_or_null(const char *family, json_t **ret)
{
	return fw_list_table_json_or_null(family, FW_FIREWALL_TABLE, ret);
}

int fw_firewall_add(const struct fw_firewall_spec *s, char **ret_error_text)
{
	_cleanup_json_ json_t *ji = NULL, *jb = NULL;
	_cleanup_free_ char *text = NULL;
	int r;

	r = list_or_null("inet", &ji);
	if (r >= 0)
		r = list_or_null("bridge", &jb);
	if (r >= 0)
		r = fw_firewall_render_add(s, ji, jb, &text);
	if (r < 0)
		return r;
	return fw_apply(text, ret_error_text);
}

static int delete_attachments(char *const *fchains, char *const *ichains,
			      char **ret_error_text)
{
	_cleanup_json_ json_t *ji = NULL, *jb = NULL;
	_cleanup_free_ char *text = NULL;
	int r;

	r = list_or_null("inet", &ji);
	if (r >= 0)
		r = list_or_null("bridge", &jb);
	if (r >= 0)
		r = fw_firewall_render_delete(ji, jb, fchains, ichains, &text);
	if (r < 0)
		return r;
	if (!*text)
		return 0;
	return fw_apply(text, ret_error_text);
}

int fw_firewall_del(const char *net, const char *container_id, const char *ifname,
		    char **ret_error_text)
{
	char fc[FW_CHAIN_NAME_MAX], ic[FW_CHAIN_NAME_MAX];
	char *fchains[] = { fc, NULL }, *ichains[] = { ic, NULL };
	int r;

	r = fw_firewall_chain_names(net, container_id, ifname, fc, ic);
	if (r < 0)
		return r;
	return delete_attachments(fchains, ichains, ret_error_text);
}

/* Map `map` of a listing must lead exactly the addresses of family fam in s to chain. */
static int check_map(json_t *listing, const char *map, const char *chain,
		     const struct fw_firewall_spec *s, int fam, bool want)
{
	size_t n_have, n_want = 0;
	int r;

	r = fw_map_count_keys_for_chain(listing, map, chain, s->ips, s->n_ips);
	if (r < 0)
		return r;
	if (r > 0 && !want)
		return -EUCLEAN;
	n_have = r;
	for (size_t i = 0; want && i < s->n_ips; i++)
		if (s->ips[i].addr.family == fam && !fw_ip_seen_before(s->ips, i))
			n_want++;
	if (n_have != n_want)
		return n_have < n_want ? -ENOENT : -EUCLEAN;
	return 0;
}

static int check_chain(const char *family, const char *chain, const char *want)
{
	_cleanup_free_ char *have = NULL;
	int r;

	if (want)
		return fw_check_chain_listing(family, FW_FIREWALL_TABLE, chain, want);
	r = fw_list_chain_text(family, FW_FIREWALL_TABLE, chain, &have);
	return r == -ENOENT ? 0 : r < 0 ? r : -EUCLEAN;
}

int fw_firewall_check(const struct fw_firewall_spec *s)
{
	_cleanup_free_ char *lf = NULL, *li = NULL, *lb = NULL, *fwd = NULL, *jump = NULL;
	_cleanup_json_ json_t *ji = NULL, *jb = NULL;
	char fc[FW_CHAIN_NAME_MAX], ic[FW_CHAIN_NAME_MAX];
	int r;

	r = fw_firewall_render_listing(s, &lf, &li, &lb);
	if (r < 0)
		return r;
	r = fw_firewall_chain_names(s->net, s->container_id, s->ifname, fc, ic);
	if (r < 0)
		return r;
	r = fw_list_chain_text("inet", FW_FIREWALL_TABLE, "forward", &fwd);
	if (r < 0)
		return r;
	if (asprintf(&jump, "\t\tjump %s\n", admin_of(s)) < 0)
		return -ENOMEM;
	/* The dispatch must be intact, or every attachment is silently off. */
	if (!strstr(fwd, jump) || !strstr(fwd, "\t\tip daddr vmap @dst4\n\t\tip6 daddr vmap "
				    "@dst6\n\t\tip saddr vmap @src4\n\t\tip6 saddr vmap @src6\n"))
		return -EUCLEAN;
	r = check_chain("inet", fc, lf);
	if (r >= 0)
		r = check_chain("inet", ic, li);
	if (r < 0)
		return r;
	r = list_or_null("inet", &ji);
	if (r < 0)
		return r;
	if (!ji)
		return -ENOENT;
	for (int v = 0; v < 2; v++) {
		int fam = v == 0 ? AF_INET : AF_INET6;
		char dst[] = "dst4", src[] = "src4", iso[] = "iso4";

		dst[3] = src[3] = iso[3] = v == 0 ? '4' : '6';
		r = check_map(ji, dst, fc, s, fam, true);
		if (r >= 0)
			r = check_map(ji, src, fc, s, fam, true);
		if (r >= 0)
			r = check_map(ji, iso, ic, s, fam, s->policy != FW_INGRESS_OPEN);
		if (r < 0)
			return r;
	}
	r = list_or_null("bridge", &jb);
	if (r < 0)
		return r;
	if (s->policy == FW_INGRESS_ISOLATED) {
		if (!jb)
			return -ENOENT;
		r = check_chain("bridge", fc, lb);
		for (int v = 0; v < 2 && r >= 0; v++)
			r = check_map(jb, v == 0 ? "dst4" : "dst6", fc, s,
				      v == 0 ? AF_INET : AF_INET6, true);
		return r;
	}
	if (jb && listing_has_any(jb, (char *[]){ fc, NULL }))
		return -EUCLEAN;
	return 0;
}

int fw_firewall_gc(const char *net, const struct fw_attachment *valid, size_t n_valid,
		   char **ret_error_text)
{
	_cleanup_json_ json_t *ji = NULL, *jb = NULL;
	_cleanup_strv_free_ char **keep = NULL, **fdoomed = NULL, **idoomed = NULL;
	char fprefix[FW_CHAIN_NAME_MAX], iprefix[FW_CHAIN_NAME_MAX];
	size_t nf = 0, ni = 0;
	int r;

	r = fw_attachment_chain_prefix('f', net, fprefix);
	if (r >= 0)
		r = fw_attachment_chain_prefix('i', net, iprefix);
	if (r >= 0)
		r = fw_attachment_keep_list("fi", net, valid, n_valid, false, &keep);
	if (r >= 0)
		r = list_or_null("inet", &ji);
	if (r >= 0)
		r = list_or_null("bridge", &jb);
	if (r < 0)
		return r;
	for (size_t l = 0; l < 2; l++) {
		json_t *listing = l == 0 ? ji : jb;

		r = fw_collect_chains(listing, (const char *const[]){ fprefix, NULL }, keep,
				      &fdoomed, &nf);
		if (r >= 0)
			r = fw_collect_chains(listing, (const char *const[]){ iprefix, NULL }, keep,
					      &idoomed, &ni);
		if (r < 0)
			return r;
	}
	if (nf == 0 && ni == 0)
		return 0;
	return delete_attachments(fdoomed, idoomed, ret_error_text);
}
