// SPDX-License-Identifier: Apache-2.0
/*
 * sublink-config.c - the kinds and the config parser of macvlan, ipvlan, vlan and dummy.
 * See sublink-config.h.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <linux/if_link.h>

#include "basic/godec.h"
#include "basic/mac.h"
#include "plugins/macvlan/sublink-config.h"
#include "skel/plugin-config.h"

static const struct sublink_mode macvlan_modes[] = {
	{ "", MACVLAN_MODE_BRIDGE },
	{ "bridge", MACVLAN_MODE_BRIDGE },
	{ "private", MACVLAN_MODE_PRIVATE },
	{ "vepa", MACVLAN_MODE_VEPA },
	{ "passthru", MACVLAN_MODE_PASSTHRU },
	{}
};

static const struct sublink_mode ipvlan_modes[] = {
	{ "", IPVLAN_MODE_L2 },
	{ "l2", IPVLAN_MODE_L2 },
	{ "l3", IPVLAN_MODE_L3 },
	{ "l3s", IPVLAN_MODE_L3S },
	{}
};

const struct sublink_kind sublink_macvlan = {
	.name = "macvlan",
	.nl = NL_SUBLINK_MACVLAN,
	.has_master = true,
	.master_mtu_check = true,
	.has_mac = true,
	.dns_from_config = true,
	.notify = true,
	.check_routes = true,
	.modes = macvlan_modes,
	.msg_no_prev = "required prevResult missing",
	.head_sandbox = "s",
	.head_not_found = "c",
	.head_not_kind = "e",
	.head_mac = "i",
	.head_mode = "c",
	.mode_word = "macvlan",
};

const struct sublink_kind sublink_ipvlan = {
	.name = "ipvlan",
	.nl = NL_SUBLINK_IPVLAN,
	.has_master = true,
	.master_from_prev = true,
	.ipam_from_prev = true,
	.dns_from_config = true,
	.notify = true,
	.check_routes = true,
	.modes = ipvlan_modes,
	.msg_no_prev = "Required prevResult missing",
	.head_sandbox = "S",
	.head_not_found = "C",
	.head_not_kind = "E",
	.head_mac = "I",
	.head_mode = "C",
	.mode_word = "IPVlan",
};

const struct sublink_kind sublink_vlan = {
	.name = "vlan",
	.nl = NL_SUBLINK_VLAN,
	.has_master = true,
	.master_required = true,
	.master_mtu_check = true,
	.has_vlan_id = true,
	.ipam_required = true,
	.dns_from_config = true,
	.check_routes = true,
	.msg_no_prev = "vlan: Required prevResult missing",
	.head_sandbox = "S",
	.head_not_found = "vlan: C",
	.head_not_kind = "E",
	.head_mac = "vlan: I",
};

const struct sublink_kind sublink_dummy = {
	.name = "dummy",
	.nl = NL_SUBLINK_DUMMY,
	.ipam_required = true,
	.check_up = true,
	.msg_no_prev = "dummy: Required prevResult missing",
	.head_sandbox = "S",
	.head_not_found = "C",
	.head_not_kind = "E",
	.head_mac = "I",
};

static void dns_done(struct cni_dns *d)
{
	strv_free(d->nameservers);
	free(d->domain);
	strv_free(d->search);
	strv_free(d->options);
	memset(d, 0, sizeof(*d));
}

struct sublink_config *sublink_config_free(struct sublink_config *c)
{
	if (!c)
		return NULL;
	free(c->master);
	free(c->mode);
	free(c->mac);
	free(c->ipam_type);
	dns_done(&c->dns);
	free(c);
	return NULL;
}

const char *sublink_mode_name(const struct sublink_kind *kind, uint32_t value)
{
	/* Skip the "" alias of the default: the kernel's value has a real name. */
	for (const struct sublink_mode *m = kind->modes; m && m->name; m++)
		if (*m->name && m->value == value)
			return m->name;
	return NULL;
}

/* How Go names the anonymous struct of NetConf.RuntimeConfig in a type error. */
#define RUNTIME_CONFIG_GOTYPE "struct { Mac string \"json:\\\"mac,omitempty\\\"\" }"

static int dup_nonempty(const char *s, char **ret)
{
	if (!s || !*s)
		return 0;
	*ret = strdup(s);
	return *ret ? 0 : -ENOMEM;
}

