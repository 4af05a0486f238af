// SPDX-License-Identifier: Apache-2.0
/*
 * dhcp plugin, pure part: client messages byte for byte against hand-built packets, reply
 * parsing (the options a lease needs, RFC 3396 concatenation, overload into file and sname,
 * pad and end), hostile replies refused, the IPv4/UDP frame, the lease clock (T1/T2 and
 * their defaults, renew/rebind/expire, retry waits), the resend schedule and Go durations.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <errno.h>
#include <string.h>

#include "basic/json-util.h"
#include "plugins/dhcp/dhcp-config.h"
#include "plugins/dhcp/dhcp-lease.h"
#include "plugins/dhcp/dhcp-packet.h"

static struct in_addr a4(const char *s)
{
	struct in_addr a;

	assert_int_equal(inet_pton(AF_INET, s, &a), 1);
	return a;
}

/* A BOOTREQUEST header as RFC 2131 lays it out, followed by the cookie. */
static size_t hand_header(uint8_t *p, uint8_t op, uint32_t xid, uint16_t flags,
			  const char *ciaddr, const char *yiaddr, const uint8_t mac[6])
{
	struct in_addr c = a4(ciaddr), y = a4(yiaddr);

	memset(p, 0, 240);
	p[0] = op;
	p[1] = 1;
	p[2] = 6;
	p[4] = xid >> 24;
	p[5] = xid >> 16;
	p[6] = xid >> 8;
	p[7] = xid;
	p[10] = flags >> 8;
	p[11] = flags;
	memcpy(p + 12, &c, 4);
	memcpy(p + 16, &y, 4);
	memcpy(p + 28, mac, 6);
	p[236] = 0x63;
	p[237] = 0x82;
	p[238] = 0x53;
	p[239] = 0x63;
	return 240;
}

static const uint8_t mac[6] = { 0x02, 0x42, 0xac, 0x11, 0x00, 0x02 };
static const uint8_t cid[] = { 0, 'c', '1', '/', 'n', '/', 'e', 't', 'h', '0' };

static void test_build_discover(void **state)
{
	uint8_t prl[] = { 1, 3 };
	struct dhcp_build b = {
		.type = DHCP_DISCOVER, .xid = 0x11223344, .flags = DHCP_FLAG_BROADCAST,
		.client_id = cid, .client_id_len = sizeof(cid), .prl = prl, .prl_len = 2,
	};
	uint8_t want[DHCP_MIN_LEN] = { 0 }, got[DHCP_MAX_LEN];
	size_t n;

	memcpy(b.chaddr, mac, 6);
	n = hand_header(want, 1, 0x11223344, 0x8000, "0.0.0.0", "0.0.0.0", mac);
	want[n++] = 53, want[n++] = 1, want[n++] = 1;
	want[n++] = 61, want[n++] = sizeof(cid);
	memcpy(want + n, cid, sizeof(cid));
	n += sizeof(cid);
	want[n++] = 55, want[n++] = 2, want[n++] = 1, want[n++] = 3;
	want[n++] = 255;
	assert_int_equal(dhcp_msg_build(&b, got, sizeof(got)), DHCP_MIN_LEN);
	assert_memory_equal(got, want, DHCP_MIN_LEN);
}

