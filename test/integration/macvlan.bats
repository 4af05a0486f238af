#!/usr/bin/env bats
# SPDX-License-Identifier: Apache-2.0
# The macvlan plugin (with our host-local) in throwaway namespaces. The "host" is a namespace
# with a bridge br0 as the master (and a default route through it); pods are namespaces too.
# ADD → kernel state → result → ping between two pods on one master → CHECK → DEL → DEL
# again → nothing left; modes, mtu, MAC sources, layer 2 only, the default-route master,
# linkInContainer; the reference (/usr/lib/cni/macvlan) side by side and switching both
# ways; hostile input leaving nothing behind.

load helpers

REF=/usr/lib/cni/macvlan

setup() {
	require_root
	MV=$LINEN_BUILD/plugins/macvlan/macvlan
	[ -x "$MV" ] || skip "macvlan not built in $LINEN_BUILD"
	[ -x "$LINEN_BUILD/plugins/host-local/host-local" ] || skip "host-local not built"
	BIN=$(linen_cni_bin)
	D=$BATS_TEST_TMPDIR/data
	mkdir -p "$D"
	HOST=$(netns_new host)
	POD=$(netns_new pod)
	POD2=$(netns_new pod2)
	ip -n "$HOST" link add br0 type bridge
	ip -n "$HOST" link set br0 up
	ip -n "$HOST" addr add 10.67.0.254/24 dev br0
	ip -n "$HOST" route add default via 10.67.0.1 dev br0
}

teardown() {
	linen_teardown
}

# conf <version> [extra top-level keys] : with host-local IPAM
conf() {
	echo "{\"cniVersion\":\"$1\",\"name\":\"mvnet\",\"type\":\"macvlan\"${2:+,$2},\"ipam\":{\"type\":\"host-local\",\"dataDir\":\"$D\",\"ranges\":[[{\"subnet\":\"10.67.0.0/24\",\"gateway\":\"10.67.0.1\"}]],\"routes\":[{\"dst\":\"0.0.0.0/0\"}]}}"
}
# l2conf <version> [extra] : no IPAM
l2conf() {
	echo "{\"cniVersion\":\"$1\",\"name\":\"mvnet\",\"type\":\"macvlan\"${2:+,$2}}"
}

# run_bin <binary> <command> <pod-netns> <containerid> <config> [VAR=value...]: in the host netns
run_bin() {
	local bin=$1 cmd=$2 ns=$3 id=$4 cfg=$5
	shift 5
	ip netns exec "$HOST" env CNI_COMMAND="$cmd" CNI_CONTAINERID="$id" \
		CNI_NETNS="${ns:+/run/netns/$ns}" CNI_IFNAME=eth0 CNI_PATH="$BIN" "$@" \
		"$bin" <<<"$cfg"
}
mv() { run_bin "$MV" "$@"; }
ref() { run_bin "$REF" "$@"; }

with_prev() {
	jq -c --argjson r "$2" '. + {prevResult: $r}' <<<"$1"
}

store_files() {
	find "$D" -type f ! -name lock ! -name 'last_reserved_ip*' 2>/dev/null
}

# Only br0 (and lo) in the host; no eth0 in the pods; no address kept by host-local.
assert_clean() {
	local l
	l=$(ip -n "$HOST" -o link show | awk -F': ' '{print $2}' | cut -d@ -f1 | grep -vx 'lo\|br0' || true)
	[ -z "$l" ] || { echo "host links left: $l"; return 1; }
	if ip -n "$POD" link show eth0 >/dev/null 2>&1; then
		echo "pod eth0 left"
		return 1
	fi
	l=$(ip -n "$POD" -o link show | awk -F': ' '{print $2}' | cut -d@ -f1 | grep -vx 'lo' || true)
	[ -z "$l" ] || { echo "pod links left: $l"; return 1; }
	l=$(store_files)
	[ -z "$l" ] || { echo "address file left: $l"; return 1; }
}

pod_mac() {
	ip -n "$1" -o link show eth0 | grep -o 'link/ether [0-9a-f:]*' | cut -d' ' -f2
}

