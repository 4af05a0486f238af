#!/usr/bin/env bats
# SPDX-License-Identifier: Apache-2.0
# The bridge plugin against the real kernel and nftables. A namespace plays the host (the
# bridge, host veths, nft tables and forwarding sysctls live there) and one namespace per pod;
# the plugin runs inside the host namespace with the CNI_* environment (ip netns exec), with
# our host-local on CNI_PATH and a dataDir under $BATS_TEST_TMPDIR.
#
# Covers: every spec version family (ADD → kernel state → ping pod↔pod and pod→gateway →
# CHECK → DEL → DEL again → nothing left), IPv6 and dual-stack without DAD delay, VLAN access
# and trunk ports, layer 2, config fields, the MAC sources, errors, rollback of a failed ADD
# (nothing leaked), DEL without netns or with a vanished one, CHECK that notices breakage, GC,
# STATUS, crash safety (SIGSTOP at each step of ADD, SIGKILL, DEL, ADD again), cnitool, and
# interoperation with the reference plugins (/usr/lib/cni, Debian 1.1.1) on one store.

load helpers

REF_BRIDGE=/usr/lib/cni/bridge
REF_HL=/usr/lib/cni/host-local

setup() {
	require_root
	BR=$LINEN_BUILD/plugins/bridge/bridge
	[ -x "$BR" ] || skip "bridge not built in $LINEN_BUILD"
	[ -x "$LINEN_BUILD/plugins/host-local/host-local" ] || skip "host-local not built"
	command -v jq >/dev/null || skip "jq missing"
	command -v nft >/dev/null || skip "nft missing"
	T=$BATS_TEST_TMPDIR
	D=$T/data
	BIN=$(linen_cni_bin)
	H=$(netns_new brh)
	P1=$(netns_new p1)
	P2=$(netns_new p2)
	IPAM4='"ipam":{"type":"host-local","dataDir":"'$D'","ranges":[[{"subnet":"10.99.0.0/24"}]]}'
	IPAM6='"ipam":{"type":"host-local","dataDir":"'$D'","ranges":[[{"subnet":"fd99::/64"}]]}'
	IPAMDUAL='"ipam":{"type":"host-local","dataDir":"'$D'","ranges":[[{"subnet":"10.99.0.0/24"}],[{"subnet":"fd99::/64"}]]}'
}

teardown() {
	linen_teardown
}

# conf VERSION [extra top-level keys] [ipam member, default IPv4 host-local]
conf() {
	local ipam=${3-$IPAM4}
	printf '{"cniVersion":"%s","name":"bnet","type":"bridge","bridge":"cni0"%s%s}' \
		"$1" "${2:+,$2}" "${ipam:+,$ipam}"
}

# cni COMMAND CONTAINERID PODNS CONFIG [VAR=value...]: the plugin, run in the host namespace.
# An empty PODNS leaves CNI_NETNS empty.
cni() {
	local cmd=$1 id=$2 pod=$3 cfg=$4
	shift 4
	ip netns exec "$H" env CNI_COMMAND="$cmd" CNI_CONTAINERID="$id" \
		CNI_NETNS="${pod:+/var/run/netns/$pod}" CNI_IFNAME=eth0 CNI_PATH="$BIN" "$@" \
		"$BR" <<<"$cfg"
}

# The config with a prevResult, for CHECK.
with_prev() {
	jq -c --argjson r "$2" '. + {prevResult: $r}' <<<"$1"
}

hostns() { ip netns exec "$H" "$@"; }

# Address files in the store (not the lock or the round-robin markers).
store_files() {
	ls "$D/bnet" 2>/dev/null | grep -v -e '^lock$' -e '^last_reserved_ip' || true
}

# No veth, no address file, no per-attachment nft chain or map element left in the host.
nothing_left() {
	local l
	l=$(ip -n "$H" -o link show type veth | grep -E '^[0-9]+: veth[0-9a-f]{8}@' || true)
	[ -z "$l" ] || { echo "veth left: $l"; return 1; }
	l=$(store_files)
	[ -z "$l" ] || { echo "store left: $l"; return 1; }
	l=$(hostns nft list ruleset | grep -E 'jump [cp]-|chain [cp]-' || true)
	[ -z "$l" ] || { echo "nft left: $l"; return 1; }
}

pod_ip() { # pod_ip NS [4|6] → the address on eth0
	ip -n "$1" -"${2:-4}" -o addr show dev eth0 scope global | awk '{print $4}' | cut -d/ -f1
}

@test "ADD, kernel state, ping, CHECK, DEL, DEL again in every spec version" {
	local v out1 out2 ip1 ip2 veth
	for v in 0.1.0 0.2.0 0.3.0 0.3.1 0.4.0 1.0.0 1.1.0; do
		local cfg
		cfg=$(conf "$v" '"isGateway":true,"ipMasq":true,"macspoofchk":true,"hairpinMode":true,"mtu":1400')
		run cni ADD c1 "$P1" "$cfg"
		[ "$status" -eq 0 ] || { echo "$v: $output"; false; }
		out1=$output
		out2=$(cni ADD c2 "$P2" "$cfg")
		[ "$(jq -r .cniVersion <<<"$out1")" = "$v" ]
		case $v in
		0.1.0 | 0.2.0)
			[[ "$(jq -r .ip4.ip <<<"$out1")" == 10.99.0.*/24 ]]
			[ "$(jq -r .ip4.gateway <<<"$out1")" = 10.99.0.1 ]
			[ "$(jq -r 'has("interfaces")' <<<"$out1")" = false ] ;;
		*)
			# The reference's interface order: bridge, host veth, container.
			[ "$(jq -r '.interfaces[0].name' <<<"$out1")" = cni0 ]
			[[ "$(jq -r '.interfaces[1].name' <<<"$out1")" =~ ^veth[0-9a-f]{8}$ ]]
			[ "$(jq -r '.interfaces[1] | has("sandbox")' <<<"$out1")" = false ]
			[ "$(jq -r '.interfaces[2].name' <<<"$out1")" = eth0 ]
			[ "$(jq -r '.interfaces[2].sandbox' <<<"$out1")" = "/var/run/netns/$P1" ]
			[ "$(jq -r '.interfaces[2].mac' <<<"$out1")" = \
				"$(ip -n "$P1" -j link show eth0 | jq -r '.[0].address')" ]
			[ "$(jq -r '.ips[0].interface' <<<"$out1")" = 2 ]
			[ "$(jq -r '.ips[0].gateway' <<<"$out1")" = 10.99.0.1 ]
			if [[ $v == 0.* ]]; then
				[ "$(jq -r '.ips[0].version' <<<"$out1")" = 4 ]
			else
				[ "$(jq -r '.ips[0] | has("version")' <<<"$out1")" = false ]
			fi ;;
		esac

		# Kernel state in the host and in the pod.
		ip -n "$H" -d link show cni0 | grep -q 'bridge '
		ip -n "$H" -o addr show cni0 | grep -q 'inet 10.99.0.1/24'
		veth=$(ip -n "$H" -o link show master cni0 type veth | awk -F'[ :@]+' '{print $2}' | head -1)
		[[ $veth =~ ^veth[0-9a-f]{8}$ ]]
		ip -n "$H" link show "$veth" | grep -q 'mtu 1400'
		ip netns exec "$H" bridge -d link show dev "$veth" | grep -q 'hairpin on'
		ip -n "$P1" link show eth0 | grep -q 'mtu 1400'
		ip -n "$P1" link show eth0 | grep -q 'state UP'
		[ "$(ip netns exec "$P1" cat /proc/sys/net/ipv4/conf/eth0/arp_notify)" = 1 ]
		[ "$(hostns cat /proc/sys/net/ipv4/ip_forward)" = 1 ]
		[ "$(hostns cat "/proc/sys/net/ipv6/conf/$veth/accept_ra")" = 0 ]
		ip1=$(pod_ip "$P1")
		ip2=$(pod_ip "$P2")
		[ -n "$ip1" ]
		[ -n "$ip2" ]
		[ "$ip1" != "$ip2" ]
		hostns nft list table inet linen-cni-masq | grep -q "ip saddr $ip1 masquerade"
		hostns nft list table bridge linen-macspoof | grep -q "ether saddr $(jq -r '.interfaces[2].mac // empty' <<<"$out1")" ||
			[[ $v == 0.[12].0 ]]
		[ "$(store_files | wc -l)" -eq 2 ]

		ip netns exec "$P1" ping -c1 -W2 "$ip2" >/dev/null
		ip netns exec "$P2" ping -c1 -W2 "$ip1" >/dev/null
		ip netns exec "$P1" ping -c1 -W2 10.99.0.1 >/dev/null

		if [[ $v != 0.[123].* ]]; then
			cni CHECK c1 "$P1" "$(with_prev "$cfg" "$out1")"
			cni CHECK c2 "$P2" "$(with_prev "$cfg" "$out2")"
		fi

		cni DEL c1 "$P1" "$cfg"
		cni DEL c1 "$P1" "$cfg"
		cni DEL c2 "$P2" "$cfg"
		cni DEL c2 "$P2" "$cfg"
		nothing_left || { echo "after $v"; false; }
		! ip -n "$P1" link show eth0 2>/dev/null || false
	done
}

