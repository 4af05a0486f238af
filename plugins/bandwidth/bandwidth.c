// SPDX-License-Identifier: Apache-2.0
/*
 * bandwidth - the chained CNI plugin that rate-limits a pod with tc.
 *
 * A drop-in replacement for the reference bandwidth plugin: the same config keys and
 * `bandwidth` capability (see bandwidth-config.h), the same kernel objects. Ingress (traffic
 * to the pod) is a root TBF (handle 1:) on the host end of the pod's veth. Egress (traffic
 * from the pod) arrives on the host veth's ingress side, where a u32 match-all filter under
 * an ingress qdisc redirects it to an IFB device ("bwp" + hash of network and container),
 * whose root TBF shapes it; the IFB is appended to the result. The filter has the
 * reference's exact shape (classid 1:1, a second, never-reached mirred action), so `tc filter
 * show` reads the same for both plugins. The host veth is found as the
 * veth peer of CNI_IFNAME in the pod and must be listed in prevResult without a sandbox.
 *
 * Beyond the reference: a failed ADD removes what it made; DEL also removes the qdiscs (not
 * only the IFB); CHECK also verifies the redirect; GC deletes the IFBs of attachments the
 * runtime no longer lists. An IFB name is a hash, so ours carry an alias naming the network
 * (BW_ALIAS_PREFIX + name): GC never touches another network's IFBs, nor IFBs it did not
 * make.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "basic/json-util.h"
#include "basic/macro.h"
#include "netlink/netlink.h"
#include "plugins/bandwidth/bandwidth-config.h"
#include "skel/plugin-net.h"
#include "skel/plugin-util.h"
#include "skel/skel.h"

#define IFF_UP_FLAG 0x1

/*
 * The host end of the pod's veth: the peer of CNI_IFNAME, which must live in our (host)
 * namespace; when res is given it must also be listed there without a sandbox.
 */
static int find_host_iface(const struct skel_request *req, struct nl_sock *host,
			   const struct cni_result *res, struct nl_link *ret, struct cni_error *err)
{
	_cleanup_(nl_sock_freep) struct nl_sock *cont = NULL;
	struct nl_link cl, hl;
	int r;

	if (res && res->n_interfaces == 0)
		return cni_error_set(err, CNI_ERR_INVALID_CONFIG, "no interfaces provided");
	if (!req->netns || !*req->netns)
		return cni_error_set(err, CNI_ERR_INVALID_NETNS, "no network namespace given");
	r = nl_sock_open_netns_path(req->netns, &cont);
	if (r < 0)
		return cni_error_set(err, CNI_ERR_INVALID_NETNS, "failed to open netns \"%s\": %s",
				     req->netns, strerror(-r));
	r = nl_link_get_by_name(cont, req->ifname, &cl);
	if (r < 0)
		return cni_error_set(err, CNI_ERR_INTERNAL,
				     "container interface %s has no veth peer: %s", req->ifname,
				     strerror(-r));
	if (!streq(cl.kind, "veth") || cl.link <= 0)
		return cni_error_set(err, CNI_ERR_INTERNAL,
				     "container interface %s has no veth peer: not a veth",
				     req->ifname);
	/* An ifindex is per namespace: the link there must be the veth pointing back. */
	r = nl_link_get_by_index(host, cl.link, &hl);
	if (r < 0 || !streq(hl.kind, "veth") || hl.link != cl.ifindex)
		return cni_error_set(err, CNI_ERR_INTERNAL,
				     "veth peer with index %d is not in host ns", cl.link);
	if (res) {
		bool found = false;

		for (size_t i = 0; i < res->n_interfaces && !found; i++) {
			const struct cni_interface *ci = &res->interfaces[i];

			found = (!ci->sandbox || !*ci->sandbox) && ci->name &&
				streq(ci->name, hl.name);
		}
		if (!found)
			return cni_error_set(err, CNI_ERR_INTERNAL, "no veth peer of container "
					     "interface found in host ns");
	}
	*ret = hl;
	return 0;
}

static int tick_in_usec(double *ret, struct cni_error *err)
{
	int r = nl_tc_tick_in_usec(ret);

	if (r < 0)
		return cni_error_set(err, CNI_ERR_INTERNAL, "failed to read /proc/net/psched: %s",
				     strerror(-r));
	return 0;
}

