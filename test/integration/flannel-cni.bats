#!/usr/bin/env bats
# SPDX-License-Identifier: Apache-2.0
# The flannel CNI plugin end to end, through cnitool: a "host" namespace made here (where
# cni0 lives and the plugins run, via ip netns exec) and a pod namespace; subnet.env
# written by hand. ADD with the kube-flannel manifest's conflist → pod address in
# FLANNEL_SUBNET, cni0 has .1, route to FLANNEL_NETWORK, the saved delegate config in the
# reference's bytes → DEL → file and address gone. DEL without the saved file (and without
# subnet.env) still frees the address; STATUS is 50 without subnet.env; CHECK/GC/STATUS
# reach the delegate; the same ADD/DEL with the reference bridge and host-local
# (/usr/lib/cni) as delegates. Nothing outside $BATS_TEST_TMPDIR and the two namespaces.

load helpers

setup() {
	require_root
	CNITOOL=$LINEN_BUILD/src/cnitool/cnitool
	[ -x "$CNITOOL" ] || skip "cnitool not built in $LINEN_BUILD"
	[ -x "$LINEN_BUILD/plugins/flannel/flannel" ] || skip "flannel not built in $LINEN_BUILD"
	command -v jq >/dev/null || skip "jq missing"
	T=$BATS_TEST_TMPDIR
	mkdir -p "$T/conf" "$T/bin"
	cp "$LINEN_TOP/test/plugins/noop" "$T/bin/noop"
	export NETCONFPATH=$T/conf
	export LINEN_CNI_CACHE_DIR=$T/cache
	export CNI_PATH=$T/bin:$(linen_cni_bin)
	unset CNI_ARGS CAP_ARGS CNI_IFNAME LINEN_CNI_TIMEOUT_MS
	H=$(netns_new flh)
	P=$(netns_new flp)
	PODNS=/run/netns/$P
	# cnitool's container id: "cnitool-" + 20 hex digits of sha512(netns path)
	CID=cnitool-$(printf %s "$PODNS" | sha512sum | cut -c1-20)
	SAVED=$T/data/$CID
	LOG=$T/log
	write_subnet_env
}

teardown() {
	linen_teardown
}

write_subnet_env() {
	printf '%s\n' FLANNEL_NETWORK=10.244.0.0/16 FLANNEL_SUBNET=10.244.1.1/24 \
		FLANNEL_MTU=1450 FLANNEL_IPMASQ=true >"$T/subnet.env"
}

have_plugin() {
	[ -x "$(linen_cni_bin)/$1" ]
}

# The kube-flannel manifest's conflist, with every path inside $T.
# manifest VERSION [extra plugin JSON...]
manifest() {
	local version=$1 extra=""
	shift
	for p in "$@"; do extra+=",$p"; done
	cat >"$T/conf/cbr0.conflist" <<-EOF
	{"name":"cbr0","cniVersion":"$version","plugins":[
	 {"type":"flannel","subnetFile":"$T/subnet.env","dataDir":"$T/data",
	  "ipam":{"dataDir":"$T/ipam"},
	  "delegate":{"hairpinMode":true,"isDefaultGateway":true}}$extra]}
	EOF
}

# A conflist whose flannel delegates to the logging noop plugin.
# noop_conf VERSION
noop_conf() {
	cat >"$T/conf/cbr0.conflist" <<-EOF
	{"name":"cbr0","cniVersion":"$1","plugins":[
	 {"type":"flannel","subnetFile":"$T/subnet.env","dataDir":"$T/data",
	  "ipam":{"dataDir":"$T/ipam"},
	  "delegate":{"type":"noop","log":"$LOG"}}]}
	EOF
}

# cnitool run as the host: the plugins run (and cni0 lives) in $H
cni() { # cni VERB [args...]
	run ip netns exec "$H" "$CNITOOL" "$@"
}

logged() { # the noop log lines of one verb
	jq -c "select(.command == \"$1\")" "$LOG"
}

# The delegate config the reference saves for the manifest (flannel.md §10) plus our ipam
# dataDir; the keys sorted, no newline.
expected_saved() { # expected_saved VERSION
	printf '%s' '{"cniVersion":"'"$1"'","hairpinMode":true,"ipMasq":false,' \
		'"ipam":{"dataDir":"'"$T/ipam"'","ranges":[[{"subnet":"10.244.1.0/24"}]],' \
		'"routes":[{"dst":"10.244.0.0/16"}],"type":"host-local"},"isDefaultGateway":true,' \
		'"isGateway":true,"mtu":1450,"name":"cbr0","type":"bridge"}'
}

