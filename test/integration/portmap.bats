#!/usr/bin/env bats
# SPDX-License-Identifier: Apache-2.0
# portmap end to end: bridge + host-local + portmap chains run through cnitool inside a
# "host" namespace; pods are namespaces; a second "node" namespace is wired to the host by a
# veth. A host port must reach the pod from the node, from the host itself (its own address
# and 127.0.0.1) and from the pod (hairpin), over TCP and UDP, IPv4 and IPv6; CHECK must pass
# and notice a broken rule; after DEL the port is dead, the UDP conntrack entry is gone and
# no table of ours is left. GC, errors and flannel's manifest conflist too. Everything lives
# in $BATS_TEST_TMPDIR and in namespaces made here; the root namespace is untouched.

load helpers
load chain-helpers

setup() {
	chain_setup bridge host-local portmap -- nc
	ip link add pmh-n netns "$H" type veth peer name pmn-h netns "$N"
	ip -n "$H" addr add 192.168.77.1/24 dev pmh-n
	ip -n "$H" addr add fd77::1/64 dev pmh-n nodad
	ip -n "$H" link set pmh-n up
	ip -n "$N" addr add 192.168.77.2/24 dev pmn-h
	ip -n "$N" addr add fd77::2/64 dev pmn-h nodad
	ip -n "$N" link set pmn-h up
	ip netns exec "$H" sysctl -qw net.ipv6.conf.all.forwarding=1
}

teardown() {
	linen_teardown
}

# conflist NAME VERSION PORTMAP-EXTRA-JSON [dual]: bridge + host-local + portmap
conflist() {
	local name=$1 version=$2 extra=${3:+,$3} ranges='[[{"subnet":"10.99.0.0/24"}]]'
	[ "${4:-}" = dual ] && ranges='[[{"subnet":"10.99.0.0/24"}],[{"subnet":"fd99::/64"}]]'
	cat >"$T/conf/$name.conflist" <<-EOF
	{"cniVersion":"$version","name":"$name","plugins":[
	 {"type":"bridge","bridge":"pmbr0","isGateway":true,"isDefaultGateway":true,
	  "hairpinMode":true,"ipMasq":true,
	  "ipam":{"type":"host-local","ranges":$ranges,"dataDir":"$T/ipam"}},
	 {"type":"portmap","capabilities":{"portMappings":true}$extra}]}
	EOF
}

# A TCP server in namespace $1 on port $2 answering $3 to every connection ($4: -4 or -6).
serve_tcp() {
	bg_start ip netns exec "$1" sh -c "while :; do echo $3 | nc ${4:--4} -l -q0 $2; done" \
		>/dev/null 2>&1
}

# tcp_get NS ADDR PORT: what the server answers (retried: a fresh IPv6 address may be tentative).
tcp_get() {
	local i out
	for i in 1 2 3 4 5; do
		out=$(ip netns exec "$1" nc -w 2 -q 1 "$2" "$3" </dev/null 2>/dev/null) && [ -n "$out" ] &&
			{ echo "$out"; return 0; }
		sleep 0.5
	done
	return 1
}

# tcp_dead NS ADDR PORT: nothing answers (one attempt).
tcp_dead() {
	local out
	out=$(ip netns exec "$1" nc -w 2 -q 1 "$2" "$3" </dev/null 2>/dev/null) || true
	[ -z "$out" ]
}

ours_left() { # prints our table if it exists in the host
	ip netns exec "$H" nft list tables | grep -x 'table inet linen-cni-portmap' || true
}

# Direct plugin calls in the host namespace: VERB, stdin JSON, extra env.
plugin() {
	local cmd=$1 stdin=$2
	shift 2
	ip netns exec "$H" env CNI_COMMAND="$cmd" CNI_PATH="$BIN" "$@" "$BIN/portmap" <<<"$stdin"
}

prev='{"cniVersion":"1.0.0","interfaces":[{"name":"eth0","sandbox":"/run/netns/x"}],"ips":[{"address":"10.99.0.5/24","interface":0}]}'

pm_conf() { # pm_conf PORT-MAPPINGS [extra]
	echo "{\"cniVersion\":\"1.1.0\",\"name\":\"gcnet\",\"type\":\"portmap\",\"prevResult\":$prev,\"runtimeConfig\":{\"portMappings\":$1}${2:+,$2}}"
}

