#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# linend dataplane benchmarks, in clusters of namespaces built by demo/cluster.sh (root;
# nothing outside the namespaces it makes is touched):
#  1. convergence: a lease put into etcd -> ARP, FDB and route present on a peer (p50, p90);
#  2. 1000 leases at once -> all 3000 entries programmed, against programming the same
#     state with `ip`/`bridge` (one command per entry, and -batch);
#  3. TCP throughput pod to pod with iperf3: linend vxlan, linend host-gw, and a hand-made
#     kernel vxlan with the same MTU, same pods, same bridge (linend stopped, its device and
#     nft table removed, the device rebuilt with `ip`).
# Writes bench/out/linend-dataplane.md. Usage: bench/linend-dataplane.sh [build-dir]
# (N=1000 CONVERGE=50 IPERF_SECS=5 REPS=3 to change the sizes)
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
build=${1:-build}
case $build in /*) ;; *) build=$top/$build ;; esac
[ -x "$build/src/linend/linend" ] || { echo "no $build/src/linend/linend; build first"; exit 1; }
[ "$(id -u)" = 0 ] || { echo "needs root"; exit 1; }
N=${N:-1000}
CONVERGE=${CONVERGE:-50}
IPERF_SECS=${IPERF_SECS:-5}
REPS=${REPS:-3}
out=$top/bench/out/linend-dataplane.md
py=$top/bench/linend-dataplane.py

export CL_BUILD=$build CL_PREFIX=ldbench$$ CL_STATE=/run/ldbench$$ CL_ETCD_PORT=25790
export CL_ETCD_PEER_PORT=25800 CL_NETWORK=10.0.0.0/8
# shellcheck source=../demo/cluster.sh
source "$top/demo/cluster.sh"
trap 'set +e; cluster_down' EXIT

up() {
	cluster_down 2>/dev/null || true
	cluster_underlay_up
	cluster_etcd_up
	cl_etcdctl put "$CL_PREFIX_KEY/config" \
		"{\"Network\":\"$CL_NETWORK\",\"SubnetLen\":24,\"Backend\":{\"Type\":\"$1\"}}" >/dev/null
	cluster_node_up 1
	cluster_node_up 2
	cluster_node_wait 1
	cluster_node_wait 2
}

ul() { ip netns exec "$(cl_ul)" "$@"; }
n_entries() {
	local ns
	ns=$(cl_node "$1")
	echo "$(ip -n "$ns" route show proto 76 | wc -l)" \
		"$(ip -n "$ns" neigh show dev "$2" nud permanent | wc -l)" \
		"$(bridge -n "$ns" fdb show dev "$2" | grep -c permanent)"
}

now() { date +%s.%N; }
secs() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.3f", b - a }'; }

iperf() { # iperf <client pod ns> <server pod ns> <server ip>: median Gbit/s over REPS runs
	local c=$1 srv=$2 ip=$3 i pid v=()
	for i in $(seq "$REPS"); do
		ip netns exec "$srv" iperf3 -s -1 >/dev/null 2>&1 &
		pid=$!
		cl_record_pid "$pid"
		sleep 0.3
		v+=("$(ip netns exec "$c" iperf3 -c "$ip" -t "$IPERF_SECS" -J |
			jq '.end.sum_received.bits_per_second / 1e9')")
		wait "$pid" || true
	done
	printf '%s\n' "${v[@]}" | sort -n | awk '{a[NR]=$1} END {printf "%.2f", a[int((NR+1)/2)]}'
}

throughput() { # pods on both nodes, then iperf from pod (1,1) to pod (2,1)
	local b
	cluster_pod_add 1 1 >/dev/null
	b=$(cluster_pod_add 2 1)
	ip netns exec "$(cl_pod 1 1)" ping -c 1 -W 2 "$b" >/dev/null
	iperf "$(cl_pod 1 1)" "$(cl_pod 2 1)" "$b"
}

echo "== 1. convergence ($CONVERGE leases, one at a time)" >&2
up vxlan
conv=$(ul python3 "$py" converge "$CL_ETCD" "$CL_PREFIX_KEY" "$(cl_node 1)" "$CONVERGE")
echo "$conv" >&2

echo "== 2. $N leases at once" >&2
bulk=$(ul python3 "$py" bulk "$CL_ETCD" "$CL_PREFIX_KEY" "$(cl_node 1)" "$N")
echo "$bulk" >&2
sleep 1
read -r r1 n1 f1 < <(n_entries 1 flannel.1)
echo "node 1: $r1 routes, $n1 ARP, $f1 FDB" >&2

# the same 3000 entries by hand, in node 2 after stopping its linend (same kernel, same
# device kind): one exec per entry, then -batch
cluster_linend_stop 2 || true
tmp=$(mktemp -d)
python3 "$py" script "$N" flannel.1 "$tmp/s"
ns2=$(cl_node 2)
clean2() {
	ip -n "$ns2" route flush proto 76
	ip -n "$ns2" neigh flush dev flannel.1 nud permanent
	bridge -n "$ns2" fdb show dev flannel.1 | awk '/permanent/ {print "fdb del", $1, "dev flannel.1 self"}' \
		>"$tmp/del"
	bridge -n "$ns2" -batch "$tmp/del" 2>/dev/null || true
}
clean2
t0=$(now)
while read -r l; do ip -n "$ns2" $l; done <"$tmp/s.ip-neigh"
while read -r l; do bridge -n "$ns2" $l; done <"$tmp/s.bridge"
while read -r l; do ip -n "$ns2" $l; done <"$tmp/s.ip-route"
t_cmds=$(secs "$t0" "$(now)")
read -r r2 n2 f2 < <(n_entries 2 flannel.1)
echo "by hand, one exec per entry: $t_cmds s ($r2 routes, $n2 ARP, $f2 FDB)" >&2
clean2
t0=$(now)
ip -n "$ns2" -batch "$tmp/s.ip-neigh"
bridge -n "$ns2" -batch "$tmp/s.bridge"
ip -n "$ns2" -batch "$tmp/s.ip-route"
t_batch=$(secs "$t0" "$(now)")
echo "by hand, -batch: $t_batch s" >&2
rm -rf "$tmp"

echo "== 3. throughput" >&2
up vxlan
g_vx=$(throughput)
echo "linend vxlan: $g_vx Gbit/s" >&2
# the hand-made twin: linend gone, its device and table removed, the same device and
# entries made with ip/bridge, pods and bridge untouched
s1=$(sed -n 's/^FLANNEL_SUBNET=\(.*\)\.1\/24$/\1.0/p' "$CL_STATE/n1/subnet.env")
s2=$(sed -n 's/^FLANNEL_SUBNET=\(.*\)\.1\/24$/\1.0/p' "$CL_STATE/n2/subnet.env")
for i in 1 2; do cluster_linend_stop "$i" || true; done
for i in 1 2; do
	ns=$(cl_node "$i")
	ip -n "$ns" link del flannel.1
	ip netns exec "$ns" nft delete table ip linend 2>/dev/null || true
	ip -n "$ns" link add vxh type vxlan id 1 dstport 8472 local "$CL_UNDERLAY.$i" dev eth0 nolearning
	ip -n "$ns" link set vxh mtu 1450 address "0a:68:00:00:00:0$i" up
done
for i in 1 2; do
	ns=$(cl_node "$i")
	j=$((3 - i))
	me=$([ "$i" = 1 ] && echo "$s1" || echo "$s2")
	peer=$([ "$i" = 1 ] && echo "$s2" || echo "$s1")
	ip -n "$ns" addr add "$me/32" dev vxh
	ip -n "$ns" neigh replace "$peer" lladdr "0a:68:00:00:00:0$j" dev vxh nud permanent
	bridge -n "$ns" fdb replace "0a:68:00:00:00:0$j" dev vxh dst "$CL_UNDERLAY.$j" self permanent
	ip -n "$ns" route replace "$peer/24" via "$peer" dev vxh onlink
done
b=$(jq -r '.ips[0].address' "$CL_STATE/n2/pod1.json" | cut -d/ -f1)
ip netns exec "$(cl_pod 1 1)" ping -c 1 -W 2 "$b" >/dev/null
g_hand=$(iperf "$(cl_pod 1 1)" "$(cl_pod 2 1)" "$b")
echo "hand-made vxlan: $g_hand Gbit/s" >&2
up host-gw
g_hg=$(throughput)
echo "linend host-gw: $g_hg Gbit/s" >&2

jqv() { jq -r "$2" <<<"$1"; }
mkdir -p "$(dirname "$out")"
cat >"$out" <<EOF
# linend dataplane benchmarks

\`bench/linend-dataplane.sh\` on $(uname -r), $(nproc) CPUs, $(date -u +%Y-%m-%d).
Two node namespaces on a bridge underlay, real etcd 3.4, linend with the vxlan backend.
Times include etcd, the watch, and netlink; "programmed" is the arrival of the route event
on the peer (the route is installed after the ARP and FDB entries).

## Convergence (one lease put at a time, $(jqv "$conv" .n) leases)

| | p50 | p90 | max |
|---|---|---|---|
| put → ARP + FDB + route on the peer | $(jqv "$conv" '.p50_ms | . * 100 | round / 100') ms | $(jqv "$conv" '.p90_ms | . * 100 | round / 100') ms | $(jqv "$conv" '.max_ms | . * 100 | round / 100') ms |

## $N leases at once

| how | time | entries (routes / ARP / FDB) |
|---|---|---|
| linend: etcd puts (txns of 128) → all programmed on the peer | $(jqv "$bulk" '.programmed_s | . * 1000 | round / 1000') s (puts alone $(jqv "$bulk" '.put_s | . * 1000 | round / 1000') s) | $r1 / $n1 / $f1 (with the $CONVERGE of part 1 and the other node) |
| \`ip\` / \`bridge\`, one exec per entry | $t_cmds s | $r2 / $n2 / $f2 |
| \`ip -batch\` / \`bridge -batch\` | $t_batch s | same |

## Pod-to-pod TCP throughput (iperf3, ${IPERF_SECS} s, median of $REPS)

| path | Gbit/s |
|---|---|
| linend vxlan (flannel.1, MTU 1450, nft masquerade table loaded) | $g_vx |
| hand-made kernel vxlan, MTU 1450, same pods and bridge, no nft table | $g_hand |
| linend host-gw (plain routes, MTU 1500) | $g_hg |

linend vxlan / hand-made: $(awk -v a="$g_vx" -v b="$g_hand" 'BEGIN { printf "%.1f%%", a / b * 100 }').
Both use the same kernel objects; linend adds nothing per packet. Differences within a few
percent are noise on a shared machine (the helpers share 2 CPUs).
EOF
echo "wrote $out" >&2
cat "$out"
