#include "nodesim/process_pod_runtime.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "kube/client/testing/temp_dir.h"
#include "kube/testing/fake_api_server.h"
#include "nodesim/log_format.h"

namespace flyover::nodesim {
namespace {

using kube::PodsResource;
using kube::testing::FakeApiServer;
using ::testing::HasSubstr;
using nlohmann::json;

const SimNodeSpec kNode{.name = "sp0-node00", .mode = PodMode::kProcess};

json ShellPod(const std::string& name, const std::string& script, const std::string& policy) {
  return {{"apiVersion", "v1"},
          {"kind", "Pod"},
          {"metadata", {{"name", name}, {"namespace", "ml"}}},
          {"spec",
           {{"nodeName", "sp0-node00"},
            {"restartPolicy", policy},
            {"volumes", {{{"name", "cfg"}, {"configMap", {{"name", "cfg"}}}}}},
            {"containers",
             {{{"name", "main"},
               {"image", "busybox"},
               {"command", {"/bin/sh", "-c", script}},
               {"env",
                {{{"name", "POD"}, {"valueFrom", {{"fieldRef", {{"fieldPath", "metadata.name"}}}}}},
                 {{"name", "GREETING"}, {"valueFrom", {{"configMapKeyRef", {{"name", "cfg"}, {"key", "greeting"}}}}}}}},
               {"volumeMounts", {{{"name", "cfg"}, {"mountPath", "/etc/cfg"}}}}}}}}}};
}

class ProcessPodRuntimeTest : public ::testing::Test {
 protected:
  void SetUp() override {
    json cm = {{"apiVersion", "v1"}, {"kind", "ConfigMap"},
               {"metadata", {{"name", "cfg"}, {"namespace", "ml"}}},
               {"data", {{"greeting", "hello"}, {"file.txt", "from-file"}}}};
    ASSERT_TRUE(api_.Create(kube::ConfigMapsResource(), cm).ok());
  }
  // Creates the pod in the fake and syncs it; returns its key.
  kube::core::Pod Run(const json& object) {
    json created = api_.Create(PodsResource(), object).value();
    kube::core::Pod pod = kube::core::DecodePod(created).value();
    absl::StatusOr<kube::Result> result = runtime_.Sync("ml/" + pod.metadata.name, pod, {&kNode, 0});
    EXPECT_TRUE(result.ok()) << result.status();
    return pod;
  }
  // Waits (real time) for the pod's status to satisfy `done`.
  json WaitForStatus(const std::string& name, const std::function<bool(const json&)>& done) {
    json status;
    for (absl::Time deadline = absl::Now() + absl::Seconds(20); absl::Now() < deadline;
         absl::SleepFor(absl::Milliseconds(5))) {
      status = api_.Get(PodsResource(), "ml", name).value_or(json::object()).value("status", json::object());
      if (done(status)) return status;
    }
    ADD_FAILURE() << "status never matched: " << status.dump();
    return status;
  }
  std::string Log(const std::string& name, bool previous = false) {
    absl::StatusOr<ContainerLogRef> ref = runtime_.ContainerLog("ml/" + name, "main", previous);
    if (!ref.ok()) return std::string(ref.status().message());
    std::ifstream in(ref->path);
    std::string text, line;
    while (std::getline(in, line)) text += ParseLogLine(line).value_or(LogLine{}).text + "\n";
    return text;
  }

