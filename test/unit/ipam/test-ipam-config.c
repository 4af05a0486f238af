// SPDX-License-Identifier: Apache-2.0
/* host-local config validation: every rule with the reference's error text. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "basic/json-util.h"
#include "ipam/ipam-config.h"

static const char *golden;

static int parse(const char *text, const char *env_ip, struct ipam_config **ret, char *err)
{
	_cleanup_json_ json_t *j = json_loads(text, 0, NULL);

	assert_non_null(j);
	return ipam_config_parse(j, env_ip, ret, err);
}

static void expect_error(const char *ipam, const char *version, const char *msg)
{
	char text[4096], err[IPAM_ERR_MAX];
	struct ipam_config *c = NULL;

	snprintf(text, sizeof(text), "{\"cniVersion\":\"%s\",\"name\":\"n\",\"ipam\":%s}",
		 version, ipam);
	assert_int_equal(parse(text, NULL, &c, err), -EINVAL);
	assert_null(c);
	assert_string_equal(err, msg);
}

static struct ipam_config *expect_ok(const char *ipam, const char *version)
{
	char text[4096], err[IPAM_ERR_MAX];
	struct ipam_config *c = NULL;

	snprintf(text, sizeof(text), "{\"cniVersion\":\"%s\",\"name\":\"n\",\"ipam\":%s}",
		 version, ipam);
	if (parse(text, NULL, &c, err) < 0)
		fail_msg("unexpected error: %s", err);
	return c;
}

static const char *s(const struct ip_addr *a)
{
	static char buf[4][IP_ADDR_STRLEN];
	static int i;

	return ip_addr_to_string(a, buf[i++ % 4]);
}

static void test_defaults(void **state)
{
	_cleanup_(ipam_config_freep) struct ipam_config *c =
		expect_ok("{\"type\":\"host-local\",\"subnet\":\"10.1.2.0/24\"}", "1.0.0");

	assert_int_equal(c->n_sets, 1);
	assert_int_equal(c->sets[0].n_ranges, 1);
	assert_string_equal(s(&c->sets[0].ranges[0].start), "10.1.2.1");
	assert_string_equal(s(&c->sets[0].ranges[0].end), "10.1.2.254");
	assert_string_equal(s(&c->sets[0].ranges[0].gateway), "10.1.2.1");
	assert_string_equal(c->data_dir, "/var/lib/cni/networks");
	assert_string_equal(c->name, "n");
	assert_null(c->resolv_conf);
}

static void test_defaults_v6(void **state)
{
	_cleanup_(ipam_config_freep) struct ipam_config *c =
		expect_ok("{\"ranges\":[[{\"subnet\":\"fd00::/120\"}]]}", "1.0.0");

	/* No broadcast in IPv6: the last address is allocatable. */
	assert_string_equal(s(&c->sets[0].ranges[0].start), "fd00::1");
	assert_string_equal(s(&c->sets[0].ranges[0].end), "fd00::ff");
	assert_string_equal(s(&c->sets[0].ranges[0].gateway), "fd00::1");
}

static void test_explicit_fields(void **state)
{
	_cleanup_(ipam_config_freep) struct ipam_config *c = expect_ok(
		"{\"ranges\":[[{\"subnet\":\"10.0.0.0/16\",\"rangeStart\":\"10.0.1.0\","
		"\"rangeEnd\":\"10.0.1.255\",\"gateway\":\"10.0.0.254\"}]],"
		"\"dataDir\":\"/tmp/x\",\"resolvConf\":\"/etc/r\","
		"\"routes\":[{\"dst\":\"0.0.0.0/0\"},{\"dst\":\"10.9.0.5/8\",\"gw\":\"10.0.0.1\"}]}",
		"0.4.0");

	assert_string_equal(s(&c->sets[0].ranges[0].start), "10.0.1.0");
	assert_string_equal(s(&c->sets[0].ranges[0].end), "10.0.1.255");
	assert_string_equal(s(&c->sets[0].ranges[0].gateway), "10.0.0.254");
	assert_string_equal(c->data_dir, "/tmp/x");
	assert_string_equal(c->resolv_conf, "/etc/r");
	assert_int_equal(c->n_routes, 2);
	assert_int_equal(c->routes[0].gw.family, 0);
	/* Route destinations keep their host bits, as the reference prints them. */
	assert_string_equal(s(&c->routes[1].dst.addr), "10.9.0.5");
	assert_int_equal(c->routes[1].dst.len, 8);
	assert_string_equal(s(&c->routes[1].gw), "10.0.0.1");
}

