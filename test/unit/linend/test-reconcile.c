// SPDX-License-Identifier: Apache-2.0
/* Desired vs. actual dataplane state (dp_diff) and lease acceptance (dp_lease_check). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "basic/macro.h"
#include "linend/backend-vxlan.h"
#include "linend/reconcile.h"

static const uint8_t MAC_A[6] = { 0x0a, 0, 0, 0, 0, 0x0a };
static const uint8_t MAC_B[6] = { 0x0a, 0, 0, 0, 0, 0x0b };

static struct ip_addr A(const char *s)
{
	struct ip_addr a;

	assert_int_equal(ip_addr_parse(s, &a), 0);
	return a;
}

static struct ip_prefix P(const char *s)
{
	struct ip_prefix p;

	assert_int_equal(ip_prefix_parse(s, &p), 0);
	return p;
}

/* The three entries of one vxlan peer on ifindex 7. */
static void peer(struct dp_state *s, const char *subnet, const uint8_t mac[6], const char *pub)
{
	struct ip_prefix p = P(subnet);
	struct ip_addr ip = A(pub);
	struct nl_neigh n, f;
	struct nl_route r = { .family = AF_INET, .dst = p, .gw = p.addr, .oif = 7,
			      .protocol = NL_RTPROT_LINEN, .flags = RTNH_F_ONLINK };

	nl_neigh_init_permanent(&n, 7, &p.addr, mac);
	nl_fdb_init_vxlan(&f, 7, mac, &ip);
	assert_int_equal(dp_state_add_neigh(s, &n), 0);
	assert_int_equal(dp_state_add_fdb(s, &f), 0);
	assert_int_equal(dp_state_add_route(s, &r), 0);
}

static void check_op(const struct dp_op *op, enum dp_op_kind kind, enum dp_obj_kind obj)
{
	assert_int_equal(op->op, kind);
	assert_int_equal(op->obj, obj);
}

static void test_add_order(void **unused)
{
	struct dp_state want = {}, have = {};
	struct dp_op *ops = NULL;
	size_t n;

	peer(&want, "10.244.2.0/24", MAC_A, "192.168.1.2");
	peer(&want, "10.244.1.0/24", MAC_B, "192.168.1.1");
	assert_int_equal(dp_diff(&want, &have, true, &ops, &n), 0);
	/* every neighbour, then every FDB entry, then every route: never a route first */
	assert_int_equal(n, 6);
	check_op(&ops[0], DP_OP_REPLACE, DP_OBJ_NEIGH);
	check_op(&ops[1], DP_OP_REPLACE, DP_OBJ_NEIGH);
	check_op(&ops[2], DP_OP_REPLACE, DP_OBJ_FDB);
	check_op(&ops[3], DP_OP_REPLACE, DP_OBJ_FDB);
	check_op(&ops[4], DP_OP_REPLACE, DP_OBJ_ROUTE);
	check_op(&ops[5], DP_OP_REPLACE, DP_OBJ_ROUTE);
	/* sorted by key */
	assert_true(ip_addr_equal(&ops[4].route.dst.addr, &(struct ip_addr){ .family = AF_INET,
		.bytes = { 10, 244, 1, 0 } }));
	free(ops);
	dp_state_clear(&want);
	dp_state_clear(&have);
}

static void test_in_sync(void **unused)
{
	struct dp_state want = {}, have = {};
	struct dp_op *ops = NULL;
	size_t n = 99;

	peer(&want, "10.244.2.0/24", MAC_A, "192.168.1.2");
	peer(&have, "10.244.2.0/24", MAC_A, "192.168.1.2");
	/* what the kernel reports carries more than we ask for; it still matches */
	have.neighs[0].state = NUD_PERMANENT | NUD_NOARP;
	have.routes[0].scope = RT_SCOPE_UNIVERSE;
	assert_int_equal(dp_diff(&want, &have, true, &ops, &n), 0);
	assert_int_equal(n, 0);
	free(ops);
	dp_state_clear(&want);
	dp_state_clear(&have);
}

