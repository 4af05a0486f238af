#!/usr/bin/env bats
# SPDX-License-Identifier: Apache-2.0
# host-local run directly as a CNI plugin (CNI_* environment, config on stdin)
# against a store in a temporary dataDir. host-local touches no network, so
# no namespace is needed: CNI_NETNS points at a path that is never opened.
#
# Covers every verb and spec version family, dual-stack, requested IPs, full
# ranges, 100 concurrent ADDs, GC, STATUS, corrupt store files, store
# compatibility in both directions with the reference plugin (Debian's
# /usr/lib/cni/host-local, spec <= 1.0.0), and crash safety (SIGKILL at every
# named point of ADD and DEL, and at random moments).

load helpers

REF=/usr/lib/cni/host-local

setup() {
	HL=$LINEN_BUILD/plugins/host-local/host-local
	[ -x "$HL" ] || skip "host-local not built in $LINEN_BUILD"
	D=$BATS_TEST_TMPDIR/data
	mkdir -p "$D"
}

teardown() {
	linen_teardown
}

# conf <version> <ipam-body-without-braces> [extra top-level keys]
conf() {
	echo "{\"cniVersion\":\"$1\",\"name\":\"net\",\"type\":\"host-local\"${3:+,$3},\"ipam\":{\"type\":\"host-local\",\"dataDir\":\"$D\",$2}}"
}

# plugin <binary> <command> <containerid> <ifname> <config> [VAR=value...]
plugin() {
	local bin=$1 cmd=$2 id=$3 ifname=$4 cfg=$5
	shift 5
	env CNI_COMMAND="$cmd" CNI_CONTAINERID="$id" CNI_NETNS=/var/run/netns/none \
		CNI_IFNAME="$ifname" CNI_PATH=/usr/lib/cni "$@" "$bin" <<<"$cfg"
}

hl() { plugin "$HL" "$@"; }

# Start our plugin in the background as a direct child (so $! is the plugin itself).
hl_bg() {
	CNI_COMMAND=$1 CNI_CONTAINERID=$2 CNI_NETNS=/var/run/netns/none CNI_IFNAME=$3 \
		CNI_PATH=/usr/lib/cni exec "$HL" <<<"$4" >/dev/null 2>&1
}
ref() { plugin "$REF" "$@"; }

V4='"ranges":[[{"subnet":"10.10.0.0/24"}]]'
DUAL='"ranges":[[{"subnet":"10.10.0.0/24"}],[{"subnet":"fd10::/120"}]]'

# Files of the store that belong to a container (any interface).
owned_by() {
	grep -l -s -x -F -e "$1"$'\r' -e "$1" -- "$D"/net/* 2>/dev/null |
		grep -v -e '/lock$' -e 'last_reserved_ip' || true
}

@test "ADD, CHECK, DEL, DEL again in every spec version" {
	local v
	for v in 0.1.0 0.2.0 0.3.0 0.3.1 0.4.0 1.0.0 1.1.0; do
		run hl ADD "c-$v" eth0 "$(conf "$v" "$V4")"
		[ "$status" -eq 0 ] || { echo "$v: $output"; false; }
		[ "$(jq -r .cniVersion <<<"$output")" = "$v" ]
		case $v in
		0.1.0 | 0.2.0)
			[[ "$(jq -r .ip4.ip <<<"$output")" == 10.10.0.*/24 ]]
			[ "$(jq -r .ip4.gateway <<<"$output")" = 10.10.0.1 ] ;;
		0.3.* | 0.4.0)
			[ "$(jq -r '.ips[0].version' <<<"$output")" = 4 ]
			[ "$(jq -r '.ips[0].gateway' <<<"$output")" = 10.10.0.1 ] ;;
		*)
			[ "$(jq -r '.ips[0] | has("version")' <<<"$output")" = false ]
			[ "$(jq -r '.ips[0] | has("interface")' <<<"$output")" = false ]
			[[ "$(jq -r '.ips[0].address' <<<"$output")" == 10.10.0.*/24 ]] ;;
		esac
		[ -n "$(owned_by "c-$v")" ]
		if [ "$v" = 0.4.0 ] || [ "$v" = 1.0.0 ] || [ "$v" = 1.1.0 ]; then
			hl CHECK "c-$v" eth0 "$(conf "$v" "$V4")"
			run hl CHECK "c-other" eth0 "$(conf "$v" "$V4")"
			[ "$status" -ne 0 ]
			[[ "$output" == *"Failed to find address added by container c-other"* ]]
		fi
		hl DEL "c-$v" eth0 "$(conf "$v" "$V4")"
		[ -z "$(owned_by "c-$v")" ]
		hl DEL "c-$v" eth0 "$(conf "$v" "$V4")"
	done
	# A range edited into an invalid one does not block DEL of what it gave out.
	hl ADD c-edit eth0 "$(conf 1.0.0 "$V4")" >/dev/null
	run hl ADD c-edit2 eth0 "$(conf 1.0.0 '"ranges":[[{"subnet":"10.10.0.1/24"}]]')"
	[ "$status" -eq 1 ]
	[ "$(jq -r .code <<<"$output")" = 7 ]
	hl DEL c-edit eth0 "$(conf 1.0.0 '"ranges":[[{"subnet":"10.10.0.1/24"}]]')"
	[ -z "$(owned_by c-edit)" ]
	# DEL on a network that never had a store succeeds and creates nothing.
	hl DEL x eth0 "$(conf 1.0.0 "$V4" | sed 's/"name":"net"/"name":"never"/')"
	[ ! -e "$D/never" ]
}

