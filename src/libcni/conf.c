// SPDX-License-Identifier: Apache-2.0
/*
 * conf.c - network configuration lists and the name validators.
 *
 * Follows the reference libcni: a .conflist needs a name and (after plugin
 * aggregation) at least one plugin with a valid type; cniVersions entries
 * above the spec version we implement are dropped and the highest remaining
 * version wins; disableCheck/disableGC/loadOnlyInlinedPlugins may be bools or
 * the strings "true"/"false". A directory is searched in byte order, first
 * *.conflist by name, then legacy single-plugin *.conf / *.json files.
 */
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>

#include "basic/fileio.h"
#include "basic/json-util.h"
#include "libcni/conf.h"
#include "libcni/version.h"

#define CONF_MAX_SIZE (16u << 20)

static bool cni_name_ok(const char *s)
{
	if (!isalnum((unsigned char)s[0]))
		return false;
	for (const char *p = s + 1; *p; p++)
		if (!isalnum((unsigned char)*p) && *p != '_' && *p != '.' && *p != '-')
			return false;
	return true;
}

int cni_validate_container_id(const char *id, struct cni_error *err)
{
	/* The reference's ValidateContainerID: empty is "unknown container"; the SDK reports an
	 * unset CNI_CONTAINERID earlier, as a missing variable (code 4). */
	if (!id || !*id)
		return cni_error_set(err, CNI_ERR_UNKNOWN_CONTAINER, "missing containerID");
	if (!cni_name_ok(id)) {
		cni_error_set(err, CNI_ERR_INVALID_ENV, "invalid characters in containerID");
		return cni_error_set_details(err, "%.1000s", id);
	}
	return 0;
}

int cni_validate_network_name(const char *name, struct cni_error *err)
{
	if (!name || !*name)
		return cni_error_set(err, CNI_ERR_INVALID_CONFIG, "missing network name");
	if (!cni_name_ok(name)) {
		cni_error_set(err, CNI_ERR_INVALID_CONFIG, "invalid characters found in network name");
		return cni_error_set_details(err, "%.1000s", name);
	}
	return 0;
}

int cni_validate_ifname(const char *ifname, struct cni_error *err)
{
	if (!ifname || !*ifname)
		return cni_error_set(err, CNI_ERR_INVALID_ENV, "interface name is empty");
	if (strlen(ifname) > 15) {
		cni_error_set(err, CNI_ERR_INVALID_ENV, "interface name is too long");
		return cni_error_set_details(err, "interface name should be less than 16 characters");
	}
	if (streq(ifname, ".") || streq(ifname, ".."))
		return cni_error_set(err, CNI_ERR_INVALID_ENV, "interface name is . or ..");
	for (const char *p = ifname; *p; p++)
		if (*p == '/' || *p == ':' || isspace((unsigned char)*p))
			return cni_error_set(err, CNI_ERR_INVALID_ENV,
					     "interface name contains / or : or whitespace characters");
	return 0;
}

int cni_validate_plugin_type(const char *type, struct cni_error *err)
{
	if (!type || !*type)
		return cni_error_set(err, CNI_ERR_INVALID_CONFIG,
				     "error parsing configuration: missing 'type'");
	if (strchr(type, '/') || strchr(type, '\\'))
		return cni_error_set(err, CNI_ERR_INVALID_CONFIG, "invalid plugin type \"%.200s\"",
				     type);
	return 0;
}

struct cni_conflist *cni_conflist_free(struct cni_conflist *l)
{
	if (!l)
		return NULL;
	free(l->name);
	free(l->cni_version);
	strv_free(l->cni_versions);
	for (size_t i = 0; i < l->n_plugins; i++) {
		free(l->plugins[i].type);
		json_decref(l->plugins[i].json);
	}
	free(l->plugins);
	free(l->bytes);
	free(l);
	return NULL;
}

const char *cni_conflist_effective_version(const struct cni_conflist *l)
{
	return l && l->cni_version && *l->cni_version ? l->cni_version : "0.1.0";
}

