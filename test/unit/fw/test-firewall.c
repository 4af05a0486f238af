// SPDX-License-Identifier: Apache-2.0
/*
 * Pure parts of src/fw/firewall.c against golden files in test/golden/fw/ (argv[1]): the ADD
 * transaction per ingressPolicy, the CHECK listings, DEL/GC transactions from real nft
 * listings (firewall-listing-{inet,bridge}.json, made by applying firewall-add-*.nft in a
 * fresh namespace), policy and admin-chain names. UPDATE_GOLDEN=1 rewrites the outputs.
 */
#include <errno.h>

#include "fw-test-util.h"
#include "basic/json-util.h"
#include "fw/firewall.h"

static struct ip_prefix ips_a[3], ips_b[1];

/* A: dual stack on bridge brA, isolated; B: IPv4 on brB, same-bridge, own admin chain. */
static struct fw_firewall_spec spec_a(void)
{
	assert_int_equal(ip_prefix_parse("10.98.1.2/24", &ips_a[0]), 0);
	assert_int_equal(ip_prefix_parse("fd98:1::2/64", &ips_a[1]), 0);
	assert_int_equal(ip_prefix_parse("10.98.1.2/24", &ips_a[2]), 0); /* duplicate */
	return (struct fw_firewall_spec){
		.net = "neta", .container_id = "ctr-a", .ifname = "eth0",
		.ips = ips_a, .n_ips = 3, .policy = FW_INGRESS_ISOLATED, .bridge = "brA",
	};
}

static struct fw_firewall_spec spec_b(void)
{
	assert_int_equal(ip_prefix_parse("10.98.2.2/24", &ips_b[0]), 0);
	return (struct fw_firewall_spec){
		.net = "netb", .container_id = "ctr-b", .ifname = "eth0",
		.ips = ips_b, .n_ips = 1, .policy = FW_INGRESS_SAME_BRIDGE, .bridge = "brB",
		.admin_chain = "MY-ADMIN",
	};
}

static void test_render_add(void **state)
{
	struct fw_firewall_spec a = spec_a(), b = spec_b(), o = spec_b();
	_cleanup_free_ char *ta = NULL, *tb = NULL, *to = NULL;

	assert_int_equal(fw_firewall_render_add(&a, NULL, NULL, &ta), 0);
	golden("firewall-add-a.nft", ta);
	assert_int_equal(fw_firewall_render_add(&b, NULL, NULL, &tb), 0);
	golden("firewall-add-b.nft", tb);
	o.policy = FW_INGRESS_OPEN;
	o.bridge = NULL;
	o.container_id = "ctr-o";
	o.admin_chain = NULL;
	assert_int_equal(fw_firewall_render_add(&o, NULL, NULL, &to), 0);
	golden("firewall-add-open.nft", to);
	assert_null(strstr(to, "element inet linen-cni-firewall iso4"));
	assert_null(strstr(to, "bridge"));
}

static void test_render_invalid(void **state)
{
	struct fw_firewall_spec s = spec_b();
	char *t = NULL;

	s.bridge = NULL;
	assert_int_equal(fw_firewall_render_add(&s, NULL, NULL, &t), -EINVAL);
	s = spec_b();
	s.bridge = "br\"0";
	assert_int_equal(fw_firewall_render_add(&s, NULL, NULL, &t), -EINVAL);
	s = spec_b();
	s.admin_chain = "drop";
	assert_int_equal(fw_firewall_render_add(&s, NULL, NULL, &t), -EINVAL);
	assert_null(t);
}

static void test_render_listing(void **state)
{
	struct fw_firewall_spec a = spec_a(), b = spec_b();
	_cleanup_free_ char *f = NULL, *i = NULL, *br = NULL, *f2 = NULL, *i2 = NULL, *br2 = NULL;

	assert_int_equal(fw_firewall_render_listing(&a, &f, &i, &br), 0);
	golden("firewall-chain-a.txt", f);
	golden("firewall-iso-a.txt", i);
	golden("firewall-bridge-a.txt", br);
	assert_int_equal(fw_firewall_render_listing(&b, &f2, &i2, &br2), 0);
	golden("firewall-chain-b.txt", f2);
	assert_non_null(i2);
	assert_null(br2);
}

