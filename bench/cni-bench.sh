#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# linen's CNI plugins against the reference Go plugins (Debian containernetworking-plugins in
# /usr/lib/cni), the same conflist (bridge + host-local, then loopback; cniVersion 1.0.0, the
# reference's highest) run by the same driver (bench/cni-driver.c: fork/exec/wait4 timing and
# peak RSS per plugin process), alternating implementations pod by pod, in one run:
#   - ADD and DEL latency p50/p99 of the whole chain over $PODS pods (pods stay up until the
#     DEL phase, so each bridge ends with $PODS ports);
#   - host-local alone (ADD then DEL, same store), to tell IPAM from the rest;
#   - wall time of $PARALLEL ADDs started at once (and of their DELs), $ROUNDS rounds;
#   - peak RSS of one plugin process (bridge, including its host-local child; loopback);
#   - ADD into a nearly full /20: 3999 of its 4093 addresses taken by other containers and the
#     round-robin cursor just before them, so the allocator must skip every taken address;
#   - the floor: bench/floor.c doing only the kernel calls of one ADD, in-process and per exec;
#   - ADD and DEL p50 of macvlan (bridge mode on a veth master) + static IPAM, and of tap +
#     static IPAM, over $EXTRA_PODS pods each, alternating pod by pod like the rest. These
#     plugins come from other work: a case whose binaries are missing prints "not built"
#     (ours) or "no reference binary" (the reference; Debian's 1.1.1 has no tap, so tap is
#     ours only unless REF_TAP names a reference tap binary).
# Everything happens in namespaces this script creates (the "host" is one) and removes.
# Not a test: nothing is asserted on the numbers. Output: a markdown table in $OUT.
#
# usage: bench/cni-bench.sh [build-dir]
#   env: PODS=200 PARALLEL=50 ROUNDS=3 FULL_RUNS=20 EXTRA_PODS=$PODS REF_TAP=/usr/lib/cni/tap OUT
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
build=$(cd "${1:-$top/build}" && pwd)  # absolute: plugins are symlinked from a temp dir
PODS=${PODS:-200}
PARALLEL=${PARALLEL:-50}
ROUNDS=${ROUNDS:-3}
FULL_RUNS=${FULL_RUNS:-20}
EXTRA_PODS=${EXTRA_PODS:-$PODS}
OUT=${OUT:-$top/bench/out/cni.md}
REF_DIR=/usr/lib/cni
REF_TAP=${REF_TAP:-$REF_DIR/tap}

[ "$(id -u)" -eq 0 ] || { echo "cni-bench: needs root (network namespaces)" >&2; exit 1; }
drv=$build/bench/cni-driver
floor=$build/bench/floor
for f in "$drv" "$floor" "$build"/plugins/{bridge/bridge,host-local/host-local,loopback/loopback}
do
	[ -x "$f" ] || { echo "cni-bench: $f missing; build with bench and the plugins" >&2; exit 1; }
done
for p in bridge host-local loopback; do
	[ -x "$REF_DIR/$p" ] || {
		echo "cni-bench: $REF_DIR/$p missing: run scripts/install-deps.sh" \
			"(Debian containernetworking-plugins)" >&2
		exit 1
	}
done

