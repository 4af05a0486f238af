#!/usr/bin/env bats
# SPDX-License-Identifier: Apache-2.0
# cnitool and libcni end to end: a chain of plugins (host-local for real state on disk,
# example, and the scriptable test plugin test/plugins/noop which logs every call) run
# through cnitool against a network namespace made here. ADD → CHECK → DEL → DEL again,
# GC, STATUS, VERSION; the result cache file appearing and disappearing in the
# reference's format; and bad input: hanging, crashing and garbage-printing plugins, bad
# plugin names, malformed configs, hostile names. Everything lives in $BATS_TEST_TMPDIR
# (NETCONFPATH, LINEN_CNI_CACHE_DIR, dataDir) and one netns; the root netns is untouched.

load helpers

bats_require_minimum_version 1.5.0

setup() {
	require_root
	CNITOOL=$LINEN_BUILD/src/cnitool/cnitool
	[ -x "$CNITOOL" ] || skip "cnitool not built in $LINEN_BUILD"
	command -v jq >/dev/null || skip "jq missing"
	T=$BATS_TEST_TMPDIR
	mkdir -p "$T/bin" "$T/conf"
	cp "$LINEN_TOP/test/plugins/noop" "$T/bin/noop"
	cp "$LINEN_TOP/test/plugins/noop" "$T/bin/noop-legacy"
	export NETCONFPATH=$T/conf
	export CNI_PATH=$T/bin:$(linen_cni_bin)
	export LINEN_CNI_CACHE_DIR=$T/cache
	unset CNI_ARGS CAP_ARGS CNI_IFNAME LINEN_CNI_TIMEOUT_MS
	NS=$(netns_new cnitool)
	NSPATH=/run/netns/$NS
	CID=cnitool-$(printf %s "$NSPATH" | sha512sum | cut -c1-20)
	LOG=$T/log
}

teardown() {
	linen_teardown
}

have_plugin() {
	[ -x "$(linen_cni_bin)/$1" ]
}

# conflist NAME VERSION PLUGIN-JSON... → $T/conf/NAME.conflist
conflist() {
	local name=$1 version=$2
	shift 2
	local IFS=,
	printf '{"cniVersion":"%s","name":"%s","plugins":[%s]}\n' "$version" "$name" "$*" \
		>"$T/conf/$name.conflist"
}

noop() { # noop [extra json fields]
	printf '{"type":"noop","log":"%s"%s}' "$LOG" "${1:+,$1}"
}

cache_file() { # cache_file NET [IFNAME]
	echo "$LINEN_CNI_CACHE_DIR/results/$1-$CID-${2:-eth0}"
}

# The log lines of one verb: logged COMMAND → one JSON object per line
logged() {
	jq -c "select(.command == \"$1\")" "$LOG"
}

