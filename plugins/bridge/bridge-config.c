// SPDX-License-Identifier: Apache-2.0
/*
 * bridge-config.c - parsing and validating the bridge plugin's configuration, and the pure
 * gateway arithmetic of ADD. See bridge-config.h.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/random.h>

#include "basic/ip.h"
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

/* Go's encoding/json matches object keys to struct fields case-insensitively (exact first). */
static json_t *jget(const json_t *o, const char *key)
{
	const char *k;
	json_t *v;

	if (!json_is_object(o))
		return NULL;
	v = json_object_get(o, key);
	if (v)
		return json_is_null(v) ? NULL : v;
	json_object_foreach((json_t *)o, k, v)
		if (strcasecmp(k, key) == 0)
			return json_is_null(v) ? NULL : v;
	return NULL;
}

/* Go's json.UnmarshalTypeError text, which runtimes and users already know. */
static int bad_type(struct cni_error *err, const json_t *v, const char *path, const char *key,
		    const char *gotype)
{
	const char *what = "value";

	if (json_is_string(v))
		what = "string";
	else if (json_is_number(v))
		what = "number";
	else if (json_is_boolean(v))
		what = "bool";
	else if (json_is_array(v))
		what = "array";
	else if (json_is_object(v))
		what = "object";

	return cni_error_set(err, CNI_ERR_INVALID_CONFIG,
			     "failed to load netconf: json: cannot unmarshal %s into Go "
			     "struct field %s.%s of type %s",
			     what, path, key, gotype);
}

static int get_bool(const json_t *o, const char *path, const char *key, bool *v,
		    struct cni_error *err)
{
	json_t *j = jget(o, key);

	if (!j)
		return 0;
	if (!json_is_boolean(j))
		return bad_type(err, j, path, key, "bool");
	*v = json_is_true(j);
	return 0;
}

static int get_int(const json_t *o, const char *path, const char *key, json_int_t *v, bool *present,
		   struct cni_error *err)
{
	json_t *j = jget(o, key);

	if (present)
		*present = j != NULL;
	if (!j)
		return 0;
	if (!json_is_integer(j))
		return bad_type(err, j, path, key, "int");
	*v = json_integer_value(j);
	return 0;
}

static int get_string(const json_t *o, const char *path, const char *key, const char **v,
		      struct cni_error *err)
{
	json_t *j = jget(o, key);

	if (!j)
		return 0;
	if (!json_is_string(j))
		return bad_type(err, j, path, key, "string");
	*v = json_string_value(j);
	return 0;
}

static int get_strv(const json_t *o, const char *path, const char *key, char ***ret,
		    struct cni_error *err)
{
	json_t *j = jget(o, key), *e;
	char **v;
	size_t i;

