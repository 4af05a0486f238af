#!/usr/bin/env bats
# SPDX-License-Identifier: Apache-2.0
# firewall end to end: two networks (bridge + host-local + firewall), each on its own bridge
# in a "host" namespace, pods as namespaces, and an outside "node" wired to the host. Per
# ingressPolicy, ping must get through or be blocked exactly as the policy says (same bridge,
# other bridge, outside, replies), CHECK must pass and notice drift, DEL and GC must leave no
# table of ours. Everything lives in $BATS_TEST_TMPDIR and namespaces made here.

load helpers
load chain-helpers

setup() {
	chain_setup bridge host-local firewall -- ping
	ip link add fwh-n netns "$H" type veth peer name fwn-h netns "$N"
	ip -n "$H" addr add 192.168.78.1/24 dev fwh-n
	ip -n "$H" link set fwh-n up
	ip -n "$N" addr add 192.168.78.2/24 dev fwn-h
	ip -n "$N" link set fwn-h up
	ip -n "$N" route add 10.98.0.0/16 via 192.168.78.1
}

teardown() {
	linen_teardown
}

# net NAME BRIDGE SUBNET-INDEX FIREWALL-EXTRA-JSON [version]
net() {
	local extra=${4:+,$4}
	cat >"$T/conf/$1.conflist" <<-EOF
	{"cniVersion":"${5:-1.0.0}","name":"$1","plugins":[
	 {"type":"bridge","bridge":"$2","isGateway":true,"isDefaultGateway":true,
	  "ipam":{"type":"host-local","ranges":[[{"subnet":"10.98.$3.0/24"}]],
	          "dataDir":"$T/ipam"}},
	 {"type":"firewall"$extra}]}
	EOF
}

add() { # add NET POD-NS → the pod's IPv4 address on stdout
	local out
	out=$(cni add "$1" "$2") || { echo "$out" >&2; return 1; }
	jq -r '.ips[0].address' <<<"$out" | cut -d/ -f1
}

reach() { # reach FROM-NS ADDR (retried: a fresh IPv6 gateway address is tentative for a while)
	local i
	for i in 1 2 3 4 5; do
		ip netns exec "$1" ping -c 1 -W 1 "$2" >/dev/null 2>&1 && return 0
	done
	return 1
}

blocked() { # blocked FROM-NS ADDR: no answer to three pings
	! ip netns exec "$1" ping -c 3 -i 0.2 -W 1 "$2" >/dev/null 2>&1 || false
}

ours_left() {
	ip netns exec "$H" nft list tables | grep 'linen-cni-firewall' || true
}

# three pods: A1, A2 on network neta (bridge fwbrA), B1 on netb (bridge fwbrB)
three_pods() {
	A1=$(netns_new a1)
	A2=$(netns_new a2)
	B1=$(netns_new b1)
	IPA1=$(add neta "$A1")
	IPA2=$(add neta "$A2")
	IPB1=$(add netb "$B1")
	[ -n "$IPA1" ] && [ -n "$IPA2" ] && [ -n "$IPB1" ]
}

del_all() {
	run cni del neta "$A1"
	[ "$status" -eq 0 ] || { echo "$output"; false; }
	run cni del neta "$A2"
	[ "$status" -eq 0 ] || { echo "$output"; false; }
	run cni del netb "$B1"
	[ "$status" -eq 0 ] || { echo "$output"; false; }
}

@test "open: everything flows; per-pod accept rules; CHECK; DEL leaves nothing" {
	net neta fwbrA 1
	net netb fwbrB 2 '"ingressPolicy":"open"'
	three_pods
	reach "$A1" "$IPA2"
	reach "$B1" "$IPA1"
	reach "$A1" "$IPB1"
	reach "$N" "$IPA1"
	reach "$A1" 192.168.78.2
	rules=$(ip netns exec "$H" nft list table inet linen-cni-firewall)
	grep -q "ip daddr $IPA1 ct state established,related accept" <<<"$rules"
	grep -q "ip saddr $IPB1 accept" <<<"$rules"
	grep -q 'jump CNI-ADMIN' <<<"$rules"
	! grep -q 'drop' <<<"$rules" || false
	run cni check neta "$A1"
	[ "$status" -eq 0 ] || { echo "$output"; false; }
	del_all
	[ -z "$(ours_left)" ]
	run cni del neta "$A1"
	[ "$status" -eq 0 ]
}

