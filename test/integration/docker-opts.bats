#!/usr/bin/env bats
# SPDX-License-Identifier: Apache-2.0
# linen-docker-opts: flannel's mk-docker-opts.sh flags and output file, from the binary.

load helpers

setup() {
	BIN=$LINEN_BUILD/src/docker-opts/linen-docker-opts
	[ -x "$BIN" ] || skip "linen-docker-opts not built"
	T=$BATS_TEST_TMPDIR
	printf 'FLANNEL_NETWORK=10.244.0.0/16\nFLANNEL_SUBNET=10.244.85.1/24\nFLANNEL_MTU=1450\nFLANNEL_IPMASQ=true\n' >"$T/subnet.env"
}

@test "docker-opts: default writes individual and combined options" {
	run env -i "$BIN" -f "$T/subnet.env" -d "$T/docker.env"
	[ "$status" -eq 0 ]
	[ -z "$output" ]
	run cat "$T/docker.env"
	[ "$status" -eq 0 ]
	[ "${lines[0]}" = 'DOCKER_OPT_BIP="--bip=10.244.85.1/24"' ]
	[ "${lines[1]}" = 'DOCKER_OPT_IPMASQ="--ip-masq=false"' ]
	[ "${lines[2]}" = 'DOCKER_OPT_MTU="--mtu=1450"' ]
	[ "${lines[3]}" = 'DOCKER_OPTS=" --bip=10.244.85.1/24 --ip-masq=false --mtu=1450 "' ]
	[ "${#lines[@]}" -eq 4 ]
}

@test "docker-opts: -c -m -k gives one line without --ip-masq, and a shell can source it" {
	run env -i "$BIN" -c -m -k DOCKER_NETWORK_OPTIONS -f "$T/subnet.env" -d "$T/docker.env"
	[ "$status" -eq 0 ]
	run cat "$T/docker.env"
	[ "$output" = 'DOCKER_NETWORK_OPTIONS=" --bip=10.244.85.1/24 --mtu=1450 "' ]
	run bash -c ". '$T/docker.env' && printf '%s\n' \$DOCKER_NETWORK_OPTIONS"
	[ "$status" -eq 0 ]
	[ "${lines[0]}" = "--bip=10.244.85.1/24" ]
	[ "${lines[1]}" = "--mtu=1450" ]
}

@test "docker-opts: -i only; a missing subnet.env writes the empty combined key" {
	run env -i "$BIN" -i -f "$T/subnet.env" -d "$T/i.env"
	[ "$status" -eq 0 ]
	run grep -c DOCKER_OPTS= "$T/i.env"
	[ "$output" = "0" ]
	run env -i "$BIN" -f "$T/none.env" -d "$T/none-out.env"
	[ "$status" -eq 0 ]
	run cat "$T/none-out.env"
	[ "$output" = 'DOCKER_OPTS=" "' ]
}

@test "docker-opts: --help and -h print the usage, a bad flag fails with it" {
	run "$BIN" --help
	[ "$status" -eq 0 ]
	[[ "$output" == *"Usage: linen-docker-opts"* ]]
	[[ "$output" == *"-k	Set the combined options key"* ]]
	run "$BIN" -h
	[ "$status" -eq 0 ]
	[[ "$output" == *"Usage: linen-docker-opts"* ]]
	run "$BIN" -x
	[ "$status" -eq 1 ]
	[[ "$output" == *"Usage: linen-docker-opts"* ]]
}

@test "docker-opts: bad input fails clearly and writes nothing" {
	run "$BIN" -k 'X;touch /tmp/pwned' -f "$T/subnet.env" -d "$T/bad.env"
	[ "$status" -eq 1 ]
	[[ "$output" == *"is not a shell variable name"* ]]
	[ ! -e "$T/bad.env" ]
	run "$BIN" -f "$T" -d "$T/dir.env"
	[ "$status" -eq 1 ]
	[[ "$output" == *"cannot read $T"* ]]
	[ ! -e "$T/dir.env" ]
	run "$BIN" -f "$T/subnet.env" -d "$T/no/such/dir/out.env"
	[ "$status" -eq 1 ]
	[[ "$output" == *"cannot write $T/no/such/dir/out.env"* ]]
	run "$BIN" -f "$T/subnet.env" -d "$T/out.env" stray
	[ "$status" -eq 1 ]
	[[ "$output" == *"unexpected argument 'stray'"* ]]
}

@test "docker-opts: a rewrite replaces the file whole" {
	printf 'stale stale stale stale stale stale stale stale\n' >"$T/d.env"
	run env -i "$BIN" -c -f "$T/subnet.env" -d "$T/d.env"
	[ "$status" -eq 0 ]
	run cat "$T/d.env"
	[ "$output" = 'DOCKER_OPTS=" --bip=10.244.85.1/24 --ip-masq=false --mtu=1450 "' ]
}
