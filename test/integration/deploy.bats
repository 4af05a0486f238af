#!/usr/bin/env bats
# SPDX-License-Identifier: Apache-2.0
# The deployment files of deploy/: the Kubernetes manifest's structure, the
# systemd unit (systemd-analyze verify), the image tree that deploy/stage.sh
# builds from our plugins (each plugin runs with only its bundled libraries),
# and the DaemonSet's scripts: install-cni.sh into fake host dirs,
# etcd-net-config.sh against a real etcd in a namespace, linend-pod.sh's
# flags. The Containerfile itself needs a registry and is not built here.

load helpers

setup_file() {
	[ "$(id -u)" -eq 0 ] || return 0
	"$LINEN_TOP/scripts/install-deps.sh" patchelf python3-yaml >/dev/null 2>&1 || true
}

# The image tree: deploy/stage.sh over our build.
stage() {
	local root=$BATS_TEST_TMPDIR/image
	[ -d "$root" ] || sh "$LINEN_TOP/deploy/stage.sh" "$LINEN_BUILD" "$root" >&2 || return 1
	echo "$root"
}

@test "deploy: kube-linen.yml parses and matches kube-flannel.yml's shape and the image" {
	# The image tree's layout (scripts, plugin dir) from a stand-in build
	# with one plugin, so this checks the manifest whatever is built.
	local fake=$BATS_TEST_TMPDIR/fake-build root=$BATS_TEST_TMPDIR/fake-image
	mkdir -p "$fake/plugins/stand-in"
	cp /usr/bin/true "$fake/plugins/stand-in/stand-in"
	sh "$LINEN_TOP/deploy/stage.sh" "$fake" "$root"
	/usr/bin/python3 "$LINEN_TOP/test/integration/runtimes/check-manifest.py" \
		"$LINEN_TOP/deploy/kubernetes/kube-linen.yml" "$root"
}

@test "deploy: linend.service passes systemd-analyze verify without warnings" {
	command -v systemd-analyze >/dev/null || skip "systemd-analyze not installed"
	local unit=$BATS_TEST_TMPDIR/linend.service bin=/usr/bin/true
	[ -x "$LINEN_BUILD/src/linend/linend" ] && bin=$LINEN_BUILD/src/linend/linend
	sed "s|/usr/local/bin/linend|$bin|" "$LINEN_TOP/deploy/systemd/linend.service" >"$unit"
	run systemd-analyze verify "$unit"
	echo "$output"
	[ "$status" -eq 0 ]
	[ -z "$output" ]
	grep -qx 'Restart=always' "$unit"
	grep -qx 'CapabilityBoundingSet=CAP_NET_ADMIN CAP_NET_RAW' "$unit"
}

@test "deploy: linen-docker-opts.service and the dockerd drop-in pass systemd-analyze verify" {
	command -v systemd-analyze >/dev/null || skip "systemd-analyze not installed"
	local d=$BATS_TEST_TMPDIR/units bin=$LINEN_BUILD/src/docker-opts/linen-docker-opts
	mkdir -p "$d/docker.service.d"
	sed "s|/usr/local/bin/linen-docker-opts|$bin|" \
		"$LINEN_TOP/deploy/systemd/linen-docker-opts.service" >"$d/linen-docker-opts.service"
	sed "s|/usr/local/bin/linend|/usr/bin/true|" "$LINEN_TOP/deploy/systemd/linend.service" \
		>"$d/linend.service"
	# a stand-in docker.service for the drop-in to extend
	printf '[Service]\nExecStart=/usr/bin/true\n' >"$d/docker.service"
	sed 's|/usr/sbin/dockerd|/usr/bin/true|' \
		"$LINEN_TOP/deploy/systemd/docker.service.d/10-linen.conf" \
		>"$d/docker.service.d/10-linen.conf"
	run env SYSTEMD_UNIT_PATH="$d:" systemd-analyze verify "$d/linen-docker-opts.service" \
		"$d/docker.service"
	echo "$output"
	[ "$status" -eq 0 ]
	[ -z "$output" ]
}

