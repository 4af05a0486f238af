// SPDX-License-Identifier: Apache-2.0
/*
 * flannel-conf.c - subnet.env, the plugin config and the delegate config
 * (see flannel-conf.h). Messages follow the reference plugin's texts so
 * users searching for them find the same answers.
 */
#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "basic/fileio.h"
#include "basic/godec.h"
#include "basic/json-util.h"
#include "flannel-conf.h"
#include "gojson.h"
#include "skel/plugin-config.h"

/* subnet.env is a few lines; anything this large is not one. */
/* The reference wraps every ipam.routes problem in three layers of context. */
#define ROUTES_ERR                                                     \
	"failed to assemble Delegate IPAM: failed to read IPAM routes: " \
	"failed to parse ipam.routes: "
#define SUBNET_ENV_MAX (1024 * 1024)

void flannel_env_done(struct flannel_env *e)
{
	if (!e)
		return;
	free(e->networks);
	free(e->networks6);
	*e = (struct flannel_env){};
}

/* net.ParseCIDR: the network of a prefix written with any host address. */
static int parse_cidr(const char *s, struct ip_prefix *ret, struct cni_error *err)
{
	struct ip_prefix p;

	if (ip_prefix_parse(s, &p) < 0)
		return cni_error_set(err, CNI_ERR_INVALID_CONFIG, "invalid CIDR address: %s", s);
	ip_prefix_mask(&p);
	*ret = p;
	return 0;
}

/* A comma-separated list; the reference drops repeats of the same network. */
static int parse_cidr_list(const char *value, struct ip_prefix **ret, size_t *ret_n,
			   struct cni_error *err)
{
	_cleanup_free_ char *copy = strdup(value);
	_cleanup_free_ struct ip_prefix *list = NULL;
	size_t n = 0, max = 1;
	char *s, *next;
	int r;

	if (!copy)
		return -ENOMEM;
	for (const char *c = value; *c; c++)
		max += *c == ',';
	list = calloc(max, sizeof(*list));
	if (!list)
		return -ENOMEM;
	for (s = copy; s; s = next) {
		struct ip_prefix p;
		bool dup = false;

		next = strchr(s, ',');
		if (next)
			*next++ = 0;
		r = parse_cidr(s, &p, err);
		if (r < 0)
			return r;
		for (size_t i = 0; i < n && !dup; i++)
			dup = ip_prefix_equal(&list[i], &p);
		if (!dup)
			list[n++] = p;
	}
	free(*ret);
	*ret = TAKE_PTR(list);
	*ret_n = n;
	return 0;
}

/* strconv.ParseUint(s, 10, 32) */
static int parse_mtu(const char *s, unsigned *ret, struct cni_error *err)
{
	unsigned long long v = 0;

	if (!*s)
		goto bad;
	for (const char *c = s; *c; c++) {
		if (*c < '0' || *c > '9')
			goto bad;
		v = v * 10 + (unsigned)(*c - '0');
		if (v > UINT_MAX)
			return cni_error_set(err, CNI_ERR_INVALID_CONFIG, "strconv.ParseUint: "
					     "parsing \"%s\": value out of range", s);
	}
	*ret = (unsigned)v;
	return 0;
bad:
	return cni_error_set(err, CNI_ERR_INVALID_CONFIG,
			     "strconv.ParseUint: parsing \"%s\": invalid syntax", s);
}

static const char *const env_keys[] = {
	"FLANNEL_NETWORK", "FLANNEL_SUBNET", "FLANNEL_IPV6_NETWORK", "FLANNEL_IPV6_SUBNET",
	"FLANNEL_MTU", "FLANNEL_IPMASQ", NULL,
};

static int parse_line(char *line, struct flannel_env *e, struct cni_error *err)
{
	char *value = strchr(line, '=');
	bool known = false;

	if (value)
		*value++ = 0;
	for (size_t i = 0; env_keys[i]; i++)
		known = known || streq(line, env_keys[i]);
	if (!known)
		return 0;
	if (!value) /* the reference indexes past the end here and crashes */
		return cni_error_set(err, CNI_ERR_INVALID_CONFIG, "%s has no value", line);

	if (streq(line, "FLANNEL_NETWORK"))
		return parse_cidr_list(value, &e->networks, &e->n_networks, err);
	if (streq(line, "FLANNEL_IPV6_NETWORK"))
		return parse_cidr_list(value, &e->networks6, &e->n_networks6, err);
	if (streq(line, "FLANNEL_SUBNET")) {
		e->has_subnet = true;
		return parse_cidr(value, &e->subnet, err);
	}
	if (streq(line, "FLANNEL_IPV6_SUBNET")) {
		e->has_subnet6 = true;
		return parse_cidr(value, &e->subnet6, err);
	}
	if (streq(line, "FLANNEL_MTU")) {
		e->has_mtu = true;
		return parse_mtu(value, &e->mtu, err);
	}
	/* FLANNEL_IPMASQ: anything but exactly "true" is false, as in the reference */
	e->has_ipmasq = true;
	e->ipmasq = streq(value, "true");
	return 0;
}