/* Take a plugin object (borrowed) into the list. */
static int add_plugin(struct cni_conflist *l, json_t *o, struct cni_error *err)
{
	struct cni_plugin_conf *n;
	const char *type;
	int r;

	if (!json_is_object(o))
		return cni_error_set(err, CNI_ERR_INVALID_CONFIG,
				     "error parsing configuration: plugin must be an object");
	type = json_object_get_string(o, "type");
	if (json_object_get(o, "type") && !type)
		return cni_error_set(err, CNI_ERR_INVALID_CONFIG,
				     "error parsing configuration: 'type' must be a string");
	r = cni_validate_plugin_type(type, err);
	if (r < 0)
		return r;
	n = reallocarray(l->plugins, l->n_plugins + 1, sizeof(*n));
	if (!n)
		return -ENOMEM;
	l->plugins = n;
	n[l->n_plugins].type = strdup(type);
	if (!n[l->n_plugins].type)
		return -ENOMEM;
	n[l->n_plugins].json = json_incref(o);
	l->n_plugins++;
	return 0;
}

static int read_bool(const json_t *j, const char *key, bool *ret, struct cni_error *err)
{
	json_t *v = json_object_get(j, key);

	*ret = false;
	if (!v)
		return 0;
	if (json_is_boolean(v)) {
		*ret = json_is_true(v);
		return 0;
	}
	if (json_is_string(v)) {
		if (strcasecmp(json_string_value(v), "true") == 0) {
			*ret = true;
			return 0;
		}
		if (strcasecmp(json_string_value(v), "false") == 0)
			return 0;
		return cni_error_set(err, CNI_ERR_INVALID_CONFIG,
				     "error parsing configuration list: invalid value \"%.200s\" for %s",
				     json_string_value(v), key);
	}
	return cni_error_set(err, CNI_ERR_INVALID_CONFIG,
			     "error parsing configuration list: invalid type for %s", key);
}

/* The cniVersions list and the resulting version (the highest of cniVersion and the list
 * entries not above what we implement). */
static int read_versions(const json_t *j, struct cni_conflist *l, struct cni_error *err)
{
	json_t *v = json_object_get(j, "cniVersion"), *vs = json_object_get(j, "cniVersions"), *e;
	const char *best = NULL;
	size_t i;

	if (v && !json_is_string(v))
		return cni_error_set(err, CNI_ERR_INVALID_CONFIG,
				     "error parsing configuration list: invalid cniVersion type");
	if (v)
		best = json_string_value(v);
	if (vs) {
		if (!json_is_array(vs))
			return cni_error_set(err, CNI_ERR_INVALID_CONFIG,
					     "error parsing configuration list: invalid type for cniVersions");
		l->cni_versions = calloc(json_array_size(vs) + 1, sizeof(char *));
		if (!l->cni_versions)
			return -ENOMEM;
		json_array_foreach(vs, i, e) {
			const char *s = json_string_value(e);

			if (!s)
				return cni_error_set(err, CNI_ERR_INVALID_CONFIG,
						     "error parsing configuration list: invalid type for cniVersions index %zu",
						     i);
			if (!cni_version_valid(s))
				return cni_error_set(err, CNI_ERR_INVALID_CONFIG,
						     "error parsing configuration list: invalid cniVersions entry %.100s at index %zu",
						     s, i);
			l->cni_versions[i] = strdup(s);
			if (!l->cni_versions[i])
				return -ENOMEM;
		}
		/* With a list, cniVersion competes with it and must be valid itself. */
		if (best && *best && !cni_version_valid(best))
			return cni_error_set(err, CNI_ERR_INVALID_CONFIG,
					     "error parsing configuration list: invalid cniVersion %.100s",
					     best);
		if (best && (!*best || cni_version_cmp(best, CNI_VERSION_LATEST) > 0))
			best = NULL;
		for (char **s = l->cni_versions; *s; s++)
			if (cni_version_cmp(*s, CNI_VERSION_LATEST) <= 0 &&
			    (!best || cni_version_cmp(*s, best) > 0))
				best = *s;
		/* Nothing usable: the reference keeps cniVersion as given. */
		if (!best && v)
			best = json_string_value(v);
	}
	if (best) {
		l->cni_version = strdup(best);
		if (!l->cni_version)
			return -ENOMEM;
	}
	return 0;
}

