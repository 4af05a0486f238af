#!/usr/bin/env bats
# SPDX-License-Identifier: Apache-2.0
# The tuning plugin end to end: a bridge + host-local + tuning chain run by cnitool inside a
# "host" namespace made here, the pod a namespace. Sysctls, MAC, MTU, promisc, allmulti and
# txqueuelen are read back inside the pod; the new MAC is in the result; CHECK sees drift;
# DEL puts every original value back and removes the backup file, and always succeeds;
# CNI_ARGS < runtimeConfig < args precedence; hostile sysctl keys (.., outside net, duplicate
# keys) and keys off the allowlist are refused before anything changes; GC removes only
# this network's stale backup files. The allowlist test bind-mounts over /etc/cni in a
# private mount namespace; nothing outside the namespaces and $BATS_TEST_TMPDIR is touched.

load helpers

setup() {
	require_root
	CNITOOL=$LINEN_BUILD/src/cnitool/cnitool
	[ -x "$CNITOOL" ] || skip "cnitool not built in $LINEN_BUILD"
	BIN=$(linen_cni_bin)
	for p in bridge host-local tuning; do
		[ -x "$BIN/$p" ] || skip "$p not built in $LINEN_BUILD"
	done
	command -v jq >/dev/null || skip "jq missing"
	T=$BATS_TEST_TMPDIR
	mkdir -p "$T/conf"
	export NETCONFPATH=$T/conf
	export CNI_PATH=$BIN
	export LINEN_CNI_CACHE_DIR=$T/cache
	unset CNI_ARGS CAP_ARGS CNI_IFNAME
	H=$(netns_new tuhost)
	P=$(netns_new tupod)
	CID=cnitool-$(printf %s "/run/netns/$P" | sha512sum | cut -c1-20)
}

teardown() {
	linen_teardown
}

# Writes one line per ARP packet seen on an interface: "request|reply <sha> <spa> <tpa>".
ARP_SNIFFER='
import socket, struct, sys
s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(0x0806))
s.bind((sys.argv[1], 0))
out = open(sys.argv[2], "w", buffering=1)
while True:
    p = s.recv(128)[14:42]
    op, sha, spa, tpa = struct.unpack("!6xH6s4s6x4s", p)
    out.write("%s %s %s %s\n" % ("request" if op == 1 else "reply",
              ":".join("%02x" % b for b in sha), socket.inet_ntoa(spa), socket.inet_ntoa(tpa)))
'

# conflist NAME VERSION TUNING-PLUGIN-JSON → $T/conf/NAME.conflist
conflist() {
	cat >"$T/conf/$1.conflist" <<-EOF
	{"cniVersion":"$2","name":"$1","plugins":[
	 {"type":"bridge","bridge":"tubr0","isGateway":true,
	  "ipam":{"type":"host-local","ranges":[[{"subnet":"10.92.0.0/24"}]],"dataDir":"$T/ipam"}},
	 $3]}
	EOF
}

cni() { # cni VERB NET [NETNS]
	ip netns exec "$H" "$CNITOOL" "$1" "$2" "/run/netns/${3:-$P}"
}

in_pod() {
	ip netns exec "$P" "$@"
}

link_field() { # link_field NAME: mac mtu flags qlen of the pod's eth0
	ip -n "$P" -j link show eth0 | jq -r ".[0].$1"
}

# run the tuning plugin alone with the conflist's tuning object
tuning_alone() { # tuning_alone VERB NET [extra env...]
	local verb=$1 net=$2
	shift 2
	ip netns exec "$H" env CNI_COMMAND="$verb" CNI_CONTAINERID="$CID" CNI_NETNS="/run/netns/$P" \
		CNI_IFNAME=eth0 CNI_PATH="$BIN" "$@" "$BIN/tuning" \
		<<<"$(jq -c '.plugins[1] + {name, cniVersion}' "$T/conf/$net.conflist")"
}