static void test_set_order(void **state)
{
	char err[IPAM_ERR_MAX];
	struct ipam_config *c = NULL;

	/* ipRanges capability first, then the legacy subnet, then ranges. */
	assert_int_equal(parse("{\"cniVersion\":\"1.0.0\",\"name\":\"n\","
			       "\"runtimeConfig\":{\"ipRanges\":[[{\"subnet\":\"10.3.0.0/24\"}]]},"
			       "\"ipam\":{\"subnet\":\"10.1.0.0/24\","
			       "\"ranges\":[[{\"subnet\":\"10.2.0.0/24\"}]]}}",
			       NULL, &c, err),
			 0);
	assert_int_equal(c->n_sets, 3);
	assert_string_equal(s(&c->sets[0].ranges[0].subnet.addr), "10.3.0.0");
	assert_string_equal(s(&c->sets[1].ranges[0].subnet.addr), "10.1.0.0");
	assert_string_equal(s(&c->sets[2].ranges[0].subnet.addr), "10.2.0.0");
	ipam_config_free(c);
}

static void test_requested(void **state)
{
	char err[IPAM_ERR_MAX];
	struct ipam_config *c = NULL;

	assert_int_equal(parse("{\"cniVersion\":\"1.0.0\",\"name\":\"n\","
			       "\"args\":{\"cni\":{\"ips\":[\"10.1.0.9\",\"10.1.0.5\"]}},"
			       "\"runtimeConfig\":{\"ips\":[\"fd00::7/64\"]},"
			       "\"ipam\":{\"subnet\":\"10.1.0.0/24\"}}",
			       "10.1.0.5", &c, err),
			 0);
	assert_int_equal(c->n_requested, 3);
	assert_string_equal(s(&c->requested[0]), "10.1.0.5");
	assert_string_equal(s(&c->requested[1]), "10.1.0.9");
	assert_string_equal(s(&c->requested[2]), "fd00::7");
	ipam_config_free(c);

	assert_int_equal(parse("{\"name\":\"n\",\"ipam\":{\"subnet\":\"10.1.0.0/24\"}}", "junk",
			       &c, err),
			 -EINVAL);
	assert_string_equal(err, "cannot understand ip: invalid IP address: junk");
}

