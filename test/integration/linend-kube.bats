#!/usr/bin/env bats
# SPDX-License-Identifier: Apache-2.0
# linend --kube-subnet-mgr in a cluster of node namespaces (demo/cluster.sh) against the
# Kubernetes API server double ($LINEN_TOP/test/kube/apiserver.py) in the underlay
# namespace, over TLS with a bearer token from a kubeconfig file. Node i is Node "n<i>"
# whose spec.podCIDR is 10.244.<10+i>.0/24; linend reads its lease from there, writes
# flannel's annotations and NetworkUnavailable, and programs every other flannel node.

load helpers

setup() {
	require_root
	[ -x "$LINEN_BUILD/src/linend/linend" ] || skip "linend not built"
	[ -f "$LINEN_TOP/test/kube/apiserver.py" ] || skip "no API server double in $LINEN_TOP/test/kube"
	command -v openssl >/dev/null || skip "openssl not installed"
	for p in flannel bridge host-local portmap; do
		[ -x "$LINEN_BUILD/plugins/$p/$p" ] || skip "plugin $p not built"
	done
	export CL_PREFIX="lkb$BATS_TEST_NUMBER-$((RANDOM % 10000))"
	export CL_STATE=$BATS_TEST_TMPDIR/cl
	export CL_ETCD_PORT=$((33000 + RANDOM % 2000))
	export CL_ETCD_PEER_PORT=$((CL_ETCD_PORT + 2000))
	export CL_BUILD=$LINEN_BUILD
	export CL_UNDERLAY=192.168.213
	export CL_DATASTORE=kube
	export CL_API_PORT=$((36000 + RANDOM % 2000))
	export CL_API_ARGS="--bookmark-interval 1"
	export CL_LINEND_ARGS=${CL_LINEND_ARGS:-}
	# shellcheck source=../../demo/cluster.sh
	source "$LINEN_TOP/demo/cluster.sh"
	API="https://$CL_ETCD_IP:$CL_API_PORT"
	P=flannel.alpha.coreos.com
}

teardown() {
	local d bad=0
	for d in "$CL_STATE"/n*/; do
		[ -f "$d/linend.pid" ] && { cluster_linend_stop "$(basename "$d" | tr -d n)" || true; }
	done
	if grep -h -A12 'runtime error\|ERROR: AddressSanitizer\|ERROR: LeakSanitizer' \
		"$CL_STATE"/n*/linend.log 2>/dev/null; then
		bad=1
	fi
	cluster_down || true
	linen_teardown
	return "$bad"
}

wait_until() {
	local n=$(($1 * 20))
	shift
	while ! "$@" >/dev/null 2>&1; do
		n=$((n - 1))
		[ "$n" -gt 0 ] || return 1
		sleep 0.05
	done
}

nsx() { local i=$1; shift; ip netns exec "$(cl_node "$i")" "$@"; }
ulx() { ip netns exec "$(cl_ul)" "$@"; }
# kapi <method> <path> [body] [content-type]: the double as a client with the token
kapi() {
	ulx curl -sS --cacert "$CL_STATE/kube/ca.pem" -H "Authorization: Bearer $TOKEN" \
		-X "$1" ${3:+-H "Content-Type: ${4:-application/json}" --data "$3"} "$API$2"
}
ctl() { ulx curl -sS --cacert "$CL_STATE/kube/ca.pem" -X POST "$API/_double/$1"; }
metric() {
	nsx "$1" curl -s http://127.0.0.1:8471/metrics | awk -v m="$2" '$1 == m { print $2 }'
}
vtep_mac() { ip -n "$(cl_node "$1")" -j link show flannel.1 | jq -r '.[0].address'; }
routes76() { ip -n "$(cl_node "$1")" route show proto 76 | sed 's/ *$//'; }
fdb_is() { [ "$(bridge -n "$(cl_node "$1")" fdb show dev flannel.1)" = "$2" ]; }
has_route() { routes76 "$1" | grep -q "^$2 "; }
no_route() { ! routes76 "$1" | grep -q "^$2 "; }
metric_ge() { [ "$(metric "$1" "$2")" -ge "$3" ]; }
metric_is() { [ "$(metric "$1" "$2")" = "$3" ]; }
# fnode <name> <podCIDR> <public ip> <mac>: a Node annotated as flanneld annotates it
fnode() {
	run kapi POST /api/v1/nodes "{\"apiVersion\":\"v1\",\"kind\":\"Node\",\"metadata\":{\"name\":\"$1\",\"annotations\":{\"flannel.alpha.coreos.com/backend-data\":\"{\\\"VNI\\\":1,\\\"VtepMAC\\\":\\\"$4\\\"}\",\"flannel.alpha.coreos.com/backend-type\":\"vxlan\",\"flannel.alpha.coreos.com/kube-subnet-manager\":\"true\",\"flannel.alpha.coreos.com/public-ip\":\"$3\"}},\"spec\":{\"podCIDR\":\"$2\",\"podCIDRs\":[\"$2\"]}}"
	[ "$status" -eq 0 ]
}
ann() { kapi GET "/api/v1/nodes/$1" | jq -r --arg k "$2" '.metadata.annotations[$k]'; }

