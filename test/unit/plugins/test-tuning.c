// SPDX-License-Identifier: Apache-2.0
/*
 * The tuning plugin's pure parts: the precedence of the config sources (config < CNI_ARGS
 * MAC < runtimeConfig.mac < args.cni), type errors, sysctl keys turned into paths (IFNAME,
 * dots, cleaning, and every hostile form refused), duplicate keys found in the raw bytes,
 * the allowlist, and the backup file in the reference's layout.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "basic/json-util.h"
#include "plugins/tuning/tuning-config.h"

static int parse(const char *conf, const char *cni_args, struct tuning_config **c,
		 struct cni_error *err)
{
	_cleanup_json_ json_t *j = json_loads(conf, 0, NULL);
	struct cni_args a = {};
	int r;

	assert_non_null(j);
	cni_error_clear(err);
	assert_int_equal(cni_args_parse(cni_args, &a, err), 0);
	r = tuning_config_parse(j, &a, c, err);
	cni_args_done(&a);
	return r;
}

static const char *sysctl_value(const struct tuning_config *c, const char *key)
{
	for (size_t i = 0; i < c->n_sysctls; i++)
		if (streq(c->sysctls[i].key, key))
			return c->sysctls[i].value;
	return NULL;
}

static void test_defaults(void **state)
{
	_cleanup_(tuning_config_freep) struct tuning_config *c = NULL;
	struct cni_error err;

	assert_int_equal(parse("{\"type\":\"tuning\"}", NULL, &c, &err), 0);
	assert_string_equal(c->data_dir, "/run/cni/tuning");
	assert_null(c->mac);
	assert_false(c->promisc);
	assert_int_equal(c->mtu, 0);
	assert_false(c->has_allmulti);
	assert_false(c->has_txqlen);
	assert_int_equal(c->n_sysctls, 0);
	assert_false(tuning_config_touches_link(c));
}

/* Keys as Go's encoding/json matches them: any case, the last one given wins, null ignored. */
static void test_recased_keys(void **state)
{
	_cleanup_(tuning_config_freep) struct tuning_config *c = NULL;
	struct cni_error err;

	assert_int_equal(parse("{\"Mtu\":1400,\"PROMISC\":true,\"Mac\":\"0e-11-22-33-44-55\","
			       "\"SysCtl\":{\"net.ipv4.conf.IFNAME.arp_filter\":\"1\"},"
			       "\"allMulti\":null,\"DataDir\":\"/tmp/x\"}", NULL, &c, &err), 0);
	assert_int_equal(c->mtu, 1400);
	assert_true(c->promisc);
	assert_string_equal(c->mac, "0e-11-22-33-44-55");
	assert_int_equal(c->mac_bytes[5], 0x55);
	assert_int_equal(c->n_sysctls, 1);
	assert_false(c->has_allmulti);
	assert_string_equal(c->data_dir, "/tmp/x");
	c = tuning_config_free(c);
	assert_int_equal(parse("{\"mtu\":1400,\"MTU\":1300}", NULL, &c, &err), 0);
	assert_int_equal(c->mtu, 1300);
	assert_int_equal(parse("{\"mtu\":1400,\"Mtu\":\"x\"}", NULL, &c, &err), -EINVAL);
	assert_int_equal(err.code, CNI_ERR_INVALID_CONFIG);
	assert_string_equal(err.msg, "failed to load netconf: json: cannot unmarshal string into "
				     "Go struct field TuningConf.mtu of type int");
}

