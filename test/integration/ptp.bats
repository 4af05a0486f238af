#!/usr/bin/env bats
# SPDX-License-Identifier: Apache-2.0
# The ptp plugin (with our host-local) in throwaway namespaces; the "host" is a namespace too.
# Per spec version family: ADD → result → kernel state in pod and host (`ip addr`, `ip route`)
# → ping pod↔host → CHECK → DEL → DEL again → nothing left. Then dual-stack with ipMasq and two
# pods pinging each other, CHECK catching broken state, DEL without/with a vanished netns,
# rollback of a failed ADD, GC, STATUS, config errors, and the same kernel state as the
# reference plugin (/usr/lib/cni/ptp).

load helpers

REF=/usr/lib/cni/ptp

setup() {
	require_root
	PTP=$LINEN_BUILD/plugins/ptp/ptp
	[ -x "$PTP" ] || skip "ptp not built in $LINEN_BUILD"
	[ -x "$LINEN_BUILD/plugins/host-local/host-local" ] || skip "host-local not built"
	BIN=$(linen_cni_bin)
	D=$BATS_TEST_TMPDIR/data
	mkdir -p "$D"
	HOST=$(netns_new host)
	POD=$(netns_new pod)
	POD2=$(netns_new pod2)
}

teardown() {
	linen_teardown
}

V4='[[{"subnet":"10.66.0.0/24"}]]'
DUAL='[[{"subnet":"10.66.0.0/24"}],[{"subnet":"fd66::/64"}]]'
ROUTES4='[{"dst":"0.0.0.0/0"}]'
ROUTES_DUAL='[{"dst":"0.0.0.0/0"},{"dst":"::/0"}]'

# conf <version> <ranges> <routes> [extra top-level keys]
conf() {
	echo "{\"cniVersion\":\"$1\",\"name\":\"ptpnet\",\"type\":\"ptp\"${4:+,$4},\"ipam\":{\"type\":\"host-local\",\"dataDir\":\"$D\",\"ranges\":$2,\"routes\":$3}}"
}

# ptp <command> <pod-netns> <containerid> <config> [VAR=value...]: run in the "host" netns.
ptp_bin() {
	local bin=$1 cmd=$2 ns=$3 id=$4 cfg=$5
	shift 5
	ip netns exec "$HOST" env CNI_COMMAND="$cmd" CNI_CONTAINERID="$id" \
		CNI_NETNS="${ns:+/run/netns/$ns}" CNI_IFNAME=eth0 CNI_PATH="$BIN" "$@" \
		"$bin" <<<"$cfg"
}
ptp() { ptp_bin "$PTP" "$@"; }

# with_prev <config> <result>: the config with prevResult set (what a runtime sends to CHECK)
with_prev() {
	jq -c --argjson r "$2" '. + {prevResult: $r}' <<<"$1"
}

host_veths() {
	ip -n "$HOST" -o link show type veth | awk -F': ' '{print $2}' | cut -d@ -f1
}

store_files() {
	find "$D" -type f ! -name lock ! -name 'last_reserved_ip*' 2>/dev/null
}

masq_chains() {
	ip netns exec "$HOST" nft list table inet linen-cni-masq 2>/dev/null | grep -c 'chain c-' || true
}

# Nothing of an attachment is left: no veth on either side, no address file, no nft chain.
# Every check returns on its own: called in an `||` or `if` context (`assert_clean || {...}`)
# bash ignores set -e inside the function, so a failed bare `[ ]` would not stop it and only
# the last check would decide the status.
assert_clean() {
	local l
	l=$(host_veths)
	[ -z "$l" ] || { echo "host veth left: $l"; return 1; }
	if ip -n "$POD" link show eth0 >/dev/null 2>&1; then
		echo "pod eth0 left in $POD"
		return 1
	fi
	l=$(store_files)
	[ -z "$l" ] || { echo "address file left: $l"; return 1; }
	l=$(masq_chains)
	[ "$l" = 0 ] || { echo "masquerade chains left: $l"; return 1; }
}

