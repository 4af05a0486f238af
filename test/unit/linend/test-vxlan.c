// SPDX-License-Identifier: Apache-2.0
/*
 * The vxlan backend: which MAC a node uses (survives a restart, is kept per node, follows
 * our lease, moves off a MAC a peer carries), and the entries one lease wants (vxlan,
 * DirectRouting, IPv6, host-gw), driven through the backends on a fake kernel.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "basic/fileio.h"
#include "basic/macro.h"
#include "fake-kernel.h"
#include "linend/backend-vxlan.h"
#include "linend/dataplane.h"

static const uint8_t DEV[6] = { 0x0a, 0xd0, 0, 0, 0, 1 };
static const uint8_t SAVED[6] = { 0x0a, 0x5a, 0, 0, 0, 2 };
static const uint8_t FRESH[6] = { 0x0a, 0xf0, 0, 0, 0, 3 };
static const uint8_t LEASE[6] = { 0x0a, 0x1e, 0, 0, 0, 4 };

#define CFG4 "{\"Network\":\"10.244.0.0/16\",\"Backend\":{\"Type\":\"vxlan\"}}"
#define CFG6 "{\"Network\":\"10.244.0.0/16\",\"EnableIPv6\":true," \
	     "\"IPv6Network\":\"fd00:244::/56\",\"Backend\":{\"Type\":\"vxlan\"}}"
#define VX(ip, mac) "{\"PublicIP\":\"" ip "\",\"BackendType\":\"vxlan\"," \
		    "\"BackendData\":{\"VNI\":1,\"VtepMAC\":\"" mac "\"}}"
#define CFG_DR "{\"Network\":\"10.244.0.0/16\"," \
	       "\"Backend\":{\"Type\":\"vxlan\",\"DirectRouting\":true}}"
#define CFG_GW "{\"Network\":\"10.244.0.0/16\",\"Backend\":{\"Type\":\"host-gw\"}}"
#define VX4 "{\"PublicIP\":\"192.168.1.2\",\"PublicIPv6\":null,\"BackendType\":\"vxlan\"," \
	    "\"BackendData\":{\"VNI\":1,\"VtepMAC\":\"0a:00:00:00:00:02\"}}"

static void test_mac_device_wins(void **unused)
{
	uint8_t mac[6];
	bool save;

	/* a kept device's MAC is what peers have: it wins, and the file follows it */
	vxlan_mac_choose(NULL, DEV, "0a:5a:00:00:00:02\n", FRESH, mac, &save);
	assert_memory_equal(mac, DEV, 6);
	assert_true(save);
	vxlan_mac_choose(NULL, DEV, "0a:d0:00:00:00:01\n", FRESH, mac, &save);
	assert_memory_equal(mac, DEV, 6);
	assert_false(save);
}

static void test_mac_lease_wins(void **unused)
{
	static const uint8_t zero[6];
	uint8_t mac[6];
	bool save;

	/* our lease from an earlier run is what every peer programmed: over device and file */
	vxlan_mac_choose(LEASE, DEV, "0a:5a:00:00:00:02\n", FRESH, mac, &save);
	assert_memory_equal(mac, LEASE, 6);
	assert_true(save);
	/* an unusable MAC in the lease counts as none */
	vxlan_mac_choose(zero, DEV, NULL, FRESH, mac, &save);
	assert_memory_equal(mac, DEV, 6);
}

static void test_mac_saved_when_device_gone(void **unused)
{
	uint8_t mac[6];
	bool save;

	vxlan_mac_choose(NULL, NULL, "0a:5a:00:00:00:02\n", FRESH, mac, &save);
	assert_memory_equal(mac, SAVED, 6);
	assert_false(save);
	vxlan_mac_choose(NULL, NULL, "0a:5a:00:00:00:02", FRESH, mac, &save); /* no newline */
	assert_memory_equal(mac, SAVED, 6);
	assert_false(save);
}

