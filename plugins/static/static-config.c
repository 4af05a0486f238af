// SPDX-License-Identifier: Apache-2.0
/*
 * static-config.c - config, address precedence, result and CHECK of the static IPAM plugin.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "basic/godec.h"
#include "basic/macro.h"
#include "libcni/version.h"
#include "plugins/static/static-config.h"
#include "skel/plugin-config.h"

static void dns_done(struct cni_dns *d)
{
	strv_free(d->nameservers);
	free(d->domain);
	strv_free(d->search);
	strv_free(d->options);
	*d = (struct cni_dns){};
}

struct static_config *static_config_free(struct static_config *c)
{
	if (!c)
		return NULL;
	free(c->addrs);
	free(c->routes);
	dns_done(&c->dns);
	free(c);
	return NULL;
}

/* An address list entry while decoding: the config's text is parsed only after CNI_ARGS,
 * as the reference does (so GATEWAY never lands on a config address, whose IPNet is still
 * empty when GATEWAY is matched). */
struct pending {
	const char *text; /* NULL once parsed */
	struct static_address a;
};

struct pending_list {
	struct pending *v;
	size_t n;
};

static int pending_push(struct pending_list *l, const struct pending *p)
{
	struct pending *nv = reallocarray(l->v, l->n + 1, sizeof(*nv));

	if (!nv)
		return -ENOMEM;
	l->v = nv;
	nv[l->n++] = *p;
	return 0;
}

static char *trim(char *s)
{
	char *e;

	while (*s == ' ' || *s == '\t' || *s == '\n' || *s == '\r' || *s == '\v' || *s == '\f')
		s++;
	e = s + strlen(s);
	while (e > s && strchr(" \t\n\r\v\f", e[-1]))
		*--e = 0;
	return s;
}

/* The routes: types.Route decodes dst and gw itself (Debian's 1.1.1 knows no other keys). */
static int decode_routes(const struct godec *d, const json_t *ipam, struct static_config *c,
			 struct cni_error *err)
{
	const json_t *routes = NULL;
	json_t *o;
	size_t i;
	int r = godec_array(d, ipam, "routes", "[]*types.Route", &routes);

	if (r < 0 || !routes)
		return r;
	c->routes = calloc(json_array_size(routes) + 1, sizeof(*c->routes));
	if (!c->routes)
		return -ENOMEM;
	json_array_foreach(routes, i, o) {
		struct cni_route rt = {};
		json_t *dst, *gw;

		if (json_is_null(o))
			continue;
		if (!json_is_object(o))
			return godec_type_error(d, o, "routes", "types.route");
		dst = godec_get(o, "dst");
		gw = godec_get(o, "gw");
		/* Go reports the list for both, not the private struct's field */
		if (dst && !json_is_string(dst))
			return godec_type_error(d, dst, "routes", "string");
		if (gw && !json_is_string(gw))
			return godec_type_error(d, gw, "routes", "string");
		/* A route without dst: the reference prints "<nil>" as its dst, which no
		 * reader parses back; we refuse it instead. */
		if (ip_prefix_parse(dst ? json_string_value(dst) : "", &rt.dst) < 0)
			return cni_error_set(err, CNI_ERR_INVALID_CONFIG,
					     "invalid CIDR address: %s",
					     dst ? json_string_value(dst) : "");
		if (gw && *json_string_value(gw) &&
		    ip_addr_parse(json_string_value(gw), &rt.gw) < 0)
			return cni_error_set(err, CNI_ERR_INVALID_CONFIG, "invalid IP address: %s",
					     json_string_value(gw));
		c->routes[c->n_routes++] = rt;
	}
	return 0;
}

static int decode_addresses(const struct godec *d, const json_t *ipam, struct pending_list *l,
			    struct cni_error *err)
{
	char path[GODEC_PATH_MAX];
	const json_t *addrs = NULL;
	struct godec da;
	json_t *o;
	size_t i;
	int r = godec_array(d, ipam, "addresses", "[]main.Address", &addrs);

	if (r < 0 || !addrs)
		return r;
	da = godec_nested(d, "Address", "addresses", path);
	json_array_foreach(addrs, i, o) {
		struct pending p = { .text = "" };
		const char *gw = NULL;

		if (json_is_null(o)) {
			/* Go appends a zero Address, which then fails as "" */
			r = pending_push(l, &p);
			if (r < 0)
				return r;
			continue;
		}
		if (!json_is_object(o))
			return godec_type_error(d, o, "addresses", "main.Address");
		if ((r = godec_string(&da, o, "address", &p.text, NULL)) < 0 ||
		    (r = godec_text(&da, o, "gateway", "net.IP", &gw, NULL)) < 0)
			return r;
		if (gw && *gw && ip_addr_parse(gw, &p.a.gateway) < 0)
			return cni_error_set(err, CNI_ERR_INVALID_CONFIG, "invalid IP address: %s",
					     gw);
		r = pending_push(l, &p);
		if (r < 0)
			return r;
	}
	return 0;
}