static void test_readd_delete_gc(void **state)
{
	_cleanup_json_ json_t *ji = load_json("firewall-listing-inet.json");
	_cleanup_json_ json_t *jb = load_json("firewall-listing-bridge.json");
	struct fw_firewall_spec a = spec_a();
	_cleanup_free_ char *readd = NULL, *del_a = NULL, *del_all = NULL;
	char fa[FW_CHAIN_NAME_MAX], ia[FW_CHAIN_NAME_MAX];
	char fb[FW_CHAIN_NAME_MAX], ib[FW_CHAIN_NAME_MAX];

	assert_int_equal(fw_firewall_chain_names("neta", "ctr-a", "eth0", fa, ia), 0);
	assert_int_equal(fw_firewall_chain_names("netb", "ctr-b", "eth0", fb, ib), 0);

	/* Re-ADD keeps both admin chains jumped to, and replaces only A's objects. */
	assert_int_equal(fw_firewall_render_add(&a, ji, jb, &readd), 0);
	golden("firewall-readd-a.nft", readd);
	assert_non_null(strstr(readd, "forward jump MY-ADMIN\n"));
	assert_non_null(strstr(readd, "forward jump CNI-ADMIN\n"));
	assert_null(strstr(readd, fb));

	/* DEL of A: B stays in inet; the bridge table only had A and goes. */
	{
		char *f[] = { fa, NULL }, *i[] = { ia, NULL };

		assert_int_equal(fw_firewall_render_delete(ji, jb, f, i, &del_a), 0);
		golden("firewall-del-a.nft", del_a);
		assert_non_null(strstr(del_a, "delete table bridge linen-cni-firewall\n"));
		assert_null(strstr(del_a, "delete table inet"));
	}
	{
		char *f[] = { fa, fb, NULL }, *i[] = { ia, ib, NULL };

		assert_int_equal(fw_firewall_render_delete(ji, jb, f, i, &del_all), 0);
		assert_string_equal(del_all, "delete table inet linen-cni-firewall\n"
					     "delete table bridge linen-cni-firewall\n");
	}
}

static void test_names(void **state)
{
	enum fw_ingress_policy p;

	assert_int_equal(fw_ingress_policy_from_string(NULL, &p), 0);
	assert_int_equal(p, FW_INGRESS_OPEN);
	assert_int_equal(fw_ingress_policy_from_string("same-bridge", &p), 0);
	assert_int_equal(p, FW_INGRESS_SAME_BRIDGE);
	assert_int_equal(fw_ingress_policy_from_string("isolated", &p), 0);
	assert_int_equal(fw_ingress_policy_from_string("Isolated", &p), -EINVAL);
	assert_string_equal(fw_ingress_policy_to_string(FW_INGRESS_OPEN), "open");

	assert_true(fw_firewall_admin_chain_valid("CNI-ADMIN"));
	assert_true(fw_firewall_admin_chain_valid("my-admin"));
	assert_true(fw_firewall_admin_chain_valid("Admin"));
	assert_false(fw_firewall_admin_chain_valid("admin"));   /* could be a keyword */
	assert_false(fw_firewall_admin_chain_valid("forward"));
	assert_false(fw_firewall_admin_chain_valid("f-x"));
	assert_false(fw_firewall_admin_chain_valid("i-x"));
	assert_false(fw_firewall_admin_chain_valid("A;B"));
	assert_false(fw_firewall_admin_chain_valid(NULL));
}

int main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_render_add),
		cmocka_unit_test(test_render_invalid),
		cmocka_unit_test(test_render_listing),
		cmocka_unit_test(test_readd_delete_gc),
		cmocka_unit_test(test_names),
	};

	golden_dir = argc > 1 ? argv[1] : "test/golden/fw";
	return cmocka_run_group_tests(tests, NULL, NULL);
}
