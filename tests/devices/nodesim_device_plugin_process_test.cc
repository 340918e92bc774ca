// The whole chain as processes: flyover-apiserver, flyover-nodesim (one process-mode node,
// the kubelet toward device plugins) and flyover-device-plugin registering on that node's
// <data-dir>/device-plugins/sp0-node00/kubelet.sock. An injected fault reaches the Node's
// allocatable; a pod's process gets ASCEND_VISIBLE_DEVICES from Allocate (the plugin's pick,
// or the scheduler's annotation); a pod asking for more healthy dies than the node has is
// failed with UnexpectedAdmissionError.
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <iostream>
#include <sstream>

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
using nlohmann::json;
using ::testing::HasSubstr;

constexpr char kNpu[] = "huawei.com/Ascend910";
constexpr char kNode[] = "sp0-node00";

std::string ReadAll(const std::string& path) {
  std::ifstream in(path);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

// A port that was free a moment ago (the plugin's fault endpoint takes a fixed port).
int FreePort() {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t length = sizeof(address);
  bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof(address));
  getsockname(fd, reinterpret_cast<sockaddr*>(&address), &length);
  close(fd);
  return ntohs(address.sin_port);
}

// A child process whose stdout and stderr go to `log`; SIGTERMed and reaped on destruction.
class ChildProcess {
 public:
  void Start(const std::string& binary, const std::vector<std::string>& args, std::string log) {
    log_ = std::move(log);
    pid_ = fork();
    if (pid_ == 0) {
      std::vector<char*> argv{const_cast<char*>(binary.c_str())};
      for (const std::string& a : args) argv.push_back(const_cast<char*>(a.c_str()));
      argv.push_back(nullptr);
      if (freopen(log_.c_str(), "w", stdout) == nullptr) _exit(126);
      dup2(fileno(stdout), STDERR_FILENO);
      execv(argv[0], argv.data());
      _exit(127);
    }
  }
  ~ChildProcess() {
    if (pid_ <= 0) return;
    kill(pid_, SIGTERM);
    int status = 0;
    waitpid(pid_, &status, 0);
  }
  std::string Log() const { return ReadAll(log_); }

 private:
  pid_t pid_ = -1;
  std::string log_;
};

class NodesimDevicePluginProcessTest : public ::testing::Test {
 protected:
  void SetUp() override {
    absl::StatusOr<ServerProcess> server = ServerProcess::Start(dir_.path() + "/api");
    ASSERT_TRUE(server.ok()) << server.status();
    server_.emplace(std::move(*server));
    absl::StatusOr<kube::RestConfig> config =
        kube::LoadKubeconfig(DefaultFileSystem(), server_->kubeconfig());
    ASSERT_TRUE(config.ok()) << config.status();
    client_ = std::move(kube::NewRestClient(*config, {.rate_limit = {.qps = 0}}).value());
    nodesim_.Start(FLYOVER_NODESIM_BINARY,
                   {"--kubeconfig", server_->kubeconfig(), "--super-pods", "1",
                    "--nodes-per-super-pod", "1", "--mode", "process", "--port", "0",
                    "--chaos-port", "-1", "--data-dir", dir_.path() + "/nodesim"},
                   dir_.path() + "/nodesim.log");
    for (absl::Time end = absl::Now() + absl::Seconds(60); port_ == 0 && absl::Now() < end;
         absl::SleepFor(absl::Milliseconds(20))) {
      std::string text = nodesim_.Log();
      if (size_t at = text.find("nodesim ready"); at != std::string::npos) {
        port_ = std::stoi(text.substr(text.find("port=", at) + 5));
      }
    }
    ASSERT_GT(port_, 0) << nodesim_.Log();
    fault_port_ = FreePort();
    plugin_.Start(FLYOVER_DEVICE_PLUGIN_BINARY,
                  {"--device-plugin-dir", plugin_dir(), "--node-name", kNode, "--kubeconfig",
                   server_->kubeconfig(), "--device-dir", dir_.path() + "/npu", "--fault-port",
                   std::to_string(fault_port_), "--metrics-port", "0"},
                  dir_.path() + "/plugin.log");
  }

  std::string plugin_dir() const { return dir_.path() + "/nodesim/device-plugins/" + kNode; }
  std::string Logs() const { return nodesim_.Log() + "\n--- plugin:\n" + plugin_.Log(); }

