// SPDX-License-Identifier: Apache-2.0
/*
 * backend-log.c - a backend that only logs, standing in for any Backend.Type.
 *
 * Selected with the hidden --backend=log flag: the lease is written as the configured
 * backend would write it (type, VNI, a VtepMAC derived from the public IP so it is stable
 * across restarts) and every event is logged with a wall-clock timestamp, which the tests
 * and the latency benchmark read. Nothing in the kernel is touched.
 */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "basic/log.h"
#include "linend/backend.h"
#include "linend/loop.h"

struct log_state {
	char type[LEASE_TYPE_MAX];
};

static int log_register(const struct net_config *cfg, const struct backend_ext_iface *ext,
			const struct backend_env *env, void **ret_state,
			struct backend_network *ret)
{
	const struct backend_config *b = &cfg->backend;
	struct backend_network n = { .mtu = ext->mtu };
	struct log_state *s;

	s = calloc(1, sizeof(*s));
	if (!s)
		return -ENOMEM;
	strcpy(s->type, b->type);
	if (streq(b->type, "vxlan")) {
		/* locally administered, unicast; the low 4 bytes are the public IPv4 */
		uint8_t mac[6] = { 0x02, 0x4c };

		memcpy(mac + 2, ext->ext_addr.bytes, 4);
		strcpy(n.type, "vxlan");
		n.mtu = (b->mtu ? b->mtu : ext->mtu) - 50;
		n.data = (struct backend_data){ .kind = BACKEND_DATA_VXLAN, .vni = b->vni };
		memcpy(n.data.vtep_mac, mac, 6);
		if (cfg->enable_ipv6) {
			n.data6 = n.data;
			n.data6.vtep_mac[1] = 0x36;
		}
	} else if (!streq(b->type, "alloc") && !streq(b->type, "udp")) {
		strcpy(n.type, b->type);
	}
	log_info("log backend: network registered as %s, mtu %u", b->type, n.mtu);
	*ret_state = s;
	*ret = n;
	return 0;
}

static void log_lease(const char *what, const struct lease *l)
{
	char key[LEASE_KEY_MAX], ip[IP_ADDR_STRLEN], mac[18] = "-";

	if (l->attrs.data.kind == BACKEND_DATA_VXLAN)
		mac_format(l->attrs.data.vtep_mac, mac);
	log_info("log backend: lease %s %s public-ip %s type %s mac %s at %" PRIu64, what,
		 lease_key_format(&l->subnet, &l->subnet6, key),
		 ip_addr_to_string(&l->attrs.public_ip, ip),
		 l->attrs.backend_type[0] ? l->attrs.backend_type : "-", mac, realtime_usec());
}

static int log_acquired(void *state, const struct lease *l)
{
	log_lease("acquired", l);
	return 0;
}

static int log_added(void *state, const struct lease *l)
{
	log_lease("added", l);
	return 0;
}

static int log_removed(void *state, const struct lease *l)
{
	log_lease("removed", l);
	return 0;
}

static void log_free(void *state)
{
	free(state);
}

const struct backend_ops backend_log_ops = {
	.name = "log",
	.register_network = log_register,
	.lease_acquired = log_acquired,
	.lease_added = log_added,
	.lease_removed = log_removed,
	.free = log_free,
};
