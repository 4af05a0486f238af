// SPDX-License-Identifier: Apache-2.0
/*
 * host-device-config.c - config, sysfs look-ups and state file of the host-device plugin.
 */
#include <dirent.h>
#include <errno.h>
#include <glob.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "basic/godec.h"
#include "basic/mac.h"
#include "basic/macro.h"
#include "plugins/host-device/host-device-config.h"
#include "skel/plugin-config.h"

struct hostdev_config *hostdev_config_free(struct hostdev_config *c)
{
	if (!c)
		return NULL;
	free(c->device);
	free(c->hwaddr);
	free(c->kernelpath);
	free(c->pci_addr);
	free(c->ipam_type);
	strv_free(c->dns.nameservers);
	free(c->dns.domain);
	strv_free(c->dns.search);
	strv_free(c->dns.options);
	free(c->data_dir);
	free(c);
	return NULL;
}

static int dup_opt(const char *s, char **ret)
{
	if (!s || !*s)
		return 0;
	*ret = strdup(s);
	return *ret ? 0 : -ENOMEM;
}

/* Drivers that take the device away from the kernel: nothing to move, only IPAM. */
static int has_dpdk_driver(const char *sys_bus_pci, const char *pci, bool *ret,
			   struct cni_error *err)
{
	static const char *const userspace[] = { "vfio-pci", "uio_pci_generic", "igb_uio" };
	char dev[PATH_MAX], link[PATH_MAX + 8], real[PATH_MAX];
	struct stat st;
	const char *name;

	snprintf(dev, sizeof(dev), "%s/%s", sys_bus_pci, pci);
	snprintf(link, sizeof(link), "%s/driver", dev);
	/* Go's EvalSymlinks names the first component it could not lstat */
	if (lstat(dev, &st) < 0)
		return cni_error_set(err, CNI_ERR_INVALID_CONFIG,
				     "error with host device: lstat %s: %s", dev, strerror(errno));
	if (!realpath(link, real))
		return cni_error_set(err, CNI_ERR_INVALID_CONFIG,
				     "error with host device: lstat %s: %s", link,
				     strerror(errno));
	name = strrchr(real, '/');
	name = name ? name + 1 : real;
	*ret = false;
	for (size_t i = 0; i < ELEMENTSOF(userspace); i++)
		if (streq(name, userspace[i]))
			*ret = true;
	return 0;
}

int hostdev_config_parse(const json_t *config, const char *sys_bus_pci,
			 struct hostdev_config **ret, struct cni_error *err)
{
	_cleanup_(hostdev_config_freep) struct hostdev_config *c = NULL;
	const struct godec d = skel_godec(err, "failed to load netconf: ", "NetConf");
	const char *device = NULL, *hwaddr = NULL, *kpath = NULL, *pci = NULL, *devid = NULL;
	const char *ipam_type = NULL, *data_dir = NULL;
	const json_t *rc = NULL;
	char pr[GODEC_PATH_MAX];
	bool dns_set, dpdk = false;
	struct godec dr;
	int r;

	c = calloc(1, sizeof(*c));
	if (!c)
		return -ENOMEM;
	if ((r = skel_decode_netconf(&d, config, &ipam_type)) < 0 ||
	    (r = skel_decode_dns(&d, config, &c->dns, &dns_set)) < 0 ||
	    (r = godec_string(&d, config, "device", &device, NULL)) < 0 ||
	    (r = godec_string(&d, config, "hwaddr", &hwaddr, NULL)) < 0 ||
	    (r = godec_bool(&d, config, "DPDKMode", &dpdk, NULL)) < 0 ||
	    (r = godec_string(&d, config, "kernelpath", &kpath, NULL)) < 0 ||
	    (r = godec_string(&d, config, "pciBusID", &pci, NULL)) < 0 ||
	    (r = godec_string(&d, config, "dataDir", &data_dir, NULL)) < 0 ||
	    (r = godec_object(&d, config, "runtimeConfig",
			      "struct { DeviceID string \"json:\\\"deviceID,omitempty\\\"\" }",
			      &rc)) < 0)
		return r;
	dr = godec_nested(&d, "", "runtimeConfig", pr);
	if ((r = godec_string(&dr, rc, "deviceID", &devid, NULL)) < 0)
		return r;
	if (devid && *devid)
		pci = devid;
	if ((r = dup_opt(device, &c->device)) < 0 || (r = dup_opt(hwaddr, &c->hwaddr)) < 0 ||
	    (r = dup_opt(kpath, &c->kernelpath)) < 0 || (r = dup_opt(pci, &c->pci_addr)) < 0 ||
	    (r = dup_opt(ipam_type, &c->ipam_type)) < 0)
		return r;
	c->data_dir = strdup(data_dir && *data_dir ? data_dir : HOSTDEV_DEFAULT_DATA_DIR);
	if (!c->data_dir)
		return -ENOMEM;
	if (!c->device && !c->hwaddr && !c->kernelpath && !c->pci_addr)
		return cni_error_set(err, CNI_ERR_INVALID_CONFIG,
				     "specify either \"device\", \"hwaddr\", \"kernelpath\" or "
				     "\"pciBusID\"");
	c->dpdk = dpdk;
	if (c->pci_addr) {
		/* the reference overwrites DPDKMode with what the driver says */
		r = has_dpdk_driver(sys_bus_pci, c->pci_addr, &c->dpdk, err);
		if (r < 0)
			return r;
	}
	cni_error_clear(err);
	*ret = TAKE_PTR(c);
	return 0;
}

