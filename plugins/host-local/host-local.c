// SPDX-License-Identifier: Apache-2.0
/*
 * host-local - the IPAM plugin that allocates addresses from ranges on local disk.
 *
 * A drop-in replacement for the reference host-local: same config keys, same
 * result, same store under <dataDir>/<network>, same error texts. Adds GC
 * (free addresses of attachments the runtime no longer knows) and STATUS
 * (code 50 when some range set has no free address). This file is only the
 * CNI glue; the work is in src/ipam.
 */
#include <errno.h>
#include <string.h>

#include "basic/json-util.h"
#include "basic/log.h"
#include "ipam/ipam-alloc.h"
#include "ipam/ipam-config.h"
#include "ipam/ipam-store.h"
#include "skel/plugin-util.h"
#include "skel/skel.h"

static void report(void *userdata, const char *name, const char *why)
{
	const struct ipam_store *s = userdata;

	log_warning("host-local: %s/%s: %s", s->path, name, why);
}

/* DEL and GC only need to find the store: a broken range must not block cleanup. */
static int load_store_config(struct skel_request *req, struct ipam_config **ret,
			     struct cni_error *err)
{
	char ebuf[IPAM_ERR_MAX];
	int r;

	r = ipam_config_parse_store(req->config, ret, ebuf);
	if (r == -ENOMEM)
		return r;
	if (r < 0)
		return cni_error_set(err, CNI_ERR_INVALID_CONFIG, "%s", ebuf);
	return 0;
}

static int load_config(struct skel_request *req, bool want_ip, struct ipam_config **ret,
		       struct cni_error *err)
{
	static const char *const known[] = { "IP", NULL };
	char ebuf[IPAM_ERR_MAX];
	const char *ip = NULL;
	int r;

	if (want_ip) {
		r = cni_args_check_known(&req->args, known, err);
		if (r < 0)
			return r;
		ip = cni_args_get(&req->args, "IP");
	}
	r = ipam_config_parse(req->config, ip, ret, ebuf);
	if (r == -ENOMEM)
		return r;
	if (r < 0)
		return cni_error_set(err, CNI_ERR_INVALID_CONFIG, "%s", ebuf);
	return 0;
}

static int open_store(const struct ipam_config *c, bool create, struct ipam_store **ret,
		      struct cni_error *err)
{
	int r;

	r = create ? ipam_store_open(c->data_dir, c->name, ret)
		   : ipam_store_open_existing(c->data_dir, c->name, ret);
	if (r == -ENOENT && !create)
		return r;
	if (r == -EINVAL)
		return cni_error_set(err, CNI_ERR_INVALID_CONFIG, "invalid network name \"%s\"",
				     c->name ? c->name : "");
	if (r < 0)
		return cni_error_set(err, CNI_ERR_IO, "failed to open %s/%s: %s", c->data_dir,
				     c->name ? c->name : "", strerror(-r));
	return 0;
}

static int fill_result(const struct ipam_config *c, const struct ipam_lease *leases, size_t n,
		       struct ipam_dns *dns, struct cni_result **ret)
{
	_cleanup_(cni_result_freep) struct cni_result *res = cni_result_new();
	int r;

	if (!res)
		return -ENOMEM;
	for (size_t i = 0; i < n; i++) {
		r = cni_result_add_ip(res, &leases[i].address, &leases[i].gateway, -1);
		if (r < 0)
			return r;
	}
	for (size_t i = 0; i < c->n_routes; i++) {
		const struct ipam_route *rt = &c->routes[i];
		struct cni_route *cr;

		r = cni_result_add_route(res, &rt->dst, rt->gw.family ? &rt->gw : NULL);
		if (r < 0)
			return r;
		cr = &res->routes[r];
		cr->mtu = rt->mtu;
		cr->advmss = rt->advmss;
		cr->priority = rt->priority;
		cr->has_table = rt->has_table;
		cr->table = rt->table;
		cr->has_scope = rt->has_scope;
		cr->scope = rt->scope;
	}
	/* Ownership of the DNS strings moves into the result. */
	res->dns.nameservers = TAKE_PTR(dns->nameservers);
	res->dns.domain = TAKE_PTR(dns->domain);
	res->dns.search = TAKE_PTR(dns->search);
	res->dns.options = TAKE_PTR(dns->options);
	*ret = TAKE_PTR(res);
	return 0;
}

static int cmd_add(struct skel_request *req, struct cni_result **ret_result, struct cni_error *err)
{
	_cleanup_(ipam_config_freep) struct ipam_config *c = NULL;
	_cleanup_(ipam_store_closep) struct ipam_store *s = NULL;
	_cleanup_free_ struct ipam_lease *leases = NULL;
	struct ipam_dns dns = {};
	char ebuf[IPAM_ERR_MAX];
	size_t n = 0;
	int r;

	r = load_config(req, true, &c, err);
	if (r < 0)
		return r;
	if (c->resolv_conf) {
		r = ipam_dns_parse_resolv_conf(c->resolv_conf, &dns);
		if (r < 0)
			return cni_error_set(err, CNI_ERR_IO, "open %s: %s", c->resolv_conf,
					     strerror(-r));
	}
	r = open_store(c, true, &s, err);
	if (r < 0)
		goto out;
	r = ipam_allocate(c, s, req->container_id, req->ifname, report, s, &leases, &n, ebuf);
	if (r == -ENOMEM)
		goto out;
	if (r < 0) {
		r = cni_error_set(err, CNI_ERR_INTERNAL, "%s", ebuf);
		goto out;
	}
	r = fill_result(c, leases, n, &dns, ret_result);
	if (r < 0) {
		/* Nothing may stay reserved for an ADD that reports failure. */
		(void)ipam_release(s, req->container_id, req->ifname, ebuf);
	}
out:
	ipam_dns_done(&dns);
	return r;
}

