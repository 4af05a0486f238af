// SPDX-License-Identifier: Apache-2.0
/*
 * mirror - a chained CNI plugin that copies a pod's traffic to a collector with tc.
 *
 * On the host end of the pod's veth it puts a clsact qdisc and, per mirrored direction, a
 * u32 match-all filter at a fixed prio whose one action is `mirred egress mirror` (pipe, so the
 * packet itself goes on untouched) to the collector: a host interface named in the config,
 * or a VXLAN tunnel to a remote collector that this plugin makes ("lmir-" + hash of remote,
 * VNI, port and underlay), shared by every pod mirroring there. Pod egress is what the host
 * veth receives (clsact ingress, ffff:fff2); pod ingress is what it sends (clsact egress,
 * ffff:fff3). Each action carries a cookie naming the network and the attachment; DEL and
 * GC touch only filters with their cookie, never other filters on the device.
 *
 * No state file: a tunnel's users are the filters whose mirror action points at it, so DEL
 * and GC delete every lmir- tunnel no filter uses any more. A lock file serializes that
 * count against a concurrent ADD that is about to attach to the tunnel.
 *
 * See docs/mirror.md for the config and what CHECK reports.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "basic/godec.h"
#include "basic/macro.h"
#include "netlink/netlink.h"
#include "plugins/mirror/mirror-config.h"
#include "skel/plugin-net.h"
#include "skel/plugin-util.h"
#include "skel/skel.h"

#define MIRROR_LOCK_FILE "/run/linen/mirror.lock"
/*
 * Far from bandwidth's 1 and from tc's automatic priorities (49152 and down). One prio per
 * hook: u32 keeps its hash tables per qdisc, not per block, so a dump of one clsact hook
 * also lists the other hook's u32 tables of the same prio.
 */
#define MIRROR_PRIO_POD_EGRESS 0xc1a0
#define MIRROR_PRIO_POD_INGRESS 0xc1a1

/* Our two hooks, in the order CHECK reports them. */
static const struct hook {
	uint32_t parent;
	uint16_t prio;
	const char *pod_dir;    /* the pod's direction */
} hooks[] = {
	{ NL_TC_H_CLSACT_INGRESS, MIRROR_PRIO_POD_EGRESS, "egress" },
	{ NL_TC_H_CLSACT_EGRESS, MIRROR_PRIO_POD_INGRESS, "ingress" },
};

static bool hook_wanted(const struct mirror_conf *c, const struct hook *h)
{
	return h->parent == NL_TC_H_CLSACT_INGRESS ? c->egress : c->ingress;
}

static int open_host(struct nl_sock **ret, struct cni_error *err)
{
	int r = nl_sock_open(ret);

	if (r < 0)
		return cni_error_set(err, CNI_ERR_INTERNAL, "failed to open netlink: %s",
				     strerror(-r));
	return 0;
}

/*
 * The host end of the pod's veth: the peer of CNI_IFNAME, which must live in our (host)
 * namespace; when res is given it must also be listed there without a sandbox (as
 * bandwidth finds it: prevResult alone is ambiguous, bridge lists the bridge that way too).
 */
