// SPDX-License-Identifier: Apache-2.0
/*
 * ipam-config.c - parse and validate the host-local "ipam" section.
 *
 * The order of the checks and the error texts follow the reference plugin
 * (plugins/ipam/host-local/backend/allocator/{config,range,range_set}.go) so
 * that a config rejected by one implementation is rejected by the other with
 * the same words. decode_types() first does what the reference's json.Unmarshal
 * does (every key found as encoding/json finds it, every type checked, Go's
 * error text), so the checks after it see values of the right types only.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "basic/fileio.h"
#include "basic/godec.h"
#include "basic/json-util.h"
#include "ipam/ipam-config.h"

static int errf(char *err, int r, const char *fmt, ...) _printf_(3, 4);
static int errf(char *err, int r, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(err, IPAM_ERR_MAX, fmt, ap);
	va_end(ap);
	return r;
}

/* A Range's fields; strct/path name the struct for messages. */
static int decode_range(const struct godec *d, const json_t *o)
{
	int r;

	if ((r = godec_text(d, o, "rangeStart", "net.IP", NULL, NULL)) < 0 ||
	    (r = godec_text(d, o, "rangeEnd", "net.IP", NULL, NULL)) < 0 ||
	    (r = godec_text(d, o, "subnet", "string", NULL, NULL)) < 0 ||
	    (r = godec_text(d, o, "gateway", "net.IP", NULL, NULL)) < 0)
		return r;
	return 0;
}

/* A []allocator.RangeSet member (a list of lists of Range). */
static int decode_range_sets(const struct godec *d, const json_t *o, const char *key)
{
	char path[GODEC_PATH_MAX];
	struct godec dr = godec_nested(d, "Range", key, path);
	const json_t *sets = NULL;
	json_t *set, *range;
	size_t i, k;
	int r;

	r = godec_array(d, o, key, "[]allocator.RangeSet", &sets);
	if (r < 0 || !sets)
		return r;
	json_array_foreach(sets, i, set) {
		if (json_is_null(set))
			continue;
		if (!json_is_array(set))
			return godec_type_error(d, set, key, "allocator.RangeSet");
		json_array_foreach(set, k, range) {
			if (json_is_null(range))
				continue;
			if (!json_is_object(range))
				return godec_type_error(d, range, key, "allocator.Range");
			r = decode_range(&dr, range);
			if (r < 0)
				return r;
		}
	}
	return 0;
}

/* A []*ip.IP member. */
static int decode_ips(const struct godec *d, const json_t *o)
{
	const json_t *ips = NULL;
	json_t *v;
	size_t i;
	int r = godec_array(d, o, "ips", "[]*ip.IP", &ips);

	if (r < 0 || !ips)
		return r;
	json_array_foreach(ips, i, v)
		if (!json_is_string(v) && !json_is_null(v))
			return godec_type_error(d, v, "ips", "*ip.IP");
	return 0;
}

/*
 * types.Route decodes itself from a private struct, so Go names the list for every field:
 * "IPAMConfig.ipam.routes of type string".
 */
static int decode_routes(const struct godec *d, const json_t *ipam)
{
	static const char *const strs[] = { "dst", "gw" };
	static const char *const ints[] = { "mtu", "advmss", "priority", "table", "scope" };
	const json_t *routes = NULL;
	json_t *o, *v;
	size_t i;
	int r = godec_array(d, ipam, "routes", "[]*types.Route", &routes);

	if (r < 0 || !routes)
		return r;
	json_array_foreach(routes, i, o) {
		if (json_is_null(o))
			continue;
		if (!json_is_object(o))
			return godec_type_error(d, o, "routes", "types.Route");
		for (size_t k = 0; k < ELEMENTSOF(strs); k++)
			if ((v = godec_get(o, strs[k])) && !json_is_string(v))
				return godec_type_error(d, v, "routes", "string");
		for (size_t k = 0; k < ELEMENTSOF(ints); k++) {
			v = godec_get(o, ints[k]);
			if (v && !json_is_number(v))
				return godec_type_error(d, v, "routes", "int");
			if (v && (!json_is_integer(v) || json_integer_value(v) < INT32_MIN ||
				  json_integer_value(v) > INT32_MAX)) {
				char num[32], kind[48];

				snprintf(kind, sizeof(kind), "number %s", godec_number_text(v, num));
				snprintf(d->msg, d->msg_size,
					 "json: cannot unmarshal %s into Go struct field "
					 "%s.%s.routes of type int", kind, d->strct, d->path);
				return -EINVAL;
			}
		}
	}
	return 0;
}

