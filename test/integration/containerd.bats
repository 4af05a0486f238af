#!/usr/bin/env bats
# SPDX-License-Identifier: Apache-2.0
# containerd (Debian 12: 1.6) as a real client of our CNI plugins through its
# CRI plugin, driven the way the kubelet does: a pod sandbox run over the CRI
# v1 gRPC API (runtimes/cri-client.py, stubs from Debian's python3-grpc-tools)
# gets its network from the conflist in CRI's conf_dir, run by the plugins in
# its bin_dir (bridge + host-local, portmap for port mappings, and loopback,
# which CRI always runs for "lo"), and loses it on StopPodSandbox; bandwidth
# annotations reach the bandwidth plugin as the kubelet passes them. One
# test runs the conflist that deploy/kubernetes/kube-linen.yml installs
# (flannel + portmap) against a subnet.env as linend writes it.
#
# The plugin directory is LINEN_PLUGIN_DIR, else our build (linen_cni_bin).
# Missing plugins fail the test; only a containerd that cannot be installed
# makes it skip.
#
# The containerd is private: its config (runtimes/containerd.toml.in), root,
# state, socket, runc root and pod namespaces live in a temp dir; it runs
# inside a network namespace made here (nsenter --net=) that plays the host;
# sandboxes go in a cgroup parent named for the test.

load helpers
load runtimes/lib

PAUSE=localhost/linen-pause:test

setup_file() {
	[ "$(id -u)" -eq 0 ] || return 0
	rt_install containerd runc busybox-static python3-grpcio python3-grpc-tools \
		python3-protobuf
	[ -f "$BATS_FILE_TMPDIR/skip-reason" ] && return 0
	rt_busybox_tar "$BATS_FILE_TMPDIR/busybox.tar"
	# The sandbox ("pause") image: busybox sleeping; CRI kills it on stop.
	"$RT_DIR/mkimage.py" "$BATS_FILE_TMPDIR/busybox.tar" "$PAUSE" \
		"$BATS_FILE_TMPDIR/pause.tar" /bin/sleep 2147483647
	rt_note_outside_dirs
	# Compile the CRI stubs once for the file.
	/usr/bin/python3 "$RT_DIR/cri-client.py" --gen "$BATS_FILE_TMPDIR/cri-gen" / version \
		>/dev/null 2>&1 || true
}

# The CRI client on this test's containerd, bounded by CRI_TIMEOUT seconds.
teardown_file() {
	rt_remove_outside_dirs
}

cri() {
	timeout "${CRI_TIMEOUT:-150}" /usr/bin/python3 "$RT_DIR/cri-client.py" --gen "$BATS_FILE_TMPDIR/cri-gen" \
		--cgroup-parent "$CGP" "${CRI_EXTRA[@]}" "$T/containerd.sock" "$@"
}

# Run a pod sandbox; prints its id and records it for teardown.
cri_run() {
	local out id
	out=$(cri run "$@") || return 1
	id=$(jq -r .id <<<"$out")
	echo "$id" >>"$T/sandboxes"
	echo "$id"
}

# The path of a sandbox's network namespace, from the verbose status.
sandbox_netns() {
	cri status "$1" |
		jq -r '.info.info.runtimeSpec.linux.namespaces[] | select(.type == "network") | .path'
}

