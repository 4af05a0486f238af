// SPDX-License-Identifier: Apache-2.0
/* The bridge plugin's config parsing (defaults, every field, the reference's error texts), MAC
 * precedence, veth naming, and the gateway arithmetic of ADD. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "basic/json-util.h"
#include "plugins/bridge/bridge-config.h"

static int parse_args(const char *text, const char *cni_args, struct bridge_config **ret,
		      struct cni_error *err)
{
	_cleanup_json_ json_t *j = json_loads(text, 0, NULL);
	struct cni_args a = {};
	int r;

	assert_non_null(j);
	if (cni_args) {
		assert_int_equal(cni_args_parse(cni_args, &a, err), 0);
		r = bridge_config_parse(j, &a, ret, err);
		cni_args_done(&a);
		return r;
	}
	return bridge_config_parse(j, NULL, ret, err);
}

static struct bridge_config *ok(const char *text)
{
	struct bridge_config *c = NULL;
	struct cni_error err = {};

	if (parse_args(text, NULL, &c, &err) < 0)
		fail_msg("unexpected error: %s", err.msg);
	assert_non_null(c);
	return c;
}

static void bad(const char *text, const char *msg)
{
	struct bridge_config *c = NULL;
	struct cni_error err = {};

	assert_true(parse_args(text, NULL, &c, &err) < 0);
	assert_null(c);
	assert_int_equal(err.code, CNI_ERR_INVALID_CONFIG);
	if (msg && !strstr(err.msg, msg))
		fail_msg("error \"%s\" lacks \"%s\"", err.msg, msg);
}

static void test_defaults(void **state)
{
	_cleanup_(bridge_config_freep) struct bridge_config *c =
		ok("{\"name\":\"n\",\"type\":\"bridge\"}");

	assert_string_equal(c->bridge, "cni0");
	assert_false(c->is_gw);
	assert_false(c->is_default_gw);
	assert_false(c->force_address);
	assert_false(c->ip_masq);
	assert_int_equal(c->mtu, 0);
	assert_false(c->hairpin);
	assert_false(c->promisc);
	assert_int_equal(c->vlan, 0);
	assert_false(c->has_trunk);
	assert_true(c->preserve_default_vlan);
	assert_false(c->macspoofchk);
	assert_false(c->enabledad);
	assert_false(c->disable_container_interface);
	assert_false(c->port_isolation);
	assert_null(c->ipam_type);
	assert_false(c->has_mac);
	assert_false(c->has_dns);
}

static void test_all_fields(void **state)
{
	_cleanup_(bridge_config_freep) struct bridge_config *c = ok(
		"{\"name\":\"n\",\"type\":\"bridge\",\"bridge\":\"br-x\",\"isDefaultGateway\":true,"
		"\"forceAddress\":true,\"ipMasq\":true,\"ipMasqBackend\":\"nftables\",\"mtu\":1400,"
		"\"hairpinMode\":true,\"vlan\":7,\"preserveDefaultVlan\":false,"
		"\"macspoofchk\":true,"
		"\"enabledad\":true,\"portIsolation\":true,\"ipam\":{\"type\":\"host-local\"},"
		"\"dns\":{\"nameservers\":[\"10.0.0.10\"],\"domain\":\"d\",\"search\":[\"s\"],"
		"\"options\":[\"ndots:2\"]}}");

	assert_string_equal(c->bridge, "br-x");
	assert_true(c->is_gw); /* implied */
	assert_true(c->is_default_gw);
	assert_true(c->force_address);
	assert_true(c->ip_masq);
	assert_int_equal(c->mtu, 1400);
	assert_true(c->hairpin);
	assert_int_equal(c->vlan, 7);
	assert_false(c->preserve_default_vlan);
	assert_true(c->macspoofchk);
	assert_true(c->enabledad);
	assert_true(c->port_isolation);
	assert_string_equal(c->ipam_type, "host-local");
	assert_true(c->has_dns);
	assert_string_equal(c->dns.nameservers[0], "10.0.0.10");
	assert_null(c->dns.nameservers[1]);
	assert_string_equal(c->dns.domain, "d");
	assert_string_equal(c->dns.search[0], "s");
	assert_string_equal(c->dns.options[0], "ndots:2");
}