@test "ADD, kernel state, result, ping between two pods, CHECK, DEL, DEL again" {
	local cfg out ip1 ip2
	cfg=$(conf 1.1.0 '"master":"br0","mtu":1400')
	run mv ADD "$POD" c1 "$cfg"
	[ "$status" -eq 0 ]
	out=$output
	[ "$(jq -r '.interfaces | length' <<<"$out")" = 1 ]
	[ "$(jq -r '.interfaces[0].name' <<<"$out")" = eth0 ]
	[ "$(jq -r '.interfaces[0].sandbox' <<<"$out")" = "/run/netns/$POD" ]
	[ "$(jq -r '.interfaces[0].mac' <<<"$out")" = "$(pod_mac "$POD")" ]
	[ "$(jq -r '.ips[0].interface' <<<"$out")" = 0 ]
	[ "$(jq -r '.ips[0].gateway' <<<"$out")" = 10.67.0.1 ]
	[ "$(jq -r '.routes[0].dst' <<<"$out")" = 0.0.0.0/0 ]
	ip1=$(jq -r '.ips[0].address' <<<"$out")
	[[ "$ip1" == 10.67.0.*/24 ]]

	run ip -n "$POD" -d link show eth0
	[ "$status" -eq 0 ]
	[[ "$output" == *"macvlan mode bridge"* ]]
	[[ "$output" == *"mtu 1400"* ]]
	[[ "$output" == *"state UP"* ]]
	run ip -n "$POD" -4 addr show eth0
	[ "$status" -eq 0 ]
	[[ "$output" == *"inet $ip1"* ]]
	run ip -n "$POD" route show default
	[ "$status" -eq 0 ]
	[[ "$output" == "default via 10.67.0.1 dev eth0"* ]]
	run ip netns exec "$POD" sysctl -n net.ipv4.conf.eth0.arp_notify
	[ "$status" -eq 0 ]
	[ "$output" = 1 ]
	# no temporary link left on the host
	run ip -n "$HOST" -o link show
	[ "$status" -eq 0 ]
	[[ "$output" != *veth* ]]

	run mv ADD "$POD2" c2 "$cfg"
	[ "$status" -eq 0 ]
	ip2=$(jq -r '.ips[0].address' <<<"$output")
	run ip netns exec "$POD" ping -c1 -W2 "${ip2%/*}"
	[ "$status" -eq 0 ]
	run ip netns exec "$POD2" ping -c1 -W2 "${ip1%/*}"
	[ "$status" -eq 0 ]

	run mv CHECK "$POD" c1 "$(with_prev "$cfg" "$out")"
	[ "$status" -eq 0 ]
	[ -z "$output" ]

	run mv DEL "$POD" c1 "$cfg"
	[ "$status" -eq 0 ]
	run mv DEL "$POD" c1 "$cfg"
	[ "$status" -eq 0 ]
	run mv DEL "$POD2" c2 "$cfg"
	[ "$status" -eq 0 ]
	! ip -n "$POD2" link show eth0 >/dev/null 2>&1 || false
	assert_clean
}

@test "every mode, the default-route master, layer 2 only without IPAM" {
	local m out
	for m in bridge private vepa passthru; do
		run mv ADD "$POD" "c-$m" "$(l2conf 1.0.0 "\"mode\":\"$m\"")"
		[ "$status" -eq 0 ] || { echo "$m: $output"; false; }
		[ "$(jq -r '.ips | length' <<<"$output")" = 0 ]
		out=$output
		run ip -n "$POD" -d link show eth0
		[ "$status" -eq 0 ]
		[[ "$output" == *"macvlan mode $m"* ]]
		[[ "$output" == *",UP,"* ]]
		# the default route's interface (br0) is the master
		run ip -n "$POD" -o link show eth0
		[ "$status" -eq 0 ]
		[[ "$output" == *"eth0@if$(ip -n "$HOST" -o link show br0 | cut -d: -f1)"* ]]
		run mv CHECK "$POD" "c-$m" "$(with_prev "$(l2conf 1.0.0 "\"mode\":\"$m\"")" "$out")"
		[ "$status" -eq 0 ]
		# CHECK with another mode in the config fails naming both
		run mv CHECK "$POD" "c-$m" "$(with_prev "$(l2conf 1.0.0 '"mode":"private"')" "$out")"
		if [ "$m" = private ]; then
			[ "$status" -eq 0 ]
		else
			[ "$status" -eq 1 ]
			[ "$(jq -r .msg <<<"$output")" = "container macvlan mode $m does not match expected value: private" ]
		fi
		run mv DEL "$POD" "c-$m" "$(l2conf 1.0.0)"
		[ "$status" -eq 0 ]
	done
	assert_clean
}

