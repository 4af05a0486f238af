// SPDX-License-Identifier: Apache-2.0
/*
 * fw.c - the transaction, the shared rendering helpers, and the identifier rules (see fw.h).
 */
#include <ctype.h>
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "basic/ip.h"
#include "basic/macro.h"
#include "basic/sha512.h"
#include "fw/fw.h"
#include "fw/nft-lib.h"

int fw_apply(const char *nft_text, char **ret_error_text)
{
	if (!nft_text)
		return -EINVAL;
	return fw_nft_run(nft_text, 0, NULL, ret_error_text);
}

int fw_strv_push(char ***v, size_t *n, const char *s)
{
	char **nv;
	char *d;

	d = strdup(s);
	if (!d)
		return -ENOMEM;
	nv = realloc(*v, (*n + 2) * sizeof(char *));
	if (!nv) {
		free(d);
		return -ENOMEM;
	}
	nv[(*n)++] = d;
	nv[*n] = NULL;
	*v = nv;
	return 0;
}

bool fw_strv_contains(char *const *v, const char *s)
{
	for (; v && *v; v++)
		if (streq(*v, s))
			return true;
	return false;
}

bool fw_ip_seen_before(const struct ip_prefix *ips, size_t i)
{
	for (size_t k = 0; k < i; k++)
		if (ip_addr_equal(&ips[k].addr, &ips[i].addr))
			return true;
	return false;
}

bool fw_ifname_valid(const char *ifname)
{
	size_t l;

	if (!ifname)
		return false;
	l = strlen(ifname);
	if (l == 0 || l > 15 || streq(ifname, ".") || streq(ifname, ".."))
		return false;
	for (const char *p = ifname; *p; p++)
		if (!isascii(*p) || !(isalnum(*p) || strchr("_.@+-", *p)))
			return false;
	return true;
}

bool fw_identifier_valid(const char *name)
{
	size_t l;

	if (!name)
		return false;
	l = strlen(name);
	if (l == 0 || l > 64 || !isascii(name[0]) || !isalpha(name[0]))
		return false;
	for (const char *p = name; *p; p++)
		if (!isascii(*p) || !(isalnum(*p) || *p == '_' || *p == '-'))
			return false;
	return true;
}

int fw_hash_parts(const char *const *parts, size_t n_parts, size_t nbytes, char *buf)
{
	_cleanup_free_ char *joined = NULL;
	size_t len = 0, off = 0;

	/* NUL separators: ("ab", "c") and ("a", "bc") must not collide. */
	for (size_t i = 0; i < n_parts; i++)
		len += strlen(parts[i]) + 1;
	joined = malloc(len + 1);
	if (!joined)
		return -ENOMEM;
	for (size_t i = 0; i < n_parts; i++) {
		size_t l = strlen(parts[i]);

		memcpy(joined + off, parts[i], l);
		off += l;
		joined[off++] = '\0';
	}
	/* Hash without the last separator so a single part hashes as itself. */
	sha512_hex(joined, off ? off - 1 : 0, nbytes, buf);
	return 0;
}

const char *fw_comment_token(const char *s, size_t maxlen, char buf[static FW_TOKEN_MAX])
{
	char hex[25];
	size_t l = s ? strlen(s) : 0;
	bool safe;

	maxlen = MIN(MAX(maxlen, (size_t)FW_TOKEN_HASH_LEN), (size_t)FW_TOKEN_MAX - 1);
	safe = l > 0 && l <= maxlen;

	for (size_t i = 0; safe && i < l; i++)
		safe = isascii(s[i]) && (isalnum(s[i]) || strchr("_.:/@+-", s[i]));
	/* A hostile string could pretend to be a hash; keep that prefix for real hashes. */
	if (safe && startswith(s, "sha512:"))
		safe = false;
	if (safe) {
		memcpy(buf, s, l + 1);
		return buf;
	}
	sha512_hex(s ? s : "", l, 12, hex);
	snprintf(buf, FW_TOKEN_MAX, "sha512:%s", hex);
	return buf;
}

int fw_mac_normalize(const char *s, char ret[static FW_MAC_STRLEN])
{
	static const char hexdigits[] = "0123456789abcdef";
	char out[FW_MAC_STRLEN];

	if (!s || strlen(s) != 17)
		return -EINVAL;
	for (size_t i = 0; i < 17; i++) {
		if (i % 3 == 2) {
			if (s[i] != ':')
				return -EINVAL;
			out[i] = ':';
			continue;
		}
		if (!isascii(s[i]) || !isxdigit(s[i]))
			return -EINVAL;
		out[i] = hexdigits[isdigit(s[i]) ? s[i] - '0' : tolower(s[i]) - 'a' + 10];
	}
	out[17] = '\0';
	memcpy(ret, out, sizeof(out));
	return 0;
}

int fw_memstream_finish(FILE *f, char **buf, char **ret)
{
	bool bad = ferror(f);

	if (fclose(f) != 0)
		bad = true;
	if (bad || !*buf) {
		free(*buf);
		*buf = NULL;
		return -ENOMEM;
	}
	*ret = *buf;
	*buf = NULL;
	return 0;
}

int fw_render_table_replace(const char *family, const char *name, const char *table_text,
			    char **ret_text)
{
	char *s;

	if (!fw_identifier_valid(family) || !fw_identifier_valid(name))
		return -EINVAL;
	if (asprintf(&s, "table %s %s\ndelete table %s %s\n%s", family, name, family, name,
		     table_text ? table_text : "") < 0)
		return -ENOMEM;
	*ret_text = s;
	return 0;
}

int fw_table_remove(const char *family, const char *name, char **ret_error_text)
{
	_cleanup_free_ char *text = NULL;
	int r;

	r = fw_render_table_replace(family, name, NULL, &text);
	if (r < 0)
		return r;
	return fw_apply(text, ret_error_text);
}