static void test_build_request_selecting(void **state)
{
	uint8_t prl[] = { 1, 3, 121 };
	static const uint8_t host[] = "pod-a";
	struct dhcp_opt extra[] = { { DHCP_OPT_HOST_NAME, 5, host } };
	struct dhcp_build b = {
		.type = DHCP_REQUEST, .xid = 7, .requested = a4("10.9.0.17"),
		.server_id = a4("10.9.0.1"), .client_id = cid, .client_id_len = sizeof(cid),
		.prl = prl, .prl_len = 3, .extra = extra, .n_extra = 1,
	};
	uint8_t want[DHCP_MIN_LEN] = { 0 }, got[DHCP_MAX_LEN];
	size_t n;

	memcpy(b.chaddr, mac, 6);
	n = hand_header(want, 1, 7, 0, "0.0.0.0", "0.0.0.0", mac);
	want[n++] = 53, want[n++] = 1, want[n++] = 3;
	want[n++] = 61, want[n++] = sizeof(cid);
	memcpy(want + n, cid, sizeof(cid));
	n += sizeof(cid);
	want[n++] = 50, want[n++] = 4, want[n++] = 10, want[n++] = 9, want[n++] = 0;
	want[n++] = 17;
	want[n++] = 54, want[n++] = 4, want[n++] = 10, want[n++] = 9, want[n++] = 0;
	want[n++] = 1;
	want[n++] = 55, want[n++] = 3, want[n++] = 1, want[n++] = 3, want[n++] = 121;
	want[n++] = 12, want[n++] = 5;
	memcpy(want + n, "pod-a", 5);
	n += 5;
	want[n++] = 255;
	assert_int_equal(dhcp_msg_build(&b, got, sizeof(got)), DHCP_MIN_LEN);
	assert_memory_equal(got, want, DHCP_MIN_LEN);
}

static void test_build_release(void **state)
{
	struct dhcp_build b = {
		.type = DHCP_RELEASE, .xid = 9, .ciaddr = a4("10.9.0.17"),
		.server_id = a4("10.9.0.1"), .client_id = cid, .client_id_len = sizeof(cid),
	};
	uint8_t want[DHCP_MIN_LEN] = { 0 }, got[DHCP_MAX_LEN];
	size_t n;

	memcpy(b.chaddr, mac, 6);
	n = hand_header(want, 1, 9, 0, "10.9.0.17", "0.0.0.0", mac);
	want[n++] = 53, want[n++] = 1, want[n++] = 7;
	want[n++] = 61, want[n++] = sizeof(cid);
	memcpy(want + n, cid, sizeof(cid));
	n += sizeof(cid);
	want[n++] = 54, want[n++] = 4, want[n++] = 10, want[n++] = 9, want[n++] = 0;
	want[n++] = 1;
	want[n++] = 255;
	assert_int_equal(dhcp_msg_build(&b, got, sizeof(got)), DHCP_MIN_LEN);
	assert_memory_equal(got, want, DHCP_MIN_LEN);
}

static void test_build_too_small(void **state)
{
	uint8_t big[255];
	struct dhcp_opt extra[] = { { 60, 255, big }, { 77, 255, big } };
	struct dhcp_build b = { .type = DHCP_DISCOVER, .extra = extra, .n_extra = 2 };
	uint8_t got[DHCP_MAX_LEN];

	memset(big, 'x', sizeof(big));
	assert_int_equal(dhcp_msg_build(&b, got, 100), -ENOBUFS);
	assert_int_equal(dhcp_msg_build(&b, got, 600), -ENOBUFS);
	assert_true(dhcp_msg_build(&b, got, sizeof(got)) > 600);
}

/* An ACK as dnsmasq sends it, options appended by the caller. */
static size_t ack_with(uint8_t *p, const uint8_t *opts, size_t len)
{
	size_t n = hand_header(p, 2, 0xabcdef01, 0, "0.0.0.0", "10.9.0.17", mac);

	memcpy(p + n, opts, len);
	return n + len;
}

