// SPDX-License-Identifier: Apache-2.0
/*
 * result.c - CNI results: parse any spec version into one typed model and
 * render any version with the reference's conversion rules.
 *
 * The model holds the union of what every version can express. Parsing only
 * reads the keys the source version defines (so a 0.4.0 result never grows a
 * 1.1.0 interface mtu); rendering writes the keys of the target version in
 * the reference's struct order, omitting empty optional keys. "dns" is always
 * written, as the reference (types.DNS is a struct, never omitted) does.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "basic/json-util.h"
#include "libcni/result.h"
#include "libcni/version.h"

enum family_gen { GEN_02X, GEN_04X, GEN_1X };

static int version_gen(const char *v, enum family_gen *ret)
{
	if (!v)
		return -EINVAL;
	if (streq(v, "0.1.0") || streq(v, "0.2.0"))
		*ret = GEN_02X;
	else if (streq(v, "0.3.0") || streq(v, "0.3.1") || streq(v, "0.4.0"))
		*ret = GEN_04X;
	else if (streq(v, "1.0.0") || streq(v, "1.1.0"))
		*ret = GEN_1X;
	else
		return -EINVAL;
	return 0;
}

static void dns_done(struct cni_dns *d)
{
	strv_free(d->nameservers);
	free(d->domain);
	strv_free(d->search);
	strv_free(d->options);
	*d = (struct cni_dns){};
}

static void interface_done(struct cni_interface *i)
{
	free(i->name);
	free(i->mac);
	free(i->sandbox);
	free(i->socket_path);
	free(i->pci_id);
}

struct cni_result *cni_result_free(struct cni_result *r)
{
	if (!r)
		return NULL;
	free(r->cni_version);
	for (size_t i = 0; i < r->n_interfaces; i++)
		interface_done(&r->interfaces[i]);
	free(r->interfaces);
	free(r->ips);
	free(r->routes);
	dns_done(&r->dns);
	free(r);
	return NULL;
}

struct cni_result *cni_result_new(void)
{
	struct cni_result *r = calloc(1, sizeof(*r));

	if (!r)
		return NULL;
	r->cni_version = strdup(CNI_VERSION_LATEST);
	if (!r->cni_version)
		return cni_result_free(r);
	return r;
}

int cni_result_set_version(struct cni_result *r, const char *version)
{
	char *v = strdup(version);

	if (!v)
		return -ENOMEM;
	free(r->cni_version);
	r->cni_version = v;
	return 0;
}

static int strdup_opt(const char *s, char **ret)
{
	if (!s || !*s) {
		*ret = NULL;
		return 0;
	}
	*ret = strdup(s);
	return *ret ? 0 : -ENOMEM;
}

static char **strv_dup(char *const *v)
{
	size_t n = 0;
	char **c;

	if (!v)
		return NULL;
	while (v[n])
		n++;
	c = calloc(n + 1, sizeof(char *));
	if (!c)
		return NULL;
	for (size_t i = 0; i < n; i++) {
		c[i] = strdup(v[i]);
		if (!c[i]) {
			strv_free(c);
			return NULL;
		}
	}
	return c;
}

int cni_result_add_interface(struct cni_result *r, const char *name, const char *mac,
			     const char *sandbox)
{
	struct cni_interface *n, i = {};

	n = reallocarray(r->interfaces, r->n_interfaces + 1, sizeof(*n));
	if (!n)
		return -ENOMEM;
	r->interfaces = n;
	i.name = strdup(name ? name : "");
	if (!i.name || strdup_opt(mac, &i.mac) < 0 || strdup_opt(sandbox, &i.sandbox) < 0) {
		interface_done(&i);
		return -ENOMEM;
	}
	r->interfaces[r->n_interfaces] = i;
	return (int)r->n_interfaces++;
}

int cni_result_add_ip(struct cni_result *r, const struct ip_prefix *addr,
		      const struct ip_addr *gw, int iface)
{
	struct cni_ipconfig *n;

	n = reallocarray(r->ips, r->n_ips + 1, sizeof(*n));
	if (!n)
		return -ENOMEM;
	r->ips = n;
	r->ips[r->n_ips] = (struct cni_ipconfig){
		.address = *addr,
		.interface = iface < 0 ? -1 : iface,
	};
	if (gw)
		r->ips[r->n_ips].gateway = *gw;
	return (int)r->n_ips++;
}

int cni_result_add_route(struct cni_result *r, const struct ip_prefix *dst,
			 const struct ip_addr *gw)
{
	struct cni_route *n;

	n = reallocarray(r->routes, r->n_routes + 1, sizeof(*n));
	if (!n)
		return -ENOMEM;
	r->routes = n;
	r->routes[r->n_routes] = (struct cni_route){ .dst = *dst };
	if (gw)
		r->routes[r->n_routes].gw = *gw;
	return (int)r->n_routes++;
}

struct cni_result *cni_result_dup(const struct cni_result *r)
{
	_cleanup_(cni_result_freep) struct cni_result *c = calloc(1, sizeof(*c));

	if (!c)
		return NULL;
	if (strdup_opt(r->cni_version, &c->cni_version) < 0)
		return NULL;
	for (size_t i = 0; i < r->n_interfaces; i++) {
		const struct cni_interface *s = &r->interfaces[i];
		int k = cni_result_add_interface(c, s->name, s->mac, s->sandbox);

		if (k < 0)
			return NULL;
		c->interfaces[k].mtu = s->mtu;
		if (strdup_opt(s->socket_path, &c->interfaces[k].socket_path) < 0 ||
		    strdup_opt(s->pci_id, &c->interfaces[k].pci_id) < 0)
			return NULL;
	}
	if (r->n_ips) {
		c->ips = calloc(r->n_ips, sizeof(*c->ips));
		if (!c->ips)
			return NULL;
		memcpy(c->ips, r->ips, r->n_ips * sizeof(*c->ips));
		c->n_ips = r->n_ips;
	}
	if (r->n_routes) {
		c->routes = calloc(r->n_routes, sizeof(*c->routes));
		if (!c->routes)
			return NULL;
		memcpy(c->routes, r->routes, r->n_routes * sizeof(*c->routes));
		c->n_routes = r->n_routes;
	}
	if ((r->dns.nameservers && !(c->dns.nameservers = strv_dup(r->dns.nameservers))) ||
	    strdup_opt(r->dns.domain, &c->dns.domain) < 0 ||
	    (r->dns.search && !(c->dns.search = strv_dup(r->dns.search))) ||
	    (r->dns.options && !(c->dns.options = strv_dup(r->dns.options))))
		return NULL;
	return TAKE_PTR(c);
}

/* ---- parsing ---- */

