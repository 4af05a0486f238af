// SPDX-License-Identifier: Apache-2.0
/*
 * test-daemon.c - linend's lease state machines against the in-memory lease store, on a
 * fake clock, with a recording backend: config missing, the claim race won and lost,
 * renewal at TTL - margin, our lease deleted, compaction and a store that lost its data,
 * the VTEP-MAC seam (own_lease_found, net_changed) and the stale-lease delete failing.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "basic/macro.h"
#include "linend/daemon.h"
#include "linend/loop.h"
#include "store-mem.h"

#define SEC 1000000ULL
#define CONFIG "{\"Network\":\"10.5.0.0/16\",\"Backend\":{\"Type\":\"vxlan\"}}"

/* the recording backend ------------------------------------------------------------------ */

#define MAX_EV 64

struct fake_backend {
	const struct backend_env *env;
	struct backend_network net;
	unsigned acquired, own_found, synced;
	struct lease prev_found;
	char added[MAX_EV][LEASE_KEY_MAX], removed[MAX_EV][LEASE_KEY_MAX];
	size_t n_added, n_removed;
};

static struct fake_backend fb;
static const uint8_t fresh_mac[6] = { 0x02, 0, 0, 0, 0, 0x01 };

static int fb_register(const struct net_config *cfg, const struct backend_ext_iface *ext,
		       const struct backend_env *env, void **ret_state, struct backend_network *ret)
{
	fb.env = env;
	fb.net = (struct backend_network){ .mtu = 1450, .type = "vxlan",
					   .data = { .kind = BACKEND_DATA_VXLAN, .vni = 1 } };
	memcpy(fb.net.data.vtep_mac, fresh_mac, 6);
	*ret_state = &fb;
	*ret = fb.net;
	return 0;
}

/* adopt the MAC we advertised before, as the vxlan backend does */
static int fb_own_found(void *state, const struct lease *prev, struct backend_network *net)
{
	fb.own_found++;
	fb.prev_found = *prev;
	if (prev->attrs.data.kind == BACKEND_DATA_VXLAN)
		memcpy(net->data.vtep_mac, prev->attrs.data.vtep_mac, 6);
	fb.net = *net;
	return 0;
}

static int fb_acquired(void *state, const struct lease *own)
{
	fb.acquired++;
	return 0;
}

static int fb_added(void *state, const struct lease *l)
{
	assert_true(fb.n_added < MAX_EV);
	lease_key_format(&l->subnet, &l->subnet6, fb.added[fb.n_added++]);
	return 0;
}

static int fb_removed(void *state, const struct lease *l)
{
	assert_true(fb.n_removed < MAX_EV);
	lease_key_format(&l->subnet, &l->subnet6, fb.removed[fb.n_removed++]);
	return 0;
}

static void fb_synced(void *state)
{
	fb.synced++;
}

static const struct backend_ops fake_ops = {
	.name = "vxlan",
	.register_network = fb_register,
	.own_lease_found = fb_own_found,
	.lease_acquired = fb_acquired,
	.lease_added = fb_added,
	.lease_removed = fb_removed,
	.leases_synced = fb_synced,
};

static bool seen(char list[][LEASE_KEY_MAX], size_t n, const char *key)
{
	for (size_t i = 0; i < n; i++)
		if (streq(list[i], key))
			return true;
	return false;
}

/* the fixture ------------------------------------------------------------------------- */

struct fx {
	struct loop *loop;
	struct mem_store *ms;
	struct lease_store store;
	struct daemon *d;
	char dir[64], env_path[96];
	unsigned hooks;
	struct lease hooked;
};

static struct fx fx;

static void hook(void *userdata, const struct net_config *cfg, const struct lease *own)
{
	fx.hooks++;
	fx.hooked = *own;
}

static void settle(void)
{
	loop_fake_advance(fx.loop, 0);
}

static void advance(uint64_t usec)
{
	loop_fake_advance(fx.loop, usec);
}

static struct lease remote(const char *subnet, const char *ip)
{
	struct lease l = { .etcd_lease = 99 };

	assert_int_equal(ip_prefix_parse(subnet, &l.subnet), 0);
	assert_int_equal(ip_addr_parse(ip, &l.attrs.public_ip), 0);
	strcpy(l.attrs.backend_type, "vxlan");
	l.attrs.data = (struct backend_data){ .kind = BACKEND_DATA_VXLAN, .vni = 1,
					      .vtep_mac = { 0x02, 0, 0, 0, 0, 0x77 } };
	return l;
}

