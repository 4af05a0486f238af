// SPDX-License-Identifier: Apache-2.0
/*
 * ptp plugin, pure part: config parsing (defaults, types, ipMasqBackend, mtu range, DNS "set"
 * rule) and the ADD plan derived from a result (container routes via the gateway, IPAM routes
 * with the family's gateway filled in, host gateway addresses and host routes, deduplication,
 * a missing gateway refused).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <string.h>

#include "basic/json-util.h"
#include "plugins/ptp/ptp-config.h"

static struct ptp_config *parse_ok(const char *text)
{
	_cleanup_json_ json_t *j = json_loads(text, 0, NULL);
	struct cni_error err = {};
	struct ptp_config *c = NULL;

	assert_non_null(j);
	assert_int_equal(ptp_config_parse(j, &c, &err), 0);
	assert_non_null(c);
	return c;
}

static void parse_fails(const char *text, unsigned code, const char *needle)
{
	_cleanup_json_ json_t *j = json_loads(text, 0, NULL);
	struct cni_error err = {};
	struct ptp_config *c = NULL;

	assert_non_null(j);
	assert_true(ptp_config_parse(j, &c, &err) < 0);
	assert_null(c);
	assert_int_equal(err.code, code);
	if (!strstr(err.msg, needle))
		fail_msg("\"%s\" not in \"%s\"", needle, err.msg);
}

static void test_config_defaults(void **state)
{
	_cleanup_(ptp_config_freep) struct ptp_config *c =
		parse_ok("{\"cniVersion\":\"1.0.0\",\"name\":\"n\",\"type\":\"ptp\"}");

	assert_false(c->ip_masq);
	assert_int_equal(c->mtu, 0);
	assert_null(c->ipam_type);
	assert_false(c->has_dns);
}

static void test_config_fields(void **state)
{
	_cleanup_(ptp_config_freep) struct ptp_config *c = parse_ok(
		"{\"name\":\"n\",\"type\":\"ptp\",\"ipMasq\":true,\"ipMasqBackend\":\"nftables\","
		"\"mtu\":1400,\"ipam\":{\"type\":\"host-local\",\"subnet\":\"10.0.0.0/24\"},"
		"\"dns\":{\"nameservers\":[\"10.0.0.10\"],\"domain\":\"x.local\"}}");

	assert_true(c->ip_masq);
	assert_int_equal(c->mtu, 1400);
	assert_string_equal(c->ipam_type, "host-local");
	assert_true(c->has_dns);
	assert_string_equal(c->dns.nameservers[0], "10.0.0.10");
	assert_null(c->dns.nameservers[1]);
	assert_string_equal(c->dns.domain, "x.local");
}

static void test_config_go_rules(void **state)
{
	struct ptp_config *c;

	/* Go matches keys case-insensitively; an empty list is "set" (non-nil). */
	c = parse_ok("{\"IPMASQ\":true,\"MTU\":9000,\"dns\":{\"search\":[]}}");
	assert_true(c->ip_masq);
	assert_int_equal(c->mtu, 9000);
	assert_true(c->has_dns);
	ptp_config_free(c);
	/* An empty dns object and an empty ipam type are not set; null is absent. */
	c = parse_ok("{\"dns\":{\"domain\":\"\"},\"ipam\":{\"type\":\"\"},\"mtu\":null}");
	assert_false(c->has_dns);
	assert_null(c->ipam_type);
	ptp_config_free(c);
}

static void test_config_errors(void **state)
{
	parse_fails("{\"ipMasq\":\"true\"}", CNI_ERR_INVALID_CONFIG, "ipMasq");
	parse_fails("{\"mtu\":\"1400\"}", CNI_ERR_INVALID_CONFIG, "mtu");
	parse_fails("{\"mtu\":-1}", CNI_ERR_INVALID_CONFIG, "invalid MTU");
	parse_fails("{\"mtu\":70000}", CNI_ERR_INVALID_CONFIG, "invalid MTU");
	parse_fails("{\"ipMasqBackend\":\"ebtables\"}", CNI_ERR_INVALID_CONFIG,
		    "unknown ipMasqBackend");
	parse_fails("{\"ipam\":\"host-local\"}", CNI_ERR_INVALID_CONFIG, "ipam");
	parse_fails("{\"ipam\":{\"type\":7}}", CNI_ERR_INVALID_CONFIG, "type");
	parse_fails("{\"dns\":{\"nameservers\":\"1.1.1.1\"}}", CNI_ERR_INVALID_CONFIG,
		    "nameservers");
	parse_fails("{\"dns\":{\"search\":[1]}}", CNI_ERR_INVALID_CONFIG, "search");
	parse_fails("[]", CNI_ERR_DECODE, "netconf");
}

