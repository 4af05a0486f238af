// SPDX-License-Identifier: Apache-2.0
/*
 * delegate.c - running another plugin (usually IPAM) on behalf of the
 * current request, as the reference's invoke.Delegate* do: the delegate is
 * found on CNI_PATH and runs with our environment, only CNI_COMMAND changed.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "basic/json-util.h"
#include "libcni/invoke.h"
#include "skel/skel-internal.h"
#include "skel/skel.h"

extern char **environ;

static int delegate_exec(const struct skel_request *req, const char *type, const char *command,
			 const char *stdin_data, size_t len, char **ret_out, size_t *ret_len,
			 struct cni_error *err)
{
	_cleanup_free_ char *path = NULL, *cmd = NULL;
	_cleanup_strv_free_ char **envp = NULL;
	const char *overrides[2];
	int r;

	r = cni_find_plugin_err(type, req->cni_path, &path, err);
	if (r < 0)
		return r;
	if (asprintf(&cmd, "CNI_COMMAND=%s", command) < 0)
		return -ENOMEM;
	overrides[0] = cmd;
	overrides[1] = NULL;
	envp = cni_env_build(skel_envp ? skel_envp : environ, overrides);
	if (!envp)
		return -ENOMEM;
	return cni_exec_delegate(path, envp, stdin_data, len, ret_out, ret_len, err);
}

int skel_delegate_add(const struct skel_request *req, const char *type, const char *stdin_data,
		      size_t len, struct cni_result **ret_result, struct cni_error *err)
{
	_cleanup_free_ char *out = NULL;
	_cleanup_json_ json_t *j = NULL;
	_cleanup_(cni_result_freep) struct cni_result *res = NULL;
	json_error_t je;
	size_t out_len;
	int r;

	r = delegate_exec(req, type, "ADD", stdin_data, len, &out, &out_len, err);
	if (r < 0)
		return r;
	j = json_loadb(out, out_len, 0, &je);
	if (!j)
		return cni_error_set(err, CNI_ERR_DECODE, "failed to parse %s result: %s", type,
				     je.text);
	r = cni_result_from_json(j, req->cni_version, &res, err);
	if (r < 0)
		return r;
	r = cni_result_set_version(res, req->cni_version);
	if (r < 0)
		return r;
	*ret_result = TAKE_PTR(res);
	return 0;
}

int skel_delegate(const struct skel_request *req, const char *type, const char *command,
		  const char *stdin_data, size_t len, struct cni_error *err)
{
	_cleanup_free_ char *out = NULL;
	size_t out_len;

	return delegate_exec(req, type, command, stdin_data, len, &out, &out_len, err);
}