int sublink_config_parse(const struct sublink_kind *kind, const json_t *config,
			 const struct cni_args *args, bool validate, const char *prefix,
			 struct sublink_config **ret, struct cni_error *err)
{
	_cleanup_(sublink_config_freep) struct sublink_config *c = NULL;
	const char *master = NULL, *mode = NULL, *mac = NULL, *rt_mac = NULL, *ipam = NULL;
	const json_t *rt = NULL;
	char path[GODEC_PATH_MAX];
	struct godec d, dr;
	int r;

	if (!json_is_object(config))
		return cni_error_set(err, CNI_ERR_DECODE, "%snot an object", prefix);
	c = calloc(1, sizeof(*c));
	if (!c)
		return -ENOMEM;
	c->kind = kind;

	d = skel_godec(err, prefix, "NetConf");
	r = skel_decode_netconf(&d, config, &ipam);
	if (r >= 0 && kind->has_master)
		r = godec_string(&d, config, "master", &master, NULL);
	if (r >= 0 && kind->modes)
		r = godec_string(&d, config, "mode", &mode, NULL);
	if (r >= 0 && kind->has_vlan_id)
		r = godec_int(&d, config, "vlanId", "int", INT64_MIN, INT64_MAX, &c->vlan_id, NULL);
	if (r >= 0 && kind->has_master)
		r = godec_int(&d, config, "mtu", "int", INT64_MIN, INT64_MAX, &c->mtu, NULL);
	if (r >= 0 && kind->has_mac)
		r = godec_string(&d, config, "mac", &mac, NULL);
	if (r >= 0 && kind->has_master)
		r = godec_bool(&d, config, "linkInContainer", &c->link_in_container, NULL);
	if (r >= 0 && kind->has_mac)
		r = godec_object(&d, config, "runtimeConfig", RUNTIME_CONFIG_GOTYPE, &rt);
	if (r >= 0 && kind->has_mac) {
		dr = godec_nested(&d, "", "runtimeConfig", path);
		r = godec_string(&dr, rt, "mac", &rt_mac, NULL);
	}
	if (r >= 0)
		r = skel_decode_dns(&d, config, &c->dns, &c->has_dns);
	if (r < 0)
		return r;
	cni_error_clear(err);

	if ((r = dup_nonempty(master, &c->master)) < 0 ||
	    (r = dup_nonempty(ipam, &c->ipam_type)) < 0)
		return r;
	c->mode = strdup(mode ? mode : "");
	if (!c->mode)
		return -ENOMEM;
	if (!validate) {
		*ret = TAKE_PTR(c);
		return 0;
	}

	if (kind->master_required && !c->master)
		return cni_error_set(err, CNI_ERR_INVALID_CONFIG,
				     "\"master\" field is required. It specifies the host "
				     "interface name to create the VLAN for.");
	if (kind->has_vlan_id && (c->vlan_id < 0 || c->vlan_id > 4094))
		return cni_error_set(err, CNI_ERR_INVALID_CONFIG,
				     "invalid VLAN ID %lld (must be between 0 and 4095 inclusive)",
				     (long long)c->vlan_id);
	if (kind->modes) {
		const struct sublink_mode *m = kind->modes;

		while (m->name && !streq(m->name, c->mode))
			m++;
		if (!m->name)
			return cni_error_set(err, CNI_ERR_INVALID_CONFIG,
					     "unknown %s mode: \"%.64s\"", kind->name, c->mode);
		c->mode_value = m->value;
	}

	if (kind->has_mac) {
		const char *a = args ? cni_args_get(args, "MAC") : NULL;
		uint8_t m[6];

		if (args) {
			static const char *const known[] = { "IgnoreUnknown", "MAC", NULL };

			r = cni_args_check_known(args, known, err);
			if (r < 0)
				return r;
		}
		/* The reference's precedence: runtimeConfig over CNI_ARGS over the config. */
		if (rt_mac && *rt_mac)
			mac = rt_mac;
		else if (a && *a)
			mac = a;
		if (mac && *mac) {
			if (mac_parse_go(mac, m) < 0)
				return cni_error_set(err, CNI_ERR_INVALID_CONFIG,
						     "invalid args %.64s for MAC addr: address "
						     "%.64s: invalid MAC address",
						     mac, mac);
			c->mac = strdup(mac);
			if (!c->mac)
				return -ENOMEM;
		}
	}
	*ret = TAKE_PTR(c);
	return 0;
}

int sublink_random_name(char buf[static NL_IFNAMSIZ])
{
	uint8_t b[4];

	if (getrandom(b, sizeof(b), 0) != (ssize_t)sizeof(b))
		return -errno;
	snprintf(buf, NL_IFNAMSIZ, "veth%02x%02x%02x%02x", b[0], b[1], b[2], b[3]);
	return 0;
}
