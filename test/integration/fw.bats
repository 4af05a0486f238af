#!/usr/bin/env bats
# SPDX-License-Identifier: Apache-2.0
# src/fw against the real kernel: each feature is applied by the test driver (fwtest, built
# from test/unit/fw) inside a namespace that plays the host, the resulting nft state is
# checked with `nft list`, real traffic between namespaces shows that masquerading (or
# dropping) happens, and after DEL/GC nothing of the attachment is left. Evidence of the
# source address a packet arrived with comes from counter rules in the receiving namespace.
# Nothing here touches the root namespace.

load helpers

setup() {
	require_root
	FWTEST=$LINEN_BUILD/test/unit/fw/fwtest
	[ -x "$FWTEST" ] || skip "fwtest not built in $LINEN_BUILD"
	command -v nft >/dev/null || skip "nft missing"
	command -v ping >/dev/null || skip "ping missing"
}

teardown() {
	linen_teardown
}

fw() { # fw NS fwtest-args...
	local ns=$1
	shift
	ip netns exec "$ns" "$FWTEST" "$@"
}

# Packets counted by the rule with comment $2 in table inet probe of netns $1.
count() {
	ip netns exec "$1" nft list table inet probe |
		sed -n "s/.*counter packets \([0-9]*\) bytes.*comment \"$2\".*/\1/p"
}

# veth between two namespaces: link NS1 IF1 NS2 IF2
link() {
	ip link add "$2" netns "$1" type veth peer name "$4" netns "$3"
	ip -n "$1" link set "$2" up
	ip -n "$3" link set "$4" up
}

