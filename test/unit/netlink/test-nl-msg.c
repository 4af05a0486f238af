// SPDX-License-Identifier: Apache-2.0
/*
 * Netlink request builders compared byte for byte with messages built by
 * hand, without a socket: the small ones as literal bytes, the larger ones
 * with a deliberately naive encoder below that shares no code with libmnl
 * or the library. And the parsers fed canned kernel replies.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <net/if.h>
#include <arpa/inet.h>
#include <errno.h>
#include <linux/if.h>
#include <linux/if_bridge.h>
#include <linux/if_link.h>
#include <linux/if_ether.h>
#include <linux/neighbour.h>
#include <linux/netfilter/nfnetlink.h>
#include <linux/netfilter/nfnetlink_conntrack.h>
#include <linux/fib_rules.h>
#include <linux/pkt_cls.h>
#include <linux/pkt_sched.h>
#include <linux/rtnetlink.h>
#include <linux/tc_act/tc_mirred.h>
#include <linux/veth.h>
#include <string.h>

#include "netlink/netlink.h"

/* --- the hand encoder --- */

struct hb {
	_Alignas(4) uint8_t buf[NL_MSG_MAX];
	size_t len;
	size_t nest[8];
	int depth;
};

static void hb_pad(struct hb *h)
{
	while (h->len % 4)
		h->buf[h->len++] = 0;
}

static void hb_raw(struct hb *h, const void *p, size_t n)
{
	memcpy(h->buf + h->len, p, n);
	h->len += n;
	hb_pad(h);
}

static void hb_start(struct hb *h, uint16_t type, uint16_t flags)
{
	struct nlmsghdr n = { .nlmsg_type = type, .nlmsg_flags = flags };

	memset(h, 0, sizeof(*h));
	hb_raw(h, &n, sizeof(n));
}

static void hb_attr(struct hb *h, uint16_t type, const void *p, size_t n)
{
	struct nlattr a = { .nla_len = (uint16_t)(sizeof(a) + n), .nla_type = type };

	memcpy(h->buf + h->len, &a, sizeof(a));
	h->len += sizeof(a);
	if (n)
		hb_raw(h, p, n);
}

static void hb_u8(struct hb *h, uint16_t type, uint8_t v)
{
	hb_attr(h, type, &v, 1);
}

static void hb_u16(struct hb *h, uint16_t type, uint16_t v)
{
	hb_attr(h, type, &v, 2);
}

static void hb_u32(struct hb *h, uint16_t type, uint32_t v)
{
	hb_attr(h, type, &v, 4);
}

static void hb_str(struct hb *h, uint16_t type, const char *s)
{
	hb_attr(h, type, s, strlen(s) + 1);
}

static void hb_nest(struct hb *h, uint16_t type)
{
	struct nlattr a = { .nla_type = type | NLA_F_NESTED };

	h->nest[h->depth++] = h->len;
	memcpy(h->buf + h->len, &a, sizeof(a));
	h->len += sizeof(a);
}

static void hb_end(struct hb *h)
{
	size_t at = h->nest[--h->depth];
	uint16_t len = (uint16_t)(h->len - at);

	memcpy(h->buf + at, &len, sizeof(len));
}

static const struct nlmsghdr *hb_done(struct hb *h)
{
	uint32_t len = (uint32_t)h->len;

	assert_int_equal(h->depth, 0);
	memcpy(h->buf, &len, sizeof(len));
	return (const struct nlmsghdr *)h->buf;
}

static void assert_msg_equal(const void *got, struct hb *want)
{
	const struct nlmsghdr *g = got;

	hb_done(want);
	assert_int_equal(g->nlmsg_len, want->len);
	if (memcmp(got, want->buf, want->len) != 0) {
		for (size_t i = 0; i < want->len; i++)
			if (((const uint8_t *)got)[i] != want->buf[i])
				print_message("byte %zu: got 0x%02x want 0x%02x\n", i,
					      ((const uint8_t *)got)[i], want->buf[i]);
		fail_msg("message bytes differ");
	}
}

static const uint8_t MAC1[6] = { 0x02, 0x00, 0x00, 0x00, 0x00, 0x01 };
static const uint8_t MAC2[6] = { 0x0e, 0x11, 0x22, 0x33, 0x44, 0x55 };

#define LE16(x) (uint8_t)((x) & 0xff), (uint8_t)((x) >> 8)
#define LE32(x) LE16((x) & 0xffff), LE16(((uint32_t)(x)) >> 16)

/* --- builders --- */

static void test_link_del_literal(void **state)
{
	_Alignas(4) char buf[NL_MSG_MAX];
	/* nlmsghdr + ifinfomsg{family 0, type 0, index 7, flags 0, change 0} */
	static const uint8_t want[] = {
		LE32(32), LE16(RTM_DELLINK), LE16(NLM_F_REQUEST), LE32(0), LE32(0),
		0, 0, LE16(0), LE32(7), LE32(0), LE32(0),
	};

	assert_int_equal(nl_link_del_msg(buf, 7), 0);
	assert_memory_equal(buf, want, sizeof(want));
	assert_int_equal(nl_link_del_msg(buf, 0), -EINVAL);
}

static void test_ifb_literal(void **state)
{
	_Alignas(4) char buf[NL_MSG_MAX];
	static const uint8_t want[] = {
		LE32(64), LE16(RTM_NEWLINK),
		LE16(NLM_F_REQUEST | NLM_F_CREATE | NLM_F_EXCL), LE32(0), LE32(0),
		0, 0, LE16(0), LE32(0), LE32(0), LE32(0),
		/* IFLA_IFNAME "bwp1234" */
		LE16(12), LE16(IFLA_IFNAME), 'b', 'w', 'p', '1', '2', '3', '4', 0,
		/* IFLA_MTU 1400 */
		LE16(8), LE16(IFLA_MTU), LE32(1400),
		/* IFLA_LINKINFO { IFLA_INFO_KIND "ifb" } */
		LE16(12), LE16(IFLA_LINKINFO | NLA_F_NESTED),
		LE16(8), LE16(IFLA_INFO_KIND), 'i', 'f', 'b', 0,
	};

	assert_int_equal(nl_ifb_create_msg(buf, "bwp1234", 1400), 0);
	assert_int_equal(((struct nlmsghdr *)buf)->nlmsg_len, sizeof(want));
	assert_memory_equal(buf, want, sizeof(want));
	assert_int_equal(nl_ifb_create_msg(buf, "0123456789abcdef", 0), -EINVAL);
	assert_int_equal(nl_ifb_create_msg(buf, "", 0), -EINVAL);
}

static void put_ifinfo(struct hb *h, int family, int index, unsigned flags, unsigned change)
{
	struct ifinfomsg ifi = { .ifi_family = family, .ifi_index = index, .ifi_flags = flags,
				 .ifi_change = change };

	hb_raw(h, &ifi, sizeof(ifi));
}

static void test_veth_peer_netns(void **state)
{
	_Alignas(4) char buf[NL_MSG_MAX];
	struct hb h;
	struct nl_veth_spec s = {
		.name = "veth1a2b3c4d", .mtu = 1450, .mac = NULL,
		.peer_name = "eth0", .peer_mac = MAC1, .peer_netns_fd = 5,
	};

	assert_int_equal(nl_veth_create_msg(buf, &s), 0);
	hb_start(&h, RTM_NEWLINK, NLM_F_REQUEST | NLM_F_CREATE | NLM_F_EXCL);
	put_ifinfo(&h, AF_UNSPEC, 0, 0, 0);
	hb_str(&h, IFLA_IFNAME, "veth1a2b3c4d");
	hb_u32(&h, IFLA_MTU, 1450);
	hb_nest(&h, IFLA_LINKINFO);
	hb_str(&h, IFLA_INFO_KIND, "veth");
	hb_nest(&h, IFLA_INFO_DATA);
	hb_nest(&h, VETH_INFO_PEER);
	put_ifinfo(&h, AF_UNSPEC, 0, 0, 0);
	hb_str(&h, IFLA_IFNAME, "eth0");
	hb_u32(&h, IFLA_MTU, 1450);           /* the peer inherits the MTU */
	hb_attr(&h, IFLA_ADDRESS, MAC1, 6);
	hb_u32(&h, IFLA_NET_NS_FD, 5);
	hb_end(&h);
	hb_end(&h);
	hb_end(&h);
	assert_msg_equal(buf, &h);

	/* Same namespace, no MTU: no NET_NS_FD and no MTU anywhere. */
	s = (struct nl_veth_spec){ .name = "a", .peer_name = "b", .peer_netns_fd = -1,
				   .mac = MAC2 };
	assert_int_equal(nl_veth_create_msg(buf, &s), 0);
	hb_start(&h, RTM_NEWLINK, NLM_F_REQUEST | NLM_F_CREATE | NLM_F_EXCL);
	put_ifinfo(&h, AF_UNSPEC, 0, 0, 0);
	hb_str(&h, IFLA_IFNAME, "a");
	hb_attr(&h, IFLA_ADDRESS, MAC2, 6);
	hb_nest(&h, IFLA_LINKINFO);
	hb_str(&h, IFLA_INFO_KIND, "veth");
	hb_nest(&h, IFLA_INFO_DATA);
	hb_nest(&h, VETH_INFO_PEER);
	put_ifinfo(&h, AF_UNSPEC, 0, 0, 0);
	hb_str(&h, IFLA_IFNAME, "b");
	hb_end(&h);
	hb_end(&h);
	hb_end(&h);
	assert_msg_equal(buf, &h);

	s.peer_name = NULL;
	assert_int_equal(nl_veth_create_msg(buf, &s), -EINVAL);
}


