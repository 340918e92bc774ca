// JSON codecs of the heartbeat and of the command list (supervision.md section 2).
#include "worker/agent/supervision_types.h"

#include <utility>

#include "absl/strings/str_cat.h"
#include "common/status.h"
#include "worker/agent/json_fields.h"

namespace flyover::worker {

using nlohmann::json;
namespace jf = json_fields;

namespace {

constexpr RankState kRankStates[] = {RankState::kStarting, RankState::kRunning,
                                     RankState::kExited, RankState::kSucceeded};
constexpr CommandKind kCommandKinds[] = {CommandKind::kPause, CommandKind::kResume,
                                         CommandKind::kRestartInPlace,
                                         CommandKind::kCheckpointNow};

template <typename T>
json OptionalJson(const std::optional<T>& value) {
  return value.has_value() ? json(*value) : json(nullptr);
}

std::string FormatRfc3339(absl::Time time) {
  return absl::FormatTime("%Y-%m-%dT%H:%M:%E3SZ", time, absl::UTCTimeZone());
}

json RankJson(const RankReport& rank) {
  return {{"rank", rank.rank},          {"state", std::string(RankStateName(rank.state))},
          {"step", rank.step},          {"loss", OptionalJson(rank.loss)},
          {"stepMillis", OptionalJson(rank.step_millis)},
          {"exitCode", OptionalJson(rank.exit_code)},
          {"signal", OptionalJson(rank.signal)}};
}

json EventJson(const RankExitEvent& event) {
  return {{"type", "RankExit"},
          {"rank", event.rank},
          {"exitCode", OptionalJson(event.exit_code)},
          {"signal", OptionalJson(event.signal)},
          {"at", FormatRfc3339(event.at)}};
}

std::optional<int> Narrow(const std::optional<int64_t>& value) {
  if (!value.has_value()) return std::nullopt;
  return static_cast<int>(*value);
}

absl::StatusOr<RankReport> DecodeRank(const json& value, const std::string& path) {
  if (!value.is_object()) return absl::InvalidArgumentError(path + ": must be an object");
  RankReport rank;
  ASSIGN_OR_RETURN(const int64_t number, jf::RequiredInt(value, path, "rank"));
  rank.rank = static_cast<int>(number);
  ASSIGN_OR_RETURN(const std::string state, jf::RequiredString(value, path, "state"));
  bool known = false;
  for (RankState candidate : kRankStates) {
    if (RankStateName(candidate) == state) rank.state = candidate, known = true;
  }
  if (!known) return absl::InvalidArgumentError(absl::StrCat(path, ".state: unknown \"", state, "\""));
  ASSIGN_OR_RETURN(rank.step, jf::RequiredInt(value, path, "step"));
  ASSIGN_OR_RETURN(rank.loss, jf::OptionalNumber(value, path, "loss"));
  ASSIGN_OR_RETURN(rank.step_millis, jf::OptionalNumber(value, path, "stepMillis"));
  ASSIGN_OR_RETURN(const auto exit_code, jf::OptionalInt(value, path, "exitCode"));
  ASSIGN_OR_RETURN(const auto signal, jf::OptionalInt(value, path, "signal"));
  rank.exit_code = Narrow(exit_code);
  rank.signal = Narrow(signal);
  return rank;
}

json EvaluationJson(const EvaluationReport& evaluation) {
  json out = {{"phase", evaluation.phase}};
  if (evaluation.accuracy.has_value()) out["accuracy"] = *evaluation.accuracy;
  if (evaluation.examples.has_value()) out["examples"] = *evaluation.examples;
  return out;
}

absl::StatusOr<EvaluationReport> DecodeEvaluation(const json& value, const std::string& path) {
  if (!value.is_object()) return absl::InvalidArgumentError(path + ": must be an object");
  EvaluationReport evaluation;
  ASSIGN_OR_RETURN(evaluation.phase, jf::RequiredString(value, path, "phase"));
  ASSIGN_OR_RETURN(evaluation.accuracy, jf::OptionalNumber(value, path, "accuracy"));
  ASSIGN_OR_RETURN(evaluation.examples, jf::OptionalInt(value, path, "examples"));
  return evaluation;
}

absl::StatusOr<RankExitEvent> DecodeEvent(const json& value, const std::string& path) {
  if (!value.is_object()) return absl::InvalidArgumentError(path + ": must be an object");
  RankExitEvent event;
  ASSIGN_OR_RETURN(const int64_t rank, jf::RequiredInt(value, path, "rank"));
  event.rank = static_cast<int>(rank);
  ASSIGN_OR_RETURN(const auto exit_code, jf::OptionalInt(value, path, "exitCode"));
  ASSIGN_OR_RETURN(const auto signal, jf::OptionalInt(value, path, "signal"));
  event.exit_code = Narrow(exit_code);
  event.signal = Narrow(signal);
  ASSIGN_OR_RETURN(const std::string at, jf::RequiredString(value, path, "at"));
  std::string error;
  if (!absl::ParseTime(absl::RFC3339_full, at, &event.at, &error)) {
    return absl::InvalidArgumentError(absl::StrCat(path, ".at: ", error));
  }
  return event;
}

absl::StatusOr<Command> DecodeCommand(const json& value, const std::string& path) {
  if (!value.is_object()) return absl::InvalidArgumentError(path + ": must be an object");
  Command command;
  ASSIGN_OR_RETURN(command.id, jf::RequiredString(value, path, "id"));
  ASSIGN_OR_RETURN(const std::string kind, jf::RequiredString(value, path, "kind"));
  bool known = false;
  for (CommandKind candidate : kCommandKinds) {
    if (CommandKindName(candidate) == kind) command.kind = candidate, known = true;
  }
  if (!known) return absl::InvalidArgumentError(absl::StrCat(path, ".kind: unknown \"", kind, "\""));
  if (command.kind == CommandKind::kRestartInPlace) {
    ASSIGN_OR_RETURN(command.generation, jf::RequiredInt(value, path, "generation"));
    ASSIGN_OR_RETURN(command.resume_step, jf::OptionalInt(value, path, "resumeStep"));
  }
  return command;
}

template <typename T, typename Decode>
absl::StatusOr<std::vector<T>> DecodeArray(const json& object, const char* key, Decode decode) {
  std::vector<T> out;
  auto it = object.find(key);
  if (it == object.end()) return out;
  if (!it->is_array()) return absl::InvalidArgumentError(absl::StrCat(key, ": must be an array"));
  for (size_t i = 0; i < it->size(); ++i) {
    ASSIGN_OR_RETURN(T item, decode((*it)[i], absl::StrCat(key, "[", i, "]")));
    out.push_back(std::move(item));
  }
  return out;
}

}  // namespace

absl::string_view RankStateName(RankState state) {
  switch (state) {
    case RankState::kStarting: return "Starting";
    case RankState::kRunning: return "Running";
    case RankState::kExited: return "Exited";
    case RankState::kSucceeded: return "Succeeded";
  }
  return "Starting";
}

absl::string_view CommandKindName(CommandKind kind) {
  switch (kind) {
    case CommandKind::kPause: return "Pause";
    case CommandKind::kResume: return "Resume";
    case CommandKind::kRestartInPlace: return "RestartInPlace";
    case CommandKind::kCheckpointNow: return "CheckpointNow";
  }
  return "Pause";
}

std::string EncodeHeartbeat(const Heartbeat& heartbeat) {
  json ranks = json::array();
  for (const RankReport& rank : heartbeat.ranks) ranks.push_back(RankJson(rank));
  json events = json::array();
  for (const RankExitEvent& event : heartbeat.events) events.push_back(EventJson(event));
  json out = {{"pod", heartbeat.pod},
              {"rankIndex", heartbeat.rank_index},
              {"generation", heartbeat.generation},
              {"ranks", std::move(ranks)},
              {"lastCheckpointStep", OptionalJson(heartbeat.last_checkpoint_step)},
              {"health", heartbeat.healthy ? "Healthy" : "Unhealthy"},
              {"events", std::move(events)}};
  if (!heartbeat.evaluations.empty()) {
    json& evaluations = out["evaluations"] = json::array();
    for (const EvaluationReport& e : heartbeat.evaluations) evaluations.push_back(EvaluationJson(e));
  }
  return out.dump();
}

absl::StatusOr<Heartbeat> DecodeHeartbeat(absl::string_view body) {
  ASSIGN_OR_RETURN(json root, jf::ParseObject(body, "heartbeat"));
  Heartbeat heartbeat;
  ASSIGN_OR_RETURN(heartbeat.pod, jf::RequiredString(root, "", "pod"));
  ASSIGN_OR_RETURN(const int64_t rank_index, jf::RequiredInt(root, "", "rankIndex"));
  heartbeat.rank_index = static_cast<int>(rank_index);
  ASSIGN_OR_RETURN(heartbeat.generation, jf::RequiredInt(root, "", "generation"));
  ASSIGN_OR_RETURN(heartbeat.ranks, DecodeArray<RankReport>(root, "ranks", DecodeRank));
  ASSIGN_OR_RETURN(heartbeat.last_checkpoint_step,
                   jf::OptionalInt(root, "", "lastCheckpointStep"));
  ASSIGN_OR_RETURN(const std::string health, jf::RequiredString(root, "", "health"));
  if (health != "Healthy" && health != "Unhealthy") {
    return absl::InvalidArgumentError(absl::StrCat("health: unknown \"", health, "\""));
  }
  heartbeat.healthy = health == "Healthy";
  ASSIGN_OR_RETURN(heartbeat.events, DecodeArray<RankExitEvent>(root, "events", DecodeEvent));
  ASSIGN_OR_RETURN(heartbeat.evaluations,
                   DecodeArray<EvaluationReport>(root, "evaluations", DecodeEvaluation));
  return heartbeat;
}

std::string EncodeCommands(const std::vector<Command>& commands) {
  json list = json::array();
  for (const Command& command : commands) {
    json item = {{"id", command.id}, {"kind", std::string(CommandKindName(command.kind))}};
    if (command.kind == CommandKind::kRestartInPlace) {
      item["generation"] = command.generation;
      if (command.resume_step.has_value()) item["resumeStep"] = *command.resume_step;
    }
    list.push_back(std::move(item));
  }
  return json({{"commands", std::move(list)}}).dump();
}

absl::StatusOr<std::vector<Command>> DecodeCommands(absl::string_view body) {
  ASSIGN_OR_RETURN(json root, jf::ParseObject(body, "heartbeat response"));
  return DecodeArray<Command>(root, "commands", DecodeCommand);
}

}  // namespace flyover::worker