@test "ADD, kernel state, ping, CHECK, DEL, DEL again in every spec version family" {
	local v out hv ip gw cfg
	for v in 0.1.0 0.2.0 0.3.0 0.3.1 0.4.0 1.0.0 1.1.0; do
		cfg=$(conf "$v" "$V4" "$ROUTES4" '"mtu":1400')
		run ptp ADD "$POD" "c-$v" "$cfg"
		[ "$status" -eq 0 ] || { echo "$v: $output"; false; }
		out=$output
		[ "$(jq -r .cniVersion <<<"$out")" = "$v" ]
		case $v in
		0.1.0 | 0.2.0)
			ip=$(jq -r .ip4.ip <<<"$out"); gw=$(jq -r .ip4.gateway <<<"$out")
			[ "$(jq -r '.ip4.routes[0].dst' <<<"$out")" = 0.0.0.0/0 ]
			hv=$(host_veths) ;;
		*)
			[ "$(jq -r '.interfaces | length' <<<"$out")" = 2 ]
			hv=$(jq -r '.interfaces[0].name' <<<"$out")
			[[ "$hv" =~ ^veth[0-9a-f]{8}$ ]]
			[ "$(jq -r '.interfaces[0] | has("sandbox")' <<<"$out")" = false ]
			[ "$(jq -r '.interfaces[1].name' <<<"$out")" = eth0 ]
			[ "$(jq -r '.interfaces[1].sandbox' <<<"$out")" = "/run/netns/$POD" ]
			[ "$(jq -r '.interfaces[1].mac' <<<"$out")" = \
				"$(ip -n "$POD" -o link show eth0 | grep -o 'link/ether [0-9a-f:]*' | cut -d' ' -f2)" ]
			[ "$(jq -r '.interfaces[0].mac' <<<"$out")" = \
				"$(ip -n "$HOST" -o link show "$hv" | grep -o 'link/ether [0-9a-f:]*' | cut -d' ' -f2)" ]
			[ "$(jq -r '.ips[0].interface' <<<"$out")" = 1 ]
			ip=$(jq -r '.ips[0].address' <<<"$out"); gw=$(jq -r '.ips[0].gateway' <<<"$out") ;;
		esac
		case $v in
		0.3.* | 0.4.0) [ "$(jq -r '.ips[0].version' <<<"$out")" = 4 ] ;;
		1.*) [ "$(jq -r '.ips[0] | has("version")' <<<"$out")" = false ] ;;
		esac
		[[ "$ip" == 10.66.0.*/24 ]]
		[ "$gw" = 10.66.0.1 ]

		# Pod: the address without a kernel subnet route, the gateway as a link route,
		# the subnet and the default via the gateway.
		ip -n "$POD" -o addr show dev eth0 | grep -q "inet $ip "
		ip -n "$POD" -o link show eth0 | grep -q 'mtu 1400 .*state UP'
		run ip -n "$POD" -4 route show
		[[ "$output" == *"default via 10.66.0.1 dev eth0"* ]]
		[[ "$output" == *"10.66.0.0/24 via 10.66.0.1 dev eth0 src ${ip%/*}"* ]]
		[[ "$output" == *"10.66.0.1 dev eth0 scope link src ${ip%/*}"* ]]
		[ "$(ip -n "$POD" -4 route show | wc -l)" = 3 ]
		# Host: the gateway as /32 on the host veth, a host route to the pod.
		ip -n "$HOST" -o addr show dev "$hv" | grep -q 'inet 10.66.0.1/32'
		ip -n "$HOST" -o link show "$hv" | grep -q 'mtu 1400 .*state UP'
		ip -n "$HOST" -4 route show | grep -qx "${ip%/*} dev $hv *"
		[ "$(ip netns exec "$HOST" cat /proc/sys/net/ipv4/ip_forward)" = 1 ]

		ip netns exec "$POD" ping -c1 -W2 10.66.0.1 >/dev/null
		ip netns exec "$HOST" ping -c1 -W2 "${ip%/*}" >/dev/null

		if [ "$v" = 0.4.0 ] || [ "$v" = 1.0.0 ] || [ "$v" = 1.1.0 ]; then
			ptp CHECK "$POD" "c-$v" "$(with_prev "$cfg" "$out")"
		fi
		if [ "$v" = 1.1.0 ]; then
			ptp STATUS "" "" "$cfg"
		fi
		ptp DEL "$POD" "c-$v" "$cfg"
		assert_clean
		ptp DEL "$POD" "c-$v" "$cfg"
		assert_clean
	done
}

