// SPDX-License-Identifier: Apache-2.0
/*
 * netconfig.c - flannel's pkg/subnet/config.go, in C.
 *
 * Go's JSON rules apply: object keys match case-insensitively, unknown keys are ignored,
 * null leaves the default, a wrong type is an error. CIDRs are normalised to the network.
 */
#include <ctype.h>
#include <errno.h>
#include <jansson.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "basic/json-util.h"
#include "basic/macro.h"
#include "linend/netconfig.h"

static const char *const known_backends[] = {
	"vxlan", "host-gw", "udp", "ipip", "wireguard", "alloc", "extension", "ipsec",
	"tencent-vpc",
};

static int fail(char *err, size_t errlen, const char *fmt, ...) _printf_(3, 4);
static int fail(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	if (err && errlen) {
		va_start(ap, fmt);
		vsnprintf(err, errlen, fmt, ap);
		va_end(ap);
	}
	return -EINVAL;
}

static json_t *get_ci(const json_t *o, const char *key)
{
	const char *k;
	json_t *v;

	v = json_object_get(o, key);
	if (v)
		return v;
	json_object_foreach((json_t *)o, k, v)
		if (strcasecmp(k, key) == 0)
			return v;
	return NULL;
}

static int get_bool(const json_t *o, const char *key, bool *b, char *err, size_t errlen)
{
	json_t *v = get_ci(o, key);

	if (!v || json_is_null(v))
		return 0;
	if (!json_is_boolean(v))
		return fail(err, errlen, "%s must be true or false", key);
	*b = json_is_true(v);
	return 0;
}

static int get_uint(const json_t *o, const char *key, uint64_t max, uint64_t *u, char *err,
		    size_t errlen)
{
	json_t *v = get_ci(o, key);

	if (!v || json_is_null(v))
		return 0;
	if (!json_is_integer(v) || json_integer_value(v) < 0 ||
	    (uint64_t)json_integer_value(v) > max)
		return fail(err, errlen, "%s must be an integer between 0 and %llu", key,
			    (unsigned long long)max);
	*u = (uint64_t)json_integer_value(v);
	return 0;
}

static int get_prefix(const json_t *o, const char *key, int family, struct ip_prefix *p,
		      char *err, size_t errlen)
{
	json_t *v = get_ci(o, key);

	if (!v || json_is_null(v))
		return 0;
	if (!json_is_string(v) || ip_prefix_parse(json_string_value(v), p) < 0 ||
	    p->addr.family != family)
		return fail(err, errlen, "%s: invalid %s CIDR", key,
			    family == AF_INET ? "IPv4" : "IPv6");
	ip_prefix_mask(p);
	return 0;
}

static int get_addr(const json_t *o, const char *key, int family, struct ip_addr *a, char *err,
		    size_t errlen)
{
	json_t *v = get_ci(o, key);

	if (!v || json_is_null(v))
		return 0;
	if (!json_is_string(v) || ip_addr_parse(json_string_value(v), a) < 0 ||
	    a->family != family)
		return fail(err, errlen, "%s: invalid %s address", key,
			    family == AF_INET ? "IPv4" : "IPv6");
	return 0;
}

const char *const net_config_ext_keys[4] = {
	[EXT_PRE_STARTUP] = "PreStartupCommand",
	[EXT_POST_STARTUP] = "PostStartupCommand",
	[EXT_SUBNET_ADD] = "SubnetAddCommand",
	[EXT_SUBNET_REMOVE] = "SubnetRemoveCommand",
};

