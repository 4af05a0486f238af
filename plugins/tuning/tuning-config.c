// SPDX-License-Identifier: Apache-2.0
/*
 * tuning-config.c - config, sysctl keys, allowlist and backup file of the tuning plugin.
 */
#include <ctype.h>
#include <errno.h>
#include <regex.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "basic/fileio.h"
#include "basic/json-util.h"
#include "basic/macro.h"
#include "basic/godec.h"
#include "basic/mac.h"
#include "plugins/tuning/tuning-config.h"
#include "skel/plugin-config.h"

static void sysctls_free(struct tuning_sysctl *v, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		free(v[i].key);
		free(v[i].value);
	}
	free(v);
}

struct tuning_config *tuning_config_free(struct tuning_config *c)
{
	if (!c)
		return NULL;
	free(c->data_dir);
	sysctls_free(c->sysctls, c->n_sysctls);
	free(c->mac);
	free(c);
	return NULL;
}

/* Set key (replacing an earlier value, as a Go map does). */
static int sysctl_set(struct tuning_sysctl **v, size_t *n, const char *key, const char *value)
{
	struct tuning_sysctl *nv;
	char *k, *val = strdup(value);

	if (!val)
		return -ENOMEM;
	for (size_t i = 0; i < *n; i++)
		if (streq((*v)[i].key, key)) {
			free((*v)[i].value);
			(*v)[i].value = val;
			return 0;
		}
	k = strdup(key);
	nv = k ? reallocarray(*v, *n + 1, sizeof(**v)) : NULL;
	if (!nv) {
		free(k);
		free(val);
		return -ENOMEM;
	}
	*v = nv;
	nv[(*n)++] = (struct tuning_sysctl){ .key = k, .value = val };
	return 0;
}

static int bad(struct cni_error *err, const char *key, const char *what)
{
	return cni_error_set(err, CNI_ERR_INVALID_CONFIG, "failed to load netconf: %s %s", key,
			     what);
}

static int add_sysctl(const char *k, const char *v, void *userdata)
{
	struct tuning_config *c = userdata;

	return sysctl_set(&c->sysctls, &c->n_sysctls, k, v) < 0 ? -ENOMEM : 0;
}

/* A Go map[string]string member. */
static int read_sysctls(const struct godec *d, const json_t *obj, struct tuning_config *c)
{
	const json_t *m = NULL;
	int r = godec_object(d, obj, "sysctl", "map[string]string", &m);

	if (r < 0)
		return r;
	return godec_map_strings(d, m, "sysctl", add_sysctl, c);
}

static int set_mac(struct tuning_config *c, const char *mac, struct cni_error *err)
{
	char *m;

	if (mac_parse_go(mac, c->mac_bytes) < 0)
		return cni_error_set(err, CNI_ERR_INVALID_CONFIG,
				     "invalid args %s for MAC addr: address %s: "
				     "invalid MAC address", mac, mac);
	m = strdup(mac);
	if (!m)
		return -ENOMEM;
	free(c->mac);
	c->mac = m;
	return 0;
}

/* An omitempty MAC string: "" means not set. */
static int read_mac(const struct godec *d, const json_t *obj, struct tuning_config *c,
		    struct cni_error *err)
{
	const char *mac = NULL;
	int r = godec_string(d, obj, "mac", &mac, NULL);

	if (r < 0 || !mac || !*mac)
		return r;
	return set_mac(c, mac, err);
}

/* Fields shared by TuningConf and args.cni (IPAMArgs), each set only when given. */
static int read_attrs(const struct godec *d, const json_t *obj, struct tuning_config *c,
		      struct cni_error *err)
{
	int64_t mtu = c->mtu, txqlen = c->txqlen;
	int r;

	if ((r = godec_bool(d, obj, "promisc", &c->promisc, NULL)) < 0 ||
	    (r = godec_int(d, obj, "mtu", "int", INT64_MIN, INT64_MAX, &mtu, NULL)) < 0 ||
	    (r = godec_bool(d, obj, "allmulti", &c->allmulti, &c->has_allmulti)) < 0 ||
	    (r = godec_int(d, obj, "txQLen", "int", INT64_MIN, INT64_MAX, &txqlen,
			   &c->has_txqlen)) < 0)
		return r;
	if (mtu < 0 || mtu > INT32_MAX)
		return bad(err, "mtu", "must be a non-negative integer");
	if (txqlen < 0 || txqlen > INT32_MAX)
		return bad(err, "txQLen", "must be a non-negative integer");
	c->mtu = (int)mtu;
	c->txqlen = (int)txqlen;
	return 0;
}

