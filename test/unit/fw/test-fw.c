// SPDX-License-Identifier: Apache-2.0
/*
 * Pure parts of src/fw: identifier rules, and every renderer against golden files in
 * test/golden/fw/ (argv[1]); UPDATE_GOLDEN=1 rewrites them. Nothing here touches nftables.
 */
#include <errno.h>

#include "fw-test-util.h"
#include "fw/flannel.h"
#include "fw/fw.h"
#include "fw/macspoof.h"
#include "fw/masq.h"
#include "fw/portmap.h"

static void test_identifiers(void **state)
{
	static const char *const good_if[] = { "eth0", "veth1a2b3c4d", "net1.100", "a",
					       "br-0_x@y+z", "123456789012345" };
	static const char *const bad_if[] = { "", "1234567890123456", "eth0\"", "eth 0", "a;b",
					      "a/b", "a\nb", ".", "..", "\xc3\xa9th", "a}b",
					      "a:b" };
	char buf[FW_TOKEN_MAX], mac[FW_MAC_STRLEN];

	for (size_t i = 0; i < ELEMENTSOF(good_if); i++)
		assert_true(fw_ifname_valid(good_if[i]));
	for (size_t i = 0; i < ELEMENTSOF(bad_if); i++)
		assert_false(fw_ifname_valid(bad_if[i]));
	assert_false(fw_ifname_valid(NULL));

	assert_true(fw_identifier_valid("linen-cni-masq"));
	assert_true(fw_identifier_valid("inet"));
	assert_false(fw_identifier_valid("1abc"));
	assert_false(fw_identifier_valid("a b"));
	assert_false(fw_identifier_valid("a;delete"));
	assert_false(fw_identifier_valid(""));

	/* Comment tokens: safe text passes, anything else becomes a hash. */
	assert_string_equal(fw_comment_token("mynet", 32, buf), "mynet");
	assert_string_equal(fw_comment_token("abc:def/ghi", 32, buf), "abc:def/ghi");
	fw_comment_token("evil\" ; drop", 32, buf);
	assert_non_null(startswith(buf, "sha512:"));
	assert_int_equal(strlen(buf), FW_TOKEN_HASH_LEN);
	assert_null(strpbrk(buf, "\" ;\n"));
	/* Too long for its slot: hashed, so the comment stays within nft's 128 bytes. */
	fw_comment_token("0123456789012345678901234567890123456789", 32, buf);
	assert_non_null(startswith(buf, "sha512:"));
	/* A string posing as a hash is hashed itself. */
	fw_comment_token("sha512:0000", 32, buf);
	assert_string_not_equal(buf, "sha512:0000");
	fw_comment_token("", 32, buf);
	assert_non_null(startswith(buf, "sha512:"));

	assert_int_equal(fw_mac_normalize("0A:1b:2C:3d:4E:5f", mac), 0);
	assert_string_equal(mac, "0a:1b:2c:3d:4e:5f");
	assert_int_equal(fw_mac_normalize("0a:1b:2c:3d:4e", mac), -EINVAL);
	assert_int_equal(fw_mac_normalize("0a-1b-2c-3d-4e-5f", mac), -EINVAL);
	assert_int_equal(fw_mac_normalize("0g:1b:2c:3d:4e:5f", mac), -EINVAL);
	assert_int_equal(fw_mac_normalize("0a:1b:2c:3d:4e:5f\"", mac), -EINVAL);
}

static void test_hash_names(void **state)
{
	const char *ab_c[] = { "ab", "c" }, *a_bc[] = { "a", "bc" }, *abc[] = { "abc" };
	char h1[33], h2[33], h3[33], n1[FW_CHAIN_NAME_MAX], n2[FW_CHAIN_NAME_MAX];
	char p[FW_CHAIN_NAME_MAX];

	assert_int_equal(fw_hash_parts(ab_c, 2, 16, h1), 0);
	assert_int_equal(fw_hash_parts(a_bc, 2, 16, h2), 0);
	assert_int_equal(fw_hash_parts(abc, 1, 16, h3), 0);
	assert_string_not_equal(h1, h2);
	/* One part hashes as itself: SHA-512("abc") starts ddaf35a1. */
	assert_non_null(startswith(h3, "ddaf35a193617aba"));

	assert_int_equal(fw_attachment_chain_name('c', "net", "cid", "eth0", n1), 0);
	assert_int_equal(fw_attachment_chain_name('c', "net", "cid", "eth1", n2), 0);
	assert_string_not_equal(n1, n2);
	assert_int_equal(strlen(n1), 2 + 16 + 1 + 32);
	assert_true(fw_identifier_valid(n1));
	assert_int_equal(fw_attachment_chain_prefix('c', "net", p), 0);
	assert_non_null(startswith(n1, p));
	assert_int_equal(fw_attachment_chain_prefix('c', "other", p), 0);
	assert_null(startswith(n1, p));
	assert_int_equal(fw_attachment_chain_name('c', "", "cid", "eth0", n1), -EINVAL);
	assert_int_equal(fw_attachment_chain_name('c', "net", "", "eth0", n1), -EINVAL);
	assert_int_equal(fw_attachment_chain_name('-', "net", "cid", "eth0", n1), -EINVAL);
}

