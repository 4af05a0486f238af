# SPDX-License-Identifier: Apache-2.0
# Shared setup of the bats files that run a plugin chain through cnitool inside a "host"
# namespace, with a second "node" namespace to wire to it (firewall.bats, portmap.bats).
# Load after helpers: `load helpers` then `load chain-helpers`.

# chain_setup PLUGIN... [-- COMMAND...]: skip unless root, cnitool, each plugin, jq and each
# command are there; then set CNITOOL, BIN (CNI_PATH), T (with T/conf as NETCONFPATH and
# T/cache as the cache) and make the namespaces H ("host") and N ("node").
chain_setup() {
	local p
	require_root
	CNITOOL=$LINEN_BUILD/src/cnitool/cnitool
	[ -x "$CNITOOL" ] || skip "cnitool not built in $LINEN_BUILD"
	BIN=$(linen_cni_bin)
	while [ $# -gt 0 ] && [ "$1" != -- ]; do
		[ -x "$BIN/$1" ] || skip "$1 not built in $LINEN_BUILD"
		shift
	done
	[ $# -gt 0 ] && shift
	command -v jq >/dev/null || skip "jq missing"
	for p in "$@"; do
		command -v "$p" >/dev/null || skip "$p missing"
	done
	T=$BATS_TEST_TMPDIR
	mkdir -p "$T/conf"
	export NETCONFPATH=$T/conf CNI_PATH=$BIN LINEN_CNI_CACHE_DIR=$T/cache
	unset CNI_ARGS CAP_ARGS CNI_IFNAME
	H=$(netns_new host)
	N=$(netns_new node)
}

cni() { # cni VERB NET POD-NS: cnitool in the host namespace
	ip netns exec "$H" "$CNITOOL" "$1" "$2" "/run/netns/$3"
}
