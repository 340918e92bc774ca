// `flyover local up --mode process` with its device plugins, against the real
// flyover-apiserver, flyover-nodesim and flyover-device-plugin binaries: a 1 x 2 cluster in a
// temp dir. After up each node's allocatable huawei.com/Ascend910 is 16; `flyover chaos
// npu-fault` on one die makes that node's 15 and npu-recover 16 again (the other node stays
// at 16), both logged in DIR/logs/chaos.log; a second up leaves the plugins alone; status
// lists them; down stops every process (each pid checked) and removes the plugins' files.
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
#include "httplib.h"
#include "kube/client/config.h"
#include "kube/client/rest_client.h"
#include "kube/client/testing/temp_dir.h"

namespace flyover::cli {
namespace {

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

class LocalDevicePluginTest : public ::testing::Test {
 protected:
  CommandRun Flyover(const std::string& args) {
    CommandRun run;
    std::string err_file = dir_.path() + "/stderr.txt";
    FILE* pipe = popen(absl::StrCat(FLYOVER_BINARY, " ", args, " 2>", err_file).c_str(), "r");
    if (pipe == nullptr) return run;
    char buffer[4096];
    for (size_t n; (n = fread(buffer, 1, sizeof buffer, pipe)) > 0;) run.out.append(buffer, n);
    int status = pclose(pipe);
    run.code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
    run.err = ReadFile(err_file);
    return run;
  }
  std::string Up() {
    return absl::StrCat("local up --data-dir ", data_, " --super-pods 1 --nodes-per-super-pod 2",
                        " --mode process --lease-interval 1s --timeout 90s");
  }
  // The node's allocatable huawei.com/Ascend910 ("" when unset or unreadable).
  std::string Allocatable(const std::string& node) {
    auto config = kube::LoadKubeconfig(DefaultFileSystem(), data_ + "/kubeconfig");
    if (!config.ok()) return "";
    auto client = kube::NewRestClient(*config, {.rate_limit = {.qps = 0}});
    if (!client.ok()) return "";
    absl::StatusOr<nlohmann::json> got = (*client)->Get(kube::NodesResource(), "", node);
    if (!got.ok()) return "";
    return got->value("status", nlohmann::json::object())
        .value("allocatable", nlohmann::json::object())
        .value("huawei.com/Ascend910", std::string());
  }
  // Polls until `node`'s allocatable is `want` (at most 20 s); the last value seen.
  std::string WaitAllocatable(const std::string& node, const std::string& want) {
    std::string seen;
    for (absl::Time end = absl::Now() + absl::Seconds(20); absl::Now() < end;
         absl::SleepFor(absl::Milliseconds(100))) {
      if ((seen = Allocatable(node)) == want) break;
    }
    return seen;
  }
  pid_t Pid(const std::string& component) {
    return ReadPidFile(absl::StrCat(data_, "/run/", component, ".pid")).value_or(-1);
  }
  void TearDown() override { Flyover("local down --data-dir " + data_); }

