// SPDX-License-Identifier: Apache-2.0
/*
 * Unit tests for cache.c: the result cache file in the reference libcni's exact format
 * (golden files written by hand from its cachedInfo struct), the legacy format, path
 * safety, storing/listing/removing, base64.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "basic/fileio.h"
#include "basic/json-util.h"
#include "basic/macro.h"
#include "libcni/cache.h"

static const char *golden = "test/golden/libcni/cache";
static char tmpdir[] = "/tmp/test-cache-XXXXXX";

static char *golden_read(const char *name, size_t *len)
{
	_cleanup_free_ char *path = NULL;
	char *data;

	assert_true(asprintf(&path, "%s/%s", golden, name) > 0);
	assert_int_equal(read_full_file(path, 1 << 20, &data, len), 0);
	return data;
}

static void test_reference_read_back(void **state)
{
	_cleanup_(cni_cache_entry_freep) struct cni_cache_entry *e = NULL;
	_cleanup_free_ char *data = NULL, *conf = NULL, *out = NULL;
	size_t len, conf_len, out_len;

	data = golden_read("reference-v1", &len);
	conf = golden_read("mynet.conflist", &conf_len);
	assert_int_equal(cni_cache_parse(data, len, &e), 0);
	assert_false(e->legacy);
	assert_string_equal(e->container_id, "ctr-1");
	assert_string_equal(e->ifname, "eth0");
	assert_string_equal(e->network_name, "mynet");
	assert_string_equal(e->netns, "/var/run/netns/ctr-1");
	assert_int_equal(e->config_len, conf_len);
	assert_memory_equal(e->config, conf, conf_len);
	assert_int_equal(e->n_args, 2);
	assert_string_equal(e->arg_keys[0], "IgnoreUnknown");
	assert_string_equal(e->arg_values[0], "1");
	assert_string_equal(e->arg_values[1], "web<1>&");
	assert_true(json_is_array(json_object_get(e->capability_args, "portMappings")));
	assert_string_equal(json_object_get_string(e->result, "cniVersion"), "1.0.0");

	/* and we write it back byte for byte */
	assert_int_equal(cni_cache_render(e, &out, &out_len), 0);
	assert_int_equal(out_len, len);
	assert_string_equal(out, data);
}

/* Build the entry the way the runtime does after ADD and compare with the reference file. */
static void test_render_matches_reference(void **state)
{
	_cleanup_free_ char *data = NULL, *conf = NULL, *out = NULL;
	_cleanup_json_ json_t *caps = NULL, *result = NULL;
	size_t len, conf_len;
	char *keys[] = { "IgnoreUnknown", "K8S_POD_NAME" }, *values[] = { "1", "web<1>&" };
	struct cni_cache_entry e = {};

	data = golden_read("reference-v1", &len);
	conf = golden_read("mynet.conflist", &conf_len);
	caps = json_loads("{\"portMappings\":[{\"hostPort\":8080,\"containerPort\":80,"
			  "\"protocol\":\"tcp\"}]}", 0, NULL);
	/* the result in Go struct order, as a plugin prints it */
	result = json_loads("{\"cniVersion\":\"1.0.0\",\"interfaces\":[{\"name\":\"cni0\","
			    "\"mac\":\"0a:58:0a:16:00:01\"},{\"name\":\"veth3a1b2c4d\",\"mac\":"
			    "\"4e:5a:0c:6b:1c:2d\"},{\"name\":\"eth0\",\"mac\":\"0a:58:0a:16:00:05\","
			    "\"sandbox\":\"/var/run/netns/ctr-1\"}],\"ips\":[{\"interface\":2,"
			    "\"address\":\"10.22.0.5/16\",\"gateway\":\"10.22.0.1\"}],\"routes\":"
			    "[{\"dst\":\"0.0.0.0/0\"}],\"dns\":{}}", 0, NULL);
	assert_non_null(caps);
	assert_non_null(result);
	e = (struct cni_cache_entry){
		.container_id = "ctr-1",
		.ifname = "eth0",
		.network_name = "mynet",
		.netns = "/var/run/netns/ctr-1",
		.config = conf,
		.config_len = conf_len,
		.arg_keys = keys,
		.arg_values = values,
		.n_args = 2,
		.capability_args = caps,
		.result = result,
	};
	assert_int_equal(cni_cache_render(&e, &out, NULL), 0);
	assert_string_equal(out, data);
}

