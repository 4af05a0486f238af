/* SPDX-License-Identifier: Apache-2.0 */
/*
 * ptp-config.h - the ptp plugin's configuration and the kernel state it derives from a result.
 *
 * Owns: parsing the plugin's stdin object with the reference's fields (`ipMasq`,
 * `ipMasqBackend`, `mtu`, `ipam`, `dns`) and rules, and the pure "plan" of ADD: which routes go
 * into the container (per address `gw/32 dev if scope link src ip` and `subnet via gw src ip`,
 * then the IPAM routes with a missing gateway filled in per family) and which gateway addresses
 * and host routes go on the host veth. No kernel, no files: unit tested in test-ptp.c, and used
 * by CHECK to know what must be there.
 */
#pragma once

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "basic/macro.h"
#include "libcni/error.h"
#include "libcni/result.h"
#include "netlink/nl-addr.h"
#include "netlink/nl-route.h"

#define PTP_IFNAMSIZ 16

struct ptp_config {
	bool ip_masq;
	uint32_t mtu;          /* 0 = kernel default */
	char *ipam_type;       /* NULL when missing: ADD refuses, DEL/GC skip IPAM */
	bool has_dns;          /* `dns` had at least one field set: it replaces IPAM's */
	struct cni_dns dns;
};

struct ptp_config *ptp_config_free(struct ptp_config *c);
DEFINE_TRIVIAL_CLEANUP_FUNC(struct ptp_config *, ptp_config_free);

/* Parse the whole stdin object. Errors: code 7 naming the key. */
int ptp_config_parse(const json_t *config, struct ptp_config **ret, struct cni_error *err);

/* Hand c's DNS to r (replacing r's) when the config set any DNS field. */
void ptp_config_apply_dns(struct ptp_config *c, struct cni_result *r);

struct ptp_plan {
	/* Container side, in order: per address the gateway host route and the subnet route. */
	struct nl_route *cont_routes;
	size_t n_cont_routes;
	/* Container side after those: the IPAM routes, added as ECMP next hops like the reference. */
	struct nl_route *ipam_routes;
	size_t n_ipam_routes;
	/* Host side: the gateways as /32 (/128) on the host veth, and a host route per address. */
	struct nl_addr *host_addrs;
	size_t n_host_addrs;
	struct nl_route *host_routes;
	size_t n_host_routes;
};

void ptp_plan_done(struct ptp_plan *p);

/*
 * The plan for result r (addresses on the container interface cont_ifindex, host veth
 * host_ifindex). Every address needs a gateway of its own family (code 7 otherwise); duplicate
 * entries (two addresses behind one gateway) are planned once.
 */
int ptp_plan_build(const struct cni_result *r, int cont_ifindex, int host_ifindex,
		   struct ptp_plan *ret, struct cni_error *err);

/* The host veth name: "veth" + 8 lower-case hex digits of 4 random bytes, as the reference. */
int ptp_random_veth_name(char buf[static PTP_IFNAMSIZ]);
