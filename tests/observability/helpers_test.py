#!/usr/bin/env python3
"""observability_helpers_test: the Prometheus test's helpers on made-up inputs (the scrape
configuration's targets and labels, the dashboards' expressions and variables, and the checks
on Prometheus's answers, against a fake)."""
import os
import tempfile
import unittest

import yaml

import dashboard_queries
import prometheus_check
import scrape_config


def pod(name, ip, phase="Running", node="sp0-node00"):
    return {"metadata": {"name": name, "namespace": "ml",
                         "labels": {scrape_config.JOB_LABEL: "tiny"}},
            "spec": {"nodeName": node}, "status": {"phase": phase, "podIP": ip}}


class WorkerTargetsTest(unittest.TestCase):
    def test_per_pod_ips_give_one_target_per_running_pod_with_its_labels(self):
        groups = scrape_config.worker_targets(
            [pod("tiny-0-g0", "127.1.0.2"), pod("tiny-1-g0", "127.1.0.3", node="sp0-node01"),
             pod("tiny-2-g0", "", phase="Pending")], per_pod_ips=True)
        self.assertEqual(groups, [
            {"targets": ["127.1.0.2:9400"],
             "labels": {"namespace": "ml", "job": "tiny", "pod": "tiny-0-g0",
                        "node": "sp0-node00"}},
            {"targets": ["127.1.0.3:9400"],
             "labels": {"namespace": "ml", "job": "tiny", "pod": "tiny-1-g0",
                        "node": "sp0-node01"}}])

    def test_shared_loopback_gives_one_target_without_pod_labels(self):
        groups = scrape_config.worker_targets(
            [pod("tiny-0-g0", "127.0.0.1"), pod("tiny-1-g0", "127.0.0.1")], per_pod_ips=False)
        self.assertEqual(groups, [{"targets": ["127.0.0.1:9400"],
                                   "labels": {"namespace": "ml", "job": "tiny"}}])


class PrometheusConfigTest(unittest.TestCase):
    def test_operator_and_exporter_keep_their_own_labels(self):
        config = yaml.safe_load(scrape_config.prometheus_config("/t", "/r.yaml"))
        honor = {j["job_name"]: j["honor_labels"] for j in config["scrape_configs"]}
        self.assertEqual(honor, {"flyover-apiserver": False, "flyover-operator": True,
                                 "flyover-scheduler": False, "flyover-device-plugin": True,
                                 "flyover-worker": False})
        self.assertEqual(config["global"]["scrape_interval"], "1s")
        self.assertEqual(config["rule_files"], ["/r.yaml"])

    def test_targets_file_is_replaced_whole(self):
        with tempfile.TemporaryDirectory() as d:
            scrape_config.write_targets(d, "x", [{"targets": ["a:1"]}])
            scrape_config.write_targets(d, "x", [])
            self.assertEqual(os.listdir(d), ["x.json"])
            with open(os.path.join(d, "x.json")) as f:
                self.assertEqual(f.read(), "[]")


class DashboardQueriesTest(unittest.TestCase):
    BOARD = {"panels": [
        {"type": "row", "title": "r", "panels": [
            {"title": "inner", "targets": [{"expr": "up{job=\"$job\"}"}]}]},
        {"title": "p", "targets": [{"expr": "rate(x[$__rate_interval])"}, {"expr": ""}]}],
        "templating": {"list": [
            {"name": "datasource", "type": "datasource"},
            {"name": "job", "type": "query",
             "query": {"query": "label_values(m{namespace=\"$namespace\"}, job)"}},
            {"name": "plain", "type": "query", "query": "label_values(node)"}]}}

    def test_every_target_of_every_panel_including_rows(self):
        self.assertEqual(dashboard_queries.panel_queries(self.BOARD),
                         [("inner", "up{job=\"$job\"}"), ("p", "rate(x[$__rate_interval])")])

    def test_label_values_variables(self):
        self.assertEqual(dashboard_queries.variable_queries(self.BOARD),
                         [("job", "m{namespace=\"$namespace\"}", "job"),
                          ("plain", None, "node")])

    def test_substitution_of_both_forms_and_unknown_names(self):
        values = {"job": "tiny", "__rate_interval": "30s"}
        self.assertEqual(dashboard_queries.substitute("a{job=\"${job}\"}[$__rate_interval]",
                                                      values), "a{job=\"tiny\"}[30s]")
        with self.assertRaisesRegex(KeyError, r"\$node"):
            dashboard_queries.substitute("a{node=\"$node\"}", values)


class FakePrometheus:
    """Answers queries from a table: expr -> (result, error); rules from a list."""
    def __init__(self, answers, rules=()):
        self.answers, self.rules = answers, rules

    def query(self, expr, at):
        return self.answers.get(expr, ([], None))

    def api(self, path, **params):
        return {"data": {"groups": [{"rules": list(self.rules)}]}}


def series(value, **labels):
    return {"metric": labels, "value": [0, value]}


class ChecksTest(unittest.TestCase):
    BOARD = ("b.json", {"panels": [{"title": t, "targets": [{"expr": t}]}
                                   for t in ("ok", "bad", "empty", "nan")]})

    def test_panels_with_an_error_no_series_or_only_nan_fail_by_name(self):
        fake = FakePrometheus({"ok": ([series("1"), series("NaN")], None),
                               "bad": (None, "bad_data: parse error"),
                               "nan": ([series("NaN")], None)})
        problems, count = prometheus_check.check_panels(fake, [self.BOARD], {}, 0)
        self.assertEqual(count, 4)
        self.assertEqual([p.split("\n")[0] for p in problems],
                         ["b.json / bad: bad_data: parse error", "b.json / empty: no series",
                          "b.json / nan: only NaN (nothing observed in the range)"])

    def test_rules_must_all_load_healthy(self):
        doc = {"groups": [{"rules": [{"record": "a:b"}, {"alert": "A"}, {"alert": "B"}]}]}
        fake = FakePrometheus({}, [{"name": "a:b", "health": "ok"},
                                   {"name": "A", "health": "err", "lastError": "boom"}])
        self.assertEqual(prometheus_check.check_rules(fake, doc),
                         ["rule A: health 'err': boom",
                          "rules loaded ['A', 'a:b'], want ['A', 'B', 'a:b']"])

    def test_variables_must_offer_the_tests_value(self):
        board = ("b.json", {"templating": {"list": [
            {"name": "job", "type": "query", "query": "label_values(m, job)"}]}})
        fake = FakePrometheus({"m": ([series("1", job="other")], None)})
        self.assertEqual(len(prometheus_check.check_variables(fake, [board], {"job": "tiny"}, 0)),
                         1)
        fake = FakePrometheus({"m": ([series("1", job="tiny")], None)})
        self.assertEqual(prometheus_check.check_variables(fake, [board], {"job": "tiny"}, 0), [])


if __name__ == "__main__":
    unittest.main()
