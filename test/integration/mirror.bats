#!/usr/bin/env bats
# SPDX-License-Identifier: Apache-2.0
# The mirror plugin end to end: a ptp + host-local + mirror chain run by cnitool inside a
# "host" namespace made here, pods as namespaces. The collector is either a veth end in the
# host namespace (mon0) whose peer sits in a "collector" namespace, or a VXLAN device in the
# collector namespace reached over a veth underlay. tcpdump in the collector namespace counts
# what arrives: a ping from a pod to its gateway must show up as exactly its echo requests
# (pod egress) and replies (pod ingress), never another pod's. Nothing outside the namespaces
# and $BATS_TEST_TMPDIR is touched.

load helpers

setup() {
	require_root
	CNITOOL=$LINEN_BUILD/src/cnitool/cnitool
	[ -x "$CNITOOL" ] || skip "cnitool not built in $LINEN_BUILD"
	BIN=$(linen_cni_bin)
	for p in ptp host-local mirror; do
		[ -x "$BIN/$p" ] || skip "$p not built in $LINEN_BUILD"
	done
	command -v jq >/dev/null || skip "jq missing"
	command -v tc >/dev/null || skip "tc missing"
	command -v tcpdump >/dev/null || skip "tcpdump missing (scripts/install-deps.sh)"
	T=$BATS_TEST_TMPDIR
	mkdir -p "$T/conf"
	export NETCONFPATH=$T/conf
	export CNI_PATH=$BIN
	export LINEN_CNI_CACHE_DIR=$T/cache
	unset CNI_ARGS CAP_ARGS CNI_IFNAME
	H=$(netns_new mirhost)
	ip netns exec "$H" true || skip "cannot make namespaces"
	C=$(netns_new mircol)
	# the interface collector: mon0 in the host namespace, cap0 in the collector's
	ip -n "$H" link add mon0 type veth peer name cap0 netns "$C"
	ip -n "$H" link set mon0 up
	ip -n "$C" link set cap0 up
}

teardown() {
	linen_teardown
}

# conflist NAME MIRROR-PLUGIN-JSON → $T/conf/NAME.conflist (ptp, 10.93.0.0/24)
conflist() {
	cat >"$T/conf/$1.conflist" <<-EOF
	{"cniVersion":"1.0.0","name":"$1","plugins":[
	 {"type":"ptp","ipam":{"type":"host-local","ranges":[[{"subnet":"10.93.0.0/24"}]],
	  "routes":[{"dst":"0.0.0.0/0"}],"dataDir":"$T/ipam"}},
	 $2]}
	EOF
}

# plainlist NAME → $T/conf/NAME.conflist: ptp alone (10.94.0.0/24), a network nobody mirrors
plainlist() {
	cat >"$T/conf/$1.conflist" <<-EOF
	{"cniVersion":"1.0.0","name":"$1","plugins":[
	 {"type":"ptp","ipam":{"type":"host-local","ranges":[[{"subnet":"10.94.0.0/24"}]],
	  "routes":[{"dst":"0.0.0.0/0"}],"dataDir":"$T/ipam"}}]}
	EOF
}

cni() { # cni VERB NET NETNS → runs cnitool inside the host namespace
	ip netns exec "$H" "$CNITOOL" "$1" "$2" "/run/netns/$3"
}

cid() { # the container ID cnitool derives from the netns path
	printf %s "cnitool-$(printf %s "/run/netns/$1" | sha512sum | cut -c1-20)"
}

# plugin VERB NETNS CONFIG-JSON → the mirror binary alone, in the host namespace
plugin() {
	ip netns exec "$H" env -i CNI_COMMAND="$1" CNI_CONTAINERID="$(cid "$2")" \
		CNI_NETNS="/run/netns/$2" CNI_IFNAME=eth0 CNI_PATH="$BIN" "$BIN/mirror" <<<"$3"
}

hostveth() { # the host end of the pod's eth0
	local idx
	idx=$(ip -n "$1" -o link show eth0 | sed -n 's/.*eth0@if\([0-9]*\).*/\1/p')
	ip -n "$H" -o link show | awk -F': ' -v i="$idx" '$1 == i { sub(/@.*/, "", $2); print $2 }'
}

