"""Prometheus from Debian's package, run for a test: start on a free port with a temporary
TSDB, query through the HTTP API, and the checks the Prometheus test makes with it.
"""
import json
import os
import subprocess
import time
import urllib.error
import urllib.parse
import urllib.request

import dashboard_queries
import local_cluster

PROMETHEUS = "/usr/bin/prometheus"


class Prometheus:
    def __init__(self, work_dir, config_text):
        self.work_dir = work_dir
        self.port = local_cluster.free_port()
        self.url = "http://127.0.0.1:%d" % self.port
        self.config = os.path.join(work_dir, "prometheus.yml")
        self.log_path = os.path.join(work_dir, "prometheus.log")
        with open(self.config, "w") as f:
            f.write(config_text)
        self.process = None
        self.started = None

    def start(self, deadline_s=30):
        with open(self.log_path, "w") as log:
            self.process = subprocess.Popen(
                [PROMETHEUS, "--config.file=" + self.config,
                 "--storage.tsdb.path=" + os.path.join(self.work_dir, "tsdb"),
                 "--web.listen-address=127.0.0.1:%d" % self.port, "--log.level=warn"],
                stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
        self.started = time.time()
        end = time.time() + deadline_s
        while not self._ready():
            if self.process.poll() is not None or time.time() > end:
                raise AssertionError("prometheus did not become ready: %s" % self.log()[-3000:])
            time.sleep(0.2)

    def _ready(self):
        try:
            with urllib.request.urlopen(self.url + "/-/ready", timeout=2) as response:
                return response.status == 200
        except (urllib.error.URLError, OSError):
            return False

    def stop(self):
        if self.process and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()

    def log(self):
        return local_cluster.read(self.log_path)

    def api(self, path, **params):
        url = "%s/api/v1/%s?%s" % (self.url, path, urllib.parse.urlencode(params))
        try:
            with urllib.request.urlopen(url, timeout=10) as response:
                return json.load(response)
        except urllib.error.HTTPError as error:  # 400/422: a bad query, with its error
            return json.load(error)

    def query(self, expr, at):
        """(result list, None) or (None, error message)."""
        answer = self.api("query", query=expr, time="%.3f" % at)
        if answer.get("status") != "success":
            return None, "%s: %s" % (answer.get("errorType"), answer.get("error"))
        return answer["data"]["result"], None

    def value(self, expr, at=None):
        """The first sample's value of `expr` now, or None."""
        result, _ = self.query(expr, at or time.time())
        return float(result[0]["value"][1]) if result else None


def check_panels(prometheus, boards, values, at):
    """Problems of every panel expression evaluated at `at`: errors and empty results."""
    problems, count = [], 0
    for name, board in boards:
        for title, expr in dashboard_queries.panel_queries(board):
            count += 1
            query = dashboard_queries.substitute(expr, values)
            result, error = prometheus.query(query, at)
            if error:
                problems.append("%s / %s: %s\n    %s" % (name, title, error, query))
            elif not result:
                problems.append("%s / %s: no series\n    %s" % (name, title, query))
            elif all(sample["value"][1] == "NaN" for sample in result):
                problems.append("%s / %s: only NaN (nothing observed in the range)\n    %s"
                                % (name, title, query))
            else:
                numbers = [r for r in result if r["value"][1] != "NaN"]
                print("  %-24s %-40s %3d series, e.g. %s" % (
                    name, title[:40], len(result), describe(numbers[0])))
    return problems, count


def describe(sample):
    """'<value> {labels}' of an instant-query sample, for the test's log."""
    labels = {k: v for k, v in sample["metric"].items() if k in
              ("rank", "phase", "class", "level", "node", "id", "pod", "le", "result")}
    return "%s %s" % (sample["value"][1], labels or "")


# What the deleted pod must leave in the operator's series over the test's range.
FAULT_EVIDENCE = ["sum(increase(flyover_operator_faults_total[{r}]))",
                  "sum(increase(flyover_operator_restarts_total[{r}]))",
                  "sum(increase(flyover_operator_recovery_seconds_count[{r}]))"]


def check_fault_seen(prometheus, at, range_):
    """The fault and its recovery were counted: each FAULT_EVIDENCE expression is > 0."""
    problems = []
    for template in FAULT_EVIDENCE:
        expr = template.format(r=range_)
        result, error = prometheus.query(expr, at)
        value = float(result[0]["value"][1]) if result else 0.0
        if error or not value > 0:
            problems.append("the deleted pod left no trace: %s = %s%s"
                            % (expr, value, " (%s)" % error if error else ""))
    return problems


def check_variables(prometheus, boards, values, at):
    """Each label_values(selector, label) variable offers the test's value."""
    problems = []
    for name, board in boards:
        for variable, selector, label in dashboard_queries.variable_queries(board):
            if not selector or variable not in values:
                continue
            query = dashboard_queries.substitute(selector, values)
            result, error = prometheus.query(query, at)
            offered = {s["metric"].get(label) for s in result or []}
            if error or values[variable] not in offered:
                problems.append("%s: variable $%s = label_values(%s, %s) offers %s, not %r%s"
                                % (name, variable, query, label, sorted(filter(None, offered)),
                                   values[variable], " (%s)" % error if error else ""))
    return problems


def check_rules(prometheus, rules_doc):
    """Every rule of the rules file loaded, each with health "ok"."""
    want = {r.get("record") or r.get("alert") for g in rules_doc["groups"] for r in g["rules"]}
    answer = prometheus.api("rules")
    loaded, problems = set(), []
    for group in answer.get("data", {}).get("groups", []):
        for rule in group["rules"]:
            loaded.add(rule["name"])
            if rule.get("health") != "ok":
                problems.append("rule %s: health %r: %s" % (rule["name"], rule.get("health"),
                                                             rule.get("lastError")))
    if loaded != want:
        problems.append("rules loaded %s, want %s" % (sorted(loaded), sorted(want)))
    return problems


def down_targets(prometheus):
    answer = prometheus.api("targets", state="active")
    return ["%s %s: %s" % (t["labels"].get("job"), t["scrapeUrl"], t.get("lastError"))
            for t in answer.get("data", {}).get("activeTargets", []) if t["health"] != "up"]
