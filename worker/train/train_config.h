// TrainConfig: the trainer's configuration (docs/design/supervision.md section 4), decoded
// from the JSON of FLYOVER_JOB_CONFIG: {"training": {...}, "checkpoint": {...}} with the
// CRD's camelCase field names. Missing fields take the CRD defaults, mirrored here from
// kube/api/post_training_job.h (the worker does not link kube/; a test pins the values).
// Unknown fields, wrong types and out-of-range values are InvalidArgument naming the
// field, e.g. "training.model.hiddenSize: must be an integer".
#ifndef FLYOVER_WORKER_TRAIN_TRAIN_CONFIG_H_
#define FLYOVER_WORKER_TRAIN_TRAIN_CONFIG_H_

#include <cstdint>
#include <string>

#include "absl/status/statusor.h"
#include "nlohmann/json.hpp"

namespace flyover::worker {

struct ModelShape {
  int32_t layers = 2;
  int32_t hidden_size = 64;
  int32_t heads = 4;
  int32_t vocab_size = 32;
  int32_t sequence_length = 32;
};

struct DatasetConfig {
  std::string kind = "Arithmetic";  // the only kind
  int32_t train_examples = 20000;
  int32_t eval_examples = 200;
  int32_t max_operand = 99;
};

struct TrainingConfig {
  ModelShape model;
  DatasetConfig dataset;
  int64_t steps = 0;  // required, >= 1
  int32_t global_batch_size = 64;
  int32_t micro_batch_size = 4;
  double learning_rate = 0.003;
  double min_learning_rate = 0.0;
  int64_t warmup_steps = 0;
  double weight_decay = 0.01;
  double grad_clip_norm = 1.0;  // <= 0: no clipping
  int64_t seed = 42;
};

struct CheckpointConfig {
  std::string path = "/var/lib/flyover/checkpoints";
  std::string volume_claim_name;  // informational; the pod mounts it at `path`
  int32_t interval_steps = 100;   // 0: no periodic checkpoints
  int32_t keep = 3;
  int32_t in_memory_replicas = 1;
  bool async = true;
};

struct TrainConfig {
  TrainingConfig training;
  CheckpointConfig checkpoint;
};

// Decodes and validates `json` (an object with "training" required, "checkpoint" optional).
[[nodiscard]] absl::StatusOr<TrainConfig> ParseTrainConfig(const nlohmann::json& json);
// Parses `text` as JSON first ("config: not JSON: ..." on a syntax error).
[[nodiscard]] absl::StatusOr<TrainConfig> ParseTrainConfigText(const std::string& text);

// Checks that `config` fits a run at `world_size` ranks: globalBatchSize must be a
// multiple of microBatchSize x world size. InvalidArgument naming the field otherwise.
[[nodiscard]] absl::Status ValidateForWorldSize(const TrainConfig& config, int world_size);

}  // namespace flyover::worker

#endif  // FLYOVER_WORKER_TRAIN_TRAIN_CONFIG_H_
