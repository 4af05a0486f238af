// SPDX-License-Identifier: Apache-2.0
/* Subnet choice against fake lease lists: own lease, reservation, preferred, free, full. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "basic/macro.h"
#include "linend/subnet.h"

static struct net_config cfg(const char *json)
{
	struct net_config c;
	char err[256];

	assert_int_equal(net_config_parse(json, strlen(json), &c, err, sizeof(err)), 0);
	return c;
}

static struct lease L(const char *key, const char *ip, int64_t etcd_lease)
{
	struct lease l = { .etcd_lease = etcd_lease };

	assert_int_equal(lease_key_parse(key, &l.subnet, &l.subnet6), 0);
	assert_int_equal(ip_addr_parse(ip, &l.attrs.public_ip), 0);
	return l;
}

static uint32_t zero(void *ud)
{
	return 0;
}

static uint32_t seq(void *ud)
{
	return (*(uint32_t *)ud)++;
}

static const char *key(const struct subnet_choice *c, char buf[static LEASE_KEY_MAX])
{
	return lease_key_format(&c->subnet, &c->subnet6, buf);
}

static void test_own_lease_first(void **state)
{
	struct net_config c = cfg("{\"Network\":\"10.5.0.0/16\"}");
	struct lease ls[] = { L("10.5.3.0-24", "1.1.1.1", 5), L("10.5.7.0-24", "1.1.1.2", 6) };
	struct ip_addr me;
	struct subnet_choice ch;
	char k[LEASE_KEY_MAX];

	ip_addr_parse("1.1.1.2", &me);
	assert_int_equal(subnet_choose(&c, ls, 2, &me, NULL, NULL, zero, NULL, &ch), 0);
	assert_int_equal(ch.kind, SUBNET_CHOICE_OWN);
	assert_int_equal(ch.own, 1);
	assert_string_equal(key(&ch, k), "10.5.7.0-24");
}

static void test_reservation_wins(void **state)
{
	struct net_config c = cfg("{\"Network\":\"10.5.0.0/16\"}");
	struct lease ls[] = { L("10.5.3.0-24", "1.1.1.1", 5), L("10.5.9.0-24", "1.1.1.1", 0) };
	struct ip_addr me;
	struct subnet_choice ch;

	ip_addr_parse("1.1.1.1", &me);
	assert_int_equal(subnet_choose(&c, ls, 2, &me, NULL, NULL, zero, NULL, &ch), 0);
	assert_int_equal(ch.kind, SUBNET_CHOICE_OWN);
	assert_int_equal(ch.own, 1);
}

static void test_incompatible_own_ignored(void **state)
{
	struct net_config c = cfg("{\"Network\":\"10.5.0.0/16\",\"SubnetLen\":25}");
	struct lease ls[] = { L("10.5.3.0-24", "1.1.1.1", 5) };
	struct ip_addr me;
	struct subnet_choice ch;
	char k[LEASE_KEY_MAX];

	ip_addr_parse("1.1.1.1", &me);
	assert_false(subnet_lease_compatible(&c, &ls[0]));
	assert_int_equal(subnet_choose(&c, ls, 1, &me, NULL, NULL, zero, NULL, &ch), 0);
	assert_int_equal(ch.kind, SUBNET_CHOICE_FREE);
	/* first free /25 is after SubnetMin (10.5.0.128), skipping the taken 10.5.3.0/24 */
	assert_string_equal(key(&ch, k), "10.5.0.128-25");
}

static void test_preferred(void **state)
{
	struct net_config c = cfg("{\"Network\":\"10.5.0.0/16\"}");
	struct lease ls[] = { L("10.5.3.0-24", "1.1.1.1", 5) };
	struct ip_addr me;
	struct ip_prefix pref;
	struct subnet_choice ch;
	char k[LEASE_KEY_MAX];

	ip_addr_parse("9.9.9.9", &me);
	ip_prefix_parse("10.5.44.0/24", &pref);
	assert_int_equal(subnet_choose(&c, ls, 1, &me, &pref, NULL, zero, NULL, &ch), 0);
	assert_int_equal(ch.kind, SUBNET_CHOICE_PREFERRED);
	assert_string_equal(key(&ch, k), "10.5.44.0-24");
	/* taken by someone else: fall back to a free one */
	ip_prefix_parse("10.5.3.0/24", &pref);
	assert_int_equal(subnet_choose(&c, ls, 1, &me, &pref, NULL, zero, NULL, &ch), 0);
	assert_int_equal(ch.kind, SUBNET_CHOICE_FREE);
	assert_string_equal(key(&ch, k), "10.5.1.0-24");
	/* outside SubnetMin..SubnetMax (the first subnet is skipped) */
	ip_prefix_parse("10.5.0.0/24", &pref);
	assert_int_equal(subnet_choose(&c, ls, 1, &me, &pref, NULL, zero, NULL, &ch), 0);
	assert_int_equal(ch.kind, SUBNET_CHOICE_FREE);
}