static int setup(void **state)
{
	memset(&fb, 0, sizeof(fb));
	memset(&fx, 0, sizeof(fx));
	strcpy(fx.dir, "/tmp/test-daemon.XXXXXX");
	assert_non_null(mkdtemp(fx.dir));
	snprintf(fx.env_path, sizeof(fx.env_path), "%s/subnet.env", fx.dir);
	assert_int_equal(loop_new(&fx.loop), 0);
	loop_fake_clock(fx.loop, 1000 * SEC);
	assert_int_equal(mem_store_new(fx.loop, &fx.ms), 0);
	fx.store = mem_store_iface(fx.ms);
	mem_store_set_config(fx.ms, CONFIG);
	return 0;
}

static void start(void)
{
	struct daemon_options o = { .subnet_file = fx.env_path, .renew_margin_min = 60,
				    .lease_ttl = 7200, .backend = &fake_ops, .state_dir = fx.dir,
				    .lease_hook = hook };

	assert_int_equal(ip_addr_parse("10.9.0.1", &o.ext.ext_addr), 0);
	strcpy(o.ext.name, "lo");
	o.ext.mtu = 1500;
	assert_int_equal(daemon_new(fx.loop, &fx.store, &o, &fx.d), 0);
	daemon_start(fx.d);
	settle();
}

static int teardown(void **state)
{
	char cmd[128];

	daemon_free(fx.d);
	mem_store_free(fx.ms);
	loop_free(fx.loop);
	snprintf(cmd, sizeof(cmd), "rm -rf %s", fx.dir);
	assert_int_equal(system(cmd), 0);
	return 0;
}

static const struct lease *own(const char **key)
{
	return daemon_test_own(fx.d, key);
}

/* The daemon's cache holds exactly the store's leases but ours. */
static void assert_cache_equals_store(void)
{
	const char *own_key = NULL, *ck, *sk;
	size_t i = 0, j = 0;

	assert_non_null(own(&own_key));
	for (;;) {
		sk = mem_store_key_at(fx.ms, j, NULL);
		if (sk && streq(sk, own_key)) {
			j++;
			continue;
		}
		if (!daemon_test_cache_at(fx.d, i, &ck, NULL))
			ck = NULL;
		if (!ck || !sk) {
			assert_null(ck);
			assert_null(sk);
			return;
		}
		assert_string_equal(ck, sk);
		i++;
		j++;
	}
}

/* the tests ---------------------------------------------------------------------------- */

static void test_config_missing_retries(void **state)
{
	mem_store_set_config(fx.ms, NULL);
	start();
	assert_int_equal(mem_store_counts(fx.ms)->config_gets, 1);
	assert_null(own(NULL));
	advance(1 * SEC);
	assert_int_equal(mem_store_counts(fx.ms)->config_gets, 2);
	assert_null(own(NULL));
	mem_store_set_config(fx.ms, CONFIG);
	advance(1 * SEC);
	assert_non_null(own(NULL));
	assert_true(daemon_ready(fx.d));
}

static void test_claim_won(void **state)
{
	const struct lease *l, *stored;
	const char *key;
	_cleanup_free_ char *metrics = NULL;
	char want[160];

	start();
	l = own(&key);
	assert_non_null(l);
	assert_int_equal(mem_store_counts(fx.ms)->creates, 1);
	stored = mem_store_get(fx.ms, key);
	assert_non_null(stored);
	assert_true(lease_attrs_equal(&stored->attrs, &l->attrs));
	assert_true(stored->etcd_lease != 0);
	assert_int_equal(fb.acquired, 1);
	assert_int_equal(fx.hooks, 1);
	assert_true(ip_prefix_equal(&fx.hooked.subnet, &l->subnet));
	assert_true(daemon_ready(fx.d));
	assert_int_equal(access(fx.env_path, F_OK), 0);
	assert_int_equal(fb.synced, 1);
	assert_int_equal(daemon_metrics(fx.d, &metrics), 0);
	snprintf(want, sizeof(want), "linend_lease_held{subnet=\"%s\",reservation=\"false\"} 1\n",
		 key);
	assert_non_null(strstr(metrics, want));
	assert_non_null(strstr(metrics, "linend_lease_renew_in_seconds 3600\n"));
}

static void test_claim_race_lost(void **state)
{
	struct lease thief = remote("10.5.99.0/24", "10.9.0.2");
	struct daemon_stats st;
	const struct lease *l;
	const char *key;

	mem_store_steal_next_create(fx.ms, &thief.attrs);
	start();
	assert_null(own(NULL)); /* lost: the retry waits 50-250 ms */
	daemon_get_stats(fx.d, &st);
	assert_int_equal(st.races_lost, 1);
	advance(300000);
	l = own(&key);
	assert_non_null(l);
	assert_int_equal(mem_store_counts(fx.ms)->creates, 2);
	assert_int_equal(mem_store_count(fx.ms), 2);
	/* the subnet someone else took is theirs, and ours is another one */
	for (size_t i = 0; i < 2; i++) {
		const char *k = mem_store_key_at(fx.ms, i, NULL);

		if (streq(k, key))
			continue;
		assert_true(ip_addr_equal(&mem_store_get(fx.ms, k)->attrs.public_ip,
					  &thief.attrs.public_ip));
		assert_true(seen(fb.added, fb.n_added, k));
	}
	assert_cache_equals_store();
}

