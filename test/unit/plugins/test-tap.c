// SPDX-License-Identifier: Apache-2.0
/*
 * The tap plugin's config: every key, the MAC's sources in order (config, CNI_ARGS MAC,
 * runtimeConfig.mac), Go's type errors (owner/group are uint32), a bad MAC refused before
 * anything exists.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "basic/json-util.h"
#include "plugins/tap/tap-config.h"

static int parse(const char *conf, const char *cni_args, struct tap_config **c,
		 struct cni_error *err)
{
	_cleanup_json_ json_t *j = json_loads(conf, 0, NULL);
	struct cni_args a = {};
	int r;

	assert_non_null(j);
	cni_error_clear(err);
	assert_int_equal(cni_args_parse(cni_args, &a, err), 0);
	r = tap_config_parse(j, &a, c, err);
	cni_args_done(&a);
	return r;
}

static void fails(const char *conf, const char *cni_args, unsigned code, const char *msg)
{
	_cleanup_(tap_config_freep) struct tap_config *c = NULL;
	struct cni_error err;

	assert_int_equal(parse(conf, cni_args, &c, &err), -EINVAL);
	assert_null(c);
	assert_int_equal(err.code, code);
	assert_string_equal(err.msg, msg);
}

static void test_keys(void **state)
{
	_cleanup_(tap_config_freep) struct tap_config *c = NULL;
	struct cni_error err;

	assert_int_equal(parse("{\"type\":\"tap\",\"multiQueue\":true,\"mtu\":1400,"
			       "\"mac\":\"02:11:22:33:44:55\",\"owner\":1000,\"group\":0,"
			       "\"selinuxContext\":\"system_u:system_r:container_t:s0\","
			       "\"bridge\":\"br0\",\"ipam\":{\"type\":\"static\"},"
			       "\"args\":{}}", NULL, &c, &err), 0);
	assert_true(c->multi_queue);
	assert_int_equal(c->mtu, 1400);
	assert_string_equal(c->mac, "02:11:22:33:44:55");
	assert_int_equal(c->mac_bytes[5], 0x55);
	assert_true(c->has_owner);
	assert_int_equal(c->owner, 1000);
	assert_true(c->has_group);
	assert_int_equal(c->group, 0);
	assert_string_equal(c->selinux_context, "system_u:system_r:container_t:s0");
	assert_string_equal(c->bridge, "br0");
	assert_string_equal(c->ipam_type, "static");
	c = tap_config_free(c);

	assert_int_equal(parse("{\"MULTIQUEUE\":true,\"selinuxcontext\":\"x\"}", NULL, &c, &err),
			 0);
	assert_true(c->multi_queue);
	assert_string_equal(c->selinux_context, "x");
	assert_false(c->has_owner);
	assert_false(c->has_group);
	assert_null(c->mac);
	assert_null(c->bridge);
	assert_null(c->ipam_type);
}

static void test_mac_order(void **state)
{
	_cleanup_(tap_config_freep) struct tap_config *c = NULL;
	struct cni_error err;

	assert_int_equal(parse("{\"mac\":\"02:00:00:00:00:01\"}", "MAC=02:00:00:00:00:02", &c,
			       &err), 0);
	assert_string_equal(c->mac, "02:00:00:00:00:02");
	c = tap_config_free(c);
	assert_int_equal(parse("{\"mac\":\"02:00:00:00:00:01\","
			       "\"runtimeConfig\":{\"mac\":\"02:00:00:00:00:03\"}}",
			       "MAC=02:00:00:00:00:02", &c, &err), 0);
	assert_string_equal(c->mac, "02:00:00:00:00:03");
}

static void test_errors(void **state)
{
	fails("{\"mac\":\"zz\"}", NULL, 7,
	      "invalid args zz for MAC addr: address zz: invalid MAC address");
	fails("{}", "MAC=02:00:00:00:00", 7,
	      "invalid args 02:00:00:00:00 for MAC addr: address 02:00:00:00:00: invalid MAC "
	      "address");
	fails("{}", "FOO=1", 4, "ARGS: unknown args [\"FOO=1\"]");
	fails("{\"owner\":-1}", NULL, 7,
	      "failed to load netconf: json: cannot unmarshal number -1 into Go struct field "
	      "NetConf.owner of type uint32");
	fails("{\"group\":\"wheel\"}", NULL, 7,
	      "failed to load netconf: json: cannot unmarshal string into Go struct field "
	      "NetConf.group of type uint32");
	fails("{\"owner\":4294967296}", NULL, 7,
	      "failed to load netconf: json: cannot unmarshal number 4294967296 into Go struct "
	      "field NetConf.owner of type uint32");
	fails("{\"multiQueue\":\"yes\"}", NULL, 7,
	      "failed to load netconf: json: cannot unmarshal string into Go struct field "
	      "NetConf.multiQueue of type bool");
	fails("{\"args\":[]}", NULL, 7,
	      "failed to load netconf: json: cannot unmarshal array into Go struct field "
	      "NetConf.args of type struct {}");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_keys),
		cmocka_unit_test(test_mac_order),
		cmocka_unit_test(test_errors),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
