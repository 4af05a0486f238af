#!/usr/bin/env bats
# SPDX-License-Identifier: Apache-2.0
# podman (Debian 12: 4.3) as a real client of our CNI plugins: with
# network_backend "cni" pointed at the plugin directory under test and a
# private network config dir, a container gets its address from host-local
# through the bridge plugin, is reachable from the "host", publishes a port
# through portmap, and gives everything back on `podman rm -f`.
#
# The plugin directory is LINEN_PLUGIN_DIR, else our build (linen_cni_bin);
# LINEN_PLUGIN_DIR=/usr/lib/cni runs the same test against the reference
# plugins. Missing plugins fail the test; only a podman that cannot be
# installed makes it skip.
#
# Everything podman touches is private: containers.conf and storage.conf
# (CONTAINERS_CONF, CONTAINERS_STORAGE_CONF), --root/--runroot, tmp_dir and
# the host-local dataDir live in a temp dir; podman runs inside a network
# namespace made here (nsenter --net=, which unlike `ip netns exec` keeps the
# cgroup mounts runc needs) that plays the host; containers go in a cgroup
# parent named for the test.

load helpers
load runtimes/lib

IMAGE=localhost/linen-busybox:test

setup_file() {
	[ "$(id -u)" -eq 0 ] || return 0
	rt_install podman runc conmon busybox-static
	[ -f "$BATS_FILE_TMPDIR/skip-reason" ] && return 0
	rt_busybox_tar "$BATS_FILE_TMPDIR/busybox.tar"
	rt_note_outside_dirs
}

teardown_file() {
	rt_remove_outside_dirs
}

# podman with the test's private config, in the test's namespace; bounded
# by PM_TIMEOUT seconds.
pm() {
	CONTAINERS_CONF=$T/containers.conf CONTAINERS_STORAGE_CONF=$T/storage.conf \
		timeout "${PM_TIMEOUT:-120}" nsenter --net="/run/netns/$NS" \
		podman --root "$T/root" --runroot "$T/runroot" "$@"
}

# podman run in the test network and cgroup; records the container's
# network namespace so teardown can remove it if podman does not.
pm_run() {
	local name=$1 id
	shift
	id=$(pm run -d --name "$name" --network "$NET" --cgroup-parent "$CGP" "$@") || return 1
	echo "$id" >>"$T/containers"
	pm inspect -f '{{.NetworkSettings.SandboxKey}}' "$id" >>"$T/sandboxes"
	echo "$id"
}

# The IPv4 address (no prefix) of eth0 inside a container.
ctr_ip4() {
	pm exec "$1" ip -4 -o addr show dev eth0 | awk '{ split($4, a, "/"); print a[1] }'
}

setup() {
	require_root
	rt_skip_if_uninstallable
	PLUGINS=$(rt_plugin_dir)
	rt_require_plugins "$PLUGINS" bridge host-local
	T=$(mktemp -d /tmp/lt-podman.XXXXXX)
	CGP=$(rt_cgroup_parent "podman-$BATS_TEST_NUMBER")
	NS=$(netns_new pm)
	NET=linen-pm-${BATS_ROOT_PID:-$$}-$BATS_TEST_NUMBER
	BR=ltpm$BATS_TEST_NUMBER
	PREFIX=10.213.$((10 + BATS_TEST_NUMBER))
	GW=$PREFIX.1
	STATE=$T/cni-state
	mkdir -p "$T/net.d" "$T/root" "$T/runroot" "$T/tmp" "$STATE"
	: >"$T/sandboxes"
	: >"$T/containers"

	cat >"$T/containers.conf" <<-CONF
	[containers]
	default_ulimits = ["nofile=1024:1024", "nproc=1024:1024"]
	log_driver = "k8s-file"
	[network]
	network_backend = "cni"
	cni_plugin_dirs = ["$PLUGINS"]
	network_config_dir = "$T/net.d"
	default_network = "$NET"
	[engine]
	cgroup_manager = "cgroupfs"
	events_logger = "file"
	runtime = "runc"
	tmp_dir = "$T/tmp"
	lock_type = "file"
	CONF
	cat >"$T/storage.conf" <<-CONF
	[storage]
	driver = "vfs"
	graphroot = "$T/root"
	runroot = "$T/runroot"
	CONF
	local portmap=""
	[ -x "$PLUGINS/portmap" ] && portmap=', { "type": "portmap", "capabilities": { "portMappings": true } }'
	cat >"$T/net.d/$NET.conflist" <<-CONF
	{
	  "cniVersion": "1.0.0",
	  "name": "$NET",
	  "plugins": [
	    { "type": "bridge", "bridge": "$BR", "isGateway": true, "ipMasq": false,
	      "hairpinMode": true,
	      "ipam": { "type": "host-local", "dataDir": "$STATE",
	                "ranges": [[{ "subnet": "$PREFIX.0/24", "gateway": "$GW" }]],
	                "routes": [{ "dst": "0.0.0.0/0" }] } }$portmap
	  ]
	}
	CONF
	pm import -q "$BATS_FILE_TMPDIR/busybox.tar" "$IMAGE" >/dev/null
}

