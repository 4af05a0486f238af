/* SPDX-License-Identifier: Apache-2.0 */
/*
 * iface.h - choosing the external interface and the public address, as flanneld does.
 *
 * Owns: --iface (names or addresses, in order), --iface-regex (on addresses first, then on
 * names), the default (the link of the first IPv4 default route in /proc/net/route), the
 * address rules (global before link-local; IPv6 deprecated/tentative skipped, permanent
 * before temporary) and --public-ip/--public-ipv6. Read-only: it never changes the system.
 */
#pragma once

#include <stdbool.h>

#include "linend/backend.h"

struct iface_options {
	char **ifaces;        /* --iface, in order; NULL or empty: unset */
	char **iface_regexes; /* --iface-regex */
	const char *public_ip;
	const char *public_ipv6;
};

int iface_select(const struct iface_options *o, struct backend_ext_iface *ret, char *err,
		 size_t errlen);
/* The interface of the first IPv4 default route in /proc/net/route text. -ENOENT if none. */
int iface_default_route_parse(const char *text, char ret_name[static IF_NAMESIZE]);
