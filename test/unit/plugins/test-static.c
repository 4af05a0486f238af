// SPDX-License-Identifier: Apache-2.0
/*
 * The static IPAM plugin's pure parts: the address sources and their precedence (config,
 * CNI_ARGS IP/GATEWAY appended, args.cni.ips and then runtimeConfig.ips replacing), the
 * reference's error texts, the 0.2.0 one-per-family rule, the result JSON byte for byte,
 * and CHECK's gateway comparison.
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
#include "plugins/static/static-config.h"

static int parse_v(const char *version, const char *conf, const char *cni_args,
		   struct static_config **c, struct cni_error *err)
{
	_cleanup_json_ json_t *j = json_loads(conf, 0, NULL);
	struct cni_args a = {};
	int r;

	assert_non_null(j);
	cni_error_clear(err);
	assert_int_equal(cni_args_parse(cni_args, &a, err), 0);
	r = static_config_parse(j, version, &a, c, err);
	cni_args_done(&a);
	return r;
}

static int parse(const char *conf, const char *cni_args, struct static_config **c,
		 struct cni_error *err)
{
	return parse_v("1.0.0", conf, cni_args, c, err);
}

/* The result rendered in version, as skel prints it. */
static char *render(const struct static_config *c, const char *version)
{
	_cleanup_(cni_result_freep) struct cni_result *res = NULL;
	_cleanup_json_ json_t *j = NULL;
	struct cni_error err;

	assert_int_equal(static_config_result(c, &res), 0);
	assert_int_equal(cni_result_to_json(res, version, &j, &err), 0);
	return cni_result_dumps(j);
}

static void fails(const char *conf, const char *cni_args, unsigned code, const char *msg)
{
	_cleanup_(static_config_freep) struct static_config *c = NULL;
	struct cni_error err;

	assert_int_equal(parse(conf, cni_args, &c, &err), -EINVAL);
	assert_null(c);
	assert_int_equal(err.code, code);
	assert_string_equal(err.msg, msg);
}

static void test_full_result(void **state)
{
	_cleanup_(static_config_freep) struct static_config *c = NULL;
	_cleanup_free_ char *out = NULL;
	struct cni_error err;

	assert_int_equal(parse("{\"ipam\":{\"type\":\"static\",\"addresses\":["
			       "{\"address\":\"10.1.2.3/24\",\"gateway\":\"10.1.2.1\"},"
			       "{\"address\":\"fd00::5/64\"}],"
			       "\"routes\":[{\"dst\":\"0.0.0.0/0\"},"
			       "{\"dst\":\"10.9.0.5/16\",\"gw\":\"10.1.2.9\"}],"
			       "\"dns\":{\"nameservers\":[\"8.8.8.8\"],\"domain\":\"ex\"}}}",
			       NULL, &c, &err), 0);
	out = render(c, "1.0.0");
	assert_string_equal(out,
		"{\n"
		"    \"cniVersion\": \"1.0.0\",\n"
		"    \"ips\": [\n"
		"        {\n"
		"            \"address\": \"10.1.2.3/24\",\n"
		"            \"gateway\": \"10.1.2.1\"\n"
		"        },\n"
		"        {\n"
		"            \"address\": \"fd00::5/64\"\n"
		"        }\n"
		"    ],\n"
		"    \"routes\": [\n"
		"        {\n"
		"            \"dst\": \"0.0.0.0/0\"\n"
		"        },\n"
		"        {\n"
		"            \"dst\": \"10.9.0.5/16\",\n"
		"            \"gw\": \"10.1.2.9\"\n"
		"        }\n"
		"    ],\n"
		"    \"dns\": {\n"
		"        \"nameservers\": [\n"
		"            \"8.8.8.8\"\n"
		"        ],\n"
		"        \"domain\": \"ex\"\n"
		"    }\n"
		"}");
}