@test "MAC from config, CNI_ARGS and runtimeConfig, in that precedence" {
	run mv ADD "$POD" c1 "$(l2conf 1.0.0 '"master":"br0","mac":"02:00:00:00:00:01"')"
	[ "$status" -eq 0 ]
	[ "$(pod_mac "$POD")" = 02:00:00:00:00:01 ]
	run mv DEL "$POD" c1 "$(l2conf 1.0.0)"
	[ "$status" -eq 0 ]
	run mv ADD "$POD" c1 "$(l2conf 1.0.0 '"master":"br0","mac":"02:00:00:00:00:01"')" CNI_ARGS=MAC=02:00:00:00:00:02
	[ "$status" -eq 0 ]
	[ "$(pod_mac "$POD")" = 02:00:00:00:00:02 ]
	[ "$(jq -r '.interfaces[0].mac' <<<"$output")" = 02:00:00:00:00:02 ]
	run mv DEL "$POD" c1 "$(l2conf 1.0.0)"
	[ "$status" -eq 0 ]
	run mv ADD "$POD" c1 "$(l2conf 1.0.0 '"master":"br0","runtimeConfig":{"mac":"02:00:00:00:00:03"}')" CNI_ARGS=MAC=02:00:00:00:00:02
	[ "$status" -eq 0 ]
	[ "$(pod_mac "$POD")" = 02:00:00:00:00:03 ]
	run mv DEL "$POD" c1 "$(l2conf 1.0.0)"
	[ "$status" -eq 0 ]
	assert_clean
}

@test "linkInContainer: the master lives in the container" {
	ip -n "$POD" link add m0 type bridge
	ip -n "$POD" link set m0 up
	run mv ADD "$POD" c1 "$(l2conf 1.0.0 '"master":"m0","linkInContainer":true')"
	[ "$status" -eq 0 ]
	run ip -n "$POD" -o link show eth0
	[ "$status" -eq 0 ]
	[[ "$output" == *"eth0@m0"* ]]
	# without linkInContainer the host has no m0
	run mv ADD "$POD2" c2 "$(l2conf 1.0.0 '"master":"m0"')"
	[ "$status" -eq 1 ]
	[ "$(jq -r .msg <<<"$output")" = "Link not found" ]
	run mv DEL "$POD" c1 "$(l2conf 1.0.0)"
	[ "$status" -eq 0 ]
	ip -n "$POD" link del m0
	assert_clean
}

@test "CHECK catches a wrong MAC, a missing address and a missing route" {
	local cfg out bad
	cfg=$(conf 1.0.0 '"master":"br0"')
	run mv ADD "$POD" c1 "$cfg"
	[ "$status" -eq 0 ]
	out=$output
	bad=$(jq -c '.interfaces[0].mac = "02:11:11:11:11:11"' <<<"$out")
	run mv CHECK "$POD" c1 "$(with_prev "$cfg" "$bad")"
	[ "$status" -eq 1 ]
	[[ "$(jq -r .msg <<<"$output")" == "interface eth0 Mac 02:11:11:11:11:11 doesn't match container Mac: "* ]]
	ip -n "$POD" route del default
	run mv CHECK "$POD" c1 "$(with_prev "$cfg" "$out")"
	[ "$status" -eq 1 ]
	[ "$(jq -r .msg <<<"$output")" = "Failed to match route 0.0.0.0/0" ]
	ip -n "$POD" addr flush dev eth0
	run mv CHECK "$POD" c1 "$(with_prev "$cfg" "$out")"
	[ "$status" -eq 1 ]
	[[ "$(jq -r .msg <<<"$output")" == "Failed to match addr 10.67.0."*" on interface eth0" ]]
	run mv CHECK "$POD" c1 "$cfg"
	[ "$status" -eq 1 ]
	[ "$(jq -r .msg <<<"$output")" = "required prevResult missing" ]
	run mv DEL "$POD" c1 "$cfg"
	[ "$status" -eq 0 ]
	assert_clean
}

