// SPDX-License-Identifier: Apache-2.0
/*
 * Fuzz portmap's and firewall's renderers with hostile input: condition tokens (from the
 * plugin config) and table listings (nft JSON the ADD/DEL/GC transactions are built from).
 * Whatever comes in, the output is refused or is one known command per line, with no ';'
 * or '#' that could start another command or hide the rest of the line.
 */
#include <jansson.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "fw/firewall.h"
#include "fw/portmap.h"

static void check_text(const char *text)
{
	static const char *const verbs[] = { "add ", "flush chain ", "delete ", NULL };
	const char *line = text;

	while (*line) {
		const char *nl = strchr(line, '\n');
		int ok = 0;

		if (!nl)
			abort();
		for (const char *const *v = verbs; *v; v++)
			ok |= strncmp(line, *v, strlen(*v)) == 0;
		if (!ok || (memchr(line, ';', nl - line) && !memmem(line, nl - line, "; }", 3)))
			abort();
		if (memchr(line, '#', nl - line))
			abort();
		line = nl + 1;
	}
}

static struct fw_portmap_spec spec(char *const *conds)
{
	static struct fw_portmap_entry e[2];
	struct fw_portmap_spec s = {
		.net = "n", .container_id = "c", .ifname = "eth0",
		.entries = e, .n_entries = 2, .snat = true, .mark_bit = 13,
		.conditions4 = conds, .conditions6 = conds,
	};

	e[0] = (struct fw_portmap_entry){ .proto = FW_PORTMAP_TCP, .host_port = 80,
					  .container_port = 8080 };
	e[1] = (struct fw_portmap_entry){ .proto = FW_PORTMAP_UDP, .host_port = 53,
					  .container_port = 53 };
	ip_prefix_parse("10.0.0.5/24", &s.ip4);
	ip_prefix_parse("fd00::5/64", &s.ip6);
	return s;
}

static void fuzz_conditions(const uint8_t *data, size_t size)
{
	char *buf = malloc(size + 1), *toks[16], *save = NULL;
	size_t n = 0;

	if (!buf)
		return;
	memcpy(buf, data, size);
	buf[size] = 0;
	for (char *t = strtok_r(buf, "\x01", &save); t && n < 15; t = strtok_r(NULL, "\x01", &save))
		toks[n++] = t;
	toks[n] = NULL;
	if (fw_portmap_conditions_valid(toks) == 0) {
		struct fw_portmap_spec s = spec(toks);
		char *text = NULL, *d = NULL, *m = NULL;

		/* Valid tokens never carry a newline, so the text stays one command per line. */
		if (fw_portmap_render_add(&s, NULL, &text) == 0)
			check_text(text);
		if (fw_portmap_render_listing(&s, &d, &m) < 0)
			abort();
		free(text);
		free(d);
		free(m);
	}
	free(buf);
}

static void fuzz_listing(const uint8_t *data, size_t size)
{
	json_t *j = json_loadb((const char *)data, size, 0, NULL);
	struct fw_portmap_spec s = spec(NULL);
	struct ip_prefix ip;
	struct fw_firewall_spec fs = {
		.net = "n", .container_id = "c", .ifname = "eth0", .ips = &ip, .n_ips = 1,
		.policy = FW_INGRESS_ISOLATED, .bridge = "br0",
	};
	char pc[FW_CHAIN_NAME_MAX], mc[FW_CHAIN_NAME_MAX];
	char *chains[] = { pc, mc, "p-x", NULL }, *none[] = { NULL };
	char *text = NULL;
	uint16_t *ports = NULL;
	size_t n;

	if (!j)
		return;
	ip_prefix_parse("10.0.0.5/24", &ip);
	fw_portmap_chain_names("n", "c", "eth0", pc, mc);
	if (fw_portmap_render_add(&s, j, &text) == 0)
		check_text(text);
	free(text);
	text = NULL;
	if (fw_portmap_render_delete(j, chains, &text) == 0)
		check_text(text);
	free(text);
	text = NULL;
	if (fw_portmap_listing_udp_ports(j, pc, &ports, &n) == 0)
		free(ports);
	if (fw_firewall_render_add(&fs, j, j, &text) == 0)
		check_text(text);
	free(text);
	text = NULL;
	if (fw_firewall_render_delete(j, j, chains, none, &text) == 0)
		check_text(text);
	free(text);
	json_decref(j);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 1)
		return 0;
	if (data[0] & 1)
		fuzz_conditions(data + 1, size - 1);
	else
		fuzz_listing(data + 1, size - 1);
	return 0;
}
