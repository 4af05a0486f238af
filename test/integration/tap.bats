#!/usr/bin/env bats
# SPDX-License-Identifier: Apache-2.0
# The tap plugin against the real kernel (no reference binary: tap is newer than Debian's
# 1.1.1). A namespace made here is the container. ADD → `ip -d link show` (tun type tap,
# owner, group, multi_queue, persist, mtu, mac, bridge port) → addresses and routes from our
# static IPAM → result JSON → CHECK → DEL → DEL again → nothing left. Hostile input: an owner
# the kernel cannot map, mistyped owner/group, bad MAC, a bridge that does not exist, a taken
# CNI_IFNAME, a missing netns; each a clear error and no tap left behind.

load helpers

setup() {
	require_root
	command -v jq >/dev/null || skip "jq missing"
	[ -c /dev/net/tun ] || skip "no /dev/net/tun"
	TAP=$LINEN_BUILD/plugins/tap/tap
	[ -x "$TAP" ] || skip "tap not built in $LINEN_BUILD"
	BIN=$(linen_cni_bin)
	P=$(netns_new tappod)
}

teardown() {
	linen_teardown
}

# tp <command> <config> [VAR=value...]
tp() {
	local cmd=$1 cfg=$2
	shift 2
	env -i PATH="$PATH" CNI_COMMAND="$cmd" CNI_CONTAINERID=tap-ctr CNI_NETNS="/run/netns/$P" \
		CNI_IFNAME=tap0 CNI_PATH="$BIN" "$@" "$TAP" <<<"$cfg"
}

conf() {
	echo "{\"cniVersion\":\"${2:-1.0.0}\",\"name\":\"tapnet\",\"type\":\"tap\"${1:+,$1}}"
}

IPAM='"ipam":{"type":"static","addresses":[{"address":"10.61.0.2/24","gateway":"10.61.0.1"}],"routes":[{"dst":"10.71.0.0/16"}]}'

with_prev() {
	jq -c --argjson r "$2" '. + {prevResult: $r}' <<<"$1"
}

# No tun device at all in the container (only what the test made itself).
tun_links() {
	ip -n "$P" -j -d link show | jq -r '[.[] | select(.linkinfo.info_kind == "tun") | .ifname] | join(",")'
}

@test "ADD with every option: tun type tap, owner, group, multi_queue, bridge, IPAM; CHECK, DEL" {
	local cfg res
	ip -n "$P" link add br0 type bridge
	cfg=$(conf "\"mtu\":1400,\"mac\":\"02:11:22:33:44:55\",\"owner\":54321,\"group\":54322,\"multiQueue\":true,\"bridge\":\"br0\",$IPAM")
	run tp ADD "$cfg"
	[ "$status" -eq 0 ]
	res=$output
	[ "$(jq -r '.interfaces | length' <<<"$res")" = 1 ]
	[ "$(jq -r '.interfaces[0].name' <<<"$res")" = tap0 ]
	[ "$(jq -r '.interfaces[0].mac' <<<"$res")" = 02:11:22:33:44:55 ]
	[ "$(jq -r '.interfaces[0].sandbox' <<<"$res")" = "/run/netns/$P" ]
	[ "$(jq -r '.ips[0].address' <<<"$res")" = 10.61.0.2/24 ]
	[ "$(jq -r '.ips[0].interface' <<<"$res")" = 0 ]
	[ "$(jq -r '.routes[0].dst' <<<"$res")" = 10.71.0.0/16 ]
	run ip -n "$P" -d link show tap0
	[ "$status" -eq 0 ]
	[[ "$output" == *"tun type tap pi off vnet_hdr off multi_queue"* ]]
	[[ "$output" == *"persist on user 54321 group 54322"* ]]
	[[ "$output" == *"mtu 1400"* ]]
	[[ "$output" == *"master br0"* ]]
	[[ "$output" == *"link/ether 02:11:22:33:44:55"* ]]
	[[ "$output" == *",UP"* ]]
	run ip -n "$P" -o -4 addr show dev tap0
	[ "$status" -eq 0 ]
	[[ "$output" == *"inet 10.61.0.2/24"* ]]
	run ip -n "$P" -4 route show
	[ "$status" -eq 0 ]
	[[ "$output" == *"10.71.0.0/16 via 10.61.0.1 dev tap0"* ]]
	run ip netns exec "$P" cat /proc/sys/net/ipv4/conf/tap0/arp_notify
	[ "$status" -eq 0 ]
	[ "$output" = 1 ]
	run tp CHECK "$(with_prev "$cfg" "$res")"
	[ "$status" -eq 0 ]
	[ -z "$output" ]
	run tp DEL "$cfg"
	[ "$status" -eq 0 ]
	[ "$(tun_links)" = "" ]
	run tp DEL "$cfg"
	[ "$status" -eq 0 ]
	run tp CHECK "$(with_prev "$cfg" "$res")"
	[ "$status" -eq 1 ]
	[ "$(jq -r .msg <<<"$output")" = "Container Interface name in prevResult: tap0 not found" ]
}

