#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# make bench: every benchmark, one after the other (never two at once: they would time each
# other), each writing its table under bench/out/. Root; everything runs in namespaces the
# scripts make and remove, or against a private etcd on 127.0.0.1.
#   bench/run.sh [build-dir]      (ONLY="cni alloc rss dataplane" to pick)
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
build=$(cd "${1:-$top/build}" && pwd)
only=${ONLY:-cni alloc rss dataplane}
mkdir -p "$top/bench/out"
for b in $only; do
	echo "== $b" >&2
	case $b in
	cni) "$top/bench/cni-bench.sh" "$build" >/dev/null ;;
	alloc)
		res=$("$top/bench/host-local-alloc.sh" "$build" 2>&1 | grep -v '^seeding')
		cat >"$top/bench/out/host-local-alloc.md" <<-EOF
		# host-local on a nearly full /16

		\`bench/host-local-alloc.sh\`, $(date -u +%F): one ADD and its DEL per run, the store
		holding 60000 addresses of other containers and the round-robin cursor just before them.

		\`\`\`
		$res
		\`\`\`
		EOF
		;;
	rss) "$top/bench/linend-rss.sh" "$(realpath --relative-to="$top" "$build")" >/dev/null ;;
	dataplane) "$top/bench/linend-dataplane.sh" "$build" >/dev/null ;;
	*) echo "bench: unknown benchmark $b" >&2; exit 1 ;;
	esac
done
ls "$top"/bench/out/*.md
