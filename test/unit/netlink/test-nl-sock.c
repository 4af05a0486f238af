// SPDX-License-Identifier: Apache-2.0
/*
 * The request/ack/dump machinery against a scripted fake kernel: sequence
 * matching, ACKs and errors with extended-ack text, multi-datagram dumps,
 * NLM_F_DUMP_INTR retried inside the socket layer, and "not found counts as
 * done" on deletes.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <net/if.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <linux/if_bridge.h>
#include <linux/rtnetlink.h>

#include "netlink/netlink.h"
#include "netlink/nl-internal.h"

#define MAXDG 16

struct fake;
typedef void (*responder)(struct fake *f, const struct nlmsghdr *req);

struct fake {
	responder respond;
	int sends;
	int recv_errno;          /* fail the next recv with this */
	int intr_tries;          /* mark this many dumps interrupted */
	struct nlmsghdr last;    /* header of the last request */
	uint16_t last_flags;
	_Alignas(4) uint8_t dg[MAXDG][4096];
	size_t dglen[MAXDG];
	int head, tail;
};

/* Append a message to the datagram being built (the tail one). */
static struct nlmsghdr *put(struct fake *f, uint16_t type, uint16_t flags, uint32_t seq,
			    const void *body, size_t len)
{
	size_t at = f->dglen[f->tail];
	struct nlmsghdr *nlh = (struct nlmsghdr *)(f->dg[f->tail] + at);

	nlh->nlmsg_len = NLMSG_LENGTH(len);
	nlh->nlmsg_type = type;
	nlh->nlmsg_flags = flags;
	nlh->nlmsg_seq = seq;
	nlh->nlmsg_pid = NL_FAKE_PORTID;
	memcpy(NLMSG_DATA(nlh), body, len);
	f->dglen[f->tail] += NLMSG_ALIGN(nlh->nlmsg_len);
	return nlh;
}

static void next_dg(struct fake *f)
{
	f->tail++;
	assert_true(f->tail < MAXDG);
}

static void put_link(struct fake *f, uint32_t seq, uint16_t flags, int ifindex, const char *name)
{
	_Alignas(4) uint8_t body[256] = {};
	struct ifinfomsg *ifi = (struct ifinfomsg *)body;
	struct nlattr *a = (struct nlattr *)(body + NLMSG_ALIGN(sizeof(*ifi)));
	size_t nl = strlen(name) + 1;

	ifi->ifi_index = ifindex;
	a->nla_type = IFLA_IFNAME;
	a->nla_len = (uint16_t)(NLA_HDRLEN + nl);
	memcpy((uint8_t *)a + NLA_HDRLEN, name, nl);
	put(f, RTM_NEWLINK, flags, seq, body, NLMSG_ALIGN(sizeof(*ifi)) + NLA_ALIGN(a->nla_len));
}

static void put_error(struct fake *f, uint32_t seq, int error, const char *text)
{
	_Alignas(4) uint8_t body[512] = {};
	struct nlmsgerr *e = (struct nlmsgerr *)body;
	size_t len = sizeof(*e);

	e->error = error;
	e->msg.nlmsg_seq = seq;
	if (text) {
		struct nlattr *a = (struct nlattr *)(body + len);
		size_t tl = strlen(text) + 1;

		a->nla_type = NLMSGERR_ATTR_MSG;
		a->nla_len = (uint16_t)(NLA_HDRLEN + tl);
		memcpy((uint8_t *)a + NLA_HDRLEN, text, tl);
		len += NLA_ALIGN(a->nla_len);
	}
	put(f, NLMSG_ERROR, NLM_F_CAPPED | (text ? NLM_F_ACK_TLVS : 0), seq, body, len);
}

static void put_done(struct fake *f, uint32_t seq, uint16_t flags)
{
	int zero = 0;

	put(f, NLMSG_DONE, NLM_F_MULTI | flags, seq, &zero, sizeof(zero));
}

static int fake_send(void *ud, const struct nlmsghdr *nlh)
{
	struct fake *f = ud;

	f->sends++;
	f->last = *nlh;
	f->last_flags = nlh->nlmsg_flags;
	f->head = f->tail = 0;
	memset(f->dglen, 0, sizeof(f->dglen));
	f->respond(f, nlh);
	return 0;
}

static ssize_t fake_recv(void *ud, void *buf, size_t size)
{
	struct fake *f = ud;
	size_t n;

	if (f->recv_errno) {
		errno = f->recv_errno;
		f->recv_errno = 0;
		return -1;
	}
	/* A real socket would block here; a test that gets here forgot a reply. */
	assert_true(f->head <= f->tail && f->dglen[f->head] > 0);
	n = f->dglen[f->head];
	assert_true(n <= size);
	memcpy(buf, f->dg[f->head], n);
	f->head++;
	return (ssize_t)n;
}

