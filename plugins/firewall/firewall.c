// SPDX-License-Identifier: Apache-2.0
/*
 * firewall.c - the firewall CNI plugin (chained, spec >= 0.4.0), in nftables.
 *
 * Config: `ingressPolicy` (open | same-bridge | isolated), `iptablesAdminChainName` (the
 * admin chain of our table, default CNI-ADMIN), `backend`. The rules live in
 * src/fw/firewall.c (table inet linen-cni-firewall, and bridge linen-cni-firewall for
 * "isolated").
 *
 * linen has no iptables: `backend` "iptables" (the reference's rule set) and "nftables" both
 * get the nftables rules; "firewalld" is refused with code 2 (no D-Bus client here), so a
 * config that relies on firewalld zones fails loudly rather than running unprotected.
 * `firewalldZone` only means something to firewalld and is ignored.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "basic/godec.h"
#include "basic/json-util.h"
#include "basic/macro.h"
#include "fw/firewall.h"
#include "skel/plugin-config.h"
#include "skel/plugin-util.h"
#include "skel/skel.h"

#define FIREWALL_LOCK_FILE "/run/linen/firewall.lock"

static const char *const firewall_versions[] = { "0.4.0", "1.0.0", "1.1.0", NULL };

struct firewall_conf {
	enum fw_ingress_policy policy;
	const char *admin_chain; /* borrowed from the config */
};

static int parse_conf(const struct skel_request *req, struct firewall_conf *c,
		      struct cni_error *err)
{
	const struct godec d = skel_godec(err, "failed to load netconf: ", "FirewallNetConf");
	const char *backend = NULL, *policy = NULL, *zone = NULL;
	bool has_chain = false;
	int r;

	*c = (struct firewall_conf){ .policy = FW_INGRESS_OPEN };
	if ((r = godec_string(&d, req->config, "backend", &backend, NULL)) < 0 ||
	    (r = godec_string(&d, req->config, "iptablesAdminChainName", &c->admin_chain,
			      &has_chain)) < 0 ||
	    (r = godec_string(&d, req->config, "firewalldZone", &zone, NULL)) < 0 ||
	    (r = godec_string(&d, req->config, "ingressPolicy", &policy, NULL)) < 0 ||
	    (r = skel_decode_netconf(&d, req->config, NULL)) < 0)
		return r;
	cni_error_clear(err);
	if (backend) {
		if (streq(backend, "firewalld"))
			return cni_error_set(err, CNI_ERR_UNSUPPORTED_FIELD,
					     "backend \"firewalld\" is not supported: linen "
					     "programs nftables directly (use \"iptables\" or "
					     "\"nftables\")");
		if (!streq(backend, "iptables") && !streq(backend, "nftables"))
			return cni_error_set(err, CNI_ERR_INVALID_CONFIG,
					     "unknown firewall backend \"%s\"", backend);
	}
	if (policy && fw_ingress_policy_from_string(policy, &c->policy) < 0)
		return cni_error_set(err, CNI_ERR_INVALID_CONFIG,
				     "unknown ingressPolicy \"%s\" (open, same-bridge, isolated)",
				     policy);
	if (has_chain && !fw_firewall_admin_chain_valid(c->admin_chain))
		return cni_error_set(err, CNI_ERR_INVALID_CONFIG,
				     "iptablesAdminChainName must be a chain name "
				     "with an upper-case letter or '-' "
				     "([A-Za-z][A-Za-z0-9_-]*, at most 64), not "
				     "starting with f- or i-");
	return 0;
}

static int lock_or_fail(int *fd, struct cni_error *err)
{
	return skel_lock_file("firewall", FIREWALL_LOCK_FILE, fd, err);
}

static int fw_error(struct cni_error *err, int r, const char *what, const char *nft_text)
{
	return skel_errno_error(err, r, "firewall", what, nft_text);
}

/*
 * The spec from prevResult: every address (as the reference), and for a non-open policy the
 * bridge — the first host-side interface of the result (bridge plugins list it first).
 */
static int build_spec(const struct skel_request *req, const struct firewall_conf *c,
		      struct ip_prefix **ret_ips, struct fw_firewall_spec *s,
		      struct cni_error *err)
{
	const struct cni_result *res = req->prev_result;
	_cleanup_free_ struct ip_prefix *ips = NULL;

