// SPDX-License-Identifier: Apache-2.0
/*
 * The SDK run in-process through skel_run(): environment validation per
 * verb, stdin handling, version rules, netns check, result rendering, error
 * JSON, and skel_in_netns().
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#include <cmocka.h>

#include "basic/json-util.h"
#include "basic/netns.h"
#include "skel/plugin-config.h"
#include "skel/plugin-util.h"
#include "skel/skel.h"

/* What the callbacks saw, and what they should do. */
static struct {
	int calls;
	enum skel_command cmd;
	char version[16], name[64], container_id[64], ifname[32], arg_ip[32];
	bool had_prev, had_runtime_config, had_attachments;
	char prev_version[16];
	size_t prev_ips;
	int fail; /* <0: return this */
	bool fail_with_msg;
} seen;

static int record(struct skel_request *req, struct cni_error *err)
{
	const char *ip = cni_args_get(&req->args, "IP");

	seen.calls++;
	seen.cmd = req->command;
	snprintf(seen.version, sizeof(seen.version), "%s", req->cni_version);
	snprintf(seen.name, sizeof(seen.name), "%s", req->name);
	snprintf(seen.container_id, sizeof(seen.container_id), "%s",
		 req->container_id ? req->container_id : "(null)");
	snprintf(seen.ifname, sizeof(seen.ifname), "%s", req->ifname ? req->ifname : "(null)");
	snprintf(seen.arg_ip, sizeof(seen.arg_ip), "%s", ip ? ip : "");
	seen.had_prev = req->prev_result != NULL;
	if (req->prev_result) {
		snprintf(seen.prev_version, sizeof(seen.prev_version), "%s",
			 req->prev_result->cni_version);
		seen.prev_ips = req->prev_result->n_ips;
	}
	seen.had_runtime_config = req->runtime_config != NULL;
	seen.had_attachments = json_is_array(req->valid_attachments);
	assert_non_null(req->config);
	assert_non_null(req->stdin_data);
	if (seen.fail < 0) {
		if (seen.fail_with_msg)
			return cni_error_set(err, 107, "plugin says no");
		return seen.fail;
	}
	return 0;
}

static int cb_add(struct skel_request *req, struct cni_result **ret, struct cni_error *err)
{
	struct ip_prefix p;
	int r = record(req, err);

	if (r < 0)
		return r;
	*ret = cni_result_new();
	assert_int_equal(ip_prefix_parse("10.0.0.2/24", &p), 0);
	assert_true(cni_result_add_ip(*ret, &p, NULL, -1) >= 0);
	return 0;
}

static int cb_other(struct skel_request *req, struct cni_error *err)
{
	return record(req, err);
}

static const struct skel_plugin plugin = {
	.name = "test plugin v1",
	.versions = cni_versions_all,
	.add = cb_add,
	.del = cb_other,
	.check = cb_other,
	.gc = cb_other,
	.status = cb_other,
};

static const char *const old_versions[] = { "0.1.0", "0.2.0", "0.3.1", NULL };
static const struct skel_plugin old_plugin = {
	.name = "",
	.versions = old_versions,
	.add = cb_add,
	.del = cb_other,
};

struct run {
	int rc;
	char *out, *err;
	json_t *json; /* stdout parsed, if it is JSON */
};

static void run_done(struct run *r)
{
	free(r->out);
	free(r->err);
	json_decref(r->json);
}

static struct run run_fd(const struct skel_plugin *p, const char *env, int fd)
{
	struct run r = {};
	char *envbuf = strdup(env), *envp[32], *save = NULL;
	size_t n = 0, olen, elen;
	FILE *out = open_memstream(&r.out, &olen), *errout = open_memstream(&r.err, &elen);

	assert_non_null(envbuf);
	/* "K=V K=V ..." */
	for (char *t = strtok_r(envbuf, " ", &save); t && n < 31; t = strtok_r(NULL, " ", &save))
		envp[n++] = t;
	envp[n] = NULL;
	memset(&seen, 0, offsetof(typeof(seen), fail));
	r.rc = skel_run(p, envp, fd, out, errout);
	fclose(out);
	fclose(errout);
	r.json = json_loads(r.out, 0, NULL);
	free(envbuf);
	return r;
}

static struct run run(const struct skel_plugin *p, const char *env, const char *in)
{
	int fd = memfd_create("stdin", 0);
	struct run r;

