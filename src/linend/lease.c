// SPDX-License-Identifier: Apache-2.0
/*
 * lease.c - flannel's subnet key and LeaseAttrs JSON.
 *
 * Go decodes JSON object keys case-insensitively and ignores unknown keys; we do the same
 * so any value flanneld accepts, we accept. Encoding is hand-ordered: flannel's struct
 * order, PublicIPv6 always present (null when unset), the rest omitted when empty.
 */
#include <ctype.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdlib.h>
#include <errno.h>
#include <jansson.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "basic/json-util.h"
#include "basic/macro.h"
#include "linend/lease.h"

const char *lease_key_format(const struct ip_prefix *subnet, const struct ip_prefix *subnet6,
			     char buf[static LEASE_KEY_MAX])
{
	char a[IP_ADDR_STRLEN], b[IP_ADDR_STRLEN];

	ip_addr_to_string(&subnet->addr, a);
	if (subnet6 && subnet6->addr.family == AF_INET6)
		snprintf(buf, LEASE_KEY_MAX, "%s-%u&%s-%u", a, subnet->len,
			 ip_addr_to_string(&subnet6->addr, b), subnet6->len);
	else
		snprintf(buf, LEASE_KEY_MAX, "%s-%u", a, subnet->len);
	return buf;
}

static int parse_len(const char *s, size_t n, unsigned max, unsigned *ret)
{
	unsigned v = 0;

	if (n == 0 || n > 3)
		return -EINVAL;
	for (size_t i = 0; i < n; i++) {
		if (!isdigit((unsigned char)s[i]))
			return -EINVAL;
		v = v * 10 + (unsigned)(s[i] - '0');
	}
	if (v > max)
		return -EINVAL;
	*ret = v;
	return 0;
}

static int parse_part(const char *s, size_t n, int family, struct ip_prefix *ret)
{
	char tmp[IP_ADDR_STRLEN];
	const char *dash;
	struct ip_prefix p = {};
	unsigned len;

	dash = memrchr(s, '-', n);
	if (!dash || (size_t)(dash - s) >= sizeof(tmp) || dash == s)
		return -EINVAL;
	memcpy(tmp, s, (size_t)(dash - s));
	tmp[dash - s] = 0;
	/* flannel's pattern: digits and dots for IPv4, [a-f0-9:] for IPv6 */
	for (char *c = tmp; *c; c++)
		if (family == AF_INET ? !(isdigit((unsigned char)*c) || *c == '.')
				      : !(isxdigit((unsigned char)*c) || *c == ':') || isupper(*c))
			return -EINVAL;
	if (ip_addr_parse(tmp, &p.addr) < 0 || p.addr.family != family)
		return -EINVAL;
	if (parse_len(dash + 1, n - (size_t)(dash - s) - 1, ip_family_bits(family), &len) < 0)
		return -EINVAL;
	p.len = (unsigned char)len;
	ip_prefix_mask(&p);
	*ret = p;
	return 0;
}

int lease_key_parse(const char *s, struct ip_prefix *ret_subnet, struct ip_prefix *ret_subnet6)
{
	struct ip_prefix p4, p6 = {};
	const char *amp = strchr(s, '&');
	size_t n4 = amp ? (size_t)(amp - s) : strlen(s);

	if (parse_part(s, n4, AF_INET, &p4) < 0)
		return -EINVAL;
	if (amp && parse_part(amp + 1, strlen(amp + 1), AF_INET6, &p6) < 0)
		return -EINVAL;
	*ret_subnet = p4;
	if (ret_subnet6)
		*ret_subnet6 = p6;
	return 0;
}

static int append(char **buf, size_t *len, const char *fmt, ...) _printf_(3, 4);
static int append(char **buf, size_t *len, const char *fmt, ...)
{
	va_list ap;
	char *s;
	int n;

	va_start(ap, fmt);
	n = vasprintf(&s, fmt, ap);
	va_end(ap);
	if (n < 0)
		return -ENOMEM;
	{
		char *nb = realloc(*buf, *len + (size_t)n + 1);

		if (!nb) {
			free(s);
			return -ENOMEM;
		}
		*buf = nb;
	}
	memcpy(*buf + *len, s, (size_t)n + 1);
	*len += (size_t)n;
	free(s);
	return 0;
}

