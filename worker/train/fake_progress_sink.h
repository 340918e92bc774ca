// FakeProgressSink: a ProgressSink that records every report, for tests.
// Thread-safety: thread-safe.
#ifndef FLYOVER_WORKER_TRAIN_FAKE_PROGRESS_SINK_H_
#define FLYOVER_WORKER_TRAIN_FAKE_PROGRESS_SINK_H_

#include <cstdint>
#include <string>
#include <vector>

#include "absl/synchronization/mutex.h"
#include "worker/train/progress_sink.h"

namespace flyover::worker {

class FakeProgressSink final : public ProgressSink {
 public:
  struct EvalReport {
    std::string phase;
    double accuracy = 0;
    int64_t examples = 0;
  };

  void Step(int64_t step, float loss, double) override {
    absl::MutexLock lock(&mu_);
    steps_.push_back(step);
    losses_.push_back(loss);
  }
  void StepDone(const StepStats& stats) override {
    Step(stats.step, stats.loss, stats.step_millis);
    absl::MutexLock lock(&mu_);
    tokens_.push_back(stats.tokens);
  }
  void CheckpointSaved(int64_t step, double stall_millis) override {
    absl::MutexLock lock(&mu_);
    saves_.push_back(step);
    stall_millis_.push_back(stall_millis);
  }
  void CheckpointCommitted(int64_t step) override {
    absl::MutexLock lock(&mu_);
    checkpoints_.push_back(step);
  }
  void Eval(absl::string_view phase, double accuracy, int64_t examples) override {
    absl::MutexLock lock(&mu_);
    evals_.push_back({std::string(phase), accuracy, examples});
  }
  void Done() override {
    absl::MutexLock lock(&mu_);
    done_ = true;
  }

  std::vector<int64_t> steps() const { absl::MutexLock l(&mu_); return steps_; }
  std::vector<float> losses() const { absl::MutexLock l(&mu_); return losses_; }
  std::vector<int64_t> checkpoints() const { absl::MutexLock l(&mu_); return checkpoints_; }
  // Per StepDone: the tokens reported; per CheckpointSaved: the step and the stall.
  std::vector<int64_t> tokens() const { absl::MutexLock l(&mu_); return tokens_; }
  std::vector<int64_t> saves() const { absl::MutexLock l(&mu_); return saves_; }
  std::vector<double> stall_millis() const { absl::MutexLock l(&mu_); return stall_millis_; }
  std::vector<EvalReport> evals() const { absl::MutexLock l(&mu_); return evals_; }
  bool done() const { absl::MutexLock l(&mu_); return done_; }

 private:
  mutable absl::Mutex mu_;
  std::vector<int64_t> steps_ ABSL_GUARDED_BY(mu_);
  std::vector<float> losses_ ABSL_GUARDED_BY(mu_);
  std::vector<int64_t> checkpoints_ ABSL_GUARDED_BY(mu_);
  std::vector<int64_t> tokens_ ABSL_GUARDED_BY(mu_);
  std::vector<int64_t> saves_ ABSL_GUARDED_BY(mu_);
  std::vector<double> stall_millis_ ABSL_GUARDED_BY(mu_);
  std::vector<EvalReport> evals_ ABSL_GUARDED_BY(mu_);
  bool done_ ABSL_GUARDED_BY(mu_) = false;
};

}  // namespace flyover::worker

#endif  // FLYOVER_WORKER_TRAIN_FAKE_PROGRESS_SINK_H_
