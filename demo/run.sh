#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# make demo: a real multi-node linen overlay on this machine, in namespaces.
#   NODES=3 BACKEND=vxlan|host-gw PODS=2 DATASTORE=etcd|kube
# Starts etcd (DATASTORE=kube: the Kubernetes API server double of test/kube, with a
# Node per node whose podCIDR is its subnet), N nodes each running linend, two pods per node made with cnitool
# and flannel's conflist (flannel + portmap), then shows subnets, VTEP MACs,
# pod IPs, a pod-to-pod ping matrix and a host port reached from another node.
# It leaves the cluster running; `make demo-down` removes all of it.
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
NODES=${NODES:-3}
PODS=${PODS:-2}
CL_BACKEND=${BACKEND:-vxlan}
CL_PREFIX=${CL_PREFIX:-linen-demo}
CL_STATE=${CL_STATE:-/run/$CL_PREFIX}
CL_DATASTORE=${DATASTORE:-etcd}
export CL_BACKEND CL_PREFIX CL_STATE CL_DATASTORE
source "$top/demo/cluster.sh"

[ "$(id -u)" -eq 0 ] || { echo "make demo needs root (network namespaces)" >&2; exit 1; }
case $CL_BACKEND in vxlan|host-gw) ;; *) echo "BACKEND must be vxlan or host-gw" >&2; exit 1 ;; esac
[ "$NODES" -ge 2 ] && [ "$NODES" -le 50 ] || { echo "NODES must be 2..50" >&2; exit 1; }
case $CL_DATASTORE in
etcd) ;;
kube) [ -f "$top/test/kube/apiserver.py" ] || { echo "DATASTORE=kube needs test/kube/apiserver.py" >&2; exit 1; } ;;
*) echo "DATASTORE must be etcd or kube" >&2; exit 1 ;;
esac

step() { printf '\033[1m==> %s\033[0m\n' "$*"; }

if ip netns list | grep -q "^$CL_PREFIX-"; then
	step "removing the previous demo"
	cluster_down
fi

t0=$(date +%s.%N)
step "underlay: namespace $(cl_ul) with bridge br0 ($CL_UNDERLAY.0/24)"
cluster_underlay_up
if [ "$CL_DATASTORE" = kube ]; then
	step "Kubernetes API server double on $CL_API (kubeconfig $CL_KUBECONFIG)"
	cluster_kube_up
	cluster_kube_config "$CL_BACKEND"
	echo "    net-conf.json = $(cat "$CL_STATE/net-conf.json")"
	for i in $(seq "$NODES"); do
		cluster_kube_node "n$i" "${CL_NETWORK%.*.*}.$i.0/24"
		echo "    Node n$i: podCIDR ${CL_NETWORK%.*.*}.$i.0/24"
	done
else
	step "etcd on $CL_ETCD (data in $CL_STATE/etcd)"
	cluster_etcd_up
	cluster_config_put "$CL_BACKEND"
	echo "    $CL_PREFIX_KEY/config = $(cl_etcdctl get --print-value-only "$CL_PREFIX_KEY/config")"
fi

step "starting $NODES nodes with linend (backend $CL_BACKEND)"
for i in $(seq "$NODES"); do cluster_node_up "$i"; done
for i in $(seq "$NODES"); do
	cluster_node_wait "$i"
	echo "    node $i: $(grep FLANNEL_SUBNET "$CL_STATE/n$i/subnet.env" | cut -d= -f2)"
done

step "creating $PODS pods per node with cnitool (flannel + portmap)"
declare -A podip
for i in $(seq "$NODES"); do
	for j in $(seq "$PODS"); do
		caps=
		if [ "$i" -eq 1 ] && [ "$j" -eq 1 ]; then
			caps='{"portMappings":[{"hostPort":8080,"containerPort":80,"protocol":"tcp"}]}'
		fi
		podip[$i.$j]=$(cluster_pod_add "$i" "$j" "$caps")
		echo "$caps" >"$CL_STATE/n$i/pod$j.caps"
	done
done

# The overlay converges as leases propagate; give routes a moment on slow machines.
for _ in $(seq 50); do
	ip netns exec "$(cl_pod 1 1)" ping -c1 -W1 "${podip[$NODES.$PODS]}" >/dev/null 2>&1 && break
	sleep 0.1