@test "dual-stack with ipMasq: two pods reach each other and the host, masquerade entries" {
	local cfg out1 out2 a1 a2 b1 b2 hv
	cfg=$(conf 1.1.0 "$DUAL" "$ROUTES_DUAL" '"ipMasq":true,"ipMasqBackend":"nftables"')
	out1=$(ptp ADD "$POD" c1 "$cfg")
	out2=$(ptp ADD "$POD2" c2 "$cfg")
	a1=$(jq -r '.ips[0].address' <<<"$out1"); a2=$(jq -r '.ips[1].address' <<<"$out1")
	b1=$(jq -r '.ips[0].address' <<<"$out2"); b2=$(jq -r '.ips[1].address' <<<"$out2")
	[[ "$a1" == 10.66.0.*/24 && "$a2" == fd66::*/64 ]]
	[ "$(jq -r '.ips[1].gateway' <<<"$out1")" = fd66::1 ]
	[ "$(jq -r '.ips[1].interface' <<<"$out1")" = 1 ]
	hv=$(jq -r '.interfaces[0].name' <<<"$out1")

	run ip -n "$POD" -6 route show
	[[ "$output" == *"default via fd66::1 dev eth0"* ]]
	[[ "$output" == *"fd66::/64 via fd66::1 dev eth0 src ${a2%/*}"* ]]
	[[ "$output" == *"fd66::1 dev eth0 src ${a2%/*}"* ]]
	! grep -q 'fd66::/64 dev eth0 proto kernel' <<<"$output" || false
	ip -n "$HOST" -o addr show dev "$hv" | grep -q 'inet6 fd66::1/128'
	ip -n "$HOST" -6 route show | grep -q "^${a2%/*} dev $hv"
	[ "$(ip netns exec "$HOST" cat /proc/sys/net/ipv6/conf/all/forwarding)" = 1 ]

	ip netns exec "$POD" ping -c1 -W2 "${b1%/*}" >/dev/null
	ip netns exec "$POD2" ping -c1 -W2 "${a1%/*}" >/dev/null
	ip netns exec "$POD" ping -6 -c1 -W3 "${b2%/*}" >/dev/null
	ip netns exec "$POD2" ping -6 -c1 -W3 "${a2%/*}" >/dev/null
	ip netns exec "$HOST" ping -6 -c1 -W3 "${a2%/*}" >/dev/null
	ip netns exec "$POD" ping -6 -c1 -W3 fd66::1 >/dev/null

	# One masquerade chain per attachment, keyed by each address.
	[ "$(masq_chains)" = 2 ]
	run ip netns exec "$HOST" nft list table inet linen-cni-masq
	[[ "$output" == *"ip saddr ${a1%/*} ip daddr 10.66.0.0/24 return"* ]]
	[[ "$output" == *"ip6 saddr ${a2%/*} ip6 daddr fd66::/64 return"* ]]
	[[ "$output" == *"ip6 saddr ${b2%/*} masquerade"* ]]

	ptp CHECK "$POD" c1 "$(with_prev "$cfg" "$out1")"
	ptp CHECK "$POD2" c2 "$(with_prev "$cfg" "$out2")"

	ptp DEL "$POD" c1 "$cfg"
	[ "$(masq_chains)" = 1 ]
	[ "$(host_veths | wc -l)" = 1 ]
	! ip -n "$HOST" route show | grep -q "^${a1%/*} " || false
	ptp DEL "$POD2" c2 "$cfg"
	ptp DEL "$POD2" c2 "$cfg"
	[ -z "$(host_veths)" ]
	! ip -n "$POD2" link show eth0 2>/dev/null || false
	[ -z "$(store_files)" ]
	[ "$(masq_chains)" = 0 ]
}

