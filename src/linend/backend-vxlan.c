// SPDX-License-Identifier: Apache-2.0
/*
 * backend-vxlan.c - flannel's vxlan backend: the devices and the entries per remote lease,
 * handed to the engine (dataplane.c) as a dataplane kind.
 *
 * Devices flannel.<VNI> (IPv4 underlay) and flannel-v6.<VNI> (IPv6 underlay, when EnableIPv6)
 * with learning off, the external interface as link and its address as local, no group.
 * An existing device is kept when it matches (flannel's rule), so a restart disturbs no
 * flow; its MAC is kept too, and also written to <state dir>/linend-<dev>-<public IP>.mac
 * so a device deleted while linend was down comes back with the MAC every peer still has.
 * The file is keyed by the node's public address of that family (the address peers' FDB
 * entries point at): two nodes whose --subnet-file share a directory must never share a
 * VTEP MAC. Our lease from an earlier run (own_lease_found) wins over all of these, since
 * it is what the peers programmed. A remote lease carrying our MAC (a clone, a copied state
 * dir) makes us take a fresh random MAC and re-publish our lease (net_changed; without it
 * we keep our MAC, since one we cannot advertise cuts us off); both sides may change, which
 * costs one extra change and never leaves the clash in place.
 * Per remote lease: ARP/NDP entry <subnet IP> -> VtepMAC, FDB entry VtepMAC -> PublicIP,
 * route <subnet> via <subnet IP> onlink (dataplane.c orders and diffs them); with
 * DirectRouting and the peer on our link, only a route via the peer's address.
 *
 * Differences from flannel: the IPv6 device's MTU is 70 below the interface's (the IPv6
 * header is 20 bytes longer; flannel uses 50, its issue #1781), and FLANNEL_MTU is the
 * smaller of the two so pods fit through both.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "basic/fileio.h"
#include "basic/log.h"
#include "basic/macro.h"
#include "linend/backend-vxlan.h"
#include "linend/dataplane.h"

#define VXLAN_OVERHEAD_V4 50
#define VXLAN_OVERHEAD_V6 70

struct vxlan_dev {
	int family;                /* AF_INET: flannel.<VNI>, AF_INET6: flannel-v6.<VNI>, 0: none */
	char name[NL_IFNAMSIZ];
	int ifindex;               /* 0 until created */
	uint8_t mac[6];
	uint32_t mtu;
	struct nl_vxlan vx;        /* the attributes we want */
	char mac_file[PATH_MAX];   /* where the MAC is kept across restarts, keyed by node */
};

struct vxlan {
	struct dp *dp;
	struct vxlan_dev dev[2];   /* [0] IPv4, [1] IPv6 */
	struct backend_network net; /* what we advertise (our lease's BackendData) */
	void (*net_changed)(void *userdata, const struct backend_network *net);
	void *net_changed_userdata;
	uint64_t m_devices_created, m_mac_conflicts;
};

void vxlan_mac_choose(const uint8_t *lease_mac, const uint8_t *dev_mac, const char *saved,
		      const uint8_t fresh[static 6], uint8_t ret[static 6], bool *ret_save)
{
	uint8_t s[6];
	bool saved_ok = false;

	if (saved) {
		char buf[18] = "";

		/* the first line, without its newline */
		strncpy(buf, saved, sizeof(buf) - 1);
		buf[strcspn(buf, "\r\n")] = 0;
		saved_ok = mac_parse(buf, s) == 0 && dp_mac_valid(s);
	}
	/* what peers programmed first, then what the kernel has, then what we saved */
	if (lease_mac && dp_mac_valid(lease_mac))
		memcpy(ret, lease_mac, 6);
	else if (dev_mac && dp_mac_valid(dev_mac))
		memcpy(ret, dev_mac, 6);
	else if (saved_ok)
		memcpy(ret, s, 6);
	else
		memcpy(ret, fresh, 6);
	*ret_save = !saved_ok || memcmp(ret, s, 6) != 0;
}

