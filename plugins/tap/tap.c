// SPDX-License-Identifier: Apache-2.0
/*
 * tap.c - the tap plugin: a persistent tap device in the container, optionally on a bridge
 * there, with the IPAM result on it.
 *
 * The tap is made with TUNSETIFF on /dev/net/tun inside the container's namespace, owned
 * (TUNSETOWNER/TUNSETGROUP) and made persistent before the fd is closed, under a temporary
 * name: TUNSETIFF on a name that already is a tap attaches to it instead of failing, so
 * CNI_IFNAME is only ever reached by a rename, which fails cleanly when it is taken. The
 * flags are those of `ip tuntap add mode tap`, which the reference runs in the usual case:
 * no packet information header, multi_queue when asked.
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/if_tun.h>
#include <net/if.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "basic/macro.h"
#include "basic/netns.h"
#include "netlink/nl-link.h"
#include "netlink/nl-sock.h"
#include "plugins/tap/tap-config.h"
#include "skel/plugin-net.h"
#include "skel/plugin-util.h"
#include "skel/skel.h"

struct tap_add {
	const struct tap_config *c;
	const struct skel_request *req;
	const struct cni_result *ipam; /* configure_in_netns: what to put on the link */
	struct cni_error *err;
	char mac[18];
	int ifindex;
};

static bool selinux_enabled(void)
{
	return access("/sys/fs/selinux/enforce", F_OK) == 0;
}

/* TUNSETIFF, owner, group and persist on a fresh fd; closing it leaves the tap. *what
 * names the step that failed. */
static int tun_create(const struct tap_config *c, const char *name, const char **what)
{
	_cleanup_close_ int fd = open("/dev/net/tun", O_RDWR | O_CLOEXEC);
	struct ifreq ifr = { .ifr_flags = IFF_TAP | IFF_NO_PI };

	*what = "open /dev/net/tun";
	if (fd < 0)
		return -errno;
	if (c->multi_queue)
		ifr.ifr_flags |= IFF_MULTI_QUEUE;
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", name);
	*what = "TUNSETIFF";
	if (ioctl(fd, TUNSETIFF, &ifr) < 0)
		return -errno;
	/* until TUNSETPERSIST the tap dies with the fd, so a failure leaves nothing; an id
	 * with no mapping in our user namespace (such as 4294967295) is EINVAL */
	*what = "set its owner (TUNSETOWNER)";
	if (c->has_owner && ioctl(fd, TUNSETOWNER, (unsigned long)c->owner) < 0)
		return -errno;
	*what = "set its group (TUNSETGROUP)";
	if (c->has_group && ioctl(fd, TUNSETGROUP, (unsigned long)c->group) < 0)
		return -errno;
	*what = "make it persistent";
	if (ioctl(fd, TUNSETPERSIST, 1UL) < 0)
		return -errno;
	return 0;
}

/*
 * With SELinux on, the tap takes the label of the task that creates it: a child switches
 * to selinuxContext and creates it, so this process keeps its own label.
 */
static int tun_create_labelled(const struct tap_config *c, const char *name,
			       struct cni_error *err)
{
	const char *what = "";
	int status, r;
	pid_t pid;

	if (!c->selinux_context || !selinux_enabled()) {
		r = tun_create(c, name, &what);
		if (r < 0)
			return cni_error_set(err, CNI_ERR_INTERNAL, "failed to create tap: %s: %s",
					     what, strerror(-r));
		return 0;
	}
	pid = fork();
	if (pid < 0)
		return skel_errno_error(err, -errno, "tap", "fork", NULL);
	if (pid == 0) {
		int fd = open("/proc/thread-self/attr/current", O_WRONLY | O_CLOEXEC);

		if (fd < 0 || write(fd, c->selinux_context, strlen(c->selinux_context)) < 0)
			_exit(100);
		close(fd);
		_exit(tun_create(c, name, &what) < 0 ? 101 : 0);
	}
	if (waitpid(pid, &status, 0) < 0)
		return skel_errno_error(err, -errno, "tap", "waitpid", NULL);
	if (WIFEXITED(status) && WEXITSTATUS(status) == 0)
		return 0;
	if (WIFEXITED(status) && WEXITSTATUS(status) == 100)
		return cni_error_set(err, CNI_ERR_INTERNAL, "failed set socket label: %s",
				     c->selinux_context);
	return cni_error_set(err, CNI_ERR_INTERNAL, "failed to create tap in context %s",
			     c->selinux_context);
}