@test "same-bridge: another isolating bridge is blocked both ways; same bridge, outside and replies flow" {
	net neta fwbrA 1 '"ingressPolicy":"same-bridge"'
	net netb fwbrB 2 '"ingressPolicy":"same-bridge"'
	three_pods
	reach "$A1" "$IPA2"          # same bridge
	reach "$N" "$IPA1"           # from outside
	reach "$A1" 192.168.78.2     # out, replies come back
	reach "$B1" 192.168.78.2
	blocked "$B1" "$IPA1"        # other bridge
	blocked "$A1" "$IPB1"
	[ "$(ip netns exec "$H" nft list tables | grep -c linen-cni-firewall)" = 1 ] # no bridge table
	run cni check netb "$B1"
	[ "$status" -eq 0 ] || { echo "$output"; false; }

	# B1 gone: its isolation goes with it; A1's stays for the next pod of netb.
	run cni del netb "$B1"
	[ "$status" -eq 0 ] || { echo "$output"; false; }
	IPB1=$(add netb "$B1")
	blocked "$B1" "$IPA1"
	del_all
	[ -z "$(ours_left)" ]
}

@test "isolated: pods of one bridge are cut off from each other too; outside still flows" {
	net neta fwbrA 1 '"ingressPolicy":"isolated"'
	net netb fwbrB 2 '"ingressPolicy":"isolated"'
	three_pods
	reach "$N" "$IPA1"
	reach "$A1" 192.168.78.2
	reach "$N" "$IPB1"
	blocked "$A1" "$IPA2"        # same bridge, bridged frames
	blocked "$A2" "$IPA1"
	blocked "$B1" "$IPA1"
	blocked "$A1" "$IPB1"
	ip netns exec "$H" nft list table bridge linen-cni-firewall | grep -q "$IPA2 : jump f-"
	run cni check neta "$A2"
	[ "$status" -eq 0 ] || { echo "$output"; false; }
	del_all
	[ -z "$(ours_left)" ]
}

@test "mixed (spec 0.4.0): an open network talks with a same-bridge one both ways" {
	net neta fwbrA 1 '"ingressPolicy":"same-bridge"' 0.4.0
	net netb fwbrB 2 '' 0.4.0
	three_pods
	reach "$B1" "$IPA1"
	reach "$A1" "$IPB1"
	reach "$A1" "$IPA2"
	run cni check neta "$A2"
	[ "$status" -eq 0 ] || { echo "$output"; false; }
	run cni check netb "$B1"
	[ "$status" -eq 0 ] || { echo "$output"; false; }
	del_all
	[ -z "$(ours_left)" ]
}

@test "isolation needs both ends isolating: a network without firewall still talks to an isolated one" {
	cat >"$T/conf/neta.conflist" <<-EOF
	{"cniVersion":"1.0.0","name":"neta","plugins":[
	 {"type":"bridge","bridge":"fwbrA","isGateway":true,"isDefaultGateway":true,
	  "ipam":{"type":"host-local","ranges":[[{"subnet":"10.98.1.0/24"}]],"dataDir":"$T/ipam"}}]}
	EOF
	net netb fwbrB 2 '"ingressPolicy":"isolated"'
	A1=$(netns_new a1)
	B1=$(netns_new b1)
	IPA1=$(add neta "$A1")
	IPB1=$(add netb "$B1")
	# A is not isolating: B's isolation only stops traffic from other isolating bridges.
	reach "$A1" "$IPB1"
	reach "$B1" "$IPA1"
	run cni del netb "$B1"
	[ "$status" -eq 0 ]
	run cni del neta "$A1"
	[ "$status" -eq 0 ]
	[ -z "$(ours_left)" ]
}