@test "CHECK catches a missing route, address, host route, masquerade chain or a wrong MAC" {
	local cfg out prev hv ip
	cfg=$(conf 1.0.0 "$V4" "$ROUTES4" '"ipMasq":true')
	out=$(ptp ADD "$POD" c1 "$cfg")
	prev=$(with_prev "$cfg" "$out")
	hv=$(jq -r '.interfaces[0].name' <<<"$out")
	ip=$(jq -r '.ips[0].address' <<<"$out")
	ptp CHECK "$POD" c1 "$prev"

	ip -n "$POD" route del default
	run ptp CHECK "$POD" c1 "$prev"
	[ "$status" -eq 1 ]
	[[ "$(jq -r .msg <<<"$output")" == *"Failed to match route 0.0.0.0/0"* ]]
	ip -n "$POD" route add default via 10.66.0.1 dev eth0
	ptp CHECK "$POD" c1 "$prev"

	ip -n "$POD" route del 10.66.0.0/24
	run ptp CHECK "$POD" c1 "$prev"
	[ "$status" -eq 1 ]
	[[ "$(jq -r .msg <<<"$output")" == *"Failed to match route 10.66.0.0/24"* ]]
	ip -n "$POD" route add 10.66.0.0/24 via 10.66.0.1 dev eth0 src "${ip%/*}"
	ptp CHECK "$POD" c1 "$prev"

	ip -n "$HOST" route del "${ip%/*}" dev "$hv"
	run ptp CHECK "$POD" c1 "$prev"
	[ "$status" -eq 1 ]
	[[ "$(jq -r .msg <<<"$output")" == *"on the host"* ]]
	ip -n "$HOST" route add "${ip%/*}" dev "$hv"

	ip -n "$HOST" addr del 10.66.0.1/32 dev "$hv"
	run ptp CHECK "$POD" c1 "$prev"
	[ "$status" -eq 1 ]
	[[ "$(jq -r .msg <<<"$output")" == *"Failed to match addr 10.66.0.1/32"* ]]
	ip -n "$HOST" addr add 10.66.0.1/32 dev "$hv"
	# The kernel flushed the link's routes with its last IPv4 address.
	ip -n "$HOST" route add "${ip%/*}" dev "$hv"
	ptp CHECK "$POD" c1 "$prev"

	ip netns exec "$HOST" nft flush chain inet linen-cni-masq \
		"$(ip netns exec "$HOST" nft list table inet linen-cni-masq | grep -o 'chain c-[0-9a-f-]*' | cut -d' ' -f2)"
	run ptp CHECK "$POD" c1 "$prev"
	[ "$status" -eq 1 ]
	[[ "$(jq -r .msg <<<"$output")" == *"IP masquerade rules differ"* ]]

	run ptp CHECK "$POD" c1 "$(with_prev "$cfg" "$(jq -c '.interfaces[1].mac = "02:00:00:00:00:01"' <<<"$out")")"
	[ "$status" -eq 1 ]
	[[ "$(jq -r .msg <<<"$output")" == *"doesn't match container Mac"* ]]
	run ptp CHECK "$POD" c1 "$cfg"
	[ "$status" -eq 1 ]
	[[ "$(jq -r .msg <<<"$output")" == *"Required prevResult missing"* ]]
	run ptp CHECK "$POD2" c1 "$prev"
	[ "$status" -eq 1 ]
	[[ "$(jq -r .msg <<<"$output")" == *"Sandbox in prevResult"* ]]

	ip -n "$POD" link del eth0
	run ptp CHECK "$POD" c1 "$prev"
	[ "$status" -eq 1 ]
	[[ "$(jq -r .msg <<<"$output")" == *"eth0 not found"* ]]
	ptp DEL "$POD" c1 "$cfg"
	assert_clean
}

