#!/usr/bin/env bats
# SPDX-License-Identifier: Apache-2.0
# The dhcp IPAM plugin and its daemon against a real DHCP server. dnsmasq runs in a "server"
# namespace on a bridge; each pod namespace gets a veth whose peer sits on that bridge; the
# daemon and the plugin run in a "host" namespace. The plugin is called directly as the IPAM
# a main plugin would delegate to. Asserted: the lease (result JSON, dnsmasq's lease file
# with our client identifier), classless routes, renewal at T1, RELEASE on DEL, DEL and ADD
# across a daemon restart, and the failures: no daemon, no netns, no interface, no server.

load helpers

setup() {
	require_root
	DHCP=$LINEN_BUILD/plugins/dhcp/dhcp
	[ -x "$DHCP" ] || skip "dhcp not built in $LINEN_BUILD"
	command -v dnsmasq >/dev/null || skip "dnsmasq not installed"
	D=$BATS_TEST_TMPDIR/data
	mkdir -p "$D"
	# A unix socket path must fit in 108 bytes; the bats tmpdir may not.
	S=$(mktemp -d /tmp/linen-dhcp.XXXXXX)
	SOCK=$S/dhcp.sock
	HOST=$(netns_new host)
	SRV=$(netns_new srv)
	POD=$(netns_new pod)
	ip -n "$SRV" link add br0 type bridge
	ip -n "$SRV" addr add 10.77.0.1/24 dev br0
	ip -n "$SRV" link set br0 up
	pod_link "$POD" vp0
}

teardown() {
	linen_teardown
	rm -rf "$S"
}

# pod_link <pod-ns> <peer-name>: eth0 in the pod, its peer on the server's bridge
pod_link() {
	ip -n "$SRV" link add "$2" type veth peer name eth0 netns "$1"
	ip -n "$SRV" link set "$2" master br0 up
}

# start_dnsmasq [extra options...]: a DHCP server with 2-minute leases (dnsmasq's minimum)
start_dnsmasq() {
	ip netns exec "$SRV" dnsmasq --keep-in-foreground --port=0 --conf-file=/dev/null \
		--user=root --group=root --interface=br0 --bind-interfaces --no-ping \
		--dhcp-range=10.77.0.50,10.77.0.99,255.255.255.0,2m \
		--dhcp-leasefile="$D/leases" --pid-file="$D/dnsmasq.pid" \
		--log-dhcp --log-facility="$D/dnsmasq.log" "$@" &
	DNSMASQ_PID=$!
	track "$DNSMASQ_PID"
	wait_for 5 test -s "$D/dnsmasq.pid"
}

listening() {
	[ "$(grep -c 'listening on' "$D/daemon.log" 2>/dev/null)" -gt "$1" ]
}

# start_daemon [flags...]: the daemon in the host namespace, on $SOCK; waits until it says it
# listens (a socket file alone may be a dead daemon's)
start_daemon() {
	local before
	before=$(grep -c 'listening on' "$D/daemon.log" 2>/dev/null || true)
	ip netns exec "$HOST" "$DHCP" daemon -socketpath "$SOCK" -pidfile "$S/dhcp.pid" "$@" \
		2>>"$D/daemon.log" &
	DAEMON_PID=$!
	track "$DAEMON_PID"
	wait_for 10 listening "${before:-0}"
}

stop_daemon() {
	kill "$DAEMON_PID"
	wait_for 5 proc_gone "$DAEMON_PID"
}

conf() {
	echo "{\"cniVersion\":\"1.0.0\",\"name\":\"dhcpnet\",\"type\":\"dhcp\",\"ipam\":{\"type\":\"dhcp\",\"daemonSocketPath\":\"$SOCK\"${1:+,$1}}}"
}

# cni <command> <netns-path> <containerid> <config> [ifname]
cni() {
	ip netns exec "$HOST" env CNI_COMMAND="$1" CNI_NETNS="$2" CNI_CONTAINERID="$3" \
		CNI_IFNAME="${5:-eth0}" CNI_PATH=/nonexistent "$DHCP" <<<"$4"
}

