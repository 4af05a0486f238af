#!/usr/bin/python3
# SPDX-License-Identifier: Apache-2.0
"""A Kubernetes API server double for linen's tests (standard library only).

Serves core/v1 nodes (+status), pods (+status), namespaces (+status) and
networking.k8s.io/v1 networkpolicies: list, get, create, update, patch (merge,
strategic merge, JSON patch), delete and watch (bookmarks, timeouts, 410 Expired),
bearer-token auth, TLS, the discovery kubectl needs, server-side Tables for
kubectl's default output, and a test-only control endpoint under /_double/ for
fault injection and the request log. See test/kube/README.md.
"""

import argparse
import base64
import copy
import datetime
import json
import os
import random
import re
import socket
import ssl
import string
import sys
import threading
import time
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

# --------------------------------------------------------------------------- resources

RESOURCES = {
    "nodes": dict(group="", version="v1", kind="Node", namespaced=False, status=True,
                  short=["no"], singular="node"),
    "pods": dict(group="", version="v1", kind="Pod", namespaced=True, status=True,
                 short=["po"], singular="pod", categories=["all"]),
    "namespaces": dict(group="", version="v1", kind="Namespace", namespaced=False,
                       status=True, short=["ns"], singular="namespace"),
    "networkpolicies": dict(group="networking.k8s.io", version="v1", kind="NetworkPolicy",
                            namespaced=True, status=False, short=["netpol"],
                            singular="networkpolicy"),
}
KIND_TO_RES = {r["kind"]: name for name, r in RESOURCES.items()}
VERBS = ["create", "delete", "get", "list", "patch", "update", "watch"]
WRITE_VERBS = {"create", "update", "patch", "delete"}

# strategic merge: patchMergeKey of the lists the double knows (path as a tuple of keys,
# list items skipped); a list not here is replaced, as for a list without a merge key
MERGE_KEYS = {
    ("status", "conditions"): "type",
    ("status", "addresses"): "type",
    ("status", "images"): None,
    ("spec", "taints"): "key",
    ("spec", "containers"): "name",
    ("spec", "initContainers"): "name",
    ("spec", "containers", "ports"): "containerPort",
    ("spec", "containers", "env"): "name",
    ("spec", "volumes"): "name",
    ("spec", "tolerations"): None,
    ("metadata", "ownerReferences"): "uid",
}
MERGE_PRIMITIVE = {("metadata", "finalizers"), ("spec", "finalizers")}


def api_version(res):
    r = RESOURCES[res]
    return r["version"] if not r["group"] else "%s/%s" % (r["group"], r["version"])


def now_rfc3339():
    return datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


# --------------------------------------------------------------------------- errors


class ApiError(Exception):
    REASONS = {400: "BadRequest", 401: "Unauthorized", 403: "Forbidden", 404: "NotFound",
               405: "MethodNotAllowed", 406: "NotAcceptable", 409: "Conflict", 410: "Expired",
               415: "UnsupportedMediaType", 422: "Invalid", 429: "TooManyRequests",
               500: "InternalError", 503: "ServiceUnavailable", 504: "Timeout"}

    def __init__(self, code, message, reason=None, details=None):
        super().__init__(message)
        self.code = code
        self.message = message
        self.reason = reason or self.REASONS.get(code, "")
        self.details = details

    def status(self):
        s = {"kind": "Status", "apiVersion": "v1", "metadata": {}, "status": "Failure",
             "message": self.message, "reason": self.reason, "code": self.code}
        if self.details:
            s["details"] = self.details
        return s


def not_found(res, name):
    return ApiError(404, '%s "%s" not found' % (res_qual(res), name),
                    details=details(res, name))


def res_qual(res):
    g = RESOURCES[res]["group"] if res in RESOURCES else ""
    return res + ("." + g if g else "")


def details(res, name):
    d = {"name": name, "kind": res}
    if RESOURCES.get(res, {}).get("group"):
        d["group"] = RESOURCES[res]["group"]
    return d


def invalid(res, name, field, reason, msg):
    kind = RESOURCES[res]["kind"]
    d = {"name": name, "kind": kind, "causes": [{"reason": reason, "message": msg, "field": field}]}
    if RESOURCES[res]["group"]:
        d["group"] = RESOURCES[res]["group"]
    return ApiError(422, '%s "%s" is invalid: %s: %s' % (kind, name, field, msg), details=d)


# --------------------------------------------------------------------------- selectors

_LSEL_RE = re.compile(r"^\s*(!?)\s*([A-Za-z0-9._/-]+)\s*(?:(==|=|!=|\s+in\s+|\s+notin\s+)\s*(.*?))?\s*$")


def parse_label_selector(s):
    """[(key, op, values)], op in =, !=, in, notin, exists, !exists."""
    reqs = []
    if not s:
        return reqs
    parts, depth, cur = [], 0, ""
    for ch in s:
        if ch == "(":
            depth += 1
        elif ch == ")":
            depth -= 1
        if ch == "," and depth == 0:
            parts.append(cur)
            cur = ""
        else:
            cur += ch
    parts.append(cur)
    for p in parts:
        m = _LSEL_RE.match(p)
        if not m or (m.group(1) and m.group(3)):
            raise ApiError(400, "unable to parse requirement: %r" % p)
        neg, key, op, val = m.groups()
        if not op:
            reqs.append((key, "!exists" if neg else "exists", []))
            continue
        op = op.strip()
        if op in ("in", "notin"):
            val = val.strip()
            if not (val.startswith("(") and val.endswith(")")):
                raise ApiError(400, "unable to parse requirement: found '%s', expected: '('" % val)
            vals = [v.strip() for v in val[1:-1].split(",")]
            reqs.append((key, op, vals))
        else:
            reqs.append((key, "!=" if op == "!=" else "=", [val]))
    return reqs


def labels_match(reqs, labels):
    labels = labels or {}
    for key, op, vals in reqs:
        has = key in labels
        v = labels.get(key)
        if op == "exists" and not has:
            return False
        if op == "!exists" and has:
            return False
        if op == "=" and v != vals[0]:
            return False
        if op == "!=" and has and v == vals[0]:
            return False
        if op == "in" and (not has or v not in vals):
            return False
        if op == "notin" and has and v in vals:
            return False
    return True


FIELDS = {
    "nodes": {"metadata.name", "spec.unschedulable"},
    "pods": {"metadata.name", "metadata.namespace", "spec.nodeName", "spec.restartPolicy",
             "spec.schedulerName", "spec.serviceAccountName", "spec.hostNetwork",
             "status.phase", "status.podIP", "status.nominatedNodeName"},
    "namespaces": {"metadata.name", "status.phase"},
    "networkpolicies": {"metadata.name", "metadata.namespace"},
}


def parse_field_selector(res, s):
    reqs = []
    if not s:
        return reqs
    for p in s.split(","):
        m = re.match(r"^\s*([A-Za-z0-9._]+)\s*(==|=|!=)\s*(.*?)\s*$", p)
        if not m:
            raise ApiError(400, "invalid selector: '%s'; can't understand '%s'" % (s, p))
        key, op, val = m.groups()
        if key not in FIELDS[res]:
            raise ApiError(400, 'field label not supported: %s' % key)
        reqs.append((key, op != "!=", val))
    return reqs


