/* SPDX-License-Identifier: Apache-2.0 */
/*
 * plugin-net.h - the netlink-facing helpers plugins share (part of the plugin SDK, in its
 * own library skel_net so plugins without netlink do not link it).
 *
 * Owns: a netlink failure as a CNI error (with the kernel's extended ack), and removing
 * the container's interface on DEL the way bridge and ptp do it.
 */
#pragma once

#include "basic/macro.h"
#include "libcni/error.h"
#include "netlink/nl-sock.h"

/* Code 999 "<fmt...>: <strerror(-r)>", plus " (<extack>)" when the kernel sent one on sk
 * (which may be NULL). Returns -EINVAL. */
int skel_nl_error(struct cni_error *err, struct nl_sock *sk, int r, const char *fmt, ...)
	_printf_(4, 5) __attribute__((nonnull(4)));

/*
 * DEL's removal of interface ifname inside the netns at netns_path. A namespace that is gone
 * (or a mount point file left behind) and a missing interface count as done. Errors: code
 * 999 "failed to open netns ...", "failed to lookup/delete \"<ifname>\": ...".
 */
int skel_del_container_link(const char *netns_path, const char *ifname, struct cni_error *err);
