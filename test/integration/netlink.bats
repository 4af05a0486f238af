#!/usr/bin/env bats
# SPDX-License-Identifier: Apache-2.0
# The nl_* layer against the real kernel: every test builds its own "host"
# and "container" namespaces, programs them through the nltest driver (one
# API call per command) and checks the result with iproute2.

load helpers

setup() {
	require_root
	NLTEST=$LINEN_BUILD/test/unit/netlink/nltest
	[ -x "$NLTEST" ] || skip "nltest not built in $LINEN_BUILD"
	H=$(netns_new nlh)
	C=$(netns_new nlc)
}

teardown() {
	linen_teardown
}

# "! cmd" does not fail a bats test (errexit ignores it); these do.
absent() {
	if "$@" >/dev/null 2>&1; then
		echo "unexpectedly succeeded: $*" >&2
		return 1
	fi
}

# lacks PATTERN cmd...: cmd's output must not contain PATTERN.
lacks() {
	local p=$1
	shift
	if "$@" 2>/dev/null | grep -q -- "$p"; then
		echo "unexpectedly found '$p' in: $*" >&2
		return 1
	fi
}

# nl <ns> <command...>: run the driver inside a namespace.
nl() {
	local ns=$1
	shift
	ip netns exec "$ns" "$NLTEST" "$@"
}

@test "netlink: bridge, veth with peer created in another netns, port flags" {
	run nl "$H" bridge br0 1400 0
	[ "$status" -eq 0 ]
	run nl "$H" bridge br0 1400 0
	[ "$status" -eq 1 ]
	[[ "$output" == *"File exists"* ]]

	run nl "$H" veth vh0 eth0 "/var/run/netns/$C" 1400 02:00:00:00:01:01 02:00:00:00:01:02
	[ "$status" -eq 0 ]
	ip -n "$H" -d link show vh0 | grep -q 'link/ether 02:00:00:00:01:01'
	ip -n "$C" -d link show eth0 | grep -q 'veth'
	ip -n "$C" link show eth0 | grep -q 'mtu 1400'
	ip -n "$C" link show eth0 | grep -q 'link/ether 02:00:00:00:01:02'
	# The peer never existed in the host namespace.
	absent ip -n "$H" link show eth0

	nl "$H" master vh0 br0
	nl "$H" up br0
	nl "$H" up vh0
	nl "$C" up eth0
	nl "$H" brport vh0 1 1
	ip -n "$H" -d link show vh0 | grep -q 'master br0'
	ip -n "$H" -d link show vh0 | grep -q 'hairpin on'
	ip -n "$H" -d link show vh0 | grep -q 'isolated on'
	nl "$H" brport vh0 0 -1
	ip -n "$H" -d link show vh0 | grep -q 'hairpin off'
	ip -n "$H" -d link show vh0 | grep -q 'isolated on'

	# What we read back matches what iproute2 sees.
	run nl "$H" show vh0
	[ "$status" -eq 0 ]
	[[ "$output" == *"kind=veth slave_kind=bridge mtu=1400"* ]]
	[[ "$output" == *"up=1"* ]]
	bridx=$(ip netns exec "$H" cat /sys/class/net/br0/ifindex)
	[[ "$output" == *"master=$bridx "* ]]
	[[ "$output" == *"link_netnsid=0"* ]]
	run nl "$C" show eth0
	vhidx=$(ip netns exec "$H" cat /sys/class/net/vh0/ifindex)
	[[ "$output" == *"link=$vhidx "* ]]

	nl "$H" wait-up vh0 3000
	ip -n "$H" link show vh0 | grep -q 'state UP'

	nl "$H" master vh0 none
	lacks 'master' ip -n "$H" link show vh0
	nl "$H" del vh0
	absent ip -n "$C" link show eth0
	nl "$H" del vh0
	nl "$H" del br0
	absent ip -n "$H" link show br0
}

