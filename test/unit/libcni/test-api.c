// SPDX-License-Identifier: Apache-2.0
/*
 * Unit tests for api.c through the public include/cni/libcni.h: request building (injected
 * keys, runtimeConfig from capabilities), and whole chains run against small shell-script
 * plugins in a temporary CNI_PATH, with the cache in a temporary directory. No root needed.
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
#include "cni/libcni.h"
#include "libcni/api.h"
#include "libcni/conf.h"

static char tmpdir[] = "/tmp/test-api-XXXXXX";
static char *bindir, *cachedir, *logpath;

static void script(const char *name, const char *body)
{
	_cleanup_free_ char *path = NULL;
	FILE *f;

	assert_true(asprintf(&path, "%s/%s", bindir, name) > 0);
	f = fopen(path, "w");
	assert_non_null(f);
	/* every call logs "COMMAND CNI_CONTAINERID CNI_IFNAME" and its stdin */
	fprintf(f, "#!/bin/sh\nin=$(cat)\necho \"%s $CNI_COMMAND $CNI_CONTAINERID $CNI_IFNAME "
		"$in\" >>%s\n%s\n", name, logpath, body);
	fclose(f);
	assert_int_equal(chmod(path, 0755), 0);
}

static char *read_log(void)
{
	char *s = NULL;

	if (read_full_file(logpath, 1 << 20, &s, NULL) < 0)
		return strdup("");
	return s;
}

static void test_build_request(void **state)
{
	_cleanup_(cni_conflist_freep) struct cni_conflist *l = NULL;
	_cleanup_json_ json_t *caps = NULL, *prev = NULL, *req = NULL, *req2 = NULL;
	struct cni_error err = {};
	static const char conf[] =
		"{\"cniVersion\":\"1.0.0\",\"name\":\"n\",\"plugins\":["
		"{\"type\":\"a\",\"name\":\"other\",\"cniVersion\":\"0.1.0\",\"capabilities\":"
		"{\"portMappings\":true,\"bandwidth\":false,\"mac\":true},"
		"\"runtimeConfig\":{\"stale\":1}},"
		"{\"type\":\"b\"}]}";

	assert_int_equal(cni_conflist_from_bytes(conf, strlen(conf), &l, &err), 0);
	caps = json_loads("{\"portMappings\":[1],\"bandwidth\":{},\"ips\":[]}", 0, NULL);
	prev = json_loads("{\"cniVersion\":\"1.0.0\",\"ips\":[]}", 0, NULL);

	assert_int_equal(cni_build_request(&l->plugins[0], "n", "1.1.0", prev, caps, &req), 0);
	assert_string_equal(json_object_get_string(req, "name"), "n");
	assert_string_equal(json_object_get_string(req, "cniVersion"), "1.1.0");
	assert_true(json_equal(json_object_get(req, "prevResult"), prev));
	/* only declared-and-enabled capabilities the runtime supplied, replacing any value */
	{
		json_t *rc = json_object_get(req, "runtimeConfig");

		assert_int_equal(json_object_size(rc), 1);
		assert_non_null(json_object_get(rc, "portMappings"));
	}
	/* no capabilities: no runtimeConfig, no prevResult when none */
	assert_int_equal(cni_build_request(&l->plugins[1], "n", "1.1.0", NULL, caps, &req2), 0);
	assert_null(json_object_get(req2, "runtimeConfig"));
	assert_null(json_object_get(req2, "prevResult"));
	/* the source config is untouched */
	assert_string_equal(json_object_get_string(l->plugins[0].json, "name"), "other");
}

static struct libcni *handle(void)
{
	_cleanup_free_ char *path = NULL;
	struct libcni *c;

	assert_true(asprintf(&path, "/nonexistent:%s", bindir) > 0);
	assert_int_equal(libcni_new(path, cachedir, &c), 0);
	libcni_set_timeout(c, 5000);
	return c;
}

static struct libcni_netconf *netconf(const char *text)
{
	struct libcni_netconf *nc;
	struct libcni_error err = {};

	if (libcni_netconf_from_bytes(text, strlen(text), &nc, &err) < 0)
		fail_msg("netconf: %s", err.msg);
	return nc;
}

