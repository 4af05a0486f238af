#!/usr/bin/env bats
# SPDX-License-Identifier: Apache-2.0
# The dummy plugin (Debian's reference 1.1.1 has none, so nothing to compare with). This
# machine's kernel has no dummy links: ADD must fail naming the type and leave nothing. The
# full lifecycle runs where the kernel has dummy (probed; skipped otherwise).

load sublink-helpers

setup() {
	sublink_setup dummy
}

teardown() {
	linen_teardown
}

@test "no dummy in the kernel: a clear error, nothing left behind" {
	require_no_kind
	assert_add_missing_type "$(conf 1.0.0)"
	run ours DEL "$POD" c1 "$(conf 1.0.0)"
	[ "$status" -eq 0 ]
	assert_clean
}

@test "bad configs and runtime: IPAM required, Go's type errors, missing netns" {
	run ours ADD "$POD" c1 '{"cniVersion":"1.0.0","name":"n","type":"dummy"}'
	[ "$status" -eq 1 ]
	[ "$(jq -r .code <<<"$output")" = 7 ]
	[ "$(jq -r .msg <<<"$output")" = "dummy interface requires an IPAM configuration" ]
	run ours ADD "$POD" c1 '{"cniVersion":"1.0.0","name":"n","type":"dummy","ipam":{"type":5}}'
	[ "$status" -eq 1 ]
	[ "$(jq -r .msg <<<"$output")" = "failed to load netconf: json: cannot unmarshal number into Go struct field IPAM.ipam.type of type string" ]
	run ours ADD "lt-nonexistent-$RANDOM" c1 "$(conf 1.0.0)"
	[ "$status" -eq 1 ]
	[[ "$(jq -r .msg <<<"$output")" == "failed to open netns"* ]]
	run ours CHECK "$POD" c1 '{"cniVersion":"1.0.0","name":"n","type":"dummy"}'
	[ "$status" -eq 1 ]
	[ "$(jq -r .msg <<<"$output")" = "dummy interface requires an IPAM configuration" ]
	assert_clean
}

@test "ADD, kernel state, CHECK, DEL, DEL again (where the kernel has dummy)" {
	require_kind
	local cfg out
	cfg=$(conf 1.0.0)
	run ours ADD "$POD" c1 "$cfg"
	[ "$status" -eq 0 ]
	out=$output
	run ip -n "$POD" -d link show eth0
	[ "$status" -eq 0 ]
	[[ "$output" == *"dummy"* ]]
	[[ "$output" == *",UP"* ]]
	run ip -n "$POD" -4 addr show eth0
	[ "$status" -eq 0 ]
	[[ "$output" == *"inet $(jq -r '.ips[0].address' <<<"$out")"* ]]
	run ours CHECK "$POD" c1 "$(with_prev "$cfg" "$out")"
	[ "$status" -eq 0 ]
	ip -n "$POD" link set eth0 down
	run ours CHECK "$POD" c1 "$(with_prev "$cfg" "$out")"
	[ "$status" -eq 1 ]
	[ "$(jq -r .msg <<<"$output")" = "Interface eth0 is down" ]
	run ours DEL "$POD" c1 "$cfg"
	[ "$status" -eq 0 ]
	run ours DEL "$POD" c1 "$cfg"
	[ "$status" -eq 0 ]
	assert_clean
}