# The client identifier as dnsmasq writes it: type 0, then "<id>/<net>/<ifname>", in hex.
client_id_hex() {
	printf '\0%s' "$1/dhcpnet/${2:-eth0}" | od -An -tx1 | tr -s ' \n' ':' | sed 's/^://; s/:$//'
}

lease_line() {
	grep -F " $(client_id_hex "$1" "$2")" "$D/leases"
}

lease_expiry() {
	lease_line "$1" | awk '{print $1}'
}

in_range() {
	local last=${1##*.}
	[ "${1%.*}" = 10.77.0 ] && [ "$last" -ge 50 ] && [ "$last" -le 99 ]
}

@test "ADD gets a lease: address in the range, gateway and default route from the server" {
	start_dnsmasq --dhcp-option=option:router,10.77.0.1
	start_daemon
	run cni ADD "/run/netns/$POD" c1 "$(conf)"
	[ "$status" -eq 0 ]
	addr=$(jq -r '.ips[0].address' <<<"$output")
	[ "${addr#*/}" = 24 ]
	in_range "${addr%/*}"
	[ "$(jq -r '.ips[0].gateway' <<<"$output")" = 10.77.0.1 ]
	[ "$(jq -c '.routes' <<<"$output")" = '[{"dst":"0.0.0.0/0","gw":"10.77.0.1"}]' ]
	[ "$(jq -r '.cniVersion' <<<"$output")" = 1.0.0 ]
	# dnsmasq holds the lease under our client identifier, for our address
	run lease_line c1
	[ "$status" -eq 0 ]
	[ "$(awk '{print $3}' <<<"$output")" = "${addr%/*}" ]
	# CHECK answers from the lease; a repeated ADD returns the same address
	run cni CHECK "/run/netns/$POD" c1 "$(conf)"
	[ "$status" -eq 0 ]
	run cni ADD "/run/netns/$POD" c1 "$(conf)"
	[ "$status" -eq 0 ]
	[ "$(jq -r '.ips[0].address' <<<"$output")" = "$addr" ]
	run grep -c 'DHCPDISCOVER' "$D/dnsmasq.log"
	[ "$status" -eq 0 ]
	[ "$output" -eq 1 ]
	# without -broadcast the replies came unicast to our MAC: the packet socket got them
	run grep -c 'broadcast response' "$D/dnsmasq.log"
	[ "$status" -eq 1 ]
	[ "$output" -eq 0 ]
}

@test "an old spec version gets the result converted" {
	start_dnsmasq --dhcp-option=option:router,10.77.0.1
	start_daemon
	run cni ADD "/run/netns/$POD" c1 "$(conf | jq -c '.cniVersion="0.2.0"')"
	[ "$status" -eq 0 ]
	[ "$(jq -r '.ip4.gateway' <<<"$output")" = 10.77.0.1 ]
	in_range "$(jq -r '.ip4.ip' <<<"$output" | cut -d/ -f1)"
}

@test "classless static routes (121) requested: they replace the router's default route" {
	start_dnsmasq --dhcp-option=option:router,10.77.0.1 \
		--dhcp-option=121,10.88.0.0/16,10.77.0.254,0.0.0.0/0,10.77.0.1
	start_daemon
	run cni ADD "/run/netns/$POD" c1 "$(conf '"request":[{"option":"121"}]')"
	[ "$status" -eq 0 ]
	[ "$(jq -c '.routes' <<<"$output")" = '[{"dst":"10.88.0.0/16","gw":"10.77.0.254"},{"dst":"0.0.0.0/0","gw":"10.77.0.1"}]' ]
	[ "$(jq -r '.ips[0].gateway' <<<"$output")" = 10.77.0.1 ]
	# skipDefault: neither mask nor router asked for; dnsmasq sends the mask anyway
	run cni ADD "/run/netns/$POD" c2 "$(conf '"request":[{"skipDefault":true,"option":"121"}]')"
	[ "$status" -eq 0 ]
	run grep -c 'requested options: 121:classless-static-route$' "$D/dnsmasq.log"
	[ "$status" -eq 0 ]
	[ "$output" -ge 1 ]
}

@test "-broadcast: the server broadcasts its replies, the lease is the same" {
	start_dnsmasq --dhcp-option=option:router,10.77.0.1
	start_daemon -broadcast
	run cni ADD "/run/netns/$POD" c1 "$(conf)"
	[ "$status" -eq 0 ]
	in_range "$(jq -r '.ips[0].address' <<<"$output" | cut -d/ -f1)"
	run grep -c 'broadcast response' "$D/dnsmasq.log"
	[ "$status" -eq 0 ]
	[ "$output" -ge 1 ]
}

@test "a provided option reaches the server (host-name from CNI_ARGS)" {
	start_dnsmasq --dhcp-option=option:router,10.77.0.1
	start_daemon
	cfg=$(conf '"provide":[{"option":"host-name","fromArg":"K8S_POD_NAME"}]')
	run ip netns exec "$HOST" env CNI_COMMAND=ADD CNI_NETNS="/run/netns/$POD" \
		CNI_CONTAINERID=c1 CNI_IFNAME=eth0 CNI_PATH=/nonexistent \
		CNI_ARGS="K8S_POD_NAMESPACE=ns;K8S_POD_NAME=web-0" "$DHCP" <<<"$cfg"
	[ "$status" -eq 0 ]
	run lease_line c1
	[ "$status" -eq 0 ]
	[ "$(awk '{print $4}' <<<"$output")" = web-0 ]
}

@test "the lease is renewed at T1 (dnsmasq's expiry moves on)" {
	start_dnsmasq --dhcp-option=option:router,10.77.0.1 --dhcp-option=option:T1,4 \
		--dhcp-option=option:T2,8
	start_daemon
	run cni ADD "/run/netns/$POD" c1 "$(conf)"
	[ "$status" -eq 0 ]
	addr=$(jq -r '.ips[0].address' <<<"$output")
	# the main plugin would put the address on the interface; dnsmasq answers a renewal there
	ip -n "$POD" addr add "$addr" dev eth0
	first=$(lease_expiry c1)
	[ -n "$first" ]
	sleep 1
	run wait_for 15 eval '[ "$(lease_expiry c1)" -gt "$first" ]'
	[ "$status" -eq 0 ]
	run grep -c "DHCPREQUEST(br0) ${addr%/*}" "$D/dnsmasq.log"
	[ "$status" -eq 0 ]
	[ "$output" -ge 2 ]
	run grep -c 'lease renewed' "$D/daemon.log"
	[ "$status" -eq 0 ]
	[ "$output" -ge 1 ]
}

@test "a server gone: renewal fails, the daemon rebinds at T2; DEL still succeeds" {
	start_dnsmasq --dhcp-option=option:router,10.77.0.1 --dhcp-option=option:T1,4 \
		--dhcp-option=option:T2,7
	start_daemon -timeout 1s
	run cni ADD "/run/netns/$POD" c1 "$(conf)"
	[ "$status" -eq 0 ]
	kill "$DNSMASQ_PID"
	wait_for 5 proc_gone "$DNSMASQ_PID"
	run wait_for 20 grep -q 'c1/dhcpnet/eth0: rebinding lease' "$D/daemon.log"
	[ "$status" -eq 0 ]
	run grep -c 'c1/dhcpnet/eth0: renewing lease' "$D/daemon.log"
	[ "$status" -eq 0 ]
	[ "$output" -ge 1 ]
	run cni DEL "/run/netns/$POD" c1 "$(conf)"
	[ "$status" -eq 0 ]
	run grep -c 'c1/dhcpnet/eth0: lease released' "$D/daemon.log"
	[ "$status" -eq 0 ]
	[ "$output" -eq 1 ]
}

@test "DEL releases the lease; DEL again succeeds" {
	start_dnsmasq --dhcp-option=option:router,10.77.0.1
	start_daemon
	run cni ADD "/run/netns/$POD" c1 "$(conf)"
	[ "$status" -eq 0 ]
	run lease_line c1
	[ "$status" -eq 0 ]
	run cni DEL "/run/netns/$POD" c1 "$(conf)"
	[ "$status" -eq 0 ]
	[ -z "$output" ]
	run wait_for 5 eval '! lease_line c1'
	[ "$status" -eq 0 ]
	run grep -c 'DHCPRELEASE' "$D/dnsmasq.log"
	[ "$status" -eq 0 ]
	[ "$output" -eq 1 ]
	run cni DEL "/run/netns/$POD" c1 "$(conf)"
	[ "$status" -eq 0 ]
	# no record left for a restarted daemon
	run find "$SOCK.leases" -type f
	[ "$status" -eq 0 ]
	[ -z "$output" ]
}

@test "daemon restart: DEL still succeeds and releases the address; a new ADD works" {
	start_dnsmasq --dhcp-option=option:router,10.77.0.1
	start_daemon
	run cni ADD "/run/netns/$POD" c1 "$(conf)"
	[ "$status" -eq 0 ]
	addr=$(jq -r '.ips[0].address' <<<"$output")
	ip -n "$POD" addr add "$addr" dev eth0
	stop_daemon
	[ ! -e "$SOCK" ]
	[ ! -e "$S/dhcp.pid" ]
	start_daemon
	run cni DEL "/run/netns/$POD" c1 "$(conf)"
	[ "$status" -eq 0 ]
	run wait_for 5 eval '! lease_line c1'
	[ "$status" -eq 0 ]
	run cni ADD "/run/netns/$POD" c1 "$(conf)"
	[ "$status" -eq 0 ]
	in_range "$(jq -r '.ips[0].address' <<<"$output" | cut -d/ -f1)"
	# a daemon killed hard leaves its socket; the next one takes it over
	kill -9 "$DAEMON_PID"
	wait_for 5 proc_gone "$DAEMON_PID"
	[ -S "$SOCK" ]
	start_daemon
	run cni DEL "/run/netns/$POD" c1 "$(conf)"
	[ "$status" -eq 0 ]
	run wait_for 5 eval '! lease_line c1'
	[ "$status" -eq 0 ]
}

@test "an interface removed without DEL: the lease is dropped at renewal, a new ADD works" {
	start_dnsmasq --dhcp-option=option:router,10.77.0.1 --dhcp-option=option:T1,4 \
		--dhcp-option=option:T2,7
	start_daemon
	run cni ADD "/run/netns/$POD" c1 "$(conf)"
	[ "$status" -eq 0 ]
	ip -n "$SRV" link del vp0
	run wait_for 20 grep -q 'interface eth0 is gone' "$D/daemon.log"
	[ "$status" -eq 0 ]
	pod_link "$POD" vp1
	run cni ADD "/run/netns/$POD" c1 "$(conf)"
	[ "$status" -eq 0 ]
	in_range "$(jq -r '.ips[0].address' <<<"$output" | cut -d/ -f1)"
	run cni DEL "/run/netns/$POD" c1 "$(conf)"
	[ "$status" -eq 0 ]
	run wait_for 5 eval '! lease_line c1'
	[ "$status" -eq 0 ]
}

@test "no daemon: code 999 and the reference's text" {
	run cni ADD "/run/netns/$POD" c1 "$(conf)"
	[ "$status" -eq 1 ]
	[ "$(jq -r .code <<<"$output")" = 999 ]
	[ "$(jq -r .msg <<<"$output")" = "error dialing DHCP daemon: dial unix $SOCK: connect: no such file or directory" ]
	ours=$(jq -c '{code,msg}' <<<"$output")
	run ip netns exec "$HOST" env CNI_COMMAND=ADD CNI_NETNS="/run/netns/$POD" \
		CNI_CONTAINERID=c1 CNI_IFNAME=eth0 CNI_PATH=/nonexistent /usr/lib/cni/dhcp <<<"$(conf)"
	[ "$status" -eq 1 ]
	[ "$(jq -c '{code,msg}' <<<"$output")" = "$ours" ]
	run cni DEL "/run/netns/$POD" c1 "$(conf)"
	[ "$status" -eq 1 ]
	[ "$(jq -r .code <<<"$output")" = 999 ]
}

@test "a missing netns and a missing interface: errors, no lease, the daemon lives on" {
	start_dnsmasq --dhcp-option=option:router,10.77.0.1
	start_daemon
	run cni ADD /run/netns/linen-no-such-ns c1 "$(conf)"
	[ "$status" -eq 1 ]
	[ "$(jq -r .code <<<"$output")" = 999 ]
	[ "$(jq -r .msg <<<"$output")" = 'error calling DHCP.Allocate: failed to Statfs "/run/netns/linen-no-such-ns": no such file or directory' ]
	run cni ADD "/run/netns/$POD" c1 "$(conf)" eth9
	[ "$status" -eq 1 ]
	[ "$(jq -r .msg <<<"$output")" = 'error calling DHCP.Allocate: error looking up "eth9": Link not found' ]
	run cni DEL /run/netns/linen-no-such-ns c1 "$(conf)"
	[ "$status" -eq 0 ]
	run cat "$D/leases"
	[ "$status" -eq 0 ]
	[ -z "$output" ]
	run cni ADD "/run/netns/$POD" c1 "$(conf)"
	[ "$status" -eq 0 ]
}

@test "a server that never answers: timeout error, nothing left behind" {
	start_daemon -timeout 1s -resendmax 1s
	run cni ADD "/run/netns/$POD" c1 "$(conf)"
	[ "$status" -eq 1 ]
	[ "$(jq -r .code <<<"$output")" = 999 ]
	[ "$(jq -r .msg <<<"$output")" = 'error calling DHCP.Allocate: no more tries' ]
	run find "$S" -mindepth 2 -type f
	[ "$status" -eq 0 ]
	[ -z "$output" ]
	run cni DEL "/run/netns/$POD" c1 "$(conf)"
	[ "$status" -eq 0 ]
	run proc_gone "$DAEMON_PID"
	[ "$status" -eq 1 ]
}

# ref_vs_ours <ipam-extra>: the same ADD through the reference (plugin and daemon) and ours
ref_vs_ours() {
	run cni ADD "/run/netns/$POD" c1 "$(conf "$1")"
	[ "$status" -eq 1 ]
	ours=$(jq -c '{code,msg}' <<<"$output")
	run ip netns exec "$HOST" env CNI_COMMAND=ADD CNI_NETNS="/run/netns/$POD" \
		CNI_CONTAINERID=c1 CNI_IFNAME=eth0 CNI_PATH=/nonexistent /usr/lib/cni/dhcp \
		<<<"$(conf "$1" | sed "s|$SOCK|$S/ref.sock|")"
	[ "$status" -eq 1 ]
	[ "$(jq -c '{code,msg}' <<<"$output")" = "$(sed "s|$SOCK|$S/ref.sock|" <<<"$ours")" ]
}

@test "bad config: the reference's errors, word for word" {
	[ -x /usr/lib/cni/dhcp ] || skip "no reference dhcp"
	start_daemon
	ip netns exec "$HOST" /usr/lib/cni/dhcp daemon -socketpath "$S/ref.sock" 2>/dev/null &
	track $!
	wait_for 5 test -S "$S/ref.sock"
	# the option name is the daemon's to reject
	ref_vs_ours '"request":[{"option":"nonsense"}]'
	[ "$(jq -r .msg <<<"$output")" = 'error calling DHCP.Allocate: Can not parse option "nonsense": Can not parse option: strconv.ParseUint: parsing "nonsense": invalid syntax' ]
	ref_vs_ours '"provide":[{"option":"300","value":"x"}]'
	# a type error is the plugin's, before it dials
	ref_vs_ours '"provide":"x"'
	[ "$(jq -r .msg <<<"$output")" = 'error obtaining socketPath: error parsing socket path conf: json: cannot unmarshal string into Go struct field IPAMConfig.ipam.provide of type []main.ProvideOption' ]
	ref_vs_ours '"request":[{"skipDefault":"yes"}]'
	ref_vs_ours '"provide":[{"option":"host-name","value":7}]'
	# an interface that does not exist
	run cni ADD "/run/netns/$POD" c1 "$(conf)" eth9
	[ "$status" -eq 1 ]
	[ "$(jq -r .msg <<<"$output")" = 'error calling DHCP.Allocate: error looking up "eth9": Link not found' ]
}

@test "daemon flags: a relative pidfile is refused, an unknown flag is a usage error" {
	run "$DHCP" daemon -socketpath "$SOCK" -pidfile rel.pid
	[ "$status" -eq 1 ]
	[ "$output" = 'Error writing pidfile "rel.pid": path not absolute' ]
	run "$DHCP" daemon -bogus
	[ "$status" -eq 2 ]
	[ "${lines[0]}" = 'flag provided but not defined: -bogus' ]
	[ ! -e "$SOCK" ]
}
