#!/usr/bin/env bats
# SPDX-License-Identifier: Apache-2.0
# Docker (Debian 12: docker.io 20.10) on a linen overlay, the way flannel's Docker integration
# runs it: a two-node cluster of namespaces with a real etcd and linend (vxlan, demo/cluster.sh,
# no pods made by cnitool), and on each node linen-docker-opts turns linend's subnet.env into
# DOCKER_OPTS (--bip --ip-masq=false --mtu) for a real dockerd; node 2 does it with the flags
# of deploy/systemd/linen-docker-opts.service and the variable of the dockerd drop-in, read from
# those files. A container on each node gets an address in its node's lease and the lease's
# MTU, and the two ping each other through flannel.1; the underlay bridge sees the packets
# only as VXLAN.
#
# Each node has a private containerd and dockerd (config, data root, exec root, pidfile,
# sockets under one temp dir, --iptables=false, containers in a cgroup parent named for the
# test). They run in the node's namespace through `nsenter --net=`: `ip netns exec` remounts
# /sys and dockerd then stops with "Devices cgroup isn't mounted". dockerd would take a
# containerd at /run/containerd/containerd.sock if one runs, so ours is always passed with
# --containerd. The image is Debian's busybox-static, imported; no registry is needed.
# Teardown ends by PID only what the test started (and the shims and container processes,
# found by our temp dir and cgroup), unmounts what dockerd mounted and removes it all.

load helpers
load runtimes/lib

IMAGE=linen-test/busybox
OPTS_BIN=$LINEN_BUILD/src/docker-opts/linen-docker-opts
# Made outside every configured dir whatever the flags say: dockerd's trust key and plugin
# dir, containerd's shim socket dir. setup_file notes which are absent; teardown_file removes
# those again (the key, and the directories only while empty).
DK_OUTSIDE="/etc/docker/key.json /run/docker/plugins /run/docker /run/containerd/s /run/containerd"

setup_file() {
	[ "$(id -u)" -eq 0 ] || return 0
	local p
	for p in $DK_OUTSIDE; do
		[ -e "$p" ] || echo "$p" >>"$BATS_FILE_TMPDIR/made"
	done
	# a missing package is a broken install (scripts/install-deps.sh lists them): fail, not skip
	rt_busybox_tar "$BATS_FILE_TMPDIR/busybox.tar"
}

teardown_file() {
	local p
	[ -f "$BATS_FILE_TMPDIR/made" ] || return 0
	while read -r p; do
		if [ -d "$p" ]; then rmdir "$p" 2>/dev/null; else rm -f "$p"; fi
	done <"$BATS_FILE_TMPDIR/made"
	return 0
}

setup() {
	require_root
	command -v etcd >/dev/null || skip "etcd not installed"
	[ -x "$LINEN_BUILD/src/linend/linend" ] || skip "linend not built"
	[ -x "$OPTS_BIN" ] || skip "linen-docker-opts not built"
	local c
	for c in dockerd docker containerd runc; do
		command -v "$c" >/dev/null || { echo "$c missing: run scripts/install-deps.sh" >&2; return 1; }
	done
	[ -s "$BATS_FILE_TMPDIR/busybox.tar" ]
	export CL_PREFIX="ldk$BATS_TEST_NUMBER-$((RANDOM % 10000))"
	export CL_STATE=$BATS_TEST_TMPDIR/cl
	export CL_ETCD_PORT=$((36000 + RANDOM % 2000))
	export CL_ETCD_PEER_PORT=$((CL_ETCD_PORT + 2000))
	export CL_BUILD=$LINEN_BUILD
	# shellcheck source=../../demo/cluster.sh
	source "$LINEN_TOP/demo/cluster.sh"
	# short: unix socket paths below it
	T=$(mktemp -d /tmp/lt-docker.XXXXXX)
	CGP=$(rt_cgroup_parent "docker-$BATS_TEST_NUMBER")
	export DOCKER_CONFIG=$T/cli
	root_docker0=$(root_has_docker0)
}

teardown() {
	dk_down || true
	cluster_down || true
	linen_teardown
}

root_has_docker0() { ip link show docker0 >/dev/null 2>&1 && echo yes || echo no; }

# Every process whose command line names our temp dir: dockerd, containerd and the shims.
pids_naming_t() {
	local f
	for f in /proc/[0-9]*/cmdline; do
		tr '\0' ' ' 2>/dev/null <"$f" | grep -qF "$T/" && basename "$(dirname "$f")"
	done
	return 0
}