@test "TCP host port from another node, from the host and hairpin; CHECK; dead after DEL" {
	conflist pm 1.0.0
	P=$(netns_new pod)
	export CAP_ARGS='{"portMappings":[{"hostPort":8080,"containerPort":80,"protocol":"tcp"}]}'
	run cni add pm "$P"
	[ "$status" -eq 0 ] || { echo "$output"; false; }
	[ "$(jq -r '.ips[0].address' <<<"$output")" = 10.99.0.2/24 ]
	serve_tcp "$P" 80 pod-hello

	[ "$(tcp_get "$N" 192.168.77.1 8080)" = pod-hello ]     # from another node
	[ "$(tcp_get "$H" 192.168.77.1 8080)" = pod-hello ]     # from the host, its address
	[ "$(tcp_get "$H" 127.0.0.1 8080)" = pod-hello ]        # from the host, localhost
	[ "$(tcp_get "$P" 192.168.77.1 8080)" = pod-hello ]     # hairpin via the host address
	[ "$(tcp_get "$P" 10.99.0.1 8080)" = pod-hello ]        # hairpin via the gateway
	[ "$(ip netns exec "$H" sysctl -n net.ipv4.conf.pmbr0.route_localnet)" = 1 ]
	# Hairpin traffic was masqueraded: the pod saw the gateway, not itself.
	if [ -r /proc/net/nf_conntrack ]; then
		ip netns exec "$H" grep -E 'src=10.99.0.2 dst=192.168.77.1 sport=[0-9]+ dport=8080 .*src=10.99.0.2 dst=10.99.0.1 ' /proc/net/nf_conntrack
	fi

	run cni check pm "$P"
	[ "$status" -eq 0 ] || { echo "$output"; false; }

	run cni del pm "$P"
	[ "$status" -eq 0 ] || { echo "$output"; false; }
	[ -z "$(ours_left)" ]
	tcp_dead "$N" 192.168.77.1 8080
	tcp_dead "$H" 127.0.0.1 8080
	# DEL again is a no-op.
	run cni del pm "$P"
	[ "$status" -eq 0 ] || { echo "$output"; false; }
}

@test "spec 0.3.0 and 0.3.1: the result passes through in the config's version" {
	P=$(netns_new pod)
	serve_tcp "$P" 80 old-spec
	export CAP_ARGS='{"portMappings":[{"hostPort":8080,"containerPort":80,"protocol":"tcp"}]}'
	for v in 0.3.0 0.3.1; do
		conflist pm "$v"
		run cni add pm "$P"
		[ "$status" -eq 0 ] || { echo "$output"; false; }
		[ "$(jq -r .cniVersion <<<"$output")" = "$v" ]
		[ "$(jq -r '.ips[0].version' <<<"$output")" = 4 ]
		[ "$(tcp_get "$N" 192.168.77.1 8080)" = old-spec ]
		run cni del pm "$P"
		[ "$status" -eq 0 ] || { echo "$output"; false; }
		[ -z "$(ours_left)" ]
	done
}

@test "Go field names from containerd (HostPort, ContainerPort, Protocol, HostIP) work" {
	P=$(netns_new pod)
	serve_tcp "$P" 80 go-names
	export CAP_ARGS='{"portMappings":[{"HostPort":8080,"ContainerPort":80,"Protocol":"tcp","HostIP":""}]}'
	conflist pm 1.0.0
	run cni add pm "$P"
	[ "$status" -eq 0 ] || { echo "$output"; false; }
	[ "$(tcp_get "$N" 192.168.77.1 8080)" = go-names ]
	run cni del pm "$P"
	[ "$status" -eq 0 ] || { echo "$output"; false; }
	[ -z "$(ours_left)" ]
}

@test "UDP host port works and its conntrack entry is flushed on DEL" {
	[ -r /proc/net/nf_conntrack ] || skip "no /proc/net/nf_conntrack"
	conflist pm 0.4.0
	P=$(netns_new pod)
	export CAP_ARGS='{"portMappings":[{"hostPort":5353,"containerPort":53,"protocol":"udp"}]}'
	run cni add pm "$P"
	[ "$status" -eq 0 ] || { echo "$output"; false; }
	bg_start ip netns exec "$P" timeout 20 nc -4 -u -l 53 >"$T/udp.out" 2>/dev/null
	sleep 0.3
	echo udp-ping | ip netns exec "$N" nc -u -w 1 -p 40000 192.168.77.1 5353 || true
	for i in 1 2 3 4 5 6 7 8 9 10; do grep -q udp-ping "$T/udp.out" && break; sleep 0.2; done
	grep -q udp-ping "$T/udp.out"
	ip netns exec "$H" grep -q 'dport=5353' /proc/net/nf_conntrack

	run cni check pm "$P"
	[ "$status" -eq 0 ] || { echo "$output"; false; }
	run cni del pm "$P"
	[ "$status" -eq 0 ] || { echo "$output"; false; }
	run ip netns exec "$H" grep 'dport=5353' /proc/net/nf_conntrack
	[ "$status" -ne 0 ] || { echo "conntrack entry left: $output"; false; }
	[ -z "$(ours_left)" ]
}

