#include "worker/main/loss_log.h"

#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <limits>
#include <sstream>
#include <string>
#include <vector>

#include "absl/strings/str_split.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace flyover::worker {
namespace {

using ::testing::HasSubstr;

TEST(LossLogTest, LinesCarryTheShortestRoundTripLoss) {
  EXPECT_EQ(LossLogLine(0, 2, 17, 0.1), "{\"rank\":0,\"generation\":2,\"step\":17,\"loss\":0.1}\n");
  const double loss = 0.0036586597561836243;
  const std::string line = LossLogLine(3, 0, 1500, loss);
  EXPECT_EQ(line, "{\"rank\":3,\"generation\":0,\"step\":1500,\"loss\":0.0036586597561836243}\n");
  const std::string text = line.substr(line.rfind(':') + 1, line.size() - line.rfind(':') - 3);
  EXPECT_EQ(std::strtod(text.c_str(), nullptr), loss);  // reads back bit for bit
  EXPECT_THAT(LossLogLine(0, 0, 1, std::numeric_limits<double>::quiet_NaN()),
              HasSubstr("\"loss\":\"nan\""));
  EXPECT_THAT(LossLogLine(0, 0, 1, -std::numeric_limits<double>::infinity()),
              HasSubstr("\"loss\":\"-inf\""));
}

std::string TempPath(const std::string& name) {
  const char* tmp = std::getenv("TEST_TMPDIR");
  return std::string(tmp != nullptr ? tmp : "/tmp") + "/" + name + "-" + std::to_string(getpid());
}

std::string Slurp(const std::string& path) {
  std::ifstream in(path);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

TEST(LossLogTest, AppendsOnlyLinesWithAStepAndALoss) {
  const std::string path = TempPath("loss-log");
  std::ofstream(path) << "{\"earlier\":true}\n";  // kept: the log is appended to
  auto log = LossLog::Open(path);
  ASSERT_TRUE(log.ok()) << log.status();
  EXPECT_TRUE((*log)->Append(1, 4, ProgressLine{.step = 7, .loss = 2.5}).ok());
  EXPECT_TRUE((*log)->Append(1, 4, ProgressLine{.step = 8}).ok());  // no loss: nothing
  EXPECT_TRUE((*log)->Append(1, 4, ProgressLine{.loss = 1.0}).ok());  // no step: nothing
  EXPECT_EQ(Slurp(path),
            "{\"earlier\":true}\n"
            "{\"rank\":1,\"generation\":4,\"step\":7,\"loss\":2.5}\n");
  std::remove(path.c_str());
}

TEST(LossLogTest, ConcurrentWritersDoNotInterleave) {
  const std::string path = TempPath("loss-log-shared");
  constexpr int kWriters = 4, kLines = 500;
  std::vector<pid_t> children;
  for (int w = 0; w < kWriters; ++w) {
    const pid_t pid = fork();
    ASSERT_GE(pid, 0);
    if (pid == 0) {
      auto log = LossLog::Open(path);
      for (int s = 1; s <= kLines && log.ok(); ++s) {
        if (!(*log)->Append(w, 0, ProgressLine{.step = s, .loss = 1.0 / s}).ok()) _exit(1);
      }
      _exit(log.ok() ? 0 : 1);
    }
    children.push_back(pid);
  }
  for (pid_t pid : children) {
    int status = 0;
    ASSERT_EQ(waitpid(pid, &status, 0), pid);
    EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0);
  }
  int lines = 0;
  for (absl::string_view line : absl::StrSplit(Slurp(path), '\n', absl::SkipEmpty())) {
    ++lines;
    EXPECT_THAT(std::string(line),
                ::testing::MatchesRegex(
                    R"(\{"rank":[0-3],"generation":0,"step":[0-9]+,"loss":[0-9.e-]+\})"));
  }
  EXPECT_EQ(lines, kWriters * kLines);
  std::remove(path.c_str());
}

TEST(LossLogTest, OpenNamesTheVariable) {
  EXPECT_THAT(LossLog::Open("/nonexistent-dir/loss.jsonl").status().message(),
              HasSubstr("FLYOVER_LOSS_LOG: cannot open \"/nonexistent-dir/loss.jsonl\""));
}

}  // namespace
}  // namespace flyover::worker
