// SPDX-License-Identifier: Apache-2.0
/*
 * plugin-net.c - netlink errors and container link removal for plugins (see plugin-net.h).
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "netlink/nl-link.h"
#include "skel/plugin-net.h"

int skel_nl_error(struct cni_error *err, struct nl_sock *sk, int r, const char *fmt, ...)
{
	const char *ext = sk ? nl_sock_errmsg(sk) : "";
	char msg[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (ext && *ext)
		return cni_error_set(err, CNI_ERR_INTERNAL, "%s: %s (%s)", msg, strerror(-r), ext);
	return cni_error_set(err, CNI_ERR_INTERNAL, "%s: %s", msg, strerror(-r));
}

int skel_del_container_link(const char *netns_path, const char *ifname, struct cni_error *err)
{
	_cleanup_(nl_sock_freep) struct nl_sock *sk = NULL;
	struct nl_link l;
	int r;

	r = nl_sock_open_netns_path(netns_path, &sk);
	/* A vanished netns (or a leftover mount point file) took its interfaces with it. */
	if (r == -ENOENT || r == -EINVAL)
		return 0;
	if (r < 0)
		return cni_error_set(err, CNI_ERR_INTERNAL, "failed to open netns \"%s\": %s",
				     netns_path, strerror(-r));
	r = nl_link_get_by_name(sk, ifname, &l);
	if (r == -ENODEV)
		return 0;
	if (r < 0)
		return skel_nl_error(err, sk, r, "failed to lookup \"%s\"", ifname);
	r = nl_link_del(sk, l.ifindex);
	if (r < 0 && r != -ENODEV)
		return skel_nl_error(err, sk, r, "failed to delete \"%s\"", ifname);
	return 0;
}
