#!/usr/bin/env bats
# SPDX-License-Identifier: Apache-2.0
# linend's command line: --help / -h (every flag with its default and its FLANNELD_*
# variable, the test-only flags hidden), bad input refused with a clear message before
# anything is written (no subnet file, no nft table, no etcd key), and the masquerade owned
# by the daemon for every backend (alloc with --ip-masq installs our nft table).
#
# Every test makes its own "host" namespace with lo up and runs a private etcd on
# 127.0.0.1:2379 in it and linend in it too; nothing touches the root namespace.

load helpers

setup() {
	require_root
	command -v etcd >/dev/null || skip "etcd not installed"
	command -v etcdctl >/dev/null || skip "etcdctl not installed"
	command -v nft >/dev/null || skip "nft not installed"
	LINEND=$LINEN_BUILD/src/linend/linend
	[ -x "$LINEND" ] || skip "linend not built"
	T=$BATS_TEST_TMPDIR
	NS=$(netns_new cli)
	EP=http://127.0.0.1:2379
	export ETCDCTL_API=3
}

teardown() {
	linen_teardown
}

nsx() {
	ip netns exec "$NS" "$@"
}

ectl() {
	nsx etcdctl --endpoints="$EP" "$@"
}

etcd_start() {
	nsx etcd --name t --data-dir "$T/etcd" \
		--listen-client-urls "$EP" --advertise-client-urls "$EP" \
		--listen-peer-urls http://127.0.0.1:2380 \
		--initial-advertise-peer-urls http://127.0.0.1:2380 \
		--initial-cluster t=http://127.0.0.1:2380 >>"$T/etcd.log" 2>&1 &
	track $!
	wait_for 20 ectl endpoint health
	ectl put /coreos.com/network/config "${1:-{\"Network\":\"10.5.0.0/16\",\"Backend\":{\"Type\":\"alloc\"}}}" >/dev/null
}

# nothing_left: no subnet file, no nft table, no lease in etcd, no device but lo
nothing_left() {
	[ ! -e "$T/subnet.env" ]
	[ -z "$(nsx nft list tables)" ]
	[ "$(ectl get --prefix /coreos.com/network/subnets --keys-only | grep -c subnets)" = 0 ]
	[ "$(ip -n "$NS" -o link show | wc -l)" = 1 ]
}

# refused <status> <message> [flags]: linend exits with <status> at once and says <message>
refused() {
	local want=$1 msg=$2
	shift 2
	run nsx timeout 10 "$LINEND" --iface lo --public-ip 10.9.0.1 --ip-masq "$@"
	echo "status $status: $output"
	[ "$status" -eq "$want" ]
	[[ "$output" == *"$msg"* ]]
	nothing_left
}

@test "--help and -h: every flag with its default and FLANNELD_ variable, exit 0" {
	run "$LINEND" --help
	[ "$status" -eq 0 ]
	[[ "$output" == *"Usage: linend"* ]]
	[[ "$output" == *"--etcd-endpoints=VALUE"* ]]
	[[ "$output" == *'default "http://127.0.0.1:4001,http://127.0.0.1:2379", env FLANNELD_ETCD_ENDPOINTS'* ]]
	[[ "$output" == *'default "/coreos.com/network", env FLANNELD_ETCD_PREFIX'* ]]
	[[ "$output" == *'default "/run/flannel/subnet.env", env FLANNELD_SUBNET_FILE'* ]]
	[[ "$output" == *'default "60", env FLANNELD_SUBNET_LEASE_RENEW_MARGIN'* ]]
	[[ "$output" == *"--ip-masq"* ]]
	[[ "$output" == *'default "false", env FLANNELD_IP_MASQ)'* ]]
	[[ "$output" == *'default "true", env FLANNELD_IPTABLES_FORWARD_RULES'* ]]
	[[ "$output" == *'default "0", env FLANNELD_HEALTHZ_PORT'* ]]
	[[ "$output" == *"env FLANNELD_IFACE)"* ]]
	[[ "$output" == *"env FLANNELD_PUBLIC_IP)"* ]]
	# the test-only flags are not there
	[[ "$output" != *"test-claim-delay-ms"* ]]
	[[ "$output" != *"watch-from-revision"* ]]
	[[ "$output" != *"--backend"* ]]
	help=$output
	run "$LINEND" -h
	[ "$status" -eq 0 ]
	[ "$output" = "$help" ]
}

