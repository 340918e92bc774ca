#!/usr/bin/env python3
"""observability_prometheus_test: Debian's Prometheus scrapes a running local cluster and every
dashboard panel has data.

  prometheus_test.py <bin dir> <repo root> [--keep]

1. `flyover local up --mode process` from <bin dir>, 2 super-pods x 3 nodes (the scheduler
   keeps 2 spare nodes per super-pod); each device plugin's exporter is made reachable
   (local_cluster.serve_device_plugin_metrics).
2. deploy/examples/tiny.yaml is applied with its checkpoints in the test's temp dir and more
   steps (so it still runs when the panels are evaluated).
3. A scrape configuration is generated from what runs (API server, operator, scheduler, each
   exporter, each job pod's agent at podIP:9400; the worker targets follow the pods) and
   /usr/bin/prometheus started on a free port with a temporary TSDB, 1 s scrape and rule
   evaluation, and deploy/prometheus/flyover-rules.yaml.
4. Once the job has run a while, one of its pods is deleted; once the operator recorded the
   fault and the job made progress again, every expression of every panel of every dashboard
   is evaluated through /api/v1/query (variables: namespace default, job tiny, a node the
   job runs on and its super-pod, $__rate_interval and $__range = the time Prometheus has
   scraped), as is each label_values() variable; the operator must have counted the fault, a
   recovery and its duration, and every rule must be loaded with health "ok". Fails naming
   dashboard, panel and expression for an error, an empty result or one of only NaN.
"""
import os
import shutil
import sys
import tempfile
import time

import yaml

import dashboard_queries
import local_cluster
import prometheus_check
import scrape_config

NAMESPACE, JOB = "default", "tiny"
STEPS = 5000  # tiny.yaml has 600: enough to still run when the panels are evaluated