/* ipvlan as the kernel's rtnl_newlink reads it, every byte laid out by hand. */
static void test_sublink_ipvlan_literal(void **state)
{
	_Alignas(4) char buf[NL_MSG_MAX];
	static const uint8_t want[] = {
		LE32(104), LE16(RTM_NEWLINK),
		LE16(NLM_F_REQUEST | NLM_F_CREATE | NLM_F_EXCL), LE32(0), LE32(0),
		0, 0, LE16(0), LE32(0), LE32(0), LE32(0),
		/* IFLA_IFNAME "veth0a1b2c3d" (13 bytes, padded to 16) */
		LE16(17), LE16(IFLA_IFNAME), 'v', 'e', 't', 'h', '0', 'a', '1', 'b', '2', 'c', '3',
		'd', 0, 0, 0, 0,
		/* IFLA_MTU 1400 */
		LE16(8), LE16(IFLA_MTU), LE32(1400),
		/* IFLA_LINK 3: the master */
		LE16(8), LE16(IFLA_LINK), LE32(3),
		/* IFLA_NET_NS_FD 9: created directly in the container */
		LE16(8), LE16(IFLA_NET_NS_FD), LE32(9),
		/* IFLA_LINKINFO { IFLA_INFO_KIND "ipvlan", IFLA_INFO_DATA { IFLA_IPVLAN_MODE l3 } } */
		LE16(28), LE16(IFLA_LINKINFO | NLA_F_NESTED),
		LE16(11), LE16(IFLA_INFO_KIND), 'i', 'p', 'v', 'l', 'a', 'n', 0, 0,
		LE16(12), LE16(IFLA_INFO_DATA | NLA_F_NESTED),
		LE16(6), LE16(IFLA_IPVLAN_MODE), LE16(IPVLAN_MODE_L3), 0, 0,
	};
	struct nl_sublink_spec s = {
		.kind = NL_SUBLINK_IPVLAN, .name = "veth0a1b2c3d", .link = 3, .mtu = 1400,
		.netns_fd = 9, .mode = IPVLAN_MODE_L3,
	};

	assert_int_equal(nl_sublink_create_msg(buf, &s), 0);
	assert_int_equal(((struct nlmsghdr *)buf)->nlmsg_len, sizeof(want));
	assert_memory_equal(buf, want, sizeof(want));
	/* ipvlan, macvlan and vlan live on a master */
	s.link = 0;
	assert_int_equal(nl_sublink_create_msg(buf, &s), -EINVAL);
	s.link = 3;
	s.name = "0123456789abcdef";
	assert_int_equal(nl_sublink_create_msg(buf, &s), -EINVAL);
}

static void sublink_head(struct hb *h, const char *name)
{
	hb_start(h, RTM_NEWLINK, NLM_F_REQUEST | NLM_F_CREATE | NLM_F_EXCL);
	put_ifinfo(h, AF_UNSPEC, 0, 0, 0);
	hb_str(h, IFLA_IFNAME, name);
}

static void test_sublink_kinds(void **state)
{
	_Alignas(4) char buf[NL_MSG_MAX];
	struct hb h;
	struct nl_sublink_spec s = {
		.kind = NL_SUBLINK_MACVLAN, .name = "veth1a2b3c4d", .link = 2, .mac = MAC1,
		.netns_fd = 7, .mode = MACVLAN_MODE_PASSTHRU,
	};

	/* macvlan with a MAC and no MTU: IFLA_MACVLAN_MODE is a u32 */
	assert_int_equal(nl_sublink_create_msg(buf, &s), 0);
	sublink_head(&h, "veth1a2b3c4d");
	hb_attr(&h, IFLA_ADDRESS, MAC1, 6);
	hb_u32(&h, IFLA_LINK, 2);
	hb_u32(&h, IFLA_NET_NS_FD, 7);
	hb_nest(&h, IFLA_LINKINFO);
	hb_str(&h, IFLA_INFO_KIND, "macvlan");
	hb_nest(&h, IFLA_INFO_DATA);
	hb_u32(&h, IFLA_MACVLAN_MODE, MACVLAN_MODE_PASSTHRU);
	hb_end(&h);
	hb_end(&h);
	assert_msg_equal(buf, &h);

	/* vlan 100 in the same namespace: no NET_NS_FD, IFLA_VLAN_ID a u16 */
	s = (struct nl_sublink_spec){ .kind = NL_SUBLINK_VLAN, .name = "v1", .link = 4,
				      .mtu = 1500, .netns_fd = -1, .vlan_id = 100 };
	assert_int_equal(nl_sublink_create_msg(buf, &s), 0);
	sublink_head(&h, "v1");
	hb_u32(&h, IFLA_MTU, 1500);
	hb_u32(&h, IFLA_LINK, 4);
	hb_nest(&h, IFLA_LINKINFO);
	hb_str(&h, IFLA_INFO_KIND, "vlan");
	hb_nest(&h, IFLA_INFO_DATA);
	hb_u16(&h, IFLA_VLAN_ID, 100);
	hb_end(&h);
	hb_end(&h);
	assert_msg_equal(buf, &h);
	s.vlan_id = 4095;
	assert_int_equal(nl_sublink_create_msg(buf, &s), -ERANGE);

	/* dummy: kind only, no parent, no data */
	s = (struct nl_sublink_spec){ .kind = NL_SUBLINK_DUMMY, .name = "eth0", .netns_fd = -1 };
	assert_int_equal(nl_sublink_create_msg(buf, &s), 0);
	sublink_head(&h, "eth0");
	hb_nest(&h, IFLA_LINKINFO);
	hb_str(&h, IFLA_INFO_KIND, "dummy");
	hb_end(&h);
	assert_msg_equal(buf, &h);
	s.link = 2; /* a dummy has no master */
	assert_int_equal(nl_sublink_create_msg(buf, &s), -EINVAL);

	/* vrf: IFLA_VRF_TABLE a u32 */
	s = (struct nl_sublink_spec){ .kind = NL_SUBLINK_VRF, .name = "blue", .netns_fd = -1,
				      .table = 100 };
	assert_int_equal(nl_sublink_create_msg(buf, &s), 0);
	sublink_head(&h, "blue");
	hb_nest(&h, IFLA_LINKINFO);
	hb_str(&h, IFLA_INFO_KIND, "vrf");
	hb_nest(&h, IFLA_INFO_DATA);
	hb_u32(&h, IFLA_VRF_TABLE, 100);
	hb_end(&h);
	hb_end(&h);
	assert_msg_equal(buf, &h);
	assert_string_equal(nl_sublink_kind_name(NL_SUBLINK_IPVLAN), "ipvlan");
}

/* What CHECK reads back: the kind's one data attribute. */
static void test_parse_sublinks(void **state)
{
	static const struct {
		const char *kind;
		uint16_t type;
		int size;
		uint32_t v;
	} cases[] = {
		{ "macvlan", IFLA_MACVLAN_MODE, 4, MACVLAN_MODE_VEPA },
		{ "ipvlan", IFLA_IPVLAN_MODE, 2, IPVLAN_MODE_L3S },
		{ "vlan", IFLA_VLAN_ID, 2, 42 },
		{ "vrf", IFLA_VRF_TABLE, 4, 1001 },
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct nl_link l;
		struct hb h;

		hb_start(&h, RTM_NEWLINK, 0);
		put_ifinfo(&h, AF_UNSPEC, 5, IFF_UP, 0);
		hb_str(&h, IFLA_IFNAME, "eth0");
		hb_nest(&h, IFLA_LINKINFO);
		hb_str(&h, IFLA_INFO_KIND, cases[i].kind);
		hb_nest(&h, IFLA_INFO_DATA);
		if (cases[i].size == 2)
			hb_u16(&h, cases[i].type, (uint16_t)cases[i].v);
		else
			hb_u32(&h, cases[i].type, cases[i].v);
		hb_end(&h);
		hb_end(&h);
		assert_int_equal(nl_link_parse(hb_done(&h), &l), 0);
		assert_string_equal(l.kind, cases[i].kind);
		switch (i) {
		case 0: assert_int_equal(l.macvlan_mode, cases[i].v); break;
		case 1: assert_int_equal(l.ipvlan_mode, cases[i].v); break;
		case 2: assert_int_equal(l.vlan_id, cases[i].v); break;
		case 3: assert_int_equal(l.vrf_table, cases[i].v); break;
		}
	}
}

