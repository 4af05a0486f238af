#!/usr/bin/python3
# SPDX-License-Identifier: Apache-2.0
"""The official Python client (python3-kubernetes) against the API server double.

pyclient.py KUBECONFIG CHECK: runs one check and prints what the client saw, one fact a
line, for test/integration/kube-double.bats to assert on. It asserts nothing itself.
"""

import json
import sys

from kubernetes import client, config, watch
from kubernetes.client.rest import ApiException


def node(name, labels=None, cidr="10.244.1.0/24"):
    return {"apiVersion": "v1", "kind": "Node",
            "metadata": {"name": name, "labels": labels or {}}, "spec": {"podCIDR": cidr}}


def check_list(v1):
    for n in ("a1", "a2", "a3"):
        v1.create_node(node(n, {"role": "x" if n != "a3" else "y"}))
    lst = v1.list_node()
    print("kind", lst.kind)
    print("names", ",".join(i.metadata.name for i in lst.items))
    print("list-rv-set", bool(lst.metadata.resource_version))
    print("uid-set", all(bool(i.metadata.uid) for i in lst.items))
    print("created-set", all(i.metadata.creation_timestamp is not None for i in lst.items))
    sel = v1.list_node(label_selector="role=x")
    print("selected", ",".join(i.metadata.name for i in sel.items))
    fsel = v1.list_node(field_selector="metadata.name=a2")
    print("field-selected", ",".join(i.metadata.name for i in fsel.items))
    page = v1.list_node(limit=2)
    print("page1", ",".join(i.metadata.name for i in page.items))
    print("remaining", page.metadata.remaining_item_count)
    page2 = v1.list_node(limit=2, _continue=page.metadata._continue)
    print("page2", ",".join(i.metadata.name for i in page2.items))
    print("page2-continue", page2.metadata._continue)


def check_watch(v1):
    start = v1.list_node().metadata.resource_version
    # history before the watch starts: replayed from `start`
    v1.create_node(node("w0"))
    v1.patch_node("w0", {"metadata": {"labels": {"k": "v"}}})
    v1.delete_node("w0")
    v1.create_node(node("w1"))
    w = watch.Watch()
    for ev in w.stream(v1.list_node, resource_version=start, allow_watch_bookmarks=True,
                       timeout_seconds=4):
        raw = ev["raw_object"]
        print("event", ev["type"], raw["metadata"].get("name", "-"),
              "rv-set" if raw["metadata"].get("resourceVersion") else "rv-missing")
        if ev["type"] == "ADDED" and raw["metadata"]["name"] == "w1":
            v1.patch_node("w1", {"metadata": {"labels": {"k": "v"}}})
        elif ev["type"] == "MODIFIED" and raw["metadata"]["name"] == "w1":
            v1.delete_node("w1")
        elif ev["type"] == "BOOKMARK":
            print("bookmark-keys", ",".join(sorted(raw["metadata"])))
            w.stop()


def check_expired(v1):
    old = v1.list_node().metadata.resource_version
    for i in range(5):
        v1.create_node(node("e%d" % i))
    try:
        for ev in watch.Watch().stream(v1.list_node, resource_version=old, timeout_seconds=3):
            print("event", ev["type"])
    except ApiException as e:
        print("ApiException", e.status)
        print("reason", e.reason)


def check_status_patch(v1):
    v1.create_node(node("s1"))
    ann = {"flannel.alpha.coreos.com/backend-type": "vxlan",
           "flannel.alpha.coreos.com/kube-subnet-manager": "true"}
    v1.patch_node_status("s1", {"metadata": {"annotations": ann}})
    v1.patch_node_status("s1", {"status": {"conditions": [
        {"type": "Ready", "status": "False", "reason": "Starting"},
        {"type": "MemoryPressure", "status": "False"}]}})
    v1.patch_node_status("s1", {"status": {"conditions": [
        {"type": "NetworkUnavailable", "status": "False", "reason": "FlannelIsUp",
         "message": "Flannel is running on this node"},
        {"type": "Ready", "status": "True"}]},
        "spec": {"podCIDR": "10.99.0.0/24"}})
    n = v1.read_node("s1")
    for c in n.status.conditions:
        print("condition", c.type, c.status, c.reason)
    print("annotations", json.dumps(n.metadata.annotations, sort_keys=True))
    print("podCIDR", n.spec.pod_cidr)
    v1.patch_node_status("s1", {"metadata": {"annotations": {
        "flannel.alpha.coreos.com/backend-type": None}}})
    print("after-null", json.dumps(v1.read_node("s1").metadata.annotations, sort_keys=True))


