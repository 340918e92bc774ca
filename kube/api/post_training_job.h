// The PostTrainingJob API (training.flyover.dev/v1alpha1, short name `ptj`).
//
// A PostTrainingJob asks Flyover to run a full-parameter post-training job on
// `replicas` pods of `npusPerReplica` Ascend 910C dies each, placed topology-aware,
// supervised, and recovered from faults. docs/design/api.md records the decisions
// behind the names; crds/ holds the matching schema (a test keeps the two in step).
//
// Defaults live in the in-class initialisers below: decoding starts from a
// default-constructed object and overwrites what the input names, which gives the same
// result as the CRD's structural defaults applied by an API server. Fields without a
// default are std::optional. Status fields are omitted when empty.
#ifndef FLYOVER_KUBE_API_POST_TRAINING_JOB_H_
#define FLYOVER_KUBE_API_POST_TRAINING_JOB_H_

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/time/time.h"
#include "kube/api/json_reader.h"
#include "kube/api/meta.h"
#include "nlohmann/json.hpp"

namespace flyover::kube {

inline constexpr char kPostTrainingJobGroup[] = "training.flyover.dev";
inline constexpr char kPostTrainingJobVersion[] = "v1alpha1";
inline constexpr char kPostTrainingJobApiVersion[] = "training.flyover.dev/v1alpha1";
inline constexpr char kPostTrainingJobKind[] = "PostTrainingJob";
inline constexpr char kPostTrainingJobPlural[] = "posttrainingjobs";

// The model the built-in trainer trains: a decoder-only transformer.
struct ModelSpec {
  int32_t layers = 2;
  int32_t hidden_size = 64;
  int32_t heads = 4;
  int32_t vocab_size = 32;
  int32_t sequence_length = 32;

  bool operator==(const ModelSpec&) const = default;
};

enum class DatasetKind { kArithmetic };
template <>
struct EnumNames<DatasetKind> {
  static constexpr std::array<std::pair<DatasetKind, const char*>, 1> kValues{{
      {DatasetKind::kArithmetic, "Arithmetic"},
  }};
};

// Supervised fine-tuning data. Arithmetic: generated "a+b=" prompts with their answers.
struct DatasetSpec {
  DatasetKind kind = DatasetKind::kArithmetic;
  int32_t train_examples = 20000;
  int32_t eval_examples = 200;
  int32_t max_operand = 99;

  bool operator==(const DatasetSpec&) const = default;
};

struct TrainingSpec {
  ModelSpec model;
  DatasetSpec dataset;
  int64_t steps = 0;  // required
  int32_t global_batch_size = 64;
  int32_t micro_batch_size = 4;
  double learning_rate = 0.003;
  double min_learning_rate = 0.0;
  int64_t warmup_steps = 0;
  double weight_decay = 0.01;
  double grad_clip_norm = 1.0;
  int64_t seed = 42;

  bool operator==(const TrainingSpec&) const = default;
};

enum class SuperPodAffinity { kRequired, kPreferred };
template <>
struct EnumNames<SuperPodAffinity> {
  static constexpr std::array<std::pair<SuperPodAffinity, const char*>, 2> kValues{{
      {SuperPodAffinity::kRequired, "Required"},
      {SuperPodAffinity::kPreferred, "Preferred"},
  }};
};

struct TopologySpec {
  // NPUs per logical super-pod (MindCluster's sp-block); 0 = one block, the whole job.
  int32_t super_pod_block = 0;
  SuperPodAffinity super_pod_affinity = SuperPodAffinity::kRequired;
  int32_t spare_nodes_per_super_pod = 2;

  bool operator==(const TopologySpec&) const = default;
};

// The recovery ladder, mildest first.
enum class RecoveryLevel { kInPlace, kReschedulePod, kRestartJob };
template <>
struct EnumNames<RecoveryLevel> {
  static constexpr std::array<std::pair<RecoveryLevel, const char*>, 3> kValues{{
      {RecoveryLevel::kInPlace, "InPlace"},
      {RecoveryLevel::kReschedulePod, "ReschedulePod"},
      {RecoveryLevel::kRestartJob, "RestartJob"},
  }};
};

struct BackoffSpec {
  int32_t initial_seconds = 1;
  int32_t max_seconds = 60;

  bool operator==(const BackoffSpec&) const = default;
};

struct FaultToleranceSpec {
  int32_t max_restarts = 10;
  std::vector<RecoveryLevel> recovery_levels = {
      RecoveryLevel::kInPlace, RecoveryLevel::kReschedulePod, RecoveryLevel::kRestartJob};
  int32_t heartbeat_timeout_seconds = 10;
  // Floor of hang detection: no step progress for this long (or k × the median step time,
  // whichever is longer) is a hang.
  int32_t hang_timeout_seconds = 60;
  BackoffSpec backoff;