@test "the result has the reference's format" {
	run cni ADD c1 "$P1" "$(conf 1.0.0 '"isDefaultGateway":true,"dns":{"nameservers":["10.1.1.1"],"search":["example"]}')"
	[ "$status" -eq 0 ]
	# 4-space indentation, no trailing newline, keys in the Go struct order.
	[[ "$output" == $'{\n    "cniVersion": "1.0.0",\n    "interfaces": ['* ]]
	[ "$(jq -c 'keys_unsorted' <<<"$output")" = '["cniVersion","interfaces","ips","routes","dns"]' ]
	# isDefaultGateway implies isGateway and adds the default route via the gateway.
	[ "$(jq -c '.routes' <<<"$output")" = '[{"dst":"0.0.0.0/0","gw":"10.99.0.1"}]' ]
	[ "$(jq -c '.dns' <<<"$output")" = '{"nameservers":["10.1.1.1"],"search":["example"]}' ]
	ip -n "$P1" route show default | grep -q 'via 10.99.0.1 dev eth0'
	cni DEL c1 "$P1" "$(conf 1.0.0)"
	nothing_left
}

@test "IPv6 and dual-stack in one ADD, without DAD delay" {
	local cfg out ip61 ip62
	cfg=$(conf 1.1.0 '"isDefaultGateway":true' "$IPAMDUAL")
	# No DAD wait (which would hold the IPv6 default route back for a second or more) is
	# checked by its cause below: accept_dad=0 and no tentative address, not by a stopwatch.
	out=$(cni ADD c1 "$P1" "$cfg")
	cni ADD c2 "$P2" "$cfg" >/dev/null
	[ "$(jq '.ips | length' <<<"$out")" -eq 2 ]
	[[ "$(jq -r '.ips[1].address' <<<"$out")" == fd99::*/64 ]]
	[ "$(jq -r '.ips[1].gateway' <<<"$out")" = fd99::1 ]
	[ "$(jq -c '[.routes[].dst]' <<<"$out")" = '["0.0.0.0/0","::/0"]' ]
	# enabledad off: accept_dad=0, so the address is usable at once (never tentative).
	[ "$(ip netns exec "$P1" cat /proc/sys/net/ipv6/conf/eth0/accept_dad)" = 0 ]
	! ip -n "$P1" -6 addr show dev eth0 | grep -q tentative || false
	ip -n "$P1" -6 route show default | grep -q 'via fd99::1 dev eth0'
	ip -n "$H" -6 addr show cni0 | grep -q 'fd99::1/64'
	[ "$(hostns cat /proc/sys/net/ipv6/conf/all/forwarding)" = 1 ]
	ip61=$(pod_ip "$P1" 6)
	ip62=$(pod_ip "$P2" 6)
	ip netns exec "$P1" ping -6 -c1 -W2 "$ip62" >/dev/null
	ip netns exec "$P2" ping -c1 -W2 "$(pod_ip "$P1")" >/dev/null
	# The bridge's own address does DAD (as the reference leaves it); allow it to settle.
	ip netns exec "$P1" ping -6 -c1 -w5 fd99::1 >/dev/null
	cni CHECK c1 "$P1" "$(with_prev "$cfg" "$out")"
	cni DEL c1 "$P1" "$cfg"
	cni DEL c2 "$P2" "$cfg"
	cni DEL c2 "$P2" "$cfg"
	nothing_left
}

@test "two networks on one bridge: IPv6 gateways of disjoint subnets coexist, IPv4 ones do not" {
	local a b
	a=$(conf 1.0.0 '"isGateway":true' "$IPAM6")
	b=$(conf 1.0.0 '"isGateway":true' '"ipam":{"type":"host-local","dataDir":"'$D'","ranges":[[{"subnet":"fd98::/64"}]]}')
	b=$(jq -c '.name = "bnet2"' <<<"$b")
	cni ADD c1 "$P1" "$a" >/dev/null
	cni ADD c2 "$P2" "$b" >/dev/null
	ip -n "$H" -6 addr show cni0 | grep -q 'fd99::1/64'
	ip -n "$H" -6 addr show cni0 | grep -q 'fd98::1/64'
	cni DEL c2 "$P2" "$b"
	b=$(jq -c '.name = "bnet2"' <<<"$(conf 1.0.0 '"isGateway":true' '"ipam":{"type":"host-local","dataDir":"'$D'","ranges":[[{"subnet":"10.97.0.0/24"}]]}')")
	cni ADD c3 "$P2" "$(conf 1.0.0 '"isGateway":true')" >/dev/null
	run cni ADD c2 "$(netns_new p3)" "$b"
	[ "$status" -ne 0 ]
	[[ "$output" == *'already has an IP address different from 10.97.0.1/24'* ]]
	[ -z "$(ls "$D/bnet2" 2>/dev/null | grep -v -e lock -e last_reserved)" ]
	cni DEL c3 "$P2" "$(conf 1.0.0 '"isGateway":true')"
	cni DEL c1 "$P1" "$a"
	nothing_left
}

@test "enabledad turns DAD on in the pod" {
	cni ADD c1 "$P1" "$(conf 1.0.0 '"enabledad":true' "$IPAM6")" >/dev/null
	[ "$(ip netns exec "$P1" cat /proc/sys/net/ipv6/conf/eth0/accept_dad)" = 1 ]
	[ "$(ip netns exec "$P1" cat /proc/sys/net/ipv6/conf/eth0/enhanced_dad)" = 1 ]
	cni DEL c1 "$P1" "$(conf 1.0.0 '"enabledad":true' "$IPAM6")"
	nothing_left
}

# Some kernels are built without CONFIG_BRIDGE_VLAN_FILTERING.
vlan_filtering_supported() {
	local ns
	ns=$(netns_new vlanprobe)
	ip -n "$ns" link add br type bridge vlan_filtering 1 2>/dev/null
}

