#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# The linend container's command in the DaemonSet: flanneld's flags from the
# pod's environment, etcd TLS flags only for the files that are mounted.
#
# Environment: ETCD_ENDPOINTS, ETCD_PREFIX, ETCD_CAFILE, ETCD_CERTFILE,
# ETCD_KEYFILE, HEALTHZ_PORT (8081), LINEND_IFACE (optional), and extra
# flags as arguments.
set -eu

set -- --etcd-endpoints="${ETCD_ENDPOINTS:-http://127.0.0.1:2379}" \
	--etcd-prefix="${ETCD_PREFIX:-/coreos.com/network}" \
	--subnet-file=/run/flannel/subnet.env \
	--ip-masq \
	--healthz-port="${HEALTHZ_PORT:-8081}" \
	"$@"
[ -n "${LINEND_IFACE:-}" ] && set -- "$@" --iface="$LINEND_IFACE"
[ -n "${ETCD_CAFILE:-}" ] && [ -f "$ETCD_CAFILE" ] && set -- "$@" --etcd-cafile="$ETCD_CAFILE"
[ -n "${ETCD_CERTFILE:-}" ] && [ -f "$ETCD_CERTFILE" ] && set -- "$@" --etcd-certfile="$ETCD_CERTFILE"
[ -n "${ETCD_KEYFILE:-}" ] && [ -f "$ETCD_KEYFILE" ] && set -- "$@" --etcd-keyfile="$ETCD_KEYFILE"
exec "${LINEND:-/usr/local/bin/linend}" "$@"
