#include "cli/npu_chaos.h"

#include <filesystem>
#include <fstream>
#include <sstream>
#include <thread>

#include "absl/synchronization/mutex.h"
#include "absl/time/clock.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "httplib.h"
#include "kube/client/testing/temp_dir.h"

namespace flyover::cli {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::MatchesRegex;

std::string ReadChaosFile(const std::string& path) {
  std::ifstream in(path);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

TEST(ParseNpuChaosArgs, BuildsFaultAndRecoverRequests) {
  EXPECT_TRUE(IsNpuChaos({"--data-dir", "/c", "npu-recover", "n"}));
  EXPECT_FALSE(IsNpuChaos({"stop-node", "n"}));
  absl::StatusOr<NpuChaosRequest> r =
      ParseNpuChaosArgs({"npu-fault", "sp0-node01", "--die", "3", "--kind", "link_down"}, "/env");
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(r->data_dir, "/env");
  EXPECT_EQ(r->node, "sp0-node01");
  EXPECT_EQ(r->die, 3);
  EXPECT_EQ(r->kind, "link_down");
  r = ParseNpuChaosArgs({"--data-dir", "/c", "npu-recover", "n", "--clear-isolation"}, "");
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(r->die, -1);
  EXPECT_TRUE(r->clear_isolation);
}

TEST(ParseNpuChaosArgs, RejectsMissingOrMisplacedArguments) {
  auto error = [](const std::vector<std::string>& args) {
    return std::string(ParseNpuChaosArgs(args, "/c").status().message());
  };
  EXPECT_THAT(error({"npu-fault", "n", "--kind", "link_down"}), HasSubstr("--die is required"));
  EXPECT_THAT(error({"npu-fault", "n", "--die", "1"}), HasSubstr("--kind is required"));
  EXPECT_THAT(error({"npu-fault", "n", "--die", "x", "--kind", "k"}), HasSubstr("--die: must be"));
  EXPECT_THAT(error({"npu-recover"}), HasSubstr("npu-recover: want NODE"));
  EXPECT_THAT(error({"npu-recover", "n", "--kind", "k"}), HasSubstr("--kind: only for npu-fault"));
  EXPECT_THAT(error({"npu-recover", "n", "--bogus"}), HasSubstr("--bogus: unknown flag"));
  EXPECT_THAT(std::string(ParseNpuChaosArgs({"npu-recover", "n"}, "").status().message()),
              HasSubstr("--data-dir: required"));
}

TEST(ChaosLogLine, MatchesNodesimsFormat) {
  absl::Time t = absl::FromUnixMillis(1767225600123);  // 2026-01-01T00:00:00.123Z
  EXPECT_EQ(ChaosLogLine(t, "npu-fault", "n1", "die 3: \"x\""),
            "2026-01-01T00:00:00.123Z action=npu-fault target=n1 detail=\"die 3: \\\"x\\\"\"\n");
}

// A stand-in fault-control endpoint that records the bodies it is sent.
class FakePlugin {
 public:
  FakePlugin() {
    server_.Get("/faults", [this](const httplib::Request&, httplib::Response& res) {
      res.set_content(dies_.dump(), "application/json");
    });
    auto record = [this](const httplib::Request& req, httplib::Response& res) {
      absl::MutexLock lock(&mu_);
      posts_.push_back(req.path + " " + req.body);
      if (req.body.find("\"bogus\"") != std::string::npos) {
        res.status = 400;
        res.set_content(R"({"error": "fault: unknown kind bogus"})", "application/json");
        return;
      }
      res.set_content(dies_.dump(), "application/json");
    };
    server_.Post("/faults", record);
    server_.Post("/recover", record);
    port_ = server_.bind_to_any_port("127.0.0.1");
    thread_ = std::thread([this] { server_.listen_after_bind(); });
    while (!server_.is_running()) absl::SleepFor(absl::Milliseconds(1));
  }
  ~FakePlugin() {
    server_.stop();
    thread_.join();
  }
  int port() const { return port_; }
  std::vector<std::string> posts() {
    absl::MutexLock lock(&mu_);
    return posts_;
  }

 private:
  nlohmann::json dies_ = nlohmann::json::parse(R"({"dies": [
      {"die": 0, "faults": [], "isolated": false},
      {"die": 2, "faults": [{"fault": "link_down"}], "isolated": false},
      {"die": 5, "faults": [], "isolated": true}]})");
  httplib::Server server_;
  int port_ = 0;
  std::thread thread_;
  absl::Mutex mu_;
  std::vector<std::string> posts_;
};

TEST(RunNpuChaos, PostsToTheNodesPluginAndLogs) {
  kube::testing::TempDir dir;
  FakePlugin plugin;
  std::filesystem::create_directories(dir.path() + "/run");
  dir.Write("run/device-plugin-n1.fault", absl::StrCat("127.0.0.1:", plugin.port(), "\n"));
  std::ostringstream out, err;
  NpuChaosRequest fault{.data_dir = dir.path(), .action = "npu-fault", .node = "n1", .die = 3,
                        .kind = "link_down"};
  EXPECT_EQ(RunNpuChaos(fault, out, err), 0) << err.str();
  EXPECT_THAT(out.str(), MatchesRegex("20[0-9-]+T[0-9:.]+Z npu-fault n1: die 3: link_down\n"));
  NpuChaosRequest recover{.data_dir = dir.path(), .action = "npu-recover", .node = "n1"};
  EXPECT_EQ(RunNpuChaos(recover, out, err), 0) << err.str();
  EXPECT_THAT(plugin.posts(),
              ElementsAre(R"(/faults {"die":3,"fault":"link_down"})",
                          R"(/recover {"clearIsolation":false,"die":2})",
                          R"(/recover {"clearIsolation":false,"die":5})"));
  EXPECT_THAT(ReadChaosFile(dir.path() + "/logs/chaos.log"),
              MatchesRegex("[^\n]*Z action=npu-fault target=n1 detail=\"die 3: link_down\"\n"
                           "[^\n]*Z action=npu-recover target=n1 detail=\"dies 2,5 recovered\"\n"));

  fault.kind = "bogus";
  std::ostringstream bad;
  EXPECT_EQ(RunNpuChaos(fault, out, bad), 1);
  EXPECT_THAT(bad.str(), HasSubstr("unknown kind bogus (HTTP 400)"));
  fault.node = "n2";
  EXPECT_EQ(RunNpuChaos(fault, out, bad), 1);
  EXPECT_THAT(bad.str(), HasSubstr("device-plugin-n2.fault: missing"));
}

}  // namespace
}  // namespace flyover::cli
