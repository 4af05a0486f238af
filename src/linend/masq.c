// SPDX-License-Identifier: Apache-2.0
/*
 * masq.c - apply and re-assert linend's nftables tables (see masq.h).
 *
 * The nftables notification socket carries every ruleset change in the namespace, ours
 * included; it only arms a short debounce timer, and the check it leads to is one listing of
 * our table per family, so a busy ruleset costs a listing per burst, not per change.
 */
#include <errno.h>
#include <linux/netfilter/nfnetlink.h>
#include <linux/netlink.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <unistd.h>

#include "basic/log.h"
#include "basic/macro.h"
#include "fw/flannel.h"
#include "fw/fw-reference.h"
#include "linend/masq.h"

#define MASQ_DEBOUNCE_USEC 20000ULL
#define MASQ_RESYNC_DEFAULT_USEC 5000000ULL

struct masq {
	struct loop *loop;
	struct masq_options o;
	bool active;
	struct fw_flannel_rules rules[2]; /* [0] IPv4, [1] IPv6 (family 0: unused) */
	int nfd;
	struct loop_io *nio;
	struct loop_timer *t_check;
	uint64_t checks, repairs, errors;
	bool flanneld_done;
	uint64_t flanneld_removed;
};

/* Ours are in place: flanneld's go (best effort, once; see masq.h). */
static void take_over(struct masq *m)
{
	static const int families[] = { AF_INET, AF_INET6 };

	if (m->flanneld_done)
		return;
	m->flanneld_done = true;
	for (size_t i = 0; i < ELEMENTSOF(families); i++) {
		_cleanup_free_ char *err = NULL;
		unsigned n = 0;
		int r = fw_flanneld_remove(families[i], &n, &err);

		if (r < 0) {
			m->errors++;
			log_warning_errno(r, "failed to remove flanneld's %s rules: %s",
					  families[i] == AF_INET ? "ip" : "ip6", err ? err : "");
			continue;
		}
		if (n)
			log_info("removed flanneld's %s rules (%u chains/tables); ours are in place",
				 families[i] == AF_INET ? "ip" : "ip6", n);
		m->flanneld_removed += n;
	}
}

static int apply_one(struct masq *m, const struct fw_flannel_rules *r)
{
	_cleanup_free_ char *err = NULL;
	int ret = m->o.test_fail ? -EIO : fw_flannel_apply(r, &err);

	if (ret < 0) {
		m->errors++;
		log_warning_errno(ret, "failed to apply the %s masquerade/forward table: %s",
				  r->family == AF_INET ? "ip" : "ip6", err ? err : "");
	}
	return ret;
}

static void check_now(struct masq *m)
{
	bool all_ok = true;

	if (!m->active)
		return;
	m->checks++;
	for (size_t i = 0; i < ELEMENTSOF(m->rules); i++) {
		const struct fw_flannel_rules *r = &m->rules[i];
		int ret;

		if (!r->family)
			continue;
		ret = fw_flannel_check(r);
		if (ret == 0)
			continue;
		m->repairs++;
		log_info("the %s table %s is %s; restoring it", r->family == AF_INET ? "ip" : "ip6",
			 FW_FLANNEL_TABLE, ret == -ENOENT ? "missing" : "changed");
		if (apply_one(m, r) < 0)
			all_ok = false;
	}
	if (all_ok)
		take_over(m);
}

static void check_fired(struct loop_timer *t, void *userdata)
{
	struct masq *m = userdata;

	check_now(m);
	loop_timer_arm(m->t_check, m->o.resync_usec);
}

static void nf_event(struct loop_io *io, int fd, uint32_t revents, void *userdata)
{
	struct masq *m = userdata;
	char buf[16384];
	bool any = false;

	for (;;) {
		ssize_t n = recv(fd, buf, sizeof(buf), MSG_DONTWAIT);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && errno == ENOBUFS) {
			any = true; /* lost events: check anyway */
			continue;
		}
		if (n <= 0)
			break;
		any = true;
	}
	if (any && m->active)
		loop_timer_arm(m->t_check, MASQ_DEBOUNCE_USEC);
}

