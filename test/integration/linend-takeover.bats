#!/usr/bin/env bats
# SPDX-License-Identifier: Apache-2.0
# Switching a live node from flanneld to linend: flanneld's masquerade and forward rules
# (made here exactly as flanneld v0.28 makes them, with iptables-nft or in its nftables mode)
# are removed only once linend's own table is in place, so new flows from a pod to the
# outside are masqueraded throughout; rules of others in the same chains and tables stay;
# while ours fail to apply, flanneld's stay; with both our flags off, flanneld's go all the same
# (README, "Switching from flanneld"). Nodes, pods and the outside (the underlay) are
# namespaces of demo/cluster.sh; every test builds and removes its own cluster.

load helpers

setup() {
	require_root
	command -v etcd >/dev/null || skip "etcd not installed"
	command -v iptables-nft >/dev/null || skip "iptables-nft not installed"
	[ -x "$LINEN_BUILD/src/linend/linend" ] || skip "linend not built"
	for p in flannel bridge host-local portmap; do
		[ -x "$LINEN_BUILD/plugins/$p/$p" ] || skip "plugin $p not built"
	done
	[ -x "$LINEN_BUILD/src/cnitool/cnitool" ] || skip "cnitool not built"
	export CL_PREFIX="lto$BATS_TEST_NUMBER-$((RANDOM % 10000))"
	export CL_STATE=$BATS_TEST_TMPDIR/cl
	export CL_ETCD_PORT=$((33000 + RANDOM % 2000))
	export CL_ETCD_PEER_PORT=$((CL_ETCD_PORT + 2000))
	export CL_BUILD=$LINEN_BUILD
	export CL_UNDERLAY=192.168.214
	export CL_LINEND_ARGS=
	# shellcheck source=../../demo/cluster.sh
	source "$LINEN_TOP/demo/cluster.sh"
}