  bool operator==(const FaultToleranceSpec&) const = default;
};

struct CheckpointSpec {
  std::string path = "/var/lib/flyover/checkpoints";
  // A PersistentVolumeClaim mounted at `path`; without one, `path` is node-local.
  std::optional<std::string> volume_claim_name;
  int32_t interval_steps = 100;
  int32_t keep = 3;
  int32_t in_memory_replicas = 1;
  bool async = true;

  bool operator==(const CheckpointSpec&) const = default;
};

struct PostTrainingJobSpec {
  int32_t replicas = 0;          // required
  int32_t npus_per_replica = 0;  // required
  nlohmann::json template_;      // required: a core/v1 PodTemplateSpec, kept verbatim
  TrainingSpec training;         // required (its `steps`)
  TopologySpec topology;
  FaultToleranceSpec fault_tolerance;
  CheckpointSpec checkpoint;
  bool suspend = false;
  std::optional<int32_t> ttl_seconds_after_finished;

  bool operator==(const PostTrainingJobSpec&) const = default;
};

enum class JobPhase {
  kPending,
  kScheduling,
  kRunning,
  kRecovering,
  kSucceeded,
  kFailed,
  kSuspended
};
template <>
struct EnumNames<JobPhase> {
  static constexpr std::array<std::pair<JobPhase, const char*>, 7> kValues{{
      {JobPhase::kPending, "Pending"},
      {JobPhase::kScheduling, "Scheduling"},
      {JobPhase::kRunning, "Running"},
      {JobPhase::kRecovering, "Recovering"},
      {JobPhase::kSucceeded, "Succeeded"},
      {JobPhase::kFailed, "Failed"},
      {JobPhase::kSuspended, "Suspended"},
  }};
};

struct CheckpointRef {
  int64_t step = 0;
  std::optional<absl::Time> time;

  bool operator==(const CheckpointRef&) const = default;
};

struct RestartCounts {
  int32_t in_place = 0;
  int32_t reschedule_pod = 0;
  int32_t restart_job = 0;
  int32_t total = 0;

  bool operator==(const RestartCounts&) const = default;
};

// One detected fault and how it was handled.
struct FaultRecord {
  std::string fault_class;  // e.g. RankExit, PodDeleted, NodeNotReady, DeviceFault, Hang
  std::string pod;
  std::string node;
  std::optional<int32_t> rank;
  std::string message;
  std::optional<absl::Time> detected_at;
  std::optional<int64_t> detection_millis;  // fault occurrence -> detection, when known
  std::optional<RecoveryLevel> recovery_level;
  std::optional<absl::Time> recovered_at;
  std::optional<int64_t> recovery_millis;  // detection -> next completed step

  bool operator==(const FaultRecord&) const = default;
};

struct PlacementSummary {
  std::vector<std::string> super_pods;  // physical super-pod ids the job's pods sit in
  int32_t super_pods_spanned = 0;
  int32_t nodes = 0;

  bool operator==(const PlacementSummary&) const = default;
};

struct EvaluationResult {
  std::optional<double> accuracy_before;
  std::optional<double> accuracy_after;
  int32_t examples = 0;

  bool operator==(const EvaluationResult&) const = default;
};

struct PostTrainingJobStatus {
  std::optional<JobPhase> phase;
  std::vector<Condition> conditions;
  int64_t observed_generation = 0;
  int32_t restart_generation = 0;  // bumps on every recovery; rendezvous keys carry it
  int64_t step = 0;
  int64_t total_steps = 0;
  std::optional<CheckpointRef> last_checkpoint;
  RestartCounts restarts;
  std::vector<FaultRecord> faults;  // most recent last, bounded
  std::optional<PlacementSummary> placement;
  std::optional<EvaluationResult> evaluation;
  std::optional<absl::Time> start_time;
  std::optional<absl::Time> completion_time;
  // Productive time / wall time since startTime (0..1, two decimals): recovery windows and
  // steps recomputed after resuming from an older checkpoint are not productive.
  std::optional<double> goodput;
  // Unproductive time of the incidents recovered so far (each one's recovery window plus
  // its recomputed steps at the median step time); goodput's running account.
  int64_t unproductive_millis = 0;
  // Time spent Suspended since startTime (suspensions that ended): not part of goodput's
  // wall time.
  int64_t suspended_millis = 0;

  bool operator==(const PostTrainingJobStatus&) const = default;
};

struct PostTrainingJob {
  ObjectMeta metadata;
  PostTrainingJobSpec spec;
  PostTrainingJobStatus status;

  bool operator==(const PostTrainingJob&) const = default;
};

}  // namespace flyover::kube

#endif  // FLYOVER_KUBE_API_POST_TRAINING_JOB_H_
