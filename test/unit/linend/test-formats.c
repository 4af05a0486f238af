// SPDX-License-Identifier: Apache-2.0
/*
 * Golden tests for linend's formats: the network config (parse -> canonical dump or the
 * error text), flannel's lease key and value (parse -> re-encode, byte for byte), and
 * subnet.env. UPDATE_GOLDEN=1 rewrites the expected files; review the diff.
 */
#include <dirent.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <cmocka.h>

#include "basic/fileio.h"
#include "basic/macro.h"
#include "linend/lease.h"
#include "linend/netconfig.h"
#include "linend/subnet-env.h"

static const char *golden;

static void check_golden(const char *path, const char *got)
{
	_cleanup_free_ char *want = NULL;

	if (getenv("UPDATE_GOLDEN")) {
		assert_int_equal(write_file_atomic(path, got, strlen(got), 0644), 0);
		return;
	}
	if (read_full_file(path, 1 << 20, &want, NULL) < 0)
		fail_msg("missing golden file %s", path);
	if (!streq(want, got))
		fail_msg("%s differs:\n--- want\n%s--- got\n%s", path, want, got);
}

static int has_suffix(const char *s, const char *suf)
{
	size_t a = strlen(s), b = strlen(suf);

	return a >= b && streq(s + a - b, suf);
}

static void test_config_golden(void **state)
{
	char dir[4096];
	struct dirent *de;
	DIR *d;
	int n = 0;

	snprintf(dir, sizeof(dir), "%s/config", golden);
	d = opendir(dir);
	assert_non_null(d);
	while ((de = readdir(d))) {
		_cleanup_free_ char *in = NULL, *out = NULL;
		char path[8192], exp[8192], err[256] = "";
		struct net_config c;
		size_t len;

		if (!has_suffix(de->d_name, ".json"))
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, de->d_name);
		assert_int_equal(read_full_file(path, 1 << 16, &in, &len), 0);
		if (net_config_parse(in, len, &c, err, sizeof(err)) < 0) {
			assert_true(err[0] != 0);
			assert_true(asprintf(&out, "error: %s\n", err) > 0);
		} else {
			assert_int_equal(net_config_format(&c, &out), 0);
		}
		snprintf(exp, sizeof(exp), "%.*s.expected", (int)(strlen(path) - 5), path);
		check_golden(exp, out);
		n++;
	}
	closedir(d);
	assert_true(n >= 10);
}

static void test_lease_golden(void **state)
{
	_cleanup_free_ char *cases = NULL, *all = NULL;
	char path[4096];
	size_t alen = 0;
	FILE *f;

	snprintf(path, sizeof(path), "%s/lease/cases.txt", golden);
	assert_int_equal(read_full_file(path, 1 << 20, &cases, NULL), 0);
	f = open_memstream(&all, &alen);
	for (char *save = NULL, *line = strtok_r(cases, "\n", &save); line;
	     line = strtok_r(NULL, "\n", &save)) {
		char *bar = strchr(line, '|');
		struct ip_prefix s4, s6;
		struct lease_attrs a, b;
		char key[LEASE_KEY_MAX];
		_cleanup_free_ char *val = NULL;

		if (line[0] == '#' || !bar)
			continue;
		*bar = 0;
		fprintf(f, "%s | %s\n", line, bar + 1);
		if (lease_key_parse(line, &s4, &s6) < 0) {
			fprintf(f, "  key: garbage\n");
			continue;
		}
		fprintf(f, "  key: %s\n", lease_key_format(&s4, &s6, key));
		if (lease_attrs_parse(bar + 1, strlen(bar + 1), &a) < 0) {
			fprintf(f, "  value: garbage\n");
			continue;
		}
		assert_int_equal(lease_attrs_format(&a, &val), 0);
		fprintf(f, "  value: %s\n", val);
		/* what we write, we read back identically */
		assert_int_equal(lease_attrs_parse(val, strlen(val), &b), 0);
		assert_true(lease_attrs_equal(&a, &b));
	}
	fclose(f);
	snprintf(path, sizeof(path), "%s/lease/cases.expected", golden);
	check_golden(path, all);
}

