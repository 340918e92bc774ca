// `flyover local up|status|down` and `flyover chaos` against the real flyover-apiserver and
// flyover-nodesim binaries: a 2 x 4 process-mode cluster in a temp dir. kubectl (from the
// PATH; the kube client when there is none) lists the nodes with their labels; a second up
// is a no-op; chaos kills a pod's process and partitions a node (its lease stops); down
// leaves no process behind.
#include <signal.h>
#include <sys/wait.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "cli/daemon.h"
#include "common/posix_file_system.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "kube/client/config.h"
#include "kube/client/rest_client.h"
#include "kube/client/testing/temp_dir.h"

namespace flyover::cli {
namespace {

using nlohmann::json;
using ::testing::HasSubstr;
using ::testing::MatchesRegex;

struct CommandRun {
  int code = -1;
  std::string out, err;
};

std::string ReadFile(const std::string& path) {
  std::ifstream in(path);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

CommandRun Shell(const std::string& command, const std::string& err_file) {
  CommandRun run;
  FILE* pipe = popen((command + " 2>" + err_file).c_str(), "r");
  if (pipe == nullptr) return run;
  char buffer[4096];
  for (size_t n; (n = fread(buffer, 1, sizeof buffer, pipe)) > 0;) run.out.append(buffer, n);
  int status = pclose(pipe);
  run.code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  run.err = ReadFile(err_file);
  return run;
}

bool HaveKubectl() { return std::system("command -v kubectl >/dev/null 2>&1") == 0; }

// Processes whose working directory is under `dir` (nodesim's pods run in DIR/nodesim/pods).
std::vector<std::string> ProcessesUnder(const std::string& dir) {
  std::vector<std::string> found;
  for (const auto& entry : std::filesystem::directory_iterator("/proc")) {
    std::error_code error;
    auto cwd = std::filesystem::read_symlink(entry.path() / "cwd", error);
    if (!error && cwd.string().rfind(dir, 0) == 0) found.push_back(entry.path().string());
  }
  return found;
}

class LocalClusterTest : public ::testing::Test {
 protected:
  CommandRun Flyover(const std::string& args) {
    return Shell(absl::StrCat(FLYOVER_BINARY, " ", args), dir_.path() + "/stderr.txt");
  }
  std::string Up() {
    return absl::StrCat("local up --data-dir ", data_, " --super-pods 2 --nodes-per-super-pod 4",
                        " --mode process --lease-interval 1s --timeout 60s");
  }
  std::unique_ptr<kube::RestClient> Client() {
    auto config = kube::LoadKubeconfig(DefaultFileSystem(), data_ + "/kubeconfig");
    EXPECT_TRUE(config.ok()) << config.status();
    return kube::NewRestClient(*config, {.rate_limit = {.qps = 0}}).value();
  }
  json Nodes() {
    if (HaveKubectl()) {
      CommandRun run = Shell(absl::StrCat("kubectl --kubeconfig ", data_, "/kubeconfig get nodes -o json"),
                      dir_.path() + "/kubectl.txt");
      EXPECT_EQ(run.code, 0) << run.err;
      return json::parse(run.out, nullptr, false);
    }
    json list = {{"items", json::array()}};
    absl::StatusOr<kube::ObjectList> nodes = Client()->List(kube::NodesResource(), "");
    EXPECT_TRUE(nodes.ok()) << nodes.status();
    if (nodes.ok()) {
      for (const json& item : nodes->items) list["items"].push_back(item);
    }
    return list;
  }
  void TearDown() override { Flyover("local down --data-dir " + data_); }

  kube::testing::TempDir dir_;
  std::string data_ = dir_.path() + "/cluster";
};

json WaitForPod(kube::RestClient* client, const std::string& name,
                const std::function<bool(const json&)>& done) {
  json pod;
  for (absl::Time end = absl::Now() + absl::Seconds(60); absl::Now() < end;
       absl::SleepFor(absl::Milliseconds(50))) {
    absl::StatusOr<json> got = client->Get(kube::PodsResource(), "default", name);
    if (got.ok() && got->contains("status") && done((*got)["status"])) return *got;
    if (got.ok()) pod = *got;
  }
  ADD_FAILURE() << "pod " << name << " never got there: " << pod.dump();
  return pod;
}

TEST_F(LocalClusterTest, UpStatusChaosDown) {
  CommandRun up = Flyover(Up());
  ASSERT_EQ(up.code, 0) << up.err << ReadFile(data_ + "/logs/nodesim.log");
  EXPECT_EQ(up.out, absl::StrCat("export KUBECONFIG=", data_, "/kubeconfig\n"));

  json nodes = Nodes();
  ASSERT_EQ(nodes["items"].size(), 8u) << nodes.dump();
  for (const json& node : nodes["items"]) {
    const json& labels = node["metadata"]["labels"];
    EXPECT_EQ(labels["accelerator-type"], "module-a3-16-super-pod");
    EXPECT_EQ(labels["nodesim.flyover.dev/mode"], "process");
    EXPECT_TRUE(labels.contains("huawei.com/topotree.superpodid"));
  }
  pid_t api_pid = ReadPidFile(data_ + "/run/apiserver.pid").value_or(-1);
  pid_t sim_pid = ReadPidFile(data_ + "/run/nodesim.pid").value_or(-1);
  EXPECT_TRUE(IsRunning(api_pid, "flyover-apiserver"));
  EXPECT_TRUE(IsRunning(sim_pid, "flyover-nodesim"));

  CommandRun again = Flyover(Up());
  EXPECT_EQ(again.code, 0) << again.err;
  EXPECT_THAT(again.err, HasSubstr(absl::StrCat("apiserver: already running (pid ", api_pid)));
  EXPECT_THAT(again.err, HasSubstr(absl::StrCat("nodesim: already running (pid ", sim_pid)));
  EXPECT_EQ(ReadPidFile(data_ + "/run/nodesim.pid"), sim_pid);

  CommandRun status = Flyover("local status --data-dir " + data_);
  EXPECT_EQ(status.code, 0) << status.out;
  EXPECT_THAT(status.out, HasSubstr(absl::StrCat("apiserver: running pid=", api_pid,
                                                 " log=", data_, "/logs/apiserver.log")));
  EXPECT_THAT(status.out, HasSubstr("api: http"));
  EXPECT_THAT(status.out, HasSubstr("chaos: http://127.0.0.1:"));
  // The controllers run and lead: up waited for their Leases.
  EXPECT_THAT(up.err, HasSubstr("scheduler: leading (Lease default/flyover-scheduler)"));
  EXPECT_THAT(up.err, HasSubstr("operator: leading (Lease default/flyover-operator)"));
  EXPECT_THAT(status.out, HasSubstr("scheduler: running pid="));
  EXPECT_THAT(status.out, HasSubstr("operator: running pid="));

  // kill-pod: the process dies with SIGKILL (exit 137) and restartPolicy Always restarts it.
  std::unique_ptr<kube::RestClient> client = Client();
  ASSERT_TRUE(client->Create(kube::PodsResource(), "default", json::parse(R"({
      "apiVersion": "v1", "kind": "Pod", "metadata": {"name": "sleeper"},
      "spec": {"nodeName": "sp0-node01", "restartPolicy": "Always",
               "terminationGracePeriodSeconds": 2,
               "containers": [{"name": "main", "image": "x",
                               "command": ["/bin/sh", "-c", "echo $FLYOVER_SLOW_FACTOR_FILE; exec sleep 600"]}]}})"))
                  .ok());
  ASSERT_TRUE(client->Create(kube::PodsResource(), "default", json::parse(R"({
      "apiVersion": "v1", "kind": "Pod", "metadata": {"name": "steady"},
      "spec": {"nodeName": "sp1-node00", "restartPolicy": "Never",
               "containers": [{"name": "main", "image": "x", "command": ["sleep", "600"]}]}})"))
                  .ok());
  for (const char* name : {"sleeper", "steady"}) {
    WaitForPod(client.get(), name, [](const json& s) { return s.value("phase", "") == "Running"; });
  }
  EXPECT_EQ(ProcessesUnder(data_).size(), 2u);  // each runs in its pod directory
  CommandRun kill = Flyover("chaos --data-dir " + data_ + " kill-pod default/sleeper");
  EXPECT_EQ(kill.code, 0) << kill.err;
  EXPECT_THAT(kill.out, MatchesRegex("20[0-9-]+T[0-9:]+\\.[0-9]{3}Z kill-pod default/sleeper: .*\n"));
  json killed = WaitForPod(client.get(), "sleeper", [](const json& s) {
    return s.contains("containerStatuses") &&
           s["containerStatuses"][0].contains("lastState") &&
           s["containerStatuses"][0]["lastState"].contains("terminated");
  });
  EXPECT_EQ(killed["status"]["containerStatuses"][0]["lastState"]["terminated"]["exitCode"], 137);

  // partition-node: the lease stops being renewed; resume-node: it is renewed again.
  auto renew_time = [&] {
    return client->Get(kube::LeasesResource(), "kube-node-lease", "sp0-node02")
        .value()["spec"]["renewTime"].get<std::string>();
  };
  CommandRun partition = Flyover("chaos --data-dir " + data_ + " partition-node sp0-node02");
  EXPECT_EQ(partition.code, 0) << partition.err;
  absl::SleepFor(absl::Milliseconds(1200));  // a renewal already under way may land
  std::string frozen = renew_time();
  absl::SleepFor(absl::Seconds(3));  // three lease intervals
  EXPECT_EQ(renew_time(), frozen);
  EXPECT_EQ(Flyover("chaos --data-dir " + data_ + " resume-node sp0-node02").code, 0);
  absl::SleepFor(absl::Seconds(2));
  EXPECT_NE(renew_time(), frozen);
  EXPECT_THAT(ReadFile(data_ + "/logs/chaos.log"),
              MatchesRegex("[^\n]*Z action=kill-pod target=default/sleeper [^\n]*\n"
                           "[^\n]*Z action=partition-node target=sp0-node02 [^\n]*\n"
                           "[^\n]*Z action=resume-node target=sp0-node02 [^\n]*\n"));
  EXPECT_THAT(Flyover("chaos --data-dir " + data_ + " stop-node sp9-node00").err,
              HasSubstr("sp9-node00 is not simulated"));
  EXPECT_FALSE(ProcessesUnder(data_).empty());  // "steady" still runs

  CommandRun down = Flyover("local down --data-dir " + data_);
  EXPECT_EQ(down.code, 0) << down.err;
  EXPECT_THAT(down.err, HasSubstr("nodesim: stopped"));
  EXPECT_THAT(down.err, HasSubstr("apiserver: stopped"));
  EXPECT_FALSE(IsRunning(api_pid));
  EXPECT_FALSE(IsRunning(sim_pid));
  EXPECT_THAT(ProcessesUnder(data_), ::testing::IsEmpty());
  EXPECT_FALSE(std::filesystem::exists(data_ + "/run/apiserver.pid"));
  EXPECT_FALSE(std::filesystem::exists(data_ + "/run/nodesim.pid"));
  CommandRun after = Flyover("local status --data-dir " + data_);
  EXPECT_EQ(after.code, 3);
  EXPECT_THAT(after.out, HasSubstr("nodesim: not running"));
}

}  // namespace
}  // namespace flyover::cli
