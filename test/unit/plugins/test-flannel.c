// SPDX-License-Identifier: Apache-2.0
/*
 * flannel CNI plugin, pure part: subnet.env parsing (comma lists, missing
 * keys, Go's value rules), the delegate config (golden files, the reference
 * example of flannel.md §10 byte for byte), the host-local-only fallback and
 * Go encoding/json rendering. UPDATE_GOLDEN=1 rewrites the golden files.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "basic/fileio.h"
#include "basic/json-util.h"
#include "flannel-conf.h"
#include "gojson.h"

static const char *golden_dir;

static void check_golden(const char *name, const char *got)
{
	_cleanup_free_ char *path = NULL, *want = NULL;
	size_t len;

	assert_true(asprintf(&path, "%s/%s", golden_dir, name) > 0);
	if (getenv("UPDATE_GOLDEN")) {
		assert_int_equal(write_file_atomic(path, got, strlen(got), 0644), 0);
		return;
	}
	if (read_full_file(path, 1 << 20, &want, &len) < 0)
		fail_msg("missing golden file %s (run with UPDATE_GOLDEN=1)", path);
	assert_string_equal(got, want);
}

static void env_ok(const char *text, struct flannel_env *e)
{
	struct cni_error err = {};
	int r = flannel_env_parse(text, strlen(text), "subnet.env", e, &err);

	if (r < 0)
		fail_msg("parse failed: %s", err.msg);
}

static void env_fails_len(const char *text, size_t len, const char *msg)
{
	struct flannel_env e = {};
	struct cni_error err = {};

	assert_int_equal(flannel_env_parse(text, len, "/run/flannel/subnet.env", &e, &err),
			 -EINVAL);
	assert_string_equal(err.msg, msg);
	assert_int_equal(err.code, CNI_ERR_INVALID_CONFIG);
}

static void env_fails(const char *text, const char *msg)
{
	env_fails_len(text, strlen(text), msg);
}

static void assert_prefix(const struct ip_prefix *p, const char *want)
{
	char buf[IP_PREFIX_STRLEN];

	assert_string_equal(ip_prefix_to_string(p, buf), want);
}

static const char manifest_env[] = "FLANNEL_NETWORK=10.244.0.0/16\n"
				   "FLANNEL_SUBNET=10.244.1.1/24\n"
				   "FLANNEL_MTU=1450\n"
				   "FLANNEL_IPMASQ=true\n";

static void test_env_basic(void **state)
{
	struct flannel_env e = {};

	env_ok(manifest_env, &e);
	assert_int_equal(e.n_networks, 1);
	assert_prefix(&e.networks[0], "10.244.0.0/16");
	assert_true(e.has_subnet);
	/* the subnet's .1 in the file, the network in the ranges */
	assert_prefix(&e.subnet, "10.244.1.0/24");
	assert_false(e.has_subnet6);
	assert_int_equal(e.n_networks6, 0);
	assert_int_equal(e.mtu, 1450);
	assert_true(e.ipmasq);
	flannel_env_done(&e);
}

static void test_env_lists(void **state)
{
	struct flannel_env e = {};

	/* comma lists, repeats (also in another spelling of the same network) dropped */
	env_ok("FLANNEL_NETWORK=10.42.0.0/16,10.43.0.0/16,10.42.7.1/16\r\n"
	       "FLANNEL_SUBNET=10.42.3.1/24\r\n"
	       "FLANNEL_IPV6_NETWORK=2001:cafe:42::/56,2001:CAFE:42::1/56,fd00::/8\r\n"
	       "FLANNEL_IPV6_SUBNET=2001:cafe:42::1/64\r\n"
	       "FLANNEL_MTU=8951\r\n"
	       "FLANNEL_IPMASQ=false",
	       &e);
	assert_int_equal(e.n_networks, 2);
	assert_prefix(&e.networks[0], "10.42.0.0/16");
	assert_prefix(&e.networks[1], "10.43.0.0/16");
	assert_int_equal(e.n_networks6, 2);
	assert_prefix(&e.networks6[0], "2001:cafe:42::/56");
	assert_prefix(&e.networks6[1], "fd00::/8");
	assert_prefix(&e.subnet, "10.42.3.0/24");
	assert_prefix(&e.subnet6, "2001:cafe:42::/64");
	assert_int_equal(e.mtu, 8951);
	assert_false(e.ipmasq);
	flannel_env_done(&e);
}