static int load_json(const char *data, size_t len, json_t **ret, struct cni_error *err)
{
	json_error_t je;
	json_t *j = json_loadb(data, len, 0, &je); /* duplicate keys: last wins, like Go */

	if (!j)
		return cni_error_set(err, CNI_ERR_DECODE,
				     "error parsing configuration: %s (line %d column %d)", je.text,
				     je.line, je.column);
	if (!json_is_object(j)) {
		json_decref(j);
		return cni_error_set(err, CNI_ERR_DECODE,
				     "error parsing configuration: not a JSON object");
	}
	*ret = j;
	return 0;
}

static int list_new(const char *data, size_t len, struct cni_conflist **ret)
{
	struct cni_conflist *l = calloc(1, sizeof(*l));

	if (!l)
		return -ENOMEM;
	l->bytes = malloc(len + 1);
	if (!l->bytes) {
		free(l);
		return -ENOMEM;
	}
	memcpy(l->bytes, data, len);
	l->bytes[len] = '\0';
	l->len = len;
	*ret = l;
	return 0;
}

/* Parse a conflist. With !strict (scanning a directory) the name is only required to be a
 * string and "plugins" may be absent (plugins then come from <dir>/<name>/). */
static int conflist_parse(const char *data, size_t len, bool strict, struct cni_conflist **ret,
			  struct cni_error *err)
{
	_cleanup_(cni_conflist_freep) struct cni_conflist *l = NULL;
	_cleanup_json_ json_t *j = NULL;
	json_t *name, *plugins, *p;
	size_t i;
	int r;

	r = load_json(data, len, &j, err);
	if (r < 0)
		return r;
	name = json_object_get(j, "name");
	if (!name)
		return cni_error_set(err, CNI_ERR_INVALID_CONFIG,
				     "error parsing configuration list: no name");
	if (!json_is_string(name))
		return cni_error_set(err, CNI_ERR_INVALID_CONFIG,
				     "error parsing configuration list: invalid name type");
	if (strict) {
		r = cni_validate_network_name(json_string_value(name), err);
		if (r < 0)
			return r;
	}
	r = list_new(data, len, &l);
	if (r < 0)
		return r;
	l->name = strdup(json_string_value(name));
	if (!l->name)
		return -ENOMEM;
	r = read_versions(j, l, err);
	if (r < 0)
		return r;
	if ((r = read_bool(j, "disableCheck", &l->disable_check, err)) < 0 ||
	    (r = read_bool(j, "disableGC", &l->disable_gc, err)) < 0 ||
	    (r = read_bool(j, "loadOnlyInlinedPlugins", &l->load_only_inlined, err)) < 0)
		return r;

	plugins = json_object_get(j, "plugins");
	if (!plugins) {
		if (l->load_only_inlined)
			return cni_error_set(err, CNI_ERR_INVALID_CONFIG,
					     "error parsing configuration list: `loadOnlyInlinedPlugins` is true, and no 'plugins' key");
		if (strict)
			return cni_error_set(err, CNI_ERR_INVALID_CONFIG,
					     "error parsing configuration list: no 'plugins' key");
		*ret = TAKE_PTR(l);
		return 0;
	}
	if (!json_is_array(plugins))
		return cni_error_set(err, CNI_ERR_INVALID_CONFIG,
				     "error parsing configuration list: invalid 'plugins' type");
	if (json_array_size(plugins) == 0)
		return cni_error_set(err, CNI_ERR_INVALID_CONFIG,
				     "error parsing configuration list: no plugins in list");
	json_array_foreach(plugins, i, p) {
		r = add_plugin(l, p, err);
		if (r < 0)
			return r;
	}
	*ret = TAKE_PTR(l);
	return 0;
}

int cni_conflist_from_bytes(const char *data, size_t len, struct cni_conflist **ret,
			    struct cni_error *err)
{
	return conflist_parse(data, len, true, ret, err);
}

/* Wrap a single plugin config as {"cniVersion","name","plugins":[conf]}; the bytes are
 * what the reference produces (compact, keys sorted, like Go marshalling a map). */
