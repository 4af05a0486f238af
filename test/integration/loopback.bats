#!/usr/bin/env bats
# SPDX-License-Identifier: Apache-2.0
# The loopback plugin in throwaway namespaces: every spec version, ADD → `lo` up with the
# reference's result → CHECK → DEL → `lo` down → DEL again; prevResult pass-through; a foreign
# address on lo is refused; DEL without or with a vanished netns; byte-for-byte agreement with
# the reference plugin (/usr/lib/cni/loopback, spec <= 1.0.0).

load helpers

REF=/usr/lib/cni/loopback

setup() {
	require_root
	LO=$LINEN_BUILD/plugins/loopback/loopback
	[ -x "$LO" ] || skip "loopback not built in $LINEN_BUILD"
	HOST=$(netns_new host)
	POD=$(netns_new pod)
	# netns_new brings lo up; a fresh container starts with it down.
	ip -n "$POD" link set lo down
}

teardown() {
	linen_teardown
}

conf() {
	echo "{\"cniVersion\":\"$1\",\"name\":\"lonet\",\"type\":\"loopback\"${2:+,$2}}"
}

# plugin <binary> <command> <config> [VAR=value...]: run in the "host" namespace.
plugin() {
	local bin=$1 cmd=$2 cfg=$3
	shift 3
	ip netns exec "$HOST" env CNI_COMMAND="$cmd" CNI_CONTAINERID=ctr1 \
		CNI_NETNS="/run/netns/$POD" CNI_IFNAME=eth0 CNI_PATH=/nonexistent "$@" \
		"$bin" <<<"$cfg"
}

lo_up() {
	ip -n "$POD" -o link show lo | grep -q '<[^>]*\bUP\b'
}

@test "ADD, CHECK, DEL, DEL again in every spec version" {
	local v
	for v in 0.1.0 0.2.0 0.3.0 0.3.1 0.4.0 1.0.0 1.1.0; do
		! lo_up || false
		run plugin "$LO" ADD "$(conf "$v")"
		[ "$status" -eq 0 ] || { echo "$v: $output"; false; }
		lo_up
		ip netns exec "$POD" ping -c1 -W1 127.0.0.1 >/dev/null
		ip netns exec "$POD" ping -6 -c1 -W1 ::1 >/dev/null
		[ "$(jq -r .cniVersion <<<"$output")" = "$v" ]
		case $v in
		0.1.0 | 0.2.0)
			[ "$(jq -r .ip4.ip <<<"$output")" = 127.0.0.1/8 ]
			[ "$(jq -r .ip6.ip <<<"$output")" = ::1/128 ]
			[ "$(jq -r 'has("interfaces")' <<<"$output")" = false ] ;;
		*)
			[ "$(jq -c .interfaces <<<"$output")" = \
				"[{\"name\":\"lo\",\"mac\":\"00:00:00:00:00:00\",\"sandbox\":\"/run/netns/$POD\"}]" ]
			[ "$(jq -r '.ips[0].address' <<<"$output")" = 127.0.0.1/8 ]
			[ "$(jq -r '.ips[1].address' <<<"$output")" = ::1/128 ]
			[ "$(jq -r '.ips[0].interface' <<<"$output")" = 0 ]
			[ "$(jq -r '.ips[1].interface' <<<"$output")" = 0 ] ;;
		esac
		case $v in 0.3.* | 0.4.0) [ "$(jq -r '.ips[0].version' <<<"$output")" = 4 ] ;; esac
		if [ "$v" = 0.4.0 ] || [ "$v" = 1.0.0 ] || [ "$v" = 1.1.0 ]; then
			plugin "$LO" CHECK "$(conf "$v")"
		fi
		plugin "$LO" DEL "$(conf "$v")"
		! lo_up || false
		if [ "$v" = 1.1.0 ]; then
			run plugin "$LO" CHECK "$(conf "$v")"
			[ "$status" -eq 1 ]
			[ "$(jq -r .msg <<<"$output")" = "loopback interface is down" ]
			plugin "$LO" STATUS "$(conf "$v")"
			plugin "$LO" GC "$(conf "$v" '"cni.dev/valid-attachments":[]')"
		fi
		plugin "$LO" DEL "$(conf "$v")"
		! lo_up || false
	done
}

@test "CNI_IFNAME is ignored: always lo" {
	run plugin "$LO" ADD "$(conf 1.0.0)" CNI_IFNAME=nothere0
	[ "$status" -eq 0 ]
	[ "$(jq -r '.interfaces[0].name' <<<"$output")" = lo ]
	lo_up
	! ip -n "$POD" link show nothere0 2>/dev/null || false
}

