"""Applies the rendered chart to a running API server with kubectl and reads every object back.

Usage: apply_check.py <rendered manifests> <kubeconfig> [kubectl]

Objects go in the order a cluster needs them: the release namespace, the CRDs (then waits
for them to be Established), then every other object whose kind the server serves (found
through discovery). Each applied object is read back and must hold what was applied: every
field of the rendered object, recursively, with the same value (the server may add fields,
such as defaults and metadata). Objects of kinds the server does not serve are listed and
must be refused by kubectl as unknown kinds, not for any other reason. The kinds the
embedded server serves for the chart's identities (ServiceAccount and the four RBAC kinds)
must be in the chart and must be applied, never merely refused.
"""
import json
import subprocess
import sys

import yaml

RELEASE_NAMESPACE = "flyover-system"
MUST_BE_APPLIED = [("v1", "ServiceAccount")] + [
    ("rbac.authorization.k8s.io/v1", kind)
    for kind in ("Role", "ClusterRole", "RoleBinding", "ClusterRoleBinding")]


class Kubectl:
    def __init__(self, binary, kubeconfig):
        self.base = [binary, "--kubeconfig", kubeconfig, "--request-timeout", "30s"]

    def run(self, args, stdin=None, check=True):
        result = subprocess.run(self.base + args, input=stdin, capture_output=True, text=True)
        if check and result.returncode != 0:
            raise RuntimeError("kubectl %s: %s" % (" ".join(args), result.stderr.strip()))
        return result

    def json(self, args):
        return json.loads(self.run(args + ["-o", "json"]).stdout)


def served_kinds(kubectl):
    """(apiVersion, kind) -> (plural, namespaced) for every resource the server serves."""
    served = {}
    groups = [("v1", "/api/v1")]
    for group in json.loads(kubectl.run(["get", "--raw", "/apis"]).stdout).get("groups", []):
        for version in group.get("versions", []):
            groups.append((version["groupVersion"], "/apis/" + version["groupVersion"]))
    for group_version, path in groups:
        resources = json.loads(kubectl.run(["get", "--raw", path]).stdout).get("resources", [])
        for r in resources:
            if "/" not in r["name"]:
                served[(group_version, r["kind"])] = (r["name"], r.get("namespaced", False))
    return served


def missing(want, have, path=""):
    """Where `have` lacks what `want` holds (None when it holds all of it)."""
    if isinstance(want, dict):
        if not isinstance(have, dict):
            return "%s: not an object" % (path or ".")
        for key, value in want.items():
            problem = missing(value, have.get(key), "%s.%s" % (path, key))
            if problem:
                return problem
        return None
    if isinstance(want, list):
        if not isinstance(have, list) or len(have) != len(want):
            return "%s: %r, want %r" % (path, have, want)
        for i, (w, h) in enumerate(zip(want, have)):
            problem = missing(w, h, "%s[%d]" % (path, i))
            if problem:
                return problem
        return None
    return None if want == have else "%s: %r, want %r" % (path, have, want)


def name_of(obj):
    return "%s %s" % (obj["kind"], obj["metadata"]["name"])


def apply_and_read_back(kubectl, obj, served):
    plural, namespaced = served[(obj["apiVersion"], obj["kind"])]
    kubectl.run(["apply", "-f", "-"], stdin=yaml.safe_dump(obj))
    where = ["-n", obj["metadata"].get("namespace", RELEASE_NAMESPACE)] if namespaced else []
    stored = kubectl.json(["get", plural, obj["metadata"]["name"]] + where)
    want = {k: v for k, v in obj.items() if k != "status"}
    problem = missing(want, stored)
    return None if problem is None else "%s: read back %s" % (name_of(obj), problem)


def identity_problems(objects, applied):
    """The chart's ServiceAccounts and RBAC must be there and must all have been applied."""
    problems = []
    for api_version, kind in MUST_BE_APPLIED:
        named = [name_of(o) for o in objects if (o["apiVersion"], o["kind"]) == (api_version, kind)]
        if not named:
            problems.append("the rendered chart has no %s %s" % (api_version, kind))
        problems += ["%s was not applied" % n for n in named if n not in applied]
    return problems


def main(manifests, kubeconfig, binary="kubectl"):
    kubectl = Kubectl(binary, kubeconfig)
    with open(manifests) as f:
        objects = [o for o in yaml.safe_load_all(f) if o]
    for namespace in (RELEASE_NAMESPACE, "kube-system"):
        if kubectl.run(["get", "namespace", namespace], check=False).returncode != 0:
            kubectl.run(["create", "namespace", namespace])
    problems, applied, refused = [], [], []
    crds = [o for o in objects if o["kind"] == "CustomResourceDefinition"]
    served = served_kinds(kubectl)
    for crd in crds:
        problem = apply_and_read_back(kubectl, crd, served)
        problems += [problem] if problem else []
        applied.append(name_of(crd))
        kubectl.run(["wait", "--for=condition=Established", "--timeout=60s",
                     "crd/" + crd["metadata"]["name"]])
    served = served_kinds(kubectl)  # the CRDs' kinds too
    for obj in objects:
        if obj["kind"] == "CustomResourceDefinition":
            continue
        if (obj["apiVersion"], obj["kind"]) in served:
            problem = apply_and_read_back(kubectl, obj, served)
            problems += [problem] if problem else []
            applied.append(name_of(obj))
            continue
        result = kubectl.run(["apply", "-f", "-"], stdin=yaml.safe_dump(obj), check=False)
        if result.returncode == 0 or "no matches for kind" not in result.stderr:
            problems.append("%s (%s, not served): kubectl said %r" % (
                name_of(obj), obj["apiVersion"], (result.stdout + result.stderr).strip()))
        refused.append("%s/%s" % (obj["apiVersion"], obj["kind"]))
    if not crds:
        problems.append("the rendered chart has no CustomResourceDefinition")
    problems += identity_problems(objects, applied)
    print("applied and read back %d objects: %s" % (len(applied), ", ".join(applied)))
    print("not served by this API server (%d objects): %s" % (
        len(refused), ", ".join(sorted(set(refused)))))
    for problem in problems:
        print("PROBLEM " + problem)
    return 1 if problems else 0


if __name__ == "__main__":
    if len(sys.argv) not in (3, 4):
        print(__doc__)
        sys.exit(2)
    sys.exit(main(*sys.argv[1:]))
