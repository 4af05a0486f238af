// SPDX-License-Identifier: Apache-2.0
/*
 * ipvlan - the CNI plugin that gives a container an ipvlan link on a host interface.
 *
 * A drop-in replacement for the reference ipvlan plugin: keys `master` (default: the
 * interface of the first default route, or in a chain prevResult's only interface),
 * `mode` (l2, l3, l3s), `mtu`, `linkInContainer`, `ipam` (a chained run without one takes
 * prevResult's addresses) and `dns`. The verbs are shared with macvlan (sublink.c).
 */
#include "plugins/macvlan/sublink.h"

int main(int argc, char **argv)
{
	return sublink_main(argc, argv, &sublink_ipvlan, "CNI ipvlan plugin (linen)");
}
