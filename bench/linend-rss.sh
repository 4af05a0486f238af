#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# linend benchmarks against a private etcd (free 127.0.0.1 ports, its own data dir):
#  - RSS of a running linend holding N remote leases (default N = 10 1000 5000);
#  - put-to-event latency: from just before an HTTP put to etcd to the logging backend's
#    wall-clock timestamp of the "lease added" event (p50 and max over 50 puts);
#  - idle wake-ups: epoll wake-ups over 10 s with nothing happening.
# linend runs with --iface lo and the logging backend: nothing outside the process changes.
# Usage: bench/linend-rss.sh [build-dir]     (COUNTS="10 1000" to shorten)
set -u
build=${1:-build}
top=$(cd "$(dirname "$0")/.." && pwd)
linend=$top/$build/src/linend/linend
[ -x "$linend" ] || { echo "no $linend; build first"; exit 1; }
tmp=$(mktemp -d /tmp/linend-bench.XXXXXX)
port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
P=$(port); Q=$(port); EP=http://127.0.0.1:$P; HP=$(port)
epid= lpid=
cleanup() {
	[ -n "$lpid" ] && kill "$lpid" 2>/dev/null
	[ -n "$epid" ] && kill "$epid" 2>/dev/null
	wait 2>/dev/null
	[ -n "${KEEP:-}" ] || rm -rf "$tmp"
}
trap cleanup EXIT
etcd --data-dir "$tmp/etcd" --listen-client-urls "$EP" --advertise-client-urls "$EP" \
	--listen-peer-urls "http://127.0.0.1:$Q" --initial-advertise-peer-urls "http://127.0.0.1:$Q" \
	--initial-cluster "default=http://127.0.0.1:$Q" --quota-backend-bytes 4294967296 \
	>"$tmp/etcd.log" 2>&1 &
epid=$!
for _ in $(seq 100); do curl -sf "$EP/health" >/dev/null && break; sleep 0.2; done

# put helper: python, so loading 5000 leases takes seconds, not minutes
cat >"$tmp/etcd.py" <<'PY'
import base64, json, sys, time, urllib.request
ep = sys.argv[1]
def call(path, body):
    req = urllib.request.Request(ep + path, json.dumps(body).encode(), {"Content-Type": "application/json"})
    return json.load(urllib.request.urlopen(req))
