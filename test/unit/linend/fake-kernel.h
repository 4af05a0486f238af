/* SPDX-License-Identifier: Apache-2.0 */
/*
 * fake-kernel.h - a scripted rtnetlink kernel behind an nl_sock, for the dataplane's unit
 * tests (in the manner of test/unit/netlink/test-nl-sock.c, one level up).
 *
 * Owns: the tables a dataplane programs (links, addresses, neighbours, FDB entries,
 * routes), kept as the kernel would for our requests, a log of every change in the order
 * it was made ("neigh+ 10.244.2.0 dev 7", "route- 10.244.2.0/24", ...), failures injected
 * by log-line prefix, and the answer to `ip route get` (which peers are on the link).
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>

#include "netlink/netlink.h"

#define FK_MAX 64
#define FK_LINE 96

struct fk_link {
	int ifindex;
	char name[NL_IFNAMSIZ];
	struct nl_vxlan vx;
	uint32_t mtu;
	uint8_t mac[6];
	bool up;
};

struct fk_reply;

struct fk {
	struct fk_link links[8];
	size_t n_links;
	int next_ifindex;
	struct nl_addr addrs[FK_MAX];
	size_t n_addrs;
	struct nl_neigh neighs[FK_MAX];
	size_t n_neighs;
	struct nl_neigh fdbs[FK_MAX];
	size_t n_fdbs;
	struct nl_route routes[FK_MAX];
	size_t n_routes;
	/* `ip route get` answers "directly on ext_ifindex" for these, else via a router */
	struct ip_addr on_link[8];
	size_t n_on_link;
	int ext_ifindex;
	/* every change that succeeded, in order */
	char log[256][FK_LINE];
	size_t n_log;
	/* a change whose log line starts with match fails with err, times times (-1: always) */
	struct {
		char match[FK_LINE];
		int err;
		int times;
	} fail[8];
	size_t n_fail;
	size_t n_failed; /* changes refused so far */
	struct fk_reply *head, *tail;
};

void fk_init(struct fk *f, int ext_ifindex);
void fk_done(struct fk *f);
/* A socket answered by f (owned by the caller, or handed to dp_test_next_sock). */
struct nl_sock *fk_sock(struct fk *f);
void fk_fail(struct fk *f, const char *match, int err, int times);
void fk_on_link(struct fk *f, const char *ip);
/* Index of the first log line starting with prefix, -1 when none. */
int fk_logged(const struct fk *f, const char *prefix);
/* How many log lines start with prefix. */
int fk_count(const struct fk *f, const char *prefix);
void fk_log_clear(struct fk *f);
/* Delete an entry behind the dataplane's back, as `ip` would (not logged). */
bool fk_del_neigh(struct fk *f, const char *ip);
bool fk_del_route(struct fk *f, const char *prefix);
bool fk_del_fdb(struct fk *f, const uint8_t mac[6]);
const struct fk_link *fk_link_by_name(const struct fk *f, const char *name);

/*
 * A node for backend tests: a fake kernel, a loop, a state directory of its own, and a
 * backend registered on it (ext: eth0, ifindex 2, MTU 1500, the given public addresses
 * also on the interface). net_changed calls are counted and the last one kept.
 */
#include "linend/backend.h"
#include "linend/lease.h"

struct fk_node {
	struct fk k;
	struct loop *loop;
	const struct backend_ops *ops;
	void *state;
	struct net_config cfg;
	struct backend_ext_iface ext;
	struct backend_env env;
	struct backend_network net;
	char dir[64];
	int n_changed;
	struct backend_network changed;
};

/* 0 or register_network's error; the node stays usable for fk_node_down either way. */
int fk_node_up(struct fk_node *n, const struct backend_ops *ops, const char *cfg_json,
	       const char *pub4, const char *pub6);
/* Same, into an existing state directory (a restart, or a directory two nodes share). */
int fk_node_up_in(struct fk_node *n, const struct backend_ops *ops, const char *cfg_json,
		  const char *pub4, const char *pub6, const char *dir);
void fk_node_down(struct fk_node *n);
/* Remove the node's state directory and what is in it. */
void fk_node_rmdir(const char *dir);
struct lease fk_lease(const char *key, const char *json);