int flannel_env_parse(const char *data, size_t len, const char *path, struct flannel_env *ret,
		      struct cni_error *err)
{
	_cleanup_free_ char *copy = NULL;
	struct flannel_env e = {};
	char missing[160] = "";
	char *line, *next;
	int r = 0;

	if (memchr(data, 0, len))
		return cni_error_set(err, CNI_ERR_INVALID_CONFIG, "%s: not a text file", path);
	copy = strndup(data, len);
	if (!copy)
		return -ENOMEM;
	/* bufio.ScanLines: split at \n, drop one trailing \r, no empty last line */
	for (line = copy; *line; line = next) {
		size_t l;

		next = strchr(line, '\n');
		if (next)
			*next++ = 0;
		else
			next = line + strlen(line);
		l = strlen(line);
		if (l && line[l - 1] == '\r')
			line[l - 1] = 0;
		r = parse_line(line, &e, err);
		if (r < 0)
			goto fail;
	}

	if (!e.n_networks && !e.n_networks6)
		strcat(missing, ", FLANNEL_NETWORK, FLANNEL_IPV6_NETWORK");
	if (!e.has_subnet && !e.has_subnet6)
		strcat(missing, ", FLANNEL_SUBNET, FLANNEL_IPV6_SUBNET");
	if (!e.has_mtu)
		strcat(missing, ", FLANNEL_MTU");
	if (!e.has_ipmasq)
		strcat(missing, ", FLANNEL_IPMASQ");
	if (missing[0]) {
		r = cni_error_set(err, CNI_ERR_INVALID_CONFIG, "%s is missing %s", path,
				  missing + 2);
		goto fail;
	}
	*ret = e;
	return 0;
fail:
	flannel_env_done(&e);
	return r;
}

int flannel_env_load(const char *path, struct flannel_env *ret, struct cni_error *err)
{
	_cleanup_free_ char *data = NULL;
	size_t len;
	int r;

	r = read_full_file(path, SUBNET_ENV_MAX, &data, &len);
	if (r < 0) {
		cni_error_set(err, CNI_ERR_IO, "open %s: %s", path, strerror(-r));
		return r;
	}
	return flannel_env_parse(data, len, path, ret, err);
}

int flannel_conf_parse(const json_t *config, struct flannel_conf *ret, struct cni_error *err)
{
	struct flannel_conf c = {
		.name = "",
		.subnet_file = FLANNEL_DEFAULT_SUBNET_FILE,
		.data_dir = FLANNEL_DEFAULT_DATA_DIR,
	};
	int r;

	const struct godec d = skel_godec(err, "failed to load netconf: ", "NetConf");
	static const char *const map = "map[string]interface {}";

	if (!json_is_object(config))
		return cni_error_set(err, CNI_ERR_DECODE, "failed to load netconf: not an object");
	if ((r = godec_string(&d, config, "name", &c.name, NULL)) < 0 ||
	    (r = godec_string(&d, config, "cniVersion", &c.cni_version, NULL)) < 0 ||
	    (r = godec_string(&d, config, "subnetFile", &c.subnet_file, NULL)) < 0 ||
	    (r = godec_string(&d, config, "dataDir", &c.data_dir, NULL)) < 0 ||
	    (r = godec_object(&d, config, "delegate", map, &c.delegate)) < 0 ||
	    (r = godec_object(&d, config, "ipam", map, &c.ipam)) < 0 ||
	    (r = godec_object(&d, config, "runtimeConfig", map, &c.runtime_config)) < 0)
		return r;
	cni_error_clear(err);
	if (c.cni_version && !*c.cni_version)
		c.cni_version = NULL;
	if (!*c.subnet_file)
		c.subnet_file = FLANNEL_DEFAULT_SUBNET_FILE;
	if (!*c.data_dir)
		c.data_dir = FLANNEL_DEFAULT_DATA_DIR;
	*ret = c;
	return 0;
}

static int set_new(json_t *o, const char *key, json_t *v)
{
	/* json_object_set_new consumes v even on failure */
	return v && json_object_set_new(o, key, v) == 0 ? 0 : -ENOMEM;
}

static int route_int(const json_t *in, const char *key, bool *present, json_int_t *ret,
		     struct cni_error *err)
{
	/* types.Route decodes through its private struct "route" */
	const struct godec d = { .prefix = ROUTES_ERR, .strct = "route", .path = "",
				 .msg = err->msg, .msg_size = sizeof(err->msg) };
	int64_t v = 0;
	int r;