@test "IPv6 (dual stack): host port from another node, from the host and hairpin" {
	conflist pm 1.1.0 '' dual
	P=$(netns_new pod)
	export CAP_ARGS='{"portMappings":[{"hostPort":8081,"containerPort":81,"protocol":"tcp"}]}'
	run cni add pm "$P"
	[ "$status" -eq 0 ] || { echo "$output"; false; }
	[ "$(jq -r '.ips[1].address' <<<"$output")" = fd99::2/64 ]
	serve_tcp "$P" 81 pod6 -6
	serve_tcp "$P" 81 pod4 -4

	[ "$(tcp_get "$N" fd77::1 8081)" = pod6 ]
	[ "$(tcp_get "$N" 192.168.77.1 8081)" = pod4 ]
	[ "$(tcp_get "$H" fd77::1 8081)" = pod6 ]
	[ "$(tcp_get "$P" fd77::1 8081)" = pod6 ]
	ip netns exec "$H" nft list map inet linen-cni-portmap masq6 | grep -q 'fd99::2 : jump m-'

	run cni check pm "$P"
	[ "$status" -eq 0 ] || { echo "$output"; false; }
	run cni del pm "$P"
	[ "$status" -eq 0 ] || { echo "$output"; false; }
	tcp_dead "$N" fd77::1 8081
	[ -z "$(ours_left)" ]
}

@test "hostIP: two pods share a port on different host addresses; DEL removes only one" {
	ip -n "$H" addr add 192.168.77.10/24 dev pmh-n
	conflist pm 1.0.0
	P1=$(netns_new pod1)
	P2=$(netns_new pod2)
	export CAP_ARGS='{"portMappings":[{"hostPort":8080,"containerPort":80,"protocol":"tcp","hostIP":"192.168.77.1"},{"hostPort":8080,"containerPort":80,"protocol":"tcp","hostIP":"fd77::1"}]}'
	run cni add pm "$P1"
	[ "$status" -eq 0 ] || { echo "$output"; false; }
	export CAP_ARGS='{"portMappings":[{"hostPort":8080,"containerPort":80,"protocol":"tcp","hostIP":"192.168.77.10"}]}'
	run cni add pm "$P2"
	[ "$status" -eq 0 ] || { echo "$output"; false; }
	serve_tcp "$P1" 80 one
	serve_tcp "$P2" 80 two
	[ "$(tcp_get "$N" 192.168.77.1 8080)" = one ]
	[ "$(tcp_get "$N" 192.168.77.10 8080)" = two ]

	export CAP_ARGS='{"portMappings":[{"hostPort":8080,"containerPort":80,"protocol":"tcp","hostIP":"192.168.77.1"}]}'
	run cni del pm "$P1"
	[ "$status" -eq 0 ] || { echo "$output"; false; }
	tcp_dead "$N" 192.168.77.1 8080
	[ "$(tcp_get "$N" 192.168.77.10 8080)" = two ]
	export CAP_ARGS='{"portMappings":[{"hostPort":8080,"containerPort":80,"protocol":"tcp","hostIP":"192.168.77.10"}]}'
	run cni check pm "$P2"
	[ "$status" -eq 0 ] || { echo "$output"; false; }
	run cni del pm "$P2"
	[ "$status" -eq 0 ] || { echo "$output"; false; }
	[ -z "$(ours_left)" ]
}

@test "CHECK notices a removed or changed rule; ADD again repairs it" {
	conflist pm 1.0.0
	P=$(netns_new pod)
	export CAP_ARGS='{"portMappings":[{"hostPort":8080,"containerPort":80,"protocol":"tcp"}]}'
	run cni add pm "$P"
	[ "$status" -eq 0 ] || { echo "$output"; false; }
	chain=$(ip netns exec "$H" nft list chain inet linen-cni-portmap hostports |
		grep -o 'p-[0-9a-f-]*' | head -1)
	ip netns exec "$H" nft flush chain inet linen-cni-portmap "$chain"
	run cni check pm "$P"
	[ "$status" -ne 0 ]
	[[ "$output" == *"differ"* || "$output" == *"missing"* ]] || { echo "$output"; false; }

	# A repeated ADD of portmap (as after a config change) converges, no duplicates.
	cid=cnitool-$(printf %s "/run/netns/$P" | sha512sum | cut -c1-20)
	conf=$(jq -c --argjson prev "$(jq -c .result "$T/cache/results/pm-$cid-eth0")" \
		--argjson rc "$(jq -c '{portMappings: .portMappings}' <<<"$CAP_ARGS")" \
		'.plugins[1] + {cniVersion, name, prevResult: $prev, runtimeConfig: $rc}' \
		"$T/conf/pm.conflist")
	for i in 1 2; do
		run plugin ADD "$conf" CNI_CONTAINERID="$cid" CNI_IFNAME=eth0 CNI_NETNS="/run/netns/$P"
		[ "$status" -eq 0 ] || { echo "$output"; false; }
	done
	[ "$(ip netns exec "$H" nft list chain inet linen-cni-portmap hostports | grep -c jump)" = 1 ]
	run cni check pm "$P"
	[ "$status" -eq 0 ] || { echo "$output"; false; }
	# The runtime now asks for another port: CHECK reports the difference.
	export CAP_ARGS='{"portMappings":[{"hostPort":9090,"containerPort":80,"protocol":"tcp"}]}'
	run cni check pm "$P"
	[ "$status" -ne 0 ]
	run cni del pm "$P"
	[ "$status" -eq 0 ] || { echo "$output"; false; }
	[ -z "$(ours_left)" ]
}