static void test_masq_render(void **state)
{
	const struct ip_prefix ips[] = { pfx("10.22.0.5/16"), pfx("fd00:22::5/64"),
					 pfx("10.22.0.5/16"), pfx("192.168.7.9/32") };
	_cleanup_free_ char *add = NULL, *list = NULL;

	assert_int_equal(fw_masq_render_add("mynet", "0123456789abcdef", "eth0", ips,
					    ELEMENTSOF(ips), &add), 0);
	golden("masq-add.nft", add);
	assert_int_equal(fw_masq_render_chain_listing("mynet", "0123456789abcdef", "eth0", ips,
						      ELEMENTSOF(ips), &list), 0);
	golden("masq-chain.txt", list);
}

static void test_masq_hostile(void **state)
{
	const struct ip_prefix ips[] = { pfx("10.22.0.5/24") };
	const char *evil = "x\" ; }\nflush ruleset\nadd rule inet f c drop comment \"";
	_cleanup_free_ char *add = NULL;
	char *t = NULL;

	/* A hostile network name or container ID is hashed, never spliced in. */
	assert_int_equal(fw_masq_render_add(evil, evil, "eth0", ips, 1, &add), 0);
	golden("masq-hostile.nft", add);
	assert_null(strstr(add, "flush ruleset"));
	/* Every quote is one of ours: the comment opens and closes once per chain. */
	{
		size_t quotes = 0;

		for (const char *c = add; *c; c++)
			quotes += *c == '"';
		assert_int_equal(quotes, 2);
	}
	/* A hostile ifname is refused outright, as are empty inputs. */
	assert_int_equal(fw_masq_render_add("n", "c", "eth0\" drop", ips, 1, &t), -EINVAL);
	assert_int_equal(fw_masq_render_add("n", "c", "eth0;", ips, 1, &t), -EINVAL);
	assert_int_equal(fw_masq_render_add("n", "c", "", ips, 1, &t), -EINVAL);
	assert_int_equal(fw_masq_render_add("", "c", "eth0", ips, 1, &t), -EINVAL);
	assert_int_equal(fw_masq_render_add("n", "", "eth0", ips, 1, &t), -EINVAL);
	assert_int_equal(fw_masq_render_add("n", "c", "eth0", ips, 0, &t), -EINVAL);
	assert_null(t);
}

static void test_macspoof_render(void **state)
{
	_cleanup_free_ char *add = NULL, *list = NULL, *hostile = NULL;
	char *t = NULL;

	assert_int_equal(fw_macspoof_render_add("mynet", "0123456789abcdef", "eth0", "veth1a2b3c4d",
						"0A:58:0a:16:00:05", &add), 0);
	golden("macspoof-add.nft", add);
	assert_int_equal(fw_macspoof_render_chain_listing("mynet", "0123456789abcdef", "eth0",
							  "0a:58:0a:16:00:05", &list), 0);
	golden("macspoof-chain.txt", list);
	assert_int_equal(fw_macspoof_render_add("n\"et", "c\nid", "eth0", "veth0",
						"0a:58:0a:16:00:05", &hostile), 0);
	{
		size_t quotes = 0;

		/* Ours only: the comment's pair and the port name's pair. */
		for (const char *c = hostile; *c; c++)
			quotes += *c == '"';
		assert_int_equal(quotes, 4);
		assert_null(strstr(hostile, "c\nid"));
	}
	assert_int_equal(fw_macspoof_render_add("n", "c", "eth0", "veth0\"", "0a:58:0a:16:00:05",
						&t), -EINVAL);
	assert_int_equal(fw_macspoof_render_add("n", "c", "eth0", "veth0", "0a:58:0a:16:00", &t),
			 -EINVAL);
	assert_int_equal(fw_macspoof_render_add("n", "c", "eth0", "veth0",
						"0a:58:0a:16:00:05 drop", &t), -EINVAL);
	assert_null(t);
}

