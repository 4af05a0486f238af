#!/usr/bin/env bats
# SPDX-License-Identifier: Apache-2.0
# linend's choice of the external interface and public address, against the real kernel:
# the default (the link of the first IPv4 default route), --iface as names or addresses
# tried in order, --iface-regex on addresses first and then on names, the address ranking
# (global before link-local; IPv6 deprecated addresses skipped), and a clear exit when no
# interface is usable. Rules as flanneld's (pkg/ipmatch/match.go, pkg/ip/iface.go, main.go).
#
# Every test makes a "host" namespace with lo up, runs a private etcd on 127.0.0.1 inside
# it and linend (--backend log, so nothing is programmed) in it too; veth pairs lead to a
# second namespace of the test's own, with 192.168.x / fd00:: test addresses. The choice is
# read from linend's "using interface" log line, the PublicIP of the lease in etcd and the
# MTU in subnet.env (each veth has its own MTU). Nothing touches the root namespace.

load helpers

setup() {
	require_root
	command -v etcd >/dev/null || skip "etcd not installed"
	command -v etcdctl >/dev/null || skip "etcdctl not installed"
	command -v jq >/dev/null || skip "jq not installed"
	LINEND=$LINEN_BUILD/src/linend/linend
	[ -x "$LINEND" ] || skip "linend not built"
	T=$BATS_TEST_TMPDIR
	NS=$(netns_new host)
	PEER=$(netns_new peer)
	# ports inside our own namespace: nothing else listens there
	EP=http://127.0.0.1:2379
	HP=8081
	RUN=0
	export ETCDCTL_API=3
}

teardown() {
	linen_teardown
}

nsx() {
	ip netns exec "$NS" "$@"
}

# link <name> <mtu> [addr/len...]: a veth <name> in $NS, its peer p<name> in $PEER; both up
link() {
	local name=$1 mtu=$2 a
	shift 2
	ip -n "$NS" link add "$name" mtu "$mtu" type veth peer name "p$name" netns "$PEER"
	for a in "$@"; do
		ip -n "$NS" addr add "$a" dev "$name"
	done
	ip -n "$NS" link set "$name" up
	ip -n "$PEER" link set "p$name" up
}

# peer_addr <name> <addr/len>: an address on the peer end of <name>, the next hop of routes
peer_addr() {
	ip -n "$PEER" addr add "$2" dev "p$1"
}

# eth1 (mtu 1400, 192.168.10.1) is made first and has the lower ifindex; eth2 (mtu 1300,
# 192.168.20.1) second. Their peers are .2.
two_links() {
	link eth1 1400 192.168.10.1/24
	link eth2 1300 192.168.20.1/24
	peer_addr eth1 192.168.10.2/24
	peer_addr eth2 192.168.20.2/24
}

ectl() {
	ip netns exec "$NS" etcdctl --endpoints="$EP" "$@"
}

etcd_start() {
	ip netns exec "$NS" etcd --name t --data-dir "$T/etcd" \
		--listen-client-urls "$EP" --advertise-client-urls "$EP" \
		--listen-peer-urls http://127.0.0.1:2380 \
		--initial-advertise-peer-urls http://127.0.0.1:2380 \
		--initial-cluster t=http://127.0.0.1:2380 >>"$T/etcd.log" 2>&1 &
	track $!
	wait_for 20 ectl endpoint health
	local def='{"Network":"10.5.0.0/16","Backend":{"Type":"vxlan"}}'
	ectl put /coreos.com/network/config "${1:-$def}" >/dev/null
}

# linend_start [flags]: a fresh run (no lease, no subnet.env), its log in $LOG
linend_start() {
	RUN=$((RUN + 1))
	LOG=$T/linend$RUN.log
	rm -f "$T/subnet.env"
	ectl del --prefix /coreos.com/network/subnets >/dev/null
	ip netns exec "$NS" "$LINEND" --etcd-endpoints "$EP" --subnet-file "$T/subnet.env" \
		--backend log --healthz-ip 127.0.0.1 --healthz-port "$HP" "$@" >"$LOG" 2>&1 &
	LPID=$!
	track "$LPID"
}

