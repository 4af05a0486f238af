#!/usr/bin/env bats
# SPDX-License-Identifier: Apache-2.0
# linend's dataplane in a cluster of node namespaces (demo/cluster.sh): one underlay
# namespace with a bridge and a real etcd, nodes running linend on eth0, pods made by
# cnitool with the flannel conflist. Shows cross-node ping over vxlan and host-gw, the
# exact kernel state, repair after damage, cleanup when a node leaves (also while linend
# was down), refused leases, masquerade towards a namespace outside the cluster, and a
# restart that loses no packet. Every test builds and removes its own cluster.

load helpers

setup() {
	require_root
	command -v etcd >/dev/null || skip "etcd not installed"
	[ -x "$LINEN_BUILD/src/linend/linend" ] || skip "linend not built"
	for p in flannel bridge host-local portmap; do
		[ -x "$LINEN_BUILD/plugins/$p/$p" ] || skip "plugin $p not built"
	done
	[ -x "$LINEN_BUILD/src/cnitool/cnitool" ] || skip "cnitool not built"
	export CL_PREFIX="ldp$BATS_TEST_NUMBER-$((RANDOM % 10000))"
	export CL_STATE=$BATS_TEST_TMPDIR/cl
	export CL_ETCD_PORT=$((31000 + RANDOM % 2000))
	export CL_ETCD_PEER_PORT=$((CL_ETCD_PORT + 2000))
	export CL_BUILD=$LINEN_BUILD
	export CL_UNDERLAY=192.168.213
	export CL_LINEND_ARGS=${CL_LINEND_ARGS:-}
	# shellcheck source=../../demo/cluster.sh
	source "$LINEN_TOP/demo/cluster.sh"
}

