// SPDX-License-Identifier: Apache-2.0
/*
 * api.c - the public libcni API: running plugin chains the way the reference libcni does.
 *
 * Each verb validates the attachment's names first (they become part of the cache file
 * name), builds every plugin's request from its config plus the injected keys, runs the
 * plugin with the CNI_* environment over ours, and keeps the result cache in step.
 */
#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "basic/json-util.h"
#include "basic/macro.h"
#include "cni/libcni.h"
#include "libcni/api.h"
#include "libcni/cache.h"
#include "libcni/conf.h"
#include "libcni/error.h"
#include "libcni/invoke.h"
#include "libcni/result.h"
#include "libcni/version.h"

extern char **environ;

static void err_out(struct libcni_error *pub, const struct cni_error *e)
{
	if (!pub)
		return;
	pub->code = e->code;
	snprintf(pub->msg, sizeof(pub->msg), "%s", e->msg);
	snprintf(pub->details, sizeof(pub->details), "%s", e->details);
}

/* Fill err when a failure came without a message (allocation failures and the like). */
static int err_errno(struct cni_error *err, int r)
{
	if (!cni_error_is_set(err))
		cni_error_set(err, CNI_ERR_INTERNAL, "%s", strerror(r < 0 ? -r : EIO));
	return r;
}

static const char *verb_lower(const char *verb)
{
	if (streq(verb, "ADD"))
		return "add";
	if (streq(verb, "DEL"))
		return "delete"; /* the reference's word */
	if (streq(verb, "CHECK"))
		return "check";
	if (streq(verb, "GC"))
		return "gc";
	if (streq(verb, "STATUS"))
		return "status";
	return "version";
}

/* Prefix a plugin's error with which plugin and verb failed; code and details stay. */
static void err_wrap_plugin(struct cni_error *err, const char *type, const char *verb)
{
	char inner[sizeof(err->msg)];
	char details[sizeof(err->details)];
	unsigned code = err->code;

	snprintf(inner, sizeof(inner), "%s", err->msg);
	snprintf(details, sizeof(details), "%s", err->details);
	cni_error_set(err, code, "plugin type=\"%s\" failed (%s): %s", type, verb_lower(verb),
		      inner);
	if (details[0])
		cni_error_set_details(err, "%s", details);
}

/* Errors of a best-effort walk (GC), joined like Go's errors.Join (one per line). */
static void err_join(struct cni_error *all, const struct cni_error *one)
{
	size_t used = strlen(all->msg);

	if (!cni_error_is_set(all)) {
		*all = *one;
		return;
	}
	snprintf(all->msg + used, sizeof(all->msg) - used, "\n%s", one->msg);
}

int cni_build_request(const struct cni_plugin_conf *p, const char *name, const char *version,
		      const json_t *prev_result, const json_t *capability_args, json_t **ret)
{
	_cleanup_json_ json_t *req = NULL, *rc = NULL;
	json_t *caps;

	req = json_deep_copy(p->json);
	if (!req || !json_is_object(req))
		return -ENOMEM;
	if (json_object_set_new(req, "cniVersion", json_string(version)) < 0 ||
	    json_object_set_new(req, "name", json_string(name)) < 0)
		return -ENOMEM;
	if (prev_result && json_object_set_new(req, "prevResult", json_deep_copy(prev_result)) < 0)
		return -ENOMEM;

	/* runtimeConfig: only the capabilities this plugin declared and the runtime supplied */
	caps = json_object_get(p->json, "capabilities");
	if (json_is_object(caps) && json_is_object(capability_args)) {
		const char *cap;
		json_t *enabled;

		rc = json_object();
		if (!rc)
			return -ENOMEM;
		json_object_foreach(caps, cap, enabled) {
			json_t *v = json_object_get(capability_args, cap);

			if (!json_is_true(enabled) || !v)
				continue;
			if (json_object_set(rc, cap, v) < 0)
				return -ENOMEM;
		}
		if (json_object_size(rc) > 0 &&
		    json_object_set_new(req, "runtimeConfig", TAKE_PTR(rc)) < 0)
			return -ENOMEM;
	}
	*ret = TAKE_PTR(req);
	return 0;
}

/* What one plugin run gets in its environment besides ours. */
struct exec_env {
	const char *command;
	const char *container_id, *netns, *ifname, *args, *path;
};

static int args_string(const struct libcni_rt *rt, char **ret)
{
	size_t len = 1;
	char *s, *p;

	for (size_t i = 0; rt && i < rt->n_args; i++)
		len += strlen(rt->arg_keys[i]) + strlen(rt->arg_values[i]) + 2;
	s = malloc(len);
	if (!s)
		return -ENOMEM;
	p = s;
	*p = 0;
	for (size_t i = 0; rt && i < rt->n_args; i++)
		p += sprintf(p, "%s%s=%s", i ? ";" : "", rt->arg_keys[i], rt->arg_values[i]);
	*ret = s;
	return 0;
}

