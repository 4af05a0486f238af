// SPDX-License-Identifier: Apache-2.0
/*
 * host-device.c - the host-device plugin: moves an existing host link into the container,
 * renamed to CNI_IFNAME, and back on DEL.
 *
 * The link keeps its host name in its alias while it is away, as the reference does, so
 * either implementation can bring back a device the other moved. Moving a link between
 * namespaces drops its addresses; we keep them (and the up flag) in a small state file so
 * DEL can give them back, which the reference does not.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "basic/fileio.h"
#include "basic/macro.h"
#include "basic/netns.h"
#include "netlink/nl-addr.h"
#include "netlink/nl-link.h"
#include "netlink/nl-route.h"
#include "netlink/nl-sock.h"
#include "plugins/host-device/host-device-config.h"
#include "skel/plugin-net.h"
#include "skel/plugin-util.h"
#include "skel/skel.h"

static int open_netns(const char *path, int *ret_fd, struct cni_error *err)
{
	int fd = netns_open(path);

	if (fd < 0)
		return cni_error_set(err, CNI_ERR_INTERNAL,
				     "failed to open netns \"%s\": failed to Statfs \"%s\": %s",
				     path, path, strerror(-fd));
	*ret_fd = fd;
	return 0;
}

static int link_by_name(struct nl_sock *sk, const char *name, struct nl_link *ret,
			struct cni_error *err)
{
	int r = nl_link_get_by_name(sk, name, ret);

	if (r == -ENODEV)
		return cni_error_set(err, CNI_ERR_INTERNAL,
				     "failed to find host device: Link not found");
	if (r < 0)
		return skel_nl_error(err, sk, r, "failed to find host device");
	return 0;
}

/* err's message behind the reference's "failed to find host device: " */
static int find_error(struct cni_error *err)
{
	char m[sizeof(err->msg)];

	memcpy(m, err->msg, sizeof(m));
	return cni_error_set(err, CNI_ERR_INTERNAL, "failed to find host device: %s", m);
}

/* The first link whose MAC is mac, or whose name is first in names. */
static int find_in_dump(struct nl_sock *sk, const uint8_t *mac, char **names,
			struct nl_link *ret, struct cni_error *err)
{
	_cleanup_free_ struct nl_link *links = NULL;
	size_t n = 0;
	int r;

	r = nl_link_dump(sk, &links, &n);
	if (r < 0)
		return skel_nl_error(err, sk, r,
				     "failed to find host device: failed to list node links");
	for (size_t i = 0; mac && i < n; i++)
		if (links[i].has_mac && !memcmp(links[i].mac, mac, 6)) {
			*ret = links[i];
			return 0;
		}
	for (char **s = names; s && *s; s++)
		for (size_t i = 0; i < n; i++)
			if (streq(*s, links[i].name)) {
				*ret = links[i];
				return 0;
			}
	return cni_error_set(err, CNI_ERR_INTERNAL,
			     "failed to find host device: failed to find physical interface");
}

/* The reference's getLink: device, else hwaddr, else kernelpath, else the PCI address. */
static int find_host_link(struct nl_sock *sk, const struct hostdev_config *c,
			  struct nl_link *ret, struct cni_error *err)
{
	_cleanup_strv_free_ char **names = NULL;
	uint8_t mac[6];
	int r;

	if (c->device)
		return link_by_name(sk, c->device, ret, err);
	if (c->hwaddr) {
		r = hostdev_parse_hwaddr(c->hwaddr, mac, err);
		return r < 0 ? r : find_in_dump(sk, mac, NULL, ret, err);
	}
	if (c->kernelpath) {
		r = hostdev_kernelpath_names(c->kernelpath, &names, err);
		return r < 0 ? find_error(err) : find_in_dump(sk, NULL, names, ret, err);
	}
	r = hostdev_pci_names(HOSTDEV_SYS_BUS_PCI, c->pci_addr, &names, err);
	return r < 0 ? find_error(err) : link_by_name(sk, names[0], ret, err);
}

/* The host addresses worth giving back: not the IPv6 link-local one the kernel makes. */
static int save_state(const struct hostdev_config *c, const struct skel_request *req,
		      struct nl_sock *host, const struct nl_link *l)
{
	_cleanup_free_ struct nl_addr *addrs = NULL;
	_cleanup_free_ char *text = NULL;
	struct hostdev_state s = { .up = nl_link_is_up(l) };
	char path[4096];
	size_t n = 0;
	int r;

