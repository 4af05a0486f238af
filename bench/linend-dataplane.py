#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
# Helper of bench/linend-dataplane.sh, run inside the cluster's underlay namespace (where
# etcd listens). Puts fake remote leases into etcd and times, from `ip -ts monitor` on a
# node, when the node's dataplane has them: the route comes last (ARP, FDB, route), so the
# route event marks "fully programmed".
#   converge <etcd> <prefix> <node-ns> <n>    one lease at a time, p50/p90/max
#   bulk <etcd> <prefix> <node-ns> <n>        n leases at once, time to the last route
#   script <n> <dev> <underlay-prefix>        the same state as `ip`/`bridge` batch lines
import base64, json, subprocess, sys, threading, time, urllib.request


def b64(s):
    return base64.b64encode(s.encode()).decode()


def call(ep, path, body):
    req = urllib.request.Request(ep + path, json.dumps(body).encode(),
                                 {"Content-Type": "application/json"})
    return json.load(urllib.request.urlopen(req))


def lease(k):
    """The k-th fake peer: subnet 10.<100+k/256>.<k%256>.0/24, a MAC and an address."""
    a, b = 100 + k // 256, k % 256
    subnet = "10.%d.%d.0" % (a, b)
    mac = "0a:42:00:%02x:%02x:%02x" % ((k >> 16) & 255, (k >> 8) & 255, k & 255)
    ip = "172.31.%d.%d" % (k // 250, k % 250 + 1)
    val = json.dumps({"PublicIP": ip, "PublicIPv6": None, "BackendType": "vxlan",
                      "BackendData": {"VNI": 1, "VtepMAC": mac}}, separators=(",", ":"))
    return subnet, mac, ip, val


class Monitor:
    """`ip -ts monitor route` in the node's namespace; arrival time per new route dst."""

    def __init__(self, ns):
        self.seen = {}
        self.cv = threading.Condition()
        self.p = subprocess.Popen(["ip", "-n", ns, "-ts", "monitor", "route"],
                                  stdout=subprocess.PIPE, text=True)
        threading.Thread(target=self.run, daemon=True).start()
        time.sleep(0.3)

    def run(self):
        for line in self.p.stdout:
            now = time.time()
            rest = line.split("]", 1)[-1].strip()
            if "proto 76" not in rest or rest.startswith("Deleted"):
                continue
            dst = rest.split()[0].split("/")[0]
            with self.cv:
                self.seen.setdefault(dst, now)
                self.cv.notify_all()

    def wait(self, dst, timeout=5):
        end = time.time() + timeout
        with self.cv:
            while dst not in self.seen and time.time() < end:
                self.cv.wait(0.05)
            return self.seen.get(dst)

    def stop(self):
        self.p.kill()


def pct(v, p):
    v = sorted(v)
    return v[min(len(v) - 1, int(round(p / 100.0 * (len(v) - 1))))]


def put(ep, prefix, k):
    subnet, _, _, val = lease(k)
    call(ep, "/v3/kv/put", {"key": b64("%s/subnets/%s-24" % (prefix, subnet)), "value": b64(val)})
    return subnet


def converge(ep, prefix, ns, n):
    m = Monitor(ns)
    lat = []
    for k in range(n):
        t0 = time.time()
        subnet = put(ep, prefix, k)
        t1 = m.wait(subnet)
        if t1 is None:
            print("timeout for", subnet, file=sys.stderr)
            continue
        lat.append((t1 - t0) * 1000)
        time.sleep(0.02)
    m.stop()
    print(json.dumps({"n": len(lat), "p50_ms": pct(lat, 50), "p90_ms": pct(lat, 90),
                      "max_ms": max(lat)}))


def bulk(ep, prefix, ns, n):
    m = Monitor(ns)
    ops = []
    for k in range(n):
        subnet, _, _, val = lease(10000 + k)
        ops.append({"requestPut": {"key": b64("%s/subnets/%s-24" % (prefix, subnet)),
                                   "value": b64(val)}})
    last = lease(10000 + n - 1)[0]
    t0 = time.time()
    # etcd allows 128 operations per transaction: a few transactions, back to back
    for i in range(0, n, 128):
        call(ep, "/v3/kv/txn", {"success": ops[i:i + 128]})
    t_put = time.time()
    t1 = None
    end = time.time() + 30
    while time.time() < end:
        with m.cv:
            got = sum(1 for k in range(n) if lease(10000 + k)[0] in m.seen)
            if got == n:
                t1 = max(m.seen[lease(10000 + k)[0]] for k in range(n))
                break
            m.cv.wait(0.05)
    m.stop()
    print(json.dumps({"n": n, "put_s": t_put - t0, "programmed_s": (t1 - t0) if t1 else None,
                      "last": last}))


def script(n, dev, ul):
    """ip -batch and bridge -batch input programming the bulk state by hand."""
    neigh, fdb, route = [], [], []
    for k in range(n):
        subnet, mac, ip, _ = lease(10000 + k)
        neigh.append("neigh replace %s lladdr %s dev %s nud permanent" % (subnet, mac, dev))
        fdb.append("fdb replace %s dev %s dst %s self permanent" % (mac, dev, ip))
        route.append("route replace %s/24 via %s dev %s onlink proto 76" % (subnet, subnet, dev))
    with open(ul + ".ip-neigh", "w") as f:
        f.write("\n".join(neigh) + "\n")
    with open(ul + ".bridge", "w") as f:
        f.write("\n".join(fdb) + "\n")
    with open(ul + ".ip-route", "w") as f:
        f.write("\n".join(route) + "\n")


if __name__ == "__main__":
    cmd = sys.argv[1]
    if cmd == "converge":
        converge(sys.argv[2], sys.argv[3], sys.argv[4], int(sys.argv[5]))
    elif cmd == "bulk":
        bulk(sys.argv[2], sys.argv[3], sys.argv[4], int(sys.argv[5]))
    elif cmd == "script":
        script(int(sys.argv[2]), sys.argv[3], sys.argv[4])