/* Find and run one plugin. On failure err says which plugin failed doing what. */
static int run_plugin(struct libcni *c, const char *type, const struct exec_env *x,
		      const char *stdin_data, size_t stdin_len, char **ret_out,
		      struct cni_error *err)
{
	_cleanup_free_ char *path = NULL, *e_cmd = NULL, *e_cid = NULL, *e_ns = NULL,
			    *e_args = NULL, *e_if = NULL, *e_path = NULL, *out = NULL;
	_cleanup_strv_free_ char **env = NULL;
	int r;

	r = cni_find_plugin_err(type, c->cni_path, &path, err);
	if (r < 0) {
		err_wrap_plugin(err, type ? type : "", x->command);
		return r;
	}
	/* every CNI_* is set, empty when not applicable, so nothing leaks in from our env */
	if (asprintf(&e_cmd, "CNI_COMMAND=%s", x->command) < 0 ||
	    asprintf(&e_cid, "CNI_CONTAINERID=%s", x->container_id ?: "") < 0 ||
	    asprintf(&e_ns, "CNI_NETNS=%s", x->netns ?: "") < 0 ||
	    asprintf(&e_args, "CNI_ARGS=%s", x->args ?: "") < 0 ||
	    asprintf(&e_if, "CNI_IFNAME=%s", x->ifname ?: "") < 0 ||
	    asprintf(&e_path, "CNI_PATH=%s", x->path ?: "") < 0)
		return err_errno(err, -ENOMEM);
	{
		const char *const overrides[] = { e_cmd, e_cid, e_ns, e_args, e_if, e_path, NULL };

		env = cni_env_build(environ, overrides);
	}
	if (!env)
		return err_errno(err, -ENOMEM);
	r = cni_exec_plugin(path, env, stdin_data, stdin_len, c->timeout_ms, &out, NULL, err);
	if (r < 0) {
		err_wrap_plugin(err, type, x->command);
		return r;
	}
	if (ret_out)
		*ret_out = TAKE_PTR(out);
	return 0;
}

/* Run one plugin of a chain with its built request. */
static int run_chain_plugin(struct libcni *c, const struct cni_conflist *l, size_t i,
			    const char *command, const struct libcni_rt *rt, const char *args,
			    const json_t *prev, char **ret_out, struct cni_error *err)
{
	_cleanup_json_ json_t *req = NULL;
	_cleanup_free_ char *data = NULL;
	const struct exec_env x = {
		.command = command,
		.container_id = rt->container_id,
		.netns = rt->netns,
		.ifname = rt->ifname,
		.args = args,
		.path = c->cni_path,
	};
	int r;

	r = cni_build_request(&l->plugins[i], l->name, cni_conflist_effective_version(l), prev,
			      rt->capability_args, &req);
	if (r < 0)
		return err_errno(err, r);
	data = json_dumps(req, JSON_COMPACT);
	if (!data)
		return err_errno(err, -ENOMEM);
	return run_plugin(c, l->plugins[i].type, &x, data, strlen(data), ret_out, err);
}

static int validate_attachment(const struct cni_conflist *l, const struct libcni_rt *rt,
			       struct cni_error *err)
{
	int r;

	r = cni_validate_container_id(rt->container_id ? rt->container_id : "", err);
	if (r < 0)
		return r;
	r = cni_validate_network_name(l->name ? l->name : "", err);
	if (r < 0)
		return r;
	r = cni_validate_ifname(rt->ifname ? rt->ifname : "", err);
	if (r < 0)
		return r;
	/*
	 * Refuse what the result cache could never record before any plugin runs, or an ADD
	 * would change the node and then fail (the reference fails too, after the chain ran).
	 */
	if (!cni_cache_name_fits(l->name, rt->container_id, rt->ifname)) {
		cni_error_set(err, CNI_ERR_INVALID_ENV,
			      "containerID too long: the cache file name <network>-<containerID>-"
			      "<ifname> would exceed %d bytes", NAME_MAX);
		return cni_error_set_details(err, "%.1000s", rt->container_id);
	}
	return 0;
}

/* The reference's order: the handle's explicit dir, the attachment's, the default. */
static const char *rt_cache_dir(const struct libcni *c, const struct libcni_rt *rt)
{
	if (!c->cache_dir_set && rt && rt->cache_dir)
		return rt->cache_dir;
	return c->cache_dir;
}

