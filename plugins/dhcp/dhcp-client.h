/* SPDX-License-Identifier: Apache-2.0 */
/*
 * dhcp-client.h - one DHCP client on one interface of a container.
 *
 * Owns: the packet socket (opened inside the container's netns and usable from any thread
 * afterwards, as a socket keeps its namespace), the exchanges DISCOVER/OFFER/REQUEST/ACK with
 * resends, RENEW/REBIND, RELEASE, and waking up early when told to stop. The interface has
 * no address while we talk, so frames carry their own IPv4/UDP headers.
 * Never logs: errors come back as -errno plus the reference's text in a caller buffer.
 */
#pragma once

#include <net/if.h>
#include <stdbool.h>
#include <stdint.h>

#include "dhcp-config.h"
#include "dhcp-packet.h"

struct dhcp_client {
	int pkt_fd;                 /* AF_PACKET, bound to the interface */
	int ctl_fd;                 /* AF_INET in the container netns, for link flags */
	int stop_fd;                /* eventfd: readable once stop was asked */
	int ifindex;
	char ifname[IFNAMSIZ];
	uint8_t mac[6];
	bool broadcast;
	int64_t timeout_ms, resend_max_ms;
	uint8_t client_id[DHCP_CLIENT_ID_MAX + 1]; /* wire form: type 0, then the text */
	size_t client_id_len;
	struct dhcp_config cfg;
};

/* Call inside the container's netns. Looks the interface up ("error looking up ..."), sets
 * it up when down, opens the sockets. On error c holds no fd. */
int dhcp_client_open(struct dhcp_client *c, const char *ifname, const char *client_id,
		     const struct dhcp_config *cfg, bool broadcast, int64_t timeout_ms,
		     int64_t resend_max_ms, char err[static DHCP_ERR_MAX]);
void dhcp_client_close(struct dhcp_client *c);

/* Ask the client to stop: pending and future waits return -ECANCELED. */
void dhcp_client_stop(struct dhcp_client *c);

/* DISCOVER .. ACK with the resend schedule. -ECANCELED when stopped. */
int dhcp_client_acquire(struct dhcp_client *c, struct dhcp_msg *ret_ack,
			char err[static DHCP_ERR_MAX]);
/* One REQUEST for the lease we hold (RENEWING or REBINDING: RFC 2131 4.3.2). */
int dhcp_client_renew(struct dhcp_client *c, const struct dhcp_lease_info *cur,
		      struct dhcp_msg *ret_ack, char err[static DHCP_ERR_MAX]);
/* Give the address back; no answer comes. */
int dhcp_client_release(struct dhcp_client *c, struct in_addr addr, struct in_addr server_id);

/* True when the interface we were opened on no longer exists (deleted, or replaced by one
 * of the same name). */
bool dhcp_client_link_gone(const struct dhcp_client *c);

/* Sleep up to ms (-1 = forever) unless stopped: 0 after the time, -ECANCELED on stop. */
int dhcp_client_sleep(struct dhcp_client *c, int64_t ms);

/* CLOCK_BOOTTIME in ms: lease times keep running while the machine sleeps. */
int64_t dhcp_now_ms(void);
