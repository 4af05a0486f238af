// SPDX-License-Identifier: Apache-2.0
/*
 * The vxlan backend's pure parts: which MAC survives a restart, and the entries one lease
 * wants (vxlan, DirectRouting, IPv6, host-gw), on a hand-made engine without sockets.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "basic/macro.h"
#include "linend/dataplane.h"

static const uint8_t DEV[6] = { 0x0a, 0xd0, 0, 0, 0, 1 };
static const uint8_t SAVED[6] = { 0x0a, 0x5a, 0, 0, 0, 2 };
static const uint8_t FRESH[6] = { 0x0a, 0xf0, 0, 0, 0, 3 };

static void test_mac_device_wins(void **unused)
{
	uint8_t mac[6];
	bool save;

	/* a kept device's MAC is what peers have: it wins, and the file follows it */
	vxlan_mac_choose(DEV, "0a:5a:00:00:00:02\n", FRESH, mac, &save);
	assert_memory_equal(mac, DEV, 6);
	assert_true(save);
	vxlan_mac_choose(DEV, "0a:d0:00:00:00:01\n", FRESH, mac, &save);
	assert_memory_equal(mac, DEV, 6);
	assert_false(save);
}

static void test_mac_saved_when_device_gone(void **unused)
{
	uint8_t mac[6];
	bool save;

	vxlan_mac_choose(NULL, "0a:5a:00:00:00:02\n", FRESH, mac, &save);
	assert_memory_equal(mac, SAVED, 6);
	assert_false(save);
	vxlan_mac_choose(NULL, "0a:5a:00:00:00:02", FRESH, mac, &save); /* no newline */
	assert_memory_equal(mac, SAVED, 6);
	assert_false(save);
}

static void test_mac_fresh(void **unused)
{
	static const uint8_t mcast[6] = { 0x01, 0, 0x5e, 0, 0, 1 };
	uint8_t mac[6];
	bool save;

	vxlan_mac_choose(NULL, NULL, FRESH, mac, &save);
	assert_memory_equal(mac, FRESH, 6);
	assert_true(save);
	vxlan_mac_choose(NULL, "garbage\n", FRESH, mac, &save);
	assert_memory_equal(mac, FRESH, 6);
	assert_true(save);
	vxlan_mac_choose(NULL, "01:00:5e:00:00:01\n", FRESH, mac, &save); /* multicast */
	assert_memory_equal(mac, FRESH, 6);
	assert_true(save);
	vxlan_mac_choose(mcast, NULL, FRESH, mac, &save); /* a device with an unusable MAC */
	assert_memory_equal(mac, FRESH, 6);
}

static struct ip_addr A(const char *s)
{
	struct ip_addr a;

	assert_int_equal(ip_addr_parse(s, &a), 0);
	return a;
}

static struct dp_lease DL(const char *key, const char *json)
{
	struct dp_lease d = {};

	assert_int_equal(lease_key_parse(key, &d.lease.subnet, &d.lease.subnet6), 0);
	assert_int_equal(lease_attrs_parse(json, strlen(json), &d.lease.attrs), 0);
	return d;
}

static void fake_dp(struct dp *dp, const char *json)
{
	char err[256];

	*dp = (struct dp){ .mode = DP_MODE_VXLAN };
	assert_int_equal(net_config_parse(json, strlen(json), &dp->cfg, err, sizeof(err)), 0);
	dp->ext.ifindex = 2;
	dp->dev[0] = (struct dp_vxlan_dev){ .family = AF_INET, .name = "flannel.1", .ifindex = 7 };
	if (dp->cfg.enable_ipv6)
		dp->dev[1] = (struct dp_vxlan_dev){ .family = AF_INET6, .name = "flannel-v6.1",
						    .ifindex = 8 };
}

#define VX4 "{\"PublicIP\":\"192.168.1.2\",\"PublicIPv6\":null,\"BackendType\":\"vxlan\"," \
	    "\"BackendData\":{\"VNI\":1,\"VtepMAC\":\"0a:00:00:00:00:02\"}}"