static void test_precedence(void **state)
{
	static const char conf[] =
		"{\"dataDir\":\"/tmp/x\",\"mac\":\"02:00:00:00:00:01\",\"mtu\":1400,"
		"\"promisc\":true,\"allmulti\":false,\"txQLen\":0,"
		"\"sysctl\":{\"net.core.somaxconn\":\"500\","
		"\"net.ipv4.conf.IFNAME.arp_filter\":\"1\"}%s}";
	struct cni_error err;
	char buf[1024];

	{
		_cleanup_(tuning_config_freep) struct tuning_config *c = NULL;

		snprintf(buf, sizeof(buf), conf, "");
		assert_int_equal(parse(buf, NULL, &c, &err), 0);
		assert_string_equal(c->data_dir, "/tmp/x");
		assert_string_equal(c->mac, "02:00:00:00:00:01");
		assert_int_equal(c->mac_bytes[5], 1);
		assert_int_equal(c->mtu, 1400);
		assert_true(c->promisc);
		assert_true(c->has_allmulti);
		assert_false(c->allmulti);
		assert_true(c->has_txqlen); /* 0 is a value: set the queue length to 0 */
		assert_int_equal(c->txqlen, 0);
		assert_int_equal(c->n_sysctls, 2);
		assert_true(tuning_config_touches_link(c));
	}
	{
		/* CNI_ARGS MAC beats the config */
		_cleanup_(tuning_config_freep) struct tuning_config *c = NULL;

		snprintf(buf, sizeof(buf), conf, "");
		assert_int_equal(parse(buf, "MAC=02:00:00:00:00:02", &c, &err), 0);
		assert_string_equal(c->mac, "02:00:00:00:00:02");
	}
	{
		/* runtimeConfig.mac beats CNI_ARGS */
		_cleanup_(tuning_config_freep) struct tuning_config *c = NULL;

		snprintf(buf, sizeof(buf), conf,
			 ",\"runtimeConfig\":{\"mac\":\"02:00:00:00:00:03\"}");
		assert_int_equal(parse(buf, "MAC=02:00:00:00:00:02", &c, &err), 0);
		assert_string_equal(c->mac, "02:00:00:00:00:03");
	}
	{
		/* args.cni beats everything, key by key; sysctls merge */
		_cleanup_(tuning_config_freep) struct tuning_config *c = NULL;

		snprintf(buf, sizeof(buf), conf,
			 ",\"runtimeConfig\":{\"mac\":\"02:00:00:00:00:03\"},"
			 "\"args\":{\"cni\":{\"mac\":\"02-00-00-00-00-04\",\"mtu\":1300,"
			 "\"promisc\":false,\"allmulti\":true,\"txQLen\":50,"
			 "\"sysctl\":{\"net.core.somaxconn\":\"600\","
			 "\"net.ipv4.ip_forward\":\"1\"}}}");
		assert_int_equal(parse(buf, "MAC=02:00:00:00:00:02", &c, &err), 0);
		assert_string_equal(c->mac, "02-00-00-00-00-04");
		assert_int_equal(c->mac_bytes[5], 4);
		assert_int_equal(c->mtu, 1300);
		assert_false(c->promisc);
		assert_true(c->allmulti);
		assert_int_equal(c->txqlen, 50);
		assert_int_equal(c->n_sysctls, 3);
		assert_string_equal(sysctl_value(c, "net.core.somaxconn"), "600");
		assert_string_equal(sysctl_value(c, "net.ipv4.conf.IFNAME.arp_filter"), "1");
		assert_string_equal(sysctl_value(c, "net.ipv4.ip_forward"), "1");
	}
	{
		/* args.cni.sysctl without a top-level sysctl (the reference would panic) */
		_cleanup_(tuning_config_freep) struct tuning_config *c = NULL;

		assert_int_equal(parse("{\"args\":{\"cni\":{\"sysctl\":"
				       "{\"net.core.somaxconn\":\"9\"}}}}", NULL, &c, &err), 0);
		assert_int_equal(c->n_sysctls, 1);
	}
}

