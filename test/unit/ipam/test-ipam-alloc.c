// SPDX-License-Identifier: Apache-2.0
/*
 * The allocator: the reference's round-robin order, wrapping, gateways,
 * requested IPs, duplicates, full sets and all-or-nothing ADDs, on a store in
 * a temporary directory.
 */
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/stat.h>
#include <cmocka.h>

#include "basic/json-util.h"
#include "ipam/ipam-alloc.h"

static char tmpdir[64];

static struct ipam_config *conf(const char *ipam, const char *extra)
{
	char text[4096], err[IPAM_ERR_MAX];
	_cleanup_json_ json_t *j = NULL;
	struct ipam_config *c = NULL;

	snprintf(text, sizeof(text),
		 "{\"cniVersion\":\"1.0.0\",\"name\":\"net\",%s\"ipam\":%s}", extra ? extra : "",
		 ipam);
	j = json_loads(text, 0, NULL);
	assert_non_null(j);
	if (ipam_config_parse(j, NULL, &c, err) < 0)
		fail_msg("config: %s", err);
	free(c->data_dir);
	c->data_dir = strdup(tmpdir);
	return c;
}

static struct ip_addr A(const char *s)
{
	struct ip_addr a;

	assert_int_equal(ip_addr_parse(s, &a), 0);
	return a;
}

static const char *S(const struct ip_addr *a)
{
	static char buf[4][IP_ADDR_STRLEN];
	static int i;

	return ip_addr_to_string(a, buf[i++ % 4]);
}

static void pick(const struct ipam_config *c, const char *const *used, const char *last,
		 const char *want)
{
	struct ip_addr u[64], l, got;
	size_t n = 0;
	int r;

	for (; used && used[n]; n++)
		u[n] = A(used[n]);
	n = ipam_addr_sort_unique(u, n);
	if (last)
		l = A(last);
	r = ipam_pick_next(&c->sets[0], u, n, last ? &l : NULL, &got);
	if (!want) {
		assert_int_equal(r, -ENOSPC);
		return;
	}
	assert_int_equal(r, 0);
	assert_string_equal(S(&got), want);
}

static void test_pick_round_robin(void **state)
{
	_cleanup_(ipam_config_freep) struct ipam_config *c =
		conf("{\"ranges\":[[{\"subnet\":\"10.0.0.0/29\"}]]}", NULL);

	/* Range .1-.6, gateway .1. */
	pick(c, NULL, NULL, "10.0.0.2");
	pick(c, NULL, "10.0.0.2", "10.0.0.3");
	pick(c, (const char *[]){ "10.0.0.4", NULL }, "10.0.0.3", "10.0.0.5");
	/* Wrap from the end, skipping the gateway at the start. */
	pick(c, NULL, "10.0.0.6", "10.0.0.2");
	pick(c, (const char *[]){ "10.0.0.2", "10.0.0.3", NULL }, "10.0.0.6", "10.0.0.4");
	/* A cursor outside the set restarts at rangeStart. */
	pick(c, NULL, "192.168.0.1", "10.0.0.2");
	pick(c, NULL, "fd00::1", "10.0.0.2");
	/* The last address before the cursor is tried last. */
	pick(c, (const char *[]){ "10.0.0.2", "10.0.0.3", "10.0.0.5", "10.0.0.6", NULL },
	     "10.0.0.4", "10.0.0.4");
	pick(c, (const char *[]){ "10.0.0.2", "10.0.0.3", "10.0.0.4", "10.0.0.5", "10.0.0.6",
				   NULL },
	     "10.0.0.4", NULL);
	/* Addresses of other subnets/families in the used list do not matter. */
	pick(c, (const char *[]){ "10.9.0.2", "fd00::2", NULL }, NULL, "10.0.0.2");
}

