// SPDX-License-Identifier: Apache-2.0
/*
 * store-etcd.c - the lease store on etcd v3, with flannel's keys.
 *
 * <prefix>/config holds the network config, <prefix>/subnets/<key> one lease each, the key
 * from lease_key_format() and the value flannel's LeaseAttrs JSON, attached to an etcd lease
 * of the requested TTL (a key without one is a reservation). A claim grants an etcd lease
 * and writes the key in one transaction that only succeeds if the key is absent (create) or
 * unchanged since it was listed (re-write); the etcd lease of a failed claim, and the one a
 * re-write replaced, are revoked. The watch covers "<prefix>/" so config changes are seen
 * too; the revision token is the decimal revision to watch from.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "basic/macro.h"
#include "linend/etcd.h"
#include "linend/store.h"

struct estore;

/* One request in flight: what to call back, and what the next step needs. */
struct ereq {
	struct estore *s;
	struct ereq *prev, *next;
	union {
		store_config_cb config;
		store_list_cb list;
		store_claim_cb claim;
		store_renew_cb renew;
		store_done_cb done;
	} cb;
	void *userdata;
	/* claim */
	char key[LEASE_KEY_MAX];
	char *full_key;
	char *value;
	struct lease lease;
	int64_t prev_mod, prev_lease, ttl;
	bool create, reservation;
};

struct store_watch {
	struct estore *s;
	struct etcd_watch *w;
	int64_t from;
	int64_t next; /* the revision after the last event delivered */
	store_watch_cb cb;
	void *userdata;
};

struct estore {
	struct etcd_client *etcd;
	char *prefix_slash;   /* "<prefix>/" */
	char *config_key;     /* "<prefix>/config" */
	char *subnets_prefix; /* "<prefix>/subnets/" */
	struct ereq *reqs;    /* in flight; freed with the store (etcd then drops the replies) */
	struct store_watch *watch;
};

static struct ereq *ereq_new(struct estore *s, void *userdata)
{
	struct ereq *q = calloc(1, sizeof(*q));

	if (!q)
		return NULL;
	q->s = s;
	q->userdata = userdata;
	q->next = s->reqs;
	if (s->reqs)
		s->reqs->prev = q;
	s->reqs = q;
	return q;
}

static void ereq_free(struct ereq *q)
{
	if (!q)
		return;
	if (q->prev)
		q->prev->next = q->next;
	else
		q->s->reqs = q->next;
	if (q->next)
		q->next->prev = q->prev;
	free(q->full_key);
	free(q->value);
	free(q);
}

static void revoke_done(struct etcd_client *c, const struct etcd_result *r, void *userdata)
{
	/* best effort: an etcd lease we fail to revoke expires with its TTL */
}

static void lease_drop(struct estore *s, int64_t id)
{
	if (id)
		etcd_lease_revoke(s->etcd, id, revoke_done, NULL);
}

static char *rev_format(int64_t rev, struct store_rev *ret)
{
	snprintf(ret->s, sizeof(ret->s), "%" PRId64, rev);
	return ret->s;
}

static int64_t rev_parse(const struct store_rev *r)
{
	char *end;
	long long v;

	if (!r || !r->s[0])
		return 0;
	v = strtoll(r->s, &end, 10);
	return *end || v < 0 ? 0 : (int64_t)v;
}

/* A kv under subnets/ into an entry; key points into kv. */
static void entry_from_kv(const struct estore *s, const struct etcd_kv *kv,
			  struct store_entry *ret)
{
	const char *key = startswith(kv->key, s->subnets_prefix);
	struct store_entry e = { .key = key, .raw = kv->value, .raw_len = kv->value_len };

	e.lease.etcd_lease = kv->lease;
	e.lease.mod_revision = kv->mod_revision;
	e.garbage = lease_key_parse(key, &e.lease.subnet, &e.lease.subnet6) < 0 ||
		    lease_attrs_parse(kv->value, kv->value_len, &e.lease.attrs) < 0;
	*ret = e;
}

/* config ------------------------------------------------------------------------------- */

static void config_done(struct etcd_client *c, const struct etcd_result *r, void *userdata)
{
	struct ereq *q = userdata;

	if (r->error < 0)
		q->cb.config(r->error, r->message, NULL, 0, q->userdata);
	else if (r->n_kvs == 0)
		q->cb.config(-ENOENT, NULL, NULL, 0, q->userdata);
	else
		q->cb.config(0, NULL, r->kvs[0].value, r->kvs[0].value_len, q->userdata);
	ereq_free(q);
}

static int es_get_config(void *state, store_config_cb cb, void *userdata)
{
	struct estore *s = state;
	struct ereq *q = ereq_new(s, userdata);
	int r;

	if (!q)
		return -ENOMEM;
	q->cb.config = cb;
	r = etcd_range(s->etcd, s->config_key, NULL, config_done, q);
	if (r < 0)
		ereq_free(q);
	return r;
}

