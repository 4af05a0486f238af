// SPDX-License-Identifier: Apache-2.0
/*
 * args.c - CNI_ARGS parsing, following the reference's LoadArgs: pairs are
 * split on ';', each must split on '=' into exactly two parts (so values
 * cannot contain '='), the last pair for a key wins, and unknown keys are an
 * error unless IgnoreUnknown is true.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "libcni/args.h"

void cni_args_done(struct cni_args *a)
{
	if (!a)
		return;
	for (size_t i = 0; i < a->n; i++) {
		free(a->keys[i]);
		free(a->values[i]);
	}
	free(a->keys);
	free(a->values);
	*a = (struct cni_args){};
}

int cni_args_parse(const char *s, struct cni_args *ret, struct cni_error *err)
{
	struct cni_args a = {};
	size_t n = 1;
	const char *p;

	if (!s || !*s) {
		*ret = a;
		return 0;
	}
	for (p = s; *p; p++)
		if (*p == ';')
			n++;
	a.keys = calloc(n, sizeof(char *));
	a.values = calloc(n, sizeof(char *));
	if (!a.keys || !a.values)
		goto nomem;

	p = s;
	for (;;) {
		const char *end = strchrnul(p, ';');
		size_t len = (size_t)(end - p);
		const char *eq = memchr(p, '=', len);

		if (!eq || memchr(eq + 1, '=', (size_t)(end - eq - 1))) {
			cni_args_done(&a);
			return cni_error_set(err, CNI_ERR_INVALID_ENV, "ARGS: invalid pair \"%.*s\"",
					     (int)MIN(len, 512), p);
		}
		a.keys[a.n] = strndup(p, (size_t)(eq - p));
		a.values[a.n] = strndup(eq + 1, (size_t)(end - eq - 1));
		if (!a.keys[a.n] || !a.values[a.n]) {
			a.n++;
			goto nomem;
		}
		a.n++;
		if (!*end)
			break;
		p = end + 1;
	}
	*ret = a;
	return 0;
nomem:
	cni_args_done(&a);
	return -ENOMEM;
}

const char *cni_args_get(const struct cni_args *a, const char *key)
{
	const char *v = NULL;

	if (!a || !key)
		return NULL;
	for (size_t i = 0; i < a->n; i++)
		if (strcmp(a->keys[i], key) == 0)
			v = a->values[i];
	return v;
}

static bool key_known(const char *key, const char *const *known)
{
	if (strcmp(key, "IgnoreUnknown") == 0)
		return true;
	for (; known && *known; known++)
		if (strcmp(key, *known) == 0)
			return true;
	return false;
}

int cni_args_check_known(const struct cni_args *a, const char *const *known,
			 struct cni_error *err)
{
	const char *ign = cni_args_get(a, "IgnoreUnknown");
	bool ignore = false;
	char buf[sizeof(err->msg)];
	size_t used = 0, n_unknown = 0;

	if (ign) {
		/* The reference's UnmarshallableBool: 1/true/0/false, any case. */
		if (strcmp(ign, "1") == 0 || strcasecmp(ign, "true") == 0)
			ignore = true;
		else if (strcmp(ign, "0") != 0 && strcasecmp(ign, "false") != 0)
			return cni_error_set(err, CNI_ERR_INVALID_ENV,
					     "ARGS: error parsing value of pair \"IgnoreUnknown=%.256s\": "
					     "boolean unmarshal error: invalid input %.256s", ign, ign);
	}
	if (ignore || !a)
		return 0;

	buf[0] = '\0';
	for (size_t i = 0; i < a->n; i++) {
		int w;

		if (key_known(a->keys[i], known))
			continue;
		w = snprintf(buf + used, sizeof(buf) - used, "%s\"%s=%s\"", n_unknown ? " " : "",
			     a->keys[i], a->values[i]);
		if (w > 0)
			used = MIN(used + (size_t)w, sizeof(buf) - 1);
		n_unknown++;
	}
	if (n_unknown == 0)
		return 0;
	return cni_error_set(err, CNI_ERR_INVALID_ENV, "ARGS: unknown args [%.900s]", buf);
}
