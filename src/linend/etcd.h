/* SPDX-License-Identifier: Apache-2.0 */
/*
 * etcd.h - asynchronous etcd v3 client over the HTTP/JSON gateway (etcd 3.4 paths /v3/...).
 *
 * Owns: requests on its own curl multi handle (curl-loop.h), fail-over across the endpoint list, TLS
 * (CA, client certificate and key), user/password authentication (a token from
 * /v3/auth/authenticate, renewed when etcd rejects it), base64 of keys and values, and the
 * parsing of replies into typed results. Every call is asynchronous: the callback runs on the
 * loop with a result that is only valid during the callback. A failure of the whole endpoint
 * list is reported to the caller, who decides when to retry. Nothing here logs above debug.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "linend/loop.h"

struct etcd_options {
	char **endpoints; /* "http(s)://host:port", at least one */
	const char *cafile;
	const char *certfile;
	const char *keyfile;
	const char *username;
	const char *password;
	unsigned request_timeout_ms; /* 0: 10 s */
};

struct etcd_header {
	uint64_t cluster_id;
	uint64_t member_id;
	int64_t revision;
};

struct etcd_kv {
	char *key;
	char *value; /* NUL-terminated; value_len excludes the NUL */
	size_t value_len;
	int64_t create_revision;
	int64_t mod_revision;
	int64_t version;
	int64_t lease; /* 0: no lease */
};

struct etcd_result {
	/* 0, or: -ECONNREFUSED/-ETIMEDOUT/-EIO when no endpoint answered, -ENOENT (gRPC
	 * NotFound, e.g. an unknown lease), -EACCES (auth), -EPERM, -EINVAL, -ERANGE
	 * (compacted), -EAGAIN (unavailable, no leader), -EBADMSG (unparsable reply). */
	int error;
	int code;            /* gRPC status code of an error reply, else 0 */
	const char *message; /* error text from etcd or curl, else NULL */
	struct etcd_header header;
	struct etcd_kv *kvs; /* range; also the failure-branch range of a txn */
	size_t n_kvs;
	bool succeeded; /* txn */
	int64_t lease_id; /* lease grant, keepalive */
	int64_t ttl;      /* seconds; keepalive reports <= 0 for an unknown lease */
};

struct etcd_stats {
	uint64_t requests;
	uint64_t errors;
	uint64_t failovers;
};

struct etcd_client;
typedef void (*etcd_cb)(struct etcd_client *c, const struct etcd_result *r, void *userdata);

int etcd_client_new(struct loop *l, const struct etcd_options *o, struct etcd_client **ret);
/* Aborts every request in flight without calling callbacks. */
struct etcd_client *etcd_client_free(struct etcd_client *c);
DEFINE_TRIVIAL_CLEANUP_FUNC(struct etcd_client *, etcd_client_free);
const struct etcd_stats *etcd_client_stats(const struct etcd_client *c);
/* The endpoint requests go to now. */
const char *etcd_client_endpoint(const struct etcd_client *c);

/* One key (range_end NULL), or [key, range_end). */
int etcd_range(struct etcd_client *c, const char *key, const char *range_end, etcd_cb cb,
	       void *userdata);
/* Every key starting with prefix. */
int etcd_range_prefix(struct etcd_client *c, const char *prefix, etcd_cb cb, void *userdata);
/* If the key does not exist, put it; else fail and return the current key (kvs). */
int etcd_txn_create(struct etcd_client *c, const char *key, const char *value, int64_t lease,
		    etcd_cb cb, void *userdata);
/* If the key's mod_revision is still mod_revision, put; else fail and return the key. */
int etcd_txn_replace(struct etcd_client *c, const char *key, int64_t mod_revision,
		     const char *value, int64_t lease, etcd_cb cb, void *userdata);
int etcd_delete(struct etcd_client *c, const char *key, etcd_cb cb, void *userdata);
int etcd_lease_grant(struct etcd_client *c, int64_t ttl, etcd_cb cb, void *userdata);
int etcd_lease_keepalive(struct etcd_client *c, int64_t id, etcd_cb cb, void *userdata);
int etcd_lease_revoke(struct etcd_client *c, int64_t id, etcd_cb cb, void *userdata);

/* Streaming watch ------------------------------------------------------------------------ */

enum etcd_event_type {
	ETCD_EVENT_PUT,
	ETCD_EVENT_DELETE,
};

struct etcd_event {
	enum etcd_event_type type;
	struct etcd_kv kv; /* DELETE: key and mod_revision only */
};

enum etcd_watch_kind {
	ETCD_WATCH_CREATED,   /* the stream is established */
	ETCD_WATCH_EVENTS,    /* events[] */
	ETCD_WATCH_COMPACTED, /* start revision compacted away: re-list, then watch again */
	ETCD_WATCH_CLOSED,    /* the stream ended (error, etcd gone, cancelled) */
};

struct etcd_watch_update {
	enum etcd_watch_kind kind;
	struct etcd_header header;
	struct etcd_event *events;
	size_t n_events;
	int64_t compact_revision;
	int error; /* CLOSED: why */
	uint64_t received_usec; /* monotonic time the bytes arrived */
};

struct etcd_watch;
typedef void (*etcd_watch_cb)(struct etcd_watch *w, const struct etcd_watch_update *u,
			      void *userdata);

/* Watch [key, range_end) (range_end NULL: the prefix key) from start_revision (0: now).
 * After a COMPACTED or CLOSED update the watch frees itself: drop the pointer. */
int etcd_watch_start(struct etcd_client *c, const char *key, const char *range_end,
		     int64_t start_revision, etcd_watch_cb cb, void *userdata,
		     struct etcd_watch **ret);
/* Stop a watch; allowed inside its callback. */
void etcd_watch_free(struct etcd_watch *w);

/* Helpers exposed for tests --------------------------------------------------------------- */

/* The range_end that selects every key starting with prefix (prefix with its last byte + 1). */
char *etcd_prefix_end(const char *prefix);
char *etcd_base64_encode(const void *data, size_t len);
int etcd_base64_decode(const char *s, char **ret, size_t *ret_len);
/* Parse one reply body (unary) into r; r's arrays are freed by etcd_result_done(). */
int etcd_result_parse(const char *body, size_t len, long http_status, struct etcd_result *r);
void etcd_result_done(struct etcd_result *r);
/* Parse one line of a watch stream. */
int etcd_watch_update_parse(const char *line, size_t len, struct etcd_watch_update *u);
void etcd_watch_update_done(struct etcd_watch_update *u);
