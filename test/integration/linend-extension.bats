#!/usr/bin/env bats
# SPDX-License-Identifier: Apache-2.0
# linend's extension backend (flannel's shell commands) in a cluster of node namespaces
# (demo/cluster.sh) with a real etcd: the commands record their calls (order, environment,
# stdin) per node, a worked example routes pods over the plain underlay, a failing command
# is retried and counted, a hanging one is killed at its time limit, a loud one is capped.

load helpers

setup() {
	require_root
	command -v etcd >/dev/null || skip "etcd not installed"
	[ -x "$LINEN_BUILD/src/linend/linend" ] || skip "linend not built"
	export CL_PREFIX="lex$BATS_TEST_NUMBER-$((RANDOM % 10000))"
	export CL_STATE=$BATS_TEST_TMPDIR/cl
	export CL_ETCD_PORT=$((33000 + RANDOM % 2000))
	export CL_ETCD_PEER_PORT=$((CL_ETCD_PORT + 2000))
	export CL_BUILD=$LINEN_BUILD
	export CL_UNDERLAY=192.168.214
	# shellcheck source=../../demo/cluster.sh
	source "$LINEN_TOP/demo/cluster.sh"
	REC=$BATS_TEST_TMPDIR/rec
	mkdir -p "$REC"
	# rec.sh <what>: one line per call into $REC/<node netns>; pre also prints our BackendData
	cat >"$BATS_TEST_TMPDIR/rec.sh" <<SH
#!/bin/sh
ns=\$(ip netns identify \$\$)
in=\$(tr '\\n' '|')
printf '%s\\n' "\$1 NETWORK=\${NETWORK:-} SUBNET=\${SUBNET:-} PUBLIC_IP=\${PUBLIC_IP:-} IPV6SUBNET=\${IPV6SUBNET:-} PUBLIC_IPV6=\${PUBLIC_IPV6:-} stdin=\$in" >>"$REC/\$ns"
[ "\$1" = pre ] && echo "  bd-\$ns <&>"
exit 0
SH
	REC_SH="sh $BATS_TEST_TMPDIR/rec.sh"
}

teardown() {
	local d bad=0
	for d in "$CL_STATE"/n*/; do
		[ -f "$d/linend.pid" ] && { cluster_linend_stop "$(basename "$d" | tr -d n)" || true; }
	done
	if grep -h -A12 'runtime error\|ERROR: AddressSanitizer\|ERROR: LeakSanitizer' \
		"$CL_STATE"/n*/linend.log 2>/dev/null; then
		bad=1
	fi
	cluster_down || true
	linen_teardown
	return "$bad"
}

wait_until() {
	local n=$(($1 * 20))
	shift
	while ! "$@" >/dev/null 2>&1; do
		n=$((n - 1))
		[ "$n" -gt 0 ] || return 1
		sleep 0.05
	done
}

nsx() { local i=$1; shift; ip netns exec "$(cl_node "$i")" "$@"; }
metric() {
	nsx "$1" curl -s http://127.0.0.1:8471/metrics | awk -v m="$2" '$1 == m { print $2 }'
}
runs() { metric "$1" "linend_extension_command_runs_total{command=\"$2\",result=\"$3\"}"; }
runs_at_least() { [ "$(runs "$1" "$2" "$3")" -ge "$4" ]; }
subnet_of() { sed -n 's/^FLANNEL_SUBNET=\(.*\)\.1\/24$/\1.0\/24/p' "$CL_STATE/n$1/subnet.env"; }
route_to() { ip -n "$(cl_node "$1")" route show "$2" | sed 's/ *$//'; }
# how many "sleep 1000" processes run in node i's namespace
sleepers() {
	local pid n=0
	for pid in $(ip netns pids "$(cl_node "$1")"); do
		[ "$(tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null)" = "sleep 1000 " ] && n=$((n + 1))
	done
	echo "$n"
}
rec_has() { grep -q "$2" "$REC/$(cl_node "$1")"; }

# ext_cluster <nodes> <backend JSON members>: underlay, etcd, the extension config, nodes
ext_cluster() {
	local n=$1 be=$2 i
	cluster_underlay_up
	cluster_etcd_up
	cl_etcdctl put "$CL_PREFIX_KEY/config" \
		"$(jq -cn --arg net "$CL_NETWORK" --argjson be "$be" \
			'{Network: $net, Backend: ({Type: "extension"} + $be)}')" >/dev/null
	for i in $(seq "$n"); do cluster_node_up "$i"; done
	for i in $(seq "$n"); do cluster_node_wait "$i"; done
}

