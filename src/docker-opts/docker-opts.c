// SPDX-License-Identifier: Apache-2.0
/*
 * docker-opts.c - mk-docker-opts.sh's logic without the shell.
 *
 * The script sources subnet.env into its own shell, so a variable the file does not set
 * keeps the value it had in the environment, and `compgen -v DOCKER_OPT_` also lists
 * DOCKER_OPT_* variables inherited from the environment. Both are kept here, so a unit
 * file that exports DOCKER_OPT_DNS gets it in the combined options, as with the script.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "basic/macro.h"
#include "docker-opts/docker-opts.h"

#define OPT_PREFIX "DOCKER_OPT_"

struct var {
	char *name;
	char *value;
};

struct vars {
	struct var *v;
	size_t n;
};

static void vars_done(struct vars *vs)
{
	for (size_t i = 0; i < vs->n; i++) {
		free(vs->v[i].name);
		free(vs->v[i].value);
	}
	free(vs->v);
}

static struct var *vars_find(struct vars *vs, const char *name, size_t len)
{
	for (size_t i = 0; i < vs->n; i++)
		if (strlen(vs->v[i].name) == len && strncmp(vs->v[i].name, name, len) == 0)
			return &vs->v[i];
	return NULL;
}

/* Set name (len bytes) to value (vlen bytes); the last assignment wins, as in a shell. */
static int vars_set(struct vars *vs, const char *name, size_t len, const char *value,
		    size_t vlen)
{
	struct var *v = vars_find(vs, name, len);
	char *val = strndup(value, vlen);

	if (!val)
		return -ENOMEM;
	if (v) {
		free(v->value);
		v->value = val;
		return 0;
	}
	v = realloc(vs->v, (vs->n + 1) * sizeof(*v));
	if (!v) {
		free(val);
		return -ENOMEM;
	}
	vs->v = v;
	v = &vs->v[vs->n];
	v->name = strndup(name, len);
	if (!v->name) {
		free(val);
		return -ENOMEM;
	}
	v->value = val;
	vs->n++;
	return 0;
}

static const char *vars_get(struct vars *vs, const char *name)
{
	struct var *v = vars_find(vs, name, strlen(name));

	return v ? v->value : "";
}

bool docker_opts_key_valid(const char *key)
{
	if (!key || !(key[0] == '_' || (key[0] >= 'A' && key[0] <= 'Z') ||
		      (key[0] >= 'a' && key[0] <= 'z')))
		return false;
	for (const char *p = key + 1; *p; p++)
		if (!(*p == '_' || (*p >= 'A' && *p <= 'Z') || (*p >= 'a' && *p <= 'z') ||
		      (*p >= '0' && *p <= '9')))
			return false;
	return true;
}

static bool name_valid(const char *s, size_t len)
{
	char buf[256];

	if (len == 0 || len >= sizeof(buf))
		return false;
	memcpy(buf, s, len);
	buf[len] = '\0';
	return docker_opts_key_valid(buf);
}

/*
 * One line of a dotenv file as `source` reads the lines flanneld writes: [export ]NAME=VALUE
 * with VALUE bare, "double" or 'single' quoted. Other lines (comments, blanks, commands) set
 * nothing.
 */
static int parse_line(struct vars *vs, const char *line, size_t len)
{
	const char *eq, *val;
	size_t vlen;

	while (len && (*line == ' ' || *line == '\t'))
		line++, len--;
	if (len >= 7 && strncmp(line, "export ", 7) == 0)
		line += 7, len -= 7;
	eq = memchr(line, '=', len);
	if (!eq || !name_valid(line, eq - line))
		return 0;
	val = eq + 1;
	vlen = len - (val - line);
	while (vlen && (val[vlen - 1] == ' ' || val[vlen - 1] == '\t' || val[vlen - 1] == '\r'))
		vlen--;
	if (vlen >= 2 && (val[0] == '"' || val[0] == '\'') && val[vlen - 1] == val[0])
		val++, vlen -= 2;
	return vars_set(vs, line, eq - line, val, vlen);
}

static int cmp_var(const void *a, const void *b)
{
	return strcmp(((const struct var *)a)->name, ((const struct var *)b)->name);
}

static int set_opt(struct vars *opts, const char *name, const char *flag, const char *value)
{
	_cleanup_free_ char *v = NULL;

	if (asprintf(&v, "%s%s", flag, value) < 0)
		return -ENOMEM;
	return vars_set(opts, name, strlen(name), v, strlen(v));
}

int docker_opts_render(const char *env_text, char *const *envp,
		       const struct docker_opts_options *o, char **ret)
{
	_cleanup_(vars_done) struct vars sh = {}, opts = {};
	_cleanup_free_ char *out = NULL;
	size_t out_len = 0;
	FILE *f;
	int r;

	if (!docker_opts_key_valid(o->key))
		return -EINVAL;
	for (char *const *e = envp; e && *e; e++) {
		const char *eq = strchr(*e, '=');

		if (!eq || !name_valid(*e, eq - *e))
			continue;
		r = vars_set(&sh, *e, eq - *e, eq + 1, strlen(eq + 1));
		if (r < 0)
			return r;
	}
	for (const char *p = env_text; p && *p;) {
		const char *nl = strchr(p, '\n');
		size_t len = nl ? (size_t)(nl - p) : strlen(p);

		r = parse_line(&sh, p, len);
		if (r < 0)
			return r;
		p += len + (nl ? 1 : 0);
	}

	for (size_t i = 0; i < sh.n; i++)
		if (strncmp(sh.v[i].name, OPT_PREFIX, strlen(OPT_PREFIX)) == 0) {
			r = vars_set(&opts, sh.v[i].name, strlen(sh.v[i].name), sh.v[i].value,
				     strlen(sh.v[i].value));
			if (r < 0)
				return r;
		}
	if (*vars_get(&sh, "FLANNEL_SUBNET") &&
	    (r = set_opt(&opts, OPT_PREFIX "BIP", "--bip=", vars_get(&sh, "FLANNEL_SUBNET"))) < 0)
		return r;
	if (*vars_get(&sh, "FLANNEL_MTU") &&
	    (r = set_opt(&opts, OPT_PREFIX "MTU", "--mtu=", vars_get(&sh, "FLANNEL_MTU"))) < 0)
		return r;
	if (strcmp(vars_get(&sh, "FLANNEL_IPMASQ"), "true") == 0 && o->ip_masq &&
	    (r = set_opt(&opts, OPT_PREFIX "IPMASQ", "--ip-masq=false", "")) < 0)
		return r;
	if (opts.n)
		qsort(opts.v, opts.n, sizeof(*opts.v), cmp_var);

	f = open_memstream(&out, &out_len);
	if (!f)
		return -ENOMEM;
	for (size_t i = 0; o->individual && i < opts.n; i++)
		fprintf(f, "%s=\"%s\"\n", opts.v[i].name, opts.v[i].value);
	if (o->combined) {
		fprintf(f, "%s=\"%s ", o->key, vars_get(&sh, o->key));
		for (size_t i = 0; i < opts.n; i++)
			fprintf(f, "%s ", opts.v[i].value);
		fputs("\"\n", f);
	}
	if (fclose(f) != 0)
		return -ENOMEM;
	*ret = TAKE_PTR(out);
	return 0;
}
