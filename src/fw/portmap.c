// SPDX-License-Identifier: Apache-2.0
/*
 * portmap.c - host ports in nftables for the portmap plugin (see portmap.h).
 */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "basic/json-util.h"
#include "basic/macro.h"
#include "fw/portmap.h"

#define T FW_PORTMAP_FAMILY " " FW_PORTMAP_TABLE

static const char *const pm_maps[] = { "masq4", "masq6" };

/* The base chains as `nft list chain` prints them, for CHECK. */
static const char *const pm_base_listing[][2] = {
	{ "prerouting",
	  "table " T " {\n"
	  "\tchain prerouting {\n"
	  "\t\ttype nat hook prerouting priority dstnat; policy accept;\n"
	  "\t\tfib daddr type local jump hostports\n"
	  "\t}\n"
	  "}\n" },
	{ "output",
	  "table " T " {\n"
	  "\tchain output {\n"
	  "\t\ttype nat hook output priority -100; policy accept;\n"
	  "\t\tfib daddr type local jump hostports\n"
	  "\t}\n"
	  "}\n" },
	{ "postrouting",
	  "table " T " {\n"
	  "\tchain postrouting {\n"
	  "\t\ttype nat hook postrouting priority srcnat; policy accept;\n"
	  "\t\tip daddr vmap @masq4\n"
	  "\t\tip6 daddr vmap @masq6\n"
	  "\t}\n"
	  "}\n" },
};

/*
 * Base objects: "add" is a no-op when they exist; the base chains are rewritten whole.
 * nft 1.0 refuses the "dstnat" keyword in the output hook, hence -100 (its value).
 */
static const char pm_base_text[] =
	"add table " T "\n"
	"add map " T " masq4 { type ipv4_addr : verdict; }\n"
	"add map " T " masq6 { type ipv6_addr : verdict; }\n"
	"add chain " T " hostports\n"
	"add chain " T " prerouting { type nat hook prerouting priority dstnat; policy accept; }\n"
	"add chain " T " output { type nat hook output priority -100; policy accept; }\n"
	"add chain " T " postrouting"
	" { type nat hook postrouting priority srcnat; policy accept; }\n"
	"flush chain " T " prerouting\n"
	"add rule " T " prerouting fib daddr type local jump hostports\n"
	"flush chain " T " output\n"
	"add rule " T " output fib daddr type local jump hostports\n"
	"flush chain " T " postrouting\n"
	"add rule " T " postrouting ip daddr vmap @masq4\n"
	"add rule " T " postrouting ip6 daddr vmap @masq6\n";

const char *fw_portmap_proto_to_string(enum fw_portmap_proto p)
{
	switch (p) {
	case FW_PORTMAP_TCP:
		return "tcp";
	case FW_PORTMAP_UDP:
		return "udp";
	case FW_PORTMAP_SCTP:
		return "sctp";
	}
	return NULL;
}

int fw_portmap_proto_from_string(const char *s, enum fw_portmap_proto *ret)
{
	if (!s)
		return -EINVAL;
	if (strcasecmp(s, "tcp") == 0)
		*ret = FW_PORTMAP_TCP;
	else if (strcasecmp(s, "udp") == 0)
		*ret = FW_PORTMAP_UDP;
	else if (strcasecmp(s, "sctp") == 0)
		*ret = FW_PORTMAP_SCTP;
	else
		return -EINVAL;
	return 0;
}