static void test_errors(void **state)
{
	static const char *const bad[] = {
		"{\"mtu\":\"1400\"}",
		"{\"mtu\":-1}",
		"{\"mtu\":1.5}",
		"{\"promisc\":\"yes\"}",
		"{\"allmulti\":1}",
		"{\"txQLen\":-5}",
		"{\"sysctl\":{\"net.core.somaxconn\":500}}",
		"{\"sysctl\":[\"net.core.somaxconn\"]}",
		"{\"mac\":\"02:00:00:00:00\"}",
		"{\"mac\":\"02:00:00:00:00:0g\"}",
		"{\"mac\":\"02:00-00:00:00:01\"}",
		"{\"runtimeConfig\":{\"mac\":\"nope\"}}",
		"{\"args\":{\"cni\":{\"mtu\":\"x\"}}}",
		"{\"dataDir\":5}",
	};
	struct cni_error err;

	for (size_t i = 0; i < ELEMENTSOF(bad); i++) {
		_cleanup_(tuning_config_freep) struct tuning_config *c = NULL;

		if (parse(bad[i], NULL, &c, &err) != -EINVAL)
			fail_msg("accepted %s", bad[i]);
		assert_int_equal(err.code, CNI_ERR_INVALID_CONFIG);
		assert_null(c);
	}

	/* CNI_ARGS: only MAC is known, unless IgnoreUnknown */
	{
		_cleanup_(tuning_config_freep) struct tuning_config *c = NULL;

		assert_int_equal(parse("{}", "K8S_POD_NAME=x", &c, &err), -EINVAL);
		assert_int_equal(err.code, CNI_ERR_INVALID_ENV);
		assert_int_equal(parse("{}", "IgnoreUnknown=1;K8S_POD_NAME=x;MAC=02:00:00:00:00:09",
				       &c, &err), 0);
		assert_string_equal(c->mac, "02:00:00:00:00:09");
	}
}

static void expect_path(const char *key, const char *ifname, const char *want)
{
	_cleanup_free_ char *p = NULL;
	int r = tuning_sysctl_path(key, ifname, &p);

	if (!want) {
		if (r != -EINVAL)
			fail_msg("accepted \"%s\" as %s", key, p);
		return;
	}
	assert_int_equal(r, 0);
	assert_string_equal(p, want);
	assert_true(tuning_sysctl_path_safe(p));
}

static void test_sysctl_path(void **state)
{
	expect_path("net.core.somaxconn", "eth0", "net/core/somaxconn");
	expect_path("net/core/somaxconn", "eth0", "net/core/somaxconn");
	/* dots first, then IFNAME: an interface name with dots survives */
	expect_path("net.ipv4.conf.IFNAME.arp_filter", "eth0.100",
		    "net/ipv4/conf/eth0.100/arp_filter");
	/* only the first IFNAME */
	expect_path("net.ipv4.conf.IFNAME.IFNAME", "e1", "net/ipv4/conf/e1/IFNAME");
	/* cleaned like filepath.Join */
	expect_path("net//core/./somaxconn", "eth0", "net/core/somaxconn");
	expect_path("net.core..somaxconn", "eth0", "net/core/somaxconn");
	/* dots become slashes, so a dotted ".." is no step up (as in the reference) */
	expect_path("net.core...ipv4", "eth0", "net/core/ipv4");
	expect_path("/net/core/somaxconn", "eth0", "net/core/somaxconn");

	/* hostile: anything that does not stay below /proc/sys/net/ */
	expect_path("kernel.hostname", "eth0", NULL);
	expect_path("vm/drop_caches", "eth0", NULL);
	expect_path("net/../kernel/hostname", "eth0", NULL);
	expect_path("net/../../../etc/passwd", "eth0", NULL);
	expect_path("net/core/../ipv4/ip_forward", "eth0", NULL);
	expect_path("net/core/..", "eth0", NULL);
	expect_path("../../etc/passwd", "eth0", NULL);
	expect_path("..", "eth0", NULL);
	expect_path("/proc/sys/net/core/somaxconn", "eth0", NULL);
	expect_path("net", "eth0", NULL);
	expect_path("net/", "eth0", NULL);
	expect_path("", "eth0", NULL);
	expect_path("network.x", "eth0", NULL);
	expect_path("IFNAME.core.somaxconn", "net", "net/core/somaxconn");

	assert_false(tuning_sysctl_path_safe("net/../kernel/x"));
	assert_false(tuning_sysctl_path_safe("net//x"));
	assert_false(tuning_sysctl_path_safe("net/./x"));
	assert_false(tuning_sysctl_path_safe("kernel/x"));
	assert_false(tuning_sysctl_path_safe("net"));
	assert_false(tuning_sysctl_path_safe("/net/x"));
	assert_true(tuning_sysctl_path_safe("net/ipv4/conf/eth0.1/arp_filter"));
}