tmp=$(mktemp -d /tmp/cni-bench.XXXXXX)
pfx=cb$$
HOST=$pfx-host
cleanup() {
	local n
	for n in $(ip netns list | awk '{print $1}' | grep "^$pfx-" || true); do
		ip netns del "$n" 2>/dev/null || true
	done
	rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 130' INT TERM
ip netns add "$HOST"
ip -n "$HOST" link set lo up

mkdir -p "$tmp/ours"
for p in bridge host-local loopback; do
	ln -s "$(find "$build/plugins" -name "$p" -type f -perm -u+x | head -1)" "$tmp/ours/$p"
done
# Plugins of other branches: linked only when built.
for p in macvlan static tap; do
	f=$(find "$build/plugins" -name "$p" -type f -perm -u+x 2>/dev/null | head -1)
	[ -z "$f" ] || ln -s "$f" "$tmp/ours/$p"
done
# The reference side of the extra cases: /usr/lib/cni, with tap from $REF_TAP when given.
mkdir -p "$tmp/ref-extra"
for p in macvlan static; do
	[ ! -x "$REF_DIR/$p" ] || ln -s "$REF_DIR/$p" "$tmp/ref-extra/$p"
done
[ ! -x "$REF_TAP" ] || ln -s "$(readlink -f "$REF_TAP")" "$tmp/ref-extra/tap"
declare -A BIN=([ours]=$tmp/ours [ref]=$REF_DIR) NET=([ours]=0 [ref]=1) lat par full

# conflist <impl> <tag> <subnet> -> path
conflist() {
	local impl=$1 tag=$2 subnet=$3 f=$tmp/$1-$2.conflist
	cat >"$f" <<-EOF
	{"cniVersion":"1.0.0","name":"bench-$tag-$impl","plugins":[
	 {"type":"bridge","bridge":"cb${tag:0:1}${NET[$impl]}","isGateway":true,
	  "ipam":{"type":"host-local","dataDir":"$tmp/data-$impl",
	   "ranges":[[{"subnet":"$subnet"}]],"routes":[{"dst":"0.0.0.0/0"}]}},
	 {"type":"loopback"}]}
	EOF
	echo "$f"
}

# drive <impl> <conflist> <cmd> <pod> [driver options...]: prints the driver's report
drive() {
	local impl=$1 conf=$2 cmd=$3 pod=$4
	shift 4
	"$drv" --host-netns "/run/netns/$HOST" "$@" "$cmd" "$conf" "${BIN[$impl]}" \
		"/run/netns/$pod" "id-$pod" eth0
}

# pct <file> <percent>: nearest-rank percentile of the numbers in file
pct() {
	sort -n "$1" | awk -v p="$2" '{v[NR]=$1} END {i=int((p*NR+99)/100); if (i<1) i=1; print v[i]}'
}
max() { sort -n "$1" | tail -1; }
ms() { awk -v u="$1" 'BEGIN {printf "%.2f ms", u/1000}'; }
mib() { awk -v k="$1" 'BEGIN {printf "%.1f MiB", k/1024}'; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN {if (b > 0) printf "%.3f", a/b; else print "-"}'; }

order() { if (($1 % 2)); then echo ours ref; else echo ref ours; fi; }

echo "cni-bench: latency and floor, $PODS pods per implementation" >&2
for impl in ours ref; do
	lat[$impl]=$(conflist "$impl" lat "10.23${NET[$impl]}.0.0/16")
done
# The floor's pods hang off a bridge made here, as a plugin finds it after the first ADD.
ip -n "$HOST" link add cbz0 type bridge
ip -n "$HOST" addr add 10.254.0.1/16 dev cbz0
ip -n "$HOST" link set cbz0 up
# Rotate linen, the reference and the floor pod by pod, so a load change hits all alike.
order3() {
	case $(($1 % 3)) in
	0) echo ours ref floor ;;
	1) echo ref floor ours ;;
	*) echo floor ours ref ;;
	esac
}
for ((i = 1; i <= PODS; i++)); do
	for impl in $(order3 "$i"); do
		pod=$pfx-$impl-$i
		ip netns add "$pod"
		if [ "$impl" = floor ]; then
			"$drv" --host-netns "/run/netns/$HOST" time -- "$floor" "/run/netns/$pod" \
				cbz0 "vethf$i" "10.254.$((i / 250 + 1)).$((i % 250 + 2))/16" \
				10.254.0.1 >"$tmp/out"
			sed -n 1p "$tmp/out" >>"$tmp/floor-in"
			awk '$1 == "T" {print $2}' "$tmp/out" >>"$tmp/floor-exec"
			"$drv" time -- /bin/true >"$tmp/out"
			awk '$1 == "T" {print $2}' "$tmp/out" >>"$tmp/spawn"
			awk '$1 == "P" {print $4}' "$tmp/out" >>"$tmp/spawn-rss"
			continue
		fi
		drive "$impl" "${lat[$impl]}" ADD "$pod" --result-out "$tmp/res-$pod.json" \
			>"$tmp/out"
		awk '$1 == "T" {print $2}' "$tmp/out" >>"$tmp/add-$impl"
		awk '$1 == "P" {print $3 >> "'"$tmp"'/add-" $2 "-'"$impl"'"}' "$tmp/out"
		awk '$1 == "P" && $2 == "bridge" {print $4}' "$tmp/out" >>"$tmp/rss-bridge-$impl"
		awk '$1 == "P" && $2 == "loopback" {print $4}' "$tmp/out" >>"$tmp/rss-lo-$impl"
	done