@test "ADD, CHECK, DEL, DEL again through a host-local + example + noop chain" {
	have_plugin host-local || skip "host-local not built"
	have_plugin example || skip "example not built"
	conflist chain 1.0.0 \
		"{\"type\":\"host-local\",\"ipam\":{\"type\":\"host-local\",\"ranges\":[[{\"subnet\":\"10.77.0.0/24\"}]],\"dataDir\":\"$T/ipam\"}}" \
		'{"type":"example"}' \
		"$(noop '"capabilities":{"portMappings":true,"bandwidth":false}')"
	# cniVersions raises the effective version to 1.1.0
	jq -c '.cniVersions = ["1.1.0", "9.9.9"]' "$T/conf/chain.conflist" >"$T/c" &&
		mv "$T/c" "$T/conf/chain.conflist"

	export CNI_ARGS='IgnoreUnknown=1;K8S_POD_NAME=web'
	export CAP_ARGS='{"portMappings":[{"hostPort":8080,"containerPort":80,"protocol":"tcp"}],"bandwidth":{"ingressRate":1}}'
	run "$CNITOOL" add chain "$NSPATH"
	[ "$status" -eq 0 ] || { echo "$output"; false; }
	[ "$(jq -r .cniVersion <<<"$output")" = 1.1.0 ]
	[ "$(jq -r '.ips[0].address' <<<"$output")" = 10.77.0.2/24 ]
	[ -f "$T/ipam/chain/10.77.0.2" ]

	# the cache file, in the reference's format
	f=$(cache_file chain)
	[ -f "$f" ]
	[ "$(stat -c %a "$f")" = 600 ]
	[ "$(stat -c %a "$LINEN_CNI_CACHE_DIR/results")" = 700 ]
	[ "$(jq -r .kind "$f")" = cniCacheV1 ]
	[ "$(jq -r .containerId "$f")" = "$CID" ]
	[ "$(jq -r .ifName "$f")" = eth0 ]
	[ "$(jq -r .networkName "$f")" = chain ]
	[ "$(jq -r .netns "$f")" = "$NSPATH" ]
	[ "$(jq -c .cniArgs "$f")" = '[["IgnoreUnknown","1"],["K8S_POD_NAME","web"]]' ]
	[ "$(jq -r .capabilityArgs.bandwidth.ingressRate "$f")" = 1 ]
	[ "$(jq -r '.result.ips[0].address' "$f")" = 10.77.0.2/24 ]
	cmp <(jq -r .config "$f" | base64 -d) "$T/conf/chain.conflist"

	# what the noop plugin got: env, injected keys, prevResult, runtimeConfig
	add=$(logged ADD)
	[ "$(jq -r .containerID <<<"$add")" = "$CID" ]
	[ "$(jq -r .netns <<<"$add")" = "$NSPATH" ]
	[ "$(jq -r .ifname <<<"$add")" = eth0 ]
	[ "$(jq -r .args <<<"$add")" = 'IgnoreUnknown=1;K8S_POD_NAME=web' ]
	[ "$(jq -r .stdin.cniVersion <<<"$add")" = 1.1.0 ]
	[ "$(jq -r .stdin.name <<<"$add")" = chain ]
	[ "$(jq -r '.stdin.prevResult.ips[0].address' <<<"$add")" = 10.77.0.2/24 ]
	[ "$(jq -c '.stdin.runtimeConfig | keys' <<<"$add")" = '["portMappings"]' ]

	run "$CNITOOL" check chain "$NSPATH"
	[ "$status" -eq 0 ] || { echo "$output"; false; }
	[ "$(logged CHECK | jq -r '.stdin.prevResult.ips[0].address')" = 10.77.0.2/24 ]

	run "$CNITOOL" del chain "$NSPATH"
	[ "$status" -eq 0 ] || { echo "$output"; false; }
	[ ! -e "$f" ]
	[ ! -e "$T/ipam/chain/10.77.0.2" ]
	[ "$(logged DEL | jq -r '.stdin.prevResult.ips[0].address')" = 10.77.0.2/24 ]

	# DEL again: idempotent, now without a cached result
	run "$CNITOOL" del chain "$NSPATH"
	[ "$status" -eq 0 ] || { echo "$output"; false; }
	[ "$(logged DEL | tail -1 | jq -r '.stdin | has("prevResult")')" = false ]
	[ ! -e "$f" ]
}

@test "DEL runs the chain in reverse; ADD passes each result on as prevResult" {
	conflist order 1.0.0 "$(noop '"ip":"10.1.0.5/24","tag":"first"')" "$(noop '"tag":"second"')"
	run "$CNITOOL" add order "$NSPATH"
	[ "$status" -eq 0 ] || { echo "$output"; false; }
	[ "$(logged ADD | jq -r .stdin.tag | paste -sd,)" = first,second ]
	[ "$(logged ADD | head -1 | jq -r '.stdin | has("prevResult")')" = false ]
	[ "$(logged ADD | tail -1 | jq -r '.stdin.prevResult.ips[0].address')" = 10.1.0.5/24 ]
	[ "$(jq -r '.interfaces[0].sandbox' <<<"$output")" = "$NSPATH" ]
	run "$CNITOOL" del order "$NSPATH"
	[ "$status" -eq 0 ]
	[ "$(logged DEL | jq -r .stdin.tag | paste -sd,)" = second,first ]
}

