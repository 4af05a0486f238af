// SPDX-License-Identifier: Apache-2.0
/*
 * Result model: golden files for every (source version, target version)
 * pair, starting from a rich 1.1.0 result and a 0.2.0 one; plus parse and
 * render validation. UPDATE_GOLDEN=1 rewrites the golden files.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "basic/fileio.h"
#include "basic/json-util.h"
#include "libcni/result.h"
#include "libcni/version.h"

static const char *golden_dir;

static json_t *load_golden_json(const char *name)
{
	_cleanup_free_ char *path = NULL;
	json_error_t je;
	json_t *j;

	assert_true(asprintf(&path, "%s/%s", golden_dir, name) > 0);
	j = json_load_file(path, 0, &je);
	if (!j)
		fail_msg("%s: %s", path, je.text);
	return j;
}

static void check_golden(const char *name, const char *got)
{
	_cleanup_free_ char *path = NULL, *want = NULL;
	size_t len;

	assert_true(asprintf(&path, "%s/%s", golden_dir, name) > 0);
	if (getenv("UPDATE_GOLDEN")) {
		assert_int_equal(write_file_atomic(path, got, strlen(got), 0644), 0);
		return;
	}
	if (read_full_file(path, 1 << 20, &want, &len) < 0)
		fail_msg("missing golden file %s (run with UPDATE_GOLDEN=1)", path);
	if (strcmp(want, got) != 0)
		fail_msg("%s differs:\n--- want\n%s\n--- got\n%s", path, want, got);
}

/* The text a conversion produces: the JSON, or "error <code>: <msg>". */
static char *convert_text(const struct cni_result *r, const char *to)
{
	_cleanup_json_ json_t *j = NULL;
	struct cni_error err = {};
	char *s = NULL;

	if (cni_result_to_json(r, to, &j, &err) < 0) {
		assert_true(cni_error_is_set(&err));
		assert_true(asprintf(&s, "error %u: %s\n", err.code, err.msg) > 0);
		return s;
	}
	s = cni_result_dumps(j);
	assert_non_null(s);
	return s;
}

/* Render the input in every source version, re-parse it as that version, render in every
 * target version: 7 x 7 files per input. */
static void golden_matrix(const char *input, const char *tag)
{
	_cleanup_json_ json_t *in = load_golden_json(input);
	_cleanup_(cni_result_freep) struct cni_result *r0 = NULL;
	struct cni_error err = {};

	assert_int_equal(cni_result_from_json(in, NULL, &r0, &err), 0);
	for (const char *const *from = cni_versions_all; *from; from++) {
		_cleanup_json_ json_t *src = NULL;
		_cleanup_(cni_result_freep) struct cni_result *r1 = NULL;

		if (cni_result_to_json(r0, *from, &src, &err) < 0) {
			/* A source version that cannot hold this result is a golden too. */
			_cleanup_free_ char *name = NULL, *txt = convert_text(r0, *from);

			assert_true(asprintf(&name, "%s-%s.txt", tag, *from) > 0);
			check_golden(name, txt);
			continue;
		}
		assert_int_equal(cni_result_from_json(src, NULL, &r1, &err), 0);
		assert_string_equal(r1->cni_version, *from);
		for (const char *const *to = cni_versions_all; *to; to++) {
			_cleanup_free_ char *name = NULL, *txt = convert_text(r1, *to);
			_cleanup_json_ json_t *via = NULL;

			assert_true(asprintf(&name, "%s-%s-to-%s.json", tag, *from, *to) > 0);
			check_golden(name, txt);

			/* convert_json gives the same bytes. */
			if (cni_result_convert_json(src, NULL, *to, &via, &err) == 0) {
				_cleanup_free_ char *s = cni_result_dumps(via);

				assert_string_equal(s, txt);
			}
		}
	}
}

static void test_golden_rich(void **state)
{
	golden_matrix("input-rich-1.1.0.json", "rich");
}

static void test_golden_020(void **state)
{
	golden_matrix("input-0.2.0.json", "v020");
}

