// SPDX-License-Identifier: Apache-2.0
/*
 * godec.c - Go encoding/json rules for reading plugin configs (see godec.h).
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "basic/godec.h"
#include "basic/macro.h"

json_t *godec_get(const json_t *o, const char *key)
{
	json_t *v, *found = NULL;
	const char *k;

	if (!json_is_object(o))
		return NULL;
	json_object_foreach((json_t *)o, k, v)
		if (!json_is_null(v) && strcasecmp(k, key) == 0)
			found = v;
	return found;
}

const char *godec_kind(const json_t *v)
{
	switch (json_typeof(v)) {
	case JSON_OBJECT:
		return "object";
	case JSON_ARRAY:
		return "array";
	case JSON_STRING:
		return "string";
	case JSON_INTEGER:
	case JSON_REAL:
		return "number";
	case JSON_TRUE:
	case JSON_FALSE:
		return "bool";
	case JSON_NULL:
		return "null";
	}
	return "value";
}

const char *godec_number_text(const json_t *v, char buf[static 32])
{
	double f = json_real_value(v);

	if (json_is_integer(v)) {
		snprintf(buf, 32, "%" PRId64, (int64_t)json_integer_value(v));
		return buf;
	}
	for (int prec = 1; prec <= 17; prec++) {
		snprintf(buf, 32, "%.*g", prec, f);
		if (strtod(buf, NULL) == f)
			break;
	}
	return buf;
}

static int type_error(const struct godec *d, const char *kind, const char *key,
		      const char *gotype)
{
	snprintf(d->msg, d->msg_size,
		 "%sjson: cannot unmarshal %s into Go struct field %s.%s%s%s of type %s",
		 d->prefix ?: "", kind, d->strct ?: "", d->path ?: "",
		 d->path && *d->path ? "." : "", key, gotype);
	return -EINVAL;
}

int godec_type_error(const struct godec *d, const json_t *v, const char *key,
		     const char *gotype)
{
	return type_error(d, godec_kind(v), key, gotype);
}

/* A number that is not an integer, or out of range: Go names the number itself. */
static int number_error(const struct godec *d, const json_t *v, const char *key,
			const char *gotype)
{
	char num[32], kind[48];

	snprintf(kind, sizeof(kind), "number %s", godec_number_text(v, num));
	return type_error(d, kind, key, gotype);
}

struct godec godec_nested(const struct godec *d, const char *strct, const char *key,
			  char path_buf[static GODEC_PATH_MAX])
{
	struct godec n = *d;

	snprintf(path_buf, GODEC_PATH_MAX, "%s%s%s", d->path ?: "",
		 d->path && *d->path ? "." : "", key);
	n.strct = strct;
	n.path = path_buf;
	return n;
}

/*
 * Every key matching `key` is decoded in document order, as Go does: check each with
 * ok(); the first wrong one is the error, the last good one the value.
 */
static int lookup(const struct godec *d, const json_t *o, const char *key, const char *gotype,
		  bool (*ok)(const json_t *v), json_t **ret)
{
	json_t *v, *found = NULL;
	const char *k;

	if (!json_is_object(o))
		return 0;
	json_object_foreach((json_t *)o, k, v) {
		if (json_is_null(v) || strcasecmp(k, key) != 0)
			continue;
		if (!ok(v))
			return godec_type_error(d, v, key, gotype);
		found = v;
	}
	*ret = found;
	return 0;
}

static bool is_bool(const json_t *v)
{
	return json_is_boolean(v);
}

static bool is_number(const json_t *v)
{
	return json_is_number(v);
}

static bool is_string(const json_t *v)
{
	return json_is_string(v);
}

static bool is_array(const json_t *v)
{
	return json_is_array(v);
}

static bool is_object(const json_t *v)
{
	return json_is_object(v);
}

int godec_bool(const struct godec *d, const json_t *o, const char *key, bool *ret,
	       bool *present)
{
	json_t *v = NULL;
	int r = lookup(d, o, key, "bool", is_bool, &v);

	if (r < 0)
		return r;
	if (present && v)
		*present = true;
	if (v && ret)
		*ret = json_is_true(v);
	return 0;
}