	assert_true(fd >= 0);
	assert_int_equal(write(fd, in, strlen(in)), (ssize_t)strlen(in));
	assert_int_equal(lseek(fd, 0, SEEK_SET), 0);
	r = run_fd(p, env, fd);
	close(fd);
	return r;
}

static void expect_error(struct run *r, unsigned code, const char *msg)
{
	if (r->rc != 1 || !r->json)
		fail_msg("rc %d, stdout: %s", r->rc, r->out);
	assert_int_equal(json_integer_value(json_object_get(r->json, "code")), code);
	if (msg && !streq(json_string_value(json_object_get(r->json, "msg")), msg))
		fail_msg("msg \"%s\", want \"%s\"", json_string_value(json_object_get(r->json, "msg")),
			 msg);
	assert_int_equal(seen.calls, 0);
}

#define ADD_ENV "CNI_COMMAND=ADD CNI_CONTAINERID=c1 CNI_NETNS=/var/run/netns/nonexistent " \
		"CNI_IFNAME=eth0 CNI_PATH=/opt/cni/bin"
#define CONF(v) "{\"cniVersion\":\"" v "\",\"name\":\"net1\",\"type\":\"test\"}"

static void test_about(void **state)
{
	struct run r = run(&plugin, "FOO=bar", "");

	assert_int_equal(r.rc, 0);
	assert_string_equal(r.out, "");
	assert_string_equal(r.err, "test plugin v1\nCNI protocol versions supported: 0.1.0, 0.2.0, "
				   "0.3.0, 0.3.1, 0.4.0, 1.0.0, 1.1.0\n");
	run_done(&r);
	/* Without an about text, it is the plain error (empty counts as unset). */
	r = run(&old_plugin, "CNI_COMMAND=", "");
	expect_error(&r, 4, "required env variables [CNI_COMMAND] missing");
	run_done(&r);
}

static void test_missing_env(void **state)
{
	static const struct {
		const char *env, *msg;
	} cases[] = {
		{ "CNI_COMMAND=ADD",
		  "required env variables [CNI_CONTAINERID,CNI_NETNS,CNI_IFNAME,CNI_PATH] missing" },
		{ "CNI_COMMAND=CHECK CNI_NETNS=/x CNI_ARGS=",
		  "required env variables [CNI_CONTAINERID,CNI_IFNAME,CNI_PATH] missing" },
		{ "CNI_COMMAND=DEL",
		  "required env variables [CNI_CONTAINERID,CNI_IFNAME,CNI_PATH] missing" },
		{ "CNI_COMMAND=DEL CNI_CONTAINERID=a CNI_IFNAME=",
		  "required env variables [CNI_IFNAME,CNI_PATH] missing" },
		{ "CNI_COMMAND=GC CNI_CONTAINERID=a", "required env variables [CNI_PATH] missing" },
		{ "CNI_COMMAND=STATUS", "required env variables [CNI_PATH] missing" },
		{ "CNI_COMMAND=FOO", "unknown CNI_COMMAND: FOO" },
		{ "CNI_COMMAND=add CNI_PATH=/x", "unknown CNI_COMMAND: add" },
	};

	for (size_t i = 0; i < ELEMENTSOF(cases); i++) {
		struct run r = run(&plugin, cases[i].env, CONF("1.0.0"));

		expect_error(&r, 4, cases[i].msg);
		run_done(&r);
	}
}

static void test_version(void **state)
{
	/* stdin is ignored; the answer is compact with a newline, like the reference. */
	struct run r = run(&plugin, "CNI_COMMAND=VERSION", "garbage");

	assert_int_equal(r.rc, 0);
	assert_string_equal(r.out, "{\"cniVersion\":\"1.1.0\",\"supportedVersions\":[\"0.1.0\","
				   "\"0.2.0\",\"0.3.0\",\"0.3.1\",\"0.4.0\",\"1.0.0\",\"1.1.0\"]}\n");
	run_done(&r);
	r = run(&old_plugin, "CNI_COMMAND=VERSION", "");
	assert_string_equal(r.out, "{\"cniVersion\":\"1.1.0\",\"supportedVersions\":[\"0.1.0\","
				   "\"0.2.0\",\"0.3.1\"]}\n");
	run_done(&r);
}

