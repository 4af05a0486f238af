// SPDX-License-Identifier: Apache-2.0
/*
 * flannel - the CNI meta-plugin for flannel-style overlays (type "flannel").
 *
 * A drop-in replacement for the reference flannel CNI plugin: it reads the
 * subnet.env that flanneld (or linend) wrote, turns it into a bridge +
 * host-local config, saves that config in <dataDir>/<containerID> (the same
 * bytes the reference saves, so either plugin can DEL what the other ADDed)
 * and delegates to it. Beyond the reference: DEL still frees the address
 * when the saved file is gone (rebuilt from subnet.env, or host-local alone
 * when subnet.env is gone too), CHECK/GC/STATUS are forwarded, GC drops the
 * saved files of attachments the runtime no longer knows, and STATUS says
 * "not available" (50) until subnet.env exists.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "basic/fileio.h"
#include "basic/godec.h"
#include "basic/json-util.h"
#include "basic/log.h"
#include "flannel-conf.h"
#include "skel/plugin-util.h"
#include "skel/skel.h"

DEFINE_TRIVIAL_CLEANUP_FUNC(DIR *, closedir);

/* A saved delegate config is a few hundred bytes. */
#define SAVED_MAX (1024 * 1024)

/* Put prefix in front of err's message, keeping its code and details. */
static int error_prefix(struct cni_error *err, const char *prefix)
{
	char msg[sizeof(err->msg)];

	/* the message is cut rather than lost when it gets too long */
	snprintf(msg, sizeof(msg), "%s%.*s", prefix, (int)(sizeof(msg) - 1 - strlen(prefix)),
		 err->msg);
	memcpy(err->msg, msg, sizeof(msg));
	return -EINVAL;
}

static int saved_path(const struct flannel_conf *c, const char *container_id, char **ret)
{
	return asprintf(ret, "%s/%s", c->data_dir, container_id) < 0 ? -ENOMEM : 0;
}

/* The saved config for DEL: dir 0700, file 0600, written to a temp file, fsynced, renamed. */
static int save_delegate(const struct flannel_conf *c, const char *container_id,
			 const char *bytes, struct cni_error *err)
{
	_cleanup_free_ char *path = NULL;
	int r;

	r = saved_path(c, container_id, &path);
	if (r < 0)
		return r;
	r = mkdir_p(c->data_dir, 0700);
	if (r < 0)
		return cni_error_set(err, CNI_ERR_IO, "mkdir %s: %s", c->data_dir, strerror(-r));
	r = write_file_atomic(path, bytes, strlen(bytes), 0600);
	if (r < 0)
		return cni_error_set(err, CNI_ERR_IO, "write %s: %s", path, strerror(-r));
	return 0;
}

/* Read <dataDir>/<id> as a delegate config: 0 with the object (and the bytes when ret_data
 * is given), -ENOENT when there is none, -EBADMSG when it is not a config (the reference
 * then gives up; we rebuild). */
static int load_saved(const char *path, json_t **ret, char **ret_data)
{
	_cleanup_free_ char *data = NULL;
	json_t *j;
	size_t len;
	int r;

	r = read_full_file(path, SAVED_MAX, &data, &len);
	if (r < 0)
		return r;
	j = json_loadb(data, len, 0, NULL);
	if (!json_is_object(j) || !json_is_string(godec_map_get(j, "type")) ||
	    strlen(data) != len) {
		json_decref(j);
		return -EBADMSG;
	}
	*ret = j;
	if (ret_data)
		*ret_data = TAKE_PTR(data);
	return 0;
}

static int remove_saved(const char *path)
{
	if (unlink(path) < 0 && errno != ENOENT)
		return -errno;
	return 0;
}

static int load_env(const struct flannel_conf *c, struct flannel_env *ret,
		    struct cni_error *err)
{
	int r = flannel_env_load(c->subnet_file, ret, err);

	if (r < 0 && r != -ENOMEM)
		error_prefix(err, "loadFlannelSubnetEnv failed: ");
	return r;
}

/* The delegate config from subnet.env and our config. */
static int rebuild(const struct flannel_conf *c, json_t **ret, struct cni_error *err)
{
	struct flannel_env env = {};
	int r;

	r = load_env(c, &env, err);
	if (r < 0)
		return r;
	r = flannel_delegate_build(c, &env, ret, err);
	flannel_env_done(&env);
	return r;
}