	*present = false;
	r = godec_int(&d, in, key, "int", INT64_MIN, INT64_MAX, &v, present);
	if (r < 0) {
		err->code = CNI_ERR_INVALID_CONFIG;
		return r;
	}
	*ret = v;
	return 0;
}

/* One types.Route read and written back: dst/gw canonical, zero ints and unknown keys
 * dropped, fields in the struct's order. */
static int route_normalize(const json_t *in, json_t **ret, struct cni_error *err)
{
	static const char *const ints[] = { "mtu", "advmss", "priority", "table", "scope" };
	_cleanup_json_ json_t *out = json_object();
	const char *dst, *gw;
	char buf[IP_PREFIX_STRLEN];
	struct ip_prefix p;
	struct ip_addr a;
	int r;

	if (!out)
		return -ENOMEM;
	if (!json_is_object(in))
		return cni_error_set(err, CNI_ERR_INVALID_CONFIG,
				     ROUTES_ERR "json: cannot unmarshal %s into "
				     "Go value of type types.Route",
				     godec_kind(in));
	dst = json_string_value(godec_get(in, "dst"));
	/* types.ParseCIDR keeps the address as written (10.1.2.3/16 stays so) */
	if (!dst || ip_prefix_parse(dst, &p) < 0)
		return cni_error_set(err, CNI_ERR_INVALID_CONFIG,
				     ROUTES_ERR "invalid CIDR address: %s",
				     dst ? dst : "");
	r = set_new(out, "dst", json_string(ip_prefix_to_string(&p, buf)));
	if (r < 0)
		return r;
	gw = json_string_value(godec_get(in, "gw"));
	if (godec_get(in, "gw")) {
		if (!gw || ip_addr_parse(gw, &a) < 0)
			return cni_error_set(err, CNI_ERR_INVALID_CONFIG,
					     ROUTES_ERR "invalid IP address: %s",
					     gw ? gw : "");
		r = set_new(out, "gw", json_string(ip_addr_to_string(&a, buf)));
		if (r < 0)
			return r;
	}
	for (size_t i = 0; i < ELEMENTSOF(ints); i++) {
		json_int_t v = 0;
		bool present;

		r = route_int(in, ints[i], &present, &v, err);
		if (r < 0)
			return r;
		/* mtu/advmss/priority are omitempty ints; table/scope are pointers */
		if (!present || (i < 3 && v == 0))
			continue;
		r = set_new(out, ints[i], json_integer(v));
		if (r < 0)
			return r;
	}
	*ret = TAKE_PTR(out);
	return 0;
}

static int add_range(json_t *ranges, const struct ip_prefix *subnet)
{
	char buf[IP_PREFIX_STRLEN];
	json_t *set = json_pack("[{s:s}]", "subnet", ip_prefix_to_string(subnet, buf));

	return set && json_array_append_new(ranges, set) == 0 ? 0 : -ENOMEM;
}

static int add_network_routes(json_t *routes, const struct ip_prefix *nets, size_t n)
{
	char buf[IP_PREFIX_STRLEN];

	for (size_t i = 0; i < n; i++) {
		json_t *rt = json_pack("{s:s}", "dst", ip_prefix_to_string(&nets[i], buf));

		if (!rt || json_array_append_new(routes, rt) < 0)
			return -ENOMEM;
	}
	return 0;
}

static int build_ipam(const struct flannel_conf *c, const struct flannel_env *env,
		      json_t **ret, struct cni_error *err)
{
	_cleanup_json_ json_t *ipam = c->ipam ? json_deep_copy(c->ipam) : json_object();
	_cleanup_json_ json_t *ranges = json_array(), *routes = json_array();
	const json_t *in_routes = c->ipam ? godec_map_get(c->ipam, "routes") : NULL;
	int r;

	if (!ipam || !ranges || !routes)
		return -ENOMEM;
	if (!godec_map_get(ipam, "type") && set_new(ipam, "type", json_string("host-local")) < 0)
		return -ENOMEM;
	if (env->has_subnet && (r = add_range(ranges, &env->subnet)) < 0)
		return r;
	if (env->has_subnet6 && (r = add_range(ranges, &env->subnet6)) < 0)
		return r;
	if (in_routes && !json_is_null(in_routes)) {
		size_t i;
		json_t *rt;

		if (!json_is_array(in_routes))
			return cni_error_set(err, CNI_ERR_INVALID_CONFIG,
					     ROUTES_ERR "json: cannot unmarshal %s into Go value "
					     "of type []types.Route",
					     godec_kind(in_routes));
		json_array_foreach(in_routes, i, rt) {
			json_t *out = NULL;

			r = route_normalize(rt, &out, err);
			if (r < 0)
				return r;
			if (json_array_append_new(routes, out) < 0)
				return -ENOMEM;
		}
	}
	if ((r = add_network_routes(routes, env->networks, env->n_networks)) < 0 ||
	    (r = add_network_routes(routes, env->networks6, env->n_networks6)) < 0)
		return r;
	if (json_object_set(ipam, "ranges", ranges) < 0 ||
	    json_object_set(ipam, "routes", routes) < 0)
		return -ENOMEM;
	*ret = TAKE_PTR(ipam);
	return 0;
}

