// SPDX-License-Identifier: Apache-2.0
/*
 * dhcp-lease.c - the lease clock and resend schedule; see dhcp-lease.h.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "dhcp-lease.h"

#define RESEND_FAST_MS 2000
#define RESEND_FAST_COUNT 4
#define RESEND_FIRST_MS 4000
#define RETRY_MIN_MS 60000

void dhcp_lease_clock_set(struct dhcp_lease_clock *c, int64_t now_ms, uint32_t lease_s,
			  bool has_t1, uint32_t t1_s, bool has_t2, uint32_t t2_s)
{
	int64_t lease = (int64_t)lease_s * 1000, t1, t2;

	c->start_ms = now_ms;
	if (lease_s == DHCP_INFINITE) {
		c->t1_ms = c->t2_ms = c->expire_ms = INT64_MAX;
		return;
	}
	t2 = has_t2 && t2_s <= lease_s ? (int64_t)t2_s * 1000 : lease * 7 / 8;
	t1 = has_t1 && (int64_t)t1_s * 1000 <= t2 ? (int64_t)t1_s * 1000 : lease / 2;
	/* A default T1 can exceed a server's short T2; keep the order T1 <= T2. */
	if (t1 > t2)
		t1 = t2;
	c->t1_ms = now_ms + t1;
	c->t2_ms = now_ms + t2;
	c->expire_ms = now_ms + lease;
}

enum dhcp_lease_state dhcp_lease_state_at(const struct dhcp_lease_clock *c, int64_t now_ms)
{
	if (now_ms >= c->expire_ms)
		return DHCP_LEASE_EXPIRED;
	if (now_ms >= c->t2_ms)
		return DHCP_LEASE_REBINDING;
	if (now_ms >= c->t1_ms)
		return DHCP_LEASE_RENEWING;
	return DHCP_LEASE_BOUND;
}

static int64_t retry_wait(int64_t now_ms, int64_t deadline_ms)
{
	int64_t left = deadline_ms - now_ms, w = left / 2;

	if (w < RETRY_MIN_MS)
		w = RETRY_MIN_MS;
	return w < left ? w : left;
}

int64_t dhcp_lease_wait_ms(const struct dhcp_lease_clock *c, int64_t now_ms, bool retry)
{
	switch (dhcp_lease_state_at(c, now_ms)) {
	case DHCP_LEASE_BOUND:
		return c->t1_ms == INT64_MAX ? -1 : c->t1_ms - now_ms;
	case DHCP_LEASE_RENEWING:
		return retry ? retry_wait(now_ms, c->t2_ms) : 0;
	case DHCP_LEASE_REBINDING:
		return retry ? retry_wait(now_ms, c->expire_ms) : 0;
	case DHCP_LEASE_EXPIRED:
		return 0;
	}
	return 0;
}

int64_t dhcp_resend_delay_ms(unsigned attempt, int64_t resend_max_ms)
{
	int64_t d;

	if (attempt < RESEND_FAST_COUNT) {
		d = RESEND_FAST_MS;
	} else {
		d = RESEND_FIRST_MS;
		for (unsigned i = RESEND_FAST_COUNT; i < attempt; i++) {
			/* The schedule ends once the delay has reached its cap. */
			if (d >= resend_max_ms)
				return -1;
			d *= 2;
		}
	}
	return d < resend_max_ms ? d : resend_max_ms;
}

int dhcp_parse_duration(const char *s, int64_t *ret_ms)
{
	static const struct {
		const char *unit;
		double ms;
	} units[] = {
		{ "ns", 1e-6 }, { "us", 1e-3 }, { "µs", 1e-3 }, { "ms", 1 },
		{ "s", 1e3 },   { "m", 60e3 },  { "h", 3600e3 },
	};
	double total = 0;
	bool neg = false;

	if (!s || !*s)
		return -EINVAL;
	if (*s == '-' || *s == '+')
		neg = *s++ == '-';
	if (strcmp(s, "0") == 0) {
		*ret_ms = 0;
		return 0;
	}
	if (!*s)
		return -EINVAL;
	while (*s) {
		char *end;
		double v;
		size_t best = 0, bi = 0;

		if (!(*s >= '0' && *s <= '9') && *s != '.')
			return -EINVAL;
		v = strtod(s, &end);
		if (end == s)
			return -EINVAL;
		s = end;
		for (size_t i = 0; i < sizeof(units) / sizeof(units[0]); i++) {
			size_t l = strlen(units[i].unit);

			if (strncmp(s, units[i].unit, l) == 0 && l > best) {
				best = l;
				bi = i;
			}
		}
		if (!best)
			return -EINVAL; /* Go: "missing unit in duration" */
		total += v * units[bi].ms;
		s += best;
	}
	if (total > 9.2e15)
		return -EINVAL;
	*ret_ms = (int64_t)(neg ? -total : total);
	return 0;
}
