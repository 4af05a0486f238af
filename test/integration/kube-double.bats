#!/usr/bin/env bats
# SPDX-License-Identifier: Apache-2.0
# The Kubernetes API server double (test/kube/apiserver.py), held honest by real clients:
# every kubectl on the machine (1.27 to 1.33) and the official Python client
# (python3-kubernetes). Each test starts its own double over TLS on 127.0.0.1 (port 0: the
# kernel picks a free one, read back from the ready line), with a CA and server cert made by
# openssl in the test's tmpdir, and ends it by PID in teardown.

load helpers

# KUBE_DOUBLE: another copy of the double (test/kube/mutate.sh runs broken ones)
DOUBLE=${KUBE_DOUBLE:-${LINEN_TOP}/test/kube/apiserver.py}
PYCLIENT=${LINEN_TOP}/test/kube/pyclient.py
KDIR=/usr/lib/google-cloud-sdk/bin

setup_file() {
	local d=$BATS_FILE_TMPDIR
	openssl req -x509 -newkey rsa:2048 -nodes -keyout "$d/ca.key" -out "$d/ca.crt" \
		-days 2 -subj /CN=kube-double-ca 2>/dev/null
	openssl req -newkey rsa:2048 -nodes -keyout "$d/srv.key" -out "$d/srv.csr" \
		-subj /CN=kube-apiserver 2>/dev/null
	printf 'subjectAltName=IP:127.0.0.1,DNS:localhost\n' >"$d/ext"
	openssl x509 -req -in "$d/srv.csr" -CA "$d/ca.crt" -CAkey "$d/ca.key" -CAcreateserial \
		-out "$d/srv.crt" -days 2 -extfile "$d/ext" 2>/dev/null
}

setup() {
	T=$BATS_TEST_TMPDIR
	CA=$BATS_FILE_TMPDIR/ca.crt
	[ -s "$CA" ] || skip "openssl made no CA"
}

teardown() {
	linen_teardown
}

# double_start [apiserver.py options...]: start the double (TLS, token "tok"), set PORT, URL
# and KUBECONFIG (a kubeconfig with the CA's data and the token).
double_start() {
	/usr/bin/python3 "$DOUBLE" --port 0 --tls-cert "$BATS_FILE_TMPDIR/srv.crt" \
		--tls-key "$BATS_FILE_TMPDIR/srv.key" --token tok "$@" >"$T/double.out" 2>"$T/double.err" &
	DOUBLE_PID=$!
	track "$DOUBLE_PID"
	wait_for 20 grep -q '^apiserver-double: listening on https://127.0.0.1:[0-9]*$' "$T/double.out"
	PORT=$(sed -n 's/^apiserver-double: listening on https:\/\/127.0.0.1:\([0-9]*\)$/\1/p' "$T/double.out")
	URL=https://127.0.0.1:$PORT
	kubeconfig "$T/kubeconfig" tok
	export KUBECONFIG=$T/kubeconfig
}

# kubeconfig FILE TOKEN
kubeconfig() {
	cat >"$1" <<-EOF
		apiVersion: v1
		kind: Config
		clusters:
		- name: double
		  cluster:
		    server: $URL
		    certificate-authority-data: $(base64 -w0 "$CA")
		users:
		- name: u
		  user:
		    token: $2
		contexts:
		- name: c
		  context:
		    cluster: double
		    user: u
		current-context: c
	EOF
}

# kc: curl the double with the token and the CA (a watch the double fails to end ends in 20 s)
kc() {
	curl -sS --max-time 20 --cacert "$CA" -H 'Authorization: Bearer tok' "$@"
}

# ctl: the control endpoint
ctl() {
	curl -sS --cacert "$CA" -X POST "$URL/_double/$1"
}

node_json() {
	printf '{"apiVersion":"v1","kind":"Node","metadata":{"name":"%s","labels":{"node-role.kubernetes.io/worker":""}},"spec":{"podCIDR":"10.244.%s.0/24"}}\n' "$1" "$2"
}

# json_count_at_least FILE N: FILE holds at least N whole JSON values
json_count_at_least() {
	[ "$(jq -s length "$1" 2>/dev/null)" -ge "$2" ]
}

# lines_at_least FILE N
lines_at_least() {
	[ "$(wc -l <"$1")" -ge "$2" ]
}