static void test_stdin(void **state)
{
	struct run r;
	int dfd;

	r = run(&plugin, ADD_ENV, "{not json");
	expect_error(&r, 6, NULL);
	run_done(&r);
	r = run(&plugin, ADD_ENV, "");
	expect_error(&r, 6, NULL);
	run_done(&r);
	r = run(&plugin, ADD_ENV, "[1]");
	expect_error(&r, 6, NULL);
	run_done(&r);
	r = run(&plugin, ADD_ENV, "{\"cniVersion\":\"1.0.0\",\"name\":7}");
	expect_error(&r, 6, NULL);
	run_done(&r);
	r = run(&plugin, ADD_ENV, "{\"cniVersion\":1,\"name\":\"n\"}");
	expect_error(&r, 6, NULL);
	run_done(&r);
	r = run(&plugin, ADD_ENV, "{\"cniVersion\":\"1.0.0\"}");
	expect_error(&r, 7, "missing network name");
	run_done(&r);
	r = run(&plugin, ADD_ENV, "{\"cniVersion\":\"1.0.0\",\"name\":\"a/../b\"}");
	expect_error(&r, 7, "invalid characters found in network name");
	run_done(&r);
	/* Reading stdin fails: code 5. */
	dfd = open("/", O_RDONLY | O_DIRECTORY);
	r = run_fd(&plugin, ADD_ENV, dfd);
	close(dfd);
	expect_error(&r, 5, NULL);
	run_done(&r);
}

static void test_ids(void **state)
{
	struct run r;

	r = run(&plugin, "CNI_COMMAND=ADD CNI_CONTAINERID=../x CNI_NETNS=/x CNI_IFNAME=eth0 "
			 "CNI_PATH=/x", CONF("1.0.0"));
	expect_error(&r, 4, "invalid characters in containerID");
	assert_string_equal(json_string_value(json_object_get(r.json, "details")), "../x");
	run_done(&r);
	r = run(&plugin, "CNI_COMMAND=DEL CNI_CONTAINERID=c CNI_IFNAME=0123456789abcdef CNI_PATH=/x",
		CONF("1.0.0"));
	expect_error(&r, 4, "interface name is too long");
	run_done(&r);
	r = run(&plugin, "CNI_COMMAND=DEL CNI_CONTAINERID=c CNI_IFNAME=.. CNI_PATH=/x",
		CONF("1.0.0"));
	expect_error(&r, 4, "interface name is . or ..");
	run_done(&r);
	/* GC checks ids only when they are given. */
	r = run(&plugin, "CNI_COMMAND=GC CNI_PATH=/x", CONF("1.1.0"));
	assert_int_equal(r.rc, 0);
	assert_int_equal(seen.calls, 1);
	assert_string_equal(seen.container_id, "(null)");
	run_done(&r);
	r = run(&plugin, "CNI_COMMAND=GC CNI_PATH=/x CNI_CONTAINERID=-x", CONF("1.1.0"));
	expect_error(&r, 4, NULL);
	run_done(&r);
}

static void test_versions(void **state)
{
	struct run r;

	r = run(&old_plugin, ADD_ENV, CONF("1.0.0"));
	expect_error(&r, 1, "incompatible CNI versions");
	assert_string_equal(json_string_value(json_object_get(r.json, "details")),
			    "config is \"1.0.0\", plugin supports [\"0.1.0\" \"0.2.0\" \"0.3.1\"]");
	run_done(&r);
	/* Exact membership: 0.3.0 is not 0.3.1. */
	r = run(&old_plugin, ADD_ENV, CONF("0.3.0"));
	expect_error(&r, 1, "incompatible CNI versions");
	run_done(&r);
	r = run(&plugin, ADD_ENV, CONF("1.2.0"));
	expect_error(&r, 1, "incompatible CNI versions");
	run_done(&r);
	/* No cniVersion: 0.1.0. */
	r = run(&plugin, ADD_ENV, "{\"name\":\"n\"}");
	assert_int_equal(r.rc, 0);
	assert_string_equal(seen.version, "0.1.0");
	run_done(&r);

	r = run(&plugin, "CNI_COMMAND=CHECK CNI_CONTAINERID=c CNI_NETNS=/x CNI_IFNAME=e CNI_PATH=/x",
		CONF("0.3.1"));
	expect_error(&r, 1, "config version does not allow CHECK");
	run_done(&r);
	r = run(&old_plugin, "CNI_COMMAND=CHECK CNI_CONTAINERID=c CNI_NETNS=/x CNI_IFNAME=e "
			     "CNI_PATH=/x", CONF("0.4.0"));
	expect_error(&r, 1, "plugin version does not allow CHECK");
	run_done(&r);
	r = run(&plugin, "CNI_COMMAND=GC CNI_PATH=/x", CONF("1.0.0"));
	expect_error(&r, 1, "config version does not allow GC");
	run_done(&r);
	r = run(&plugin, "CNI_COMMAND=STATUS CNI_PATH=/x", CONF("0.4.0"));
	expect_error(&r, 1, "config version does not allow STATUS");
	run_done(&r);
	r = run(&plugin, "CNI_COMMAND=STATUS CNI_PATH=/x", CONF("x.y"));
	expect_error(&r, 6, NULL);
	run_done(&r);
	r = run(&plugin, "CNI_COMMAND=STATUS CNI_PATH=/x", CONF("1.1.0"));
	assert_int_equal(r.rc, 0);
	assert_int_equal(seen.cmd, SKEL_STATUS);
	assert_string_equal(r.out, "");
	run_done(&r);
}

