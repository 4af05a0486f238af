#!/usr/bin/env bats
# SPDX-License-Identifier: Apache-2.0
# The host-device plugin against the real kernel, side by side with the reference
# (/usr/lib/cni/host-device). A namespace made here plays the host and holds the device (a
# veth end with an address, or a macvlan); another plays the container. ADD moves the device
# in as CNI_IFNAME (its host name kept as the link alias), CHECK, DEL brings it back under its
# name with its address; DEL again succeeds. Switching: the reference's ADD undone by our DEL
# and ours by the reference's. Hostile input fails with the reference's text and leaves the
# device where it was.

load helpers

REF=/usr/lib/cni/host-device

setup() {
	require_root
	command -v jq >/dev/null || skip "jq missing"
	[ -x "$REF" ] || skip "reference host-device not installed"
	OURS=$LINEN_BUILD/plugins/host-device/host-device
	[ -x "$OURS" ] || skip "host-device not built in $LINEN_BUILD"
	BIN=$(linen_cni_bin)
	S=$BATS_TEST_TMPDIR/state
	H=$(netns_new hdhost)
	P=$(netns_new hdpod)
	ip -n "$H" link add hd0 type veth peer name hdp0
	ip -n "$H" addr add 10.50.0.1/24 dev hd0
	ip -n "$H" link set hd0 up
	ip -n "$H" link set hdp0 up
	MAC=$(ip -n "$H" -j link show hd0 | jq -r '.[0].address')
}

teardown() {
	linen_teardown
}

# hd <ours|ref> <command> <config> [VAR=value...]: run in the host namespace
hd() {
	local bin=$OURS
	[ "$1" = ref ] && bin=$REF
	local cmd=$2 cfg=$3
	shift 3
	ip netns exec "$H" env -i PATH="$PATH" CNI_COMMAND="$cmd" CNI_CONTAINERID=hd-ctr \
		CNI_NETNS="/run/netns/$P" CNI_IFNAME=net1 CNI_PATH="$BIN" "$@" "$bin" <<<"$cfg"
}

# conf <version> <selector keys> [more keys]
conf() {
	echo "{\"cniVersion\":\"$1\",\"name\":\"hdnet\",\"type\":\"host-device\",\"dataDir\":\"$S\",$2${3:+,$3}}"
}

IPAM='"ipam":{"type":"static","addresses":[{"address":"10.60.0.2/24","gateway":"10.60.0.1"}],"routes":[{"dst":"10.70.0.0/16"}]}'

IPAM_GW='"ipam":{"type":"static","addresses":[{"address":"10.60.0.2/24","gateway":"10.60.0.1"}],"routes":[{"dst":"10.70.0.0/16","gw":"10.60.0.1"}]}'

with_prev() {
	jq -c --argjson r "$2" '. + {prevResult: $r}' <<<"$1"
}

# The device is home: its name, address, up, no alias; nothing but lo in the pod.
assert_home() {
	run ip -n "$H" -j addr show dev hd0
	[ "$status" -eq 0 ]
	[ "$(jq -r '.[0].address' <<<"$output")" = "$MAC" ]
	[ "$(jq -r '[.[0].addr_info[] | select(.family == "inet") | .local] | join(",")' <<<"$output")" = 10.50.0.1 ]
	[ "$(jq -r '.[0].flags | index("UP") != null' <<<"$output")" = true ]
	run ip -n "$P" -o link show
	[ "$status" -eq 0 ]
	[ "$(wc -l <<<"$output")" = 1 ]
	[[ "$output" == *": lo:"* ]]
}

@test "ADD, kernel state, result, CHECK, DEL, DEL again" {
	local cfg res
	cfg=$(conf 1.0.0 '"device":"hd0"')
	run hd ours ADD "$cfg"
	[ "$status" -eq 0 ]
	res=$output
	[ "$(jq -r '.interfaces[0].name' <<<"$res")" = net1 ]
	[ "$(jq -r '.interfaces[0].mac' <<<"$res")" = "$MAC" ]
	[ "$(jq -r '.interfaces[0].sandbox' <<<"$res")" = "/run/netns/$P" ]
	[ "$(jq -r '.ips | length' <<<"$res")" = 0 ]
	run ip -n "$P" -j link show net1
	[ "$status" -eq 0 ]
	[ "$(jq -r '.[0].address' <<<"$output")" = "$MAC" ]
	[ "$(jq -r '.[0].ifalias' <<<"$output")" = hd0 ]
	[ "$(jq -r '.[0].flags | index("UP") != null' <<<"$output")" = true ]
	run ip -n "$H" link show hd0
	[ "$status" -ne 0 ]
	run hd ours CHECK "$(with_prev "$cfg" "$res")"
	[ "$status" -eq 0 ]
	[ -z "$output" ]
	run hd ours DEL "$cfg"
	[ "$status" -eq 0 ]
	assert_home
	run ip -n "$H" -j link show hd0
	[ "$status" -eq 0 ]
	[ "$(jq -r '.[0].ifalias // ""' <<<"$output")" = "" ]
	run hd ours DEL "$cfg"
	[ "$status" -eq 0 ]
	assert_home
}

