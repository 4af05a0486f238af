/* SPDX-License-Identifier: Apache-2.0 */
/*
 * nl-ct.h - deleting conntrack entries (ctnetlink, NETLINK_NETFILTER).
 *
 * Owns: removing the connection-tracking entries whose original direction
 * goes to a given protocol and destination port, as the portmap plugin does
 * for UDP host ports so that a new mapping takes effect for "connections"
 * conntrack already tracks.
 */
#pragma once

#include <stdbool.h>
#include <stdint.h>

#include "netlink/nl-sock.h"

/*
 * Delete every entry of family (AF_INET/AF_INET6) with original-direction
 * protocol proto (IPPROTO_UDP ...) and destination port dport, in the
 * current network namespace. Returns how many were deleted, or -errno.
 */
int nl_conntrack_delete_dport(int family, uint8_t proto, uint16_t dport);

/* Builders, for byte tests: a dump request, and a delete of one original tuple. */
int nl_conntrack_dump_msg(void *buf, int family);
/* zone_be: the entry's CTA_ZONE in network order, when it had one (has_zone). */
int nl_conntrack_delete_msg(void *buf, int family, const struct nlattr *tuple_orig,
			    bool has_zone, uint16_t zone_be);