@test "DEL without CNI_NETNS or with a vanished netns releases the address and masquerade" {
	local cfg
	cfg=$(conf 1.0.0 "$V4" "$ROUTES4" '"ipMasq":true')
	ptp ADD "$POD" c1 "$cfg" >/dev/null
	ptp ADD "$POD2" c2 "$cfg" >/dev/null
	[ "$(store_files | wc -l)" = 2 ]
	[ "$(masq_chains)" = 2 ]
	ptp DEL "" c1 "$cfg"
	[ "$(store_files | wc -l)" = 1 ]
	[ "$(masq_chains)" = 1 ]
	ptp DEL "$POD" c1 "$cfg"
	ip netns del "$POD2"
	ptp DEL "$POD2" c2 "$cfg"
	ptp DEL "$POD2" c2 "$cfg"
	assert_clean
}

@test "a failed ADD leaves nothing behind, at every step" {
	local cfg step
	cfg=$(conf 1.0.0 "$DUAL" "$ROUTES_DUAL" '"ipMasq":true')
	for step in ipam veth container host masq done; do
		run ptp ADD "$POD" c1 "$cfg" LINEN_TEST_FAIL_AT=$step
		[ "$status" -eq 1 ] || { echo "$step: $output"; false; }
		[[ "$(jq -r .msg <<<"$output")" == *"injected at $step"* ]]
		assert_clean
	done
	# The container name already taken: refused, and the taken link is not ours to delete.
	ip -n "$POD" link add eth0 type veth peer name eth0p
	run ptp ADD "$POD" c1 "$cfg"
	[ "$status" -eq 1 ]
	ip -n "$POD" link show eth0 | grep -q eth0
	[ -z "$(host_veths)" ]
	[ -z "$(store_files)" ]
	[ "$(masq_chains)" = 0 ]
	# A namespace that does not exist costs no address.
	run ptp ADD "linen-gone-$$" c1 "$cfg"
	[ "$status" -eq 1 ]
	[ -z "$(store_files)" ]
}

# The plugin running <command> for c1 in $POD, stopping itself at <step>; exec all the way
# (ip netns exec and env exec in place), so bg_start's PID is the plugin's.
ptp_exec_paused() {
	exec ip netns exec "$HOST" env CNI_COMMAND="$1" CNI_CONTAINERID=c1 \
		CNI_NETNS="/run/netns/$POD" CNI_IFNAME=eth0 CNI_PATH="$BIN" \
		LINEN_TEST_PAUSE_AT="$2" "$PTP" <<<"$3" >/dev/null 2>&1
}

# paused <command> <step> <config>: start the plugin, print its PID once it has stopped itself
# at <step>; fails when it never does.
paused() {
	local pid k
	pid=$(bg_start ptp_exec_paused "$@")
	for ((k = 0; k < 100; k++)); do
		[ "$(proc_state "$pid")" = T ] && { echo "$pid"; return 0; }
		sleep 0.05
	done
	return 1
}

# SIGKILL a paused plugin and wait until it is gone (not our child: no `wait`).
kill_paused() {
	local k
	kill -9 "$1"
	for ((k = 0; k < 100; k++)); do
		proc_gone "$1" && return 0
		sleep 0.02
	done
	echo "$1 still alive after SIGKILL"
	return 1
}

@test "ADD killed (SIGKILL) at every step: DEL leaves nothing, a retry works" {
	local cfg step pid
	cfg=$(conf 1.0.0 "$DUAL" "$ROUTES_DUAL" '"ipMasq":true')
	for step in ipam veth container host masq done; do
		pid=$(paused ADD "$step" "$cfg") || { echo "$step: not paused"; false; }
		# Something to clean up really is there by then (one check a line: a failed `[ ]`
		# before `&&` would not stop the test).
		case $step in
		veth) [ -n "$(store_files)" ] || { echo "$step: no address yet"; false; } ;;
		container | host | masq | done)
			[ -n "$(host_veths)" ] || { echo "$step: no host veth yet"; false; }
			[ -n "$(store_files)" ] || { echo "$step: no address yet"; false; } ;;
		esac
		if [ "$step" = done ]; then
			[ "$(masq_chains)" = 1 ] || { echo "$step: no masquerade chain yet"; false; }
		fi
		kill_paused "$pid"
		ptp DEL "$POD" c1 "$cfg"
		assert_clean || { echo "$step: left behind"; false; }
	done
	ptp ADD "$POD" c1 "$cfg" >/dev/null
	ptp DEL "$POD" c1 "$cfg"
	assert_clean
}

