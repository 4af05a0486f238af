/* SPDX-License-Identifier: Apache-2.0 */
/*
 * dp-kind.h - what a dataplane kind (vxlan, host-gw) hands the engine in dataplane.c.
 *
 * Owns: struct dp_kind, the table of callbacks through which the engine reaches a kind's
 * devices, its per-lease entries and its acceptance rules, and struct dp_lease, a remote
 * lease as the engine keeps it. The engine never names a kind's function and never asks
 * which kind it drives; a kind reaches the engine only through dataplane.h's calls. Every
 * callback gets the kind's own state pointer (given to dp_new) and runs on the loop thread.
 */
#pragma once

#include <stdbool.h>
#include <stdio.h>

#include "linend/lease.h"
#include "linend/reconcile.h"

struct dp_lease {
	struct lease lease;
	enum dp_reject reject;  /* DP_REJECT_NONE: programmed */
	bool direct;            /* set by lease_accept: route straight via the peer (same link) */
	bool direct6;
};

struct dp_kind {
	/* The BackendType a lease must carry ("vxlan", "host-gw"); also the log prefix. */
	const char *type;
	/*
	 * optional: make the kind's devices exist with the wanted attributes and be up. Runs
	 * first in every full pass; a failure skips the pass and retries with a backoff.
	 */
	int (*devices_ensure)(void *state);
	/*
	 * optional: bring what our own lease puts on the devices (their addresses) in line.
	 * After lease_acquired and in every pass; returns how many things it fixed, or -errno.
	 */
	int (*own_sync)(void *state, const struct lease *own);
	/*
	 * The kind's own verdict on a lease the common checks (dp_lease_check) accepted:
	 * DP_REJECT_NONE, or a reason to refuse it. May set dl->direct/direct6.
	 */
	enum dp_reject (*lease_accept)(void *state, struct dp_lease *dl);
	/* optional: advice logged with a refusal that came from lease_accept */
	const char *accept_hint;
	/* The entries one accepted lease wants. */
	int (*lease_state)(void *state, const struct dp_lease *dl, struct dp_state *s);
	/*
	 * optional: add to have what the kind owns besides the engine's routes (neighbour and
	 * FDB entries on its devices). want: the full desired state, sorted (kernel-made
	 * neighbour entries count only where we want an entry).
	 */
	int (*dump_have)(void *state, const struct dp_state *want, struct dp_state *have);
	/* optional: whether a link (by index; by name for one recreated by hand) is ours */
	bool (*owns_link)(const void *state, int ifindex, const char *name);
	/* optional: append the kind's Prometheus text to /metrics */
	int (*metrics)(void *state, FILE *f);
};
