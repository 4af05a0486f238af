/* SPDX-License-Identifier: Apache-2.0 */
/*
 * dhcp-daemon.h - `dhcp daemon`: the process that holds the DHCP leases.
 *
 * Owns: the daemon's flags (the reference's names and defaults), the unix socket (or the one
 * systemd passes), the lease table keyed by client identifier, one thread per lease that
 * renews at T1, rebinds at T2 and starts over when the lease is lost, RELEASE on Release,
 * and a small record per lease next to the socket so a Release after a daemon restart still
 * gives the address back.
 *
 * The wire protocol between our plugin and our daemon is our own (the reference speaks Go's
 * net/rpc over HTTP): the plugin writes one JSON object and shuts its side down,
 *   {"method": "Allocate"|"Release", "containerID", "netns", "ifName", "args",
 *    "stdinData": "<the plugin's stdin>"},
 * and reads one back: {"result": <CNI 1.1.0 result>} or {"error": "<text>"}.
 */
#pragma once

int dhcp_daemon_main(int argc, char **argv);