static void test_random_among_100(void **state)
{
	struct net_config c = cfg("{\"Network\":\"10.0.0.0/8\"}");
	struct ip_addr me;
	struct subnet_choice ch;
	char k[LEASE_KEY_MAX];
	uint32_t n = 99;

	ip_addr_parse("9.9.9.9", &me);
	assert_int_equal(subnet_choose(&c, NULL, 0, &me, NULL, NULL, seq, &n, &ch), 0);
	/* candidate 99 of 100 = the 100th free subnet from 10.0.1.0 */
	assert_string_equal(key(&ch, k), "10.0.100.0-24");
	n = 100; /* wraps: 100 % 100 = 0 */
	assert_int_equal(subnet_choose(&c, NULL, 0, &me, NULL, NULL, seq, &n, &ch), 0);
	assert_string_equal(key(&ch, k), "10.0.1.0-24");
}

static void test_out_of_subnets(void **state)
{
	struct net_config c = cfg("{\"Network\":\"10.6.0.0/16\",\"SubnetMin\":\"10.6.7.0\","
				  "\"SubnetMax\":\"10.6.8.0\"}");
	struct lease ls[] = { L("10.6.7.0-24", "1.1.1.1", 5), L("10.6.8.0-24", "1.1.1.2", 0) };
	struct ip_addr me;
	struct subnet_choice ch;
	char k[LEASE_KEY_MAX];

	ip_addr_parse("9.9.9.9", &me);
	assert_int_equal(subnet_choose(&c, ls, 2, &me, NULL, NULL, zero, NULL, &ch), -ENOSPC);
	assert_int_equal(subnet_choose(&c, ls, 1, &me, NULL, NULL, zero, NULL, &ch), 0);
	assert_string_equal(key(&ch, k), "10.6.8.0-24");
}

static void test_many_leases(void **state)
{
	struct net_config c = cfg("{\"Network\":\"10.0.0.0/8\"}");
	static struct lease ls[5000];
	struct ip_addr me;
	struct subnet_choice ch;
	char k[LEASE_KEY_MAX];

	/* taken in reverse order so the sweep has to sort */
	for (int i = 0; i < 5000; i++) {
		char key_[32];

		snprintf(key_, sizeof(key_), "10.%d.%d.0-24", (5000 - i) / 256, (5000 - i) % 256);
		ls[i] = L(key_, "1.1.1.1", 1);
	}
	ip_addr_parse("9.9.9.9", &me);
	assert_int_equal(subnet_choose(&c, ls, 5000, &me, NULL, NULL, zero, NULL, &ch), 0);
	assert_string_equal(key(&ch, k), "10.19.137.0-24"); /* 5001 = 19*256 + 137 */
}

static void test_dual_stack(void **state)
{
	struct net_config c = cfg("{\"EnableIPv6\":true,\"Network\":\"10.5.0.0/16\","
				  "\"IPv6Network\":\"fd00:10::/48\"}");
	struct lease ls[] = { L("10.5.1.0-24&fd00:10:0:1::-64", "1.1.1.1", 5),
			      L("10.5.2.0-24", "1.1.1.2", 5) };
	struct ip_addr me;
	struct subnet_choice ch;
	char k[LEASE_KEY_MAX];

	/* a v4-only lease of ours does not fit a dual-stack config */
	assert_false(subnet_lease_compatible(&c, &ls[1]));
	ip_addr_parse("1.1.1.2", &me);
	assert_int_equal(subnet_choose(&c, ls, 2, &me, NULL, NULL, zero, NULL, &ch), 0);
	assert_int_equal(ch.kind, SUBNET_CHOICE_FREE);
	assert_string_equal(key(&ch, k), "10.5.3.0-24&fd00:10:0:2::-64");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_own_lease_first),
		cmocka_unit_test(test_reservation_wins),
		cmocka_unit_test(test_incompatible_own_ignored),
		cmocka_unit_test(test_preferred),
		cmocka_unit_test(test_random_among_100),
		cmocka_unit_test(test_out_of_subnets),
		cmocka_unit_test(test_many_leases),
		cmocka_unit_test(test_dual_stack),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