@test "extension: Pre then Post at start, Add per peer with env and stdin, Remove on delete" {
	ext_cluster 2 "$(jq -cn --arg r "$REC_SH" '{PreStartupCommand: "\($r) pre",
		PostStartupCommand: "\($r) post", SubnetAddCommand: "\($r) add",
		SubnetRemoveCommand: "\($r) remove"}')"
	local n1 n2 s1 s2 key
	n1=$(cl_node 1)
	n2=$(cl_node 2)
	s1=$(subnet_of 1)
	s2=$(subnet_of 2)
	run wait_until 15 rec_has 1 "^add NETWORK= SUBNET=$s2 "
	[ "$status" -eq 0 ]
	run sed -n 1p "$REC/$n1"
	[ "$status" -eq 0 ]
	[ "$output" = "pre NETWORK= SUBNET= PUBLIC_IP= IPV6SUBNET= PUBLIC_IPV6= stdin=|" ]
	run sed -n 2p "$REC/$n1"
	[ "$status" -eq 0 ]
	[ "$output" = "post NETWORK=10.244.0.0/16 SUBNET=$s1 PUBLIC_IP=$CL_UNDERLAY.1 IPV6SUBNET= PUBLIC_IPV6= stdin=|" ]
	# the peer's BackendData (its PreStartupCommand's output, trimmed) on stdin, then "\n" (|)
	run grep "^add " "$REC/$n1"
	[ "$status" -eq 0 ]
	[ "$output" = "add NETWORK= SUBNET=$s2 PUBLIC_IP=$CL_UNDERLAY.2 IPV6SUBNET= PUBLIC_IPV6= stdin=bd-$n2 <&>|" ]
	# in etcd as flanneld writes it: a JSON string with Go's HTML escapes
	key=$(echo "$s2" | tr / -)
	run cl_etcdctl get --print-value-only "$CL_PREFIX_KEY/subnets/$key"
	[ "$status" -eq 0 ]
	[ "$output" = "{\"PublicIP\":\"$CL_UNDERLAY.2\",\"PublicIPv6\":null,\"BackendType\":\"extension\",\"BackendData\":\"bd-$n2 \\u003c\\u0026\\u003e\"}" ]
	cluster_linend_stop 2
	run cl_etcdctl del "$CL_PREFIX_KEY/subnets/$key"
	[ "$status" -eq 0 ]
	run wait_until 15 rec_has 1 "^remove NETWORK= SUBNET=$s2 "
	[ "$status" -eq 0 ]
	run grep -c "" "$REC/$n1"
	[ "$status" -eq 0 ]
	[ "$output" = 4 ]
	run sed -n 4p "$REC/$n1"
	[ "$status" -eq 0 ]
	[ "$output" = "remove NETWORK= SUBNET=$s2 PUBLIC_IP=$CL_UNDERLAY.2 IPV6SUBNET= PUBLIC_IPV6= stdin=bd-$n2 <&>|" ]
	run runs 1 subnet-add ok
	[ "$status" -eq 0 ]
	[ "$output" = 1 ]
}

@test "extension: worked example, plain routes over the underlay, pods ping across nodes" {
	for p in flannel bridge host-local portmap; do
		[ -x "$LINEN_BUILD/plugins/$p/$p" ] || skip "plugin $p not built"
	done
	[ -x "$LINEN_BUILD/src/cnitool/cnitool" ] || skip "cnitool not built"
	ext_cluster 2 '{"SubnetAddCommand": "ip route replace $SUBNET via $PUBLIC_IP",
		"SubnetRemoveCommand": "ip route del $SUBNET via $PUBLIC_IP"}'
	local p1 p2 s2
	s2=$(subnet_of 2)
	run wait_until 15 runs_at_least 1 subnet-add ok 1
	[ "$status" -eq 0 ]
	run route_to 1 "$s2"
	[ "$status" -eq 0 ]
	[ "$output" = "$s2 via $CL_UNDERLAY.2 dev eth0" ]
	run wait_until 15 runs_at_least 2 subnet-add ok 1
	[ "$status" -eq 0 ]
	p1=$(cluster_pod_add 1 1)
	p2=$(cluster_pod_add 2 1)
	run ip netns exec "$(cl_pod 1 1)" ping -c 2 -W 2 "$p2"
	[ "$status" -eq 0 ]
	run ip netns exec "$(cl_pod 2 1)" ping -c 2 -W 2 "$p1"
	[ "$status" -eq 0 ]
}

