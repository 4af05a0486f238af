/* SPDX-License-Identifier: Apache-2.0 */
/*
 * masq.h - linend's masquerade and forward rules kept true (flannel's --ip-masq and
 * --iptables-forward-rules).
 *
 * Owns: when to apply src/fw's `linend` tables (one transaction per family) and keeping
 * them in place: an nftables netlink subscription (NFNLGRP_NFTABLES) wakes a check within
 * milliseconds of any ruleset change (a flush, a deleted table), and a periodic check
 * (--iptables-resync) covers lost notifications. A check compares the listed table with the
 * rendered text and reloads the whole table when they differ. With both flags off the tables
 * are removed at start. Runs on the loop; owned by linend's main() for every backend, as
 * flanneld does, and pointed at each (re)acquired lease through the daemon's lease_hook.
 *
 * Taking over from flanneld: once our rules are in place for our lease (every configured
 * family applied, or, with both flags off, none of ours wanted), flanneld's rules go, once per
 * run (fw_flanneld_remove: its iptables-nft chains with their jumps and its nftables-mode
 * tables). Its whole set goes even with --ip-masq off, as flanneld's own "cleanup of the unused
 * mode" drops the other mode's rules whatever its flags: a FLANNEL-POSTRTG left behind would
 * keep masquerading against --ip-masq=false. While ours fail, flanneld's stay.
 */
#pragma once

#include <stdbool.h>
#include <stdint.h>

#include "linend/lease.h"
#include "linend/loop.h"
#include "linend/netconfig.h"

struct masq_options {
	bool ip_masq;
	bool forward;
	bool fully_random;
	uint64_t resync_usec; /* 0: 5 s */
	bool test_fail;       /* test builds only (--test-masq-fail): every apply fails */
};

struct masq;

/* With both rules off, removes our tables now (best effort) and stays idle. */
int masq_new(struct loop *l, const struct masq_options *o, struct masq **ret);
struct masq *masq_free(struct masq *m);
DEFINE_TRIVIAL_CLEANUP_FUNC(struct masq *, masq_free);

/* Our (new) lease: render, apply, and keep checking. */
int masq_set_lease(struct masq *m, const struct net_config *cfg, const struct lease *own);

/* Counters for /metrics: checks run, repairs made (table found missing or different). */
void masq_stats(const struct masq *m, uint64_t *ret_checks, uint64_t *ret_repairs,
		uint64_t *ret_errors);
/* How many of flanneld's chains and tables were removed. */
uint64_t masq_flanneld_removed(const struct masq *m);
