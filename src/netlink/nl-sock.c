// SPDX-License-Identifier: Apache-2.0
/*
 * nl-sock.c - rtnetlink socket: request/ack, dumps (redone when interrupted),
 * extended ack.
 *
 * We run our own receive loop instead of mnl_cb_run() because libmnl drops
 * the extended-ack TLVs that follow an error, and those are the only place
 * the kernel says *why* ("Invalid VLAN id", "Nexthop device is not up").
 */
#include <net/if.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <libmnl/libmnl.h>

#include "basic/log.h"
#include "basic/macro.h"
#include "basic/netns.h"
#include "netlink/nl-internal.h"
#include "netlink/nl-sock.h"

#ifndef NETLINK_EXT_ACK
#define NETLINK_EXT_ACK 11
#endif
#ifndef NETLINK_CAP_ACK
#define NETLINK_CAP_ACK 10
#endif

struct nl_sock {
	struct mnl_socket *mnl;
	const struct nl_fake_ops *fake;   /* tests only: no kernel behind this socket */
	void *fake_ud;
	uint32_t portid;
	uint32_t seq;
	char errmsg[NL_ERRMSG_MAX];
	char *errbuf;
	size_t errbuf_size;
	char rbuf[NL_RECV_MAX];
};

int nl_sock_open(struct nl_sock **ret)
{
	return nl_sock_open_protocol(NETLINK_ROUTE, ret);
}

int nl_sock_open_protocol(int protocol, struct nl_sock **ret)
{
	struct nl_sock *sk;
	int on = 1;

	sk = calloc(1, sizeof(*sk));
	if (!sk)
		return -ENOMEM;
	sk->mnl = mnl_socket_open2(protocol, SOCK_CLOEXEC);
	if (!sk->mnl) {
		int r = negative_errno();

		free(sk);
		return r;
	}
	if (mnl_socket_bind(sk->mnl, 0, MNL_SOCKET_AUTOPID) < 0) {
		int r = negative_errno();

		nl_sock_free(sk);
		return r;
	}
	/* Both are best effort: old kernels simply give no error text. */
	(void)mnl_socket_setsockopt(sk->mnl, NETLINK_EXT_ACK, &on, sizeof(on));
	(void)mnl_socket_setsockopt(sk->mnl, NETLINK_CAP_ACK, &on, sizeof(on));
	sk->portid = mnl_socket_get_portid(sk->mnl);
	sk->seq = (uint32_t)time(NULL);
	*ret = sk;
	return 0;
}

int nl_sock_open_netns(int nsfd, struct nl_sock **ret)
{
	struct nl_sock *sk = NULL;
	int saved = -1, r, q;

	r = netns_enter(nsfd, &saved);
	if (r < 0)
		return r;
	r = nl_sock_open(&sk);
	q = netns_restore(&saved);
	if (r < 0)
		return r;
	if (q < 0) {
		/* We could not go back: the thread is in the wrong namespace, fail loudly. */
		nl_sock_free(sk);
		return q;
	}
	*ret = sk;
	return 0;
}

int nl_sock_open_netns_path(const char *path, struct nl_sock **ret)
{
	_cleanup_close_ int fd = netns_open(path);

	if (fd < 0)
		return fd;
	return nl_sock_open_netns(fd, ret);
}

int nl_sock_open_fake(const struct nl_fake_ops *ops, void *userdata, struct nl_sock **ret)
{
	struct nl_sock *sk = calloc(1, sizeof(*sk));

	if (!sk)
		return -ENOMEM;
	sk->fake = ops;
	sk->fake_ud = userdata;
	sk->portid = NL_FAKE_PORTID;
	*ret = sk;
	return 0;
}

struct nl_sock *nl_sock_free(struct nl_sock *sk)
{
	if (!sk)
		return NULL;
	if (sk->mnl)
		mnl_socket_close(sk->mnl);
	free(sk);
	return NULL;
}

const char *nl_sock_errmsg(const struct nl_sock *sk)
{
	return sk->errmsg;
}

