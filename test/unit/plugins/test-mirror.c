// SPDX-License-Identifier: Apache-2.0
/*
 * The mirror plugin's pure parts: the config and the `mirror` capability (which replaces
 * each key it gives), Go's type errors word for word, our own validation (directions,
 * collectors with both or neither kind, bad interface names, remote, VNI, port), the tunnel
 * name and the cookie that tells one network's filters from another's.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <errno.h>
#include <string.h>

#include "basic/json-util.h"
#include "plugins/mirror/mirror-config.h"

static json_t *j(const char *s)
{
	json_error_t e;
	json_t *v = json_loads(s, 0, &e);

	if (!v)
		fail_msg("bad test JSON: %s", e.text);
	return v;
}

/* conf with the given runtimeConfig (NULL = none given by the runtime) */
static int parse_rt(const char *conf, const char *rt, struct mirror_conf *c,
		    struct cni_error *err)
{
	_cleanup_json_ json_t *o = j(conf);
	_cleanup_json_ json_t *r = rt ? j(rt) : NULL;

	cni_error_clear(err);
	return mirror_conf_parse(o, r, c, err);
}

static int parse(const char *conf, struct mirror_conf *c, struct cni_error *err)
{
	return parse_rt(conf, NULL, c, err);
}

#define IFACE "\"collector\":{\"interface\":\"mon0\"}"
#define VXLAN(x) "\"collector\":{\"vxlan\":{" x "}}"

static void test_defaults_and_directions(void **state)
{
	struct cni_error err;
	struct mirror_conf c;

	/* enabled, both directions, by default */
	assert_int_equal(parse("{" IFACE "}", &c, &err), 0);
	assert_true(c.enabled);
	assert_true(c.ingress);
	assert_true(c.egress);
	assert_int_equal(c.collector.kind, MIRROR_COLLECTOR_INTERFACE);
	assert_string_equal(c.collector.interface, "mon0");

	assert_int_equal(parse("{\"direction\":\"ingress\"," IFACE "}", &c, &err), 0);
	assert_true(c.ingress);
	assert_false(c.egress);
	assert_int_equal(parse("{\"direction\":\"egress\"," IFACE "}", &c, &err), 0);
	assert_false(c.ingress);
	assert_true(c.egress);
	/* Go's field matching: any case */
	assert_int_equal(parse("{\"Direction\":\"egress\",\"COLLECTOR\":{\"Interface\":\"m1\"}}",
			       &c, &err), 0);
	assert_true(c.egress);
	assert_false(c.ingress);
	assert_string_equal(c.collector.interface, "m1");

	/* unknown directions, and the values' case matters */
	assert_int_equal(parse("{\"direction\":\"sideways\"," IFACE "}", &c, &err), -EINVAL);
	assert_int_equal(err.code, CNI_ERR_INVALID_CONFIG);
	assert_string_equal(err.msg, "mirror: unknown direction \"sideways\" (want \"ingress\", "
			    "\"egress\" or \"both\")");
	assert_int_equal(parse("{\"direction\":\"Ingress\"," IFACE "}", &c, &err), -EINVAL);
	assert_int_equal(parse("{\"direction\":\"\"," IFACE "}", &c, &err), -EINVAL);

	/* disabled needs no collector */
	assert_int_equal(parse("{\"enabled\":false}", &c, &err), 0);
	assert_false(c.enabled);
	assert_int_equal(parse("{}", &c, &err), -EINVAL);
	assert_string_equal(err.msg, "mirror: no collector given (collector.interface or "
			    "collector.vxlan)");
}

static void test_capability(void **state)
{
	struct cni_error err;
	struct mirror_conf c;

	/* each key the runtime gives replaces the config's */
	assert_int_equal(parse_rt("{" IFACE "}", "{\"mirror\":{\"direction\":\"ingress\"}}", &c,
				  &err), 0);
	assert_true(c.ingress);
	assert_false(c.egress);
	assert_string_equal(c.collector.interface, "mon0");
	assert_int_equal(parse_rt("{" IFACE "}", "{\"mirror\":{\"enabled\":false}}", &c, &err), 0);
	assert_false(c.enabled);
	assert_int_equal(parse_rt("{\"enabled\":false}", "{\"mirror\":{\"enabled\":true,"
				  VXLAN("\"remote\":\"192.0.2.10\",\"vni\":7") "}}", &c, &err), 0);
	assert_true(c.enabled);
	assert_int_equal(c.collector.kind, MIRROR_COLLECTOR_VXLAN);
	assert_int_equal(c.collector.vxlan.vni, 7);
	assert_int_equal(c.collector.vxlan.port, MIRROR_DEFAULT_PORT);
	/* a collector from the runtime replaces the config's, kind and all */
	assert_int_equal(parse_rt("{" VXLAN("\"remote\":\"192.0.2.10\",\"vni\":7") "}",
				  "{\"mirror\":{\"collector\":{\"interface\":\"tap9\"}}}",
				  &c, &err), 0);
	assert_int_equal(c.collector.kind, MIRROR_COLLECTOR_INTERFACE);
	assert_string_equal(c.collector.interface, "tap9");
	/* the config's own runtimeConfig wins over the one handed in (as bandwidth reads it) */
	assert_int_equal(parse_rt("{" IFACE ",\"runtimeConfig\":{\"mirror\":{\"direction\":"
				  "\"egress\"}}}", "{\"mirror\":{\"direction\":\"ingress\"}}", &c,
				  &err), 0);
	assert_true(c.egress);
	assert_false(c.ingress);
	/* a runtime's unknown direction is an error too */
	assert_int_equal(parse_rt("{" IFACE "}", "{\"mirror\":{\"direction\":\"up\"}}", &c, &err),
			 -EINVAL);
	assert_string_equal(err.msg, "mirror: unknown direction \"up\" (want \"ingress\", "
			    "\"egress\" or \"both\")");
}

