#!/usr/bin/env bats
# SPDX-License-Identifier: Apache-2.0
# The sbr plugin chained after our ptp and bridge (with our static IPAM, so addresses are the
# same every run), side by side with the reference (/usr/lib/cni/sbr): the same `ip rule`
# lines and the same routes in every table of the container, in one and two address
# families and with a table already taken; switching both ways (one's ADD undone by the
# other's DEL); the fixed "table" key; and hostile input. Namespaces are made here: one is
# the host, one the container.

load helpers

REF=/usr/lib/cni/sbr

setup() {
	require_root
	command -v jq >/dev/null || skip "jq missing"
	[ -x "$REF" ] || skip "reference sbr not installed"
	OURS=$LINEN_BUILD/plugins/sbr/sbr
	[ -x "$OURS" ] || skip "sbr not built in $LINEN_BUILD"
	BIN=$(linen_cni_bin)
	[ -x "$BIN/ptp" ] || skip "ptp not built"
	[ -x "$BIN/static" ] || skip "static not built"
	H=$(netns_new sbrhost)
	P=$(netns_new sbrpod)
}

teardown() {
	linen_teardown
}

# run_in_host <plugin binary> <command> <config>
plug() {
	ip netns exec "$H" env -i PATH="$PATH" CNI_COMMAND="$2" CNI_CONTAINERID=sbr-ctr \
		CNI_NETNS="/run/netns/$P" CNI_IFNAME=eth0 CNI_PATH="$BIN" "$1" 2>/dev/null <<<"$3"
}

V4='"addresses":[{"address":"10.66.0.5/24","gateway":"10.66.0.1"}],"routes":[{"dst":"0.0.0.0/0"}]'
DUAL='"addresses":[{"address":"10.66.0.5/24","gateway":"10.66.0.1"},{"address":"fd66::5/64","gateway":"fd66::1"}],"routes":[{"dst":"0.0.0.0/0"},{"dst":"10.99.0.0/16","gw":"10.66.0.1"}]'

main_conf() { # main_conf <ptp|bridge> <static body>
	echo "{\"cniVersion\":\"1.0.0\",\"name\":\"sbrnet\",\"type\":\"$1\",\"bridge\":\"sbr0\",\"isGateway\":true,\"ipam\":{\"type\":\"static\",$2}}"
}

sbr_conf() { # sbr_conf <prevResult> [extra keys]
	jq -c --argjson r "$1" ". + {prevResult: \$r}${2:+ + $2}" <<<'{"cniVersion":"1.0.0","name":"sbrnet","type":"sbr"}'
}

# The container's policy routing: the rules, then the routes of every table but local.
pod_state() {
	ip -n "$P" -4 rule show
	ip -n "$P" -6 rule show
	ip -n "$P" -4 route show table all | grep -v '^local \|^broadcast \|table local' | sort
	ip -n "$P" -6 route show table all | grep -v '^local \|^multicast \|^anycast \|table local' | sort
}

# side <ptp|bridge> <static body> <ref|ours> [extra sbr keys]: main ADD, sbr ADD; prints state
side() {
	local main res bin=$OURS
	[ "$3" = ref ] && bin=$REF
	main=$(main_conf "$1" "$2")
	res=$(plug "$BIN/$1" ADD "$main") || return 1
	plug "$bin" ADD "$(sbr_conf "$res" "$4")" >/dev/null || return 1
	pod_state
}

# undo <ptp|bridge> <static body> <ref|ours>: sbr DEL then the main plugin's DEL
undo() {
	local main bin=$OURS
	[ "$3" = ref ] && bin=$REF
	main=$(main_conf "$1" "$2")
	plug "$bin" DEL "$(sbr_conf '{"cniVersion":"1.0.0"}')" || return 1
	plug "$BIN/$1" DEL "$main"
}