static void test_pick_gateway_middle(void **state)
{
	_cleanup_(ipam_config_freep) struct ipam_config *c =
		conf("{\"ranges\":[[{\"subnet\":\"10.0.0.0/29\",\"gateway\":\"10.0.0.4\"}]]}", NULL);

	pick(c, NULL, NULL, "10.0.0.1");
	pick(c, NULL, "10.0.0.3", "10.0.0.5");
	pick(c, (const char *[]){ "10.0.0.1", "10.0.0.2", "10.0.0.3", "10.0.0.5", "10.0.0.6",
				   NULL },
	     NULL, NULL);
}

static void test_pick_multi_range(void **state)
{
	_cleanup_(ipam_config_freep) struct ipam_config *c =
		conf("{\"ranges\":[[{\"subnet\":\"10.0.1.0/24\",\"rangeStart\":\"10.0.1.250\"},"
		     "{\"subnet\":\"10.0.0.0/24\",\"rangeStart\":\"10.0.0.10\",\"rangeEnd\":\"10.0.0.11\"}]]}",
		     NULL);

	/* Ranges are walked in config order, not address order. */
	pick(c, NULL, NULL, "10.0.1.250");
	pick(c, NULL, "10.0.1.254", "10.0.0.10");
	pick(c, NULL, "10.0.0.11", "10.0.1.250");
	pick(c, (const char *[]){ "10.0.1.250", "10.0.1.251", "10.0.1.252", "10.0.1.253",
				   "10.0.1.254", NULL },
	     "10.0.1.251", "10.0.0.10");
	pick(c, (const char *[]){ "10.0.1.250", "10.0.1.251", "10.0.1.252", "10.0.1.253",
				   "10.0.1.254", "10.0.0.10", "10.0.0.11", NULL },
	     NULL, NULL);
}

static void test_pick_v6(void **state)
{
	_cleanup_(ipam_config_freep) struct ipam_config *c =
		conf("{\"ranges\":[[{\"subnet\":\"fd00::/64\"}]]}", NULL);

	pick(c, NULL, NULL, "fd00::2");
	pick(c, NULL, "fd00::ffff:ffff:ffff:ffff", "fd00::2");
	pick(c, NULL, "fd00::ffff:ffff:ffff:fffe", "fd00::ffff:ffff:ffff:ffff");
}

static void test_count_free(void **state)
{
	_cleanup_(ipam_config_freep) struct ipam_config *c =
		conf("{\"ranges\":[[{\"subnet\":\"10.0.0.0/29\"}]]}", NULL);
	struct ip_addr u[] = { A("10.0.0.2"), A("10.0.0.3"), A("10.0.0.1"), A("10.0.0.99") };

	assert_int_equal(ipam_count_free(&c->sets[0], NULL, 0), 5);
	assert_int_equal(ipam_count_free(&c->sets[0], u, 4), 3);
}

static struct ipam_store *store(const struct ipam_config *c)
{
	struct ipam_store *s = NULL;

	assert_int_equal(ipam_store_open(c->data_dir, c->name, &s), 0);
	return s;
}

static int add(const struct ipam_config *c, const char *id, const char *ifname, char *out,
	       char *err)
{
	_cleanup_(ipam_store_closep) struct ipam_store *s = store(c);
	struct ipam_lease *l = NULL;
	size_t n = 0;
	int r;

	r = ipam_allocate(c, s, id, ifname, NULL, NULL, &l, &n, err);
	if (r < 0)
		return r;
	out[0] = 0;
	for (size_t i = 0; i < n; i++) {
		char p[IP_PREFIX_STRLEN];

		strcat(out, i ? " " : "");
		strcat(out, ip_prefix_to_string(&l[i].address, p));
		strcat(out, "@");
		strcat(out, S(&l[i].gateway));
	}
	free(l);
	return 0;
}

static void del(const struct ipam_config *c, const char *id, const char *ifname)
{
	_cleanup_(ipam_store_closep) struct ipam_store *s = store(c);
	char err[IPAM_ERR_MAX];

	assert_int_equal(ipam_release(s, id, ifname, err), 0);
}