static void test_minimal_and_legacy(void **state)
{
	_cleanup_(cni_cache_entry_freep) struct cni_cache_entry *e = NULL, *l = NULL;
	_cleanup_free_ char *data = NULL, *legacy = NULL, *out = NULL;
	size_t len, llen;

	data = golden_read("minimal-v1", &len);
	assert_int_equal(cni_cache_parse(data, len, &e), 0);
	assert_null(e->netns);
	assert_int_equal(e->n_args, 0);
	assert_null(e->capability_args);
	assert_int_equal(cni_cache_render(e, &out, NULL), 0);
	assert_string_equal(out, data);

	legacy = golden_read("legacy", &llen);
	assert_int_equal(cni_cache_parse(legacy, llen, &l), 0);
	assert_true(l->legacy);
	assert_null(l->container_id);
	assert_string_equal(json_object_get_string(l->result, "cniVersion"), "0.4.0");
}

static void test_corrupt(void **state)
{
	static const char *const bad[] = {
		"",
		"{",
		"[]",
		"null",
		"\"cniCacheV1\"",
		"{\"kind\":5}",
		"{\"kind\":\"cniCacheV1\",\"containerId\":5}",
		"{\"kind\":\"cniCacheV1\",\"config\":\"abc\"}",
		"{\"kind\":\"cniCacheV1\",\"config\":\"ab=c\"}",
		"{\"kind\":\"cniCacheV1\",\"config\":\"a===\"}",
		"{\"kind\":\"cniCacheV1\",\"cniArgs\":[[\"a\"]]}",
		"{\"kind\":\"cniCacheV1\",\"cniArgs\":{}}",
		"{\"kind\":\"cniCacheV1\",\"cniArgs\":[[\"a\",1]]}",
		"{\"kind\":\"cniCacheV1\",\"capabilityArgs\":[]}",
		"{\"kind\":\"cniCacheV1\",\"result\":\"x\"}",
		"{\"kind\":\"cniCacheV1\",\"ifName\":\"a\",\"ifName\":\"b\"}",
	};

	for (size_t i = 0; i < ELEMENTSOF(bad); i++) {
		struct cni_cache_entry *e = NULL;

		if (cni_cache_parse(bad[i], strlen(bad[i]), &e) != -EBADMSG)
			fail_msg("accepted: %s", bad[i]);
		assert_null(e);
	}
}

static void test_paths(void **state)
{
	static const char *const hostile[][3] = {
		{ "mynet", "../../etc", "eth0" },
		{ "mynet", "a/b", "eth0" },
		{ "mynet", "", "eth0" },
		{ "mynet", ".hidden", "eth0" },
		{ "mynet", "ctr", "../x" },
		{ "mynet", "ctr", ".." },
		{ "mynet", "ctr", "a/b" },
		{ "mynet", "ctr", "" },
		{ "mynet", "ctr", "averyveryverylongname" },
		{ "../net", "ctr", "eth0" },
		{ "a/b", "ctr", "eth0" },
		{ "", "ctr", "eth0" },
	};
	_cleanup_free_ char *p = NULL;

	for (size_t i = 0; i < ELEMENTSOF(hostile); i++) {
		char *q = NULL;

		if (cni_cache_path("/var/lib/cni", hostile[i][0], hostile[i][1], hostile[i][2],
				   &q) != -EINVAL)
			fail_msg("accepted %s %s %s", hostile[i][0], hostile[i][1], hostile[i][2]);
		assert_null(q);
	}
	assert_int_equal(cni_cache_path("/var/lib/cni", "mynet", "ctr-1.a_b", "eth0", &p), 0);
	assert_string_equal(p, "/var/lib/cni/results/mynet-ctr-1.a_b-eth0");
}

