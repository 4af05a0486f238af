#!/usr/bin/env bats
# SPDX-License-Identifier: Apache-2.0
# linend against a real etcd: unique subnets in flannel's format, restart, renewal, the
# race for the last subnet, etcd down / restarted / wiped, a compacted watch, garbage
# values, a changed config, and the HTTP endpoints. Every node runs with the logging
# backend (--backend=log) on --iface lo with its own --public-ip and subnet file, so
# nothing in any network namespace is changed; etcd and the health ports listen on
# 127.0.0.1 on free high ports.

load helpers

setup() {
	command -v etcd >/dev/null || skip "etcd not installed"
	LINEND=$LINEN_BUILD/src/linend/linend
	[ -x "$LINEND" ] || skip "linend not built"
	T=$BATS_TEST_TMPDIR
	PORT=$(free_port)
	PEER=$(free_port)
	EP=http://127.0.0.1:$PORT
	export ETCDCTL_API=3
}

teardown() {
	linen_teardown
}

free_port() {
	python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'
}

etcd_start() {
	etcd --name t --data-dir "$T/etcd" \
		--listen-client-urls "$EP" --advertise-client-urls "$EP" \
		--listen-peer-urls "http://127.0.0.1:$PEER" \
		--initial-advertise-peer-urls "http://127.0.0.1:$PEER" \
		--initial-cluster "t=http://127.0.0.1:$PEER" >>"$T/etcd.log" 2>&1 &
	ETCD_PID=$!
	track "$ETCD_PID"
	wait_for 20 ectl endpoint health
}

etcd_stop() {
	kill "$ETCD_PID"
	wait_for 10 bash -c "! kill -0 $ETCD_PID 2>/dev/null"
}

ectl() {
	etcdctl --endpoints="$EP" "$@"
}

put_config() {
	local def='{"Network":"10.5.0.0/16","Backend":{"Type":"vxlan"}}'
	ectl put /coreos.com/network/config "${1:-$def}" >/dev/null
}

# node_start <n> [extra flags]: public IP 10.9.0.<n>, health port in $HP<n>
node_start() {
	local n=$1 hp
	shift
	hp=$(free_port)
	eval "HP$n=$hp"
	"$LINEND" --etcd-endpoints "$EP" --iface lo --public-ip "10.9.0.$n" \
		--subnet-file "$T/node$n.env" --backend log --healthz-ip 127.0.0.1 \
		--healthz-port "$hp" "$@" >>"$T/node$n.log" 2>&1 &
	eval "PID$n=$!"
	track "$!"
}

ready() {
	curl -sf "http://127.0.0.1:$1/readyz"
}

subnet_of() {
	sed -n 's/^FLANNEL_SUBNET=//p' "$T/node$1.env"
}

metric() {
	curl -s "http://127.0.0.1:$1/metrics" | awk -v m="$2" '$1 == m { print $2 }'
}

