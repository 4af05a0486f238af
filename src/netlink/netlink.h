/* SPDX-License-Identifier: Apache-2.0 */
/*
 * netlink.h - the whole typed nl_* layer on libmnl, for plugins and linend.
 *
 * Usage, e.g. a bridge plugin's veth step:
 *
 *	_cleanup_(nl_sock_freep) struct nl_sock *host = NULL, *cont = NULL;
 *	_cleanup_close_ int nsfd = netns_open(netns_path);
 *	struct nl_link veth;
 *
 *	r = nl_sock_open(&host);                   // the plugin's own (host) netns
 *	r = nl_sock_open_netns(nsfd, &cont);       // the container's, kept for later calls
 *	r = nl_veth_create(cont, &(struct nl_veth_spec){
 *		.name = "eth0", .mtu = 1500, .peer_name = "veth1a2b3c4d",
 *		.peer_netns_fd = host_nsfd });     // peer born directly in the host netns
 *	if (r == -EEXIST) ... pick another peer name
 *	if (r < 0) return error(r, nl_sock_errmsg(cont)); // the kernel's extended ack text
 *	r = nl_link_get_by_name(host, "veth1a2b3c4d", &veth);
 *	r = nl_link_set_master(host, veth.ifindex, bridge_ifindex);
 *	r = nl_link_set_up(host, veth.ifindex, true);
 *
 * Conventions: every call returns 0 or -errno and never logs above debug.
 * Creation is NLM_F_EXCL (-EEXIST when present); *_replace is idempotent;
 * deletes count "not there" as done. Dumps return malloc'ed arrays and redo
 * themselves when the kernel flags them interrupted. Each operation has a
 * pure *_msg builder, unit tested byte for byte. A socket stays in the
 * namespace it was opened in, so keep one per namespace.
 */
#pragma once

#include "netlink/nl-addr.h"
#include "netlink/nl-ct.h"
#include "netlink/nl-link.h"
#include "netlink/nl-monitor.h"
#include "netlink/nl-neigh.h"
#include "netlink/nl-route.h"
#include "netlink/nl-rule.h"
#include "netlink/nl-sock.h"
#include "netlink/nl-tc.h"
