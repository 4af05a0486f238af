// SPDX-License-Identifier: Apache-2.0
/*
 * reconcile.c - desired vs. actual dataplane state, and lease acceptance. Pure code.
 *
 * Both sides are sorted by key and walked once, so a pass over 1000 leases (3000 entries)
 * costs a few sorts, not a quadratic scan.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "basic/macro.h"
#include "linend/reconcile.h"

void dp_state_clear(struct dp_state *s)
{
	free(s->neighs);
	free(s->fdbs);
	free(s->routes);
	*s = (struct dp_state){};
}

static int grow(void **arr, size_t *cap, size_t n, size_t size)
{
	void *p;
	size_t c;

	if (n < *cap)
		return 0;
	c = *cap ? *cap * 2 : 16;
	p = realloc(*arr, c * size);
	if (!p)
		return -ENOMEM;
	*arr = p;
	*cap = c;
	return 0;
}

int dp_state_add_neigh(struct dp_state *s, const struct nl_neigh *n)
{
	if (grow((void **)&s->neighs, &s->cap_neighs, s->n_neighs, sizeof(*n)) < 0)
		return -ENOMEM;
	s->neighs[s->n_neighs++] = *n;
	return 0;
}

int dp_state_add_fdb(struct dp_state *s, const struct nl_neigh *n)
{
	if (grow((void **)&s->fdbs, &s->cap_fdbs, s->n_fdbs, sizeof(*n)) < 0)
		return -ENOMEM;
	s->fdbs[s->n_fdbs++] = *n;
	return 0;
}

int dp_state_add_route(struct dp_state *s, const struct nl_route *r)
{
	if (grow((void **)&s->routes, &s->cap_routes, s->n_routes, sizeof(*r)) < 0)
		return -ENOMEM;
	s->routes[s->n_routes++] = *r;
	return 0;
}

static int cmp_int(long a, long b)
{
	return a < b ? -1 : a > b;
}

static int neigh_cmp(const void *pa, const void *pb)
{
	const struct nl_neigh *a = pa, *b = pb;
	int c;

	if ((c = cmp_int(a->family, b->family)) || (c = cmp_int(a->ifindex, b->ifindex)) ||
	    (c = cmp_int(a->dst.family, b->dst.family)))
		return c;
	return a->dst.family ? ip_addr_cmp(&a->dst, &b->dst) : 0;
}

static int fdb_cmp(const void *pa, const void *pb)
{
	const struct nl_neigh *a = pa, *b = pb;
	int c;

	if ((c = cmp_int(a->ifindex, b->ifindex)) || (c = cmp_int(a->vlan, b->vlan)))
		return c;
	return memcmp(a->lladdr, b->lladdr, 6);
}

/* Key, then remote: the order is total, so duplicates of a key sort the same every time. */
static int fdb_cmp_full(const void *pa, const void *pb)
{
	const struct nl_neigh *a = pa, *b = pb;
	int c = fdb_cmp(pa, pb);

	if (c || (c = cmp_int(a->dst.family, b->dst.family)))
		return c;
	return a->dst.family ? ip_addr_cmp(&a->dst, &b->dst) : 0;
}

static uint32_t table_of(const struct nl_route *r)
{
	return r->table ? r->table : RT_TABLE_MAIN;
}

static int route_family(const struct nl_route *r)
{
	return r->family ? r->family : r->dst.addr.family;
}

/* The kernel gives an IPv6 route without a metric 1024 and reports that back. */
static uint32_t priority_of(const struct nl_route *r)
{
	return r->priority ? r->priority : route_family(r) == AF_INET6 ? 1024 : 0;
}

static int route_cmp(const void *pa, const void *pb)
{
	const struct nl_route *a = pa, *b = pb;
	int c;

	if ((c = cmp_int(route_family(a), route_family(b))) ||
	    (c = cmp_int(table_of(a), table_of(b))) || (c = cmp_int(a->dst.len, b->dst.len)) ||
	    (c = cmp_int(priority_of(a), priority_of(b))))
		return c;
	return ip_addr_cmp(&a->dst.addr, &b->dst.addr);
}

void dp_state_sort(struct dp_state *s)
{
	if (s->n_neighs)
		qsort(s->neighs, s->n_neighs, sizeof(*s->neighs), neigh_cmp);
	if (s->n_fdbs)
		qsort(s->fdbs, s->n_fdbs, sizeof(*s->fdbs), fdb_cmp_full);
	if (s->n_routes)
		qsort(s->routes, s->n_routes, sizeof(*s->routes), route_cmp);
}

bool dp_neigh_same(const struct nl_neigh *want, const struct nl_neigh *have)
{
	return have->has_lladdr && memcmp(want->lladdr, have->lladdr, 6) == 0 &&
	       (have->state & NUD_PERMANENT);
}