@test "deploy: stage.sh ships every plugin with its libraries, runnable alone" {
	local root p n=0 out
	root=$(stage)
	for p in bridge host-local loopback portmap flannel; do
		[ -x "$root/usr/local/lib/linen/cni/$p" ] || { echo "not staged: $p"; false; }
	done
	for p in "$root"/usr/local/lib/linen/cni/*; do
		# Every library outside glibc resolves into the bundle.
		! ldd "$p" | grep -E '=> (/usr)?/lib' | grep -vE '/(libc|libm|ld-linux[^/]*)\.so' || false
		ldd "$p" | grep -q "\.linen-lib/libjansson"
		out=$(CNI_COMMAND=VERSION "$p" </dev/null)
		jq -e '.supportedVersions | index("1.0.0")' <<<"$out" >/dev/null
		n=$((n + 1))
	done
	[ "$n" -ge 5 ]
	# libnftables is loaded at run time, from the bundle too: a GC makes portmap list its
	# table (in a namespace of this test), and the loader says where each library came from
	[ -f "$root/usr/local/lib/linen/cni/.linen-lib/libnftables.so.1" ]
	ns=$(netns_new stage)
	out=$(ip netns exec "$ns" env LD_DEBUG=libs CNI_COMMAND=GC CNI_PATH=/nonexistent \
		"$root/usr/local/lib/linen/cni/portmap" 2>&1 \
		<<<'{"cniVersion":"1.1.0","name":"n","type":"portmap","cni.dev/valid-attachments":[]}')
	grep -q 'calling init: .*/\.linen-lib/libnftables\.so\.1' <<<"$out" || { echo "$out" | tail -20; false; }
	! grep -E 'calling init: (/usr)?/lib/.*lib(nftables|nftnl|xtables|gmp)' <<<"$out" || false
}

@test "deploy: install-cni.sh installs plugins and conflist by rename, idempotently" {
	local root host=$BATS_TEST_TMPDIR/host conf=$BATS_TEST_TMPDIR/cni-conf.json
	root=$(stage)
	/usr/bin/python3 -c 'import sys, yaml
for d in yaml.safe_load_all(open(sys.argv[1])):
	if d and d["kind"] == "ConfigMap":
		sys.stdout.write(d["data"]["cni-conf.json"])' \
		"$LINEN_TOP/deploy/kubernetes/kube-linen.yml" >"$conf"
	for i in 1 2; do
		SRC_DIR=$root/usr/local/lib/linen/cni BIN_DIR=$host/opt/cni/bin \
			CONF_DIR=$host/etc/cni/net.d CNI_CONF=$conf \
			"$root/usr/local/lib/linen/install-cni.sh"
	done
	cmp "$conf" "$host/etc/cni/net.d/10-flannel.conflist"
	[ "$(stat -c %a "$host/etc/cni/net.d/10-flannel.conflist")" = 644 ]
	[ -z "$(find "$host" -name '.*.tmp')" ]
	# Installed plugins run from the host dir with the copied bundle.
	CNI_COMMAND=VERSION "$host/opt/cni/bin/flannel" </dev/null | jq -e .cniVersion
	CNI_COMMAND=VERSION "$host/opt/cni/bin/bridge" </dev/null | jq -e .cniVersion
}

