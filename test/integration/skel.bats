#!/usr/bin/env bats
# SPDX-License-Identifier: Apache-2.0
# The plugin SDK as a real binary: plugins/example run with CNI_* variables
# and a config on stdin. Nothing here touches the network (the netns paths
# are only stat()ed), so no root is needed. Where the reference plugins are
# installed (/usr/lib/cni), the SDK's errors are compared with theirs.

load helpers

bats_require_minimum_version 1.5.0

REF=/usr/lib/cni/host-local

setup() {
	EX=$LINEN_BUILD/plugins/example/example
	[ -x "$EX" ] || skip "example plugin not built in $LINEN_BUILD"
}

teardown() {
	linen_teardown
}

conf() { # conf <version> [extra top-level keys]
	echo "{\"cniVersion\":\"$1\",\"name\":\"net1\",\"type\":\"example\"${2:+,$2}}"
}

# ex <command> <config> [VAR=value...]: run with a valid environment for the verb.
ex() {
	local cmd=$1 cfg=$2
	shift 2
	env -i PATH="$PATH" CNI_COMMAND="$cmd" CNI_CONTAINERID=c1 CNI_NETNS=/var/run/netns/none \
		CNI_IFNAME=eth0 CNI_PATH=/opt/cni/bin "$@" "$EX" <<<"$cfg"
}

code() { jq -r .code <<<"$output"; }
msg() { jq -r .msg <<<"$output"; }

@test "no CNI_COMMAND: about text on stderr, exit 0" {
	run --separate-stderr env -i "$EX" </dev/null
	[ "$status" -eq 0 ]
	[ -z "$output" ]
	[ "${stderr_lines[0]}" = "CNI example plugin (linen)" ]
	[ "${stderr_lines[1]}" = "CNI protocol versions supported: 0.1.0, 0.2.0, 0.3.0, 0.3.1, 0.4.0, 1.0.0, 1.1.0" ]
}

