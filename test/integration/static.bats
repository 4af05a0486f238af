#!/usr/bin/env bats
# SPDX-License-Identifier: Apache-2.0
# The static IPAM plugin side by side with the reference (/usr/lib/cni/static): the same
# configs, CNI_ARGS, args.cni.ips and runtimeConfig.ips give the same result JSON (compared
# byte for byte after `jq -S`) in every spec version the reference knows; bad input fails
# with the same message (code 7 with us, 999 with the reference, whose skel wraps every plain
# error); CHECK and DEL agree, also across the two (one's ADD result checked by the other).
# Last, static as the IPAM of our ptp and bridge in namespaces made here.

load helpers

REF=/usr/lib/cni/static

setup() {
	require_root
	command -v jq >/dev/null || skip "jq missing"
	[ -x "$REF" ] || skip "reference static not installed"
	OURS=$LINEN_BUILD/plugins/static/static
	[ -x "$OURS" ] || skip "static not built in $LINEN_BUILD"
	BIN=$(linen_cni_bin)
	POD=$(netns_new stpod)
}

teardown() {
	linen_teardown
}

# st <ours|ref> <command> <config> [VAR=value...]
st() {
	local bin=$OURS
	[ "$1" = ref ] && bin=$REF
	local cmd=$2 cfg=$3
	shift 3
	env -i PATH="$PATH" CNI_COMMAND="$cmd" CNI_CONTAINERID=st-ctr CNI_NETNS="/run/netns/$POD" \
		CNI_IFNAME=eth0 CNI_PATH="$BIN" "$@" "$bin" <<<"$cfg"
}

# conf <version> <ipam body> [extra top-level keys]
conf() {
	echo "{\"cniVersion\":\"$1\",\"name\":\"stnet\",\"type\":\"x\"${3:+,$3},\"ipam\":{\"type\":\"static\"${2:+,$2}}}"
}

FULL='"addresses":[{"address":"10.1.2.3/24","gateway":"10.1.2.1"},{"address":"fd00::5/64","gateway":"fd00::1"}],"routes":[{"dst":"0.0.0.0/0"},{"dst":"10.9.0.5/16","gw":"10.1.2.9"},{"dst":"::/0"}],"dns":{"nameservers":["8.8.8.8"],"domain":"ex","search":["a","b"],"options":["ndots:1"]}'

# same_result <config> [VAR=value...]: both succeed with the same JSON.
same_result() {
	local cfg=$1 ref
	shift
	run st ref ADD "$cfg" "$@"
	[ "$status" -eq 0 ]
	ref=$(jq -S . <<<"$output")
	run st ours ADD "$cfg" "$@"
	[ "$status" -eq 0 ]
	[ "$(jq -S . <<<"$output")" = "$ref" ]
}

# same_error <config> <message> [VAR=value...]
same_error() {
	local cfg=$1 msg=$2
	shift 2
	run st ref ADD "$cfg" "$@"
	[ "$status" -eq 1 ]
	[ "$(jq -r .code <<<"$output")" = 999 ]
	[ "$(jq -r .msg <<<"$output")" = "$msg" ]
	run st ours ADD "$cfg" "$@"
	[ "$status" -eq 1 ]
	[ "$(jq -r .code <<<"$output")" = 7 ]
	[ "$(jq -r .msg <<<"$output")" = "$msg" ]
}

@test "ADD: the same result JSON as the reference in every spec version" {
	local v
	for v in 0.3.0 0.3.1 0.4.0 1.0.0; do
		same_result "$(conf "$v" "$FULL")"
	done
	for v in 0.1.0 0.2.0; do
		same_result "$(conf "$v" "$FULL")"
	done
	same_result "$(conf 1.0.0 '')"
	run st ours ADD "$(conf 1.0.0 "$FULL")"
	[ "$status" -eq 0 ]
	[ "$(jq -r '.ips[0].address' <<<"$output")" = 10.1.2.3/24 ]
	[ "$(jq -r '.routes[1].dst' <<<"$output")" = 10.9.0.5/16 ]
}

