// SPDX-License-Identifier: Apache-2.0
/* Conflist parsing and validation, legacy .conf wrapping, directory loading,
 * and the name validators. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <cmocka.h>

#include "basic/fileio.h"
#include "libcni/conf.h"

static int parse(const char *s, struct cni_conflist **ret, struct cni_error *err)
{
	return cni_conflist_from_bytes(s, strlen(s), ret, err);
}

static void expect_bad(const char *s, unsigned code, const char *msg_part)
{
	struct cni_conflist *l = NULL;
	struct cni_error err = {};

	if (parse(s, &l, &err) >= 0)
		fail_msg("accepted: %s", s);
	assert_null(l);
	if (err.code != code || !strstr(err.msg, msg_part))
		fail_msg("%s: got %u \"%s\", want %u \"%s\"", s, err.code, err.msg, code, msg_part);
}

static void test_parse_ok(void **state)
{
	_cleanup_(cni_conflist_freep) struct cni_conflist *l = NULL;
	struct cni_error err = {};
	const char *s = "{\"cniVersion\":\"1.0.0\",\"name\":\"net-1_a.b\",\"disableCheck\":true,"
			"\"disableGC\":\"TRUE\",\"plugins\":[{\"type\":\"bridge\",\"x\":1},"
			"{\"type\":\"portmap\",\"capabilities\":{\"portMappings\":true}}]}";

	assert_int_equal(parse(s, &l, &err), 0);
	assert_string_equal(l->name, "net-1_a.b");
	assert_string_equal(l->cni_version, "1.0.0");
	assert_string_equal(cni_conflist_effective_version(l), "1.0.0");
	assert_true(l->disable_check);
	assert_true(l->disable_gc);
	assert_false(l->load_only_inlined);
	assert_int_equal(l->n_plugins, 2);
	assert_string_equal(l->plugins[0].type, "bridge");
	assert_int_equal(json_integer_value(json_object_get(l->plugins[0].json, "x")), 1);
	assert_string_equal(l->plugins[1].type, "portmap");
	assert_int_equal(l->len, strlen(s));
	assert_string_equal(l->bytes, s);
}

static void test_parse_errors(void **state)
{
	expect_bad("{", 6, "error parsing configuration");
	expect_bad("[]", 6, "not a JSON object");
	expect_bad("{\"plugins\":[{\"type\":\"a\"}]}", 7, "no name");
	expect_bad("{\"name\":5,\"plugins\":[{\"type\":\"a\"}]}", 7, "invalid name type");
	expect_bad("{\"name\":\"\",\"plugins\":[{\"type\":\"a\"}]}", 7, "missing network name");
	expect_bad("{\"name\":\"a/b\",\"plugins\":[{\"type\":\"a\"}]}", 7, "invalid characters");
	expect_bad("{\"name\":\"-a\",\"plugins\":[{\"type\":\"a\"}]}", 7, "invalid characters");
	expect_bad("{\"name\":\"n\"}", 7, "no 'plugins' key");
	expect_bad("{\"name\":\"n\",\"plugins\":[]}", 7, "no plugins in list");
	expect_bad("{\"name\":\"n\",\"plugins\":{}}", 7, "invalid 'plugins' type");
	expect_bad("{\"name\":\"n\",\"plugins\":[{}]}", 7, "missing 'type'");
	expect_bad("{\"name\":\"n\",\"plugins\":[{\"type\":\"\"}]}", 7, "missing 'type'");
	expect_bad("{\"name\":\"n\",\"plugins\":[{\"type\":3}]}", 7, "'type' must be a string");
	expect_bad("{\"name\":\"n\",\"plugins\":[{\"type\":\"../x\"}]}", 7, "invalid plugin type");
	expect_bad("{\"name\":\"n\",\"plugins\":[{\"type\":\"a\\\\b\"}]}", 7, "invalid plugin type");
	expect_bad("{\"name\":\"n\",\"plugins\":[5]}", 7, "must be an object");
	expect_bad("{\"name\":\"n\",\"cniVersion\":1,\"plugins\":[{\"type\":\"a\"}]}", 7,
		   "invalid cniVersion type");
	expect_bad("{\"name\":\"n\",\"disableCheck\":\"yes\",\"plugins\":[{\"type\":\"a\"}]}", 7,
		   "invalid value \"yes\" for disableCheck");
	expect_bad("{\"name\":\"n\",\"disableGC\":1,\"plugins\":[{\"type\":\"a\"}]}", 7,
		   "invalid type for disableGC");
	expect_bad("{\"name\":\"n\",\"loadOnlyInlinedPlugins\":true}", 7,
		   "`loadOnlyInlinedPlugins` is true, and no 'plugins' key");
	expect_bad("{\"name\":\"n\",\"loadOnlyInlinedPlugins\":\"true\"}", 7,
		   "`loadOnlyInlinedPlugins` is true");
	expect_bad("{\"name\":\"n\",\"cniVersions\":\"1.0.0\",\"plugins\":[{\"type\":\"a\"}]}", 7,
		   "invalid type for cniVersions");
	expect_bad("{\"name\":\"n\",\"cniVersions\":[1],\"plugins\":[{\"type\":\"a\"}]}", 7,
		   "invalid type for cniVersions index 0");
	expect_bad("{\"name\":\"n\",\"cniVersions\":[\"1.0.0\",\"x\"],\"plugins\":[{\"type\":\"a\"}]}",
		   7, "invalid cniVersions entry x at index 1");
	expect_bad("{\"name\":\"n\",\"cniVersion\":\"bad\",\"cniVersions\":[\"1.0.0\"],"
		   "\"plugins\":[{\"type\":\"a\"}]}", 7, "invalid cniVersion bad");
}

static const char *version_of(const char *s)
{
	static char buf[32];
	_cleanup_(cni_conflist_freep) struct cni_conflist *l = NULL;
	struct cni_error err = {};

	if (parse(s, &l, &err) < 0)
		fail_msg("%s: %s", s, err.msg);
	snprintf(buf, sizeof(buf), "%s", cni_conflist_effective_version(l));
	return buf;
}

static void test_versions(void **state)
{
	/* No version at all: the reference's default. */
	assert_string_equal(version_of("{\"name\":\"n\",\"plugins\":[{\"type\":\"a\"}]}"), "0.1.0");
	assert_string_equal(version_of("{\"name\":\"n\",\"cniVersion\":\"0.3.1\","
				       "\"plugins\":[{\"type\":\"a\"}]}"), "0.3.1");
	/* The highest of cniVersion and cniVersions, entries above 1.1.0 dropped. */
	assert_string_equal(version_of("{\"name\":\"n\",\"cniVersion\":\"0.4.0\",\"cniVersions\":"
				       "[\"1.0.0\",\"0.3.1\",\"2.0.0\"],\"plugins\":[{\"type\":\"a\"}]}"),
			    "1.0.0");
	assert_string_equal(version_of("{\"name\":\"n\",\"cniVersion\":\"1.1.0\",\"cniVersions\":"
				       "[\"1.0.0\"],\"plugins\":[{\"type\":\"a\"}]}"), "1.1.0");
	assert_string_equal(version_of("{\"name\":\"n\",\"cniVersion\":\"3.0.0\",\"cniVersions\":"
				       "[\"0.4.0\",\"1.1.0\"],\"plugins\":[{\"type\":\"a\"}]}"), "1.1.0");
	assert_string_equal(version_of("{\"name\":\"n\",\"cniVersions\":[\"0.10.0\",\"0.4.0\"],"
				       "\"plugins\":[{\"type\":\"a\"}]}"), "0.10.0");
	/* Without a list, cniVersion is taken as given (the plugin judges it). */
	assert_string_equal(version_of("{\"name\":\"n\",\"cniVersion\":\"9.9.9\","
				       "\"plugins\":[{\"type\":\"a\"}]}"), "9.9.9");
}