/* The cached result converted to the list's version. -ENOENT none, -EBADMSG corrupt. */
static int cached_result(const struct libcni *c, const struct cni_conflist *l,
			 const struct libcni_rt *rt, json_t **ret, struct cni_error *err)
{
	_cleanup_(cni_cache_entry_freep) struct cni_cache_entry *e = NULL;
	const char *version = cni_conflist_effective_version(l);
	json_t *res;
	int r;

	r = cni_cache_read(rt_cache_dir(c, rt), l->name, rt->container_id, rt->ifname, &e);
	if (r == -ENOENT)
		return r;
	if (r < 0) {
		cni_error_set(err, r == -EBADMSG ? CNI_ERR_DECODE : CNI_ERR_IO,
			      "cannot read cached result: %s",
			      r == -EBADMSG ? "corrupt cache file" : strerror(-r));
		return r;
	}
	if (!e->result)
		return -ENOENT;
	r = cni_result_convert_json(e->result, version, version, &res, err);
	if (r < 0)
		return -EBADMSG;
	*ret = res;
	return 0;
}

static int store_result(const struct libcni *c, const struct cni_conflist *l,
			const struct libcni_rt *rt, const json_t *result)
{
	struct cni_cache_entry e = {
		.container_id = rt->container_id,
		.ifname = rt->ifname,
		.network_name = l->name,
		.netns = rt->netns,
		.config = l->bytes,
		.config_len = l->len,
		.arg_keys = rt->arg_keys,
		.arg_values = rt->arg_values,
		.n_args = rt->n_args,
		.capability_args = rt->capability_args,
		.result = (json_t *)result,
	};

	return cni_cache_write(rt_cache_dir(c, rt), &e);
}

static int chain_add(struct libcni *c, const struct cni_conflist *l, const struct libcni_rt *rt,
		     json_t **ret_result, struct cni_error *err)
{
	_cleanup_json_ json_t *prev = NULL;
	_cleanup_free_ char *args = NULL;
	const char *version = cni_conflist_effective_version(l);
	int r;

	r = validate_attachment(l, rt, err);
	if (r < 0)
		return r;
	r = args_string(rt, &args);
	if (r < 0)
		return err_errno(err, r);

	for (size_t i = 0; i < l->n_plugins; i++) {
		_cleanup_(cni_result_freep) struct cni_result *res = NULL;
		_cleanup_json_ json_t *j = NULL, *norm = NULL;
		_cleanup_free_ char *out = NULL;
		json_error_t jerr;

		r = run_chain_plugin(c, l, i, "ADD", rt, args, prev, &out, err);
		if (r < 0)
			return r;
		j = json_loads(out, 0, &jerr);
		if (!j) {
			cni_error_set(err, CNI_ERR_DECODE, "decoding result: %s: \"%.200s\"",
				      jerr.text, out);
			err_wrap_plugin(err, l->plugins[i].type, "ADD");
			return -EBADMSG;
		}
		/* a result lacking cniVersion is read as the config's version (cni#895) */
		r = cni_result_from_json(j, version, &res, err);
		if (r >= 0)
			r = cni_result_to_json(res, res->cni_version ? res->cni_version : version,
					       &norm, err);
		if (r < 0) {
			err_errno(err, r);
			err_wrap_plugin(err, l->plugins[i].type, "ADD");
			return -EBADMSG;
		}
		if (prev)
			json_decref(prev);
		prev = TAKE_PTR(norm);
	}
	if (!prev)
		return cni_error_set(err, CNI_ERR_INVALID_CONFIG, "no plugins in network \"%s\"",
				     l->name);
	r = store_result(c, l, rt, prev);
	if (r < 0) {
		cni_error_set(err, CNI_ERR_IO, "failed to set network \"%s\" cached result: %s",
			      l->name, strerror(-r));
		return r;
	}
	if (ret_result)
		*ret_result = TAKE_PTR(prev);
	return 0;
}

static int chain_del(struct libcni *c, const struct cni_conflist *l, const struct libcni_rt *rt,
		     struct cni_error *err)
{
	_cleanup_json_ json_t *prev = NULL;
	_cleanup_free_ char *args = NULL;
	const char *version = cni_conflist_effective_version(l);
	int r;