/* list --------------------------------------------------------------------------------- */

static int kv_cmp(const void *a, const void *b)
{
	return strcmp(((const struct etcd_kv *)a)->key, ((const struct etcd_kv *)b)->key);
}

static void list_done(struct etcd_client *c, const struct etcd_result *r, void *userdata)
{
	struct ereq *q = userdata;
	struct estore *s = q->s;
	_cleanup_free_ struct store_entry *e = NULL;
	struct store_snapshot snap = {};

	if (r->error < 0) {
		q->cb.list(r->error, r->message, NULL, q->userdata);
		ereq_free(q);
		return;
	}
	e = calloc(r->n_kvs ? r->n_kvs : 1, sizeof(*e));
	if (!e) {
		q->cb.list(-ENOMEM, NULL, NULL, q->userdata);
		ereq_free(q);
		return;
	}
	/* etcd returns keys sorted; sort anyway, the daemon's diff depends on it */
	qsort(r->kvs, r->n_kvs, sizeof(*r->kvs), kv_cmp);
	for (size_t i = 0; i < r->n_kvs; i++) {
		const struct etcd_kv *kv = &r->kvs[i];

		if (streq(kv->key, s->config_key)) {
			snap.config = kv->value;
			snap.config_len = kv->value_len;
		} else if (startswith(kv->key, s->subnets_prefix))
			entry_from_kv(s, kv, &e[snap.n_entries++]);
	}
	snap.entries = e;
	rev_format(r->header.revision + 1, &snap.rev);
	q->cb.list(0, NULL, &snap, q->userdata);
	ereq_free(q);
}

static int es_list(void *state, store_list_cb cb, void *userdata)
{
	struct estore *s = state;
	struct ereq *q = ereq_new(s, userdata);
	int r;

	if (!q)
		return -ENOMEM;
	q->cb.list = cb;
	r = etcd_range_prefix(s->etcd, s->prefix_slash, list_done, q);
	if (r < 0)
		ereq_free(q);
	return r;
}

/* claim -------------------------------------------------------------------------------- */

static void claim_finish(struct ereq *q, int error, const char *message, int64_t ttl)
{
	struct store_claim_result res = { .error = error, .message = message, .key = q->key,
					  .lease = q->lease, .ttl = ttl };

	q->cb.claim(&res, q->userdata);
	ereq_free(q);
}

static void txn_done(struct etcd_client *c, const struct etcd_result *r, void *userdata)
{
	struct ereq *q = userdata;
	struct estore *s = q->s;

	if (r->error < 0 || !r->succeeded) {
		if (!q->reservation)
			lease_drop(s, q->lease.etcd_lease);
		claim_finish(q, r->error < 0 ? r->error : -EEXIST, r->message, 0);
		return;
	}
	if (q->prev_lease && q->prev_lease != q->lease.etcd_lease)
		lease_drop(s, q->prev_lease);
	q->lease.mod_revision = r->header.revision;
	claim_finish(q, 0, NULL, q->reservation ? 0 : q->ttl);
}

static void txn_send(struct ereq *q)
{
	struct estore *s = q->s;
	int r;

	if (q->create)
		r = etcd_txn_create(s->etcd, q->full_key, q->value, q->lease.etcd_lease, txn_done,
				    q);
	else
		r = etcd_txn_replace(s->etcd, q->full_key, q->prev_mod, q->value,
				     q->lease.etcd_lease, txn_done, q);
	if (r < 0) {
		lease_drop(s, q->lease.etcd_lease);
		claim_finish(q, r, NULL, 0);
	}
}

static void grant_done(struct etcd_client *c, const struct etcd_result *r, void *userdata)
{
	struct ereq *q = userdata;

	if (r->error < 0 || r->lease_id == 0) {
		claim_finish(q, r->error < 0 ? r->error : -EIO,
			     r->message ? r->message : "failed to grant an etcd lease", 0);
		return;
	}
	q->lease.etcd_lease = r->lease_id;
	txn_send(q);
}