	*s = (struct fw_firewall_spec){
		.net = req->name,
		.container_id = req->container_id,
		.ifname = req->ifname,
		.policy = c->policy,
		.admin_chain = c->admin_chain,
	};
	ips = calloc(res->n_ips + 1, sizeof(*ips));
	if (!ips)
		return -ENOMEM;
	for (size_t i = 0; i < res->n_ips; i++)
		ips[i] = res->ips[i].address;
	s->n_ips = res->n_ips;
	if (c->policy != FW_INGRESS_OPEN) {
		for (size_t i = 0; i < res->n_interfaces && !s->bridge; i++)
			if (!res->interfaces[i].sandbox || !*res->interfaces[i].sandbox)
				s->bridge = res->interfaces[i].name;
		if (!s->bridge || !fw_ifname_valid(s->bridge))
			return cni_error_set(err, CNI_ERR_INVALID_CONFIG,
					     "ingressPolicy \"%s\" needs the bridge: prevResult "
					     "lists no host interface",
					     fw_ingress_policy_to_string(c->policy));
	}
	s->ips = ips;
	*ret_ips = TAKE_PTR(ips);
	return 0;
}

static int cmd_add(struct skel_request *req, struct cni_result **ret_result,
		   struct cni_error *err)
{
	_cleanup_free_ struct ip_prefix *ips = NULL;
	_cleanup_free_ char *nft_err = NULL;
	_cleanup_close_ int lock = -EBADF;
	struct firewall_conf c;
	struct fw_firewall_spec s;
	int r;

	r = parse_conf(req, &c, err);
	if (r < 0)
		return r;
	r = skel_require_prev_result(req, err);
	if (r < 0)
		return r;
	r = build_spec(req, &c, &ips, &s, err);
	if (r < 0)
		return r;
	if (s.n_ips > 0) {
		r = lock_or_fail(&lock, err);
		if (r < 0)
			return r;
		r = fw_firewall_add(&s, &nft_err);
		if (r < 0)
			return fw_error(err, r, "cannot add nftables rules", nft_err);
	}
	return skel_pass_prev_result(req, ret_result);
}

static int cmd_del(struct skel_request *req, struct cni_error *err)
{
	_cleanup_free_ char *nft_err = NULL;
	_cleanup_close_ int lock = -EBADF;
	struct firewall_conf c;
	int r;

	/* A broken config must not block cleanup; our chains are named by the attachment. */
	(void)parse_conf(req, &c, err);
	*err = (struct cni_error){};
	r = lock_or_fail(&lock, err);
	if (r < 0)
		return r;
	r = fw_firewall_del(req->name, req->container_id, req->ifname, &nft_err);
	if (r < 0)
		return fw_error(err, r, "cannot remove nftables rules", nft_err);
	return 0;
}

static int cmd_check(struct skel_request *req, struct cni_error *err)
{
	_cleanup_free_ struct ip_prefix *ips = NULL;
	struct firewall_conf c;
	struct fw_firewall_spec s;
	int r;

	r = parse_conf(req, &c, err);
	if (r < 0)
		return r;
	r = skel_require_prev_result(req, err);
	if (r < 0)
		return r;
	r = build_spec(req, &c, &ips, &s, err);
	if (r < 0)
		return r;
	if (s.n_ips == 0)
		return 0;
	r = fw_firewall_check(&s);
	return skel_check_error(req, r, "firewall", "nftables rules", err);
}

static int cmd_gc(struct skel_request *req, struct cni_error *err)
{
	_cleanup_free_ struct fw_attachment *valid = NULL;
	_cleanup_free_ char *nft_err = NULL;
	_cleanup_close_ int lock = -EBADF;
	size_t n;
	int r;

	r = fw_attachments_from_json(req->valid_attachments, &valid, &n);
	if (r < 0)
		return r;
	r = lock_or_fail(&lock, err);
	if (r < 0)
		return r;
	r = fw_firewall_gc(req->name, valid, n, &nft_err);
	if (r < 0)
		return fw_error(err, r, "GC of nftables rules", nft_err);
	return 0;
}

int main(int argc, char **argv)
{
	static const struct skel_plugin plugin = {
		.name = "CNI firewall plugin (linen, nftables)",
		.versions = firewall_versions,
		.add = cmd_add,
		.del = cmd_del,
		.check = cmd_check,
		.gc = cmd_gc,
	};

	return skel_main(argc, argv, &plugin);
}