@test "GC removes the rules of attachments not in cni.dev/valid-attachments" {
	for id in a b c; do
		run plugin ADD "$(pm_conf '[{"hostPort":7000,"containerPort":70,"protocol":"tcp"}]' \
			'"snat":false')" \
			CNI_CONTAINERID=ctr-$id CNI_IFNAME=eth0 CNI_NETNS=/run/netns/$N
		[ "$status" -eq 0 ] || { echo "$output"; false; }
	done
	[ "$(ip netns exec "$H" nft list chain inet linen-cni-portmap hostports | grep -c jump)" = 3 ]
	run plugin GC '{"cniVersion":"1.1.0","name":"gcnet","type":"portmap","cni.dev/valid-attachments":[{"containerID":"ctr-b","ifname":"eth0"}]}'
	[ "$status" -eq 0 ] || { echo "$output"; false; }
	[ "$(ip netns exec "$H" nft list chain inet linen-cni-portmap hostports | grep -c jump)" = 1 ]
	# Another network's GC leaves gcnet alone.
	run plugin GC '{"cniVersion":"1.1.0","name":"othernet","type":"portmap","cni.dev/valid-attachments":[]}'
	[ "$status" -eq 0 ]
	[ "$(ip netns exec "$H" nft list chain inet linen-cni-portmap hostports | grep -c jump)" = 1 ]
	run plugin GC '{"cniVersion":"1.1.0","name":"gcnet","type":"portmap","cni.dev/valid-attachments":[]}'
	[ "$status" -eq 0 ] || { echo "$output"; false; }
	[ -z "$(ours_left)" ]
}

@test "cnitool gc (spec 1.1.0): the cached attachment is deleted, nothing of ours is left" {
	conflist pm 1.1.0
	P=$(netns_new pod)
	export CAP_ARGS='{"portMappings":[{"hostPort":8080,"containerPort":80,"protocol":"tcp"}]}'
	run cni add pm "$P"
	[ "$status" -eq 0 ] || { echo "$output"; false; }
	[ -n "$(ours_left)" ]
	unset CAP_ARGS
	run ip netns exec "$H" "$CNITOOL" gc pm
	[ "$status" -eq 0 ] || { echo "$output"; false; }
	[ -z "$(ours_left)" ]
	[ -z "$(ip -n "$P" -o link show eth0 2>/dev/null)" ]
}