# ADD, then the kernel state and the files. Leaves the pod address in $IP.
add_and_verify() { # add_and_verify VERSION
	cni add cbr0 "$PODNS"
	[ "$status" -eq 0 ] || { echo "$output"; false; }
	[ "$(jq -r .cniVersion <<<"$output")" = "$1" ]
	IP=$(jq -r '.ips[0].address' <<<"$output")
	[[ "$IP" == 10.244.1.*/24 ]]
	IP=${IP%/24}
	[ "$IP" != 10.244.1.1 ]
	[ "$IP" != 10.244.1.0 ]
	# the bridge owns the gateway, the pod routes the whole flannel network through it
	ip -n "$H" -4 addr show dev cni0 | grep -q 'inet 10.244.1.1/24'
	[ "$(ip -n "$H" -j link show cni0 | jq -r '.[0].mtu')" = 1450 ]
	[ "$(ip -n "$P" -j link show eth0 | jq -r '.[0].mtu')" = 1450 ]
	ip -n "$P" -4 addr show dev eth0 | grep -q "inet $IP/24"
	ip -n "$P" route show 10.244.0.0/16 | grep -q 'via 10.244.1.1 dev eth0'
	ip -n "$P" route show default | grep -q 'via 10.244.1.1 dev eth0'   # isDefaultGateway
	ip netns exec "$P" ping -c1 -W2 10.244.1.1 >/dev/null
	# host-local's reservation and our saved delegate config, byte for byte
	[ "$(cat "$T/ipam/cbr0/$IP")" = "$CID"$'\r\n'"eth0" ]
	[ -f "$SAVED" ]
	[ "$(stat -c %a "$SAVED")" = 600 ]
	[ "$(stat -c %a "$T/data")" = 700 ]
	cmp "$SAVED" <(expected_saved "$1")
}

del_and_verify() {
	cni del cbr0 "$PODNS"
	[ "$status" -eq 0 ] || { echo "$output"; false; }
	[ ! -e "$SAVED" ]
	[ ! -e "$T/ipam/cbr0/$IP" ]
	! ip -n "$P" link show eth0 2>/dev/null || false
}

@test "manifest conflist with our bridge and host-local: ADD, DEL, DEL again" {
	have_plugin bridge || skip "our bridge is not built"
	if have_plugin portmap; then
		manifest 0.3.1 '{"type":"portmap","capabilities":{"portMappings":true}}'
		export CAP_ARGS='{"portMappings":[{"hostPort":18080,"containerPort":80}]}'
	else
		manifest 0.3.1 # portmap not built yet: flannel alone
	fi
	add_and_verify 0.3.1
	if have_plugin portmap; then
		ip netns exec "$H" nft list ruleset | grep -q 18080
	fi
	del_and_verify
	! ip netns exec "$H" nft list ruleset | grep -q 18080 || false
	cni del cbr0 "$PODNS"
	[ "$status" -eq 0 ] || { echo "$output"; false; }
}

@test "our bridge at 1.1.0: ADD, CHECK, GC of the cached attachment" {
	have_plugin bridge || skip "our bridge is not built"
	manifest 1.1.0
	add_and_verify 1.1.0
	cni check cbr0 "$PODNS"
	[ "$status" -eq 0 ] || { echo "$output"; false; }
	# cnitool passes no valid attachment: the pod is DELeted, then every plugin GCs
	cni gc cbr0
	[ "$status" -eq 0 ] || { echo "$output"; false; }
	[ ! -e "$SAVED" ]
	[ ! -e "$T/ipam/cbr0/$IP" ]
	! ip -n "$P" link show eth0 2>/dev/null || false
}

@test "every spec version with our bridge: ADD, DEL" {
	have_plugin bridge || skip "our bridge is not built"
	for v in 0.1.0 0.2.0 0.3.0 0.3.1 0.4.0 1.0.0 1.1.0; do
		manifest "$v"
		cni add cbr0 "$PODNS"
		[ "$status" -eq 0 ] || { echo "$v: $output"; false; }
		[ "$(jq -r .cniVersion <<<"$output")" = "$v" ]
		case $v in
		0.1.0 | 0.2.0) IP=$(jq -r .ip4.ip <<<"$output") ;;
		*) IP=$(jq -r '.ips[0].address' <<<"$output") ;;
		esac
		[[ "$IP" == 10.244.1.*/24 ]] || { echo "$v: $output"; false; }
		IP=${IP%/24}
		[ "$(jq -r .cniVersion "$SAVED")" = "$v" ]
		ip -n "$P" -4 addr show dev eth0 | grep -q "inet $IP/24"
		del_and_verify
	done
}

