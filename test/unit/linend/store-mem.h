/* SPDX-License-Identifier: Apache-2.0 */
/*
 * store-mem.h - an in-memory lease store for the daemon's unit tests.
 *
 * Owns: a config, a sorted table of leases, a revision counter with the history of every
 * change (so a watch can resume, and compaction can take that away), one watch, and a
 * queue of requests answered from a loop timer (so, as with etcd, no callback runs inside
 * the call; on a fake clock loop_fake_advance(l, 0) answers everything due). The test
 * changes the store as other nodes or an operator would, and can make the next create
 * lose a race.
 */
#pragma once

#include <stdbool.h>

#include "linend/loop.h"
#include "linend/store.h"

struct mem_store;

int mem_store_new(struct loop *l, struct mem_store **ret);
void mem_store_free(struct mem_store *ms);
/* The store interface on it (borrowed: ms must outlive its users). */
struct lease_store mem_store_iface(struct mem_store *ms);

/* NULL: no config. */
void mem_store_set_config(struct mem_store *ms, const char *json);
/* Another node writes its lease (etcd_lease 0: a reservation, else a TTL lease). */
void mem_store_put(struct mem_store *ms, const struct lease *l);
void mem_store_put_garbage(struct mem_store *ms, const char *key, const char *raw);
void mem_store_delete(struct mem_store *ms, const char *key);
/* The lease stored under key, or NULL. */
const struct lease *mem_store_get(const struct mem_store *ms, const char *key);
size_t mem_store_count(const struct mem_store *ms);
/* The i-th key in key order, NULL past the end. */
const char *mem_store_key_at(const struct mem_store *ms, size_t i, bool *ret_garbage);
/* Forget the history up to now: a watch cannot resume before the next change. */
void mem_store_compact(struct mem_store *ms);
/* The watch stream breaks (CLOSED at the next delivery). */
void mem_store_break_watch(struct mem_store *ms);
/* The store loses everything but its config and starts over at revision 1; the watch breaks. */
void mem_store_wipe(struct mem_store *ms);
/* The next create claim finds its subnet just taken by this lease's node. */
void mem_store_steal_next_create(struct mem_store *ms, const struct lease_attrs *thief);
/* The next remove fails with error. */
void mem_store_fail_next_remove(struct mem_store *ms, int error);

struct mem_store_counts {
	unsigned config_gets, lists, creates, replaces, renews, removes, watches;
};
const struct mem_store_counts *mem_store_counts(const struct mem_store *ms);
/* expiry (loop_now) the store gave the key's TTL lease at its last grant or renewal; 0 none */
uint64_t mem_store_expiry(const struct mem_store *ms, const char *key);
