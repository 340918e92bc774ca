#include "operator/operator_metrics.h"

#include "gtest/gtest.h"
#include "kube/cache/testing/metric_values.h"

namespace flyover::op {
namespace {

using kube::MetricValue;

TEST(OperatorMetricsTest, JobsMoveBetweenPhasesAndEveryLabelStartsAtZero) {
  prometheus::Registry registry;
  OperatorMetrics metrics(registry);
  EXPECT_EQ(MetricValue(registry, "flyover_operator_jobs", {{"phase", "Succeeded"}}), 0);
  EXPECT_EQ(MetricValue(registry, "flyover_operator_faults_total", {{"class", "Hang"}}), 0);
  metrics.ObservePhase("ns/a", "Running");
  metrics.ObservePhase("ns/b", "Running");
  metrics.ObservePhase("ns/a", "Running");
  EXPECT_EQ(MetricValue(registry, "flyover_operator_jobs", {{"phase", "Running"}}), 2);
  metrics.ObservePhase("ns/a", "Succeeded");
  metrics.ObservePhase("ns/b", "");
  EXPECT_EQ(MetricValue(registry, "flyover_operator_jobs", {{"phase", "Running"}}), 0);
  EXPECT_EQ(MetricValue(registry, "flyover_operator_jobs", {{"phase", "Succeeded"}}), 1);
  metrics.CountFault("RankExit");
  EXPECT_EQ(MetricValue(registry, "flyover_operator_faults_total", {{"class", "RankExit"}}), 1);
}

}  // namespace
}  // namespace flyover::op