static void test_mac_fresh(void **unused)
{
	static const uint8_t mcast[6] = { 0x01, 0, 0x5e, 0, 0, 1 };
	uint8_t mac[6];
	bool save;

	vxlan_mac_choose(NULL, NULL, NULL, FRESH, mac, &save);
	assert_memory_equal(mac, FRESH, 6);
	assert_true(save);
	vxlan_mac_choose(NULL, NULL, "garbage\n", FRESH, mac, &save);
	assert_memory_equal(mac, FRESH, 6);
	assert_true(save);
	vxlan_mac_choose(NULL, NULL, "01:00:5e:00:00:01\n", FRESH, mac, &save); /* multicast */
	assert_memory_equal(mac, FRESH, 6);
	assert_true(save);
	vxlan_mac_choose(NULL, mcast, NULL, FRESH, mac, &save); /* a device's unusable MAC */
	assert_memory_equal(mac, FRESH, 6);
}

static void test_mac_file_per_node(void **unused)
{
	struct ip_addr a, b, none = {};
	char fa[128], fb[128];

	assert_int_equal(ip_addr_parse("192.168.1.1", &a), 0);
	assert_int_equal(ip_addr_parse("192.168.1.2", &b), 0);
	assert_int_equal(vxlan_mac_file("/run/x", "flannel.1", &a, fa, sizeof(fa)), 0);
	assert_string_equal(fa, "/run/x/linend-flannel.1-192.168.1.1.mac");
	assert_int_equal(vxlan_mac_file("/run/x", "flannel.1", &b, fb, sizeof(fb)), 0);
	assert_string_not_equal(fa, fb);
	assert_int_equal(vxlan_mac_file("/run/x", "flannel.1", &none, fa, sizeof(fa)), -EINVAL);
	assert_int_equal(vxlan_mac_file("/run/x", "flannel.1", &a, fa, 20), -ENAMETOOLONG);
}

/* Two nodes whose state directories are one: each keeps its own MAC, across a restart. */
static void test_shared_state_dir(void **unused)
{
	struct fk_node *a = calloc(1, sizeof(*a)), *b = calloc(1, sizeof(*b));
	char dir[64];
	uint8_t mac_a[6];

	assert_int_equal(fk_node_up(a, &backend_vxlan_ops, CFG4, "192.168.1.1", NULL), 0);
	snprintf(dir, sizeof(dir), "%s", a->dir);
	assert_int_equal(fk_node_up_in(b, &backend_vxlan_ops, CFG4, "192.168.1.2", NULL, dir), 0);
	assert_memory_not_equal(a->net.data.vtep_mac, b->net.data.vtep_mac, 6);
	memcpy(mac_a, a->net.data.vtep_mac, 6);
	/* a restarts after its device was deleted: its own file brings its MAC back */
	fk_node_down(a);
	assert_int_equal(fk_node_up_in(a, &backend_vxlan_ops, CFG4, "192.168.1.1", NULL, dir), 0);
	assert_memory_equal(a->net.data.vtep_mac, mac_a, 6);
	assert_memory_equal(fk_link_by_name(&a->k, "flannel.1")->mac, mac_a, 6);
	fk_node_down(a);
	fk_node_down(b);
	fk_node_rmdir(dir);
	free(a);
	free(b);
}

/* Our lease from an earlier run: the device takes its MAC, the file and net follow. */
static void test_own_lease_found(void **unused)
{
	struct fk_node *n = calloc(1, sizeof(*n));
	struct lease prev = fk_lease("10.244.1.0-24", VX("192.168.1.1", "0a:1e:00:00:00:04"));
	_cleanup_free_ char *saved = NULL;
	char file[128];
	struct backend_network net;

	assert_int_equal(fk_node_up(n, &backend_vxlan_ops, CFG4, "192.168.1.1", NULL), 0);
	net = n->net;
	fk_log_clear(&n->k);
	assert_int_equal(n->ops->own_lease_found(n->state, &prev, &net), 0);
	assert_memory_equal(net.data.vtep_mac, LEASE, 6);
	assert_int_equal(net.data.vni, 1);
	assert_memory_equal(fk_link_by_name(&n->k, "flannel.1")->mac, LEASE, 6);
	assert_int_equal(fk_logged(&n->k, "set 7 mac 0a:1e:00:00:00:04"), 0);
	snprintf(file, sizeof(file), "%s/linend-flannel.1-192.168.1.1.mac", n->dir);
	assert_int_equal(read_full_file(file, 64, &saved, NULL), 0);
	assert_string_equal(saved, "0a:1e:00:00:00:04\n");
	/* the same MAC again: nothing to change */
	fk_log_clear(&n->k);
	assert_int_equal(n->ops->own_lease_found(n->state, &prev, &net), 0);
	assert_int_equal(n->k.n_log, 0);
	fk_node_down(n);
	fk_node_rmdir(n->dir);
	free(n);
}

