#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Install the Debian 12 packages linen needs to build, test and demo.
# Only missing packages are installed; apt-get update runs only when needed.
set -euo pipefail

pkgs=(
	# build
	meson ninja-build pkg-config gcc clang libclang-rt-14-dev
	libjansson-dev libmnl-dev libcurl4-openssl-dev libnftables-dev libcmocka-dev libyaml-dev
	# test and demo
	bats iproute2 nftables etcd-server etcd-client iperf3 tcpdump jq curl procps util-linux
	netcat-openbsd iputils-ping kmod dnsmasq
	# linend-takeover.bats: makes flanneld's rules as flanneld does (linen never runs it)
	iptables
	# docker.bats: dockerd (brings containerd and runc) and a static busybox for its image
	docker.io busybox-static
	# the reference plugins, for compatibility tests and benchmarks
	containernetworking-plugins
	# kube-double.bats: a real client of the Kubernetes API server double (test/kube)
	python3-kubernetes
)
[ $# -gt 0 ] && pkgs+=("$@")

missing=()
for p in "${pkgs[@]}"; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0

if [ "$(id -u)" -ne 0 ]; then
	echo "install-deps: missing packages: ${missing[*]} (run as root to install them)" >&2
	exit 1
fi
echo "install-deps: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
# Packages with daemons (docker.io, containerd) must not start them in the machine's root
# namespace: tests run their own, inside namespaces. Without a policy-rc.d of the machine's
# own, one that forbids starting services is in place for the install only.
if [ ! -e /usr/sbin/policy-rc.d ]; then
	printf '#!/bin/sh\nexit 101\n' >/usr/sbin/policy-rc.d
	chmod 755 /usr/sbin/policy-rc.d
	trap 'rm -f /usr/sbin/policy-rc.d' EXIT
fi
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
