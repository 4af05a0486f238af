// SPDX-License-Identifier: Apache-2.0
/*
 * daemon.c - the lease manager's state machine, driven by lease-store replies and timers.
 *
 * Differences from flanneld, on purpose: a lost claim race retries; reservations (leases
 * that never expire) are used as they are and never get a TTL; our lease vanishing (revoked,
 * expired, deleted, the store wiped) re-acquires the same subnet instead of exiting; a
 * changed network config is refused and the running one kept.
 */
#include <errno.h>
#include <inttypes.h>
#include <malloc.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>

#include "basic/log.h"
#include "basic/macro.h"
#include "linend/daemon.h"
#include "linend/lease.h"
#include "linend/netconfig.h"
#include "linend/subnet-env.h"
#include "linend/subnet.h"

#define BACKOFF_MIN_USEC 100000ULL
#define BACKOFF_MAX_USEC 5000000ULL
#define CONFIG_RETRY_USEC 1000000ULL
#define STORE_KEY_MAX 256

const double daemon_latency_buckets[DAEMON_LATENCY_BUCKETS] = {
	0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.5, 1
};

struct cache_entry {
	char *key; /* the store's name of the lease */
	int64_t mod_revision;
	bool garbage;
	struct lease lease;
};

enum own_state {
	OWN_NONE,
	OWN_ACQUIRING,
	OWN_HELD,
};

struct daemon {
	struct loop *loop;
	struct lease_store store;
	struct daemon_options o;

	bool have_config;
	struct net_config cfg;
	const struct backend_ops *backend;
	void *backend_state;
	struct backend_network net;
	struct backend_env env;
	char *state_dir;

	/* our lease */
	enum own_state own_state;
	struct lease own;
	bool backend_pending; /* register_network said -EINPROGRESS; net_changed not yet */
	char own_key[STORE_KEY_MAX];
	bool own_reservation;     /* never expires: no renewal */
	uint64_t own_expiry_usec; /* monotonic; 0 for a reservation */
	uint64_t own_renew_usec;  /* monotonic: when the renewal is due */
	struct ip_prefix preferred, preferred6;
	char *written_env;
	bool ready;
	bool rewriting;           /* a re-write of our lease is in flight */
	bool rewrite_again;       /* the backend's data changed again meanwhile */

	/* acquisition in flight */
	struct subnet_choice choice;
	char pending_key[LEASE_KEY_MAX];
	struct lease pending_prev;
	bool pending_has_prev;

	/* remote leases, sorted by key */
	struct cache_entry *cache;
	size_t n_cache, cap_cache;
	struct store_watch *watch;
	/* where the watch resumes after the last event the cache has seen ("": list again) */
	struct store_rev watch_rev;
	bool listing;
	uint64_t watch_backoff;
	uint64_t store_backoff;

	struct loop_timer *t_config, *t_acquire, *t_renew, *t_watch, *t_reconcile, *t_claim,
		*t_rewrite;

	/* metrics */
	uint64_t m_watch_reconnects, m_watch_resumes, m_compactions, m_garbage_total, m_races_lost,
		m_config_refused, m_acquisitions, m_renewals, m_renew_errors, m_lease_lost,
		m_events_added, m_events_removed, m_backend_errors, m_stale_delete_errors;
	uint64_t m_lat_count, m_lat_buckets[DAEMON_LATENCY_BUCKETS];
	double m_lat_sum;
};

static void acquire(struct daemon *d);
static void watch_sync(struct daemon *d);
static void rewrite(struct daemon *d);

static uint32_t random_u32(void *ud)
{
	uint32_t v;

	if (getrandom(&v, sizeof(v), 0) != sizeof(v))
		v = (uint32_t)rand();
	return v;
}

static uint64_t backoff_next(uint64_t *b)
{
	uint64_t cur = *b ? *b : BACKOFF_MIN_USEC;

	*b = MIN(cur * 2, BACKOFF_MAX_USEC);
	return cur;
}

static const char *store_where(const struct daemon *d)
{
	return d->store.ops->where ? d->store.ops->where(d->store.state) : d->store.ops->name;
}
/* cache ---------------------------------------------------------------------------------- */

static int cache_cmp(const void *k, const void *e)
{
	return strcmp(k, ((const struct cache_entry *)e)->key);
}

static struct cache_entry *cache_find(struct daemon *d, const char *key)
{
	if (d->n_cache == 0)
		return NULL; /* bsearch() on a NULL array is undefined even with 0 elements */
	return bsearch(key, d->cache, d->n_cache, sizeof(*d->cache), cache_cmp);
}

static struct cache_entry *cache_insert(struct daemon *d, const char *key)
{
	size_t lo = 0, hi = d->n_cache;
	struct cache_entry *e;

