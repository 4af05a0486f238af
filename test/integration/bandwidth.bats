#!/usr/bin/env bats
# SPDX-License-Identifier: Apache-2.0
# The bandwidth plugin end to end: a bridge + host-local + bandwidth chain run by cnitool
# inside a "host" namespace made here, pods as namespaces. The limits come from the
# `bandwidth` capability or the config; the kernel state (tbf on the host veth, ingress
# qdisc + u32 mirred redirect, the IFB and its tbf) is checked with tc/ip, and the rate is
# measured with iperf3 between the limited pod and an unlimited one on the same bridge. CHECK
# sees tampering; DEL (twice) leaves no qdisc and no IFB; GC removes only the IFBs of this
# network's stale attachments; bad limits are refused with code 7. Nothing outside the
# namespaces and $BATS_TEST_TMPDIR is touched.

load helpers

setup() {
	require_root
	CNITOOL=$LINEN_BUILD/src/cnitool/cnitool
	[ -x "$CNITOOL" ] || skip "cnitool not built in $LINEN_BUILD"
	BIN=$(linen_cni_bin)
	for p in bridge host-local bandwidth; do
		[ -x "$BIN/$p" ] || skip "$p not built in $LINEN_BUILD"
	done
	command -v jq >/dev/null || skip "jq missing"
	command -v tc >/dev/null || skip "tc missing"
	T=$BATS_TEST_TMPDIR
	mkdir -p "$T/conf"
	export NETCONFPATH=$T/conf
	export CNI_PATH=$BIN
	export LINEN_CNI_CACHE_DIR=$T/cache
	unset CNI_ARGS CAP_ARGS CNI_IFNAME
	H=$(netns_new bwhost)
	ip netns exec "$H" true || skip "cannot make namespaces"
	ip -n "$H" link add bwprobe0 type ifb 2>/dev/null || skip "no ifb support in this kernel"
	ip -n "$H" link del bwprobe0
}

teardown() {
	linen_teardown
}

# conflist NAME VERSION BANDWIDTH-PLUGIN-JSON → $T/conf/NAME.conflist (bridge bwbr0, 10.91.0.0/24)
conflist() {
	cat >"$T/conf/$1.conflist" <<-EOF
	{"cniVersion":"$2","name":"$1","plugins":[
	 {"type":"bridge","bridge":"bwbr0","isGateway":true,
	  "ipam":{"type":"host-local","ranges":[[{"subnet":"10.91.0.0/24"}]],"dataDir":"$T/ipam"}},
	 $3]}
	EOF
}

cni() { # cni VERB NET NETNS → runs cnitool inside the host namespace
	ip netns exec "$H" "$CNITOOL" "$1" "$2" "/run/netns/$3"
}

hostveth() { # the host end of the pod's eth0
	local idx
	idx=$(ip -n "$1" -o link show eth0 | sed -n 's/.*eth0@if\([0-9]*\).*/\1/p')
	ip -n "$H" -o link show | awk -F': ' -v i="$idx" '$1 == i { sub(/@.*/, "", $2); print $2 }'
}

ifb_of() { # ifb_of NET NETNS → the IFB name the reference derives
	local cid
	cid=cnitool-$(printf %s "/run/netns/$2" | sha512sum | cut -c1-20)
	printf %s "bwp$(printf %s "$1$cid" | sha512sum | cut -c1-12)"
}

bps() { # iperf3 JSON → received bits per second (integer)
	jq -r '.end.sum_received.bits_per_second | floor'
}

within10() { # within10 MEASURED WANT
	local m=$1 w=$2
	echo "measured $m bit/s, configured $w bit/s" >&3
	[ "$m" -ge $((w * 9 / 10)) ] || return 1
	[ "$m" -le $((w * 11 / 10)) ]
}

# measure CLIENT-NS SERVER-IP [-R] → bit/s seen by the receiver
measure() {
	ip netns exec "$1" iperf3 -J -c "$2" -t 4 -O 1 ${3:-} 2>/dev/null | bps
}