@test "tuning: sysctls and link attributes applied in the pod, CHECK, restored by DEL" {
	conflist tu 1.0.0 "{\"type\":\"tuning\",\"dataDir\":\"$T/tuning\",
	  \"mac\":\"c2:11:22:33:44:55\",\"mtu\":1400,\"promisc\":true,\"allmulti\":true,\"txQLen\":2000,
	  \"sysctl\":{\"net.ipv4.conf.IFNAME.arp_filter\":\"1\",\"net.core.somaxconn\":\"777\",
	  \"net/ipv4/conf/IFNAME/arp_announce\":\"2\"}}"
	somax=$(in_pod sysctl -n net.core.somaxconn)
	[ "$somax" != 777 ]

	run cni add tu
	[ "$status" -eq 0 ] || { echo "$output"; false; }
	# the new MAC is in the result, on the pod's interface only
	[ "$(jq -r '.interfaces[] | select(.name == "eth0") | .mac' <<<"$output")" = c2:11:22:33:44:55 ]
	[ "$(jq -r '.interfaces[0].mac' <<<"$output")" != c2:11:22:33:44:55 ]

	[ "$(link_field address)" = c2:11:22:33:44:55 ]
	[ "$(link_field mtu)" = 1400 ]
	[ "$(link_field txqlen)" = 2000 ]
	ip -n "$P" -d link show eth0 | grep -q 'promiscuity 1 '
	ip -n "$P" link show eth0 | grep -q 'ALLMULTI'
	[ "$(in_pod sysctl -n net.core.somaxconn)" = 777 ]
	[ "$(in_pod sysctl -n net.ipv4.conf.eth0.arp_filter)" = 1 ]
	[ "$(in_pod sysctl -n net.ipv4.conf.eth0.arp_announce)" = 2 ]
	# the host's value is another namespace's: untouched
	[ "$(ip netns exec "$H" sysctl -n net.core.somaxconn)" = "$somax" ]

	# the backup file, in the reference's layout
	f=$T/tuning/${CID}_eth0.json
	[ -f "$f" ]
	[ "$(stat -c %a "$f")" = 600 ]
	[ "$(jq -r .mtu "$f")" = 1500 ]
	[ "$(jq -r .promisc "$f")" = false ]
	[ "$(jq -r .allmulti "$f")" = false ]
	[ "$(jq -r .txQLen "$f")" = 1000 ]
	[ "$(jq -r .network "$f")" = tu ]
	[ "$(jq -r '.sysctl["net/core/somaxconn"]' "$f")" = "$somax" ]
	orig_mac=$(jq -r .mac "$f")

	run cni check tu
	[ "$status" -eq 0 ] || { echo "$output"; false; }
	ip -n "$P" link set eth0 txqueuelen 5
	run cni check tu
	[ "$status" -eq 1 ]
	[[ "$output" == *"Transmit Queue Length of eth0 is 2000, current value is 5"* ]]
	ip -n "$P" link set eth0 txqueuelen 2000
	in_pod sysctl -qw net.core.somaxconn=778
	run cni check tu
	[ "$status" -eq 1 ]
	[[ "$output" == *"net/core/somaxconn is 777, current value is 778"* ]]
	in_pod sysctl -qw net.core.somaxconn=777

	# DEL of tuning alone: every original value back, the file gone
	run tuning_alone DEL tu
	[ "$status" -eq 0 ] || { echo "$output"; false; }
	[ "$(link_field address)" = "$orig_mac" ]
	[ "$(link_field mtu)" = 1500 ]
	[ "$(link_field txqlen)" = 1000 ]
	ip -n "$P" -d link show eth0 | grep -q 'promiscuity 0 '
	! ip -n "$P" link show eth0 | grep -q 'ALLMULTI' || false
	[ "$(in_pod sysctl -n net.core.somaxconn)" = "$somax" ]
	[ "$(in_pod sysctl -n net.ipv4.conf.eth0.arp_filter)" = 0 ]
	[ ! -e "$f" ]

	# then the whole chain, twice
	run cni del tu
	[ "$status" -eq 0 ] || { echo "$output"; false; }
	run cni del tu
	[ "$status" -eq 0 ] || { echo "$output"; false; }
	! ip -n "$P" link show eth0 2>/dev/null || false
	[ -z "$(ls -A "$T/tuning")" ]
}