static void test_netns(void **state)
{
	struct run r;

	r = run(&plugin, "CNI_COMMAND=ADD CNI_CONTAINERID=c CNI_NETNS=/proc/self/ns/net "
			 "CNI_IFNAME=eth0 CNI_PATH=/x", CONF("1.0.0"));
	expect_error(&r, 8, "plugin's netns and netns from CNI_NETNS should not be the same");
	run_done(&r);
	r = run(&plugin, "CNI_COMMAND=DEL CNI_CONTAINERID=c CNI_NETNS=/proc/self/ns/net "
			 "CNI_IFNAME=eth0 CNI_PATH=/x", CONF("1.0.0"));
	expect_error(&r, 8, NULL);
	run_done(&r);
	r = run(&plugin, "CNI_COMMAND=ADD CNI_CONTAINERID=c CNI_NETNS=/proc/self/ns/net "
			 "CNI_IFNAME=eth0 CNI_PATH=/x CNI_NETNS_OVERRIDE=1", CONF("1.0.0"));
	assert_int_equal(r.rc, 0);
	run_done(&r);
	r = run(&plugin, "CNI_COMMAND=DEL CNI_CONTAINERID=c CNI_NETNS=/proc/self/ns/net "
			 "CNI_IFNAME=eth0 CNI_PATH=/x CNI_NETNS_OVERRIDE=TRUE", CONF("1.0.0"));
	assert_int_equal(r.rc, 0);
	run_done(&r);
}

static void test_add_result(void **state)
{
	struct run r;

	r = run(&plugin, ADD_ENV " CNI_ARGS=IP=10.1.1.1;K8S_POD_NAME=x", CONF("0.4.0"));
	assert_int_equal(r.rc, 0);
	assert_int_equal(seen.calls, 1);
	assert_int_equal(seen.cmd, SKEL_ADD);
	assert_string_equal(seen.name, "net1");
	assert_string_equal(seen.container_id, "c1");
	assert_string_equal(seen.ifname, "eth0");
	assert_string_equal(seen.arg_ip, "10.1.1.1");
	assert_false(seen.had_prev);
	/* Rendered in the config's version, reference format. */
	assert_string_equal(r.out, "{\n    \"cniVersion\": \"0.4.0\",\n    \"ips\": [\n        {\n"
				   "            \"version\": \"4\",\n            \"address\": "
				   "\"10.0.0.2/24\"\n        }\n    ],\n    \"dns\": {}\n}");
	run_done(&r);
	r = run(&plugin, ADD_ENV, CONF("0.2.0"));
	assert_int_equal(r.rc, 0);
	assert_string_equal(json_string_value(json_object_get(json_object_get(r.json, "ip4"), "ip")),
			    "10.0.0.2/24");
	run_done(&r);
	/* Malformed CNI_ARGS fail ADD, but not DEL. */
	r = run(&plugin, ADD_ENV " CNI_ARGS=A=1=2", CONF("1.0.0"));
	expect_error(&r, 4, "ARGS: invalid pair \"A=1=2\"");
	run_done(&r);
	r = run(&plugin, "CNI_COMMAND=DEL CNI_CONTAINERID=c CNI_IFNAME=eth0 CNI_PATH=/x "
			 "CNI_ARGS=A=1=2", CONF("1.0.0"));
	assert_int_equal(r.rc, 0);
	assert_int_equal(seen.calls, 1);
	run_done(&r);
}

