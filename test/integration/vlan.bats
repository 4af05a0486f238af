#!/usr/bin/env bats
# SPDX-License-Identifier: Apache-2.0
# The vlan plugin. This machine's kernel has no 802.1Q links: ADD must fail naming the type
# and leave nothing (no link, no temporary link on the host, no address kept by host-local).
# Config errors match the reference (/usr/lib/cni/vlan) word for word. The full lifecycle and
# the switching tests run where the kernel has vlan (probed; skipped otherwise).

load sublink-helpers

setup() {
	sublink_setup vlan
}

teardown() {
	linen_teardown
}

@test "no vlan in the kernel: a clear error, nothing left behind" {
	require_no_kind
	assert_add_missing_type "$(conf 1.0.0 '"master":"br0","vlanId":100,"mtu":1400')"
	run ours DEL "$POD" c1 "$(conf 1.0.0 '"master":"br0","vlanId":100')"
	[ "$status" -eq 0 ]
	assert_clean
}

@test "bad configs: the reference's messages, nothing left behind" {
	bad_config "$(conf 1.0.0 '"vlanId":100')"
	bad_config "$(conf 1.0.0 '"master":"br0","vlanId":4095')"
	bad_config "$(conf 1.0.0 '"master":"br0","vlanId":-1')"
	bad_config "$(conf 1.0.0 '"master":"br0","vlanId":"100"')"
	bad_config "$(conf 1.0.0 '"master":"nosuch0","vlanId":100')"
	bad_config "$(conf 1.0.0 '"master":"br0","vlanId":100,"mtu":9000')"
	bad_config "$(conf 1.0.0 '"master":"br0","vlanId":100,"mtu":-5')"
	bad_config "$(conf 1.0.0 '"master":"br0","vlanId":1.5')"
	[ -n "$REF_MSG" ]
}

@test "hostile runtime: missing netns, vlan without IPAM leaves nothing" {
	run ours ADD "lt-nonexistent-$RANDOM" c1 "$(conf 1.0.0 '"master":"br0","vlanId":3')"
	[ "$status" -eq 1 ]
	[[ "$(jq -r .msg <<<"$output")" == "failed to open netns"* ]]
	run ours ADD "$POD" c1 '{"cniVersion":"1.0.0","name":"n","type":"vlan","master":"br0","vlanId":3}'
	[ "$status" -eq 1 ]
	[ "$(jq -r .msg <<<"$output")" = "vlan interface requires an IPAM configuration" ]
	assert_clean
}

@test "ADD, kernel state, CHECK, DEL, DEL again (where the kernel has vlan)" {
	require_kind
	local cfg out
	cfg=$(conf 1.0.0 '"master":"br0","vlanId":100,"mtu":1400')
	run ours ADD "$POD" c1 "$cfg"
	[ "$status" -eq 0 ]
	out=$output
	run ip -n "$POD" -d link show eth0
	[ "$status" -eq 0 ]
	[[ "$output" == *"vlan protocol 802.1Q id 100"* ]]
	[[ "$output" == *"mtu 1400"* ]]
	run ours CHECK "$POD" c1 "$(with_prev "$cfg" "$out")"
	[ "$status" -eq 0 ]
	run ours CHECK "$POD" c1 "$(with_prev "$(conf 1.0.0 '"master":"br0","vlanId":101')" "$out")"
	[ "$status" -eq 1 ]
	run ours DEL "$POD" c1 "$cfg"
	[ "$status" -eq 0 ]
	run ours DEL "$POD" c1 "$cfg"
	[ "$status" -eq 0 ]
	assert_clean
}

@test "switching with the reference both ways (where the kernel has vlan)" {
	require_kind
	local cfg out
	cfg=$(conf 1.0.0 '"master":"br0","vlanId":7')
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