static void test_go_type_errors(void **state)
{
	static const struct {
		const char *conf;
		const char *msg;
	} cases[] = {
		{ "{\"enabled\":\"yes\"," IFACE "}",
		  "failed to parse network configuration: json: cannot unmarshal string into Go "
		  "struct field MirrorConf.enabled of type bool" },
		{ "{\"direction\":1," IFACE "}",
		  "failed to parse network configuration: json: cannot unmarshal number into Go "
		  "struct field MirrorConf.direction of type string" },
		{ "{\"collector\":[]}",
		  "failed to parse network configuration: json: cannot unmarshal array into Go "
		  "struct field MirrorConf.collector of type main.Collector" },
		{ "{\"collector\":{\"interface\":5}}",
		  "failed to parse network configuration: json: cannot unmarshal number into Go "
		  "struct field Collector.collector.interface of type string" },
		{ "{" VXLAN("\"remote\":\"192.0.2.1\",\"vni\":\"42\"") "}",
		  "failed to parse network configuration: json: cannot unmarshal string into Go "
		  "struct field VxlanCollector.collector.vxlan.vni of type uint32" },
		{ "{" VXLAN("\"remote\":\"192.0.2.1\",\"vni\":-1") "}",
		  "failed to parse network configuration: json: cannot unmarshal number -1 into Go "
		  "struct field VxlanCollector.collector.vxlan.vni of type uint32" },
		{ "{" VXLAN("\"remote\":\"192.0.2.1\",\"vni\":1,\"port\":70000") "}",
		  "failed to parse network configuration: json: cannot unmarshal number 70000 into "
		  "Go struct field VxlanCollector.collector.vxlan.port of type uint16" },
		{ "{" VXLAN("\"remote\":\"192.0.2.1\",\"vni\":1.5") "}",
		  "failed to parse network configuration: json: cannot unmarshal number 1.5 into "
		  "Go struct field VxlanCollector.collector.vxlan.vni of type uint32" },
		{ "{" VXLAN("\"remote\":[1],\"vni\":1") "}",
		  "failed to parse network configuration: json: cannot unmarshal array into Go "
		  "struct field VxlanCollector.collector.vxlan.remote of type string" },
		{ "{" IFACE ",\"runtimeConfig\":{\"mirror\":{\"direction\":true}}}",
		  "failed to parse network configuration: json: cannot unmarshal bool into Go "
		  "struct field MirrorArgs.runtimeConfig.mirror.direction of type string" },
		{ "{" IFACE ",\"runtimeConfig\":{\"mirror\":7}}",
		  "failed to parse network configuration: json: cannot unmarshal number into Go "
		  "struct field .runtimeConfig.mirror of type main.MirrorArgs" },
	};
	struct cni_error err;
	struct mirror_conf c;

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		assert_int_equal(parse(cases[i].conf, &c, &err), -EINVAL);
		assert_int_equal(err.code, CNI_ERR_INVALID_CONFIG);
		assert_string_equal(err.msg, cases[i].msg);
	}
}