/* Absent and null are the same to the reference's decoder (zero value). */
static json_t *member(const json_t *o, const char *key)
{
	json_t *v = json_object_get(o, key);

	return json_is_null(v) ? NULL : v;
}

static int get_string(const json_t *o, const char *key, const char *what, const char **ret,
		      struct cni_error *err)
{
	json_t *v = member(o, key);

	if (!v) {
		*ret = NULL;
		return 0;
	}
	if (!json_is_string(v))
		return cni_error_set(err, CNI_ERR_DECODE, "%s: \"%s\" must be a string", what, key);
	*ret = json_string_value(v);
	return 0;
}

static int get_int(const json_t *o, const char *key, const char *what, bool *ret_has,
		   int *ret, struct cni_error *err)
{
	json_t *v = member(o, key);

	*ret_has = false;
	*ret = 0;
	if (!v)
		return 0;
	if (!json_is_integer(v) || json_integer_value(v) < INT32_MIN ||
	    json_integer_value(v) > INT32_MAX)
		return cni_error_set(err, CNI_ERR_DECODE, "%s: \"%s\" must be an integer", what,
				     key);
	*ret_has = true;
	*ret = (int)json_integer_value(v);
	return 0;
}

static int get_prefix(const json_t *o, const char *key, const char *what, bool required,
		      struct ip_prefix *ret, struct cni_error *err)
{
	const char *s;
	int r = get_string(o, key, what, &s, err);

