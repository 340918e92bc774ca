#!/usr/bin/env python3
"""The source of Flyover's Grafana dashboards: writes deploy/grafana/*.json and their copies in
helm/flyover/dashboards/ (the chart ships those as ConfigMaps for Grafana's sidecar).

  dashboards.py            regenerate both directories
  dashboards.py --check    exit 1, naming the file, when a committed JSON differs from this source

The panels themselves are in dashboard_panels.py; this file holds the Grafana plumbing: the
datasource/namespace/job/node variables, panel layout and the JSON of a dashboard (schemaVersion
39, stable uids). Every panel queries the datasource variable; template variables used in
expressions are $namespace, $job, $node, $super_pod, $__rate_interval and $__range, which the
Prometheus test (tests/observability) substitutes before evaluating each expression.
"""
import json
import os
import sys

sys.dont_write_bytecode = True  # no __pycache__ in the source tree
import dashboard_panels  # noqa: E402

SCHEMA_VERSION = 39
DATASOURCE = {"type": "prometheus", "uid": "${datasource}"}
HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
CHART_COPY = os.path.join(ROOT, "helm", "flyover", "dashboards")


def datasource_variable():
    return {"name": "datasource", "label": "Data source", "type": "datasource",
            "query": "prometheus", "current": {}, "hide": 0, "refresh": 1, "regex": "",
            "options": []}


def query_variable(name, label, query, include_all=False):
    """A variable filled from label_values(...); include_all offers "All" as the regex .*."""
    variable = {"name": name, "label": label, "type": "query", "datasource": DATASOURCE,
                "definition": query, "query": {"query": query, "refId": "variable"},
                "refresh": 2, "sort": 1, "hide": 0, "multi": include_all,
                "includeAll": include_all, "current": {}, "options": [], "regex": ""}
    if include_all:
        variable["allValue"] = ".*"
    return variable


def target(expr, legend, ref):
    return {"refId": ref, "expr": expr, "legendFormat": legend, "datasource": DATASOURCE,
            "range": True, "instant": False, "editorMode": "code"}


def panel(spec, panel_id, grid):
    """Grafana JSON of one panel spec (dashboard_panels.Panel) at grid position `grid`."""
    refs = "ABCDEFGH"
    result = {"id": panel_id, "type": spec.kind, "title": spec.title,
              "description": spec.description, "datasource": DATASOURCE, "gridPos": grid,
              "fieldConfig": {"defaults": {"unit": spec.unit}, "overrides": []},
              "options": {"legend": {"displayMode": "list", "placement": "bottom",
                                     "showLegend": True},
                          "tooltip": {"mode": "multi", "sort": "desc"}},
              "targets": [target(expr, legend, refs[i])
                          for i, (expr, legend) in enumerate(spec.queries)]}
    if spec.kind == "stat":
        result["options"] = {"reduceOptions": {"calcs": ["lastNotNull"], "fields": "",
                                               "values": False},
                             "colorMode": "value", "graphMode": "area", "textMode": "auto"}
    if spec.kind == "table":
        result["options"] = {"showHeader": True}
        for t in result["targets"]:
            t.update({"format": "table", "instant": True, "range": False})
    if spec.thresholds:
        result["fieldConfig"]["defaults"]["thresholds"] = {
            "mode": "absolute",
            "steps": [{"color": color, "value": value} for value, color in spec.thresholds]}
    if spec.max is not None:
        result["fieldConfig"]["defaults"]["max"] = spec.max
        result["fieldConfig"]["defaults"]["min"] = 0
    return result


def layout(rows):
    """Panels of [(row title, [Panel])]: a row header, then panels left to right, wrapping
    at 24 columns."""
    panels, y, next_id = [], 0, 1
    for title, specs in rows:
        panels.append({"id": next_id, "type": "row", "title": title, "collapsed": False,
                       "gridPos": {"h": 1, "w": 24, "x": 0, "y": y}, "panels": []})
        next_id, y, x = next_id + 1, y + 1, 0
        for spec in specs:
            if x + spec.width > 24:
                x, y = 0, y + 8
            panels.append(panel(spec, next_id, {"h": 8, "w": spec.width, "x": x, "y": y}))
            next_id, x = next_id + 1, x + spec.width
        y += 8
    return panels


def dashboard(uid, title, description, variables, rows):
    return {
        "uid": uid, "title": title, "description": description,
        "tags": ["flyover"], "schemaVersion": SCHEMA_VERSION, "version": 1, "editable": True,
        "graphTooltip": 1, "refresh": "30s", "timezone": "",
        "time": {"from": "now-1h", "to": "now"}, "timepicker": {}, "links": [],
        "annotations": {"list": [{"builtIn": 1, "datasource": {"type": "grafana",
                                                                "uid": "-- Grafana --"},
                                  "enable": True, "hide": True, "iconColor": "rgba(0, 211, 255, 1)",
                                  "name": "Annotations & Alerts", "type": "dashboard"}]},
        "templating": {"list": [datasource_variable()] + variables},
        "panels": layout(rows),
    }


def namespace_variable(include_all):
    return query_variable("namespace", "Namespace",
                          "label_values(flyover_operator_job_step, namespace)", include_all)


def job_variable(include_all=False):
    namespace = '=~"$namespace"' if include_all else '="$namespace"'
    return query_variable("job", "PostTrainingJob",
                          "label_values(flyover_operator_job_step{namespace%s}, job)" % namespace,
                          include_all)


def all_dashboards():
    """{file name: dashboard JSON}."""
    p = dashboard_panels
    node = query_variable("node", "Node",
                          'label_values(machine_npu_nums{super_pod=~"$super_pod"}, node)', True)
    super_pod = query_variable("super_pod", "Super-pod",
                               "label_values(machine_npu_nums, super_pod)", True)
    return {
        "fleet.json": dashboard(
            "flyover-fleet", "Flyover / Fleet",
            "Every PostTrainingJob: phases, goodput, faults and recoveries.",
            [namespace_variable(True), job_variable(True)], p.FLEET),
        "job.json": dashboard(
            "flyover-job", "Flyover / Job",
            "One PostTrainingJob: progress, loss, speed, checkpoints, stragglers, recoveries.",
            [namespace_variable(False), job_variable()], p.JOB),
        "scheduler.json": dashboard(
            "flyover-scheduler", "Flyover / Scheduler",
            "flyover-scheduler: gang latency, unschedulable gangs, fragmentation, super-pods.",
            [namespace_variable(False), job_variable()], p.SCHEDULER),
        "npu.json": dashboard(
            "flyover-npu", "Flyover / NPU health",
            "Ascend dies from each node's device-plugin exporter, by node and super-pod.",
            [namespace_variable(False), job_variable(), super_pod, node], p.NPU),
    }


def rendered():
    return {name: json.dumps(board, indent=2) + "\n" for name, board in all_dashboards().items()}


def main(argv):
    check = argv[1:] == ["--check"]
    stale = []
    for directory in (HERE, CHART_COPY):
        for name, text in rendered().items():
            path = os.path.join(directory, name)
            if check:
                current = open(path).read() if os.path.exists(path) else None
                if current != text:
                    stale.append(os.path.relpath(path, ROOT))
            else:
                with open(path, "w") as f:
                    f.write(text)
    for path in stale:
        print("%s: differs from deploy/grafana/dashboards.py; run it to regenerate" % path)
    return 1 if stale else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