api_up() {
	cluster_kube_up
	TOKEN=$CL_KUBE_TOKEN
}

# node_obj <name> <podCIDR>: create a Node
node_obj() {
	run kapi POST /api/v1/nodes "{\"apiVersion\":\"v1\",\"kind\":\"Node\",\"metadata\":{\"name\":\"$1\"},\"spec\":{\"podCIDR\":\"$2\",\"podCIDRs\":[\"$2\"]}}"
	[ "$status" -eq 0 ]
}

# kcluster <backend> <nodes>: underlay, the double, the config file, Node objects, linend
kcluster() {
	local b=$1 n=$2 i
	cluster_underlay_up
	api_up
	cluster_kube_config "$b"
	for i in $(seq "$n"); do node_obj "n$i" "10.244.$((10 + i)).0/24"; done
	for i in $(seq "$n"); do cluster_node_up "$i"; done
	for i in $(seq "$n"); do cluster_node_wait "$i"; done
}

ping_pods() {
	local a b
	a=$(cluster_pod_add 1 1)
	b=$(cluster_pod_add 2 1)
	ip netns exec "$(cl_pod 1 1)" ping -c 2 -i 0.2 -W 1 "$b"
	ip netns exec "$(cl_pod 2 1)" ping -c 2 -i 0.2 -W 1 "$a"
}

@test "kube vxlan: subnets from podCIDR, annotations byte-exact, NetworkUnavailable, pod ping" {
	kcluster vxlan 2
	run grep -x FLANNEL_SUBNET=10.244.11.1/24 "$CL_STATE/n1/subnet.env"
	[ "$status" -eq 0 ]
	run grep -x FLANNEL_SUBNET=10.244.12.1/24 "$CL_STATE/n2/subnet.env"
	[ "$status" -eq 0 ]
	wait_until 5 has_route 1 10.244.12.0/24
	wait_until 5 has_route 2 10.244.11.0/24
	run kapi GET /api/v1/nodes/n1
	[ "$status" -eq 0 ]
	[ "$(jq -c '.metadata.annotations' <<<"$output")" = "{\"$P/backend-data\":\"{\\\"VNI\\\":1,\\\"VtepMAC\\\":\\\"$(vtep_mac 1)\\\"}\",\"$P/backend-type\":\"vxlan\",\"$P/kube-subnet-manager\":\"true\",\"$P/public-ip\":\"$CL_UNDERLAY.1\"}" ]
	[ "$(jq -r '.status.conditions[] | select(.type == "NetworkUnavailable") | "\(.status) \(.reason) \(.message)"' <<<"$output")" = "False FlannelIsUp Flannel is running on this node" ]
	# the PATCH as flanneld sends it: strategic merge on nodes/status
	run ulx curl -sS --cacert "$CL_STATE/kube/ca.pem" "$API/_double/requests"
	[ "$status" -eq 0 ]
	[ "$(jq -r '[.[] | select(.verb == "PATCH" or .method == "PATCH") | .path] | unique | join(" ")' <<<"$output")" = "/api/v1/nodes/n1/status /api/v1/nodes/n2/status" ]
	run ping_pods
	[ "$status" -eq 0 ]
}

