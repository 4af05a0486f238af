// SPDX-License-Identifier: Apache-2.0
/*
 * Fuzz the host-local config parser (the whole plugin config is outside input)
 * and the resolv.conf reader; then check the allocator's invariants on every
 * config that parses: ranges lie inside their subnets, the picker returns an
 * address of the set that is not a gateway, and "no free address" from the
 * picker agrees with the free count.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "basic/json-util.h"
#include "ipam/ipam-alloc.h"
#include "ipam/ipam-config.h"

static void check_set(const struct ipam_range_set *s)
{
	char buf[8192];
	struct ip_addr got, used[4];
	size_t n = 0;
	int r;

	ipam_range_set_to_string(s, buf, sizeof(buf));
	for (size_t i = 0; i < s->n_ranges; i++) {
		const struct ipam_range *rg = &s->ranges[i];

		if (!ip_prefix_contains(&rg->subnet, &rg->start) ||
		    !ip_prefix_contains(&rg->subnet, &rg->end) ||
		    ip_addr_cmp(&rg->start, &rg->end) > 0)
			abort();
		if (n < 2)
			used[n++] = rg->start;
	}
	n = ipam_addr_sort_unique(used, n);
	r = ipam_pick_next(s, used, n, &s->ranges[0].end, &got);
	if (r == 0) {
		const struct ipam_range *rg = ipam_range_set_find(s, &got);

		if (!rg || ip_addr_equal(&got, &rg->gateway))
			abort();
		for (size_t i = 0; i < n; i++)
			if (ip_addr_equal(&got, &used[i]))
				abort();
		if (ipam_count_free(s, used, n) == 0)
			abort();
	} else if (r == -ENOSPC) {
		if (ipam_count_free(s, used, n) != 0)
			abort();
	} else if (r != -ENOMEM) {
		abort();
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	_cleanup_(ipam_config_freep) struct ipam_config *c = NULL;
	_cleanup_json_ json_t *j = NULL;
	_cleanup_free_ char *text = NULL;
	char err[IPAM_ERR_MAX];
	struct ipam_dns dns = {};
	int r;

	if (size > 65536)
		return 0;
	text = malloc(size + 1);
	if (!text)
		return 0;
	memcpy(text, data, size);
	text[size] = 0;
	if (ipam_dns_parse_resolv_text(text, &dns) == 0)
		ipam_dns_done(&dns);

	j = json_loadb((const char *)data, size, JSON_DECODE_ANY, NULL);
	if (!j)
		return 0;
	if (ipam_config_parse_store(j, &c, err) == 0)
		c = ipam_config_free(c);
	r = ipam_config_parse(j, "10.0.0.1", &c, err);
	if (r < 0) {
		if (r == -EINVAL && (!err[0] || strlen(err) >= IPAM_ERR_MAX))
			abort();
		return 0;
	}
	for (size_t i = 0; i < c->n_sets; i++)
		check_set(&c->sets[i]);
	return 0;
}
