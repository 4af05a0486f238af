# SPDX-License-Identifier: Apache-2.0
# Shared setup for bats integration tests. Every test makes its own network
# namespaces with unique names, plays the "host" inside one of them, and
# removes all it made in teardown, also when it fails. Nothing here touches
# the machine's root namespace.

LINEN_TOP=${LINEN_TOP:-$(cd "$BATS_TEST_DIRNAME/../.." && pwd)}
LINEN_BUILD=${LINEN_BUILD:-$LINEN_TOP/build}

require_root() {
	[ "$(id -u)" -eq 0 ] || skip "needs root"
}

# A directory holding every plugin we built, for CNI_PATH.
linen_cni_bin() {
	local dir=$BATS_RUN_TMPDIR/cni-bin f
	if [ ! -d "$dir" ]; then
		mkdir -p "$dir"
		for f in "$LINEN_BUILD"/plugins/*/*; do
			[ -f "$f" ] && [ -x "$f" ] && ln -sf "$f" "$dir/$(basename "$f")"
		done
	fi
	echo "$dir"
}

# Create a namespace with a unique name; prints the name. Recorded for teardown.
netns_new() {
	local name="lt${BATS_ROOT_PID:-$$}-${1:-ns}-$RANDOM"
	name=${name:0:40}
	ip netns add "$name" || return 1
	ip -n "$name" link set lo up
	echo "$name" >>"$BATS_TEST_TMPDIR/.netns"
	echo "$name"
}

# Run a command in the background, record its PID for teardown; prints the PID.
bg_start() {
	"$@" &
	local pid=$!
	echo "$pid" >>"$BATS_TEST_TMPDIR/.pids"
	echo "$pid"
}

# Record a PID for teardown, for a process started in the background by the test itself
# (so it stays a child of the test shell and `wait` works). Start `ip netns exec` or the
# program itself in the background, never a shell function: its $! would be a subshell.
track() {
	echo "$1" >>"$BATS_TEST_TMPDIR/.pids"
}

# The state letter of a process (R, S, T, Z…), empty when there is no such process.
proc_state() {
	awk '{print $3}' "/proc/$1/stat" 2>/dev/null
}

# True once pid has exited: gone, or a zombie nobody has reaped yet (this machine's init may
# take its time with orphans).
proc_gone() {
	case $(proc_state "$1") in
	'' | Z | X) return 0 ;;
	esac
	return 1
}

# wait_for <seconds> cmd...: poll every 100 ms until cmd succeeds; 1 when time runs out
wait_for() {
	local n=$(($1 * 10))
	shift
	while ! "$@" >/dev/null 2>&1; do
		n=$((n - 1))
		[ "$n" -gt 0 ] || return 1
		sleep 0.1
	done
}

linen_teardown() {
	local p n
	if [ -f "$BATS_TEST_TMPDIR/.pids" ]; then
		while read -r p; do
			kill "$p" 2>/dev/null && { sleep 0.1; kill -9 "$p" 2>/dev/null; }
		done <"$BATS_TEST_TMPDIR/.pids"
		rm -f "$BATS_TEST_TMPDIR/.pids"
	fi
	if [ -f "$BATS_TEST_TMPDIR/.netns" ]; then
		while read -r n; do
			ip netns pids "$n" 2>/dev/null | xargs -r kill -9 2>/dev/null
			ip netns del "$n" 2>/dev/null
		done <"$BATS_TEST_TMPDIR/.netns"
		rm -f "$BATS_TEST_TMPDIR/.netns"
	fi
}
