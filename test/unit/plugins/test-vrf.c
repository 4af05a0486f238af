// SPDX-License-Identifier: Apache-2.0
/*
 * vrf plugin, pure part: the config (vrfname required, table a Go uint32 with Go's type
 * errors), the first free routing table among the VRFs of a namespace, and which routes of
 * the enslaved interface are carried into the VRF's table.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <string.h>
#include <linux/rtnetlink.h>

#include "basic/json-util.h"
#include "plugins/vrf/vrf-config.h"

static int parse(const char *text, struct vrf_config **c, struct cni_error *err)
{
	_cleanup_json_ json_t *j = json_loads(text, 0, NULL);

	assert_non_null(j);
	return vrf_config_parse(j, c, err);
}

static void fails(const char *text, const char *msg)
{
	struct cni_error err = {};
	struct vrf_config *c = NULL;

	assert_true(parse(text, &c, &err) < 0);
	assert_null(c);
	assert_int_equal(err.code, CNI_ERR_INVALID_CONFIG);
	assert_string_equal(err.msg, msg);
}

static void test_config(void **state)
{
	struct cni_error err = {};
	struct vrf_config *c = NULL;

	assert_int_equal(parse("{\"name\":\"n\",\"vrfname\":\"blue\"}", &c, &err), 0);
	assert_string_equal(c->vrfname, "blue");
	assert_int_equal(c->table, 0);
	c = vrf_config_free(c);
	/* Go's field match: any case, the exact spelling wins */
	assert_int_equal(parse("{\"VRFNAME\":\"red\",\"Table\":4294967295}", &c, &err), 0);
	assert_string_equal(c->vrfname, "red");
	assert_int_equal(c->table, UINT32_MAX);
	c = vrf_config_free(c);

	fails("{\"name\":\"n\"}", "configuration is expected to have a valid vrf name");
	fails("{\"vrfname\":\"\"}", "configuration is expected to have a valid vrf name");
	fails("{\"vrfname\":5}", "failed to load netconf: json: cannot unmarshal number into Go "
				 "struct field VRFNetConf.vrfname of type string");
	fails("{\"vrfname\":\"b\",\"table\":-1}",
	      "failed to load netconf: json: cannot unmarshal number -1 into Go struct field "
	      "VRFNetConf.table of type uint32");
	fails("{\"vrfname\":\"b\",\"table\":4294967296}",
	      "failed to load netconf: json: cannot unmarshal number 4294967296 into Go struct "
	      "field VRFNetConf.table of type uint32");
	fails("{\"vrfname\":\"b\",\"table\":\"7\"}",
	      "failed to load netconf: json: cannot unmarshal string into Go struct field "
	      "VRFNetConf.table of type uint32");
}

static void test_free_table(void **state)
{
	struct nl_link l[4] = {};

	assert_int_equal(vrf_free_table(NULL, 0), 1);
	strcpy(l[0].kind, "vrf");
	l[0].vrf_table = 1;
	strcpy(l[1].kind, "veth");
	l[1].vrf_table = 2;   /* not a VRF: its number means nothing */
	strcpy(l[2].kind, "vrf");
	l[2].vrf_table = 3;
	assert_int_equal(vrf_free_table(l, 3), 2);
	strcpy(l[1].kind, "vrf");
	assert_int_equal(vrf_free_table(l, 3), 4);
}

static void test_routes_to_move(void **state)
{
	struct nl_route gw = { .table = RT_TABLE_MAIN, .protocol = RTPROT_BOOT,
			       .type = RTN_UNICAST };
	struct nl_route r;

	assert_true(vrf_route_to_move(&gw));           /* default via gw, from IPAM */
	r = gw;
	r.scope = RT_SCOPE_LINK;                       /* a static link route too */
	assert_true(vrf_route_to_move(&r));
	r = gw;
	r.protocol = RTPROT_KERNEL;                    /* the prefix route: the kernel's */
	assert_false(vrf_route_to_move(&r));
	r = gw;
	r.table = RT_TABLE_LOCAL;
	assert_false(vrf_route_to_move(&r));
	r = gw;
	r.table = 100;                                 /* already in some other table */
	assert_false(vrf_route_to_move(&r));
	r = gw;
	r.type = RTN_MULTICAST;
	assert_false(vrf_route_to_move(&r));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_config),
		cmocka_unit_test(test_free_table),
		cmocka_unit_test(test_routes_to_move),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