@test "SIGKILL at every step of DEL: a second DEL finishes the job" {
	local cfg step pid
	cfg=$(conf 1.0.0 "$DUAL" "$ROUTES_DUAL" '"ipMasq":true')
	for step in del-ipam del-link del-fw; do
		ptp ADD "$POD" c1 "$cfg" >/dev/null
		pid=$(paused DEL "$step" "$cfg") || { echo "$step: not paused"; false; }
		# DEL's order: the address, then the link, then the masquerade chain; the killed DEL
		# did the steps before its pause point and none after.
		case $step in
		del-ipam) [ -n "$(store_files)" ] || { echo "$step: address already gone"; false; } ;;
		*) [ -z "$(store_files)" ] || { echo "$step: address still there"; false; } ;;
		esac
		case $step in
		del-fw) [ -z "$(host_veths)" ] || { echo "$step: veth still there"; false; } ;;
		*) [ -n "$(host_veths)" ] || { echo "$step: veth already gone"; false; } ;;
		esac
		[ "$(masq_chains)" = 1 ] || { echo "$step: masquerade chain already gone"; false; }
		kill_paused "$pid"
		ptp DEL "$POD" c1 "$cfg"
		assert_clean || { echo "$step: left behind"; false; }
	done
}

@test "ADD killed (SIGKILL) at every step: GC without the attachment frees what is not in the netns" {
	local cfg gc step pid k
	cfg=$(conf 1.1.0 "$DUAL" "$ROUTES_DUAL" '"ipMasq":true')
	gc=$(jq -c '. + {"cni.dev/valid-attachments":[]}' <<<"$cfg")
	for step in ipam veth container host masq done; do
		POD=$(netns_new "gc-$step")
		pid=$(paused ADD "$step" "$cfg") || { echo "$step: not paused"; false; }
		kill_paused "$pid"
		ptp GC "" "" "$gc"
		[ -z "$(store_files)" ] || { echo "$step: address left: $(store_files)"; false; }
		[ "$(masq_chains)" = 0 ] || { echo "$step: masquerade chain left"; false; }
		# ptp's GC does not touch links: from "container" on, the veth pair (with the host
		# end's gateway addresses and host routes) stays as long as the pod's netns does,
		# and goes with the netns, which is the runtime's to remove.
		case $step in
		ipam | veth) assert_clean || { echo "$step: left behind"; false; } ;;
		*)
			[ -n "$(host_veths)" ] || { echo "$step: veth gone: GC removes links now?"; false; }
			ip -n "$POD" link show eth0 >/dev/null ;;
		esac
		ip netns del "$POD"
		# The kernel dismantles a netns asynchronously; the host end goes with it.
		for ((k = 0; k < 100; k++)); do
			[ -z "$(host_veths)" ] && break
			sleep 0.05
		done
		assert_clean || { echo "$step: left behind"; false; }
	done
}

@test "parallel ADDs get distinct addresses and working links; parallel DELs clean up" {
	local cfg i pids=() ns
	cfg=$(conf 1.0.0 "$V4" "$ROUTES4" '"ipMasq":true')
	for i in $(seq 1 12); do
		ns=$(netns_new "par$i")
		echo "$ns" >>"$BATS_TEST_TMPDIR/par"
	done
	i=0
	while read -r ns; do
		i=$((i + 1))
		ptp ADD "$ns" "p$i" "$cfg" >"$BATS_TEST_TMPDIR/out$i" &
		pids+=($!)
	done <"$BATS_TEST_TMPDIR/par"
	for p in "${pids[@]}"; do wait "$p"; done
	[ "$(cat "$BATS_TEST_TMPDIR"/out* | jq -r '.ips[0].address' | sort -u | wc -l)" = 12 ]
	[ "$(host_veths | wc -l)" = 12 ]
	[ "$(masq_chains)" = 12 ]
	while read -r ns; do
		ip netns exec "$ns" ping -c1 -W2 10.66.0.1 >/dev/null
	done <"$BATS_TEST_TMPDIR/par"
	i=0 pids=()
	while read -r ns; do
		i=$((i + 1))
		ptp DEL "$ns" "p$i" "$cfg" &
		pids+=($!)
	done <"$BATS_TEST_TMPDIR/par"
	for p in "${pids[@]}"; do wait "$p"; done
	[ -z "$(host_veths)" ]
	[ -z "$(store_files)" ]
	[ "$(masq_chains)" = 0 ]
}

