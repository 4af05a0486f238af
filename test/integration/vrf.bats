#!/usr/bin/env bats
# SPDX-License-Identifier: Apache-2.0
# The vrf meta plugin. The pod namespace has eth0 (a veth to the host namespace) with an
# address and a default route, as the plugin before vrf in a chain leaves it. This machine's
# kernel has no VRFs: ADD must fail naming the type and leave eth0 as it was. Config errors
# match the reference (/usr/lib/cni/vrf) word for word. The lifecycle (VRF created, eth0
# enslaved, its routes in the VRF's table, shared VRF, DEL removing the VRF with its last
# member) and switching with the reference run where the kernel has VRFs (probed).

load sublink-helpers

setup() {
	sublink_setup vrf
	ip -n "$HOST" link add h0 type veth peer name eth0 netns "$POD"
	ip -n "$HOST" link set h0 up
	ip -n "$POD" link set eth0 up
	ip -n "$POD" addr add 10.69.0.2/24 dev eth0
	ip -n "$POD" route add default via 10.69.0.1 dev eth0
	PREV="{\"cniVersion\":\"1.0.0\",\"interfaces\":[{\"name\":\"eth0\",\"sandbox\":\"/run/netns/$POD\"}],\"ips\":[{\"address\":\"10.69.0.2/24\",\"gateway\":\"10.69.0.1\",\"interface\":0}]}"
}

teardown() {
	linen_teardown
}

# vconf <extra keys>: a vrf config with prevResult
vconf() {
	echo "{\"cniVersion\":\"1.0.0\",\"name\":\"vrfnet\",\"type\":\"vrf\"${1:+,$1},\"prevResult\":$PREV}"
}

# eth0 in the pod just as setup left it, and no VRF.
assert_pod_untouched() {
	local l
	l=$(ip -n "$POD" -o link show eth0)
	[[ "$l" != *master* ]] || { echo "eth0 enslaved: $l"; return 1; }
	l=$(ip -n "$POD" route show default)
	[[ "$l" == "default via 10.69.0.1 dev eth0"* ]] || { echo "default route: $l"; return 1; }
	l=$(ip -n "$POD" -d -o link show type vrf 2>/dev/null || true)
	[ -z "$l" ] || { echo "VRF left: $l"; return 1; }
}

@test "no vrf in the kernel: a clear error, eth0 untouched" {
	require_no_kind
	run ours ADD "$POD" c1 "$(vconf '"vrfname":"blue"')"
	[ "$status" -eq 1 ]
	[ "$(jq -r .code <<<"$output")" = 999 ]
	[ "$(jq -r .msg <<<"$output")" = "cmdAdd failed: could not add VRF blue: Operation not supported (this kernel has no vrf link type)" ]
	assert_pod_untouched
	run ours DEL "$POD" c1 "$(vconf '"vrfname":"blue"')"
	[ "$status" -eq 0 ]
	assert_pod_untouched
}

@test "bad configs: the reference's messages, eth0 untouched" {
	bad_vrf() {
		run ref ADD "$POD" c1 "$1"
		[ "$status" -eq 1 ]
		REF_MSG=$(jq -r .msg <<<"$output")
		run ours ADD "$POD" c1 "$1"
		[ "$status" -eq 1 ]
		[ "$(jq -r .msg <<<"$output")" = "$REF_MSG" ]
		[ "$(jq -r .code <<<"$output")" = "$2" ]
		assert_pod_untouched
	}
	bad_vrf "$(vconf '"vrfname":""')" 7
	bad_vrf "$(vconf '"vrfname":5')" 7
	bad_vrf "$(vconf '"vrfname":"blue","table":-1')" 7
	bad_vrf "$(vconf '"vrfname":"blue","table":"5"')" 7
	bad_vrf '{"cniVersion":"1.0.0","name":"vrfnet","type":"vrf","vrfname":"blue"}' 7
	# the name taken by a link that is no VRF: a runtime error, 999 in both
	bad_vrf "$(vconf '"vrfname":"eth0"')" 999
	# spec versions before 0.3.1 are refused with code 1
	run ours ADD "$POD" c1 '{"cniVersion":"0.3.0","name":"vrfnet","type":"vrf","vrfname":"blue"}'
	[ "$status" -eq 1 ]
	[ "$(jq -r .code <<<"$output")" = 1 ]
	run ref ADD "$POD" c1 '{"cniVersion":"0.3.0","name":"vrfnet","type":"vrf","vrfname":"blue"}'
	[ "$status" -eq 1 ]
	[ "$(jq -r .code <<<"$output")" = 1 ]
}