teardown() {
	local d bad=0
	# stop every linend first (an ASan build reports leaks at exit), then fail the test on
	# any sanitizer report in their logs
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

# wait_until <seconds> cmd...: poll every 50 ms
wait_until() {
	local n=$(($1 * 20))
	shift
	while ! "$@" >/dev/null 2>&1; do
		n=$((n - 1))
		[ "$n" -gt 0 ] || return 1
		sleep 0.05
	done
}

# cluster <backend> <nodes>: underlay, etcd, config, nodes with linend, all ready
cluster() {
	local b=$1 n=$2 i
	cluster_underlay_up
	cluster_etcd_up
	cluster_config_put "$b"
	for i in $(seq "$n"); do cluster_node_up "$i"; done
	for i in $(seq "$n"); do cluster_node_wait "$i"; done
}

nsx() { local i=$1; shift; ip netns exec "$(cl_node "$i")" "$@"; }
# this node's subnet network address, e.g. 10.244.7.0
subnet_ip() { sed -n 's/^FLANNEL_SUBNET=\(.*\)\.1\/24$/\1.0/p' "$CL_STATE/n$1/subnet.env"; }
vtep_mac() { ip -n "$(cl_node "$1")" -j link show "${2:-flannel.1}" | jq -r '.[0].address'; }
routes76() { ip -n "$(cl_node "$1")" route show proto 76 | sed 's/ *$//'; }
neighs() { ip -n "$(cl_node "$1")" neigh show dev flannel.1 | sed 's/ *$//'; }
fdbs() { bridge -n "$(cl_node "$1")" fdb show dev flannel.1 | sed 's/ *$//'; }
metric() {
	nsx "$1" curl -s http://127.0.0.1:8471/metrics | awk -v m="$2" '$1 == m { print $2 }'
}
fdb_is() { [ "$(fdbs "$1")" = "$2" ]; }
routes_are() { [ "$(routes76 "$1")" = "$2" ]; }
routes6_are() { [ "$(ip -n "$(cl_node "$1")" -6 route show proto 76 | sed 's/ *$//')" = "$2" ]; }
table_has() { nsx "$1" nft list table ip linend | grep -q "$2"; }
# vx_lease <public ip> <mac>: a vxlan lease value as flanneld writes it
vx_lease() {
	printf '{"PublicIP":"%s","PublicIPv6":null,"BackendType":"vxlan",' "$1"
	printf '"BackendData":{"VNI":1,"VtepMAC":"%s"}}' "$2"
}
put_config() { cl_etcdctl put "$CL_PREFIX_KEY/config" "$1" >/dev/null; }
put_lease() { cl_etcdctl put "$CL_PREFIX_KEY/subnets/$1" "$2" >/dev/null; }
lease_key() { echo "$CL_PREFIX_KEY/subnets/$(subnet_ip "$1")-24"; }

# the state node i must show for peer j over vxlan
expect_vxlan_peer() {
	local i=$1 j=$2 s m
	s=$(subnet_ip "$j")
	m=$(vtep_mac "$j")
	[ "$(routes76 "$i")" = "$s/24 via $s dev flannel.1 onlink" ] &&
		[ "$(neighs "$i")" = "$s lladdr $m PERMANENT" ] &&
		[ "$(fdbs "$i")" = "$m dst $CL_UNDERLAY.$j self permanent" ]
}

@test "vxlan: cross-node pod ping, exact devices, routes, ARP, FDB, nft and lease" {
	cluster vxlan 2
	wait_until 2 expect_vxlan_peer 1 2
	wait_until 2 expect_vxlan_peer 2 1
	# the device as flannel makes it: VNI 1, port 8472, learning off, local = eth0's IP
	run ip -n "$(cl_node 1)" -d -j link show flannel.1
	[ "$(jq -r '.[0].linkinfo.info_data | "\(.id) \(.port) \(.learning) \(.local)"' <<<"$output")" = \
		"1 8472 false $CL_UNDERLAY.1" ]
	[ "$(jq -r '.[0].mtu' <<<"$output")" = 1450 ]
	[ "$(ip -n "$(cl_node 1)" -4 -br addr show flannel.1 | awk '{print $3}')" = "$(subnet_ip 1)/32" ]
	grep -qx FLANNEL_MTU=1450 "$CL_STATE/n1/subnet.env"
	# the lease advertises the device's MAC
	run cl_etcdctl get "$(lease_key 1)" --print-value-only
	[ "$output" = "$(vx_lease "$CL_UNDERLAY.1" "$(vtep_mac 1)")" ]
	# masquerade and forward rules, flannel's iptables semantics
	n=10.244.0.0/16 p=$(subnet_ip 1)/24
	cat >"$BATS_TEST_TMPDIR/nft" <<EOF
table ip linend {
	chain postrtg {
		type nat hook postrouting priority srcnat; policy accept;
		meta mark & 0x00004000 == 0x00004000 return comment "linend masq"
		ip saddr $p ip daddr $n return comment "linend masq"
		ip saddr $n ip daddr $p return comment "linend masq"
		ip saddr != $n ip daddr $p return comment "linend masq"
		ip saddr $n ip daddr != 224.0.0.0/4 masquerade fully-random comment "linend masq"
		ip saddr != $n ip daddr $n masquerade fully-random comment "linend masq"
	}

	chain forward {
		type filter hook forward priority filter; policy accept;
		ip saddr $n accept comment "linend forward"
		ip daddr $n accept comment "linend forward"
	}
}
EOF
	nsx 1 nft list ruleset | diff "$BATS_TEST_TMPDIR/nft" -
	a=$(cluster_pod_add 1 1)
	b=$(cluster_pod_add 2 1)
	ip netns exec "$(cl_pod 1 1)" ping -c 3 -i 0.2 -W 1 "$b"
	ip netns exec "$(cl_pod 2 1)" ping -c 3 -i 0.2 -W 1 "$a"
	# and it really went through the tunnel
	[ "$(ip -n "$(cl_node 1)" -s -j link show flannel.1 | jq '.[0].stats64.tx.packets')" -ge 3 ]
	# in a steady state the monitor does not wake passes (nothing fights over our entries)
	p1=$(metric 1 linend_dataplane_passes_total)
	sleep 1
	p2=$(metric 1 linend_dataplane_passes_total)
	[ $((p2 - p1)) -le 1 ]
	[ "$(metric 1 linend_dataplane_errors_total)" = 0 ]
}

@test "vxlan options: VNI, Port, GBP, MTU, and DirectRouting to a peer on the same link" {
	cluster_underlay_up
	cluster_etcd_up
	put_config '{"Network":"10.244.0.0/16","Backend":{"Type":"vxlan","VNI":42,"Port":4789,
		"GBP":true,"MTU":1400,"DirectRouting":true}}'
	cluster_node_up 1
	cluster_node_up 2
	cluster_node_wait 1
	cluster_node_wait 2
	run ip -n "$(cl_node 1)" -d -j link show flannel.42
	[ "$(jq -r '.[0].linkinfo.info_data | "\(.id) \(.port) \(.gbp)"' <<<"$output")" = "42 4789 true" ]
	[ "$(jq -r '.[0].mtu' <<<"$output")" = 1350 ]
	grep -qx FLANNEL_MTU=1350 "$CL_STATE/n1/subnet.env"
	cl_etcdctl get --prefix "$CL_PREFIX_KEY/subnets/" --print-value-only | grep -q '"VNI":42'
	# both nodes share the underlay link: a plain route via the peer, no ARP or FDB entry
	s2=$(subnet_ip 2)
	wait_until 2 routes_are 1 "$s2/24 via $CL_UNDERLAY.2 dev eth0"
	[ -z "$(ip -n "$(cl_node 1)" neigh show dev flannel.42)" ]
	[ -z "$(bridge -n "$(cl_node 1)" fdb show dev flannel.42)" ]
	cluster_pod_add 1 1 >/dev/null
	b=$(cluster_pod_add 2 1)
	ip netns exec "$(cl_pod 1 1)" ping -c 2 -i 0.2 -W 1 "$b"
}