int hostdev_parse_hwaddr(const char *hwaddr, uint8_t ret[static 6], struct cni_error *err)
{
	if (mac_parse_go(hwaddr, ret) == 0)
		return 0;
	return cni_error_set(err, CNI_ERR_INTERNAL,
			     "failed to find host device: failed to parse MAC address \"%s\": "
			     "address %s: invalid MAC address", hwaddr, hwaddr);
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The entries of dir, sorted by name. -errno when it cannot be read. */
static int read_dir_names(const char *dir, char ***ret)
{
	_cleanup_strv_free_ char **v = NULL;
	size_t n = 0;
	struct dirent *de;
	DIR *d = opendir(dir);

	if (!d)
		return -errno;
	v = calloc(1, sizeof(char *));
	while (v && (de = readdir(d))) {
		char **nv;

		if (streq(de->d_name, ".") || streq(de->d_name, ".."))
			continue;
		nv = reallocarray(v, n + 2, sizeof(char *));
		if (!nv)
			break;
		v = nv;
		v[n] = strdup(de->d_name);
		if (!v[n])
			break;
		v[++n] = NULL;
	}
	closedir(d);
	if (!v || de)
		return -ENOMEM;
	qsort(v, n, sizeof(char *), cmp_str);
	*ret = TAKE_PTR(v);
	return 0;
}

int hostdev_kernelpath_names(const char *kernelpath, char ***ret, struct cni_error *err)
{
	char dir[PATH_MAX];

	if (kernelpath[0] != '/' || !startswith(kernelpath, "/sys/devices/"))
		return cni_error_set(err, CNI_ERR_INTERNAL,
				     "kernel device path \"%s\" must be absolute and begin with "
				     "/sys/devices/", kernelpath);
	snprintf(dir, sizeof(dir), "%s/net", kernelpath);
	if (read_dir_names(dir, ret) < 0)
		return cni_error_set(err, CNI_ERR_INTERNAL,
				     "failed to find network devices at \"%s\"", dir);
	return 0;
}

int hostdev_pci_names(const char *sys_bus_pci, const char *pci, char ***ret,
		      struct cni_error *err)
{
	char dir[PATH_MAX];
	struct stat st;
	int r;

	snprintf(dir, sizeof(dir), "%s/%s/net", sys_bus_pci, pci);
	if (lstat(dir, &st) < 0) {
		glob_t g = {};

		/* a virtio device keeps its net directory one level down */
		snprintf(dir, sizeof(dir), "%s/%s/virtio*/net", sys_bus_pci, pci);
		if (glob(dir, 0, NULL, &g) != 0 || g.gl_pathc == 0) {
			globfree(&g);
			return cni_error_set(err, CNI_ERR_INTERNAL,
					     "no net directory under pci device %s", pci);
		}
		snprintf(dir, sizeof(dir), "%s", g.gl_pathv[0]);
		globfree(&g);
	}
	r = read_dir_names(dir, ret);
	if (r < 0)
		return cni_error_set(err, CNI_ERR_INTERNAL,
				     "failed to read net directory %s: \"%s\"", dir, strerror(-r));
	if (!(*ret)[0]) {
		strv_free(*ret);
		*ret = NULL;
		return cni_error_set(err, CNI_ERR_INTERNAL,
				     "failed to find device name for pci address %s", pci);
	}
	return 0;
}

void hostdev_state_done(struct hostdev_state *s)
{
	free(s->addrs);
	*s = (struct hostdev_state){};
}

int hostdev_state_path(const char *dir, const char *container_id, const char *ifname,
		       char *buf, size_t size)
{
	int n = snprintf(buf, size, "%s/%s-%s", dir, container_id, ifname);

	return n < 0 || (size_t)n >= size ? -ENAMETOOLONG : 0;
}

char *hostdev_state_format(const struct hostdev_state *s)
{
	char *text = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);

	if (!f)
		return NULL;
	if (s->up)
		fputs("up\n", f);
	for (size_t i = 0; i < s->n_addrs; i++) {
		char buf[IP_PREFIX_STRLEN];

		fprintf(f, "addr %s\n", ip_prefix_to_string(&s->addrs[i], buf));
	}
	if (fclose(f) != 0) {
		free(text);
		return NULL;
	}
	return text;
}

int hostdev_state_parse(const char *text, struct hostdev_state *ret)
{
	struct hostdev_state s = {};
	_cleanup_free_ char *copy = strdup(text);
	char *line;

	if (!copy)
		return -ENOMEM;
	for (char *p = copy; (line = strsep(&p, "\n"));) {
		const char *a;

		if (!*line)
			continue;
		if (streq(line, "up")) {
			s.up = true;
		} else if ((a = startswith(line, "addr "))) {
			struct ip_prefix *nv = reallocarray(s.addrs, s.n_addrs + 1, sizeof(*nv));

			if (!nv) {
				hostdev_state_done(&s);
				return -ENOMEM;
			}
			s.addrs = nv;
			if (ip_prefix_parse(a, &nv[s.n_addrs]) < 0) {
				hostdev_state_done(&s);
				return -EINVAL;
			}
			s.n_addrs++;
		} else {
			hostdev_state_done(&s);
			return -EINVAL;
		}
	}
	*ret = s;
	return 0;
}