setup() {
	require_root
	rt_skip_if_uninstallable
	PLUGINS=$(rt_plugin_dir)
	rt_require_plugins "$PLUGINS" bridge host-local loopback
	T=$(mktemp -d /tmp/lt-ctrd.XXXXXX)
	CGP=$(rt_cgroup_parent "containerd-$BATS_TEST_NUMBER")
	NS=$(netns_new ctrd)
	NET=linen-ctrd-${BATS_ROOT_PID:-$$}-$BATS_TEST_NUMBER
	BR=ltcd$BATS_TEST_NUMBER
	PREFIX=10.213.$((40 + BATS_TEST_NUMBER))
	GW=$PREFIX.1
	STATE=$T/cni-state
	mkdir -p "$T/net.d" "$STATE"
	: >"$T/sandboxes"
	# containerd's shim sockets go to /run/containerd/s whatever the config
	# says; remember whether that directory is ours to remove.
	[ -d /run/containerd ] || touch "$T/made-run-containerd"

	sed -e "s|@DIR@|$T|g" -e "s|@PLUGINS@|$PLUGINS|g" "$RT_DIR/containerd.toml.in" \
		>"$T/config.toml"
	CRI_EXTRA=()
	case $BATS_TEST_DESCRIPTION in
	*kube-linen.yml*) write_manifest_conflist ;;
	*bandwidth*)
		write_bridge_conflist ', { "type": "bandwidth", "capabilities": { "bandwidth": true } }' ;;
	*) write_bridge_conflist ;;
	esac

	CTRD_PID=$(bg_start nsenter --net="/run/netns/$NS" \
		containerd --config "$T/config.toml" >"$T/containerd.log" 2>&1)
	local i
	for ((i = 0; i < 300; i++)); do # up to a minute on a loaded machine
		cri version >/dev/null 2>&1 && break
		kill -0 "$CTRD_PID" 2>/dev/null || break
		sleep 0.2
	done
	cri version
	ctr -a "$T/containerd.sock" -n k8s.io images import --snapshotter native \
		"$BATS_FILE_TMPDIR/pause.tar" >/dev/null
}

# bridge + host-local (+ portmap when the plugin dir has it) on PREFIX.0/24,
# then the plugins in $1 (JSON text starting with a comma).
write_bridge_conflist() {
	local portmap=""
	[ -x "$PLUGINS/portmap" ] && portmap=', { "type": "portmap", "capabilities": { "portMappings": true } }'
	portmap+=${1:-}
	cat >"$T/net.d/10-$NET.conflist" <<-CONF
	{
	  "cniVersion": "1.0.0",
	  "name": "$NET",
	  "plugins": [
	    { "type": "bridge", "bridge": "$BR", "isGateway": true, "ipMasq": false,
	      "ipam": { "type": "host-local", "dataDir": "$STATE",
	                "ranges": [[{ "subnet": "$PREFIX.0/24", "gateway": "$GW" }]],
	                "routes": [{ "dst": "0.0.0.0/0" }] } }$portmap
	  ]
	}
	CONF
}

# The conflist of deploy/kubernetes/kube-linen.yml (flannel + portmap, as
# kube-flannel.yml's), with the flannel plugin's files and host-local's
# store moved into the test dir, and a subnet.env as linend writes it for
# a node leasing PREFIX.0/24 of 10.213.0.0/16 with vxlan's MTU.
write_manifest_conflist() {
	NET=cbr0
	/usr/bin/python3 -c 'import sys, yaml
for d in yaml.safe_load_all(open(sys.argv[1])):
	if d and d["kind"] == "ConfigMap":
		sys.stdout.write(d["data"]["cni-conf.json"])' \
		"$LINEN_TOP/deploy/kubernetes/kube-linen.yml" >"$T/cni-conf.json"
	[ "$(jq -r .name "$T/cni-conf.json")" = "$NET" ]
	jq --arg env "$T/subnet.env" --arg data "$T/flannel-data" --arg store "$STATE" \
		'.plugins[0] += { subnetFile: $env, dataDir: $data,
				  ipam: { type: "host-local", dataDir: $store } }' \
		"$T/cni-conf.json" >"$T/net.d/10-flannel.conflist"
	cat >"$T/subnet.env" <<-ENV
	FLANNEL_NETWORK=10.213.0.0/16
	FLANNEL_SUBNET=$GW/24
	FLANNEL_MTU=1450
	FLANNEL_IPMASQ=true
	ENV
}

