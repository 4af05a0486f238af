#!/usr/bin/python3
# SPDX-License-Identifier: Apache-2.0
# Wrap a root filesystem tarball into a one-layer image archive in the
# "docker save" format, which `ctr images import` reads, so the containerd
# test has a sandbox ("pause") image without any registry access.
#
# usage: mkimage.py ROOTFS.tar IMAGE-REF OUT.tar CMD [ARG...]
import hashlib
import io
import json
import sys
import tarfile


def add_bytes(tar, name, data):
	info = tarfile.TarInfo(name)
	info.size = len(data)
	info.mode = 0o644
	tar.addfile(info, io.BytesIO(data))


def main(argv):
	if len(argv) < 5:
		sys.stderr.write("usage: mkimage.py ROOTFS.tar IMAGE-REF OUT.tar CMD [ARG...]\n")
		return 2
	rootfs, ref, out, cmd = argv[1], argv[2], argv[3], argv[4:]
	with open(rootfs, "rb") as f:
		layer = f.read()
	# The config names the uncompressed layer by its digest (diff_id).
	diff_id = "sha256:" + hashlib.sha256(layer).hexdigest()
	config = {
		"architecture": "amd64",
		"os": "linux",
		"config": {"Cmd": cmd, "Env": ["PATH=/bin"], "WorkingDir": "/"},
		"rootfs": {"type": "layers", "diff_ids": [diff_id]},
		"history": [{"created_by": "linen test/integration/runtimes/mkimage.py"}],
	}
	config_data = json.dumps(config, sort_keys=True).encode()
	config_name = hashlib.sha256(config_data).hexdigest() + ".json"
	manifest = [{"Config": config_name, "RepoTags": [ref], "Layers": ["layer.tar"]}]
	with tarfile.open(out, "w") as tar:
		add_bytes(tar, config_name, config_data)
		add_bytes(tar, "layer.tar", layer)
		add_bytes(tar, "manifest.json", json.dumps(manifest).encode())
	return 0


if __name__ == "__main__":
	sys.exit(main(sys.argv))