@test "a bad --public-ip is refused and leaves nothing behind" {
	etcd_start
	refused 1 "invalid --public-ip 10.9.0.300" --etcd-endpoints "$EP" --subnet-file "$T/subnet.env" --public-ip 10.9.0.300
}

@test "malformed --etcd-endpoints are refused and leave nothing behind" {
	etcd_start
	refused 1 'invalid --etcd-endpoints: "foo" is not http(s)://host[:port]' --etcd-endpoints foo --subnet-file "$T/subnet.env"
	refused 1 'invalid --etcd-endpoints: "http://" is not http(s)://host[:port]' --etcd-endpoints http:// --subnet-file "$T/subnet.env"
	refused 1 'invalid --etcd-endpoints "": no endpoint given' --etcd-endpoints "" --subnet-file "$T/subnet.env"
	refused 1 'invalid --etcd-endpoints: "http://127.0.0.1:0" is not' --etcd-endpoints "$EP,http://127.0.0.1:0" --subnet-file "$T/subnet.env"
}

@test "a bad --healthz-port is refused and leaves nothing behind" {
	etcd_start
	refused 2 'invalid value "-1" for --healthz-port' --etcd-endpoints "$EP" --subnet-file "$T/subnet.env" --healthz-port -1
	refused 2 'invalid value "abc" for --healthz-port' --etcd-endpoints "$EP" --subnet-file "$T/subnet.env" --healthz-port abc
	refused 1 "invalid --healthz-port 70000: must be between 0 and 65535" --etcd-endpoints "$EP" --subnet-file "$T/subnet.env" --healthz-port 70000
}

@test "an unwritable --subnet-file is refused before anything is written" {
	etcd_start
	touch "$T/file"
	refused 1 "invalid --subnet-file: $T/file is not a directory" --etcd-endpoints "$EP" --subnet-file "$T/file/sub/subnet.env"
	mkdir "$T/adir"
	refused 1 "invalid --subnet-file: $T/adir exists and is not a regular file" --etcd-endpoints "$EP" --subnet-file "$T/adir"
	# a read-only file system, mounted in a mount namespace of linend's own
	mkdir "$T/ro"
	run nsx unshare -m sh -c "mount -t tmpfs -o ro none '$T/ro' && exec timeout 10 '$LINEND' --iface lo --public-ip 10.9.0.1 --ip-masq --etcd-endpoints '$EP' --subnet-file '$T/ro/run/subnet.env'"
	echo "status $status: $output"
	[ "$status" -eq 1 ]
	[[ "$output" == *"invalid --subnet-file: directory $T/ro is not writable: Read-only file system"* ]]
	nothing_left
}

@test "alloc backend with --ip-masq: the daemon installs our masquerade table" {
	etcd_start
	nsx "$LINEND" --etcd-endpoints "$EP" --iface lo --public-ip 10.9.0.1 --ip-masq \
		--subnet-file "$T/subnet.env" --healthz-ip 127.0.0.1 --healthz-port 8081 \
		>"$T/linend.log" 2>&1 &
	track $!
	wait_for 15 nsx curl -sf http://127.0.0.1:8081/readyz || { cat "$T/linend.log"; false; }
	grep -qx "FLANNEL_IPMASQ=true" "$T/subnet.env"
	wait_for 5 nsx nft list table ip linend
	run nsx nft list table ip linend
	echo "$output"
	[ "$status" -eq 0 ]
	[[ "$output" == *"10.5.0.0/16"* ]]
	[[ "$output" == *"masquerade"* ]]
	run nsx curl -s http://127.0.0.1:8081/metrics
	[ "$status" -eq 0 ]
	[[ "$output" == *"linend_masq_checks_total "* ]]
}