static void test_vxlan_flannel(void **state)
{
	_Alignas(4) char buf[NL_MSG_MAX];
	struct nl_vxlan_spec s = { .name = "flannel.1", .mtu = 1450, .mac = MAC2 };
	uint8_t local[4] = { 192, 168, 1, 10 };
	struct hb h;

	s.vx.vni = 1;
	s.vx.link = 2;
	assert_int_equal(ip_addr_parse("192.168.1.10", &s.vx.local), 0);
	assert_int_equal(nl_vxlan_create_msg(buf, &s), 0);

	hb_start(&h, RTM_NEWLINK, NLM_F_REQUEST | NLM_F_CREATE | NLM_F_EXCL);
	put_ifinfo(&h, AF_UNSPEC, 0, 0, 0);
	hb_str(&h, IFLA_IFNAME, "flannel.1");
	hb_u32(&h, IFLA_MTU, 1450);
	hb_attr(&h, IFLA_ADDRESS, MAC2, 6);
	hb_nest(&h, IFLA_LINKINFO);
	hb_str(&h, IFLA_INFO_KIND, "vxlan");
	hb_nest(&h, IFLA_INFO_DATA);
	hb_u32(&h, IFLA_VXLAN_ID, 1);
	hb_u32(&h, IFLA_VXLAN_LINK, 2);
	hb_attr(&h, IFLA_VXLAN_LOCAL, local, 4);
	hb_u8(&h, IFLA_VXLAN_TTL, 0);
	hb_u8(&h, IFLA_VXLAN_TOS, 0);
	hb_u8(&h, IFLA_VXLAN_LEARNING, 0);
	hb_u8(&h, IFLA_VXLAN_PROXY, 0);
	hb_u8(&h, IFLA_VXLAN_RSC, 0);
	hb_u8(&h, IFLA_VXLAN_L2MISS, 0);
	hb_u8(&h, IFLA_VXLAN_L3MISS, 0);
	hb_u8(&h, IFLA_VXLAN_UDP_ZERO_CSUM6_TX, 0);
	hb_u8(&h, IFLA_VXLAN_UDP_ZERO_CSUM6_RX, 0);
	hb_end(&h);
	hb_end(&h);
	assert_msg_equal(buf, &h);

	/* IPv6 underlay, learning, GBP and an explicit port (network order). */
	s = (struct nl_vxlan_spec){ .name = "flannel-v6.4096" };
	s.vx.vni = 4096;
	s.vx.learning = true;
	s.vx.gbp = true;
	s.vx.port = 4789;
	assert_int_equal(ip_addr_parse("fd00::10", &s.vx.local), 0);
	assert_int_equal(nl_vxlan_create_msg(buf, &s), 0);
	hb_start(&h, RTM_NEWLINK, NLM_F_REQUEST | NLM_F_CREATE | NLM_F_EXCL);
	put_ifinfo(&h, AF_UNSPEC, 0, 0, 0);
	hb_str(&h, IFLA_IFNAME, "flannel-v6.4096");
	hb_nest(&h, IFLA_LINKINFO);
	hb_str(&h, IFLA_INFO_KIND, "vxlan");
	hb_nest(&h, IFLA_INFO_DATA);
	hb_u32(&h, IFLA_VXLAN_ID, 4096);
	hb_attr(&h, IFLA_VXLAN_LOCAL6, s.vx.local.bytes, 16);
	hb_u8(&h, IFLA_VXLAN_TTL, 0);
	hb_u8(&h, IFLA_VXLAN_TOS, 0);
	hb_u8(&h, IFLA_VXLAN_LEARNING, 1);
	hb_u8(&h, IFLA_VXLAN_PROXY, 0);
	hb_u8(&h, IFLA_VXLAN_RSC, 0);
	hb_u8(&h, IFLA_VXLAN_L2MISS, 0);
	hb_u8(&h, IFLA_VXLAN_L3MISS, 0);
	hb_u8(&h, IFLA_VXLAN_UDP_ZERO_CSUM6_TX, 0);
	hb_u8(&h, IFLA_VXLAN_UDP_ZERO_CSUM6_RX, 0);
	hb_attr(&h, IFLA_VXLAN_GBP, NULL, 0);
	hb_u16(&h, IFLA_VXLAN_PORT, htons(4789));
	hb_end(&h);
	hb_end(&h);
	assert_msg_equal(buf, &h);

	s.vx.vni = 1u << 24;
	assert_int_equal(nl_vxlan_create_msg(buf, &s), -EINVAL);

	/* the mirror plugin's tunnel: a unicast remote goes out as the group */
	s = (struct nl_vxlan_spec){ .name = "lmir-0123456789" };
	s.vx.vni = 4242;
	s.vx.port = 4789;
	assert_int_equal(ip_addr_parse("192.0.2.10", &s.vx.group), 0);
	assert_int_equal(nl_vxlan_create_msg(buf, &s), 0);
	hb_start(&h, RTM_NEWLINK, NLM_F_REQUEST | NLM_F_CREATE | NLM_F_EXCL);
	put_ifinfo(&h, AF_UNSPEC, 0, 0, 0);
	hb_str(&h, IFLA_IFNAME, "lmir-0123456789");
	hb_nest(&h, IFLA_LINKINFO);
	hb_str(&h, IFLA_INFO_KIND, "vxlan");
	hb_nest(&h, IFLA_INFO_DATA);
	hb_u32(&h, IFLA_VXLAN_ID, 4242);
	hb_attr(&h, IFLA_VXLAN_GROUP, (uint8_t[]){ 192, 0, 2, 10 }, 4);
	hb_u8(&h, IFLA_VXLAN_TTL, 0);
	hb_u8(&h, IFLA_VXLAN_TOS, 0);
	hb_u8(&h, IFLA_VXLAN_LEARNING, 0);
	hb_u8(&h, IFLA_VXLAN_PROXY, 0);
	hb_u8(&h, IFLA_VXLAN_RSC, 0);
	hb_u8(&h, IFLA_VXLAN_L2MISS, 0);
	hb_u8(&h, IFLA_VXLAN_L3MISS, 0);
	hb_u8(&h, IFLA_VXLAN_UDP_ZERO_CSUM6_TX, 0);
	hb_u8(&h, IFLA_VXLAN_UDP_ZERO_CSUM6_RX, 0);
	hb_u16(&h, IFLA_VXLAN_PORT, htons(4789));
	hb_end(&h);
	hb_end(&h);
	assert_msg_equal(buf, &h);
	s.vx.group.family = AF_PACKET;
	assert_int_equal(nl_vxlan_create_msg(buf, &s), -EAFNOSUPPORT);
}

static void test_bridge_and_changes(void **state)
{
	_Alignas(4) char buf[NL_MSG_MAX];
	struct nl_link_change c = {
		.set = NL_LINK_SET_UP | NL_LINK_SET_PROMISC | NL_LINK_SET_MTU | NL_LINK_SET_MASTER,
		.up = true, .promisc = false, .mtu = 9000, .master = 3,
	};
	struct hb h;

	assert_int_equal(nl_bridge_create_msg(buf, &(struct nl_bridge_spec){
		.name = "cni0", .mtu = 1500, .vlan_filtering = true }), 0);
	hb_start(&h, RTM_NEWLINK, NLM_F_REQUEST | NLM_F_CREATE | NLM_F_EXCL);
	put_ifinfo(&h, AF_UNSPEC, 0, 0, 0);
	hb_str(&h, IFLA_IFNAME, "cni0");
	hb_u32(&h, IFLA_MTU, 1500);
	hb_nest(&h, IFLA_LINKINFO);
	hb_str(&h, IFLA_INFO_KIND, "bridge");
	hb_nest(&h, IFLA_INFO_DATA);
	hb_u8(&h, IFLA_BR_VLAN_FILTERING, 1);
	hb_end(&h);
	hb_end(&h);
	assert_msg_equal(buf, &h);

	assert_int_equal(nl_link_change_msg(buf, 9, &c), 0);
	hb_start(&h, RTM_SETLINK, NLM_F_REQUEST);
	/* promisc off: in the change mask, not in the flags. */
	put_ifinfo(&h, AF_UNSPEC, 9, IFF_UP, IFF_UP | IFF_PROMISC);
	hb_u32(&h, IFLA_MTU, 9000);
	hb_u32(&h, IFLA_MASTER, 3);
	assert_msg_equal(buf, &h);

	/* nomaster and a move into a namespace with a new name */
	c = (struct nl_link_change){ .set = NL_LINK_SET_MASTER | NL_LINK_SET_NETNS_FD |
					    NL_LINK_SET_NAME,
				     .master = 0, .netns_fd = 4, .name = "eth1" };
	assert_int_equal(nl_link_change_msg(buf, 9, &c), 0);
	hb_start(&h, RTM_SETLINK, NLM_F_REQUEST);
	put_ifinfo(&h, AF_UNSPEC, 9, 0, 0);
	hb_str(&h, IFLA_IFNAME, "eth1");
	hb_u32(&h, IFLA_MASTER, 0);
	hb_u32(&h, IFLA_NET_NS_FD, 4);
	assert_msg_equal(buf, &h);

	/* an alias goes without its NUL (the kernel keeps exactly len bytes); "" clears it */
	c = (struct nl_link_change){ .set = NL_LINK_SET_ALIAS | NL_LINK_SET_UP, .alias = "eth7" };
	assert_int_equal(nl_link_change_msg(buf, 9, &c), 0);
	hb_start(&h, RTM_SETLINK, NLM_F_REQUEST);
	put_ifinfo(&h, AF_UNSPEC, 9, 0, IFF_UP);
	hb_attr(&h, IFLA_IFALIAS, "eth7", 4);
	assert_msg_equal(buf, &h);
	c.alias = "";
	assert_int_equal(nl_link_change_msg(buf, 9, &c), 0);
	hb_start(&h, RTM_SETLINK, NLM_F_REQUEST);
	put_ifinfo(&h, AF_UNSPEC, 9, 0, IFF_UP);
	hb_attr(&h, IFLA_IFALIAS, "", 0);
	assert_msg_equal(buf, &h);

	c.set = 0;
	assert_int_equal(nl_link_change_msg(buf, 9, &c), -EINVAL);
}