@test "results are byte-identical to the reference plugin's" {
	local v cfg
	for v in 0.1.0 0.2.0 0.3.1 0.4.0 1.0.0; do
		printf 'nameserver 10.0.0.10\nsearch a.local b.local\ndomain x.local\noptions ndots:5\n' \
			>"$BATS_TEST_TMPDIR/resolv.conf"
		cfg=$(conf "$v" "$DUAL,\"routes\":[{\"dst\":\"0.0.0.0/0\"},{\"dst\":\"10.9.0.0/16\",\"gw\":\"10.10.0.1\"}],\"resolvConf\":\"$BATS_TEST_TMPDIR/resolv.conf\"")
		ours=$(D=$BATS_TEST_TMPDIR/ours-$v; hl ADD "c-$v" eth0 "${cfg//$BATS_TEST_TMPDIR\/data/$D}")
		theirs=$(D=$BATS_TEST_TMPDIR/ref-$v; ref ADD "c-$v" eth0 "${cfg//$BATS_TEST_TMPDIR\/data/$D}")
		[ "$ours" = "$theirs" ] || { diff <(echo "$ours") <(echo "$theirs"); false; }
		# And the two stores hold the same files with the same bytes.
		diff -r "$BATS_TEST_TMPDIR/ours-$v" "$BATS_TEST_TMPDIR/ref-$v"
	done
}

@test "dual-stack: one address per range set, files and cursors per set" {
	run hl ADD c1 eth0 "$(conf 1.0.0 "$DUAL")"
	[ "$status" -eq 0 ]
	[ "$(jq -r '.ips[0].address' <<<"$output")" = 10.10.0.2/24 ]
	[ "$(jq -r '.ips[1].address' <<<"$output")" = fd10::2/120 ]
	[ "$(jq -r '.ips[1].gateway' <<<"$output")" = fd10::1 ]
	[ "$(printf 'c1\r\neth0')" = "$(cat "$D/net/10.10.0.2")" ]
	[ "$(printf 'c1\r\neth0')" = "$(cat "$D/net/fd10::2")" ]
	[ "$(cat "$D/net/last_reserved_ip.0")" = 10.10.0.2 ]
	[ "$(cat "$D/net/last_reserved_ip.1")" = fd10::2 ]
	[ "$(stat -c %a "$D/net/10.10.0.2")" = 600 ]
	[ "$(stat -c %a "$D/net")" = 755 ]
	# A second interface of the same container gets its own addresses.
	run hl ADD c1 net1 "$(conf 1.0.0 "$DUAL")"
	[ "$(jq -r '.ips[0].address' <<<"$output")" = 10.10.0.3/24 ]
	# A repeated ADD is refused with the reference's words.
	run hl ADD c1 eth0 "$(conf 1.0.0 "$DUAL")"
	[ "$status" -eq 1 ]
	[ "$(jq -r .msg <<<"$output")" = "failed to allocate for range 0: 10.10.0.2 has been allocated to c1, duplicate allocation is not allowed" ]
	hl DEL c1 eth0 "$(conf 1.0.0 "$DUAL")"
	[ ! -e "$D/net/10.10.0.2" ]
	[ ! -e "$D/net/fd10::2" ]
	[ -e "$D/net/10.10.0.3" ]
	# 0.2.0 allows only one address per family.
	run hl ADD c2 eth0 "$(conf 0.2.0 '"ranges":[[{"subnet":"10.10.0.0/24"}],[{"subnet":"10.11.0.0/24"}]]')"
	[ "$status" -eq 1 ]
	[[ "$output" == *"CNI version 0.2.0 does not support more than 1 address per family"* ]]
}

