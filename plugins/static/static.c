// SPDX-License-Identifier: Apache-2.0
/*
 * static.c - the static IPAM plugin: hands back the addresses, routes and dns it is given.
 */
#include <errno.h>

#include "plugins/static/static-config.h"
#include "skel/skel.h"

static int cmd_add(struct skel_request *req, struct cni_result **ret_result,
		   struct cni_error *err)
{
	_cleanup_(static_config_freep) struct static_config *c = NULL;
	struct cni_result *res = NULL;
	int r;

	r = static_config_parse(req->config, req->cni_version, &req->args, &c, err);
	if (r < 0)
		return r;
	r = static_config_result(c, &res);
	if (r < 0)
		return r;
	*ret_result = res;
	return 0;
}

static int cmd_check(struct skel_request *req, struct cni_error *err)
{
	_cleanup_(static_config_freep) struct static_config *c = NULL;
	int r;

	r = static_config_parse(req->config, req->cni_version, &req->args, &c, err);
	if (r < 0)
		return r;
	if (!req->prev_result)
		return cni_error_set(err, CNI_ERR_INTERNAL, "Required prevResult missing");
	return static_config_check(c, req->prev_result, req->ifname, err);
}

static int cmd_del(struct skel_request *req, struct cni_error *err)
{
	return 0; /* nothing was allocated */
}

int main(int argc, char **argv)
{
	static const struct skel_plugin plugin = {
		.name = "CNI static IPAM plugin (linen)",
		.versions = cni_versions_all,
		.add = cmd_add,
		.del = cmd_del,
		.check = cmd_check,
	};

	return skel_main(argc, argv, &plugin);
}