@test "with IPAM: addresses and routes in the container, CHECK catches a lost address" {
	local cfg res
	cfg=$(conf 1.0.0 '"device":"hd0"' "$IPAM")
	run hd ours ADD "$cfg"
	[ "$status" -eq 0 ]
	res=$output
	[ "$(jq -r '.ips[0].address' <<<"$res")" = 10.60.0.2/24 ]
	[ "$(jq -r '.ips[0].interface' <<<"$res")" = 0 ]
	run ip -n "$P" -o -4 addr show dev net1
	[ "$status" -eq 0 ]
	[[ "$output" == *"inet 10.60.0.2/24"* ]]
	run ip -n "$P" -4 route show
	[ "$status" -eq 0 ]
	[[ "$output" == *"10.70.0.0/16 via 10.60.0.1 dev net1"* ]]
	run hd ours CHECK "$(with_prev "$cfg" "$res")"
	[ "$status" -eq 0 ]
	ip -n "$P" addr del 10.60.0.2/24 dev net1
	run hd ours CHECK "$(with_prev "$cfg" "$res")"
	[ "$status" -eq 1 ]
	[ "$(jq -r .msg <<<"$output")" = "Failed to match addr 10.60.0.2/24 on interface net1" ]
	run hd ours DEL "$cfg"
	[ "$status" -eq 0 ]
	assert_home
}

@test "side by side: the reference's result JSON for the same configs" {
	local v cfg ref
	for v in 0.3.1 0.4.0 1.0.0; do
		for extra in '' "$IPAM"; do
			cfg=$(conf "$v" '"device":"hd0"' "$extra")
			run hd ref ADD "$cfg"
			[ "$status" -eq 0 ]
			ref=$(jq -S . <<<"$output")
			run hd ref DEL "$cfg"
			[ "$status" -eq 0 ]
			ip -n "$H" addr replace 10.50.0.1/24 dev hd0
			ip -n "$H" link set hd0 up
			run hd ours ADD "$cfg"
			[ "$status" -eq 0 ]
			[ "$(jq -S . <<<"$output")" = "$ref" ]
			run hd ours DEL "$cfg"
			[ "$status" -eq 0 ]
			assert_home
		done
	done
}

@test "switching: reference ADD then our CHECK and DEL, our ADD then the reference's" {
	local cfg res
	# routes with their gateway: the reference's CHECK looks a gateway-less route up with
	# "no gateway" and never finds it, whoever made it
	cfg=$(conf 1.0.0 '"device":"hd0"' "$IPAM_GW")
	run hd ref ADD "$cfg"
	[ "$status" -eq 0 ]
	res=$output
	run hd ours CHECK "$(with_prev "$cfg" "$res")"
	[ "$status" -eq 0 ]
	run hd ours DEL "$cfg"
	[ "$status" -eq 0 ]
	run ip -n "$H" link show hd0
	[ "$status" -eq 0 ]
	run ip -n "$P" link show net1
	[ "$status" -ne 0 ]

	ip -n "$H" addr replace 10.50.0.1/24 dev hd0
	ip -n "$H" link set hd0 up
	run hd ours ADD "$cfg"
	[ "$status" -eq 0 ]
	res=$output
	run hd ref CHECK "$(with_prev "$cfg" "$res")"
	[ "$status" -eq 0 ]
	run hd ref DEL "$cfg"
	[ "$status" -eq 0 ]
	run ip -n "$H" link show hd0
	[ "$status" -eq 0 ]
	run ip -n "$P" link show net1
	[ "$status" -ne 0 ]
}

@test "selectors: hwaddr finds a macvlan, device wins over hwaddr as in the reference" {
	local cfg mvmac res
	ip -n "$H" link add mv0 link hdp0 type macvlan mode bridge
	mvmac=$(ip -n "$H" -j link show mv0 | jq -r '.[0].address')
	cfg=$(conf 1.0.0 "\"hwaddr\":\"$(tr a-f A-F <<<"$mvmac")\"")
	run hd ours ADD "$cfg"
	[ "$status" -eq 0 ]
	[ "$(jq -r '.interfaces[0].mac' <<<"$output")" = "$mvmac" ]
	run ip -n "$P" -j -d link show net1
	[ "$status" -eq 0 ]
	[ "$(jq -r '.[0].linkinfo.info_kind' <<<"$output")" = macvlan ]
	run hd ours DEL "$cfg"
	[ "$status" -eq 0 ]
	run ip -n "$H" link show mv0
	[ "$status" -eq 0 ]

	cfg=$(conf 1.0.0 "\"device\":\"hd0\",\"hwaddr\":\"$mvmac\"")
	run hd ref ADD "$cfg"
	[ "$status" -eq 0 ]
	res=$(jq -S . <<<"$output")
	[ "$(jq -r '.interfaces[0].mac' <<<"$res")" = "$MAC" ]
	run hd ref DEL "$cfg"
	[ "$status" -eq 0 ]
	run hd ours ADD "$cfg"
	[ "$status" -eq 0 ]
	[ "$(jq -S . <<<"$output")" = "$res" ]
	run hd ours DEL "$cfg"
	[ "$status" -eq 0 ]
}