@test "netlink: link changes, rename, move to another netns, ifb" {
	nl "$H" veth va vb -
	nl "$H" mtu va 1300
	nl "$H" mac va 02:aa:bb:cc:dd:ee
	nl "$H" promisc va on
	nl "$H" allmulti va on
	nl "$H" txqlen va 250
	out=$(ip -n "$H" -d link show va)
	[[ "$out" == *"mtu 1300"* ]]
	[[ "$out" == *"PROMISC"* ]]
	[[ "$out" == *"ALLMULTI"* ]]
	[[ "$out" == *"qlen 250"* ]]
	[[ "$out" == *"02:aa:bb:cc:dd:ee"* ]]
	nl "$H" promisc va off
	lacks PROMISC ip -n "$H" link show va
	nl "$H" rename va vx0
	ip -n "$H" link show vx0
	nl "$H" setns vb "/var/run/netns/$C" eth1
	ip -n "$C" link show eth1
	absent ip -n "$H" link show vb
	nl "$H" ifb ifb0 1400
	ip -n "$H" -d link show ifb0 | grep -q 'ifb'
	run nl "$H" show nosuchlink
	[ "$status" -eq 1 ]
	[[ "$output" == *"No such device"* ]]
	nl "$H" del ifb0
	nl "$H" del vx0
	absent ip -n "$C" link show eth1
}

@test "netlink: addresses with flags, extended ack text on failure" {
	nl "$H" veth a0 a1 -
	nl "$H" up a0
	nl "$H" addr-add a0 10.31.0.1/24 brd
	nl "$H" addr-add a0 fd31::1/64 nodad noprefixroute
	ip -n "$H" addr show a0 | grep -q 'inet 10.31.0.1/24 brd 10.31.0.255'
	ip -n "$H" addr show a0 | grep -q 'inet6 fd31::1/64 scope global nodad noprefixroute'
	lacks 'fd31::/64' ip -n "$H" -6 route show dev a0

	run nl "$H" addr-add a0 10.31.0.1/24
	[ "$status" -eq 1 ]
	# The kernel's extended ack, not just strerror.
	[[ "$output" == *"File exists: "* ]]
	nl "$H" addr-replace a0 10.31.0.1/24

	run nl "$H" addr-list a0
	[[ "$output" == *"addr=10.31.0.1/24"* ]]
	[[ "$output" == *"addr=fd31::1/64 flags=0x2"* ]]

	nl "$H" addr-del a0 10.31.0.1/24
	nl "$H" addr-del a0 10.31.0.1/24
	lacks 10.31.0.1 ip -n "$H" addr show a0
}

@test "netlink: routes tagged with our protocol, onlink, metrics, ECMP, blackhole" {
	nl "$H" veth r0 r1 -
	nl "$H" up r0
	nl "$H" up r1
	nl "$H" addr-add r0 10.32.0.1/24
	nl "$H" route-add 10.33.0.0/24 via 10.32.0.7 dev r0 proto 76 metric 5 mtu 1300 advmss 1200
	nl "$H" route-replace 10.34.0.0/24 via 10.99.0.1 dev r0 onlink proto 76
	nl "$H" route-replace 10.34.0.0/24 via 10.99.0.1 dev r0 onlink proto 76
	nl "$H" route-append 10.35.0.0/24 via 10.32.0.7 dev r0 proto 76
	nl "$H" route-append 10.35.0.0/24 via 10.32.0.8 dev r0 proto 76
	nl "$H" route-add 10.36.0.0/16 blackhole proto 76
	nl "$H" route-add 10.37.0.0/24 dev r0 scope link src 10.32.0.1 table 100 proto 76
	run nl "$H" route-add 10.33.0.0/24 via 10.32.0.7 dev r0 proto 76 metric 5
	[ "$status" -eq 1 ]

	out=$(ip -n "$H" route show proto 76)
	echo "$out"
	[[ "$out" == *"10.33.0.0/24 via 10.32.0.7 dev r0 metric 5 mtu 1300 advmss 1200"* ]]
	[[ "$out" == *"10.34.0.0/24 via 10.99.0.1 dev r0 onlink"* ]]
	[[ "$out" == *"10.35.0.0/24 via 10.32.0.7 dev r0"* ]]
	[[ "$out" == *"10.35.0.0/24 via 10.32.0.8 dev r0"* ]]
	[[ "$out" == *"blackhole 10.36.0.0/16"* ]]
	[ "$(ip -n "$H" route show proto 76 | grep -c 10.34.0.0)" -eq 1 ]
	ip -n "$H" route show table 100 proto 76 | grep -q '10.37.0.0/24 dev r0 scope link src 10.32.0.1'
	lacks 10.32.0.0/24 ip -n "$H" route show proto 76

	# Dumps filtered by protocol and table see exactly ours.
	run nl "$H" route-list 4 proto 76
	[ "${#lines[@]}" -eq 6 ]
	run nl "$H" route-list 4 proto 76 table 100
	[ "${#lines[@]}" -eq 1 ]
	[[ "$output" == *"dst=10.37.0.0/24 gw=- src=10.32.0.1"*"table=100"*"scope=253"* ]]

	# IPv6 ECMP comes back as one multipath route, decoded as one entry per next hop.
	nl "$H" addr-add r0 fd32::1/64 nodad
	nl "$H" route-append fd33::/64 via fd32::7 dev r0 proto 76
	nl "$H" route-append fd33::/64 via fd32::8 dev r0 proto 76
	run nl "$H" route-list 6 proto 76
	[ "${#lines[@]}" -eq 2 ]
	[[ "$output" == *"gw=fd32::7"* ]]
	[[ "$output" == *"gw=fd32::8"* ]]

	nl "$H" route-del 10.33.0.0/24 via 10.32.0.7 dev r0 metric 5
	nl "$H" route-del 10.33.0.0/24 via 10.32.0.7 dev r0 metric 5
	nl "$H" route-del 10.34.0.0/24
	nl "$H" route-del 10.35.0.0/24
	nl "$H" route-del 10.35.0.0/24
	nl "$H" route-del 10.36.0.0/16 blackhole
	nl "$H" route-del 10.37.0.0/24 table 100
	nl "$H" route-del fd33::/64
	nl "$H" route-del fd33::/64
	[ -z "$(ip -n "$H" route show proto 76 table all)" ]
}