static void test_env_rules(void **state)
{
	struct flannel_env e = {};

	/* unknown keys and comments ignored, the later of two lines wins, only "true" is
	 * true, the value is everything after the first '=' */
	env_ok("# written by hand\n"
	       "FLANNEL_NETWORK=10.1.0.0/16\n"
	       "FLANNEL_NETWORK=10.2.0.0/16\n"
	       "OTHER=a=b\n"
	       "\n"
	       "FLANNEL_IPV6_SUBNET=fd00:1::1/64\n"
	       "FLANNEL_MTU=0\n"
	       "FLANNEL_IPMASQ=True\n",
	       &e);
	assert_int_equal(e.n_networks, 1);
	assert_prefix(&e.networks[0], "10.2.0.0/16");
	/* one family is enough */
	assert_false(e.has_subnet);
	assert_true(e.has_subnet6);
	assert_int_equal(e.mtu, 0);
	assert_false(e.ipmasq);
	flannel_env_done(&e);

	env_ok("FLANNEL_IPV6_NETWORK=fd00::/16\nFLANNEL_SUBNET=10.0.0.1/24\n"
	       "FLANNEL_MTU=4294967295\nFLANNEL_IPMASQ=true",
	       &e);
	assert_int_equal(e.n_networks, 0);
	assert_int_equal(e.n_networks6, 1);
	assert_int_equal(e.mtu, 4294967295u);
	flannel_env_done(&e);
}

static void test_env_missing(void **state)
{
	env_fails("", "/run/flannel/subnet.env is missing FLANNEL_NETWORK, FLANNEL_IPV6_NETWORK, "
		      "FLANNEL_SUBNET, FLANNEL_IPV6_SUBNET, FLANNEL_MTU, FLANNEL_IPMASQ");
	env_fails("FLANNEL_NETWORK=10.244.0.0/16\nFLANNEL_SUBNET=10.244.1.1/24\n",
		  "/run/flannel/subnet.env is missing FLANNEL_MTU, FLANNEL_IPMASQ");
	env_fails("FLANNEL_SUBNET=10.244.1.1/24\nFLANNEL_MTU=1450\nFLANNEL_IPMASQ=true\n",
		  "/run/flannel/subnet.env is missing FLANNEL_NETWORK, FLANNEL_IPV6_NETWORK");
	env_fails("FLANNEL_NETWORK=10.244.0.0/16\nFLANNEL_MTU=1450\nFLANNEL_IPMASQ=true\n",
		  "/run/flannel/subnet.env is missing FLANNEL_SUBNET, FLANNEL_IPV6_SUBNET");
	/* keys are case-sensitive */
	env_fails("flannel_network=10.244.0.0/16\nFLANNEL_SUBNET=10.244.1.1/24\n"
		  "FLANNEL_MTU=1450\nFLANNEL_IPMASQ=true\n",
		  "/run/flannel/subnet.env is missing FLANNEL_NETWORK, FLANNEL_IPV6_NETWORK");
}