	r = nl_addr_dump(host, AF_UNSPEC, l->ifindex, &addrs, &n);
	if (r < 0)
		return r;
	s.addrs = calloc(n + 1, sizeof(*s.addrs));
	if (!s.addrs)
		return -ENOMEM;
	for (size_t i = 0; i < n; i++) {
		const struct ip_prefix *p = &addrs[i].prefix;

		if (p->addr.family == AF_INET6 && p->addr.bytes[0] == 0xfe &&
		    (p->addr.bytes[1] & 0xc0) == 0x80)
			continue;
		s.addrs[s.n_addrs++] = *p;
	}
	text = hostdev_state_format(&s);
	hostdev_state_done(&s);
	if (!text)
		return -ENOMEM;
	if ((r = hostdev_state_path(c->data_dir, req->container_id, req->ifname, path,
				    sizeof(path))) < 0 ||
	    (r = mkdir_p(c->data_dir, 0700)) < 0)
		return r;
	return write_file_atomic(path, text, strlen(text), 0600);
}

/* After the link is back on the host: its addresses and up flag, if we saved them. */
static void restore_state(const struct hostdev_config *c, const struct skel_request *req,
			  struct nl_sock *host, int ifindex)
{
	_cleanup_free_ char *text = NULL;
	struct hostdev_state s = {};
	char path[4096];

	if (hostdev_state_path(c->data_dir, req->container_id, req->ifname, path,
			       sizeof(path)) < 0)
		return;
	if (read_full_file(path, 65536, &text, NULL) < 0)
		return;
	if (hostdev_state_parse(text, &s) == 0) {
		for (size_t i = 0; i < s.n_addrs; i++) {
			struct nl_addr a = { .ifindex = ifindex, .prefix = s.addrs[i] };

			if (a.prefix.addr.family == AF_INET)
				nl_addr_set_broadcast(&a);
			(void)nl_addr_add(host, &a);
		}
		if (s.up)
			(void)nl_link_set_up(host, ifindex, true);
	}
	hostdev_state_done(&s);
	unlink(path);
}

/*
 * Move ifname out of the container back to the host under its alias. A link that is not
 * there counts as done (DEL again); one without an alias cannot be named on the host.
 */
static int move_out(const struct hostdev_config *c, const struct skel_request *req, int nsfd,
		    struct cni_error *err)
{
	_cleanup_(nl_sock_freep) struct nl_sock *cont = NULL, *host = NULL;
	_cleanup_close_ int hostfd = -EBADF;
	struct nl_link l, hl;
	char alias[NL_IFALIASZ];
	int r;

	r = nl_sock_open_netns(nsfd, &cont);
	if (r < 0)
		return skel_nl_error(err, NULL, r, "failed to open netlink in netns \"%s\"",
				     req->netns);
	r = nl_link_get_by_name(cont, req->ifname, &l);
	if (r == -ENODEV)
		return 0;
	if (r < 0)
		return skel_nl_error(err, cont, r, "failed to find \"%s\"", req->ifname);
	if (!l.alias[0])
		return cni_error_set(err, CNI_ERR_INTERNAL,
				     "failed to restore \"%s\": it has no alias with its host name",
				     req->ifname);
	memcpy(alias, l.alias, sizeof(alias));
	r = nl_link_set_up(cont, l.ifindex, false);
	if (r < 0)
		return skel_nl_error(err, cont, r, "failed to set \"%s\" down", req->ifname);
	hostfd = open("/proc/self/ns/net", O_RDONLY | O_CLOEXEC);
	if (hostfd < 0)
		return skel_errno_error(err, -errno, "host-device", "open host netns", NULL);
	/*
	 * Renamed here first, then moved: the kernel moves a link before it renames it in
	 * one request, so a name taken on the host would leave it there under CNI_IFNAME. A
	 * move refused for a taken name moves nothing.
	 */
	r = nl_link_set_name(cont, l.ifindex, alias);
	if (r < 0) {
		(void)nl_link_set_up(cont, l.ifindex, true);
		return skel_nl_error(err, cont, r,
				     "failed to restore \"%s\" to original name \"%s\"",
				     req->ifname, alias);
	}
	r = nl_link_set_netns(cont, l.ifindex, hostfd, NULL);
	if (r < 0) {
		(void)nl_link_set_name(cont, l.ifindex, req->ifname);
		(void)nl_link_set_up(cont, l.ifindex, true);
		return skel_nl_error(err, cont, r, "failed to move \"%s\" to host netns", alias);
	}
	r = nl_sock_open(&host);
	if (r < 0 || nl_link_get_by_name(host, alias, &hl) < 0)
		return 0; /* it is home; the rest is cosmetic */
	(void)nl_link_change(host, hl.ifindex,
			     &(struct nl_link_change){ .set = NL_LINK_SET_ALIAS, .alias = "" });
	restore_state(c, req, host, hl.ifindex);
	return 0;
}