static int parse_backend(const json_t *be, struct backend_config *b, char *err, size_t errlen)
{
	json_t *type;
	uint64_t u;
	int r;

	*b = (struct backend_config){ .vni = 1 };
	if (!be || json_is_null(be)) {
		strcpy(b->type, "udp"); /* flannel's code default, whatever its docs say */
		return 0;
	}
	if (!json_is_object(be))
		return fail(err, errlen, "error decoding Backend property of config: not an object");
	type = get_ci(be, "Type");
	if (type && !json_is_null(type) && !json_is_string(type))
		return fail(err, errlen, "error decoding Backend property of config: Type must be a string");
	if (!type || json_is_null(type) || json_string_length(type) == 0)
		/* Go decodes a missing Type as "": GetBackend then fails on it */
		return fail(err, errlen, "Backend.Type is missing");
	if (json_string_length(type) >= sizeof(b->type))
		return fail(err, errlen, "unknown backend type: %s", json_string_value(type));
	for (size_t i = 0; i <= json_string_length(type); i++)
		b->type[i] = (char)tolower((unsigned char)json_string_value(type)[i]);
	r = -EINVAL;
	for (size_t i = 0; i < ELEMENTSOF(known_backends); i++)
		if (streq(b->type, known_backends[i]))
			r = 0;
	if (r < 0)
		return fail(err, errlen, "unknown backend type: %s", json_string_value(type));
	if (streq(b->type, "extension")) {
		for (size_t i = 0; i < ELEMENTSOF(net_config_ext_keys); i++) {
			const json_t *v = get_ci(be, net_config_ext_keys[i]);

			if (!v || json_is_null(v))
				continue;
			if (!json_is_string(v))
				return fail(err, errlen, "error decoding backend config: %s must be "
					    "a string", net_config_ext_keys[i]);
			if (json_string_length(v) >= NET_CONFIG_CMD_MAX ||
			    strlen(json_string_value(v)) != json_string_length(v))
				return fail(err, errlen, "%s: longer than %d bytes or holds a NUL",
					    net_config_ext_keys[i], NET_CONFIG_CMD_MAX - 1);
			strcpy(b->ext_cmd[i], json_string_value(v));
		}
		/* not flannel's: flanneld waits for ever; Go's decoder ignores the key there */
		u = 60;
		if (get_uint(be, "CommandTimeout", 86400, &u, err, errlen) < 0)
			return -EINVAL;
		if (u == 0)
			return fail(err, errlen, "CommandTimeout must be at least 1 second");
		b->ext_timeout = (unsigned)u;
		return 0;
	}
	if (!streq(b->type, "vxlan"))
		return 0;
	u = b->vni;
	if (get_uint(be, "VNI", 0xffffff, &u, err, errlen) < 0)
		return -EINVAL;
	b->vni = (uint32_t)u;
	u = 0;
	if (get_uint(be, "Port", 65535, &u, err, errlen) < 0)
		return -EINVAL;
	b->port = (uint16_t)u;
	u = 0;
	if (get_uint(be, "MTU", 65535, &u, err, errlen) < 0)
		return -EINVAL;
	b->mtu = (unsigned)u;
	if (get_bool(be, "GBP", &b->gbp, err, errlen) < 0 ||
	    get_bool(be, "Learning", &b->learning, err, errlen) < 0 ||
	    get_bool(be, "DirectRouting", &b->direct_routing, err, errlen) < 0)
		return -EINVAL;
	return 0;
}

/* CheckNetworkConfig for one family; names carry the IPv6 prefix where flannel's do. */
static int check_family(int family, struct ip_prefix *net, unsigned *subnet_len,
			struct ip_addr *min, struct ip_addr *max, char *err, size_t errlen)
{
	const bool v6 = family == AF_INET6;
	const unsigned bits = ip_family_bits(family);
	const char *pfx = v6 ? "IPv6" : "";
	struct ip_prefix sub;
	struct ip_addr last;

