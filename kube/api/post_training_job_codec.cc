#include "kube/api/post_training_job_codec.h"

#include "absl/strings/str_cat.h"
#include "common/status.h"
#include "kube/api/post_training_job_validation.h"

namespace flyover::kube {
namespace {

using nlohmann::json;

template <typename T>
void SetFieldUnlessEmpty(json& j, const char* key, const T& value) {
  if (!value.empty()) j[key] = value;
}

void SetTimeIfPresent(json& j, const char* key, const std::optional<absl::Time>& t) {
  if (t) j[key] = FormatKubeTime(*t);
}

json LevelNames(const std::vector<RecoveryLevel>& levels) {
  json names = json::array();
  for (RecoveryLevel level : levels) names.push_back(EnumName(level));
  return names;
}

}  // namespace

// ---- spec ----

void ReadValue(const json& value, const FieldPath& path, ErrorList* errors, ModelSpec* out) {
  ObjectReader r(value, path, errors);
  r.Field("layers", &out->layers);
  r.Field("hiddenSize", &out->hidden_size);
  r.Field("heads", &out->heads);
  r.Field("vocabSize", &out->vocab_size);
  r.Field("sequenceLength", &out->sequence_length);
  r.Finish();
}

void ReadValue(const json& value, const FieldPath& path, ErrorList* errors, DatasetSpec* out) {
  ObjectReader r(value, path, errors);
  r.Field("kind", &out->kind);
  r.Field("trainExamples", &out->train_examples);
  r.Field("evalExamples", &out->eval_examples);
  r.Field("maxOperand", &out->max_operand);
  r.Finish();
}

void ReadValue(const json& value, const FieldPath& path, ErrorList* errors, TrainingSpec* out) {
  ObjectReader r(value, path, errors);
  r.Field("model", &out->model);
  r.Field("dataset", &out->dataset);
  r.RequiredField("steps", &out->steps);
  r.Field("globalBatchSize", &out->global_batch_size);
  r.Field("microBatchSize", &out->micro_batch_size);
  r.Field("learningRate", &out->learning_rate);
  r.Field("minLearningRate", &out->min_learning_rate);
  r.Field("warmupSteps", &out->warmup_steps);
  r.Field("weightDecay", &out->weight_decay);
  r.Field("gradClipNorm", &out->grad_clip_norm);
  r.Field("seed", &out->seed);
  r.Finish();
}

void ReadValue(const json& value, const FieldPath& path, ErrorList* errors, TopologySpec* out) {
  ObjectReader r(value, path, errors);
  r.Field("superPodBlock", &out->super_pod_block);
  r.Field("superPodAffinity", &out->super_pod_affinity);
  r.Field("spareNodesPerSuperPod", &out->spare_nodes_per_super_pod);
  r.Finish();
}

void ReadValue(const json& value, const FieldPath& path, ErrorList* errors, BackoffSpec* out) {
  ObjectReader r(value, path, errors);
  r.Field("initialSeconds", &out->initial_seconds);
  r.Field("maxSeconds", &out->max_seconds);
  r.Finish();
}

void ReadValue(const json& value, const FieldPath& path, ErrorList* errors,
               FaultToleranceSpec* out) {
  ObjectReader r(value, path, errors);
  r.Field("maxRestarts", &out->max_restarts);
  r.Field("recoveryLevels", &out->recovery_levels);
  r.Field("heartbeatTimeoutSeconds", &out->heartbeat_timeout_seconds);
  r.Field("hangTimeoutSeconds", &out->hang_timeout_seconds);
  r.Field("backoff", &out->backoff);
  r.Finish();
}

void ReadValue(const json& value, const FieldPath& path, ErrorList* errors,
               CheckpointSpec* out) {
  ObjectReader r(value, path, errors);
  r.Field("path", &out->path);
  r.Field("volumeClaimName", &out->volume_claim_name);
  r.Field("intervalSteps", &out->interval_steps);
  r.Field("keep", &out->keep);
  r.Field("inMemoryReplicas", &out->in_memory_replicas);
  r.Field("async", &out->async);
  r.Finish();
}

void ReadValue(const json& value, const FieldPath& path, ErrorList* errors,
               PostTrainingJobSpec* out) {
  ObjectReader r(value, path, errors);
  r.RequiredField("replicas", &out->replicas);
  r.RequiredField("npusPerReplica", &out->npus_per_replica);
  r.RequiredField("template", &out->template_);
  r.RequiredField("training", &out->training);
  r.Field("topology", &out->topology);
  r.Field("faultTolerance", &out->fault_tolerance);
  r.Field("checkpoint", &out->checkpoint);
  r.Field("suspend", &out->suspend);
  r.Field("ttlSecondsAfterFinished", &out->ttl_seconds_after_finished);
  r.Finish();
}

void to_json(json& j, const PostTrainingJobSpec& spec) {
  const TrainingSpec& t = spec.training;
  const ModelSpec& m = t.model;
  const FaultToleranceSpec& ft = spec.fault_tolerance;
  const CheckpointSpec& ck = spec.checkpoint;
  j = json{
      {"replicas", spec.replicas},
      {"npusPerReplica", spec.npus_per_replica},
      {"template", spec.template_},
      {"training",
       {{"model",
         {{"layers", m.layers},
          {"hiddenSize", m.hidden_size},
          {"heads", m.heads},
          {"vocabSize", m.vocab_size},
          {"sequenceLength", m.sequence_length}}},
        {"dataset",
         {{"kind", EnumName(t.dataset.kind)},
          {"trainExamples", t.dataset.train_examples},
          {"evalExamples", t.dataset.eval_examples},
          {"maxOperand", t.dataset.max_operand}}},
        {"steps", t.steps},
        {"globalBatchSize", t.global_batch_size},
        {"microBatchSize", t.micro_batch_size},
        {"learningRate", t.learning_rate},
        {"minLearningRate", t.min_learning_rate},
        {"warmupSteps", t.warmup_steps},
        {"weightDecay", t.weight_decay},
        {"gradClipNorm", t.grad_clip_norm},
        {"seed", t.seed}}},
      {"topology",
       {{"superPodBlock", spec.topology.super_pod_block},
        {"superPodAffinity", EnumName(spec.topology.super_pod_affinity)},
        {"spareNodesPerSuperPod", spec.topology.spare_nodes_per_super_pod}}},
      {"faultTolerance",
       {{"maxRestarts", ft.max_restarts},
        {"recoveryLevels", LevelNames(ft.recovery_levels)},
        {"heartbeatTimeoutSeconds", ft.heartbeat_timeout_seconds},
        {"hangTimeoutSeconds", ft.hang_timeout_seconds},
        {"backoff",
         {{"initialSeconds", ft.backoff.initial_seconds},
          {"maxSeconds", ft.backoff.max_seconds}}}}},
      {"checkpoint",
       {{"path", ck.path},
        {"intervalSteps", ck.interval_steps},
        {"keep", ck.keep},
        {"inMemoryReplicas", ck.in_memory_replicas},
        {"async", ck.async}}},
      {"suspend", spec.suspend},
  };
  SetIfPresent(j["checkpoint"], "volumeClaimName", ck.volume_claim_name);
  SetIfPresent(j, "ttlSecondsAfterFinished", spec.ttl_seconds_after_finished);
}

// ---- status ----

void ReadValue(const json& value, const FieldPath& path, ErrorList* errors,
               CheckpointRef* out) {
  ObjectReader r(value, path, errors);
  r.Field("step", &out->step);
  r.Field("time", &out->time);
  r.Finish();
}

void ReadValue(const json& value, const FieldPath& path, ErrorList* errors,
               RestartCounts* out) {
  ObjectReader r(value, path, errors);
  r.Field("inPlace", &out->in_place);
  r.Field("reschedulePod", &out->reschedule_pod);
  r.Field("restartJob", &out->restart_job);
  r.Field("total", &out->total);
  r.Finish();
}

void ReadValue(const json& value, const FieldPath& path, ErrorList* errors, FaultRecord* out) {
  ObjectReader r(value, path, errors);
  r.RequiredField("class", &out->fault_class);
  r.Field("pod", &out->pod);
  r.Field("node", &out->node);
  r.Field("rank", &out->rank);
  r.Field("message", &out->message);
  r.Field("detectedAt", &out->detected_at);
  r.Field("detectionMillis", &out->detection_millis);
  r.Field("recoveryLevel", &out->recovery_level);
  r.Field("recoveredAt", &out->recovered_at);
  r.Field("recoveryMillis", &out->recovery_millis);
  r.Finish();
}

void ReadValue(const json& value, const FieldPath& path, ErrorList* errors,
               PlacementSummary* out) {
  ObjectReader r(value, path, errors);
  r.Field("superPods", &out->super_pods);
  r.Field("superPodsSpanned", &out->super_pods_spanned);
  r.Field("nodes", &out->nodes);
  r.Finish();
}

void ReadValue(const json& value, const FieldPath& path, ErrorList* errors,
               EvaluationResult* out) {
  ObjectReader r(value, path, errors);
  r.Field("accuracyBefore", &out->accuracy_before);
  r.Field("accuracyAfter", &out->accuracy_after);
  r.Field("examples", &out->examples);
  r.Finish();
}

void ReadValue(const json& value, const FieldPath& path, ErrorList* errors,
               PostTrainingJobStatus* out) {
  ObjectReader r(value, path, errors);
  r.Field("phase", &out->phase);
  r.Field("conditions", &out->conditions);
  r.Field("observedGeneration", &out->observed_generation);
  r.Field("restartGeneration", &out->restart_generation);
  r.Field("step", &out->step);
  r.Field("totalSteps", &out->total_steps);
  r.Field("lastCheckpoint", &out->last_checkpoint);
  r.Field("restarts", &out->restarts);
  r.Field("faults", &out->faults);
  r.Field("placement", &out->placement);
  r.Field("evaluation", &out->evaluation);
  r.Field("startTime", &out->start_time);
  r.Field("completionTime", &out->completion_time);
  r.Field("goodput", &out->goodput);
  r.Field("unproductiveMillis", &out->unproductive_millis);
  r.Field("suspendedMillis", &out->suspended_millis);
  r.Finish();
}

namespace {

json EncodeFault(const FaultRecord& f) {
  json j = {{"class", f.fault_class}};
  SetFieldUnlessEmpty(j, "pod", f.pod);
  SetFieldUnlessEmpty(j, "node", f.node);
  SetIfPresent(j, "rank", f.rank);
  SetFieldUnlessEmpty(j, "message", f.message);
  SetTimeIfPresent(j, "detectedAt", f.detected_at);
  SetIfPresent(j, "detectionMillis", f.detection_millis);
  if (f.recovery_level) j["recoveryLevel"] = EnumName(*f.recovery_level);
  SetTimeIfPresent(j, "recoveredAt", f.recovered_at);
  SetIfPresent(j, "recoveryMillis", f.recovery_millis);
  return j;
}

json EncodeRestarts(const RestartCounts& r) {
  json j = json::object();
  if (r.in_place) j["inPlace"] = r.in_place;
  if (r.reschedule_pod) j["reschedulePod"] = r.reschedule_pod;
  if (r.restart_job) j["restartJob"] = r.restart_job;
  if (r.total) j["total"] = r.total;
  return j;
}

}  // namespace

void to_json(json& j, const PostTrainingJobStatus& s) {
  j = json::object();
  if (s.phase) j["phase"] = EnumName(*s.phase);
  SetFieldUnlessEmpty(j, "conditions", s.conditions);
  if (s.observed_generation) j["observedGeneration"] = s.observed_generation;
  if (s.restart_generation) j["restartGeneration"] = s.restart_generation;
  if (s.step) j["step"] = s.step;
  if (s.total_steps) j["totalSteps"] = s.total_steps;
  if (s.last_checkpoint) {
    json& ck = j["lastCheckpoint"] = {{"step", s.last_checkpoint->step}};
    SetTimeIfPresent(ck, "time", s.last_checkpoint->time);
  }
  if (json restarts = EncodeRestarts(s.restarts); !restarts.empty()) j["restarts"] = restarts;
  if (!s.faults.empty()) {
    json& faults = j["faults"] = json::array();
    for (const FaultRecord& f : s.faults) faults.push_back(EncodeFault(f));
  }
  if (s.placement) {
    json& p = j["placement"] = json::object();
    SetFieldUnlessEmpty(p, "superPods", s.placement->super_pods);
    if (s.placement->super_pods_spanned) p["superPodsSpanned"] = s.placement->super_pods_spanned;
    if (s.placement->nodes) p["nodes"] = s.placement->nodes;
  }
  if (s.evaluation) {
    json& e = j["evaluation"] = json::object();
    SetIfPresent(e, "accuracyBefore", s.evaluation->accuracy_before);
    SetIfPresent(e, "accuracyAfter", s.evaluation->accuracy_after);
    if (s.evaluation->examples) e["examples"] = s.evaluation->examples;
  }
  SetTimeIfPresent(j, "startTime", s.start_time);
  SetTimeIfPresent(j, "completionTime", s.completion_time);
  SetIfPresent(j, "goodput", s.goodput);
  if (s.unproductive_millis) j["unproductiveMillis"] = s.unproductive_millis;
  if (s.suspended_millis) j["suspendedMillis"] = s.suspended_millis;
}

// ---- the object ----

PostTrainingJob DecodePostTrainingJob(const json& value, ErrorList* errors) {
  PostTrainingJob job;
  ObjectReader r(value, FieldPath(), errors);
  std::string api_version;
  std::string kind;
  r.RequiredField("apiVersion", &api_version);
  r.RequiredField("kind", &kind);
  if (!api_version.empty() && api_version != kPostTrainingJobApiVersion) {
    errors->NotSupported(FieldPath("apiVersion"), api_version, {kPostTrainingJobApiVersion});
  }
  if (!kind.empty() && kind != kPostTrainingJobKind) {
    errors->NotSupported(FieldPath("kind"), kind, {kPostTrainingJobKind});
  }
  r.RequiredField("metadata", &job.metadata);
  r.RequiredField("spec", &job.spec);
  r.Field("status", &job.status);
  r.Finish();
  return job;
}

absl::StatusOr<PostTrainingJob> ParsePostTrainingJob(const json& value) {
  ErrorList errors;
  PostTrainingJob job = DecodePostTrainingJob(value, &errors);
  if (errors.empty()) ValidatePostTrainingJob(job, &errors);
  const std::string name = job.metadata.name.empty() ? job.metadata.generate_name
                                                     : job.metadata.name;
  RETURN_IF_ERROR(errors.ToStatus(
      absl::StrCat(kPostTrainingJobKind, ".", kPostTrainingJobGroup), name));
  return job;
}

json EncodePostTrainingJob(const PostTrainingJob& job) {
  json j = {
      {"apiVersion", kPostTrainingJobApiVersion},
      {"kind", kPostTrainingJobKind},
      {"metadata", job.metadata},
      {"spec", job.spec},
  };
  if (json status = job.status; !status.empty()) j["status"] = std::move(status);
  return j;
}

}  // namespace flyover::kube
