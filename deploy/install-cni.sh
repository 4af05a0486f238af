#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# The DaemonSet's init step on each node: install linen's CNI plugins into
# the host's CNI bin dir and the conflist into its conf dir, each by atomic
# rename, so a runtime never sees a half-written file (kube-flannel.yml does
# the same with `cp` and a `mv` of the conflist).
#
# Environment (defaults are the paths inside the linen image/pod):
#   SRC_DIR   plugins to install           (/usr/local/lib/linen/cni)
#   BIN_DIR   host CNI bin dir, mounted     (/host/opt/cni/bin)
#   CONF_DIR  host CNI conf dir, mounted    (/host/etc/cni/net.d)
#   CNI_CONF  the conflist to install       (/etc/kube-linen/cni-conf.json)
#   CONF_NAME its file name                 (10-flannel.conflist)
set -eu

src=${SRC_DIR:-/usr/local/lib/linen/cni}
bin=${BIN_DIR:-/host/opt/cni/bin}
conf=${CONF_DIR:-/host/etc/cni/net.d}
cni_conf=${CNI_CONF:-/etc/kube-linen/cni-conf.json}
conf_name=${CONF_NAME:-10-flannel.conflist}

mkdir -p "$bin" "$conf"

# The bundled libraries first, so no plugin is ever there without them.
if [ -d "$src/.linen-lib" ]; then
	mkdir -p "$bin/.linen-lib"
	for f in "$src"/.linen-lib/*; do
		[ -e "$f" ] || continue
		cp -f "$f" "$bin/.linen-lib/.$(basename "$f").tmp"
		mv -f "$bin/.linen-lib/.$(basename "$f").tmp" "$bin/.linen-lib/$(basename "$f")"
	done
fi
n=0
for f in "$src"/*; do
	[ -f "$f" ] && [ -x "$f" ] || continue
	name=$(basename "$f")
	cp -f "$f" "$bin/.$name.tmp"
	chmod 0755 "$bin/.$name.tmp"
	mv -f "$bin/.$name.tmp" "$bin/$name"
	n=$((n + 1))
done
[ "$n" -gt 0 ] || { echo "install-cni: no plugins in $src" >&2; exit 1; }

cp -f "$cni_conf" "$conf/.$conf_name.tmp"
chmod 0644 "$conf/.$conf_name.tmp"
mv -f "$conf/.$conf_name.tmp" "$conf/$conf_name"
echo "install-cni: $n plugins in $bin, $conf/$conf_name"