@test "vxlan: a deleted device, route, neighbour, FDB entry or nft table is back within 1 s" {
	cluster vxlan 2
	wait_until 2 expect_vxlan_peer 1 2
	b=$(cluster_pod_add 2 1)
	cluster_pod_add 1 1 >/dev/null
	mac1=$(vtep_mac 1)
	s=$(subnet_ip 2)

	ip -n "$(cl_node 1)" link del flannel.1
	wait_until 1 expect_vxlan_peer 1 2
	[ "$(vtep_mac 1)" = "$mac1" ] # peers still know this MAC
	[ "$(ip -n "$(cl_node 1)" -4 -br addr show flannel.1 | awk '{print $3}')" = "$(subnet_ip 1)/32" ]

	ip -n "$(cl_node 1)" route del "$s/24"
	wait_until 1 expect_vxlan_peer 1 2
	bridge -n "$(cl_node 1)" fdb del "$(vtep_mac 2)" dev flannel.1 dst "$CL_UNDERLAY.2" self
	wait_until 1 expect_vxlan_peer 1 2
	ip -n "$(cl_node 1)" neigh del "$s" dev flannel.1
	wait_until 1 expect_vxlan_peer 1 2
	ip -n "$(cl_node 1)" link set flannel.1 down
	wait_until 1 expect_vxlan_peer 1 2
	ip -n "$(cl_node 1)" link show flannel.1 | grep -q ',UP'
	# a foreign route put in place of ours is replaced by ours
	ip -n "$(cl_node 1)" route replace "$s/24" via "$CL_UNDERLAY.254"
	wait_until 1 expect_vxlan_peer 1 2

	nsx 1 nft flush ruleset
	wait_until 1 nsx 1 nft list table ip linend
	nsx 1 nft flush chain ip linend postrtg
	wait_until 1 table_has 1 masquerade
	[ "$(metric 1 linend_masq_repairs_total)" -ge 2 ]
	[ "$(metric 1 linend_dataplane_repairs_total)" -ge 5 ]

	ip netns exec "$(cl_pod 1 1)" ping -c 2 -i 0.2 -W 1 "$b"
}

@test "vxlan: two nodes whose --subnet-file share one directory keep a VTEP MAC each" {
	local shared=$CL_STATE/shared i a b
	cluster_underlay_up
	cluster_etcd_up
	cluster_config_put vxlan
	mkdir -p "$shared"
	for i in 1 2; do
		# the node's own subnet.env (read by the CNI plugin) is the one in the shared dir
		mkdir -p "$CL_STATE/n$i"
		ln -s "$shared/subnet-$i.env" "$CL_STATE/n$i/subnet.env"
		CL_LINEND_ARGS="--subnet-file $shared/subnet-$i.env" cluster_node_up "$i"
	done
	for i in 1 2; do cluster_node_wait "$i"; done
	wait_until 2 expect_vxlan_peer 1 2
	wait_until 2 expect_vxlan_peer 2 1
	[ "$(vtep_mac 1)" != "$(vtep_mac 2)" ]
	# one MAC file per node in the shared directory, keyed by its public address
	[ "$(cat "$shared/linend-flannel.1-$CL_UNDERLAY.1.mac")" = "$(vtep_mac 1)" ]
	[ "$(cat "$shared/linend-flannel.1-$CL_UNDERLAY.2.mac")" = "$(vtep_mac 2)" ]
	a=$(cluster_pod_add 1 1)
	b=$(cluster_pod_add 2 1)
	ip netns exec "$(cl_pod 1 1)" ping -c 3 -i 0.2 -W 1 "$b"
	ip netns exec "$(cl_pod 2 1)" ping -c 3 -i 0.2 -W 1 "$a"
	[ "$(metric 1 linend_vtep_mac_conflicts_total)" = 0 ]
	[ "$(metric 2 linend_vtep_mac_conflicts_total)" = 0 ]
}