/* What json.Unmarshal into the reference's allocator.Net checks: every type, no value. */
static int decode_types(const json_t *netconf, char *err)
{
	const struct godec d = { .prefix = "", .strct = "Net", .path = "", .msg = err,
				 .msg_size = IPAM_ERR_MAX };
	char pi[GODEC_PATH_MAX], pa[GODEC_PATH_MAX], pc[GODEC_PATH_MAX], pr[GODEC_PATH_MAX];
	struct godec di = godec_nested(&d, "IPAMConfig", "ipam", pi);
	struct godec da = godec_nested(&d, "", "args", pa);
	struct godec dc = godec_nested(&da, "IPAMArgs", "cni", pc);
	struct godec dr = godec_nested(&d, "", "runtimeConfig", pr);
	const json_t *ipam = NULL, *args = NULL, *cni = NULL, *rc = NULL;
	int r;

	if ((r = godec_string(&d, netconf, "name", NULL, NULL)) < 0 ||
	    (r = godec_string(&d, netconf, "cniVersion", NULL, NULL)) < 0 ||
	    (r = godec_object(&d, netconf, "ipam", "allocator.IPAMConfig", &ipam)) < 0 ||
	    (r = godec_object(&d, netconf, "runtimeConfig",
			      "struct { IPRanges []allocator.RangeSet "
			      "\"json:\\\"ipRanges,omitempty\\\"\"; IPs []*ip.IP "
			      "\"json:\\\"ips,omitempty\\\"\" }", &rc)) < 0 ||
	    (r = godec_object(&d, netconf, "args",
			      "struct { A *allocator.IPAMArgs \"json:\\\"cni\\\"\" }",
			      &args)) < 0 ||
	    (r = decode_range(&di, ipam)) < 0 ||
	    (r = godec_string(&di, ipam, "type", NULL, NULL)) < 0 ||
	    (r = decode_routes(&di, ipam)) < 0 ||
	    (r = godec_string(&di, ipam, "dataDir", NULL, NULL)) < 0 ||
	    (r = godec_string(&di, ipam, "resolvConf", NULL, NULL)) < 0 ||
	    (r = decode_range_sets(&di, ipam, "ranges")) < 0 ||
	    (r = decode_range_sets(&dr, rc, "ipRanges")) < 0 ||
	    (r = decode_ips(&dr, rc)) < 0 ||
	    (r = godec_object(&da, args, "cni", "allocator.IPAMArgs", &cni)) < 0 ||
	    (r = decode_ips(&dc, cni)) < 0)
		return r;
	err[0] = 0;
	return 0;
}

/* IPv4-mapped IPv6 addresses are IPv4 addresses, as Go's To4() sees them. */
static void ip_canonicalize(struct ip_addr *a)
{
	if (a->family == AF_INET6 && IN6_IS_ADDR_V4MAPPED(&a->in6)) {
		struct ip_addr v4 = { .family = AF_INET };

		memcpy(v4.bytes, a->bytes + 12, 4);
		*a = v4;
	}
}

static const char *ipstr(const struct ip_addr *a, char buf[static IP_ADDR_STRLEN])
{
	return ip_addr_to_string(a, buf);
}

/* An optional IP field: absent, null or "" mean unset (family 0). */
static int parse_ip_field(const json_t *o, const char *key, struct ip_addr *ret, char *err)
{
	json_t *v = godec_get(o, key);
	struct ip_addr a = {};

	if (v) {
		const char *s;

		if (!json_is_string(v))
			return errf(err, -EINVAL, "%s: must be a string", key);
		s = json_string_value(v);
		if (*s) {
			if (ip_addr_parse(s, &a) < 0)
				return errf(err, -EBADMSG, "invalid IP address: %s", s);
			ip_canonicalize(&a);
		}
	}
	*ret = a;
	return 0;
}

bool ipam_range_contains(const struct ipam_range *r, const struct ip_addr *a)
{
	return a->family == r->start.family && ip_addr_cmp(a, &r->start) >= 0 &&
	       ip_addr_cmp(a, &r->end) <= 0;
}