static void test_brport_and_vlan(void **state)
{
	_Alignas(4) char buf[NL_MSG_MAX];
	struct nl_bridge_vlan v[2] = {
		{ .vid = 10, .pvid = true, .untagged = true },
		{ .vid = 100, .vid_end = 199 },
	};
	struct bridge_vlan_info vi;
	struct hb h;

	assert_int_equal(nl_brport_set_msg(buf, 6, &(struct nl_brport_opts){
		.hairpin = 1, .isolated = 0, .learning = NL_UNCHANGED }), 0);
	hb_start(&h, RTM_SETLINK, NLM_F_REQUEST);
	put_ifinfo(&h, AF_BRIDGE, 6, 0, 0);
	hb_nest(&h, IFLA_PROTINFO);
	hb_u8(&h, IFLA_BRPORT_MODE, 1);
	hb_u8(&h, IFLA_BRPORT_ISOLATED, 0);
	hb_end(&h);
	assert_msg_equal(buf, &h);

	assert_int_equal(nl_bridge_vlan_msg(buf, true, 6, false, v, 2), 0);
	hb_start(&h, RTM_SETLINK, NLM_F_REQUEST);
	put_ifinfo(&h, AF_BRIDGE, 6, 0, 0);
	hb_nest(&h, IFLA_AF_SPEC);
	vi = (struct bridge_vlan_info){ BRIDGE_VLAN_INFO_PVID | BRIDGE_VLAN_INFO_UNTAGGED, 10 };
	hb_attr(&h, IFLA_BRIDGE_VLAN_INFO, &vi, sizeof(vi));
	vi = (struct bridge_vlan_info){ BRIDGE_VLAN_INFO_RANGE_BEGIN, 100 };
	hb_attr(&h, IFLA_BRIDGE_VLAN_INFO, &vi, sizeof(vi));
	vi = (struct bridge_vlan_info){ BRIDGE_VLAN_INFO_RANGE_END, 199 };
	hb_attr(&h, IFLA_BRIDGE_VLAN_INFO, &vi, sizeof(vi));
	hb_end(&h);
	assert_msg_equal(buf, &h);

	/* delete on the bridge itself */
	assert_int_equal(nl_bridge_vlan_msg(buf, false, 3, true, v, 1), 0);
	hb_start(&h, RTM_DELLINK, NLM_F_REQUEST);
	put_ifinfo(&h, AF_BRIDGE, 3, 0, 0);
	hb_nest(&h, IFLA_AF_SPEC);
	hb_u16(&h, IFLA_BRIDGE_FLAGS, BRIDGE_FLAGS_SELF);
	vi = (struct bridge_vlan_info){ BRIDGE_VLAN_INFO_PVID | BRIDGE_VLAN_INFO_UNTAGGED, 10 };
	hb_attr(&h, IFLA_BRIDGE_VLAN_INFO, &vi, sizeof(vi));
	hb_end(&h);
	assert_msg_equal(buf, &h);

	v[1].pvid = true; /* a PVID range makes no sense */
	assert_int_equal(nl_bridge_vlan_msg(buf, true, 6, false, v, 2), -EINVAL);
	v[0].vid = 4095;
	assert_int_equal(nl_bridge_vlan_msg(buf, true, 6, false, v, 1), -EINVAL);
	v[0].vid = 0;
	assert_int_equal(nl_bridge_vlan_msg(buf, true, 6, false, v, 1), -EINVAL);
}

/* Rules: the header carries family, lengths, table (< 256) and action; FRA_TABLE always. */
static void test_rule(void **state)
{
	_Alignas(4) char buf[NL_MSG_MAX];
	struct nl_rule r = { .table = 100 }, back;
	struct fib_rule_hdr frh;
	struct hb h;

	assert_int_equal(ip_prefix_parse("10.66.0.5/32", &r.src), 0);
	assert_int_equal(nl_rule_msg(buf, RTM_NEWRULE, NLM_F_CREATE | NLM_F_EXCL, &r), 0);
	hb_start(&h, RTM_NEWRULE, NLM_F_REQUEST | NLM_F_CREATE | NLM_F_EXCL);
	frh = (struct fib_rule_hdr){ .family = AF_INET, .src_len = 32, .table = 100,
				     .action = FR_ACT_TO_TBL };
	hb_raw(&h, &frh, sizeof(frh));
	hb_attr(&h, FRA_SRC, r.src.addr.bytes, 4);
	hb_u32(&h, FRA_TABLE, 100);
	assert_msg_equal(buf, &h);

	/* parse it back (the kernel's replies have the same layout) */
	((struct nlmsghdr *)buf)->nlmsg_type = RTM_NEWRULE;
	assert_int_equal(nl_rule_parse((struct nlmsghdr *)buf, &back), 0);
	assert_int_equal(back.family, AF_INET);
	assert_true(ip_prefix_equal(&back.src, &r.src));
	assert_int_equal(back.table, 100);
	assert_false(back.has_priority);

	/* IPv6, a table beyond 255 (header table 0), a priority, to a prefix; delete */
	r = (struct nl_rule){ .table = 1000, .has_priority = true, .priority = 32765,
			      .protocol = 4 };
	assert_int_equal(ip_prefix_parse("fd00::5/128", &r.src), 0);
	assert_int_equal(ip_prefix_parse("fd01::/64", &r.dst), 0);
	assert_int_equal(nl_rule_msg(buf, RTM_DELRULE, 0, &r), 0);
	hb_start(&h, RTM_DELRULE, NLM_F_REQUEST);
	frh = (struct fib_rule_hdr){ .family = AF_INET6, .src_len = 128, .dst_len = 64 };
	hb_raw(&h, &frh, sizeof(frh));
	hb_attr(&h, FRA_SRC, r.src.addr.bytes, 16);
	hb_attr(&h, FRA_DST, r.dst.addr.bytes, 16);
	hb_u32(&h, FRA_PRIORITY, 32765);
	hb_u32(&h, FRA_TABLE, 1000);
	hb_u8(&h, FRA_PROTOCOL, 4);
	assert_msg_equal(buf, &h);
	assert_int_equal(nl_rule_parse((struct nlmsghdr *)buf, &back), 0);
	assert_int_equal(back.table, 1000);
	assert_true(back.has_priority);
	assert_int_equal(back.priority, 32765);
	assert_int_equal(back.protocol, 4);
	assert_true(ip_prefix_equal(&back.dst, &r.dst));

	/* no family to take, or mixed families */
	r = (struct nl_rule){ .table = 100 };
	assert_int_equal(nl_rule_msg(buf, RTM_NEWRULE, 0, &r), -EAFNOSUPPORT);
	assert_int_equal(ip_prefix_parse("10.0.0.1/32", &r.src), 0);
	assert_int_equal(ip_prefix_parse("fd00::/64", &r.dst), 0);
	assert_int_equal(nl_rule_msg(buf, RTM_NEWRULE, 0, &r), -EINVAL);
}