podip() { # the pod's IPv4 address
	ip -n "$1" -o -4 addr show eth0 | awk '{ sub(/\/.*/, "", $4); print $4 }'
}

gw() { # the pod's default gateway
	ip -n "$1" -4 route show default | awk '{ print $3 }'
}

# capture NS DEV → tcpdump of ICMP on DEV in NS, into $T/cap.$DEV; waits until it listens
capture() {
	ip netns exec "$1" tcpdump -l -n -p -i "$2" icmp >"$T/cap.$2" 2>"$T/cap.$2.err" &
	CAP_PID=$!
	track "$CAP_PID"
	for _ in $(seq 50); do
		grep -q "listening on" "$T/cap.$2.err" 2>/dev/null && return 0
		sleep 0.1
	done
	return 1
}

stop_capture() { # lets the last packets land, then stops our tcpdump by its PID
	sleep 0.5
	kill -INT "$CAP_PID"
	wait "$CAP_PID" || true
}

count() { # count FILE PATTERN → matching lines
	grep -c -- "$2" "$1" || true
}

@test "mirror: interface collector sees exactly the pod's echo requests and replies, not another pod's" {
	conflist mirnet '{"type":"mirror","direction":"both","collector":{"interface":"mon0"}}'
	plainlist plain
	A=$(netns_new mira)
	B=$(netns_new mirb)
	run cni add mirnet "$A"
	[ "$status" -eq 0 ] || { echo "$output"; false; }
	# prevResult passes through unchanged: ptp's host veth, the pod's eth0, one address
	[ "$(jq -r '.interfaces | length' <<<"$output")" -eq 2 ]
	[ "$(jq -r '.ips | length' <<<"$output")" -eq 1 ]
	run cni add plain "$B"
	[ "$status" -eq 0 ] || { echo "$output"; false; }
	va=$(hostveth "$A")
	[ -n "$va" ]
	run tc -n "$H" qdisc show dev "$va"
	[ "$status" -eq 0 ]
	[[ "$output" == *"qdisc clsact ffff:"* ]]
	run tc -n "$H" filter show dev "$va" ingress
	[ "$status" -eq 0 ]
	[[ "$output" == *"Egress Mirror to device mon0"* ]]
	run tc -n "$H" filter show dev "$va" egress
	[ "$status" -eq 0 ]
	[[ "$output" == *"Egress Mirror to device mon0"* ]]
	ipa=$(podip "$A")
	ipb=$(podip "$B")
	[ -n "$ipa" ]
	[ -n "$ipb" ]

	capture "$C" cap0
	run ip netns exec "$A" ping -c 5 -i 0.2 -W 2 "$(gw "$A")"
	[ "$status" -eq 0 ]
	run ip netns exec "$B" ping -c 3 -i 0.2 -W 2 "$(gw "$B")"
	[ "$status" -eq 0 ]
	stop_capture
	cat "$T/cap.cap0"
	[ "$(count "$T/cap.cap0" "$ipa > .*echo request")" -eq 5 ]
	[ "$(count "$T/cap.cap0" "> $ipa: ICMP echo reply")" -eq 5 ]
	[ "$(count "$T/cap.cap0" "$ipb")" -eq 0 ]

	run cni check mirnet "$A"
	[ "$status" -eq 0 ] || { echo "$output"; false; }
	run cni del mirnet "$A"
	[ "$status" -eq 0 ] || { echo "$output"; false; }
	run cni del mirnet "$A"
	[ "$status" -eq 0 ] || { echo "$output"; false; }
	run cni del plain "$B"
	[ "$status" -eq 0 ] || { echo "$output"; false; }
	# nothing of ours is left anywhere in the host namespace
	run tc -n "$H" qdisc show
	[ "$status" -eq 0 ]
	[[ "$output" != *clsact* ]]
	run ip -n "$H" -o link show
	[ "$status" -eq 0 ]
	[[ "$output" != *veth* ]]
	[[ "$output" != *lmir-* ]]
}