static void test_duplicate_keys(void **state)
{
	_cleanup_(cni_conflist_freep) struct cni_conflist *l = NULL;
	struct cni_error err = {};

	/* Go's decoder takes the last of duplicate keys; so do we. */
	assert_int_equal(parse("{\"name\":\"a\",\"name\":\"b\",\"plugins\":[{\"type\":\"t\"}]}",
			       &l, &err), 0);
	assert_string_equal(l->name, "b");
}

static void test_bools(void **state)
{
	_cleanup_(cni_conflist_freep) struct cni_conflist *l = NULL;
	struct cni_error err = {};

	assert_int_equal(parse("{\"name\":\"n\",\"disableCheck\":\"false\",\"disableGC\":false,"
			       "\"loadOnlyInlinedPlugins\":\"True\",\"plugins\":[{\"type\":\"a\"}]}",
			       &l, &err), 0);
	assert_false(l->disable_check);
	assert_false(l->disable_gc);
	assert_true(l->load_only_inlined);
}

static void test_legacy_wrap(void **state)
{
	_cleanup_(cni_conflist_freep) struct cni_conflist *l = NULL;
	struct cni_error err = {};
	const char *c = "{\"type\":\"bridge\",\"name\":\"old\",\"cniVersion\":\"0.3.1\",\"ipam\":{\"z\":1,\"a\":2}}";

	assert_int_equal(cni_conflist_from_conf_bytes(c, strlen(c), &l, &err), 0);
	assert_string_equal(l->name, "old");
	assert_string_equal(l->cni_version, "0.3.1");
	assert_int_equal(l->n_plugins, 1);
	assert_string_equal(l->plugins[0].type, "bridge");
	/* The bytes the reference produces: Go marshalling a map (compact, sorted keys). */
	assert_string_equal(l->bytes, "{\"cniVersion\":\"0.3.1\",\"name\":\"old\",\"plugins\":"
				      "[{\"cniVersion\":\"0.3.1\",\"ipam\":{\"a\":2,\"z\":1},"
				      "\"name\":\"old\",\"type\":\"bridge\"}]}");
	cni_conflist_free(TAKE_PTR(l));
	assert_int_equal(cni_conflist_from_conf_bytes("{\"name\":\"x\"}", 12, &l, &err), -EINVAL);
	assert_int_equal(err.code, 7);
	assert_int_equal(cni_conflist_from_conf_bytes("{\"type\":\"a\",\"name\":\"x y\"}", 25, &l,
						      &err), -EINVAL);
	assert_int_equal(err.code, 7);
}