void nl_sock_set_errbuf(struct nl_sock *sk, char *buf, size_t size)
{
	sk->errbuf = buf;
	sk->errbuf_size = buf ? size : 0;
}

struct nlmsghdr *nl_msg_new(void *buf, uint16_t type, uint16_t flags)
{
	struct nlmsghdr *nlh;

	memset(buf, 0, NL_MSG_MAX);
	nlh = mnl_nlmsg_put_header(buf);
	nlh->nlmsg_type = type;
	nlh->nlmsg_flags = NLM_F_REQUEST | flags;
	return nlh;
}

/* Pull NLMSGERR_ATTR_MSG out of an error (or DONE) message. */
static void parse_ext_ack(const struct nlmsghdr *nlh, size_t offset, char *errmsg, size_t size)
{
	const struct nlattr *tb[NLMSGERR_ATTR_MAX + 1] = {};

	if (!(nlh->nlmsg_flags & NLM_F_ACK_TLVS))
		return;
	if (offset > mnl_nlmsg_get_payload_len(nlh))
		return;
	if (nl_attr_table(nlh, offset, tb, NLMSGERR_ATTR_MAX) < 0)
		return;
	nl_attr_str(tb[NLMSGERR_ATTR_MSG], errmsg, size);
}

int nl_msg_error(const struct nlmsghdr *nlh, char *errmsg, size_t size)
{
	const struct nlmsgerr *err = mnl_nlmsg_get_payload(nlh);
	size_t offset;

	if (size)
		errmsg[0] = 0;
	if (nlh->nlmsg_len < MNL_NLMSG_HDRLEN || mnl_nlmsg_get_payload_len(nlh) < sizeof(*err))
		return -EBADMSG;
	if (err->error == 0)
		return 0;
	/* With NETLINK_CAP_ACK only the header of our request is echoed back. */
	offset = sizeof(*err);
	if (!(nlh->nlmsg_flags & NLM_F_CAPPED) && err->msg.nlmsg_len >= sizeof(struct nlmsghdr))
		offset += err->msg.nlmsg_len - sizeof(struct nlmsghdr);
	if (size)
		parse_ext_ack(nlh, NLMSG_ALIGN(offset), errmsg, size);
	/* A positive value would read as success to our callers; never let one through. */
	return err->error < 0 ? err->error : -EPROTO;
}

/*
 * The data messages of one dump attempt, kept until its NLMSG_DONE says the
 * dump was consistent: only then does the caller's callback see them, so an
 * interrupted attempt leaves no trace (no half-old, half-new list, no
 * duplicates) and the retry needs nothing from the caller.
 */
struct replies {
	char *buf;
	size_t len, cap;
};

static void replies_done(struct replies *rp)
{
	free(rp->buf);
	*rp = (struct replies){};
}

static int replies_add(struct replies *rp, const struct nlmsghdr *nlh)
{
	size_t need = NLMSG_ALIGN(nlh->nlmsg_len);

	if (rp->cap - rp->len < need) {
		size_t c = rp->cap ? rp->cap : NL_RECV_MAX;
		char *q;

		while (c - rp->len < need)
			c *= 2;
		q = realloc(rp->buf, c);
		if (!q)
			return -ENOMEM;
		rp->buf = q;
		rp->cap = c;
	}
	memcpy(rp->buf + rp->len, nlh, nlh->nlmsg_len);
	rp->len += need;
	return 0;
}

static int replies_feed(const struct replies *rp, nl_msg_cb cb, void *userdata)
{
	const struct nlmsghdr *nlh = (const struct nlmsghdr *)rp->buf;
	int len = (int)rp->len, r;

	if (!cb || !rp->len)
		return 0;
	for (; mnl_nlmsg_ok(nlh, len); nlh = mnl_nlmsg_next(nlh, &len)) {
		r = cb(nlh, userdata);
		if (r < 0)
			return r;
	}
	return 0;
}