static void test_collectors(void **state)
{
	static const struct {
		const char *conf;
		const char *msg;
	} bad[] = {
		{ "{\"collector\":{\"interface\":\"mon0\",\"vxlan\":{\"remote\":\"192.0.2.1\","
		  "\"vni\":1}}}", "mirror: collector has both interface and vxlan; give one" },
		{ "{\"collector\":{}}", "mirror: collector needs an interface or a vxlan" },
		{ "{\"collector\":{\"interface\":\"\"}}",
		  "mirror: collector needs an interface or a vxlan" },
		{ "{\"collector\":{\"interface\":\"a-very-long-name0\"}}",
		  "mirror: collector.interface \"a-very-long-name0\" is not a valid interface "
		  "name" },
		{ "{\"collector\":{\"interface\":\"a/b\"}}",
		  "mirror: collector.interface \"a/b\" is not a valid interface name" },
		{ "{" VXLAN("\"vni\":1") "}", "mirror: collector.vxlan needs a remote address" },
		{ "{" VXLAN("\"remote\":\"192.0.2.300\",\"vni\":1") "}",
		  "mirror: collector.vxlan.remote \"192.0.2.300\" is not a valid IP address" },
		{ "{" VXLAN("\"remote\":\"collector.example\",\"vni\":1") "}",
		  "mirror: collector.vxlan.remote \"collector.example\" is not a valid IP "
		  "address" },
		{ "{" VXLAN("\"remote\":\"0.0.0.0\",\"vni\":1") "}",
		  "mirror: collector.vxlan.remote \"0.0.0.0\" is not a valid IP address" },
		{ "{" VXLAN("\"remote\":\"192.0.2.1\"") "}",
		  "mirror: collector.vxlan needs a vni" },
		{ "{" VXLAN("\"remote\":\"192.0.2.1\",\"vni\":16777216") "}",
		  "mirror: collector.vxlan.vni 16777216 is out of range (0-16777215)" },
		{ "{" VXLAN("\"remote\":\"192.0.2.1\",\"vni\":1,\"port\":0") "}",
		  "mirror: collector.vxlan.port must be 1-65535" },
		{ "{" VXLAN("\"remote\":\"192.0.2.1\",\"vni\":1,\"dev\":\"eth0 \"") "}",
		  "mirror: collector.vxlan.dev \"eth0 \" is not a valid interface name" },
	};
	struct cni_error err;
	struct mirror_conf c;

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		assert_int_equal(parse(bad[i].conf, &c, &err), -EINVAL);
		assert_int_equal(err.code, CNI_ERR_INVALID_CONFIG);
		assert_string_equal(err.msg, bad[i].msg);
	}

	assert_int_equal(parse("{" VXLAN("\"remote\":\"2001:db8::7\",\"vni\":16777215,"
					 "\"port\":8472,\"dev\":\"ul0\"") "}", &c, &err), 0);
	assert_int_equal(c.collector.kind, MIRROR_COLLECTOR_VXLAN);
	assert_int_equal(c.collector.vxlan.remote.family, AF_INET6);
	assert_int_equal(c.collector.vxlan.vni, 16777215);
	assert_int_equal(c.collector.vxlan.port, 8472);
	assert_string_equal(c.collector.vxlan.dev, "ul0");
	/* VNI 0 is a valid VNI */
	assert_int_equal(parse("{" VXLAN("\"remote\":\"192.0.2.1\",\"vni\":0") "}", &c, &err), 0);
	assert_int_equal(c.collector.vxlan.vni, 0);
}

static void test_tunnel_name_and_cookie(void **state)
{
	struct mirror_collector a = { .kind = MIRROR_COLLECTOR_VXLAN }, b;
	char na[MIRROR_IFNAMSIZ], nb[MIRROR_IFNAMSIZ];
	uint8_t c1[MIRROR_COOKIE_SIZE], c2[MIRROR_COOKIE_SIZE];

	assert_int_equal(ip_addr_parse("192.0.2.10", &a.vxlan.remote), 0);
	a.vxlan.vni = 4242;
	a.vxlan.port = 4789;
	mirror_tunnel_name(&a, na);
	assert_int_equal(strlen(na), 15);
	assert_memory_equal(na, "lmir-", 5);
	/* sha512sum of "192.0.2.10/4242/4789/", first 10 hex digits */
	assert_string_equal(na, "lmir-6675971b2c");
	b = a;
	mirror_tunnel_name(&b, nb);
	assert_string_equal(na, nb);
	b.vxlan.vni = 4243;
	mirror_tunnel_name(&b, nb);
	assert_string_not_equal(na, nb);
	b = a;
	strcpy(b.vxlan.dev, "ul0");
	mirror_tunnel_name(&b, nb);
	assert_string_not_equal(na, nb);

	mirror_cookie("net1", "c1", "eth0", c1);
	assert_memory_equal(c1, "lmir", 4);
	assert_true(mirror_cookie_of_network(c1, sizeof(c1), "net1"));
	assert_false(mirror_cookie_of_network(c1, sizeof(c1), "net2"));
	assert_false(mirror_cookie_of_network(c1, 15, "net1"));
	mirror_cookie("net1", "c1", "eth1", c2);
	assert_memory_not_equal(c1, c2, sizeof(c1));
	/* same network part */
	assert_memory_equal(c1, c2, 10);
	/* the separators keep ("c1e", "th0") apart from ("c1", "eth0") */
	mirror_cookie("net1", "c1e", "th0", c2);
	assert_memory_not_equal(c1, c2, sizeof(c1));
	c2[0] = 'x';
	assert_false(mirror_cookie_of_network(c2, sizeof(c2), "net1"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_defaults_and_directions),
		cmocka_unit_test(test_capability),
		cmocka_unit_test(test_go_type_errors),
		cmocka_unit_test(test_collectors),
		cmocka_unit_test(test_tunnel_name_and_cookie),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