int fw_portmap_conditions_valid(char *const *tokens)
{
	/* Statements that would turn a match list into something else. */
	static const char *const banned[] = {
		"accept", "drop", "reject", "jump", "goto", "return", "continue", "queue",
		"dnat", "snat", "masquerade", "redirect", "set", "add", "update", "delete",
		"flush", "table", "chain", "rule", "comment", "notrack", "tproxy", "dup", "fwd",
	};
	int depth = 0;

	if (!tokens)
		return 0;
	if (tokens[0] && (tokens[0][0] == '-' || tokens[0][0] == '!'))
		return -EPROTO;
	for (char *const *t = tokens; *t; t++) {
		const char *p = *t;

		if (!*p)
			return -EINVAL;
		for (; *p; p++) {
			if (!isascii(*p) || !isprint(*p) || strchr(";#\"'\\`$", *p))
				return -EINVAL;
			if (*p == '{')
				depth++;
			else if (*p == '}' && --depth < 0)
				return -EINVAL;
		}
		/* Each space-separated word is checked against the statements. */
		for (p = *t; *p;) {
			size_t l;

			p += strspn(p, " ");
			l = strcspn(p, " ");
			for (size_t i = 0; l && i < ELEMENTSOF(banned); i++)
				if (strlen(banned[i]) == l && strncasecmp(p, banned[i], l) == 0)
					return -EINVAL;
			p += l;
		}
	}
	return depth == 0 ? 0 : -EINVAL;
}

int fw_portmap_chain_names(const char *net, const char *container_id, const char *ifname,
			   char dnat[static FW_CHAIN_NAME_MAX],
			   char masq[static FW_CHAIN_NAME_MAX])
{
	int r;

	r = fw_attachment_chain_name('p', net, container_id, ifname, dnat);
	if (r < 0)
		return r;
	return fw_attachment_chain_name('m', net, container_id, ifname, masq);
}

/* Conditions joined with spaces ("" for none); NULL on ENOMEM. */
static char *join_tokens(char *const *tokens)
{
	size_t len = 1;
	char *s;

	for (char *const *t = tokens; t && *t; t++)
		len += strlen(*t) + 1;
	s = calloc(1, len);
	if (!s)
		return NULL;
	for (char *const *t = tokens; t && *t; t++) {
		if (t != tokens)
			strcat(s, " ");
		strcat(s, *t);
	}
	return s;
}

/* One rule of a chain: prefix [conds] suffix. */
struct pm_rule {
	char prefix[256];
	const char *conds; /* borrowed, "" for none */
	char suffix[96];
};

struct pm_rules {
	struct pm_rule *v;
	size_t n;
};

static int rules_push(struct pm_rules *rs, const char *prefix, const char *conds,
		      const char *suffix)
{
	struct pm_rule *nv = realloc(rs->v, (rs->n + 1) * sizeof(*nv));

	if (!nv)
		return -ENOMEM;
	rs->v = nv;
	snprintf(nv[rs->n].prefix, sizeof(nv[rs->n].prefix), "%s", prefix);
	nv[rs->n].conds = conds;
	snprintf(nv[rs->n].suffix, sizeof(nv[rs->n].suffix), "%s", suffix);
	rs->n++;
	return 0;
}

static bool entry_applies(const struct fw_portmap_entry *e, int family)
{
	return e->host_ip.family == 0 || e->host_ip.family == family;
}

static int validate_spec(const struct fw_portmap_spec *s)
{
	if (!s || !s->net || !s->container_id || !s->ifname)
		return -EINVAL;
	if (s->mark_bit > 31)
		return -EINVAL;
	if (s->ip4.addr.family != 0 &&
	    (s->ip4.addr.family != AF_INET || s->ip4.len > 32))
		return -EINVAL;
	if (s->ip6.addr.family != 0 &&
	    (s->ip6.addr.family != AF_INET6 || s->ip6.len > 128))
		return -EINVAL;
	for (size_t i = 0; i < s->n_entries; i++) {
		const struct fw_portmap_entry *e = &s->entries[i];

		if (e->host_port == 0 || e->container_port == 0 ||
		    !fw_portmap_proto_to_string(e->proto))
			return -EINVAL;
		if (e->host_ip.family != 0 && e->host_ip.family != AF_INET &&
		    e->host_ip.family != AF_INET6)
			return -EINVAL;
	}
	if (fw_portmap_conditions_valid(s->conditions4) < 0 ||
	    fw_portmap_conditions_valid(s->conditions6) < 0)
		return -EINVAL;
	return 0;
}

