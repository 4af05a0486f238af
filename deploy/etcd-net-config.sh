#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# Put the network config (net-conf.json) into etcd at <prefix>/config unless
# one is already there: linend in etcd mode reads it from there, like
# flanneld. Run by every node's init step; a config that exists is never
# replaced (linend refuses a changed config under a running cluster anyway).
#
# Environment: ETCD_ENDPOINTS (http://127.0.0.1:2379), ETCD_PREFIX
# (/coreos.com/network), NET_CONF (/etc/kube-linen/net-conf.json), and the
# TLS files ETCD_CAFILE, ETCD_CERTFILE, ETCD_KEYFILE when they exist.
set -eu

endpoints=${ETCD_ENDPOINTS:-http://127.0.0.1:2379}
prefix=${ETCD_PREFIX:-/coreos.com/network}
net_conf=${NET_CONF:-/etc/kube-linen/net-conf.json}
key=${prefix%/}/config

set -- --endpoints="$endpoints"
[ -n "${ETCD_CAFILE:-}" ] && [ -f "$ETCD_CAFILE" ] && set -- "$@" --cacert="$ETCD_CAFILE"
[ -n "${ETCD_CERTFILE:-}" ] && [ -f "$ETCD_CERTFILE" ] && set -- "$@" --cert="$ETCD_CERTFILE"
[ -n "${ETCD_KEYFILE:-}" ] && [ -f "$ETCD_KEYFILE" ] && set -- "$@" --key="$ETCD_KEYFILE"
export ETCDCTL_API=3

current=$(etcdctl "$@" get --print-value-only "$key")
if [ -n "$current" ]; then
	echo "etcd-net-config: $key already set, left as is"
	exit 0
fi
etcdctl "$@" put "$key" <"$net_conf" >/dev/null
echo "etcd-net-config: $key set from $net_conf"