static void test_go_json_quirks(void **state)
{
	/* Go's decoder matches keys case-insensitively and treats null as absent. */
	_cleanup_(bridge_config_freep) struct bridge_config *c = ok(
		"{\"name\":\"n\",\"IsGateway\":true,\"MTU\":9000,\"bridge\":null,\"vlan\":null,"
		"\"ipam\":{},\"dns\":{\"nameservers\":[]}}");

	assert_true(c->is_gw);
	assert_int_equal(c->mtu, 9000);
	assert_string_equal(c->bridge, "cni0");
	assert_null(c->ipam_type); /* empty ipam: layer 2 */
	assert_false(c->has_dns);  /* no field set: IPAM's DNS is kept */
}

static void test_errors(void **state)
{
	bad("{\"vlan\":-1}", "invalid VLAN ID -1 (must be between 0 and 4094)");
	bad("{\"vlan\":4095}", "invalid VLAN ID 4095 (must be between 0 and 4094)");
	bad("{\"vlan\":\"3\"}", "vlan");
	bad("{\"mtu\":\"x\"}", "failed to load netconf: json: cannot unmarshal string into Go "
			       "struct field NetConf.mtu of type int");
	bad("{\"hairpinMode\":1}", "cannot unmarshal number into Go struct field "
				   "NetConf.hairpinMode of type bool");
	bad("{\"mtu\":1500.5}", "mtu");
	bad("{\"mtu\":-1}", "invalid MTU");
	bad("{\"isGateway\":\"true\"}", "isGateway");
	bad("{\"portIsolation\":\"true\"}", "portIsolation");
	bad("{\"bridge\":\"a/b\"}", "invalid bridge name");
	bad("{\"bridge\":\"0123456789abcdef\"}", "invalid bridge name");
	bad("{\"bridge\":\"..\"}", "invalid bridge name");
	bad("{\"ipam\":[]}", "ipam");
	bad("{\"ipMasqBackend\":\"ebtables\"}", "unknown ipMasqBackend");
	bad("{\"dns\":{\"nameservers\":\"x\"}}", "nameservers");
	bad("{\"runtimeConfig\":{\"mac\":\"zz:11:22:33:44:55\"}}", "invalid MAC address");
	bad("{\"args\":{\"cni\":{\"mac\":\"c2:11:22:33:44\"}}}", "invalid MAC address");
}

static void test_trunk(void **state)
{
	_cleanup_(bridge_config_freep) struct bridge_config *c = ok(
		"{\"vlanTrunk\":[{\"id\":30},{\"minID\":10,\"maxID\":12},{\"id\":11},{\"id\":1}]}");
	static const uint16_t want[] = { 1, 10, 11, 12, 30 };

	assert_true(c->has_trunk);
	assert_int_equal(c->n_trunk, 5);
	assert_memory_equal(c->trunk, want, sizeof(want));

	bad("{\"vlanTrunk\":[{\"minID\":0,\"maxID\":3}]}", "incorrect trunk minID parameter");
	bad("{\"vlanTrunk\":[{\"minID\":3,\"maxID\":4095}]}", "incorrect trunk maxID parameter");
	bad("{\"vlanTrunk\":[{\"minID\":5,\"maxID\":3}]}",
	    "minID is greater than maxID in trunk parameter");
	bad("{\"vlanTrunk\":[{\"maxID\":3}]}",
	    "minID and maxID should be configured simultaneously, minID is missing");
	bad("{\"vlanTrunk\":[{\"minID\":3}]}",
	    "minID and maxID should be configured simultaneously, maxID is missing");
	bad("{\"vlanTrunk\":[{\"id\":0}]}", "incorrect trunk id parameter");
	bad("{\"vlanTrunk\":[{\"id\":5000}]}", "incorrect trunk id parameter");
	bad("{\"vlanTrunk\":[null]}", "vlanTrunk");
	bad("{\"vlan\":2,\"vlanTrunk\":[{\"id\":3}]}",
	    "cannot set vlan and vlanTrunk at the same time");
}

