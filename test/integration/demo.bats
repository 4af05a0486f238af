#!/usr/bin/env bats
# SPDX-License-Identifier: Apache-2.0
# `make demo` and `make demo-down` as a user runs them (demo/run.sh, demo/down.sh on the build
# under test): the demo must end with every pod pair reachable and the host port answering,
# and demo-down must leave no namespace, no process (recorded or started inside the demo's
# namespaces) and no file behind. A private prefix and state directory keep a demo the
# user may have running out of the way.

load helpers

setup() {
	require_root
	command -v etcd >/dev/null || skip "etcd not installed"
	[ -x "$LINEN_BUILD/src/linend/linend" ] || skip "linend not built"
	export CL_PREFIX="ldm$BATS_TEST_NUMBER-$((RANDOM % 10000))"
	export CL_STATE=$BATS_TEST_TMPDIR/demo
	export CL_BUILD=$LINEN_BUILD
	# shellcheck source=../../demo/cluster.sh
	source "$LINEN_TOP/demo/cluster.sh"
	had_run_linen=0
	[ -d /run/linen ] && had_run_linen=1
	true
}

teardown() {
	"$LINEN_TOP/demo/down.sh" >/dev/null 2>&1 || true
}

# Every PID the demo started: those it recorded and those living in its namespaces.
demo_pids() {
	local ns
	cat "$CL_STATE/pids"
	for ns in $(ip netns list | awk '{print $1}' | grep "^$CL_PREFIX-"); do
		ip netns pids "$ns"
	done
}

# demo_up_down <NODES> <BACKEND> <pairs>
demo_up_down() {
	local nodes=$1 backend=$2 pairs=$3 pids p alive=
	run env NODES="$nodes" BACKEND="$backend" "$LINEN_TOP/demo/run.sh"
	echo "$output"
	[ "$status" -eq 0 ]
	grep -q "^all $pairs pod pairs reachable and the host port answers" <<<"$output"
	grep -q 'answered: hello from pod n1-p1' <<<"$output"
	# the ping matrix has no unreachable cell
	! sed -n '/ping matrix/,/host port/{/ping matrix/d;/host port/d;p}' <<<"$output" | grep -qE '(^|\s)x(\s|$)' || false
	[ "$(ip netns list | grep -c "^$CL_PREFIX-")" -eq $((1 + nodes + 2 * nodes)) ]

	pids=$(demo_pids | sort -u)
	[ -n "$pids" ]
	run "$LINEN_TOP/demo/down.sh"
	[ "$status" -eq 0 ]
	[ "$(ip netns list | grep -c "^$CL_PREFIX-")" -eq 0 ]
	for p in $pids; do
		cl_gone "$p" || alive="$alive $p($(cat "/proc/$p/comm" 2>/dev/null))"
	done
	[ -z "$alive" ] || { echo "still running:$alive"; false; }
	[ ! -e "$CL_STATE" ]
	if [ "$had_run_linen" -eq 0 ]; then
		[ ! -e /run/linen ] || { ls -la /run/linen; false; }
	fi
}

@test "make demo: 3 nodes over vxlan, every pod pair reachable; demo-down leaves nothing" {
	demo_up_down 3 vxlan 30
}

@test "make demo: 2 nodes over host-gw, every pod pair reachable; demo-down leaves nothing" {
	demo_up_down 2 host-gw 12
}

@test "make demo refuses a bad BACKEND or NODES before touching anything" {
	run env BACKEND=ipip "$LINEN_TOP/demo/run.sh"
	[ "$status" -ne 0 ]
	grep -q "BACKEND must be vxlan or host-gw" <<<"$output"
	run env NODES=1 "$LINEN_TOP/demo/run.sh"
	[ "$status" -ne 0 ]
	[ "$(ip netns list | grep -c "^$CL_PREFIX-")" -eq 0 ]
}