@test "requested IPs: CNI_ARGS IP=, args.cni.ips, runtimeConfig.ips" {
	run hl ADD a eth0 "$(conf 1.0.0 "$V4")" CNI_ARGS="IgnoreUnknown=1;K8S_POD_NAME=x;IP=10.10.0.50"
	[ "$status" -eq 0 ]
	[ "$(jq -r '.ips[0].address' <<<"$output")" = 10.10.0.50/24 ]
	run hl ADD b eth0 "$(conf 1.0.0 "$DUAL" '"args":{"cni":{"ips":["10.10.0.60","fd10::60"]}}')"
	[ "$(jq -r '[.ips[].address] | join(" ")' <<<"$output")" = "10.10.0.60/24 fd10::60/120" ]
	run hl ADD c eth0 "$(conf 1.0.0 "$V4" '"runtimeConfig":{"ips":["10.10.0.70/24"]}')"
	[ "$(jq -r '.ips[0].address' <<<"$output")" = 10.10.0.70/24 ]
	# Taken, the gateway, and outside every range.
	run hl ADD d eth0 "$(conf 1.0.0 "$V4")" CNI_ARGS="IP=10.10.0.50"
	[ "$status" -eq 1 ]
	[ "$(jq -r .msg <<<"$output")" = "failed to allocate for range 0: requested IP address 10.10.0.50 is not available in range set 10.10.0.1-10.10.0.254" ]
	run hl ADD d eth0 "$(conf 1.0.0 "$V4")" CNI_ARGS="IP=10.10.0.1"
	[ "$(jq -r .msg <<<"$output")" = "failed to allocate for range 0: requested ip 10.10.0.1 is subnet's gateway" ]
	run hl ADD d eth0 "$(conf 1.0.0 "$DUAL")" CNI_ARGS="IP=10.99.0.1"
	[ "$(jq -r .msg <<<"$output")" = "failed to allocate all requested IPs: 10.99.0.1" ]
	# All or nothing: the failed ADD left no address behind.
	[ -z "$(owned_by d)" ]
	# Unknown CNI_ARGS keys are refused unless IgnoreUnknown.
	run hl ADD e eth0 "$(conf 1.0.0 "$V4")" CNI_ARGS="FOO=1"
	[ "$status" -eq 1 ]
	[ -z "$(owned_by e)" ]
}

@test "a full range is a CNI error naming the range set; STATUS says 50" {
	local cfg i
	cfg=$(conf 1.1.0 '"ranges":[[{"subnet":"10.20.0.0/29"}],[{"subnet":"fd20::/64"}]]')
	hl STATUS "" "" "$cfg"
	for i in 1 2 3 4 5; do hl ADD "c$i" eth0 "$cfg" >/dev/null; done
	run hl ADD c6 eth0 "$cfg"
	[ "$status" -eq 1 ]
	[ "$(jq -r .code <<<"$output")" = 999 ]
	[ "$(jq -r .msg <<<"$output")" = "failed to allocate for range 0: no IP addresses available in range set: 10.20.0.1-10.20.0.6" ]
	[ -z "$(owned_by c6)" ]
	run hl STATUS "" "" "$cfg"
	[ "$status" -eq 1 ]
	[ "$(jq -r .code <<<"$output")" = 50 ]
	[ "$(jq -r .msg <<<"$output")" = "no IP addresses available in range set: 10.20.0.1-10.20.0.6" ]
	hl DEL c3 eth0 "$cfg"
	hl STATUS "" "" "$cfg"
	# The freed address is found again (round-robin wraps to it).
	run hl ADD c7 eth0 "$cfg"
	[ "$(jq -r '.ips[0].address' <<<"$output")" = 10.20.0.4/29 ]
}