@test "mirror: capability direction: ingress-only mirrors only replies, egress-only only requests" {
	conflist mirnet '{"type":"mirror","capabilities":{"mirror":true},"collector":{"interface":"mon0"}}'
	A=$(netns_new mira)
	B=$(netns_new mirb)
	CAP_ARGS='{"mirror":{"direction":"ingress"}}' run cni add mirnet "$A"
	[ "$status" -eq 0 ] || { echo "$output"; false; }
	CAP_ARGS='{"mirror":{"direction":"egress"}}' run cni add mirnet "$B"
	[ "$status" -eq 0 ] || { echo "$output"; false; }
	run tc -n "$H" filter show dev "$(hostveth "$A")" ingress
	[ "$status" -eq 0 ]
	[[ "$output" != *Mirror* ]]
	run tc -n "$H" filter show dev "$(hostveth "$B")" egress
	[ "$status" -eq 0 ]
	[[ "$output" != *Mirror* ]]
	ipa=$(podip "$A")
	ipb=$(podip "$B")

	capture "$C" cap0
	run ip netns exec "$A" ping -c 4 -i 0.2 -W 2 "$(gw "$A")"
	[ "$status" -eq 0 ]
	run ip netns exec "$B" ping -c 3 -i 0.2 -W 2 "$(gw "$B")"
	[ "$status" -eq 0 ]
	stop_capture
	cat "$T/cap.cap0"
	[ "$(count "$T/cap.cap0" "> $ipa: ICMP echo reply")" -eq 4 ]
	[ "$(count "$T/cap.cap0" "$ipa > .*echo request")" -eq 0 ]
	[ "$(count "$T/cap.cap0" "$ipb > .*echo request")" -eq 3 ]
	[ "$(count "$T/cap.cap0" "> $ipb: ICMP echo reply")" -eq 0 ]
	# and the runtime's "enabled": false turns it off for one pod
	P=$(netns_new mirp)
	CAP_ARGS='{"mirror":{"enabled":false}}' run cni add mirnet "$P"
	[ "$status" -eq 0 ] || { echo "$output"; false; }
	run tc -n "$H" qdisc show dev "$(hostveth "$P")"
	[ "$status" -eq 0 ]
	[[ "$output" != *clsact* ]]
}

@test "mirror: DEL removes only its own filters; another filter on the host veth stays" {
	conf='{"cniVersion":"1.0.0","name":"mirnet","type":"mirror","collector":{"interface":"mon0"}}'
	conflist mirnet "$conf"
	A=$(netns_new mira)
	run cni add mirnet "$A"
	[ "$status" -eq 0 ] || { echo "$output"; false; }
	va=$(hostveth "$A")
	# somebody else's filters on the same hooks: one at another prio, one at ours
	tc -n "$H" filter add dev "$va" ingress prio 7 u32 match u32 0 0 flowid 1:1
	tc -n "$H" filter add dev "$va" egress prio 49569 u32 match ip dst 10.9.9.9/32 flowid 1:2
	run plugin DEL "$A" "$conf"
	[ "$status" -eq 0 ] || { echo "$output"; false; }
	run tc -n "$H" filter show dev "$va" ingress
	[ "$status" -eq 0 ]
	[[ "$output" == *"pref 7 u32"* ]]
	[[ "$output" != *Mirror* ]]
	# our prio on that hook is gone entirely, empty u32 table and all
	[[ "$output" != *"pref 49568"* ]]
	run tc -n "$H" filter show dev "$va" egress
	[ "$status" -eq 0 ]
	[[ "$output" == *"pref 49569 u32"* ]]
	[[ "$output" == *"match 0a090909/ffffffff at 16"* ]]
	[[ "$output" != *Mirror* ]]
	# the qdisc stays while that filter needs it
	run tc -n "$H" qdisc show dev "$va"
	[ "$status" -eq 0 ]
	[[ "$output" == *clsact* ]]
	# a second DEL finds nothing of its own and touches nothing
	run plugin DEL "$A" "$conf"
	[ "$status" -eq 0 ] || { echo "$output"; false; }
	run tc -n "$H" filter show dev "$va" ingress
	[ "$status" -eq 0 ]
	[[ "$output" == *"pref 7 u32"* ]]
}

