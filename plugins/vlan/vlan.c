// SPDX-License-Identifier: Apache-2.0
/*
 * vlan - the CNI plugin that gives a container an 802.1Q VLAN link on a host interface.
 *
 * A drop-in replacement for the reference vlan plugin: keys `master` (required), `vlanId`
 * (0..4094), `mtu` (0 = the master's), `linkInContainer`, `ipam` (required) and `dns`. The
 * verbs are shared with macvlan (sublink.c).
 */
#include "plugins/macvlan/sublink.h"

int main(int argc, char **argv)
{
	return sublink_main(argc, argv, &sublink_vlan, "CNI vlan plugin (linen)");
}
