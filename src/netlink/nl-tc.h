/* SPDX-License-Identifier: Apache-2.0 */
/*
 * nl-tc.h - the traffic-control pieces the bandwidth plugin needs.
 *
 * Owns: a root TBF qdisc (rate limiting), the ingress qdisc, a match-all
 * u32 filter whose action redirects to another device (mirred egress
 * redirect, to send ingress traffic through an IFB), deleting qdiscs, and
 * dumping qdiscs with their TBF parameters for CHECK. Also the psched tick
 * conversion TBF's buffer is expressed in (/proc/net/psched), reading the
 * redirect filters back (CHECK), and the IFB side: tagging an IFB with a link
 * alias and listing IFBs with their alias, so GC can tell its own IFBs (named
 * by a hash) from everybody else's.
 */
#pragma once

#include <stdbool.h>
#include <stdint.h>

#include "netlink/nl-sock.h"

#define NL_TC_H_ROOT 0xffffffffu
#define NL_TC_H_INGRESS 0xfffffff1u
#define NL_TC_HANDLE(maj, min) (((uint32_t)(maj) << 16) | ((uint32_t)(min) & 0xffff))

struct nl_tbf {
	uint64_t rate;     /* bytes per second */
	uint32_t buffer;   /* psched ticks (see nl_tc_usec_to_ticks) */
	uint32_t limit;    /* bytes queued at most */
};

struct nl_qdisc {
	int ifindex;
	uint32_t handle;
	uint32_t parent;
	char kind[16];
	bool has_tbf;      /* kind "tbf" with its parameters read */
	struct nl_tbf tbf;
};

/* Microseconds per psched tick, from /proc/net/psched (15.625 on most kernels). */
int nl_tc_tick_in_usec(double *ret);
/* usec → ticks with the given factor (what TBF's buffer field wants). */
uint32_t nl_tc_usec_to_ticks(double usec, double tick_in_usec);

/* Root TBF qdisc with handle 1:, created or replaced. */
int nl_qdisc_tbf_msg(void *buf, uint16_t nlflags, int ifindex, const struct nl_tbf *t);
int nl_qdisc_tbf_replace(struct nl_sock *sk, int ifindex, const struct nl_tbf *t);

/* The ingress qdisc (handle ffff:). -EEXIST when present. */
int nl_qdisc_ingress_msg(void *buf, int ifindex);
int nl_qdisc_ingress_add(struct nl_sock *sk, int ifindex);

/* Delete the qdisc at parent (NL_TC_H_ROOT or NL_TC_H_INGRESS); none there counts as done. */
int nl_qdisc_del_msg(void *buf, int ifindex, uint32_t parent);
int nl_qdisc_del(struct nl_sock *sk, int ifindex, uint32_t parent);

/* Every qdisc on ifindex (0 = every link); *ret is malloc'ed. */
int nl_qdisc_dump(struct nl_sock *sk, int ifindex, struct nl_qdisc **ret, size_t *ret_n);
int nl_qdisc_parse(const struct nlmsghdr *nlh, struct nl_qdisc *ret);

/*
 * `tc filter add dev <ifindex> parent <parent> protocol all prio <prio> u32
 *  match u32 0 0 action mirred egress redirect dev <target>`.
 */
int nl_filter_redirect_msg(void *buf, int ifindex, uint32_t parent, uint16_t prio,
			   int target_ifindex);
int nl_filter_redirect_add(struct nl_sock *sk, int ifindex, uint32_t parent, uint16_t prio,
			   int target_ifindex);
/*
 * The same filter in the shape the reference bandwidth plugin installs it (its netlink
 * library adds a redirect for RedirIndex before the explicit action): also classid 1:1, and
 * a second mirred redirect with action "pass" after the first ("stolen"), which never runs.
 * What `tc filter show` prints is then the same for both plugins.
 */
int nl_filter_redirect_compat_msg(void *buf, int ifindex, uint32_t parent, uint16_t prio,
				  int target_ifindex);