@test "-i/--ifname wins over CNI_IFNAME; the cache is per interface" {
	conflist ifn 1.0.0 "$(noop)"
	CNI_IFNAME=net9 run "$CNITOOL" add ifn "$NSPATH" -i net1
	[ "$status" -eq 0 ]
	[ -f "$(cache_file ifn net1)" ]
	[ "$(logged ADD | jq -r .ifname)" = net1 ]
	CNI_IFNAME=net2 run "$CNITOOL" add ifn "$NSPATH"
	[ "$status" -eq 0 ]
	[ -f "$(cache_file ifn net2)" ]
	run "$CNITOOL" del --ifname net1 ifn "$NSPATH"
	[ "$status" -eq 0 ]
	[ ! -e "$(cache_file ifn net1)" ]
	[ -f "$(cache_file ifn net2)" ]
}

@test "GC deletes every cached attachment of the network, then GCs each plugin" {
	have_plugin host-local || skip "host-local not built"
	ipam="{\"type\":\"host-local\",\"ipam\":{\"type\":\"host-local\",\"ranges\":[[{\"subnet\":\"10.78.0.0/24\"}]],\"dataDir\":\"$T/ipam\"}}"
	conflist gcnet 1.1.0 "$ipam" "$(noop)"
	conflist other 1.1.0 "$(noop)"
	run "$CNITOOL" add gcnet "$NSPATH" -i eth0
	[ "$status" -eq 0 ]
	run "$CNITOOL" add gcnet "$NSPATH" -i eth1
	[ "$status" -eq 0 ]
	run "$CNITOOL" add other "$NSPATH"
	[ "$status" -eq 0 ]
	[ -f "$T/ipam/gcnet/10.78.0.2" ]
	[ -f "$T/ipam/gcnet/10.78.0.3" ]

	run "$CNITOOL" gc gcnet "$NSPATH"
	[ "$status" -eq 0 ] || { echo "$output"; false; }
	[ ! -e "$(cache_file gcnet eth0)" ]
	[ ! -e "$(cache_file gcnet eth1)" ]
	[ -f "$(cache_file other)" ]            # another network's attachment is left alone
	[ ! -e "$T/ipam/gcnet/10.78.0.2" ]
	[ ! -e "$T/ipam/gcnet/10.78.0.3" ]
	[ "$(logged DEL | wc -l)" -eq 2 ]
	gc=$(logged GC)
	[ "$(jq -c '.stdin["cni.dev/valid-attachments"]' <<<"$gc")" = '[]' ]
	[ "$(jq -r .containerID <<<"$gc")" = "" ]
	[ "$(jq -r .stdin.cniVersion <<<"$gc")" = 1.1.0 ]

	# disableGC: nothing at all happens
	jq -c '.disableGC = true' "$T/conf/other.conflist" >"$T/c" && mv "$T/c" "$T/conf/other.conflist"
	run "$CNITOOL" gc other
	[ "$status" -eq 0 ]
	[ -f "$(cache_file other)" ]
}

@test "GC keeps going past a failing DEL and reports it" {
	conflist gcfail 1.1.0 "$(noop '"behavior":{"DEL":"fail"}')"
	run "$CNITOOL" add gcfail "$NSPATH"
	[ "$status" -eq 0 ]
	run "$CNITOOL" gc gcfail
	[ "$status" -eq 1 ]
	[[ "$output" == *"failed to delete stale attachment $CID eth0"*"noop told to fail DEL"* ]]
	[ "$(logged GC | wc -l)" -eq 1 ]        # GC of the plugins still ran
	[ -f "$(cache_file gcfail)" ]           # a failed DEL keeps the cache entry
}

@test "STATUS runs every plugin; a failure carries the plugin's code" {
	conflist st 1.1.0 "$(noop '"tag":"a"')" "$(noop '"tag":"b"')"
	run "$CNITOOL" status st
	[ "$status" -eq 0 ]
	[ "$(logged STATUS | jq -r .stdin.tag | paste -sd,)" = a,b ]
	conflist st2 1.1.0 "$(noop '"behavior":{"STATUS":"fail"}')"
	run "$CNITOOL" status st2 "$NSPATH"
	[ "$status" -eq 1 ]
	[[ "$output" == *'plugin type="noop" failed (status): noop told to fail STATUS; try later (CNI error code 11)'* ]]
	# before 1.1.0 there is no STATUS: success without running anything
	conflist st3 1.0.0 "$(noop '"behavior":{"STATUS":"fail"}')"
	run "$CNITOOL" status st3
	[ "$status" -eq 0 ]
}

