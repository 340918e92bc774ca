#include "worker/main/local_report.h"

#include <cstdio>

#include "common/posix_file_system.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "nlohmann/json.hpp"
#include "worker/agent/testing/agent_test_util.h"

namespace flyover::worker {
namespace {

ProgressLine Step(int64_t step, double loss) {
  return ProgressLine{.step = step, .loss = loss, .step_millis = 1.0};
}

TEST(LocalReportTest, KeepsTheNewestLossPerStepAndCountsReplayMismatches) {
  std::FILE* out = std::tmpfile();
  ASSERT_NE(out, nullptr);
  LocalRunReport report(2, out);
  report.Record(0, 0, Step(1, 1.0));
  report.Record(1, 0, Step(1, 1.0));
  report.Record(0, 0, Step(2, 0.5));
  report.Record(0, 1, Step(2, 0.5));   // replayed, identical
  report.Record(1, 1, Step(2, 0.25));  // first report of rank 1 at step 2
  report.Record(1, 1, Step(2, 0.75));  // replayed, different
  report.Record(0, 1, ProgressLine{.eval_phase = "after", .eval_accuracy = 0.9});
  const std::string dir = testing::MakeTempDir();
  const std::string path = dir + "/summary.json";
  ASSERT_TRUE(report.Finish(*DefaultFileSystem(), path, 0, 1, 1).ok());
  std::fclose(out);
  auto summary = nlohmann::json::parse(*DefaultFileSystem()->ReadFile(path));
  EXPECT_EQ(summary["restarts"], 1);
  EXPECT_EQ(summary["replayMismatches"], 1);
  EXPECT_EQ(summary["eval"]["after"], 0.9);
  EXPECT_EQ(summary["resumedFrom"], nlohmann::json({{"1", 1}}));  // generation 1 began at step 2
  ASSERT_EQ(summary["steps"].size(), 2u);
  EXPECT_EQ(summary["steps"][0]["lossBits"][0], DoubleBits(1.0));
  EXPECT_EQ(summary["steps"][1]["lossBits"][1], DoubleBits(0.75));
  EXPECT_EQ(DoubleBits(1.0), "3ff0000000000000");
  if (!HasFailure()) (void)DefaultFileSystem()->DeleteDirRecursively(dir);
}

}  // namespace
}  // namespace flyover::worker