static void test_flannel_bytes(void **state)
{
	/* the exact bytes of flannel's documentation example */
	const char *v = "{\"PublicIP\":\"192.168.64.3\",\"PublicIPv6\":null,\"BackendType\":\"vxlan\","
			"\"BackendData\":{\"VNI\":1,\"VtepMAC\":\"c6:d2:32:6f:8f:44\"}}";
	struct lease_attrs a = {};
	_cleanup_free_ char *out = NULL;

	assert_int_equal(ip_addr_parse("192.168.64.3", &a.public_ip), 0);
	strcpy(a.backend_type, "vxlan");
	a.data.kind = BACKEND_DATA_VXLAN;
	a.data.vni = 1;
	assert_int_equal(mac_parse("c6:d2:32:6f:8f:44", a.data.vtep_mac), 0);
	assert_int_equal(lease_attrs_format(&a, &out), 0);
	assert_string_equal(out, v);
}

static void test_subnet_env(void **state)
{
	const char *cfgs[] = {
		"{\"Network\":\"10.42.0.0/16\",\"Backend\":{\"Type\":\"vxlan\"}}",
		"{\"EnableIPv6\":true,\"Network\":\"10.42.0.0/16\","
		"\"IPv6Network\":\"2001:cafe:42::/56\",\"Backend\":{\"Type\":\"vxlan\"}}",
	};
	_cleanup_free_ char *all = NULL;
	size_t alen = 0;
	FILE *f = open_memstream(&all, &alen);
	char path[4096];

	for (size_t i = 0; i < ELEMENTSOF(cfgs); i++) {
		_cleanup_free_ char *text = NULL;
		struct net_config c;
		struct ip_prefix s4, s6, r4, r6;

		assert_int_equal(net_config_parse(cfgs[i], strlen(cfgs[i]), &c, NULL, 0), 0);
		assert_int_equal(ip_prefix_parse("10.42.0.0/24", &s4), 0);
		assert_int_equal(ip_prefix_parse("2001:cafe:42::/64", &s6), 0);
		assert_int_equal(subnet_env_render(&c, &s4, &s6, 1450, i == 1, &text), 0);
		fprintf(f, "%s", text);
		fprintf(f, "--\n");
		/* read back: the networks, not the .1 addresses */
		assert_int_equal(subnet_env_parse(text, &r4, &r6), 0);
		assert_true(ip_prefix_equal(&r4, &s4));
		if (i == 1)
			assert_true(ip_prefix_equal(&r6, &s6));
		else
			assert_int_equal(r6.addr.family, 0);
	}
	fclose(f);
	snprintf(path, sizeof(path), "%s/subnet.env.expected", golden);
	check_golden(path, all);
}

static void test_subnet_env_write(void **state)
{
	char dir[] = "/tmp/linend-env-XXXXXX", path[256];
	_cleanup_free_ char *back = NULL;
	struct stat st;

	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/run/flannel/subnet.env", dir);
	umask(077);
	assert_int_equal(subnet_env_write(path, "FLANNEL_MTU=1450\n"), 0);
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(st.st_mode & 07777, 0644);
	assert_int_equal(read_full_file(path, 1024, &back, NULL), 0);
	assert_string_equal(back, "FLANNEL_MTU=1450\n");
	unlink(path);
	snprintf(path, sizeof(path), "%s/run/flannel", dir);
	rmdir(path);
	snprintf(path, sizeof(path), "%s/run", dir);
	rmdir(path);
	rmdir(dir);
}

int main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_config_golden),
		cmocka_unit_test(test_lease_golden),
		cmocka_unit_test(test_flannel_bytes),
		cmocka_unit_test(test_subnet_env),
		cmocka_unit_test(test_subnet_env_write),
	};

	golden = argc > 1 ? argv[1] : "test/golden/linend";
	return cmocka_run_group_tests(tests, NULL, NULL);
}