@test "100 concurrent ADDs get 100 distinct addresses" {
	local cfg i
	cfg=$(conf 1.0.0 '"ranges":[[{"subnet":"10.30.0.0/24"}],[{"subnet":"fd30::/64"}]]')
	for i in $(seq 1 100); do
		hl ADD "p$i" eth0 "$cfg" >"$BATS_TEST_TMPDIR/out.$i" &
	done
	wait
	for i in $(seq 1 100); do jq -r '.ips[].address' "$BATS_TEST_TMPDIR/out.$i"; done \
		>"$BATS_TEST_TMPDIR/all"
	[ "$(grep -c '^10\.30\.' "$BATS_TEST_TMPDIR/all")" -eq 100 ]
	[ "$(grep -c '^fd30:' "$BATS_TEST_TMPDIR/all")" -eq 100 ]
	[ "$(sort -u "$BATS_TEST_TMPDIR/all" | wc -l)" -eq 200 ]
	[ "$(ls "$D/net" | grep -c '^10\.30\.')" -eq 100 ]
	for i in $(seq 1 100); do hl DEL "p$i" eth0 "$cfg" & done
	wait
	[ "$(ls "$D/net" | grep -c -v -e lock -e last_reserved)" -eq 0 ]
}

@test "ours and the reference running concurrently on one store never collide" {
	local cfg i
	cfg=$(conf 1.0.0 '"ranges":[[{"subnet":"10.31.0.0/24"}]]')
	for i in $(seq 1 40); do
		hl ADD "o$i" eth0 "$cfg" >"$BATS_TEST_TMPDIR/o.$i" &
		ref ADD "r$i" eth0 "$cfg" >"$BATS_TEST_TMPDIR/r.$i" &
	done
	wait
	cat "$BATS_TEST_TMPDIR"/o.* "$BATS_TEST_TMPDIR"/r.* | jq -r '.ips[0].address' \
		>"$BATS_TEST_TMPDIR/all"
	[ "$(wc -l <"$BATS_TEST_TMPDIR/all")" -eq 80 ]
	[ "$(sort -u "$BATS_TEST_TMPDIR/all" | wc -l)" -eq 80 ]
	[ "$(ls "$D/net" | grep -c '^10\.31\.')" -eq 80 ]
}

@test "GC frees addresses of unlisted attachments, keeps listed and corrupt ones" {
	local cfg
	cfg=$(conf 1.1.0 "$V4")
	hl ADD keep eth0 "$cfg" >/dev/null
	hl ADD gone eth0 "$cfg" >/dev/null
	hl ADD keep net1 "$cfg" >/dev/null
	printf 'legacyid' >"$D/net/10.10.0.100"
	printf 'garbage \x01\r\n' >"$D/net/10.10.0.101"
	cfg=$(conf 1.1.0 "$V4" '"cni.dev/valid-attachments":[{"containerID":"keep","ifname":"eth0"}]')
	run hl GC "" "" "$cfg"
	[ "$status" -eq 0 ]
	[ -n "$(owned_by keep)" ]
	[ "$(owned_by keep | wc -l)" -eq 1 ]
	[ -z "$(owned_by gone)" ]
	[ ! -e "$D/net/10.10.0.100" ]
	[ -e "$D/net/10.10.0.101" ]
	[[ "$output" == *"10.10.0.101"* ]]
	# No attachments at all: everything valid goes, the corrupt file stays.
	run hl GC "" "" "$(conf 1.1.0 "$V4" '"cni.dev/valid-attachments":[]')"
	[ "$status" -eq 0 ]
	[ -z "$(owned_by keep)" ]
	[ -e "$D/net/10.10.0.101" ]
}