static void test_renewal(void **state)
{
	uint64_t t0;
	const char *key;

	start();
	assert_non_null(own(&key));
	t0 = loop_now(fx.loop);
	/* TTL 7200 s, margin 60 min: due at 3600 s */
	assert_int_equal(daemon_test_renew_at(fx.d), t0 + 3600 * SEC);
	advance(3600 * SEC - 1);
	assert_int_equal(mem_store_counts(fx.ms)->renews, 0);
	advance(1);
	assert_int_equal(mem_store_counts(fx.ms)->renews, 1);
	assert_int_equal(mem_store_expiry(fx.ms, key), t0 + 3600 * SEC + 7200 * SEC);
	assert_int_equal(daemon_test_renew_at(fx.d), t0 + 7200 * SEC);
	advance(3600 * SEC);
	assert_int_equal(mem_store_counts(fx.ms)->renews, 2);
}

static void test_own_deleted_reacquired(void **state)
{
	char before[LEASE_KEY_MAX];
	struct daemon_stats st;
	const char *key;

	start();
	assert_non_null(own(&key));
	strcpy(before, key);
	mem_store_delete(fx.ms, before);
	settle();
	assert_non_null(own(&key));
	assert_string_equal(key, before);
	assert_non_null(mem_store_get(fx.ms, before));
	assert_int_equal(mem_store_counts(fx.ms)->creates, 2);
	daemon_get_stats(fx.d, &st);
	assert_int_equal(st.lease_lost, 1);
	assert_int_equal(fx.hooks, 2);
	/* a vanished lease is not one of the remote ones */
	assert_false(seen(fb.removed, fb.n_removed, before));
}

static void test_compaction_relists(void **state)
{
	struct lease a = remote("10.5.201.0/24", "10.9.0.2");
	struct lease b = remote("10.5.202.0/24", "10.9.0.3");
	struct lease c = remote("10.5.203.0/24", "10.9.0.4");
	struct daemon_stats st;

	start();
	mem_store_put(fx.ms, &a);
	mem_store_put(fx.ms, &b);
	settle();
	assert_true(seen(fb.added, fb.n_added, "10.5.201.0-24"));
	assert_true(seen(fb.added, fb.n_added, "10.5.202.0-24"));
	assert_int_equal(mem_store_counts(fx.ms)->lists, 2);
	/* the stream breaks; meanwhile b goes, c comes, and the history is compacted */
	mem_store_break_watch(fx.ms);
	settle();
	mem_store_delete(fx.ms, "10.5.202.0-24");
	mem_store_put(fx.ms, &c);
	mem_store_compact(fx.ms);
	advance(200000); /* the watch backoff */
	daemon_get_stats(fx.d, &st);
	assert_int_equal(st.compactions, 1);
	assert_int_equal(mem_store_counts(fx.ms)->lists, 3);
	assert_true(seen(fb.removed, fb.n_removed, "10.5.202.0-24"));
	assert_true(seen(fb.added, fb.n_added, "10.5.203.0-24"));
	assert_cache_equals_store();
	assert_int_equal(fb.synced, 2);
}

static void test_watch_resumes_without_list(void **state)
{
	struct lease a = remote("10.5.201.0/24", "10.9.0.2");
	struct daemon_stats st;

	start();
	mem_store_break_watch(fx.ms);
	settle();
	mem_store_put(fx.ms, &a);
	advance(200000);
	daemon_get_stats(fx.d, &st);
	assert_int_equal(st.watch_resumes, 1);
	assert_int_equal(st.compactions, 0);
	assert_int_equal(mem_store_counts(fx.ms)->lists, 2); /* acquisition + first sync only */
	assert_true(seen(fb.added, fb.n_added, "10.5.201.0-24"));
	assert_cache_equals_store();
}

