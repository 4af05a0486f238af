/* SPDX-License-Identifier: Apache-2.0 */
/*
 * nl-link.h - network interfaces: read, create, change, delete.
 *
 * Owns: struct nl_link (what we read back from RTM_NEWLINK), creating the
 * link kinds linen needs (bridge, veth with the peer made directly in
 * another namespace, vxlan with every attribute flannel sets, ifb, and the
 * one-attribute kinds of the CNI main plugins: macvlan, ipvlan, vlan, dummy,
 * vrf), changing one property at a time, moving links between namespaces, bridge-port
 * flags and bridge VLANs (AF_BRIDGE), and waiting for oper state.
 *
 * Every operation is split into a pure message builder (nl_*_msg, unit
 * tested byte for byte without a socket) and the call that sends it.
 */
#pragma once

#include <stdbool.h>
#include <stdint.h>
#include <linux/if_link.h>

#include "basic/ip.h"
#include "netlink/nl-sock.h"

/*
 * No <net/if.h> or <linux/if.h> here: glibc's and the kernel's versions
 * clash unless included in one order, and that order is the includer's call.
 */
#define NL_IFNAMSIZ 16
#define NL_KIND_MAX 16
#define NL_IFALIASZ 256

struct nl_vxlan {
	uint32_t vni;
	struct ip_addr local;   /* AF_INET → IFLA_VXLAN_LOCAL, AF_INET6 → LOCAL6, 0 = none */
	struct ip_addr group;   /* the remote (unicast) or group; flannel never sets one */
	int link;               /* underlay ifindex, 0 = none */
	uint16_t port;          /* host order; 0 = kernel default (8472) */
	bool learning;
	bool gbp;
	bool l2miss;
	bool l3miss;
	uint8_t ttl;
	uint8_t tos;
};

struct nl_link {
	int ifindex;
	char name[NL_IFNAMSIZ];
	char kind[NL_KIND_MAX];       /* IFLA_INFO_KIND: "veth", "bridge", "vxlan", "" if none */
	char slave_kind[NL_KIND_MAX]; /* IFLA_INFO_SLAVE_KIND: "bridge" for a bridge port */
	uint16_t type;                /* ARPHRD_* */
	unsigned flags;               /* IFF_UP, IFF_PROMISC, IFF_ALLMULTI, IFF_LOWER_UP ... */
	uint8_t operstate;            /* IF_OPER_* */
	uint32_t mtu;
	uint32_t txqlen;
	uint8_t mac[6];
	bool has_mac;
	int master;                   /* ifindex of the bridge we are enslaved to, 0 = none */
	int link;                     /* IFLA_LINK: veth peer / vxlan underlay ifindex, 0 = none */
	int link_netnsid;             /* IFLA_LINK_NETNSID: peer's namespace id, -1 = same ns */
	bool vlan_filtering;          /* kind "bridge" only */
	struct nl_vxlan vxlan;        /* kind "vxlan" only */
	uint32_t macvlan_mode;        /* kind "macvlan": MACVLAN_MODE_* */
	uint16_t ipvlan_mode;         /* kind "ipvlan": IPVLAN_MODE_* */
	uint16_t vlan_id;             /* kind "vlan" */
	uint32_t vrf_table;           /* kind "vrf" */
	uint64_t tx_packets;          /* IFLA_STATS64, 0 when the kernel sent none */
	char alias[NL_IFALIASZ];      /* IFLA_IFALIAS, "" = none */
};

static inline bool nl_link_is_up(const struct nl_link *l)
{
	return l->flags & 0x1; /* IFF_UP */
}

/* Parse one RTM_NEWLINK message (a reply or an event). */
int nl_link_parse(const struct nlmsghdr *nlh, struct nl_link *ret);

/* The kernel's VXLAN destination port when none is given (Linux's historic choice). */
#define NL_VXLAN_DEFAULT_PORT 8472

/*
 * Whether an existing vxlan device (have, as read back) can be reused for
 * want: VNI, underlay link, local address, group, l2miss, port (0 meaning
 * the kernel default) and GBP agree -- flannel's rule for keep vs recreate.
 */
bool nl_vxlan_matches(const struct nl_vxlan *have, const struct nl_vxlan *want);

