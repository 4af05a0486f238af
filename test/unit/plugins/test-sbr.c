// SPDX-License-Identifier: Apache-2.0
/*
 * The sbr plugin's pure parts: config (table, type errors), which prevResult addresses are
 * the interface's, the table ids (first free from 100, skipping every used one), and which
 * routes follow an address into its table.
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
#include "plugins/sbr/sbr-config.h"

static int parse(const char *conf, struct sbr_config *c, struct cni_error *err)
{
	_cleanup_json_ json_t *j = json_loads(conf, 0, NULL);

	assert_non_null(j);
	cni_error_clear(err);
	return sbr_config_parse(j, c, err);
}

static void test_config(void **state)
{
	struct sbr_config c;
	struct cni_error err;

	assert_int_equal(parse("{\"type\":\"sbr\"}", &c, &err), 0);
	assert_false(c.has_table);
	assert_int_equal(parse("{\"type\":\"sbr\",\"Table\":500}", &c, &err), 0);
	assert_true(c.has_table);
	assert_int_equal(c.table, 500);
	assert_int_equal(parse("{\"table\":\"500\"}", &c, &err), -EINVAL);
	assert_int_equal(err.code, 7);
	assert_string_equal(err.msg, "failed to parse network configuration: json: cannot "
				     "unmarshal string into Go struct field PluginConf.table of "
				     "type int");
	assert_int_equal(parse("{\"table\":0}", &c, &err), -EINVAL);
	assert_string_equal(err.msg, "failed to parse network configuration: invalid table 0");
}

static void test_select(void **state)
{
	_cleanup_(cni_result_freep) struct cni_result *r = cni_result_new();
	_cleanup_free_ size_t *sel = NULL;
	struct ip_prefix p;
	struct cni_error err;
	size_t n = 9;

	assert_int_equal(sbr_select_ips(r, "eth0", &sel, &n, &err), -EINVAL);
	assert_string_equal(err.msg, "No IP addresses supplied on interface: eth0");
	assert_int_equal(cni_result_add_interface(r, "veth1", NULL, NULL), 0);
	assert_int_equal(cni_result_add_interface(r, "eth0", NULL, "/run/netns/x"), 1);
	assert_int_equal(ip_prefix_parse("10.0.0.1/24", &p), 0);
	assert_int_equal(cni_result_add_ip(r, &p, NULL, 0), 0);  /* the host side's */
	assert_int_equal(ip_prefix_parse("10.0.0.2/24", &p), 0);
	assert_int_equal(cni_result_add_ip(r, &p, NULL, 1), 1);  /* ours */
	assert_int_equal(ip_prefix_parse("fd00::2/64", &p), 0);
	assert_int_equal(cni_result_add_ip(r, &p, NULL, -1), 2); /* no interface: ours */
	assert_int_equal(ip_prefix_parse("fd00::3/64", &p), 0);
	assert_int_equal(cni_result_add_ip(r, &p, NULL, 7), 3);  /* out of range: ours */
	assert_int_equal(sbr_select_ips(r, "eth0", &sel, &n, &err), 0);
	assert_int_equal(n, 3);
	assert_int_equal(sel[0], 1);
	assert_int_equal(sel[1], 2);
	assert_int_equal(sel[2], 3);
}

static void test_tables(void **state)
{
	const uint32_t used[] = { 255, 254, 253, 100, 101, 103 };

	assert_int_equal(sbr_next_table(used, 0, SBR_FIRST_TABLE), 100);
	assert_int_equal(sbr_next_table(used, ELEMENTSOF(used), SBR_FIRST_TABLE), 102);
	assert_int_equal(sbr_next_table(used, ELEMENTSOF(used), 103), 104);
	assert_int_equal(sbr_next_table(used, ELEMENTSOF(used), 253), 256);
}

static void test_follows(void **state)
{
	struct ip_prefix a;
	struct ip_addr none = {}, in, out, v6;

	assert_int_equal(ip_prefix_parse("10.66.0.5/24", &a), 0);
	assert_int_equal(ip_addr_parse("10.66.0.1", &in), 0);
	assert_int_equal(ip_addr_parse("10.67.0.1", &out), 0);
	assert_int_equal(ip_addr_parse("fe80::1", &v6), 0);
	assert_true(sbr_route_follows(&a, &none, &none));
	assert_true(sbr_route_follows(&a, &in, &none));
	assert_true(sbr_route_follows(&a, &none, &in));
	assert_true(sbr_route_follows(&a, &out, &in));
	assert_false(sbr_route_follows(&a, &out, &none));
	assert_false(sbr_route_follows(&a, &none, &out));
	assert_false(sbr_route_follows(&a, &none, &v6));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_config),
		cmocka_unit_test(test_select),
		cmocka_unit_test(test_tables),
		cmocka_unit_test(test_follows),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