static void test_store_behind_relists(void **state)
{
	struct lease a = remote("10.5.201.0/24", "10.9.0.2");
	struct lease b = remote("10.5.202.0/24", "10.9.0.3");
	struct lease c = remote("10.5.203.0/24", "10.9.0.4");
	char before[LEASE_KEY_MAX];
	struct daemon_stats st;
	const char *key;

	start();
	assert_non_null(own(&key));
	strcpy(before, key);
	mem_store_put(fx.ms, &a);
	mem_store_put(fx.ms, &b);
	settle();
	/* the store loses its data and starts over: its revision is behind ours */
	mem_store_wipe(fx.ms);
	settle();
	mem_store_put(fx.ms, &c);
	advance(200000);
	daemon_get_stats(fx.d, &st);
	assert_int_equal(st.lease_lost, 1);
	assert_non_null(own(&key));
	assert_string_equal(key, before); /* the same subnet again */
	assert_non_null(mem_store_get(fx.ms, before));
	assert_true(seen(fb.removed, fb.n_removed, "10.5.201.0-24"));
	assert_true(seen(fb.removed, fb.n_removed, "10.5.202.0-24"));
	assert_true(seen(fb.added, fb.n_added, "10.5.203.0-24"));
	settle();
	assert_cache_equals_store();
}

static void test_own_lease_found(void **state)
{
	struct lease prev = remote("10.5.42.0/24", "10.9.0.1"); /* our public IP */
	const uint8_t old_mac[6] = { 0x02, 0, 0, 0, 0, 0x42 };
	const struct lease *stored;
	const char *key;

	memcpy(prev.attrs.data.vtep_mac, old_mac, 6);
	mem_store_put(fx.ms, &prev);
	start();
	assert_int_equal(fb.own_found, 1);
	assert_true(ip_prefix_equal(&fb.prev_found.subnet, &prev.subnet));
	assert_non_null(own(&key));
	assert_string_equal(key, "10.5.42.0-24");
	assert_int_equal(mem_store_counts(fx.ms)->creates, 0);
	assert_int_equal(mem_store_counts(fx.ms)->replaces, 1);
	stored = mem_store_get(fx.ms, key);
	/* what the backend adopted is what we wrote, not its fresh MAC */
	assert_memory_equal(stored->attrs.data.vtep_mac, old_mac, 6);
}

static void test_net_changed_rewrites(void **state)
{
	const uint8_t new_mac[6] = { 0x02, 0, 0, 0, 0, 0x99 };
	struct backend_network net;
	const struct lease *stored;
	const char *key;
	char buf[512] = "";
	FILE *f;

	start();
	assert_non_null(own(&key));
	assert_int_equal(mem_store_counts(fx.ms)->replaces, 0);
	net = fb.net;
	memcpy(net.data.vtep_mac, new_mac, 6);
	net.mtu = 1400;
	fb.env->net_changed(fb.env->net_changed_userdata, &net);
	settle();
	assert_int_equal(mem_store_counts(fx.ms)->replaces, 1);
	stored = mem_store_get(fx.ms, key);
	assert_memory_equal(stored->attrs.data.vtep_mac, new_mac, 6);
	assert_memory_equal(own(NULL)->attrs.data.vtep_mac, new_mac, 6);
	f = fopen(fx.env_path, "re");
	assert_non_null(f);
	assert_true(fread(buf, 1, sizeof(buf) - 1, f) > 0);
	fclose(f);
	assert_non_null(strstr(buf, "FLANNEL_MTU=1400\n"));
	/* our own re-write seen on the watch is not a lost lease */
	assert_int_equal(daemon_test_own(fx.d, NULL) != NULL, 1);
}

static void test_stale_delete_error_counted(void **state)
{
	/* our old lease from a config with another Network: deleted before we claim */
	struct lease stale = remote("10.6.1.0/24", "10.9.0.1");
	struct daemon_stats st;

	mem_store_put(fx.ms, &stale);
	mem_store_fail_next_remove(fx.ms, -EIO);
	start();
	assert_int_equal(mem_store_counts(fx.ms)->removes, 1);
	daemon_get_stats(fx.d, &st);
	assert_int_equal(st.stale_delete_errors, 1);
	assert_non_null(own(NULL));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_config_missing_retries, setup, teardown),
		cmocka_unit_test_setup_teardown(test_claim_won, setup, teardown),
		cmocka_unit_test_setup_teardown(test_claim_race_lost, setup, teardown),
		cmocka_unit_test_setup_teardown(test_renewal, setup, teardown),
		cmocka_unit_test_setup_teardown(test_own_deleted_reacquired, setup, teardown),
		cmocka_unit_test_setup_teardown(test_compaction_relists, setup, teardown),
		cmocka_unit_test_setup_teardown(test_watch_resumes_without_list, setup, teardown),
		cmocka_unit_test_setup_teardown(test_store_behind_relists, setup, teardown),
		cmocka_unit_test_setup_teardown(test_own_lease_found, setup, teardown),
		cmocka_unit_test_setup_teardown(test_net_changed_rewrites, setup, teardown),
		cmocka_unit_test_setup_teardown(test_stale_delete_error_counted, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