@test "ADD: CNI_ARGS IP and GATEWAY, args.cni.ips and runtimeConfig.ips as the reference" {
	local base='"addresses":[{"address":"10.1.2.3/24"}]'
	same_result "$(conf 1.0.0 "$base")" CNI_ARGS="IP=10.7.0.1/16, fd07::1/64;GATEWAY=10.7.0.254,fd07::fe"
	same_result "$(conf 0.4.0 "$base")" CNI_ARGS="IgnoreUnknown=1;K8S_POD_NAME=p;IP=10.7.0.1/16"
	same_result "$(conf 1.0.0 "$base" '"args":{"cni":{"ips":["10.6.6.6/8","fd00::6/64"]}}')" \
		CNI_ARGS="IP=10.7.0.1/16"
	same_result "$(conf 1.0.0 "$base" '"args":{"cni":{"ips":["10.6.6.6/8"]}},"runtimeConfig":{"ips":["10.5.5.5/8"]}')"
	same_result "$(conf 1.0.0 "$base" '"runtimeConfig":{"ips":[]}')"
	# a gateway of the other family is passed on, as the reference does
	same_result "$(conf 0.2.0 '"addresses":[{"address":"10.1.2.3/24","gateway":"fd00::1"}]')"
}

@test "bad input: the reference's message, nothing written" {
	same_error "$(conf 1.0.0 '"addresses":[{"address":"10.1.2.3/33"}]')" \
		"the 'address' field is expected to be in CIDR notation, got: '10.1.2.3/33'"
	same_error "$(conf 1.0.0 '"addresses":[{"address":"10.1.2.3"}]')" \
		"the 'address' field is expected to be in CIDR notation, got: '10.1.2.3'"
	same_error "$(conf 1.0.0 '"addresses":[{"address":"10.1.2.3/24","gateway":"10.1.2"}]')" \
		"invalid IP address: 10.1.2"
	same_error "$(conf 1.0.0 '"addresses":[{"address":["x"]}]')" \
		"json: cannot unmarshal array into Go struct field Address.ipam.addresses.address of type string"
	same_error "$(conf 1.0.0 '"routes":[{"dst":"10.0.0.0/40"}]')" "invalid CIDR address: 10.0.0.0/40"
	same_error "$(conf 1.0.0 '"routes":{}')" \
		"json: cannot unmarshal object into Go struct field IPAMConfig.ipam.routes of type []*types.Route"
	same_error '{"cniVersion":"1.0.0","name":"stnet","type":"x"}' "IPAM config missing 'ipam' key"
	same_error "$(conf 0.2.0 '"addresses":[{"address":"10.1.2.3/24"},{"address":"10.1.2.4/24"}]')" \
		"CNI version 0.2.0 does not support more than 1 address per family"
	same_error "$(conf 1.0.0 '')" "the 'ip' field is expected to be in CIDR notation, got: '10.7.0.1'" \
		CNI_ARGS="IP=10.7.0.1"
	same_error "$(conf 1.0.0 '')" "invalid gateway address: 10.7.0" CNI_ARGS="IP=10.7.0.1/8;GATEWAY=10.7.0"
	same_error "$(conf 1.0.0 '' '"runtimeConfig":{"ips":["fd00::1"]}')" \
		"an entry in the 'ips' field is NOT in CIDR notation, got: 'fd00::1'"
	run st ours ADD "$(conf 1.0.0 '')" CNI_ARGS="FOO=1"
	[ "$status" -eq 1 ]
	[ "$(jq -r .code <<<"$output")" = 4 ]
	[ "$(jq -r .msg <<<"$output")" = 'ARGS: unknown args ["FOO=1"]' ]
	run ip -n "$POD" -o addr show
	[ "$status" -eq 0 ]
	[ "$(grep -vc ' lo ' <<<"$output")" = 0 ]
}

