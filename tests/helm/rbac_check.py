"""RBAC checks of the rendered chart: no wildcard anywhere in a rule, and each component's
ServiceAccount is granted exactly the resources its code calls through the kube client.

What the code calls is derived from its sources (tests and testing/ excluded): the resource
helpers it names (kube::PodsResource() -> pods), the typed clients it builds
(TypedClient<kube::core::ConfigMap> -> configmaps), an EventRecorder (events), a
RestLeaseLock (leases), RestClient::Bind (pods/binding) and status writes (<resource>/status).
Verbs are not derived; the table in each templates/rbac-*.yaml lists them with their call sites.
"""
import os
import re

# The component's ServiceAccount name suffix -> its source directories.
COMPONENTS = {
    "operator": ["operator"],
    "scheduler": ["scheduler"],
    "device-plugin": ["device-plugin"],
}

_HELPER = re.compile(r"\bkube::(\w+)Resource\(\)")
_TYPED = re.compile(r"TypedClient<kube::core::(\w+)>")
_HELPER_NAMES = {
    "Pods": "pods", "Nodes": "nodes", "Namespaces": "namespaces", "Services": "services",
    "ConfigMaps": "configmaps", "Secrets": "secrets", "Events": "events", "Leases": "leases",
    "PostTrainingJobs": "posttrainingjobs",
}


def _sources(root, directories):
    for directory in directories:
        for dirpath, _, filenames in os.walk(os.path.join(root, directory)):
            if "testing" in dirpath.split(os.sep):
                continue
            for name in filenames:
                if name.endswith((".cc", ".h")) and not name.endswith(("_test.cc", "_fuzzer.cc")):
                    with open(os.path.join(dirpath, name)) as f:
                        yield f.read()


def used_resources(root, directories):
    """The resources (and subresources) the sources call."""
    used = set()
    for text in _sources(root, directories):
        used.update(_HELPER_NAMES.get(m, m.lower()) for m in _HELPER.findall(text))
        used.update(m.lower() + "s" for m in _TYPED.findall(text))
        if "EventRecorder" in text:
            used.add("events")
        if "RestLeaseLock" in text:
            used.add("leases")
        if re.search(r"->Bind\(", text):
            used.add("pods/binding")
        for resource in re.findall(r"UpdateStatus\(kube::(\w+)Resource\(\)", text):
            used.add(_HELPER_NAMES.get(resource, resource.lower()) + "/status")
        if re.search(r"PodsResource\(\)[^;]*subresource = \"status\"", text, re.S):
            used.add("pods/status")
    return used


def _wildcards(obj):
    problems = []
    for i, rule in enumerate(obj.get("rules") or []):
        for field in ("apiGroups", "resources", "verbs", "resourceNames", "nonResourceURLs"):
            if any("*" in str(v) for v in rule.get(field) or []):
                problems.append("%s %s rules[%d].%s: wildcard" %
                                (obj["kind"], obj["metadata"]["name"], i, field))
    return problems


def granted_resources(objects, service_account):
    """Resources granted to the ServiceAccount through the rendered (Cluster)RoleBindings."""
    roles = {(o["kind"], o["metadata"].get("namespace"), o["metadata"]["name"]): o
             for o in objects if o.get("kind") in ("Role", "ClusterRole")}
    granted = set()
    for binding in objects:
        if binding.get("kind") not in ("RoleBinding", "ClusterRoleBinding"):
            continue
        if not any(s.get("kind") == "ServiceAccount" and s.get("name") == service_account
                   for s in binding.get("subjects") or []):
            continue
        ref = binding["roleRef"]
        namespace = binding["metadata"].get("namespace") if ref["kind"] == "Role" else None
        role = roles.get((ref["kind"], namespace, ref["name"]))
        for rule in (role or {}).get("rules") or []:
            granted.update(rule.get("resources") or [])
    return granted


def check(root, objects):
    problems = []
    for obj in objects:
        if obj.get("kind") in ("Role", "ClusterRole"):
            problems += _wildcards(obj)
    accounts = [o["metadata"]["name"] for o in objects if o.get("kind") == "ServiceAccount"]
    for component, directories in COMPONENTS.items():
        account = next((a for a in accounts if a.endswith("-" + component)), None)
        if account is None:
            problems.append("ServiceAccount for %s: missing" % component)
            continue
        used = used_resources(root, directories)
        granted = granted_resources(objects, account)
        for extra in sorted(granted - used):
            problems.append("%s: granted %s, which its code does not call" % (account, extra))
        for missing in sorted(used - granted):
            problems.append("%s: its code calls %s, which it is not granted" % (account, missing))
    return problems