const struct ipam_range *ipam_range_set_find(const struct ipam_range_set *s,
					     const struct ip_addr *a)
{
	for (size_t i = 0; i < s->n_ranges; i++)
		if (ipam_range_contains(&s->ranges[i], a))
			return &s->ranges[i];
	return NULL;
}

int ipam_range_set_family(const struct ipam_range_set *s)
{
	return s->n_ranges ? s->ranges[0].start.family : 0;
}

static void range_to_string(const struct ipam_range *r, char *buf, size_t len)
{
	char a[IP_ADDR_STRLEN], b[IP_ADDR_STRLEN];

	snprintf(buf, len, "%s-%s", ipstr(&r->start, a), ipstr(&r->end, b));
}

void ipam_range_set_to_string(const struct ipam_range_set *s, char *buf, size_t len)
{
	size_t off = 0;

	if (len)
		buf[0] = 0;
	for (size_t i = 0; i < s->n_ranges && off + 1 < len; i++) {
		if (i)
			buf[off++] = ',', buf[off] = 0;
		range_to_string(&s->ranges[i], buf + off, len - off);
		off += strlen(buf + off);
	}
}

static bool ranges_overlap(const struct ipam_range *a, const struct ipam_range *b)
{
	if (a->start.family != b->start.family)
		return false;
	return ipam_range_contains(a, &b->start) || ipam_range_contains(a, &b->end) ||
	       ipam_range_contains(b, &a->start) || ipam_range_contains(b, &a->end);
}

static bool sets_overlap(const struct ipam_range_set *a, const struct ipam_range_set *b)
{
	for (size_t x = 0; x < a->n_ranges; x++)
		for (size_t y = 0; y < b->n_ranges; y++)
			if (ranges_overlap(&a->ranges[x], &b->ranges[y]))
				return true;
	return false;
}

/* Fill in defaults and validate one range (reference: Range.Canonicalize). */
static int parse_range(const json_t *o, struct ipam_range *ret, char *err)
{
	char a[IP_ADDR_STRLEN], p[IP_PREFIX_STRLEN];
	struct ipam_range r = {};
	struct ip_addr start, end;
	struct ip_prefix net;
	json_t *v;
	unsigned bits;
	int k;

	if (!json_is_object(o))
		return errf(err, -EINVAL, "range must be an object");
	v = godec_get(o, "subnet");
	if (!v || (json_is_string(v) && !*json_string_value(v)))
		return errf(err, -EINVAL, "missing subnet");
	if (!json_is_string(v) || ip_prefix_parse(json_string_value(v), &r.subnet) < 0)
		return errf(err, -EBADMSG, "invalid CIDR address: %s",
			    json_is_string(v) ? json_string_value(v) : "(not a string)");
	if (r.subnet.addr.family == AF_INET6 && IN6_IS_ADDR_V4MAPPED(&r.subnet.addr.in6))
		return errf(err, -EINVAL, "IPNet IP and Mask version mismatch");
	bits = ip_family_bits(r.subnet.addr.family);
	if (r.subnet.len > bits - 2)
		return errf(err, -EINVAL, "Network %s too small to allocate from",
			    ip_prefix_to_string(&r.subnet, p));
	net = r.subnet;
	ip_prefix_mask(&net);
	if (!ip_addr_equal(&net.addr, &r.subnet.addr))
		return errf(err, -EINVAL,
			    "Network has host bits set. For a subnet mask of length %u the network address is %s",
			    r.subnet.len, ipstr(&net.addr, a));

	k = parse_ip_field(o, "gateway", &r.gateway, err);
	if (k < 0)
		return k;
	if (!r.gateway.family)
		(void)ip_addr_add(&r.subnet.addr, 1, &r.gateway);

	k = parse_ip_field(o, "rangeStart", &start, err);
	if (k < 0)
		return k;
	k = parse_ip_field(o, "rangeEnd", &end, err);
	if (k < 0)
		return k;

	/* The reference checks rangeStart against the subnet and a given rangeEnd. */
	if (start.family) {
		if (start.family != r.subnet.addr.family ||
		    !ip_prefix_contains(&r.subnet, &start) ||
		    (end.family == start.family && ip_addr_cmp(&start, &end) > 0))
			return errf(err, -EINVAL, "RangeStart %s not in network %s",
				    ipstr(&start, a), ip_prefix_to_string(&r.subnet, p));
		r.start = start;
	} else {
		(void)ip_addr_add(&r.subnet.addr, 1, &r.start);
	}
	if (end.family) {
		if (end.family != r.subnet.addr.family || !ip_prefix_contains(&r.subnet, &end) ||
		    ip_addr_cmp(&end, &r.start) < 0)
			return errf(err, -EINVAL, "RangeEnd %s not in network %s",
				    ipstr(&end, a), ip_prefix_to_string(&r.subnet, p));
		r.end = end;
	} else {
		ip_prefix_last(&r.subnet, &r.end);
		if (r.end.family == AF_INET)
			(void)ip_addr_add(&r.end, -1, &r.end);
		if (ip_addr_cmp(&r.start, &r.end) > 0)
			return errf(err, -EINVAL, "RangeStart %s not in network %s",
				    ipstr(&r.start, a), ip_prefix_to_string(&r.subnet, p));
	}
	*ret = r;
	return 0;
}