@test "a corrupt store file is reported and never overwritten or freed" {
	local cfg
	cfg=$(conf 1.0.0 '"ranges":[[{"subnet":"10.40.0.0/29"}]]')
	mkdir -p "$D/net"
	printf '' >"$D/net/10.40.0.2"
	printf 'not a valid owner\n' >"$D/net/10.40.0.3"
	printf 'hello' >"$D/net/README"
	run hl ADD c1 eth0 "$cfg"
	[ "$status" -eq 0 ]
	[[ "$output" == *"10.40.0.2"*"content is not"* ]] || [[ "$output" == *"10.40.0.3"* ]]
	[[ "$output" == *"README"* ]]
	[ "$(hl ADD c2 eth0 "$cfg" 2>/dev/null | jq -r '.ips[0].address')" = 10.40.0.5/29 ]
	[ ! -s "$D/net/10.40.0.2" ]
	[ "$(cat "$D/net/10.40.0.3")" = "not a valid owner" ]
	run hl CHECK c1 eth0 "$cfg"
	[ "$status" -eq 0 ]
	[[ "$output" == *"10.40.0.3"* ]]
	hl DEL c1 eth0 "$cfg"
	hl DEL c2 eth0 "$cfg"
	[ -e "$D/net/10.40.0.2" ]
	[ -e "$D/net/10.40.0.3" ]
	# Legacy files (ID only) are accepted: CHECK finds them, DEL removes them.
	printf 'old1' >"$D/net/10.40.0.6"
	hl CHECK old1 eth0 "$cfg"
	hl DEL old1 eth0 "$cfg"
	[ ! -e "$D/net/10.40.0.6" ]
}

@test "network names and IDs cannot escape the data directory" {
	run hl ADD c1 eth0 "$(conf 1.0.0 "$V4" | sed 's/"name":"net"/"name":"..\/..\/etc"/')"
	[ "$status" -eq 1 ]
	run hl ADD ../c1 eth0 "$(conf 1.0.0 "$V4")"
	[ "$status" -eq 1 ]
	run hl ADD c1 ../eth0 "$(conf 1.0.0 "$V4")"
	[ "$status" -eq 1 ]
	[ -z "$(ls "$D")" ] || [ -z "$(ls "$D/net" | grep -v -e lock)" ]
	[ ! -e "$BATS_TEST_TMPDIR/etc" ]
}

@test "the reference plugin and ours share one store, both ways" {
	local cfg out
	cfg=$(conf 1.0.0 "$DUAL")
	# Reference allocates; ours skips its addresses and continues round-robin.
	[ "$(ref ADD r1 eth0 "$cfg" | jq -r '.ips[0].address')" = 10.10.0.2/24 ]
	[ "$(ref ADD r2 eth0 "$cfg" | jq -r '.ips[0].address')" = 10.10.0.3/24 ]
	out=$(hl ADD o1 eth0 "$cfg")
	[ "$(jq -r '[.ips[].address] | join(" ")' <<<"$out")" = "10.10.0.4/24 fd10::4/120" ]
	# Ours allocates; the reference continues after it and sees ours as taken.
	[ "$(ref ADD r3 eth0 "$cfg" | jq -r '.ips[0].address')" = 10.10.0.5/24 ]
	run ref ADD o1 eth0 "$cfg"
	[ "$status" -ne 0 ]
	[[ "$output" == *"duplicate allocation is not allowed"* ]]
	run ref ADD r9 eth0 "$cfg" CNI_ARGS="IP=10.10.0.4"
	[ "$status" -ne 0 ]
	run hl ADD o9 eth0 "$cfg" CNI_ARGS="IP=10.10.0.2"
	[ "$status" -ne 0 ]
	# Each one's CHECK and DEL work on the other's files.
	ref CHECK o1 eth0 "$cfg"
	hl CHECK r1 eth0 "$cfg"
	ref DEL o1 eth0 "$cfg"
	[ -z "$(owned_by o1)" ]
	hl DEL r1 eth0 "$cfg"
	[ -z "$(owned_by r1)" ]
	# Files are byte-identical whoever wrote them.
	hl ADD o2 eth0 "$cfg" >/dev/null
	[ "$(od -c "$D/net/10.10.0.6")" = "$(printf 'o2\r\neth0' | od -c)" ]
	[ "$(od -c "$D/net/10.10.0.5")" = "$(printf 'r3\r\neth0' | od -c)" ]
	# A full range is full for both.
	cfg=$(conf 1.0.0 '"ranges":[[{"subnet":"10.50.0.0/30"}]]')
	ref ADD x1 eth0 "$cfg" >/dev/null
	run hl ADD x2 eth0 "$cfg"
	[[ "$output" == *"no IP addresses available in range set: 10.50.0.1-10.50.0.2"* ]]
	hl DEL x1 eth0 "$cfg"
	hl ADD x2 eth0 "$cfg" >/dev/null
	run ref ADD x3 eth0 "$cfg"
	[[ "$output" == *"no IP addresses available in range set: 10.50.0.1-10.50.0.2"* ]]
}

