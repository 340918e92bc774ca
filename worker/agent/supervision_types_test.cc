#include "worker/agent/supervision_types.h"

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace flyover::worker {
namespace {

using ::testing::HasSubstr;

TEST(SupervisionTypesTest, HeartbeatRoundTripsWithNullsForUnsetFields) {
  Heartbeat heartbeat{.pod = "tiny-0", .rank_index = 0, .generation = 3,
                      .last_checkpoint_step = 100, .healthy = false};
  heartbeat.ranks.push_back({.rank = 0, .state = RankState::kRunning, .step = 120,
                             .loss = 1.93, .step_millis = 41.5});
  heartbeat.ranks.push_back({.rank = 1, .state = RankState::kExited, .step = 119,
                             .exit_code = 137, .signal = 9});
  heartbeat.events.push_back({.rank = 1, .exit_code = 137, .signal = 9,
                              .at = absl::FromUnixMillis(1764583200123)});
  const std::string body = EncodeHeartbeat(heartbeat);
  EXPECT_THAT(body, HasSubstr(R"("exitCode":null)"));
  EXPECT_THAT(body, HasSubstr(R"("health":"Unhealthy")"));
  EXPECT_THAT(body, HasSubstr(R"("type":"RankExit")"));
  EXPECT_THAT(body, HasSubstr(R"("at":"2025-12-01T10:00:00.123Z")"));
  absl::StatusOr<Heartbeat> decoded = DecodeHeartbeat(body);
  ASSERT_TRUE(decoded.ok()) << decoded.status();
  EXPECT_EQ(EncodeHeartbeat(*decoded), body);
  EXPECT_EQ(decoded->ranks[1].state, RankState::kExited);
  EXPECT_FALSE(decoded->ranks[0].exit_code.has_value());
  EXPECT_EQ(decoded->events[0].at, absl::FromUnixMillis(1764583200123));
}

TEST(SupervisionTypesTest, EvaluationsAreSentOnlyWhenThereAreAny) {
  Heartbeat heartbeat{.pod = "tiny-0"};
  EXPECT_THAT(EncodeHeartbeat(heartbeat), ::testing::Not(HasSubstr("evaluations")));
  heartbeat.evaluations.push_back({.phase = "after", .accuracy = 0.93, .examples = 200});
  heartbeat.evaluations.push_back({.phase = "before"});
  const std::string body = EncodeHeartbeat(heartbeat);
  EXPECT_THAT(body,
              HasSubstr(R"("evaluations":[{"accuracy":0.93,"examples":200,"phase":"after"})"));
  absl::StatusOr<Heartbeat> decoded = DecodeHeartbeat(body);
  ASSERT_TRUE(decoded.ok()) << decoded.status();
  EXPECT_EQ(decoded->evaluations, heartbeat.evaluations);
  EXPECT_THAT(DecodeHeartbeat(R"({"pod": "p", "rankIndex": 0, "generation": 0, "ranks": [],
      "health": "Healthy", "evaluations": [{"accuracy": 1}]})").status().message(),
              HasSubstr("phase"));
}

TEST(SupervisionTypesTest, DecodesTheCommandsOfTheProtocolExample) {
  absl::StatusOr<std::vector<Command>> commands = DecodeCommands(
      R"({"commands": [{"id": "c-17", "kind": "RestartInPlace", "generation": 4,
                        "resumeStep": 100}, {"id": "c-18", "kind": "Pause"},
                       {"id": "c-19", "kind": "RestartInPlace", "generation": 5}]})");
  ASSERT_TRUE(commands.ok()) << commands.status();
  ASSERT_EQ(commands->size(), 3u);
  EXPECT_EQ((*commands)[0].kind, CommandKind::kRestartInPlace);
  EXPECT_EQ((*commands)[0].generation, 4);
  EXPECT_EQ((*commands)[0].resume_step, 100);
  EXPECT_EQ((*commands)[1].kind, CommandKind::kPause);
  EXPECT_FALSE((*commands)[2].resume_step.has_value());
  absl::StatusOr<std::vector<Command>> again = DecodeCommands(EncodeCommands(*commands));
  ASSERT_TRUE(again.ok()) << again.status();
  EXPECT_EQ(EncodeCommands(*again), EncodeCommands(*commands));
}

TEST(SupervisionTypesTest, CommandErrorsNameTheField) {
  EXPECT_THAT(DecodeCommands(R"({"commands": [{"id": "a", "kind": "Explode"}]})").status().message(),
              HasSubstr("commands[0].kind: unknown \"Explode\""));
  EXPECT_THAT(DecodeCommands(R"({"commands": [{"kind": "Pause"}]})").status().message(),
              HasSubstr("commands[0].id: required field is missing"));
  EXPECT_THAT(DecodeCommands(R"({"commands": [{"id": "a", "kind": "RestartInPlace"}]})")
                  .status().message(),
              HasSubstr("commands[0].generation: required field is missing"));
  EXPECT_THAT(DecodeCommands(R"({"commands": {}})").status().message(),
              HasSubstr("commands: must be an array"));
  EXPECT_TRUE(absl::IsInvalidArgument(DecodeCommands("nope").status()));
  absl::StatusOr<std::vector<Command>> none = DecodeCommands("{}");
  ASSERT_TRUE(none.ok());
  EXPECT_TRUE(none->empty());
}

