/* SPDX-License-Identifier: Apache-2.0 */
/*
 * backend-vxlan.h - the vxlan backend's pure parts, for its unit tests.
 *
 * Owns: the rule for which VTEP MAC a node uses (vxlan_mac_choose) and where it is kept
 * (vxlan_mac_file: one file per node, keyed by its public address). The backend itself is
 * reached through backend_vxlan_ops (backend.h).
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "basic/ip.h"
#include "linend/lease.h"
#include "linend/netconfig.h"
#include "linend/reconcile.h"

/*
 * Pure: the VTEP MAC to use. lease_mac: the VtepMAC of our own lease from an earlier run
 * (what every peer programmed; NULL: none); dev_mac: the MAC of an existing device of
 * that name (NULL: none); saved: the state file's text (NULL: none); fresh: a random MAC to
 * fall back on. The first valid one wins. *ret_save tells whether the state file must be
 * (re)written.
 */
void vxlan_mac_choose(const uint8_t *lease_mac, const uint8_t *dev_mac, const char *saved,
		      const uint8_t fresh[static 6], uint8_t ret[static 6], bool *ret_save);

/* <state_dir>/linend-<dev>-<public_ip>.mac into buf; -EINVAL without an address. */
int vxlan_mac_file(const char *state_dir, const char *dev, const struct ip_addr *public_ip,
		   char *buf, size_t size);

/*
 * Pure: what vxlan needs of a lease the common checks (dp_lease_check) passed: vxlan
 * BackendData with a valid VtepMAC, and a valid BackendV6Data MAC when it has an IPv6 part
 * and IPv6 is on.
 */
enum dp_reject vxlan_data_check(const struct net_config *cfg, const struct lease *l);