static void test_parse_ack(void **state)
{
	static const uint8_t opts[] = {
		53, 1, 5,
		54, 4, 10, 9, 0, 1,
		51, 4, 0, 0, 0x0e, 0x10,         /* 3600 */
		58, 4, 0, 0, 0x03, 0x84,         /* 900 */
		59, 4, 0, 0, 0x09, 0x60,         /* 2400 */
		1, 4, 255, 255, 255, 0,
		0, 0,                            /* pads between options */
		3, 8, 10, 9, 0, 1, 10, 9, 0, 2,  /* two routers: the first is used */
		6, 4, 10, 9, 0, 53,
		255,
		1, 4, 255, 0, 0, 0,              /* after END: ignored */
	};
	uint8_t p[DHCP_MAX_LEN];
	struct dhcp_msg m;
	struct dhcp_lease_info li;
	struct in_addr dns;
	char buf[INET_ADDRSTRLEN];

	assert_int_equal(dhcp_msg_parse(p, ack_with(p, opts, sizeof(opts)), &m), 0);
	assert_int_equal(m.op, 2);
	assert_int_equal(m.type, DHCP_ACK);
	assert_int_equal(m.xid, 0xabcdef01);
	assert_memory_equal(m.chaddr, mac, 6);
	assert_int_equal(dhcp_msg_addr(&m, DHCP_OPT_DNS, &dns), 0);
	assert_string_equal(inet_ntop(AF_INET, &dns, buf, sizeof(buf)), "10.9.0.53");
	assert_int_equal(dhcp_lease_info_from_msg(&m, &li), 0);
	assert_string_equal(inet_ntop(AF_INET, &li.address, buf, sizeof(buf)), "10.9.0.17");
	assert_true(li.has_mask);
	assert_int_equal(li.prefix_len, 24);
	assert_string_equal(inet_ntop(AF_INET, &li.router, buf, sizeof(buf)), "10.9.0.1");
	assert_string_equal(inet_ntop(AF_INET, &li.server_id, buf, sizeof(buf)), "10.9.0.1");
	assert_int_equal(li.lease_time, 3600);
	assert_int_equal(li.t1, 900);
	assert_int_equal(li.t2, 2400);
	assert_int_equal(li.n_routes, 0);
	assert_false(dhcp_msg_opt(&m, DHCP_OPT_STATIC_ROUTES, NULL) != NULL);
}

static void route_is(const struct dhcp_route *r, const char *dst, unsigned len, const char *gw)
{
	char buf[INET_ADDRSTRLEN];

	assert_string_equal(inet_ntop(AF_INET, &r->dst.addr.in, buf, sizeof(buf)), dst);
	assert_int_equal(r->dst.len, len);
	assert_string_equal(inet_ntop(AF_INET, &r->gw.in, buf, sizeof(buf)), gw);
}

static void test_parse_classless_wins(void **state)
{
	static const uint8_t opts[] = {
		53, 1, 5,
		1, 4, 255, 255, 0, 0,
		3, 4, 10, 9, 0, 1,
		33, 8, 172, 16, 0, 0, 10, 9, 0, 7,
		121, 20,
		0, 10, 9, 0, 1,                  /* 0.0.0.0/0 via 10.9.0.1 */
		24, 192, 168, 5, 10, 9, 0, 2,    /* 192.168.5.0/24 via 10.9.0.2 */
		9, 10, 128, 10, 9, 0, 3,         /* 10.128.0.0/9 via 10.9.0.3 */
		255,
	};
	uint8_t p[DHCP_MAX_LEN];
	struct dhcp_msg m;
	struct dhcp_lease_info li;

	assert_int_equal(dhcp_msg_parse(p, ack_with(p, opts, sizeof(opts)), &m), 0);
	assert_int_equal(dhcp_lease_info_from_msg(&m, &li), 0);
	assert_int_equal(li.prefix_len, 16);
	assert_true(li.classless);
	assert_int_equal(li.n_routes, 3);
	route_is(&li.routes[0], "0.0.0.0", 0, "10.9.0.1");
	route_is(&li.routes[1], "192.168.5.0", 24, "10.9.0.2");
	route_is(&li.routes[2], "10.128.0.0", 9, "10.9.0.3");
}

