// SPDX-License-Identifier: Apache-2.0
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <errno.h>
#include <stdlib.h>

#include "basic/sysctl.h"

static void test_path(void **state)
{
	static const char *const bad[] = { "", "/etc/passwd", "..", "../x", "net/../../etc",
					   "net/ipv4/..", "a/../b" };
	char *p;

	assert_int_equal(sysctl_path("net/ipv4/conf/flannel.1/arp_notify", &p), 0);
	assert_string_equal(p, "/proc/sys/net/ipv4/conf/flannel.1/arp_notify");
	free(p);
	/* ".." only as a whole component is special */
	assert_int_equal(sysctl_path("net/ipv4/conf/a..b/x", &p), 0);
	free(p);
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		assert_int_equal(sysctl_path(bad[i], &p), -EINVAL);
	assert_int_equal(sysctl_path(NULL, &p), -EINVAL);
}

static void test_read(void **state)
{
	char *v;

	/* present on every Linux; read-only access never changes the machine */
	assert_int_equal(sysctl_read("kernel/ostype", &v), 0);
	assert_string_equal(v, "Linux");
	free(v);
	assert_int_equal(sysctl_read("net/no/such/key", &v), -ENOENT);
	assert_int_equal(sysctl_write("net/no/such/key", "1"), -ENOENT);
	assert_int_equal(sysctl_write("../x", "1"), -EINVAL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_path),
		cmocka_unit_test(test_read),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