static int dupcheck(const char *s, struct cni_error *err)
{
	cni_error_clear(err);
	return tuning_check_duplicate_sysctls(s, strlen(s), err);
}

static void test_duplicates(void **state)
{
	struct cni_error err;

	assert_int_equal(dupcheck("{\"sysctl\":{\"net.a\":\"1\",\"net.a\":\"2\"}}", &err), -EINVAL);
	assert_int_equal(err.code, CNI_ERR_INVALID_CONFIG);
	assert_non_null(strstr(err.msg, "duplicated sysctl keys are not allowed"));
	/* the same key spelt with an escape is still the same key */
	assert_int_equal(dupcheck("{ \"type\" : \"tuning\" , \"sysctl\" : { \"net.a\" : \"1\" ,"
			     " \"net\\u002ea\" : \"2\" } }", &err), -EINVAL);
	/* after other members of every kind */
	assert_int_equal(dupcheck("{\"n\":1.5e3,\"t\":true,\"z\":null,\"s\":\"}{\\\"\","
			     "\"o\":{\"sysctl\":{\"x\":1}},\"a\":[{\"b\":[]}],"
			     "\"sysctl\":{\"k\":\"1\",\"k\":\"1\"}}", &err), -EINVAL);

	/* fine: distinct keys, duplicates elsewhere, a sysctl key named like the member */
	assert_int_equal(dupcheck("{\"sysctl\":{\"net.a\":\"1\",\"net.b\":\"1\"}}", &err), 0);
	assert_int_equal(dupcheck("{\"x\":{\"sysctl\":{\"a\":\"1\",\"a\":\"2\"}},"
				  "\"sysctl\":{}}", &err), 0);
	assert_int_equal(dupcheck("{\"name\":\"n\",\"name\":\"m\",\"sysctl\":{\"sysctl\":\"1\"}}",
			     &err), 0);
	assert_int_equal(dupcheck("{\"sysctl\":{\"a\":\"1\"},\"args\":{\"cni\":{\"sysctl\":"
			     "{\"a\":\"2\"}}}}", &err), 0);
	/* not our business: malformed input is skel's to refuse */
	assert_int_equal(dupcheck("", &err), 0);
	assert_int_equal(dupcheck("[1,2]", &err), 0);
	assert_int_equal(dupcheck("{\"sysctl\":{\"a\":", &err), 0);
	assert_int_equal(dupcheck("{\"a\"", &err), 0);
}

static void test_allowlist(void **state)
{
	char path[] = "/tmp/test-tuning-allowlist-XXXXXX";
	_cleanup_strv_free_ char **v = NULL;
	_cleanup_(tuning_config_freep) struct tuning_config *c = NULL;
	struct cni_error err;
	FILE *f;
	int fd;

	fd = mkstemp(path);
	assert_true(fd >= 0);
	f = fdopen(fd, "w");
	fputs("  ^net\\.core\\.somaxconn$  \n\n   \nnet\\.ipv4\\.conf\\.IFNAME\\.[a-z_]+\n", f);
	fclose(f);
	assert_int_equal(tuning_allowlist_load(path, &v), 0);
	assert_string_equal(v[0], "^net\\.core\\.somaxconn$");
	assert_string_equal(v[1], "net\\.ipv4\\.conf\\.IFNAME\\.[a-z_]+");
	assert_null(v[2]);

	assert_int_equal(parse("{\"sysctl\":{\"net.core.somaxconn\":\"1\","
			       "\"net.ipv4.conf.IFNAME.arp_filter\":\"1\"}}", NULL, &c, &err), 0);
	assert_int_equal(tuning_allowlist_check(v, c, &err), 0);
	c = tuning_config_free(c);

	assert_int_equal(parse("{\"sysctl\":{\"net.core.somaxconn\":\"1\","
			       "\"net.ipv4.ip_forward\":\"1\"}}", NULL, &c, &err), 0);
	assert_int_equal(tuning_allowlist_check(v, c, &err), -EINVAL);
	assert_int_equal(err.code, CNI_ERR_INVALID_CONFIG);
	assert_non_null(strstr(err.msg, "net.ipv4.ip_forward is not allowed"));
	c = tuning_config_free(c);

	/* a broken regex is an error, not a match */
	strv_free(v);
	v = calloc(2, sizeof(char *));
	assert_non_null(v);
	v[0] = strdup("net.(");
	assert_int_equal(parse("{\"sysctl\":{\"net.core.x\":\"1\"}}", NULL, &c, &err), 0);
	assert_int_equal(tuning_allowlist_check(v, c, &err), -EINVAL);
	assert_non_null(strstr(err.msg, "invalid regex"));

	unlink(path);
	assert_int_equal(tuning_allowlist_load(path, &v), -ENOENT);
}

