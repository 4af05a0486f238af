// SPDX-License-Identifier: Apache-2.0
/*
 * macvlan - the CNI plugin that gives a container a macvlan link on a host interface.
 *
 * A drop-in replacement for the reference macvlan plugin: keys `master` (default: the
 * interface of the first default route, looked up in the container with
 * `linkInContainer`), `mode` (bridge, private, vepa, passthru), `mtu` (0 = the master's),
 * `mac` (also from CNI_ARGS MAC and runtimeConfig.mac), `ipam` (optional: without it the
 * link is layer 2 only) and `dns`. The verbs are shared with ipvlan, vlan and dummy
 * (sublink.c).
 */
#include "plugins/macvlan/sublink.h"

int main(int argc, char **argv)
{
	return sublink_main(argc, argv, &sublink_macvlan, "CNI macvlan plugin (linen)");
}
