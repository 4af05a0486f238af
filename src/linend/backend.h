/* SPDX-License-Identifier: Apache-2.0 */
/*
 * backend.h - the interface between linend's lease logic and a dataplane.
 *
 * Owns: the vtable every backend implements and the table of backends by flannel
 * Backend.Type. A backend only ever sees typed structs (struct net_config with its typed
 * backend section, struct lease with typed BackendData): the store layer parsed and
 * validated all JSON before. Call order: register_network once (devices, MTU, what to
 * advertise), lease_acquired whenever our own lease is (re)established, then lease_added /
 * lease_removed for every remote lease, and reconcile every reconcile_interval_usec.
 * lease_removed receives the attributes cached from the last lease_added, so the backend
 * knows which MAC/IP to delete. leases_synced follows every full listing: only then may a
 * backend delete kernel state for leases it has not been told about. All calls run on the loop thread and must not block long.
 * On shutdown the state is freed without tearing the dataplane down.
 */
#pragma once

#include <net/if.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "linend/lease.h"
#include "linend/netconfig.h"

struct backend_ext_iface {
	char name[IF_NAMESIZE];
	int ifindex;
	unsigned mtu;
	struct ip_addr iface_addr;  /* IPv4 address on the interface (family 0: none) */
	struct ip_addr iface_addr6; /* IPv6 address on the interface (family 0: none) */
	struct ip_addr ext_addr;    /* advertised PublicIP (--public-ip, else iface_addr) */
	struct ip_addr ext_addr6;   /* advertised PublicIPv6 */
};

/* What register_network hands back for our lease and subnet.env. */
struct backend_network {
	unsigned mtu;                   /* FLANNEL_MTU */
	char type[LEASE_TYPE_MAX];      /* BackendType in the lease; "" omits it (alloc, udp) */
	struct backend_data data;       /* BackendData */
	struct backend_data data6;      /* BackendV6Data (dual-stack) */
};

struct loop;

/* What the daemon lends a backend that programs the kernel: its loop and the dataplane flags. */
struct backend_env {
	struct loop *loop;
	bool ip_masq;             /* --ip-masq */
	bool forward_rules;       /* --iptables-forward-rules */
	bool masq_fully_random;   /* not --ip-masq-fully-random-disable */
	uint64_t fw_resync_usec;  /* --iptables-resync */
	const char *state_dir;    /* where a backend may keep state (the vxlan MAC) */
	/*
	 * The backend's advertised data changed after register_network (a fresh VTEP MAC after
	 * a clash with a remote lease): the daemon re-writes our lease with *net. Set by the
	 * daemon; a backend calls it from any of its callbacks.
	 */
	void (*net_changed)(void *userdata, const struct backend_network *net);
	void *net_changed_userdata;
	/* The backend cannot go on (a startup command failed): the daemon exits. Same userdata. */
	void (*failed)(void *userdata, int error);
};

struct backend_ops {
	const char *name; /* Backend.Type, lower case */
	/*
	 * -EINPROGRESS: *ret_state is set and the backend is still preparing what it
	 * advertises (extension's PreStartupCommand); the daemon claims no lease until the
	 * backend calls net_changed (or failed).
	 */
	int (*register_network)(const struct net_config *cfg, const struct backend_ext_iface *ext,
				const struct backend_env *env, void **ret_state,
				struct backend_network *ret);
	/*
	 * optional: our lease as the store still holds it from an earlier run, found before the
	 * daemon writes ours. The backend may adopt what it advertised then (the vxlan MAC, so
	 * peers' entries stay valid) and update *net, which the daemon then writes.
	 */
	int (*own_lease_found)(void *state, const struct lease *prev, struct backend_network *net);
	/* optional */
	int (*lease_acquired)(void *state, const struct lease *own);
	int (*lease_added)(void *state, const struct lease *l);
	int (*lease_removed)(void *state, const struct lease *l);
	/* optional; 0 interval: never */
	int (*reconcile)(void *state);
	uint64_t reconcile_interval_usec;
	/* optional: the remote leases passed so far are all there are (after each full list) */
	void (*leases_synced)(void *state);
	/* optional: append Prometheus text for /metrics */
	int (*metrics)(void *state, FILE *f);
	void (*free)(void *state);
};

extern const struct backend_ops backend_alloc_ops;
extern const struct backend_ops backend_log_ops;
extern const struct backend_ops backend_vxlan_ops;
extern const struct backend_ops backend_hostgw_ops;
extern const struct backend_ops backend_extension_ops;

/* The backend for a Backend.Type, or NULL when this build has none. */
const struct backend_ops *backend_find(const char *type);