@test "IPv6: same-bridge blocks another isolating bridge where open let it through" {
	ip -n "$H" addr add fd78::1/64 dev fwh-n nodad
	ip -n "$N" addr add fd78::2/64 dev fwn-h nodad
	ip -n "$N" -6 route add fd98::/16 via fd78::1
	ip netns exec "$H" sysctl -qw net.ipv6.conf.all.forwarding=1
	A1=$(netns_new a1)
	B1=$(netns_new b1)
	for policy in open same-bridge; do
		for n in a b; do
			cat >"$T/conf/net$n.conflist" <<-EOF
			{"cniVersion":"1.1.0","name":"net$n","plugins":[
			 {"type":"bridge","bridge":"fwbr$n","isGateway":true,"isDefaultGateway":true,
			  "ipam":{"type":"host-local","ranges":[[{"subnet":"fd98:$n::/64"}]],
			          "dataDir":"$T/ipam"}},
			 {"type":"firewall","ingressPolicy":"$policy"}]}
			EOF
		done
		IP6A=$(add neta "$A1")
		IP6B=$(add netb "$B1")
		[[ "$IP6A" == fd98:a::* ]]
		reach "$N" "$IP6A"
		reach "$N" "$IP6B"
		reach "$A1" fd78::2
		if [ "$policy" = open ]; then
			reach "$B1" "$IP6A"
			reach "$A1" "$IP6B"
		else
			blocked "$B1" "$IP6A"
			blocked "$A1" "$IP6B"
			ip netns exec "$H" nft list map inet linen-cni-firewall iso6 | grep -q "$IP6A"
		fi
		run cni check neta "$A1"
		[ "$status" -eq 0 ] || { echo "$output"; false; }
		run cni del neta "$A1"
		[ "$status" -eq 0 ] || { echo "$output"; false; }
		run cni del netb "$B1"
		[ "$status" -eq 0 ] || { echo "$output"; false; }
		[ -z "$(ours_left)" ]
	done
}

@test "admin chain: the administrator's rules run first and keep the table" {
	net neta fwbrA 1 '"iptablesAdminChainName":"MY-ADMIN"'
	A1=$(netns_new a1)
	IPA1=$(add neta "$A1")
	reach "$N" "$IPA1"
	ip netns exec "$H" nft add rule inet linen-cni-firewall MY-ADMIN ip daddr "$IPA1" \
		icmp type echo-request drop
	blocked "$N" "$IPA1"
	run cni check neta "$A1"
	[ "$status" -eq 0 ] || { echo "$output"; false; }
	run cni del neta "$A1"
	[ "$status" -eq 0 ] || { echo "$output"; false; }
	# Our rules are gone; the administrator's chain and rule stay.
	[ "$(ip netns exec "$H" nft list chain inet linen-cni-firewall MY-ADMIN | grep -c drop)" = 1 ]
	! ip netns exec "$H" nft list table inet linen-cni-firewall | grep -q 'f-' || false
}

# Direct plugin calls in the host namespace: VERB, stdin JSON, extra env.
plugin() {
	local cmd=$1 stdin=$2
	shift 2
	ip netns exec "$H" env CNI_COMMAND="$cmd" CNI_PATH="$BIN" "$@" "$BIN/firewall" <<<"$stdin"
}

prev='{"cniVersion":"1.1.0","interfaces":[{"name":"fwbrX"},{"name":"veth0"},{"name":"eth0","sandbox":"/run/netns/x"}],"ips":[{"address":"10.98.9.5/24","interface":2}]}'

fw_conf() { # fw_conf [extra]
	echo "{\"cniVersion\":\"1.1.0\",\"name\":\"gcnet\",\"type\":\"firewall\",\"prevResult\":$prev${1:+,$1}}"
}

@test "GC removes the rules of attachments not in cni.dev/valid-attachments" {
	for id in a b c; do
		run plugin ADD "$(fw_conf '"ingressPolicy":"isolated"')" CNI_CONTAINERID=ctr-$id \
			CNI_IFNAME=eth$id CNI_NETNS="/run/netns/$N"
		[ "$status" -eq 0 ] || { echo "$output"; false; }
	done
	# One address, three attachments in turn: the last ADD owns the elements.
	[ "$(ip netns exec "$H" nft list map inet linen-cni-firewall dst4 | grep -c 'jump f-')" = 1 ]
	run plugin GC '{"cniVersion":"1.1.0","name":"gcnet","type":"firewall","cni.dev/valid-attachments":[{"containerID":"ctr-c","ifname":"ethc"}]}'
	[ "$status" -eq 0 ] || { echo "$output"; false; }
	[ "$(ip netns exec "$H" nft list table inet linen-cni-firewall | grep -c 'chain f-')" = 1 ]
	run plugin CHECK "$(fw_conf '"ingressPolicy":"isolated"')" CNI_CONTAINERID=ctr-c \
		CNI_IFNAME=ethc CNI_NETNS="/run/netns/$N"
	[ "$status" -eq 0 ] || { echo "$output"; false; }
	run plugin GC '{"cniVersion":"1.1.0","name":"othernet","type":"firewall","cni.dev/valid-attachments":[]}'
	[ "$status" -eq 0 ]
	[ -n "$(ours_left)" ]
	run plugin GC '{"cniVersion":"1.1.0","name":"gcnet","type":"firewall","cni.dev/valid-attachments":[]}'
	[ "$status" -eq 0 ] || { echo "$output"; false; }
	[ -z "$(ours_left)" ]
}