@test "vxlan: a node that leaves is removed from its peers, also while linend was down" {
	cluster vxlan 3
	wait_until 2 bash -c "[ \$(ip -n $(cl_node 1) route show proto 76 | wc -l) = 2 ]"
	s2=$(subnet_ip 2)
	s3=$(subnet_ip 3)
	m2=$(vtep_mac 2)
	cluster_linend_stop 2
	cl_etcdctl del "$(lease_key 2)"
	wait_until 1 bash -c "! ip -n $(cl_node 1) route show proto 76 | grep -q '^$s2/'"
	! neighs 1 | grep -q "^$s2 " || false
	! fdbs 1 | grep -q "^$m2 " || false
	[ "$(routes76 1)" = "$s3/24 via $s3 dev flannel.1 onlink" ]

	# node 3 leaves while node 1's linend is down: cleaned up at start, node 3's entries
	# removed, nothing else touched
	cluster_linend_stop 1
	cluster_linend_stop 3
	m3=$(vtep_mac 3)
	cl_etcdctl del "$(lease_key 3)"
	[ -n "$(routes76 1)" ] # still there while linend is down
	cluster_linend_start 1
	wait_until 3 bash -c "[ -z \"\$(ip -n $(cl_node 1) route show proto 76)\" ]"
	wait_until 1 bash -c "! bridge -n $(cl_node 1) fdb show dev flannel.1 | grep -q $m3"
	[ -z "$(neighs 1)" ]
}

@test "vxlan: a peer's new MAC or address replaces its entries and removes the old FDB entry" {
	cluster vxlan 2
	wait_until 2 expect_vxlan_peer 1 2
	key=$(lease_key 2)
	old=$(vtep_mac 2)
	cluster_linend_stop 2
	cl_etcdctl put "$key" "$(vx_lease "$CL_UNDERLAY.2" 0a:00:00:00:00:02)"
	s=$(subnet_ip 2)
	wait_until 1 fdb_is 1 "0a:00:00:00:00:02 dst $CL_UNDERLAY.2 self permanent"
	[ "$(neighs 1)" = "$s lladdr 0a:00:00:00:00:02 PERMANENT" ]
	! fdbs 1 | grep -q "$old" || false
	cl_etcdctl put "$key" "$(vx_lease "$CL_UNDERLAY.9" 0a:00:00:00:00:02)"
	wait_until 1 fdb_is 1 "0a:00:00:00:00:02 dst $CL_UNDERLAY.9 self permanent"
	[ "$(routes76 1)" = "$s/24 via $s dev flannel.1 onlink" ]
}

@test "vxlan: leases outside the network or with a bad MAC are refused and counted" {
	cluster vxlan 1
	put_lease 10.99.1.0-24 "$(vx_lease "$CL_UNDERLAY.7" 0a:00:00:00:00:07)"
	put_lease 10.244.250.0-24 "$(vx_lease "$CL_UNDERLAY.8" 01:00:5e:00:00:08)"
	put_lease 10.244.251.0-24 "$(vx_lease "$CL_UNDERLAY.9" zz:00)"
	put_lease 10.244.252.0-24 "$(vx_lease "$CL_UNDERLAY.10" 0a:00:00:00:00:0a)"
	wait_until 2 bash -c "ip -n $(cl_node 1) route show proto 76 | grep -q 10.244.252.0"
	sleep 0.3
	[ "$(routes76 1)" = "10.244.252.0/24 via 10.244.252.0 dev flannel.1 onlink" ]
	[ "$(metric 1 'linend_leases_rejected_total{reason="outside-network"}')" = 1 ]
	[ "$(metric 1 'linend_leases_rejected_total{reason="bad-mac"}')" = 1 ]
	[ "$(metric 1 linend_garbage_leases)" = 1 ] # an unparsable MAC never reaches the backend
	[ "$(metric 1 'linend_dataplane_leases{state="rejected"}')" = 2 ]
	grep -q "not programming lease 10.99.1.0-24 .*outside-network" "$CL_STATE/n1/linend.log"
}

@test "host-gw: cross-node pod ping over plain routes; a peer off the link is refused" {
	cluster host-gw 2
	s2=$(subnet_ip 2)
	wait_until 2 routes_are 1 "$s2/24 via $CL_UNDERLAY.2 dev eth0"
	! ip -n "$(cl_node 1)" link show flannel.1 2>/dev/null || false
	grep -qx FLANNEL_MTU=1500 "$CL_STATE/n1/subnet.env"
	a=$(cluster_pod_add 1 1)
	b=$(cluster_pod_add 2 1)
	ip netns exec "$(cl_pod 1 1)" ping -c 3 -i 0.2 -W 1 "$b"
	ip netns exec "$(cl_pod 2 1)" ping -c 3 -i 0.2 -W 1 "$a"
	# a peer behind a router cannot be a next hop
	put_lease 10.244.200.0-24 '{"PublicIP":"198.51.100.7","PublicIPv6":null,"BackendType":"host-gw"}'
	wait_until 2 grep -q "not programming lease 10.244.200.0-24 .*not-on-link" \
		"$CL_STATE/n1/linend.log"
	! ip -n "$(cl_node 1)" route show proto 76 | grep -q 10.244.200.0 || false
	[ "$(metric 1 'linend_leases_rejected_total{reason="not-on-link"}')" = 1 ]
	# repair: a deleted route comes back
	ip -n "$(cl_node 1)" route del "$s2/24"
	wait_until 1 routes_are 1 "$s2/24 via $CL_UNDERLAY.2 dev eth0"
}