static int find_host_iface(const struct skel_request *req, struct nl_sock *host,
			   const struct cni_result *res, struct nl_link *ret, struct cni_error *err)
{
	_cleanup_(nl_sock_freep) struct nl_sock *cont = NULL;
	struct nl_link cl, hl;
	int r;

	if (res && res->n_interfaces == 0)
		return cni_error_set(err, CNI_ERR_INVALID_CONFIG,
				     "mirror: prevResult lists no interfaces");
	if (!req->netns || !*req->netns)
		return cni_error_set(err, CNI_ERR_INVALID_NETNS, "no network namespace given");
	r = nl_sock_open_netns_path(req->netns, &cont);
	if (r < 0)
		return cni_error_set(err, CNI_ERR_INVALID_NETNS, "failed to open netns \"%s\": %s",
				     req->netns, strerror(-r));
	r = nl_link_get_by_name(cont, req->ifname, &cl);
	if (r < 0)
		return cni_error_set(err, CNI_ERR_INTERNAL,
				     "mirror: container interface %s not found: %s", req->ifname,
				     strerror(-r));
	if (!streq(cl.kind, "veth") || cl.link <= 0)
		return cni_error_set(err, CNI_ERR_INTERNAL,
				     "mirror: container interface %s is not a veth", req->ifname);
	r = nl_link_get_by_index(host, cl.link, &hl);
	if (r < 0 || !streq(hl.kind, "veth") || hl.link != cl.ifindex)
		return cni_error_set(err, CNI_ERR_INTERNAL,
				     "mirror: host end (index %d) of %s is not in the host "
				     "namespace", cl.link, req->ifname);
	if (res) {
		bool found = false;

		for (size_t i = 0; i < res->n_interfaces && !found; i++) {
			const struct cni_interface *ci = &res->interfaces[i];

			found = (!ci->sandbox || !*ci->sandbox) && ci->name &&
				streq(ci->name, hl.name);
		}
		if (!found)
			return cni_error_set(err, CNI_ERR_INTERNAL, "mirror: host interface %s is "
					     "not in prevResult", hl.name);
	}
	*ret = hl;
	return 0;
}

/* --- our filters, host-wide --------------------------------------------------------- */

struct ours {
	int ifindex;
	uint32_t parent;
	uint32_t handle;
	int target;
	uint8_t cookie[MIRROR_COOKIE_SIZE];
	uint64_t packets;
};

static bool is_ours(const struct nl_filter *f, uint32_t parent)
{
	uint16_t prio = parent == NL_TC_H_CLSACT_INGRESS ? MIRROR_PRIO_POD_EGRESS
							 : MIRROR_PRIO_POD_INGRESS;

	return f->prio == prio && streq(f->kind, "u32") && f->mirror_ifindex > 0 &&
	       f->cookie_len == MIRROR_COOKIE_SIZE &&
	       memcmp(f->cookie, MIRROR_COOKIE_MAGIC, 4) == 0;
}

/* Our filters under one hook of ifindex (none when the hook has no qdisc). */
static int hook_filters(struct nl_sock *host, int ifindex, uint32_t parent, struct ours **v,
			size_t *n, size_t *cap)
{
	_cleanup_free_ struct nl_filter *f = NULL;
	size_t nf = 0;
	int r;

	r = nl_filter_dump(host, ifindex, parent, &f, &nf);
	if (r == -EINVAL || r == -ENOENT || r == -ENODEV)
		return 0;
	if (r < 0)
		return r;
	for (size_t i = 0; i < nf; i++) {
		struct ours o = { .ifindex = ifindex, .parent = parent, .handle = f[i].handle,
				  .target = f[i].mirror_ifindex, .packets = f[i].packets };

		if (!is_ours(&f[i], parent))
			continue;
		memcpy(o.cookie, f[i].cookie, MIRROR_COOKIE_SIZE);
		if (*n == *cap) {
			size_t nc = *cap ? 2 * *cap : 8;
			struct ours *nv = reallocarray(*v, nc, sizeof(**v));

			if (!nv)
				return -ENOMEM;
			*v = nv;
			*cap = nc;
		}
		(*v)[(*n)++] = o;
	}
	return 0;
}

/* The kind of ifindex's qdisc at ffff: ("clsact", "ingress", "" = none). */
static int hook_qdisc(struct nl_sock *host, int ifindex, char ret[static 16])
{
	_cleanup_free_ struct nl_qdisc *q = NULL;
	size_t n = 0;
	int r;

	ret[0] = '\0';
	r = nl_qdisc_dump(host, ifindex, &q, &n);
	if (r < 0)
		return r;
	for (size_t i = 0; i < n; i++)
		if (q[i].parent == NL_TC_H_INGRESS)
			snprintf(ret, 16, "%s", q[i].kind);
	return 0;
}

