"""The PromQL of Flyover's dashboards (deploy/grafana/*.json): every target expression of
every panel, and every label_values() variable query, with template variables substituted.
"""
import glob
import json
import os
import re

VARIABLE = re.compile(r"\$(\w+)|\$\{(\w+)\}")
LABEL_VALUES = re.compile(r"^label_values\((?:(.+),\s*)?(\w+)\)$")


def load_dashboards(grafana_dir):
    """[(file name, dashboard JSON)], sorted by name."""
    boards = []
    for path in sorted(glob.glob(os.path.join(grafana_dir, "*.json"))):
        with open(path) as f:
            boards.append((os.path.basename(path), json.load(f)))
    return boards


def panel_queries(board):
    """[(panel title, expression)] of every target of every panel (rows' nested panels too)."""
    found = []
    for panel in board.get("panels", []):
        for inner in [panel] + panel.get("panels", []):
            for target in inner.get("targets", []):
                if target.get("expr"):
                    found.append((inner.get("title", "?"), target["expr"]))
    return found


def variable_queries(board):
    """[(variable name, metric selector or None, label)] of its label_values() variables."""
    found = []
    for variable in board.get("templating", {}).get("list", []):
        if variable.get("type") != "query":
            continue
        query = variable.get("query")
        text = query.get("query", "") if isinstance(query, dict) else query
        match = LABEL_VALUES.match(text.strip())
        if match:
            found.append((variable["name"], match.group(1), match.group(2)))
    return found


def substitute(expr, values):
    """`expr` with each $name / ${name} replaced by values[name]; KeyError names an unknown
    variable."""
    def replace(match):
        name = match.group(1) or match.group(2)
        if name not in values:
            raise KeyError("unknown template variable $%s" % name)
        return values[name]
    return VARIABLE.sub(replace, expr)
