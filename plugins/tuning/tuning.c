// SPDX-License-Identifier: Apache-2.0
/*
 * tuning - the chained CNI plugin that sets sysctls and link attributes inside the pod.
 *
 * A drop-in replacement for the reference tuning plugin: the same keys and precedence (see
 * tuning-config.h), sysctls only under the pod's /proc/sys/net, the optional allowlist file,
 * duplicate keys refused, and the originals of what it changes saved to
 * <dataDir>/<containerID>_<ifname>.json (the reference's file) and restored on DEL, which
 * always succeeds. The new MAC is written into the passed-through result.
 *
 * After a MAC change a gratuitous ARP goes out for each IPv4 address of the result, as the
 * reference does, so neighbours drop the old MAC.
 *
 * Beyond the reference: every sysctl key is validated before anything is changed; the
 * original sysctl values are saved and restored too; a failed ADD puts back what it changed;
 * CHECK also covers txQLen and IFNAME keys; GC removes backup files of attachments of this
 * network that the runtime no longer lists (files carry the network name; files without it,
 * e.g. the reference's, are left alone).
 */
#include <arpa/inet.h>
#include <dirent.h>
#include <errno.h>
#include <net/if_arp.h>
#include <netinet/if_ether.h>
#include <netpacket/packet.h>
#include <sys/socket.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "basic/fileio.h"
#include "basic/json-util.h"
#include "basic/macro.h"
#include "basic/godec.h"
#include "basic/sysctl.h"
#include "netlink/netlink.h"
#include "plugins/tuning/tuning-config.h"
#include "skel/plugin-net.h"
#include "skel/plugin-util.h"
#include "skel/skel.h"

#define IFF_PROMISC_FLAG 0x100
#define IFF_ALLMULTI_FLAG 0x200

/* A sysctl to set: the path under /proc/sys and the value. */
struct planned {
	char *path;
	const char *value;
	char *orig; /* value before we wrote it */
	bool written;
};

struct plan {
	struct planned *v;
	size_t n;
	int err;          /* first failure inside the netns (-errno) */
	size_t err_at;    /* which entry failed */
	bool reading;     /* phase: read originals, or write */
};

static void plan_done(struct plan *p)
{
	for (size_t i = 0; i < p->n; i++) {
		free(p->v[i].path);
		free(p->v[i].orig);
	}
	free(p->v);
}

static int plan_build(const struct tuning_config *c, const char *ifname, struct plan *ret,
		      struct cni_error *err)
{
	struct plan p = {};

	p.v = calloc(c->n_sysctls + 1, sizeof(*p.v));
	if (!p.v)
		return -ENOMEM;
	for (size_t i = 0; i < c->n_sysctls; i++) {
		int r = tuning_sysctl_path(c->sysctls[i].key, ifname, &p.v[i].path);

		if (r < 0) {
			plan_done(&p);
			if (r == -ENOMEM)
				return r;
			return cni_error_set(err, CNI_ERR_INVALID_CONFIG,
					     "invalid net sysctl key: \"%s\" (only keys under "
					     "/proc/sys/net/ are allowed)", c->sysctls[i].key);
		}
		p.v[i].value = c->sysctls[i].value;
		p.n++;
	}
	*ret = p;
	return 0;
}

/* Runs inside the pod's netns: read the originals, then write (two calls). */
static int plan_apply_in_ns(void *userdata)
{
	struct plan *p = userdata;

	for (size_t i = 0; i < p->n; i++) {
		struct planned *e = &p->v[i];
		int r;

		if (p->reading) {
			/* Write-only keys (route/flush) have no original to restore. */
			r = sysctl_read(e->path, &e->orig);
			if (r == -EACCES || r == -EPERM || r == -EINVAL || r == -EIO)
				r = 0;
		} else {
			r = sysctl_write(e->path, e->value);
			e->written = r >= 0;
		}
		if (r < 0) {
			p->err = r;
			p->err_at = i;
			return r;
		}
	}
	return 0;
}

