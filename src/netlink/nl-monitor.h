/* SPDX-License-Identifier: Apache-2.0 */
/*
 * nl-monitor.h - rtnetlink event subscription for reconciliation loops.
 *
 * Owns: a non-blocking multicast socket subscribed to link/addr/route/neigh
 * groups, and decoding its messages into the same typed structs the
 * request API uses. An overrun (-ENOBUFS) means events were lost: the
 * caller must dump and resync.
 */
#pragma once

#include <stdint.h>

#include "netlink/nl-addr.h"
#include "netlink/nl-link.h"
#include "netlink/nl-neigh.h"
#include "netlink/nl-route.h"

enum {
	NL_MON_LINK  = 1 << 0,
	NL_MON_ADDR  = 1 << 1,   /* IPv4 and IPv6 */
	NL_MON_ROUTE = 1 << 2,   /* IPv4 and IPv6 */
	NL_MON_NEIGH = 1 << 3,
};

enum nl_event_kind {
	NL_EVENT_LINK,
	NL_EVENT_ADDR,
	NL_EVENT_ROUTE,
	NL_EVENT_NEIGH,
};

struct nl_event {
	enum nl_event_kind kind;
	bool deleted;              /* RTM_DEL* */
	uint16_t type;             /* the raw RTM_* type */
	union {
		struct nl_link link;
		struct nl_addr addr;
		struct nl_route route; /* one event per next hop of a multipath route */
		struct nl_neigh neigh;
	};
};

struct nl_monitor;

int nl_monitor_open(unsigned groups, struct nl_monitor **ret);
/* Subscribe inside the namespace nsfd (the caller's namespace is unchanged). */
int nl_monitor_open_netns(int nsfd, unsigned groups, struct nl_monitor **ret);
struct nl_monitor *nl_monitor_free(struct nl_monitor *m);
DEFINE_TRIVIAL_CLEANUP_FUNC(struct nl_monitor *, nl_monitor_free);
/* Non-blocking fd for epoll (EPOLLIN). */
int nl_monitor_fd(const struct nl_monitor *m);

typedef int (*nl_event_cb)(const struct nl_event *ev, void *userdata);

/*
 * Read everything queued now and call cb per event; returns 0 when drained,
 * -ENOBUFS on overrun (resync), or cb's negative return.
 */
int nl_monitor_read(struct nl_monitor *m, nl_event_cb cb, void *userdata);
/*
 * Decode one message into up to max events (a multipath route gives one per
 * next hop); -EOPNOTSUPP for types we do not decode. Used by read and tests.
 */
int nl_event_decode(const struct nlmsghdr *nlh, struct nl_event *ret, size_t max,
		    size_t *ret_n);