@test "tuning: MAC precedence config < CNI_ARGS < runtimeConfig < args.cni; DEL always succeeds" {
	# arp_notify off (bridge turns it on): else the kernel itself announces a new MAC
	conflist prec 1.0.0 "{\"type\":\"tuning\",\"dataDir\":\"$T/tuning\",\"mac\":\"02:00:00:00:00:01\",
	  \"capabilities\":{\"mac\":true},\"sysctl\":{\"net.ipv4.conf.IFNAME.arp_notify\":\"0\"}}"
	CNI_ARGS='IgnoreUnknown=1;MAC=02:00:00:00:00:02' run cni add prec
	[ "$status" -eq 0 ] || { echo "$output"; false; }
	[ "$(link_field address)" = 02:00:00:00:00:02 ]
	CNI_ARGS='IgnoreUnknown=1;MAC=02:00:00:00:00:02' run cni del prec
	[ "$status" -eq 0 ]

	# a sniffer on the host's bridge: the MAC change is followed by a gratuitous ARP
	bg_start ip netns exec "$H" python3 -c "$ARP_SNIFFER" tubr0 "$T/arp" >/dev/null
	for _ in $(seq 50); do [ -e "$T/arp" ] && break; sleep 0.1; done
	CNI_ARGS='IgnoreUnknown=1;MAC=02:00:00:00:00:02' CAP_ARGS='{"mac":"02:00:00:00:00:03"}' \
		run cni add prec
	[ "$status" -eq 0 ] || { echo "$output"; false; }
	[ "$(link_field address)" = 02:00:00:00:00:03 ]
	ip=$(jq -r '.ips[0].address' <<<"$output" | cut -d/ -f1)
	for _ in $(seq 30); do
		grep -q "request 02:00:00:00:00:03 $ip $ip" "$T/arp" && break
		sleep 0.1
	done
	grep -q "request 02:00:00:00:00:03 $ip $ip" "$T/arp" || { cat "$T/arp"; false; }
	[ "$(jq -r '.interfaces[2].mac' <<<"$output")" = 02:00:00:00:00:03 ]
	run cni del prec
	[ "$status" -eq 0 ]

	jq -c '.plugins[1].args = {"cni": {"mac": "02:00:00:00:00:04", "mtu": 1280}}' \
		"$T/conf/prec.conflist" >"$T/c" && mv "$T/c" "$T/conf/prec.conflist"
	CNI_ARGS='IgnoreUnknown=1;MAC=02:00:00:00:00:02' CAP_ARGS='{"mac":"02:00:00:00:00:03"}' \
		run cni add prec
	[ "$status" -eq 0 ] || { echo "$output"; false; }
	[ "$(link_field address)" = 02:00:00:00:00:04 ]
	[ "$(link_field mtu)" = 1280 ]
	run cni check prec
	[ "$status" -eq 0 ] || { echo "$output"; false; }

	# DEL succeeds with the netns gone, and with a corrupt backup file
	echo '{not json' >"$T/tuning/${CID}_eth0.json"
	run tuning_alone DEL prec
	[ "$status" -eq 0 ]
	[ ! -e "$T/tuning/${CID}_eth0.json" ]
	run cni del prec
	[ "$status" -eq 0 ]
	run tuning_alone DEL prec CNI_NETNS=/run/netns/does-not-exist
	[ "$status" -eq 0 ]
}

@test "tuning: hostile sysctl keys are refused before anything changes" {
	somax=$(in_pod sysctl -n net.core.somaxconn)
	for key in 'net/../../proc/sys/kernel/hostname' '../net/core/somaxconn' \
		'kernel.hostname' 'vm.swappiness' '/proc/sys/net/core/somaxconn' 'net'; do
		conflist bad 1.0.0 "{\"type\":\"tuning\",\"dataDir\":\"$T/tuning\",\"mtu\":1300,
		  \"sysctl\":{\"net.core.somaxconn\":\"999\",\"$key\":\"1\"}}"
		run cni add bad
		[ "$status" -eq 1 ] || { echo "accepted $key: $output"; false; }
		[[ "$output" == *"invalid net sysctl key: \"$key\""*"(CNI error code 7)"* ]] ||
			{ echo "$key: $output"; false; }
		# nothing applied, nothing saved
		[ "$(in_pod sysctl -n net.core.somaxconn)" = "$somax" ]
		[ "$(link_field mtu)" = 1500 ]
		[ ! -e "$T/tuning/${CID}_eth0.json" ]
		run cni del bad
		[ "$status" -eq 0 ]
	done

	# duplicate keys: runtimes re-encode the config (merging them), so send the bytes directly
	prev='"prevResult":{"cniVersion":"1.0.0","interfaces":[{"name":"eth0","sandbox":"x"}]}'
	run ip netns exec "$H" env CNI_COMMAND=ADD CNI_CONTAINERID=c1 CNI_NETNS="/run/netns/$P" \
		CNI_IFNAME=eth0 CNI_PATH="$BIN" "$BIN/tuning" \
		<<<"{\"cniVersion\":\"1.0.0\",\"name\":\"x\",\"type\":\"tuning\",$prev,\"dataDir\":\"$T/tuning\",
		    \"sysctl\":{\"net.core.somaxconn\":\"998\",\"net.core.somaxconn\":\"999\"}}"
	[ "$status" -eq 1 ]
	[ "$(jq -r .code <<<"$output")" = 7 ]
	[[ "$(jq -r .msg <<<"$output")" == "duplicated sysctl keys are not allowed"* ]]
	[ "$(in_pod sysctl -n net.core.somaxconn)" = "$somax" ]
	# the same request without the duplicate goes through
	run ip netns exec "$H" env CNI_COMMAND=ADD CNI_CONTAINERID=c1 CNI_NETNS="/run/netns/$P" \
		CNI_IFNAME=eth0 CNI_PATH="$BIN" "$BIN/tuning" \
		<<<"{\"cniVersion\":\"1.0.0\",\"name\":\"x\",\"type\":\"tuning\",$prev,\"dataDir\":\"$T/tuning\",
		    \"sysctl\":{\"net.core.somaxconn\":\"999\"}}"
	[ "$status" -eq 0 ] || { echo "$output"; false; }
	[ "$(in_pod sysctl -n net.core.somaxconn)" = 999 ]
	run ip netns exec "$H" env CNI_COMMAND=DEL CNI_CONTAINERID=c1 CNI_NETNS="/run/netns/$P" \
		CNI_IFNAME=eth0 CNI_PATH="$BIN" "$BIN/tuning" \
		<<<"{\"cniVersion\":\"1.0.0\",\"name\":\"x\",\"type\":\"tuning\",\"dataDir\":\"$T/tuning\"}"
	[ "$status" -eq 0 ]
	[ "$(in_pod sysctl -n net.core.somaxconn)" = "$somax" ]

	# no prevResult: chained only
	run ip netns exec "$H" env CNI_COMMAND=ADD CNI_CONTAINERID=c1 CNI_NETNS="/run/netns/$P" \
		CNI_IFNAME=eth0 CNI_PATH="$BIN" "$BIN/tuning" \
		<<<'{"cniVersion":"1.0.0","name":"x","type":"tuning","mtu":1300}'
	[ "$status" -eq 1 ]
	[ "$(jq -r .msg <<<"$output")" = "Required prevResult missing" ]
}

