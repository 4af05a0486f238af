// SPDX-License-Identifier: Apache-2.0
/*
 * The dataplane engine (dataplane.c) through the vxlan and host-gw kinds on a fake kernel
 * (fake-kernel.c): the order of operations when adding and removing, a partial failure
 * (the route waits for its entries, other leases go on), the backoff of the repair pass
 * after errors, and a repair that re-adds exactly what was deleted.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "basic/macro.h"
#include "fake-kernel.h"
#include "linend/dataplane.h"

#define CFG_VX "{\"Network\":\"10.244.0.0/16\",\"Backend\":{\"Type\":\"vxlan\"}}"
#define CFG_GW "{\"Network\":\"10.244.0.0/16\",\"Backend\":{\"Type\":\"host-gw\"}}"
#define VX(ip, mac) "{\"PublicIP\":\"" ip "\",\"BackendType\":\"vxlan\"," \
		    "\"BackendData\":{\"VNI\":1,\"VtepMAC\":\"" mac "\"}}"
#define GW(ip) "{\"PublicIP\":\"" ip "\",\"BackendType\":\"host-gw\"}"

static const uint8_t MAC_A[6] = { 0x0a, 0, 0, 0, 0, 2 };

struct t {
	struct fk_node *n;
	struct fk *k;
	struct lease a, b;
};

static struct t up(const char *cfg, const struct backend_ops *ops)
{
	struct t t = { .n = calloc(1, sizeof(*t.n)) };

	assert_non_null(t.n);
	assert_int_equal(fk_node_up(t.n, ops, cfg, "192.168.1.1", NULL), 0);
	t.k = &t.n->k;
	return t;
}

static struct t up_vxlan(void)
{
	struct t t = up(CFG_VX, &backend_vxlan_ops);

	t.a = fk_lease("10.244.2.0-24", VX("192.168.1.2", "0a:00:00:00:00:02"));
	t.b = fk_lease("10.244.3.0-24", VX("192.168.1.3", "0a:00:00:00:00:03"));
	return t;
}

static void down(struct t *t)
{
	fk_node_down(t->n);
	fk_node_rmdir(t->n->dir);
	free(t->n);
}

static int add(struct t *t, const struct lease *l)
{
	return t->n->ops->lease_added(t->n->state, l);
}

static int pass(struct t *t)
{
	return t->n->ops->reconcile(t->n->state);
}

/* Log line i starts with prefix (the order the kernel saw the changes in). */
static void assert_at(const struct fk *k, int i, const char *prefix)
{
	if (i < 0 || (size_t)i >= k->n_log || strncmp(k->log[i], prefix, strlen(prefix))) {
		for (size_t j = 0; j < k->n_log; j++)
			print_message("  log[%zu] %s\n", j, k->log[j]);
		fail_msg("log[%d] is not \"%s\"", i, prefix);
	}
}

static void test_order_add_remove(void **unused)
{
	struct t t = up_vxlan();

	/* the device came first, at register time */
	assert_at(t.k, 0, "link+ flannel.1");
	assert_true(fk_logged(t.k, "set 7 up") > 0);
	fk_log_clear(t.k);
	/* add: neighbour, FDB, route */
	assert_int_equal(add(&t, &t.a), 0);
	assert_int_equal(t.k->n_log, 3);
	assert_at(t.k, 0, "neigh+ 10.244.2.0 dev 7");
	assert_at(t.k, 1, "fdb+ 0a:00:00:00:00:02 dev 7");
	assert_at(t.k, 2, "route+ 10.244.2.0/24");
	/* remove: the reverse */
	fk_log_clear(t.k);
	assert_int_equal(t.n->ops->lease_removed(t.n->state, &t.a), 0);
	assert_int_equal(t.k->n_log, 3);
	assert_at(t.k, 0, "route- 10.244.2.0/24");
	assert_at(t.k, 1, "fdb- 0a:00:00:00:00:02 dev 7");
	assert_at(t.k, 2, "neigh- 10.244.2.0 dev 7");
	assert_int_equal(t.k->n_neighs + t.k->n_fdbs + t.k->n_routes, 0);
	down(&t);
}

