"""Tests that the chart checks catch what they claim to: unknown fields, wrong types, missing
required fields, RBAC wildcards and weak security contexts. Run: python3 check_chart_test.py
"""
import copy
import os
import unittest

import check_chart
import disruption_check
import rbac_check
import schema_check

DEPLOYMENT = {
    "apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "d"},
    "spec": {
        "selector": {"matchLabels": {"app": "d"}},
        "template": {
            "metadata": {"labels": {"app": "d"}},
            "spec": {"containers": [{
                "name": "c", "image": "i",
                "securityContext": {"runAsNonRoot": True, "readOnlyRootFilesystem": True,
                                    "allowPrivilegeEscalation": False,
                                    "capabilities": {"drop": ["ALL"]}}}]}}}}


def container(obj):
    return obj["spec"]["template"]["spec"]["containers"][0]


class SchemaTest(unittest.TestCase):
    def test_valid_object_passes(self):
        self.assertEqual(schema_check.validate(DEPLOYMENT), [])

    def test_unknown_field_fails(self):
        obj = copy.deepcopy(DEPLOYMENT)
        container(obj)["imagePullPolicyy"] = "Always"
        self.assertIn("unknown field", " ".join(schema_check.validate(obj)))

    def test_wrong_type_fails(self):
        obj = copy.deepcopy(DEPLOYMENT)
        obj["spec"]["replicas"] = "2"
        self.assertIn("spec.replicas: want int", " ".join(schema_check.validate(obj)))

    def test_missing_required_field_fails(self):
        obj = copy.deepcopy(DEPLOYMENT)
        del container(obj)["name"]
        self.assertTrue(schema_check.validate(obj))

    def test_unknown_kind_is_reported(self):
        self.assertTrue(schema_check.validate({"apiVersion": "x/v1", "kind": "Nope"}))

    def test_cel_rules_are_checked(self):
        problems = []
        schema_check._build({"x-kubernetes-validations": [{"rule": "self > 0"}]},
                            "V1JSONSchemaProps", "p", problems)
        self.assertEqual(problems, [])
        schema_check._build({"x-kubernetes-validations": [{"message": "m"}]},
                            "V1JSONSchemaProps", "p", problems)
        self.assertIn("rule", " ".join(problems))


    def test_service_monitor_is_checked(self):
        monitor = {"apiVersion": "monitoring.coreos.com/v1", "kind": "ServiceMonitor",
                   "metadata": {"name": "m"},
                   "spec": {"selector": {"matchLabels": {"a": "b"}},
                            "endpoints": [{"port": "metrics", "intervall": "30s"}]}}
        self.assertIn("intervall: unknown field", " ".join(schema_check.validate(monitor)))
        del monitor["spec"]["endpoints"][0]["intervall"]
        self.assertEqual(schema_check.validate(monitor), [])


    def test_service_monitor_honor_labels_is_a_bool(self):
        monitor = {"apiVersion": "monitoring.coreos.com/v1", "kind": "ServiceMonitor",
                   "metadata": {"name": "m"},
                   "spec": {"selector": {}, "endpoints": [{"port": "m", "honorLabels": True}]}}
        self.assertEqual(schema_check.validate(monitor), [])
        monitor["spec"]["endpoints"][0]["honorLabels"] = "yes"
        self.assertIn("honorLabels: want bool", " ".join(schema_check.validate(monitor)))

    def test_prometheus_rule_is_checked(self):
        rule = {"apiVersion": "monitoring.coreos.com/v1", "kind": "PrometheusRule",
                "metadata": {"name": "r"},
                "spec": {"groups": [{"name": "g", "interval": "1m", "rules": [
                    {"record": "a:b:sum", "expr": "sum(x)", "labels": {"k": "v"}},
                    {"alert": "A", "expr": "x > 1", "for": "5m",
                     "annotations": {"summary": "s"}}]}]}}
        self.assertEqual(schema_check.validate(rule), [])
        bad = copy.deepcopy(rule)
        bad["spec"]["groups"][0]["rules"][1]["fro"] = "5m"
        del bad["spec"]["groups"][0]["name"]
        problems = " ".join(schema_check.validate(bad))
        self.assertIn("rules[1].fro: unknown field of Rule", problems)
        self.assertIn("groups[0].name: required field of RuleGroup missing", problems)

    def test_pod_monitor_is_checked(self):
        monitor = {"apiVersion": "monitoring.coreos.com/v1", "kind": "PodMonitor",
                   "metadata": {"name": "p"},
                   "spec": {"selector": {"matchExpressions": [{"key": "k", "operator": "Exists"}]},
                            "namespaceSelector": {"any": True}, "jobLabel": "j",
                            "podMetricsEndpoints": [{
                                "path": "/metrics", "interval": "30s", "honorLabels": False,
                                "relabelings": [{"sourceLabels": ["a", "b"], "separator": ";",
                                                 "regex": "(.+)", "replacement": "${1}:9400",
                                                 "targetLabel": "__address__",
                                                 "action": "replace", "modulus": 2}]}]}}
        self.assertEqual(schema_check.validate(monitor), [])
        bad = copy.deepcopy(monitor)
        bad["spec"]["podMetricsEndpoints"][0]["relabelings"][0]["source_labels"] = ["a"]
        bad["spec"]["podMetricsEndpoints"][0]["relabelings"][0]["modulus"] = "2"
        bad["spec"]["podMetricsEndpoints"][0]["portt"] = "m"
        problems = " ".join(schema_check.validate(bad))
        self.assertIn("relabelings[0].source_labels: unknown field of RelabelConfig", problems)
        self.assertIn("relabelings[0].modulus: want int", problems)
        self.assertIn("podMetricsEndpoints[0].portt: unknown field of PodMetricsEndpoint", problems)