int tuning_config_parse(const json_t *config, const struct cni_args *args,
			struct tuning_config **ret, struct cni_error *err)
{
	static const char *const known[] = { "MAC", NULL };
	_cleanup_(tuning_config_freep) struct tuning_config *c = NULL;
	const struct godec d = skel_godec(err, "failed to load netconf: ", "TuningConf");
	char pa[GODEC_PATH_MAX], pc[GODEC_PATH_MAX], pr[GODEC_PATH_MAX];
	const json_t *rc = NULL, *a = NULL, *cni = NULL;
	const char *s = NULL;
	struct godec da, dc, dr;
	int r;

	c = calloc(1, sizeof(*c));
	if (!c)
		return -ENOMEM;
	if ((r = godec_string(&d, config, "dataDir", &s, NULL)) < 0 ||
	    (r = skel_decode_netconf(&d, config, NULL)) < 0 ||
	    (r = godec_object(&d, config, "runtimeConfig",
			      "struct { Mac string \"json:\\\"mac,omitempty\\\"\" }", &rc)) < 0 ||
	    (r = godec_object(&d, config, "args",
			      "struct { A *main.IPAMArgs \"json:\\\"cni\\\"\" }", &a)) < 0)
		return r;
	da = godec_nested(&d, "", "args", pa);
	dc = godec_nested(&da, "IPAMArgs", "cni", pc);
	dr = godec_nested(&d, "", "runtimeConfig", pr);
	r = godec_object(&da, a, "cni", "main.IPAMArgs", &cni);
	if (r < 0)
		return r;
	c->data_dir = strdup(s && *s ? s : TUNING_DEFAULT_DATA_DIR);
	if (!c->data_dir)
		return -ENOMEM;

	if ((r = read_sysctls(&d, config, c)) < 0 || (r = read_mac(&d, config, c, err)) < 0 ||
	    (r = read_attrs(&d, config, c, err)) < 0)
		return r;

	/* CNI_ARGS MAC, then runtimeConfig.mac, then args.cni.* (each overriding the last) */
	if (args && args->n > 0) {
		r = cni_args_check_known(args, known, err);
		if (r < 0)
			return r;
		s = cni_args_get(args, "MAC");
		if (s && *s) {
			r = set_mac(c, s, err);
			if (r < 0)
				return r;
		}
	}
	if ((r = read_mac(&dr, rc, c, err)) < 0 || (r = read_sysctls(&dc, cni, c)) < 0 ||
	    (r = read_mac(&dc, cni, c, err)) < 0 || (r = read_attrs(&dc, cni, c, err)) < 0)
		return r;
	cni_error_clear(err);
	*ret = TAKE_PTR(c);
	return 0;
}

bool tuning_config_touches_link(const struct tuning_config *c)
{
	return c->mac || c->mtu != 0 || c->promisc || c->has_allmulti || c->has_txqlen;
}

/* --- duplicate keys, on the raw bytes ------------------------------------------------- */

struct scan {
	const char *p, *end;
};

static void skip_ws(struct scan *s)
{
	while (s->p < s->end && strchr(" \t\r\n", *s->p))
		s->p++;
}

static bool skip_string(struct scan *s)
{
	if (s->p >= s->end || *s->p != '"')
		return false;
	for (s->p++; s->p < s->end; s->p++) {
		if (*s->p == '\\')
			s->p++;
		else if (*s->p == '"') {
			s->p++;
			return true;
		}
	}
	return false;
}

static bool skip_value(struct scan *s)
{
	int depth = 0;

	skip_ws(s);
	while (s->p < s->end) {
		char ch = *s->p;

		if (ch == '"') {
			if (!skip_string(s))
				return false;
			if (depth == 0)
				return true;
			continue;
		}
		if (ch == '{' || ch == '[') {
			depth++;
		} else if (ch == '}' || ch == ']') {
			if (depth == 0)
				return true; /* a scalar ended by its container's end */
			if (--depth == 0) {
				s->p++;
				return true;
			}
		} else if (depth == 0 && strchr(", \t\r\n", ch)) {
			return true;
		}
		s->p++;
	}
	return depth == 0;
}