py() {
	/usr/bin/python3 "$PYCLIENT" "$KUBECONFIG" "$@"
}

need_pyclient() {
	/usr/bin/python3 -c 'import kubernetes' 2>/dev/null || skip "python3-kubernetes not installed"
}

# The kubectl commands both features' tests rely on, for one kubectl binary.
kubectl_suite() {
	local K=$1
	[ -x "$K" ] || skip "$K not installed"
	double_start
	node_json n1 1 >"$T/n1.json"

	run "$K" create -f "$T/n1.json"
	[ "$status" -eq 0 ]
	[ "$output" = "node/n1 created" ]

	run "$K" get nodes -o json
	[ "$status" -eq 0 ]
	[ "$(jq -r .kind <<<"$output")" = List ]
	[ "$(jq -r '.items[0].metadata.name' <<<"$output")" = n1 ]
	[ "$(jq -r '.items[0].spec.podCIDR' <<<"$output")" = 10.244.1.0/24 ]

	run "$K" get node n1
	[ "$status" -eq 0 ]
	[[ "${lines[0]}" == "NAME "*"STATUS "*"ROLES "*"AGE"* ]]
	[[ "${lines[1]}" == "n1 "*"Unknown "*"worker "* ]]

	run "$K" patch node n1 --subresource=status --type=strategic \
		-p '{"status":{"conditions":[{"type":"Ready","status":"False","reason":"Starting"},{"type":"MemoryPressure","status":"False"}]}}'
	[ "$status" -eq 0 ]
	run "$K" patch node n1 --subresource=status --type=strategic \
		-p '{"status":{"conditions":[{"type":"Ready","status":"True"},{"type":"NetworkUnavailable","status":"False","reason":"FlannelIsUp"}]},"spec":{"podCIDR":"10.9.9.0/24"}}'
	[ "$status" -eq 0 ]
	[ "$output" = "node/n1 patched" ]
	run "$K" get node n1 -o json
	[ "$status" -eq 0 ]
	[ "$(jq -c '[.status.conditions[] | [.type, .status, .reason]]' <<<"$output")" = '[["Ready","True","Starting"],["MemoryPressure","False",null],["NetworkUnavailable","False","FlannelIsUp"]]' ]
	[ "$(jq -r .spec.podCIDR <<<"$output")" = 10.244.1.0/24 ]

	run "$K" get node n1
	[ "$status" -eq 0 ]
	[[ "${lines[1]}" == "n1 "*"Ready "*"worker "* ]]

	run "$K" patch node n1 --type=merge -p '{"metadata":{"annotations":{"a":"1","b":"2"}}}'
	[ "$status" -eq 0 ]
	run "$K" patch node n1 --type=merge -p '{"metadata":{"annotations":{"a":null}}}'
	[ "$status" -eq 0 ]
	run "$K" patch node n1 --type=json -p '[{"op":"add","path":"/metadata/labels/zone","value":"z1"},{"op":"replace","path":"/spec/podCIDR","value":"10.244.7.0/24"}]'
	[ "$status" -eq 0 ]
	run "$K" get node n1 -o json
	[ "$status" -eq 0 ]
	[ "$(jq -c .metadata.annotations <<<"$output")" = '{"b":"2"}' ]
	[ "$(jq -r '.metadata.labels.zone' <<<"$output")" = z1 ]
	[ "$(jq -r .spec.podCIDR <<<"$output")" = 10.244.7.0/24 ]

	run kc "$URL/_double/requests"
	[ "$status" -eq 0 ]
	[ "$(jq -r '[.[] | select(.method == "PATCH" and .path == "/api/v1/nodes/n1/status")][0].content_type' <<<"$output")" = application/strategic-merge-patch+json ]
	[ "$(jq -r '[.[] | select(.method == "PATCH" and .path == "/api/v1/nodes/n1")][0].content_type' <<<"$output")" = application/merge-patch+json ]
	[ "$(jq -r '[.[] | select(.method == "PATCH" and .path == "/api/v1/nodes/n1")][-1].content_type' <<<"$output")" = application/json-patch+json ]

	run "$K" get nodes -l zone=z1 -o name
	[ "$status" -eq 0 ]
	[ "$output" = node/n1 ]
	run "$K" get nodes -l zone=z2 -o name
	[ "$status" -eq 0 ]
	[ "$output" = "" ]

	run "$K" get --raw /api/v1/nodes
	[ "$status" -eq 0 ]
	[ "$(jq -r .kind <<<"$output")" = NodeList ]
	[ "$(jq -r .apiVersion <<<"$output")" = v1 ]
	[ -n "$(jq -r .metadata.resourceVersion <<<"$output")" ]

	run "$K" create -f "$T/n1.json"
	[ "$status" -ne 0 ]
	[[ "$output" == *'(AlreadyExists)'*'nodes "n1" already exists'* ]]

	run "$K" delete node n1
	[ "$status" -eq 0 ]
	[ "$output" = 'node "n1" deleted' ]

	run "$K" get node n1
	[ "$status" -ne 0 ]
	[[ "$output" == *'(NotFound)'*'nodes "n1" not found'* ]]

	# the wrong token: kubectl shows the 401
	kubeconfig "$T/bad.kubeconfig" wrong
	run "$K" --kubeconfig "$T/bad.kubeconfig" get nodes
	[ "$status" -ne 0 ]
	[[ "$output" == *Unauthorized* ]]
}

