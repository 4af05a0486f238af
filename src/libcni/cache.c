// SPDX-License-Identifier: Apache-2.0
/*
 * cache.c - the result cache file: parse, render (Go encoding/json compatible), store.
 */
#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "basic/fileio.h"
#include "basic/json-util.h"
#include "basic/macro.h"
#include "libcni/cache.h"
#include "libcni/conf.h"

static const char b64[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

char *cni_base64_encode(const void *data, size_t len)
{
	const unsigned char *p = data;
	char *out, *o;

	if (len > (SIZE_MAX - 1) / 4 * 3 - 3)
		return NULL;
	out = malloc((len + 2) / 3 * 4 + 1);
	if (!out)
		return NULL;
	o = out;
	for (size_t i = 0; i < len; i += 3) {
		unsigned v = (unsigned)p[i] << 16;

		if (i + 1 < len)
			v |= (unsigned)p[i + 1] << 8;
		if (i + 2 < len)
			v |= p[i + 2];
		*o++ = b64[(v >> 18) & 63];
		*o++ = b64[(v >> 12) & 63];
		*o++ = i + 1 < len ? b64[(v >> 6) & 63] : '=';
		*o++ = i + 2 < len ? b64[v & 63] : '=';
	}
	*o = 0;
	return out;
}

static int b64_value(char c)
{
	const char *p = c ? strchr(b64, c) : NULL;

	return p ? (int)(p - b64) : -1;
}

int cni_base64_decode(const char *s, char **ret, size_t *ret_len)
{
	_cleanup_free_ char *clean = NULL, *out = NULL;
	size_t n = 0, len = 0;

	clean = malloc(strlen(s) + 1);
	if (!clean)
		return -ENOMEM;
	/* Go's decoder skips newlines; everything else must be the padded alphabet */
	for (const char *c = s; *c; c++)
		if (*c != '\r' && *c != '\n')
			clean[n++] = *c;
	if (n % 4 != 0)
		return -EINVAL;
	out = malloc(n / 4 * 3 + 1);
	if (!out)
		return -ENOMEM;
	for (size_t i = 0; i < n; i += 4) {
		int v[4];
		unsigned w;
		bool last = i + 4 == n;

		for (int k = 0; k < 4; k++)
			v[k] = b64_value(clean[i + k]);
		if (v[0] < 0 || v[1] < 0)
			return -EINVAL;
		if (v[2] < 0 && !(last && clean[i + 2] == '=' && clean[i + 3] == '='))
			return -EINVAL;
		if (v[3] < 0 && !(last && clean[i + 3] == '='))
			return -EINVAL;
		w = (unsigned)v[0] << 18 | (unsigned)v[1] << 12 | (unsigned)MAX(v[2], 0) << 6 |
		    (unsigned)MAX(v[3], 0);
		out[len++] = (char)(w >> 16);
		if (v[2] >= 0)
			out[len++] = (char)(w >> 8 & 0xff);
		if (v[3] >= 0)
			out[len++] = (char)(w & 0xff);
	}
	out[len] = 0;
	*ret = TAKE_PTR(out);
	*ret_len = len;
	return 0;
}

struct cni_cache_entry *cni_cache_entry_free(struct cni_cache_entry *e)
{
	if (!e)
		return NULL;
	free(e->container_id);
	free(e->ifname);
	free(e->network_name);
	free(e->netns);
	free(e->config);
	for (size_t i = 0; i < e->n_args; i++) {
		free(e->arg_keys[i]);
		free(e->arg_values[i]);
	}
	free(e->arg_keys);
	free(e->arg_values);
	if (e->capability_args)
		json_decref(e->capability_args);
	if (e->result)
		json_decref(e->result);
	free(e);
	return NULL;
}

int cni_cache_entry_add_arg(struct cni_cache_entry *e, const char *key, const char *value)
{
	_cleanup_free_ char *k = strdup(key), *v = strdup(value);
	char **nk, **nv;

	if (!k || !v)
		return -ENOMEM;
	nk = realloc(e->arg_keys, (e->n_args + 1) * sizeof(char *));
	if (!nk)
		return -ENOMEM;
	e->arg_keys = nk;
	nv = realloc(e->arg_values, (e->n_args + 1) * sizeof(char *));
	if (!nv)
		return -ENOMEM;
	e->arg_values = nv;
	e->arg_keys[e->n_args] = TAKE_PTR(k);
	e->arg_values[e->n_args] = TAKE_PTR(v);
	e->n_args++;
	return 0;
}

/* Names that end up in a file name: the same rules the reference enforces before ADD. */
static bool names_valid(const char *net, const char *cid, const char *ifname)
{
	struct cni_error err;

	return net && cid && ifname && cni_validate_network_name(net, &err) == 0 &&
	       cni_validate_container_id(cid, &err) == 0 && cni_validate_ifname(ifname, &err) == 0;
}

bool cni_cache_name_fits(const char *net, const char *container_id, const char *ifname)
{
	return strlen(net) + 1 + strlen(container_id) + 1 + strlen(ifname) <= NAME_MAX;
}

int cni_cache_path(const char *cache_dir, const char *net, const char *container_id,
		   const char *ifname, char **ret_path)
{
	char *p;

	if (!cache_dir || !*cache_dir || !names_valid(net, container_id, ifname))
		return -EINVAL;
	if (!cni_cache_name_fits(net, container_id, ifname))
		return -ENAMETOOLONG;
	if (asprintf(&p, "%s/results/%s-%s-%s", cache_dir, net, container_id, ifname) < 0)
		return -ENOMEM;
	*ret_path = p;
	return 0;
}

/* A string member: absent or null → *ret stays NULL, a string → copied, else -EBADMSG. */
static int take_string(const json_t *o, const char *key, char **ret)
{
	json_t *v = json_object_get(o, key);

	if (!v || json_is_null(v))
		return 0;
	if (!json_is_string(v))
		return -EBADMSG;
	*ret = strndup(json_string_value(v), json_string_length(v));
	return *ret ? 0 : -ENOMEM;
}

static int parse_v1(const json_t *o, struct cni_cache_entry *e)
{
	_cleanup_free_ char *config64 = NULL;
	json_t *v;
	size_t i;
	int r;

	if ((r = take_string(o, "containerId", &e->container_id)) < 0 ||
	    (r = take_string(o, "ifName", &e->ifname)) < 0 ||
	    (r = take_string(o, "networkName", &e->network_name)) < 0 ||
	    (r = take_string(o, "netns", &e->netns)) < 0 ||
	    (r = take_string(o, "config", &config64)) < 0)
		return r;
	if (config64) {
		r = cni_base64_decode(config64, &e->config, &e->config_len);
		if (r < 0)
			return r == -ENOMEM ? r : -EBADMSG;
	}
	v = json_object_get(o, "cniArgs");
	if (v && !json_is_null(v)) {
		json_t *pair;

		if (!json_is_array(v))
			return -EBADMSG;
		json_array_foreach(v, i, pair) {
			json_t *k = json_array_get(pair, 0), *val = json_array_get(pair, 1);

			if (!json_is_array(pair) || json_array_size(pair) != 2 ||
			    !json_is_string(k) || !json_is_string(val))
				return -EBADMSG;
			r = cni_cache_entry_add_arg(e, json_string_value(k),
						    json_string_value(val));
			if (r < 0)
				return r;
		}
	}
	v = json_object_get(o, "capabilityArgs");
	if (v && !json_is_null(v)) {
		if (!json_is_object(v))
			return -EBADMSG;
		e->capability_args = json_incref(v);
	}
	v = json_object_get(o, "result");
	if (v && !json_is_null(v)) {
		if (!json_is_object(v))
			return -EBADMSG;
		e->result = json_incref(v);
	}
	return 0;
}

int cni_cache_parse(const char *data, size_t len, struct cni_cache_entry **ret)
{
	_cleanup_(cni_cache_entry_freep) struct cni_cache_entry *e = NULL;
	_cleanup_json_ json_t *o = NULL;
	json_t *kind;
	int r;

	o = json_loadb(data, len, JSON_REJECT_DUPLICATES, NULL);
	if (!o || !json_is_object(o))
		return -EBADMSG;
	e = calloc(1, sizeof(*e));
	if (!e)
		return -ENOMEM;
	kind = json_object_get(o, "kind");
	if (kind && !json_is_null(kind) && !json_is_string(kind))
		return -EBADMSG;
	if (!json_is_string(kind) || !streq(json_string_value(kind), CNI_CACHE_KIND_V1)) {
		/* the format before cniCacheV1: the file is the result itself */
		e->legacy = true;
		e->result = TAKE_PTR(o);
	} else {
		r = parse_v1(o, e);
		if (r < 0)
			return r;
	}
	*ret = TAKE_PTR(e);
	return 0;
}

/* Growing output buffer for the renderer. */
struct sbuf {
	char *s;
	size_t len, cap;
	int err;
};

static void sb_add(struct sbuf *b, const char *s, size_t n)
{
	if (b->err)
		return;
	if (b->len + n + 1 > b->cap) {
		size_t cap = MAX(b->cap * 2, b->len + n + 1);
		char *ns = realloc(b->s, MAX(cap, (size_t)256));

		if (!ns) {
			b->err = -ENOMEM;
			return;
		}
		b->s = ns;
		b->cap = MAX(cap, (size_t)256);
	}
	memcpy(b->s + b->len, s, n);
	b->len += n;
	b->s[b->len] = 0;
}

static void sb_puts(struct sbuf *b, const char *s)
{
	sb_add(b, s, strlen(s));
}

/* Append JSON text the way Go's encoding/json writes it: '<', '>', '&', U+2028 and U+2029
 * escaped. Those bytes only occur inside strings in jansson's output, so a byte-wise
 * rewrite is exact. */
static void sb_add_go(struct sbuf *b, const char *s)
{
	for (const char *p = s; *p; p++) {
		const unsigned char *u = (const unsigned char *)p;

		if (*p == '<')
			sb_puts(b, "\\u003c");
		else if (*p == '>')
			sb_puts(b, "\\u003e");
		else if (*p == '&')
			sb_puts(b, "\\u0026");
		else if (u[0] == 0xe2 && u[1] == 0x80 && (u[2] == 0xa8 || u[2] == 0xa9)) {
			sb_puts(b, u[2] == 0xa8 ? "\\u2028" : "\\u2029");
			p += 2;
		} else
			sb_add(b, p, 1);
	}
}

static void sb_json(struct sbuf *b, const json_t *j)
{
	_cleanup_free_ char *s = NULL;

	if (b->err)
		return;
	/* Go marshals maps with sorted keys, compact */
	s = json_dumps(j, JSON_COMPACT | JSON_SORT_KEYS | JSON_ENCODE_ANY);
	if (!s) {
		b->err = -ENOMEM;
		return;
	}
	sb_add_go(b, s);
}

static void sb_key_string(struct sbuf *b, const char *key, const char *value)
{
	_cleanup_json_ json_t *s = json_string(value ? value : "");

	if (!s) {
		b->err = b->err ?: -EINVAL; /* not UTF-8 */
		return;
	}
	sb_puts(b, ",\"");
	sb_puts(b, key);
	sb_puts(b, "\":");
	sb_json(b, s);
}

int cni_cache_render(const struct cni_cache_entry *e, char **ret, size_t *ret_len)
{
	struct sbuf b = {};
	_cleanup_free_ char *config64 = NULL;

	/* Go writes []byte(nil) as null; the runtime always has the config bytes */
	if (e->config) {
		config64 = cni_base64_encode(e->config, e->config_len);
		if (!config64)
			return -ENOMEM;
	}
	sb_puts(&b, "{\"kind\":\"" CNI_CACHE_KIND_V1 "\"");
	sb_key_string(&b, "containerId", e->container_id);
	if (config64)
		sb_key_string(&b, "config", config64);
	else
		sb_puts(&b, ",\"config\":null");
	sb_key_string(&b, "ifName", e->ifname);
	sb_key_string(&b, "networkName", e->network_name);
	if (e->netns && *e->netns)
		sb_key_string(&b, "netns", e->netns);
	if (e->n_args > 0) {
		sb_puts(&b, ",\"cniArgs\":[");
		for (size_t i = 0; i < e->n_args; i++) {
			_cleanup_json_ json_t *k = json_string(e->arg_keys[i]);
			_cleanup_json_ json_t *v = json_string(e->arg_values[i]);

			if (!k || !v) {
				free(b.s);
				return -EINVAL;
			}
			sb_puts(&b, i ? ",[" : "[");
			sb_json(&b, k);
			sb_puts(&b, ",");
			sb_json(&b, v);
			sb_puts(&b, "]");
		}
		sb_puts(&b, "]");
	}
	if (e->capability_args && json_object_size(e->capability_args) > 0) {
		sb_puts(&b, ",\"capabilityArgs\":");
		sb_json(&b, e->capability_args);
	}
	if (e->result && json_object_size(e->result) > 0) {
		sb_puts(&b, ",\"result\":");
		sb_json(&b, e->result);
	}
	sb_puts(&b, "}");
	if (b.err) {
		free(b.s);
		return b.err;
	}
	*ret = b.s;
	if (ret_len)
		*ret_len = b.len;
	return 0;
}

int cni_cache_write(const char *cache_dir, const struct cni_cache_entry *e)
{
	_cleanup_free_ char *path = NULL, *dir = NULL, *data = NULL;
	size_t len;
	int r;

	r = cni_cache_path(cache_dir, e->network_name, e->container_id, e->ifname, &path);
	if (r < 0)
		return r;
	r = cni_cache_render(e, &data, &len);
	if (r < 0)
		return r;
	if (asprintf(&dir, "%s/results", cache_dir) < 0)
		return -ENOMEM;
	r = mkdir_p(dir, 0700);
	if (r < 0)
		return r;
	return write_file_atomic(path, data, len, 0600);
}

int cni_cache_read(const char *cache_dir, const char *net, const char *container_id,
		   const char *ifname, struct cni_cache_entry **ret)
{
	_cleanup_free_ char *path = NULL, *data = NULL;
	size_t len;
	int r;

	r = cni_cache_path(cache_dir, net, container_id, ifname, &path);
	if (r < 0)
		return r;
	r = read_full_file(path, CNI_CACHE_FILE_MAX, &data, &len);
	if (r == -EFBIG)
		return -EBADMSG;
	if (r < 0)
		return r;
	return cni_cache_parse(data, len, ret);
}

int cni_cache_remove(const char *cache_dir, const char *net, const char *container_id,
		     const char *ifname)
{
	_cleanup_free_ char *path = NULL;
	int r;

	r = cni_cache_path(cache_dir, net, container_id, ifname, &path);
	if (r < 0)
		return r;
	if (unlink(path) < 0 && errno != ENOENT)
		return -errno;
	return 0;
}

void cni_cache_entries_free(struct cni_cache_entry **v)
{
	if (!v)
		return;
	for (struct cni_cache_entry **p = v; *p; p++)
		cni_cache_entry_free(*p);
	free(v);
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The reference only reads files whose name contains "-<cid>-" past position 0. */
static bool name_may_match(const char *fname, const char *cid)
{
	_cleanup_free_ char *part = NULL;
	const char *pos;

	if (asprintf(&part, "-%s-", cid) < 0)
		return false;
	pos = strstr(fname, part);
	return pos && pos > fname && (size_t)(pos - fname) + strlen(part) < strlen(fname);
}

int cni_cache_list(const char *cache_dir, const char *container_id,
		   struct cni_cache_entry ***ret, size_t *ret_n)
{
	_cleanup_free_ char *dirpath = NULL;
	_cleanup_strv_free_ char **names = NULL;
	struct cni_cache_entry **out = NULL;
	size_t n_names = 0, n = 0;
	struct dirent *de;
	DIR *d;
	int r = 0;

	if (asprintf(&dirpath, "%s/results", cache_dir) < 0)
		return -ENOMEM;
	d = opendir(dirpath);
	if (!d && errno != ENOENT)
		return -errno;
	while (d && (de = readdir(d))) {
		char **nn;

		if (streq(de->d_name, ".") || streq(de->d_name, ".."))
			continue;
		nn = realloc(names, (n_names + 2) * sizeof(char *));
		if (!nn) {
			r = -ENOMEM;
			break;
		}
		names = nn;
		names[n_names] = strdup(de->d_name);
		names[n_names + 1] = NULL;
		if (!names[n_names]) {
			r = -ENOMEM;
			break;
		}
		n_names++;
	}
	if (d)
		closedir(d);
	if (r < 0)
		return r;
	if (n_names)
		qsort(names, n_names, sizeof(char *), cmp_str);

	out = calloc(n_names + 1, sizeof(*out));
	if (!out)
		return -ENOMEM;
	for (size_t i = 0; i < n_names; i++) {
		_cleanup_(cni_cache_entry_freep) struct cni_cache_entry *e = NULL;
		_cleanup_free_ char *path = NULL, *data = NULL;
		size_t len;

		if (container_id && *container_id && !name_may_match(names[i], container_id))
			continue;
		if (asprintf(&path, "%s/%s", dirpath, names[i]) < 0) {
			cni_cache_entries_free(out);
			return -ENOMEM;
		}
		if (read_full_file(path, CNI_CACHE_FILE_MAX, &data, &len) < 0)
			continue;
		if (cni_cache_parse(data, len, &e) < 0 || e->legacy)
			continue;
		if (container_id && *container_id && !streq_ptr(e->container_id, container_id))
			continue;
		if (!e->ifname || !*e->ifname || !e->network_name || !*e->network_name)
			continue;
		/* never hand out names we would refuse to build a path from */
		if (!names_valid(e->network_name, e->container_id, e->ifname))
			continue;
		out[n++] = TAKE_PTR(e);
	}
	*ret = out;
	if (ret_n)
		*ret_n = n;
	return 0;
}
