/* SPDX-License-Identifier: Apache-2.0 */
/*
 * sublink-config.h - the config of the plugins that put one new link into the container:
 * macvlan, ipvlan and vlan (on a master) and dummy (on its own).
 *
 * Owns: the table of those kinds (struct sublink_kind: which keys each reads, its mode
 * names, the reference's message texts where they differ) and the pure parse of one
 * plugin's stdin object with the reference's keys (`master`, `mode`, `mtu`, `mac`,
 * `linkInContainer`, `vlanId`, `runtimeConfig.mac`, `ipam`, `dns`) and the MAC from
 * CNI_ARGS. What needs the kernel (the default-route master, the master's MTU) is in
 * sublink.c. Unit tested in test/unit/plugins/test-sublink.c.
 */
#pragma once

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

#include "basic/macro.h"
#include "libcni/args.h"
#include "libcni/error.h"
#include "libcni/result.h"
#include "netlink/nl-link.h"

struct sublink_mode {
	const char *name;
	uint32_t value;
};

struct sublink_kind {
	const char *name;                 /* "macvlan": messages and the binary */
	enum nl_sublink_kind nl;
	bool has_master;                  /* master, linkInContainer, the temp-name dance */
	bool master_required;             /* vlan: no default-route fallback */
	bool master_mtu_check;            /* mtu must be within [0, master MTU] */
	bool master_from_prev;            /* ipvlan: a chained run takes prevResult's interface */
	bool has_vlan_id;
	bool has_mac;                     /* mac, runtimeConfig.mac, CNI_ARGS MAC */
	bool ipam_required;               /* ADD without ipam.type fails */
	bool ipam_from_prev;              /* ipvlan: prevResult's addresses stand in for IPAM */
	bool dns_from_config;             /* result DNS is the config's, not IPAM's */
	bool notify;                      /* arp_notify/ndisc_notify on the container link */
	bool check_routes;                /* CHECK also verifies prevResult's routes */
	bool check_up;                    /* CHECK wants the link up (dummy) */
	const struct sublink_mode *modes; /* NULL-named terminated; first = "" default */
	/*
	 * CHECK's texts differ between the reference plugins only in their first letters
	 * ("sandbox"/"Sandbox", "vlan: Container"): each is the head its message starts with.
	 */
	const char *msg_no_prev;          /* the whole text: CHECK without prevResult */
	const char *head_sandbox;         /* "s"|"S" + "andbox in prevResult ..." */
	const char *head_not_found;       /* + "ontainer Interface name in prevResult: ..." */
	const char *head_not_kind;        /* + "rror: Container interface %s not of type ..." */
	const char *head_mac;             /* + "nterface %s Mac %s doesn't match ..." */
	const char *head_mode;            /* + "ontainer <Kind> mode %s does not match ..." */
	const char *mode_word;            /* "macvlan" | "IPVlan" */
};

extern const struct sublink_kind sublink_macvlan, sublink_ipvlan, sublink_vlan, sublink_dummy;

struct sublink_config {
	const struct sublink_kind *kind;
	char *master;            /* NULL = not given */
	char *mode;              /* as given; "" = the kind's default */
	uint32_t mode_value;
	int64_t mtu;             /* validated against the master at run time */
	bool link_in_container;
	char *mac;               /* the winning MAC text: runtimeConfig > CNI_ARGS > config */
	int64_t vlan_id;
	char *ipam_type;         /* NULL when missing or "" */
	bool has_dns;
	struct cni_dns dns;
};

struct sublink_config *sublink_config_free(struct sublink_config *c);
DEFINE_TRIVIAL_CLEANUP_FUNC(struct sublink_config *, sublink_config_free);

/*
 * Parse the stdin object for kind. prefix is the reference's ("failed to load netconf: ", DEL
 * of macvlan says "netConf"). args may be NULL (DEL does not read CNI_ARGS). With validate
 * (ADD, CHECK) the checks that need no kernel follow: the mode name, the VLAN ID range, the
 * MAC's form, a required master; without (DEL, GC, STATUS) only Go's type errors stop it, so
 * teardown works for any config the runtime managed to decode. Errors: code 7 with the
 * reference's text; CNI_ARGS errors code 4 as skel's.
 */
int sublink_config_parse(const struct sublink_kind *kind, const json_t *config,
			 const struct cni_args *args, bool validate, const char *prefix,
			 struct sublink_config **ret, struct cni_error *err);

/* The mode's name for a kernel value, NULL when the kind has no such mode. */
const char *sublink_mode_name(const struct sublink_kind *kind, uint32_t value);

/* The reference's temporary link name: "veth" + 8 hex digits of 4 random bytes. */
int sublink_random_name(char buf[static NL_IFNAMSIZ]);