@test "SIGKILL at every point of ADD and DEL: retry works, DEL leaves nothing" {
	local cfg p id f
	cfg=$(conf 1.0.0 "$DUAL")
	for p in add-locked add-reserved add-reserved:2 add-cursor add-cursor:2 add-done; do
		id=k-${p/:/-}
		run hl ADD "$id" eth0 "$cfg" LINEN_IPAM_CRASH_AT="$p"
		[ "$status" -eq 137 ] || { echo "$p: not killed: $output"; false; }
		# Every file in the store is complete: no empty or torn owner file.
		for f in "$D"/net/*; do
			case $f in */lock | */last_reserved_ip.*) continue ;; esac
			[ -s "$f" ] || { echo "$p: empty $f"; false; }
		done
		# The runtime's answer to a failed ADD is DEL; then ADD again works.
		hl DEL "$id" eth0 "$cfg"
		[ -z "$(owned_by "$id")" ]
		hl ADD "$id" eth0 "$cfg" >/dev/null
		hl DEL "$id" eth0 "$cfg"
		[ -z "$(owned_by "$id")" ]
	done
	for p in del-locked del-released; do
		hl ADD "d-$p" eth0 "$cfg" >/dev/null
		run hl DEL "d-$p" eth0 "$cfg" LINEN_IPAM_CRASH_AT="$p"
		[ "$status" -eq 137 ]
		hl DEL "d-$p" eth0 "$cfg"
		[ -z "$(owned_by "d-$p")" ]
	done
	# A killed run never blocks the next one: flock dies with the process.
	timeout 5 "$HL" </dev/null >/dev/null 2>&1 || true
	run timeout 10 env CNI_COMMAND=ADD CNI_CONTAINERID=after CNI_NETNS=/x CNI_IFNAME=eth0 \
		CNI_PATH=/usr/lib/cni "$HL" <<<"$cfg"
	[ "$status" -eq 0 ]
}

@test "SIGKILL at random moments: the store stays consistent" {
	local cfg i pid n
	cfg=$(conf 1.0.0 "$DUAL")
	for i in $(seq 1 40); do
		hl_bg ADD "r$i" eth0 "$cfg" &
		pid=$!
		sleep "0.00$((RANDOM % 10))"
		kill -9 "$pid" 2>/dev/null || true
		wait "$pid" 2>/dev/null || true
		if [ $((i % 2)) -eq 0 ]; then
			hl_bg DEL "r$i" eth0 "$cfg" &
			pid=$!
			sleep "0.00$((RANDOM % 5))"
			kill -9 "$pid" 2>/dev/null || true
			wait "$pid" 2>/dev/null || true
		fi
		hl DEL "r$i" eth0 "$cfg"
		[ -z "$(owned_by "r$i")" ]
	done
	for f in "$D"/net/*; do
		case $f in */lock | */last_reserved_ip.*) continue ;; esac
		echo "left: $f"
		false
	done
	# And the store is still usable.
	n=$(hl ADD final eth0 "$cfg" | jq '.ips | length')
	[ "$n" -eq 2 ]
}

@test "a nearly full /20 with 4000 used addresses allocates the next free one" {
	local cfg i
	cfg=$(conf 1.1.0 '"ranges":[[{"subnet":"10.64.0.0/20"}]]')
	mkdir -p "$D/net"
	# 4000 addresses owned by others, in the reference's format.
	for i in $(seq 2 4001); do
		printf 'other%d\r\neth0' "$i" >"$D/net/10.64.$((i / 256)).$((i % 256))"
	done
	# Its speed is measured against the reference in bench/ (README), not timed here.
	run hl ADD fast eth0 "$cfg"
	[ "$status" -eq 0 ]
	[ "$(jq -r '.ips[0].address' <<<"$output")" = 10.64.15.162/20 ]
	hl STATUS "" "" "$cfg"
}
