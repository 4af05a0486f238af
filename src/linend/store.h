/* SPDX-License-Identifier: Apache-2.0 */
/*
 * store.h - where linend keeps the network config and everyone's subnet leases.
 *
 * Owns: the interface between the daemon's state machines and a datastore, after flannel's
 * subnet.Manager (GetNetworkConfig, AcquireLease, RenewLease, WatchLeases): read the config,
 * list every lease, claim or re-write our lease, renew it, delete a stale one, and watch all
 * of them as typed events. An implementation parses and validates every value before the
 * daemon sees it: a lease arrives as struct lease, an unusable value as a garbage entry with
 * its key. A store revision is an opaque token (etcd: a revision number; Kubernetes: a
 * resourceVersion string); the daemon only hands it back to resume a watch, and the store
 * itself says when a resume is impossible (compacted, 410 Gone, data lost) by ending the
 * watch with STORE_WATCH_RESYNC. A store that assigns subnets itself (Kubernetes' podCIDR)
 * lists our assigned lease with our PublicIP, so the daemon's choice finds it as "ours" and
 * claims it as a re-write; one that lets us choose (etcd) creates the key if it is free.
 * Every call is asynchronous: the callback runs later on the loop, never inside the call,
 * and what it is given is only valid during the callback.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "linend/lease.h"

#define STORE_REV_MAX 64

/* An opaque watch position; s[0] == 0: none (list first). */
struct store_rev {
	char s[STORE_REV_MAX];
};

/* One lease as the store holds it. */
struct store_entry {
	const char *key;     /* the store's name for it (etcd: "10.5.34.0-24") */
	bool garbage;        /* not a valid lease: only key and raw are meaningful */
	const char *raw;     /* garbage: the value as stored, for the log */
	size_t raw_len;
	struct lease lease;  /* etcd_lease 0: never expires; mod_revision: the store's version */
};

struct store_snapshot {
	const struct store_entry *entries; /* sorted by key */
	size_t n_entries;
	const char *config; /* the network config JSON, NULL: none */
	size_t config_len;
	struct store_rev rev; /* watch from here to see what came after this listing */
};

enum store_event_kind {
	STORE_EVENT_PUT,            /* entry was created or changed */
	STORE_EVENT_REMOVED,        /* entry.key is gone (only key is set) */
	STORE_EVENT_CONFIG,         /* the config changed to config/config_len */
	STORE_EVENT_CONFIG_REMOVED,
};

struct store_event {
	enum store_event_kind kind;
	struct store_entry entry;
	const char *config;
	size_t config_len;
};

enum store_watch_kind {
	STORE_WATCH_STARTED, /* the stream is established */
	STORE_WATCH_EVENTS,  /* events[]; rev resumes after them */
	STORE_WATCH_RESYNC,  /* the store cannot replay from the token: list again (watch ended) */
	STORE_WATCH_CLOSED,  /* the stream broke (watch ended): resume from the last rev later */
};

enum store_resync_reason {
	STORE_RESYNC_COMPACTED, /* history before the token is gone */
	STORE_RESYNC_BEHIND,    /* the store is behind the token: it lost data or was replaced */
};

struct store_watch_update {
	enum store_watch_kind kind;
	const struct store_event *events;
	size_t n_events;
	struct store_rev rev;
	enum store_resync_reason resync;
	const char *detail; /* RESYNC/CLOSED: for the log */
	int error;          /* CLOSED: why */
	uint64_t received_usec; /* monotonic time the update arrived */
};

struct store_claim {
	struct ip_prefix subnet, subnet6;
	struct lease_attrs attrs;
	/*
	 * NULL: create our lease if no one holds the subnet. Else the lease we re-write (our own
	 * as listed or held): only if it is unchanged since, keeping it TTL-less if it was.
	 */
	const struct lease *prev;
	int64_t ttl; /* seconds */
};

struct store_claim_result {
	/* 0; -EEXIST: the subnet was taken or prev changed meanwhile; else -errno */
	int error;
	const char *message;
	const char *key;
	struct lease lease;
	int64_t ttl; /* seconds until it expires; 0: never (a reservation) */
};

typedef void (*store_config_cb)(int error, const char *message, const char *json, size_t len,
				void *userdata);
typedef void (*store_list_cb)(int error, const char *message, const struct store_snapshot *s,
			      void *userdata);
typedef void (*store_claim_cb)(const struct store_claim_result *r, void *userdata);
/* error -ENOENT: the lease is gone (expired, revoked); ttl: seconds from now */
typedef void (*store_renew_cb)(int error, const char *message, int64_t ttl, void *userdata);
typedef void (*store_done_cb)(int error, const char *message, void *userdata);
typedef void (*store_watch_cb)(const struct store_watch_update *u, void *userdata);

struct store_watch;

struct lease_store_ops {
	const char *name;
	/* error -ENOENT: no config stored (yet) */
	int (*get_config)(void *s, store_config_cb cb, void *userdata);
	int (*list)(void *s, store_list_cb cb, void *userdata);
	int (*claim)(void *s, const struct store_claim *c, store_claim_cb cb, void *userdata);
	int (*renew)(void *s, const struct lease *own, store_renew_cb cb, void *userdata);
	int (*remove)(void *s, const char *key, store_done_cb cb, void *userdata);
	/* Watch from rev. The watch ends itself after RESYNC or CLOSED: drop the pointer. */
	int (*watch)(void *s, const struct store_rev *from, store_watch_cb cb, void *userdata,
		     struct store_watch **ret);
	/* Stop a running watch without calling its callback; allowed inside it. */
	void (*watch_stop)(void *s, struct store_watch *w);
	/* For logs: where requests go now (etcd's current endpoint). */
	const char *(*where)(void *s);
	/* optional: append Prometheus text for /metrics */
	int (*metrics)(void *s, FILE *f);
	void (*free)(void *s);
};

struct lease_store {
	const struct lease_store_ops *ops;
	void *state;
};

struct etcd_client;
/* The etcd v3 store: <prefix>/config and <prefix>/subnets/<key>. Borrows the client. */
int store_etcd_new(struct etcd_client *c, const char *prefix, struct lease_store *ret);
void lease_store_done(struct lease_store *s);
