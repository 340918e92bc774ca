"""Checks the Flyover chart as rendered with default values (tests/helm/render.sh).

Usage: check_chart.py <repo root> <fresh render> <committed deploy/manifests/flyover.yaml>
       check_chart.py <repo root> <render with other values>   (no CRD, dashboard or
       committed-file comparison: the object, RBAC and security checks only)

Checks: the chart's crds/ are byte-identical to the top-level crds/ and render unchanged;
every object parses and has apiVersion, kind and metadata.name; every object validates against
its Kubernetes model (schema_check.py); no RBAC rule holds a wildcard, and each component is
granted exactly the resources its code calls (rbac_check.py); every container runs non-root
with a read-only root filesystem, no privilege escalation and all capabilities dropped, except
the documented device-plugin exception; every --flag given to a container is one its
binary parses; helm/flyover/dashboards/ mirrors deploy/grafana/
and renders as labelled ConfigMaps; the committed manifests equal the fresh render.
Prints every problem found and exits 1 if there was any.
"""
import filecmp
import os
import re
import sys

import yaml

import disruption_check
import rbac_check
import schema_check

# Containers that may run as root, and why (the same reason is in values.yaml and the chart).
ROOT_EXCEPTIONS = {
    ("DaemonSet", "device-plugin"):
        "creates its socket in the root-owned kubelet device-plugin directory",
}


def check_crds(root, objects):
    problems = []
    top = os.path.join(root, "crds")
    chart = os.path.join(root, "helm", "flyover", "crds")
    names = sorted(f for f in os.listdir(top) if f.endswith(".yaml"))
    if sorted(f for f in os.listdir(chart) if f.endswith(".yaml")) != names:
        problems.append("helm/flyover/crds/: not the same files as crds/")
    for name in names:
        if not filecmp.cmp(os.path.join(top, name), os.path.join(chart, name), shallow=False):
            problems.append("helm/flyover/crds/%s: differs from crds/%s" % (name, name))
        with open(os.path.join(top, name)) as f:
            want = yaml.safe_load(f)
        if want not in objects:
            problems.append("crds/%s: missing from the rendered manifests" % name)
    return problems


def check_dashboards(root, objects):
    """helm/flyover/dashboards/ mirrors deploy/grafana/; each dashboard renders as a
    ConfigMap labelled grafana_dashboard=1."""
    source = os.path.join(root, "deploy", "grafana")
    chart = os.path.join(root, "helm", "flyover", "dashboards")
    want = sorted(f for f in os.listdir(source) if f.endswith(".json")) if os.path.isdir(source) else []
    have = sorted(f for f in os.listdir(chart) if f.endswith(".json"))
    problems = []
    if want != have:
        problems.append("helm/flyover/dashboards/: %s, deploy/grafana/: %s" % (have, want))
    for name in set(want) & set(have):
        if not filecmp.cmp(os.path.join(source, name), os.path.join(chart, name), shallow=False):
            problems.append("helm/flyover/dashboards/%s: differs from deploy/grafana/%s" % (name, name))
    rendered = [o for o in objects if o.get("kind") == "ConfigMap" and
                (o["metadata"].get("labels") or {}).get("grafana_dashboard") == "1"]
    if len(rendered) != len(have):
        problems.append("%d dashboards but %d labelled ConfigMaps" % (len(have), len(rendered)))
    return problems


# Container name -> the source holding that binary's flag parser and --help text.
FLAG_SOURCES = {
    "operator": "operator/main/operator_flags.cc",
    "scheduler": "scheduler/main/scheduler_flags.cc",
    "device-plugin": "device-plugin/flags.cc",
}


def check_flags(root, obj, where):
    """Every --flag a container is given is one its binary's flag parser knows."""
    pod = pod_spec(obj)
    problems = []
    for container in (pod or {}).get("containers", []):
        source = FLAG_SOURCES.get(container.get("name"))
        if source is None:
            continue
        with open(os.path.join(root, source)) as f:
            known = set(re.findall(r'"([a-z][a-z0-9-]*)"', f.read()))
        for arg in container.get("args") or []:
            flag = arg[2:].split("=", 1)[0] if arg.startswith("--") else None
            if flag is None or flag not in known:
                problems.append("%s container %s: %s is not a flag of %s" %
                                (where, container["name"], arg, source))
    return problems


def check_identity(obj, where):
    problems = []
    for field in ("apiVersion", "kind"):
        if not isinstance(obj.get(field), str) or not obj.get(field):
            problems.append("%s: %s missing" % (where, field))
    if not (obj.get("metadata") or {}).get("name"):
        problems.append("%s: metadata.name missing" % where)
    return problems


def pod_spec(obj):
    spec = obj.get("spec") or {}
    if obj.get("kind") in ("Deployment", "DaemonSet", "StatefulSet", "ReplicaSet", "Job"):
        return (spec.get("template") or {}).get("spec") or {}
    return spec if obj.get("kind") == "Pod" else None


def check_security(obj, where):
    pod = pod_spec(obj)
    if pod is None:
        return []
    problems = []
    pod_context = pod.get("securityContext") or {}
    for container in pod.get("initContainers", []) + pod.get("containers", []):
        name = "%s container %s" % (where, container.get("name"))
        context = container.get("securityContext") or {}
        exempt = (obj["kind"], container.get("name")) in ROOT_EXCEPTIONS
        non_root = context.get("runAsNonRoot", pod_context.get("runAsNonRoot"))
        if not exempt and non_root is not True:
            problems.append("%s: runAsNonRoot is not true" % name)
        if context.get("readOnlyRootFilesystem") is not True:
            problems.append("%s: readOnlyRootFilesystem is not true" % name)
        if context.get("allowPrivilegeEscalation") is not False:
            problems.append("%s: allowPrivilegeEscalation is not false" % name)
        if context.get("privileged"):
            problems.append("%s: privileged" % name)
        capabilities = context.get("capabilities") or {}
        if capabilities.get("drop") != ["ALL"] or capabilities.get("add"):
            problems.append("%s: capabilities must drop ALL and add none" % name)
    return problems


def load(path):
    with open(path) as f:
        return f.read()


def main(root, fresh_path, committed_path=None):
    fresh = load(fresh_path)
    try:
        objects = [o for o in yaml.safe_load_all(fresh) if o is not None]
    except yaml.YAMLError as error:
        print("rendered manifests do not parse: %s" % error)
        return 1
    problems = []
    if committed_path is not None:
        problems += check_crds(root, objects) + check_dashboards(root, objects)
    for obj in objects:
        where = "%s %s" % (obj.get("kind"), (obj.get("metadata") or {}).get("name"))
        problems += check_identity(obj, where)
        problems += ["%s: %s" % (where, p) for p in schema_check.validate(obj)]
        problems += check_security(obj, where)
        problems += check_flags(root, obj, where)
    problems += rbac_check.check(root, objects)
    problems += disruption_check.check(objects)
    if committed_path is not None and (
            not os.path.exists(committed_path) or load(committed_path) != fresh):
        problems.append("deploy/manifests/flyover.yaml: differs from a fresh render; "
                        "run tests/helm/render.sh --write")
    for problem in problems:
        print(problem)
    print("%d objects checked, %d problems" % (len(objects), len(problems)))
    return 1 if problems else 0


if __name__ == "__main__":
    if len(sys.argv) not in (3, 4):
        print(__doc__)
        sys.exit(2)
    sys.exit(main(*sys.argv[1:]))