static void test_addr(void **state)
{
	_Alignas(4) char buf[NL_MSG_MAX];
	struct nl_addr a = { .ifindex = 4, .flags = IFA_F_NODAD | IFA_F_NOPREFIXROUTE };
	struct ifaddrmsg ifa;
	struct ip_addr brd;
	struct hb h;

	assert_int_equal(ip_prefix_parse("fd00::5/64", &a.prefix), 0);
	assert_int_equal(nl_addr_msg(buf, RTM_NEWADDR, NLM_F_CREATE | NLM_F_REPLACE, &a), 0);
	hb_start(&h, RTM_NEWADDR, NLM_F_REQUEST | NLM_F_CREATE | NLM_F_REPLACE);
	ifa = (struct ifaddrmsg){ .ifa_family = AF_INET6, .ifa_prefixlen = 64,
				  .ifa_flags = IFA_F_NODAD, .ifa_index = 4 };
	hb_raw(&h, &ifa, sizeof(ifa));
	hb_attr(&h, IFA_LOCAL, a.prefix.addr.bytes, 16);
	hb_attr(&h, IFA_ADDRESS, a.prefix.addr.bytes, 16);
	hb_u32(&h, IFA_FLAGS, IFA_F_NODAD | IFA_F_NOPREFIXROUTE);
	assert_msg_equal(buf, &h);

	a = (struct nl_addr){ .ifindex = 4 };
	assert_int_equal(ip_prefix_parse("10.244.1.1/24", &a.prefix), 0);
	nl_addr_set_broadcast(&a);
	assert_int_equal(ip_addr_parse("10.244.1.255", &brd), 0);
	assert_true(ip_addr_equal(&a.broadcast, &brd));
	assert_int_equal(nl_addr_msg(buf, RTM_NEWADDR, NLM_F_CREATE | NLM_F_EXCL, &a), 0);
	hb_start(&h, RTM_NEWADDR, NLM_F_REQUEST | NLM_F_CREATE | NLM_F_EXCL);
	ifa = (struct ifaddrmsg){ .ifa_family = AF_INET, .ifa_prefixlen = 24, .ifa_index = 4 };
	hb_raw(&h, &ifa, sizeof(ifa));
	hb_attr(&h, IFA_LOCAL, a.prefix.addr.bytes, 4);
	hb_attr(&h, IFA_ADDRESS, a.prefix.addr.bytes, 4);
	hb_attr(&h, IFA_BROADCAST, brd.bytes, 4);
	assert_msg_equal(buf, &h);

	/* /32 (flannel's vxlan address) gets no broadcast */
	a = (struct nl_addr){ .ifindex = 4 };
	assert_int_equal(ip_prefix_parse("10.244.1.0/32", &a.prefix), 0);
	nl_addr_set_broadcast(&a);
	assert_int_equal(a.broadcast.family, 0);
	a.ifindex = 0;
	assert_int_equal(nl_addr_msg(buf, RTM_NEWADDR, 0, &a), -EINVAL);
}

static void test_route(void **state)
{
	_Alignas(4) char buf[NL_MSG_MAX];
	struct nl_route r = { .oif = 5, .flags = RTNH_F_ONLINK, .protocol = NL_RTPROT_LINEN };
	struct rtmsg rtm;
	struct hb h;

	/* ip route replace 10.244.2.0/24 via 10.244.2.0 dev flannel.1 onlink proto 76 */
	assert_int_equal(ip_prefix_parse("10.244.2.0/24", &r.dst), 0);
	assert_int_equal(ip_addr_parse("10.244.2.0", &r.gw), 0);
	assert_int_equal(nl_route_msg(buf, RTM_NEWROUTE, NLM_F_CREATE | NLM_F_REPLACE, &r), 0);
	hb_start(&h, RTM_NEWROUTE, NLM_F_REQUEST | NLM_F_CREATE | NLM_F_REPLACE);
	rtm = (struct rtmsg){ .rtm_family = AF_INET, .rtm_dst_len = 24, .rtm_table = RT_TABLE_MAIN,
			      .rtm_protocol = 76, .rtm_scope = RT_SCOPE_UNIVERSE,
			      .rtm_type = RTN_UNICAST, .rtm_flags = RTNH_F_ONLINK };
	hb_raw(&h, &rtm, sizeof(rtm));
	hb_u32(&h, RTA_TABLE, RT_TABLE_MAIN);
	hb_attr(&h, RTA_DST, r.dst.addr.bytes, 4);
	hb_attr(&h, RTA_GATEWAY, r.gw.bytes, 4);
	hb_u32(&h, RTA_OIF, 5);
	assert_msg_equal(buf, &h);

	/* Host bits in dst are masked; table >= 256 goes in RTA_TABLE only; metrics nest. */
	r = (struct nl_route){ .table = 1000, .priority = 10, .mtu = 1400, .advmss = 1360,
			       .scope = RT_SCOPE_LINK };
	assert_int_equal(ip_prefix_parse("fd00::1234/64", &r.dst), 0);
	assert_int_equal(ip_addr_parse("fd00::1", &r.prefsrc), 0);
	assert_int_equal(nl_route_msg(buf, RTM_NEWROUTE, NLM_F_CREATE | NLM_F_APPEND, &r), 0);
	hb_start(&h, RTM_NEWROUTE, NLM_F_REQUEST | NLM_F_CREATE | NLM_F_APPEND);
	rtm = (struct rtmsg){ .rtm_family = AF_INET6, .rtm_dst_len = 64,
			      .rtm_table = RT_TABLE_UNSPEC, .rtm_protocol = RTPROT_BOOT,
			      .rtm_scope = RT_SCOPE_LINK, .rtm_type = RTN_UNICAST };
	hb_raw(&h, &rtm, sizeof(rtm));
	hb_u32(&h, RTA_TABLE, 1000);
	{
		uint8_t net[16] = { 0xfd };

		hb_attr(&h, RTA_DST, net, 16);
	}
	hb_attr(&h, RTA_PREFSRC, r.prefsrc.bytes, 16);
	hb_u32(&h, RTA_PRIORITY, 10);
	hb_nest(&h, RTA_METRICS);
	hb_u32(&h, RTAX_MTU, 1400);
	hb_u32(&h, RTAX_ADVMSS, 1360);
	hb_end(&h);
	assert_msg_equal(buf, &h);

	/* Delete: scope NOWHERE and protocol/type 0 match any; default route has no RTA_DST. */
	r = (struct nl_route){ .family = AF_INET, .oif = 2 };
	assert_int_equal(nl_route_msg(buf, RTM_DELROUTE, 0, &r), 0);
	hb_start(&h, RTM_DELROUTE, NLM_F_REQUEST);
	rtm = (struct rtmsg){ .rtm_family = AF_INET, .rtm_table = RT_TABLE_MAIN,
			      .rtm_scope = RT_SCOPE_NOWHERE };
	hb_raw(&h, &rtm, sizeof(rtm));
	hb_u32(&h, RTA_TABLE, RT_TABLE_MAIN);
	hb_u32(&h, RTA_OIF, 2);
	assert_msg_equal(buf, &h);

	/* Mixed families are refused. */
	r = (struct nl_route){};
	assert_int_equal(ip_prefix_parse("10.0.0.0/8", &r.dst), 0);
	assert_int_equal(ip_addr_parse("fd00::1", &r.gw), 0);
	assert_int_equal(nl_route_msg(buf, RTM_NEWROUTE, 0, &r), -EINVAL);
	r = (struct nl_route){};
	assert_int_equal(nl_route_msg(buf, RTM_NEWROUTE, 0, &r), -EAFNOSUPPORT);
}

static void test_route_get_equal(void **state)
{
	_Alignas(4) char buf[NL_MSG_MAX];
	struct nl_route a = {}, b;
	struct ip_addr dst;
	struct rtmsg rtm;
	struct hb h;

	assert_int_equal(ip_addr_parse("192.168.1.11", &dst), 0);
	assert_int_equal(nl_route_get_msg(buf, &dst), 0);
	hb_start(&h, RTM_GETROUTE, NLM_F_REQUEST);
	rtm = (struct rtmsg){ .rtm_family = AF_INET, .rtm_dst_len = 32 };
	hb_raw(&h, &rtm, sizeof(rtm));
	hb_attr(&h, RTA_DST, dst.bytes, 4);
	assert_msg_equal(buf, &h);

	assert_int_equal(ip_prefix_parse("10.244.2.0/24", &a.dst), 0);
	assert_int_equal(ip_addr_parse("192.168.1.11", &a.gw), 0);
	a.oif = 2;
	b = a;
	b.table = RT_TABLE_MAIN;   /* 0 and main are the same table */
	b.type = RTN_UNICAST;
	b.protocol = 76;           /* protocol is not part of the comparison */
	assert_true(nl_route_equal(&a, &b));
	b.oif = 3;
	assert_false(nl_route_equal(&a, &b));
	b = a;
	b.gw = (struct ip_addr){};
	assert_false(nl_route_equal(&a, &b));
	b = a;
	b.dst.len = 16;
	assert_false(nl_route_equal(&a, &b));
}