static void test_errors(void **state)
{
	expect_error("{\"type\":\"host-local\"}", "1.0.0", "no IP ranges specified");
	expect_error("{\"ranges\":[[]]}", "1.0.0", "invalid range set 0: empty range set");
	expect_error("{\"ranges\":[[{\"subnet\":\"10.2.0.0/31\"}]]}", "1.0.0",
		     "invalid range set 0: Network 10.2.0.0/31 too small to allocate from");
	expect_error("{\"ranges\":[[{\"subnet\":\"fd00::/127\"}]]}", "1.0.0",
		     "invalid range set 0: Network fd00::/127 too small to allocate from");
	expect_error("{\"ranges\":[[{\"subnet\":\"10.2.0.1/24\"}]]}", "1.0.0",
		     "invalid range set 0: Network has host bits set. For a subnet mask of "
		     "length 24 the network address is 10.2.0.0");
	expect_error("{\"ranges\":[[{\"subnet\":\"10.2.0.0/24\",\"rangeStart\":\"10.3.0.1\"}]]}",
		     "1.0.0", "invalid range set 0: RangeStart 10.3.0.1 not in network 10.2.0.0/24");
	expect_error("{\"ranges\":[[{\"subnet\":\"10.2.0.0/24\",\"rangeEnd\":\"10.3.0.1\"}]]}",
		     "1.0.0", "invalid range set 0: RangeEnd 10.3.0.1 not in network 10.2.0.0/24");
	expect_error("{\"ranges\":[[{\"subnet\":\"10.2.0.0/24\",\"rangeStart\":\"10.2.0.9\","
		     "\"rangeEnd\":\"10.2.0.1\"}]]}",
		     "1.0.0", "invalid range set 0: RangeStart 10.2.0.9 not in network 10.2.0.0/24");
	expect_error("{\"ranges\":[[{\"subnet\":\"10.2.0.0/24\",\"rangeStart\":\"fd00::1\"}]]}",
		     "1.0.0", "invalid range set 0: RangeStart fd00::1 not in network 10.2.0.0/24");
	expect_error("{\"ranges\":[[{\"subnet\":\"10.2.0.0/24\"},{\"subnet\":\"10.2.0.0/25\"}]]}",
		     "1.0.0",
		     "invalid range set 0: subnets 10.2.0.1-10.2.0.254 and 10.2.0.1-10.2.0.126 overlap");
	expect_error("{\"ranges\":[[{\"subnet\":\"10.2.0.0/24\"},{\"subnet\":\"fd00::/64\"}]]}",
		     "1.0.0", "invalid range set 0: mixed address families");
	expect_error("{\"ranges\":[[{\"subnet\":\"10.2.0.0/24\"}],[{\"subnet\":\"10.2.0.128/25\"}]]}",
		     "1.0.0", "range set 0 overlaps with 1");
	expect_error("{\"ranges\":[[{\"subnet\":\"10.2.0.0/24\"}],[{\"subnet\":\"10.3.0.0/24\"}]]}",
		     "0.2.0", "CNI version 0.2.0 does not support more than 1 address per family");
	expect_error("{\"ranges\":[[{\"subnet\":\"banana\"}]]}", "1.0.0",
		     "invalid CIDR address: banana"); /* the reference: no set index */
	expect_error("{\"ranges\":[[{\"rangeStart\":\"10.0.0.1\"}]]}", "1.0.0",
		     "invalid range set 0: missing subnet");
	expect_error("{\"subnet\":\"10.1.0.0/24\",\"ranges\":[[{\"subnet\":\"10.2.0.0/24\","
		     "\"gateway\":\"x\"}]]}",
		     "1.0.0", "invalid IP address: x");
	expect_error("{\"ranges\":[[{\"subnet\":\"10.2.0.0/24\"}]],\"routes\":[{\"dst\":\"1.2.3.4\"}]}",
		     "1.0.0", "invalid CIDR address: 1.2.3.4");
}

static void test_missing_ipam(void **state)
{
	char err[IPAM_ERR_MAX];
	struct ipam_config *c = NULL;

	assert_int_equal(parse("{\"name\":\"n\"}", NULL, &c, err), -EINVAL);
	assert_string_equal(err, "IPAM config missing 'ipam' key");
}

static void test_parse_store(void **state)
{
	_cleanup_json_ json_t *j = json_loads(
		"{\"name\":\"n\",\"ipam\":{\"dataDir\":\"/d\",\"ranges\":[[{\"subnet\":\"bad\"}]]}}",
		0, NULL);
	_cleanup_json_ json_t *k = json_loads("{\"name\":\"n\",\"ipam\":{}}", 0, NULL);
	char err[IPAM_ERR_MAX];
	struct ipam_config *c = NULL;

	/* Ranges are not looked at: DEL must work after a range became invalid. */
	assert_int_equal(ipam_config_parse_store(j, &c, err), 0);
	assert_string_equal(c->name, "n");
	assert_string_equal(c->data_dir, "/d");
	assert_string_equal(c->cni_version, "0.1.0");
	assert_int_equal(c->n_sets, 0);
	ipam_config_free(c);
	assert_int_equal(ipam_config_parse_store(k, &c, err), 0);
	assert_string_equal(c->data_dir, "/var/lib/cni/networks");
	ipam_config_free(c);
	json_object_del(k, "ipam");
	assert_int_equal(ipam_config_parse_store(k, &c, err), -EINVAL);
	assert_string_equal(err, "IPAM config missing 'ipam' key");
}

