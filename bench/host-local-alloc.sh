#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# ADD latency of host-local on a nearly full range: ours against the
# reference (/usr/lib/cni/host-local), same store, same config.
#
# The store holds USED addresses (default 60000 of a /16) owned by other
# containers; last_reserved_ip.0 points just before the used block, the worst
# case for a candidate-by-candidate allocator. Each ADD is followed by a DEL
# of the same container so every run sees the same store.
#
# usage: bench/host-local-alloc.sh [build-dir]   (env: USED, RUNS, SUBNET16)
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
build=${1:-$top/build}
ours=$build/plugins/host-local/host-local
ref=/usr/lib/cni/host-local
used=${USED:-60000}
runs=${RUNS:-10}
net=${SUBNET16:-10.77}

[ -x "$ours" ] || { echo "no $ours (build first)"; exit 1; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
mkdir -p "$tmp/seed/net"
echo "seeding $used used addresses in $net.0.0/16 ..."
(
	cd "$tmp/seed/net"
	for ((i = 2; i < used + 2; i++)); do
		printf 'other%d\r\neth0' "$i" >"$net.$((i / 256)).$((i % 256))"
	done
	printf '%s.0.1' "$net" >last_reserved_ip.0
)

run() {
	local name=$1 bin=$2 dir=$tmp/$1 cfg start end k
	rm -rf "$dir"
	cp -a "$tmp/seed" "$dir"
	cfg="{\"cniVersion\":\"1.0.0\",\"name\":\"net\",\"type\":\"host-local\",\"ipam\":{\"type\":\"host-local\",\"dataDir\":\"$dir\",\"ranges\":[[{\"subnet\":\"$net.0.0/16\"}]]}}"
	start=$(date +%s%N)
	for ((k = 0; k < runs; k++)); do
		CNI_COMMAND=ADD CNI_CONTAINERID=bench CNI_NETNS=/x CNI_IFNAME=eth0 CNI_PATH=/x \
			"$bin" <<<"$cfg" >/dev/null
		printf '%s.0.1' "$net" >"$dir/net/last_reserved_ip.0"
		CNI_COMMAND=DEL CNI_CONTAINERID=bench CNI_NETNS=/x CNI_IFNAME=eth0 CNI_PATH=/x \
			"$bin" <<<"$cfg" >/dev/null
	done
	end=$(date +%s%N)
	printf '%-10s %6d ms per ADD+DEL (%d used, %d runs)\n' "$name" \
		$(((end - start) / 1000000 / runs)) "$used" "$runs"
}

run linen "$ours"
[ -x "$ref" ] && run reference "$ref"