	if (r < 0)
		return r;
	if (!s) {
		if (required)
			return cni_error_set(err, CNI_ERR_DECODE, "%s: missing \"%s\"", what, key);
		*ret = (struct ip_prefix){};
		return 0;
	}
	if (ip_prefix_parse(s, ret) < 0)
		return cni_error_set(err, CNI_ERR_DECODE, "%s: invalid CIDR address: %.200s", what,
				     s);
	return 0;
}

static int get_addr(const json_t *o, const char *key, const char *what, struct ip_addr *ret,
		    struct cni_error *err)
{
	const char *s;
	int r = get_string(o, key, what, &s, err);

	*ret = (struct ip_addr){};
	if (r < 0)
		return r;
	/* An empty string decodes to "no IP" in the reference. */
	if (!s || !*s)
		return 0;
	if (ip_addr_parse(s, ret) < 0)
		return cni_error_set(err, CNI_ERR_DECODE, "%s: invalid IP address: %.200s", what,
				     s);
	return 0;
}

static int get_strv(const json_t *o, const char *key, char ***ret, struct cni_error *err)
{
	json_t *v = member(o, key), *e;
	_cleanup_strv_free_ char **l = NULL;
	size_t i;

	*ret = NULL;
	if (!v)
		return 0;
	if (!json_is_array(v))
		return cni_error_set(err, CNI_ERR_DECODE, "dns: \"%s\" must be a list of strings",
				     key);
	l = calloc(json_array_size(v) + 1, sizeof(char *));
	if (!l)
		return -ENOMEM;
	json_array_foreach(v, i, e) {
		if (!json_is_string(e))
			return cni_error_set(err, CNI_ERR_DECODE,
					     "dns: \"%s\" must be a list of strings", key);
		l[i] = strdup(json_string_value(e));
		if (!l[i])
			return -ENOMEM;
	}
	*ret = TAKE_PTR(l);
	return 0;
}

static int parse_dns(const json_t *j, struct cni_dns *d, struct cni_error *err)
{
	json_t *o = member(j, "dns");
	const char *domain;
	int r;

	if (!o)
		return 0;
	if (!json_is_object(o))
		return cni_error_set(err, CNI_ERR_DECODE, "\"dns\" must be an object");
	r = get_strv(o, "nameservers", &d->nameservers, err);
	if (r < 0)
		return r;
	r = get_string(o, "domain", "dns", &domain, err);
	if (r < 0)
		return r;
	if (strdup_opt(domain, &d->domain) < 0)
		return -ENOMEM;
	r = get_strv(o, "search", &d->search, err);
	if (r < 0)
		return r;
	return get_strv(o, "options", &d->options, err);
}

static int parse_route(const json_t *o, struct cni_route *rt, struct cni_error *err)
{
	bool has;
	int r;

	if (!json_is_object(o))
		return cni_error_set(err, CNI_ERR_DECODE, "route: must be an object");
	*rt = (struct cni_route){};
	r = get_prefix(o, "dst", "route", true, &rt->dst, err);
	if (r < 0)
		return r;
	r = get_addr(o, "gw", "route", &rt->gw, err);
	if (r < 0)
		return r;
	if ((r = get_int(o, "mtu", "route", &has, &rt->mtu, err)) < 0 ||
	    (r = get_int(o, "advmss", "route", &has, &rt->advmss, err)) < 0 ||
	    (r = get_int(o, "priority", "route", &has, &rt->priority, err)) < 0 ||
	    (r = get_int(o, "table", "route", &rt->has_table, &rt->table, err)) < 0 ||
	    (r = get_int(o, "scope", "route", &rt->has_scope, &rt->scope, err)) < 0)
		return r;
	return 0;
}

static int parse_routes(const json_t *arr, struct cni_result *res, struct cni_error *err)
{
	json_t *e;
	size_t i;

	if (!arr)
		return 0;
	if (!json_is_array(arr))
		return cni_error_set(err, CNI_ERR_DECODE, "\"routes\" must be a list");
	json_array_foreach(arr, i, e) {
		struct cni_route rt;
		int r = parse_route(e, &rt, err);

		if (r < 0)
			return r;
		r = cni_result_add_route(res, &rt.dst, NULL);
		if (r < 0)
			return r;
		res->routes[r] = rt;
	}
	return 0;
}

