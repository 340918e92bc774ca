#include "cli/follow_command.h"

#include <cmath>
#include <fstream>
#include <sstream>
#include <thread>

#include "absl/time/clock.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "kube/client/resource.h"
#include "kube/client/testing/scripted_api_server.h"
#include "kube/client/testing/temp_dir.h"

namespace flyover::cli {
namespace {

using nlohmann::json;
using ::testing::HasSubstr;

TEST(ParseFollowArgsTest, JobAndFlags) {
  auto args = ParseFollowArgs({"-n", "team", "--kubeconfig", "/k", "--timeout", "2m",
                               "--interval", "250ms", "tiny"});
  ASSERT_TRUE(args.ok()) << args.status();
  EXPECT_EQ(args->job, "tiny");
  EXPECT_EQ(args->ns, "team");
  EXPECT_EQ(args->kubeconfig, "/k");
  EXPECT_EQ(args->timeout, absl::Minutes(2));
  EXPECT_EQ(args->interval, absl::Milliseconds(250));
}

TEST(ParseFollowArgsTest, DefaultsAndErrorsNameTheArgument) {
  auto args = ParseFollowArgs({"tiny"});
  ASSERT_TRUE(args.ok());
  EXPECT_EQ(args->ns, "");  // the kubeconfig context's
  EXPECT_EQ(args->timeout, absl::Minutes(30));
  EXPECT_THAT(ParseFollowArgs({}).status().message(), HasSubstr("JOB: missing"));
  EXPECT_THAT(ParseFollowArgs({"a", "b"}).status().message(), HasSubstr("JOB: one job only"));
  EXPECT_THAT(ParseFollowArgs({"--bogus", "a"}).status().message(), HasSubstr("--bogus"));
  EXPECT_THAT(ParseFollowArgs({"a", "--timeout"}).status().message(),
              HasSubstr("--timeout: needs a value"));
  EXPECT_THAT(ParseFollowArgs({"a", "--timeout", "soon"}).status().message(),
              HasSubstr("--timeout: \"soon\""));
}

TEST(RankZeroLossTest, ReadsRankZeroOnly) {
  const std::string text =
      "# HELP flyover_worker_rank_loss Loss\n# TYPE flyover_worker_rank_loss gauge\n"
      "flyover_worker_rank_loss{rank=\"1\"} 2.5\n"
      "flyover_worker_rank_loss{rank=\"0\"} 1.25\n"
      "flyover_worker_rank_step{rank=\"0\"} 12\n";
  EXPECT_EQ(RankZeroLoss(text), 1.25);
  EXPECT_EQ(RankZeroLoss("flyover_worker_rank_loss{rank=\"2\"} 3\n"), std::nullopt);
  EXPECT_EQ(RankZeroLoss("flyover_worker_rank_loss{job=\"x\",rank=\"0\"} 0.5 1700000000\n"), 0.5);
  EXPECT_TRUE(std::isnan(RankZeroLoss("flyover_worker_rank_loss{rank=\"0\"} NaN\n").value()));
  EXPECT_EQ(RankZeroLoss("flyover_worker_rank_loss{rank=\"0\"} x\n"), std::nullopt);
}

TEST(PlainLinesTest, PrintedOnChangeEveryFivePercentOrAfterTenSeconds) {
  const PlainLineState at = PlainLineStateOf("Running", 0, 30, 600);
  EXPECT_FALSE(ShouldPrintPlainLine(at, PlainLineStateOf("Running", 0, 59, 600), absl::Seconds(1)));
  EXPECT_TRUE(ShouldPrintPlainLine(at, PlainLineStateOf("Running", 0, 60, 600), absl::Seconds(1)));
  EXPECT_TRUE(ShouldPrintPlainLine(at, PlainLineStateOf("Recovering", 0, 30, 600), absl::Seconds(1)));
  EXPECT_TRUE(ShouldPrintPlainLine(at, PlainLineStateOf("Running", 1, 30, 600), absl::Seconds(1)));
  EXPECT_TRUE(ShouldPrintPlainLine(at, at, absl::Seconds(10)));
  EXPECT_TRUE(ShouldPrintPlainLine(PlainLineState{}, at, absl::ZeroDuration()));
}

// `flyover follow` against a scripted API server serving canned jobs.
class RunFollowTest : public ::testing::Test {
 protected:
  void SetUp() override {
    server_.AddResource(kube::PostTrainingJobsResource());
    server_.AddResource(kube::PodsResource());
    ASSERT_TRUE(server_.Start().ok());
    kubeconfig_ = dir_.path() + "/kubeconfig";
    std::ofstream(kubeconfig_) << "apiVersion: v1\nkind: Config\ncurrent-context: c\n"
                               << "clusters: [{name: k, cluster: {server: \"" << server_.url()
                               << "\"}}]\nusers: [{name: u, user: {}}]\n"
                               << "contexts: [{name: c, context: {cluster: k, user: u}}]\n";
  }
  json Job(const std::string& phase, int64_t step) {
    return {{"apiVersion", "training.flyover.dev/v1alpha1"},
            {"kind", "PostTrainingJob"},
            {"metadata", {{"name", "tiny"}, {"namespace", "default"}}},
            {"status", {{"phase", phase}, {"step", step}, {"totalSteps", 600}}}};
  }
  int Follow(std::ostringstream& out, std::ostringstream& err) {
    return RunFollow({"--kubeconfig", kubeconfig_, "--interval", "50ms", "--timeout", "20s",
                      "tiny"},
                     out, err);
  }

