// SPDX-License-Identifier: Apache-2.0
/*
 * dhcp-client.c - the DHCP exchanges on a packet socket; see dhcp-client.h.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <linux/if_packet.h>
#include <net/if_arp.h>
#include <net/ethernet.h>
#include <net/if.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/ioctl.h>
#include <sys/random.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "basic/macro.h"
#include "dhcp-client.h"
#include "dhcp-lease.h"

int64_t dhcp_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_BOOTTIME, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static uint32_t random_u32(void)
{
	uint32_t v = 0;

	if (getrandom(&v, sizeof(v), 0) != sizeof(v))
		v = (uint32_t)dhcp_now_ms() ^ (uint32_t)getpid();
	return v;
}

int dhcp_client_open(struct dhcp_client *c, const char *ifname, const char *client_id,
		     const struct dhcp_config *cfg, bool broadcast, int64_t timeout_ms,
		     int64_t resend_max_ms, char err[static DHCP_ERR_MAX])
{
	_cleanup_close_ int pkt = -1, ctl = -1, stop = -1;
	struct sockaddr_ll sll = { .sll_family = AF_PACKET, .sll_protocol = htons(ETH_P_IP) };
	struct ifreq ifr = {};
	size_t idlen = strlen(client_id);

	memset(c, 0, sizeof(*c));
	c->pkt_fd = c->ctl_fd = c->stop_fd = -1;
	if (strlen(ifname) >= IFNAMSIZ) {
		snprintf(err, DHCP_ERR_MAX, "error looking up \"%s\": Link not found", ifname);
		return -ENODEV;
	}
	ctl = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (ctl < 0)
		goto fail_errno;
	strcpy(ifr.ifr_name, ifname);
	if (ioctl(ctl, SIOCGIFINDEX, &ifr) < 0) {
		/* The netlink library the reference uses says it this way. */
		snprintf(err, DHCP_ERR_MAX, "error looking up \"%s\": Link not found", ifname);
		return -ENODEV;
	}
	c->ifindex = ifr.ifr_ifindex;
	if (ioctl(ctl, SIOCGIFHWADDR, &ifr) < 0)
		goto fail_errno;
	if (ifr.ifr_hwaddr.sa_family != ARPHRD_ETHER) {
		snprintf(err, DHCP_ERR_MAX, "interface \"%s\" is not an Ethernet interface",
			 ifname);
		return -EOPNOTSUPP;
	}
	memcpy(c->mac, ifr.ifr_hwaddr.sa_data, 6);
	if (ioctl(ctl, SIOCGIFFLAGS, &ifr) < 0)
		goto fail_errno;
	if (!(ifr.ifr_flags & IFF_UP)) {
		/* A DHCP client needs the link; the reference brings it up too. */
		ifr.ifr_flags |= IFF_UP;
		if (ioctl(ctl, SIOCSIFFLAGS, &ifr) < 0)
			goto fail_errno;
	}

	pkt = socket(AF_PACKET, SOCK_DGRAM | SOCK_CLOEXEC | SOCK_NONBLOCK, htons(ETH_P_IP));
	if (pkt < 0)
		goto fail_errno;
	sll.sll_ifindex = c->ifindex;
	if (bind(pkt, (struct sockaddr *)&sll, sizeof(sll)) < 0)
		goto fail_errno;
	stop = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	if (stop < 0)
		goto fail_errno;

	strcpy(c->ifname, ifname);
	c->broadcast = broadcast;
	c->timeout_ms = timeout_ms;
	c->resend_max_ms = resend_max_ms;
	c->cfg = *cfg;
	/* RFC 2132 9.14: a type byte first; 0 = not a hardware address. */
	c->client_id[0] = 0;
	memcpy(c->client_id + 1, client_id, MIN(idlen, (size_t)DHCP_CLIENT_ID_MAX));
	c->client_id_len = 1 + MIN(idlen, (size_t)DHCP_CLIENT_ID_MAX);
	c->pkt_fd = TAKE_FD(pkt);
	c->ctl_fd = TAKE_FD(ctl);
	c->stop_fd = TAKE_FD(stop);
	return 0;

fail_errno:
	{
		int e = errno;

		snprintf(err, DHCP_ERR_MAX, "%s: %s", ifname, strerror(e));
		return -e;
	}
}

void dhcp_client_close(struct dhcp_client *c)
{
	if (c->pkt_fd >= 0)
		close(c->pkt_fd);
	if (c->ctl_fd >= 0)
		close(c->ctl_fd);
	if (c->stop_fd >= 0)
		close(c->stop_fd);
	c->pkt_fd = c->ctl_fd = c->stop_fd = -1;
}

void dhcp_client_stop(struct dhcp_client *c)
{
	uint64_t one = 1;

	if (c->stop_fd >= 0 && write(c->stop_fd, &one, sizeof(one)) < 0) {
		/* An eventfd only fails here when its counter would overflow: already set. */
	}
}