@test "after ptp: rule and table 100 with the interface's routes; CHECK; DEL; DEL again" {
	local main res out
	main=$(main_conf ptp "$V4")
	run plug "$BIN/ptp" ADD "$main"
	[ "$status" -eq 0 ]
	res=$output
	run plug "$OURS" ADD "$(sbr_conf "$res")"
	[ "$status" -eq 0 ]
	[ "$(jq -S . <<<"$output")" = "$(jq -S . <<<"$res")" ]
	run ip -n "$P" rule show
	[ "$status" -eq 0 ]
	[[ "$output" == *"32765:	from 10.66.0.5 lookup 100"* ]]
	run ip -n "$P" -4 route show table 100
	[ "$status" -eq 0 ]
	[[ "$output" == *"default via 10.66.0.1 dev eth0"* ]]
	[[ "$output" == *"10.66.0.0/24 via 10.66.0.1 dev eth0 src 10.66.0.5"* ]]
	run ip -n "$P" -4 route show table main
	[ "$status" -eq 0 ]
	[ -z "$output" ]
	run ip netns exec "$P" ping -c1 -W2 -I 10.66.0.5 10.66.0.1
	[ "$status" -eq 0 ]
	run plug "$OURS" CHECK "$(sbr_conf "$res")"
	[ "$status" -eq 0 ]
	run plug "$OURS" DEL "$(sbr_conf "$res")"
	[ "$status" -eq 0 ]
	run ip -n "$P" rule show
	[ "$status" -eq 0 ]
	[[ "$output" != *"lookup 100"* ]]
	run ip -n "$P" route show table 100
	[ "$status" -eq 0 ]
	[ -z "$output" ]
	run plug "$OURS" CHECK "$(sbr_conf "$res")"
	[ "$status" -eq 1 ]
	[ "$(jq -r .msg <<<"$output")" = "sbr: no rule for source 10.66.0.5" ]
	run plug "$OURS" DEL "$(sbr_conf "$res")"
	[ "$status" -eq 0 ]
	run plug "$BIN/ptp" DEL "$main"
	[ "$status" -eq 0 ]
	run plug "$OURS" DEL "$(sbr_conf "$res")"
	[ "$status" -eq 0 ]
}

@test "side by side with the reference: the same rules and tables after ptp and bridge" {
	local main ref ours body
	for main in ptp bridge; do
		[ -x "$BIN/$main" ] || skip "$main not built"
		for body in "$V4" "$DUAL"; do
			run side "$main" "$body" ref
			[ "$status" -eq 0 ]
			ref=$output
			[[ "$ref" == *"lookup 100"* ]]
			run undo "$main" "$body" ref
			[ "$status" -eq 0 ]
			run side "$main" "$body" ours
			[ "$status" -eq 0 ]
			ours=$output
			[ "$ours" = "$ref" ]
			run undo "$main" "$body" ours
			[ "$status" -eq 0 ]
			run ip -n "$P" rule show
			[ "$status" -eq 0 ]
			[ "$(wc -l <<<"$output")" = 3 ]
		done
	done
	[[ "$ref" == *"lookup 101"* ]]
}

@test "a table already named by a rule is skipped, as the reference does" {
	local ref ours
	ip -n "$P" rule add from 192.0.2.1 lookup 100
	run side ptp "$V4" ref
	[ "$status" -eq 0 ]
	ref=$output
	[[ "$ref" == *"from 10.66.0.5 lookup 101"* ]]
	run undo ptp "$V4" ref
	[ "$status" -eq 0 ]
	run side ptp "$V4" ours
	[ "$status" -eq 0 ]
	ours=$output
	[ "$ours" = "$ref" ]
	run undo ptp "$V4" ours
	[ "$status" -eq 0 ]
	run ip -n "$P" rule show
	[ "$status" -eq 0 ]
	[[ "$output" == *"from 192.0.2.1 lookup 100"* ]]
}

@test "switching: the reference's ADD undone by our DEL, ours by the reference's" {
	local res
	run side ptp "$DUAL" ref
	[ "$status" -eq 0 ]
	run plug "$OURS" DEL "$(sbr_conf '{"cniVersion":"1.0.0"}')"
	[ "$status" -eq 0 ]
	run ip -n "$P" rule show
	[ "$status" -eq 0 ]
	[ "$(wc -l <<<"$output")" = 3 ]
	run ip -n "$P" -6 rule show
	[ "$status" -eq 0 ]
	[ "$(wc -l <<<"$output")" = 2 ]
	run plug "$BIN/ptp" DEL "$(main_conf ptp "$DUAL")"
	[ "$status" -eq 0 ]

	run side ptp "$DUAL" ours
	[ "$status" -eq 0 ]
	[[ "$output" == *"from fd66::5 lookup 101"* ]]
	run plug "$REF" DEL "$(sbr_conf '{"cniVersion":"1.0.0"}')"
	[ "$status" -eq 0 ]
	run ip -n "$P" rule show
	[ "$status" -eq 0 ]
	[ "$(wc -l <<<"$output")" = 3 ]
	run ip -n "$P" -6 rule show
	[ "$status" -eq 0 ]
	[ "$(wc -l <<<"$output")" = 2 ]
}

