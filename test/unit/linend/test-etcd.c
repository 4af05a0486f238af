// SPDX-License-Identifier: Apache-2.0
/*
 * The etcd gateway's JSON shapes, as etcd 3.4 sends them (captured from a real server):
 * range, txn success and failure, lease grant/keepalive/unknown lease, error replies, and
 * watch stream lines (created, events, DELETE, compacted, canceled). Also base64 and the
 * prefix range end, and the default-route parser of iface.c.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "basic/macro.h"
#include "linend/etcd.h"
#include "linend/iface.h"

#define HDR "\"header\":{\"cluster_id\":\"15875391935852295136\",\"member_id\":\"7383792418829112008\"," \
	    "\"revision\":\"3\",\"raft_term\":\"2\"}"

static void test_base64(void **state)
{
	const char *in[] = { "", "a", "ab", "abc", "/coreos.com/network/subnets/10.5.1.0-24" };

	for (size_t i = 0; i < ELEMENTSOF(in); i++) {
		_cleanup_free_ char *e = etcd_base64_encode(in[i], strlen(in[i]));
		_cleanup_free_ char *d = NULL;
		size_t len;

		assert_int_equal(etcd_base64_decode(e, &d, &len), 0);
		assert_int_equal(len, strlen(in[i]));
		assert_string_equal(d, in[i]);
	}
	{
		_cleanup_free_ char *e = etcd_base64_encode("x", 1);

		assert_string_equal(e, "eA==");
	}
	{
		char *d = NULL;

		assert_int_equal(etcd_base64_decode("e*A=", &d, NULL), -EINVAL);
	}
}

static void test_prefix_end(void **state)
{
	_cleanup_free_ char *a = etcd_prefix_end("/coreos.com/network/");
	_cleanup_free_ char *b = etcd_prefix_end("a\xff");

	assert_string_equal(a, "/coreos.com/network0");
	assert_string_equal(b, "b");
}

static void test_range(void **state)
{
	const char *body = "{" HDR ",\"kvs\":[{\"key\":\"L2NvcmVvcy5jb20vbmV0d29yay9zdWJuZXRzLzEwLjUuMi4wLTI0\","
			   "\"create_revision\":\"3\",\"mod_revision\":\"3\",\"version\":\"1\",\"value\":\"eA==\","
			   "\"lease\":\"1353509957279343878\"}],\"count\":\"1\"}";
	struct etcd_result r;

	assert_int_equal(etcd_result_parse(body, strlen(body), 200, &r), 0);
	assert_int_equal(r.error, 0);
	assert_int_equal(r.header.revision, 3);
	assert_true(r.header.cluster_id == 15875391935852295136ULL);
	assert_int_equal(r.n_kvs, 1);
	assert_string_equal(r.kvs[0].key, "/coreos.com/network/subnets/10.5.2.0-24");
	assert_string_equal(r.kvs[0].value, "x");
	assert_int_equal(r.kvs[0].value_len, 1);
	assert_true(r.kvs[0].lease == 1353509957279343878LL);
	assert_int_equal(r.kvs[0].mod_revision, 3);
	etcd_result_done(&r);

	/* an empty range has no kvs at all */
	body = "{" HDR "}";
	assert_int_equal(etcd_result_parse(body, strlen(body), 200, &r), 0);
	assert_int_equal(r.n_kvs, 0);
}

static void test_txn(void **state)
{
	const char *ok = "{" HDR ",\"succeeded\":true,\"responses\":[{\"response_put\":{\"header\":{\"revision\":\"3\"}}}]}";
	const char *lost = "{" HDR ",\"responses\":[{\"response_range\":{\"header\":{\"revision\":\"3\"},"
			   "\"kvs\":[{\"key\":\"YQ==\",\"create_revision\":\"3\",\"mod_revision\":\"3\","
			   "\"version\":\"1\",\"value\":\"eA==\"}],\"count\":\"1\"}}]}";
	struct etcd_result r;

	assert_int_equal(etcd_result_parse(ok, strlen(ok), 200, &r), 0);
	assert_true(r.succeeded);
	etcd_result_done(&r);
	assert_int_equal(etcd_result_parse(lost, strlen(lost), 200, &r), 0);
	assert_false(r.succeeded);
	assert_int_equal(r.n_kvs, 1);
	assert_string_equal(r.kvs[0].key, "a");
	assert_int_equal(r.kvs[0].lease, 0);
	etcd_result_done(&r);
}

static void test_lease_replies(void **state)
{
	const char *grant = "{" HDR ",\"ID\":\"1353509957279343878\",\"TTL\":\"30\"}";
	const char *ka = "{\"result\":{" HDR ",\"ID\":\"1353509957279343878\",\"TTL\":\"30\"}}";
	const char *unknown = "{" HDR ",\"ID\":\"12345\",\"TTL\":\"-1\"}";
	struct etcd_result r;

	assert_int_equal(etcd_result_parse(grant, strlen(grant), 200, &r), 0);
	assert_true(r.lease_id == 1353509957279343878LL);
	assert_int_equal(r.ttl, 30);
	assert_int_equal(etcd_result_parse(ka, strlen(ka), 200, &r), 0);
	assert_int_equal(r.ttl, 30);
	assert_int_equal(r.header.revision, 3);
	assert_int_equal(etcd_result_parse(unknown, strlen(unknown), 200, &r), 0);
	assert_int_equal(r.ttl, -1);
}