@test "a chained loopback passes prevResult through unchanged" {
	local prev='{"cniVersion":"1.0.0","interfaces":[{"name":"eth0","mac":"aa:bb:cc:dd:ee:ff","sandbox":"/x"}],"ips":[{"interface":0,"address":"10.1.2.3/24","gateway":"10.1.2.1"}],"routes":[{"dst":"0.0.0.0/0"}],"dns":{"nameservers":["10.0.0.10"]}}'
	run plugin "$LO" ADD "$(conf 1.0.0 "\"prevResult\":$prev")"
	[ "$status" -eq 0 ]
	[ "$(jq -S . <<<"$output")" = "$(jq -S . <<<"$prev")" ]
	lo_up
	# Rendered in the config's version.
	run plugin "$LO" ADD "$(conf 0.4.0 "\"prevResult\":${prev/1.0.0/0.4.0}")"
	[ "$status" -eq 0 ]
	[ "$(jq -r '.ips[0].version' <<<"$output")" = 4 ]
	[ "$(jq -r '.ips[0].address' <<<"$output")" = 10.1.2.3/24 ]
}

@test "a non-loopback address on lo is refused" {
	ip -n "$POD" addr add 192.0.2.7/32 dev lo
	run plugin "$LO" ADD "$(conf 1.0.0)"
	[ "$status" -eq 1 ]
	[ "$(jq -r .code <<<"$output")" = 999 ]
	[[ "$(jq -r .msg <<<"$output")" == *'non-loopback address "192.0.2.7"'* ]]
}

@test "DEL succeeds without CNI_NETNS and with a vanished netns; ADD with one fails" {
	run plugin "$LO" DEL "$(conf 1.0.0)" CNI_NETNS=
	[ "$status" -eq 0 ]
	run plugin "$LO" DEL "$(conf 1.0.0)" CNI_NETNS=/run/netns/linen-gone-$$
	[ "$status" -eq 0 ]
	run plugin "$LO" ADD "$(conf 1.0.0)" CNI_NETNS=/run/netns/linen-gone-$$
	[ "$status" -eq 1 ]
	[[ "$(jq -r .msg <<<"$output")" == *"linen-gone-$$"* ]]
}

@test "results are byte-identical to the reference plugin's" {
	[ -x "$REF" ] || skip "reference loopback not installed"
	local v ours theirs prev
	ours=$(plugin "$LO" ADD "$(conf 1.0.0)")
	plugin "$LO" DEL "$(conf 1.0.0)"
	theirs=$(plugin "$REF" ADD "$(conf 1.0.0)")
	[ "$ours" = "$theirs" ] || { diff <(echo "$ours") <(echo "$theirs"); false; }
	plugin "$REF" DEL "$(conf 1.0.0)"
	! lo_up || false
	# Below 1.0.0 the reference prints its 1.0.0-shaped result under the old version number
	# (no ip4/ip6 for 0.1.0/0.2.0, no ips[].version for 0.3.x/0.4.0) -- a result those
	# versions' parsers misread. Ours is the same data converted by the spec's rules.
	for v in 0.1.0 0.3.1 0.4.0; do
		ours=$(plugin "$LO" ADD "$(conf "$v")")
		theirs=$(plugin "$REF" ADD "$(conf "$v")")
		[ "$(jq -c '.ips // [.ip4, .ip6] | map(.address // .ip)' <<<"$ours")" = \
			"$(jq -c '.ips | map(.address)' <<<"$theirs")" ]
	done
	# Chained: prevResult is passed through identically.
	for v in 0.2.0 0.4.0 1.0.0; do
		case $v in
		0.2.0) prev='{"cniVersion":"0.2.0","ip6":{"ip":"fd00::3/64","gateway":"fd00::1"},"dns":{}}' ;;
		0.4.0) prev='{"cniVersion":"0.4.0","interfaces":[{"name":"eth0","sandbox":"/x"}],"ips":[{"version":"6","interface":0,"address":"fd00::3/64"}],"dns":{}}' ;;
		*) prev='{"cniVersion":"1.0.0","interfaces":[{"name":"eth0","sandbox":"/x"}],"ips":[{"interface":0,"address":"fd00::3/64"}],"dns":{}}' ;;
		esac
		ours=$(plugin "$LO" ADD "$(conf "$v" "\"prevResult\":$prev")")
		theirs=$(plugin "$REF" ADD "$(conf "$v" "\"prevResult\":$prev")")
		[ "$ours" = "$theirs" ] || { echo "$v"; diff <(echo "$ours") <(echo "$theirs"); false; }
	done
}
