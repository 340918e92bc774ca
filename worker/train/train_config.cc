#include "worker/train/train_config.h"

#include <limits>
#include <set>

#include "absl/strings/str_cat.h"
#include "common/status.h"

namespace flyover::worker {
namespace {

using json = nlohmann::json;

absl::Status FieldError(const std::string& field, absl::string_view reason) {
  return absl::InvalidArgumentError(absl::StrCat(field, ": ", reason));
}

// InvalidArgument naming the first key of `object` not in `known`.
absl::Status CheckKnownFields(const json& object, const std::string& path,
                              const std::set<std::string>& known) {
  if (!object.is_object()) return FieldError(path, "must be an object");
  for (const auto& [key, value] : object.items()) {
    if (!known.contains(key)) return FieldError(path + "." + key, "unknown field");
  }
  return absl::OkStatus();
}

std::string Join(const std::string& path, const char* key) { return path + "." + key; }

template <typename Int>
absl::Status ReadInt(const json& object, const std::string& path, const char* key, Int* out,
                     int64_t min_value) {
  if (!object.contains(key)) return absl::OkStatus();
  const json& value = object.at(key);
  const std::string field = Join(path, key);
  if (!value.is_number_integer()) return FieldError(field, "must be an integer");
  const int64_t v = value.get<int64_t>();
  if (value.is_number_unsigned() && value.get<uint64_t>() > uint64_t{INT64_MAX}) {
    return FieldError(field, "out of range");
  }
  if (v < min_value) return FieldError(field, absl::StrCat("must be >= ", min_value));
  if (v > static_cast<int64_t>(std::numeric_limits<Int>::max())) {
    return FieldError(field, "out of range");
  }
  *out = static_cast<Int>(v);
  return absl::OkStatus();
}

absl::Status ReadDouble(const json& object, const std::string& path, const char* key,
                        double* out) {
  if (!object.contains(key)) return absl::OkStatus();
  const json& value = object.at(key);
  if (!value.is_number()) return FieldError(Join(path, key), "must be a number");
  *out = value.get<double>();
  if (*out < 0) return FieldError(Join(path, key), "must be >= 0");
  return absl::OkStatus();
}

absl::Status ReadString(const json& object, const std::string& path, const char* key,
                        std::string* out) {
  if (!object.contains(key)) return absl::OkStatus();
  if (!object.at(key).is_string()) return FieldError(Join(path, key), "must be a string");
  *out = object.at(key).get<std::string>();
  return absl::OkStatus();
}

absl::Status ReadBool(const json& object, const std::string& path, const char* key,
                      bool* out) {
  if (!object.contains(key)) return absl::OkStatus();
  if (!object.at(key).is_boolean()) return FieldError(Join(path, key), "must be a boolean");
  *out = object.at(key).get<bool>();
  return absl::OkStatus();
}

absl::Status ParseModel(const json& object, ModelShape& model) {
  const std::string path = "training.model";
  RETURN_IF_ERROR(CheckKnownFields(
      object, path, {"layers", "hiddenSize", "heads", "vocabSize", "sequenceLength"}));
  RETURN_IF_ERROR(ReadInt(object, path, "layers", &model.layers, 1));
  RETURN_IF_ERROR(ReadInt(object, path, "hiddenSize", &model.hidden_size, 1));
  RETURN_IF_ERROR(ReadInt(object, path, "heads", &model.heads, 1));
  RETURN_IF_ERROR(ReadInt(object, path, "vocabSize", &model.vocab_size, 1));
  RETURN_IF_ERROR(ReadInt(object, path, "sequenceLength", &model.sequence_length, 2));
  if (model.hidden_size % model.heads != 0) {
    return FieldError("training.model.heads", "must divide training.model.hiddenSize");
  }
  return absl::OkStatus();
}

absl::Status ParseDataset(const json& object, DatasetConfig& dataset) {
  const std::string path = "training.dataset";
  RETURN_IF_ERROR(CheckKnownFields(
      object, path, {"kind", "trainExamples", "evalExamples", "maxOperand"}));
  RETURN_IF_ERROR(ReadString(object, path, "kind", &dataset.kind));
  if (dataset.kind != "Arithmetic") {
    return FieldError("training.dataset.kind", "must be \"Arithmetic\"");
  }
  RETURN_IF_ERROR(ReadInt(object, path, "trainExamples", &dataset.train_examples, 1));
  RETURN_IF_ERROR(ReadInt(object, path, "evalExamples", &dataset.eval_examples, 0));
  RETURN_IF_ERROR(ReadInt(object, path, "maxOperand", &dataset.max_operand, 1));
  return absl::OkStatus();
}

absl::Status ParseTraining(const json& object, TrainingConfig& training) {
  const std::string path = "training";
  RETURN_IF_ERROR(CheckKnownFields(
      object, path,
      {"model", "dataset", "steps", "globalBatchSize", "microBatchSize", "learningRate",
       "minLearningRate", "warmupSteps", "weightDecay", "gradClipNorm", "seed"}));
  if (object.contains("model")) RETURN_IF_ERROR(ParseModel(object.at("model"), training.model));
  if (object.contains("dataset")) {
    RETURN_IF_ERROR(ParseDataset(object.at("dataset"), training.dataset));
  }
  if (!object.contains("steps")) return FieldError("training.steps", "required");
  RETURN_IF_ERROR(ReadInt(object, path, "steps", &training.steps, 1));
  RETURN_IF_ERROR(ReadInt(object, path, "globalBatchSize", &training.global_batch_size, 1));
  RETURN_IF_ERROR(ReadInt(object, path, "microBatchSize", &training.micro_batch_size, 1));
  RETURN_IF_ERROR(ReadDouble(object, path, "learningRate", &training.learning_rate));
  RETURN_IF_ERROR(ReadDouble(object, path, "minLearningRate", &training.min_learning_rate));
  RETURN_IF_ERROR(ReadInt(object, path, "warmupSteps", &training.warmup_steps, 0));
  RETURN_IF_ERROR(ReadDouble(object, path, "weightDecay", &training.weight_decay));
  RETURN_IF_ERROR(ReadDouble(object, path, "gradClipNorm", &training.grad_clip_norm));
  RETURN_IF_ERROR(ReadInt(object, path, "seed", &training.seed, 0));
  if (training.min_learning_rate > training.learning_rate) {
    return FieldError("training.minLearningRate", "must be <= training.learningRate");
  }
  if (training.global_batch_size % training.micro_batch_size != 0) {
    return FieldError("training.globalBatchSize",
                      "must be a multiple of training.microBatchSize");
  }
  return absl::OkStatus();
}

absl::Status ParseCheckpoint(const json& object, CheckpointConfig& checkpoint) {
  const std::string path = "checkpoint";
  RETURN_IF_ERROR(CheckKnownFields(object, path,
                                   {"path", "volumeClaimName", "intervalSteps", "keep",
                                    "inMemoryReplicas", "async"}));
  RETURN_IF_ERROR(ReadString(object, path, "path", &checkpoint.path));
  if (checkpoint.path.empty()) return FieldError("checkpoint.path", "must not be empty");
  RETURN_IF_ERROR(ReadString(object, path, "volumeClaimName", &checkpoint.volume_claim_name));
  RETURN_IF_ERROR(ReadInt(object, path, "intervalSteps", &checkpoint.interval_steps, 0));
  RETURN_IF_ERROR(ReadInt(object, path, "keep", &checkpoint.keep, 1));
  RETURN_IF_ERROR(ReadInt(object, path, "inMemoryReplicas", &checkpoint.in_memory_replicas, 0));
  RETURN_IF_ERROR(ReadBool(object, path, "async", &checkpoint.async));
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<TrainConfig> ParseTrainConfig(const json& object) {
  TrainConfig config;
  RETURN_IF_ERROR(CheckKnownFields(object, "config", {"training", "checkpoint"}));
  if (!object.contains("training")) return FieldError("training", "required");
  RETURN_IF_ERROR(ParseTraining(object.at("training"), config.training));
  if (object.contains("checkpoint")) {
    RETURN_IF_ERROR(ParseCheckpoint(object.at("checkpoint"), config.checkpoint));
  }
  return config;
}

absl::StatusOr<TrainConfig> ParseTrainConfigText(const std::string& text) {
  json object = json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (object.is_discarded()) return FieldError("config", "not valid JSON");
  return ParseTrainConfig(object);
}

absl::Status ValidateForWorldSize(const TrainConfig& config, int world_size) {
  const int64_t per_round =
      int64_t{config.training.micro_batch_size} * static_cast<int64_t>(world_size);
  if (world_size < 1 || config.training.global_batch_size % per_round != 0) {
    return FieldError("training.globalBatchSize",
                      absl::StrCat("must be a multiple of microBatchSize x world size (",
                                   per_round, ")"));
  }
  return absl::OkStatus();
}

}  // namespace flyover::worker
