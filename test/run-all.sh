#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Run every suite — unit tests in the plain and the sanitizer build, bats
# integration tests against the real kernel/etcd/nft, and a short bounded run
# of each fuzz target — and end with one line: "N passed, N failed".
#
# Environment: LINEN_BUILD/LINEN_BUILD_ASAN/LINEN_BUILD_FUZZ (build dirs),
# SUITES (default "unit asan integration fuzz"), FUZZ_SECONDS (10),
# BATS_FILTER (a glob under test/integration, default *.bats).
pass=0 fail=0 skip=0
failed_names=()

# Count TAP lines of one run. A `# SKIP` directive (any case) on an "ok" or a
# "not ok" line is a skip: cmocka prints a skip() as "not ok N # SKIP name",
# bats as "ok N name # skip reason". A run that exits non-zero without a
# failing case (a crash, a sanitizer report after the last case) counts as a
# failure. test/integration/build.bats tests this function against fixtures.
count_tap() {
	local name=$1 log=$2 rc=$3 p f s
	local directive='#[[:space:]]*skip([^[:alnum:]]|$)'
	s=$(grep -E '^(not )?ok [0-9]+' "$log" | grep -ciE "$directive" || true)
	p=$(grep -E '^ok [0-9]+' "$log" | grep -civE "$directive" || true)
	f=$(grep -E '^not ok [0-9]+' "$log" | grep -civE "$directive" || true)
	if [ "$rc" -ne 0 ] && [ "$f" -eq 0 ]; then
		f=1
	fi
	pass=$((pass + p)); fail=$((fail + f)); skip=$((skip + s))
	if [ "$f" -gt 0 ]; then
		failed_names+=("$name")
		echo "FAIL: $name (log: $log)"
		grep -E '^not ok|ERROR|runtime error|AddressSanitizer' "$log" | head -20 | sed 's/^/    /'
	else
		printf '%-40s %d passed%s\n' "$name" "$p" "$([ "$s" -gt 0 ] && echo ", $s skipped")"
	fi
}

# One failure that is not a TAP case (a missing tree, a missing fuzz target).
fail_one() {
	echo "FAIL: $1: $2"
	fail=$((fail + 1))
	failed_names+=("$1")
}

run_unit() {
	local bdir=$1 tag=$2 tests n
	[ -f "$bdir/build.ninja" ] || { fail_one "$tag" "no $bdir; run make check"; return; }
	tests=$(meson introspect "$bdir" --tests)
	n=$(jq length <<<"$tests")
	# a tree configured without cmocka has no unit test at all: that is a failure, not a pass
	if ! jq -e 'map(.suite | map(endswith(":unit")) | any) | any' <<<"$tests" >/dev/null; then
		fail_one "$tag" "no unit tests in $bdir (was cmocka missing when it was configured?)"
		return
	fi
	for ((i = 0; i < n; i++)); do
		local t name log rc envs=() cmd=()
		t=$(jq -c ".[$i]" <<<"$tests")
		jq -e '.suite | map(endswith(":unit")) | any' <<<"$t" >/dev/null || continue
		name=$(jq -r .name <<<"$t")
		while IFS= read -r e; do envs+=("$e"); done < <(jq -r '.env | to_entries[] | "\(.key)=\(.value)"' <<<"$t")
		while IFS= read -r c; do cmd+=("$c"); done < <(jq -r '.cmd[]' <<<"$t")
		log="$logdir/$tag-$name.log"
		(cd "$(jq -r '.workdir // empty' <<<"$t" || true)" 2>/dev/null || cd "$bdir"
			env "${envs[@]}" timeout 300 "${cmd[@]}") >"$log" 2>&1
		rc=$?
		count_tap "$tag/$name" "$log" "$rc"
	done
}

run_integration() {
	local f log rc
	if [ "$(id -u)" -ne 0 ]; then
		echo "integration: skipped, needs root"
		skip=$((skip + 1))
		return
	fi
	for f in test/integration/${BATS_FILTER:-*.bats}; do
		[ -e "$f" ] || continue
		log="$logdir/integration-$(basename "$f" .bats).log"
		LINEN_TOP=$top LINEN_BUILD=$(cd "$build" && pwd) \
			LINEN_BUILD_FUZZ=$(cd "$build_fuzz" 2>/dev/null && pwd || echo "$build_fuzz") \
			timeout 1800 bats --tap "$f" >"$log" 2>&1
		rc=$?
		count_tap "integration/$(basename "$f" .bats)" "$log" "$rc"
	done
}

run_fuzz() {
	local bdir=$build_fuzz t name log rc corpus src
	[ -f "$bdir/build.ninja" ] || { fail_one fuzz "no $bdir; run make check"; return; }
	# Every harness in test/fuzz must have been built: a tree that quietly lost
	# its fuzz targets (no clang, no cmocka, a dropped meson line) is a failure.
	set -- test/fuzz/fuzz-*.c
	[ -e "$1" ] || { fail_one fuzz "no fuzz sources in test/fuzz"; return; }
	for src; do
		name=$(basename "$src" .c)
		[ -n "$(find "$bdir" -type f -executable -name "$name" | head -1)" ] ||
			fail_one "fuzz/$name" "$src has no target in $bdir"
	done
	for t in $(find "$bdir" -type f -executable -name 'fuzz-*' | sort); do
		name=$(basename "$t")
		log="$logdir/$name.log"
		corpus=$(mktemp -d)
		[ -d "test/fuzz/corpus/$name" ] && cp -r "test/fuzz/corpus/$name/." "$corpus/"
		timeout $((fuzz_seconds + 60)) "$t" -max_total_time="$fuzz_seconds" \
			-rss_limit_mb=1024 -timeout=10 "$corpus" >"$log" 2>&1
		rc=$?
		rm -rf "$corpus"
		if [ "$rc" -eq 0 ]; then
			echo "ok 1 - $name" >>"$log"
		else
			echo "not ok 1 - $name" >>"$log"
		fi
		count_tap "fuzz/$name" "$log" "$rc"
	done
}

# Sourced (by test/integration/build.bats): the functions only.
if [ "${BASH_SOURCE[0]}" != "$0" ]; then
	return 0
fi

set -u
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"
suites=${SUITES:-unit asan integration fuzz}
fuzz_seconds=${FUZZ_SECONDS:-10}
build=${LINEN_BUILD:-build}
build_asan=${LINEN_BUILD_ASAN:-build-asan}
build_fuzz=${LINEN_BUILD_FUZZ:-build-fuzz}
logdir=$(mktemp -d /tmp/linen-tests.XXXXXX)

for s in $suites; do
	case $s in
	unit) run_unit "$build" unit ;;
	asan) ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1 \
		run_unit "$build_asan" asan ;;
	integration) run_integration ;;
	fuzz) run_fuzz ;;
	*) fail_one "$s" "unknown suite" ;;
	esac
done

[ ${#failed_names[@]} -gt 0 ] && echo "failed: ${failed_names[*]} (logs in $logdir)"
if [ "$skip" -gt 0 ]; then
	echo "$pass passed, $fail failed, $skip skipped"
else
	echo "$pass passed, $fail failed"
fi
[ "$fail" -eq 0 ]