@test "VLAN access port with a gateway port, trunk port, preserveDefaultVlan" {
	local cfg out veth
	vlan_filtering_supported || skip "kernel without bridge VLAN filtering"
	cfg=$(conf 1.0.0 '"isGateway":true,"vlan":100,"preserveDefaultVlan":false')
	out=$(cni ADD c1 "$P1" "$cfg")
	ip -n "$H" -d link show cni0 | grep -q 'vlan_filtering 1'
	veth=$(jq -r '.interfaces[1].name' <<<"$out")
	run hostns bridge -j vlan show dev "$veth"
	[ "$(jq -c '.[0].vlans' <<<"$output")" = '[{"vlan":100,"flags":["PVID","Egress Untagged"]}]' ]
	# The gateway address sits on the cni0.100 port, listed as a 4th interface.
	[ "$(jq -r '.interfaces[3].name' <<<"$out")" = cni0.100 ]
	ip -n "$H" -o addr show cni0.100 | grep -q 'inet 10.99.0.1/24'
	ip netns exec "$P1" ping -c1 -W2 10.99.0.1 >/dev/null
	cni CHECK c1 "$P1" "$(with_prev "$cfg" "$out")"
	cni DEL c1 "$P1" "$cfg"
	# The gateway port stays, like the bridge; the pod's veth is gone.
	ip -n "$H" link show cni0.100 >/dev/null
	ip -n "$H" link del cni0.100

	cfg=$(conf 1.0.0 '"vlanTrunk":[{"id":5},{"minID":10,"maxID":12}]')
	out=$(cni ADD c2 "$P2" "$cfg")
	veth=$(jq -r '.interfaces[1].name' <<<"$out")
	run hostns bridge -j vlan show dev "$veth"
	# preserveDefaultVlan defaults to true: VID 1 stays untagged PVID, trunk VIDs are tagged.
	[ "$(jq -c '[.[0].vlans[] | .vlan]' <<<"$output")" = '[1,5,10,11,12]' ] ||
		[ "$(jq -c '[.[0].vlans[] | [.vlan, .vlanEnd // .vlan]]' <<<"$output")" = '[[1,1],[5,5],[10,12]]' ]
	cni CHECK c2 "$P2" "$(with_prev "$cfg" "$out")"
	cni DEL c2 "$P2" "$cfg"
	nothing_left
}

@test "layer 2 only, disableContainerInterface, portIsolation, promiscMode" {
	local cfg out
	cfg=$(conf 0.3.1 '"portIsolation":true,"promiscMode":true' '')
	out=$(cni ADD c1 "$P1" "$cfg")
	[ "$(jq '.ips // [] | length' <<<"$out")" -eq 0 ]
	ip -n "$P1" link show eth0 | grep -q 'state UP'
	ip -n "$H" link show cni0 | grep -q PROMISC
	hostns bridge -d link show dev "$(jq -r '.interfaces[1].name' <<<"$out")" | grep -q 'isolated on'
	cni DEL c1 "$P1" "$cfg"
	nothing_left

	cfg=$(conf 1.0.0 '"disableContainerInterface":true' '')
	cni ADD c1 "$P1" "$cfg" >/dev/null
	! ip -n "$P1" link show eth0 | grep -q 'state UP' || false
	cni DEL c1 "$P1" "$cfg"
	nothing_left

	# disableContainerInterface with IPAM is refused before anything is made.
	run cni ADD c1 "$P1" "$(conf 1.0.0 '"disableContainerInterface":true')"
	[ "$status" -ne 0 ]
	[[ "$output" == *"cannot use IPAM when DisableContainerInterface flag is set"* ]]
	# Layer 2 in 0.2.0 has no IP to report: an error, and nothing stays behind.
	run cni ADD c1 "$P1" "$(conf 0.2.0 '' '')"
	[ "$status" -ne 0 ]
	[[ "$output" == *"no valid IP"* ]]
	! ip -n "$P1" link show eth0 2>/dev/null || false
	nothing_left
}

@test "MAC from CNI_ARGS, args.cni.mac and runtimeConfig.mac, in that precedence" {
	local cfg
	cfg=$(conf 1.0.0)
	# host-local refuses MAC like the reference's does, so IgnoreUnknown as runtimes send it.
	cni ADD c1 "$P1" "$cfg" CNI_ARGS="IgnoreUnknown=1;MAC=c2:11:22:33:44:01" >/dev/null
	ip -n "$P1" link show eth0 | grep -q c2:11:22:33:44:01
	cni DEL c1 "$P1" "$cfg"
	cfg=$(conf 1.0.0 '"args":{"cni":{"mac":"c2:11:22:33:44:02"}}')
	cni ADD c1 "$P1" "$cfg" CNI_ARGS="IgnoreUnknown=1;MAC=c2:11:22:33:44:01" >/dev/null
	ip -n "$P1" link show eth0 | grep -q c2:11:22:33:44:02
	cni DEL c1 "$P1" "$cfg"
	cfg=$(conf 1.0.0 '"args":{"cni":{"mac":"c2:11:22:33:44:02"}},"runtimeConfig":{"mac":"c2:11:22:33:44:03"}')
	cni ADD c1 "$P1" "$cfg" >/dev/null
	ip -n "$P1" link show eth0 | grep -q c2:11:22:33:44:03
	cni DEL c1 "$P1" "$cfg"
	# Unknown CNI_ARGS keys are refused unless IgnoreUnknown, as the reference does.
	run cni ADD c1 "$P1" "$(conf 1.0.0)" CNI_ARGS="FOO=bar"
	[ "$status" -ne 0 ]
	cni ADD c1 "$P1" "$(conf 1.0.0)" CNI_ARGS="IgnoreUnknown=1;FOO=bar" >/dev/null
	cni DEL c1 "$P1" "$(conf 1.0.0)" CNI_ARGS="FOO=bar"
	nothing_left
}

@test "config errors and hostile names are refused" {
	run cni ADD c1 "$P1" "$(conf 1.0.0 '"hairpinMode":true,"promiscMode":true')"
	[ "$status" -ne 0 ]
	[[ "$output" == *"cannot set hairpin mode and promiscuous mode at the same time"* ]]
	run cni ADD c1 "$P1" "$(conf 1.0.0 '"vlan":5000')"
	[[ "$output" == *"invalid VLAN ID 5000"* ]]
	run cni ADD c1 "$P1" "$(conf 1.0.0 '"vlan":3,"vlanTrunk":[{"id":4}]')"
	[[ "$output" == *"cannot set vlan and vlanTrunk at the same time"* ]]
	run cni ADD c1 "$P1" "$(conf 1.0.0 '"mtu":"big"')"
	[ "$status" -ne 0 ]
	run cni ADD "bad/id" "$P1" "$(conf 1.0.0)"
	[ "$(jq -r .code <<<"$output")" = 4 ]
	run ip netns exec "$H" env CNI_COMMAND=ADD CNI_CONTAINERID=c1 CNI_NETNS=/var/run/netns/$P1 \
		CNI_IFNAME="../x" CNI_PATH="$BIN" "$BR" <<<"$(conf 1.0.0)"
	[ "$(jq -r .code <<<"$output")" = 4 ]
	nothing_left
	! ip -n "$H" link show cni0 2>/dev/null || false
}

@test "a non-bridge link of the bridge's name fails the ADD and leaks nothing" {
	ip -n "$H" link add cni0 type veth peer name cni0peer
	run cni ADD c1 "$P1" "$(conf 1.0.0 '"ipMasq":true,"macspoofchk":true')"
	[ "$status" -ne 0 ]
	[[ "$output" == *'"cni0\" already exists but is not a bridge'* ]]
	nothing_left
	! ip -n "$P1" link show eth0 2>/dev/null || false
	# Not made promiscuous behind our back either.
	run cni ADD c1 "$P1" "$(conf 1.0.0 '"promiscMode":true')"
	[ "$status" -ne 0 ]
	[[ "$output" == *'"cni0\" already exists but is not a bridge'* ]]
	! ip -n "$H" link show cni0 | grep -q PROMISC || false
}