static void test_parse_static_routes(void **state)
{
	static const uint8_t opts[] = {
		53, 1, 5,
		33, 24,
		10, 1, 2, 3, 10, 9, 0, 7,        /* class A: /8, host bits kept */
		172, 16, 0, 0, 10, 9, 0, 8,      /* class B: /16 */
		230, 0, 0, 0, 10, 9, 0, 9,       /* class D: no classful mask, skipped */
		121, 3, 33, 0, 0,                /* malformed 121 (width 33): ignored */
		255,
	};
	uint8_t p[DHCP_MAX_LEN];
	struct dhcp_msg m;
	struct dhcp_lease_info li;

	assert_int_equal(dhcp_msg_parse(p, ack_with(p, opts, sizeof(opts)), &m), 0);
	assert_int_equal(dhcp_lease_info_from_msg(&m, &li), 0);
	assert_false(li.has_mask);
	assert_false(li.classless);
	assert_int_equal(li.n_routes, 2);
	route_is(&li.routes[0], "10.1.2.3", 8, "10.9.0.7");
	route_is(&li.routes[1], "172.16.0.0", 16, "10.9.0.8");
}

static void test_parse_concat_and_overload(void **state)
{
	/* Option 121 split in two (RFC 3396), the mask in the file field, the router in sname
	 * (overload 3: file first, then sname). */
	static const uint8_t opts[] = {
		53, 1, 5,
		52, 1, 3,
		121, 3, 8, 10, 10,
		121, 3, 9, 0, 1,
		255,
	};
	uint8_t p[DHCP_MAX_LEN];
	struct dhcp_msg m;
	struct dhcp_lease_info li;
	size_t n = ack_with(p, opts, sizeof(opts)), len;
	const uint8_t *o;

	memcpy(p + 108, (const uint8_t[]){ 1, 4, 255, 255, 255, 128, 255 }, 7);
	memcpy(p + 44, (const uint8_t[]){ 0, 3, 4, 10, 9, 0, 254 }, 7); /* no END: field ends */
	assert_int_equal(dhcp_msg_parse(p, n, &m), 0);
	o = dhcp_msg_opt(&m, DHCP_OPT_CLASSLESS_ROUTES, &len);
	assert_non_null(o);
	assert_int_equal(len, 6);
	assert_int_equal(dhcp_lease_info_from_msg(&m, &li), 0);
	assert_int_equal(li.prefix_len, 25);
	assert_int_equal(li.n_routes, 1);
	route_is(&li.routes[0], "10.0.0.0", 8, "10.9.0.1");
	assert_int_equal(li.router.s_addr, a4("10.9.0.254").s_addr);

	/* Without overload the same file and sname bytes are not options. */
	p[240 + 5] = 0;
	assert_int_equal(dhcp_msg_parse(p, n, &m), 0);
	assert_null(dhcp_msg_opt(&m, DHCP_OPT_SUBNET_MASK, NULL));
	assert_null(dhcp_msg_opt(&m, DHCP_OPT_ROUTER, NULL));
}

