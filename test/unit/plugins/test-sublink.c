// SPDX-License-Identifier: Apache-2.0
/*
 * macvlan, ipvlan, vlan and dummy, pure part: the config parser of each kind (defaults, the
 * mode names, the VLAN ID range, a required master, Go's type errors, the MAC's precedence
 * runtimeConfig > CNI_ARGS > config and its form, unknown CNI_ARGS), mode names back from
 * kernel values and the temporary link name.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <string.h>
#include <linux/if_link.h>

#include "basic/json-util.h"
#include "plugins/macvlan/sublink-config.h"

static struct sublink_config *parse_args(const struct sublink_kind *k, const char *text,
					 const char *cni_args, int want_r, struct cni_error *err)
{
	_cleanup_json_ json_t *j = json_loads(text, 0, NULL);
	struct cni_args a = {};
	struct sublink_config *c = NULL;
	int r;

	assert_non_null(j);
	if (cni_args)
		assert_int_equal(cni_args_parse(cni_args, &a, err), 0);
	r = sublink_config_parse(k, j, cni_args ? &a : NULL, true, "failed to load netconf: ", &c,
				 err);
	cni_args_done(&a);
	if (want_r == 0) {
		if (r != 0)
			fail_msg("parse failed: %s", err->msg);
		assert_non_null(c);
	} else {
		assert_true(r < 0);
		assert_null(c);
	}
	return c;
}

static struct sublink_config *parse_ok(const struct sublink_kind *k, const char *text)
{
	struct cni_error err = {};

	return parse_args(k, text, NULL, 0, &err);
}

static void parse_fails(const struct sublink_kind *k, const char *text, const char *cni_args,
			unsigned code, const char *msg)
{
	struct cni_error err = {};

	parse_args(k, text, cni_args, -1, &err);
	assert_int_equal(err.code, code);
	assert_string_equal(err.msg, msg);
}

#define HEAD "{\"cniVersion\":\"1.0.0\",\"name\":\"n\",\"type\":\"x\""

static void test_macvlan_defaults_and_modes(void **state)
{
	static const struct { const char *mode; uint32_t v; } modes[] = {
		{ "bridge", MACVLAN_MODE_BRIDGE }, { "private", MACVLAN_MODE_PRIVATE },
		{ "vepa", MACVLAN_MODE_VEPA }, { "passthru", MACVLAN_MODE_PASSTHRU },
	};
	_cleanup_(sublink_config_freep) struct sublink_config *c =
		parse_ok(&sublink_macvlan, HEAD "}");

	assert_null(c->master);
	assert_string_equal(c->mode, "");
	assert_int_equal(c->mode_value, MACVLAN_MODE_BRIDGE); /* the default */
	assert_int_equal(c->mtu, 0);
	assert_false(c->link_in_container);
	assert_null(c->mac);
	assert_null(c->ipam_type);
	for (size_t i = 0; i < 4; i++) {
		char text[256];
		_cleanup_(sublink_config_freep) struct sublink_config *m = NULL;

		snprintf(text, sizeof(text), HEAD ",\"master\":\"eth9\",\"mode\":\"%s\"}",
			 modes[i].mode);
		m = parse_ok(&sublink_macvlan, text);
		assert_string_equal(m->master, "eth9");
		assert_int_equal(m->mode_value, modes[i].v);
		assert_string_equal(sublink_mode_name(&sublink_macvlan, modes[i].v), modes[i].mode);
	}
	parse_fails(&sublink_macvlan, HEAD ",\"mode\":\"Bridge\"}", NULL, CNI_ERR_INVALID_CONFIG,
		    "unknown macvlan mode: \"Bridge\"");
	parse_fails(&sublink_macvlan, HEAD ",\"mode\":\"l2\"}", NULL, CNI_ERR_INVALID_CONFIG,
		    "unknown macvlan mode: \"l2\"");
}

