/* SPDX-License-Identifier: Apache-2.0 */
/*
 * dhcp-lease.h - when a DHCP lease is renewed, rebound and lost (RFC 2131 4.4.5).
 *
 * Owns: the lease clock (T1/T2 from the server or their defaults, 0.5 and 0.875 of the lease
 * time), the state a lease is in at a given time and how long to sleep before the next step,
 * the resend schedule of a failed exchange, and Go's duration syntax for the daemon's flags.
 * Pure: times are passed in (milliseconds on CLOCK_BOOTTIME), so tests drive every branch.
 */
#pragma once

#include <stdbool.h>
#include <stdint.h>

#define DHCP_INFINITE UINT32_MAX

enum dhcp_lease_state {
	DHCP_LEASE_BOUND,      /* before T1: nothing to do */
	DHCP_LEASE_RENEWING,   /* T1..T2: REQUEST to the server that gave the lease */
	DHCP_LEASE_REBINDING,  /* T2..expiry: REQUEST to any server */
	DHCP_LEASE_EXPIRED,    /* the address is lost: start over with DISCOVER */
};

struct dhcp_lease_clock {
	int64_t start_ms;      /* when the ACK arrived */
	int64_t t1_ms, t2_ms, expire_ms; /* absolute; INT64_MAX = never (infinite lease) */
};

/* The clock of a lease acknowledged at now_ms. T2 beyond the lease, or T1 beyond T2, fall
 * back to their defaults as RFC 2131 asks. */
void dhcp_lease_clock_set(struct dhcp_lease_clock *c, int64_t now_ms, uint32_t lease_s,
			  bool has_t1, uint32_t t1_s, bool has_t2, uint32_t t2_s);

/* The lease's state at now_ms. */
enum dhcp_lease_state dhcp_lease_state_at(const struct dhcp_lease_clock *c, int64_t now_ms);

/* How long to wait at now_ms before acting (0 = act now). While renewing or rebinding after
 * a failed attempt in that same state (retry = true; the first attempt of a new state is
 * never delayed) the wait is half the time left to the next deadline, at
 * least 60 s (RFC 2131 4.4.5), but never past that deadline. -1 = forever. */
int64_t dhcp_lease_wait_ms(const struct dhcp_lease_clock *c, int64_t now_ms, bool retry);

/* The delay before resend number `attempt` (0-based) of a failed exchange, without jitter:
 * a few fast retries, then exponential from 4 s; every delay is capped at resend_max_ms.
 * Returns -1 when no attempt is left. */
int64_t dhcp_resend_delay_ms(unsigned attempt, int64_t resend_max_ms);

/* Go's time.ParseDuration for the units a daemon flag needs ("10s", "1m2s", "500ms",
 * "1.5h"); -EINVAL otherwise. */
int dhcp_parse_duration(const char *s, int64_t *ret_ms);
