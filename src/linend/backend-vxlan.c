// SPDX-License-Identifier: Apache-2.0
/*
 * backend-vxlan.c - flannel's vxlan backend: the devices and the entries per remote lease.
 *
 * Devices flannel.<VNI> (IPv4 underlay) and flannel-v6.<VNI> (IPv6 underlay, when EnableIPv6)
 * with learning off, the external interface as link and its address as local, no group.
 * An existing device is kept when it matches (flannel's rule), so a restart disturbs no
 * flow; its MAC is kept too, and also written to <state dir>/linend-<dev>.mac so a device
 * deleted while linend was down comes back with the MAC every peer still has.
 * Per remote lease: ARP/NDP entry <subnet IP> → VtepMAC, FDB entry VtepMAC → PublicIP,
 * route <subnet> via <subnet IP> onlink (dataplane.c orders and diffs them); with
 * DirectRouting and the peer on our link, only a route via the peer's address.
 *
 * Differences from flannel: the IPv6 device's MTU is 70 below the interface's (the IPv6
 * header is 20 bytes longer; flannel uses 50, its issue #1781), and FLANNEL_MTU is the
 * smaller of the two so pods fit through both.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "basic/fileio.h"
#include "basic/log.h"
#include "basic/macro.h"
#include "linend/dataplane.h"

#define VXLAN_OVERHEAD_V4 50
#define VXLAN_OVERHEAD_V6 70

void vxlan_mac_choose(const uint8_t *dev_mac, const char *saved, const uint8_t fresh[static 6],
		      uint8_t ret[static 6], bool *ret_save)
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
	if (dev_mac && dp_mac_valid(dev_mac))
		memcpy(ret, dev_mac, 6);
	else if (saved_ok)
		memcpy(ret, s, 6);
	else
		memcpy(ret, fresh, 6);
	*ret_save = !saved_ok || memcmp(ret, s, 6) != 0;
}

static void want_vx(const struct dp *dp, int family, struct nl_vxlan *vx)
{
	const struct backend_config *b = &dp->cfg.backend;

	*vx = (struct nl_vxlan){ .vni = b->vni, .link = dp->ext.ifindex, .port = b->port,
				 .learning = b->learning, .gbp = b->gbp };
	vx->local = family == AF_INET ? dp->ext.iface_addr : dp->ext.iface_addr6;
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

static int create_dev(struct dp *dp, struct dp_vxlan_dev *dev)
{
	struct nl_vxlan_spec spec = { .name = dev->name, .vx = dev->vx, .mtu = dev->mtu,
				      .mac = dev->mac };
	struct nl_link l;
	char mac[18];
	int r;

	r = nl_vxlan_create(dp->nl, &spec);
	if (r < 0)
		return log_error_errno(r, "failed to create %s: %s", dev->name,
				       nl_sock_errmsg(dp->nl));
	r = nl_link_get_by_name(dp->nl, dev->name, &l);
	if (r < 0)
		return r;
	dev->ifindex = l.ifindex;
	dp->m_devices_created++;
	disable_accept_ra(dev->name);
	log_info("created %s (VNI %u, mtu %u, mac %s)", dev->name, dev->vx.vni, dev->mtu,
		 mac_format(dev->mac, mac));
	return 0;
}

/* Bring one device to the wanted state; creates or recreates it when needed. */
static int ensure_dev(struct dp *dp, struct dp_vxlan_dev *dev)
{
	struct nl_link l;
	int r;

	r = nl_link_get_by_name(dp->nl, dev->name, &l);
	if (r == -ENODEV) {
		if (dev->ifindex)
			log_warning("%s is gone; recreating it", dev->name);
		return create_dev(dp, dev);
	}
	if (r < 0)
		return r;
	if (!streq(l.kind, "vxlan") || !nl_vxlan_matches(&l.vxlan, &dev->vx)) {
		log_warning("%s exists with other attributes; recreating it", dev->name);
		r = nl_link_del(dp->nl, l.ifindex);
		if (r < 0)
			return r;
		return create_dev(dp, dev);
	}
	dev->ifindex = l.ifindex;
	if (!l.has_mac || memcmp(l.mac, dev->mac, 6) != 0) {
		log_warning("%s has another MAC; restoring ours", dev->name);
		r = nl_link_set_mac(dp->nl, l.ifindex, dev->mac);
		if (r < 0)
			return r;
	}
	if (l.mtu != dev->mtu) {
		r = nl_link_set_mtu(dp->nl, l.ifindex, dev->mtu);
		if (r < 0)
			return r;
	}
	return 0;
}

static int set_up(struct dp *dp, struct dp_vxlan_dev *dev)
{
	struct nl_link l;
	int r;

	r = nl_link_get_by_index(dp->nl, dev->ifindex, &l);
	if (r < 0)
		return r;
	if (nl_link_is_up(&l))
		return 0;
	r = nl_link_set_up(dp->nl, dev->ifindex, true);
	if (r < 0)
		log_warning_errno(r, "failed to set %s up: %s", dev->name, nl_sock_errmsg(dp->nl));
	return r;
}