@test "CHECK: refused before 0.4.0, skipped with disableCheck, fails with the plugin's error" {
	conflist old 0.3.1 "$(noop)"
	run "$CNITOOL" check old "$NSPATH"
	[ "$status" -eq 1 ]
	[[ "$output" == *'configuration version "0.3.1" does not support the CHECK command'* ]]
	conflist nochk 1.0.0 "$(noop '"behavior":{"CHECK":"fail"}')"
	jq -c '.disableCheck = true' "$T/conf/nochk.conflist" >"$T/c" && mv "$T/c" "$T/conf/nochk.conflist"
	run "$CNITOOL" check nochk "$NSPATH"
	[ "$status" -eq 0 ]
	conflist chk 1.0.0 "$(noop '"behavior":{"CHECK":"fail"}')"
	run "$CNITOOL" check chk "$NSPATH"
	[ "$status" -eq 1 ]
	[[ "$output" == *"(CNI error code 11)"* ]]
}

@test "a hanging plugin is killed at the time limit" {
	conflist hang 1.0.0 "$(noop '"behavior":{"ADD":"hang"},"hangSeconds":987654')"
	start=$(date +%s%N)
	LINEN_CNI_TIMEOUT_MS=500 run "$CNITOOL" add hang "$NSPATH"
	elapsed=$((($(date +%s%N) - start) / 1000000))
	[ "$status" -eq 1 ]
	[[ "$output" == *'plugin type="noop" failed (add): netplugin '*'/noop timed out after 500 ms (CNI error code 999)'* ]]
	[ "$elapsed" -lt 5000 ]
	[ ! -e "$(cache_file hang)" ]
	# the plugin's child (a sleep in the plugin's process group) is gone too
	! pgrep -f "^sleep 987654$" || false
}

@test "crashing, garbage-printing and silent plugins give precise errors" {
	conflist crash 1.0.0 "$(noop '"behavior":{"ADD":"crash"}')"
	run "$CNITOOL" add crash "$NSPATH"
	[ "$status" -eq 1 ]
	[[ "$output" == *"netplugin failed (killed by signal 11) with no error message"* ]]

	conflist garbage 1.0.0 "$(noop '"behavior":{"ADD":"garbage"}')"
	run "$CNITOOL" add garbage "$NSPATH"
	[ "$status" -eq 1 ]
	[[ "$output" == *"failed (add): decoding result: "*"this is not JSON"*"(CNI error code 6)"* ]]
	[ ! -e "$(cache_file garbage)" ]

	conflist gfail 1.0.0 "$(noop '"behavior":{"ADD":"garbage-fail"}')"
	run "$CNITOOL" add gfail "$NSPATH"
	[ "$status" -eq 1 ]
	[[ "$output" == *'its diagnostic message is not an error object: "half a {"'* ]]

	conflist empty 1.0.0 "$(noop '"behavior":{"ADD":"empty"}')"
	run "$CNITOOL" add empty "$NSPATH"
	[ "$status" -eq 1 ]
	[[ "$output" == *"decoding result"*"(CNI error code 6)"* ]]

	conflist serr 1.0.0 "$(noop '"behavior":{"ADD":"stderr"}')"
	run "$CNITOOL" add serr "$NSPATH"
	[ "$status" -eq 1 ]
	[[ "$output" == *'netplugin failed (exit status 2): "noop: something broke on stderr" (CNI error code 999)'* ]]

	conflist silent 1.0.0 "$(noop '"behavior":{"ADD":"error-no-msg"}')"
	run "$CNITOOL" add silent "$NSPATH"
	[ "$status" -eq 1 ]
	[[ "$output" == *"netplugin failed (exit status 3) with no error message (CNI error code 999)"* ]]

	conflist fail 1.0.0 "$(noop '"behavior":{"ADD":"fail"}')"
	run "$CNITOOL" add fail "$NSPATH"
	[ "$status" -eq 1 ]
	[[ "$output" == *'noop told to fail ADD; try later (CNI error code 11)'* ]]
}

