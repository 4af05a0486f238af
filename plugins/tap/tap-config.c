// SPDX-License-Identifier: Apache-2.0
/*
 * tap-config.c - config of the tap plugin.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "basic/godec.h"
#include "basic/mac.h"
#include "basic/macro.h"
#include "plugins/tap/tap-config.h"
#include "skel/plugin-config.h"

struct tap_config *tap_config_free(struct tap_config *c)
{
	if (!c)
		return NULL;
	free(c->mac);
	free(c->selinux_context);
	free(c->bridge);
	free(c->ipam_type);
	strv_free(c->dns.nameservers);
	free(c->dns.domain);
	strv_free(c->dns.search);
	strv_free(c->dns.options);
	free(c);
	return NULL;
}

static int dup_opt(const char *s, char **ret)
{
	if (!s || !*s)
		return 0;
	free(*ret);
	*ret = strdup(s);
	return *ret ? 0 : -ENOMEM;
}

int tap_config_parse(const json_t *config, const struct cni_args *args,
		     struct tap_config **ret, struct cni_error *err)
{
	static const char *const known[] = { "MAC", NULL };
	_cleanup_(tap_config_freep) struct tap_config *c = NULL;
	const struct godec d = skel_godec(err, "failed to load netconf: ", "NetConf");
	const char *mac = NULL, *rc_mac = NULL, *selinux = NULL, *bridge = NULL, *ipam = NULL;
	int64_t mtu = 0, owner = 0, group = 0;
	const json_t *rc = NULL, *a = NULL;
	char pr[GODEC_PATH_MAX];
	bool dns_set;
	struct godec dr;
	int r;

	c = calloc(1, sizeof(*c));
	if (!c)
		return -ENOMEM;
	if ((r = skel_decode_netconf(&d, config, &ipam)) < 0 ||
	    (r = skel_decode_dns(&d, config, &c->dns, &dns_set)) < 0 ||
	    (r = godec_bool(&d, config, "multiQueue", &c->multi_queue, NULL)) < 0 ||
	    (r = godec_int(&d, config, "mtu", "int", INT64_MIN, INT64_MAX, &mtu, NULL)) < 0 ||
	    (r = godec_string(&d, config, "mac", &mac, NULL)) < 0 ||
	    (r = godec_int(&d, config, "owner", "uint32", 0, UINT32_MAX, &owner,
			   &c->has_owner)) < 0 ||
	    (r = godec_int(&d, config, "group", "uint32", 0, UINT32_MAX, &group,
			   &c->has_group)) < 0 ||
	    (r = godec_string(&d, config, "selinuxContext", &selinux, NULL)) < 0 ||
	    (r = godec_string(&d, config, "bridge", &bridge, NULL)) < 0 ||
	    (r = godec_object(&d, config, "args", "struct {}", &a)) < 0 ||
	    (r = godec_object(&d, config, "runtimeConfig",
			      "struct { Mac string \"json:\\\"mac,omitempty\\\"\" }", &rc)) < 0)
		return r;
	dr = godec_nested(&d, "", "runtimeConfig", pr);
	if ((r = godec_string(&dr, rc, "mac", &rc_mac, NULL)) < 0)
		return r;
	if (mtu < INT32_MIN || mtu > INT32_MAX)
		return cni_error_set(err, CNI_ERR_INVALID_CONFIG, "invalid MTU %lld",
				     (long long)mtu);
	c->mtu = (int)mtu;
	c->owner = (uint32_t)owner;
	c->group = (uint32_t)group;
	if ((r = dup_opt(mac, &c->mac)) < 0 || (r = dup_opt(selinux, &c->selinux_context)) < 0 ||
	    (r = dup_opt(bridge, &c->bridge)) < 0 || (r = dup_opt(ipam, &c->ipam_type)) < 0)
		return r;
	if (args && args->n > 0) {
		const char *m;

		r = cni_args_check_known(args, known, err);
		if (r < 0)
			return r;
		m = cni_args_get(args, "MAC");
		if ((r = dup_opt(m, &c->mac)) < 0)
			return r;
	}
	if ((r = dup_opt(rc_mac, &c->mac)) < 0)
		return r;
	/* checked before the tap exists, so a bad one leaves nothing behind */
	if (c->mac && mac_parse_go(c->mac, c->mac_bytes) < 0)
		return cni_error_set(err, CNI_ERR_INVALID_CONFIG,
				     "invalid args %s for MAC addr: address %s: invalid MAC address",
				     c->mac, c->mac);
	cni_error_clear(err);
	*ret = TAKE_PTR(c);
	return 0;
}