@test "bandwidth: capability limits shape ingress and egress, measured with iperf3; DEL removes all" {
	command -v iperf3 >/dev/null || skip "iperf3 missing"
	conflist bwnet 1.0.0 '{"type":"bandwidth","capabilities":{"bandwidth":true}}'
	A=$(netns_new bwa)
	B=$(netns_new bwb)
	IN=20000000 EG=30000000
	cap="{\"ingressRate\":$IN,\"ingressBurst\":400000,\"egressRate\":$EG,\"egressBurst\":400000}"
	CAP_ARGS="{\"bandwidth\":$cap}" run cni add bwnet "$A"
	[ "$status" -eq 0 ] || { echo "$output"; false; }
	ifb=$(ifb_of bwnet "$A")
	# the IFB is the last interface of the result, without a sandbox
	[ "$(jq -r '.interfaces[-1].name' <<<"$output")" = "$ifb" ]
	[ "$(jq -r '.interfaces[-1] | has("sandbox")' <<<"$output")" = false ]
	[ "$(jq -r '.interfaces[-1].mac' <<<"$output")" = \
	  "$(ip -n "$H" -o link show "$ifb" | sed -n 's/.*link\/ether \([0-9a-f:]*\).*/\1/p')" ]
	# the unlimited pod: no capability args, so bandwidth passes the result through
	run cni add bwnet "$B"
	[ "$status" -eq 0 ] || { echo "$output"; false; }
	[ "$(jq -r '.interfaces | length' <<<"$output")" -eq 3 ]
	bip=$(jq -r '.ips[0].address' <<<"$output" | cut -d/ -f1)

	va=$(hostveth "$A")
	vb=$(hostveth "$B")
	[ -n "$va" ]
	[ -n "$vb" ]
	tc -n "$H" qdisc show dev "$va" | grep -q 'qdisc tbf 1: root .*rate 20Mbit burst 50000b lat 25ms'
	tc -n "$H" qdisc show dev "$va" | grep -q 'qdisc ingress ffff:'
	tc -n "$H" filter show dev "$va" ingress | grep -q "Egress Redirect to device $ifb"
	tc -n "$H" qdisc show dev "$ifb" | grep -q 'qdisc tbf 1: root .*rate 30Mbit'
	ip -n "$H" -d link show "$ifb" | grep -q "alias linen-bandwidth:bwnet"
	ip -n "$H" link show "$ifb" | grep -q ',UP'
	! tc -n "$H" qdisc show dev "$vb" | grep -q tbf || false

	run cni check bwnet "$A"
	[ "$status" -eq 0 ] || { echo "$output"; false; }

	bg_start ip netns exec "$B" iperf3 -s -B "$bip" >/dev/null
	for _ in $(seq 50); do
		ip netns exec "$B" ss -ltn | grep -q ":5201 " && break
		sleep 0.1
	done
	# egress of A: A sends; ingress of A: B sends (-R). One retry each for a busy machine.
	m=$(measure "$A" "$bip")
	within10 "$m" "$EG" || { m=$(measure "$A" "$bip"); within10 "$m" "$EG"; }
	m=$(measure "$A" "$bip" -R)
	within10 "$m" "$IN" || { m=$(measure "$A" "$bip" -R); within10 "$m" "$IN"; }

	run cni del bwnet "$A"
	[ "$status" -eq 0 ] || { echo "$output"; false; }
	! ip -n "$H" link show "$ifb" 2>/dev/null || false
	! ip -n "$H" -o link show type ifb | grep -q . || false
	! tc -n "$H" qdisc show | grep -Eq 'tbf|ingress' || false
	run cni del bwnet "$A"
	[ "$status" -eq 0 ] || { echo "$output"; false; }
	run cni del bwnet "$B"
	[ "$status" -eq 0 ]
	[ -z "$(ip -n "$H" -o link show type veth)" ]
}