@test "FLANNEL_IPMASQ=false: the bridge masquerades, and DEL removes it" {
	have_plugin bridge || skip "our bridge is not built"
	command -v nft >/dev/null || skip "nft missing"
	sed -i 's/FLANNEL_IPMASQ=true/FLANNEL_IPMASQ=false/' "$T/subnet.env"
	manifest 1.0.0
	cni add cbr0 "$PODNS"
	[ "$status" -eq 0 ] || { echo "$output"; false; }
	IP=$(jq -r '.ips[0].address' <<<"$output")
	IP=${IP%/24}
	[ "$(jq -r .ipMasq "$SAVED")" = true ]
	ip netns exec "$H" nft list ruleset | grep -qi masquerade
	ip netns exec "$H" nft list ruleset | grep -q "$IP"
	del_and_verify
	! ip netns exec "$H" nft list ruleset | grep -q "$IP" || false
	# the rebuilt config has ipMasq too: DEL without the saved file removes the rule
	cni add cbr0 "$PODNS"
	[ "$status" -eq 0 ] || { echo "$output"; false; }
	IP=$(jq -r '.ips[0].address' <<<"$output")
	IP=${IP%/24}
	ip netns exec "$H" nft list ruleset | grep -q "$IP"
	rm "$SAVED"
	del_and_verify
	! ip netns exec "$H" nft list ruleset | grep -q "$IP" || false
}

@test "dual stack with network lists: an address per family, a route per network" {
	have_plugin bridge || skip "our bridge is not built"
	printf '%s\n' FLANNEL_NETWORK=10.244.0.0/16,10.245.0.0/16,10.244.0.0/16 \
		FLANNEL_SUBNET=10.244.1.1/24 FLANNEL_IPV6_NETWORK=fd42:244::/56 \
		FLANNEL_IPV6_SUBNET=fd42:244:0:1::1/64 FLANNEL_MTU=1400 FLANNEL_IPMASQ=true \
		>"$T/subnet.env"
	manifest 1.0.0
	cni add cbr0 "$PODNS"
	[ "$status" -eq 0 ] || { echo "$output"; false; }
	[[ "$(jq -r '.ips[0].address' <<<"$output")" == 10.244.1.*/24 ]]
	[[ "$(jq -r '.ips[1].address' <<<"$output")" == fd42:244:0:1::*/64 ]]
	[ "$(jq -c .ipam.ranges "$SAVED")" = \
		'[[{"subnet":"10.244.1.0/24"}],[{"subnet":"fd42:244:0:1::/64"}]]' ]
	[ "$(jq -c '[.ipam.routes[].dst]' "$SAVED")" = \
		'["10.244.0.0/16","10.245.0.0/16","fd42:244::/56"]' ]
	ip -n "$P" route show 10.245.0.0/16 | grep -q 'via 10.244.1.1'
	ip -n "$P" -6 route show fd42:244::/56 | grep -q 'via fd42:244:0:1::1'
	ip -n "$H" -6 addr show dev cni0 | grep -q 'inet6 fd42:244:0:1::1/64'
	[ "$(ip -n "$P" -j link show eth0 | jq -r '.[0].mtu')" = 1400 ]
	cni del cbr0 "$PODNS"
	[ "$status" -eq 0 ] || { echo "$output"; false; }
	[ ! -e "$SAVED" ]
	[ -z "$(ls "$T/ipam/cbr0" | grep -v -e '^lock$' -e '^last_reserved_ip')" ]
}

@test "reference bridge, host-local and portmap as the delegates: ADD, DEL" {
	[ -x /usr/lib/cni/bridge ] && [ -x /usr/lib/cni/host-local ] &&
		[ -x /usr/lib/cni/portmap ] || skip "reference plugins not installed"
	command -v iptables-save >/dev/null || skip "iptables missing (reference portmap)"
	mkdir -p "$T/ref"
	ln -s "$LINEN_BUILD/plugins/flannel/flannel" "$T/ref/flannel"
	for p in bridge host-local portmap; do ln -s "/usr/lib/cni/$p" "$T/ref/$p"; done
	export CNI_PATH=$T/ref
	manifest 0.3.1 '{"type":"portmap","capabilities":{"portMappings":true}}'
	export CAP_ARGS='{"portMappings":[{"hostPort":18080,"containerPort":80,"protocol":"tcp"}]}'
	add_and_verify 0.3.1
	# portmap got flannel's result as prevResult: its DNAT (iptables) goes to the pod
	ip netns exec "$H" iptables-save -t nat | grep -- '--dport 18080' | grep -q "$IP"
	del_and_verify
	! ip netns exec "$H" iptables-save -t nat | grep -q -- '--dport 18080' || false
	unset CAP_ARGS

	# 1.0.0 (the newest the reference speaks); DEL without the saved file. No CHECK: the
	# reference bridge's CHECK wants host-local's gateway-less routes in the pod's table
	# without a gateway and fails ("Expected Route ... not found"), whoever calls it.
	manifest 1.0.0
	add_and_verify 1.0.0
	rm "$SAVED"
	del_and_verify
}