@test "extension: a failing SubnetAddCommand is retried until it succeeds, and counted" {
	local cnt=$BATS_TEST_TMPDIR/count
	ext_cluster 2 "$(jq -cn --arg c "$cnt" '{SubnetAddCommand:
		"f=\($c)-$(ip netns identify $$); n=$(cat $f 2>/dev/null || echo 0); echo $((n+1)) >$f; echo attempt $n; [ $n -ge 2 ]"}')"
	run wait_until 20 runs_at_least 1 subnet-add ok 1
	[ "$status" -eq 0 ]
	run runs 1 subnet-add fail
	[ "$status" -eq 0 ]
	[ "$output" = 2 ]
	run cat "$cnt-$(cl_node 1)"
	[ "$status" -eq 0 ]
	[ "$output" = 3 ]
	run grep -c "extension subnet-add .*: failed (exit 1); output: attempt" "$CL_STATE/n1/linend.log"
	[ "$status" -eq 0 ]
	[ "$output" = 2 ]
}

@test "extension: a hanging command is killed at the time limit, counted, /healthz still serves" {
	ext_cluster 2 '{"SubnetAddCommand": "echo started; exec sleep 1000", "CommandTimeout": 1}'
	run wait_until 15 runs_at_least 1 subnet-add timeout 1
	[ "$status" -eq 0 ]
	run nsx 1 curl -sf http://127.0.0.1:8471/healthz
	[ "$status" -eq 0 ]
	run grep -c "extension subnet-add .*: killed after 1 s; output: started" "$CL_STATE/n1/linend.log"
	[ "$status" -eq 0 ]
	[ "$output" -ge 1 ]
	# its process group is gone: no "sleep 1000" left in node 1 beyond the one now running
	run sleepers 1
	[ "$status" -eq 0 ]
	[ "$output" -le 1 ]
}

@test "extension: a command printing megabytes: RSS stays bounded, the log line is truncated" {
	ext_cluster 2 '{"SubnetAddCommand": "head -c 200000000 /dev/zero | tr \"\\0\" x"}'
	local pid hwm line
	run wait_until 60 runs_at_least 1 subnet-add ok 1
	[ "$status" -eq 0 ]
	pid=$(cat "$CL_STATE/n1/linend.pid")
	hwm=$(awk '/^VmHWM/ { print $2 }' "/proc/$pid/status")
	# 200 MB went through the pipe; linend's peak stays far below it
	[ "$hwm" -lt 65536 ]
	run grep "extension subnet-add .*bytes dropped" "$CL_STATE/n1/linend.log"
	[ "$status" -eq 0 ]
	line=$(grep "extension subnet-add .*bytes dropped" "$CL_STATE/n1/linend.log" | head -1)
	[ "${#line}" -lt 4500 ]
	run runs 1 subnet-add ok
	[ "$status" -eq 0 ]
	[ "$output" = 1 ]
}

@test "extension: a failing PreStartupCommand stops linend, as it stops flanneld" {
	cluster_underlay_up
	cluster_etcd_up
	cl_etcdctl put "$CL_PREFIX_KEY/config" '{"Network":"10.244.0.0/16","Backend":{"Type":"extension","PreStartupCommand":"echo no metadata; exit 3"}}' >/dev/null
	cluster_node_up 1
	local pid
	pid=$(cat "$CL_STATE/n1/linend.pid")
	run wait_until 10 cl_gone "$pid"
	[ "$status" -eq 0 ]
	run grep -c "extension pre-startup: failed (exit 3); output: no metadata" "$CL_STATE/n1/linend.log"
	[ "$status" -eq 0 ]
	[ "$output" = 1 ]
	run cl_etcdctl get --prefix --keys-only "$CL_PREFIX_KEY/subnets"
	[ "$status" -eq 0 ]
	[ "$output" = "" ]
	[ ! -e "$CL_STATE/n1/subnet.env" ]
}