/* CNI_ARGS IP (appended) and GATEWAY (set on every CNI_ARGS address that contains it). */
static int apply_env_args(const struct cni_args *args, struct pending_list *l,
			  struct cni_error *err)
{
	static const char *const known[] = { "IP", "GATEWAY", NULL };
	const char *ips, *gws;
	int r;

	r = cni_args_check_known(args, known, err);
	if (r < 0)
		return r;
	ips = cni_args_get(args, "IP");
	if (ips && *ips) {
		_cleanup_free_ char *copy = strdup(ips);
		char *item;

		if (!copy)
			return -ENOMEM;
		/* strsep, not strtok: "a,,b" has an empty item that must fail as in Go */
		for (char *s = copy; (item = strsep(&s, ","));) {
			struct pending p = {};
			char *t = trim(item);

			if (ip_prefix_parse(t, &p.a.address) < 0)
				return cni_error_set(err, CNI_ERR_INVALID_CONFIG,
						     "the 'ip' field is expected to be in CIDR "
						     "notation, got: '%s'", t);
			r = pending_push(l, &p);
			if (r < 0)
				return r;
		}
	}
	gws = cni_args_get(args, "GATEWAY");
	if (gws && *gws) {
		_cleanup_free_ char *copy = strdup(gws);
		char *item;

		if (!copy)
			return -ENOMEM;
		for (char *s = copy; (item = strsep(&s, ","));) {
			_cleanup_free_ char *orig = strdup(item);
			struct ip_addr gw;

			if (!orig)
				return -ENOMEM;
			if (ip_addr_parse(trim(item), &gw) < 0)
				return cni_error_set(err, CNI_ERR_INVALID_CONFIG,
						     "invalid gateway address: %s", orig);
			for (size_t i = 0; i < l->n; i++)
				if (!l->v[i].text && ip_prefix_contains(&l->v[i].a.address, &gw))
					l->v[i].a.gateway = gw;
		}
	}
	return 0;
}

/* args.cni.ips or runtimeConfig.ips: when non-empty they replace every address so far. */
static int replace_with(char **ips, struct pending_list *l, struct cni_error *err)
{
	if (!ips || !*ips)
		return 0;
	l->n = 0;
	for (char **s = ips; *s; s++) {
		struct pending p = {};
		int r;

		if (ip_prefix_parse(*s, &p.a.address) < 0)
			return cni_error_set(err, CNI_ERR_INVALID_CONFIG,
					     "an entry in the 'ips' field is NOT in CIDR notation, "
					     "got: '%s'", *s);
		r = pending_push(l, &p);
		if (r < 0)
			return r;
	}
	return 0;
}

/* An IPv4-mapped IPv6 address counts as IPv4, as Go's To4() says. */
static bool is_v4(const struct ip_addr *a)
{
	static const uint8_t mapped[12] = { [10] = 0xff, [11] = 0xff };

	return a->family == AF_INET || !memcmp(a->bytes, mapped, sizeof(mapped));
}

int static_config_parse(const json_t *config, const char *cni_version,
			const struct cni_args *args, struct static_config **ret,
			struct cni_error *err)
{
	_cleanup_(static_config_freep) struct static_config *c = NULL;
	const struct godec d = skel_godec(err, "", "Net");
	char pi[GODEC_PATH_MAX], pa[GODEC_PATH_MAX], pc[GODEC_PATH_MAX], pr[GODEC_PATH_MAX];
	const json_t *ipam = NULL, *rc = NULL, *a = NULL, *cni = NULL;
	_cleanup_strv_free_ char **rc_ips = NULL, **args_ips = NULL;
	struct pending_list l = {};
	struct godec di, da, dc, dr;
	size_t n4 = 0, n6 = 0;
	int r;