/* Our filters on ifindex (0 = on every link of the host namespace). */
static int list_ours(struct nl_sock *host, int ifindex, struct ours **ret, size_t *ret_n)
{
	_cleanup_free_ struct nl_qdisc *q = NULL;
	_cleanup_free_ struct ours *v = NULL;
	size_t nq = 0, n = 0, cap = 0;
	int r;

	r = nl_qdisc_dump(host, ifindex, &q, &nq);
	if (r < 0)
		return r;
	for (size_t i = 0; i < nq; i++) {
		if (q[i].parent != NL_TC_H_INGRESS)
			continue;
		/* An ingress qdisc has one block for every minor: read it once. */
		r = hook_filters(host, q[i].ifindex, NL_TC_H_CLSACT_INGRESS, &v, &n, &cap);
		if (r >= 0 && streq(q[i].kind, "clsact"))
			r = hook_filters(host, q[i].ifindex, NL_TC_H_CLSACT_EGRESS, &v, &n, &cap);
		if (r < 0)
			return r;
	}
	*ret = TAKE_PTR(v);
	*ret_n = n;
	return 0;
}

/* Our clsact goes when no filter at all is left under it (bandwidth's ingress qdisc stays). */
static int drop_empty_clsact(struct nl_sock *host, int ifindex)
{
	char kind[16];
	int r;

	r = hook_qdisc(host, ifindex, kind);
	if (r < 0 || !streq(kind, "clsact"))
		return r;
	for (size_t i = 0; i < ELEMENTSOF(hooks); i++) {
		_cleanup_free_ struct nl_filter *f = NULL;
		size_t n = 0;

		r = nl_filter_dump(host, ifindex, hooks[i].parent, &f, &n);
		if (r < 0)
			return r;
		if (n > 0)
			return 0;
	}
	return nl_qdisc_del(host, ifindex, NL_TC_H_INGRESS);
}

/* Every lmir- tunnel that no filter of ours mirrors to any more goes. */
static int sweep_tunnels(struct nl_sock *host, struct cni_error *err)
{
	_cleanup_free_ struct nl_link *links = NULL;
	_cleanup_free_ struct ours *v = NULL;
	size_t nl = 0, n = 0;
	int r, ret = 0;

	r = nl_link_dump(host, &links, &nl);
	if (r < 0)
		return skel_nl_error(err, host, r, "mirror: failed to list links");
	r = list_ours(host, 0, &v, &n);
	if (r < 0)
		return skel_nl_error(err, host, r, "mirror: failed to list tc filters");
	for (size_t i = 0; i < nl; i++) {
		bool used = false;

		if (!startswith(links[i].name, MIRROR_TUNNEL_PREFIX) ||
		    !streq(links[i].kind, "vxlan"))
			continue;
		for (size_t j = 0; j < n && !used; j++)
			used = v[j].target == links[i].ifindex;
		if (used)
			continue;
		r = nl_link_del(host, links[i].ifindex);
		if (r < 0 && ret == 0)
			ret = skel_nl_error(err, host, r, "mirror: failed to delete tunnel %s",
					    links[i].name);
	}
	return ret;
}

/*
 * After our node went by handle: when no filter node is left at prio (only u32's empty hash
 * table, node number 0), delete the prio too, so the hook holds nothing of ours.
 */
static int drop_empty_prio(struct nl_sock *host, int ifindex, uint32_t parent, uint16_t prio)
{
	_cleanup_free_ struct nl_filter *f = NULL;
	size_t n = 0;
	int r;

	r = nl_filter_dump(host, ifindex, parent, &f, &n);
	if (r < 0)
		return r;
	for (size_t i = 0; i < n; i++)
		if (f[i].prio == prio && (f[i].handle & 0xfff) != 0)
			return 0;
	return nl_filter_del(host, ifindex, parent, prio, 0);
}