static void test_prev_result(void **state)
{
	struct run r;

	/* prevResult without cniVersion is read as the config's version. */
	r = run(&plugin, ADD_ENV, "{\"cniVersion\":\"0.4.0\",\"name\":\"n\",\"runtimeConfig\":{},"
				  "\"prevResult\":{\"ips\":[{\"version\":\"4\",\"address\":"
				  "\"10.0.0.9/24\"},{\"version\":\"6\",\"address\":\"fd00::9/64\"}]}}");
	assert_int_equal(r.rc, 0);
	assert_true(seen.had_prev);
	assert_true(seen.had_runtime_config);
	assert_string_equal(seen.prev_version, "0.4.0");
	assert_int_equal(seen.prev_ips, 2);
	run_done(&r);
	/* A 0.2.0 prevResult handed to a 1.0.0 config arrives as 1.0.0. */
	r = run(&plugin, ADD_ENV, "{\"cniVersion\":\"1.0.0\",\"name\":\"n\",\"prevResult\":"
				  "{\"cniVersion\":\"0.2.0\",\"ip4\":{\"ip\":\"10.0.0.9/24\"}}}");
	assert_int_equal(r.rc, 0);
	assert_string_equal(seen.prev_version, "1.0.0");
	assert_int_equal(seen.prev_ips, 1);
	run_done(&r);
	r = run(&plugin, ADD_ENV, "{\"cniVersion\":\"1.0.0\",\"name\":\"n\",\"prevResult\":"
				  "{\"ips\":[{\"address\":\"bogus\"}]}}");
	expect_error(&r, 6, NULL);
	assert_non_null(strstr(json_string_value(json_object_get(r.json, "msg")),
			       "could not parse prevResult"));
	run_done(&r);
	/* GC sees the valid attachments (and the legacy key). */
	r = run(&plugin, "CNI_COMMAND=GC CNI_PATH=/x", "{\"cniVersion\":\"1.1.0\",\"name\":\"n\","
		"\"cni.dev/valid-attachments\":[{\"containerID\":\"a\",\"ifname\":\"eth0\"}]}");
	assert_int_equal(r.rc, 0);
	assert_true(seen.had_attachments);
	run_done(&r);
	r = run(&plugin, "CNI_COMMAND=GC CNI_PATH=/x", "{\"cniVersion\":\"1.1.0\",\"name\":\"n\","
		"\"cni.dev/attachments\":[]}");
	assert_true(seen.had_attachments);
	run_done(&r);
}

static void test_callback_errors(void **state)
{
	struct run r;

	seen.fail = -EINVAL;
	seen.fail_with_msg = true;
	r = run(&plugin, ADD_ENV, CONF("1.0.0"));
	assert_int_equal(r.rc, 1);
	assert_string_equal(r.out, "{\n    \"cniVersion\": \"1.0.0\",\n    \"code\": 107,\n"
				   "    \"msg\": \"plugin says no\"\n}");
	run_done(&r);
	seen.fail = -ENOENT;
	seen.fail_with_msg = false;
	r = run(&plugin, "CNI_COMMAND=DEL CNI_CONTAINERID=c CNI_IFNAME=eth0 CNI_PATH=/x",
		CONF("0.3.1"));
	assert_int_equal(r.rc, 1);
	assert_int_equal(json_integer_value(json_object_get(r.json, "code")), 999);
	assert_string_equal(json_string_value(json_object_get(r.json, "msg")),
			    "No such file or directory");
	run_done(&r);
	seen.fail = 0;
	seen.fail_with_msg = false;
}

/* ---- delegation ---- */

static char deldir[64];
static struct {
	int rc;
	struct cni_error err;
	size_t n_ips;
	char version[16];
} dres;

static const char *del_type, *del_cmd;

static int cb_delegate_add(struct skel_request *req, struct cni_result **ret,
			   struct cni_error *err)
{
	struct cni_result *r = NULL;

	dres.rc = skel_delegate_add(req, del_type, req->stdin_data, req->stdin_len, &r, err);
	dres.err = *err;
	if (r) {
		dres.n_ips = r->n_ips;
		snprintf(dres.version, sizeof(dres.version), "%s", r->cni_version);
	}
	if (dres.rc < 0)
		return dres.rc;
	*ret = r;
	return 0;
}

