// flyover-operator (OperatorApp, in process) against flyover-apiserver (in process, port 0,
// its own data directory): deploy/examples/tiny.yaml is applied, the operator creates the
// pods, Service and Secret, the test binds the pods as flyover-scheduler would, fetches the
// completed rank table over HTTP with the job's token, heartbeats as the agents would until
// every rank is done, and sees the job Succeeded with its step.
#include <httplib.h>

#include <algorithm>
#include <memory>
#include <string>
#include <thread>
#include <tuple>
#include <vector>

#include "absl/strings/escaping.h"
#include "absl/time/clock.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "kube/api/post_training_job_codec.h"
#include "kube/api/yaml.h"
#include "kube/cache/stop_signal.h"
#include "kube/client/resource.h"
#include "operator/operator_app.h"
#include "operator/testing/job_fixtures.h"
#include "tests/apiserver/flyover_api_backend.h"

namespace flyover::op {
namespace {

using apiserver::testing::FlyoverApiBackend;
using ::testing::ElementsAre;

// Polls `condition` (real time) until it holds or `timeout` passes.
template <typename Condition>
bool Eventually(Condition condition, absl::Duration timeout = absl::Seconds(20)) {
  const absl::Time deadline = absl::Now() + timeout;
  while (absl::Now() < deadline) {
    if (condition()) return true;
    absl::SleepFor(absl::Milliseconds(20));
  }
  return condition();
}

class OperatorApiServerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    absl::StatusOr<std::unique_ptr<FlyoverApiBackend>> backend = FlyoverApiBackend::Start();
    ASSERT_TRUE(backend.ok()) << backend.status();
    backend_ = *std::move(backend);
    client_ = Client();
    operator_client_ = Client();
    for (const auto& [name, ip, server] :
         {std::tuple{"n1", "10.0.0.1", 0}, {"n2", "10.0.0.2", 1}}) {
      ASSERT_TRUE(
          client_->Create(kube::NodesResource(), "", testing::NodeJson(name, ip, "0", server))
              .ok());
    }
    absl::StatusOr<std::unique_ptr<OperatorApp>> app = OperatorApp::Create(
        operator_client_.get(), {.supervision = {.bind_address = "127.0.0.1", .worker_threads = 16},
                                 .serve_metrics = false});
    ASSERT_TRUE(app.ok()) << app.status();
    app_ = *std::move(app);
    runner_ = std::thread([this] { run_status_ = app_->Run(&stop_); });
  }

  void TearDown() override {
    stop_.Stop();
    if (runner_.joinable()) runner_.join();
    EXPECT_TRUE(run_status_.ok()) << run_status_;
    app_.reset();
    operator_client_.reset();
    client_.reset();
  }

  std::unique_ptr<kube::RestClient> Client() {
    return kube::NewRestClient({.server = backend_->url()}, {.rate_limit = {.qps = 0}}).value();
  }

  std::vector<std::string> PodNames() {
    std::vector<std::string> names;
    absl::StatusOr<kube::ObjectList> pods = client_->List(kube::PodsResource(), "default");
    if (!pods.ok()) return names;
    for (const nlohmann::json& pod : pods->items) names.push_back(pod["metadata"]["name"]);
    std::sort(names.begin(), names.end());
    return names;
  }

  kube::PostTrainingJob Job() {
    absl::StatusOr<nlohmann::json> raw =
        client_->Get(kube::PostTrainingJobsResource(), "default", "tiny");
    kube::ErrorList errors;
    return raw.ok() ? kube::DecodePostTrainingJob(*raw, &errors) : kube::PostTrainingJob{};
  }

  std::unique_ptr<FlyoverApiBackend> backend_;
  std::unique_ptr<kube::RestClient> client_;
  std::unique_ptr<kube::RestClient> operator_client_;
  std::unique_ptr<OperatorApp> app_;
  kube::StopSignal stop_;
  std::thread runner_;
  absl::Status run_status_;
};

