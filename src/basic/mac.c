// SPDX-License-Identifier: Apache-2.0
/*
 * mac.c - MAC address text (see mac.h).
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "basic/mac.h"

static int hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* Six hex pairs, each but the last followed by sep. */
static int parse_sep(const char *s, char sep, uint8_t ret[static 6])
{
	uint8_t m[6];

	if (!s || strlen(s) != 17)
		return -EINVAL;
	for (int i = 0; i < 6; i++) {
		int hi = hexval(s[i * 3]), lo = hexval(s[i * 3 + 1]);

		if (hi < 0 || lo < 0 || (i < 5 && s[i * 3 + 2] != sep))
			return -EINVAL;
		m[i] = (uint8_t)(hi << 4 | lo);
	}
	memcpy(ret, m, 6);
	return 0;
}

int mac_parse(const char *s, uint8_t ret[static 6])
{
	return parse_sep(s, ':', ret);
}

int mac_parse_go(const char *s, uint8_t ret[static 6])
{
	uint8_t m[6];

	if (!s)
		return -EINVAL;
	if (strlen(s) == 17 && (s[2] == ':' || s[2] == '-'))
		return parse_sep(s, s[2], ret);
	if (strlen(s) != 14 || s[4] != '.' || s[9] != '.')
		return -EINVAL;
	/* aabb.ccdd.eeff: three groups of four hex digits */
	for (int i = 0; i < 6; i++) {
		const char *p = s + (i / 2) * 5 + (i % 2) * 2;
		int hi = hexval(p[0]), lo = hexval(p[1]);

		if (hi < 0 || lo < 0)
			return -EINVAL;
		m[i] = (uint8_t)(hi << 4 | lo);
	}
	memcpy(ret, m, 6);
	return 0;
}

const char *mac_format(const uint8_t mac[static 6], char buf[static MAC_STRLEN])
{
	snprintf(buf, MAC_STRLEN, "%02x:%02x:%02x:%02x:%02x:%02x", mac[0], mac[1], mac[2], mac[3],
		 mac[4], mac[5]);
	return buf;
}