/* Run the delegate named by conf's "type" with conf as stdin: `bytes` when given (the saved
 * file as it is), else conf rendered. */
static int delegate_run(const struct skel_request *req, const json_t *conf, const char *bytes,
			const char *command, struct cni_error *err)
{
	_cleanup_free_ char *rendered = NULL;
	const char *type = json_object_get_string(conf, "type");

	if (!bytes)
		bytes = rendered = flannel_delegate_dumps(conf);
	if (!bytes)
		return -ENOMEM;
	if (!type) /* the host-local-only config names its plugin under ipam */
		type = json_string_value(godec_map_get(godec_map_get(conf, "ipam"), "type"));
	log_debug("flannel: %s %s: %s", command, type, bytes);
	return skel_delegate(req, type, command, bytes, strlen(bytes), err);
}

static int cmd_add(struct skel_request *req, struct cni_result **ret_result, struct cni_error *err)
{
	_cleanup_json_ json_t *d = NULL;
	_cleanup_free_ char *bytes = NULL;
	struct flannel_conf c;
	int r;

	r = flannel_conf_parse(req->config, &c, err);
	if (r < 0)
		return r;
	r = rebuild(&c, &d, err);
	if (r < 0)
		return r;
	bytes = flannel_delegate_dumps(d);
	if (!bytes)
		return -ENOMEM;
	/* Saved before the delegate runs: a failed ADD is followed by a DEL that needs it. */
	r = save_delegate(&c, req->container_id, bytes, err);
	if (r < 0)
		return r;
	log_debug("flannel: ADD %s: %s", json_object_get_string(d, "type"), bytes);
	/* The delegate's error is returned as it is, as the reference's skel unwraps it. */
	return skel_delegate_add(req, json_object_get_string(d, "type"), bytes, strlen(bytes),
				 ret_result, err);
}

/* Without a usable saved file: the config rebuilt from subnet.env, or, when that is gone
 * too, host-local alone so the address is still freed. -EOPNOTSUPP: nothing can be done. */
static int fallback_conf(const struct flannel_conf *c, json_t **ret, struct cni_error *err)
{
	struct cni_error why = {};
	int r;

	r = rebuild(c, ret, &why);
	if (r >= 0 || r == -ENOMEM)
		return r;
	log_debug("flannel: cannot rebuild the delegate config (%s); host-local only", why.msg);
	return flannel_ipam_only_build(c, ret, err);
}

static int cmd_del(struct skel_request *req, struct cni_error *err)
{
	_cleanup_json_ json_t *d = NULL;
	_cleanup_free_ char *path = NULL, *bytes = NULL;
	struct flannel_conf c;
	int r, saved;

	r = flannel_conf_parse(req->config, &c, err);
	if (r < 0)
		return r;
	r = saved_path(&c, req->container_id, &path);
	if (r < 0)
		return r;
	saved = load_saved(path, &d, &bytes);
	if (saved == -ENOMEM)
		return saved;
	if (saved < 0) {
		/* The reference succeeds here and leaks the address; free it instead. */
		log_debug("flannel: %s: %s; rebuilding the delegate config", path,
			  strerror(-saved));
		r = fallback_conf(&c, &d, err);
		if (r == -EOPNOTSUPP) {
			log_warning("flannel: no saved config for %s and no subnet.env; "
				    "the IPAM plugin is not host-local, nothing to release",
				    req->container_id);
			return saved == -ENOENT ? 0 : remove_saved(path);
		}
		if (r < 0)
			return r;
	}
	r = delegate_run(req, d, bytes, "DEL", err);
	if (r < 0)
		return r; /* kept for the next DEL */
	r = remove_saved(path);
	if (r < 0)
		return cni_error_set(err, CNI_ERR_IO, "remove %s: %s", path, strerror(-r));
	return 0;
}

static int cmd_check(struct skel_request *req, struct cni_error *err)
{
	_cleanup_json_ json_t *d = NULL;
	_cleanup_free_ char *path = NULL;
	const json_t *prev = godec_get(req->config, "prevResult");
	struct flannel_conf c;
	int r;

	r = flannel_conf_parse(req->config, &c, err);
	if (r < 0)
		return r;
	r = saved_path(&c, req->container_id, &path);
	if (r < 0)
		return r;
	r = load_saved(path, &d, NULL);
	if (r == -ENOMEM)
		return r;
	if (r < 0) {
		r = rebuild(&c, &d, err);
		if (r < 0)
			return r;
	}
	/* The delegate checks against what the runtime recorded from ADD. */
	if (prev && json_object_set(d, "prevResult", (json_t *)prev) < 0)
		return -ENOMEM;
	return delegate_run(req, d, NULL, "CHECK", err);
}