def check_pod(v1):
    v1.create_namespace({"metadata": {"name": "kube-flannel"}})
    pod = {"metadata": {"name": "kube-flannel-ds-x"},
           "spec": {"nodeName": "n7", "containers": [{"name": "c", "image": "flannel"}]}}
    v1.create_namespaced_pod("kube-flannel", pod)
    v1.create_namespaced_pod("kube-flannel", {"metadata": {"name": "other"}, "spec": {
        "nodeName": "n8", "containers": [{"name": "c", "image": "x"}]}})
    p = v1.read_namespaced_pod("kube-flannel-ds-x", "kube-flannel")
    print("nodeName", p.spec.node_name)
    print("namespace", p.metadata.namespace)
    on7 = v1.list_pod_for_all_namespaces(field_selector="spec.nodeName=n7")
    print("on-n7", ",".join(i.metadata.name for i in on7.items))
    v1.create_namespaced_pod("default", {"metadata": {"name": "elsewhere"}, "spec": {
        "nodeName": "n7", "containers": [{"name": "c", "image": "x"}]}})
    in_ns = v1.list_namespaced_pod("kube-flannel")
    print("in-kube-flannel", ",".join(i.metadata.name for i in in_ns.items))
    on7 = v1.list_pod_for_all_namespaces(field_selector="spec.nodeName=n7")
    print("on-n7-all", ",".join("%s/%s" % (i.metadata.namespace, i.metadata.name) for i in on7.items))
    ns = v1.read_namespace("kube-flannel")
    print("ns-label", ns.metadata.labels.get("kubernetes.io/metadata.name"))
    try:
        v1.read_namespaced_pod("nope", "kube-flannel")
    except ApiException as e:
        print("missing", e.status, json.loads(e.body)["reason"])


def check_netpol(v1):
    net = client.NetworkingV1Api()
    start = net.list_network_policy_for_all_namespaces().metadata.resource_version
    pol = {"apiVersion": "networking.k8s.io/v1", "kind": "NetworkPolicy",
           "metadata": {"name": "deny-all"},
           "spec": {"podSelector": {"matchLabels": {"app": "db"}},
                    "egress": [{"to": [{"ipBlock": {"cidr": "10.0.0.0/8"}}]}]}}
    created = net.create_namespaced_network_policy("default", pol)
    print("generation", created.metadata.generation)
    print("policyTypes", ",".join(created.spec.policy_types))
    lst = net.list_namespaced_network_policy("default")
    print("listed", ",".join(i.metadata.name for i in lst.items))
    net.patch_namespaced_network_policy("deny-all", "default",
                                        {"spec": {"podSelector": {"matchLabels": {"app": "web"}}}})
    for ev in watch.Watch().stream(net.list_network_policy_for_all_namespaces,
                                   resource_version=start, timeout_seconds=2):
        o = ev["object"]
        print("event", ev["type"], o.metadata.name, o.metadata.generation,
              json.dumps(o.spec.pod_selector.match_labels))


def check_opaque(v1):
    lst = v1.list_node()
    print("list-rv", lst.metadata.resource_version)
    v1.create_node(node("o1"))
    for ev in watch.Watch().stream(v1.list_node, resource_version=lst.metadata.resource_version,
                                   timeout_seconds=2):
        print("event", ev["type"], ev["raw_object"]["metadata"]["resourceVersion"])


def main():
    config.load_kube_config(sys.argv[1])
    v1 = client.CoreV1Api()
    globals()["check_" + sys.argv[2]](v1)


if __name__ == "__main__":
    main()