static int cb_delegate_del(struct skel_request *req, struct cni_error *err)
{
	dres.rc = skel_delegate(req, del_type, del_cmd, req->stdin_data, req->stdin_len, err);
	dres.err = *err;
	return dres.rc;
}

static const struct skel_plugin delegating = {
	.name = "delegating",
	.versions = cni_versions_all,
	.add = cb_delegate_add,
	.del = cb_delegate_del,
};

static void script(const char *name, const char *body)
{
	_cleanup_free_ char *p = NULL;
	FILE *f;

	assert_true(asprintf(&p, "%s/%s", deldir, name) > 0);
	f = fopen(p, "w");
	assert_non_null(f);
	fprintf(f, "#!/bin/sh\n%s\n", body);
	fclose(f);
	assert_int_equal(chmod(p, 0755), 0);
}

static void test_delegate(void **state)
{
	_cleanup_free_ char *env = NULL, *seenf = NULL, *cmd = NULL;
	char buf[256] = "";
	struct run r;
	FILE *f;

	snprintf(deldir, sizeof(deldir), "/tmp/linen-skel-XXXXXX");
	assert_non_null(mkdtemp(deldir));
	assert_true(asprintf(&seenf, "%s/seen", deldir) > 0);
	/* The delegate records its command, container id and stdin, and answers in 0.4.0. */
	assert_true(asprintf(&cmd, "echo \"$CNI_COMMAND $CNI_CONTAINERID $(cat)\" > %s\n"
			     "[ \"$CNI_COMMAND\" = DEL ] && exit 0\n"
			     "echo '{\"cniVersion\":\"0.4.0\",\"ips\":[{\"version\":\"4\","
			     "\"address\":\"10.5.0.2/16\"}]}'", seenf) > 0);
	script("ipam-ok", cmd);
	script("ipam-fail", "echo '{\"code\":11,\"msg\":\"busy\"}'; exit 1");
	assert_true(asprintf(&env, "CNI_COMMAND=ADD CNI_CONTAINERID=c9 CNI_NETNS=/x CNI_IFNAME=eth0 "
			     "CNI_PATH=/nonexistent:%s", deldir) > 0);

	del_type = "ipam-ok";
	r = run(&delegating, env, CONF("1.0.0"));
	assert_int_equal(r.rc, 0);
	assert_int_equal(dres.rc, 0);
	assert_int_equal(dres.n_ips, 1);
	assert_string_equal(dres.version, "1.0.0");
	assert_string_equal(json_string_value(json_object_get(json_array_get(
				    json_object_get(r.json, "ips"), 0), "address")), "10.5.0.2/16");
	f = fopen(seenf, "r");
	assert_non_null(f);
	assert_non_null(fgets(buf, sizeof(buf), f));
	fclose(f);
	assert_string_equal(buf, "ADD c9 " CONF("1.0.0") "\n");
	run_done(&r);

	/* DEL: only CNI_COMMAND changes. */
	env[12] = 'D', env[13] = 'E', env[14] = 'L';
	del_cmd = "DEL";
	r = run(&delegating, env, CONF("1.0.0"));
	assert_int_equal(r.rc, 0);
	f = fopen(seenf, "r");
	assert_non_null(fgets(buf, sizeof(buf), f));
	fclose(f);
	assert_string_equal(buf, "DEL c9 " CONF("1.0.0") "\n");
	run_done(&r);

	/* The delegate's error comes back as ours. */
	del_type = "ipam-fail";
	r = run(&delegating, env, CONF("1.0.0"));
	assert_int_equal(r.rc, 1);
	assert_int_equal(json_integer_value(json_object_get(r.json, "code")), 11);
	assert_string_equal(json_string_value(json_object_get(r.json, "msg")), "busy");
	run_done(&r);

	/* Not on CNI_PATH, or not a valid name. */
	del_type = "missing";
	r = run(&delegating, env, CONF("1.0.0"));
	assert_int_equal(r.rc, 1);
	assert_true(dres.rc < 0);
	run_done(&r);
	del_type = "../ipam-ok";
	r = run(&delegating, env, CONF("1.0.0"));
	assert_int_equal(r.rc, 1);
	run_done(&r);

	free(cmd);
	assert_true(asprintf(&cmd, "rm -rf '%s'", deldir) > 0);
	assert_int_equal(system(cmd), 0);
}