@test "kernelpath: the first of its net devices (sysfs as ip netns exec mounts it), as the reference" {
	local cfg ref
	# /sys/devices/virtual/net of the host namespace lists hd0, hdp0, lo: hd0 comes first
	cfg=$(conf 1.0.0 '"kernelpath":"/sys/devices/virtual"')
	run hd ref ADD "$cfg"
	[ "$status" -eq 0 ]
	ref=$(jq -S . <<<"$output")
	[ "$(jq -r '.interfaces[0].mac' <<<"$ref")" = "$MAC" ]
	run hd ref DEL "$cfg"
	[ "$status" -eq 0 ]
	ip -n "$H" addr replace 10.50.0.1/24 dev hd0
	ip -n "$H" link set hd0 up
	run hd ours ADD "$cfg"
	[ "$status" -eq 0 ]
	[ "$(jq -S . <<<"$output")" = "$ref" ]
	run hd ours DEL "$cfg"
	[ "$status" -eq 0 ]
	assert_home
	same_fail "$(conf 1.0.0 '"kernelpath":"/sys/devices/linen-none"')" \
		'failed to find host device: failed to find network devices at "/sys/devices/linen-none/net"'
}

# same_fail <config> <message> [ours code] [VAR=value...]: both fail with the message; the
# reference with 999, ours with the given code (999 unless a bad config, 7).
same_fail() {
	local cfg=$1 msg=$2 code=${3:-999}
	shift 3 || shift $#
	run hd ref ADD "$cfg" "$@"
	[ "$status" -eq 1 ]
	[ "$(jq -r .code <<<"$output")" = 999 ]
	[ "$(jq -r .msg <<<"$output")" = "$msg" ]
	run hd ours ADD "$cfg" "$@"
	[ "$status" -eq 1 ]
	[ "$(jq -r .code <<<"$output")" = "$code" ]
	[ "$(jq -r .msg <<<"$output")" = "$msg" ]
}

@test "hostile input: the reference's error, the device left where it was" {
	local other
	other=$(netns_new hdother)
	ip -n "$H" link set hdp0 netns "$other"
	same_fail "$(conf 1.0.0 '"device":"nosuch0"')" "failed to find host device: Link not found"
	# a device already in another namespace is not found from the host
	same_fail "$(conf 1.0.0 '"device":"hdp0"')" "failed to find host device: Link not found"
	same_fail "$(conf 1.0.0 '"hwaddr":"zz:11"')" \
		'failed to find host device: failed to parse MAC address "zz:11": address zz:11: invalid MAC address'
	same_fail "$(conf 1.0.0 '"hwaddr":"02:00:00:00:00:99"')" \
		"failed to find host device: failed to find physical interface"
	same_fail "$(conf 1.0.0 '"kernelpath":"/tmp/x"')" \
		'failed to find host device: kernel device path "/tmp/x" must be absolute and begin with /sys/devices/'
	same_fail "$(conf 1.0.0 '"device":5')" \
		"failed to load netconf: json: cannot unmarshal number into Go struct field NetConf.device of type string" 7
	same_fail "$(conf 1.0.0 '"mtu":1')" \
		'specify either "device", "hwaddr", "kernelpath" or "pciBusID"' 7
	run hd ours ADD "$(conf 1.0.0 '"device":"hd0"')" CNI_NETNS=/run/netns/linen-no-such-ns
	[ "$status" -eq 1 ]
	[ "$(jq -r .msg <<<"$output")" = 'failed to open netns "/run/netns/linen-no-such-ns": failed to Statfs "/run/netns/linen-no-such-ns": No such file or directory' ]
	# CNI_IFNAME taken in the container: the move fails, the device stays home as it was
	ip -n "$P" link add net1 type veth peer name net1p
	run hd ours ADD "$(conf 1.0.0 '"device":"hd0"')"
	[ "$status" -eq 1 ]
	[ "$(jq -r .msg <<<"$output")" = 'failed to rename device "hd0" to "net1": File exists' ]
	run ip -n "$H" -j link show hd0
	[ "$status" -eq 0 ]
	[ "$(jq -r '.[0].ifalias // ""' <<<"$output")" = "" ]
	[ "$(jq -r '.[0].flags | index("UP") != null' <<<"$output")" = true ]
	ip -n "$P" link del net1
	assert_home
	run ip -n "$other" link show hdp0
	[ "$status" -eq 0 ]
}

@test "STATUS is the IPAM's: fine with static, an error for an IPAM that is not there" {
	run hd ours STATUS "$(conf 1.1.0 '"device":"hd0"' "$IPAM")"
	[ "$status" -eq 0 ]
	[ -z "$output" ]
	run hd ours STATUS "$(conf 1.1.0 '"device":"hd0"' '"ipam":{"type":"linen-no-such-ipam"}')"
	[ "$status" -eq 1 ]
	[[ "$(jq -r .msg <<<"$output")" == 'failed to find plugin "linen-no-such-ipam" in path'* ]]
	run hd ours STATUS "$(conf 1.1.0 '"device":"hd0"')"
	[ "$status" -eq 0 ]
}
