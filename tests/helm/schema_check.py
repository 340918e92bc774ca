"""Validates rendered Kubernetes objects against the API model definitions of Debian's
python3-kubernetes (kubernetes.client.models): every field must be known to its model
(attribute_map), every value must have the model's type (openapi_types), and required fields
must be present (the models' setters refuse None). Kinds without a model are reported.
"""
import datetime
import re

from kubernetes.client import models

_LIST = re.compile(r"^list\[(.+)\]$")
_DICT = re.compile(r"^dict\(([^,]+), (.+)\)$")

# Fields newer than the Kubernetes version of python3-kubernetes' models (22.x = Kubernetes
# 1.22): model name -> {JSON field: type}. A type here may name a pseudo-model below.
NEWER_FIELDS = {
    # CEL validation rules, apiextensions.k8s.io/v1 since Kubernetes 1.25.
    "V1JSONSchemaProps": {"x-kubernetes-validations": "list[ValidationRule]"},
    # policy/v1 since Kubernetes 1.26 (beta and on by default since 1.27, GA in 1.31):
    # IfHealthyBudget or AlwaysAllow.
    "V1PodDisruptionBudgetSpec": {"unhealthyPodEvictionPolicy": "str"},
}
# Pseudo-models for those fields: name -> ({JSON field: type}, required fields).
PSEUDO_MODELS = {
    "ValidationRule": ({"rule": "str", "message": "str", "messageExpression": "str",
                        "reason": "str", "fieldPath": "str", "optionalOldSelf": "bool"},
                       {"rule"}),
    # The Prometheus operator's kinds (monitoring.coreos.com/v1), which python3-kubernetes
    # does not know: the fields of their CRDs that the chart may set. Its ServiceMonitor:
    "ServiceMonitor": ({"apiVersion": "str", "kind": "str", "metadata": "V1ObjectMeta",
                        "spec": "ServiceMonitorSpec"}, {"spec"}),
    "ServiceMonitorSpec": ({"selector": "V1LabelSelector", "jobLabel": "str",
                            "namespaceSelector": "NamespaceSelector",
                            "endpoints": "list[ServiceMonitorEndpoint]"}, {"selector"}),
    "NamespaceSelector": ({"any": "bool", "matchNames": "list[str]"}, set()),
    "ServiceMonitorEndpoint": ({"port": "str", "path": "str", "scheme": "str",
                                "interval": "str", "scrapeTimeout": "str",
                                "honorLabels": "bool"}, set()),
    # Its PrometheusRule: rule groups, each rule a recording (record) or alerting (alert) one.
    "PrometheusRule": ({"apiVersion": "str", "kind": "str", "metadata": "V1ObjectMeta",
                        "spec": "PrometheusRuleSpec"}, {"spec"}),
    "PrometheusRuleSpec": ({"groups": "list[RuleGroup]"}, set()),
    "RuleGroup": ({"name": "str", "interval": "str", "rules": "list[Rule]"}, {"name"}),
    "Rule": ({"record": "str", "alert": "str", "expr": "str", "for": "str",
              "labels": "dict(str, str)", "annotations": "dict(str, str)"}, {"expr"}),
    # Its PodMonitor, scraping pods directly (the workers' agents).
    "PodMonitor": ({"apiVersion": "str", "kind": "str", "metadata": "V1ObjectMeta",
                    "spec": "PodMonitorSpec"}, {"spec"}),
    "PodMonitorSpec": ({"selector": "V1LabelSelector", "jobLabel": "str",
                        "namespaceSelector": "NamespaceSelector",
                        "podMetricsEndpoints": "list[PodMetricsEndpoint]"}, {"selector"}),
    "PodMetricsEndpoint": ({"port": "str", "path": "str", "interval": "str",
                            "scrapeTimeout": "str", "honorLabels": "bool",
                            "relabelings": "list[RelabelConfig]"}, set()),
    "RelabelConfig": ({"sourceLabels": "list[str]", "separator": "str", "targetLabel": "str",
                       "regex": "str", "replacement": "str", "action": "str",
                       "modulus": "int"}, set()),
}
# Kinds outside python3-kubernetes, checked against a pseudo-model above.
EXTERNAL_KINDS = {
    ("monitoring.coreos.com/v1", "ServiceMonitor"): "ServiceMonitor",
    ("monitoring.coreos.com/v1", "PrometheusRule"): "PrometheusRule",
    ("monitoring.coreos.com/v1", "PodMonitor"): "PodMonitor",
}