@test "DEL without the saved config rebuilds it from subnet.env and frees the address" {
	have_plugin bridge || skip "our bridge is not built"
	manifest 1.0.0
	add_and_verify 1.0.0
	rm "$SAVED"
	del_and_verify
}

@test "DEL with neither the saved config nor subnet.env still frees the address" {
	have_plugin host-local || skip "host-local not built"
	noop_conf 1.0.0
	# the noop delegate allocates nothing: reserve addresses as host-local would
	mkdir -p "$T/ipam/cbr0"
	printf '%s\r\n%s' "$CID" eth0 >"$T/ipam/cbr0/10.244.1.7"
	printf '%s\r\n%s' other-container eth0 >"$T/ipam/cbr0/10.244.1.8"
	cni add cbr0 "$PODNS"
	[ "$status" -eq 0 ] || { echo "$output"; false; }
	[ -f "$SAVED" ]
	rm "$SAVED" "$T/subnet.env"
	cni del cbr0 "$PODNS"
	[ "$status" -eq 0 ] || { echo "$output"; false; }
	[ ! -e "$T/ipam/cbr0/10.244.1.7" ]
	[ -f "$T/ipam/cbr0/10.244.1.8" ]            # someone else's address stays
	[ "$(logged DEL | wc -l)" -eq 0 ]           # host-local alone, not the delegate
}

@test "a corrupt saved config: DEL rebuilds, frees, and removes it" {
	noop_conf 1.0.0
	cni add cbr0 "$PODNS"
	[ "$status" -eq 0 ] || { echo "$output"; false; }
	echo 'not json {' >"$SAVED"
	cni del cbr0 "$PODNS"
	[ "$status" -eq 0 ] || { echo "$output"; false; }
	[ ! -e "$SAVED" ]
	[ "$(logged DEL | jq -r .stdin.ipam.ranges[0][0].subnet)" = 10.244.1.0/24 ]
}

@test "a failing delegate DEL keeps the saved config for the next DEL" {
	noop_conf 1.0.0
	jq -c '.plugins[0].delegate.behavior = {"DEL":"fail"}' "$T/conf/cbr0.conflist" >"$T/c"
	mv "$T/c" "$T/conf/cbr0.conflist"
	cni add cbr0 "$PODNS"
	[ "$status" -eq 0 ] || { echo "$output"; false; }
	cni del cbr0 "$PODNS"
	[ "$status" -ne 0 ]
	[[ "$output" == *"noop told to fail DEL"*"code 11"* ]]
	[ -f "$SAVED" ]
}

@test "ADD: what the delegate gets, and the reference's errors" {
	noop_conf 1.0.0
	cni add cbr0 "$PODNS"
	[ "$status" -eq 0 ] || { echo "$output"; false; }
	add=$(logged ADD)
	[ "$(jq -r .containerID <<<"$add")" = "$CID" ]
	[ "$(jq -r .netns <<<"$add")" = "$PODNS" ]
	[ "$(jq -c .stdin <<<"$add")" = "$(jq -c . "$SAVED")" ]
	[ "$(jq -r .stdin.ipMasq <<<"$add")" = false ]
	[ "$(jq -r .stdin.mtu <<<"$add")" = 1450 ]
	[ "$(jq -r '.stdin | has("isGateway")' <<<"$add")" = false ]   # not a bridge
	[ "$(jq -r .stdin.name <<<"$add")" = cbr0 ]
	cni del cbr0 "$PODNS"
	[ "$status" -eq 0 ] || { echo "$output"; false; }

	# the delegate may not set name or ipam
	jq -c '.plugins[0].delegate.name = "x"' "$T/conf/cbr0.conflist" >"$T/c"
	mv "$T/c" "$T/conf/cbr0.conflist"
	cni add cbr0 "$PODNS"
	[ "$status" -ne 0 ]
	msg="'delegate' dictionary must not have 'name' field, it'll be set by flannel"
	[[ "$output" == *"$msg"* ]]

	noop_conf 1.0.0
	rm "$T/subnet.env"
	cni add cbr0 "$PODNS"
	[ "$status" -ne 0 ]
	[[ "$output" == *"loadFlannelSubnetEnv failed: open $T/subnet.env"* ]]

	printf 'FLANNEL_NETWORK=10.244.0.0/16\nFLANNEL_SUBNET=10.244.1.1/24\n' >"$T/subnet.env"
	cni add cbr0 "$PODNS"
	[ "$status" -ne 0 ]
	[[ "$output" == *"$T/subnet.env is missing FLANNEL_MTU, FLANNEL_IPMASQ"* ]]
}