/* Subscribe to nftables ruleset changes; failure only costs reaction time. */
static void nf_subscribe(struct masq *m)
{
	struct sockaddr_nl sa = { .nl_family = AF_NETLINK };
	int group = NFNLGRP_NFTABLES;
	_cleanup_close_ int fd = -EBADF;

	fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC | SOCK_NONBLOCK, NETLINK_NETFILTER);
	if (fd < 0 || bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0 ||
	    setsockopt(fd, SOL_NETLINK, NETLINK_ADD_MEMBERSHIP, &group, sizeof(group)) < 0) {
		log_debug_errno(errno, "no nftables notifications; relying on the periodic check");
		return;
	}
	if (loop_io_add(m->loop, fd, EPOLLIN, nf_event, m, &m->nio) < 0)
		return;
	m->nfd = TAKE_FD(fd);
}

int masq_new(struct loop *l, const struct masq_options *o, struct masq **ret)
{
	_cleanup_(masq_freep) struct masq *m = NULL;
	int r;

	m = calloc(1, sizeof(*m));
	if (!m)
		return -ENOMEM;
	m->loop = l;
	m->o = *o;
	m->nfd = -EBADF;
	if (!m->o.resync_usec)
		m->o.resync_usec = MASQ_RESYNC_DEFAULT_USEC;
	r = loop_timer_new(l, check_fired, m, &m->t_check);
	if (r < 0)
		return r;
	if (!o->ip_masq && !o->forward) {
		/* flags off at start: no table of ours may stay behind from an earlier run */
		int families[] = { AF_INET, AF_INET6 };

		for (size_t i = 0; i < ELEMENTSOF(families); i++) {
			_cleanup_free_ char *err = NULL;

			r = fw_flannel_remove(families[i], &err);
			if (r < 0)
				log_warning_errno(r, "failed to remove an old %s table: %s",
						  FW_FLANNEL_TABLE, err ? err : "");
		}
	}
	*ret = TAKE_PTR(m);
	return 0;
}

struct masq *masq_free(struct masq *m)
{
	if (!m)
		return NULL;
	/* the rules stay in place, like the rest of the dataplane */
	loop_io_free(m->nio);
	if (m->nfd >= 0)
		close(m->nfd);
	loop_timer_free(m->t_check);
	free(m);
	return NULL;
}

int masq_set_lease(struct masq *m, const struct net_config *cfg, const struct lease *own)
{
	struct fw_flannel_rules r4 = {}, r6 = {};
	int r = 0;

	if (!m->o.ip_masq && !m->o.forward) {
		take_over(m); /* none of ours wanted: in place */
		return 0;
	}
	if (cfg->enable_ipv4 && own->subnet.addr.family == AF_INET)
		r4 = (struct fw_flannel_rules){ .family = AF_INET, .network = cfg->network,
						.subnet = own->subnet, .masquerade = m->o.ip_masq,
						.fully_random = m->o.fully_random,
						.forward = m->o.forward };
	if (cfg->enable_ipv6 && own->subnet6.addr.family == AF_INET6)
		r6 = (struct fw_flannel_rules){ .family = AF_INET6, .network = cfg->ipv6_network,
						.subnet = own->subnet6, .masquerade = m->o.ip_masq,
						.fully_random = m->o.fully_random,
						.forward = m->o.forward };
	m->rules[0] = r4;
	m->rules[1] = r6;
	for (size_t i = 0; i < ELEMENTSOF(m->rules); i++) {
		int k;

		if (!m->rules[i].family)
			continue;
		k = apply_one(m, &m->rules[i]);
		if (k < 0 && r == 0)
			r = k;
	}
	if (r == 0)
		take_over(m);
	if (!m->active) {
		m->active = true;
		nf_subscribe(m);
	}
	loop_timer_arm(m->t_check, m->o.resync_usec);
	return r;
}

void masq_stats(const struct masq *m, uint64_t *ret_checks, uint64_t *ret_repairs,
		uint64_t *ret_errors)
{
	*ret_checks = m->checks;
	*ret_repairs = m->repairs;
	*ret_errors = m->errors;
}

uint64_t masq_flanneld_removed(const struct masq *m)
{
	return m->flanneld_removed;
}