@test "table key: only the rules, into that table; DEL removes only those" {
	local res
	ip -n "$P" rule add from 192.0.2.9 lookup 500
	# the same source into another table: not ours to remove with "table": 500
	ip -n "$P" rule add from 10.66.0.5 lookup 600
	run side ptp "$V4" ours '{table: 500}'
	[ "$status" -eq 0 ]
	[[ "$output" == *"from 10.66.0.5 lookup 500"* ]]
	[[ "$output" == *"default via 10.66.0.1 dev eth0"* ]]
	run ip -n "$P" route show table all
	[ "$status" -eq 0 ]
	[[ "$output" != *"table 500"* ]]
	run plug "$OURS" DEL "$(sbr_conf '{"cniVersion":"1.0.0"}' '{table: 500}')"
	[ "$status" -eq 0 ]
	run ip -n "$P" rule show
	[ "$status" -eq 0 ]
	[[ "$output" != *"from 10.66.0.5 lookup 500"* ]]
	[[ "$output" == *"from 10.66.0.5 lookup 600"* ]]
	[[ "$output" == *"from 192.0.2.9 lookup 500"* ]]
}

@test "hostile input: errors, nothing changed" {
	local main res
	main=$(main_conf ptp "$V4")
	run plug "$BIN/ptp" ADD "$main"
	[ "$status" -eq 0 ]
	res=$output
	run plug "$OURS" ADD '{"cniVersion":"1.0.0","name":"sbrnet","type":"sbr"}'
	[ "$status" -eq 1 ]
	[ "$(jq -r .msg <<<"$output")" = "This plugin must be called as chained plugin" ]
	run plug "$REF" ADD "$(sbr_conf '{"cniVersion":"1.0.0","interfaces":[{"name":"eth0"}]}')"
	[ "$status" -eq 1 ]
	[ "$(jq -r .msg <<<"$output")" = "No IP addresses supplied on interface: eth0" ]
	run plug "$OURS" ADD "$(sbr_conf '{"cniVersion":"1.0.0","interfaces":[{"name":"eth0"}]}')"
	[ "$status" -eq 1 ]
	[ "$(jq -r .msg <<<"$output")" = "No IP addresses supplied on interface: eth0" ]
	run plug "$OURS" ADD "$(sbr_conf "$res" '{table: "x"}')"
	[ "$status" -eq 1 ]
	[ "$(jq -r .code <<<"$output")" = 7 ]
	[ "$(jq -r .msg <<<"$output")" = "failed to parse network configuration: json: cannot unmarshal string into Go struct field PluginConf.table of type int" ]
	run ip netns exec "$H" env -i PATH="$PATH" CNI_COMMAND=ADD CNI_CONTAINERID=sbr-ctr \
		CNI_NETNS=/run/netns/linen-no-such-ns CNI_IFNAME=eth0 CNI_PATH="$BIN" "$OURS" \
		<<<"$(sbr_conf "$res")"
	[ "$status" -eq 1 ]
	[ "$(jq -r .msg <<<"$output")" = 'failed to open netns "/run/netns/linen-no-such-ns": No such file or directory' ]
	run ip netns exec "$H" env -i PATH="$PATH" CNI_COMMAND=DEL CNI_CONTAINERID=sbr-ctr \
		CNI_NETNS=/run/netns/linen-no-such-ns CNI_IFNAME=eth0 CNI_PATH="$BIN" "$OURS" \
		<<<"$(sbr_conf "$res")"
	[ "$status" -eq 0 ]
	run ip -n "$P" rule show
	[ "$status" -eq 0 ]
	[ "$(wc -l <<<"$output")" = 3 ]
	run ip -n "$P" -4 route show table main
	[ "$status" -eq 0 ]
	[[ "$output" == *"default via 10.66.0.1 dev eth0"* ]]
}