/* In the container's namespace: create, set up, and configure; undo all on failure. */
static int add_in_netns(void *userdata)
{
	struct tap_add *a = userdata;
	const struct tap_config *c = a->c;
	const char *ifname = a->req->ifname;
	_cleanup_(nl_sock_freep) struct nl_sock *sk = NULL;
	struct nl_link_change ch = {};
	struct nl_link l, br;
	char tmp[IFNAMSIZ];
	uint32_t rnd;
	int r;

	if (getrandom(&rnd, sizeof(rnd), 0) != sizeof(rnd))
		return skel_errno_error(a->err, -EIO, "tap", "getrandom", NULL);
	snprintf(tmp, sizeof(tmp), "tap%08x", rnd);
	r = nl_sock_open(&sk);
	if (r < 0)
		return skel_nl_error(a->err, NULL, r, "failed to open netlink");
	r = tun_create_labelled(c, tmp, a->err);
	if (r < 0)
		return r;
	r = nl_link_get_by_name(sk, tmp, &l);
	if (r < 0) {
		skel_nl_error(a->err, sk, r, "failed to find tap %s", tmp);
		goto fail;
	}
	if (c->mtu) {
		ch.set |= NL_LINK_SET_MTU;
		ch.mtu = (uint32_t)c->mtu;
	}
	if (c->mac) {
		ch.set |= NL_LINK_SET_MAC;
		memcpy(ch.mac, c->mac_bytes, 6);
	}
	if (ch.set && (r = nl_link_change(sk, l.ifindex, &ch)) < 0) {
		skel_nl_error(a->err, sk, r, "failed to set mtu/mac of the tap");
		goto fail;
	}
	r = nl_link_set_name(sk, l.ifindex, ifname);
	if (r < 0) {
		skel_nl_error(a->err, sk, r, "failed to rename tap to \"%s\"", ifname);
		goto fail;
	}
	if (c->bridge) {
		r = nl_link_get_by_name(sk, c->bridge, &br);
		if (r == -ENODEV) {
			cni_error_set(a->err, CNI_ERR_INTERNAL, "failed to get bridge %s: Link not found",
				      c->bridge);
			goto fail;
		}
		if (r < 0 || (r = nl_link_set_master(sk, l.ifindex, br.ifindex)) < 0) {
			skel_nl_error(a->err, sk, r, "failed to set tap %s as a port of bridge %s",
				      ifname, c->bridge);
			goto fail;
		}
	}
	r = nl_link_set_up(sk, l.ifindex, true);
	if (r < 0) {
		skel_nl_error(a->err, sk, r, "failed to set tap interface up");
		goto fail;
	}
	r = nl_link_get_by_index(sk, l.ifindex, &l);
	if (r < 0) {
		skel_nl_error(a->err, sk, r, "failed to refetch tap \"%s\"", ifname);
		goto fail;
	}
	nl_mac_to_string(l.mac, a->mac);
	a->ifindex = l.ifindex;
	return 0;
fail:
	(void)nl_link_del(sk, l.ifindex);
	return r < 0 ? r : -EINVAL;
}

/* In the container's namespace: the IPAM result on the tap made before. */
static int configure_in_netns(void *userdata)
{
	struct tap_add *a = userdata;
	const char *ifname = a->req->ifname;
	_cleanup_(nl_sock_freep) struct nl_sock *sk = NULL;
	char path[128];
	int r, fd;

	r = nl_sock_open(&sk);
	if (r < 0)
		return skel_nl_error(a->err, NULL, r, "failed to open netlink");
	/* announce the address when the link comes up, as the reference does; best effort */
	snprintf(path, sizeof(path), "/proc/sys/net/ipv4/conf/%s/arp_notify", ifname);
	fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd >= 0) {
		(void)!write(fd, "1", 1);
		close(fd);
	}
	return skel_configure_iface(sk, a->ifindex, ifname, a->ipam, a->err);
}

static int cmd_add(struct skel_request *req, struct cni_result **ret_result,
		   struct cni_error *err)
{
	_cleanup_(tap_config_freep) struct tap_config *c = NULL;
	_cleanup_(cni_result_freep) struct cni_result *res = NULL;
	struct tap_add a = { .req = req, .err = err };
	int r;

	r = tap_config_parse(req->config, &req->args, &c, err);
	if (r < 0)
		return r;
	a.c = c;
	r = netns_open(req->netns);
	if (r < 0)
		return cni_error_set(err, CNI_ERR_INTERNAL, "failed to open netns \"%s\": %s",
				     req->netns, strerror(-r));
	close(r);
	/* the tap first, then IPAM, as the reference: a tap that cannot be made costs no IP */
	r = skel_in_netns(req->netns, add_in_netns, &a);
	if (r < 0) {
		if (!err->msg[0])
			skel_errno_error(err, r, "tap", "failed to enter netns", NULL);
		return r;
	}
	if (c->ipam_type) {
		r = skel_delegate_add(req, c->ipam_type, req->stdin_data, req->stdin_len, &res,
				      err);
		if (r < 0)
			goto undo_link;
		if (res->n_ips == 0) {
			r = cni_error_set(err, CNI_ERR_INTERNAL,
					  "IPAM plugin returned missing IP config");
			goto undo_ipam;
		}
		for (size_t i = 0; i < res->n_ips; i++)
			res->ips[i].interface = 0;
		a.ipam = res;
		r = skel_in_netns(req->netns, configure_in_netns, &a);
		if (r < 0) {
			if (!err->msg[0])
				skel_errno_error(err, r, "tap", "failed to enter netns", NULL);
			goto undo_ipam;
		}
	} else {
		res = cni_result_new();
		if (!res) {
			r = -ENOMEM;
			goto undo_link;
		}
	}
	/* the interface goes first: the addresses name it as index 0 */
	r = cni_result_add_interface(res, req->ifname, a.mac, req->netns);
	if (r < 0)
		goto undo_ipam;
	if (res->n_interfaces > 1) {
		struct cni_interface me = res->interfaces[res->n_interfaces - 1];

		memmove(res->interfaces + 1, res->interfaces,
			(res->n_interfaces - 1) * sizeof(*res->interfaces));
		res->interfaces[0] = me;
	}
	strv_free(res->dns.nameservers);
	strv_free(res->dns.search);
	strv_free(res->dns.options);
	free(res->dns.domain);
	res->dns = c->dns;
	c->dns = (struct cni_dns){};
	*ret_result = TAKE_PTR(res);
	return 0;

undo_ipam:
	if (c->ipam_type) {
		struct cni_error e = {};

		skel_delegate(req, c->ipam_type, "DEL", req->stdin_data, req->stdin_len, &e);
	}
undo_link: {
		struct cni_error e = {};

		skel_del_container_link(req->netns, req->ifname, &e);
	}
	return r;
}