static int tbf_for(uint64_t rate, uint64_t burst, double tick, struct nl_tbf *ret,
		   struct cni_error *err)
{
	if (bw_tbf_params(rate, burst, tick, ret) < 0)
		return cni_error_set(err, CNI_ERR_INVALID_CONFIG, "invalid rate %llu / burst %llu",
				     (unsigned long long)rate, (unsigned long long)burst);
	return 0;
}

/* --- ADD ------------------------------------------------------------------------------- */

struct add_undo {
	int tbf_ifindex;      /* root TBF we put on the host veth */
	int ingress_ifindex;  /* ingress qdisc we put on the host veth */
	int ifb_ifindex;      /* IFB we created */
};

static void undo(struct nl_sock *host, const struct add_undo *u)
{
	if (u->ingress_ifindex > 0)
		(void)nl_qdisc_del(host, u->ingress_ifindex, NL_TC_H_INGRESS);
	if (u->tbf_ifindex > 0)
		(void)nl_qdisc_del(host, u->tbf_ifindex, NL_TC_H_ROOT);
	if (u->ifb_ifindex > 0)
		(void)nl_link_del(host, u->ifb_ifindex);
}

static int add_ingress(struct nl_sock *host, const struct nl_link *hl, const struct bw_limits *l,
		       double tick, struct add_undo *u, struct cni_error *err)
{
	struct nl_tbf t;
	int r;

	r = tbf_for(l->ingress_rate, l->ingress_burst, tick, &t, err);
	if (r < 0)
		return r;
	r = nl_qdisc_tbf_replace(host, hl->ifindex, &t);
	if (r < 0)
		return skel_nl_error(err, host, r, "create qdisc on %s", hl->name);
	u->tbf_ifindex = hl->ifindex;
	return 0;
}

static int ensure_ifb(struct nl_sock *host, const struct skel_request *req, const char *name,
		      uint32_t mtu, struct nl_link *ret, struct add_undo *u, struct cni_error *err)
{
	char alias[NL_IFALIAS_MAX];
	struct nl_link ifb;
	int r;

	r = nl_ifb_create(host, name, mtu);
	if (r < 0 && r != -EEXIST)
		return skel_nl_error(err, host, r, "adding link %s", name);
	r = nl_link_get_by_name(host, name, &ifb);
	if (r < 0)
		return skel_nl_error(err, host, r, "failed to find IFB %s", name);
	/* A leftover of an earlier ADD of this very attachment is reused; anything else not. */
	if (!streq(ifb.kind, "ifb"))
		return cni_error_set(err, CNI_ERR_INTERNAL,
				     "adding link %s: a non-IFB link of that name exists", name);
	u->ifb_ifindex = ifb.ifindex;
	bw_ifb_alias(req->name, alias, sizeof(alias));
	r = nl_link_set_alias(host, ifb.ifindex, alias);
	if (r < 0)
		return skel_nl_error(err, host, r, "failed to tag IFB %s", name);
	if (ifb.mtu != mtu && mtu > 0) {
		r = nl_link_set_mtu(host, ifb.ifindex, mtu);
		if (r < 0)
			return skel_nl_error(err, host, r, "failed to set MTU of IFB %s", name);
	}
	r = nl_link_set_up(host, ifb.ifindex, true);
	if (r < 0)
		return skel_nl_error(err, host, r, "failed to set IFB %s up", name);
	r = nl_link_get_by_index(host, ifb.ifindex, &ifb);
	if (r < 0)
		return skel_nl_error(err, host, r, "failed to find IFB %s", name);
	*ret = ifb;
	return 0;
}

static int add_egress(struct nl_sock *host, const struct skel_request *req,
		      const struct nl_link *hl, const struct bw_limits *l, double tick,
		      struct nl_link *ret_ifb, struct add_undo *u, struct cni_error *err)
{
	char name[BW_IFNAMSIZ];
	struct nl_link ifb;
	struct nl_tbf t;
	int r;

	r = tbf_for(l->egress_rate, l->egress_burst, tick, &t, err);
	if (r < 0)
		return r;
	if (bw_ifb_name(req->name, req->container_id, name) < 0)
		return -ENOMEM;
	r = ensure_ifb(host, req, name, hl->mtu, &ifb, u, err);
	if (r < 0)
		return r;