/* Move the host link in, renamed on the way so no name in the container can clash. */
static int move_in(const struct hostdev_config *c, const struct skel_request *req, int nsfd,
		   struct cni_result *res, int *ret_ifindex, struct cni_error *err)
{
	_cleanup_(nl_sock_freep) struct nl_sock *host = NULL, *cont = NULL;
	_cleanup_close_ int hostfd = -EBADF;
	struct nl_link hl, cl = {};
	char mac[18];
	int r;

	r = nl_sock_open(&host);
	if (r < 0)
		return skel_nl_error(err, NULL, r, "failed to open netlink");
	r = find_host_link(host, c, &hl, err);
	if (r < 0)
		return r;
	r = save_state(c, req, host, &hl);
	if (r < 0)
		return skel_errno_error(err, r, "host-device", "save the device's state", NULL);
	/* Moved under its own name, renamed in there (see move_out for why not at once). */
	if ((r = nl_link_set_up(host, hl.ifindex, false)) < 0 ||
	    (r = nl_link_change(host, hl.ifindex,
				&(struct nl_link_change){ .set = NL_LINK_SET_ALIAS,
							  .alias = hl.name })) < 0 ||
	    (r = nl_link_set_netns(host, hl.ifindex, nsfd, NULL)) < 0) {
		skel_nl_error(err, host, r, "failed to move link %s", hl.name);
		goto undo_host;
	}
	r = nl_sock_open_netns(nsfd, &cont);
	if (r < 0) {
		skel_nl_error(err, NULL, r, "failed to open netlink in netns \"%s\"", req->netns);
		goto undo_host;
	}
	if ((r = nl_link_get_by_name(cont, hl.name, &cl)) < 0) {
		skel_nl_error(err, cont, r, "failed to find \"%s\"", hl.name);
		goto undo_host;
	}
	if ((r = nl_link_set_name(cont, cl.ifindex, req->ifname)) < 0) {
		skel_nl_error(err, cont, r, "failed to rename device \"%s\" to \"%s\"", hl.name,
			      req->ifname);
		goto undo_cont;
	}
	if ((r = nl_link_get_by_name(cont, req->ifname, &cl)) < 0 ||
	    (r = nl_link_set_up(cont, cl.ifindex, true)) < 0) {
		skel_nl_error(err, cont, r, "failed to set \"%s\" up", req->ifname);
		goto undo_cont;
	}
	r = cni_result_add_interface(res, req->ifname, cl.has_mac ?
				     nl_mac_to_string(cl.mac, mac) : NULL, req->netns);
	if (r < 0)
		return r;
	*ret_ifindex = cl.ifindex;
	return 0;

undo_cont:
	hostfd = open("/proc/self/ns/net", O_RDONLY | O_CLOEXEC);
	(void)nl_link_set_name(cont, cl.ifindex, hl.name);
	if (hostfd < 0 || nl_link_set_netns(cont, cl.ifindex, hostfd, NULL) < 0)
		return -EINVAL;
undo_host:
	/* home again (its index may have changed): its alias, addresses and up flag back */
	if (nl_link_get_by_name(host, hl.name, &cl) == 0) {
		(void)nl_link_change(host, cl.ifindex,
				     &(struct nl_link_change){ .set = NL_LINK_SET_ALIAS,
							       .alias = hl.alias });
		restore_state(c, req, host, cl.ifindex);
	}
	return -EINVAL;
}