static void test_neigh_fdb(void **state)
{
	_Alignas(4) char buf[NL_MSG_MAX];
	struct ip_addr ip;
	struct nl_neigh n;
	struct ndmsg ndm;
	struct hb h;

	/* ARP: 10.244.2.0 → vtep MAC on flannel.1, permanent */
	assert_int_equal(ip_addr_parse("10.244.2.0", &ip), 0);
	nl_neigh_init_permanent(&n, 7, &ip, MAC2);
	assert_int_equal(nl_neigh_msg(buf, RTM_NEWNEIGH, NLM_F_CREATE | NLM_F_REPLACE, &n), 0);
	hb_start(&h, RTM_NEWNEIGH, NLM_F_REQUEST | NLM_F_CREATE | NLM_F_REPLACE);
	ndm = (struct ndmsg){ .ndm_family = AF_INET, .ndm_ifindex = 7,
			      .ndm_state = NUD_PERMANENT };
	hb_raw(&h, &ndm, sizeof(ndm));
	hb_attr(&h, NDA_DST, ip.bytes, 4);
	hb_attr(&h, NDA_LLADDR, MAC2, 6);
	assert_msg_equal(buf, &h);

	/* FDB: bridge fdb replace <mac> dev flannel.1 dst 192.168.1.11 self permanent */
	assert_int_equal(ip_addr_parse("192.168.1.11", &ip), 0);
	nl_fdb_init_vxlan(&n, 7, MAC2, &ip);
	assert_int_equal(nl_neigh_msg(buf, RTM_NEWNEIGH, NLM_F_CREATE | NLM_F_REPLACE, &n), 0);
	hb_start(&h, RTM_NEWNEIGH, NLM_F_REQUEST | NLM_F_CREATE | NLM_F_REPLACE);
	ndm = (struct ndmsg){ .ndm_family = AF_BRIDGE, .ndm_ifindex = 7,
			      .ndm_state = NUD_PERMANENT, .ndm_flags = NTF_SELF };
	hb_raw(&h, &ndm, sizeof(ndm));
	hb_attr(&h, NDA_DST, ip.bytes, 4);
	hb_attr(&h, NDA_LLADDR, MAC2, 6);
	assert_msg_equal(buf, &h);

	/* An ARP entry without an address of its family is refused. */
	n = (struct nl_neigh){ .family = AF_INET, .ifindex = 7 };
	assert_int_equal(nl_neigh_msg(buf, RTM_NEWNEIGH, 0, &n), -EINVAL);
}

static void test_tc(void **state)
{
	_Alignas(4) char buf[NL_MSG_MAX];
	struct nl_tbf t = { .rate = 125000, .buffer = 1250000, .limit = 13125 };
	struct tc_tbf_qopt q = { .rate = { .linklayer = TC_LINKLAYER_ETHERNET, .rate = 125000 },
				 .limit = 13125, .buffer = 1250000 };
	struct tcmsg tcm;
	struct nl_qdisc qd;
	struct hb h;

	/* tc qdisc replace dev <5> root handle 1: tbf rate 1mbit burst 10000 latency 25ms */
	assert_int_equal(nl_qdisc_tbf_msg(buf, NLM_F_CREATE | NLM_F_REPLACE, 5, &t), 0);
	hb_start(&h, RTM_NEWQDISC, NLM_F_REQUEST | NLM_F_CREATE | NLM_F_REPLACE);
	tcm = (struct tcmsg){ .tcm_ifindex = 5, .tcm_handle = 0x10000, .tcm_parent = 0xffffffff };
	hb_raw(&h, &tcm, sizeof(tcm));
	hb_str(&h, TCA_KIND, "tbf");
	hb_nest(&h, TCA_OPTIONS);
	hb_attr(&h, TCA_TBF_PARMS, &q, sizeof(q));
	hb_end(&h);
	assert_msg_equal(buf, &h);

	/* the kernel's echo of it parses back to the same numbers */
	h.buf[4] = RTM_NEWQDISC;
	assert_int_equal(nl_qdisc_parse(hb_done(&h), &qd), 0);
	assert_string_equal(qd.kind, "tbf");
	assert_true(qd.has_tbf);
	assert_int_equal(qd.tbf.rate, 125000);
	assert_int_equal(qd.tbf.buffer, 1250000);
	assert_int_equal(qd.tbf.limit, 13125);
	assert_int_equal(qd.parent, NL_TC_H_ROOT);

	/* rates past 32 bits go in TCA_TBF_RATE64 */
	t.rate = 5000000000ull;
	assert_int_equal(nl_qdisc_tbf_msg(buf, NLM_F_CREATE, 5, &t), 0);
	hb_start(&h, RTM_NEWQDISC, NLM_F_REQUEST | NLM_F_CREATE);
	hb_raw(&h, &tcm, sizeof(tcm));
	hb_str(&h, TCA_KIND, "tbf");
	hb_nest(&h, TCA_OPTIONS);
	q.rate.rate = UINT32_MAX;
	hb_attr(&h, TCA_TBF_PARMS, &q, sizeof(q));
	{
		uint64_t r64 = 5000000000ull;

		hb_attr(&h, TCA_TBF_RATE64, &r64, 8);
	}
	hb_end(&h);
	assert_msg_equal(buf, &h);
	assert_int_equal(nl_qdisc_parse(hb_done(&h), &qd), 0);
	assert_int_equal(qd.tbf.rate, 5000000000ull);

	/* tc filter add dev <5> parent ffff: protocol all prio 1 u32 match u32 0 0
	 *    action mirred egress redirect dev <9> */
	assert_int_equal(nl_filter_redirect_msg(buf, 5, 0xffff0000, 1, 9), 0);
	hb_start(&h, RTM_NEWTFILTER, NLM_F_REQUEST | NLM_F_CREATE | NLM_F_EXCL);
	tcm = (struct tcmsg){ .tcm_ifindex = 5, .tcm_parent = 0xffff0000,
			      .tcm_info = (1u << 16) | htons(ETH_P_ALL) };
	hb_raw(&h, &tcm, sizeof(tcm));
	hb_str(&h, TCA_KIND, "u32");
	hb_nest(&h, TCA_OPTIONS);
	{
		uint8_t sel[sizeof(struct tc_u32_sel) + sizeof(struct tc_u32_key)] = {};
		struct tc_mirred m = { .action = TC_ACT_STOLEN, .eaction = TCA_EGRESS_REDIR,
				       .ifindex = 9 };

		((struct tc_u32_sel *)sel)->flags = TC_U32_TERMINAL;
		((struct tc_u32_sel *)sel)->nkeys = 1;
		hb_attr(&h, TCA_U32_SEL, sel, sizeof(sel));
		hb_nest(&h, TCA_U32_ACT);
		hb_nest(&h, 1);
		hb_str(&h, TCA_ACT_KIND, "mirred");
		hb_nest(&h, TCA_ACT_OPTIONS);
		hb_attr(&h, TCA_MIRRED_PARMS, &m, sizeof(m));
		hb_end(&h);
		hb_end(&h);
		hb_end(&h);
	}
	hb_end(&h);
	assert_msg_equal(buf, &h);

	assert_int_equal(nl_tc_usec_to_ticks(80000.0, 15.625), 1250000);
	assert_int_equal(nl_filter_redirect_msg(buf, 5, 0xffff0000, 0, 9), -EINVAL);
	t.rate = 0;
	assert_int_equal(nl_qdisc_tbf_msg(buf, 0, 5, &t), -EINVAL);
}

static void test_conntrack(void **state)
{
	_Alignas(4) char buf[NL_MSG_MAX];
	static const uint8_t want_dump[] = {
		LE32(20), LE16((NFNL_SUBSYS_CTNETLINK << 8) | IPCTNL_MSG_CT_GET),
		LE16(NLM_F_REQUEST | NLM_F_DUMP), LE32(0), LE32(0),
		AF_INET, NFNETLINK_V0, 0, 0,
	};
	struct nfgenmsg nfg = { .nfgen_family = AF_INET6, .version = NFNETLINK_V0 };
	_Alignas(4) uint8_t tuple[64];
	struct hb t, h;

	assert_int_equal(nl_conntrack_dump_msg(buf, AF_INET), 0);
	assert_memory_equal(buf, want_dump, sizeof(want_dump));
	assert_int_equal(nl_conntrack_dump_msg(buf, AF_BRIDGE), -EAFNOSUPPORT);

	/* the tuple as the kernel sent it: { PROTO { NUM 17, DST_PORT 5353 } } */
	hb_start(&t, 0, 0);
	t.len = 0;
	hb_nest(&t, CTA_TUPLE_ORIG);
	hb_nest(&t, CTA_TUPLE_PROTO);
	hb_u8(&t, CTA_PROTO_NUM, 17);
	hb_u16(&t, CTA_PROTO_DST_PORT, htons(5353));
	hb_end(&t);
	hb_end(&t);
	memcpy(tuple, t.buf, t.len);

	assert_int_equal(nl_conntrack_delete_msg(buf, AF_INET6, (const struct nlattr *)tuple, true,
						 htons(7)), 0);
	hb_start(&h, (NFNL_SUBSYS_CTNETLINK << 8) | IPCTNL_MSG_CT_DELETE, NLM_F_REQUEST);
	hb_raw(&h, &nfg, sizeof(nfg));
	hb_raw(&h, tuple, t.len);
	hb_u16(&h, CTA_ZONE, htons(7));
	assert_msg_equal(buf, &h);
	assert_int_equal(nl_conntrack_delete_msg(buf, AF_INET, NULL, false, 0), -EINVAL);
}

