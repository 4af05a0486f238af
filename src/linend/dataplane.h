/* SPDX-License-Identifier: Apache-2.0 */
/*
 * dataplane.h - the kernel-programming engine shared by the vxlan and host-gw backends.
 *
 * Owns: struct dp (opaque): the table of remote leases as the dataplane sees them (accepted
 * or rejected, and why), programming one lease's entries when it is added, changed or
 * removed, the full reconciliation pass (dump what we own, diff with what the leases want,
 * fix the difference, back off after errors), the rtnetlink monitor in the loop that starts
 * a pass within milliseconds of a deletion or change of something we own, and the engine's
 * metrics. What we own: routes with protocol NL_RTPROT_LINEN whose destination lies in the
 * network, and whatever the kind's dump_have reports (vxlan: every permanent neighbour and
 * FDB entry on flannel.<VNI>/flannel-v6.<VNI>). Nothing is deleted before the first full
 * lease listing (leases_synced), so a restart never removes a peer's entries that are merely
 * not re-read yet.
 *
 * The kind (dp-kind.h) supplies devices, per-lease entries and acceptance; the engine knows
 * no kind by name. Not ours: the masquerade rules (the daemon owns struct masq).
 */
#pragma once

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "linend/backend.h"
#include "linend/dp-kind.h"
#include "linend/reconcile.h"
#include "netlink/netlink.h"

struct dp;

/*
 * A dataplane driving kind with kind_state (borrowed: the backend frees it after
 * dp_free). Calls no kind callback yet: the backend sets its devices up afterwards.
 */
int dp_new(const struct dp_kind *kind, void *kind_state, const struct net_config *cfg,
	   const struct backend_ext_iface *ext, const struct backend_env *env, struct dp **ret);
struct dp *dp_free(struct dp *dp);

int dp_lease_acquired(struct dp *dp, const struct lease *own);
int dp_lease_added(struct dp *dp, const struct lease *l);
int dp_lease_removed(struct dp *dp, const struct lease *l);
void dp_leases_synced(struct dp *dp);
/* One full pass: devices, our addresses, then every entry. */
int dp_reconcile(struct dp *dp);
/* Run a full pass soon (the kind changed what it wants, e.g. a new MAC). */
void dp_schedule_pass(struct dp *dp);
int dp_metrics(struct dp *dp, FILE *f);
/*
 * Whether a monitor event touches what we own (our device or address, one of our routes or
 * entries deleted, a foreign route or kernel neighbour in place of one of ours) and so
 * wakes a pass. Pure.
 */
bool dp_event_relevant(const struct dp *dp, const struct nl_event *ev);

/* What a kind may read or use of its engine. */
struct nl_sock *dp_nl(const struct dp *dp);
const struct net_config *dp_config(const struct dp *dp);
const struct backend_ext_iface *dp_ext(const struct dp *dp);
/* Whether the kernel reaches ip directly (no gateway) through the external interface. */
bool dp_on_link(const struct dp *dp, const struct ip_addr *ip);
/* Whether p lies inside the configured network of its family (and that family is on). */
bool dp_in_network(const struct dp *dp, const struct ip_prefix *p);

#define DP_RECONCILE_INTERVAL_USEC 5000000ULL

#ifdef LINEN_TEST_HOOKS
/*
 * Unit tests: the next dp_new programs through sk (taking it) and opens no monitor, so a
 * fake kernel stands behind it (a socket no dp_new took yet is freed; NULL just does that).
 * dp_test_last: the dataplane dp_new made last.
 */
void dp_test_next_sock(struct nl_sock *sk);
struct dp *dp_test_last(void);
/* The wait before the armed repair pass (0: none armed), and the next retry's backoff. */
uint64_t dp_test_pass_due_usec(const struct dp *dp);
uint64_t dp_test_backoff_usec(const struct dp *dp);
#endif