# vxlan_collector → collector namespace C reachable at 192.0.2.10 over ul0/ul1, with vx0
# (VNI 4242, port 4789) up and captured into $T/cap.vx0
vxlan_collector() {
	ip -n "$H" link add ul0 type veth peer name ul1 netns "$C"
	ip -n "$H" addr add 192.0.2.1/24 dev ul0
	ip -n "$H" link set ul0 up
	ip -n "$C" addr add 192.0.2.10/24 dev ul1
	ip -n "$C" link set ul1 up
	ip -n "$C" link add vx0 type vxlan id 4242 dstport 4789 local 192.0.2.10 dev ul1
	ip -n "$C" link set vx0 up
}

VXCONF='{"type":"mirror","collector":{"vxlan":{"remote":"192.0.2.10","vni":4242,"port":4789}}}'

@test "mirror: VXLAN collector receives the pods' packets; one tunnel for two pods, gone after the last DEL" {
	vxlan_collector
	conflist mirnet "$VXCONF"
	A=$(netns_new mira)
	B=$(netns_new mirb)
	run cni add mirnet "$A"
	[ "$status" -eq 0 ] || { echo "$output"; false; }
	run cni add mirnet "$B"
	[ "$status" -eq 0 ] || { echo "$output"; false; }
	run ip -n "$H" -o -d link show type vxlan
	[ "$status" -eq 0 ]
	[ "$(grep -c 'lmir-' <<<"$output")" -eq 1 ]
	[[ "$output" == *"vxlan id 4242 remote 192.0.2.10 "* ]]
	[[ "$output" == *"dstport 4789"* ]]
	ipa=$(podip "$A")
	ipb=$(podip "$B")

	capture "$C" vx0
	run ip netns exec "$A" ping -c 3 -i 0.2 -W 2 "$(gw "$A")"
	[ "$status" -eq 0 ]
	run ip netns exec "$B" ping -c 2 -i 0.2 -W 2 "$(gw "$B")"
	[ "$status" -eq 0 ]
	stop_capture
	cat "$T/cap.vx0"
	[ "$(count "$T/cap.vx0" "$ipa > .*echo request")" -eq 3 ]
	[ "$(count "$T/cap.vx0" "> $ipa: ICMP echo reply")" -eq 3 ]
	[ "$(count "$T/cap.vx0" "$ipb > .*echo request")" -eq 2 ]
	[ "$(count "$T/cap.vx0" "> $ipb: ICMP echo reply")" -eq 2 ]

	run cni check mirnet "$B"
	[ "$status" -eq 0 ] || { echo "$output"; false; }
	run cni del mirnet "$A"
	[ "$status" -eq 0 ] || { echo "$output"; false; }
	run ip -n "$H" -o link show type vxlan
	[ "$status" -eq 0 ]
	[ "$(grep -c 'lmir-' <<<"$output")" -eq 1 ]
	run cni del mirnet "$B"
	[ "$status" -eq 0 ] || { echo "$output"; false; }
	run ip -n "$H" -o link show type vxlan
	[ "$status" -eq 0 ]
	[[ "$output" != *lmir-* ]]
	run tc -n "$H" qdisc show
	[ "$status" -eq 0 ]
	[[ "$output" != *clsact* ]]
}