@test "kube-double: ready line, TLS, discovery, /version, Status objects for 401 404 409 415 422" {
	double_start
	run kc "$URL/version"
	[ "$status" -eq 0 ]
	[ "$(jq -r .major <<<"$output")" = 1 ]
	run kc "$URL/apis/networking.k8s.io/v1"
	[ "$status" -eq 0 ]
	[ "$(jq -r '.resources[] | select(.name == "networkpolicies") | .namespaced' <<<"$output")" = true ]
	run kc "$URL/api/v1"
	[ "$status" -eq 0 ]
	[ "$(jq -r '[.resources[].name] | join(",")' <<<"$output")" = nodes,nodes/status,pods,pods/status,namespaces,namespaces/status ]

	run curl -sS --cacert "$CA" -w '\n%{http_code}' "$URL/api/v1/nodes"
	[ "$status" -eq 0 ]
	[ "${lines[1]}" = 401 ]
	[ "$(jq -r .reason <<<"${lines[0]}")" = Unauthorized ]
	[ "$(jq -r .kind <<<"${lines[0]}")" = Status ]

	run kc -w '\n%{http_code}' "$URL/api/v1/nodes/nope"
	[ "$status" -eq 0 ]
	[ "${lines[1]}" = 404 ]
	[ "$(jq -c '[.status, .reason, .message, .details.name, .details.kind]' <<<"${lines[0]}")" = '["Failure","NotFound","nodes \"nope\" not found","nope","nodes"]' ]

	run kc -w '\n%{http_code}' -X POST -H 'Content-Type: application/json' -d '{"kind":"Node","apiVersion":"v1","metadata":{}}' "$URL/api/v1/nodes"
	[ "$status" -eq 0 ]
	[ "${lines[1]}" = 422 ]
	[ "$(jq -r .reason <<<"${lines[0]}")" = Invalid ]
	[ "$(jq -r '.details.causes[0].field' <<<"${lines[0]}")" = metadata.name ]

	node_json n1 1 >"$T/n1.json"
	run kc -w '\n%{http_code}' -X POST -H 'Content-Type: application/json' -d @"$T/n1.json" "$URL/api/v1/nodes"
	[ "$status" -eq 0 ]
	[ "${lines[1]}" = 201 ]
	[ "$(jq -r .metadata.resourceVersion <<<"${lines[0]}")" != null ]
	run kc -w '\n%{http_code}' -X POST -H 'Content-Type: application/json' -d @"$T/n1.json" "$URL/api/v1/nodes"
	[ "$status" -eq 0 ]
	[ "${lines[1]}" = 409 ]
	[ "$(jq -r .reason <<<"${lines[0]}")" = AlreadyExists ]

	run kc -w '\n%{http_code}' -X PATCH -H 'Content-Type: application/apply-patch+cbor' -d '{}' "$URL/api/v1/nodes/n1"
	[ "$status" -eq 0 ]
	[ "${lines[1]}" = 415 ]
	[ "$(jq -r .reason <<<"${lines[0]}")" = UnsupportedMediaType ]

	run kc -w '\n%{http_code}' -X PATCH -H 'Content-Type: application/json-patch+json' -d '[{"op":"test","path":"/spec/podCIDR","value":"1.2.3.0/24"}]' "$URL/api/v1/nodes/n1"
	[ "$status" -eq 0 ]
	[ "${lines[1]}" = 422 ]

	run kc -w '\n%{http_code}' -X PUT -H 'Content-Type: application/json' -d '{"kind":"Node","apiVersion":"v1","metadata":{"name":"n1","resourceVersion":"1"}}' "$URL/api/v1/nodes/n1"
	[ "$status" -eq 0 ]
	[ "${lines[1]}" = 409 ]
	[ "$(jq -r .reason <<<"${lines[0]}")" = Conflict ]
}