done
for ((i = 1; i <= PODS; i++)); do
	for impl in $(order3 "$i"); do
		pod=$pfx-$impl-$i
		if [ "$impl" = floor ]; then
			"$drv" --host-netns "/run/netns/$HOST" time -- "$floor" del \
				"/run/netns/$pod" >"$tmp/out"
			sed -n 1p "$tmp/out" >>"$tmp/floor-del"
		else
			drive "$impl" "${lat[$impl]}" DEL "$pod" --prev "$tmp/res-$pod.json" \
				>"$tmp/out"
			awk '$1 == "T" {print $2}' "$tmp/out" >>"$tmp/del-$impl"
			awk '$1 == "P" {print $3 >> "'"$tmp"'/del-" $2 "-'"$impl"'"}' "$tmp/out"
		fi
		ip netns del "$pod"
	done
done

echo "cni-bench: host-local alone, $PODS ADD+DEL" >&2
for impl in ours ref; do
	cat >"$tmp/$impl-ipam.conflist" <<-EOF
	{"cniVersion":"1.0.0","name":"bench-ipam-$impl","plugins":[{"type":"host-local",
	 "ipam":{"type":"host-local","dataDir":"$tmp/data-$impl",
	  "ranges":[[{"subnet":"10.24${NET[$impl]}.0.0/16"}]]}}]}
	EOF
done
# host-local never enters it, but CNI_NETNS must not be the plugin's own namespace.
ip netns add "$pfx-ipam"
for ((i = 1; i <= PODS; i++)); do
	for impl in $(order "$i"); do
		drive "$impl" "$tmp/$impl-ipam.conflist" ADD "$pfx-ipam" >"$tmp/out"
		awk '$1 == "T" {print $2}' "$tmp/out" >>"$tmp/ipam-add-$impl"
		drive "$impl" "$tmp/$impl-ipam.conflist" DEL "$pfx-ipam" >"$tmp/out"
		awk '$1 == "T" {print $2}' "$tmp/out" >>"$tmp/ipam-del-$impl"
	done
done