static int dns_copy(const struct cni_dns *src, struct cni_dns *dst)
{
	char ***lists[] = { &dst->nameservers, &dst->search, &dst->options };
	char **const srcs[] = { src->nameservers, src->search, src->options };

	for (size_t k = 0; k < ELEMENTSOF(lists); k++) {
		size_t n = 0;

		if (!srcs[k])
			continue;
		while (srcs[k][n])
			n++;
		strv_free(*lists[k]);
		*lists[k] = calloc(n + 1, sizeof(char *));
		if (!*lists[k])
			return -ENOMEM;
		for (size_t i = 0; i < n; i++)
			if (!((*lists[k])[i] = strdup(srcs[k][i])))
				return -ENOMEM;
	}
	free(dst->domain);
	dst->domain = src->domain ? strdup(src->domain) : NULL;
	return src->domain && !dst->domain ? -ENOMEM : 0;
}

static int cmd_add(struct skel_request *req, struct cni_result **ret_result,
		   struct cni_error *err)
{
	_cleanup_(hostdev_config_freep) struct hostdev_config *c = NULL;
	_cleanup_(cni_result_freep) struct cni_result *res = cni_result_new(), *ipam = NULL;
	_cleanup_close_ int nsfd = -EBADF;
	int r, ifindex = 0;

	if (!res)
		return -ENOMEM;
	r = hostdev_config_parse(req->config, HOSTDEV_SYS_BUS_PCI, &c, err);
	if (r < 0)
		return r;
	r = open_netns(req->netns, &nsfd, err);
	if (r < 0)
		return r;
	if (!c->dpdk) {
		r = move_in(c, req, nsfd, res, &ifindex, err);
		if (r < 0)
			return r;
	}
	if (!c->ipam_type) {
		*ret_result = TAKE_PTR(res);
		return 0;
	}

	r = skel_delegate_add(req, c->ipam_type, req->stdin_data, req->stdin_len, &ipam, err);
	if (r < 0)
		goto undo_move;
	if (ipam->n_ips == 0) {
		r = cni_error_set(err, CNI_ERR_INTERNAL, "IPAM plugin returned missing IP config");
		goto undo_ipam;
	}
	/* the IPAM result with our interface, every address on it */
	for (size_t i = 0; i < ipam->n_ips; i++)
		ipam->ips[i].interface = res->n_interfaces ? 0 : -1;
	for (size_t i = 0; i < res->n_interfaces; i++) {
		struct cni_interface *ci = &res->interfaces[i];

		r = cni_result_add_interface(ipam, ci->name, ci->mac, ci->sandbox);
		if (r < 0)
			goto undo_ipam;
	}
	if (!c->dpdk) {
		_cleanup_(nl_sock_freep) struct nl_sock *cont = NULL;

		r = nl_sock_open_netns(nsfd, &cont);
		if (r < 0) {
			skel_nl_error(err, NULL, r, "failed to open netlink in netns");
			goto undo_ipam;
		}
		r = skel_configure_iface(cont, ifindex, req->ifname, ipam, err);
		if (r < 0)
			goto undo_ipam;
	}
	r = dns_copy(&c->dns, &ipam->dns);
	if (r < 0)
		goto undo_ipam;
	*ret_result = TAKE_PTR(ipam);
	return 0;

undo_ipam: {
		struct cni_error e = {};

		skel_delegate(req, c->ipam_type, "DEL", req->stdin_data, req->stdin_len, &e);
	}
undo_move:
	if (!c->dpdk) {
		struct cni_error e = {};

		(void)move_out(c, req, nsfd, &e);
	}
	return r;
}

static int cmd_del(struct skel_request *req, struct cni_error *err)
{
	_cleanup_(hostdev_config_freep) struct hostdev_config *c = NULL;
	_cleanup_close_ int nsfd = -EBADF;
	int r;

	r = hostdev_config_parse(req->config, HOSTDEV_SYS_BUS_PCI, &c, err);
	if (r < 0)
		return r;
	if (!req->netns)
		return 0;
	nsfd = netns_open(req->netns);
	/* A namespace that is gone: a physical device went back to the host by itself. */
	if (nsfd == -ENOENT || nsfd == -EINVAL)
		nsfd = -EBADF;
	else if (nsfd < 0)
		return open_netns(req->netns, &nsfd, err);
	if (c->ipam_type) {
		r = skel_delegate(req, c->ipam_type, "DEL", req->stdin_data, req->stdin_len, err);
		if (r < 0)
			return r;
	}
	if (nsfd < 0 || c->dpdk)
		return 0;
	return move_out(c, req, nsfd, err);
}