static bool exists(const struct ipam_config *c, const char *name)
{
	char p[4096];

	snprintf(p, sizeof(p), "%s/%s/%s", c->data_dir, c->name, name);
	return access(p, F_OK) == 0;
}

static int setup(void **state)
{
	strcpy(tmpdir, "/tmp/test-ipam-XXXXXX");
	assert_non_null(mkdtemp(tmpdir));
	return 0;
}

static int teardown(void **state)
{
	char cmd[128];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmpdir);
	return system(cmd);
}

static void test_allocate_sequence(void **state)
{
	_cleanup_(ipam_config_freep) struct ipam_config *c =
		conf("{\"ranges\":[[{\"subnet\":\"10.0.0.0/29\"}],[{\"subnet\":\"fd00::/125\"}]]}",
		     NULL);
	char out[512], err[IPAM_ERR_MAX];

	assert_int_equal(add(c, "c1", "eth0", out, err), 0);
	assert_string_equal(out, "10.0.0.2/29@10.0.0.1 fd00::2/125@fd00::1");
	assert_int_equal(add(c, "c2", "eth0", out, err), 0);
	assert_string_equal(out, "10.0.0.3/29@10.0.0.1 fd00::3/125@fd00::1");
	/* Same container, other interface: a new address. */
	assert_int_equal(add(c, "c2", "net1", out, err), 0);
	assert_string_equal(out, "10.0.0.4/29@10.0.0.1 fd00::4/125@fd00::1");
	/* Duplicate. */
	assert_int_equal(add(c, "c1", "eth0", out, err), -EEXIST);
	assert_string_equal(err, "failed to allocate for range 0: 10.0.0.2 has been allocated to "
				 "c1, duplicate allocation is not allowed");
	/* Round-robin continues after a release instead of reusing .2 at once. */
	del(c, "c1", "eth0");
	assert_false(exists(c, "10.0.0.2"));
	assert_false(exists(c, "fd00::2"));
	assert_int_equal(add(c, "c3", "eth0", out, err), 0);
	assert_string_equal(out, "10.0.0.5/29@10.0.0.1 fd00::5/125@fd00::1");
	assert_int_equal(add(c, "c4", "eth0", out, err), 0);
	assert_string_equal(out, "10.0.0.6/29@10.0.0.1 fd00::6/125@fd00::1");
	assert_int_equal(add(c, "c5", "eth0", out, err), 0);
	assert_string_equal(out, "10.0.0.2/29@10.0.0.1 fd00::7/125@fd00::1");
	/* v4 is now full: the ADD fails before touching v6. */
	assert_int_equal(add(c, "c6", "eth0", out, err), -ENOSPC);
	assert_string_equal(err, "failed to allocate for range 0: no IP addresses available in "
				 "range set: 10.0.0.1-10.0.0.6");
	assert_false(exists(c, "fd00::2"));
}

static void test_allocate_rollback(void **state)
{
	_cleanup_(ipam_config_freep) struct ipam_config *c =
		conf("{\"ranges\":[[{\"subnet\":\"10.0.0.0/24\"}],[{\"subnet\":\"fd00::/126\"}]]}",
		     NULL);
	char out[512], err[IPAM_ERR_MAX];

	/* fd00::/126: .2 and .3 only. */
	assert_int_equal(add(c, "a", "eth0", out, err), 0);
	assert_int_equal(add(c, "b", "eth0", out, err), 0);
	assert_true(exists(c, "10.0.0.3"));
	assert_int_equal(add(c, "c", "eth0", out, err), -ENOSPC);
	assert_string_equal(err, "failed to allocate for range 1: no IP addresses available in "
				 "range set: fd00::1-fd00::3");
	/* The v4 address taken by the failed ADD was given back. */
	assert_false(exists(c, "10.0.0.4"));
	assert_true(exists(c, "10.0.0.3"));
}

