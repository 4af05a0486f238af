// SPDX-License-Identifier: Apache-2.0
/*
 * fuzz-tc - the bandwidth plugin's netlink readers on arbitrary message bodies: filters
 * (u32 with nested actions down to mirred) and links read as IFBs with their alias. The
 * header is made self-consistent, as the receive loop guarantees; the first input byte
 * picks the parser.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <linux/rtnetlink.h>

#include "netlink/netlink.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	_Alignas(4) static uint8_t buf[65536];
	struct nlmsghdr *nlh = (struct nlmsghdr *)buf;
	struct nl_filter f;
	struct nl_ifb b;

	if (size < 1 || size - 1 > sizeof(buf) - sizeof(*nlh))
		return 0;
	memset(nlh, 0, sizeof(*nlh));
	nlh->nlmsg_type = data[0] & 1 ? RTM_NEWTFILTER : RTM_NEWLINK;
	nlh->nlmsg_len = (uint32_t)(sizeof(*nlh) + size - 1);
	memcpy(buf + sizeof(*nlh), data + 1, size - 1);
	if (nlh->nlmsg_type == RTM_NEWTFILTER) {
		if (nl_filter_parse(nlh, &f) == 0 && f.redirect_ifindex < 0)
			abort();
	} else if (nl_ifb_parse(nlh, &b) == 0) {
		if (memchr(b.name, 0, sizeof(b.name)) == NULL ||
		    memchr(b.alias, 0, sizeof(b.alias)) == NULL)
			abort();
	}
	return 0;
}