echo "cni-bench: macvlan+static and tap+static, $EXTRA_PODS pods each" >&2
# xconf <case> <impl> -> conflist path; the case's plugin with static IPAM (one address per
# pod namespace is enough: every pod has its own).
xconf() {
	local c=$1 impl=$2 f=$tmp/$2-x$1.conflist main
	case $c in
	macvlan) main='"type":"macvlan","master":"cbm0","mode":"bridge"' ;;
	tap) main='"type":"tap"' ;;
	esac
	cat >"$f" <<-EOF
	{"cniVersion":"1.0.0","name":"bench-x$c-$impl","plugins":[
	 {$main,"ipam":{"type":"static","addresses":[
	  {"address":"10.22${NET[$impl]}.0.2/16","gateway":"10.22${NET[$impl]}.0.1"}]}}]}
	EOF
	echo "$f"
}
# xwhy <case> <impl> -> "" when both binaries are there, else why not
xwhy() {
	local c=$1 impl=$2 p
	for p in "$c" static; do
		if [ "$impl" = ours ] && [ ! -e "$tmp/ours/$p" ]; then
			echo "not built ($p)"
			return
		fi
		if [ "$impl" = ref ] && [ ! -e "$tmp/ref-extra/$p" ]; then
			echo "no reference binary ($p)"
			return
		fi
	done
}
declare -A xwhy_of
# macvlan's master: a veth end (kernels without the dummy driver have veth).
ip -n "$HOST" link add cbm0 type veth peer name cbm1
ip -n "$HOST" link set cbm0 up
for c in macvlan tap; do
	impls=()
	for impl in ours ref; do
		xwhy_of[$c-$impl]=$(xwhy "$c" "$impl")
		[ -n "${xwhy_of[$c-$impl]}" ] || impls+=("$impl")
	done
	[ "${#impls[@]}" -gt 0 ] || continue
	declare -A xc=()
	for impl in "${impls[@]}"; do xc[$impl]=$(xconf "$c" "$impl"); done
	# The reference side runs from ref-extra (its tap need not live in /usr/lib/cni).
	for cmd in ADD DEL; do
		for ((i = 1; i <= EXTRA_PODS; i++)); do
			for impl in $(order "$i"); do
				[ -n "${xc[$impl]:-}" ] || continue
				pod=$pfx-x$c-$impl-$i
				dir=${BIN[$impl]}
				[ "$impl" = ours ] || dir=$tmp/ref-extra
				[ "$cmd" = DEL ] || ip netns add "$pod"
				if [ "$cmd" = ADD ]; then
					opt=(--result-out "$tmp/res-$pod.json")
				else
					opt=(--prev "$tmp/res-$pod.json")
				fi
				if "$drv" --host-netns "/run/netns/$HOST" "${opt[@]}" "$cmd" \
					"${xc[$impl]}" "$dir" "/run/netns/$pod" "id-$pod" eth0 \
					>"$tmp/out"; then
					awk '$1 == "T" {print $2}' "$tmp/out" >>"$tmp/x$c-$cmd-$impl"
				else
					echo "cni-bench: $c $impl $cmd of pod $i failed" >&2
					echo 1 >>"$tmp/x$c-fail-$impl"
				fi
				[ "$cmd" = ADD ] || ip netns del "$pod"
			done
		done
	done
	unset xc
done

echo "cni-bench: $PARALLEL parallel ADDs, $ROUNDS rounds" >&2
for impl in ours ref; do
	par[$impl]=$(conflist "$impl" par "10.24${NET[$impl]}.0.0/16")
done
for ((r = 1; r <= ROUNDS; r++)); do
	for impl in $(order "$r"); do
		for ((j = 1; j <= PARALLEL; j++)); do
			ip netns add "$pfx-p$impl-$j"
		done
		for cmd in ADD DEL; do
			pids=()
			t0=$(date +%s%N)
			for ((j = 1; j <= PARALLEL; j++)); do
				drive "$impl" "${par[$impl]}" "$cmd" "$pfx-p$impl-$j" \
					>"$tmp/par-$j.out" &
				pids+=($!)
			done
			fails=0
			for p in "${pids[@]}"; do wait "$p" || fails=$((fails + 1)); done
			t1=$(date +%s%N)
			[ "$fails" -eq 0 ] || echo "cni-bench: $impl: $fails parallel ${cmd}s failed" >&2
			echo $(((t1 - t0) / 1000)) >>"$tmp/par-$cmd-$impl"
			echo "$fails" >>"$tmp/parfail-$impl"
		done
		for ((j = 1; j <= PARALLEL; j++)); do
			ip netns del "$pfx-p$impl-$j"
		done
	done
done

echo "cni-bench: ADD into a nearly full /20, $FULL_RUNS runs" >&2
TAKEN=3999
for impl in ours ref; do
	base=10.25${NET[$impl]}
	full[$impl]=$(conflist "$impl" full "$base.0.0/20")
	d=$tmp/data-$impl/bench-full-$impl
	mkdir -p "$d"
	(
		cd "$d"
		for ((k = 2; k < TAKEN + 2; k++)); do
			printf 'other-%d\r\neth0' "$k" >"$base.$((k / 256)).$((k % 256))"
		done
	)
