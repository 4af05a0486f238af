/* SPDX-License-Identifier: Apache-2.0 */
/*
 * daemon.h - linend's lease manager: config, acquisition, renewal, watch, subnet.env.
 *
 * Owns: the state machine that fetches <prefix>/config (retrying while etcd or the config is
 * missing), registers the backend, acquires our subnet lease (own lease, then the
 * preferred subnet, then a random free one; a lost create race retries), renews it before
 * expiry, writes subnet.env, keeps the cache of remote leases from a list + watch (re-list
 * after a compaction or a reconnect, which also catches etcd losing its data) and feeds the
 * backend typed added/removed events. Also the numbers /metrics shows.
 */
#pragma once

#include <stdbool.h>
#include <stdint.h>

#include "linend/backend.h"
#include "linend/etcd.h"
#include "linend/loop.h"

struct daemon_options {
	const char *prefix;       /* --etcd-prefix */
	const char *subnet_file;  /* --subnet-file */
	unsigned renew_margin_min; /* --subnet-lease-renew-margin */
	int64_t lease_ttl;        /* seconds; hidden --subnet-lease-ttl, default 86400 */
	bool ip_masq;
	bool forward_rules;       /* --iptables-forward-rules */
	bool masq_fully_random;   /* not --ip-masq-fully-random-disable */
	uint64_t fw_resync_usec;  /* --iptables-resync */
	const char *state_dir;    /* backend state (vxlan MAC); NULL: the subnet file's dir */
	const char *backend_override; /* hidden --backend (e.g. "log") */
	int64_t first_watch_revision; /* hidden, tests: start the first watch here */
	unsigned claim_delay_ms;      /* hidden, tests: pause between list and claim */
	struct backend_ext_iface ext;
};

struct daemon;

int daemon_new(struct loop *l, struct etcd_client *etcd, const struct daemon_options *o,
	       struct daemon **ret);
struct daemon *daemon_free(struct daemon *d);
DEFINE_TRIVIAL_CLEANUP_FUNC(struct daemon *, daemon_free);
void daemon_start(struct daemon *d);
bool daemon_ready(const struct daemon *d);
/* Prometheus text exposition of the daemon's metrics. */
int daemon_metrics(const struct daemon *d, char **ret);