	while (lo < hi) {
		size_t mid = (lo + hi) / 2;

		if (strcmp(d->cache[mid].key, key) < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (d->n_cache == d->cap_cache) {
		size_t cap = d->cap_cache ? d->cap_cache * 2 : 16;
		struct cache_entry *n = realloc(d->cache, cap * sizeof(*n));

		if (!n)
			return NULL;
		d->cache = n;
		d->cap_cache = cap;
	}
	if (d->n_cache > lo)
		memmove(d->cache + lo + 1, d->cache + lo, (d->n_cache - lo) * sizeof(*d->cache));
	e = &d->cache[lo];
	*e = (struct cache_entry){ .key = strdup(key) };
	if (!e->key) {
		if (d->n_cache > lo)
			memmove(d->cache + lo, d->cache + lo + 1,
				(d->n_cache - lo) * sizeof(*d->cache));
		return NULL;
	}
	d->n_cache++;
	return e;
}

static void cache_remove(struct daemon *d, struct cache_entry *e)
{
	size_t i = (size_t)(e - d->cache);

	free(e->key);
	memmove(d->cache + i, d->cache + i + 1, (d->n_cache - i - 1) * sizeof(*d->cache));
	d->n_cache--;
}

static size_t cache_live(const struct daemon *d)
{
	size_t n = 0;

	for (size_t i = 0; i < d->n_cache; i++)
		n += !d->cache[i].garbage;
	return n;
}

static size_t cache_garbage(const struct daemon *d)
{
	return d->n_cache - cache_live(d);
}

static void observe_latency(struct daemon *d, uint64_t since)
{
	double s;

	if (!since)
		return;
	s = (double)(now_usec() - since) / 1e6;
	d->m_lat_count++;
	d->m_lat_sum += s;
	for (size_t i = 0; i < DAEMON_LATENCY_BUCKETS; i++)
		if (s <= daemon_latency_buckets[i])
			d->m_lat_buckets[i]++;
}

static void emit_added(struct daemon *d, const struct lease *l, uint64_t since)
{
	int r = d->backend->lease_added(d->backend_state, l);

	if (r < 0) {
		char k[LEASE_KEY_MAX];

		d->m_backend_errors++;
		log_warning_errno(r, "backend failed to add lease %s",
				  lease_key_format(&l->subnet, &l->subnet6, k));
	}
	d->m_events_added++;
	observe_latency(d, since);
}

static void emit_removed(struct daemon *d, const struct lease *l, uint64_t since)
{
	int r = d->backend->lease_removed(d->backend_state, l);

	if (r < 0) {
		char k[LEASE_KEY_MAX];

		d->m_backend_errors++;
		log_warning_errno(r, "backend failed to remove lease %s",
				  lease_key_format(&l->subnet, &l->subnet6, k));
	}
	d->m_events_removed++;
	observe_latency(d, since);
}

/* A put of a remote lease (or of garbage) into the cache, with backend events. */
static void cache_put(struct daemon *d, const struct store_entry *se, uint64_t since)
{
	struct cache_entry *e = cache_find(d, se->key);
	int64_t mod = se->lease.mod_revision;

	if (e && e->mod_revision == mod)
		return; /* seen already (snapshot after a reconnect) */
	if (se->garbage) {
		d->m_garbage_total++;
		log_warning("skipping garbage lease %s (value %.*s)", se->key,
			    (int)MIN(se->raw_len, 200), se->raw ? se->raw : "");
		if (e && !e->garbage)
			emit_removed(d, &e->lease, since);
		if (!e)
			e = cache_insert(d, se->key);
		if (e) {
			e->garbage = true;
			e->mod_revision = mod;
		}
		return;
	}
	if (e && !e->garbage && lease_attrs_equal(&e->lease.attrs, &se->lease.attrs)) {
		/* a renewal: nothing changed for the dataplane */
		e->mod_revision = mod;
		e->lease = se->lease;
		return;
	}
	if (!e)
		e = cache_insert(d, se->key);
	if (!e) {
		log_error("out of memory caching lease %s", se->key);
		return;
	}
	e->garbage = false;
	e->mod_revision = mod;
	e->lease = se->lease;
	emit_added(d, &se->lease, since);
}

static void cache_del(struct daemon *d, const char *key, uint64_t since)
{
	struct cache_entry *e = cache_find(d, key);

	if (!e)
		return;
	if (!e->garbage) {
		struct lease l = e->lease;

		cache_remove(d, e);
		emit_removed(d, &l, since);
	} else
		cache_remove(d, e);
}

/* subnet.env and readiness ---------------------------------------------------------------- */

static int write_env(struct daemon *d)
{
	_cleanup_free_ char *text = NULL;
	int r;

	r = subnet_env_render(&d->cfg, &d->own.subnet, &d->own.subnet6, d->net.mtu, d->o.ip_masq,
			      &text);
	if (r < 0)
		return r;
	if (d->written_env && streq(d->written_env, text))
		return 0;
	r = subnet_env_write(d->o.subnet_file, text);
	if (r < 0)
		return log_error_errno(r, "failed to write %s", d->o.subnet_file);
	free(d->written_env);
	d->written_env = TAKE_PTR(text);
	log_info("wrote %s", d->o.subnet_file);
	return 0;
}

/* What we advertise now, from the backend's data. */
static void own_attrs(const struct daemon *d, struct lease_attrs *ret)
{
	struct lease_attrs a = { .public_ip = d->o.ext.ext_addr };

	if (d->cfg.enable_ipv6)
		a.public_ipv6 = d->o.ext.ext_addr6;
	strcpy(a.backend_type, d->net.type);
	a.data = d->net.data;
	a.data6 = d->net.data6;
	*ret = a;
}

/* renewal --------------------------------------------------------------------------------- */

static void schedule_renew(struct daemon *d, int64_t ttl)
{
	int64_t margin = (int64_t)d->o.renew_margin_min * 60;
	int64_t in = ttl - margin;
	uint64_t now = loop_now(d->loop);

	if (d->own_reservation || ttl <= 0) {
		loop_timer_disarm(d->t_renew); /* a reservation never expires */
		d->own_expiry_usec = d->own_renew_usec = 0;
		return;
	}
	/* a TTL shorter than the margin (tests) renews at half-life */
	if (in <= 0)
		in = MAX(ttl / 2, 1);
	d->own_expiry_usec = now + (uint64_t)ttl * 1000000ULL;
	d->own_renew_usec = now + (uint64_t)in * 1000000ULL;
	loop_timer_arm(d->t_renew, (uint64_t)in * 1000000ULL);
}

static void lease_lost(struct daemon *d, const char *why)
{
	if (d->own_state != OWN_HELD)
		return;
	d->m_lease_lost++;
	log_warning("our lease %s is gone (%s); re-acquiring the same subnet", d->own_key, why);
	d->preferred = d->own.subnet;
	d->preferred6 = d->own.subnet6;
	d->own_state = OWN_NONE;
	loop_timer_disarm(d->t_renew);
	acquire(d);
}

static void renew_done(int error, const char *message, int64_t ttl, void *userdata)
{
	struct daemon *d = userdata;

	if (d->own_state != OWN_HELD)
		return;
	if (error == -ENOENT) {
		lease_lost(d, message ? message : "it expired or was revoked");
		return;
	}
	if (error < 0) {
		uint64_t now = loop_now(d->loop);
		int64_t left = d->own_expiry_usec > now
				       ? (int64_t)(d->own_expiry_usec - now) / 1000000 : 0;
		uint64_t retry = (uint64_t)MIN(60, MAX(1, left / 10));

		d->m_renew_errors++;
		log_warning_errno(error, "failed to renew lease %s (%s); retrying in %" PRIu64 " s",
				  d->own_key, message ? message : "", retry);
		loop_timer_arm(d->t_renew, retry * 1000000ULL);
		return;
	}
	d->m_renewals++;
	log_info("renewed lease %s for %" PRId64 " s", d->own_key, ttl);
	schedule_renew(d, ttl);
}

static void renew_fired(struct loop_timer *t, void *userdata)
{
	struct daemon *d = userdata;

	if (d->own_state != OWN_HELD || d->own_reservation)
		return;
	if (d->store.ops->renew(d->store.state, &d->own, renew_done, d) < 0)
		loop_timer_arm(d->t_renew, 1000000ULL);
}

/* acquisition ----------------------------------------------------------------------------- */

static void acquire_retry(struct daemon *d, uint64_t usec)
{
	d->own_state = OWN_NONE;
	loop_timer_arm(d->t_acquire, usec);
}

static void acquire_fired(struct loop_timer *t, void *userdata)
{
	acquire(userdata);
}

static void acquired(struct daemon *d, const char *key, const struct lease *l, int64_t ttl)
{
	bool first = !d->ready;
	struct lease_attrs now;
	int r;

	d->own = *l;
	snprintf(d->own_key, sizeof(d->own_key), "%s", key);
	d->own_reservation = ttl <= 0;
	d->own_state = OWN_HELD;
	d->m_acquisitions++;
	d->store_backoff = 0;
	log_info("acquired lease %s%s", d->own_key,
		 d->own_reservation ? " (reservation, no TTL)" : "");

	/* if a remote copy of this key is cached (it was someone else's), drop it */
	if (cache_find(d, d->own_key))
		cache_del(d, d->own_key, 0);
	if (d->backend->lease_acquired) {
		r = d->backend->lease_acquired(d->backend_state, &d->own);
		if (r < 0)
			log_error_errno(r, "backend failed to set up our lease");
	}
	if (d->o.lease_hook)
		d->o.lease_hook(d->o.lease_hook_userdata, &d->cfg, &d->own);
	schedule_renew(d, ttl);
	if (write_env(d) >= 0)
		d->ready = true;
	/* the backend's data changed while the claim was in flight: write what it is now */
	own_attrs(d, &now);
	if (!lease_attrs_equal(&now, &d->own.attrs))
		rewrite(d);
	if (first && !d->watch && !d->listing)
		watch_sync(d);
}

static void claim_done(const struct store_claim_result *r, void *userdata)
{
	struct daemon *d = userdata;

	if (d->own_state != OWN_ACQUIRING)
		return;
	if (r->error == -EEXIST) {
		d->m_races_lost++;
		log_warning("lost the race for subnet %s (someone else wrote it first); retrying",
			    d->pending_key);
		acquire_retry(d, 50000 + random_u32(NULL) % 200000);
		return;
	}
	if (r->error < 0) {
		log_warning_errno(r->error, "failed to write lease %s (%s); retrying",
				  d->pending_key, r->message ? r->message : "");
		acquire_retry(d, backoff_next(&d->store_backoff));
		return;
	}
	acquired(d, r->key, &r->lease, r->ttl);
}

static void claim(struct daemon *d)
{
	struct store_claim c = { .subnet = d->choice.subnet, .subnet6 = d->choice.subnet6,
				 .prev = d->pending_has_prev ? &d->pending_prev : NULL,
				 .ttl = d->o.lease_ttl };

	own_attrs(d, &c.attrs);
	if (d->store.ops->claim(d->store.state, &c, claim_done, d) < 0)
		acquire_retry(d, backoff_next(&d->store_backoff));
}

static void claim_fired(struct loop_timer *t, void *userdata)
{
	claim(userdata);
}

static void stale_delete_done(int error, const char *message, void *userdata)
{
	struct daemon *d = userdata;

	if (error < 0 && error != -ENOENT) {
		d->m_stale_delete_errors++;
		log_warning_errno(error, "failed to delete our stale lease (%s); it expires with "
				  "its TTL", message ? message : "");
	}
}

static void list_done(int error, const char *message, const struct store_snapshot *s,
		      void *userdata)
{
	struct daemon *d = userdata;
	_cleanup_free_ struct lease *leases = NULL;
	struct lease_attrs attrs;
	size_t n = 0;
	int ret;

	if (d->own_state != OWN_ACQUIRING)
		return;
	if (error < 0) {
		uint64_t b = backoff_next(&d->store_backoff);

		log_warning_errno(error, "listing leases at %s failed (%s); retrying in %.1f s",
				  store_where(d), message ? message : "", (double)b / 1e6);
		acquire_retry(d, b);
		return;
	}
	leases = calloc(s->n_entries ? s->n_entries : 1, sizeof(*leases));
	if (!leases) {
		acquire_retry(d, BACKOFF_MAX_USEC);
		return;
	}
	for (size_t i = 0; i < s->n_entries; i++) {
		const struct store_entry *e = &s->entries[i];

		if (e->garbage)
			continue;
		/* our own lease that no longer fits the config: delete it, as flannel does */
		if (ip_addr_equal(&e->lease.attrs.public_ip, &d->o.ext.ext_addr) &&
		    !subnet_lease_compatible(&d->cfg, &e->lease)) {
			if (e->lease.etcd_lease) {
				log_info("deleting our lease %s: it does not fit the config",
					 e->key);
				ret = d->store.ops->remove(d->store.state, e->key,
							   stale_delete_done, d);
				if (ret < 0)
					stale_delete_done(ret, NULL, d);
				continue;
			}
			log_warning("reservation %s for our IP does not fit the config; ignored",
				    e->key);
		}
		leases[n++] = e->lease;
	}
	ret = subnet_choose(&d->cfg, leases, n, &d->o.ext.ext_addr, &d->preferred,
			    &d->preferred6, random_u32, NULL, &d->choice);
	if (ret == -ENOSPC) {
		log_error("out of subnets: every subnet between SubnetMin and SubnetMax is leased;"
			  " retrying in 10 s");
		acquire_retry(d, 10000000ULL);
		return;
	}
	if (ret < 0) {
		acquire_retry(d, BACKOFF_MAX_USEC);
		return;
	}

	lease_key_format(&d->choice.subnet, &d->choice.subnet6, d->pending_key);
	d->pending_has_prev = false;

	switch (d->choice.kind) {
	case SUBNET_CHOICE_OWN: {
		const struct lease *own = &leases[d->choice.own];

		d->pending_prev = *own;
		d->pending_has_prev = true;
		/* the backend may adopt what it advertised then (the vxlan MAC) */
		if (d->backend->own_lease_found) {
			ret = d->backend->own_lease_found(d->backend_state, own, &d->net);
			if (ret < 0)
				log_warning_errno(ret,
						  "backend failed to adopt our previous lease");
		}
		own_attrs(d, &attrs);
		if (own->etcd_lease == 0) {
			/* a reservation: keep it TTL-less; rewrite only what changed */
			log_info("using reservation %s", d->pending_key);
			if (lease_attrs_equal(&own->attrs, &attrs)) {
				acquired(d, d->pending_key, own, 0);
				return;
			}
			claim(d);
			return;
		}
		log_info("reusing our lease %s", d->pending_key);
		break;
	}
	case SUBNET_CHOICE_PREFERRED:
		log_info("claiming our previous subnet %s", d->pending_key);
		break;
	case SUBNET_CHOICE_FREE:
		log_info("claiming free subnet %s", d->pending_key);
		break;
	}
	if (d->o.claim_delay_ms) {
		loop_timer_arm(d->t_claim, (uint64_t)d->o.claim_delay_ms * 1000);
		return;
	}
	claim(d);
}

static void acquire(struct daemon *d)
{
	if (d->own_state == OWN_ACQUIRING)
		return;
	d->own_state = OWN_ACQUIRING;
	loop_timer_disarm(d->t_acquire);
	if (d->store.ops->list(d->store.state, list_done, d) < 0)
		acquire_retry(d, BACKOFF_MAX_USEC);
}

/* re-writing our lease when the backend's data changes --------------------------------- */

static void rewrite_done(const struct store_claim_result *r, void *userdata)
{
	struct daemon *d = userdata;

	d->rewriting = false;
	if (d->own_state != OWN_HELD)
		return;
	if (r->error == -EEXIST) {
		lease_lost(d, "changed by someone else while we re-wrote it");
		return;
	}
	if (r->error < 0) {
		log_warning_errno(r->error, "failed to re-write lease %s (%s); retrying",
				  d->own_key, r->message ? r->message : "");
		loop_timer_arm(d->t_rewrite, backoff_next(&d->store_backoff));
		return;
	}
	d->store_backoff = 0;
	d->own = r->lease;
	log_info("re-wrote lease %s with the backend's new data", d->own_key);
	schedule_renew(d, r->ttl);
	write_env(d);
	if (d->rewrite_again) {
		d->rewrite_again = false;
		rewrite(d);
	}
}

static void rewrite(struct daemon *d)
{
	struct store_claim c = { .subnet = d->own.subnet, .subnet6 = d->own.subnet6,
				 .prev = &d->own, .ttl = d->o.lease_ttl };
	struct lease_attrs attrs;

	if (d->own_state != OWN_HELD)
		return; /* the acquisition in flight writes the new data */
	if (d->rewriting) {
		d->rewrite_again = true;
		return;
	}
	own_attrs(d, &attrs);
	if (lease_attrs_equal(&attrs, &d->own.attrs)) {
		write_env(d); /* the MTU may have changed */
		return;
	}
	c.attrs = attrs;
	d->rewriting = true;
	if (d->store.ops->claim(d->store.state, &c, rewrite_done, d) < 0) {
		d->rewriting = false;
		loop_timer_arm(d->t_rewrite, backoff_next(&d->store_backoff));
	}
}

static void rewrite_fired(struct loop_timer *t, void *userdata)
{
	rewrite(userdata);
}

static void net_changed(void *userdata, const struct backend_network *net)
{
	struct daemon *d = userdata;

	d->net = *net;
	if (d->backend_pending) {
		d->backend_pending = false;
		acquire(d);
		return;
	}
	log_info("backend %s changed what it advertises; re-writing our lease", d->backend->name);
	rewrite(d);
}

static void backend_failed(void *userdata, int error)
{
	struct daemon *d = userdata;

	log_error_errno(error, "backend %s cannot go on", d->backend->name);
	loop_exit(d->loop, 1);
}

/* network config ------------------------------------------------------------------------- */

static void check_config_change(struct daemon *d, const char *value, size_t len)
{
	struct net_config c;
	char err[256] = "";

	if (net_config_parse(value, len, &c, err, sizeof(err)) < 0) {
		d->m_config_refused++;
		log_error("the network config changed and is invalid (%s); keeping the running "
			  "one", err);
		return;
	}
	if (net_config_equal(&c, &d->cfg))
		return;
	d->m_config_refused++;
	log_error("the network config changed under a running linend; refusing it and "
		  "keeping the running one (restart every node to apply a new config)");
}

static void backend_start(struct daemon *d)
{
	const char *type = d->o.backend_override ? d->o.backend_override : d->cfg.backend.type;
	int r;

	d->backend = d->o.backend ? d->o.backend : backend_find(type);
	if (!d->backend) {
		log_error("backend type \"%s\" is not available in this build", type);
		loop_exit(d->loop, 1);
		return;
	}
	d->env = (struct backend_env){ .loop = d->loop, .ip_masq = d->o.ip_masq,
				       .forward_rules = d->o.forward_rules,
				       .masq_fully_random = d->o.masq_fully_random,
				       .fw_resync_usec = d->o.fw_resync_usec,
				       .state_dir = d->state_dir,
				       .net_changed = net_changed,
				       .net_changed_userdata = d,
				       .failed = backend_failed };
	r = d->backend->register_network(&d->cfg, &d->o.ext, &d->env, &d->backend_state,
					 &d->net);
	if (r == -EINPROGRESS) {
		d->backend_pending = true; /* net_changed claims the lease */
		r = 0;
	}
	if (r < 0) {
		log_error_errno(r, "backend %s failed to register the network", type);
		d->backend = NULL;
		loop_exit(d->loop, 1);
		return;
	}
	if (d->backend->reconcile && d->backend->reconcile_interval_usec)
		loop_timer_arm(d->t_reconcile, d->backend->reconcile_interval_usec);
	if (!d->backend_pending)
		acquire(d);
}

static void config_done(int error, const char *message, const char *json, size_t len,
			void *userdata)
{
	struct daemon *d = userdata;
	char err[256] = "";

	if (error == -ENOENT) {
		d->store_backoff = 0;
		log_warning("no network config in the %s store yet; retrying", d->store.ops->name);
		loop_timer_arm(d->t_config, CONFIG_RETRY_USEC);
		return;
	}
	if (error < 0) {
		uint64_t b = backoff_next(&d->store_backoff);

		log_warning_errno(error, "%s at %s: cannot read the network config (%s); "
				  "retrying in %.1f s", d->store.ops->name, store_where(d),
				  message ? message : "", (double)b / 1e6);
		loop_timer_arm(d->t_config, b);
		return;
	}
	d->store_backoff = 0;
	if (net_config_parse(json, len, &d->cfg, err, sizeof(err)) < 0) {
		log_error("invalid network config: %s; retrying", err);
		loop_timer_arm(d->t_config, CONFIG_RETRY_USEC);
		return;
	}
	d->have_config = true;
	{
		char n[IP_PREFIX_STRLEN];

		log_info("network config: Network %s, SubnetLen %u, Backend %s",
			 ip_prefix_to_string(&d->cfg.network, n), d->cfg.subnet_len,
			 d->cfg.backend.type);
	}
	if (d->cfg.enable_ipv6 && d->o.ext.ext_addr6.family != AF_INET6) {
		log_error("the config enables IPv6 but there is no public IPv6 address: use "
			  "--public-ipv6 or an interface with an IPv6 address");
		loop_exit(d->loop, 1);
		return;
	}
	backend_start(d);
}

static void config_fetch(struct daemon *d)
{
	if (d->store.ops->get_config(d->store.state, config_done, d) < 0)
		loop_timer_arm(d->t_config, BACKOFF_MAX_USEC);
}

static void config_fired(struct loop_timer *t, void *userdata)
{
	config_fetch(userdata);
}

/* watch ---------------------------------------------------------------------------------- */

static void own_key_event(struct daemon *d, const struct store_entry *e, bool deleted)
{
	if (deleted) {
		lease_lost(d, "its key was deleted or its lease expired");
		return;
	}
	if (e->garbage || !ip_addr_equal(&e->lease.attrs.public_ip, &d->o.ext.ext_addr)) {
		log_warning("our key %s was overwritten by someone else", d->own_key);
		lease_lost(d, "overwritten");
		return;
	}
	/* rewritten (by us, or with another expiry): track what the store holds now */
	d->own.etcd_lease = e->lease.etcd_lease;
	d->own.mod_revision = e->lease.mod_revision;
}

static void handle_entry(struct daemon *d, const struct store_entry *e, bool deleted,
			 uint64_t since)
{
	if (d->own_state == OWN_HELD && streq(e->key, d->own_key)) {
		own_key_event(d, e, deleted);
		return;
	}
	if (d->own_state == OWN_ACQUIRING && streq(e->key, d->pending_key))
		return; /* our claim in flight */
	if (deleted)
		cache_del(d, e->key, since);
	else
		cache_put(d, e, since);
}

static void handle_event(struct daemon *d, const struct store_event *ev, uint64_t since)
{
	switch (ev->kind) {
	case STORE_EVENT_PUT:
		handle_entry(d, &ev->entry, false, since);
		return;
	case STORE_EVENT_REMOVED:
		handle_entry(d, &ev->entry, true, since);
		return;
	case STORE_EVENT_CONFIG:
		check_config_change(d, ev->config, ev->config_len);
		return;
	case STORE_EVENT_CONFIG_REMOVED:
		log_warning("the network config was deleted; keeping the running one");
		return;
	}
}

static void watch_cb(const struct store_watch_update *u, void *userdata)
{
	struct daemon *d = userdata;

	switch (u->kind) {
	case STORE_WATCH_STARTED:
		log_debug("watching leases from revision %s", u->rev.s);
		d->watch_backoff = 0;
		return;
	case STORE_WATCH_EVENTS:
		for (size_t i = 0; i < u->n_events; i++)
			handle_event(d, &u->events[i], u->received_usec);
		d->watch_rev = u->rev;
		return;
	case STORE_WATCH_RESYNC:
		d->watch = NULL;
		switch (u->resync) {
		case STORE_RESYNC_COMPACTED:
			d->m_compactions++;
			log_warning("watch revision compacted (%s); re-listing",
				    u->detail ? u->detail : "");
			break;
		case STORE_RESYNC_BEHIND:
			log_warning("%s (data lost or replaced); re-listing",
				    u->detail ? u->detail : "the store is behind us");
			break;
		}
		watch_sync(d);
		return;
	case STORE_WATCH_CLOSED: {
		uint64_t b = backoff_next(&d->watch_backoff);

		d->watch = NULL;
		if (u->rev.s[0])
			d->watch_rev = u->rev;
		d->m_watch_reconnects++;
		log_warning_errno(u->error, "lease watch ended; reconnecting in %.1f s",
				  (double)b / 1e6);
		loop_timer_arm(d->t_watch, b);
		return;
	}
	}
}

static void watch_start(struct daemon *d)
{
	if (d->store.ops->watch(d->store.state, &d->watch_rev, watch_cb, d, &d->watch) < 0) {
		d->watch = NULL;
		loop_timer_arm(d->t_watch, backoff_next(&d->watch_backoff));
	}
}

static void snapshot_done(int error, const char *message, const struct store_snapshot *s,
			  void *userdata)
{
	struct daemon *d = userdata;
	bool own_seen = false;
	size_t i, j;

	d->listing = false;
	if (error < 0) {
		uint64_t b = backoff_next(&d->watch_backoff);

		d->m_watch_reconnects++;
		log_warning_errno(error, "listing leases failed (%s); retrying in %.1f s",
				  message ? message : "", (double)b / 1e6);
		loop_timer_arm(d->t_watch, b);
		return;
	}
	/* removed: cached keys missing from the snapshot (both sorted by key) */
	for (i = 0, j = 0; i < d->n_cache;) {
		while (j < s->n_entries && strcmp(s->entries[j].key, d->cache[i].key) < 0)
			j++;
		if (j < s->n_entries && streq(s->entries[j].key, d->cache[i].key)) {
			i++;
			continue;
		}
		cache_del(d, d->cache[i].key, 0); /* the entry at i is now the next one */
	}
	if (s->config)
		check_config_change(d, s->config, s->config_len);
	for (i = 0; i < s->n_entries; i++) {
		if (d->own_state == OWN_HELD && streq(s->entries[i].key, d->own_key))
			own_seen = true;
		handle_entry(d, &s->entries[i], false, 0);
	}
	if (d->own_state == OWN_HELD && !own_seen)
		lease_lost(d, "it is missing from the store (expired, deleted, or the store lost "
			   "its data)");
	if (d->backend && d->backend->leases_synced)
		d->backend->leases_synced(d->backend_state);

	/* the reply of a big list is parsed into many small blocks; give them back */
	malloc_trim(0);
	d->watch_rev = d->o.first_watch_rev.s[0] ? d->o.first_watch_rev : s->rev;
	d->o.first_watch_rev.s[0] = 0;
	watch_start(d);
}

static void watch_sync(struct daemon *d)
{
	if (d->listing)
		return;
	d->watch_rev.s[0] = 0; /* a failed list is retried as a list */
	if (d->watch) {
		d->store.ops->watch_stop(d->store.state, d->watch);
		d->watch = NULL;
	}
	d->listing = true;
	if (d->store.ops->list(d->store.state, snapshot_done, d) < 0) {
		d->listing = false;
		loop_timer_arm(d->t_watch, BACKOFF_MAX_USEC);
	}
}

/*
 * After a broken watch: go on after the last event we have, so a reconnect costs no list of
 * every lease (the store replays what happened meanwhile, or says it cannot: then we list).
 */
static void watch_resume(struct daemon *d)
{
	if (d->watch || d->listing)
		return;
	log_info("resuming the lease watch at revision %s", d->watch_rev.s);
	d->m_watch_resumes++;
	watch_start(d);
}

static void watch_fired(struct loop_timer *t, void *userdata)
{
	struct daemon *d = userdata;

	if (d->watch_rev.s[0])
		watch_resume(d);
	else
		watch_sync(d);
}

static void reconcile_fired(struct loop_timer *t, void *userdata)
{
	struct daemon *d = userdata;

	if (d->backend && d->backend->reconcile) {
		int r = d->backend->reconcile(d->backend_state);

		if (r < 0)
			log_warning_errno(r, "backend reconcile failed");
		loop_timer_arm(d->t_reconcile, d->backend->reconcile_interval_usec);
	}
}

/* life cycle ----------------------------------------------------------------------------- */

int daemon_new(struct loop *l, const struct lease_store *store, const struct daemon_options *o,
	       struct daemon **ret)
{
	_cleanup_(daemon_freep) struct daemon *d = NULL;
	int r;

	d = calloc(1, sizeof(*d));
	if (!d)
		return -ENOMEM;
	d->loop = l;
	d->store = *store;
	d->o = *o;
	if ((r = loop_timer_new(l, config_fired, d, &d->t_config)) < 0 ||
	    (r = loop_timer_new(l, acquire_fired, d, &d->t_acquire)) < 0 ||
	    (r = loop_timer_new(l, renew_fired, d, &d->t_renew)) < 0 ||
	    (r = loop_timer_new(l, watch_fired, d, &d->t_watch)) < 0 ||
	    (r = loop_timer_new(l, reconcile_fired, d, &d->t_reconcile)) < 0 ||
	    (r = loop_timer_new(l, claim_fired, d, &d->t_claim)) < 0 ||
	    (r = loop_timer_new(l, rewrite_fired, d, &d->t_rewrite)) < 0)
		return r;
	if (o->state_dir)
		d->state_dir = strdup(o->state_dir);
	else if (d->o.subnet_file) {
		const char *slash = strrchr(d->o.subnet_file, '/');

		d->state_dir = slash ? strndup(d->o.subnet_file,
					       (size_t)MAX(slash - d->o.subnet_file, 1))
				     : strdup(".");
	} else
		d->state_dir = strdup(".");
	if (!d->state_dir)
		return -ENOMEM;
	/* the previous subnet from subnet.env is our first preference */
	if (subnet_env_read(d->o.subnet_file, &d->preferred, &d->preferred6) >= 0 &&
	    d->preferred.addr.family == AF_INET) {
		char p[IP_PREFIX_STRLEN];

		log_info("previous subnet from %s: %s", d->o.subnet_file,
			 ip_prefix_to_string(&d->preferred, p));
	}
	*ret = TAKE_PTR(d);
	return 0;
}

struct daemon *daemon_free(struct daemon *d)
{
	if (!d)
		return NULL;
	if (d->watch)
		d->store.ops->watch_stop(d->store.state, d->watch);
	/* leave the dataplane in place: only the backend's memory goes */
	if (d->backend && d->backend->free)
		d->backend->free(d->backend_state);
	loop_timer_free(d->t_config);
	loop_timer_free(d->t_acquire);
	loop_timer_free(d->t_renew);
	loop_timer_free(d->t_watch);
	loop_timer_free(d->t_reconcile);
	loop_timer_free(d->t_claim);
	loop_timer_free(d->t_rewrite);
	for (size_t i = 0; i < d->n_cache; i++)
		free(d->cache[i].key);
	free(d->cache);
	free(d->written_env);
	free(d->state_dir);
	free(d);
	return NULL;
}

void daemon_start(struct daemon *d)
{
	config_fetch(d);
}

bool daemon_ready(const struct daemon *d)
{
	return d->ready;
}

void daemon_get_stats(const struct daemon *d, struct daemon_stats *ret)
{
	uint64_t now = loop_now(d->loop);
	bool held = d->own_state == OWN_HELD;
	struct daemon_stats s = {
		.held = held,
		.reservation = held && d->own_reservation,
		.own_key = held ? d->own_key : "",
		.remote = cache_live(d),
		.garbage = cache_garbage(d),
		.acquisitions = d->m_acquisitions,
		.renewals = d->m_renewals,
		.renew_errors = d->m_renew_errors,
		.lease_lost = d->m_lease_lost,
		.races_lost = d->m_races_lost,
		.garbage_total = d->m_garbage_total,
		.events_added = d->m_events_added,
		.events_removed = d->m_events_removed,
		.backend_errors = d->m_backend_errors,
		.stale_delete_errors = d->m_stale_delete_errors,
		.watch_reconnects = d->m_watch_reconnects,
		.watch_resumes = d->m_watch_resumes,
		.compactions = d->m_compactions,
		.config_refused = d->m_config_refused,
		.wakeups = loop_wakeups(d->loop),
		.lat_count = d->m_lat_count,
		.lat_sum = d->m_lat_sum,
	};

	if (held && !d->own_reservation && d->own_expiry_usec > now)
		s.expiry_in = (int64_t)(d->own_expiry_usec - now) / 1000000;
	if (held && !d->own_reservation && d->own_renew_usec > now)
		s.renew_in = (int64_t)(d->own_renew_usec - now) / 1000000;
	memcpy(s.lat_buckets, d->m_lat_buckets, sizeof(s.lat_buckets));
	*ret = s;
}

void daemon_metrics_extra(const struct daemon *d, FILE *f)
{
	if (d->store.ops->metrics)
		d->store.ops->metrics(d->store.state, f);
	if (d->backend && d->backend->metrics)
		d->backend->metrics(d->backend_state, f);
}

#ifdef LINEN_TEST_HOOKS
const struct lease *daemon_test_own(const struct daemon *d, const char **ret_key)
{
	if (d->own_state != OWN_HELD)
		return NULL;
	if (ret_key)
		*ret_key = d->own_key;
	return &d->own;
}

const struct lease *daemon_test_cache_at(const struct daemon *d, size_t i, const char **ret_key,
					 bool *ret_garbage)
{
	if (i >= d->n_cache)
		return NULL;
	if (ret_key)
		*ret_key = d->cache[i].key;
	if (ret_garbage)
		*ret_garbage = d->cache[i].garbage;
	return &d->cache[i].lease;
}

uint64_t daemon_test_renew_at(const struct daemon *d)
{
	return loop_timer_armed(d->t_renew) ? d->own_renew_usec : 0;
}
#endif