  kube::testing::TempDir dir_;
  kube::testing::ScriptedApiServer server_;
  std::string kubeconfig_;
};

TEST_F(RunFollowTest, RunningThenSucceededExitsZeroWithTheSummary) {
  server_.Upsert(kube::PostTrainingJobsResource(), Job("Running", 120));
  std::thread finisher([this] {
    absl::SleepFor(absl::Milliseconds(400));
    json done = Job("Succeeded", 600);
    done["status"]["goodput"] = 0.875;
    server_.Upsert(kube::PostTrainingJobsResource(), done);
  });
  std::ostringstream out, err;
  const int code = Follow(out, err);
  finisher.join();
  EXPECT_EQ(code, 0) << err.str();
  // stdout is not a terminal under ctest: plain lines.
  EXPECT_THAT(out.str(), HasSubstr("tiny [####--------------------] 120/600  loss -  Running  faults 0\n"));
  EXPECT_THAT(out.str(), HasSubstr("tiny: Succeeded\n  steps      600/600\n"));
  EXPECT_THAT(out.str(), HasSubstr("goodput    0.875\n"));
}

TEST_F(RunFollowTest, FailedExitsOne) {
  server_.Upsert(kube::PostTrainingJobsResource(), Job("Failed", 42));
  std::ostringstream out, err;
  EXPECT_EQ(Follow(out, err), 1);
  EXPECT_THAT(out.str(), HasSubstr("tiny: Failed\n"));
}

TEST_F(RunFollowTest, TimeoutExitsOneAndSaysSo) {
  server_.Upsert(kube::PostTrainingJobsResource(), Job("Running", 1));
  std::ostringstream out, err;
  EXPECT_EQ(RunFollow({"--kubeconfig", kubeconfig_, "--interval", "50ms", "--timeout", "300ms",
                       "tiny"},
                      out, err),
            1);
  EXPECT_THAT(err.str(), HasSubstr("not finished after 300ms"));
}

TEST_F(RunFollowTest, UsageErrorExitsTwo) {
  std::ostringstream out, err;
  EXPECT_EQ(RunFollow({}, out, err), 2);
  EXPECT_THAT(err.str(), HasSubstr("usage: flyover follow"));
}

}  // namespace
}  // namespace flyover::cli
