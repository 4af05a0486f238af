# SPDX-License-Identifier: Apache-2.0
# Shared by ipvlan.bats, vlan.bats and dummy.bats: a "host" namespace with a bridge br0 as
# the master (and a default route through it), a pod namespace, the plugin run in the host,
# a check that nothing is left behind, and the probe for the link type.

load helpers

sublink_setup() {
	require_root
	KIND=$1
	PLUGIN=$LINEN_BUILD/plugins/$KIND/$KIND
	REF=/usr/lib/cni/$KIND
	[ -x "$PLUGIN" ] || skip "$KIND not built in $LINEN_BUILD"
	[ -x "$LINEN_BUILD/plugins/host-local/host-local" ] || skip "host-local not built"
	BIN=$(linen_cni_bin)
	D=$BATS_TEST_TMPDIR/data
	mkdir -p "$D"
	HOST=$(netns_new host)
	POD=$(netns_new pod)
	ip -n "$HOST" link add br0 type bridge
	ip -n "$HOST" link set br0 up
	ip -n "$HOST" addr add 10.68.0.254/24 dev br0
	ip -n "$HOST" route add default via 10.68.0.1 dev br0
}

# conf <version> [extra top-level keys]: with host-local IPAM
conf() {
	echo "{\"cniVersion\":\"$1\",\"name\":\"slnet\",\"type\":\"$KIND\"${2:+,$2},\"ipam\":{\"type\":\"host-local\",\"dataDir\":\"$D\",\"ranges\":[[{\"subnet\":\"10.68.0.0/24\",\"gateway\":\"10.68.0.1\"}]],\"routes\":[{\"dst\":\"0.0.0.0/0\"}]}}"
}

run_bin() {
	local bin=$1 cmd=$2 ns=$3 id=$4 cfg=$5
	shift 5
	ip netns exec "$HOST" env CNI_COMMAND="$cmd" CNI_CONTAINERID="$id" \
		CNI_NETNS="${ns:+/run/netns/$ns}" CNI_IFNAME=eth0 CNI_PATH="$BIN" "$@" \
		"$bin" <<<"$cfg"
}
ours() { run_bin "$PLUGIN" "$@"; }
ref() { run_bin "$REF" "$@"; }

with_prev() {
	jq -c --argjson r "$2" '. + {prevResult: $r}' <<<"$1"
}

store_files() {
	find "$D" -type f ! -name lock ! -name 'last_reserved_ip*' 2>/dev/null
}

# Only br0 and lo on the host (no temporary link), only lo in the pod, no address kept.
assert_clean() {
	local l
	l=$(ip -n "$HOST" -o link show | awk -F': ' '{print $2}' | cut -d@ -f1 | grep -vx 'lo\|br0' || true)
	[ -z "$l" ] || { echo "host links left: $l"; return 1; }
	l=$(ip -n "$POD" -o link show | awk -F': ' '{print $2}' | cut -d@ -f1 | grep -vx 'lo' || true)
	[ -z "$l" ] || { echo "pod links left: $l"; return 1; }
	l=$(store_files)
	[ -z "$l" ] || { echo "address file left: $l"; return 1; }
}

# Whether this kernel makes links of type $KIND (tried in a scratch namespace of our own).
kind_supported() {
	local ns ok=1
	ns=$(netns_new probe) || return 1
	ip -n "$ns" link add pm0 type dummy 2>/dev/null || ip -n "$ns" link add pm0 type bridge
	case $KIND in
	ipvlan) ip -n "$ns" link add pr0 link pm0 type ipvlan mode l2 2>/dev/null && ok=0 ;;
	vlan) ip -n "$ns" link add pr0 link pm0 type vlan id 5 2>/dev/null && ok=0 ;;
	dummy) ip -n "$ns" link add pr0 type dummy 2>/dev/null && ok=0 ;;
	vrf) ip -n "$ns" link add pr0 type vrf table 10 2>/dev/null && ok=0 ;;
	esac
	ip netns del "$ns"
	return $ok
}

require_kind() {
	kind_supported || skip "kernel has no $KIND link type"
}

require_no_kind() {
	! kind_supported || skip "kernel has the $KIND link type: the missing-type test does not apply"
}

# ADD on a kernel without the type: a clear error naming it, and nothing left anywhere.
assert_add_missing_type() {
	run ours ADD "$POD" c1 "$1"
	[ "$status" -eq 1 ]
	[ "$(jq -r .code <<<"$output")" = 999 ]
	[ "$(jq -r .msg <<<"$output")" = "failed to create $KIND: Operation not supported (this kernel has no $KIND link type)" ]
	assert_clean
}

# bad_config <config> [VAR=value...]: the reference's message, our code 7 (the reference's
# Go skel reports every error as 999), nothing left.
bad_config() {
	local cfg=$1
	shift
	run ref ADD "$POD" c1 "$cfg" "$@"
	[ "$status" -eq 1 ]
	REF_MSG=$(jq -r .msg <<<"$output")
	run ours ADD "$POD" c1 "$cfg" "$@"
	[ "$status" -eq 1 ]
	[ "$(jq -r .msg <<<"$output")" = "$REF_MSG" ]
	[ "$(jq -r .code <<<"$output")" = "${EXPECT_CODE:-7}" ]
	assert_clean
}