class Run:
    def __init__(self, bin_dir, root, work):
        self.root, self.work = root, work
        self.cluster = local_cluster.LocalCluster(bin_dir, os.path.join(work, "cluster"))
        self.targets = os.path.join(work, "targets")
        self.prometheus = None
        self.super_pod_of = {}

    def start(self):
        self.cluster.up(super_pods=2, nodes_per_super_pod=3)
        plugins = self.cluster.serve_device_plugin_metrics()
        self.super_pod_of = scrape_config.super_pods(self.cluster.nodes())
        os.makedirs(self.targets)
        write = lambda name, groups: scrape_config.write_targets(self.targets, name, groups)
        write("flyover-apiserver", [{"targets": [self.cluster.server.split("//")[1]]}])
        for component in ("operator", "scheduler"):
            port = self.cluster.metrics_port(component)
            write("flyover-" + component, [{"targets": ["127.0.0.1:%d" % port]}])
        write("flyover-device-plugin",
              scrape_config.device_plugin_targets(plugins, self.super_pod_of))
        self.refresh_workers()
        rules = os.path.join(self.root, "deploy", "prometheus", "flyover-rules.yaml")
        self.prometheus = prometheus_check.Prometheus(
            self.work, scrape_config.prometheus_config(self.targets, rules))
        self.prometheus.start()

    def refresh_workers(self):
        pods = self.cluster.job_pods(NAMESPACE, JOB)
        ips = [p["status"]["podIP"] for p in pods if p.get("status", {}).get("podIP")]
        per_pod_ips = "127.0.0.1" not in ips and len(set(ips)) == len(ips)
        scrape_config.write_targets(self.targets, "flyover-worker",
                                    scrape_config.worker_targets(pods, per_pod_ips))
        return pods

    def apply_job(self):
        with open(os.path.join(self.root, "deploy", "examples", "tiny.yaml")) as f:
            job = yaml.safe_load(f)
        job["metadata"].update(name=JOB, namespace=NAMESPACE)
        job["spec"]["checkpoint"]["path"] = os.path.join(self.work, "checkpoints")
        job["spec"]["training"]["steps"] = STEPS
        self.cluster.create_job(job)

    def wait(self, what, deadline, done):
        """Polls done(job, pods) each second, keeping the worker targets current."""
        while time.time() < deadline:
            pods = self.refresh_workers()
            job = self.cluster.job(NAMESPACE, JOB) or {}
            if job.get("status", {}).get("phase") in ("Succeeded", "Failed"):
                raise AssertionError("job finished before %s: %s" % (what, job.get("status")))
            if done(job, pods):
                return job, pods
            time.sleep(1)
        raise AssertionError("timed out waiting for %s: %s\ndown targets: %s%s" % (
            what, (self.cluster.job(NAMESPACE, JOB) or {}).get("status"),
            prometheus_check.down_targets(self.prometheus), self.cluster.logs()))

    def run_job_through_a_fault(self, deadline):
        step = lambda job: job.get("status", {}).get("step", 0)
        running = lambda job: job.get("status", {}).get("phase") == "Running"
        job, pods = self.wait("the job to run 20 steps, scraped for 15 s", deadline,
                              lambda j, p: running(j) and step(j) >= 20 and self.scraped() >= 15)
        victim = sorted(p["metadata"]["name"] for p in pods)[-1]
        self.cluster.delete_pod(NAMESPACE, victim)
        print("deleted pod %s at step %d" % (victim, step(job)), flush=True)
        at_fault = step(job)
        job, pods = self.wait(
            "the recorded fault and 20 steps after it", deadline,
            lambda j, p: running(j) and j["status"].get("faults") and step(j) >= at_fault + 20)
        # A few more scrapes of the recovered pods, and enough data for the rates.
        recovered = time.time()
        job, pods = self.wait("5 s more of the recovered job, 40 s of scraping", deadline,
                              lambda j, p: running(j) and self.scraped() >= 40
                              and time.time() >= recovered + 5)
        return pods

    def scraped(self):
        return time.time() - self.prometheus.started

    def evaluate(self, pods):
        at = time.time()
        node = sorted(p["spec"]["nodeName"] for p in pods if p.get("spec", {}).get("nodeName"))[0]
        values = {"namespace": NAMESPACE, "job": JOB, "node": node,
                  "super_pod": self.super_pod_of[node],
                  "__rate_interval": "%ds" % (at - self.prometheus.started),
                  "__range": "%ds" % (at - self.prometheus.started)}
        boards = dashboard_queries.load_dashboards(os.path.join(self.root, "deploy", "grafana"))
        problems, count = prometheus_check.check_panels(self.prometheus, boards, values, at)
        problems += prometheus_check.check_variables(self.prometheus, boards, values, at)
        problems += prometheus_check.check_fault_seen(self.prometheus, at, values["__range"])
        with open(os.path.join(self.root, "deploy", "prometheus", "flyover-rules.yaml")) as f:
            problems += prometheus_check.check_rules(self.prometheus, yaml.safe_load(f))
        print("%d panel expressions of %d dashboards evaluated at %.0f with %s"
              % (count, len(boards), at, values))
        return problems

    def stop(self):
        if self.prometheus:
            self.prometheus.stop()
        down = self.cluster.down()
        if down.returncode != 0:
            print("local down: %s" % down.stderr)
        return down.returncode == 0


def main(bin_dir, root, keep=False):
    work = tempfile.mkdtemp(prefix="flyover-observability-")
    run, problems, began = Run(bin_dir, root, work), [], time.time()
    try:
        run.start()
        print("cluster and prometheus (%s) up after %.0f s" % (run.prometheus.url,
                                                               time.time() - began), flush=True)
        run.apply_job()
        pods = run.run_job_through_a_fault(deadline=time.time() + 150)
        problems = run.evaluate(pods)
        if problems:
            problems.append("down targets: %s" % prometheus_check.down_targets(run.prometheus))
    except AssertionError as error:
        problems = [str(error)]
    finally:
        stopped = run.stop()
    for problem in problems:
        print("FAIL " + problem)
    print("%s after %.0f s; work dir %s" % ("failed" if problems else "passed",
                                            time.time() - began, work))
    if not problems and stopped and not keep:
        shutil.rmtree(work, ignore_errors=True)
    return 1 if problems or not stopped else 0


if __name__ == "__main__":
    if len(sys.argv) not in (3, 4):
        print(__doc__)
        sys.exit(2)
    sys.exit(main(sys.argv[1], sys.argv[2], keep=sys.argv[3:] == ["--keep"]))