static void range_set_done(struct ipam_range_set *s)
{
	free(s->ranges);
	s->ranges = NULL;
	s->n_ranges = 0;
}

/* One range set (reference: RangeSet.Canonicalize). */
static int parse_range_set(const json_t *a, struct ipam_range_set *ret, char *err)
{
	_cleanup_free_ struct ipam_range *ranges = NULL;
	size_t n;
	ip_u128 total = 0;
	int r;

	if (!json_is_array(a))
		return errf(err, -EINVAL, "range set must be an array of ranges");
	n = json_array_size(a);
	if (n == 0)
		return errf(err, -EINVAL, "empty range set");
	ranges = calloc(n, sizeof(*ranges));
	if (!ranges)
		return -ENOMEM;
	for (size_t i = 0; i < n; i++) {
		r = parse_range(json_array_get(a, i), &ranges[i], err);
		if (r < 0)
			return r;
		if (i > 0 && ranges[i].start.family != ranges[0].start.family)
			return errf(err, -EINVAL, "mixed address families");
	}
	for (size_t i = 0; i + 1 < n; i++)
		for (size_t j = i + 1; j < n; j++)
			if (ranges_overlap(&ranges[i], &ranges[j])) {
				char x[2 * IP_ADDR_STRLEN + 2], y[2 * IP_ADDR_STRLEN + 2];

				range_to_string(&ranges[i], x, sizeof(x));
				range_to_string(&ranges[j], y, sizeof(y));
				return errf(err, -EINVAL, "subnets %s and %s overlap", x, y);
			}
	/* The allocator numbers the set's addresses 0..total-1 in a 128-bit integer. */
	for (size_t i = 0; i < n; i++) {
		ip_u128 size = ip_addr_to_u128(&ranges[i].end) - ip_addr_to_u128(&ranges[i].start);

		if (size == ~(ip_u128)0 || total + size + 1 < total)
			return errf(err, -EINVAL, "range set too large");
		total += size + 1;
	}
	ret->ranges = TAKE_PTR(ranges);
	ret->n_ranges = n;
	return 0;
}

/* Collect the range-set arrays of a list (borrowed) so they are parsed with their final index. */
static int collect_sets(const json_t *a, const char *what, const json_t ***sets, size_t *n,
			char *err)
{
	const json_t **ns;
	size_t m;

	if (!a)
		return 0;
	if (!json_is_array(a))
		return errf(err, -EINVAL, "%s must be a list of range sets", what);
	m = json_array_size(a);
	if (!m)
		return 0;
	ns = realloc(*sets, (*n + m) * sizeof(**sets));
	if (!ns)
		return -ENOMEM;
	*sets = ns;
	for (size_t i = 0; i < m; i++)
		ns[(*n)++] = json_array_get(a, i);
	return 0;
}

/* Minimal X.Y.Z comparison so this module does not need libcni. */
static bool version_ge_0_3_0(const char *v)
{
	unsigned a, b, c;
	char tail;

	if (!v || sscanf(v, "%u.%u.%u%c", &a, &b, &c, &tail) != 3)
		return false;
	return a > 0 || b >= 3;
}