/* Delete our filters on ifindex (0 = everywhere) whose cookie doomed() picks. */
static int del_filters(struct nl_sock *host, int ifindex,
		       bool (*doomed)(const uint8_t *cookie, const void *userdata),
		       const void *userdata, struct cni_error *err)
{
	_cleanup_free_ struct ours *v = NULL;
	size_t n = 0;
	int r, ret = 0;

	r = list_ours(host, ifindex, &v, &n);
	if (r < 0)
		return skel_nl_error(err, host, r, "mirror: failed to list tc filters");
	for (size_t i = 0; i < n; i++) {
		uint16_t prio = v[i].parent == NL_TC_H_CLSACT_INGRESS ? MIRROR_PRIO_POD_EGRESS
								      : MIRROR_PRIO_POD_INGRESS;

		if (!doomed(v[i].cookie, userdata))
			continue;
		/* By handle: a filter somebody else put at our prio stays. */
		r = nl_filter_del(host, v[i].ifindex, v[i].parent, prio, v[i].handle);
		if (r >= 0)
			r = drop_empty_prio(host, v[i].ifindex, v[i].parent, prio);
		if (r < 0 && ret == 0)
			ret = skel_nl_error(err, host, r, "mirror: failed to delete filter on "
					    "ifindex %d", v[i].ifindex);
		if (r >= 0)
			(void)drop_empty_clsact(host, v[i].ifindex);
	}
	return ret;
}

static bool cookie_equal(const uint8_t *cookie, const void *userdata)
{
	return memcmp(cookie, userdata, MIRROR_COOKIE_SIZE) == 0;
}

/* --- the collector ------------------------------------------------------------------ */

static void vxlan_want(const struct mirror_collector *c, int underlay, struct nl_vxlan *ret)
{
	*ret = (struct nl_vxlan){
		.vni = c->vxlan.vni,
		.group = c->vxlan.remote,
		.link = underlay,
		.port = c->vxlan.port,
	};
}

/*
 * The collector's link. A VXLAN tunnel is made when missing (*ret_created), reused when
 * one of its name matches; with create false a missing tunnel is -ENODEV.
 */
static int collector_link(struct nl_sock *host, const struct mirror_collector *c, bool create,
			  struct nl_link *ret, bool *ret_created, struct cni_error *err)
{
	char name[MIRROR_IFNAMSIZ];
	struct nl_vxlan want;
	struct nl_link l;
	int underlay = 0, r;

	switch (c->kind) {
	case MIRROR_COLLECTOR_NONE:
		return cni_error_set(err, CNI_ERR_INVALID_CONFIG, "mirror: no collector");
	case MIRROR_COLLECTOR_INTERFACE:
		r = nl_link_get_by_name(host, c->interface, ret);
		if (r < 0)
			return skel_nl_error(err, host, r,
					     "mirror: collector interface %s not found",
					     c->interface);
		return 0;
	case MIRROR_COLLECTOR_VXLAN:
		break;
	}
	mirror_tunnel_name(c, name);
	if (c->vxlan.dev[0]) {
		underlay = nl_link_name_to_index(host, c->vxlan.dev);
		if (underlay <= 0)
			return cni_error_set(err, CNI_ERR_INTERNAL,
					     "mirror: collector underlay %s not found",
					     c->vxlan.dev);
	}
	vxlan_want(c, underlay, &want);
	r = nl_link_get_by_name(host, name, &l);
	if (r == -ENODEV && create) {
		struct nl_vxlan_spec s = { .name = name, .vx = want };

		r = nl_vxlan_create(host, &s);
		if (r < 0)
			return skel_nl_error(err, host, r, "mirror: failed to create tunnel %s",
					     name);
		*ret_created = true;
		r = nl_link_get_by_name(host, name, &l);
	}
	if (r < 0)
		return skel_nl_error(err, host, r, "mirror: tunnel %s not found", name);
	if (!streq(l.kind, "vxlan") || !nl_vxlan_matches(&l.vxlan, &want))
		return cni_error_set(err, CNI_ERR_INTERNAL,
				     "mirror: %s exists but is not the tunnel to this collector",
				     name);
	if (create && !nl_link_is_up(&l)) {
		r = nl_link_set_up(host, l.ifindex, true);
		if (r < 0)
			return skel_nl_error(err, host, r, "mirror: failed to set %s up", name);
	}
	*ret = l;
	return 0;
}