static void test_mac_change(void **unused)
{
	struct dp_state want = {}, have = {};
	struct dp_op *ops = NULL;
	size_t n;

	peer(&want, "10.244.2.0/24", MAC_B, "192.168.1.2");
	peer(&have, "10.244.2.0/24", MAC_A, "192.168.1.2");
	assert_int_equal(dp_diff(&want, &have, true, &ops, &n), 0);
	/* ARP replaced, new FDB entry, and the old MAC's FDB entry deleted (flannel leaks it) */
	assert_int_equal(n, 3);
	check_op(&ops[0], DP_OP_REPLACE, DP_OBJ_NEIGH);
	assert_memory_equal(ops[0].neigh.lladdr, MAC_B, 6);
	check_op(&ops[1], DP_OP_REPLACE, DP_OBJ_FDB);
	assert_memory_equal(ops[1].neigh.lladdr, MAC_B, 6);
	check_op(&ops[2], DP_OP_DELETE, DP_OBJ_FDB);
	assert_memory_equal(ops[2].neigh.lladdr, MAC_A, 6);
	free(ops);

	/* without prune (before the first full listing) nothing is deleted */
	assert_int_equal(dp_diff(&want, &have, false, &ops, &n), 0);
	assert_int_equal(n, 2);
	free(ops);
	dp_state_clear(&want);
	dp_state_clear(&have);
}

static void test_ip_change(void **unused)
{
	struct dp_state want = {}, have = {};
	struct dp_op *ops = NULL;
	size_t n;

	peer(&want, "10.244.2.0/24", MAC_A, "192.168.1.9");
	peer(&have, "10.244.2.0/24", MAC_A, "192.168.1.2");
	assert_int_equal(dp_diff(&want, &have, true, &ops, &n), 0);
	assert_int_equal(n, 1);
	check_op(&ops[0], DP_OP_REPLACE, DP_OBJ_FDB);
	assert_true(ip_addr_equal(&ops[0].neigh.dst, &(struct ip_addr){ .family = AF_INET,
		.bytes = { 192, 168, 1, 9 } }));
	free(ops);
	dp_state_clear(&want);
	dp_state_clear(&have);
}

static void test_stale_removed_in_reverse(void **unused)
{
	struct dp_state want = {}, have = {};
	struct dp_op *ops = NULL;
	size_t n;

	peer(&want, "10.244.1.0/24", MAC_A, "192.168.1.1");
	peer(&have, "10.244.1.0/24", MAC_A, "192.168.1.1");
	peer(&have, "10.244.3.0/24", MAC_B, "192.168.1.3");
	assert_int_equal(dp_diff(&want, &have, true, &ops, &n), 0);
	/* route first (so nothing is routed into a half-removed peer), then FDB, then ARP */
	assert_int_equal(n, 3);
	check_op(&ops[0], DP_OP_DELETE, DP_OBJ_ROUTE);
	check_op(&ops[1], DP_OP_DELETE, DP_OBJ_FDB);
	check_op(&ops[2], DP_OP_DELETE, DP_OBJ_NEIGH);
	assert_int_equal(ops[0].route.dst.addr.bytes[2], 3);
	free(ops);
	dp_state_clear(&want);
	dp_state_clear(&have);
}

static void test_wrong_entries_replaced(void **unused)
{
	struct dp_state want = {}, have = {};
	struct dp_op *ops = NULL;
	size_t n;

	peer(&want, "10.244.2.0/24", MAC_A, "192.168.1.2");
	peer(&have, "10.244.2.0/24", MAC_A, "192.168.1.2");
	have.neighs[0].state = NUD_STALE;       /* learnt by the kernel, not ours */
	have.routes[0].gw = A("192.168.1.254"); /* someone else's next hop */
	have.routes[0].protocol = RTPROT_BOOT;
	assert_int_equal(dp_diff(&want, &have, true, &ops, &n), 0);
	assert_int_equal(n, 2);
	check_op(&ops[0], DP_OP_REPLACE, DP_OBJ_NEIGH);
	check_op(&ops[1], DP_OP_REPLACE, DP_OBJ_ROUTE);
	free(ops);
	dp_state_clear(&want);
	dp_state_clear(&have);
}

static void test_duplicate_mac_stable(void **unused)
{
	struct dp_state w1 = {}, w2 = {}, have = {};
	struct dp_op *o1 = NULL, *o2 = NULL;
	size_t n1, n2;

	/* two leases claim one VtepMAC: the same one wins whatever the order */
	peer(&w1, "10.244.1.0/24", MAC_A, "192.168.1.1");
	peer(&w1, "10.244.2.0/24", MAC_A, "192.168.1.2");
	peer(&w2, "10.244.2.0/24", MAC_A, "192.168.1.2");
	peer(&w2, "10.244.1.0/24", MAC_A, "192.168.1.1");
	assert_int_equal(dp_diff(&w1, &have, true, &o1, &n1), 0);
	assert_int_equal(dp_diff(&w2, &have, true, &o2, &n2), 0);
	assert_int_equal(n1, 5);
	assert_int_equal(n2, 5);
	check_op(&o1[2], DP_OP_REPLACE, DP_OBJ_FDB);
	assert_true(ip_addr_equal(&o1[2].neigh.dst, &o2[2].neigh.dst));
	free(o1);
	free(o2);
	dp_state_clear(&w1);
	dp_state_clear(&w2);
	dp_state_clear(&have);
}

