/* SPDX-License-Identifier: Apache-2.0 */
/*
 * plugin-net.h - the netlink-facing helpers plugins share (part of the plugin SDK, in its
 * own library skel_net so plugins without netlink do not link it).
 *
 * Owns: a netlink failure as a CNI error (with the kernel's extended ack), removing
 * the container's interface on DEL the way bridge and ptp do it, and the reference's
 * ipam.ConfigureIface and CHECK validations for plugins that put an IPAM result on one
 * interface (host-device, tap).
 */
#pragma once

#include "basic/macro.h"
#include "libcni/error.h"
#include "libcni/result.h"
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

/*
 * The reference's ipam.ConfigureIface on the link ifindex (named ifname) through sk, which
 * lives in the container's namespace: link up, every address of res (IPv4 with its
 * broadcast), then every route, a route without gateway going via the first gateway of its
 * family (waiting for IPv6 DAD first when there is an IPv6 gateway). Errors: code 999 with
 * the reference's "failed to add IP addr ..."/"failed to add route '<dst> via <gw> dev
 * <if>'" texts.
 */
int skel_configure_iface(struct nl_sock *sk, int ifindex, const char *ifname,
			 const struct cni_result *res, struct cni_error *err);

/* CHECK: every address of res is on ifindex ("Failed to match addr <a> on interface <if>"). */
int skel_check_iface_ips(struct nl_sock *sk, int ifindex, const char *ifname,
			 const struct cni_result *res, struct cni_error *err);

/* CHECK: a route to every route's dst, with its gateway when it names one ("Failed to match
 * route <dst>"). Unlike the reference, a gateway-less route matches a route via any gateway:
 * ConfigureIface installs it via the family's gateway. */
int skel_check_routes(struct nl_sock *sk, const struct cni_result *res, struct cni_error *err);