static void test_env_bad_values(void **state)
{
	env_fails("FLANNEL_NETWORK=10.244.0.0/16,\n", "invalid CIDR address: ");
	env_fails("FLANNEL_NETWORK=10.244.0.0\n", "invalid CIDR address: 10.244.0.0");
	env_fails("FLANNEL_SUBNET= 10.244.1.1/24\n", "invalid CIDR address:  10.244.1.1/24");
	env_fails("FLANNEL_IPV6_SUBNET=fd00::1/129\n", "invalid CIDR address: fd00::1/129");
	env_fails("FLANNEL_MTU=abc\n", "strconv.ParseUint: parsing \"abc\": invalid syntax");
	env_fails("FLANNEL_MTU=-1\n", "strconv.ParseUint: parsing \"-1\": invalid syntax");
	env_fails("FLANNEL_MTU=\n", "strconv.ParseUint: parsing \"\": invalid syntax");
	env_fails("FLANNEL_MTU=4294967296\n",
		  "strconv.ParseUint: parsing \"4294967296\": value out of range");
	env_fails("FLANNEL_MTU\n", "FLANNEL_MTU has no value");
	env_fails_len("FLANNEL_MTU=1450\0junk", 21, "/run/flannel/subnet.env: not a text file");
}

static void test_env_load(void **state)
{
	struct flannel_env e = {};
	struct cni_error err = {};

	assert_int_equal(flannel_env_load("/nonexistent/subnet.env", &e, &err), -ENOENT);
	assert_int_equal(err.code, CNI_ERR_IO);
	assert_non_null(strstr(err.msg, "open /nonexistent/subnet.env: "));
}

static json_t *conf_json(const char *text)
{
	json_error_t je;
	json_t *j = json_loads(text, 0, &je);

	if (!j)
		fail_msg("bad test JSON: %s", je.text);
	return j;
}

/* Build the delegate for config text + subnet.env text; the bytes, or NULL with err. */
static char *build(const char *conf_text, const char *env_text, struct cni_error *err)
{
	_cleanup_json_ json_t *conf = conf_json(conf_text), *d = NULL;
	struct flannel_env e = {};
	struct flannel_conf c;
	char *out = NULL;

	if (flannel_conf_parse(conf, &c, err) < 0)
		return NULL;
	env_ok(env_text, &e);
	if (flannel_delegate_build(&c, &e, &d, err) == 0) {
		out = flannel_delegate_dumps(d);
		assert_non_null(out);
	}
	flannel_env_done(&e);
	return out;
}

static void test_delegate_manifest(void **state)
{
	/* flannel.md §10: the kube-flannel manifest's conflist, plugin 0 as libcni passes it */
	static const char conf[] = "{\"cniVersion\":\"0.3.1\",\"name\":\"cbr0\","
				   "\"type\":\"flannel\","
				   "\"delegate\":{\"hairpinMode\":true,\"isDefaultGateway\":true}}";
	static const char reference[] =
		"{\"cniVersion\":\"0.3.1\",\"hairpinMode\":true,\"ipMasq\":false,\"ipam\":"
		"{\"ranges\":[[{\"subnet\":\"10.244.1.0/24\"}]],\"routes\":[{\"dst\":"
		"\"10.244.0.0/16\"}],\"type\":\"host-local\"},\"isDefaultGateway\":true,"
		"\"isGateway\":true,\"mtu\":1450,\"name\":\"cbr0\",\"type\":\"bridge\"}";
	struct cni_error err = {};
	_cleanup_free_ char *got = build(conf, manifest_env, &err);

	assert_non_null(got);
	assert_string_equal(got, reference);
	check_golden("manifest-delegate.json", got);
}