	r = validate_attachment(l, rt, err);
	if (r < 0)
		return r;
	r = args_string(rt, &args);
	if (r < 0)
		return err_errno(err, r);
	/* the cached result is prevResult on DEL since 0.4.0 */
	if (cni_version_ge(version, "0.4.0")) {
		struct cni_error ignored = {};

		r = cached_result(c, l, rt, &prev, &ignored);
		if (r < 0 && r != -ENOENT) {
			/* corrupt (cni#1055): drop it, DEL must still be possible */
			(void)cni_cache_remove(rt_cache_dir(c, rt), l->name, rt->container_id,
					       rt->ifname);
			prev = NULL;
		}
	}
	for (size_t i = l->n_plugins; i-- > 0;) {
		r = run_chain_plugin(c, l, i, "DEL", rt, args, prev, NULL, err);
		if (r < 0)
			return r;
	}
	/* the attachment is gone; a cache file we cannot remove does not change that */
	(void)cni_cache_remove(rt_cache_dir(c, rt), l->name, rt->container_id, rt->ifname);
	return 0;
}

static int chain_check(struct libcni *c, const struct cni_conflist *l,
		       const struct libcni_rt *rt, struct cni_error *err)
{
	_cleanup_json_ json_t *prev = NULL;
	_cleanup_free_ char *args = NULL;
	const char *version = cni_conflist_effective_version(l);
	int r;

	if (!cni_version_ge(version, "0.4.0"))
		return cni_error_set(err, CNI_ERR_INCOMPATIBLE_VERSION,
				     "configuration version \"%s\" does not support the CHECK "
				     "command", version);
	if (l->disable_check)
		return 0;
	r = validate_attachment(l, rt, err);
	if (r < 0)
		return r;
	r = args_string(rt, &args);
	if (r < 0)
		return err_errno(err, r);
	r = cached_result(c, l, rt, &prev, err);
	if (r < 0 && r != -ENOENT) {
		char inner[sizeof(err->msg)];

		snprintf(inner, sizeof(inner), "%s", err->msg);
		cni_error_set(err, err->code ? err->code : CNI_ERR_INTERNAL,
			      "failed to get network \"%s\" cached result: %s", l->name, inner);
		return r;
	}
	for (size_t i = 0; i < l->n_plugins; i++) {
		r = run_chain_plugin(c, l, i, "CHECK", rt, args, prev, NULL, err);
		if (r < 0)
			return r;
	}
	return 0;
}

/* GC and STATUS: the plugin config with name, cniVersion and extra keys, no attachment. */
static int run_list_plugin(struct libcni *c, const struct cni_conflist *l, size_t i,
			   const char *command, const json_t *extra, struct cni_error *err)
{
	_cleanup_json_ json_t *req = NULL;
	_cleanup_free_ char *data = NULL;
	const struct exec_env x = { .command = command, .path = c->cni_path };
	int r;

	r = cni_build_request(&l->plugins[i], l->name, cni_conflist_effective_version(l), NULL,
			      NULL, &req);
	if (r < 0)
		return err_errno(err, r);
	if (extra && json_object_update(req, (json_t *)extra) < 0)
		return err_errno(err, -ENOMEM);
	data = json_dumps(req, JSON_COMPACT);
	if (!data)
		return err_errno(err, -ENOMEM);
	return run_plugin(c, l->plugins[i].type, &x, data, strlen(data), NULL, err);
}

static bool attachment_valid(const struct cni_cache_entry *e, const struct libcni_attachment *v,
			     size_t n)
{
	for (size_t i = 0; v && i < n; i++)
		if (streq_ptr(v[i].container_id, e->container_id) &&
		    streq_ptr(v[i].ifname, e->ifname))
			return true;
	return false;
}

static int chain_gc(struct libcni *c, const struct cni_conflist *l,
		    const struct libcni_attachment *valid, size_t n_valid, struct cni_error *err)
{
	struct cni_cache_entry **cached = NULL;
	_cleanup_json_ json_t *extra = NULL;
	int r, first = 0;

	if (l->disable_gc)
		return 0;
	r = cni_cache_list(c->cache_dir, NULL, &cached, NULL);
	if (r < 0)
		cached = NULL; /* the reference ignores an unreadable cache here */
	for (size_t i = 0; cached && cached[i]; i++) {
		struct cni_cache_entry *e = cached[i];
		struct cni_error one = {};
		struct libcni_rt rt = {
			.container_id = e->container_id,
			.netns = e->netns,
			.ifname = e->ifname,
			.arg_keys = e->arg_keys,
			.arg_values = e->arg_values,
			.n_args = e->n_args,
			.capability_args = e->capability_args,
		};

		if (!streq(e->network_name, l->name) || attachment_valid(e, valid, n_valid))
			continue;
		r = chain_del(c, l, &rt, &one);
		if (r < 0) {
			char inner[sizeof(one.msg)];

			snprintf(inner, sizeof(inner), "%s", one.msg);
			cni_error_set(&one, one.code, "failed to delete stale attachment %s %s: %s",
				      e->container_id, e->ifname, inner);
			err_join(err, &one);
			first = first ?: r;
		}
	}
	cni_cache_entries_free(cached);

	if (!cni_version_ge(cni_conflist_effective_version(l), "1.1.0"))
		return first;
	extra = json_object();
	if (!extra)
		return err_errno(err, -ENOMEM);
	if (valid) {
		_cleanup_json_ json_t *arr = json_array();

		if (!arr)
			return err_errno(err, -ENOMEM);
		for (size_t i = 0; i < n_valid; i++)
			if (json_array_append_new(arr, json_pack("{s:s?,s:s?}", "containerID",
								 valid[i].container_id, "ifname",
								 valid[i].ifname)) < 0)
				return err_errno(err, -ENOMEM);
		/* the spec's key and the one the reference still sends too (cni#1101) */
		if (json_object_set(extra, "cni.dev/valid-attachments", arr) < 0 ||
		    json_object_set(extra, "cni.dev/attachments", arr) < 0)
			return err_errno(err, -ENOMEM);
	}
	for (size_t i = 0; i < l->n_plugins; i++) {
		struct cni_error one = {};

		r = run_list_plugin(c, l, i, "GC", extra, &one);
		if (r < 0) {
			err_join(err, &one);
			first = first ?: r;
		}
	}
	return first;
}

