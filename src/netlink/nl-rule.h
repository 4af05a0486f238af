/* SPDX-License-Identifier: Apache-2.0 */
/*
 * nl-rule.h - policy routing rules (RTM_NEWRULE, RTM_DELRULE, RTM_GETRULE).
 *
 * Owns: struct nl_rule (the fields `ip rule` shows that plugins use: from, to, lookup
 * table, priority, protocol), its request builder and parser, add/delete and the dump.
 */
#pragma once

#include <stdbool.h>
#include <stdint.h>

#include "basic/ip.h"
#include "netlink/nl-sock.h"

struct nl_rule {
	int family;             /* AF_INET / AF_INET6; taken from src or dst when 0 */
	struct ip_prefix src;   /* family 0 = from all */
	struct ip_prefix dst;   /* family 0 = to all */
	uint32_t table;         /* FRA_TABLE (and rtm_table when < 256) */
	bool has_priority;      /* without it the kernel numbers the rule below the first */
	uint32_t priority;
	uint8_t protocol;       /* 0 = unspec, what `ip rule add` and the reference leave */
	uint8_t action;         /* 0 = FR_ACT_TO_TBL (RTN_UNICAST) */
};

/* type RTM_NEWRULE (nlflags NLM_F_CREATE|NLM_F_EXCL) or RTM_DELRULE (0). */
int nl_rule_msg(void *buf, uint16_t type, uint16_t nlflags, const struct nl_rule *r);
int nl_rule_parse(const struct nlmsghdr *nlh, struct nl_rule *ret);

/* -EEXIST when an identical rule exists. */
int nl_rule_add(struct nl_sock *sk, const struct nl_rule *r);
/* The first rule matching every given field; one that is not there counts as deleted. */
int nl_rule_del(struct nl_sock *sk, const struct nl_rule *r);
/* family AF_UNSPEC for both. */
int nl_rule_dump(struct nl_sock *sk, int family, struct nl_rule **ret, size_t *ret_n);