def field_value(obj, key):
    cur = obj
    for k in key.split("."):
        cur = cur.get(k) if isinstance(cur, dict) else None
    if cur is None:
        return ""
    if isinstance(cur, bool):
        return "true" if cur else "false"
    return str(cur)


def fields_match(reqs, obj):
    for key, eq, val in reqs:
        if (field_value(obj, key) == val) != eq:
            return False
    return True


# --------------------------------------------------------------------------- patches


def merge_patch(target, patch):
    """RFC 7386."""
    if not isinstance(patch, dict):
        return copy.deepcopy(patch)
    if not isinstance(target, dict):
        target = {}
    out = dict(target)
    for k, v in patch.items():
        if v is None:
            out.pop(k, None)
        else:
            out[k] = merge_patch(out.get(k), v)
    return out


def strategic_merge(target, patch, path=()):
    """Strategic merge for the fields the double knows (MERGE_KEYS)."""
    if not isinstance(patch, dict):
        return copy.deepcopy(patch)
    if not isinstance(target, dict):
        target = {}
    if patch.get("$patch") == "replace":
        return {k: copy.deepcopy(v) for k, v in patch.items() if k != "$patch"}
    if patch.get("$patch") == "delete":
        return None
    out = dict(target)
    for k, v in patch.items():
        if k.startswith("$setElementOrder/") or k in ("$retainKeys", "$patch"):
            continue
        if k.startswith("$deleteFromPrimitiveList/"):
            key = k.split("/", 1)[1]
            out[key] = [x for x in out.get(key) or [] if x not in v]
            continue
        if v is None:
            out.pop(k, None)
            continue
        sub = path + (k,)
        if isinstance(v, list):
            mk = MERGE_KEYS.get(sub, "<replace>")
            if sub in MERGE_PRIMITIVE:
                cur = list(out.get(k) or [])
                for x in v:
                    if x not in cur:
                        cur.append(x)
                out[k] = cur
            elif mk not in (None, "<replace>") and isinstance(out.get(k), list):
                out[k] = merge_list(out[k], v, mk, sub)
            elif mk not in (None, "<replace>"):
                out[k] = [strategic_merge({}, x, sub) if isinstance(x, dict) else x
                          for x in v if not (isinstance(x, dict) and x.get("$patch") == "delete")]
            else:
                out[k] = copy.deepcopy(v)
        else:
            out[k] = strategic_merge(out.get(k), v, sub)
    return out


def merge_list(cur, patch, key, path):
    out = [copy.deepcopy(x) for x in cur]
    for item in patch:
        if not isinstance(item, dict) or key not in item:
            raise ApiError(400, "map: %s does not contain declared merge key: %s" % (item, key))
        idx = next((i for i, x in enumerate(out) if isinstance(x, dict) and x.get(key) == item[key]), None)
        if item.get("$patch") == "delete":
            if idx is not None:
                del out[idx]
            continue
        if idx is None:
            out.append(strategic_merge({}, item, path))
        else:
            out[idx] = strategic_merge(out[idx], item, path)
    return out


def _ptr(p):
    if p == "":
        return []
    if not p.startswith("/"):
        raise ApiError(422, "invalid JSON pointer %r" % p)
    return [t.replace("~1", "/").replace("~0", "~") for t in p[1:].split("/")]


def _walk(doc, toks):
    cur = doc
    for t in toks:
        if isinstance(cur, list):
            cur = cur[int(t)]
        elif isinstance(cur, dict):
            cur = cur[t]
        else:
            raise KeyError(t)
    return cur


def json_patch(doc, ops):
    """RFC 6902."""
    if not isinstance(ops, list):
        raise ApiError(400, "json patch is not a list of operations")
    doc = copy.deepcopy(doc)
    for op in ops:
        try:
            kind = op["op"]
            toks = _ptr(op["path"])
            if kind == "test":
                if _walk(doc, toks) != op["value"]:
                    raise ApiError(422, "testing value %s failed" % op["path"])
                continue
            if kind in ("move", "copy"):
                src = _ptr(op["from"])
                val = copy.deepcopy(_walk(doc, src))
                if kind == "move":
                    _remove(doc, src)
                doc = _add(doc, toks, val)
            elif kind == "add":
                doc = _add(doc, toks, copy.deepcopy(op["value"]))
            elif kind == "remove":
                _remove(doc, toks)
            elif kind == "replace":
                _walk(doc, toks)
                _remove(doc, toks)
                doc = _add(doc, toks, copy.deepcopy(op["value"]))
            else:
                raise ApiError(422, "unexpected kind of operation: %s" % kind)
        except (KeyError, IndexError, ValueError, TypeError) as e:
            raise ApiError(422, "the server rejected our request due to an error in our "
                           "request: doc is missing path: %s: %s" % (op.get("path"), e))
    return doc


def _add(doc, toks, val):
    if not toks:
        return val
    parent = _walk(doc, toks[:-1])
    last = toks[-1]
    if isinstance(parent, list):
        if last == "-":
            parent.append(val)
        else:
            i = int(last)
            if i < 0 or i > len(parent):
                raise IndexError(last)
            parent.insert(i, val)
    elif isinstance(parent, dict):
        parent[last] = val
    else:
        raise KeyError(last)
    return doc


def _remove(doc, toks):
    parent = _walk(doc, toks[:-1])
    if isinstance(parent, list):
        del parent[int(toks[-1])]
    else:
        del parent[toks[-1]]


# --------------------------------------------------------------------------- store


class Store:
    def __init__(self, history, rv_style, state_dir):
        self.cond = threading.Condition()
        self.objs = {}            # (res, ns, name) -> obj
        self.rv = 0
        self.history = []         # [(rv, res, type, obj, old)]
        self.history_max = history
        self.compacted = 0        # watches from an rv below this get 410
        self.rv_style = rv_style
        self.state_dir = state_dir
        self.break_gen = 0
        self.break_mid = False

    # resourceVersion rendering: opaque to clients
    def rv_str(self, n):
        if self.rv_style == "opaque":
            return "rv-%06d-x" % n
        return str(n)

    def rv_parse(self, s):
        if self.rv_style == "opaque":
            m = re.match(r"^rv-(\d+)-x$", s)
            if m:
                return int(m.group(1))
        elif re.match(r"^\d+$", s):
            return int(s)
        raise ApiError(400, 'Invalid value: "%s": resourceVersion: must be a resource version '
                       'issued by this server' % s)

    def next_rv(self):
        self.rv += 1
        return self.rv

    def record(self, res, typ, obj, old):
        self.history.append((self.rv, res, typ, copy.deepcopy(obj), copy.deepcopy(old)))
        while len(self.history) > self.history_max:
            self.compacted = self.history.pop(0)[0]
        self.cond.notify_all()
        self.save()

    def compact(self):
        with self.cond:
            self.history = []
            self.compacted = self.rv

    def save(self):
        if not self.state_dir:
            return
        os.makedirs(self.state_dir, exist_ok=True)
        tmp = os.path.join(self.state_dir, "state.json.tmp")
        with open(tmp, "w") as f:
            json.dump({"rv": self.rv, "objects": list(self.objs.values())}, f)
        os.rename(tmp, os.path.join(self.state_dir, "state.json"))

    def load(self):
        if not self.state_dir:
            return False
        p = os.path.join(self.state_dir, "state.json")
        if not os.path.exists(p):
            return False
        with open(p) as f:
            st = json.load(f)
        self.rv = st["rv"]
        self.compacted = self.rv
        for o in st["objects"]:
            res = KIND_TO_RES[o["kind"]]
            self.objs[(res, o["metadata"].get("namespace", ""), o["metadata"]["name"])] = o
        return True