@test "three nodes get unique subnets written in flannel's format" {
	etcd_start
	put_config
	node_start 1; node_start 2; node_start 3
	wait_for 10 ready "$HP1"; wait_for 10 ready "$HP2"; wait_for 10 ready "$HP3"
	s1=$(subnet_of 1); s2=$(subnet_of 2); s3=$(subnet_of 3)
	[ -n "$s1" ]
	[ "$s1" != "$s2" ]
	[ "$s2" != "$s3" ]
	[ "$s1" != "$s3" ]
	# subnet.env exactly as flanneld writes it, mode 0644
	[ "$(stat -c %a "$T/node1.env")" = 644 ]
	printf 'FLANNEL_NETWORK=10.5.0.0/16\nFLANNEL_SUBNET=%s\nFLANNEL_MTU=65486\nFLANNEL_IPMASQ=false\n' \
		"$s1" | diff - "$T/node1.env"
	# key and value as flanneld writes them, read back with etcdctl
	key=/coreos.com/network/subnets/${s1%.1/24}.0-24
	run ectl get "$key" --print-value-only
	[ "$output" = '{"PublicIP":"10.9.0.1","PublicIPv6":null,"BackendType":"vxlan","BackendData":{"VNI":1,"VtepMAC":"02:4c:0a:09:00:01"}}' ]
	# a TTL lease of 24 h
	lease=$(ectl get "$key" -w json | jq -r '.kvs[0].lease')
	[ "$lease" != null ]
	[ "$lease" != 0 ]
	ectl lease timetolive "$(lease_id "$key")" | grep -q 'granted with TTL(86400s)'
	# every node sees the two others
	wait_for 5 bash -c "[ \"\$(curl -s 127.0.0.1:$HP1/metrics | awk '\$1==\"linend_remote_leases\"{print \$2}')\" = 2 ]"
	grep -q "lease added ${s2%.1/24}.0-24 public-ip 10.9.0.2" "$T/node1.log"
	# endpoints
	[ "$(curl -s "127.0.0.1:$HP1/healthz")" = "flanneld is running" ]
	curl -s "127.0.0.1:$HP1/metrics" | grep -q '^linend_event_to_program_seconds_count [1-9]'
	curl -s "127.0.0.1:$HP1/metrics" | grep -q '^linend_etcd_requests_total [1-9]'
	# a node leaving: the others get a removed event with the cached attributes
	ectl del "/coreos.com/network/subnets/${s3%.1/24}.0-24" >/dev/null
	wait_for 5 grep -q "lease removed ${s3%.1/24}.0-24 public-ip 10.9.0.3 type vxlan mac 02:4c:0a:09:00:03" "$T/node1.log"
}

@test "the lease lasts 24 h and is renewed --subnet-lease-renew-margin before; idle, no wake-ups but timers" {
	etcd_start
	put_config
	node_start 1
	node_start 2 --subnet-lease-renew-margin 120
	wait_for 10 ready "$HP1"
	wait_for 10 ready "$HP2"
	# default margin 60 min: renewal due 23 h from now; a margin of 120 min: 22 h
	exp=$(metric "$HP1" linend_lease_expiry_seconds)
	[ "$exp" -ge 86390 ] && [ "$exp" -le 86400 ] || { echo "expiry in $exp s"; false; }
	ren=$(metric "$HP1" linend_lease_renew_in_seconds)
	[ "$ren" -ge 82790 ] && [ "$ren" -le 82800 ] || { echo "node 1 renews in $ren s"; false; }
	ren=$(metric "$HP2" linend_lease_renew_in_seconds)
	[ "$ren" -ge 79190 ] && [ "$ren" -le 79200 ] || { echo "node 2 renews in $ren s"; false; }
	curl -s "127.0.0.1:$HP1/metrics" | grep -q "^linend_lease_held{subnet=\"$(subnet_of 1 | sed 's/\.1\//.0-/')\",reservation=\"false\"} 1$"
	[ "$(metric "$HP1" linend_etcd_errors_total)" = 0 ]
	# no thread, no busy wait: over 3 s at rest the loop wakes only for its timers and for
	# the two scrapes that read the counter (a few wake-ups each: accept, read, write)
	w0=$(metric "$HP1" linend_loop_wakeups_total)
	sleep 3
	w1=$(metric "$HP1" linend_loop_wakeups_total)
	[ $((w1 - w0)) -le 12 ] || { echo "$((w1 - w0)) wake-ups in 3 s"; false; }
	[ "$(ls /proc/"$PID1"/task | wc -l)" -eq 1 ]
}

@test "a non-default --etcd-prefix keeps the config and leases under it" {
	etcd_start
	ectl put /linen/net/config '{"Network":"10.6.0.0/16","Backend":{"Type":"vxlan"}}' >/dev/null
	node_start 1 --etcd-prefix /linen/net
	wait_for 10 ready "$HP1"
	s1=$(subnet_of 1)
	[[ $s1 == 10.6.* ]]
	ectl get "/linen/net/subnets/${s1%.1/24}.0-24" --print-value-only | grep -q '"PublicIP":"10.9.0.1"'
	[ -z "$(ectl get --prefix /coreos.com --keys-only)" ]
}