@test "GC removes the masquerade entries and addresses of unlisted attachments" {
	local cfg
	cfg=$(conf 1.1.0 "$V4" "$ROUTES4" '"ipMasq":true')
	ptp ADD "$POD" c1 "$cfg" >/dev/null
	ptp ADD "$POD2" c2 "$cfg" >/dev/null
	# Without a list nothing is touched.
	ptp GC "" "" "$cfg"
	[ "$(masq_chains)" = 2 ]
	[ "$(store_files | wc -l)" = 2 ]
	ptp GC "" "" "$(jq -c '. + {"cni.dev/valid-attachments":[{"containerID":"c1","ifname":"eth0"}]}' <<<"$cfg")"
	[ "$(masq_chains)" = 1 ]
	[ "$(store_files | wc -l)" = 1 ]
	grep -q c1 "$(store_files)"
	ptp DEL "$POD" c1 "$cfg"
	ptp DEL "$POD2" c2 "$cfg"
	[ "$(masq_chains)" = 0 ]
	[ -z "$(store_files)" ]
}

@test "STATUS is IPAM's: code 50 when the range is exhausted" {
	local cfg
	cfg=$(conf 1.1.0 '[[{"subnet":"10.66.0.0/30"}]]' "$ROUTES4")
	ptp STATUS "" "" "$cfg"
	ptp ADD "$POD" c1 "$cfg" >/dev/null
	run ptp STATUS "" "" "$cfg"
	[ "$status" -eq 1 ]
	[ "$(jq -r .code <<<"$output")" = 50 ]
	run ptp ADD "$POD2" c2 "$cfg"
	[ "$status" -eq 1 ]
	! ip -n "$POD2" link show eth0 2>/dev/null || false
	ptp DEL "$POD" c1 "$cfg"
	ptp STATUS "" "" "$cfg"
}

@test "config errors" {
	run ptp ADD "$POD" c1 '{"cniVersion":"1.0.0","name":"ptpnet","type":"ptp"}'
	[ "$status" -eq 1 ]
	[ "$(jq -r .code <<<"$output")" = 7 ]
	run ptp ADD "$POD" c1 "$(conf 1.0.0 "$V4" "$ROUTES4" '"mtu":"1400"')"
	[ "$status" -eq 1 ]
	[ "$(jq -r .code <<<"$output")" = 7 ]
	run ptp ADD "$POD" c1 "$(conf 1.0.0 "$V4" "$ROUTES4" '"ipMasqBackend":"ebtables"')"
	[ "$status" -eq 1 ]
	[ "$(jq -r .code <<<"$output")" = 7 ]
	run ptp ADD "$POD" c1 "$(conf 1.0.0 "$V4" "$ROUTES4" '"ipMasq":"yes"')"
	[ "$status" -eq 1 ]
	[ "$(jq -r .code <<<"$output")" = 7 ]
	# DEL of a config without IPAM still succeeds (nothing could have been made).
	ptp DEL "$POD" c1 '{"cniVersion":"1.0.0","name":"ptpnet","type":"ptp"}'
	assert_clean
}

@test "config dns replaces IPAM's" {
	local out
	out=$(ptp ADD "$POD" c1 "$(conf 1.0.0 "$V4" "$ROUTES4" '"dns":{"nameservers":["10.0.0.10"],"search":["svc.local"]}')")
	[ "$(jq -c .dns <<<"$out")" = '{"nameservers":["10.0.0.10"],"search":["svc.local"]}' ]
	ptp DEL "$POD" c1 "$(conf 1.0.0 "$V4" "$ROUTES4")"
}