/* Runs inside the pod's netns: write back originals (best effort). */
static int plan_revert_in_ns(void *userdata)
{
	struct plan *p = userdata;

	for (size_t i = 0; i < p->n; i++)
		if (p->v[i].written && p->v[i].orig)
			(void)sysctl_write(p->v[i].path, p->v[i].orig);
	return 0;
}

struct restore_sysctls {
	const struct tuning_backup *b;
};

static int restore_sysctls_in_ns(void *userdata)
{
	const struct tuning_backup *b = ((struct restore_sysctls *)userdata)->b;

	for (size_t i = 0; i < b->n_sysctls; i++) {
		/* Saved paths are re-validated: the file is outside input like any other. */
		if (tuning_sysctl_path_safe(b->sysctls[i].key))
			(void)sysctl_write(b->sysctls[i].key, b->sysctls[i].value);
	}
	return 0;
}

/* Link attributes back to the saved values; returns the first failure. */
static int restore_link(struct nl_sock *sk, int ifindex, const struct tuning_backup *b)
{
	int r, ret = 0;

	if (b->mtu) {
		r = nl_link_set_mtu(sk, ifindex, (uint32_t)b->mtu);
		ret = ret ?: r;
	}
	if (b->mac) {
		uint8_t mac[6];

		r = nl_mac_parse(b->mac, mac);
		if (r >= 0)
			r = nl_link_set_mac(sk, ifindex, mac);
		ret = ret ?: r;
	}
	if (b->has_promisc) {
		r = nl_link_set_promisc(sk, ifindex, b->promisc);
		ret = ret ?: r;
	}
	if (b->has_allmulti) {
		r = nl_link_set_allmulti(sk, ifindex, b->allmulti);
		ret = ret ?: r;
	}
	if (b->has_txqlen) {
		r = nl_link_set_txqlen(sk, ifindex, (uint32_t)b->txqlen);
		ret = ret ?: r;
	}
	return ret;
}

static int parse(struct skel_request *req, struct tuning_config **ret, struct cni_error *err)
{
	_cleanup_strv_free_ char **allow = NULL;
	int r;

	r = tuning_check_duplicate_sysctls(req->stdin_data, req->stdin_len, err);
	if (r < 0)
		return r;
	r = tuning_config_parse(req->config, &req->args, ret, err);
	if (r < 0)
		return r;
	r = tuning_allowlist_load(TUNING_ALLOWLIST, &allow);
	if (r == -ENOENT)
		return 0;
	if (r < 0) {
		*ret = tuning_config_free(*ret);
		return cni_error_set(err, CNI_ERR_IO, "failed to read %s: %s", TUNING_ALLOWLIST,
				     strerror(-r));
	}
	r = tuning_allowlist_check(allow, *ret, err);
	if (r < 0)
		*ret = tuning_config_free(*ret);
	return r;
}

/* --- gratuitous ARP ------------------------------------------------------------------- */

struct garp {
	int ifindex;
	const uint8_t *mac;
	const struct cni_result *res;
};

/*
 * Runs inside the pod's netns: one ARP request "who has X? tell X" from the new MAC to the
 * broadcast address per IPv4 address. Best effort, as in the reference: errors are ignored.
 */
static int garp_in_ns(void *userdata)
{
	const struct garp *g = userdata;
	struct sockaddr_ll to = {
		.sll_family = AF_PACKET,
		.sll_protocol = htons(ETH_P_ARP),
		.sll_ifindex = g->ifindex,
		.sll_halen = ETH_ALEN,
		.sll_addr = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff },
	};
	_cleanup_close_ int fd = socket(AF_PACKET, SOCK_DGRAM | SOCK_CLOEXEC, htons(ETH_P_ARP));

	if (fd < 0)
		return 0;
	for (size_t i = 0; i < g->res->n_ips; i++) {
		const struct ip_addr *a = &g->res->ips[i].address.addr;
		struct ether_arp p = {
			.ea_hdr = {
				.ar_hrd = htons(ARPHRD_ETHER),
				.ar_pro = htons(ETH_P_IP),
				.ar_hln = ETH_ALEN,
				.ar_pln = 4,
				.ar_op = htons(ARPOP_REQUEST),
			},
		};

		if (a->family != AF_INET)
			continue;
		memcpy(p.arp_sha, g->mac, ETH_ALEN);
		memcpy(p.arp_spa, &a->in, 4);
		memset(p.arp_tha, 0xff, ETH_ALEN);
		memcpy(p.arp_tpa, &a->in, 4);
		(void)sendto(fd, &p, sizeof(p), 0, (const struct sockaddr *)&to, sizeof(to));
	}
	return 0;
}