/* --- parsers on canned kernel replies --- */

static void test_parse_link_vxlan(void **state)
{
	uint8_t local[4] = { 192, 168, 1, 10 };
	struct nl_link l;
	struct hb h;

	hb_start(&h, RTM_NEWLINK, 0);
	put_ifinfo(&h, AF_UNSPEC, 12, IFF_UP | IFF_BROADCAST | IFF_RUNNING, 0);
	hb_str(&h, IFLA_IFNAME, "flannel.1");
	hb_u32(&h, IFLA_TXQLEN, 1000);
	hb_u8(&h, IFLA_OPERSTATE, IF_OPER_UNKNOWN);
	hb_u32(&h, IFLA_MTU, 1450);
	hb_attr(&h, IFLA_ADDRESS, MAC2, 6);
	hb_u32(&h, 0x7ff, 1); /* an attribute from the future is ignored */
	/* rtnl_link_stats64: rx_packets, tx_packets, ... (the mirror plugin's counter) */
	hb_attr(&h, IFLA_STATS64, (uint64_t[]){ 5, 77, 0, 0 }, 4 * sizeof(uint64_t));
	hb_nest(&h, IFLA_LINKINFO);
	hb_str(&h, IFLA_INFO_KIND, "vxlan");
	hb_nest(&h, IFLA_INFO_DATA);
	hb_u32(&h, IFLA_VXLAN_ID, 1);
	hb_u32(&h, IFLA_VXLAN_LINK, 2);
	hb_attr(&h, IFLA_VXLAN_LOCAL, local, 4);
	hb_u8(&h, IFLA_VXLAN_TTL, 0);
	hb_u8(&h, IFLA_VXLAN_LEARNING, 0);
	hb_u16(&h, IFLA_VXLAN_PORT, htons(8472));
	hb_attr(&h, IFLA_VXLAN_GBP, NULL, 0);
	hb_end(&h);
	hb_end(&h);
	assert_int_equal(nl_link_parse(hb_done(&h), &l), 0);
	assert_int_equal(l.ifindex, 12);
	assert_string_equal(l.name, "flannel.1");
	assert_string_equal(l.kind, "vxlan");
	assert_int_equal(l.mtu, 1450);
	assert_int_equal(l.txqlen, 1000);
	assert_true(l.has_mac);
	assert_memory_equal(l.mac, MAC2, 6);
	assert_int_equal(l.operstate, IF_OPER_UNKNOWN);
	assert_true(nl_link_is_up(&l));
	assert_int_equal(l.link_netnsid, -1);
	assert_int_equal(l.tx_packets, 77);
	assert_int_equal(l.vxlan.vni, 1);
	assert_int_equal(l.vxlan.link, 2);
	assert_int_equal(l.vxlan.local.family, AF_INET);
	assert_memory_equal(l.vxlan.local.bytes, local, 4);
	assert_int_equal(l.vxlan.port, 8472);
	assert_false(l.vxlan.learning);
	assert_true(l.vxlan.gbp);
	{
		struct nl_vxlan want = { .vni = 1, .link = 2, .gbp = true, .learning = true };

		want.local = l.vxlan.local;
		/* port 0 is the kernel default; learning is not part of the identity */
		assert_true(nl_vxlan_matches(&l.vxlan, &want));
		want.port = 4789;
		assert_false(nl_vxlan_matches(&l.vxlan, &want));
		want.port = 0;
		want.gbp = false;
		assert_false(nl_vxlan_matches(&l.vxlan, &want));
		want.gbp = true;
		want.local.family = 0;
		assert_false(nl_vxlan_matches(&l.vxlan, &want));
	}

	/* a veth whose peer lives in another namespace, enslaved to a bridge */
	hb_start(&h, RTM_NEWLINK, 0);
	put_ifinfo(&h, AF_UNSPEC, 13, 0, 0);
	hb_str(&h, IFLA_IFNAME, "veth0");
	hb_u32(&h, IFLA_MASTER, 3);
	hb_u32(&h, IFLA_LINK, 2);
	hb_u32(&h, IFLA_LINK_NETNSID, 1);
	hb_nest(&h, IFLA_LINKINFO);
	hb_str(&h, IFLA_INFO_KIND, "veth");
	hb_str(&h, IFLA_INFO_SLAVE_KIND, "bridge");
	hb_end(&h);
	assert_int_equal(nl_link_parse(hb_done(&h), &l), 0);
	assert_string_equal(l.kind, "veth");
	assert_string_equal(l.slave_kind, "bridge");
	assert_int_equal(l.master, 3);
	assert_int_equal(l.link, 2);
	assert_int_equal(l.link_netnsid, 1);
	assert_false(l.has_mac);

	/* no name: not a link we can use */
	hb_start(&h, RTM_NEWLINK, 0);
	put_ifinfo(&h, AF_UNSPEC, 13, 0, 0);
	assert_int_equal(nl_link_parse(hb_done(&h), &l), -EBADMSG);
	/* truncated header */
	hb_start(&h, RTM_NEWLINK, 0);
	assert_int_equal(nl_link_parse(hb_done(&h), &l), -EBADMSG);
}

static void put_rtnh(struct hb *h, int ifindex, const struct ip_addr *gw)
{
	struct rtnexthop nh = { .rtnh_len = sizeof(nh) + 4 + 16, .rtnh_ifindex = ifindex };
	struct nlattr a = { .nla_len = 4 + 16, .nla_type = RTA_GATEWAY };

	hb_raw(h, &nh, sizeof(nh));
	hb_raw(h, &a, sizeof(a));
	hb_raw(h, gw->bytes, 16);
}

static void test_parse_route_multipath(void **state)
{
	struct ip_addr dst, gw1, gw2;
	struct nl_route r[4];
	struct rtmsg rtm = { .rtm_family = AF_INET6, .rtm_dst_len = 64, .rtm_table = RT_TABLE_MAIN,
			     .rtm_protocol = NL_RTPROT_LINEN, .rtm_type = RTN_UNICAST };
	size_t n, start;
	struct hb h;

	assert_int_equal(ip_addr_parse("fd33::", &dst), 0);
	assert_int_equal(ip_addr_parse("fd32::7", &gw1), 0);
	assert_int_equal(ip_addr_parse("fd32::8", &gw2), 0);
	hb_start(&h, RTM_NEWROUTE, NLM_F_MULTI);
	hb_raw(&h, &rtm, sizeof(rtm));
	hb_u32(&h, RTA_TABLE, RT_TABLE_MAIN);
	hb_attr(&h, RTA_DST, dst.bytes, 16);
	hb_u32(&h, RTA_PRIORITY, 1024);
	start = h.len;
	hb_nest(&h, RTA_MULTIPATH);
	h.buf[start + 2] = RTA_MULTIPATH; /* plain, as the kernel sends it */
	h.buf[start + 3] = 0;
	put_rtnh(&h, 4, &gw1);
	put_rtnh(&h, 5, &gw2);
	hb_end(&h);
	assert_int_equal(nl_route_parse(hb_done(&h), r, 4, &n), 0);
	assert_int_equal(n, 2);
	for (size_t i = 0; i < 2; i++) {
		assert_int_equal(r[i].family, AF_INET6);
		assert_int_equal(r[i].dst.len, 64);
		assert_true(ip_addr_equal(&r[i].dst.addr, &dst));
		assert_int_equal(r[i].protocol, NL_RTPROT_LINEN);
		assert_int_equal(r[i].priority, 1024);
		assert_int_equal(r[i].table, RT_TABLE_MAIN);
	}
	assert_int_equal(r[0].oif, 4);
	assert_true(ip_addr_equal(&r[0].gw, &gw1));
	assert_int_equal(r[1].oif, 5);
	assert_true(ip_addr_equal(&r[1].gw, &gw2));
	assert_true(nl_route_match(&r[0], &(struct nl_route_filter){ .protocol = 76, .oif = 4 }));
	assert_false(nl_route_match(&r[1], &(struct nl_route_filter){ .oif = 4 }));
	assert_false(nl_route_match(&r[1], &(struct nl_route_filter){ .table = 100 }));
	/* room for one only */
	assert_int_equal(nl_route_parse(hb_done(&h), r, 1, &n), -ENOBUFS);
	/* a next hop claiming more bytes than there are */
	((struct rtnexthop *)(h.buf + start + 4))->rtnh_len = 200;
	assert_int_equal(nl_route_parse(hb_done(&h), r, 4, &n), -EBADMSG);
}