static void test_delegate_golden(void **state)
{
	static const struct {
		const char *golden, *conf, *env;
	} cases[] = {
		/* the smallest config: no cniVersion key, defaults everywhere */
		{ "minimal-delegate.json", "{\"name\":\"mynet\",\"type\":\"flannel\"}",
		  "FLANNEL_NETWORK=10.1.0.0/16\nFLANNEL_SUBNET=10.1.17.1/24\nFLANNEL_MTU=1472\n"
		  "FLANNEL_IPMASQ=false\n" },
		/* dual stack with lists; input ipam keys kept, its routes normalised and first;
		 * delegate values win over the defaults; runtimeConfig copied */
		{ "dualstack-delegate.json",
		  "{\"cniVersion\":\"1.0.0\",\"name\":\"k8s-pod-network\",\"type\":\"flannel\","
		  "\"subnetFile\":\"/x/subnet.env\",\"dataDir\":\"/x/data\","
		  "\"delegate\":{\"bridge\":\"kube0\",\"mtu\":1400,\"ipMasq\":true,"
		  "\"forceAddress\":false,\"cniVersion\":\"0.1.0\"},"
		  "\"ipam\":{\"dataDir\":\"/x/ipam\",\"ranges\":[[{\"subnet\":\"1.2.3.0/24\"}]],"
		  "\"routes\":[{\"dst\":\"192.168.7.9/16\",\"gw\":\"10.42.3.254\",\"mtu\":0,"
		  "\"priority\":5,\"table\":0,\"junk\":1},{\"dst\":\"2001:DB8:0:0::/32\","
		  "\"scope\":253,\"advmss\":1360,\"gw\":null}]},"
		  "\"runtimeConfig\":{\"portMappings\":[{\"hostPort\":80,\"containerPort\":8080}],"
		  "\"bandwidth\":{\"ingressRate\":1.5e9}},"
		  "\"capabilities\":{\"portMappings\":true},"
		  "\"prevResult\":{\"cniVersion\":\"1.0.0\"}}",
		  "FLANNEL_NETWORK=10.42.0.0/16,10.43.0.0/16,10.42.0.0/16\n"
		  "FLANNEL_SUBNET=10.42.3.1/24\n"
		  "FLANNEL_IPV6_NETWORK=2001:cafe:42::/56\n"
		  "FLANNEL_IPV6_SUBNET=2001:cafe:42:0:1::1/64\n"
		  "FLANNEL_MTU=1450\nFLANNEL_IPMASQ=true\n" },
		/* another delegate type: no isGateway; a custom IPAM type kept; IPv6 only;
		 * strings with characters Go escapes */
		{ "ipvlan-delegate.json",
		  "{\"cniVersion\":\"0.4.0\",\"name\":\"v6net\",\"type\":\"flannel\","
		  "\"delegate\":{\"type\":\"ipvlan\",\"master\":\"eth0\","
		  "\"note\":\"a<b>&c\\u2028\\u0001\\t\\\"\"},"
		  "\"ipam\":{\"type\":\"whereabouts\"}}",
		  "FLANNEL_IPV6_NETWORK=fd42::/48\nFLANNEL_IPV6_SUBNET=fd42:0:0:7::1/64\n"
		  "FLANNEL_MTU=1430\nFLANNEL_IPMASQ=true\n" },
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct cni_error err = {};
		_cleanup_free_ char *got = build(cases[i].conf, cases[i].env, &err);

		if (!got)
			fail_msg("%s: %s", cases[i].golden, err.msg);
		check_golden(cases[i].golden, got);
	}
}

