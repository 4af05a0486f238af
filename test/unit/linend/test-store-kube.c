// SPDX-License-Identifier: Apache-2.0
/* The kube store's annotation prefix rule, as flanneld's --kube-annotation-prefix. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "basic/macro.h"
#include "linend/store-kube.h"

static void test_prefix(void **state)
{
	static const struct {
		const char *in, *out;
	} ok[] = {
		{ NULL, "flannel.alpha.coreos.com/" },
		{ "", "flannel.alpha.coreos.com/" },
		{ "flannel.alpha.coreos.com", "flannel.alpha.coreos.com/" },
		{ "example.com/net2", "example.com/net2-" },
		{ "example.com/net2-", "example.com/net2-" },
		{ "example.com/", "example.com/" },
		{ "a_b.c-d/x_y", "a_b.c-d/x_y-" },
	};
	static const char *const bad[] = {
		"example.com/a/b", "nodot", "Example.com", "example..com", ".example.com",
		"example.com/UP", "example.com/-", "example.com/a.b",
	};
	char buf[256];

	(void)state;
	for (size_t i = 0; i < ELEMENTSOF(ok); i++) {
		assert_int_equal(store_kube_prefix(ok[i].in, buf, sizeof(buf)), 0);
		assert_string_equal(buf, ok[i].out);
	}
	for (size_t i = 0; i < ELEMENTSOF(bad); i++)
		assert_int_equal(store_kube_prefix(bad[i], buf, sizeof(buf)), -EINVAL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_prefix),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
