/* SPDX-License-Identifier: Apache-2.0 */
/*
 * host-device-config.h - the host-device plugin's config and the pure parts of finding
 * the device.
 *
 * Owns: decoding the reference's NetConf (device, hwaddr, kernelpath, pciBusID, DPDKMode,
 * runtimeConfig.deviceID overriding pciBusID, ipam, dns, and our own dataDir), which
 * selector wins (device, then hwaddr, then kernelpath, then the PCI address, as the
 * reference looks them up), the sysfs look-ups of kernelpath and pciBusID and the DPDK
 * driver test, each with the reference's error text, and the small state file that brings
 * the device's addresses and up state back on DEL.
 */
#pragma once

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

#include "basic/ip.h"
#include "libcni/error.h"
#include "libcni/result.h"

#define HOSTDEV_DEFAULT_DATA_DIR "/run/cni/host-device"
#define HOSTDEV_SYS_BUS_PCI "/sys/bus/pci/devices"

struct hostdev_config {
	char *device;
	char *hwaddr;
	char *kernelpath;
	char *pci_addr;   /* pciBusID, or runtimeConfig.deviceID when given */
	bool dpdk;        /* DPDKMode, or the PCI device is bound to a userspace driver */
	char *ipam_type;  /* NULL = no IPAM */
	struct cni_dns dns;
	char *data_dir;
};

struct hostdev_config *hostdev_config_free(struct hostdev_config *c);
DEFINE_TRIVIAL_CLEANUP_FUNC(struct hostdev_config *, hostdev_config_free);

/*
 * Decode and validate config. sys_bus_pci is HOSTDEV_SYS_BUS_PCI (a test passes its own
 * tree). Errors: code 7 with "failed to load netconf: <type error>", "specify either
 * \"device\", \"hwaddr\", \"kernelpath\" or \"pciBusID\"", "error with host device: ...".
 */
int hostdev_config_parse(const json_t *config, const char *sys_bus_pci,
			 struct hostdev_config **ret, struct cni_error *err);

/* Go's net.ParseMAC rules for hwaddr; the error text after "failed to find host device: ". */
int hostdev_parse_hwaddr(const char *hwaddr, uint8_t ret[static 6], struct cni_error *err);

/*
 * The names kernelpath's or the PCI device's "net" directory lists, sorted as Go's ReadDir
 * returns them, NULL-terminated, in *ret. Errors (code 999, the reference's text without the
 * "failed to find host device: " prefix the caller adds): a kernelpath outside
 * /sys/devices/, a missing net directory.
 */
int hostdev_kernelpath_names(const char *kernelpath, char ***ret, struct cni_error *err);
int hostdev_pci_names(const char *sys_bus_pci, const char *pci, char ***ret,
		      struct cni_error *err);

/* The state kept between ADD and DEL: the device's up flag and addresses on the host. */
struct hostdev_state {
	bool up;
	struct ip_prefix *addrs;
	size_t n_addrs;
};

void hostdev_state_done(struct hostdev_state *s);
/* "<dir>/<containerid>-<ifname>" into buf. -ENAMETOOLONG. */
int hostdev_state_path(const char *dir, const char *container_id, const char *ifname,
		       char *buf, size_t size);
/* Text: "up\n" when up, then "addr <prefix>\n" per address. */
char *hostdev_state_format(const struct hostdev_state *s);
int hostdev_state_parse(const char *text, struct hostdev_state *ret);