	/*
	 * The host veth belongs to this attachment alone: an ingress qdisc already there is a
	 * leftover of ours (its filters may point at an older IFB), so start it afresh.
	 */
	r = nl_qdisc_ingress_add(host, hl->ifindex);
	if (r == -EEXIST) {
		r = nl_qdisc_del(host, hl->ifindex, NL_TC_H_INGRESS);
		if (r >= 0)
			r = nl_qdisc_ingress_add(host, hl->ifindex);
	}
	if (r < 0)
		return skel_nl_error(err, host, r, "create ingress qdisc on %s", hl->name);
	u->ingress_ifindex = hl->ifindex;
	r = nl_filter_redirect_compat_add(host, hl->ifindex, NL_TC_HANDLE(0xffff, 0), 1,
					  ifb.ifindex);
	if (r < 0)
		return skel_nl_error(err, host, r, "add filter on %s", hl->name);
	r = nl_qdisc_tbf_replace(host, ifb.ifindex, &t);
	if (r < 0)
		return skel_nl_error(err, host, r, "create qdisc on %s", name);
	*ret_ifb = ifb;
	return 0;
}

static int pass_through(struct skel_request *req, struct cni_result **ret_result)
{
	struct cni_result *res = req->prev_result ? TAKE_PTR(req->prev_result) : cni_result_new();

	if (!res || cni_result_set_version(res, req->cni_version) < 0) {
		cni_result_free(res);
		return -ENOMEM;
	}
	*ret_result = res;
	return 0;
}

static int cmd_add(struct skel_request *req, struct cni_result **ret_result,
		   struct cni_error *err)
{
	_cleanup_(nl_sock_freep) struct nl_sock *host = NULL;
	struct add_undo u = {};
	struct nl_link hl, ifb;
	struct bw_limits l;
	double tick;
	int r;

	r = bw_limits_parse(req->config, req->runtime_config, &l, err);
	if (r < 0)
		return r;
	if (!bw_has_ingress(&l) && !bw_has_egress(&l))
		return pass_through(req, ret_result);
	if (!req->prev_result)
		return cni_error_set(err, CNI_ERR_INVALID_CONFIG,
				     "must be called as chained plugin");
	r = tick_in_usec(&tick, err);
	if (r < 0)
		return r;
	r = nl_sock_open(&host);
	if (r < 0)
		return cni_error_set(err, CNI_ERR_INTERNAL, "failed to open netlink: %s",
				     strerror(-r));
	r = find_host_iface(req, host, req->prev_result, &hl, err);
	if (r < 0)
		return r;

	if (bw_has_ingress(&l)) {
		r = add_ingress(host, &hl, &l, tick, &u, err);
		if (r < 0)
			goto fail;
	}
	if (bw_has_egress(&l)) {
		char mac[18];

		r = add_egress(host, req, &hl, &l, tick, &ifb, &u, err);
		if (r < 0)
			goto fail;
		r = cni_result_add_interface(req->prev_result, ifb.name,
					     ifb.has_mac ? nl_mac_to_string(ifb.mac, mac) : NULL,
					     NULL);
		if (r < 0)
			goto fail;
	}
	return pass_through(req, ret_result);
fail:
	undo(host, &u);
	return r;
}

/* --- DEL ------------------------------------------------------------------------------- */

/*
 * Best effort and idempotent: the IFB goes by name; the qdiscs on the host veth go when the
 * pod's veth can still be found (after the main plugin's DEL it is gone with them).
 */