/* -ENODEV when there is no such link. */
int nl_link_get_by_name(struct nl_sock *sk, const char *name, struct nl_link *ret);
int nl_link_get_by_index(struct nl_sock *sk, int ifindex, struct nl_link *ret);
/* Every link; *ret is a malloc'ed array the caller frees. */
int nl_link_dump(struct nl_sock *sk, struct nl_link **ret, size_t *ret_n);
/* 0 = no such link; > 0 = ifindex. */
int nl_link_name_to_index(struct nl_sock *sk, const char *name);

/* --- creation: all use NLM_F_CREATE|NLM_F_EXCL, so an existing name gives -EEXIST --- */

struct nl_bridge_spec {
	const char *name;
	uint32_t mtu;            /* 0 = kernel default */
	const uint8_t *mac;      /* NULL = random */
	bool vlan_filtering;
};

struct nl_veth_spec {
	const char *name;        /* created in the socket's namespace */
	uint32_t mtu;
	const uint8_t *mac;
	const char *peer_name;
	uint32_t peer_mtu;       /* 0 = same as mtu */
	const uint8_t *peer_mac;
	int peer_netns_fd;       /* create the peer directly there; -1 = same namespace */
};

struct nl_vxlan_spec {
	const char *name;
	struct nl_vxlan vx;      /* vni, local, group, link, port, learning, gbp, ttl, tos */
	uint32_t mtu;
	const uint8_t *mac;
};

/*
 * The single-attribute kinds the CNI main plugins put into a container: a link on top of a
 * parent (macvlan, ipvlan, vlan) or on its own (dummy, vrf), created directly in another
 * namespace when netns_fd >= 0. The kind's one IFLA_INFO_DATA attribute comes from mode,
 * vlan_id or table; a kernel without the kind answers -EOPNOTSUPP.
 */
enum nl_sublink_kind {
	NL_SUBLINK_MACVLAN,      /* IFLA_MACVLAN_MODE (u32) = mode */
	NL_SUBLINK_IPVLAN,       /* IFLA_IPVLAN_MODE (u16) = mode */
	NL_SUBLINK_VLAN,         /* IFLA_VLAN_ID (u16) = vlan_id */
	NL_SUBLINK_DUMMY,        /* no data */
	NL_SUBLINK_VRF,          /* IFLA_VRF_TABLE (u32) = table */
};

struct nl_sublink_spec {
	enum nl_sublink_kind kind;
	const char *name;
	int link;                /* IFLA_LINK parent ifindex; required for macvlan/ipvlan/vlan */
	uint32_t mtu;            /* 0 = kernel default (the parent's) */
	const uint8_t *mac;      /* NULL = kernel's choice */
	int netns_fd;            /* IFLA_NET_NS_FD; -1 = the socket's namespace */
	uint32_t mode;
	uint16_t vlan_id;
	uint32_t table;
};

/* "macvlan", "ipvlan", "vlan", "dummy", "vrf". */
const char *nl_sublink_kind_name(enum nl_sublink_kind k);

int nl_sublink_create_msg(void *buf, const struct nl_sublink_spec *s);
int nl_sublink_create(struct nl_sock *sk, const struct nl_sublink_spec *s);

int nl_bridge_create_msg(void *buf, const struct nl_bridge_spec *s);
int nl_veth_create_msg(void *buf, const struct nl_veth_spec *s);
int nl_vxlan_create_msg(void *buf, const struct nl_vxlan_spec *s);
int nl_ifb_create_msg(void *buf, const char *name, uint32_t mtu);

int nl_bridge_create(struct nl_sock *sk, const struct nl_bridge_spec *s);
int nl_veth_create(struct nl_sock *sk, const struct nl_veth_spec *s);
int nl_vxlan_create(struct nl_sock *sk, const struct nl_vxlan_spec *s);
int nl_ifb_create(struct nl_sock *sk, const char *name, uint32_t mtu);

/* --- changes: one RTM_SETLINK carrying only what is marked in .set --- */

enum {
	NL_LINK_SET_UP       = 1 << 0,   /* .up */
	NL_LINK_SET_MTU      = 1 << 1,   /* .mtu */
	NL_LINK_SET_MAC      = 1 << 2,   /* .mac */
	NL_LINK_SET_MASTER   = 1 << 3,   /* .master, 0 = nomaster */
	NL_LINK_SET_PROMISC  = 1 << 4,   /* .promisc */
	NL_LINK_SET_ALLMULTI = 1 << 5,   /* .allmulti */
	NL_LINK_SET_TXQLEN   = 1 << 6,   /* .txqlen */
	NL_LINK_SET_NAME     = 1 << 7,   /* .name */
	NL_LINK_SET_NETNS_FD = 1 << 8,   /* .netns_fd: move the link there */
	NL_LINK_SET_ALIAS    = 1 << 9,   /* .alias, "" clears it */
};

