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
# what keeping that state costs: a full pass (dump + diff), and CPU over 10 idle seconds
cpu() { awk '{print $14 + $15}' "/proc/$(cat "$CL_STATE/n1/linend.pid")/stat"; }
c0=$(cpu)
sleep 10
idle_cpu=$(awk -v a="$c0" -v b="$(cpu)" -v hz="$(getconf CLK_TCK)" \
	'BEGIN { printf "%.1f", (b - a) / hz * 1000 / 10 }')
pass_ms=$(ip netns exec "$(cl_node 1)" curl -s http://127.0.0.1:8471/metrics |
	awk '$1 == "linend_dataplane_last_pass_seconds" { printf "%.1f", $2 * 1000 }')
echo "full pass: $pass_ms ms; idle CPU: $idle_cpu ms/s" >&2

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
# Ours and a hand-made twin, interleaved run by run so drift on a shared machine hits both:
# linend programs flannel.1 and is then stopped (its dataplane stays, by design); a second
# kernel vxlan device vxh (VNI 2, same port, MTU 1450) gets the same entries from ip/bridge.
# Each run points the pod subnet's route at one device; ours runs with linend's nft table,
# the twin without any.
up vxlan
cluster_pod_add 1 1 >/dev/null
b=$(cluster_pod_add 2 1)
ip netns exec "$(cl_pod 1 1)" ping -c 1 -W 2 "$b" >/dev/null
for i in 1 2; do cluster_linend_stop "$i" || true; done
declare -A sub
for i in 1 2; do sub[$i]=$(sed -n 's/^FLANNEL_SUBNET=\(.*\)\.1\/24$/\1.0/p' "$CL_STATE/n$i/subnet.env"); done
tmp=$(mktemp -d)
for i in 1 2; do
	ns=$(cl_node "$i")
	ip netns exec "$ns" nft list table ip linend >"$tmp/nft$i"
	ip -n "$ns" link add vxh type vxlan id 2 dstport 8472 local "$CL_UNDERLAY.$i" dev eth0 \
		nolearning
	ip -n "$ns" link set vxh mtu 1450 address "0a:68:00:00:00:0$i" up
done
for i in 1 2; do
	ns=$(cl_node "$i")
	j=$((3 - i))
	ip -n "$ns" neigh replace "${sub[$j]}" lladdr "0a:68:00:00:00:0$j" dev vxh nud permanent
	bridge -n "$ns" fdb replace "0a:68:00:00:00:0$j" dev vxh dst "$CL_UNDERLAY.$j" self permanent
done
use() { # use ours|ours-nonft|hand
	local i ns j
	for i in 1 2; do
		ns=$(cl_node "$i")
		j=$((3 - i))
		if [ "$1" != hand ]; then
			ip -n "$ns" route replace "${sub[$j]}/24" via "${sub[$j]}" dev flannel.1 onlink \
				proto 76
			ip netns exec "$ns" nft delete table ip linend 2>/dev/null || true
			[ "$1" = ours ] && ip netns exec "$ns" nft -f "$tmp/nft$i"
		else
			ip -n "$ns" route replace "${sub[$j]}/24" via "${sub[$j]}" dev vxh onlink proto 76
			ip netns exec "$ns" nft delete table ip linend 2>/dev/null || true
		fi
	done
	ip netns exec "$(cl_pod 1 1)" ping -c 1 -W 2 "$b" >/dev/null
}
med() { printf '%s\n' "$@" | sort -n | awk '{a[NR]=$1} END {printf "%.2f", a[int((NR+1)/2)]}'; }
v_ours=() v_dev=() v_hand=()
ruleset=$(ip netns exec "$(cl_node 1)" nft list ruleset | grep -c '^table' || true)
for _ in $(seq "$REPS"); do
	use ours
	v_ours+=("$(REPS=1 iperf "$(cl_pod 1 1)" "$(cl_pod 2 1)" "$b")")
	use ours-nonft
	v_dev+=("$(REPS=1 iperf "$(cl_pod 1 1)" "$(cl_pod 2 1)" "$b")")
	use hand
	v_hand+=("$(REPS=1 iperf "$(cl_pod 1 1)" "$(cl_pod 2 1)" "$b")")
done
g_dev=$(med "${v_dev[@]}")
g_vx=$(med "${v_ours[@]}")
g_hand=$(med "${v_hand[@]}")
echo "linend vxlan: $g_vx (${v_ours[*]}); without nft: $g_dev (${v_dev[*]});" \
	"hand-made: $g_hand (${v_hand[*]}) Gbit/s" >&2
rm -rf "$tmp"
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

Keeping $r1 peers in place: a full reconciliation pass (dump routes, ARP and FDB, diff,
nothing to fix) takes $pass_ms ms; linend's CPU use at rest is $idle_cpu ms per second
(a pass and an nft check every 5 s, no polling in between).

## Pod-to-pod TCP throughput (iperf3, ${IPERF_SECS} s, median of $REPS, ours and twin interleaved)

| path | Gbit/s |
|---|---|
| linend vxlan (flannel.1, MTU 1450) with its nft masquerade/forward table | $g_vx |
| linend vxlan device and entries, nft table removed | $g_dev |
| hand-made kernel vxlan (\`ip\`/\`bridge\`), MTU 1450, same pods, no nft table | $g_hand |
| linend host-gw (plain routes, MTU 1500) | $g_hg |

Device against device (both without nft): linend / hand-made =
$(awk -v a="$g_dev" -v b="$g_hand" 'BEGIN { printf "%.1f%%", a / b * 100 }'). With the masquerade table:
$(awk -v a="$g_vx" -v b="$g_hand" 'BEGIN { printf "%.1f%%", a / b * 100 }') of the bare twin — the price of a
nat hook (conntrack on every packet), which flannel's --ip-masq pays as well.
Runs (Gbit/s): ours ${v_ours[*]}; ours without nft ${v_dev[*]}; twin ${v_hand[*]}.
Tables in the node namespace besides ours: $((ruleset - 1)). linend is not running during
these runs: the paths are kernel objects only; run-to-run spread is noise on a shared
2-CPU machine.
EOF
echo "wrote $out" >&2
cat "$out"