static void test_parse_hostile(void **state)
{
	uint8_t p[DHCP_MAX_LEN + 8];
	struct dhcp_msg m;
	size_t n;

	/* Shorter than the header and cookie. */
	n = ack_with(p, (const uint8_t[]){ 255 }, 1);
	assert_int_equal(dhcp_msg_parse(p, 239, &m), -EBADMSG);
	/* Wrong cookie. */
	p[236] = 0;
	assert_int_equal(dhcp_msg_parse(p, n, &m), -EBADMSG);
	/* An option running past the end. */
	n = ack_with(p, (const uint8_t[]){ 53, 1, 5, 1, 4, 255, 255 }, 7);
	assert_int_equal(dhcp_msg_parse(p, n, &m), -EBADMSG);
	/* A length byte missing. */
	n = ack_with(p, (const uint8_t[]){ 53, 1, 5, 3 }, 4);
	assert_int_equal(dhcp_msg_parse(p, n, &m), -EBADMSG);
	/* No END in the options field. */
	n = ack_with(p, (const uint8_t[]){ 53, 1, 5 }, 3);
	assert_int_equal(dhcp_msg_parse(p, n, &m), -EBADMSG);
	/* Overload into a file field that runs past itself. */
	n = ack_with(p, (const uint8_t[]){ 52, 1, 1, 255 }, 4);
	p[108 + 126] = 12;
	p[108 + 127] = 9;
	assert_int_equal(dhcp_msg_parse(p, n, &m), -EBADMSG);
	/* Longer than we accept. */
	n = ack_with(p, (const uint8_t[]){ 255 }, 1);
	assert_int_equal(dhcp_msg_parse(p, DHCP_MAX_LEN + 1, &m), -EBADMSG);
	/* Wrong lengths for fixed-size options, a non-contiguous mask. */
	n = ack_with(p, (const uint8_t[]){ 51, 2, 0, 1, 255 }, 5);
	assert_int_equal(dhcp_msg_parse(p, n, &m), 0);
	assert_int_equal(dhcp_lease_info_from_msg(&m, &(struct dhcp_lease_info){}), -EBADMSG);
	n = ack_with(p, (const uint8_t[]){ 1, 4, 255, 0, 255, 0, 255 }, 7);
	assert_int_equal(dhcp_msg_parse(p, n, &m), 0);
	assert_int_equal(dhcp_lease_info_from_msg(&m, &(struct dhcp_lease_info){}), -EBADMSG);
	n = ack_with(p, (const uint8_t[]){ 3, 3, 10, 0, 0, 255 }, 6);
	assert_int_equal(dhcp_msg_parse(p, n, &m), 0);
	assert_int_equal(dhcp_lease_info_from_msg(&m, &(struct dhcp_lease_info){}), -EBADMSG);
	/* Truncated classless routes. */
	assert_int_equal(dhcp_parse_classless((const uint8_t[]){ 24, 10, 0 }, 3, NULL, 0,
					      &(size_t){ 0 }), -EBADMSG);
}

static void test_frame_roundtrip(void **state)
{
	uint8_t msg[DHCP_MIN_LEN] = { 1, 2, 3 }, frame[DHCP_MAX_LEN + 64];
	const uint8_t *got;
	size_t got_len;
	int n;

	n = dhcp_frame_build(msg, sizeof(msg), a4("0.0.0.0"), a4("255.255.255.255"), frame,
			     sizeof(frame));
	assert_int_equal(n, DHCP_FRAME_HDR + DHCP_MIN_LEN);
	/* IPv4 header checksum verifies to zero; UDP ports 68 -> 67. */
	assert_int_equal(frame[0], 0x45);
	assert_int_equal(frame[9], 17);
	assert_int_equal(frame[20] << 8 | frame[21], 68);
	assert_int_equal(frame[22] << 8 | frame[23], 67);
	{
		uint32_t s = 0;

		for (int i = 0; i < 20; i += 2)
			s += frame[i] << 8 | frame[i + 1];
		while (s >> 16)
			s = (s & 0xffff) + (s >> 16);
		assert_int_equal(s, 0xffff);
	}
	/* Our own frame goes to port 67: not for us. */
	assert_int_equal(dhcp_frame_parse(frame, n, &got, &got_len), -EAGAIN);
	frame[22] = 0;
	frame[23] = 68;
	assert_int_equal(dhcp_frame_parse(frame, n, &got, &got_len), 0);
	assert_int_equal(got_len, DHCP_MIN_LEN);
	assert_ptr_equal(got, frame + DHCP_FRAME_HDR);
	/* Truncated frames, a fragment, another protocol. */
	assert_int_equal(dhcp_frame_parse(frame, n - 1, &got, &got_len), -EBADMSG);
	assert_int_equal(dhcp_frame_parse(frame, 10, &got, &got_len), -EAGAIN);
	frame[6] = 0x20;
	assert_int_equal(dhcp_frame_parse(frame, n, &got, &got_len), -EAGAIN);
	frame[6] = 0;
	frame[9] = 6;
	assert_int_equal(dhcp_frame_parse(frame, n, &got, &got_len), -EAGAIN);
	frame[9] = 17;
	frame[24] = 0xff;
	assert_int_equal(dhcp_frame_parse(frame, n, &got, &got_len), -EBADMSG);
}