@test "kube: the annotation PATCH body as flanneld sends it (strategic merge, sorted, only what differs)" {
	kcluster vxlan 1
	run ulx curl -sS --cacert "$CL_STATE/kube/ca.pem" "$API/_double/requests"
	[ "$status" -eq 0 ]
	patches=$(jq -c '[.[] | select(.method == "PATCH" and .path == "/api/v1/nodes/n1/status")]' <<<"$output")
	[ "$(jq -r '.[0].content_type' <<<"$patches")" = "application/strategic-merge-patch+json" ]
	[ "$(jq -r '.[0].body' <<<"$patches")" = "{\"metadata\":{\"annotations\":{\"$P/backend-data\":\"{\\\"VNI\\\":1,\\\"VtepMAC\\\":\\\"$(vtep_mac 1)\\\"}\",\"$P/backend-type\":\"vxlan\",\"$P/kube-subnet-manager\":\"true\",\"$P/public-ip\":\"$CL_UNDERLAY.1\"}}}" ]
	[ "$(jq -r '.[1].body | fromjson | .status.conditions[0].type' <<<"$patches")" = NetworkUnavailable ]
	[ "$(jq -r 'length' <<<"$patches")" = 2 ]
}

@test "kube host-gw: backend-data null, routes via the peer, pod ping" {
	kcluster host-gw 2
	wait_until 5 has_route 1 10.244.12.0/24
	run routes76 1
	[ "$status" -eq 0 ]
	[ "$output" = "10.244.12.0/24 via $CL_UNDERLAY.2 dev eth0" ]
	run ann n2 "$P/backend-data"
	[ "$status" -eq 0 ]
	[ "$output" = null ]
	run ann n2 "$P/backend-type"
	[ "$status" -eq 0 ]
	[ "$output" = host-gw ]
	run ping_pods
	[ "$status" -eq 0 ]
}

@test "kube: a flanneld-written node added then deleted; a node without our annotation ignored; heartbeats make no event" {
	kcluster vxlan 1
	# a node of someone else's network plugin, first: the watch delivers in order
	node_obj other 10.244.98.0/24
	# a node as flanneld annotates it (mixed cluster)
	run kapi POST /api/v1/nodes '{"apiVersion":"v1","kind":"Node","metadata":{"name":"f9","annotations":{"flannel.alpha.coreos.com/backend-data":"{\"VNI\":1,\"VtepMAC\":\"12:c6:65:89:b4:e3\"}","flannel.alpha.coreos.com/backend-type":"vxlan","flannel.alpha.coreos.com/kube-subnet-manager":"true","flannel.alpha.coreos.com/public-ip":"192.168.213.9"}},"spec":{"podCIDR":"10.244.99.0/24","podCIDRs":["10.244.99.0/24"]}}'
	[ "$status" -eq 0 ]
	wait_until 5 has_route 1 10.244.99.0/24
	run routes76 1
	[ "$status" -eq 0 ]
	[ "$output" = "10.244.99.0/24 via 10.244.99.0 dev flannel.1 onlink" ]
	run bridge -n "$(cl_node 1)" fdb show dev flannel.1
	[ "$status" -eq 0 ]
	[ "$output" = "12:c6:65:89:b4:e3 dst 192.168.213.9 self permanent" ]
	run metric 1 linend_remote_leases
	[ "$status" -eq 0 ]
	[ "$output" = 1 ]
	# "other" is neither a lease nor garbage: it is not flannel's
	run metric 1 linend_garbage_leases
	[ "$status" -eq 0 ]
	[ "$output" = 0 ]
	before=$(metric 1 linend_kube_lease_events_total)
	[ "$before" -ge 1 ]
	# a kubelet heartbeat: a status change that touches none of our fields
	run kapi PATCH /api/v1/nodes/f9/status '{"status":{"conditions":[{"type":"Ready","status":"True"}]}}' application/strategic-merge-patch+json
	[ "$status" -eq 0 ]
	run kapi PATCH /api/v1/nodes/f9 '{"metadata":{"labels":{"x":"y"}}}' application/merge-patch+json
	[ "$status" -eq 0 ]
	sleep 1
	run metric 1 linend_kube_lease_events_total
	[ "$status" -eq 0 ]
	[ "$output" = "$before" ]
	# a new VTEP MAC (flanneld restarted there without its annotation): programmed
	run kapi PATCH /api/v1/nodes/f9/status '{"metadata":{"annotations":{"flannel.alpha.coreos.com/backend-data":"{\"VNI\":1,\"VtepMAC\":\"12:c6:65:89:b4:e4\"}"}}}' application/strategic-merge-patch+json
	[ "$status" -eq 0 ]
	wait_until 5 fdb_is 1 "12:c6:65:89:b4:e4 dst 192.168.213.9 self permanent"
	run kapi DELETE /api/v1/nodes/f9
	[ "$status" -eq 0 ]
	wait_until 5 no_route 1 10.244.99.0/24
	run bridge -n "$(cl_node 1)" fdb show dev flannel.1
	[ "$status" -eq 0 ]
	[ "$output" = "" ]
	run metric 1 linend_remote_leases
	[ "$status" -eq 0 ]
	[ "$output" = 0 ]
}