@test "masquerade: pod traffic leaving the cluster leaves with the node's address" {
	cluster vxlan 1
	a=$(cluster_pod_add 1 1)
	ul=$(cl_ul)
	# the underlay namespace plays the outside world; count what arrives by source
	ip netns exec "$ul" nft -f - <<EOF
table ip ldp_seen {
	counter from_node { }
	counter from_pods { }
	chain input {
		type filter hook input priority filter;
		ip saddr $CL_UNDERLAY.1 icmp type echo-request counter name from_node
		ip saddr 10.244.0.0/16 icmp type echo-request counter name from_pods
	}
}
EOF
	ip netns exec "$(cl_pod 1 1)" ping -c 3 -i 0.2 -W 1 "$CL_ETCD_IP"
	ip netns exec "$ul" nft list counter ip ldp_seen from_node | grep -q 'packets 3 '
	ip netns exec "$ul" nft list counter ip ldp_seen from_pods | grep -q 'packets 0 '
}

@test "masquerade keeps flannel's iptables semantics: host to remote pod NATed, outside to pod not" {
	cluster vxlan 2
	wait_until 2 expect_vxlan_peer 1 2
	b=$(cluster_pod_add 2 1)
	pod=$(cl_pod 2 1)
	# the pod (a namespace this test made) counts echo requests by source
	ip netns exec "$pod" nft -f - <<EOF
table ip ldp_seen {
	counter from_node1 { }
	counter from_vtep1 { }
	counter from_outside { }
	chain input {
		type filter hook input priority filter;
		ip saddr $CL_UNDERLAY.1 icmp type echo-request counter name from_node1
		ip saddr $(subnet_ip 1) icmp type echo-request counter name from_vtep1
		ip saddr $CL_ETCD_IP icmp type echo-request counter name from_outside
	}
}
EOF
	# node 1's host with a source outside the network: masqueraded to its flannel.1
	# address (flannel's nftables mode returns before this rule and would not NAT it)
	nsx 1 ping -c 2 -i 0.2 -W 1 -I "$CL_UNDERLAY.1" "$b"
	ip netns exec "$pod" nft list counter ip ldp_seen from_vtep1 | grep -q 'packets 2 '
	ip netns exec "$pod" nft list counter ip ldp_seen from_node1 | grep -q 'packets 0 '
	# outside -> pod through its node: the client address is kept
	ip -n "$(cl_ul)" route add "$(subnet_ip 2)/24" via "$CL_UNDERLAY.2"
	ip netns exec "$(cl_ul)" ping -c 2 -i 0.2 -W 1 "$b"
	ip netns exec "$pod" nft list counter ip ldp_seen from_outside | grep -q 'packets 2 '
}

@test "masquerade off at start removes our table; forward rules stay unless disabled" {
	cluster vxlan 1
	nsx 1 nft list table ip linend | grep -q masquerade
	cluster_linend_stop 1
	CL_LINEND_ARGS="--ip-masq=false" cluster_linend_start 1
	wait_until 3 table_has 1 'chain forward'
	wait_until 1 bash -c "! ip netns exec $(cl_node 1) nft list table ip linend | grep -q postrtg"
	cluster_linend_stop 1
	CL_LINEND_ARGS="--ip-masq=false --iptables-forward-rules=false" cluster_linend_start 1
	wait_until 3 bash -c "! ip netns exec $(cl_node 1) nft list table ip linend"
	grep -q "wrote" "$CL_STATE/n1/linend.log"
}

