/* SPDX-License-Identifier: Apache-2.0 */
/*
 * bandwidth-config.h - the bandwidth plugin's pure parts.
 *
 * Owns: reading the limits (top-level ingressRate/ingressBurst/egressRate/
 * egressBurst, else the `bandwidth` capability in runtimeConfig) with the
 * reference's validation, the TBF numbers the reference programs for a
 * rate/burst pair (rate and burst in bits; 25 ms of latency; buffer in
 * psched ticks), the IFB device name ("bwp" + SHA-512(net + containerID)
 * in hex, 15 characters) and the alias we tag our IFBs with so GC can find
 * the ones of one network. No kernel access here: unit tested alone.
 */
#pragma once

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "libcni/error.h"
#include "netlink/nl-tc.h"

#define BW_IFB_PREFIX "bwp"
#define BW_IFNAMSIZ 16
/* The reference's TBF latency. */
#define BW_LATENCY_MS 25
/* Our IFBs carry this alias prefix followed by the network name. */
#define BW_ALIAS_PREFIX "linen-bandwidth:"

struct bw_limits {
	uint64_t ingress_rate, ingress_burst; /* bits/s, bits; 0 = none */
	uint64_t egress_rate, egress_burst;
};

/*
 * Read the limits from the plugin config (the whole stdin object) and its
 * runtimeConfig (may be NULL). The top-level keys win when any of them is
 * present, else runtimeConfig.bandwidth. Each rate/burst pair must be set
 * both or neither, burst / 8 must stay below 4 GiB, a set rate must be at
 * least 8 bits/s (one byte). Errors carry code 7.
 */
int bw_limits_parse(const json_t *config, const json_t *runtime_config, struct bw_limits *ret,
		    struct cni_error *err);

static inline bool bw_has_ingress(const struct bw_limits *l)
{
	return l->ingress_rate > 0 && l->ingress_burst > 0;
}

static inline bool bw_has_egress(const struct bw_limits *l)
{
	return l->egress_rate > 0 && l->egress_burst > 0;
}

/*
 * The TBF the reference programs for rate (bits/s) and burst (bits):
 * rate = bits/8 bytes/s, buffer = ticks(burst_bytes * 1e6 / rate_bytes usec),
 * limit = rate_bytes * 25 ms + burst_bytes, with Go's float→uint32 steps.
 * -EINVAL when the rate is under one byte per second or burst is 0.
 */
int bw_tbf_params(uint64_t rate_bits, uint64_t burst_bits, double tick_in_usec,
		  struct nl_tbf *ret);

/* "bwp" + hex SHA-512(network + containerID), cut to 15 characters. */
int bw_ifb_name(const char *network, const char *container_id, char ret[static BW_IFNAMSIZ]);

/* BW_ALIAS_PREFIX + network, cut to fit an interface alias. */
void bw_ifb_alias(const char *network, char *buf, size_t size);
