// LocalRunReport: what `flyover-worker local` prints while it runs and leaves behind.
// Every progress line of every rank is recorded; rank 0's steps, checkpoints and
// evaluations are printed as they come. Finish() prints a summary and writes
// <work-dir>/summary.json:
//   {"exitCode": 0, "restarts": 1, "generation": 1, "replayMismatches": 0,
//    "eval": {"before": 0.02, "after": 0.95}, "resumedFrom": {"1": 13},
//    "steps": [{"step": 1, "loss": 3.41, "lossBits": ["400b47ae147ae148", ...]}, ...]}
// "lossBits" holds each rank's loss (rank order) as the hex of its IEEE-754 bits, so runs
// compare bit for bit; a step run again after a restart keeps its newest value, and
// "replayMismatches" counts re-run steps whose loss differed from the first run's bits.
// "resumedFrom" maps each generation after the first to the step its ranks resumed
// from (one less than the first step any rank reported in it).
// Thread-safety: Record() may be called from many agents' threads at once.
#ifndef FLYOVER_WORKER_MAIN_LOCAL_REPORT_H_
#define FLYOVER_WORKER_MAIN_LOCAL_REPORT_H_

#include <cstdint>
#include <cstdio>
#include <map>
#include <optional>
#include <string>

#include "absl/base/thread_annotations.h"
#include "absl/status/status.h"
#include "absl/synchronization/mutex.h"
#include "common/file_system.h"
#include "worker/agent/supervision_types.h"

namespace flyover::worker {

class LocalRunReport {
 public:
  LocalRunReport(int world_size, std::FILE* out) : world_size_(world_size), out_(out) {}

  void Record(int rank, int64_t generation, const ProgressLine& line) ABSL_LOCKS_EXCLUDED(mu_);

  // Prints the summary and writes `summary_path` atomically.
  [[nodiscard]] absl::Status Finish(FileSystem& fs, const std::string& summary_path,
                                    int exit_code, int restarts, int64_t generation)
      ABSL_LOCKS_EXCLUDED(mu_);

 private:
  const int world_size_;
  std::FILE* const out_;
  absl::Mutex mu_;
  std::map<int64_t, std::map<int, double>> losses_ ABSL_GUARDED_BY(mu_);
  std::map<std::string, double> eval_ ABSL_GUARDED_BY(mu_);
  int replay_mismatches_ ABSL_GUARDED_BY(mu_) = 0;
  std::map<int64_t, int64_t> resumed_from_ ABSL_GUARDED_BY(mu_);  // generation -> step
};

// The hex of a double's IEEE-754 bits: 1.0 -> "3ff0000000000000".
std::string DoubleBits(double value);

}  // namespace flyover::worker

#endif  // FLYOVER_WORKER_MAIN_LOCAL_REPORT_H_