/* ---- directory loading ---- */

static char tmpdir[64];

static void put(const char *rel, const char *content)
{
	_cleanup_free_ char *p = NULL;

	assert_true(asprintf(&p, "%s/%s", tmpdir, rel) > 0);
	assert_int_equal(write_file_atomic(p, content, strlen(content), 0644), 0);
}

static void mkd(const char *rel)
{
	_cleanup_free_ char *p = NULL;

	assert_true(asprintf(&p, "%s/%s", tmpdir, rel) > 0);
	assert_int_equal(mkdir_p(p, 0755), 0);
}

static int setup_dir(void **state)
{
	snprintf(tmpdir, sizeof(tmpdir), "/tmp/linen-conf-XXXXXX");
	return mkdtemp(tmpdir) ? 0 : -1;
}

static int teardown_dir(void **state)
{
	_cleanup_free_ char *cmd = NULL;

	if (asprintf(&cmd, "rm -rf '%s'", tmpdir) < 0)
		return -1;
	return system(cmd) == 0 ? 0 : -1;
}

static struct cni_conflist *load(const char *name, int want)
{
	struct cni_conflist *l = NULL;
	struct cni_error err = {};
	int r = cni_conflist_load(tmpdir, name, &l, &err);

	if (r != want)
		fail_msg("load %s: %d (%s), want %d", name, r, err.msg, want);
	if (r < 0)
		assert_true(cni_error_is_set(&err));
	return l;
}