/* The reference's validateCniContainerInterface, then the addresses and routes. */
static int check_in_netns(struct nl_sock *cont, const struct cni_interface *ci,
			  const struct cni_result *res, struct cni_error *err)
{
	struct nl_link l;
	char mac[18];
	int r;

	if (!ci->name || !*ci->name)
		return cni_error_set(err, CNI_ERR_INTERNAL,
				     "Container interface name missing in prevResult: ");
	if (nl_link_get_by_name(cont, ci->name, &l) < 0)
		return cni_error_set(err, CNI_ERR_INTERNAL,
				     "Container Interface name in prevResult: %s not found",
				     ci->name);
	if (!ci->sandbox || !*ci->sandbox)
		return cni_error_set(err, CNI_ERR_INTERNAL,
				     "Error: Container interface %s should not be in host namespace",
				     l.name);
	if (ci->mac && *ci->mac && !streq(ci->mac, nl_mac_to_string(l.mac, mac)))
		return cni_error_set(err, CNI_ERR_INTERNAL,
				     "Interface %s Mac %s doesn't match container Mac: %s",
				     ci->name, ci->mac, mac);
	r = skel_check_iface_ips(cont, l.ifindex, ci->name, res, err);
	if (r < 0)
		return r;
	return skel_check_routes(cont, res, err);
}

static int cmd_check(struct skel_request *req, struct cni_error *err)
{
	_cleanup_(hostdev_config_freep) struct hostdev_config *c = NULL;
	_cleanup_(nl_sock_freep) struct nl_sock *cont = NULL;
	_cleanup_close_ int nsfd = -EBADF;
	const struct cni_interface *ci = NULL;
	const struct cni_result *prev;
	int r;

	r = hostdev_config_parse(req->config, HOSTDEV_SYS_BUS_PCI, &c, err);
	if (r < 0)
		return r;
	r = open_netns(req->netns, &nsfd, err);
	if (r < 0)
		return r;
	if (c->ipam_type) {
		r = skel_delegate(req, c->ipam_type, "CHECK", req->stdin_data, req->stdin_len, err);
		if (r < 0)
			return r;
	}
	prev = req->prev_result;
	if (!prev)
		return cni_error_set(err, CNI_ERR_INTERNAL, "Required prevResult missing");
	if (c->dpdk)
		return 0;
	for (size_t i = 0; i < prev->n_interfaces; i++) {
		const struct cni_interface *x = &prev->interfaces[i];

		if (x->name && streq(x->name, req->ifname) && x->sandbox &&
		    streq(x->sandbox, req->netns))
			ci = x;
	}
	if (!ci)
		return cni_error_set(err, CNI_ERR_INTERNAL,
				     "Sandbox in prevResult  doesn't match configured netns: %s",
				     req->netns);
	r = nl_sock_open_netns(nsfd, &cont);
	if (r < 0)
		return skel_nl_error(err, NULL, r, "failed to open netlink in netns");
	return check_in_netns(cont, ci, prev, err);
}

/* Ready when the IPAM is (the reference's STATUS after 1.1.1). */
static int cmd_status(struct skel_request *req, struct cni_error *err)
{
	_cleanup_(hostdev_config_freep) struct hostdev_config *c = NULL;
	int r;

	r = hostdev_config_parse(req->config, HOSTDEV_SYS_BUS_PCI, &c, err);
	if (r < 0 || !c->ipam_type)
		return r;
	return skel_delegate(req, c->ipam_type, "STATUS", req->stdin_data, req->stdin_len, err);
}

int main(int argc, char **argv)
{
	static const struct skel_plugin plugin = {
		.name = "CNI host-device plugin (linen)",
		.versions = cni_versions_all,
		.add = cmd_add,
		.del = cmd_del,
		.check = cmd_check,
		.status = cmd_status,
	};

	return skel_main(argc, argv, &plugin);
}