@test "--help and -h: every plugin prints its usage on stdout, exit 0" {
	local bin p n=0
	bin=$(linen_cni_bin)
	for p in "$bin"/*; do
		for flag in --help -h; do
			run --separate-stderr env -i "$p" "$flag" </dev/null
			[ "$status" -eq 0 ]
			[ -z "$stderr" ]
			[[ "${lines[0]}" == "CNI "*"(linen"* || "${lines[0]}" == *"IPAM plugin (linen)" ]]
			[[ "$output" == *"Usage: CNI_COMMAND=ADD|DEL|CHECK|GC|STATUS|VERSION"* ]]
			[[ "$output" == *"container runtime"* ]]
			[[ "$output" == *"network configuration as JSON on stdin"* ]]
			[[ "$output" == *"CNI protocol versions supported: "*"1.0.0"* ]]
			[[ "$output" == *"docs/plugin-sdk.md"* ]]
		done
		n=$((n + 1))
	done
	# bridge, ptp, host-local, loopback, portmap, bandwidth, tuning, firewall, flannel, example
	[ "$n" -ge 10 ]
}

# big_conf <bytes> <file>: a valid config of exactly that many bytes (a long unknown key)
big_conf() {
	python3 -c '
import sys
head = "{\"cniVersion\":\"1.0.0\",\"name\":\"net1\",\"type\":\"example\",\"pad\":\""
tail = "\"}"
n = int(sys.argv[1])
with open(sys.argv[2], "w") as f:
    f.write(head + "x" * (n - len(head) - len(tail)) + tail)
' "$1" "$2"
}

@test "stdin: a config of exactly 64 MiB is read, one byte more is code 5" {
	local f=$BATS_TEST_TMPDIR/big.json
	big_conf $((64 * 1024 * 1024)) "$f"
	[ "$(stat -c %s "$f")" -eq $((64 * 1024 * 1024)) ]
	run env -i CNI_COMMAND=ADD CNI_CONTAINERID=c1 CNI_NETNS=/var/run/netns/none \
		CNI_IFNAME=eth0 CNI_PATH=/opt/cni/bin "$EX" <"$f"
	[ "$status" -eq 0 ]
	[ "$(jq -r .cniVersion <<<"$output")" = 1.0.0 ]
	big_conf $((64 * 1024 * 1024 + 1)) "$f"
	run env -i CNI_COMMAND=ADD CNI_CONTAINERID=c1 CNI_NETNS=/var/run/netns/none \
		CNI_IFNAME=eth0 CNI_PATH=/opt/cni/bin "$EX" <"$f"
	[ "$status" -eq 1 ]
	[ "$(code)" = 5 ]
	[ "$(msg)" = "error reading from stdin: File too large" ]
	rm -f "$f"
}

@test "VERSION answers in the reference format and ignores stdin" {
	run env -i CNI_COMMAND=VERSION "$EX" <<<"not json"
	[ "$status" -eq 0 ]
	[ "$output" = '{"cniVersion":"1.1.0","supportedVersions":["0.1.0","0.2.0","0.3.0","0.3.1","0.4.0","1.0.0","1.1.0"]}' ]
}

@test "missing variables: code 4 naming them, per verb" {
	run env -i CNI_COMMAND=ADD "$EX" <<<"$(conf 1.0.0)"
	[ "$status" -eq 1 ]
	[ "$(code)" = 4 ]
	[ "$(msg)" = "required env variables [CNI_CONTAINERID,CNI_NETNS,CNI_IFNAME,CNI_PATH] missing" ]
	run env -i CNI_COMMAND=DEL CNI_CONTAINERID=x "$EX" <<<"$(conf 1.0.0)"
	[ "$(msg)" = "required env variables [CNI_IFNAME,CNI_PATH] missing" ]
	run env -i CNI_COMMAND=GC "$EX" <<<"$(conf 1.1.0)"
	[ "$(msg)" = "required env variables [CNI_PATH] missing" ]
	run env -i CNI_COMMAND=BOGUS "$EX" <<<"$(conf 1.1.0)"
	[ "$status" -eq 1 ]
	[ "$(code)" = 4 ]
	[ "$(msg)" = "unknown CNI_COMMAND: BOGUS" ]
}

@test "hostile CNI_CONTAINERID and CNI_IFNAME: code 4" {
	run ex ADD "$(conf 1.0.0)" CNI_CONTAINERID=../x
	[ "$status" -eq 1 ]
	[ "$(code)" = 4 ]
	[ "$(msg)" = "invalid characters in containerID" ]
	[ "$(jq -r .details <<<"$output")" = "../x" ]
	run ex ADD "$(conf 1.0.0)" CNI_IFNAME=0123456789abcdefg
	[ "$(code)" = 4 ]
	[ "$(msg)" = "interface name is too long" ]
	run ex ADD "$(conf 1.0.0)" CNI_IFNAME=a/b
	[ "$(code)" = 4 ]
	run ex DEL "$(conf 1.0.0)" CNI_IFNAME=..
	[ "$(code)" = 4 ]
}

@test "bad stdin: code 6 for JSON, 7 for the network name, 5 when unreadable" {
	run ex ADD '{"cniVersion":'
	[ "$status" -eq 1 ]
	[ "$(code)" = 6 ]
	run ex ADD '{"cniVersion":"1.0.0","name":"no/slash"}'
	[ "$(code)" = 7 ]
	run ex ADD '{"cniVersion":"1.0.0"}'
	[ "$(code)" = 7 ]
	[ "$(msg)" = "missing network name" ]
	run env -i CNI_COMMAND=ADD CNI_CONTAINERID=c CNI_NETNS=/x CNI_IFNAME=e CNI_PATH=/x "$EX" </
	[ "$status" -eq 1 ]
	[ "$(code)" = 5 ]
}

@test "version rules: exact membership, CHECK >= 0.4.0, GC/STATUS >= 1.1.0" {
	run ex ADD "$(conf 1.2.0)"
	[ "$status" -eq 1 ]
	[ "$(code)" = 1 ]
	[ "$(msg)" = "incompatible CNI versions" ]
	[ "$(jq -r .details <<<"$output")" = 'config is "1.2.0", plugin supports ["0.1.0" "0.2.0" "0.3.0" "0.3.1" "0.4.0" "1.0.0" "1.1.0"]' ]
	run ex CHECK "$(conf 0.3.1)"
	[ "$(code)" = 1 ]
	[ "$(msg)" = "config version does not allow CHECK" ]
	run ex GC "$(conf 1.0.0)"
	[ "$(msg)" = "config version does not allow GC" ]
	run ex STATUS "$(conf 0.4.0)"
	[ "$(msg)" = "config version does not allow STATUS" ]
	for v in 0.4.0 1.0.0 1.1.0; do
		run ex CHECK "$(conf $v)"
		[ "$status" -eq 0 ]
		[ -z "$output" ]
	done
	run ex GC "$(conf 1.1.0 '"cni.dev/valid-attachments":[]')"
	[ "$status" -eq 0 ]
	run ex STATUS "$(conf 1.1.0)"
	[ "$status" -eq 0 ]
	[ -z "$output" ]
}

@test "ADD echoes prevResult in the config's version; DEL succeeds silently" {
	prev='{"cniVersion":"1.1.0","interfaces":[{"name":"eth0","mtu":1400,"sandbox":"/x"}],"ips":[{"interface":0,"address":"10.0.0.5/24","gateway":"10.0.0.1"}],"routes":[{"dst":"0.0.0.0/0"}]}'
	run ex ADD "$(conf 1.1.0 "\"prevResult\":$prev")"
	[ "$status" -eq 0 ]
	[ "$(jq -c . <<<"$output")" = '{"cniVersion":"1.1.0","interfaces":[{"name":"eth0","mtu":1400,"sandbox":"/x"}],"ips":[{"interface":0,"address":"10.0.0.5/24","gateway":"10.0.0.1"}],"routes":[{"dst":"0.0.0.0/0"}],"dns":{}}' ]
	# 4-space indent, no trailing newline, like the reference.
	[ "${lines[1]}" = '    "cniVersion": "1.1.0",' ]
	run ex ADD "$(conf 0.4.0 "\"prevResult\":{\"ips\":[{\"version\":\"4\",\"address\":\"10.0.0.5/24\"}]}")"
	[ "$status" -eq 0 ]
	[ "$(jq -c . <<<"$output")" = '{"cniVersion":"0.4.0","ips":[{"version":"4","address":"10.0.0.5/24"}],"dns":{}}' ]
	run ex ADD "$(conf 0.2.0 "\"prevResult\":{\"ip4\":{\"ip\":\"10.0.0.5/24\"}}")"
	[ "$(jq -c . <<<"$output")" = '{"cniVersion":"0.2.0","ip4":{"ip":"10.0.0.5/24"},"dns":{}}' ]
	# Without prevResult: an empty result.
	run ex ADD "$(conf 1.1.0)"
	[ "$status" -eq 0 ]
	[ "$(jq -c . <<<"$output")" = '{"cniVersion":"1.1.0","dns":{}}' ]
	# A broken prevResult is a decode error.
	run ex ADD "$(conf 1.0.0 '"prevResult":{"ips":[{"address":"nope"}]}')"
	[ "$status" -eq 1 ]
	[ "$(code)" = 6 ]
	run ex DEL "$(conf 1.0.0)" CNI_NETNS=
	[ "$status" -eq 0 ]
	[ -z "$output" ]
}

@test "CNI_NETNS naming the plugin's own netns: code 8 unless CNI_NETNS_OVERRIDE" {
	run ex ADD "$(conf 1.0.0)" CNI_NETNS=/proc/self/ns/net
	[ "$status" -eq 1 ]
	[ "$(code)" = 8 ]
	run ex ADD "$(conf 1.0.0)" CNI_NETNS=/proc/self/ns/net CNI_NETNS_OVERRIDE=1
	[ "$status" -eq 0 ]
	run ex DEL "$(conf 1.0.0)" CNI_NETNS=/proc/self/ns/net CNI_NETNS_OVERRIDE=true
	[ "$status" -eq 0 ]
}

@test "CNI_ARGS: malformed pairs fail ADD (code 4) but not DEL" {
	run ex ADD "$(conf 1.0.0)" "CNI_ARGS=IP=1=2"
	[ "$status" -eq 1 ]
	[ "$(code)" = 4 ]
	run ex DEL "$(conf 1.0.0)" "CNI_ARGS=IP=1=2"
	[ "$status" -eq 0 ]
}

@test "same errors as the reference plugins" {
	[ -x "$REF" ] || skip "reference plugins not installed"
	# Every case fails before the reference would allocate; dataDir keeps it off the host anyway.
	local cfg="{\"cniVersion\":\"0.4.0\",\"name\":\"n\",\"type\":\"host-local\",\"ipam\":{\"type\":\"host-local\",\"subnet\":\"10.0.0.0/24\",\"dataDir\":\"$BATS_TEST_TMPDIR/data\"}}"
	local cases=(
		"CNI_COMMAND=ADD"
		"CNI_COMMAND=DEL CNI_CONTAINERID=x"
		"CNI_COMMAND=ADD CNI_CONTAINERID=../x CNI_NETNS=/x CNI_IFNAME=eth0 CNI_PATH=/x"
		"CNI_COMMAND=ADD CNI_CONTAINERID=x CNI_NETNS=/x CNI_IFNAME=0123456789abcdefg CNI_PATH=/x"
		"CNI_COMMAND=DEL CNI_CONTAINERID=x CNI_IFNAME=a:b CNI_PATH=/x"
		"CNI_COMMAND=FOO CNI_CONTAINERID=x CNI_NETNS=/x CNI_IFNAME=eth0 CNI_PATH=/x"
	)
	local c ours ref
	for c in "${cases[@]}"; do
		# shellcheck disable=SC2086
		ours=$(env -i $c "$EX" <<<"$cfg" | jq -c 'del(.cniVersion)')
		# shellcheck disable=SC2086
		ref=$(env -i $c "$REF" <<<"$cfg" | jq -c .)
		echo "case: $c"
		echo "ours: $ours"
		echo "ref:  $ref"
		[ -n "$ours" ]
		[ "$ours" = "$ref" ]
	done
	# Version mismatch: same code and message (the supported lists differ).
	ours=$(ex ADD "$(conf 9.9.9)" | jq -c '[.code,.msg]')
	ref=$(env -i CNI_COMMAND=ADD CNI_CONTAINERID=c CNI_NETNS=/x CNI_IFNAME=e CNI_PATH=/x \
		"$REF" <<<'{"cniVersion":"9.9.9","name":"n","type":"host-local"}' | jq -c '[.code,.msg]')
	[ "$ours" = "$ref" ]
}

@test "a reference result passed through is reproduced byte for byte" {
	[ -x "$REF" ] || skip "reference plugins not installed"
	local v ipam refout ours
	ipam="\"ipam\":{\"type\":\"host-local\",\"dataDir\":\"$BATS_TEST_TMPDIR/data\",\"ranges\":[[{\"subnet\":\"10.9.0.0/24\",\"gateway\":\"10.9.0.1\"}],[{\"subnet\":\"fd00:9::/64\"}]],\"routes\":[{\"dst\":\"0.0.0.0/0\"},{\"dst\":\"::/0\",\"gw\":\"fd00:9::1\"}]}"
	for v in 0.1.0 0.2.0 0.3.0 0.3.1 0.4.0 1.0.0; do
		refout=$(env -i CNI_COMMAND=ADD CNI_CONTAINERID="c$RANDOM" CNI_NETNS=/var/run/netns/none \
			CNI_IFNAME=eth0 CNI_PATH=/usr/lib/cni "$REF" <<<"$(conf $v "$ipam")")
		ours=$(ex ADD "$(conf $v "\"prevResult\":$refout")")
		echo "== $v"
		echo "$refout"
		echo "--"
		echo "$ours"
		[ "$ours" = "$refout" ]
	done
}