static int cmd_del(struct skel_request *req, struct cni_error *err)
{
	_cleanup_(nl_sock_freep) struct nl_sock *host = NULL;
	struct cni_error ignored = {};
	char name[BW_IFNAMSIZ];
	struct bw_limits l;
	bool known, first_err = false;
	struct nl_link hl;
	int r, ret = 0;

	/* An unreadable config still lets us remove the IFB (its name does not depend on it). */
	known = bw_limits_parse(req->config, req->runtime_config, &l, &ignored) >= 0;
	r = nl_sock_open(&host);
	if (r < 0)
		return cni_error_set(err, CNI_ERR_INTERNAL, "failed to open netlink: %s",
				     strerror(-r));
	if (bw_ifb_name(req->name, req->container_id, name) < 0)
		return -ENOMEM;

	if (req->netns && *req->netns && find_host_iface(req, host, NULL, &hl, &ignored) >= 0) {
		if (!known || bw_has_egress(&l)) {
			r = nl_qdisc_del(host, hl.ifindex, NL_TC_H_INGRESS);
			if (r < 0 && !first_err) {
				first_err = true;
				ret = skel_nl_error(err, host, r, "failed to delete ingress qdisc on %s",
					      hl.name);
			}
		}
		if (!known || bw_has_ingress(&l)) {
			_cleanup_free_ struct nl_qdisc *v = NULL;
			size_t n = 0;

			/* Only the TBF we make (1:), never another root qdisc. */
			r = nl_qdisc_dump(host, hl.ifindex, &v, &n);
			for (size_t i = 0; r >= 0 && i < n; i++)
				if (v[i].parent == NL_TC_H_ROOT && streq(v[i].kind, "tbf") &&
				    v[i].handle == NL_TC_HANDLE(1, 0))
					r = nl_qdisc_del(host, hl.ifindex, NL_TC_H_ROOT);
			if (r < 0 && !first_err) {
				first_err = true;
				ret = skel_nl_error(err, host, r, "failed to delete qdisc on %s",
					      hl.name);
			}
		}
	}
	r = nl_link_del_by_name(host, name);
	if (r < 0 && r != -ENODEV && !first_err)
		ret = skel_nl_error(err, host, r, "failed to delete IFB %s", name);
	return ret;
}

/* --- CHECK ----------------------------------------------------------------------------- */

/* The kernel keeps the buffer in ns capped at 32 bits and reports it back in ticks. */
static uint32_t kernel_buffer(uint32_t ticks)
{
	uint64_t ns = (uint64_t)ticks << 6;

	return (uint32_t)((ns > UINT32_MAX ? UINT32_MAX : ns) >> 6);
}

static int check_tbf(struct nl_sock *host, const struct nl_link *link, uint64_t rate,
		     uint64_t burst, double tick, struct cni_error *err)
{
	_cleanup_free_ struct nl_qdisc *v = NULL;
	const struct nl_qdisc *q = NULL;
	struct nl_tbf want;
	size_t n = 0;
	int r;

	r = tbf_for(rate, burst, tick, &want, err);
	if (r < 0)
		return r;
	r = nl_qdisc_dump(host, link->ifindex, &v, &n);
	if (r < 0)
		return skel_nl_error(err, host, r, "failed to list qdiscs of %s", link->name);
	for (size_t i = 0; i < n && !q; i++)
		if (v[i].parent == NL_TC_H_ROOT)
			q = &v[i];
	if (!q || !q->has_tbf)
		return cni_error_set(err, CNI_ERR_INTERNAL, "Failed to find qdisc on %s",
				     link->name);
	if (q->tbf.rate != want.rate)
		return cni_error_set(err, CNI_ERR_INTERNAL,
				     "Rate doesn't match on %s: %llu, want %llu", link->name,
				     (unsigned long long)q->tbf.rate,
				     (unsigned long long)want.rate);
	if (q->tbf.limit != want.limit)
		return cni_error_set(err, CNI_ERR_INTERNAL,
				     "Limit doesn't match on %s: %u, want %u", link->name,
				     q->tbf.limit, want.limit);
	if (q->tbf.buffer != kernel_buffer(want.buffer))
		return cni_error_set(err, CNI_ERR_INTERNAL,
				     "Buffer doesn't match on %s: %u, want %u", link->name,
				     q->tbf.buffer, kernel_buffer(want.buffer));
	return 0;
}

static int check_redirect(struct nl_sock *host, const struct nl_link *hl, const struct nl_link *ifb,
			  struct cni_error *err)
{
	_cleanup_free_ struct nl_filter *v = NULL;
	size_t n = 0;
	int r;

	r = nl_filter_dump(host, hl->ifindex, NL_TC_HANDLE(0xffff, 0), &v, &n);
	if (r < 0 && r != -EINVAL && r != -ENOENT)
		return skel_nl_error(err, host, r, "failed to list filters of %s", hl->name);
	for (size_t i = 0; r >= 0 && i < n; i++)
		if (streq(v[i].kind, "u32") && v[i].redirect_ifindex == ifb->ifindex)
			return 0;
	return cni_error_set(err, CNI_ERR_INTERNAL, "no filter on %s redirects to %s", hl->name,
			     ifb->name);
}

