// `flyover-worker agent` against a scripted supervision endpoint over HTTP: it long-polls
// the rank table (404 first), writes it to RANK_TABLE_FILE, heartbeats with the bearer
// token, applies CheckpointNow (the ranks commit a checkpoint off their interval), serves /metrics and /readyz while the real trainer runs,
// and reports every rank Succeeded at the end.
#include <httplib.h>

#include <atomic>
#include <filesystem>
#include <regex>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "common/posix_file_system.h"
#include "gtest/gtest.h"
#include "nlohmann/json.hpp"
#include "tests/worker/worker_test_util.h"

namespace flyover {
namespace {

constexpr char kHttpWorker[] = FLYOVER_WORKER_BINARY;

constexpr char kHttpTable[] = R"({"status": "completed", "version": "1.2", "server_count": "1",
  "server_list": [{"server_id": "node-a", "host_ip": "127.0.0.1", "container_ip": "127.0.0.1",
    "device": [{"device_id": "0", "device_ip": "127.0.0.1", "rank_id": "0", "super_device_id": "0"},
               {"device_id": "1", "device_ip": "127.0.0.1", "rank_id": "1", "super_device_id": "1"}]}],
  "super_pod_list": [{"super_pod_id": "0", "server_list": [{"server_id": "node-a"}]}]})";

// The operator's side of docs/design/supervision.md section 2, scripted.
class FakeOperator {
 public:
  FakeOperator() {
    server_.Get("/v1/jobs/agent-http/ranktable", [this](const httplib::Request& req,
                                                        httplib::Response& res) {
      if (!Authorized(req, res)) return;
      if (table_requests_++ == 0) {
        res.status = 404;
        return;
      }
      res.set_content(kHttpTable, "application/json");
    });
    server_.Post("/v1/jobs/agent-http/heartbeats", [this](const httplib::Request& req,
                                                          httplib::Response& res) {
      if (!Authorized(req, res)) return;
      absl::MutexLock lock(&mu_);
      heartbeats_.push_back(nlohmann::json::parse(req.body));
      nlohmann::json commands = nlohmann::json::array();
      if (!checkpoint_sent_ && heartbeats_.back()["ranks"][0]["step"].get<int>() >= 2) {
        checkpoint_sent_ = true;
        commands.push_back({{"id", "k-1"}, {"kind", "CheckpointNow"}});
      }
      res.set_content(nlohmann::json({{"commands", commands}}).dump(), "application/json");
    });
    port_ = server_.bind_to_any_port("127.0.0.1");
    thread_ = std::thread([this] { server_.listen_after_bind(); });
  }
  ~FakeOperator() {
    server_.stop();
    thread_.join();
  }
  std::string url() const { return absl::StrCat("http://127.0.0.1:", port_); }
  std::vector<nlohmann::json> heartbeats() {
    absl::MutexLock lock(&mu_);
    return heartbeats_;
  }
  std::atomic<int> unauthorized_{0};

 private:
  bool Authorized(const httplib::Request& req, httplib::Response& res) {
    if (req.get_header_value("Authorization") == "Bearer tok") return true;
    ++unauthorized_;
    res.status = 401;
    return false;
  }

  httplib::Server server_;
  std::thread thread_;
  int port_ = 0;
  std::atomic<int> table_requests_{0};
  absl::Mutex mu_;
  std::vector<nlohmann::json> heartbeats_ ABSL_GUARDED_BY(mu_);
  bool checkpoint_sent_ ABSL_GUARDED_BY(mu_) = false;
};