@test "bandwidth: top-level limits win, CHECK compares tbf, DEL of only the plugin removes qdiscs" {
	conflist bwtop 0.4.0 '{"type":"bandwidth","ingressRate":8000000,"ingressBurst":80000,
	  "egressRate":16000000,"egressBurst":160000,"capabilities":{"bandwidth":true}}'
	A=$(netns_new bwa)
	CAP_ARGS='{"bandwidth":{"ingressRate":1000000,"ingressBurst":10000}}' run cni add bwtop "$A"
	[ "$status" -eq 0 ] || { echo "$output"; false; }
	[ "$(jq -r .cniVersion <<<"$output")" = 0.4.0 ]
	va=$(hostveth "$A")
	ifb=$(ifb_of bwtop "$A")
	tc -n "$H" qdisc show dev "$va" | grep -q 'rate 8Mbit burst 10000b'
	tc -n "$H" qdisc show dev "$ifb" | grep -q 'rate 16Mbit burst 20000b'
	CAP_ARGS='{"bandwidth":{"ingressRate":1000000,"ingressBurst":10000}}' run cni check bwtop "$A"
	[ "$status" -eq 0 ] || { echo "$output"; false; }

	# tampering is seen: a different rate, then a missing redirect, then a missing IFB
	tc -n "$H" qdisc replace dev "$va" root handle 1: tbf rate 9mbit burst 10000 latency 25ms
	run cni check bwtop "$A"
	[ "$status" -eq 1 ]
	[[ "$output" == *"Rate doesn't match on $va"* ]]
	tc -n "$H" qdisc replace dev "$va" root handle 1: tbf rate 8mbit burst 10000 limit 1
	run cni check bwtop "$A"
	[ "$status" -eq 1 ]
	[[ "$output" == *"Limit doesn't match"* ]]
	tc -n "$H" qdisc del dev "$va" root
	run cni check bwtop "$A"
	[ "$status" -eq 1 ]
	[[ "$output" == *"Failed to find qdisc on $va"* ]]

	# DEL of the bandwidth plugin alone (the pod's veth still there): qdiscs and IFB go
	C=$(netns_new bwc) # a second attachment, to check DEL is precise
	run cni add bwtop "$C"
	[ "$status" -eq 0 ] || { echo "$output"; false; }
	vc=$(hostveth "$C")
	cid=cnitool-$(printf %s "/run/netns/$A" | sha512sum | cut -c1-20)
	conf=$(jq -c '.plugins[1] + {name, cniVersion}' "$T/conf/bwtop.conflist")
	run ip netns exec "$H" env CNI_COMMAND=DEL CNI_CONTAINERID="$cid" CNI_NETNS="/run/netns/$A" \
		CNI_IFNAME=eth0 CNI_PATH="$BIN" "$BIN/bandwidth" <<<"$conf"
	[ "$status" -eq 0 ] || { echo "$output"; false; }
	! tc -n "$H" qdisc show dev "$va" | grep -Eq 'tbf|ingress' || false
	! ip -n "$H" link show "$ifb" 2>/dev/null || false
	# the other attachment is untouched
	tc -n "$H" qdisc show dev "$vc" | grep -q 'tbf 1: root'
	ip -n "$H" link show "$(ifb_of bwtop "$C")" >/dev/null

	run cni del bwtop "$A"
	[ "$status" -eq 0 ] || { echo "$output"; false; }
	run cni del bwtop "$C"
	[ "$status" -eq 0 ]
	! ip -n "$H" -o link show type ifb | grep -q . || false
	! tc -n "$H" qdisc show | grep -Eq 'tbf|ingress' || false
}