@test "readyz is 503 until subnet.env is written; SIGTERM exits 0" {
	etcd_start
	node_start 1
	wait_for 5 curl -s "127.0.0.1:$HP1/healthz"
	[ "$(curl -s -o /dev/null -w '%{http_code}' "127.0.0.1:$HP1/readyz")" = 503 ]
	[ ! -e "$T/node1.env" ]
	put_config
	wait_for 10 ready "$HP1"
	kill -TERM "$PID1"
	st=0
	wait "$PID1" || st=$?
	[ "$st" -eq 0 ]
	[ -e "$T/node1.env" ]
}

@test "a restarted node keeps its subnet" {
	etcd_start
	put_config
	node_start 1
	wait_for 10 ready "$HP1"
	s1=$(subnet_of 1)
	kill -TERM "$PID1"; wait "$PID1" || true
	node_start 1
	wait_for 10 ready "$HP1"
	[ "$(subnet_of 1)" = "$s1" ]
	grep -q "reusing our lease" "$T/node1.log"
	# also when the subnet file is gone: the lease with our PublicIP is found
	kill -TERM "$PID1"; wait "$PID1" || true
	rm "$T/node1.env"
	node_start 1
	wait_for 10 ready "$HP1"
	[ "$(subnet_of 1)" = "$s1" ]
	[ "$(ectl get --prefix /coreos.com/network/subnets --keys-only | grep -c subnets)" = 1 ]
}

@test "the lease is renewed before it expires" {
	etcd_start
	put_config
	node_start 1 --subnet-lease-ttl 4
	wait_for 10 ready "$HP1"
	s1=$(subnet_of 1)
	sleep 7
	[ "$(metric "$HP1" linend_lease_renewals_total)" -ge 2 ]
	ectl get "/coreos.com/network/subnets/${s1%.1/24}.0-24" | grep -q PublicIP
}

@test "two nodes race for the last two subnets; a third waits for a free one" {
	etcd_start
	put_config '{"Network":"10.6.0.0/16","SubnetMin":"10.6.7.0","SubnetMax":"10.6.8.0","Backend":{"Type":"alloc"}}'
	node_start 1; node_start 2
	wait_for 10 ready "$HP1"; wait_for 10 ready "$HP2"
	[ "$(subnet_of 1)" != "$(subnet_of 2)" ]
	node_start 3
	wait_for 10 grep -q "out of subnets" "$T/node3.log"
	! ready "$HP3" || false
	# a lease going away lets it in
	kill -TERM "$PID2"; wait "$PID2" || true
	ectl del "/coreos.com/network/subnets/$(subnet_of 2 | sed 's/\.1\/24$/.0-24/')" >/dev/null
	wait_for 15 ready "$HP3"
	[ "$(subnet_of 3)" = "$(subnet_of 2)" ]
}

@test "a lost create race retries instead of exiting" {
	etcd_start
	put_config '{"Network":"10.6.0.0/16","SubnetMin":"10.6.7.0","SubnetMax":"10.6.7.0","Backend":{"Type":"alloc"}}'
	# the subnet.env of node 1 points at the only subnet; someone else takes it first
	printf 'FLANNEL_SUBNET=10.6.7.1/24\n' >"$T/node1.env"
	ectl put /coreos.com/network/subnets/10.6.7.0-24 '{"PublicIP":"10.9.0.99","PublicIPv6":null}' >/dev/null
	node_start 1
	wait_for 10 grep -q "out of subnets" "$T/node1.log"
	kill -0 "$PID1"
	ectl del /coreos.com/network/subnets/10.6.7.0-24 >/dev/null
	wait_for 15 ready "$HP1"
	[ "$(subnet_of 1)" = 10.6.7.1/24 ]
}

@test "reservations are honoured and keep no TTL" {
	etcd_start
	put_config
	ectl put /coreos.com/network/subnets/10.5.200.0-24 '{"PublicIP":"10.9.0.1","PublicIPv6":null}' >/dev/null
	node_start 1 --subnet-lease-ttl 3
	wait_for 10 ready "$HP1"
	[ "$(subnet_of 1)" = 10.5.200.1/24 ]
	sleep 4
	lease=$(ectl get /coreos.com/network/subnets/10.5.200.0-24 -w json | jq -r '.kvs[0].lease // 0')
	[ "$lease" = 0 ]
	ectl get /coreos.com/network/subnets/10.5.200.0-24 --print-value-only | grep -q '"BackendType":"vxlan"'
}