static int in_ns_fn(void *userdata)
{
	return netns_is_current(userdata) == 1 ? 42 : -1;
}

static void test_in_netns(void **state)
{
	char path[64];
	int pfd[2], r;
	pid_t pid;
	char c;

	assert_int_equal(skel_in_netns("/nonexistent/netns", in_ns_fn, NULL), -ENOENT);
	assert_int_equal(skel_in_netns("/etc/hostname", in_ns_fn, NULL), -EINVAL);

	/* A child holds a fresh netns for us; never touches ours. */
	assert_int_equal(pipe(pfd), 0);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		close(pfd[1]);
		if (unshare(CLONE_NEWNET) < 0)
			_exit(77);
		(void)!read(pfd[0], &c, 1);
		_exit(0);
	}
	close(pfd[0]);
	snprintf(path, sizeof(path), "/proc/%d/ns/net", (int)pid);
	for (int i = 0; i < 200; i++) {
		if (netns_is_current(path) == 0)
			break;
		usleep(10000);
	}
	if (netns_is_current(path) != 0) {
		close(pfd[1]);
		waitpid(pid, NULL, 0);
		skip(); /* cannot create namespaces here (needs CAP_SYS_ADMIN) */
	}
	r = skel_in_netns(path, in_ns_fn, path);
	close(pfd[1]);
	waitpid(pid, NULL, 0);
	if (r == -EPERM)
		skip();
	assert_int_equal(r, 42);
	/* And we are back. */
	assert_int_equal(netns_is_current("/proc/self/ns/net"), 1);
}

/* Teardown keeps the first failure, with strerror when the failing step left no message. */
static void test_keep_first(void **state)
{
	struct cni_error first = {}, e = {};
	int first_r = 0;

	skel_keep_first(&first, &first_r, 0, &e);
	assert_int_equal(first_r, 0);
	skel_keep_first(&first, &first_r, -ENOENT, &e);
	assert_int_equal(first_r, -ENOENT);
	assert_int_equal(first.code, CNI_ERR_INTERNAL);
	assert_string_equal(first.msg, "No such file or directory");
	cni_error_set(&e, CNI_ERR_IO, "second");
	skel_keep_first(&first, &first_r, -EIO, &e);
	assert_int_equal(first_r, -ENOENT);
	assert_string_equal(first.msg, "No such file or directory");
}

/* The types.NetConf fields every plugin embeds, with the plugin's prefix and struct, code 7. */
static void test_decode_netconf(void **state)
{
	_cleanup_json_ json_t *good = json_loads("{\"IPAM\":{\"Type\":\"host-local\"},"
						 "\"capabilities\":{\"mac\":true},"
						 "\"DNS\":{\"nameservers\":[]}}", 0, NULL);
	_cleanup_json_ json_t *bad = json_loads("{\"ipam\":{\"type\":[]}}", 0, NULL);
	struct cni_error err;
	struct cni_dns dns = {};
	const char *type = NULL;
	bool set = false;
	struct godec d = skel_godec(&err, "failed to load netconf: ", "TuningConf");

	assert_int_equal(skel_decode_netconf(&d, good, &type), 0);
	assert_string_equal(type, "host-local");
	assert_int_equal(skel_decode_dns(&d, good, &dns, &set), 0);
	assert_true(set); /* a list given, even empty, as Go's nil test */
	assert_non_null(dns.nameservers);
	free(dns.nameservers);
	d = skel_godec(&err, "failed to load netconf: ", "TuningConf");
	assert_int_equal(skel_decode_netconf(&d, bad, &type), -EINVAL);
	assert_int_equal(err.code, CNI_ERR_INVALID_CONFIG);
	assert_string_equal(err.msg, "failed to load netconf: json: cannot unmarshal array into Go "
				     "struct field IPAM.ipam.type of type string");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_about),
		cmocka_unit_test(test_missing_env),
		cmocka_unit_test(test_version),
		cmocka_unit_test(test_stdin),
		cmocka_unit_test(test_ids),
		cmocka_unit_test(test_versions),
		cmocka_unit_test(test_netns),
		cmocka_unit_test(test_add_result),
		cmocka_unit_test(test_prev_result),
		cmocka_unit_test(test_callback_errors),
		cmocka_unit_test(test_in_netns),
		cmocka_unit_test(test_delegate),
		cmocka_unit_test(test_keep_first),
		cmocka_unit_test(test_decode_netconf),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
