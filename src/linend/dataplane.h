/* SPDX-License-Identifier: Apache-2.0 */
/*
 * dataplane.h - the kernel-programming engine shared by the vxlan and host-gw backends.
 *
 * Owns: the table of remote leases as the dataplane sees them (accepted or rejected, and
 * why), programming one lease's entries when it is added, changed or removed, the full
 * reconciliation pass (dump what we own, diff with what the leases want, fix the
 * difference), the rtnetlink monitor in the loop that starts a pass within milliseconds of a
 * deletion or change of something we own, the masquerade rules (masq.h), and the backend
 * metrics. What we own: routes with protocol NL_RTPROT_LINEN whose destination lies in the
 * network, and every permanent neighbour and FDB entry on flannel.<VNI>/flannel-v6.<VNI>.
 * Nothing is deleted before the first full lease listing (leases_synced), so a restart
 * never removes a peer's entries that are merely not re-read yet.
 */
#pragma once

#include <limits.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "linend/backend.h"
#include "linend/masq.h"
#include "linend/reconcile.h"
#include "netlink/netlink.h"

enum dp_mode {
	DP_MODE_VXLAN,
	DP_MODE_HOSTGW,
};

struct dp_vxlan_dev {
	int family;                /* AF_INET: flannel.<VNI>, AF_INET6: flannel-v6.<VNI>, 0: none */
	char name[NL_IFNAMSIZ];
	int ifindex;               /* 0 until created */
	uint8_t mac[6];
	uint32_t mtu;
	struct nl_vxlan vx;        /* the attributes we want */
	char mac_file[PATH_MAX];   /* where the MAC is kept across restarts */
};

struct dp_lease {
	struct lease lease;
	enum dp_reject reject;  /* DP_REJECT_NONE: programmed */
	bool direct;            /* vxlan DirectRouting: plain route via the peer (same link) */
	bool direct6;
};

struct dp {
	enum dp_mode mode;
	struct loop *loop;
	struct net_config cfg;
	struct backend_ext_iface ext;
	struct nl_sock *nl;
	struct nl_monitor *mon;
	struct loop_io *mon_io;
	struct loop_timer *t_repair;
	uint64_t repair_deadline; /* monotonic usec of the armed repair pass, 0: none */
	uint64_t repair_backoff;
	uint64_t last_fix_usec;   /* when the last pass fixed something, 0: it found all in place */
	struct masq *masq;
	bool synced;              /* a full lease listing was seen: stale entries may go */
	bool have_own;
	struct lease own;
	struct dp_lease *leases;
	size_t n_leases, cap_leases;
	struct dp_vxlan_dev dev[2]; /* vxlan: [0] IPv4, [1] IPv6 */

	uint64_t m_rejected[_DP_REJECT_MAX];
	uint64_t m_passes, m_repairs, m_errors, m_devices_created, m_overruns;
	uint64_t m_last_pass_usec;
};

int dp_new(enum dp_mode mode, const struct net_config *cfg, const struct backend_ext_iface *ext,
	   const struct backend_env *env, struct dp **ret);
void dp_free(struct dp *dp);

int dp_lease_acquired(struct dp *dp, const struct lease *own);
int dp_lease_added(struct dp *dp, const struct lease *l);
int dp_lease_removed(struct dp *dp, const struct lease *l);
void dp_leases_synced(struct dp *dp);
/* One full pass: devices, our addresses, then every entry. */
int dp_reconcile(struct dp *dp);
int dp_metrics(struct dp *dp, FILE *f);
/*
 * Whether a monitor event touches what we own (our device or address, one of our routes or
 * entries deleted, a foreign route or kernel neighbour in place of one of ours) and so
 * wakes a pass. Pure.
 */
bool dp_event_relevant(const struct dp *dp, const struct nl_event *ev);

#define DP_RECONCILE_INTERVAL_USEC 5000000ULL

/* The entries one accepted lease wants (backend-vxlan.c / backend-hostgw.c). */
int vxlan_lease_state(const struct dp *dp, const struct dp_lease *dl, struct dp_state *s);
int hostgw_lease_state(const struct dp *dp, const struct dp_lease *dl, struct dp_state *s);
/* backend-vxlan.c: make the devices exist with the wanted attributes, MAC, MTU, up. */
int vxlan_devices_ensure(struct dp *dp);
/* backend-vxlan.c: choose MACs and set up dev[] at register time. */
int vxlan_devices_init(struct dp *dp, const char *state_dir);

/*
 * Pure: the VTEP MAC to use. dev_mac: the MAC of an existing device of that name (NULL:
 * none); saved: the state file's text (NULL: none); fresh: a random MAC to fall back on.
 * *ret_save tells whether the state file must be (re)written.
 */
void vxlan_mac_choose(const uint8_t *dev_mac, const char *saved, const uint8_t fresh[static 6],
		      uint8_t ret[static 6], bool *ret_save);
