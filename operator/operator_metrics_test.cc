#include "operator/operator_metrics.h"

#include "gtest/gtest.h"
#include "kube/cache/testing/metric_values.h"

namespace flyover::op {
namespace {

using kube::MetricValue;
using kube::SampleSum;

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

TEST(OperatorMetricsTest, FaultTimesAndRestartsStartAtZeroForEveryClassAndLevel) {
  prometheus::Registry registry;
  OperatorMetrics metrics(registry);
  for (const char* fault_class : {"Straggler", "DeviceFault", "RankExit"}) {
    EXPECT_EQ(MetricValue(registry, "flyover_operator_faults_total", {{"class", fault_class}}), 0);
    EXPECT_EQ(MetricValue(registry, "flyover_operator_fault_detection_seconds",
                          {{"class", fault_class}}),
              0);
  }
  for (const char* level : {"InPlace", "ReschedulePod", "RestartJob"}) {
    EXPECT_EQ(MetricValue(registry, "flyover_operator_restarts_total", {{"level", level}}), 0);
    EXPECT_EQ(MetricValue(registry, "flyover_operator_recovery_seconds", {{"level", level}}), 0);
  }
  metrics.ObserveDetection("RankExit", absl::Milliseconds(250));
  metrics.ObserveRecovery("ReschedulePod", absl::Seconds(12));
  metrics.CountRestarts("RestartJob", 2);
  metrics.CountRestarts("InPlace", 0);
  EXPECT_EQ(SampleSum(registry, "flyover_operator_fault_detection_seconds",
                      {{"class", "RankExit"}}),
            0.25);
  EXPECT_EQ(SampleSum(registry, "flyover_operator_recovery_seconds", {{"level", "ReschedulePod"}}),
            12);
  EXPECT_EQ(MetricValue(registry, "flyover_operator_restarts_total", {{"level", "RestartJob"}}), 2);
  EXPECT_EQ(MetricValue(registry, "flyover_operator_restarts_total", {{"level", "InPlace"}}), 0);
  EXPECT_EQ(FaultTimeBuckets().front(), 0.05);
  EXPECT_EQ(FaultTimeBuckets().back(), 60);
}

TEST(OperatorMetricsTest, AJobsStepAndGoodputSeriesGoWithTheJob) {
  prometheus::Registry registry;
  OperatorMetrics metrics(registry);
  const std::map<std::string, std::string> labels = {{"namespace", "ml"}, {"job", "tiny"}};
  metrics.ObservePhase("ml/tiny", "Scheduling");
  metrics.ObserveJob("ml/tiny", 0, std::nullopt);
  EXPECT_EQ(MetricValue(registry, "flyover_operator_job_step", labels), 0);
  EXPECT_FALSE(MetricValue(registry, "flyover_operator_job_goodput_ratio", labels).has_value());
  metrics.ObserveJob("ml/tiny", 42, 0.875);
  EXPECT_EQ(MetricValue(registry, "flyover_operator_job_step", labels), 42);
  EXPECT_EQ(MetricValue(registry, "flyover_operator_job_goodput_ratio", labels), 0.875);
  metrics.ObservePhase("ml/tiny", "");
  EXPECT_FALSE(MetricValue(registry, "flyover_operator_job_step", labels).has_value());
  EXPECT_FALSE(MetricValue(registry, "flyover_operator_job_goodput_ratio", labels).has_value());
  metrics.ObserveJob("ml/tiny", 1, 1.0);  // a job of the same name, later
  EXPECT_EQ(MetricValue(registry, "flyover_operator_job_step", labels), 1);
}

}  // namespace
}  // namespace flyover::op
