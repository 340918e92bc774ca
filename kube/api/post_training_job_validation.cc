#include "kube/api/post_training_job_validation.h"

#include <cstdint>
#include <set>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "kube/api/names.h"

namespace flyover::kube {
namespace {

// Messages shared with the CRD's CEL rules (CrossFieldRules()).
constexpr char kNpusEven[] = "must be 1 or an even number from 2 to 16";
constexpr char kNpusSingle[] = "may be 1 only when replicas is 1";
constexpr char kBatchMultiple[] =
    "must be a multiple of replicas × npusPerReplica × microBatchSize";
constexpr char kWarmupSteps[] = "must not exceed steps";
constexpr char kMinLearningRate[] = "must not exceed learningRate";
constexpr char kHeadsDivide[] = "must divide hiddenSize";
constexpr char kSequenceFits[] =
    "must hold the longest arithmetic example: 2 × digits(maxOperand) + "
    "digits(2 × maxOperand) + 4 tokens";
constexpr char kBlockOfPods[] = "must be a multiple of npusPerReplica";
constexpr char kBlockDividesJob[] = "must divide the job's NPUs (replicas × npusPerReplica)";
constexpr char kBlockWholeNodes[] = "must be a multiple of 16 when larger than one node";
constexpr char kHangAfterHeartbeat[] = "must not be shorter than heartbeatTimeoutSeconds";
constexpr char kBackoffOrder[] = "must not be shorter than initialSeconds";
constexpr char kImmutable[] = "field is immutable";

template <typename Int>
void CheckRange(const FieldPath& path, Int value, int64_t min, int64_t max, ErrorList* errors) {
  if (value < min || value > max) {
    errors->Invalid(path, value, absl::StrCat("must be between ", min, " and ", max, ", inclusive"));
  }
}

void CheckFraction(const FieldPath& path, double value, bool zero_allowed, double max,
                   ErrorList* errors) {
  const bool low = zero_allowed ? value < 0 : value <= 0;
  if (low || value > max) {
    errors->Invalid(path, value,
                    absl::StrFormat("must be %s 0 and at most %g", zero_allowed ? "at least"
                                                                                 : "greater than",
                                    max));
  }
}

bool IsValidNpuCount(int32_t npus) { return npus == 1 || (npus >= 2 && npus <= 16 && npus % 2 == 0); }

int32_t Digits(int64_t n) { return static_cast<int32_t>(absl::StrCat(n).size()); }

void ValidateModel(const TrainingSpec& t, const FieldPath& path, ErrorList* errors) {
  const ModelSpec& m = t.model;
  CheckRange(path.Child("layers"), m.layers, 1, 64, errors);
  CheckRange(path.Child("hiddenSize"), m.hidden_size, 8, 8192, errors);
  CheckRange(path.Child("heads"), m.heads, 1, 128, errors);
  CheckRange(path.Child("vocabSize"), m.vocab_size, 16, 65536, errors);
  CheckRange(path.Child("sequenceLength"), m.sequence_length, 8, 8192, errors);
  if (m.heads >= 1 && m.hidden_size % m.heads != 0) {
    errors->Invalid(path.Child("heads"), m.heads, kHeadsDivide);
  }
  if (t.dataset.max_operand >= 1 && t.dataset.max_operand <= 1'000'000'000 &&
      m.sequence_length < LongestArithmeticExampleTokens(t.dataset.max_operand)) {
    errors->Invalid(path.Child("sequenceLength"), m.sequence_length, kSequenceFits);
  }
}

void ValidateTraining(const PostTrainingJobSpec& spec, const FieldPath& path,
                      ErrorList* errors) {
  const TrainingSpec& t = spec.training;
  ValidateModel(t, path.Child("model"), errors);
  const FieldPath dataset = path.Child("dataset");
  CheckRange(dataset.Child("trainExamples"), t.dataset.train_examples, 1, 10'000'000, errors);
  CheckRange(dataset.Child("evalExamples"), t.dataset.eval_examples, 1, 1'000'000, errors);
  CheckRange(dataset.Child("maxOperand"), t.dataset.max_operand, 1, 1'000'000'000, errors);
  CheckRange(path.Child("steps"), t.steps, 1, 1'000'000'000, errors);
  CheckRange(path.Child("globalBatchSize"), t.global_batch_size, 1, 10'000'000, errors);
  CheckRange(path.Child("microBatchSize"), t.micro_batch_size, 1, 4096, errors);
  // Only when the factors are themselves valid, so one mistake is reported once.
  const bool factors_valid = spec.replicas >= 1 && IsValidNpuCount(spec.npus_per_replica) &&
                             t.micro_batch_size >= 1;
  const int64_t per_step = int64_t{spec.replicas} * spec.npus_per_replica * t.micro_batch_size;
  if (factors_valid && t.global_batch_size % per_step != 0) {
    errors->Invalid(path.Child("globalBatchSize"), t.global_batch_size,
                    absl::StrCat(kBatchMultiple, " (", spec.replicas, " × ",
                                 spec.npus_per_replica, " × ", t.micro_batch_size, " = ",
                                 per_step, ")"));
  }
  CheckFraction(path.Child("learningRate"), t.learning_rate, false, 1.0, errors);
  CheckFraction(path.Child("minLearningRate"), t.min_learning_rate, true, 1.0, errors);
  if (t.min_learning_rate > t.learning_rate) {
    errors->Invalid(path.Child("minLearningRate"), t.min_learning_rate, kMinLearningRate);
  }
  CheckRange(path.Child("warmupSteps"), t.warmup_steps, 0, 1'000'000'000, errors);
  if (t.warmup_steps > t.steps) {
    errors->Invalid(path.Child("warmupSteps"), t.warmup_steps, kWarmupSteps);
  }
  CheckFraction(path.Child("weightDecay"), t.weight_decay, true, 1.0, errors);
  CheckFraction(path.Child("gradClipNorm"), t.grad_clip_norm, false, 1e6, errors);
  if (t.seed < 0) errors->Invalid(path.Child("seed"), t.seed, "must be at least 0");
}

void ValidateTopology(const PostTrainingJobSpec& spec, const FieldPath& path,
                      ErrorList* errors) {
  const TopologySpec& topo = spec.topology;
  const FieldPath block_path = path.Child("superPodBlock");
  CheckRange(block_path, topo.super_pod_block, 0, 262144, errors);
  CheckRange(path.Child("spareNodesPerSuperPod"), topo.spare_nodes_per_super_pod, 0, 47, errors);
  const int32_t block = topo.super_pod_block;
  if (block <= 0 || !IsValidNpuCount(spec.npus_per_replica)) return;
  if (block % spec.npus_per_replica != 0) errors->Invalid(block_path, block, kBlockOfPods);
  const int64_t total = int64_t{spec.replicas} * spec.npus_per_replica;
  if (total % block != 0) {
    errors->Invalid(block_path, block, absl::StrCat(kBlockDividesJob, " = ", total));
  }
  if (block > 16 && block % 16 != 0) errors->Invalid(block_path, block, kBlockWholeNodes);
}

void ValidateFaultTolerance(const FaultToleranceSpec& ft, const FieldPath& path,
                            ErrorList* errors) {
  CheckRange(path.Child("maxRestarts"), ft.max_restarts, 0, 1000, errors);
  const FieldPath levels = path.Child("recoveryLevels");
  if (ft.recovery_levels.empty()) errors->Required(levels, "at least one recovery level");
  std::set<RecoveryLevel> seen;
  for (size_t i = 0; i < ft.recovery_levels.size(); ++i) {
    if (!seen.insert(ft.recovery_levels[i]).second) {
      errors->Duplicate(levels.Index(i), EnumName(ft.recovery_levels[i]));
    }
  }
  CheckRange(path.Child("heartbeatTimeoutSeconds"), ft.heartbeat_timeout_seconds, 1, 3600, errors);
  CheckRange(path.Child("hangTimeoutSeconds"), ft.hang_timeout_seconds, 1, 86400, errors);
  if (ft.hang_timeout_seconds < ft.heartbeat_timeout_seconds) {
    errors->Invalid(path.Child("hangTimeoutSeconds"), ft.hang_timeout_seconds,
                    kHangAfterHeartbeat);
  }
  const FieldPath backoff = path.Child("backoff");
  CheckRange(backoff.Child("initialSeconds"), ft.backoff.initial_seconds, 1, 3600, errors);
  CheckRange(backoff.Child("maxSeconds"), ft.backoff.max_seconds, 1, 86400, errors);
  if (ft.backoff.max_seconds < ft.backoff.initial_seconds) {
    errors->Invalid(backoff.Child("maxSeconds"), ft.backoff.max_seconds, kBackoffOrder);
  }
}

void ValidateCheckpoint(const CheckpointSpec& ck, const FieldPath& path, ErrorList* errors) {
  if (ck.path.empty() || ck.path.front() != '/') {
    errors->Invalid(path.Child("path"), ck.path, "must be an absolute path");
  }
  if (ck.volume_claim_name) {
    if (std::string reason = CheckDns1123Subdomain(*ck.volume_claim_name); !reason.empty()) {
      errors->Invalid(path.Child("volumeClaimName"), *ck.volume_claim_name, reason);
    }
  }
  CheckRange(path.Child("intervalSteps"), ck.interval_steps, 1, 1'000'000'000, errors);
  CheckRange(path.Child("keep"), ck.keep, 1, 100, errors);
  CheckRange(path.Child("inMemoryReplicas"), ck.in_memory_replicas, 0, 3, errors);
}

void ValidateTemplate(const nlohmann::json& tmpl, const FieldPath& path, ErrorList* errors) {
  if (!tmpl.is_object()) {
    errors->Invalid(path, tmpl, "must be a PodTemplateSpec object");
    return;
  }
  const FieldPath containers = path.Child("spec").Child("containers");
  auto spec = tmpl.find("spec");
  if (spec == tmpl.end() || !spec->is_object() || !spec->contains("containers") ||
      !(*spec)["containers"].is_array() || (*spec)["containers"].empty()) {
    errors->Required(containers, "at least one container (the worker)");
    return;
  }
  const nlohmann::json& list = (*spec)["containers"];
  for (size_t i = 0; i < list.size(); ++i) {
    const nlohmann::json& c = list[i];
    if (!c.is_object() || !c.contains("name") || !c["name"].is_string()) {
      errors->Required(containers.Index(i).Child("name"));
      continue;
    }
    if (std::string reason = CheckDns1123Label(c["name"].get<std::string>()); !reason.empty()) {
      errors->Invalid(containers.Index(i).Child("name"), c["name"], reason);
    }
  }
}

}  // namespace

int32_t LongestArithmeticExampleTokens(int32_t max_operand) {
  return 2 * Digits(max_operand) + Digits(int64_t{2} * max_operand) + 4;
}

void ValidatePostTrainingJobSpec(const PostTrainingJobSpec& spec, const FieldPath& path,
                                 ErrorList* errors) {
  CheckRange(path.Child("replicas"), spec.replicas, 1, 16384, errors);
  const int32_t npus = spec.npus_per_replica;
  if (!IsValidNpuCount(npus)) {
    errors->Invalid(path.Child("npusPerReplica"), npus, kNpusEven);
  } else if (npus == 1 && spec.replicas > 1) {
    errors->Invalid(path.Child("npusPerReplica"), npus, kNpusSingle);
  }
  ValidateTemplate(spec.template_, path.Child("template"), errors);
  ValidateTraining(spec, path.Child("training"), errors);
  ValidateTopology(spec, path.Child("topology"), errors);
  ValidateFaultTolerance(spec.fault_tolerance, path.Child("faultTolerance"), errors);
  ValidateCheckpoint(spec.checkpoint, path.Child("checkpoint"), errors);
  if (spec.ttl_seconds_after_finished && *spec.ttl_seconds_after_finished < 0) {
    errors->Invalid(path.Child("ttlSecondsAfterFinished"), *spec.ttl_seconds_after_finished,
                    "must be at least 0");
  }
}

void ValidatePostTrainingJob(const PostTrainingJob& job, ErrorList* errors) {
  const FieldPath metadata("metadata");
  ValidateObjectMeta(job.metadata, /*namespaced=*/true, NameFormat::kDns1123Label, metadata,
                     errors);
  const std::string& name = job.metadata.name;
  if (CheckDns1123Label(name).empty() && name.size() > kMaxJobNameLength) {
    errors->Invalid(metadata.Child("name"), name,
                    absl::StrCat("must be no more than ", kMaxJobNameLength,
                                 " characters (pod names add a rank suffix)"));
  }
  ValidatePostTrainingJobSpec(job.spec, FieldPath("spec"), errors);
}

void ValidatePostTrainingJobUpdate(const PostTrainingJob& old_job,
                                   const PostTrainingJob& new_job, ErrorList* errors) {
  ValidatePostTrainingJob(new_job, errors);
  const PostTrainingJobSpec& a = old_job.spec;
  const PostTrainingJobSpec& b = new_job.spec;
  const FieldPath spec("spec");
  auto immutable = [&](bool same, const char* field, const nlohmann::json& value) {
    if (!same) errors->Invalid(spec.Child(field), value, kImmutable);
  };
  immutable(a.replicas == b.replicas, "replicas", b.replicas);
  immutable(a.npus_per_replica == b.npus_per_replica, "npusPerReplica", b.npus_per_replica);
  immutable(a.template_ == b.template_, "template", "object");
  immutable(a.training == b.training, "training", "object");
  immutable(a.topology == b.topology, "topology", "object");
  immutable(a.checkpoint == b.checkpoint, "checkpoint", "object");
}

const std::vector<CrossFieldRule>& CrossFieldRules() {
  static const auto* rules = new std::vector<CrossFieldRule>{
      {"spec.npusPerReplica", kNpusEven},
      {"spec", kNpusSingle},
      {"spec", kBatchMultiple},
      {"spec.training", kWarmupSteps},
      {"spec.training", kMinLearningRate},
      {"spec.training", kSequenceFits},
      {"spec.training.model", kHeadsDivide},
      {"spec", kBlockOfPods},
      {"spec", kBlockDividesJob},
      {"spec.topology", kBlockWholeNodes},
      {"spec.faultTolerance", kHangAfterHeartbeat},
      {"spec.faultTolerance.backoff", kBackoffOrder},
      {"spec.replicas", kImmutable},
      {"spec.npusPerReplica", kImmutable},
      {"spec.training", kImmutable},
      {"spec.topology", kImmutable},
      {"spec.checkpoint", kImmutable},
  };
  return *rules;
}

}  // namespace flyover::kube