static void test_allocate_requested(void **state)
{
	_cleanup_(ipam_config_freep) struct ipam_config *c =
		conf("{\"ranges\":[[{\"subnet\":\"10.0.0.0/24\"}]]}",
		     "\"args\":{\"cni\":{\"ips\":[\"10.0.0.77\"]}},");
	_cleanup_(ipam_config_freep) struct ipam_config *gw =
		conf("{\"ranges\":[[{\"subnet\":\"10.0.0.0/24\"}]]}",
		     "\"args\":{\"cni\":{\"ips\":[\"10.0.0.1\"]}},");
	_cleanup_(ipam_config_freep) struct ipam_config *out_of_range =
		conf("{\"ranges\":[[{\"subnet\":\"10.0.0.0/24\"}]]}",
		     "\"runtimeConfig\":{\"ips\":[\"10.0.0.78\",\"10.5.0.1\"]},");
	char out[512], err[IPAM_ERR_MAX];

	assert_int_equal(add(c, "a", "eth0", out, err), 0);
	assert_string_equal(out, "10.0.0.77/24@10.0.0.1");
	assert_int_equal(add(c, "b", "eth0", out, err), -EEXIST);
	assert_string_equal(err, "failed to allocate for range 0: requested IP address 10.0.0.77 "
				 "is not available in range set 10.0.0.1-10.0.0.254");
	assert_int_equal(add(gw, "b", "eth0", out, err), -EINVAL);
	assert_string_equal(err, "failed to allocate for range 0: requested ip 10.0.0.1 is subnet's "
				 "gateway");
	assert_int_equal(add(out_of_range, "b", "eth0", out, err), -EINVAL);
	assert_string_equal(err, "failed to allocate all requested IPs: 10.5.0.1");
	assert_false(exists(c, "10.0.0.78"));
	/*
	 * Round-robin continues after the last reservation, even one given back
	 * by a failed ADD (.78 above), as in the reference.
	 */
	del(c, "a", "eth0");
	{
		_cleanup_(ipam_config_freep) struct ipam_config *plain =
			conf("{\"ranges\":[[{\"subnet\":\"10.0.0.0/24\"}]]}", NULL);

		assert_int_equal(add(plain, "d", "eth0", out, err), 0);
		assert_string_equal(out, "10.0.0.79/24@10.0.0.1");
	}
}

static void test_allocate_skips_corrupt(void **state)
{
	_cleanup_(ipam_config_freep) struct ipam_config *c =
		conf("{\"ranges\":[[{\"subnet\":\"10.0.0.0/29\"}]]}", NULL);
	char out[512], err[IPAM_ERR_MAX], p[4096];
	int fd;

	assert_int_equal(add(c, "a", "eth0", out, err), 0);
	snprintf(p, sizeof(p), "%s/net/10.0.0.3", tmpdir);
	fd = open(p, O_WRONLY | O_CREAT | O_EXCL, 0644);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, "garbage\r\n\r\n", 11), 11);
	close(fd);
	assert_int_equal(add(c, "b", "eth0", out, err), 0);
	assert_string_equal(out, "10.0.0.4/29@10.0.0.1");
	assert_true(exists(c, "10.0.0.3"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_pick_round_robin),
		cmocka_unit_test(test_pick_gateway_middle),
		cmocka_unit_test(test_pick_multi_range),
		cmocka_unit_test(test_pick_v6),
		cmocka_unit_test(test_count_free),
		cmocka_unit_test_setup_teardown(test_allocate_sequence, setup, teardown),
		cmocka_unit_test_setup_teardown(test_allocate_rollback, setup, teardown),
		cmocka_unit_test_setup_teardown(test_allocate_requested, setup, teardown),
		cmocka_unit_test_setup_teardown(test_allocate_skips_corrupt, setup, teardown),
	};

	strcpy(tmpdir, "/tmp/unused");
	return cmocka_run_group_tests(tests, NULL, NULL);
}