@test "an interface of the same name already in the pod fails the ADD and is left alone" {
	ip -n "$P1" link add eth0 type veth peer name other
	ip -n "$P1" link set eth0 address c2:00:00:00:00:42
	run cni ADD c1 "$P1" "$(conf 1.0.0 '"ipMasq":true,"macspoofchk":true')"
	[ "$status" -ne 0 ]
	[[ "$(jq -r .msg <<<"$output")" == 'container veth name ("eth0") peer provided'*'already exists' ]]
	ip -n "$P1" link show eth0 | grep -q c2:00:00:00:00:42
	nothing_left
}

@test "a failure after IPAM ADD releases the address and removes veth and nft entries" {
	local step cfg
	cfg=$(conf 1.0.0 '"isGateway":true,"ipMasq":true,"macspoofchk":true')
	for step in container gateway masq done; do
		run cni ADD c1 "$P1" "$cfg" LINEN_TEST_FAIL_AT=$step
		[ "$status" -ne 0 ]
		[[ "$output" == *"injected at $step"* ]]
		nothing_left || { echo "after failing at $step"; false; }
		! ip -n "$P1" link show eth0 2>/dev/null || false
	done
	# A real failure: IPAM hands out a route via an unreachable gateway.
	run cni ADD c1 "$P1" "$(conf 1.0.0 '"ipMasq":true,"macspoofchk":true' \
		'"ipam":{"type":"host-local","dataDir":"'$D'","ranges":[[{"subnet":"10.99.0.0/24"}]],"routes":[{"dst":"10.7.0.0/16","gw":"192.168.77.1"}]}')"
	[ "$status" -ne 0 ]
	[[ "$output" == *"failed to add route '10.7.0.0/16 via 192.168.77.1 dev eth0'"* ]]
	nothing_left
	! ip -n "$P1" link show eth0 2>/dev/null || false
	# Another: the bridge holds another IPv4 address and forceAddress is off.
	ip -n "$H" addr flush dev cni0
	ip -n "$H" addr add 10.50.0.1/24 dev cni0
	run cni ADD c1 "$P1" "$cfg"
	[ "$status" -ne 0 ]
	[[ "$output" == *'already has an IP address different from 10.99.0.1/24'* ]]
	nothing_left
	# forceAddress replaces it.
	cni ADD c1 "$P1" "$(conf 1.0.0 '"isGateway":true,"forceAddress":true')" >/dev/null
	! ip -n "$H" addr show cni0 | grep -q 10.50.0.1 || false
	ip -n "$H" addr show cni0 | grep -q 10.99.0.1/24
	cni DEL c1 "$P1" "$cfg"
	nothing_left
}

@test "DEL: unknown container, no netns, vanished netns; masquerade removed in every case" {
	local cfg
	cfg=$(conf 1.0.0 '"ipMasq":true,"macspoofchk":true')
	cni DEL nobody "$P1" "$cfg"
	cni DEL nobody "" "$cfg"

	# CNI_NETNS empty: the reference only releases the address; we also drop the nft entries.
	cni ADD c1 "$P1" "$cfg" >/dev/null
	hostns nft list ruleset | grep -q 'jump c-'
	cni DEL c1 "" "$cfg"
	[ -z "$(store_files)" ]
	! hostns nft list ruleset | grep -q -E 'jump [cp]-' || false
	cni DEL c1 "$P1" "$cfg"
	nothing_left

	# CNI_NETNS names a file that is no longer a namespace (unmounted after a reboot).
	cni ADD c3 "$P1" "$cfg" >/dev/null
	touch "$T/stale-netns"
	ip netns exec "$H" env CNI_COMMAND=DEL CNI_CONTAINERID=c3 CNI_NETNS="$T/stale-netns" \
		CNI_IFNAME=eth0 CNI_PATH="$BIN" "$BR" <<<"$cfg"
	[ -z "$(store_files)" ]
	! hostns nft list ruleset | grep -q -E 'jump [cp]-' || false
	cni DEL c3 "$P1" "$cfg"
	nothing_left

	# The pod's namespace is gone before DEL: its veth went with it, the address is released.
	cni ADD c2 "$P2" "$cfg" >/dev/null
	ip netns del "$P2"
	cni DEL c2 "$P2" "$cfg"
	cni DEL c2 "$P2" "$cfg"
	nothing_left
}

@test "CHECK notices a missing interface, address, route, masquerade or spoof-check rule" {
	local cfg out
	cfg=$(conf 1.0.0 '"isDefaultGateway":true,"ipMasq":true,"macspoofchk":true')
	out=$(cni ADD c1 "$P1" "$cfg")
	cni CHECK c1 "$P1" "$(with_prev "$cfg" "$out")"
	run cni CHECK c1 "$P1" "$cfg"
	[[ "$output" == *"Required prevResult missing"* ]]

	ip -n "$P1" route del default
	run cni CHECK c1 "$P1" "$(with_prev "$cfg" "$out")"
	[ "$status" -ne 0 ]
	[[ "$output" == *"Failed to match route 0.0.0.0/0"* ]]
	ip -n "$P1" route add default via 10.99.0.1 dev eth0

	hostns nft flush chain inet linen-cni-masq "$(hostns nft list table inet linen-cni-masq | awk '/chain c-/{print $2}')"
	run cni CHECK c1 "$P1" "$(with_prev "$cfg" "$out")"
	[ "$status" -ne 0 ]
	[[ "$output" == *"masquerade"* ]]
	cni DEL c1 "$P1" "$cfg"
	nothing_left

	out=$(cni ADD c1 "$P1" "$cfg")
	hostns nft flush chain bridge linen-macspoof "$(hostns nft list table bridge linen-macspoof | awk '/chain p-/{print $2}')"
	run cni CHECK c1 "$P1" "$(with_prev "$cfg" "$out")"
	[[ "$output" == *"spoof"* ]]

	ip -n "$P1" addr flush dev eth0
	run cni CHECK c1 "$P1" "$(with_prev "$cfg" "$out")"
	[[ "$output" == *"Failed to match addr"* ]]

	ip -n "$P1" link del eth0
	run cni CHECK c1 "$P1" "$(with_prev "$cfg" "$out")"
	[ "$status" -ne 0 ]
	[[ "$output" == *"not found"* ]]
	cni DEL c1 "$P1" "$cfg"
	nothing_left
}

@test "macspoofchk drops frames with a forged source MAC" {
	local cfg ip2
	cfg=$(conf 1.0.0 '"macspoofchk":true')
	cni ADD c1 "$P1" "$cfg" >/dev/null
	cni ADD c2 "$P2" "$cfg" >/dev/null
	ip2=$(pod_ip "$P2")
	ip netns exec "$P1" ping -c1 -W2 "$ip2" >/dev/null
	ip -n "$P1" neigh flush dev eth0
	ip -n "$P1" link set eth0 address c2:00:00:00:00:99
	! ip netns exec "$P1" ping -c1 -W1 "$ip2" >/dev/null || false
	cni DEL c1 "$P1" "$cfg"
	cni DEL c2 "$P2" "$cfg"
	nothing_left
}