  json Get(const kube::ResourceDescriptor& r, const std::string& ns, const std::string& name) {
    absl::StatusOr<json> object = client_->Get(r, ns, name);
    return object.ok() ? *object : json::object();
  }
  std::string Allocatable() {
    return Get(kube::NodesResource(), "", kNode)["status"]["allocatable"].value(kNpu, "");
  }
  // Polls (real time, every 5 ms) until the Node's allocatable NPUs are `want`.
  bool WaitForAllocatable(const std::string& want, absl::Duration timeout) {
    for (absl::Time end = absl::Now() + timeout; absl::Now() < end;
         absl::SleepFor(absl::Milliseconds(5))) {
      if (Allocatable() == want) return true;
    }
    return false;
  }
  bool PostFault(const std::string& path, const json& body) {
    httplib::Client plugin("127.0.0.1", fault_port_);
    for (absl::Time end = absl::Now() + absl::Seconds(20); absl::Now() < end;
         absl::SleepFor(absl::Milliseconds(50))) {
      httplib::Result result = plugin.Post(path, body.dump(), "application/json");
      if (result && result->status == 200) return true;
    }
    return false;
  }
  json WaitForPod(const std::string& name, const std::string& phase) {
    json pod;
    for (absl::Time end = absl::Now() + absl::Seconds(60); absl::Now() < end;
         absl::SleepFor(absl::Milliseconds(50))) {
      pod = Get(kube::PodsResource(), "default", name);
      if (pod.contains("status") && pod["status"].value("phase", "") == phase) return pod;
    }
    ADD_FAILURE() << "pod " << name << " never " << phase << ": " << pod.dump() << "\n" << Logs();
    return pod;
  }
  std::string ContainerLog(const std::string& pod) {
    httplib::Client kubelet("127.0.0.1", port_);
    httplib::Result result = kubelet.Get("/containerLogs/default/" + pod + "/main");
    return result ? result->body : "";
  }

  TempDir dir_;
  std::optional<ServerProcess> server_;
  std::unique_ptr<kube::RestClient> client_;
  ChildProcess nodesim_;
  ChildProcess plugin_;
  int port_ = 0;
  int fault_port_ = 0;
};

json NpuPod(const std::string& name, int dies, const std::string& annotation = "") {
  json pod = {{"apiVersion", "v1"},
              {"kind", "Pod"},
              {"metadata", {{"name", name}, {"namespace", "default"}}},
              {"spec",
               {{"nodeName", kNode},
                {"restartPolicy", "Never"},
                {"containers",
                 {{{"name", "main"},
                   {"image", "flyover/worker"},
                   {"command", {"/bin/sh", "-c", "echo visible=$ASCEND_VISIBLE_DEVICES"}},
                   {"resources", {{"limits", {{kNpu, std::to_string(dies)}}}}}}}}}}};
  if (!annotation.empty()) pod["metadata"]["annotations"] = {{kNpu, annotation}};
  return pod;
}

TEST_F(NodesimDevicePluginProcessTest, FaultsReachTheNodeAndPodsGetTheirDies) {
  // Registration: the plugin serves its socket beside nodesim's kubelet.sock.
  for (absl::Time end = absl::Now() + absl::Seconds(30);
       !std::filesystem::exists(plugin_dir() + "/flyover-ascend910.sock") && absl::Now() < end;
       absl::SleepFor(absl::Milliseconds(20))) {
  }
  ASSERT_TRUE(std::filesystem::exists(plugin_dir() + "/kubelet.sock")) << Logs();
  ASSERT_TRUE(std::filesystem::exists(plugin_dir() + "/flyover-ascend910.sock")) << Logs();

  // ListAndWatch -> Node allocatable: a double-bit ECC fault on die 3 takes one die away.
  ASSERT_TRUE(PostFault("/faults", {{"die", 3}, {"fault", "hbm_ecc_double_bit"}})) << Logs();
  const absl::Time injected = absl::Now();
  ASSERT_TRUE(WaitForAllocatable("15", absl::Seconds(5))) << Allocatable() << "\n" << Logs();
  const absl::Duration latency = absl::Now() - injected;
  std::cout << "fault to Node allocatable 15 (processes): " << absl::FormatDuration(latency)
            << "\n";
  EXPECT_LT(latency, absl::Seconds(1));
  json node = Get(kube::NodesResource(), "", kNode);
  EXPECT_EQ(node["status"]["capacity"][kNpu], "16");

  // Allocate: the plugin's topology pick (chip 1 has the sick die: chip 0 it is) ...
  ASSERT_TRUE(client_->Create(kube::PodsResource(), "default", NpuPod("pick", 2)).ok());
  WaitForPod("pick", "Succeeded");
  EXPECT_EQ(ContainerLog("pick"), "visible=0,1\n");
  // ... or the scheduler's annotation.
  ASSERT_TRUE(
      client_
          ->Create(kube::PodsResource(), "default", NpuPod("chosen", 2, "Ascend910-8,Ascend910-9"))
          .ok());
  WaitForPod("chosen", "Succeeded");
  EXPECT_EQ(ContainerLog("chosen"), "visible=8,9\n");

  // More healthy dies than the node has: failed at admission, as by the kubelet.
  ASSERT_TRUE(client_->Create(kube::PodsResource(), "default", NpuPod("greedy", 16)).ok());
  json greedy = WaitForPod("greedy", "Failed");
  EXPECT_EQ(greedy["status"]["reason"], "UnexpectedAdmissionError");
  EXPECT_THAT(greedy["status"].value("message", ""),
              HasSubstr("pod default/greedy: container main: huawei.com/Ascend910: requested 16"));

  // Recovery gives the die back.
  ASSERT_TRUE(PostFault("/recover", {{"die", 3}}));
  EXPECT_TRUE(WaitForAllocatable("16", absl::Seconds(5))) << Logs();
}

}  // namespace
}  // namespace flyover