/* --- ADD ------------------------------------------------------------------------------- */

static int save_backup(const struct skel_request *req, const struct tuning_config *c,
		       const struct nl_link *l, const struct plan *p, char **ret_path,
		       struct cni_error *err)
{
	struct tuning_backup b = { .network = (char *)req->name };
	_cleanup_free_ char *path = NULL, *json = NULL;
	_cleanup_free_ struct tuning_sysctl *s = NULL;
	char mac[18];
	int r;

	if (c->mac && l->has_mac)
		b.mac = (char *)nl_mac_to_string(l->mac, mac);
	if (c->promisc) {
		b.has_promisc = true;
		b.promisc = l->flags & IFF_PROMISC_FLAG;
	}
	if (c->mtu)
		b.mtu = (int)l->mtu;
	if (c->has_allmulti) {
		b.has_allmulti = true;
		b.allmulti = l->flags & IFF_ALLMULTI_FLAG;
	}
	if (c->has_txqlen) {
		b.has_txqlen = true;
		b.txqlen = (int)l->txqlen;
	}
	s = calloc(p->n + 1, sizeof(*s));
	if (!s)
		return -ENOMEM;
	for (size_t i = 0; i < p->n; i++)
		if (p->v[i].orig) {
			/* the first value we saw is the original one */
			bool dup = false;

			for (size_t j = 0; j < b.n_sysctls && !dup; j++)
				dup = streq(s[j].key, p->v[i].path);
			if (!dup)
				s[b.n_sysctls++] = (struct tuning_sysctl){ p->v[i].path,
									   p->v[i].orig };
		}
	b.sysctls = s;
	r = tuning_backup_to_json(&b, &json);
	if (r < 0)
		return r;
	r = tuning_backup_path(c->data_dir, req->container_id, req->ifname, &path);
	if (r < 0)
		return r;
	r = mkdir_p(c->data_dir, 0700);
	if (r >= 0)
		r = write_file_atomic(path, json, strlen(json), 0600);
	if (r < 0)
		return cni_error_set(err, CNI_ERR_IO, "failed to save file %s: %s", path,
				     strerror(-r));
	*ret_path = TAKE_PTR(path);
	return 0;
}

static int apply_link(struct nl_sock *sk, const struct skel_request *req,
		      const struct tuning_config *c, int ifindex, struct cni_error *err)
{
	int r;

	if (c->mac) {
		r = nl_link_set_mac(sk, ifindex, c->mac_bytes);
		if (r < 0)
			return skel_nl_error(err, sk, r, "failed to set MAC of %s to %s", req->ifname,
				       c->mac);
	}
	if (c->promisc) {
		r = nl_link_set_promisc(sk, ifindex, true);
		if (r < 0)
			return skel_nl_error(err, sk, r, "failed to set %s promiscuous", req->ifname);
	}
	if (c->mtu) {
		r = nl_link_set_mtu(sk, ifindex, (uint32_t)c->mtu);
		if (r < 0)
			return skel_nl_error(err, sk, r, "failed to set MTU of %s to %d", req->ifname,
				       c->mtu);
	}
	if (c->has_allmulti) {
		r = nl_link_set_allmulti(sk, ifindex, c->allmulti);
		if (r < 0)
			return skel_nl_error(err, sk, r, "failed to set all-multicast mode of %s",
				       req->ifname);
	}
	if (c->has_txqlen) {
		r = nl_link_set_txqlen(sk, ifindex, (uint32_t)c->txqlen);
		if (r < 0)
			return skel_nl_error(err, sk, r, "failed to set txqueuelen of %s to %d",
				       req->ifname, c->txqlen);
	}
	return 0;
}

