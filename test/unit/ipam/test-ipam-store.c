// SPDX-License-Identifier: Apache-2.0
/*
 * The disk store: byte-exact files (the reference's format), modes, owner
 * parsing incl. the legacy format, release/check/GC, and path safety.
 */
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/stat.h>
#include <cmocka.h>

#include "basic/fileio.h"
#include "basic/json-util.h"
#include "ipam/ipam-alloc.h"

static const char *golden;
static char tmpdir[64];

static int setup(void **state)
{
	strcpy(tmpdir, "/tmp/test-ipam-store-XXXXXX");
	assert_non_null(mkdtemp(tmpdir));
	return 0;
}

static int teardown(void **state)
{
	char cmd[128];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmpdir);
	return system(cmd);
}

static struct ip_addr A(const char *s)
{
	struct ip_addr a;

	assert_int_equal(ip_addr_parse(s, &a), 0);
	return a;
}

static char *slurp(const char *name, size_t *len)
{
	char p[4096], *data = NULL;

	snprintf(p, sizeof(p), "%s/net/%s", tmpdir, name);
	if (read_full_file(p, 65536, &data, len) < 0)
		return NULL;
	return data;
}

static void put(const char *name, const char *content)
{
	char p[4096];
	int fd;

	snprintf(p, sizeof(p), "%s/net/%s", tmpdir, name);
	fd = open(p, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, content, strlen(content)), (ssize_t)strlen(content));
	close(fd);
}

static bool exists(const char *name)
{
	char p[4096];

	snprintf(p, sizeof(p), "%s/net/%s", tmpdir, name);
	return access(p, F_OK) == 0;
}

static void test_reserve_format(void **state)
{
	_cleanup_(ipam_store_closep) struct ipam_store *s = NULL;
	_cleanup_free_ char *data = NULL, *want = NULL, *last = NULL;
	char p[4096];
	size_t len, wlen;
	struct stat st;
	struct ip_addr a = A("10.1.0.5"), l;

	assert_int_equal(ipam_store_open(tmpdir, "net", &s), 0);
	assert_int_equal(ipam_store_reserve(s, &a, "c1", "eth0"), 0);
	data = slurp("10.1.0.5", &len);
	snprintf(p, sizeof(p), "%s/store-entry", golden);
	assert_int_equal(read_full_file(p, 4096, &want, &wlen), 0);
	/* "<id>\r\n<ifname>" and no newline: byte for byte what the reference writes. */
	assert_int_equal(len, wlen);
	assert_memory_equal(data, want, len);
	snprintf(p, sizeof(p), "%s/net/10.1.0.5", tmpdir);
	assert_int_equal(stat(p, &st), 0);
	assert_int_equal(st.st_mode & 07777, 0600);
	snprintf(p, sizeof(p), "%s/net", tmpdir);
	assert_int_equal(stat(p, &st), 0);
	assert_int_equal(st.st_mode & 07777, 0755);
	assert_true(exists("lock"));

	assert_int_equal(ipam_store_reserve(s, &a, "c2", "eth0"), -EEXIST);
	a = A("fd00::a");
	assert_int_equal(ipam_store_reserve(s, &a, "c2", "eth0"), 0);
	assert_true(exists("fd00::a"));

	assert_int_equal(ipam_store_get_last(s, 3, &l), -ENOENT);
	assert_int_equal(ipam_store_set_last(s, 3, &a), 0);
	last = slurp("last_reserved_ip.3", &len);
	assert_string_equal(last, "fd00::a");
	assert_int_equal(len, 7);
	assert_int_equal(ipam_store_get_last(s, 3, &l), 0);
	assert_true(ip_addr_equal(&l, &a));

	/* IDs/ifnames that would not read back are refused. */
	a = A("10.1.0.6");
	assert_int_equal(ipam_store_reserve(s, &a, "c\r\n1", "eth0"), -EINVAL);
	assert_int_equal(ipam_store_reserve(s, &a, "c1", "a/b"), -EINVAL);
}

static void test_owner_parse(void **state)
{
	char *id = NULL, *ifn = NULL;

	assert_int_equal(ipam_owner_parse("c1\r\neth0", 8, &id, &ifn), IPAM_OWNER_IFNAME);
	assert_string_equal(id, "c1");
	assert_string_equal(ifn, "eth0");
	free(id), free(ifn), id = ifn = NULL;
	/* Trimmed like the reference (a trailing newline from hand edits). */
	assert_int_equal(ipam_owner_parse(" abc-1.2_x\r\nnet1\n", 17, &id, &ifn),
			 IPAM_OWNER_IFNAME);
	assert_string_equal(id, "abc-1.2_x");
	free(id), free(ifn), id = ifn = NULL;
	assert_int_equal(ipam_owner_parse("legacyid", 8, &id, &ifn), IPAM_OWNER_LEGACY);
	assert_string_equal(id, "legacyid");
	assert_null(ifn);
	free(id), id = NULL;
	assert_int_equal(ipam_owner_parse("", 0, NULL, NULL), IPAM_OWNER_CORRUPT);
	assert_int_equal(ipam_owner_parse("a b", 3, NULL, NULL), IPAM_OWNER_CORRUPT);
	assert_int_equal(ipam_owner_parse("c1\r\n", 4, NULL, NULL), IPAM_OWNER_LEGACY);
	assert_int_equal(ipam_owner_parse("c1\r\neth0\r\nx", 11, NULL, NULL), IPAM_OWNER_CORRUPT);
	assert_int_equal(ipam_owner_parse("c1\r\na/b", 7, NULL, NULL), IPAM_OWNER_CORRUPT);
	assert_int_equal(ipam_owner_parse("c1\0x", 4, NULL, NULL), IPAM_OWNER_CORRUPT);
	assert_int_equal(ipam_owner_parse(".hidden", 7, NULL, NULL), IPAM_OWNER_CORRUPT);
}

