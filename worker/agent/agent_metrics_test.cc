#include "worker/agent/agent_metrics.h"

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>

#include "gtest/gtest.h"
#include "prometheus/metric_family.h"
#include "worker/agent/agent.h"
#include "worker/agent/testing/agent_fixture.h"

namespace flyover::worker {
namespace {

// The metric of `family` whose "rank" label is `rank`, or nullopt.
std::optional<prometheus::ClientMetric> Find(prometheus::Registry& registry,
                                             const std::string& family, int rank) {
  for (const prometheus::MetricFamily& f : registry.Collect()) {
    if (f.name != family) continue;
    for (const prometheus::ClientMetric& m : f.metric) {
      for (const prometheus::ClientMetric::Label& label : m.label) {
        if (label.name == "rank" && label.value == std::to_string(rank)) return m;
      }
    }
  }
  return std::nullopt;
}

TEST(AgentMetricsTest, EveryRankHasTheNewSeriesAtZeroAfterInit) {
  auto registry = std::make_shared<prometheus::Registry>();
  AgentMetrics metrics(registry);
  metrics.Init({4, 5});
  for (int rank : {4, 5}) {
    auto tokens = Find(*registry, "flyover_worker_rank_tokens_per_second", rank);
    ASSERT_TRUE(tokens.has_value()) << rank;
    EXPECT_EQ(tokens->gauge.value, 0.0);
    auto stall = Find(*registry, "flyover_worker_checkpoint_stall_seconds", rank);
    ASSERT_TRUE(stall.has_value()) << rank;
    EXPECT_EQ(stall->histogram.sample_count, 0u);
    EXPECT_EQ(stall->histogram.bucket.size(), AgentMetrics::CheckpointStallBuckets().size() + 1);
  }
}

TEST(AgentMetricsTest, TokensPerSecondIsTokensOverStepTime) {
  auto registry = std::make_shared<prometheus::Registry>();
  AgentMetrics metrics(registry);
  metrics.Init({0});
  metrics.RecordTokens(0, 2048, 250.0);
  EXPECT_DOUBLE_EQ(Find(*registry, "flyover_worker_rank_tokens_per_second", 0)->gauge.value,
                   8192.0);
  metrics.RecordTokens(0, 100, 0.0);  // no time measured: the last rate stands
  EXPECT_DOUBLE_EQ(Find(*registry, "flyover_worker_rank_tokens_per_second", 0)->gauge.value,
                   8192.0);
  metrics.RecordTokens(9, 100, 1.0);  // an unknown rank is ignored
  EXPECT_FALSE(Find(*registry, "flyover_worker_rank_tokens_per_second", 9).has_value());
}

TEST(AgentMetricsTest, CheckpointStallsAreObservedInSeconds) {
  auto registry = std::make_shared<prometheus::Registry>();
  AgentMetrics metrics(registry);
  metrics.Init({0});
  metrics.RecordCheckpointStall(0, 3.0);
  metrics.RecordCheckpointStall(0, 2000.0);
  const prometheus::ClientMetric::Histogram h =
      Find(*registry, "flyover_worker_checkpoint_stall_seconds", 0)->histogram;
  EXPECT_EQ(h.sample_count, 2u);
  EXPECT_DOUBLE_EQ(h.sample_sum, 2.003);
  // Buckets are cumulative: 3 ms is under 5 ms, 2 s under 2.5 s.
  std::map<double, uint64_t> cumulative;
  for (const auto& bucket : h.bucket) cumulative[bucket.upper_bound] = bucket.cumulative_count;
  EXPECT_EQ(cumulative[0.0025], 0u);
  EXPECT_EQ(cumulative[0.005], 1u);
  EXPECT_EQ(cumulative[1], 1u);
  EXPECT_EQ(cumulative[2.5], 2u);
}

using testing::AgentTest;
using testing::FakeRankLauncher;

TEST_F(AgentTest, ProgressLinesFeedTokensAndCheckpointStallMetrics) {
  launcher_.on_poll = [started = size_t{0}](FakeRankLauncher& l) mutable {
    while (started < l.starts.size()) {
      const int slot = l.starts[started++].local_rank;
      l.Emit(slot, R"({"step": 1, "loss": 1.0, "stepMillis": 500, "tokens": 1000})");
      if (slot == 1) l.Emit(slot, R"({"checkpointSave": {"step": 1, "stallMillis": 40}})");
      l.Exit(slot, 0);
    }
  };
  auto registry = std::make_shared<prometheus::Registry>();
  AgentMetrics metrics(registry);
  EXPECT_EQ(Run(/*supervised=*/true, &metrics), kAgentSucceeded);
  // The fixture's pod holds global ranks 2 and 3.
  for (int rank : {2, 3}) {
    EXPECT_DOUBLE_EQ(Find(*registry, "flyover_worker_rank_tokens_per_second", rank)->gauge.value,
                     2000.0);
  }
  EXPECT_EQ(Find(*registry, "flyover_worker_checkpoint_stall_seconds", 2)->histogram.sample_count,
            0u);
  const auto stall = Find(*registry, "flyover_worker_checkpoint_stall_seconds", 3)->histogram;
  EXPECT_EQ(stall.sample_count, 1u);
  EXPECT_DOUBLE_EQ(stall.sample_sum, 0.04);
}

}  // namespace
}  // namespace flyover::worker
