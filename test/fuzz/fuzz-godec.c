// SPDX-License-Identifier: Apache-2.0
/*
 * Fuzz the config decoder and the MAC parsers: any JSON object read through every accessor
 * (top level and one nested struct), with the invariants that a failure leaves a message and
 * a success leaves none, and that a parsed MAC prints back to a string that parses the same.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "basic/godec.h"
#include "basic/json-util.h"
#include "basic/mac.h"

static int count(const char *k, const char *v, void *userdata)
{
	(*(size_t *)userdata)++;
	return 0;
}

static void decode(const struct godec *d, const json_t *o)
{
	const json_t *obj = NULL, *arr = NULL;
	const char *s = NULL;
	char **l = NULL;
	int64_t i = 0;
	uint64_t u = 0;
	bool b = false;
	size_t n = 0;
	int r;

	d->msg[0] = 0;
	r = godec_bool(d, o, "isGateway", &b, NULL);
	if (r >= 0)
		r = godec_int(d, o, "mtu", "int", 0, 65535, &i, NULL);
	if (r >= 0)
		r = godec_uint64(d, o, "ingressRate", "uint64", &u, NULL);
	if (r >= 0)
		r = godec_string(d, o, "bridge", &s, NULL);
	if (r >= 0)
		r = godec_strv(d, o, "nameservers", &l, NULL);
	if (r >= 0)
		r = godec_object(d, o, "sysctl", "map[string]string", &obj);
	if (r >= 0)
		r = godec_map_strings(d, obj, "sysctl", count, &n);
	if (r >= 0)
		r = godec_array(d, o, "routes", "[]types.Route", &arr);
	if ((r < 0) != (d->msg[0] != 0))
		abort();
	if (l)
		for (char **p = l; *p; p++)
			free(*p);
	free(l);
	if (s) {
		uint8_t m[6], m2[6];
		char buf[MAC_STRLEN];

		if (mac_parse_go(s, m) == 0 &&
		    (mac_parse(mac_format(m, buf), m2) < 0 || memcmp(m, m2, 6) != 0))
			abort();
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	_cleanup_json_ json_t *j = json_loadb((const char *)data, size, 0, NULL);
	char msg[GODEC_MSG_MAX], path[GODEC_PATH_MAX];
	const struct godec d = { .prefix = "failed to load netconf: ", .strct = "NetConf",
				 .path = "", .msg = msg, .msg_size = sizeof(msg) };
	struct godec dn = godec_nested(&d, "IPAM", "ipam", path);

	if (!j)
		return 0;
	decode(&d, j);
	decode(&dn, godec_get(j, "ipam"));
	return 0;
}