static void test_load(void **state)
{
	struct cni_conflist *l;

	/* Empty or missing directory. */
	assert_null(load("a", -ENOENT));
	put("20-b.conflist", "{\"cniVersion\":\"1.0.0\",\"name\":\"net\",\"plugins\":[{\"type\":\"second\"}]}");
	put("10-a.conflist", "{\"cniVersion\":\"1.0.0\",\"name\":\"net\",\"plugins\":[{\"type\":\"first\"}]}");
	put("15-other.conflist", "{\"cniVersion\":\"1.0.0\",\"name\":\"other\",\"plugins\":[{\"type\":\"o\"}]}");
	/* Not a list extension, or a directory with one: ignored. */
	put("05-x.conflist.bak", "{");
	mkd("00-dir.conflist");

	/* Lexical order, first match by name. */
	l = load("net", 0);
	assert_string_equal(l->plugins[0].type, "first");
	assert_int_equal(l->n_plugins, 1);
	cni_conflist_free(l);
	l = load("other", 0);
	assert_string_equal(l->plugins[0].type, "o");
	cni_conflist_free(l);
	assert_null(load("nope", -ENOENT));

	/* Aggregation from <dir>/<name>/ *.conf (sorted), appended after the inline ones. */
	mkd("net");
	put("net/2.conf", "{\"type\":\"agg2\"}");
	put("net/1.conf", "{\"type\":\"agg1\"}");
	put("net/3.json", "{\"type\":\"ignored\"}");
	l = load("net", 0);
	assert_int_equal(l->n_plugins, 3);
	assert_string_equal(l->plugins[0].type, "first");
	assert_string_equal(l->plugins[1].type, "agg1");
	assert_string_equal(l->plugins[2].type, "agg2");
	cni_conflist_free(l);

	/* A list without plugins gets them all from its directory... */
	mkd("agg");
	put("agg/a.conf", "{\"type\":\"only\"}");
	put("30-agg.conflist", "{\"cniVersion\":\"1.1.0\",\"name\":\"agg\"}");
	l = load("agg", 0);
	assert_int_equal(l->n_plugins, 1);
	assert_string_equal(l->plugins[0].type, "only");
	cni_conflist_free(l);
	/* ...and none at all is an error. */
	put("31-empty.conflist", "{\"cniVersion\":\"1.1.0\",\"name\":\"empty\"}");
	assert_null(load("empty", -EINVAL));

	/* loadOnlyInlinedPlugins skips the directory. */
	mkd("inl");
	put("inl/a.conf", "{\"type\":\"skipped\"}");
	put("40-inl.conflist", "{\"name\":\"inl\",\"loadOnlyInlinedPlugins\":true,"
			       "\"plugins\":[{\"type\":\"in\"}]}");
	l = load("inl", 0);
	assert_int_equal(l->n_plugins, 1);
	assert_string_equal(l->plugins[0].type, "in");
	cni_conflist_free(l);

	/* A broken plugin file in the aggregation directory fails the load. */
	put("agg/b.conf", "{\"notype\":1}");
	assert_null(load("agg", -EINVAL));
	put("agg/b.conf", "{\"type\":\"fine\"}");

	/* Legacy single-plugin configs, after all lists, in lexical order. */
	put("50-old.conf", "{\"cniVersion\":\"0.3.1\",\"name\":\"old\",\"type\":\"bridge\"}");
	put("45-old.json", "{\"cniVersion\":\"0.2.0\",\"name\":\"old\",\"type\":\"ptp\"}");
	l = load("old", 0);
	assert_int_equal(l->n_plugins, 1);
	assert_string_equal(l->plugins[0].type, "ptp");
	assert_string_equal(cni_conflist_effective_version(l), "0.2.0");
	cni_conflist_free(l);
	/* A conflist with the same name wins over a legacy file that sorts first. */
	put("01-net.conf", "{\"name\":\"net\",\"type\":\"legacy\"}");
	l = load("net", 0);
	assert_string_equal(l->plugins[0].type, "first");
	cni_conflist_free(l);

	/* Like the reference, a malformed list fails every load that reaches it... */
	put("99-broken.conflist", "{\"name\":");
	assert_null(load("old", -EINVAL));
	assert_null(load("nope", -EINVAL));
	/* ...but not one satisfied by a list sorting before it. */
	l = load("other", 0);
	cni_conflist_free(l);
}