static void want_vx(const struct dp *dp, int family, struct nl_vxlan *vx)
{
	const struct backend_config *b = &dp_config(dp)->backend;
	const struct backend_ext_iface *ext = dp_ext(dp);

	*vx = (struct nl_vxlan){ .vni = b->vni, .link = ext->ifindex, .port = b->port,
				 .learning = b->learning, .gbp = b->gbp };
	vx->local = family == AF_INET ? ext->iface_addr : ext->iface_addr6;
	if (vx->local.family != family)
		vx->local = (struct ip_addr){};
}

static void disable_accept_ra(const char *name)
{
	char path[128];
	_cleanup_close_ int fd = -EBADF;

	snprintf(path, sizeof(path), "/proc/sys/net/ipv6/conf/%s/accept_ra", name);
	fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd < 0 || write(fd, "0", 1) != 1)
		log_debug_errno(errno, "cannot set %s", path);
}

static int create_dev(struct vxlan *x, struct vxlan_dev *dev)
{
	struct nl_sock *nl = dp_nl(x->dp);
	struct nl_vxlan_spec spec = { .name = dev->name, .vx = dev->vx, .mtu = dev->mtu,
				      .mac = dev->mac };
	struct nl_link l;
	char mac[18];
	int r;

	r = nl_vxlan_create(nl, &spec);
	if (r < 0)
		return log_error_errno(r, "failed to create %s: %s", dev->name,
				       nl_sock_errmsg(nl));
	r = nl_link_get_by_name(nl, dev->name, &l);
	if (r < 0)
		return r;
	dev->ifindex = l.ifindex;
	x->m_devices_created++;
	disable_accept_ra(dev->name);
	log_info("created %s (VNI %u, mtu %u, mac %s)", dev->name, dev->vx.vni, dev->mtu,
		 mac_format(dev->mac, mac));
	return 0;
}

/* Bring one device to the wanted state; creates or recreates it when needed. */
static int ensure_dev(struct vxlan *x, struct vxlan_dev *dev)
{
	struct nl_sock *nl = dp_nl(x->dp);
	struct nl_link l;
	int r;

	r = nl_link_get_by_name(nl, dev->name, &l);
	if (r == -ENODEV) {
		if (dev->ifindex)
			log_warning("%s is gone; recreating it", dev->name);
		return create_dev(x, dev);
	}
	if (r < 0)
		return r;
	if (!streq(l.kind, "vxlan") || !nl_vxlan_matches(&l.vxlan, &dev->vx)) {
		log_warning("%s exists with other attributes; recreating it", dev->name);
		r = nl_link_del(nl, l.ifindex);
		if (r < 0)
			return r;
		return create_dev(x, dev);
	}
	dev->ifindex = l.ifindex;
	if (!l.has_mac || memcmp(l.mac, dev->mac, 6) != 0) {
		log_warning("%s has another MAC; restoring ours", dev->name);
		r = nl_link_set_mac(nl, l.ifindex, dev->mac);
		if (r < 0)
			return r;
	}
	if (l.mtu != dev->mtu) {
		r = nl_link_set_mtu(nl, l.ifindex, dev->mtu);
		if (r < 0)
			return r;
	}
	return 0;
}

static int set_up(struct vxlan *x, struct vxlan_dev *dev)
{
	struct nl_sock *nl = dp_nl(x->dp);
	struct nl_link l;
	int r;

	r = nl_link_get_by_index(nl, dev->ifindex, &l);
	if (r < 0)
		return r;
	if (nl_link_is_up(&l))
		return 0;
	r = nl_link_set_up(nl, dev->ifindex, true);
	if (r < 0)
		log_warning_errno(r, "failed to set %s up: %s", dev->name, nl_sock_errmsg(nl));
	return r;
}

