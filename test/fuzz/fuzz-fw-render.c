// SPDX-License-Identifier: Apache-2.0
/*
 * Fuzz the nft renderers with hostile names: whatever the network name, container ID and
 * interface names are, the text either is refused or has exactly our quotes, one command per
 * line, and nothing of the input outside a validated interface name or a comment token.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "fw/macspoof.h"
#include "fw/masq.h"

static size_t count(const char *s, char c)
{
	size_t n = 0;

	for (; *s; s++)
		n += *s == c;
	return n;
}

static void check_lines(const char *text, const char *const *verbs)
{
	const char *line = text;

	while (*line) {
		const char *nl = strchr(line, '\n');
		int ok = 0;

		if (!nl)
			abort();
		for (const char *const *v = verbs; *v; v++)
			ok |= strncmp(line, *v, strlen(*v)) == 0;
		if (!ok)
			abort();
		line = nl + 1;
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *const verbs[] = { "add ", "flush chain ", NULL };
	char buf[512], *parts[4] = { buf, buf, buf, buf };
	const struct ip_prefix ips[] = { { .addr = { .family = AF_INET,
						     .bytes = { 10, 0, 0, 5 } }, .len = 24 } };
	char *text = NULL;
	size_t k = 1;

	if (size >= sizeof(buf))
		return 0;
	memcpy(buf, data, size);
	buf[size] = 0;
	/* NUL-separated: net, container ID, ifname, host ifname. */
	for (size_t i = 0; i < size && k < 4; i++)
		if (buf[i] == 0)
			parts[k++] = buf + i + 1;

	if (fw_masq_render_add(parts[0], parts[1], parts[2], ips, 1, &text) == 0) {
		if (count(text, '"') != 2)
			abort();
		check_lines(text, verbs);
		free(text);
		text = NULL;
	}
	if (fw_macspoof_render_add(parts[0], parts[1], parts[2], parts[3], "02:00:00:00:00:01",
				   &text) == 0) {
		if (count(text, '"') != 4)
			abort();
		check_lines(text, verbs);
		free(text);
	}
	return 0;
}
