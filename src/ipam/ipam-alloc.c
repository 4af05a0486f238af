// SPDX-License-Identifier: Apache-2.0
/*
 * ipam-alloc.c - allocation on top of the store.
 *
 * The reference tries candidates one open(O_EXCL) at a time, so a nearly full
 * /16 costs tens of thousands of syscalls per ADD. Here a range set's
 * addresses are numbered 0..total-1 (ranges in config order); one readdir
 * gives the used addresses, which become sorted positions, and the first free
 * position after the cursor is found by walking that sorted list. The result
 * is the address the reference would have picked, found in O(n log n).
 */
#include <errno.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ipam/ipam-alloc.h"

#ifdef LINEN_TEST_HOOKS
void ipam_crash_point(const char *point)
{
	static unsigned hits;
	const char *want = getenv("LINEN_IPAM_CRASH_AT"), *colon;
	unsigned nth = 1;
	size_t len;

	if (!want)
		return;
	/* "point" or "point:N" (the Nth time this point is reached). */
	colon = strchr(want, ':');
	len = colon ? (size_t)(colon - want) : strlen(want);
	if (colon)
		nth = (unsigned)strtoul(colon + 1, NULL, 10);
	if (strlen(point) != len || strncmp(point, want, len) != 0)
		return;
	if (++hits >= nth)
		(void)kill(getpid(), SIGKILL);
}
#endif

static int cmp_addr(const void *a, const void *b)
{
	return ip_addr_cmp(a, b);
}

size_t ipam_addr_sort_unique(struct ip_addr *a, size_t n)
{
	size_t k = 0;

	if (!n)
		return 0;
	qsort(a, n, sizeof(*a), cmp_addr);
	for (size_t i = 1; i < n; i++)
		if (!ip_addr_equal(&a[i], &a[k]))
			a[++k] = a[i];
	return k + 1;
}

static ip_u128 range_size(const struct ipam_range *r)
{
	return ip_addr_to_u128(&r->end) - ip_addr_to_u128(&r->start) + 1;
}

/* Position of a in the set's numbering; false when outside every range. */
static bool set_pos(const struct ipam_range_set *s, const struct ip_addr *a, ip_u128 *ret)
{
	ip_u128 base = 0;

	for (size_t i = 0; i < s->n_ranges; i++) {
		const struct ipam_range *r = &s->ranges[i];

		if (ipam_range_contains(r, a)) {
			*ret = base + ip_addr_to_u128(a) - ip_addr_to_u128(&r->start);
			return true;
		}
		base += range_size(r);
	}
	return false;
}

static void pos_addr(const struct ipam_range_set *s, ip_u128 pos, struct ip_addr *ret)
{
	for (size_t i = 0; i < s->n_ranges; i++) {
		const struct ipam_range *r = &s->ranges[i];
		ip_u128 size = range_size(r);

		if (pos < size) {
			ip_addr_from_u128(r->start.family, ip_addr_to_u128(&r->start) + pos, ret);
			return;
		}
		pos -= size;
	}
}

static ip_u128 set_total(const struct ipam_range_set *s)
{
	ip_u128 t = 0;

	for (size_t i = 0; i < s->n_ranges; i++)
		t += range_size(&s->ranges[i]);
	return t;
}

static int cmp_u128(const void *a, const void *b)
{
	ip_u128 x = *(const ip_u128 *)a, y = *(const ip_u128 *)b;

	return x < y ? -1 : x > y;
}

