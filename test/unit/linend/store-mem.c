// SPDX-License-Identifier: Apache-2.0
/*
 * store-mem.c - the in-memory lease store (see store-mem.h). Requests are queued and
 * answered, in order, when the store's timer fires; the answer is computed then, so a
 * test can change the store between a request and its answer.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "basic/macro.h"
#include "store-mem.h"

struct mem_entry {
	char key[LEASE_KEY_MAX];
	bool garbage;
	char raw[64];
	struct lease lease;
	uint64_t expiry;
	int64_t ttl;
};

struct mem_change {
	int64_t rev;
	bool deleted;
	struct mem_entry e;
};

enum mem_op_kind {
	OP_CONFIG,
	OP_LIST,
	OP_CLAIM,
	OP_RENEW,
	OP_REMOVE,
	OP_WATCH,
};

struct mem_op {
	enum mem_op_kind kind;
	union {
		store_config_cb config;
		store_list_cb list;
		store_claim_cb claim;
		store_renew_cb renew;
		store_done_cb done;
	} cb;
	void *userdata;
	struct store_claim c;
	bool has_prev;
	struct lease prev, own;
	char key[LEASE_KEY_MAX];
	struct store_watch *w;
	struct mem_op *next;
};

struct store_watch {
	struct mem_store *ms;
	int64_t from, next;
	bool started;
	store_watch_cb cb;
	void *userdata;
};

struct mem_store {
	struct loop *loop;
	struct loop_timer *t;
	struct mem_op *head, **tail;
	char *config;
	struct mem_entry *e;
	size_t n;
	struct mem_change *hist;
	size_t n_hist;
	int64_t rev, compacted, next_lease_id;
	struct store_watch *watch;
	bool break_watch;
	bool steal;
	struct lease_attrs thief;
	int fail_remove;
	struct mem_store_counts counts;
};

static void kick(struct mem_store *ms)
{
	loop_timer_arm(ms->t, 0);
}

static struct mem_entry *find(const struct mem_store *ms, const char *key)
{
	for (size_t i = 0; i < ms->n; i++)
		if (streq(ms->e[i].key, key))
			return &ms->e[i];
	return NULL;
}

static int entry_cmp(const void *a, const void *b)
{
	return strcmp(((const struct mem_entry *)a)->key, ((const struct mem_entry *)b)->key);
}

static void record(struct mem_store *ms, const struct mem_entry *e, bool deleted)
{
	ms->hist = realloc(ms->hist, (ms->n_hist + 1) * sizeof(*ms->hist));
	if (!ms->hist)
		abort();
	ms->hist[ms->n_hist++] = (struct mem_change){ .rev = ms->rev, .deleted = deleted, .e = *e };
	kick(ms);
}

static struct mem_entry *put(struct mem_store *ms, const struct mem_entry *ne)
{
	struct mem_entry *e = find(ms, ne->key);

	if (!e) {
		ms->e = realloc(ms->e, (ms->n + 1) * sizeof(*ms->e));
		if (!ms->e)
			abort();
		e = &ms->e[ms->n++];
	}
	*e = *ne;
	e->lease.mod_revision = ++ms->rev;
	qsort(ms->e, ms->n, sizeof(*ms->e), entry_cmp);
	e = find(ms, ne->key);
	record(ms, e, false);
	return e;
}

static bool del(struct mem_store *ms, const char *key)
{
	struct mem_entry *e = find(ms, key);
	struct mem_entry copy;

	if (!e)
		return false;
	copy = *e;
	memmove(e, e + 1, (size_t)(&ms->e[ms->n] - (e + 1)) * sizeof(*e));
	ms->n--;
	ms->rev++;
	record(ms, &copy, true);
	return true;
}

static void to_store_entry(const struct mem_entry *e, struct store_entry *ret)
{
	*ret = (struct store_entry){ .key = e->key, .garbage = e->garbage, .raw = e->raw,
				     .raw_len = strlen(e->raw), .lease = e->lease };
}

/* answering ---------------------------------------------------------------------------- */

