"""RBAC checks of the rendered chart: no wildcard anywhere in a rule, and each component's
ServiceAccount is granted exactly the resources its code calls through the kube client.

What the code calls is derived from its sources (tests and testing/ excluded): the resource
helpers it names (kube::PodsResource() -> pods), the typed clients it builds
(TypedClient<kube::core::ConfigMap> -> configmaps), an EventRecorder (events), a
RestLeaseLock or NewRestLeaseElector (leases), RestClient::Bind (pods/binding) and status
writes (<resource>/status).
Verbs are derived where a call implies them: an informer (INFORMERS below) lists and watches
its resource, so a grant without list and watch fails. `patch` is derived too (PATCHED_VERB
below): every patch the code sends is a `Patch(kube::<X>Resource(), ...)` call (with
`subresource = "status"` for <x>/status) or an EventRecorder's (events), so a patch grant with
no such call fails as unused. Other verbs are not derived; the table in each
templates/rbac-*.yaml lists them with their call sites.
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


# How the sources build an informer on kube::<X>Resource(): the operator makes its
# RestListerWatchers itself, the scheduler through a local informer(resource, namespace).
INFORMERS = [
    re.compile(r"RestListerWatcher>\(\s*\w+,\s*kube::(\w+)Resource\(\)"),
    re.compile(r"\binformer\(kube::(\w+)Resource\(\)"),
]
INFORMER_VERBS = {"list", "watch"}

# A patch request: the resource helper it names and the rest of the statement (up to `;`),
# which says whether it targets the status subresource.
PATCH_CALL = re.compile(r"\bPatch\(\s*kube::(\w+)Resource\(\)([^;]*)", re.S)
PATCHED_VERB = "patch"


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
        if "RestLeaseLock" in text or "NewRestLeaseElector" in text:
            used.add("leases")
        if re.search(r"->Bind\(", text):
            used.add("pods/binding")
        for resource in re.findall(r"UpdateStatus\(kube::(\w+)Resource\(\)", text):
            used.add(_HELPER_NAMES.get(resource, resource.lower()) + "/status")
        if re.search(r"PodsResource\(\)[^;]*subresource = \"status\"", text, re.S):
            used.add("pods/status")
    return used


def informer_resources(root, directories):
    """The resources the sources run an informer on (each needs list and watch)."""
    watched = set()
    for text in _sources(root, directories):
        for pattern in INFORMERS:
            watched.update(_HELPER_NAMES.get(m, m.lower()) for m in pattern.findall(text))
    return watched


def patched_resources(root, directories):
    """The resources (and subresources) the sources send a patch to."""
    patched = set()
    for text in _sources(root, directories):
        for helper, rest in PATCH_CALL.findall(text):
            resource = _HELPER_NAMES.get(helper, helper.lower())
            status = re.search(r'subresource\s*=\s*"status"', rest)
            patched.add(resource + "/status" if status else resource)
        if "EventRecorder" in text:
            patched.add("events")  # the recorder patches a repeated Event's count
    return patched


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
    return set(granted_verbs(objects, service_account))


def granted_verbs(objects, service_account):
    """Resource -> the verbs granted on it to the ServiceAccount (in any namespace)."""
    roles = {(o["kind"], o["metadata"].get("namespace"), o["metadata"]["name"]): o
             for o in objects if o.get("kind") in ("Role", "ClusterRole")}
    granted = {}
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
            for resource in rule.get("resources") or []:
                granted.setdefault(resource, set()).update(rule.get("verbs") or [])
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
        verbs = granted_verbs(objects, account)
        granted = set(verbs)
        for extra in sorted(granted - used):
            problems.append("%s: granted %s, which its code does not call" % (account, extra))
        for missing in sorted(used - granted):
            problems.append("%s: its code calls %s, which it is not granted" % (account, missing))
        for watched in sorted(informer_resources(root, directories)):
            lacking = INFORMER_VERBS - verbs.get(watched, set())
            if watched in verbs and lacking:
                problems.append("%s: its code runs an informer on %s, which needs %s" %
                                (account, watched, " and ".join(sorted(lacking))))
        patched = patched_resources(root, directories)
        for resource in sorted(r for r, v in verbs.items() if PATCHED_VERB in v):
            if resource not in patched:
                problems.append("%s: granted %s on %s, which its code does not call" %
                                (account, PATCHED_VERB, resource))
    return problems