@test "bandwidth: GC removes the IFBs of this network's stale attachments only" {
	conflist gcnet 1.1.0 '{"type":"bandwidth","egressRate":1000000,"egressBurst":100000}'
	A=$(netns_new bwa)
	C=$(netns_new bwc)
	run cni add gcnet "$A"
	[ "$status" -eq 0 ] || { echo "$output"; false; }
	run cni add gcnet "$C"
	[ "$status" -eq 0 ] || { echo "$output"; false; }
	ifa=$(ifb_of gcnet "$A")
	ifc=$(ifb_of gcnet "$C")
	# IFBs that are not ours to remove: another network's, and one without our tag
	ip -n "$H" link add bwp0123456789ab type ifb
	ip -n "$H" link set bwp0123456789ab alias linen-bandwidth:othernet
	ip -n "$H" link add bwpffffffffffff type ifb

	cida=cnitool-$(printf %s "/run/netns/$A" | sha512sum | cut -c1-20)
	gc=$(jq -c --arg c "$cida" '.plugins[1] + {name, cniVersion,
		"cni.dev/valid-attachments": [{"containerID": $c, "ifname": "eth0"}]}' \
		"$T/conf/gcnet.conflist")
	run ip netns exec "$H" env CNI_COMMAND=GC CNI_PATH="$BIN" "$BIN/bandwidth" <<<"$gc"
	[ "$status" -eq 0 ] || { echo "$output"; false; }
	ip -n "$H" link show "$ifa" >/dev/null
	! ip -n "$H" link show "$ifc" 2>/dev/null || false
	ip -n "$H" link show bwp0123456789ab >/dev/null
	ip -n "$H" link show bwpffffffffffff >/dev/null

	# without a list nothing is known to be stale: nothing goes
	run ip netns exec "$H" env CNI_COMMAND=GC CNI_PATH="$BIN" "$BIN/bandwidth" \
		<<<"$(jq -c '.plugins[1] + {name, cniVersion}' "$T/conf/gcnet.conflist")"
	[ "$status" -eq 0 ]
	ip -n "$H" link show "$ifa" >/dev/null

	run cni del gcnet "$A"
	[ "$status" -eq 0 ]
	run cni del gcnet "$C"
	[ "$status" -eq 0 ]
	! ip -n "$H" link show "$ifa" 2>/dev/null || false
	ip -n "$H" link del bwp0123456789ab
	ip -n "$H" link del bwpffffffffffff
}

@test "bandwidth: bad limits are refused with code 7; no limits pass prevResult through; versions" {
	A=$(netns_new bwa)
	conflist bad 1.0.0 '{"type":"bandwidth","ingressRate":1000}'
	run cni add bad "$A"
	[ "$status" -eq 1 ]
	[[ "$output" == *"if rate is set, burst must also be set"*"(CNI error code 7)"* ]]
	run cni del bad "$A"
	[ "$status" -eq 0 ]

	conflist bad2 1.0.0 '{"type":"bandwidth","egressRate":1000,"egressBurst":34359738368}'
	run cni add bad2 "$A"
	[ "$status" -eq 1 ]
	[[ "$output" == *"burst cannot be more than 4GB"* ]]
	run cni del bad2 "$A"
	[ "$status" -eq 0 ] || { echo "$output"; false; }

	# a capability declared but not supplied: pass-through, byte-identical to bridge's result
	conflist none 0.3.1 '{"type":"bandwidth","capabilities":{"bandwidth":true}}'
	run cni add none "$A"
	[ "$status" -eq 0 ] || { echo "$output"; false; }
	[ "$(jq -r .cniVersion <<<"$output")" = 0.3.1 ]
	[ "$(jq -r '.ips[0].version' <<<"$output")" = 4 ]
	[ "$(jq -r '.interfaces | length' <<<"$output")" -eq 3 ]
	! ip -n "$H" -o link show type ifb | grep -q . || false
	run cni del none "$A"
	[ "$status" -eq 0 ]

	# chained only; 0.2.0 is not supported (as the reference)
	cfg='{"cniVersion":"1.0.0","name":"x","type":"bandwidth","ingressRate":8000,"ingressBurst":800}'
	run ip netns exec "$H" env CNI_COMMAND=ADD CNI_CONTAINERID=c1 CNI_NETNS="/run/netns/$A" \
		CNI_IFNAME=eth0 CNI_PATH="$BIN" "$BIN/bandwidth" <<<"$cfg"
	[ "$status" -eq 1 ]
	[ "$(jq -r .code <<<"$output")" = 7 ]
	[[ "$(jq -r .msg <<<"$output")" == "must be called as chained plugin" ]]
	run ip netns exec "$H" env CNI_COMMAND=VERSION "$BIN/bandwidth" <<<'{"cniVersion":"0.4.0"}'
	[ "$(jq -c .supportedVersions <<<"$output")" = '["0.3.0","0.3.1","0.4.0","1.0.0","1.1.0"]' ]
	run ip netns exec "$H" env CNI_COMMAND=ADD CNI_CONTAINERID=c1 CNI_NETNS="/run/netns/$A" \
		CNI_IFNAME=eth0 CNI_PATH="$BIN" "$BIN/bandwidth" \
		<<<'{"cniVersion":"0.2.0","name":"x","type":"bandwidth"}'
	[ "$status" -eq 1 ]
	[ "$(jq -r .code <<<"$output")" = 1 ]
}