static void test_macvlan_keys_go_rules(void **state)
{
	/* Case-insensitive keys, the exact spelling wins; linkInContainer; ipam type */
	_cleanup_(sublink_config_freep) struct sublink_config *c = parse_ok(&sublink_macvlan,
		HEAD ",\"MASTER\":\"a\",\"master\":\"b\",\"MTU\":1400,\"linkincontainer\":true,"
		"\"ipam\":{\"type\":\"host-local\"}}");

	assert_string_equal(c->master, "b");
	assert_int_equal(c->mtu, 1400);
	assert_true(c->link_in_container);
	assert_string_equal(c->ipam_type, "host-local");
	parse_fails(&sublink_macvlan, HEAD ",\"mtu\":\"1500\"}", NULL, CNI_ERR_INVALID_CONFIG,
		    "failed to load netconf: json: cannot unmarshal string into Go struct field "
		    "NetConf.mtu of type int");
	parse_fails(&sublink_macvlan, HEAD ",\"master\":5}", NULL, CNI_ERR_INVALID_CONFIG,
		    "failed to load netconf: json: cannot unmarshal number into Go struct field "
		    "NetConf.master of type string");
	parse_fails(&sublink_macvlan, HEAD ",\"linkInContainer\":\"yes\"}", NULL,
		    CNI_ERR_INVALID_CONFIG,
		    "failed to load netconf: json: cannot unmarshal string into Go struct field "
		    "NetConf.linkInContainer of type bool");
}

static void test_macvlan_mac_precedence(void **state)
{
	struct cni_error err = {};
	struct sublink_config *c;
	const char *cfg = HEAD ",\"mac\":\"02:00:00:00:00:01\"}";
	const char *rt = HEAD ",\"mac\":\"02:00:00:00:00:01\","
			 "\"runtimeConfig\":{\"mac\":\"02:00:00:00:00:03\"}}";

	c = parse_args(&sublink_macvlan, cfg, NULL, 0, &err);
	assert_string_equal(c->mac, "02:00:00:00:00:01");
	sublink_config_free(c);
	c = parse_args(&sublink_macvlan, cfg, "MAC=02:00:00:00:00:02", 0, &err);
	assert_string_equal(c->mac, "02:00:00:00:00:02");
	sublink_config_free(c);
	c = parse_args(&sublink_macvlan, rt, "MAC=02:00:00:00:00:02", 0, &err);
	assert_string_equal(c->mac, "02:00:00:00:00:03");
	sublink_config_free(c);
	/* Go's net.ParseMAC forms */
	c = parse_args(&sublink_macvlan, HEAD ",\"mac\":\"0200.0000.0001\"}", NULL, 0, &err);
	assert_string_equal(c->mac, "0200.0000.0001");
	sublink_config_free(c);

	parse_fails(&sublink_macvlan, HEAD ",\"mac\":\"zz\"}", NULL, CNI_ERR_INVALID_CONFIG,
		    "invalid args zz for MAC addr: address zz: invalid MAC address");
	parse_fails(&sublink_macvlan, cfg, "MAC=1:2", CNI_ERR_INVALID_CONFIG,
		    "invalid args 1:2 for MAC addr: address 1:2: invalid MAC address");
	parse_fails(&sublink_macvlan, cfg, "FOO=1", CNI_ERR_INVALID_ENV,
		    "ARGS: unknown args [\"FOO=1\"]");
	c = parse_args(&sublink_macvlan, cfg, "FOO=1;IgnoreUnknown=true", 0, &err);
	sublink_config_free(c);
	parse_fails(&sublink_macvlan, HEAD ",\"runtimeConfig\":{\"mac\":7}}", NULL,
		    CNI_ERR_INVALID_CONFIG,
		    "failed to load netconf: json: cannot unmarshal number into Go struct field "
		    ".runtimeConfig.mac of type string");
}

static void test_ipvlan(void **state)
{
	_cleanup_(sublink_config_freep) struct sublink_config *c = parse_ok(&sublink_ipvlan,
		HEAD ",\"master\":\"eth0\",\"mode\":\"l3s\"}");

	assert_int_equal(c->mode_value, IPVLAN_MODE_L3S);
	assert_null(c->mac); /* ipvlan has no mac key: it is the master's */
	parse_fails(&sublink_ipvlan, HEAD ",\"mode\":\"bridge\"}", NULL, CNI_ERR_INVALID_CONFIG,
		    "unknown ipvlan mode: \"bridge\"");
	assert_string_equal(sublink_mode_name(&sublink_ipvlan, IPVLAN_MODE_L2), "l2");
	assert_null(sublink_mode_name(&sublink_ipvlan, 77));
	sublink_config_free(parse_ok(&sublink_ipvlan, HEAD ",\"mac\":\"zz\"}"));
}

