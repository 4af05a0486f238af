// SPDX-License-Identifier: Apache-2.0
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <arpa/inet.h>
#include <errno.h>

#include "basic/ip.h"

static void test_parse_format(void **state)
{
	static const char *const good[] = { "10.1.2.3", "0.0.0.0", "255.255.255.255",
					    "fd00::1", "::", "2001:db8::5", "::a:b", "::1",
					    "fd00:0:1::", "1:0:0:1::1", "1::1:0:0:1", "::ffff:10.1.2.3",
					    "1:2:3:4:5:6:7:8", "1:0:2:3:4:5:6:7" };
	static const char *const bad[] = { "", "10.1.2", "10.1.2.256", "fd00:::1", "x", "1.2.3.4 " };
	char buf[IP_ADDR_STRLEN];
	struct ip_addr a;

	for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
		assert_int_equal(ip_addr_parse(good[i], &a), 0);
		assert_string_equal(ip_addr_to_string(&a, buf), good[i]);
	}
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		assert_int_equal(ip_addr_parse(bad[i], &a), -EINVAL);
	/* Non-canonical input comes back canonical, as Go prints it. */
	assert_int_equal(ip_addr_parse("2001:0db8:0:0::0005", &a), 0);
	assert_string_equal(ip_addr_to_string(&a, buf), "2001:db8::5");
}

static void test_prefix(void **state)
{
	char buf[IP_PREFIX_STRLEN];
	struct ip_prefix p, q;
	struct ip_addr a;

	assert_int_equal(ip_prefix_parse("10.1.2.3/16", &p), 0);
	assert_false(ip_prefix_is_network(&p));
	ip_prefix_mask(&p);
	assert_string_equal(ip_prefix_to_string(&p, buf), "10.1.0.0/16");
	assert_true(ip_prefix_is_network(&p));
	ip_prefix_last(&p, &a);
	assert_string_equal(ip_addr_to_string(&a, buf), "10.1.255.255");
	assert_true(ip_prefix_contains(&p, &a));
	assert_int_equal(ip_prefix_parse("10.2.0.0/16", &q), 0);
	assert_false(ip_prefix_overlaps(&p, &q));
	assert_int_equal(ip_prefix_parse("10.0.0.0/8", &q), 0);
	assert_true(ip_prefix_overlaps(&p, &q));

	assert_int_equal(ip_prefix_parse("10.1.2.3/33", &p), -EINVAL);
	assert_int_equal(ip_prefix_parse("10.1.2.3/024", &p), -EINVAL);
	assert_int_equal(ip_prefix_parse("10.1.2.3", &p), -EINVAL);
	assert_int_equal(ip_prefix_parse_optional_len("10.1.2.3", &p), 0);
	assert_int_equal(p.len, 32);
	assert_int_equal(ip_prefix_parse("fd00::/129", &p), -EINVAL);
	assert_int_equal(ip_prefix_parse("fd00::1/0", &p), 0);
	ip_prefix_mask(&p);
	assert_string_equal(ip_prefix_to_string(&p, buf), "::/0");
	assert_true(ip_prefix_span(&p) == ~(ip_u128)0);
}

static void test_arith(void **state)
{
	char buf[IP_ADDR_STRLEN];
	struct ip_addr a, b;

	assert_int_equal(ip_addr_parse("10.0.0.255", &a), 0);
	assert_int_equal(ip_addr_add(&a, 1, &b), 0);
	assert_string_equal(ip_addr_to_string(&b, buf), "10.0.1.0");
	assert_int_equal(ip_addr_add(&b, -257, &a), 0);
	assert_string_equal(ip_addr_to_string(&a, buf), "9.255.255.255");
	assert_int_equal(ip_addr_parse("255.255.255.255", &a), 0);
	assert_int_equal(ip_addr_add(&a, 1, &b), -ERANGE);
	assert_int_equal(ip_addr_parse("0.0.0.0", &a), 0);
	assert_int_equal(ip_addr_add(&a, -1, &b), -ERANGE);
	assert_int_equal(ip_addr_parse("fd00::ffff:ffff", &a), 0);
	assert_int_equal(ip_addr_add(&a, 1, &b), 0);
	assert_string_equal(ip_addr_to_string(&b, buf), "fd00::1:0:0");
	assert_true(ip_addr_cmp(&a, &b) < 0);
	assert_int_equal(ip_addr_parse("ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff", &a), 0);
	assert_int_equal(ip_addr_add(&a, 1, &b), -ERANGE);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse_format),
		cmocka_unit_test(test_prefix),
		cmocka_unit_test(test_arith),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