teardown() {
	local sb id
	if [ -n "${T:-}" ] && [ -d "$T" ]; then
		PM_TIMEOUT=60 pm rm -a -f -t 0 >/dev/null 2>&1
		rt_kill_pidfiles_below "$T" "$CGP"
		# What podman keeps outside its --root/--runroot when a removal
		# failed: runc's state (/run/runc/<id>) and libcni's result cache.
		while read -r id; do
			[ -n "$id" ] || continue
			runc --root /run/runc delete --force "$id" >/dev/null 2>&1
			rt_cni_cache_cleanup "$NET" "$id"
		done < <(cat "$T/containers" 2>/dev/null)
		# Container namespaces podman failed to remove (it names them
		# netns-<uuid> under /run/netns).
		while read -r sb; do
			[ -n "$sb" ] && [ -e "$sb" ] || continue
			umount "$sb" 2>/dev/null
			rm -f "$sb"
		done < <(cat "$T/sandboxes" 2>/dev/null)
		rt_umount_below "$T"
		rm -rf "$T"
	fi
	linen_teardown
	[ -z "${CGP:-}" ] || rt_cgroup_cleanup "$CGP"
}

@test "podman: host-local address through bridge, reachable, released on rm -f" {
	local id ip file sb
	id=$(pm_run c1 "$IMAGE" sleep 600)
	sb=$(tail -n 1 "$T/sandboxes")

	# Inside the container: eth0 has an address of our range, default route
	# through the bridge.
	ip=$(ctr_ip4 c1)
	[[ $ip == "$PREFIX".* ]] || { echo "container address '$ip' not in $PREFIX.0/24"; false; }
	[ "$ip" != "$GW" ]
	pm exec c1 ip -4 route show default | grep -q "via $GW dev eth0"
	[ "$(pm inspect -f '{{(index .NetworkSettings.Networks "'"$NET"'").IPAddress}}' c1)" = "$ip" ]

	# host-local's store: one file named by the address, holding the id.
	file=$STATE/$NET/$ip
	[ -f "$file" ]
	grep -q "$id" "$file"

	# The host side: the bridge holds the gateway and the container's veth.
	ip -n "$NS" -4 -o addr show dev "$BR" | grep -q "inet $GW/24"
	[ "$(ip -n "$NS" -o link show master "$BR" | wc -l)" -eq 1 ]

	# Reachable both ways.
	ip netns exec "$NS" ping -c 2 -W 2 "$ip"
	pm exec c1 ping -c 1 -W 2 "$GW"

	# Removal runs DEL: address released, veth and namespace gone.
	pm rm -f -t 0 c1
	[ ! -e "$file" ]
	[ "$(ip -n "$NS" -o link show master "$BR" | wc -l)" -eq 0 ]
	[ ! -e "$sb" ]
	! ip netns exec "$NS" ping -c 1 -W 1 "$ip" || false
}

@test "podman: two containers get distinct addresses and reach each other" {
	local ip1 ip2
	pm_run c1 "$IMAGE" sleep 600 >/dev/null
	pm_run c2 "$IMAGE" sleep 600 >/dev/null
	ip1=$(ctr_ip4 c1)
	ip2=$(ctr_ip4 c2)
	[[ $ip1 == "$PREFIX".* ]]
	[[ $ip2 == "$PREFIX".* ]]
	[ "$ip1" != "$ip2" ]
	[ -f "$STATE/$NET/$ip1" ]
	[ -f "$STATE/$NET/$ip2" ]
	pm exec c1 ping -c 1 -W 2 "$ip2"
	pm exec c2 ping -c 1 -W 2 "$ip1"
	pm rm -f -t 0 c1 c2
	[ ! -e "$STATE/$NET/$ip1" ]
	[ ! -e "$STATE/$NET/$ip2" ]
}

@test "podman: -p publishes a port through portmap, removed with the container" {
	local port=18080 out
	rt_require_plugins "$PLUGINS" portmap
	pm_run web -p "$port:80" "$IMAGE" httpd -f -p 80 -h /www >/dev/null

	# From the "host", the gateway address on the published port reaches
	# httpd in the container (DNAT by portmap).
	out=$(ip netns exec "$NS" curl -sS -m 5 --retry 5 --retry-connrefused --retry-delay 1 \
		"http://$GW:$port/")
	[ "$out" = "linen-runtime-test" ]
	ip netns exec "$NS" nft list ruleset | grep -q "dport $port"

	pm rm -f -t 0 web
	! ip netns exec "$NS" nft list ruleset | grep -q "dport $port" || false
	! ip netns exec "$NS" curl -sS -m 2 "http://$GW:$port/" || false
}
