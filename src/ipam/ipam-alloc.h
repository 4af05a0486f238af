/* SPDX-License-Identifier: Apache-2.0 */
/*
 * ipam-alloc.h - host-local allocation, release, check, GC and status.
 *
 * Owns: the reference's round-robin order (start after last_reserved_ip.<set>,
 * walk the set's ranges in order, wrap, never hand out a gateway), computed
 * from one directory scan instead of one open() per candidate; requested IPs;
 * the all-or-nothing rule of an ADD; and the per-call operations on a store
 * under its lock. Problems found in the store (corrupt or foreign files) are
 * passed to a report callback, never fixed silently.
 */
#pragma once

#include <stddef.h>

#include "ipam/ipam-config.h"
#include "ipam/ipam-store.h"

/*
 * The next address of set s after *last (NULL or outside the set: from the
 * first range's start), skipping gateways and the sorted, deduplicated used[]
 * (addresses of any family/set may be present). -ENOSPC when none is free.
 */
int ipam_pick_next(const struct ipam_range_set *s, const struct ip_addr *used, size_t n_used,
		   const struct ip_addr *last, struct ip_addr *ret);
/* Free addresses left in s given the used list as above (saturates at UINT64_MAX). */
unsigned long long ipam_count_free(const struct ipam_range_set *s, const struct ip_addr *used,
				   size_t n_used);
/* Sort and deduplicate an address list in place; returns the new length. */
size_t ipam_addr_sort_unique(struct ip_addr *a, size_t n);

/* Called for every problem found in the store (name = file name, why = text). */
typedef void (*ipam_report_fn)(void *userdata, const char *name, const char *why);

struct ipam_lease {
	struct ip_prefix address; /* allocated address / subnet prefix length */
	struct ip_addr gateway;
};

struct ipam_attachment {
	const char *container_id;
	const char *ifname;
};

/*
 * ADD: one address per range set, all or nothing. On failure err holds the
 * reference's message ("failed to allocate for range N: ...") and nothing
 * this call reserved is left behind. Returns 0, -ENOSPC (a set is full),
 * -EEXIST (duplicate or requested address taken), -EINVAL, or -errno.
 */
int ipam_allocate(const struct ipam_config *c, struct ipam_store *s, const char *id,
		  const char *ifname, ipam_report_fn report, void *userdata,
		  struct ipam_lease **ret, size_t *ret_n, char err[static IPAM_ERR_MAX]);
/* DEL: remove every address of id+ifname (legacy files of id when none matched). */
int ipam_release(struct ipam_store *s, const char *id, const char *ifname,
		 char err[static IPAM_ERR_MAX]);
/* CHECK: -ENOENT unless some address belongs to id+ifname (or legacy id). */
int ipam_check(struct ipam_store *s, const char *id, const char *ifname, ipam_report_fn report,
	       void *userdata);
/* GC: free every address whose owner is not in valid[]; corrupt files are reported, kept. */
int ipam_gc(struct ipam_store *s, const struct ipam_attachment *valid, size_t n_valid,
	    ipam_report_fn report, void *userdata, size_t *ret_freed,
	    char err[static IPAM_ERR_MAX]);
/* STATUS: -ENOSPC with err naming the first full range set, else 0. */
int ipam_status(const struct ipam_config *c, struct ipam_store *s, ipam_report_fn report,
		void *userdata, char err[static IPAM_ERR_MAX]);

/*
 * Test hook: when $LINEN_IPAM_CRASH_AT names this point, the process kills
 * itself with SIGKILL there, so tests can prove a crash anywhere is recoverable.
 * Test builds only (meson -Dtest_hooks=true); elsewhere it compiles to nothing.
 */
#ifdef LINEN_TEST_HOOKS
void ipam_crash_point(const char *point);
#else
static inline void ipam_crash_point(const char *point)
{
}
#endif
