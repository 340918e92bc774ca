#include "operator/supervision/heartbeat.h"

#include <cmath>
#include <limits>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/time/time.h"
#include "common/status.h"

namespace flyover::op {
namespace {

using Json = nlohmann::json;

absl::Status FieldError(absl::string_view path, absl::string_view reason) {
  return absl::InvalidArgumentError(absl::StrCat(path, ": ", reason));
}

template <typename T>
absl::Status ReadInteger(const Json& object, const char* key, const std::string& path,
                         bool required, std::optional<T>* out) {
  if (!object.contains(key) || object[key].is_null()) {
    return required ? FieldError(path + key, "Required value") : absl::OkStatus();
  }
  const Json& value = object[key];
  if (!value.is_number_integer()) return FieldError(path + key, "must be an integer");
  const int64_t wide = value.get<int64_t>();
  if (wide < std::numeric_limits<T>::min() || wide > std::numeric_limits<T>::max()) {
    return FieldError(path + key, "out of range");
  }
  *out = static_cast<T>(wide);
  return absl::OkStatus();
}

template <typename T>
absl::Status ReadRequired(const Json& object, const char* key, const std::string& path, T* out) {
  std::optional<T> value;
  RETURN_IF_ERROR(ReadInteger(object, key, path, /*required=*/true, &value));
  *out = *value;
  return absl::OkStatus();
}

absl::Status ReadString(const Json& object, const char* key, const std::string& path, bool required,
                        std::string* out) {
  if (!object.contains(key) || object[key].is_null()) {
    return required ? FieldError(path + key, "Required value") : absl::OkStatus();
  }
  if (!object[key].is_string()) return FieldError(path + key, "must be a string");
  *out = object[key].get<std::string>();
  return absl::OkStatus();
}

// A number, or the string "NaN" (JSON has no NaN literal).
absl::Status ReadDouble(const Json& object, const char* key, const std::string& path,
                        std::optional<double>* out, bool* is_nan) {
  if (!object.contains(key) || object[key].is_null()) return absl::OkStatus();
  const Json& value = object[key];
  if (value.is_number()) {
    *out = value.get<double>();
  } else if (value.is_string() && value.get<std::string>() == "NaN") {
    *out = std::numeric_limits<double>::quiet_NaN();
  } else {
    return FieldError(path + key, "must be a number");
  }
  if (is_nan != nullptr) *is_nan = std::isnan(**out);
  return absl::OkStatus();
}

absl::StatusOr<RankReport> ParseRank(const Json& value, const std::string& path) {
  if (!value.is_object()) return FieldError(path, "must be an object");
  RankReport rank;
  const std::string prefix = path + ".";
  RETURN_IF_ERROR(ReadRequired(value, "rank", prefix, &rank.rank));
  RETURN_IF_ERROR(ReadString(value, "state", prefix, /*required=*/true, &rank.state));
  if (rank.state != kRankStarting && rank.state != kRankRunning && rank.state != kRankExited &&
      rank.state != kRankSucceeded) {
    return FieldError(prefix + "state", absl::StrCat("Unsupported value: \"", rank.state, "\""));
  }
  std::optional<int64_t> step;
  RETURN_IF_ERROR(ReadInteger(value, "step", prefix, /*required=*/false, &step));
  rank.step = step.value_or(0);
  RETURN_IF_ERROR(ReadDouble(value, "loss", prefix, &rank.loss, &rank.loss_is_nan));
  // JSON has no NaN: nlohmann::json (the agent's encoder) writes a non-finite loss as null.
  // A running rank past its first step always has a loss, so null there means non-finite.
  const bool null_loss = value.contains("loss") && value["loss"].is_null();
  if (null_loss && rank.state == kRankRunning && rank.step > 0) {
    rank.loss = std::numeric_limits<double>::quiet_NaN();
    rank.loss_is_nan = true;
  }
  RETURN_IF_ERROR(ReadDouble(value, "stepMillis", prefix, &rank.step_millis, nullptr));
  RETURN_IF_ERROR(ReadInteger(value, "exitCode", prefix, false, &rank.exit_code));
  RETURN_IF_ERROR(ReadInteger(value, "signal", prefix, false, &rank.signal));
  return rank;
}

absl::StatusOr<AgentEvent> ParseEvent(const Json& value, const std::string& path) {
  if (!value.is_object()) return FieldError(path, "must be an object");
  AgentEvent event;
  const std::string prefix = path + ".";
  RETURN_IF_ERROR(ReadString(value, "type", prefix, /*required=*/true, &event.type));
  std::optional<int32_t> rank;
  RETURN_IF_ERROR(ReadInteger(value, "rank", prefix, false, &rank));
  event.rank = rank.value_or(0);
  RETURN_IF_ERROR(ReadInteger(value, "exitCode", prefix, false, &event.exit_code));
  RETURN_IF_ERROR(ReadInteger(value, "signal", prefix, false, &event.signal));
  std::string at;
  RETURN_IF_ERROR(ReadString(value, "at", prefix, false, &at));
  if (!at.empty()) {
    absl::Time time;
    std::string error;
    if (!absl::ParseTime(absl::RFC3339_full, at, &time, &error)) {
      return FieldError(prefix + "at", "must be an RFC 3339 time");
    }
    event.at = time;
  }
  return event;
}

absl::StatusOr<Evaluation> ParseEvaluation(const Json& value, const std::string& path) {
  if (!value.is_object()) return FieldError(path, "must be an object");
  Evaluation eval;
  const std::string prefix = path + ".";
  RETURN_IF_ERROR(ReadString(value, "phase", prefix, /*required=*/true, &eval.phase));
  std::optional<double> accuracy;
  RETURN_IF_ERROR(ReadDouble(value, "accuracy", prefix, &accuracy, nullptr));
  if (!accuracy.has_value()) return FieldError(prefix + "accuracy", "Required value");
  eval.accuracy = *accuracy;
  std::optional<int32_t> examples;
  RETURN_IF_ERROR(ReadInteger(value, "examples", prefix, false, &examples));
  eval.examples = examples.value_or(0);
  return eval;
}

template <typename T, typename Parse>
absl::Status ReadList(const Json& object, const char* key, Parse parse, std::vector<T>* out) {
  if (!object.contains(key) || object[key].is_null()) return absl::OkStatus();
  if (!object[key].is_array()) return FieldError(key, "must be a list");
  for (size_t i = 0; i < object[key].size(); ++i) {
    ASSIGN_OR_RETURN(T item, parse(object[key][i], absl::StrCat(key, "[", i, "]")));
    out->push_back(std::move(item));
  }
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<Heartbeat> ParseHeartbeat(absl::string_view body) {
  const Json value = Json::parse(body.begin(), body.end(), nullptr, /*allow_exceptions=*/false);
  if (value.is_discarded() || !value.is_object()) {
    return absl::InvalidArgumentError("body: must be a JSON object");
  }
  Heartbeat heartbeat;
  RETURN_IF_ERROR(ReadString(value, "pod", "", /*required=*/true, &heartbeat.pod));
  RETURN_IF_ERROR(ReadRequired(value, "rankIndex", "", &heartbeat.rank_index));
  RETURN_IF_ERROR(ReadRequired(value, "generation", "", &heartbeat.generation));
  RETURN_IF_ERROR(
      ReadInteger(value, "lastCheckpointStep", "", false, &heartbeat.last_checkpoint_step));
  RETURN_IF_ERROR(ReadString(value, "health", "", false, &heartbeat.health));
  if (heartbeat.health != "Healthy" && heartbeat.health != "Unhealthy") {
    return FieldError("health", absl::StrCat("Unsupported value: \"", heartbeat.health, "\""));
  }
  RETURN_IF_ERROR(ReadList(value, "ranks", ParseRank, &heartbeat.ranks));
  RETURN_IF_ERROR(ReadList(value, "events", ParseEvent, &heartbeat.events));
  RETURN_IF_ERROR(ReadList(value, "evaluations", ParseEvaluation, &heartbeat.evaluations));
  return heartbeat;
}

nlohmann::json EncodeHeartbeat(const Heartbeat& heartbeat) {
  Json ranks = Json::array();
  for (const RankReport& rank : heartbeat.ranks) {
    Json entry = {{"rank", rank.rank}, {"state", rank.state}, {"step", rank.step}};
    if (rank.loss.has_value()) entry["loss"] = rank.loss_is_nan ? Json("NaN") : Json(*rank.loss);
    if (rank.step_millis.has_value()) entry["stepMillis"] = *rank.step_millis;
    if (rank.exit_code.has_value()) entry["exitCode"] = *rank.exit_code;
    if (rank.signal.has_value()) entry["signal"] = *rank.signal;
    ranks.push_back(std::move(entry));
  }
  Json events = Json::array();
  for (const AgentEvent& event : heartbeat.events) {
    Json entry = {{"type", event.type}, {"rank", event.rank}};
    if (event.exit_code.has_value()) entry["exitCode"] = *event.exit_code;
    if (event.signal.has_value()) entry["signal"] = *event.signal;
    if (event.at.has_value()) {
      entry["at"] = absl::FormatTime(absl::RFC3339_full, *event.at, absl::UTCTimeZone());
    }
    events.push_back(std::move(entry));
  }
  Json out = {{"pod", heartbeat.pod},
              {"rankIndex", heartbeat.rank_index},
              {"generation", heartbeat.generation},
              {"ranks", std::move(ranks)},
              {"health", heartbeat.health},
              {"events", std::move(events)}};
  if (heartbeat.last_checkpoint_step.has_value()) {
    out["lastCheckpointStep"] = *heartbeat.last_checkpoint_step;
  }
  for (const Evaluation& eval : heartbeat.evaluations) {
    out["evaluations"].push_back(
        {{"phase", eval.phase}, {"accuracy", eval.accuracy}, {"examples", eval.examples}});
  }
  return out;
}

nlohmann::json EncodeCommands(const std::vector<Command>& commands) {
  Json list = Json::array();
  for (const Command& command : commands) {
    Json entry = {{"id", command.id}, {"kind", command.kind}, {"generation", command.generation}};
    if (command.resume_step.has_value()) entry["resumeStep"] = *command.resume_step;
    list.push_back(std::move(entry));
  }
  return {{"commands", std::move(list)}};
}

}  // namespace flyover::op