@test "minimal ADD in 0.4.0: a tap without multi_queue or owner, up; CHECK catches a lost address" {
	local cfg res
	cfg=$(conf "$IPAM" 0.4.0)
	run tp ADD "$cfg"
	[ "$status" -eq 0 ]
	res=$output
	[ "$(jq -r .cniVersion <<<"$res")" = 0.4.0 ]
	[ "$(jq -r '.ips[0].version' <<<"$res")" = 4 ]
	run ip -n "$P" -d link show tap0
	[ "$status" -eq 0 ]
	[[ "$output" == *"tun type tap pi off vnet_hdr off persist on"* ]]
	[[ "$output" != *"multi_queue"* ]]
	[[ "$output" != *"user "* ]]
	ip -n "$P" addr del 10.61.0.2/24 dev tap0
	run tp CHECK "$(with_prev "$cfg" "$res")"
	[ "$status" -eq 1 ]
	[ "$(jq -r .msg <<<"$output")" = "Failed to match addr 10.61.0.2/24 on interface tap0" ]
	run tp DEL "$cfg"
	[ "$status" -eq 0 ]
	[ "$(tun_links)" = "" ]
}

@test "selinuxContext is left alone when SELinux is off" {
	[ ! -e /sys/fs/selinux/enforce ] || skip "SELinux is on here"
	run tp ADD "$(conf '"selinuxContext":"system_u:system_r:container_t:s0"')"
	[ "$status" -eq 0 ]
	[ "$(tun_links)" = tap0 ]
	run tp DEL "$(conf '"selinuxContext":"system_u:system_r:container_t:s0"')"
	[ "$status" -eq 0 ]
	[ "$(tun_links)" = "" ]
}

# fails <config> <code> <message> [VAR=value...]: a clear error and no tun device left
fails() {
	local cfg=$1 code=$2 msg=$3
	shift 3
	run tp ADD "$cfg" "$@"
	[ "$status" -eq 1 ]
	[ "$(jq -r .code <<<"$output")" = "$code" ]
	[ "$(jq -r .msg <<<"$output")" = "$msg" ]
	[ "$(tun_links)" = "" ]
}

@test "hostile input: a clear error, no tap left" {
	fails "$(conf '"owner":4294967295')" 999 \
		"failed to create tap: set its owner (TUNSETOWNER): Invalid argument"
	fails "$(conf '"group":4294967295')" 999 \
		"failed to create tap: set its group (TUNSETGROUP): Invalid argument"
	fails "$(conf '"owner":"nobody"')" 7 \
		"failed to load netconf: json: cannot unmarshal string into Go struct field NetConf.owner of type uint32"
	fails "$(conf '"group":-5')" 7 \
		"failed to load netconf: json: cannot unmarshal number -5 into Go struct field NetConf.group of type uint32"
	fails "$(conf '"mac":"02:11:22:33:44"')" 7 \
		"invalid args 02:11:22:33:44 for MAC addr: address 02:11:22:33:44: invalid MAC address"
	fails "$(conf)" 7 "invalid args zz for MAC addr: address zz: invalid MAC address" CNI_ARGS=MAC=zz
	fails "$(conf '"bridge":"nobr0"')" 999 "failed to get bridge nobr0: Link not found"
	fails "$(conf '"mtu":70000')" 999 \
		"failed to set mtu/mac of the tap: Invalid argument (mtu greater than device maximum)"
	ip -n "$P" link add tap0 type veth peer name tap0p
	run tp ADD "$(conf)"
	[ "$status" -eq 1 ]
	[[ "$(jq -r .msg <<<"$output")" == 'failed to rename tap to "tap0": File exists'* ]]
	[ "$(tun_links)" = "" ]
	ip -n "$P" link del tap0
	run tp ADD "$(conf)" CNI_NETNS=/run/netns/linen-no-such-ns
	[ "$status" -eq 1 ]
	[ "$(jq -r .msg <<<"$output")" = 'failed to open netns "/run/netns/linen-no-such-ns": No such file or directory' ]
	# the tap fails before IPAM runs; IPAM failing removes the tap made before it
	fails "$(conf "\"bridge\":\"nobr0\",$IPAM")" 999 "failed to get bridge nobr0: Link not found"
	fails "$(conf '"ipam":{"type":"static","addresses":[{"address":"10.1.2.3"}]}')" 7 \
		"the 'address' field is expected to be in CIDR notation, got: '10.1.2.3'"
}

@test "STATUS is the IPAM's: fine with static, an error for an IPAM that is not there" {
	run tp STATUS "$(conf "$IPAM" 1.1.0)"
	[ "$status" -eq 0 ]
	[ -z "$output" ]
	run tp STATUS "$(conf '"ipam":{"type":"linen-no-such-ipam"}' 1.1.0)"
	[ "$status" -eq 1 ]
	[[ "$(jq -r .msg <<<"$output")" == 'failed to find plugin "linen-no-such-ipam" in path'* ]]
	[ "$(tun_links)" = "" ]
}