@test "netlink: route lookup and waiting for IPv6 DAD" {
	nl "$H" veth g0 g1 "/var/run/netns/$C"
	nl "$H" up g0
	nl "$C" up g1
	nl "$H" addr-add g0 10.40.0.1/24
	run nl "$H" route-get 10.40.0.9
	[ "$status" -eq 0 ]
	gidx=$(ip netns exec "$H" cat /sys/class/net/g0/ifindex)
	[[ "$output" == *"dst=10.40.0.9/32 gw=- src=10.40.0.1 oif=$gidx"* ]]
	run nl "$H" route-get 10.41.0.9
	[ "$status" -eq 1 ]
	[[ "$output" == *"unreachable"* ]]

	ip netns exec "$H" sysctl -qw net.ipv6.conf.g0.accept_dad=1
	nl "$H" addr-add g0 fd40::1/64
	nl "$H" wait-up g0 3000
	nl "$H" wait-dad g0 5000
	lacks tentative ip -n "$H" -6 addr show dev g0
	# The same address on the other end fails DAD there.
	ip netns exec "$C" sysctl -qw net.ipv6.conf.g1.accept_dad=1
	nl "$C" addr-add g1 fd40::1/64
	run nl "$C" wait-dad g1 5000
	[ "$status" -eq 1 ]
	[[ "$output" == *"Cannot assign requested address"* ]]
}