@test "restarting linend on both nodes loses no packet of an ongoing pod-to-pod ping" {
	cluster vxlan 2
	wait_until 2 expect_vxlan_peer 1 2
	cluster_pod_add 1 1 >/dev/null
	b=$(cluster_pod_add 2 1)
	ip netns exec "$(cl_pod 1 1)" ping -c 2 -W 1 "$b"
	ip netns exec "$(cl_pod 1 1)" ping -c 500 -i 0.01 -W 1 "$b" >"$BATS_TEST_TMPDIR/ping" &
	pid=$!
	echo "$pid" >>"$BATS_TEST_TMPDIR/.pids"
	# and nothing of ours is deleted or re-created on either node meanwhile
	for i in 1 2; do
		ip -n "$(cl_node "$i")" monitor link route neigh >"$BATS_TEST_TMPDIR/mon$i" &
		echo "$!" >>"$BATS_TEST_TMPDIR/.pids"
	done
	sleep 0.3
	mac1=$(vtep_mac 1)
	for i in 1 2; do
		cluster_linend_stop "$i" || true
		cluster_linend_start "$i"
		wait_until 3 nsx "$i" curl -sf http://127.0.0.1:8471/readyz
	done
	sleep 0.3 # the first full pass after the listing
	wait "$pid"
	cat "$BATS_TEST_TMPDIR/ping"
	grep -q ' 500 received, 0% packet loss' "$BATS_TEST_TMPDIR/ping"
	cat "$BATS_TEST_TMPDIR/mon1" "$BATS_TEST_TMPDIR/mon2"
	! grep -E '^Deleted.*(flannel|proto 76)' "$BATS_TEST_TMPDIR/mon1" "$BATS_TEST_TMPDIR/mon2" || false
	[ "$(vtep_mac 1)" = "$mac1" ]
	[ "$(grep -c 'created flannel.1' "$CL_STATE/n1/linend.log")" = 1 ]
	wait_until 2 expect_vxlan_peer 1 2
}

# dualstack_nodes_up <backend>: a dual-stack network config and two nodes with IPv6 underlay
# addresses fd00:213::<i>; node 1 finds its IPv6 address on eth0 by itself, node 2 is told it
# (--public-ipv6, the same address: no NAT). Both have written subnet.env on return.
dualstack_nodes_up() {
	local i
	put_config '{"Network":"10.244.0.0/16","EnableIPv6":true,"IPv6Network":"fd00:244::/56",
		"Backend":{"Type":"'"$1"'"}}'
	for i in 1 2; do
		# the first linend has at most eth0's link-local address: restart it with a global one
		cluster_node_up "$i"
		cluster_linend_stop "$i" || true
		rm -f "$CL_STATE/n$i/subnet.env"
		ip -n "$(cl_node "$i")" addr add "fd00:213::$i/64" dev eth0 nodad
		if [ "$i" -eq 1 ]; then
			cluster_linend_start "$i"
		else
			FLANNELD_PUBLIC_IPV6=fd00:213::$i cluster_linend_start "$i"
		fi
	done
	cluster_node_wait 1
	cluster_node_wait 2
}

@test "vxlan dual-stack: flannel-v6.1 over an IPv6 underlay, pod ping over both families" {
	cluster_underlay_up
	cluster_etcd_up
	dualstack_nodes_up vxlan
	wait_until 2 expect_vxlan_peer 1 2
	# IPv6 underlay: 70 bytes of headers, and the pods' MTU fits both devices
	run ip -n "$(cl_node 1)" -d -j link show flannel-v6.1
	[ "$(jq -r '.[0].linkinfo.info_data | "\(.id) \(.local6) \(.learning)"' <<<"$output")" = \
		"1 fd00:213::1 false" ]
	[ "$(jq -r '.[0].mtu' <<<"$output")" = 1430 ]
	grep -qx FLANNEL_MTU=1430 "$CL_STATE/n1/subnet.env"
	s6=$(sed -n 's/^FLANNEL_IPV6_SUBNET=\(.*\)1\/64$/\1/p' "$CL_STATE/n2/subnet.env")
	m6=$(vtep_mac 2 flannel-v6.1)
	wait_until 2 routes6_are 1 "$s6/64 via $s6 dev flannel-v6.1 metric 1024 onlink pref medium"
	n1=$(cl_node 1)
	[ "$(ip -n "$n1" neigh show dev flannel-v6.1 | sed 's/ *$//')" = "$s6 lladdr $m6 PERMANENT" ]
	[ "$(bridge -n "$n1" fdb show dev flannel-v6.1 | sed 's/ *$//')" = \
		"$m6 dst fd00:213::2 self permanent" ]
	run cl_etcdctl get --prefix "$CL_PREFIX_KEY/subnets/" --print-value-only
	grep -q "\"BackendV6Data\":{\"VNI\":1,\"VtepMAC\":\"$m6\"}" <<<"$output"
	# node 1 found its public IPv6 address on eth0 (global before link-local) by itself
	grep -q '"PublicIP":"192.168.213.1","PublicIPv6":"fd00:213::1"' <<<"$output"
	nsx 1 nft list table ip6 linend |
		grep -q 'ip6 saddr fd00:244::/56 ip6 daddr != ff00::/8 masquerade fully-random'
	cluster_pod_add 1 1 >/dev/null
	cluster_pod_add 2 1 >/dev/null
	b4=$(jq -r '.ips[] | select(.version == "4") | .address' "$CL_STATE/n2/pod1.json" | cut -d/ -f1)
	b6=$(jq -r '.ips[] | select(.version == "6") | .address' "$CL_STATE/n2/pod1.json" | cut -d/ -f1)
	ip netns exec "$(cl_pod 1 1)" ping -c 2 -i 0.2 -W 1 "$b4"
	ip netns exec "$(cl_pod 1 1)" ping -6 -c 3 -i 0.2 -W 2 "$b6"
	# and the IPv6 entries are repaired too
	bridge -n "$(cl_node 1)" fdb del "$m6" dev flannel-v6.1 dst fd00:213::2 self
	wait_until 1 bash -c "bridge -n $n1 fdb show dev flannel-v6.1 | grep -q '$m6 dst fd00:213::2'"
}