@test "errors, CHECK drift, DEL without prevResult, versions" {
	local env=(CNI_CONTAINERID=ctr-e CNI_IFNAME=eth0 CNI_NETNS="/run/netns/$N")
	run plugin ADD "$(fw_conf '"backend":"firewalld"')" "${env[@]}"
	[ "$(jq -r .code <<<"$output")" = 2 ]
	run plugin ADD "$(fw_conf '"backend":"pf"')" "${env[@]}"
	[ "$(jq -r .code <<<"$output")" = 7 ]
	run plugin ADD "$(fw_conf '"ingressPolicy":"closed"')" "${env[@]}"
	[ "$(jq -r .code <<<"$output")" = 7 ]
	run plugin ADD "$(fw_conf '"iptablesAdminChainName":"drop"')" "${env[@]}"
	[ "$(jq -r .code <<<"$output")" = 7 ]
	run plugin ADD '{"cniVersion":"1.0.0","name":"n","type":"firewall"}' "${env[@]}"
	[ "$status" -ne 0 ]
	[[ "$(jq -r .msg <<<"$output")" == *chained* ]]
	run plugin ADD '{"cniVersion":"0.3.1","name":"n","type":"firewall"}' "${env[@]}"
	[ "$(jq -r .code <<<"$output")" = 1 ]
	run plugin VERSION '{"cniVersion":"1.0.0"}'
	[ "$(jq -c .supportedVersions <<<"$output")" = '["0.4.0","1.0.0","1.1.0"]' ]
	[ -z "$(ours_left)" ]

	# ADD passes prevResult through; CHECK notices a deleted map element.
	run plugin ADD "$(fw_conf '"backend":"iptables"')" "${env[@]}"
	[ "$status" -eq 0 ] || { echo "$output"; false; }
	[ "$(jq -c .ips <<<"$output")" = '[{"interface":2,"address":"10.98.9.5/24"}]' ]
	run plugin CHECK "$(fw_conf)" "${env[@]}"
	[ "$status" -eq 0 ] || { echo "$output"; false; }
	ip netns exec "$H" nft delete element inet linen-cni-firewall src4 '{ 10.98.9.5 }'
	run plugin CHECK "$(fw_conf)" "${env[@]}"
	[ "$status" -ne 0 ]
	# CHECK with another policy than the ADD's: different.
	run plugin ADD "$(fw_conf)" "${env[@]}"
	[ "$status" -eq 0 ] || { echo "$output"; false; }
	run plugin CHECK "$(fw_conf '"ingressPolicy":"same-bridge"')" "${env[@]}"
	[ "$status" -ne 0 ]
	# The policy changes (isolated, then open again): re-ADD converges, DEL leaves no table.
	run plugin ADD "$(fw_conf '"ingressPolicy":"isolated"')" "${env[@]}"
	[ "$status" -eq 0 ] || { echo "$output"; false; }
	ip netns exec "$H" nft list table bridge linen-cni-firewall >/dev/null
	run plugin ADD "$(fw_conf)" "${env[@]}"
	[ "$status" -eq 0 ] || { echo "$output"; false; }
	run plugin CHECK "$(fw_conf)" "${env[@]}"
	[ "$status" -eq 0 ] || { echo "$output"; false; }
	# DEL without prevResult (and twice) still removes everything.
	run plugin DEL '{"cniVersion":"1.0.0","name":"gcnet","type":"firewall"}' "${env[@]}"
	[ "$status" -eq 0 ] || { echo "$output"; false; }
	run plugin DEL '{"cniVersion":"1.0.0","name":"gcnet","type":"firewall"}' "${env[@]}"
	[ "$status" -eq 0 ] || { echo "$output"; false; }
	[ -z "$(ours_left)" ]
}