teardown() {
	local bad=0
	touch "$BATS_TEST_TMPDIR/stop"
	[ -f "$CL_STATE/n1/linend.pid" ] && { cluster_linend_stop 1 || true; }
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

nsx() { ip netns exec "$(cl_node 1)" "$@"; }
metric() { nsx curl -s http://127.0.0.1:8471/metrics | awk -v m="$1" '$1 == m { print $2 }'; }
N=10.244.0.0/16
N6=fd00:244::/56

# flanneld's iptables mode (reference §8), comment and all, for IPv4 and IPv6, beside a
# user's POSTROUTING rule and a kube-proxy-like chain jumped from FORWARD
flanneld_iptables() {
	local p=$1 p6=fd00:244:0:1::/64 t
	nsx iptables-nft -t nat -A POSTROUTING -s 192.0.2.0/24 -m comment --comment "user rule" -j MASQUERADE
	nsx iptables-nft -t filter -N KUBE-FORWARD
	nsx iptables-nft -t filter -A FORWARD -m comment --comment "kube forward" -j KUBE-FORWARD
	nsx iptables-restore --noflush <<EOF
*nat
:FLANNEL-POSTRTG - [0:0]
-A POSTROUTING -m comment --comment "flanneld masq" -j FLANNEL-POSTRTG
-A FLANNEL-POSTRTG -m mark --mark 0x4000/0x4000 -m comment --comment "flanneld masq" -j RETURN
-A FLANNEL-POSTRTG -s $p -d $N -m comment --comment "flanneld masq" -j RETURN
-A FLANNEL-POSTRTG -s $N -d $p -m comment --comment "flanneld masq" -j RETURN
-A FLANNEL-POSTRTG ! -s $N -d $p -m comment --comment "flanneld masq" -j RETURN
-A FLANNEL-POSTRTG -s $N ! -d 224.0.0.0/4 -m comment --comment "flanneld masq" -j MASQUERADE --random-fully
-A FLANNEL-POSTRTG ! -s $N -d $N -m comment --comment "flanneld masq" -j MASQUERADE --random-fully
COMMIT
*filter
:FLANNEL-FWD - [0:0]
-A FORWARD -m comment --comment "flanneld forward" -j FLANNEL-FWD
-A FLANNEL-FWD -s $N -m comment --comment "flanneld forward" -j ACCEPT
-A FLANNEL-FWD -d $N -m comment --comment "flanneld forward" -j ACCEPT
COMMIT
EOF
	nsx ip6tables-restore --noflush <<EOF
*nat
:FLANNEL-POSTRTG - [0:0]
-A POSTROUTING -m comment --comment "flanneld masq" -j FLANNEL-POSTRTG
-A FLANNEL-POSTRTG -m mark --mark 0x4000/0x4000 -m comment --comment "flanneld masq" -j RETURN
-A FLANNEL-POSTRTG -s $p6 -d $N6 -m comment --comment "flanneld masq" -j RETURN
-A FLANNEL-POSTRTG -s $N6 ! -d ff00::/8 -m comment --comment "flanneld masq" -j MASQUERADE --random-fully
COMMIT
*filter
:FLANNEL-FWD - [0:0]
-A FORWARD -m comment --comment "flanneld forward" -j FLANNEL-FWD
-A FLANNEL-FWD -s $N6 -m comment --comment "flanneld forward" -j ACCEPT
COMMIT
EOF
}

# flanneld's nftables mode (EnableNFTables: true), beside a kube-proxy-like table
flanneld_nftables() {
	local p=$1
	nsx nft -f - <<EOF
table ip flannel-ipv4 {
	chain forward {
		type filter hook forward priority filter; policy accept;
		ip saddr $N accept
		ip daddr $N accept
	}
	chain postrtg {
		type nat hook postrouting priority srcnat; policy accept;
		meta mark 0x4000 return
		ip saddr $p ip daddr $N return
		ip saddr $N ip daddr $p return
		ip saddr != $p ip daddr $N return
		ip saddr $N ip daddr != 224.0.0.0/4 masquerade fully-random
		ip saddr != $N ip daddr $N masquerade fully-random
	}
}
table ip6 flannel-ipv6 {
	chain postrtg {
		type nat hook postrouting priority srcnat; policy accept;
		ip6 saddr $N6 ip6 daddr != ff00::/8 masquerade fully-random
	}
}
table ip kube-proxy {
	chain postrouting {
		type nat hook postrouting priority srcnat; policy accept;
		meta mark 0x4000 masquerade
	}
}
EOF
}

# A node whose flanneld left its rules: linend ran once (lease, subnet.env, a pod), then
# stopped and its table removed, as if flanneld had been the one running.
node_with_flanneld() {
	local p
	cluster_underlay_up
	cluster_etcd_up
	cluster_config_put vxlan
	cluster_node_up 1
	cluster_node_wait 1
	POD=$(cluster_pod_add 1 1)
	cluster_linend_stop 1
	nsx nft delete table ip linend
	p=$(sed -n 's/^FLANNEL_SUBNET=\(.*\)\.1\/24$/\1.0\/24/p' "$CL_STATE/n1/subnet.env")
	"flanneld_$1" "$p"
	# the outside counts what reaches it from pod addresses (nothing may: all masqueraded)
	ip netns exec "$(cl_ul)" nft -f - <<EOF
table ip lto_seen {
	counter from_pods { }
	chain input {
		type filter hook input priority filter;
		ip saddr $N icmp type echo-request counter name from_pods
	}
}
EOF
}

# new flows from the pod to the outside, one ping process (one conntrack entry, NAT decided
# afresh) after another, until $BATS_TEST_TMPDIR/stop; each line "ok" or "lost"
ping_loop() {
	local pod=$(cl_pod 1 1)
	while [ ! -e "$BATS_TEST_TMPDIR/stop" ]; do
		if ip netns exec "$pod" ping -c 1 -W 1 "$CL_ETCD_IP" >/dev/null 2>&1; then
			echo ok
		else
			echo lost
		fi
	done >"$BATS_TEST_TMPDIR/pings"
}

flanneld_gone() {
	! nsx nft list chain ip nat FLANNEL-POSTRTG && ! nsx nft list chain ip filter FLANNEL-FWD &&
		! nsx nft list table ip flannel-ipv4 && ! nsx nft list table ip6 flannel-ipv6 &&
		! nsx nft list chain ip6 nat FLANNEL-POSTRTG && ! nsx nft list chain ip6 filter FLANNEL-FWD
}

# the switch under a stream of new flows: flanneld's rules → linend → ours → flanneld's gone
switch_under_ping() {
	ping_loop &
	echo "$!" >>"$BATS_TEST_TMPDIR/.pids"
	PING_PID=$!
	wait_until 3 grep -q ok "$BATS_TEST_TMPDIR/pings"
	cluster_linend_start 1
	wait_until 5 flanneld_gone
	sleep 1
	touch "$BATS_TEST_TMPDIR/stop"
	wait "$PING_PID"
	uniq -c "$BATS_TEST_TMPDIR/pings"
}

@test "takeover, iptables mode: flanneld's chains and jumps go after ours, no flow unmasqueraded" {
	node_with_flanneld iptables
	run nsx nft list chain ip nat FLANNEL-POSTRTG
	[ "$status" -eq 0 ]
	switch_under_ping
	run grep -c ok "$BATS_TEST_TMPDIR/pings"
	[ "$status" -eq 0 ]
	[ "$output" -gt 10 ]
	run grep -c lost "$BATS_TEST_TMPDIR/pings"
	[ "$output" = 0 ]
	run ip netns exec "$(cl_ul)" nft list counter ip lto_seen from_pods
	[ "$status" -eq 0 ]
	[[ "$output" == *"packets 0 "* ]]
	run nsx nft list table ip linend
	[ "$status" -eq 0 ]
	[[ "$output" == *"masquerade fully-random"* ]]
	# flanneld's chains and the rules jumping to them are gone, in both families
	run nsx nft list ruleset
	[ "$status" -eq 0 ]
	[[ "$output" != *FLANNEL-* ]]
	# the user's rule and the kube-proxy-like chain with its jump stay
	run nsx iptables-nft -t nat -S POSTROUTING
	[ "$status" -eq 0 ]
	[[ "$output" == *'-A POSTROUTING -s 192.0.2.0/24 -m comment --comment "user rule" -j MASQUERADE'* ]]
	run nsx iptables-nft -t filter -S FORWARD
	[ "$status" -eq 0 ]
	[[ "$output" == *'-A FORWARD -m comment --comment "kube forward" -j KUBE-FORWARD'* ]]
	run nsx iptables-nft -t filter -S KUBE-FORWARD
	[ "$status" -eq 0 ]
	run metric linend_flannel_rules_removed_total
	[ "$output" = 4 ]
	run grep -c "removed flanneld's" "$CL_STATE/n1/linend.log"
	[ "$output" = 2 ]
}

@test "takeover, nftables mode: flanneld's tables go after ours, kube-proxy's table stays" {
	node_with_flanneld nftables
	switch_under_ping
	run grep -c ok "$BATS_TEST_TMPDIR/pings"
	[ "$status" -eq 0 ]
	[ "$output" -gt 10 ]
	run grep -c lost "$BATS_TEST_TMPDIR/pings"
	[ "$output" = 0 ]
	run ip netns exec "$(cl_ul)" nft list counter ip lto_seen from_pods
	[ "$status" -eq 0 ]
	[[ "$output" == *"packets 0 "* ]]
	run nsx nft list table ip linend
	[ "$status" -eq 0 ]
	run nsx nft list table ip flannel-ipv4
	[ "$status" -ne 0 ]
	run nsx nft list table ip6 flannel-ipv6
	[ "$status" -ne 0 ]
	run nsx nft list table ip kube-proxy
	[ "$status" -eq 0 ]
	[[ "$output" == *"meta mark 0x00004000 masquerade"* ]]
	run metric linend_flannel_rules_removed_total
	[ "$output" = 2 ]
}

@test "takeover: while our rules fail to apply, flanneld's stay" {
	node_with_flanneld iptables
	flanneld_nftables "$(sed -n 's/^FLANNEL_SUBNET=\(.*\)\.1\/24$/\1.0\/24/p' "$CL_STATE/n1/subnet.env")"
	CL_LINEND_ARGS="--test-masq-fail --iptables-resync=1" cluster_linend_start 1
	wait_until 5 nsx curl -sf http://127.0.0.1:8471/readyz
	wait_until 3 grep -q "failed to apply the ip masquerade" "$CL_STATE/n1/linend.log"
	# and the periodic checks that retry ours (each fails) leave flanneld's alone too
	sleep 2.2
	run grep -c "the ip table linend is missing; restoring it" "$CL_STATE/n1/linend.log"
	[ "$output" -ge 2 ]
	run nsx nft list chain ip nat FLANNEL-POSTRTG
	[ "$status" -eq 0 ]
	run nsx iptables-nft -t nat -S POSTROUTING
	[ "$status" -eq 0 ]
	[[ "$output" == *"-j FLANNEL-POSTRTG"* ]]
	run nsx nft list chain ip filter FLANNEL-FWD
	[ "$status" -eq 0 ]
	run nsx nft list table ip flannel-ipv4
	[ "$status" -eq 0 ]
	run nsx nft list table ip linend
	[ "$status" -ne 0 ]
	run metric linend_flannel_rules_removed_total
	[ "$output" = 0 ]
	run grep -c "removed flanneld's" "$CL_STATE/n1/linend.log"
	[ "$output" = 0 ]
	# the pod still reaches the outside through flanneld's rules
	run ip netns exec "$(cl_pod 1 1)" ping -c 2 -i 0.2 -W 1 "$CL_ETCD_IP"
	[ "$status" -eq 0 ]
}

@test "takeover with --ip-masq and forward rules off: flanneld's rules go too, none of ours come" {
	node_with_flanneld iptables
	flanneld_nftables "$(sed -n 's/^FLANNEL_SUBNET=\(.*\)\.1\/24$/\1.0\/24/p' "$CL_STATE/n1/subnet.env")"
	CL_LINEND_ARGS="--ip-masq=false --iptables-forward-rules=false" cluster_linend_start 1
	wait_until 5 nsx curl -sf http://127.0.0.1:8471/readyz
	run wait_until 3 flanneld_gone
	[ "$status" -eq 0 ]
	run nsx nft list table ip linend
	[ "$status" -ne 0 ]
	run nsx nft list table ip kube-proxy
	[ "$status" -eq 0 ]
	run nsx iptables-nft -t nat -S POSTROUTING
	[ "$status" -eq 0 ]
	[[ "$output" == *'"user rule"'* ]]
	run metric linend_flannel_rules_removed_total
	[ "$output" = 6 ]
}