static void test_ipv6_default_metric(void **unused)
{
	struct dp_state want = {}, have = {};
	struct nl_route w = { .family = AF_INET6, .dst = P("fd00:244:0:2::/64"),
			      .gw = A("fd00:244:0:2::"), .oif = 8, .protocol = NL_RTPROT_LINEN };
	struct nl_route h = w;
	struct dp_op *ops = NULL;
	size_t n = 99;

	/* we ask without a metric; the kernel reports 1024: the same route, nothing to do */
	h.priority = 1024;
	assert_int_equal(dp_state_add_route(&want, &w), 0);
	assert_int_equal(dp_state_add_route(&have, &h), 0);
	assert_int_equal(dp_diff(&want, &have, true, &ops, &n), 0);
	assert_int_equal(n, 0);
	free(ops);
	dp_state_clear(&want);
	dp_state_clear(&have);
}

static struct net_config cfg(const char *json)
{
	struct net_config c;
	char err[256];

	assert_int_equal(net_config_parse(json, strlen(json), &c, err, sizeof(err)), 0);
	return c;
}

static struct lease L(const char *key, const char *json)
{
	struct lease l = {};

	assert_int_equal(lease_key_parse(key, &l.subnet, &l.subnet6), 0);
	assert_int_equal(lease_attrs_parse(json, strlen(json), &l.attrs), 0);
	return l;
}

#define VX(ip, mac)                                                                  \
	"{\"PublicIP\":\"" ip "\",\"PublicIPv6\":null,\"BackendType\":\"vxlan\","    \
	"\"BackendData\":{\"VNI\":1,\"VtepMAC\":\"" mac "\"}}"

/* What the vxlan dataplane applies: the common checks, then vxlan's own. */
static enum dp_reject check_vxlan(const struct net_config *c, const struct lease *own,
				  const struct ip_addr *self, const struct ip_addr *self6,
				  const struct lease *l)
{
	enum dp_reject r = dp_lease_check(c, own, self, self6, "vxlan", l);

	return r != DP_REJECT_NONE ? r : vxlan_data_check(c, l);
}

static void test_lease_check(void **unused)
{
	struct net_config c =
		cfg("{\"Network\":\"10.244.0.0/16\",\"Backend\":{\"Type\":\"vxlan\"}}");
	struct lease own = L("10.244.1.0-24", VX("192.168.1.1", "0a:00:00:00:00:01"));
	struct ip_addr self = A("192.168.1.1");
	struct lease l;

	l = L("10.244.2.0-24", VX("192.168.1.2", "0a:00:00:00:00:02"));
	assert_int_equal(check_vxlan(&c, &own, &self, NULL, &l), DP_REJECT_NONE);
	l = L("10.99.2.0-24", VX("192.168.1.2", "0a:00:00:00:00:02"));
	assert_int_equal(check_vxlan(&c, &own, &self, NULL, &l),
			 DP_REJECT_OUTSIDE_NETWORK);
	l = L("10.0.0.0-8", VX("192.168.1.2", "0a:00:00:00:00:02")); /* wider than Network */
	assert_int_equal(check_vxlan(&c, &own, &self, NULL, &l),
			 DP_REJECT_OUTSIDE_NETWORK);
	l = L("10.244.0.0-23", VX("192.168.1.2", "0a:00:00:00:00:02")); /* covers ours */
	assert_int_equal(check_vxlan(&c, &own, &self, NULL, &l),
			 DP_REJECT_OVERLAPS_OWN);
	assert_int_equal(check_vxlan(&c, NULL, &self, NULL, &l), DP_REJECT_NONE);
	l = L("10.244.2.0-24", VX("192.168.1.2", "01:00:5e:00:00:01"));
	assert_int_equal(check_vxlan(&c, &own, &self, NULL, &l), DP_REJECT_BAD_MAC);
	l = L("10.244.2.0-24", VX("192.168.1.2", "00:00:00:00:00:00"));
	assert_int_equal(check_vxlan(&c, &own, &self, NULL, &l), DP_REJECT_BAD_MAC);
	l = L("10.244.2.0-24", VX("192.168.1.2", "ff:ff:ff:ff:ff:ff"));
	assert_int_equal(check_vxlan(&c, &own, &self, NULL, &l), DP_REJECT_BAD_MAC);
	l = L("10.244.2.0-24", VX("127.0.0.1", "0a:00:00:00:00:02"));
	assert_int_equal(check_vxlan(&c, &own, &self, NULL, &l),
			 DP_REJECT_BAD_PUBLIC_IP);
	l = L("10.244.2.0-24", VX("0.0.0.0", "0a:00:00:00:00:02"));
	assert_int_equal(check_vxlan(&c, &own, &self, NULL, &l),
			 DP_REJECT_BAD_PUBLIC_IP);
	l = L("10.244.2.0-24", VX("192.168.1.1", "0a:00:00:00:00:02")); /* ourselves */
	assert_int_equal(check_vxlan(&c, &own, &self, NULL, &l),
			 DP_REJECT_BAD_PUBLIC_IP);
	l = L("10.244.2.0-24", "{\"PublicIP\":\"192.168.1.2\",\"BackendType\":\"host-gw\"}");
	assert_int_equal(check_vxlan(&c, &own, &self, NULL, &l),
			 DP_REJECT_BACKEND_MISMATCH);
	assert_int_equal(dp_lease_check(&c, &own, &self, NULL, "host-gw", &l), DP_REJECT_NONE);
	assert_string_equal(dp_reject_str(DP_REJECT_BAD_MAC), "bad-mac");
	assert_string_equal(dp_reject_str(DP_REJECT_NOT_ON_LINK), "not-on-link");
}

