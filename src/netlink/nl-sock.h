/* SPDX-License-Identifier: Apache-2.0 */
/*
 * nl-sock.h - one rtnetlink socket, synchronous request/ack and dumps.
 *
 * Owns: struct nl_sock (a libmnl socket bound in the namespace it was opened
 * in, with its own sequence numbers), sending a request and waiting for its
 * ACK, running a dump to its end (and again when the kernel flags it
 * interrupted, so no caller retries), and capturing the kernel's extended-ack
 * text of the last failure. Callers keep one socket per network namespace:
 * a socket stays tied to the namespace it was created in even after the
 * thread moves elsewhere, which is what lets a plugin program the host and
 * the container side from one process.
 *
 * Every function returns 0 or a negative errno and logs at most at debug.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <linux/netlink.h>

#include "basic/macro.h"

/* Room for any request we build and for one recv() of replies. */
#define NL_MSG_MAX 8192
#define NL_RECV_MAX 32768
#define NL_ERRMSG_MAX 256

/* How often a dump interrupted by a concurrent change (NLM_F_DUMP_INTR) is redone. */
#define NL_DUMP_RETRIES 5

struct nl_sock;

/* Open a NETLINK_ROUTE socket in the current network namespace. */
int nl_sock_open(struct nl_sock **ret);
/* Open a socket inside the namespace nsfd refers to; the caller's namespace is unchanged. */
int nl_sock_open_netns(int nsfd, struct nl_sock **ret);
/* Same, by namespace path (/var/run/netns/x, /proc/<pid>/ns/net). */
int nl_sock_open_netns_path(const char *path, struct nl_sock **ret);
struct nl_sock *nl_sock_free(struct nl_sock *sk);
DEFINE_TRIVIAL_CLEANUP_FUNC(struct nl_sock *, nl_sock_free);

/*
 * The kernel's extended-ack text of the last failed request on this socket
 * ("" when the kernel gave none or the last request succeeded). Valid until
 * the next request.
 */
const char *nl_sock_errmsg(const struct nl_sock *sk);
/* Also copy that text into a caller buffer after each failure (NULL to stop). */
void nl_sock_set_errbuf(struct nl_sock *sk, char *buf, size_t size);

/*
 * Send the request in nlh (NLM_F_REQUEST|NLM_F_ACK are added, the sequence
 * number is assigned) and wait for its ACK. Returns the kernel's -errno.
 */
int nl_sock_request(struct nl_sock *sk, struct nlmsghdr *nlh);

/* Called once per reply message of a dump or get; a negative return stops it. */
typedef int (*nl_msg_cb)(const struct nlmsghdr *nlh, void *userdata);

/*
 * Send a request with NLM_F_DUMP (or a plain get) and feed every reply to cb.
 * A dump the kernel flags as interrupted (NLM_F_DUMP_INTR: the table changed
 * under it) is redone here, up to NL_DUMP_RETRIES times; cb sees the messages
 * of one consistent dump only, after its NLMSG_DONE. Callers never loop.
 * Returns -EAGAIN when every attempt was interrupted (cb not called).
 */
int nl_sock_dump(struct nl_sock *sk, struct nlmsghdr *nlh, nl_msg_cb cb, void *userdata);

/*
 * Decode an NLMSG_ERROR message: 0 for an ACK, else the kernel's -errno, with
 * the extended-ack text (NLMSGERR_ATTR_MSG, if any) copied into errmsg.
 * -EBADMSG when the message is too short to be one.
 */
int nl_msg_error(const struct nlmsghdr *nlh, char *errmsg, size_t size);

/* Start a request header of the given type in buf (NL_MSG_MAX bytes), zeroed. */
struct nlmsghdr *nl_msg_new(void *buf, uint16_t type, uint16_t flags);
