// SPDX-License-Identifier: Apache-2.0
/*
 * Pure parts of src/fw/portmap.c against golden files in test/golden/fw/ (argv[1]):
 * the ADD transaction on an empty and on an existing table, the CHECK listings, DEL and GC
 * transactions rendered from a real `nft -j list table` (portmap-listing-ab.json, made by
 * applying portmap-add-a.nft and portmap-add-b.nft in a fresh namespace), condition
 * validation. UPDATE_GOLDEN=1 rewrites the outputs. Nothing here touches nftables.
 */
#include <errno.h>

#include "fw-test-util.h"
#include "basic/json-util.h"
#include "fw/portmap.h"

static struct ip_addr addr(const char *s)
{
	struct ip_addr a;

	assert_int_equal(ip_addr_parse(s, &a), 0);
	return a;
}

static struct fw_portmap_entry entries[6];
static char *conds4[] = { "ip", "saddr", "!=", "192.0.2.0/24", NULL };

/* Dual stack, every protocol, host IPs of both families and "any of one family". */
static struct fw_portmap_spec spec_a(void)
{
	entries[0] = (struct fw_portmap_entry){ FW_PORTMAP_TCP, 8080, 80, {} };
	entries[1] = (struct fw_portmap_entry){ FW_PORTMAP_UDP, 5353, 53, {} };
	entries[2] = (struct fw_portmap_entry){ FW_PORTMAP_SCTP, 9999, 99, addr("192.168.1.10") };
	entries[3] = (struct fw_portmap_entry){ FW_PORTMAP_TCP, 8443, 443, addr("0.0.0.0") };
	entries[4] = (struct fw_portmap_entry){ FW_PORTMAP_TCP, 8443, 443, addr("2001:db8::10") };
	entries[5] = (struct fw_portmap_entry){ FW_PORTMAP_TCP, 8080, 81, {} }; /* same port */
	return (struct fw_portmap_spec){
		.net = "pmnet", .container_id = "ctr-a", .ifname = "eth0",
		.ip4 = pfx("10.99.0.2/24"), .ip6 = pfx("fd99::2/64"),
		.entries = entries, .n_entries = 6,
		.snat = true, .mark_bit = 13,
	};
}

static struct fw_portmap_entry entry_b = { FW_PORTMAP_UDP, 6000, 60, {} };

static struct fw_portmap_spec spec_b(void)
{
	return (struct fw_portmap_spec){
		.net = "pmnet", .container_id = "ctr-b", .ifname = "eth0",
		.ip4 = pfx("10.99.0.3/24"),
		.entries = &entry_b, .n_entries = 1,
		.snat = true, .masq_all = true, .mark_bit = 31,
	};
}

static void test_render_add(void **state)
{
	struct fw_portmap_spec a = spec_a(), b = spec_b(), c;
	_cleanup_free_ char *ta = NULL, *tb = NULL, *tc = NULL;

	assert_int_equal(fw_portmap_render_add(&a, NULL, &ta), 0);
	golden("portmap-add-a.nft", ta);
	assert_int_equal(fw_portmap_render_add(&b, NULL, &tb), 0);
	golden("portmap-add-b.nft", tb);

	/* Conditions, no snat: no mark rules, no masquerade chain. */
	c = spec_a();
	c.snat = false;
	c.conditions4 = conds4;
	c.ip6 = (struct ip_prefix){};
	assert_int_equal(fw_portmap_render_add(&c, NULL, &tc), 0);
	golden("portmap-add-nosnat-conds.nft", tc);
	assert_null(strstr(tc, "masquerade"));
	assert_null(strstr(tc, "dnat ip6"));
	/* The v6-only host IP mapping has no rule without a v6 container address. */
	assert_null(strstr(tc, "2001:db8::10"));
}

static void test_render_invalid(void **state)
{
	struct fw_portmap_spec s = spec_a();
	char *bad[] = { "ip", "saddr", "1.2.3.4", "accept", NULL };
	char *text = NULL;

	s.mark_bit = 32;
	assert_int_equal(fw_portmap_render_add(&s, NULL, &text), -EINVAL);
	s = spec_a();
	s.conditions6 = bad;
	assert_int_equal(fw_portmap_render_add(&s, NULL, &text), -EINVAL);
	s = spec_a();
	entries[0].host_port = 0;
	assert_int_equal(fw_portmap_render_add(&s, NULL, &text), -EINVAL);
	assert_null(text);
}

static void test_render_listing(void **state)
{
	struct fw_portmap_spec a = spec_a(), b = spec_b();
	_cleanup_free_ char *d = NULL, *m = NULL, *d2 = NULL, *m2 = NULL;

	assert_int_equal(fw_portmap_render_listing(&a, &d, &m), 0);
	golden("portmap-chain-a.txt", d);
	golden("portmap-masq-a.txt", m);
	assert_int_equal(fw_portmap_render_listing(&b, &d2, &m2), 0);
	golden("portmap-chain-b.txt", d2);
	golden("portmap-masq-b.txt", m2);
}