@test "the same kernel state as the reference ptp" {
	[ -x "$REF" ] || skip "reference ptp not installed"
	local cfg ours theirs rours rtheirs
	cfg=$(conf 1.0.0 "$DUAL" "$ROUTES_DUAL")
	snapshot() {
		{
			ip -n "$1" -4 route show
			ip -n "$1" -6 route show | grep -v -e '^fe80' -e '^multicast'
			ip -n "$1" -o addr show dev eth0 | awk '{print $3, $4}' | grep -v fe80
		} | sed -e 's/ proto [a-z]*//' -e 's/ metric [0-9]*//' -e 's/ pref medium//' \
			-e 's/ *$//' | sort
	}
	# The result too, up to the random host veth name and the MACs.
	norm() {
		sed -e 's/"veth[0-9a-f]\{8\}"/"VETH"/' -e 's/"\([0-9a-f]\{2\}:\)\{5\}[0-9a-f]\{2\}"/"MAC"/'
	}
	rours=$(ptp ADD "$POD" c1 "$cfg" | norm)
	ours=$(snapshot "$POD")
	ptp DEL "$POD" c1 "$cfg"
	rm -f "$D"/ptpnet/last_reserved_ip.*
	rtheirs=$(ptp_bin "$REF" ADD "$POD" c1 "$cfg" | norm)
	theirs=$(snapshot "$POD")
	ptp_bin "$REF" DEL "$POD" c1 "$cfg"
	[ "$ours" = "$theirs" ] || { diff <(echo "$ours") <(echo "$theirs"); false; }
	[ "$rours" = "$rtheirs" ] || { diff <(echo "$rours") <(echo "$rtheirs"); false; }
	[[ "$rours" == *'"name": "VETH"'*'"mac": "MAC"'*'"address": "fd66::2/64"'* ]]
	[ -z "$(store_files)" ]
}

@test "drop-in: the reference's attachment is checked and deleted by ours, and the other way" {
	[ -x "$REF" ] || skip "reference ptp not installed"
	local cfg out
	cfg=$(conf 1.0.0 "$DUAL" "$ROUTES_DUAL")
	out=$(ptp_bin "$REF" ADD "$POD" c1 "$cfg")
	ptp CHECK "$POD" c1 "$(with_prev "$cfg" "$out")"
	ptp DEL "$POD" c1 "$cfg"
	assert_clean

	out=$(ptp ADD "$POD" c1 "$cfg")
	ip netns exec "$POD" ping -c1 -W2 10.66.0.1 >/dev/null
	ptp_bin "$REF" CHECK "$POD" c1 "$(with_prev "$cfg" "$out")"
	ptp_bin "$REF" DEL "$POD" c1 "$cfg"
	assert_clean
}

@test "an address reused while a GC'ed attachment's veth lives on: the host route is the new pod's" {
	local cfg gc pid stale new out ip
	# a /30: the killed attachment's address is the only one there is
	cfg=$(conf 1.1.0 '[[{"subnet":"10.66.0.0/30"}]]' "$ROUTES4" '"ipMasq":true')
	gc=$(jq -c '. + {"cni.dev/valid-attachments":[]}' <<<"$cfg")
	POD=$(netns_new stale)
	pid=$(paused ADD masq "$cfg") || { echo "not paused"; false; }
	kill_paused "$pid"
	stale=$(host_veths)
	[ -n "$stale" ]
	ptp GC "" "" "$gc"
	# a new pod gets the same address; its veth, not the stale one, carries the host route
	POD=$(netns_new fresh)
	out=$(ptp ADD "$POD" c2 "$cfg")
	ip=$(jq -r '.ips[0].address' <<<"$out" | cut -d/ -f1)
	[ "$ip" = 10.66.0.2 ]
	new=$(host_veths | grep -vx "$stale")
	[ -n "$new" ]
	ip -n "$HOST" route show "$ip/32" | grep -q "dev $new "
	ip netns exec "$POD" ping -c1 -W2 10.66.0.1 >/dev/null
	ptp DEL "$POD" c2 "$cfg"
}
