// Test helpers for PostTrainingJob: a minimal valid job and a fully populated one (every
// optional field set, every status field non-empty), shared by the codec and CRD tests.
#ifndef FLYOVER_KUBE_API_POST_TRAINING_JOB_TESTING_H_
#define FLYOVER_KUBE_API_POST_TRAINING_JOB_TESTING_H_

#include "absl/time/time.h"
#include "kube/api/post_training_job.h"
#include "nlohmann/json.hpp"

namespace flyover::kube::testing {

// The smallest JSON a user can submit: only the required fields.
inline nlohmann::json MinimalJobJson() {
  return nlohmann::json::parse(R"({
    "apiVersion": "training.flyover.dev/v1alpha1",
    "kind": "PostTrainingJob",
    "metadata": {"name": "minimal", "namespace": "default"},
    "spec": {
      "replicas": 2,
      "npusPerReplica": 2,
      "template": {"spec": {"containers": [{"name": "worker", "image": "w:1"}]}},
      "training": {"steps": 100}
    }
  })");
}

inline PostTrainingJob FullyPopulatedJob() {
  const absl::Time t0 = absl::FromUnixSeconds(1795000000);
  PostTrainingJob job;
  ObjectMeta& m = job.metadata;
  m.name = "full";
  m.namespace_ = "research";
  m.uid = "7d0c6b0e-0000-4000-8000-000000000001";
  m.resource_version = "42";
  m.generation = 3;
  m.creation_timestamp = t0;
  m.labels = {{"team", "post-training"}};
  m.annotations = {{"flyover.dev/note", "all fields"}};
  m.finalizers = {"training.flyover.dev/cleanup"};

  PostTrainingJobSpec& s = job.spec;
  s.replicas = 4;
  s.npus_per_replica = 16;
  s.template_ = nlohmann::json::parse(
      R"({"metadata":{"labels":{"app":"w"}},"spec":{"containers":[{"name":"worker","image":"w:1"}]}})");
  s.training.model = {4, 128, 8, 64, 32};
  s.training.dataset = {DatasetKind::kArithmetic, 5000, 100, 999};
  s.training.steps = 1500;
  s.training.global_batch_size = 128;
  s.training.micro_batch_size = 2;
  s.training.learning_rate = 0.001;
  s.training.min_learning_rate = 0.0001;
  s.training.warmup_steps = 50;
  s.training.weight_decay = 0.1;
  s.training.grad_clip_norm = 0.5;
  s.training.seed = 7;
  s.topology = {32, SuperPodAffinity::kPreferred, 1};
  s.fault_tolerance.max_restarts = 20;
  s.fault_tolerance.recovery_levels = {RecoveryLevel::kInPlace, RecoveryLevel::kRestartJob};
  s.fault_tolerance.heartbeat_timeout_seconds = 5;
  s.fault_tolerance.hang_timeout_seconds = 30;
  s.fault_tolerance.backoff = {2, 30};
  s.checkpoint = {"/ckpt", "ckpt-claim", 50, 2, 2, false};
  s.suspend = true;
  s.ttl_seconds_after_finished = 3600;

  PostTrainingJobStatus& st = job.status;
  st.phase = JobPhase::kRecovering;
  st.conditions = {{"Running", ConditionStatus::kTrue, 3, t0, "AllRanksStepping", "ok"}};
  st.observed_generation = 3;
  st.restart_generation = 2;
  st.step = 700;
  st.total_steps = 1500;
  st.last_checkpoint = CheckpointRef{650, t0 + absl::Seconds(60)};
  st.restarts = {1, 1, 1, 3};
  FaultRecord fault;
  fault.fault_class = "RankExit";
  fault.pod = "full-1";
  fault.node = "node-7";
  fault.rank = 17;
  fault.message = "rank 17 exited with code 137";
  fault.detected_at = t0 + absl::Seconds(100);
  fault.detection_millis = 40;
  fault.recovery_level = RecoveryLevel::kInPlace;
  fault.recovered_at = t0 + absl::Seconds(106);
  fault.recovery_millis = 6000;
  st.faults = {fault};
  st.placement = PlacementSummary{{"0", "1"}, 2, 4};
  st.evaluation = EvaluationResult{0.02, 0.95, 100};
  st.start_time = t0 + absl::Seconds(5);
  st.completion_time = t0 + absl::Seconds(900);
  st.goodput = 0.93;
  st.unproductive_millis = 61000;
  st.suspended_millis = 120000;
  return job;
}

}  // namespace flyover::kube::testing

#endif  // FLYOVER_KUBE_API_POST_TRAINING_JOB_TESTING_H_