static int cmd_add(struct skel_request *req, struct cni_result **ret_result,
		   struct cni_error *err)
{
	_cleanup_(tuning_config_freep) struct tuning_config *c = NULL;
	_cleanup_(nl_sock_freep) struct nl_sock *sk = NULL;
	_cleanup_free_ char *backup = NULL;
	struct tuning_backup saved = {};
	struct plan p = {};
	struct nl_link l = {};
	bool link = false;
	int r;

	r = parse(req, &c, err);
	if (r < 0)
		return r;
	if (strchr(req->ifname, '/'))
		return cni_error_set(err, CNI_ERR_INVALID_ENV,
				     "Interface name (%s) contains an invalid character /",
				     req->ifname);
	if (!req->prev_result)
		return cni_error_set(err, CNI_ERR_INVALID_CONFIG, "Required prevResult missing");
	r = plan_build(c, req->ifname, &p, err);
	if (r < 0)
		return r;

	/* The pod's /proc/sys/net is that of the namespace we are in when opening it. */
	p.reading = true;
	r = skel_in_netns(req->netns, plan_apply_in_ns, &p);
	if (r < 0 && !p.err) {
		r = cni_error_set(err, CNI_ERR_INVALID_NETNS, "failed to enter netns \"%s\": %s",
				  req->netns, strerror(-r));
		goto out;
	}
	if (r < 0) {
		r = cni_error_set(err, CNI_ERR_INVALID_CONFIG, "failed to read sysctl %s: %s",
				  c->sysctls[p.err_at].key, strerror(-p.err));
		goto out;
	}

	link = tuning_config_touches_link(c);
	if (link) {
		r = nl_sock_open_netns_path(req->netns, &sk);
		if (r < 0) {
			r = cni_error_set(err, CNI_ERR_INVALID_NETNS,
					  "failed to open netns \"%s\": %s", req->netns,
					  strerror(-r));
			goto out;
		}
		r = nl_link_get_by_name(sk, req->ifname, &l);
		if (r < 0) {
			r = skel_nl_error(err, sk, r, "failed to get \"%s\"", req->ifname);
			goto out;
		}
	}
	if (link || p.n) {
		r = save_backup(req, c, &l, &p, &backup, err);
		if (r < 0)
			goto out;
	}

	p.reading = false;
	r = skel_in_netns(req->netns, plan_apply_in_ns, &p);
	if (r < 0) {
		r = cni_error_set(err, CNI_ERR_INTERNAL, "failed to set sysctl %s to \"%s\": %s",
				  c->sysctls[p.err_at].key, c->sysctls[p.err_at].value,
				  strerror(-p.err ?: -r));
		goto undo;
	}
	if (link) {
		r = apply_link(sk, req, c, l.ifindex, err);
		if (r < 0)
			goto undo;
	}
	if (c->mac) {
		struct garp g = { l.ifindex, c->mac_bytes, req->prev_result };

		(void)skel_in_netns(req->netns, garp_in_ns, &g);
	}
	if (c->mac)
		for (size_t i = 0; i < req->prev_result->n_interfaces; i++) {
			struct cni_interface *ci = &req->prev_result->interfaces[i];
			char *m;

			if (!ci->name || !streq(ci->name, req->ifname))
				continue;
			m = strdup(c->mac);
			if (!m) {
				r = -ENOMEM;
				goto undo;
			}
			free(ci->mac);
			ci->mac = m;
		}
	r = cni_result_set_version(req->prev_result, req->cni_version);
	if (r < 0)
		goto undo;
	*ret_result = TAKE_PTR(req->prev_result);
	r = 0;
	goto out;

undo:
	/* Put back what we changed; the backup file goes with it. */
	(void)skel_in_netns(req->netns, plan_revert_in_ns, &p);
	if (link && backup) {
		_cleanup_free_ char *data = NULL;

		if (read_full_file(backup, 1 << 20, &data, NULL) >= 0 &&
		    tuning_backup_from_json(data, &saved) >= 0) {
			(void)restore_link(sk, l.ifindex, &saved);
			tuning_backup_done(&saved);
		}
	}
	if (backup)
		(void)unlink(backup);
out:
	plan_done(&p);
	return r;
}

/* --- DEL ------------------------------------------------------------------------------- */