@test "etcd down at start: linend waits with backoff and succeeds once etcd is up" {
	node_start 1
	sleep 2
	kill -0 "$PID1"
	grep -q "retrying in" "$T/node1.log"
	! ready "$HP1" || false
	etcd_start
	put_config
	wait_for 15 ready "$HP1"
}

@test "etcd restarted: the watch resumes from its revision (no re-list) and replays what it missed" {
	local v='{"PublicIP":"10.9.0.%s","PublicIPv6":null,"BackendType":"vxlan","BackendData":{"VNI":1,"VtepMAC":"aa:bb:cc:dd:ee:%s"}}'
	etcd_start
	put_config
	# shellcheck disable=SC2059
	ectl put /coreos.com/network/subnets/10.5.76.0-24 "$(printf "$v" 76 76)" >/dev/null
	node_start 1
	wait_for 10 ready "$HP1"
	wait_for 5 grep -q "lease added 10.5.76.0-24" "$T/node1.log"
	etcd_stop
	sleep 1
	etcd_start
	# shellcheck disable=SC2059
	ectl put /coreos.com/network/subnets/10.5.77.0-24 "$(printf "$v" 77 77)" >/dev/null
	ectl del /coreos.com/network/subnets/10.5.76.0-24 >/dev/null
	wait_for 15 grep -q "lease added 10.5.77.0-24 public-ip 10.9.0.77" "$T/node1.log"
	wait_for 5 grep -q "lease removed 10.5.76.0-24" "$T/node1.log"
	[ "$(metric "$HP1" linend_watch_reconnects_total)" -ge 1 ]
	[ "$(metric "$HP1" linend_watch_resumes_total)" -ge 1 ]
	grep -q "resuming the lease watch at revision" "$T/node1.log"
	! grep -q "re-listing" "$T/node1.log" || false
	[ "$(metric "$HP1" linend_remote_leases)" = 1 ]
}

# lease_id <key>: the etcd lease of key, in hex as etcdctl takes it (empty when none)
lease_id() {
	local l
	# -w fields: the JSON output's 64-bit lease number would lose digits in jq
	l=$(ectl get "$1" -w fields | sed -n 's/^"Lease" : //p')
	[ -n "$l" ] && [ "$l" != 0 ] && printf '%x' "$l"
}

@test "a revoked lease, or our key deleted, is re-acquired with the same subnet; linend keeps running" {
	etcd_start
	put_config
	node_start 1
	wait_for 10 ready "$HP1"
	s1=$(subnet_of 1)
	key=/coreos.com/network/subnets/${s1%.1/24}.0-24
	old=$(lease_id "$key")
	[ -n "$old" ]
	ectl lease revoke "$old" >/dev/null
	# the key goes with its lease; linend claims the same subnet again on a new lease
	wait_for 10 bash -c "[ -n \"\$(etcdctl --endpoints=$EP get $key --print-value-only)\" ]"
	new=$(lease_id "$key")
	[ -n "$new" ]
	[ "$new" != "$old" ]
	ectl get "$key" --print-value-only | grep -q '"PublicIP":"10.9.0.1"'
	kill -0 "$PID1"
	ready "$HP1"
	[ "$(subnet_of 1)" = "$s1" ]
	ectl lease timetolive "$new" | grep -q 'granted with TTL(86400s)'
	# the same when somebody deletes our key
	ectl del "$key" >/dev/null
	wait_for 10 bash -c "[ -n \"\$(etcdctl --endpoints=$EP get $key --print-value-only)\" ]"
	kill -0 "$PID1"
	ready "$HP1"
	[ "$(subnet_of 1)" = "$s1" ]
	[ "$(ectl get --prefix /coreos.com/network/subnets --keys-only | grep -c subnets)" = 1 ]
}