static void test_clock_defaults(void **state)
{
	struct dhcp_lease_clock c;

	/* 0.5 and 0.875 of the lease when the server gives no T1/T2. */
	dhcp_lease_clock_set(&c, 1000, 120, false, 0, false, 0);
	assert_int_equal(c.t1_ms, 1000 + 60000);
	assert_int_equal(c.t2_ms, 1000 + 105000);
	assert_int_equal(c.expire_ms, 1000 + 120000);
	/* Server values are used... */
	dhcp_lease_clock_set(&c, 0, 120, true, 10, true, 20);
	assert_int_equal(c.t1_ms, 10000);
	assert_int_equal(c.t2_ms, 20000);
	/* ...unless T2 is beyond the lease or T1 beyond T2. */
	dhcp_lease_clock_set(&c, 0, 100, true, 90, true, 200);
	assert_int_equal(c.t1_ms, 50000);
	assert_int_equal(c.t2_ms, 87500);
	dhcp_lease_clock_set(&c, 0, 100, true, 60, true, 40);
	assert_int_equal(c.t1_ms, 40000);
	assert_int_equal(c.t2_ms, 40000);
	/* Infinite lease: never renewed. */
	dhcp_lease_clock_set(&c, 0, DHCP_INFINITE, false, 0, false, 0);
	assert_int_equal(dhcp_lease_state_at(&c, INT64_MAX - 1), DHCP_LEASE_BOUND);
	assert_int_equal(dhcp_lease_wait_ms(&c, 5, false), -1);
}

static void test_clock_states(void **state)
{
	struct dhcp_lease_clock c;

	dhcp_lease_clock_set(&c, 0, 1000, false, 0, false, 0); /* T1 500 s, T2 875 s */
	assert_int_equal(dhcp_lease_state_at(&c, 0), DHCP_LEASE_BOUND);
	assert_int_equal(dhcp_lease_wait_ms(&c, 100000, false), 400000);
	assert_int_equal(dhcp_lease_state_at(&c, 500000), DHCP_LEASE_RENEWING);
	assert_int_equal(dhcp_lease_wait_ms(&c, 500000, false), 0);
	/* A failed renewal waits half the time to T2 (187.5 s)... */
	assert_int_equal(dhcp_lease_wait_ms(&c, 500000, true), 187500);
	/* ...at least 60 s, but never past T2. */
	assert_int_equal(dhcp_lease_wait_ms(&c, 800000, true), 60000);
	assert_int_equal(dhcp_lease_wait_ms(&c, 850000, true), 25000);
	assert_int_equal(dhcp_lease_state_at(&c, 875000), DHCP_LEASE_REBINDING);
	assert_int_equal(dhcp_lease_wait_ms(&c, 875000, true), 62500);
	assert_int_equal(dhcp_lease_wait_ms(&c, 990000, true), 10000);
	assert_int_equal(dhcp_lease_state_at(&c, 1000000), DHCP_LEASE_EXPIRED);
	assert_int_equal(dhcp_lease_wait_ms(&c, 1000001, true), 0);
}