@test "side by side with the reference: same result, same kernel state" {
	local v cfg a b
	# (the reference 1.1.1 knows no spec 1.1.0)
	for v in 0.1.0 0.2.0 0.3.0 0.3.1 0.4.0 1.0.0; do
		cfg=$(conf "$v" '"master":"br0","mode":"vepa","mtu":1300,"mac":"02:00:00:00:00:0a","dns":{"nameservers":["10.67.0.53"]}')
		rm -rf "${D:?}"/*
		run ref ADD "$POD" c1 "$cfg"
		[ "$status" -eq 0 ]
		a=$(jq -S . <<<"$output")
		run ip -n "$POD" -d -o link show eth0
		[ "$status" -eq 0 ]
		[[ "$output" == *"mtu 1300"* ]]
		[[ "$output" == *"macvlan mode vepa"* ]]
		run ref DEL "$POD" c1 "$cfg"
		[ "$status" -eq 0 ]
		# host-local would hand out the next address: start from an empty store
		rm -rf "${D:?}"/*
		run mv ADD "$POD" c1 "$cfg"
		[ "$status" -eq 0 ]
		b=$(jq -S . <<<"$output")
		run ip -n "$POD" -d -o link show eth0
		[ "$status" -eq 0 ]
		[[ "$output" == *"mtu 1300"* ]]
		[[ "$output" == *"macvlan mode vepa"* ]]
		run mv DEL "$POD" c1 "$cfg"
		[ "$status" -eq 0 ]
		[ "$a" = "$b" ] || { diff <(echo "$a") <(echo "$b"); false; }
	done
	# layer 2 only (no IPAM): equal but for the kernel's random MAC
	cfg=$(l2conf 1.0.0 '"master":"br0","mode":"private"')
	run ref ADD "$POD" c1 "$cfg"
	[ "$status" -eq 0 ]
	a=$(jq -S 'del(.interfaces[0].mac)' <<<"$output")
	run ref DEL "$POD" c1 "$cfg"
	[ "$status" -eq 0 ]
	run mv ADD "$POD" c1 "$cfg"
	[ "$status" -eq 0 ]
	b=$(jq -S 'del(.interfaces[0].mac)' <<<"$output")
	run mv DEL "$POD" c1 "$cfg"
	[ "$status" -eq 0 ]
	[ "$a" = "$b" ]
	assert_clean
}

@test "switching: reference ADD, our CHECK and DEL; our ADD, reference CHECK and DEL" {
	local cfg out
	cfg=$(conf 1.0.0 '"master":"br0","mode":"private"')
	run ref ADD "$POD" c1 "$cfg"
	[ "$status" -eq 0 ]
	out=$output
	run mv CHECK "$POD" c1 "$(with_prev "$cfg" "$out")"
	[ "$status" -eq 0 ]
	run mv DEL "$POD" c1 "$cfg"
	[ "$status" -eq 0 ]
	assert_clean

	run mv ADD "$POD" c2 "$cfg"
	[ "$status" -eq 0 ]
	out=$output
	run ref CHECK "$POD" c2 "$(with_prev "$cfg" "$out")"
	[ "$status" -eq 0 ]
	run ref DEL "$POD" c2 "$cfg"
	[ "$status" -eq 0 ]
	assert_clean
}

# bad <extra keys> [VAR=value...]: ours and the reference fail ADD with the same message;
# ours with code 7 (invalid config), the reference 999 (its skel wraps every error).
bad_config() {
	local cfg=$1
	shift
	run ref ADD "$POD" c1 "$cfg" "$@"
	[ "$status" -eq 1 ]
	REF_MSG=$(jq -r .msg <<<"$output")
	run mv ADD "$POD" c1 "$cfg" "$@"
	[ "$status" -eq 1 ]
	[ "$(jq -r .msg <<<"$output")" = "$REF_MSG" ]
	[ "$(jq -r .code <<<"$output")" = "${EXPECT_CODE:-7}" ]
	assert_clean
}

@test "hostile config: the reference's messages, nothing left behind" {
	bad_config "$(conf 1.0.0 '"master":"nosuch0"')"
	bad_config "$(conf 1.0.0 '"master":"br0","mode":"bridged"')"
	bad_config "$(conf 1.0.0 '"master":"br0","mtu":9000')"
	bad_config "$(conf 1.0.0 '"master":"br0","mtu":-1')"
	bad_config "$(conf 1.0.0 '"master":"br0","mac":"02:00:00:00:00"')"
	bad_config "$(conf 1.0.0 '"master":"br0"')" CNI_ARGS=MAC=nothex
	bad_config "$(conf 1.0.0 '"master":"br0","mtu":"1500"')"
	bad_config "$(conf 1.0.0 '"master":["br0"]')"
	# (linkInContainer is newer than the reference 1.1.1, which ignores it: ours only)
	run mv ADD "$POD" c1 "$(conf 1.0.0 '"master":"br0","linkInContainer":1')"
	[ "$status" -eq 1 ]
	[ "$(jq -r .msg <<<"$output")" = "failed to load netconf: json: cannot unmarshal number into Go struct field NetConf.linkInContainer of type bool" ]
	assert_clean
	EXPECT_CODE=4 bad_config "$(conf 1.0.0 '"master":"br0"')" CNI_ARGS=FOO=bar
	[ -n "$REF_MSG" ]
	# DEL decodes only: a config ADD refused still tears down. The reference's DEL checks
	# nothing of mode and MAC either, but wants the master; ours does not (safe side).
	run ref DEL "$POD" c1 "$(conf 1.0.0 '"master":"br0","mode":"bridged","mac":"zz"')"
	[ "$status" -eq 0 ]
	run mv DEL "$POD" c1 "$(conf 1.0.0 '"master":"br0","mode":"bridged","mac":"zz"')"
	[ "$status" -eq 0 ]
	run mv DEL "$POD" c1 "$(conf 1.0.0 '"master":"nosuch0","mode":"bridged","mac":"zz"')"
	[ "$status" -eq 0 ]
	run mv DEL "$POD" c1 "$(conf 1.0.0 '"mtu":"x"')"
	[ "$status" -eq 1 ]
	[ "$(jq -r .msg <<<"$output")" = "failed to load netConf: json: cannot unmarshal string into Go struct field NetConf.mtu of type int" ]
	assert_clean
}

@test "hostile runtime: bad ifname, missing netns, master already in another namespace" {
	local cfg
	cfg=$(conf 1.0.0 '"master":"br0"')
	run ip netns exec "$HOST" env CNI_COMMAND=ADD CNI_CONTAINERID=c1 CNI_NETNS=/run/netns/$POD \
		CNI_IFNAME=eth0/x CNI_PATH="$BIN" "$MV" <<<"$cfg"
	[ "$status" -eq 1 ]
	[ "$(jq -r .code <<<"$output")" = 4 ]
	run mv ADD "lt-nonexistent-$RANDOM" c1 "$cfg"
	[ "$status" -eq 1 ]
	[[ "$(jq -r .msg <<<"$output")" == "failed to open netns"* ]]
	assert_clean
	# a name taken in the container: the rename fails, the temp link and the IP go back
	ip -n "$POD" link add eth0 type bridge
	run mv ADD "$POD" c1 "$cfg"
	[ "$status" -eq 1 ]
	[[ "$(jq -r .msg <<<"$output")" == "failed to rename macvlan to \"eth0\""* ]]
	run ip -n "$POD" -o link show
	[ "$status" -eq 0 ]
	[[ "$output" != *veth* ]]
	[ -z "$(store_files)" ]
	ip -n "$POD" link del eth0
	# the master moved into another namespace: not found from the host
	ip -n "$HOST" link add m1 type veth peer name m1p
	ip -n "$HOST" link set m1 netns "$POD2"
	run mv ADD "$POD" c1 "$(conf 1.0.0 '"master":"m1"')"
	[ "$status" -eq 1 ]
	[ "$(jq -r .msg <<<"$output")" = "Link not found" ]
	# DEL without a netns, and of a netns that is gone, succeed
	run mv DEL "" c1 "$cfg"
	[ "$status" -eq 0 ]
	run mv DEL "lt-gone-$RANDOM" c1 "$cfg"
	[ "$status" -eq 0 ]
	ip -n "$HOST" link del m1p
	assert_clean
}

@test "a late failure of ADD (test hook) takes back the link and the address" {
	local step cfg
	cfg=$(conf 1.0.0 '"master":"br0"')
	for step in link ipam; do
		run mv ADD "$POD" c1 "$cfg" LINEN_TEST_FAIL_AT=$step
		if [ "$status" -eq 0 ]; then
			run mv DEL "$POD" c1 "$cfg"
			skip "built without -Dtest_hooks=true"
		fi
		[ "$status" -eq 1 ]
		[ "$(jq -r .msg <<<"$output")" = "test failure injected at $step" ]
		assert_clean
	done
}