/* The DNAT chain's rules for one container address. */
static int dnat_rules(const struct fw_portmap_spec *s, const struct ip_prefix *cip,
		      const char *conds, struct pm_rules *rs)
{
	bool v4 = cip->addr.family == AF_INET;
	const char *fam = v4 ? "ip" : "ip6";
	char mark[64], dnat[96], a[IP_ADDR_STRLEN], subnet_s[IP_PREFIX_STRLEN];
	struct ip_prefix subnet = *cip;
	int r;

	ip_prefix_mask(&subnet);
	if (subnet.len == ip_family_bits(subnet.addr.family))
		ip_addr_to_string(&subnet.addr, subnet_s);
	else
		ip_prefix_to_string(&subnet, subnet_s);
	snprintf(mark, sizeof(mark), "meta mark set meta mark | 0x%08x", 1u << s->mark_bit);

	for (size_t i = 0; i < s->n_entries; i++) {
		const struct fw_portmap_entry *e = &s->entries[i];
		char match[96], base[160], pre[256];

		if (!entry_applies(e, cip->addr.family))
			continue;
		if (e->host_ip.family && !ip_addr_is_zero(&e->host_ip))
			snprintf(match, sizeof(match), "%s daddr %s ", fam,
				 ip_addr_to_string(&e->host_ip, a));
		else
			snprintf(match, sizeof(match), "meta nfproto %s ", v4 ? "ipv4" : "ipv6");
		snprintf(base, sizeof(base), "%s%s dport %u", match,
			 fw_portmap_proto_to_string(e->proto), e->host_port);

		if (s->snat && s->masq_all) {
			r = rules_push(rs, base, conds, mark);
			if (r < 0)
				return r;
		} else if (s->snat) {
			/* An ip match makes nft drop the nfproto dependency when printing. */
			const char *nomatch = startswith(base, "meta nfproto ") ?
				base + strlen("meta nfproto ipv4 ") : base;

			snprintf(pre, sizeof(pre), "%s %s saddr %s", nomatch, fam, subnet_s);
			r = rules_push(rs, pre, conds, mark);
			if (r < 0)
				return r;
			if (v4) {
				snprintf(pre, sizeof(pre), "%s ip saddr 127.0.0.1", nomatch);
				r = rules_push(rs, pre, conds, mark);
				if (r < 0)
					return r;
			}
		}
		ip_addr_to_string(&cip->addr, a);
		if (v4)
			snprintf(dnat, sizeof(dnat), "dnat ip to %s:%u", a, e->container_port);
		else
			snprintf(dnat, sizeof(dnat), "dnat ip6 to [%s]:%u", a, e->container_port);
		r = rules_push(rs, base, conds, dnat);
		if (r < 0)
			return r;
	}
	return 0;
}

static int all_dnat_rules(const struct fw_portmap_spec *s, const char *conds4,
			  const char *conds6, struct pm_rules *rs)
{
	int r = 0;

	if (s->ip4.addr.family == AF_INET)
		r = dnat_rules(s, &s->ip4, conds4, rs);
	if (r >= 0 && s->ip6.addr.family == AF_INET6)
		r = dnat_rules(s, &s->ip6, conds6, rs);
	return r;
}

static void render_rule(FILE *f, const char *lead, const struct pm_rule *r)
{
	fprintf(f, "%s%s%s%s %s\n", lead, r->prefix, *r->conds ? " " : "", r->conds, r->suffix);
}