/* Sorted, unique positions taken in s: used addresses plus the ranges' gateways. */
static int taken_positions(const struct ipam_range_set *s, const struct ip_addr *used,
			   size_t n_used, ip_u128 **ret, size_t *ret_n)
{
	ip_u128 *p = malloc((n_used + s->n_ranges + 1) * sizeof(*p));
	size_t n = 0, k = 0;

	if (!p)
		return -ENOMEM;
	for (size_t i = 0; i < n_used; i++)
		if (set_pos(s, &used[i], &p[n]))
			n++;
	for (size_t i = 0; i < s->n_ranges; i++)
		if (set_pos(s, &s->ranges[i].gateway, &p[n]))
			n++;
	if (n) {
		qsort(p, n, sizeof(*p), cmp_u128);
		for (size_t i = 1; i < n; i++)
			if (p[i] != p[k])
				p[++k] = p[i];
		n = k + 1;
	}
	*ret = p;
	*ret_n = n;
	return 0;
}

/* First position >= from and < to that is not in taken[]; true when found. */
static bool first_free(const ip_u128 *taken, size_t n, ip_u128 from, ip_u128 to, ip_u128 *ret)
{
	size_t lo = 0, hi = n;
	ip_u128 c = from;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (taken[mid] < from)
			lo = mid + 1;
		else
			hi = mid;
	}
	for (size_t i = lo; i < n && taken[i] == c; i++)
		c++;
	if (c >= to)
		return false;
	*ret = c;
	return true;
}

int ipam_pick_next(const struct ipam_range_set *s, const struct ip_addr *used, size_t n_used,
		   const struct ip_addr *last, struct ip_addr *ret)
{
	_cleanup_free_ ip_u128 *taken = NULL;
	ip_u128 total = set_total(s), start = 0, lp, found;
	size_t n;
	int r;

	r = taken_positions(s, used, n_used, &taken, &n);
	if (r < 0)
		return r;
	/* Round-robin: the address after the last one reserved, if it is still ours. */
	if (last && last->family && set_pos(s, last, &lp))
		start = lp + 1 == total ? 0 : lp + 1;
	if (!first_free(taken, n, start, total, &found) &&
	    !(start > 0 && first_free(taken, n, 0, start, &found)))
		return -ENOSPC;
	pos_addr(s, found, ret);
	return 0;
}

unsigned long long ipam_count_free(const struct ipam_range_set *s, const struct ip_addr *used,
				   size_t n_used)
{
	_cleanup_free_ ip_u128 *taken = NULL;
	ip_u128 total = set_total(s), left;
	size_t n;

	if (taken_positions(s, used, n_used, &taken, &n) < 0)
		return 1; /* unknown: do not claim "full" on ENOMEM */
	left = total - n;
	return left > (ip_u128)~0ULL ? ~0ULL : (unsigned long long)left;
}

static int errf(char *err, int r, const char *fmt, ...) _printf_(3, 4);
static int errf(char *err, int r, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(err, IPAM_ERR_MAX, fmt, ap);
	va_end(ap);
	return r;
}

static void report_scan(const struct ipam_scan *scan, ipam_report_fn report, void *userdata)
{
	if (!report)
		return;
	for (size_t i = 0; i < scan->n_entries; i++)
		if (scan->entries[i].kind == IPAM_OWNER_CORRUPT)
			report(userdata, scan->entries[i].name,
			       "content is not \"<containerID>\\r\\n<ifname>\"; address kept");
	for (char **f = scan->foreign; f && *f; f++)
		report(userdata, *f, "unexpected file in the store; ignored");
}

/* Every address in the scan, sorted and deduplicated. */
static int used_list(const struct ipam_scan *scan, struct ip_addr **ret, size_t *ret_n)
{
	struct ip_addr *u = malloc((scan->n_entries + 1) * sizeof(*u));

	if (!u)
		return -ENOMEM;
	for (size_t i = 0; i < scan->n_entries; i++)
		u[i] = scan->entries[i].addr;
	*ret_n = ipam_addr_sort_unique(u, scan->n_entries);
	*ret = u;
	return 0;
}