static const struct nl_fake_ops ops = { fake_send, fake_recv };

static struct nl_sock *open_fake(struct fake *f, responder r)
{
	struct nl_sock *sk;

	memset(f, 0, sizeof(*f));
	f->respond = r;
	assert_int_equal(nl_sock_open_fake(&ops, f, &sk), 0);
	return sk;
}

/* --- responders --- */

static void ack(struct fake *f, const struct nlmsghdr *req)
{
	/* a stale reply to some earlier request first: must be skipped */
	put_error(f, req->nlmsg_seq - 1, -EIO, "stale");
	next_dg(f);
	put_error(f, req->nlmsg_seq, 0, NULL);
}

static void eexist(struct fake *f, const struct nlmsghdr *req)
{
	put_error(f, req->nlmsg_seq, -EEXIST, "ipv4: Address already assigned");
}

static void enodev(struct fake *f, const struct nlmsghdr *req)
{
	put_error(f, req->nlmsg_seq, -ENODEV, NULL);
}

static void link_dump(struct fake *f, const struct nlmsghdr *req)
{
	uint16_t intr = f->intr_tries-- > 0 ? NLM_F_DUMP_INTR : 0;

	put_link(f, req->nlmsg_seq, NLM_F_MULTI, 1, "lo");
	put_link(f, req->nlmsg_seq, NLM_F_MULTI | intr, 2, intr ? "stale0" : "eth0");
	next_dg(f);
	put_link(f, req->nlmsg_seq, NLM_F_MULTI, 3, "cni0");
	put_done(f, req->nlmsg_seq, intr);
}

static void done_error(struct fake *f, const struct nlmsghdr *req)
{
	_Alignas(4) uint8_t body[64] = {};
	int err = -EOPNOTSUPP;
	struct nlattr *a = (struct nlattr *)(body + sizeof(int));

	put_link(f, req->nlmsg_seq, NLM_F_MULTI, 1, "lo");
	memcpy(body, &err, sizeof(err));
	a->nla_type = NLMSGERR_ATTR_MSG;
	a->nla_len = NLA_HDRLEN + 8;
	memcpy((uint8_t *)a + NLA_HDRLEN, "no dump", 8);
	put(f, NLMSG_DONE, NLM_F_MULTI | NLM_F_ACK_TLVS, req->nlmsg_seq, body,
	    sizeof(int) + NLA_ALIGN(a->nla_len));
}

static void link_get(struct fake *f, const struct nlmsghdr *req)
{
	put_link(f, req->nlmsg_seq, 0, 7, "veth1234");
	put_error(f, req->nlmsg_seq, 0, NULL);
}

/* An AF_BRIDGE dump as `bridge vlan show` gets it: ports with IFLA_AF_SPEC. */
static void put_vlans(struct fake *f, uint32_t seq, int ifindex,
		      const struct bridge_vlan_info *vi, size_t n)
{
	_Alignas(4) uint8_t body[512] = {};
	struct ifinfomsg *ifi = (struct ifinfomsg *)body;
	struct nlattr *spec = (struct nlattr *)(body + sizeof(*ifi));
	size_t off = sizeof(*ifi) + NLA_HDRLEN;

	ifi->ifi_family = AF_BRIDGE;
	ifi->ifi_index = ifindex;
	spec->nla_type = IFLA_AF_SPEC | NLA_F_NESTED;
	for (size_t i = 0; i < n; i++) {
		struct nlattr *a = (struct nlattr *)(body + off);

		a->nla_type = IFLA_BRIDGE_VLAN_INFO;
		a->nla_len = NLA_HDRLEN + sizeof(vi[i]);
		memcpy((uint8_t *)a + NLA_HDRLEN, &vi[i], sizeof(vi[i]));
		off += NLA_ALIGN(a->nla_len);
	}
	spec->nla_len = (uint16_t)(off - sizeof(*ifi));
	put(f, RTM_NEWLINK, NLM_F_MULTI, seq, body, off);
}

static void vlan_dump(struct fake *f, const struct nlmsghdr *req)
{
	static const struct bridge_vlan_info other[] = { { 0, 1 } };
	static const struct bridge_vlan_info port[] = {
		{ BRIDGE_VLAN_INFO_PVID | BRIDGE_VLAN_INFO_UNTAGGED, 10 },
		{ BRIDGE_VLAN_INFO_RANGE_BEGIN, 20 },
		{ BRIDGE_VLAN_INFO_RANGE_END, 22 },
		{ 0, 30 },
	};

	put_vlans(f, req->nlmsg_seq, 3, other, 1);
	put_vlans(f, req->nlmsg_seq, 6, port, 4);
	put_done(f, req->nlmsg_seq, 0);
}