/* A full pass after the device vanished: device, then neighbour, FDB, route on the new one. */
static void test_order_full_pass(void **unused)
{
	struct t t = up_vxlan();

	assert_int_equal(add(&t, &t.a), 0);
	/* `ip link del flannel.1`: the kernel drops the device and everything on it */
	t.k->n_links = t.k->n_neighs = t.k->n_fdbs = 0;
	t.k->n_routes = 0;
	fk_log_clear(t.k);
	assert_int_equal(pass(&t), 0);
	assert_at(t.k, 0, "link+ flannel.1");
	assert_at(t.k, 1, "set 8 up");
	assert_at(t.k, 2, "neigh+ 10.244.2.0 dev 8");
	assert_at(t.k, 3, "fdb+ 0a:00:00:00:00:02 dev 8");
	assert_at(t.k, 4, "route+ 10.244.2.0/24");
	assert_int_equal(t.k->n_log, 5);
	assert_int_equal(t.k->routes[0].oif, 8);
	down(&t);
}

/* Changing a peer's MAC: the new entries first, the route moved, the old FDB entry last. */
static void test_order_change(void **unused)
{
	struct t t = up_vxlan();
	struct lease a2 = fk_lease("10.244.2.0-24", VX("192.168.1.2", "0a:00:00:00:00:22"));

	assert_int_equal(add(&t, &t.a), 0);
	fk_log_clear(t.k);
	assert_int_equal(add(&t, &a2), 0);
	assert_at(t.k, 0, "neigh+ 10.244.2.0 dev 7");
	assert_at(t.k, 1, "fdb+ 0a:00:00:00:00:22 dev 7");
	assert_at(t.k, t.k->n_log - 1, "fdb- 0a:00:00:00:00:02 dev 7");
	assert_int_equal(t.k->n_fdbs, 1);
	down(&t);
}

/* Two leases of one node (a subnet change) share its FDB entry: removing one keeps it. */
static void test_shared_fdb_kept(void **unused)
{
	struct t t = up_vxlan();
	struct lease a2 = fk_lease("10.244.4.0-24", VX("192.168.1.2", "0a:00:00:00:00:02"));

	assert_int_equal(add(&t, &t.a), 0);
	assert_int_equal(add(&t, &a2), 0);
	fk_log_clear(t.k);
	assert_int_equal(t.n->ops->lease_removed(t.n->state, &t.a), 0);
	assert_int_equal(fk_count(t.k, "fdb-"), 0);
	assert_int_equal(t.k->n_log, 2);
	assert_at(t.k, 0, "route- 10.244.2.0/24");
	assert_at(t.k, 1, "neigh- 10.244.2.0 dev 7");
	assert_int_equal(t.k->n_fdbs, 1);
	down(&t);
}

static void test_neigh_fails(void **unused)
{
	struct t t = up_vxlan();
	struct dp *dp = dp_test_last();

	/* a's neighbour fails: its route must wait; b is programmed all the same */
	fk_fail(t.k, "neigh+ 10.244.2.0", -EIO, 1);
	assert_int_equal(add(&t, &t.a), 0);
	assert_int_equal(fk_logged(t.k, "route+ 10.244.2.0/24"), -1);
	assert_true(fk_logged(t.k, "fdb+ 0a:00:00:00:00:02") >= 0);
	assert_true(dp_test_pass_due_usec(dp) > 0); /* a retry is armed */
	assert_int_equal(add(&t, &t.b), 0);
	assert_true(fk_logged(t.k, "route+ 10.244.3.0/24") >= 0);
	/* the next pass programs what is missing, the neighbour before its route */
	fk_log_clear(t.k);
	assert_int_equal(pass(&t), 0);
	assert_int_equal(t.k->n_log, 2);
	assert_at(t.k, 0, "neigh+ 10.244.2.0 dev 7");
	assert_at(t.k, 1, "route+ 10.244.2.0/24");
	down(&t);
}

