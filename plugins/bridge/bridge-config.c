// SPDX-License-Identifier: Apache-2.0
/*
 * bridge-config.c - parsing and validating the bridge plugin's configuration, and the pure
 * gateway arithmetic of ADD. See bridge-config.h.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>

#include "basic/godec.h"
#include "basic/ip.h"
#include "basic/mac.h"
#include "skel/plugin-config.h"
#include "plugins/bridge/bridge-config.h"

struct bridge_config *bridge_config_free(struct bridge_config *c)
{
	if (!c)
		return NULL;
	free(c->trunk);
	free(c->ipam_type);
	strv_free(c->dns.nameservers);
	free(c->dns.domain);
	strv_free(c->dns.search);
	strv_free(c->dns.options);
	free(c);
	return NULL;
}

/* Linux accepts almost any byte in a name; we also refuse what would break a sysctl path. */
static bool ifname_ok(const char *s)
{
	size_t l = strlen(s);

	if (l == 0 || l >= BRIDGE_IFNAMSIZ || streq(s, ".") || streq(s, ".."))
		return false;
	for (; *s; s++)
		if (*s == '/' || *s == ':' || *s <= ' ' || *s == 0x7f)
			return false;
	return true;
}

static int parse_trunk(const struct godec *d, const json_t *j, struct bridge_config *c,
		       struct cni_error *err)
{
	char path[GODEC_PATH_MAX];
	struct godec dt = godec_nested(d, "VlanTrunk", "vlanTrunk", path);
	bool seen[4095] = {};
	size_t i, n = 0;
	json_t *item;

	c->has_trunk = true;
	json_array_foreach(j, i, item) {
		int64_t mn = 0, mx = 0, id = 0;
		bool has_min = false, has_max = false, has_id = false;
		int r;

		if (!json_is_object(item))
			/* Go leaves a null pointer for null, which the reference then dereferences */
			return godec_type_error(d, item, "vlanTrunk", "main.VlanTrunk");
		if ((r = godec_int(&dt, item, "minID", "int", INT64_MIN, INT64_MAX, &mn,
				   &has_min)) < 0 ||
		    (r = godec_int(&dt, item, "maxID", "int", INT64_MIN, INT64_MAX, &mx,
				   &has_max)) < 0 ||
		    (r = godec_int(&dt, item, "id", "int", INT64_MIN, INT64_MAX, &id, &has_id)) < 0)
			return r;
		if (has_min && has_max) {
			if (mn <= 0 || mn > 4094)
				return cni_error_set(err, CNI_ERR_INVALID_CONFIG,
						     "incorrect trunk minID parameter");
			if (mx <= 0 || mx > 4094)
				return cni_error_set(err, CNI_ERR_INVALID_CONFIG,
						     "incorrect trunk maxID parameter");
			if (mx < mn)
				return cni_error_set(err, CNI_ERR_INVALID_CONFIG,
						     "minID is greater than maxID in trunk "
						     "parameter");
			for (int64_t v = mn; v <= mx; v++)
				seen[v] = true;
		} else if (has_max)
			return cni_error_set(err, CNI_ERR_INVALID_CONFIG,
					     "minID and maxID should be configured simultaneously, "
					     "minID is missing");
		else if (has_min)
			return cni_error_set(err, CNI_ERR_INVALID_CONFIG,
					     "minID and maxID should be configured simultaneously, "
					     "maxID is missing");
		if (has_id) {
			if (id <= 0 || id > 4094)
				return cni_error_set(err, CNI_ERR_INVALID_CONFIG,
						     "incorrect trunk id parameter");
			seen[id] = true;
		}
	}
	for (unsigned v = 1; v <= 4094; v++)
		n += seen[v];
	if (n == 0)
		return 0; /* like the reference: an empty trunk is no trunk (but still filters) */
	c->trunk = calloc(n, sizeof(uint16_t));
	if (!c->trunk)
		return -ENOMEM;
	for (unsigned v = 1; v <= 4094; v++)
		if (seen[v])
			c->trunk[c->n_trunk++] = (uint16_t)v;
	return 0;
}

static int set_mac(struct bridge_config *c, const char *s, struct cni_error *err)
{
	if (!s || !*s)
		return 0;
	if (mac_parse_go(s, c->mac) < 0)
		return cni_error_set(err, CNI_ERR_INVALID_CONFIG, "invalid MAC address \"%.64s\"",
				     s);
	c->has_mac = true;
	mac_format(c->mac, c->mac_str);
	return 0;
}

