#!/usr/bin/python3
# SPDX-License-Identifier: Apache-2.0
# Structural checks of deploy/kubernetes/kube-linen.yml against what
# flannel's kube-flannel.yml provides and what the linen image ships:
# the object kinds, the ConfigMap's two JSON documents, the DaemonSet's
# host network, capabilities, probes, host paths, and that every command
# it runs exists in the staged image tree given as second argument.
#
# usage: check-manifest.py MANIFEST STAGED-ROOT
import json
import os
import sys

import yaml


def fail(msg):
	sys.stderr.write("check-manifest: %s\n" % msg)
	sys.exit(1)


def main(argv):
	manifest, root = argv[1], argv[2]
	with open(manifest) as f:
		docs = [d for d in yaml.safe_load_all(f) if d]
	kinds = sorted(d["kind"] for d in docs)
	want = sorted(["Namespace", "ServiceAccount", "ClusterRole", "ClusterRoleBinding",
		       "ConfigMap", "DaemonSet"])
	if kinds != want:
		fail("kinds %s, want %s" % (kinds, want))
	by_kind = {d["kind"]: d for d in docs}
	ns = by_kind["Namespace"]["metadata"]["name"]
	for d in docs:
		if d["kind"] in ("ServiceAccount", "ConfigMap", "DaemonSet") and \
				d["metadata"].get("namespace") != ns:
			fail("%s not in namespace %s" % (d["kind"], ns))

	data = by_kind["ConfigMap"]["data"]
	cni = json.loads(data["cni-conf.json"])
	types = [p["type"] for p in cni["plugins"]]
	if types != ["flannel", "portmap"]:
		fail("cni-conf.json plugins %s" % types)
	if cni["plugins"][1].get("capabilities") != {"portMappings": True}:
		fail("portmap without the portMappings capability")
	net = json.loads(data["net-conf.json"])
	if "Network" not in net or net.get("Backend", {}).get("Type") != "vxlan":
		fail("net-conf.json %s" % net)

	spec = by_kind["DaemonSet"]["spec"]["template"]["spec"]
	if not spec.get("hostNetwork"):
		fail("DaemonSet without hostNetwork")
	cm_name = by_kind["ConfigMap"]["metadata"]["name"]
	vols = {v["name"]: v for v in spec["volumes"]}
	paths = {v["hostPath"]["path"] for v in vols.values() if "hostPath" in v}
	for p in ("/opt/cni/bin", "/etc/cni/net.d", "/run/flannel"):
		if p not in paths:
			fail("no hostPath volume for %s" % p)
	if vols.get("linen-cfg", {}).get("configMap", {}).get("name") != cm_name:
		fail("config volume does not name ConfigMap %s" % cm_name)

	inits = {c["name"]: c for c in spec["initContainers"]}
	if "install-cni" not in inits:
		fail("no install-cni init container")
	mounts = {m["name"]: m["mountPath"] for m in inits["install-cni"]["volumeMounts"]}
	if "cni-plugin" not in mounts or "cni" not in mounts:
		fail("install-cni does not mount the host CNI dirs")

	(linend,) = spec["containers"]
	caps = linend["securityContext"]["capabilities"]["add"]
	if sorted(caps) != ["NET_ADMIN", "NET_RAW"] or linend["securityContext"].get("privileged"):
		fail("linend capabilities %s" % caps)
	env = {e["name"]: e.get("value") for e in linend.get("env", [])}
	port = int(env.get("HEALTHZ_PORT", "0"))
	probes = {k: linend[k]["httpGet"] for k in ("livenessProbe", "readinessProbe")}
	if probes["livenessProbe"]["path"] != "/healthz" or \
			probes["readinessProbe"]["path"] != "/readyz":
		fail("probes %s" % probes)
	for p in probes.values():
		if p["port"] != port:
			fail("probe port %s, linend's healthz port %s" % (p["port"], port))

	# kube mode as kube-flannel.yml: the kube subnet manager, the pod's name
	# and namespace from the downward API, flannel's RBAC
	if env.get("LINEND_DATASTORE") != "kube":
		fail("linend not in kube mode (LINEND_DATASTORE=%s)" % env.get("LINEND_DATASTORE"))
	refs = {e["name"]: e.get("valueFrom", {}).get("fieldRef", {}).get("fieldPath")
		for e in linend.get("env", [])}
	if refs.get("POD_NAME") != "metadata.name" or \
			refs.get("POD_NAMESPACE") != "metadata.namespace":
		fail("POD_NAME/POD_NAMESPACE not from the downward API: %s" % refs)
	rules = sorted((tuple(r["resources"]), tuple(sorted(r["verbs"])))
		       for r in by_kind["ClusterRole"]["rules"])
	if rules != [(("nodes",), ("get", "list", "watch")), (("nodes/status",), ("patch",)),
		     (("pods",), ("get",))]:
		fail("ClusterRole rules %s, want flannel's" % rules)

	for c in list(inits.values()) + [linend]:
		for m in c.get("volumeMounts", []):
			if m["name"] not in vols:
				fail("%s mounts unknown volume %s" % (c["name"], m["name"]))
		cmd = c["command"][0]
		path = os.path.join(root, cmd.lstrip("/"))
		if not os.access(path, os.X_OK):
			fail("%s runs %s, not in the image tree" % (c["name"], cmd))
	print("check-manifest: %d objects ok" % len(docs))
	return 0


if __name__ == "__main__":
	sys.exit(main(sys.argv))
