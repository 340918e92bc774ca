"""Prometheus's view of a running local cluster: a prometheus.yml whose scrape jobs read their
targets from file_sd files, and the target files generated from what runs now.

Target labels, as docs/observability.md describes for a real cluster:
  flyover-apiserver, flyover-scheduler   none
  flyover-operator                       none; honor_labels keeps its {namespace, job} labels
  flyover-device-plugin                  node, super_pod; honor_labels keeps the exporter's
                                         {namespace} (the pod's namespace)
  flyover-worker                         namespace, job (the PostTrainingJob), pod, node
"""
import json
import os

import yaml

SUPER_POD_LABEL = "huawei.com/topotree.superpodid"
JOB_LABEL = "training.flyover.dev/job-name"
WORKER_METRICS_PORT = 9400
# Each scrape job: (name, honor_labels).
SCRAPE_JOBS = [("flyover-apiserver", False), ("flyover-operator", True),
               ("flyover-scheduler", False), ("flyover-device-plugin", True),
               ("flyover-worker", False)]


def prometheus_config(targets_dir, rules_file):
    """prometheus.yml: 1 s scrape and rule evaluation, one file_sd job per component."""
    jobs = []
    for name, honor in SCRAPE_JOBS:
        jobs.append({"job_name": name, "honor_labels": honor, "metrics_path": "/metrics",
                     "file_sd_configs": [{"files": [os.path.join(targets_dir, name + ".json")],
                                          "refresh_interval": "1s"}]})
    return yaml.safe_dump({
        "global": {"scrape_interval": "1s", "scrape_timeout": "1s", "evaluation_interval": "1s"},
        "rule_files": [rules_file],
        "scrape_configs": jobs,
    }, sort_keys=False)


def super_pods(nodes):
    """{node name: super-pod id} from the Nodes' topology labels."""
    return {n["metadata"]["name"]: n["metadata"].get("labels", {}).get(SUPER_POD_LABEL, "")
            for n in nodes}


def worker_targets(pods, per_pod_ips):
    """file_sd groups of the running job pods' agents at podIP:9400.

    Without per-pod IPs (process-mode pods all on 127.0.0.1) every agent binds
    127.0.0.1:9400 and only the first one serves: one target then, labelled with the job
    only (which pod answers is not known)."""
    groups = []
    for pod in pods:
        status, meta = pod.get("status", {}), pod["metadata"]
        if status.get("phase") != "Running" or not status.get("podIP"):
            continue
        labels = {"namespace": meta["namespace"],
                  "job": meta.get("labels", {}).get(JOB_LABEL, "")}
        if per_pod_ips:
            labels.update(pod=meta["name"], node=pod.get("spec", {}).get("nodeName", ""))
            groups.append({"targets": ["%s:%d" % (status["podIP"], WORKER_METRICS_PORT)],
                           "labels": labels})
        elif not groups:
            groups.append({"targets": ["127.0.0.1:%d" % WORKER_METRICS_PORT], "labels": labels})
    return groups


def device_plugin_targets(endpoints, super_pod_of):
    return [{"targets": [endpoint],
             "labels": {"node": node, "super_pod": super_pod_of.get(node, "")}}
            for node, endpoint in sorted(endpoints.items())]


def write_targets(targets_dir, name, groups):
    """Replaces the target file atomically (Prometheus watches it)."""
    path = os.path.join(targets_dir, name + ".json")
    with open(path + ".tmp", "w") as f:
        json.dump(groups, f, indent=1)
    os.replace(path + ".tmp", path)