/* The fields of the reference's NetConf, read as encoding/json fills it. */
static int decode(const json_t *config, struct bridge_config *c, const char **ret_bridge,
		  const char **ret_backend, int64_t *ret_mtu, int64_t *ret_vlan,
		  const char **ret_mac_args, const char **ret_mac_rc, struct cni_error *err)
{
	const struct godec d = skel_godec(err, "failed to load netconf: ", "NetConf");
	char pa[GODEC_PATH_MAX], pc[GODEC_PATH_MAX], pr[GODEC_PATH_MAX];
	const json_t *trunk = NULL, *args = NULL, *cni = NULL, *rc = NULL;
	const char *ipam_type = NULL;
	struct godec da, dc, dr;
	int r;

	if ((r = godec_string(&d, config, "bridge", ret_bridge, NULL)) < 0 ||
	    (r = godec_bool(&d, config, "isGateway", &c->is_gw, NULL)) < 0 ||
	    (r = godec_bool(&d, config, "isDefaultGateway", &c->is_default_gw, NULL)) < 0 ||
	    (r = godec_bool(&d, config, "forceAddress", &c->force_address, NULL)) < 0 ||
	    (r = godec_bool(&d, config, "ipMasq", &c->ip_masq, NULL)) < 0 ||
	    (r = godec_string(&d, config, "ipMasqBackend", ret_backend, NULL)) < 0 ||
	    (r = godec_int(&d, config, "mtu", "int", INT64_MIN, INT64_MAX, ret_mtu, NULL)) < 0 ||
	    (r = godec_bool(&d, config, "hairpinMode", &c->hairpin, NULL)) < 0 ||
	    (r = godec_bool(&d, config, "promiscMode", &c->promisc, NULL)) < 0 ||
	    (r = godec_int(&d, config, "vlan", "int", INT64_MIN, INT64_MAX, ret_vlan, NULL)) < 0 ||
	    (r = godec_array(&d, config, "vlanTrunk", "[]*main.VlanTrunk", &trunk)) < 0 ||
	    (r = godec_bool(&d, config, "preserveDefaultVlan", &c->preserve_default_vlan,
			    NULL)) < 0 ||
	    (r = godec_bool(&d, config, "macspoofchk", &c->macspoofchk, NULL)) < 0 ||
	    (r = godec_bool(&d, config, "enabledad", &c->enabledad, NULL)) < 0 ||
	    (r = godec_bool(&d, config, "disableContainerInterface",
			    &c->disable_container_interface, NULL)) < 0 ||
	    (r = godec_bool(&d, config, "portIsolation", &c->port_isolation, NULL)) < 0 ||
	    (r = skel_decode_netconf(&d, config, &ipam_type)) < 0 ||
	    (r = skel_decode_dns(&d, config, &c->dns, &c->has_dns)) < 0)
		return r;
	if ((r = godec_object(&d, config, "args",
			      "struct { Cni main.BridgeArgs \"json:\\\"cni,omitempty\\\"\" }",
			      &args)) < 0)
		return r;
	da = godec_nested(&d, "", "args", pa);
	dc = godec_nested(&da, "BridgeArgs", "cni", pc);
	if ((r = godec_object(&da, args, "cni", "main.BridgeArgs", &cni)) < 0 ||
	    (r = godec_string(&dc, cni, "mac", ret_mac_args, NULL)) < 0)
		return r;
	if ((r = godec_object(&d, config, "runtimeConfig",
			      "struct { Mac string \"json:\\\"mac,omitempty\\\"\" }", &rc)) < 0)
		return r;
	dr = godec_nested(&d, "", "runtimeConfig", pr);
	if ((r = godec_string(&dr, rc, "mac", ret_mac_rc, NULL)) < 0)
		return r;
	if (ipam_type) {
		c->ipam_type = strdup(ipam_type);
		if (!c->ipam_type)
			return -ENOMEM;
	}
	/* The reference's dnsConfSet(): any field non-empty. */
	c->has_dns = (c->dns.nameservers && c->dns.nameservers[0]) || c->dns.domain ||
		     (c->dns.search && c->dns.search[0]) || (c->dns.options && c->dns.options[0]);
	if (trunk) {
		r = parse_trunk(&d, trunk, c, err);
		if (r < 0)
			return r;
	}
	cni_error_clear(err);
	return 0;
}

int bridge_config_parse(const json_t *config, const struct cni_args *args,
			struct bridge_config **ret, struct cni_error *err)
{
	static const char *const known_args[] = { "MAC", NULL };
	_cleanup_(bridge_config_freep) struct bridge_config *c = NULL;
	const char *s = NULL, *backend = NULL, *mac_args = NULL, *mac_rc = NULL;
	int64_t mtu = 0, vlan = 0;
	int r;

	if (!json_is_object(config))
		return cni_error_set(err, CNI_ERR_DECODE, "failed to load netconf: not an object");
	c = calloc(1, sizeof(*c));
	if (!c)
		return -ENOMEM;
	strcpy(c->bridge, BRIDGE_DEFAULT_NAME);
	c->preserve_default_vlan = true; /* the reference keeps VID 1 unless told otherwise */