static void answer_claim(struct mem_store *ms, struct mem_op *op)
{
	struct store_claim_result res = { .key = op->key };
	struct mem_entry ne = {}, *e;
	bool reservation = op->has_prev && op->prev.etcd_lease == 0;

	lease_key_format(&op->c.subnet, &op->c.subnet6, op->key);
	e = find(ms, op->key);
	if (!op->has_prev) {
		ms->counts.creates++;
		if (ms->steal && !e) {
			struct mem_entry te = { .lease = { .subnet = op->c.subnet,
							   .subnet6 = op->c.subnet6,
							   .attrs = ms->thief,
							   .etcd_lease = ++ms->next_lease_id } };

			snprintf(te.key, sizeof(te.key), "%s", op->key);
			put(ms, &te);
			ms->steal = false;
			e = find(ms, op->key);
		}
		if (e) {
			res.error = -EEXIST;
			op->cb.claim(&res, op->userdata);
			return;
		}
	} else {
		ms->counts.replaces++;
		if (!e || e->lease.mod_revision != op->prev.mod_revision) {
			res.error = -EEXIST;
			op->cb.claim(&res, op->userdata);
			return;
		}
	}
	snprintf(ne.key, sizeof(ne.key), "%s", op->key);
	ne.lease = (struct lease){ .subnet = op->c.subnet, .subnet6 = op->c.subnet6,
				   .attrs = op->c.attrs,
				   .etcd_lease = reservation ? 0 : ++ms->next_lease_id };
	if (!reservation) {
		ne.ttl = op->c.ttl;
		ne.expiry = loop_now(ms->loop) + (uint64_t)op->c.ttl * 1000000ULL;
	}
	e = put(ms, &ne);
	res.lease = e->lease;
	res.ttl = reservation ? 0 : op->c.ttl;
	op->cb.claim(&res, op->userdata);
}

static void answer_list(struct mem_store *ms, struct mem_op *op)
{
	struct store_entry *se = calloc(ms->n + 1, sizeof(*se));
	struct store_snapshot s = { .entries = se, .n_entries = ms->n, .config = ms->config,
				    .config_len = ms->config ? strlen(ms->config) : 0 };

	if (!se)
		abort();
	ms->counts.lists++;
	for (size_t i = 0; i < ms->n; i++)
		to_store_entry(&ms->e[i], &se[i]);
	snprintf(s.rev.s, sizeof(s.rev.s), "%" PRId64, ms->rev + 1);
	op->cb.list(0, NULL, &s, op->userdata);
	free(se);
}

static void answer_renew(struct mem_store *ms, struct mem_op *op)
{
	ms->counts.renews++;
	for (size_t i = 0; i < ms->n; i++)
		if (ms->e[i].lease.etcd_lease && ms->e[i].lease.etcd_lease == op->own.etcd_lease) {
			ms->e[i].expiry = loop_now(ms->loop) + (uint64_t)ms->e[i].ttl * 1000000ULL;
			op->cb.renew(0, NULL, ms->e[i].ttl, op->userdata);
			return;
		}
	op->cb.renew(-ENOENT, "lease not found", 0, op->userdata);
}

static void answer_watch(struct mem_store *ms, struct mem_op *op)
{
	struct store_watch *w = op->w;
	struct store_watch_update u = {};

	ms->counts.watches++;
	if (w->from > 0 && ms->rev + 1 < w->from) {
		u.kind = STORE_WATCH_RESYNC;
		u.resync = STORE_RESYNC_BEHIND;
		u.detail = "the store is behind";
	} else if (w->from > 0 && w->from <= ms->compacted) {
		u.kind = STORE_WATCH_RESYNC;
		u.resync = STORE_RESYNC_COMPACTED;
		u.detail = "compacted";
	}
	if (u.kind == STORE_WATCH_RESYNC) {
		ms->watch = NULL;
		w->cb(&u, w->userdata);
		free(w);
		return;
	}
	w->started = true;
	w->next = w->from > 0 ? w->from : ms->rev + 1;
	u.kind = STORE_WATCH_STARTED;
	snprintf(u.rev.s, sizeof(u.rev.s), "%" PRId64, w->next);
	w->cb(&u, w->userdata);
}

