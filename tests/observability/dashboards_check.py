#!/usr/bin/env python3
"""observability_dashboards_test: the dashboards without a running Prometheus.

  dashboards_check.py <repo root> <scratch dir>

Fails, naming the file and panel, when: deploy/grafana/*.json is not what
deploy/grafana/dashboards.py generates, or helm/flyover/dashboards/ does not hold identical
copies of them and of deploy/prometheus/flyover-rules.yaml (the chart's PrometheusRule);
a dashboard lacks the datasource, namespace or job variable, a stable uid or the current
schemaVersion; a panel queries another datasource than ${datasource}; an expression uses an
unknown template variable or is not valid PromQL (each substituted expression is checked by
`promtool check rules` as a recording rule).
"""
import filecmp
import os
import subprocess
import sys

import yaml

import dashboard_queries

SCHEMA_VERSION = 39
UIDS = {"fleet.json": "flyover-fleet", "job.json": "flyover-job",
        "scheduler.json": "flyover-scheduler", "npu.json": "flyover-npu"}
# What the variables stand for when only the syntax matters.
SAMPLE_VALUES = {"namespace": "default", "job": "tiny", "node": "node-0", "super_pod": "0",
                 "__rate_interval": "1m", "__range": "1h", "__interval": "15s"}


def check_generated(root):
    run = subprocess.run([sys.executable, os.path.join(root, "deploy/grafana/dashboards.py"),
                          "--check"], capture_output=True, text=True)
    return [] if run.returncode == 0 else (run.stdout + run.stderr).strip().splitlines()


def check_copies(root):
    source = os.path.join(root, "deploy", "grafana")
    chart = os.path.join(root, "helm", "flyover", "dashboards")
    want = sorted(f for f in os.listdir(source) if f.endswith(".json"))
    have = sorted(f for f in os.listdir(chart) if f.endswith(".json"))
    problems = [] if want == have else ["helm/flyover/dashboards/: %s, deploy/grafana/: %s"
                                        % (have, want)]
    for name in set(want) & set(have):
        if not filecmp.cmp(os.path.join(source, name), os.path.join(chart, name), shallow=False):
            problems.append("helm/flyover/dashboards/%s: differs from deploy/grafana/" % name)
    rules = os.path.join(root, "deploy", "prometheus", "flyover-rules.yaml")
    if not filecmp.cmp(rules, os.path.join(chart, "flyover-rules.yaml"), shallow=False):
        problems.append("helm/flyover/dashboards/flyover-rules.yaml (the PrometheusRule's "
                        "source): differs from deploy/prometheus/flyover-rules.yaml")
    return problems


def check_board(name, board):
    problems = []
    if board.get("uid") != UIDS.get(name):
        problems.append("%s: uid %r, want %r" % (name, board.get("uid"), UIDS.get(name)))
    if board.get("schemaVersion") != SCHEMA_VERSION:
        problems.append("%s: schemaVersion %r, want %d"
                        % (name, board.get("schemaVersion"), SCHEMA_VERSION))
    variables = [v["name"] for v in board.get("templating", {}).get("list", [])]
    for wanted in ("datasource", "namespace", "job"):
        if wanted not in variables:
            problems.append("%s: no $%s variable" % (name, wanted))
    for panel in board.get("panels", []):
        if panel.get("type") == "row":
            continue
        uid = (panel.get("datasource") or {}).get("uid")
        if uid != "${datasource}":
            problems.append("%s: panel %r queries datasource %r" % (name, panel.get("title"), uid))
        if not panel.get("targets"):
            problems.append("%s: panel %r has no query" % (name, panel.get("title")))
    return problems


def check_promql(boards, scratch):
    """Every substituted expression, as a recording rule, through `promtool check rules`."""
    problems, rules = [], []
    for name, board in boards:
        for title, expr in dashboard_queries.panel_queries(board):
            try:
                rules.append({"record": "check:%d" % len(rules),
                              "expr": dashboard_queries.substitute(expr, SAMPLE_VALUES)})
            except KeyError as error:
                problems.append("%s: panel %r: %s in %s" % (name, title, error, expr))
    path = os.path.join(scratch, "dashboard-expressions.yaml")
    with open(path, "w") as f:
        yaml.safe_dump({"groups": [{"name": "dashboards", "rules": rules}]}, f)
    run = subprocess.run(["promtool", "check", "rules", path], capture_output=True, text=True)
    if run.returncode != 0:
        problems.append("promtool check rules on the dashboards' expressions (%s):\n%s"
                        % (path, run.stdout + run.stderr))
    return problems, len(rules)


def main(root, scratch):
    os.makedirs(scratch, exist_ok=True)
    boards = dashboard_queries.load_dashboards(os.path.join(root, "deploy", "grafana"))
    problems = check_generated(root) + check_copies(root)
    if sorted(name for name, _ in boards) != sorted(UIDS):
        problems.append("deploy/grafana/: dashboards %s, want %s"
                        % ([n for n, _ in boards], sorted(UIDS)))
    for name, board in boards:
        problems += check_board(name, board)
    promql_problems, count = check_promql(boards, scratch)
    problems += promql_problems
    for problem in problems:
        print(problem)
    print("%d dashboards, %d expressions, %d problems" % (len(boards), count, len(problems)))
    return 1 if problems else 0


if __name__ == "__main__":
    if len(sys.argv) != 3:
        print(__doc__)
        sys.exit(2)
    sys.exit(main(*sys.argv[1:]))
