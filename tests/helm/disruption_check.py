"""The operator's PodDisruptionBudget against readiness-follows-leadership.

Only the leading operator replica is Ready (its /readyz fails on a standby), which is what
keeps the supervision Service pointed at the leader. A budget counts Ready pods, so the
standby always counts as unavailable. The check replays voluntary evictions against the
rendered budget with the eviction API's rules (pkg/registry/core/pod/storage/eviction.go):

  a Ready pod may go when currentHealthy - desiredHealthy > 0;
  a pod that is not Ready may go under unhealthyPodEvictionPolicy AlwaysAllow, and under
  IfHealthyBudget (the default) only when currentHealthy >= desiredHealthy;

and requires: the standby may always be evicted (also while no replica is Ready, e.g. during
a takeover), the leader is never evicted while it is the only Ready replica (leadership is
moved by deleting it instead, helm/README.md), and the supervision Service selects the
Deployment's pods by readiness (a readiness probe on /readyz).
"""


def _desired_healthy(spec, expected):
    if "minAvailable" in spec:
        return int(spec["minAvailable"])
    if "maxUnavailable" in spec:
        return expected - int(spec["maxUnavailable"])
    return 0


def eviction_allowed(pdb_spec, expected, ready, target_ready):
    """Whether the eviction API lets one pod of the budget go."""
    desired = _desired_healthy(pdb_spec, expected)
    if not target_ready:
        if pdb_spec.get("unhealthyPodEvictionPolicy") == "AlwaysAllow":
            return True
        return ready >= desired
    return ready - desired > 0


def _find(objects, kind, suffix):
    return next((o for o in objects if o.get("kind") == kind and
                 o["metadata"]["name"].endswith(suffix)), None)


def check(objects):
    deployment = _find(objects, "Deployment", "-operator")
    pdb = _find(objects, "PodDisruptionBudget", "-operator")
    service = _find(objects, "Service", "-operator-supervision")
    if deployment is None or pdb is None:
        return []  # the budget is optional (operator.podDisruptionBudget.enabled)
    problems = []
    replicas = int(deployment["spec"].get("replicas", 1))
    spec = pdb["spec"]
    # (what, Ready replicas, is the evicted pod Ready, must it be allowed)
    cases = [("the standby while the leader is Ready", 1, False, True),
             ("the standby while no replica is Ready", 0, False, True),
             ("the leader while it is the only Ready replica", 1, True, False)]
    for what, ready, target_ready, want in cases:
        if replicas < 2 and not target_ready:
            continue  # no standby
        if eviction_allowed(spec, replicas, ready, target_ready) != want:
            problems.append("PodDisruptionBudget %s: evicting %s is %s" % (
                pdb["metadata"]["name"], what, "refused" if want else "allowed"))
    pod = deployment["spec"]["template"]
    container = next(c for c in pod["spec"]["containers"] if c["name"] == "operator")
    path = ((container.get("readinessProbe") or {}).get("httpGet") or {}).get("path")
    if path != "/readyz":
        problems.append("Deployment %s: readiness must follow leadership (/readyz), got %s" %
                        (deployment["metadata"]["name"], path))
    if service is None or service["spec"].get("selector") != pod["metadata"]["labels"]:
        problems.append("the supervision Service must select exactly the operator's pods")
    return problems