bool dp_fdb_same(const struct nl_neigh *want, const struct nl_neigh *have)
{
	return (have->state & NUD_PERMANENT) && have->dst.family == want->dst.family &&
	       (!want->dst.family || ip_addr_equal(&want->dst, &have->dst));
}

bool dp_route_same(const struct nl_route *want, const struct nl_route *have)
{
	uint8_t tw = want->type ? want->type : RTN_UNICAST;
	uint8_t th = have->type ? have->type : RTN_UNICAST;

	return tw == th && want->oif == have->oif && want->gw.family == have->gw.family &&
	       (!want->gw.family || ip_addr_equal(&want->gw, &have->gw)) &&
	       want->protocol == have->protocol;
}

struct oplist {
	struct dp_op *ops;
	size_t n, cap;
};

static int push(struct oplist *l, const struct dp_op *op)
{
	if (grow((void **)&l->ops, &l->cap, l->n, sizeof(*op)) < 0)
		return -ENOMEM;
	l->ops[l->n++] = *op;
	return 0;
}

/*
 * One merge walk over sorted arrays of element size sz. For each want entry missing from
 * have or different: a replace (when replaces); for each have entry missing from want: a
 * delete (when deletes). Called once per phase so the output comes out in phase order.
 */
static int walk(struct oplist *out, enum dp_obj_kind obj, const void *want, size_t n_want,
		const void *have, size_t n_have, size_t sz, int (*cmp)(const void *, const void *),
		bool replaces, bool deletes)
{
	size_t i = 0, j = 0;

	while (i < n_want || j < n_have) {
		const char *w = (const char *)want + i * sz, *h = (const char *)have + j * sz;
		const void *emit = NULL;
		enum dp_op_kind kind = DP_OP_REPLACE;
		int c;

		if (i >= n_want)
			c = 1;
		else if (j >= n_have)
			c = -1;
		else
			c = cmp(w, h);
		if (c < 0) {
			if (replaces)
				emit = w;
			i++;
		} else if (c > 0) {
			if (deletes) {
				emit = h;
				kind = DP_OP_DELETE;
			}
			j++;
		} else {
			bool same;

			switch (obj) {
			case DP_OBJ_NEIGH:
				same = dp_neigh_same((const void *)w, (const void *)h);
				break;
			case DP_OBJ_FDB:
				same = dp_fdb_same((const void *)w, (const void *)h);
				break;
			case DP_OBJ_ROUTE:
				same = dp_route_same((const void *)w, (const void *)h);
				break;
			}
			if (!same && replaces)
				emit = w;
			i++;
			j++;
		}
		if (emit) {
			struct dp_op op = { .op = kind, .obj = obj };

			if (obj == DP_OBJ_ROUTE)
				op.route = *(const struct nl_route *)emit;
			else
				op.neigh = *(const struct nl_neigh *)emit;
			if (push(out, &op) < 0)
				return -ENOMEM;
		}
	}
	return 0;
}

/*
 * Keep one entry per key: the last in sort order (two leases claiming one VtepMAC: the higher
 * remote address wins, the same one on every pass, so passes do not flap between them).
 */
static size_t dedup(void *arr, size_t n, size_t sz, int (*cmp)(const void *, const void *))
{
	char *a = arr;
	size_t w = 0;

	for (size_t i = 0; i < n; i++) {
		if (w > 0 && cmp(a + (w - 1) * sz, a + i * sz) == 0)
			w--;
		if (w != i)
			memcpy(a + w * sz, a + i * sz, sz);
		w++;
	}
	return w;
}

/* One phase of the diff: replaces (want not in have, or different) or deletes. */
static int walk_obj(struct oplist *l, const struct dp_state *want, const struct dp_state *have,
		    enum dp_obj_kind obj, bool replaces)
{
	switch (obj) {
	case DP_OBJ_NEIGH:
		return walk(l, obj, want->neighs, want->n_neighs, have->neighs, have->n_neighs,
			    sizeof(struct nl_neigh), neigh_cmp, replaces, !replaces);
	case DP_OBJ_FDB:
		return walk(l, obj, want->fdbs, want->n_fdbs, have->fdbs, have->n_fdbs,
			    sizeof(struct nl_neigh), fdb_cmp, replaces, !replaces);
	case DP_OBJ_ROUTE:
		return walk(l, obj, want->routes, want->n_routes, have->routes, have->n_routes,
			    sizeof(struct nl_route), route_cmp, replaces, !replaces);
	}
	return -EINVAL;
}