done

step "nodes"
printf '    %-6s %-16s %-15s %-19s\n' NODE UNDERLAY SUBNET "VTEP MAC"
for i in $(seq "$NODES"); do
	sub=$(grep FLANNEL_SUBNET "$CL_STATE/n$i/subnet.env" | cut -d= -f2)
	mac=$(ip -n "$(cl_node "$i")" -j link show flannel.1 2>/dev/null | jq -r '.[0].address // "-"' || echo -)
	printf '    %-6s %-16s %-15s %-19s\n' "n$i" "$CL_UNDERLAY.$i" "$sub" "${mac:--}"
done
step "pods"
printf '    %-10s %-6s %-15s\n' POD NODE IP
for i in $(seq "$NODES"); do
	for j in $(seq "$PODS"); do
		printf '    %-10s %-6s %-15s\n' "n$i-p$j" "n$i" "${podip[$i.$j]}"
	done
done

step "pod-to-pod ping matrix (round-trip ms; x = unreachable)"
printf '    %-8s' "from\\to"
for i in $(seq "$NODES"); do for j in $(seq "$PODS"); do printf '%-9s' "n$i-p$j"; done; done
echo
bad=0 total=0
for a in $(seq "$NODES"); do
	for b in $(seq "$PODS"); do
		printf '    %-8s' "n$a-p$b"
		for i in $(seq "$NODES"); do
			for j in $(seq "$PODS"); do
				if [ "$a.$b" = "$i.$j" ]; then printf '%-9s' "-"; continue; fi
				total=$((total + 1))
				out=$(ip netns exec "$(cl_pod "$a" "$b")" ping -c1 -W1 "${podip[$i.$j]}" 2>/dev/null) || true
				rtt=$(sed -n 's/.*time=\([0-9.]*\) ms.*/\1/p' <<<"$out")
				if [ -n "$rtt" ]; then printf '%-9s' "$rtt"; else printf '%-9s' x; bad=$((bad + 1)); fi
			done
		done
		echo
	done
done

step "host port: node 1 port 8080 -> pod n1-p1 port 80, reached from node $NODES"
ip netns exec "$(cl_pod 1 1)" sh -c 'while :; do echo "hello from pod n1-p1" | nc -l -p 80 -q 1 >/dev/null 2>&1 || nc -l 80 </dev/null >/dev/null; done' \
	</dev/null >/dev/null 2>&1 &
cl_record_pid $!
hp=
for _ in $(seq 30); do
	hp=$(ip netns exec "$(cl_node "$NODES")" nc -w 1 "$CL_UNDERLAY.1" 8080 </dev/null 2>/dev/null || true)
	[ -n "$hp" ] && break
	sleep 0.1
done
echo "    $CL_UNDERLAY.1:8080 answered: ${hp:-<nothing>}"
[ -n "$hp" ] || bad=$((bad + 1))

t1=$(date +%s.%N)
echo
if [ "$bad" -eq 0 ]; then
	printf 'all %d pod pairs reachable and the host port answers (%.1f s)\n' "$total" "$(awk -v a="$t0" -v b="$t1" 'BEGIN{print b-a}')"
else
	printf '%d of %d checks FAILED\n' "$bad" "$((total + 1))"
fi
if [ "$CL_DATASTORE" = kube ]; then
	leases_cmd="ip netns exec $(cl_ul) curl -s --cacert $CL_STATE/kube/ca.pem -H 'Authorization: Bearer $CL_KUBE_TOKEN' $CL_API/api/v1/nodes"
else
	leases_cmd="ip netns exec $(cl_ul) env ETCDCTL_API=3 etcdctl --endpoints=$CL_ETCD get --prefix $CL_PREFIX_KEY"
fi
cat <<MSG

The cluster is still running. Look around:
  ip netns list | grep $CL_PREFIX
  nsenter --net=/run/netns/$(cl_node 1) ip route; nsenter --net=/run/netns/$(cl_node 1) bridge fdb show dev flannel.1
  nsenter --net=/run/netns/$(cl_node 1) curl -s http://127.0.0.1:8471/metrics
  nsenter --net=/run/netns/$(cl_node 1) nft list ruleset
  $leases_cmd
Remove everything with: make demo-down
MSG
[ "$bad" -eq 0 ]