@test "kube-double: kubectl 1.27 get, create, patch (strategic status, merge, json), delete, errors" {
	kubectl_suite "$KDIR/kubectl.1.27"
}

@test "kube-double: kubectl 1.28" {
	kubectl_suite "$KDIR/kubectl.1.28"
}

@test "kube-double: kubectl 1.29" {
	kubectl_suite "$KDIR/kubectl.1.29"
}

@test "kube-double: kubectl 1.30" {
	kubectl_suite "$KDIR/kubectl.1.30"
}

@test "kube-double: kubectl 1.31" {
	kubectl_suite "$KDIR/kubectl.1.31"
}

@test "kube-double: kubectl 1.32" {
	kubectl_suite "$KDIR/kubectl.1.32"
}

@test "kube-double: kubectl 1.33" {
	kubectl_suite "$KDIR/kubectl.1.33"
}

@test "kube-double: /usr/bin/kubectl" {
	kubectl_suite /usr/bin/kubectl
}

@test "kube-double: kubectl get --watch sees ADDED, MODIFIED and DELETED; --chunk-size pages" {
	[ -x /usr/bin/kubectl ] || skip "no kubectl"
	double_start
	for i in 1 2 3 4 5; do
		node_json "n$i" "$i" >"$T/n$i.json"
		run kubectl create -f "$T/n$i.json"
		[ "$status" -eq 0 ]
	done
	run kubectl get nodes --chunk-size=2 -o name
	[ "$status" -eq 0 ]
	[ "$(tr '\n' ' ' <<<"$output")" = "node/n1 node/n2 node/n3 node/n4 node/n5 " ]
	run kc "$URL/_double/requests"
	[ "$status" -eq 0 ]
	[ "$(jq '[.[] | select(.path == "/api/v1/nodes" and (.query | test("continue=")))] | length' <<<"$output")" -eq 2 ]

	kubectl get nodes --watch -o json >"$T/watch.out" 2>"$T/watch.err" &
	local wpid=$!
	track "$wpid"
	# and the default output: server-side Tables over the watch
	kubectl get nodes --watch >"$T/twatch.out" 2>"$T/twatch.err" &
	local tpid=$!
	track "$tpid"
	wait_for 10 grep -q '"name": "n5"' "$T/watch.out"
	wait_for 10 grep -q '^n5 ' "$T/twatch.out"
	run kubectl label node n1 color=blue
	[ "$status" -eq 0 ]
	run kubectl delete node n2
	[ "$status" -eq 0 ]
	wait_for 10 json_count_at_least "$T/watch.out" 7
	wait_for 10 lines_at_least "$T/twatch.out" 8
	kill "$wpid"
	kill "$tpid"
	run cat "$T/twatch.out"
	[ "$status" -eq 0 ]
	[ "${#lines[@]}" -eq 8 ]
	[[ "${lines[0]}" == "NAME "*"STATUS "*"ROLES "*"AGE "*"VERSION"* ]]
	[[ "${lines[6]}" == "n1 "*"Unknown "*"worker "* ]]
	[[ "${lines[7]}" == "n2 "*"Unknown "*"worker "* ]]
	# 5 from the list, the label and the delete: 7 objects
	run jq -s 'length' "$T/watch.out"
	[ "$status" -eq 0 ]
	[ "$output" -eq 7 ]
	run jq -rs '.[5].metadata.labels.color' "$T/watch.out"
	[ "$status" -eq 0 ]
	[ "$output" = blue ]
	run jq -rs '.[6].metadata.name' "$T/watch.out"
	[ "$status" -eq 0 ]
	[ "$output" = n2 ]
}