@test "errors and pass-through: no prevResult, iptables options, bad bits and ports, versions" {
	local env=(CNI_CONTAINERID=ctr-e CNI_IFNAME=eth0 CNI_NETNS=/run/netns/$N)
	# No mappings: prevResult comes back unchanged, nothing is created.
	run plugin ADD "$(pm_conf '[]')" "${env[@]}"
	[ "$status" -eq 0 ] || { echo "$output"; false; }
	[ "$(jq -c .ips <<<"$output")" = '[{"interface":0,"address":"10.99.0.5/24"}]' ]
	[ -z "$(ours_left)" ]
	# No prevResult.
	run plugin ADD '{"cniVersion":"1.0.0","name":"n","type":"portmap","runtimeConfig":{"portMappings":[{"hostPort":1,"containerPort":1,"protocol":"tcp"}]}}' "${env[@]}"
	[ "$status" -ne 0 ]
	[[ "$(jq -r .msg <<<"$output")" == *chained* ]]
	# iptables-style conditions and externalSetMarkChain: unsupported field (2).
	run plugin ADD "$(pm_conf '[{"hostPort":1,"containerPort":1,"protocol":"tcp"}]' '"conditionsV4":["-s","1.2.3.4"]')" "${env[@]}"
	[ "$(jq -r .code <<<"$output")" = 2 ]
	run plugin ADD "$(pm_conf '[{"hostPort":1,"containerPort":1,"protocol":"tcp"}]' '"externalSetMarkChain":"KUBE-MARK-MASQ"')" "${env[@]}"
	[ "$(jq -r .code <<<"$output")" = 2 ]
	run plugin ADD "$(pm_conf '[{"hostPort":1,"containerPort":1,"protocol":"tcp"}]' '"externalSetMarkChain":"X","markMasqBit":5')" "${env[@]}"
	[ "$(jq -r .code <<<"$output")" = 7 ]
	run plugin ADD "$(pm_conf '[{"hostPort":1,"containerPort":1,"protocol":"tcp"}]' '"markMasqBit":32')" "${env[@]}"
	[ "$(jq -r .code <<<"$output")" = 7 ]
	run plugin ADD "$(pm_conf '[{"hostPort":1,"containerPort":1,"protocol":"tcp"}]' '"conditionsV4":["ip","saddr","1.2.3.4;","flush","ruleset"]')" "${env[@]}"
	[ "$(jq -r .code <<<"$output")" = 7 ]
	run plugin ADD "$(pm_conf '[{"hostPort":0,"containerPort":1,"protocol":"tcp"}]')" "${env[@]}"
	[ "$(jq -r .code <<<"$output")" = 7 ]
	[[ "$(jq -r .msg <<<"$output")" == *"host port"* ]]
	run plugin ADD "$(pm_conf '[{"hostPort":1,"containerPort":1,"protocol":"icmp"}]')" "${env[@]}"
	[ "$(jq -r .code <<<"$output")" = 7 ]
	run plugin ADD "$(pm_conf '[{"hostPort":1,"containerPort":1,"protocol":"tcp"}]' '"backend":"ebpf"')" "${env[@]}"
	[ "$(jq -r .code <<<"$output")" = 7 ]
	# Spec versions from 0.3.0.
	run plugin ADD '{"cniVersion":"0.2.0","name":"n","type":"portmap"}' "${env[@]}"
	[ "$(jq -r .code <<<"$output")" = 1 ]
	run plugin VERSION '{"cniVersion":"1.0.0"}'
	[ "$(jq -c .supportedVersions <<<"$output")" = '["0.3.0","0.3.1","0.4.0","1.0.0","1.1.0"]' ]
	[ -z "$(ours_left)" ]
	# nft conditions are honoured: a node excluded by them does not get through.
	conflist pm 1.0.0 '"conditionsV4":["ip","saddr","!=","192.168.77.2"],"backend":"iptables"'
	P=$(netns_new pod)
	export CAP_ARGS='{"portMappings":[{"hostPort":8080,"containerPort":80,"protocol":"tcp"}]}'
	run cni add pm "$P"
	[ "$status" -eq 0 ] || { echo "$output"; false; }
	serve_tcp "$P" 80 cond
	[ "$(tcp_get "$H" 127.0.0.1 8080)" = cond ]
	tcp_dead "$N" 192.168.77.1 8080
	run cni check pm "$P"
	[ "$status" -eq 0 ] || { echo "$output"; false; }
	run cni del pm "$P"
	[ "$status" -eq 0 ]
	[ -z "$(ours_left)" ]
}

@test "flannel's manifest conflist (flannel + portmap) end to end" {
	[ -x "$BIN/flannel" ] || skip "flannel not built in $LINEN_BUILD"
	cat >"$T/subnet.env" <<-EOF
	FLANNEL_NETWORK=10.244.0.0/16
	FLANNEL_SUBNET=10.244.1.1/24
	FLANNEL_MTU=1450
	FLANNEL_IPMASQ=false
	EOF
	cat >"$T/conf/10-flannel.conflist" <<-EOF
	{"name":"cbr0","cniVersion":"0.3.1","plugins":[
	 {"type":"flannel","subnetFile":"$T/subnet.env","dataDir":"$T/flannel",
	  "ipam":{"dataDir":"$T/ipam"},
	  "delegate":{"hairpinMode":true,"isDefaultGateway":true}},
	 {"type":"portmap","capabilities":{"portMappings":true}}]}
	EOF
	P=$(netns_new pod)
	export CAP_ARGS='{"portMappings":[{"hostPort":30080,"containerPort":80,"protocol":"tcp"}]}'
	run cni add cbr0 "$P"
	[ "$status" -eq 0 ] || { echo "$output"; false; }
	[ "$(jq -r '.ips[0].address' <<<"$output")" = 10.244.1.2/24 ]
	serve_tcp "$P" 80 flannel-pod
	[ "$(tcp_get "$N" 192.168.77.1 30080)" = flannel-pod ]
	[ "$(tcp_get "$H" 127.0.0.1 30080)" = flannel-pod ]
	[ "$(tcp_get "$P" 192.168.77.1 30080)" = flannel-pod ]
	run cni del cbr0 "$P"
	[ "$status" -eq 0 ] || { echo "$output"; false; }
	tcp_dead "$N" 192.168.77.1 30080
	[ -z "$(ours_left)" ]
}

# --- Options at runtime: snat, masqAll, markMasqBit, conditionsV4/V6, sctp ---------------

# serve_peer NS PORT LOG [-4|-6]: a TCP server answering "peer" and logging every peer's
# address (nc -v prints "Connection received on ADDR PORT" when it accepts).
serve_peer() {
	bg_start ip netns exec "$1" sh -c "while :; do echo peer | nc ${4:--4} -n -v -l -q0 $2; done" \
		>/dev/null 2>>"$3"
}