static void test_resend_schedule(void **state)
{
	/* Four fast resends, then 4 s doubling up to the cap, then done. */
	assert_int_equal(dhcp_resend_delay_ms(0, 62000), 2000);
	assert_int_equal(dhcp_resend_delay_ms(3, 62000), 2000);
	assert_int_equal(dhcp_resend_delay_ms(4, 62000), 4000);
	assert_int_equal(dhcp_resend_delay_ms(5, 62000), 8000);
	assert_int_equal(dhcp_resend_delay_ms(8, 62000), 62000); /* 64 s capped */
	assert_int_equal(dhcp_resend_delay_ms(9, 62000), -1);
	/* A small cap shortens every delay and the schedule. */
	assert_int_equal(dhcp_resend_delay_ms(0, 500), 500);
	assert_int_equal(dhcp_resend_delay_ms(4, 500), 500);
	assert_int_equal(dhcp_resend_delay_ms(5, 500), -1);
}

static void test_duration(void **state)
{
	int64_t ms;

	assert_int_equal(dhcp_parse_duration("10s", &ms), 0);
	assert_int_equal(ms, 10000);
	assert_int_equal(dhcp_parse_duration("1m2s", &ms), 0);
	assert_int_equal(ms, 62000);
	assert_int_equal(dhcp_parse_duration("500ms", &ms), 0);
	assert_int_equal(ms, 500);
	assert_int_equal(dhcp_parse_duration("1.5h", &ms), 0);
	assert_int_equal(ms, 5400000);
	assert_int_equal(dhcp_parse_duration("0", &ms), 0);
	assert_int_equal(ms, 0);
	assert_int_equal(dhcp_parse_duration("10", &ms), -EINVAL);
	assert_int_equal(dhcp_parse_duration("", &ms), -EINVAL);
	assert_int_equal(dhcp_parse_duration("5x", &ms), -EINVAL);
	assert_int_equal(dhcp_parse_duration("s", &ms), -EINVAL);
}

static int parse_cfg(const char *ipam, const char *args, struct dhcp_config *c, char *err)
{
	/* The config borrows strings from the JSON: keep it until the next call. */
	static json_t *j;
	char text[2048];

	snprintf(text, sizeof(text), "{\"cniVersion\":\"1.0.0\",\"name\":\"n\",\"ipam\":%s}",
		 ipam);
	json_decref(j);
	j = json_loads(text, 0, NULL);
	assert_non_null(j);
	return dhcp_config_parse(j, args, "error parsing netconf: ", c, err);
}

static void test_config_defaults_and_request(void **state)
{
	struct dhcp_config c;
	char err[DHCP_ERR_MAX];

	assert_int_equal(parse_cfg("{\"type\":\"dhcp\"}", NULL, &c, err), 0);
	assert_null(c.socket_path);
	assert_int_equal(c.prl_len, 2);
	assert_memory_equal(c.prl, ((uint8_t[]){ 1, 3 }), 2);
	assert_int_equal(c.n_provide, 0);

	/* Requested options first, defaults after, no duplicates; names or numbers. */
	assert_int_equal(parse_cfg("{\"daemonSocketPath\":\"/x.sock\",\"request\":"
				   "[{\"option\":\"121\"},{\"option\":\"routers\"}]}",
				   NULL, &c, err), 0);
	assert_string_equal(c.socket_path, "/x.sock");
	assert_int_equal(c.prl_len, 3);
	assert_memory_equal(c.prl, ((uint8_t[]){ 121, 3, 1 }), 3);

	/* skipDefault on any entry drops both defaults; key case as Go matches it. */
	assert_int_equal(parse_cfg("{\"Request\":[{\"option\":\"6\"},"
				   "{\"SKIPDEFAULT\":true,\"option\":\"33\"}]}", NULL, &c, err),
			 0);
	assert_int_equal(c.prl_len, 2);
	assert_memory_equal(c.prl, ((uint8_t[]){ 6, 33 }), 2);
}