static int parse_routes(const json_t *a, struct ipam_config *c, char *err)
{
	size_t n;

	if (!a)
		return 0;
	if (!json_is_array(a))
		return errf(err, -EINVAL, "routes must be a list");
	n = json_array_size(a);
	if (!n)
		return 0;
	c->routes = calloc(n, sizeof(*c->routes));
	if (!c->routes)
		return -ENOMEM;
	for (size_t i = 0; i < n; i++) {
		const json_t *o = json_array_get(a, i);
		struct ipam_route *rt = &c->routes[i];
		static const char *const ints[] = { "mtu", "advmss", "priority", "table", "scope" };
		json_t *v;
		int r;

		if (!json_is_object(o))
			return errf(err, -EINVAL, "route must be an object");
		v = godec_get(o, "dst");
		if (!json_is_string(v) || ip_prefix_parse(json_string_value(v), &rt->dst) < 0)
			return errf(err, -EINVAL, "invalid CIDR address: %s",
				    json_is_string(v) ? json_string_value(v) : "(missing dst)");
		r = parse_ip_field(o, "gw", &rt->gw, err);
		if (r < 0)
			return r == -EBADMSG ? -EINVAL : r;
		for (size_t k = 0; k < ELEMENTSOF(ints); k++) {
			int val;

			v = godec_get(o, ints[k]);
			if (!v)
				continue;
			if (!json_is_integer(v))
				return errf(err, -EINVAL, "route %s must be an integer", ints[k]);
			val = (int)json_integer_value(v);
			switch (k) {
			case 0: rt->mtu = val; break;
			case 1: rt->advmss = val; break;
			case 2: rt->priority = val; break;
			case 3: rt->has_table = true, rt->table = val; break;
			default: rt->has_scope = true, rt->scope = val; break;
			}
		}
		c->n_routes++;
	}
	return 0;
}

static int add_requested(struct ipam_config *c, const char *s, char *err)
{
	struct ip_prefix p;
	struct ip_addr *n;

	if (ip_prefix_parse_optional_len(s, &p) < 0)
		return errf(err, -EINVAL, "cannot understand ip: invalid IP address: %s", s);
	ip_canonicalize(&p.addr);
	for (size_t i = 0; i < c->n_requested; i++)
		if (ip_addr_equal(&c->requested[i], &p.addr))
			return 0;
	n = realloc(c->requested, (c->n_requested + 1) * sizeof(*n));
	if (!n)
		return -ENOMEM;
	c->requested = n;
	c->requested[c->n_requested++] = p.addr;
	return 0;
}

static int add_requested_list(struct ipam_config *c, const json_t *a, const char *what, char *err)
{
	size_t i;
	json_t *v;
	int r;

	if (!a)
		return 0;
	if (!json_is_array(a))
		return errf(err, -EINVAL, "%s must be a list of IP addresses", what);
	json_array_foreach(a, i, v) {
		if (!json_is_string(v))
			return errf(err, -EINVAL, "%s must be a list of IP addresses", what);
		r = add_requested(c, json_string_value(v), err);
		if (r < 0)
			return r;
	}
	return 0;
}

static int dup_string(const json_t *o, const char *key, char **ret, char *err)
{
	json_t *v = godec_get(o, key);

	*ret = NULL;
	if (!v)
		return 0;
	if (!json_is_string(v))
		return errf(err, -EINVAL, "%s must be a string", key);
	if (!*json_string_value(v))
		return 0;
	*ret = strdup(json_string_value(v));
	return *ret ? 0 : -ENOMEM;
}