static void test_lease_state_vxlan(void **unused)
{
	static const uint8_t mac[6] = { 0x0a, 0, 0, 0, 0, 2 };
	struct dp dp;
	struct dp_lease d = DL("10.244.2.0-24", VX4);
	struct dp_state s = {};

	fake_dp(&dp, "{\"Network\":\"10.244.0.0/16\",\"Backend\":{\"Type\":\"vxlan\"}}");
	assert_int_equal(vxlan_lease_state(&dp, &d, &s), 0);
	assert_int_equal(s.n_neighs, 1);
	assert_int_equal(s.n_fdbs, 1);
	assert_int_equal(s.n_routes, 1);
	/* ARP: the subnet's network address -> VtepMAC, permanent, on flannel.1 */
	assert_int_equal(s.neighs[0].ifindex, 7);
	assert_true(ip_addr_equal(&s.neighs[0].dst, &(struct ip_addr){ .family = AF_INET,
		.bytes = { 10, 244, 2, 0 } }));
	assert_memory_equal(s.neighs[0].lladdr, mac, 6);
	assert_int_equal(s.neighs[0].state, NUD_PERMANENT);
	/* FDB: VtepMAC -> PublicIP, self permanent */
	assert_int_equal(s.fdbs[0].family, AF_BRIDGE);
	assert_int_equal(s.fdbs[0].flags, NTF_SELF);
	assert_true(ip_addr_equal(&s.fdbs[0].dst, &(struct ip_addr){ .family = AF_INET,
		.bytes = { 192, 168, 1, 2 } }));
	/* route: subnet via its network address, onlink, our protocol */
	assert_int_equal(s.routes[0].oif, 7);
	assert_int_equal(s.routes[0].flags, RTNH_F_ONLINK);
	assert_int_equal(s.routes[0].protocol, NL_RTPROT_LINEN);
	assert_true(ip_addr_equal(&s.routes[0].gw, &s.neighs[0].dst));
	dp_state_clear(&s);

	/* DirectRouting to a peer on our link: one plain route via the peer, nothing else */
	d.direct = true;
	assert_int_equal(vxlan_lease_state(&dp, &d, &s), 0);
	assert_int_equal(s.n_neighs + s.n_fdbs, 0);
	assert_int_equal(s.n_routes, 1);
	assert_int_equal(s.routes[0].oif, 2);
	assert_int_equal(s.routes[0].flags, 0);
	assert_true(ip_addr_equal(&s.routes[0].gw, &d.lease.attrs.public_ip));
	dp_state_clear(&s);
}

static void test_lease_state_v6(void **unused)
{
	struct dp dp;
	struct dp_lease d = DL("10.244.2.0-24&fd00:244:0:2::-64",
			       "{\"PublicIP\":\"192.168.1.2\",\"PublicIPv6\":\"fd00::2\","
			       "\"BackendType\":\"vxlan\","
			       "\"BackendData\":{\"VNI\":1,\"VtepMAC\":\"0a:00:00:00:00:02\"},"
			       "\"BackendV6Data\":{\"VNI\":1,\"VtepMAC\":\"0a:00:00:00:06:02\"}}");
	struct dp_state s = {};

	fake_dp(&dp, "{\"Network\":\"10.244.0.0/16\",\"EnableIPv6\":true,"
		     "\"IPv6Network\":\"fd00:244::/56\",\"Backend\":{\"Type\":\"vxlan\"}}");
	assert_int_equal(vxlan_lease_state(&dp, &d, &s), 0);
	assert_int_equal(s.n_neighs, 2);
	assert_int_equal(s.n_fdbs, 2);
	assert_int_equal(s.n_routes, 2);
	assert_int_equal(s.neighs[1].family, AF_INET6);
	assert_int_equal(s.neighs[1].ifindex, 8);
	assert_int_equal(s.fdbs[1].lladdr[4], 6);
	assert_true(ip_addr_equal(&s.fdbs[1].dst, &(struct ip_addr){ .family = AF_INET6,
		.bytes = { 0xfd, [15] = 2 } }));
	assert_int_equal(s.routes[1].dst.len, 64);
	dp_state_clear(&s);

	/* a peer without an IPv6 part gets only its IPv4 entries */
	d = DL("10.244.3.0-24", VX4);
	assert_int_equal(vxlan_lease_state(&dp, &d, &s), 0);
	assert_int_equal(s.n_routes, 1);
	dp_state_clear(&s);
}

static void test_lease_state_hostgw(void **unused)
{
	struct dp dp;
	struct dp_lease d = DL("10.244.2.0-24",
			       "{\"PublicIP\":\"192.168.1.2\",\"BackendType\":\"host-gw\"}");
	struct dp_state s = {};

	fake_dp(&dp, "{\"Network\":\"10.244.0.0/16\",\"Backend\":{\"Type\":\"host-gw\"}}");
	dp.mode = DP_MODE_HOSTGW;
	assert_int_equal(hostgw_lease_state(&dp, &d, &s), 0);
	assert_int_equal(s.n_neighs + s.n_fdbs, 0);
	assert_int_equal(s.n_routes, 1);
	assert_int_equal(s.routes[0].oif, 2);
	assert_true(ip_addr_equal(&s.routes[0].gw, &(struct ip_addr){ .family = AF_INET,
		.bytes = { 192, 168, 1, 2 } }));
	assert_int_equal(s.routes[0].protocol, NL_RTPROT_LINEN);
	dp_state_clear(&s);
}