# A namespace counting arriving packets by source address: probe NS NAME=SADDR...
probe() {
	local ns=$1 cmd kv
	shift
	cmd="add table inet probe; add chain inet probe in"
	cmd+=" { type filter hook prerouting priority -300; policy accept; };"
	for kv in "$@"; do
		local fam=ip
		[[ ${kv#*=} == *:* ]] && fam=ip6
		cmd+=" add rule inet probe in $fam saddr ${kv#*=} counter comment \"${kv%%=*}\";"
	done
	ip netns exec "$ns" nft "$cmd"
}

ping1() { # ping1 NS DST [args]: one try, short wait; up to 3 tries for ARP/ND to settle.
	local ns=$1 dst=$2 i
	shift 2
	for i in 1 2 3; do
		ip netns exec "$ns" ping -c1 -W1 "$@" "$dst" >/dev/null 2>&1 && return 0
	done
	return 1
}

@test "fw: CNI ipMasq rewrites the pod's source address, and DEL/GC remove all of it" {
	H=$(netns_new host); A=$(netns_new pod); B=$(netns_new out)
	link "$A" eth0 "$H" vpod
	link "$H" vout "$B" eth0
	ip -n "$A" addr add 10.22.0.5/24 dev eth0
	ip -n "$A" route add default via 10.22.0.1
	ip -n "$H" addr add 10.22.0.1/24 dev vpod
	ip -n "$H" addr add 192.168.50.1/24 dev vout
	ip netns exec "$H" sysctl -qw net.ipv4.ip_forward=1
	ip -n "$B" addr add 192.168.50.2/24 dev eth0
	ip -n "$A" addr add fd00:22::5/64 dev eth0 nodad
	ip -n "$A" route add default via fd00:22::1
	ip -n "$H" addr add fd00:22::1/64 dev vpod nodad
	ip -n "$H" addr add fd00:50::1/64 dev vout nodad
	ip netns exec "$H" sysctl -qw net.ipv6.conf.all.forwarding=1
	ip -n "$B" addr add fd00:50::2/64 dev eth0 nodad
	# B has no route back to the pod: only masqueraded pings get an answer.
	probe "$B" masq=192.168.50.1 pod=10.22.0.5 masq6=fd00:50::1 pod6=fd00:22::5

	run fw "$H" masq-add "mynet" "cid-1" eth0 10.22.0.5/24 fd00:22::5/64
	[ "$status" -eq 0 ]
	# Idempotent ADD.
	run fw "$H" masq-add "mynet" "cid-1" eth0 10.22.0.5/24 fd00:22::5/64
	[ "$status" -eq 0 ]
	run fw "$H" masq-check "mynet" "cid-1" eth0 10.22.0.5/24 fd00:22::5/64
	[ "$status" -eq 0 ]
	# CHECK notices a different subnet and a missing address.
	run fw "$H" masq-check "mynet" "cid-1" eth0 10.22.0.5/16 fd00:22::5/64
	[ "$status" -eq 3 ]
	run fw "$H" masq-check "mynet" "cid-1" eth0 10.22.0.5/24 fd00:22::5/64 10.22.0.9/24
	[ "$status" -eq 3 ]

	rs=$(ip netns exec "$H" nft list table inet linen-cni-masq)
	echo "$rs"
	[[ $rs == *"ip saddr 10.22.0.5 ip daddr 10.22.0.0/24 return"* ]]
	[[ $rs == *"ip saddr 10.22.0.5 ip daddr 224.0.0.0/4 return"* ]]
	[[ $rs == *"ip saddr 10.22.0.5 masquerade"* ]]
	[[ $rs == *"ip6 saddr fd00:22::5 ip6 daddr ff00::/8 return"* ]]
	[[ $rs == *'comment "net=mynet id=cid-1 if=eth0"'* ]]
	[[ $rs == *"ip saddr vmap @masq4"* ]]

	ping1 "$A" 192.168.50.2
	[ "$(count "$B" masq)" -ge 1 ]
	[ "$(count "$B" pod)" -eq 0 ]
	ping1 "$A" fd00:50::2
	[ "$(count "$B" masq6)" -ge 1 ]
	[ "$(count "$B" pod6)" -eq 0 ]

	# A flushed dispatch is noticed by CHECK and repaired by ADD.
	ip netns exec "$H" nft flush chain inet linen-cni-masq postrouting
	run fw "$H" masq-check "mynet" "cid-1" eth0 10.22.0.5/24 fd00:22::5/64
	[ "$status" -eq 3 ]
	run fw "$H" masq-add "mynet" "cid-1" eth0 10.22.0.5/24 fd00:22::5/64
	[ "$status" -eq 0 ]
	run fw "$H" masq-check "mynet" "cid-1" eth0 10.22.0.5/24 fd00:22::5/64
	[ "$status" -eq 0 ]

	# Another attachment of the same network and one of another network.
	run fw "$H" masq-add "mynet" "cid-2" eth0 10.22.0.6/24
	[ "$status" -eq 0 ]
	run fw "$H" masq-add "other" "cid-3" eth0 10.33.0.6/24
	[ "$status" -eq 0 ]
	# GC of mynet keeping only cid-1: cid-2 goes, cid-1 and the other network stay.
	run fw "$H" masq-gc "mynet" "cid-1" eth0
	[ "$status" -eq 0 ]
	run fw "$H" masq-check "mynet" "cid-2" eth0 10.22.0.6/24
	[ "$status" -eq 2 ]
	run fw "$H" masq-check "mynet" "cid-1" eth0 10.22.0.5/24 fd00:22::5/64
	[ "$status" -eq 0 ]
	run fw "$H" masq-check "other" "cid-3" eth0 10.33.0.6/24
	[ "$status" -eq 0 ]

	# DEL, twice; then pings leave with the pod's own address and get no answer.
	run fw "$H" masq-del "mynet" "cid-1" eth0
	[ "$status" -eq 0 ]
	run fw "$H" masq-del "mynet" "cid-1" eth0
	[ "$status" -eq 0 ]
	run fw "$H" masq-check "mynet" "cid-1" eth0 10.22.0.5/24 fd00:22::5/64
	[ "$status" -eq 2 ]
	! ping1 "$A" 192.168.50.2 || false
	[ "$(count "$B" pod)" -ge 1 ]
	! ping1 "$A" fd00:50::2 || false
	[ "$(count "$B" pod6)" -ge 1 ]

	run fw "$H" masq-del "other" "cid-3" eth0
	[ "$status" -eq 0 ]
	# Only the empty dispatch remains: no attachment chain, no element.
	rs=$(ip netns exec "$H" nft list table inet linen-cni-masq)
	echo "$rs"
	[[ $rs != *"chain c-"* ]]
	[[ $rs != *"elements"* ]]
	# The tables of the namespace are ours and the probe's only.
	[ "$(ip netns exec "$H" nft list tables)" = "table inet linen-cni-masq" ]
}

@test "fw: hostile container IDs and interface names never reach nft" {
	H=$(netns_new host)
	evil='x" ; } flush ruleset ; table ip pwn { chain c { comment "'
	run fw "$H" masq-add "$evil" "$evil" eth0 10.22.0.5/24
	[ "$status" -eq 0 ]
	run fw "$H" masq-check "$evil" "$evil" eth0 10.22.0.5/24
	[ "$status" -eq 0 ]
	rs=$(ip netns exec "$H" nft list ruleset)
	echo "$rs"
	[[ $rs != *pwn* ]]
	[[ $rs == *'comment "net=sha512:'* ]]
	run fw "$H" masq-add net cid 'eth0";drop' 10.22.0.5/24
	[ "$status" -ne 0 ]
	run fw "$H" macspoof-add net cid eth0 'veth"x' 0a:58:0a:16:00:05
	[ "$status" -ne 0 ]
	run fw "$H" macspoof-add net cid eth0 veth0 '0a:58:0a:16:00:05 drop'
	[ "$status" -ne 0 ]
	run fw "$H" masq-del "$evil" "$evil" eth0
	[ "$status" -eq 0 ]
	[[ $(ip netns exec "$H" nft list ruleset) != *"chain c-"* ]]
	[ "$(ip netns exec "$H" nft list tables)" = "table inet linen-cni-masq" ]
}

@test "fw: macspoofchk drops frames with a foreign source MAC, DEL/GC restore the port" {
	H=$(netns_new host); A=$(netns_new pod); C=$(netns_new peer)
	ip -n "$H" link add br0 type bridge
	ip -n "$H" link set br0 up
	link "$A" eth0 "$H" veth-a
	link "$C" eth0 "$H" veth-c
	ip -n "$H" link set veth-a master br0
	ip -n "$H" link set veth-c master br0
	ip -n "$A" link set eth0 address 0a:58:0a:16:00:05
	ip -n "$A" addr add 10.22.0.5/24 dev eth0
	ip -n "$C" addr add 10.22.0.6/24 dev eth0

	run fw "$H" macspoof-add mynet cid-1 eth0 veth-a 0A:58:0A:16:00:05
	[ "$status" -eq 0 ]
	run fw "$H" macspoof-add mynet cid-1 eth0 veth-a 0a:58:0a:16:00:05
	[ "$status" -eq 0 ]
	run fw "$H" macspoof-check mynet cid-1 eth0 veth-a 0a:58:0a:16:00:05
	[ "$status" -eq 0 ]
	run fw "$H" macspoof-check mynet cid-1 eth0 veth-a 0a:58:0a:16:00:07
	[ "$status" -eq 3 ]
	run fw "$H" macspoof-check mynet cid-1 eth0 veth-b 0a:58:0a:16:00:05
	[ "$status" -eq 3 ]
	rs=$(ip netns exec "$H" nft list table bridge linen-macspoof)
	echo "$rs"
	[[ $rs == *'elements = { "veth-a" : jump p-'* ]]
	[[ $rs == *"ether saddr 0a:58:0a:16:00:05 return"* ]]
	[[ $rs == *"iifname vmap @ports"* ]]

	ping1 "$A" 10.22.0.6
	# The pod takes another MAC: its frames are dropped at the port.
	ip -n "$A" link set eth0 address 0a:58:0a:16:00:99
	ip -n "$A" neigh flush dev eth0
	ip -n "$C" neigh flush dev eth0
	! ping1 "$A" 10.22.0.6 || false

	# GC keeping nothing of mynet removes the check; the port works again.
	run fw "$H" macspoof-gc mynet
	[ "$status" -eq 0 ]
	run fw "$H" macspoof-check mynet cid-1 eth0 veth-a 0a:58:0a:16:00:05
	[ "$status" -eq 2 ]
	ping1 "$A" 10.22.0.6

	# ADD (with the new MAC) and DEL, twice.
	run fw "$H" macspoof-add mynet cid-1 eth0 veth-a 0a:58:0a:16:00:99
	[ "$status" -eq 0 ]
	ping1 "$A" 10.22.0.6
	run fw "$H" macspoof-del mynet cid-1 eth0
	[ "$status" -eq 0 ]
	run fw "$H" macspoof-del mynet cid-1 eth0
	[ "$status" -eq 0 ]
	rs=$(ip netns exec "$H" nft list table bridge linen-macspoof)
	[[ $rs != *"chain p-"* ]]
	[[ $rs != *"elements"* ]]
}

@test "fw: linend masquerade keeps flannel's iptables semantics (incl. host to remote pods)" {
	H=$(netns_new host); A=$(netns_new pod); R=$(netns_new rpod); B=$(netns_new out)
	link "$A" eth0 "$H" vpod
	link "$R" eth0 "$H" vrem
	link "$H" vout "$B" eth0
	ip -n "$H" addr add 10.244.3.1/24 dev vpod
	ip -n "$H" addr add 10.244.7.1/24 dev vrem
	ip -n "$H" addr add 192.168.50.1/24 dev vout
	ip netns exec "$H" sysctl -qw net.ipv4.ip_forward=1
	ip -n "$A" addr add 10.244.3.5/24 dev eth0
	ip -n "$A" route add default via 10.244.3.1
	# R stands for a pod on another node, B for the outside world (with a route to pods).
	ip -n "$R" addr add 10.244.7.5/24 dev eth0
	ip -n "$R" route add default via 10.244.7.1
	ip -n "$B" addr add 192.168.50.2/24 dev eth0
	ip -n "$B" addr add 192.168.50.3/24 dev eth0
	ip -n "$B" route add 10.244.0.0/16 via 192.168.50.1
	probe "$B" b_masq=192.168.50.1 b_pod=10.244.3.5
	probe "$R" r_pod=10.244.3.5 r_hostip=192.168.50.1 r_masq=10.244.7.1
	probe "$A" a_client=192.168.50.2
	# kube-proxy's mark (extra bits set: the match is masked) on A -> B .3.
	ip netns exec "$H" nft "add table ip kmark; add chain ip kmark pre \
		{ type filter hook prerouting priority -150; }; \
		add rule ip kmark pre ip daddr 192.168.50.3 meta mark set 0x4001"

	run fw "$H" flannel-apply 4 10.244.0.0/16 10.244.3.0/24
	[ "$status" -eq 0 ]
	run fw "$H" flannel-apply 4 10.244.0.0/16 10.244.3.0/24
	[ "$status" -eq 0 ]
	run fw "$H" flannel-check 4 10.244.0.0/16 10.244.3.0/24
	[ "$status" -eq 0 ]
	rs=$(ip netns exec "$H" nft list table ip linend)
	echo "$rs"
	[[ $rs == *"meta mark & 0x00004000 == 0x00004000 return"* ]]
	[[ $rs == *"ip saddr != 10.244.0.0/16 ip daddr 10.244.3.0/24 return"* ]]
	[[ $rs == *"ip saddr != 10.244.0.0/16 ip daddr 10.244.0.0/16 masquerade fully-random"* ]]
	[[ $rs == *"ip saddr 10.244.0.0/16 accept"* ]]
	[[ $rs == *"ip daddr 10.244.0.0/16 accept"* ]]

	# pod -> outside: masqueraded.
	ping1 "$A" 192.168.50.2
	[ "$(count "$B" b_masq)" -ge 1 ]
	[ "$(count "$B" b_pod)" -eq 0 ]
	# pod -> outside with kube-proxy's mark: left alone.
	ping1 "$A" 192.168.50.3
	[ "$(count "$B" b_pod)" -ge 1 ]
	# pod -> remote pod: keeps its address.
	ping1 "$A" 10.244.7.5
	[ "$(count "$R" r_pod)" -ge 1 ]
	# host (non-cluster source) -> remote pod: masqueraded (flannel's nft mode loses this).
	ping1 "$H" 10.244.7.5 -I 192.168.50.1
	[ "$(count "$R" r_masq)" -ge 1 ]
	[ "$(count "$R" r_hostip)" -eq 0 ]
	# outside -> local pod: the client address is kept.
	ping1 "$B" 10.244.3.5
	[ "$(count "$A" a_client)" -ge 1 ]

	# A flush elsewhere is noticed by CHECK and repaired by apply.
	ip netns exec "$H" nft flush chain ip linend postrtg
	run fw "$H" flannel-check 4 10.244.0.0/16 10.244.3.0/24
	[ "$status" -eq 3 ]
	run fw "$H" flannel-apply 4 10.244.0.0/16 10.244.3.0/24
	[ "$status" -eq 0 ]
	run fw "$H" flannel-check 4 10.244.0.0/16 10.244.3.0/24
	[ "$status" -eq 0 ]
	# A changed subnet replaces the table whole; fully-random can be turned off.
	run fw "$H" flannel-apply 4 10.244.0.0/16 10.244.9.0/24 norandom
	[ "$status" -eq 0 ]
	run fw "$H" flannel-check 4 10.244.0.0/16 10.244.9.0/24 norandom
	[ "$status" -eq 0 ]
	rs=$(ip netns exec "$H" nft list table ip linend)
	[[ $rs != *10.244.3.0* ]]
	[[ $rs != *fully-random* ]]

	# IPv6 next to it.
	run fw "$H" flannel-apply 6 fd10::/56 fd10:0:0:3::/64
	[ "$status" -eq 0 ]
	run fw "$H" flannel-check 6 fd10::/56 fd10:0:0:3::/64
	[ "$status" -eq 0 ]

	run fw "$H" flannel-remove 4
	[ "$status" -eq 0 ]
	run fw "$H" flannel-remove 4
	[ "$status" -eq 0 ]
	run fw "$H" flannel-remove 6
	[ "$status" -eq 0 ]
	run fw "$H" flannel-check 4 10.244.0.0/16 10.244.9.0/24 norandom
	[ "$status" -eq 2 ]
	[ "$(ip netns exec "$H" nft list tables)" = "table ip kmark" ]
}
