/* SPDX-License-Identifier: Apache-2.0 */
/*
 * sublink.h - the verbs shared by macvlan, ipvlan, vlan and dummy.
 *
 * Owns: ADD (find the master: given, prevResult's for a chained ipvlan, or the interface of
 * the first default route where the master lives; check the MTU against it; create the
 * link under a temporary name directly in the container, rename it there; IPAM; addresses,
 * routes and ARP/ND notify in the container; undo all of it on failure), DEL (IPAM, then
 * the link) and CHECK (the link's kind, mode, MAC, addresses and routes against prevResult),
 * each driven by the kind's table in sublink-config.h. Each plugin's main() is one call.
 */
#pragma once

#include "plugins/macvlan/sublink-config.h"

int sublink_main(int argc, char **argv, const struct sublink_kind *kind, const char *about);