static void test_event_relevant(void **unused)
{
	struct dp dp;
	struct dp_lease d = DL("10.244.2.0-24", VX4);
	struct nl_event ev;

	fake_dp(&dp, "{\"Network\":\"10.244.0.0/16\",\"Backend\":{\"Type\":\"vxlan\"}}");
	dp.leases = &d;
	dp.n_leases = 1;

	/* our device deleted or changed; the underlay changed; another link: no */
	ev = (struct nl_event){ .kind = NL_EVENT_LINK, .deleted = true,
				.link = { .ifindex = 7, .name = "flannel.1" } };
	assert_true(dp_event_relevant(&dp, &ev));
	ev.link = (struct nl_link){ .ifindex = 99, .name = "flannel.1" }; /* recreated by hand */
	assert_true(dp_event_relevant(&dp, &ev));
	ev.link = (struct nl_link){ .ifindex = 2, .name = "eth0" };
	assert_true(dp_event_relevant(&dp, &ev));
	ev.link = (struct nl_link){ .ifindex = 5, .name = "veth0" };
	assert_false(dp_event_relevant(&dp, &ev));

	/* routes: ours deleted yes, ours added no (that is us), a foreign one in its place yes */
	ev = (struct nl_event){ .kind = NL_EVENT_ROUTE, .deleted = true,
				.route = { .dst = d.lease.subnet, .protocol = NL_RTPROT_LINEN } };
	assert_true(dp_event_relevant(&dp, &ev));
	ev.deleted = false;
	assert_false(dp_event_relevant(&dp, &ev));
	ev.route.protocol = RTPROT_BOOT;
	assert_true(dp_event_relevant(&dp, &ev));
	ev.route.dst.addr.bytes[2] = 9; /* not a lease of ours */
	assert_false(dp_event_relevant(&dp, &ev));
	ev.deleted = true;
	ev.route.protocol = NL_RTPROT_LINEN;
	assert_false(dp_event_relevant(&dp, &ev));

	/* neighbours: a peer's entry deleted (the kernel reports it FAILED) or learnt */
	ev = (struct nl_event){ .kind = NL_EVENT_NEIGH, .deleted = true,
				.neigh = { .family = AF_INET, .ifindex = 7,
					   .dst = d.lease.subnet.addr, .state = NUD_FAILED } };
	assert_true(dp_event_relevant(&dp, &ev));
	ev.deleted = false;
	ev.neigh.state = NUD_PERMANENT;
	assert_false(dp_event_relevant(&dp, &ev));
	ev.neigh.state = NUD_STALE;
	assert_true(dp_event_relevant(&dp, &ev));
	ev.neigh.dst = A("10.244.9.0");
	assert_false(dp_event_relevant(&dp, &ev));
	ev.neigh.ifindex = 2; /* the underlay's ARP traffic */
	ev.neigh.dst = d.lease.subnet.addr;
	assert_false(dp_event_relevant(&dp, &ev));
	/* FDB entries on our device: any deletion */
	ev = (struct nl_event){ .kind = NL_EVENT_NEIGH, .deleted = true,
				.neigh = { .family = AF_BRIDGE, .ifindex = 7 } };
	assert_true(dp_event_relevant(&dp, &ev));
	ev.deleted = false;
	assert_false(dp_event_relevant(&dp, &ev));
	/* our address */
	ev = (struct nl_event){ .kind = NL_EVENT_ADDR, .deleted = true, .addr = { .ifindex = 7 } };
	assert_true(dp_event_relevant(&dp, &ev));
	ev.addr.ifindex = 2;
	assert_false(dp_event_relevant(&dp, &ev));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_mac_device_wins),
		cmocka_unit_test(test_mac_saved_when_device_gone),
		cmocka_unit_test(test_mac_fresh),
		cmocka_unit_test(test_lease_state_vxlan),
		cmocka_unit_test(test_lease_state_v6),
		cmocka_unit_test(test_lease_state_hostgw),
		cmocka_unit_test(test_event_relevant),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
