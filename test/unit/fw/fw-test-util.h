/* SPDX-License-Identifier: Apache-2.0 */
/*
 * fw-test-util.h - what the src/fw unit tests share: the golden-file comparison (argv[1] is the
 * golden directory; UPDATE_GOLDEN=1 rewrites the files instead), loading a JSON listing from
 * there, and parsing a prefix that must be valid.
 */
#pragma once

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "basic/fileio.h"
#include "basic/ip.h"
#include "basic/macro.h"

static const char *golden_dir;

static inline void golden(const char *name, const char *text)
{
	_cleanup_free_ char *path = NULL, *want = NULL;
	const char *update = getenv("UPDATE_GOLDEN");

	assert_true(asprintf(&path, "%s/%s", golden_dir, name) > 0);
	if (update && streq(update, "1")) {
		assert_int_equal(write_file_atomic(path, text, strlen(text), 0644), 0);
		return;
	}
	assert_int_equal(read_full_file(path, 1 << 20, &want, NULL), 0);
	assert_string_equal(text, want);
}

static inline json_t *load_json(const char *name)
{
	_cleanup_free_ char *path = NULL;
	json_error_t e;
	json_t *j;

	assert_true(asprintf(&path, "%s/%s", golden_dir, name) > 0);
	j = json_load_file(path, 0, &e);
	assert_non_null(j);
	return j;
}

static inline struct ip_prefix pfx(const char *s)
{
	struct ip_prefix p;

	assert_int_equal(ip_prefix_parse(s, &p), 0);
	return p;
}
