// SPDX-License-Identifier: Apache-2.0
/* Spec versions and the error object. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "basic/json-util.h"
#include "libcni/error.h"
#include "libcni/version.h"

static void test_valid(void **state)
{
	assert_true(cni_version_valid("0.1.0"));
	assert_true(cni_version_valid("10.20.30"));
	assert_false(cni_version_valid(NULL));
	assert_false(cni_version_valid(""));
	assert_false(cni_version_valid("1.0"));
	assert_false(cni_version_valid("1.0.0.0"));
	assert_false(cni_version_valid("v1.0.0"));
	assert_false(cni_version_valid("1.0.x"));
	assert_false(cni_version_valid("1..0"));
	assert_false(cni_version_valid("1.0.0 "));
	assert_false(cni_version_valid("99999999999.0.0"));
}

static void test_order(void **state)
{
	for (const char *const *a = cni_versions_all; *a; a++) {
		assert_int_equal(cni_version_cmp(*a, *a), 0);
		if (a[1]) {
			assert_true(cni_version_cmp(a[0], a[1]) < 0);
			assert_true(cni_version_cmp(a[1], a[0]) > 0);
		}
	}
	assert_true(cni_version_cmp("0.10.0", "0.9.0") > 0);
	assert_true(cni_version_cmp("junk", "0.0.0") < 0);
	assert_true(cni_version_cmp("0.0.0", "junk") > 0);
	assert_int_equal(cni_version_cmp("junk", "other"), 0);
	assert_true(cni_version_ge("1.1.0", "0.4.0"));
	assert_true(cni_version_ge("0.4.0", "0.4.0"));
	assert_false(cni_version_ge("0.3.1", "0.4.0"));
	assert_false(cni_version_ge("junk", "0.1.0"));
	assert_true(cni_version_in("0.3.1", cni_versions_all));
	assert_false(cni_version_in("0.3.2", cni_versions_all));
	assert_false(cni_version_in(NULL, cni_versions_all));
	assert_string_equal(CNI_VERSION_LATEST, "1.1.0");
}

static void test_error_json(void **state)
{
	struct cni_error e = {}, back = {};
	_cleanup_json_ json_t *j = NULL, *j2 = NULL;
	_cleanup_free_ char *s = NULL, *s2 = NULL;

	assert_int_equal(cni_error_set(&e, 7, "bad %s", "thing"), -EINVAL);
	assert_int_equal(cni_error_set_details(&e, "d=%d", 3), -EINVAL);
	j = cni_error_to_json(&e, "1.0.0");
	s = json_dumps(j, JSON_COMPACT);
	assert_string_equal(s, "{\"cniVersion\":\"1.0.0\",\"code\":7,\"msg\":\"bad thing\","
			       "\"details\":\"d=3\"}");
	assert_int_equal(cni_error_from_json(j, &back), 0);
	assert_int_equal(back.code, 7);
	assert_string_equal(back.msg, "bad thing");
	assert_string_equal(back.details, "d=3");
	/* set() clears details; empty details are omitted. */
	cni_error_set(&e, 4, "x");
	j2 = cni_error_to_json(&e, "0.4.0");
	s2 = json_dumps(j2, JSON_COMPACT);
	assert_string_equal(s2, "{\"cniVersion\":\"0.4.0\",\"code\":4,\"msg\":\"x\"}");
	/* Not an error object. */
	json_t *bad = json_pack("{s:s}", "msg", "no code");
	assert_int_equal(cni_error_from_json(bad, &back), -EINVAL);
	json_decref(bad);
	/* Long messages are truncated, never overflow. */
	char big[4000];
	memset(big, 'a', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	cni_error_set(&e, 999, "%s", big);
	assert_int_equal(strlen(e.msg), sizeof(e.msg) - 1);
	cni_error_clear(&e);
	assert_false(cni_error_is_set(&e));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_valid),
		cmocka_unit_test(test_order),
		cmocka_unit_test(test_error_json),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