# peer_via CLIENT-NS ADDR PORT LOG: connect, then print the source address the server saw.
peer_via() {
	[ "$(tcp_get "$1" "$2" "$3")" = peer ] || { echo "no answer from $2 port $3" >&2; return 1; }
	sed -n 's/^Connection received on \([^ ]*\) .*/\1/p' "$4" | tail -1
}

# dad_settled IFACE: wait until no address of IFACE in the host is tentative.
dad_settled() {
	local i
	for i in $(seq 30); do
		[ -z "$(ip -n "$H" -6 addr show dev "$1" tentative)" ] && return 0
		sleep 0.2
	done
	return 1
}

pm_table() { ip netns exec "$H" nft list table inet linen-cni-portmap; }

# add_ok NET POD: cnitool ADD that must succeed; prints the result.
add_ok() {
	local out
	out=$(cni add "$1" "$2") || { echo "ADD $2 failed: $out" >&2; return 1; }
	echo "$out"
}

del_ok() {
	run cni del "$1" "$2"
	[ "$status" -eq 0 ] || { echo "$output"; false; }
}

@test "snat: hairpin and localhost are masqueraded by default; with snat:false the pod sees the real source" {
	local map='{"portMappings":[{"hostPort":8080,"containerPort":80,"protocol":"tcp"}]}'
	P1=$(netns_new pod1)
	P2=$(netns_new pod2)
	log=$T/peers
	serve_peer "$P1" 80 "$log" # the pod namespace outlives both attachments
	for snat in default false; do
		if [ $snat = default ]; then conflist pm 1.0.0; else conflist pm 1.0.0 '"snat":false'; fi
		export CAP_ARGS=$map
		out1=$(add_ok pm "$P1")
		ip1=$(jq -r '.ips[0].address | split("/")[0]' <<<"$out1")
		export CAP_ARGS='{"portMappings":[]}'
		out2=$(add_ok pm "$P2")
		ip2=$(jq -r '.ips[0].address | split("/")[0]' <<<"$out2")
		export CAP_ARGS=$map

		[ "$(peer_via "$N" 192.168.77.1 8080 "$log")" = 192.168.77.2 ] # never masqueraded
		[ "$(peer_via "$H" 192.168.77.1 8080 "$log")" = 192.168.77.1 ] # not a pod, not lo
		if [ $snat = default ]; then
			# Another pod, the pod itself and localhost come from the gateway.
			[ "$(peer_via "$P2" 192.168.77.1 8080 "$log")" = 10.99.0.1 ]
			[ "$(peer_via "$P1" 192.168.77.1 8080 "$log")" = 10.99.0.1 ]
			[ "$(peer_via "$H" 127.0.0.1 8080 "$log")" = 10.99.0.1 ]
			pm_table | grep -q "$ip1 : jump m-"
			pm_table | grep -q 'masquerade'
		else
			# The other pod's own address arrives; nothing of ours masquerades.
			[ "$(peer_via "$P2" 192.168.77.1 8080 "$log")" = "$ip2" ]
			[ "$ip2" != 10.99.0.1 ]
			run pm_table
			[[ "$output" != *masquerade* && "$output" != *"chain m-"* && "$output" != *"$ip1 :"* ]] ||
				{ echo "$output"; false; }
			[[ "$output" != *"meta mark set"* ]] || { echo "$output"; false; }
		fi
		run cni check pm "$P1"
		[ "$status" -eq 0 ] || { echo "$output"; false; }

		del_ok pm "$P1"
		export CAP_ARGS='{"portMappings":[]}'
		del_ok pm "$P2"
		[ -z "$(ours_left)" ]
	done
}

@test "masqAll: a node's connection reaches the pod from the host's address (v4, v6); default keeps the node's" {
	local map='{"portMappings":[{"hostPort":8080,"containerPort":80,"protocol":"tcp"}]}'
	P=$(netns_new pod)
	export CAP_ARGS=$map
	log=$T/peers
	serve_peer "$P" 80 "$log" -4
	serve_peer "$P" 80 "$log" -6
	for masq in true default; do
		if [ $masq = true ]; then
			conflist pm 1.0.0 '"masqAll":true' dual
		else
			conflist pm 1.0.0 '' dual
		fi
		out=$(add_ok pm "$P")
		ip6=$(jq -r '.ips[1].address | split("/")[0]' <<<"$out")
		# Until fd99::1 has passed DAD the kernel masquerades to fd77::1 instead.
		dad_settled pmbr0
		if [ $masq = true ]; then
			[ "$(peer_via "$N" 192.168.77.1 8080 "$log")" = 10.99.0.1 ]
			[ "$(peer_via "$N" fd77::1 8080 "$log")" = fd99::1 ]
			[ "$(peer_via "$H" 192.168.77.1 8080 "$log")" = 10.99.0.1 ]
			# The mark is set whatever the source: no saddr match in our DNAT chain.
			run pm_table
			[[ "$output" == *"meta mark set"* && "$output" != *saddr* ]] || { echo "$output"; false; }
			pm_table | grep -q "$ip6 : jump m-"
		else
			[ "$(peer_via "$N" 192.168.77.1 8080 "$log")" = 192.168.77.2 ]
			[ "$(peer_via "$N" fd77::1 8080 "$log")" = fd77::2 ]
			[ "$(peer_via "$H" 192.168.77.1 8080 "$log")" = 192.168.77.1 ]
		fi
		run cni check pm "$P"
		[ "$status" -eq 0 ] || { echo "$output"; false; }
		del_ok pm "$P"
		[ -z "$(ours_left)" ]
	done
}