@test "STATUS is 50 without subnet.env and is forwarded to the delegate otherwise" {
	noop_conf 1.1.0
	cni status cbr0
	[ "$status" -eq 0 ] || { echo "$output"; false; }
	st=$(logged STATUS)
	[ "$(jq -r .stdin.type <<<"$st")" = noop ]
	[ "$(jq -r .stdin.ipam.ranges[0][0].subnet <<<"$st")" = 10.244.1.0/24 ]

	rm "$T/subnet.env"
	cni status cbr0
	[ "$status" -ne 0 ]
	[[ "$output" == *"code 50"* ]]
	[ "$(logged STATUS | wc -l)" -eq 1 ]         # the delegate was not asked
	printf 'FLANNEL_NETWORK=10.244.0.0/16\n' >"$T/subnet.env"
	cni status cbr0
	[ "$status" -ne 0 ]
	[[ "$output" == *"is missing"*"code 50"* ]]
}

@test "STATUS through our bridge to host-local" {
	have_plugin bridge || skip "our bridge is not built"
	manifest 1.1.0
	cni status cbr0
	[ "$status" -eq 0 ] || { echo "$output"; false; }
}

@test "CHECK reaches the delegate with the saved config and prevResult" {
	noop_conf 1.0.0
	cni add cbr0 "$PODNS"
	[ "$status" -eq 0 ] || { echo "$output"; false; }
	cni check cbr0 "$PODNS"
	[ "$status" -eq 0 ] || { echo "$output"; false; }
	chk=$(logged CHECK)
	[ "$(jq -c '.stdin | del(.prevResult)' <<<"$chk")" = "$(jq -c . "$SAVED")" ]
	[ "$(jq -r .stdin.prevResult.cniVersion <<<"$chk")" = 1.0.0 ]
	[ "$(jq -r '.stdin.prevResult.ips | length' <<<"$chk")" = 1 ]
}

@test "GC forwards the valid attachments and drops saved configs of gone containers" {
	noop_conf 1.1.0
	mkdir -p "$T/data"
	printf '{"name":"cbr0","type":"noop"}' >"$T/data/stale-1"
	printf '{"name":"othernet","type":"bridge"}' >"$T/data/stale-2"   # another network's
	printf 'garbage' >"$T/data/stale-3"                                 # not ours to judge
	cni add cbr0 "$PODNS"
	[ "$status" -eq 0 ] || { echo "$output"; false; }
	# cnitool knows no valid attachment: the cached one is DELeted, then GC runs
	cni gc cbr0
	[ "$status" -eq 0 ] || { echo "$output"; false; }
	gc=$(logged GC)
	[ "$(jq -c '.stdin["cni.dev/valid-attachments"]' <<<"$gc")" = '[]' ]
	[ "$(jq -r .stdin.ipam.type <<<"$gc")" = host-local ]
	[ ! -e "$SAVED" ]
	[ ! -e "$T/data/stale-1" ]
	[ -f "$T/data/stale-2" ]
	[ -f "$T/data/stale-3" ]
}

@test "GC without subnet.env goes to host-local alone" {
	have_plugin host-local || skip "host-local not built"
	noop_conf 1.1.0
	mkdir -p "$T/ipam/cbr0" "$T/data"
	printf '%s\r\n%s' gone-container eth0 >"$T/ipam/cbr0/10.244.1.9"
	printf '{"name":"cbr0","type":"noop"}' >"$T/data/gone-container"
	rm "$T/subnet.env"
	cni gc cbr0
	[ "$status" -eq 0 ] || { echo "$output"; false; }
	[ ! -e "$T/ipam/cbr0/10.244.1.9" ]
	[ ! -e "$T/data/gone-container" ]
	[ ! -e "$LOG" ] || [ "$(logged GC | wc -l)" -eq 0 ]
}
