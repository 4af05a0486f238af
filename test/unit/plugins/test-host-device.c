// SPDX-License-Identifier: Apache-2.0
/*
 * The host-device plugin's pure parts: config decoding (selectors, runtimeConfig.deviceID
 * over pciBusID, type errors, the "specify either" rule), the DPDK driver test and the PCI
 * and kernelpath net directories on a fake sysfs tree, hwaddr parsing, and the state file.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "basic/json-util.h"
#include "plugins/host-device/host-device-config.h"

static char sysroot[] = "/tmp/test-hostdev-XXXXXX";

static int parse(const char *conf, struct hostdev_config **c, struct cni_error *err)
{
	_cleanup_json_ json_t *j = json_loads(conf, 0, NULL);

	assert_non_null(j);
	cni_error_clear(err);
	return hostdev_config_parse(j, sysroot, c, err);
}

static void fails(const char *conf, const char *msg)
{
	_cleanup_(hostdev_config_freep) struct hostdev_config *c = NULL;
	struct cni_error err;

	assert_int_equal(parse(conf, &c, &err), -EINVAL);
	assert_null(c);
	assert_int_equal(err.code, 7);
	assert_string_equal(err.msg, msg);
}

static void mk(const char *rel)
{
	char p[512];

	snprintf(p, sizeof(p), "%s/%s", sysroot, rel);
	assert_int_equal(mkdir(p, 0755), 0);
}

static int setup_sys(void **state)
{
	char p[512], t[512];

	assert_non_null(mkdtemp(sysroot));
	mk("drivers");
	mk("drivers/vfio-pci");
	mk("drivers/e1000");
	mk("0000:00:01.0");
	mk("0000:00:01.0/net");
	mk("0000:00:01.0/net/ens2");
	mk("0000:00:01.0/net/ens1");
	mk("0000:00:02.0");
	mk("0000:00:03.0");
	mk("0000:00:03.0/virtio0");
	mk("0000:00:03.0/virtio0/net");
	mk("0000:00:03.0/virtio0/net/eth9");
	snprintf(t, sizeof(t), "%s/drivers/e1000", sysroot);
	snprintf(p, sizeof(p), "%s/0000:00:01.0/driver", sysroot);
	assert_int_equal(symlink(t, p), 0);
	snprintf(t, sizeof(t), "%s/drivers/vfio-pci", sysroot);
	snprintf(p, sizeof(p), "%s/0000:00:02.0/driver", sysroot);
	assert_int_equal(symlink(t, p), 0);
	snprintf(t, sizeof(t), "%s/drivers/e1000", sysroot);
	snprintf(p, sizeof(p), "%s/0000:00:03.0/driver", sysroot);
	assert_int_equal(symlink(t, p), 0);
	return 0;
}

static int teardown_sys(void **state)
{
	char cmd[600];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", sysroot);
	return system(cmd) == 0 ? 0 : -1;
}

static void test_selectors(void **state)
{
	_cleanup_(hostdev_config_freep) struct hostdev_config *c = NULL;
	struct cni_error err;

	assert_int_equal(parse("{\"device\":\"eth1\",\"hwaddr\":\"aa:bb:cc:dd:ee:ff\","
			       "\"ipam\":{\"type\":\"static\"},\"dns\":{\"domain\":\"x\"}}", &c,
			       &err), 0);
	assert_string_equal(c->device, "eth1");
	assert_string_equal(c->hwaddr, "aa:bb:cc:dd:ee:ff");
	assert_null(c->kernelpath);
	assert_null(c->pci_addr);
	assert_false(c->dpdk);
	assert_string_equal(c->ipam_type, "static");
	assert_string_equal(c->dns.domain, "x");
	assert_string_equal(c->data_dir, HOSTDEV_DEFAULT_DATA_DIR);
	c = hostdev_config_free(c);

	/* case-insensitive keys; "" is not given */
	assert_int_equal(parse("{\"DEVICE\":\"\",\"KernelPath\":\"/sys/devices/x\"}", &c, &err), 0);
	assert_null(c->device);
	assert_string_equal(c->kernelpath, "/sys/devices/x");
}