bool dhcp_client_link_gone(const struct dhcp_client *c)
{
	struct ifreq ifr = {};

	strcpy(ifr.ifr_name, c->ifname);
	if (ioctl(c->ctl_fd, SIOCGIFINDEX, &ifr) < 0)
		return errno == ENODEV;
	return ifr.ifr_ifindex != c->ifindex;
}

static bool stopped(struct dhcp_client *c)
{
	struct pollfd p = { .fd = c->stop_fd, .events = POLLIN };

	return poll(&p, 1, 0) > 0;
}

int dhcp_client_sleep(struct dhcp_client *c, int64_t ms)
{
	struct pollfd p = { .fd = c->stop_fd, .events = POLLIN };
	int64_t deadline = ms < 0 ? -1 : dhcp_now_ms() + ms;

	for (;;) {
		int64_t left = deadline < 0 ? -1 : deadline - dhcp_now_ms();
		int r;

		if (deadline >= 0 && left <= 0)
			return 0;
		r = poll(&p, 1, left < 0 || left > INT32_MAX ? -1 : (int)left);
		if (r > 0)
			return -ECANCELED;
		if (r < 0 && errno != EINTR)
			return -errno;
	}
}

/* Fill the parts every client message shares. */
static void build_base(const struct dhcp_client *c, struct dhcp_build *b, enum dhcp_type type,
		       uint32_t xid)
{
	memset(b, 0, sizeof(*b));
	b->type = type;
	b->xid = xid;
	memcpy(b->chaddr, c->mac, 6);
	b->client_id = c->client_id;
	b->client_id_len = c->client_id_len;
}

static int send_msg(struct dhcp_client *c, struct dhcp_build *b, struct in_addr src)
{
	struct dhcp_opt extra[256];
	uint8_t msg[DHCP_MAX_LEN], frame[DHCP_MAX_LEN + DHCP_FRAME_HDR];
	struct sockaddr_ll to = {
		.sll_family = AF_PACKET, .sll_protocol = htons(ETH_P_IP),
		.sll_ifindex = c->ifindex, .sll_halen = 6,
		.sll_addr = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff },
	};
	struct in_addr bcast = { .s_addr = INADDR_BROADCAST };
	size_t n_extra = 0;
	int n, fn;

	/* Provided options go after ours; a provided client identifier replaces ours, as in
	 * the reference where it overwrites the same map key. */
	for (size_t i = 0; i < c->cfg.n_provide; i++) {
		const struct dhcp_provided *p = &c->cfg.provide[i];

		if (p->code == DHCP_OPT_CLIENT_ID) {
			b->client_id = p->val;
			b->client_id_len = p->len;
			continue;
		}
		if (b->type == DHCP_RELEASE)
			continue;
		extra[n_extra++] = (struct dhcp_opt){ p->code, p->len, p->val };
	}
	b->extra = extra;
	b->n_extra = n_extra;
	if (b->type != DHCP_RELEASE) {
		b->prl = c->cfg.prl;
		b->prl_len = c->cfg.prl_len;
	}
	n = dhcp_msg_build(b, msg, sizeof(msg));
	if (n < 0)
		return n;
	fn = dhcp_frame_build(msg, n, src, bcast, frame, sizeof(frame));
	if (fn < 0)
		return fn;
	if (sendto(c->pkt_fd, frame, fn, 0, (struct sockaddr *)&to, sizeof(to)) < 0)
		return -errno;
	return 0;
}

/* Wait for a reply to xid of one of the two types, until timeout_ms. */
static int recv_reply(struct dhcp_client *c, uint32_t xid, uint8_t t1, uint8_t t2,
		      struct dhcp_msg *ret)
{
	struct pollfd p[2] = {
		{ .fd = c->pkt_fd, .events = POLLIN },
		{ .fd = c->stop_fd, .events = POLLIN },
	};
	int64_t deadline = dhcp_now_ms() + c->timeout_ms;
	uint8_t frame[DHCP_MAX_LEN + 128];

	for (;;) {
		int64_t left = deadline - dhcp_now_ms();
		struct sockaddr_ll from;
		socklen_t fl = sizeof(from);
		const uint8_t *msg;
		size_t len;
		ssize_t n;
		int r;

		if (left <= 0)
			return -ETIMEDOUT;
		r = poll(p, 2, (int)MIN(left, (int64_t)INT32_MAX));
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			return -errno;
		if (p[1].revents)
			return -ECANCELED;
		if (!p[0].revents)
			continue;
		n = recvfrom(c->pkt_fd, frame, sizeof(frame), MSG_TRUNC, (struct sockaddr *)&from,
			     &fl);
		if (n < 0) {
			if (errno == EAGAIN || errno == EINTR)
				continue;
			return -errno;
		}
		if (from.sll_pkttype == PACKET_OUTGOING || (size_t)n > sizeof(frame))
			continue;
		if (dhcp_frame_parse(frame, n, &msg, &len) < 0)
			continue;
		/* Anything else on port 68 (other clients' replies, junk) is not ours. */
		if (dhcp_msg_parse(msg, len, ret) < 0 || ret->op != 2 || ret->xid != xid ||
		    memcmp(ret->chaddr, c->mac, 6) != 0)
			continue;
		if (ret->type == t1 || ret->type == t2)
			return 0;
	}
}