static void test_empty_trunk(void **state)
{
	/* Present but empty: no VIDs, yet (as in the reference) vlan filtering at creation. */
	_cleanup_(bridge_config_freep) struct bridge_config *c =
		ok("{\"vlan\":3,\"vlanTrunk\":[]}");

	assert_true(c->has_trunk);
	assert_int_equal(c->n_trunk, 0);
	assert_int_equal(c->vlan, 3);
}

static void test_mac_precedence(void **state)
{
	struct bridge_config *c = NULL;
	struct cni_error err = {};

	assert_int_equal(parse_args("{}", "MAC=C2:11:22:33:44:01", &c, &err), 0);
	assert_true(c->has_mac);
	assert_string_equal(c->mac_str, "c2:11:22:33:44:01");
	c = bridge_config_free(c);

	assert_int_equal(parse_args("{\"args\":{\"cni\":{\"mac\":\"c2-11-22-33-44-02\"}}}",
				    "MAC=c2:11:22:33:44:01", &c, &err), 0);
	assert_string_equal(c->mac_str, "c2:11:22:33:44:02");
	c = bridge_config_free(c);

	assert_int_equal(parse_args("{\"args\":{\"cni\":{\"mac\":\"c2:11:22:33:44:02\"}},"
				    "\"runtimeConfig\":{\"mac\":\"c211.2233.4403\"}}",
				    "MAC=c2:11:22:33:44:01", &c, &err), 0);
	assert_string_equal(c->mac_str, "c2:11:22:33:44:03");
	assert_int_equal(c->mac[5], 3);
	c = bridge_config_free(c);

	/* CNI_ARGS: only MAC (and IgnoreUnknown) are known, as in the reference. */
	assert_true(parse_args("{}", "IP=10.0.0.2", &c, &err) < 0);
	assert_int_equal(err.code, CNI_ERR_INVALID_ENV);
	assert_int_equal(parse_args("{}", "IgnoreUnknown=true;IP=10.0.0.2", &c, &err), 0);
	assert_false(c->has_mac);
	c = bridge_config_free(c);

	/* DEL passes no args: an unknown key cannot block teardown. */
	assert_int_equal(parse_args("{}", NULL, &c, &err), 0);
	bridge_config_free(c);
}

static void test_vid_ranges(void **state)
{
	static const uint16_t vids[] = { 1, 5, 10, 11, 12, 4093, 4094 };
	struct bridge_vid_range r[ELEMENTSOF(vids)];

	assert_int_equal(bridge_vid_ranges(vids, ELEMENTSOF(vids), r), 4);
	assert_int_equal(r[0].first, 1);
	assert_int_equal(r[0].last, 1);
	assert_int_equal(r[1].first, 5);
	assert_int_equal(r[1].last, 5);
	assert_int_equal(r[2].first, 10);
	assert_int_equal(r[2].last, 12);
	assert_int_equal(r[3].first, 4093);
	assert_int_equal(r[3].last, 4094);
	assert_int_equal(bridge_vid_ranges(vids, 0, r), 0);
}

static void test_veth_name(void **state)
{
	char a[BRIDGE_IFNAMSIZ], b[BRIDGE_IFNAMSIZ];

	assert_int_equal(bridge_random_veth_name(a), 0);
	assert_int_equal(bridge_random_veth_name(b), 0);
	assert_int_equal(strlen(a), 12);
	assert_memory_equal(a, "veth", 4);
	assert_int_equal(strspn(a + 4, "0123456789abcdef"), 8);
	assert_string_not_equal(a, b);
}