static void test_flannel_render(void **state)
{
	struct fw_flannel_rules v4 = {
		.family = AF_INET,
		.network = pfx("10.244.0.0/16"),
		.subnet = pfx("10.244.3.1/24"),
		.masquerade = true,
		.fully_random = true,
		.forward = true,
	};
	struct fw_flannel_rules v6 = {
		.family = AF_INET6,
		.network = pfx("fd10::/56"),
		.subnet = pfx("fd10:0:0:3::/64"),
		.masquerade = true,
		.fully_random = false,
		.forward = true,
	};
	struct fw_flannel_rules bad;
	_cleanup_free_ char *a = NULL, *b = NULL, *c = NULL, *d = NULL, *e = NULL;
	char *t = NULL;

	assert_int_equal(fw_flannel_render(&v4, &a), 0);
	golden("flannel-ipv4.nft", a);
	assert_int_equal(fw_flannel_render_apply(&v4, &b), 0);
	golden("flannel-ipv4-apply.nft", b);
	assert_int_equal(fw_flannel_render(&v6, &c), 0);
	golden("flannel-ipv6.nft", c);
	v4.masquerade = false;
	assert_int_equal(fw_flannel_render(&v4, &d), 0);
	golden("flannel-ipv4-forward-only.nft", d);
	v4.forward = false;
	assert_int_equal(fw_flannel_render_apply(&v4, &e), 0);
	golden("flannel-ipv4-none.nft", e);

	/* The node subnet must lie inside the network, in the same family. */
	bad = v6;
	bad.subnet = pfx("fd11::/64");
	assert_int_equal(fw_flannel_render(&bad, &t), -EINVAL);
	bad = v6;
	bad.subnet = pfx("fd10::/48");
	assert_int_equal(fw_flannel_render(&bad, &t), -EINVAL);
	bad = v6;
	bad.subnet = pfx("10.244.3.0/24");
	assert_int_equal(fw_flannel_render(&bad, &t), -EINVAL);
	bad = v6;
	bad.family = AF_INET;
	assert_int_equal(fw_flannel_render(&bad, &t), -EINVAL);
	assert_null(t);

	/* The engine's whole-table replace refuses names it cannot quote. */
	assert_int_equal(fw_render_table_replace("ip", "a;flush", NULL, &t), -EINVAL);
	assert_int_equal(fw_render_table_replace("ip x", "a", NULL, &t), -EINVAL);
	assert_null(t);
}

static void test_delete_render(void **state)
{
	static const char *const maps[] = { "masq4", "masq6" };
	const struct fw_vmap_table tbl = { "inet", "linen-cni-masq", maps, 2 };
	/* Shaped like `nft -j list table`: two attachment chains, one foreign-looking key. */
	static const char listing[] =
		"{\"nftables\": [{\"table\": {\"family\": \"inet\", \"name\": \"linen-cni-masq\"}},"
		"{\"map\": {\"name\": \"masq4\", \"type\": \"ipv4_addr\", \"map\": \"verdict\","
		" \"elem\": [[\"10.0.0.5\", {\"jump\": {\"target\": \"c-a-1\"}}],"
		" [\"10.0.0.6\", {\"jump\": {\"target\": \"c-a-2\"}}],"
		" [\"10.0.0.7\", {\"goto\": {\"target\": \"c-a-1\"}}]]}},"
		"{\"map\": {\"name\": \"masq6\", \"type\": \"ipv6_addr\", \"map\": \"verdict\","
		" \"elem\": [[\"fd00::5\", {\"jump\": {\"target\": \"c-a-1\"}}]]}},"
		"{\"chain\": {\"name\": \"postrouting\"}}, {\"chain\": {\"name\": \"c-a-1\"}},"
		"{\"chain\": {\"name\": \"c-a-2\"}}, {\"chain\": {\"name\": \"c-b-1\"}}]}";
	char *one[] = { "c-a-1", "c-missing", NULL }, *none[] = { "c-missing", NULL };
	char *evil[] = { "c-a-1; flush ruleset", NULL };
	_cleanup_free_ char *text = NULL, *empty = NULL;
	_cleanup_strv_free_ char **chains = NULL;
	json_error_t jerr;
	json_t *j = json_loads(listing, 0, &jerr);
	char *t = NULL;

	assert_non_null(j);
	assert_int_equal(fw_render_delete_chains(&tbl, j, one, &text), 0);
	assert_string_equal(text,
			    "delete element inet linen-cni-masq masq4 { 10.0.0.5, 10.0.0.7 }\n"
			    "delete element inet linen-cni-masq masq6 { fd00::5 }\n"
			    "delete chain inet linen-cni-masq c-a-1\n");
	assert_int_equal(fw_render_delete_chains(&tbl, j, none, &empty), 0);
	assert_string_equal(empty, "");
	assert_int_equal(fw_render_delete_chains(&tbl, j, evil, &t), -EINVAL);
	assert_null(t);

	assert_int_equal(fw_chains_with_prefix(j, "c-a-", &chains), 0);
	assert_string_equal(chains[0], "c-a-1");
	assert_string_equal(chains[1], "c-a-2");
	assert_null(chains[2]);
	json_decref(j);
}