static int vxlan_devices_ensure(void *state)
{
	struct vxlan *x = state;

	for (int k = 0; k < 2; k++) {
		struct vxlan_dev *dev = &x->dev[k];
		int r;

		if (!dev->family)
			continue;
		r = ensure_dev(x, dev);
		if (r < 0)
			return r;
		r = set_up(x, dev);
		if (r < 0)
			return r;
	}
	return 0;
}

static void save_mac(const struct vxlan_dev *dev)
{
	char text[19];
	int r;

	mac_format(dev->mac, text);
	strcat(text, "\n");
	r = write_file_atomic(dev->mac_file, text, strlen(text), 0644);
	if (r < 0)
		log_warning_errno(r, "cannot save the MAC of %s in %s", dev->name, dev->mac_file);
}

/* <state dir>/linend-<dev>-<public IP of its family>.mac: one file per node and device. */
int vxlan_mac_file(const char *state_dir, const char *dev, const struct ip_addr *public_ip,
		   char *buf, size_t size)
{
	char ip[IP_ADDR_STRLEN];
	int n;

	if (!public_ip->family)
		return -EINVAL;
	n = snprintf(buf, size, "%s/linend-%s-%s.mac", state_dir ? state_dir : ".", dev,
		     ip_addr_to_string(public_ip, ip));
	return n < 0 || (size_t)n >= size ? -ENAMETOOLONG : 0;
}

static int devices_init(struct vxlan *x, const char *state_dir)
{
	const struct net_config *cfg = dp_config(x->dp);
	const struct backend_ext_iface *ext = dp_ext(x->dp);
	const struct backend_config *b = &cfg->backend;
	unsigned base = b->mtu ? b->mtu : ext->mtu;

	for (int k = 0; k < 2; k++) {
		struct vxlan_dev *dev = &x->dev[k];
		int family = k ? AF_INET6 : AF_INET;
		unsigned overhead = k ? VXLAN_OVERHEAD_V6 : VXLAN_OVERHEAD_V4;
		_cleanup_free_ char *saved = NULL;
		uint8_t fresh[6];
		struct nl_link l;
		bool have_dev, save;
		int r;

		if (k == 0 ? !cfg->enable_ipv4 : !cfg->enable_ipv6)
			continue;
		if (base <= overhead + 68)
			return -EINVAL;
		dev->family = family;
		snprintf(dev->name, sizeof(dev->name), k ? "flannel-v6.%u" : "flannel.%u", b->vni);
		dev->mtu = base - overhead;
		want_vx(x->dp, family, &dev->vx);
		r = vxlan_mac_file(state_dir, dev->name, k ? &ext->ext_addr6 : &ext->ext_addr,
				   dev->mac_file, sizeof(dev->mac_file));
		if (r < 0)
			return r;
		have_dev = nl_link_get_by_name(dp_nl(x->dp), dev->name, &l) == 0 && l.has_mac;
		(void)read_full_file(dev->mac_file, 64, &saved, NULL);
		r = nl_mac_random(fresh);
		if (r < 0)
			return r;
		vxlan_mac_choose(NULL, have_dev ? l.mac : NULL, saved, fresh, dev->mac, &save);
		if (save)
			save_mac(dev);
	}
	return vxlan_devices_ensure(x);
}

/* Take mac for device k: on the device now, in the state file, and in what we advertise. */
static void set_dev_mac(struct vxlan *x, int k, const uint8_t mac[static 6])
{
	struct vxlan_dev *dev = &x->dev[k];
	struct backend_data *bd = k ? &x->net.data6 : &x->net.data;
	int r;

	memcpy(dev->mac, mac, 6);
	memcpy(bd->vtep_mac, mac, 6);
	save_mac(dev);
	if (!dev->ifindex)
		return;
	/* on failure the next pass restores dev->mac (ensure_dev) */
	r = nl_link_set_mac(dp_nl(x->dp), dev->ifindex, mac);
	if (r < 0)
		log_warning_errno(r, "failed to set the MAC of %s: %s", dev->name,
				  nl_sock_errmsg(dp_nl(x->dp)));
}