@test "kube-double: tokens: read-only gets 403 on writes, a token file is re-read per request" {
	[ -x /usr/bin/kubectl ] || skip "no kubectl"
	echo "filetok" >"$T/tokens"
	double_start --token-readonly rotok --token-file "$T/tokens"
	node_json n1 1 >"$T/n1.json"
	kubeconfig "$T/ro.kubeconfig" rotok
	run kubectl --kubeconfig "$T/ro.kubeconfig" get nodes
	[ "$status" -eq 0 ]
	run kubectl --kubeconfig "$T/ro.kubeconfig" create -f "$T/n1.json"
	[ "$status" -ne 0 ]
	[[ "$output" == *'(Forbidden)'*'cannot create resource "nodes"'* ]]

	kubeconfig "$T/file.kubeconfig" filetok
	run kubectl --kubeconfig "$T/file.kubeconfig" create -f "$T/n1.json"
	[ "$status" -eq 0 ]
	echo "newtok" >"$T/tokens"
	run kubectl --kubeconfig "$T/file.kubeconfig" get nodes
	[ "$status" -ne 0 ]
	[[ "$output" == *Unauthorized* ]]
	kubeconfig "$T/new.kubeconfig" newtok
	run kubectl --kubeconfig "$T/new.kubeconfig" get node n1 -o name
	[ "$status" -eq 0 ]
	[ "$output" = node/n1 ]
}

@test "kube-double: python client: list, selectors, limit and continue" {
	need_pyclient
	double_start
	run py list
	[ "$status" -eq 0 ]
	[ "${lines[0]}" = "kind NodeList" ]
	[ "${lines[1]}" = "names a1,a2,a3" ]
	[ "${lines[2]}" = "list-rv-set True" ]
	[ "${lines[3]}" = "uid-set True" ]
	[ "${lines[4]}" = "created-set True" ]
	[ "${lines[5]}" = "selected a1,a2" ]
	[ "${lines[6]}" = "field-selected a2" ]
	[ "${lines[7]}" = "page1 a1,a2" ]
	[ "${lines[8]}" = "remaining 1" ]
	[ "${lines[9]}" = "page2 a3" ]
	[ "${lines[10]}" = "page2-continue None" ]
}

@test "kube-double: python client: watch from a resourceVersion replays history, with bookmarks" {
	need_pyclient
	double_start --bookmark-interval 1
	run py watch
	[ "$status" -eq 0 ]
	[ "${lines[0]}" = "event ADDED w0 rv-set" ]
	[ "${lines[1]}" = "event MODIFIED w0 rv-set" ]
	[ "${lines[2]}" = "event DELETED w0 rv-set" ]
	[ "${lines[3]}" = "event ADDED w1 rv-set" ]
	[ "${lines[4]}" = "event MODIFIED w1 rv-set" ]
	[ "${lines[5]}" = "event DELETED w1 rv-set" ]
	[ "${lines[6]}" = "event BOOKMARK - rv-set" ]
	[ "${lines[7]}" = "bookmark-keys creationTimestamp,resourceVersion" ]
}

@test "kube-double: python client: a resourceVersion older than the history is 410 Expired" {
	need_pyclient
	double_start --history 3
	run py expired
	[ "$status" -eq 0 ]
	[ "${lines[0]}" = "ApiException 410" ]
	[[ "${lines[1]}" == "reason Expired: too old resource version: "* ]]
}

@test "kube-double: python client: patch_node_status merges conditions by type, ignores spec" {
	need_pyclient
	double_start
	run py status_patch
	[ "$status" -eq 0 ]
	[ "${lines[0]}" = "condition Ready True Starting" ]
	[ "${lines[1]}" = "condition MemoryPressure False None" ]
	[ "${lines[2]}" = "condition NetworkUnavailable False FlannelIsUp" ]
	[ "${lines[3]}" = 'annotations {"flannel.alpha.coreos.com/backend-type": "vxlan", "flannel.alpha.coreos.com/kube-subnet-manager": "true"}' ]
	[ "${lines[4]}" = "podCIDR 10.244.1.0/24" ]
	[ "${lines[5]}" = 'after-null {"flannel.alpha.coreos.com/kube-subnet-manager": "true"}' ]
	run kc "$URL/_double/requests"
	[ "$status" -eq 0 ]
	[ "$(jq -r '[.[] | select(.method == "PATCH")][0].content_type' <<<"$output")" = application/strategic-merge-patch+json ]
	[ "$(jq -r '[.[] | select(.method == "PATCH")][0].body' <<<"$output" | jq -c .)" = '{"metadata":{"annotations":{"flannel.alpha.coreos.com/backend-type":"vxlan","flannel.alpha.coreos.com/kube-subnet-manager":"true"}}}' ]
}

