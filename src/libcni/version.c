// SPDX-License-Identifier: Apache-2.0
/*
 * version.c - CNI spec versions and their order.
 */
#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "libcni/version.h"

const char *const cni_versions_all[] = {
	"0.1.0", "0.2.0", "0.3.0", "0.3.1", "0.4.0", "1.0.0", "1.1.0", NULL,
};

static int parse_num(const char **p, unsigned *ret)
{
	unsigned long v = 0;
	const char *s = *p;

	if (!isdigit((unsigned char)*s))
		return -EINVAL;
	while (isdigit((unsigned char)*s)) {
		v = v * 10 + (unsigned long)(*s - '0');
		if (v > UINT_MAX)
			return -EINVAL;
		s++;
	}
	*p = s;
	*ret = (unsigned)v;
	return 0;
}

int cni_version_parse(const char *v, unsigned *ret_major, unsigned *ret_minor,
		      unsigned *ret_micro)
{
	unsigned n[3];
	const char *p = v;

	if (!v)
		return -EINVAL;
	for (int i = 0; i < 3; i++) {
		if (i > 0) {
			if (*p != '.')
				return -EINVAL;
			p++;
		}
		if (parse_num(&p, &n[i]) < 0)
			return -EINVAL;
	}
	if (*p)
		return -EINVAL;
	if (ret_major)
		*ret_major = n[0];
	if (ret_minor)
		*ret_minor = n[1];
	if (ret_micro)
		*ret_micro = n[2];
	return 0;
}

bool cni_version_valid(const char *v)
{
	return cni_version_parse(v, NULL, NULL, NULL) == 0;
}

int cni_version_cmp(const char *a, const char *b)
{
	unsigned x[3], y[3];
	bool va = cni_version_parse(a, &x[0], &x[1], &x[2]) == 0;
	bool vb = cni_version_parse(b, &y[0], &y[1], &y[2]) == 0;

	if (!va || !vb)
		return (int)va - (int)vb;
	for (int i = 0; i < 3; i++)
		if (x[i] != y[i])
			return x[i] < y[i] ? -1 : 1;
	return 0;
}

bool cni_version_ge(const char *v, const char *min)
{
	return cni_version_valid(v) && cni_version_cmp(v, min) >= 0;
}

bool cni_version_in(const char *v, const char *const *list)
{
	if (!v || !list)
		return false;
	for (; *list; list++)
		if (strcmp(v, *list) == 0)
			return true;
	return false;
}