static int parse_str(const char *s, const char *def, struct cni_result **ret,
		     struct cni_error *err)
{
	_cleanup_json_ json_t *j = NULL;
	json_error_t je;

	j = json_loads(s, 0, &je);
	if (!j)
		fail_msg("bad test JSON %s: %s", s, je.text);
	return cni_result_from_json(j, def, ret, err);
}

static char *render(const struct cni_result *r, const char *v)
{
	_cleanup_json_ json_t *j = NULL;
	struct cni_error err = {};

	assert_int_equal(cni_result_to_json(r, v, &j, &err), 0);
	return json_dumps(j, 0);
}

static void expect_parse_error(const char *s, unsigned code)
{
	struct cni_result *r = NULL;
	struct cni_error err = {};

	if (parse_str(s, "1.0.0", &r, &err) != -EINVAL)
		fail_msg("parsed: %s", s);
	assert_null(r);
	if (err.code != code)
		fail_msg("%s: code %u (%s), want %u", s, err.code, err.msg, code);
}

static void test_parse_errors(void **state)
{
	expect_parse_error("[]", 6);
	expect_parse_error("{\"cniVersion\": 1}", 6);
	expect_parse_error("{\"cniVersion\": \"0.5.0\"}", 1);
	expect_parse_error("{\"cniVersion\": \"2.0.0\"}", 1);
	expect_parse_error("{\"ips\": {}}", 6);
	expect_parse_error("{\"ips\": [1]}", 6);
	expect_parse_error("{\"ips\": [{}]}", 6);
	expect_parse_error("{\"ips\": [{\"address\": \"10.0.0.1\"}]}", 6);
	expect_parse_error("{\"ips\": [{\"address\": \"10.0.0.1/33\"}]}", 6);
	expect_parse_error("{\"ips\": [{\"address\": \"10.0.0.1/8\", \"gateway\": \"x\"}]}", 6);
	expect_parse_error("{\"ips\": [{\"address\": \"10.0.0.1/8\", \"interface\": -1}]}", 6);
	expect_parse_error("{\"ips\": [{\"address\": \"10.0.0.1/8\", \"interface\": \"0\"}]}", 6);
	expect_parse_error("{\"interfaces\": [{\"name\": 5}]}", 6);
	expect_parse_error("{\"interfaces\": [{\"name\": \"a\", \"mtu\": -5}]}", 6);
	expect_parse_error("{\"routes\": [{\"gw\": \"10.0.0.1\"}]}", 6);
	expect_parse_error("{\"routes\": [{\"dst\": \"0.0.0.0/0\", \"table\": \"x\"}]}", 6);
	expect_parse_error("{\"dns\": []}", 6);
	expect_parse_error("{\"dns\": {\"nameservers\": \"1.1.1.1\"}}", 6);
	expect_parse_error("{\"dns\": {\"search\": [1]}}", 6);
	expect_parse_error("{\"cniVersion\": \"0.2.0\", \"ip4\": {}}", 6);
	expect_parse_error("{\"cniVersion\": \"0.2.0\", \"ip4\": {\"ip\": \"fd00::1/64\"}}", 6);
	expect_parse_error("{\"cniVersion\": \"0.2.0\", \"ip6\": {\"ip\": \"10.0.0.1/8\"}}", 6);
	expect_parse_error("{\"cniVersion\": \"0.1.0\", \"ip4\": \"10.0.0.1/8\"}", 6);
}

static void test_default_version(void **state)
{
	_cleanup_(cni_result_freep) struct cni_result *a = NULL, *b = NULL, *c = NULL;
	struct cni_error err = {};

	/* No cniVersion: read as the caller's default (the config's version). */
	assert_int_equal(parse_str("{\"ip4\": {\"ip\": \"10.0.0.2/8\"}}", "0.2.0", &a, &err), 0);
	assert_string_equal(a->cni_version, "0.2.0");
	assert_int_equal(a->n_ips, 1);
	assert_int_equal(parse_str("{\"cniVersion\": \"\", \"ips\": []}", NULL, &b, &err), 0);
	assert_string_equal(b->cni_version, CNI_VERSION_LATEST);
	/* An explicit version wins over the default. */
	assert_int_equal(parse_str("{\"cniVersion\": \"0.4.0\"}", "0.2.0", &c, &err), 0);
	assert_string_equal(c->cni_version, "0.4.0");
}

