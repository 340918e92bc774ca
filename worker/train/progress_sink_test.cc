#include "worker/train/progress_sink.h"

#include <unistd.h>

#include <cmath>
#include <string>

#include "gtest/gtest.h"
#include "nlohmann/json.hpp"

namespace flyover::worker {
namespace {

TEST(ProgressSinkTest, WritesTheSupervisionLines) {
  int fds[2];
  ASSERT_EQ(pipe(fds), 0);
  FdProgressSink sink(fds[1]);
  sink.Step(120, 1.5f, 41.5);
  sink.CheckpointCommitted(100);
  sink.Eval("before", 0.25, 200);
  sink.Done();
  close(fds[1]);
  std::string text;
  char buf[512];
  for (ssize_t n; (n = read(fds[0], buf, sizeof buf)) > 0;) text.append(buf, n);
  close(fds[0]);
  EXPECT_EQ(text,
            "{\"loss\":1.5,\"step\":120,\"stepMillis\":41.5}\n"
            "{\"checkpoint\":100}\n"
            "{\"eval\":{\"accuracy\":0.25,\"examples\":200,\"phase\":\"before\"}}\n"
            "{\"done\":true}\n");
  EXPECT_TRUE(sink.status().ok());
}

TEST(ProgressSinkTest, WritesTokensAndCheckpointStalls) {
  int fds[2];
  ASSERT_EQ(pipe(fds), 0);
  FdProgressSink sink(fds[1]);
  sink.StepDone({.step = 7, .loss = 0.5f, .step_millis = 20.0, .tokens = 2048});
  sink.CheckpointSaved(7, 3.25);
  close(fds[1]);
  std::string text;
  char buf[512];
  for (ssize_t n; (n = read(fds[0], buf, sizeof buf)) > 0;) text.append(buf, n);
  close(fds[0]);
  EXPECT_EQ(text,
            "{\"loss\":0.5,\"step\":7,\"stepMillis\":20.0,\"tokens\":2048}\n"
            "{\"checkpointSave\":{\"stallMillis\":3.25,\"step\":7}}\n");
}

TEST(ProgressSinkTest, NonFiniteLossIsNullAndWriteErrorsAreKept) {
  EXPECT_EQ(StepLine(1, NAN, 2.0), "{\"loss\":null,\"step\":1,\"stepMillis\":2.0}");
  int fds[2];
  ASSERT_EQ(pipe(fds), 0);
  close(fds[0]);
  close(fds[1]);
  FdProgressSink sink(fds[1]);  // closed: every write fails
  sink.Done();
  EXPECT_FALSE(sink.status().ok());
}

}  // namespace
}  // namespace flyover::worker