static void write_raw(const char *name, const char *content)
{
	_cleanup_free_ char *p = NULL;

	assert_true(asprintf(&p, "%s/results/%s", tmpdir, name) > 0);
	assert_int_equal(write_file_atomic(p, content, strlen(content), 0600), 0);
}

static void test_store_list_remove(void **state)
{
	_cleanup_(cni_cache_entry_freep) struct cni_cache_entry *e = NULL, *back = NULL;
	_cleanup_free_ char *data = NULL, *path = NULL, *disk = NULL, *dir = NULL;
	struct cni_cache_entry **list = NULL;
	size_t len, n;
	struct stat st;

	data = golden_read("reference-v1", &len);
	assert_int_equal(cni_cache_parse(data, len, &e), 0);

	/* nothing cached yet: an empty list, a missing entry */
	assert_int_equal(cni_cache_list(tmpdir, NULL, &list, &n), 0);
	assert_int_equal(n, 0);
	cni_cache_entries_free(list);
	assert_int_equal(cni_cache_read(tmpdir, "mynet", "ctr-1", "eth0", &back), -ENOENT);

	assert_int_equal(cni_cache_write(tmpdir, e), 0);
	assert_true(asprintf(&dir, "%s/results", tmpdir) > 0);
	assert_int_equal(stat(dir, &st), 0);
	assert_int_equal(st.st_mode & 07777, 0700);
	assert_int_equal(cni_cache_path(tmpdir, "mynet", "ctr-1", "eth0", &path), 0);
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(st.st_mode & 07777, 0600);
	assert_int_equal(read_full_file(path, 1 << 20, &disk, NULL), 0);
	assert_string_equal(disk, data);

	assert_int_equal(cni_cache_read(tmpdir, "mynet", "ctr-1", "eth0", &back), 0);
	assert_string_equal(back->container_id, "ctr-1");

	/* files the listing must skip, and one more valid attachment */
	write_raw("mynet-ctr-2-eth0", "{\"cniVersion\":\"0.4.0\"}");            /* legacy */
	write_raw("mynet-ctr-4-eth0", "garbage");
	write_raw("mynet-ctr-5-eth0", "{\"kind\":\"cniCacheV1\",\"containerId\":\"ctr-5\","
		  "\"networkName\":\"mynet\"}");                                    /* no ifName */
	write_raw("mynet-ctr-6-eth0", "{\"kind\":\"cniCacheV1\",\"containerId\":\"../../x\","
		  "\"ifName\":\"eth0\",\"networkName\":\"mynet\"}");               /* hostile */
	{
		_cleanup_free_ char *m = golden_read("minimal-v1", &len);

		write_raw("mynet-ctr-3-net1", m);
	}
	assert_int_equal(cni_cache_list(tmpdir, NULL, &list, &n), 0);
	assert_int_equal(n, 2);
	assert_string_equal(list[0]->container_id, "ctr-1");
	assert_string_equal(list[1]->container_id, "ctr-3");
	assert_string_equal(list[1]->ifname, "net1");
	assert_null(list[2]);
	cni_cache_entries_free(list);

	assert_int_equal(cni_cache_list(tmpdir, "ctr-3", &list, &n), 0);
	assert_int_equal(n, 1);
	assert_string_equal(list[0]->container_id, "ctr-3");
	cni_cache_entries_free(list);
	assert_int_equal(cni_cache_list(tmpdir, "ctr", &list, &n), 0);
	assert_int_equal(n, 0);
	cni_cache_entries_free(list);

	/* corrupt and legacy entries read as such */
	cni_cache_entry_free(TAKE_PTR(back));
	assert_int_equal(cni_cache_read(tmpdir, "mynet", "ctr-4", "eth0", &back), -EBADMSG);
	assert_int_equal(cni_cache_read(tmpdir, "mynet", "ctr-2", "eth0", &back), 0);
	assert_true(back->legacy);

	assert_int_equal(cni_cache_remove(tmpdir, "mynet", "ctr-1", "eth0"), 0);
	assert_int_equal(access(path, F_OK), -1);
	assert_int_equal(cni_cache_remove(tmpdir, "mynet", "ctr-1", "eth0"), 0);
	assert_int_equal(cni_cache_remove(tmpdir, "mynet", "../ctr-1", "eth0"), -EINVAL);
}