@test "mirror: CHECK fails when a filter is deleted by hand and reports the mirrored-packet counter" {
	conflist mirnet '{"type":"mirror","capabilities":{"mirror":true},"collector":{"interface":"mon0"}}'
	A=$(netns_new mira)
	run cni add mirnet "$A"
	[ "$status" -eq 0 ] || { echo "$output"; false; }
	run ip netns exec "$A" ping -c 3 -i 0.2 -W 2 "$(gw "$A")"
	[ "$status" -eq 0 ]
	run cni check mirnet "$A"
	[ "$status" -eq 0 ] || { echo "$output"; false; }
	va=$(hostveth "$A")
	# a direction mirrored that the runtime no longer asks for is reported
	CAP_ARGS='{"mirror":{"direction":"egress"}}' run cni check mirnet "$A"
	[ "$status" -ne 0 ]
	[[ "$output" == *"pod ingress on $va is mirrored but the config does not ask for it"* ]]
	tc -n "$H" filter del dev "$va" ingress
	run cni check mirnet "$A"
	[ "$status" -ne 0 ]
	echo "$output"
	[[ "$output" == *"the filter mirroring pod egress on $va to mon0 is gone"* ]]
	[[ "$output" == *"(CNI error code 999)"* ]]
	n=$(sed -n 's/.*mirrored packets: \([0-9]*\),.*/\1/p' <<<"$output")
	[ -n "$n" ]
	# at least the 3 requests and 3 replies went out of mon0
	[ "$n" -ge 6 ]
	m=$(sed -n "s/.*this pod's pod-ingress filter has mirrored \([0-9]*\)).*/\1/p" <<<"$output")
	[ -n "$m" ]
	[ "$m" -ge 3 ]
	# CHECK asks only for the directions configured: ingress alone is still there
	CAP_ARGS='{"mirror":{"direction":"ingress"}}' run cni check mirnet "$A"
	[ "$status" -eq 0 ] || { echo "$output"; false; }
}

@test "mirror: GC removes the filters and tunnel of attachments not in the valid list" {
	vxlan_collector
	conf='{"cniVersion":"1.1.0","name":"mirnet","type":"mirror",
	       "collector":{"vxlan":{"remote":"192.0.2.10","vni":4242}}}'
	conflist mirnet "$(jq -c 'del(.cniVersion, .name)' <<<"$conf")"
	A=$(netns_new mira)
	B=$(netns_new mirb)
	run cni add mirnet "$A"
	[ "$status" -eq 0 ] || { echo "$output"; false; }
	run cni add mirnet "$B"
	[ "$status" -eq 0 ] || { echo "$output"; false; }
	va=$(hostveth "$A")
	vb=$(hostveth "$B")
	gc=$(jq -c --arg c "$(cid "$A")" \
		'. + {"cni.dev/valid-attachments":[{"containerID":$c,"ifname":"eth0"}]}' <<<"$conf")
	run ip netns exec "$H" env -i CNI_COMMAND=GC CNI_PATH="$BIN" "$BIN/mirror" <<<"$gc"
	[ "$status" -eq 0 ] || { echo "$output"; false; }
	run tc -n "$H" filter show dev "$va" ingress
	[ "$status" -eq 0 ]
	[[ "$output" == *Mirror* ]]
	run tc -n "$H" filter show dev "$vb" ingress
	[ "$status" -eq 0 ]
	[[ "$output" != *Mirror* ]]
	run ip -n "$H" -o link show type vxlan
	[ "$status" -eq 0 ]
	[[ "$output" == *lmir-* ]]
	# nothing valid: the last filters and then the tunnel go
	gc=$(jq -c '. + {"cni.dev/valid-attachments":[]}' <<<"$conf")
	run ip netns exec "$H" env -i CNI_COMMAND=GC CNI_PATH="$BIN" "$BIN/mirror" <<<"$gc"
	[ "$status" -eq 0 ] || { echo "$output"; false; }
	run ip -n "$H" -o link show type vxlan
	[ "$status" -eq 0 ]
	[[ "$output" != *lmir-* ]]
	run tc -n "$H" qdisc show dev "$va"
	[ "$status" -eq 0 ]
	[[ "$output" != *clsact* ]]
}