  FakeApiServer api_;
  std::unique_ptr<kube::RestClient> client_ = api_.NewClient();
  kube::testing::TempDir dir_;
  ApiObjectSource source_{client_.get()};
  ProcessPodRuntime runtime_{client_.get(), &source_,
                             {.data_dir = dir_.path(),
                              .supervisor = {.initial_backoff = absl::Milliseconds(50),
                                             .max_backoff = absl::Milliseconds(200)}}};
};

bool Phase(const json& s, const char* phase) { return s.value("phase", "") == phase; }

TEST_F(ProcessPodRuntimeTest, RunsTheCommandWithEnvAndMountedFiles) {
  Run(ShellPod("ok", "echo $POD $GREETING; cat /etc/cfg/file.txt; echo oops >&2", "Never"));
  json status = WaitForStatus("ok", [](const json& s) { return Phase(s, "Succeeded"); });
  EXPECT_EQ(status["containerStatuses"][0]["state"]["terminated"]["exitCode"], 0);
  EXPECT_EQ(status["containerStatuses"][0]["state"]["terminated"]["reason"], "Completed");
  const std::string ip = status["podIP"];
  EXPECT_THAT(ip, ::testing::StartsWith("127."));
  EXPECT_NE(ip, "127.0.0.1");  // the node's address, not the pod's
  EXPECT_EQ(status["podIPs"], json::array({{{"ip", ip}}}));
  EXPECT_EQ(status["hostIP"], "127.0.0.1");
  // stdout and stderr are two pipes: lines of different streams may interleave either way.
  std::vector<std::string> lines = absl::StrSplit(Log("ok"), '\n', absl::SkipEmpty());
  EXPECT_THAT(lines, ::testing::UnorderedElementsAre("ok hello", "from-file", "oops"));
}

// A kubelet knows the pod's IP before its containers start: the downward API's status.podIP
// and status.hostIP are the address the processes listen on, not the still empty status.
// PATH starts with the directory of the running binary (Flyover's binaries sit together).
TEST_F(ProcessPodRuntimeTest, DownwardApiSeesThePodAddressAndPathHasOwnDirectory) {
  json pod = ShellPod("addr", "echo ip=$POD_IP host=$HOST_IP; echo path=${PATH%%:*}", "Never");
  json& env = pod["spec"]["containers"][0]["env"];
  env.push_back({{"name", "POD_IP"}, {"valueFrom", {{"fieldRef", {{"fieldPath", "status.podIP"}}}}}});
  env.push_back({{"name", "HOST_IP"}, {"valueFrom", {{"fieldRef", {{"fieldPath", "status.hostIP"}}}}}});
  Run(pod);
  json status = WaitForStatus("addr", [](const json& s) { return Phase(s, "Succeeded"); });
  std::vector<std::string> lines = absl::StrSplit(Log("addr"), '\n', absl::SkipEmpty());
  EXPECT_THAT(lines, ::testing::ElementsAre(
                         "ip=" + status["podIP"].get<std::string>() + " host=127.0.0.1",
                         "path=" + std::filesystem::read_symlink("/proc/self/exe").parent_path().string()));
}

TEST_F(ProcessPodRuntimeTest, RestartsFailuresWithBackoffAndReportsLastState) {
  Run(ShellPod("crash", "echo run; exit 3", "OnFailure"));
  json status = WaitForStatus("crash", [](const json& s) {
    return s.contains("containerStatuses") && s["containerStatuses"][0]["restartCount"] >= 2;
  });
  EXPECT_EQ(status["phase"], "Running");
  json c = status["containerStatuses"][0];
  EXPECT_EQ(c["lastState"]["terminated"]["exitCode"], 3);
  EXPECT_EQ(c["lastState"]["terminated"]["reason"], "Error");
  EXPECT_EQ(Log("crash", /*previous=*/true), "run\n");
}

TEST_F(ProcessPodRuntimeTest, NeverRestartsAFailedPodUnderNever) {
  Run(ShellPod("fail", "exit 7", "Never"));
  json status = WaitForStatus("fail", [](const json& s) { return Phase(s, "Failed"); });
  EXPECT_EQ(status["containerStatuses"][0]["state"]["terminated"]["exitCode"], 7);
  EXPECT_EQ(status["containerStatuses"][0]["restartCount"], 0);
}

TEST_F(ProcessPodRuntimeTest, ReportsAMissingConfigMap) {
  json pod = ShellPod("nocfg", "true", "Never");
  pod["spec"]["volumes"][0]["configMap"]["name"] = "absent";
  json created = api_.Create(PodsResource(), pod).value();
  kube::core::Pod decoded = kube::core::DecodePod(created).value();
  absl::StatusOr<kube::Result> result = runtime_.Sync("ml/nocfg", decoded, {&kNode, 0});
  EXPECT_THAT(result.status().message(), HasSubstr("spec.volumes[0] (cfg): configmap absent"));
  json status = WaitForStatus("nocfg", [](const json& s) { return s.contains("containerStatuses"); });
  EXPECT_EQ(status["containerStatuses"][0]["state"]["waiting"]["reason"],
            "CreateContainerConfigError");
}

TEST_F(ProcessPodRuntimeTest, GracefulDeletionSignalsThenDeletes) {
  kube::core::Pod pod =
      Run(ShellPod("term", "trap 'echo got-term; exit 0' TERM; echo ready; while :; do sleep 0.05; done",
                   "Always"));
  WaitForStatus("term", [](const json& s) { return Phase(s, "Running"); });
  for (absl::Time end = absl::Now() + absl::Seconds(10);
       Log("term").find("ready") == std::string::npos && absl::Now() < end;) {
    absl::SleepFor(absl::Milliseconds(5));
  }
  pod.metadata.deletion_timestamp = absl::Now();
  pod.metadata.deletion_grace_period_seconds = 10;
  ASSERT_TRUE(runtime_.Sync("ml/term", pod, {&kNode, 0}).ok());
  ASSERT_TRUE(api_.WaitForActions({.verb = "delete", .resource = "pods"}, 1));
  kube::testing::Action del = api_.Actions({.verb = "delete", .resource = "pods"})[0];
  EXPECT_EQ(del.body["gracePeriodSeconds"], 0);
  EXPECT_THAT(Log("term"), HasSubstr("got-term"));
}

TEST_F(ProcessPodRuntimeTest, ForgettingAPodKillsItsProcessAfterTheGracePeriod) {
  // "$$$$" is the shell's "$$": the pod spec escapes "$" as "$$".
  json object = ShellPod("stubborn", "trap '' TERM; echo $$$$ > pid; while :; do sleep 0.05; done",
                         "Always");
  object["spec"]["terminationGracePeriodSeconds"] = 0;
  kube::core::Pod pod = Run(object);
  WaitForStatus("stubborn", [](const json& s) { return Phase(s, "Running"); });
  std::string pid_file = dir_.path() + "/pods/ml_stubborn_" + pod.metadata.uid + "/pid";
  int pid = 0;
  for (absl::Time end = absl::Now() + absl::Seconds(10); pid == 0 && absl::Now() < end;
       absl::SleepFor(absl::Milliseconds(5))) {
    std::ifstream(pid_file) >> pid;
  }
  ASSERT_GT(pid, 0);
  runtime_.Forget("ml/stubborn");
  bool gone = false;
  for (absl::Time end = absl::Now() + absl::Seconds(10); !gone && absl::Now() < end;
       absl::SleepFor(absl::Milliseconds(5))) {
    gone = kill(pid, 0) != 0;
  }
  EXPECT_TRUE(gone);
  EXPECT_TRUE(api_.Actions({.verb = "delete"}).empty());
}

// Binds a TCP socket to ip:port; the socket (to close) or -1.
int BindTcp(const std::string& ip, int port) {
  const int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<uint16_t>(port));
  if (fd < 0 || inet_pton(AF_INET, ip.c_str(), &addr.sin_addr) != 1 ||
      bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 || listen(fd, 1) != 0) {
    if (fd >= 0) close(fd);
    return -1;
  }
  return fd;
}

// Pods on one host each listen on their own address, as on a cluster: the same port in two
// pods does not collide.
TEST_F(ProcessPodRuntimeTest, EachPodHasItsOwnAddressUntilItEnds) {
  const char* kLoop = "while :; do sleep 0.05; done";
  Run(ShellPod("a", kLoop, "Always"));
  Run(ShellPod("b", kLoop, "Always"));
  const std::string ip_a =
      WaitForStatus("a", [](const json& s) { return Phase(s, "Running"); })["podIP"];
  const std::string ip_b =
      WaitForStatus("b", [](const json& s) { return Phase(s, "Running"); })["podIP"];
  EXPECT_NE(ip_a, ip_b);
  EXPECT_EQ(runtime_.PodAddressesInUse(), 2u);
  const int first = BindTcp(ip_a, 0);
  ASSERT_GE(first, 0) << ip_a;
  sockaddr_in bound{};
  socklen_t length = sizeof bound;
  ASSERT_EQ(getsockname(first, reinterpret_cast<sockaddr*>(&bound), &length), 0);
  const int second = BindTcp(ip_b, ntohs(bound.sin_port));  // same port, other pod
  EXPECT_GE(second, 0) << ip_b;
  close(first);
  if (second >= 0) close(second);
  // Gone from the API: released once its processes are.
  runtime_.Forget("ml/a");
  for (absl::Time end = absl::Now() + absl::Seconds(10);
       runtime_.PodAddressesInUse() != 1 && absl::Now() < end;) {
    absl::SleepFor(absl::Milliseconds(5));
  }
  EXPECT_EQ(runtime_.PodAddressesInUse(), 1u);
  // Ended: released when the runtime sees the terminal phase.
  kube::core::Pod done = Run(ShellPod("done", "true", "Never"));
  WaitForStatus("done", [](const json& s) { return Phase(s, "Succeeded"); });
  EXPECT_EQ(runtime_.PodAddressesInUse(), 2u);
  done.status.phase = kube::core::kPodSucceeded;
  ASSERT_TRUE(runtime_.Sync("ml/done", done, {&kNode, 0}).ok());
  EXPECT_EQ(runtime_.PodAddressesInUse(), 1u);
}

}  // namespace
}  // namespace flyover::nodesim