static void test_base64(void **state)
{
	static const char *const vec[][2] = {
		{ "", "" }, { "f", "Zg==" }, { "fo", "Zm8=" }, { "foo", "Zm9v" },
		{ "foob", "Zm9vYg==" }, { "fooba", "Zm9vYmE=" }, { "foobar", "Zm9vYmFy" },
	};
	char *s;
	size_t len;

	for (size_t i = 0; i < ELEMENTSOF(vec); i++) {
		_cleanup_free_ char *enc = cni_base64_encode(vec[i][0], strlen(vec[i][0]));
		_cleanup_free_ char *dec = NULL;

		assert_string_equal(enc, vec[i][1]);
		assert_int_equal(cni_base64_decode(vec[i][1], &dec, &len), 0);
		assert_int_equal(len, strlen(vec[i][0]));
		assert_memory_equal(dec, vec[i][0], len);
	}
	assert_int_equal(cni_base64_decode("Zm9v\nYmFy\r\n", &s, &len), 0);
	assert_string_equal(s, "foobar");
	free(s);
	assert_int_equal(cni_base64_decode("Zm9", &s, &len), -EINVAL);
	assert_int_equal(cni_base64_decode("Zg==Zg==", &s, &len), -EINVAL);
	assert_int_equal(cni_base64_decode("Z===", &s, &len), -EINVAL);
	assert_int_equal(cni_base64_decode("Zm9v!A==", &s, &len), -EINVAL);
}

static void test_go_escaping(void **state)
{
	_cleanup_json_ json_t *caps = json_loads("{\"b\":\"<&>\u2028\",\"a\":1}", 0, NULL);
	_cleanup_free_ char *out = NULL;
	struct cni_cache_entry e = {
		.container_id = "c", .ifname = "eth0", .network_name = "n", .capability_args = caps,
	};

	assert_non_null(caps);
	assert_int_equal(cni_cache_render(&e, &out, NULL), 0);
	assert_string_equal(out, "{\"kind\":\"cniCacheV1\",\"containerId\":\"c\",\"config\":null,"
			    "\"ifName\":\"eth0\",\"networkName\":\"n\",\"capabilityArgs\":{\"a\":1,"
			    "\"b\":\"\\u003c\\u0026\\u003e\\u2028\"}}");
}

static int setup(void **state)
{
	return mkdtemp(tmpdir) ? 0 : -1;
}

static int teardown(void **state)
{
	char *cmd;

	if (asprintf(&cmd, "rm -rf '%s'", tmpdir) > 0) {
		if (system(cmd) != 0) {
			/* leftovers in /tmp only */
		}
		free(cmd);
	}
	return 0;
}

int main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_reference_read_back),
		cmocka_unit_test(test_render_matches_reference),
		cmocka_unit_test(test_minimal_and_legacy),
		cmocka_unit_test(test_corrupt),
		cmocka_unit_test(test_paths),
		cmocka_unit_test(test_store_list_remove),
		cmocka_unit_test(test_base64),
		cmocka_unit_test(test_go_escaping),
	};

	if (argc > 1)
		golden = argv[1];
	return cmocka_run_group_tests(tests, setup, teardown);
}
