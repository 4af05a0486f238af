/* SPDX-License-Identifier: Apache-2.0 */
/*
 * store-kube.h - the lease store on the Kubernetes API (flanneld's --kube-subnet-mgr).
 *
 * Owns: our Node's podCIDR(s) as our lease, flannel's node annotations as everyone's lease
 * attributes, the network config from a file (--net-config-path), the annotation prefix rule,
 * and the NetworkUnavailable=False condition. Borrows the kube client.
 */
#pragma once

#include <stdbool.h>

#include "basic/ip.h"
#include "linend/store.h"

struct kube_client;

struct store_kube_options {
	const char *net_config_path; /* NULL: /etc/kube-flannel/net-conf.json */
	const char *annotation_prefix; /* as given; NULL: flannel.alpha.coreos.com */
	const char *node_name;       /* NULL: NODE_NAME, else POD_NAMESPACE/POD_NAME's node */
	bool set_node_network_unavailable;
	struct ip_addr public_ip, public_ipv6; /* ours: our node is listed with them */
};

/* flanneld's rule: "a.b" -> "a.b/", "a.b/x" -> "a.b/x-"; -EINVAL if it is not a valid one. */
int store_kube_prefix(const char *given, char *buf, size_t size);
int store_kube_new(struct kube_client *c, const struct store_kube_options *o,
		   struct lease_store *ret);