@test "netlink: vxlan device as flannel makes it, ARP and FDB entries" {
	nl "$H" veth u0 u1 -
	nl "$H" up u0
	nl "$H" addr-add u0 192.168.77.1/24
	nl "$H" vxlan flannel.1 1 u0 192.168.77.1 0 0 0 1450 0e:00:00:00:77:01
	nl "$H" vxlan flannel.2 2 u0 192.168.77.1 4789 1 1 1400
	nl "$H" addr-add u0 fd77::1/64 nodad
	nl "$H" vxlan flannel-v6.1 1 u0 fd77::1 0 0 0 1430
	out=$(ip -n "$H" -d link show flannel.1)
	echo "$out"
	[[ "$out" == *"mtu 1450"* ]]
	[[ "$out" == *"0e:00:00:00:77:01"* ]]
	[[ "$out" == *"vxlan id 1 local 192.168.77.1 dev u0"* ]]
	[[ "$out" == *"dstport 8472 nolearning"* ]]
	[[ "$out" != *"l2miss"* ]]
	[[ "$out" != *" gbp"* ]]
	out=$(ip -n "$H" -d link show flannel.2)
	[[ "$out" == *"dstport 4789"* ]]
	[[ "$out" != *"nolearning"* ]]
	[[ "$out" == *" gbp"* ]]
	ip -n "$H" -d link show flannel-v6.1 | grep -q 'local fd77::1 dev u0'

	run nl "$H" show flannel.1
	[[ "$output" == *"kind=vxlan"*"vni=1 local=192.168.77.1 port=8472"*"learning=0 gbp=0 ttl=0 tos=0 l2miss=0 l3miss=0"* ]]

	nl "$H" up flannel.1
	nl "$H" addr-add flannel.1 10.244.1.0/32
	nl "$H" neigh-replace flannel.1 10.244.2.0 0e:00:00:00:77:02
	nl "$H" neigh-replace flannel.1 10.244.2.0 0e:00:00:00:77:02
	nl "$H" fdb-replace flannel.1 0e:00:00:00:77:02 192.168.77.2
	nl "$H" fdb-replace flannel.1 0e:00:00:00:77:02 192.168.77.2
	nl "$H" route-replace 10.244.2.0/24 via 10.244.2.0 dev flannel.1 onlink proto 76
	ip -n "$H" neigh show dev flannel.1 | grep -q '10.244.2.0 lladdr 0e:00:00:00:77:02 PERMANENT'
	bridge -n "$H" fdb show dev flannel.1 | grep -q '0e:00:00:00:77:02 dst 192.168.77.2 self permanent'
	ip -n "$H" route show proto 76 | grep -q '10.244.2.0/24 via 10.244.2.0 dev flannel.1 onlink'
	run nl "$H" fdb-list flannel.1
	[[ "$output" == *"family=7"*"dst=192.168.77.2 lladdr=0e:00:00:00:77:02 state=0x80 flags=0x2"* ]]
	run nl "$H" neigh-list flannel.1
	[[ "$output" == *"dst=10.244.2.0 lladdr=0e:00:00:00:77:02 state=0x80"* ]]

	nl "$H" route-del 10.244.2.0/24 via 10.244.2.0 dev flannel.1
	nl "$H" fdb-del flannel.1 0e:00:00:00:77:02 192.168.77.2
	nl "$H" fdb-del flannel.1 0e:00:00:00:77:02 192.168.77.2
	nl "$H" neigh-del flannel.1 10.244.2.0 0e:00:00:00:77:02
	nl "$H" neigh-del flannel.1 10.244.2.0 0e:00:00:00:77:02
	[ -z "$(bridge -n "$H" fdb show dev flannel.1 | grep 0e:00:00:00:77:02)" ]
	lacks 10.244.2.0 ip -n "$H" neigh show dev flannel.1
	nl "$H" del flannel.1
	nl "$H" del flannel.2
	nl "$H" del flannel-v6.1
	absent ip -n "$H" link show flannel.1
}

@test "netlink: bridge VLANs on a port (needs CONFIG_BRIDGE_VLAN_FILTERING)" {
	if ! ip -n "$H" link add vfprobe type bridge vlan_filtering 1 2>/dev/null; then
		skip "kernel has no bridge VLAN filtering"
	fi
	ip -n "$H" link del vfprobe
	nl "$H" bridge brv 0 1
	ip -n "$H" -d link show brv | grep -q 'vlan_filtering 1'
	nl "$H" veth pv0 pv1 -
	nl "$H" master pv0 brv
	nl "$H" vlan-add pv0 10 pvid untagged
	nl "$H" vlan-add pv0 20-22
	out=$(bridge -n "$H" vlan show dev pv0)
	echo "$out"
	[[ "$out" == *"10 PVID Egress Untagged"* ]]
	run nl "$H" vlan-list pv0
	[[ "$output" == *"vid=10 pvid=1 untagged=1"* ]]
	[[ "$output" == *"vid=21 pvid=0 untagged=0"* ]]
	nl "$H" vlan-del pv0 20-22
	run nl "$H" vlan-list pv0
	[[ "$output" != *"vid=21"* ]]
}