/*
 * Read replies for seq until the ACK/DONE. Messages for other sequence
 * numbers (a late reply to an earlier, abandoned request) are skipped. Data
 * messages go to cb, or into keep when it is given (a dump, fed to cb only if
 * it was not interrupted).
 */
static int receive(struct nl_sock *sk, uint32_t seq, nl_msg_cb cb, void *userdata,
		   struct replies *keep)
{
	bool intr = false;
	int cb_r = 0;

	for (;;) {
		ssize_t n = sk->fake ? sk->fake->recv(sk->fake_ud, sk->rbuf, sizeof(sk->rbuf)) :
				 mnl_socket_recvfrom(sk->mnl, sk->rbuf, sizeof(sk->rbuf));
		const struct nlmsghdr *nlh = (const struct nlmsghdr *)sk->rbuf;
		int len;

		if (n < 0) {
			if (errno == EINTR)
				continue;
			return negative_errno();
		}
		len = (int)n; /* at most NL_RECV_MAX */
		for (; mnl_nlmsg_ok(nlh, len); nlh = mnl_nlmsg_next(nlh, &len)) {
			if (nlh->nlmsg_seq != seq || nlh->nlmsg_pid != sk->portid)
				continue;
			if (nlh->nlmsg_flags & NLM_F_DUMP_INTR)
				intr = true;
			if (nlh->nlmsg_type == NLMSG_ERROR) {
				int r = nl_msg_error(nlh, sk->errmsg, sizeof(sk->errmsg));

				if (r < 0)
					return r;
				goto done;
			}
			if (nlh->nlmsg_type == NLMSG_DONE) {
				const int *err = mnl_nlmsg_get_payload(nlh);

				if (mnl_nlmsg_get_payload_len(nlh) >= sizeof(int) && *err < 0) {
					parse_ext_ack(nlh, sizeof(int), sk->errmsg,
						      sizeof(sk->errmsg));
					return *err;
				}
				goto done;
			}
			if (nlh->nlmsg_type < NLMSG_MIN_TYPE)
				continue;
			/* Keep draining after a failure so the socket stays in sync. */
			if (cb_r < 0)
				continue;
			if (keep)
				cb_r = replies_add(keep, nlh);
			else if (cb)
				cb_r = cb(nlh, userdata);
		}
	}
done:
	if (cb_r < 0)
		return cb_r;
	return intr ? -EAGAIN : 0;
}

static int send_msg(struct nl_sock *sk, struct nlmsghdr *nlh, uint32_t *ret_seq)
{
	nlh->nlmsg_seq = ++sk->seq;
	nlh->nlmsg_pid = 0;
	sk->errmsg[0] = 0;
	if (sk->fake) {
		int r = sk->fake->send(sk->fake_ud, nlh);

		if (r < 0)
			return r;
	} else if (mnl_socket_sendto(sk->mnl, nlh, nlh->nlmsg_len) < 0) {
		return negative_errno();
	}
	*ret_seq = nlh->nlmsg_seq;
	return 0;
}

static int finish(struct nl_sock *sk, const struct nlmsghdr *nlh, int r)
{
	if (r < 0) {
		if (sk->errbuf && sk->errbuf_size)
			snprintf(sk->errbuf, sk->errbuf_size, "%s", sk->errmsg);
		log_debug("netlink: request type %u failed: %s%s%s", nlh->nlmsg_type,
			  strerror(-r), sk->errmsg[0] ? ": " : "", sk->errmsg);
	}
	return r;
}

int nl_sock_request(struct nl_sock *sk, struct nlmsghdr *nlh)
{
	uint32_t seq;
	int r;

	nlh->nlmsg_flags |= NLM_F_REQUEST | NLM_F_ACK;
	r = send_msg(sk, nlh, &seq);
	if (r < 0)
		return finish(sk, nlh, r);
	return finish(sk, nlh, receive(sk, seq, NULL, NULL, NULL));
}