static void test_version_specific_keys(void **state)
{
	_cleanup_(cni_result_freep) struct cni_result *a = NULL, *b = NULL;
	_cleanup_free_ char *s = NULL;
	struct cni_error err = {};

	/* 1.1.0 interface keys are not read from a 0.4.0 result... */
	assert_int_equal(parse_str("{\"cniVersion\": \"0.4.0\", \"interfaces\": [{\"name\": \"e\", "
				   "\"mtu\": 9000, \"pciID\": \"p\"}]}", NULL, &a, &err), 0);
	assert_int_equal(a->interfaces[0].mtu, 0);
	assert_null(a->interfaces[0].pci_id);
	/* ...and the 0.4.0 "version" key is not read from a 1.0.0 one, nor written. */
	assert_int_equal(parse_str("{\"cniVersion\": \"1.0.0\", \"ips\": [{\"version\": \"4\", "
				   "\"address\": \"10.0.0.2/8\"}]}", NULL, &b, &err), 0);
	s = render(b, "1.0.0");
	assert_string_equal(s, "{\"cniVersion\": \"1.0.0\", \"ips\": [{\"address\": \"10.0.0.2/8\"}], "
			       "\"dns\": {}}");
}

static void test_render_rules(void **state)
{
	_cleanup_(cni_result_freep) struct cni_result *r = NULL, *e = NULL, *e02 = NULL;
	_cleanup_json_ json_t *j = NULL;
	_cleanup_free_ char *s1 = NULL, *s2 = NULL, *s3 = NULL, *s4 = NULL;
	struct cni_error err = {};

	assert_int_equal(parse_str("{\"cniVersion\": \"1.1.0\", \"ips\": [{\"address\": "
				   "\"fd00::2/64\"}], \"routes\": [{\"dst\": \"10.0.0.0/8\"}, "
				   "{\"dst\": \"::/0\", \"mtu\": 1280}]}", NULL, &r, &err), 0);
	/* Down to 0.2.0: a v6 address only, the v4 route has no family to go to, the v6
	 * route keeps only dst/gw. */
	s1 = render(r, "0.2.0");
	assert_string_equal(s1, "{\"cniVersion\": \"0.2.0\", \"ip6\": {\"ip\": \"fd00::2/64\", "
				"\"routes\": [{\"dst\": \"::/0\"}]}, \"dns\": {}}");
	/* Empty target version means 0.1.0. */
	s2 = render(r, "");
	assert_non_null(strstr(s2, "\"cniVersion\": \"0.1.0\""));
	/* Unknown target: code 1. */
	assert_int_equal(cni_result_to_json(r, "0.5.0", &j, &err), -EINVAL);
	assert_int_equal(err.code, 1);
	/* No address: 0.1/0.2 cannot hold it unless it already was 0.1/0.2. */
	assert_int_equal(parse_str("{\"cniVersion\": \"0.4.0\"}", NULL, &e, &err), 0);
	assert_int_equal(cni_result_to_json(e, "0.2.0", &j, &err), -EINVAL);
	assert_int_equal(err.code, 1);
	assert_string_equal(err.msg, "cannot convert: no valid IP addresses");
	assert_int_equal(parse_str("{\"cniVersion\": \"0.2.0\"}", NULL, &e02, &err), 0);
	s3 = render(e02, "0.1.0");
	assert_string_equal(s3, "{\"cniVersion\": \"0.1.0\", \"dns\": {}}");
	s4 = render(e02, "1.1.0");
	assert_string_equal(s4, "{\"cniVersion\": \"1.1.0\", \"dns\": {}}");
}

