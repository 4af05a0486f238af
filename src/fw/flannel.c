// SPDX-License-Identifier: Apache-2.0
/*
 * flannel.c - linend's masquerade and forward tables (see flannel.h).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "basic/macro.h"
#include "fw/flannel.h"
#include "fw/fw.h"

static const char *family_name(int family)
{
	return family == AF_INET ? "ip" : family == AF_INET6 ? "ip6" : NULL;
}

/* A prefix as nft prints it: masked, a full-length prefix as a bare address. */
static const char *net_text(const struct ip_prefix *p, char buf[static IP_PREFIX_STRLEN])
{
	struct ip_prefix m = *p;

	ip_prefix_mask(&m);
	if (m.len == ip_family_bits(m.addr.family))
		return ip_addr_to_string(&m.addr, buf);
	return ip_prefix_to_string(&m, buf);
}

static int validate(const struct fw_flannel_rules *rules)
{
	struct ip_prefix n;

	if (!family_name(rules->family) || rules->network.addr.family != rules->family)
		return -EINVAL;
	if (!rules->masquerade)
		return 0;
	if (rules->subnet.addr.family != rules->family)
		return -EINVAL;
	n = rules->network;
	ip_prefix_mask(&n);
	if (rules->subnet.len < n.len || !ip_prefix_contains(&n, &rules->subnet.addr))
		return -EINVAL;
	return 0;
}

int fw_flannel_render(const struct fw_flannel_rules *rules, char **ret_text)
{
	_cleanup_free_ char *buf = NULL;
	char n[IP_PREFIX_STRLEN], p[IP_PREFIX_STRLEN];
	const char *fam, *mcast, *rnd;
	size_t size = 0;
	FILE *f;
	int r;

	r = validate(rules);
	if (r < 0)
		return r;
	fam = family_name(rules->family);
	mcast = rules->family == AF_INET ? "224.0.0.0/4" : "ff00::/8";
	rnd = rules->fully_random ? " fully-random" : "";
	net_text(&rules->network, n);
	f = open_memstream(&buf, &size);
	if (!f)
		return -ENOMEM;

	fprintf(f, "table %s " FW_FLANNEL_TABLE " {\n", fam);
	if (rules->masquerade) {
		net_text(&rules->subnet, p);
		fputs("\tchain postrtg {\n"
		      "\t\ttype nat hook postrouting priority srcnat; policy accept;\n", f);
		/* kube-proxy marks what it will SNAT itself; masked like iptables' --mark. */
		fputs("\t\tmeta mark & 0x00004000 == 0x00004000 return"
		      " comment \"linend masq\"\n", f);
		/* Pod to pod inside the cluster keeps its address, both ways. */
		fprintf(f, "\t\t%s saddr %s %s daddr %s return comment \"linend masq\"\n",
			fam, p, fam, n);
		fprintf(f, "\t\t%s saddr %s %s daddr %s return comment \"linend masq\"\n",
			fam, n, fam, p);
		/* Outside to a local pod keeps the client address (flannel's iptables rule 4). */
		fprintf(f, "\t\t%s saddr != %s %s daddr %s return comment \"linend masq\"\n",
			fam, n, fam, p);
		/* Pod to outside, multicast excepted. */
		fprintf(f, "\t\t%s saddr %s %s daddr != %s masquerade%s comment \"linend masq\"\n",
			fam, n, fam, mcast, rnd);
		/* Host to remote pods, so replies come back through the overlay. */
		fprintf(f, "\t\t%s saddr != %s %s daddr %s masquerade%s comment \"linend masq\"\n",
			fam, n, fam, n, rnd);
		fputs("\t}\n", f);
	}
	if (rules->forward) {
		if (rules->masquerade)
			fputc('\n', f);
		fputs("\tchain forward {\n"
		      "\t\ttype filter hook forward priority filter; policy accept;\n", f);
		fprintf(f, "\t\t%s saddr %s accept comment \"linend forward\"\n", fam, n);
		fprintf(f, "\t\t%s daddr %s accept comment \"linend forward\"\n", fam, n);
		fputs("\t}\n", f);
	}
	fputs("}\n", f);
	return fw_memstream_finish(f, &buf, ret_text);
}

int fw_flannel_render_apply(const struct fw_flannel_rules *rules, char **ret_text)
{
	_cleanup_free_ char *table = NULL;
	int r;

	r = validate(rules);
	if (r < 0)
		return r;
	if (rules->masquerade || rules->forward) {
		r = fw_flannel_render(rules, &table);
		if (r < 0)
			return r;
	}
	return fw_render_table_replace(family_name(rules->family), FW_FLANNEL_TABLE, table,
				       ret_text);
}

int fw_flannel_apply(const struct fw_flannel_rules *rules, char **ret_error_text)
{
	_cleanup_free_ char *text = NULL;
	int r;

	r = fw_flannel_render_apply(rules, &text);
	if (r < 0)
		return r;
	return fw_apply(text, ret_error_text);
}

int fw_flannel_check(const struct fw_flannel_rules *rules)
{
	_cleanup_free_ char *want = NULL, *have = NULL;
	int r;

	r = validate(rules);
	if (r < 0)
		return r;
	if (!rules->masquerade && !rules->forward) {
		/* Nothing enabled: in place means absent. */
		r = fw_table_exists(family_name(rules->family), FW_FLANNEL_TABLE);
		return r < 0 ? r : r > 0 ? -EUCLEAN : 0;
	}
	r = fw_flannel_render(rules, &want);
	if (r < 0)
		return r;
	r = fw_list_table_text(family_name(rules->family), FW_FLANNEL_TABLE, &have);
	if (r < 0)
		return r;
	return streq(want, have) ? 0 : -EUCLEAN;
}

int fw_flannel_remove(int family, char **ret_error_text)
{
	if (!family_name(family))
		return -EINVAL;
	return fw_table_remove(family_name(family), FW_FLANNEL_TABLE, ret_error_text);
}