linend_stop() {
	kill -TERM "$LPID"
	wait "$LPID" || true
}

ready() {
	nsx curl -sf "http://127.0.0.1:$HP/readyz"
}

# the only lease in etcd, its value
lease_value() {
	[ "$(ectl get --prefix /coreos.com/network/subnets --keys-only | grep -c subnets)" = 1 ] &&
		ectl get --prefix /coreos.com/network/subnets --print-value-only | grep .
}

# chosen <iface> <mtu> <addr>: linend became ready on <iface> with public address <addr>,
# seen in its log, in the lease's PublicIP and in the MTU in subnet.env (vxlan: mtu - 50)
chosen() {
	local v
	wait_for 15 ready || { cat "$LOG"; return 1; }
	grep -qF "using interface $1 (mtu $2) with address $3, public address $3" "$LOG" ||
		{ cat "$LOG"; return 1; }
	v=$(lease_value)
	[ "$(jq -r .PublicIP <<<"$v")" = "$3" ] || { echo "lease: $v"; return 1; }
	grep -qx "FLANNEL_MTU=$(($2 - 50))" "$T/subnet.env" || { cat "$T/subnet.env"; return 1; }
}

# fails <message> [flags]: linend exits 1 at once, says <message> (any, when empty) after
# "failed to find the interface to use: ", and registers nothing
fails() {
	local msg=$1
	shift
	rm -f "$T/subnet.env"
	run nsx timeout 10 "$LINEND" --etcd-endpoints "$EP" --subnet-file "$T/subnet.env" \
		--backend log "$@"
	echo "status $status: $output"
	[ "$status" -eq 1 ]
	[[ "$output" == *"failed to find the interface to use: $msg"* ]]
	[ ! -e "$T/subnet.env" ]
	[ "$(ectl get --prefix /coreos.com/network/subnets --keys-only | grep -c subnets)" = 0 ]
}

@test "no --iface: the link of the first IPv4 default route is chosen" {
	two_links
	# a worse default route via eth1 (made first, lower ifindex) and a better one via eth2
	ip -n "$NS" route add default via 192.168.10.2 dev eth1 metric 200
	ip -n "$NS" route add default via 192.168.20.2 dev eth2 metric 100
	[ "$(nsx awk '$2 == "00000000" && $8 == "00000000" { print $1; exit }' /proc/net/route)" = eth2 ]
	etcd_start
	linend_start
	chosen eth2 1300 192.168.20.1
	grep -q '"VtepMAC":"02:4c:c0:a8:14:01"' <<<"$(lease_value)"
	linend_stop
	# the default route moves to eth1: so does the choice
	ip -n "$NS" route del default via 192.168.20.2 dev eth2 metric 100
	linend_start
	chosen eth1 1400 192.168.10.1
	linend_stop
	# a default route without a gateway (dev only) counts as well
	ip -n "$NS" route del default via 192.168.10.2 dev eth1 metric 200
	ip -n "$NS" route add default dev eth2
	linend_start
	chosen eth2 1300 192.168.20.1
}

@test "no --iface: more specific routes are not the default route" {
	two_links
	ip -n "$NS" route add 10.0.0.0/8 via 192.168.10.2 dev eth1
	ip -n "$NS" route add 0.0.0.0/1 via 192.168.10.2 dev eth1
	ip -n "$NS" route add default via 192.168.20.2 dev eth2
	etcd_start
	linend_start
	chosen eth2 1300 192.168.20.1
}

