#include "worker/train/trainer.h"

#include <algorithm>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "common/status.h"
#include "worker/data/tokenizer.h"
#include "worker/train/evaluator.h"
#include "worker/train/replica_exchange.h"

namespace flyover::worker {
namespace {

absl::Status CheckDeps(const TrainerDeps& deps, const TrainConfig& config) {
  if (deps.backend == nullptr || deps.comm == nullptr || deps.progress == nullptr ||
      deps.clock == nullptr) {
    return absl::InvalidArgumentError("trainer: backend, communicator, progress and clock are required");
  }
  if (config.checkpoint.interval_steps > 0 &&
      (deps.fs == nullptr || (deps.comm->size() > 1 && deps.barrier == nullptr))) {
    return absl::InvalidArgumentError(
        "trainer: checkpoints need a file system (and a barrier with more than one rank)");
  }
  return absl::OkStatus();
}

// A collective failed: a peer died or timed out (communicator.h).
bool IsCollectiveError(const absl::Status& status) {
  return absl::IsAborted(status) || absl::IsDeadlineExceeded(status) ||
         absl::IsUnavailable(status);
}

absl::Status CheckModelFitsData(const TrainingConfig& t, const ArithmeticDataset& dataset) {
  if (t.model.vocab_size < kTokenizerVocabSize) {
    return absl::InvalidArgumentError(absl::StrCat("training.model.vocabSize: must be >= ",
                                                   kTokenizerVocabSize,
                                                   " for the arithmetic vocabulary"));
  }
  if (t.model.sequence_length < dataset.example_length() - 1) {
    return absl::InvalidArgumentError(absl::StrCat(
        "training.model.sequenceLength: must be >= ", dataset.example_length() - 1,
        " for problems with maxOperand ", t.dataset.max_operand));
  }
  return absl::OkStatus();
}

TransformerConfig ModelConfigOf(const ModelShape& m) {
  return TransformerConfig{.layers = m.layers,
                           .hidden = m.hidden_size,
                           .heads = m.heads,
                           .vocab = m.vocab_size,
                           .max_length = m.sequence_length};
}

}  // namespace

absl::StatusOr<std::unique_ptr<Trainer>> Trainer::Create(const TrainerDeps& deps,
                                                         const TrainerOptions& options) {
  const TrainingConfig& t = options.config.training;
  RETURN_IF_ERROR(CheckDeps(deps, options.config));
  if (deps.held_replicas != nullptr && deps.comm->size() > 1) {
    RETURN_IF_ERROR(CheckReplicaTopology(deps.comm->size(), options.ranks_per_pod));
  }
  RETURN_IF_ERROR(ValidateForWorldSize(options.config, deps.comm->size()));
  ASSIGN_OR_RETURN(ArithmeticDataset dataset,
                   ArithmeticDataset::Create({.train_examples = t.dataset.train_examples,
                                              .eval_examples = t.dataset.eval_examples,
                                              .max_operand = t.dataset.max_operand,
                                              .seed = static_cast<uint64_t>(t.seed)}));
  RETURN_IF_ERROR(CheckModelFitsData(t, dataset));
  std::unique_ptr<Trainer> trainer(new Trainer(deps, options, std::move(dataset)));
  RETURN_IF_ERROR(trainer->Build());
  return trainer;
}

Trainer::Trainer(const TrainerDeps& deps, const TrainerOptions& options,
                 ArithmeticDataset dataset)
    : deps_(deps),
      options_(options),
      root_(options.checkpoint_root.empty() ? options.config.checkpoint.path
                                            : options.checkpoint_root),
      dataset_(std::move(dataset)) {}

Trainer::~Trainer() {
  if (writer_ != nullptr) writer_->Wait(absl::Minutes(10)).IgnoreError();
}

int Trainer::accumulation() const {
  const TrainingConfig& t = options_.config.training;
  return t.global_batch_size / (t.micro_batch_size * deps_.comm->size());
}

absl::Status Trainer::Build() {
  const TrainConfig& c = options_.config;
  const TrainingConfig& t = c.training;
  ASSIGN_OR_RETURN(model_, TransformerLm::Create(deps_.backend, ModelConfigOf(t.model)));
  Zero1AdamWOptions opt{.schedule = {.peak_lr = t.learning_rate,
                                     .min_lr = t.min_learning_rate,
                                     .warmup_steps = t.warmup_steps,
                                     .total_steps = t.steps},
                        .weight_decay = t.weight_decay,
                        .grad_clip_norm = t.grad_clip_norm};
  ASSIGN_OR_RETURN(optimizer_, Zero1AdamW::Create(deps_.backend, deps_.comm,
                                                  model_->num_parameters(), opt));
  ASSIGN_OR_RETURN(DataLoader loader,
                   DataLoader::Create(&dataset_, {.micro_batch = t.micro_batch_size,
                                                  .world_size = deps_.comm->size(),
                                                  .rank = deps_.comm->rank(),
                                                  .accumulation = accumulation(),
                                                  .seed = static_cast<uint64_t>(t.seed)}));
  loader_ = std::make_unique<DataLoader>(std::move(loader));
  if (c.checkpoint.interval_steps > 0) {
    CheckpointWriterOptions w{.root = root_,
                              .world_size = deps_.comm->size(),
                              .rank = deps_.comm->rank(),
                              .keep = c.checkpoint.keep,
                              .clock = deps_.clock};
    ASSIGN_OR_RETURN(writer_, CheckpointWriter::Create(
                                  deps_.fs, deps_.comm->size() > 1 ? deps_.barrier : nullptr, w));
  }
  return absl::OkStatus();
}

absl::Status Trainer::Fail(TrainerFailure kind, absl::Status status) {
  if (!status.ok()) failure_ = kind;
  return status;
}

absl::Status Trainer::Run() {
  const TrainConfig& c = options_.config;
  absl::StatusOr<bool> resumed = Resume();
  if (!resumed.ok()) {
    const bool bad_input = resumed.status().code() == absl::StatusCode::kInvalidArgument;
    return Fail(bad_input                                 ? TrainerFailure::kBadInput
                : IsCollectiveError(resumed.status()) ? TrainerFailure::kCollective
                                                          : TrainerFailure::kCheckpoint,
                resumed.status());
  }
  if (!*resumed) {
    RETURN_IF_ERROR(Fail(TrainerFailure::kDevice,
                         model_->SetParameters(InitialParameters(
                             model_->config(), static_cast<uint64_t>(c.training.seed)))));
    if (options_.evaluate) RETURN_IF_ERROR(Evaluate("before", accuracy_before_));
  }
  RETURN_IF_ERROR(RunSteps());
  if (options_.stop_after_step.has_value() && step_ < c.training.steps) {
    return Fail(TrainerFailure::kCheckpoint, FinishCheckpoints());
  }
  if (options_.evaluate) RETURN_IF_ERROR(Evaluate("after", accuracy_after_));
  RETURN_IF_ERROR(Fail(TrainerFailure::kCheckpoint, FinishCheckpoints()));
  deps_.progress->Done();
  return absl::OkStatus();
}

absl::Status Trainer::RunSteps() {
  const TrainConfig& c = options_.config;
  while (step_ < c.training.steps) {
    if (options_.stop_after_step.has_value() && step_ >= *options_.stop_after_step) break;
    const absl::Time start = deps_.clock->Now();
    ASSIGN_OR_RETURN(const StepOutcome outcome, TrainStep());
    deps_.progress->StepDone({.step = step_,
                              .loss = outcome.loss,
                              .step_millis = absl::ToDoubleMilliseconds(deps_.clock->Now() - start),
                              .tokens = outcome.tokens});
    const int64_t interval = c.checkpoint.interval_steps;
    if (interval > 0 && (step_ % interval == 0 || step_ == c.training.steps ||
                         outcome.checkpoint_requested)) {
      const absl::Time save_start = deps_.clock->Now();
      RETURN_IF_ERROR(Fail(TrainerFailure::kCheckpoint, SaveCheckpoint()));
      deps_.progress->CheckpointSaved(
          step_, absl::ToDoubleMilliseconds(deps_.clock->Now() - save_start));
    }
    if (SharesReplicas()) {
      absl::Status shared = ShareStepReplica();
      RETURN_IF_ERROR(Fail(IsCollectiveError(shared) ? TrainerFailure::kCollective
                                                     : TrainerFailure::kCheckpoint,
                           shared));
    }
    ReportCommits();
  }
  return absl::OkStatus();
}

absl::StatusOr<Trainer::StepOutcome> Trainer::TrainStep() {
  if (deps_.before_step) deps_.before_step(step_ + 1);
  RETURN_IF_ERROR(Fail(TrainerFailure::kDevice, deps_.backend->BeginStep(step_ + 1)));
  RETURN_IF_ERROR(Fail(TrainerFailure::kDevice, model_->ZeroGrads()));
  // Every example trains on its answer digits and <eos>: the global count is fixed.
  const double global_tokens =
      static_cast<double>(loader_->global_batch()) * (dataset_.answer_length() + 1);
  const float grad_scale = static_cast<float>(1.0 / global_tokens);
  float loss_sum = 0;
  int64_t tokens = 0;
  for (const MicroBatch& mb : loader_->NextStep()) {
    tokens += static_cast<int64_t>(mb.batch) * mb.length;
    absl::StatusOr<float> s = model_->ForwardBackward(mb.batch, mb.length, mb.inputs,
                                                      mb.targets, mb.mask, grad_scale);
    RETURN_IF_ERROR(Fail(TrainerFailure::kDevice, s.status()));
    loss_sum += *s;
  }
  std::vector<float> reduced = {loss_sum};
  PutCheckpointRequest(reduced);
  RETURN_IF_ERROR(
      Fail(TrainerFailure::kCollective, deps_.comm->AllReduce(absl::MakeSpan(reduced))));
  loss_sum = reduced[0];
  absl::Status step = optimizer_->Step(model_->params(), model_->grads()).status();
  // The optimizer runs kernels and collectives: the code tells which failed.
  const bool collective = IsCollectiveError(step);
  RETURN_IF_ERROR(
      Fail(collective ? TrainerFailure::kCollective : TrainerFailure::kDevice, step));
  ++step_;
  return StepOutcome{.loss = static_cast<float>(loss_sum / global_tokens),
                     .tokens = tokens,
                     .checkpoint_requested = TakeCheckpointRequest(reduced)};
}

void Trainer::PutCheckpointRequest(std::vector<float>& reduced) {
  // Every rank must reduce the same length: the slots exist whenever checkpoints are on.
  if (options_.config.checkpoint.interval_steps <= 0) return;
  reduced.resize(1 + static_cast<size_t>(deps_.comm->size()), 0.0f);
  const int64_t seen = deps_.checkpoint_request ? deps_.checkpoint_request() : 0;
  // A float holds every integer up to 2^24 exactly; one slot per rank, so the sum is exact.
  reduced[1 + static_cast<size_t>(deps_.comm->rank())] =
      static_cast<float>(std::clamp<int64_t>(seen, 0, int64_t{1} << 24));
}

bool Trainer::TakeCheckpointRequest(const std::vector<float>& reduced) {
  if (reduced.size() < 2) return false;
  const auto highest = static_cast<int64_t>(*std::max_element(reduced.begin() + 1, reduced.end()));
  if (highest <= acted_checkpoint_request_) return false;
  acted_checkpoint_request_ = highest;
  return true;
}

absl::Status Trainer::Evaluate(absl::string_view phase, std::optional<double>& result) {
  absl::StatusOr<EvalResult> evaluated = EvaluateExactMatch(*model_, dataset_, *deps_.comm);
  RETURN_IF_ERROR(Fail(TrainerFailure::kDevice, evaluated.status()));
  const EvalResult& eval = *evaluated;
  result = eval.accuracy();
  deps_.progress->Eval(phase, eval.accuracy(), eval.examples);
  return absl::OkStatus();
}

}  // namespace flyover::worker