static void test_apply_dns(void **state)
{
	_cleanup_(ptp_config_freep) struct ptp_config *c =
		parse_ok("{\"dns\":{\"options\":[\"ndots:5\"]}}");
	_cleanup_(cni_result_freep) struct cni_result *r = cni_result_new();

	assert_non_null(r);
	r->dns.domain = strdup("from.ipam");
	ptp_config_apply_dns(c, r);
	assert_null(r->dns.domain);
	assert_string_equal(r->dns.options[0], "ndots:5");
	/* Handed over, not shared. */
	assert_null(c->dns.options);
}

static void add_ip(struct cni_result *r, const char *addr, const char *gw)
{
	struct ip_prefix p;
	struct ip_addr g = {};

	assert_int_equal(ip_prefix_parse(addr, &p), 0);
	if (gw)
		assert_int_equal(ip_addr_parse(gw, &g), 0);
	assert_true(cni_result_add_ip(r, &p, gw ? &g : NULL, 1) >= 0);
}

static void add_route(struct cni_result *r, const char *dst, const char *gw)
{
	struct ip_prefix p;
	struct ip_addr g = {};

	assert_int_equal(ip_prefix_parse(dst, &p), 0);
	if (gw)
		assert_int_equal(ip_addr_parse(gw, &g), 0);
	assert_true(cni_result_add_route(r, &p, gw ? &g : NULL) >= 0);
}

static void assert_route(const struct nl_route *rt, const char *dst, const char *gw,
			 const char *src, int oif, uint8_t scope)
{
	char d[IP_PREFIX_STRLEN], g[IP_ADDR_STRLEN], s[IP_ADDR_STRLEN];

	assert_string_equal(ip_prefix_to_string(&rt->dst, d), dst);
	if (gw)
		assert_string_equal(ip_addr_to_string(&rt->gw, g), gw);
	else
		assert_int_equal(rt->gw.family, 0);
	if (src)
		assert_string_equal(ip_addr_to_string(&rt->prefsrc, s), src);
	else
		assert_int_equal(rt->prefsrc.family, 0);
	assert_int_equal(rt->oif, oif);
	assert_int_equal(rt->scope, scope);
}

static void test_plan_dual_stack(void **state)
{
	_cleanup_(cni_result_freep) struct cni_result *r = cni_result_new();
	_cleanup_(ptp_plan_done) struct ptp_plan p = {};
	struct cni_error err = {};
	char s[IP_PREFIX_STRLEN];

	assert_non_null(r);
	add_ip(r, "10.1.2.5/24", "10.1.2.1");
	add_ip(r, "fd00::5/64", "fd00::1");
	add_route(r, "0.0.0.0/0", NULL);
	add_route(r, "::/0", NULL);
	add_route(r, "192.168.0.0/16", "10.1.2.254");
	r->routes[2].priority = 100;
	r->routes[2].mtu = 1300;
	assert_int_equal(ptp_plan_build(r, 7, 9, &p, &err), 0);

	assert_int_equal(p.n_cont_routes, 4);
	assert_route(&p.cont_routes[0], "10.1.2.1/32", NULL, "10.1.2.5", 7, RT_SCOPE_LINK);
	assert_route(&p.cont_routes[1], "10.1.2.0/24", "10.1.2.1", "10.1.2.5", 7,
		     RT_SCOPE_UNIVERSE);
	assert_route(&p.cont_routes[2], "fd00::1/128", NULL, "fd00::5", 7, RT_SCOPE_LINK);
	assert_route(&p.cont_routes[3], "fd00::/64", "fd00::1", "fd00::5", 7, RT_SCOPE_UNIVERSE);

	/* A route without a gateway goes via its family's; route attributes are kept. */
	assert_int_equal(p.n_ipam_routes, 3);
	assert_route(&p.ipam_routes[0], "0.0.0.0/0", "10.1.2.1", NULL, 7, RT_SCOPE_UNIVERSE);
	assert_route(&p.ipam_routes[1], "::/0", "fd00::1", NULL, 7, RT_SCOPE_UNIVERSE);
	assert_route(&p.ipam_routes[2], "192.168.0.0/16", "10.1.2.254", NULL, 7,
		     RT_SCOPE_UNIVERSE);
	assert_int_equal(p.ipam_routes[2].priority, 100);
	assert_int_equal(p.ipam_routes[2].mtu, 1300);

	assert_int_equal(p.n_host_addrs, 2);
	assert_string_equal(ip_prefix_to_string(&p.host_addrs[0].prefix, s), "10.1.2.1/32");
	assert_int_equal(p.host_addrs[0].ifindex, 9);
	assert_int_equal(p.host_addrs[0].flags, 0);
	assert_string_equal(ip_prefix_to_string(&p.host_addrs[1].prefix, s), "fd00::1/128");
	assert_int_equal(p.host_addrs[1].flags, IFA_F_NODAD);
	assert_int_equal(p.n_host_routes, 2);
	assert_route(&p.host_routes[0], "10.1.2.5/32", NULL, NULL, 9, RT_SCOPE_UNIVERSE);
	assert_route(&p.host_routes[1], "fd00::5/128", NULL, NULL, 9, RT_SCOPE_UNIVERSE);
}