@test "kube-double: python client: read_namespaced_pod gives spec.nodeName; fieldSelector on pods" {
	need_pyclient
	double_start
	run py pod
	[ "$status" -eq 0 ]
	[ "${lines[0]}" = "nodeName n7" ]
	[ "${lines[1]}" = "namespace kube-flannel" ]
	[ "${lines[2]}" = "on-n7 kube-flannel-ds-x" ]
	[ "${lines[3]}" = "in-kube-flannel kube-flannel-ds-x,other" ]
	[ "${lines[4]}" = "on-n7-all default/elsewhere,kube-flannel/kube-flannel-ds-x" ]
	[ "${lines[5]}" = "ns-label kube-flannel" ]
	[ "${lines[6]}" = "missing 404 NotFound" ]
}

@test "kube-double: python client: networkpolicies create, list, patch, watch (NetworkingV1Api)" {
	need_pyclient
	double_start
	run py netpol
	[ "$status" -eq 0 ]
	[ "${lines[0]}" = "generation 1" ]
	[ "${lines[1]}" = "policyTypes Ingress,Egress" ]
	[ "${lines[2]}" = "listed deny-all" ]
	[ "${lines[3]}" = 'event ADDED deny-all 1 {"app": "db"}' ]
	[ "${lines[4]}" = 'event MODIFIED deny-all 2 {"app": "web"}' ]
}

@test "kube-double: --rv-style=opaque: clients pass the versions back untouched" {
	need_pyclient
	double_start --rv-style opaque
	run py opaque
	[ "$status" -eq 0 ]
	[[ "${lines[0]}" =~ ^list-rv\ rv-[0-9]{6}-x$ ]]
	[[ "${lines[1]}" =~ ^event\ ADDED\ rv-[0-9]{6}-x$ ]]
	run kc -w '\n%{http_code}' "$URL/api/v1/nodes?resourceVersion=12&resourceVersionMatch=NotOlderThan"
	[ "$status" -eq 0 ]
	[ "${lines[1]}" = 400 ]
}

@test "kube-double: watch selectors: a label change in or out of the selector is ADDED or DELETED" {
	double_start
	node_json n1 1 >"$T/n1.json"
	run kc -X POST -H 'Content-Type: application/json' -d @"$T/n1.json" "$URL/api/v1/nodes"
	[ "$status" -eq 0 ]
	rv=$(jq -r .metadata.resourceVersion <<<"$output")
	run kc -X PATCH -H 'Content-Type: application/merge-patch+json' -d '{"metadata":{"labels":{"sel":"yes"}}}' "$URL/api/v1/nodes/n1"
	[ "$status" -eq 0 ]
	run kc -X PATCH -H 'Content-Type: application/merge-patch+json' -d '{"metadata":{"labels":{"sel":"no"}}}' "$URL/api/v1/nodes/n1"
	[ "$status" -eq 0 ]
	run kc "$URL/api/v1/watch/nodes?resourceVersion=$rv&labelSelector=sel%3Dyes&timeoutSeconds=1"
	[ "$status" -eq 0 ]
	[ "${#lines[@]}" -eq 2 ]
	[ "$(jq -r .type <<<"${lines[0]}")" = ADDED ]
	[ "$(jq -r .type <<<"${lines[1]}")" = DELETED ]
	[ "$(jq -r .object.metadata.labels.sel <<<"${lines[1]}")" = yes ]
}

