"""A process-mode `flyover local` cluster driven from a test: up and down through the flyover
binary, and a small client for its API server (http, no token, as `local up` writes the
kubeconfig). Standard library plus python3-yaml only.
"""
import json
import os
import re
import signal
import socket
import subprocess
import time
import urllib.error
import urllib.request

import yaml

JOBS = "/apis/training.flyover.dev/v1alpha1/namespaces/%s/posttrainingjobs"


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def read(path):
    try:
        with open(path, errors="replace") as f:
            return f.read()
    except OSError:
        return ""


class LocalCluster:
    def __init__(self, bin_dir, data_dir):
        self.bin_dir, self.data_dir = bin_dir, data_dir
        self.server = None

    def flyover(self, *args, timeout=180):
        return subprocess.run([os.path.join(self.bin_dir, "flyover")] + list(args),
                              capture_output=True, text=True, timeout=timeout)

    def up(self, super_pods, nodes_per_super_pod):
        run = self.flyover("local", "up", "--data-dir", self.data_dir, "--super-pods",
                           str(super_pods), "--nodes-per-super-pod", str(nodes_per_super_pod),
                           "--mode", "process", "--lease-interval", "1s", "--timeout", "90s")
        if run.returncode != 0:
            raise AssertionError("local up failed: %s%s" % (run.stderr, self.logs()))
        with open(os.path.join(self.data_dir, "kubeconfig")) as f:
            self.server = yaml.safe_load(f)["clusters"][0]["cluster"]["server"]

    def down(self):
        return self.flyover("local", "down", "--data-dir", self.data_dir)

    def logs(self, names=("nodesim", "scheduler", "operator")):
        text = ""
        for name in names:
            text += "\n--- %s.log (tail)\n%s" % (name, self.log(name)[-4000:])
        return text

    def log(self, name):
        return read(os.path.join(self.data_dir, "logs", name + ".log"))

    def metrics_port(self, component):
        """The port a controller (operator, scheduler) serves /metrics on: `local up` gives
        it port 0 and the controller manager logs the one it got."""
        found = re.findall(r'serving metrics and health probes.*?\bport=(\d+)', self.log(component))
        if not found:
            raise AssertionError("%s.log names no metrics port%s" % (component, self.logs()))
        return int(found[-1])

    # ---- API ----------------------------------------------------------------------------
    def call(self, method, path, body=None):
        data = json.dumps(body).encode() if body is not None else None
        request = urllib.request.Request(self.server + path, data=data, method=method,
                                         headers={"Content-Type": "application/json"})
        with urllib.request.urlopen(request, timeout=10) as response:
            return json.load(response)

    def get(self, path):
        try:
            return self.call("GET", path)
        except (urllib.error.URLError, OSError):
            return None

    def nodes(self):
        return self.call("GET", "/api/v1/nodes")["items"]

    def job_pods(self, namespace, job):
        query = "?labelSelector=training.flyover.dev%%2Fjob-name%%3D%s" % job
        return self.call("GET", "/api/v1/namespaces/%s/pods%s" % (namespace, query))["items"]

    def create_job(self, job):
        return self.call("POST", JOBS % job["metadata"]["namespace"], job)

    def job(self, namespace, name):
        return self.get("%s/%s" % (JOBS % namespace, name))

    def delete_pod(self, namespace, name):
        return self.call("DELETE", "/api/v1/namespaces/%s/pods/%s" % (namespace, name))

    # ---- device plugins -------------------------------------------------------------------
    def serve_device_plugin_metrics(self, deadline_s=60):
        """{node: "127.0.0.1:<port>"} of each device plugin's exporter.

        `local up` starts the plugins with --metrics-port 0 (off). A plugin's endpoint is
        read from DIR/run/device-plugin-<node>.metrics when `up` records one; otherwise the
        plugin is restarted here with the same command line and a free metrics port (its pid
        file updated, so `local down` stops it), and waited for until it registered with its
        kubelet again and serves /metrics."""
        endpoints, restarted = {}, {}
        run = os.path.join(self.data_dir, "run")
        for name in sorted(os.listdir(run)):
            match = re.fullmatch(r"device-plugin-(.+)\.pid", name)
            if not match:
                continue
            node = match.group(1)
            recorded = read(os.path.join(run, "device-plugin-%s.metrics" % node)).strip()
            if recorded:
                endpoints[node] = recorded
            else:
                endpoints[node], restarted[node] = self._restart_plugin(node)
        end = time.time() + deadline_s
        for node, (log, offset) in restarted.items():
            while "registered with the kubelet" not in read(log)[offset:] or \
                    not self._serves_metrics(endpoints[node]):
                if time.time() > end:
                    raise AssertionError("device plugin of %s: not back with metrics: %s"
                                         % (node, read(log)[offset:][-3000:]))
                time.sleep(0.2)
        return endpoints

    def _restart_plugin(self, node):
        pid_file = os.path.join(self.data_dir, "run", "device-plugin-%s.pid" % node)
        pid = int(read(pid_file).strip())
        argv = read("/proc/%d/cmdline" % pid).split("\0")[:-1]
        port = free_port()
        argv[argv.index("--metrics-port") + 1] = str(port)
        os.kill(pid, signal.SIGTERM)
        for _ in range(150):
            if not os.path.exists("/proc/%d" % pid):
                break
            time.sleep(0.1)
        log = os.path.join(self.data_dir, "logs", "device-plugin-%s.log" % node)
        offset = len(read(log))
        # Through a shell that exits at once: the plugin is not this process's child, so
        # `local down` sees it gone when it dies instead of a zombie of this test.
        started = subprocess.run(
            ["setsid", "/bin/sh", "-c", 'log=$1; shift; "$@" >>"$log" 2>&1 </dev/null & echo $!',
             "sh", log] + argv, capture_output=True, text=True, check=True)
        with open(pid_file, "w") as f:
            f.write("%d\n" % int(started.stdout.strip()))
        return "127.0.0.1:%d" % port, (log, offset)

    @staticmethod
    def _serves_metrics(endpoint):
        try:
            with urllib.request.urlopen("http://%s/metrics" % endpoint, timeout=2) as response:
                return b"npu_chip_info_health_status" in response.read()
        except (urllib.error.URLError, OSError):
            return False