static int conf_wrap(json_t *conf, struct cni_conflist **ret, struct cni_error *err)
{
	_cleanup_json_ json_t *w = NULL;
	_cleanup_free_ char *bytes = NULL;
	const char *v = json_object_get_string(conf, "cniVersion");
	const char *name = json_object_get_string(conf, "name");

	w = json_pack("{s:s, s:s, s:[O]}", "cniVersion", v ? v : "", "name", name ? name : "",
		      "plugins", conf);
	if (!w)
		return -ENOMEM;
	bytes = json_dumps(w, JSON_COMPACT | JSON_SORT_KEYS);
	if (!bytes)
		return -ENOMEM;
	return conflist_parse(bytes, strlen(bytes), true, ret, err);
}

int cni_conflist_from_conf_bytes(const char *data, size_t len, struct cni_conflist **ret,
				 struct cni_error *err)
{
	_cleanup_json_ json_t *j = NULL;
	json_t *t;
	int r;

	r = load_json(data, len, &j, err);
	if (r < 0)
		return r;
	t = json_object_get(j, "type");
	if (t && !json_is_string(t))
		return cni_error_set(err, CNI_ERR_INVALID_CONFIG,
				     "error parsing configuration: 'type' must be a string");
	r = cni_validate_plugin_type(json_string_value(t), err);
	if (r < 0)
		return r;
	return conf_wrap(j, ret, err);
}

static bool has_suffix(const char *s, const char *suffix)
{
	size_t a = strlen(s), b = strlen(suffix);

	return a >= b && streq(s + a - b, suffix);
}

/* The file name's extension as the reference's filepath.Ext sees it. */
static const char *file_ext(const char *name)
{
	const char *dot = strrchr(name, '.');

	return dot ? dot : "";
}