teardown() {
	local id
	if [ -n "${T:-}" ] && [ -d "$T" ]; then
		if [ -z "${BATS_TEST_COMPLETED:-}" ] && [ -f "$T/containerd.log" ]; then
			echo "--- containerd log (tail)"
			grep -E 'level=(error|warning)' "$T/containerd.log" | tail -n 20
		fi
		while read -r id; do
			[ -n "$id" ] || continue
			CRI_TIMEOUT=60 cri stop "$id" >/dev/null 2>&1
			CRI_TIMEOUT=60 cri remove "$id" >/dev/null 2>&1
		done < <(cat "$T/sandboxes" 2>/dev/null)
	fi
	linen_teardown # containerd, httpd; then the namespace
	if [ -n "${T:-}" ] && [ -d "$T" ]; then
		rt_kill_pidfiles_below "$T" "$CGP"
		rt_umount_below "$T"
		# A shim's socket is /run/containerd/s/<sha256 of address/ns/id>;
		# containerd removes it after the shim exits, unless it was
		# stopped first.
		while read -r id; do
			[ -n "$id" ] || continue
			# libcni's result cache, left when containerd never ran DEL.
			rt_cni_cache_cleanup "$NET" "$id"
			rt_cni_cache_cleanup cni-loopback "$id"
			rm -f "/run/containerd/s/$(printf '%s' "$T/containerd.sock/k8s.io/$id" |
				sha256sum | cut -d' ' -f1)"
		done < <(cat "$T/sandboxes" 2>/dev/null)
		if [ -f "$T/made-run-containerd" ]; then
			rmdir /run/containerd/s /run/containerd 2>/dev/null
		fi
		rm -rf "$T"
	fi
	[ -z "${CGP:-}" ] || rt_cgroup_cleanup "$CGP"
}

@test "containerd CRI: pod sandbox networked by our plugins, released on stop" {
	local id st ip nsp file
	id=$(cri_run pod1 "uid-$RANDOM" linen-test)
	st=$(cri status "$id")
	[ "$(jq -r .state <<<"$st")" = SANDBOX_READY ]

	# CRI reports the address the chain gave, from our range.
	ip=$(jq -r .ip <<<"$st")
	[[ $ip == "$PREFIX".* ]] || { echo "sandbox address '$ip' not in $PREFIX.0/24"; false; }
	[ "$ip" != "$GW" ]

	# host-local's store holds it for this sandbox.
	file=$STATE/$NET/$ip
	[ -f "$file" ]
	grep -q "$id" "$file"

	# Inside the pod's namespace: eth0 with the address and a default route
	# via the bridge, and lo up (the loopback plugin's job under CRI).
	nsp=$(sandbox_netns "$id")
	[ -e "$nsp" ]
	nsenter --net="$nsp" ip -4 -o addr show dev eth0 | grep -q "inet $ip/24"
	nsenter --net="$nsp" ip -4 route show default | grep -q "via $GW dev eth0"
	nsenter --net="$nsp" ip -4 -o addr show dev lo | grep -q "inet 127.0.0.1/8"
	nsenter --net="$nsp" ip -o link show dev lo | grep -q "UP"

	# The host side and reachability.
	ip -n "$NS" -4 -o addr show dev "$BR" | grep -q "inet $GW/24"
	[ "$(ip -n "$NS" -o link show master "$BR" | wc -l)" -eq 1 ]
	ip netns exec "$NS" ping -c 2 -W 2 "$ip"

	# StopPodSandbox runs DEL: address released, veth gone, not ready.
	cri stop "$id"
	st=$(cri status "$id")
	[ "$(jq -r .state <<<"$st")" = SANDBOX_NOTREADY ]
	[ ! -e "$file" ]
	[ "$(ip -n "$NS" -o link show master "$BR" | wc -l)" -eq 0 ]
	! ip netns exec "$NS" ping -c 1 -W 1 "$ip" || false
	# Stop again is fine (CRI requires it to be idempotent, so DEL twice).
	cri stop "$id"

	cri remove "$id"
	run cri status "$id"
	[ "$status" -ne 0 ]
	[[ $output == *NOT_FOUND* ]]
}