static void test_errors(void **state)
{
	const char *nf = "{\"error\":\"etcdserver: requested lease not found\","
			 "\"message\":\"etcdserver: requested lease not found\",\"code\":5}";
	const char *auth = "{\"error\":\"etcdserver: invalid auth token\",\"code\":16}";
	struct etcd_result r;

	assert_int_equal(etcd_result_parse(nf, strlen(nf), 404, &r), 0);
	assert_int_equal(r.error, -ENOENT);
	assert_int_equal(r.code, 5);
	assert_int_equal(etcd_result_parse(auth, strlen(auth), 401, &r), 0);
	assert_int_equal(r.error, -EACCES);
	assert_int_equal(etcd_result_parse("{}", 2, 503, &r), 0);
	assert_int_equal(r.error, -EIO);
	assert_int_equal(etcd_result_parse("<html>", 6, 502, &r), -EBADMSG);
}

static void test_watch_lines(void **state)
{
	const char *created = "{\"result\":{" HDR ",\"created\":true}}";
	const char *events = "{\"result\":{" HDR ",\"events\":[{\"kv\":{\"key\":\"YQ==\",\"create_revision\":\"5\","
			     "\"mod_revision\":\"5\",\"version\":\"1\",\"value\":\"eQ==\"}},{\"type\":\"DELETE\","
			     "\"kv\":{\"key\":\"Yg==\",\"mod_revision\":\"6\"}}]}}";
	const char *compacted = "{\"result\":{\"header\":{\"cluster_id\":\"1\",\"member_id\":\"2\","
				"\"raft_term\":\"2\"},\"canceled\":true,\"compact_revision\":\"5\"}}";
	const char *canceled = "{\"result\":{" HDR ",\"canceled\":true}}";
	const char *err = "{\"error\":{\"grpc_code\":14,\"http_code\":503,\"message\":\"no leader\"}}";
	struct etcd_watch_update u;

	assert_int_equal(etcd_watch_update_parse(created, strlen(created), &u), 0);
	assert_int_equal(u.kind, ETCD_WATCH_CREATED);
	assert_int_equal(etcd_watch_update_parse(events, strlen(events), &u), 0);
	assert_int_equal(u.kind, ETCD_WATCH_EVENTS);
	assert_int_equal(u.n_events, 2);
	assert_int_equal(u.events[0].type, ETCD_EVENT_PUT);
	assert_string_equal(u.events[0].kv.key, "a");
	assert_string_equal(u.events[0].kv.value, "y");
	assert_int_equal(u.events[1].type, ETCD_EVENT_DELETE);
	assert_string_equal(u.events[1].kv.key, "b");
	assert_int_equal(u.events[1].kv.mod_revision, 6);
	etcd_watch_update_done(&u);
	assert_int_equal(etcd_watch_update_parse(compacted, strlen(compacted), &u), 0);
	assert_int_equal(u.kind, ETCD_WATCH_COMPACTED);
	assert_int_equal(u.compact_revision, 5);
	assert_int_equal(etcd_watch_update_parse(canceled, strlen(canceled), &u), 0);
	assert_int_equal(u.kind, ETCD_WATCH_CLOSED);
	assert_int_equal(etcd_watch_update_parse(err, strlen(err), &u), 0);
	assert_int_equal(u.kind, ETCD_WATCH_CLOSED);
	assert_int_equal(etcd_watch_update_parse("{\"result\":", 10, &u), -EBADMSG);
}

static void test_default_route(void **state)
{
	const char *routes =
		"Iface\tDestination\tGateway \tFlags\tRefCnt\tUse\tMetric\tMask\t\tMTU\tWindow\tIRTT\n"
		"eth1\t0010A8C0\t00000000\t0001\t0\t0\t0\t00FFFFFF\t0\t0\t0\n"
		"eth0\t00000000\t0102A8C0\t0003\t0\t0\t100\t00000000\t0\t0\t0\n"
		"eth2\t00000000\t0103A8C0\t0003\t0\t0\t200\t00000000\t0\t0\t0\n";
	char name[IF_NAMESIZE];

	assert_int_equal(iface_default_route_parse(routes, name), 0);
	assert_string_equal(name, "eth0");
	assert_int_equal(iface_default_route_parse("Iface\tDestination\n", name), -ENOENT);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_base64),
		cmocka_unit_test(test_prefix_end),
		cmocka_unit_test(test_range),
		cmocka_unit_test(test_txn),
		cmocka_unit_test(test_lease_replies),
		cmocka_unit_test(test_errors),
		cmocka_unit_test(test_watch_lines),
		cmocka_unit_test(test_default_route),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
