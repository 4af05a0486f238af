// SPDX-License-Identifier: Apache-2.0
/*
 * daemon.c - the lease manager's state machine, driven by etcd replies and timers.
 *
 * Differences from flanneld, on purpose: a lost create race retries; reservations (keys
 * without a lease) are used as they are and never get a TTL; our lease vanishing (revoked,
 * expired, deleted, etcd wiped) re-acquires the same subnet instead of exiting; a changed
 * network config is refused and the running one kept.
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

static const double latency_buckets[] = { 0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005,
					  0.01, 0.025, 0.05, 0.1, 0.5, 1 };

struct cache_entry {
	char *key; /* the part after <prefix>/subnets/ */
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
	struct etcd_client *etcd;
	struct daemon_options o;
	char *prefix;  /* without a trailing slash */
	char *config_key;
	char *subnets_prefix; /* "<prefix>/subnets/" */
	char *prefix_slash;   /* "<prefix>/": the watch covers config and subnets */

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
	char own_key[LEASE_KEY_MAX];
	char *own_value;
	uint64_t own_expiry_usec; /* monotonic; 0 for a reservation */
	uint64_t own_renew_usec;  /* monotonic: when the renewal is due */
	struct ip_prefix preferred, preferred6;
	char *written_env;
	bool ready;

	/* acquisition in flight */
	struct subnet_choice choice;
	char pending_key[LEASE_KEY_MAX];
	char *pending_value;
	int64_t pending_lease;
	int64_t pending_mod;
	int64_t replaced_lease;
	bool pending_reservation;

	/* remote leases, sorted by key */
	struct cache_entry *cache;
	size_t n_cache, cap_cache;
	struct etcd_watch *watch;
	/* the revision after the last one the cache has seen (0: unknown, list again) */
	int64_t watch_next_rev;
	bool listing;
	uint64_t watch_backoff;
	uint64_t etcd_backoff;

	struct loop_timer *t_config, *t_acquire, *t_renew, *t_watch, *t_reconcile, *t_claim;

	/* metrics */
	uint64_t m_watch_reconnects, m_watch_resumes, m_compactions, m_garbage_total, m_races_lost,
		m_config_refused, m_acquisitions, m_renewals, m_renew_errors, m_lease_lost,
		m_events_added, m_events_removed, m_backend_errors;
	uint64_t m_lat_count, m_lat_buckets[ELEMENTSOF(latency_buckets)];
	double m_lat_sum;
};

static void acquire(struct daemon *d);
static void watch_sync(struct daemon *d);

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
	for (size_t i = 0; i < ELEMENTSOF(latency_buckets); i++)
		if (s <= latency_buckets[i])
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

/* Parse a key/value under subnets/; -EINVAL marks garbage. */
static int parse_kv(const char *key, const char *value, size_t len, int64_t lease_id,
		    int64_t mod, struct lease *ret)
{
	struct lease l = { .etcd_lease = lease_id, .mod_revision = mod };

	if (lease_key_parse(key, &l.subnet, &l.subnet6) < 0)
		return -EINVAL;
	if (lease_attrs_parse(value, len, &l.attrs) < 0)
		return -EINVAL;
	*ret = l;
	return 0;
}