static void timeout_text(struct dhcp_client *c, int r, const char *what,
			 char err[static DHCP_ERR_MAX])
{
	if (r == -ETIMEDOUT)
		snprintf(err, DHCP_ERR_MAX, "timed out waiting for %s on %s", what, c->ifname);
	else
		snprintf(err, DHCP_ERR_MAX, "waiting for %s on %s: %s", what, c->ifname,
			 strerror(-r));
}

/* One DISCOVER/OFFER/REQUEST/ACK round. */
static int acquire_once(struct dhcp_client *c, struct dhcp_msg *ret_ack,
			char err[static DHCP_ERR_MAX])
{
	static const struct in_addr any;
	struct dhcp_build b;
	struct dhcp_msg *offer = ret_ack;
	struct in_addr yiaddr, server;
	uint32_t xid = random_u32();
	int r;

	build_base(c, &b, DHCP_DISCOVER, xid);
	b.flags = c->broadcast ? DHCP_FLAG_BROADCAST : 0;
	r = send_msg(c, &b, any);
	if (r < 0) {
		snprintf(err, DHCP_ERR_MAX, "sending DHCPDISCOVER on %s: %s", c->ifname,
			 strerror(-r));
		return r;
	}
	r = recv_reply(c, xid, DHCP_OFFER, DHCP_OFFER, offer);
	if (r < 0) {
		timeout_text(c, r, "DHCPOFFER", err);
		return r;
	}
	yiaddr = offer->yiaddr;
	if (dhcp_msg_addr(offer, DHCP_OPT_SERVER_ID, &server) < 0)
		server = offer->siaddr;

	build_base(c, &b, DHCP_REQUEST, xid);
	b.flags = c->broadcast ? DHCP_FLAG_BROADCAST : 0;
	b.requested = yiaddr;
	b.server_id = server;
	r = send_msg(c, &b, any);
	if (r < 0) {
		snprintf(err, DHCP_ERR_MAX, "sending DHCPREQUEST on %s: %s", c->ifname,
			 strerror(-r));
		return r;
	}
	r = recv_reply(c, xid, DHCP_ACK, DHCP_NAK, ret_ack);
	if (r < 0) {
		timeout_text(c, r, "DHCPACK", err);
		return r;
	}
	if (ret_ack->type == DHCP_NAK) {
		snprintf(err, DHCP_ERR_MAX, "DHCP server NACK'd own offer");
		return -EAGAIN;
	}
	return 0;
}

int dhcp_client_acquire(struct dhcp_client *c, struct dhcp_msg *ret_ack,
			char err[static DHCP_ERR_MAX])
{
	for (unsigned attempt = 0;; attempt++) {
		int64_t delay, jitter;
		int r = acquire_once(c, ret_ack, err);

		if (r == 0 || r == -ECANCELED || stopped(c))
			return r == 0 ? 0 : -ECANCELED;
		delay = dhcp_resend_delay_ms(attempt, c->resend_max_ms);
		if (delay < 0) {
			snprintf(err, DHCP_ERR_MAX, "no more tries");
			return -ETIMEDOUT;
		}
		/* RFC 2131 4.1: randomize by up to a second, within the cap. */
		jitter = (int64_t)(random_u32() % 2001) - 1000;
		delay = MAX((int64_t)0, MIN(delay + jitter, c->resend_max_ms));
		r = dhcp_client_sleep(c, delay);
		if (r < 0)
			return r;
	}
}

int dhcp_client_renew(struct dhcp_client *c, const struct dhcp_lease_info *cur,
		      struct dhcp_msg *ret_ack, char err[static DHCP_ERR_MAX])
{
	struct dhcp_build b;
	uint32_t xid = random_u32();
	int r;

	/* The address is in ciaddr, so no requested IP or server id (RFC 2131 table 5). */
	build_base(c, &b, DHCP_REQUEST, xid);
	b.ciaddr = cur->address;
	r = send_msg(c, &b, cur->address);
	if (r < 0) {
		snprintf(err, DHCP_ERR_MAX, "sending DHCPREQUEST on %s: %s", c->ifname,
			 strerror(-r));
		return r;
	}
	r = recv_reply(c, xid, DHCP_ACK, DHCP_NAK, ret_ack);
	if (r < 0) {
		timeout_text(c, r, "DHCPACK", err);
		return r;
	}
	if (ret_ack->type == DHCP_NAK) {
		snprintf(err, DHCP_ERR_MAX, "DHCP server did not renew lease");
		return -EAGAIN;
	}
	return 0;
}

int dhcp_client_release(struct dhcp_client *c, struct in_addr addr, struct in_addr server_id)
{
	struct dhcp_build b;

	build_base(c, &b, DHCP_RELEASE, random_u32());
	b.ciaddr = addr;
	b.server_id = server_id;
	return send_msg(c, &b, addr);
}