static int chain_status(struct libcni *c, const struct cni_conflist *l, struct cni_error *err)
{
	int r;

	if (!cni_version_ge(cni_conflist_effective_version(l), "1.1.0"))
		return 0;
	for (size_t i = 0; i < l->n_plugins; i++) {
		r = run_list_plugin(c, l, i, "STATUS", NULL, err);
		if (r < 0)
			return r;
	}
	return 0;
}

/* {"cniVersion","supportedVersions"} for a plugin answering with only a version list. */
static json_t *plugin_supports(const char *const *versions)
{
	json_t *o = json_pack("{s:s,s:[]}", "cniVersion", CNI_VERSION_LATEST, "supportedVersions");

	for (size_t i = 0; o && versions[i]; i++)
		if (json_array_append_new(json_object_get(o, "supportedVersions"),
					  json_string(versions[i])) < 0) {
			json_decref(o);
			return NULL;
		}
	return o;
}

static int version_info(struct libcni *c, const char *type, json_t **ret, struct cni_error *err)
{
	/* dummy values for plugins built against an older skel that required them */
	const struct exec_env x = {
		.command = "VERSION",
		.netns = "dummy",
		.ifname = "dummy",
		.path = "dummy",
	};
	static const char stdin_data[] = "{\"cniVersion\":\"" CNI_VERSION_LATEST "\"}";
	_cleanup_free_ char *out = NULL;
	_cleanup_json_ json_t *j = NULL;
	json_t *v, *list, *item;
	json_error_t jerr;
	size_t i;
	int r;

	r = run_plugin(c, type, &x, stdin_data, strlen(stdin_data), &out, err);
	if (r < 0) {
		const char *inner = strstr(err->msg, "failed (version): ");

		/* plugins from before VERSION existed (0.1.0) */
		if (r == -EPROTO && inner && !err->details[0] &&
		    streq(inner + strlen("failed (version): "), "unknown CNI_COMMAND: VERSION")) {
			static const char *const v010[] = { "0.1.0", NULL };

			cni_error_clear(err);
			*ret = plugin_supports(v010);
			return *ret ? 0 : err_errno(err, -ENOMEM);
		}
		return r;
	}
	j = json_loads(out, 0, &jerr);
	if (!j || !json_is_object(j))
		return cni_error_set(err, CNI_ERR_DECODE, "decoding version info: %s",
				     j ? "not an object" : jerr.text);
	v = json_object_get(j, "cniVersion");
	if (!json_is_string(v) || !json_string_length(v))
		return cni_error_set(err, CNI_ERR_DECODE,
				     "decoding version info: missing field cniVersion");
	list = json_object_get(j, "supportedVersions");
	if (list && !json_is_array(list))
		return cni_error_set(err, CNI_ERR_DECODE,
				     "decoding version info: supportedVersions is not a list");
	json_array_foreach(list, i, item)
		if (!json_is_string(item))
			return cni_error_set(err, CNI_ERR_DECODE, "decoding version info: "
					     "supportedVersions holds a non-string");
	if (json_array_size(list) == 0) {
		static const char *const v020[] = { "0.1.0", "0.2.0", NULL };

		if (!streq(json_string_value(v), "0.2.0"))
			return cni_error_set(err, CNI_ERR_DECODE, "decoding version info: "
					     "missing field supportedVersions");
		*ret = plugin_supports(v020);
		return *ret ? 0 : err_errno(err, -ENOMEM);
	}
	*ret = json_pack("{s:O,s:O}", "cniVersion", v, "supportedVersions", list);
	return *ret ? 0 : err_errno(err, -ENOMEM);
}