@test "containerd CRI: port mapping through portmap, removed on stop" {
	local id ip nsp out port=18081
	rt_require_plugins "$PLUGINS" portmap
	id=$(cri_run web "uid-$RANDOM" linen-test "$port:80")
	ip=$(cri status "$id" | jq -r .ip)
	[[ $ip == "$PREFIX".* ]]
	nsp=$(sandbox_netns "$id")

	# A web server in the pod's namespace (the sandbox image only sleeps).
	mkdir -p "$T/www"
	echo "linen-cri-test" >"$T/www/index.html"
	bg_start nsenter --net="$nsp" busybox httpd -f -p 80 -h "$T/www" >/dev/null

	out=$(ip netns exec "$NS" curl -sS -m 5 --retry 5 --retry-connrefused --retry-delay 1 \
		"http://$GW:$port/")
	[ "$out" = "linen-cri-test" ]
	ip netns exec "$NS" nft list ruleset | grep -q "dport $port"

	cri stop "$id"
	! ip netns exec "$NS" nft list ruleset | grep -q "dport $port" || false
	! ip netns exec "$NS" curl -sS -m 2 "http://$GW:$port/" || false
	cri remove "$id"
}

@test "containerd CRI: the kube-linen.yml conflist (flannel + portmap) with linend's subnet.env" {
	local id ip nsp file
	rt_require_plugins "$PLUGINS" flannel portmap
	id=$(cri_run pod1 "uid-$RANDOM" linen-test)
	ip=$(cri status "$id" | jq -r .ip)
	[[ $ip == "$PREFIX".* ]] || { echo "sandbox address '$ip' not in $PREFIX.0/24"; false; }
	[ "$ip" != "$GW" ]
	file=$STATE/$NET/$ip
	[ -f "$file" ]
	grep -q "$id" "$file"

	# flannel saved the delegate it ran: bridge with subnet.env's MTU, no
	# masquerade of its own (linend's --ip-masq does it).
	[ -f "$T/flannel-data/$id" ]
	jq -e '.type == "bridge" and .mtu == 1450 and .ipMasq == false and .isGateway == true' \
		"$T/flannel-data/$id"

	nsp=$(sandbox_netns "$id")
	nsenter --net="$nsp" ip -4 -o addr show dev eth0 | grep -q "inet $ip/24"
	nsenter --net="$nsp" ip -o link show dev eth0 | grep -q "mtu 1450"
	nsenter --net="$nsp" ip -4 route show | grep -q "^10.213.0.0/16 via $GW dev eth0"
	nsenter --net="$nsp" ip -4 route show default | grep -q "via $GW dev eth0"
	ip -n "$NS" -4 -o addr show dev cni0 | grep -q "inet $GW/24"
	ip netns exec "$NS" ping -c 2 -W 2 "$ip"

	cri stop "$id"
	[ ! -e "$file" ]
	[ ! -e "$T/flannel-data/$id" ]
	[ "$(ip -n "$NS" -o link show master cni0 | wc -l)" -eq 0 ]
	cri remove "$id"
}

@test "containerd CRI: bandwidth annotations reach the bandwidth plugin" {
	local id ip veth
	rt_require_plugins "$PLUGINS" bandwidth
	# What the kubelet passes for a pod with these annotations; containerd
	# turns them into the "bandwidth" capability (rates in bit/s).
	CRI_EXTRA=(--annotation kubernetes.io/ingress-bandwidth=10M
		--annotation kubernetes.io/egress-bandwidth=20M)
	id=$(cri_run shaped "uid-$RANDOM" linen-test)
	CRI_EXTRA=()
	ip=$(cri status "$id" | jq -r .ip)
	[[ $ip == "$PREFIX".* ]]

	# Ingress (towards the pod): a token bucket on the host-side veth;
	# egress: the veth's ingress redirected to an ifb with its own bucket.
	veth=$(ip -n "$NS" -o link show master "$BR" | awk -F': ' '{ split($2, a, "@"); print a[1] }')
	[ -n "$veth" ]
	tc -n "$NS" qdisc show dev "$veth" | grep -E 'tbf .*rate 10Mbit'
	tc -n "$NS" qdisc show | grep -E 'tbf .*rate 20Mbit'
	ip netns exec "$NS" ping -c 1 -W 2 "$ip"

	cri stop "$id"
	! tc -n "$NS" qdisc show | grep -q 'tbf' || false
	cri remove "$id"
}