/* --- tests --- */

static void test_bridge_vlan_list(void **state)
{
	_cleanup_(nl_sock_freep) struct nl_sock *sk = NULL;
	_cleanup_free_ struct nl_bridge_vlan *v = NULL;
	static const uint16_t want[] = { 10, 20, 21, 22, 30 };
	struct fake f;
	size_t n;

	sk = open_fake(&f, vlan_dump);
	assert_int_equal(nl_bridge_vlan_list(sk, 6, &v, &n), 0);
	assert_int_equal(f.last_flags, NLM_F_REQUEST | NLM_F_DUMP);
	assert_int_equal(n, 5);
	for (size_t i = 0; i < n; i++)
		assert_int_equal(v[i].vid, want[i]);
	assert_true(v[0].pvid && v[0].untagged);
	assert_false(v[2].pvid || v[2].untagged);
}


static void test_request_ack(void **state)
{
	_cleanup_(nl_sock_freep) struct nl_sock *sk = NULL;
	struct fake f;

	sk = open_fake(&f, ack);
	assert_int_equal(nl_link_set_up(sk, 3, true), 0);
	assert_int_equal(f.sends, 1);
	assert_int_equal(f.last.nlmsg_type, RTM_SETLINK);
	assert_int_equal(f.last_flags, NLM_F_REQUEST | NLM_F_ACK);
	assert_string_equal(nl_sock_errmsg(sk), "");
	/* sequence numbers advance per request */
	{
		uint32_t first = f.last.nlmsg_seq;

		assert_int_equal(nl_link_set_up(sk, 3, false), 0);
		assert_int_equal(f.last.nlmsg_seq, first + 1);
	}
}

static void test_request_error_ext_ack(void **state)
{
	_cleanup_(nl_sock_freep) struct nl_sock *sk = NULL;
	struct nl_addr a = { .ifindex = 2 };
	char errbuf[16] = "untouched";
	struct fake f;

	sk = open_fake(&f, eexist);
	nl_sock_set_errbuf(sk, errbuf, sizeof(errbuf));
	assert_int_equal(ip_prefix_parse("10.1.1.1/24", &a.prefix), 0);
	assert_int_equal(nl_addr_add(sk, &a), -EEXIST);
	assert_string_equal(nl_sock_errmsg(sk), "ipv4: Address already assigned");
	assert_string_equal(errbuf, "ipv4: Address a"); /* truncated to the caller's size */
	assert_int_equal(f.last_flags, NLM_F_REQUEST | NLM_F_ACK | NLM_F_CREATE | NLM_F_EXCL);

	/* the next success clears the text */
	f.respond = ack;
	assert_int_equal(nl_addr_replace(sk, &a), 0);
	assert_string_equal(nl_sock_errmsg(sk), "");
}

static void test_not_found_is_done(void **state)
{
	_cleanup_(nl_sock_freep) struct nl_sock *sk = NULL;
	struct nl_link l;
	struct fake f;

	sk = open_fake(&f, enodev);
	assert_int_equal(nl_link_del(sk, 9), 0);
	assert_int_equal(nl_link_get_by_index(sk, 9, &l), -ENODEV);
	assert_int_equal(nl_link_set_mtu(sk, 9, 1400), -ENODEV);
	assert_int_equal(nl_link_del_by_name(sk, "gone0"), 0);
}

static void test_get(void **state)
{
	_cleanup_(nl_sock_freep) struct nl_sock *sk = NULL;
	struct nl_link l;
	struct fake f;

	sk = open_fake(&f, link_get);
	assert_int_equal(nl_link_get_by_name(sk, "veth1234", &l), 0);
	assert_int_equal(l.ifindex, 7);
	assert_string_equal(l.name, "veth1234");
	/* a plain get asks for the ACK that ends it */
	assert_int_equal(f.last_flags, NLM_F_REQUEST | NLM_F_ACK);
	assert_int_equal(nl_link_name_to_index(sk, "veth1234"), 7);
	assert_int_equal(nl_link_get_by_name(sk, "0123456789abcdef", &l), -EINVAL);
}

static void test_dump_and_intr(void **state)
{
	_cleanup_(nl_sock_freep) struct nl_sock *sk = NULL;
	_cleanup_free_ struct nl_link *v = NULL;
	struct fake f;
	size_t n;

	sk = open_fake(&f, link_dump);
	assert_int_equal(nl_link_dump(sk, &v, &n), 0);
	assert_int_equal(f.sends, 1);
	assert_int_equal(f.last_flags, NLM_F_REQUEST | NLM_F_DUMP);
	assert_int_equal(n, 3);
	assert_string_equal(v[1].name, "eth0");
	assert_string_equal(v[2].name, "cni0");
	free(v);
	v = NULL;

	/* interrupted twice, clean the third time: results of the clean run only */
	f.sends = 0;
	f.intr_tries = 2;
	assert_int_equal(nl_link_dump(sk, &v, &n), 0);
	assert_int_equal(f.sends, 3);
	assert_int_equal(n, 3);
	assert_string_equal(v[1].name, "eth0");

	/* interrupted every time: give up with -EAGAIN, *ret untouched */
	free(v);
	v = NULL;
	f.sends = 0;
	f.intr_tries = 100;
	assert_int_equal(nl_link_dump(sk, &v, &n), -EAGAIN);
	assert_int_equal(f.sends, NL_DUMP_RETRIES);
	assert_null(v);
}