/* A put of a remote lease (or of garbage) into the cache, with backend events. */
static void cache_put(struct daemon *d, const char *key, const char *value, size_t len,
		      int64_t lease_id, int64_t mod, uint64_t since)
{
	struct cache_entry *e = cache_find(d, key);
	struct lease l;
	bool garbage;

	garbage = parse_kv(key, value, len, lease_id, mod, &l) < 0;
	if (e && e->mod_revision == mod)
		return; /* seen already (snapshot after a reconnect) */
	if (garbage) {
		d->m_garbage_total++;
		log_warning("skipping garbage lease %s%s (value %.*s)", d->subnets_prefix, key,
			    (int)MIN(len, 200), value);
		if (e && !e->garbage)
			emit_removed(d, &e->lease, since);
		if (!e)
			e = cache_insert(d, key);
		if (e) {
			e->garbage = true;
			e->mod_revision = mod;
		}
		return;
	}
	if (e && !e->garbage && lease_attrs_equal(&e->lease.attrs, &l.attrs)) {
		/* a renewal: nothing changed for the dataplane */
		e->mod_revision = mod;
		e->lease = l;
		return;
	}
	if (!e)
		e = cache_insert(d, key);
	if (!e) {
		log_error("out of memory caching lease %s", key);
		return;
	}
	e->garbage = false;
	e->mod_revision = mod;
	e->lease = l;
	emit_added(d, &l, since);
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

/* renewal --------------------------------------------------------------------------------- */

static void schedule_renew(struct daemon *d, int64_t ttl)
{
	int64_t margin = (int64_t)d->o.renew_margin_min * 60;
	int64_t in = ttl - margin;

	if (d->own.etcd_lease == 0) {
		loop_timer_disarm(d->t_renew); /* a reservation never expires */
		return;
	}
	/* a TTL shorter than the margin (tests) renews at half-life */
	if (in <= 0)
		in = MAX(ttl / 2, 1);
	d->own_expiry_usec = now_usec() + (uint64_t)ttl * 1000000ULL;
	d->own_renew_usec = now_usec() + (uint64_t)in * 1000000ULL;
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

static void renew_done(struct etcd_client *c, const struct etcd_result *r, void *userdata)
{
	struct daemon *d = userdata;

	if (d->own_state != OWN_HELD)
		return;
	if (r->error == -ENOENT || (r->error == 0 && r->ttl <= 0)) {
		lease_lost(d, "its etcd lease expired or was revoked");
		return;
	}
	if (r->error < 0) {
		int64_t left = (int64_t)(d->own_expiry_usec - now_usec()) / 1000000;
		uint64_t retry = (uint64_t)MIN(60, MAX(1, left / 10));

		d->m_renew_errors++;
		log_warning_errno(r->error, "failed to renew lease %s (%s); retrying in %" PRIu64 " s",
				  d->own_key, r->message ? r->message : "", retry);
		loop_timer_arm(d->t_renew, retry * 1000000ULL);
		return;
	}
	d->m_renewals++;
	log_info("renewed lease %s for %" PRId64 " s", d->own_key, r->ttl);
	schedule_renew(d, r->ttl);
}

static void renew_fired(struct loop_timer *t, void *userdata)
{
	struct daemon *d = userdata;
	int r;

	if (d->own_state != OWN_HELD || d->own.etcd_lease == 0)
		return;
	r = etcd_lease_keepalive(d->etcd, d->own.etcd_lease, renew_done, d);
	if (r < 0)
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

static void acquired(struct daemon *d, int64_t ttl)
{
	bool first = !d->ready;
	struct cache_entry *e;
	int r;

	d->own = (struct lease){ .subnet = d->choice.subnet, .subnet6 = d->choice.subnet6,
				 .etcd_lease = d->pending_reservation ? 0 : d->pending_lease };
	d->own.attrs.public_ip = d->o.ext.ext_addr;
	if (d->cfg.enable_ipv6)
		d->own.attrs.public_ipv6 = d->o.ext.ext_addr6;
	strcpy(d->own.attrs.backend_type, d->net.type);
	d->own.attrs.data = d->net.data;
	d->own.attrs.data6 = d->net.data6;
	strcpy(d->own_key, d->pending_key);
	free(d->own_value);
	d->own_value = TAKE_PTR(d->pending_value);
	d->own_state = OWN_HELD;
	d->m_acquisitions++;
	d->etcd_backoff = 0;
	log_info("acquired lease %s%s%s", d->subnets_prefix, d->own_key,
		 d->own.etcd_lease ? "" : " (reservation, no TTL)");

	/* if a remote copy of this key is cached (it was someone else's), drop it */
	e = cache_find(d, d->own_key);
	if (e)
		cache_del(d, d->own_key, 0);
	if (d->backend->lease_acquired) {
		r = d->backend->lease_acquired(d->backend_state, &d->own);
		if (r < 0)
			log_error_errno(r, "backend failed to set up our lease");
	}
	schedule_renew(d, ttl);
	if (write_env(d) >= 0)
		d->ready = true;
	if (first && !d->watch && !d->listing)
		watch_sync(d);
}

static void revoke_done(struct etcd_client *c, const struct etcd_result *r, void *userdata)
{
}

static void claim_done(struct etcd_client *c, const struct etcd_result *r, void *userdata)
{
	struct daemon *d = userdata;

	if (r->error < 0) {
		log_warning_errno(r->error, "failed to write lease %s (%s); retrying",
				  d->pending_key, r->message ? r->message : "");
		if (d->pending_lease && !d->pending_reservation)
			etcd_lease_revoke(d->etcd, d->pending_lease, revoke_done, d);
		acquire_retry(d, backoff_next(&d->etcd_backoff));
		return;
	}
	if (!r->succeeded) {
		d->m_races_lost++;
		log_warning("lost the race for subnet %s (someone else wrote it first); retrying",
			    d->pending_key);
		if (d->pending_lease && !d->pending_reservation)
			etcd_lease_revoke(d->etcd, d->pending_lease, revoke_done, d);
		acquire_retry(d, 50000 + random_u32(NULL) % 200000);
		return;
	}
	if (d->replaced_lease && d->replaced_lease != d->pending_lease)
		etcd_lease_revoke(d->etcd, d->replaced_lease, revoke_done, d);
	acquired(d, d->o.lease_ttl);
}

static char *full_key(const struct daemon *d, const char *key)
{
	char *k;

	return asprintf(&k, "%s%s", d->subnets_prefix, key) < 0 ? NULL : k;
}

static void grant_done(struct etcd_client *c, const struct etcd_result *r, void *userdata);

static void claim(struct daemon *d)
{
	_cleanup_free_ char *k = full_key(d, d->pending_key);
	int64_t lease = d->pending_reservation ? 0 : d->pending_lease;
	int r;

	if (!k) {
		acquire_retry(d, BACKOFF_MAX_USEC);
		return;
	}
	if (d->choice.kind == SUBNET_CHOICE_OWN)
		r = etcd_txn_replace(d->etcd, k, d->pending_mod, d->pending_value, lease,
				     claim_done, d);
	else
		r = etcd_txn_create(d->etcd, k, d->pending_value, lease, claim_done, d);
	if (r < 0)
		acquire_retry(d, backoff_next(&d->etcd_backoff));
}

static void claim_fired(struct loop_timer *t, void *userdata)
{
	struct daemon *d = userdata;

	if (etcd_lease_grant(d->etcd, d->o.lease_ttl, grant_done, d) < 0)
		acquire_retry(d, BACKOFF_MAX_USEC);
}

static void grant_done(struct etcd_client *c, const struct etcd_result *r, void *userdata)
{
	struct daemon *d = userdata;

	if (r->error < 0 || r->lease_id == 0) {
		log_warning_errno(r->error ? r->error : -EIO, "failed to grant an etcd lease (%s)",
				  r->message ? r->message : "");
		acquire_retry(d, backoff_next(&d->etcd_backoff));
		return;
	}
	d->pending_lease = r->lease_id;
	claim(d);
}

static void delete_done(struct etcd_client *c, const struct etcd_result *r, void *userdata)
{
}

static void list_done(struct etcd_client *c, const struct etcd_result *r, void *userdata)
{
	struct daemon *d = userdata;
	_cleanup_free_ struct lease *leases = NULL;
	struct lease_attrs attrs = {};
	size_t n = 0;
	int ret;

	if (r->error < 0) {
		uint64_t b = backoff_next(&d->etcd_backoff);

		log_warning_errno(r->error, "listing leases at %s failed (%s); retrying in %.1f s",
				  etcd_client_endpoint(d->etcd), r->message ? r->message : "",
				  (double)b / 1e6);
		acquire_retry(d, b);
		return;
	}
	leases = calloc(r->n_kvs ? r->n_kvs : 1, sizeof(*leases));
	if (!leases) {
		acquire_retry(d, BACKOFF_MAX_USEC);
		return;
	}
	for (size_t i = 0; i < r->n_kvs; i++) {
		const struct etcd_kv *kv = &r->kvs[i];
		const char *key = startswith(kv->key, d->subnets_prefix);
		struct lease l;

		if (!key || parse_kv(key, kv->value, kv->value_len, kv->lease, kv->mod_revision,
				     &l) < 0)
			continue;
		/* our own lease that no longer fits the config: delete it, as flannel does */
		if (ip_addr_equal(&l.attrs.public_ip, &d->o.ext.ext_addr) &&
		    !subnet_lease_compatible(&d->cfg, &l)) {
			if (l.etcd_lease) {
				log_info("deleting our lease %s: it does not fit the config", key);
				etcd_delete(d->etcd, kv->key, delete_done, d);
				continue;
			}
			log_warning("reservation %s for our IP does not fit the config; ignored",
				    key);
		}
		leases[n++] = l;
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
	attrs.public_ip = d->o.ext.ext_addr;
	if (d->cfg.enable_ipv6)
		attrs.public_ipv6 = d->o.ext.ext_addr6;
	strcpy(attrs.backend_type, d->net.type);
	attrs.data = d->net.data;
	attrs.data6 = d->net.data6;
	free(d->pending_value);
	d->pending_value = NULL;
	if (lease_attrs_format(&attrs, &d->pending_value) < 0) {
		acquire_retry(d, BACKOFF_MAX_USEC);
		return;
	}
	d->pending_reservation = false;
	d->pending_lease = 0;
	d->replaced_lease = 0;
	d->pending_mod = 0;

	switch (d->choice.kind) {
	case SUBNET_CHOICE_OWN: {
		const struct lease *own = &leases[d->choice.own];

		d->pending_mod = own->mod_revision;
		if (own->etcd_lease == 0) {
			/* a reservation: keep it TTL-less; rewrite only what changed */
			d->pending_reservation = true;
			log_info("using reservation %s", d->pending_key);
			if (lease_attrs_equal(&own->attrs, &attrs)) {
				acquired(d, 0);
				return;
			}
			claim(d);
			return;
		}
		log_info("reusing our lease %s", d->pending_key);
		d->replaced_lease = own->etcd_lease;
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
	claim_fired(d->t_claim, d);
}

static void acquire(struct daemon *d)
{
	if (d->own_state == OWN_ACQUIRING)
		return;
	d->own_state = OWN_ACQUIRING;
	loop_timer_disarm(d->t_acquire);
	if (etcd_range_prefix(d->etcd, d->subnets_prefix, list_done, d) < 0)
		acquire_retry(d, BACKOFF_MAX_USEC);
}

/* network config ------------------------------------------------------------------------- */

static void check_config_change(struct daemon *d, const char *value, size_t len)
{
	struct net_config c;
	char err[256] = "";

	if (net_config_parse(value, len, &c, err, sizeof(err)) < 0) {
		d->m_config_refused++;
		log_error("the network config at %s changed and is invalid (%s); keeping the "
			  "running one", d->config_key, err);
		return;
	}
	if (net_config_equal(&c, &d->cfg))
		return;
	d->m_config_refused++;
	log_error("the network config at %s changed under a running linend; refusing it and "
		  "keeping the running one (restart every node to apply a new config)",
		  d->config_key);
}

static void backend_start(struct daemon *d)
{
	const char *type = d->o.backend_override ? d->o.backend_override : d->cfg.backend.type;
	int r;

	d->backend = backend_find(type);
	if (!d->backend) {
		log_error("backend type \"%s\" is not available in this build", type);
		loop_exit(d->loop, 1);
		return;
	}
	d->env = (struct backend_env){ .loop = d->loop, .ip_masq = d->o.ip_masq,
				       .forward_rules = d->o.forward_rules,
				       .masq_fully_random = d->o.masq_fully_random,
				       .fw_resync_usec = d->o.fw_resync_usec,
				       .state_dir = d->state_dir };
	r = d->backend->register_network(&d->cfg, &d->o.ext, &d->env, &d->backend_state,
					 &d->net);
	if (r < 0) {
		log_error_errno(r, "backend %s failed to register the network", type);
		d->backend = NULL;
		loop_exit(d->loop, 1);
		return;
	}
	if (d->backend->reconcile && d->backend->reconcile_interval_usec)
		loop_timer_arm(d->t_reconcile, d->backend->reconcile_interval_usec);
	acquire(d);
}

static void config_fetch(struct daemon *d);

static void config_done(struct etcd_client *c, const struct etcd_result *r, void *userdata)
{
	struct daemon *d = userdata;
	char err[256] = "";

	if (r->error < 0) {
		uint64_t b = backoff_next(&d->etcd_backoff);

		log_warning_errno(r->error, "etcd at %s: cannot read %s (%s); retrying in %.1f s",
				  etcd_client_endpoint(d->etcd), d->config_key,
				  r->message ? r->message : "", (double)b / 1e6);
		loop_timer_arm(d->t_config, b);
		return;
	}
	d->etcd_backoff = 0;
	if (r->n_kvs == 0) {
		log_warning("no network config at %s yet; retrying", d->config_key);
		loop_timer_arm(d->t_config, CONFIG_RETRY_USEC);
		return;
	}
	if (net_config_parse(r->kvs[0].value, r->kvs[0].value_len, &d->cfg, err,
			     sizeof(err)) < 0) {
		log_error("invalid network config at %s: %s; retrying", d->config_key, err);
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
	if (etcd_range(d->etcd, d->config_key, NULL, config_done, d) < 0)
		loop_timer_arm(d->t_config, BACKOFF_MAX_USEC);
}

static void config_fired(struct loop_timer *t, void *userdata)
{
	config_fetch(userdata);
}

/* watch ---------------------------------------------------------------------------------- */

static void own_key_event(struct daemon *d, const struct etcd_kv *kv, bool deleted)
{
	struct lease l;

	if (deleted) {
		lease_lost(d, "its key was deleted or its etcd lease expired");
		return;
	}
	if (parse_kv(d->own_key, kv->value, kv->value_len, kv->lease, kv->mod_revision, &l) < 0 ||
	    !ip_addr_equal(&l.attrs.public_ip, &d->o.ext.ext_addr)) {
		log_warning("our key %s was overwritten by someone else", d->own_key);
		lease_lost(d, "overwritten");
		return;
	}
	if (kv->lease != d->own.etcd_lease) {
		/* rewritten with another etcd lease (or none): track what is in etcd now */
		d->own.etcd_lease = kv->lease;
	}
}

static void handle_kv(struct daemon *d, const struct etcd_kv *kv, bool deleted, uint64_t since)
{
	const char *key;

	if (streq(kv->key, d->config_key)) {
		if (deleted)
			log_warning("the network config %s was deleted; keeping the running one",
				    d->config_key);
		else
			check_config_change(d, kv->value, kv->value_len);
		return;
	}
	key = startswith(kv->key, d->subnets_prefix);
	if (!key)
		return;
	if (d->own_state != OWN_NONE && streq(key, d->own_key) && d->own_state == OWN_HELD) {
		own_key_event(d, kv, deleted);
		return;
	}
	if (d->own_state == OWN_ACQUIRING && streq(key, d->pending_key))
		return; /* our claim in flight */
	if (deleted)
		cache_del(d, key, since);
	else
		cache_put(d, key, kv->value, kv->value_len, kv->lease, kv->mod_revision, since);
}

static void watch_cb(struct etcd_watch *w, const struct etcd_watch_update *u, void *userdata)
{
	struct daemon *d = userdata;

	switch (u->kind) {
	case ETCD_WATCH_CREATED:
		log_debug("watching %s from revision %" PRId64, d->prefix, u->header.revision);
		d->watch_backoff = 0;
		/*
		 * A store whose revision is behind what we have seen is not the one we watched:
		 * etcd lost its data or was replaced. A watch from our revision would wait for
		 * revisions that mean something else; list it anew.
		 */
		if (d->watch_next_rev > 0 && u->header.revision + 1 < d->watch_next_rev) {
			log_warning("etcd's revision %" PRId64 " is behind the %" PRId64
				    " we have seen (data lost or replaced); re-listing",
				    u->header.revision, d->watch_next_rev - 1);
			watch_sync(d);
		}
		return;
	case ETCD_WATCH_EVENTS:
		for (size_t i = 0; i < u->n_events; i++) {
			const struct etcd_kv *kv = &u->events[i].kv;

			handle_kv(d, kv, u->events[i].type == ETCD_EVENT_DELETE, u->received_usec);
			if (kv->mod_revision >= d->watch_next_rev)
				d->watch_next_rev = kv->mod_revision + 1;
		}
		return;
	case ETCD_WATCH_COMPACTED:
		d->watch = NULL;
		d->m_compactions++;
		log_warning("watch revision compacted (compact revision %" PRId64 "); re-listing",
			    u->compact_revision);
		watch_sync(d);
		return;
	case ETCD_WATCH_CLOSED: {
		uint64_t b = backoff_next(&d->watch_backoff);

		d->watch = NULL;
		d->m_watch_reconnects++;
		log_warning_errno(u->error, "lease watch ended; reconnecting in %.1f s",
				  (double)b / 1e6);
		loop_timer_arm(d->t_watch, b);
		return;
	}
	}
}

static int keycmp(const void *a, const void *b)
{
	return strcmp(((const struct etcd_kv *)a)->key, ((const struct etcd_kv *)b)->key);
}

static void snapshot_done(struct etcd_client *c, const struct etcd_result *r, void *userdata)
{
	struct daemon *d = userdata;
	struct etcd_kv *kvs = r->kvs;
	bool own_seen = false;
	size_t i, j;
	int ret;

	d->listing = false;
	if (r->error < 0) {
		uint64_t b = backoff_next(&d->watch_backoff);

		d->m_watch_reconnects++;
		log_warning_errno(r->error, "listing %s failed (%s); retrying in %.1f s", d->prefix,
				  r->message ? r->message : "", (double)b / 1e6);
		loop_timer_arm(d->t_watch, b);
		return;
	}
	/* etcd returns keys sorted; sort anyway, the diff below depends on it */
	qsort(kvs, r->n_kvs, sizeof(*kvs), keycmp);

	/* removed: cached keys missing from the snapshot */
	for (i = 0, j = 0; i < d->n_cache;) {
		_cleanup_free_ char *k = full_key(d, d->cache[i].key);
		bool found = false;

		if (!k)
			break;
		while (j < r->n_kvs && strcmp(kvs[j].key, k) < 0)
			j++;
		found = j < r->n_kvs && streq(kvs[j].key, k);
		if (!found) {
			cache_del(d, d->cache[i].key, 0);
			continue; /* the entry at i is now the next one */
		}
		i++;
	}
	for (i = 0; i < r->n_kvs; i++) {
		const char *key = startswith(kvs[i].key, d->subnets_prefix);

		if (key && d->own_state == OWN_HELD && streq(key, d->own_key))
			own_seen = true;
		handle_kv(d, &kvs[i], false, 0);
	}
	if (d->own_state == OWN_HELD && !own_seen)
		lease_lost(d, "it is missing from etcd (expired, deleted, or etcd lost its data)");
	if (d->backend && d->backend->leases_synced)
		d->backend->leases_synced(d->backend_state);

	/* the reply of a big list is parsed into many small blocks; give them back */
	malloc_trim(0);
	d->watch_next_rev = d->o.first_watch_revision ? d->o.first_watch_revision
						      : r->header.revision + 1;
	d->o.first_watch_revision = 0;
	ret = etcd_watch_start(d->etcd, d->prefix_slash, NULL, d->watch_next_rev, watch_cb, d,
			       &d->watch);
	if (ret < 0) {
		d->watch = NULL;
		loop_timer_arm(d->t_watch, backoff_next(&d->watch_backoff));
	}
}

static void watch_sync(struct daemon *d)
{
	if (d->listing)
		return;
	d->watch_next_rev = 0; /* a failed list is retried as a list */
	if (d->watch) {
		etcd_watch_free(d->watch);
		d->watch = NULL;
	}
	d->listing = true;
	if (etcd_range_prefix(d->etcd, d->prefix_slash, snapshot_done, d) < 0) {
		d->listing = false;
		loop_timer_arm(d->t_watch, BACKOFF_MAX_USEC);
	}
}

/*
 * After a broken watch: go on from the revision after the last event we have, so a
 * reconnect costs no list of every lease (etcd replays what happened meanwhile; a compacted
 * revision answers COMPACTED and we list then).
 */
static void watch_resume(struct daemon *d)
{
	if (d->watch || d->listing)
		return;
	log_info("resuming the lease watch at revision %" PRId64, d->watch_next_rev);
	d->m_watch_resumes++;
	if (etcd_watch_start(d->etcd, d->prefix_slash, NULL, d->watch_next_rev, watch_cb, d,
			     &d->watch) < 0) {
		d->watch = NULL;
		loop_timer_arm(d->t_watch, backoff_next(&d->watch_backoff));
	}
}

static void watch_fired(struct loop_timer *t, void *userdata)
{
	struct daemon *d = userdata;

	if (d->watch_next_rev > 0)
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

int daemon_new(struct loop *l, struct etcd_client *etcd, const struct daemon_options *o,
	       struct daemon **ret)
{
	_cleanup_(daemon_freep) struct daemon *d = NULL;
	size_t plen;
	int r;

	d = calloc(1, sizeof(*d));
	if (!d)
		return -ENOMEM;
	d->loop = l;
	d->etcd = etcd;
	d->o = *o;
	d->prefix = strdup(o->prefix && *o->prefix ? o->prefix : "/coreos.com/network");
	if (!d->prefix)
		return -ENOMEM;
	plen = strlen(d->prefix);
	while (plen > 1 && d->prefix[plen - 1] == '/')
		d->prefix[--plen] = 0;
	if (asprintf(&d->config_key, "%s/config", d->prefix) < 0 ||
	    asprintf(&d->subnets_prefix, "%s/subnets/", d->prefix) < 0 ||
	    asprintf(&d->prefix_slash, "%s/", d->prefix) < 0)
		return -ENOMEM;
	if ((r = loop_timer_new(l, config_fired, d, &d->t_config)) < 0 ||
	    (r = loop_timer_new(l, acquire_fired, d, &d->t_acquire)) < 0 ||
	    (r = loop_timer_new(l, renew_fired, d, &d->t_renew)) < 0 ||
	    (r = loop_timer_new(l, watch_fired, d, &d->t_watch)) < 0 ||
	    (r = loop_timer_new(l, reconcile_fired, d, &d->t_reconcile)) < 0 ||
	    (r = loop_timer_new(l, claim_fired, d, &d->t_claim)) < 0)
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
	etcd_watch_free(d->watch);
	/* leave the dataplane in place: only the backend's memory goes */
	if (d->backend && d->backend->free)
		d->backend->free(d->backend_state);
	loop_timer_free(d->t_config);
	loop_timer_free(d->t_acquire);
	loop_timer_free(d->t_renew);
	loop_timer_free(d->t_watch);
	loop_timer_free(d->t_reconcile);
	loop_timer_free(d->t_claim);
	for (size_t i = 0; i < d->n_cache; i++)
		free(d->cache[i].key);
	free(d->cache);
	free(d->prefix);
	free(d->prefix_slash);
	free(d->config_key);
	free(d->subnets_prefix);
	free(d->own_value);
	free(d->pending_value);
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

int daemon_metrics(const struct daemon *d, char **ret)
{
	const struct etcd_stats *es = etcd_client_stats(d->etcd);
	_cleanup_free_ char *hist = NULL;
	size_t hlen = 0;
	FILE *f;
	int64_t left = 0, renew_in = 0;

	f = open_memstream(&hist, &hlen);
	if (!f)
		return -ENOMEM;
	for (size_t i = 0; i < ELEMENTSOF(latency_buckets); i++)
		fprintf(f, "linend_event_to_program_seconds_bucket{le=\"%g\"} %" PRIu64 "\n",
			latency_buckets[i], d->m_lat_buckets[i]);
	fprintf(f, "linend_event_to_program_seconds_bucket{le=\"+Inf\"} %" PRIu64 "\n",
		d->m_lat_count);
	fprintf(f, "linend_event_to_program_seconds_sum %.9f\n", d->m_lat_sum);
	fprintf(f, "linend_event_to_program_seconds_count %" PRIu64 "\n", d->m_lat_count);
	if (d->backend && d->backend->metrics)
		d->backend->metrics(d->backend_state, f);
	fclose(f);
	if (d->own_state == OWN_HELD && d->own.etcd_lease && d->own_expiry_usec > now_usec())
		left = (int64_t)(d->own_expiry_usec - now_usec()) / 1000000;
	if (d->own_state == OWN_HELD && d->own.etcd_lease && d->own_renew_usec > now_usec())
		renew_in = (int64_t)(d->own_renew_usec - now_usec()) / 1000000;
	if (asprintf(ret,
		     "# HELP linend_lease_held 1 while this node holds its subnet lease.\n"
		     "# TYPE linend_lease_held gauge\n"
		     "linend_lease_held{subnet=\"%s\",reservation=\"%s\"} %d\n"
		     "# HELP linend_lease_expiry_seconds Seconds until our lease expires (0: none).\n"
		     "# TYPE linend_lease_expiry_seconds gauge\n"
		     "linend_lease_expiry_seconds %" PRId64 "\n"
		     "# HELP linend_lease_renew_in_seconds Seconds until we renew it (TTL minus "
		     "--subnet-lease-renew-margin).\n"
		     "# TYPE linend_lease_renew_in_seconds gauge\n"
		     "linend_lease_renew_in_seconds %" PRId64 "\n"
		     "# TYPE linend_lease_acquisitions_total counter\n"
		     "linend_lease_acquisitions_total %" PRIu64 "\n"
		     "# TYPE linend_lease_renewals_total counter\n"
		     "linend_lease_renewals_total %" PRIu64 "\n"
		     "# TYPE linend_lease_renew_errors_total counter\n"
		     "linend_lease_renew_errors_total %" PRIu64 "\n"
		     "# TYPE linend_lease_lost_total counter\n"
		     "linend_lease_lost_total %" PRIu64 "\n"
		     "# TYPE linend_lease_races_lost_total counter\n"
		     "linend_lease_races_lost_total %" PRIu64 "\n"
		     "# HELP linend_remote_leases Remote leases in the cache.\n"
		     "# TYPE linend_remote_leases gauge\n"
		     "linend_remote_leases %zu\n"
		     "# HELP linend_garbage_leases Keys under subnets/ that are not valid leases.\n"
		     "# TYPE linend_garbage_leases gauge\n"
		     "linend_garbage_leases %zu\n"
		     "# TYPE linend_garbage_leases_total counter\n"
		     "linend_garbage_leases_total %" PRIu64 "\n"
		     "# TYPE linend_backend_events_total counter\n"
		     "linend_backend_events_total{event=\"added\"} %" PRIu64 "\n"
		     "linend_backend_events_total{event=\"removed\"} %" PRIu64 "\n"
		     "# TYPE linend_backend_errors_total counter\n"
		     "linend_backend_errors_total %" PRIu64 "\n"
		     "# TYPE linend_etcd_requests_total counter\n"
		     "linend_etcd_requests_total %" PRIu64 "\n"
		     "# TYPE linend_etcd_errors_total counter\n"
		     "linend_etcd_errors_total %" PRIu64 "\n"
		     "# TYPE linend_etcd_failovers_total counter\n"
		     "linend_etcd_failovers_total %" PRIu64 "\n"
		     "# TYPE linend_watch_reconnects_total counter\n"
		     "linend_watch_reconnects_total %" PRIu64 "\n"
		     "# TYPE linend_watch_resumes_total counter\n"
		     "linend_watch_resumes_total %" PRIu64 "\n"
		     "# TYPE linend_watch_compactions_total counter\n"
		     "linend_watch_compactions_total %" PRIu64 "\n"
		     "# TYPE linend_config_refused_total counter\n"
		     "linend_config_refused_total %" PRIu64 "\n"
		     "# TYPE linend_loop_wakeups_total counter\n"
		     "linend_loop_wakeups_total %" PRIu64 "\n"
		     "# HELP linend_event_to_program_seconds From a watch event's arrival to the backend call's return.\n"
		     "# TYPE linend_event_to_program_seconds histogram\n"
		     "%s",
		     d->own_state == OWN_HELD ? d->own_key : "",
		     d->own_state == OWN_HELD && !d->own.etcd_lease ? "true" : "false",
		     d->own_state == OWN_HELD, left, renew_in, d->m_acquisitions, d->m_renewals,
		     d->m_renew_errors, d->m_lease_lost, d->m_races_lost, cache_live(d),
		     cache_garbage(d), d->m_garbage_total, d->m_events_added, d->m_events_removed,
		     d->m_backend_errors, es->requests, es->errors, es->failovers,
		     d->m_watch_reconnects, d->m_watch_resumes, d->m_compactions,
		     d->m_config_refused,
		     loop_wakeups(d->loop), hist ? hist : "") < 0)
		return -ENOMEM;
	return 0;
}