	c = calloc(1, sizeof(*c));
	if (!c)
		return -ENOMEM;
	if ((r = godec_object(&d, config, "ipam", "main.IPAMConfig", &ipam)) < 0 ||
	    (r = godec_object(&d, config, "runtimeConfig",
			      "struct { IPs []string \"json:\\\"ips,omitempty\\\"\" }", &rc)) < 0 ||
	    (r = godec_object(&d, config, "args",
			      "struct { A *main.IPAMArgs \"json:\\\"cni\\\"\" }", &a)) < 0)
		return r;
	di = godec_nested(&d, "IPAMConfig", "ipam", pi);
	dr = godec_nested(&d, "", "runtimeConfig", pr);
	da = godec_nested(&d, "", "args", pa);
	if ((r = godec_object(&da, a, "cni", "main.IPAMArgs", &cni)) < 0)
		return r;
	dc = godec_nested(&da, "IPAMArgs", "cni", pc);
	if ((r = godec_string(&di, ipam, "type", NULL, NULL)) < 0 ||
	    (r = godec_string(&di, ipam, "name", NULL, NULL)) < 0 ||
	    (r = decode_routes(&di, ipam, c, err)) < 0 ||
	    (r = decode_addresses(&di, ipam, &l, err)) < 0 ||
	    (r = skel_decode_dns(&di, ipam, &c->dns, &(bool){ false })) < 0 ||
	    (r = godec_strv(&dr, rc, "ips", &rc_ips, NULL)) < 0 ||
	    (r = godec_strv(&dc, cni, "ips", &args_ips, NULL)) < 0)
		goto out;
	if (!ipam) {
		r = cni_error_set(err, CNI_ERR_INVALID_CONFIG, "IPAM config missing 'ipam' key");
		goto out;
	}
	if (args && args->n > 0 && (r = apply_env_args(args, &l, err)) < 0)
		goto out;
	if ((r = replace_with(args_ips, &l, err)) < 0 || (r = replace_with(rc_ips, &l, err)) < 0)
		goto out;

	c->addrs = calloc(l.n + 1, sizeof(*c->addrs));
	if (!c->addrs) {
		r = -ENOMEM;
		goto out;
	}
	for (size_t i = 0; i < l.n; i++) {
		struct pending *p = &l.v[i];

		if (p->text && ip_prefix_parse(p->text, &p->a.address) < 0) {
			r = cni_error_set(err, CNI_ERR_INVALID_CONFIG,
					  "the 'address' field is expected to be in CIDR notation, "
					  "got: '%s'", p->text);
			goto out;
		}
		if (is_v4(&p->a.address.addr))
			n4++;
		else
			n6++;
		c->addrs[c->n_addrs++] = p->a;
	}
	/* 0.1.0 and 0.2.0 results hold one address per family */
	if ((n4 > 1 || n6 > 1) && !cni_version_ge(cni_version, "0.3.0")) {
		r = cni_error_set(err, CNI_ERR_INVALID_CONFIG,
				  "CNI version %s does not support more than 1 address per family",
				  cni_version);
		goto out;
	}
	cni_error_clear(err);
	*ret = TAKE_PTR(c);
	r = 0;
out:
	free(l.v);
	return r;
}

static int strv_copy(char **src, char ***dst)
{
	size_t n = 0;

	if (!src)
		return 0;
	while (src[n])
		n++;
	*dst = calloc(n + 1, sizeof(char *));
	if (!*dst)
		return -ENOMEM;
	for (size_t i = 0; i < n; i++)
		if (!((*dst)[i] = strdup(src[i])))
			return -ENOMEM;
	return 0;
}

int static_config_result(const struct static_config *c, struct cni_result **ret)
{
	_cleanup_(cni_result_freep) struct cni_result *res = cni_result_new();
	int r;

	if (!res)
		return -ENOMEM;
	for (size_t i = 0; i < c->n_addrs; i++) {
		const struct static_address *a = &c->addrs[i];

		r = cni_result_add_ip(res, &a->address, a->gateway.family ? &a->gateway : NULL, -1);
		if (r < 0)
			return r;
	}
	for (size_t i = 0; i < c->n_routes; i++) {
		const struct cni_route *rt = &c->routes[i];

		r = cni_result_add_route(res, &rt->dst, rt->gw.family ? &rt->gw : NULL);
		if (r < 0)
			return r;
	}
	if ((r = strv_copy(c->dns.nameservers, &res->dns.nameservers)) < 0 ||
	    (r = strv_copy(c->dns.search, &res->dns.search)) < 0 ||
	    (r = strv_copy(c->dns.options, &res->dns.options)) < 0)
		return r;
	if (c->dns.domain && !(res->dns.domain = strdup(c->dns.domain)))
		return -ENOMEM;
	*ret = TAKE_PTR(res);
	return 0;
}

int static_config_check(const struct static_config *c, const struct cni_result *prev,
			const char *ifname, struct cni_error *err)
{
	for (size_t i = 0; i < c->n_addrs; i++) {
		const struct static_address *a = &c->addrs[i];

		for (size_t j = 0; j < prev->n_ips; j++) {
			const struct cni_ipconfig *ip = &prev->ips[j];
			char buf[IP_ADDR_STRLEN];

			if (!ip_addr_equal(&a->address.addr, &ip->address.addr))
				continue;
			if (!a->gateway.family || ip_addr_equal(&a->gateway, &ip->gateway))
				break;
			return cni_error_set(err, CNI_ERR_INTERNAL,
					     "static: Failed to match addr %s on interface %s",
					     ip_addr_to_string(&ip->address.addr, buf), ifname);
		}
	}
	return 0;
}