/* Distinct (protocol, port) pairs used by at least one family of the container. */
static bool dispatch_needed(const struct fw_portmap_spec *s, size_t i)
{
	const struct fw_portmap_entry *e = &s->entries[i];

	if (!((s->ip4.addr.family && entry_applies(e, AF_INET)) ||
	      (s->ip6.addr.family && entry_applies(e, AF_INET6))))
		return false;
	for (size_t k = 0; k < i; k++) {
		const struct fw_portmap_entry *o = &s->entries[k];

		if (o->proto == e->proto && o->host_port == e->host_port &&
		    ((s->ip4.addr.family && entry_applies(o, AF_INET)) ||
		     (s->ip6.addr.family && entry_applies(o, AF_INET6))))
			return false;
	}
	return true;
}

static void render_masq_rule(FILE *f, const char *lead, unsigned bit)
{
	fprintf(f, "%smeta mark & 0x%08x == 0x%08x masquerade\n", lead, 1u << bit, 1u << bit);
}

/* --- reading a listing --- */

static json_t *listing_items(json_t *listing)
{
	return json_object_get(listing, "nftables");
}

static bool is_attachment_chain(const char *name)
{
	return name && (startswith(name, "p-") || startswith(name, "m-"));
}

static const struct fw_vmap_table pm_table = {
	.family = FW_PORTMAP_FAMILY,
	.table = FW_PORTMAP_TABLE,
	.maps = pm_maps,
	.n_maps = ELEMENTSOF(pm_maps),
};

static int render_delete_one(FILE *f, json_t *listing, const char *chain)
{
	return fw_render_delete_attachment_chain(f, &pm_table, listing, chain);
}

int fw_portmap_render_delete(json_t *listing, char *const *chains, char **ret_text)
{
	_cleanup_free_ char *buf = NULL;
	bool others = false;
	size_t size = 0;
	json_t *item;
	size_t i;
	FILE *f;
	int r = 0;

	json_array_foreach(listing_items(listing), i, item) {
		const char *name = json_object_get_string(json_object_get(item, "chain"), "name");

		if (is_attachment_chain(name) && !fw_strv_contains(chains, name))
			others = true;
	}
	f = open_memstream(&buf, &size);
	if (!f)
		return -ENOMEM;
	if (!others && json_array_size(listing_items(listing)) > 0)
		/* The last attachment goes (or an earlier failure left none): nothing stays. */
		fputs("delete table " T "\n", f);
	else
		for (char *const *c = chains; *c && r >= 0; c++)
			r = render_delete_one(f, listing, *c);
	if (r < 0) {
		fclose(f);
		return r;
	}
	return fw_memstream_finish(f, &buf, ret_text);
}