@test "bad plugin names, missing plugins and malformed configs are rejected" {
	conflist slash 1.0.0 '{"type":"../bin/noop"}'
	run "$CNITOOL" add slash "$NSPATH"
	[ "$status" -eq 1 ]
	[[ "$output" == *"(CNI error code 7)"* ]]
	[[ "$output" == *'invalid plugin type "../bin/noop"'* ]]
	[ ! -e "$LINEN_CNI_CACHE_DIR/results" ] || [ -z "$(ls "$LINEN_CNI_CACHE_DIR/results")" ]
	rm "$T/conf/slash.conflist"

	conflist missing 1.0.0 '{"type":"no-such-plugin"}'
	run "$CNITOOL" add missing "$NSPATH"
	[ "$status" -eq 1 ]
	[[ "$output" == *'failed to find plugin "no-such-plugin" in path'* ]]

	printf '{"cniVersion":"1.0.0","name":"broken","plugins":[' >"$T/conf/broken.conflist"
	run "$CNITOOL" add broken "$NSPATH"
	[ "$status" -eq 1 ]
	[[ "$output" == *"cnitool: loading network configuration"* ]]
	# like the reference, one unparsable file fails every lookup in the directory
	conflist fine 1.0.0 "$(noop)"
	run "$CNITOOL" add fine "$NSPATH"
	[ "$status" -eq 1 ]
	rm "$T/conf/broken.conflist"

	printf '{"cniVersion":"1.0.0","name":"noplugins","plugins":[]}' >"$T/conf/noplugins.conflist"
	run "$CNITOOL" add noplugins "$NSPATH"
	[ "$status" -eq 1 ]
	[[ "$output" == *"(CNI error code 7)"* ]]
	rm "$T/conf/noplugins.conflist"

	run "$CNITOOL" add nosuchnet "$NSPATH"
	[ "$status" -eq 1 ]
	[[ "$output" == *'no net configuration with name "nosuchnet"'* ]]

	conflist ok 1.0.0 "$(noop)"
	CNI_ARGS='A=b;broken' run "$CNITOOL" add ok "$NSPATH"
	[ "$status" -eq 1 ]
	[[ "$output" == *'invalid CNI_ARGS pair "broken"'* ]]
	CAP_ARGS='[1,2]' run "$CNITOOL" add ok "$NSPATH"
	[ "$status" -eq 1 ]
	[[ "$output" == *"CAP_ARGS"* ]]
	[ ! -e "$LOG" ]                         # no plugin ever ran
}

@test "hostile interface names never reach the file system" {
	conflist ok 1.0.0 "$(noop)"
	for ifn in ../../../tmp/x a/b .. "with space" averyveryverylongname; do
		run "$CNITOOL" add ok "$NSPATH" -i "$ifn"
		[ "$status" -eq 1 ]
		[[ "$output" == *"(CNI error code 4)"* ]]
		run "$CNITOOL" del ok "$NSPATH" -i "$ifn"
		[ "$status" -eq 1 ]
	done
	[ ! -e "$LOG" ]
	[ ! -e "$LINEN_CNI_CACHE_DIR" ] || [ -z "$(find "$LINEN_CNI_CACHE_DIR" -type f)" ]
}

@test "a corrupt cache file is dropped on DEL, which runs without prevResult" {
	conflist corrupt 1.0.0 "$(noop)"
	run "$CNITOOL" add corrupt "$NSPATH"
	[ "$status" -eq 0 ]
	f=$(cache_file corrupt)
	printf '{"kind":"cniCacheV1","containerId":' >"$f"      # cut short (cni#1055)
	run "$CNITOOL" check corrupt "$NSPATH"
	[ "$status" -eq 1 ]
	[[ "$output" == *'failed to get network "corrupt" cached result'* ]]
	run "$CNITOOL" del corrupt "$NSPATH"
	[ "$status" -eq 0 ] || { echo "$output"; false; }
	[ ! -e "$f" ]
	[ "$(logged DEL | jq -r '.stdin | has("prevResult")')" = false ]
}