/* --- ADD ------------------------------------------------------------------------------- */

static int ensure_hooks(struct nl_sock *host, const struct nl_link *hl,
			const struct mirror_conf *c, bool *ret_created, struct cni_error *err)
{
	char kind[16];
	int r;

	r = nl_qdisc_clsact_add(host, hl->ifindex);
	if (r >= 0) {
		*ret_created = true;
		return 0;
	}
	if (r != -EEXIST)
		return skel_nl_error(err, host, r, "mirror: failed to add clsact qdisc on %s",
				     hl->name);
	r = hook_qdisc(host, hl->ifindex, kind);
	if (r < 0)
		return skel_nl_error(err, host, r, "mirror: failed to list qdiscs of %s",
				     hl->name);
	if (streq(kind, "clsact"))
		return 0;
	/* bandwidth's ingress qdisc: its block serves pod egress, there is no egress hook */
	if (streq(kind, "ingress") && !c->ingress)
		return 0;
	return cni_error_set(err, CNI_ERR_INTERNAL,
			     "mirror: %s has an ingress qdisc (bandwidth's?), not clsact: cannot "
			     "mirror pod ingress there", hl->name);
}

static int cmd_add(struct skel_request *req, struct cni_result **ret_result,
		   struct cni_error *err)
{
	_cleanup_(nl_sock_freep) struct nl_sock *host = NULL;
	_cleanup_close_ int lock = -1;
	uint8_t cookie[MIRROR_COOKIE_SIZE];
	bool made_tunnel = false, made_qdisc = false;
	struct nl_link hl, col;
	struct mirror_conf c;
	int r;

	r = mirror_conf_parse(req->config, req->runtime_config, &c, err);
	if (r < 0)
		return r;
	r = skel_require_prev_result(req, err);
	if (r < 0)
		return r;
	if (!c.enabled)
		return skel_pass_prev_result(req, ret_result);
	r = skel_lock_file("mirror", MIRROR_LOCK_FILE, &lock, err);
	if (r < 0)
		return r;
	r = open_host(&host, err);
	if (r < 0)
		return r;
	r = find_host_iface(req, host, req->prev_result, &hl, err);
	if (r < 0)
		return r;
	mirror_cookie(req->name, req->container_id, req->ifname, cookie);
	r = collector_link(host, &c.collector, true, &col, &made_tunnel, err);
	if (r < 0)
		goto fail;
	if (col.ifindex == hl.ifindex) {
		r = cni_error_set(err, CNI_ERR_INVALID_CONFIG,
				  "mirror: the collector %s is the pod's own interface", col.name);
		goto fail;
	}
	r = ensure_hooks(host, &hl, &c, &made_qdisc, err);
	if (r < 0)
		goto fail;

	/* A leftover of an earlier ADD of this attachment may point elsewhere: start afresh. */
	r = del_filters(host, hl.ifindex, cookie_equal, cookie, err);
	if (r < 0)
		goto fail;
	for (size_t i = 0; i < ELEMENTSOF(hooks); i++) {
		if (!hook_wanted(&c, &hooks[i]))
			continue;
		r = nl_filter_mirror_add(host, hl.ifindex, hooks[i].parent, hooks[i].prio,
					 col.ifindex, cookie, sizeof(cookie));
		if (r < 0) {
			skel_nl_error(err, host, r, "mirror: failed to add filter mirroring pod %s "
				      "on %s", hooks[i].pod_dir, hl.name);
			goto fail;
		}
	}
	return skel_pass_prev_result(req, ret_result);
fail:
	/* Undo exactly what this ADD made: our filters, then what is left unused. */
	(void)del_filters(host, hl.ifindex, cookie_equal, cookie, &(struct cni_error){});
	if (made_qdisc)
		(void)drop_empty_clsact(host, hl.ifindex);
	if (made_tunnel)
		(void)sweep_tunnels(host, &(struct cni_error){});
	return r;
}