@test "deploy: etcd-net-config.sh puts net-conf.json into etcd once" {
	require_root
	local ns port=23791 conf=$BATS_TEST_TMPDIR/net-conf.json ep i
	ns=$(netns_new dep)
	ep=http://127.0.0.1:$port
	bg_start ip netns exec "$ns" etcd --name dep --data-dir "$BATS_TEST_TMPDIR/etcd" \
		--listen-client-urls "$ep" --advertise-client-urls "$ep" \
		--listen-peer-urls http://127.0.0.1:23792 \
		--initial-advertise-peer-urls http://127.0.0.1:23792 \
		--initial-cluster dep=http://127.0.0.1:23792 >"$BATS_TEST_TMPDIR/etcd.log" 2>&1
	for ((i = 0; i < 50; i++)); do
		ip netns exec "$ns" env ETCDCTL_API=3 etcdctl --endpoints "$ep" endpoint health \
			>/dev/null 2>&1 && break
		sleep 0.2
	done
	echo '{"Network":"10.244.0.0/16","Backend":{"Type":"vxlan"}}' >"$conf"
	ip netns exec "$ns" env ETCD_ENDPOINTS="$ep" ETCD_PREFIX=/linen-test/network \
		NET_CONF="$conf" sh "$LINEN_TOP/deploy/etcd-net-config.sh"
	[ "$(ip netns exec "$ns" env ETCDCTL_API=3 etcdctl --endpoints "$ep" get \
		--print-value-only /linen-test/network/config)" = "$(cat "$conf")" ]
	# A second run (another node, or a changed ConfigMap) leaves it alone.
	echo '{"Network":"10.99.0.0/16"}' >"$conf"
	run ip netns exec "$ns" env ETCD_ENDPOINTS="$ep" ETCD_PREFIX=/linen-test/network \
		NET_CONF="$conf" sh "$LINEN_TOP/deploy/etcd-net-config.sh"
	[ "$status" -eq 0 ]
	[[ $output == *"already set"* ]]
	ip netns exec "$ns" env ETCDCTL_API=3 etcdctl --endpoints "$ep" get \
		--print-value-only /linen-test/network/config | grep -q 10.244.0.0/16
}

@test "deploy: linend-pod.sh in kube mode passes --kube-subnet-mgr and no etcd flag" {
	local fake=$BATS_TEST_TMPDIR/fake-linend
	printf '#!/bin/sh\nprintf "%%s\\n" "$@"\n' >"$fake"
	chmod +x "$fake"
	run env LINEND=$fake LINEND_DATASTORE=kube ETCD_ENDPOINTS=https://10.0.0.1:2379 \
		sh "$LINEN_TOP/deploy/linend-pod.sh" -v=2
	[ "$status" -eq 0 ]
	[ "${lines[0]}" = --kube-subnet-mgr ]
	[ "${lines[1]}" = --net-config-path=/etc/kube-linen/net-conf.json ]
	[ "${lines[2]}" = --subnet-file=/run/flannel/subnet.env ]
	[ "${lines[3]}" = --ip-masq ]
	[ "${lines[4]}" = --healthz-port=8081 ]
	[ "${lines[5]}" = -v=2 ]
	[ "${#lines[@]}" -eq 6 ]
}

@test "deploy: linend-pod.sh passes flanneld's flags, TLS only for mounted files" {
	local fake=$BATS_TEST_TMPDIR/fake-linend out
	printf '#!/bin/sh\nprintf "%%s\\n" "$@"\n' >"$fake"
	chmod +x "$fake"
	touch "$BATS_TEST_TMPDIR/ca.crt"
	out=$(LINEND=$fake ETCD_ENDPOINTS=https://10.0.0.1:2379 ETCD_CAFILE=$BATS_TEST_TMPDIR/ca.crt \
		ETCD_CERTFILE=$BATS_TEST_TMPDIR/missing.crt sh "$LINEN_TOP/deploy/linend-pod.sh" -v=2)
	grep -qx -- '--etcd-endpoints=https://10.0.0.1:2379' <<<"$out"
	grep -qx -- '--etcd-prefix=/coreos.com/network' <<<"$out"
	grep -qx -- '--subnet-file=/run/flannel/subnet.env' <<<"$out"
	grep -qx -- '--ip-masq' <<<"$out"
	grep -qx -- '--healthz-port=8081' <<<"$out"
	grep -qx -- '-v=2' <<<"$out"
	grep -qx -- "--etcd-cafile=$BATS_TEST_TMPDIR/ca.crt" <<<"$out"
	! grep -q -- '--etcd-certfile' <<<"$out" || false
}

teardown() {
	linen_teardown
}