static int parse_02x_ip(const json_t *j, const char *key, int family, struct cni_result *res,
			const json_t **ret_routes, struct cni_error *err)
{
	json_t *o = member(j, key);
	struct ip_prefix p;
	struct ip_addr gw;
	int r;

	*ret_routes = NULL;
	if (!o)
		return 0;
	if (!json_is_object(o))
		return cni_error_set(err, CNI_ERR_DECODE, "\"%s\" must be an object", key);
	r = get_prefix(o, "ip", key, true, &p, err);
	if (r < 0)
		return r;
	if (p.addr.family != family)
		return cni_error_set(err, CNI_ERR_DECODE, "%s: address %s is of the wrong family",
				     key, json_string_value(json_object_get(o, "ip")));
	r = get_addr(o, "gateway", key, &gw, err);
	if (r < 0)
		return r;
	r = cni_result_add_ip(res, &p, gw.family ? &gw : NULL, -1);
	if (r < 0)
		return r;
	*ret_routes = member(o, "routes");
	return 0;
}

static int parse_02x(const json_t *j, struct cni_result *res, struct cni_error *err)
{
	const json_t *r4, *r6;
	int r;

	r = parse_02x_ip(j, "ip4", AF_INET, res, &r4, err);
	if (r < 0)
		return r;
	r = parse_02x_ip(j, "ip6", AF_INET6, res, &r6, err);
	if (r < 0)
		return r;
	r = parse_routes(r4, res, err);
	if (r < 0)
		return r;
	return parse_routes(r6, res, err);
}

static int parse_interfaces(const json_t *j, bool v1x, struct cni_result *res,
			    struct cni_error *err)
{
	json_t *arr = member(j, "interfaces"), *o;
	size_t i;

	if (!arr)
		return 0;
	if (!json_is_array(arr))
		return cni_error_set(err, CNI_ERR_DECODE, "\"interfaces\" must be a list");
	json_array_foreach(arr, i, o) {
		const char *name, *mac, *sandbox, *sock = NULL, *pci = NULL;
		bool has;
		int mtu = 0, k, r;

		if (!json_is_object(o))
			return cni_error_set(err, CNI_ERR_DECODE, "interface: must be an object");
		if ((r = get_string(o, "name", "interface", &name, err)) < 0 ||
		    (r = get_string(o, "mac", "interface", &mac, err)) < 0 ||
		    (r = get_string(o, "sandbox", "interface", &sandbox, err)) < 0)
			return r;
		if (v1x) {
			if ((r = get_int(o, "mtu", "interface", &has, &mtu, err)) < 0 ||
			    (r = get_string(o, "socketPath", "interface", &sock, err)) < 0 ||
			    (r = get_string(o, "pciID", "interface", &pci, err)) < 0)
				return r;
			if (mtu < 0)
				return cni_error_set(err, CNI_ERR_DECODE,
						     "interface: \"mtu\" must not be negative");
		}
		k = cni_result_add_interface(res, name, mac, sandbox);
		if (k < 0)
			return k;
		res->interfaces[k].mtu = (unsigned)mtu;
		if (strdup_opt(sock, &res->interfaces[k].socket_path) < 0 ||
		    strdup_opt(pci, &res->interfaces[k].pci_id) < 0)
			return -ENOMEM;
	}
	return 0;
}

static int parse_ips(const json_t *j, struct cni_result *res, struct cni_error *err)
{
	json_t *arr = member(j, "ips"), *o;
	size_t i;

	if (!arr)
		return 0;
	if (!json_is_array(arr))
		return cni_error_set(err, CNI_ERR_DECODE, "\"ips\" must be a list");
	json_array_foreach(arr, i, o) {
		struct ip_prefix p;
		struct ip_addr gw;
		bool has;
		int iface, r;

		if (!json_is_object(o))
			return cni_error_set(err, CNI_ERR_DECODE, "ip: must be an object");
		/* "version" (0.3.x/0.4.0) is derived from the address when rendering, as the
		 * reference does when it converts from 1.x, so it is not read here. */
		if ((r = get_prefix(o, "address", "ip", true, &p, err)) < 0 ||
		    (r = get_addr(o, "gateway", "ip", &gw, err)) < 0 ||
		    (r = get_int(o, "interface", "ip", &has, &iface, err)) < 0)
			return r;
		if (has && iface < 0)
			return cni_error_set(err, CNI_ERR_DECODE,
					     "ip: \"interface\" must not be negative");
		r = cni_result_add_ip(res, &p, gw.family ? &gw : NULL, has ? iface : -1);
		if (r < 0)
			return r;
	}
	return 0;
}