static void test_fdb_fails_in_pass(void **unused)
{
	struct t t = up_vxlan();

	assert_int_equal(add(&t, &t.a), 0);
	assert_int_equal(add(&t, &t.b), 0);
	/* everything gone (a flush); a's FDB entry fails in the pass that restores it */
	t.k->n_neighs = t.k->n_fdbs = t.k->n_routes = 0;
	fk_fail(t.k, "fdb+ 0a:00:00:00:00:02", -ENOBUFS, 1);
	fk_log_clear(t.k);
	assert_int_equal(pass(&t), -ENOBUFS);
	assert_int_equal(fk_logged(t.k, "route+ 10.244.2.0/24"), -1);
	assert_true(fk_logged(t.k, "neigh+ 10.244.2.0") >= 0);
	assert_true(fk_logged(t.k, "route+ 10.244.3.0/24") >= 0);
	assert_true(fk_logged(t.k, "fdb+ 0a:00:00:00:00:03") >= 0);
	fk_log_clear(t.k);
	assert_int_equal(pass(&t), 0);
	assert_int_equal(t.k->n_log, 2);
	assert_at(t.k, 0, "fdb+ 0a:00:00:00:00:02");
	assert_at(t.k, 1, "route+ 10.244.2.0/24");
	down(&t);
}

/* The wait before the next pass lies in (b - 50 ms, b]. */
static void assert_due(const struct dp *dp, uint64_t b)
{
	uint64_t due = dp_test_pass_due_usec(dp);

	if (due > b || due + 50000 <= b)
		fail_msg("next pass in %llu usec, want about %llu", (unsigned long long)due,
			 (unsigned long long)b);
}

static void test_backoff(void **unused)
{
	static const uint64_t want[] = { 100000, 200000, 400000, 800000, 1600000, 3200000,
					 5000000, 5000000 };
	struct t t = up_vxlan();
	struct dp *dp = dp_test_last();

	assert_int_equal(add(&t, &t.a), 0);
	t.k->n_routes = 0;
	fk_fail(t.k, "route+ 10.244.2.0/24", -EIO, -1);
	/* every failed pass doubles the wait, up to 5 s */
	for (size_t i = 0; i < ELEMENTSOF(want); i++) {
		assert_int_equal(pass(&t), -EIO);
		assert_due(dp, want[i]);
	}
	/* a clean pass resets it: the next failure waits the minimum again */
	t.k->fail[0].times = 0;
	assert_int_equal(pass(&t), 0);
	assert_int_equal(dp_test_backoff_usec(dp), 100000);
	t.k->n_routes = 0;
	t.k->fail[0].times = 1;
	assert_int_equal(pass(&t), -EIO);
	assert_due(dp, 100000);
	down(&t);
}

/* A failing device is an error of the pass too: no entries, and the same backoff. */
static void test_backoff_device(void **unused)
{
	struct t t = up_vxlan();
	struct dp *dp = dp_test_last();

	assert_int_equal(add(&t, &t.a), 0);
	t.k->n_links = 0;
	fk_fail(t.k, "link+ flannel.1", -ENOMEM, 2);
	fk_log_clear(t.k);
	assert_int_equal(pass(&t), -ENOMEM);
	assert_due(dp, 100000);
	assert_int_equal(pass(&t), -ENOMEM);
	assert_due(dp, 200000);
	assert_int_equal(t.k->n_log, 0);
	assert_int_equal(pass(&t), 0);
	assert_at(t.k, 0, "link+ flannel.1");
	down(&t);
}

