// SPDX-License-Identifier: Apache-2.0
/*
 * dummy - the CNI plugin that gives a container a dummy link with IPAM's addresses.
 *
 * A drop-in replacement for the upstream dummy plugin (newer than Debian's 1.1.1, which has
 * none): only the types.NetConf keys; `ipam` is required. The verbs are shared with macvlan
 * (sublink.c); a dummy has no master, so it is created under its final name.
 */
#include "plugins/macvlan/sublink.h"

int main(int argc, char **argv)
{
	return sublink_main(argc, argv, &sublink_dummy, "CNI dummy plugin (linen)");
}