int fw_portmap_render_add(const struct fw_portmap_spec *s, json_t *listing, char **ret_text)
{
	_cleanup_free_ char *buf = NULL, *conds4 = NULL, *conds6 = NULL;
	char pchain[FW_CHAIN_NAME_MAX], mchain[FW_CHAIN_NAME_MAX], lead[128];
	struct pm_rules rs = {};
	size_t size = 0;
	FILE *f;
	int r;

	r = validate_spec(s);
	if (r < 0)
		return r;
	r = fw_portmap_chain_names(s->net, s->container_id, s->ifname, pchain, mchain);
	if (r < 0)
		return r;
	conds4 = join_tokens(s->conditions4);
	conds6 = join_tokens(s->conditions6);
	if (!conds4 || !conds6)
		return -ENOMEM;
	r = all_dnat_rules(s, conds4, conds6, &rs);
	if (r < 0)
		goto out;

	r = -ENOMEM;
	f = open_memstream(&buf, &size);
	if (!f)
		goto out;
	r = 0;
	fputs(pm_base_text, f);

	if (listing) {
		/* What this attachment had, and map elements of its addresses owned by others. */
		const struct ip_prefix *ips[] = { &s->ip4, &s->ip6 };

		r = render_delete_one(f, listing, pchain);
		if (r >= 0)
			r = render_delete_one(f, listing, mchain);
		for (size_t k = 0; k < ELEMENTSOF(ips) && r >= 0 && s->snat; k++)
			if (ips[k]->addr.family)
				r = fw_render_delete_stale_element(f, &pm_table, listing,
								   pm_maps[k], &ips[k]->addr,
								   mchain);
		if (r < 0) {
			fclose(f);
			goto out;
		}
	}

	fw_render_add_attachment_chain(f, FW_PORTMAP_FAMILY, FW_PORTMAP_TABLE, pchain, s->net,
				       s->container_id, s->ifname);
	snprintf(lead, sizeof(lead), "add rule " T " %s ", pchain);
	for (size_t i = 0; i < rs.n; i++)
		render_rule(f, lead, &rs.v[i]);
	for (size_t i = 0; i < s->n_entries; i++)
		if (dispatch_needed(s, i))
			fprintf(f, "add rule " T " hostports %s dport %u jump %s\n",
				fw_portmap_proto_to_string(s->entries[i].proto),
				s->entries[i].host_port, pchain);
	if (s->snat && (s->ip4.addr.family || s->ip6.addr.family)) {
		char a[IP_ADDR_STRLEN];

		fw_render_add_attachment_chain(f, FW_PORTMAP_FAMILY, FW_PORTMAP_TABLE, mchain, s->net,
					       s->container_id, s->ifname);
		snprintf(lead, sizeof(lead), "add rule " T " %s ", mchain);
		render_masq_rule(f, lead, s->mark_bit);
		if (s->ip4.addr.family)
			fprintf(f, "add element " T " masq4 { %s : jump %s }\n",
				ip_addr_to_string(&s->ip4.addr, a), mchain);
		if (s->ip6.addr.family)
			fprintf(f, "add element " T " masq6 { %s : jump %s }\n",
				ip_addr_to_string(&s->ip6.addr, a), mchain);
	}
	r = fw_memstream_finish(f, &buf, ret_text);
out:
	free(rs.v);
	return r;
}

int fw_portmap_render_listing(const struct fw_portmap_spec *s, char **ret_dnat,
			      char **ret_masq)
{
	_cleanup_free_ char *dbuf = NULL, *mbuf = NULL, *conds4 = NULL, *conds6 = NULL;
	_cleanup_free_ char *dnat = NULL;
	char pchain[FW_CHAIN_NAME_MAX], mchain[FW_CHAIN_NAME_MAX];
	struct pm_rules rs = {};
	size_t size = 0;
	FILE *f;
	int r;

	r = validate_spec(s);
	if (r < 0)
		return r;
	r = fw_portmap_chain_names(s->net, s->container_id, s->ifname, pchain, mchain);
	if (r < 0)
		return r;
	conds4 = join_tokens(s->conditions4);
	conds6 = join_tokens(s->conditions6);
	if (!conds4 || !conds6)
		return -ENOMEM;
	r = all_dnat_rules(s, conds4, conds6, &rs);
	if (r < 0)
		goto out;
	r = -ENOMEM;
	f = open_memstream(&dbuf, &size);
	if (!f)
		goto out;
	fw_render_chain_listing_head(f, FW_PORTMAP_FAMILY, FW_PORTMAP_TABLE, pchain, s->net,
				     s->container_id, s->ifname);
	for (size_t i = 0; i < rs.n; i++)
		render_rule(f, "\t\t", &rs.v[i]);
	fw_render_chain_listing_tail(f);
	r = fw_memstream_finish(f, &dbuf, &dnat);
	if (r < 0)
		goto out;
	if (s->snat) {
		r = -ENOMEM;
		f = open_memstream(&mbuf, &size);
		if (!f)
			goto out;
		fw_render_chain_listing_head(f, FW_PORTMAP_FAMILY, FW_PORTMAP_TABLE, mchain, s->net,
					     s->container_id, s->ifname);
		render_masq_rule(f, "\t\t", s->mark_bit);
		fw_render_chain_listing_tail(f);
		r = fw_memstream_finish(f, &mbuf, ret_masq);
		if (r < 0)
			goto out;
	} else {
		*ret_masq = NULL;
	}
	*ret_dnat = TAKE_PTR(dnat);
	r = 0;
out:
	free(rs.v);
	return r;
}