static void test_plan_shared_gateway_and_host_prefix(void **state)
{
	_cleanup_(cni_result_freep) struct cni_result *r = cni_result_new();
	_cleanup_(ptp_plan_done) struct ptp_plan p = {};
	struct cni_error err = {};

	assert_non_null(r);
	/* Two addresses of one subnet behind one gateway: the shared parts are planned once. */
	add_ip(r, "10.1.2.5/24", "10.1.2.1");
	add_ip(r, "10.1.2.6/24", "10.1.2.1");
	/* A /32 is its own subnet: no subnet route for it. */
	add_ip(r, "10.9.9.9/32", "10.9.9.1");
	add_route(r, "0.0.0.0/0", NULL);
	add_route(r, "0.0.0.0/0", NULL);
	assert_int_equal(ptp_plan_build(r, 3, 4, &p, &err), 0);
	assert_int_equal(p.n_cont_routes, 5);
	assert_route(&p.cont_routes[2], "10.1.2.1/32", NULL, "10.1.2.6", 3, RT_SCOPE_LINK);
	assert_route(&p.cont_routes[4], "10.9.9.1/32", NULL, "10.9.9.9", 3, RT_SCOPE_LINK);
	assert_int_equal(p.n_ipam_routes, 1);
	assert_int_equal(p.n_host_addrs, 2);
	assert_int_equal(p.n_host_routes, 3);
}

static void test_plan_needs_gateway(void **state)
{
	_cleanup_(cni_result_freep) struct cni_result *r = cni_result_new();
	struct ptp_plan p = {};
	struct cni_error err = {};

	assert_non_null(r);
	add_ip(r, "10.1.2.5/24", "10.1.2.1");
	add_ip(r, "fd00::5/64", NULL);
	assert_true(ptp_plan_build(r, 1, 2, &p, &err) < 0);
	assert_int_equal(err.code, CNI_ERR_INVALID_CONFIG);
	assert_non_null(strstr(err.msg, "no IPv6 gateway for fd00::5/64"));
	assert_null(p.cont_routes);

	/* A route through a gateway of the other family is refused. */
	cni_result_free(r);
	r = cni_result_new();
	add_ip(r, "10.1.2.5/24", "10.1.2.1");
	add_route(r, "::/0", "10.1.2.254");
	assert_true(ptp_plan_build(r, 1, 2, &p, &err) < 0);
	assert_non_null(strstr(err.msg, "route ::/0 has a gateway of another family"));

	/* A gateway of the other family does not count. */
	cni_result_free(r);
	r = cni_result_new();
	add_ip(r, "10.1.2.5/24", "fd00::1");
	assert_true(ptp_plan_build(r, 1, 2, &p, &err) < 0);
}

static void test_veth_name(void **state)
{
	char a[PTP_IFNAMSIZ], b[PTP_IFNAMSIZ];

	assert_int_equal(ptp_random_veth_name(a), 0);
	assert_int_equal(ptp_random_veth_name(b), 0);
	assert_int_equal(strlen(a), 12);
	assert_memory_equal(a, "veth", 4);
	assert_int_equal(strspn(a + 4, "0123456789abcdef"), 8);
	assert_string_not_equal(a, b);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_config_defaults),
		cmocka_unit_test(test_config_fields),
		cmocka_unit_test(test_config_go_rules),
		cmocka_unit_test(test_config_errors),
		cmocka_unit_test(test_apply_dns),
		cmocka_unit_test(test_plan_dual_stack),
		cmocka_unit_test(test_plan_shared_gateway_and_host_prefix),
		cmocka_unit_test(test_plan_needs_gateway),
		cmocka_unit_test(test_veth_name),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