static void test_names(void **state)
{
	struct ipam_store *s = NULL;

	assert_true(ipam_valid_id("a"));
	assert_true(ipam_valid_id("0abc_.-X"));
	assert_false(ipam_valid_id(""));
	assert_false(ipam_valid_id(".."));
	assert_false(ipam_valid_id("-a"));
	assert_false(ipam_valid_id("a/b"));
	assert_false(ipam_valid_ifname("0123456789abcdef"));
	assert_true(ipam_valid_ifname("0123456789abcde"));
	assert_false(ipam_valid_ifname("a:b"));
	assert_false(ipam_valid_ifname("."));
	/* No path traversal through the network name. */
	assert_int_equal(ipam_store_open(tmpdir, "../escape", &s), -EINVAL);
	assert_int_equal(ipam_store_open(tmpdir, "..", &s), -EINVAL);
	assert_int_equal(ipam_store_open(tmpdir, "a/b", &s), -EINVAL);
	assert_int_equal(ipam_store_open(tmpdir, "", &s), -EINVAL);
	assert_null(s);
	assert_int_equal(ipam_store_open_existing(tmpdir, "absent", &s), -ENOENT);
}

static void reports(void *userdata, const char *name, const char *why)
{
	char *buf = userdata;

	strcat(buf, name);
	strcat(buf, ";");
}

static void test_release_check_gc(void **state)
{
	_cleanup_(ipam_store_closep) struct ipam_store *s = NULL;
	char err[IPAM_ERR_MAX], seen[1024] = "";
	struct ipam_attachment valid[] = { { "keep", "eth0" }, { "old", "whatever" } };
	size_t freed = 99;

	assert_int_equal(ipam_store_open(tmpdir, "net", &s), 0);
	put("10.0.0.2", "keep\r\neth0");
	put("10.0.0.3", "keep\r\neth1");
	put("10.0.0.4", "gone\r\neth0");
	put("10.0.0.5", "old");
	put("10.0.0.6", "stale");
	put("10.0.0.7", "!!corrupt!!");
	put("notes.txt", "hello");
	put("last_reserved_ip.0", "10.0.0.7");

	assert_int_equal(ipam_check(s, "keep", "eth0", reports, seen), 0);
	assert_string_equal(seen, "10.0.0.7;notes.txt;");
	assert_int_equal(ipam_check(s, "old", "eth9", NULL, NULL), 0); /* legacy: any ifname */
	assert_int_equal(ipam_check(s, "nobody", "eth0", NULL, NULL), -ENOENT);

	seen[0] = 0;
	assert_int_equal(ipam_gc(s, valid, 2, reports, seen, &freed, err), 0);
	assert_int_equal(freed, 3);
	assert_true(exists("10.0.0.2"));
	assert_false(exists("10.0.0.3"));
	assert_false(exists("10.0.0.4"));
	assert_true(exists("10.0.0.5"));
	assert_false(exists("10.0.0.6"));
	assert_true(exists("10.0.0.7")); /* corrupt: reported, never freed */
	assert_true(exists("notes.txt"));
	assert_true(exists("last_reserved_ip.0"));
	assert_string_equal(seen, "10.0.0.7;notes.txt;");

	/* DEL: exact owner only; other interfaces of the container stay. */
	put("10.0.0.3", "keep\r\neth1");
	assert_int_equal(ipam_release(s, "keep", "eth0", err), 0);
	assert_false(exists("10.0.0.2"));
	assert_true(exists("10.0.0.3"));
	/* Legacy files go when nothing of the new format matched. */
	assert_int_equal(ipam_release(s, "old", "eth0", err), 0);
	assert_false(exists("10.0.0.5"));
	/* Idempotent. */
	assert_int_equal(ipam_release(s, "old", "eth0", err), 0);
	assert_true(exists("10.0.0.7"));
}

static void test_status(void **state)
{
	_cleanup_(ipam_store_closep) struct ipam_store *s = NULL;
	_cleanup_(ipam_config_freep) struct ipam_config *c = NULL;
	_cleanup_json_ json_t *j = json_loads(
		"{\"name\":\"net\",\"ipam\":{\"ranges\":[[{\"subnet\":\"10.0.0.0/30\"}],"
		"[{\"subnet\":\"fd00::/64\"}]]}}", 0, NULL);
	char err[IPAM_ERR_MAX];

	assert_int_equal(ipam_config_parse(j, NULL, &c, err), 0);
	assert_int_equal(ipam_store_open(tmpdir, "net", &s), 0);
	assert_int_equal(ipam_status(c, s, NULL, NULL, err), 0);
	/* /30: .1 is the gateway, .2 the only address. */
	put("10.0.0.2", "x\r\neth0");
	assert_int_equal(ipam_status(c, s, NULL, NULL, err), -ENOSPC);
	assert_string_equal(err, "no IP addresses available in range set: 10.0.0.1-10.0.0.2");
}

int main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_reserve_format, setup, teardown),
		cmocka_unit_test(test_owner_parse),
		cmocka_unit_test_setup_teardown(test_names, setup, teardown),
		cmocka_unit_test_setup_teardown(test_release_check_gc, setup, teardown),
		cmocka_unit_test_setup_teardown(test_status, setup, teardown),
	};

	golden = argc > 1 ? argv[1] : "test/golden/ipam";
	return cmocka_run_group_tests(tests, NULL, NULL);
}