static void test_repair_exact(void **unused)
{
	struct t t = up_vxlan();

	assert_int_equal(add(&t, &t.a), 0);
	assert_int_equal(add(&t, &t.b), 0);
	t.n->ops->leases_synced(t.n->state);
	assert_int_equal(pass(&t), 0);
	/* nothing to do in a steady state */
	fk_log_clear(t.k);
	assert_int_equal(pass(&t), 0);
	assert_int_equal(t.k->n_log, 0);
	/* one entry deleted behind our back: the next pass re-adds exactly it */
	assert_true(fk_del_neigh(t.k, "10.244.2.0"));
	assert_int_equal(pass(&t), 0);
	assert_int_equal(t.k->n_log, 1);
	assert_at(t.k, 0, "neigh+ 10.244.2.0 dev 7");
	fk_log_clear(t.k);
	assert_true(fk_del_route(t.k, "10.244.3.0/24"));
	assert_int_equal(pass(&t), 0);
	assert_int_equal(t.k->n_log, 1);
	assert_at(t.k, 0, "route+ 10.244.3.0/24");
	fk_log_clear(t.k);
	assert_true(fk_del_fdb(t.k, MAC_A));
	assert_int_equal(pass(&t), 0);
	assert_int_equal(t.k->n_log, 1);
	assert_at(t.k, 0, "fdb+ 0a:00:00:00:00:02 dev 7");
	down(&t);
}

/* host-gw: routes only; a stale route of ours goes, but only after a full listing. */
static void test_hostgw_prune_after_sync(void **unused)
{
	struct t t = up(CFG_GW, &backend_hostgw_ops);
	struct nl_route stale = { .family = AF_INET, .oif = 2, .protocol = NL_RTPROT_LINEN };

	fk_on_link(t.k, "192.168.1.2");
	t.a = fk_lease("10.244.2.0-24", GW("192.168.1.2"));
	assert_int_equal(ip_prefix_parse("10.244.9.0/24", &stale.dst), 0);
	assert_int_equal(ip_addr_parse("192.168.1.9", &stale.gw), 0);
	t.k->routes[t.k->n_routes++] = stale;
	assert_int_equal(add(&t, &t.a), 0);
	assert_at(t.k, 0, "route+ 10.244.2.0/24");
	fk_log_clear(t.k);
	assert_int_equal(pass(&t), 0);
	/* not synced yet: the stale one may be a peer not re-read */
	assert_int_equal(t.k->n_log, 0);
	t.n->ops->leases_synced(t.n->state);
	assert_int_equal(pass(&t), 0);
	assert_int_equal(t.k->n_log, 1);
	assert_at(t.k, 0, "route- 10.244.9.0/24");
	/* repair: the deleted route comes back, nothing else moves */
	fk_log_clear(t.k);
	assert_true(fk_del_route(t.k, "10.244.2.0/24"));
	assert_int_equal(pass(&t), 0);
	assert_int_equal(t.k->n_log, 1);
	assert_at(t.k, 0, "route+ 10.244.2.0/24");
	down(&t);
}

/* host-gw re-checks a refused peer on every pass: on the link now, programmed now. */
static void test_hostgw_recheck(void **unused)
{
	struct t t = up(CFG_GW, &backend_hostgw_ops);

	t.a = fk_lease("10.244.2.0-24", GW("192.168.1.2"));
	assert_int_equal(add(&t, &t.a), -EINVAL);
	assert_int_equal(t.k->n_routes, 0);
	fk_on_link(t.k, "192.168.1.2");
	assert_int_equal(pass(&t), 0);
	assert_int_equal(t.k->n_routes, 1);
	down(&t);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_order_add_remove),
		cmocka_unit_test(test_order_full_pass),
		cmocka_unit_test(test_order_change),
		cmocka_unit_test(test_shared_fdb_kept),
		cmocka_unit_test(test_neigh_fails),
		cmocka_unit_test(test_fdb_fails_in_pass),
		cmocka_unit_test(test_backoff),
		cmocka_unit_test(test_backoff_device),
		cmocka_unit_test(test_repair_exact),
		cmocka_unit_test(test_hostgw_prune_after_sync),
		cmocka_unit_test(test_hostgw_recheck),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