@test "--iface as an IP address selects the interface that has it, with that address" {
	two_links
	ip -n "$NS" addr add 192.168.21.1/24 dev eth2
	ip -n "$NS" route add default via 192.168.10.2 dev eth1
	etcd_start
	linend_start --iface 192.168.20.1
	chosen eth2 1300 192.168.20.1
	linend_stop
	# a secondary address: the interface's own first address would be 192.168.20.1
	linend_start --iface 192.168.21.1
	chosen eth2 1300 192.168.21.1
	linend_stop
	# a name works too
	linend_start --iface eth2
	chosen eth2 1300 192.168.20.1
}

@test "--iface with several values: tried in order, a missing one falls back to the next" {
	two_links
	ip -n "$NS" route add default via 192.168.10.2 dev eth1
	etcd_start
	linend_start --iface nothere0 --iface 192.168.20.1
	chosen eth2 1300 192.168.20.1
	linend_stop
	# an address nobody has is skipped like a missing name
	linend_start --iface 192.168.99.1 --iface eth2
	chosen eth2 1300 192.168.20.1
	linend_stop
	# the order given counts, not the interfaces' order, and the first usable one wins
	linend_start --iface nothere0 --iface eth2 --iface eth1
	chosen eth2 1300 192.168.20.1
	linend_stop
	linend_start --iface eth1 --iface eth2
	chosen eth1 1400 192.168.10.1
	linend_stop
	# an interface that exists but has no IPv4 address is skipped too
	link eth3 1500
	linend_start --iface eth3 --iface eth2
	chosen eth2 1300 192.168.20.1
	linend_stop
	# FLANNELD_IFACE works like the flag
	RUN=$((RUN + 1)); LOG=$T/linend$RUN.log
	rm -f "$T/subnet.env"
	ectl del --prefix /coreos.com/network/subnets >/dev/null
	FLANNELD_IFACE=eth2 ip netns exec "$NS" "$LINEND" --etcd-endpoints "$EP" \
		--subnet-file "$T/subnet.env" --backend log --healthz-ip 127.0.0.1 --healthz-port "$HP" >"$LOG" 2>&1 &
	LPID=$!
	track "$LPID"
	chosen eth2 1300 192.168.20.1
}

@test "--iface-regex matching an address; addresses are matched before names" {
	two_links
	ip -n "$NS" route add default via 192.168.10.2 dev eth1
	etcd_start
	linend_start --iface-regex '^192\.168\.20\.'
	chosen eth2 1300 192.168.20.1
	linend_stop
	# the regex matches eth1 by name (lower ifindex) and eth2 by address: the address wins
	linend_start --iface-regex '^eth1$|^192\.168\.20\.1$'
	chosen eth2 1300 192.168.20.1
	linend_stop
	# the matching address is the one used, also when it is not the interface's first
	ip -n "$NS" addr add 192.168.22.7/24 dev eth2
	linend_start --iface-regex '\.22\.7$'
	chosen eth2 1300 192.168.22.7
}

@test "--iface-regex matching only a name; several regexes are tried in order" {
	two_links
	ip -n "$NS" route add default via 192.168.10.2 dev eth1
	etcd_start
	linend_start --iface-regex '^eth2$'
	chosen eth2 1300 192.168.20.1
	linend_stop
	linend_start --iface-regex '^nomatch' --iface-regex 'h2$'
	chosen eth2 1300 192.168.20.1
}