int dp_diff(struct dp_state *want, struct dp_state *have, bool prune, struct dp_op **ret,
	    size_t *ret_n)
{
	/* add bottom-up (a route never before its entries), remove top-down */
	static const struct {
		enum dp_obj_kind obj;
		bool replaces;
	} phases[] = {
		{ DP_OBJ_ROUTE, false }, { DP_OBJ_NEIGH, true }, { DP_OBJ_FDB, true },
		{ DP_OBJ_ROUTE, true },  { DP_OBJ_FDB, false },  { DP_OBJ_NEIGH, false },
	};
	struct oplist l = {};
	int r;

	dp_state_sort(want);
	dp_state_sort(have);
	want->n_neighs = dedup(want->neighs, want->n_neighs, sizeof(struct nl_neigh), neigh_cmp);
	want->n_fdbs = dedup(want->fdbs, want->n_fdbs, sizeof(struct nl_neigh), fdb_cmp);
	want->n_routes = dedup(want->routes, want->n_routes, sizeof(struct nl_route), route_cmp);
	for (size_t i = 0; i < ELEMENTSOF(phases); i++) {
		if (!phases[i].replaces && !prune)
			continue;
		r = walk_obj(&l, want, have, phases[i].obj, phases[i].replaces);
		if (r < 0) {
			free(l.ops);
			return r;
		}
	}
	*ret = l.ops;
	*ret_n = l.n;
	return 0;
}

static const char *const reject_names[_DP_REJECT_MAX] = {
	[DP_REJECT_NONE] = "none",
	[DP_REJECT_OUTSIDE_NETWORK] = "outside-network",
	[DP_REJECT_OVERLAPS_OWN] = "overlaps-own-subnet",
	[DP_REJECT_BAD_PUBLIC_IP] = "bad-public-ip",
	[DP_REJECT_BAD_MAC] = "bad-mac",
	[DP_REJECT_BACKEND_MISMATCH] = "backend-mismatch",
	[DP_REJECT_NOT_ON_LINK] = "not-on-link",
};

const char *dp_reject_str(enum dp_reject r)
{
	return r >= 0 && r < _DP_REJECT_MAX ? reject_names[r] : "unknown";
}

bool dp_mac_valid(const uint8_t mac[static 6])
{
	static const uint8_t zero[6];

	return !(mac[0] & 1) && memcmp(mac, zero, 6) != 0;
}

static bool prefix_inside(const struct ip_prefix *outer, const struct ip_prefix *inner)
{
	return inner->addr.family == outer->addr.family && inner->len >= outer->len &&
	       ip_prefix_contains(outer, &inner->addr);
}

static bool public_ip_ok(const struct ip_addr *a, const struct ip_addr *self)
{
	if (ip_addr_is_zero(a))
		return false;
	if (self && self->family && ip_addr_equal(a, self))
		return false;
	if (a->family == AF_INET)
		return a->bytes[0] != 127 && (a->bytes[0] & 0xf0) != 0xe0 &&
		       !(a->bytes[0] == 255 && a->bytes[1] == 255 && a->bytes[2] == 255 &&
			 a->bytes[3] == 255);
	return a->bytes[0] != 0xff && !IN6_IS_ADDR_LOOPBACK(&a->in6);
}

enum dp_reject dp_lease_check(const struct net_config *cfg, const struct lease *own,
			      const struct ip_addr *self_ip, const struct ip_addr *self_ip6,
			      const char *want_type, const struct lease *l)
{
	bool v6 = cfg->enable_ipv6 && l->subnet6.addr.family == AF_INET6;

	if (cfg->enable_ipv4 && !prefix_inside(&cfg->network, &l->subnet))
		return DP_REJECT_OUTSIDE_NETWORK;
	if (v6 && !prefix_inside(&cfg->ipv6_network, &l->subnet6))
		return DP_REJECT_OUTSIDE_NETWORK;
	if (own && own->subnet.addr.family && ip_prefix_overlaps(&own->subnet, &l->subnet))
		return DP_REJECT_OVERLAPS_OWN;
	if (v6 && own && own->subnet6.addr.family == AF_INET6 &&
	    ip_prefix_overlaps(&own->subnet6, &l->subnet6))
		return DP_REJECT_OVERLAPS_OWN;
	if (!public_ip_ok(&l->attrs.public_ip, self_ip))
		return DP_REJECT_BAD_PUBLIC_IP;
	if (v6 && l->attrs.public_ipv6.family == AF_INET6 &&
	    !public_ip_ok(&l->attrs.public_ipv6, self_ip6))
		return DP_REJECT_BAD_PUBLIC_IP;
	if (want_type && !streq(l->attrs.backend_type, want_type))
		return DP_REJECT_BACKEND_MISMATCH;
	return DP_REJECT_NONE;
}
