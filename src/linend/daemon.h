/* SPDX-License-Identifier: Apache-2.0 */
/*
 * daemon.h - linend's lease manager: config, acquisition, renewal, watch, subnet.env.
 *
 * Owns: the state machine that fetches the network config from the lease store (retrying
 * while the store or the config is missing), registers the backend, acquires our subnet
 * lease (own lease, then the preferred subnet, then a random free one; a lost claim race
 * retries), renews it before expiry, re-writes it when the backend's advertised data
 * changes, writes subnet.env, keeps the cache of remote leases from a list + watch (re-list
 * when the store cannot replay: compacted, or behind what we have seen) and feeds the
 * backend typed added/removed events. It talks to the datastore only through struct
 * lease_store (store.h) and tells its owner about every (re)acquired lease through
 * lease_hook (the masquerade rules). Also the numbers /metrics shows (metrics.c renders).
 */
#pragma once

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "linend/backend.h"
#include "linend/loop.h"
#include "linend/store.h"

struct daemon_options {
	const char *subnet_file;  /* --subnet-file */
	unsigned renew_margin_min; /* --subnet-lease-renew-margin */
	int64_t lease_ttl;        /* seconds; hidden --subnet-lease-ttl, default 86400 */
	bool ip_masq;
	bool forward_rules;       /* --iptables-forward-rules */
	bool masq_fully_random;   /* not --ip-masq-fully-random-disable */
	uint64_t fw_resync_usec;  /* --iptables-resync */
	const char *state_dir;    /* backend state (vxlan MAC); NULL: the subnet file's dir */
	/* the backend to use instead of the config's Backend.Type (tests: "log"); NULL: none */
	const char *backend_override;
	const struct backend_ops *backend; /* tests: a backend not in the table; NULL: by type */
	struct store_rev first_watch_rev;  /* tests: start the first watch here */
	unsigned claim_delay_ms;           /* tests: pause between list and claim */
	/* optional: our lease was (re)acquired (the daemon's owner keeps the masquerade) */
	void (*lease_hook)(void *userdata, const struct net_config *cfg, const struct lease *own);
	void *lease_hook_userdata;
	struct backend_ext_iface ext;
};

struct daemon;

/* Borrows store (and the loop): both must outlive the daemon. */
int daemon_new(struct loop *l, const struct lease_store *store, const struct daemon_options *o,
	       struct daemon **ret);
struct daemon *daemon_free(struct daemon *d);
DEFINE_TRIVIAL_CLEANUP_FUNC(struct daemon *, daemon_free);
void daemon_start(struct daemon *d);
bool daemon_ready(const struct daemon *d);

#define DAEMON_LATENCY_BUCKETS 12
extern const double daemon_latency_buckets[DAEMON_LATENCY_BUCKETS];

/* What /metrics shows of the daemon. */
struct daemon_stats {
	bool held, reservation;
	const char *own_key;
	int64_t expiry_in, renew_in; /* seconds, 0: none */
	size_t remote, garbage;
	uint64_t acquisitions, renewals, renew_errors, lease_lost, races_lost, garbage_total;
	uint64_t events_added, events_removed, backend_errors, stale_delete_errors;
	uint64_t watch_reconnects, watch_resumes, compactions, config_refused, wakeups;
	uint64_t lat_count, lat_buckets[DAEMON_LATENCY_BUCKETS];
	double lat_sum;
};

void daemon_get_stats(const struct daemon *d, struct daemon_stats *ret);
/* The store's and the backend's own metric text. */
void daemon_metrics_extra(const struct daemon *d, FILE *f);
/* metrics.c: Prometheus text exposition of the daemon's metrics. */
int daemon_metrics(const struct daemon *d, char **ret);

#ifdef LINEN_TEST_HOOKS
/* Tests: our lease as held (NULL while none is) and the cached remote leases. */
const struct lease *daemon_test_own(const struct daemon *d, const char **ret_key);
/* The i-th cached remote lease by key order (garbage too), NULL past the end. */
const struct lease *daemon_test_cache_at(const struct daemon *d, size_t i, const char **ret_key,
					 bool *ret_garbage);
uint64_t daemon_test_renew_at(const struct daemon *d);
#endif
