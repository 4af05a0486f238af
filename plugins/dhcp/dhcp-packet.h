/* SPDX-License-Identifier: Apache-2.0 */
/*
 * dhcp-packet.h - DHCPv4 messages (RFC 2131/2132) and the IPv4/UDP frame around them.
 *
 * Owns: building client messages byte for byte (DISCOVER, REQUEST, RELEASE) and parsing
 * server replies into struct dhcp_msg, with RFC 3396 concatenation of repeated options and
 * option overload (52) into the file and sname fields; the lease facts a CNI result needs
 * (address, mask, router, classless (121) and classful (33) routes, times); and the raw
 * IPv4/UDP header the packet socket needs, since the container interface has no address yet.
 * Pure: no I/O, so unit tests and the fuzzer drive every byte.
 */
#pragma once

#include <netinet/in.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "basic/ip.h"

enum {
	DHCP_OPT_PAD = 0,
	DHCP_OPT_SUBNET_MASK = 1,
	DHCP_OPT_ROUTER = 3,
	DHCP_OPT_DNS = 6,
	DHCP_OPT_HOST_NAME = 12,
	DHCP_OPT_STATIC_ROUTES = 33,
	DHCP_OPT_REQUESTED_IP = 50,
	DHCP_OPT_LEASE_TIME = 51,
	DHCP_OPT_OVERLOAD = 52,
	DHCP_OPT_MESSAGE_TYPE = 53,
	DHCP_OPT_SERVER_ID = 54,
	DHCP_OPT_PARAM_REQUEST_LIST = 55,
	DHCP_OPT_RENEWAL_TIME = 58,
	DHCP_OPT_REBINDING_TIME = 59,
	DHCP_OPT_VENDOR_CLASS = 60,
	DHCP_OPT_CLIENT_ID = 61,
	DHCP_OPT_USER_CLASS = 77,
	DHCP_OPT_CLASSLESS_ROUTES = 121,
	DHCP_OPT_END = 255,
};

enum dhcp_type {
	DHCP_DISCOVER = 1,
	DHCP_OFFER = 2,
	DHCP_REQUEST = 3,
	DHCP_DECLINE = 4,
	DHCP_ACK = 5,
	DHCP_NAK = 6,
	DHCP_RELEASE = 7,
	DHCP_INFORM = 8,
};

#define DHCP_HEADER_LEN 236        /* op .. file, before the magic cookie */
#define DHCP_MIN_LEN 300           /* BOOTP's minimum message; we pad up to it */
#define DHCP_MAX_LEN 1500          /* larger replies are refused (no option 57 sent) */
#define DHCP_FLAG_BROADCAST 0x8000
#define DHCP_CLIENT_PORT 68
#define DHCP_SERVER_PORT 67
#define DHCP_FRAME_HDR 28          /* IPv4 (no options) + UDP */

/* One option a client adds as given (provide options). */
struct dhcp_opt {
	uint8_t code;
	uint8_t len;
	const uint8_t *val;
};

/* What a client message carries; zero fields are left out. */
struct dhcp_build {
	enum dhcp_type type;
	uint32_t xid;
	uint16_t flags;             /* DHCP_FLAG_BROADCAST or 0 */
	uint8_t chaddr[6];
	struct in_addr ciaddr;      /* RENEW/REBIND/RELEASE */
	struct in_addr requested;   /* option 50 (SELECTING REQUEST) */
	struct in_addr server_id;   /* option 54 (SELECTING REQUEST, RELEASE) */
	const uint8_t *client_id;   /* option 61 value as sent (type byte included) */
	size_t client_id_len;
	const uint8_t *prl;         /* option 55 */
	size_t prl_len;
	const struct dhcp_opt *extra; /* provide options, in order, after 55 */
	size_t n_extra;
};

/* A parsed server message. opt_off/opt_len index into data; a code is present when
 * opt_present[code] (a zero-length option is present). */
struct dhcp_msg {
	uint8_t op;
	uint32_t xid;
	uint16_t flags;
	struct in_addr ciaddr, yiaddr, siaddr, giaddr;
	uint8_t chaddr[16];
	uint8_t type;               /* option 53, 0 when absent */
	bool opt_present[256];
	uint16_t opt_off[256], opt_len[256];
	uint8_t data[DHCP_MAX_LEN];
	size_t data_len;
};

#define DHCP_MAX_ROUTES 64

struct dhcp_route {
	struct ip_prefix dst;
	struct ip_addr gw;
};

/* The facts of an ACK a lease and a CNI result need. */
struct dhcp_lease_info {
	struct in_addr address;
	unsigned prefix_len;
	bool has_mask;
	struct in_addr router;      /* first router, 0 = none */
	struct in_addr server_id;
	uint32_t lease_time;
	bool has_lease_time;
	uint32_t t1, t2;
	bool has_t1, has_t2;
	struct dhcp_route routes[DHCP_MAX_ROUTES];
	size_t n_routes;
	bool classless;             /* routes came from option 121 */
};

/* Build a client message into buf; returns its length or -ENOBUFS / -EINVAL. */
int dhcp_msg_build(const struct dhcp_build *b, uint8_t *buf, size_t size);

/* Parse a BOOTREPLY or BOOTREQUEST; -EBADMSG when short, without the magic cookie, or with
 * an option running past its field. Writes *ret only on success. */
int dhcp_msg_parse(const uint8_t *buf, size_t len, struct dhcp_msg *ret);

/* An option's bytes (NULL when absent). */
const uint8_t *dhcp_msg_opt(const struct dhcp_msg *m, uint8_t code, size_t *ret_len);
/* Option as a 32-bit value or address: -ENODATA absent, -EBADMSG wrong length. */
int dhcp_msg_u32(const struct dhcp_msg *m, uint8_t code, uint32_t *ret);
int dhcp_msg_addr(const struct dhcp_msg *m, uint8_t code, struct in_addr *ret);

/* Option 121 (RFC 3442) into routes; -EBADMSG for a malformed option (the whole option is
 * then ignored, as the RFC asks). */
int dhcp_parse_classless(const uint8_t *p, size_t len, struct dhcp_route *routes, size_t max,
			 size_t *ret_n);
/* Option 33: destination with its classful mask, router; class D/E destinations skipped. */
int dhcp_parse_static(const uint8_t *p, size_t len, struct dhcp_route *routes, size_t max,
		      size_t *ret_n);

/* The lease facts of an ACK (or OFFER). -EBADMSG for a malformed mask or times. */
int dhcp_lease_info_from_msg(const struct dhcp_msg *m, struct dhcp_lease_info *ret);

/* Wrap a DHCP message in IPv4/UDP (68 -> 67, src, dst); returns the frame length. */
int dhcp_frame_build(const uint8_t *msg, size_t msg_len, struct in_addr src, struct in_addr dst,
		     uint8_t *buf, size_t size);
/* Find the DHCP payload of an IPv4 frame sent to UDP port 68: -EAGAIN when the frame is not
 * for us (another protocol or port, a fragment), -EBADMSG when malformed. */
int dhcp_frame_parse(const uint8_t *frame, size_t len, const uint8_t **ret_msg,
		     size_t *ret_len);