static void test_readd_and_delete(void **state)
{
	_cleanup_json_ json_t *j = load_json("portmap-listing-ab.json");
	struct fw_portmap_spec a = spec_a();
	_cleanup_free_ char *readd = NULL, *del_a = NULL, *del_all = NULL, *stolen = NULL;
	_cleanup_free_ uint16_t *ports = NULL;
	char pa[FW_CHAIN_NAME_MAX], ma[FW_CHAIN_NAME_MAX];
	char pb[FW_CHAIN_NAME_MAX], mb[FW_CHAIN_NAME_MAX];
	size_t n = 0;

	assert_int_equal(fw_portmap_chain_names("pmnet", "ctr-a", "eth0", pa, ma), 0);
	assert_int_equal(fw_portmap_chain_names("pmnet", "ctr-b", "eth0", pb, mb), 0);
	assert_non_null(startswith(pa, "p-"));
	assert_non_null(startswith(ma, "m-"));

	/* A repeated ADD removes its rules by handle and recreates them, B untouched. */
	assert_int_equal(fw_portmap_render_add(&a, j, &readd), 0);
	golden("portmap-readd-a.nft", readd);
	assert_null(strstr(readd, pb));

	/* DEL of A leaves B; DEL of both drops the table. */
	{
		char *chains[] = { pa, ma, NULL };

		assert_int_equal(fw_portmap_render_delete(j, chains, &del_a), 0);
		golden("portmap-del-a.nft", del_a);
		assert_null(strstr(del_a, "delete table"));
	}
	{
		char *chains[] = { pa, ma, pb, mb, NULL };

		assert_int_equal(fw_portmap_render_delete(j, chains, &del_all), 0);
		assert_string_equal(del_all, "delete table inet linen-cni-portmap\n");
	}
	{
		char *chains[] = { "p-0000000000000000-00000000000000000000000000000000", NULL };
		_cleanup_free_ char *none = NULL;

		assert_int_equal(fw_portmap_render_delete(j, chains, &none), 0);
		assert_string_equal(none, "");
	}

	/* B's address handed to a new container C: C's ADD takes the masq element over. */
	{
		struct fw_portmap_spec c = spec_b();

		c.container_id = "ctr-c";
		assert_int_equal(fw_portmap_render_add(&c, j, &stolen), 0);
		assert_non_null(strstr(stolen, "delete element inet linen-cni-portmap masq4 "
					       "{ 10.99.0.3 }\n"));
	}

	assert_int_equal(fw_portmap_listing_udp_ports(j, pa, &ports, &n), 0);
	assert_int_equal(n, 1);
	assert_int_equal(ports[0], 5353);
}

static void test_conditions(void **state)
{
	char *ok1[] = { "ip", "saddr", "!=", "{ 10.0.0.0/8, 192.168.0.0/16 }", NULL };
	char *ok2[] = { "iifname != \"x\"", NULL }; /* quotes are refused: see below */
	char *ok3[] = { "meta l4proto tcp", "ip daddr 1.2.3.4", NULL };
	char *ipt1[] = { "-s", "10.0.0.0/8", NULL };
	char *ipt2[] = { "!", "-d", "10.0.0.1", NULL };
	char *bad1[] = { "ip saddr 1.2.3.4; flush ruleset", NULL };
	char *bad2[] = { "ip", "saddr", "1.2.3.4", "drop", NULL };
	char *bad3[] = { "ip saddr { 1.2.3.4", NULL };
	char *bad4[] = { "ip saddr 1.2.3.4 }", "{", NULL };
	char *bad5[] = { "ip saddr 1.2.3.4\nflush ruleset", NULL };
	char *bad6[] = { "", NULL };
	char *bad7[] = { "counter", "JUMP", "x", NULL };
	char *bad8[] = { "# comment", NULL };

	assert_int_equal(fw_portmap_conditions_valid(NULL), 0);
	assert_int_equal(fw_portmap_conditions_valid(ok1), 0);
	assert_int_equal(fw_portmap_conditions_valid(ok2), -EINVAL);
	assert_int_equal(fw_portmap_conditions_valid(ok3), 0);
	assert_int_equal(fw_portmap_conditions_valid(ipt1), -EPROTO);
	assert_int_equal(fw_portmap_conditions_valid(ipt2), -EPROTO);
	assert_int_equal(fw_portmap_conditions_valid(bad1), -EINVAL);
	assert_int_equal(fw_portmap_conditions_valid(bad2), -EINVAL);
	assert_int_equal(fw_portmap_conditions_valid(bad3), -EINVAL);
	assert_int_equal(fw_portmap_conditions_valid(bad4), -EINVAL);
	assert_int_equal(fw_portmap_conditions_valid(bad5), -EINVAL);
	assert_int_equal(fw_portmap_conditions_valid(bad6), -EINVAL);
	assert_int_equal(fw_portmap_conditions_valid(bad7), -EINVAL);
	assert_int_equal(fw_portmap_conditions_valid(bad8), -EINVAL);
}

static void test_proto(void **state)
{
	enum fw_portmap_proto p;

	assert_int_equal(fw_portmap_proto_from_string("TCP", &p), 0);
	assert_int_equal(p, FW_PORTMAP_TCP);
	assert_int_equal(fw_portmap_proto_from_string("sctp", &p), 0);
	assert_int_equal(p, FW_PORTMAP_SCTP);
	assert_int_equal(fw_portmap_proto_from_string("icmp", &p), -EINVAL);
	assert_int_equal(fw_portmap_proto_from_string(NULL, &p), -EINVAL);
	assert_string_equal(fw_portmap_proto_to_string(FW_PORTMAP_UDP), "udp");
}

int main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_render_add),
		cmocka_unit_test(test_render_invalid),
		cmocka_unit_test(test_render_listing),
		cmocka_unit_test(test_readd_and_delete),
		cmocka_unit_test(test_conditions),
		cmocka_unit_test(test_proto),
	};

	golden_dir = argc > 1 ? argv[1] : "test/golden/fw";
	return cmocka_run_group_tests(tests, NULL, NULL);
}