static int cmd_del(struct skel_request *req, struct cni_error *err)
{
	_cleanup_(tuning_config_freep) struct tuning_config *c = NULL;
	_cleanup_free_ char *path = NULL, *data = NULL;
	struct cni_error ignored = {};
	struct tuning_backup b = {};
	const char *dir;
	int r;

	/* DEL always succeeds: a config we cannot read still names the data dir, or not. */
	if (tuning_config_parse(req->config, NULL, &c, &ignored) >= 0)
		dir = c->data_dir;
	else
		dir = json_string_value(godec_get(req->config, "dataDir")) ?: TUNING_DEFAULT_DATA_DIR;
	if (!*dir)
		dir = TUNING_DEFAULT_DATA_DIR;
	if (tuning_backup_path(dir, req->container_id, req->ifname, &path) < 0)
		return -ENOMEM;
	r = read_full_file(path, 1 << 20, &data, NULL);
	if (r < 0)
		return 0; /* nothing saved, nothing to restore */

	if (tuning_backup_from_json(data, &b) >= 0 && req->netns && *req->netns) {
		_cleanup_(nl_sock_freep) struct nl_sock *sk = NULL;
		struct restore_sysctls rs = { &b };
		struct nl_link l;

		(void)skel_in_netns(req->netns, restore_sysctls_in_ns, &rs);
		if (nl_sock_open_netns_path(req->netns, &sk) >= 0 &&
		    nl_link_get_by_name(sk, req->ifname, &l) >= 0)
			(void)restore_link(sk, l.ifindex, &b);
	}
	tuning_backup_done(&b);
	(void)unlink(path);
	return 0;
}

/* --- CHECK ----------------------------------------------------------------------------- */

struct check_sysctls {
	const struct plan *p;
	const struct tuning_config *c;
	struct cni_error *err;
};

static int check_sysctls_in_ns(void *userdata)
{
	struct check_sysctls *cs = userdata;

	for (size_t i = 0; i < cs->p->n; i++) {
		_cleanup_free_ char *v = NULL;
		int r = sysctl_read(cs->p->v[i].path, &v);

		if (r < 0)
			return cni_error_set(cs->err, CNI_ERR_INTERNAL,
					     "failed to read /proc/sys/%s: %s", cs->p->v[i].path,
					     strerror(-r));
		if (!streq(v, cs->p->v[i].value))
			return cni_error_set(cs->err, CNI_ERR_INTERNAL,
					     "Error: Tuning configured value of /proc/sys/%s is "
					     "%s, current value is %s", cs->p->v[i].path,
					     cs->p->v[i].value, v);
	}
	return 0;
}