/* A peer's lease with our MAC: a fresh MAC on the device and in the file, re-published. */
static void test_mac_conflict(void **unused)
{
	struct fk_node *n = calloc(1, sizeof(*n));
	char json[256], m[18], want[64];
	_cleanup_free_ char *saved = NULL, *metrics = NULL;
	uint8_t old[6];
	size_t msize = 0;
	FILE *f;
	struct lease l;

	assert_int_equal(fk_node_up(n, &backend_vxlan_ops, CFG4, "192.168.1.1", NULL), 0);
	memcpy(old, n->net.data.vtep_mac, 6);
	snprintf(json, sizeof(json),
		 "{\"PublicIP\":\"192.168.1.2\",\"BackendType\":\"vxlan\","
		 "\"BackendData\":{\"VNI\":1,\"VtepMAC\":\"%s\"}}", mac_format(old, m));
	l = fk_lease("10.244.2.0-24", json);
	assert_int_equal(n->ops->lease_added(n->state, &l), 0);
	assert_int_equal(n->n_changed, 1);
	assert_memory_not_equal(n->changed.data.vtep_mac, old, 6);
	assert_true(dp_mac_valid(n->changed.data.vtep_mac));
	assert_memory_equal(fk_link_by_name(&n->k, "flannel.1")->mac, n->changed.data.vtep_mac,
			    6);
	snprintf(want, sizeof(want), "%s\n", mac_format(n->changed.data.vtep_mac, m));
	snprintf(json, sizeof(json), "%s/linend-flannel.1-192.168.1.1.mac", n->dir);
	assert_int_equal(read_full_file(json, 64, &saved, NULL), 0);
	assert_string_equal(saved, want);
	f = open_memstream(&metrics, &msize);
	assert_non_null(f);
	assert_int_equal(n->ops->metrics(n->state, f), 0);
	fclose(f);
	assert_non_null(strstr(metrics, "\nlinend_vtep_mac_conflicts_total 1\n"));
	/* the peer is programmed all the same (its MAC is no longer ours) */
	assert_true(fk_logged(&n->k, "fdb+ ") >= 0);
	/* the same lease again is no new clash; nor is a copy of our own lease */
	assert_int_equal(n->ops->lease_added(n->state, &l), 0);
	assert_int_equal(n->n_changed, 1);
	snprintf(json, sizeof(json),
		 "{\"PublicIP\":\"192.168.1.1\",\"BackendType\":\"vxlan\","
		 "\"BackendData\":{\"VNI\":1,\"VtepMAC\":\"%s\"}}",
		 mac_format(n->changed.data.vtep_mac, m));
	l = fk_lease("10.244.1.0-24", json);
	n->ops->lease_added(n->state, &l);
	assert_int_equal(n->n_changed, 1);
	fk_node_down(n);
	fk_node_rmdir(n->dir);
	free(n);
}

/* A daemon that cannot re-publish our lease: the clash is counted, our MAC stays. */
static void test_mac_conflict_no_republish(void **unused)
{
	struct fk_node *n = calloc(1, sizeof(*n));
	char json[256], m[18];
	uint8_t old[6];
	struct lease l;

	assert_int_equal(fk_node_up(n, &backend_vxlan_ops, CFG4, "192.168.1.1", NULL), 0);
	memcpy(old, n->net.data.vtep_mac, 6);
	n->ops->free(n->state);
	n->env.net_changed = NULL;
	dp_test_next_sock(fk_sock(&n->k));
	assert_int_equal(n->ops->register_network(&n->cfg, &n->ext, &n->env, &n->state, &n->net),
			 0);
	assert_memory_equal(n->net.data.vtep_mac, old, 6);
	snprintf(json, sizeof(json),
		 "{\"PublicIP\":\"192.168.1.2\",\"BackendType\":\"vxlan\","
		 "\"BackendData\":{\"VNI\":1,\"VtepMAC\":\"%s\"}}", mac_format(old, m));
	l = fk_lease("10.244.2.0-24", json);
	fk_log_clear(&n->k);
	n->ops->lease_added(n->state, &l);
	assert_int_equal(fk_count(&n->k, "set 7 mac"), 0);
	assert_memory_equal(fk_link_by_name(&n->k, "flannel.1")->mac, old, 6);
	fk_node_down(n);
	fk_node_rmdir(n->dir);
	free(n);
}