int cni_result_from_json(const json_t *j, const char *default_version, struct cni_result **ret,
			 struct cni_error *err)
{
	_cleanup_(cni_result_freep) struct cni_result *res = NULL;
	const char *version;
	enum family_gen gen;
	int r;

	if (!json_is_object(j))
		return cni_error_set(err, CNI_ERR_DECODE, "result must be a JSON object");
	r = get_string(j, "cniVersion", "result", &version, err);
	if (r < 0)
		return r;
	if (!version || !*version)
		version = default_version ? default_version : CNI_VERSION_LATEST;
	if (version_gen(version, &gen) < 0)
		return cni_error_set(err, CNI_ERR_INCOMPATIBLE_VERSION,
				     "unsupported CNI result version \"%.100s\"", version);

	res = calloc(1, sizeof(*res));
	if (!res)
		return -ENOMEM;
	res->cni_version = strdup(version);
	if (!res->cni_version)
		return -ENOMEM;

	switch (gen) {
	case GEN_02X:
		r = parse_02x(j, res, err);
		break;
	case GEN_04X:
	case GEN_1X:
		r = parse_interfaces(j, gen == GEN_1X, res, err);
		if (r >= 0)
			r = parse_ips(j, res, err);
		if (r >= 0)
			r = parse_routes(member(j, "routes"), res, err);
		break;
	}
	if (r < 0)
		return r;
	r = parse_dns(j, &res->dns, err);
	if (r < 0)
		return r;
	*ret = TAKE_PTR(res);
	return 0;
}

/* ---- rendering ---- */

static int set_str(json_t *o, const char *key, const char *v)
{
	return json_object_set_new(o, key, json_string(v)) < 0 ? -ENOMEM : 0;
}

static int set_str_opt(json_t *o, const char *key, const char *v)
{
	return v && *v ? set_str(o, key, v) : 0;
}

static int set_int(json_t *o, const char *key, json_int_t v)
{
	return json_object_set_new(o, key, json_integer(v)) < 0 ? -ENOMEM : 0;
}

static int set_addr_opt(json_t *o, const char *key, const struct ip_addr *a)
{
	char buf[IP_ADDR_STRLEN];

	if (!a->family)
		return 0;
	return set_str(o, key, ip_addr_to_string(a, buf));
}

static int set_prefix(json_t *o, const char *key, const struct ip_prefix *p)
{
	char buf[IP_PREFIX_STRLEN];

	return set_str(o, key, ip_prefix_to_string(p, buf));
}

static int set_strv_opt(json_t *o, const char *key, char *const *v)
{
	json_t *a;

	if (!v || !*v)
		return 0;
	a = json_array();
	if (!a || json_object_set_new(o, key, a) < 0)
		return -ENOMEM;
	for (; *v; v++)
		if (json_array_append_new(a, json_string(*v)) < 0)
			return -ENOMEM;
	return 0;
}

static int render_dns(json_t *o, const struct cni_dns *d)
{
	json_t *dns = json_object();

	if (!dns || json_object_set_new(o, "dns", dns) < 0)
		return -ENOMEM;
	if (set_strv_opt(dns, "nameservers", d->nameservers) < 0 ||
	    set_str_opt(dns, "domain", d->domain) < 0 ||
	    set_strv_opt(dns, "search", d->search) < 0 ||
	    set_strv_opt(dns, "options", d->options) < 0)
		return -ENOMEM;
	return 0;
}