def model_for(api_version, kind):
    """The model class of apiVersion/kind (apps/v1 Deployment -> V1Deployment), or None."""
    version = api_version.split("/")[-1]
    return getattr(models, version[:1].upper() + version[1:] + kind, None)


def validate(obj):
    """A list of problems of one object, each naming the field path and the reason."""
    external = EXTERNAL_KINDS.get((obj.get("apiVersion"), obj.get("kind")))
    if external:
        problems = []
        _build(obj, external, obj.get("kind"), problems)
        return problems
    cls = model_for(obj.get("apiVersion", ""), obj.get("kind", ""))
    if cls is None:
        return ["%s %s: no model in kubernetes.client.models" % (obj.get("apiVersion"), obj.get("kind"))]
    problems = []
    _build(obj, cls.__name__, obj.get("kind"), problems)
    return problems


def _build(value, type_name, path, problems):
    """Converts value to type_name, appending problems; returns the converted value or None."""
    match = _LIST.match(type_name)
    if match:
        if not isinstance(value, list):
            problems.append("%s: want a list, got %s" % (path, type(value).__name__))
            return None
        return [_build(v, match.group(1), "%s[%d]" % (path, i), problems) for i, v in enumerate(value)]
    match = _DICT.match(type_name)
    if match:
        if not isinstance(value, dict):
            problems.append("%s: want a map, got %s" % (path, type(value).__name__))
            return None
        return {k: _build(v, match.group(2), "%s.%s" % (path, k), problems) for k, v in value.items()}
    if type_name == "object":
        return value
    if type_name in ("str", "int", "bool", "float", "datetime", "date"):
        return _scalar(value, type_name, path, problems)
    if type_name in PSEUDO_MODELS:
        return _build_pseudo(value, type_name, path, problems)
    return _build_model(value, getattr(models, type_name), path, problems)


def _build_pseudo(value, type_name, path, problems):
    fields, required = PSEUDO_MODELS[type_name]
    if not isinstance(value, dict):
        problems.append("%s: want an object (%s), got %s" % (path, type_name, type(value).__name__))
        return None
    for key, item in value.items():
        if key not in fields:
            problems.append("%s.%s: unknown field of %s" % (path, key, type_name))
        else:
            _build(item, fields[key], "%s.%s" % (path, key), problems)
    for key in sorted(required - set(value)):
        problems.append("%s.%s: required field of %s missing" % (path, key, type_name))
    return value


def _scalar(value, type_name, path, problems):
    ok = {
        "str": isinstance(value, str),
        "int": isinstance(value, int) and not isinstance(value, bool),
        "bool": isinstance(value, bool),
        "float": isinstance(value, (int, float)) and not isinstance(value, bool),
        "datetime": isinstance(value, (str, datetime.datetime)),
        "date": isinstance(value, (str, datetime.date)),
    }[type_name]
    if not ok:
        problems.append("%s: want %s, got %s %r" % (path, type_name, type(value).__name__, value))
        return None
    return value


def _build_model(value, cls, path, problems):
    if not isinstance(value, dict):
        problems.append("%s: want an object (%s), got %s" % (path, cls.__name__, type(value).__name__))
        return None
    by_json = {json_name: attr for attr, json_name in cls.attribute_map.items()}
    newer = NEWER_FIELDS.get(cls.__name__, {})
    kwargs = {}
    for key, item in value.items():
        attr = by_json.get(key)
        if attr is None and key in newer:
            _build(item, newer[key], "%s.%s" % (path, key), problems)
            continue
        if attr is None:
            problems.append("%s.%s: unknown field of %s" % (path, key, cls.__name__))
            continue
        kwargs[attr] = _build(item, cls.openapi_types[attr], "%s.%s" % (path, key), problems)
    try:
        return cls(**kwargs)
    except ValueError as error:  # a required field is missing or an enum value is wrong
        problems.append("%s: %s" % (path, error))
        return None