/* ---- public API ---- */

int libcni_new(const char *cni_path, const char *cache_dir, struct libcni **ret)
{
	struct libcni *c = calloc(1, sizeof(*c));

	if (!c)
		return -ENOMEM;
	c->cni_path = strdup(cni_path ? cni_path : "");
	c->cache_dir = strdup(cache_dir && *cache_dir ? cache_dir : LIBCNI_DEFAULT_CACHE_DIR);
	c->cache_dir_set = cache_dir && *cache_dir;
	c->timeout_ms = LIBCNI_DEFAULT_TIMEOUT_MS;
	if (!c->cni_path || !c->cache_dir) {
		libcni_free(c);
		return -ENOMEM;
	}
	*ret = c;
	return 0;
}

struct libcni *libcni_free(struct libcni *c)
{
	if (!c)
		return NULL;
	free(c->cni_path);
	free(c->cache_dir);
	free(c);
	return NULL;
}

void libcni_set_timeout(struct libcni *c, unsigned timeout_ms)
{
	c->timeout_ms = timeout_ms;
}

static int netconf_wrap(int r, struct cni_conflist *l, struct libcni_netconf **ret,
			struct cni_error *e, struct libcni_error *err)
{
	struct libcni_netconf *nc;

	if (r < 0) {
		err_errno(e, r);
		err_out(err, e);
		return r;
	}
	nc = calloc(1, sizeof(*nc));
	if (!nc) {
		cni_conflist_free(l);
		err_errno(e, -ENOMEM);
		err_out(err, e);
		return -ENOMEM;
	}
	nc->list = l;
	*ret = nc;
	return 0;
}

int libcni_netconf_load(const char *dir, const char *name, struct libcni_netconf **ret,
			struct libcni_error *err)
{
	struct cni_conflist *l = NULL;
	struct cni_error e = {};
	int r;

	r = cni_conflist_load(dir, name, &l, &e);
	if (r == -ENOENT && !cni_error_is_set(&e))
		cni_error_set(&e, CNI_ERR_INVALID_CONFIG, "no net configuration with name \"%s\" "
			      "in %s", name, dir);
	return netconf_wrap(r, l, ret, &e, err);
}

int libcni_netconf_from_bytes(const char *data, size_t len, struct libcni_netconf **ret,
			      struct libcni_error *err)
{
	struct cni_conflist *l = NULL;
	struct cni_error e = {};
	int r;

	/* not one expression: l must be read after the call wrote it */
	r = cni_conflist_from_bytes(data, len, &l, &e);
	return netconf_wrap(r, l, ret, &e, err);
}

int libcni_netconf_from_file(const char *path, struct libcni_netconf **ret,
			     struct libcni_error *err)
{
	struct cni_conflist *l = NULL;
	struct cni_error e = {};
	int r;

	r = cni_conflist_from_file(path, &l, &e);
	return netconf_wrap(r, l, ret, &e, err);
}

struct libcni_netconf *libcni_netconf_free(struct libcni_netconf *nc)
{
	if (!nc)
		return NULL;
	cni_conflist_free(nc->list);
	free(nc);
	return NULL;
}

const char *libcni_netconf_name(const struct libcni_netconf *nc)
{
	return nc->list->name;
}

const char *libcni_netconf_version(const struct libcni_netconf *nc)
{
	return cni_conflist_effective_version(nc->list);
}

size_t libcni_netconf_plugin_count(const struct libcni_netconf *nc)
{
	return nc->list->n_plugins;
}

const char *libcni_netconf_plugin_type(const struct libcni_netconf *nc, size_t i)
{
	return i < nc->list->n_plugins ? nc->list->plugins[i].type : NULL;
}

const char *libcni_netconf_bytes(const struct libcni_netconf *nc, size_t *ret_len)
{
	if (ret_len)
		*ret_len = nc->list->len;
	return nc->list->bytes;
}

int libcni_rt_new(const char *container_id, const char *netns, const char *ifname,
		  struct libcni_rt **ret)
{
	struct libcni_rt *rt = calloc(1, sizeof(*rt));

	if (!rt)
		return -ENOMEM;
	rt->container_id = strdup(container_id ? container_id : "");
	rt->netns = netns ? strdup(netns) : NULL;
	rt->ifname = strdup(ifname ? ifname : "");
	if (!rt->container_id || !rt->ifname || (netns && !rt->netns)) {
		libcni_rt_free(rt);
		return -ENOMEM;
	}
	*ret = rt;
	return 0;
}

