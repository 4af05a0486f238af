// SPDX-License-Identifier: Apache-2.0
/* test-extension.c - the extension backend's pure parts: BackendData, env, stdin, output, retry. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "basic/macro.h"
#include "linend/backend.h"
#include "linend/backend-extension.h"
#include "linend/loop.h"
#include "linend/lease.h"
#include "linend/netconfig.h"

static void roundtrip(const char *json)
{
	struct lease_attrs a;
	_cleanup_free_ char *out = NULL;

	assert_int_equal(lease_attrs_parse(json, strlen(json), &a), 0);
	assert_int_equal(a.data.kind, BACKEND_DATA_STRING);
	assert_int_equal(lease_attrs_format(&a, &out), 0);
	assert_string_equal(out, json);
}

/* values as flanneld (Go's json.Marshal of the command's output) writes them */
static void test_backend_data_roundtrip(void **state)
{
	roundtrip("{\"PublicIP\":\"10.0.0.1\",\"PublicIPv6\":null,\"BackendType\":\"extension\","
		  "\"BackendData\":\"rtb-1234\"}");
	roundtrip("{\"PublicIP\":\"10.0.0.1\",\"PublicIPv6\":null,\"BackendType\":\"extension\","
		  "\"BackendData\":\"a\\u003cb\\u003e\\u0026 \\\"q\\\" \\\\ \\n\\t\\u0001 \\u2028 é\"}");
	roundtrip("{\"PublicIP\":\"10.0.0.1\",\"PublicIPv6\":null,\"BackendType\":\"extension\","
		  "\"BackendData\":\"nul\\u0000inside\"}");
}

static void test_backend_data_decoded(void **state)
{
	const char *j = "{\"PublicIP\":\"10.0.0.1\",\"BackendType\":\"extension\","
			"\"BackendData\":\"x\\u0000y\\n\"}";
	struct lease_attrs a, b;

	assert_int_equal(lease_attrs_parse(j, strlen(j), &a), 0);
	assert_int_equal(a.data.len, 4);
	assert_memory_equal(a.data.str, "x\0y\n", 4);
	b = a;
	assert_true(lease_attrs_equal(&a, &b));
	b.data.str[0] = 'z';
	assert_false(lease_attrs_equal(&a, &b));
}

static void test_backend_data_other_shapes(void **state)
{
	/* an object (not flannel's shape) is kept as NONE: peers skip it, as flannel's do */
	const char *obj = "{\"PublicIP\":\"10.0.0.1\",\"BackendType\":\"extension\","
			  "\"BackendData\":{\"a\":1}}";
	/* vxlan data stays vxlan's */
	const char *vx = "{\"PublicIP\":\"10.0.0.1\",\"BackendType\":\"vxlan\","
			 "\"BackendData\":\"str\"}";
	_cleanup_free_ char *big = malloc(LEASE_DATA_MAX + 200);
	struct lease_attrs a;
	int n;

	assert_int_equal(lease_attrs_parse(obj, strlen(obj), &a), 0);
	assert_int_equal(a.data.kind, BACKEND_DATA_NONE);
	assert_int_equal(lease_attrs_parse(vx, strlen(vx), &a), -EINVAL);
	n = sprintf(big, "{\"PublicIP\":\"10.0.0.1\",\"BackendType\":\"extension\","
			 "\"BackendData\":\"%0*d\"}", LEASE_DATA_MAX + 1, 0);
	assert_int_equal(lease_attrs_parse(big, (size_t)n, &a), -EINVAL);
}

/* our own output that is not UTF-8: Go writes U+FFFD for each bad byte */
static void test_json_string_invalid_utf8(void **state)
{
	_cleanup_free_ char *buf = NULL;
	size_t len = 0;

	assert_int_equal(lease_json_string("a\xff\xc3", 3, &buf, &len), 0);
	assert_string_equal(buf, "\"a\\ufffd\\ufffd\"");
}