@test "GC removes the address and nft entries of attachments not listed; STATUS asks IPAM" {
	local cfg gc
	cfg=$(conf 1.1.0 '"ipMasq":true,"macspoofchk":true')
	cni ADD c1 "$P1" "$cfg" >/dev/null
	cni ADD c2 "$P2" "$cfg" >/dev/null
	gc=$(jq -c '. + {"cni.dev/valid-attachments":[{"containerID":"c1","ifname":"eth0"}]}' <<<"$cfg")
	ip netns exec "$H" env CNI_COMMAND=GC CNI_PATH="$BIN" "$BR" <<<"$gc"
	[ "$(store_files | wc -l)" -eq 1 ]
	[ "$(hostns nft list ruleset | grep -c 'chain [cp]-')" -eq 2 ]
	hostns nft list ruleset | grep -q "$(pod_ip "$P1") : jump c-"
	! hostns nft list ruleset | grep -q "$(pod_ip "$P2") : jump c-" || false

	ip netns exec "$H" env CNI_COMMAND=STATUS CNI_PATH="$BIN" "$BR" <<<"$cfg"
	# A full range: STATUS reports IPAM's code 50.
	local small P3
	P3=$(netns_new p3)
	small=$(conf 1.1.0 '' '"ipam":{"type":"host-local","dataDir":"'$D'","ranges":[[{"subnet":"10.98.0.0/30"}]]}')
	cni ADD c3 "$P3" "$small" >/dev/null
	run ip netns exec "$H" env CNI_COMMAND=STATUS CNI_PATH="$BIN" "$BR" <<<"$small"
	[ "$status" -ne 0 ]
	[ "$(jq -r .code <<<"$output")" = 50 ]
	cni DEL c3 "$P3" "$small"
	cni DEL c1 "$P1" "$cfg"
	cni DEL c2 "$P2" "$cfg"
	nothing_left
}

# Start the plugin stopped at a step; prints its PID once it has stopped there.
add_paused() {
	local step=$1 cfg=$2 pid i
	ip netns exec "$H" env CNI_COMMAND=ADD CNI_CONTAINERID=c1 CNI_NETNS=/var/run/netns/$P1 \
		CNI_IFNAME=eth0 CNI_PATH="$BIN" LINEN_TEST_PAUSE_AT="$step" "$BR" <<<"$cfg" \
		>/dev/null 2>&1 &
	echo $! >>"$BATS_TEST_TMPDIR/.pids"
	pid=$!
	for i in $(seq 100); do
		# ip netns exec execs the plugin in the same process.
		[ "$(awk '{print $3}' /proc/$pid/stat 2>/dev/null)" = T ] && { echo "$pid"; return 0; }
		sleep 0.05
	done
	return 1
}

@test "SIGKILL at every step of ADD: DEL cleans everything, a new ADD succeeds" {
	local step pid cfg
	cfg=$(conf 1.0.0 '"isGateway":true,"ipMasq":true,"macspoofchk":true')
	for step in bridge veth port macspoof ipam container gateway masq done; do
		pid=$(add_paused "$step" "$cfg") || { echo "never paused at $step"; false; }
		kill -9 "$pid"
		wait "$pid" 2>/dev/null || true
		cni DEL c1 "$P1" "$cfg"
		nothing_left || { echo "after kill at $step"; false; }
		! ip -n "$P1" link show eth0 2>/dev/null || false
		cni ADD c1 "$P1" "$cfg" >/dev/null
		cni DEL c1 "$P1" "$cfg"
		nothing_left
	done
}

@test "SIGKILL at every step of DEL: a second DEL finishes the job" {
	local step pid cfg
	cfg=$(conf 1.0.0 '"isGateway":true,"ipMasq":true,"macspoofchk":true')
	for step in del-link del-ipam del-fw; do
		cni ADD c1 "$P1" "$cfg" >/dev/null
		ip netns exec "$H" env CNI_COMMAND=DEL CNI_CONTAINERID=c1 \
			CNI_NETNS=/var/run/netns/$P1 CNI_IFNAME=eth0 CNI_PATH="$BIN" \
			LINEN_TEST_PAUSE_AT="$step" "$BR" <<<"$cfg" >/dev/null 2>&1 &
		pid=$!
		echo "$pid" >>"$BATS_TEST_TMPDIR/.pids"
		for _ in $(seq 100); do
			[ "$(awk '{print $3}' /proc/$pid/stat 2>/dev/null)" = T ] && break
			sleep 0.05
		done
		[ "$(awk '{print $3}' /proc/$pid/stat 2>/dev/null)" = T ]
		kill -9 "$pid"
		wait "$pid" 2>/dev/null || true
		cni DEL c1 "$P1" "$cfg"
		nothing_left || { echo "after kill at $step"; false; }
	done
}

@test "parallel ADDs and DELs on one bridge" {
	local i pods=() cfg
	cfg=$(conf 1.0.0 '"isGateway":true,"ipMasq":true,"macspoofchk":true')
	for i in $(seq 8); do
		pods+=("$(netns_new par$i)")
	done
	for i in $(seq 8); do
		cni ADD "c$i" "${pods[$((i - 1))]}" "$cfg" >"$T/out$i" 2>&1 &
	done
	wait
	for i in $(seq 8); do
		jq -e '.ips[0].address' "$T/out$i" >/dev/null || { cat "$T/out$i"; false; }
	done
	[ "$(jq -r '.ips[0].address' "$T"/out* | sort -u | wc -l)" -eq 8 ]
	[ "$(hostns nft list ruleset | grep -c 'chain c-')" -eq 8 ]
	[ "$(ip -n "$H" -o link show master cni0 | wc -l)" -eq 8 ]
	ip netns exec "${pods[0]}" ping -c1 -W2 "$(pod_ip "${pods[7]}")" >/dev/null
	for i in $(seq 8); do
		cni DEL "c$i" "${pods[$((i - 1))]}" "$cfg" &
	done
	wait
	nothing_left
}