static void test_delegate_errors(void **state)
{
	static const struct {
		const char *conf, *msg;
	} cases[] = {
		{ "{\"name\":\"n\",\"delegate\":{\"type\":5}}",
		  "'delegate' dictionary, if present, must have (string) 'type' field" },
		{ "{\"name\":\"n\",\"delegate\":{\"name\":\"x\"}}",
		  "'delegate' dictionary must not have 'name' field, it'll be set by flannel" },
		{ "{\"name\":\"n\",\"delegate\":{\"ipam\":{}}}",
		  "'delegate' dictionary must not have 'ipam' field, it'll be set by flannel" },
		{ "{\"name\":\"n\",\"ipam\":{\"routes\":{}}}",
		  "failed to assemble Delegate IPAM: failed to read IPAM routes: failed to parse "
		  "ipam.routes: json: cannot unmarshal object into Go value of type "
		  "[]types.Route" },
		{ "{\"name\":\"n\",\"ipam\":{\"routes\":[{\"dst\":\"10.0.0.0\"}]}}",
		  "failed to assemble Delegate IPAM: failed to read IPAM routes: failed to parse "
		  "ipam.routes: invalid CIDR address: 10.0.0.0" },
		{ "{\"name\":\"n\",\"ipam\":{\"routes\":[{\"dst\":\"10.0.0.0/8\",\"gw\":\"x\"}]}}",
		  "failed to assemble Delegate IPAM: failed to read IPAM routes: failed to parse "
		  "ipam.routes: invalid IP address: x" },
		{ "{\"name\":\"n\",\"ipam\":{\"routes\":[{\"dst\":\"10.0.0.0/8\",\"mtu\":\"1\"}]}}",
		  "failed to assemble Delegate IPAM: failed to read IPAM routes: failed to parse "
		  "ipam.routes: json: cannot unmarshal string into Go struct field route.mtu of "
		  "type int" },
		{ "{\"name\":\"n\",\"delegate\":\"bridge\"}",
		  "failed to load netconf: json: cannot unmarshal string into Go struct field "
		  "NetConf.delegate of type map[string]interface {}" },
		{ "{\"name\":\"n\",\"subnetFile\":5}",
		  "failed to load netconf: json: cannot unmarshal number into Go struct field "
		  "NetConf.subnetFile of type string" },
		{ "{\"name\":\"n\",\"ipam\":[]}",
		  "failed to load netconf: json: cannot unmarshal array into Go struct field "
		  "NetConf.ipam of type map[string]interface {}" },
		{ "{\"name\":\"n\",\"runtimeConfig\":true}",
		  "failed to load netconf: json: cannot unmarshal bool into Go struct field "
		  "NetConf.runtimeConfig of type map[string]interface {}" },
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct cni_error err = {};
		_cleanup_free_ char *got = build(cases[i].conf, manifest_env, &err);

		if (got)
			fail_msg("case %zu built: %s", i, got);
		assert_string_equal(err.msg, cases[i].msg);
		assert_int_equal(err.code, CNI_ERR_INVALID_CONFIG);
	}
}

static void test_conf_defaults(void **state)
{
	_cleanup_json_ json_t *j = conf_json("{\"cniVersion\":\"\",\"subnetFile\":\"\","
					     "\"dataDir\":null,\"delegate\":null}");
	struct cni_error err = {};
	struct flannel_conf c;

	assert_int_equal(flannel_conf_parse(j, &c, &err), 0);
	assert_string_equal(c.subnet_file, "/run/flannel/subnet.env");
	assert_string_equal(c.data_dir, "/var/lib/cni/flannel");
	assert_string_equal(c.name, "");
	assert_null(c.cni_version);
	assert_null(c.delegate);
	assert_null(c.ipam);
	assert_null(c.runtime_config);

	json_decref(j);
	j = conf_json("{\"name\":\"x\",\"cniVersion\":\"1.1.0\",\"subnetFile\":\"/a\","
		      "\"dataDir\":\"/b\"}");
	assert_int_equal(flannel_conf_parse(j, &c, &err), 0);
	assert_string_equal(c.subnet_file, "/a");
	assert_string_equal(c.data_dir, "/b");
	assert_string_equal(c.name, "x");
	assert_string_equal(c.cni_version, "1.1.0");
}

static void test_ipam_only(void **state)
{
	_cleanup_json_ json_t *j = NULL, *d = NULL;
	_cleanup_free_ char *s = NULL;
	struct cni_error err = {};
	struct flannel_conf c;

	j = conf_json("{\"cniVersion\":\"1.0.0\",\"name\":\"cbr0\","
		      "\"ipam\":{\"dataDir\":\"/x/ipam\",\"routes\":[{\"dst\":\"bogus\"}],"
		      "\"subnet\":\"10.0.0.0/8\"}}");
	assert_int_equal(flannel_conf_parse(j, &c, &err), 0);
	assert_int_equal(flannel_ipam_only_build(&c, &d, &err), 0);
	s = flannel_delegate_dumps(d);
	assert_string_equal(s, "{\"cniVersion\":\"1.0.0\",\"ipam\":{\"dataDir\":\"/x/ipam\","
			       "\"ranges\":[[{\"subnet\":\"192.0.2.0/24\"}]],"
			       "\"type\":\"host-local\"},\"name\":\"cbr0\"}");
	json_decref(j);
	json_decref(d);
	d = NULL;
	j = conf_json("{\"name\":\"cbr0\",\"ipam\":{\"type\":\"dhcp\"}}");
	assert_int_equal(flannel_conf_parse(j, &c, &err), 0);
	assert_int_equal(flannel_ipam_only_build(&c, &d, &err), -EOPNOTSUPP);
	assert_null(d);
}