	if (!j)
		return 0;
	if (!json_is_array(j))
		return bad_type(err, j, path, key, "[]string");
	v = calloc(json_array_size(j) + 1, sizeof(char *));
	if (!v)
		return -ENOMEM;
	json_array_foreach(j, i, e) {
		if (!json_is_string(e)) {
			strv_free(v);
			return bad_type(err, j, path, key, "[]string");
		}
		v[i] = strdup(json_string_value(e));
		if (!v[i]) {
			strv_free(v);
			return -ENOMEM;
		}
	}
	*ret = v;
	return 0;
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

static int hexval(char ch)
{
	if (ch >= '0' && ch <= '9')
		return ch - '0';
	if (ch >= 'a' && ch <= 'f')
		return ch - 'a' + 10;
	if (ch >= 'A' && ch <= 'F')
		return ch - 'A' + 10;
	return -1;
}

/* "aa:bb:cc:dd:ee:ff" (any case). */
static int parse_colon_mac(const char *s, uint8_t mac[6])
{
	for (int i = 0; i < 6; i++) {
		int hi = hexval(s[i * 3]), lo = hexval(s[i * 3 + 1]);

		if (hi < 0 || lo < 0 || (i < 5 && s[i * 3 + 2] != ':'))
			return -EINVAL;
		mac[i] = (uint8_t)(hi << 4 | lo);
	}
	return 0;
}

/* The 6-byte forms of Go's net.ParseMAC: aa:bb:cc:dd:ee:ff, aa-bb-cc-dd-ee-ff, aabb.ccdd.eeff. */
static int parse_mac(const char *s, uint8_t mac[6])
{
	char norm[18];
	size_t l = strlen(s);

	if (l == 17 && (s[2] == ':' || s[2] == '-')) {
		for (size_t i = 0; i < 17; i++) {
			if (i % 3 == 2) {
				if (s[i] != s[2])
					return -EINVAL;
				norm[i] = ':';
			} else
				norm[i] = s[i];
		}
		norm[17] = '\0';
		return parse_colon_mac(norm, mac);
	}
	if (l == 14 && s[4] == '.' && s[9] == '.') {
		size_t o = 0;

		for (size_t i = 0; i < 14; i++) {
			if (i == 4 || i == 9)
				continue;
			norm[o++] = s[i];
			if (o % 3 == 2 && o < 17)
				norm[o++] = ':';
		}
		norm[17] = '\0';
		return parse_colon_mac(norm, mac);
	}
	return -EINVAL;
}

static int parse_trunk(const json_t *j, struct bridge_config *c, struct cni_error *err)
{
	bool seen[4095] = {};
	size_t i, n = 0;
	json_t *item;

	if (!json_is_array(j))
		return bad_type(err, j, "NetConf", "vlanTrunk", "[]*main.VlanTrunk");
	c->has_trunk = true;
	json_array_foreach(j, i, item) {
		json_int_t mn = 0, mx = 0, id = 0;
		bool has_min, has_max, has_id;
		int r;

		if (!json_is_object(item))
			return bad_type(err, item, "NetConf", "vlanTrunk", "main.VlanTrunk");
		if ((r = get_int(item, "VlanTrunk", "minID", &mn, &has_min, err)) < 0 ||
		    (r = get_int(item, "VlanTrunk", "maxID", &mx, &has_max, err)) < 0 ||
		    (r = get_int(item, "VlanTrunk", "id", &id, &has_id, err)) < 0)
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
			for (json_int_t v = mn; v <= mx; v++)
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

static int parse_dns(const json_t *j, struct bridge_config *c, struct cni_error *err)
{
	const char *domain = NULL;
	int r;

	if (!json_is_object(j))
		return bad_type(err, j, "NetConf", "dns", "types.DNS");
	if ((r = get_strv(j, "NetConf.dns", "nameservers", &c->dns.nameservers, err)) < 0 ||
	    (r = get_string(j, "NetConf.dns", "domain", &domain, err)) < 0 ||
	    (r = get_strv(j, "NetConf.dns", "search", &c->dns.search, err)) < 0 ||
	    (r = get_strv(j, "NetConf.dns", "options", &c->dns.options, err)) < 0)
		return r;
	if (domain && *domain) {
		c->dns.domain = strdup(domain);
		if (!c->dns.domain)
			return -ENOMEM;
	}
	/* The reference's dnsConfSet(): any non-empty field. */
	c->has_dns = (c->dns.nameservers && c->dns.nameservers[0]) || c->dns.domain ||
		     (c->dns.search && c->dns.search[0]) || (c->dns.options && c->dns.options[0]);
	return 0;
}

static int set_mac(struct bridge_config *c, const char *s, struct cni_error *err)
{
	if (!s || !*s)
		return 0;
	if (parse_mac(s, c->mac) < 0)
		return cni_error_set(err, CNI_ERR_INVALID_CONFIG, "invalid MAC address \"%.64s\"",
				     s);
	c->has_mac = true;
	snprintf(c->mac_str, sizeof(c->mac_str), "%02x:%02x:%02x:%02x:%02x:%02x", c->mac[0],
		 c->mac[1], c->mac[2], c->mac[3], c->mac[4], c->mac[5]);
	return 0;
}

int bridge_config_parse(const json_t *config, const struct cni_args *args,
			struct bridge_config **ret, struct cni_error *err)
{
	static const char *const known_args[] = { "MAC", NULL };
	_cleanup_(bridge_config_freep) struct bridge_config *c = NULL;
	const char *s = NULL, *backend = NULL;
	json_int_t i = 0;
	json_t *j;
	int r;

	if (!json_is_object(config))
		return cni_error_set(err, CNI_ERR_DECODE, "failed to load netconf: not an object");
	c = calloc(1, sizeof(*c));
	if (!c)
		return -ENOMEM;
	strcpy(c->bridge, BRIDGE_DEFAULT_NAME);
	c->preserve_default_vlan = true; /* the reference keeps VID 1 unless told otherwise */

	r = get_string(config, "NetConf", "bridge", &s, err);
	if (r < 0)
		return r;
	if (s && *s) {
		if (!ifname_ok(s))
			return cni_error_set(err, CNI_ERR_INVALID_CONFIG,
					     "invalid bridge name \"%.64s\"", s);
		strcpy(c->bridge, s);
	}
	if ((r = get_bool(config, "NetConf", "isGateway", &c->is_gw, err)) < 0 ||
	    (r = get_bool(config, "NetConf", "isDefaultGateway", &c->is_default_gw, err)) < 0 ||
	    (r = get_bool(config, "NetConf", "forceAddress", &c->force_address, err)) < 0 ||
	    (r = get_bool(config, "NetConf", "ipMasq", &c->ip_masq, err)) < 0 ||
	    (r = get_bool(config, "NetConf", "hairpinMode", &c->hairpin, err)) < 0 ||
	    (r = get_bool(config, "NetConf", "promiscMode", &c->promisc, err)) < 0 ||
	    (r = get_bool(config, "NetConf", "preserveDefaultVlan", &c->preserve_default_vlan,
			  err)) < 0 ||
	    (r = get_bool(config, "NetConf", "macspoofchk", &c->macspoofchk, err)) < 0 ||
	    (r = get_bool(config, "NetConf", "enabledad", &c->enabledad, err)) < 0 ||
	    (r = get_bool(config, "NetConf", "disableContainerInterface",
			  &c->disable_container_interface, err)) < 0 ||
	    (r = get_bool(config, "NetConf", "portIsolation", &c->port_isolation, err)) < 0)
		return r;
	if (c->is_default_gw)
		c->is_gw = true;

	r = get_string(config, "NetConf", "ipMasqBackend", &backend, err);
	if (r < 0)
		return r;
	/* Accepted for compatibility; masquerading always goes through our own nft table. */
	if (backend && *backend && !streq(backend, "iptables") && !streq(backend, "nftables"))
		return cni_error_set(err, CNI_ERR_INVALID_CONFIG, "unknown ipMasqBackend \"%.64s\"",
				     backend);

	i = 0;
	r = get_int(config, "NetConf", "mtu", &i, NULL, err);
	if (r < 0)
		return r;
	if (i < 0 || i > 65535)
		return cni_error_set(err, CNI_ERR_INVALID_CONFIG, "invalid MTU %lld", (long long)i);
	c->mtu = (uint32_t)i;

	i = 0;
	r = get_int(config, "NetConf", "vlan", &i, NULL, err);
	if (r < 0)
		return r;
	if (i < 0 || i > 4094)
		return cni_error_set(err, CNI_ERR_INVALID_CONFIG,
				     "invalid VLAN ID %lld (must be between 0 and 4094)",
				     (long long)i);
	c->vlan = (uint16_t)i;

	j = jget(config, "vlanTrunk");
	if (j) {
		r = parse_trunk(j, c, err);
		if (r < 0)
			return r;
	}
	if (c->vlan > 0 && c->n_trunk > 0)
		return cni_error_set(err, CNI_ERR_INVALID_CONFIG,
				     "cannot set vlan and vlanTrunk at the same time");

	j = jget(config, "ipam");
	if (j) {
		if (!json_is_object(j))
			return bad_type(err, j, "NetConf", "ipam", "types.IPAM");
		s = NULL;
		r = get_string(j, "NetConf.ipam", "type", &s, err);
		if (r < 0)
			return r;
		if (s && *s) {
			c->ipam_type = strdup(s);
			if (!c->ipam_type)
				return -ENOMEM;
		}
	}

	j = jget(config, "dns");
	if (j) {
		r = parse_dns(j, c, err);
		if (r < 0)
			return r;
	}

	/* MAC, lowest precedence first. */
	if (args) {
		r = cni_args_check_known(args, known_args, err);
		if (r < 0)
			return r;
		r = set_mac(c, cni_args_get(args, "MAC"), err);
		if (r < 0)
			return r;
	}
	j = jget(jget(config, "args"), "cni");
	if (j) {
		s = NULL;
		r = get_string(j, "NetConf.args.cni", "mac", &s, err);
		if (r < 0 || (r = set_mac(c, s, err)) < 0)
			return r;
	}
	j = jget(config, "runtimeConfig");
	if (j) {
		s = NULL;
		r = get_string(j, "NetConf.runtimeConfig", "mac", &s, err);
		if (r < 0 || (r = set_mac(c, s, err)) < 0)
			return r;
	}
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
