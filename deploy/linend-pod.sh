#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# The linend container's command in the DaemonSet: flanneld's flags from the
# pod's environment.
#
# LINEND_DATASTORE=kube: --kube-subnet-mgr with the config at NET_CONF
# (/etc/kube-linen/net-conf.json); the API server, token and CA come from the
# pod's service account, the node from NODE_NAME or POD_NAME/POD_NAMESPACE.
# Otherwise (etcd): ETCD_ENDPOINTS, ETCD_PREFIX, and the etcd TLS flags only
# for the files that are mounted (ETCD_CAFILE, ETCD_CERTFILE, ETCD_KEYFILE).
# Both: HEALTHZ_PORT (8081), LINEND_IFACE (optional), and extra flags as
# arguments.
set -eu

if [ "${LINEND_DATASTORE:-etcd}" = kube ]; then
	set -- --kube-subnet-mgr \
		--net-config-path="${NET_CONF:-/etc/kube-linen/net-conf.json}" \
		--subnet-file=/run/flannel/subnet.env \
		--ip-masq \
		--healthz-port="${HEALTHZ_PORT:-8081}" \
		"$@"
else
	set -- --etcd-endpoints="${ETCD_ENDPOINTS:-http://127.0.0.1:2379}" \
		--etcd-prefix="${ETCD_PREFIX:-/coreos.com/network}" \
		--subnet-file=/run/flannel/subnet.env \
		--ip-masq \
		--healthz-port="${HEALTHZ_PORT:-8081}" \
		"$@"
	[ -n "${ETCD_CAFILE:-}" ] && [ -f "$ETCD_CAFILE" ] && set -- "$@" --etcd-cafile="$ETCD_CAFILE"
	[ -n "${ETCD_CERTFILE:-}" ] && [ -f "$ETCD_CERTFILE" ] && set -- "$@" --etcd-certfile="$ETCD_CERTFILE"
	[ -n "${ETCD_KEYFILE:-}" ] && [ -f "$ETCD_KEYFILE" ] && set -- "$@" --etcd-keyfile="$ETCD_KEYFILE"
fi
[ -n "${LINEND_IFACE:-}" ] && set -- "$@" --iface="$LINEND_IFACE"
exec "${LINEND:-/usr/local/bin/linend}" "$@"