int flannel_delegate_build(const struct flannel_conf *c, const struct flannel_env *env,
			   json_t **ret, struct cni_error *err)
{
	_cleanup_json_ json_t *d = c->delegate ? json_deep_copy(c->delegate) : json_object();
	json_t *type, *ipam = NULL;
	int r;

	if (!d)
		return -ENOMEM;
	type = godec_map_get(d, "type");
	if (type && !json_is_string(type))
		return cni_error_set(err, CNI_ERR_INVALID_CONFIG,
				     "'delegate' dictionary, if present, must have (string) 'type' "
				     "field");
	if (godec_map_get(d, "name"))
		return cni_error_set(err, CNI_ERR_INVALID_CONFIG,
				     "'delegate' dictionary must not have 'name' field, it'll be "
				     "set by flannel");
	if (godec_map_get(d, "ipam"))
		return cni_error_set(err, CNI_ERR_INVALID_CONFIG,
				     "'delegate' dictionary must not have 'ipam' field, it'll be "
				     "set by flannel");
	if (c->runtime_config &&
	    set_new(d, "runtimeConfig", json_deep_copy(c->runtime_config)) < 0)
		return -ENOMEM;
	if (set_new(d, "name", json_string(c->name)) < 0)
		return -ENOMEM;
	if (!type && set_new(d, "type", json_string("bridge")) < 0)
		return -ENOMEM;
	/* if flannel is not masquerading, the bridge should */
	if (!godec_map_get(d, "ipMasq") && set_new(d, "ipMasq", json_boolean(!env->ipmasq)) < 0)
		return -ENOMEM;
	if (!godec_map_get(d, "mtu") && set_new(d, "mtu", json_integer(env->mtu)) < 0)
		return -ENOMEM;
	if (streq(json_string_value(godec_map_get(d, "type")), "bridge") &&
	    !godec_map_get(d, "isGateway") && set_new(d, "isGateway", json_true()) < 0)
		return -ENOMEM;
	if (c->cni_version && set_new(d, "cniVersion", json_string(c->cni_version)) < 0)
		return -ENOMEM;
	r = build_ipam(c, env, &ipam, err);
	if (r < 0)
		return r;
	if (set_new(d, "ipam", ipam) < 0)
		return -ENOMEM;
	*ret = TAKE_PTR(d);
	return 0;
}

int flannel_ipam_only_build(const struct flannel_conf *c, json_t **ret, struct cni_error *err)
{
	_cleanup_json_ json_t *conf = json_object(), *ipam = json_object();
	const char *type = c->ipam ? json_string_value(godec_map_get(c->ipam, "type")) : NULL;
	const char *data_dir = c->ipam ? json_string_value(godec_map_get(c->ipam, "dataDir")) : NULL;
	json_t *ranges;

	if (!conf || !ipam)
		return -ENOMEM;
	if (c->ipam && godec_map_get(c->ipam, "type") && (!type || !streq(type, "host-local")))
		return -EOPNOTSUPP;
	/* TEST-NET-1 (RFC 5737): never a real pod network, only there to be a valid range */
	ranges = json_pack("[[{s:s}]]", "subnet", "192.0.2.0/24");
	if (set_new(ipam, "type", json_string("host-local")) < 0 ||
	    set_new(ipam, "ranges", ranges) < 0 ||
	    (data_dir && set_new(ipam, "dataDir", json_string(data_dir)) < 0))
		return -ENOMEM;
	if ((c->cni_version && set_new(conf, "cniVersion", json_string(c->cni_version)) < 0) ||
	    set_new(conf, "name", json_string(c->name)) < 0 ||
	    json_object_set(conf, "ipam", ipam) < 0)
		return -ENOMEM;
	*ret = TAKE_PTR(conf);
	return 0;
}

static bool is_route(const json_t *o, void *userdata)
{
	const json_t *routes = userdata;
	size_t i;
	json_t *rt;

	json_array_foreach(routes, i, rt)
		if (rt == o)
			return true;
	return false;
}

char *flannel_delegate_dumps(const json_t *delegate)
{
	json_t *routes = godec_map_get(godec_map_get(delegate, "ipam"), "routes");

	return gojson_dumps(delegate, json_is_array(routes) ? is_route : NULL, routes);
}
