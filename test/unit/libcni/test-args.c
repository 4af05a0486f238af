// SPDX-License-Identifier: Apache-2.0
/* CNI_ARGS parsing and the IgnoreUnknown rule. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "libcni/args.h"

static void test_empty(void **state)
{
	struct cni_args a;
	struct cni_error err = {};

	assert_int_equal(cni_args_parse(NULL, &a, &err), 0);
	assert_int_equal(a.n, 0);
	assert_null(cni_args_get(&a, "X"));
	assert_int_equal(cni_args_check_known(&a, NULL, &err), 0);
	cni_args_done(&a);
	assert_int_equal(cni_args_parse("", &a, &err), 0);
	assert_int_equal(a.n, 0);
	cni_args_done(&a);
}

static void test_pairs(void **state)
{
	struct cni_args a;
	struct cni_error err = {};

	assert_int_equal(cni_args_parse("IP=10.0.0.2;K8S_POD_NAME=web;MAC=;IP=10.0.0.3", &a, &err),
			 0);
	assert_int_equal(a.n, 4);
	assert_string_equal(a.keys[1], "K8S_POD_NAME");
	assert_string_equal(a.values[1], "web");
	/* The last pair for a key wins; empty values are allowed. */
	assert_string_equal(cni_args_get(&a, "IP"), "10.0.0.3");
	assert_string_equal(cni_args_get(&a, "MAC"), "");
	assert_null(cni_args_get(&a, "ip"));
	cni_args_done(&a);
	assert_int_equal(a.n, 0);
}

static void expect_bad(const char *s, const char *msg)
{
	struct cni_args a = { .n = 99 };
	struct cni_error err = {};

	assert_int_equal(cni_args_parse(s, &a, &err), -EINVAL);
	assert_int_equal(a.n, 99); /* untouched on failure */
	assert_int_equal(err.code, 4);
	assert_string_equal(err.msg, msg);
}

static void test_bad_pairs(void **state)
{
	expect_bad("A", "ARGS: invalid pair \"A\"");
	expect_bad("A=1;", "ARGS: invalid pair \"\"");
	expect_bad(";A=1", "ARGS: invalid pair \"\"");
	expect_bad("A=1;B=2=3", "ARGS: invalid pair \"B=2=3\"");
	expect_bad("A==", "ARGS: invalid pair \"A==\"");
}

static void test_known(void **state)
{
	static const char *const known[] = { "IP", "MAC", NULL };
	struct cni_args a;
	struct cni_error err = {};

	assert_int_equal(cni_args_parse("IP=1;MAC=2", &a, &err), 0);
	assert_int_equal(cni_args_check_known(&a, known, &err), 0);
	cni_args_done(&a);

	assert_int_equal(cni_args_parse("IP=1;FOO=x;=y", &a, &err), 0);
	assert_int_equal(cni_args_check_known(&a, known, &err), -EINVAL);
	assert_int_equal(err.code, 4);
	assert_string_equal(err.msg, "ARGS: unknown args [\"FOO=x\" \"=y\"]");
	cni_args_done(&a);

	/* IgnoreUnknown: 1/true in any case ignores; 0/false does not; else invalid. */
	const char *yes[] = { "1", "true", "TRUE", "True" };
	for (size_t i = 0; i < 4; i++) {
		char buf[64];

		snprintf(buf, sizeof(buf), "FOO=x;IgnoreUnknown=%s", yes[i]);
		assert_int_equal(cni_args_parse(buf, &a, &err), 0);
		assert_int_equal(cni_args_check_known(&a, known, &err), 0);
		cni_args_done(&a);
	}
	assert_int_equal(cni_args_parse("FOO=x;IgnoreUnknown=false", &a, &err), 0);
	assert_int_equal(cni_args_check_known(&a, known, &err), -EINVAL);
	cni_args_done(&a);
	assert_int_equal(cni_args_parse("IgnoreUnknown=0", &a, &err), 0);
	assert_int_equal(cni_args_check_known(&a, NULL, &err), 0);
	cni_args_done(&a);
	assert_int_equal(cni_args_parse("IgnoreUnknown=yes", &a, &err), 0);
	assert_int_equal(cni_args_check_known(&a, known, &err), -EINVAL);
	assert_int_equal(err.code, 4);
	cni_args_done(&a);
	/* Keys are case-sensitive. */
	assert_int_equal(cni_args_parse("ip=1", &a, &err), 0);
	assert_int_equal(cni_args_check_known(&a, known, &err), -EINVAL);
	cni_args_done(&a);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_empty),
		cmocka_unit_test(test_pairs),
		cmocka_unit_test(test_bad_pairs),
		cmocka_unit_test(test_known),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