static void test_chain(void **state)
{
	struct libcni *c = handle();
	struct libcni_netconf *nc = NULL;
	struct libcni_rt *rt = NULL;
	struct libcni_error err = {};
	_cleanup_free_ char *res = NULL, *cached = NULL, *att = NULL, *log = NULL,
			    *cachefile = NULL, *caps = NULL, *vi = NULL;

	unlink(logpath);
	script("first",
	       "echo '{\"cniVersion\":\"1.1.0\",\"ips\":[{\"address\":\"10.0.0.2/24\"}]}'");
	/* prevResult is the last key of its compact request: echo it */
	script("second", "[ $CNI_COMMAND = ADD ] && echo \"$in\" | "
		"sed 's/.*\"prevResult\"://; s/}$//'; exit 0");
	nc = netconf("{\"cniVersion\":\"1.0.0\",\"cniVersions\":[\"1.1.0\"],\"name\":\"net1\","
		     "\"plugins\":[{\"type\":\"first\",\"capabilities\":{\"mac\":true}},"
		     "{\"type\":\"second\"}]}");
	assert_string_equal(libcni_netconf_version(nc), "1.1.0");
	assert_int_equal(libcni_netconf_plugin_count(nc), 2);
	assert_string_equal(libcni_netconf_plugin_type(nc, 1), "second");
	assert_null(libcni_netconf_plugin_type(nc, 2));

	assert_int_equal(libcni_rt_new("ctr1", "/var/run/netns/x", "eth0", &rt), 0);
	assert_int_equal(libcni_rt_add_arg(rt, "K", "V"), 0);
	assert_int_equal(libcni_rt_add_arg(rt, "K=", "V"), -EINVAL);
	assert_int_equal(libcni_rt_set_capability_args(rt, "{\"mac\":\"aa:bb\"}", &err), 0);
	assert_int_equal(libcni_rt_set_capability_args(rt, "[1]", &err), -EINVAL);
	assert_int_equal(err.code, 6);
	assert_int_equal(libcni_rt_set_capability_args(rt, "{\"mac\":\"aa:bb\"}", &err), 0);

	if (libcni_add(c, nc, rt, &res, &err) < 0)
		fail_msg("add: %s", err.msg);
	assert_non_null(strstr(res, "10.0.0.2/24"));
	assert_true(asprintf(&cachefile, "%s/results/net1-ctr1-eth0", cachedir) > 0);
	assert_int_equal(access(cachefile, F_OK), 0);

	assert_int_equal(libcni_get_cached_result(c, nc, rt, &cached, &err), 0);
	assert_non_null(strstr(cached, "10.0.0.2/24"));
	assert_int_equal(libcni_get_cached_attachments(c, NULL, &att), 0);
	assert_non_null(strstr(att, "\"containerId\":\"ctr1\""));
	assert_non_null(strstr(att, "\"network\":\"net1\""));

	assert_int_equal(libcni_check(c, nc, rt, &err), 0);
	assert_int_equal(libcni_status(c, nc, &err), 0);
	/* these scripts answer VERSION with nothing: not valid */
	assert_int_equal(libcni_validate(c, nc, &caps, &err), -EINVAL);
	assert_int_equal(err.code, 6);
	assert_non_null(strstr(err.msg, "decoding version info"));
	assert_int_equal(libcni_del(c, nc, rt, &err), 0);
	assert_int_equal(access(cachefile, F_OK), -1);
	assert_int_equal(libcni_get_cached_result(c, nc, rt, &cached, &err), -ENOENT);

	log = read_log();
	/* ADD in order, CHECK in order, STATUS in order, DEL reversed */
	{
		static const char *const order[] = {
			"first ADD ctr1 eth0", "second ADD ctr1 eth0", "first CHECK", "second CHECK",
			"first STATUS", "second STATUS", "first VERSION", "second VERSION",
			"second DEL", "first DEL",
		};
		const char *p = log;

		for (size_t i = 0; i < ELEMENTSOF(order); i++) {
			p = strstr(p, order[i]);
			if (!p)
				fail_msg("missing or out of order: %s\nlog:\n%s", order[i], log);
		}
	}
	assert_non_null(strstr(log, "\"runtimeConfig\":{\"mac\":\"aa:bb\"}"));

	/* VERSION: these scripts print nothing useful */
	assert_int_equal(libcni_version_info(c, "first", &vi, &err), -EINVAL);
	assert_int_equal(err.code, 6);

	libcni_rt_free(rt);
	libcni_netconf_free(nc);
	libcni_free(c);
}