int fw_portmap_listing_udp_ports(json_t *listing, const char *chain, uint16_t **ret_ports,
				 size_t *ret_n)
{
	_cleanup_free_ uint16_t *ports = NULL;
	size_t n = 0;
	json_t *item;
	size_t i;

	json_array_foreach(listing_items(listing), i, item) {
		json_t *rule = json_object_get(item, "rule"), *expr;
		size_t k;

		if (!rule || !streq_ptr(json_object_get_string(rule, "chain"), chain))
			continue;
		json_array_foreach(json_object_get(rule, "expr"), k, expr) {
			json_t *match = json_object_get(expr, "match");
			json_t *left = json_object_get(match, "left");
			json_t *payload = json_object_get(left, "payload");
			json_t *right = json_object_get(match, "right");
			json_int_t port;
			bool seen = false;
			uint16_t *nv;

			if (!streq_ptr(json_object_get_string(payload, "protocol"), "udp") ||
			    !streq_ptr(json_object_get_string(payload, "field"), "dport") ||
			    !json_is_integer(right))
				continue;
			port = json_integer_value(right);
			if (port <= 0 || port > 65535)
				continue;
			for (size_t p = 0; p < n && !seen; p++)
				seen = ports[p] == port;
			if (seen)
				continue;
			nv = realloc(ports, (n + 1) * sizeof(*nv));
			if (!nv)
				return -ENOMEM;
			ports = nv;
			ports[n++] = (uint16_t)port;
		}
	}
	*ret_ports = TAKE_PTR(ports);
	*ret_n = n;
	return 0;
}

/* The table's listing, or NULL (and 0) when it does not exist. */
static int list_table(json_t **ret)
{
	return fw_list_table_json_or_null(FW_PORTMAP_FAMILY, FW_PORTMAP_TABLE, ret);
}

int fw_portmap_add(const struct fw_portmap_spec *s, char **ret_error_text)
{
	_cleanup_json_ json_t *j = NULL;
	_cleanup_free_ char *text = NULL;
	int r;

	r = list_table(&j);
	if (r < 0)
		return r;
	r = fw_portmap_render_add(s, j, &text);
	if (r < 0)
		return r;
	return fw_apply(text, ret_error_text);
}

static int delete_chains(char *const *chains, uint16_t **ret_udp_ports, size_t *ret_n,
			 char **ret_error_text)
{
	_cleanup_json_ json_t *j = NULL;
	_cleanup_free_ char *text = NULL;
	_cleanup_free_ uint16_t *ports = NULL;
	size_t n = 0;
	int r;

	r = list_table(&j);
	if (r < 0)
		return r;
	if (j) {
		for (char *const *c = chains; *c; c++) {
			_cleanup_free_ uint16_t *p = NULL;
			size_t np = 0;
			uint16_t *nv;

			r = fw_portmap_listing_udp_ports(j, *c, &p, &np);
			if (r < 0)
				return r;
			if (np == 0)
				continue;
			nv = realloc(ports, (n + np) * sizeof(*nv));
			if (!nv)
				return -ENOMEM;
			ports = nv;
			memcpy(ports + n, p, np * sizeof(*p));
			n += np;
		}
		r = fw_portmap_render_delete(j, chains, &text);
		if (r < 0)
			return r;
		if (*text) {
			r = fw_apply(text, ret_error_text);
			if (r < 0)
				return r;
		}
	}
	if (ret_udp_ports) {
		*ret_udp_ports = TAKE_PTR(ports);
		*ret_n = n;
	}
	return 0;
}

static int reference_del(const char *net, const char *container_id, char **ret_error_text)
{
	char chain[FW_PORTMAP_REF_CHAIN_MAX];
	int r;

	r = fw_portmap_reference_chain_name(net, container_id, chain);
	if (r < 0)
		return r;
	return fw_reference_nat_chain_del(chain, "CNI-HOSTPORT-DNAT", ret_error_text);
}

