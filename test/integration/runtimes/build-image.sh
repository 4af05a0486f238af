#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Build deploy/Containerfile for real and smoke-test the image, on a machine
# without registry access: the debian:12 base is made with mmdebstrap from
# the Debian mirror apt already uses, imported into a private podman store
# (vfs, own root/runroot/config), and the build's RUN steps use the host
# network for apt. Then: install-cni.sh from the image into fake host dirs,
# every installed plugin answers CNI VERSION with only its bundled libraries,
# linend and etcdctl run. Everything is removed at the end.
#
# Not part of `make check` (a few minutes, network). Run as root:
#   test/integration/runtimes/build-image.sh            # builds git HEAD
#   LINEN_IMAGE_KEEP=1 test/integration/runtimes/build-image.sh  # keep the work dir
set -euo pipefail

top=$(cd "$(dirname "$0")/../../.." && pwd)
work=$(mktemp -d /tmp/lt-image.XXXXXX)
cg=/linen-image-$$
made_var_lib_containers=0 made_run_runc=0
[ -e /var/lib/containers ] || made_var_lib_containers=1
[ -e /run/runc ] || made_run_runc=1

pm() {
	CONTAINERS_CONF=$work/containers.conf CONTAINERS_STORAGE_CONF=$work/storage.conf \
		podman --root "$work/root" --runroot "$work/runroot" "$@"
}

cleanup() {
	local h
	pm rm -a -f -t 0 >/dev/null 2>&1 || true
	pm rmi -a -f >/dev/null 2>&1 || true
	for h in /sys/fs/cgroup/*"$cg" /sys/fs/cgroup"$cg"; do
		[ -d "$h" ] && find "$h" -depth -type d -exec rmdir {} + 2>/dev/null
	done
	[ "$made_var_lib_containers" = 1 ] && rm -rf /var/lib/containers
	[ "$made_run_runc" = 1 ] && rmdir /run/runc 2>/dev/null
	if [ -z "${LINEN_IMAGE_KEEP:-}" ]; then
		rm -rf "$work"
	else
		echo "build-image: kept $work"
	fi
}
trap cleanup EXIT

"$top/scripts/install-deps.sh" podman runc conmon mmdebstrap
mkdir -p "$work/root" "$work/runroot" "$work/tmp" "$work/ctx" "$work/host/bin" \
	"$work/host/net.d" "$work/host/cfg"
cat >"$work/containers.conf" <<CONF
[containers]
default_ulimits = ["nofile=1024:1024", "nproc=1024:1024"]
[network]
network_backend = "cni"
network_config_dir = "$work/net.d"
[engine]
cgroup_manager = "cgroupfs"
events_logger = "file"
runtime = "runc"
tmp_dir = "$work/tmp"
lock_type = "file"
CONF
cat >"$work/storage.conf" <<CONF
[storage]
driver = "vfs"
graphroot = "$work/root"
runroot = "$work/runroot"
CONF

echo "build-image: making debian:12 with mmdebstrap"
mmdebstrap --quiet --variant=minbase --include=ca-certificates bookworm \
	"$work/debian12.tar" http://deb.debian.org/debian
pm import "$work/debian12.tar" docker.io/library/debian:12 >/dev/null
pm tag docker.io/library/debian:12 docker.io/library/debian:12-slim
rm -f "$work/debian12.tar"

echo "build-image: building deploy/Containerfile from git HEAD"
git -C "$top" archive HEAD | tar -x -C "$work/ctx"
(cd "$work/ctx" && pm build --network host --cgroup-parent "$cg" \
	--ignorefile deploy/containerignore -f deploy/Containerfile \
	-t localhost/linen:test . >"$work/build.log" 2>&1) ||
	{ tail -n 30 "$work/build.log"; exit 1; }

echo "build-image: smoke test"
run() {
	pm run --rm --network none --cgroup-parent "$cg" "$@"
}
python3 -c 'import sys, yaml
for d in yaml.safe_load_all(open(sys.argv[1])):
	if d and d["kind"] == "ConfigMap":
		sys.stdout.write(d["data"]["cni-conf.json"])' \
	"$top/deploy/kubernetes/kube-linen.yml" >"$work/host/cfg/cni-conf.json"
run -v "$work/host/bin:/host/opt/cni/bin" -v "$work/host/net.d:/host/etc/cni/net.d" \
	-v "$work/host/cfg:/etc/kube-linen" --entrypoint /usr/local/lib/linen/install-cni.sh \
	localhost/linen:test
cmp "$work/host/cfg/cni-conf.json" "$work/host/net.d/10-flannel.conflist"
n=0
for p in "$work"/host/bin/*; do
	CNI_COMMAND=VERSION "$p" </dev/null | grep -q supportedVersions ||
		{ echo "build-image: $(basename "$p") does not run from the host dir"; exit 1; }
	n=$((n + 1))
done
run --entrypoint /usr/local/bin/linend localhost/linen:test --version
run --entrypoint etcdctl localhost/linen:test version | head -n 1
echo "build-image: ok, $n plugins installed and runnable from the host dir"