struct libcni_rt *libcni_rt_free(struct libcni_rt *rt)
{
	if (!rt)
		return NULL;
	free(rt->container_id);
	free(rt->netns);
	free(rt->ifname);
	for (size_t i = 0; i < rt->n_args; i++) {
		free(rt->arg_keys[i]);
		free(rt->arg_values[i]);
	}
	free(rt->arg_keys);
	free(rt->arg_values);
	if (rt->capability_args)
		json_decref(rt->capability_args);
	free(rt->cache_dir);
	free(rt);
	return NULL;
}

int libcni_rt_add_arg(struct libcni_rt *rt, const char *key, const char *value)
{
	_cleanup_free_ char *k = NULL, *v = NULL;
	char **nk, **nv;

	if (!key || !value || !*key || !*value || strpbrk(key, ";=") || strpbrk(value, ";="))
		return -EINVAL;
	k = strdup(key);
	v = strdup(value);
	if (!k || !v)
		return -ENOMEM;
	nk = realloc(rt->arg_keys, (rt->n_args + 1) * sizeof(char *));
	if (!nk)
		return -ENOMEM;
	rt->arg_keys = nk;
	nv = realloc(rt->arg_values, (rt->n_args + 1) * sizeof(char *));
	if (!nv)
		return -ENOMEM;
	rt->arg_values = nv;
	rt->arg_keys[rt->n_args] = TAKE_PTR(k);
	rt->arg_values[rt->n_args] = TAKE_PTR(v);
	rt->n_args++;
	return 0;
}

int libcni_rt_set_capability_args(struct libcni_rt *rt, const char *json,
				  struct libcni_error *err)
{
	struct cni_error e = {};
	json_error_t jerr;
	json_t *j = NULL;

	if (json) {
		j = json_loads(json, JSON_REJECT_DUPLICATES, &jerr);
		if (!j || !json_is_object(j)) {
			cni_error_set(&e, CNI_ERR_DECODE,
				      "capability args are not a JSON object: %s",
				      j ? "wrong type" : jerr.text);
			if (j)
				json_decref(j);
			err_out(err, &e);
			return -EINVAL;
		}
	}
	if (rt->capability_args)
		json_decref(rt->capability_args);
	rt->capability_args = j;
	return 0;
}

int libcni_rt_set_cache_dir(struct libcni_rt *rt, const char *cache_dir)
{
	char *d = NULL;

	if (cache_dir && !(d = strdup(cache_dir)))
		return -ENOMEM;
	free(rt->cache_dir);
	rt->cache_dir = d;
	return 0;
}

int libcni_add(struct libcni *c, const struct libcni_netconf *nc, const struct libcni_rt *rt,
	       char **ret_result, struct libcni_error *err)
{
	_cleanup_json_ json_t *res = NULL;
	struct cni_error e = {};
	char *s;
	int r;

	r = chain_add(c, nc->list, rt, &res, &e);
	if (r < 0) {
		err_errno(&e, r);
		err_out(err, &e);
		return r;
	}
	if (ret_result) {
		s = cni_result_dumps(res);
		if (!s) {
			err_errno(&e, -ENOMEM);
			err_out(err, &e);
			return -ENOMEM;
		}
		*ret_result = s;
	}
	return 0;
}

int libcni_check(struct libcni *c, const struct libcni_netconf *nc, const struct libcni_rt *rt,
		 struct libcni_error *err)
{
	struct cni_error e = {};
	int r = chain_check(c, nc->list, rt, &e);

	if (r < 0) {
		err_errno(&e, r);
		err_out(err, &e);
	}
	return r;
}

int libcni_del(struct libcni *c, const struct libcni_netconf *nc, const struct libcni_rt *rt,
	       struct libcni_error *err)
{
	struct cni_error e = {};
	int r = chain_del(c, nc->list, rt, &e);

	if (r < 0) {
		err_errno(&e, r);
		err_out(err, &e);
	}
	return r;
}

int libcni_gc(struct libcni *c, const struct libcni_netconf *nc,
	      const struct libcni_attachment *valid, size_t n_valid, struct libcni_error *err)
{
	struct cni_error e = {};
	int r = chain_gc(c, nc->list, valid, n_valid, &e);

	if (r < 0) {
		err_errno(&e, r);
		err_out(err, &e);
	}
	return r;
}

int libcni_status(struct libcni *c, const struct libcni_netconf *nc, struct libcni_error *err)
{
	struct cni_error e = {};
	int r = chain_status(c, nc->list, &e);

	if (r < 0) {
		err_errno(&e, r);
		err_out(err, &e);
	}
	return r;
}

int libcni_version_info(struct libcni *c, const char *type, char **ret_json,
			struct libcni_error *err)
{
	_cleanup_json_ json_t *j = NULL;
	struct cni_error e = {};
	char *s;
	int r;