static void test_gc(void **state)
{
	struct libcni *c = handle();
	struct libcni_netconf *nc = NULL;
	struct libcni_rt *a = NULL, *b = NULL;
	struct libcni_error err = {};
	const struct libcni_attachment keep[] = { { "ctrA", "eth0" } };
	_cleanup_free_ char *log = NULL, *fa = NULL, *fb = NULL;

	unlink(logpath);
	script("gcp", "[ $CNI_COMMAND = ADD ] && echo '{\"cniVersion\":\"1.1.0\"}'; exit 0");
	nc = netconf("{\"cniVersion\":\"1.1.0\",\"name\":\"gcnet\","
		     "\"plugins\":[{\"type\":\"gcp\"}]}");
	assert_int_equal(libcni_rt_new("ctrA", "/x", "eth0", &a), 0);
	assert_int_equal(libcni_rt_new("ctrB", "/x", "eth0", &b), 0);
	assert_int_equal(libcni_add(c, nc, a, NULL, &err), 0);
	assert_int_equal(libcni_add(c, nc, b, NULL, &err), 0);
	assert_true(asprintf(&fa, "%s/results/gcnet-ctrA-eth0", cachedir) > 0);
	assert_true(asprintf(&fb, "%s/results/gcnet-ctrB-eth0", cachedir) > 0);

	assert_int_equal(libcni_gc(c, nc, keep, 1, &err), 0);
	assert_int_equal(access(fa, F_OK), 0);
	assert_int_equal(access(fb, F_OK), -1);
	log = read_log();
	assert_non_null(strstr(log, "gcp DEL ctrB eth0"));
	assert_null(strstr(log, "gcp DEL ctrA"));
	assert_non_null(strstr(log, "\"cni.dev/valid-attachments\":[{\"containerID\":\"ctrA\","
				    "\"ifname\":\"eth0\"}]"));
	assert_non_null(strstr(log, "gcp GC  "));       /* no container id, no ifname */

	libcni_rt_free(a);
	libcni_rt_free(b);
	libcni_netconf_free(nc);
	libcni_free(c);
}

static void test_errors(void **state)
{
	struct libcni *c = handle();
	struct libcni_netconf *nc = NULL;
	struct libcni_rt *rt = NULL;
	struct libcni_error err = {};

	unlink(logpath);
	script("failer", "echo '{\"code\":11,\"msg\":\"busy\",\"details\":\"later\"}'; exit 1");
	nc = netconf("{\"cniVersion\":\"1.0.0\",\"name\":\"e\","
		     "\"plugins\":[{\"type\":\"failer\"}]}");

	/* names are validated before anything runs */
	assert_int_equal(libcni_rt_new("../x", "/x", "eth0", &rt), 0);
	assert_true(libcni_add(c, nc, rt, NULL, &err) < 0);
	assert_int_equal(err.code, 4);
	assert_true(libcni_del(c, nc, rt, &err) < 0);
	rt = libcni_rt_free(rt);
	assert_int_equal(libcni_rt_new("ok", "/x", "a/b", &rt), 0);
	assert_true(libcni_add(c, nc, rt, NULL, &err) < 0);
	assert_int_equal(err.code, 4);
	rt = libcni_rt_free(rt);
	assert_int_equal(libcni_rt_new("", "/x", "eth0", &rt), 0);
	assert_true(libcni_add(c, nc, rt, NULL, &err) < 0);
	assert_int_equal(err.code, 3);
	rt = libcni_rt_free(rt);
	{
		/* "e-" + id + "-eth0" is 256 bytes: over NAME_MAX, refused before the chain runs */
		char id[250];

		memset(id, 'a', sizeof(id) - 1);
		id[sizeof(id) - 1] = 0;
		assert_int_equal(libcni_rt_new(id, "/x", "eth0", &rt), 0);
		assert_true(libcni_add(c, nc, rt, NULL, &err) < 0);
		assert_int_equal(err.code, 4);
		assert_non_null(strstr(err.msg, "containerID too long"));
		assert_true(libcni_del(c, nc, rt, &err) < 0);
		rt = libcni_rt_free(rt);
		assert_int_equal(access(logpath, F_OK), -1);
		/* one byte less fits: it reaches the plugin (which fails with its own code) */
		id[sizeof(id) - 2] = 0;
		assert_int_equal(libcni_rt_new(id, "/x", "eth0", &rt), 0);
		assert_int_equal(libcni_add(c, nc, rt, NULL, &err), -EPROTO);
		assert_int_equal(err.code, 11);
		rt = libcni_rt_free(rt);
	}
	assert_int_equal(access(logpath, F_OK), 0);
	unlink(logpath);

	assert_int_equal(libcni_rt_new("ok", "/x", "eth0", &rt), 0);
	assert_int_equal(libcni_add(c, nc, rt, NULL, &err), -EPROTO);
	assert_int_equal(err.code, 11);
	assert_string_equal(err.msg, "plugin type=\"failer\" failed (add): busy");
	assert_string_equal(err.details, "later");
	assert_int_equal(libcni_status(c, nc, &err), 0); /* 1.0.0: no STATUS */

	/* validate: VERSION answers against the list's version, enabled capabilities */
	script("versioned", "[ $CNI_COMMAND = VERSION ] && echo '{\"cniVersion\":\"1.0.0\","
	       "\"supportedVersions\":[\"0.4.0\",\"1.0.0\"]}'; exit 0");
	{
		struct libcni_netconf *v1 = netconf("{\"cniVersion\":\"1.0.0\",\"name\":\"v\","
			"\"plugins\":[{\"type\":\"versioned\",\"capabilities\":{\"mac\":true,"
			"\"ips\":false}},{\"type\":\"versioned\",\"capabilities\":{\"mac\":true}}]}");
		struct libcni_netconf *v2 = netconf("{\"cniVersion\":\"1.1.0\",\"name\":\"v\","
			"\"plugins\":[{\"type\":\"versioned\"}]}");
		_cleanup_free_ char *caps = NULL;

		assert_int_equal(libcni_validate(c, v1, &caps, &err), 0);
		assert_string_equal(caps, "[\"mac\"]");
		assert_int_equal(libcni_validate(c, v2, NULL, &err), -EINVAL);
		assert_int_equal(err.code, 1);
		assert_string_equal(err.msg, "plugin versioned does not support config version "
				    "\"1.1.0\"");
		libcni_netconf_free(v1);
		libcni_netconf_free(v2);
	}

	libcni_rt_free(rt);
	libcni_netconf_free(nc);
	libcni_free(c);
}