static int cmd_del(struct skel_request *req, struct cni_error *err)
{
	_cleanup_(ipam_config_freep) struct ipam_config *c = NULL;
	_cleanup_(ipam_store_closep) struct ipam_store *s = NULL;
	char ebuf[IPAM_ERR_MAX];
	int r;

	/* DEL ignores CNI_ARGS and ranges: neither may keep an address forever. */
	r = load_store_config(req, &c, err);
	if (r < 0)
		return r;
	r = open_store(c, false, &s, err);
	if (r == -ENOENT)
		return 0; /* nothing was ever allocated on this network */
	if (r < 0)
		return r;
	r = ipam_release(s, req->container_id, req->ifname, ebuf);
	if (r < 0)
		return cni_error_set(err, CNI_ERR_IO, "%s", ebuf);
	return 0;
}

static int cmd_check(struct skel_request *req, struct cni_error *err)
{
	_cleanup_(ipam_config_freep) struct ipam_config *c = NULL;
	_cleanup_(ipam_store_closep) struct ipam_store *s = NULL;
	int r;

	r = load_config(req, true, &c, err);
	if (r < 0)
		return r;
	r = open_store(c, false, &s, err);
	if (r >= 0)
		r = ipam_check(s, req->container_id, req->ifname, report, s);
	if (r == -ENOENT)
		return cni_error_set(err, CNI_ERR_INTERNAL,
				     "host-local: Failed to find address added by container %s",
				     req->container_id);
	if (r < 0 && !cni_error_is_set(err))
		return cni_error_set(err, CNI_ERR_IO, "host-local: %s", strerror(-r));
	return r;
}

static int cmd_gc(struct skel_request *req, struct cni_error *err)
{
	_cleanup_(ipam_config_freep) struct ipam_config *c = NULL;
	_cleanup_(ipam_store_closep) struct ipam_store *s = NULL;
	_cleanup_free_ struct ipam_attachment *valid = NULL;
	const json_t *va = req->valid_attachments, *o;
	char ebuf[IPAM_ERR_MAX];
	size_t n = 0, i, freed = 0;
	int r;

	r = load_store_config(req, &c, err);
	if (r < 0)
		return r;
	/* No list at all is not "nothing is valid": never free everything by accident. */
	if (!va) {
		log_debug("host-local: GC without cni.dev/valid-attachments; nothing freed");
		return 0;
	}
	if (!json_is_array(va))
		return cni_error_set(err, CNI_ERR_INVALID_CONFIG,
				     "cni.dev/valid-attachments must be a list");
	valid = calloc(json_array_size(va) + 1, sizeof(*valid));
	if (!valid)
		return -ENOMEM;
	json_array_foreach(va, i, o) {
		const char *id, *ifname;
		skel_attachment(o, &id, &ifname);
		if (!id || !ifname)
			return cni_error_set(err, CNI_ERR_INVALID_CONFIG,
					     "cni.dev/valid-attachments[%zu]: needs containerID and ifname",
					     i);
		valid[n++] = (struct ipam_attachment){ id, ifname };
	}
	r = open_store(c, false, &s, err);
	if (r == -ENOENT)
		return 0;
	if (r < 0)
		return r;
	r = ipam_gc(s, valid, n, report, s, &freed, ebuf);
	log_debug("host-local: GC freed %zu addresses in %s", freed, s->path);
	if (r < 0)
		return cni_error_set(err, CNI_ERR_IO, "%s", ebuf);
	return 0;
}

static int cmd_status(struct skel_request *req, struct cni_error *err)
{
	_cleanup_(ipam_config_freep) struct ipam_config *c = NULL;
	_cleanup_(ipam_store_closep) struct ipam_store *s = NULL;
	char ebuf[IPAM_ERR_MAX];
	int r;

	r = load_config(req, false, &c, err);
	if (r < 0)
		return r;
	r = open_store(c, false, &s, err);
	if (r == -ENOENT)
		return 0; /* nothing allocated yet: every range is free */
	if (r < 0)
		return r;
	r = ipam_status(c, s, report, s, ebuf);
	if (r == -ENOSPC)
		return cni_error_set(err, CNI_ERR_NOT_AVAILABLE, "%s", ebuf);
	if (r < 0)
		return cni_error_set(err, CNI_ERR_IO, "%s", ebuf);
	return 0;
}

static const struct skel_plugin plugin = {
	.name = "host-local IPAM plugin (linen)",
	.versions = cni_versions_all,
	.add = cmd_add,
	.del = cmd_del,
	.check = cmd_check,
	.gc = cmd_gc,
	.status = cmd_status,
};

int main(int argc, char **argv)
{
	log_set_ident("host-local");
	return skel_main(argc, argv, &plugin);
}