@test "through cnitool: ADD, CHECK, DEL with the result cache" {
	local CNITOOL=$LINEN_BUILD/src/cnitool/cnitool
	[ -x "$CNITOOL" ] || skip "cnitool not built"
	mkdir -p "$T/conf"
	printf '{"cniVersion":"1.1.0","name":"bnet","plugins":[%s]}' \
		"$(conf 1.1.0 '"isDefaultGateway":true,"ipMasq":true' | jq -c 'del(.cniVersion,.name)')" \
		>"$T/conf/bnet.conflist"
	tool() {
		ip netns exec "$H" env NETCONFPATH="$T/conf" CNI_PATH="$BIN" \
			LINEN_CNI_CACHE_DIR="$T/cache" "$CNITOOL" "$@"
	}
	run tool add bnet "/var/run/netns/$P1"
	[ "$status" -eq 0 ] || { echo "$output"; false; }
	[ "$(jq -r '.interfaces[2].name' <<<"$output")" = eth0 ]
	# The runtime cached our result; CHECK gets it back as prevResult.
	[ "$(ls "$T/cache/results" | wc -l)" -eq 1 ]
	jq -e '.result.interfaces[1].name | test("^veth")' "$T"/cache/results/* >/dev/null
	ip netns exec "$P1" ping -c1 -W2 10.99.0.1 >/dev/null
	tool check bnet "/var/run/netns/$P1"
	ip -n "$P1" link set eth0 down
	run tool check bnet "/var/run/netns/$P1"
	[ "$status" -ne 0 ]
	tool del bnet "/var/run/netns/$P1"
	tool del bnet "/var/run/netns/$P1"
	[ -z "$(ls "$T/cache/results" 2>/dev/null)" ]
	nothing_left
}

@test "interoperates with the reference bridge and host-local on one store" {
	[ -x "$REF_BRIDGE" ] && [ -x "$REF_HL" ] || skip "reference plugins not installed"
	local refbin=$T/refbin cfg o1 o2
	mkdir -p "$refbin"
	ln -s "$REF_BRIDGE" "$refbin/bridge"
	ln -s "$REF_HL" "$refbin/host-local"
	cfg=$(conf 1.0.0 '"isGateway":true')

	# The reference bridge with our host-local, then our bridge with the reference host-local.
	o1=$(ip netns exec "$H" env CNI_COMMAND=ADD CNI_CONTAINERID=c1 CNI_NETNS=/var/run/netns/$P1 \
		CNI_IFNAME=eth0 CNI_PATH="$BIN" "$REF_BRIDGE" <<<"$cfg")
	o2=$(cni ADD c2 "$P2" "$cfg" CNI_PATH="$refbin")
	[ "$(jq -r '.ips[0].address' <<<"$o1")" != "$(jq -r '.ips[0].address' <<<"$o2")" ]
	[ "$(jq -c '[.interfaces[] | .name | sub("veth[0-9a-f]{8}"; "vethX")]' <<<"$o1")" = \
		"$(jq -c '[.interfaces[] | .name | sub("veth[0-9a-f]{8}"; "vethX")]' <<<"$o2")" ]
	ip netns exec "$P1" ping -c1 -W2 "$(pod_ip "$P2")" >/dev/null
	# Each one's CHECK accepts the other's result.
	cni CHECK c1 "$P1" "$(with_prev "$cfg" "$o1")"
	ip netns exec "$H" env CNI_COMMAND=CHECK CNI_CONTAINERID=c2 CNI_NETNS=/var/run/netns/$P2 \
		CNI_IFNAME=eth0 CNI_PATH="$BIN" "$REF_BRIDGE" <<<"$(with_prev "$cfg" "$o2")"
	# And each one's DEL undoes the other's ADD.
	cni DEL c1 "$P1" "$cfg" CNI_PATH="$refbin"
	ip netns exec "$H" env CNI_COMMAND=DEL CNI_CONTAINERID=c2 CNI_NETNS=/var/run/netns/$P2 \
		CNI_IFNAME=eth0 CNI_PATH="$BIN" "$REF_BRIDGE" <<<"$cfg"
	nothing_left
}

@test "the same result, byte for byte, as the reference bridge for the same config" {
	[ -x "$REF_BRIDGE" ] || skip "reference bridge not installed"
	local v extra ipam cfg a b n=0 dual
	dual='"ipam":{"type":"host-local","dataDir":"'$D'","ranges":[[{"subnet":"10.99.0.0/24"}],[{"subnet":"fd99::/64"}]],"routes":[{"dst":"10.1.0.0/16"}]}'
	# Names and MACs are random and the two pods differ; the rest must be identical.
	norm() {
		sed -E -e 's/([0-9a-f]{2}:){5}[0-9a-f]{2}/MAC/g' -e 's/veth[0-9a-f]{8}/VETH/g' \
			-e 's/10\.99\.0\.[0-9]+\/24/10.99.0.X\/24/' -e 's/fd99::[0-9a-f]+\/64/fd99::X\/64/' \
			-e "s#/var/run/netns/($P1|$P2)#NETNS#"
	}
	for v in 0.2.0 0.3.1 0.4.0 1.0.0; do
		for extra in '"isDefaultGateway":true' '"isGateway":true,"dns":{"nameservers":["10.0.0.53"],"search":["x"]}' '"hairpinMode":true'; do
			for ipam in "$dual" '"ipam":{}'; do
				[ "$ipam" = '"ipam":{}' ] && [ "$v" = 0.2.0 ] && continue
				cfg=$(conf "$v" "$extra" "$ipam")
				a=$(ip netns exec "$H" env CNI_COMMAND=ADD CNI_CONTAINERID=r CNI_NETNS=/var/run/netns/$P1 \
					CNI_IFNAME=eth0 CNI_PATH="$BIN" "$REF_BRIDGE" <<<"$cfg" | norm)
				b=$(cni ADD o "$P2" "$cfg" | norm)
				[ "$a" = "$b" ] || { echo "$cfg"; diff <(echo "$a") <(echo "$b"); false; }
				ip netns exec "$H" env CNI_COMMAND=DEL CNI_CONTAINERID=r CNI_NETNS=/var/run/netns/$P1 \
					CNI_IFNAME=eth0 CNI_PATH="$BIN" "$REF_BRIDGE" <<<"$cfg"
				cni DEL o "$P2" "$cfg"
				n=$((n + 1))
			done
		done
	done
	[ "$n" -eq 21 ]
	nothing_left
}

# A CNI_PATH whose IPAM "hang-ipam" never answers: it becomes `sleep <tag>`.
hang_ipam_bin() {
	local dir=$T/hang-bin f
	mkdir -p "$dir"
	for f in "$BIN"/*; do ln -sf "$(readlink -f "$f")" "$dir/$(basename "$f")"; done
	printf '#!/bin/sh\nexec sleep %s\n' "$1" >"$dir/hang-ipam"
	chmod +x "$dir/hang-ipam"
	echo "$dir"
}

# The PIDs of `sleep <tag>` that still run (an exited one not yet reaped does not count).
sleepers() {
	local p
	for p in $(pgrep -x sleep); do
		[ "$(cat "/proc/$p/cmdline" 2>/dev/null | tr '\0' ' ')" = "sleep $1 " ] || continue
		proc_gone "$p" && continue
		echo "$p"
	done
}

# wait_no_sleepers TAG: up to 3 s; on failure end them (ours) and fail
wait_no_sleepers() {
	local left
	for _ in $(seq 30); do
		left=$(sleepers "$1")
		[ -z "$left" ] && return 0
		sleep 0.1
	done
	echo "delegate still running: $left"
	kill -9 $left 2>/dev/null
	return 1
}

@test "a runtime's time limit ends the delegated IPAM with the plugin; DEL then cleans up" {
	local hb cfg
	hb=$(hang_ipam_bin 987653)
	mkdir -p "$T/conf"
	cat >"$T/conf/hang.conflist" <<-EOF2
	{"cniVersion":"1.0.0","name":"hang","plugins":[{"type":"bridge","bridge":"cni0",
	 "ipam":{"type":"hang-ipam"}}]}
	EOF2
	run ip netns exec "$H" env NETCONFPATH="$T/conf" CNI_PATH="$hb" LINEN_CNI_CACHE_DIR="$T/cache" \
		LINEN_CNI_TIMEOUT_MS=1000 "$LINEN_BUILD/src/cnitool/cnitool" add hang "/run/netns/$P1"
	[ "$status" -eq 1 ]
	[[ "$output" == *"timed out after 1000 ms"* ]]
	wait_no_sleepers 987653
	# The IPAM hangs on DEL too: the DEL fails on its time limit, the interface is gone anyway.
	run ip netns exec "$H" env NETCONFPATH="$T/conf" CNI_PATH="$hb" LINEN_CNI_CACHE_DIR="$T/cache" \
		LINEN_CNI_TIMEOUT_MS=1000 "$LINEN_BUILD/src/cnitool/cnitool" del hang "/run/netns/$P1"
	[ "$status" -eq 1 ]
	[[ "$output" == *"timed out after 1000 ms"* ]]
	wait_no_sleepers 987653
	! ip -n "$P1" link show eth0 2>/dev/null || false
	nothing_left
}

@test "the delegated IPAM dies with the plugin when a runtime kills only the plugin's PID" {
	local hb pid
	hb=$(hang_ipam_bin 987652)
	ip netns exec "$H" env CNI_COMMAND=ADD CNI_CONTAINERID=k CNI_NETNS=/var/run/netns/$P1 \
		CNI_IFNAME=eth0 CNI_PATH="$hb" "$BR" \
		<<<'{"cniVersion":"1.0.0","name":"bnet","type":"bridge","bridge":"cni0","ipam":{"type":"hang-ipam"}}' \
		>/dev/null 2>&1 &
	pid=$!
	echo "$pid" >>"$BATS_TEST_TMPDIR/.pids"
	for _ in $(seq 50); do [ -n "$(sleepers 987652)" ] && break; sleep 0.1; done
	[ -n "$(sleepers 987652)" ]
	kill -9 "$pid"
	wait_no_sleepers 987652
}

# par_wait PID...: wait for each of these background jobs; FAILS counts those that failed.
# Waited-for PIDs leave teardown's list (the kernel may hand them out again).
par_wait() {
	local p
	FAILS=0
	for p; do
		wait "$p" || FAILS=$((FAILS + 1))
	done
	grep -vxF -f <(printf '%s\n' "$@") "$BATS_TEST_TMPDIR/.pids" >"$BATS_TEST_TMPDIR/.pids.new" || true
	mv "$BATS_TEST_TMPDIR/.pids.new" "$BATS_TEST_TMPDIR/.pids"
}

# owner_of ADDRESS: the container ID in its address file ("ID\r\nIFNAME").
owner_of() {
	head -n1 "$D/bnet/$1" | tr -d '\r'
}

@test "100 parallel ADDs on one bridge, then 50 DELs interleaved with 50 ADDs, then 100 DELs" {
	local i id f cfg ip pids=() old=() new=()
	local -A addr
	cfg=$(conf 1.0.0 '"isGateway":true,"ipMasq":true,"macspoofchk":true')
	for i in $(seq 100); do old+=("$(netns_new m$i)"); done
	for i in $(seq 50); do new+=("$(netns_new n$i)"); done

	# 1. 100 ADDs at once on an empty host: they race to create the bridge, too.
	for i in $(seq 100); do
		cni ADD "m$i" "${old[i - 1]}" "$cfg" >"$T/m$i.out" 2>"$T/m$i.err" &
		pids+=($!)
		echo $! >>"$BATS_TEST_TMPDIR/.pids"
	done
	par_wait "${pids[@]}"
	[ "$FAILS" -eq 0 ] || { echo "$FAILS of 100 ADDs failed"; cat "$T"/m*.err; false; }
	for i in $(seq 100); do
		ip=$(jq -r '.ips[0].address' "$T/m$i.out") || { cat "$T/m$i.out" "$T/m$i.err"; false; }
		[[ $ip == 10.99.0.*/24 && $ip != 10.99.0.1/24 ]] || { echo "m$i: $ip"; false; }
		addr[m$i]=${ip%/24}
	done
	[ "$(printf '%s\n' "${addr[@]}" | sort -u | wc -l)" -eq 100 ] ||
		{ printf '%s\n' "${addr[@]}" | sort | uniq -d; false; }
	[ "$(store_files | wc -l)" -eq 100 ] || { store_files; false; }
	for i in $(seq 100); do
		[ "$(owner_of "${addr[m$i]}")" = "m$i" ] || { echo "m$i: ${addr[m$i]} owned by $(owner_of "${addr[m$i]}")"; false; }
		[ "$(pod_ip "${old[i - 1]}")" = "${addr[m$i]}" ] || { echo "m$i: eth0 has '$(pod_ip "${old[i - 1]}")'"; false; }
	done
	[ "$(ip -n "$H" -o link show master cni0 type veth | wc -l)" -eq 100 ]
	[ "$(hostns nft list ruleset | grep -c 'chain c-')" -eq 100 ]

	# 2. DEL the first 50 while 50 new pods are ADDed, interleaved.
	pids=()
	for i in $(seq 50); do
		cni DEL "m$i" "${old[i - 1]}" "$cfg" >"$T/del$i.out" 2>&1 &
		pids+=($!)
		echo $! >>"$BATS_TEST_TMPDIR/.pids"
		cni ADD "n$i" "${new[i - 1]}" "$cfg" >"$T/n$i.out" 2>"$T/n$i.err" &
		pids+=($!)
		echo $! >>"$BATS_TEST_TMPDIR/.pids"
	done
	par_wait "${pids[@]}"
	[ "$FAILS" -eq 0 ] || { echo "$FAILS of 100 DELs/ADDs failed"; cat "$T"/del*.out "$T"/n*.err; false; }
	for i in $(seq 50); do
		ip=$(jq -r '.ips[0].address' "$T/n$i.out") || { cat "$T/n$i.out" "$T/n$i.err"; false; }
		[[ $ip == 10.99.0.*/24 && $ip != 10.99.0.1/24 ]] || { echo "n$i: $ip"; false; }
		addr[n$i]=${ip%/24}
	done
	# The store holds exactly the 50 kept and the 50 new containers, each its own address.
	[ "$(store_files | wc -l)" -eq 100 ] || { store_files; false; }
	[ "$(for f in $(store_files); do owner_of "$f"; done | sort | tr '\n' ' ')" = \
		"$( (for i in $(seq 51 100); do echo "m$i"; done; for i in $(seq 50); do echo "n$i"; done) | sort | tr '\n' ' ')" ]
	[ "$( (for i in $(seq 51 100); do echo "${addr[m$i]}"; done
		for i in $(seq 50); do echo "${addr[n$i]}"; done) | sort -u | wc -l)" -eq 100 ]
	for i in $(seq 50); do
		# A DELed pod's address is freed (or, if reused, by a new pod) and its eth0 is gone.
		f=$D/bnet/${addr[m$i]}
		[ ! -e "$f" ] || [[ $(owner_of "${addr[m$i]}") == n* ]] ||
			{ echo "m$i: ${addr[m$i]} still held by $(owner_of "${addr[m$i]}")"; false; }
		! ip -n "${old[i - 1]}" link show eth0 >/dev/null 2>&1 || { echo "m$i: eth0 left"; false; }
		[ "$(owner_of "${addr[n$i]}")" = "n$i" ]
		[ "$(pod_ip "${new[i - 1]}")" = "${addr[n$i]}" ] || { echo "n$i: eth0 has '$(pod_ip "${new[i - 1]}")'"; false; }
	done
	for i in $(seq 51 100); do
		[ "$(owner_of "${addr[m$i]}")" = "m$i" ]
		[ "$(pod_ip "${old[i - 1]}")" = "${addr[m$i]}" ] || { echo "m$i: eth0 has '$(pod_ip "${old[i - 1]}")'"; false; }
	done
	[ "$(ip -n "$H" -o link show master cni0 type veth | wc -l)" -eq 100 ]
	[ "$(hostns nft list ruleset | grep -c 'chain c-')" -eq 100 ]

	# 3. A kept pod and a new pod reach each other.
	ip netns exec "${old[99]}" ping -c1 -W2 "${addr[n50]}" >/dev/null
	ip netns exec "${new[49]}" ping -c1 -W2 "${addr[m51]}" >/dev/null

	# 4. DEL all 100 at once.
	pids=()
	for i in $(seq 51 100); do
		cni DEL "m$i" "${old[i - 1]}" "$cfg" >"$T/del$i.out" 2>&1 &
		pids+=($!)
		echo $! >>"$BATS_TEST_TMPDIR/.pids"
	done
	for i in $(seq 50); do
		cni DEL "n$i" "${new[i - 1]}" "$cfg" >"$T/deln$i.out" 2>&1 &
		pids+=($!)
		echo $! >>"$BATS_TEST_TMPDIR/.pids"
	done
	par_wait "${pids[@]}"
	[ "$FAILS" -eq 0 ] || { echo "$FAILS of 100 DELs failed"; cat "$T"/del*.out; false; }
	for i in $(seq 100); do ! ip -n "${old[i - 1]}" link show eth0 >/dev/null 2>&1 || false; done
	for i in $(seq 50); do ! ip -n "${new[i - 1]}" link show eth0 >/dev/null 2>&1 || false; done
	nothing_left
}