static void test_backup(void **state)
{
	struct tuning_sysctl s[] = {
		{ "net/core/somaxconn", "4096" },
		{ "net/ipv4/conf/eth0/arp_filter", "0" },
	};
	struct tuning_backup b = {
		.mac = "f6:52:32:3b:19:a9", .has_promisc = true, .promisc = false, .mtu = 1500,
		.has_allmulti = true, .allmulti = true, .has_txqlen = true, .txqlen = 1000,
		.sysctls = s, .n_sysctls = 2, .network = "tunet",
	};
	struct tuning_backup r = {};
	_cleanup_free_ char *json = NULL, *p = NULL;

	/* json.MarshalIndent(configToRestore, "", " "), then our keys */
	assert_int_equal(tuning_backup_to_json(&b, &json), 0);
	assert_string_equal(json, "{\n"
				  " \"mac\": \"f6:52:32:3b:19:a9\",\n"
				  " \"promisc\": false,\n"
				  " \"mtu\": 1500,\n"
				  " \"allmulti\": true,\n"
				  " \"txQLen\": 1000,\n"
				  " \"sysctl\": {\n"
				  "  \"net/core/somaxconn\": \"4096\",\n"
				  "  \"net/ipv4/conf/eth0/arp_filter\": \"0\"\n"
				  " },\n"
				  " \"network\": \"tunet\"\n"
				  "}");
	assert_int_equal(tuning_backup_from_json(json, &r), 0);
	assert_string_equal(r.mac, b.mac);
	assert_true(r.has_promisc);
	assert_false(r.promisc);
	assert_int_equal(r.mtu, 1500);
	assert_true(r.has_allmulti && r.allmulti);
	assert_true(r.has_txqlen);
	assert_int_equal(r.txqlen, 1000);
	assert_int_equal(r.n_sysctls, 2);
	assert_string_equal(r.sysctls[1].key, "net/ipv4/conf/eth0/arp_filter");
	assert_string_equal(r.network, "tunet");
	tuning_backup_done(&r);

	/* only what was saved, as the reference writes it (omitempty) */
	b = (struct tuning_backup){ .mtu = 9000 };
	free(json);
	assert_int_equal(tuning_backup_to_json(&b, &json), 0);
	assert_string_equal(json, "{\n \"mtu\": 9000\n}");

	/* a reference file: no network, no sysctl */
	assert_int_equal(tuning_backup_from_json("{\n \"mac\": \"0a:58:0a:f4:00:05\",\n"
						 " \"promisc\": true\n}", &r), 0);
	assert_string_equal(r.mac, "0a:58:0a:f4:00:05");
	assert_true(r.has_promisc && r.promisc);
	assert_int_equal(r.mtu, 0);
	assert_false(r.has_allmulti);
	assert_null(r.network);
	tuning_backup_done(&r);

	assert_int_equal(tuning_backup_from_json("", &r), -EINVAL);
	assert_int_equal(tuning_backup_from_json("[]", &r), -EINVAL);

	assert_int_equal(tuning_backup_path("/run/cni/tuning", "abc", "eth0", &p), 0);
	assert_string_equal(p, "/run/cni/tuning/abc_eth0.json");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_defaults),
		cmocka_unit_test(test_precedence),
		cmocka_unit_test(test_recased_keys),
		cmocka_unit_test(test_errors),
		cmocka_unit_test(test_sysctl_path),
		cmocka_unit_test(test_duplicates),
		cmocka_unit_test(test_allowlist),
		cmocka_unit_test(test_backup),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