@test "markMasqBit 5: the rules use mark 0x20, hairpin is masqueraded by that bit and not by 0x2000" {
	conflist pm 1.0.0 '"markMasqBit":5'
	P=$(netns_new pod)
	export CAP_ARGS='{"portMappings":[{"hostPort":8080,"containerPort":80,"protocol":"tcp"}]}'
	add_ok pm "$P" >/dev/null
	run pm_table
	[[ "$output" == *"meta mark set meta mark | 0x00000020"* ]] || { echo "$output"; false; }
	[[ "$output" == *"meta mark & 0x00000020 == 0x00000020 masquerade"* ]] || { echo "$output"; false; }
	[[ "$output" != *0x00002000* ]] || { echo "$output"; false; }
	log=$T/peers
	serve_peer "$P" 80 "$log"
	[ "$(peer_via "$N" 192.168.77.1 8080 "$log")" = 192.168.77.2 ]
	[ "$(peer_via "$P" 192.168.77.1 8080 "$log")" = 10.99.0.1 ]
	[ "$(peer_via "$H" 127.0.0.1 8080 "$log")" = 10.99.0.1 ]

	# A mark set before ours on the node's packets: bit 13 (the default) is not ours now,
	# bit 5 is, so only the latter gets the node's connection masqueraded.
	ip netns exec "$H" nft -f - <<-'EOF2'
	table inet pmtest {
		chain pre { type filter hook prerouting priority mangle; policy accept;
			ip saddr 192.168.77.2 meta mark set 0x2000; }
	}
	EOF2
	[ "$(peer_via "$N" 192.168.77.1 8080 "$log")" = 192.168.77.2 ]
	ip netns exec "$H" nft flush chain inet pmtest pre
	ip netns exec "$H" nft add rule inet pmtest pre ip saddr 192.168.77.2 meta mark set 0x20
	[ "$(peer_via "$N" 192.168.77.1 8080 "$log")" = 10.99.0.1 ]
	ip netns exec "$H" nft delete table inet pmtest

	run cni check pm "$P"
	[ "$status" -eq 0 ] || { echo "$output"; false; }
	del_ok pm "$P"
	[ -z "$(ours_left)" ]
	tcp_dead "$N" 192.168.77.1 8080
}

@test "conditionsV4 and conditionsV6 select per family which sources get the host port" {
	# v4: only the node is mapped; v6: everyone but the node. Unmapped connections reach
	# the host's own server on the same port instead.
	conflist pm 1.0.0 '"conditionsV4":["ip","saddr","192.168.77.2"],"conditionsV6":["ip6","saddr","!=","fd77::2"]' dual
	P=$(netns_new pod)
	export CAP_ARGS='{"portMappings":[{"hostPort":8080,"containerPort":80,"protocol":"tcp"}]}'
	add_ok pm "$P" >/dev/null
	serve_tcp "$P" 80 pod4 -4
	serve_tcp "$P" 80 pod6 -6
	serve_tcp "$H" 8080 host4 -4
	serve_tcp "$H" 8080 host6 -6
	run pm_table
	[[ "$output" == *"ip saddr 192.168.77.2"* && "$output" == *"ip6 saddr != fd77::2"* ]] ||
		{ echo "$output"; false; }

	[ "$(tcp_get "$N" 192.168.77.1 8080)" = pod4 ]  # selected by conditionsV4
	[ "$(tcp_get "$H" 192.168.77.1 8080)" = host4 ] # not selected: the host's own port
	[ "$(tcp_get "$H" 127.0.0.1 8080)" = host4 ]
	[ "$(tcp_get "$N" fd77::1 8080)" = host6 ]      # excluded by conditionsV6
	[ "$(tcp_get "$H" fd77::1 8080)" = pod6 ]
	[ "$(tcp_get "$P" fd77::1 8080)" = pod6 ]       # hairpin is not the node either

	run cni check pm "$P"
	[ "$status" -eq 0 ] || { echo "$output"; false; }
	del_ok pm "$P"
	[ -z "$(ours_left)" ]
	[ "$(tcp_get "$N" 192.168.77.1 8080)" = host4 ]
}

