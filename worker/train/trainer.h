// Trainer: one data-parallel rank's supervised fine-tuning run (issue 8). It builds the
// dataset, the model and the ZeRO-1 optimizer from a TrainConfig, then
//   1. resumes from a checkpoint when one exists (parameters, optimizer shard, learning-
//      rate schedule position, RNG and data cursor, all exactly; a checkpoint saved at
//      another world size is resharded), otherwise initialises from the seed and evaluates
//      ("before");
//   2. runs the steps: per step, `accumulation` micro-batches of forward + backward into
//      the gradient, the loss summed over every rank, one optimizer step; a progress line
//      (ProgressSink::StepDone, with the tokens this rank processed);
//   3. every checkpoint.intervalSteps (at the last step, and at the end of a step in which
//      a CheckpointNow request arrived: TrainerDeps::checkpoint_request) snapshots its state to the
//      CheckpointWriter (asynchronous unless checkpoint.async is false) and, when
//      checkpoint.inMemoryReplicas > 0 and a replica store is given, puts its shard there,
//      and reports how long that blocked the loop (ProgressSink::CheckpointSaved);
//      with a ReplicaHolding (and more than one rank), after EVERY step it shares its shard
//      with its buddy rank in another pod (replica_exchange.h), keeping the newest
//      inMemoryReplicas steps, and on resume it recovers from those replicas when they
//      hold a complete step newer than the newest committed disk checkpoint;
//   4. evaluates again ("after"), waits for the last checkpoint and reports done.
// The loss of a step is the mean cross-entropy over the masked-in tokens of the global
// batch. Same seed and world size -> the same loss sequence, bit for bit, also across a
// resume.
//
// Errors: InvalidArgument for a config that does not fit (e.g. the vocabulary or sequence
// length are too small for the dataset); otherwise what failed (backend, communicator,
// checkpoint), with its code.
// Ownership: borrows everything in TrainerDeps (must outlive the trainer).
// Thread-safety: thread-compatible; Run() once.
#ifndef FLYOVER_WORKER_TRAIN_TRAINER_H_
#define FLYOVER_WORKER_TRAIN_TRAINER_H_

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "common/clock.h"
#include "common/file_system.h"
#include "worker/checkpoint/checkpoint_barrier.h"
#include "worker/checkpoint/checkpoint_writer.h"
#include "worker/checkpoint/in_memory_replica.h"
#include "worker/comm/communicator.h"
#include "worker/data/arithmetic_dataset.h"
#include "worker/data/data_loader.h"
#include "worker/model/transformer_lm.h"
#include "worker/npu/npu_backend.h"
#include "worker/optim/zero1_adamw.h"
#include "worker/train/progress_sink.h"
#include "worker/train/replica_holding.h"
#include "worker/train/train_config.h"

namespace flyover::worker {

// What a failed Run() failed at, for the rank's exit code (rank_main.h).
enum class TrainerFailure { kNone, kDevice, kCollective, kCheckpoint, kBadInput };

struct TrainerDeps {
  NpuBackend* backend = nullptr;       // required
  Communicator* comm = nullptr;        // required; its size is the world size
  ProgressSink* progress = nullptr;    // required
  FileSystem* fs = nullptr;            // required when checkpoints are on
  CheckpointBarrier* barrier = nullptr;  // required when checkpoints are on and world > 1
  InMemoryReplicaStore* replicas = nullptr;  // optional
  // Optional: this rank's cross-pod replicas (replica_exchange.h); needs
  // TrainerOptions::ranks_per_pod to split the world into at least two pods.
  ReplicaHolding* held_replicas = nullptr;
  Clock* clock = RealClock();
  // Called before every step with the step's number (e.g. to apply a throttle); optional.
  std::function<void(int64_t)> before_step;
  // Optional: the highest CheckpointNow sequence this rank has seen so far (0: none;
  // checkpoint_request.h), asked after every step. The ranks fold what they saw into the
  // step's loss AllReduce, so all of them checkpoint at the end of the same step when the
  // highest sequence any rank saw rises above the one they last acted on (it starts at 0,
  // so a request standing when the ranks start is acted on at the first step).
  std::function<int64_t()> checkpoint_request;
};

struct TrainerOptions {
  TrainConfig config;
  // Where the step directories go; empty: config.checkpoint.path.
  std::string checkpoint_root;
  // The replica store's key.
  std::string job = "job";
  // Ranks per pod, for cross-pod replicas (TrainerDeps::held_replicas).
  int ranks_per_pod = 0;
  // Resume from exactly this step; unset: the newest committed checkpoint, if any.
  std::optional<int64_t> resume_step;
  // Skip the before/after evaluations (tests of the loop itself).
  bool evaluate = true;
  // Stop (without evaluating or reporting done) once this step is done and its
  // checkpoint persisted; tests use it to stand for a crash.
  std::optional<int64_t> stop_after_step;
};

class Trainer {
 public:
  [[nodiscard]] static absl::StatusOr<std::unique_ptr<Trainer>> Create(
      const TrainerDeps& deps, const TrainerOptions& options);
  ~Trainer();

