// flyover-nodesim against a real flyover-apiserver: nodes register with their labels and
// fresh leases; a process pod gets its env and ConfigMap files, its exit code, restart
// count and logs are reported; deleting a pod terminates its process.
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <fstream>
#include <sstream>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "common/posix_file_system.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "httplib.h"
#include "kube/client/config.h"
#include "kube/client/rest_client.h"
#include "tests/apiserver/server_process.h"

namespace flyover {
namespace {

using apiserver::testing::ServerProcess;
using apiserver::testing::TempDir;
using kube::PodsResource;
using nlohmann::json;
using ::testing::HasSubstr;

std::string ReadAll(const std::string& path) {
  std::ifstream in(path);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

// flyover-nodesim as a child process; its stdout and stderr go to <dir>/nodesim.log.
class NodesimProcess {
 public:
  void Start(const std::vector<std::string>& args, const std::string& dir) {
    log_ = dir + "/nodesim.log";
    pid_ = fork();
    if (pid_ == 0) {
      std::vector<char*> argv{const_cast<char*>(FLYOVER_NODESIM_BINARY)};
      for (const std::string& a : args) argv.push_back(const_cast<char*>(a.c_str()));
      argv.push_back(nullptr);
      freopen(log_.c_str(), "w", stdout);
      dup2(fileno(stdout), STDERR_FILENO);
      execv(argv[0], argv.data());
      _exit(127);
    }
  }
  // The port from the "nodesim ready" line; 0 if it never came.
  int WaitReady() {
    for (absl::Time end = absl::Now() + absl::Seconds(60); absl::Now() < end;
         absl::SleepFor(absl::Milliseconds(20))) {
      std::string text = ReadAll(log_);
      if (size_t at = text.find("nodesim ready"); at != std::string::npos) {
        size_t port = text.find("port=", at);
        return std::stoi(text.substr(port + 5));
      }
    }
    return 0;
  }
  ~NodesimProcess() {
    if (pid_ <= 0) return;
    kill(pid_, SIGTERM);
    int status = 0;
    waitpid(pid_, &status, 0);
  }
  const std::string& log() const { return log_; }

 private:
  pid_t pid_ = -1;
  std::string log_;
};

class NodesimApiServerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    absl::StatusOr<ServerProcess> server = ServerProcess::Start(dir_.path() + "/api");
    ASSERT_TRUE(server.ok()) << server.status();
    server_.emplace(std::move(*server));
    absl::StatusOr<kube::RestConfig> config =
        kube::LoadKubeconfig(DefaultFileSystem(), server_->kubeconfig());
    ASSERT_TRUE(config.ok()) << config.status();
    client_ = std::move(kube::NewRestClient(*config, {.rate_limit = {.qps = 0}}).value());
    nodesim_.Start({"--kubeconfig", server_->kubeconfig(), "--super-pods", "2",
                    "--nodes-per-super-pod", "2", "--mode", "process", "--port", "0",
                    "--lease-interval", "1s", "--data-dir", dir_.path() + "/nodesim"},
                   dir_.path());
    port_ = nodesim_.WaitReady();
    ASSERT_GT(port_, 0) << ReadAll(nodesim_.log());
  }

  json Get(const kube::ResourceDescriptor& r, const std::string& ns, const std::string& name) {
    absl::StatusOr<json> object = client_->Get(r, ns, name);
    return object.ok() ? *object : json::object();
  }
  // Polls (real time) until `done` holds for the pod's status.
  json WaitForPod(const std::string& name, const std::function<bool(const json&)>& done) {
    json pod;
    for (absl::Time end = absl::Now() + absl::Seconds(60); absl::Now() < end;
         absl::SleepFor(absl::Milliseconds(50))) {
      pod = Get(PodsResource(), "default", name);
      if (pod.contains("status") && done(pod["status"])) return pod;
    }
    ADD_FAILURE() << "pod " << name << " never got there: " << pod.dump() << "\n"
                  << ReadAll(nodesim_.log());
    return pod;
  }

  TempDir dir_;
  std::optional<ServerProcess> server_;
  std::unique_ptr<kube::RestClient> client_;
  NodesimProcess nodesim_;
  int port_ = 0;
};

json ProcessPod(const std::string& name, const std::string& script, const std::string& policy) {
  return json::parse(R"({"apiVersion": "v1", "kind": "Pod",
    "metadata": {"name": ")" + name + R"(", "namespace": "default"},
    "spec": {"nodeName": "sp1-node01", "restartPolicy": ")" + policy + R"(",
      "terminationGracePeriodSeconds": 3,
      "volumes": [{"name": "cfg", "configMap": {"name": "train-config"}}],
      "containers": [{"name": "main", "image": "flyover/worker",
        "command": ["/bin/sh", "-c"], "args": [)" + json(script).dump() + R"(],
        "env": [{"name": "LR", "valueFrom": {"configMapKeyRef": {"name": "train-config", "key": "lr"}}},
                {"name": "MY_NODE", "valueFrom": {"fieldRef": {"fieldPath": "spec.nodeName"}}}],
        "volumeMounts": [{"name": "cfg", "mountPath": "/etc/train"}]}]}})");
}