@test "etcd lost all its data: the same subnet is registered again" {
	etcd_start
	put_config
	node_start 1
	wait_for 10 ready "$HP1"
	s1=$(subnet_of 1)
	etcd_stop
	rm -rf "$T/etcd"
	etcd_start
	wait_for 20 bash -c "etcdctl --endpoints=$EP get /coreos.com/network/subnets/${s1%.1/24}.0-24 | grep -q 10.9.0.1"
	[ "$(subnet_of 1)" = "$s1" ]
	grep -q "re-acquiring the same subnet" "$T/node1.log"
}

@test "the watch resumes at a revision compacted meanwhile: linend lists again" {
	local v='{"PublicIP":"10.9.0.%s","PublicIPv6":null,"BackendType":"vxlan","BackendData":{"VNI":1,"VtepMAC":"aa:bb:cc:dd:ee:%s"}}'
	etcd_start
	put_config
	node_start 1
	wait_for 10 ready "$HP1"
	# linend frozen while etcd restarts and compacts: on waking its watch is gone, and the
	# revision it resumes at no longer exists
	kill -STOP "$PID1"
	etcd_stop
	etcd_start
	for i in 70 71 72; do
		# shellcheck disable=SC2059
		ectl put "/coreos.com/network/subnets/10.5.$i.0-24" "$(printf "$v" "$i" "$i")" >/dev/null
	done
	ectl del /coreos.com/network/subnets/10.5.71.0-24 >/dev/null
	rev=$(ectl get /coreos.com/network/config -w json | jq -r .header.revision)
	ectl compact "$rev" >/dev/null
	kill -CONT "$PID1"
	wait_for 15 grep -q "lease added 10.5.72.0-24" "$T/node1.log"
	grep -q "resuming the lease watch at revision" "$T/node1.log"
	grep -q "watch revision compacted.*re-listing" "$T/node1.log"
	[ "$(metric "$HP1" linend_watch_compactions_total)" -ge 1 ]
	[ "$(metric "$HP1" linend_remote_leases)" = 2 ]
	grep -q "lease added 10.5.70.0-24" "$T/node1.log"
	! grep -q "lease added 10.5.71.0-24" "$T/node1.log" || false
}

@test "a compacted watch re-lists" {
	etcd_start
	put_config
	for i in 1 2 3 4 5; do ectl put /coreos.com/network/junk$i x >/dev/null; done
	rev=$(ectl get /coreos.com/network/config -w json | jq -r .header.revision)
	ectl compact "$rev" >/dev/null
	node_start 1 --watch-from-revision 2
	wait_for 10 ready "$HP1"
	wait_for 10 grep -q "compacted" "$T/node1.log"
	[ "$(metric "$HP1" linend_watch_compactions_total)" -ge 1 ]
	ectl put /coreos.com/network/subnets/10.5.78.0-24 '{"PublicIP":"10.9.0.78","PublicIPv6":null}' >/dev/null
	wait_for 10 grep -q "lease added 10.5.78.0-24" "$T/node1.log"
}

@test "a garbage value is skipped and counted" {
	etcd_start
	put_config
	ectl put /coreos.com/network/subnets/10.5.90.0-24 'not json' >/dev/null
	node_start 1
	wait_for 10 ready "$HP1"
	ectl put /coreos.com/network/subnets/10.5.91.0-24 '{"PublicIP":"banana"}' >/dev/null
	ectl put /coreos.com/network/subnets/10.5.92.0-24 '{"PublicIP":"10.9.0.92","BackendType":"vxlan","BackendData":{"VNI":1}}' >/dev/null
	ectl put /coreos.com/network/subnets/not-a-key '{"PublicIP":"10.9.0.93"}' >/dev/null
	wait_for 10 bash -c "[ \"\$(curl -s 127.0.0.1:$HP1/metrics | awk '\$1==\"linend_garbage_leases\"{print \$2}')\" = 4 ]"
	[ "$(metric "$HP1" linend_garbage_leases_total)" -ge 4 ]
	[ "$(metric "$HP1" linend_remote_leases)" = 0 ]
	kill -0 "$PID1"
	ready "$HP1"
}