/* Deliver the changes the watch has not seen, or its break. */
static void pump_watch(struct mem_store *ms)
{
	struct store_watch *w = ms->watch;
	struct store_watch_update u = {};
	struct store_event *ev;

	if (!w || !w->started)
		return;
	if (ms->break_watch) {
		ms->break_watch = false;
		ms->watch = NULL;
		u.kind = STORE_WATCH_CLOSED;
		u.error = -ECONNRESET;
		snprintf(u.rev.s, sizeof(u.rev.s), "%" PRId64, w->next);
		w->cb(&u, w->userdata);
		free(w);
		return;
	}
	ev = calloc(ms->n_hist + 1, sizeof(*ev));
	if (!ev)
		abort();
	for (size_t i = 0; i < ms->n_hist; i++) {
		const struct mem_change *c = &ms->hist[i];

		if (c->rev < w->next)
			continue;
		ev[u.n_events].kind = c->deleted ? STORE_EVENT_REMOVED : STORE_EVENT_PUT;
		to_store_entry(&c->e, &ev[u.n_events].entry);
		u.n_events++;
		w->next = c->rev + 1;
	}
	if (u.n_events) {
		u.kind = STORE_WATCH_EVENTS;
		u.events = ev;
		snprintf(u.rev.s, sizeof(u.rev.s), "%" PRId64, w->next);
		w->cb(&u, w->userdata);
	}
	free(ev);
}

static void fired(struct loop_timer *t, void *userdata)
{
	struct mem_store *ms = userdata;
	struct mem_op *op;

	while ((op = ms->head)) {
		ms->head = op->next;
		if (!ms->head)
			ms->tail = &ms->head;
		switch (op->kind) {
		case OP_CONFIG:
			ms->counts.config_gets++;
			if (ms->config)
				op->cb.config(0, NULL, ms->config, strlen(ms->config),
					      op->userdata);
			else
				op->cb.config(-ENOENT, NULL, NULL, 0, op->userdata);
			break;
		case OP_LIST:
			answer_list(ms, op);
			break;
		case OP_CLAIM:
			answer_claim(ms, op);
			break;
		case OP_RENEW:
			answer_renew(ms, op);
			break;
		case OP_REMOVE:
			ms->counts.removes++;
			if (ms->fail_remove) {
				int e = ms->fail_remove;

				ms->fail_remove = 0;
				op->cb.done(e, "injected failure", op->userdata);
				break;
			}
			del(ms, op->key);
			op->cb.done(0, NULL, op->userdata);
			break;
		case OP_WATCH:
			if (ms->watch == op->w)
				answer_watch(ms, op);
			break;
		}
		free(op);
	}
	pump_watch(ms);
}

static struct mem_op *enqueue(struct mem_store *ms, enum mem_op_kind kind, void *userdata)
{
	struct mem_op *op = calloc(1, sizeof(*op));

	if (!op)
		abort();
	op->kind = kind;
	op->userdata = userdata;
	*ms->tail = op;
	ms->tail = &op->next;
	kick(ms);
	return op;
}

/* the interface ------------------------------------------------------------------------ */

static int m_get_config(void *s, store_config_cb cb, void *userdata)
{
	enqueue(s, OP_CONFIG, userdata)->cb.config = cb;
	return 0;
}

static int m_list(void *s, store_list_cb cb, void *userdata)
{
	enqueue(s, OP_LIST, userdata)->cb.list = cb;
	return 0;
}

static int m_claim(void *s, const struct store_claim *c, store_claim_cb cb, void *userdata)
{
	struct mem_op *op = enqueue(s, OP_CLAIM, userdata);

	op->cb.claim = cb;
	op->c = *c;
	if (c->prev) {
		op->prev = *c->prev;
		op->has_prev = true;
	}
	op->c.prev = NULL;
	return 0;
}

static int m_renew(void *s, const struct lease *own, store_renew_cb cb, void *userdata)
{
	struct mem_op *op = enqueue(s, OP_RENEW, userdata);

	op->cb.renew = cb;
	op->own = *own;
	return 0;
}

static int m_remove(void *s, const char *key, store_done_cb cb, void *userdata)
{
	struct mem_op *op = enqueue(s, OP_REMOVE, userdata);

	op->cb.done = cb;
	snprintf(op->key, sizeof(op->key), "%s", key);
	return 0;
}

static int m_watch(void *s, const struct store_rev *from, store_watch_cb cb, void *userdata,
		   struct store_watch **ret)
{
	struct mem_store *ms = s;
	struct store_watch *w = calloc(1, sizeof(*w));

