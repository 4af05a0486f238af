// SPDX-License-Identifier: Apache-2.0
/*
 * nl-monitor.c - rtnetlink multicast events decoded into typed structs.
 */
#include <stdlib.h>
#include <libmnl/libmnl.h>
#include <linux/rtnetlink.h>

#include "basic/macro.h"
#include "basic/netns.h"
#include "netlink/nl-monitor.h"

struct nl_monitor {
	struct mnl_socket *mnl;
	char buf[NL_RECV_MAX];
};

int nl_monitor_open(unsigned groups, struct nl_monitor **ret)
{
	static const struct {
		unsigned mask;
		int group;
	} map[] = {
		{ NL_MON_LINK, RTNLGRP_LINK },
		{ NL_MON_ADDR, RTNLGRP_IPV4_IFADDR },
		{ NL_MON_ADDR, RTNLGRP_IPV6_IFADDR },
		{ NL_MON_ROUTE, RTNLGRP_IPV4_ROUTE },
		{ NL_MON_ROUTE, RTNLGRP_IPV6_ROUTE },
		{ NL_MON_NEIGH, RTNLGRP_NEIGH },
	};
	struct nl_monitor *m;
	int r;

	if (groups == 0)
		return -EINVAL;
	m = calloc(1, sizeof(*m));
	if (!m)
		return -ENOMEM;
	m->mnl = mnl_socket_open2(NETLINK_ROUTE, SOCK_NONBLOCK | SOCK_CLOEXEC);
	if (!m->mnl) {
		r = negative_errno();
		free(m);
		return r;
	}
	if (mnl_socket_bind(m->mnl, 0, MNL_SOCKET_AUTOPID) < 0)
		goto fail;
	for (size_t i = 0; i < ELEMENTSOF(map); i++) {
		if (!(groups & map[i].mask))
			continue;
		if (mnl_socket_setsockopt(m->mnl, NETLINK_ADD_MEMBERSHIP, (void *)&map[i].group,
					  sizeof(map[i].group)) < 0)
			goto fail;
	}
	*ret = m;
	return 0;
fail:
	r = negative_errno();
	nl_monitor_free(m);
	return r;
}

int nl_monitor_open_netns(int nsfd, unsigned groups, struct nl_monitor **ret)
{
	struct nl_monitor *m = NULL;
	int saved = -1, r, q;

	r = netns_enter(nsfd, &saved);
	if (r < 0)
		return r;
	r = nl_monitor_open(groups, &m);
	q = netns_restore(&saved);
	if (r < 0)
		return r;
	if (q < 0) {
		nl_monitor_free(m);
		return q;
	}
	*ret = m;
	return 0;
}

struct nl_monitor *nl_monitor_free(struct nl_monitor *m)
{
	if (!m)
		return NULL;
	if (m->mnl)
		mnl_socket_close(m->mnl);
	free(m);
	return NULL;
}

int nl_monitor_fd(const struct nl_monitor *m)
{
	return mnl_socket_get_fd(m->mnl);
}

int nl_event_decode(const struct nlmsghdr *nlh, struct nl_event *ret, size_t max,
		    size_t *ret_n)
{
	struct nl_route rs[32];
	size_t n = 0;
	int r;

	if (max == 0)
		return -ENOBUFS;
	memset(&ret[0], 0, sizeof(ret[0]));
	switch (nlh->nlmsg_type) {
	case RTM_NEWLINK:
	case RTM_DELLINK:
		ret[0].kind = NL_EVENT_LINK;
		r = nl_link_parse(nlh, &ret[0].link);
		n = 1;
		break;
	case RTM_NEWADDR:
	case RTM_DELADDR:
		ret[0].kind = NL_EVENT_ADDR;
		r = nl_addr_parse(nlh, &ret[0].addr);
		n = 1;
		break;
	case RTM_NEWNEIGH:
	case RTM_DELNEIGH:
		ret[0].kind = NL_EVENT_NEIGH;
		r = nl_neigh_parse(nlh, &ret[0].neigh);
		n = 1;
		break;
	case RTM_NEWROUTE:
	case RTM_DELROUTE:
		r = nl_route_parse(nlh, rs, MIN(max, ELEMENTSOF(rs)), &n);
		for (size_t i = 0; r >= 0 && i < n; i++) {
			memset(&ret[i], 0, sizeof(ret[i]));
			ret[i].kind = NL_EVENT_ROUTE;
			ret[i].route = rs[i];
		}
		break;
	default:
		return -EOPNOTSUPP;
	}
	if (r < 0)
		return r;
	for (size_t i = 0; i < n; i++) {
		ret[i].type = nlh->nlmsg_type;
		ret[i].deleted = nlh->nlmsg_type == RTM_DELLINK || nlh->nlmsg_type == RTM_DELADDR ||
				 nlh->nlmsg_type == RTM_DELROUTE ||
				 nlh->nlmsg_type == RTM_DELNEIGH;
	}
	*ret_n = n;
	return 0;
}

int nl_monitor_read(struct nl_monitor *m, nl_event_cb cb, void *userdata)
{
	for (;;) {
		ssize_t n = mnl_socket_recvfrom(m->mnl, m->buf, sizeof(m->buf));
		const struct nlmsghdr *nlh = (const struct nlmsghdr *)m->buf;
		int len = (int)n;

		if (n < 0) {
			if (errno == EINTR)
				continue;
			if (errno == EAGAIN || errno == EWOULDBLOCK)
				return 0;
			return negative_errno();
		}
		for (; mnl_nlmsg_ok(nlh, len); nlh = mnl_nlmsg_next(nlh, &len)) {
			struct nl_event ev[32];
			size_t nev;

			/* Events we cannot decode (other families, cache entries) are skipped. */
			if (nl_event_decode(nlh, ev, ELEMENTSOF(ev), &nev) < 0)
				continue;
			for (size_t i = 0; i < nev; i++) {
				int r = cb(&ev[i], userdata);

				if (r < 0)
					return r;
			}
		}
	}
}