@test "CHECK and DEL agree, also across the reference and ours both ways" {
	local cfg res other
	cfg=$(conf 1.0.0 "$FULL")
	run st ref ADD "$cfg"
	[ "$status" -eq 0 ]
	res=$output
	run st ours CHECK "$(jq -c --argjson r "$res" '. + {prevResult: $r}' <<<"$cfg")"
	[ "$status" -eq 0 ]
	[ -z "$output" ]
	run st ours ADD "$cfg"
	[ "$status" -eq 0 ]
	res=$output
	run st ref CHECK "$(jq -c --argjson r "$res" '. + {prevResult: $r}' <<<"$cfg")"
	[ "$status" -eq 0 ]
	[ -z "$output" ]
	# a gateway that differs from the config's: both fail with the same text
	other=$(jq -c '.ips[0].gateway = "10.1.2.2"' <<<"$res")
	run st ref CHECK "$(jq -c --argjson r "$other" '. + {prevResult: $r}' <<<"$cfg")"
	[ "$status" -eq 1 ]
	[ "$(jq -r .msg <<<"$output")" = "static: Failed to match addr 10.1.2.3 on interface eth0" ]
	run st ours CHECK "$(jq -c --argjson r "$other" '. + {prevResult: $r}' <<<"$cfg")"
	[ "$status" -eq 1 ]
	[ "$(jq -r .msg <<<"$output")" = "static: Failed to match addr 10.1.2.3 on interface eth0" ]
	[ "$(jq -r .code <<<"$output")" = 999 ]
	run st ours CHECK "$cfg"
	[ "$status" -eq 1 ]
	[ "$(jq -r .msg <<<"$output")" = "Required prevResult missing" ]
	run st ours DEL "$cfg"
	[ "$status" -eq 0 ]
	[ -z "$output" ]
	run st ours DEL "$cfg"
	[ "$status" -eq 0 ]
	run st ref DEL "$cfg"
	[ "$status" -eq 0 ]
}

@test "static as the IPAM of our ptp and bridge: addresses and routes in the pod" {
	local host cfg res plugin
	host=$(netns_new sthost)
	for plugin in ptp bridge; do
		[ -x "$BIN/$plugin" ] || skip "$plugin not built"
		cfg="{\"cniVersion\":\"1.0.0\",\"name\":\"stnet\",\"type\":\"$plugin\",\"bridge\":\"stbr0\",\"isGateway\":true,\"ipam\":{\"type\":\"static\",\"addresses\":[{\"address\":\"10.77.0.5/24\",\"gateway\":\"10.77.0.1\"}],\"routes\":[{\"dst\":\"10.88.0.0/16\"}]}}"
		run ip netns exec "$host" env CNI_COMMAND=ADD CNI_CONTAINERID=st-ctr \
			CNI_NETNS="/run/netns/$POD" CNI_IFNAME=eth0 CNI_PATH="$BIN" "$BIN/$plugin" <<<"$cfg"
		[ "$status" -eq 0 ]
		res=$output
		[ "$(jq -r '.ips[0].address' <<<"$output")" = 10.77.0.5/24 ]
		[ "$(jq -r '.ips[0].gateway' <<<"$output")" = 10.77.0.1 ]
		run ip -n "$POD" -o -4 addr show dev eth0
		[ "$status" -eq 0 ]
		[[ "$output" == *"inet 10.77.0.5/24"* ]]
		run ip -n "$POD" -4 route show
		[ "$status" -eq 0 ]
		[[ "$output" == *"10.88.0.0/16 via 10.77.0.1 dev eth0"* ]]
		run ip netns exec "$POD" ping -c1 -W2 10.77.0.1
		[ "$status" -eq 0 ]
		run ip netns exec "$host" env CNI_COMMAND=CHECK CNI_CONTAINERID=st-ctr \
			CNI_NETNS="/run/netns/$POD" CNI_IFNAME=eth0 CNI_PATH="$BIN" "$BIN/$plugin" \
			<<<"$(jq -c --argjson r "$res" '. + {prevResult: $r}' <<<"$cfg")"
		[ "$status" -eq 0 ]
		run ip netns exec "$host" env CNI_COMMAND=DEL CNI_CONTAINERID=st-ctr \
			CNI_NETNS="/run/netns/$POD" CNI_IFNAME=eth0 CNI_PATH="$BIN" "$BIN/$plugin" <<<"$cfg"
		[ "$status" -eq 0 ]
		run ip -n "$POD" link show eth0
		[ "$status" -ne 0 ]
	done
}
