#!/usr/bin/python3
# SPDX-License-Identifier: Apache-2.0
# A tiny CRI client, standing in for the kubelet in the containerd test: it
# speaks runtime.v1.RuntimeService over containerd's unix socket with stubs
# compiled at run time from cri-api.proto by Debian's python3-grpc-tools.
#
# usage: cri-client.py [OPTIONS] SOCKET version
#        cri-client.py [OPTIONS] SOCKET run NAME UID NAMESPACE [HOSTPORT:PORT ...]
#        cri-client.py [OPTIONS] SOCKET status|stop|remove SANDBOX-ID
# options: --gen DIR (where to keep the compiled stubs),
#          --cgroup-parent PATH (cgroup parent of a new sandbox),
#          --annotation KEY=VALUE (on a new sandbox; repeatable)
# Prints JSON on stdout; a gRPC error goes to stderr with exit status 1.
import json
import os
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))


def load_stubs(gen):
	"""Compile the proto into gen (once) and import the generated modules."""
	if not os.path.exists(os.path.join(gen, "cri_api_pb2_grpc.py")):
		os.makedirs(gen, exist_ok=True)
		subprocess.run([sys.executable, "-m", "grpc_tools.protoc", "-I" + HERE,
				"--python_out=" + gen, "--grpc_python_out=" + gen,
				os.path.join(HERE, "cri-api.proto")], check=True)
	sys.path.insert(0, gen)
	import cri_api_pb2
	import cri_api_pb2_grpc
	return cri_api_pb2, cri_api_pb2_grpc


def main(argv):
	args = argv[1:]
	gen = None
	cgroup_parent = ""
	annotations = {}
	while len(args) >= 2 and args[0] in ("--gen", "--cgroup-parent", "--annotation"):
		if args[0] == "--gen":
			gen = args[1]
		elif args[0] == "--cgroup-parent":
			cgroup_parent = args[1]
		else:
			k, _, v = args[1].partition("=")
			annotations[k] = v
		args = args[2:]
	if len(args) < 2:
		sys.stderr.write("cri-client: bad command line\n")
		return 2
	sock, cmd, rest = args[0], args[1], args[2:]
	if gen is None:
		gen = tempfile.mkdtemp(prefix="cri-gen.")
	pb, pb_grpc = load_stubs(gen)
	import grpc

	channel = grpc.insecure_channel("unix://" + os.path.abspath(sock))
	rt = pb_grpc.RuntimeServiceStub(channel)
	# Sandbox start runs the CNI ADD chain; give it time on a loaded machine.
	timeout = 120
	try:
		if cmd == "version":
			r = rt.Version(pb.VersionRequest(version="v1"), timeout=timeout)
			out = {"runtime_name": r.runtime_name, "runtime_version": r.runtime_version,
			       "runtime_api_version": r.runtime_api_version}
		elif cmd == "run" and len(rest) >= 3:
			name, uid, ns = rest[:3]
			ports = []
			for spec in rest[3:]:
				host, cont = spec.split(":")
				ports.append(pb.PortMapping(protocol=pb.TCP, host_port=int(host),
							    container_port=int(cont)))
			cfg = pb.PodSandboxConfig(
				metadata=pb.PodSandboxMetadata(name=name, uid=uid, namespace=ns),
				hostname=name,
				port_mappings=ports,
				labels={"linen-test": name},
				annotations=annotations,
				linux=pb.LinuxPodSandboxConfig(
					cgroup_parent=cgroup_parent,
					security_context=pb.LinuxSandboxSecurityContext(
						namespace_options=pb.NamespaceOption(
							network=pb.POD, pid=pb.POD, ipc=pb.POD))))
			r = rt.RunPodSandbox(pb.RunPodSandboxRequest(config=cfg), timeout=timeout)
			out = {"id": r.pod_sandbox_id}
		elif cmd == "status" and len(rest) == 1:
			r = rt.PodSandboxStatus(pb.PodSandboxStatusRequest(pod_sandbox_id=rest[0],
									   verbose=True),
						timeout=timeout)
			s = r.status
			out = {"id": s.id, "state": pb.PodSandboxState.Name(s.state),
			       "ip": s.network.ip,
			       "additional_ips": [p.ip for p in s.network.additional_ips],
			       "info": {k: json.loads(v) for k, v in r.info.items()}}
		elif cmd == "stop" and len(rest) == 1:
			rt.StopPodSandbox(pb.StopPodSandboxRequest(pod_sandbox_id=rest[0]),
					  timeout=timeout)
			out = {}
		elif cmd == "remove" and len(rest) == 1:
			rt.RemovePodSandbox(pb.RemovePodSandboxRequest(pod_sandbox_id=rest[0]),
					    timeout=timeout)
			out = {}
		else:
			sys.stderr.write("cri-client: bad command line\n")
			return 2
	except grpc.RpcError as e:
		sys.stderr.write("cri-client: %s: %s: %s\n" % (cmd, e.code().name, e.details()))
		return 1
	json.dump(out, sys.stdout)
	sys.stdout.write("\n")
	return 0


if __name__ == "__main__":
	sys.exit(main(sys.argv))
