// SPDX-License-Identifier: Apache-2.0
/*
 * example.c - the smallest useful CNI plugin: passes prevResult through
 * (or returns an empty result). The template for docs/plugin-sdk.md.
 */
#include "skel/skel.h"

static int cmd_add(struct skel_request *req, struct cni_result **ret_result,
		   struct cni_error *err)
{
	/* A chained plugin that changes nothing must echo prevResult. */
	struct cni_result *r = req->prev_result ? TAKE_PTR(req->prev_result) : cni_result_new();

	/* Rendered in the config's version by skel. */
	if (!r || cni_result_set_version(r, req->cni_version) < 0) {
		cni_result_free(r);
		return -ENOMEM;
	}
	*ret_result = r;
	return 0;
}

static int cmd_del(struct skel_request *req, struct cni_error *err)
{
	return 0; /* nothing to undo: DEL must succeed when there is nothing left */
}

int main(int argc, char **argv)
{
	static const struct skel_plugin plugin = {
		.name = "CNI example plugin (linen)",
		.versions = cni_versions_all,
		.add = cmd_add,
		.del = cmd_del,
	};

	return skel_main(argc, argv, &plugin);
}