@test "a changed network config is refused and the old one kept" {
	etcd_start
	put_config
	node_start 1
	wait_for 10 ready "$HP1"
	cp "$T/node1.env" "$T/before.env"
	put_config '{"Network":"10.8.0.0/16","Backend":{"Type":"vxlan"}}'
	wait_for 5 grep -q "refusing it and keeping the running one" "$T/node1.log"
	put_config '{"Network":"10.8.0.0/33"}'
	wait_for 5 grep -q "changed and is invalid" "$T/node1.log"
	[ "$(metric "$HP1" linend_config_refused_total)" = 2 ]
	diff "$T/before.env" "$T/node1.env"
	kill -0 "$PID1"
}

@test "bad flags and bad configs fail clearly" {
	run "$LINEND" --subnet-lease-renew-margin 1440 --iface lo --public-ip 10.9.0.1
	[ "$status" -eq 1 ]
	[[ "$output" == *"subnet-lease-renew-margin"* ]]
	run "$LINEND" --no-such-flag
	[ "$status" -eq 2 ]
	etcd_start
	put_config '{"Network":"10.5.0.0/16","SubnetLen":31}'
	node_start 1
	wait_for 5 grep -q "SubnetLen must be less than /31" "$T/node1.log"
	put_config
	wait_for 10 ready "$HP1"
	# FLANNELD_* environment variables work like flags
	FLANNELD_SUBNET_LEASE_RENEW_MARGIN=0 run "$LINEND" --iface lo --public-ip 10.9.0.1
	[ "$status" -eq 1 ]
}

@test "several nodes racing for the same subnet: losers retry and all end distinct" {
	etcd_start
	put_config '{"Network":"10.6.0.0/16","SubnetMin":"10.6.7.0","SubnetMax":"10.6.10.0","Backend":{"Type":"alloc"}}'
	# every node prefers 10.6.7.0/24 and waits 6 s between listing and claiming (room for
	# a slow start on a loaded machine), so all of them list before anyone claims: one
	# wins the create, the others lose and retry
	for n in 1 2 3 4; do
		printf 'FLANNEL_SUBNET=10.6.7.1/24\n' >"$T/node$n.env"
		node_start "$n" --test-claim-delay-ms 6000
	done
	for n in 1 2 3 4; do wait_for 20 ready "$(eval echo \$HP$n)"; done
	[ "$(for n in 1 2 3 4; do subnet_of $n; done | sort -u | wc -l)" = 4 ]
	lost=0
	for n in 1 2 3 4; do
		lost=$((lost + $(metric "$(eval echo \$HP$n)" linend_lease_races_lost_total)))
	done
	[ "$lost" -ge 3 ]
	grep -q "lost the race for subnet 10.6.7.0-24" "$T"/node*.log
	[ "$(ectl get --prefix /coreos.com/network/subnets --keys-only | grep -c subnets)" = 4 ]
}

@test "two nodes race for the very last subnet: one wins, the loser waits alive and takes it when freed" {
	etcd_start
	put_config '{"Network":"10.6.0.0/16","SubnetMin":"10.6.7.0","SubnetMax":"10.6.7.0","Backend":{"Type":"alloc"}}'
	# both list before either claims (3 s between list and claim): one create fails
	node_start 1 --test-claim-delay-ms 3000
	node_start 2 --test-claim-delay-ms 3000
	wait_for 20 bash -c "curl -sf 127.0.0.1:$HP1/readyz || curl -sf 127.0.0.1:$HP2/readyz"
	if ready "$HP1"; then win=1 lose=2; else win=2 lose=1; fi
	wait_for 10 grep -q "lost the race for subnet 10.6.7.0-24" "$T/node$lose.log"
	wait_for 10 grep -q "out of subnets" "$T/node$lose.log"
	[ "$(metric "$(eval echo \$HP$lose)" linend_lease_races_lost_total)" -ge 1 ]
	kill -0 "$(eval echo \$PID$lose)"
	! ready "$(eval echo \$HP$lose)" || false
	[ "$(subnet_of "$win")" = 10.6.7.1/24 ]
	# the winner leaves: the waiting node gets the subnet
	kill -TERM "$(eval echo \$PID$win)"
	ectl del /coreos.com/network/subnets/10.6.7.0-24 >/dev/null
	wait_for 15 ready "$(eval echo \$HP$lose)"
	[ "$(subnet_of "$lose")" = 10.6.7.1/24 ]
	ectl get /coreos.com/network/subnets/10.6.7.0-24 --print-value-only | grep -q "\"PublicIP\":\"10.9.0.$lose\""
}