# --------------------------------------------------------------------------- tables

def age(ts):
    try:
        t = datetime.datetime.strptime(ts, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=datetime.timezone.utc)
    except (TypeError, ValueError):
        return "<unknown>"
    s = int((datetime.datetime.now(datetime.timezone.utc) - t).total_seconds())
    if s < 120:
        return "%ds" % s
    if s < 7200:
        return "%dm" % (s // 60)
    return "%dh" % (s // 3600)


def table_columns(res):
    col = lambda n, t="string", p=0, d="": {"name": n, "type": t, "format": "name" if n == "Name" else "",
                                            "description": d, "priority": p}
    if res == "nodes":
        return [col("Name"), col("Status"), col("Roles"), col("Age"), col("Version"),
                col("Internal-IP", p=1), col("External-IP", p=1)]
    if res == "pods":
        return [col("Name"), col("Ready"), col("Status"), col("Restarts", "string"), col("Age"),
                col("IP", p=1), col("Node", p=1)]
    if res == "namespaces":
        return [col("Name"), col("Status"), col("Age")]
    return [col("Name"), col("Pod-Selector"), col("Age")]


def table_cells(res, o):
    md, st, sp = o.get("metadata", {}), o.get("status") or {}, o.get("spec") or {}
    name, a = md.get("name"), age(md.get("creationTimestamp"))
    if res == "nodes":
        ready = next((c for c in st.get("conditions") or [] if c.get("type") == "Ready"), None)
        s = "Unknown" if ready is None else ("Ready" if ready.get("status") == "True" else "NotReady")
        if sp.get("unschedulable"):
            s += ",SchedulingDisabled"
        roles = sorted(k.split("/", 1)[1] for k in (md.get("labels") or {})
                       if k.startswith("node-role.kubernetes.io/")) or ["<none>"]
        addr = lambda t: next((x.get("address") for x in st.get("addresses") or []
                               if x.get("type") == t), "<none>")
        return [name, s, ",".join(roles), a, (st.get("nodeInfo") or {}).get("kubeletVersion", ""),
                addr("InternalIP"), addr("ExternalIP")]
    if res == "pods":
        n = len(sp.get("containers") or [])
        return [name, "0/%d" % n, st.get("phase", ""), "0", a, st.get("podIP", "<none>"),
                sp.get("nodeName", "<none>")]
    if res == "namespaces":
        return [name, st.get("phase", ""), a]
    sel = (sp.get("podSelector") or {}).get("matchLabels") or {}
    return [name, ",".join("%s=%s" % kv for kv in sorted(sel.items())) or "<none>", a]


def to_table(res, objs, include, list_meta=None):
    rows = []
    for o in objs:
        if include == "Object":
            ro = o
        elif include == "None":
            ro = None
        else:
            ro = {"kind": "PartialObjectMetadata", "apiVersion": "meta.k8s.io/v1",
                  "metadata": o.get("metadata", {})}
        row = {"cells": table_cells(res, o)}
        if ro is not None:
            row["object"] = ro
        rows.append(row)
    return {"kind": "Table", "apiVersion": "meta.k8s.io/v1", "metadata": list_meta or {},
            "columnDefinitions": table_columns(res), "rows": rows}


# --------------------------------------------------------------------------- openapi

OPENAPI_HASH = "linen0double0openapi0v3"


def openapi_v3(group):
    """A minimal OpenAPI v3 document: the paths and their PATCH operations with the
    fieldValidation parameter (kubectl checks it to choose server-side validation);
    no schemas."""
    paths = {}
    qp = lambda n: {"name": n, "in": "query", "schema": {"type": "string", "uniqueItems": True}}
    params = [qp("dryRun"), qp("fieldManager"), qp("fieldValidation"), qp("force")]
    for res, r in RESOURCES.items():
        if r["group"] != group:
            continue
        gvk = {"group": r["group"], "version": r["version"], "kind": r["kind"]}
        base = "/api/v1" if not group else "/apis/%s/v1" % group
        coll = base + ("/namespaces/{namespace}/" if r["namespaced"] else "/") + res
        ops = lambda *verbs: {v: {"operationId": v + r["kind"], "x-kubernetes-action": v,
                                   "x-kubernetes-group-version-kind": gvk,
                                   "parameters": params if v in ("patch", "post", "put") else [],
                                   "responses": {"200": {"description": "OK"}}} for v in verbs}
        paths[coll] = ops("get", "post")
        paths[coll + "/{name}"] = ops("get", "put", "patch", "delete")
        if r["status"]:
            paths[coll + "/{name}/status"] = ops("get", "put", "patch")
    return {"openapi": "3.0.0", "info": {"title": "Kubernetes", "version": "v1.30.0"},
            "paths": paths, "components": {"schemas": {}}}


def _pb_varint(n):
    out = b""
    while True:
        b = n & 0x7F
        n >>= 7
        if n:
            out += bytes([b | 0x80])
        else:
            return out + bytes([b])


def _pb(field, value):
    """A length-delimited protobuf field (strings and messages are all the double needs)."""
    if isinstance(value, str):
        value = value.encode()
    return _pb_varint(field << 3 | 2) + _pb_varint(len(value)) + value


def openapi_v2_pb():
    """The OpenAPI v2 document as protobuf (gnostic openapi.v2.Document), only what kubectl
    1.27/1.28 read to decide on server-side field validation: every PATCH operation with its
    x-kubernetes-group-version-kind extension and the fieldValidation query parameter."""
    paths = b""
    for group in ("", "networking.k8s.io"):
        for path, item in openapi_v3(group)["paths"].items():
            pi = b""
            for verb, field in (("get", 2), ("put", 3), ("post", 4), ("delete", 5), ("patch", 8)):
                op = item.get(verb)
                if not op:
                    continue
                gvk = op["x-kubernetes-group-version-kind"]
                yaml = "group: %s\nkind: %s\nversion: %s\n" % (
                    json.dumps(gvk["group"]), gvk["kind"], gvk["version"])
                o = _pb(5, op["operationId"])
                for prm in op["parameters"]:
                    q = _pb(2, "query") + _pb(4, prm["name"]) + _pb(6, "string")
                    o += _pb(8, _pb(1, _pb(2, _pb(3, q))))
                o += _pb(9, _pb(1, _pb(1, "200") + _pb(2, _pb(1, _pb(1, "OK")))))
                o += _pb(13, _pb(1, "x-kubernetes-action") + _pb(2, _pb(2, verb + "\n")))
                o += _pb(13, _pb(1, "x-kubernetes-group-version-kind") + _pb(2, _pb(2, yaml)))
                pi += _pb(field, o)
            paths += _pb(2, _pb(1, path) + _pb(2, pi))
    return _pb(1, "2.0") + _pb(2, _pb(1, "Kubernetes") + _pb(2, "v1.30.0")) + _pb(8, paths)


# --------------------------------------------------------------------------- server


class Double:
    def __init__(self, args):
        self.args = args
        self.store = Store(args.history, args.rv_style, args.state_dir)
        self.lock = threading.Lock()
        self.log = []
        self.faults = []      # dicts: verb, path, code, count
        self.latency = 0.0
        self.tokens_rw = set(args.token or [])
        self.tokens_ro = set(args.token_readonly or [])

    # ---- auth
    def tokens(self):
        rw, ro = set(self.tokens_rw), set(self.tokens_ro)
        if self.args.token_file:
            try:
                with open(self.args.token_file) as f:
                    for line in f:
                        p = line.split()
                        if not p:
                            continue
                        (ro if len(p) > 1 and p[1] == "readonly" else rw).add(p[0])
            except OSError:
                pass
        return rw, ro

    def auth_enabled(self):
        return bool(self.tokens_rw or self.tokens_ro or self.args.token_file)


def make_handler(d):
    st = d.store

    class H(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"
        server_version = "linen-apiserver-double"

        def log_message(self, fmt, *a):
            if d.args.verbose:
                sys.stderr.write("apiserver-double: " + (fmt % a) + "\n")

        # ---- plumbing
        def send_json(self, code, obj, ctype="application/json"):
            body = json.dumps(obj, separators=(",", ":")).encode() + b"\n"
            self.send_response(code)
            self.send_header("Content-Type", ctype)
            self.send_header("Content-Length", str(len(body)))
            self.send_header("Cache-Control", "no-cache, private")
            self.end_headers()
            if self.command != "HEAD":
                self.wfile.write(body)
            self.entry["status"] = code

        def send_error_status(self, e):
            self.send_json(e.code, e.status())

        def read_body(self):
            n = int(self.headers.get("Content-Length") or 0)
            if n:
                return self.rfile.read(n)
            if "chunked" in (self.headers.get("Transfer-Encoding") or ""):
                out = b""
                while True:
                    size = int(self.rfile.readline().split(b";")[0], 16)
                    if size == 0:
                        self.rfile.readline()
                        return out
                    out += self.rfile.read(size)
                    self.rfile.readline()
            return b""

        def do_GET(self):
            self.dispatch()

        do_POST = do_PUT = do_PATCH = do_DELETE = do_HEAD = do_GET

        def dispatch(self):
            u = urlsplit(self.path)
            self.q = {k: v[-1] for k, v in parse_qs(u.query, keep_blank_values=True).items()}
            self.upath = u.path.rstrip("/") or "/"
            self.body = self.read_body()
            self.entry = {"time": time.time(), "method": self.command, "path": self.upath,
                          "query": u.query, "content_type": self.headers.get("Content-Type", ""),
                          "accept": self.headers.get("Accept", ""),
                          "user_agent": self.headers.get("User-Agent", ""),
                          "body": self.body.decode("utf-8", "replace")}
            if self.upath.startswith("/_double"):
                try:
                    return self.control()
                except ApiError as e:
                    return self.send_error_status(e)
            with d.lock:
                d.log.append(self.entry)
                del d.log[:-20000]
                lat = d.latency
            if lat:
                time.sleep(lat)
            try:
                self.authn()
                self.route()
            except ApiError as e:
                self.send_error_status(e)
            except (BrokenPipeError, ConnectionResetError):
                pass

        def authn(self):
            self.readonly = False
            if not d.auth_enabled():
                return
            rw, ro = d.tokens()
            h = self.headers.get("Authorization", "")
            tok = h[7:].strip() if h.startswith("Bearer ") else None
            if tok is not None and tok in rw:
                return
            if tok is not None and tok in ro:
                self.readonly = True
                return
            raise ApiError(401, "Unauthorized")

        def fault(self, verb):
            with d.lock:
                for f in d.faults:
                    if f["count"] == 0:
                        continue
                    if f["verb"] and f["verb"] not in (verb, self.command):
                        continue
                    p = f["path"]
                    if p and not (self.upath == p or (p.endswith("*") and self.upath.startswith(p[:-1]))):
                        continue
                    f["count"] -= 1
                    raise ApiError(f["code"], f["message"] or "injected fault",
                                   reason=f["reason"] or None)

        # ---- routing
        def route(self):
            p = self.upath
            if p in ("/healthz", "/livez", "/readyz"):
                return self.send_text(200, "ok")
            if p == "/version":
                return self.send_json(200, {
                    "major": "1", "minor": "30", "gitVersion": "v1.30.0-linen-double",
                    "gitCommit": "0000000000000000000000000000000000000000",
                    "gitTreeState": "clean", "buildDate": "2026-12-01T00:00:00Z",
                    "goVersion": "go1.22.0", "compiler": "gc", "platform": "linux/amd64"})
            if p == "/api":
                return self.send_json(200, {"kind": "APIVersions", "versions": ["v1"],
                                            "serverAddressByClientCIDRs": [
                                                {"clientCIDR": "0.0.0.0/0",
                                                 "serverAddress": "127.0.0.1:%d" % d.port}]})
            if p == "/apis":
                gv = {"groupVersion": "networking.k8s.io/v1", "version": "v1"}
                return self.send_json(200, {"kind": "APIGroupList", "apiVersion": "v1", "groups": [
                    {"name": "networking.k8s.io", "versions": [gv], "preferredVersion": gv}]})
            if p == "/apis/networking.k8s.io":
                gv = {"groupVersion": "networking.k8s.io/v1", "version": "v1"}
                return self.send_json(200, {"kind": "APIGroup", "apiVersion": "v1",
                                            "name": "networking.k8s.io", "versions": [gv],
                                            "preferredVersion": gv})
            if p == "/openapi/v2":
                if "protobuf" not in (self.headers.get("Accept") or ""):
                    raise ApiError(406, "the double serves /openapi/v2 as protobuf only")
                body = openapi_v2_pb()
                self.send_response(200)
                self.send_header("Content-Type", "application/com.github.proto-openapi.spec.v2.v1.0+protobuf")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)
                self.entry["status"] = 200
                return
            if p == "/openapi/v3":
                return self.send_json(200, {"paths": {
                    "api/v1": {"serverRelativeURL": "/openapi/v3/api/v1?hash=" + OPENAPI_HASH},
                    "apis/networking.k8s.io/v1": {
                        "serverRelativeURL": "/openapi/v3/apis/networking.k8s.io/v1?hash=" + OPENAPI_HASH}}})
            if p in ("/openapi/v3/api/v1", "/openapi/v3/apis/networking.k8s.io/v1"):
                return self.send_json(200, openapi_v3("" if p.endswith("/api/v1") else "networking.k8s.io"))
            if p == "/api/v1":
                return self.send_json(200, self.resource_list(""))
            if p == "/apis/networking.k8s.io/v1":
                return self.send_json(200, self.resource_list("networking.k8s.io"))
            m = re.match(r"^/(?:api/v1|apis/networking\.k8s\.io/v1)(/.*)$", p)
            if not m:
                raise ApiError(404, "the server could not find the requested resource",
                               details={"causes": [{"reason": "UnexpectedServerResponse",
                                                    "message": "404 page not found"}]})
            group = "" if p.startswith("/api/") else "networking.k8s.io"
            parts = m.group(1).strip("/").split("/")
            watch_path = False
            if parts[0] == "watch":
                watch_path = True
                parts = parts[1:]
            ns = ""
            if len(parts) >= 3 and parts[0] == "namespaces" and parts[2] in RESOURCES \
                    and RESOURCES[parts[2]]["namespaced"]:
                ns = parts[1]
                parts = parts[2:]
            res = parts[0] if parts else ""
            if res not in RESOURCES or RESOURCES[res]["group"] != group or len(parts) > 3 \
                    or (ns and not RESOURCES[res]["namespaced"]):
                raise ApiError(404, "the server could not find the requested resource")
            name = parts[1] if len(parts) > 1 else None
            sub = parts[2] if len(parts) > 2 else None
            if sub and not (sub == "status" and RESOURCES[res]["status"]):
                raise ApiError(404, "the server could not find the requested resource")
            return self.resource(res, ns, name, sub, watch_path)

        def send_text(self, code, text):
            body = text.encode()
            self.send_response(code)
            self.send_header("Content-Type", "text/plain; charset=utf-8")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)
            self.entry["status"] = code

        def resource_list(self, group):
            out = []
            for name, r in RESOURCES.items():
                if r["group"] != group:
                    continue
                e = {"name": name, "singularName": r["singular"], "namespaced": r["namespaced"],
                     "kind": r["kind"], "verbs": VERBS if name != "namespaces" else
                     [v for v in VERBS], "shortNames": r["short"]}
                if r.get("categories"):
                    e["categories"] = r["categories"]
                out.append(e)
                if r["status"]:
                    out.append({"name": name + "/status", "singularName": "",
                                "namespaced": r["namespaced"], "kind": r["kind"],
                                "verbs": ["get", "patch", "update"]})
            return {"kind": "APIResourceList", "apiVersion": "v1",
                    "groupVersion": (group + "/v1") if group else "v1", "resources": out}

        def authz(self, verb, res, ns, name, sub):
            if self.readonly and verb in WRITE_VERBS:
                r = res + ("/" + sub if sub else "")
                msg = 'User "linen-double:readonly" cannot %s resource "%s" in API group "%s"' % (
                    verb, r, RESOURCES[res]["group"])
                msg += ' in the namespace "%s"' % ns if ns else " at the cluster scope"
                what = '%s "%s"' % (res_qual(res), name) if name else res_qual(res)
                raise ApiError(403, "%s is forbidden: %s" % (what, msg),
                               details=details(res, name or ""))

        def resource(self, res, ns, name, sub, watch_path):
            m = self.command
            watch = watch_path or self.q.get("watch") in ("1", "true", "True")
            if m in ("GET", "HEAD"):
                verb = "watch" if watch else ("get" if name else "list")
            else:
                verb = {"POST": "create", "PUT": "update", "PATCH": "patch", "DELETE": "delete"}[m]
                if watch_path:
                    raise ApiError(405, "method not allowed")
                if verb == "create" and name:
                    raise ApiError(405, "the server does not allow this method on the requested resource")
                if verb != "create" and not name:
                    if verb == "delete":
                        raise ApiError(405, "deletecollection is not supported by the double")
                    raise ApiError(405, "the server does not allow this method on the requested resource")
            if watch and name:
                self.q["fieldSelector"] = "metadata.name=" + name + (
                    "," + self.q["fieldSelector"] if self.q.get("fieldSelector") else "")
                name = None
            self.authz(verb, res, ns, name, sub)
            self.fault(verb)
            self.entry["verb"] = verb
            if verb == "list":
                return self.do_list(res, ns)
            if verb == "watch":
                return self.do_watch(res, ns)
            if verb == "get":
                with st.cond:
                    o = st.objs.get((res, ns, name))
                    if o is None:
                        raise not_found(res, name)
                    o = copy.deepcopy(o)
                return self.send_obj(200, res, o)
            body = self.parse_body(verb)
            with st.cond:
                if verb == "create":
                    code, o = self.create(res, ns, body)
                elif verb == "update":
                    code, o = self.update(res, ns, name, sub, body)
                elif verb == "patch":
                    code, o = self.patch(res, ns, name, sub, body)
                else:
                    code, o = self.delete(res, ns, name)
                o = copy.deepcopy(o)
            if o.get("kind") == "Status":
                return self.send_json(code, o)
            return self.send_obj(code, res, o)

        def wants_table(self):
            return "as=Table" in (self.headers.get("Accept") or "")

        def send_obj(self, code, res, o):
            if self.wants_table():
                return self.send_json(code, to_table(res, [o], self.q.get("includeObject", "Metadata")),
                                      "application/json;as=Table;v=v1;g=meta.k8s.io")
            self.send_json(code, o)

        def parse_body(self, verb):
            if verb == "delete":
                return None
            ct = (self.headers.get("Content-Type") or "").split(";")[0].strip()
            if verb == "patch":
                if ct not in ("application/merge-patch+json", "application/strategic-merge-patch+json",
                              "application/json-patch+json"):
                    raise ApiError(415, "the body of the request was in an unknown format - accepted "
                                   "media types include: application/json-patch+json, "
                                   "application/merge-patch+json, application/apply-patch+yaml, "
                                   "application/strategic-merge-patch+json")
            elif ct not in ("application/json", ""):
                raise ApiError(415, "the body of the request was in an unknown format - accepted "
                               "media types include: application/json, application/yaml, "
                               "application/vnd.kubernetes.protobuf")
            self.ctype = ct
            try:
                return json.loads(self.body or b"null")
            except ValueError as e:
                raise ApiError(400, "error decoding the request body: %s" % e)

        # ---- write verbs (called with st.cond held)
        def check_body(self, res, ns, body, name=None):
            if not isinstance(body, dict):
                raise ApiError(400, "the object provided is not a JSON object")
            r = RESOURCES[res]
            if body.get("kind") not in (None, r["kind"]) or body.get("apiVersion") not in (None, api_version(res)):
                raise ApiError(400, "the API version in the data (%s) does not match the expected "
                               "API version (%s)" % (body.get("apiVersion"), api_version(res)))
            md = body.setdefault("metadata", {})
            if not isinstance(md, dict):
                raise ApiError(400, "metadata is not an object")
            if r["namespaced"]:
                if md.get("namespace") not in (None, "", ns):
                    raise ApiError(400, "the namespace of the provided object does not match the "
                                   "namespace sent on the request")
                md["namespace"] = ns
            else:
                md.pop("namespace", None)
            if name is not None and md.get("name") not in (None, name):
                raise ApiError(400, "the name of the object (%s) does not match the name on the URL (%s)"
                               % (md.get("name"), name))
            body["kind"], body["apiVersion"] = r["kind"], api_version(res)
            return md

        def validate(self, res, o):
            md = o["metadata"]
            name = md.get("name") or ""
            if not re.match(r"^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$", name) or len(name) > 253:
                raise invalid(res, name, "metadata.name", "FieldValueInvalid",
                              'Invalid value: "%s": a lowercase RFC 1123 subdomain must consist of '
                              "lower case alphanumeric characters, '-' or '.'" % name)
            for k in ("labels", "annotations"):
                v = md.get(k)
                if v is not None and (not isinstance(v, dict) or
                                      not all(isinstance(x, str) for x in v.values())):
                    raise invalid(res, name, "metadata." + k, "FieldValueInvalid",
                                  "Invalid value: values must be strings")
            if res == "pods":
                cs = (o.get("spec") or {}).get("containers")
                if not cs:
                    raise invalid(res, name, "spec.containers", "FieldValueRequired", "Required value")
                for i, c in enumerate(cs):
                    if not c.get("name"):
                        raise invalid(res, name, "spec.containers[%d].name" % i,
                                      "FieldValueRequired", "Required value")
                    if not c.get("image"):
                        raise invalid(res, name, "spec.containers[%d].image" % i,
                                      "FieldValueRequired", "Required value")
            if res == "nodes":
                for i, c in enumerate((o.get("status") or {}).get("conditions") or []):
                    if not isinstance(c, dict) or not c.get("type"):
                        raise invalid(res, name, "status.conditions[%d].type" % i,
                                      "FieldValueRequired", "Required value")

        def create(self, res, ns, body):
            md = self.check_body(res, ns, body)
            if not md.get("name") and md.get("generateName"):
                md["name"] = md["generateName"] + "".join(
                    random.choice(string.ascii_lowercase + string.digits) for _ in range(5))
            if not md.get("name"):
                raise invalid(res, "", "metadata.name", "FieldValueRequired",
                              "Required value: name or generateName is required")
            if ns and ("namespaces", "", ns) not in st.objs:
                raise not_found("namespaces", ns)
            key = (res, ns, md["name"])
            if key in st.objs:
                raise ApiError(409, '%s "%s" already exists' % (res_qual(res), md["name"]),
                               reason="AlreadyExists", details=details(res, md["name"]))
            for k in ("resourceVersion", "uid", "deletionTimestamp", "generation", "selfLink"):
                md.pop(k, None)
            md["uid"] = str(uuid.uuid4())
            md["creationTimestamp"] = now_rfc3339()
            self.defaults(res, body, None)
            self.validate(res, body)
            md["resourceVersion"] = st.rv_str(st.next_rv())
            st.objs[key] = body
            st.record(res, "ADDED", body, None)
            return 201, body

        def defaults(self, res, o, old):
            md = o["metadata"]
            if res == "namespaces":
                md.setdefault("labels", {})["kubernetes.io/metadata.name"] = md["name"]
                o.setdefault("spec", {}).setdefault("finalizers", ["kubernetes"])
                o.setdefault("status", {}).setdefault("phase", "Active")
            elif res == "pods":
                sp = o.setdefault("spec", {})
                sp.setdefault("restartPolicy", "Always")
                sp.setdefault("dnsPolicy", "ClusterFirst")
                sp.setdefault("schedulerName", "default-scheduler")
                sp.setdefault("terminationGracePeriodSeconds", 30)
                sp.setdefault("serviceAccountName", "default")
                o.setdefault("status", {}).setdefault("phase", "Pending")
            elif res == "networkpolicies":
                sp = o.setdefault("spec", {})
                if not isinstance(sp.get("podSelector"), dict):
                    sp["podSelector"] = {}
                if not sp.get("policyTypes"):
                    sp["policyTypes"] = ["Ingress"] + (["Egress"] if "egress" in sp else [])
                gen = 1 if old is None else old["metadata"].get("generation", 1)
                if old is not None and old.get("spec") != sp:
                    gen += 1
                md["generation"] = gen
            elif res == "nodes":
                o.setdefault("spec", {})
                o.setdefault("status", {})

        def store_update(self, res, ns, name, sub, new, old, rv_given):
            """Shared tail of update and patch: keep what the verb may not change, bump rv."""
            if rv_given is not None and rv_given != old["metadata"]["resourceVersion"]:
                raise ApiError(409, 'Operation cannot be fulfilled on %s "%s": the object has been '
                               "modified; please apply your changes to the latest version and try "
                               "again" % (res_qual(res), name), details=details(res, name))
            r = RESOURCES[res]
            new["kind"], new["apiVersion"] = r["kind"], api_version(res)
            md = new.get("metadata")
            if not isinstance(md, dict):
                md = new["metadata"] = {}
            if md.get("name", name) != name or (r["namespaced"] and md.get("namespace", ns) != ns):
                raise invalid(res, name, "metadata.name", "FieldValueInvalid",
                              "Invalid value: field is immutable")
            if sub == "status":
                # a status write changes status and metadata's labels and annotations only
                keep = copy.deepcopy(old)
                keep["status"] = new.get("status") or {}
                for k in ("labels", "annotations"):
                    if k in md:
                        keep["metadata"][k] = md[k]
                    else:
                        keep["metadata"].pop(k, None)
                new = keep
            else:
                if r["status"]:
                    if old.get("status") is None:
                        new.pop("status", None)
                    else:
                        new["status"] = copy.deepcopy(old.get("status"))
                for k in ("uid", "creationTimestamp", "generation"):
                    if k in old["metadata"]:
                        new["metadata"][k] = old["metadata"][k]
                    else:
                        new["metadata"].pop(k, None)
            new["metadata"]["name"] = name
            if r["namespaced"]:
                new["metadata"]["namespace"] = ns
            self.defaults(res, new, old)
            self.validate(res, new)
            cmp_old = copy.deepcopy(old)
            cmp_old["metadata"].pop("resourceVersion", None)
            cmp_new = copy.deepcopy(new)
            cmp_new["metadata"].pop("resourceVersion", None)
            if cmp_new == cmp_old:
                # a no-op write: the real server keeps the resourceVersion and sends no event
                return 200, old
            new["metadata"]["resourceVersion"] = st.rv_str(st.next_rv())
            st.objs[(res, ns, name)] = new
            st.record(res, "MODIFIED", new, old)
            return 200, new

        def update(self, res, ns, name, sub, body):
            self.check_body(res, ns, body, name)
            old = st.objs.get((res, ns, name))
            if old is None:
                raise not_found(res, name)
            rv = body["metadata"].get("resourceVersion") or None
            return self.store_update(res, ns, name, sub, copy.deepcopy(body), old, rv)

        def patch(self, res, ns, name, sub, body):
            old = st.objs.get((res, ns, name))
            if old is None:
                raise not_found(res, name)
            cur = copy.deepcopy(old)
            if self.ctype == "application/json-patch+json":
                new = json_patch(cur, body)
            elif not isinstance(body, dict):
                raise ApiError(400, "patch body is not a JSON object")
            elif self.ctype == "application/merge-patch+json":
                new = merge_patch(cur, body)
            else:
                new = strategic_merge(cur, body)
            if not isinstance(new, dict):
                raise ApiError(422, "the patched object is not a JSON object")
            rv = None
            pmd = body.get("metadata") if isinstance(body, dict) else None
            if isinstance(pmd, dict) and pmd.get("resourceVersion"):
                rv = pmd["resourceVersion"]
            return self.store_update(res, ns, name, sub, new, old, rv)

        def delete(self, res, ns, name):
            old = st.objs.get((res, ns, name))
            if old is None:
                raise not_found(res, name)
            gone = [(res, ns, name)]
            if res == "namespaces":
                gone += [k for k in st.objs if k[1] == name and RESOURCES[k[0]]["namespaced"]]
            last = None
            for k in gone:
                o = st.objs.pop(k)
                o["metadata"]["resourceVersion"] = st.rv_str(st.next_rv())
                st.record(k[0], "DELETED", o, o)
                last = o if k == (res, ns, name) else last
            if res in ("pods", "namespaces"):
                return 200, last
            return 200, {"kind": "Status", "apiVersion": "v1", "metadata": {}, "status": "Success",
                         "details": dict(details(res, name), uid=old["metadata"]["uid"])}

        # ---- list and watch
        def selectors(self, res):
            return (parse_label_selector(self.q.get("labelSelector", "")),
                    parse_field_selector(res, self.q.get("fieldSelector", "")))

        def do_list(self, res, ns):
            lsel, fsel = self.selectors(res)
            limit = int(self.q.get("limit") or 0)
            cont = self.q.get("continue") or ""
            with st.cond:
                rv = self.q.get("resourceVersion") or ""
                match = self.q.get("resourceVersionMatch") or ""
                if rv and rv != "0":
                    want = st.rv_parse(rv)
                    if match == "Exact" and want != st.rv:
                        raise ApiError(410, "too old resource version: %s (%s)" % (want, st.rv),
                                       reason="Expired")
                    if want > st.rv:
                        raise ApiError(504, 'Too large resource version: %s, current: %s' % (want, st.rv),
                                       reason="Timeout")
                after = None
                if cont:
                    try:
                        c = json.loads(base64.b64decode(cont))
                        after, crv = tuple(c["start"]), c["rv"]
                    except (ValueError, KeyError, TypeError):
                        raise ApiError(400, "continue key is not valid")
                    if crv < st.compacted:
                        raise ApiError(410, "The provided continue parameter is too old to display a "
                                       "consistent list result. You can start a new list without the "
                                       "continue parameter.", reason="Expired")
                keys = sorted(k for k in st.objs if k[0] == res and (not ns or k[1] == ns))
                items = []
                for k in keys:
                    if after is not None and k[1:] <= after:
                        continue
                    o = st.objs[k]
                    if labels_match(lsel, o["metadata"].get("labels")) and fields_match(fsel, o):
                        items.append((k, copy.deepcopy(o)))
                meta = {"resourceVersion": st.rv_str(st.rv)}
                if limit and len(items) > limit:
                    meta["continue"] = base64.b64encode(json.dumps(
                        {"rv": st.rv, "start": list(items[limit - 1][0][1:])}).encode()).decode()
                    meta["remainingItemCount"] = len(items) - limit
                    items = items[:limit]
            objs = [o for _, o in items]
            if self.wants_table():
                return self.send_json(200, to_table(res, objs, self.q.get("includeObject", "Metadata"), meta),
                                      "application/json;as=Table;v=v1;g=meta.k8s.io")
            for o in objs:   # list items carry no kind/apiVersion on the real server either
                o.pop("kind", None)
                o.pop("apiVersion", None)
            self.send_json(200, {"kind": RESOURCES[res]["kind"] + "List", "apiVersion": api_version(res),
                                 "metadata": meta, "items": objs})

        def chunk(self, data):
            self.wfile.write(b"%x\r\n%s\r\n" % (len(data), data))
            self.wfile.flush()

        def do_watch(self, res, ns):
            lsel, fsel = self.selectors(res)
            table = self.wants_table()
            include = self.q.get("includeObject", "Metadata")
            bookmarks = self.q.get("allowWatchBookmarks") in ("1", "true", "True")
            timeout = float(self.q.get("timeoutSeconds") or d.args.watch_timeout)
            deadline = time.time() + timeout
            rv = self.q.get("resourceVersion") or ""
            self.send_response(200)
            self.send_header("Content-Type", "application/json;as=Table;v=v1;g=meta.k8s.io"
                             if table else "application/json")
            self.send_header("Transfer-Encoding", "chunked")
            self.send_header("Cache-Control", "no-cache, private")
            self.end_headers()
            self.entry["status"] = 200
            first = []
            with st.cond:
                gen = st.break_gen
                if rv and rv != "0":
                    try:
                        cursor = st.rv_parse(rv)
                    except ApiError as e:
                        first.append({"type": "ERROR", "object": e.status()})
                        cursor = st.rv
                    if cursor < st.compacted:
                        first.append({"type": "ERROR", "object": ApiError(
                            410, "too old resource version: %d (%d)" % (cursor, st.compacted),
                            reason="Expired").status()})
                else:
                    cursor = st.rv
                    for k in sorted(st.objs):
                        o = st.objs[k]
                        if k[0] == res and (not ns or k[1] == ns) and self.matches(o, lsel, fsel):
                            first.append({"type": "ADDED", "object": copy.deepcopy(o)})
            try:
                for ev in first:
                    self.send_event(res, ev, table, include)
                    if ev["type"] == "ERROR":
                        return self.end_chunks()
                last_bm = time.time()
                while True:
                    evs = []
                    with st.cond:
                        while True:
                            if st.break_gen != gen:
                                mid = st.break_mid
                                break
                            evs = [e for e in st.history if e[0] > cursor and e[1] == res]
                            newest = st.rv
                            if evs or time.time() >= deadline:
                                break
                            if bookmarks and time.time() - last_bm >= d.args.bookmark_interval:
                                break
                            wait = deadline - time.time()
                            if bookmarks:
                                wait = min(wait, d.args.bookmark_interval - (time.time() - last_bm))
                            st.cond.wait(max(0.01, min(wait, 1.0)))
                        if st.break_gen != gen:
                            return self.break_stream(mid)
                    for erv, _, typ, obj, old in evs:
                        cursor = erv
                        o_ns = obj["metadata"].get("namespace", "")
                        if ns and o_ns != ns:
                            continue
                        now_m = self.matches(obj, lsel, fsel)
                        was_m = old is not None and self.matches(old, lsel, fsel)
                        if typ == "MODIFIED":
                            if now_m and not was_m:
                                typ = "ADDED"
                            elif was_m and not now_m:
                                typ = "DELETED"
                                obj = dict(copy.deepcopy(old))
                                obj["metadata"]["resourceVersion"] = st.rv_str(erv)
                            elif not now_m:
                                continue
                        elif not now_m:
                            continue
                        self.send_event(res, {"type": typ, "object": copy.deepcopy(obj)}, table, include)
                    if time.time() >= deadline:
                        return self.end_chunks()
                    if bookmarks and time.time() - last_bm >= d.args.bookmark_interval:
                        cursor = max(cursor, newest)
                        self.send_event(res, {"type": "BOOKMARK", "object": {
                            "kind": RESOURCES[res]["kind"], "apiVersion": api_version(res),
                            "metadata": {"resourceVersion": st.rv_str(cursor), "creationTimestamp": None}}},
                            False, include)
                        last_bm = time.time()
            except (BrokenPipeError, ConnectionResetError, ssl.SSLError, OSError):
                self.close_connection = True

        def matches(self, o, lsel, fsel):
            return labels_match(lsel, o["metadata"].get("labels")) and fields_match(fsel, o)

        def send_event(self, res, ev, table, include):
            if table and ev["type"] in ("ADDED", "MODIFIED", "DELETED"):
                ev = {"type": ev["type"], "object": to_table(res, [ev["object"]], include)}
            self.chunk(json.dumps(ev, separators=(",", ":")).encode() + b"\n")

        def end_chunks(self):
            self.wfile.write(b"0\r\n\r\n")
            self.wfile.flush()

        def break_stream(self, mid):
            if mid:
                self.chunk(b'{"type":"MODIFIED","object":{"kind":"')
            self.close_connection = True
            try:
                self.connection.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass

        # ---- control endpoint (test-only, no auth)
        def control(self):
            op = self.upath[len("/_double"):].strip("/")
            q = self.q
            if op == "requests" and self.command == "GET":
                with d.lock:
                    return self.send_json(200, list(d.log))
            if op == "requests" and self.command == "DELETE":
                with d.lock:
                    d.log.clear()
                return self.send_json(200, {"ok": True})
            if self.command != "POST":
                raise ApiError(405, "control: use POST")
            if op == "break-watches":
                with st.cond:
                    st.break_gen += 1
                    st.break_mid = q.get("mid") in ("1", "true")
                    st.cond.notify_all()
                return self.send_json(200, {"ok": True})
            if op == "compact":
                st.compact()
                return self.send_json(200, {"ok": True, "compacted": st.rv_str(st.rv)})
            if op == "fail":
                code = int(q.get("code") or 500)
                with d.lock:
                    d.faults.append({"verb": q.get("verb", ""), "path": q.get("path", ""), "code": code,
                                     "count": int(q.get("count") or 1), "message": q.get("message", ""),
                                     "reason": q.get("reason", "")})
                return self.send_json(200, {"ok": True})
            if op == "clear-faults":
                with d.lock:
                    d.faults.clear()
                    d.latency = 0.0
                return self.send_json(200, {"ok": True})
            if op == "latency":
                with d.lock:
                    d.latency = float(q.get("ms") or 0) / 1000.0
                return self.send_json(200, {"ok": True})
            if op == "state":
                with st.cond:
                    return self.send_json(200, {"resourceVersion": st.rv_str(st.rv),
                                                "compacted": st.rv_str(st.compacted),
                                                "history": len(st.history),
                                                "objects": list(st.objs.values())})
            raise ApiError(404, "control: unknown operation %r" % op)

    return H


class Server(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True

    def handle_error(self, request, client_address):
        e = sys.exc_info()[1]
        if isinstance(e, (ConnectionError, ssl.SSLError, TimeoutError)):
            return
        super().handle_error(request, client_address)


def seed(d, path):
    with open(path) as f:
        objs = json.load(f)
    H = make_handler(d)
    h = H.__new__(H)
    h.headers = {}
    for o in objs:
        res = KIND_TO_RES[o["kind"]]
        ns = o.get("metadata", {}).get("namespace", "default") if RESOURCES[res]["namespaced"] else ""
        with d.store.cond:
            if (res, ns, o["metadata"]["name"]) not in d.store.objs:
                h.create(res, ns, copy.deepcopy(o))


def main():
    ap = argparse.ArgumentParser(description="Kubernetes API server double (test-only)")
    ap.add_argument("--port", type=int, required=True, help="0 picks a free port")
    ap.add_argument("--address", default="127.0.0.1")
    ap.add_argument("--tls-cert")
    ap.add_argument("--tls-key")
    ap.add_argument("--token", action="extend", nargs="+", help="bearer tokens with full access")
    ap.add_argument("--token-readonly", action="extend", nargs="+", help="tokens for get/list/watch only")
    ap.add_argument("--token-file", help="tokens, one a line ('TOKEN' or 'TOKEN readonly'), re-read per request")
    ap.add_argument("--history", type=int, default=1000, help="watch events kept (older: 410)")
    ap.add_argument("--rv-style", choices=["decimal", "opaque"], default="decimal")
    ap.add_argument("--bookmark-interval", type=float, default=60.0, help="seconds")
    ap.add_argument("--watch-timeout", type=float, default=1800.0,
                    help="seconds a watch lasts without timeoutSeconds")
    ap.add_argument("--state-dir", help="keep objects in DIR/state.json across restarts")
    ap.add_argument("--seed", help="a JSON list of objects created at start")
    ap.add_argument("--no-default-namespaces", action="store_true")
    ap.add_argument("--verbose", action="store_true")
    args = ap.parse_args()
    if bool(args.tls_cert) != bool(args.tls_key):
        ap.error("--tls-cert and --tls-key go together")

    d = Double(args)
    loaded = d.store.load()
    if not loaded:
        if not args.no_default_namespaces:
            for n in ("default", "kube-system", "kube-public", "kube-node-lease"):
                with d.store.cond:
                    h = make_handler(d).__new__(make_handler(d))
                    h.create("namespaces", "", {"metadata": {"name": n}})
        if args.seed:
            seed(d, args.seed)
    srv = Server((args.address, args.port), make_handler(d))
    d.port = srv.server_address[1]
    scheme = "http"
    if args.tls_cert:
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        ctx.load_cert_chain(args.tls_cert, args.tls_key)
        ctx.set_alpn_protocols(["http/1.1"])
        srv.socket = ctx.wrap_socket(srv.socket, server_side=True, do_handshake_on_connect=False)
        scheme = "https"
    print("apiserver-double: listening on %s://%s:%d" % (scheme, args.address, d.port), flush=True)
    try:
        srv.serve_forever()
    except KeyboardInterrupt:
        pass


if __name__ == "__main__":
    main()
