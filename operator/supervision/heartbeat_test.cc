#include "operator/supervision/heartbeat.h"

#include <cmath>

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace flyover::op {
namespace {

using ::testing::HasSubstr;

constexpr char kDesignExample[] = R"({"pod": "tiny-0", "rankIndex": 0, "generation": 3,
 "ranks": [{"rank": 0, "state": "Running", "step": 120, "loss": 1.93,
            "stepMillis": 41.5, "exitCode": null, "signal": null}],
 "lastCheckpointStep": 100, "health": "Healthy",
 "events": [{"type": "RankExit", "rank": 1, "exitCode": 137, "signal": 9,
             "at": "2026-12-01T10:00:00.123Z"}]})";

TEST(HeartbeatTest, ParsesTheDesignExample) {
  absl::StatusOr<Heartbeat> heartbeat = ParseHeartbeat(kDesignExample);
  ASSERT_TRUE(heartbeat.ok()) << heartbeat.status();
  EXPECT_EQ(heartbeat->pod, "tiny-0");
  EXPECT_EQ(heartbeat->generation, 3);
  ASSERT_EQ(heartbeat->ranks.size(), 1u);
  EXPECT_EQ(heartbeat->ranks[0].step, 120);
  EXPECT_DOUBLE_EQ(*heartbeat->ranks[0].loss, 1.93);
  EXPECT_FALSE(heartbeat->ranks[0].exit_code.has_value());
  EXPECT_EQ(heartbeat->last_checkpoint_step, 100);
  ASSERT_EQ(heartbeat->events.size(), 1u);
  EXPECT_EQ(heartbeat->events[0].signal, 9);
  EXPECT_EQ(
      *heartbeat->events[0].at,
      absl::FromUnixMillis(absl::ToUnixMillis(absl::FromCivil(
                               absl::CivilSecond(2026, 12, 1, 10, 0, 0), absl::UTCTimeZone())) +
                           123));
}

TEST(HeartbeatTest, RoundTripsThroughEncode) {
  absl::StatusOr<Heartbeat> heartbeat = ParseHeartbeat(kDesignExample);
  ASSERT_TRUE(heartbeat.ok());
  absl::StatusOr<Heartbeat> again = ParseHeartbeat(EncodeHeartbeat(*heartbeat).dump());
  ASSERT_TRUE(again.ok()) << again.status();
  EXPECT_EQ(EncodeHeartbeat(*again), EncodeHeartbeat(*heartbeat));
}

TEST(HeartbeatTest, NaNLossIsKept) {
  absl::StatusOr<Heartbeat> heartbeat = ParseHeartbeat(
      R"({"pod":"p","rankIndex":0,"generation":0,"ranks":[{"rank":0,"state":"Running","loss":"NaN"}]})");
  ASSERT_TRUE(heartbeat.ok());
  EXPECT_TRUE(heartbeat->ranks[0].loss_is_nan);
  EXPECT_TRUE(std::isnan(*heartbeat->ranks[0].loss));
}

TEST(HeartbeatTest, NullLossOfARunningRankPastStepZeroIsNaN) {
  absl::StatusOr<Heartbeat> heartbeat = ParseHeartbeat(
      R"({"pod":"p","rankIndex":0,"generation":0,"ranks":[
          {"rank":0,"state":"Running","step":12,"loss":null},
          {"rank":1,"state":"Running","step":0,"loss":null},
          {"rank":2,"state":"Starting","step":0,"loss":null}]})");
  ASSERT_TRUE(heartbeat.ok()) << heartbeat.status();
  EXPECT_TRUE(heartbeat->ranks[0].loss_is_nan);
  EXPECT_FALSE(heartbeat->ranks[1].loss_is_nan);
  EXPECT_FALSE(heartbeat->ranks[1].loss.has_value());
  EXPECT_FALSE(heartbeat->ranks[2].loss_is_nan);
}

TEST(HeartbeatTest, ErrorsNameTheField) {
  EXPECT_THAT(ParseHeartbeat("[").status().message(), HasSubstr("body"));
  EXPECT_THAT(ParseHeartbeat(R"({"rankIndex":0,"generation":0})").status().message(),
              HasSubstr("pod: Required value"));
  EXPECT_THAT(ParseHeartbeat(R"({"pod":"p","rankIndex":"0","generation":0})").status().message(),
              HasSubstr("rankIndex: must be an integer"));
  EXPECT_THAT(ParseHeartbeat(R"({"pod":"p","rankIndex":0,"generation":0,
                                 "ranks":[{"rank":0,"state":"Running"},{"rank":1,"state":"Dancing"}]})")
                  .status()
                  .message(),
              HasSubstr("ranks[1].state: Unsupported value"));
  EXPECT_THAT(ParseHeartbeat(R"({"pod":"p","rankIndex":0,"generation":0,"health":"Meh"})")
                  .status()
                  .message(),
              HasSubstr("health"));
  EXPECT_THAT(ParseHeartbeat(R"({"pod":"p","rankIndex":0,"generation":0,
                                 "events":[{"type":"RankExit","at":"yesterday"}]})")
                  .status()
                  .message(),
              HasSubstr("events[0].at"));
}

TEST(HeartbeatTest, CommandsEncodeAsTheDesignSays) {
  EXPECT_EQ(
      EncodeCommands(
          {{.id = "c-17", .kind = kCommandRestartInPlace, .generation = 4, .resume_step = 100}}),
      nlohmann::json::parse(R"({"commands": [{"id": "c-17", "kind": "RestartInPlace",
                                     "generation": 4, "resumeStep": 100}]})"));
  EXPECT_EQ(EncodeCommands({}), nlohmann::json::parse(R"({"commands": []})"));
}

}  // namespace
}  // namespace flyover::op