/* --- DEL ------------------------------------------------------------------------------- */

/*
 * Best effort and idempotent, without the config: our filters are found by cookie on the
 * pod's host veth (gone with the pod's namespace, and the filters with it), then every
 * tunnel left without a user goes.
 */
static int cmd_del(struct skel_request *req, struct cni_error *err)
{
	_cleanup_(nl_sock_freep) struct nl_sock *host = NULL;
	_cleanup_close_ int lock = -1;
	struct cni_error first = {}, e = {};
	uint8_t cookie[MIRROR_COOKIE_SIZE];
	struct nl_link hl;
	int r, first_r = 0;

	r = skel_lock_file("mirror", MIRROR_LOCK_FILE, &lock, err);
	if (r < 0)
		return r;
	r = open_host(&host, err);
	if (r < 0)
		return r;
	if (req->netns && *req->netns && find_host_iface(req, host, NULL, &hl, &e) >= 0) {
		mirror_cookie(req->name, req->container_id, req->ifname, cookie);
		r = del_filters(host, hl.ifindex, cookie_equal, cookie, &e);
		skel_keep_first(&first, &first_r, r, &e);
	}
	cni_error_clear(&e);
	r = sweep_tunnels(host, &e);
	skel_keep_first(&first, &first_r, r, &e);
	if (first_r < 0)
		return cni_error_set(err, first.code, "%s", first.msg);
	return 0;
}

/* --- CHECK ----------------------------------------------------------------------------- */

static int missing(struct cni_error *err, const struct hook *h, const struct nl_link *hl,
		   struct nl_sock *host, int col_ifindex, const char *col_name,
		   const struct ours *other)
{
	struct nl_link col;
	uint64_t tx = 0;
	char extra[96] = "";

	/* Re-read: the counter CHECK found first may be stale by now. */
	if (nl_link_get_by_index(host, col_ifindex, &col) >= 0)
		tx = col.tx_packets;
	if (other)
		snprintf(extra, sizeof(extra), "; this pod's pod-%s filter has mirrored %llu",
			 other->parent == NL_TC_H_CLSACT_INGRESS ? "egress" : "ingress",
			 (unsigned long long)other->packets);
	return cni_error_set(err, CNI_ERR_INTERNAL,
			     "mirror: the filter mirroring pod %s on %s to %s is gone "
			     "(mirrored packets: %llu, the TX counter of collector %s%s)",
			     h->pod_dir, hl->name, col_name, (unsigned long long)tx, col_name,
			     extra);
}

static int cmd_check(struct skel_request *req, struct cni_error *err)
{
	_cleanup_(nl_sock_freep) struct nl_sock *host = NULL;
	_cleanup_free_ struct ours *v = NULL;
	uint8_t cookie[MIRROR_COOKIE_SIZE];
	struct nl_link hl, col;
	struct mirror_conf c;
	bool unused = false;
	size_t n = 0;
	int r;

	r = mirror_conf_parse(req->config, req->runtime_config, &c, err);
	if (r < 0)
		return r;
	r = skel_require_prev_result(req, err);
	if (r < 0)
		return r;
	r = open_host(&host, err);
	if (r < 0)
		return r;
	r = find_host_iface(req, host, req->prev_result, &hl, err);
	if (r < 0)
		return r;
	mirror_cookie(req->name, req->container_id, req->ifname, cookie);
	r = list_ours(host, hl.ifindex, &v, &n);
	if (r < 0)
		return skel_nl_error(err, host, r, "mirror: failed to list tc filters of %s",
				     hl.name);
	if (!c.enabled) {
		for (size_t i = 0; i < n; i++)
			if (cookie_equal(v[i].cookie, cookie))
				return cni_error_set(err, CNI_ERR_INTERNAL,
						     "mirror: %s is mirrored but the config "
						     "disables mirroring", hl.name);
		return 0;
	}
	r = collector_link(host, &c.collector, false, &col, &unused, err);
	if (r < 0)
		return r;
	for (size_t h = 0; h < ELEMENTSOF(hooks); h++) {
		const struct ours *mine = NULL, *other = NULL;

		for (size_t i = 0; i < n; i++) {
			if (!cookie_equal(v[i].cookie, cookie))
				continue;
			if (v[i].parent == hooks[h].parent)
				mine = &v[i];
			else
				other = &v[i];
		}
		if (!hook_wanted(&c, &hooks[h])) {
			if (mine)
				return cni_error_set(err, CNI_ERR_INTERNAL,
						     "mirror: pod %s on %s is mirrored but the "
						     "config does not ask for it",
						     hooks[h].pod_dir, hl.name);
			continue;
		}
		if (!mine)
			return missing(err, &hooks[h], &hl, host, col.ifindex, col.name, other);
		if (mine->target != col.ifindex)
			return cni_error_set(err, CNI_ERR_INTERNAL,
					     "mirror: pod %s on %s is mirrored to ifindex %d, "
					     "not to the collector %s (%d)",
					     hooks[h].pod_dir, hl.name, mine->target, col.name,
					     col.ifindex);
	}
	return 0;
}