@test "kube: a restart keeps the VTEP MAC of our backend-data annotation" {
	kcluster vxlan 1
	mac=$(vtep_mac 1)
	run ann n1 "$P/backend-data"
	[ "$status" -eq 0 ]
	[ "$output" = "{\"VNI\":1,\"VtepMAC\":\"$mac\"}" ]
	cluster_linend_stop 1
	# a reboot: the device and linend's state are gone, only the annotation is left
	ip -n "$(cl_node 1)" link del flannel.1
	rm -rf "$CL_STATE/n1/subnet.env" "$CL_STATE"/n1/*.state "$CL_STATE"/n1/vxlan* 2>/dev/null || true
	cluster_linend_start 1
	cluster_node_wait 1
	wait_until 5 ip -n "$(cl_node 1)" link show flannel.1
	run vtep_mac 1
	[ "$status" -eq 0 ]
	[ "$output" = "$mac" ]
	run ann n1 "$P/backend-data"
	[ "$status" -eq 0 ]
	[ "$output" = "{\"VNI\":1,\"VtepMAC\":\"$mac\"}" ]
}

@test "kube: a broken watch resumes from the last version; a 410 re-lists" {
	kcluster vxlan 1
	fnode f4 10.244.44.0/24 192.168.213.44 12:00:00:00:00:04
	wait_until 5 has_route 1 10.244.44.0/24
	run ctl "break-watches?mid=1"
	[ "$status" -eq 0 ]
	fnode f5 10.244.55.0/24 192.168.213.55 12:00:00:00:00:05
	wait_until 10 has_route 1 10.244.55.0/24
	run metric 1 linend_watch_resumes_total
	[ "$status" -eq 0 ]
	[ "$output" -ge 1 ]
	run metric 1 linend_watch_compactions_total
	[ "$status" -eq 0 ]
	[ "$output" = 0 ]
	# the next watch is answered 410 Gone: list again, keep going
	run ctl "fail?verb=watch&code=410&count=1&reason=Expired"
	[ "$status" -eq 0 ]
	run ctl break-watches
	[ "$status" -eq 0 ]
	wait_until 10 metric_ge 1 linend_watch_compactions_total 1
	run kapi DELETE /api/v1/nodes/f5
	[ "$status" -eq 0 ]
	wait_until 10 no_route 1 10.244.55.0/24
	run has_route 1 10.244.44.0/24
	[ "$status" -eq 0 ]
}

@test "kube: a podCIDR outside Network is refused with flanneld's error" {
	cluster_underlay_up
	api_up
	cluster_kube_config vxlan
	node_obj n1 10.99.1.0/24
	cluster_node_up 1
	wait_until 10 grep -q "doesn't contain" "$CL_STATE/n1/linend.log"
	run grep -c 'subnet "10.244.0.0/16" specified in the flannel net config doesn'"'"'t contain "10.99.1.0/24" PodCIDR of the "n1" node' "$CL_STATE/n1/linend.log"
	[ "$status" -eq 0 ]
	run test -e "$CL_STATE/n1/subnet.env"
	[ "$status" -ne 0 ]
}

@test "kube: a node without a podCIDR waits with flanneld's error" {
	cluster_underlay_up
	api_up
	cluster_kube_config vxlan
	run kapi POST /api/v1/nodes '{"apiVersion":"v1","kind":"Node","metadata":{"name":"n1"}}'
	[ "$status" -eq 0 ]
	cluster_node_up 1
	wait_until 10 grep -q 'node "n1" pod cidr not assigned' "$CL_STATE/n1/linend.log"
	run kapi PATCH /api/v1/nodes/n1 '{"spec":{"podCIDR":"10.244.21.0/24"}}' application/merge-patch+json
	[ "$status" -eq 0 ]
	cluster_node_wait 1
	run grep -x FLANNEL_SUBNET=10.244.21.1/24 "$CL_STATE/n1/subnet.env"
	[ "$status" -eq 0 ]
}

@test "kube: a custom annotation prefix (example.com/net2 -> example.com/net2-...)" {
	CL_LINEND_ARGS="--kube-annotation-prefix example.com/net2" kcluster vxlan 2
	wait_until 5 has_route 1 10.244.12.0/24
	run kapi GET /api/v1/nodes/n1
	[ "$status" -eq 0 ]
	[ "$(jq -r '.metadata.annotations | keys | join(" ")' <<<"$output")" = "example.com/net2-backend-data example.com/net2-backend-type example.com/net2-kube-subnet-manager example.com/net2-public-ip" ]
	run ping_pods
	[ "$status" -eq 0 ]
}

@test "kube: garbage annotations and an API answering 500 and 403: logged, counted, state kept" {
	kcluster vxlan 1
	fnode f4 10.244.44.0/24 192.168.213.44 12:00:00:00:00:04
	wait_until 5 has_route 1 10.244.44.0/24
	run kapi POST /api/v1/nodes '{"apiVersion":"v1","kind":"Node","metadata":{"name":"g7","annotations":{"flannel.alpha.coreos.com/kube-subnet-manager":"true","flannel.alpha.coreos.com/backend-type":"vxlan","flannel.alpha.coreos.com/backend-data":"{not json","flannel.alpha.coreos.com/public-ip":"nope"}},"spec":{"podCIDR":"10.244.77.0/24"}}'
	[ "$status" -eq 0 ]
	wait_until 5 metric_ge 1 linend_kube_garbage_nodes_total 1
	run metric 1 linend_garbage_leases
	[ "$status" -eq 0 ]
	[ "$output" = 1 ]
	run grep -c "node/g7" "$CL_STATE/n1/linend.log"
	[ "$status" -eq 0 ]
	[ "$output" -ge 1 ]
	run no_route 1 10.244.77.0/24
	[ "$status" -eq 0 ]
	# the API fails the next watches: two 500s, then two 403s
	run ctl "fail?verb=watch&code=500&count=2"
	[ "$status" -eq 0 ]
	run ctl "fail?verb=watch&code=403&count=2&reason=Forbidden"
	[ "$status" -eq 0 ]
	run ctl break-watches
	[ "$status" -eq 0 ]
	wait_until 20 metric_ge 1 linend_kube_errors_total 4
	run has_route 1 10.244.44.0/24
	[ "$status" -eq 0 ]
	run grep -c "lease watch ended" "$CL_STATE/n1/linend.log"
	[ "$status" -eq 0 ]
	[ "$output" -ge 4 ]
	# once the API answers again, changes flow
	run kapi DELETE /api/v1/nodes/g7
	[ "$status" -eq 0 ]
	wait_until 20 metric_is 1 linend_garbage_leases 0
	run has_route 1 10.244.44.0/24
	[ "$status" -eq 0 ]
}
