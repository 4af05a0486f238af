#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# Stage linen's binaries from a build directory into a root tree, the way the
# container image ships them:
#   DEST/usr/local/bin/linend, cnitool
#   DEST/usr/local/lib/linen/cni/<plugin>          every CNI plugin
#   DEST/usr/local/lib/linen/cni/.linen-lib/*.so*  the shared libraries they need
#   DEST/usr/local/lib/linen/*.sh                  the pod scripts of this directory
# The plugins are copied onto each node's /opt/cni/bin, whose host may lack
# libjansson, libmnl or libnftables (loaded at run time): so they carry their libraries with them
# and find them through an rpath of $ORIGIN/.linen-lib (DT_RPATH, which also
# covers the libraries' own dependencies). glibc is not bundled: the host
# needs glibc >= the build's (2.36 for Debian 12).
#
# usage: deploy/stage.sh BUILD-DIR DEST-DIR
set -eu

build=$1
dest=$2
top=$(cd "$(dirname "$0")/.." && pwd)
cni=$dest/usr/local/lib/linen/cni
lib=$cni/.linen-lib
mkdir -p "$dest/usr/local/bin" "$lib"

# Shared libraries a binary needs, by path, except the C library family,
# which must come from the host.
needed_libs() {
	ldd "$1" 2>/dev/null | awk '$2 == "=>" && $3 ~ /^\// { print $3 }' |
		grep -vE '/(libc|libm|libdl|libpthread|librt|libresolv|ld-linux[^/]*)\.so' || true
}

# libnftables is not linked but dlopen()ed by the plugins that need it (src/fw/nft-lib.c),
# so ldd does not list it: bundle it and its own libraries by name.
nft_lib=$(ldconfig -p | awk '$1 == "libnftables.so.1" { print $NF; exit }')
[ -n "$nft_lib" ] || { echo "stage: libnftables.so.1 not found (libnftables1)" >&2; exit 1; }
for l in "$nft_lib" $(needed_libs "$nft_lib"); do
	[ -e "$lib/$(basename "$l")" ] || install -m 0644 "$l" "$lib/$(basename "$l")"
done

n=0
for dir in "$build"/plugins/*/; do
	name=$(basename "$dir")
	bin=$dir$name
	[ -f "$bin" ] && [ -x "$bin" ] || continue
	# Skip the SDK's example plugin: not part of the product.
	[ "$name" = example ] && continue
	install -m 0755 "$bin" "$cni/$name"
	for l in $(needed_libs "$bin"); do
		[ -e "$lib/$(basename "$l")" ] || install -m 0644 "$l" "$lib/$(basename "$l")"
	done
	if command -v patchelf >/dev/null; then
		# shellcheck disable=SC2016 # $ORIGIN is for the dynamic loader
		patchelf --force-rpath --set-rpath '$ORIGIN/.linen-lib' "$cni/$name"
	else
		echo "stage: patchelf missing; $name will need the host's libraries" >&2
	fi
	n=$((n + 1))
done
[ "$n" -gt 0 ] || { echo "stage: no plugins under $build/plugins" >&2; exit 1; }

for b in src/linend/linend src/cnitool/cnitool; do
	[ -x "$build/$b" ] && install -m 0755 "$build/$b" "$dest/usr/local/bin/$(basename "$b")"
done
for s in install-cni.sh etcd-net-config.sh linend-pod.sh; do
	install -m 0755 "$top/deploy/$s" "$dest/usr/local/lib/linen/$s"
done
echo "stage: $n plugins, $(ls "$lib" | wc -l) libraries -> $dest"