static int alloc_one(const struct ipam_config *c, struct ipam_store *s, size_t idx,
		     const struct ipam_scan *scan, struct ip_addr **used, size_t *n_used,
		     bool *consumed, const char *id, const char *ifname,
		     struct ipam_lease *ret, char *err)
{
	const struct ipam_range_set *set = &c->sets[idx];
	char a[IP_ADDR_STRLEN], rs[4096];
	const struct ipam_range *range;
	const struct ip_addr *req = NULL;
	struct ip_addr cand, last = {}, *nu;
	bool have_last;
	int r;

	ipam_range_set_to_string(set, rs, sizeof(rs));
	for (size_t i = 0; i < c->n_requested; i++)
		if (!consumed[i] && ipam_range_set_find(set, &c->requested[i])) {
			req = &c->requested[i];
			consumed[i] = true;
			break;
		}

	if (req) {
		range = ipam_range_set_find(set, req);
		if (ip_addr_equal(req, &range->gateway))
			return errf(err, -EINVAL, "requested ip %s is subnet's gateway",
				    ip_addr_to_string(req, a));
		r = ipam_store_reserve(s, req, id, ifname);
		if (r == -EEXIST)
			return errf(err, r, "requested IP address %s is not available in range set %s",
				    ip_addr_to_string(req, a), rs);
		if (r < 0)
			return errf(err, r, "failed to reserve %s: %s", ip_addr_to_string(req, a),
				    strerror(-r));
		cand = *req;
	} else {
		/* The spec forbids a second ADD for one attachment without a DEL. */
		for (size_t i = 0; i < scan->n_entries; i++) {
			const struct ipam_entry *e = &scan->entries[i];

			if (ipam_entry_owned_by(e, id, ifname, true) &&
			    ipam_range_set_find(set, &e->addr))
				return errf(err, -EEXIST,
					    "%s has been allocated to %s, duplicate allocation is not allowed",
					    ip_addr_to_string(&e->addr, a), id);
		}
		have_last = ipam_store_get_last(s, idx, &last) >= 0;
		for (;;) {
			r = ipam_pick_next(set, *used, *n_used, have_last ? &last : NULL, &cand);
			if (r == -ENOSPC)
				return errf(err, r, "no IP addresses available in range set: %s",
					    rs);
			if (r < 0)
				return errf(err, r, "%s", strerror(-r));
			r = ipam_store_reserve(s, &cand, id, ifname);
			if (r != -EEXIST)
				break;
			/* Created behind our back (a writer that does not lock): skip it. */
			nu = realloc(*used, (*n_used + 1) * sizeof(*nu));
			if (!nu)
				return -ENOMEM;
			*used = nu;
			nu[(*n_used)++] = cand;
			*n_used = ipam_addr_sort_unique(nu, *n_used);
			last = cand;
			have_last = true;
		}
		if (r < 0)
			return errf(err, r, "failed to reserve %s: %s", ip_addr_to_string(&cand, a),
				    strerror(-r));
	}
	ipam_crash_point("add-reserved");
	/* Only a round-robin hint (the reference writes it on every reservation). */
	(void)ipam_store_set_last(s, idx, &cand);
	ipam_crash_point("add-cursor");

	range = ipam_range_set_find(set, &cand);
	ret->address.addr = cand;
	ret->address.len = range->subnet.len;
	ret->gateway = range->gateway;
	return 0;
}

/* The reference's error for requested IPs no range set took; false when none is left. */
static bool leftover_requested(const struct ipam_config *c, const bool *consumed, char *err)
{
	size_t off = 0;
	bool any = false;

	for (size_t i = 0; i < c->n_requested; i++) {
		char a[IP_ADDR_STRLEN];

		if (consumed[i])
			continue;
		if (!any)
			off = (size_t)snprintf(err, IPAM_ERR_MAX, "failed to allocate all requested IPs:");
		any = true;
		if (off < IPAM_ERR_MAX)
			off += (size_t)snprintf(err + off, IPAM_ERR_MAX - off, " %s",
						ip_addr_to_string(&c->requested[i], a));
	}
	return any;
}