@test "kube-double: faults: next N requests fail, watches broken mid-event, latency, compaction gives 410" {
	double_start
	node_json n1 1 >"$T/n1.json"
	run kc -X POST -H 'Content-Type: application/json' -d @"$T/n1.json" "$URL/api/v1/nodes"
	[ "$status" -eq 0 ]
	rv=$(jq -r .metadata.resourceVersion <<<"$output")

	run ctl 'fail?verb=patch&path=/api/v1/nodes/*&code=500&count=2'
	[ "$status" -eq 0 ]
	for code in 500 500 200; do
		run kc -o /dev/null -w '%{http_code}' -X PATCH -H 'Content-Type: application/merge-patch+json' -d '{"metadata":{"labels":{"x":"y"}}}' "$URL/api/v1/nodes/n1/status"
		[ "$status" -eq 0 ]
		[ "$output" = "$code" ]
	done
	run ctl 'fail?verb=list&code=403&count=1&reason=Forbidden'
	[ "$status" -eq 0 ]
	run kc -w '\n%{http_code}' "$URL/api/v1/nodes"
	[ "$status" -eq 0 ]
	[ "${lines[1]}" = 403 ]
	[ "$(jq -r .reason <<<"${lines[0]}")" = Forbidden ]

	kc -N "$URL/api/v1/nodes?watch=1&resourceVersion=$rv" >"$T/w.out" 2>"$T/w.err" &
	local cpid=$!
	track "$cpid"
	run kc -X PATCH -H 'Content-Type: application/merge-patch+json' -d '{"metadata":{"labels":{"x":"z"}}}' "$URL/api/v1/nodes/n1"
	[ "$status" -eq 0 ]
	wait_for 10 grep -q '"x":"z"' "$T/w.out"
	run ctl 'break-watches?mid=1'
	[ "$status" -eq 0 ]
	wait_for 10 proc_gone "$cpid"
	run tail -n 1 "$T/w.out"
	[ "$status" -eq 0 ]
	[ "$output" = '{"type":"MODIFIED","object":{"kind":"' ]

	run ctl 'latency?ms=400'
	[ "$status" -eq 0 ]
	run kc -o /dev/null -w '%{time_total}' "$URL/api/v1/nodes"
	[ "$status" -eq 0 ]
	[ "$(awk -v t="$output" 'BEGIN { print (t >= 0.4) }')" = 1 ]
	run ctl clear-faults
	[ "$status" -eq 0 ]

	run ctl compact
	[ "$status" -eq 0 ]
	run kc "$URL/api/v1/nodes?watch=1&resourceVersion=$rv"
	[ "$status" -eq 0 ]
	[ "$(jq -r .type <<<"$output")" = ERROR ]
	[ "$(jq -r .object.code <<<"$output")" = 410 ]
	[ "$(jq -r .object.reason <<<"$output")" = Expired ]
}

@test "kube-double: --seed and --state-dir: objects survive a restart of the double" {
	printf '[%s,{"apiVersion":"v1","kind":"Pod","metadata":{"name":"p","namespace":"kube-system"},"spec":{"nodeName":"s1","containers":[{"name":"c","image":"i"}]}}]\n' \
		"$(node_json s1 5)" >"$T/seed.json"
	double_start --seed "$T/seed.json" --state-dir "$T/state"
	run kc "$URL/api/v1/namespaces/kube-system/pods/p"
	[ "$status" -eq 0 ]
	[ "$(jq -r .spec.nodeName <<<"$output")" = s1 ]
	run kc -X PATCH -H 'Content-Type: application/strategic-merge-patch+json' -d '{"metadata":{"annotations":{"k":"v"}}}' "$URL/api/v1/nodes/s1/status"
	[ "$status" -eq 0 ]
	rv=$(jq -r .metadata.resourceVersion <<<"$output")
	kill "$DOUBLE_PID"
	wait_for 10 proc_gone "$DOUBLE_PID"
	double_start --state-dir "$T/state"
	run kc "$URL/api/v1/nodes/s1"
	[ "$status" -eq 0 ]
	[ "$(jq -r .metadata.annotations.k <<<"$output")" = v ]
	[ "$(jq -r .metadata.resourceVersion <<<"$output")" = "$rv" ]
	run kc "$URL/api/v1/nodes?watch=1&resourceVersion=1"
	[ "$status" -eq 0 ]
	[ "$(jq -r .object.code <<<"$output")" = 410 ]
}
