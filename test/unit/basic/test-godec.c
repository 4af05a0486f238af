// SPDX-License-Identifier: Apache-2.0
/* godec (Go encoding/json rules) and mac (the one MAC parser), field by field. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "basic/godec.h"
#include "basic/json-util.h"
#include "basic/mac.h"

static char msg[GODEC_MSG_MAX];
static const struct godec top = { .prefix = "p: ", .strct = "NetConf", .path = "",
				   .msg = msg, .msg_size = sizeof(msg) };

static json_t *load(const char *text)
{
	json_t *j = json_loads(text, 0, NULL);

	assert_non_null(j);
	return j;
}

static void test_lookup(void **state)
{
	_cleanup_json_ json_t *j = load("{\"Mtu\":1400,\"x\":null,\"a\":1,\"A\":2,\"b\":3,\"B\":null}");
	int64_t v = 7;
	bool given = false;

	/* a re-cased key matches; the last matching key wins; null leaves the default */
	assert_int_equal(godec_int(&top, j, "mtu", "int", INT64_MIN, INT64_MAX, &v, &given), 0);
	assert_int_equal(v, 1400);
	assert_true(given);
	assert_int_equal(godec_int(&top, j, "a", "int", INT64_MIN, INT64_MAX, &v, NULL), 0);
	assert_int_equal(v, 2);
	assert_int_equal(godec_int(&top, j, "b", "int", INT64_MIN, INT64_MAX, &v, NULL), 0);
	assert_int_equal(v, 3);
	v = 7;
	given = false;
	assert_int_equal(godec_int(&top, j, "x", "int", INT64_MIN, INT64_MAX, &v, &given), 0);
	assert_int_equal(v, 7);
	assert_false(given);
	assert_null(godec_get(j, "X"));
	assert_int_equal(json_integer_value(godec_get(j, "MTU")), 1400);
	/* map members match exactly */
	assert_null(godec_map_get(j, "mtu"));
}

static void expect(const char *text, int (*fn)(const json_t *j), const char *want)
{
	_cleanup_json_ json_t *j = load(text);

	msg[0] = 0;
	assert_int_equal(fn(j), -EINVAL);
	assert_string_equal(msg, want);
}

static int get_int(const json_t *j)
{
	int64_t v;

	return godec_int(&top, j, "mtu", "int", INT64_MIN, INT64_MAX, &v, NULL);
}

static int get_u64(const json_t *j)
{
	uint64_t v;

	return godec_uint64(&top, j, "rate", "uint64", &v, NULL);
}

static int get_bool(const json_t *j)
{
	bool v;

	return godec_bool(&top, j, "isGateway", &v, NULL);
}

static int get_strv(const json_t *j)
{
	char path[GODEC_PATH_MAX];
	struct godec d = godec_nested(&top, "DNS", "dns", path);
	char **v = NULL;
	int r = godec_strv(&d, godec_get(j, "dns"), "nameservers", &v, NULL);

	free(v);
	return r;
}

static int get_object(const json_t *j)
{
	const json_t *v;

	return godec_object(&top, j, "ipam", "types.IPAM", &v);
}

static void test_type_errors(void **state)
{
	expect("{\"mtu\":\"x\"}", get_int,
	       "p: json: cannot unmarshal string into Go struct field NetConf.mtu of type int");
	expect("{\"MTU\":1.5}", get_int,
	       "p: json: cannot unmarshal number 1.5 into Go struct field NetConf.mtu of type int");
	/* every matching key is decoded: a bad one fails even when a good one follows */
	expect("{\"Mtu\":true,\"mtu\":1}", get_int,
	       "p: json: cannot unmarshal bool into Go struct field NetConf.mtu of type int");
	expect("{\"rate\":-1}", get_u64,
	       "p: json: cannot unmarshal number -1 into Go struct field NetConf.rate of type "
	       "uint64");
	expect("{\"isgateway\":1}", get_bool,
	       "p: json: cannot unmarshal number into Go struct field NetConf.isGateway of type "
	       "bool");
	expect("{\"dns\":{\"nameservers\":\"x\"}}", get_strv,
	       "p: json: cannot unmarshal string into Go struct field DNS.dns.nameservers of "
	       "type []string");
	expect("{\"dns\":{\"nameservers\":[1]}}", get_strv,
	       "p: json: cannot unmarshal number into Go struct field DNS.dns.nameservers of "
	       "type string");
	expect("{\"ipam\":[]}", get_object,
	       "p: json: cannot unmarshal array into Go struct field NetConf.ipam of type "
	       "types.IPAM");
}

static int add(const char *k, const char *v, void *userdata)
{
	size_t *n = userdata;

	(*n)++;
	return 0;
}

static void test_map(void **state)
{
	_cleanup_json_ json_t *good = load("{\"a\":\"1\",\"b\":null,\"c\":\"2\"}");
	_cleanup_json_ json_t *bad = load("{\"a\":\"1\",\"b\":2}");
	size_t n = 0;

	assert_int_equal(godec_map_strings(&top, good, "sysctl", add, &n), 0);
	assert_int_equal(n, 2);
	n = 0;
	assert_int_equal(godec_map_strings(&top, bad, "sysctl", add, &n), -EINVAL);
	assert_int_equal(n, 0); /* nothing applied from a map Go would refuse */
	assert_string_equal(msg, "p: json: cannot unmarshal number into Go struct field "
				 "NetConf.sysctl of type string");
}

static void test_mac(void **state)
{
	uint8_t m[6] = {}, want[6] = { 0x0e, 0x11, 0x22, 0x33, 0x44, 0xaa };
	char buf[MAC_STRLEN];

	assert_int_equal(mac_parse("0E:11:22:33:44:aa", m), 0);
	assert_memory_equal(m, want, 6);
	assert_string_equal(mac_format(m, buf), "0e:11:22:33:44:aa");
	assert_int_equal(mac_parse("0e-11-22-33-44-aa", m), -EINVAL);
	assert_int_equal(mac_parse("0e:11:22:33:44", m), -EINVAL);
	assert_int_equal(mac_parse("0e:11:22:33:44:ag", m), -EINVAL);
	memset(m, 0, 6);
	assert_int_equal(mac_parse_go("0e-11-22-33-44-aa", m), 0);
	assert_memory_equal(m, want, 6);
	memset(m, 0, 6);
	assert_int_equal(mac_parse_go("0e11.2233.44AA", m), 0);
	assert_memory_equal(m, want, 6);
	assert_int_equal(mac_parse_go("0e:11-22:33:44:aa", m), -EINVAL);
	assert_int_equal(mac_parse_go("0e11.2233.44a", m), -EINVAL);
	assert_int_equal(mac_parse_go("0e11:2233.44aa", m), -EINVAL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_lookup),
		cmocka_unit_test(test_type_errors),
		cmocka_unit_test(test_map),
		cmocka_unit_test(test_mac),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