static void test_version_info(void **state)
{
	struct libcni *c = handle();
	struct libcni_error err = {};
	char *out = NULL;

	script("v020", "echo '{\"cniVersion\":\"0.2.0\"}'");
	script("v030", "echo '{\"cniVersion\":\"0.3.0\"}'");
	script("vnone", "echo '{\"supportedVersions\":[\"1.0.0\"]}'");
	script("v010", "echo '{\"code\":4,\"msg\":\"unknown CNI_COMMAND: VERSION\"}'; exit 1");
	script("vfull", "[ \"$CNI_NETNS$CNI_IFNAME$CNI_PATH\" = dummydummydummy ] || exit 9; "
	       "echo '{\"cniVersion\":\"1.1.0\",\"supportedVersions\":[\"1.0.0\",\"1.1.0\"]}'");

	/* a 0.2.0 answer without a list means 0.1.0 and 0.2.0 */
	assert_int_equal(libcni_version_info(c, "v020", &out, &err), 0);
	assert_string_equal(out, "{\"cniVersion\":\"1.1.0\",\"supportedVersions\":"
			    "[\"0.1.0\",\"0.2.0\"]}");
	free(out);
	/* a plugin from before VERSION */
	assert_int_equal(libcni_version_info(c, "v010", &out, &err), 0);
	assert_string_equal(out, "{\"cniVersion\":\"1.1.0\",\"supportedVersions\":[\"0.1.0\"]}");
	free(out);
	/* dummy NETNS/IFNAME/PATH for old skels that required them */
	assert_int_equal(libcni_version_info(c, "vfull", &out, &err), 0);
	assert_string_equal(out, "{\"cniVersion\":\"1.1.0\",\"supportedVersions\":"
			    "[\"1.0.0\",\"1.1.0\"]}");
	free(out);
	assert_int_equal(libcni_version_info(c, "v030", &out, &err), -EINVAL);
	assert_string_equal(err.msg, "decoding version info: missing field supportedVersions");
	assert_int_equal(libcni_version_info(c, "vnone", &out, &err), -EINVAL);
	assert_string_equal(err.msg, "decoding version info: missing field cniVersion");
	assert_int_equal(libcni_version_info(c, "absent", &out, &err), -ENOENT);
	libcni_free(c);
}

static int setup(void **state)
{
	if (!mkdtemp(tmpdir))
		return -1;
	if (asprintf(&bindir, "%s/bin", tmpdir) < 0 ||
	    asprintf(&cachedir, "%s/cache", tmpdir) < 0 ||
	    asprintf(&logpath, "%s/log", tmpdir) < 0)
		return -1;
	return mkdir(bindir, 0755);
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
	free(bindir);
	free(cachedir);
	free(logpath);
	return 0;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_build_request),
		cmocka_unit_test(test_chain),
		cmocka_unit_test(test_gc),
		cmocka_unit_test(test_errors),
		cmocka_unit_test(test_version_info),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