int nl_sock_dump(struct nl_sock *sk, struct nlmsghdr *nlh, nl_msg_cb cb, void *userdata)
{
	uint32_t seq;
	int r;

	nlh->nlmsg_flags |= NLM_F_REQUEST;
	/* A plain get ends with its ACK and is never interrupted: straight to cb. */
	if ((nlh->nlmsg_flags & NLM_F_DUMP) != NLM_F_DUMP) {
		nlh->nlmsg_flags |= NLM_F_ACK;
		r = send_msg(sk, nlh, &seq);
		if (r < 0)
			return finish(sk, nlh, r);
		return finish(sk, nlh, receive(sk, seq, cb, userdata, NULL));
	}
	/*
	 * A dump ends with NLMSG_DONE. The kernel sets NLM_F_DUMP_INTR when the
	 * table changed while it was being walked: what we got may miss or repeat
	 * entries, so it is dropped and the dump asked for again, a bounded
	 * number of times.
	 */
	r = -EAGAIN;
	for (int i = 0; i < NL_DUMP_RETRIES && r == -EAGAIN; i++) {
		struct replies keep = {};

		r = send_msg(sk, nlh, &seq);
		if (r < 0)
			break;
		r = receive(sk, seq, cb, userdata, cb ? &keep : NULL);
		if (r == 0)
			r = replies_feed(&keep, cb, userdata);
		replies_done(&keep);
	}
	return finish(sk, nlh, r);
}

/* --- internal helpers --- */

struct table_ctx {
	const struct nlattr **tb;
	unsigned max;
};

static int table_cb(const struct nlattr *a, void *data)
{
	struct table_ctx *c = data;
	unsigned type = mnl_attr_get_type(a);

	if (type <= c->max)
		c->tb[type] = a;
	return MNL_CB_OK;
}

int nl_attr_table(const struct nlmsghdr *nlh, size_t offset, const struct nlattr **tb,
		  unsigned max)
{
	struct table_ctx c = { tb, max };

	if (nlh->nlmsg_len < MNL_NLMSG_HDRLEN + MNL_ALIGN(offset))
		return -EBADMSG;
	return mnl_attr_parse(nlh, offset, table_cb, &c) == MNL_CB_ERROR ? -EBADMSG : 0;
}

int nl_attr_table_nested(const struct nlattr *nest, const struct nlattr **tb, unsigned max)
{
	struct table_ctx c = { tb, max };

	if (!nest)
		return -ENODATA;
	return mnl_attr_parse_nested(nest, table_cb, &c) == MNL_CB_ERROR ? -EBADMSG : 0;
}

bool nl_attr_str(const struct nlattr *a, char *dst, size_t size)
{
	size_t len;

	if (!a || size == 0)
		return false;
	len = strnlen(mnl_attr_get_payload(a), mnl_attr_get_payload_len(a));
	if (len >= size)
		len = size - 1;
	memcpy(dst, mnl_attr_get_payload(a), len);
	dst[len] = 0;
	return true;
}

bool nl_attr_ip(const struct nlattr *a, int family, struct ip_addr *ret)
{
	if (!a || (family != AF_INET && family != AF_INET6))
		return false;
	if (mnl_attr_get_payload_len(a) != ip_addr_size(family))
		return false;
	memset(ret, 0, sizeof(*ret));
	ret->family = family;
	memcpy(ret->bytes, mnl_attr_get_payload(a), ip_addr_size(family));
	return true;
}

int nl_vec_push(void *arr, size_t *n, size_t *cap, const void *item, size_t size)
{
	void **p = arr;

	if (*n == *cap) {
		size_t c = *cap ? *cap * 2 : 16;
		void *q = reallocarray(*p, c, size);

		if (!q)
			return -ENOMEM;
		*p = q;
		*cap = c;
	}
	memcpy((char *)*p + *n * size, item, size);
	(*n)++;
	return 0;
}

bool nl_ifname_valid(const char *name)
{
	size_t l;

	if (!name)
		return false;
	l = strlen(name);
	return l > 0 && l < IFNAMSIZ && !strchr(name, '/');
}