static void test_pci_and_dpdk(void **state)
{
	_cleanup_(hostdev_config_freep) struct hostdev_config *c = NULL;
	_cleanup_strv_free_ char **names = NULL;
	struct cni_error err;
	char msg[600];

	assert_int_equal(parse("{\"pciBusID\":\"0000:00:01.0\"}", &c, &err), 0);
	assert_false(c->dpdk);
	assert_int_equal(hostdev_pci_names(sysroot, c->pci_addr, &names, &err), 0);
	/* sorted as Go's ReadDir returns them */
	assert_string_equal(names[0], "ens1");
	assert_string_equal(names[1], "ens2");
	assert_null(names[2]);
	c = hostdev_config_free(c);
	strv_free(names);
	names = NULL;

	/* deviceID overrides pciBusID; vfio-pci is a userspace driver */
	assert_int_equal(parse("{\"pciBusID\":\"0000:00:01.0\","
			       "\"runtimeConfig\":{\"deviceID\":\"0000:00:02.0\"}}", &c, &err), 0);
	assert_string_equal(c->pci_addr, "0000:00:02.0");
	assert_true(c->dpdk);
	assert_int_equal(hostdev_pci_names(sysroot, c->pci_addr, &names, &err), -EINVAL);
	assert_string_equal(err.msg, "no net directory under pci device 0000:00:02.0");
	c = hostdev_config_free(c);

	assert_int_equal(hostdev_pci_names(sysroot, "0000:00:03.0", &names, &err), 0);
	assert_string_equal(names[0], "eth9");

	snprintf(msg, sizeof(msg),
		 "error with host device: lstat %s/0000:00:09.0: No such file or directory",
		 sysroot);
	fails("{\"pciBusID\":\"0000:00:09.0\"}", msg);
}

static void test_errors(void **state)
{
	fails("{\"type\":\"host-device\"}",
	      "specify either \"device\", \"hwaddr\", \"kernelpath\" or \"pciBusID\"");
	fails("{\"device\":5}",
	      "failed to load netconf: json: cannot unmarshal number into Go struct field "
	      "NetConf.device of type string");
	fails("{\"device\":\"x\",\"runtimeConfig\":{\"deviceID\":1}}",
	      "failed to load netconf: json: cannot unmarshal number into Go struct field "
	      ".runtimeConfig.deviceID of type string");
}

static void test_hwaddr_and_kernelpath(void **state)
{
	_cleanup_strv_free_ char **names = NULL;
	struct cni_error err;
	uint8_t mac[6];

	assert_int_equal(hostdev_parse_hwaddr("AA-bb-cc-dd-ee-01", mac, &err), 0);
	assert_int_equal(mac[0], 0xaa);
	assert_int_equal(mac[5], 0x01);
	assert_int_equal(hostdev_parse_hwaddr("aa:bb:cc", mac, &err), -EINVAL);
	assert_string_equal(err.msg, "failed to find host device: failed to parse MAC address "
				     "\"aa:bb:cc\": address aa:bb:cc: invalid MAC address");
	assert_int_equal(hostdev_kernelpath_names("sys/devices/x", &names, &err), -EINVAL);
	assert_string_equal(err.msg, "kernel device path \"sys/devices/x\" must be absolute and "
				     "begin with /sys/devices/");
	assert_int_equal(hostdev_kernelpath_names("/sys/devices/nonexistent-linen", &names, &err),
			 -EINVAL);
	assert_string_equal(err.msg, "failed to find network devices at "
				     "\"/sys/devices/nonexistent-linen/net\"");
}

static void test_state(void **state)
{
	struct hostdev_state s = {}, back = {};
	struct ip_prefix p[2];
	_cleanup_free_ char *text = NULL;
	char path[64];

	assert_int_equal(ip_prefix_parse("10.1.2.3/24", &p[0]), 0);
	assert_int_equal(ip_prefix_parse("fd00::1/64", &p[1]), 0);
	s = (struct hostdev_state){ .up = true, .addrs = p, .n_addrs = 2 };
	text = hostdev_state_format(&s);
	assert_string_equal(text, "up\naddr 10.1.2.3/24\naddr fd00::1/64\n");
	assert_int_equal(hostdev_state_parse(text, &back), 0);
	assert_true(back.up);
	assert_int_equal(back.n_addrs, 2);
	assert_true(ip_prefix_equal(&back.addrs[1], &p[1]));
	hostdev_state_done(&back);
	assert_int_equal(hostdev_state_parse("down\n", &back), -EINVAL);
	assert_int_equal(hostdev_state_parse("addr 10.1.2.3\n", &back), -EINVAL);
	assert_int_equal(hostdev_state_path("/run/x", "ctr", "net1", path, sizeof(path)), 0);
	assert_string_equal(path, "/run/x/ctr-net1");
	assert_int_equal(hostdev_state_path("/run/x", "ctr", "net1", path, 8), -ENAMETOOLONG);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_selectors),
		cmocka_unit_test(test_pci_and_dpdk),
		cmocka_unit_test(test_errors),
		cmocka_unit_test(test_hwaddr_and_kernelpath),
		cmocka_unit_test(test_state),
	};

	return cmocka_run_group_tests(tests, setup_sys, teardown_sys);
}
