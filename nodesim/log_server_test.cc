#include "nodesim/log_server.h"

#include <atomic>
#include <fstream>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "httplib.h"
#include "kube/client/testing/temp_dir.h"
#include "nodesim/log_format.h"
#include "nodesim/log_render.h"

namespace flyover::nodesim {
namespace {

using ::testing::HasSubstr;

const absl::Time kT0 = absl::FromUnixSeconds(1'700'000'000);

class LogServerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    Append({kT0, "stdout", false, "one"});
    Append({kT0 + absl::Seconds(1), "stderr", false, "two"});
    Append({absl::Now(), "stdout", false, "three"});
    ASSERT_TRUE(server_.Start().ok());
  }
  void Append(const LogLine& line) {
    std::ofstream(path_, std::ios::app) << FormatLogLine(line);
  }
  httplib::Result Get(const std::string& target) {
    httplib::Client client("127.0.0.1", server_.port());
    client.set_read_timeout(10, 0);
    return client.Get(target);
  }

  kube::testing::TempDir dir_;
  std::string path_ = dir_.path() + "/0.log";
  std::atomic<bool> running_{false};
  std::string last_key_, last_container_;
  bool last_previous_ = false;
  LogServer server_{[this](const std::string& key, const std::string& container,
                           bool previous) -> absl::StatusOr<ContainerLogRef> {
                      if (key != "ml/w-0") return absl::NotFoundError("pod " + key + " not here");
                      last_container_ = container;
                      last_previous_ = previous;
                      return ContainerLogRef{path_, [this] { return running_.load(); }};
                    },
                    {.follow_poll = absl::Milliseconds(10)}};
};

TEST_F(LogServerTest, ServesTheWholeLogAsText) {
  httplib::Result res = Get("/containerLogs/ml/w-0/main");
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 200);
  EXPECT_EQ(res->body, "one\ntwo\nthree\n");
  EXPECT_THAT(res->get_header_value("Content-Type"), HasSubstr("text/plain"));
  EXPECT_EQ(last_container_, "main");
}

TEST_F(LogServerTest, HonoursTailTimestampsLimitSinceAndPrevious) {
  EXPECT_EQ(Get("/containerLogs/ml/w-0/main?tailLines=1")->body, "three\n");
  EXPECT_EQ(Get("/containerLogs/ml/w-0/main?tailLines=2&timestamps=true&limitBytes=35")->body,
            "2023-11-14T22:13:21.000000000Z two\n");
  EXPECT_EQ(Get("/containerLogs/ml/w-0/main?sinceSeconds=60")->body, "three\n");
  EXPECT_EQ(Get("/containerLogs/ml/w-0/main?limitBytes=5")->body, "one\nt");
  ASSERT_TRUE(Get("/containerLogs/ml/w-0/main?previous=true"));
  EXPECT_TRUE(last_previous_);
}

TEST_F(LogServerTest, RefusesUnknownPodsAndBadParameters) {
  httplib::Result missing = Get("/containerLogs/ml/nope/main");
  EXPECT_EQ(missing->status, 404);
  EXPECT_THAT(missing->body, HasSubstr("pod ml/nope not here"));
  httplib::Result bad = Get("/containerLogs/ml/w-0/main?tailLines=-2");
  EXPECT_EQ(bad->status, 400);
  EXPECT_THAT(bad->body, HasSubstr("tailLines: must be a non-negative integer"));
}

TEST_F(LogServerTest, FollowStreamsUntilTheRunEnds) {
  running_ = true;
  std::string received;
  std::thread writer([this] {
    absl::SleepFor(absl::Milliseconds(50));
    Append({absl::Now(), "stdout", false, "four"});
    absl::SleepFor(absl::Milliseconds(50));
    running_ = false;
  });
  httplib::Client client("127.0.0.1", server_.port());
  httplib::Result res = client.Get("/containerLogs/ml/w-0/main?follow=true&tailLines=1",
                                   [&](const char* data, size_t n) {
                                     received.append(data, n);
                                     return true;
                                   });
  writer.join();
  ASSERT_TRUE(res);
  EXPECT_EQ(received, "three\nfour\n");
}

TEST(ParseLogQuery, ReadsEveryParameter) {
  std::map<std::string, std::string> params = {{"follow", "true"}, {"tailLines", "5"},
                                               {"timestamps", "1"}, {"sinceSeconds", "9"}};
  absl::StatusOr<LogQuery> q = ParseLogQuery([&](absl::string_view name) {
    auto it = params.find(std::string(name));
    return it == params.end() ? std::nullopt : std::optional<std::string>(it->second);
  });
  ASSERT_TRUE(q.ok());
  EXPECT_TRUE(q->follow);
  EXPECT_TRUE(q->timestamps);
  EXPECT_FALSE(q->previous);
  EXPECT_EQ(q->tail_lines, 5);
  EXPECT_EQ(q->since_seconds, 9);
  EXPECT_EQ(q->limit_bytes, std::nullopt);
}

}  // namespace
}  // namespace flyover::nodesim
