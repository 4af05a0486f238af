// SPDX-License-Identifier: Apache-2.0
/*
 * floor - the kernel calls of one bridge ADD and nothing else, to show how close a plugin gets.
 *
 * Owns: nothing but a stopwatch around the netlink requests a bridge plugin cannot avoid: open
 * the pod's namespace and a socket in it and in the host, create the veth pair with its peer
 * born in the host, enslave the peer to an existing bridge and set it up, then put the address
 * on the pod end, set it up and add the default route. No config, no JSON, no IPAM store, no
 * result. Run in the host namespace (cni-driver --host-netns ... time -- floor ...).
 *
 *   floor POD_NETNS BRIDGE PEER_NAME ADDRESS/LEN GATEWAY
 *   floor del POD_NETNS      (DEL's one unavoidable call: delete the pod's eth0 and its peer)
 *
 * Prints the in-process microseconds on stdout; exec costs are measured by the caller.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "basic/netns.h"
#include "netlink/netlink.h"

static long long now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000000LL + ts.tv_nsec / 1000;
}

static int fail(const char *what, int r)
{
	fprintf(stderr, "floor: %s: %s\n", what, strerror(-r));
	return 1;
}

int main(int argc, char **argv)
{
	struct nl_sock *host = NULL, *pod = NULL;
	struct nl_link br, peer, eth;
	struct nl_addr a = {};
	struct nl_route rt = {};
	int hostfd, podfd, r;
	long long t0;

	if (argc == 3 && strcmp(argv[1], "del") == 0) {
		t0 = now_us();
		if ((r = nl_sock_open_netns_path(argv[2], &pod)) < 0 ||
		    (r = nl_link_del_by_name(pod, "eth0")) < 0)
			return fail("del", r);
		printf("%lld\n", now_us() - t0);
		nl_sock_free(pod);
		return 0;
	}
	if (argc != 6) {
		fprintf(stderr, "usage: floor POD_NETNS BRIDGE PEER_NAME ADDRESS/LEN GATEWAY\n"
				"       floor del POD_NETNS\n");
		return 2;
	}
	if (ip_prefix_parse(argv[4], &a.prefix) < 0 || ip_addr_parse(argv[5], &rt.gw) < 0)
		return 2;

	t0 = now_us();
	hostfd = open("/proc/self/ns/net", O_RDONLY | O_CLOEXEC);
	podfd = netns_open(argv[1]);
	if (hostfd < 0 || podfd < 0)
		return fail("open netns", podfd < 0 ? podfd : -errno);
	if ((r = nl_sock_open(&host)) < 0 || (r = nl_sock_open_netns(podfd, &pod)) < 0)
		return fail("netlink socket", r);
	r = nl_veth_create(pod, &(struct nl_veth_spec){ .name = "eth0", .peer_name = argv[3],
							.peer_netns_fd = hostfd });
	if (r < 0)
		return fail("veth", r);
	if ((r = nl_link_get_by_name(host, argv[2], &br)) < 0 ||
	    (r = nl_link_get_by_name(host, argv[3], &peer)) < 0)
		return fail("lookup", r);
	if ((r = nl_link_set_master(host, peer.ifindex, br.ifindex)) < 0 ||
	    (r = nl_link_set_up(host, peer.ifindex, true)) < 0)
		return fail("host side", r);
	if ((r = nl_link_get_by_name(pod, "eth0", &eth)) < 0)
		return fail("lookup eth0", r);
	a.ifindex = eth.ifindex;
	nl_addr_set_broadcast(&a);
	rt.family = a.prefix.addr.family;
	rt.oif = eth.ifindex;
	if ((r = nl_addr_add(pod, &a)) < 0 || (r = nl_link_set_up(pod, eth.ifindex, true)) < 0 ||
	    (r = nl_route_add(pod, &rt)) < 0)
		return fail("pod side", r);
	printf("%lld\n", now_us() - t0);
	nl_sock_free(pod);
	nl_sock_free(host);
	return 0;
}