static void test_empty(void **state)
{
	_cleanup_(static_config_freep) struct static_config *c = NULL;
	_cleanup_free_ char *out = NULL;
	struct cni_error err;

	assert_int_equal(parse("{\"ipam\":{\"type\":\"static\"}}", NULL, &c, &err), 0);
	assert_int_equal(c->n_addrs, 0);
	out = render(c, "1.0.0");
	assert_string_equal(out, "{\n    \"cniVersion\": \"1.0.0\",\n    \"dns\": {}\n}");
}

static void test_env_args(void **state)
{
	_cleanup_(static_config_freep) struct static_config *c = NULL;
	char buf[IP_PREFIX_STRLEN];
	struct cni_error err;

	/* IP appended after the config's; GATEWAY only on the CNI_ARGS addresses */
	assert_int_equal(parse("{\"ipam\":{\"addresses\":[{\"address\":\"10.7.0.9/16\"}]}}",
			       "IP=10.7.0.1/16, 10.8.0.1/16;GATEWAY=10.7.0.254 ,10.8.9.9", &c,
			       &err), 0);
	assert_int_equal(c->n_addrs, 3);
	assert_string_equal(ip_prefix_to_string(&c->addrs[0].address, buf), "10.7.0.9/16");
	assert_int_equal(c->addrs[0].gateway.family, 0);
	assert_string_equal(ip_prefix_to_string(&c->addrs[1].address, buf), "10.7.0.1/16");
	assert_string_equal(ip_addr_to_string(&c->addrs[1].gateway, buf), "10.7.0.254");
	assert_string_equal(ip_prefix_to_string(&c->addrs[2].address, buf), "10.8.0.1/16");
	assert_string_equal(ip_addr_to_string(&c->addrs[2].gateway, buf), "10.8.9.9");
}

static void test_precedence(void **state)
{
	_cleanup_(static_config_freep) struct static_config *c = NULL;
	char buf[IP_PREFIX_STRLEN];
	struct cni_error err;
#define PREC_CONF(extra) "{\"ipam\":{\"addresses\":[{\"address\":\"10.1.2.3/24\"}]}," \
			 "\"args\":{\"cni\":{\"ips\":[\"10.6.6.6/8\",\"fd00::6/64\"]}}" extra "}"

	/* args.cni.ips replaces the config and CNI_ARGS addresses */
	assert_int_equal(parse(PREC_CONF(""), "IP=10.9.9.9/8", &c, &err), 0);
	assert_int_equal(c->n_addrs, 2);
	assert_string_equal(ip_prefix_to_string(&c->addrs[0].address, buf), "10.6.6.6/8");
	assert_string_equal(ip_prefix_to_string(&c->addrs[1].address, buf), "fd00::6/64");
	c = static_config_free(c);

	/* runtimeConfig.ips replaces args.cni.ips */
	assert_int_equal(parse(PREC_CONF(",\"runtimeConfig\":{\"ips\":[\"10.5.5.5/8\"]}"), NULL, &c, &err), 0);
	assert_int_equal(c->n_addrs, 1);
	assert_string_equal(ip_prefix_to_string(&c->addrs[0].address, buf), "10.5.5.5/8");
	c = static_config_free(c);

	/* an empty list replaces nothing */
	assert_int_equal(parse(PREC_CONF(",\"runtimeConfig\":{\"ips\":[]}"), NULL, &c, &err), 0);
	assert_int_equal(c->n_addrs, 2);
}