@test "hostile runtime: missing netns, DEL without netns" {
	run ours ADD "lt-nonexistent-$RANDOM" c1 "$(vconf '"vrfname":"blue"')"
	[ "$status" -eq 1 ]
	[[ "$(jq -r .msg <<<"$output")" == "failed to open netns"* ]]
	run ours DEL "" c1 "$(vconf '"vrfname":"blue"')"
	[ "$status" -eq 0 ]
	run ours DEL "lt-gone-$RANDOM" c1 "$(vconf '"vrfname":"blue"')"
	[ "$status" -eq 0 ]
	assert_pod_untouched
}

@test "ADD, VRF and routes, CHECK, shared VRF, DEL, DEL again (where the kernel has vrf)" {
	require_kind
	local cfg
	cfg=$(vconf '"vrfname":"blue","table":100')
	run ours ADD "$POD" c1 "$cfg"
	[ "$status" -eq 0 ]
	[ "$(jq -cS . <<<"$output")" = "$(jq -cS '. + {dns: {}}' <<<"$PREV")" ]
	run ip -n "$POD" -d link show blue
	[ "$status" -eq 0 ]
	[[ "$output" == *"vrf table 100"* ]]
	run ip -n "$POD" -o link show eth0
	[ "$status" -eq 0 ]
	[[ "$output" == *"master blue"* ]]
	run ip -n "$POD" route show vrf blue
	[ "$status" -eq 0 ]
	[[ "$output" == *"default via 10.69.0.1 dev eth0"* ]]
	run ours CHECK "$POD" c1 "$cfg"
	[ "$status" -eq 0 ]
	# an existing VRF with another table is refused
	run ours ADD "$POD" c1 "$(vconf '"vrfname":"blue","table":101')"
	[ "$status" -eq 1 ]
	[ "$(jq -r .msg <<<"$output")" = "cmdAdd failed: VRF blue already exist with different routing table 100" ]
	# a second interface joins the same VRF; the VRF stays until its last member leaves
	ip -n "$HOST" link add h1 type veth peer name eth1 netns "$POD"
	ip -n "$POD" link set eth1 up
	run ours ADD "$POD" c2 "$cfg" CNI_IFNAME=eth1
	[ "$status" -eq 0 ]
	run ip -n "$POD" -o link show eth1
	[ "$status" -eq 0 ]
	[[ "$output" == *"master blue"* ]]
	run ours DEL "$POD" c1 "$cfg"
	[ "$status" -eq 0 ]
	run ip -n "$POD" -o link show eth0
	[ "$status" -eq 0 ]
	[[ "$output" != *"master"* ]]
	run ip -n "$POD" link show blue
	[ "$status" -eq 0 ]
	run ours DEL "$POD" c2 "$cfg" CNI_IFNAME=eth1
	[ "$status" -eq 0 ]
	run ip -n "$POD" link show blue
	[ "$status" -ne 0 ]
	run ours DEL "$POD" c1 "$cfg"
	[ "$status" -eq 0 ]
	run ours CHECK "$POD" c1 "$cfg"
	[ "$status" -eq 1 ]
}

@test "switching with the reference both ways (where the kernel has vrf)" {
	require_kind
	local cfg
	cfg=$(vconf '"vrfname":"red"')
	run ref ADD "$POD" c1 "$cfg"
	[ "$status" -eq 0 ]
	run ours CHECK "$POD" c1 "$cfg"
	[ "$status" -eq 0 ]
	run ours DEL "$POD" c1 "$cfg"
	[ "$status" -eq 0 ]
	run ip -n "$POD" link show red
	[ "$status" -ne 0 ]
	run ours ADD "$POD" c1 "$cfg"
	[ "$status" -eq 0 ]
	run ref CHECK "$POD" c1 "$cfg"
	[ "$status" -eq 0 ]
	run ref DEL "$POD" c1 "$cfg"
	[ "$status" -eq 0 ]
	run ip -n "$POD" link show red
	[ "$status" -ne 0 ]
}
