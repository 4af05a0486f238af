// SPDX-License-Identifier: Apache-2.0
/*
 * fuzz-netlink - the rtnetlink parsers (links, addresses, routes with
 * multipath, neighbours, qdiscs, error/ext-ack) on arbitrary message bodies. The header is made
 * self-consistent, as the receive loop guarantees (mnl_nlmsg_ok), and the
 * type is taken from the first input byte so every parser is reached.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <linux/rtnetlink.h>

#include "netlink/netlink.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const uint16_t types[] = { RTM_NEWLINK, RTM_DELLINK, RTM_NEWADDR, RTM_DELADDR,
					  RTM_NEWROUTE, RTM_DELROUTE, RTM_NEWNEIGH, RTM_DELNEIGH,
					  RTM_NEWQDISC, NLMSG_ERROR };
	_Alignas(4) static uint8_t buf[65536];
	struct nlmsghdr *nlh = (struct nlmsghdr *)buf;
	struct nl_event ev[8];
	size_t n;

	if (size < 1 || size - 1 > sizeof(buf) - sizeof(*nlh))
		return 0;
	memset(nlh, 0, sizeof(*nlh));
	nlh->nlmsg_type = types[data[0] % (sizeof(types) / sizeof(types[0]))];
	nlh->nlmsg_len = (uint32_t)(sizeof(*nlh) + size - 1);
	memcpy(buf + sizeof(*nlh), data + 1, size - 1);
	struct nl_qdisc q;
	char msg[64];

	if (nlh->nlmsg_type == RTM_NEWQDISC)
		(void)nl_qdisc_parse(nlh, &q);
	else if (nlh->nlmsg_type == NLMSG_ERROR)
		(void)nl_msg_error(nlh, msg, sizeof(msg));
	else
		(void)nl_event_decode(nlh, ev, sizeof(ev) / sizeof(ev[0]), &n);
	return 0;
}