static void test_errors(void **state)
{
	fails("{\"type\":\"x\"}", NULL, 7, "IPAM config missing 'ipam' key");
	fails("{\"ipam\":{\"addresses\":[{\"address\":\"10.1.2.3\"}]}}", NULL, 7,
	      "the 'address' field is expected to be in CIDR notation, got: '10.1.2.3'");
	fails("{\"ipam\":{\"addresses\":[{\"address\":\"10.1.2.3/33\"}]}}", NULL, 7,
	      "the 'address' field is expected to be in CIDR notation, got: '10.1.2.3/33'");
	fails("{\"ipam\":{\"addresses\":[{\"address\":\"10.1.2.3/24\",\"gateway\":\"zz\"}]}}",
	      NULL, 7, "invalid IP address: zz");
	fails("{\"ipam\":{\"addresses\":[{\"address\":5}]}}", NULL, 7,
	      "json: cannot unmarshal number into Go struct field Address.ipam.addresses.address "
	      "of type string");
	fails("{\"ipam\":{\"addresses\":5}}", NULL, 7,
	      "json: cannot unmarshal number into Go struct field IPAMConfig.ipam.addresses of "
	      "type []main.Address");
	fails("{\"ipam\":{\"routes\":[{\"dst\":5}]}}", NULL, 7,
	      "json: cannot unmarshal number into Go struct field IPAMConfig.ipam.routes of "
	      "type string");
	fails("{\"ipam\":{\"routes\":[{\"dst\":\"1.2.3.0/33\"}]}}", NULL, 7,
	      "invalid CIDR address: 1.2.3.0/33");
	fails("{\"ipam\":{}}", "IP=10.7.0.1", 7,
	      "the 'ip' field is expected to be in CIDR notation, got: '10.7.0.1'");
	fails("{\"ipam\":{}}", "IP=10.7.0.1/8;GATEWAY= zz", 7, "invalid gateway address:  zz");
	fails("{\"ipam\":{},\"runtimeConfig\":{\"ips\":[\"1.2.3.4\"]}}", NULL, 7,
	      "an entry in the 'ips' field is NOT in CIDR notation, got: '1.2.3.4'");
	fails("{\"ipam\":{}}", "FOO=1", 4, "ARGS: unknown args [\"FOO=1\"]");
}

static void test_one_per_family(void **state)
{
	_cleanup_(static_config_freep) struct static_config *c = NULL;
	const char *two = "{\"ipam\":{\"addresses\":[{\"address\":\"10.1.2.3/24\"},"
			  "{\"address\":\"10.1.2.4/24\"}]}}";
	struct cni_error err;

	assert_int_equal(parse_v("0.2.0", two, NULL, &c, &err), -EINVAL);
	assert_string_equal(err.msg,
			    "CNI version 0.2.0 does not support more than 1 address per family");
	assert_int_equal(parse_v("0.3.0", two, NULL, &c, &err), 0);
}

static void test_check(void **state)
{
	_cleanup_(static_config_freep) struct static_config *c = NULL;
	_cleanup_(cni_result_freep) struct cni_result *prev = NULL;
	struct ip_prefix p;
	struct ip_addr gw;
	struct cni_error err;

	assert_int_equal(parse("{\"ipam\":{\"addresses\":[{\"address\":\"10.1.2.3/24\","
			       "\"gateway\":\"10.1.2.1\"}]}}", NULL, &c, &err), 0);
	prev = cni_result_new();
	assert_int_equal(ip_prefix_parse("10.1.2.3/24", &p), 0);
	assert_int_equal(ip_addr_parse("10.1.2.1", &gw), 0);
	assert_int_equal(cni_result_add_ip(prev, &p, &gw, -1), 0);
	assert_int_equal(static_config_check(c, prev, "eth0", &err), 0);

	assert_int_equal(ip_addr_parse("10.1.2.2", &prev->ips[0].gateway), 0);
	assert_int_equal(static_config_check(c, prev, "eth0", &err), -EINVAL);
	assert_int_equal(err.code, 999);
	assert_string_equal(err.msg, "static: Failed to match addr 10.1.2.3 on interface eth0");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_full_result),
		cmocka_unit_test(test_empty),
		cmocka_unit_test(test_env_args),
		cmocka_unit_test(test_precedence),
		cmocka_unit_test(test_errors),
		cmocka_unit_test(test_one_per_family),
		cmocka_unit_test(test_check),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