	if (!w)
		return -ENOMEM;
	if (ms->watch)
		abort(); /* the daemon keeps one watch */
	*w = (struct store_watch){ .ms = ms, .from = from && from->s[0] ? atoll(from->s) : 0,
				   .cb = cb, .userdata = userdata };
	ms->watch = w;
	enqueue(ms, OP_WATCH, NULL)->w = w;
	*ret = w;
	return 0;
}

static void m_watch_stop(void *s, struct store_watch *w)
{
	struct mem_store *ms = s;

	if (!w)
		return;
	if (ms->watch == w)
		ms->watch = NULL;
	for (struct mem_op *op = ms->head; op; op = op->next)
		if (op->w == w)
			op->w = NULL;
	free(w);
}

static const char *m_where(void *s)
{
	return "memory";
}

static const struct lease_store_ops mem_ops = {
	.name = "memory",
	.get_config = m_get_config,
	.list = m_list,
	.claim = m_claim,
	.renew = m_renew,
	.remove = m_remove,
	.watch = m_watch,
	.watch_stop = m_watch_stop,
	.where = m_where,
};

/* the test's side ------------------------------------------------------------------------ */

int mem_store_new(struct loop *l, struct mem_store **ret)
{
	struct mem_store *ms = calloc(1, sizeof(*ms));
	int r;

	if (!ms)
		return -ENOMEM;
	ms->loop = l;
	ms->tail = &ms->head;
	ms->rev = 1;
	r = loop_timer_new(l, fired, ms, &ms->t);
	if (r < 0) {
		free(ms);
		return r;
	}
	*ret = ms;
	return 0;
}

void mem_store_free(struct mem_store *ms)
{
	if (!ms)
		return;
	while (ms->head) {
		struct mem_op *op = ms->head;

		ms->head = op->next;
		free(op);
	}
	free(ms->watch);
	loop_timer_free(ms->t);
	free(ms->config);
	free(ms->e);
	free(ms->hist);
	free(ms);
}

struct lease_store mem_store_iface(struct mem_store *ms)
{
	return (struct lease_store){ .ops = &mem_ops, .state = ms };
}

void mem_store_set_config(struct mem_store *ms, const char *json)
{
	free(ms->config);
	ms->config = json ? strdup(json) : NULL;
}

void mem_store_put(struct mem_store *ms, const struct lease *l)
{
	struct mem_entry e = { .lease = *l };

	lease_key_format(&l->subnet, &l->subnet6, e.key);
	put(ms, &e);
}

void mem_store_put_garbage(struct mem_store *ms, const char *key, const char *raw)
{
	struct mem_entry e = { .garbage = true };

	snprintf(e.key, sizeof(e.key), "%s", key);
	snprintf(e.raw, sizeof(e.raw), "%s", raw);
	put(ms, &e);
}

void mem_store_delete(struct mem_store *ms, const char *key)
{
	del(ms, key);
}

const struct lease *mem_store_get(const struct mem_store *ms, const char *key)
{
	const struct mem_entry *e = find(ms, key);

	return e && !e->garbage ? &e->lease : NULL;
}

size_t mem_store_count(const struct mem_store *ms)
{
	return ms->n;
}

const char *mem_store_key_at(const struct mem_store *ms, size_t i, bool *ret_garbage)
{
	if (i >= ms->n)
		return NULL;
	if (ret_garbage)
		*ret_garbage = ms->e[i].garbage;
	return ms->e[i].key;
}

void mem_store_compact(struct mem_store *ms)
{
	ms->compacted = ms->rev;
}

void mem_store_break_watch(struct mem_store *ms)
{
	ms->break_watch = true;
	kick(ms);
}

void mem_store_wipe(struct mem_store *ms)
{
	ms->n = 0;
	ms->n_hist = 0;
	ms->rev = 1;
	ms->compacted = 0;
	mem_store_break_watch(ms);
}

void mem_store_steal_next_create(struct mem_store *ms, const struct lease_attrs *thief)
{
	ms->steal = true;
	ms->thief = *thief;
}

void mem_store_fail_next_remove(struct mem_store *ms, int error)
{
	ms->fail_remove = error;
}

const struct mem_store_counts *mem_store_counts(const struct mem_store *ms)
{
	return &ms->counts;
}

uint64_t mem_store_expiry(const struct mem_store *ms, const char *key)
{
	const struct mem_entry *e = find(ms, key);

	return e ? e->expiry : 0;
}