static void test_gojson_floats(void **state)
{
	static const struct {
		double f;
		const char *s;
	} cases[] = {
		{ 0, "0" },
		{ -0.0, "-0" },
		{ 1450, "1450" },
		{ -3, "-3" },
		{ 1.5, "1.5" },
		{ 0.1, "0.1" },
		{ 1e20, "100000000000000000000" },
		{ 1e21, "1e+21" },
		{ 1.5e300, "1.5e+300" },
		{ 0.000001, "0.000001" },
		{ 0.0000001, "1e-7" },
		{ 1.25e-10, "1.25e-10" },
		{ 123456789012345678.0, "123456789012345680" },
		{ 9007199254740993.0, "9007199254740992" },
		{ 3.141592653589793, "3.141592653589793" },
		{ 100.5, "100.5" },
		{ 5e-324, "5e-324" },
		{ 1.7976931348623157e308, "1.7976931348623157e+308" },
	};
	char buf[32];

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		assert_string_equal(gojson_format_float(cases[i].f, buf), cases[i].s);
}

static bool all_structs(const json_t *o, void *userdata)
{
	return true;
}

static void test_gojson_dump(void **state)
{
	_cleanup_json_ json_t *j =
		conf_json("{\"z\":[1,2.5,null,true,false,{}],\"a\":\"<&>\\u2028\\u2029\\u00e9\\b\\f"
			  "\\n\\r\\t\\u001f\\u007f/\\\\\",\"m\":{\"y\":1,\"b\":[]},\"\":1e3}");
	_cleanup_free_ char *s = NULL, *t = NULL;

	s = gojson_dumps(j, NULL, NULL);
	assert_string_equal(s, "{\"\":1000,\"a\":\"\\u003c\\u0026\\u003e\\u2028\\u2029\xc3\xa9"
			       "\\b\\f\\n\\r\\t\\u001f\x7f/\\\\\",\"m\":{\"b\":[],\"y\":1},"
			       "\"z\":[1,2.5,null,true,false,{}]}");
	/* a Go struct keeps its field order */
	t = gojson_dumps(j, all_structs, NULL);
	assert_string_equal(t, "{\"z\":[1,2.5,null,true,false,{}],\"a\":\"\\u003c\\u0026\\u003e"
			       "\\u2028\\u2029\xc3\xa9\\b\\f\\n\\r\\t\\u001f\x7f/\\\\\","
			       "\"m\":{\"y\":1,\"b\":[]},\"\":1000}");
}

int main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_env_basic),
		cmocka_unit_test(test_env_lists),
		cmocka_unit_test(test_env_rules),
		cmocka_unit_test(test_env_missing),
		cmocka_unit_test(test_env_bad_values),
		cmocka_unit_test(test_env_load),
		cmocka_unit_test(test_delegate_manifest),
		cmocka_unit_test(test_delegate_golden),
		cmocka_unit_test(test_delegate_errors),
		cmocka_unit_test(test_conf_defaults),
		cmocka_unit_test(test_ipam_only),
		cmocka_unit_test(test_gojson_floats),
		cmocka_unit_test(test_gojson_dump),
	};

	golden_dir = argc > 1 ? argv[1] : "test/golden/flannel";
	return cmocka_run_group_tests(tests, NULL, NULL);
}