done
for ((r = 1; r <= FULL_RUNS; r++)); do
	for impl in $(order "$r"); do
		base=10.25${NET[$impl]}
		printf '%s.0.1' "$base" >"$tmp/data-$impl/bench-full-$impl/last_reserved_ip.0"
		pod=$pfx-f$impl
		ip netns add "$pod"
		drive "$impl" "${full[$impl]}" ADD "$pod" --result-out "$tmp/res-full.json" >"$tmp/out"
		awk '$1 == "T" {print $2}' "$tmp/out" >>"$tmp/full-$impl"
		drive "$impl" "${full[$impl]}" DEL "$pod" --prev "$tmp/res-full.json" >/dev/null
		ip netns del "$pod"
	done
done

# --- report -------------------------------------------------------------------------------
mkdir -p "$(dirname "$OUT")"
row() { # row <label> <ours> <ref> <formatter>
	printf '| %s | %s | %s | %s |\n' "$1" "$($4 "$2")" "$($4 "$3")" "$(ratio "$2" "$3")"
}
# xrow <case> <ADD|DEL>: the extra cases, with why a side is missing instead of a number
xcell() { # xcell <case> <cmd> <impl>
	local f=$tmp/x$1-$2-$3
	if [ -n "${xwhy_of[$1-$3]:-}" ]; then
		echo "${xwhy_of[$1-$3]}"
	elif [ -s "$tmp/x$1-fail-$3" ]; then
		echo "failed ($(wc -l <"$tmp/x$1-fail-$3") runs, see stderr)"
	elif [ -s "$f" ]; then
		ms "$(pct "$f" 50)"
	else
		echo "-"
	fi
}
xrow() {
	local o=$tmp/x$1-$2-ours r=$tmp/x$1-$2-ref q=-
	if [ -s "$o" ] && [ -s "$r" ] && [ ! -s "$tmp/x$1-fail-ours" ] &&
		[ ! -s "$tmp/x$1-fail-ref" ]; then
		q=$(ratio "$(pct "$o" 50)" "$(pct "$r" 50)")
	fi
	printf '| %s+static %s p50 (%s pods) | %s | %s | %s |\n' "$1" "$2" "$EXTRA_PODS" \
		"$(xcell "$1" "$2" ours)" "$(xcell "$1" "$2" ref)" "$q"
}
cpu=$(awk -F': ' '/^model name/ {print $2; exit}' /proc/cpuinfo)
mem=$(awk '/^MemTotal/ {printf "%.1f GiB", $2/1048576}' /proc/meminfo)
refver=$(dpkg-query -W -f='${Version}' containernetworking-plugins 2>/dev/null || echo unknown)
rev=$(git -C "$top" rev-parse --short HEAD 2>/dev/null || echo unknown)
add50o=$(pct "$tmp/add-ours" 50) add50r=$(pct "$tmp/add-ref" 50)
del50o=$(pct "$tmp/del-ours" 50) del50r=$(pct "$tmp/del-ref" 50)
floor_in=$(pct "$tmp/floor-in" 50) floor_exec=$(pct "$tmp/floor-exec" 50)
floor_del=$(pct "$tmp/floor-del" 50)
{
	echo "# CNI plugins: linen vs the reference"
	echo
	echo "Generated by \`bench/cni-bench.sh\` on $(date -u '+%Y-%m-%d %H:%M UTC')."
	echo
	echo "- Machine: $cpu, $(nproc) CPUs, $mem; Linux $(uname -r)"
	echo "- linen: git $rev ($build); reference: Debian containernetworking-plugins $refver ($REF_DIR)"
	echo "- Conflist (cniVersion 1.0.0): bridge (isGateway, host-local IPAM, default route)," \
		"then loopback. Same driver (bench/cni-driver.c) for both; implementations alternate" \
		"pod by pod. Times are fork-to-wait4 of each plugin process, summed over the chain" \
		"(bridge's time includes its host-local child)."
	echo
	echo "| metric | linen | reference | linen / reference |"
	echo "|---|---|---|---|"
	row "ADD p50 ($PODS pods, chain)" "$add50o" "$add50r" ms
	row "ADD p99" "$(pct "$tmp/add-ours" 99)" "$(pct "$tmp/add-ref" 99)" ms
	row "ADD p50, bridge process (incl. host-local)" "$(pct "$tmp/add-bridge-ours" 50)" \
		"$(pct "$tmp/add-bridge-ref" 50)" ms
	row "ADD p50, loopback process" "$(pct "$tmp/add-loopback-ours" 50)" \
		"$(pct "$tmp/add-loopback-ref" 50)" ms
	row "DEL p50 ($PODS pods, chain)" "$del50o" "$del50r" ms
	row "DEL p99" "$(pct "$tmp/del-ours" 99)" "$(pct "$tmp/del-ref" 99)" ms
	row "DEL p50, bridge process (incl. host-local)" "$(pct "$tmp/del-bridge-ours" 50)" \
		"$(pct "$tmp/del-bridge-ref" 50)" ms
	row "DEL p50, loopback process" "$(pct "$tmp/del-loopback-ours" 50)" \
		"$(pct "$tmp/del-loopback-ref" 50)" ms
	row "host-local alone: ADD p50 (/16, few taken)" "$(pct "$tmp/ipam-add-ours" 50)" \
		"$(pct "$tmp/ipam-add-ref" 50)" ms
	row "host-local alone: DEL p50" "$(pct "$tmp/ipam-del-ours" 50)" \
		"$(pct "$tmp/ipam-del-ref" 50)" ms
	row "$PARALLEL parallel ADDs, wall (median of $ROUNDS)" \
		"$(pct "$tmp/par-ADD-ours" 50)" "$(pct "$tmp/par-ADD-ref" 50)" ms
	row "$PARALLEL parallel DELs, wall (median of $ROUNDS)" \
		"$(pct "$tmp/par-DEL-ours" 50)" "$(pct "$tmp/par-DEL-ref" 50)" ms
	row "peak RSS, bridge process (incl. host-local child)" \
		"$(max "$tmp/rss-bridge-ours")" "$(max "$tmp/rss-bridge-ref")" mib
	row "peak RSS, loopback process" "$(max "$tmp/rss-lo-ours")" "$(max "$tmp/rss-lo-ref")" mib
	row "ADD into a nearly full /20 ($TAKEN/4093 taken), p50 of $FULL_RUNS" \
		"$(pct "$tmp/full-ours" 50)" "$(pct "$tmp/full-ref" 50)" ms
	row "same, worst of $FULL_RUNS" "$(max "$tmp/full-ours")" "$(max "$tmp/full-ref")" ms
	for c in macvlan tap; do
		for cmd in ADD DEL; do
			xrow "$c" "$cmd"
		done
	done
	echo
	echo "Failed parallel operations: linen $(awk '{s+=$1} END {print s+0}' "$tmp/parfail-ours")," \
		"reference $(awk '{s+=$1} END {print s+0}' "$tmp/parfail-ref")."
	echo
	echo "**Floor** (bench/floor.c: only the kernel calls of one ADD -- veth into the pod's" \
		"namespace with the peer born in the host, bridge attach, link up, address, link up," \
		"default route -- against an existing bridge; p50 of $PODS):"
	echo
	echo "| | time | linen ADD p50 / this |"
	echo "|---|---|---|"
	echo "| kernel calls, in-process | $(ms "$floor_in") | $(ratio "$add50o" "$floor_in") |"
	echo "| the same as its own process (fork+exec+wait) | $(ms "$floor_exec") |" \
		"$(ratio "$add50o" "$floor_exec") |"
	echo "| fork+exec+wait of /bin/true | $(ms "$(pct "$tmp/spawn" 50)") |" \
		"$(ratio "$add50o" "$(pct "$tmp/spawn" 50)") |"
	echo "| DEL's kernel call (delete the pod's veth), in-process | $(ms "$floor_del") |" \
		"$(ratio "$del50o" "$floor_del") (linen DEL p50 / this) |"
	echo
	echo "Peak RSS floor: /bin/true (dynamically linked against libc only) peaks at" \
		"$(mib "$(max "$tmp/spawn-rss")")."
	echo
	echo "The linen chain execs three processes (bridge, host-local, loopback) where the floor" \
		"execs one; bridge also writes the IPAM store, sets sysctls, waits for the port to be" \
		"up and renders the result."
} >"$OUT"
cat "$OUT"
