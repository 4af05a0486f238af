# SPDX-License-Identifier: Apache-2.0
# cluster.sh - build a multi-node linen overlay out of network namespaces.
#
# Sourced by demo/run.sh and by the integration tests. A "cluster" is:
#   <P>-ul            the underlay: one bridge (br0) every node is plugged into,
#                     and the etcd server (on the bridge's address)
#   <P>-n<i>          node i: eth0 on the underlay, linend, cni0 and the pods' veths
#   <P>-n<i>-p<j>     pod j on node i, made by cnitool with the flannel + portmap conflist
# Everything lives under $CL_STATE; every process started is recorded by PID in
# $CL_STATE/pids so cluster_down ends exactly those. Nothing touches the root netns.

CL_TOP=${CL_TOP:-$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)}
CL_BUILD=${CL_BUILD:-$CL_TOP/build}
CL_PREFIX=${CL_PREFIX:-linen-demo}
CL_STATE=${CL_STATE:-/run/$CL_PREFIX}
CL_UNDERLAY=${CL_UNDERLAY:-192.168.213}   # /24 inside the underlay namespace only
CL_NETWORK=${CL_NETWORK:-10.244.0.0/16}
CL_BACKEND=${CL_BACKEND:-vxlan}
CL_ETCD_PORT=${CL_ETCD_PORT:-23790}
CL_ETCD_PEER_PORT=${CL_ETCD_PEER_PORT:-23800}
CL_ETCD_IP=$CL_UNDERLAY.254
CL_ETCD=http://$CL_ETCD_IP:$CL_ETCD_PORT
CL_PREFIX_KEY=${CL_PREFIX_KEY:-/coreos.com/network}
# CL_DATASTORE=kube: the Kubernetes API server double ($CL_TOP/test/kube/apiserver.py) on the
# underlay address instead of etcd, over TLS with a token from a kubeconfig file
CL_API_PORT=${CL_API_PORT:-6443}
CL_API=https://$CL_ETCD_IP:$CL_API_PORT
CL_KUBECONFIG=${CL_KUBECONFIG:-$CL_STATE/kubeconfig}

cl_log() { printf '%s\n' "$*" >&2; }
cl_ul() { echo "$CL_PREFIX-ul"; }
cl_node() { echo "$CL_PREFIX-n$1"; }
cl_pod() { echo "$CL_PREFIX-n$1-p$2"; }

cl_record_pid() { echo "$1" >>"$CL_STATE/pids"; }