/* --- GC -------------------------------------------------------------------------------- */

struct gc_ctx {
	const char *network;
	uint8_t (*valid)[MIRROR_COOKIE_SIZE];
	size_t n_valid;
};

static bool stale(const uint8_t *cookie, const void *userdata)
{
	const struct gc_ctx *g = userdata;

	if (!mirror_cookie_of_network(cookie, MIRROR_COOKIE_SIZE, g->network))
		return false;
	for (size_t i = 0; i < g->n_valid; i++)
		if (memcmp(g->valid[i], cookie, MIRROR_COOKIE_SIZE) == 0)
			return false;
	return true;
}

static int cmd_gc(struct skel_request *req, struct cni_error *err)
{
	_cleanup_(nl_sock_freep) struct nl_sock *host = NULL;
	_cleanup_free_ uint8_t (*valid)[MIRROR_COOKIE_SIZE] = NULL;
	_cleanup_close_ int lock = -1;
	struct cni_error first = {}, e = {};
	struct gc_ctx g = { .network = req->name };
	size_t total;
	int r, first_r = 0;

	/* Without the list we cannot know what is stale: touch nothing. */
	if (!json_is_array(req->valid_attachments))
		return 0;
	total = json_array_size(req->valid_attachments);
	valid = calloc(total + 1, sizeof(*valid));
	if (!valid)
		return -ENOMEM;
	for (size_t i = 0; i < total; i++) {
		const json_t *a = json_array_get(req->valid_attachments, i);
		const char *cid = json_string_value(godec_get(a, "containerID"));
		const char *ifn = json_string_value(godec_get(a, "ifname"));

		if (cid && ifn)
			mirror_cookie(req->name, cid, ifn, valid[g.n_valid++]);
	}
	g.valid = valid;
	r = skel_lock_file("mirror", MIRROR_LOCK_FILE, &lock, err);
	if (r < 0)
		return r;
	r = open_host(&host, err);
	if (r < 0)
		return r;
	r = del_filters(host, 0, stale, &g, &e);
	skel_keep_first(&first, &first_r, r, &e);
	cni_error_clear(&e);
	r = sweep_tunnels(host, &e);
	skel_keep_first(&first, &first_r, r, &e);
	if (first_r < 0)
		return cni_error_set(err, first.code, "%s", first.msg);
	return 0;
}

int main(int argc, char **argv)
{
	static const char *const versions[] = {
		"0.3.0", "0.3.1", "0.4.0", "1.0.0", "1.1.0", NULL,
	};
	static const struct skel_plugin plugin = {
		.name = "CNI mirror plugin (linen)",
		.versions = versions,
		.add = cmd_add,
		.del = cmd_del,
		.check = cmd_check,
		.gc = cmd_gc,
	};

	return skel_main(argc, argv, &plugin);
}