static void test_masq_reference_del(void **state)
{
	/* `nft -j list chain ip nat POSTROUTING` after two ADDs of the reference bridge with
	 * ipMasq (iptables-nft: xt comment matches, as it lists them) */
	static const char listing[] =
		"{\"nftables\": [{\"metainfo\": {\"json_schema_version\": 1}},"
		"{\"chain\": {\"family\": \"ip\", \"table\": \"nat\", \"name\": \"POSTROUTING\","
		" \"handle\": 4, \"type\": \"nat\", \"hook\": \"postrouting\", \"prio\": 100,"
		" \"policy\": \"accept\"}},"
		"{\"rule\": {\"family\": \"ip\", \"table\": \"nat\", \"chain\": \"POSTROUTING\","
		" \"handle\": 5, \"expr\": [{\"match\": {\"op\": \"==\", \"left\": {\"payload\":"
		" {\"protocol\": \"ip\", \"field\": \"saddr\"}}, \"right\": \"10.97.0.2\"}},"
		" {\"xt\": {\"type\": \"match\", \"name\": \"comment\"}}, {\"counter\": {}},"
		" {\"jump\": {\"target\": \"CNI-c419a202bcb585513d46be36\"}}]}},"
		"{\"rule\": {\"family\": \"ip\", \"table\": \"nat\", \"chain\": \"POSTROUTING\","
		" \"handle\": 8, \"expr\": [{\"jump\": {\"target\": \"CNI-other\"}}]}}]}";
	char chain[FW_MASQ_REF_CHAIN_MAX], dn[FW_PORTMAP_REF_CHAIN_MAX];
	_cleanup_free_ char *text = NULL, *none = NULL;
	json_error_t jerr;
	json_t *j = json_loads(listing, 0, &jerr);
	size_t len = 0;
	FILE *f;

	/* the reference's chain names, checked against what it made (nft list ruleset) */
	assert_int_equal(fw_masq_reference_chain_name("rfnet", "refc1", chain), 0);
	assert_string_equal(chain, "CNI-c419a202bcb585513d46be36");
	assert_int_equal(fw_portmap_reference_chain_name("rpnet", "refpm1", dn), 0);
	assert_string_equal(dn, "CNI-DN-32e5ce3062aca8c58691c");

	assert_non_null(j);
	f = open_memstream(&text, &len);
	fw_render_delete_jumps(j, "ip", "nat", "POSTROUTING", chain, f);
	fclose(f);
	/* only this attachment's jump; the other pod's stays */
	assert_string_equal(text, "delete rule ip nat POSTROUTING handle 5\n");
	/* another chain's rules, or no listing at all: nothing */
	f = open_memstream(&none, &len);
	fw_render_delete_jumps(j, "ip", "nat", "OUTPUT", chain, f);
	fw_render_delete_jumps(NULL, "ip6", "nat", "POSTROUTING", chain, f);
	fclose(f);
	assert_string_equal(none, "");
	json_decref(j);
}

/*
 * The one reader of a jump target, over the golden listings: every rule expression and verdict
 * map element that jumps somewhere, in listing order. jump-targets.txt was written with jq from
 * the same listings, not by this code.
 */
static void render_jump_targets(FILE *f, const char *name)
{
	json_t *j = load_json(name), *item, *e;
	size_t i, k;

	fprintf(f, "# %s\n", name);
	json_array_foreach(json_object_get(j, "nftables"), i, item) {
		json_t *rule = json_object_get(item, "rule"), *map = json_object_get(item, "map");

		json_array_foreach(json_object_get(rule, "expr"), k, e)
			if (fw_verdict_target(e))
				fprintf(f, "rule %s -> %s\n",
					json_string_value(json_object_get(rule, "chain")),
					fw_verdict_target(e));
		json_array_foreach(json_object_get(map, "elem"), k, e)
			if (fw_verdict_target(json_array_get(e, 1)))
				fprintf(f, "map %s %s -> %s\n",
					json_string_value(json_object_get(map, "name")),
					json_string_value(json_array_get(e, 0)),
					fw_verdict_target(json_array_get(e, 1)));
	}
	json_decref(j);
}