int nl_filter_redirect_compat_add(struct nl_sock *sk, int ifindex, uint32_t parent,
				  uint16_t prio, int target_ifindex);

/* A filter as dumped: u32 with a mirred redirect action reads back its target. */
#define NL_TC_COOKIE_MAX 16

struct nl_filter {
	int ifindex;
	uint32_t parent;
	uint16_t prio;
	uint16_t protocol;      /* network order, as in tcm_info */
	uint32_t handle;
	char kind[16];
	int redirect_ifindex;   /* mirred egress redirect target, 0 = none */
	/* u32 with a mirred egress mirror action (the mirror plugin's filters) */
	int mirror_ifindex;     /* mirror target, 0 = none */
	uint8_t cookie[NL_TC_COOKIE_MAX];   /* that action's cookie */
	size_t cookie_len;
	uint64_t packets;       /* packets the mirror action has seen (its TCA_ACT_STATS) */
};

int nl_filter_parse(const struct nlmsghdr *nlh, struct nl_filter *ret);
/* Every filter under parent on ifindex; *ret is malloc'ed. */
int nl_filter_dump_msg(void *buf, int ifindex, uint32_t parent);
int nl_filter_dump(struct nl_sock *sk, int ifindex, uint32_t parent, struct nl_filter **ret,
		   size_t *ret_n);

/*
 * The mirror plugin's side. A clsact qdisc (handle ffff:, parent ffff:fff1) gives a device
 * both hooks: filters under NL_TC_H_CLSACT_INGRESS see what the device receives, under
 * NL_TC_H_CLSACT_EGRESS what it sends. -EEXIST when a clsact or ingress qdisc is there.
 */
#define NL_TC_H_CLSACT_INGRESS 0xfffffff2u
#define NL_TC_H_CLSACT_EGRESS 0xfffffff3u

int nl_qdisc_clsact_msg(void *buf, int ifindex);
int nl_qdisc_clsact_add(struct nl_sock *sk, int ifindex);

/*
 * `tc filter add dev <ifindex> parent <parent> protocol all prio <prio> u32 match u32 0 0
 *  action mirred egress mirror dev <target> pipe cookie <cookie>`: a copy of every packet
 * goes to target and the original carries on (pipe), to later filters too. cookie_len is
 * 1..NL_TC_COOKIE_MAX.
 */
int nl_filter_mirror_msg(void *buf, int ifindex, uint32_t parent, uint16_t prio,
			 int target_ifindex, const uint8_t *cookie, size_t cookie_len);
int nl_filter_mirror_add(struct nl_sock *sk, int ifindex, uint32_t parent, uint16_t prio,
			 int target_ifindex, const uint8_t *cookie, size_t cookie_len);

/*
 * Delete the filter of protocol all at prio under parent with handle (as dumped, e.g. u32's
 * 800::800), or every filter at that prio when handle is 0; none there counts as done.
 */
int nl_filter_del_msg(void *buf, int ifindex, uint32_t parent, uint16_t prio, uint32_t handle);
int nl_filter_del(struct nl_sock *sk, int ifindex, uint32_t parent, uint16_t prio,
		  uint32_t handle);

/* IFLA_IFALIAS is at most this long (IFALIASZ - 1). */
#define NL_IFALIAS_MAX 256

/* Set a link's alias (IFLA_IFALIAS); "" clears it. -EINVAL when too long. */
int nl_link_set_alias_msg(void *buf, int ifindex, const char *alias);
int nl_link_set_alias(struct nl_sock *sk, int ifindex, const char *alias);

struct nl_ifb {
	int ifindex;
	char name[16];
	char alias[NL_IFALIAS_MAX];  /* "" when none */
	uint8_t mac[6];
	bool has_mac;
};

/* Parse an RTM_NEWLINK; -ENOENT when the link is not of kind "ifb". */
int nl_ifb_parse(const struct nlmsghdr *nlh, struct nl_ifb *ret);
/* Every IFB link in the socket's namespace; *ret is malloc'ed. */
int nl_ifb_list(struct nl_sock *sk, struct nl_ifb **ret, size_t *ret_n);