static int cmd_del(struct skel_request *req, struct cni_error *err)
{
	_cleanup_(tap_config_freep) struct tap_config *c = NULL;
	int r;

	r = tap_config_parse(req->config, &req->args, &c, err);
	if (r < 0)
		return r;
	if (c->ipam_type) {
		r = skel_delegate(req, c->ipam_type, "DEL", req->stdin_data, req->stdin_len, err);
		if (r < 0)
			return r;
	}
	if (!req->netns)
		return 0;
	return skel_del_container_link(req->netns, req->ifname, err);
}

struct tap_check {
	const struct skel_request *req;
	struct cni_error *err;
};

static int check_in_netns(void *userdata)
{
	struct tap_check *k = userdata;
	_cleanup_(nl_sock_freep) struct nl_sock *sk = NULL;
	struct nl_link l;
	int r;

	r = nl_sock_open(&sk);
	if (r < 0)
		return skel_nl_error(k->err, NULL, r, "failed to open netlink");
	if (nl_link_get_by_name(sk, k->req->ifname, &l) < 0 || !streq(l.kind, "tun"))
		return cni_error_set(k->err, CNI_ERR_INTERNAL,
				     "Container Interface name in prevResult: %s not found",
				     k->req->ifname);
	r = skel_check_iface_ips(sk, l.ifindex, k->req->ifname, k->req->prev_result, k->err);
	if (r < 0)
		return r;
	return skel_check_routes(sk, k->req->prev_result, k->err);
}

static int cmd_check(struct skel_request *req, struct cni_error *err)
{
	_cleanup_(tap_config_freep) struct tap_config *c = NULL;
	struct tap_check k = { .req = req, .err = err };
	const struct cni_interface *ci = NULL;
	int r;

	r = tap_config_parse(req->config, &req->args, &c, err);
	if (r < 0)
		return r;
	r = netns_open(req->netns);
	if (r < 0)
		return cni_error_set(err, CNI_ERR_INTERNAL, "failed to open netns \"%s\": %s",
				     req->netns, strerror(-r));
	close(r);
	if (c->ipam_type) {
		r = skel_delegate(req, c->ipam_type, "CHECK", req->stdin_data, req->stdin_len, err);
		if (r < 0)
			return r;
	}
	if (!req->prev_result)
		return cni_error_set(err, CNI_ERR_INTERNAL, "Required prevResult missing");
	for (size_t i = 0; i < req->prev_result->n_interfaces; i++) {
		const struct cni_interface *x = &req->prev_result->interfaces[i];

		if (x->name && streq(x->name, req->ifname) && x->sandbox &&
		    streq(x->sandbox, req->netns))
			ci = x;
	}
	if (!ci)
		return cni_error_set(err, CNI_ERR_INTERNAL,
				     "Sandbox in prevResult  doesn't match configured netns: %s",
				     req->netns);
	r = skel_in_netns(req->netns, check_in_netns, &k);
	if (r < 0 && !err->msg[0])
		return skel_errno_error(err, r, "tap", "failed to enter netns", NULL);
	return r;
}

static int cmd_status(struct skel_request *req, struct cni_error *err)
{
	_cleanup_(tap_config_freep) struct tap_config *c = NULL;
	int r;

	r = tap_config_parse(req->config, NULL, &c, err);
	if (r < 0)
		return r;
	if (!c->ipam_type)
		return 0;
	return skel_delegate(req, c->ipam_type, "STATUS", req->stdin_data, req->stdin_len, err);
}

int main(int argc, char **argv)
{
	static const struct skel_plugin plugin = {
		.name = "CNI tap plugin (linen)",
		.versions = cni_versions_all,
		.add = cmd_add,
		.del = cmd_del,
		.check = cmd_check,
		.status = cmd_status,
	};

	return skel_main(argc, argv, &plugin);
}