static int vxlan_lease_state(void *state, const struct dp_lease *dl, struct dp_state *s)
{
	const struct vxlan *x = state;
	const struct lease *l = &dl->lease;
	int r;

	for (int k = 0; k < 2; k++) {
		const struct vxlan_dev *dev = &x->dev[k];
		const struct ip_prefix *sub = k ? &l->subnet6 : &l->subnet;
		const struct ip_addr *pub = k ? &l->attrs.public_ipv6 : &l->attrs.public_ip;
		const struct backend_data *bd = k ? &l->attrs.data6 : &l->attrs.data;
		bool direct = k ? dl->direct6 : dl->direct;
		struct nl_neigh n, f;
		struct nl_route rt;

		if (!dev->family || !dev->ifindex || sub->addr.family != dev->family ||
		    pub->family != dev->family || bd->kind != BACKEND_DATA_VXLAN)
			continue;
		if (direct) {
			rt = (struct nl_route){ .family = dev->family, .dst = *sub, .gw = *pub,
						.oif = dp_ext(x->dp)->ifindex,
						.protocol = NL_RTPROT_LINEN };
			r = dp_state_add_route(s, &rt);
			if (r < 0)
				return r;
			continue;
		}
		nl_neigh_init_permanent(&n, dev->ifindex, &sub->addr, bd->vtep_mac);
		nl_fdb_init_vxlan(&f, dev->ifindex, bd->vtep_mac, pub);
		rt = (struct nl_route){ .family = dev->family, .dst = *sub, .gw = sub->addr,
					.oif = dev->ifindex, .protocol = NL_RTPROT_LINEN,
					.flags = RTNH_F_ONLINK };
		if ((r = dp_state_add_neigh(s, &n)) < 0 || (r = dp_state_add_fdb(s, &f)) < 0 ||
		    (r = dp_state_add_route(s, &rt)) < 0)
			return r;
	}
	return 0;
}

/* the rest of the kind -------------------------------------------------------------------- */

enum dp_reject vxlan_data_check(const struct net_config *cfg, const struct lease *l)
{
	bool v6 = cfg->enable_ipv6 && l->subnet6.addr.family == AF_INET6;

	if (l->attrs.data.kind != BACKEND_DATA_VXLAN)
		return DP_REJECT_BACKEND_MISMATCH;
	if (!dp_mac_valid(l->attrs.data.vtep_mac))
		return DP_REJECT_BAD_MAC;
	if (v6 && l->attrs.data6.kind == BACKEND_DATA_VXLAN &&
	    !dp_mac_valid(l->attrs.data6.vtep_mac))
		return DP_REJECT_BAD_MAC;
	return DP_REJECT_NONE;
}

static enum dp_reject vxlan_accept(void *state, struct dp_lease *dl)
{
	struct vxlan *x = state;
	const struct net_config *cfg = dp_config(x->dp);
	const struct lease *l = &dl->lease;
	enum dp_reject r = vxlan_data_check(cfg, l);

	if (r != DP_REJECT_NONE)
		return r;

	/* DirectRouting: a peer on our link gets a plain route, no tunnel */
	if (cfg->backend.direct_routing) {
		bool v6 = cfg->enable_ipv6 && l->subnet6.addr.family == AF_INET6 &&
			  l->attrs.public_ipv6.family == AF_INET6;

		dl->direct = dp_on_link(x->dp, &l->attrs.public_ip);
		dl->direct6 = v6 && dp_on_link(x->dp, &l->attrs.public_ipv6);
	}
	return DP_REJECT_NONE;
}