	r = version_info(c, type, &j, &e);
	if (r < 0) {
		err_errno(&e, r);
		err_out(err, &e);
		return r;
	}
	s = json_dumps(j, JSON_COMPACT);
	if (!s) {
		err_errno(&e, -ENOMEM);
		err_out(err, &e);
		return -ENOMEM;
	}
	*ret_json = s;
	return 0;
}

int libcni_validate(struct libcni *c, const struct libcni_netconf *nc, char **ret_caps,
		    struct libcni_error *err)
{
	const struct cni_conflist *l = nc->list;
	const char *version = cni_conflist_effective_version(l);
	_cleanup_json_ json_t *caps = json_array();
	struct cni_error e = {};
	int first = 0;

	if (!caps)
		return -ENOMEM;
	for (size_t i = 0; i < l->n_plugins; i++) {
		_cleanup_json_ json_t *vi = NULL;
		struct cni_error one = {};
		json_t *pc = json_object_get(l->plugins[i].json, "capabilities"), *en, *s;
		const char *cap;
		size_t k;
		bool found = false;
		int r;

		r = version_info(c, l->plugins[i].type, &vi, &one);
		if (r >= 0) {
			json_array_foreach(json_object_get(vi, "supportedVersions"), k, s)
				found = found || streq(json_string_value(s), version);
			if (!found) {
				cni_error_set(&one, CNI_ERR_INCOMPATIBLE_VERSION,
					      "plugin %s does not support config version \"%s\"",
					      l->plugins[i].type, version);
				r = -EINVAL;
			}
		}
		if (r < 0) {
			err_join(&e, &one);
			first = first ?: r;
		}
		json_object_foreach(pc, cap, en) {
			bool seen = false;

			if (!json_is_true(en))
				continue;
			json_array_foreach(caps, k, s)
				seen = seen || streq(json_string_value(s), cap);
			if (!seen && json_array_append_new(caps, json_string(cap)) < 0)
				return -ENOMEM;
		}
	}
	if (first < 0) {
		err_out(err, &e);
		return first;
	}
	if (ret_caps) {
		*ret_caps = json_dumps(caps, JSON_COMPACT);
		if (!*ret_caps)
			return -ENOMEM;
	}
	return 0;
}

int libcni_get_cached_result(struct libcni *c, const struct libcni_netconf *nc,
			     const struct libcni_rt *rt, char **ret_json, struct libcni_error *err)
{
	_cleanup_json_ json_t *j = NULL;
	struct cni_error e = {};
	char *s;
	int r;

	r = validate_attachment(nc->list, rt, &e);
	if (r >= 0)
		r = cached_result(c, nc->list, rt, &j, &e);
	if (r == -ENOENT && !cni_error_is_set(&e))
		cni_error_set(&e, CNI_ERR_INTERNAL, "no cached result for %s %s", rt->container_id,
			      rt->ifname);
	if (r < 0) {
		err_errno(&e, r);
		err_out(err, &e);
		return r;
	}
	s = cni_result_dumps(j);
	if (!s)
		return -ENOMEM;
	*ret_json = s;
	return 0;
}

int libcni_get_cached_attachments(struct libcni *c, const char *container_id, char **ret_json)
{
	struct cni_cache_entry **v = NULL;
	_cleanup_json_ json_t *arr = json_array();
	int r;

	if (!arr)
		return -ENOMEM;
	r = cni_cache_list(c->cache_dir, container_id, &v, NULL);
	if (r < 0)
		return r;
	for (size_t i = 0; v[i]; i++) {
		json_t *o = json_pack("{s:s,s:s,s:s}", "containerId", v[i]->container_id,
				      "network", v[i]->network_name, "ifName", v[i]->ifname);

		if (o && v[i]->netns)
			json_object_set_new(o, "netns", json_string(v[i]->netns));
		if (o && v[i]->n_args) {
			json_t *a = json_array();

			for (size_t k = 0; a && k < v[i]->n_args; k++)
				json_array_append_new(a, json_pack("[s,s]", v[i]->arg_keys[k],
								   v[i]->arg_values[k]));
			json_object_set_new(o, "cniArgs", a);
		}
		if (o && v[i]->capability_args)
			json_object_set(o, "capabilityArgs", v[i]->capability_args);
		if (!o || json_array_append_new(arr, o) < 0) {
			cni_cache_entries_free(v);
			return -ENOMEM;
		}
	}
	cni_cache_entries_free(v);
	*ret_json = json_dumps(arr, JSON_COMPACT);
	return *ret_json ? 0 : -ENOMEM;
}