@test "a cache file written in the reference's format, and a legacy one, feed DEL" {
	conflist refnet 1.0.0 "$(noop)"
	mkdir -p "$LINEN_CNI_CACHE_DIR/results"
	f=$(cache_file refnet)
	# as Go's libcni writes it (compact, struct order, maps sorted)
	printf '{"kind":"cniCacheV1","containerId":"%s","config":"%s","ifName":"eth0","networkName":"refnet","netns":"%s","result":{"cniVersion":"1.0.0","dns":{},"ips":[{"address":"10.5.0.9/24"}]}}' \
		"$CID" "$(base64 -w0 "$T/conf/refnet.conflist")" "$NSPATH" >"$f"
	run "$CNITOOL" del refnet "$NSPATH"
	[ "$status" -eq 0 ]
	[ "$(logged DEL | jq -r '.stdin.prevResult.ips[0].address')" = 10.5.0.9/24 ]
	[ ! -e "$f" ]
	# the format before cniCacheV1: the bare result, converted to the config's version
	printf '{"cniVersion":"0.4.0","ips":[{"version":"4","address":"10.5.0.10/24"}],"dns":{}}' >"$f"
	run "$CNITOOL" del refnet "$NSPATH"
	[ "$status" -eq 0 ]
	[ "$(logged DEL | tail -1 | jq -r '.stdin.prevResult.ips[0].address')" = 10.5.0.10/24 ]
	[ "$(logged DEL | tail -1 | jq -r '.stdin.prevResult.cniVersion')" = 1.0.0 ]
	[ ! -e "$f" ]
}

@test "version: a plugin's supported versions; a pre-VERSION plugin reads as 0.1.0" {
	run "$CNITOOL" version noop
	[ "$status" -eq 0 ]
	[ "$(jq -c .supportedVersions <<<"$output")" = '["0.1.0","0.2.0","0.3.0","0.3.1","0.4.0","1.0.0","1.1.0"]' ]
	run "$CNITOOL" version noop-legacy
	[ "$status" -eq 0 ]
	[ "$(jq -c .supportedVersions <<<"$output")" = '["0.1.0"]' ]
	run "$CNITOOL" version no-such-plugin
	[ "$status" -eq 1 ]
	run "$CNITOOL" version ../noop
	[ "$status" -eq 1 ]
	[[ "$output" == *"invalid plugin name: ../noop"* ]]
	if have_plugin example; then
		run "$CNITOOL" version example
		[ "$status" -eq 0 ]
		[ "$(jq -r '.supportedVersions | index("1.1.0") != null' <<<"$output")" = true ]
	fi
}

@test "--help and -h: usage with an example on stdout, exit 0" {
	for flag in --help -h; do
		run --separate-stderr "$CNITOOL" "$flag"
		[ "$status" -eq 0 ]
		[ -z "$stderr" ]
		[[ "${lines[0]}" == "Usage: cnitool {add|check|del|gc|status} <net-name> <netns-path>"* ]]
		[[ "$output" == *"NETCONFPATH (default /etc/cni/net.d)"* ]]
		[[ "$output" == *"NETCONFPATH=/etc/cni/net.d CNI_PATH=/opt/cni/bin cnitool add mynet /var/run/netns/testing"* ]]
	done
}