/* The addresses of our devices: <subnet IP>/32 (/128) and nothing else of the network. */
static int vxlan_own_sync(void *state, const struct lease *own)
{
	struct vxlan *x = state;
	struct nl_sock *nl = dp_nl(x->dp);
	int first = 0, fixed = 0;

	for (int k = 0; k < 2; k++) {
		struct vxlan_dev *dev = &x->dev[k];
		const struct ip_prefix *sub = k ? &own->subnet6 : &own->subnet;
		_cleanup_free_ struct nl_addr *addrs = NULL;
		struct nl_addr want;
		bool present = false;
		size_t n = 0;
		int r;

		if (!dev->family || !dev->ifindex || sub->addr.family != dev->family)
			continue;
		want = (struct nl_addr){ .ifindex = dev->ifindex, .prefix.addr = sub->addr,
					 .flags = dev->family == AF_INET6 ? IFA_F_NODAD : 0 };
		want.prefix.len = (unsigned char)ip_family_bits(dev->family);
		r = nl_addr_dump(nl, dev->family, dev->ifindex, &addrs, &n);
		if (r < 0) {
			first = first ?: r;
			continue;
		}
		for (size_t i = 0; i < n; i++) {
			struct ip_prefix p = addrs[i].prefix;

			if (addrs[i].ifindex != dev->ifindex)
				continue;
			if (ip_addr_equal(&p.addr, &want.prefix.addr) && p.len == want.prefix.len) {
				present = true;
				continue;
			}
			p.len = (unsigned char)ip_family_bits(dev->family);
			if (dp_in_network(x->dp, &p)) {
				char a[IP_PREFIX_STRLEN];

				log_info("removing old address %s from %s",
					 ip_prefix_to_string(&addrs[i].prefix, a), dev->name);
				r = nl_addr_del(nl, &addrs[i]);
				if (r < 0)
					first = first ?: r;
			}
		}
		if (!present) {
			r = nl_addr_replace(nl, &want);
			if (r < 0) {
				log_warning_errno(r, "failed to set the address of %s: %s",
						  dev->name, nl_sock_errmsg(nl));
				first = first ?: r;
			} else
				fixed++;
		}
	}
	return first < 0 ? first : fixed;
}

static bool want_has_neigh(const struct dp_state *want, const struct nl_neigh *n)
{
	for (size_t i = 0; i < want->n_neighs; i++)
		if (want->neighs[i].ifindex == n->ifindex &&
		    ip_addr_equal(&want->neighs[i].dst, &n->dst))
			return true;
	return false;
}

/* Every permanent neighbour and FDB entry on our devices is ours. */
static int vxlan_dump_have(void *state, const struct dp_state *want, struct dp_state *have)
{
	struct vxlan *x = state;
	struct nl_sock *nl = dp_nl(x->dp);
	int r;

	for (int k = 0; k < 2; k++) {
		const struct vxlan_dev *dev = &x->dev[k];
		_cleanup_free_ struct nl_neigh *ns = NULL, *fs = NULL;
		size_t nn = 0, nf = 0;

		if (!dev->family || !dev->ifindex)
			continue;
		r = nl_neigh_dump(nl, dev->family, dev->ifindex, &ns, &nn);
		if (r < 0)
			return r;
		for (size_t i = 0; i < nn; i++) {
			/* the kernel's own (non-permanent) entries are only ours to fix, never to
			 * delete */
			if (ns[i].ifindex != dev->ifindex ||
			    (!(ns[i].state & NUD_PERMANENT) && !want_has_neigh(want, &ns[i])))
				continue;
			if ((r = dp_state_add_neigh(have, &ns[i])) < 0)
				return r;
		}
		r = nl_neigh_dump(nl, AF_BRIDGE, dev->ifindex, &fs, &nf);
		if (r < 0)
			return r;
		for (size_t i = 0; i < nf; i++) {
			if (fs[i].ifindex != dev->ifindex || !(fs[i].state & NUD_PERMANENT))
				continue;
			fs[i].family = AF_BRIDGE;
			if ((r = dp_state_add_fdb(have, &fs[i])) < 0)
				return r;
		}
	}
	return 0;
}