static void add_ip(struct cni_result *r, const char *addr, const char *gw)
{
	struct ip_prefix p;
	struct ip_addr g;

	assert_int_equal(ip_prefix_parse(addr, &p), 0);
	if (gw)
		assert_int_equal(ip_addr_parse(gw, &g), 0);
	assert_true(cni_result_add_ip(r, &p, gw ? &g : NULL, -1) >= 0);
}

static void test_calc_gateways(void **state)
{
	_cleanup_(cni_result_freep) struct cni_result *r = cni_result_new();
	_cleanup_(bridge_config_freep) struct bridge_config *c =
		ok("{\"isDefaultGateway\":true}");
	struct ip_prefix gws[4];
	char buf[IP_PREFIX_STRLEN];
	struct ip_prefix def6 = { .addr = { .family = AF_INET6 } };
	struct ip_addr gw6;
	size_t n = 0;

	/* IPv6 first in the result: bridge addresses still come IPv4 first. */
	add_ip(r, "fd00::5/64", NULL);
	add_ip(r, "10.1.2.5/24", NULL);
	add_ip(r, "10.1.3.7/24", "10.1.3.254");
	/* An IPv6 default route with a gateway exists: no second one is added. */
	assert_int_equal(ip_addr_parse("fd00::fe", &gw6), 0);
	assert_true(cni_result_add_route(r, &def6, &gw6) >= 0);

	assert_int_equal(bridge_calc_gateways(r, c, gws, &n), 0);
	for (size_t i = 0; i < r->n_ips; i++)
		assert_int_equal(r->ips[i].interface, 2);
	assert_string_equal(ip_addr_to_string(&r->ips[0].gateway, buf), "fd00::1");
	assert_string_equal(ip_addr_to_string(&r->ips[1].gateway, buf), "10.1.2.1");
	assert_string_equal(ip_addr_to_string(&r->ips[2].gateway, buf), "10.1.3.254");
	assert_int_equal(n, 3);
	assert_string_equal(ip_prefix_to_string(&gws[0], buf), "10.1.2.1/24");
	assert_string_equal(ip_prefix_to_string(&gws[1], buf), "10.1.3.254/24");
	assert_string_equal(ip_prefix_to_string(&gws[2], buf), "fd00::1/64");
	/* One IPv4 default route via the first IPv4 gateway, appended after the existing one. */
	assert_int_equal(r->n_routes, 2);
	assert_string_equal(ip_prefix_to_string(&r->routes[1].dst, buf), "0.0.0.0/0");
	assert_string_equal(ip_addr_to_string(&r->routes[1].gw, buf), "10.1.2.1");
}

static void test_calc_gateways_not_gw(void **state)
{
	_cleanup_(cni_result_freep) struct cni_result *r = cni_result_new();
	_cleanup_(bridge_config_freep) struct bridge_config *c = ok("{}");
	struct ip_prefix gws[1];
	size_t n = 7;

	add_ip(r, "10.1.2.5/24", NULL);
	assert_int_equal(bridge_calc_gateways(r, c, gws, &n), 0);
	assert_int_equal(n, 0);
	assert_int_equal(r->ips[0].gateway.family, 0); /* not derived without isGateway */
	assert_int_equal(r->ips[0].interface, 2);
	assert_int_equal(r->n_routes, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_defaults),
		cmocka_unit_test(test_all_fields),
		cmocka_unit_test(test_go_json_quirks),
		cmocka_unit_test(test_errors),
		cmocka_unit_test(test_trunk),
		cmocka_unit_test(test_empty_trunk),
		cmocka_unit_test(test_mac_precedence),
		cmocka_unit_test(test_vid_ranges),
		cmocka_unit_test(test_veth_name),
		cmocka_unit_test(test_calc_gateways),
		cmocka_unit_test(test_calc_gateways_not_gw),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