@test "bandwidth: same kernel state as the reference plugin; each CHECKs and DELs the other's" {
	[ -x /usr/lib/cni/bandwidth ] || skip "reference plugins not installed"
	REF=$T/refbin
	mkdir -p "$REF"
	ln -s /usr/lib/cni/bandwidth "$REF/bandwidth"
	ln -s "$BIN/bridge" "$BIN/host-local" "$REF/"
	conflist compat 1.0.0 '{"type":"bandwidth","ingressRate":12000000,"ingressBurst":240000,
	  "egressRate":24000000,"egressBurst":480000}'
	A=$(netns_new bwa)
	ifb=$(ifb_of compat "$A")
	snapshot() { # qdisc parameters of the host veth and the IFB, without counters and handles
		tc -n "$H" -d qdisc show dev "$(hostveth "$A")" | sed 's/ dev [^ ]*//; s/linklayer [a-z]*//'
		tc -n "$H" -d qdisc show dev "$ifb" | sed 's/linklayer [a-z]*//'
		tc -n "$H" filter show dev "$(hostveth "$A")" ingress | grep -E 'u32|mirred' |
			sed 's/index [0-9]*//'
	}

	CNI_PATH=$REF run cni add compat "$A"
	[ "$status" -eq 0 ] || { echo "$output"; false; }
	ref_result=$output
	ref=$(snapshot)
	run cni check compat "$A"      # ours, on the reference's state
	[ "$status" -eq 0 ] || { echo "$output"; false; }
	run cni del compat "$A"        # ours removes the reference's IFB and qdiscs
	[ "$status" -eq 0 ] || { echo "$output"; false; }
	! ip -n "$H" link show "$ifb" 2>/dev/null || false
	run cni del compat "$A"
	[ "$status" -eq 0 ] || { echo "$output"; false; }

	run cni add compat "$A"
	[ "$status" -eq 0 ] || { echo "$output"; false; }
	ours=$(snapshot)
	[ "$ours" = "$ref" ] || { diff <(echo "$ref") <(echo "$ours"); false; }
	# the same result, up to MACs, the random veth name and the next address host-local gave
	norm='del(.interfaces[].mac) | del(.interfaces[1].name) | del(.ips[].address)'
	[ "$(jq -c "$norm" <<<"$output")" = "$(jq -c "$norm" <<<"$ref_result")" ]
	CNI_PATH=$REF run cni check compat "$A"   # the reference's CHECK, on our state
	[ "$status" -eq 0 ] || { echo "$output"; false; }
	CNI_PATH=$REF run cni del compat "$A"
	[ "$status" -eq 0 ] || { echo "$output"; false; }
	! ip -n "$H" link show "$ifb" 2>/dev/null || false
	run cni del compat "$A"
	[ "$status" -eq 0 ]
	! tc -n "$H" qdisc show | grep -Eq 'tbf|ingress' || false
}