static void test_lease_state_vxlan(void **unused)
{
	static const uint8_t mac[6] = { 0x0a, 0, 0, 0, 0, 2 };
	struct fk_node *n = calloc(1, sizeof(*n));
	struct lease l = fk_lease("10.244.2.0-24", VX4);
	struct fk *k = &n->k;

	assert_int_equal(fk_node_up(n, &backend_vxlan_ops, CFG4, "192.168.1.1", NULL), 0);
	assert_int_equal(n->net.mtu, 1450);
	assert_int_equal(n->ops->lease_added(n->state, &l), 0);
	assert_int_equal(k->n_neighs, 1);
	assert_int_equal(k->n_fdbs, 1);
	assert_int_equal(k->n_routes, 1);
	/* ARP: the subnet's network address -> VtepMAC, permanent, on flannel.1 */
	assert_int_equal(k->neighs[0].ifindex, 7);
	assert_true(ip_addr_equal(&k->neighs[0].dst, &l.subnet.addr));
	assert_memory_equal(k->neighs[0].lladdr, mac, 6);
	assert_int_equal(k->neighs[0].state, NUD_PERMANENT);
	/* FDB: VtepMAC -> PublicIP, self permanent */
	assert_int_equal(k->fdbs[0].family, AF_BRIDGE);
	assert_int_equal(k->fdbs[0].flags, NTF_SELF);
	assert_true(ip_addr_equal(&k->fdbs[0].dst, &l.attrs.public_ip));
	/* route: subnet via its network address, onlink, our protocol */
	assert_int_equal(k->routes[0].oif, 7);
	assert_int_equal(k->routes[0].flags, RTNH_F_ONLINK);
	assert_int_equal(k->routes[0].protocol, NL_RTPROT_LINEN);
	assert_true(ip_addr_equal(&k->routes[0].gw, &l.subnet.addr));
	fk_node_down(n);
	fk_node_rmdir(n->dir);
	free(n);
}

static void test_lease_state_direct(void **unused)
{
	struct fk_node *n = calloc(1, sizeof(*n));
	struct lease l = fk_lease("10.244.2.0-24", VX4);
	struct fk *k = &n->k;

	/* DirectRouting to a peer on our link: one plain route via the peer, nothing else */
	assert_int_equal(fk_node_up(n, &backend_vxlan_ops, CFG_DR, "192.168.1.1", NULL), 0);
	fk_on_link(k, "192.168.1.2");
	assert_int_equal(n->ops->lease_added(n->state, &l), 0);
	assert_int_equal(k->n_neighs + k->n_fdbs, 0);
	assert_int_equal(k->n_routes, 1);
	assert_int_equal(k->routes[0].oif, 2);
	assert_int_equal(k->routes[0].flags, 0);
	assert_true(ip_addr_equal(&k->routes[0].gw, &l.attrs.public_ip));
	/* a peer behind a router goes through the tunnel */
	l = fk_lease("10.244.3.0-24", "{\"PublicIP\":\"192.168.9.3\",\"BackendType\":\"vxlan\","
		     "\"BackendData\":{\"VNI\":1,\"VtepMAC\":\"0a:00:00:00:00:03\"}}");
	assert_int_equal(n->ops->lease_added(n->state, &l), 0);
	assert_int_equal(k->n_neighs, 1);
	assert_int_equal(k->n_routes, 2);
	fk_node_down(n);
	fk_node_rmdir(n->dir);
	free(n);
}