	if (net->addr.family != family)
		return fail(err, errlen, "please define a correct %sNetwork parameter in the flannel config", pfx);
	if (*subnet_len > 0) {
		if (*subnet_len > bits - 2)
			return fail(err, errlen, "%sSubnetLen must be less than /%u", pfx, bits - 1);
		if (*subnet_len < (unsigned)net->len + 2)
			return fail(err, errlen, "%sNetwork must be able to accommodate at least four subnets", pfx);
	} else {
		if (net->len > bits - 4)
			return fail(err, errlen, "%sNetwork is too small. Minimum useful network prefix is /%u",
				    pfx, bits - 4);
		else if (net->len <= (v6 ? 62U : 22U))
			*subnet_len = v6 ? 64 : 24;
		else
			*subnet_len = net->len + 2;
	}
	if (min->family == 0) {
		/* skip the first subnet: its .0 would clash with the network's */
		ip_addr_add(&net->addr, (__int128)((ip_u128)1 << (bits - *subnet_len)), min);
	} else if (!ip_prefix_contains(net, min))
		return fail(err, errlen, "%sSubnetMin is not in the range of the %sNetwork", pfx, pfx);
	if (max->family == 0) {
		ip_prefix_last(net, &last);
		ip_addr_add(&last, -(__int128)(((ip_u128)1 << (bits - *subnet_len)) - 1), max);
	} else if (!ip_prefix_contains(net, max))
		return fail(err, errlen, "%sSubnetMax is not in the range of the %sNetwork", pfx, pfx);
	sub = (struct ip_prefix){ .addr = *min, .len = (unsigned char)*subnet_len };
	if (!ip_prefix_is_network(&sub)) {
		char b[IP_ADDR_STRLEN];
		return fail(err, errlen, "%sSubnetMin is not on a %sSubnetLen boundary: %s", pfx,
			    pfx, ip_addr_to_string(min, b));
	}
	sub.addr = *max;
	if (!ip_prefix_is_network(&sub)) {
		char b[IP_ADDR_STRLEN];
		return fail(err, errlen, "%sSubnetMax is not on a %sSubnetLen boundary: %s", pfx,
			    pfx, ip_addr_to_string(max, b));
	}
	/* not in flannel: it would silently have no subnet to hand out */
	if (ip_addr_cmp(min, max) > 0)
		return fail(err, errlen, "%sSubnetMin is above %sSubnetMax", pfx, pfx);
	return 0;
}

int net_config_parse(const char *json, size_t len, struct net_config *ret, char *err,
		     size_t errlen)
{
	_cleanup_json_ json_t *root = NULL;
	struct net_config c = { .enable_ipv4 = true };
	json_error_t jerr;
	uint64_t u;

	root = json_loadb(json, len, 0, &jerr);
	if (!root)
		return fail(err, errlen, "invalid JSON at line %d column %d: %s", jerr.line,
			    jerr.column, jerr.text);
	if (!json_is_object(root))
		return fail(err, errlen, "the network config must be a JSON object");
	if (get_bool(root, "EnableIPv4", &c.enable_ipv4, err, errlen) < 0 ||
	    get_bool(root, "EnableIPv6", &c.enable_ipv6, err, errlen) < 0 ||
	    get_bool(root, "EnableNFTables", &c.enable_nftables, err, errlen) < 0)
		return -EINVAL;
	if (c.enable_ipv4) {
		if (get_prefix(root, "Network", AF_INET, &c.network, err, errlen) < 0 ||
		    get_addr(root, "SubnetMin", AF_INET, &c.subnet_min, err, errlen) < 0 ||
		    get_addr(root, "SubnetMax", AF_INET, &c.subnet_max, err, errlen) < 0)
			return -EINVAL;
		u = 0;
		if (get_uint(root, "SubnetLen", 255, &u, err, errlen) < 0)
			return -EINVAL;
		c.subnet_len = (unsigned)u;
	}
	if (c.enable_ipv6) {
		if (get_prefix(root, "IPv6Network", AF_INET6, &c.ipv6_network, err, errlen) < 0 ||
		    get_addr(root, "IPv6SubnetMin", AF_INET6, &c.ipv6_subnet_min, err, errlen) < 0 ||
		    get_addr(root, "IPv6SubnetMax", AF_INET6, &c.ipv6_subnet_max, err, errlen) < 0)
			return -EINVAL;
		u = 0;
		if (get_uint(root, "IPv6SubnetLen", 255, &u, err, errlen) < 0)
			return -EINVAL;
		c.ipv6_subnet_len = (unsigned)u;
	}
	if (!c.enable_ipv4 && !c.enable_ipv6)
		return fail(err, errlen, "EnableIPv4 and EnableIPv6 are both false: nothing to do");
	if (!c.enable_ipv4)
		return fail(err, errlen, "IPv6-only networks are not possible with the etcd store: "
			    "flannel's lease keys always need an IPv4 subnet");
	if (parse_backend(get_ci(root, "Backend"), &c.backend, err, errlen) < 0)
		return -EINVAL;
	if (c.enable_ipv4 && check_family(AF_INET, &c.network, &c.subnet_len, &c.subnet_min,
					  &c.subnet_max, err, errlen) < 0)
		return -EINVAL;
	if (c.enable_ipv6 &&
	    check_family(AF_INET6, &c.ipv6_network, &c.ipv6_subnet_len, &c.ipv6_subnet_min,
			 &c.ipv6_subnet_max, err, errlen) < 0)
		return -EINVAL;
	*ret = c;
	return 0;
}