TEST(AgentHttpTest, FetchesTheTableHeartbeatsAppliesCommandsAndServesMetrics) {
  const std::string dir = testing::MakeTempDir("flyover-agent-http");
  FakeOperator op;
  const int metrics_port = testing::FreePort();
  const std::string config = absl::StrCat(
      R"({"training": {"model": {"layers": 1, "hiddenSize": 32, "heads": 2, "vocabSize": 32,)",
      R"( "sequenceLength": 16}, "dataset": {"kind": "Arithmetic", "trainExamples": 1000,)",
      R"( "evalExamples": 10, "maxOperand": 9}, "steps": 150, "globalBatchSize": 8,)",
      R"( "microBatchSize": 2, "seed": 5}, "checkpoint": {"path": ")", dir,
      R"(/checkpoints", "intervalSteps": 50, "keep": 10}})");
  const pid_t agent = testing::SpawnWithEnv(
      {kHttpWorker, "agent"},
      {"FLYOVER_JOB=agent-http", "FLYOVER_RANK_INDEX=0", "FLYOVER_REPLICAS=1",
       "FLYOVER_NPUS_PER_REPLICA=2", "POD_NAME=agent-http-0", "ASCEND_VISIBLE_DEVICES=4,5",
       absl::StrCat("FLYOVER_SUPERVISION_URL=", op.url()), "FLYOVER_SUPERVISION_TOKEN=tok",
       absl::StrCat("RANK_TABLE_FILE=", dir, "/config/hccl.json"),
       absl::StrCat("FLYOVER_RENDEZVOUS=file:", dir, "/rendezvous"),
       absl::StrCat("FLYOVER_JOB_CONFIG=", config), "FLYOVER_HEARTBEAT_INTERVAL_MS=50",
       absl::StrCat("FLYOVER_METRICS_PORT=", metrics_port)});
  ASSERT_GT(agent, 0);
  // Scrape while it trains: a step above zero on /metrics, and /readyz turns 200.
  bool saw_step = false, saw_ready = false;
  httplib::Client metrics("127.0.0.1", metrics_port);
  metrics.set_connection_timeout(1);
  const absl::Time deadline = absl::Now() + absl::Seconds(60);
  while (!(saw_step && saw_ready) && absl::Now() < deadline) {
    if (auto res = metrics.Get("/metrics"); res && res->status == 200) {
      std::smatch match;
      static const std::regex kStep(R"re(flyover_worker_rank_step\{rank="1"\} ([0-9.e+]+))re");
      if (std::regex_search(res->body, match, kStep)) saw_step = saw_step || std::stod(match[1]) > 0;
    }
    if (auto res = metrics.Get("/readyz"); res && res->status == 200) saw_ready = true;
    absl::SleepFor(absl::Milliseconds(10));  // scraping a child's endpoint, bounded above
  }
  EXPECT_EQ(testing::WaitForExit(agent, absl::Seconds(60)), 0);
  EXPECT_TRUE(saw_step);
  EXPECT_TRUE(saw_ready);
  EXPECT_EQ(op.unauthorized_.load(), 0);
  EXPECT_EQ(*DefaultFileSystem()->ReadFile(dir + "/config/hccl.json"), kHttpTable);
  absl::StatusOr<std::string> request = DefaultFileSystem()->ReadFile(dir + "/config/checkpoint-request");
  ASSERT_TRUE(request.ok()) << request.status();
  EXPECT_TRUE(absl::StrContains(*request, R"("id":"k-1")")) << *request;
  // The ranks acted on it: a committed checkpoint at a step off the 50-step interval.
  std::vector<int> off_interval;
  for (const auto& entry :
       std::filesystem::directory_iterator(dir + "/checkpoints/agent-http")) {
    const std::string name = entry.path().filename().string();
    int step = 0;
    if (!absl::StartsWith(name, "step-") || !absl::SimpleAtoi(name.substr(5), &step)) continue;
    if (step % 50 != 0 && std::filesystem::exists(entry.path() / "MANIFEST.json")) {
      off_interval.push_back(step);
    }
  }
  EXPECT_EQ(off_interval.size(), 1u) << "one CheckpointNow, one extra checkpoint";
  const std::vector<nlohmann::json> beats = op.heartbeats();
  ASSERT_GE(beats.size(), 2u);
  const nlohmann::json& last = beats.back();
  EXPECT_EQ(last["pod"], "agent-http-0");
  EXPECT_EQ(last["health"], "Healthy");
  ASSERT_EQ(last["ranks"].size(), 2u);
  for (const nlohmann::json& rank : last["ranks"]) {
    EXPECT_EQ(rank["state"], "Succeeded");
    EXPECT_EQ(rank["step"], 150);
    EXPECT_TRUE(rank["loss"].is_number());
  }
  EXPECT_EQ(last["lastCheckpointStep"], 150);
  if (!::testing::Test::HasFailure()) (void)DefaultFileSystem()->DeleteDirRecursively(dir);
}

}  // namespace
}  // namespace flyover