# A directory with every plugin we built, for CNI_PATH.
cl_cni_bin() {
	local dir=$CL_STATE/cni-bin f
	if [ ! -d "$dir" ]; then
		mkdir -p "$dir"
		for f in "$CL_BUILD"/plugins/*/*; do
			[ -f "$f" ] && [ -x "$f" ] && ln -sf "$f" "$dir/$(basename "$f")"
		done
	fi
	echo "$dir"
}

cl_etcdctl() {
	ip netns exec "$(cl_ul)" env ETCDCTL_API=3 etcdctl --endpoints="$CL_ETCD" "$@"
}

cluster_underlay_up() {
	local ul
	ul=$(cl_ul)
	mkdir -p "$CL_STATE"
	: >"$CL_STATE/pids"
	# The portmap and firewall plugins keep their host-wide lock files in /run/linen: if the
	# cluster is the first to make it, cluster_down removes it again.
	[ -d /run/linen ] || : >"$CL_STATE/made-run-linen"
	ip netns add "$ul"
	ip -n "$ul" link set lo up
	ip -n "$ul" link add br0 type bridge
	ip -n "$ul" addr add "$CL_ETCD_IP/24" dev br0
	ip -n "$ul" link set br0 up
}

cluster_etcd_up() {
	local ul pid i
	ul=$(cl_ul)
	mkdir -p "$CL_STATE/etcd"
	ip netns exec "$ul" etcd --name "$CL_PREFIX" --data-dir "$CL_STATE/etcd" \
		--listen-client-urls "$CL_ETCD" --advertise-client-urls "$CL_ETCD" \
		--listen-peer-urls "http://$CL_ETCD_IP:$CL_ETCD_PEER_PORT" \
		--initial-advertise-peer-urls "http://$CL_ETCD_IP:$CL_ETCD_PEER_PORT" \
		--initial-cluster "$CL_PREFIX=http://$CL_ETCD_IP:$CL_ETCD_PEER_PORT" \
		>"$CL_STATE/etcd.log" 2>&1 &
	pid=$!
	cl_record_pid "$pid"
	echo "$pid" >"$CL_STATE/etcd.pid"
	for i in $(seq 100); do
		cl_etcdctl endpoint health >/dev/null 2>&1 && return 0
		sleep 0.1
	done
	cl_log "etcd did not start; see $CL_STATE/etcd.log"
	return 1
}

# cluster_kube_up: a CA, the server's certificate, the double, the kubeconfig, net-conf.json
cluster_kube_up() {
	local k=$CL_STATE/kube pid i
	mkdir -p "$k"
	CL_API=https://$CL_ETCD_IP:$CL_API_PORT
	CL_KUBE_TOKEN=${CL_KUBE_TOKEN:-linen-$RANDOM$RANDOM}
	openssl req -x509 -newkey rsa:2048 -nodes -days 1 -subj /CN=linen-test-ca \
		-keyout "$k/ca.key" -out "$k/ca.pem" 2>/dev/null
	openssl req -newkey rsa:2048 -nodes -subj /CN=kube-apiserver \
		-keyout "$k/srv.key" -out "$k/srv.csr" 2>/dev/null
	printf 'subjectAltName=IP:%s\n' "$CL_ETCD_IP" >"$k/ext"
	openssl x509 -req -in "$k/srv.csr" -CA "$k/ca.pem" -CAkey "$k/ca.key" -CAcreateserial \
		-days 1 -extfile "$k/ext" -out "$k/srv.pem" 2>/dev/null
	ip netns exec "$(cl_ul)" python3 "$CL_TOP/test/kube/apiserver.py" --address "$CL_ETCD_IP" \
		--port "$CL_API_PORT" --tls-cert "$k/srv.pem" --tls-key "$k/srv.key" \
		--token "$CL_KUBE_TOKEN" ${CL_API_ARGS:-} >"$CL_STATE/api.log" 2>&1 &
	pid=$!
	cl_record_pid "$pid"
	echo "$pid" >"$CL_STATE/api.pid"
	cat >"$CL_KUBECONFIG" <<KC
apiVersion: v1
kind: Config
clusters:
- name: linen
  cluster:
    server: $CL_API
    certificate-authority: $k/ca.pem
users:
- name: linend
  user:
    token: $CL_KUBE_TOKEN
contexts:
- name: linen
  context: {cluster: linen, user: linend}
current-context: linen
KC
	for i in $(seq 100); do
		cl_kapi GET /api/v1/nodes >/dev/null 2>&1 && return 0
		sleep 0.1
	done
	cl_log "the API server double did not start; see $CL_STATE/api.log"
	return 1
}

# cl_kapi <method> <path> [body] [content-type]: a request to the double with the token
cl_kapi() {
	ip netns exec "$(cl_ul)" curl -sSf --cacert "$CL_STATE/kube/ca.pem" \
		-H "Authorization: Bearer $CL_KUBE_TOKEN" -X "$1" \
		${3:+-H "Content-Type: ${4:-application/json}" --data "$3"} "$CL_API$2"
}

# cluster_kube_config <backend>: net-conf.json, the file linend reads in kube mode
cluster_kube_config() {
	printf '{"Network":"%s","Backend":{"Type":"%s"}}\n' "$CL_NETWORK" "${1:-$CL_BACKEND}" \
		>"$CL_STATE/net-conf.json"
}

# cluster_kube_node <name> <podCIDR>: a Node object, as the controller manager assigns it
cluster_kube_node() {
	cl_kapi POST /api/v1/nodes "{\"apiVersion\":\"v1\",\"kind\":\"Node\",\"metadata\":{\"name\":\"$1\"},\"spec\":{\"podCIDR\":\"$2\",\"podCIDRs\":[\"$2\"]}}" >/dev/null
}

cluster_config_put() {
	local backend=${1:-$CL_BACKEND}
	cl_etcdctl put "$CL_PREFIX_KEY/config" \
		"{\"Network\":\"$CL_NETWORK\",\"Backend\":{\"Type\":\"$backend\"}}" >/dev/null
}

# cluster_node_up <i>: node namespace plugged into the underlay, linend started.
cluster_node_up() {
	local i=$1 ns ul dir pid
	ns=$(cl_node "$i")
	ul=$(cl_ul)
	dir=$CL_STATE/n$i
	mkdir -p "$dir/net.d" "$dir/cache" "$dir/ipam" "$dir/flannel"
	ip netns add "$ns"
	ip -n "$ns" link set lo up
	ip link add "eth0" netns "$ns" type veth peer name "n$i" netns "$ul"
	ip -n "$ul" link set "n$i" master br0 up
	ip -n "$ns" addr add "$CL_UNDERLAY.$i/24" dev eth0
	ip -n "$ns" link set eth0 up
	ip -n "$ns" route add default via "$CL_ETCD_IP"
	ip netns exec "$ns" sysctl -qw net.ipv4.ip_forward=1
	cluster_linend_start "$i"
	cat >"$dir/net.d/10-flannel.conflist" <<CONF
{
  "name": "cbr0",
  "cniVersion": "0.3.1",
  "plugins": [
    {
      "type": "flannel",
      "subnetFile": "$dir/subnet.env",
      "dataDir": "$dir/flannel",
      "ipam": { "dataDir": "$dir/ipam" },
      "delegate": { "hairpinMode": true, "isDefaultGateway": true }
    },
    { "type": "portmap", "capabilities": { "portMappings": true } }
  ]
}
CONF
}

cluster_linend_start() {
	local i=$1 ns dir pid
	ns=$(cl_node "$i")
	dir=$CL_STATE/n$i
	local store=(--etcd-endpoints "$CL_ETCD" --etcd-prefix "$CL_PREFIX_KEY")
	# CL_DATASTORE=kube: the Kubernetes API (CL_KUBECONFIG), node i is Node "n<i>"
	if [ "${CL_DATASTORE:-etcd}" = kube ]; then
		store=(--kube-subnet-mgr --kubeconfig-file "$CL_KUBECONFIG"
			--net-config-path "$CL_STATE/net-conf.json")
	fi
	ip netns exec "$ns" env NODE_NAME="n$i" "$CL_BUILD/src/linend/linend" "${store[@]}" \
		--iface eth0 --subnet-file "$dir/subnet.env" --ip-masq \
		--healthz-ip 127.0.0.1 --healthz-port 8471 ${CL_LINEND_ARGS:-} \
		>>"$dir/linend.log" 2>&1 &
	pid=$!
	cl_record_pid "$pid"
	echo "$pid" >"$dir/linend.pid"
}

cluster_linend_stop() {
	local i=$1 pid
	pid=$(cat "$CL_STATE/n$i/linend.pid" 2>/dev/null) || return 0
	kill "$pid" 2>/dev/null
	for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
}

# Wait until node i has written subnet.env.
cluster_node_wait() {
	local i=$1 n
	for n in $(seq 150); do
		[ -s "$CL_STATE/n$i/subnet.env" ] && return 0
		sleep 0.1
	done
	cl_log "node $i: no subnet.env after 15 s; see $CL_STATE/n$i/linend.log"
	return 1
}

cl_cnitool() {
	local i=$1
	shift
	ip netns exec "$(cl_node "$i")" env NETCONFPATH="$CL_STATE/n$i/net.d" \
		CNI_PATH="$(cl_cni_bin)" LINEN_CNI_CACHE_DIR="$CL_STATE/n$i/cache" \
		"$CL_BUILD/src/cnitool/cnitool" "$@"
}

# cluster_pod_add <node> <pod> [CAP_ARGS json]: prints the pod's IPv4 address.
cluster_pod_add() {
	local i=$1 j=$2 caps=${3:-} pod out
	pod=$(cl_pod "$i" "$j")
	ip netns add "$pod"
	out=$(CAP_ARGS=$caps cl_cnitool "$i" add cbr0 "/run/netns/$pod") || {
		cl_log "pod $pod: cnitool add failed: $out"
		return 1
	}
	echo "$out" >"$CL_STATE/n$i/pod$j.json"
	jq -r '.ips[0].address' <<<"$out" | cut -d/ -f1
}

cluster_pod_del() {
	local i=$1 j=$2 caps=${3:-}
	CAP_ARGS=$caps cl_cnitool "$i" del cbr0 "/run/netns/$(cl_pod "$i" "$j")"
}

# True once pid has exited: gone, or a zombie its new parent has not reaped yet.
cl_gone() {
	local st
	st=$(awk '{print $3}' "/proc/$1/stat" 2>/dev/null) || return 0
	[ -z "$st" ] || [ "$st" = Z ] || [ "$st" = X ]
}

# Wait up to 5 s for pid to exit.
cl_wait_gone() {
	for _ in $(seq 50); do
		cl_gone "$1" && return 0
		sleep 0.1
	done
	return 1
}

# Remove every namespace with our prefix, every recorded process, the state.
cluster_down() {
	local pid pids ns
	if [ -f "$CL_STATE/pids" ]; then
		while read -r pid; do
			[ -n "$pid" ] && kill "$pid" 2>/dev/null
		done <"$CL_STATE/pids"
		sleep 0.3
		while read -r pid; do
			[ -n "$pid" ] && kill -9 "$pid" 2>/dev/null
		done <"$CL_STATE/pids"
		while read -r pid; do
			[ -n "$pid" ] && cl_wait_gone "$pid"
		done <"$CL_STATE/pids"
	fi
	# Processes started inside our namespaces that no PID file names (a server's children):
	# they would keep a namespace alive after its name is gone.
	for ns in $(ip netns list | awk '{print $1}' | grep -E "^$CL_PREFIX-(ul|n[0-9]+(-p[0-9]+)?)$"); do
		pids=$(ip netns pids "$ns" 2>/dev/null)
		for pid in $pids; do kill -9 "$pid" 2>/dev/null; done
		for pid in $pids; do cl_wait_gone "$pid"; done
		ip netns del "$ns" 2>/dev/null
	done
	if [ -f "$CL_STATE/made-run-linen" ]; then
		rm -f /run/linen/portmap.lock /run/linen/firewall.lock
		rmdir /run/linen 2>/dev/null
	fi
	case $CL_STATE in
	/run/*|/tmp/*) rm -rf "$CL_STATE" ;;
	esac
}