static void test_lease_check_v6(void **unused)
{
	struct net_config c = cfg("{\"Network\":\"10.244.0.0/16\",\"EnableIPv6\":true,"
				  "\"IPv6Network\":\"fd00:244::/56\","
				  "\"Backend\":{\"Type\":\"vxlan\"}}");
	struct lease l;

	l = L("10.244.2.0-24&fd00:244:0:2::-64",
	      "{\"PublicIP\":\"192.168.1.2\",\"PublicIPv6\":\"fd00::2\",\"BackendType\":\"vxlan\","
	      "\"BackendData\":{\"VNI\":1,\"VtepMAC\":\"0a:00:00:00:00:02\"},"
	      "\"BackendV6Data\":{\"VNI\":1,\"VtepMAC\":\"0a:00:00:00:06:02\"}}");
	assert_int_equal(check_vxlan(&c, NULL, NULL, NULL, &l), DP_REJECT_NONE);
	l = L("10.244.2.0-24&fd99::-64",
	      "{\"PublicIP\":\"192.168.1.2\",\"PublicIPv6\":\"fd00::2\",\"BackendType\":\"vxlan\","
	      "\"BackendData\":{\"VNI\":1,\"VtepMAC\":\"0a:00:00:00:00:02\"},"
	      "\"BackendV6Data\":{\"VNI\":1,\"VtepMAC\":\"0a:00:00:00:06:02\"}}");
	assert_int_equal(check_vxlan(&c, NULL, NULL, NULL, &l),
			 DP_REJECT_OUTSIDE_NETWORK);
	l = L("10.244.2.0-24&fd00:244:0:2::-64",
	      "{\"PublicIP\":\"192.168.1.2\",\"PublicIPv6\":\"fd00::2\",\"BackendType\":\"vxlan\","
	      "\"BackendData\":{\"VNI\":1,\"VtepMAC\":\"0a:00:00:00:00:02\"},"
	      "\"BackendV6Data\":{\"VNI\":1,\"VtepMAC\":\"03:00:00:00:06:02\"}}");
	assert_int_equal(check_vxlan(&c, NULL, NULL, NULL, &l), DP_REJECT_BAD_MAC);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_add_order),
		cmocka_unit_test(test_in_sync),
		cmocka_unit_test(test_mac_change),
		cmocka_unit_test(test_ip_change),
		cmocka_unit_test(test_stale_removed_in_reverse),
		cmocka_unit_test(test_wrong_entries_replaced),
		cmocka_unit_test(test_duplicate_mac_stable),
		cmocka_unit_test(test_ipv6_default_metric),
		cmocka_unit_test(test_lease_check),
		cmocka_unit_test(test_lease_check_v6),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
