// SPDX-License-Identifier: Apache-2.0
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <cmocka.h>

#include "basic/fileio.h"
#include "basic/macro.h"

static void test_atomic_roundtrip(void **state)
{
	char dir[] = "/tmp/linen-fileio-XXXXXX";
	_cleanup_free_ char *path = NULL, *sub = NULL, *got = NULL;
	struct stat st;
	size_t len;

	assert_non_null(mkdtemp(dir));
	assert_true(asprintf(&sub, "%s/a/b/c", dir) > 0);
	assert_int_equal(mkdir_p(sub, 0755), 0);
	assert_int_equal(mkdir_p(sub, 0755), 0);
	assert_true(asprintf(&path, "%s/file", sub) > 0);
	assert_int_equal(write_file_atomic(path, "hello", 5, 0644), 0);
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(st.st_mode & 07777, 0644);
	assert_int_equal(read_full_file(path, 100, &got, &len), 0);
	assert_int_equal(len, 5);
	assert_string_equal(got, "hello");
	free(TAKE_PTR(got));
	assert_int_equal(read_full_file(path, 3, &got, &len), -EFBIG);
	assert_int_equal(write_file_atomic(path, "", 0, 0600), 0);
	assert_int_equal(read_full_file(path, 3, &got, &len), 0);
	assert_int_equal(len, 0);
	assert_int_equal(mkdir_p(path, 0755), -ENOTDIR);
	assert_int_equal(read_full_file("/nonexistent/x", 3, &got, &len), -ENOENT);
	unlink(path);
	char *cmd;
	assert_true(asprintf(&cmd, "rm -rf %s", dir) > 0);
	assert_int_equal(system(cmd), 0);
	free(cmd);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_atomic_roundtrip),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