static int es_claim(void *state, const struct store_claim *c, store_claim_cb cb, void *userdata)
{
	struct estore *s = state;
	struct ereq *q;
	int r;

	q = ereq_new(s, userdata);
	if (!q)
		return -ENOMEM;
	q->cb.claim = cb;
	lease_key_format(&c->subnet, &c->subnet6, q->key);
	q->lease = (struct lease){ .subnet = c->subnet, .subnet6 = c->subnet6, .attrs = c->attrs };
	q->create = !c->prev;
	q->prev_mod = c->prev ? c->prev->mod_revision : 0;
	q->prev_lease = c->prev ? c->prev->etcd_lease : 0;
	/* a reservation (a key without an etcd lease) stays one */
	q->reservation = c->prev && c->prev->etcd_lease == 0;
	q->ttl = c->ttl;
	if (asprintf(&q->full_key, "%s%s", s->subnets_prefix, q->key) < 0) {
		q->full_key = NULL;
		ereq_free(q);
		return -ENOMEM;
	}
	r = lease_attrs_format(&c->attrs, &q->value);
	if (r < 0) {
		ereq_free(q);
		return r;
	}
	if (q->reservation) {
		txn_send(q);
		return 0;
	}
	r = etcd_lease_grant(s->etcd, c->ttl, grant_done, q);
	if (r < 0)
		ereq_free(q);
	return r;
}

/* renew, remove -------------------------------------------------------------------------- */

static void keepalive_done(struct etcd_client *c, const struct etcd_result *r, void *userdata)
{
	struct ereq *q = userdata;

	if (r->error == -ENOENT || (r->error == 0 && r->ttl <= 0))
		q->cb.renew(-ENOENT, "its etcd lease expired or was revoked", 0, q->userdata);
	else
		q->cb.renew(r->error, r->message, r->ttl, q->userdata);
	ereq_free(q);
}

static int es_renew(void *state, const struct lease *own, store_renew_cb cb, void *userdata)
{
	struct estore *s = state;
	struct ereq *q;
	int r;

	if (own->etcd_lease == 0)
		return -EINVAL; /* a reservation does not expire */
	q = ereq_new(s, userdata);
	if (!q)
		return -ENOMEM;
	q->cb.renew = cb;
	r = etcd_lease_keepalive(s->etcd, own->etcd_lease, keepalive_done, q);
	if (r < 0)
		ereq_free(q);
	return r;
}

static void delete_done(struct etcd_client *c, const struct etcd_result *r, void *userdata)
{
	struct ereq *q = userdata;

	q->cb.done(r->error, r->message, q->userdata);
	ereq_free(q);
}

static int es_remove(void *state, const char *key, store_done_cb cb, void *userdata)
{
	struct estore *s = state;
	_cleanup_free_ char *k = NULL;
	struct ereq *q;
	int r;

	if (asprintf(&k, "%s%s", s->subnets_prefix, key) < 0)
		return -ENOMEM;
	q = ereq_new(s, userdata);
	if (!q)
		return -ENOMEM;
	q->cb.done = cb;
	r = etcd_delete(s->etcd, k, delete_done, q);
	if (r < 0)
		ereq_free(q);
	return r;
}

/* watch -------------------------------------------------------------------------------- */

static void watch_end(struct store_watch *w)
{
	if (w->s->watch == w)
		w->s->watch = NULL;
	free(w);
}

static void watch_cb(struct etcd_watch *ew, const struct etcd_watch_update *u, void *userdata)
{
	struct store_watch *w = userdata;
	struct store_watch_update su = { .received_usec = u->received_usec };
	_cleanup_free_ struct store_event *ev = NULL;
	char detail[96];

	switch (u->kind) {
	case ETCD_WATCH_CREATED:
		/*
		 * A store whose revision is behind the one we resume from is not the one we
		 * watched: etcd lost its data or was replaced. A watch from our revision would
		 * wait for revisions that mean something else.
		 */
		if (w->from > 0 && u->header.revision + 1 < w->from) {
			etcd_watch_free(w->w);
			snprintf(detail, sizeof(detail),
				 "etcd's revision %" PRId64 " is behind the %" PRId64
				 " we have seen", u->header.revision, w->from - 1);
			su.kind = STORE_WATCH_RESYNC;
			su.resync = STORE_RESYNC_BEHIND;
			su.detail = detail;
			w->cb(&su, w->userdata);
			watch_end(w);
			return;
		}
		su.kind = STORE_WATCH_STARTED;
		rev_format(u->header.revision + 1, &su.rev);
		w->cb(&su, w->userdata);
		return;
	case ETCD_WATCH_EVENTS:
		ev = calloc(u->n_events ? u->n_events : 1, sizeof(*ev));
		if (!ev)
			return; /* the events are lost; the periodic watch reconnect re-lists */
		for (size_t i = 0; i < u->n_events; i++) {
			const struct etcd_kv *kv = &u->events[i].kv;
			bool del = u->events[i].type == ETCD_EVENT_DELETE;

			if (streq(kv->key, w->s->config_key)) {
				ev[su.n_events].kind = del ? STORE_EVENT_CONFIG_REMOVED
							   : STORE_EVENT_CONFIG;
				ev[su.n_events].config = kv->value;
				ev[su.n_events++].config_len = kv->value_len;
			} else if (startswith(kv->key, w->s->subnets_prefix)) {
				struct store_event *e = &ev[su.n_events++];

				e->kind = del ? STORE_EVENT_REMOVED : STORE_EVENT_PUT;
				if (del)
					e->entry.key = startswith(kv->key, w->s->subnets_prefix);
				else
					entry_from_kv(w->s, kv, &e->entry);
			}
			if (kv->mod_revision >= w->next)
				w->next = kv->mod_revision + 1;
		}
		su.kind = STORE_WATCH_EVENTS;
		su.events = ev;
		rev_format(w->next, &su.rev);
		w->cb(&su, w->userdata);
		return;
	case ETCD_WATCH_COMPACTED:
		snprintf(detail, sizeof(detail), "compact revision %" PRId64, u->compact_revision);
		su.kind = STORE_WATCH_RESYNC;
		su.resync = STORE_RESYNC_COMPACTED;
		su.detail = detail;
		w->cb(&su, w->userdata);
		watch_end(w);
		return;
	case ETCD_WATCH_CLOSED:
		su.kind = STORE_WATCH_CLOSED;
		su.error = u->error;
		rev_format(w->next, &su.rev);
		w->cb(&su, w->userdata);
		watch_end(w);
		return;
	}
}