int tuning_check_duplicate_sysctls(const char *data, size_t len, struct cni_error *err)
{
	struct scan s = { data, data + len };

	skip_ws(&s);
	if (s.p >= s.end || *s.p != '{')
		return 0;
	s.p++;
	for (;;) {
		const char *kstart, *vstart;
		_cleanup_json_ json_t *key = NULL;

		skip_ws(&s);
		kstart = s.p;
		if (!skip_string(&s))
			return 0; /* "}" or malformed: skel's parser has the final word */
		key = json_loadb(kstart, (size_t)(s.p - kstart), JSON_DECODE_ANY, NULL);
		skip_ws(&s);
		if (s.p >= s.end || *s.p != ':')
			return 0;
		s.p++;
		skip_ws(&s);
		vstart = s.p;
		if (!skip_value(&s) || s.p == vstart)
			return 0;
		if (json_is_string(key) && streq(json_string_value(key), "sysctl") &&
		    *vstart == '{') {
			_cleanup_json_ json_t *o = NULL;
			json_error_t e;

			o = json_loadb(vstart, (size_t)(s.p - vstart), JSON_REJECT_DUPLICATES, &e);
			if (!o && strstr(e.text, "duplicate"))
				return cni_error_set(err, CNI_ERR_INVALID_CONFIG,
						     "duplicated sysctl keys are not allowed (%s)",
						     e.text);
		}
		skip_ws(&s);
		if (s.p >= s.end || *s.p != ',')
			return 0;
		s.p++;
	}
}

/* --- sysctl keys --------------------------------------------------------------------- */

int tuning_sysctl_path(const char *key, const char *ifname, char **ret)
{
	_cleanup_free_ char *k = NULL, *out = NULL;
	const char *comp[256];
	size_t n = 0, len = 0;
	char *at, *save = NULL, *tok;

	/*
	 * A ".." between slashes would be turned into "//" below and so be harmless, but
	 * whoever wrote it meant to climb out: refuse it outright.
	 */
	for (const char *c = key; c; c = strchr(c, '/') ? strchr(c, '/') + 1 : NULL)
		if (c[0] == '.' && c[1] == '.' && (c[2] == '/' || c[2] == '\0'))
			return -EINVAL;
	k = strdup(key);
	if (!k)
		return -ENOMEM;
	for (char *p = k; *p; p++)
		if (*p == '.')
			*p = '/';
	at = strstr(k, "IFNAME");
	if (at) {
		char *nk;

		*at = '\0';
		if (asprintf(&nk, "%s%s%s", k, ifname, at + strlen("IFNAME")) < 0)
			return -ENOMEM;
		free(k);
		k = nk;
	}
	/* filepath.Clean("/proc/sys/" + k): "." dropped, ".." pops, never above "/" */
	comp[n++] = "proc";
	comp[n++] = "sys";
	for (tok = strtok_r(k, "/", &save); tok; tok = strtok_r(NULL, "/", &save)) {
		if (streq(tok, "."))
			continue;
		if (streq(tok, "..")) {
			if (n > 0)
				n--;
			continue;
		}
		if (n == ELEMENTSOF(comp))
			return -EINVAL;
		comp[n++] = tok;
	}
	if (n < 4 || !streq(comp[0], "proc") || !streq(comp[1], "sys") || !streq(comp[2], "net"))
		return -EINVAL;
	for (size_t i = 2; i < n; i++)
		len += strlen(comp[i]) + 1;
	out = malloc(len);
	if (!out)
		return -ENOMEM;
	out[0] = '\0';
	for (size_t i = 2; i < n; i++) {
		if (i > 2)
			strcat(out, "/");
		strcat(out, comp[i]);
	}
	*ret = TAKE_PTR(out);
	return 0;
}

bool tuning_sysctl_path_safe(const char *path)
{
	size_t n = 0;

	if (!startswith(path, "net/"))
		return false;
	for (const char *c = path; c; n++) {
		const char *e = strchr(c, '/');
		size_t len = e ? (size_t)(e - c) : strlen(c);

		if (len == 0 || (len == 1 && c[0] == '.') ||
		    (len == 2 && c[0] == '.' && c[1] == '.'))
			return false;
		c = e ? e + 1 : NULL;
	}
	return n >= 2;
}

/* --- allowlist ----------------------------------------------------------------------- */