TEST_F(OperatorApiServerTest, TinyJobRunsToSucceededThroughTheSupervisionEndpoint) {
  absl::StatusOr<std::vector<nlohmann::json>> manifest =
      kube::ReadYamlFile(FLYOVER_TINY_EXAMPLE_FILE);
  ASSERT_TRUE(manifest.ok()) << manifest.status();
  ASSERT_TRUE(client_->Create(kube::PostTrainingJobsResource(), "default", manifest->at(0)).ok());
  const int64_t steps = manifest->at(0)["spec"]["training"]["steps"].get<int64_t>();
  ASSERT_GE(steps, 2);

  ASSERT_TRUE(Eventually([&] { return PodNames().size() == 2; })) << "pods were not created";
  EXPECT_THAT(PodNames(), ElementsAre("tiny-0-g0", "tiny-1-g0"));
  EXPECT_TRUE(client_->Get(kube::ServicesResource(), "default", "tiny").ok());
  absl::StatusOr<nlohmann::json> secret =
      client_->Get(kube::SecretsResource(), "default", "tiny-supervision");
  ASSERT_TRUE(secret.ok()) << secret.status();
  const std::string token = TokenFromSecret(*secret).value();

  httplib::Client http("127.0.0.1", app_->supervision_port());
  http.set_read_timeout(15, 0);
  const httplib::Headers auth = {{"Authorization", "Bearer " + token}};
  EXPECT_EQ(http.Get("/v1/jobs/default.tiny/ranktable", auth)->status, 404);
  ASSERT_TRUE(testing::BindPod(*client_, "default", "tiny-0-g0", "n1", {0, 1}).ok());
  ASSERT_TRUE(testing::BindPod(*client_, "default", "tiny-1-g0", "n2", {0, 1}).ok());
  httplib::Result table = http.Get("/v1/jobs/default.tiny/ranktable?wait_ms=10000", auth);
  ASSERT_TRUE(table);
  ASSERT_EQ(table->status, 200) << table->body;
  const nlohmann::json rank_table = nlohmann::json::parse(table->body);
  EXPECT_EQ(rank_table["status"], "completed");
  EXPECT_EQ(rank_table["version"], "1.2");
  EXPECT_EQ(rank_table["server_count"], "2");
  EXPECT_EQ(rank_table["server_list"][1]["device"][1]["rank_id"], "3");
  EXPECT_EQ(http.Get("/v1/jobs/default.tiny/ranktable", {{"Authorization", "Bearer x"}})->status,
            401);
  ASSERT_TRUE(Eventually([&] { return Job().status.phase == kube::JobPhase::kRunning; }));

  for (const int64_t step : {steps / 2, steps}) {
    const std::string state = step == steps ? kRankSucceeded : kRankRunning;
    for (int32_t rank = 0; rank < 2; ++rank) {
      Heartbeat heartbeat = testing::HeartbeatOf(PodName("tiny", rank, 0), rank, 0, 2, state, step);
      heartbeat.last_checkpoint_step = step;
      httplib::Result posted = http.Post("/v1/jobs/default.tiny/heartbeats", auth,
                                         EncodeHeartbeat(heartbeat).dump(), "application/json");
      ASSERT_TRUE(posted);
      ASSERT_EQ(posted->status, 200) << posted->body;
    }
  }
  ASSERT_TRUE(Eventually([&] { return Job().status.phase == kube::JobPhase::kSucceeded; }))
      << kube::EncodePostTrainingJob(Job())["status"].dump();
  const kube::PostTrainingJob job = Job();
  EXPECT_EQ(job.status.step, steps);
  EXPECT_EQ(job.status.total_steps, steps);
  EXPECT_EQ(job.status.last_checkpoint->step, steps);
  ASSERT_TRUE(job.status.placement.has_value());
  EXPECT_EQ(job.status.placement->nodes, 2);
  EXPECT_TRUE(job.status.faults.empty());
  EXPECT_TRUE(client_->Get(kube::ConfigMapsResource(), "default", "tiny-ranktable").ok());
}

}  // namespace
}  // namespace flyover::op