class SecurityTest(unittest.TestCase):
    def test_secure_container_passes(self):
        self.assertEqual(check_chart.check_security(DEPLOYMENT, "d"), [])

    def test_each_weakness_fails(self):
        for field, bad in (("runAsNonRoot", False), ("readOnlyRootFilesystem", False),
                           ("allowPrivilegeEscalation", True), ("capabilities", {"drop": []})):
            obj = copy.deepcopy(DEPLOYMENT)
            container(obj)["securityContext"][field] = bad
            self.assertTrue(check_chart.check_security(obj, "d"), field)


class FlagsTest(unittest.TestCase):
    ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..")

    def test_unknown_flag_fails_and_known_flag_passes(self):
        obj = copy.deepcopy(DEPLOYMENT)
        container(obj)["name"] = "operator"
        container(obj)["args"] = ["--workers=4", "--no-such-flag=1"]
        problems = check_chart.check_flags(self.ROOT, obj, "d")
        self.assertEqual(len(problems), 1)
        self.assertIn("--no-such-flag=1", problems[0])


class RbacTest(unittest.TestCase):
    def test_wildcard_fails(self):
        role = {"kind": "ClusterRole", "metadata": {"name": "r"},
                "rules": [{"apiGroups": [""], "resources": ["pods"], "verbs": ["*"]}]}
        self.assertIn("wildcard", " ".join(rbac_check._wildcards(role)))

    def test_granted_resources_follow_bindings(self):
        objects = [
            {"kind": "ClusterRole", "metadata": {"name": "r"},
             "rules": [{"apiGroups": [""], "resources": ["pods"], "verbs": ["get"]}]},
            {"kind": "ClusterRoleBinding", "metadata": {"name": "b"},
             "roleRef": {"kind": "ClusterRole", "name": "r"},
             "subjects": [{"kind": "ServiceAccount", "name": "sa", "namespace": "n"}]},
        ]
        self.assertEqual(rbac_check.granted_resources(objects, "sa"), {"pods"})
        self.assertEqual(rbac_check.granted_resources(objects, "other"), set())

    def test_granted_verbs_merge_roles_of_every_namespace(self):
        objects = [
            {"kind": "ClusterRole", "metadata": {"name": "r"},
             "rules": [{"apiGroups": [""], "resources": ["configmaps"], "verbs": ["get"]}]},
            {"kind": "ClusterRoleBinding", "metadata": {"name": "b"},
             "roleRef": {"kind": "ClusterRole", "name": "r"},
             "subjects": [{"kind": "ServiceAccount", "name": "sa", "namespace": "n"}]},
            {"kind": "Role", "metadata": {"name": "w", "namespace": "kube-system"},
             "rules": [{"apiGroups": [""], "resources": ["configmaps"], "verbs": ["list"]}]},
            {"kind": "RoleBinding", "metadata": {"name": "w", "namespace": "kube-system"},
             "roleRef": {"kind": "Role", "name": "w"},
             "subjects": [{"kind": "ServiceAccount", "name": "sa", "namespace": "n"}]},
        ]
        self.assertEqual(rbac_check.granted_verbs(objects, "sa"), {"configmaps": {"get", "list"}})

    def test_informers_are_derived_from_both_forms(self):
        import tempfile
        with tempfile.TemporaryDirectory() as root:
            os.makedirs(os.path.join(root, "op"))
            with open(os.path.join(root, "op", "app.cc"), "w") as f:
                f.write("std::make_shared<kube::RestListerWatcher>(\n  client, "
                        "kube::ConfigMapsResource(),\n  opts);\n"
                        "informer(kube::NodesResource(), \"\");\n")
            self.assertEqual(rbac_check.informer_resources(root, ["op"]), {"configmaps", "nodes"})

    def test_informer_without_list_and_watch_fails(self):
        with open(os.path.join(ROOT, "operator", "operator_app.cc")) as f:
            if "kube::ConfigMapsResource()" not in f.read():
                self.skipTest("the operator runs no ConfigMap informer")
        account = "flyover-operator"
        objects = [
            {"kind": "ServiceAccount", "metadata": {"name": account}},
            {"kind": "ClusterRole", "metadata": {"name": "r"},
             "rules": [{"apiGroups": [""], "resources": ["configmaps"], "verbs": ["get"]}]},
            {"kind": "ClusterRoleBinding", "metadata": {"name": "b"},
             "roleRef": {"kind": "ClusterRole", "name": "r"},
             "subjects": [{"kind": "ServiceAccount", "name": account, "namespace": "n"}]},
        ]
        problems = [p for p in rbac_check.check(ROOT, objects) if p.startswith(account + ":")]
        self.assertIn("flyover-operator: its code runs an informer on configmaps, which needs "
                      "list and watch", problems)


    def test_patches_are_derived_with_their_subresource(self):
        import tempfile
        with tempfile.TemporaryDirectory() as root:
            os.makedirs(os.path.join(root, "op"))
            with open(os.path.join(root, "op", "app.cc"), "w") as f:
                f.write("client->Patch(kube::PodsResource(), ns, name, patch,\n"
                        "  {.subresource = \"status\"});\n"
                        "client->Patch(kube::NodesResource(), \"\", name, patch);\n"
                        "EventRecorder recorder;\n")
            self.assertEqual(rbac_check.patched_resources(root, ["op"]),
                             {"pods/status", "nodes", "events"})

    def test_patch_grant_the_code_does_not_send_fails(self):
        account = "flyover-scheduler"
        rules = [{"apiGroups": [""], "resources": ["pods"], "verbs": ["list", "watch", "patch"]},
                 {"apiGroups": [""], "resources": ["pods/status"], "verbs": ["patch"]}]
        objects = [
            {"kind": "ServiceAccount", "metadata": {"name": account}},
            {"kind": "ClusterRole", "metadata": {"name": "r"}, "rules": rules},
            {"kind": "ClusterRoleBinding", "metadata": {"name": "b"},
             "roleRef": {"kind": "ClusterRole", "name": "r"},
             "subjects": [{"kind": "ServiceAccount", "name": account, "namespace": "n"}]},
        ]
        problems = [p for p in rbac_check.check(ROOT, objects) if p.startswith(account + ":")]
        self.assertIn("flyover-scheduler: granted patch on pods, which its code does not call",
                      problems)
        self.assertNotIn("flyover-scheduler: granted patch on pods/status, which its code does "
                         "not call", problems)