static void test_env(void **state)
{
	char env[EXT_ENV_MAX][EXT_ENV_LEN];
	struct lease l = {};
	struct ip_prefix net;
	size_t n = 0;

	assert_int_equal(ip_prefix_parse("10.5.3.0/24", &l.subnet), 0);
	assert_int_equal(ip_addr_parse("192.0.2.7", &l.attrs.public_ip), 0);
	assert_int_equal(ext_env_build(&l, NULL, env, &n), 0);
	assert_int_equal(n, 2);
	assert_string_equal(env[0], "SUBNET=10.5.3.0/24");
	assert_string_equal(env[1], "PUBLIC_IP=192.0.2.7");

	assert_int_equal(ip_prefix_parse("fd00:5:3::/64", &l.subnet6), 0);
	assert_int_equal(ip_addr_parse("2001:db8::7", &l.attrs.public_ipv6), 0);
	assert_int_equal(ip_prefix_parse("10.5.0.0/16", &net), 0);
	assert_int_equal(ext_env_build(&l, &net, env, &n), 0);
	assert_int_equal(n, 5);
	assert_string_equal(env[0], "NETWORK=10.5.0.0/16");
	assert_string_equal(env[1], "SUBNET=10.5.3.0/24");
	assert_string_equal(env[2], "PUBLIC_IP=192.0.2.7");
	assert_string_equal(env[3], "IPV6SUBNET=fd00:5:3::/64");
	assert_string_equal(env[4], "PUBLIC_IPV6=2001:db8::7");
}

static void test_stdin(void **state)
{
	struct backend_data d = { .kind = BACKEND_DATA_STRING, .len = 3 };
	char buf[LEASE_DATA_MAX + 1];

	memcpy(d.str, "abc", 3);
	assert_int_equal(ext_stdin_build(&d, buf), 4);
	assert_memory_equal(buf, "abc\n", 4);
	d.kind = BACKEND_DATA_NONE;
	assert_int_equal(ext_stdin_build(&d, buf), 1);
	assert_int_equal(buf[0], '\n');
}

static void test_output_bounded(void **state)
{
	_cleanup_free_ struct ext_out *o = calloc(1, sizeof(*o));
	char chunk[1000];
	const char *t;
	size_t n;

	memset(chunk, 'x', sizeof(chunk));
	chunk[0] = ' ';
	for (int i = 0; i < 10; i++)
		ext_out_append(o, chunk, sizeof(chunk));
	assert_int_equal(o->len, EXT_OUT_KEEP);
	assert_int_equal(o->dropped, 10000 - EXT_OUT_KEEP);
	t = ext_out_trimmed(o, &n);
	assert_int_equal(n, EXT_OUT_KEEP - 1);
	assert_int_equal(t[0], 'x');
}

static void test_trim(void **state)
{
	struct ext_out o = {};
	size_t n;
	const char *t;

	ext_out_append(&o, " \t\nrtb-1\r\n\n", 11);
	t = ext_out_trimmed(&o, &n);
	assert_int_equal(n, 5);
	assert_memory_equal(t, "rtb-1", 5);
}

static void test_backoff(void **state)
{
	static const uint64_t want[] = { 1, 1, 2, 4, 8, 16, 32, 60, 60, 60 };

	for (unsigned i = 0; i < ELEMENTSOF(want); i++)
		assert_int_equal(ext_backoff_usec(i), want[i] * 1000000ULL);
}

static void test_config(void **state)
{
	const char *j = "{\"Network\":\"10.5.0.0/16\",\"Backend\":{\"Type\":\"extension\","
			"\"PreStartupCommand\":\"echo pre\",\"subnetaddcommand\":\"add\","
			"\"CommandTimeout\":5}}";
	const char *bad = "{\"Network\":\"10.5.0.0/16\",\"Backend\":{\"Type\":\"extension\","
			  "\"SubnetAddCommand\":1}}";
	struct net_config c;
	char err[256];

	assert_int_equal(net_config_parse(j, strlen(j), &c, err, sizeof(err)), 0);
	assert_string_equal(c.backend.ext_cmd[EXT_PRE_STARTUP], "echo pre");
	assert_string_equal(c.backend.ext_cmd[EXT_SUBNET_ADD], "add");
	assert_string_equal(c.backend.ext_cmd[EXT_POST_STARTUP], "");
	assert_int_equal(c.backend.ext_timeout, 5);
	assert_int_equal(net_config_parse(bad, strlen(bad), &c, err, sizeof(err)), -EINVAL);
}

static void never_changed(void *userdata, const struct backend_network *net)
{
	fail();
}

static void never_failed(void *userdata, int error)
{
	fail();
}

static struct loop *loop_of_timer;

struct poll {
	const char *file;
	size_t want;
	unsigned left; /* polls before giving up (20 ms each) */
};