static bool attachment_valid(const json_t *valid, const char *id)
{
	size_t i;
	json_t *a;

	json_array_foreach(valid, i, a) {
		const char *cid;

		skel_attachment(a, &cid, NULL);
		if (streq_ptr(cid, id))
			return true;
	}
	return false;
}

/* Remove saved configs of this network whose container the runtime no longer has. */
static int gc_saved(const struct flannel_conf *c, const json_t *valid)
{
	_cleanup_(closedirp) DIR *dir = NULL;
	struct dirent *de;
	int first = 0;

	dir = opendir(c->data_dir);
	if (!dir)
		return errno == ENOENT ? 0 : -errno;
	while ((de = readdir(dir))) {
		_cleanup_free_ char *path = NULL;
		_cleanup_json_ json_t *j = NULL;
		struct stat st;
		int r;

		if (de->d_name[0] == '.' || attachment_valid(valid, de->d_name))
			continue;
		if (fstatat(dirfd(dir), de->d_name, &st, AT_SYMLINK_NOFOLLOW) < 0 ||
		    !S_ISREG(st.st_mode))
			continue;
		if (saved_path(c, de->d_name, &path) < 0)
			return -ENOMEM;
		/* dataDir may be shared by several flannel networks: only ours go */
		if (load_saved(path, &j, NULL) < 0 ||
		    !streq_ptr(json_object_get_string(j, "name"), c->name))
			continue;
		log_debug("flannel: GC removes %s", path);
		r = remove_saved(path);
		if (r < 0 && !first)
			first = r;
	}
	return first;
}

static int cmd_gc(struct skel_request *req, struct cni_error *err)
{
	static const char *const keys[] = { "cni.dev/valid-attachments", "cni.dev/attachments" };
	_cleanup_json_ json_t *d = NULL;
	struct flannel_conf c;
	int r, k;

	r = flannel_conf_parse(req->config, &c, err);
	if (r < 0)
		return r;
	r = fallback_conf(&c, &d, err);
	if (r < 0 && r != -EOPNOTSUPP)
		return r;
	if (r >= 0) {
		for (size_t i = 0; i < ELEMENTSOF(keys); i++) {
			json_t *v = godec_map_get(req->config, keys[i]);

			if (v && json_object_set(d, keys[i], v) < 0)
				return -ENOMEM;
		}
		r = delegate_run(req, d, NULL, "GC", err);
	} else {
		r = 0;
	}
	/* Best effort: the saved files go even when the delegate failed; DEL can rebuild. */
	if (!json_is_array(req->valid_attachments))
		return r; /* no list is not "nothing is valid" */
	k = gc_saved(&c, req->valid_attachments);
	if (k < 0 && r >= 0)
		return cni_error_set(err, CNI_ERR_IO, "GC of %s: %s", c.data_dir, strerror(-k));
	return r;
}

static int cmd_status(struct skel_request *req, struct cni_error *err)
{
	_cleanup_json_ json_t *d = NULL;
	struct flannel_env env = {};
	struct flannel_conf c;
	int r;

	r = flannel_conf_parse(req->config, &c, err);
	if (r < 0)
		return r;
	r = load_env(&c, &env, err);
	if (r == -ENOMEM)
		return r;
	if (r < 0) {
		/* flanneld has not (yet) written its lease: pods cannot be added */
		err->code = CNI_ERR_NOT_AVAILABLE;
		return r;
	}
	r = flannel_delegate_build(&c, &env, &d, err);
	flannel_env_done(&env);
	if (r < 0)
		return r;
	return delegate_run(req, d, NULL, "STATUS", err);
}

static const struct skel_plugin plugin = {
	.name = "CNI flannel plugin (linen)",
	.versions = cni_versions_all,
	.add = cmd_add,
	.del = cmd_del,
	.check = cmd_check,
	.gc = cmd_gc,
	.status = cmd_status,
};

int main(int argc, char **argv)
{
	log_set_ident("flannel");
	return skel_main(argc, argv, &plugin);
}