class DisruptionTest(unittest.TestCase):
    def test_eviction_rules(self):
        default = {"minAvailable": 1}
        always = {"minAvailable": 1, "unhealthyPodEvictionPolicy": "AlwaysAllow"}
        allowed = disruption_check.eviction_allowed
        self.assertTrue(allowed(default, 2, 1, False))   # unready pod, budget healthy
        self.assertFalse(allowed(default, 2, 0, False))  # unready pod, budget not healthy
        self.assertTrue(allowed(always, 2, 0, False))
        self.assertFalse(allowed(always, 2, 1, True))    # the only Ready pod
        self.assertTrue(allowed(always, 2, 2, True))
        self.assertTrue(allowed({"maxUnavailable": 1}, 2, 2, True))

    def test_default_policy_fails_the_takeover_case(self):
        labels = {"app": "op"}
        objects = [
            {"kind": "Deployment", "metadata": {"name": "f-operator"},
             "spec": {"replicas": 2, "template": {"metadata": {"labels": labels}, "spec": {
                 "containers": [{"name": "operator",
                                 "readinessProbe": {"httpGet": {"path": "/readyz"}}}]}}}},
            {"kind": "PodDisruptionBudget", "metadata": {"name": "f-operator"},
             "spec": {"minAvailable": 1}},
            {"kind": "Service", "metadata": {"name": "f-operator-supervision"},
             "spec": {"selector": labels}},
        ]
        self.assertEqual(disruption_check.check(objects),
                         ["PodDisruptionBudget f-operator: evicting the standby while no "
                          "replica is Ready is refused"])
        objects[1]["spec"]["unhealthyPodEvictionPolicy"] = "AlwaysAllow"
        self.assertEqual(disruption_check.check(objects), [])
        objects[1]["spec"] = {"minAvailable": 0, "unhealthyPodEvictionPolicy": "AlwaysAllow"}
        self.assertIn("evicting the leader while it is the only Ready replica is allowed",
                      " ".join(disruption_check.check(objects)))


ROOT = os.path.abspath(os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", ".."))


if __name__ == "__main__":
    unittest.main()