@test "etcd endpoint fail-over and user/password authentication" {
	etcd_start
	put_config
	ectl user add root:rootpw >/dev/null
	ectl user grant-role root root >/dev/null 2>&1 || true
	ectl user add flannel:secret >/dev/null
	ectl role add flannel >/dev/null
	ectl role grant-permission flannel --prefix=true readwrite /coreos.com/network/ >/dev/null
	ectl user grant-role flannel flannel >/dev/null
	ectl auth enable >/dev/null
	# auth is really on: anonymous reads fail now
	! ectl get /coreos.com/network/config || false
	dead=$(free_port)
	node_start 1 --etcd-endpoints "http://127.0.0.1:$dead,$EP" --etcd-username flannel \
		--etcd-password secret
	wait_for 15 ready "$HP1"
	[ "$(metric "$HP1" linend_etcd_failovers_total)" -ge 1 ]
	etcdctl --endpoints="$EP" --user root:rootpw get --prefix /coreos.com/network/subnets | grep -q 10.9.0.1
	# a wrong password never becomes ready and says why
	node_start 2 --etcd-username flannel --etcd-password wrong
	sleep 2
	! ready "$HP2" || false
	grep -q "Permission denied\|authentication failed" "$T/node2.log"
}

@test "TLS with a CA and a client certificate" {
	command -v openssl >/dev/null || skip "openssl not installed"
	local c=$T/pki
	mkdir -p "$c"
	openssl req -x509 -newkey rsa:2048 -nodes -days 1 -subj /CN=test-ca \
		-keyout "$c/ca.key" -out "$c/ca.crt" 2>/dev/null
	openssl req -newkey rsa:2048 -nodes -subj /CN=127.0.0.1 -keyout "$c/srv.key" \
		-out "$c/srv.csr" 2>/dev/null
	printf 'subjectAltName=IP:127.0.0.1\nextendedKeyUsage=serverAuth,clientAuth\n' >"$c/ext"
	openssl x509 -req -in "$c/srv.csr" -CA "$c/ca.crt" -CAkey "$c/ca.key" -CAcreateserial \
		-days 1 -extfile "$c/ext" -out "$c/srv.crt" 2>/dev/null
	openssl req -newkey rsa:2048 -nodes -subj /CN=linend -keyout "$c/cli.key" \
		-out "$c/cli.csr" 2>/dev/null
	openssl x509 -req -in "$c/cli.csr" -CA "$c/ca.crt" -CAkey "$c/ca.key" -CAcreateserial \
		-days 1 -extfile "$c/ext" -out "$c/cli.crt" 2>/dev/null
	EP=https://127.0.0.1:$PORT
	etcd --name t --data-dir "$T/etcd" --listen-client-urls "$EP" --advertise-client-urls "$EP" \
		--cert-file "$c/srv.crt" --key-file "$c/srv.key" --trusted-ca-file "$c/ca.crt" \
		--client-cert-auth --listen-peer-urls "http://127.0.0.1:$PEER" \
		--initial-advertise-peer-urls "http://127.0.0.1:$PEER" \
		--initial-cluster "t=http://127.0.0.1:$PEER" >>"$T/etcd.log" 2>&1 &
	track $!
	tls="--cacert $c/ca.crt --cert $c/cli.crt --key $c/cli.key"
	wait_for 20 etcdctl --endpoints="$EP" $tls endpoint health
	etcdctl --endpoints="$EP" $tls put /coreos.com/network/config '{"Network":"10.5.0.0/16"}' >/dev/null
	node_start 1 --etcd-cafile "$c/ca.crt" --etcd-certfile "$c/cli.crt" --etcd-keyfile "$c/cli.key"
	wait_for 15 ready "$HP1"
	etcdctl --endpoints="$EP" $tls get --prefix /coreos.com/network/subnets | grep -q 10.9.0.1
	# without the client certificate etcd refuses us
	node_start 2 --etcd-cafile "$c/ca.crt"
	sleep 2
	! ready "$HP2" || false
}