static void poll_fired(struct loop_timer *t, void *userdata)
{
	struct poll *p = userdata;
	char buf[256] = "";
	FILE *f = fopen(p->file, "re");
	size_t n = f ? fread(buf, 1, sizeof(buf) - 1, f) : 0;
	size_t lines = 0;

	if (f)
		fclose(f);
	for (size_t i = 0; i < n; i++)
		lines += buf[i] == '\n';
	if (lines >= p->want)
		loop_exit(loop_of_timer, 0);
	else if (--p->left == 0)
		loop_exit(loop_of_timer, 1);
	else
		loop_timer_arm(t, 20000);
}

/*
 * The real backend on a real loop with real commands: a slow add and a remove queued right
 * behind it run in event order, and a remove never overtakes its add.
 */
static void test_order_per_lease(void **state)
{
	char dir[] = "/tmp/test-ext-XXXXXX", file[64], add[128], rm[128];
	struct net_config cfg = { .backend = { .type = "extension", .ext_timeout = 10 } };
	struct backend_ext_iface ext = { .mtu = 1500 };
	struct backend_network net;
	struct loop_timer *t;
	struct lease own = {}, peer = {};
	struct loop *l;
	void *st;
	char buf[256] = "";
	FILE *f;

	assert_non_null(mkdtemp(dir));
	snprintf(file, sizeof(file), "%s/calls", dir);
	snprintf(add, sizeof(add), "sleep 0.3; echo \"add $SUBNET $(cat)\" >>%s", file);
	snprintf(rm, sizeof(rm), "echo \"remove $SUBNET $(cat)\" >>%s", file);
	strcpy(cfg.backend.ext_cmd[EXT_SUBNET_ADD], add);
	strcpy(cfg.backend.ext_cmd[EXT_SUBNET_REMOVE], rm);
	assert_int_equal(ip_prefix_parse("10.5.0.0/16", &cfg.network), 0);
	assert_int_equal(loop_new(&l), 0);
	loop_of_timer = l;
	struct backend_env env = { .loop = l, .net_changed = never_changed, .failed = never_failed };
	assert_int_equal(backend_extension_ops.register_network(&cfg, &ext, &env, &st, &net), 0);
	assert_string_equal(net.type, "extension");
	assert_int_equal(ip_prefix_parse("10.5.1.0/24", &own.subnet), 0);
	assert_int_equal(ip_addr_parse("192.0.2.1", &own.attrs.public_ip), 0);
	assert_int_equal(backend_extension_ops.lease_acquired(st, &own), 0);
	assert_int_equal(ip_prefix_parse("10.5.2.0/24", &peer.subnet), 0);
	assert_int_equal(ip_addr_parse("192.0.2.2", &peer.attrs.public_ip), 0);
	strcpy(peer.attrs.backend_type, "extension");
	peer.attrs.data = (struct backend_data){ .kind = BACKEND_DATA_STRING, .len = 2,
						 .str = "id" };
	assert_int_equal(backend_extension_ops.lease_added(st, &peer), 0);
	assert_int_equal(backend_extension_ops.lease_removed(st, &peer), 0);
	struct poll p = { .file = file, .want = 2, .left = 250 };
	assert_int_equal(loop_timer_new(l, poll_fired, &p, &t), 0);
	assert_int_equal(loop_timer_arm(t, 20000), 0);
	assert_int_equal(loop_run(l), 0);
	f = fopen(file, "re");
	assert_non_null(f);
	assert_true(fread(buf, 1, sizeof(buf) - 1, f) > 0);
	fclose(f);
	assert_string_equal(buf, "add 10.5.2.0/24 id\nremove 10.5.2.0/24 id\n");
	loop_timer_free(t);
	backend_extension_ops.free(st);
	loop_free(l);
	unlink(file);
	rmdir(dir);
}

int main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_backend_data_roundtrip),
		cmocka_unit_test(test_backend_data_decoded),
		cmocka_unit_test(test_backend_data_other_shapes),
		cmocka_unit_test(test_json_string_invalid_utf8),
		cmocka_unit_test(test_env),
		cmocka_unit_test(test_stdin),
		cmocka_unit_test(test_output_bounded),
		cmocka_unit_test(test_trim),
		cmocka_unit_test(test_backoff),
		cmocka_unit_test(test_config),
		cmocka_unit_test(test_order_per_lease),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
