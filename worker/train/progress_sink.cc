#include "worker/train/progress_sink.h"

#include <unistd.h>

#include <cerrno>
#include <cmath>

#include "common/status.h"
#include "nlohmann/json.hpp"

namespace flyover::worker {
namespace {

// JSON has no NaN or infinity; a diverged loss is reported as null.
nlohmann::json Number(double value) {
  return std::isfinite(value) ? nlohmann::json(value) : nlohmann::json(nullptr);
}

}  // namespace

std::string StepLine(int64_t step, float loss, double step_millis) {
  return nlohmann::json{{"step", step}, {"loss", Number(loss)}, {"stepMillis", Number(step_millis)}}
      .dump();
}

std::string StepLine(const StepStats& stats) {
  return nlohmann::json{{"step", stats.step},
                        {"loss", Number(stats.loss)},
                        {"stepMillis", Number(stats.step_millis)},
                        {"tokens", stats.tokens}}
      .dump();
}

std::string CheckpointSavedLine(int64_t step, double stall_millis) {
  return nlohmann::json{{"checkpointSave", {{"step", step}, {"stallMillis", Number(stall_millis)}}}}
      .dump();
}

std::string CheckpointLine(int64_t step) { return nlohmann::json{{"checkpoint", step}}.dump(); }

std::string EvalLine(absl::string_view phase, double accuracy, int64_t examples) {
  return nlohmann::json{{"eval",
                         {{"phase", std::string(phase)},
                          {"accuracy", Number(accuracy)},
                          {"examples", examples}}}}
      .dump();
}

std::string DoneLine() { return nlohmann::json{{"done", true}}.dump(); }

void FdProgressSink::Step(int64_t step, float loss, double step_millis) {
  WriteLine(StepLine(step, loss, step_millis));
}
void FdProgressSink::StepDone(const StepStats& stats) { WriteLine(StepLine(stats)); }
void FdProgressSink::CheckpointSaved(int64_t step, double stall_millis) {
  WriteLine(CheckpointSavedLine(step, stall_millis));
}
void FdProgressSink::CheckpointCommitted(int64_t step) { WriteLine(CheckpointLine(step)); }
void FdProgressSink::Eval(absl::string_view phase, double accuracy, int64_t examples) {
  WriteLine(EvalLine(phase, accuracy, examples));
}
void FdProgressSink::Done() { WriteLine(DoneLine()); }

absl::Status FdProgressSink::status() const {
  absl::MutexLock lock(&mu_);
  return status_;
}

void FdProgressSink::WriteLine(std::string line) {
  if (fd_ < 0) return;
  line += '\n';
  absl::MutexLock lock(&mu_);
  if (!status_.ok()) return;
  size_t written = 0;
  while (written < line.size()) {
    const ssize_t n = ::write(fd_, line.data() + written, line.size() - written);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      status_ = ErrnoToStatus(errno, "progress: write to the report fd");
      return;
    }
    written += static_cast<size_t>(n);
  }
}

}  // namespace flyover::worker