int fw_portmap_del(const char *net, const char *container_id, const char *ifname,
		   uint16_t **ret_udp_ports, size_t *ret_n, char **ret_error_text)
{
	char pchain[FW_CHAIN_NAME_MAX], mchain[FW_CHAIN_NAME_MAX];
	char *chains[] = { pchain, mchain, NULL };
	int r;

	r = fw_portmap_chain_names(net, container_id, ifname, pchain, mchain);
	if (r < 0)
		return r;
	r = delete_chains(chains, ret_udp_ports, ret_n, ret_error_text);
	if (r < 0)
		return r;
	/* a container the reference portmap mapped before the node switched to us */
	return reference_del(net, container_id, ret_error_text);
}

/* Strip the nfproto dependency nft may or may not print. */
static const char *skip_nfproto(const char *line)
{
	const char *p = startswith(line, "meta nfproto ipv4 ");

	if (!p)
		p = startswith(line, "meta nfproto ipv6 ");
	return p ? p : line;
}

/* One printed rule line against an expected rule, around conditions nft may normalise. */
static bool rule_line_matches(const char *line, const struct pm_rule *want)
{
	const char *have = skip_nfproto(line), *pre = skip_nfproto(want->prefix);
	size_t lh = strlen(have), lp = strlen(pre), ls = strlen(want->suffix);

	if (!*want->conds)
		return lh == lp + 1 + ls && strncmp(have, pre, lp) == 0 && have[lp] == ' ' &&
		       streq(have + lp + 1, want->suffix);
	return lh > lp + ls + 2 && strncmp(have, pre, lp) == 0 && have[lp] == ' ' &&
	       streq(have + lh - ls, want->suffix) && have[lh - ls - 1] == ' ';
}

/* The rule lines of a `list chain` text (after the comment line), each without the tabs. */
static int chain_rule_lines(char *text, char ***ret)
{
	_cleanup_strv_free_ char **lines = NULL;
	size_t n = 0;
	char *save = NULL;

	lines = calloc(1, sizeof(char *));
	if (!lines)
		return -ENOMEM;
	for (char *l = strtok_r(text, "\n", &save); l; l = strtok_r(NULL, "\n", &save)) {
		int r;

		if (!startswith(l, "\t\t") || startswith(l, "\t\tcomment "))
			continue;
		r = fw_strv_push(&lines, &n, l + 2);
		if (r < 0)
			return r;
	}
	*ret = TAKE_PTR(lines);
	return 0;
}

static int check_dnat_chain(const struct fw_portmap_spec *s, const char *pchain)
{
	_cleanup_free_ char *have = NULL, *conds4 = NULL, *conds6 = NULL;
	_cleanup_strv_free_ char **lines = NULL;
	struct pm_rules rs = {};
	size_t n = 0;
	int r;

	r = fw_list_chain_text(FW_PORTMAP_FAMILY, FW_PORTMAP_TABLE, pchain, &have);
	if (r < 0)
		return r;
	conds4 = join_tokens(s->conditions4);
	conds6 = join_tokens(s->conditions6);
	if (!conds4 || !conds6)
		return -ENOMEM;
	r = chain_rule_lines(have, &lines);
	if (r < 0)
		return r;
	r = all_dnat_rules(s, conds4, conds6, &rs);
	if (r < 0)
		goto out;
	for (n = 0; lines[n]; n++)
		;
	r = n == rs.n ? 0 : -EUCLEAN;
	for (size_t i = 0; i < rs.n && r == 0; i++)
		if (!rule_line_matches(lines[i], &rs.v[i]))
			r = -EUCLEAN;
out:
	free(rs.v);
	return r;
}