static void test_config_provide(void **state)
{
	struct dhcp_config c;
	char err[DHCP_ERR_MAX];

	/* fromArg wins over value when CNI_ARGS has the key; otherwise value stays. */
	assert_int_equal(parse_cfg("{\"provide\":[{\"option\":\"host-name\",\"value\":\"v\","
				   "\"fromArg\":\"K8S_POD_NAME\"},{\"option\":\"60\","
				   "\"value\":\"vendor\",\"fromArg\":\"NOPE\"}]}",
				   "IgnoreUnknown=1;K8S_POD_NAME=web-0", &c, err), 0);
	assert_int_equal(c.n_provide, 2);
	assert_int_equal(c.provide[0].code, 12);
	assert_int_equal(c.provide[0].len, 5);
	assert_memory_equal(c.provide[0].val, "web-0", 5);
	assert_int_equal(c.provide[1].code, 60);
	assert_memory_equal(c.provide[1].val, "vendor", 6);
	/* Neither a value nor the argument: nothing provided. */
	assert_int_equal(parse_cfg("{\"provide\":[{\"option\":\"12\",\"fromArg\":\"X\"}]}",
				   "Y=1", &c, err), 0);
	assert_int_equal(c.n_provide, 0);
}

static void test_config_errors(void **state)
{
	struct dhcp_config c;
	char err[DHCP_ERR_MAX];

	assert_int_equal(parse_cfg("{\"request\":[{\"option\":\"nonsense\"}]}", NULL, &c, err),
			 -EINVAL);
	assert_string_equal(err, "Can not parse option \"nonsense\": Can not parse option: "
			    "strconv.ParseUint: parsing \"nonsense\": invalid syntax");
	assert_int_equal(parse_cfg("{\"request\":[{\"option\":\"256\"}]}", NULL, &c, err),
			 -EINVAL);
	assert_string_equal(err, "Can not parse option \"256\": Can not parse option: "
			    "strconv.ParseUint: parsing \"256\": value out of range");
	assert_int_equal(parse_cfg("{\"provide\":\"x\"}", NULL, &c, err), -EINVAL);
	assert_string_equal(err, "error parsing netconf: json: cannot unmarshal string into Go "
			    "struct field IPAMConfig.ipam.provide of type []main.ProvideOption");
	assert_int_equal(parse_cfg("{\"request\":[{\"skipDefault\":\"yes\"}]}", NULL, &c, err),
			 -EINVAL);
	assert_string_equal(err, "error parsing netconf: json: cannot unmarshal string into Go "
			    "struct field RequestOption.ipam.request.skipDefault of type bool");
	assert_int_equal(parse_cfg("{\"daemonSocketPath\":7}", NULL, &c, err), -EINVAL);
	assert_string_equal(err, "error parsing netconf: json: cannot unmarshal number into Go "
			    "struct field IPAMConfig.ipam.daemonSocketPath of type string");
}

static void test_client_id(void **state)
{
	char id[DHCP_CLIENT_ID_MAX + 1], long_id[300];

	dhcp_client_id("c1", "net", "eth0", id);
	assert_string_equal(id, "c1/net/eth0");
	memset(long_id, 'a', sizeof(long_id) - 1);
	long_id[sizeof(long_id) - 1] = 0;
	dhcp_client_id(long_id, "net", "eth0", id);
	assert_int_equal(strlen(id), 254);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_build_discover),
		cmocka_unit_test(test_build_request_selecting),
		cmocka_unit_test(test_build_release),
		cmocka_unit_test(test_build_too_small),
		cmocka_unit_test(test_parse_ack),
		cmocka_unit_test(test_parse_classless_wins),
		cmocka_unit_test(test_parse_static_routes),
		cmocka_unit_test(test_parse_concat_and_overload),
		cmocka_unit_test(test_parse_hostile),
		cmocka_unit_test(test_frame_roundtrip),
		cmocka_unit_test(test_clock_defaults),
		cmocka_unit_test(test_clock_states),
		cmocka_unit_test(test_resend_schedule),
		cmocka_unit_test(test_duration),
		cmocka_unit_test(test_config_defaults_and_request),
		cmocka_unit_test(test_config_provide),
		cmocka_unit_test(test_config_errors),
		cmocka_unit_test(test_client_id),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