int net_config_format(const struct net_config *c, char **ret)
{
	char n[IP_PREFIX_STRLEN], mn[IP_ADDR_STRLEN], mx[IP_ADDR_STRLEN];
	char n6[IP_PREFIX_STRLEN] = "", mn6[IP_ADDR_STRLEN] = "", mx6[IP_ADDR_STRLEN] = "";
	const struct backend_config *b = &c->backend;

	if (c->enable_ipv4) {
		ip_prefix_to_string(&c->network, n);
		ip_addr_to_string(&c->subnet_min, mn);
		ip_addr_to_string(&c->subnet_max, mx);
	} else
		n[0] = mn[0] = mx[0] = 0;
	if (c->enable_ipv6) {
		ip_prefix_to_string(&c->ipv6_network, n6);
		ip_addr_to_string(&c->ipv6_subnet_min, mn6);
		ip_addr_to_string(&c->ipv6_subnet_max, mx6);
	}
	if (asprintf(ret,
		     "EnableIPv4=%s\nEnableIPv6=%s\nEnableNFTables=%s\n"
		     "Network=%s\nSubnetLen=%u\nSubnetMin=%s\nSubnetMax=%s\n"
		     "IPv6Network=%s\nIPv6SubnetLen=%u\nIPv6SubnetMin=%s\nIPv6SubnetMax=%s\n"
		     "Backend.Type=%s\nBackend.VNI=%u\nBackend.Port=%u\nBackend.GBP=%s\n"
		     "Backend.Learning=%s\nBackend.DirectRouting=%s\nBackend.MTU=%u\n",
		     c->enable_ipv4 ? "true" : "false", c->enable_ipv6 ? "true" : "false",
		     c->enable_nftables ? "true" : "false", n, c->subnet_len, mn, mx, n6,
		     c->ipv6_subnet_len, mn6, mx6, b->type, b->vni, b->port,
		     b->gbp ? "true" : "false", b->learning ? "true" : "false",
		     b->direct_routing ? "true" : "false", b->mtu) < 0)
		return -ENOMEM;
	/* only extension configs have these lines, so every other golden stays as it was */
	for (size_t i = 0; streq(b->type, "extension") && i < ELEMENTSOF(b->ext_cmd); i++) {
		char *t;

		if (asprintf(&t, "%sBackend.%s=%s\n", *ret, net_config_ext_keys[i],
			     b->ext_cmd[i]) < 0)
			return -ENOMEM; /* *ret is the caller's to free, as on success */
		free(*ret);
		*ret = t;
	}
	if (streq(b->type, "extension")) {
		char *t;

		if (asprintf(&t, "%sBackend.CommandTimeout=%u\n", *ret, b->ext_timeout) < 0)
			return -ENOMEM;
		free(*ret);
		*ret = t;
	}
	return 0;
}

bool net_config_equal(const struct net_config *a, const struct net_config *b)
{
	_cleanup_free_ char *x = NULL, *y = NULL;

	if (net_config_format(a, &x) < 0 || net_config_format(b, &y) < 0)
		return false;
	return streq(x, y);
}