static bool vxlan_owns_link(const void *state, int ifindex, const char *name)
{
	const struct vxlan *x = state;

	for (int k = 0; k < 2; k++) {
		const struct vxlan_dev *dev = &x->dev[k];

		if (!dev->family)
			continue;
		if ((ifindex && ifindex == dev->ifindex) || (name && streq(name, dev->name)))
			return true;
	}
	return false;
}

static int vxlan_kind_metrics(void *state, FILE *f)
{
	const struct vxlan *x = state;

	fprintf(f,
		"# TYPE linend_dataplane_devices_created_total counter\n"
		"linend_dataplane_devices_created_total %" PRIu64 "\n"
		"# HELP linend_vtep_mac_conflicts_total Remote leases that carried our VTEP MAC.\n"
		"# TYPE linend_vtep_mac_conflicts_total counter\n"
		"linend_vtep_mac_conflicts_total %" PRIu64 "\n",
		x->m_devices_created, x->m_mac_conflicts);
	return 0;
}

static const struct dp_kind vxlan_kind = {
	.type = "vxlan",
	.devices_ensure = vxlan_devices_ensure,
	.own_sync = vxlan_own_sync,
	.lease_accept = vxlan_accept,
	.lease_state = vxlan_lease_state,
	.dump_have = vxlan_dump_have,
	.owns_link = vxlan_owns_link,
	.metrics = vxlan_kind_metrics,
};

/* backend ops --------------------------------------------------------------------------- */

static void vxlan_free(void *state)
{
	struct vxlan *x = state;

	if (!x)
		return;
	dp_free(x->dp);
	free(x);
}

static int vxlan_register(const struct net_config *cfg, const struct backend_ext_iface *ext,
			  const struct backend_env *env, void **ret_state,
			  struct backend_network *ret)
{
	struct backend_network n = {};
	struct vxlan *x;
	int r;

	x = calloc(1, sizeof(*x));
	if (!x)
		return -ENOMEM;
	x->net_changed = env ? env->net_changed : NULL;
	x->net_changed_userdata = env ? env->net_changed_userdata : NULL;
	r = dp_new(&vxlan_kind, x, cfg, ext, env, &x->dp);
	if (r < 0) {
		free(x);
		return r;
	}
	r = devices_init(x, env->state_dir);
	if (r < 0) {
		vxlan_free(x);
		return r;
	}
	strcpy(n.type, "vxlan");
	n.mtu = UINT32_MAX;
	for (int k = 0; k < 2; k++) {
		struct backend_data *bd = k ? &n.data6 : &n.data;

		if (!x->dev[k].family)
			continue;
		*bd = (struct backend_data){ .kind = BACKEND_DATA_VXLAN, .vni = cfg->backend.vni };
		memcpy(bd->vtep_mac, x->dev[k].mac, 6);
		n.mtu = MIN(n.mtu, x->dev[k].mtu);
	}
	x->net = n;
	*ret_state = x;
	*ret = n;
	return 0;
}

/* Our lease from an earlier run: its MACs are what every peer programmed; take them. */
static int vxlan_own_lease_found(void *state, const struct lease *prev,
				 struct backend_network *net)
{
	struct vxlan *x = state;

	for (int k = 0; k < 2; k++) {
		const struct backend_data *pb = k ? &prev->attrs.data6 : &prev->attrs.data;
		struct vxlan_dev *dev = &x->dev[k];
		uint8_t mac[6];
		bool save;
		char a[18], b[18];

		if (!dev->family || pb->kind != BACKEND_DATA_VXLAN)
			continue;
		vxlan_mac_choose(pb->vtep_mac, dev->mac, NULL, dev->mac, mac, &save);
		if (memcmp(mac, dev->mac, 6) == 0)
			continue;
		log_info("%s: taking MAC %s from our lease (was %s), as peers have it", dev->name,
			 mac_format(mac, a), mac_format(dev->mac, b));
		set_dev_mac(x, k, mac);
	}
	net->data = x->net.data;
	net->data6 = x->net.data6;
	return 0;
}