static int cmd_check(struct skel_request *req, struct cni_error *err)
{
	_cleanup_(nl_sock_freep) struct nl_sock *host = NULL;
	struct nl_link hl, ifb;
	struct bw_limits l;
	double tick;
	int r;

	r = bw_limits_parse(req->config, req->runtime_config, &l, err);
	if (r < 0)
		return r;
	if (!req->prev_result)
		return cni_error_set(err, CNI_ERR_INVALID_CONFIG,
				     "must be called as a chained plugin");
	if (!bw_has_ingress(&l) && !bw_has_egress(&l))
		return 0;
	r = tick_in_usec(&tick, err);
	if (r < 0)
		return r;
	r = nl_sock_open(&host);
	if (r < 0)
		return cni_error_set(err, CNI_ERR_INTERNAL, "failed to open netlink: %s",
				     strerror(-r));
	r = find_host_iface(req, host, req->prev_result, &hl, err);
	if (r < 0)
		return r;
	if (bw_has_ingress(&l)) {
		r = check_tbf(host, &hl, l.ingress_rate, l.ingress_burst, tick, err);
		if (r < 0)
			return r;
	}
	if (bw_has_egress(&l)) {
		char name[BW_IFNAMSIZ];

		if (bw_ifb_name(req->name, req->container_id, name) < 0)
			return -ENOMEM;
		r = nl_link_get_by_name(host, name, &ifb);
		if (r < 0)
			return skel_nl_error(err, host, r, "failed to find IFB %s", name);
		if (!(ifb.flags & IFF_UP_FLAG))
			return cni_error_set(err, CNI_ERR_INTERNAL, "IFB %s is down", name);
		r = check_tbf(host, &ifb, l.egress_rate, l.egress_burst, tick, err);
		if (r < 0)
			return r;
		r = check_redirect(host, &hl, &ifb, err);
		if (r < 0)
			return r;
	}
	return 0;
}

/* --- GC -------------------------------------------------------------------------------- */

static int cmd_gc(struct skel_request *req, struct cni_error *err)
{
	_cleanup_(nl_sock_freep) struct nl_sock *host = NULL;
	_cleanup_free_ struct nl_ifb *ifbs = NULL;
	_cleanup_free_ char (*valid)[BW_IFNAMSIZ] = NULL;
	char alias[NL_IFALIAS_MAX];
	size_t n_valid = 0, n = 0;
	bool failed = false;
	int r, ret = 0;

	/* Without the list we cannot know what is stale: touch nothing. */
	if (!json_is_array(req->valid_attachments))
		return 0;
	valid = calloc(json_array_size(req->valid_attachments) + 1, sizeof(*valid));
	if (!valid)
		return -ENOMEM;
	for (size_t i = 0; i < json_array_size(req->valid_attachments); i++) {
		const json_t *a = json_array_get(req->valid_attachments, i);
		const char *cid;

		skel_attachment(a, &cid, NULL);
		if (!cid)
			continue;
		if (bw_ifb_name(req->name, cid, valid[n_valid]) < 0)
			return -ENOMEM;
		n_valid++;
	}

	r = nl_sock_open(&host);
	if (r < 0)
		return cni_error_set(err, CNI_ERR_INTERNAL, "failed to open netlink: %s",
				     strerror(-r));
	r = nl_ifb_list(host, &ifbs, &n);
	if (r < 0)
		return skel_nl_error(err, host, r, "failed to list IFB devices");
	bw_ifb_alias(req->name, alias, sizeof(alias));
	for (size_t i = 0; i < n; i++) {
		bool keep = false;

		if (!startswith(ifbs[i].name, BW_IFB_PREFIX) || !streq(ifbs[i].alias, alias))
			continue;
		for (size_t j = 0; j < n_valid && !keep; j++)
			keep = streq(valid[j], ifbs[i].name);
		if (keep)
			continue;
		r = nl_link_del(host, ifbs[i].ifindex);
		if (r < 0 && !failed) {
			failed = true;
			ret = skel_nl_error(err, host, r, "failed to delete stale IFB %s", ifbs[i].name);
		}
	}
	return ret;
}

int main(int argc, char **argv)
{
	static const char *const versions[] = {
		"0.3.0", "0.3.1", "0.4.0", "1.0.0", "1.1.0", NULL,
	};
	static const struct skel_plugin plugin = {
		.name = "CNI bandwidth plugin (linen)",
		.versions = versions,
		.add = cmd_add,
		.del = cmd_del,
		.check = cmd_check,
		.gc = cmd_gc,
	};

	return skel_main(argc, argv, &plugin);
}