/* Length of the valid UTF-8 sequence at s (at most n bytes), 0 if it is not valid. */
static size_t utf8_len(const unsigned char *s, size_t n, uint32_t *ret_cp)
{
	size_t l = *s < 0x80 ? 1 : *s >= 0xc2 && *s < 0xe0 ? 2 : *s >= 0xe0 && *s < 0xf0 ? 3 :
		   *s >= 0xf0 && *s < 0xf5 ? 4 : 0;
	uint32_t cp;

	if (l == 0 || l > n)
		return 0;
	cp = l == 1 ? *s : *s & (0x7f >> l);
	for (size_t i = 1; i < l; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		cp = cp << 6 | (s[i] & 0x3f);
	}
	/* overlong, surrogates and beyond U+10FFFF are invalid, as Go's decoder says */
	if ((l == 3 && cp < 0x800) || (l == 4 && (cp < 0x10000 || cp > 0x10ffff)) ||
	    (cp >= 0xd800 && cp <= 0xdfff))
		return 0;
	*ret_cp = cp;
	return l;
}

/*
 * Go's encoding/json (1.22+): \" \\ \b \f \n \r \t, other controls as \u00XX, the
 * HTML-sensitive <, >, & and U+2028/U+2029 as \uXXXX, invalid UTF-8 as \ufffd.
 */
int lease_json_string(const char *str, size_t n, char **buf, size_t *len)
{
	const unsigned char *s = (const unsigned char *)str;
	int r = append(buf, len, "\"");

	for (size_t i = 0; r >= 0 && i < n;) {
		uint32_t cp = 0;
		size_t l = utf8_len(s + i, n - i, &cp);

		if (l == 0) {
			r = append(buf, len, "\\ufffd");
			i++;
			continue;
		}
		switch (cp) {
		case '"': r = append(buf, len, "\\\""); break;
		case '\\': r = append(buf, len, "\\\\"); break;
		case '\b': r = append(buf, len, "\\b"); break;
		case '\f': r = append(buf, len, "\\f"); break;
		case '\n': r = append(buf, len, "\\n"); break;
		case '\r': r = append(buf, len, "\\r"); break;
		case '\t': r = append(buf, len, "\\t"); break;
		case '<': case '>': case '&': case 0x2028: case 0x2029:
			r = append(buf, len, "\\u%04x", cp);
			break;
		default:
			if (cp < 0x20)
				r = append(buf, len, "\\u%04x", cp);
			else
				r = append(buf, len, "%.*s", (int)l, (const char *)s + i);
		}
		i += l;
	}
	return r < 0 ? r : append(buf, len, "\"");
}

static int append_backend_data(char **buf, size_t *len, const char *name,
			       const struct backend_data *d)
{
	char mac[18];
	int r;

	switch (d->kind) {
	case BACKEND_DATA_NONE:
		return 0;
	case BACKEND_DATA_VXLAN:
		return append(buf, len, ",\"%s\":{\"VNI\":%u,\"VtepMAC\":\"%s\"}", name, d->vni,
			      mac_format(d->vtep_mac, mac));
	case BACKEND_DATA_STRING:
		r = append(buf, len, ",\"%s\":", name);
		return r < 0 ? r : lease_json_string(d->str, d->len, buf, len);
	}
	return -EINVAL;
}

int lease_attrs_format(const struct lease_attrs *a, char **ret)
{
	_cleanup_free_ char *buf = NULL;
	char ip[IP_ADDR_STRLEN], ip6[IP_ADDR_STRLEN];
	size_t len = 0;
	int r;

	if (a->public_ip.family != AF_INET)
		return -EINVAL;
	r = append(&buf, &len, "{\"PublicIP\":\"%s\"", ip_addr_to_string(&a->public_ip, ip));
	if (r >= 0 && a->public_ipv6.family == AF_INET6)
		r = append(&buf, &len, ",\"PublicIPv6\":\"%s\"",
			   ip_addr_to_string(&a->public_ipv6, ip6));
	else if (r >= 0)
		r = append(&buf, &len, ",\"PublicIPv6\":null");
	/* backend type strings come from our own tables: plain ASCII, no escaping needed */
	if (r >= 0 && a->backend_type[0])
		r = append(&buf, &len, ",\"BackendType\":\"%s\"", a->backend_type);
	if (r >= 0)
		r = append_backend_data(&buf, &len, "BackendData", &a->data);
	if (r >= 0)
		r = append_backend_data(&buf, &len, "BackendV6Data", &a->data6);
	if (r >= 0)
		r = append(&buf, &len, "}");
	if (r < 0)
		return r;
	*ret = TAKE_PTR(buf);
	return 0;
}

/* Go's encoding/json: an exact key match wins, else the first case-insensitive one. */
static json_t *get_ci(const json_t *o, const char *key)
{
	const char *k;
	json_t *v;

	v = json_object_get(o, key);
	if (v)
		return v;
	json_object_foreach((json_t *)o, k, v)
		if (strcasecmp(k, key) == 0)
			return v;
	return NULL;
}