static void test_multi_family_ok(void **state)
{
	/* One v4 and one v6 set is fine even for 0.2.0; two v4 sets need 0.3.0. */
	struct ipam_config *c =
		expect_ok("{\"ranges\":[[{\"subnet\":\"10.2.0.0/24\"}],[{\"subnet\":\"fd00::/64\"}]]}",
			  "0.2.0");

	assert_int_equal(c->n_sets, 2);
	ipam_config_free(c);
	c = expect_ok("{\"ranges\":[[{\"subnet\":\"10.2.0.0/24\"}],[{\"subnet\":\"10.3.0.0/24\"}]]}",
		      "0.3.0");
	ipam_config_free(c);
}

static void test_range_set_string(void **state)
{
	_cleanup_(ipam_config_freep) struct ipam_config *c = expect_ok(
		"{\"ranges\":[[{\"subnet\":\"10.1.0.0/29\"},{\"subnet\":\"10.1.1.0/24\","
		"\"rangeStart\":\"10.1.1.10\",\"rangeEnd\":\"10.1.1.20\"}]]}",
		"1.0.0");
	char buf[256];

	ipam_range_set_to_string(&c->sets[0], buf, sizeof(buf));
	assert_string_equal(buf, "10.1.0.1-10.1.0.6,10.1.1.10-10.1.1.20");
}

static void test_resolv_conf(void **state)
{
	char path[4096];
	struct ipam_dns d = {};

	snprintf(path, sizeof(path), "%s/resolv.conf", golden);
	assert_int_equal(ipam_dns_parse_resolv_conf(path, &d), 0);
	assert_non_null(d.nameservers);
	assert_string_equal(d.nameservers[0], "10.0.0.10");
	assert_string_equal(d.nameservers[1], "fd00::53");
	assert_null(d.nameservers[2]);
	assert_string_equal(d.domain, "example.org");
	assert_string_equal(d.search[0], "svc.cluster.local");
	assert_string_equal(d.search[1], "cluster.local");
	assert_string_equal(d.search[2], "extra");
	assert_null(d.search[3]);
	assert_string_equal(d.options[0], "ndots:5");
	assert_string_equal(d.options[1], "rotate");
	assert_null(d.options[2]);
	ipam_dns_done(&d);

	assert_int_equal(ipam_dns_parse_resolv_text("# nothing\n;x\nnameserver\n\n", &d), 0);
	assert_null(d.nameservers);
	assert_null(d.domain);
	ipam_dns_done(&d);
	assert_int_equal(ipam_dns_parse_resolv_conf("/nonexistent/resolv.conf", &d), -ENOENT);
}

int main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_defaults),
		cmocka_unit_test(test_defaults_v6),
		cmocka_unit_test(test_explicit_fields),
		cmocka_unit_test(test_set_order),
		cmocka_unit_test(test_requested),
		cmocka_unit_test(test_errors),
		cmocka_unit_test(test_missing_ipam),
		cmocka_unit_test(test_parse_store),
		cmocka_unit_test(test_multi_family_ok),
		cmocka_unit_test(test_range_set_string),
		cmocka_unit_test(test_resolv_conf),
	};

	golden = argc > 1 ? argv[1] : "test/golden/ipam";
	return cmocka_run_group_tests(tests, NULL, NULL);
}