static void test_lease_state_v6(void **unused)
{
	struct fk_node *n = calloc(1, sizeof(*n));
	struct lease l = fk_lease("10.244.2.0-24&fd00:244:0:2::-64",
				  "{\"PublicIP\":\"192.168.1.2\",\"PublicIPv6\":\"fd00::2\","
				  "\"BackendType\":\"vxlan\","
				  "\"BackendData\":{\"VNI\":1,\"VtepMAC\":\"0a:00:00:00:00:02\"},"
				  "\"BackendV6Data\":{\"VNI\":1,"
				  "\"VtepMAC\":\"0a:00:00:00:06:02\"}}");
	struct fk *k = &n->k;
	const struct fk_link *v6;

	assert_int_equal(fk_node_up(n, &backend_vxlan_ops, CFG6, "192.168.1.1", "fd00::1"), 0);
	v6 = fk_link_by_name(k, "flannel-v6.1");
	assert_non_null(v6);
	assert_int_equal(v6->mtu, 1430);
	assert_int_equal(n->net.mtu, 1430);
	assert_memory_equal(v6->mac, n->net.data6.vtep_mac, 6);
	assert_int_equal(n->ops->lease_added(n->state, &l), 0);
	assert_int_equal(k->n_neighs, 2);
	assert_int_equal(k->n_fdbs, 2);
	assert_int_equal(k->n_routes, 2);
	assert_true(fk_logged(k, "neigh+ fd00:244:0:2:: dev 8") >= 0);
	assert_true(fk_logged(k, "fdb+ 0a:00:00:00:06:02 dev 8") >= 0);
	assert_true(fk_logged(k, "route+ fd00:244:0:2::/64") >= 0);
	/* a peer without an IPv6 part gets only its IPv4 entries */
	l = fk_lease("10.244.3.0-24", "{\"PublicIP\":\"192.168.1.3\",\"BackendType\":\"vxlan\","
		     "\"BackendData\":{\"VNI\":1,\"VtepMAC\":\"0a:00:00:00:00:03\"}}");
	assert_int_equal(n->ops->lease_added(n->state, &l), 0);
	assert_int_equal(k->n_routes, 3);
	assert_int_equal(k->n_neighs, 3);
	fk_node_down(n);
	fk_node_rmdir(n->dir);
	free(n);
}

static void test_lease_state_hostgw(void **unused)
{
	struct fk_node *n = calloc(1, sizeof(*n));
	struct lease l = fk_lease("10.244.2.0-24",
				  "{\"PublicIP\":\"192.168.1.2\",\"BackendType\":\"host-gw\"}");
	struct fk *k = &n->k;

	assert_int_equal(fk_node_up(n, &backend_hostgw_ops, CFG_GW, "192.168.1.1", NULL), 0);
	assert_int_equal(n->net.mtu, 1500);
	fk_on_link(k, "192.168.1.2");
	assert_int_equal(n->ops->lease_added(n->state, &l), 0);
	assert_int_equal(k->n_links + k->n_neighs + k->n_fdbs, 0);
	assert_int_equal(k->n_routes, 1);
	assert_int_equal(k->routes[0].oif, 2);
	assert_true(ip_addr_equal(&k->routes[0].gw, &l.attrs.public_ip));
	assert_int_equal(k->routes[0].protocol, NL_RTPROT_LINEN);
	/* a peer not on our link: refused, nothing programmed */
	l = fk_lease("10.244.3.0-24", "{\"PublicIP\":\"192.168.9.3\",\"BackendType\":\"host-gw\"}");
	assert_int_equal(n->ops->lease_added(n->state, &l), -EINVAL);
	assert_int_equal(k->n_routes, 1);
	fk_node_down(n);
	fk_node_rmdir(n->dir);
	free(n);
}