b = lambda s: base64.b64encode(s.encode()).decode()
pfx = "/coreos.com/network/subnets/"
def val(ip, i):
    return json.dumps({"PublicIP": ip, "PublicIPv6": None, "BackendType": "vxlan",
        "BackendData": {"VNI": 1, "VtepMAC": "02:00:00:00:%02x:%02x" % (i // 256 % 256, i % 256)}},
        separators=(",", ":"))
cmd = sys.argv[2]
if cmd == "config":
    call("/v3/kv/put", {"key": b("/coreos.com/network/config"),
        "value": b('{"Network":"10.0.0.0/8","Backend":{"Type":"vxlan"}}')})
elif cmd == "load":
    lo, hi = int(sys.argv[3]), int(sys.argv[4])
    for s in range(lo, hi, 100):
        ops = []
        for i in range(s, min(hi, s + 100)):
            j = i + 256
            k = "10.%d.%d.0-24" % (j // 256, j % 256)
            ops.append({"request_put": {"key": b(pfx + k), "value": b(val("10.200.%d.%d" % (i // 256, i % 256), i))}})
        call("/v3/kv/txn", {"success": ops})
elif cmd == "put":
    k = sys.argv[3]
    t0 = time.time_ns() // 1000
    call("/v3/kv/put", {"key": b(pfx + k), "value": b(val("10.251.0.1", 1))})
    print(t0)
elif cmd == "del":
    call("/v3/kv/deleterange", {"key": b(pfx + sys.argv[3])})
PY
py() { python3 "$tmp/etcd.py" "$EP" "$@"; }
mib() { awk -v k="$1" 'BEGIN { printf "%.1f MiB", k / 1024 }'; }
ms() { awk -v u="$1" 'BEGIN { printf "%.2f ms", u / 1000 }'; }
py config
mkdir -p "$top/bench/out"
out=$top/bench/out/linend-rss.md
cat >"$out" <<EOF
# linend: memory, put-to-event latency, idle wake-ups

\`bench/linend-rss.sh\` on $(uname -r), $(nproc) CPUs, $(date -u +%F). linend with the logging
backend against a private etcd on 127.0.0.1; RSS counts every mapped page it touched, of which
"private" (RssAnon) is its own heap and stacks and "PSS" shares library pages out among the
processes mapping them. Latency: from just before the HTTP put to etcd to the backend's
"lease added" timestamp, 50 puts.

| remote leases | RSS | private (anon) | PSS | put → event p50 | max | epoll wake-ups in 10 s idle |
|---|---|---|---|---|---|---|
EOF
have=0
for n in ${COUNTS:-10 1000 5000}; do
	py load "$have" "$n"
	have=$n
	if [ -n "$lpid" ]; then kill "$lpid"; wait "$lpid" 2>/dev/null; fi
	: >"$tmp/linend.log"
	"$linend" --etcd-endpoints "$EP" --iface lo --public-ip 10.250.0.1 --backend log \
		--subnet-file "$tmp/subnet.env" --healthz-ip 127.0.0.1 --healthz-port "$HP" \
		>"$tmp/linend.log" 2>&1 &
	lpid=$!
	for _ in $(seq 600); do
		[ "$(grep -c 'lease added' "$tmp/linend.log")" -ge "$n" ] && break
		sleep 0.1
	done
	sleep 0.5
	rss=$(awk '/VmRSS/ {print $2}' "/proc/$lpid/status")
	anon=$(awk '/RssAnon/ {print $2}' "/proc/$lpid/status")
	pss=$(awk '$1=="Pss:" {print $2}' "/proc/$lpid/smaps_rollup")
	lat=()
	for j in $(seq 1 50); do
		k=10.250.$j.0-24
		t0=$(py put "$k")
		for _ in $(seq 500); do grep -q "lease added $k " "$tmp/linend.log" && break; sleep 0.005; done
		t1=$(grep "lease added $k " "$tmp/linend.log" | sed 's/.* at //')
		lat+=($((t1 - t0)))
		py del "$k"
	done
	sorted=$(printf '%s\n' "${lat[@]}" | sort -n)
	p50=$(sed -n 25p <<<"$sorted")
	max=$(tail -1 <<<"$sorted")
	w0=$(curl -s "127.0.0.1:$HP/metrics" | awk '$1=="linend_loop_wakeups_total"{print $2}')
	sleep 10
	w1=$(curl -s "127.0.0.1:$HP/metrics" | awk '$1=="linend_loop_wakeups_total"{print $2}')
	# each /metrics scrape itself costs a few wake-ups (accept, read, write)
	printf 'leases=%-5s rss=%-6s KiB (anon %s KiB)  put->event p50=%-5s us max=%-6s us  idle wake-ups/10s=%s\n' \
		"$n" "$rss" "$anon" "$p50" "$max" "$((w1 - w0))"
	printf '| %s | %s | %s | %s | %s | %s | %s |\n' "$n" "$(mib "$rss")" "$(mib "$anon")" \
		"$(mib "$pss")" "$(ms "$p50")" "$(ms "$max")" "$((w1 - w0))" >>"$out"
done
libs=$(ldd "$linend" | grep -c '=>')
cat >>"$out" <<EOF

linend maps $libs shared libraries, most of them libcurl's (TLS, HTTP/2, IDN, Kerberos, LDAP);
their touched pages are most of the RSS and are shared with every other process using them.
Each /metrics scrape to count the wake-ups costs a few of them itself (accept, read, write).
EOF
echo "wrote $out" >&2