@test "switching from the reference: our DEL removes the reference's ipMasq rules of that pod only" {
	[ -x "$REF_BRIDGE" ] || skip "reference plugins not installed"
	command -v iptables >/dev/null || skip "iptables missing (the reference's ipMasq needs it)"
	local cfg c1 c2
	cfg=$(conf 1.0.0 '"isGateway":true,"ipMasq":true')
	# two pods ADDed by the reference bridge (iptables through iptables-nft: table ip nat)
	for p in 1 2; do
		ip netns exec "$H" env CNI_COMMAND=ADD CNI_CONTAINERID=r$p \
			CNI_NETNS=/var/run/netns/$(eval echo "\$P$p") CNI_IFNAME=eth0 CNI_PATH="$BIN" \
			"$REF_BRIDGE" <<<"$cfg" >/dev/null
	done
	c1=CNI-$(printf '%s' "bnetr1" | sha512sum | cut -c1-24)
	c2=CNI-$(printf '%s' "bnetr2" | sha512sum | cut -c1-24)
	hostns nft list chain ip nat "$c1" >/dev/null
	hostns nft list chain ip nat POSTROUTING | grep -q "jump $c1"
	# the node now runs our bridge: DEL of the first pod removes its chain and jump only
	cni DEL r1 "$P1" "$cfg"
	! hostns nft list chain ip nat "$c1" >/dev/null 2>&1 || false
	! hostns nft list chain ip nat POSTROUTING | grep -q "jump $c1" || false
	hostns nft list chain ip nat "$c2" >/dev/null
	hostns nft list chain ip nat POSTROUTING | grep -q "jump $c2"
	# and iptables still reads its table
	hostns iptables -t nat -S POSTROUTING | grep -q -- "-j $c2"
	cni DEL r2 "$P2" "$cfg"
	! hostns nft list table ip nat | grep -q 'CNI-' || false
	# a second DEL finds nothing and succeeds
	cni DEL r2 "$P2" "$cfg"
	nothing_left
}