/*
 * flanneld's rules as iptables-nft v1.8 made them (listings of POSTROUTING and FORWARD with a
 * user's rule and a kube-proxy-like jump beside flanneld's): only flanneld's jumps go, then its
 * chains and its nftables-mode table.
 */
static void test_flanneld_remove_render(void **state)
{
	_cleanup_free_ char *text = NULL, *none = NULL, *v6 = NULL;
	json_t *post = load_json("flanneld-postrouting.json");
	json_t *fwd = load_json("flanneld-forward.json");

	(void)state;
	assert_int_equal(fw_flanneld_render_remove("ip", true, post, true, fwd, true, &text), 0);
	golden("flanneld-remove-ip.nft", text);
	/* nothing of flanneld's there: nothing to do */
	assert_int_equal(fw_flanneld_render_remove("ip", false, post, false, fwd, false, &none), 0);
	assert_string_equal(none, "");
	/* a chain nothing jumps to, and the IPv6 table */
	assert_int_equal(fw_flanneld_render_remove("ip6", true, NULL, false, NULL, true, &v6), 0);
	assert_string_equal(v6, "flush chain ip6 nat FLANNEL-POSTRTG\n"
				"delete chain ip6 nat FLANNEL-POSTRTG\n"
				"delete table ip6 flannel-ipv6\n");
	assert_int_equal(fw_flanneld_render_remove("inet", true, NULL, true, NULL, true, &v6),
			 -EINVAL);
	json_decref(post);
	json_decref(fwd);
}

static void test_jump_targets(void **state)
{
	static const char *const listings[] = { "firewall-listing-bridge.json",
						"firewall-listing-inet.json",
						"portmap-listing-ab.json" };
	_cleanup_free_ char *text = NULL, *del = NULL;
	size_t len = 0;
	json_error_t jerr;
	json_t *v, *rule, *chain;
	FILE *f;

	f = open_memstream(&text, &len);
	for (size_t i = 0; i < ELEMENTSOF(listings); i++)
		render_jump_targets(f, listings[i]);
	fclose(f);
	golden("jump-targets.txt", text);

	/* goto counts as much as jump; other verdicts and malformed ones are no target */
	v = json_loads("[{\"goto\": {\"target\": \"g\"}}, {\"jump\": {\"target\": \"j\"}},"
		       " {\"accept\": null}, {\"jump\": {}}, {\"jump\": \"x\"},"
		       " {\"goto\": {\"target\": 7}}, {\"vmap\": {\"key\": 1, \"data\": \"@m\"}}]",
		       0, &jerr);
	assert_non_null(v);
	assert_string_equal(fw_verdict_target(json_array_get(v, 0)), "g");
	assert_string_equal(fw_verdict_target(json_array_get(v, 1)), "j");
	for (size_t i = 2; i < json_array_size(v); i++)
		assert_null(fw_verdict_target(json_array_get(v, i)));
	assert_null(fw_verdict_target(NULL));
	json_decref(v);

	/* a rule going to the reference's chain by goto is removed with it, like a jump */
	chain = json_loads("{\"nftables\": [{\"rule\": {\"family\": \"ip\", \"table\": \"nat\","
			   " \"chain\": \"POSTROUTING\", \"handle\": 9, \"expr\": [{\"counter\": {}},"
			   " {\"goto\": {\"target\": \"CNI-x\"}}]}}]}", 0, &jerr);
	assert_non_null(chain);
	rule = json_object_get(json_array_get(json_object_get(chain, "nftables"), 0), "rule");
	assert_true(fw_rule_jumps_to(rule, "CNI-x"));
	assert_false(fw_rule_jumps_to(rule, "CNI-y"));
	f = open_memstream(&del, &len);
	fw_render_delete_jumps(chain, "ip", "nat", "POSTROUTING", "CNI-x", f);
	fclose(f);
	assert_string_equal(del, "delete rule ip nat POSTROUTING handle 9\n");
	json_decref(chain);
}

int main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_identifiers),   cmocka_unit_test(test_hash_names),
		cmocka_unit_test(test_masq_render),   cmocka_unit_test(test_masq_hostile),
		cmocka_unit_test(test_macspoof_render), cmocka_unit_test(test_flannel_render),
		cmocka_unit_test(test_delete_render), cmocka_unit_test(test_masq_reference_del),
		cmocka_unit_test(test_jump_targets), cmocka_unit_test(test_flanneld_remove_render),
	};

	golden_dir = argc > 1 ? argv[1] : "test/golden/fw";
	return cmocka_run_group_tests(tests, NULL, NULL);
}