static int cmd_check(struct skel_request *req, struct cni_error *err)
{
	_cleanup_(tuning_config_freep) struct tuning_config *c = NULL;
	_cleanup_(nl_sock_freep) struct nl_sock *sk = NULL;
	struct plan p = {};
	struct check_sysctls cs;
	struct nl_link l;
	char mac[18];
	int r;

	r = parse(req, &c, err);
	if (r < 0)
		return r;
	if (!req->prev_result)
		return cni_error_set(err, CNI_ERR_INVALID_CONFIG, "Required prevResult missing");
	r = plan_build(c, req->ifname, &p, err);
	if (r < 0)
		return r;
	cs = (struct check_sysctls){ &p, c, err };
	r = skel_in_netns(req->netns, check_sysctls_in_ns, &cs);
	plan_done(&p);
	if (r < 0 && !cni_error_is_set(err))
		return cni_error_set(err, CNI_ERR_INVALID_NETNS, "failed to enter netns \"%s\": %s",
				     req->netns, strerror(-r));
	if (r < 0)
		return r;

	r = nl_sock_open_netns_path(req->netns, &sk);
	if (r < 0)
		return cni_error_set(err, CNI_ERR_INVALID_NETNS, "failed to open netns \"%s\": %s",
				     req->netns, strerror(-r));
	r = nl_link_get_by_name(sk, req->ifname, &l);
	if (r < 0)
		return cni_error_set(err, CNI_ERR_INTERNAL, "Cannot find container link %s",
				     req->ifname);
	if (c->mac && (!l.has_mac || memcmp(l.mac, c->mac_bytes, 6) != 0))
		return cni_error_set(err, CNI_ERR_INTERNAL,
				     "Error: Tuning configured Ethernet of %s is %s, current value "
				     "is %s", req->ifname, c->mac,
				     l.has_mac ? nl_mac_to_string(l.mac, mac) : "");
	if (c->promisc != !!(l.flags & IFF_PROMISC_FLAG))
		return cni_error_set(err, CNI_ERR_INTERNAL,
				     "Error: Tuning link %s configured promisc is %s, "
				     "current value is %d", req->ifname,
				     c->promisc ? "true" : "false", !!(l.flags & IFF_PROMISC_FLAG));
	if (c->mtu && (uint32_t)c->mtu != l.mtu)
		return cni_error_set(err, CNI_ERR_INTERNAL,
				     "Error: Tuning configured MTU of %s is %d, current value "
				     "is %u", req->ifname, c->mtu, l.mtu);
	if (c->has_allmulti && c->allmulti != !!(l.flags & IFF_ALLMULTI_FLAG))
		return cni_error_set(err, CNI_ERR_INTERNAL,
				     "Error: Tuning configured all-multicast mode of %s is %s, "
				     "current value is %s", req->ifname,
				     c->allmulti ? "true" : "false",
				     (l.flags & IFF_ALLMULTI_FLAG) ? "true" : "false");
	if (c->has_txqlen && (uint32_t)c->txqlen != l.txqlen)
		return cni_error_set(err, CNI_ERR_INTERNAL,
				     "Error: Tuning configured Transmit Queue Length of %s is %d, "
				     "current value is %u", req->ifname, c->txqlen, l.txqlen);
	return 0;
}

/* --- GC -------------------------------------------------------------------------------- */

static bool attachment_valid(const json_t *valid, const char *file)
{
	for (size_t i = 0; i < json_array_size(valid); i++) {
		const json_t *a = json_array_get(valid, i);
		const char *cid, *ifn;
		_cleanup_free_ char *name = NULL;

		skel_attachment(a, &cid, &ifn);
		if (!cid || !ifn || asprintf(&name, "%s_%s.json", cid, ifn) < 0)
			continue;
		if (streq(name, file))
			return true;
	}
	return false;
}

static int cmd_gc(struct skel_request *req, struct cni_error *err)
{
	_cleanup_(tuning_config_freep) struct tuning_config *c = NULL;
	DIR *d;
	struct dirent *de;
	int ret = 0;

	/* Without the list we cannot know what is stale: touch nothing. */
	if (!json_is_array(req->valid_attachments))
		return 0;
	if (tuning_config_parse(req->config, NULL, &c, err) < 0)
		return -EINVAL;
	d = opendir(c->data_dir);
	if (!d)
		return 0;
	while ((de = readdir(d))) {
		_cleanup_free_ char *path = NULL, *data = NULL;
		struct tuning_backup b = {};
		size_t len = strlen(de->d_name);
		bool ours;

		if (len < 6 || !streq(de->d_name + len - 5, ".json") ||
		    attachment_valid(req->valid_attachments, de->d_name))
			continue;
		if (asprintf(&path, "%s/%s", c->data_dir, de->d_name) < 0) {
			ret = -ENOMEM;
			break;
		}
		if (read_full_file(path, 1 << 20, &data, NULL) < 0 ||
		    tuning_backup_from_json(data, &b) < 0)
			continue;
		ours = b.network && streq(b.network, req->name);
		tuning_backup_done(&b);
		if (ours && unlink(path) < 0 && errno != ENOENT && ret == 0)
			ret = cni_error_set(err, CNI_ERR_IO, "failed to remove %s: %m", path);
	}
	closedir(d);
	return ret;
}

int main(int argc, char **argv)
{
	static const struct skel_plugin plugin = {
		.name = "CNI tuning plugin (linen)",
		.versions = cni_versions_all,
		.add = cmd_add,
		.del = cmd_del,
		.check = cmd_check,
		.gc = cmd_gc,
	};

	return skel_main(argc, argv, &plugin);
}