static json_t *render_route(const struct cni_route *rt, bool full)
{
	_cleanup_json_ json_t *o = json_object();

	if (!o || set_prefix(o, "dst", &rt->dst) < 0 || set_addr_opt(o, "gw", &rt->gw) < 0)
		return NULL;
	if (!full)
		return TAKE_PTR(o);
	if ((rt->mtu && set_int(o, "mtu", rt->mtu) < 0) ||
	    (rt->advmss && set_int(o, "advmss", rt->advmss) < 0) ||
	    (rt->priority && set_int(o, "priority", rt->priority) < 0) ||
	    (rt->has_table && set_int(o, "table", rt->table) < 0) ||
	    (rt->has_scope && set_int(o, "scope", rt->scope) < 0))
		return NULL;
	return TAKE_PTR(o);
}

static int render_routes(json_t *o, const struct cni_route *routes, size_t n, int family,
			 bool full)
{
	json_t *a = NULL;

	for (size_t i = 0; i < n; i++) {
		json_t *rt;

		if (family && routes[i].dst.addr.family != family)
			continue;
		if (!a) {
			a = json_array();
			if (!a || json_object_set_new(o, "routes", a) < 0)
				return -ENOMEM;
		}
		rt = render_route(&routes[i], full);
		if (!rt || json_array_append_new(a, rt) < 0)
			return -ENOMEM;
	}
	return 0;
}

static int render_02x(const struct cni_result *r, json_t *o, bool from_02x,
		      struct cni_error *err)
{
	static const struct {
		const char *key;
		int family;
	} fams[] = { { "ip4", AF_INET }, { "ip6", AF_INET6 } };
	bool any = false;

	for (size_t f = 0; f < ELEMENTSOF(fams); f++) {
		const struct cni_ipconfig *ip = NULL;
		json_t *c;

		/* Only the first address of each family fits. */
		for (size_t i = 0; i < r->n_ips && !ip; i++)
			if (r->ips[i].address.addr.family == fams[f].family)
				ip = &r->ips[i];
		if (!ip)
			continue;
		any = true;
		c = json_object();
		if (!c || json_object_set_new(o, fams[f].key, c) < 0 ||
		    set_prefix(c, "ip", &ip->address) < 0 ||
		    set_addr_opt(c, "gateway", &ip->gateway) < 0)
			return -ENOMEM;
		/* Down-conversion keeps only dst and gw of each route; a 0.1/0.2 result
		 * rendered in 0.1/0.2 is passed through whole, as the reference does. */
		if (render_routes(c, r->routes, r->n_routes, fams[f].family, from_02x) < 0)
			return -ENOMEM;
	}
	if (!any && !from_02x)
		return cni_error_set(err, CNI_ERR_INCOMPATIBLE_VERSION,
				     "cannot convert: no valid IP addresses");
	return 0;
}

static int render_interfaces(const struct cni_result *r, json_t *o, bool v1x)
{
	json_t *a;

	if (r->n_interfaces == 0)
		return 0;
	a = json_array();
	if (!a || json_object_set_new(o, "interfaces", a) < 0)
		return -ENOMEM;
	for (size_t i = 0; i < r->n_interfaces; i++) {
		const struct cni_interface *in = &r->interfaces[i];
		json_t *c = json_object();

		if (!c || json_array_append_new(a, c) < 0)
			return -ENOMEM;
		if (set_str(c, "name", in->name ? in->name : "") < 0 ||
		    set_str_opt(c, "mac", in->mac) < 0)
			return -ENOMEM;
		if (v1x && in->mtu && set_int(c, "mtu", in->mtu) < 0)
			return -ENOMEM;
		if (set_str_opt(c, "sandbox", in->sandbox) < 0)
			return -ENOMEM;
		if (v1x && (set_str_opt(c, "socketPath", in->socket_path) < 0 ||
			    set_str_opt(c, "pciID", in->pci_id) < 0))
			return -ENOMEM;
	}
	return 0;
}

static int render_ips(const struct cni_result *r, json_t *o, bool with_version)
{
	json_t *a;

	if (r->n_ips == 0)
		return 0;
	a = json_array();
	if (!a || json_object_set_new(o, "ips", a) < 0)
		return -ENOMEM;
	for (size_t i = 0; i < r->n_ips; i++) {
		const struct cni_ipconfig *ip = &r->ips[i];
		json_t *c = json_object();

		if (!c || json_array_append_new(a, c) < 0)
			return -ENOMEM;
		if (with_version &&
		    set_str(c, "version", ip->address.addr.family == AF_INET ? "4" : "6") < 0)
			return -ENOMEM;
		if (ip->interface >= 0 && set_int(c, "interface", ip->interface) < 0)
			return -ENOMEM;
		if (set_prefix(c, "address", &ip->address) < 0 ||
		    set_addr_opt(c, "gateway", &ip->gateway) < 0)
			return -ENOMEM;
	}
	return 0;
}

