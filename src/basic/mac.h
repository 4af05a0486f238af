/* SPDX-License-Identifier: Apache-2.0 */
/*
 * mac.h - Ethernet addresses as text.
 *
 * Owns: the one MAC parser and formatter of the tree (netlink, the plugins, linend's
 * leases): the strict kernel/flannel form, Go's net.ParseMAC 6-byte forms that plugin
 * configs accept, and lower-case colon formatting.
 */
#pragma once

#include <stdint.h>

#define MAC_STRLEN 18

/* "aa:bb:cc:dd:ee:ff", either case; -EINVAL otherwise. ret is written only on success. */
int mac_parse(const char *s, uint8_t ret[static 6]);

/* The 6-byte forms of Go's net.ParseMAC: aa:bb:cc:dd:ee:ff, aa-bb-cc-dd-ee-ff and
 * aabb.ccdd.eeff, either case. */
int mac_parse_go(const char *s, uint8_t ret[static 6]);

/* "aa:bb:cc:dd:ee:ff" into buf; returns buf. */
const char *mac_format(const uint8_t mac[static 6], char buf[static MAC_STRLEN]);
