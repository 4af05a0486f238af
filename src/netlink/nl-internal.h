/* SPDX-License-Identifier: Apache-2.0 */
/*
 * nl-internal.h - helpers shared by the nl_* implementation files only.
 *
 * Owns: attribute tables with length-checked getters (parsers also read
 * fuzzed and canned input, so no payload is trusted), IP address attributes,
 * and a growable array for dumps.
 */
#pragma once

#include <libmnl/libmnl.h>
#include <stdbool.h>
#include <stdint.h>
#include <string.h>
#include <sys/types.h>

#include "basic/ip.h"

/* Index the attributes after offset bytes of nlh's payload into tb[0..max]. */
int nl_attr_table(const struct nlmsghdr *nlh, size_t offset, const struct nlattr **tb,
		  unsigned max);
int nl_attr_table_nested(const struct nlattr *nest, const struct nlattr **tb, unsigned max);

static inline bool nl_attr_u8(const struct nlattr *a, uint8_t *v)
{
	if (!a || mnl_attr_get_payload_len(a) < 1)
		return false;
	*v = mnl_attr_get_u8(a);
	return true;
}

static inline bool nl_attr_u16(const struct nlattr *a, uint16_t *v)
{
	if (!a || mnl_attr_get_payload_len(a) < 2)
		return false;
	*v = mnl_attr_get_u16(a);
	return true;
}

static inline bool nl_attr_u32(const struct nlattr *a, uint32_t *v)
{
	if (!a || mnl_attr_get_payload_len(a) < 4)
		return false;
	*v = mnl_attr_get_u32(a);
	return true;
}

/* Copy a string attribute into dst (always terminated, truncated to size). */
bool nl_attr_str(const struct nlattr *a, char *dst, size_t size);
/* An address attribute of exactly the family's size. */
bool nl_attr_ip(const struct nlattr *a, int family, struct ip_addr *ret);

static inline void nl_put_ip(struct nlmsghdr *nlh, uint16_t type, const struct ip_addr *a)
{
	mnl_attr_put(nlh, type, ip_addr_size(a->family), a->bytes);
}

/* Append one item of size bytes to a malloc'ed array. */
int nl_vec_push(void *arr, size_t *n, size_t *cap, const void *item, size_t size);

/*
 * Test seam, in the manner of ell's unit tests: a socket whose datagrams go
 * to callbacks instead of the kernel, so the request/ack/dump machinery
 * (sequence matching, DUMP_INTR, ext-ack) is tested without privileges.
 * recv returns one datagram's length or -1 with errno set.
 */
#define NL_FAKE_PORTID 4242

struct nl_fake_ops {
	int (*send)(void *userdata, const struct nlmsghdr *nlh);
	ssize_t (*recv)(void *userdata, void *buf, size_t size);
};

struct nl_sock;
int nl_sock_open_fake(const struct nl_fake_ops *ops, void *userdata, struct nl_sock **ret);

/* A socket of another netlink family (NETLINK_NETFILTER for conntrack). */
int nl_sock_open_protocol(int protocol, struct nl_sock **ret);

/* Valid interface name for a request: 1..IFNAMSIZ-1 bytes. */
bool nl_ifname_valid(const char *name);