int ipam_config_parse(const json_t *netconf, const char *env_ip, struct ipam_config **ret,
		      char err[static IPAM_ERR_MAX])
{
	_cleanup_(ipam_config_freep) struct ipam_config *c = NULL;
	_cleanup_json_ json_t *legacy = NULL, *legacy_list = NULL;
	_cleanup_free_ const json_t **jsets = NULL;
	const json_t *ipam, *rc, *args, *v;
	size_t n_jsets = 0;
	unsigned n4 = 0, n6 = 0;
	int r;

	err[0] = 0;
	if (!json_is_object(netconf))
		return errf(err, -EINVAL, "network config must be a JSON object");
	r = decode_types(netconf, err);
	if (r < 0)
		return r;
	c = calloc(1, sizeof(*c));
	if (!c)
		return -ENOMEM;
	r = dup_string(netconf, "name", &c->name, err);
	if (r < 0)
		return r;
	r = dup_string(netconf, "cniVersion", &c->cni_version, err);
	if (r < 0)
		return r;
	if (!c->cni_version && !(c->cni_version = strdup("0.1.0")))
		return -ENOMEM;

	ipam = godec_get(netconf, "ipam");
	if (!ipam)
		return errf(err, -EINVAL, "IPAM config missing 'ipam' key");
	if (!json_is_object(ipam))
		return errf(err, -EINVAL, "ipam must be an object");

	/* Requested IPs: CNI_ARGS, then args.cni.ips, then runtimeConfig.ips. */
	if (env_ip && *env_ip) {
		r = add_requested(c, env_ip, err);
		if (r < 0)
			return r;
	}
	args = godec_get(netconf, "args");
	r = add_requested_list(c, godec_get(godec_get(args, "cni"), "ips"), "args.cni.ips", err);
	if (r < 0)
		return r;
	rc = godec_get(netconf, "runtimeConfig");
	r = add_requested_list(c, godec_get(rc, "ips"), "runtimeConfig.ips", err);
	if (r < 0)
		return r;

	/* Set order: ipRanges capability, the legacy single range, then ranges. */
	r = collect_sets(godec_get(rc, "ipRanges"), "runtimeConfig.ipRanges", &jsets, &n_jsets, err);
	if (r < 0)
		return r;
	v = godec_get(ipam, "subnet");
	if (v && !(json_is_string(v) && !*json_string_value(v))) {
		json_t *obj = json_object();
		static const char *const keys[] = { "subnet", "rangeStart", "rangeEnd", "gateway" };

		legacy = json_array();
		if (!legacy || !obj || json_array_append_new(legacy, obj) < 0)
			return -ENOMEM;
		for (size_t k = 0; k < ELEMENTSOF(keys); k++) {
			json_t *f = godec_get(ipam, keys[k]);

			if (f && json_object_set(obj, keys[k], f) < 0)
				return -ENOMEM;
		}
		legacy_list = json_array();
		if (!legacy_list || json_array_append(legacy_list, legacy) < 0)
			return -ENOMEM;
	}
	r = collect_sets(legacy_list, "subnet", &jsets, &n_jsets, err);
	if (r < 0)
		return r;
	r = collect_sets(godec_get(ipam, "ranges"), "ranges", &jsets, &n_jsets, err);
	if (r < 0)
		return r;
	if (n_jsets == 0)
		return errf(err, -EINVAL, "no IP ranges specified");
	c->sets = calloc(n_jsets, sizeof(*c->sets));
	if (!c->sets)
		return -ENOMEM;
	for (size_t i = 0; i < n_jsets; i++) {
		r = parse_range_set(jsets[i], &c->sets[i], err);
		/* text that is no address fails in the reference's json.Unmarshal: no set index */
		if (r == -EBADMSG)
			return -EINVAL;
		if (r == -EINVAL) {
			char inner[IPAM_ERR_MAX];

			snprintf(inner, sizeof(inner), "%s", err);
			return errf(err, r, "invalid range set %zu: %s", i, inner);
		}
		if (r < 0)
			return r;
		c->n_sets++;
	}

	for (size_t i = 0; i < c->n_sets; i++) {
		if (ipam_range_set_family(&c->sets[i]) == AF_INET)
			n4++;
		else
			n6++;
	}
	if ((n4 > 1 || n6 > 1) && !version_ge_0_3_0(c->cni_version))
		return errf(err, -EINVAL,
			    "CNI version %s does not support more than 1 address per family",
			    c->cni_version);
	for (size_t i = 0; i + 1 < c->n_sets; i++)
		for (size_t j = i + 1; j < c->n_sets; j++)
			if (sets_overlap(&c->sets[i], &c->sets[j]))
				return errf(err, -EINVAL, "range set %zu overlaps with %zu", i, j);

	r = parse_routes(godec_get(ipam, "routes"), c, err);
	if (r < 0)
		return r;
	r = dup_string(ipam, "dataDir", &c->data_dir, err);
	if (r < 0)
		return r;
	if (!c->data_dir && !(c->data_dir = strdup(IPAM_DEFAULT_DATA_DIR)))
		return -ENOMEM;
	r = dup_string(ipam, "resolvConf", &c->resolv_conf, err);
	if (r < 0)
		return r;

	*ret = TAKE_PTR(c);
	return 0;
}