int ipam_allocate(const struct ipam_config *c, struct ipam_store *s, const char *id,
		  const char *ifname, ipam_report_fn report, void *userdata,
		  struct ipam_lease **ret, size_t *ret_n, char err[static IPAM_ERR_MAX])
{
	_cleanup_free_ struct ipam_lease *leases = NULL;
	_cleanup_free_ struct ip_addr *used = NULL;
	_cleanup_free_ bool *consumed = NULL;
	struct ipam_scan scan = {};
	size_t n_used = 0, n = 0;
	int r;

	err[0] = 0;
	if (!ipam_valid_id(id) || !ipam_valid_ifname(ifname))
		return errf(err, -EINVAL, "invalid container ID or interface name");
	leases = calloc(c->n_sets, sizeof(*leases));
	consumed = calloc(c->n_requested + 1, sizeof(*consumed));
	if (!leases || !consumed)
		return -ENOMEM;

	r = ipam_store_lock(s);
	if (r < 0)
		return errf(err, r, "failed to lock %s: %s", s->path, strerror(-r));
	ipam_crash_point("add-locked");
	r = ipam_store_scan(s, true, &scan);
	if (r < 0) {
		errf(err, r, "failed to read %s: %s", s->path, strerror(-r));
		goto out;
	}
	report_scan(&scan, report, userdata);
	r = used_list(&scan, &used, &n_used);
	if (r < 0)
		goto out;

	for (size_t i = 0; i < c->n_sets; i++) {
		char inner[IPAM_ERR_MAX] = "";

		r = alloc_one(c, s, i, &scan, &used, &n_used, consumed, id, ifname, &leases[n],
			      inner);
		if (r < 0) {
			errf(err, r, "failed to allocate for range %zu: %s", i,
			     inner[0] ? inner : strerror(-r));
			goto rollback;
		}
		n++;
	}
	if (leftover_requested(c, consumed, err)) {
		r = -EINVAL;
		goto rollback;
	}
	ipam_crash_point("add-done");
	ipam_scan_done(&scan);
	ipam_store_unlock(s);
	*ret = TAKE_PTR(leases);
	*ret_n = n;
	return 0;

rollback:
	/* All or nothing: give back exactly what this call took. */
	for (size_t i = 0; i < n; i++) {
		char a[IP_ADDR_STRLEN];

		(void)ipam_store_release(s, ip_addr_to_string(&leases[i].address.addr, a));
	}
out:
	ipam_scan_done(&scan);
	ipam_store_unlock(s);
	return r;
}

int ipam_release(struct ipam_store *s, const char *id, const char *ifname,
		 char err[static IPAM_ERR_MAX])
{
	struct ipam_scan scan = {};
	bool found = false;
	int r, first = 0;

	err[0] = 0;
	r = ipam_store_lock(s);
	if (r < 0)
		return errf(err, r, "failed to lock %s: %s", s->path, strerror(-r));
	ipam_crash_point("del-locked");
	r = ipam_store_scan(s, true, &scan);
	if (r < 0) {
		ipam_store_unlock(s);
		return errf(err, r, "failed to read %s: %s", s->path, strerror(-r));
	}
	/* Exact owner first; files of the old format only when nothing matched. */
	for (int pass = 0; pass < 2 && !found; pass++)
		for (size_t i = 0; i < scan.n_entries; i++) {
			const struct ipam_entry *e = &scan.entries[i];

			if (pass == 0 ? !ipam_entry_owned_by(e, id, ifname, false)
				      : !(e->kind == IPAM_OWNER_LEGACY && streq(e->id, id)))
				continue;
			r = ipam_store_release(s, e->name);
			if (r < 0 && r != -ENOENT && !first) {
				first = r;
				errf(err, r, "failed to release %s: %s", e->name, strerror(-r));
			}
			found = true;
			ipam_crash_point("del-released");
		}
	ipam_scan_done(&scan);
	ipam_store_unlock(s);
	return first;
}