int cni_result_to_json(const struct cni_result *r, const char *version, json_t **ret,
		       struct cni_error *err)
{
	_cleanup_json_ json_t *o = NULL;
	enum family_gen gen, from_gen;
	int k;

	if (!version || !*version)
		version = "0.1.0"; /* the reference's default target */
	if (version_gen(version, &gen) < 0)
		return cni_error_set(err, CNI_ERR_INCOMPATIBLE_VERSION,
				     "no converter for CNI result version %.100s to %.100s",
				     r->cni_version ? r->cni_version : "", version);
	/* A result without a version is taken to be of the newest one. */
	if (version_gen(r->cni_version && *r->cni_version ? r->cni_version : CNI_VERSION_LATEST,
			&from_gen) < 0)
		return cni_error_set(err, CNI_ERR_INCOMPATIBLE_VERSION,
				     "no converter for CNI result version %.100s to %.100s",
				     r->cni_version, version);

	o = json_object();
	if (!o || set_str(o, "cniVersion", version) < 0)
		return -ENOMEM;
	switch (gen) {
	case GEN_02X:
		k = render_02x(r, o, from_gen == GEN_02X, err);
		if (k < 0)
			return k;
		break;
	case GEN_04X:
	case GEN_1X:
		if (render_interfaces(r, o, gen == GEN_1X) < 0 ||
		    render_ips(r, o, gen == GEN_04X) < 0 ||
		    render_routes(o, r->routes, r->n_routes, 0, true) < 0)
			return -ENOMEM;
		break;
	}
	if (render_dns(o, &r->dns) < 0)
		return -ENOMEM;
	*ret = TAKE_PTR(o);
	return 0;
}

int cni_result_convert_json(const json_t *in, const char *in_default_version,
			    const char *to_version, json_t **ret, struct cni_error *err)
{
	_cleanup_(cni_result_freep) struct cni_result *r = NULL;
	int k;

	k = cni_result_from_json(in, in_default_version, &r, err);
	if (k < 0)
		return k;
	return cni_result_to_json(r, to_version, ret, err);
}

char *cni_json_dumps_go(const json_t *j, size_t flags)
{
	_cleanup_free_ char *s = json_dumps(j, flags);
	size_t extra = 0, n;
	char *o, *q;

	if (!s)
		return NULL;
	/* These bytes only occur inside strings, so a plain rewrite is exact. */
	for (const char *p = s; *p; p++)
		if (*p == '<' || *p == '>' || *p == '&')
			extra += 5;
		else if ((unsigned char)p[0] == 0xe2 && (unsigned char)p[1] == 0x80 &&
			 ((unsigned char)p[2] == 0xa8 || (unsigned char)p[2] == 0xa9))
			extra += 3;
	if (extra == 0)
		return TAKE_PTR(s);
	n = strlen(s);
	o = malloc(n + extra + 1);
	if (!o)
		return NULL;
	q = o;
	for (const char *p = s; *p; p++) {
		if (*p == '<' || *p == '>' || *p == '&') {
			q += sprintf(q, "\\u%04x", (unsigned)*p);
		} else if ((unsigned char)p[0] == 0xe2 && (unsigned char)p[1] == 0x80 &&
			   ((unsigned char)p[2] == 0xa8 || (unsigned char)p[2] == 0xa9)) {
			q += sprintf(q, "\\u%s", (unsigned char)p[2] == 0xa8 ? "2028" : "2029");
			p += 2;
		} else {
			*q++ = *p;
		}
	}
	*q = '\0';
	return o;
}

char *cni_result_dumps(const json_t *j)
{
	/* jansson keeps insertion order; the renderers insert in the reference's order. */
	return cni_json_dumps_go(j, JSON_INDENT(4) | JSON_PRESERVE_ORDER);
}
