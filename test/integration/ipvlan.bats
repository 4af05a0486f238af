#!/usr/bin/env bats
# SPDX-License-Identifier: Apache-2.0
# The ipvlan plugin. This machine's kernel has no ipvlan: ADD must fail naming the type and
# leave nothing (no link, no temporary link on the host, no address kept by host-local). The
# config errors match the reference (/usr/lib/cni/ipvlan) word for word. The full lifecycle
# and the switching tests run where the kernel has ipvlan (probed; skipped otherwise).

load sublink-helpers

setup() {
	sublink_setup ipvlan
}

teardown() {
	linen_teardown
}

@test "no ipvlan in the kernel: a clear error, nothing left behind" {
	require_no_kind
	assert_add_missing_type "$(conf 1.0.0 '"master":"br0","mode":"l3"')"
	# the default-route master too
	assert_add_missing_type "$(conf 1.0.0)"
	run ours DEL "$POD" c1 "$(conf 1.0.0)"
	[ "$status" -eq 0 ]
	assert_clean
}

@test "bad configs: the reference's messages, nothing left behind" {
	bad_config "$(conf 1.0.0 '"master":"br0","mode":"l4"')"
	bad_config "$(conf 1.0.0 '"master":"nosuch0"')"
	bad_config "$(conf 1.0.0 '"master":"br0","mtu":"1500"')"
	bad_config "$(conf 1.0.0 '"master":7')"
	bad_config "$(conf 1.0.0 '"master":"br0","mode":5')"
	# a chain whose prevResult has no single interface to take as master
	bad_config "$(with_prev "$(conf 1.0.0)" '{"cniVersion":"1.0.0","interfaces":[{"name":"a"},{"name":"b"}]}')"
	[ -n "$REF_MSG" ]
}

@test "hostile runtime: missing netns, bad ifname" {
	run ours ADD "lt-nonexistent-$RANDOM" c1 "$(conf 1.0.0 '"master":"br0"')"
	[ "$status" -eq 1 ]
	[[ "$(jq -r .msg <<<"$output")" == "failed to open netns"* ]]
	run ip netns exec "$HOST" env CNI_COMMAND=ADD CNI_CONTAINERID=c1 CNI_NETNS=/run/netns/$POD \
		CNI_IFNAME=a/b CNI_PATH="$BIN" "$PLUGIN" <<<"$(conf 1.0.0 '"master":"br0"')"
	[ "$status" -eq 1 ]
	[ "$(jq -r .code <<<"$output")" = 4 ]
	assert_clean
}

@test "ADD, kernel state, CHECK, DEL, DEL again (where the kernel has ipvlan)" {
	require_kind
	local cfg out m
	for m in l2 l3 l3s; do
		cfg=$(conf 1.0.0 "\"master\":\"br0\",\"mode\":\"$m\"")
		run ours ADD "$POD" c1 "$cfg"
		[ "$status" -eq 0 ]
		out=$output
		[ "$(jq -r '.interfaces[0].name' <<<"$out")" = eth0 ]
		run ip -n "$POD" -d link show eth0
		[ "$status" -eq 0 ]
		[[ "$output" =~ ipvlan\ +mode\ $m ]]
		run ours CHECK "$POD" c1 "$(with_prev "$cfg" "$out")"
		[ "$status" -eq 0 ]
		run ours DEL "$POD" c1 "$cfg"
		[ "$status" -eq 0 ]
		run ours DEL "$POD" c1 "$cfg"
		[ "$status" -eq 0 ]
	done
	assert_clean
}

@test "switching with the reference both ways (where the kernel has ipvlan)" {
	require_kind
	local cfg out
	cfg=$(conf 1.0.0 '"master":"br0","mode":"l2"')
	run ref ADD "$POD" c1 "$cfg"
	[ "$status" -eq 0 ]
	out=$output
	run ours CHECK "$POD" c1 "$(with_prev "$cfg" "$out")"
	[ "$status" -eq 0 ]
	run ours DEL "$POD" c1 "$cfg"
	[ "$status" -eq 0 ]
	assert_clean
	run ours ADD "$POD" c2 "$cfg"
	[ "$status" -eq 0 ]
	out=$output
	run ref CHECK "$POD" c2 "$(with_prev "$cfg" "$out")"
	[ "$status" -eq 0 ]
	run ref DEL "$POD" c2 "$cfg"
	[ "$status" -eq 0 ]
	assert_clean
}

@test "chained: master and addresses from prevResult; without either, an error and nothing left" {
	local chained
	chained='{"cniVersion":"1.0.0","name":"slnet","type":"ipvlan","prevResult":{"cniVersion":"1.0.0","interfaces":[{"name":"IF"}],"ips":[{"address":"10.68.0.9/24","interface":0}]}}'
	# prevResult's only interface is the master; its address stands in for IPAM
	if ! kind_supported; then
		run ours ADD "$POD" c1 "${chained/IF/br0}"
		[ "$status" -eq 1 ]
		[ "$(jq -r .msg <<<"$output")" = "failed to create ipvlan: Operation not supported (this kernel has no ipvlan link type)" ]
		assert_clean
	fi
	bad_config "${chained/IF/nosuch0}"
	# neither IPAM nor prevResult addresses: refused before anything is made
	run ours ADD "$POD" c1 '{"cniVersion":"1.0.0","name":"slnet","type":"ipvlan","master":"br0"}'
	[ "$status" -eq 1 ]
	[ "$(jq -r .code <<<"$output")" = 7 ]
	[ "$(jq -r .msg <<<"$output")" = "ipvlan needs an IPAM configuration or a prevResult with addresses" ]
	assert_clean
}