int ipam_config_parse_store(const json_t *netconf, struct ipam_config **ret,
			    char err[static IPAM_ERR_MAX])
{
	_cleanup_(ipam_config_freep) struct ipam_config *c = NULL;
	const json_t *ipam;
	int r;

	err[0] = 0;
	if (!json_is_object(netconf))
		return errf(err, -EINVAL, "network config must be a JSON object");
	r = decode_types(netconf, err);
	if (r < 0)
		return r;
	c = calloc(1, sizeof(*c));
	if (!c)
		return -ENOMEM;
	r = dup_string(netconf, "name", &c->name, err);
	if (r < 0)
		return r;
	r = dup_string(netconf, "cniVersion", &c->cni_version, err);
	if (r < 0)
		return r;
	if (!c->cni_version && !(c->cni_version = strdup("0.1.0")))
		return -ENOMEM;
	ipam = godec_get(netconf, "ipam");
	if (!ipam)
		return errf(err, -EINVAL, "IPAM config missing 'ipam' key");
	r = dup_string(ipam, "dataDir", &c->data_dir, err);
	if (r < 0)
		return r;
	if (!c->data_dir && !(c->data_dir = strdup(IPAM_DEFAULT_DATA_DIR)))
		return -ENOMEM;
	*ret = TAKE_PTR(c);
	return 0;
}

struct ipam_config *ipam_config_free(struct ipam_config *c)
{
	if (!c)
		return NULL;
	for (size_t i = 0; i < c->n_sets; i++)
		range_set_done(&c->sets[i]);
	free(c->sets);
	free(c->routes);
	free(c->requested);
	free(c->name);
	free(c->cni_version);
	free(c->data_dir);
	free(c->resolv_conf);
	free(c);
	return NULL;
}

/* resolv.conf */

static int strv_push(char ***v, const char *s)
{
	size_t n = 0;
	char **nv, *d;

	while (*v && (*v)[n])
		n++;
	d = strdup(s);
	if (!d)
		return -ENOMEM;
	nv = realloc(*v, (n + 2) * sizeof(char *));
	if (!nv) {
		free(d);
		return -ENOMEM;
	}
	nv[n] = d;
	nv[n + 1] = NULL;
	*v = nv;
	return 0;
}

void ipam_dns_done(struct ipam_dns *d)
{
	strv_free(d->nameservers);
	strv_free(d->search);
	strv_free(d->options);
	free(d->domain);
	*d = (struct ipam_dns){};
}

int ipam_dns_parse_resolv_text(const char *text, struct ipam_dns *ret)
{
	_cleanup_free_ char *copy = strdup(text);
	struct ipam_dns d = {};
	char *line, *save = NULL;
	int r = 0;

	if (!copy)
		return -ENOMEM;
	/* Lines: "#"/";" comments; keyword plus at least one field, as the reference. */
	for (line = strtok_r(copy, "\n", &save); line && r >= 0;
	     line = strtok_r(NULL, "\n", &save)) {
		char *f[64], *s2 = NULL, *tok;
		size_t n = 0;

		line += strspn(line, " \t\r\v\f");
		if (!*line || *line == '#' || *line == ';')
			continue;
		for (tok = strtok_r(line, " \t\r\v\f", &s2); tok && n < ELEMENTSOF(f);
		     tok = strtok_r(NULL, " \t\r\v\f", &s2))
			f[n++] = tok;
		if (n < 2)
			continue;
		if (streq(f[0], "nameserver")) {
			r = strv_push(&d.nameservers, f[1]);
		} else if (streq(f[0], "domain")) {
			free(d.domain);
			d.domain = strdup(f[1]);
			if (!d.domain)
				r = -ENOMEM;
		} else if (streq(f[0], "search") || streq(f[0], "options")) {
			char ***dst = streq(f[0], "search") ? &d.search : &d.options;

			for (size_t i = 1; i < n && r >= 0; i++)
				r = strv_push(dst, f[i]);
		}
	}
	if (r < 0) {
		ipam_dns_done(&d);
		return r;
	}
	*ret = d;
	return 0;
}

int ipam_dns_parse_resolv_conf(const char *path, struct ipam_dns *ret)
{
	_cleanup_free_ char *text = NULL;
	int r;

	r = read_full_file(path, 1024 * 1024, &text, NULL);
	if (r < 0)
		return r;
	return ipam_dns_parse_resolv_text(text, ret);
}