# this node's IPv6 subnet network address, e.g. fd00:244:0:7a00::
subnet6_ip() { sed -n 's/^FLANNEL_IPV6_SUBNET=\(.*\)1\/64$/\1/p' "$CL_STATE/n$1/subnet.env"; }
# a dual-stack lease's key, as flannel makes it: <v4>-24&<v6>-64
lease_key6() { echo "$CL_PREFIX_KEY/subnets/$(subnet_ip "$1")-24&$(subnet6_ip "$1")-64"; }

# pod_ip <node> <4|6>: the address of pod 1 on that node
pod_ip() {
	jq -r --arg v "$2" '.ips[] | select(.version == $v) | .address' "$CL_STATE/n$1/pod1.json" |
		cut -d/ -f1
}

# hostgw6_expect <i> <j>: node i routes node j's subnets, v4 and v6, straight via j's eth0
hostgw6_expect() {
	local i=$1 j=$2 s4 s6
	s4=$(subnet_ip "$j")
	s6=$(subnet6_ip "$j")
	[ -n "$s4" ] && [ -n "$s6" ] &&
		routes_are "$i" "$s4/24 via $CL_UNDERLAY.$j dev eth0" &&
		routes6_are "$i" "$s6/64 via fd00:213::$j dev eth0 metric 1024 pref medium"
}

@test "host-gw dual-stack: v4 and v6 routes via the peer's eth0 addresses, pod ping over both" {
	cluster_underlay_up
	cluster_etcd_up
	dualstack_nodes_up host-gw
	wait_until 3 hostgw6_expect 1 2
	wait_until 3 hostgw6_expect 2 1
	# no tunnel device of either family, the interface's MTU
	! ip -n "$(cl_node 1)" link show flannel.1 2>/dev/null || false
	! ip -n "$(cl_node 1)" link show flannel-v6.1 2>/dev/null || false
	grep -qx FLANNEL_MTU=1500 "$CL_STATE/n1/subnet.env"
	grep -qx FLANNEL_IPV6_NETWORK=fd00:244::/56 "$CL_STATE/n1/subnet.env"
	# the leases as flanneld's host-gw writes them: both public addresses, no backend data
	run cl_etcdctl get "$(lease_key6 1)" --print-value-only
	[ "$output" = '{"PublicIP":"192.168.213.1","PublicIPv6":"fd00:213::1","BackendType":"host-gw"}' ]
	run cl_etcdctl get "$(lease_key6 2)" --print-value-only
	[ "$output" = '{"PublicIP":"192.168.213.2","PublicIPv6":"fd00:213::2","BackendType":"host-gw"}' ]
	nsx 1 nft list table ip6 linend |
		grep -q 'ip6 saddr fd00:244::/56 ip6 daddr != ff00::/8 masquerade fully-random'
	cluster_pod_add 1 1 >/dev/null
	cluster_pod_add 2 1 >/dev/null
	a4=$(pod_ip 1 4) a6=$(pod_ip 1 6) b4=$(pod_ip 2 4) b6=$(pod_ip 2 6)
	[ -n "$a6" ]
	[ -n "$b6" ]
	# pod 2 (a namespace this test made) counts IPv6 echo requests by source
	ip netns exec "$(cl_pod 2 1)" nft -f - <<NFT
table ip6 ldp_seen {
	counter from_pod1 { }
	chain input {
		type filter hook input priority filter;
		ip6 saddr $a6 icmpv6 type echo-request counter name from_pod1
	}
}
NFT
	ip netns exec "$(cl_pod 1 1)" ping -c 2 -i 0.2 -W 1 "$b4"
	ip netns exec "$(cl_pod 2 1)" ping -c 2 -i 0.2 -W 1 "$a4"
	ip netns exec "$(cl_pod 1 1)" ping -6 -c 3 -i 0.2 -W 2 "$b6"
	ip netns exec "$(cl_pod 2 1)" ping -6 -c 3 -i 0.2 -W 2 "$a6"
	# pod to pod is neither encapsulated nor masqueraded: the plain route via eth0, and
	# pod 2 saw pod 1's own address
	[ "$(ip -n "$(cl_node 1)" -6 route get "$b6" | grep -o 'via [^ ]* dev [^ ]*')" = \
		"via fd00:213::2 dev eth0" ]
	ip netns exec "$(cl_pod 2 1)" nft list counter ip6 ldp_seen from_pod1 | grep -q 'packets 3 '
	# and the IPv6 route is repaired too
	s6=$(subnet6_ip 2)
	ip -n "$(cl_node 1)" -6 route del "$s6/64"
	wait_until 1 hostgw6_expect 1 2
	[ "$(metric 1 linend_dataplane_errors_total)" = 0 ]
}