struct nl_link_change {
	unsigned set;
	bool up;
	bool promisc;
	bool allmulti;
	uint32_t mtu;
	uint32_t txqlen;
	uint8_t mac[6];
	int master;
	const char *name;
	int netns_fd;
	const char *alias;
};

int nl_link_change_msg(void *buf, int ifindex, const struct nl_link_change *c);
int nl_link_change(struct nl_sock *sk, int ifindex, const struct nl_link_change *c);

int nl_link_set_up(struct nl_sock *sk, int ifindex, bool up);
int nl_link_set_mtu(struct nl_sock *sk, int ifindex, uint32_t mtu);
int nl_link_set_mac(struct nl_sock *sk, int ifindex, const uint8_t mac[6]);
/* Attach to a bridge; master 0 detaches (nomaster). */
int nl_link_set_master(struct nl_sock *sk, int ifindex, int master);
int nl_link_set_promisc(struct nl_sock *sk, int ifindex, bool on);
int nl_link_set_allmulti(struct nl_sock *sk, int ifindex, bool on);
int nl_link_set_txqlen(struct nl_sock *sk, int ifindex, uint32_t txqlen);
int nl_link_set_name(struct nl_sock *sk, int ifindex, const char *name);
/* Move a link into the namespace nsfd; new_name (optional) renames it on the way. */
int nl_link_set_netns(struct nl_sock *sk, int ifindex, int nsfd, const char *new_name);

/* Delete a link; a link that is already gone counts as deleted. */
int nl_link_del_msg(void *buf, int ifindex);
int nl_link_del(struct nl_sock *sk, int ifindex);
int nl_link_del_by_name(struct nl_sock *sk, const char *name);

/*
 * Poll until the link's oper state is UP (or UNKNOWN with IFF_RUNNING, as
 * for links without carrier reporting). -ETIMEDOUT after timeout_ms.
 */
int nl_link_wait_oper_up(struct nl_sock *sk, int ifindex, unsigned timeout_ms);

/* --- bridge ports (AF_BRIDGE) --- */

/* Tri-state: NL_UNCHANGED leaves the flag as it is. */
#define NL_UNCHANGED (-1)

struct nl_brport_opts {
	int hairpin;     /* IFLA_BRPORT_MODE */
	int isolated;    /* IFLA_BRPORT_ISOLATED */
	int learning;    /* IFLA_BRPORT_LEARNING */
};

int nl_brport_set_msg(void *buf, int ifindex, const struct nl_brport_opts *o);
int nl_brport_set(struct nl_sock *sk, int ifindex, const struct nl_brport_opts *o);

struct nl_bridge_vlan {
	uint16_t vid;
	uint16_t vid_end;  /* last vid of a range, 0 or == vid for one */
	bool pvid;
	bool untagged;
};

/*
 * Add or delete VLANs on a bridge port (or, with self, on the bridge device
 * itself). Ranges are sent as one BEGIN/END pair.
 */
int nl_bridge_vlan_msg(void *buf, bool add, int ifindex, bool self,
		       const struct nl_bridge_vlan *v, size_t n);
int nl_bridge_vlan_add(struct nl_sock *sk, int ifindex, bool self,
		       const struct nl_bridge_vlan *v, size_t n);
int nl_bridge_vlan_del(struct nl_sock *sk, int ifindex, bool self,
		       const struct nl_bridge_vlan *v, size_t n);
/* The VLANs on one port, one entry per VID (ranges expanded). */
int nl_bridge_vlan_list(struct nl_sock *sk, int ifindex, struct nl_bridge_vlan **ret,
			size_t *ret_n);

/* Parse "aa:bb:cc:dd:ee:ff"; format into 18 bytes. */
int nl_mac_parse(const char *s, uint8_t ret[6]);
const char *nl_mac_to_string(const uint8_t mac[6], char buf[static 18]);
/* A random unicast, locally administered MAC (as flannel and the kernel make them). */
int nl_mac_random(uint8_t ret[6]);