@test "tuning: the allowlist file is honoured" {
	[ -d /etc/cni ] || skip "/etc/cni missing: nothing to bind-mount over"
	command -v unshare >/dev/null || skip "unshare missing"
	mkdir -p "$T/etccni/tuning"
	printf '%s\n' '^net\.core\.somaxconn$' '  ' 'net\.ipv4\.conf\.IFNAME\.arp_[a-z]+' \
		>"$T/etccni/tuning/allowlist.conf"
	private() { # run a command with our /etc/cni, in a private mount namespace
		unshare -m --propagation private sh -c \
			'mount --bind "$0" /etc/cni && exec "$@"' "$T/etccni" "$@"
	}
	conflist ok 1.0.0 "{\"type\":\"tuning\",\"dataDir\":\"$T/tuning\",
	  \"sysctl\":{\"net.core.somaxconn\":\"555\",\"net.ipv4.conf.IFNAME.arp_filter\":\"1\"}}"
	run private ip netns exec "$H" "$CNITOOL" add ok "/run/netns/$P"
	[ "$status" -eq 0 ] || { echo "$output"; false; }
	[ "$(in_pod sysctl -n net.core.somaxconn)" = 555 ]
	run private ip netns exec "$H" "$CNITOOL" del ok "/run/netns/$P"
	[ "$status" -eq 0 ]

	conflist no 1.0.0 "{\"type\":\"tuning\",\"dataDir\":\"$T/tuning\",
	  \"sysctl\":{\"net.core.somaxconn\":\"556\",\"net.ipv4.tcp_syncookies\":\"0\"}}"
	run private ip netns exec "$H" "$CNITOOL" add no "/run/netns/$P"
	[ "$status" -eq 1 ]
	[[ "$output" == *"Sysctl net.ipv4.tcp_syncookies is not allowed"* ]]
	[ "$(in_pod sysctl -n net.core.somaxconn)" != 556 ]
	run private ip netns exec "$H" "$CNITOOL" del no "/run/netns/$P"
	[ "$status" -eq 0 ]
	# our mount was private: the real /etc/cni does not have the file
	[ ! -e /etc/cni/tuning/allowlist.conf ] || [ "$(cat /etc/cni/tuning/allowlist.conf)" != \
		"$(cat "$T/etccni/tuning/allowlist.conf")" ]
}