# check_fails CFG OUT MSG: CHECK of pod c1 in $P1 with OUT as prevResult fails with the
# reference's internal error code and a message holding MSG.
check_fails() {
	run cni CHECK c1 "$P1" "$(with_prev "$1" "$2")"
	[ "$status" -eq 1 ] || { echo "status $status: $output"; return 1; }
	[ "$(jq -r .code <<<"$output")" = 999 ] || { echo "code: $output"; return 1; }
	[[ "$(jq -r .msg <<<"$output")" == *"$3"* ]] || { echo "msg: $output"; return 1; }
}

@test "CHECK notices a changed bridge MAC, a veth off the bridge, a changed veth or container MAC" {
	local cfg out veth brmac vmac cmac
	cfg=$(conf 1.0.0 '"isGateway":true')
	out=$(cni ADD c1 "$P1" "$cfg")
	cni CHECK c1 "$P1" "$(with_prev "$cfg" "$out")"
	veth=$(jq -r '.interfaces[1].name' <<<"$out")
	brmac=$(jq -r '.interfaces[0].mac' <<<"$out")
	vmac=$(jq -r '.interfaces[1].mac' <<<"$out")
	cmac=$(jq -r '.interfaces[2].mac' <<<"$out")
	[ "$brmac" = "$(ip -n "$H" -j link show cni0 | jq -r '.[0].address')" ]
	[ "$vmac" = "$(ip -n "$H" -j link show "$veth" | jq -r '.[0].address')" ]
	[ "$cmac" = "$(ip -n "$P1" -j link show eth0 | jq -r '.[0].address')" ]

	# The bridge's MAC differs from the result's.
	ip -n "$H" link set cni0 address 02:00:5e:10:00:01
	check_fails "$cfg" "$out" "Bridge interface cni0 Mac doesn't match: $brmac"
	ip -n "$H" link set cni0 address "$brmac"
	cni CHECK c1 "$P1" "$(with_prev "$cfg" "$out")"

	# The host veth is no longer a port of the bridge.
	ip -n "$H" link set "$veth" nomaster
	[ "$(ip -n "$H" -j link show "$veth" | jq -r '.[0].master // empty')" = "" ]
	check_fails "$cfg" "$out" "Interface $veth not part of bridge cni0"
	ip -n "$H" link set "$veth" master cni0
	[ "$(ip -n "$H" -j link show "$veth" | jq -r '.[0].master')" = cni0 ]
	cni CHECK c1 "$P1" "$(with_prev "$cfg" "$out")"

	# The host veth's MAC differs from the result's (the bridge keeps its set MAC).
	ip -n "$H" link set "$veth" address 02:00:5e:10:00:02
	[ "$(ip -n "$H" -j link show cni0 | jq -r '.[0].address')" = "$brmac" ]
	check_fails "$cfg" "$out" "Interface $veth Mac doesn't match: $vmac"
	ip -n "$H" link set "$veth" address "$vmac"
	cni CHECK c1 "$P1" "$(with_prev "$cfg" "$out")"

	# The container interface's MAC differs from the result's.
	ip -n "$P1" link set eth0 address 02:00:5e:10:00:03
	check_fails "$cfg" "$out" "Interface eth0 Mac $cmac doesn't match container Mac"
	ip -n "$P1" link set eth0 address "$cmac"
	cni CHECK c1 "$P1" "$(with_prev "$cfg" "$out")"

	cni DEL c1 "$P1" "$cfg"
	nothing_left
}

@test "CHECK notices a bridge whose promiscuous mode differs from promiscMode, both ways" {
	local cfg out
	# promiscMode false (the default), and the bridge turned promiscuous.
	cfg=$(conf 1.0.0 '"isGateway":true')
	out=$(cni ADD c1 "$P1" "$cfg")
	! ip -n "$H" link show cni0 | grep -q PROMISC || false
	cni CHECK c1 "$P1" "$(with_prev "$cfg" "$out")"
	ip -n "$H" link set cni0 promisc on
	ip -n "$H" link show cni0 | grep -q PROMISC
	check_fails "$cfg" "$out" \
		"Bridge interface cni0 configured Promisc Mode false doesn't match current state: true"
	ip -n "$H" link set cni0 promisc off
	! ip -n "$H" link show cni0 | grep -q PROMISC || false
	cni CHECK c1 "$P1" "$(with_prev "$cfg" "$out")"
	cni DEL c1 "$P1" "$cfg"
	nothing_left

	# promiscMode true, and the bridge no longer promiscuous.
	cfg=$(conf 1.0.0 '"isGateway":true,"promiscMode":true')
	out=$(cni ADD c1 "$P1" "$cfg")
	ip -n "$H" link show cni0 | grep -q PROMISC
	cni CHECK c1 "$P1" "$(with_prev "$cfg" "$out")"
	ip -n "$H" link set cni0 promisc off
	! ip -n "$H" link show cni0 | grep -q PROMISC || false
	check_fails "$cfg" "$out" \
		"Bridge interface cni0 configured Promisc Mode true doesn't match current state: false"
	ip -n "$H" link set cni0 promisc on
	ip -n "$H" link show cni0 | grep -q PROMISC
	cni CHECK c1 "$P1" "$(with_prev "$cfg" "$out")"
	cni DEL c1 "$P1" "$cfg"
	nothing_left
}
