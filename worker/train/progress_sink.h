// ProgressSink: where a rank reports its progress (docs/design/supervision.md section 3).
// FdProgressSink writes the section's JSON lines to a file descriptor (the pipe the agent
// reads, FLYOVER_REPORT_FD):
//   {"step": 120, "loss": 1.93, "stepMillis": 41.5, "tokens": 2048}   after every step
//   {"checkpointSave": {"step": 100, "stallMillis": 3.2}} after the loop saved a checkpoint
//   {"checkpoint": 100}                                  when a checkpoint is committed
//   {"eval": {"phase": "before", "accuracy": 0.93, "examples": 200}}
//   {"done": true}                                       before a clean exit
// FakeProgressSink (fake_progress_sink.h) records the calls for tests.
//
// Reporting never fails training: a write error (the agent went away) is remembered in
// FdProgressSink::status() and later lines are dropped.
// Thread-safety: implementations are thread-safe.
#ifndef FLYOVER_WORKER_TRAIN_PROGRESS_SINK_H_
#define FLYOVER_WORKER_TRAIN_PROGRESS_SINK_H_

#include <cstdint>
#include <string>

#include "absl/base/thread_annotations.h"
#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "absl/synchronization/mutex.h"

namespace flyover::worker {

// One finished step as the rank saw it.
struct StepStats {
  int64_t step = 0;
  float loss = 0;
  double step_millis = 0;
  int64_t tokens = 0;  // tokens this rank fed through the model in the step
};

class ProgressSink {
 public:
  virtual ~ProgressSink() = default;
  virtual void Step(int64_t step, float loss, double step_millis) = 0;
  // The full report of a step; sinks that only want the basics get Step().
  virtual void StepDone(const StepStats& stats) { Step(stats.step, stats.loss, stats.step_millis); }
  // The training loop was blocked `stall_millis` saving the checkpoint of `step` (the
  // snapshot, and with synchronous checkpoints the write too). Default: ignored.
  virtual void CheckpointSaved(int64_t step, double stall_millis) {
    (void)step;
    (void)stall_millis;
  }
  virtual void CheckpointCommitted(int64_t step) = 0;
  // phase: "before" or "after".
  virtual void Eval(absl::string_view phase, double accuracy, int64_t examples) = 0;
  virtual void Done() = 0;
};

// Renders the JSON line (without the newline) of each report; shared by the sinks.
std::string StepLine(int64_t step, float loss, double step_millis);
std::string StepLine(const StepStats& stats);
std::string CheckpointSavedLine(int64_t step, double stall_millis);
std::string CheckpointLine(int64_t step);
std::string EvalLine(absl::string_view phase, double accuracy, int64_t examples);
std::string DoneLine();

class FdProgressSink final : public ProgressSink {
 public:
  // Does not own `fd` (the caller closes it); -1 drops every line.
  explicit FdProgressSink(int fd) : fd_(fd) {}

  void Step(int64_t step, float loss, double step_millis) override;
  void StepDone(const StepStats& stats) override;
  void CheckpointSaved(int64_t step, double stall_millis) override;
  void CheckpointCommitted(int64_t step) override;
  void Eval(absl::string_view phase, double accuracy, int64_t examples) override;
  void Done() override;
  // The first write error, or OK.
  absl::Status status() const ABSL_LOCKS_EXCLUDED(mu_);

 private:
  void WriteLine(std::string line) ABSL_LOCKS_EXCLUDED(mu_);

  const int fd_;
  mutable absl::Mutex mu_;
  absl::Status status_ ABSL_GUARDED_BY(mu_);
};

}  // namespace flyover::worker

#endif  // FLYOVER_WORKER_TRAIN_PROGRESS_SINK_H_