static int vxlan_acquired(void *state, const struct lease *own)
{
	return dp_lease_acquired(((struct vxlan *)state)->dp, own);
}

/*
 * A peer advertises our VTEP MAC: its FDB entry would send our traffic to it, and ARP for
 * the MAC is ambiguous. Take a fresh MAC and tell the daemon to re-publish our lease.
 */
static void mac_conflict(struct vxlan *x, int k, const struct lease *l)
{
	struct vxlan_dev *dev = &x->dev[k];
	char key[LEASE_KEY_MAX], ip[IP_ADDR_STRLEN], m[18];
	uint8_t fresh[6];
	int r;

	x->m_mac_conflicts++;
	if (!x->net_changed) {
		/* a MAC we cannot advertise would cut us off from every peer: keep ours */
		log_error("%s: lease %s carries our VTEP MAC %s; keeping it, as the daemon "
			  "cannot re-publish our lease", dev->name,
			  lease_key_format(&l->subnet, &l->subnet6, key), mac_format(dev->mac, m));
		return;
	}
	r = nl_mac_random(fresh);
	if (r < 0) {
		log_error_errno(r, "%s: lease %s carries our MAC and no fresh one is at hand",
				dev->name, lease_key_format(&l->subnet, &l->subnet6, key));
		return;
	}
	log_warning("%s: lease %s (public IP %s) carries our VTEP MAC %s; taking %s",
		    dev->name, lease_key_format(&l->subnet, &l->subnet6, key),
		    ip_addr_to_string(k ? &l->attrs.public_ipv6 : &l->attrs.public_ip, ip),
		    mac_format(dev->mac, m), mac_format(fresh, (char[18]){}));
	set_dev_mac(x, k, fresh);
	x->net_changed(x->net_changed_userdata, &x->net);
	dp_schedule_pass(x->dp);
}

static int vxlan_added(void *state, const struct lease *l)
{
	struct vxlan *x = state;
	const struct backend_ext_iface *ext = dp_ext(x->dp);

	for (int k = 0; k < 2; k++) {
		const struct backend_data *bd = k ? &l->attrs.data6 : &l->attrs.data;
		const struct ip_addr *pub = k ? &l->attrs.public_ipv6 : &l->attrs.public_ip;

		/* a copy of our own lease is no clash */
		if (!x->dev[k].family || bd->kind != BACKEND_DATA_VXLAN ||
		    ip_addr_equal(pub, k ? &ext->ext_addr6 : &ext->ext_addr))
			continue;
		if (memcmp(bd->vtep_mac, x->dev[k].mac, 6) == 0)
			mac_conflict(x, k, l);
	}
	return dp_lease_added(x->dp, l);
}

static int vxlan_removed(void *state, const struct lease *l)
{
	return dp_lease_removed(((struct vxlan *)state)->dp, l);
}

static int vxlan_reconcile(void *state)
{
	return dp_reconcile(((struct vxlan *)state)->dp);
}

static void vxlan_synced(void *state)
{
	dp_leases_synced(((struct vxlan *)state)->dp);
}

static int vxlan_metrics(void *state, FILE *f)
{
	return dp_metrics(((struct vxlan *)state)->dp, f);
}

const struct backend_ops backend_vxlan_ops = {
	.name = "vxlan",
	.register_network = vxlan_register,
	.own_lease_found = vxlan_own_lease_found,
	.lease_acquired = vxlan_acquired,
	.lease_added = vxlan_added,
	.lease_removed = vxlan_removed,
	.reconcile = vxlan_reconcile,
	.reconcile_interval_usec = DP_RECONCILE_INTERVAL_USEC,
	.leases_synced = vxlan_synced,
	.metrics = vxlan_metrics,
	.free = vxlan_free,
};