@test "mirror: hostile input: missing collector, bad remote, no prevResult, host interface gone" {
	A=$(netns_new mira)
	conflist mirnet '{"type":"mirror","collector":{"interface":"nosuch0"}}'
	run cni add mirnet "$A"
	[ "$status" -ne 0 ]
	[[ "$output" == *"mirror: collector interface nosuch0 not found"* ]]
	# the failed ADD left no qdisc or filter of its own behind
	run tc -n "$H" qdisc show
	[ "$status" -eq 0 ]
	[[ "$output" != *clsact* ]]
	# the runtime's cleanup of the failed ADD
	run cni del mirnet "$A"
	[ "$status" -eq 0 ] || { echo "$output"; false; }

	run plugin ADD "$A" '{"cniVersion":"1.0.0","name":"mirnet","type":"mirror",
		"collector":{"vxlan":{"remote":"192.0.2.300","vni":1}}}'
	[ "$status" -eq 1 ]
	[ "$(jq -r .code <<<"$output")" -eq 7 ]
	[[ "$output" == *'collector.vxlan.remote \"192.0.2.300\" is not a valid IP address'* ]]

	run plugin ADD "$A" '{"cniVersion":"1.0.0","name":"mirnet","type":"mirror",
		"collector":{"interface":"mon0"}}'
	[ "$status" -eq 1 ]
	[ "$(jq -r .code <<<"$output")" -eq 7 ]
	[[ "$output" == *"must be called as chained plugin"* ]]

	run plugin ADD "$A" '{"cniVersion":"1.0.0","name":"mirnet","type":"mirror",
		"direction":"sideways","collector":{"interface":"mon0"}}'
	[ "$status" -eq 1 ]
	[[ "$output" == *'unknown direction \"sideways\"'* ]]

	# the pod's veth pair is gone (its host end deleted): CHECK and ADD say so, DEL succeeds
	conflist mirnet '{"type":"mirror","collector":{"interface":"mon0"}}'
	run cni add mirnet "$A"
	[ "$status" -eq 0 ] || { echo "$output"; false; }
	conf=$(jq -c --argjson p "$output" '{"cniVersion":"1.0.0","name":"mirnet","type":"mirror",
		"collector":{"interface":"mon0"},"prevResult":$p}' <<<'{}')
	run plugin CHECK "$A" "$conf"
	[ "$status" -eq 0 ] || { echo "$output"; false; }
	ip -n "$H" link del "$(hostveth "$A")"
	run plugin CHECK "$A" "$conf"
	[ "$status" -eq 1 ]
	[[ "$output" == *"mirror: container interface eth0 not found"* ]]
	run cni del mirnet "$A"
	[ "$status" -eq 0 ] || { echo "$output"; false; }
}

@test "mirror: after bandwidth's egress limit: pod ingress refused clearly; egress-only DEL leaves bandwidth's filter" {
	[ -x "$BIN/bandwidth" ] || skip "bandwidth not built"
	ip -n "$H" link add mirprobe0 type ifb 2>/dev/null || skip "no ifb support in this kernel"
	ip -n "$H" link del mirprobe0
	bw='{"type":"bandwidth","egressRate":8000000,"egressBurst":80000}'
	conflist mirnet "$bw, {\"type\":\"mirror\",\"collector\":{\"interface\":\"mon0\"}}"
	A=$(netns_new mira)
	run cni add mirnet "$A"
	[ "$status" -ne 0 ]
	[[ "$output" == *"has an ingress qdisc (bandwidth's?), not clsact: cannot mirror pod ingress there"* ]]
	run cni del mirnet "$A"
	[ "$status" -eq 0 ] || { echo "$output"; false; }

	conflist mirnet "$bw, {\"type\":\"mirror\",\"direction\":\"egress\",
		\"collector\":{\"interface\":\"mon0\"}}"
	run cni add mirnet "$A"
	[ "$status" -eq 0 ] || { echo "$output"; false; }
	va=$(hostveth "$A")
	run tc -n "$H" filter show dev "$va" ingress
	[ "$status" -eq 0 ]
	[[ "$output" == *"Egress Mirror to device mon0"* ]]
	[[ "$output" == *"Egress Redirect to device bwp"* ]]
	run plugin DEL "$A" '{"cniVersion":"1.0.0","name":"mirnet","type":"mirror"}'
	[ "$status" -eq 0 ] || { echo "$output"; false; }
	run tc -n "$H" filter show dev "$va" ingress
	[ "$status" -eq 0 ]
	[[ "$output" != *Mirror* ]]
	[[ "$output" == *"Egress Redirect to device bwp"* ]]
	run tc -n "$H" qdisc show dev "$va"
	[ "$status" -eq 0 ]
	[[ "$output" == *"qdisc ingress ffff:"* ]]
}