/* A number Go can store in an integer type: integral and within [min, max]. */
static int int_value(const struct godec *d, const json_t *v, const char *key, const char *gotype,
		     int64_t min, int64_t max, int64_t *ret)
{
	int64_t i;

	if (!json_is_integer(v))
		return number_error(d, v, key, gotype); /* 1.5, 1e3: Go refuses any float form */
	i = json_integer_value(v);
	if (i < min || i > max)
		return number_error(d, v, key, gotype);
	*ret = i;
	return 0;
}

int godec_int(const struct godec *d, const json_t *o, const char *key, const char *gotype,
	      int64_t min, int64_t max, int64_t *ret, bool *present)
{
	json_t *v = NULL, *e;
	const char *k;
	int64_t i = 0;
	int r = lookup(d, o, key, gotype, is_number, &v);

	if (r < 0)
		return r;
	/* every matching key is decoded, so each must fit */
	json_object_foreach((json_t *)o, k, e)
		if (!json_is_null(e) && strcasecmp(k, key) == 0) {
			r = int_value(d, e, key, gotype, min, max, &i);
			if (r < 0)
				return r;
		}
	if (present && v)
		*present = true;
	if (v && ret)
		*ret = i;
	return 0;
}

int godec_uint64(const struct godec *d, const json_t *o, const char *key, const char *gotype,
		 uint64_t *ret, bool *present)
{
	int64_t i = 0;
	bool given = false;
	int r = godec_int(d, o, key, gotype, 0, INT64_MAX, &i, &given);

	if (r < 0)
		return r;
	if (present && given)
		*present = true;
	if (given && ret)
		*ret = (uint64_t)i;
	return 0;
}

int godec_string(const struct godec *d, const json_t *o, const char *key, const char **ret,
		 bool *present)
{
	return godec_text(d, o, key, "string", ret, present);
}

int godec_text(const struct godec *d, const json_t *o, const char *key, const char *gotype,
	       const char **ret, bool *present)
{
	json_t *v = NULL;
	int r = lookup(d, o, key, gotype, is_string, &v);

	if (r < 0)
		return r;
	if (present && v)
		*present = true;
	if (v && ret)
		*ret = json_string_value(v);
	return 0;
}

static void strv_free_(char **v)
{
	if (!v)
		return;
	for (char **p = v; *p; p++)
		free(*p);
	free(v);
}

int godec_strv(const struct godec *d, const json_t *o, const char *key, char ***ret,
	       bool *present)
{
	json_t *v = NULL, *e;
	char **l;
	size_t i;
	int r = lookup(d, o, key, "[]string", is_array, &v);

	if (r < 0)
		return r;
	if (present && v)
		*present = true;
	if (!v)
		return 0;
	json_array_foreach(v, i, e)
		if (!json_is_string(e) && !json_is_null(e))
			return godec_type_error(d, e, key, "string");
	l = calloc(json_array_size(v) + 1, sizeof(char *));
	if (!l)
		return -ENOMEM;
	json_array_foreach(v, i, e) {
		/* Go stores "" for a null element */
		l[i] = strdup(json_is_string(e) ? json_string_value(e) : "");
		if (!l[i]) {
			strv_free_(l);
			return -ENOMEM;
		}
	}
	strv_free_(*ret);
	*ret = l;
	return 0;
}

int godec_object(const struct godec *d, const json_t *o, const char *key, const char *gotype,
		 const json_t **ret)
{
	json_t *v = NULL;
	int r = lookup(d, o, key, gotype, is_object, &v);

	if (r < 0)
		return r;
	if (v && ret)
		*ret = v;
	return 0;
}

int godec_array(const struct godec *d, const json_t *o, const char *key, const char *gotype,
		const json_t **ret)
{
	json_t *v = NULL;
	int r = lookup(d, o, key, gotype, is_array, &v);

	if (r < 0)
		return r;
	if (v && ret)
		*ret = v;
	return 0;
}

int godec_map_strings(const struct godec *d, const json_t *map, const char *key,
		      int (*fn)(const char *k, const char *v, void *userdata), void *userdata)
{
	const char *k;
	json_t *v;
	int r;

	if (!json_is_object(map))
		return 0;
	json_object_foreach((json_t *)map, k, v) {
		if (json_is_null(v))
			continue;
		if (!json_is_string(v))
			return godec_type_error(d, v, key, "string");
	}
	json_object_foreach((json_t *)map, k, v) {
		if (json_is_null(v))
			continue;
		r = fn(k, json_string_value(v), userdata);
		if (r < 0)
			return r;
	}
	return 0;
}