int tuning_allowlist_load(const char *path, char ***ret)
{
	_cleanup_free_ char *data = NULL;
	_cleanup_strv_free_ char **v = NULL;
	size_t n = 0;
	char *save = NULL;
	int r;

	r = read_full_file(path, 1 << 20, &data, NULL);
	if (r < 0)
		return r;
	v = calloc(1, sizeof(char *));
	if (!v)
		return -ENOMEM;
	for (char *line = strtok_r(data, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		char *e = line + strlen(line), **nv;

		while (*line && isspace((unsigned char)*line))
			line++;
		while (e > line && isspace((unsigned char)e[-1]))
			*--e = '\0';
		if (!*line)
			continue;
		nv = reallocarray(v, n + 2, sizeof(char *));
		if (!nv)
			return -ENOMEM;
		v = nv;
		v[n] = strdup(line);
		if (!v[n])
			return -ENOMEM;
		v[++n] = NULL;
	}
	*ret = TAKE_PTR(v);
	return 0;
}

int tuning_allowlist_check(char *const *patterns, const struct tuning_config *c,
			   struct cni_error *err)
{
	for (size_t i = 0; i < c->n_sysctls; i++) {
		bool match = false;

		for (size_t j = 0; patterns[j] && !match; j++) {
			regex_t re;
			int r = regcomp(&re, patterns[j], REG_EXTENDED | REG_NOSUB);

			if (r != 0)
				return cni_error_set(err, CNI_ERR_INVALID_CONFIG,
						     "invalid regex \"%s\" in %s", patterns[j],
						     TUNING_ALLOWLIST);
			match = regexec(&re, c->sysctls[i].key, 0, NULL, 0) == 0;
			regfree(&re);
		}
		if (!match)
			return cni_error_set(err, CNI_ERR_INVALID_CONFIG,
					     "Sysctl %s is not allowed (not matched by %s)",
					     c->sysctls[i].key, TUNING_ALLOWLIST);
	}
	return 0;
}

/* --- backup file --------------------------------------------------------------------- */

void tuning_backup_done(struct tuning_backup *b)
{
	free(b->mac);
	sysctls_free(b->sysctls, b->n_sysctls);
	free(b->network);
	*b = (struct tuning_backup){};
}

int tuning_backup_path(const char *data_dir, const char *container_id, const char *ifname,
		       char **ret)
{
	return asprintf(ret, "%s/%s_%s.json", data_dir, container_id, ifname) < 0 ? -ENOMEM : 0;
}

int tuning_backup_to_json(const struct tuning_backup *b, char **ret)
{
	_cleanup_json_ json_t *o = json_object();
	char *s;
	int r = 0;

	if (!o)
		return -ENOMEM;
	if (b->mac && *b->mac)
		r |= json_object_set_new(o, "mac", json_string(b->mac));
	if (b->has_promisc)
		r |= json_object_set_new(o, "promisc", json_boolean(b->promisc));
	if (b->mtu)
		r |= json_object_set_new(o, "mtu", json_integer(b->mtu));
	if (b->has_allmulti)
		r |= json_object_set_new(o, "allmulti", json_boolean(b->allmulti));
	if (b->has_txqlen)
		r |= json_object_set_new(o, "txQLen", json_integer(b->txqlen));
	if (b->n_sysctls) {
		json_t *s_obj = json_object();

		r |= json_object_set_new(o, "sysctl", s_obj);
		for (size_t i = 0; s_obj && i < b->n_sysctls; i++)
			r |= json_object_set_new(s_obj, b->sysctls[i].key,
						 json_string(b->sysctls[i].value));
	}
	if (b->network)
		r |= json_object_set_new(o, "network", json_string(b->network));
	if (r)
		return -ENOMEM;
	s = json_dumps(o, JSON_INDENT(1) | JSON_PRESERVE_ORDER);
	if (!s)
		return -ENOMEM;
	*ret = s;
	return 0;
}

int tuning_backup_from_json(const char *data, struct tuning_backup *ret)
{
	_cleanup_json_ json_t *o = json_loads(data, 0, NULL);
	struct tuning_backup b = {};
	const json_t *j, *v;
	const char *k;

	if (!json_is_object(o))
		return -EINVAL;
	j = json_object_get(o, "mac");
	if (json_is_string(j) && *json_string_value(j) && !(b.mac = strdup(json_string_value(j))))
		goto oom;
	j = json_object_get(o, "promisc");
	if (json_is_boolean(j)) {
		b.has_promisc = true;
		b.promisc = json_is_true(j);
	}
	j = json_object_get(o, "mtu");
	if (json_is_integer(j) && json_integer_value(j) > 0 && json_integer_value(j) <= INT32_MAX)
		b.mtu = (int)json_integer_value(j);
	j = json_object_get(o, "allmulti");
	if (json_is_boolean(j)) {
		b.has_allmulti = true;
		b.allmulti = json_is_true(j);
	}
	j = json_object_get(o, "txQLen");
	if (json_is_integer(j) && json_integer_value(j) >= 0 &&
	    json_integer_value(j) <= INT32_MAX) {
		b.has_txqlen = true;
		b.txqlen = (int)json_integer_value(j);
	}
	j = json_object_get(o, "sysctl");
	if (json_is_object(j))
		json_object_foreach((json_t *)j, k, v)
			if (json_is_string(v) &&
			    sysctl_set(&b.sysctls, &b.n_sysctls, k, json_string_value(v)) < 0)
				goto oom;
	j = json_object_get(o, "network");
	if (json_is_string(j) && !(b.network = strdup(json_string_value(j))))
		goto oom;
	*ret = b;
	return 0;
oom:
	tuning_backup_done(&b);
	return -ENOMEM;
}
