#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Proof that test/integration/kube-double.bats can fail: break one behaviour of the double
# at a time (a text replacement in a copy of apiserver.py) and run the tests that should notice. Each
# line below must make its tests fail; a mutation they miss is reported as SURVIVED.
# Usage: test/kube/mutate.sh [NAME...]   (as root, like the bats suite; a few minutes)
set -uo pipefail
top=$(cd "$(dirname "$0")/../.." && pwd)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# name | text in apiserver.py | its replacement (\n for a newline) | bats -f filter
mutations=(
	'conditions-replaced|("status", "conditions"): "type"|("status", "conditions"): None|patch_node_status|/usr/bin/kubectl'
	'status-writes-spec|if sub == "status":|if sub == "never":|patch_node_status'
	'no-bookmarks|bookmarks = self.q.get("allowWatchBookmarks") in ("1", "true", "True")|bookmarks = False|bookmarks'
	'no-410|if cursor < st.compacted:|if False:|410'
	'merge-null-kept|        if v is None:\n            out.pop(k, None)\n        else:|        if False:\n            out.pop(k, None)\n        else:|/usr/bin/kubectl'
	'labels-ignored|def labels_match(reqs, labels):|def labels_match(reqs, labels):\n    return True|selectors'
	'fields-ignored|def fields_match(reqs, obj):|def fields_match(reqs, obj):\n    return True|fieldSelector'
	'limit-ignored|if limit and len(items) > limit:|if False:|continue'
	'no-auth|raise ApiError(401, "Unauthorized")|return|tokens'
	'readonly-writes|if self.readonly and verb in WRITE_VERBS:|if False:|read-only'
	'token-file-cached|if self.args.token_file:|if self.args.token_file and not hasattr(self, "_tf"):\n            self._tf = 1|token file'
	'no-selector-delete|typ = "DELETED"|continue|watch selectors'
	'netpol-generation|gen += 1|gen += 0|networkpolicies'
	'json-patch-replace-noop|elif kind == "replace":|elif kind == "replace" and False:|/usr/bin/kubectl'
	'rv-decimal|return "rv-%06d-x" % n|return str(n)|opaque'
	'no-state|        if not self.state_dir:\n            return\n        os.makedirs|        if True:\n            return\n        os.makedirs|state-dir'
	'no-faults|f["count"] -= 1|continue|faults'
	'no-partial-event|self.chunk(b'"'"'{"type":"MODIFIED","object":{"kind":"'"'"')|pass|faults'
	'list-no-ns-filter|if k[0] == res and (not ns or k[1] == ns))|if k[0] == res)|nodeName'
	'no-watch-replay|if rv and rv != "0":\n                    try:|if False:\n                    try:|replays history'
	'no-openapi-v2|if p == "/openapi/v2":|if p == "/openapi/v2-off":|1.27'
	'no-table|return "as=Table" in|return False and "as=Table" in|1.33'
	'no-latency|time.sleep(lat)|pass|faults'
	'no-table-watch|if table and ev["type"] in|if False and ev["type"] in|get --watch'
	'no-conflict-on-stale-rv|if rv_given is not None and rv_given != old|if False and rv_given != old|Status objects'
)

want=("$@")
survived=0
for m in "${mutations[@]}"; do
	IFS='|' read -r name old new filter extra <<<"$m"
	if [ ${#want[@]} -gt 0 ] && [[ " ${want[*]} " != *" $name "* ]]; then
		continue
	fi
	cp "$top/test/kube/apiserver.py" "$tmp/apiserver.py"
	OLD=$old NEW=$new python3 -c '
import os, sys
p = sys.argv[1]
s = open(p).read()
old, new = (os.environ[k].replace("\\n", "\n") for k in ("OLD", "NEW"))
if old not in s:
    sys.exit(1)
open(p, "w").write(s.replace(old, new, 1))' "$tmp/apiserver.py"
	if cmp -s "$top/test/kube/apiserver.py" "$tmp/apiserver.py"; then
		echo "BAD      $name (the mutation changed nothing)"
		survived=$((survived + 1))
		continue
	fi
	python3 -m py_compile "$tmp/apiserver.py" || { echo "BAD      $name (does not compile)"; survived=$((survived + 1)); continue; }
	f=$filter
	[ -n "${extra:-}" ] && f="$filter|$extra"
	out=$(KUBE_DOUBLE=$tmp/apiserver.py bats --tap -f "$f" "$top/test/integration/kube-double.bats" 2>&1)
	n=$(grep -c '^not ok' <<<"$out")
	t=$(grep -c '^\(not \)\?ok' <<<"$out")
	if [ "$n" -gt 0 ]; then
		echo "KILLED   $name: $n of $t tests failed ($(grep '^not ok' <<<"$out" | head -1 | cut -c1-70))"
	else
		echo "SURVIVED $name: $t tests ran, none failed"
		survived=$((survived + 1))
	fi
done
echo "$survived mutation(s) survived"
[ "$survived" -eq 0 ]
