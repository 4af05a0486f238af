#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# make demo-down: remove the demo's namespaces, processes (by recorded PID) and etcd data.
set -uo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
CL_PREFIX=${CL_PREFIX:-linen-demo}
CL_STATE=${CL_STATE:-/run/$CL_PREFIX}
source "$top/demo/cluster.sh"
cluster_down
echo "demo removed"
