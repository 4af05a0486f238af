#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Run every suite — unit tests in the plain and the sanitizer build, bats
# integration tests against the real kernel/etcd/nft, and a short bounded run
# of each fuzz target — and end with one line: "N passed, N failed".
#
# Environment: LINEN_BUILD/LINEN_BUILD_ASAN/LINEN_BUILD_FUZZ (build dirs), SUITES (default "unit asan integration fuzz"), FUZZ_SECONDS (10),
# BATS_FILTER (a glob under test/integration, default *.bats).
set -u
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"
suites=${SUITES:-unit asan integration fuzz}
fuzz_seconds=${FUZZ_SECONDS:-10}
build=${LINEN_BUILD:-build}
build_asan=${LINEN_BUILD_ASAN:-build-asan}
build_fuzz=${LINEN_BUILD_FUZZ:-build-fuzz}
logdir=$(mktemp -d /tmp/linen-tests.XXXXXX)
pass=0 fail=0 skip=0
failed_names=()

# Count TAP lines of one run. A run that exits non-zero without a failing
# case (a crash, a sanitizer report after the last case) counts as a failure.
count_tap() {
	local name=$1 log=$2 rc=$3 p f s
	p=$(grep -cE '^ok [0-9]+' "$log" | head -1)
	s=$(grep -cE '^ok [0-9]+.*# (skip|SKIP)' "$log" | head -1)
	f=$(grep -cE '^not ok [0-9]+' "$log" | head -1)
	p=$((p - s))
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

run_unit() {
	local bdir=$1 tag=$2 tests n
	[ -f "$bdir/build.ninja" ] || { echo "no $bdir; run make check"; fail=$((fail + 1)); return; }
	tests=$(meson introspect "$bdir" --tests)
	n=$(jq length <<<"$tests")
	# a tree configured without cmocka has no unit test at all: that is a failure, not a pass
	if ! jq -e 'map(.suite | map(endswith(":unit")) | any) | any' <<<"$tests" >/dev/null; then
		echo "FAIL: $tag: no unit tests in $bdir (was cmocka missing when it was configured?)"
		fail=$((fail + 1))
		failed_names+=("$tag")
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
		LINEN_TOP=$top LINEN_BUILD=$(cd "$build" && pwd) timeout 1800 bats --tap "$f" >"$log" 2>&1
		rc=$?
		count_tap "integration/$(basename "$f" .bats)" "$log" "$rc"
	done
}

run_fuzz() {
	local bdir=$build_fuzz t name log rc corpus
	[ -f "$bdir/build.ninja" ] || { echo "no $bdir; run make check"; fail=$((fail + 1)); return; }
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

for s in $suites; do
	case $s in
	unit) run_unit "$build" unit ;;
	asan) ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1 \
		run_unit "$build_asan" asan ;;
	integration) run_integration ;;
	fuzz) run_fuzz ;;
	*) echo "unknown suite $s"; fail=$((fail + 1)) ;;
	esac
done

[ ${#failed_names[@]} -gt 0 ] && echo "failed: ${failed_names[*]} (logs in $logdir)"
if [ "$skip" -gt 0 ]; then
	echo "$pass passed, $fail failed, $skip skipped"
else
	echo "$pass passed, $fail failed"
fi
[ "$fail" -eq 0 ]