static void test_from_file(void **state)
{
	_cleanup_(cni_conflist_freep) struct cni_conflist *a = NULL, *b = NULL;
	_cleanup_free_ char *p1 = NULL, *p2 = NULL;
	struct cni_conflist *c = NULL;
	struct cni_error err = {};

	put("f.conflist", "{\"name\":\"f\",\"plugins\":[{\"type\":\"t\"}]}");
	put("g.conf", "{\"name\":\"g\",\"type\":\"t\"}");
	assert_true(asprintf(&p1, "%s/f.conflist", tmpdir) > 0);
	assert_true(asprintf(&p2, "%s/g.conf", tmpdir) > 0);
	assert_int_equal(cni_conflist_from_file(p1, &a, &err), 0);
	assert_string_equal(a->name, "f");
	assert_int_equal(cni_conflist_from_file(p2, &b, &err), 0);
	assert_string_equal(b->name, "g");
	assert_int_equal(cni_conflist_from_file("/nonexistent/x.conflist", &c, &err), -ENOENT);
	assert_int_equal(err.code, 5);
}

static void test_validators(void **state)
{
	struct cni_error err = {};
	static const char *const good_ids[] = { "a", "0", "abc-DEF_1.2", "x.", NULL };
	static const char *const bad_ids[] = { "-a", ".a", "_a", "a/b", "../x", "a b", "a:b",
					       "é", NULL };

	for (const char *const *s = good_ids; *s; s++) {
		assert_int_equal(cni_validate_container_id(*s, &err), 0);
		assert_int_equal(cni_validate_network_name(*s, &err), 0);
	}
	for (const char *const *s = bad_ids; *s; s++) {
		assert_int_equal(cni_validate_container_id(*s, &err), -EINVAL);
		assert_int_equal(err.code, 4);
		assert_string_equal(err.msg, "invalid characters in containerID");
		assert_string_equal(err.details, *s);
		assert_int_equal(cni_validate_network_name(*s, &err), -EINVAL);
		assert_int_equal(err.code, 7);
	}
	assert_int_equal(cni_validate_container_id("", &err), -EINVAL);
	assert_int_equal(err.code, 3);
	assert_string_equal(err.msg, "missing containerID");
	assert_int_equal(cni_validate_container_id(NULL, &err), -EINVAL);
	assert_int_equal(cni_validate_network_name(NULL, &err), -EINVAL);
	assert_int_equal(err.code, 7);

	assert_int_equal(cni_validate_ifname("eth0", &err), 0);
	assert_int_equal(cni_validate_ifname("123456789012345", &err), 0);
	assert_int_equal(cni_validate_ifname("veth-a.b_c@x", &err), 0);
	static const char *const bad_if[] = { "", "1234567890123456", ".", "..", "a/b", "a:b",
					      "a b", "a\tb", "a\n", NULL };
	for (const char *const *s = bad_if; *s; s++) {
		assert_int_equal(cni_validate_ifname(*s, &err), -EINVAL);
		assert_int_equal(err.code, 4);
	}
	assert_int_equal(cni_validate_ifname(NULL, &err), -EINVAL);
	assert_int_equal(cni_validate_ifname("1234567890123456", &err), -EINVAL);
	assert_string_equal(err.msg, "interface name is too long");

	assert_int_equal(cni_validate_plugin_type("host-local", &err), 0);
	assert_int_equal(cni_validate_plugin_type("", &err), -EINVAL);
	assert_int_equal(cni_validate_plugin_type(NULL, &err), -EINVAL);
	assert_int_equal(cni_validate_plugin_type("a/b", &err), -EINVAL);
	assert_int_equal(cni_validate_plugin_type("a\\b", &err), -EINVAL);
	assert_int_equal(err.code, 7);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse_ok),
		cmocka_unit_test(test_parse_errors),
		cmocka_unit_test(test_versions),
		cmocka_unit_test(test_bools),
		cmocka_unit_test(test_duplicate_keys),
		cmocka_unit_test(test_legacy_wrap),
		cmocka_unit_test_setup_teardown(test_load, setup_dir, teardown_dir),
		cmocka_unit_test_setup_teardown(test_from_file, setup_dir, teardown_dir),
		cmocka_unit_test(test_validators),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