# chatty: a plugin that pads its ADD result with leading blanks to $T/chatty.size bytes
make_chatty() {
	cat >"$T/bin/chatty" <<-'SH'
	#!/bin/bash
	cat >/dev/null
	dir=${0%/*}/..
	echo $$ >>"$dir/chatty.pids"
	case $CNI_COMMAND in
	VERSION) echo '{"cniVersion":"1.0.0","supportedVersions":["1.0.0"]}' ;;
	ADD)
		res='{"cniVersion":"1.0.0","ips":[{"address":"10.99.0.2/24"}]}'
		head -c $(($(cat "$dir/chatty.size") - ${#res} - 1)) /dev/zero | tr '\0' ' '
		echo "$res"
		;;
	esac
	exit 0
	SH
	chmod +x "$T/bin/chatty"
}

@test "a plugin printing past the 4 MiB output cap: clear error, no cache file, nothing left" {
	make_chatty
	conflist chat 1.0.0 '{"type":"chatty"}'
	# exactly at the cap: read whole, a normal result
	echo $((4 * 1024 * 1024)) >"$T/chatty.size"
	run "$CNITOOL" add chat "$NSPATH"
	[ "$status" -eq 0 ]
	[ "$(jq -r '.ips[0].address' <<<"$output")" = 10.99.0.2/24 ]
	run test -f "$(cache_file chat)"
	[ "$status" -eq 0 ]
	run "$CNITOOL" del chat "$NSPATH"
	[ "$status" -eq 0 ]
	run test -e "$(cache_file chat)"
	[ "$status" -ne 0 ]
	# one byte more: the ADD fails and says why
	echo $((4 * 1024 * 1024 + 1)) >"$T/chatty.size"
	run "$CNITOOL" add chat "$NSPATH"
	[ "$status" -eq 1 ]
	[[ "$output" == *"printed more than 4194304 bytes"* ]]
	run test -e "$(cache_file chat)"
	[ "$status" -ne 0 ]
	# every plugin process that ran is gone
	local pid
	while read -r pid; do
		proc_gone "$pid"
	done <"$T/chatty.pids"
	[ "$(wc -l <"$T/chatty.pids")" -ge 3 ]
}

@test "usage errors" {
	run "$CNITOOL"
	[ "$status" -eq 1 ]
	[[ "$output" == *Usage* ]]
	run "$CNITOOL" frobnicate net "$NSPATH"
	[ "$status" -eq 1 ]
	[[ "$output" == *'unknown command "frobnicate"'* ]]
	run "$CNITOOL" add net
	[ "$status" -eq 1 ]
}

@test "the reference Go plugins (bridge, host-local, tuning) run through our cnitool" {
	[ -x /usr/lib/cni/bridge ] && [ -x /usr/lib/cni/host-local ] && [ -x /usr/lib/cni/tuning ] ||
		skip "reference plugins not installed in /usr/lib/cni"
	HOST=$(netns_new host)
	cat >"$T/conf/gobr.conflist" <<-JSON
	{"cniVersion":"1.0.0","name":"gobr","plugins":[
	 {"type":"bridge","bridge":"lcrbr0","isGateway":true,
	  "ipam":{"type":"host-local","ranges":[[{"subnet":"10.88.5.0/24"}]],"dataDir":"$T/ipam"}},
	 {"type":"tuning","sysctl":{"net.ipv4.conf.eth0.rp_filter":"0"}}]}
	JSON
	# cnitool plays the runtime inside the "host" netns; the bridge is created there
	run ip netns exec "$HOST" env CNI_PATH=/usr/lib/cni "$CNITOOL" add gobr "$NSPATH"
	[ "$status" -eq 0 ] || { echo "$output"; false; }
	[ "$(jq -r '.ips[0].address' <<<"$output")" = 10.88.5.2/24 ]
	[ "$(jq -r '.interfaces[2].sandbox' <<<"$output")" = "$NSPATH" ]
	ip -n "$NS" -4 addr show eth0 | grep -q 10.88.5.2/24
	ip netns exec "$HOST" ping -c1 -W2 10.88.5.2 >/dev/null
	[ "$(ip netns exec "$NS" cat /proc/sys/net/ipv4/conf/eth0/rp_filter)" = 0 ]
	f=$(cache_file gobr)
	[ "$(jq -r '.result.ips[0].address' "$f")" = 10.88.5.2/24 ]

	run ip netns exec "$HOST" env CNI_PATH=/usr/lib/cni "$CNITOOL" check gobr "$NSPATH"
	[ "$status" -eq 0 ] || { echo "$output"; false; }
	run ip netns exec "$HOST" env CNI_PATH=/usr/lib/cni "$CNITOOL" del gobr "$NSPATH"
	[ "$status" -eq 0 ] || { echo "$output"; false; }
	! ip -n "$NS" link show eth0 2>/dev/null || false
	[ ! -e "$f" ]
	[ ! -e "$T/ipam/gobr/10.88.5.2" ]
	run ip netns exec "$HOST" env CNI_PATH=/usr/lib/cni "$CNITOOL" del gobr "$NSPATH"
	[ "$status" -eq 0 ] || { echo "$output"; false; }

	run env CNI_PATH=/usr/lib/cni "$CNITOOL" version bridge
	[ "$status" -eq 0 ]
	[ "$(jq -r '.supportedVersions | index("1.0.0") != null' <<<"$output")" = true ]
}