int vxlan_devices_ensure(struct dp *dp)
{
	for (int k = 0; k < 2; k++) {
		struct dp_vxlan_dev *dev = &dp->dev[k];
		int r;

		if (!dev->family)
			continue;
		r = ensure_dev(dp, dev);
		if (r < 0)
			return r;
		r = set_up(dp, dev);
		if (r < 0)
			return r;
	}
	return 0;
}

static void save_mac(const struct dp_vxlan_dev *dev)
{
	char text[19];
	int r;

	mac_format(dev->mac, text);
	strcat(text, "\n");
	r = write_file_atomic(dev->mac_file, text, strlen(text), 0644);
	if (r < 0)
		log_warning_errno(r, "cannot save the MAC of %s in %s", dev->name, dev->mac_file);
}

int vxlan_devices_init(struct dp *dp, const char *state_dir)
{
	const struct backend_config *b = &dp->cfg.backend;
	unsigned base = b->mtu ? b->mtu : dp->ext.mtu;

	for (int k = 0; k < 2; k++) {
		struct dp_vxlan_dev *dev = &dp->dev[k];
		int family = k ? AF_INET6 : AF_INET;
		unsigned overhead = k ? VXLAN_OVERHEAD_V6 : VXLAN_OVERHEAD_V4;
		_cleanup_free_ char *saved = NULL;
		uint8_t fresh[6];
		struct nl_link l;
		bool have_dev, save;
		int r;

		if (k == 0 ? !dp->cfg.enable_ipv4 : !dp->cfg.enable_ipv6)
			continue;
		if (base <= overhead + 68)
			return -EINVAL;
		dev->family = family;
		snprintf(dev->name, sizeof(dev->name), k ? "flannel-v6.%u" : "flannel.%u", b->vni);
		dev->mtu = base - overhead;
		want_vx(dp, family, &dev->vx);
		snprintf(dev->mac_file, sizeof(dev->mac_file), "%s/linend-%s.mac",
			 state_dir ? state_dir : ".", dev->name);
		have_dev = nl_link_get_by_name(dp->nl, dev->name, &l) == 0 && l.has_mac;
		(void)read_full_file(dev->mac_file, 64, &saved, NULL);
		r = nl_mac_random(fresh);
		if (r < 0)
			return r;
		vxlan_mac_choose(have_dev ? l.mac : NULL, saved, fresh, dev->mac, &save);
		if (save)
			save_mac(dev);
	}
	return vxlan_devices_ensure(dp);
}

int vxlan_lease_state(const struct dp *dp, const struct dp_lease *dl, struct dp_state *s)
{
	const struct lease *l = &dl->lease;
	int r;

	for (int k = 0; k < 2; k++) {
		const struct dp_vxlan_dev *dev = &dp->dev[k];
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
						.oif = dp->ext.ifindex,
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

/* backend ops --------------------------------------------------------------------------- */

static int vxlan_register(const struct net_config *cfg, const struct backend_ext_iface *ext,
			  const struct backend_env *env, void **ret_state,
			  struct backend_network *ret)
{
	struct backend_network n = {};
	struct dp *dp;
	int r;

	r = dp_new(DP_MODE_VXLAN, cfg, ext, env, &dp);
	if (r < 0)
		return r;
	strcpy(n.type, "vxlan");
	n.mtu = UINT32_MAX;
	for (int k = 0; k < 2; k++) {
		struct backend_data *bd = k ? &n.data6 : &n.data;

		if (!dp->dev[k].family)
			continue;
		*bd = (struct backend_data){ .kind = BACKEND_DATA_VXLAN, .vni = cfg->backend.vni };
		memcpy(bd->vtep_mac, dp->dev[k].mac, 6);
		n.mtu = MIN(n.mtu, dp->dev[k].mtu);
	}
	*ret_state = dp;
	*ret = n;
	return 0;
}

static int vxlan_acquired(void *state, const struct lease *own)
{
	return dp_lease_acquired(state, own);
}

static int vxlan_added(void *state, const struct lease *l)
{
	return dp_lease_added(state, l);
}

static int vxlan_removed(void *state, const struct lease *l)
{
	return dp_lease_removed(state, l);
}

static int vxlan_reconcile(void *state)
{
	return dp_reconcile(state);
}

static void vxlan_synced(void *state)
{
	dp_leases_synced(state);
}

static int vxlan_metrics(void *state, FILE *f)
{
	return dp_metrics(state, f);
}

static void vxlan_free(void *state)
{
	dp_free(state);
}

const struct backend_ops backend_vxlan_ops = {
	.name = "vxlan",
	.register_network = vxlan_register,
	.lease_acquired = vxlan_acquired,
	.lease_added = vxlan_added,
	.lease_removed = vxlan_removed,
	.reconcile = vxlan_reconcile,
	.reconcile_interval_usec = DP_RECONCILE_INTERVAL_USEC,
	.leases_synced = vxlan_synced,
	.metrics = vxlan_metrics,
	.free = vxlan_free,
};