/* Records the interface names a dump callback is handed, in order. */
struct seen {
	int n;
	char names[16][IFNAMSIZ];
};

static int record_cb(const struct nlmsghdr *nlh, void *ud)
{
	struct seen *s = ud;
	struct nl_link l;

	assert_int_equal(nl_link_parse(nlh, &l), 0);
	assert_true(s->n < 16);
	memcpy(s->names[s->n++], l.name, IFNAMSIZ);
	return 0;
}

/*
 * The socket layer redoes an interrupted dump itself: the callback sees the
 * messages of the clean attempt only, never those of the interrupted one
 * (which here names "stale0" and would otherwise come first, and twice "lo").
 */
static void test_dump_intr_retried_in_socket(void **state)
{
	_cleanup_(nl_sock_freep) struct nl_sock *sk = NULL;
	_Alignas(4) char buf[NL_MSG_MAX];
	struct seen seen = {};
	struct fake f;
	uint32_t first;

	sk = open_fake(&f, link_dump);
	f.intr_tries = 1;
	nl_msg_new(buf, RTM_GETLINK, NLM_F_DUMP);
	assert_int_equal(nl_sock_dump(sk, (struct nlmsghdr *)buf, record_cb, &seen), 0);
	assert_int_equal(f.sends, 2);
	assert_int_equal(seen.n, 3);
	assert_string_equal(seen.names[0], "lo");
	assert_string_equal(seen.names[1], "eth0");
	assert_string_equal(seen.names[2], "cni0");

	/* interrupted every time: -EAGAIN after NL_DUMP_RETRIES requests, cb never called */
	memset(&seen, 0, sizeof(seen));
	f.sends = 0;
	f.intr_tries = 100;
	first = f.last.nlmsg_seq;
	nl_msg_new(buf, RTM_GETLINK, NLM_F_DUMP);
	assert_int_equal(nl_sock_dump(sk, (struct nlmsghdr *)buf, record_cb, &seen), -EAGAIN);
	assert_int_equal(f.sends, NL_DUMP_RETRIES);
	assert_int_equal(f.last.nlmsg_seq, first + NL_DUMP_RETRIES); /* a fresh seq per try */
	assert_int_equal(seen.n, 0);
}

static int fail_cb(const struct nlmsghdr *nlh, void *ud)
{
	(*(int *)ud)++;
	return -ENOMEM;
}

static void test_dump_errors(void **state)
{
	_cleanup_(nl_sock_freep) struct nl_sock *sk = NULL;
	_cleanup_free_ struct nl_link *v = NULL;
	_Alignas(4) char buf[NL_MSG_MAX];
	struct fake f;
	int calls = 0;
	size_t n;

	/* NLMSG_DONE carrying an error and its text */
	sk = open_fake(&f, done_error);
	assert_int_equal(nl_link_dump(sk, &v, &n), -EOPNOTSUPP);
	assert_string_equal(nl_sock_errmsg(sk), "no dump");

	/* a callback failure stops the callbacks but the dump is drained to DONE */
	f.respond = link_dump;
	nl_msg_new(buf, RTM_GETLINK, NLM_F_DUMP);
	assert_int_equal(nl_sock_dump(sk, (struct nlmsghdr *)buf, fail_cb, &calls), -ENOMEM);
	assert_int_equal(calls, 1);
	assert_int_equal(f.head, 2); /* both datagrams consumed */

	/* recv failing */
	f.recv_errno = ENOBUFS;
	nl_msg_new(buf, RTM_GETLINK, NLM_F_DUMP);
	assert_int_equal(nl_sock_dump(sk, (struct nlmsghdr *)buf, NULL, NULL), -ENOBUFS);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_request_ack),
		cmocka_unit_test(test_request_error_ext_ack),
		cmocka_unit_test(test_not_found_is_done),
		cmocka_unit_test(test_get),
		cmocka_unit_test(test_dump_and_intr),
		cmocka_unit_test(test_dump_errors),
		cmocka_unit_test(test_dump_intr_retried_in_socket),
		cmocka_unit_test(test_bridge_vlan_list),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