@test "a 169.254 link-local IPv4 address and a global one: the global is chosen" {
	# the link-local address comes first on the interface
	link ll0 1400 169.254.5.1/16 192.168.30.1/24
	peer_addr ll0 192.168.30.2/24
	[ "$(ip -n "$NS" -4 -o addr show dev ll0 | awk '{ print $4; exit }')" = 169.254.5.1/16 ]
	ip -n "$NS" route add default via 192.168.30.2 dev ll0
	etcd_start
	linend_start
	chosen ll0 1400 192.168.30.1
	linend_stop
	linend_start --iface ll0
	chosen ll0 1400 192.168.30.1
	linend_stop
	# also when the link-local address has scope link
	link ll1 1300
	ip -n "$NS" addr add 169.254.6.1/16 dev ll1 scope link
	ip -n "$NS" addr add 192.168.31.1/24 dev ll1
	[ "$(ip -n "$NS" -4 -o addr show dev ll1 | awk '{ print $4; exit }')" = 169.254.6.1/16 ]
	linend_start --iface ll1
	chosen ll1 1300 192.168.31.1
	linend_stop
	# only a link-local address: it will do, as in flanneld
	link ll2 1200 169.254.7.1/16
	linend_start --iface ll2
	chosen ll2 1200 169.254.7.1
}

@test "IPv6: a deprecated address is skipped for PublicIPv6" {
	two_links
	# the kernel lists the newest IPv6 address first: the deprecated one
	ip -n "$NS" addr add fd00:20::2/64 dev eth2 nodad
	ip -n "$NS" addr add fd00:20::1/64 dev eth2 nodad preferred_lft 0
	[ "$(ip -n "$NS" -6 -o addr show dev eth2 scope global | awk '{ print $4; exit }')" = fd00:20::1/64 ]
	etcd_start '{"EnableIPv6":true,"Network":"10.5.0.0/16","IPv6Network":"fd00:5::/48","Backend":{"Type":"vxlan"}}'
	linend_start --iface eth2
	chosen eth2 1300 192.168.20.1
	[ "$(jq -r .PublicIPv6 <<<"$(lease_value)")" = fd00:20::2 ]
	grep -q '^FLANNEL_IPV6_SUBNET=fd00:5:' "$T/subnet.env"
}

@test "no usable interface: linend exits 1 and says why" {
	two_links
	link eth3 1500
	ip -n "$NS" route add default via 192.168.10.2 dev eth1
	etcd_start
	fails "none of the --iface interfaces or addresses exist" --iface nothere0
	fails "none of the --iface interfaces or addresses exist" --iface 192.168.99.1
	fails "none of the --iface interfaces or addresses exist" --iface nothere0 --iface nothere1
	fails "no interface matches --iface-regex" --iface-regex '^nothere'
	fails "interface eth3 has no IPv4 address and no --public-ip was given" --iface eth3
	ip -n "$NS" route del default
	fails "no default route: use --iface or --iface-regex"
}

@test "--iface none usable, then --iface-regex: the regexes are tried next (flanneld main.go)" {
	two_links
	ip -n "$NS" route add default via 192.168.10.2 dev eth1
	etcd_start
	linend_start --iface nothere0 --iface-regex '^eth2$'
	chosen eth2 1300 192.168.20.1
}

@test "a loopback-range IPv4 address on the interface comes after a global one (IsGlobalUnicast)" {
	link eth2 1300 127.1.2.3/8 192.168.20.1/24
	etcd_start
	linend_start --iface eth2
	chosen eth2 1300 192.168.20.1
}

# Where linend is more lenient than flanneld, which exits in these cases: tested as linend does.

@test "--iface-regex by name skips an interface without IPv4 and takes the next (flanneld exits)" {
	link eth0 1500
	two_links
	etcd_start
	linend_start --iface-regex '^eth'
	chosen eth1 1400 192.168.10.1
}

@test "--iface-regex also matches IPv6 addresses, the interface's IPv4 one is used (flanneld exits)" {
	two_links
	ip -n "$NS" addr add fd00:20::1/64 dev eth2 nodad
	etcd_start
	linend_start --iface-regex '^fd00:20::1$'
	chosen eth2 1300 192.168.20.1
}

@test "--iface as an IPv6 address finds its interface, whose IPv4 address is used (flanneld exits)" {
	two_links
	ip -n "$NS" addr add fd00:20::1/64 dev eth2 nodad
	etcd_start
	linend_start --iface fd00:20::1
	chosen eth2 1300 192.168.20.1
}