  kube::testing::TempDir dir_;
  std::string data_ = dir_.path() + "/cluster";
};

TEST_F(LocalDevicePluginTest, PluginsReportDiesAndFollowNpuFaults) {
  CommandRun up = Flyover(Up());
  ASSERT_EQ(up.code, 0) << up.err << ReadFile(data_ + "/logs/nodesim.log")
                        << ReadFile(data_ + "/logs/device-plugin-sp0-node00.log");
  EXPECT_THAT(up.err, HasSubstr("device-plugins: 2 reporting huawei.com/Ascend910"));
  const std::vector<std::string> nodes = {"sp0-node00", "sp0-node01"};
  std::vector<pid_t> pids = {Pid("apiserver"), Pid("nodesim")};
  for (const std::string& node : nodes) {
    EXPECT_EQ(Allocatable(node), "16") << node;
    pid_t plugin = Pid("device-plugin-" + node);
    EXPECT_TRUE(IsRunning(plugin, "flyover-device-plugin")) << node;
    EXPECT_THAT(ReadFile(absl::StrCat(data_, "/run/device-plugin-", node, ".fault")),
                MatchesRegex("127\\.0\\.0\\.1:[0-9]+\n"));
    // Each plugin's npu-exporter on its own port, recorded for scrapers.
    const std::string metrics =
        ReadFile(absl::StrCat(data_, "/run/device-plugin-", node, ".metrics"));
    ASSERT_THAT(metrics, MatchesRegex("127\\.0\\.0\\.1:[0-9]+\n"));
    httplib::Client exporter("127.0.0.1", std::stoi(metrics.substr(metrics.find(':') + 1)));
    httplib::Result scraped = exporter.Get("/metrics");
    ASSERT_TRUE(scraped) << node;
    EXPECT_THAT(scraped->body, HasSubstr("npu_chip_info_health_status{")) << node;
    pids.push_back(plugin);
  }

  CommandRun again = Flyover(Up());
  EXPECT_EQ(again.code, 0) << again.err;
  EXPECT_THAT(again.err, HasSubstr(absl::StrCat("device-plugin-sp0-node01: already running (pid ",
                                                Pid("device-plugin-sp0-node01"))));
  CommandRun status = Flyover("local status --data-dir " + data_);
  EXPECT_EQ(status.code, 0) << status.out;
  EXPECT_THAT(status.out, HasSubstr(absl::StrCat("device-plugin-sp0-node00: running pid=",
                                                 Pid("device-plugin-sp0-node00"))));
  EXPECT_THAT(status.out, HasSubstr("fault=http://127.0.0.1:"));
  EXPECT_THAT(status.out, HasSubstr("/metrics\n"));
  EXPECT_THAT(status.out, HasSubstr(" metrics=http://127.0.0.1:"));

  CommandRun fault = Flyover(absl::StrCat(
      "chaos --data-dir ", data_, " npu-fault sp0-node01 --die 5 --kind hbm_ecc_double_bit"));
  EXPECT_EQ(fault.code, 0) << fault.err;
  EXPECT_THAT(fault.out, MatchesRegex("[^\n]*Z npu-fault sp0-node01: die 5: hbm_ecc_double_bit\n"));
  EXPECT_EQ(WaitAllocatable("sp0-node01", "15"), "15");
  EXPECT_EQ(Allocatable("sp0-node00"), "16");
  EXPECT_THAT(Flyover(absl::StrCat("chaos --data-dir ", data_,
                                   " npu-fault sp0-node01 --die 5 --kind melted")).err,
              HasSubstr("HTTP 400"));
  CommandRun recover = Flyover(absl::StrCat("chaos --data-dir ", data_, " npu-recover sp0-node01"));
  EXPECT_EQ(recover.code, 0) << recover.err;
  EXPECT_EQ(WaitAllocatable("sp0-node01", "16"), "16");
  EXPECT_THAT(ReadFile(data_ + "/logs/chaos.log"),
              MatchesRegex("[^\n]*Z action=npu-fault target=sp0-node01 "
                           "detail=\"die 5: hbm_ecc_double_bit\"\n"
                           "[^\n]*Z action=npu-recover target=sp0-node01 "
                           "detail=\"dies 5 recovered\"\n"));

  CommandRun down = Flyover("local down --data-dir " + data_);
  EXPECT_EQ(down.code, 0) << down.err;
  EXPECT_THAT(down.err, HasSubstr("device-plugin-sp0-node00: stopped"));
  for (pid_t pid : pids) EXPECT_FALSE(IsRunning(pid)) << pid;
  for (const std::string& node : nodes) {
    EXPECT_FALSE(std::filesystem::exists(absl::StrCat(data_, "/run/device-plugin-", node, ".pid")));
    EXPECT_FALSE(
        std::filesystem::exists(absl::StrCat(data_, "/run/device-plugin-", node, ".fault")));
    EXPECT_FALSE(
        std::filesystem::exists(absl::StrCat(data_, "/run/device-plugin-", node, ".metrics")));
  }
  CommandRun after = Flyover("local status --data-dir " + data_);
  EXPECT_EQ(after.code, 3);
  EXPECT_THAT(after.out, HasSubstr("device-plugins: none"));
}

}  // namespace
}  // namespace flyover::cli