int cni_conflist_from_file(const char *path, struct cni_conflist **ret, struct cni_error *err)
{
	_cleanup_free_ char *data = NULL;
	size_t len;
	int r;

	r = read_full_file(path, CONF_MAX_SIZE, &data, &len);
	if (r < 0) {
		cni_error_set(err, CNI_ERR_IO, "error reading %.500s: %s", path, strerror(-r));
		return r;
	}
	if (has_suffix(path, ".conflist"))
		return cni_conflist_from_bytes(data, len, ret, err);
	return cni_conflist_from_conf_bytes(data, len, ret, err);
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Regular (non-directory) entries of dir whose extension is one of exts, sorted bytewise.
 * A missing directory is an empty list. */
static int conf_files(const char *dir, const char *const *exts, char ***ret, size_t *ret_n)
{
	_cleanup_strv_free_ char **files = NULL;
	DIR *d;
	struct dirent *de;
	size_t n = 0;

	d = opendir(dir);
	if (!d) {
		if (errno == ENOENT || errno == ENOTDIR) {
			*ret = NULL;
			*ret_n = 0;
			return 0;
		}
		return -errno;
	}
	files = calloc(1, sizeof(char *));
	if (!files)
		goto nomem;
	while ((de = readdir(d))) {
		bool match = false;
		bool is_dir = de->d_type == DT_DIR;
		char **nf;

		if (streq(de->d_name, ".") || streq(de->d_name, ".."))
			continue;
		for (const char *const *e = exts; *e; e++)
			if (streq(file_ext(de->d_name), *e))
				match = true;
		if (!match)
			continue;
		if (de->d_type == DT_UNKNOWN) {
			struct stat st;

			is_dir = fstatat(dirfd(d), de->d_name, &st, AT_SYMLINK_NOFOLLOW) == 0 &&
				 S_ISDIR(st.st_mode);
		}
		if (is_dir)
			continue;
		nf = reallocarray(files, n + 2, sizeof(char *));
		if (!nf)
			goto nomem;
		files = nf;
		if (asprintf(&files[n], "%s/%s", dir, de->d_name) < 0) {
			files[n] = NULL;
			goto nomem;
		}
		files[++n] = NULL;
	}
	closedir(d);
	qsort(files, n, sizeof(char *), cmp_str);
	*ret = TAKE_PTR(files);
	*ret_n = n;
	return 0;
nomem:
	closedir(d);
	return -ENOMEM;
}

static int read_file_err(const char *path, char **ret, size_t *ret_len, struct cni_error *err)
{
	int r = read_full_file(path, CONF_MAX_SIZE, ret, ret_len);

	if (r < 0)
		cni_error_set(err, CNI_ERR_IO, "error reading %.500s: %s", path, strerror(-r));
	return r;
}

/* Append the plugin objects of <dir>/<name>/ *.conf to l. */
static int aggregate(const char *dir, struct cni_conflist *l, struct cni_error *err)
{
	static const char *const exts[] = { ".conf", NULL };
	_cleanup_strv_free_ char **files = NULL;
	_cleanup_free_ char *sub = NULL;
	size_t n;
	int r;

	if (asprintf(&sub, "%s/%s", dir, l->name) < 0)
		return -ENOMEM;
	r = conf_files(sub, exts, &files, &n);
	if (r < 0) {
		cni_error_set(err, CNI_ERR_IO, "failed to read plugin config files in %.500s: %s",
			      sub, strerror(-r));
		return r;
	}
	for (size_t i = 0; i < n; i++) {
		_cleanup_free_ char *data = NULL;
		_cleanup_json_ json_t *j = NULL;
		size_t len;

		r = read_file_err(files[i], &data, &len, err);
		if (r < 0)
			return r;
		r = load_json(data, len, &j, err);
		if (r < 0)
			return r;
		r = add_plugin(l, j, err);
		if (r < 0)
			return r;
	}
	return 0;
}

int cni_conflist_load(const char *dir, const char *name, struct cni_conflist **ret,
		      struct cni_error *err)
{
	static const char *const list_exts[] = { ".conflist", NULL };
	static const char *const conf_exts[] = { ".conf", ".json", NULL };
	_cleanup_strv_free_ char **lists = NULL, **confs = NULL;
	size_t n_lists, n_confs;
	int r;

	r = conf_files(dir, list_exts, &lists, &n_lists);
	if (r < 0) {
		cni_error_set(err, CNI_ERR_IO, "error reading %.500s: %s", dir, strerror(-r));
		return r;
	}
	for (size_t i = 0; i < n_lists; i++) {
		_cleanup_(cni_conflist_freep) struct cni_conflist *l = NULL;
		_cleanup_free_ char *data = NULL;
		size_t len;

		r = read_file_err(lists[i], &data, &len, err);
		if (r < 0)
			return r;
		/* Like the reference, a broken list anywhere in the directory fails the load. */
		r = conflist_parse(data, len, false, &l, err);
		if (r < 0)
			return r;
		if (!streq(l->name, name))
			continue;
		r = cni_validate_network_name(l->name, err);
		if (r < 0)
			return r;
		if (!l->load_only_inlined) {
			r = aggregate(dir, l, err);
			if (r < 0)
				return r;
		}
		if (l->n_plugins == 0)
			return cni_error_set(err, CNI_ERR_INVALID_CONFIG, "no plugin configs found");
		*ret = TAKE_PTR(l);
		return 0;
	}

	/* Deprecated fallback: a single-plugin config with that name. */
	r = conf_files(dir, conf_exts, &confs, &n_confs);
	if (r < 0) {
		cni_error_set(err, CNI_ERR_IO, "error reading %.500s: %s", dir, strerror(-r));
		return r;
	}
	for (size_t i = 0; i < n_confs; i++) {
		_cleanup_free_ char *data = NULL;
		_cleanup_json_ json_t *j = NULL;
		const char *nm;
		size_t len;

		r = read_file_err(confs[i], &data, &len, err);
		if (r < 0)
			return r;
		r = load_json(data, len, &j, err);
		if (r < 0)
			return r;
		r = cni_validate_plugin_type(json_object_get_string(j, "type"), err);
		if (r < 0)
			return r;
		nm = json_object_get_string(j, "name");
		if (!nm || !streq(nm, name))
			continue;
		return conf_wrap(j, ret, err);
	}
	if (n_lists == 0 && n_confs == 0)
		cni_error_set(err, CNI_ERR_INVALID_CONFIG, "no net configurations found in %.500s",
			      dir);
	else
		cni_error_set(err, CNI_ERR_INVALID_CONFIG,
			      "no net configuration with name \"%.200s\" in %.500s", name, dir);
	return -ENOENT;
}