TEST(SupervisionTypesTest, ParsesEveryKindOfProgressLine) {
  absl::StatusOr<ProgressLine> step =
      ParseProgressLine(R"({"step": 120, "loss": 1.93, "stepMillis": 41.5})");
  ASSERT_TRUE(step.ok()) << step.status();
  EXPECT_EQ(step->step, 120);
  EXPECT_EQ(step->loss, 1.93);
  EXPECT_EQ(step->step_millis, 41.5);
  EXPECT_FALSE(step->done);
  absl::StatusOr<ProgressLine> checkpoint = ParseProgressLine(R"({"checkpoint": 100})");
  ASSERT_TRUE(checkpoint.ok());
  EXPECT_EQ(checkpoint->checkpoint, 100);
  EXPECT_FALSE(checkpoint->step.has_value());
  absl::StatusOr<ProgressLine> eval = ParseProgressLine(
      R"({"eval": {"phase": "after", "accuracy": 0.93, "examples": 200}})");
  ASSERT_TRUE(eval.ok()) << eval.status();
  EXPECT_EQ(eval->eval_phase, "after");
  EXPECT_EQ(eval->eval_accuracy, 0.93);
  EXPECT_EQ(eval->eval_examples, 200);
  absl::StatusOr<ProgressLine> done = ParseProgressLine(R"({"done": true})");
  ASSERT_TRUE(done.ok());
  EXPECT_TRUE(done->done);
}

TEST(SupervisionTypesTest, ParsesTokensAndCheckpointStalls) {
  absl::StatusOr<ProgressLine> step =
      ParseProgressLine(R"({"step": 7, "loss": 0.5, "stepMillis": 20.0, "tokens": 2048})");
  ASSERT_TRUE(step.ok()) << step.status();
  EXPECT_EQ(step->tokens, 2048);
  EXPECT_FALSE(step->checkpoint_stall_millis.has_value());
  absl::StatusOr<ProgressLine> old = ParseProgressLine(R"({"step": 7, "loss": 0.5})");
  ASSERT_TRUE(old.ok()) << old.status();
  EXPECT_FALSE(old->tokens.has_value());  // a rank that does not report tokens
  absl::StatusOr<ProgressLine> save =
      ParseProgressLine(R"({"checkpointSave": {"step": 100, "stallMillis": 3.25}})");
  ASSERT_TRUE(save.ok()) << save.status();
  EXPECT_EQ(save->checkpoint_save_step, 100);
  EXPECT_EQ(save->checkpoint_stall_millis, 3.25);
  EXPECT_FALSE(save->step.has_value());
  EXPECT_FALSE(save->checkpoint.has_value());  // saved is not committed
}

TEST(SupervisionTypesTest, TokensAndCheckpointSaveErrorsNameTheField) {
  EXPECT_THAT(ParseProgressLine(R"({"step": 1, "tokens": "many"})").status().message(),
              HasSubstr("tokens"));
  EXPECT_THAT(ParseProgressLine(R"({"step": 1, "tokens": -1})").status().message(),
              HasSubstr("tokens: must not be negative"));
  EXPECT_THAT(ParseProgressLine(R"({"checkpointSave": 3})").status().message(),
              HasSubstr("checkpointSave: must be an object"));
  EXPECT_THAT(ParseProgressLine(R"({"checkpointSave": {"stallMillis": 1}})").status().message(),
              HasSubstr("checkpointSave.step"));
  EXPECT_THAT(ParseProgressLine(R"({"checkpointSave": {"step": 1}})").status().message(),
              HasSubstr("checkpointSave.stallMillis: required"));
  EXPECT_THAT(
      ParseProgressLine(R"({"checkpointSave": {"step": 1, "stallMillis": -2}})").status().message(),
      HasSubstr("checkpointSave.stallMillis: must not be negative"));
}

TEST(SupervisionTypesTest, ProgressLineErrorsNameTheField) {
  EXPECT_THAT(ParseProgressLine(R"({"step": "x"})").status().message(),
              HasSubstr("step: must be an integer"));
  EXPECT_THAT(ParseProgressLine(R"({"eval": {"phase": "during"}})").status().message(),
              HasSubstr("eval.phase: must be \"before\" or \"after\""));
  EXPECT_THAT(ParseProgressLine(R"({"done": 1})").status().message(),
              HasSubstr("done: must be a boolean"));
  EXPECT_THAT(ParseProgressLine("[1]").status().message(), HasSubstr("must be a JSON object"));
}

}  // namespace
}  // namespace flyover::worker