# SIGTERM, up to 15 s to exit (dockerd unmounts its roots on the way), then SIGKILL.
stop_pid() {
	local p=$1
	[ -n "$p" ] || return 0
	kill "$p" 2>/dev/null || return 0
	for _ in $(seq 150); do
		proc_gone "$p" && return 0
		sleep 0.1
	done
	kill -9 "$p" 2>/dev/null
	cl_wait_gone "$p"
}

# Containers, dockerd, containerd, then whatever a failure left: shims, container processes,
# mounts, cgroups, the temp dir. Safe to call twice.
dk_down() {
	local d i p ids
	[ -n "${T:-}" ] && [ -d "$T" ] || return 0
	for d in "$T"/n*; do
		[ -S "$d/docker.sock" ] || continue
		ids=$(timeout 20 docker -H "unix://$d/docker.sock" ps -aq 2>/dev/null)
		# shellcheck disable=SC2086
		[ -z "$ids" ] || timeout 30 docker -H "unix://$d/docker.sock" rm -f $ids >/dev/null 2>&1
	done
	for d in "$T"/n*; do stop_pid "$(cat "$d/dockerd.bgpid" 2>/dev/null)"; done
	for d in "$T"/n*; do stop_pid "$(cat "$d/containerd.bgpid" 2>/dev/null)"; done
	for p in $(pids_naming_t); do kill -9 "$p" 2>/dev/null; done
	for d in "$T"/n*; do
		i=${d##*/n}
		rt_kill_pidfiles_below "$d" "$CGP-n$i"
	done
	rt_umount_below "$T"
	for d in "$T"/n*; do rt_cgroup_cleanup "$CGP-n${d##*/n}"; done
	rm -rf "$T"
}

# cluster: underlay, etcd, vxlan config, two nodes with linend, both leases written
cluster() {
	cluster_underlay_up
	cluster_etcd_up
	cluster_config_put vxlan
	cluster_node_up 1
	cluster_node_up 2
	cluster_node_wait 1
	cluster_node_wait 2
}

# env_of <node> <KEY>: a value from the node's subnet.env
env_of() { sed -n "s/^$2=//p" "$CL_STATE/n$1/subnet.env"; }

dk() {
	local i=$1
	shift
	timeout 60 docker -H "unix://$T/n$i/docker.sock" "$@"
}

# dk_node_up <node> [unit]: linen-docker-opts on the node's subnet.env, then containerd and
# dockerd in the node's namespace with the options it wrote; the image imported. With "unit",
# linen-docker-opts takes the flags of deploy/systemd/linen-docker-opts.service and dockerd the
# variable its drop-in passes, both read from those files; else the defaults (DOCKER_OPTS).
dk_node_up() {
	local i=$1 d=$T/n$1 ns flags=() var=DOCKER_OPTS opts
	ns=/run/netns/$(cl_node "$i")
	mkdir -p "$d"
	if [ "${2:-}" = unit ]; then
		read -r -a flags <<<"$(sed -n 's|^ExecStart=[^ ]*/linen-docker-opts ||p' \
			"$LINEN_TOP/deploy/systemd/linen-docker-opts.service" | sed 's| *-d [^ ]*||')"
		var=$(sed -n 's|^ExecStart=[^ ]*/dockerd .*\$\([A-Z_]*\).*|\1|p' \
			"$LINEN_TOP/deploy/systemd/docker.service.d/10-linen.conf")
		[ -n "$var" ] || return 1
	fi
	"$OPTS_BIN" "${flags[@]}" -f "$CL_STATE/n$i/subnet.env" -d "$d/docker.env" || return 1
	# shellcheck disable=SC1091
	. "$d/docker.env"
	opts=${!var}
	cat >"$d/containerd.toml" <<-EOF
	version = 2
	root = "$d/containerd/root"
	state = "$d/containerd/state"
	disabled_plugins = ["io.containerd.grpc.v1.cri"]
	[grpc]
	  address = "$d/containerd.sock"
	[ttrpc]
	  address = "$d/containerd.sock.ttrpc"
	EOF
	echo '{}' >"$d/daemon.json"
	nsenter --net="$ns" containerd --config "$d/containerd.toml" >"$d/containerd.log" 2>&1 &
	echo $! >"$d/containerd.bgpid"
	wait_for 10 test -S "$d/containerd.sock" || { cat "$d/containerd.log" >&2; return 1; }
	# shellcheck disable=SC2086 # a list of flags, split as systemd splits $VAR
	nsenter --net="$ns" dockerd --config-file "$d/daemon.json" --data-root "$d/data" \
		--exec-root "$d/exec" --pidfile "$d/dockerd.pid" -H "unix://$d/docker.sock" \
		--containerd "$d/containerd.sock" --iptables=false --ip6tables=false \
		--exec-opt native.cgroupdriver=cgroupfs --cgroup-parent "$CGP-n$i" \
		$opts >"$d/dockerd.log" 2>&1 &
	echo $! >"$d/dockerd.bgpid"
	wait_for 30 dk "$i" version || { tail -20 "$d/dockerd.log" >&2; return 1; }
	dk "$i" import "$BATS_FILE_TMPDIR/busybox.tar" "$IMAGE" >/dev/null
}

# The inode of a process's network namespace, and of a node's.
netns_of_pid() { stat -L -c %i "/proc/$1/ns/net"; }
netns_of_node() { stat -L -c %i "/run/netns/$(cl_node "$1")"; }

ctr_ip() { dk "$1" inspect -f '{{.NetworkSettings.IPAddress}}' "$2"; }

ip2int() {
	local IFS=. a
	read -r -a a <<<"$1"
	echo $(((a[0] << 24) + (a[1] << 16) + (a[2] << 8) + a[3]))
}

# in_subnet <ip> <cidr>
in_subnet() {
	local len=${2#*/} mask
	mask=$(((0xffffffff << (32 - len)) & 0xffffffff))
	[ $(($(ip2int "$1") & mask)) -eq $(($(ip2int "${2%/*}") & mask)) ]
}

vx_tx() { ip -n "$(cl_node "$1")" -s -j link show flannel.1 | jq '.[0].stats64.tx.packets'; }

# Counters on the underlay bridge: VXLAN datagrams, and ICMP that is not encapsulated.
ul_counters_up() {
	ip netns exec "$(cl_ul)" nft -f - <<-EOF
	table bridge lt-docker {
		chain forward {
			type filter hook forward priority 0; policy accept;
			udp dport 8472 counter comment "vxlan"
			ip protocol icmp counter comment "icmp"
		}
	}
	EOF
}
ul_count() {
	ip netns exec "$(cl_ul)" nft -j list chain bridge lt-docker forward |
		jq --arg c "$1" '.nftables[] | select(.rule.comment == $c) | .rule.expr[] |
			select(.counter) | .counter.packets'
}

@test "docker: dockerd on two nodes with linen-docker-opts' options; containers ping across vxlan" {
	cluster
	dk_node_up 1
	dk_node_up 2 unit
	s1=$(env_of 1 FLANNEL_SUBNET)
	s2=$(env_of 2 FLANNEL_SUBNET)
	mtu=$(env_of 1 FLANNEL_MTU)
	[ "$mtu" = 1450 ]
	# shown when the test fails (or with --show-output-of-passing-tests)
	cat "$CL_STATE/n1/subnet.env" "$T/n1/docker.env" "$T/n2/docker.env"
	run grep '^DOCKER_OPTS=' "$T/n1/docker.env"
	[ "$status" -eq 0 ]
	[ "$output" = "DOCKER_OPTS=\" --bip=$s1 --ip-masq=false --mtu=$mtu \"" ]
	run grep '^DOCKER_NETWORK_OPTIONS=' "$T/n2/docker.env"
	[ "$status" -eq 0 ]
	[ "$output" = "DOCKER_NETWORK_OPTIONS=\" --bip=$s2 --ip-masq=false --mtu=$mtu \"" ]

	# each dockerd and containerd is the PID we started, in its node's namespace
	[ "$(cat "$T/n1/dockerd.pid")" = "$(cat "$T/n1/dockerd.bgpid")" ]
	[ "$(netns_of_pid "$(cat "$T/n1/dockerd.bgpid")")" = "$(netns_of_node 1)" ]
	[ "$(netns_of_pid "$(cat "$T/n2/dockerd.bgpid")")" = "$(netns_of_node 2)" ]
	[ "$(netns_of_pid "$(cat "$T/n1/containerd.bgpid")")" = "$(netns_of_node 1)" ]
	[ "$(netns_of_pid "$(cat "$T/n2/containerd.bgpid")")" = "$(netns_of_node 2)" ]
	# docker0 carries the lease's gateway address, on the node; the root namespace has none
	[ "$(ip -n "$(cl_node 1)" -4 -br addr show docker0 | awk '{print $3}')" = "$s1" ]
	[ "$(ip -n "$(cl_node 2)" -4 -br addr show docker0 | awk '{print $3}')" = "$s2" ]
	[ "$(root_has_docker0)" = "$root_docker0" ]

	run dk 1 run -d --name c1 "$IMAGE" sleep 600
	[ "$status" -eq 0 ]
	run dk 2 run -d --name c2 "$IMAGE" sleep 600
	[ "$status" -eq 0 ]
	ip1=$(ctr_ip 1 c1)
	ip2=$(ctr_ip 2 c2)
	in_subnet "$ip1" "$s1"
	in_subnet "$ip2" "$s2"
	# two dockerds on their default bridge both hand out 172.17.0.2, and c1 "reaches" c2 by
	# pinging itself
	[ "$ip1" != "$ip2" ]
	echo "c1: $ip1 on node 1 ($s1), c2: $ip2 on node 2 ($s2)"
	run dk 1 exec c1 cat /sys/class/net/eth0/mtu
	[ "$status" -eq 0 ]
	[ "$output" = "$mtu" ]
	run dk 2 exec c2 cat /sys/class/net/eth0/mtu
	[ "$status" -eq 0 ]
	[ "$output" = "$mtu" ]

	ul_counters_up
	tx1=$(vx_tx 1)
	tx2=$(vx_tx 2)
	run dk 1 exec c1 ping -c 3 -i 0.2 -W 2 "$ip2"
	echo "$output"
	[ "$status" -eq 0 ]
	[[ "$output" == *"3 packets transmitted, 3 packets received"* ]]
	run dk 2 exec c2 ping -c 3 -i 0.2 -W 2 "$ip1"
	echo "$output"
	[ "$status" -eq 0 ]
	[[ "$output" == *"3 packets transmitted, 3 packets received"* ]]
	echo "flannel.1 tx packets: node 1 +$(($(vx_tx 1) - tx1)), node 2 +$(($(vx_tx 2) - tx2));" \
		"underlay bridge: $(ul_count vxlan) VXLAN, $(ul_count icmp) bare ICMP"
	# through linend's overlay: each flannel.1 sent 3 requests and 3 replies, and the underlay
	# carried 12 VXLAN datagrams and no bare ICMP
	[ $(($(vx_tx 1) - tx1)) -ge 6 ]
	[ $(($(vx_tx 2) - tx2)) -ge 6 ]
	[ "$(ul_count vxlan)" -ge 12 ]
	[ "$(ul_count icmp)" -eq 0 ]
	[ "$(root_has_docker0)" = "$root_docker0" ]
}

@test "docker: teardown leaves no process, mount, cgroup, namespace or file" {
	cluster
	dk_node_up 1
	dk_node_up 2
	run dk 1 run -d --name c1 "$IMAGE" sleep 600
	[ "$status" -eq 0 ]
	run dk 2 run -d --name c2 "$IMAGE" sleep 600
	[ "$status" -eq 0 ]
	# dockerd, containerd, the shims, and the containers' first processes
	pids=$(pids_naming_t)
	for f in "$T"/n*/containerd/state/io.containerd.runtime.v2.task/moby/*/init.pid; do
		pids="$pids $(cat "$f")"
	done
	echo "pids: $pids"
	[ "$(wc -w <<<"$pids")" -ge 8 ]
	findmnt -rn -o TARGET | grep -q "^$T/"
	[ -d "/sys/fs/cgroup/memory$CGP-n1" ]

	dk_down
	alive=
	for p in $pids; do proc_gone "$p" || alive="$alive $p"; done
	[ -z "$alive" ]
	run findmnt -rn -o TARGET
	[ "$status" -eq 0 ]
	[[ "$output" != *"$T/"* ]]
	run ls -d /sys/fs/cgroup/*"$CGP"-n*
	[ "$status" -ne 0 ]
	[ ! -e "$T" ]
	# not written for set -e (a kill of a process already gone fails): judged by what is left
	cluster_down || true
	[ "$(ip netns list | grep -c "^$CL_PREFIX-")" -eq 0 ]
	[ "$(root_has_docker0)" = "$root_docker0" ]
}
