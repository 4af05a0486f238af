/* SPDX-License-Identifier: Apache-2.0 */
/*
 * mirror-config.h - the mirror plugin's pure parts.
 *
 * Owns: reading the config (enabled, direction, collector) and its override from the
 * `mirror` capability (runtimeConfig.mirror) through godec, with our validation; the
 * tunnel device's name (one per collector, "lmir-" + hash of what defines the collector);
 * and the 16-byte cookie on each of our tc actions ("lmir", 6 bytes of hash of the network,
 * 6 bytes of hash of network + containerID + ifname), which is how DEL and GC know their
 * own filters from everybody else's. No kernel access here: unit tested alone.
 */
#pragma once

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "basic/ip.h"
#include "libcni/error.h"

#define MIRROR_IFNAMSIZ 16
#define MIRROR_TUNNEL_PREFIX "lmir-"
#define MIRROR_DEFAULT_PORT 4789
#define MIRROR_VNI_MAX 0xffffffu
#define MIRROR_COOKIE_SIZE 16
#define MIRROR_COOKIE_MAGIC "lmir"

enum mirror_collector_kind {
	MIRROR_COLLECTOR_NONE,
	MIRROR_COLLECTOR_INTERFACE,
	MIRROR_COLLECTOR_VXLAN,
};

struct mirror_collector {
	enum mirror_collector_kind kind;
	char interface[MIRROR_IFNAMSIZ];  /* INTERFACE: an existing host interface */
	struct {                          /* VXLAN: a tunnel we make */
		struct ip_addr remote;
		uint32_t vni;
		uint16_t port;
		char dev[MIRROR_IFNAMSIZ];   /* underlay, "" = let routing pick */
	} vxlan;
};

/* Directions from the pod's point of view. */
struct mirror_conf {
	bool enabled;
	bool ingress;   /* traffic to the pod: the host veth's egress side */
	bool egress;    /* traffic from the pod: the host veth's ingress side */
	struct mirror_collector collector;
};

/*
 * Read config (the whole stdin object) and runtime_config (may be NULL; the config's own
 * runtimeConfig wins, as in bandwidth). Each of enabled/direction/collector given in
 * runtimeConfig.mirror replaces the config's. Type errors are Go's (code 7); so are ours:
 * an unknown direction, a collector with both or neither of interface and vxlan, a bad
 * interface name, remote address, VNI or port. A disabled config needs no collector.
 */
int mirror_conf_parse(const json_t *config, const json_t *runtime_config,
		      struct mirror_conf *ret, struct cni_error *err);

/* "lmir-" + the first 10 hex digits of SHA-512("<remote>/<vni>/<port>/<dev>"). */
void mirror_tunnel_name(const struct mirror_collector *c, char ret[static MIRROR_IFNAMSIZ]);

/* The cookie of the attachment (network, containerID, ifname). */
void mirror_cookie(const char *network, const char *container_id, const char *ifname,
		   uint8_t ret[static MIRROR_COOKIE_SIZE]);

/* Whether cookie (len bytes) is one of ours, for network. */
bool mirror_cookie_of_network(const uint8_t *cookie, size_t len, const char *network);