@test "sctp: a mapping is rendered with sctp dport for both families and removed on DEL" {
	# Rules only: this kernel has no SCTP sockets (CONFIG_IP_SCTP unset) and neither socat
	# nor ncat is among the installed packages (scripts/install-deps.sh), so there is no
	# SCTP client or server to send traffic with.
	conflist pm 1.0.0 '' dual
	P=$(netns_new pod)
	export CAP_ARGS='{"portMappings":[{"hostPort":9132,"containerPort":132,"protocol":"sctp"},{"hostPort":8080,"containerPort":80,"protocol":"tcp"}]}'
	out=$(add_ok pm "$P")
	ip4=$(jq -r '.ips[0].address | split("/")[0]' <<<"$out")
	ip6=$(jq -r '.ips[1].address | split("/")[0]' <<<"$out")
	run ip netns exec "$H" nft list chain inet linen-cni-portmap hostports
	[[ "$output" == *"sctp dport 9132 jump p-"* && "$output" == *"tcp dport 8080 jump p-"* ]] ||
		{ echo "$output"; false; }
	run pm_table
	[[ "$output" == *"sctp dport 9132 dnat ip to $ip4:132"* ]] || { echo "$output"; false; }
	[[ "$output" == *"sctp dport 9132 dnat ip6 to [$ip6]:132"* ]] || { echo "$output"; false; }
	[[ "$output" == *"sctp dport 9132 ip saddr 10.99.0.0/24 meta mark set"* ]] || { echo "$output"; false; }
	# The tcp mapping next to it works.
	serve_tcp "$P" 80 pod-tcp
	[ "$(tcp_get "$N" 192.168.77.1 8080)" = pod-tcp ]
	run cni check pm "$P"
	[ "$status" -eq 0 ] || { echo "$output"; false; }
	del_ok pm "$P"
	[ -z "$(ours_left)" ]
}

@test "switching from the reference: our DEL removes the reference portmap's DNAT chain of that container only" {
	require_root
	[ -x /usr/lib/cni/portmap ] || skip "reference plugins not installed"
	command -v iptables >/dev/null || skip "iptables missing (the reference portmap needs it)"
	local P1 P2 d1 d2
	# the "host" namespace of chain_setup (H), two pods of our own
	P1=$(netns_new pmref1)
	P2=$(netns_new pmref2)
	# pmcfg <pod> <ip> <port>: a portmap config as a runtime sends it after the main plugin
	pmcfg() {
		printf '{"cniVersion":"1.0.0","name":"pmref","type":"portmap","runtimeConfig":{"portMappings":[{"hostPort":%s,"containerPort":80,"protocol":"tcp"}]},"prevResult":{"cniVersion":"1.0.0","interfaces":[{"name":"eth0","sandbox":"/run/netns/%s"}],"ips":[{"address":"%s/24","interface":0}]}}' "$3" "$1" "$2"
	}
	# pm <bin> <cmd> <id> <pod> <cfg>
	pm() {
		ip netns exec "$H" env CNI_COMMAND="$2" CNI_CONTAINERID="$3" CNI_NETNS="/run/netns/$4" \
			CNI_IFNAME=eth0 CNI_PATH=/usr/lib/cni "$1" <<<"$5"
	}
	pm /usr/lib/cni/portmap ADD r1 "$P1" "$(pmcfg "$P1" 10.96.0.5 18081)" >/dev/null
	pm /usr/lib/cni/portmap ADD r2 "$P2" "$(pmcfg "$P2" 10.96.0.6 18082)" >/dev/null
	d1=CNI-DN-$(printf '%s' "pmrefr1" | sha512sum | cut -c1-21)
	d2=CNI-DN-$(printf '%s' "pmrefr2" | sha512sum | cut -c1-21)
	ip netns exec "$H" nft list chain ip nat "$d1" | grep -q 'dnat to 10.96.0.5:80'
	ip netns exec "$H" nft list chain ip nat CNI-HOSTPORT-DNAT | grep -q "jump $d1"
	# the node now runs our portmap: DEL of the first container removes its DNAT only
	pm "$LINEN_BUILD/plugins/portmap/portmap" DEL r1 "$P1" "$(pmcfg "$P1" 10.96.0.5 18081)"
	! ip netns exec "$H" nft list chain ip nat "$d1" >/dev/null 2>&1 || false
	! ip netns exec "$H" nft list chain ip nat CNI-HOSTPORT-DNAT | grep -q "jump $d1" || false
	ip netns exec "$H" nft list chain ip nat "$d2" | grep -q 'dnat to 10.96.0.6:80'
	ip netns exec "$H" iptables -t nat -S CNI-HOSTPORT-DNAT | grep -q -- "-j $d2"
	pm "$LINEN_BUILD/plugins/portmap/portmap" DEL r2 "$P2" "$(pmcfg "$P2" 10.96.0.6 18082)"
	! ip netns exec "$H" nft list table ip nat | grep -q 'CNI-DN-' || false
	# again: nothing there, still success
	pm "$LINEN_BUILD/plugins/portmap/portmap" DEL r2 "$P2" "$(pmcfg "$P2" 10.96.0.6 18082)"
}