int fw_portmap_check(const struct fw_portmap_spec *s)
{
	_cleanup_free_ char *want_dnat = NULL, *want_masq = NULL;
	_cleanup_json_ json_t *j = NULL;
	char pchain[FW_CHAIN_NAME_MAX], mchain[FW_CHAIN_NAME_MAX];
	size_t n_dispatch = 0, n_want_dispatch = 0;
	json_t *item;
	size_t i;
	int r;

	r = fw_portmap_render_listing(s, &want_dnat, &want_masq);
	if (r < 0)
		return r;
	r = fw_portmap_chain_names(s->net, s->container_id, s->ifname, pchain, mchain);
	if (r < 0)
		return r;

	/* A rewritten base chain would silently disable every attachment. */
	for (size_t b = 0; b < ELEMENTSOF(pm_base_listing); b++) {
		r = fw_check_chain_listing(FW_PORTMAP_FAMILY, FW_PORTMAP_TABLE,
					   pm_base_listing[b][0], pm_base_listing[b][1]);
		if (r < 0)
			return r;
	}
	r = check_dnat_chain(s, pchain);
	if (r < 0)
		return r;

	r = list_table(&j);
	if (r < 0)
		return r;
	if (!j)
		return -ENOENT;
	/* hostports must lead each (protocol, port) of ours, and only those, to our chain. */
	for (size_t k = 0; k < s->n_entries; k++)
		if (dispatch_needed(s, k))
			n_want_dispatch++;
	json_array_foreach(listing_items(j), i, item) {
		json_t *rule = json_object_get(item, "rule");

		if (rule && fw_rule_jumps_to(rule, pchain)) {
			if (!streq_ptr(json_object_get_string(rule, "chain"), "hostports"))
				return -EUCLEAN;
			n_dispatch++;
		}
	}
	if (n_dispatch != n_want_dispatch)
		return n_dispatch < n_want_dispatch ? -ENOENT : -EUCLEAN;

	if (want_masq) {
		const struct ip_prefix *ips[] = { &s->ip4, &s->ip6 };

		r = fw_check_chain_listing(FW_PORTMAP_FAMILY, FW_PORTMAP_TABLE, mchain, want_masq);
		if (r < 0)
			return r;
		for (size_t m = 0; m < ELEMENTSOF(pm_maps); m++) {
			_cleanup_strv_free_ char **keys = NULL;
			struct ip_addr a;

			r = fw_map_keys_for_chain(j, pm_maps[m], mchain, &keys);
			if (r < 0)
				return r;
			if (!ips[m]->addr.family) {
				if (keys[0])
					return -EUCLEAN;
				continue;
			}
			if (!keys[0])
				return -ENOENT;
			if (keys[1] || ip_addr_parse(keys[0], &a) < 0 ||
			    !ip_addr_equal(&a, &ips[m]->addr))
				return -EUCLEAN;
		}
	} else if (fw_table_has_chain(j, mchain)) {
		return -EUCLEAN;
	}
	return 0;
}

int fw_portmap_gc(const char *net, const struct fw_attachment *valid, size_t n_valid,
		  char **ret_error_text)
{
	_cleanup_json_ json_t *j = NULL;
	_cleanup_strv_free_ char **doomed = NULL, **keep = NULL;
	char pprefix[FW_CHAIN_NAME_MAX], mprefix[FW_CHAIN_NAME_MAX];
	size_t n = 0;
	int r;

	r = fw_attachment_chain_prefix('p', net, pprefix);
	if (r < 0)
		return r;
	r = fw_attachment_chain_prefix('m', net, mprefix);
	if (r < 0)
		return r;
	r = fw_attachment_keep_list("pm", net, valid, n_valid, false, &keep);
	if (r < 0)
		return r;
	r = list_table(&j);
	if (r < 0 || !j)
		return r;
	r = fw_collect_chains(j, (const char *const[]){ pprefix, mprefix, NULL }, keep, &doomed,
			      &n);
	if (r < 0)
		return r;
	if (n == 0)
		return 0;
	return delete_chains(doomed, NULL, NULL, ret_error_text);
}