static void test_vlan(void **state)
{
	_cleanup_(sublink_config_freep) struct sublink_config *c = parse_ok(&sublink_vlan,
		HEAD ",\"master\":\"eth0\",\"vlanId\":4094,\"mtu\":1400}");

	assert_int_equal(c->vlan_id, 4094);
	assert_int_equal(c->mtu, 1400);
	parse_fails(&sublink_vlan, HEAD ",\"vlanId\":5}", NULL, CNI_ERR_INVALID_CONFIG,
		    "\"master\" field is required. It specifies the host interface name to "
		    "create the VLAN for.");
	parse_fails(&sublink_vlan, HEAD ",\"master\":\"eth0\",\"vlanId\":4095}", NULL,
		    CNI_ERR_INVALID_CONFIG,
		    "invalid VLAN ID 4095 (must be between 0 and 4095 inclusive)");
	parse_fails(&sublink_vlan, HEAD ",\"master\":\"eth0\",\"vlanId\":-1}", NULL,
		    CNI_ERR_INVALID_CONFIG,
		    "invalid VLAN ID -1 (must be between 0 and 4095 inclusive)");
	parse_fails(&sublink_vlan, HEAD ",\"master\":\"eth0\",\"vlanId\":\"5\"}", NULL,
		    CNI_ERR_INVALID_CONFIG,
		    "failed to load netconf: json: cannot unmarshal string into Go struct field "
		    "NetConf.vlanId of type int");
}

static void test_dummy(void **state)
{
	/* dummy reads only types.NetConf: master and mode mean nothing to it */
	_cleanup_(sublink_config_freep) struct sublink_config *c = parse_ok(&sublink_dummy,
		HEAD ",\"master\":5,\"mode\":\"x\",\"ipam\":{\"type\":\"static\"}}");

	assert_null(c->master);
	assert_string_equal(c->ipam_type, "static");
	parse_fails(&sublink_dummy, HEAD ",\"ipam\":{\"type\":1}}", NULL, CNI_ERR_INVALID_CONFIG,
		    "failed to load netconf: json: cannot unmarshal number into Go struct field "
		    "IPAM.ipam.type of type string");
}

/* DEL's parse: only Go's type errors, so a config ADD refused can still be torn down. */
static void test_teardown_parse(void **state)
{
	static const char *const texts[] = {
		HEAD ",\"mode\":\"nope\",\"mac\":\"zz\"}",
		HEAD ",\"vlanId\":9999}",
	};
	const struct sublink_kind *kinds[] = { &sublink_macvlan, &sublink_vlan };
	struct cni_error err = {};

	for (size_t i = 0; i < 2; i++) {
		_cleanup_json_ json_t *j = json_loads(texts[i], 0, NULL);
		struct sublink_config *c = NULL;

		assert_int_equal(sublink_config_parse(kinds[i], j, NULL, false, "p: ", &c, &err), 0);
		assert_non_null(c);
		sublink_config_free(c);
	}
	{
		_cleanup_json_ json_t *j = json_loads(HEAD ",\"mtu\":\"x\"}", 0, NULL);
		struct sublink_config *c = NULL;

		assert_true(sublink_config_parse(&sublink_macvlan, j, NULL, false, "p: ", &c,
						 &err) < 0);
		assert_string_equal(err.msg, "p: json: cannot unmarshal string into Go struct "
					     "field NetConf.mtu of type int");
	}
}

static void test_random_name(void **state)
{
	char a[NL_IFNAMSIZ], b[NL_IFNAMSIZ];

	assert_int_equal(sublink_random_name(a), 0);
	assert_int_equal(sublink_random_name(b), 0);
	assert_int_equal(strlen(a), 12);
	assert_memory_equal(a, "veth", 4);
	assert_int_equal(strspn(a + 4, "0123456789abcdef"), 8);
	assert_string_not_equal(a, b);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_macvlan_defaults_and_modes),
		cmocka_unit_test(test_macvlan_keys_go_rules),
		cmocka_unit_test(test_macvlan_mac_precedence),
		cmocka_unit_test(test_ipvlan),
		cmocka_unit_test(test_vlan),
		cmocka_unit_test(test_dummy),
		cmocka_unit_test(test_teardown_parse),
		cmocka_unit_test(test_random_name),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