@test "netlink: monitor decodes link, address, route and neighbour events" {
	nl "$H" veth m0 m1 -
	nl "$H" up m0
	out=$BATS_TEST_TMPDIR/mon.out
	# -n: the monitor socket is opened inside $H from outside it
	# (the redirect inside, so bg_start's own pid line stays out of the file)
	bg_start sh -c 'exec "$0" -n "$1" monitor 1000 3000 >"$2"' "$NLTEST" "/var/run/netns/$H" "$out" \
		>/dev/null
	for _ in $(seq 50); do grep -q ready "$out" 2>/dev/null && break; sleep 0.1; done
	nl "$H" addr-add m0 10.38.0.1/32
	nl "$H" route-add 10.39.0.0/24 dev m0 scope link proto 76
	nl "$H" neigh-replace m0 10.38.0.9 02:00:00:00:38:09
	# IPv6 link-local events from "up" may interleave; wait for the last of ours.
	for _ in $(seq 50); do grep -q 'new neigh 10.38.0.9' "$out" && break; sleep 0.1; done
	cat "$out"
	grep -q 'new addr 10.38.0.1/32' "$out"
	grep -q 'new route 10.39.0.0/24 proto 76' "$out"
	grep -q 'new neigh 10.38.0.9' "$out"
}

@test "netlink: sysctl read and write inside a namespace" {
	nl "$H" veth s0 s1 -
	nl "$H" sysctl-write net/ipv4/conf/s0/arp_notify 1
	[ "$(ip netns exec "$H" cat /proc/sys/net/ipv4/conf/s0/arp_notify)" = 1 ]
	run nl "$H" sysctl-read net/ipv4/conf/s0/arp_notify
	[ "$output" = 1 ]
	run nl "$H" sysctl-write ../../etc/passwd x
	[ "$status" -eq 1 ]
	[[ "$output" == *"Invalid argument"* ]]
}

@test "netlink: tc for the bandwidth plugin: tbf, ingress, mirred redirect to an ifb" {
	nl "$H" veth t0 t1 "/var/run/netns/$C"
	nl "$H" up t0
	nl "$H" ifb bwp0 1500
	nl "$H" up bwp0
	nl "$H" tbf bwp0 125000 10000 25
	nl "$H" tbf t0 1250000 20000 25
	nl "$H" tbf t0 1250000 20000 25
	nl "$H" ingress t0
	run nl "$H" ingress t0
	[ "$status" -eq 1 ]
	nl "$H" redirect t0 bwp0
	tc -n "$H" qdisc show dev t0 | grep -q 'qdisc tbf 1: root .*rate 10Mbit burst 20000b lat 25ms'
	tc -n "$H" qdisc show dev bwp0 | grep -q 'qdisc tbf 1: root .*rate 1Mbit burst 10000b lat 25ms'
	tc -n "$H" qdisc show dev t0 | grep -q 'qdisc ingress ffff:'
	out=$(tc -n "$H" filter show dev t0 ingress)
	echo "$out"
	[[ "$out" == *"protocol all pref 1 u32"* ]]
	[[ "$out" == *"match 00000000/00000000 at 0"* ]]
	[[ "$out" == *"mirred (Egress Redirect to device bwp0) stolen"* ]]
	run nl "$H" qdisc-list t0
	[[ "$output" == *"kind=tbf handle=10000 parent=ffffffff rate=1250000 buffer="*" limit=51250"* ]]
	[[ "$output" == *"kind=ingress handle=ffff0000"* ]]

	nl "$H" qdisc-del t0 ingress
	nl "$H" qdisc-del t0 ingress
	nl "$H" qdisc-del t0 root
	nl "$H" qdisc-del t0 root
	lacks tbf tc -n "$H" qdisc show dev t0
	lacks ingress tc -n "$H" qdisc show dev t0
	nl "$H" del bwp0
}

@test "netlink: conntrack entries deleted by protocol and destination port" {
	# conntrack only tracks in a namespace once some hook asks for it
	ip netns exec "$H" nft 'add table ip nltest;
		add chain ip nltest out { type filter hook output priority 0; };
		add rule ip nltest out ct state new accept'
	ip netns exec "$H" bash -c 'echo a >/dev/udp/127.0.0.1/5353;
		echo b >/dev/udp/127.0.0.1/5353; echo c >/dev/udp/127.0.0.1/5454'
	[ "$(ip netns exec "$H" grep -c 'dport=5353 ' /proc/net/nf_conntrack)" -ge 2 ]
	run nl "$H" ct-del-dport 4 udp 5353
	[ "$status" -eq 0 ]
	[ "$output" = "deleted=2" ]
	lacks 'dport=5353 ' ip netns exec "$H" cat /proc/net/nf_conntrack
	ip netns exec "$H" grep -q 'dport=5454 ' /proc/net/nf_conntrack
	run nl "$H" ct-del-dport 4 udp 5353
	[ "$output" = "deleted=0" ]
}
