"""Tests that the chart checks catch what they claim to: unknown fields, wrong types, missing
required fields, RBAC wildcards and weak security contexts. Run: python3 check_chart_test.py
"""
import copy
import os
import unittest

import check_chart
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


if __name__ == "__main__":
    unittest.main()