static void test_builders(void **state)
{
	_cleanup_(cni_result_freep) struct cni_result *r = cni_result_new(), *d = NULL;
	_cleanup_free_ char *s = NULL, *s2 = NULL;
	struct ip_prefix p, dst;
	struct ip_addr gw;
	int k;

	assert_non_null(r);
	assert_string_equal(r->cni_version, "1.1.0");
	k = cni_result_add_interface(r, "eth0", "aa:bb:cc:dd:ee:ff", "/run/netns/x");
	assert_int_equal(k, 0);
	assert_int_equal(cni_result_add_interface(r, "lo", NULL, ""), 1);
	assert_int_equal(ip_prefix_parse("10.0.0.2/24", &p), 0);
	assert_int_equal(ip_addr_parse("10.0.0.1", &gw), 0);
	assert_int_equal(cni_result_add_ip(r, &p, &gw, k), 0);
	assert_int_equal(cni_result_add_ip(r, &p, NULL, -1), 1);
	assert_int_equal(ip_prefix_parse("0.0.0.0/0", &dst), 0);
	assert_int_equal(cni_result_add_route(r, &dst, &gw), 0);
	assert_int_equal(cni_result_add_route(r, &dst, NULL), 1);
	s = render(r, "0.3.1");
	assert_string_equal(s, "{\"cniVersion\": \"0.3.1\", \"interfaces\": [{\"name\": \"eth0\", "
			       "\"mac\": \"aa:bb:cc:dd:ee:ff\", \"sandbox\": \"/run/netns/x\"}, "
			       "{\"name\": \"lo\"}], \"ips\": [{\"version\": \"4\", \"interface\": 0, "
			       "\"address\": \"10.0.0.2/24\", \"gateway\": \"10.0.0.1\"}, "
			       "{\"version\": \"4\", \"address\": \"10.0.0.2/24\"}], \"routes\": "
			       "[{\"dst\": \"0.0.0.0/0\", \"gw\": \"10.0.0.1\"}, {\"dst\": "
			       "\"0.0.0.0/0\"}], \"dns\": {}}");
	d = cni_result_dup(r);
	assert_non_null(d);
	s2 = render(d, "0.3.1");
	assert_string_equal(s, s2);
}

static void test_dumps_format(void **state)
{
	_cleanup_json_ json_t *j = json_pack("{s:s, s:{}}", "cniVersion", "1.0.0", "dns");
	_cleanup_free_ char *s = cni_result_dumps(j);

	/* Go's MarshalIndent(r, "", "    "): no trailing newline. */
	assert_string_equal(s, "{\n    \"cniVersion\": \"1.0.0\",\n    \"dns\": {}\n}");
}

static void test_go_escaping(void **state)
{
	_cleanup_json_ json_t *j = json_pack("{s:s, s:s}", "a", "x<y>&z\xe2\x80\xa8\xe2\x80\xa9",
					     "b", "plain \xc3\xa9");
	_cleanup_free_ char *s = cni_json_dumps_go(j, JSON_COMPACT | JSON_PRESERVE_ORDER);

	/* encoding/json's HTML-safe escaping, other UTF-8 as is. */
	assert_string_equal(s, "{\"a\":\"x\\u003cy\\u003e\\u0026z\\u2028\\u2029\","
			       "\"b\":\"plain \xc3\xa9\"}");
}

int main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_golden_rich),
		cmocka_unit_test(test_golden_020),
		cmocka_unit_test(test_parse_errors),
		cmocka_unit_test(test_default_version),
		cmocka_unit_test(test_version_specific_keys),
		cmocka_unit_test(test_render_rules),
		cmocka_unit_test(test_builders),
		cmocka_unit_test(test_dumps_format),
		cmocka_unit_test(test_go_escaping),
	};

	golden_dir = argc > 1 ? argv[1] : getenv("GOLDEN_DIR");
	if (!golden_dir) {
		fprintf(stderr, "usage: %s <golden dir>\n", argv[0]);
		return 2;
	}
	return cmocka_run_group_tests(tests, NULL, NULL);
}