# natgw_refused <i> <log lines before> <detail>: node i's linend exited 1 refusing NAT (the
# message ending in detail: which family, the public address, the interface's), nothing made
natgw_refused() {
	local i=$1 from=$2 detail=$3 pid rc=0
	pid=$(cat "$CL_STATE/n$i/linend.pid")
	wait_until 10 cl_gone "$pid"
	wait "$pid" || rc=$?
	[ "$rc" -eq 1 ]
	tail -n +"$((from + 1))" "$CL_STATE/n$i/linend.log" >"$BATS_TEST_TMPDIR/log"
	cat "$BATS_TEST_TMPDIR/log"
	grep -qF "error: host-gw: the public address must be the interface's own (no NAT): $(
		)peers route to it directly; $detail" "$BATS_TEST_TMPDIR/log"
	grep -qF 'error: backend host-gw failed to register the network: Invalid argument' \
		"$BATS_TEST_TMPDIR/log"
	[ -z "$(routes76 "$i")" ]
	[ -z "$(ip -n "$(cl_node "$i")" -6 route show proto 76)" ]
	[ ! -e "$CL_STATE/n$i/subnet.env" ]
}

@test "host-gw behind NAT: a --public-ip not on the interface is refused at start, no route" {
	cluster_underlay_up
	cluster_etcd_up
	cluster_config_put host-gw
	cluster_node_up 2
	cluster_node_wait 2
	# node 1 is told to advertise an address eth0 does not have (a NAT's outside address)
	FLANNELD_PUBLIC_IP=203.0.113.1 cluster_node_up 1
	natgw_refused 1 0 "public IPv4 203.0.113.1, eth0 has 192.168.213.1"
	# the same from the command line
	n=$(wc -l <"$CL_STATE/n1/linend.log")
	CL_LINEND_ARGS="--public-ip=203.0.113.1" cluster_linend_start 1
	natgw_refused 1 "$n" "public IPv4 203.0.113.1, eth0 has 192.168.213.1"
	# node 1 never claimed a subnet, so node 2 has nothing to route to
	run cl_etcdctl get --prefix "$CL_PREFIX_KEY/subnets/" --print-value-only
	[ "$output" = '{"PublicIP":"192.168.213.2","PublicIPv6":null,"BackendType":"host-gw"}' ]
	sleep 0.3
	[ -z "$(routes76 2)" ]
	# with its own address node 1 starts, and both nodes route to each other
	cluster_linend_start 1
	cluster_node_wait 1
	wait_until 3 routes_are 1 "$(subnet_ip 2)/24 via $CL_UNDERLAY.2 dev eth0"
	wait_until 3 routes_are 2 "$(subnet_ip 1)/24 via $CL_UNDERLAY.1 dev eth0"
}

@test "host-gw behind NAT, IPv6: a --public-ipv6 not on the interface is refused at start" {
	cluster_underlay_up
	cluster_etcd_up
	# the node's first linend finds no config and does nothing: replace it once eth0 has a
	# global IPv6 address and the config is there
	cluster_node_up 1
	cluster_linend_stop 1 || true
	ip -n "$(cl_node 1)" addr add fd00:213::1/64 dev eth0 nodad
	put_config '{"Network":"10.244.0.0/16","EnableIPv6":true,"IPv6Network":"fd00:244::/56",
		"Backend":{"Type":"host-gw"}}'
	n=$(wc -l <"$CL_STATE/n1/linend.log")
	# the IPv4 address is eth0's own; the IPv6 one is not
	CL_LINEND_ARGS="--public-ipv6 fd00:213::99" cluster_linend_start 1
	natgw_refused 1 "$n" "public IPv6 fd00:213::99, eth0 has fd00:213::1"
	run cl_etcdctl get --prefix "$CL_PREFIX_KEY/subnets/" --print-value-only
	[ -z "$output" ]
}