	r = decode(config, c, &s, &backend, &mtu, &vlan, &mac_args, &mac_rc, err);
	if (r < 0)
		return r;
	if (s && *s) {
		if (!ifname_ok(s))
			return cni_error_set(err, CNI_ERR_INVALID_CONFIG,
					     "invalid bridge name \"%.64s\"", s);
		strcpy(c->bridge, s);
	}
	if (c->is_default_gw)
		c->is_gw = true;
	/* Accepted for compatibility; masquerading always goes through our own nft table. */
	if (backend && *backend && !streq(backend, "iptables") && !streq(backend, "nftables"))
		return cni_error_set(err, CNI_ERR_INVALID_CONFIG, "unknown ipMasqBackend \"%.64s\"",
				     backend);
	if (mtu < 0 || mtu > 65535)
		return cni_error_set(err, CNI_ERR_INVALID_CONFIG, "invalid MTU %lld", (long long)mtu);
	c->mtu = (uint32_t)mtu;
	if (vlan < 0 || vlan > 4094)
		return cni_error_set(err, CNI_ERR_INVALID_CONFIG,
				     "invalid VLAN ID %lld (must be between 0 and 4094)",
				     (long long)vlan);
	c->vlan = (uint16_t)vlan;
	if (c->vlan > 0 && c->n_trunk > 0)
		return cni_error_set(err, CNI_ERR_INVALID_CONFIG,
				     "cannot set vlan and vlanTrunk at the same time");

	/* MAC, lowest precedence first. */
	if (args) {
		r = cni_args_check_known(args, known_args, err);
		if (r < 0)
			return r;
		r = set_mac(c, cni_args_get(args, "MAC"), err);
		if (r < 0)
			return r;
	}
	if ((r = set_mac(c, mac_args, err)) < 0 || (r = set_mac(c, mac_rc, err)) < 0)
		return r;
	*ret = TAKE_PTR(c);
	return 0;
}

size_t bridge_vid_ranges(const uint16_t *vids, size_t n, struct bridge_vid_range *ret)
{
	size_t k = 0;

	for (size_t i = 0; i < n; i++) {
		if (k > 0 && ret[k - 1].last + 1 == vids[i]) {
			ret[k - 1].last = vids[i];
			continue;
		}
		ret[k++] = (struct bridge_vid_range){ vids[i], vids[i] };
	}
	return k;
}

int bridge_random_veth_name(char buf[static BRIDGE_IFNAMSIZ])
{
	uint8_t b[4];

	if (getrandom(b, sizeof(b), 0) != (ssize_t)sizeof(b))
		return -errno;
	snprintf(buf, BRIDGE_IFNAMSIZ, "veth%02x%02x%02x%02x", b[0], b[1], b[2], b[3]);
	return 0;
}

void bridge_default_gateway(const struct ip_prefix *addr, struct ip_addr *ret)
{
	struct ip_prefix p = *addr;

	ip_prefix_mask(&p);
	/* Wraps only for a /0 at the top of the space, which IPAM never hands out. */
	if (ip_addr_add(&p.addr, 1, ret) < 0)
		*ret = p.addr;
}

int bridge_calc_gateways(struct cni_result *r, const struct bridge_config *c,
			 struct ip_prefix *ret_gws, size_t *ret_n)
{
	static const int families[] = { AF_INET, AF_INET6 };
	bool default_found[2] = {};
	size_t n = 0;

	for (size_t i = 0; i < r->n_ips; i++) {
		struct cni_ipconfig *ip = &r->ips[i];
		int f = ip->address.addr.family == AF_INET ? 0 : 1;

		/* Every address belongs to the container interface. */
		ip->interface = 2;
		if (!ip->gateway.family && c->is_gw)
			bridge_default_gateway(&ip->address, &ip->gateway);
		if (c->is_default_gw && !default_found[f]) {
			for (size_t k = 0; k < r->n_routes; k++)
				if (r->routes[k].gw.family && r->routes[k].dst.len == 0 &&
				    r->routes[k].dst.addr.family == families[f] &&
				    ip_addr_is_zero(&r->routes[k].dst.addr)) {
					default_found[f] = true;
					break;
				}
			if (!default_found[f]) {
				struct ip_prefix def = { .addr = { .family = families[f] } };
				int k = cni_result_add_route(
					r, &def, ip->gateway.family ? &ip->gateway : NULL);

				if (k < 0)
					return k;
				default_found[f] = true;
			}
		}
	}
	/* The bridge addresses, IPv4 ones first as the reference walks them. */
	for (size_t f = 0; f < 2 && c->is_gw; f++)
		for (size_t i = 0; i < r->n_ips; i++) {
			const struct cni_ipconfig *ip = &r->ips[i];

			if (ip->address.addr.family != families[f] || !ip->gateway.family)
				continue;
			ret_gws[n].addr = ip->gateway;
			ret_gws[n].len = ip->address.len;
			n++;
		}
	*ret_n = n;
	return 0;
}
