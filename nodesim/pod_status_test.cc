#include "nodesim/pod_status.h"

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace flyover::nodesim {
namespace {

using ::testing::HasSubstr;

kube::core::Pod PodWith(std::map<std::string, std::string> annotations) {
  kube::core::Pod pod;
  pod.metadata.name = "w-0";
  pod.metadata.annotations = std::move(annotations);
  pod.spec.containers.push_back({.name = "main", .image = "worker"});
  return pod;
}

const absl::Time kStart = absl::FromUnixSeconds(1'800'000'000);

TEST(ResolvePodMode, TheAnnotationOverridesTheNode) {
  EXPECT_EQ(*ResolvePodMode(PodWith({}), PodMode::kProcess), PodMode::kProcess);
  EXPECT_EQ(*ResolvePodMode(PodWith({{kAnnotationMode, "simulated"}}), PodMode::kProcess),
            PodMode::kSimulated);
  EXPECT_THAT(ResolvePodMode(PodWith({{kAnnotationMode, "x"}}), PodMode::kProcess)
                  .status()
                  .message(),
              HasSubstr("metadata.annotations[nodesim.flyover.dev/mode]"));
}

TEST(ResolveSucceedAfter, ReadsTheAnnotationElseTheDefault) {
  EXPECT_EQ(*ResolveSucceedAfter(PodWith({}), std::nullopt), std::nullopt);
  EXPECT_EQ(*ResolveSucceedAfter(PodWith({}), absl::Seconds(5)), absl::Seconds(5));
  EXPECT_EQ(*ResolveSucceedAfter(PodWith({{kAnnotationSucceedAfter, "1m30s"}}), std::nullopt),
            absl::Seconds(90));
  EXPECT_THAT(ResolveSucceedAfter(PodWith({{kAnnotationSucceedAfter, "-1s"}}), std::nullopt)
                  .status()
                  .message(),
              HasSubstr("must be a non-negative duration"));
}

TEST(SimulatedPodIp, IsDistinctPerNodeAndSlot) {
  EXPECT_EQ(SimulatedPodIp(0, 0), "10.0.0.2");
  EXPECT_EQ(SimulatedPodIp(1023, 9), "10.3.255.11");
  EXPECT_NE(SimulatedPodIp(5, 1), SimulatedPodIp(5, 2));
}

TEST(RunningStatusPatch, ReportsARunningReadyPod) {
  nlohmann::json status = RunningStatusPatch(PodWith({}), kStart, "10.0.0.2", "127.0.0.1")["status"];
  EXPECT_EQ(status["phase"], "Running");
  EXPECT_EQ(status["startTime"], kube::FormatKubeTime(kStart));
  EXPECT_EQ(status["podIPs"][0]["ip"], "10.0.0.2");
  EXPECT_EQ(status["containerStatuses"][0]["name"], "main");
  EXPECT_EQ(status["containerStatuses"][0]["restartCount"], 0);
  EXPECT_EQ(status["containerStatuses"][0]["state"]["running"]["startedAt"],
            kube::FormatKubeTime(kStart));
}

TEST(ProcessStatusPatch, IsReadyOnlyWhenEveryContainerIs) {
  kube::core::ContainerStatus ready{.name = "a", .ready = true};
  kube::core::ContainerStatus waiting{.name = "b", .ready = false, .restart_count = 3};
  waiting.state.waiting = kube::core::ContainerStateWaiting{.reason = "CrashLoopBackOff"};
  nlohmann::json status =
      ProcessStatusPatch("Running", {ready, waiting}, kStart, "127.0.0.1", "127.0.0.1", kStart)
          ["status"];
  EXPECT_EQ(status["conditions"][3]["status"], "False");
  EXPECT_EQ(status["conditions"][3]["reason"], "ContainersNotReady");
  EXPECT_EQ(status["containerStatuses"][1]["restartCount"], 3);
  EXPECT_EQ(status["containerStatuses"][1]["state"]["waiting"]["reason"], "CrashLoopBackOff");
  status = ProcessStatusPatch("Running", {ready}, kStart, "127.0.0.1", "127.0.0.1", kStart)
      ["status"];
  EXPECT_EQ(status["conditions"][3]["status"], "True");
}

}  // namespace
}  // namespace flyover::nodesim