static int es_watch(void *state, const struct store_rev *from, store_watch_cb cb, void *userdata,
		    struct store_watch **ret)
{
	struct estore *s = state;
	struct store_watch *w;
	int r;

	w = calloc(1, sizeof(*w));
	if (!w)
		return -ENOMEM;
	*w = (struct store_watch){ .s = s, .from = rev_parse(from), .cb = cb,
				   .userdata = userdata };
	w->next = w->from;
	r = etcd_watch_start(s->etcd, s->prefix_slash, NULL, w->from, watch_cb, w, &w->w);
	if (r < 0) {
		free(w);
		return r;
	}
	s->watch = w;
	*ret = w;
	return 0;
}

static void es_watch_stop(void *state, struct store_watch *w)
{
	if (!w)
		return;
	etcd_watch_free(w->w);
	watch_end(w);
}

static const char *es_where(void *state)
{
	struct estore *s = state;

	return etcd_client_endpoint(s->etcd);
}

static int es_metrics(void *state, FILE *f)
{
	struct estore *s = state;
	const struct etcd_stats *es = etcd_client_stats(s->etcd);

	fprintf(f,
		"# TYPE linend_etcd_requests_total counter\n"
		"linend_etcd_requests_total %" PRIu64 "\n"
		"# TYPE linend_etcd_errors_total counter\n"
		"linend_etcd_errors_total %" PRIu64 "\n"
		"# TYPE linend_etcd_failovers_total counter\n"
		"linend_etcd_failovers_total %" PRIu64 "\n",
		es->requests, es->errors, es->failovers);
	return 0;
}

static void es_free(void *state)
{
	struct estore *s = state;

	if (!s)
		return;
	es_watch_stop(s, s->watch);
	while (s->reqs)
		ereq_free(s->reqs);
	free(s->prefix_slash);
	free(s->config_key);
	free(s->subnets_prefix);
	free(s);
}

static const struct lease_store_ops store_etcd_ops = {
	.name = "etcd",
	.get_config = es_get_config,
	.list = es_list,
	.claim = es_claim,
	.renew = es_renew,
	.remove = es_remove,
	.watch = es_watch,
	.watch_stop = es_watch_stop,
	.where = es_where,
	.metrics = es_metrics,
	.free = es_free,
};

int store_etcd_new(struct etcd_client *c, const char *prefix, struct lease_store *ret)
{
	struct estore *s;
	_cleanup_free_ char *p = strdup(prefix && *prefix ? prefix : "/coreos.com/network");
	size_t plen;

	if (!p)
		return -ENOMEM;
	plen = strlen(p);
	while (plen > 1 && p[plen - 1] == '/')
		p[--plen] = 0;
	s = calloc(1, sizeof(*s));
	if (!s)
		return -ENOMEM;
	s->etcd = c;
	if (asprintf(&s->config_key, "%s/config", p) < 0)
		s->config_key = NULL;
	if (asprintf(&s->subnets_prefix, "%s/subnets/", p) < 0)
		s->subnets_prefix = NULL;
	if (asprintf(&s->prefix_slash, "%s/", p) < 0)
		s->prefix_slash = NULL;
	if (!s->config_key || !s->subnets_prefix || !s->prefix_slash) {
		es_free(s);
		return -ENOMEM;
	}
	*ret = (struct lease_store){ .ops = &store_etcd_ops, .state = s };
	return 0;
}

void lease_store_done(struct lease_store *s)
{
	if (s && s->ops && s->ops->free)
		s->ops->free(s->state);
	if (s)
		*s = (struct lease_store){};
}
