#!/usr/bin/env bats
# SPDX-License-Identifier: Apache-2.0
# The build and the test runner themselves: test/run-all.sh counts TAP the way cmocka and
# bats print it, refuses a fuzz tree that lost targets, and a tree configured without
# test_hooks (make check's build-fuzz, as packaging configures it) ships no test hook and
# installs no test tool. Touches no network; needs no root.

TOP=${LINEN_TOP:-$(cd "$BATS_TEST_DIRNAME/../.." && pwd)}

setup() {
	# shellcheck source=../run-all.sh
	source "$TOP/test/run-all.sh"
	pass=0 fail=0 skip=0
	failed_names=()
	FUZZ_TREE=${LINEN_BUILD_FUZZ:-$TOP/build-fuzz}
	T=$(mktemp -d)
}

teardown() {
	rm -rf "$T"
}

# (No '#' in the names of these tests: in TAP, "# skip" in a test's name is a directive.)
# A cmocka run in TAP mode (CMOCKA_MESSAGE_OUTPUT=TAP): case 1 called skip(), case 3 failed.
cmocka_log() {
	cat <<'TAP'
1..3
not ok 1 # SKIP a
ok 2 - b
not ok 3 - c
# 0
# skipt.c:7: error: Failure!
# not ok - t
TAP
}

@test "count_tap: cmocka's skip() line, a not-ok with a SKIP directive, is a skip, not a failure" {
	cmocka_log | grep -v '^not ok 3' >"$T/log"
	count_tap cmocka "$T/log" 0 >/dev/null
	[ "$pass" -eq 1 ]
	[ "$skip" -eq 1 ]
	[ "$fail" -eq 0 ]
}

@test "count_tap: a failing cmocka case next to a skip is one failure" {
	cmocka_log >"$T/log"
	count_tap cmocka "$T/log" 1 >/dev/null
	[ "$pass" -eq 1 ]
	[ "$skip" -eq 1 ]
	[ "$fail" -eq 1 ]
	[ "${failed_names[*]}" = cmocka ]
}

@test "count_tap: bats' skip line, an ok with a skip directive, is a skip" {
	printf '1..3\nok 1 a\nok 2 b # skip needs etcd\nok 3 c # SKIP no ipv6\n' >"$T/log"
	count_tap bats "$T/log" 0 >/dev/null
	[ "$pass" -eq 1 ]
	[ "$skip" -eq 2 ]
	[ "$fail" -eq 0 ]
}

@test "count_tap: a hash sign in a case name is no directive; a later SKIP directive is" {
	printf '1..3\nok 1 - rule #3 is kept\nnot ok 2 - skip list #2\nok 3 - #skipped-rules # SKIP later\n' >"$T/log"
	count_tap names "$T/log" 1 >/dev/null
	[ "$pass" -eq 1 ]
	[ "$skip" -eq 1 ]
	[ "$fail" -eq 1 ]
}

@test "count_tap: a non-zero exit without a failing case is a failure" {
	printf '1..1\nok 1 - a\nAddressSanitizer: heap-use-after-free\n' >"$T/log"
	count_tap crash "$T/log" 1 >/dev/null
	[ "$pass" -eq 1 ]
	[ "$fail" -eq 1 ]
}

@test "run_fuzz: a fuzz tree without the targets of test/fuzz fails once per missing target" {
	cd "$TOP"
	touch "$T/build.ninja"
	build_fuzz=$T logdir=$T run_fuzz >"$T/out"
	n=$(find test/fuzz -maxdepth 1 -name 'fuzz-*.c' | wc -l)
	[ "$n" -gt 0 ]
	[ "$fail" -eq "$n" ]
	[ "$pass" -eq 0 ]
	grep -q 'fuzz-ip.c has no target' "$T/out"
}

@test "run_fuzz: a missing fuzz tree is a failure" {
	build_fuzz=$T/none logdir=$T run_fuzz >/dev/null
	[ "$fail" -eq 1 ]
}

# The binaries a tree would install (meson introspect), by their path in the build tree.
installed() {
	meson introspect "$1" --targets | jq -r '.[] | select(.installed) | .filename[]'
}

@test "the fuzz tree (no test_hooks) ships no test hook in any installed binary" {
	[ -f "$FUZZ_TREE/build.ninja" ] || { echo "no fuzz tree at $FUZZ_TREE (make build-fuzz)"; false; }
	run installed "$FUZZ_TREE"
	[ "$status" -eq 0 ]
	[[ "$output" == */src/linend/linend* ]]
	[[ "$output" == */plugins/bridge/bridge* ]]
	[[ "$output" == */src/cnitool/cnitool* ]]
	[[ "$output" == */libcni.so* ]]
	local f hits=()
	while IFS= read -r f; do
		[ -f "$f" ] || { echo "not built: $f"; false; }
		if strings -a "$f" | grep -qE 'LINEN_TEST_|LINEN_IPAM_CRASH_AT|test-claim-delay|test-masq-fail'; then
			hits+=("$f: $(strings -a "$f" | grep -oE 'LINEN_TEST_[A-Z_]*|LINEN_IPAM_CRASH_AT|test-claim-delay|test-masq-fail' | sort -u | tr '\n' ' ')")
		fi
	done <<<"$output"
	printf 'test hook in %s\n' "${hits[@]}"
	[ "${#hits[@]}" -eq 0 ]
}

@test "no tree installs a test tool or the example plugin" {
	local tree
	for tree in "$FUZZ_TREE" "${LINEN_BUILD:-$TOP/build}"; do
		[ -f "$tree/build.ninja" ] || { echo "no tree at $tree"; false; }
		run installed "$tree"
		[ "$status" -eq 0 ]
		[ -n "$output" ]
		! grep -E '/(example|nltest|fwtest|cni-driver|floor|test-[^/]*|fuzz-[^/]*)$' <<<"$output" || false
	done
}

@test "the example plugin is built only with test_hooks" {
	[ -f "$FUZZ_TREE/build.ninja" ] || { echo "no fuzz tree at $FUZZ_TREE"; false; }
	run meson introspect "$FUZZ_TREE" --targets
	[ "$status" -eq 0 ]
	! jq -e 'map(select(.name == "example")) | length > 0' <<<"$output" || false
	run meson introspect "${LINEN_BUILD:-$TOP/build}" --targets
	[ "$status" -eq 0 ]
	jq -e 'map(select(.name == "example")) | length == 1' <<<"$output"
}