static void test_parse_addr_neigh(void **state)
{
	struct ifaddrmsg ifa = { .ifa_family = AF_INET, .ifa_prefixlen = 32, .ifa_index = 3,
				 .ifa_scope = RT_SCOPE_UNIVERSE };
	struct ndmsg ndm = { .ndm_family = AF_BRIDGE, .ndm_ifindex = 7,
			     .ndm_state = NUD_PERMANENT, .ndm_flags = NTF_SELF };
	struct ip_addr local, peer, remote;
	struct nl_event ev[2];
	struct nl_addr a;
	size_t n;
	struct hb h;

	/* point-to-point: IFA_LOCAL is ours, IFA_ADDRESS the peer; IFA_FLAGS wins */
	assert_int_equal(ip_addr_parse("10.1.1.1", &local), 0);
	assert_int_equal(ip_addr_parse("10.1.1.2", &peer), 0);
	hb_start(&h, RTM_NEWADDR, 0);
	hb_raw(&h, &ifa, sizeof(ifa));
	hb_attr(&h, IFA_ADDRESS, peer.bytes, 4);
	hb_attr(&h, IFA_LOCAL, local.bytes, 4);
	hb_str(&h, IFA_LABEL, "ptp0");
	hb_u32(&h, IFA_FLAGS, IFA_F_PERMANENT | IFA_F_NOPREFIXROUTE);
	assert_int_equal(nl_addr_parse(hb_done(&h), &a), 0);
	assert_true(ip_addr_equal(&a.prefix.addr, &local));
	assert_true(ip_addr_equal(&a.peer, &peer));
	assert_int_equal(a.prefix.len, 32);
	assert_int_equal(a.ifindex, 3);
	assert_int_equal(a.flags, IFA_F_PERMANENT | IFA_F_NOPREFIXROUTE);
	assert_string_equal(a.label, "ptp0");

	/* a DELADDR event through the generic decoder */
	h.buf[4] = RTM_DELADDR;
	assert_int_equal(nl_event_decode(hb_done(&h), ev, 2, &n), 0);
	assert_int_equal(n, 1);
	assert_int_equal(ev[0].kind, NL_EVENT_ADDR);
	assert_true(ev[0].deleted);

	/* a prefix longer than the family allows */
	((struct ifaddrmsg *)(h.buf + sizeof(struct nlmsghdr)))->ifa_prefixlen = 33;
	assert_int_equal(nl_addr_parse(hb_done(&h), &a), -EBADMSG);

	/* FDB entry with a remote VTEP */
	assert_int_equal(ip_addr_parse("192.168.1.11", &remote), 0);
	hb_start(&h, RTM_NEWNEIGH, 0);
	hb_raw(&h, &ndm, sizeof(ndm));
	hb_attr(&h, NDA_LLADDR, MAC2, 6);
	hb_attr(&h, NDA_DST, remote.bytes, 4);
	hb_u32(&h, NDA_MASTER, 0);
	assert_int_equal(nl_event_decode(hb_done(&h), ev, 2, &n), 0);
	assert_int_equal(ev[0].kind, NL_EVENT_NEIGH);
	assert_false(ev[0].deleted);
	assert_int_equal(ev[0].neigh.family, AF_BRIDGE);
	assert_int_equal(ev[0].neigh.ifindex, 7);
	assert_true(ip_addr_equal(&ev[0].neigh.dst, &remote));
	assert_true(ev[0].neigh.has_lladdr);
	assert_memory_equal(ev[0].neigh.lladdr, MAC2, 6);
	assert_int_equal(ev[0].neigh.state, NUD_PERMANENT);
	assert_int_equal(ev[0].neigh.flags, NTF_SELF);

	/* types we do not decode */
	hb_start(&h, RTM_NEWQDISC, 0);
	assert_int_equal(nl_event_decode(hb_done(&h), ev, 2, &n), -EOPNOTSUPP);
}

static void test_error_ext_ack(void **state)
{
	struct nlmsghdr req = { .nlmsg_len = 64, .nlmsg_type = RTM_NEWADDR, .nlmsg_seq = 9 };
	struct nlmsgerr err = { .error = -EEXIST, .msg = req };
	char msg[64];
	struct hb h;

	/* capped (NETLINK_CAP_ACK): nlmsgerr, then the TLVs */
	hb_start(&h, NLMSG_ERROR, NLM_F_CAPPED | NLM_F_ACK_TLVS);
	hb_raw(&h, &err, sizeof(err));
	hb_str(&h, NLMSGERR_ATTR_MSG, "ipv4: Address already assigned");
	hb_u32(&h, NLMSGERR_ATTR_OFFS, 20);
	assert_int_equal(nl_msg_error(hb_done(&h), msg, sizeof(msg)), -EEXIST);
	assert_string_equal(msg, "ipv4: Address already assigned");

	/* uncapped: the whole 64-byte request is echoed before the TLVs */
	hb_start(&h, NLMSG_ERROR, NLM_F_ACK_TLVS);
	hb_raw(&h, &err, sizeof(err));
	{
		uint8_t body[64 - sizeof(struct nlmsghdr)];

		memset(body, 0xaa, sizeof(body));
		hb_raw(&h, body, sizeof(body));
	}
	hb_str(&h, NLMSGERR_ATTR_MSG, "Nexthop device is not up");
	assert_int_equal(nl_msg_error(hb_done(&h), msg, sizeof(msg)), -EEXIST);
	assert_string_equal(msg, "Nexthop device is not up");

	/* truncated into a small buffer */
	assert_int_equal(nl_msg_error(hb_done(&h), msg, 8), -EEXIST);
	assert_string_equal(msg, "Nexthop");

	/* no TLVs flag: no text */
	hb_start(&h, NLMSG_ERROR, NLM_F_CAPPED);
	hb_raw(&h, &err, sizeof(err));
	hb_str(&h, NLMSGERR_ATTR_MSG, "ignored");
	assert_int_equal(nl_msg_error(hb_done(&h), msg, sizeof(msg)), -EEXIST);
	assert_string_equal(msg, "");

	/* an ACK */
	err.error = 0;
	hb_start(&h, NLMSG_ERROR, NLM_F_CAPPED);
	hb_raw(&h, &err, sizeof(err));
	assert_int_equal(nl_msg_error(hb_done(&h), msg, sizeof(msg)), 0);

	/* a positive "error" never reads as success */
	err.error = 5;
	hb_start(&h, NLMSG_ERROR, NLM_F_CAPPED);
	hb_raw(&h, &err, sizeof(err));
	assert_int_equal(nl_msg_error(hb_done(&h), msg, sizeof(msg)), -EPROTO);

	/* too short */
	hb_start(&h, NLMSG_ERROR, 0);
	assert_int_equal(nl_msg_error(hb_done(&h), msg, sizeof(msg)), -EBADMSG);
}

static void test_mac(void **state)
{
	uint8_t m[6];
	char buf[18];

	assert_int_equal(nl_mac_parse("0E:11:22:33:44:55", m), 0);
	assert_memory_equal(m, MAC2, 6);
	assert_string_equal(nl_mac_to_string(m, buf), "0e:11:22:33:44:55");
	assert_int_equal(nl_mac_parse("0e:11:22:33:44", m), -EINVAL);
	assert_int_equal(nl_mac_parse("0e-11-22-33-44-55", m), -EINVAL);
	assert_int_equal(nl_mac_parse("0e:11:22:33:44:5g", m), -EINVAL);
	assert_int_equal(nl_mac_parse(" e:11:22:33:44:55", m), -EINVAL);
	for (int i = 0; i < 64; i++) {
		assert_int_equal(nl_mac_random(m), 0);
		assert_int_equal(m[0] & 0x03, 0x02); /* unicast, locally administered */
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_link_del_literal),
		cmocka_unit_test(test_ifb_literal),
		cmocka_unit_test(test_veth_peer_netns),
		cmocka_unit_test(test_sublink_ipvlan_literal),
		cmocka_unit_test(test_sublink_kinds),
		cmocka_unit_test(test_parse_sublinks),
		cmocka_unit_test(test_vxlan_flannel),
		cmocka_unit_test(test_bridge_and_changes),
		cmocka_unit_test(test_brport_and_vlan),
		cmocka_unit_test(test_rule),
		cmocka_unit_test(test_addr),
		cmocka_unit_test(test_route),
		cmocka_unit_test(test_route_get_equal),
		cmocka_unit_test(test_neigh_fdb),
		cmocka_unit_test(test_tc),
		cmocka_unit_test(test_conntrack),
		cmocka_unit_test(test_parse_link_vxlan),
		cmocka_unit_test(test_parse_route_multipath),
		cmocka_unit_test(test_parse_addr_neigh),
		cmocka_unit_test(test_error_ext_ack),
		cmocka_unit_test(test_mac),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
