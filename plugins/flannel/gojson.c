// SPDX-License-Identifier: Apache-2.0
/*
 * gojson.c - Go encoding/json compatible rendering (see gojson.h).
 */
#include <errno.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "basic/macro.h"
#include "gojson.h"

struct buf {
	char *data;
	size_t len, cap;
	bool oom;
};

static void buf_put(struct buf *b, const char *s, size_t n)
{
	if (b->oom)
		return;
	if (b->len + n + 1 > b->cap) {
		size_t cap = MAX(b->cap * 2, b->len + n + 64);
		char *d = realloc(b->data, cap);

		if (!d) {
			b->oom = true;
			return;
		}
		b->data = d;
		b->cap = cap;
	}
	memcpy(b->data + b->len, s, n);
	b->len += n;
	b->data[b->len] = 0;
}

static void buf_puts(struct buf *b, const char *s)
{
	buf_put(b, s, strlen(s));
}

/*
 * strconv.AppendFloat(f, fmt, -1, 64): the shortest decimal that reads back as f.
 * printf does the correctly rounded conversion; we only search the precision.
 */
static void shortest_digits(double f, char digits[static 20], int *ret_exp)
{
	char tmp[40];

	for (int prec = 1; prec <= 17; prec++) {
		snprintf(tmp, sizeof(tmp), "%.*e", prec - 1, f);
		if (strtod(tmp, NULL) == f || prec == 17)
			break;
	}
	/* tmp is "d.ddde±XX" (no sign: f is non-negative here) */
	size_t n = 0;
	char *p = tmp;

	for (; *p && *p != 'e'; p++)
		if (*p != '.')
			digits[n++] = *p;
	while (n > 1 && digits[n - 1] == '0')
		n--;
	digits[n] = 0;
	*ret_exp = atoi(p + 1);
}

const char *gojson_format_float(double f, char buf[static 32])
{
	char digits[20], *o = buf;
	bool neg = signbit(f);
	double a = fabs(f);
	int exp, nd;

	if (neg)
		*o++ = '-';
	if (a == 0) {
		strcpy(o, "0");
		return buf;
	}
	shortest_digits(a, digits, &exp);
	nd = (int)strlen(digits);
	if (a < 1e-6 || a >= 1e21) {
		/* 'e' format; encoding/json then turns e-07 into e-7 */
		*o++ = digits[0];
		if (nd > 1) {
			*o++ = '.';
			memcpy(o, digits + 1, nd - 1);
			o += nd - 1;
		}
		if (exp < 0)
			sprintf(o, "e-%d", -exp);
		else
			sprintf(o, "e+%02d", exp);
		return buf;
	}
	/* 'f' format with the shortest digits, zero-padded */
	if (exp < 0) {
		*o++ = '0';
		*o++ = '.';
		for (int i = 0; i < -exp - 1; i++)
			*o++ = '0';
		memcpy(o, digits, nd);
		o += nd;
	} else {
		for (int i = 0; i <= exp || i < nd; i++) {
			if (i == exp + 1)
				*o++ = '.';
			*o++ = i < nd ? digits[i] : '0';
		}
	}
	*o = 0;
	return buf;
}

static void put_string(struct buf *b, const char *s, size_t len)
{
	static const char hex[] = "0123456789abcdef";
	size_t start = 0;

	buf_put(b, "\"", 1);
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)s[i];
		char esc[8];
		size_t skip = 1;

		if (c >= 0x20 && c != '"' && c != '\\' && c != '<' && c != '>' && c != '&') {
			/* U+2028 and U+2029 (E2 80 A8/A9) are escaped for JSONP safety */
			if (!(c == 0xe2 && i + 2 < len && (unsigned char)s[i + 1] == 0x80 &&
			      ((unsigned char)s[i + 2] & 0xfe) == 0xa8))
				continue;
			snprintf(esc, sizeof(esc), "\\u202%c",
				 (unsigned char)s[i + 2] == 0xa8 ? '8' : '9');
			skip = 3;
		} else {
			switch (c) {
			case '"':
				strcpy(esc, "\\\"");
				break;
			case '\\':
				strcpy(esc, "\\\\");
				break;
			case '\n':
				strcpy(esc, "\\n");
				break;
			case '\r':
				strcpy(esc, "\\r");
				break;
			case '\t':
				strcpy(esc, "\\t");
				break;
			case '\b':
				strcpy(esc, "\\b");
				break;
			case '\f':
				strcpy(esc, "\\f");
				break;
			default:
				snprintf(esc, sizeof(esc), "\\u00%c%c", hex[c >> 4], hex[c & 15]);
				break;
			}
		}
		buf_put(b, s + start, i - start);
		buf_puts(b, esc);
		i += skip - 1;
		start = i + 1;
	}
	buf_put(b, s + start, len - start);
	buf_put(b, "\"", 1);
}

static int key_cmp(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

static int put_value(struct buf *b, const json_t *v, gojson_is_struct_fn is_struct, void *ud);

static int put_object(struct buf *b, const json_t *v, gojson_is_struct_fn is_struct, void *ud)
{
	_cleanup_free_ const char **keys = NULL;
	size_t n = json_object_size(v), i = 0;
	const char *k;
	json_t *m;

	keys = calloc(n ? n : 1, sizeof(*keys));
	if (!keys)
		return -ENOMEM;
	json_object_foreach((json_t *)v, k, m)
		keys[i++] = k;
	if (!is_struct || !is_struct(v, ud))
		qsort(keys, n, sizeof(*keys), key_cmp);
	buf_put(b, "{", 1);
	for (i = 0; i < n; i++) {
		int r;

		if (i)
			buf_put(b, ",", 1);
		put_string(b, keys[i], strlen(keys[i]));
		buf_put(b, ":", 1);
		r = put_value(b, json_object_get(v, keys[i]), is_struct, ud);
		if (r < 0)
			return r;
	}
	buf_put(b, "}", 1);
	return 0;
}

static int put_value(struct buf *b, const json_t *v, gojson_is_struct_fn is_struct, void *ud)
{
	char num[32];
	size_t i;
	json_t *e;
	int r;

	switch (json_typeof(v)) {
	case JSON_OBJECT:
		return put_object(b, v, is_struct, ud);
	case JSON_ARRAY:
		buf_put(b, "[", 1);
		json_array_foreach((json_t *)v, i, e) {
			if (i)
				buf_put(b, ",", 1);
			r = put_value(b, e, is_struct, ud);
			if (r < 0)
				return r;
		}
		buf_put(b, "]", 1);
		return 0;
	case JSON_STRING:
		put_string(b, json_string_value(v), json_string_length(v));
		return 0;
	case JSON_INTEGER:
		/* Go decodes every JSON number into a float64 */
		buf_puts(b, gojson_format_float((double)json_integer_value(v), num));
		return 0;
	case JSON_REAL:
		if (!isfinite(json_real_value(v)))
			return -EINVAL;
		buf_puts(b, gojson_format_float(json_real_value(v), num));
		return 0;
	case JSON_TRUE:
		buf_puts(b, "true");
		return 0;
	case JSON_FALSE:
		buf_puts(b, "false");
		return 0;
	case JSON_NULL:
		buf_puts(b, "null");
		return 0;
	}
	return -EINVAL;
}

char *gojson_dumps(const json_t *v, gojson_is_struct_fn is_struct, void *userdata)
{
	struct buf b = {};

	if (!v || put_value(&b, v, is_struct, userdata) < 0 || b.oom || !b.data) {
		free(b.data);
		return NULL;
	}
	return b.data;
}