int ipam_check(struct ipam_store *s, const char *id, const char *ifname, ipam_report_fn report,
	       void *userdata)
{
	struct ipam_scan scan = {};
	bool found = false;
	int r;

	r = ipam_store_lock(s);
	if (r < 0)
		return r;
	r = ipam_store_scan(s, true, &scan);
	ipam_store_unlock(s);
	if (r < 0)
		return r;
	report_scan(&scan, report, userdata);
	for (size_t i = 0; i < scan.n_entries && !found; i++)
		found = ipam_entry_owned_by(&scan.entries[i], id, ifname, true);
	ipam_scan_done(&scan);
	return found ? 0 : -ENOENT;
}

static bool attachment_valid(const struct ipam_entry *e, const struct ipam_attachment *valid,
			     size_t n_valid)
{
	for (size_t i = 0; i < n_valid; i++) {
		if (!streq_ptr(e->id, valid[i].container_id))
			continue;
		/* A legacy file names no interface: any attachment of the container keeps it. */
		if (e->kind == IPAM_OWNER_LEGACY || streq_ptr(e->ifname, valid[i].ifname))
			return true;
	}
	return false;
}

int ipam_gc(struct ipam_store *s, const struct ipam_attachment *valid, size_t n_valid,
	    ipam_report_fn report, void *userdata, size_t *ret_freed,
	    char err[static IPAM_ERR_MAX])
{
	struct ipam_scan scan = {};
	size_t freed = 0;
	int r, first = 0;

	err[0] = 0;
	r = ipam_store_lock(s);
	if (r < 0)
		return errf(err, r, "failed to lock %s: %s", s->path, strerror(-r));
	r = ipam_store_scan(s, true, &scan);
	if (r < 0) {
		ipam_store_unlock(s);
		return errf(err, r, "failed to read %s: %s", s->path, strerror(-r));
	}
	report_scan(&scan, report, userdata);
	for (size_t i = 0; i < scan.n_entries; i++) {
		const struct ipam_entry *e = &scan.entries[i];

		switch (e->kind) {
		case IPAM_OWNER_IFNAME:
		case IPAM_OWNER_LEGACY:
			if (attachment_valid(e, valid, n_valid))
				continue;
			r = ipam_store_release(s, e->name);
			if (r >= 0 || r == -ENOENT) {
				freed++;
			} else if (!first) {
				first = r;
				errf(err, r, "failed to release %s: %s", e->name, strerror(-r));
			}
			break;
		case IPAM_OWNER_UNREAD:
		case IPAM_OWNER_CORRUPT:
			break;
		}
	}
	ipam_scan_done(&scan);
	ipam_store_unlock(s);
	if (ret_freed)
		*ret_freed = freed;
	return first;
}

int ipam_status(const struct ipam_config *c, struct ipam_store *s, ipam_report_fn report,
		void *userdata, char err[static IPAM_ERR_MAX])
{
	_cleanup_free_ struct ip_addr *used = NULL;
	struct ipam_scan scan = {};
	size_t n_used;
	int r;

	err[0] = 0;
	/* Names only: STATUS is polled, so it must stay one readdir. */
	r = ipam_store_scan(s, false, &scan);
	if (r < 0)
		return errf(err, r, "failed to read %s: %s", s->path, strerror(-r));
	report_scan(&scan, report, userdata);
	r = used_list(&scan, &used, &n_used);
	ipam_scan_done(&scan);
	if (r < 0)
		return r;
	for (size_t i = 0; i < c->n_sets; i++)
		if (ipam_count_free(&c->sets[i], used, n_used) == 0) {
			char rs[4096];

			ipam_range_set_to_string(&c->sets[i], rs, sizeof(rs));
			return errf(err, -ENOSPC, "no IP addresses available in range set: %s", rs);
		}
	return 0;
}