  [[nodiscard]] absl::Status Run();

  // The step reached (the number of optimizer updates).
  int64_t step() const { return step_; }
  // The evaluations' results, when run.
  std::optional<double> accuracy_before() const { return accuracy_before_; }
  std::optional<double> accuracy_after() const { return accuracy_after_; }
  TransformerLm& model() { return *model_; }
  // What the last failed Run() failed at.
  TrainerFailure failure() const { return failure_; }

 private:
  Trainer(const TrainerDeps& deps, const TrainerOptions& options, ArithmeticDataset dataset);
  absl::Status Build();
  // Restores the newest (or the requested) checkpoint; false if there is none.
  absl::StatusOr<bool> Resume();
  absl::Status RestoreFrom(const RestoredState& state);
  absl::Status RunSteps();
  struct StepOutcome {
    float loss = 0;
    int64_t tokens = 0;  // this rank's micro-batches: batch x sequence length
    bool checkpoint_requested = false;  // agreed by every rank
  };
  absl::StatusOr<StepOutcome> TrainStep();
  // Folds this rank's CheckpointNow sequence into `reduced` (slot 1 + rank) before the
  // loss AllReduce, and reads the agreed result after it.
  void PutCheckpointRequest(std::vector<float>& reduced);
  bool TakeCheckpointRequest(const std::vector<float>& reduced);
  // Returns `status`, remembering `kind` as the failure when it is an error.
  absl::Status Fail(TrainerFailure kind, absl::Status status);
  absl::Status Evaluate(absl::string_view phase, std::optional<double>& result);
  absl::Status SaveCheckpoint();
  // Captures this rank's state and hands it to `use`.
  absl::Status WithStateView(const std::function<absl::Status(const RankStateView&)>& use);
  // Cross-pod replicas (trainer_replicas.cc).
  bool SharesReplicas() const;
  absl::Status ShareStepReplica();
  absl::StatusOr<std::optional<RestoredState>> RecoverHeldReplicas(
      const LoadRequest& request, const absl::StatusOr<RestoredState>& disk);
  void ReportCommits();
  absl::Status FinishCheckpoints();
  int accumulation() const;

  const TrainerDeps deps_;
  const TrainerOptions options_;
  const std::string root_;
  ArithmeticDataset dataset_;
  std::unique_ptr<TransformerLm> model_;
  std::unique_ptr<Zero1AdamW> optimizer_;
  std::unique_ptr<DataLoader> loader_;
  std::unique_ptr<CheckpointWriter> writer_;
  int64_t step_ = 0;
  int64_t reported_checkpoint_ = -1;
  int64_t acted_checkpoint_request_ = 0;
  std::optional<double> accuracy_before_, accuracy_after_;
  TrainerFailure failure_ = TrainerFailure::kNone;
};

}  // namespace flyover::worker

#endif  // FLYOVER_WORKER_TRAIN_TRAINER_H_