@test "tuning: GC removes this network's stale backups only; older spec versions work" {
	conflist gcn 1.1.0 "{\"type\":\"tuning\",\"dataDir\":\"$T/tuning\",\"mtu\":1300}"
	Q=$(netns_new tupod2)
	run cni add gcn
	[ "$status" -eq 0 ] || { echo "$output"; false; }
	run cni add gcn "$Q"
	[ "$status" -eq 0 ] || { echo "$output"; false; }
	cidq=cnitool-$(printf %s "/run/netns/$Q" | sha512sum | cut -c1-20)
	[ -f "$T/tuning/${CID}_eth0.json" ]
	[ -f "$T/tuning/${cidq}_eth0.json" ]
	# another network's file and a reference-written file (no network name) stay
	echo '{"mtu": 1500, "network": "other"}' >"$T/tuning/x_eth0.json"
	echo '{"mtu": 1500}' >"$T/tuning/y_eth0.json"

	gc=$(jq -c --arg c "$CID" '.plugins[1] + {name, cniVersion,
		"cni.dev/valid-attachments": [{"containerID": $c, "ifname": "eth0"}]}' \
		"$T/conf/gcn.conflist")
	run ip netns exec "$H" env CNI_COMMAND=GC CNI_PATH="$BIN" "$BIN/tuning" <<<"$gc"
	[ "$status" -eq 0 ] || { echo "$output"; false; }
	[ -f "$T/tuning/${CID}_eth0.json" ]
	[ ! -e "$T/tuning/${cidq}_eth0.json" ]
	[ -f "$T/tuning/x_eth0.json" ]
	[ -f "$T/tuning/y_eth0.json" ]
	run cni del gcn
	[ "$status" -eq 0 ]
	run cni del gcn "$Q"
	[ "$status" -eq 0 ]

	for v in 0.3.0 0.3.1 0.4.0; do
		conflist old "$v" "{\"type\":\"tuning\",\"dataDir\":\"$T/tuning\",\"mtu\":1450}"
		run cni add old
		[ "$status" -eq 0 ] || { echo "$output"; false; }
		[ "$(jq -r .cniVersion <<<"$output")" = "$v" ]
		[ "$(jq -r '.ips[0].version' <<<"$output")" = 4 ]
		[ "$(link_field mtu)" = 1450 ]
		run cni del old
		[ "$status" -eq 0 ]
	done
}

@test "tuning: backup files interchange with the reference plugin; each CHECKs the other's work" {
	[ -x /usr/lib/cni/tuning ] || skip "reference plugins not installed"
	REF=$T/refbin
	mkdir -p "$REF"
	ln -s /usr/lib/cni/tuning "$REF/tuning"
	ln -s "$BIN/bridge" "$BIN/host-local" "$REF/"
	conflist compat 1.0.0 "{\"type\":\"tuning\",\"dataDir\":\"$T/tuning\",
	  \"mac\":\"c2:11:22:33:44:66\",\"mtu\":1420,\"promisc\":true,\"allmulti\":true,
	  \"sysctl\":{\"net.ipv4.conf.eth0.arp_filter\":\"1\"}}"
	f=$T/tuning/${CID}_eth0.json

	# the reference's ADD and backup; our CHECK, then our DEL restores from its file
	CNI_PATH=$REF run cni add compat
	[ "$status" -eq 0 ] || { echo "$output"; false; }
	ref_result=$output
	orig_mac=$(jq -r .mac "$f")
	run cni check compat
	[ "$status" -eq 0 ] || { echo "$output"; false; }
	run tuning_alone DEL compat
	[ "$status" -eq 0 ]
	[ "$(link_field address)" = "$orig_mac" ]
	[ "$(link_field mtu)" = 1500 ]
	ip -n "$P" -d link show eth0 | grep -q 'promiscuity 0 '
	[ ! -e "$f" ]
	run cni del compat
	[ "$status" -eq 0 ]

	# ours; the reference's CHECK passes and its DEL reads our file
	run cni add compat
	[ "$status" -eq 0 ] || { echo "$output"; false; }
	norm='del(.interfaces[0,1].mac) | del(.interfaces[1].name) | del(.ips[].address)'
	[ "$(jq -c "$norm" <<<"$output")" = "$(jq -c "$norm" <<<"$ref_result")" ]
	orig_mac=$(jq -r .mac "$f")
	CNI_PATH=$REF run cni check compat
	[ "$status" -eq 0 ] || { echo "$output"; false; }
	run ip netns exec "$H" env CNI_COMMAND=DEL CNI_CONTAINERID="$CID" CNI_NETNS="/run/netns/$P" \
		CNI_IFNAME=eth0 CNI_PATH="$REF" /usr/lib/cni/tuning \
		<<<"$(jq -c '.plugins[1] + {name, cniVersion}' "$T/conf/compat.conflist")"
	[ "$status" -eq 0 ]
	[ "$(link_field address)" = "$orig_mac" ]
	[ "$(link_field mtu)" = 1500 ]
	! ip -n "$P" link show eth0 | grep -q 'ALLMULTI' || false
	[ ! -e "$f" ]
	CNI_PATH=$REF run cni del compat
	[ "$status" -eq 0 ]
}