TEST_F(NodesimApiServerTest, NodesRegisterWithLabelsAndFreshLeases) {
  absl::StatusOr<kube::ObjectList> nodes = client_->List(kube::NodesResource(), "");
  ASSERT_TRUE(nodes.ok()) << nodes.status();
  ASSERT_EQ(nodes->items.size(), 4u);
  json node = Get(kube::NodesResource(), "", "sp1-node01");
  EXPECT_EQ(node["metadata"]["labels"]["huawei.com/topotree.superpodid"], "1");
  EXPECT_EQ(node["metadata"]["labels"]["accelerator-type"], "module-a3-16-super-pod");
  EXPECT_EQ(node["status"]["allocatable"]["huawei.com/Ascend910"], "16");
  EXPECT_EQ(node["status"]["daemonEndpoints"]["kubeletEndpoint"]["Port"], port_);
  std::string first = Get(kube::LeasesResource(), "kube-node-lease", "sp1-node01")["spec"]["renewTime"];
  absl::SleepFor(absl::Milliseconds(2500));
  json lease = Get(kube::LeasesResource(), "kube-node-lease", "sp1-node01");
  EXPECT_NE(lease["spec"]["renewTime"], first) << "the lease was not renewed within 2.5 s";
  absl::Time renewed;
  std::string error;
  ASSERT_TRUE(absl::ParseTime(absl::RFC3339_full, lease["spec"]["renewTime"].get<std::string>(),
                              &renewed, &error));
  EXPECT_LT(absl::Now() - renewed, absl::Seconds(2));
}

TEST_F(NodesimApiServerTest, ProcessPodRunsRestartsAndServesLogs) {
  json cm = {{"apiVersion", "v1"}, {"kind", "ConfigMap"},
             {"metadata", {{"name", "train-config"}, {"namespace", "default"}}},
             {"data", {{"lr", "0.01"}, {"model.yaml", "layers: 4"}}}};
  ASSERT_TRUE(client_->Create(kube::ConfigMapsResource(), "default", cm).ok());
  json pod = ProcessPod("crash", "echo lr=$LR node=$MY_NODE; cat /etc/train/model.yaml; exit 3",
                        "OnFailure");
  ASSERT_TRUE(client_->Create(PodsResource(), "default", pod).ok());
  json got = WaitForPod("crash", [](const json& s) {
    return s.contains("containerStatuses") && s["containerStatuses"][0]["restartCount"] >= 1;
  });
  json c = got["status"]["containerStatuses"][0];
  EXPECT_EQ(c["lastState"]["terminated"]["exitCode"], 3);
  EXPECT_EQ(c["lastState"]["terminated"]["reason"], "Error");
  EXPECT_EQ(got["status"]["phase"], "Running");
  httplib::Client http("127.0.0.1", port_);
  httplib::Result logs = http.Get("/containerLogs/default/crash/main?previous=true");
  ASSERT_TRUE(logs);
  EXPECT_EQ(logs->status, 200);
  EXPECT_EQ(logs->body, "lr=0.01 node=sp1-node01\nlayers: 4\n");
  // The same lines through the API server's pods/log, the path `kubectl logs --previous`
  // takes: the server finds the node's kubelet endpoint (nodesim) from the Node's status.
  httplib::Client api(server_->url());
  httplib::Result proxied =
      api.Get("/api/v1/namespaces/default/pods/crash/log?container=main&previous=true");
  ASSERT_TRUE(proxied);
  EXPECT_EQ(proxied->status, 200) << proxied->body;
  EXPECT_EQ(proxied->body, "lr=0.01 node=sp1-node01\nlayers: 4\n");
}

TEST_F(NodesimApiServerTest, DeletingAPodTerminatesItsProcess) {
  json cm = {{"apiVersion", "v1"}, {"kind", "ConfigMap"},
             {"metadata", {{"name", "train-config"}, {"namespace", "default"}}},
             {"data", {{"lr", "0.01"}}}};
  ASSERT_TRUE(client_->Create(kube::ConfigMapsResource(), "default", cm).ok());
  json pod = ProcessPod("long", "echo $$$$ > pid; while :; do sleep 0.1; done", "Always");
  ASSERT_TRUE(client_->Create(PodsResource(), "default", pod).ok());
  json got = WaitForPod("long", [](const json& s) { return s.value("phase", "") == "Running"; });
  std::string pid_file = absl::StrCat(dir_.path(), "/nodesim/pods/default_long_",
                                      got["metadata"]["uid"].get<std::string>(), "/pid");
  int pid = 0;
  for (absl::Time end = absl::Now() + absl::Seconds(30); pid == 0 && absl::Now() < end;
       absl::SleepFor(absl::Milliseconds(20))) {
    std::ifstream(pid_file) >> pid;
  }
  ASSERT_GT(pid, 0);
  ASSERT_EQ(kill(pid, 0), 0);
  absl::Time deleted = absl::Now();
  ASSERT_TRUE(client_->Delete(PodsResource(), "default", "long").ok());
  bool gone = false;
  while (!gone && absl::Now() - deleted < absl::Seconds(10)) {
    absl::SleepFor(absl::Milliseconds(20));
    gone = kill(pid, 0) != 0;
  }
  EXPECT_TRUE(gone) << ReadAll(nodesim_.log());
  EXPECT_LT(absl::Now() - deleted, absl::Seconds(3) + absl::Seconds(2));  // grace + slack
  // The API server kept the bound pod (graceful deletion) until nodesim, as the kubelet,
  // confirmed with gracePeriodSeconds=0.
  bool removed = false;
  for (absl::Time end = absl::Now() + absl::Seconds(10); !removed && absl::Now() < end;
       absl::SleepFor(absl::Milliseconds(20))) {
    removed = absl::IsNotFound(client_->Get(PodsResource(), "default", "long").status());
  }
  EXPECT_TRUE(removed) << ReadAll(nodesim_.log());
}

}  // namespace
}  // namespace flyover