static void test_event_relevant(void **unused)
{
	struct fk_node *n = calloc(1, sizeof(*n));
	struct lease l = fk_lease("10.244.2.0-24", VX4);
	const struct dp *dp;
	struct nl_event ev;

	assert_int_equal(fk_node_up(n, &backend_vxlan_ops, CFG4, "192.168.1.1", NULL), 0);
	assert_int_equal(n->ops->lease_added(n->state, &l), 0);
	dp = dp_test_last();
	assert_non_null(dp);

	/* our device deleted or changed; the underlay changed; another link: no */
	ev = (struct nl_event){ .kind = NL_EVENT_LINK, .deleted = true,
				.link = { .ifindex = 7, .name = "flannel.1" } };
	assert_true(dp_event_relevant(dp, &ev));
	ev.link = (struct nl_link){ .ifindex = 99, .name = "flannel.1" }; /* recreated by hand */
	assert_true(dp_event_relevant(dp, &ev));
	ev.link = (struct nl_link){ .ifindex = 2, .name = "eth0" };
	assert_true(dp_event_relevant(dp, &ev));
	ev.link = (struct nl_link){ .ifindex = 5, .name = "veth0" };
	assert_false(dp_event_relevant(dp, &ev));

	/* routes: ours deleted yes, ours added no (that is us), a foreign one in its place yes */
	ev = (struct nl_event){ .kind = NL_EVENT_ROUTE, .deleted = true,
				.route = { .dst = l.subnet, .protocol = NL_RTPROT_LINEN } };
	assert_true(dp_event_relevant(dp, &ev));
	ev.deleted = false;
	assert_false(dp_event_relevant(dp, &ev));
	ev.route.protocol = RTPROT_BOOT;
	assert_true(dp_event_relevant(dp, &ev));
	ev.route.dst.addr.bytes[2] = 9; /* not a lease of ours */
	assert_false(dp_event_relevant(dp, &ev));
	ev.deleted = true;
	ev.route.protocol = NL_RTPROT_LINEN;
	assert_false(dp_event_relevant(dp, &ev));

	/* neighbours: a peer's entry deleted (the kernel reports it FAILED) or learnt */
	ev = (struct nl_event){ .kind = NL_EVENT_NEIGH, .deleted = true,
				.neigh = { .family = AF_INET, .ifindex = 7,
					   .dst = l.subnet.addr, .state = NUD_FAILED } };
	assert_true(dp_event_relevant(dp, &ev));
	ev.deleted = false;
	ev.neigh.state = NUD_PERMANENT;
	assert_false(dp_event_relevant(dp, &ev));
	ev.neigh.state = NUD_STALE;
	assert_true(dp_event_relevant(dp, &ev));
	assert_int_equal(ip_addr_parse("10.244.9.0", &ev.neigh.dst), 0);
	assert_false(dp_event_relevant(dp, &ev));
	ev.neigh.ifindex = 2; /* the underlay's ARP traffic */
	ev.neigh.dst = l.subnet.addr;
	assert_false(dp_event_relevant(dp, &ev));
	/* FDB entries on our device: any deletion */
	ev = (struct nl_event){ .kind = NL_EVENT_NEIGH, .deleted = true,
				.neigh = { .family = AF_BRIDGE, .ifindex = 7 } };
	assert_true(dp_event_relevant(dp, &ev));
	ev.deleted = false;
	assert_false(dp_event_relevant(dp, &ev));
	/* our address */
	ev = (struct nl_event){ .kind = NL_EVENT_ADDR, .deleted = true, .addr = { .ifindex = 7 } };
	assert_true(dp_event_relevant(dp, &ev));
	ev.addr.ifindex = 2;
	assert_false(dp_event_relevant(dp, &ev));
	fk_node_down(n);
	fk_node_rmdir(n->dir);
	free(n);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_mac_device_wins),
		cmocka_unit_test(test_mac_lease_wins),
		cmocka_unit_test(test_mac_saved_when_device_gone),
		cmocka_unit_test(test_mac_fresh),
		cmocka_unit_test(test_mac_file_per_node),
		cmocka_unit_test(test_shared_state_dir),
		cmocka_unit_test(test_own_lease_found),
		cmocka_unit_test(test_mac_conflict),
		cmocka_unit_test(test_mac_conflict_no_republish),
		cmocka_unit_test(test_lease_state_vxlan),
		cmocka_unit_test(test_lease_state_direct),
		cmocka_unit_test(test_lease_state_v6),
		cmocka_unit_test(test_lease_state_hostgw),
		cmocka_unit_test(test_event_relevant),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