static bool has_nul(const json_t *s)
{
	return strlen(json_string_value(s)) != json_string_length(s);
}

static int parse_backend_data(const json_t *v, const char *type, struct backend_data *ret)
{
	json_t *vni, *mac;
	json_int_t n;

	*ret = (struct backend_data){};
	if (type && streq(type, "extension")) {
		/* flannel's peers skip a non-string BackendData: carried as NONE */
		if (!json_is_string(v))
			return 0;
		if (json_string_length(v) > LEASE_DATA_MAX)
			return -EINVAL;
		ret->kind = BACKEND_DATA_STRING;
		ret->len = (uint16_t)json_string_length(v);
		memcpy(ret->str, json_string_value(v), ret->len);
		return 0;
	}
	if (!type || !streq(type, "vxlan"))
		return 0; /* not ours to interpret; kept as NONE */
	if (!json_is_object(v))
		return -EINVAL;
	vni = get_ci(v, "VNI");
	mac = get_ci(v, "VtepMAC");
	if (!json_is_integer(vni) || !json_is_string(mac) || has_nul(mac))
		return -EINVAL;
	n = json_integer_value(vni);
	if (n < 0 || n > 0xffffff)
		return -EINVAL;
	ret->kind = BACKEND_DATA_VXLAN;
	ret->vni = (uint32_t)n;
	return mac_parse(json_string_value(mac), ret->vtep_mac);
}

int lease_attrs_parse(const char *json, size_t len, struct lease_attrs *ret)
{
	/* NUL is allowed for extension's BackendData (Go's strings carry it); checked below */
	_cleanup_json_ json_t *root = json_loadb(json, len, JSON_REJECT_DUPLICATES | JSON_ALLOW_NUL,
						 NULL);
	struct lease_attrs a = {};
	json_t *pip, *pip6, *type, *data6;

	if (!json_is_object(root))
		return -EINVAL;
	pip = get_ci(root, "PublicIP");
	if (!json_is_string(pip) || has_nul(pip) ||
	    ip_addr_parse(json_string_value(pip), &a.public_ip) < 0 ||
	    a.public_ip.family != AF_INET)
		return -EINVAL;
	pip6 = get_ci(root, "PublicIPv6");
	if (pip6 && !json_is_null(pip6)) {
		if (!json_is_string(pip6) || has_nul(pip6) ||
		    ip_addr_parse(json_string_value(pip6), &a.public_ipv6) < 0 ||
		    a.public_ipv6.family != AF_INET6)
			return -EINVAL;
	}
	type = get_ci(root, "BackendType");
	if (type && !json_is_null(type)) {
		if (!json_is_string(type) || has_nul(type) ||
		    json_string_length(type) >= LEASE_TYPE_MAX)
			return -EINVAL;
		for (const char *c = json_string_value(type); *c; c++)
			if (!isgraph((unsigned char)*c) || *c == '"' || *c == '\\')
				return -EINVAL;
		strcpy(a.backend_type, json_string_value(type));
	}
	if (parse_backend_data(get_ci(root, "BackendData"), a.backend_type, &a.data) < 0)
		return -EINVAL;
	data6 = get_ci(root, "BackendV6Data");
	if (data6 && !json_is_null(data6) && a.public_ipv6.family == AF_INET6 &&
	    parse_backend_data(data6, a.backend_type, &a.data6) < 0)
		return -EINVAL;
	*ret = a;
	return 0;
}

static bool backend_data_equal(const struct backend_data *a, const struct backend_data *b)
{
	if (a->kind != b->kind)
		return false;
	switch (a->kind) {
	case BACKEND_DATA_NONE:
		return true;
	case BACKEND_DATA_VXLAN:
		return a->vni == b->vni && memcmp(a->vtep_mac, b->vtep_mac, 6) == 0;
	case BACKEND_DATA_STRING:
		return a->len == b->len && memcmp(a->str, b->str, a->len) == 0;
	}
	return false;
}

bool lease_attrs_equal(const struct lease_attrs *a, const struct lease_attrs *b)
{
	return ip_addr_equal(&a->public_ip, &b->public_ip) &&
	       a->public_ipv6.family == b->public_ipv6.family &&
	       (a->public_ipv6.family == 0 || ip_addr_equal(&a->public_ipv6, &b->public_ipv6)) &&
	       streq(a->backend_type, b->backend_type) && backend_data_equal(&a->data, &b->data) &&
	       backend_data_equal(&a->data6, &b->data6);
}
